"""Moving running cases to a newer SOP version: the safety check, one case or all, audited, on v2 afterwards."""
from __future__ import annotations

import re

import pytest

from engine.errors import ConcurrentUpdate, Conflict
from engine.runtime.case_migration import CaseMigrator, MigrationRefused
from engine.reading.versions import Versions
from tests.engine.test_versions import KEY, deploy_xml, sop01_v2_xml, sop01_xml
from tests.processes.process_helpers import CALENDAR, Case, Step, add_cast

PPTI, ADM, PDI, KABID = "pemeriksa_pengelola_ti", "administrator_jaringan_server", "pengawas_data_integrasi", \
    "pejabat_administrator_tik"
STEPS = {  # SOP-01 as deployed in v1: task name, role, mutu baku waktu (domain.md §1.1)
    "gdb_01": Step("Menerima dan mencatat laporan ke form isian laporan", PPTI, "PT30M"),
    "gdb_02": Step("Menerima dan mengecek laporan, lalu mendisposisikan", KABID, "PT1H"),
    "gdb_03": Step("Memberikan arahan penyelesaian gangguan database", PDI, "PT1H"),
    "gdb_04": Step("Menindaklanjuti disposisi dan melakukan pengecekan", PPTI, "P2D"),
    "gdb_05": Step("Memeriksa gangguan database pada server dan melaporkan hasilnya", ADM, "PT15M"),
    "gdb_06": Step("Melaporkan hasil pengecekan gangguan", "pengelola_ti", "PT1H"),
    "gdb_07": Step("Melakukan pengecekan terhadap gangguan dan memberikan arahan", PDI, "PT1H"),
    "gdb_08": Step("Melakukan pengecekan laporan penyelesaian", KABID, "PT15M"),
    "gdb_09": Step("Membuat laporan penyelesaian pekerjaan dan menyampaikannya", PPTI, "PT15M"),
}
STEPS_V2 = {**STEPS, "gdb_03": Step(STEPS["gdb_03"].name, STEPS["gdb_03"].role, "PT2H")}


@pytest.fixture
def sop(sop_alur):
    add_cast(sop_alur)
    deploy_xml(sop_alur, sop01_xml(), "versi awal")
    return sop_alur


@pytest.fixture
def migrator(sop, clock) -> CaseMigrator:
    return CaseMigrator(sop.sessions, sop.definitions, sop.calendar, clock)


def case_at(sop, clock, *done: str, steps=STEPS) -> Case:
    case = Case(sop, clock, KEY, steps, starter="pengelola")
    case.run(*done)
    return case


def rename_task(xml: str, old: str, new: str) -> str:
    """Give a user task another id (its flows and shape follow), as if it were replaced by a new step."""
    for pattern in ('id="{}"', 'sourceRef="{}"', 'targetRef="{}"', 'bpmnElement="{}"', ">{}<"):
        xml = xml.replace(pattern.format(old), pattern.format(new))
    return xml


def test_migrated_case_continues_on_v2_while_a_v1_case_finishes_on_v1(sop, migrator, clock):
    stays = case_at(sop, clock, "gdb_01")
    moves = case_at(sop, clock, "gdb_01", "gdb_02", steps=STEPS_V2)
    deploy_xml(sop, sop01_v2_xml(), "waktu langkah 3 menjadi 2 jam")
    new = sop.runner.start_case(KEY, "pengelola", "GDB/BARU").instance_id
    assert sop.queries.case(new).definition_version == 2

    before = sop.queries.open_tasks(moves.id)[0]
    assert before.due_at == CALENDAR.due(before.created_at, "PT1H")
    check = migrator.migrate_case(moves.id, "pemilik")
    assert (check.ok, check.from_version, check.to_version) == (True, 1, 2)
    assert sop.queries.case(moves.id).definition_version == 2
    after = sop.queries.open_tasks(moves.id)[0]
    assert (after.task_id, after.element_id) == (before.task_id, "gdb_03")  # the same task, retimed to v2's 2 jam
    assert after.due_at == CALENDAR.due(before.created_at, "PT2H")
    migrated = [e for e in sop.queries.audit_trail(moves.id) if e.event_type == "instance_migrated"]
    assert [(e.actor, e.payload["from_version"], e.payload["to_version"], e.payload["retimed_steps"])
            for e in migrated] == [("pemilik", 1, 2, ["gdb_03"])]

    moves.run("gdb_03", "gdb_04", "gdb_05", "gdb_06", "gdb_07", "gdb_08", "gdb_09")
    assert (moves.finish().definition_version, moves.finish().status) == (2, "completed")
    stays.run("gdb_02", "gdb_03", "gdb_04", "gdb_05", "gdb_06", "gdb_07", "gdb_08", "gdb_09")
    assert stays.finish().definition_version == 1
    assert [v.running_cases for v in Versions(sop.sessions).list_versions(KEY)] == [1, 0]  # the new case


def test_a_case_moves_with_all_its_data_and_loops_on_v2(sop, migrator, clock):
    case = case_at(sop, clock, "gdb_01", "gdb_02", "gdb_03", "gdb_04", "gdb_05", "gdb_06")
    deploy_xml(sop, sop01_v2_xml())
    migrator.migrate_case(case.id, "pemilik")
    case.check_data_carried_forward()
    case.do("gdb_07", gangguan_selesai=False)  # Tidak: back to gdb_05, on v2
    case.run("gdb_05", "gdb_06")
    case.do("gdb_07", gangguan_selesai=True)
    case.run("gdb_08", "gdb_09")
    assert case.finish().definition_version == 2
    assert case.decisions() == [("gw_gdb_07", "Tidak"), ("gw_gdb_07", "Ya"), ("gw_gdb_08", "Ya")]


def test_refused_when_a_completed_step_no_longer_exists(sop, migrator, clock):
    early = case_at(sop, clock)                       # gdb_01 open
    late = case_at(sop, clock, "gdb_01", "gdb_02")    # gdb_02 done
    deploy_xml(sop, rename_task(sop01_xml(), "gdb_02", "gdb_02_baru"))
    with pytest.raises(MigrationRefused) as refused:
        migrator.migrate_case(late.id, "pemilik")
    assert refused.value.reasons == [
        "langkah yang sudah selesai 'Menerima dan mengecek laporan, lalu mendisposisikan' (gdb_02) "
        "tidak ada di versi 2"]
    assert isinstance(refused.value, Conflict) and refused.value.code == "migration_refused"
    assert sop.queries.case(late.id).definition_version == 1  # untouched
    assert not [e for e in sop.queries.audit_trail(late.id) if e.event_type == "instance_migrated"]
    assert migrator.migrate_case(early.id, "pemilik").ok   # gdb_02 is still ahead of it: v2's step runs
    early.steps = {**STEPS, "gdb_02_baru": STEPS["gdb_02"]}
    early.run("gdb_01", "gdb_02_baru", "gdb_03")


def test_refused_when_an_active_or_completed_step_changed_role(sop, migrator, clock):
    active = case_at(sop, clock, "gdb_01", "gdb_02", "gdb_03", "gdb_04", "gdb_05")   # gdb_06 open
    done = case_at(sop, clock, "gdb_01", "gdb_02", "gdb_03", "gdb_04", "gdb_05", "gdb_06")
    fresh = case_at(sop, clock)
    xml = sop01_xml().replace('camunda:candidateGroups="pengelola_ti"', 'camunda:candidateGroups="pemeriksa_ti"')
    deploy_xml(sop, xml, "langkah 6 oleh pemeriksa")
    checks = {c.instance_id: c.reasons for c in migrator.check_version(KEY, 1)}
    assert checks == {
        active.id: ("langkah yang sedang aktif 'Melaporkan hasil pengecekan gangguan' (gdb_06) berganti peran dari "
                    "'pengelola_ti' menjadi 'pemeriksa_ti' di versi 2",),
        done.id: ("langkah yang sudah selesai 'Melaporkan hasil pengecekan gangguan' (gdb_06) berganti peran dari "
                  "'pengelola_ti' menjadi 'pemeriksa_ti' di versi 2",),
        fresh.id: (),
    }
    report = migrator.migrate_version(KEY, 1, "pemilik")
    assert (report.to_version, report.migrated, report.conflicts) == (2, (fresh.id,), ())
    assert {r.instance_id: r.reasons for r in report.refused} == {k: v for k, v in checks.items() if v}
    assert [v.running_cases for v in Versions(sop.sessions).list_versions(KEY)] == [1, 2]


def test_only_running_cases_move_and_only_forward(sop, migrator, clock):
    case = case_at(sop, clock)
    with pytest.raises(MigrationRefused, match="hanya dapat dipindahkan ke versi yang lebih baru"):
        migrator.migrate_case(case.id, "pemilik")  # v1 is the latest
    deploy_xml(sop, sop01_v2_xml())
    migrator.migrate_case(case.id, "pemilik")
    with pytest.raises(MigrationRefused, match="lebih baru"):
        migrator.migrate_case(case.id, "pemilik", to_version=1)
    sop.runner.cancel_case(case.id, "pengelola", "uji")
    assert migrator.check_case(case.id).reasons == ("kasus sudah dibatalkan",)


def test_a_stale_page_or_a_concurrent_step_is_a_conflict_and_changes_nothing(sop, migrator, clock):
    case = case_at(sop, clock, "gdb_01")
    deploy_xml(sop, sop01_v2_xml())
    seen = sop.queries.case(case.id).version
    case.do("gdb_02")  # someone works on the case after the page was opened
    with pytest.raises(ConcurrentUpdate):
        migrator.migrate_case(case.id, "pemilik", expected_version=seen)
    assert sop.queries.case(case.id).definition_version == 1
    migrator.migrate_case(case.id, "pemilik", expected_version=sop.queries.case(case.id).version)
    assert sop.queries.case(case.id).definition_version == 2


def test_the_case_time_limit_follows_a_changed_limit(sop, migrator, clock):
    case = case_at(sop, clock)
    started = sop.queries.case(case.id).started_at
    xml = re.sub(r'(name="waktu_pelaksanaan_iso" value=")P3D', r"\g<1>P5D", sop01_xml())
    deploy_xml(sop, xml)
    migrator.migrate_case(case.id, "pemilik")
    assert sop.queries.case(case.id).due_at == CALENDAR.due(started, "P5D")


def test_a_waiting_timer_keeps_its_due_time_when_its_case_moves(alur, test_data, clock):
    """The boundary timer of an open step counts from when the step opened, not from the move; a timer
    the new version changes counts from the move, on the case's clock."""
    from tests.engine.engine_helpers import add_users, ready_task

    add_users(alur)
    xml = (test_data / "uji_timer.bpmn").read_text(encoding="utf-8")
    alur.deployer.deploy_bytes(xml.encode(), "uji_timer.bpmn", "pemilik")
    kept = alur.runner.start_case("uji_timer", "pengelola", "UJI/TIMER/1").instance_id
    changed = alur.runner.start_case("uji_timer", "pengelola", "UJI/TIMER/2").instance_id
    clock.advance(hours=1)
    alur.deployer.deploy_bytes(xml.replace('name="Tangani keterlambatan"', 'name="Tangani terlambat"').encode(),
                               "uji_timer.bpmn", "pemilik", "nama langkah eskalasi")
    alur.migrator.migrate_case(kept, "pemilik", 2)
    alur.deployer.deploy_bytes(xml.replace(">PT2H<", ">PT3H<").encode(), "uji_timer.bpmn", "pemilik", "3 jam")
    alur.migrator.migrate_case(changed, "pemilik", 3)
    clock.advance(hours=1, minutes=1)  # two hours after the start: the unchanged timer is due
    alur.scheduling.fire_due_timers(clock())
    assert ready_task(alur, kept).element_id == "eskalasi" and ready_task(alur, changed).element_id == "isi"
    clock.advance(hours=2)  # three hours after the move: the changed timer is due
    alur.scheduling.fire_due_timers(clock())
    assert ready_task(alur, changed).element_id == "eskalasi"
