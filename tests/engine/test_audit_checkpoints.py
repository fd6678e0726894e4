"""Signed checkpoints: keys kept outside the database, only the heads that moved, and every way a
checkpoint stops matching (edited, foreign key, a predecessor deleted, a signed event gone)."""
from __future__ import annotations

import base64
import json
import stat

import pytest
from audit_helpers import finished_loop_case, new_key
from cryptography.hazmat.primitives import serialization
from sqlalchemy import text

from engine.audit.chain import SYSTEM_CHAIN, case_chain
from engine.audit.verify import verify_audit
from engine.audit.checkpoints import (AuditKeyError, body_digest, generate_key_file, load_public_key, public_key_text,
                                signing_key_from_env, trusted_keys_from_env)


def test_key_file_is_private_and_found_from_the_environment(tmp_path):
    path = tmp_path / "audit.key"
    key = generate_key_file(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    public = (tmp_path / "audit.key.pub").read_text().strip()
    assert public == public_key_text(key.public_key())
    with pytest.raises(AuditKeyError):
        generate_key_file(path)  # never overwritten by accident
    from_file = signing_key_from_env({"ALUR_AUDIT_KEY_FILE": str(path)})
    assert public_key_text(from_file.public_key()) == public
    raw = key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption())
    inline = signing_key_from_env({"ALUR_AUDIT_KEY": base64.b64encode(raw).decode()})
    assert public_key_text(inline.public_key()) == public
    with pytest.raises(AuditKeyError):
        signing_key_from_env({})
    with pytest.raises(AuditKeyError):
        signing_key_from_env({"ALUR_AUDIT_KEY": "bukan kunci"})
    trusted = trusted_keys_from_env({"ALUR_AUDIT_PUBLIC_KEY": f"{public},{tmp_path / 'audit.key.pub'}"})
    assert [public_key_text(k) for k in trusted] == [public, public]
    assert public_key_text(load_public_key(public)) == public

NO_FOLDER = ("no checkpoint folder to check against: deleting the newest checkpoints from the database cannot be "
             "detected (set ALUR_CHECKPOINT_DIR or give --anchor)")


def test_checkpoints_sign_only_the_heads_that_moved(alur, test_data, clock):
    case = finished_loop_case(alur, test_data)
    key = new_key()
    first = alur.checkpoints.make_checkpoint(key, "admin")
    assert {h.chain for h in first.heads} == {case_chain(case), SYSTEM_CHAIN}
    assert alur.checkpoints.make_checkpoint(key, "admin") is None  # nothing moved
    clock.advance(minutes=1)
    alur.read_log.record_read("auditor1", case, "case")
    with alur.sessions() as session:
        assert verify_audit(session, [key.public_key()]).warnings == [
            NO_FOLDER, "1 chain(s) have events not yet covered by a signed checkpoint"]
    second = alur.checkpoints.make_checkpoint(key, "system")
    assert [(h.chain, h.seq) for h in second.heads] == [(case_chain(case), 19)]  # 17 events of the steps, 2 uploads
    body = json.loads(second.body_json)
    assert (body["previous_id"], body["previous_sha256"]) == (first.checkpoint_id, body_digest(first.body_json))
    assert (json.loads(first.body_json)["number"], body["number"], second.number) == (1, 2, 2)
    full = alur.checkpoints.make_checkpoint(key, "admin", force=True)
    assert len(full.heads) == 2 and json.loads(full.body_json)["full"] is True
    with alur.sessions() as session:
        report = verify_audit(session, [key.public_key()])
    assert report.ok and report.checkpoints == 3 and report.warnings == [NO_FOLDER]
    assert report.lines()[-1].startswith("OK: every audit chain is intact (2 chains")


def test_verification_warns_without_checkpoints_or_trusted_keys(alur, test_data):
    finished_loop_case(alur, test_data)
    with alur.sessions() as session:
        assert "no signed checkpoint yet" in verify_audit(session).warnings[0]
    alur.checkpoints.make_checkpoint(new_key(), "admin")
    with alur.sessions() as session:
        report = verify_audit(session)
    assert report.ok and "no trusted public key" in report.warnings[0]


def test_a_deleted_checkpoint_shows_in_its_successor(alur, test_data, clock):
    case = finished_loop_case(alur, test_data)
    key = new_key()
    for _ in range(3):
        alur.read_log.record_read("auditor1", case, "case")
        alur.checkpoints.make_checkpoint(key, "admin")
    with alur.db.begin() as conn:
        conn.execute(text("delete from audit_checkpoint_head where checkpoint_id = 2"))
        conn.execute(text("delete from audit_checkpoint where id = 2"))
    with alur.sessions() as session:
        problems = verify_audit(session, [key.public_key()]).checkpoint_problems
    assert [(p.checkpoint_id, p.kind) for p in problems] == [(3, "predecessor_missing")]
    assert "follows checkpoint #2, which is missing" in str(problems[0])


def test_events_cut_from_the_end_with_the_head_moved_back_are_caught(alur, test_data):
    """Deleting the last events and moving the head row back leaves a consistent, shorter chain."""
    case = finished_loop_case(alur, test_data)
    key = new_key()
    alur.checkpoints.make_checkpoint(key, "admin")
    chain = case_chain(case)
    with alur.db.begin() as conn:
        conn.execute(text("delete from audit_event where chain = :c and seq > 10"), {"c": chain})
        last = conn.execute(text("select hash from audit_event where chain = :c and seq = 10"), {"c": chain}).scalar()
        conn.execute(text("update audit_chain_head set seq = 10, hash = :h where chain = :c"), {"h": last, "c": chain})
    with alur.sessions() as session:
        report = verify_audit(session, [key.public_key()])
    assert report.chain_problems == []
    [problem] = report.checkpoint_problems
    assert (problem.kind, problem.chain, problem.seq) == ("event_missing", chain, 18)
    assert str(problem).startswith(f"checkpoint #1: event_missing {chain} at seq=18")


def test_two_workers_signing_at_once_make_one_sequence(alur, test_data):
    """The second signer waits for the first (a lock held to the end of the transaction), then finds the
    heads signed: never two checkpoints of one number (issue 20's soak found that fork on PostgreSQL)."""
    import threading

    from engine.audit.checkpoints import make_checkpoint
    from engine.runtime.unit_of_work import UnitOfWork

    finished_loop_case(alur, test_data)
    key = new_key()
    second: list[object] = []
    with UnitOfWork.begin(alur.sessions) as work:
        first = make_checkpoint(work.session, key, "system", alur.clock())
        other = threading.Thread(target=lambda: second.append(alur.checkpoints.make_checkpoint(key, "system")))
        other.start()
        other.join(timeout=1.0)
        assert other.is_alive(), "the second signer did not wait for the first"
    other.join(timeout=30)
    assert first is not None and first.number == 1 and second == [None]  # nothing moved in between
    with alur.sessions() as session:
        numbers = [json.loads(body)["number"] for (body,) in session.execute(text(
            "select body_json from audit_checkpoint order by id"))]
        assert numbers == [1]
        assert verify_audit(session, [key.public_key()]).ok
