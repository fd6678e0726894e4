"""Database engine and session factory: SQLite (WAL) by default, PostgreSQL via URL."""
from __future__ import annotations

import time
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Protocol

from sqlalchemy import Connection, Dialect, Engine, create_engine, event
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import PoolProxiedConnection, StaticPool

from engine.persistence.wal_checkpoints import BACKSTOP_PAGES, checkpoint_in_background

READ_ONLY = "alur_read_only"
# Set in a connection's info while its unit of work's BEGIN waits for the first statement (PostgreSQL).
BEGIN_PENDING = "alur_begin_pending"
PING_AFTER_IDLE_SECONDS = 5.0
_CHECKED_IN_AT = "alur_checked_in_at"


class DirectConnection(Protocol):
    """What direct statements (``engine.persistence.compiled``) use of a connection: SQLAlchemy's
    ``Connection``, or a page's driver connection (``engine.persistence.direct_reads``)."""

    @property
    def dialect(self) -> Dialect: ...

    @property
    def connection(self) -> PoolProxiedConnection: ...

    @property
    def info(self) -> dict[Any, Any]: ...

    def in_transaction(self) -> bool: ...

    def begin(self) -> object: ...


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine; SQLite gets WAL, a busy timeout and transactions that start on BEGIN."""
    if url.startswith("sqlite"):
        memory = url in ("sqlite://", "sqlite:///:memory:")
        engine = create_engine(url, connect_args={"check_same_thread": False},
                               poolclass=StaticPool if memory else None, **kwargs)
        _configure_sqlite(engine, wal=not memory)
        if not memory and engine.url.database:
            checkpoint_in_background(engine, engine.url.database)
        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    # No JIT: Alur's statements are short index reads, and a generic plan estimated above
    # jit_above_cost paid 0.4-1.4 s compiling for a query that runs in milliseconds.
    connect_args = {**kwargs.pop("connect_args", {})}
    connect_args["options"] = f"{connect_args.get('options', '')} -c jit=off".strip()
    engine = create_engine(url, connect_args=connect_args, **kwargs)
    _ping_idle_connections(engine)
    return engine


def _ping_idle_connections(engine: Engine) -> None:
    """Check a pooled connection before use only if it sat idle for a while (a server restart, a
    dropped TCP connection); a dead one is replaced. ``pool_pre_ping`` would ping before every
    transaction, one more round trip per step."""
    @event.listens_for(engine.pool, "checkin")
    def _on_checkin(_dbapi_connection: Any, record: Any) -> None:
        record.info[_CHECKED_IN_AT] = time.monotonic()

    @event.listens_for(engine.pool, "checkout")
    def _on_checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        idle_since = record.info.get(_CHECKED_IN_AT)
        if idle_since is None or time.monotonic() - idle_since < PING_AFTER_IDLE_SECONDS:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as exc:  # noqa: BLE001 - any failure means the connection is unusable
            raise DisconnectionError(f"pooled connection failed its ping: {exc}") from exc


def _configure_sqlite(engine: Engine, wal: bool) -> None:
    # pysqlite's own transaction handling defers BEGIN and breaks SAVEPOINT; take control of it
    # (the recipe from SQLAlchemy's SQLite dialect docs).
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        if wal:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute(f"PRAGMA wal_autocheckpoint={BACKSTOP_PAGES}")  # the checkpoints: wal_checkpoints
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # IMMEDIATE takes the write lock up front: two writers queue instead of deadlocking
        # on a read-to-write upgrade, and the optimistic version check then does its job.
        # Read-only sessions begin deferred, so under WAL they never wait for a writer.
        # On the driver itself: through exec_driver_sql this BEGIN cost as much as a step's query.
        read_only = connection.get_execution_options().get(READ_ONLY)
        connection.connection.driver_connection.execute("BEGIN" if read_only else "BEGIN IMMEDIATE")


def hold_begin(connection: Connection) -> None:
    """For a unit of work's new connection, before its transaction begins (it then commits or rolls
    back, and calls ``end_write``).

    PostgreSQL: the BEGIN is held back and sent with the first statement that writes or locks, in its
    round trip (psycopg sends its own BEGIN alone and waits for it): a completion's BEGIN goes in the
    pipeline of its writes. The direct SELECTs before it that lock nothing run on their own, as
    ``read_only_connection``'s do: under READ COMMITTED each statement of a transaction sees its own
    snapshot anyway and a plain read holds no row lock, so they see what they would have seen inside,
    and the writes check the versions read as before. The driver runs in autocommit mode meanwhile,
    so it never begins on its own; COMMIT and ROLLBACK still go out, since psycopg sends them whenever
    the server is in a transaction. A direct statement (``engine.persistence.compiled``) pipelines
    the BEGIN with itself; anything SQLAlchemy runs first, read or not, sends it just before
    (``_begin_before_first_statement``). SQLite: nothing (its BEGIN IMMEDIATE waits for the write lock).

    The driver's autocommit is set on the driver itself and set back by ``end_write``: through
    SQLAlchemy's ``isolation_level`` option, setting it and the pool's reset on return cost about 25 µs
    per unit of work, as much as a statement. SQLAlchemy only logs differently in autocommit mode.
    """
    if connection.dialect.name == "postgresql":
        _begin_on_first_statement(connection.engine)
        connection.connection.driver_connection.autocommit = True  # type: ignore[union-attr]
        connection.info[BEGIN_PENDING] = True


def end_write(connection: Connection) -> None:
    """Close a ``hold_begin`` connection (committed or rolled back) back into the pool, its driver out of
    autocommit mode; one that cannot be set back (still in a transaction, broken) is discarded."""
    try:
        if not connection.invalidated:  # else its driver connection (and info) is discarded anyway
            connection.info.pop(BEGIN_PENDING, None)
            if connection.dialect.name == "postgresql":
                _out_of_autocommit(connection)
    finally:
        connection.close()


_BEGINNING: weakref.WeakSet[Engine] = weakref.WeakSet()


def _begin_on_first_statement(engine: Engine) -> None:
    """Hook SQLAlchemy's executions of ``engine`` once, for ``hold_begin``'s BEGIN held back."""
    if engine not in _BEGINNING:
        event.listen(engine, "before_cursor_execute", _begin_before_first_statement)
        _BEGINNING.add(engine)


def _begin_before_first_statement(connection: Connection, *_args: Any) -> None:
    if connection.info.pop(BEGIN_PENDING, False):
        connection.connection.driver_connection.execute("BEGIN")  # type: ignore[union-attr]


def take_pending_begin(connection: DirectConnection) -> bool:
    """Whether the statement about to run, which writes or locks, must begin ``hold_begin``'s transaction
    (then it is told once)."""
    return bool(connection.info.pop(BEGIN_PENDING, False))


def make_sessions(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def make_read_sessions(engine: Engine) -> sessionmaker[Session]:
    """Sessions for queries that never write (on SQLite they take no write lock)."""
    return sessionmaker(engine.execution_options(**{READ_ONLY: True}), expire_on_commit=False)


def engine_of(sessions: sessionmaker[Session]) -> Engine:
    """The engine a session factory binds to (no connection is opened)."""
    bind: Engine = sessions.kw["bind"]  # sessionmaker keeps its arguments untyped
    return bind


@contextmanager
def read_only_session(sessions: sessionmaker[Session]) -> Iterator[Session]:
    """A session for reads only.

    On SQLite its transaction begins deferred, so it takes no write lock and never waits for (or
    blocks) a writer under WAL. On PostgreSQL each statement runs on its own (autocommit): under
    READ COMMITTED every statement of a transaction sees its own snapshot anyway, and this spares
    the BEGIN and ROLLBACK round trips of a transaction that only reads.
    """
    with sessions() as session:
        session.connection(execution_options=_read_only_options(engine_of(sessions)))
        yield session


@contextmanager
def read_only_connection(sessions: sessionmaker[Session]) -> Iterator[Connection]:
    """A connection like read_only_session's, for Core statements: through an ORM session, the
    session and its execution machinery cost about as much as the statement itself on SQLite.

    On PostgreSQL the driver's autocommit is set on the driver itself, and set back before the connection
    returns to the pool (as ``hold_begin`` and ``end_write`` do): through SQLAlchemy's ``isolation_level``
    option, setting it and the pool's reset on return cost 10-15 µs more per read.
    """
    bind = engine_of(sessions)
    with bind.connect() as connection:
        connection.execution_options(**{READ_ONLY: True})  # before the first statement begins
        if bind.dialect.name != "postgresql":
            yield connection
            return
        connection.connection.driver_connection.autocommit = True  # type: ignore[union-attr]
        try:
            yield connection
        finally:
            _out_of_autocommit(connection)


def _out_of_autocommit(connection: Connection) -> None:
    """``out_of_autocommit`` for a connection SQLAlchemy holds."""
    if not connection.invalidated:  # else its driver connection is discarded anyway
        out_of_autocommit(connection.connection.driver_connection, connection.invalidate)


def out_of_autocommit(driver: Any, discard: Callable[[], object]) -> None:
    """Set a PostgreSQL driver connection back out of autocommit mode before it returns to the pool; one
    that cannot be set back (still in a transaction, broken) is discarded."""
    try:
        driver.autocommit = False
    except Exception:  # noqa: BLE001 - never back into the pool in autocommit mode
        discard()


def _read_only_options(bind: Engine) -> dict[str, Any]:
    if bind.dialect.name == "postgresql":
        return {READ_ONLY: True, "isolation_level": "AUTOCOMMIT"}
    return {READ_ONLY: True}
