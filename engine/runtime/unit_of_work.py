"""One use case = one transaction: audit events written last, lost races reported as conflicts."""
from __future__ import annotations

from collections.abc import Callable
from types import TracebackType
from typing import Any, Literal, cast

from sqlalchemy import Connection
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from engine.audit.chain import StepWrite, write_events
from engine.errors import ConcurrentUpdate, EngineError
from engine.persistence.db import engine_of
from engine.persistence.compiled import DirectStatement, Write


EVENTS_KEY = "alur_pending_events"
HEADS_KEY = "alur_known_chain_heads"  # chain -> (seq, hash) read earlier in the transaction
_AFTER_COMMIT_KEY = "alur_after_commit"
_WRITES_KEY = "alur_step_writes"


def queue_write(session: Session, statement: DirectStatement, params: dict[str, Any] | list[dict[str, Any]],
                conflict: Callable[[], Exception] | None = None) -> None:
    """Write at the end of the transaction, in one batch with the audit chain heads.

    ``conflict``: the write must change exactly one row, else this error is raised (and all rolls
    back). Nothing in the transaction may read what a queued write changes.
    """
    session.info[_WRITES_KEY].append(StepWrite(Write(statement, params), conflict))


def after_commit(session: Session, callback: Callable[[], None]) -> None:
    """Run ``callback`` once the transaction of ``session`` committed (never after a rollback)."""
    session.info[_AFTER_COMMIT_KEY].append(callback)


class StepSession:
    """What a use case works in: its transaction's Core connection, and an ORM Session made only
    when the use case asks for one. A step that runs only prebuilt statements (completing a task)
    never builds a Session, which costs about as much as two of its statements.

    ``connection()`` and ``info`` are its own; any other attribute is the Session's, so helpers
    written for a Session take this unchanged.
    """

    def __init__(self, connection: Connection) -> None:
        self.info: dict[str, Any] = {}
        self._connection = connection
        self._orm: Session | None = None

    def connection(self) -> Connection:
        return self._connection

    @property
    def orm(self) -> Session:
        if self._orm is None:
            self._orm = Session(bind=self._connection, join_transaction_mode="rollback_only",
                                expire_on_commit=False, info=self.info)
        return self._orm

    def __getattr__(self, name: str) -> Any:
        return getattr(self.orm, name)

    def flush(self) -> None:
        if self._orm is not None:
            self._orm.flush()

    def close(self) -> None:
        if self._orm is not None:
            self._orm.close()


class Transaction:
    """One transaction on a connection of ``sessions``' engine: queued writes and audit events are
    written last, a lost race becomes ConcurrentUpdate. Yields a StepSession (used as a Session)."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._engine = engine_of(sessions)
        self._connection: Connection | None = None
        self._step: StepSession | None = None

    def __enter__(self) -> Session:
        self._connection = self._engine.connect()
        try:
            self._connection.begin()  # on SQLite: BEGIN IMMEDIATE, which waits for the write lock
        except BaseException as error:
            self._connection.close()
            if isinstance(error, Exception) and _is_lock_timeout(error):
                raise ConcurrentUpdate("Data sedang diubah oleh pengguna lain; coba lagi") from error
            raise
        self._step = StepSession(self._connection)
        self._step.info.update({EVENTS_KEY: [], HEADS_KEY: {}, _AFTER_COMMIT_KEY: [], _WRITES_KEY: []})
        return cast(Session, self._step)

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> Literal[False]:
        assert self._step is not None and self._connection is not None
        step, connection = self._step, self._connection
        events = step.info.pop(EVENTS_KEY, [])
        known_heads = step.info.pop(HEADS_KEY, {})
        callbacks = step.info.pop(_AFTER_COMMIT_KEY, [])
        writes = step.info.pop(_WRITES_KEY, [])
        body_failed = exc is not None
        failure = exc
        try:
            if exc is None:
                step.flush()  # state changes (and their version checks) before the events
                if events or writes:
                    write_events(cast(Session, step), events, known_heads, writes)
                step.close()
                connection.commit()
        except Exception as error:  # noqa: BLE001 - rolled back below, then mapped like any other
            failure = error
        finally:
            if failure is not None:
                try:
                    step.close()
                    connection.rollback()
                except Exception:  # noqa: BLE001 - the first failure is the one to report
                    pass
            connection.close()
        if failure is None:
            for callback in callbacks:
                callback()
            return False
        if isinstance(failure, StaleDataError) or (
                not isinstance(failure, EngineError) and _is_lock_timeout(failure)):
            raise ConcurrentUpdate("Data sudah diubah oleh pengguna lain; muat ulang dan coba lagi") from failure
        if failure is not exc or not body_failed:
            raise failure
        return False  # the body's own exception propagates unchanged


def _is_lock_timeout(exc: BaseException) -> bool:
    return "database is locked" in str(exc) or "could not serialize" in str(exc)
