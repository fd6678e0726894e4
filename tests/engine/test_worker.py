"""The worker: BPMN timers through fire_due_timers, the next wake-up, and the APScheduler job's sleep bound."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from engine_helpers import add_users, ready_task
from sqlalchemy import func, select

from alur_testing import FakeClock, make_settings
from engine.errors import ExecutionError
from engine.persistence.schema import upgrade
from engine.persistence.models import AuditEvent, ProcessInstance
from engine.bootstrap import open_alur
from engine.worker.scheduler import JOB_ID, MIN_SLEEP, Worker

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def timer_alur(alur, test_data):
    add_users(alur)
    alur.deployer.deploy_file(test_data / "uji_timer.bpmn", "pemilik")
    return alur


def timer_events(alur, instance_id: int | None = None) -> int:
    stmt = select(func.count()).select_from(AuditEvent).where(AuditEvent.event_type == "timer_fired")
    if instance_id is not None:
        stmt = stmt.where(AuditEvent.instance_id == instance_id)
    with alur.sessions() as session:
        return session.scalar(stmt)


def test_boundary_timer_fires_once_through_the_worker(timer_alur, clock):
    alur = timer_alur
    case = alur.runner.start_case("uji_timer", "pengelola").instance_id
    started = clock()
    assert alur.scheduling.fire_due_timers(clock()) == 0

    clock.advance(hours=2, seconds=1)
    assert alur.scheduling.fire_due_timers(clock()) == 1
    assert alur.scheduling.fire_due_timers(clock()) == 0  # a second run finds nothing
    task = ready_task(alur, case)
    assert (task.element_id, task.role) == ("eskalasi", "pengawas")
    assert timer_events(alur, case) == 1
    with alur.sessions() as session:
        assert session.get(ProcessInstance, case).next_timer_at is None
    assert started + timedelta(hours=2) < clock()


def test_next_wakeup_is_the_earliest_due_moment(timer_alur, clock):
    alur = timer_alur
    assert alur.scheduling.next_wakeup() is None
    alur.runner.start_case("uji_timer", "pengelola")
    # the task "isi" is due after one working hour, before the two-hour boundary timer
    assert alur.scheduling.next_wakeup() == clock() + timedelta(hours=1)
    clock.advance(hours=1, minutes=1)
    alur.scheduling.escalate_overdue(clock())
    assert alur.scheduling.next_wakeup() == datetime(2026, 11, 23, 2, 30, tzinfo=timezone.utc)  # the timer
    alur.schedules.set_cycle("uji_timer", "R/PT10M", "admin")
    assert alur.scheduling.next_wakeup() == clock() + timedelta(minutes=10)


def test_the_job_sleeps_until_the_next_due_time_but_never_past_the_bound(timer_alur, clock):
    alur = timer_alur
    worker = Worker(alur.scheduling, None, clock, max_sleep=30)
    worker.start(paused=True)
    try:
        worker.tick()  # nothing waits: sleep the whole bound
        assert worker.scheduler.get_job(JOB_ID).next_run_time == clock() + timedelta(seconds=30)

        alur.schedules.set_cycle("uji_timer", "R/PT10M", "admin")
        alur.runner.start_case("uji_timer", "pengelola")
        worker.tick()  # due in an hour at the earliest: still the bound
        assert worker.scheduler.get_job(JOB_ID).next_run_time == clock() + timedelta(seconds=30)

        clock.advance(minutes=9, seconds=50)
        worker.tick()  # the routine is due in 10 s: wake then
        assert worker.scheduler.get_job(JOB_ID).next_run_time == clock() + timedelta(seconds=10)

        clock.advance(seconds=10)
        report = worker.tick()  # starts the routine case; the next occurrence is 10 min away
        assert report.routines == 1
        assert worker.scheduler.get_job(JOB_ID).next_run_time == clock() + timedelta(seconds=30)
    finally:
        worker.stop()


def test_a_due_time_in_the_past_still_sleeps_a_little(timer_alur, clock, monkeypatch):
    worker = Worker(timer_alur.scheduling, None, clock, max_sleep=30)
    monkeypatch.setattr(timer_alur.scheduling, "next_wakeup", lambda: clock() - timedelta(hours=1))
    assert worker.next_run_at(clock()) == clock() + timedelta(seconds=MIN_SLEEP)


def test_a_failing_timer_is_audited_and_retried_later_not_in_a_loop(timer_alur, clock, monkeypatch):
    alur = timer_alur
    case = alur.runner.start_case("uji_timer", "pengelola").instance_id
    clock.advance(hours=3)

    def broken(*_args, **_kwargs):
        raise ExecutionError("Model gagal dijalankan: uji")

    monkeypatch.setattr(alur.runner, "wake_if_due", broken)
    assert alur.scheduling.fire_due_timers(clock()) == 0
    with alur.sessions() as session:
        assert session.get(ProcessInstance, case).next_timer_at == clock() + timedelta(minutes=5)
    assert "timer_failed" in [e.event_type for e in alur.queries.audit_trail(case)]
    monkeypatch.undo()
    assert alur.scheduling.fire_due_timers(clock()) == 0  # not before the retry time
    clock.advance(minutes=5)
    assert alur.scheduling.fire_due_timers(clock()) == 1
    assert ready_task(alur, case).element_id == "eskalasi"


def test_a_running_worker_sees_work_added_by_another_process_within_the_bound(db_engine, tmp_path, test_data):
    """Real time: the worker sleeps at most max_sleep, so a due timer created elsewhere fires soon."""
    settings = make_settings(tmp_path, str(db_engine.url), test_data, test_data / "forms")
    worker_side = open_alur(settings, db=db_engine)  # the real clock
    past = FakeClock(datetime.now(timezone.utc) - timedelta(hours=3))
    other_process = open_alur(settings, clock=past, db=db_engine)
    add_users(other_process)
    other_process.deployer.deploy_file(test_data / "uji_timer.bpmn", "pemilik")
    worker = Worker(worker_side.scheduling, None, max_sleep=2.0)
    worker.start()
    try:
        time.sleep(0.5)  # the first run found nothing and sleeps for the bound
        case = other_process.runner.start_case("uji_timer", "pengelola").instance_id  # its timer is overdue
        deadline = time.monotonic() + 2.0 + 3.0  # the bound, plus slack for a slow machine
        while timer_events(worker_side, case) == 0 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert timer_events(worker_side, case) == 1
    finally:
        worker.stop()


def test_alur_worker_runs_in_the_foreground_and_stops_on_sigterm(tmp_path, test_data):
    url = f"sqlite:///{tmp_path / 'alur.db'}"
    upgrade(url)
    env = {**os.environ, "ALUR_DATABASE_URL": url, "ALUR_PROCESSES_DIR": str(test_data),
           "ALUR_FORMS_DIR": str(test_data / "forms"), "ALUR_INSTANCE_DIR": str(tmp_path),
           "ALUR_WORKER_MAX_SLEEP": "5"}
    worker = subprocess.Popen([sys.executable, "-m", "alur", "worker"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
    try:
        assert "at least every 5 s" in worker.stdout.readline()
        time.sleep(0.5)  # let the first run happen
        worker.send_signal(signal.SIGTERM)
        out, err = worker.communicate(timeout=20)
    finally:
        worker.kill() if worker.poll() is None else None
    assert worker.returncode == 0, err
    assert "Traceback" not in err
