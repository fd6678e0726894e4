"""Routine schedules: created at deploy, one case per occurrence, catch-up after downtime, admin changes."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from engine_helpers import add_users
from sqlalchemy import func, select

from alur_testing import cli_in_process
from engine.errors import DefinitionNotFound, InvalidInput
from engine.persistence.models import AuditEvent, ProcessInstance, ProcessSchedule, ScheduleOccurrence
from engine.modeling.schedules import parse_cycle

ROOT = Path(__file__).resolve().parents[2]
UTC = timezone.utc


def schedule(alur, process_key: str) -> ProcessSchedule | None:
    with alur.sessions() as session:
        return session.get(ProcessSchedule, process_key)


def occurrences(alur, process_key: str) -> list[tuple[datetime, int | None]]:
    with alur.sessions() as session:
        return [tuple(r) for r in session.execute(
            select(ScheduleOccurrence.scheduled_for, ScheduleOccurrence.instance_id)
            .where(ScheduleOccurrence.process_key == process_key).order_by(ScheduleOccurrence.scheduled_for))]


def instances(alur, process_key: str) -> list[ProcessInstance]:
    with alur.sessions() as session:
        return list(session.scalars(select(ProcessInstance).where(ProcessInstance.process_key == process_key)
                                    .order_by(ProcessInstance.id)))


# -- cycles ----------------------------------------------------------------------------------------------------

def test_cycles_parse_and_keep_their_day_of_month():
    monthly = parse_cycle("R/P1M")
    assert (monthly.repetitions, monthly.start) == (None, None)
    end_of_january = datetime(2026, 1, 30, 16, 0, tzinfo=UTC)  # 31 Jan 00:00 WITA
    assert [monthly.occurrence(end_of_january, k).astimezone(timezone(timedelta(hours=8))).date().isoformat()
            for k in range(4)] == ["2026-01-31", "2026-02-28", "2026-03-31", "2026-04-30"]
    anchored = parse_cycle('"R12/2026-12-01T08:00:00/P2W"')  # quoted as a BPMN expression; naive = WITA
    assert anchored.repetitions == 12 and anchored.start == datetime(2026, 12, 1, 0, 0, tzinfo=UTC)
    assert anchored.occurrence(anchored.start, 1) == datetime(2026, 12, 15, 0, 0, tzinfo=UTC)
    assert anchored.finished(12) and not anchored.finished(11)
    yearly = parse_cycle("R/P1Y")
    start = datetime(2026, 11, 23, 0, 30, tzinfo=UTC)
    assert yearly.first_at_or_after(start, datetime(2031, 6, 1, tzinfo=UTC)) == 5
    for bad in ("P1M", "R/P1X", "R0/P1M", "R/PT30S", "R/bukan-tanggal/P1M", "R/P"):
        with pytest.raises(InvalidInput):
            parse_cycle(bad)


# -- the real routine SOPs ---------------------------------------------------------------------------------------

def test_deploying_the_routine_sops_creates_their_schedules(sop_alur, clock):
    alur = sop_alur
    for key in ("sop_pemeliharaan_akses_dc", "tinjau_aset_register_server", "sop_gangguan_jaringan"):
        alur.deployer.deploy_file(alur.settings.processes_dir / f"{key}.bpmn", "pemilik")
    monthly, yearly = schedule(alur, "sop_pemeliharaan_akses_dc"), schedule(alur, "tinjau_aset_register_server")
    assert (monthly.cycle, monthly.enabled, monthly.source, monthly.catch_up) == ("R/P1M", True, "model", "latest")
    assert monthly.next_run_at == datetime(2026, 12, 23, 0, 30, tzinfo=UTC)
    assert (yearly.cycle, yearly.next_run_at) == ("R/P1Y", datetime(2027, 11, 23, 0, 30, tzinfo=UTC))
    assert schedule(alur, "sop_gangguan_jaringan") is None  # not a routine process
    assert [s.process_key for s in alur.schedules.list_schedules()] == ["sop_pemeliharaan_akses_dc",
                                                                        "tinjau_aset_register_server"]

    clock.advance(days=40)
    alur.deployer.deploy_file(alur.settings.processes_dir / "sop_pemeliharaan_akses_dc.bpmn", "pemilik")
    assert schedule(alur, "sop_pemeliharaan_akses_dc").next_run_at == monthly.next_run_at  # a redeploy keeps it


def test_each_monthly_occurrence_starts_one_maintenance_case(sop_alur, clock):
    alur = sop_alur
    alur.deployer.deploy_file(alur.settings.processes_dir / "sop_pemeliharaan_akses_dc.bpmn", "pemilik")
    due = schedule(alur, "sop_pemeliharaan_akses_dc").next_run_at
    clock.now = due - timedelta(seconds=1)
    assert alur.scheduling.start_due_routines(clock()) == 0
    clock.now = due
    assert alur.scheduling.start_due_routines(clock()) == 1
    assert alur.scheduling.start_due_routines(clock()) == 0
    [case] = instances(alur, "sop_pemeliharaan_akses_dc")
    assert (case.started_by, case.business_key) == ("system", "RUTIN-20261223-0830")
    assert occurrences(alur, "sop_pemeliharaan_akses_dc") == [(due, case.id)]
    [task] = alur.queries.open_tasks(case.id)
    assert (task.element_id, task.role, task.state) == ("pdc_01", "pengawas_infrastruktur_tik", "ready")
    started = alur.queries.audit_trail(case.id)[0]
    assert (started.event_type, started.actor) == ("instance_started", "system")
    assert started.payload["data"]["jadwal_rutin"] == due.isoformat()
    with alur.sessions() as session:
        routine = session.scalar(select(AuditEvent).where(AuditEvent.event_type == "routine_started"))
    assert (routine.chain, routine.instance_id) == ("system", case.id)
    assert schedule(alur, "sop_pemeliharaan_akses_dc").next_run_at == datetime(2027, 1, 23, 0, 30, tzinfo=UTC)

    clock.now = datetime(2027, 1, 23, 0, 30, tzinfo=UTC)
    assert alur.scheduling.start_due_routines(clock()) == 1
    assert len(instances(alur, "sop_pemeliharaan_akses_dc")) == 2


def test_the_yearly_asset_register_review_starts_once_a_year(sop_alur, clock):
    alur = sop_alur
    alur.deployer.deploy_file(alur.settings.processes_dir / "tinjau_aset_register_server.bpmn", "pemilik")
    clock.advance(days=366)
    assert alur.scheduling.start_due_routines(clock()) == 1
    clock.advance(days=200)
    assert alur.scheduling.start_due_routines(clock()) == 0
    assert len(instances(alur, "tinjau_aset_register_server")) == 1


# -- catch-up after downtime ---------------------------------------------------------------------------------------

@pytest.fixture
def loop_alur(alur, test_data):
    add_users(alur)
    alur.deployer.deploy_file(test_data / "uji_loop.bpmn", "pemilik")
    return alur


def test_after_downtime_only_the_latest_missed_occurrence_starts_a_case(loop_alur, clock):
    alur = loop_alur
    alur.schedules.set_cycle("uji_loop", "R/P1D", "admin")
    first = clock() + timedelta(days=1)
    clock.advance(days=5, hours=1)  # five occurrences passed while no worker ran
    assert alur.scheduling.start_due_routines(clock()) == 1
    rows = occurrences(alur, "uji_loop")
    assert [at for at, _ in rows] == [first + timedelta(days=k) for k in range(5)]
    assert [instance for _, instance in rows[:4]] == [None] * 4  # recorded as skipped
    [case] = instances(alur, "uji_loop")
    assert rows[4][1] == case.id and case.business_key == "RUTIN-20261128-0830"
    with alur.sessions() as session:
        assert session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.event_type == "routine_skipped")) == 1
    assert schedule(alur, "uji_loop").next_run_at == first + timedelta(days=5)


def test_catch_up_all_starts_one_case_per_missed_occurrence(loop_alur, clock):
    alur = loop_alur
    alur.schedules.set_cycle("uji_loop", "R/P1D", "admin", catch_up="all")
    clock.advance(days=3, hours=1)
    assert alur.scheduling.start_due_routines(clock()) == 3
    assert alur.scheduling.start_due_routines(clock()) == 0
    rows = occurrences(alur, "uji_loop")
    assert len(rows) == 3 and all(instance is not None for _, instance in rows)
    assert sorted(i for _, i in rows) == [c.id for c in instances(alur, "uji_loop")]


def test_a_finite_cycle_stops_after_its_repetitions(loop_alur, clock):
    alur = loop_alur
    alur.schedules.set_cycle("uji_loop", "R2/P1D", "admin", catch_up="all")
    clock.advance(days=10)
    assert alur.scheduling.start_due_routines(clock()) == 2
    assert not schedule(alur, "uji_loop").enabled
    assert alur.scheduling.next_wakeup() is not None  # the open tasks' deadlines, not the schedule
    clock.advance(days=10)
    assert alur.scheduling.start_due_routines(clock()) == 0


# -- the admin ----------------------------------------------------------------------------------------------------

def test_an_admin_schedule_survives_redeploys_until_reset(sop_alur, clock):
    alur = sop_alur
    path = alur.settings.processes_dir / "sop_pemeliharaan_akses_dc.bpmn"
    alur.deployer.deploy_file(path, "pemilik")
    changed = alur.schedules.set_cycle("sop_pemeliharaan_akses_dc", "R/P2W", "admin")
    assert (changed.cycle, changed.source, changed.changed_by) == ("R/P2W", "admin", "admin")
    assert changed.next_run_at == clock() + timedelta(weeks=2)
    alur.deployer.deploy_bytes(path.read_bytes().replace(b"setiap bulan", b"rutin bulanan"), path.name, "pemilik",
                               expected_key=path.stem)  # a new version with the same timer start event
    assert schedule(alur, "sop_pemeliharaan_akses_dc").cycle == "R/P2W"
    paused = alur.schedules.set_enabled("sop_pemeliharaan_akses_dc", False, "admin")
    assert not paused.enabled
    clock.advance(weeks=3)
    assert alur.scheduling.start_due_routines(clock()) == 0
    resumed = alur.schedules.set_enabled("sop_pemeliharaan_akses_dc", True, "admin")
    assert resumed.enabled and resumed.next_run_at == changed.next_run_at + timedelta(weeks=2)  # same phase
    reset = alur.schedules.reset_to_model("sop_pemeliharaan_akses_dc", "admin")
    assert (reset.cycle, reset.source) == ("R/P1M", "model")
    with pytest.raises(DefinitionNotFound):
        alur.schedules.set_cycle("tidak_ada", "R/P1M", "admin")
    with pytest.raises(InvalidInput):
        alur.schedules.set_cycle("sop_pemeliharaan_akses_dc", "R/P1M", "admin", catch_up="semua")


def test_alur_schedule_set_from_the_command_line(tmp_path, monkeypatch, capsys):
    alur = cli_in_process(monkeypatch, capsys, {"ALUR_INSTANCE_DIR": str(tmp_path),
                                                "ALUR_PROCESSES_DIR": str(ROOT / "processes"),
                                                "ALUR_FORMS_DIR": str(ROOT / "forms")})
    alur("init")
    alur("deploy", str(ROOT / "processes" / "sop_pemeliharaan_akses_dc.bpmn"))
    assert "sop_pemeliharaan_akses_dc  R/P1M  [on, catch-up latest, model]" in alur("schedule", "list")
    out = alur("schedule", "set", "sop_pemeliharaan_akses_dc", "R/P2W", "--catch-up", "all")
    assert "R/P2W  [on, catch-up all, admin]" in out
    assert '"routines": 0' in alur("worker", "--once")
