"""Dispositions that name a person: each SOP's picker routes the steps it disposes to the picked
people only; a picked person who cannot take a step sends it back to the role's pool and tells the
supervisors; SOP-05's checker is never the maker; supervisors reassign with a reason."""
from __future__ import annotations

import json
from itertools import groupby
from typing import Any

import pytest
from engine_helpers import traced_sop_alur
from process_helpers import PASSWORD, Case, deploy
from sqlalchemy import select
from test_sop_backup_restore_db import STEPS as BRD_STEPS
from test_sop_gangguan_database import STEPS as GDB_STEPS
from test_sop_gangguan_jaringan import STEPS as GJR_STEPS
from test_sop_pemeliharaan_akses_dc import STEPS as PDC_STEPS
from test_sop_pengelolaan_data import STEPS as PDT_STEPS

from engine.errors import (FormInvalid, InvalidInput, NotARoleHolder, PermissionDenied, ReasonRequired,
                           TaskClaimedByOther, TaskForOthers)
from engine.persistence.models import AuditEvent

# A second holder of each role the pickers choose from: the one a disposition names, while the
# cast's first holder (the one the walks pick by default) is passed over.
SECONDS = {"staf_a": {"pengelola_ti"}, "staf_b": {"pengelola_ti"}, "pemeriksa2": {"pemeriksa_ti"},
           "kasi_pdi2": {"pengawas_data_integrasi"}, "kasi_infra2": {"pengawas_infrastruktur_tik"},
           "kabid2": {"pejabat_administrator_tik"}, "kadis2": {"kepala_dinas"},
           "admin_server2": {"administrator_jaringan_server"}, "serba": {"pengelola_ti", "pemeriksa_ti"},
           "admin_sistem": {"admin_sistem"}}


@pytest.fixture
def people(sop):
    for username, roles in SECONDS.items():
        sop.users.add_user(username, username.replace("_", " ").title(), PASSWORD, roles)
    return sop


def inbox(alur, person: str, tab: str) -> set[str]:
    return {t.task_id for t in alur.queries.inbox(person, tab, per_page=100).items}


def assert_only(alur, task, picked: str, passed_over: str) -> None:
    """``task`` is ``picked``'s (held, or offered to them alone), never ``passed_over``'s, who holds its role."""
    mine_or_offered = inbox(alur, picked, "mine") | inbox(alur, picked, "available")
    assert task.task_id in mine_or_offered, (task.element_id, picked)
    assert task.task_id not in inbox(alur, passed_over, "available") | inbox(alur, passed_over, "mine")
    assert alur.permissions.may_work_on(task.role, alur.users.get(passed_over).roles)
    with pytest.raises((TaskForOthers, TaskClaimedByOther)):
        alur.runner.claim_task(task.task_id, passed_over)
    page = alur.cases.task_page(task.task_id, passed_over)  # the role's holders may still read it
    assert not page.can_act and not page.can_claim


def created_payload(alur, case: Case, element_id: str) -> dict[str, Any]:
    with alur.sessions() as session:
        rows = session.scalars(select(AuditEvent).where(AuditEvent.chain == f"instance:{case.id}",
                                                        AuditEvent.event_type == "task_created")).all()
    return [json.loads(r.payload_json) for r in rows if json.loads(r.payload_json)["element_id"] == element_id][-1]


# -- every SOP's pickers ---------------------------------------------------------------------------

def test_sop01_the_disposed_kasi_and_the_assigned_team(people, clock):
    deploy(people, "sop_gangguan_database")
    case = Case(people, clock, "sop_gangguan_database", GDB_STEPS, starter="pengelola")
    case.do("gdb_01")
    case.do("gdb_02", diteruskan_kepada="kasi_pdi2")
    assert_only(people, case.ready("gdb_03"), "kasi_pdi2", "kasi_pdi")
    case.do("gdb_03", petugas_ti=[{"pengguna": "staf_a"}, {"pengguna": "pemeriksa2"}],
            administrator_ditugaskan="admin_server2")
    gdb_04 = case.ready("gdb_04")
    assert (gdb_04.state, gdb_04.candidates) == ("ready", ("staf_a", "pemeriksa2"))
    assert_only(people, gdb_04, "pemeriksa2", "pengelola")
    case.do("gdb_04", actor="pemeriksa2")
    assert_only(people, case.ready("gdb_05"), "admin_server2", "admin_server")
    case.do("gdb_05")
    # GDB-06 is the Pengelola TI's: of the team only staf_a holds that role
    assert case.ready("gdb_06").candidates == ("staf_a",)
    case.do("gdb_06")
    assert case.ready("gdb_07").assignee == "kasi_pdi2"  # the same Kasi checks the result


def test_sop02_the_kasi_named_in_the_nota_dinas(people, clock):
    deploy(people, "sop_pengelolaan_data")
    case = Case(people, clock, "sop_pengelolaan_data", PDT_STEPS, starter="kabid")
    case.do("pdt_01", kepada="kasi_pdi2")
    assert_only(people, case.ready("pdt_02"), "kasi_pdi2", "kasi_pdi")


def test_sop03_each_disposition_and_the_technical_team(people, clock):
    deploy(people, "sop_gangguan_jaringan")
    case = Case(people, clock, "sop_gangguan_jaringan", GJR_STEPS, starter="pengguna")
    case.do("gjr_01")
    case.do("gjr_02a", diteruskan_ke_kepala_dinas="kadis2")
    assert_only(people, case.ready("gjr_02b"), "kadis2", "kadis")
    case.do("gjr_02b", didisposisikan_ke_kabid="kabid2")
    assert_only(people, case.ready("gjr_03a"), "kabid2", "kabid")
    case.do("gjr_03a", diteruskan_ke_kasi="kasi_infra2")
    assert_only(people, case.ready("gjr_03b"), "kasi_infra2", "kasi_infra")
    case.do("gjr_03b", anggota_tim_teknis=[{"pengguna": "admin_server2"}, {"pengguna": "staf_b"}])
    gjr_04 = case.ready("gjr_04")
    assert gjr_04.candidates == ("admin_server2", "staf_b")
    for outsider in ("admin_server", "pengelola", "pemeriksa"):  # Tim Teknis members not on the team
        assert_only(people, gjr_04, "staf_b", outsider)


def test_sop04_the_dc_team_of_the_surat_tugas(people, clock):
    deploy(people, "sop_pemeliharaan_akses_dc")
    case = Case(people, clock, "sop_pemeliharaan_akses_dc", PDC_STEPS, starter="kasi_infra")
    case.do("pdc_01", personil_dc_ditugaskan=[{"pengguna": "staf_a", "peran": "pengelola_ti"},
                                              {"pengguna": "pemeriksa2", "peran": "pemeriksa_ti"}])
    assert_only(people, case.ready("pdc_02"), "staf_a", "pengelola")
    case.do("pdc_02")
    assert_only(people, case.ready("pdc_03"), "pemeriksa2", "pemeriksa")


def test_sop05_the_kasi_picks_one_pengelola_ti(people, clock):
    deploy(people, "sop_backup_restore_db")
    case = Case(people, clock, "sop_backup_restore_db", BRD_STEPS, starter="opd")
    case.do("brd_01")
    case.do("brd_02a", diteruskan_kepada="kasi_infra2")
    assert_only(people, case.ready("brd_02b"), "kasi_infra2", "kasi_infra")
    case.do("brd_02b", pelaksana_pengelola="staf_a", pelaksana_pemeriksa="pemeriksa2")
    brd_03 = case.ready("brd_03")
    assert (brd_03.state, brd_03.assignee, brd_03.candidates) == ("claimed", "staf_a", ("staf_a",))
    assert_only(people, brd_03, "staf_a", "staf_b")
    with pytest.raises(TaskClaimedByOther):
        people.runner.complete_task(brd_03.task_id, "staf_b", {})
    # released by staf_a, the step still waits for staf_a only
    people.runner.unclaim_task(brd_03.task_id, "staf_a")
    released = case.ready("brd_03")
    assert released.state == "ready" and brd_03.task_id in inbox(people, "staf_a", "available")
    assert_only(people, released, "staf_a", "staf_b")
    with pytest.raises(TaskForOthers):
        people.runner.complete_task(brd_03.task_id, "staf_b", {})
    case.do("brd_03", actor="staf_a")
    assert_only(people, case.ready("brd_04"), "staf_a", "staf_b")
    case.do("brd_04")
    assert_only(people, case.ready("brd_05"), "pemeriksa2", "pemeriksa")
    case.do("brd_05")
    case.finish()
    assert [who for _, who in case.walked] == ["opd", "kabid", "kasi_infra2", "staf_a", "staf_a", "pemeriksa2"]
    payload = created_payload(people, case, "brd_03")
    assert (payload["assignee"], payload["named"], payload["candidates"]) == ("staf_a", ["staf_a"], ["staf_a"])
    assert "not_routed" not in payload


# -- pickers and who may be picked ---------------------------------------------------------------------

def attempt(case: Case, task, actor: str, **answers: Any) -> dict[str, Any]:
    """Form data for a submission that is meant to be refused (its uploads belong to no step)."""
    before = len(case.documents)
    data = case.fill(task.form_key, f"{task.element_id}.refused", actor, False, answers)
    del case.documents[before:]
    return data


def start_brd(alur, clock) -> Case:
    deploy(alur, "sop_backup_restore_db")
    case = Case(alur, clock, "sop_backup_restore_db", BRD_STEPS, starter="opd")
    case.run("brd_01", "brd_02a")
    return case


def test_a_picker_names_an_active_holder_of_its_role(people, clock):
    case = start_brd(people, clock)
    task = case.ready("brd_02b")
    people.users.set_active("staf_b", False, actor="admin_sistem")
    for picked, why in (("staf_b", "tidak aktif"), ("hantu", "tidak dikenal"), ("pemeriksa2", "tidak memegang peran")):
        data = attempt(case, task, "kasi_infra", pelaksana_pengelola=picked, pelaksana_pemeriksa="pemeriksa2")
        with pytest.raises(FormInvalid) as info:
            people.runner.complete_task(task.task_id, "kasi_infra", data)
        assert why in info.value.errors["pelaksana_pengelola"], info.value.errors
    assert case.ready("brd_02b").state == "claimed"  # nothing was stored


def test_brd_05_checker_must_differ_from_the_maker(people, clock):
    case = start_brd(people, clock)
    task = case.ready("brd_02b")
    same = attempt(case, task, "kasi_infra", pelaksana_pengelola="serba", pelaksana_pemeriksa="serba")
    with pytest.raises(FormInvalid) as info:
        people.runner.complete_task(task.task_id, "kasi_infra", same)
    assert list(info.value.errors) == ["pelaksana_pemeriksa"]
    assert "berbeda" in info.value.errors["pelaksana_pemeriksa"]

    case.do("brd_02b", pelaksana_pengelola="staf_a", pelaksana_pemeriksa="serba")
    case.do("brd_03")
    # the maker falls ill: the Kasi hands BRD-04 to serba, who also holds Pemeriksa TI
    brd_04 = case.ready("brd_04")
    people.runner.reassign_task(brd_04.task_id, "kasi_infra", "serba", "staf_a sakit")
    case.do("brd_04", actor="serba")
    brd_05 = case.ready("brd_05")
    assert brd_05.assignee == "serba"
    data = attempt(case, brd_05, "serba")
    with pytest.raises(FormInvalid) as info:
        people.runner.complete_task(brd_05.task_id, "serba", data)
    assert "BRD-04" in info.value.errors["_form"] and "berbeda" in info.value.errors["_form"]
    people.runner.reassign_task(brd_05.task_id, "kasi_infra", "pemeriksa2", "pemeriksa pengganti")
    with pytest.raises(InvalidInput) as refused:  # nor can it be handed back to the maker
        people.runner.reassign_task(brd_05.task_id, "kasi_infra", "serba", "kembalikan")
    assert "BRD-04" in refused.value.message
    case.do("brd_05", actor="pemeriksa2")
    case.finish()


def test_a_deactivated_assignee_falls_back_to_the_pool_and_the_supervisors_are_told(people, clock):
    case = start_brd(people, clock)
    case.do("brd_02b", pelaksana_pengelola="staf_a", pelaksana_pemeriksa="pemeriksa2")
    case.run("brd_03")
    people.users.set_active("pemeriksa2", False, actor="admin_sistem")  # leaves before BRD-05
    case.do("brd_04")
    brd_05 = case.ready("brd_05")
    assert (brd_05.state, brd_05.assignee, brd_05.candidates) == ("ready", None, ())
    assert brd_05.task_id in inbox(people, "pemeriksa", "available")  # any Pemeriksa TI now
    assert brd_05.task_id in inbox(people, "serba", "available")
    payload = created_payload(people, case, "brd_05")
    assert payload["named"] == ["pemeriksa2"] and payload["candidates"] == []
    assert "tidak aktif" in payload["not_routed"]["pemeriksa2"]
    # the supervisors of Pemeriksa TI (roles.toml) get the bell, naming the step and the person
    for supervisor in ("kasi_pdi", "kasi_pdi2", "kasi_infra", "kasi_infra2", "kabid", "kabid2"):
        notes = people.notifications.list(supervisor)
        assert [(n.kind, n.task_id) for n in notes] == [("task_fallback", brd_05.task_id)], supervisor
        assert "pemeriksa2" in notes[0].body and "tidak aktif" in notes[0].body
    assert people.notifications.list("pemeriksa") == [] and people.notifications.list("staf_a") == []
    case.do("brd_05", actor="pemeriksa")
    case.finish()


def test_a_team_member_without_the_steps_role_is_passed_over_then_the_pool_takes_it(people, clock):
    """SOP-04: a surat tugas naming only a Pengelola TI leaves the Pemeriksa's steps to the role's pool."""
    deploy(people, "sop_pemeliharaan_akses_dc")
    case = Case(people, clock, "sop_pemeliharaan_akses_dc", PDC_STEPS, starter="kasi_infra")
    case.do("pdc_01", personil_dc_ditugaskan=[{"pengguna": "staf_a", "peran": "pengelola_ti"}])
    case.do("pdc_02")
    pdc_03 = case.ready("pdc_03")
    assert pdc_03.candidates == () and pdc_03.task_id in inbox(people, "pemeriksa", "available")
    assert [n.kind for n in people.notifications.list("kasi_infra")] == ["task_fallback"]


# -- reassigning -------------------------------------------------------------------------------------

def test_reassign_by_a_supervisor_with_a_reason_notifies_the_new_holder(people, clock):
    case = start_brd(people, clock)
    case.do("brd_02b", pelaksana_pengelola="staf_a", pelaksana_pemeriksa="pemeriksa2")
    brd_03 = case.ready("brd_03")
    people.runner.reassign_task(brd_03.task_id, "kasi_infra", "staf_b", "  staf_a dinas luar  ")
    moved = case.ready("brd_03")
    assert (moved.state, moved.assignee, moved.candidates) == ("claimed", "staf_b", ("staf_b",))
    trail = people.queries.audit_trail(case.id)[-1]
    assert (trail.event_type, trail.actor) == ("task_reassigned", "kasi_infra")
    assert trail.payload == {"task_id": brd_03.task_id, "name": brd_03.name, "from": "staf_a", "to": "staf_b",
                             "reason": "staf_a dinas luar"}
    [note] = people.notifications.list("staf_b")
    assert (note.kind, note.task_id) == ("task_reassigned", brd_03.task_id)
    assert "staf_a dinas luar" in note.body and "kasi_infra" in note.body
    # given back by staf_b, it waits for staf_b: the named person changed with the reassignment
    people.runner.unclaim_task(brd_03.task_id, "staf_b")
    assert brd_03.task_id not in inbox(people, "staf_a", "available")
    assert brd_03.task_id in inbox(people, "staf_b", "available")
    # Admin Sistem may reassign any task
    people.runner.reassign_task(brd_03.task_id, "admin_sistem", "staf_a", "kembali ke pelaksana semula")
    assert case.ready("brd_03").assignee == "staf_a"


@pytest.mark.parametrize("target, code", [("pemeriksa2", "not_a_role_holder"), ("hantu", "not_a_role_holder"),
                                          ("staf_b", "not_a_role_holder"), ("", "not_a_role_holder")])
def test_reassign_to_someone_who_cannot_take_it_is_refused(people, clock, target, code):
    case = start_brd(people, clock)
    case.do("brd_02b", pelaksana_pengelola="staf_a", pelaksana_pemeriksa="pemeriksa2")
    brd_03 = case.ready("brd_03")
    people.users.set_active("staf_b", False, actor="admin_sistem")
    with pytest.raises(NotARoleHolder) as info:
        people.runner.reassign_task(brd_03.task_id, "kasi_infra", target, "cuti")
    assert info.value.code == code and info.value.context["field"] == "to"
    assert "Pengelola Teknologi Informasi" in info.value.message
    assert case.ready("brd_03").assignee == "staf_a"
    assert people.notifications.list(target or "staf_a") == []


@pytest.mark.parametrize("reason", ["", "   ", None])
def test_reassign_without_a_reason_is_refused(people, clock, reason):
    case = start_brd(people, clock)
    case.do("brd_02b", pelaksana_pengelola="staf_a", pelaksana_pemeriksa="pemeriksa2")
    brd_03 = case.ready("brd_03")
    with pytest.raises(ReasonRequired) as info:
        people.runner.reassign_task(brd_03.task_id, "kasi_infra", "staf_b", reason)
    assert (info.value.code, info.value.context["field"]) == ("reason_required", "reason")
    assert case.ready("brd_03").assignee == "staf_a"


@pytest.mark.parametrize("actor", ["staf_b", "staf_a", "opd", "pemeriksa", "kadis"])
def test_reassign_by_someone_who_does_not_supervise_the_role_is_refused(people, clock, actor):
    """Holders of the role (even the task's own), other roles and the Kepala Dinas, who supervises the
    Kabid but not the Pengelola TI (roles.toml), may not reassign."""
    case = start_brd(people, clock)
    case.do("brd_02b", pelaksana_pengelola="staf_a", pelaksana_pemeriksa="pemeriksa2")
    brd_03 = case.ready("brd_03")
    with pytest.raises(PermissionDenied) as info:
        people.runner.reassign_task(brd_03.task_id, actor, "staf_b", "cuti")
    assert info.value.code == "permission_denied"
    assert case.ready("brd_03").assignee == "staf_a"
    assert "task_reassigned" not in [e.event_type for e in people.queries.audit_trail(case.id)]


def test_an_overdue_team_step_reminds_the_team_not_every_holder_of_the_role(people, clock):
    deploy(people, "sop_gangguan_jaringan")
    case = Case(people, clock, "sop_gangguan_jaringan", GJR_STEPS, starter="pengguna")
    case.run("gjr_01", "gjr_02a", "gjr_02b", "gjr_03a")
    case.do("gjr_03b", anggota_tim_teknis=[{"pengguna": "admin_server2"}, {"pengguna": "staf_b"}])
    gjr_04 = case.ready("gjr_04")
    clock.now = gjr_04.due_at + (gjr_04.due_at - gjr_04.created_at)
    assert people.scheduling.escalate_overdue(clock()) >= 1
    reminded = {u for u in ("admin_server2", "staf_b", "admin_server", "pengelola", "pemeriksa", "staf_a")
                if any(n.task_id == gjr_04.task_id for n in people.notifications.list(u))}
    assert reminded == {"admin_server2", "staf_b"}
    assert any(n.task_id == gjr_04.task_id for n in people.notifications.list("kasi_infra"))  # supervisor


def test_a_step_naming_people_reads_their_accounts_once_and_inserts_the_holder_with_the_task(tmp_path, clock):
    """BRD-02b picks the Pengelola TI who then holds BRD-03: the pickers' check and the new task's routing
    share one read of the accounts, and the holder goes into the step's one INSERT of new tasks."""
    alur, engine, traced = traced_sop_alur(tmp_path, clock)
    case = start_brd(alur, clock)
    task = case.ready("brd_02b")
    data = case.fill(task.form_key, "brd_02b.1", "kasi_infra", False, {"pelaksana_pengelola": "pengelola"})
    traced.clear()
    alur.runner.complete_task(task.task_id, "kasi_infra", data)
    kinds = [" ".join(s.split()[:3]) for s in traced]
    engine.dispose()
    # a repeat is one statement: SQLite traces the search index's trigger on the case UPDATE as that
    # statement again (tests/engine/test_transaction.py)
    body = [k for k, _ in groupby(k for k in kinds[1:-1] if not k.startswith("INSERT INTO audit_event"))]
    # the uploads are read once; those made before their case (the helper's) are given the case
    assert body == ["SELECT human_task.id, human_task.instance_id,",
                    "SELECT document_upload.sha256, document_upload.filename,",
                    "SELECT user_account.username, user_account.active,", "UPDATE document_upload SET",
                    "UPDATE human_task SET", "INSERT INTO step_figure",
                    "INSERT INTO human_task", "UPDATE process_instance SET", "UPDATE audit_chain_head SET"]
    assert (case.ready("brd_03").assignee, case.ready("brd_03").candidates) == ("pengelola", ("pengelola",))
