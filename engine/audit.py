"""Hash-chained audit events: one chain per instance and one for system events."""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Iterator

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from engine.persistence.models import AuditChainHead, AuditEvent

SYSTEM_CHAIN = "system"
GENESIS = "0" * 64


def instance_chain(instance_id: int) -> str:
    return f"instance:{instance_id}"


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def event_hash(prev_hash: str, chain: str, seq: int, instance_id: int | None, event_type: str,
               actor: str, at: datetime, payload_json: str) -> str:
    body = canonical_json([chain, seq, instance_id, event_type, actor, at.isoformat(), payload_json])
    return hashlib.sha256((prev_hash + body).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class PendingEvent:
    chain: str
    event_type: str
    actor: str
    at: datetime
    payload: dict[str, Any]
    instance_id: int | None = None


def append_event(session: Session, *, chain: str, event_type: str, actor: str, at: datetime,
                 payload: dict[str, Any] | None = None, instance_id: int | None = None) -> None:
    """Add one event to ``chain`` in the caller's transaction."""
    write_events(session, [PendingEvent(chain, event_type, actor, at, payload or {}, instance_id)])


def write_events(session: Session, events: list[PendingEvent]) -> None:
    """Append events in order, one locked head read, one insert and one head write per chain.

    The chain head row is locked (``FOR UPDATE``) so concurrent writers to one chain queue up
    instead of forking it.
    """
    by_chain: dict[str, list[PendingEvent]] = {}
    for event in events:
        by_chain.setdefault(event.chain, []).append(event)
    heads, rows = AuditChainHead.__table__, []
    for chain, pending in by_chain.items():
        head = session.execute(select(heads.c.seq, heads.c.hash).where(heads.c.chain == chain)
                               .with_for_update()).first()
        seq, prev = (head.seq, head.hash) if head else (0, GENESIS)
        for event in pending:
            seq += 1
            payload_json = canonical_json(event.payload)
            digest = event_hash(prev, chain, seq, event.instance_id, event.event_type, event.actor, event.at,
                                payload_json)
            rows.append({"chain": chain, "seq": seq, "instance_id": event.instance_id,
                         "event_type": event.event_type, "actor": event.actor, "at": event.at,
                         "payload_json": payload_json, "prev_hash": prev, "hash": digest})
            prev = digest
        if head:
            session.execute(update(heads).where(heads.c.chain == chain).values(seq=seq, hash=prev))
        else:
            session.execute(insert(heads).values(chain=chain, seq=seq, hash=prev))
    if rows:
        session.execute(insert(AuditEvent.__table__), rows)


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


def _events(session: Session, chain: str) -> Iterator[AuditEvent]:
    stmt = select(AuditEvent).where(AuditEvent.chain == chain).order_by(AuditEvent.seq, AuditEvent.id)
    return iter(session.scalars(stmt).all())


def _verify_chain(session: Session, chain: str, head: AuditChainHead | None) -> ChainProblem | None:
    prev_hash, expected_seq, last = GENESIS, 1, None
    for event in _events(session, chain):
        if event.seq != expected_seq:
            kind = "deleted" if event.seq > expected_seq else "inserted"
            return ChainProblem(chain, event.seq, event.id, kind,
                                f"expected seq {expected_seq}, found {event.seq}")
        if event.prev_hash != prev_hash:
            kind = "reordered" if event.hash == event_hash(event.prev_hash, chain, event.seq, event.instance_id,
                                                           event.event_type, event.actor, event.at,
                                                           event.payload_json) else "inserted"
            return ChainProblem(chain, event.seq, event.id, kind, "previous-hash link broken")
        recomputed = event_hash(prev_hash, chain, event.seq, event.instance_id, event.event_type,
                                event.actor, event.at, event.payload_json)
        if recomputed != event.hash:
            return ChainProblem(chain, event.seq, event.id, "edited", "content does not match its hash")
        prev_hash, expected_seq, last = event.hash, expected_seq + 1, event
    if head is None or head.seq != (last.seq if last else 0) or head.hash != prev_hash:
        return ChainProblem(chain, head.seq if head else None, None, "deleted" if head and last and
                            head.seq > last.seq else "head_mismatch",
                            "chain head does not match the last event")
    return None
