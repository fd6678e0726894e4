"""The steps of an SOP's cases, read for process mining: one record per case, streamed in batches.

The source is the recorded task history: ``human_task`` holds one row per activation of a user task
(a loop taken twice is two rows), with its creation, completion and performer; ``process_instance``
the case; ``document_upload`` the documents each step sent; the audit chain the moment a step was
withdrawn (``task_cancelled``, or ``instance_cancelled`` naming the steps it stopped). Nothing is
re-executed and nothing is held beyond one batch of cases, so a year of cases streams in constant
memory.
"""
from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import ColumnElement, Connection, and_, func, select

from sqlalchemy.orm import Session, sessionmaker

from engine.persistence.db import READ_ONLY, engine_of
from engine.persistence.models import AuditEvent, DocumentUpload, HumanTask, ProcessDefinition, ProcessInstance

BATCH = 500  # cases per round of queries
_SHA256 = re.compile(r"[0-9a-f]{64}")
_QUOTED_SHA256 = re.compile(r'"[0-9a-f]{64}"')
_CASES = ProcessInstance.__table__
_TASKS = HumanTask.__table__
_UPLOADS = DocumentUpload.__table__
_EVENTS = AuditEvent.__table__
_DEFINITIONS = ProcessDefinition.__table__


@dataclass(frozen=True)
class DocumentRecord:
    sha256: str
    field: str  # the form field that carries it
    filename: str
    media_type: str
    size: int


@dataclass(frozen=True)
class StepRecord:
    """One activation of a user task: started when it became ready, ended when completed or withdrawn."""

    task_id: str
    element_id: str
    activity: str
    role: str
    state: str  # ready, claimed, completed, cancelled
    started_at: datetime
    ended_at: datetime | None
    performer: str | None  # username: who completed it, else who holds it now
    due_at: datetime | None
    documents: tuple[DocumentRecord, ...]


@dataclass(frozen=True)
class CaseRecord:
    instance_id: int
    business_key: str | None
    status: str  # running, completed, cancelled
    version: int
    opd: str | None
    started_at: datetime
    ended_at: datetime | None
    steps: tuple[StepRecord, ...]


@dataclass(frozen=True)
class CaseFilter:
    """The cases of one SOP started in ``[start, end)``."""

    process_key: str
    start: datetime
    end: datetime

    def where(self) -> ColumnElement[bool]:
        return and_(_CASES.c.process_key == self.process_key, _CASES.c.started_at >= self.start,
                    _CASES.c.started_at < self.end)


@contextmanager
def snapshot(sessions: sessionmaker[Session]) -> Iterator[Connection]:
    """One read-only transaction for the whole export, so every batch sees the same state (REPEATABLE
    READ on PostgreSQL; on SQLite a deferred transaction reads one WAL snapshot). The connection begins
    it with its first statement and rolls it back when closed: it writes nothing."""
    bind = engine_of(sessions)
    options: dict[str, object] = {READ_ONLY: True}
    if bind.dialect.name == "postgresql":
        options.update(isolation_level="REPEATABLE READ", postgresql_readonly=True)
    with bind.connect() as connection:
        yield connection.execution_options(**options)


def case_records(connection: Connection, cases: CaseFilter) -> Iterator[CaseRecord]:
    """Every case of the filter in id order, with its steps in the order they became ready."""
    last_id = 0
    while True:
        rows = connection.execute(
            select(_CASES.c.id, _CASES.c.business_key, _CASES.c.status, _CASES.c.opd, _CASES.c.started_at,
                   _CASES.c.ended_at, _DEFINITIONS.c.version)
            .join(_DEFINITIONS, _DEFINITIONS.c.id == _CASES.c.definition_id)
            .where(cases.where(), _CASES.c.id > last_id).order_by(_CASES.c.id).limit(BATCH)).all()
        if not rows:
            return
        ids = [row.id for row in rows]
        steps = _steps(connection, ids)
        for row in rows:
            yield CaseRecord(row.id, row.business_key, row.status, row.version, row.opd,
                             _aware(row.started_at), _aware_or_none(row.ended_at), tuple(steps.get(row.id, ())))
        last_id = ids[-1]


def activity_names(connection: Connection, cases: CaseFilter) -> list[str]:
    """The distinct step names of the filter's cases (OCEL's event types are declared up front)."""
    return sorted(connection.scalars(
        select(_TASKS.c.name).distinct().where(_TASKS.c.instance_id.in_(select(_CASES.c.id).where(cases.where())))))


def count_cases(connection: Connection, cases: CaseFilter) -> int:
    return connection.scalar(select(func.count()).select_from(_CASES).where(cases.where())) or 0


def performers_by_role(connection: Connection, cases: CaseFilter) -> set[tuple[str, str]]:
    """(role, username) of every person who holds or completed a step of the filter's cases."""
    in_cases = _TASKS.c.instance_id.in_(select(_CASES.c.id).where(cases.where()))
    found: set[tuple[str, str]] = set()
    for column in (_TASKS.c.completed_by, _TASKS.c.assignee):
        found |= {(role, name) for role, name in connection.execute(
            select(_TASKS.c.role, column).distinct().where(in_cases, column.is_not(None)))}
    return found


def _steps(connection: Connection, ids: list[int]) -> dict[int, list[StepRecord]]:
    withdrawn = _withdrawn(connection, ids)
    uploads = _uploads(connection, ids)
    steps: dict[int, list[StepRecord]] = {}
    rows = connection.execute(
        select(_TASKS.c.id, _TASKS.c.instance_id, _TASKS.c.element_id, _TASKS.c.name, _TASKS.c.role,
               _TASKS.c.state, _TASKS.c.assignee, _TASKS.c.created_at, _TASKS.c.completed_at,
               _TASKS.c.completed_by, _TASKS.c.due_at, _TASKS.c.data_json)
        .where(_TASKS.c.instance_id.in_(ids))
        # steps begun at the same instant: the one already done first (it began the other), then by id
        .order_by(_TASKS.c.instance_id, _TASKS.c.created_at, _TASKS.c.completed_at.is_(None),
                  _TASKS.c.completed_at, _TASKS.c.id))
    for row in rows:
        ended = _aware_or_none(row.completed_at) if row.state == "completed" else withdrawn.get(row.id)
        steps.setdefault(row.instance_id, []).append(StepRecord(
            task_id=row.id, element_id=row.element_id, activity=row.name, role=row.role, state=row.state,
            started_at=_aware(row.created_at), ended_at=ended,
            performer=row.completed_by if row.state == "completed" else row.assignee,
            due_at=_aware_or_none(row.due_at),
            documents=_documents(row.data_json, uploads.get(row.instance_id, {}))))
    return steps


def _withdrawn(connection: Connection, ids: list[int]) -> dict[str, datetime]:
    """When each withdrawn step ended: its ``task_cancelled`` event, or the case's cancellation."""
    ended: dict[str, datetime] = {}
    for event_type, at, payload_json in connection.execute(
            select(_EVENTS.c.event_type, _EVENTS.c.at, _EVENTS.c.payload_json)
            .where(_EVENTS.c.instance_id.in_(ids),
                   _EVENTS.c.event_type.in_(("task_cancelled", "instance_cancelled")))):
        payload = json.loads(payload_json)
        task_ids = payload.get("cancelled_tasks", []) if event_type == "instance_cancelled" else [payload["task_id"]]
        for task_id in task_ids:
            ended.setdefault(task_id, _aware(at))
    return ended


def _uploads(connection: Connection, ids: list[int]) -> dict[int, dict[str, tuple[str, str, int]]]:
    """Per case, the documents uploaded in it: sha256 -> (filename, media type, size)."""
    found: dict[int, dict[str, tuple[str, str, int]]] = {}
    for row in connection.execute(
            select(_UPLOADS.c.instance_id, _UPLOADS.c.sha256, _UPLOADS.c.filename, _UPLOADS.c.media_type,
                   _UPLOADS.c.size).where(_UPLOADS.c.instance_id.in_(ids)).order_by(_UPLOADS.c.id)):
        found.setdefault(row.instance_id, {}).setdefault(row.sha256, (row.filename, row.media_type, row.size))
    return found


def _documents(data_json: str | None, uploads: dict[str, tuple[str, str, int]]) -> tuple[DocumentRecord, ...]:
    """The documents a step sent: the values of its form data that name a document of the case."""
    if not data_json or not uploads or not _QUOTED_SHA256.search(data_json):
        return ()  # most steps send no document: no need to parse their data
    data = json.loads(data_json)
    if not isinstance(data, dict):
        return ()
    return tuple(DocumentRecord(value, field, *uploads[value]) for field, value in data.items()
                 if isinstance(value, str) and _SHA256.fullmatch(value) and value in uploads)


def _aware(moment: datetime) -> datetime:
    """The UTC column type hands back aware times; a bare Core result on an old driver may not."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=timezone.utc)


def _aware_or_none(moment: datetime | None) -> datetime | None:
    return None if moment is None else _aware(moment)
