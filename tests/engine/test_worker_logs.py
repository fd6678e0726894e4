"""The worker writes one JSON line per job run (``engine.operations.logs``), its scheduled backup included."""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Iterator

import pytest
from alur_testing import LogLines

from engine.operations.backup_schedule import BackupSchedule
from engine.bootstrap import Alur
from engine.config import BackupSettings
from engine.operations.logs import JOB_LOG
from engine.worker.scheduler import Worker, build_worker
from engine_helpers import add_users

pytestmark = pytest.mark.sqlite_only("log lines of the worker; the backup itself is tested on both backends")


@pytest.fixture
def job_lines() -> Iterator[list[dict[str, Any]]]:
    handler, level = LogLines(logging.DEBUG), JOB_LOG.level
    JOB_LOG.addHandler(handler)
    JOB_LOG.setLevel(logging.DEBUG)
    yield handler.lines
    JOB_LOG.removeHandler(handler)
    JOB_LOG.setLevel(level)


def test_each_worker_run_is_one_json_line(alur: Alur, job_lines: list[dict[str, Any]]) -> None:
    build_worker(alur, environ={}).tick()
    (line,) = job_lines
    assert line["kind"] == "job" and line["job"] == "worker" and line["level"] == "debug"  # idle: debug only
    assert line["timers"] == 0 and line["failures"] == 0 and line["duration_ms"] >= 0


def test_the_scheduled_backup_is_a_job_with_its_own_line(alur: Alur, tmp_path: Path,
                                                         job_lines: list[dict[str, Any]]) -> None:
    folder = tmp_path / "backups"
    folder.mkdir()
    schedule = BackupSchedule(alur.backups, alur.sessions, BackupSettings(folder), alur.clock)
    worker = Worker(alur.scheduling, clock=alur.clock, backup=schedule.run_if_due)

    run = worker.backup_tick()

    assert run is not None and run.summary.path.is_file()
    assert job_lines[-1] == {**job_lines[-1], "job": "backup", "ok": True, "archive": str(run.summary.path),
                             "level": "info"}
    assert worker.backup_tick() is None  # made already today: no second archive, no line
    assert len(job_lines) == 1 and len(list(folder.iterdir())) == 1


def test_a_failed_backup_is_an_error_line_and_gives_the_day_back(alur: Alur, tmp_path: Path, clock: Any,
                                                                 job_lines: list[dict[str, Any]]) -> None:
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the backup folder should be")
    schedule = BackupSchedule(alur.backups, alur.sessions, BackupSettings(blocked / "backups"), clock)
    worker = Worker(alur.scheduling, clock=clock, backup=schedule.run_if_due)

    assert worker.backup_tick() is None
    assert job_lines[-1]["job"] == "backup" and job_lines[-1]["ok"] is False and job_lines[-1]["level"] == "error"
    blocked.unlink()
    clock.advance(minutes=16)  # after RETRY_AFTER the same day's backup is tried again
    assert worker.backup_tick() is not None


def test_spiffworkflow_writes_no_line_per_task_state_change(alur: Alur, test_data: Path) -> None:
    """A process logging INFO (the worker) gets its job lines, not a line for each task SpiffWorkflow moves."""
    add_users(alur)
    alur.deployer.deploy_file(test_data / "uji_loop.bpmn", "pemilik")
    handler, root = LogLines(logging.DEBUG), logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        started = alur.runner.start_case("uji_loop", "pengelola", "LOG/1")
        alur.runner.complete_task(started.ready_task_ids[0], "pengelola", {"uraian": "x"})
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
    assert alur.queries.open_tasks(started.instance_id), "the step ran"
    assert [line for line in handler.lines if line["logger"].startswith("spiff")] == []
