"""Timer texts in range: a duration, date or cycle that SpiffWorkflow would overflow on, or that
would make a case wait for centuries, is refused at deploy (a constant text) or fails the step as an
incident (a text read from case data), never reaching SpiffWorkflow's date arithmetic.
"""
from __future__ import annotations

import re
from datetime import datetime

from engine.modeling.messages import Text

# At most about ten years: an SOP deadline or wait beyond that is a typing mistake.
MAX_TIMER_DAYS = 3_660
EARLIEST_YEAR, LATEST_YEAR = 2000, 2100
MAX_CYCLES = 1_000
MIN_CYCLE_SECONDS = 60
_DURATION = re.compile(r"P(?!$)(?:(\d{1,9})Y)?(?:(\d{1,9})M)?(?:(\d{1,9})W)?(?:(\d{1,9})D)?"
                       r"(?:T(?=\d)(?:(\d{1,9})H)?(?:(\d{1,9})M)?(?:(\d{1,9}(?:[.,]\d{1,9})?)S)?)?")
_DAYS_PER = (366.0, 31.0, 7.0, 1.0, 1 / 24, 1 / 1_440, 1 / 86_400)
TIMER_KINDS = ("timeDuration", "timeDate", "timeCycle")


def timer_problem(kind: str, value: object) -> Text | None:
    """What is wrong with the evaluated text of a ``kind`` timer (timeDuration, timeDate, timeCycle)."""
    if not isinstance(value, str):
        return Text.of("timer.not_text", value=_shown(value))
    text = value.strip().upper()
    if kind == "timeDuration":
        return _duration_problem(text, value)
    if kind == "timeDate":
        return _date_problem(text, value)
    parts = text.split("/")
    if len(parts) not in (2, 3) or not re.fullmatch(r"R\d{0,9}", parts[0]):
        return Text.of("timer.bad_cycle", value=_shown(value))
    if len(parts[0]) > 1 and int(parts[0][1:]) > MAX_CYCLES:
        return Text.of("timer.too_many_cycles", value=_shown(value), most=MAX_CYCLES)
    for part in parts[1:]:
        problem = _duration_problem(part, value) if part.startswith("P") else _date_problem(part, value)
        if problem is not None:
            return problem
    period = next((p for p in parts[1:] if p.startswith("P")), None)
    if period is None:
        return Text.of("timer.bad_cycle", value=_shown(value))
    days = duration_days(period)
    if days is not None and days * 86_400 < MIN_CYCLE_SECONDS:
        return Text.of("timer.cycle_too_short", value=_shown(value))
    return None


def duration_days(text: str) -> float | None:
    """About how many days an ISO-8601 duration spans (a year as 366 days), or None if it is not one."""
    match = _DURATION.fullmatch(text.strip().upper())
    if match is None:
        return None
    return sum(float(g.replace(",", ".")) * per for g, per in zip(match.groups(), _DAYS_PER, strict=True) if g)


def _duration_problem(text: str, value: str) -> Text | None:
    days = duration_days(text)
    if days is None:
        return Text.of("timer.bad_duration", value=_shown(value))
    if days > MAX_TIMER_DAYS:
        return Text.of("timer.too_long", value=_shown(value), most=MAX_TIMER_DAYS)
    return None


def _date_problem(text: str, value: str) -> Text | None:
    try:
        moment = datetime.fromisoformat(text[:64])
    except ValueError:
        return Text.of("timer.bad_date", value=_shown(value))
    if not EARLIEST_YEAR <= moment.year <= LATEST_YEAR:
        return Text.of("timer.date_range", value=_shown(value), earliest=EARLIEST_YEAR, latest=LATEST_YEAR)
    return None


def _shown(value: object) -> str:
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= 80 else text[:77] + "..."
