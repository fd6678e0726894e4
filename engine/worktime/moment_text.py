"""The one way Alur writes a date and time for people: ``Sel, 8 Des 2026 16.00 WITA`` (Indonesian) or
``Tue 8 Dec 2026 16:00 WITA`` (English). Pages use it through the ``wita`` Jinja filter; notifications
and e-mails, written by the worker in Indonesian, call it directly.
"""
from __future__ import annotations

from datetime import date, datetime

from babel import dates

from engine.worktime.work_calendar import WITA

# (with weekday, without weekday, time of day) per language
MOMENT_PATTERNS = {"id": ("EEE, d MMM y", "d MMM y", "HH.mm"), "en": ("EEE d MMM y", "d MMM y", "HH:mm")}


def moment_text(moment: datetime | None, language: str = "id", compact: bool = False) -> str:
    """A moment in WITA; ``compact`` leaves out the weekday and the zone (for tables whose header says WITA)."""
    if moment is None:
        return "–"
    day, short_day, clock = MOMENT_PATTERNS.get(language, MOMENT_PATTERNS["id"])
    if compact:
        return dates.format_datetime(moment, f"{short_day} {clock}", tzinfo=WITA, locale=language)
    return dates.format_datetime(moment, f"{day} {clock}", tzinfo=WITA, locale=language) + " WITA"


def day_text(day: date, language: str = "id") -> str:
    """A calendar day: ``Sel, 8 Des 2026``."""
    return dates.format_date(day, MOMENT_PATTERNS.get(language, MOMENT_PATTERNS["id"])[0], locale=language)
