"""The working calendar with the admin's date overrides from the database."""
from __future__ import annotations

import threading
import time
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from engine.audit.chain import SYSTEM_CHAIN
from engine.runtime.unit_of_work import UnitOfWork
from engine.worktime.work_calendar import WorkCalendar
from engine.worktime.clock import Clock, utcnow
from engine.errors import InvalidInput
from engine.persistence.compiled import DirectStatement
from engine.persistence.db import DirectConnection
from engine.persistence.models import CalendarOverride

# The years the admin's calendar page shows and its dates may name: a year a date cannot hold (0, 10000), or
# 9999, whose last day has no next, broke the page; no SLA of the office's reaches outside these.
CALENDAR_YEARS = range(1900, 2201)


class CalendarProvider:
    """Builds a WorkCalendar from the overrides table, cached for ``ttl`` seconds.

    The short cache bounds how long another process may use an outdated calendar after an admin
    edit; this process drops its cache at once.
    """

    def __init__(self, ttl: float = 30.0) -> None:
        self._ttl = ttl
        self._cached: tuple[float, WorkCalendar] | None = None
        self._lock = threading.Lock()

    def __call__(self, db: Session | DirectConnection) -> WorkCalendar:
        """The calendar; the overrides are read on ``db`` (a session, a use case's connection or a page's
        direct reads) when the cached one is older than the ttl."""
        cached = self._cached
        if cached is not None and time.monotonic() - cached[0] < self._ttl:
            return cached[1]
        rows = _OVERRIDES.all(db.connection() if isinstance(db, Session) else db, {})
        calendar = WorkCalendar(extra_off={r.day: r.name for r in rows if not r.working},
                                extra_on=[r.day for r in rows if r.working])
        with self._lock:
            self._cached = (time.monotonic(), calendar)
        return calendar

    def invalidate(self) -> None:
        with self._lock:
            self._cached = None


class CalendarAdmin:
    def __init__(self, sessions: sessionmaker[Session], provider: CalendarProvider, clock: Clock = utcnow) -> None:
        self._sessions = sessions
        self._provider = provider
        self._clock = clock

    def set_override(self, day: date, working: bool, name: str, actor: str) -> None:
        """Make ``day`` a day off (``working=False``) or a working day; audited."""
        _check_year(day.year, "day")
        if not name.strip():
            raise InvalidInput("Keterangan tanggal wajib diisi", field="name")
        if working and day.weekday() >= 5:
            raise InvalidInput("Hari Sabtu/Minggu tidak dapat dijadikan hari kerja", field="day")
        with UnitOfWork.begin(self._sessions) as work:
            session = work.session
            row = session.get(CalendarOverride, day) or CalendarOverride(day=day)
            row.working, row.name, row.changed_by, row.changed_at = working, name.strip(), actor, self._clock()
            session.add(row)
            work.record(SYSTEM_CHAIN, "calendar_changed", actor=actor, at=self._clock(),
                        payload={"day": day.isoformat(), "working": working, "name": name.strip()})
        self._provider.invalidate()

    def remove_override(self, day: date, actor: str) -> None:
        with UnitOfWork.begin(self._sessions) as work:
            row = work.session.get(CalendarOverride, day)
            if row is None:
                return
            work.session.delete(row)
            work.record(SYSTEM_CHAIN, "calendar_override_removed", actor=actor, at=self._clock(),
                        payload={"day": day.isoformat()})
        self._provider.invalidate()

    def days_off(self, year: int) -> list[tuple[date, str]]:
        """Weekday non-working days of ``year`` (libur nasional, cuti bersama, added days), in order.

        :raises InvalidInput: a year outside ``CALENDAR_YEARS``
        """
        _check_year(year, "tahun")
        with self._sessions() as session:
            calendar = self._provider(session)
        day, result = date(year, 1, 1), []
        while day.year == year:
            name = calendar.holiday_name(day)
            if name and day.weekday() < 5:
                result.append((day, name))
            day += timedelta(days=1)
        return result

    def list_overrides(self) -> list[tuple[date, bool, str]]:
        with self._sessions() as session:
            return [(r.day, r.working, r.name) for r in session.scalars(
                select(CalendarOverride).order_by(CalendarOverride.day))]


def _check_year(year: int, field: str) -> None:
    """:raises InvalidInput: ``year`` is outside ``CALENDAR_YEARS``"""
    if year not in CALENDAR_YEARS:
        raise InvalidInput(f"Tahun {year} di luar rentang kalender ({CALENDAR_YEARS[0]}–{CALENDAR_YEARS[-1]})",
                           field=field, year=year)


_OVERRIDES = DirectStatement(select(CalendarOverride.day, CalendarOverride.working, CalendarOverride.name))
