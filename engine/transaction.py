"""One use case = one transaction: audit events written last, lost races reported as conflicts."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from engine.audit import StepWrite, write_events
from engine.persistence.direct import DirectStatement, Write
from engine.errors import ConcurrentUpdate, EngineError


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


class Transaction:
    """``sessions.begin()`` that writes queued audit events last and turns a lost race into ConcurrentUpdate."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._cm = sessions.begin()
        self._session: Session | None = None

    def __enter__(self) -> Session:
        self._session = self._cm.__enter__()
        self._session.info[EVENTS_KEY] = []
        self._session.info[HEADS_KEY] = {}
        self._session.info[_AFTER_COMMIT_KEY] = []
        self._session.info[_WRITES_KEY] = []
        return self._session

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> bool:
        assert self._session is not None
        events = self._session.info.pop(EVENTS_KEY, [])
        known_heads = self._session.info.pop(HEADS_KEY, {})
        callbacks = self._session.info.pop(_AFTER_COMMIT_KEY, [])
        writes = self._session.info.pop(_WRITES_KEY, [])
        body_failed = exc is not None
        if exc is None and (events or writes):
            try:
                self._session.flush()  # state changes (and their version checks) before the events
                write_events(self._session, events, known_heads, writes)
            except Exception as error:  # noqa: BLE001 - rolled back below, then mapped like any other
                exc_type, exc, tb = type(error), error, error.__traceback__
        failure = exc
        try:
            self._cm.__exit__(exc_type, exc, tb)  # commit, or roll back when failing
        except Exception as error:  # noqa: BLE001
            failure = error
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
