"""The periods the dashboard and the monitoring and evaluation forms count in: a month, a semester (the
Monitoring Pelaksanaan SOP AP's six months), a year, or custom days; WITA calendar days."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from engine.errors import InvalidInput
from engine.worktime.work_calendar import WITA

PERIOD_KINDS = ("month", "semester", "year", "custom")
MAX_CUSTOM_DAYS = 3 * 366


@dataclass(frozen=True)
class Period:
    """WITA days ``first_day`` to ``last_day``, both included."""

    kind: str
    first_day: date
    last_day: date

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first_day, time(0), WITA)

    @property
    def end(self) -> datetime:
        """The instant after the period (exclusive)."""
        return datetime.combine(self.last_day + timedelta(days=1), time(0), WITA)

    @property
    def key(self) -> str:
        """A short stable name: 2026-03, 2026-S1, 2026, 2026-01-05..2026-02-10."""
        if self.kind == "month":
            return f"{self.first_day:%Y-%m}"
        if self.kind == "semester":
            return f"{self.first_day.year}-S{1 if self.first_day.month == 1 else 2}"
        if self.kind == "year":
            return str(self.first_day.year)
        return f"{self.first_day.isoformat()}..{self.last_day.isoformat()}"

    def months(self) -> list[date]:
        """The first day of every month the period touches, in order (the trend's points)."""
        months, cursor = [], self.first_day.replace(day=1)
        while cursor <= self.last_day:
            months.append(cursor)
            cursor = (cursor + timedelta(days=32)).replace(day=1)
        return months


def period_of(kind: str, year: int | None = None, number: int | None = None, first_day: date | None = None,
              last_day: date | None = None) -> Period:
    """A month (``number`` 1-12), a semester (1: January-June, 2: July-December), a year, or custom days.

    :raises InvalidInput: an unknown kind, a month or semester out of range, a custom period without
        both days, ending before it starts or longer than three years
    """
    if kind not in PERIOD_KINDS:
        raise InvalidInput(f"Jenis periode tidak dikenal: {kind}", field="periode")
    if kind == "custom":
        if first_day is None or last_day is None:
            raise InvalidInput("Periode khusus memerlukan tanggal awal dan akhir", field="dari")
        if last_day < first_day:
            raise InvalidInput("Tanggal akhir periode sebelum tanggal awalnya", field="sampai")
        if (last_day - first_day).days > MAX_CUSTOM_DAYS:
            raise InvalidInput("Periode khusus paling lama tiga tahun", field="sampai")
        return Period(kind, first_day, last_day)
    if year is None or not 2000 <= year <= 2200:
        raise InvalidInput("Tahun periode tidak sah", field="tahun")
    if kind == "year":
        return Period(kind, date(year, 1, 1), date(year, 12, 31))
    if kind == "semester":
        if number not in (1, 2):
            raise InvalidInput("Semester harus 1 atau 2", field="ke")
        return Period(kind, date(year, 1, 1), date(year, 6, 30)) if number == 1 else \
            Period(kind, date(year, 7, 1), date(year, 12, 31))
    if number is None or not 1 <= number <= 12:
        raise InvalidInput("Bulan harus 1 sampai 12", field="ke")
    following = date(year + (number == 12), number % 12 + 1, 1)
    return Period(kind, date(year, number, 1), following - timedelta(days=1))
