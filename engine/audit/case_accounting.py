"""Every case accounted for: each case's creation is recorded, naming the case before it.

A case's own chain shows an edit inside it, but deleting a whole case (its row, tasks, events and
chain head) leaves nothing behind to disagree. So a case's chain opens with ``instance_started``,
which names ``previous_case``, the highest case id that existed when it was made (read by the statement
that inserts it, ``engine.runtime.step_statements.INSERT_CASE``; cases made before
issue 21 have a ``case_created`` event on the system chain instead, with the same payload field).
Verification then fails, naming the case id, when:

- a case named as ``previous_case`` was never recorded nor backfilled (``gap``: it was deleted,
  chain and all, after the next case was made);
- a chain a signed checkpoint holds has no case row any more, or a recorded case lost its row
  (``deleted``);
- a case row has no creation record (``unrecorded``: inserted around Alur, or its chain deleted);
- a case id was recorded twice (``reused``: on SQLite the newest case was deleted and its id reused).

A case a ``retention_applied`` event lists (``engine.audit.removals``) was removed on purpose: its row
may be gone, but its chain, opened by its creation record, must still be there.

Why on the case's own chain and not the system chain: appending to the system chain locked its
head, one row every case start in the office queued behind (issue 21). What the system chain gave
beyond this record is no stronger against someone who can write the database: its tail after the
last signed checkpoint can be cut and hashed again just as a newest case can be deleted; a case
older than the last checkpoint is held by the checkpoint's signed head of its chain, and any case
made after another names it. The one window both share is the newest cases after the last
checkpoint (the worker signs one hourly and after each deploy).

Ids a rolled-back transaction consumed (PostgreSQL sequences) are never recorded nor named as
``previous_case``, so they are not gaps. Cases made before the record existed are listed once by
the schema revision ``0005_case_accounting`` in one ``cases_accounted`` event (id ranges).
"""
from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.audit.chain import SYSTEM_CHAIN, case_chain
from engine.audit.removals import removed_cases
from engine.persistence.models import AuditChainHead, AuditEvent, ProcessInstance

CASE_CREATED = "case_created"  # on the system chain, cases made before issue 21
CASE_STARTED = "instance_started"  # the first event of a case's own chain
CASES_ACCOUNTED = "cases_accounted"  # the one-off backfill at upgrade


def id_ranges(ids: Iterable[int]) -> list[list[int]]:
    """Sorted ids as inclusive ranges: [1, 2, 3, 7] -> [[1, 3], [7, 7]] (the backfill event's payload)."""
    ranges: list[list[int]] = []
    for value in sorted(set(ids)):
        if ranges and ranges[-1][1] == value - 1:
            ranges[-1][1] = value
        else:
            ranges.append([value, value])
    return ranges


@dataclass(frozen=True)
class CaseProblem:
    instance_id: int
    kind: str  # deleted, gap, unrecorded, reused, changed
    detail: str
    event_id: int | None = None

    def __str__(self) -> str:
        return f"case {self.instance_id}: {self.kind}: {self.detail}"


def verify_case_accounting(session: Session, instance_ids: set[int] | None = None,
                           signed_cases: Iterable[int] = ()) -> list[CaseProblem]:
    """Compare the record of created cases with the cases stored (``instance_ids``: only these, e.g. the
    case verification page; a gap is about a case that is gone, so only the whole check looks for gaps).
    ``signed_cases``: cases whose chain a signed, trusted checkpoint holds."""
    created: dict[int, list[tuple[int, dict[str, object]]]] = {}
    backfilled: set[int] = set()
    recorded = ((AuditEvent.chain == SYSTEM_CHAIN) & (AuditEvent.event_type == CASE_CREATED)) | (
        (AuditEvent.event_type == CASE_STARTED) & AuditEvent.chain.like("instance:%"))
    rows_query = select(ProcessInstance.id, ProcessInstance.process_key)
    heads_query = select(AuditChainHead.chain, AuditChainHead.seq).where(AuditChainHead.chain.like("instance:%"))
    if instance_ids is not None:
        recorded &= AuditEvent.instance_id.in_(instance_ids)
        rows_query = rows_query.where(ProcessInstance.id.in_(instance_ids))
        heads_query = heads_query.where(AuditChainHead.chain.in_([case_chain(i) for i in instance_ids]))
    backfill = (AuditEvent.chain == SYSTEM_CHAIN) & (AuditEvent.event_type == CASES_ACCOUNTED)
    events = session.execute(select(AuditEvent.id, AuditEvent.chain, AuditEvent.event_type, AuditEvent.instance_id,
                                    AuditEvent.payload_json)
                             .where(recorded | backfill).order_by(AuditEvent.id))
    for event_id, chain, event_type, instance_id, payload_json in events:
        payload = _payload(payload_json)
        if event_type == CASES_ACCOUNTED:
            for low, high in _ranges(payload.get("ranges")):
                backfilled.update(range(low, high + 1))
        elif instance_id is not None and chain in (SYSTEM_CHAIN, case_chain(instance_id)):
            if event_type == CASE_STARTED and "previous_case" not in payload:
                continue  # a case from before issue 21: its record is the system chain's case_created
            created.setdefault(instance_id, []).append((event_id, payload))
    signed = set(signed_cases)  # a chain a signed checkpoint holds: that case existed
    removed = set(removed_cases(session))  # removed under the retention schedule, audited
    rows = dict(session.execute(rows_query).tuples().all())
    heads = dict(session.execute(heads_query).tuples().all())
    problems: list[CaseProblem] = []
    for case_id in sorted(set(created) | backfilled | set(rows) | signed):
        if instance_ids is not None and case_id not in instance_ids:
            continue
        problem = _case_problem(case_id, created.get(case_id, []), case_id in backfilled, case_id in signed,
                                rows.get(case_id), heads.get(case_chain(case_id), 0), case_id in removed)
        if problem is not None:
            problems.append(problem)
    if instance_ids is not None:
        return problems
    accounted = set(created) | backfilled | signed
    for case_id, records in sorted(created.items()):
        for event_id, payload in records:
            previous = payload.get("previous_case")
            if isinstance(previous, int) and previous not in accounted:
                problems.append(CaseProblem(previous, "gap", f"case {case_id} was created after it (event "
                                            f"id={event_id}), but no creation of case {previous} is recorded: "
                                            "the case and its creation event were removed", event_id))
                accounted.add(previous)  # named once
    return problems


def _case_problem(case_id: int, records: list[tuple[int, dict[str, object]]], backfilled: bool, signed: bool,
                  process_key: str | None, head_seq: int, removed: bool = False) -> CaseProblem | None:
    last_event = records[-1][0] if records else None
    if removed and process_key is None and head_seq > 0 and (records or backfilled):
        return None  # removed under the retention schedule: the row went, the chain stays
    if process_key is None or head_seq == 0:
        missing = " and ".join(part for part, gone in (("its row", process_key is None),
                                                      ("its audit chain", head_seq == 0)) if gone)
        if records or backfilled:
            return CaseProblem(case_id, "deleted", f"its creation is recorded, but {missing} no longer exist(s)",
                               last_event)
        if signed:
            return CaseProblem(case_id, "deleted", f"a signed checkpoint holds its audit chain, but {missing} "
                               "no longer exist(s)")
    if not records and not backfilled:
        return CaseProblem(case_id, "unrecorded", "the case is stored but its creation is not recorded (no "
                           "instance_started opens its chain: inserted outside Alur)")
    if len(records) > 1:
        return CaseProblem(case_id, "reused", f"created {len(records)} times (events "
                           f"{', '.join(str(e) for e, _ in records)}): an earlier case with this id was deleted",
                           last_event)
    if records and records[-1][1].get("process_key") != process_key:
        return CaseProblem(case_id, "changed", f"recorded as a case of {records[-1][1].get('process_key')}, "
                           f"stored as one of {process_key}", last_event)
    return None


def _payload(payload_json: str) -> dict[str, object]:
    try:
        value = json.loads(payload_json)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _ranges(value: object) -> list[tuple[int, int]]:
    if not isinstance(value, list):
        return []
    return [(r[0], r[1]) for r in value
            if isinstance(r, list) and len(r) == 2 and all(isinstance(x, int) for x in r)]
