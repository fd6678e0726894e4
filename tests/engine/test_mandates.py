"""Stand-ins (Plh/Plt) over the real SOPs and role catalogue: appointing one, the official's tasks in the
stand-in's inbox, completing them with both names recorded, the limits of what a mandate grants, its end
by date and early, and every kind of bad input."""
from __future__ import annotations

import json
from datetime import date, timedelta
from itertools import groupby
from typing import Any

import pytest
from engine_helpers import traced_sop_alur
from process_helpers import PASSWORD, FillContext, add_cast, deploy, form_data, upload
from sqlalchemy import select

from engine.bootstrap import Alur
from engine.errors import (MandateAlreadyEnded, MandateBasisRequired, MandateGrantsNothing, MandateKindInvalid,
                           MandateNotFound, MandateOverlap, MandatePeriodInvalid, MandateSamePerson,
                           PermissionDenied, TaskClaimedByOther, TaskForOthers, UserNotFound)
from engine.permissions import is_admin, may_audit, may_model
from engine.persistence.models import AuditEvent, HumanTask, Mandate
from engine.reading import search_statements
from engine.reading.search import Search
from engine.worktime.work_calendar import WITA

BASIS = "800.1.6/123/Diskominfo/2026"


@pytest.fixture
def office(sop_alur: Alur) -> Alur:
    add_cast(sop_alur)
    sop_alur.users.add_user("admin", "Admin Sistem", PASSWORD, {"admin_sistem"})
    # an official who also holds every power a mandate must never pass on
    sop_alur.users.add_user("kabid_plus", "Kabid Plus", PASSWORD,
                            {"pejabat_administrator_tik", "admin_sistem", "auditor", "pemilik_proses"})
    sop_alur.users.add_user("root_only", "Hanya Admin", PASSWORD, {"admin_sistem"})
    deploy(sop_alur, "sop_gangguan_database")
    deploy(sop_alur, "sop_pengelolaan_data")
    return sop_alur


def today(alur: Alur) -> date:
    return alur.clock().astimezone(WITA).date()


def fill(alur: Alur, task: Any, actor: str) -> dict[str, Any]:
    ctx = FillContext(tag=task.element_id, now=alur.clock(), user_for=lambda role: "kasi_pdi",
                      document=lambda label: upload(alur, alur.clock, actor, label), full=False)
    return form_data(alur.forms.get(task.form_key).schema, ctx)


def kabid_disposition(alur: Alur) -> Any:
    """SOP-01 up to GDB-02, the Kabid's disposition, waiting in the Kabid's pool."""
    case = alur.runner.start_case("sop_gangguan_database", "pengelola", "GDB/1").instance_id
    first = alur.queries.open_tasks(case)[0]
    alur.runner.complete_task(first.task_id, "pengelola", fill(alur, first, "pengelola"))
    task = alur.queries.open_tasks(case)[0]
    assert (task.element_id, task.state, task.role) == ("gdb_02", "ready", "pejabat_administrator_tik")
    return task


def kabid_own_task(alur: Alur) -> Any:
    """SOP-02 started by the Kabid: its first step is claimed by the Kabid."""
    case = alur.runner.start_case("sop_pengelolaan_data", "kabid", "PDT/1").instance_id
    task = alur.queries.open_tasks(case)[0]
    assert (task.state, task.assignee) == ("claimed", "kabid")
    return task


def appoint(alur: Alur, first: date, last: date, absent: str = "kabid", stand_in: str = "kasi_infra",
            actor: str = "kadis", kind: str = "plh") -> Any:
    return alur.mandates.appoint(kind, absent, stand_in, first, last, BASIS, actor)


def inbox(alur: Alur, user: str, tab: str) -> dict[str, Any]:
    return {t.task_id: t for t in alur.queries.inbox(user, tab, per_page=100).items}


def system_events(alur: Alur, event_type: str) -> list[dict[str, Any]]:
    with alur.sessions() as session:
        return [json.loads(e.payload_json) for e in session.scalars(
            select(AuditEvent).where(AuditEvent.chain == "system", AuditEvent.event_type == event_type)
            .order_by(AuditEvent.seq))]


def test_a_plh_works_the_officials_tasks_and_both_names_are_recorded(office: Alur) -> None:
    pool_task, own_task = kabid_disposition(office), kabid_own_task(office)
    assert pool_task.task_id not in inbox(office, "kasi_infra", "available")
    mandate = appoint(office, today(office), today(office) + timedelta(days=7))
    assert (mandate.status, mandate.label) == ("running", "Plh.")
    assert system_events(office, "mandate_created")[0] == {
        "mandate_id": mandate.mandate_id, "kind": "plh", "absent": "kabid", "stand_in": "kasi_infra",
        "from": today(office).isoformat(), "to": (today(office) + timedelta(days=7)).isoformat(), "basis": BASIS,
        "grants": ["pejabat_administrator_tik"]}

    available, mine = inbox(office, "kasi_infra", "available"), inbox(office, "kasi_infra", "mine")
    assert available[pool_task.task_id].acting_for.label == "Plh."
    assert available[pool_task.task_id].acting_for.absent_name == "Kabid"
    assert mine[own_task.task_id].acting_for.absent == "kabid"  # the official's own claimed task
    assert office.queries.inbox_counts("kasi_infra") == {"mine": 1, "available": 1, "overdue": 0}
    assert inbox(office, "kabid", "available")[pool_task.task_id].acting_for is None  # the official still sees it

    page = office.cases.task_page(pool_task.task_id, "kasi_infra")
    assert page.can_act and page.can_claim and page.acting_for.absent == "kabid"
    office.runner.complete_task(pool_task.task_id, "kasi_infra", fill(office, pool_task, "kasi_infra"))
    office.runner.complete_task(own_task.task_id, "kasi_infra", fill(office, own_task, "kasi_infra"))

    for task in (pool_task, own_task):
        trail = office.queries.audit_trail(task.instance_id)
        done = next(e for e in trail if e.event_type == "task_completed" and e.payload["task_id"] == task.task_id)
        assert done.actor == "kasi_infra"
        assert done.payload["on_behalf_of"] == "kabid"
        assert done.payload["mandate"] == {"id": mandate.mandate_id, "kind": "plh", "basis": BASIS}
        step = next(s for s in office.cases.case_page(task.instance_id, "kasi_infra").steps
                    if s.task.task_id == task.task_id)
        assert step.task.completed_by == "kasi_infra" and step.acted_for.absent == "kabid"
        assert (step.acted_for.label, step.acted_for.basis) == ("Plh.", BASIS)
    assert office.queries.task(own_task.task_id).assignee == "kabid"  # held by the official, done by the Plh
    replayed = office.histories.replay_states(pool_task.instance_id).steps
    assert any(step.label.endswith(f"(sebagai Plh. atas nama kabid, surat {BASIS})") for step in replayed)


def test_a_claim_through_a_mandate_is_audited_and_the_officials_claim_stays_theirs(office: Alur) -> None:
    pool_task, own_task = kabid_disposition(office), kabid_own_task(office)
    appoint(office, today(office), today(office))
    office.runner.claim_task(pool_task.task_id, "kasi_infra")
    claimed = next(e for e in office.queries.audit_trail(pool_task.instance_id) if e.event_type == "task_claimed")
    assert claimed.payload["on_behalf_of"] == "kabid" and claimed.payload["mandate"]["kind"] == "plh"
    assert inbox(office, "kasi_infra", "mine")[pool_task.task_id].acting_for.absent == "kabid"
    office.runner.claim_task(own_task.task_id, "kasi_infra")  # the official holds it: nothing to take
    assert office.queries.task(own_task.task_id).assignee == "kabid"
    with pytest.raises(TaskClaimedByOther):  # someone else with the role is not the official
        office.runner.complete_task(pool_task.task_id, "kabid", {})


def test_overlapping_mandates_for_one_official_are_refused(office: Alur) -> None:
    start = today(office)
    first = appoint(office, start, start + timedelta(days=6))
    with pytest.raises(MandateOverlap) as refused:
        appoint(office, start + timedelta(days=6), start + timedelta(days=9), stand_in="kasi_pdi")
    assert refused.value.context["mandate_id"] == first.mandate_id
    with pytest.raises(MandateOverlap):  # also a Plt, also by the Admin Sistem
        appoint(office, start - timedelta(days=0), start + timedelta(days=1), stand_in="kasi_pdi", actor="admin",
                kind="plt")
    after = appoint(office, start + timedelta(days=7), start + timedelta(days=9), stand_in="kasi_pdi")
    assert after.status == "upcoming"
    appoint(office, start, start + timedelta(days=3), absent="kasi_infra", stand_in="kasi_pdi",
            actor="kabid")  # another official: no clash
    office.mandates.end(first.mandate_id, "kadis", "Kabid kembali lebih awal")
    appoint(office, start + timedelta(days=1), start + timedelta(days=2), stand_in="kasi_pdi")  # ended: free again


@pytest.mark.parametrize(("changes", "error", "field"), [
    ({"kind": "wakil"}, MandateKindInvalid, "kind"),
    ({"stand_in": "kabid"}, MandateSamePerson, "stand_in"),
    ({"basis": "   "}, MandateBasisRequired, "basis"),
    ({"basis": "x" * 201}, MandateBasisRequired, "basis"),
    ({"first": "2026-13-01"}, MandatePeriodInvalid, "from"),
    ({"last": ""}, MandatePeriodInvalid, "to"),
    ({"first": "2026-11-30", "last": "2026-11-25"}, MandatePeriodInvalid, "to"),
    ({"first": "2026-11-01", "last": "2026-11-20"}, MandatePeriodInvalid, "to"),  # already over
    ({"absent": "siapa"}, UserNotFound, "absent"),
    ({"stand_in": "siapa"}, UserNotFound, "stand_in"),
    ({"actor": "pengelola"}, PermissionDenied, None),  # not a supervisor of the Kabid
    ({"actor": "kasi_infra"}, PermissionDenied, None),  # supervised by the Kabid, not the reverse
    ({"absent": "root_only", "actor": "admin"}, MandateGrantsNothing, "absent"),
])
def test_each_bad_appointment_is_refused_and_stores_nothing(office: Alur, changes: dict[str, Any], error: type,
                                                             field: str | None) -> None:
    args = {"kind": "plh", "absent": "kabid", "stand_in": "kasi_infra", "first": "2026-11-23",
            "last": "2026-11-30", "basis": BASIS, "actor": "kadis", **changes}
    with pytest.raises(error) as refused:
        office.mandates.appoint(args["kind"], args["absent"], args["stand_in"], args["first"], args["last"],
                                args["basis"], args["actor"])
    assert refused.value.context.get("field") == field
    assert refused.value.message
    with office.sessions() as session:
        assert session.scalars(select(Mandate)).all() == []
    assert system_events(office, "mandate_created") == []


def test_a_mandate_never_grants_admin_auditor_or_process_owner_powers(office: Alur) -> None:
    mandate = appoint(office, today(office), today(office), absent="kabid_plus", actor="admin")
    held = office.queries.authority("kasi_infra")
    assert [m.mandate_id for m in held.mandates] == [mandate.mandate_id]
    assert held.mandates[0].absent_roles >= {"admin_sistem", "auditor", "pemilik_proses"}
    assert office.permissions.granted_by(held.mandates[0]) == {"pejabat_administrator_tik"}
    for role in ("admin_sistem", "auditor", "pemilik_proses"):
        assert not office.permissions.may_work_on(role, held.roles, held.mandates)
    assert not (is_admin(held.roles) or may_audit(held.roles) or may_model(held.roles))
    assert not office.permissions.may_appoint({"pengawas_data_integrasi"}, held.roles)  # nor the Kabid's supervising
    task = kabid_disposition(office)
    assert task.task_id in inbox(office, "kasi_infra", "available")  # the post's own work it does grant
    with pytest.raises(PermissionDenied):  # the stand-in cannot appoint or end mandates as the admin would
        office.mandates.end(mandate.mandate_id, "kasi_infra")


def test_a_mandate_grants_nothing_before_its_first_day_or_after_its_last(office: Alur, clock: Any) -> None:
    task, own = kabid_disposition(office), kabid_own_task(office)
    mandate = appoint(office, today(office) + timedelta(days=1), today(office) + timedelta(days=2))
    assert task.task_id not in inbox(office, "kasi_infra", "available")
    with pytest.raises(PermissionDenied):
        office.runner.claim_task(task.task_id, "kasi_infra")

    clock.advance(days=1)  # its first day
    office.runner.claim_task(task.task_id, "kasi_infra")
    assert office.scheduling.close_expired_mandates(clock()) == 0

    clock.advance(days=2)  # the day after its last: it ended by itself at midnight WITA
    assert office.queries.authority("kasi_infra").mandates == ()
    assert inbox(office, "kasi_infra", "available") == {}
    assert own.task_id not in inbox(office, "kasi_infra", "mine")
    with pytest.raises(PermissionDenied):
        office.runner.complete_task(own.task_id, "kasi_infra", fill(office, own, "kasi_infra"))
    with pytest.raises(PermissionDenied):
        office.cases.task_page(own.task_id, "kasi_infra")

    # The worker closes it once: the task the stand-in claimed through it goes back to the pool.
    assert office.scheduling.close_expired_mandates(clock()) == 1
    assert office.scheduling.close_expired_mandates(clock()) == 0
    back = office.queries.task(task.task_id)
    assert (back.state, back.assignee) == ("ready", None)
    assert task.task_id in inbox(office, "kabid", "available")
    expired = system_events(office, "mandate_expired")
    assert expired == [{"mandate_id": mandate.mandate_id, "kind": "plh", "absent": "kabid", "stand_in": "kasi_infra",
                        "to": (today(office) - timedelta(days=1)).isoformat(), "released_tasks": [task.task_id]}]
    released = [e for e in office.queries.audit_trail(task.instance_id) if e.event_type == "task_unclaimed"]
    assert released[-1].payload["reason"] == "mandate_ended"


def test_ending_a_mandate_early_is_audited_and_takes_effect_at_once(office: Alur) -> None:
    task = kabid_disposition(office)
    mandate = appoint(office, today(office), today(office) + timedelta(days=7))
    office.runner.claim_task(task.task_id, "kasi_infra")
    with pytest.raises(PermissionDenied):
        office.mandates.end(mandate.mandate_id, "pengelola")
    with pytest.raises(MandateNotFound):
        office.mandates.end(999, "kadis")
    ended = office.mandates.end(mandate.mandate_id, "admin", "  Kabid kembali  ")
    assert (ended.status, ended.ended_by, ended.end_reason) == ("ended", "admin", "Kabid kembali")
    assert system_events(office, "mandate_ended") == [{
        "mandate_id": mandate.mandate_id, "kind": "plh", "absent": "kabid", "stand_in": "kasi_infra",
        "reason": "Kabid kembali", "released_tasks": [task.task_id]}]
    assert office.queries.task(task.task_id).state == "ready"
    assert inbox(office, "kasi_infra", "available") == {}
    with pytest.raises(MandateAlreadyEnded):
        office.mandates.end(mandate.mandate_id, "kadis")
    assert office.scheduling.close_expired_mandates(office.clock() + timedelta(days=30)) == 0  # closed already


def test_who_sees_which_mandates(office: Alur) -> None:
    appoint(office, today(office), today(office))
    appoint(office, today(office), today(office), absent="pengelola", stand_in="pemeriksa", actor="kasi_pdi")
    seen = {user: {m.absent for m in office.mandates.list_mandates(user)}
            for user in ("admin", "kadis", "kasi_infra", "kasi_pdi", "pemeriksa", "opd")}
    assert seen == {"admin": {"kabid", "pengelola"}, "kadis": {"kabid", "pengelola"},
                    "kasi_infra": {"kabid", "pengelola"},
                    "kasi_pdi": {"pengelola"}, "pemeriksa": {"pengelola"}, "opd": set()}
    assert {u.username for u in office.mandates.appointable("kadis")} >= {"kabid", "kasubag_tu"}
    assert "pengelola" not in {u.username for u in office.mandates.appointable("kadis")}
    assert office.mandates.list_mandates("admin", "upcoming") == []


def test_a_deactivated_stand_in_holds_nothing(office: Alur) -> None:
    task = kabid_disposition(office)
    appoint(office, today(office), today(office))
    office.users.set_active("kasi_infra", False)
    assert office.queries.authority("kasi_infra").mandates == ()
    with pytest.raises(PermissionDenied):
        office.runner.complete_task(task.task_id, "kasi_infra", {})


def test_stand_in_tasks_appear_in_the_case_list(office: Alur) -> None:
    task = kabid_disposition(office)
    assert task.instance_id not in {c.instance_id for c in office.queries.visible_cases("kasubag_tu").items}
    appoint(office, today(office), today(office), stand_in="kasubag_tu")
    assert task.instance_id in {c.instance_id for c in office.queries.visible_cases("kasubag_tu").items}
    with office.sessions() as session:
        assert session.get(HumanTask, task.task_id).state == "ready"


@pytest.mark.parametrize("way", ["cases_first", "rows_first"])
def test_a_stand_ins_inbox_search_and_saved_filter_count_the_officials_tasks(office: Alur, monkeypatch: Any,
                                                                          way: str) -> None:
    """The inbox search reads the same tabs as the inbox: the official's pool and claimed tasks, marked."""
    if way == "rows_first":
        monkeypatch.setattr(search_statements, "CASES_FIRST_MAX", -1)
    pool_task, own_task = kabid_disposition(office), kabid_own_task(office)
    by_key = {"GDB/1": pool_task, "PDT/1": own_task}
    for key, task in by_key.items():
        tab = "available" if task is pool_task else "mine"
        search = Search(reference=key)
        assert office.queries.inbox_overview("kasi_infra", tab, search=search).page.items == []
        assert office.queries.inbox_search_counts("kasi_infra", [(tab, search)]) == [0]
    appoint(office, today(office), today(office) + timedelta(days=7))
    for key, task in by_key.items():
        tab = "available" if task is pool_task else "mine"
        search = Search(reference=key)
        found, = office.queries.inbox_overview("kasi_infra", tab, search=search).page.items
        assert found.task_id == task.task_id and found.acting_for is not None and found.acting_for.absent == "kabid"
        assert office.queries.inbox_search_counts("kasi_infra", [(tab, search)]) == [1]
        assert office.queries.inbox_overview("kasi_infra", tab, search=Search(reference="TIDAK/ADA")).page.items == []


def test_a_completion_through_a_mandate_is_still_one_read_and_six_writes(tmp_path, clock) -> None:
    """The mandate is checked in the completion's one read (TASK_WITH_CASE): no statement is added."""
    alur, engine, traced = traced_sop_alur(tmp_path, clock)
    deploy(alur, "sop_gangguan_database")
    task = kabid_disposition(alur)
    appoint(alur, today(alur), today(alur))
    data = fill(alur, task, "kasi_infra")
    traced.clear()
    alur.runner.complete_task(task.task_id, "kasi_infra", data)
    kinds = [" ".join(s.split()[:3]) for s in traced]
    engine.dispose()
    # (a form with documents reads their uploads once and gives those made before their case the case,
    # and a form naming people reads their accounts once
    # (tests/processes/test_named_performers.py): those reads are the form's, with or without a mandate)
    # (SQLite traces the search index's trigger program on the case UPDATE as that statement again:
    # a repeat is one statement, as in tests/engine/test_transaction.py)
    body = [k for k, _ in groupby(k for k in kinds[1:-1] if not k.startswith((
        "INSERT INTO audit_event", "SELECT document_upload.sha256", "UPDATE document_upload SET",
        "SELECT user_account.username")))]
    assert body == ["SELECT human_task.id, human_task.instance_id,", "UPDATE human_task SET",
                    "INSERT INTO step_figure", "INSERT INTO human_task", "UPDATE process_instance SET",
                    "UPDATE audit_chain_head SET"]  # step_figure: the dashboard's figure of the step
    done = next(e for e in alur.queries.audit_trail(task.instance_id) if e.event_type == "task_completed"
                and e.payload["task_id"] == task.task_id)
    assert done.payload["on_behalf_of"] == "kabid"



def test_a_task_the_model_names_an_absent_officer_for_goes_to_their_stand_in(office: Alur, clock: Any) -> None:
    """GDB-04 is offered only to the Petugas TI the Kasi named at GDB-03 (``camunda:candidateUsers``):
    while that officer is away, the Plh (a colleague holding the same role) takes it, as the Plh; another
    holder of the role never sees it, and when the mandate ends it is the named officer's again."""
    office.users.add_user("pengelola2", "Pengelola Dua", PASSWORD, {"pengelola_ti"})

    def named_step() -> Any:
        disposition = kabid_disposition(office)
        office.runner.complete_task(disposition.task_id, "kabid", fill(office, disposition, "kabid"))
        direction = office.queries.open_tasks(disposition.instance_id)[0]
        assert (direction.element_id, direction.assignee) == ("gdb_03", "kasi_pdi")
        people = {"administrator_jaringan_server": "admin_server"}
        ctx = FillContext(tag="gdb_03", now=office.clock(), user_for=lambda role: people.get(role, "pengelola"),
                          document=lambda label: upload(office, office.clock, "kasi_pdi", label), full=False)
        office.runner.complete_task(direction.task_id, "kasi_pdi",
                                    form_data(office.forms.get(direction.form_key).schema, ctx))
        task = next(t for t in office.queries.open_tasks(disposition.instance_id) if t.element_id == "gdb_04")
        assert (task.state, task.candidates) == ("ready", ("pengelola",))
        return task

    first = named_step()
    assert first.task_id not in inbox(office, "pengelola2", "available")
    with pytest.raises(TaskForOthers):
        office.runner.claim_task(first.task_id, "pengelola2")

    mandate = appoint(office, today(office), today(office) + timedelta(days=7), absent="pengelola",
                      stand_in="pengelola2", actor="admin")
    offered = inbox(office, "pengelola2", "available")[first.task_id]
    assert (offered.acting_for.label, offered.acting_for.absent) == ("Plh.", "pengelola")
    assert office.queries.inbox_counts("pengelola2")["available"] == 1
    assert first.task_id not in inbox(office, "pemeriksa", "available")  # same lane, no mandate: not theirs
    page = office.cases.task_page(first.task_id, "pengelola2")
    assert page.can_claim and page.can_act and page.acting_for.absent == "pengelola"
    office.runner.claim_task(first.task_id, "pengelola2")
    office.runner.complete_task(first.task_id, "pengelola2", fill(office, first, "pengelola2"))
    trail = office.queries.audit_trail(first.instance_id)
    claimed = next(e for e in trail if e.event_type == "task_claimed" and e.payload["task_id"] == first.task_id)
    done = next(e for e in trail if e.event_type == "task_completed" and e.payload["task_id"] == first.task_id)
    for event_ in (claimed, done):
        assert event_.actor == "pengelola2" and event_.payload["on_behalf_of"] == "pengelola"
        assert event_.payload["mandate"] == {"id": mandate.mandate_id, "kind": "plh", "basis": BASIS}

    # A second one, claimed by the Plh, goes back to the named officer when the mandate ends.
    second = named_step()
    office.runner.claim_task(second.task_id, "pengelola2")
    clock.advance(days=8)
    with pytest.raises(TaskForOthers):
        office.runner.complete_task(second.task_id, "pengelola2", fill(office, second, "pengelola2"))
    assert office.scheduling.close_expired_mandates(clock()) == 1
    back = office.queries.task(second.task_id)
    assert (back.state, back.assignee, back.candidates) == ("ready", None, ("pengelola",))
    assert second.task_id in inbox(office, "pengelola", "available")
    assert second.task_id not in inbox(office, "pengelola2", "available")
