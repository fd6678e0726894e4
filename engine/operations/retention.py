"""Use cases: ``alur retention plan`` and ``alur retention apply``: remove the finished cases whose
archive retention period (JRA, ``engine.operations.retention_schedule``) has passed.

A case is due when it ended (completed or cancelled) and its SOP's period, counted from its end day
(WITA), has passed on the day ``as_of``. Open cases and SOPs without a period are never touched.

Apply removes the due cases' rows (the case and its workflow state, tasks, form data, drafts,
incidents, notifications, search terms, dashboard figures and upload rows) in one transaction with one
``retention_applied`` event on the system chain that lists each case and its SOP's basis
(``engine.audit.removals``). The audit events stay with their hashes, so every chain still verifies and
verification knows these cases are gone on purpose. After the commit it deletes the document files
nothing remaining references (another case's data or upload row, a draft, an upload waiting for its
step); a file written in the few minutes before is left, as it may be a new upload of the same content.
"""
from __future__ import annotations

import time as wall_clock
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, delete, func, select, update
from sqlalchemy.orm import Session, sessionmaker

from engine.audit.chain import SYSTEM_CHAIN
from engine.audit.removals import RETENTION_EVENT
from engine.config import Settings
from engine.errors import InvalidInput
from engine.operations.retention_schedule import RetentionPeriod, RetentionSchedule
from engine.persistence.db import read_only_session
from engine.persistence.models import (AuditEvent, CaseFigure, CaseTerm, DocumentUpload, FlowFigure, HumanTask,
                                       Incident, Notification, ProcessDefinition, ProcessInstance,
                                       ScheduleOccurrence, StepFigure, TaskDraft)
from engine.runtime.unit_of_work import UnitOfWork
from engine.worktime.clock import Clock, utcnow
from engine.worktime.work_calendar import WITA

ENDED = ("completed", "cancelled")
_SHA256 = re.compile(r"(?<![0-9a-f])[0-9a-f]{64}(?![0-9a-f])")
_CHUNK = 500
# A document file written this shortly before the apply is left on disk: an upload of the same content may
# be waiting (behind the apply's lock) to insert its row. Cases due for removal ended long ago.
UPLOAD_GRACE_SECONDS = 300


@dataclass(frozen=True)
class DueCase:
    instance_id: int
    process_key: str
    business_key: str | None
    status: str
    ended_at: datetime
    end_day: date  # WITA
    documents: dict[str, int]  # sha256 -> size

    @property
    def document_bytes(self) -> int:
        return sum(self.documents.values())


@dataclass(frozen=True)
class SopPlan:
    process_key: str
    name: str
    period: RetentionPeriod | None  # None: no period set, never removed
    ended_cases: int  # finished or cancelled, in all
    cases: list[DueCase] = field(default_factory=list)


@dataclass(frozen=True)
class RetentionPlan:
    as_of: date
    schedule_file: Path
    schedule_exists: bool
    sops: list[SopPlan]
    unknown_keys: list[str]  # periods set for process keys no deployed SOP has
    held_newest: int | None  # due, but the newest case: kept until a newer one exists (its id is never reused)
    removed_documents: dict[str, int]  # sha256 -> size: files nothing else references
    kept_documents: list[str]  # documents of due cases still referenced elsewhere (stay)

    @property
    def cases(self) -> list[DueCase]:
        return [case for sop in self.sops for case in sop.cases]

    @property
    def document_count(self) -> int:
        return len({sha for case in self.cases for sha in case.documents})


@dataclass(frozen=True)
class RetentionResult:
    plan: RetentionPlan
    event_id: int | None  # None: nothing was due, nothing recorded
    files_deleted: int = 0
    bytes_deleted: int = 0
    files_left: list[str] = field(default_factory=list)  # referenced again or written since the apply began


def parse_as_of(text: str | None) -> date | None:
    """``YYYY-MM-DD`` (a WITA day), or None for today.

    :raises InvalidInput: not a date in that form
    """
    if text is None:
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(f"--as-of harus berupa tanggal YYYY-MM-DD, bukan {text!r}", as_of=text) from None


class Retention:
    def __init__(self, sessions: sessionmaker[Session], settings: Settings, clock: Clock = utcnow) -> None:
        self._sessions = sessions
        self._settings = settings
        self._clock = clock

    def schedule(self) -> RetentionSchedule:
        """:raises InvalidInput: the schedule file is malformed"""
        return RetentionSchedule.load(self._settings.retention_schedule_file)

    def today(self) -> date:
        return self._clock().astimezone(WITA).date()

    def plan(self, as_of: date | None = None) -> RetentionPlan:
        """What ``apply`` on ``as_of`` (default today, WITA) would remove; nothing is changed.

        :raises InvalidInput: the schedule file is malformed
        """
        schedule = self.schedule()
        with read_only_session(self._sessions) as session:
            return _plan(session, schedule, as_of or self.today())

    def apply(self, actor: str, as_of: date | None = None) -> RetentionResult:
        """Remove the due cases and record it (one transaction), then delete the documents left unused.

        :raises InvalidInput: the schedule file is malformed, or ``as_of`` lies after today (a case
            would go before its period ends)
        """
        today = self.today()
        if as_of is not None and as_of > today:
            raise InvalidInput(f"--as-of {as_of.isoformat()} lies after today ({today.isoformat()}): cases would "
                               "be removed before their retention period ends", as_of=as_of.isoformat())
        schedule = self.schedule()
        began, wall_began = self._clock(), wall_clock.time()
        with UnitOfWork.begin(self._sessions) as work:
            plan = _plan(work.session, schedule, as_of or today)
            if not plan.cases:
                return RetentionResult(plan, None)
            ids = [case.instance_id for case in plan.cases]
            _remove_rows(work.connection, ids)
            work.record(SYSTEM_CHAIN, RETENTION_EVENT, actor=actor, at=began, payload=_payload(plan))
        with self._sessions() as session:
            event_id = session.scalar(select(func.max(AuditEvent.id)).where(
                AuditEvent.chain == SYSTEM_CHAIN, AuditEvent.event_type == RETENTION_EVENT))
            referenced = _referenced(session, set())
        deleted, size, left = self._delete_files(plan.removed_documents, referenced, wall_began)
        return RetentionResult(plan, event_id, deleted, size, left)

    def _delete_files(self, candidates: dict[str, int], referenced: set[str], began: float
                      ) -> tuple[int, int, list[str]]:
        root = Path(self._settings.attachments_dir)
        deleted, size, left = 0, 0, []
        for sha in sorted(candidates):
            path = root / sha[:2] / sha
            if sha in referenced:
                left.append(sha)
                continue
            try:
                stat = path.stat()
            except FileNotFoundError:
                continue
            if stat.st_mtime >= began - UPLOAD_GRACE_SECONDS:
                left.append(sha)  # written lately: perhaps a new upload of the same content, its row not yet in
                continue
            path.unlink(missing_ok=True)
            deleted, size = deleted + 1, size + stat.st_size
        return deleted, size, left


def _plan(session: Session, schedule: RetentionSchedule, as_of: date) -> RetentionPlan:
    names = dict(session.execute(select(ProcessDefinition.process_key, ProcessDefinition.name)
                                 .order_by(ProcessDefinition.process_key, ProcessDefinition.version)).tuples().all())
    ended = dict(session.execute(select(ProcessInstance.process_key, func.count())
                                 .where(ProcessInstance.status.in_(ENDED))
                                 .group_by(ProcessInstance.process_key)).tuples().all())
    newest = session.scalar(select(func.max(ProcessInstance.id)))
    sops, held = [], None
    for key in sorted(set(names) | set(ended)):
        period = schedule.periods.get(key)
        due = _due_cases(session, period, as_of) if period is not None else []
        # SQLite gives a new row the highest id plus one: removing the newest case would hand its number, and
        # its audit chain, to the next case. It waits until a newer case exists.
        held = next((case.instance_id for case in due if case.instance_id == newest), held)
        due = [case for case in due if case.instance_id != newest]
        sops.append(SopPlan(key, names.get(key, key), period, ended.get(key, 0), due))
    unknown = sorted(set(schedule.periods) - set(names) - set(ended))
    removing = {case.instance_id for sop in sops for case in sop.cases}
    documents = {sha: size for sop in sops for case in sop.cases for sha, size in case.documents.items()}
    referenced = _referenced(session, removing) if documents else set()
    return RetentionPlan(as_of, schedule.source, schedule.exists, sops, unknown, held,
                         {sha: size for sha, size in documents.items() if sha not in referenced},
                         sorted(sha for sha in documents if sha in referenced))


def _due_cases(session: Session, period: RetentionPeriod, as_of: date) -> list[DueCase]:
    # Ended before the end of the latest day that can be due (a few days' slack for month ends); exact below.
    latest = as_of - (period.due_on(as_of) - as_of) + timedelta(days=4)
    bound = datetime.combine(latest + timedelta(days=1), time(), WITA)
    rows = session.execute(select(ProcessInstance.id, ProcessInstance.business_key, ProcessInstance.status,
                                  ProcessInstance.ended_at, ProcessInstance.data_json)
                           .where(ProcessInstance.process_key == period.process_key,
                                  ProcessInstance.status.in_(ENDED), ProcessInstance.ended_at.is_not(None),
                                  ProcessInstance.ended_at < bound)
                           .order_by(ProcessInstance.ended_at, ProcessInstance.id)).all()
    due = [(row, row.ended_at.astimezone(WITA).date()) for row in rows]
    due = [(row, day) for row, day in due if period.due_on(day) <= as_of]
    documents = _documents_of(session, [(row.id, row.data_json) for row, _day in due])
    return [DueCase(row.id, period.process_key, row.business_key, row.status, row.ended_at, day,
                    documents.get(row.id, {})) for row, day in due]


def _documents_of(session: Session, cases: Sequence[tuple[int, str | None]]) -> dict[int, dict[str, int]]:
    """Per case, the documents it holds (upload rows, and any sha256 in its case or step data) and their sizes."""
    found: dict[int, set[str]] = {case_id: set(_SHA256.findall(data or "")) for case_id, data in cases}
    sizes: dict[str, int] = {}
    for chunk in _chunks([case_id for case_id, _data in cases]):
        for instance_id, data_json in session.execute(select(HumanTask.instance_id, HumanTask.data_json)
                                                      .where(HumanTask.instance_id.in_(chunk))):
            found[instance_id].update(_SHA256.findall(data_json or ""))
        for instance_id, sha, size in session.execute(select(DocumentUpload.instance_id, DocumentUpload.sha256,
                                                             DocumentUpload.size)
                                                      .where(DocumentUpload.instance_id.in_(chunk))):
            found[instance_id].add(sha)
            sizes[sha] = size
    wanted = sorted({sha for shas in found.values() for sha in shas} - set(sizes))
    for chunk in _chunks(wanted):
        for sha, size in session.execute(select(DocumentUpload.sha256, func.max(DocumentUpload.size))
                                         .where(DocumentUpload.sha256.in_(chunk)).group_by(DocumentUpload.sha256)):
            sizes[sha] = size
    return {case_id: {sha: sizes.get(sha, 0) for sha in shas if sha in sizes} for case_id, shas in found.items()}


def _referenced(session: Session, removing: set[int]) -> set[str]:
    """Every document the cases other than ``removing`` hold, drafts carry or uploads waiting for a step are."""
    found: set[str] = set()
    for instance_id, sha in session.execute(select(DocumentUpload.instance_id, DocumentUpload.sha256)):
        if instance_id not in removing:
            found.add(sha)
    sources: list[Iterable[Any]] = [
        session.execute(select(ProcessInstance.id, ProcessInstance.data_json)).yield_per(_CHUNK),
        session.execute(select(HumanTask.instance_id, HumanTask.data_json)
                        .where(HumanTask.data_json.is_not(None))).yield_per(_CHUNK),
        session.execute(select(HumanTask.instance_id, TaskDraft.data_json)
                        .join(HumanTask, HumanTask.id == TaskDraft.task_id)).yield_per(_CHUNK)]
    for rows in sources:
        for instance_id, data_json in rows:
            if instance_id not in removing:
                found.update(_SHA256.findall(data_json or ""))
    return found


def _remove_rows(connection: Connection, ids: Sequence[int]) -> None:
    """Every row of these cases, children first; the audit events and chain heads stay."""
    for chunk in _chunks(list(ids)):
        tasks = select(HumanTask.id).where(HumanTask.instance_id.in_(chunk)).scalar_subquery()
        connection.execute(delete(TaskDraft).where(TaskDraft.task_id.in_(tasks)))
        for table in (StepFigure, FlowFigure, CaseFigure, Incident, Notification, CaseTerm, DocumentUpload):
            connection.execute(delete(table).where(table.instance_id.in_(chunk)))
        # The occurrence stays (it keeps the routine from starting that case again), without its case.
        connection.execute(update(ScheduleOccurrence).where(ScheduleOccurrence.instance_id.in_(chunk))
                           .values(instance_id=None))
        connection.execute(delete(HumanTask).where(HumanTask.instance_id.in_(chunk)))
        connection.execute(delete(ProcessInstance).where(ProcessInstance.id.in_(chunk)))


def _payload(plan: RetentionPlan) -> dict[str, Any]:
    cases = [{"instance_id": case.instance_id, "business_key": case.business_key, "process_key": case.process_key,
              "status": case.status, "ended_at": case.ended_at.isoformat(), "documents": sorted(case.documents)}
             for case in plan.cases]
    sops = {sop.process_key: {"name": sop.name, "period": sop.period.text(), "years": sop.period.years,
                              "months": sop.period.months, "basis": sop.period.basis, "cases": len(sop.cases)}
            for sop in plan.sops if sop.cases and sop.period is not None}
    return {"as_of": plan.as_of.isoformat(), "schedule_file": plan.schedule_file.name, "removed_cases": cases,
            "retention": sops,
            "documents_deleted": sorted(plan.removed_documents), "documents_kept": plan.kept_documents}


def _chunks(values: list[Any]) -> Iterator[list[Any]]:
    for start in range(0, len(values), _CHUNK):
        yield values[start:start + _CHUNK]
