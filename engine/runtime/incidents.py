"""Incidents: a step that fails inside the engine (a model deployed before the data-flow check, a bad
timer, an engine error) does not strand its case.

The failed step's transaction rolls back, so the case stays where it was, its task still open. Then,
in a transaction of its own, an incident keeps the input the person sent, says in words what failed
and where, notifies the process owners and Admin Sistem, and writes an audit event. Once the owner
fixed the model and migrated the case, a retry completes the step with the kept input, as that
person sent it.

A timer that fires and then fails (the worker) has no person's input: its incident (``task_id`` empty)
is opened at the first failure, counts the worker's later tries, and is resolved when the timer fires
after all (a retry, or the worker's next try once the case was migrated).
"""
from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from engine.accounts.users import roles_of
from engine.audit.chain import SYSTEM_CHAIN
from engine.errors import Conflict, ExecutionError, ExpressionTooCostly, ModelBoundExceeded, NotFound, PermissionDenied
from engine.modeling.messages import Text
from engine.modeling.roles import RoleCatalog
from engine.permissions import ADMIN_ROLE, OWNER_ROLE, SYSTEM_ACTOR, may_handle_incidents
from engine.persistence.models import Incident, ProcessInstance
from engine.runtime.unit_of_work import UnitOfWork
from engine.worker.notifications import add_notifications, users_holding


class StepOutcome(Protocol):
    """What a completed step reports (``engine.runtime.runner.StepResult``)."""

    @property
    def instance_id(self) -> int: ...

    @property
    def status(self) -> str: ...

    @property
    def ready_task_ids(self) -> list[str]: ...


class StepRetrier(Protocol):
    """The runner's retry (``Runner.retry_step``); named here so the runner may import this module."""

    def retry_step(self, task_id: str, incident_id: int, performer: str, data: dict[str, Any],
                   retried_by: str) -> StepOutcome: ...

    def retry_timer(self, instance_id: int, incident_id: int, retried_by: str) -> StepOutcome: ...

OPEN, RESOLVED = "open", "resolved"
TIMER_TASK = ""  # the task_id of a timer's incident: no person's step, no input


class StepFailed(ExecutionError):
    """A step could not be completed because the model failed; an incident keeps the input."""

    code = "step_failed"


class StartFailed(ExecutionError):
    """A case could not be started because its model failed at once (a model deployed before the data-flow
    check): nothing of the case is stored; the process owners and Admin Sistem are told, and an audit event
    says what failed (``report_start_failure``)."""

    code = "start_failed"


class StartBroke(Exception):
    """Inside the runner only: the engine failed while starting a case (the transaction rolls back)."""

    def __init__(self, process_key: str, process_name: str, actor: str, cause: BaseException) -> None:
        super().__init__(str(cause))
        self.process_key, self.process_name, self.actor, self.cause = process_key, process_name, actor, cause


class IncidentNotFound(NotFound):
    code = "incident_not_found"


class StepBroke(Exception):
    """Inside the runner only: the engine failed while completing a step (the transaction rolls back)."""

    def __init__(self, instance_id: int, process_key: str, task_id: str, element_id: str, step_name: str,
                 actor: str, data: dict[str, Any], cause: BaseException) -> None:
        super().__init__(str(cause))
        self.instance_id, self.process_key, self.task_id = instance_id, process_key, task_id
        self.element_id, self.step_name, self.actor, self.data = element_id, step_name, actor, data
        self.cause = cause

    @property
    def timer(self) -> bool:
        return self.task_id == TIMER_TASK


@dataclass(frozen=True)
class IncidentView:
    id: int
    instance_id: int
    process_key: str
    task_id: str
    element_id: str
    step_name: str
    failed_element: str
    message: Text
    detail: str
    actor: str
    input: dict[str, Any]
    status: str
    attempts: int
    opened_at: datetime
    failed_at: datetime
    resolved_at: datetime | None
    resolved_by: str | None

    def message_in(self, language: str) -> str:
        return self.message.render(language)

    @property
    def timer(self) -> bool:
        """A timer's incident (the worker's): no person's step, no input."""
        return self.task_id == TIMER_TASK


def describe(broke: StepBroke) -> tuple[Text, str, str]:
    """What failed, in words; the element where it failed; the engine's own text (for the details)."""
    return failure_words(broke.cause, broke.step_name, broke.element_id, timer=broke.timer)


def failure_words(cause: BaseException, step_name: str, element_id: str,
                  timer: bool = False, start: bool = False) -> tuple[Text, str, str]:
    """An engine failure while completing ``step_name`` in words (also for the trial run before deploy,
    ``engine.modeling.trial_run``), or while running on after the timer ``step_name`` fired (``timer``), or
    while starting a case of the SOP ``step_name`` (``start``); the element where it failed; the engine's
    own text."""
    kind = "incident.timer_" if timer else "incident.start_" if start else "incident."
    task = getattr(cause, "task", None)
    spec = task.task_spec if task is not None else getattr(cause, "task_spec", None)
    failed = str(getattr(spec, "bpmn_id", None) or getattr(spec, "name", "") or element_id)
    where = str(getattr(spec, "bpmn_name", None) or failed)
    notes = getattr(cause, "__notes__", None) or []
    detail = "\n".join([f"{type(cause).__name__}: {cause}", *map(str, notes)])
    inner = next((e for e in _chain(cause) if isinstance(e, ExecutionError)), None)
    if isinstance(inner, ModelBoundExceeded):
        text = Text.of(f"{kind}bound", step=step_name, why=inner.text)
        detail = f"{detail}\n{inner.message}"
    elif inner is not None and inner.context.get("expression"):
        # simpleeval names the missing field (NameNotDefined.name)
        missing = next((e for e in _chain(inner) if type(e).__name__ == "NameNotDefined"), None)
        reason = (Text.of("reason.missing_field", field=str(getattr(missing, "name", "?")))
                  if missing is not None else
                  Text.of("reason.too_costly") if isinstance(inner, ExpressionTooCostly) else Text.of("reason.other"))
        text = Text.of(f"{kind}expression", step=step_name, expression=str(inner.context["expression"]),
                       element=where, reason=reason)
        detail = f"{detail}\n{inner.message}"
    else:
        text = Text.of(f"{kind}engine", step=step_name, element=where)
    return text, failed, detail


def _chain(error: BaseException) -> Iterator[BaseException]:
    """``error`` and the exceptions it was raised from, outermost first."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def open_incident(sessions: sessionmaker[Session], roles: RoleCatalog, broke: StepBroke,
                  now: datetime) -> StepFailed:
    """Record the incident, notify, audit (one transaction); the error to show the person who sent it."""
    with UnitOfWork.begin(sessions) as work:
        incident_id = _open(work, roles, broke, now)
    return StepFailed(f"Langkah '{broke.step_name}' belum dapat diselesaikan karena kesalahan pada model SOP. "
                      f"Isian Anda sudah disimpan; pemilik proses dan Admin Sistem sudah diberi tahu dan akan "
                      f"melanjutkan langkah ini (insiden #{incident_id}).", incident_id=incident_id,
                      instance_id=broke.instance_id, task_id=broke.task_id)


def report_start_failure(sessions: sessionmaker[Session], roles: RoleCatalog, broke: StartBroke,
                         now: datetime) -> StartFailed:
    """A start that failed in the engine: an audit event on the system chain and, once a day per SOP and
    element, a notice to the process owners and Admin Sistem (one transaction); the error for the starter.
    No incident: there is no case to keep or to retry, the starter starts again once the model is fixed."""
    text, failed, detail = failure_words(broke.cause, broke.process_name, "", start=True)
    with UnitOfWork.begin(sessions) as work:
        work.record(SYSTEM_CHAIN, "start_failed", actor=broke.actor, at=now, payload={
            "process_key": broke.process_key, "failed_element": failed, "message": text.render("id"),
            "detail": detail})
        add_notifications(work.connection, users_holding(work.connection, roles, [OWNER_ROLE, ADMIN_ROLE]),
                          kind="start_failed", title=f"Kasus '{broke.process_name}' gagal dimulai",
                          body=text.render("id"), now=now,
                          dedup_key=lambda recipient: f"start_failed:{broke.process_key}:{failed}:"
                                                      f"{now.date().isoformat()}:{recipient.username}")
    return StartFailed(f"{text.render('id')} Pemilik proses dan Admin Sistem sudah diberi tahu; coba lagi setelah "
                       "model SOP diperbaiki.", process_key=broke.process_key, failed_element=failed,
                       words=text.record())


def fail_again(sessions: sessionmaker[Session], incident_id: int, broke: StepBroke, by: str,
               now: datetime) -> StepFailed:
    """A retry failed too: the incident stays open with the new error (and an audit event says so)."""
    text, failed, detail = describe(broke)
    with UnitOfWork.begin(sessions) as work:
        work.session.execute(update(Incident).where(Incident.id == incident_id).values(
            attempts=Incident.attempts + 1, failed_at=now, failed_element=failed[:100], detail=detail,
            message_json=json.dumps(text.record(), ensure_ascii=False)))
        work.record_for_case(broke.instance_id, "incident_retry_failed", actor=by, at=now, payload={
            "incident_id": incident_id, "failed_element": failed, "message": text.render("id"), "detail": detail})
    return StepFailed(f"Percobaan ulang insiden #{incident_id} gagal: {text.render('id')}",
                      incident_id=incident_id, instance_id=broke.instance_id, task_id=broke.task_id,
                      words=text.record())


def resolve_incident(work: UnitOfWork, incident_id: int, instance_id: int, by: str, now: datetime,
                     timer: bool = False) -> None:
    """Close the incident in the retry's transaction (it commits only if the step completes; ``timer``:
    the incident of a timer, which fired)."""
    changed = work.session.execute(update(Incident).where(Incident.id == incident_id, Incident.status == OPEN)
                                   .values(status=RESOLVED, resolved_at=now, resolved_by=by))
    if getattr(changed, "rowcount", 0) != 1:
        raise Conflict(f"Insiden #{incident_id} sudah diselesaikan", incident_id=incident_id)
    work.record_for_case(instance_id, "incident_resolved", actor=by, at=now,
                         payload={"incident_id": incident_id, **({"timer": True} if timer else {})})


def timer_broke(work: UnitOfWork, instance_id: int, error: BaseException) -> StepBroke:
    """A failure after a timer fired (``Runner._wake`` names the due timers in the error's context)."""
    case = work.session.get(ProcessInstance, instance_id)
    timers = getattr(error, "context", {}).get("timers") or [("", "")]
    element_id, name = timers[0]
    return StepBroke(instance_id, case.process_key if case is not None else "", TIMER_TASK, element_id,
                     name or element_id, SYSTEM_ACTOR, {}, error.__cause__ or error)


def note_timer_failure(work: UnitOfWork, roles: RoleCatalog, instance_id: int, error: BaseException,
                       now: datetime) -> int:
    """In the worker's transaction: the case's open timer incident counts one more failure, or (the
    first time) an incident is opened, audited, and the process owners and Admin Sistem are told."""
    broke = timer_broke(work, instance_id, error)
    open_row = work.session.scalar(select(Incident).where(
        Incident.instance_id == instance_id, Incident.task_id == TIMER_TASK, Incident.status == OPEN))
    if open_row is None:
        return _open(work, roles, broke, now)
    text, failed, detail = describe(broke)
    open_row.attempts += 1
    open_row.failed_at, open_row.failed_element, open_row.detail = now, failed[:100], detail
    open_row.message_json = json.dumps(text.record(), ensure_ascii=False)
    return open_row.id


def _open(work: UnitOfWork, roles: RoleCatalog, broke: StepBroke, now: datetime) -> int:
    """The incident of ``broke`` (a step's, with the input kept, or a timer's), its ``incident_opened``
    event and a notice to the process owners and Admin Sistem, in ``work``; its id."""
    text, failed, detail = describe(broke)
    row = Incident(instance_id=broke.instance_id, process_key=broke.process_key, task_id=broke.task_id,
                   element_id=broke.element_id[:100], step_name=broke.step_name[:300], failed_element=failed[:100],
                   message_json=json.dumps(text.record(), ensure_ascii=False), detail=detail, actor=broke.actor,
                   input_json=json.dumps(broke.data, ensure_ascii=False, default=str), status=OPEN, attempts=1,
                   opened_at=now, failed_at=now)
    work.session.add(row)
    work.session.flush()
    work.record_for_case(broke.instance_id, "incident_opened", actor=broke.actor, at=now, payload={
        "incident_id": row.id, "task_id": broke.task_id, "element_id": broke.element_id, "failed_element": failed,
        "message": text.render("id"), "detail": detail})
    what = f"pewaktu '{broke.step_name}'" if broke.timer else f"langkah '{broke.step_name}'"
    add_notifications(work.session, users_holding(work.session, roles, [OWNER_ROLE, ADMIN_ROLE]),
                      kind="incident_opened", title=f"Insiden kasus #{broke.instance_id}: {what} gagal",
                      body=text.render("id"), dedup_key=lambda recipient: f"incident:{row.id}:{recipient.username}",
                      now=now, instance_id=broke.instance_id, task_id=broke.task_id or None)
    return row.id


def resolve_timer_incidents(work: UnitOfWork, instance_id: int, by: str, now: datetime) -> None:
    """The case's timers fired after all (in ``work``): its open timer incident is resolved."""
    ids = list(work.session.scalars(select(Incident.id).where(
        Incident.instance_id == instance_id, Incident.task_id == TIMER_TASK, Incident.status == OPEN)))
    for incident_id in ids:
        resolve_incident(work, incident_id, instance_id, by, now, timer=True)


class Incidents:
    """The incident list and "Coba lagi" (retry), for process owners and Admin Sistem."""

    def __init__(self, sessions: sessionmaker[Session], runner: StepRetrier) -> None:
        self._sessions = sessions
        self._runner = runner

    def list_incidents(self, status: str | None = OPEN, process_key: str | None = None) -> list[IncidentView]:
        """Incidents, by SOP then oldest first (``status`` None: all)."""
        query = select(Incident).order_by(Incident.process_key, Incident.opened_at, Incident.id)
        if status is not None:
            query = query.where(Incident.status == status)
        if process_key is not None:
            query = query.where(Incident.process_key == process_key)
        with self._sessions() as session:
            return [_view(row) for row in session.scalars(query)]

    def open_for_case(self, instance_id: int) -> list[IncidentView]:
        """The case's open incidents (the case page marks the case with them)."""
        with self._sessions() as session:
            return [_view(row) for row in session.scalars(select(Incident).where(
                Incident.instance_id == instance_id, Incident.status == OPEN).order_by(Incident.id))]

    def get(self, incident_id: int) -> IncidentView:
        with self._sessions() as session:
            row = session.get(Incident, incident_id)
            if row is None:
                raise IncidentNotFound(f"Insiden #{incident_id} tidak ditemukan", incident_id=incident_id)
            return _view(row)

    def retry(self, incident_id: int, actor: str) -> StepOutcome:
        """Complete the incident's step with the kept input, as its sender sent it.

        :raises PermissionDenied: the actor is neither a process owner nor Admin Sistem
        :raises Conflict: the incident is resolved already
        :raises StepFailed: the step failed again (the incident stays open)
        """
        with self._sessions() as session:
            if not may_handle_incidents(roles_of(session, actor)):
                raise PermissionDenied("Hanya Pemilik Proses atau Admin Sistem yang dapat mencoba ulang insiden",
                                       incident_id=incident_id)
        incident = self.get(incident_id)
        if incident.status != OPEN:
            raise Conflict(f"Insiden #{incident_id} sudah diselesaikan", incident_id=incident_id)
        if incident.task_id == TIMER_TASK:
            return self._runner.retry_timer(incident.instance_id, incident.id, actor)
        return self._runner.retry_step(incident.task_id, incident.id, incident.actor, incident.input, actor)


def _view(row: Incident) -> IncidentView:
    return IncidentView(row.id, row.instance_id, row.process_key, row.task_id, row.element_id, row.step_name,
                        row.failed_element, Text.from_record(json.loads(row.message_json)), row.detail, row.actor,
                        json.loads(row.input_json), row.status, row.attempts, row.opened_at, row.failed_at,
                        row.resolved_at, row.resolved_by)

