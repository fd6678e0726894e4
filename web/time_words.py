"""ISO-8601 durations and routine cycles in words, as staff say them: ``1 hari kerja``, ``15 menit kerja``,
``rutin tiap bulan, tanggal 6 pukul 08.00 WITA`` (English: ``1 working day``, ``every month, on day 6 at
08:00 WITA``). Models keep the ISO text (the engine computes with it); only pages show these words.
"""
from __future__ import annotations

import re
from datetime import datetime

from babel import dates

from engine import WITA
from web.formatting import _language, clock_time, gettext

_DURATION = re.compile(r"P(?!$)(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?"
                       r"(?:T(?=\d)(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?")
_UNITS = ("year", "month", "week", "day", "hour", "minute", "second")


def _parts(text: str) -> list[tuple[str, int]] | None:
    match = _DURATION.fullmatch(text.strip())
    if match is None:
        return None
    return [(unit, int(value)) for unit, value in zip(_UNITS, match.groups(), strict=True) if value and int(value)]


def _unit_text(unit: str, num: int, working: bool) -> str:
    """One unit with its number; ``working``: as working time (``3 hari kerja``, ``3 working days``)."""
    ngettext = _language().translations.ungettext
    if working:
        texts = {
            "year": ngettext("%(num)d tahun kerja", "%(num)d tahun kerja", num),
            "month": ngettext("%(num)d bulan kerja", "%(num)d bulan kerja", num),
            "week": ngettext("%(num)d minggu kerja", "%(num)d minggu kerja", num),
            "day": ngettext("%(num)d hari kerja", "%(num)d hari kerja", num),
            "hour": ngettext("%(num)d jam kerja", "%(num)d jam kerja", num),
            "minute": ngettext("%(num)d menit kerja", "%(num)d menit kerja", num),
            "second": ngettext("%(num)d detik kerja", "%(num)d detik kerja", num),
        }
    else:
        texts = {
            "year": ngettext("%(num)d tahun", "%(num)d tahun", num),
            "month": ngettext("%(num)d bulan", "%(num)d bulan", num),
            "week": ngettext("%(num)d minggu", "%(num)d minggu", num),
            "day": ngettext("%(num)d hari", "%(num)d hari", num),
            "hour": ngettext("%(num)d jam", "%(num)d jam", num),
            "minute": ngettext("%(num)d menit", "%(num)d menit", num),
            "second": ngettext("%(num)d detik", "%(num)d detik", num),
        }
    return texts[unit] % {"num": num}


def iso_duration_text(text: str | None) -> str | None:
    """A mutu baku time (working time) in words: ``P1D`` → ``1 hari kerja``, ``PT1H30M`` →
    ``1 jam 30 menit waktu kerja``; None when ``text`` is not an ISO-8601 duration."""
    parts = _parts(text or "")
    if not parts:
        return None
    if len(parts) == 1:
        return _unit_text(parts[0][0], parts[0][1], working=True)
    return gettext("%(time)s waktu kerja", time=" ".join(_unit_text(u, n, working=False) for u, n in parts))


def working_duration(text: str | None) -> str:
    """The Jinja filter: the words, or the text as written when it is not a duration."""
    return iso_duration_text(text) or (text or "–")


def _every(unit: str, num: int) -> str:
    if num == 1:
        return {"year": gettext("tiap tahun"), "month": gettext("tiap bulan"), "week": gettext("tiap minggu"),
                "day": gettext("tiap hari"), "hour": gettext("tiap jam"), "minute": gettext("tiap menit"),
                "second": gettext("tiap detik")}[unit]
    return gettext("tiap %(time)s", time=_unit_text(unit, num, working=False))


def cycle_text(cycle: str | None, next_run_at: datetime | None = None) -> str:
    """A routine's repeating interval in words: ``R/P1M`` → ``rutin tiap bulan``; with the schedule's
    next run (or the cycle's own start) → ``rutin tiap bulan, tanggal 6 pukul 08.00 WITA``."""
    raw = (cycle or "").strip().strip("\"'")
    pieces = raw.split("/")
    parts = _parts(pieces[-1]) if len(pieces) in (2, 3) and re.fullmatch(r"R\d*", pieces[0]) else None
    if not parts:
        return raw or "–"
    anchor = next_run_at
    if anchor is None and len(pieces) == 3:
        try:
            start = datetime.fromisoformat(pieces[1])
            anchor = start if start.tzinfo else start.replace(tzinfo=WITA)
        except ValueError:
            anchor = None
    every = " ".join(_every(u, n) if i == 0 else _unit_text(u, n, working=False) for i, (u, n) in enumerate(parts))
    text = gettext("rutin %(every)s", every=every)
    largest = parts[0][0]
    if anchor is not None and largest in ("year", "month", "week", "day"):
        text += ", " + _when(largest, anchor)
    if len(pieces[0]) > 1:
        count = int(pieces[0][1:])
        text += " " + _language().translations.ungettext("(%(num)d kali)", "(%(num)d kali)", count) % {"num": count}
    return text


def _when(unit: str, anchor: datetime) -> str:
    local = anchor.astimezone(WITA)
    at = clock_time(local) + " WITA"
    if unit == "month":
        return gettext("tanggal %(day)d pukul %(time)s", day=local.day, time=at)
    if unit == "year":
        return gettext("tanggal %(day)s pukul %(time)s",
                       day=dates.format_date(local.date(), "d MMMM", locale=_language().locale), time=at)
    if unit == "week":
        return gettext("hari %(weekday)s pukul %(time)s",
                       weekday=dates.format_date(local.date(), "EEEE", locale=_language().locale), time=at)
    return gettext("pukul %(time)s", time=at)
