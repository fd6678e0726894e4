"""Per-person leave (cuti), kept by the Admin Sistem: the office calendar says when the office works,
these entries say when one person is away. A leave of ``LEAVE_NEEDS_MANDATE`` working days or more
expects a stand-in (Plh, SE Kepala BKN 1/SE/I/2021); the worker reminds the supervisors once when
none is appointed (``engine.worker.leave_reminders``)."""
from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from engine.audit.chain import SYSTEM_CHAIN
from engine.errors import LeaveInvalid, LeaveNotFound, PermissionDenied, UserNotFound
from engine.permissions import is_admin
from engine.persistence.models import StaffLeave, UserAccount, UserRole
from engine.runtime.unit_of_work import UnitOfWork
from engine.values import LeaveView
from engine.worktime.clock import Clock, utcnow
from engine.worktime.overrides import CalendarProvider
from engine.worktime.work_calendar import WorkCalendar

LEAVE_NEEDS_MANDATE = 7  # working days of absence from which a Plh is expected
MAX_LEAVE_DAYS = 366
MAX_NOTE = 200


def working_days(calendar: WorkCalendar, first: date, last: date) -> int:
    """Working days from ``first`` to ``last``, both included."""
    count, day = 0, first
    while day <= last:
        count += calendar.is_working_day(day)
        day += timedelta(days=1)
    return count


class LeaveAdmin:
    def __init__(self, sessions: sessionmaker[Session], calendar: CalendarProvider, clock: Clock = utcnow) -> None:
        self._sessions = sessions
        self._calendar = calendar
        self._clock = clock

    def add_leave(self, username: str, from_day: date | str, to_day: date | str, note: str, actor: str) -> LeaveView:
        """Record a person's leave (WITA dates, inclusive); audited.

        :raises PermissionDenied: ``actor`` is not Admin Sistem
        :raises UserNotFound:  :raises LeaveInvalid: bad dates, ``from`` after ``to``, longer than a year,
            or a note that is too long
        """
        username, note = (username or "").strip(), " ".join((note or "").split())
        first, last = _day(from_day, "from"), _day(to_day, "to")
        if first > last:
            raise LeaveInvalid("Tanggal mulai cuti tidak boleh sesudah tanggal selesai", field="to")
        if (last - first).days >= MAX_LEAVE_DAYS:
            raise LeaveInvalid("Cuti paling lama satu tahun per catatan", field="to")
        if len(note) > MAX_NOTE:
            raise LeaveInvalid(f"Keterangan paling banyak {MAX_NOTE} karakter", field="note")
        with UnitOfWork.begin(self._sessions) as work:
            session = work.session
            self._require_admin(session, actor)
            if session.scalar(select(UserAccount.id).where(UserAccount.username == username)) is None:
                raise UserNotFound(f"Pengguna '{username}' tidak ditemukan", username=username, field="username")
            now = self._clock()
            row = StaffLeave(username=username, from_day=first, to_day=last, note=note, created_by=actor,
                             created_at=now)
            session.add(row)
            session.flush()
            days = working_days(self._calendar(work.connection), first, last)
            work.record(SYSTEM_CHAIN, "leave_added", actor=actor, at=now, payload={
                "leave_id": row.id, "username": username, "from": first.isoformat(), "to": last.isoformat(),
                "note": note, "working_days": days})
            return _view(row, days)

    def remove_leave(self, leave_id: int, actor: str) -> None:
        """:raises PermissionDenied:  :raises LeaveNotFound:"""
        with UnitOfWork.begin(self._sessions) as work:
            session = work.session
            self._require_admin(session, actor)
            row = session.get(StaffLeave, leave_id)
            if row is None:
                raise LeaveNotFound(f"Catatan cuti {leave_id} tidak ditemukan", leave_id=leave_id)
            session.delete(row)
            work.record(SYSTEM_CHAIN, "leave_removed", actor=actor, at=self._clock(), payload={
                "leave_id": leave_id, "username": row.username, "from": row.from_day.isoformat(),
                "to": row.to_day.isoformat()})

    def list_leaves(self, username: str | None = None, limit: int = 500) -> list[LeaveView]:
        """Leave entries, latest first (of one person when ``username`` is given)."""
        query = select(StaffLeave).order_by(StaffLeave.from_day.desc(), StaffLeave.id.desc()).limit(limit)
        if username:
            query = query.where(StaffLeave.username == username)
        with self._sessions() as session:
            calendar = self._calendar(session)
            return [_view(row, working_days(calendar, row.from_day, row.to_day)) for row in session.scalars(query)]

    @staticmethod
    def _require_admin(session: Session, actor: str) -> None:
        roles = set(session.scalars(select(UserRole.role_key).join(UserAccount, UserAccount.id == UserRole.user_id)
                                    .where(UserAccount.username == actor, UserAccount.active.is_(True))))
        if not is_admin(roles):
            raise PermissionDenied("Catatan cuti hanya diubah oleh Admin Sistem", actor=actor)


def _day(value: date | str | Any, field: str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except (TypeError, ValueError):
        raise LeaveInvalid(f"Tanggal tidak valid (format TTTT-BB-HH): {value!r}", field=field) from None


def _view(row: StaffLeave, days: int) -> LeaveView:
    return LeaveView(row.id, row.username, row.from_day, row.to_day, row.note, days, row.created_by,
                     row.created_at, row.reminded_at)
