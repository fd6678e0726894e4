"""The tables people read, checked against the audit log.

The case page, the inbox and the API read ``human_task`` and ``process_instance``, not the log. So
that a row edited in the database cannot show a forged performer, time, form data or case state
unseen, verification derives from each case's events what every row must hold and reports each
column that differs. What the events say about a column:

- ``human_task``: created by ``task_created`` at the event's time (its ``element_id``, ``role``;
  its ``assignee``: ``claimed`` then, else ``ready``); ``task_claimed`` / ``task_unclaimed`` /
  ``task_reassigned`` move it, its holder and the time it was taken;
  ``task_completed`` makes it ``completed`` by the event's actor at the event's time with the
  event's form data (the holder stays, else becomes the actor); ``task_cancelled`` and
  ``instance_cancelled`` (its ``cancelled_tasks``) cancel it.
- ``process_instance``: ``instance_started`` gives its process, business key, starter and start;
  ``instance_completed`` / ``instance_cancelled`` its end state and time.
- ``document_upload`` (the document's name and size the case page shows, per uploader): its
  ``attachment_uploaded`` event (on the case's chain).

Columns no event speaks for (due times, names a migration renamed, escalation marks) are not
compared; the case's data and BPMN state are what replay verification (``engine.audit.replay``)
re-executes. A case removed under the retention schedule (``engine.audit.removals``) has no rows to
compare any more and is left out.
"""
from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.audit.chain import case_chain
from engine.audit.document_check import UPLOAD_EVENT, documents_in
from engine.audit.removals import gone_cases
from engine.persistence.models import AuditChainHead, AuditEvent, DocumentUpload, HumanTask, ProcessInstance

CHUNK = 200  # cases read at once
_ABSENT = "(none)"  # the value shown for NULL
_ROW = "(row)"


@dataclass(frozen=True)
class TableProblem:
    """A stored row that differs from what the audit log says it must hold."""

    table: str  # human_task, process_instance or attachment
    row_id: str
    column: str  # "(row)": the whole row is missing from the table, or not in the log at all
    logged: str
    stored: str
    instance_id: int | None = None

    def __str__(self) -> str:
        case = f"case {self.instance_id}: " if self.instance_id is not None else ""
        return f"{case}{self.table} id={self.row_id} column {self.column}: logged {self.logged}, stored {self.stored}"


@dataclass
class _Task:
    instance_id: int
    element_id: Any
    role: Any
    state: str
    assignee: Any
    created_at: datetime
    claimed_at: datetime | None
    completed_by: Any = None
    completed_at: datetime | None = None
    data: Any = None  # the form data of task_completed; None before


@dataclass
class _Case:
    process_key: Any = None
    business_key: Any = None
    status: str = "running"
    started_by: Any = None
    started_at: datetime | None = None
    ended_at: datetime | None = None
    tasks: dict[str, _Task] = field(default_factory=dict)


def check_tables(session: Session, instance_ids: Iterable[int] | None = None) -> list[TableProblem]:
    """Every difference between the case tables and the log, for the given cases or all of them."""
    ids = sorted(set(instance_ids)) if instance_ids is not None else _all_case_ids(session)
    gone = gone_cases(session)
    ids = [case_id for case_id in ids if case_id not in gone]
    problems: list[TableProblem] = []
    documents: dict[str, int] = {}  # sha256 -> a case whose steps show it
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        logged = derive_cases(_case_events(session, chunk))
        problems += _compare_cases(session, chunk, logged)
        problems += _compare_tasks(session, chunk, logged, documents)
    problems += _compare_attachments(session, documents if instance_ids is not None else None, gone)
    return problems


def derive_cases(events: Iterable[AuditEvent]) -> dict[int, _Case]:
    """What the case tables must hold, per case, from the case chains' events (in chain order)."""
    cases: dict[int, _Case] = {}
    for event in events:
        if event.instance_id is None:
            continue
        case = cases.setdefault(event.instance_id, _Case())
        _apply(case, event.instance_id, event.event_type, event.actor, event.at, json.loads(event.payload_json))
    return cases


def _apply(case: _Case, instance_id: int, kind: str, actor: str, at: datetime, payload: dict[str, Any]) -> None:
    task = case.tasks.get(str(payload.get("task_id")))
    if kind == "instance_started":
        case.process_key, case.business_key = payload.get("process_key"), payload.get("business_key")
        case.started_by, case.started_at, case.status = actor, at, "running"
    elif kind in ("instance_completed", "instance_cancelled"):
        case.status, case.ended_at = kind.removeprefix("instance_"), at
        for task_id in payload.get("cancelled_tasks") or ():
            if str(task_id) in case.tasks:
                case.tasks[str(task_id)].state = "cancelled"
    elif kind == "task_created":
        assignee = payload.get("assignee")
        case.tasks[str(payload.get("task_id"))] = _Task(instance_id, payload.get("element_id"), payload.get("role"),
                                                        "claimed" if assignee else "ready", assignee, at,
                                                        at if assignee else None)
    elif task is None:
        return  # an event about a task the log never created: that task's row is reported as not logged
    elif kind == "task_claimed":
        task.state, task.assignee, task.claimed_at = "claimed", actor, at
    elif kind == "task_unclaimed":
        task.state, task.assignee, task.claimed_at = "ready", None, None
    elif kind == "task_reassigned":
        task.state, task.assignee, task.claimed_at = "claimed", payload.get("to"), at
    elif kind == "task_completed":
        task.state, task.completed_by, task.completed_at = "completed", actor, at
        task.assignee, task.data = task.assignee or actor, payload.get("data")
    elif kind == "task_cancelled":
        task.state = "cancelled"


def _all_case_ids(session: Session) -> list[int]:
    """Every case the tables or the log know of."""
    ids = set(session.scalars(select(ProcessInstance.id)))
    for chain in session.scalars(select(AuditChainHead.chain).where(AuditChainHead.chain.like("instance:%"))):
        number = chain.removeprefix("instance:")
        if number.isdigit():
            ids.add(int(number))
    return sorted(ids)


def _case_events(session: Session, ids: Sequence[int]) -> Iterator[AuditEvent]:
    return iter(session.scalars(select(AuditEvent).where(AuditEvent.chain.in_([case_chain(i) for i in ids]))
                                .order_by(AuditEvent.chain, AuditEvent.seq, AuditEvent.id)))


def _compare_cases(session: Session, ids: Sequence[int], logged: dict[int, _Case]) -> list[TableProblem]:
    rows = {row.id: row for row in session.execute(
        select(ProcessInstance.id, ProcessInstance.process_key, ProcessInstance.business_key, ProcessInstance.status,
               ProcessInstance.started_by, ProcessInstance.started_at, ProcessInstance.ended_at)
        .where(ProcessInstance.id.in_(ids)))}
    problems: list[TableProblem] = []
    for instance_id in ids:
        row, case = rows.get(instance_id), logged.get(instance_id)
        if case is None or case.started_at is None:
            if row is not None:
                problems.append(TableProblem("process_instance", str(instance_id), _ROW, "no instance_started event",
                                             "present", instance_id))
            continue
        if row is None:
            problems.append(TableProblem("process_instance", str(instance_id), _ROW, "started", "missing",
                                         instance_id))
            continue
        expected = {"process_key": case.process_key, "business_key": case.business_key, "status": case.status,
                    "started_by": case.started_by, "started_at": case.started_at, "ended_at": case.ended_at}
        problems += _differences("process_instance", str(instance_id), instance_id, expected, row._mapping)
    return problems


def _compare_tasks(session: Session, ids: Sequence[int], logged: dict[int, _Case],
                   documents: dict[str, int]) -> list[TableProblem]:
    rows = {row.id: row for row in session.execute(
        select(HumanTask.id, HumanTask.instance_id, HumanTask.element_id, HumanTask.role, HumanTask.state,
               HumanTask.assignee, HumanTask.created_at, HumanTask.claimed_at, HumanTask.completed_by,
               HumanTask.completed_at, HumanTask.data_json)
        .where(HumanTask.instance_id.in_(ids)))}
    tasks = {task_id: task for case in logged.values() for task_id, task in case.tasks.items()}
    problems: list[TableProblem] = []
    for task_id in sorted(set(rows) | set(tasks)):
        row, task = rows.get(task_id), tasks.get(task_id)
        if task is None:
            problems.append(TableProblem("human_task", task_id, _ROW, "no task_created event", "present",
                                         row.instance_id if row is not None else None))
            continue
        if row is None:
            problems.append(TableProblem("human_task", task_id, _ROW, "created", "missing", task.instance_id))
            continue
        expected = {"instance_id": task.instance_id, "element_id": task.element_id, "role": task.role,
                    "state": task.state, "assignee": task.assignee, "created_at": task.created_at,
                    "claimed_at": task.claimed_at, "completed_by": task.completed_by,
                    "completed_at": task.completed_at, "data_json": task.data}
        stored = dict(row._mapping)
        stored["data_json"] = _decoded(stored["data_json"])
        problems += _differences("human_task", task_id, task.instance_id, expected, stored)
        for data in (task.data, stored["data_json"]):
            documents.update((sha, task.instance_id) for _field, sha in documents_in(data))
    return problems


def _compare_attachments(session: Session, documents: dict[str, int] | None, gone: set[int]) -> list[TableProblem]:
    """The upload rows of the documents the case steps show (all bound rows with None) against their upload
    events (on the case's chain; on the system chain for uploads from before uploads had a case).

    An upload not yet used by any case (``instance_id`` empty) has no event yet by design and is skipped;
    so are the uploads of cases removed under retention (``gone``), whose rows went with them.
    """
    logged: dict[tuple[str, str], dict[str, Any]] = {}
    for instance_id, actor, payload_json in session.execute(
            select(AuditEvent.instance_id, AuditEvent.actor, AuditEvent.payload_json)
            .where(AuditEvent.event_type == UPLOAD_EVENT).order_by(AuditEvent.id)):
        if instance_id in gone:
            continue
        payload = json.loads(payload_json)
        if isinstance(payload.get("sha256"), str):
            logged.setdefault((payload["sha256"], actor), {"filename": payload.get("filename"),
                                                          "size": payload.get("size")})
    query = (select(DocumentUpload.sha256, DocumentUpload.uploaded_by, DocumentUpload.filename, DocumentUpload.size,
                    DocumentUpload.instance_id)
             .where(DocumentUpload.instance_id.is_not(None)).order_by(DocumentUpload.id))
    wanted = set(documents) if documents is not None else None
    if wanted is not None:
        query = query.where(DocumentUpload.sha256.in_(sorted(wanted)))
    rows: dict[tuple[str, str], Any] = {}
    for found in session.execute(query):
        rows.setdefault((found.sha256, found.uploaded_by), found)
    problems: list[TableProblem] = []
    known = set(rows) | {key for key in logged if wanted is None or key[0] in wanted}
    for key in sorted(known):
        sha = key[0]
        row, expected = rows.get(key), logged.get(key)
        case = documents.get(sha) if documents is not None else (row.instance_id if row is not None else None)
        if expected is None:
            problems.append(TableProblem("document_upload", sha, _ROW, "no attachment_uploaded event", "present",
                                         case))
        elif row is None:
            continue  # an upload event whose row is not bound to a case (an older, system-chain upload)
        else:
            problems += _differences("document_upload", sha, case, expected,
                                     {"filename": row.filename, "size": row.size})
    return problems


def _decoded(text: str | None) -> Any:
    if text is None:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return text  # not JSON at all: shown as stored, and differs from any logged data


def _differences(table: str, row_id: str, instance_id: int | None, expected: dict[str, Any],
                 stored: Any) -> list[TableProblem]:
    return [TableProblem(table, row_id, column, _shown(value), _shown(stored[column]), instance_id)
            for column, value in expected.items() if value != stored[column]]


def _shown(value: Any) -> str:
    if value is None:
        return _ABSENT
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, (dict, list)):
        return json.dumps(value, sort_keys=True, ensure_ascii=False)
    return repr(value) if isinstance(value, str) else str(value)
