"""Escalating overdue tasks and cases: in-app notifications (and e-mail) to the people on them and
to their supervising roles, once.

Each task or case is escalated in its own transaction that sets its ``escalated_at``/``warned_at``,
writes the notifications and the audit event together. The flag is set with a conditional UPDATE
(``... WHERE escalated_at IS NULL``) that does not touch the row's version, so a user with the
form open is not told "someone changed this task", and a second worker that reaches the same row
updates nothing and backs off. ``Notification.dedup_key`` is unique, so even a replayed run cannot
notify anyone twice for the same event.
"""
from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from engine.worktime.moment_text import moment_text
from engine.modeling.definitions import DefinitionStore
from engine.worker.notifications import Recipient, active_user, add_notifications, users_holding, with_stand_ins
from engine.persistence.models import HumanTask, ProcessInstance, UserAccount, candidates_of
from engine.modeling.roles import RoleCatalog
from engine.runtime.unit_of_work import UnitOfWork
from engine.worker.work_items import MAX_ITEMS_PER_RUN, ItemHooks

from engine.permissions import SYSTEM_ACTOR
OPEN_STATES = ("ready", "claimed")
log = logging.getLogger(__name__)


class Escalation:
    def __init__(self, sessions: sessionmaker[Session], roles: RoleCatalog, definitions: DefinitionStore,
                 email: bool = False) -> None:
        self._sessions = sessions
        self._roles = roles
        self._definitions = definitions
        self._email = email  # put notifications in the e-mail outbox too

    def escalate_overdue(self, now: datetime, hooks: ItemHooks | None = None) -> int:
        """Escalate every open task past its due time and every case past its warning or limit.

        Returns how many tasks and cases were escalated by this call.
        """
        hooks = hooks or ItemHooks()
        done = 0
        for step in (self._escalate_next_task, self._escalate_next_case):
            while done < MAX_ITEMS_PER_RUN and not hooks.stop_requested():
                with UnitOfWork.begin(self._sessions) as work:
                    key = step(work, now)
                    if key is None:
                        break
                    hooks.item(work.connection, key)
                done += 1
        return done

    # -- tasks -----------------------------------------------------------------------------------

    def _escalate_next_task(self, work: UnitOfWork, now: datetime) -> str | None:
        session = work.session
        task = session.scalars(
            select(HumanTask).where(HumanTask.escalated_at.is_(None), HumanTask.due_at <= now,
                                    HumanTask.state.in_(OPEN_STATES))
            .order_by(HumanTask.due_at, HumanTask.id).limit(1).with_for_update(skip_locked=True)).first()
        if task is None:
            return None
        if not _claim(session, HumanTask, task.id, HumanTask.escalated_at, now):
            return f"task:{task.id}"
        holders = with_stand_ins(session, self._task_holders(session, task), now)
        supervisors = with_stand_ins(
            session, users_holding(session, self._roles, self._roles.supervisors_of(task.role)), now)
        case = _case_label(task.process_name, task.business_key, task.instance_id)
        due = _wita(task.due_at)
        notified = self._notify(session, holders, "task_overdue", task.instance_id, task.id, now,
                                f"Tugas melewati batas waktu: {task.name}",
                                f"{case}: tugas '{task.name}' seharusnya selesai {due}. Mohon segera diselesaikan.")
        handled_by = (f"ditangani oleh {_name_of(session, task.assignee)}" if task.state == "claimed" and task.assignee
                      else f"belum diambil siapa pun; tersedia bagi {self._roles.title(task.role)}")
        holding = {h.username for h in holders}
        notified += self._notify(session, [p for p in supervisors if p.username not in holding], "task_overdue",
                                 task.instance_id, task.id, now, f"Tugas tim melewati batas waktu: {task.name}",
                                 f"{case}: tugas '{task.name}' seharusnya selesai {due}; {handled_by}.")
        work.record_for_case(task.instance_id, "task_escalated", actor=SYSTEM_ACTOR, at=now,
                             payload={"task_id": task.id, "name": task.name, "role": task.role,
                                      "due_at": task.due_at.isoformat() if task.due_at else None,
                                      "notified": notified})
        return f"task:{task.id}"

    def _task_holders(self, session: Session, task: HumanTask) -> list[Recipient]:
        if task.state == "claimed" and task.assignee:
            person = active_user(session, task.assignee)
            return [person] if person else []
        holders = users_holding(session, self._roles, [task.role])
        named = candidates_of(task.candidate_users)  # the model named these people: only they may take it
        return [p for p in holders if p.username in named] if named else holders

    # -- cases -----------------------------------------------------------------------------------

    def _escalate_next_case(self, work: UnitOfWork, now: datetime) -> str | None:
        session = work.session
        breached = session.scalars(
            select(ProcessInstance).where(ProcessInstance.status == "running", ProcessInstance.escalated_at.is_(None),
                                          ProcessInstance.due_at <= now)
            .order_by(ProcessInstance.due_at, ProcessInstance.id).limit(1).with_for_update(skip_locked=True)).first()
        if breached is not None:
            if _claim(session, ProcessInstance, breached.id, ProcessInstance.escalated_at, now):
                # past the limit the warning is moot: mark it given without a second notice
                _claim(session, ProcessInstance, breached.id, ProcessInstance.warned_at, now)
                self._notify_case(work, breached, "case_overdue", now)
            return f"case:{breached.id}"
        warned = session.scalars(
            select(ProcessInstance).where(ProcessInstance.status == "running", ProcessInstance.warned_at.is_(None),
                                          ProcessInstance.warning_at <= now)
            .order_by(ProcessInstance.warning_at, ProcessInstance.id).limit(1)
            .with_for_update(skip_locked=True)).first()
        if warned is None:
            return None
        if _claim(session, ProcessInstance, warned.id, ProcessInstance.warned_at, now):
            self._notify_case(work, warned, "case_warning", now)
        return f"case:{warned.id}"

    def _notify_case(self, work: UnitOfWork, instance: ProcessInstance, kind: str, now: datetime) -> None:
        session = work.session
        _row, definition = self._definitions.get(session, instance.definition_id)
        case = _case_label(definition.name, instance.business_key, instance.id)
        open_tasks = list(session.scalars(select(HumanTask).where(
            HumanTask.instance_id == instance.id, HumanTask.state.in_(OPEN_STATES)).order_by(HumanTask.created_at)))
        people: dict[str, Recipient] = {}
        for task in open_tasks:
            people.update((p.username, p) for p in self._task_holders(session, task))
        roles = {task.role for task in open_tasks} or {role for _lane, _name, role in definition.lanes}
        supervising = set().union(*(self._roles.supervisors_of(r) for r in roles))
        people.update((p.username, p) for p in users_holding(session, self._roles, supervising))
        people.update((p.username, p) for p in with_stand_ins(session, list(people.values()), now))
        steps = ", ".join(t.name for t in open_tasks) or "-"
        if kind == "case_warning":
            title = f"Kasus mendekati batas waktu: {case}"
            body = (f"{case} sudah melewati waktu peringatan; batas waktu pelaksanaan {_wita(instance.due_at)}. "
                    f"Langkah yang sedang berjalan: {steps}.")
        else:
            title = f"Kasus melewati batas waktu: {case}"
            body = (f"{case} melewati batas waktu pelaksanaan {_wita(instance.due_at)}. "
                    f"Langkah yang sedang berjalan: {steps}.")
        notified = self._notify(session, list(people.values()), kind, instance.id, None, now, title, body)
        work.record_for_case(instance.id, "case_warned" if kind == "case_warning" else "case_escalated",
                             actor=SYSTEM_ACTOR, at=now,
                             payload={"warning_at": _iso(instance.warning_at), "due_at": _iso(instance.due_at),
                                      "notified": sorted(notified)})

    # -- shared ----------------------------------------------------------------------------------

    def _notify(self, session: Session, people: list[Recipient], kind: str, instance_id: int, task_id: str | None,
                now: datetime, title: str, body: str) -> list[str]:
        """Notify ``people``; the usernames notified (a notice stored already is not sent again)."""
        subject = task_id if task_id is not None else str(instance_id)
        added = add_notifications(session, people, kind=kind, title=title, body=body,
                                  dedup_key=lambda person: f"{kind}:{subject}:{person.username}", now=now,
                                  instance_id=instance_id, task_id=task_id, email=self._email)
        return [person.username for person in added]


def _claim(session: Session, model: Any, row_id: Any, column: Any, now: datetime) -> bool:
    """Set a not-yet-set flag column without bumping the row's version; False if already set."""
    table = model.__table__
    result = session.execute(update(table).where(table.c.id == row_id, table.c[column.key].is_(None))
                             .values({column.key: now}))
    return bool(getattr(result, "rowcount", 0))


def _case_label(process_name: str, business_key: str | None, instance_id: int) -> str:
    return f"{process_name} {business_key or f'#{instance_id}'}"


def _wita(moment: datetime | None) -> str:
    return moment_text(moment) if moment else "-"


def _name_of(session: Session, username: str) -> str:
    """The person's full name, as notifications name people (the username when the account is gone)."""
    return session.scalar(select(UserAccount.full_name).where(UserAccount.username == username)) or username


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None
