"""A read-only transaction for direct statements alone, on SQLite without SQLAlchemy's ``Connection``.

A task page is a few direct statements (``engine.persistence.compiled``) in one read transaction. Through
SQLAlchemy's ``Connection`` (``read_only_connection``), opening it, beginning, rolling back and closing cost
about 50 µs on SQLite, a quarter of the page's own time besides its statements; on the pool's driver
connection the same BEGIN and ROLLBACK cost 15 µs. The pool still hands the connection out and takes it back
(its checkout and checkin events run, and its reset on return rolls the read transaction back).
On PostgreSQL ``read_only_connection`` is used as before: it reads in autocommit mode, and its pipelines
need what it sets up.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Dialect
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import PoolProxiedConnection

from engine.persistence.db import DirectConnection, engine_of, read_only_connection


class DriverReads:
    """A pooled SQLite driver connection as direct statements use it (``DirectConnection``); its
    transaction is begun by the first statement (deferred: it takes no lock, and never waits for a writer
    under WAL). It runs no SQLAlchemy statement: it has no ``execute``."""

    __slots__ = ("dialect", "connection", "info", "_begun")

    def __init__(self, dialect: Dialect, pooled: PoolProxiedConnection) -> None:
        self.dialect = dialect
        self.connection = pooled
        self.info: dict[Any, Any] = {}  # nothing is held back here (``BEGIN_PENDING`` is PostgreSQL's)
        self._begun = False

    def in_transaction(self) -> bool:
        return self._begun

    def begin(self) -> None:
        self.connection.driver_connection.execute("BEGIN")  # type: ignore[union-attr]
        self._begun = True


@contextmanager
def direct_reads(sessions: sessionmaker[Session]) -> Iterator[DirectConnection]:
    """A connection for direct statements that only read, all seeing one snapshot (``DriverReads`` on
    SQLite, ``read_only_connection`` elsewhere)."""
    bind = engine_of(sessions)
    if bind.dialect.name != "sqlite":
        with read_only_connection(sessions) as connection:
            yield connection
        return
    pooled = bind.raw_connection()
    try:
        yield DriverReads(bind.dialect, pooled)
    finally:
        pooled.close()  # the pool's reset rolls the read transaction back
