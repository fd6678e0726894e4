"""Announcing new work and finished requests (the bell, and e-mail as each person chose).

- A task that arrives for a role is announced to the role's holders; a task assigned to a person
  when it was created (by someone else's action) is announced to that person. A requester's own
  step and a task already taken or done by the time the worker looks are not announced.
- A case a requester started is announced to that requester when it is completed or cancelled;
  one a registrar registered for a requesting unit, to the unit's requester accounts. The completion
  carries the result the model names (``hasil_untuk_pemohon``, e.g. SOP-05's confirmed result).
- A step that asked for a notice (``beritahu_bila`` ticked, e.g. "Informasikan kepada Kepala Dinas?")
  is announced to the holders of the role the model names.

The completion of a task writes nothing for this (its statements are guarded, see
tests/engine/test_transaction.py): the worker reads the audit events written since its cursor
(``worker_cursor`` row ``announcements``) and announces them, each event in its own transaction.
It re-reads ``OVERLAP`` before the cursor, because a transaction that began earlier may commit
after a later one; ``Notification.dedup_key`` (per task or case, and user) makes every
announcement happen once however often an event is read.
"""
from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any, Iterable

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from engine.errors import Conflict
from engine.modeling.roles import RoleCatalog
from engine.persistence.models import (AuditEvent, HumanTask, ProcessDefinition, ProcessInstance, UserAccount,
                                      UserRole, WorkerCursor)
from engine.runtime.unit_of_work import UnitOfWork
from engine.worker.notifications import Recipient, active_user, add_notifications, users_holding, with_stand_ins
from engine.worker.work_items import MAX_ITEMS_PER_RUN, ItemHooks

CURSOR = "announcements"
OVERLAP = timedelta(minutes=2)
EVENTS = ("task_created", "instance_completed", "instance_cancelled", "step_notice")
OPEN_STATES = ("ready", "claimed")


class Announcements:
    def __init__(self, sessions: sessionmaker[Session], roles: RoleCatalog, email: bool = False) -> None:
        self._sessions = sessions
        self._roles = roles
        self._email = email  # put notifications in the e-mail outbox too (SMTP configured)

    def announce_new(self, now: datetime, hooks: ItemHooks | None = None) -> int:
        """Announce what the audit events since the cursor tell; returns how many events notified anyone."""
        hooks = hooks or ItemHooks()
        with self._sessions() as session:
            cursor = session.get(WorkerCursor, CURSOR)
            query = select(AuditEvent.id, AuditEvent.event_type, AuditEvent.instance_id, AuditEvent.actor,
                           AuditEvent.at, AuditEvent.payload_json).where(
                AuditEvent.event_type.in_(EVENTS), AuditEvent.at <= now)
            if cursor is not None:
                query = query.where(AuditEvent.at > cursor.at - OVERLAP)
            events = session.execute(query.order_by(AuditEvent.at, AuditEvent.id).limit(MAX_ITEMS_PER_RUN * 4)).all()
        announced = 0
        latest = cursor.at if cursor is not None else None
        for event in events:
            if hooks.stop_requested():
                break
            with UnitOfWork.begin(self._sessions) as work:
                payload = json.loads(event.payload_json)
                if event.event_type == "task_created":
                    notified = self._task_arrived(work.session, payload, event.actor, now)
                elif event.event_type == "step_notice":
                    notified = self._step_notice(work.session, event.instance_id, payload, event.actor, now)
                else:
                    notified = self._case_ended(work.session, event.instance_id, event.event_type, event.actor, now,
                                                payload)
                hooks.item(work.connection, f"announce:{event.id}")
            announced += int(notified > 0)
            latest = event.at if latest is None or event.at > latest else latest
        if latest is not None and (cursor is None or latest > cursor.at):
            self._move_cursor(latest)
        return announced

    # -- tasks -----------------------------------------------------------------------------------

    def _task_arrived(self, session: Session, payload: dict[str, Any], actor: str, now: datetime) -> int:
        task = session.get(HumanTask, payload.get("task_id"))
        if task is None or task.state not in OPEN_STATES:
            return 0
        assigned = payload.get("assignee")
        case = _label(task.process_name, task.business_key, task.instance_id)
        if assigned:
            if assigned == actor or task.assignee != assigned:
                return 0  # the starter's own first step, or it moved on since
            person = active_user(session, assigned)
            people = with_stand_ins(session, [person] if person is not None else [], now)
            title, body = (f"Tugas untuk Anda: {task.name}",
                           f"{case}: langkah '{task.name}' ditugaskan kepada Anda.")
        else:
            if task.state != "ready" or task.role in self._roles.external:
                return 0  # taken already; a requester's step is never a pool task
            holders = [p for p in users_holding(session, self._roles, [task.role]) if p.username != actor]
            people = [p for p in with_stand_ins(session, holders, now) if p.username != actor]
            title, body = (f"Tugas baru untuk {self._roles.title(task.role)}: {task.name}",
                           f"{case}: langkah '{task.name}' menunggu diambil oleh {self._roles.title(task.role)}.")
        kind = "task_assigned" if assigned else "task_arrived"
        return len(add_notifications(session, people, kind=kind, title=title, body=body, now=now,
                                     dedup_key=lambda p: f"task:{task.id}:{p.username}", instance_id=task.instance_id,
                                     task_id=task.id, email=self._email))

    def _step_notice(self, session: Session, instance_id: int | None, payload: dict[str, Any], actor: str,
                     now: datetime) -> int:
        case = session.get(ProcessInstance, instance_id) if instance_id is not None else None
        role = str(payload.get("role", ""))
        if case is None or role not in self._roles:
            return 0
        label = _label(_process_name(session, case), case.business_key, case.id)
        step = payload.get("name", "")
        people = [p for p in users_holding(session, self._roles, [role]) if p.username != actor]
        return len(add_notifications(session, people, kind="step_notice", title=f"Untuk diketahui: {label}",
                                     body=f"{label}: langkah '{step}' diselesaikan oleh {actor} dan diinformasikan "
                                          f"kepada {self._roles.title(role)}.",
                                     dedup_key=lambda p: f"step_notice:{payload.get('task_id')}:{p.username}",
                                     now=now, instance_id=case.id, task_id=payload.get("task_id"), email=self._email))

    # -- finished requests -----------------------------------------------------------------------

    def _case_ended(self, session: Session, instance_id: int | None, event_type: str, actor: str,
                    now: datetime, payload: dict[str, Any]) -> int:
        case = session.get(ProcessInstance, instance_id) if instance_id is not None else None
        if case is None:
            return 0
        people = {p.username: p for p in self._requesters(session, case) if p.username != actor}
        if not people:
            return 0
        label = _label(_process_name(session, case), case.business_key, case.id)
        if event_type == "instance_completed":
            result = payload.get("result") or {}
            told = "".join(f" {name.replace('_', ' ').capitalize()}: {value}." for name, value in result.items())
            kind, title, body = ("case_finished", f"Permohonan Anda selesai: {label}",
                                 f"{label} telah selesai.{told} Hasilnya dapat dilihat dan diunduh di Alur.")
        else:
            kind, title, body = ("case_cancelled", f"Permohonan Anda dibatalkan: {label}",
                                 f"{label} dibatalkan. Keterangan dapat ditanyakan kepada Bidang TIK.")
        return len(add_notifications(session, people.values(), kind=kind, title=title, body=body, now=now,
                                     dedup_key=lambda p: f"{kind}:{case.id}:{p.username}", instance_id=case.id,
                                     email=self._email))

    def _requesters(self, session: Session, case: ProcessInstance) -> list[Recipient]:
        return requester_accounts(session, self._roles.external, case.started_by, case.registered, case.opd_id)

    def _move_cursor(self, at: datetime) -> None:
        try:
            with UnitOfWork.begin(self._sessions) as work:
                cursor = work.session.get(WorkerCursor, CURSOR, with_for_update=True)
                if cursor is None:
                    work.session.add(WorkerCursor(name=CURSOR, at=at))
                elif at > cursor.at:
                    cursor.at = at
        except (IntegrityError, Conflict):
            pass  # another worker made or moved it meanwhile; the overlap re-reads what is between


def requester_accounts(session: Session, external_roles: Iterable[str], started_by: str, registered: bool,
                       opd_id: int | None) -> list[Recipient]:
    """The requester who started a case, and the requester accounts of its unit when a registrar
    registered it for them."""
    external = sorted(external_roles)
    if not external:
        return []
    holders = select(UserRole.user_id).where(UserRole.role_key.in_(external))
    conditions = [UserAccount.username == started_by]
    if registered and opd_id is not None:
        conditions.append(UserAccount.opd_id == opd_id)
    names = session.scalars(select(UserAccount.username).where(
        UserAccount.active.is_(True), UserAccount.id.in_(holders), or_(*conditions))
        .order_by(UserAccount.username)).all()
    return [person for name in names if (person := active_user(session, name)) is not None]


def _process_name(session: Session, case: ProcessInstance) -> str:
    return session.scalar(select(ProcessDefinition.name).where(ProcessDefinition.id == case.definition_id)) or \
        case.process_key


def _label(process_name: str, business_key: str | None, instance_id: int) -> str:
    return f"{process_name} {business_key or f'#{instance_id}'}"
