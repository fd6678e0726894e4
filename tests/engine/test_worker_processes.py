"""Exactly once across processes: worker processes against one PostgreSQL database.

Each worker is ``worker_process.py --until-idle`` (the ``alur worker`` loop with testing aids); the
data is made in this process with a clock three hours (and more) in the past, so the timers and
routine occurrences are due now.
"""
from __future__ import annotations

import json
from collections import Counter
import os
import signal
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from engine_helpers import add_users
from sqlalchemy import func, select, text

from alur_testing import FakeClock, empty_database, make_settings
from engine.audit.chain import verify_chains
from engine.persistence.models import (AuditEvent, HumanTask, ProcessInstance, ProcessSchedule,
                                       ScheduleOccurrence)
from engine.bootstrap import open_alur

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "engine" / "data"
pytestmark = pytest.mark.postgres


@pytest.fixture
def due_work(postgres_engine, postgres_url, tmp_path):
    """A factory: ``n_timers`` uji_timer cases with an overdue boundary timer, and two hourly routines
    set ``hours`` ago and never run (uji_loop catches up every occurrence, uji_timer only the latest)."""
    empty_database(postgres_engine)
    now = datetime.now(timezone.utc)
    clock = FakeClock(now - timedelta(hours=31))
    alur = open_alur(make_settings(tmp_path, postgres_url, DATA, DATA / "forms"), clock=clock, db=postgres_engine)

    def make(n_timers: int, hours: int):
        clock.now = now - timedelta(hours=hours, minutes=30)
        add_users(alur)
        for name in ("uji_timer", "uji_loop"):
            alur.deployer.deploy_file(DATA / f"{name}.bpmn", "pemilik")
        alur.schedules.set_cycle("uji_loop", "R/PT1H", "admin", catch_up="all")
        alur.schedules.set_cycle("uji_timer", "R/PT1H", "admin", catch_up="latest")
        clock.now = now - timedelta(hours=3)
        cases = [alur.runner.start_case("uji_timer", "pengelola", f"UJI/{n}").instance_id
                 for n in range(n_timers)]
        return alur, cases

    yield make
    alur.close()


def start_worker(postgres_url: str, tmp_path: Path, *options: str) -> subprocess.Popen[str]:
    env = {**os.environ, "ALUR_DATABASE_URL": postgres_url, "ALUR_PROCESSES_DIR": str(DATA),
           "ALUR_FORMS_DIR": str(DATA / "forms"), "ALUR_INSTANCE_DIR": str(tmp_path)}
    for name in [k for k in env if k.startswith("ALUR_SMTP_")]:
        del env[name]
    script = str(Path(__file__).with_name("worker_process.py"))
    return subprocess.Popen([sys.executable, script, "--until-idle", *options], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def summary(worker: subprocess.Popen[str]) -> dict[str, int]:
    out, err = worker.communicate(timeout=180)
    assert worker.returncode == 0, err
    return json.loads(out.strip().splitlines()[-1])


def scalar(alur, stmt):
    with alur.sessions() as session:
        return session.scalar(stmt)


def assert_everything_happened_once(alur, cases: list[int], hourly_occurrences: int) -> None:
    fired = select(AuditEvent.instance_id, func.count()).where(AuditEvent.event_type == "timer_fired") \
        .group_by(AuditEvent.instance_id)
    with alur.sessions() as session:
        per_case = dict(session.execute(fired).all())
        escalation_tasks = session.scalar(select(func.count()).select_from(HumanTask).where(
            HumanTask.element_id == "eskalasi", HumanTask.instance_id.in_(cases)))
        loop_rows = session.execute(select(ScheduleOccurrence.scheduled_for, ScheduleOccurrence.instance_id)
                                    .where(ScheduleOccurrence.process_key == "uji_loop")).all()
        loop_cases = session.scalar(select(func.count()).select_from(ProcessInstance).where(
            ProcessInstance.process_key == "uji_loop"))
        timer_rows = session.execute(select(ScheduleOccurrence.instance_id)
                                     .where(ScheduleOccurrence.process_key == "uji_timer")).scalars().all()
        routine_events = session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.event_type == "routine_started"))
        escalated = Counter(json.loads(p)["task_id"] for p in session.scalars(
            select(AuditEvent.payload_json).where(AuditEvent.event_type == "task_escalated")))
        schedules = {s.process_key: s for s in session.scalars(select(ProcessSchedule))}
        assert verify_chains(session) == []  # no chain forked under concurrent writers
    assert per_case == {case: 1 for case in cases}  # every timer fired, and only once
    assert escalation_tasks == len(cases)
    assert len(loop_rows) == hourly_occurrences and loop_cases == hourly_occurrences
    assert len({instance for _, instance in loop_rows}) == hourly_occurrences and None not in {i for _, i in loop_rows}
    assert len(timer_rows) == hourly_occurrences and len([i for i in timer_rows if i is not None]) == 1
    assert routine_events == hourly_occurrences + 1
    assert all(count == 1 for count in escalated.values())  # no task escalated twice
    now = datetime.now(timezone.utc)
    assert all(s.next_run_at > now - timedelta(minutes=5) for s in schedules.values())


def test_two_workers_fire_every_timer_and_start_every_occurrence_once(due_work, postgres_url, tmp_path):
    alur, cases = due_work(n_timers=40, hours=30)
    # 30 h 30 min ago hourly schedules were set: 30 occurrences fell due since (29 h 30 min ago ... 30 min ago)
    workers = [start_worker(postgres_url, tmp_path, "--item-delay", "0.05") for _ in range(2)]
    reports = [summary(w) for w in workers]
    assert sum(r["timers"] for r in reports) == 40
    assert sum(r["routines"] for r in reports) == 30 + 1
    assert all(r["timers"] + r["routines"] > 0 for r in reports), reports  # both took part
    assert all(r["failures"] == 0 for r in reports)
    assert_everything_happened_once(alur, cases, hourly_occurrences=30)


def test_a_worker_killed_mid_transaction_loses_and_doubles_nothing(due_work, postgres_url, tmp_path):
    alur, cases = due_work(n_timers=12, hours=8)
    stalled = start_worker(postgres_url, tmp_path, "--stall-after", "5")
    held = ""
    for line in stalled.stdout:  # five items done, then it hangs inside the sixth item's transaction
        if line.startswith("stalled "):
            held = line.split()[1]
            break
    assert held.startswith("timer:"), held
    held_case = int(held.split(":")[1])

    # Another worker meanwhile does everything except the row the stalled one holds (SKIP LOCKED).
    meanwhile = summary(start_worker(postgres_url, tmp_path))
    assert (meanwhile["timers"], meanwhile["routines"]) == (12 - 6, 8 + 1)  # 5 done, 1 held by the stalled one
    assert scalar(alur, select(func.count()).select_from(AuditEvent).where(
        AuditEvent.event_type == "timer_fired", AuditEvent.instance_id == held_case)) == 0

    stalled.send_signal(signal.SIGKILL)
    stalled.communicate(timeout=30)
    assert stalled.returncode == -signal.SIGKILL
    with alur.db.connect() as conn:  # the server notices the dead client and rolls its transaction back
        for _ in range(100):
            if not conn.execute(text("SELECT count(*) FROM pg_stat_activity WHERE state LIKE 'idle in transaction%' "
                                     "AND datname = current_database()")).scalar():
                break
            conn.execute(text("SELECT pg_sleep(0.1)"))
    after_restart = summary(start_worker(postgres_url, tmp_path))
    assert (after_restart["timers"], after_restart["routines"]) == (1, 0)
    assert_everything_happened_once(alur, cases, hourly_occurrences=8)
