"""A task page's reads on SQLite's pooled driver connection (``engine.persistence.direct_reads``): one
snapshot, no lock taken, nothing left open after the block; the calendar's overrides read on it."""
from __future__ import annotations

import sqlite3
from datetime import date

import pytest
from engine_helpers import add_users, ready_task, start_loop_case, traced_sqlite_alur

from engine.persistence.db import read_only_connection
from engine.persistence.direct_reads import DriverReads, direct_reads
from engine.persistence.models import CalendarOverride
from engine.reading.task_page_read import TASK_PAGE
from engine.worktime.overrides import CalendarProvider

DAY_OFF = date(2026, 12, 8)  # a Tuesday, no holiday in the package


@pytest.fixture
def sqlite_alur(tmp_path, clock, test_data):
    alur, engine, _traced = traced_sqlite_alur(tmp_path, clock, test_data)
    yield alur
    alur.close()
    engine.dispose()


def _reader_left_open(alur) -> bool:
    """Whether a read transaction still holds a snapshot of the file: a TRUNCATE checkpoint then cannot
    empty the log (SQLite answers busy at once, with no busy timeout)."""
    other = sqlite3.connect(alur.db.url.database, timeout=0)
    try:
        busy, _log, _done = other.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        return busy == 1
    finally:
        other.close()


def test_the_reads_see_one_snapshot_take_no_lock_and_end_with_the_block(sqlite_alur, clock):
    case = start_loop_case(sqlite_alur)
    task = ready_task(sqlite_alur, case)
    params = {"task_id": task.task_id, "username": "pengelola", "now": clock()}
    with direct_reads(sqlite_alur.sessions) as reads:
        assert isinstance(reads, DriverReads) and not reads.in_transaction()
        before = TASK_PAGE.all(reads, params)  # begins the read transaction
        assert reads.in_transaction()
        # a writer meanwhile neither waits for it (busy timeout 10 s: it would) nor is seen by it
        sqlite_alur.runner.complete_task(task.task_id, "pengelola", {"uraian": "satu"})
        again = TASK_PAGE.all(reads, params)
        assert [row.state for row in before] == [row.state for row in again] == ["claimed"]  # the starter's
        assert _reader_left_open(sqlite_alur)
    assert not _reader_left_open(sqlite_alur)
    with read_only_connection(sqlite_alur.sessions) as connection:
        assert [row.state for row in TASK_PAGE.all(connection, params)][0] == "completed"


def test_a_block_that_fails_still_ends_its_read_transaction(sqlite_alur, clock):
    case = start_loop_case(sqlite_alur)
    task = ready_task(sqlite_alur, case)
    with pytest.raises(LookupError), direct_reads(sqlite_alur.sessions) as reads:
        TASK_PAGE.all(reads, {"task_id": task.task_id, "username": "pengelola", "now": clock()})
        raise LookupError
    assert not _reader_left_open(sqlite_alur)
    assert sqlite_alur.cases.task_page(task.task_id, "pengelola").task.state == "claimed"


def test_the_calendar_reads_its_overrides_on_direct_reads_and_on_a_session(alur, clock):
    with alur.sessions.begin() as session:
        session.add(CalendarOverride(day=DAY_OFF, working=False, name="Libur daerah", changed_by="admin",
                                     changed_at=clock()))
    with direct_reads(alur.sessions) as reads:
        on_reads = CalendarProvider(ttl=0)(reads)
    with alur.sessions() as session:
        on_session = CalendarProvider(ttl=0)(session)
    for calendar in (on_reads, on_session):
        assert calendar.holiday_name(DAY_OFF) == "Libur daerah" and not calendar.is_working_day(DAY_OFF)
        assert calendar.is_working_day(date(2026, 12, 9))


def test_a_task_page_reads_a_stale_calendar_again(alur, test_data, clock):
    add_users(alur)
    alur.deployer.deploy_file(test_data / "uji_loop.bpmn", "pemilik")
    task = ready_task(alur, start_loop_case(alur))
    shown = alur.cases.task_page(task.task_id, "pengelola").remaining
    with alur.sessions.begin() as session:  # as another process's admin would: this one's cache not told
        session.add(CalendarOverride(day=clock().date(), working=False, name="Libur daerah", changed_by="admin",
                                     changed_at=clock()))
    assert alur.cases.task_page(task.task_id, "pengelola").remaining == shown  # the cached calendar
    alur.calendar.invalidate()  # its time is up
    assert alur.cases.task_page(task.task_id, "pengelola").remaining != shown
