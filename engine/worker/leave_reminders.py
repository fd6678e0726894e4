"""Reminding supervisors of a long leave without a stand-in: when a person's leave (cuti) spans
``LEAVE_NEEDS_MANDATE`` working days or more and no mandate (Plh/Plt) covers any of it, the holders of
the supervising roles of that person's roles (``roles.toml``; Admin Sistem when there are none) get
one bell notice, once per leave.

Each leave is its own transaction: ``reminded_at`` is set with a conditional UPDATE, and the
notification's ``dedup_key`` is unique, so two workers never remind twice. A leave already covered
is looked at again on the next run (the mandate may still be ended early) until it is over.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from engine.audit.chain import SYSTEM_CHAIN
from engine.worktime.moment_text import day_text
from engine.accounts.mandates import day_start
from engine.modeling.roles import RoleCatalog
from engine.permissions import ADMIN_ROLE, SYSTEM_ACTOR
from engine.persistence.models import Mandate, StaffLeave, UserAccount, UserRole
from engine.runtime.unit_of_work import UnitOfWork
from engine.worker.notifications import add_notifications, users_holding
from engine.worker.work_items import MAX_ITEMS_PER_RUN, ItemHooks
from engine.worktime.leave import LEAVE_NEEDS_MANDATE, working_days
from engine.worktime.overrides import CalendarProvider
from engine.worktime.work_calendar import WITA


class LeaveReminders:
    def __init__(self, sessions: sessionmaker[Session], roles: RoleCatalog, calendar: CalendarProvider,
                 email: bool = False) -> None:
        self._sessions = sessions
        self._roles = roles
        self._calendar = calendar
        self._email = email

    def remind(self, now: datetime, hooks: ItemHooks | None = None) -> int:
        """Remind about every long leave not over yet that no mandate covers; returns how many."""
        hooks = hooks or ItemHooks()
        today = now.astimezone(WITA).date()
        with self._sessions() as session:
            calendar = self._calendar(session)
            leaves = [(r.id, r.from_day, r.to_day) for r in session.execute(
                select(StaffLeave.id, StaffLeave.from_day, StaffLeave.to_day)
                .where(StaffLeave.reminded_at.is_(None), StaffLeave.to_day >= today)
                .order_by(StaffLeave.from_day, StaffLeave.id).limit(MAX_ITEMS_PER_RUN))]
        long_ones = [leave_id for leave_id, first, last in leaves
                     if (last - first).days + 1 >= LEAVE_NEEDS_MANDATE
                     and working_days(calendar, first, last) >= LEAVE_NEEDS_MANDATE]
        reminded = 0
        for leave_id in long_ones:
            if hooks.stop_requested():
                break
            with UnitOfWork.begin(self._sessions) as work:
                if self._remind_one(work, leave_id, now):
                    hooks.item(work.connection, f"leave:{leave_id}")
                    reminded += 1
        return reminded

    def _remind_one(self, work: UnitOfWork, leave_id: int, now: datetime) -> bool:
        session = work.session
        leave = session.get(StaffLeave, leave_id)
        if leave is None or leave.reminded_at is not None:
            return False
        starts, ends = day_start(leave.from_day), day_start(leave.to_day + timedelta(days=1))
        covered = session.scalar(select(Mandate.id).where(Mandate.absent == leave.username, Mandate.starts_at < ends,
                                                          Mandate.ends_at > starts).limit(1))
        if covered is not None:
            return False
        claimed = session.execute(update(StaffLeave).where(StaffLeave.id == leave_id, StaffLeave.reminded_at.is_(None))
                                  .values(reminded_at=now))
        if not getattr(claimed, "rowcount", 0):
            return False
        person = session.execute(select(UserAccount.id, UserAccount.full_name)
                                 .where(UserAccount.username == leave.username)).first()
        roles = (set(session.scalars(select(UserRole.role_key).where(UserRole.user_id == person.id)))
                 if person else set())
        supervising = set().union(*(self._roles.supervisors_of(role) for role in roles))
        recipients = [r for r in users_holding(session, self._roles, supervising or {ADMIN_ROLE})
                      if r.username != leave.username]
        days = working_days(self._calendar(work.connection), leave.from_day, leave.to_day)
        name = person.full_name if person else leave.username
        period = f"{day_text(leave.from_day)} s.d. {day_text(leave.to_day)}"
        notified = [recipient.username for recipient in add_notifications(
            session, recipients, kind="leave_without_mandate", title=f"Cuti {days} hari kerja tanpa Plh: {name}",
            body=(f"{name} ({leave.username}) cuti {period} ({days} hari kerja) dan belum ada Plh/Plt "
                  "yang ditunjuk. Tunjuk pelaksana harian di halaman Mandat."),
            dedup_key=lambda recipient: f"leave_without_mandate:{leave_id}:{recipient.username}", now=now,
            email=self._email)]
        work.record(SYSTEM_CHAIN, "leave_reminder_sent", actor=SYSTEM_ACTOR, at=now, payload={
            "leave_id": leave_id, "username": leave.username, "from": leave.from_day.isoformat(),
            "to": leave.to_day.isoformat(), "working_days": days, "notified": sorted(notified)})
        return True
