"""Hash-chained audit events: one chain per case and one for system events.

This module computes a chain's rows (``chain_rows``: sequence numbers and hashes from the chain's
head) and verifies stored chains. Use cases record events on their unit of work
(``engine.runtime.unit_of_work``), which writes them when it ends.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.persistence.models import AuditChainHead, AuditEvent

SYSTEM_CHAIN = "system"
GENESIS = "0" * 64


def case_chain(instance_id: int) -> str:
    return f"instance:{instance_id}"


# One encoder for every call: what json.dumps with these options builds anew each time (a few per step).
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def canonical_json(value: Any) -> str:
    return _CANONICAL.encode(value)


def event_hash(prev_hash: str, chain: str, seq: int, instance_id: int | None, event_type: str,
               actor: str, at: datetime, payload_json: str) -> str:
    body = canonical_json([chain, seq, instance_id, event_type, actor, at.isoformat(), payload_json])
    return hashlib.sha256((prev_hash + body).encode("utf-8")).hexdigest()


def event_hash_around_seq(chain: str, instance_id: int | None, event_type: str, actor: str, at: datetime,
                          payload_json: str) -> tuple[str, str]:
    """``event_hash``'s hashed text around the event's seq: ``(prefix, suffix)`` such that, for any ``seq``,
    ``event_hash(prev_hash, chain, seq, ...)`` is the SHA-256 (hex) of the UTF-8 of
    ``prev_hash + prefix + str(seq) + suffix``. For a hash computed where the seq is only known there
    (PostgreSQL's, in a chain's append: ``engine.runtime.unit_of_work``); the body is ``event_hash``'s
    canonical JSON list, whose second item (an integer's JSON is its decimal digits) is the seq."""
    rest = canonical_json([instance_id, event_type, actor, at.isoformat(), payload_json])
    return "[" + canonical_json(chain) + ",", "," + rest[1:]


@dataclass(frozen=True)
class PendingEvent:
    """An event recorded in a unit of work, not yet numbered, hashed or written."""

    chain: str
    event_type: str
    actor: str
    at: datetime
    payload: dict[str, Any]
    instance_id: int | None = None


def chain_rows(chain: str, pending: Sequence[PendingEvent], seq: int, prev: str) -> list[dict[str, Any]]:
    """The ``audit_event`` rows of ``pending`` appended to ``chain`` whose head is (``seq``, ``prev``):
    numbered on from ``seq``, each hashed onto the one before. Writing them, and moving the head to
    the last, is the unit of work's (``engine.runtime.unit_of_work``)."""
    rows = []
    for event in pending:
        seq += 1
        payload_json = canonical_json(event.payload)
        digest = event_hash(prev, chain, seq, event.instance_id, event.event_type, event.actor, event.at,
                            payload_json)
        rows.append({"chain": chain, "seq": seq, "instance_id": event.instance_id,
                     "event_type": event.event_type, "actor": event.actor, "at": event.at,
                     "payload_json": payload_json, "prev_hash": prev, "hash": digest})
        prev = digest
    return rows


@dataclass(frozen=True)
class ChainProblem:
    chain: str
    seq: int | None
    event_id: int | None
    kind: str  # edited, deleted, inserted, reordered, head_mismatch
    detail: str

    def __str__(self) -> str:
        where = f"event id={self.event_id} seq={self.seq}" if self.event_id else f"seq={self.seq}"
        return f"{self.chain}: {self.kind} at {where}: {self.detail}"


def verify_chains(session: Session) -> list[ChainProblem]:
    """Check every chain; report the first broken event of each."""
    heads = {h.chain: h for h in session.scalars(select(AuditChainHead))}
    chains = set(heads) | set(session.scalars(select(AuditEvent.chain).distinct()))
    problems = []
    for chain in sorted(chains):
        problem = _verify_chain(session, chain, heads.get(chain))
        if problem is not None:
            problems.append(problem)
    return problems


def verify_chain(session: Session, chain: str) -> ChainProblem | None:
    """Check one chain (e.g. one case's); the first broken event, or None."""
    head = session.get(AuditChainHead, chain)
    return _verify_chain(session, chain, head)


def _events(session: Session, chain: str) -> list[AuditEvent]:
    stmt = select(AuditEvent).where(AuditEvent.chain == chain).order_by(AuditEvent.seq, AuditEvent.id)
    return list(session.scalars(stmt).all())


def _own_hash_holds(event: AuditEvent, seq: int) -> bool:
    """The event's content still hashes to its stored hash, linked to its stored prev_hash at ``seq``."""
    return event.hash == event_hash(event.prev_hash, event.chain, seq, event.instance_id, event.event_type,
                                    event.actor, event.at, event.payload_json)


def _verify_chain(session: Session, chain: str, head: AuditChainHead | None) -> ChainProblem | None:
    events = _events(session, chain)
    prev_hash, expected_seq, last = GENESIS, 1, None
    for index, event in enumerate(events):
        if event.seq != expected_seq:
            kind = "deleted" if event.seq > expected_seq else "inserted"
            return ChainProblem(chain, event.seq, event.id, kind,
                                f"expected seq {expected_seq}, found {event.seq}")
        if event.prev_hash != prev_hash:
            return _broken_link(chain, events, index)
        recomputed = event_hash(prev_hash, chain, event.seq, event.instance_id, event.event_type,
                                event.actor, event.at, event.payload_json)
        if recomputed != event.hash:
            return ChainProblem(chain, event.seq, event.id, "edited", "content does not match its hash")
        prev_hash, expected_seq, last = event.hash, expected_seq + 1, event
    if head is not None and last is not None and head.seq < last.seq:
        first_after = next(e for e in events if e.seq > head.seq)
        return ChainProblem(chain, first_after.seq, first_after.id, "inserted",
                            f"added after the chain head (seq {head.seq}) without moving it")
    if head is None or head.seq != (last.seq if last else 0) or head.hash != prev_hash:
        return ChainProblem(chain, head.seq if head else None, None, "deleted" if head and last and
                            head.seq > last.seq else "head_mismatch",
                            "chain head does not match the last event")
    return None


def _broken_link(chain: str, events: list[AuditEvent], index: int) -> ChainProblem:
    """Name what happened where an event does not link to the one before it.

    Tells apart: the event was moved before events recorded earlier than it (reordered); the
    event before it is a forgery squeezed in and the later events renumbered (inserted); the
    event before it was changed and hashed again, so this one still links to its old hash
    (edited); the event before it was removed and the later ones renumbered (deleted).
    """
    event = events[index]
    later = {e.hash: e for e in events[index + 1:]}
    if event.prev_hash in later:
        moved = later[event.prev_hash]
        return ChainProblem(chain, event.seq, event.id, "reordered",
                            f"it was recorded after event id={moved.id}, which now comes later (seq {moved.seq})")
    before = events[index - 1] if index >= 1 else None
    two_back = events[index - 2].hash if index >= 2 else GENESIS
    if before is not None and event.prev_hash == two_back and _own_hash_holds(event, event.seq - 1):
        return ChainProblem(chain, before.seq, before.id, "inserted",
                            f"not in the original chain: the next event (id={event.id}) links past it and was "
                            "renumbered")
    if event.prev_hash not in {e.hash for e in events}:
        if before is not None and _own_hash_holds(event, event.seq):
            return ChainProblem(chain, before.seq, before.id, "edited",
                                f"changed and hashed again: the next event (id={event.id}) still links to its "
                                "original hash")
        if _own_hash_holds(event, event.seq + 1):
            return ChainProblem(chain, event.seq, event.id, "deleted",
                                f"the event before it (seq {event.seq}) was removed and later events renumbered")
    kind = "reordered" if _own_hash_holds(event, event.seq) else "inserted"
    return ChainProblem(chain, event.seq, event.id, kind, "previous-hash link broken")
