"""Working-time calendar for SOP deadlines at Pemprov Kaltim (WITA, Asia/Makassar).

SOP durations are working time (domain notes §1.0): ``PTnH``/``PTnM`` run on the working clock,
which stops outside jam kerja and on non-working days; ``PnD`` is *n hari kerja*, due at the close
of the n-th working day after the start date. Deadlines come back as aware UTC datetimes.
"""
from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import holidays

WITA = ZoneInfo("Asia/Makassar")  # UTC+08:00, no DST

WeeklyHours = Mapping[int, tuple[time, time]]
"""Opening and closing time per weekday (0 = Monday); a weekday left out is a day off."""

HoursProfile = tuple[date, WeeklyHours]
"""Weekly hours in force from ``effective_from`` (inclusive) until the next profile starts."""


def _five_day_week(opening: time, closing: time, friday_closing: time) -> dict[int, tuple[time, time]]:
    """Build Monday-Friday hours with a shorter Friday; Saturday and Sunday are off."""
    hours = {weekday: (opening, closing) for weekday in range(4)}
    hours[4] = (opening, friday_closing)
    return hours


# No lunch-break subtraction: the windows already add up to the national 37.5 h per week
# (domain notes §3.2). The earliest profile also covers older dates, for lack of an older rule.
KALTIM_HOURS: tuple[HoursProfile, ...] = (
    # SE 065/8208/B.Org-TL (2022), 5-day agencies
    (date(2022, 9, 7), _five_day_week(time(8, 0), time(16, 30), friday_closing=time(12, 0))),
    # SE Gubernur Kaltim No. 000.8/3/1288/B.ORG-TU/2025, 5-day agencies
    (date(2025, 6, 1), _five_day_week(time(7, 30), time(16, 0), friday_closing=time(11, 0))),
)

# Ten years of working time: anything longer is a typo, and the calendar walks day by day.
_MAX_DAYS = 2_500
_MAX_TIME = timedelta(hours=20_000)
_NO_TIME, _ONE_DAY = timedelta(0), timedelta(days=1)

# Weeks stand alone, as ISO 8601 requires; "T" must be followed by at least one number.
_DURATION = re.compile(
    r"P(?:(?P<weeks>[0-9]+)W"
    r"|(?:(?P<days>[0-9]+)D)?(?:T(?=[0-9])(?:(?P<hours>[0-9]+)H)?(?:(?P<minutes>[0-9]+)M)?)?)"
)


@dataclass(frozen=True)
class WorkingDuration:
    """An SOP duration: whole working days first, then working-clock time."""

    days: int
    time: timedelta


@lru_cache(maxsize=512)  # pure, and a model has a few durations that every step of it parses again
def parse_working_duration(iso: str) -> WorkingDuration:
    """Parse ``PnD``, ``PnW`` (5 working days a week), ``PTnH``, ``PTnM`` or ``PnDTnHnM``.

    :raises ValueError: years, months, seconds, fractions, signs, repetitions (``R/…``),
        weeks mixed with other units, anything else, or more than about ten years of work
    """
    match = _DURATION.fullmatch(iso)
    if match is None or not any(match.groupdict().values()):
        raise ValueError(
            f"unsupported working duration {iso!r}: use PnD, PnW, PTnH, PTnM or a combination "
            "such as P1DT1H30M (no years, months, seconds, fractions, signs or repetitions)"
        )
    parts = {name: int(value or 0) for name, value in match.groupdict().items()}
    duration = WorkingDuration(
        days=parts["weeks"] * 5 + parts["days"],
        time=timedelta(hours=parts["hours"], minutes=parts["minutes"]),
    )
    if duration.days > _MAX_DAYS or duration.time > _MAX_TIME:
        raise ValueError(f"working duration {iso!r} is longer than ten years of working time")
    return duration


class WorkCalendar:
    """Working days and hours: weekly profiles minus ID holidays and cuti bersama, plus overrides.

    Build a new calendar when the admin overrides change; holidays are loaded per year on first use.
    """

    def __init__(
        self,
        extra_off: Mapping[date, str] | None = None,
        extra_on: Iterable[date] = (),
        *,
        profiles: Sequence[HoursProfile] = KALTIM_HOURS,
    ) -> None:
        """Create a calendar.

        :param extra_off: added days off (Governor's decree, new cuti bersama) with their names
        :param extra_on: days that work although the package lists a holiday (cancelled holiday)
        :param profiles: effective-dated weekly hours, oldest first
        :raises ValueError: bad profiles, a date in both overrides, or an ``extra_on`` date whose
            weekday has no working hours (a working weekend needs a profile, not an override)
        :raises TypeError: an override given as a datetime instead of a date
        """
        self._profiles = _checked_profiles(profiles)
        self._profile_starts = [effective_from for effective_from, _ in self._profiles]
        self._extra_off = dict(extra_off or {})
        self._extra_on = frozenset(extra_on)
        self._holidays_by_year: dict[int, dict[date, str]] = {}
        # Each date's window once: a calendar never changes once built (an inbox page asks for the same
        # few days for every row's working time left). A race only computes the same window twice.
        self._windows: dict[date, tuple[datetime, datetime] | None] = {}
        self._check_overrides()

    def is_working_day(self, d: date) -> bool:
        """Tell whether ``d`` has working hours and is not a day off."""
        return self._hours(d) is not None and self.holiday_name(d) is None

    def holiday_name(self, d: date) -> str | None:
        """Name the holiday on ``d``: an added day off, else the package's; None for a cancelled one."""
        if d in self._extra_off:
            return self._extra_off[d]
        if d in self._extra_on:
            return None
        return self._package_holidays(d.year).get(d)

    def working_window(self, d: date) -> tuple[datetime, datetime] | None:
        """Return the opening and closing instants of ``d`` in WITA, or None on a day off."""
        try:
            return self._windows[d]
        except KeyError:
            pass
        hours = self._hours(d)
        window = (None if hours is None or self.holiday_name(d) is not None
                  else (datetime.combine(d, hours[0], WITA), datetime.combine(d, hours[1], WITA)))
        self._windows[d] = window
        return window

    def add_working_time(self, start: datetime, delta: timedelta) -> datetime:
        """Return the instant when ``delta`` of working clock has run from ``start``.

        The clock starts at ``start`` if it is inside a window, else at the next opening. A positive
        ``delta`` that exactly fills a window ends at its closing (never the next opening); a zero
        ``delta`` returns ``start`` inside a window and the next opening otherwise (also at closing).

        :raises ValueError: naive ``start`` or negative ``delta``
        """
        cursor = _to_wita(start)
        if delta < timedelta(0):
            raise ValueError(f"working time must not be negative, got {delta}")
        day = cursor.date()
        while True:
            window = self.working_window(day)
            if window is not None:
                opening, closing = window
                cursor = max(cursor, opening)
                if cursor < closing:
                    if cursor + delta <= closing:
                        return (cursor + delta).astimezone(UTC)
                    delta -= closing - cursor
            day += timedelta(days=1)

    def add_working_days(self, start: datetime, n: int) -> datetime:
        """Return the closing of the n-th working day after the start date ("n hari kerja").

        The start's own date never counts, even before opening; ``n == 0`` returns ``start``.

        :raises ValueError: naive ``start`` or negative ``n``
        """
        day = _to_wita(start).date()
        if n < 0:
            raise ValueError(f"working days must not be negative, got {n}")
        if n == 0:
            return start.astimezone(UTC)
        while n > 0:
            day += timedelta(days=1)
            if self.is_working_day(day):
                n -= 1
        window = self.working_window(day)
        assert window is not None  # the loop stops on a working day only
        return window[1].astimezone(UTC)

    def due(self, start: datetime, iso: str) -> datetime:
        """Return the deadline for an SOP duration started at ``start``.

        Days first, then time: ``P1DT1H30M`` is the closing of the next working day plus 1 h 30 min
        of working clock from there (so it runs into the following working day). Without a days
        part (``PT30M``, ``P0D``, ``PT0M``) the clock runs from ``start`` as in ``add_working_time``.

        :raises ValueError: naive ``start`` or an unsupported duration (see ``parse_working_duration``)
        """
        duration = parse_working_duration(iso)
        if duration.days == 0:
            return self.add_working_time(start, duration.time)
        end_of_days = self.add_working_days(start, duration.days)
        if not duration.time:
            return end_of_days  # the clock at a closing would otherwise jump to the next opening
        return self.add_working_time(end_of_days, duration.time)

    def working_time_between(self, a: datetime, b: datetime) -> timedelta:
        """Return the working time inside windows from ``a`` to ``b``; zero when ``b <= a``.

        :raises ValueError: naive ``a`` or ``b``
        """
        a, b = _to_wita(a), _to_wita(b)
        total = _NO_TIME
        if b <= a:
            return total
        day, last = a.date(), b.date()
        while day <= last:  # comparisons, not min() and max(): an inbox page asks this for every row
            window = self.working_window(day)
            if window is not None:
                start, end = (a if a > window[0] else window[0]), (b if b < window[1] else window[1])
                if end > start:
                    total += end - start
            day += _ONE_DAY
        return total

    def _hours(self, d: date) -> tuple[time, time] | None:
        """Return the profile's opening and closing time for ``d``'s weekday, ignoring holidays."""
        index = max(bisect_right(self._profile_starts, d) - 1, 0)
        return self._profiles[index][1].get(d.weekday())

    def _package_holidays(self, year: int) -> dict[date, str]:
        """Load libur nasional and cuti bersama of ``year`` once.

        A race between threads only builds the same dict twice, so no lock is needed.
        """
        if year not in self._holidays_by_year:
            # cuti bersama come only with the "government" category, never by default
            listed = holidays.country_holidays(
                "ID", years=year, categories=("public", "government"), language="id"
            )
            self._holidays_by_year[year] = {d: name for d, name in listed.items() if d.year == year}
        return self._holidays_by_year[year]

    def _check_overrides(self) -> None:
        """Refuse override dates that are datetimes, in both sets, or working days without hours.

        :raises TypeError: a datetime key, which would never equal the dates it is compared with
        :raises ValueError: a date in both sets, or an ``extra_on`` date without working hours
        """
        for d in [*self._extra_off, *self._extra_on]:
            if isinstance(d, datetime):
                raise TypeError(f"override {d!r} must be a date, not a datetime")
        if both := sorted(self._extra_off.keys() & self._extra_on):
            raise ValueError(f"dates both added and cancelled as holidays: {both}")
        for d in sorted(self._extra_on):
            if self._hours(d) is None:
                raise ValueError(f"{d} ({d:%A}) has no working hours; extra_on only cancels holidays")


def _checked_profiles(profiles: Sequence[HoursProfile]) -> tuple[HoursProfile, ...]:
    """Copy ``profiles`` after checking order, weekdays and windows.

    :raises ValueError: no profile, dates not strictly increasing, a weekday outside 0-6, an
        opening not before its closing, or a profile with no working day (the clock would never run)
    """
    if not profiles:
        raise ValueError("at least one working-hours profile is required")
    starts = [effective_from for effective_from, _ in profiles]
    if any(later <= earlier for earlier, later in pairwise(starts)):
        raise ValueError(f"profiles must be in strictly increasing date order, got {starts}")
    for effective_from, hours in profiles:
        if not hours:
            raise ValueError(f"profile from {effective_from} has no working day")
        for weekday, (opening, closing) in hours.items():
            if weekday not in range(7) or not opening < closing:
                raise ValueError(
                    f"profile from {effective_from}: bad hours {opening}-{closing} on weekday {weekday}"
                )
    return tuple((effective_from, dict(hours)) for effective_from, hours in profiles)


def _to_wita(moment: datetime) -> datetime:
    """Convert an aware datetime to WITA.

    :raises ValueError: ``moment`` is naive, since its wall clock could be WITA, WIB or UTC
    """
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"naive datetime {moment.isoformat()} given; pass an aware datetime")
    return moment.astimezone(WITA)
