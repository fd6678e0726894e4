"""Hash-chained audit events: one chain per instance and one for system events."""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import bindparam, insert, select
from sqlalchemy.orm import Session

from engine.persistence.models import AuditChainHead, AuditEvent
from engine.errors import ConcurrentUpdate
from engine.persistence.compiled import Write, run_batch
from engine.runtime.step_statements import ADVANCE_HEAD, HEADS, INSERT_EVENTS

SYSTEM_CHAIN = "system"
GENESIS = "0" * 64


def case_chain(instance_id: int) -> str:
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


@dataclass(frozen=True)
class StepWrite:
    """A use case's own write, sent with the head advances; ``conflict`` if it must match one row and did not."""

    write: Write
    conflict: Callable[[], Exception] | None = None


def write_events(session: Session, events: list[PendingEvent],
                 known_heads: dict[str, tuple[int, str]] | None = None,
                 step_writes: Sequence[StepWrite] = ()) -> None:
    """Append events in order: per chain one head write, then one insert for all.

    ``known_heads`` holds chain heads (seq, hash) the caller read earlier in this transaction; such
    a head is moved only if it still has that seq, in one batch with ``step_writes``. Otherwise, or
    when the head is unknown, it is read locked (``FOR UPDATE``), so concurrent writers to one
    chain queue up instead of forking it.

    :raises Exception: the ``conflict`` of a step write that did not change exactly one row
    """
    by_chain: dict[str, list[PendingEvent]] = {}
    for event in events:
        by_chain.setdefault(event.chain, []).append(event)
    heads = known_heads or {}
    optimistic = {chain: _chain_rows(chain, pending, *heads[chain])
                  for chain, pending in by_chain.items() if chain in heads}
    advances = [Write(ADVANCE_HEAD, {"chain_key": chain, "old_seq": heads[chain][0],
                                     "new_seq": rows[-1]["seq"], "new_hash": rows[-1]["hash"]})
                for chain, rows in optimistic.items()]
    connection = session.connection()
    try:
        counts = run_batch(connection, [w.write for w in step_writes] + advances)
    except connection.dialect.loaded_dbapi.IntegrityError as exc:
        # A racing writer made the same rows first (e.g. the next task of a step done twice at once);
        # on PostgreSQL the whole batch runs before its version checks can be read.
        raise ConcurrentUpdate("Data sudah diubah oleh pengguna lain; muat ulang dan coba lagi") from exc
    for step_write, count in zip(step_writes, counts, strict=False):
        if step_write.conflict is not None and count != 1:
            raise step_write.conflict()
    moved = {chain for chain, count in zip(optimistic, counts[len(step_writes):], strict=True) if count == 1}
    rows: list[dict[str, Any]] = []
    for chain, pending in by_chain.items():
        if chain in moved:
            rows += optimistic[chain]
            continue
        head = session.execute(_LOCK_HEAD, {"chain_key": chain}).first()
        chain_rows = _chain_rows(chain, pending, *((head.seq, head.hash) if head else (0, GENESIS)))
        if head:
            ADVANCE_HEAD.rowcount(session.connection(), {"chain_key": chain, "old_seq": head.seq,
                                                         "new_seq": chain_rows[-1]["seq"],
                                                         "new_hash": chain_rows[-1]["hash"]})
        else:
            session.execute(_INSERT_HEAD, {"chain": chain, "seq": chain_rows[-1]["seq"],
                                           "hash": chain_rows[-1]["hash"]})
        rows += chain_rows
    if rows:
        INSERT_EVENTS.many(session.connection(), rows)


def _chain_rows(chain: str, pending: list[PendingEvent], seq: int, prev: str) -> list[dict[str, Any]]:
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


_LOCK_HEAD = (select(HEADS.c.seq, HEADS.c.hash).where(HEADS.c.chain == bindparam("chain_key"))
              .with_for_update())
_INSERT_HEAD = insert(HEADS)


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
