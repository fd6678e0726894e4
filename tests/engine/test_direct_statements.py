"""Statements run on the driver's cursor store and read exactly what SQLAlchemy itself would."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import (String, TypeDecorator, bindparam, column, event, insert, select, table, type_coerce,
                        update)
from sqlalchemy.orm import Session, sessionmaker

from engine.persistence.compiled import DirectIn, DirectStatement, Read, Write, read_batch, run_batch, write_and_read
from engine.persistence.db import read_only_connection
from engine.persistence.models import ProcessDefinition, ProcessInstance

_INSTANCES = ProcessInstance.__table__
WITA = timezone(timedelta(hours=8))


def _definition(db_engine) -> int:
    with Session(db_engine) as session, session.begin():
        row = ProcessDefinition(process_key="uji", version=1, name="Uji", bpmn_xml="<x/>", sha256="0" * 64,
                                source_file="uji.bpmn", deployed_by="t", deployed_at=datetime.now(timezone.utc))
        session.add(row)
        session.flush()
        return row.id


def _case(definition: int, case_id: int, started_at: datetime) -> dict:
    """A running case's row for ``INSERT``."""
    return dict(id=case_id, definition_id=definition, process_key="uji", status="running", state_json="{}",
                started_by="t", started_at=started_at, version=1)


INSERT = DirectStatement(insert(_INSTANCES), columns=[
    "id", "definition_id", "process_key", "status", "state_json", "started_by", "started_at", "version"])
RENAME = DirectStatement(update(_INSTANCES).where(_INSTANCES.c.id == bindparam("case"),
                                                  _INSTANCES.c.version == bindparam("old"))
                         .values(status="completed", ended_at=bindparam("at"), version=bindparam("new")))
READ = DirectStatement(select(_INSTANCES.c.id, _INSTANCES.c.status, _INSTANCES.c.version)
                       .where(_INSTANCES.c.id == bindparam("case")))


def test_rows_written_directly_read_back_through_the_orm(db_engine):
    definition = _definition(db_engine)
    started = datetime(2026, 12, 1, 9, 30, tzinfo=WITA)  # any zone in, UTC stored
    with db_engine.begin() as conn:
        INSERT.many(conn, [_case(definition, n, started) for n in (1, 2)])
        assert RENAME.rowcount(conn, {"case": 1, "old": 1, "new": 2, "at": started + timedelta(hours=1)}) == 1
        assert RENAME.rowcount(conn, {"case": 2, "old": 7, "new": 8, "at": started}) == 0  # stale version
        assert READ.first(conn, {"case": 1}) == (1, "completed", 2)
        assert READ.first(conn, {"case": 1}).status == "completed"
        assert READ.first(conn, {"case": 99}) is None
    with Session(db_engine) as session:
        done = session.get(ProcessInstance, 1)
        assert done.started_at == started and done.started_at.tzinfo is not None
        assert done.ended_at == started + timedelta(hours=1)
        assert session.get(ProcessInstance, 2).status == "running"
        assert done.data_json == "{}"  # the column's Python-side default, as an ORM insert gives


def test_a_whole_second_time_is_stored_as_the_orm_stores_it(db_engine):
    """The column type's dialect implementation formats the value (SQLite keeps datetimes as text): a
    time with no microseconds written directly must compare equal, as text, to the same time the ORM
    wrote, or ``due_at < :now`` would hold at the very instant."""
    definition = _definition(db_engine)
    at = datetime(2026, 12, 8, 0, 0, tzinfo=timezone.utc)  # 08.00 WITA, 0 microseconds
    with db_engine.begin() as conn:
        INSERT.many(conn, [_case(definition, 1, at)])
    with Session(db_engine) as session, session.begin():
        session.add(ProcessInstance(id=2, definition_id=definition, process_key="uji", status="running",
                                    state_json="{}", started_by="t", started_at=at, version=1))
    with db_engine.connect() as conn:
        stored = conn.exec_driver_sql("SELECT id, CAST(started_at AS TEXT) FROM process_instance ORDER BY id").all()
        assert stored[0][1] == stored[1][1], stored
        earlier = conn.scalar(select(_INSTANCES.c.id).where(_INSTANCES.c.started_at < at, _INSTANCES.c.id == 1))
        assert earlier is None  # not before itself


def test_a_missing_parameter_is_an_error_not_a_null(db_engine):
    with db_engine.begin() as conn, pytest.raises(KeyError):
        RENAME.rowcount(conn, {"case": 1, "old": 1, "new": 2})


def test_a_column_that_needs_result_processing_reads_as_sqlalchemy_reads_it(db_engine):
    definition = _definition(db_engine)
    started = datetime(2026, 12, 1, 9, 30, 5, 250, tzinfo=WITA)
    statement = select(_INSTANCES.c.id, _INSTANCES.c.started_at, _INSTANCES.c.ended_at).where(
        _INSTANCES.c.id == bindparam("case"))
    with db_engine.begin() as conn:
        INSERT.many(conn, [_case(definition, 1, started)])
        direct = DirectStatement(statement).first(conn, {"case": 1})
        assert tuple(direct) == tuple(conn.execute(statement, {"case": 1}).one())
        assert direct.started_at == started and direct.started_at.tzinfo is not None
        assert direct.ended_at is None


def test_times_a_statement_reads_again_and_again_read_as_sqlalchemy_reads_them_each_time(db_engine):
    """``recurring_times`` keeps each time column's conversions: the same times read again, and changed
    ones, read as SQLAlchemy reads them."""
    definition = _definition(db_engine)
    started = datetime(2026, 12, 1, 9, 30, 5, 250, tzinfo=WITA)
    statement = select(_INSTANCES.c.id, _INSTANCES.c.started_at, _INSTANCES.c.ended_at).order_by(_INSTANCES.c.id)
    direct = DirectStatement(statement, recurring_times=True)
    with db_engine.begin() as conn:
        INSERT.many(conn, [_case(definition, n, started + timedelta(seconds=n)) for n in (1, 2)])
        for ended in (None, started + timedelta(hours=1), started + timedelta(hours=2), started + timedelta(hours=1)):
            conn.execute(update(_INSTANCES).where(_INSTANCES.c.id == 1).values(ended_at=ended))
            for _ in range(2):
                rows = [tuple(row) for row in direct.all(conn, {})]
                assert rows == [tuple(row) for row in conn.execute(statement)]
                assert all(at is None or at.tzinfo is not None for row in rows for at in row[1:]), rows
            assert rows[0][2] == ended


class _NoneAsEmpty(TypeDecorator[str]):
    """A result processor that gives something for NULL (none of SQLAlchemy's own does)."""

    impl = String
    cache_ok = True

    def process_result_value(self, value: str | None, dialect: Any) -> str:
        return "" if value is None else value


def test_a_null_goes_through_a_result_processor_only_if_it_makes_something_of_it(db_engine):
    """A NULL is left as it is for a processor that gives None for it (a wide row's outer-joined
    columns cost no call), and given to one that does not."""
    definition = _definition(db_engine)
    statement = select(_INSTANCES.c.id, _INSTANCES.c.ended_at, type_coerce(_INSTANCES.c.business_key,
                                                                           _NoneAsEmpty).label("key")).where(
        _INSTANCES.c.id == bindparam("case"))
    with db_engine.begin() as conn:
        INSERT.many(conn, [_case(definition, 1, datetime(2026, 12, 1, 9, 30, tzinfo=WITA))])
        direct = DirectStatement(statement).first(conn, {"case": 1})
        assert tuple(direct) == tuple(conn.execute(statement, {"case": 1}).one()) == (1, None, "")


def _named(count: int):
    return select(_INSTANCES.c.id, _INSTANCES.c.started_at).where(
        _INSTANCES.c.id.in_(DirectIn.binds(count)), _INSTANCES.c.status == bindparam("status")).order_by(
        _INSTANCES.c.id)


@pytest.mark.parametrize("limit", [32, 1])  # compiled per length; longer lists through SQLAlchemy
def test_an_in_list_of_any_length_reads_the_rows_sqlalchemy_reads(db_engine, limit):
    definition = _definition(db_engine)
    started = datetime(2026, 12, 1, 1, 0, tzinfo=timezone.utc)
    statement = DirectIn(_named, limit=limit)
    with db_engine.begin() as conn:
        INSERT.many(conn, [_case(definition, n, started + timedelta(minutes=n)) for n in range(1, 6)])
        for ids in ([3], [5, 1, 4], [1, 2, 3, 4, 5, 99]):
            rows = statement.all(conn, ids, {"status": "running"})
            assert [(r.id, r.started_at) for r in rows] == [
                (n, started + timedelta(minutes=n)) for n in sorted(ids) if n <= 5]
        assert statement.all(conn, [1, 2], {"status": "completed"}) == []


def test_a_batch_reports_each_writes_rowcount_in_order(db_engine):
    definition = _definition(db_engine)
    started = datetime(2026, 12, 1, 1, 0, tzinfo=timezone.utc)
    with db_engine.begin() as conn:
        counts = run_batch(conn, [
            Write(INSERT, [_case(definition, n, started) for n in (1, 2)]),
            Write(RENAME, {"case": 1, "old": 1, "new": 2, "at": started}),
            Write(RENAME, {"case": 2, "old": 5, "new": 6, "at": started}),
            Write(RENAME, {"case": 1, "old": 2, "new": 3, "at": started})])
        assert counts[1:] == [1, 0, 1]  # each write sees the ones before it
        assert READ.first(conn, {"case": 1}).version == 3


def test_a_failing_write_in_a_batch_raises_and_stores_nothing(db_engine):
    definition = _definition(db_engine)
    row = _case(definition, 1, datetime(2026, 12, 1, tzinfo=timezone.utc))
    with pytest.raises(Exception, match="(?i)unique|duplicate"), db_engine.begin() as conn:
        run_batch(conn, [Write(INSERT, [row]), Write(INSERT, [row])])
    with db_engine.connect() as conn:
        assert READ.first(conn, {"case": 1}) is None


@pytest.mark.postgres
def test_a_checked_write_fails_unless_it_changed_exactly_its_rows_and_a_commit_after_it_is_skipped(postgres_engine):
    """``checked``: the server checks the rowcount, so the COMMIT may follow in the same pipeline; a failed
    check is a division by zero (CHECK_FAILED) and the server skips the rest, the COMMIT too."""
    from alur_testing import empty_database

    from engine.persistence.compiled import CHECK_FAILED
    from engine.persistence.db import hold_begin

    empty_database(postgres_engine)
    definition = _definition(postgres_engine)
    started = datetime(2026, 12, 1, 1, 0, tzinfo=timezone.utc)
    case = 1
    with postgres_engine.begin() as conn:
        INSERT.many(conn, [_case(definition, case, started)])
    with postgres_engine.connect() as conn:
        hold_begin(conn)  # the driver in autocommit, as a unit of work's: the batch sends BEGIN and COMMIT
        conn.begin()
        assert run_batch(conn, [Write(RENAME.checked(1), {"case": case, "old": 1, "new": 2, "at": started})],
                         commit=True) == [1]
        conn.commit()
        hold_begin(conn)
        conn.begin()
        with pytest.raises(conn.dialect.loaded_dbapi.DataError) as failed:  # the version moved: no row changed
            run_batch(conn, [Write(RENAME.checked(1), {"case": case, "old": 1, "new": 3, "at": started}),
                             Write(RENAME, {"case": case, "old": 2, "new": 4, "at": started})], commit=True)
        assert failed.value.sqlstate == CHECK_FAILED
        conn.rollback()
        assert READ.first(conn, {"case": case}).version == 2  # the write after the check never ran
        conn.rollback()
    with postgres_engine.begin() as conn:
        assert run_batch(conn, [Write(RENAME.checked(0), {"case": case, "old": 1, "new": 9, "at": started})]) == [1]


def test_a_checked_write_is_no_read_and_an_insert_whose_rows_take_defaults_is_not_checked(db_engine):
    """A checked write is a SELECT that writes: it takes a held-back BEGIN as any write does (``reads_only``
    is false); an INSERT of rows that leave columns to their defaults cannot be checked (they would be lost)."""
    assert not RENAME.checked(1)._plan(db_engine.dialect).reads_only and READ._plan(db_engine.dialect).reads_only
    with pytest.raises(TypeError, match="not checked"):
        INSERT.checked(1)


@pytest.mark.parametrize("limit", [32, 1])  # an IN list past the limit is compiled for its read alone
def test_a_batch_of_reads_gives_each_read_its_rows_in_order(db_engine, limit):
    definition = _definition(db_engine)
    started = datetime(2026, 12, 1, 1, 0, tzinfo=timezone.utc)
    named = DirectIn(_named, limit=limit)
    with db_engine.begin() as conn:
        INSERT.many(conn, [_case(definition, n, started + timedelta(minutes=n)) for n in range(1, 4)])
    with read_only_connection(sessionmaker(db_engine)) as conn:  # as the task page reads
        found = read_batch(conn, [Read(READ, {"case": 2}), named.read([3, 1, 9], {"status": "running"}),
                                  Read(READ, {"case": 9}), named.read([2], {"status": "completed"})])
        assert read_batch(conn, [Read(READ, {"case": 1})]) == [[READ.first(conn, {"case": 1})]]
    assert [[(r.id, r.version) for r in found[0]], [(r.id, r.started_at) for r in found[1]], found[2], found[3]] == [
        [(2, 1)], [(1, started + timedelta(minutes=1)), (3, started + timedelta(minutes=3))], [], []]


def test_reads_batched_after_writes_see_them(db_engine):
    definition = _definition(db_engine)
    started = datetime(2026, 12, 1, 1, 0, tzinfo=timezone.utc)
    with db_engine.begin() as conn:
        counts, found = write_and_read(conn, [
            Write(INSERT, [_case(definition, 1, started)]),
            Write(RENAME, {"case": 1, "old": 1, "new": 2, "at": started})],
            [Read(READ, {"case": 1}), Read(READ, {"case": 2})])
        assert counts == [1, 1]
        assert [[(r.id, r.status, r.version) for r in rows] for rows in found] == [[(1, "completed", 2)], []]
        assert write_and_read(conn, [], [Read(READ, {"case": 1})])[1] == [[READ.first(conn, {"case": 1})]]


def test_a_read_alone_runs_outside_any_transaction_and_leaves_the_pool_as_it_was(db_engine):
    definition = _definition(db_engine)
    started = datetime(2026, 12, 1, 1, 0, tzinfo=timezone.utc)
    with db_engine.begin() as conn:
        INSERT.many(conn, [_case(definition, 1, started)])
    seen: list[str] = []

    def trace(dbapi_connection, _record) -> None:  # what SQLite runs, the direct read included
        if db_engine.dialect.name == "sqlite":
            dbapi_connection.set_trace_callback(lambda statement: seen.append(statement.split()[0]))

    db_engine.dispose()  # one pooled connection from here on, traced
    event.listen(db_engine, "connect", trace)
    try:
        assert READ.all_alone(db_engine, {"case": 1}) == [(1, "running", 1)]
        assert READ.all_alone(db_engine, {"case": 2}) == []
        with pytest.raises(Exception, match="no_such_table"):  # the driver's own error, whatever the backend
            MISSING.all_alone(db_engine, {})
        if db_engine.dialect.name == "sqlite":
            assert seen[:2] == ["SELECT", "SELECT"], seen  # no BEGIN before, no ROLLBACK after
        with db_engine.connect() as conn:  # the same connection, transactional again: a rollback undoes
            assert RENAME.rowcount(conn, {"case": 1, "old": 1, "new": 2, "at": started}) == 1
            conn.rollback()
        assert READ.all_alone(db_engine, {"case": 1}) == [(1, "running", 1)]
    finally:
        event.remove(db_engine, "connect", trace)
        db_engine.dispose()


MISSING = DirectStatement(select(column("id")).select_from(table("no_such_table")))
