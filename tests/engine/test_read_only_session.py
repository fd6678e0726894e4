"""Sessions and connections that only read: on SQLite they take no write lock, on PostgreSQL each read runs on its own,
and the pooled connection is transactional again for the next writer."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from sqlalchemy import func, select

from engine.persistence.db import make_sessions
from engine.persistence.models import CalendarOverride
from engine.persistence.db import read_only_connection, read_only_session

COUNT = select(func.count()).select_from(CalendarOverride)


def _override(day: int) -> CalendarOverride:
    return CalendarOverride(day=date(2026, 12, day), working=False, name="uji", changed_by="uji",
                            changed_at=datetime(2026, 11, 23, tzinfo=timezone.utc))


READERS = pytest.mark.parametrize("read_only", [read_only_session, read_only_connection])


@READERS
def test_a_read_does_not_wait_for_a_writer_and_sees_only_committed_rows(db_engine, read_only):
    sessions = make_sessions(db_engine)
    with sessions.begin() as writer:
        writer.add(_override(1))
        writer.flush()  # SQLite: the writer holds the write lock from BEGIN IMMEDIATE
        with read_only(sessions) as reader:
            assert reader.scalar(COUNT) == 0  # a reader taking the lock would wait out busy_timeout
    with read_only(sessions) as reader:
        assert reader.scalar(COUNT) == 1


@READERS
def test_a_writer_after_a_reader_still_rolls_back(db_engine, read_only):
    sessions = make_sessions(db_engine)
    for _ in range(3):  # the reader's pooled connection goes back to the pool and comes out again
        with read_only(sessions) as reader:
            reader.scalar(COUNT)
        with sessions() as writer:
            writer.add(_override(2))
            writer.flush()
            writer.rollback()
    with read_only_session(sessions) as reader:
        assert reader.scalar(COUNT) == 0
