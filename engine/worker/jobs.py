"""The worker's use cases: fire due BPMN timers, start routine cases, escalate overdue work, close
mandates past their last day and remind supervisors of long leaves nobody stands in for, announce
new tasks and finished requests, write the daily e-mail digests.

Every item (one instance, one routine occurrence, one task or case) is its own transaction with
its audit events, so a worker that dies loses at most the item in hand, which the next run redoes.
Exactly once, with any number of workers on one database:

- timers: the instance row is locked with ``FOR UPDATE SKIP LOCKED`` while its timers fire, and
  re-checked as due under that lock (PostgreSQL; SQLite runs one writer at a time anyway);
- routines: the schedule row is locked the same way, and ``schedule_occurrence`` is unique per
  (process, due time) and written in the same transaction as the case it starts;
- escalations: see ``engine.worker.escalation``;
- announcements: a cursor over the audit events and one notification per task (or case) and user,
  see ``engine.worker.announcements``; digests: one per person and day, ``engine.worker.digest``.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from engine.audit.chain import SYSTEM_CHAIN
from engine.worktime.work_calendar import WITA
from engine.errors import Conflict, EngineError
from engine.worker.announcements import Announcements
from engine.worker.digest import Digests
from engine.worker.escalation import Escalation
from engine.accounts.mandates import MandateService
from engine.persistence.models import HumanTask, Mandate, ProcessInstance, ProcessSchedule, ScheduleOccurrence
from engine.modeling.schedules import MAX_CATCH_UP, Cycle, parse_cycle
from engine.permissions import SYSTEM_ACTOR
from engine.runtime.drafts import Drafts
from engine.runtime.incidents import resolve_timer_incidents
from engine.runtime.runner import Runner
from engine.runtime.unit_of_work import UnitOfWork
from engine.worker.leave_reminders import LeaveReminders
from engine.worker.work_items import MAX_ITEMS_PER_RUN, ItemHooks

# A timer or routine whose model fails at run time is retried after this long, not in a hot loop.
RETRY_FAILED_AFTER = timedelta(minutes=5)
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RunReport:
    timers: int = 0
    routines: int = 0
    escalations: int = 0
    emails: int = 0
    failures: int = 0
    mandates_closed: int = 0  # stand-ins (Plh/Plt) past their last day, processed
    leave_reminders: int = 0  # long leaves without a stand-in, supervisors reminded
    announcements: int = 0
    digests: int = 0

    @property
    def total(self) -> int:
        return (self.timers + self.routines + self.escalations + self.emails + self.mandates_closed
                + self.leave_reminders + self.announcements + self.digests)

    def __add__(self, other: "RunReport") -> "RunReport":
        return RunReport(self.timers + other.timers, self.routines + other.routines,
                         self.escalations + other.escalations, self.emails + other.emails,
                         self.failures + other.failures, self.mandates_closed + other.mandates_closed,
                         self.leave_reminders + other.leave_reminders, self.announcements + other.announcements,
                         self.digests + other.digests)


class _Taken(Exception):
    """The occurrence was started by another worker meanwhile; roll back and move on."""


class Scheduling:
    def __init__(self, sessions: sessionmaker[Session], runner: Runner, escalation: Escalation,
                 drafts: Drafts | None = None, mandates: MandateService | None = None,
                 leave_reminders: LeaveReminders | None = None, announcements: Announcements | None = None,
                 digests: Digests | None = None) -> None:
        self._sessions = sessions
        self._runner = runner
        self._escalation = escalation
        self._drafts = drafts
        self._mandates = mandates
        self._leave_reminders = leave_reminders
        self._announcements = announcements
        self._digests = digests
        self.failures = 0  # items that failed since start (logged; visible to the worker)

    # -- timers ----------------------------------------------------------------------------------

    def fire_due_timers(self, now: datetime, hooks: ItemHooks | None = None) -> int:
        """Wake every running instance whose BPMN timer is due at ``now``; returns how many fired."""
        hooks = hooks or ItemHooks()
        with self._sessions() as session:
            candidates = list(session.scalars(
                select(ProcessInstance.id).where(ProcessInstance.status == "running",
                                                 ProcessInstance.next_timer_at <= now)
                .order_by(ProcessInstance.next_timer_at, ProcessInstance.id).limit(MAX_ITEMS_PER_RUN)))
        fired = 0
        for instance_id in candidates:
            if hooks.stop_requested():
                break
            try:
                woke = self._runner.wake_if_due(instance_id, now, within=partial(self._timer_done, hooks, now))
            except Conflict as exc:  # a user moved the case meanwhile: the next run looks again
                log.info("timer of instance %s deferred: %s", instance_id, exc.message)
                continue
            except EngineError as exc:
                self._timer_failed(instance_id, now, exc)
                continue
            fired += int(woke)
        return fired

    @staticmethod
    def _timer_done(hooks: ItemHooks, now: datetime, work: UnitOfWork, instance_id: int) -> None:
        hooks.item(work.connection, f"timer:{instance_id}")
        resolve_timer_incidents(work, instance_id, SYSTEM_ACTOR, now)  # it failed before; fired now

    def _timer_failed(self, instance_id: int, now: datetime, exc: EngineError) -> None:
        log.error("timer of instance %s failed: %s", instance_id, exc.message)
        self.failures += 1
        with UnitOfWork.begin(self._sessions) as work:
            work.connection.execute(update(ProcessInstance).where(ProcessInstance.id == instance_id,
                                                                  ProcessInstance.next_timer_at <= now)
                                    .values(next_timer_at=now + RETRY_FAILED_AFTER))
            incident_id = self._runner.record_timer_failure(work, instance_id, exc, now)
            work.record_for_case(instance_id, "timer_failed", actor=SYSTEM_ACTOR, at=now,
                                 payload={"error": exc.code, "message": exc.message, "incident_id": incident_id,
                                          "retry_at": (now + RETRY_FAILED_AFTER).isoformat()})

    # -- routines --------------------------------------------------------------------------------

    def start_due_routines(self, now: datetime, hooks: ItemHooks | None = None) -> int:
        """Start the cases of every routine occurrence due at ``now``; returns how many started."""
        hooks = hooks or ItemHooks()
        with self._sessions() as session:
            keys = list(session.scalars(
                select(ProcessSchedule.process_key).where(ProcessSchedule.enabled.is_(True),
                                                          ProcessSchedule.next_run_at <= now)
                .order_by(ProcessSchedule.next_run_at)))
        started = 0
        for key in keys:
            while started < MAX_ITEMS_PER_RUN and not hooks.stop_requested():
                if not self._start_next_occurrence(key, now, hooks):
                    break
                started += 1
        return started

    def _start_next_occurrence(self, process_key: str, now: datetime, hooks: ItemHooks) -> bool:
        with self._sessions() as session:
            schedule = session.get(ProcessSchedule, process_key)
            plan = _plan(schedule, now) if schedule is not None and schedule.enabled else None
        if plan is None:
            self._settle(process_key, now)
            return False
        scheduled_for = plan.due_at(plan.target)
        label = scheduled_for.astimezone(WITA)

        def link(work: UnitOfWork, instance_id: int) -> None:
            self._record_occurrence(work, plan, instance_id, now)
            hooks.item(work.connection, f"routine:{process_key}@{scheduled_for.isoformat()}")

        try:
            self._runner.start_case(
                process_key, SYSTEM_ACTOR, business_key=f"RUTIN-{label:%Y%m%d-%H%M}",
                data={"jadwal_rutin": scheduled_for.isoformat()}, within=link)
        except (_Taken, IntegrityError, Conflict):
            return False  # another worker has this occurrence
        except EngineError as exc:
            self._routine_failed(process_key, now, exc)
            return False
        return True

    def _record_occurrence(self, work: UnitOfWork, plan: "_Plan", instance_id: int, now: datetime) -> None:
        session = work.session
        schedule = session.scalars(
            select(ProcessSchedule).where(ProcessSchedule.process_key == plan.process_key,
                                          ProcessSchedule.enabled.is_(True),
                                          ProcessSchedule.next_seq == plan.next_seq,
                                          ProcessSchedule.cycle == plan.cycle_text)
            .with_for_update(skip_locked=True)).first()
        if schedule is None:
            raise _Taken()
        skipped = [plan.due_at(k) for k in range(plan.next_seq, plan.target)]
        session.add_all(ScheduleOccurrence(process_key=plan.process_key, scheduled_for=at, instance_id=None,
                                           created_at=now) for at in skipped)
        scheduled_for = plan.due_at(plan.target)
        session.add(ScheduleOccurrence(process_key=plan.process_key, scheduled_for=scheduled_for,
                                       instance_id=instance_id, created_at=now))
        schedule.next_seq = plan.target + 1
        schedule.next_run_at = plan.due_at(plan.target + 1)
        schedule.enabled = not plan.cycle.finished(plan.target + 1)
        session.flush()  # the unique occurrence key fails here if another worker got there first
        if skipped:
            work.record(SYSTEM_CHAIN, "routine_skipped", actor=SYSTEM_ACTOR, at=now,
                        payload={"process_key": plan.process_key, "catch_up": plan.catch_up,
                                 "skipped": [at.isoformat() for at in skipped]})
        # On the system chain: the case's own chain opens with instance_started (recorded by the runner).
        work.record(SYSTEM_CHAIN, "routine_started", actor=SYSTEM_ACTOR, at=now, instance_id=instance_id,
                    payload={"process_key": plan.process_key, "cycle": plan.cycle_text, "instance_id": instance_id,
                             "scheduled_for": scheduled_for.isoformat(), "occurrence": plan.target})

    def _settle(self, process_key: str, now: datetime) -> None:
        """Move a schedule whose ``next_run_at`` passed without a due occurrence to its real next one."""
        with UnitOfWork.begin(self._sessions) as work:
            schedule = work.session.scalars(select(ProcessSchedule).where(ProcessSchedule.process_key == process_key)
                                            .with_for_update(skip_locked=True)).first()
            if schedule is None or schedule.next_run_at > now or not schedule.enabled:
                return
            cycle = parse_cycle(schedule.cycle)
            schedule.enabled = not cycle.finished(schedule.next_seq)
            schedule.next_run_at = max(cycle.occurrence(schedule.anchor_at, schedule.next_seq),
                                       now + timedelta(seconds=1))

    def _routine_failed(self, process_key: str, now: datetime, exc: EngineError) -> None:
        log.error("routine case of %s could not start: %s", process_key, exc.message)
        self.failures += 1
        with UnitOfWork.begin(self._sessions) as work:
            work.session.execute(update(ProcessSchedule).where(ProcessSchedule.process_key == process_key)
                                 .values(next_run_at=now + RETRY_FAILED_AFTER))
            work.record(SYSTEM_CHAIN, "routine_start_failed", actor=SYSTEM_ACTOR, at=now,
                        payload={"process_key": process_key, "error": exc.code, "message": exc.message,
                                 "retry_at": (now + RETRY_FAILED_AFTER).isoformat()})

    # -- escalation and the next wake-up ---------------------------------------------------------

    def escalate_overdue(self, now: datetime, hooks: ItemHooks | None = None) -> int:
        """Notify about overdue tasks and cases (see ``engine.worker.escalation``); returns how many."""
        return self._escalation.escalate_overdue(now, hooks)

    # -- stand-ins and leave ---------------------------------------------------------------------

    def close_expired_mandates(self, now: datetime) -> int:
        """Process the mandates (Plh/Plt) past their last day: see ``engine.accounts.mandates``."""
        return self._mandates.close_expired(now) if self._mandates is not None else 0

    def remind_leaves_without_mandate(self, now: datetime, hooks: ItemHooks | None = None) -> int:
        """Remind supervisors, once per leave, of a long leave nobody stands in for (see
        ``engine.worker.leave_reminders``)."""
        return self._leave_reminders.remind(now, hooks) if self._leave_reminders is not None else 0

    def announce_new(self, now: datetime, hooks: ItemHooks | None = None) -> int:
        """Announce tasks that arrived and requests that ended (``engine.worker.announcements``)."""
        return self._announcements.announce_new(now, hooks) if self._announcements is not None else 0

    def compose_digests(self, now: datetime, hooks: ItemHooks | None = None) -> int:
        """Write the daily digests that are due (``engine.worker.digest``)."""
        return self._digests.compose_due(now, hooks) if self._digests is not None else 0

    def run_due(self, now: datetime, hooks: ItemHooks | None = None) -> RunReport:
        """Run the use cases in turn (timers first: a fired timer may open new work, which is then
        announced; the digests last, with what was announced), then remove the drafts of closed
        tasks that are no longer kept (``engine.runtime.drafts``)."""
        before = self.failures
        timers = self.fire_due_timers(now, hooks)
        routines = self.start_due_routines(now, hooks)
        escalations = self.escalate_overdue(now, hooks)
        mandates_closed = self.close_expired_mandates(now)
        leave_reminders = self.remind_leaves_without_mandate(now, hooks)
        announcements = self.announce_new(now, hooks)
        digests = self.compose_digests(now, hooks)
        if self._drafts is not None:
            self._drafts.purge(now)  # housekeeping, not work: not counted in the report
        return RunReport(timers=timers, routines=routines, escalations=escalations,
                         failures=self.failures - before, mandates_closed=mandates_closed,
                         leave_reminders=leave_reminders, announcements=announcements, digests=digests)

    def next_wakeup(self) -> datetime | None:
        """The earliest moment something becomes due: a BPMN timer, a task or case deadline not yet
        escalated, a case warning not yet given, a routine occurrence, or the end of a mandate. None when
        nothing waits."""
        instances = ProcessInstance.__table__.c
        running = instances.status == "running"
        queries: list[Any] = [
            select(func.min(instances.next_timer_at)).where(running),
            select(func.min(instances.warning_at)).where(running, instances.warned_at.is_(None)),
            select(func.min(instances.due_at)).where(running, instances.escalated_at.is_(None)),
            select(func.min(HumanTask.due_at)).where(HumanTask.escalated_at.is_(None),
                                                     HumanTask.state.in_(("ready", "claimed"))),
            select(func.min(ProcessSchedule.next_run_at)).where(ProcessSchedule.enabled.is_(True)),
            select(func.min(Mandate.ends_at)).where(Mandate.closed_at.is_(None)),
        ]
        with self._sessions() as session:
            moments = [session.scalar(query) for query in queries]
        present = [m for m in moments if m is not None]
        return min(present) if present else None


@dataclass(frozen=True)
class _Plan:
    """Which occurrence of a schedule to start now, and which ones to record as skipped."""

    process_key: str
    cycle_text: str
    cycle: Cycle
    anchor: datetime
    next_seq: int
    target: int
    catch_up: str

    def due_at(self, k: int) -> datetime:
        return self.cycle.occurrence(self.anchor, k)


def _plan(schedule: ProcessSchedule, now: datetime) -> _Plan | None:
    cycle = parse_cycle(schedule.cycle)
    first = schedule.next_seq
    if cycle.finished(first) or cycle.occurrence(schedule.anchor_at, first) > now:
        return None
    end = cycle.first_at_or_after(schedule.anchor_at, now + timedelta(microseconds=1))  # first one not yet due
    if cycle.repetitions is not None:
        end = min(end, cycle.repetitions)
    target = end - 1 if schedule.catch_up == "latest" else max(first, end - MAX_CATCH_UP)
    return _Plan(schedule.process_key, schedule.cycle, cycle, schedule.anchor_at, first, target, schedule.catch_up)
