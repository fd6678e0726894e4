"""Statements compiled once per dialect and run on the driver's own cursor.

For the few statements every step runs. SQLAlchemy's work around one execution (parameter
processing, an execution context, result wrapping) costs several times the driver's own call on
SQLite (about 60 µs against 15 µs here). The statement is still written and compiled by
SQLAlchemy, and every bind value goes through its column type's bind processor, so rows are
stored exactly as SQLAlchemy stores them, and every selected value through its result processor,
so rows read as SQLAlchemy reads them; only the execution is direct. It runs on the connection of
the caller's transaction.
"""
from __future__ import annotations

import threading
from collections import namedtuple
from collections.abc import Callable, Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import (Connection, DateTime, Dialect, Engine, Insert, Select, TypeDecorator, bindparam, literal_column,
                        select)
from sqlalchemy.engine.interfaces import DBAPICursor
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.expression import ClauseElement

from engine.persistence.db import DirectConnection, out_of_autocommit, take_pending_begin

_POSITIONAL = ("qmark", "numeric", "format")


@dataclass(frozen=True)
class _Plan:
    sql: str
    order: tuple[str, ...] | None  # bind names in position order; None for named paramstyles
    defaults: dict[str, Any]
    processors: dict[str, Callable[[Any], Any]]
    row: Any  # namedtuple class for SELECT rows, None for DML
    # (column index, result processor) of the columns that have one; None when none has
    results: tuple[tuple[int, Callable[[Any], Any]], ...] | None
    reads_only: bool  # a SELECT that locks nothing: it may run before a held-back BEGIN
    keeps_null: bool = True  # each of ``results`` gives None for None: a NULL is left as it is

    def make(self, found: Sequence[Any]) -> Any:
        """A fetched row as the row class, each value through its column type's result processor."""
        if self.results is None:
            return self.row._make(found)
        values = list(found)
        if self.keeps_null:  # a wide row's NULLs (a page's outer-joined columns) cost no call
            for index, process in self.results:
                value = values[index]
                if value is not None:
                    values[index] = process(value)
        else:
            for index, process in self.results:
                values[index] = process(values[index])
        return self.row._make(values)

    def args(self, params: dict[str, Any]) -> Any:
        values = {**self.defaults, **params} if self.defaults else params
        if self.processors:
            if values is params:
                values = dict(params)  # the caller's dict is left as it is
            for name, process in self.processors.items():
                values[name] = process(values[name])
        return values if self.order is None else tuple([values[name] for name in self.order])


# The SQLSTATE of a failed ``DirectStatement.checked`` (division_by_zero).
CHECK_FAILED = "22012"


class DirectStatement:
    # A SELECT whose WITH writes (``checked``) must not run before a held-back BEGIN as a plain read may.
    writes_in_with = False

    def __init__(self, statement: ClauseElement, columns: Sequence[str] | None = None,
                 recurring_times: bool = False) -> None:
        """``columns``: for an INSERT, the keys every row gives (the others take their defaults).
        ``recurring_times``: a SELECT that reads the same times again and again (a task page, its case's
        tasks at every page): its time columns' conversions are kept (``_keeping``)."""
        self._statement = statement
        self._columns = list(columns) if columns is not None else None
        self._recurring_times = recurring_times
        self._plans: dict[str, _Plan] = {}
        self._lock = threading.Lock()
        self._checked: dict[int, DirectStatement] = {}

    @property
    def checkable(self) -> bool:
        """Whether ``checked`` takes it: not an INSERT whose rows leave columns to their defaults."""
        return self._columns is None

    def checked(self, rows: int) -> DirectStatement:
        """This INSERT, UPDATE or DELETE checked by the server (PostgreSQL): it fails with a division by zero
        (``CHECK_FAILED``) unless it changed exactly ``rows`` rows, so a transaction that runs it can carry its
        COMMIT in the same pipeline: a failed check makes the server skip the COMMIT. The statement becomes a
        data-modifying WITH (RETURNING one column per row) counted by the SELECT after it; the divisor is the
        count's test, which the planner cannot fold into a constant as it would ``1/0``."""
        direct = self._checked.get(rows)
        if direct is None:
            if not self.checkable:  # its rows' left-out columns would not take their defaults
                raise TypeError("an INSERT of rows that leave out columns is not checked")
            changed = cast(Any, self._statement).returning(literal_column("1")).cte("changed")
            test: Select[Any] = select(literal_column(f"1 / (count(*) = {int(rows)})::int").label("checked"))
            test = test.select_from(changed)
            with self._lock:
                direct = self._checked.setdefault(rows, _Checked(test))
        return direct

    def first(self, connection: DirectConnection, params: dict[str, Any]) -> Any:
        """The first row (attribute access by column label), or None."""
        plan, found = self._execute(connection, params, lambda cursor: cursor.fetchone())
        return None if found is None else plan.make(found)

    def all(self, connection: DirectConnection, params: dict[str, Any]) -> list[Any]:
        """Every row (attribute access by column label)."""
        plan, found = self._execute(connection, params, lambda cursor: cursor.fetchall())
        return [plan.make(row) for row in found]

    def all_alone(self, bind: Engine, params: dict[str, Any]) -> list[Any]:
        """Every row of a SELECT run on its own, outside any transaction, on a pooled driver connection:
        autocommit on PostgreSQL, no BEGIN on SQLite. One statement sees one snapshot anyway; this
        spares SQLAlchemy's connection, its transaction and the pool's isolation-level reset (about 30 µs
        on SQLite, 100 µs on PostgreSQL: the API's token read, on every request)."""
        plan = self._plan(bind.dialect)
        pooled = bind.raw_connection()  # the pool's checkout and checkin events run as for any connection
        try:
            driver = pooled.driver_connection
            autocommit = bind.dialect.name == "postgresql"
            if autocommit:  # on the driver: it never begins, and the pool's rollback on return sends nothing
                driver.autocommit = True  # type: ignore[union-attr]
            cursor = pooled.cursor()
            try:
                cursor.execute(plan.sql, plan.args(params))
                rows = [plan.make(row) for row in cursor.fetchall()]
            finally:
                cursor.close()
                if autocommit:
                    out_of_autocommit(driver, pooled.invalidate)
            return rows
        finally:
            pooled.close()

    def rowcount(self, connection: Connection, params: dict[str, Any]) -> int:
        """Run a DML statement; the number of rows it matched."""
        return int(self._execute(connection, params, lambda cursor: cursor.rowcount)[1])

    def _execute(self, connection: DirectConnection, params: dict[str, Any],
                 take: Callable[[Any], Any]) -> tuple[_Plan, Any]:
        """Run the statement once on a cursor of the connection's transaction; ``take`` reads the cursor."""
        plan = self._plan(connection.dialect)
        cursor = _cursor(connection)
        try:
            if not plan.reads_only and take_pending_begin(connection):  # one round trip (db.hold_begin)
                driver = connection.connection.driver_connection
                with driver.pipeline():  # type: ignore[union-attr]
                    driver.execute("BEGIN")  # type: ignore[union-attr]
                    cursor.execute(plan.sql, plan.args(params))
            else:
                cursor.execute(plan.sql, plan.args(params))
            return plan, take(cursor)
        finally:
            cursor.close()

    def many(self, connection: Connection, rows: Sequence[dict[str, Any]]) -> None:
        cursor = _cursor(connection)
        try:
            self._run(cursor, connection.dialect, rows)
        finally:
            cursor.close()

    def _run(self, cursor: Any, dialect: Dialect, params: dict[str, Any] | Sequence[dict[str, Any]]) -> None:
        plan = self._plan(dialect)
        if isinstance(params, dict):
            cursor.execute(plan.sql, plan.args(params))
        elif len(params) == 1:
            cursor.execute(plan.sql, plan.args(params[0]))
        else:
            cursor.executemany(plan.sql, [plan.args(row) for row in params])

    def _plan(self, dialect: Dialect) -> _Plan:
        plan = self._plans.get(dialect.name)
        if plan is None:
            with self._lock:
                plan = self._plans.setdefault(dialect.name, _compile(self._statement, dialect, self._columns,
                                                                     self._recurring_times, self.writes_in_with))
        return plan


class _Checked(DirectStatement):
    """``DirectStatement.checked``'s statement: a SELECT that writes."""

    writes_in_with = True


@dataclass(frozen=True)
class Write:
    """One statement of a batch: a dict of parameters, or a list of rows for an INSERT."""

    statement: DirectStatement
    params: dict[str, Any] | Sequence[dict[str, Any]]


def run_batch(connection: Connection, writes: Sequence[Write], commit: bool = False) -> list[int]:
    """Run the writes in order; their rowcounts.

    On PostgreSQL (psycopg) the batch goes in one pipeline, one round trip instead of one per
    statement; a failing statement raises when the pipeline ends, and the transaction is then
    aborted, so the caller must roll back (as for any error).

    ``commit``: for a batch after which nothing is checked, in a transaction begun by ``hold_begin``
    (the driver in autocommit mode). On PostgreSQL the pipeline ends with the COMMIT, in the same round
    trip: the server skips it once a statement failed, leaving the transaction aborted for the caller's
    rollback; after it the caller's ``connection.commit()`` sends nothing (psycopg sees the server
    idle). Elsewhere it is left to the caller's ``connection.commit()``.
    """
    return write_and_read(connection, writes, (), commit)[0]


@dataclass(frozen=True)
class Read:
    """One SELECT of a batch, with its parameters."""

    statement: DirectStatement
    params: dict[str, Any]


def read_batch(connection: DirectConnection, reads: Sequence[Read]) -> list[list[Any]]:
    """Each read's rows (as ``DirectStatement.all``), in order; one pipeline on PostgreSQL."""
    return write_and_read(connection, (), reads)[1]


def pipelines(connection: DirectConnection) -> bool:
    """Whether a batch of reads goes in one round trip (PostgreSQL); then a read that may turn out not
    to be needed costs the server a little work but no round trip, so it may go in the batch."""
    return hasattr(connection.connection.driver_connection, "pipeline")


def write_and_read(connection: DirectConnection, writes: Sequence[Write], reads: Sequence[Read],
                   commit: bool = False) -> tuple[list[int], list[list[Any]]]:
    """``run_batch``, then the reads, which see the writes: the writes' rowcounts and each read's rows.
    On PostgreSQL all go in one pipeline, then the COMMIT if ``commit`` (see ``run_batch``)."""
    driver = connection.connection.driver_connection
    plans = [read.statement._plan(connection.dialect) for read in reads]
    # A held-back BEGIN (engine.persistence.db.hold_begin) goes first in the pipeline, unless all only read.
    begin = (bool(writes) or not all(plan.reads_only for plan in plans)) and take_pending_begin(connection)
    commit = commit and pipelines(connection)
    pipeline = getattr(driver, "pipeline", None) if len(writes) + len(reads) + begin + commit > 1 else None
    cursors = _cursors(connection, len(writes) + len(reads))
    writing, reading = cursors[:len(writes)], cursors[len(writes):]
    try:
        with pipeline() if pipeline is not None else nullcontext():
            if begin:
                driver.execute("BEGIN")  # type: ignore[union-attr]
            for write, cursor in zip(writes, writing, strict=True):
                write.statement._run(cursor, connection.dialect, write.params)
            for plan, read, cursor in zip(plans, reads, reading, strict=True):
                cursor.execute(plan.sql, plan.args(read.params))
            if commit:
                driver.execute("COMMIT")  # type: ignore[union-attr]
        return ([cursor.rowcount for cursor in writing],
                [[plan.make(row) for row in cursor.fetchall()] for plan, cursor in zip(plans, reading, strict=True)])
    finally:
        for cursor in cursors:
            cursor.close()


def _cursor(connection: DirectConnection) -> DBAPICursor:
    """A driver cursor inside the connection's transaction: begun as SQLAlchemy's autobegin would
    (its begin hook is what issues SQLite's BEGIN), when no statement has begun it yet."""
    if not connection.in_transaction():
        connection.begin()
    return connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]


def _cursors(connection: DirectConnection, count: int) -> list[DBAPICursor]:
    """``count`` cursors as ``_cursor``'s, the transaction checked once."""
    if not count:
        return []
    first = _cursor(connection)
    driver = connection.connection.dbapi_connection
    return [first, *(driver.cursor() for _ in range(count - 1))]  # type: ignore[union-attr]


def _compile(statement: ClauseElement, dialect: Dialect, columns: list[str] | None,
             recurring_times: bool = False, writes_in_with: bool = False) -> _Plan:
    if isinstance(statement, Insert) and not statement.exported_columns:
        # Else PostgreSQL's INSERT of one row would return its new key (SQLAlchemy's implicit RETURNING),
        # which no direct execution reads.
        statement = statement.inline()
    # A statement's compiler is the dialect's SQLCompiler; compile() is typed as any Compiled.
    compiled = cast(SQLCompiler, statement.compile(dialect=dialect, column_keys=columns))
    binds = {name: bind for bind, name in compiled.bind_names.items()}  # as named in the SQL
    processors: dict[str, Callable[[Any], Any]] = {}
    for name, bind in binds.items():
        # The dialect's implementation of the type, as SQLAlchemy's own execution uses: the generic one
        # leaves SQLite's datetimes to the driver, which drops ".000000" from a whole second.
        process = bind.type.dialect_impl(dialect).bind_processor(dialect)
        if process is not None:
            processors[name] = process
    row, results = _row_reader(statement, dialect, recurring_times)
    defaults = {name: bind.value for name, bind in binds.items() if bind.value is not None}
    defaults.update(_column_defaults(statement, binds, columns))
    order = tuple(compiled.positiontup or ()) if dialect.paramstyle in _POSITIONAL else None
    reads_only = (bool(getattr(statement, "is_select", False)) and getattr(statement, "_for_update_arg", None) is None
                  and not writes_in_with)
    processed = None if results is None else tuple(
        (index, process) for index, process in enumerate(results) if process is not None)
    return _Plan(compiled.string, order, defaults, processors, row, processed, reads_only,
                 all(_keeps_null(process) for _index, process in processed or ()))


def _keeps_null(process: Callable[[Any], Any]) -> bool:
    """The result processor gives None for None (SQLAlchemy's all do)."""
    try:
        return process(None) is None
    except Exception:  # then it is called for a NULL too, as SQLAlchemy would
        return False


def _row_reader(statement: ClauseElement, dialect: Dialect, recurring_times: bool = False) -> tuple[Any, Any]:
    """A SELECT's row class (a namedtuple of its column labels) and its columns' result processors
    (None when no column has one, e.g. SQLite's text datetimes); the same for the RETURNING columns of
    DML; (None, None) for DML without RETURNING. With ``recurring_times``, a time column's processor
    keeps its answers (``_keeping``)."""
    if getattr(statement, "is_select", False):
        selected = getattr(statement, "selected_columns", None)
    else:  # a DML statement's exported columns are its RETURNING columns, empty without
        selected = getattr(statement, "exported_columns", None) if getattr(statement, "is_dml", False) else None
    if not selected:
        return None, None
    results = tuple(_keeping(process) if process is not None and recurring_times and _is_time(column.type)
                    else process
                    for column in selected
                    for process in [column.type.dialect_impl(dialect).result_processor(dialect, None)])
    return namedtuple("Row", list(selected.keys())), (results if any(results) else None)


def _is_time(type_: Any) -> bool:
    """A DateTime column, or one whose type decorates a DateTime."""
    return isinstance(type_, DateTime) or (isinstance(type_, TypeDecorator)
                                           and isinstance(type_.impl_instance, DateTime))


_TIMES_KEPT = 4096  # per column of a statement: the times of a few hundred cases' tasks


def _keeping(process: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """``process`` keeping its answers by the value read, a text (SQLite) or a naive datetime
    (PostgreSQL's timestamp): converting one costs about a microsecond, a page reads some forty. Only an
    answer that is a datetime is kept (immutable: the same object may go to every reader)."""
    kept: dict[Any, Any] = {}

    def convert(value: Any) -> Any:
        kind = type(value)
        if not (kind is str or (kind is datetime and value.tzinfo is None and not value.fold)):
            return process(value)
        found = kept.get(value)
        if found is None:
            found = process(value)
            if type(found) is datetime:
                if len(kept) >= _TIMES_KEPT:
                    kept.clear()
                kept[value] = found
        return found

    return convert


class ByCount:
    """A statement whose shape depends on a count (an IN list's length, an INSERT's rows): ``build(n)``
    writes it, and each count is compiled once, by the first thread that asks for it."""

    def __init__(self, build: Callable[[int], ClauseElement]) -> None:
        self._build = build
        self._by_count: dict[int, DirectStatement] = {}
        self._lock = threading.Lock()

    def __call__(self, count: int) -> DirectStatement:
        direct = self._by_count.get(count)
        if direct is None:
            with self._lock:
                direct = self._by_count.setdefault(count, DirectStatement(self._build(count)))
        return direct


class DirectIn:
    """A SELECT with one IN list whose length varies: ``build(n)`` writes it with the list as the bind
    parameters ``in_0`` .. ``in_<n-1>``, and each length is compiled once. SQLAlchemy's expanding IN
    instead rebuilds the SQL and its cache key at every execution. Longer lists than ``limit`` run
    through SQLAlchemy (rows read the same by attribute)."""

    def __init__(self, build: Callable[[int], Select[Any]], limit: int = 32) -> None:
        self._build = build
        self._limit = limit
        self._direct = ByCount(build)

    @staticmethod
    def binds(count: int) -> list[Any]:
        """The bind parameters ``build`` puts in its IN list."""
        return [bindparam(f"in_{n}") for n in range(count)]

    def read(self, values: Sequence[Any], params: dict[str, Any]) -> Read:
        """The statement for this many values, with its parameters, for ``read_batch`` (past ``limit``
        compiled for this read alone)."""
        count, binds = len(values), _in_binds(values, params)
        if count > self._limit:
            return Read(DirectStatement(self._build(count)), binds)
        return Read(self._direct(count), binds)

    def all(self, connection: Connection, values: Sequence[Any], params: dict[str, Any]) -> list[Any]:
        count, binds = len(values), _in_binds(values, params)
        if count > self._limit:
            return list(connection.execute(self._build(count), binds))
        return self._direct(count).all(connection, binds)


def _in_binds(values: Sequence[Any], params: dict[str, Any]) -> dict[str, Any]:
    return {**params, **{f"in_{n}": value for n, value in enumerate(values)}}


def _column_defaults(statement: ClauseElement, binds: dict[str, Any], columns: list[str] | None) -> dict[str, Any]:
    """An INSERT's Python-side scalar defaults for the columns the rows leave out; SQLAlchemy would
    fill them in its execution context, which a direct execution has not.

    :raises TypeError: a left-out column's default is computed (a callable or SQL expression)
    """
    table = getattr(statement, "table", None)
    if columns is None or table is None or not getattr(statement, "is_insert", False):
        return {}
    found = {}
    for name in binds.keys() - set(columns):
        default = table.c[name].default if name in table.c else None
        if default is None:
            continue
        if not default.is_scalar:
            raise TypeError(f"column {name} has a computed default; give it in every row")
        found[name] = default.arg
    return found
