"""What /metrics reads at scrape time (``engine.operations.monitoring``), on both backends."""
from __future__ import annotations

from datetime import timedelta
from typing import Any

from audit_helpers import new_key
from engine_helpers import add_users

from engine.audit.verify import AuditVerifier
from engine.bootstrap import Alur


def test_open_and_overdue_tasks_worker_lag_and_checkpoint_age(alur: Alur, test_data: Any, clock: Any) -> None:
    add_users(alur)
    alur.deployer.deploy_file(test_data / "uji_timer.bpmn", "pemilik")
    alur.deployer.deploy_file(test_data / "uji_loop.bpmn", "pemilik")
    alur.runner.start_case("uji_timer", "pengelola")
    alur.runner.start_case("uji_loop", "pengelola")
    alur.checkpoints.make_checkpoint(new_key(), "system")
    signed = clock()

    state = alur.monitoring.work_state()
    assert (state.tasks["uji_timer"].open, state.tasks["uji_timer"].overdue) == (1, 0)
    assert state.worker_lag_seconds == 0 and state.oldest_due_at is None  # the timer is due in two hours
    assert state.verified_ok is None and state.checkpoint_at == signed

    clock.advance(hours=2, minutes=5)  # the boundary timer is due since five minutes; the worker has not run
    state = alur.monitoring.work_state()
    assert state.worker_lag_seconds == 5 * 60
    assert (state.at - state.checkpoint_at).total_seconds() == timedelta(hours=2, minutes=5).total_seconds()

    assert alur.scheduling.fire_due_timers(clock()) == 1
    state = alur.monitoring.work_state()
    assert state.worker_lag_seconds == 0


def test_the_last_verification_wins(alur: Alur, clock: Any) -> None:
    verifier = AuditVerifier(alur.sessions, alur.settings.attachments_dir)
    report = verifier.verify()
    alur.audit_verifier.record_run(report, "auditor", clock())
    assert report.ok and alur.monitoring.work_state().verified_ok is True
    clock.advance(minutes=1)
    stray = alur.settings.attachments_dir / "ab" / ("ab" + "0" * 62)  # a file no upload names
    stray.parent.mkdir(parents=True)
    stray.write_bytes(b"planted")
    failed = verifier.verify()
    alur.audit_verifier.record_run(failed, "auditor", clock())
    state = alur.monitoring.work_state()
    assert not failed.ok and state.verified_ok is False and state.verified_at == clock()
    clock.advance(minutes=1)
    alur.audit_verifier.record_run(report, "auditor", clock())
    assert alur.monitoring.work_state().verified_ok is True
