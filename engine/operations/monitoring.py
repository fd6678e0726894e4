"""What ``/metrics`` reports about the work itself, read at scrape time with a few cheap queries:
open and overdue tasks per SOP, how late the worker is (the oldest due timer or routine not yet
fired), the e-mail outbox, the last whole-log audit verification, and the age of the newest checkpoint."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session, sessionmaker

from engine.audit.verify import VERIFIED_FAILED, VERIFIED_OK
from engine.persistence.db import read_only_session
from engine.persistence.models import (AuditCheckpoint, HumanTask, Notification, ProcessDefinition, ProcessInstance,
                                       ProcessSchedule, WorkerCursor)
from engine.worktime.clock import Clock, utcnow

OPEN_STATES = ("ready", "claimed")


@dataclass(frozen=True)
class TaskCounts:
    open: int
    overdue: int


@dataclass(frozen=True)
class WorkState:
    at: datetime
    tasks: dict[str, TaskCounts]  # per process key
    oldest_due_at: datetime | None  # the oldest timer or routine occurrence due and not yet fired
    outbox: int  # e-mails owed
    verified_ok: bool | None  # the last whole-log verification; None: never run
    verified_at: datetime | None
    checkpoint_at: datetime | None  # the newest signed checkpoint

    @property
    def worker_lag_seconds(self) -> float:
        return max(0.0, (self.at - self.oldest_due_at).total_seconds()) if self.oldest_due_at else 0.0


class Monitoring:
    def __init__(self, sessions: sessionmaker[Session], clock: Clock = utcnow) -> None:
        self._sessions = sessions
        self._clock = clock

    def work_state(self) -> WorkState:
        now = self._clock()
        with read_only_session(self._sessions) as session:
            overdue = func.sum(case((HumanTask.due_at < now, 1), else_=0))
            tasks = {key: TaskCounts(0, 0) for key in session.scalars(  # every SOP, 0 when nothing is open
                select(ProcessDefinition.process_key).distinct())}
            tasks |= {key: TaskCounts(int(count), int(late or 0)) for key, count, late in session.execute(
                select(HumanTask.process_key, func.count(), overdue).where(HumanTask.state.in_(OPEN_STATES))
                .group_by(HumanTask.process_key))}
            timer = session.scalar(select(func.min(ProcessInstance.next_timer_at)).where(
                ProcessInstance.status == "running", ProcessInstance.next_timer_at <= now))
            routine = session.scalar(select(func.min(ProcessSchedule.next_run_at)).where(
                ProcessSchedule.enabled.is_(True), ProcessSchedule.next_run_at <= now))
            outbox = session.scalar(select(func.count()).select_from(Notification).where(
                Notification.email_next_at.is_not(None))) or 0
            verified = dict(session.execute(select(WorkerCursor.name, WorkerCursor.at).where(
                WorkerCursor.name.in_((VERIFIED_OK, VERIFIED_FAILED)))).tuples().all())
            checkpoint = session.scalar(select(AuditCheckpoint.created_at).order_by(AuditCheckpoint.id.desc()).limit(1))
        due = [moment for moment in (timer, routine) if moment is not None]
        last = max(verified, key=lambda name: verified[name]) if verified else None
        return WorkState(now, tasks, min(due) if due else None, outbox, None if last is None else last == VERIFIED_OK,
                         verified[last] if last else None, checkpoint)
