"""Logins refused before their check, tallied in memory and written as one event a burst
(engine/audit/refused_logins.py), on SQLite and PostgreSQL."""
from __future__ import annotations

import json

from sqlalchemy import select

from engine.audit import refused_logins
from engine.audit.refused_logins import ACCOUNT_WAIT, CHECKS_BUSY, NAMED, RefusedLogins
from engine.persistence.models import AuditEvent


def _bursts(alur) -> list[dict]:
    with alur.sessions() as session:
        return [json.loads(e.payload_json) for e in session.scalars(
            select(AuditEvent).where(AuditEvent.event_type == "login_throttled").order_by(AuditEvent.id))]


def test_a_burst_is_one_event_naming_the_most_tried_and_counting_the_rest(alur, clock):
    tally = RefusedLogins(alur.sessions, clock)
    for n in range(NAMED + 5):
        tally.refused(f"tebakan_{n}", f"10.6.0.{n}", CHECKS_BUSY)
    tally.refused("kasubag\x00tu", None, ACCOUNT_WAIT)
    assert _bursts(alur) == []
    clock.advance(seconds=60)
    tally.refused("tebakan_0", "10.6.0.0", CHECKS_BUSY)  # a minute after the burst began: written
    [burst] = _bursts(alur)
    assert burst["attempts"] == NAMED + 7 and burst["refusals"] == {"account_wait": 1, "checks_busy": NAMED + 6}
    assert len(burst["addresses"]) == NAMED and burst["addresses"]["10.6.0.0"] == 2
    assert sum(burst["addresses"].values()) + burst["other_addresses"] == NAMED + 7
    assert len(burst["usernames"]) == NAMED and sum(burst["usernames"].values()) + burst["other_usernames"] == NAMED + 7
    tally.flush()
    assert len(_bursts(alur)) == 1  # nothing more to write
    assert alur.audit_verifier.verify().ok


def test_a_tally_that_cannot_be_written_is_kept_for_the_next_try(alur, clock, monkeypatch):
    class Busy:  # the database refusing the write (e.g. "database is locked" past the busy timeout)
        @staticmethod
        def begin(sessions):
            raise OSError("database is locked")

    tally = RefusedLogins(alur.sessions, clock)
    tally.refused("kasubag_tu", "10.7.0.1", ACCOUNT_WAIT)
    with monkeypatch.context() as patched:
        patched.setattr(refused_logins, "UnitOfWork", Busy)
        tally.flush()  # logged, and the tally kept
    assert _bursts(alur) == []
    tally.refused("kasubag_tu", "10.7.0.2", ACCOUNT_WAIT)
    tally.flush()
    [burst] = _bursts(alur)
    assert burst["attempts"] == 2 and burst["addresses"] == {"10.7.0.1": 1, "10.7.0.2": 1}
