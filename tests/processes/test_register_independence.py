"""Cases writing the registers never wait on each other (issue 21): two back-up cases naming different
servers report and confirm their jobs at once, two maintenance cases open and close their data-center
visits at once; each step's transaction is held open just before its commit while the other case's
step runs. Each server and each visit has its own audit chain (``engine.registers.register_check``);
with one chain per register, the second case queued on its head's lock until the first committed.

PostgreSQL only, like tests/engine/test_case_independence.py: on SQLite every writer queues by design.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from process_helpers import TEST_SERVER, Case, deploy, person_for, register_test_server
from test_case_independence import finishes, held_open, waiting_locks
from test_sop_backup_restore_db import STEPS as BRD_STEPS
from test_sop_pemeliharaan_akses_dc import STEPS as PDC_STEPS, TEAM

from engine.bootstrap import Alur

OTHER = "SRV-UJI-02"


@pytest.fixture
def pg_sop(pg_sop_alur) -> Alur:
    """The real SOP models on PostgreSQL, with the cast and two servers in the register."""
    alur = pg_sop_alur
    for key in ("sop_backup_restore_db", "sop_pemeliharaan_akses_dc"):
        deploy(alur, key)
    register_test_server(alur)
    register_test_server(alur, OTHER)
    return alur


def completion(case: Case, element_id: str, **answers: Any) -> Callable[[], object]:
    """The completion of ``element_id`` (claimed, its form filled), to run later."""
    task = case.ready(element_id)
    actor = task.candidates[0] if task.candidates else person_for(case.alur, task.role)
    case.alur.runner.claim_task(task.task_id, actor)
    data = case.fill(task.form_key, f"{element_id}.1", actor, False, answers)
    return lambda: case.alur.runner.complete_task(task.task_id, actor, data)


def at_once(alur: Alur, cases: list[Case], first: Callable[[], object], second: Callable[[], object]) -> None:
    """``second`` finishes while ``first`` holds every lock it took, and nothing waits."""
    with held_open(alur, first):
        finishes(second)
        assert waiting_locks(alur) == []
    for case in cases:
        case.last_change = alur.clock()


def test_two_backup_cases_of_different_servers_report_and_confirm_at_once(pg_sop, clock):
    cases = []
    for key, server in (("BRD/1", TEST_SERVER), ("BRD/2", OTHER)):
        case = Case(pg_sop, clock, "sop_backup_restore_db", BRD_STEPS, starter="opd", business_key=key)
        case.do("brd_01", jenis_layanan="backup")
        case.run("brd_02a", "brd_02b", "brd_03")
        cases.append((case, server))
    backups = [case for case, _ in cases]
    at_once(pg_sop, backups, *(completion(case, "brd_04", server_aset=server, hasil_pelaksanaan="berhasil")
                               for case, server in cases))
    at_once(pg_sop, backups, *(completion(case, "brd_05", checksum_cocok=True, uji_restore_atau_aplikasi="berhasil",
                                          hasil_dikonfirmasi="berhasil") for case in backups))
    servers = {s.asset_number: s for s in pg_sop.server_assets.list()}
    assert {(servers[server].last_job_instance_id, servers[server].last_job_confirmed) for case, server in cases} \
        == {(case.id, True) for case, _ in cases}
    report = pg_sop.audit_verifier.verify()
    assert report.ok, report.lines()


def test_two_maintenance_cases_open_and_close_their_visits_at_once(pg_sop, clock):
    cases = [Case(pg_sop, clock, "sop_pemeliharaan_akses_dc", PDC_STEPS, starter="kasi_infra", business_key=key)
             for key in ("PDC/1", "PDC/2")]
    at_once(pg_sop, cases, *(completion(case, "pdc_01", personil_dc_ditugaskan=TEAM) for case in cases))
    assert len(pg_sop.dc_access.visits(only_open=True)) == 4
    for case in cases:
        case.run("pdc_02", "pdc_03", "pdc_04", "pdc_05")
    at_once(pg_sop, cases, *(completion(case, "pdc_06") for case in cases))  # the cases end: their visits close
    assert pg_sop.dc_access.visits(only_open=True) == []
    report = pg_sop.audit_verifier.verify()
    assert report.ok, report.lines()
