"""`alur audit verify` catches every way of tampering with the log directly in the database, naming the event.

Each test finishes a case with a loop, signs a checkpoint with a key kept in a file outside the
database, then changes the database the way someone with write access (and no key) could.
"""
from __future__ import annotations

import json

import pytest
from audit_helpers import aware, chain_events, cli_runner, event_id, finished_loop_case, rehash_chain
from sqlalchemy import text

from engine.audit.chain import event_hash, case_chain


@pytest.fixture
def audit_cli(alur, db_engine, tmp_path, test_data, monkeypatch, capsys):
    return cli_runner(db_engine, tmp_path, test_data, monkeypatch, capsys)


@pytest.fixture
def case(alur, test_data, audit_cli):
    case = finished_loop_case(alur, test_data)
    assert "private key written" in audit_cli("audit", "keygen")
    assert "chain head(s) signed" in audit_cli("audit", "checkpoint")
    assert "OK: every audit chain is intact" in audit_cli("audit", "verify")
    return case


def test_edited_payload_is_named(alur, case, audit_cli):
    target = event_id(alur, case, "task_completed", 1)  # the rejection
    with alur.db.begin() as conn:
        conn.execute(text("update audit_event set payload_json = replace(payload_json, 'false', 'true') "
                          "where id = :i"), {"i": target})
    out = audit_cli("audit", "verify", expect=1)
    assert f"BROKEN instance:{case}: edited at event id={target} seq=7" in out


def test_deleted_event_is_named(alur, case, audit_cli):
    events = chain_events(alur, case_chain(case))
    gone, next_event = events[6], events[7]  # the Tidak decision, then the task it created
    with alur.db.begin() as conn:
        conn.execute(text("delete from audit_event where id = :i"), {"i": gone["id"]})
    out = audit_cli("audit", "verify", expect=1)
    assert f"BROKEN instance:{case}: deleted at event id={next_event['id']} seq=8: expected seq 7" in out


def test_inserted_event_is_named(alur, case, audit_cli):
    """A forged approval squeezed in after the first report, later events renumbered, head moved."""
    chain = case_chain(case)
    events = chain_events(alur, chain)
    with alur.db.begin() as conn:
        conn.execute(text("update audit_event set seq = seq + 1000 where chain = :c and seq >= 4"), {"c": chain})
        conn.execute(text("update audit_event set seq = seq - 999 where chain = :c and seq >= 1000"), {"c": chain})
        at = conn.execute(text("select at from audit_event where id = :i"), {"i": events[2]["id"]}).scalar_one()
        payload = json.dumps({"note": "disetujui lisan"}, separators=(",", ":"))
        digest = event_hash(events[2]["hash"], chain, 4, case, "task_completed", "mallory", aware(at), payload)
        conn.execute(text("insert into audit_event (chain, seq, instance_id, event_type, actor, at, payload_json, "
                          "prev_hash, hash) values (:c, 4, :i, 'task_completed', 'mallory', :at, :p, :prev, :h)"),
                     {"c": chain, "i": case, "at": at, "p": payload, "prev": events[2]["hash"], "h": digest})
        forged = conn.execute(text("select id from audit_event where chain = :c and seq = 4"), {"c": chain}).scalar()
        conn.execute(text("update audit_chain_head set seq = seq + 1 where chain = :c"), {"c": chain})
    out = audit_cli("audit", "verify", expect=1)
    assert f"BROKEN instance:{case}: inserted at event id={forged} seq=4" in out


def test_reordered_events_are_named(alur, case, audit_cli):
    """The second report is moved before the rejection that asked for it."""
    chain = case_chain(case)
    events = chain_events(alur, chain)
    completions = [e for e in events if e["event_type"] == "task_completed"]
    rejection, report = completions[1], completions[2]
    old, new = rejection["seq"], report["seq"]
    with alur.db.begin() as conn:
        for event, seq in ((rejection, 1000 + old), (report, old), (rejection, new)):
            conn.execute(text("update audit_event set seq = :s where id = :i"), {"s": seq, "i": event["id"]})
    out = audit_cli("audit", "verify", expect=1)
    assert f"BROKEN instance:{case}: reordered at event id={report['id']} seq={old}" in out


def test_rewritten_and_rehashed_chain_is_caught_by_the_signed_checkpoint(alur, case, audit_cli):
    """The rejection becomes an approval in both the form data and the decision; every hash and the head
    row are recomputed, so the chain alone verifies. The signed checkpoint does not."""
    def approve(event):
        payload = event["payload"]
        if event["event_type"] == "task_completed" and payload["data"].get("disetujui") is False:
            return {**payload, "data": {**payload["data"], "disetujui": True}}
        return None
    rehash_chain(alur, case_chain(case), approve)
    last = chain_events(alur, case_chain(case))[-1]
    out = audit_cli("audit", "verify", expect=1)
    assert "BROKEN" not in out  # the chain itself is consistent again
    assert (f"CHECKPOINT MISMATCH checkpoint #1: chain_rewritten instance:{case} at event id={last['id']} "
            f"seq={last['seq']}") in out
    # the replay of the case shows what the rewrite changed
    out = audit_cli("audit", "replay", str(case), expect=1)
    assert "step 7" in out and "gateway 'setuju'" in out


def test_a_checkpoint_edited_in_the_database_no_longer_matches(alur, case, audit_cli):
    with alur.db.begin() as conn:
        conn.execute(text("update audit_checkpoint set body_json = replace(body_json, 'admin', 'mallory')"))
    out = audit_cli("audit", "verify", expect=1)
    assert "CHECKPOINT MISMATCH checkpoint #1: signature_invalid" in out


def test_a_checkpoint_signed_with_another_key_is_not_trusted(alur, case, audit_cli, tmp_path, monkeypatch):
    audit_cli("audit", "keygen", "-o", str(tmp_path / "keys" / "mallory.key"))
    monkeypatch.setenv("ALUR_AUDIT_KEY_FILE", str(tmp_path / "keys" / "mallory.key"))
    alur.read_log.record_read("pengawas", case, "case")
    audit_cli("audit", "checkpoint")
    public = (tmp_path / "keys" / "audit.key.pub").read_text().strip()
    monkeypatch.delenv("ALUR_AUDIT_KEY_FILE")
    out = audit_cli("audit", "verify", "--public-key", public, expect=1)
    assert "CHECKPOINT MISMATCH checkpoint #2: untrusted_key" in out
    assert "checkpoint #1" not in out
