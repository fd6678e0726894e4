"""The time rules the SOPs state, through the engine with the injected clock:

* a step the model splits shares the SOP's one time (2a + 2b, 3a + 3b): the second task is due at the
  first task's start plus that time, so it is overdue, escalated and late in the compliance figures
  when the pair together takes longer than the SOP allows;
* a recorded wait on an outside party (the ISP in SOP-03) is not counted: the step's and the case's
  due times move by it (SOP-02's wait on the OPD: test_sop_pengelolaan_data; SOP-05's limit from
  step 2: test_sop_backup_restore_db);
* a model whose time rules name nothing real is refused at deploy.

SOP-05's pair runs on both backends (the case clock's reads and writes are SQL of their own); the
longer SOP-03 walks on SQLite only, as the other SOP walks.
"""
from __future__ import annotations

from datetime import timedelta

import pytest
import test_sop_backup_restore_db as brd
import test_sop_gangguan_jaringan as gjr
from process_helpers import CALENDAR, ROOT, SOP_WALK, WITA, Case, deploy

from engine.errors import DeploymentError

# pair -> (process, its steps, starter, steps before the pair, first task, second task, the SOP's time)
PAIRS = {
    "brd_02": (brd.KEY, brd.STEPS, "opd", ("brd_01",), "brd_02a", "brd_02b", "PT15M"),
    "gjr_02": (gjr.KEY, gjr.STEPS, "pengguna", ("gjr_01",), "gjr_02a", "gjr_02b", "P1D"),
    "gjr_03": (gjr.KEY, gjr.STEPS, "pengguna", ("gjr_01", "gjr_02a", "gjr_02b"), "gjr_03a", "gjr_03b", "P2D"),
}


@pytest.mark.parametrize("pair", [pytest.param(p, marks=() if p == "brd_02" else SOP_WALK) for p in PAIRS])
def test_a_split_step_shares_its_sop_time(sop, clock, pair):
    key, steps, starter, before, first_id, second_id, budget = PAIRS[pair]
    deploy(sop, key)
    case = Case(sop, clock, key, steps, starter=starter)
    case.run(*before)
    first = case.ready(first_id)
    assert first.due_at == CALENDAR.due(first.created_at, budget)
    # the first task takes all but one working minute of the step's time: alone it is on time
    case.do(first_id, at=first.due_at - timedelta(minutes=1))
    second = case.ready(second_id)
    assert second.due_at == first.due_at  # not its own start plus the whole time again
    assert second.due_at < CALENDAR.due(second.created_at, budget)
    clock.now = first.due_at + timedelta(minutes=1)  # the pair together now exceeds the SOP's time
    assert sop.scheduling.escalate_overdue(clock()) == 1
    escalated = [e.payload["task_id"] for e in sop.queries.audit_trail(case.id) if e.event_type == "task_escalated"]
    assert escalated == [second.task_id]
    case.do(second_id)
    on_time = {s.task.element_id: s.on_time for s in sop.cases.case_page(case.id, "kabid").steps}
    assert (on_time[first_id], on_time[second_id]) == (True, False)


def test_the_pair_within_its_time_is_on_time(sop, clock):
    deploy(sop, brd.KEY)
    case = Case(sop, clock, brd.KEY, brd.STEPS, starter="opd", work=timedelta(minutes=5))
    case.run("brd_01", "brd_02a", "brd_02b")  # 5 + 5 minutes of the shared 15
    on_time = {s.task.element_id: s.on_time for s in sop.cases.case_page(case.id, "kabid").steps}
    assert (on_time["brd_02a"], on_time["brd_02b"]) == (True, True)


@SOP_WALK
def test_the_wait_on_the_isp_is_not_counted(sop, clock):
    """SOP-03 counts the office's time: from reporting to the ISP until the ISP is done, the clock stops."""
    deploy(sop, gjr.KEY)
    case = Case(sop, clock, gjr.KEY, gjr.STEPS, starter="pengguna")
    gjr.intake(case)
    gjr.checks(case)
    case.do("gjr_07", jaringan_terkoneksi=False)
    isp_step = case.ready("gjr_08")  # open: its 1 hari runs (the Pengawas must first call the ISP)
    before = case.view()
    assert before.due_at == CALENDAR.due(case.started_at, "P14D")
    reported = isp_step.created_at + timedelta(minutes=10)
    isp_done = CALENDAR.add_working_time(reported, timedelta(hours=17))  # the ISP takes two working days
    case.do("gjr_08", at=isp_done + timedelta(minutes=20), jaringan_terhubung=True,
            waktu_lapor_isp=reported.astimezone(WITA).isoformat(),
            waktu_isp_selesai=isp_done.astimezone(WITA).isoformat())
    waited = CALENDAR.working_time_between(reported, isp_done)
    assert waited == timedelta(hours=17)
    done = [t for t in sop.queries.case_tasks(case.id) if t.element_id == "gjr_08"][0]
    assert done.completed_at > CALENDAR.due(isp_step.created_at, "P1D")  # late by the unpaused clock
    assert done.due_at == CALENDAR.add_working_time(CALENDAR.due(isp_step.created_at, "P1D"), waited)
    assert done.completed_at <= done.due_at  # on time once the ISP's wait is taken out
    after = case.view()
    assert after.due_at == CALENDAR.add_working_time(CALENDAR.due(case.started_at, "P14D"), waited)
    assert after.warning_at == CALENDAR.add_working_time(CALENDAR.due(case.started_at, "P3D"), waited)


def _model(name: str) -> str:
    return (ROOT / "processes" / f"{name}.bpmn").read_text(encoding="utf-8")


def _property(name: str, value: str) -> str:
    return f'<camunda:property name="{name}" value="{value}"/>'


@pytest.mark.parametrize(("name", "old", "new", "message"), [
    ("sop_backup_restore_db", _property("waktu_bersama_dengan", "brd_02a"), _property("waktu_bersama_dengan", "brd_9"),
     "waktu_bersama_dengan 'brd_9' bukan user task lain"),
    ("sop_backup_restore_db", _property("waktu_bersama_dengan", "brd_02a"), _property("waktu_bersama_dengan", "brd_04"),
     "waktu_iso harus sama dengan 'brd_04'"),
    ("sop_backup_restore_db", _property("waktu_pelaksanaan_mulai", "brd_02a"),
     _property("waktu_pelaksanaan_mulai", "brd_9"), "waktu_pelaksanaan_mulai 'brd_9' bukan user task"),
    ("sop_pengelolaan_data", _property("menunggu_sampai", "tanggal_terima"), _property("menunggu_sampai", "opd_sumber"),
     "menunggu_sampai 'opd_sumber' bukan isian tanggal dan jam"),
    ("sop_gangguan_database", _property("beritahu_peran", "kepala_dinas"), _property("beritahu_peran", "raja"),
     "beritahu_peran 'raja' tidak ada di katalog peran"),
    ("sop_gangguan_database", _property("beritahu_bila", "informasikan_kepala_dinas"),
     _property("beritahu_bila", "catatan_pengembalian"), "beritahu_bila 'catatan_pengembalian' bukan isian ya/tidak"),
])
def test_a_time_rule_naming_nothing_real_is_refused(sop, name, old, new, message):
    xml = _model(name)
    assert old in xml
    with pytest.raises(DeploymentError) as info:
        sop.deployer.deploy_bytes(xml.replace(old, new).encode(), f"{name}.bpmn", "pemilik_proses",
                                  expected_key=name)
    assert message in str(info.value)
