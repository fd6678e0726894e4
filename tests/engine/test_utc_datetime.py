"""UTCDateTime's SQLite bind processor writes the text SQLAlchemy's own conversion writes.

SQLite compares stored times as text: a time written differently (a fraction left out, an offset kept)
would sort wrongly against the rows already stored, so the fast path must match the stock one exactly.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import TypeDecorator
from sqlalchemy.dialects import postgresql, sqlite

from engine.persistence.models import UTCDateTime

WITA = ZoneInfo("Asia/Makassar")
TIMES = [
    datetime(2026, 12, 7, 6, 30, tzinfo=timezone.utc),  # no fraction: isoformat would leave it out
    datetime(2026, 12, 7, 6, 30, 5, 123456, tzinfo=timezone.utc),
    datetime(2026, 12, 7, 6, 30, 5, 1, tzinfo=timezone.utc),
    datetime(2026, 12, 7, 14, 30, 5, 250000, tzinfo=WITA),  # another zone: converted to UTC
    datetime(2026, 1, 1, 7, 0, tzinfo=WITA),  # the day before in UTC
    datetime(2026, 3, 1, 0, 0, 0, 999999, tzinfo=timezone(timedelta(hours=-3, minutes=-30))),
    datetime(999, 5, 6, 7, 8, 9, tzinfo=timezone.utc),  # a year of three digits, padded
    datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=timezone.utc),
]


def _stock(dialect):
    """SQLAlchemy's conversion of the type: process_bind_param, then the dialect's DATETIME processor."""
    return TypeDecorator.bind_processor(UTCDateTime().dialect_impl(dialect), dialect)


@pytest.mark.parametrize("value", TIMES + [None], ids=str)
def test_sqlite_text_is_sqlalchemys_text(value):
    dialect = sqlite.dialect()
    fast = UTCDateTime().dialect_impl(dialect).bind_processor(dialect)
    assert fast is not None
    assert fast(value) == _stock(dialect)(value)


def test_sqlite_texts_sort_as_the_times():
    dialect = sqlite.dialect()
    fast = UTCDateTime().dialect_impl(dialect).bind_processor(dialect)
    ordered = sorted(TIMES)
    assert sorted(fast(t) for t in TIMES) == [fast(t) for t in ordered]


@pytest.mark.parametrize("dialect", [sqlite.dialect(), postgresql.psycopg.dialect()], ids=["sqlite", "postgresql"])
def test_a_naive_time_is_refused(dialect):
    process = UTCDateTime().dialect_impl(dialect).bind_processor(dialect)
    with pytest.raises(ValueError, match="naive datetime"):
        process(datetime(2026, 12, 7, 6, 30))


@pytest.mark.parametrize("value", TIMES, ids=str)
def test_postgresql_gets_the_naive_utc_time(value):
    dialect = postgresql.psycopg.dialect()
    process = UTCDateTime().dialect_impl(dialect).bind_processor(dialect)
    bound = process(value)
    assert bound.tzinfo is None
    assert bound.replace(tzinfo=timezone.utc) == value


def test_the_same_time_bound_again_and_times_in_turn():
    """The last time's text is kept for the next bind of the same object; any other time is converted."""
    dialect = sqlite.dialect()
    fast, stock = UTCDateTime().dialect_impl(dialect).bind_processor(dialect), _stock(dialect)
    for value in TIMES + TIMES[::-1] + [TIMES[3], TIMES[3], None, TIMES[3]]:
        assert fast(value) == stock(value)
