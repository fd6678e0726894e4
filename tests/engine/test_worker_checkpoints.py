"""The worker signs the audit chain heads periodically when a signing key is configured."""
from __future__ import annotations

from engine_helpers import add_users, start_loop_case

from engine.audit.checkpoints import generate_key_file
from engine.worker.scheduler import CHECKPOINT_EVERY, build_worker


def test_worker_makes_a_checkpoint_at_most_hourly_and_only_when_chains_moved(alur, test_data, clock, tmp_path):
    add_users(alur)
    alur.deployer.deploy_file(test_data / "uji_loop.bpmn", "pemilik")
    key_file = tmp_path / "audit.key"
    generate_key_file(key_file)
    worker = build_worker(alur, environ={"ALUR_AUDIT_KEY_FILE": str(key_file)})
    worker.run_once()
    first = alur.checkpoints.latest()
    assert first is not None
    start_loop_case(alur)  # a chain moves
    clock.advance(minutes=30)
    worker.run_once()
    assert alur.checkpoints.latest().checkpoint_id == first.checkpoint_id  # not yet an hour
    clock.advance(seconds=CHECKPOINT_EVERY.total_seconds())
    worker.run_once()
    assert alur.checkpoints.latest().checkpoint_id != first.checkpoint_id


def test_no_key_no_checkpoints(alur, test_data, clock):
    alur.deployer.deploy_file(test_data / "uji_loop.bpmn", "pemilik")  # the system chain moved
    worker = build_worker(alur, environ={})
    worker.run_once()
    clock.advance(hours=2)
    worker.run_once()
    assert alur.checkpoints.latest() is None
