"""One use case = one unit of work: one transaction, its audit events written last, a lost race
reported as a conflict.

A use case that writes opens one and says what it does through named operations::

    with UnitOfWork.begin(self._sessions) as work:
        row = TASK.first(work.connection, {...})          # prebuilt statements on the Core connection
        user = work.session.get(UserAccount, user_id)     # an ORM Session, built on first use
        work.knows_head(case_chain(case_id), seq, hash)   # a chain head read above
        work.starts_chain(case_chain(new_case_id))        # or the chain of a case inserted here
        work.queue_write(SAVE_CASE, {...}, conflict=lambda: ConcurrentUpdate(...))
        work.record_for_case(case_id, "task_completed", actor=actor, at=now, payload={...})
        work.record(SYSTEM_CHAIN, "user_added", actor=actor, at=now, payload={...})
        work.after_commit(lambda: cache.keep(...))

When the block ends without an error, in this order: the ORM session (if one was built) is
flushed, with its version checks; one batch runs the queued writes, makes the head of each new
chain, moves each known chain head from the value read and inserts its events where the move
matched, and reads locked (``FOR UPDATE``) the head of each chain whose head was not known
(``engine.persistence.compiled.write_and_read``: one round trip on PostgreSQL); a queued write that
did not change exactly one row raises its conflict; a known head that moved meanwhile is read locked
then; so concurrent writers to one chain queue up instead of forking it; the heads read locked move
and their events go in with one insert (one round trip more, only then, which carries the COMMIT
on PostgreSQL: nothing is checked after it); the transaction commits; the after-commit callbacks
run. If anything fails, all is rolled back and no callback runs. A stale ORM row (StaleDataError), a
lock not granted in time and a racing insert in the batch become ``ConcurrentUpdate``; the block's
own exceptions propagate unchanged.

On PostgreSQL the transaction's BEGIN goes with its first statement (``engine.persistence.db.hold_begin``).

``engine.audit.chain`` computes the rows (hashes) of a chain from its head; this module writes them.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from types import TracebackType
from typing import Any, TypeAlias

from sqlalchemy import Connection, Engine, bindparam, insert, select, text
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from engine.audit.chain import GENESIS, PendingEvent, case_chain, chain_rows
from engine.errors import ConcurrentUpdate, EngineError
from engine.persistence.compiled import DirectStatement, Read, Write, run_batch, write_and_read
from engine.persistence.db import end_write, engine_of, hold_begin
from engine.persistence.models import AuditChainHead
from engine.runtime.step_statements import ADVANCE_HEAD, INSERT_EVENTS, INSERT_EVENTS_AFTER_MOVE

Params: TypeAlias = dict[str, Any] | Sequence[dict[str, Any]]  # one row, or the rows of an INSERT


class UnitOfWork:
    """What a use case works in: its transaction's connection, an ORM Session made only when the
    use case asks for one, and what is written when it ends (audit events, queued writes). A step
    that runs only prebuilt statements (completing a task) never builds a Session, which costs
    about as much as two of its statements."""

    __slots__ = ("_connection", "_session", "_events", "_heads", "_new_chains", "_writes", "_conflicts",
                 "_callbacks")

    def __init__(self, connection: Connection) -> None:
        self._connection = connection
        self._session: Session | None = None
        self._events: list[PendingEvent] = []
        self._heads: dict[str, tuple[int, str]] = {}
        self._new_chains: set[str] = set()
        self._writes: list[Write] = []
        self._conflicts: list[Callable[[], Exception] | None] = []
        self._callbacks: list[Callable[[], None]] = []

    @staticmethod
    def begin(sessions: sessionmaker[Session]) -> _Transaction:
        """A unit of work on a new connection of ``sessions``' engine, for a ``with`` block.

        :raises ConcurrentUpdate: on SQLite, the write lock was not granted in time
        """
        return _Transaction(engine_of(sessions))

    @property
    def connection(self) -> Connection:
        """The transaction's Core connection."""
        return self._connection

    @property
    def has_session(self) -> bool:
        """Whether the ORM Session was built (then it may hold rows not flushed yet)."""
        return self._session is not None

    @property
    def session(self) -> Session:
        """An ORM Session in this transaction, built on first use (it never commits on its own)."""
        if self._session is None:
            self._session = Session(bind=self._connection, join_transaction_mode="rollback_only",
                                    expire_on_commit=False)
        return self._session

    def record(self, chain: str, event_type: str, *, actor: str, at: datetime,
               payload: dict[str, Any] | None = None, instance_id: int | None = None) -> None:
        """Append an audit event to ``chain`` when the unit of work ends (in the order recorded).

        The payload is serialised then: it must not change after it is recorded.
        """
        self._events.append(PendingEvent(chain, event_type, actor, at, payload or {}, instance_id))

    def record_for_case(self, instance_id: int, event_type: str, *, actor: str, at: datetime,
                        payload: dict[str, Any] | None = None) -> None:
        """Append an audit event to the case's own chain (see ``record``)."""
        self._events.append(PendingEvent(case_chain(instance_id), event_type, actor, at, payload or {},
                                         instance_id))

    def knows_head(self, chain: str, seq: int, hash: str) -> None:
        """The head of ``chain`` as read earlier in this transaction: it is moved from this value in the
        batch of queued writes, with no locked read, unless another writer moved it meanwhile."""
        self._heads[chain] = (seq, hash)

    def starts_chain(self, chain: str) -> None:
        """``chain`` begins in this transaction (the chain of a case it inserts): its head row is made in
        the batch of queued writes, with no locked read. Should the head exist after all, it is read
        locked and moved as for any chain whose head was not known."""
        self._heads[chain] = (0, GENESIS)
        self._new_chains.add(chain)

    def queue_write(self, statement: DirectStatement, params: Params,
                    conflict: Callable[[], Exception] | None = None) -> None:
        """Run ``statement`` when the unit of work ends, in one batch with the chain heads.

        ``params``: a dict, or a list of rows for an INSERT. ``conflict``: the write must change
        exactly one row, else this error is raised (and all rolls back). Nothing in the unit of
        work may read what a queued write changes.
        """
        self._writes.append(Write(statement, params))
        self._conflicts.append(conflict)

    def commit_without_flush_wait(self) -> None:
        """On PostgreSQL, commit without waiting for the commit to reach the disk (``synchronous_commit``
        off for this transaction only): for writes a crash may lose without harm, and that nothing
        committed already depends on. A crash within a fraction of a second after the commit may
        undo the whole transaction (never a part of it: its audit events and chain heads go with it);
        any later transaction committed normally flushes the log up to itself, so once one that read
        these rows has committed, they are as durable as it is. SQLite (WAL, synchronous=NORMAL) never
        waits for the disk at a commit anyway."""
        if self._connection.dialect.name == "postgresql":
            self._writes.insert(0, Write(_COMMIT_WITHOUT_FLUSH_WAIT, {}))
            self._conflicts.insert(0, None)

    def after_commit(self, callback: Callable[[], None]) -> None:
        """Run ``callback`` once the transaction committed (never after a rollback)."""
        self._callbacks.append(callback)

    # -- the end, run by _Transaction ----------------------------------------------------------

    def _commit(self) -> None:
        if self._session is not None:
            self._session.flush()  # state changes (and their version checks) before the events
        rest = self._write_batch() if self._events or self._writes else []
        self._close_session()
        if rest:  # nothing is checked after it: on PostgreSQL the COMMIT goes in its round trip
            run_batch(self._connection, rest, commit=True)
        self._connection.commit()

    def _rollback(self) -> None:
        self._close_session()
        self._connection.rollback()

    def _close_session(self) -> None:
        if self._session is not None:
            self._session.close()

    def _write_batch(self) -> list[Write]:
        """The queued writes, the moves of the heads known and their events; then what is left to write in
        a second batch: the moves of the heads read locked here, and one insert for their events.

        :raises Exception: the ``conflict`` of a queued write that did not change exactly one row
        """
        by_chain: dict[str, list[PendingEvent]] = {}
        for event in self._events:
            by_chain.setdefault(event.chain, []).append(event)
        heads = self._heads
        optimistic = {chain: chain_rows(chain, pending, *heads[chain])
                      for chain, pending in by_chain.items() if chain in heads}
        # A new chain's head starts at (0, GENESIS), unless it exists (then it stays, and is read locked below).
        creates = [Write(_CREATE_HEAD, {"chain": chain, "seq": 0, "hash": GENESIS})
                   for chain in optimistic if chain in self._new_chains]
        advances = [Write(ADVANCE_HEAD, {"chain_key": chain, "old_seq": heads[chain][0],
                                         "new_seq": rows[-1]["seq"], "new_hash": rows[-1]["hash"]})
                    for chain, rows in optimistic.items()]
        # Their events go in the same batch, each only if its head moved (INSERT_EVENTS_AFTER_MOVE).
        after_move = [Write(INSERT_EVENTS_AFTER_MOVE, [{**row, "head_seq": rows[-1]["seq"],
                                                        "head_hash": rows[-1]["hash"]}
                                                       for rows in optimistic.values() for row in rows])
                      ] if optimistic else []
        # A chain whose head was not read before is read locked in the same batch, after the writes.
        unknown = [chain for chain in by_chain if chain not in heads]
        connection = self._connection
        writes = self._writes + creates + advances + after_move
        try:
            counts, locked = write_and_read(connection, writes,
                                            [Read(_LOCK_HEAD, {"chain_key": chain}) for chain in unknown])
        except connection.dialect.loaded_dbapi.IntegrityError as exc:
            # A racing writer made the same rows first (e.g. the next task of a step done twice at
            # once); on PostgreSQL the whole batch runs before its version checks can be read.
            raise ConcurrentUpdate("Data sudah diubah oleh pengguna lain; muat ulang dan coba lagi") from exc
        for conflict, count in zip(self._conflicts, counts, strict=False):
            if conflict is not None and count != 1:
                raise conflict()
        first_advance = len(self._writes) + len(creates)
        moved = {chain for chain, count in zip(optimistic, counts[first_advance:first_advance + len(advances)],
                                               strict=True) if count == 1}
        if after_move and counts[-1] != sum(len(optimistic[chain]) for chain in moved):
            raise ConcurrentUpdate("Data sudah diubah oleh pengguna lain; muat ulang dan coba lagi")
        rows: list[dict[str, Any]] = []
        locked_advances: list[Write] = []  # heads read locked here: moved in the batch with the events
        read_locked = {chain: found[0] if found else None for chain, found in zip(unknown, locked, strict=True)}
        for chain, pending in by_chain.items():
            if chain in moved:
                continue  # its events went in with the move
            head = read_locked[chain] if chain in read_locked else _LOCK_HEAD.first(connection, {"chain_key": chain})
            new_rows = chain_rows(chain, pending, *((head.seq, head.hash) if head else (0, GENESIS)))
            if head:
                locked_advances.append(Write(ADVANCE_HEAD, {
                    "chain_key": chain, "old_seq": head.seq, "new_seq": new_rows[-1]["seq"],
                    "new_hash": new_rows[-1]["hash"]}))
            else:
                connection.execute(_INSERT_HEAD, {"chain": chain, "seq": new_rows[-1]["seq"],
                                                  "hash": new_rows[-1]["hash"]})
            rows += new_rows
        return locked_advances + ([Write(INSERT_EVENTS, rows)] if rows else [])


class _Transaction:
    """``UnitOfWork.begin``'s context manager: opens the transaction, then commits or rolls back."""

    __slots__ = ("_engine", "_work")

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._work: UnitOfWork | None = None

    def __enter__(self) -> UnitOfWork:
        connection = self._engine.connect()
        try:
            hold_begin(connection)  # on PostgreSQL: sent with the first statement
            connection.begin()  # on SQLite: BEGIN IMMEDIATE, which waits for the write lock
        except BaseException as error:
            end_write(connection)
            if isinstance(error, Exception) and _is_lock_timeout(error):
                raise ConcurrentUpdate("Data sedang diubah oleh pengguna lain; coba lagi") from error
            raise
        self._work = UnitOfWork(connection)
        return self._work

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        work = self._work
        assert work is not None, "__exit__ without __enter__"
        self._work = None
        failure = exc
        try:
            if exc is None:
                work._commit()
        except Exception as error:  # noqa: BLE001 - rolled back below, then mapped like any other
            failure = error
        finally:
            if failure is not None:
                try:
                    work._rollback()
                except Exception:  # noqa: BLE001 - the first failure is the one to report
                    pass
            end_write(work.connection)
        if failure is None:
            for callback in work._callbacks:
                callback()
            return
        if isinstance(failure, StaleDataError) or (
                not isinstance(failure, EngineError) and _is_lock_timeout(failure)):
            raise ConcurrentUpdate("Data sudah diubah oleh pengguna lain; muat ulang dan coba lagi") from failure
        if failure is not exc:
            raise failure
        # the block's own exception propagates unchanged


def _is_lock_timeout(exc: BaseException) -> bool:
    return "database is locked" in str(exc) or "could not serialize" in str(exc)


_LOCK_HEAD = DirectStatement(select(AuditChainHead.seq, AuditChainHead.hash)
                             .where(AuditChainHead.chain == bindparam("chain_key")).with_for_update())
_INSERT_HEAD = insert(AuditChainHead)
_CREATE_HEAD = DirectStatement(postgresql.insert(AuditChainHead.__table__).on_conflict_do_nothing(
    index_elements=["chain"]))  # PostgreSQL's construct; SQLite's compiler writes the same clause
_COMMIT_WITHOUT_FLUSH_WAIT = DirectStatement(text("SET LOCAL synchronous_commit TO OFF"))
