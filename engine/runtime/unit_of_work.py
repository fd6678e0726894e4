"""One use case = one unit of work: one transaction, its audit events written last, a lost race
reported as a conflict.

A use case that writes opens one and says what it does through named operations::

    with UnitOfWork.begin(self._sessions) as work:
        row = TASK.first(work.connection, {...})          # prebuilt statements on the Core connection
        user = work.session.get(UserAccount, user_id)     # an ORM Session, built on first use
        work.knows_head(case_chain(case_id), seq, hash)   # a chain head read above
        work.starts_chain(case_chain(new_case_id))        # or the chain of a case inserted here
        work.queue_write(SAVE_CASE, {...}, conflict=lambda: ConcurrentUpdate(...))
        work.queue_insert(UPLOADS, {...})                 # a row into a table, its rowcount not checked
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
and their events go in (one round trip more, only then, which carries the COMMIT on PostgreSQL:
nothing is checked after it); the transaction commits; the after-commit callbacks
run. If anything fails, all is rolled back and no callback runs. A stale ORM row (StaleDataError), a
lock not granted in time and a racing insert in the batch become ``ConcurrentUpdate``; the block's
own exceptions propagate unchanged.

On PostgreSQL the transaction's BEGIN goes with its first statement (``engine.persistence.db.hold_begin``),
and each chain's append is one statement, its head's write and its events (``_appends``); on SQLite (no
data-modifying WITH) the head's write and an insert of the events that checks the head moved. On PostgreSQL,
too, a unit of work with one event, on a chain whose head it did not read, and no queued write whose rowcount
is checked has the server hash its event (``_SERVER_APPEND``: the head read locked, moved and the event
inserted in one statement), so all goes in one round trip with the COMMIT; and if all it writes besides is
rows of ``queue_insert`` (an upload to a case) and it sent nothing yet, those go in that statement, which
runs as a transaction of its own: one statement, no BEGIN, no COMMIT (``_server_append_after``).

Otherwise on PostgreSQL, when nothing was sent in the transaction before its batch and every chain's head is
known (a step's usual case), the server checks the batch itself: each write whose rowcount is checked, and
each append, fails unless it changed all it should (``DirectStatement.checked``), so the COMMIT goes in the
batch's round trip (``_commit_checked``). A failed check makes the server skip the COMMIT; the transaction
rolls back and the batch runs again as above, in a new one, to raise the write's conflict or to read the
heads locked and move them on.

``engine.audit.chain`` computes the rows (hashes) of a chain from its head; this module writes them.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from functools import lru_cache, partial
from types import TracebackType
from typing import Any, TypeAlias

from sqlalchemy import (Connection, Engine, Integer, String, Table, Text, bindparam, column, insert, literal_column,
                        select, text, update, values)
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from engine.audit.chain import GENESIS, PendingEvent, canonical_json, case_chain, chain_rows, event_hash_around_seq
from engine.errors import ConcurrentUpdate, EngineError
from engine.persistence.compiled import (CHECK_FAILED, ByCount, DirectStatement, Read, Write, pipelines, run_batch,
                                         write_and_read)
from engine.persistence.db import BEGIN_PENDING, end_write, engine_of, hold_begin, take_pending_begin
from engine.persistence.models import AuditChainHead, AuditEvent
from engine.runtime.step_statements import ADVANCE_HEAD, INSERT_EVENTS, INSERT_EVENTS_AFTER_MOVE

Params: TypeAlias = dict[str, Any] | Sequence[dict[str, Any]]  # one row, or the rows of an INSERT


# What a use case that lost a race to another writer of the same rows is told.
_RACED = "Data sudah diubah oleh pengguna lain; muat ulang dan coba lagi"


class UnitOfWork:
    """What a use case works in: its transaction's connection, an ORM Session made only when the
    use case asks for one, and what is written when it ends (audit events, queued writes). A step
    that runs only prebuilt statements (completing a task) never builds a Session, which costs
    about as much as two of its statements."""

    __slots__ = ("_connection", "_session", "_events", "_heads", "_new_chains", "_writes", "_conflicts",
                 "_inserts", "_callbacks", "_sync_off")

    def __init__(self, connection: Connection) -> None:
        self._connection = connection
        self._session: Session | None = None
        self._events: list[PendingEvent] = []
        self._heads: dict[str, tuple[int, str]] = {}
        self._new_chains: set[str] = set()
        self._writes: list[Write] = []
        self._conflicts: list[Callable[[], Exception] | None] = []
        self._inserts: list[tuple[Table, dict[str, Any]]] = []  # the queued writes queue_insert made
        self._callbacks: list[Callable[[], None]] = []
        self._sync_off = False

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

    def queue_insert(self, table: Table, row: dict[str, Any]) -> None:
        """Insert ``row`` into ``table`` when the unit of work ends (``queue_write``'s INSERT, its rowcount not
        checked). ``row`` gives every column that has a default on the Python side (none is filled in: else
        TypeError).

        On PostgreSQL, when all the unit of work writes is such rows and its one event hashed by the server
        (an upload to a case: ``_hashes_on_server``), and it sent nothing yet, they go in one statement that
        is a transaction of its own: no BEGIN, no COMMIT (``_server_append_after``).
        """
        self._writes.append(Write(_insert_of(table, tuple(row)), [row]))
        self._conflicts.append(None)
        self._inserts.append((table, row))

    def commit_without_flush_wait(self) -> None:
        """On PostgreSQL, commit without waiting for the commit to reach the disk (``synchronous_commit``
        off for this transaction only): for writes a crash may lose without harm, and that nothing
        committed already depends on. A crash within a fraction of a second after the commit may
        undo the whole transaction (never a part of it: its audit events and chain heads go with it);
        any later transaction committed normally flushes the log up to itself, so once one that read
        these rows has committed, they are as durable as it is. SQLite (WAL, synchronous=NORMAL) never
        waits for the disk at a commit anyway.

        With audit events, the setting goes with their chains' appends (``_appends``: each head's move
        sets it, and every chain's head moves before the COMMIT); else a statement of its own does."""
        self._sync_off = self._connection.dialect.name == "postgresql"

    def after_commit(self, callback: Callable[[], None]) -> None:
        """Run ``callback`` once the transaction committed (never after a rollback)."""
        self._callbacks.append(callback)

    # -- the end, run by _Transaction ----------------------------------------------------------

    def _commit(self) -> None:
        if self._session is not None:
            self._session.flush()  # state changes (and their version checks) before the events
        if self._sync_off and not self._events:  # else it rides on the chains' appends
            self._writes.insert(0, Write(_COMMIT_WITHOUT_FLUSH_WAIT, {}))
            self._conflicts.insert(0, None)
        if self._hashes_on_server():  # one round trip on PostgreSQL, with the COMMIT
            self._close_session()
            connection = self._connection
            append = self._server_append()
            try:
                if self._inserts and len(self._inserts) == len(self._writes) and take_pending_begin(connection):
                    # Nothing sent yet, and the driver is in autocommit mode (db.hold_begin): the rows and the
                    # event in one statement, which commits (or fails) as a whole on its own.
                    run_batch(connection, [self._with_inserts(append)])
                else:
                    run_batch(connection, [*self._writes, append], commit=True)
            except connection.dialect.loaded_dbapi.IntegrityError as exc:
                # A queued write's is a racing writer's, as in _write_batch; the append's (a head another
                # transaction made meanwhile) propagates, as the append of a head read locked there.
                if getattr(getattr(exc, "diag", None), "table_name", None) in _APPEND_TABLES:
                    raise
                raise ConcurrentUpdate(_RACED) from exc
            connection.commit()
            return
        if self._checks_on_server() and self._commit_checked():
            self._connection.commit()  # sends nothing: the server committed with the batch
            return
        rest = self._write_batch() if self._events or self._writes else []
        self._close_session()
        if rest:  # nothing is checked after it: on PostgreSQL the COMMIT goes in its round trip
            run_batch(self._connection, rest, commit=True)
        self._connection.commit()

    def _checks_on_server(self) -> bool:
        """Whether the batch can carry the COMMIT with the server checking what ``_write_batch`` checks after
        it (``_commit_checked``): on PostgreSQL, with nothing sent in the transaction yet (its BEGIN held
        back: ``hold_begin``), so that a failed check can roll it all back and run the batch again; no ORM
        session; every chain's head known (none to read locked); each write whose rowcount is checked a
        statement of one row that ``DirectStatement.checked`` takes."""
        connection = self._connection
        if self._session is not None or not (self._writes or self._events) or not connection.info.get(BEGIN_PENDING):
            return False
        if any(event.chain not in self._heads for event in self._events):
            return False
        return pipelines(connection) and all(
            conflict is None or (isinstance(write.params, dict) and write.statement.checkable)
            for write, conflict in zip(self._writes, self._conflicts, strict=True))

    def _commit_checked(self) -> bool:
        """The queued writes (those whose rowcount is checked, checked by the server), each chain's head moved
        with its events (checked to have moved), then the COMMIT: the one round trip the batch alone took.
        Whether it committed; if not, a check failed (a stale version, a head another writer moved meanwhile),
        nothing was written, and the transaction is begun again for ``_write_batch``, which raises the write's
        conflict or reads the heads locked and moves them on.

        :raises ConcurrentUpdate: a racing writer made the same rows first (as in ``_write_batch``)
        """
        connection = self._connection
        writes = [Write(write.statement.checked(1), write.params) if conflict is not None else write
                  for write, conflict in zip(self._writes, self._conflicts, strict=True)]
        for chain, rows in self._optimistic_rows(self._by_chain()).items():
            writes += _appends(_MAKE if chain in self._new_chains else _MOVE, chain, rows, self._heads[chain][0],
                               self._sync_off, checked=True)
        dbapi = connection.dialect.loaded_dbapi
        try:
            run_batch(connection, writes, commit=True)
        except dbapi.IntegrityError as exc:
            raise ConcurrentUpdate(_RACED) from exc
        except dbapi.DataError as exc:
            if getattr(exc, "sqlstate", None) != CHECK_FAILED:
                raise
            connection.rollback()
            _begin(connection)
            return False
        return True

    def _by_chain(self) -> dict[str, list[PendingEvent]]:
        by_chain: dict[str, list[PendingEvent]] = {}
        for event in self._events:
            by_chain.setdefault(event.chain, []).append(event)
        return by_chain

    def _optimistic_rows(self, by_chain: dict[str, list[PendingEvent]]) -> dict[str, list[dict[str, Any]]]:
        """The rows of the events of each chain whose head is known, numbered on from it."""
        heads = self._heads
        return {chain: chain_rows(chain, pending, *heads[chain]) for chain, pending in by_chain.items()
                if chain in heads}

    def _rollback(self) -> None:
        self._close_session()
        self._connection.rollback()

    def _close_session(self) -> None:
        if self._session is not None:
            self._session.close()

    def _hashes_on_server(self) -> bool:
        """Whether the unit of work's one event goes in with the server hashing it (``_SERVER_APPEND``): on
        PostgreSQL with UTF-8 text, for one event on a chain whose head was not read (an upload's), when no
        queued write's rowcount is checked; then nothing is checked after the batch, and it carries the
        COMMIT: no locked read of the head first, one round trip in all."""
        if len(self._events) != 1 or self._events[0].chain in self._heads:
            return False
        if any(conflict is not None for conflict in self._conflicts):
            return False
        connection = self._connection
        return connection.dialect.name == "postgresql" and _utf8(connection)

    def _server_append(self) -> Write:
        event = self._events[0]
        payload_json = canonical_json(event.payload)
        prefix, suffix = event_hash_around_seq(event.chain, event.instance_id, event.event_type, event.actor,
                                               event.at, payload_json)
        return Write(_SERVER_APPEND[self._sync_off], {
            "chain_key": event.chain, "prefix": prefix, "suffix": suffix, "genesis": GENESIS,
            "instance_id": event.instance_id, "event_type": event.event_type, "actor": event.actor,
            "at": event.at, "payload_json": payload_json})

    def _with_inserts(self, append: Write) -> Write:
        """``append`` (``_server_append``'s) with the rows of ``queue_insert`` inserted in its statement."""
        params = {**append.params}  # type: ignore[dict-item]  # one row: a dict
        for n, (_table, row) in enumerate(self._inserts):
            params.update({f"{_INSERTED}{n}_{name}": value for name, value in row.items()})
        inserts = tuple((table, tuple(row)) for table, row in self._inserts)
        return Write(_server_append_after(inserts, self._sync_off), params)

    def _write_batch(self) -> list[Write]:
        """The queued writes, the moves of the heads known and their events; then what is left to write in
        a second batch: the moves of the heads read locked here, with their events.

        On PostgreSQL a chain's append is one statement (``_appends``): its head moved, or made, with its
        events; elsewhere the head's write and one insert of the events where it moved.

        :raises Exception: the ``conflict`` of a queued write that did not change exactly one row
        """
        by_chain = self._by_chain()
        heads = self._heads
        optimistic = self._optimistic_rows(by_chain)
        connection = self._connection
        in_one = connection.dialect.name == "postgresql"
        if in_one:
            per_chain = [_appends(_MAKE if chain in self._new_chains else _MOVE, chain, rows, heads[chain][0],
                                  self._sync_off) for chain, rows in optimistic.items()]
            appends = [write for writes in per_chain for write in writes]
        else:
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
            appends = creates + advances + after_move
        # A chain whose head was not read before is read locked in the same batch, after the writes.
        unknown = [chain for chain in by_chain if chain not in heads]
        writes = self._writes + appends
        try:
            counts, locked = write_and_read(connection, writes,
                                            [Read(_LOCK_HEAD, {"chain_key": chain}) for chain in unknown])
        except connection.dialect.loaded_dbapi.IntegrityError as exc:
            # A racing writer made the same rows first (e.g. the next task of a step done twice at
            # once); on PostgreSQL the whole batch runs before its version checks can be read.
            raise ConcurrentUpdate(_RACED) from exc
        for conflict, count in zip(self._conflicts, counts, strict=False):
            if conflict is not None and count != 1:
                raise conflict()
        appended = counts[len(self._writes):]
        if in_one:  # all of a chain's events went in with its head, or none (the head had moved meanwhile)
            moved: set[str] = set()
            for (chain, written), writes in zip(optimistic.items(), per_chain, strict=True):
                count, appended = sum(appended[:len(writes)]), appended[len(writes):]
                if count == len(written):
                    moved.add(chain)
                elif count:
                    raise ConcurrentUpdate(_RACED)
        else:
            first_advance = len(creates)
            moved = {chain for chain, count in zip(optimistic, appended[first_advance:first_advance + len(advances)],
                                                   strict=True) if count == 1}
            if after_move and counts[-1] != sum(len(optimistic[chain]) for chain in moved):
                raise ConcurrentUpdate(_RACED)
        rows: list[dict[str, Any]] = []
        rest: list[Write] = []  # heads read locked here: moved in the batch with the events
        read_locked = {chain: found[0] if found else None for chain, found in zip(unknown, locked, strict=True)}
        for chain, pending in by_chain.items():
            if chain in moved:
                continue  # its events went in with the move
            head = read_locked[chain] if chain in read_locked else _LOCK_HEAD.first(connection, {"chain_key": chain})
            new_rows = chain_rows(chain, pending, *((head.seq, head.hash) if head else (0, GENESIS)))
            if in_one:  # the head is locked (or, not there, made here; a racing maker's raises IntegrityError)
                rest += _appends(_SET if head else _CREATE, chain, new_rows, head.seq if head else 0, self._sync_off)
                continue
            if head:
                rest.append(Write(ADVANCE_HEAD, {
                    "chain_key": chain, "old_seq": head.seq, "new_seq": new_rows[-1]["seq"],
                    "new_hash": new_rows[-1]["hash"]}))
            else:
                connection.execute(_INSERT_HEAD, {"chain": chain, "seq": new_rows[-1]["seq"],
                                                  "hash": new_rows[-1]["hash"]})
            rows += new_rows
        return rest + ([Write(INSERT_EVENTS, rows)] if rows else [])


class _Transaction:
    """``UnitOfWork.begin``'s context manager: opens the transaction, then commits or rolls back."""

    __slots__ = ("_engine", "_work")

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._work: UnitOfWork | None = None

    def __enter__(self) -> UnitOfWork:
        connection = self._engine.connect()
        try:
            _begin(connection)
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
            raise ConcurrentUpdate(_RACED) from failure
        if failure is not exc:
            raise failure
        # the block's own exception propagates unchanged


def _begin(connection: Connection) -> None:
    """A unit of work's transaction: on PostgreSQL its BEGIN is sent with its first statement that writes or
    locks; on SQLite it is BEGIN IMMEDIATE, which waits for the write lock."""
    hold_begin(connection)
    connection.begin()


def _is_lock_timeout(exc: BaseException) -> bool:
    return "database is locked" in str(exc) or "could not serialize" in str(exc)


def _utf8(connection: Connection) -> bool:
    """Whether the server's text is UTF-8 both ways (as the driver reports it, with no round trip): then
    its ``convert_to(..., 'UTF8')`` of the text sent is Python's ``str.encode("utf-8")`` of it."""
    info = getattr(connection.connection.driver_connection, "info", None)
    if info is None:
        return False
    return bool(info.parameter_status("server_encoding") == "UTF8"
                and info.parameter_status("client_encoding") == "UTF8")


_LOCK_HEAD = DirectStatement(select(AuditChainHead.seq, AuditChainHead.hash)
                             .where(AuditChainHead.chain == bindparam("chain_key")).with_for_update())
_INSERT_HEAD = insert(AuditChainHead)
_CREATE_HEAD = DirectStatement(postgresql.insert(AuditChainHead.__table__).on_conflict_do_nothing(
    index_elements=["chain"]))  # PostgreSQL's construct; SQLite's compiler writes the same clause
_COMMIT_WITHOUT_FLUSH_WAIT = DirectStatement(text("SET LOCAL synchronous_commit TO OFF"))

# A chain's append on PostgreSQL, one statement: a data-modifying CTE writes the chain's head, and the events
# go in only for the row it returns, so the INSERT's rowcount is the number of events if the head was written,
# else 0 and nothing at all is written. How the head is written:
_MOVE = "move"  # from the value read (knows_head): a writer that appended meanwhile makes it match nothing
_MAKE = "make"  # a new chain's (starts_chain), unless it exists already: then nothing
_SET = "set"  # read locked in this transaction (no writer can move it)
_CREATE = "create"  # none found by the locked read: a racing maker's makes this one raise IntegrityError
_ON = "on"  # from where the statement before in this append left it (its last event's hash), if it did
_HEADS = AuditChainHead.__table__
_EVENTS = AuditEvent.__table__
_PER_EVENT = ("seq", "instance_id", "event_type", "actor", "at", "payload_json", "prev_hash", "hash")
# commit_without_flush_wait's setting, for this transaction only, as the head's write returns its row.
_SYNC_OFF: Any = literal_column("set_config('synchronous_commit', 'off', true)")


def _head_write(kind: str, sync_off: bool) -> Any:
    new_seq, new_hash = bindparam("new_seq", type_=Integer), bindparam("new_hash", type_=String)
    chain = bindparam("chain_key", type_=String)
    if kind in (_MOVE, _SET, _ON):
        where = [_HEADS.c.chain == chain]
        if kind == _MOVE:
            where.append(_HEADS.c.seq == bindparam("old_seq", type_=Integer))
        elif kind == _ON:
            where.append(_HEADS.c.hash == bindparam("old_hash", type_=String))
        write: Any = update(_HEADS).where(*where).values(seq=new_seq, hash=new_hash)
    else:
        write = postgresql.insert(_HEADS).values(chain=chain, seq=new_seq, hash=new_hash)
        if kind == _MAKE:
            write = write.on_conflict_do_nothing(index_elements=["chain"])
    return write.returning(_SYNC_OFF if sync_off else literal_column("1")).cte("head")


def _append_statement(kind: str, sync_off: bool, count: int) -> Any:
    head = _head_write(kind, sync_off)
    events = values(*[column(name, _EVENTS.c[name].type) for name in _PER_EVENT], name="event").data(
        [tuple(bindparam(f"{name}_{n}", type_=_EVENTS.c[name].type) for name in _PER_EVENT)
         for n in range(count)])
    chain = bindparam("chain_key", type_=_EVENTS.c.chain.type)
    return (insert(_EVENTS).from_select(["chain", *_PER_EVENT], select(chain, *events.c).select_from(head, events))
            .add_cte(head))


_APPENDS = {(kind, sync_off): ByCount(partial(_append_statement, kind, sync_off))
            for kind in (_MOVE, _MAKE, _SET, _CREATE, _ON) for sync_off in (False, True)}
_MOST_EVENTS = 32  # per statement: a longer append is several, each moving the head on from the one before


@lru_cache(maxsize=None)
def _event_keys(position: int) -> tuple[tuple[str, str], ...]:
    """The columns of the event at ``position`` in an append statement, with their bind names."""
    return tuple((name, f"{name}_{position}") for name in _PER_EVENT)


def _appends(kind: str, chain: str, rows: Sequence[dict[str, Any]], old_seq: int, sync_off: bool,
             checked: bool = False) -> list[Write]:
    """The statements that write the head of ``chain`` (``kind``) at the last of ``rows`` and insert them:
    one, unless there are more than ``_MOST_EVENTS``; their rowcounts add up to ``len(rows)`` if the head
    was written, else to 0 (then nothing is written). ``checked``: each fails instead unless it inserted
    all its events (``DirectStatement.checked``)."""
    writes = []
    for start in range(0, len(rows), _MOST_EVENTS):
        part = rows[start:start + _MOST_EVENTS]
        params = {"chain_key": chain, "new_seq": part[-1]["seq"], "new_hash": part[-1]["hash"]}
        if kind == _MOVE:
            params["old_seq"] = old_seq
        elif kind == _ON:
            params["old_hash"] = rows[start - 1]["hash"]
        for position, row in enumerate(part):
            for name, key in _event_keys(position):
                params[key] = row[name]
        statement = _APPENDS[kind, sync_off](len(part))
        writes.append(Write(statement.checked(len(part)) if checked else statement, params))
        kind = _ON
    return writes


# One event appended on PostgreSQL with its hash computed by the server, so that its chain's head needs no
# read first (``UnitOfWork._hashes_on_server``): the head is read locked (``old``: a concurrent appender's
# commit is waited for, and its row then read), moved on by one with the hash of the event (``event_hash``,
# from the text around the seq: ``event_hash_around_seq``), or made at seq 1 where there is none (a racing
# maker's makes this raise IntegrityError, as ``_CREATE``'s); the event goes in with the seq and hashes it
# returns. Should neither return a row, the event's NULL seq fails the INSERT, so nothing is committed.
_HASH_AFTER = "encode(sha256(convert_to({prev} || :prefix || ({seq} + 1)::text || :suffix, 'UTF8')), 'hex')"


def _server_append_sql(inserts: str = "", keys: str = "") -> str:
    """The append's SQL; ``inserts``: data-modifying CTEs before it (``_server_append_after``), ``keys``: the
    conditions that lock the rows their foreign keys name before the head is locked."""
    return f"""\
WITH {inserts}old AS (
    SELECT seq, hash FROM audit_chain_head WHERE chain = :chain_key{keys} FOR UPDATE
), moved AS (
    UPDATE audit_chain_head AS h SET seq = old.seq + 1, hash = {_HASH_AFTER.format(prev="old.hash", seq="old.seq")}
    FROM old WHERE h.chain = :chain_key
    RETURNING h.seq AS seq, old.hash AS prev_hash, h.hash AS hash
), made AS (
    INSERT INTO audit_chain_head (chain, seq, hash)
    SELECT :chain_key, 1, {_HASH_AFTER.format(prev=":genesis", seq="0")} WHERE NOT EXISTS (SELECT FROM old)
    RETURNING seq, :genesis AS prev_hash, hash
)
INSERT INTO audit_event (chain, seq, instance_id, event_type, actor, at, payload_json, prev_hash, hash)
SELECT :chain_key, head.seq, :instance_id, :event_type, :actor, :at, :payload_json, head.prev_hash, head.hash
FROM (VALUES (1)) AS one LEFT JOIN (SELECT * FROM moved UNION ALL SELECT * FROM made) AS head ON true"""


_APPEND_BINDS = (
    bindparam("chain_key", type_=String), bindparam("prefix", type_=Text), bindparam("suffix", type_=Text),
    bindparam("genesis", type_=String), bindparam("instance_id", type_=_EVENTS.c.instance_id.type),
    bindparam("event_type", type_=_EVENTS.c.event_type.type), bindparam("actor", type_=_EVENTS.c.actor.type),
    bindparam("at", type_=_EVENTS.c.at.type), bindparam("payload_json", type_=_EVENTS.c.payload_json.type))
# commit_without_flush_wait's setting, for this transaction only (or, run on its own, this statement's)
_SYNC_OFF_SQL = "\nWHERE set_config('synchronous_commit', 'off', true) IS NOT NULL"


def _server_append(sync_off: bool) -> DirectStatement:
    sql = _server_append_sql() + (_SYNC_OFF_SQL if sync_off else "")
    return DirectStatement(text(sql).bindparams(*_APPEND_BINDS))


_SERVER_APPEND = {sync_off: _server_append(sync_off) for sync_off in (False, True)}
_APPEND_TABLES = (_HEADS.name, _EVENTS.name)

# The rows of ``queue_insert`` in the append's statement: a data-modifying CTE each (``inserted_<n>``, their
# binds ``inserted_<n>_<column>``), which PostgreSQL runs to completion though nothing reads it.
_INSERTED = "inserted_"
_QUOTE = postgresql.dialect().identifier_preparer.quote  # type: ignore[no-untyped-call]  # SQLAlchemy's, untyped


@lru_cache(maxsize=None)
def _server_append_after(inserts: tuple[tuple[Table, tuple[str, ...]], ...], sync_off: bool) -> DirectStatement:
    """``_SERVER_APPEND`` with these rows (each: its table, the columns it gives) inserted in its statement.

    A row's foreign key is checked at the end of the statement, where the row it names is locked (FOR KEY
    SHARE): after the head. A transaction holding that row (a timer's FOR UPDATE of its case) and then waiting
    for the head would deadlock with it; so each such row is locked before the head, as the INSERT before the
    append on the batch path did: an uncorrelated EXISTS is run once, before the head is scanned, and is never
    NULL, so it filters nothing.
    """
    ctes, keys, binds = [], [], []
    for n, (table, columns) in enumerate(inserts):
        prefix = f"{_INSERTED}{n}_"
        ctes.append(f"{_INSERTED}{n} AS (INSERT INTO {_QUOTE(table.name)} ({', '.join(map(_QUOTE, columns))}) "
                    f"VALUES ({', '.join(':' + prefix + name for name in columns)})), ")
        binds += [bindparam(prefix + name, type_=table.c[name].type) for name in columns]
        for key in sorted(table.foreign_keys, key=lambda found: found.parent.name):
            if key.parent.name in columns:
                keys.append(f"\n        AND EXISTS (SELECT FROM {_QUOTE(key.column.table.name)} WHERE "
                            f"{_QUOTE(key.column.name)} = :{prefix}{key.parent.name} FOR KEY SHARE) IS NOT NULL")
    sql = _server_append_sql("".join(ctes), "".join(keys)) + (_SYNC_OFF_SQL if sync_off else "")
    return DirectStatement(text(sql).bindparams(*_APPEND_BINDS, *binds))


@lru_cache(maxsize=None)
def _insert_of(table: Table, columns: tuple[str, ...]) -> DirectStatement:
    """``queue_insert``'s statement on its own (the batch path): an INSERT of these columns of ``table``.

    :raises TypeError: a column left out has a default on the Python side (``_server_append_after`` has none)
    """
    left_out = [c.name for c in table.columns if c.name not in columns and c.default is not None]
    if left_out:
        raise TypeError(f"queue_insert into {table.name} must give {', '.join(left_out)}")
    return DirectStatement(insert(table), columns=columns)
