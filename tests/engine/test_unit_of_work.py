"""The unit of work's rules: events and queued writes go in when it ends, a queued write's conflict
rolls everything back, and after-commit callbacks run only after a commit."""
from __future__ import annotations

import pytest
from engine_helpers import add_users, ready_task, start_loop_case
from sqlalchemy import func, insert, select

from engine.audit.chain import SYSTEM_CHAIN, case_chain, verify_chain
from engine.errors import ConcurrentUpdate
from engine.persistence.compiled import Read
from engine.persistence.db import end_write, hold_begin
from engine.persistence.models import AuditChainHead, AuditEvent, HumanTask
from engine.runtime.step_statements import COMPLETE_TASK, INSERT_EVENTS, TASK_CREATED
from engine.runtime import unit_of_work
from engine.runtime.unit_of_work import UnitOfWork


def system_events(alur) -> int:
    with alur.sessions() as session:
        return session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.chain == SYSTEM_CHAIN))


def test_callbacks_run_after_the_commit_and_events_are_stored(alur):
    ran = []
    with UnitOfWork.begin(alur.sessions) as work:
        work.record(SYSTEM_CHAIN, "note", actor="tester", at=alur.clock(), payload={"n": 1})
        work.after_commit(lambda: ran.append(system_events(alur)))
        assert ran == []
    assert ran == [1]  # the callback saw the committed event


def test_an_error_in_the_block_stores_nothing_and_runs_no_callback(alur):
    ran = []
    with pytest.raises(ValueError, match="boom"):
        with UnitOfWork.begin(alur.sessions) as work:
            work.record(SYSTEM_CHAIN, "note", actor="tester", at=alur.clock())
            work.after_commit(lambda: ran.append(1))
            raise ValueError("boom")
    assert ran == [] and system_events(alur) == 0


def test_a_queued_write_that_matches_no_row_raises_its_conflict_and_stores_nothing(alur, test_data):
    add_users(alur)
    alur.deployer.deploy_file(test_data / "uji_loop.bpmn", "pemilik")
    case = start_loop_case(alur)
    task = ready_task(alur, case)
    before = system_events(alur)
    ran = []
    with pytest.raises(ConcurrentUpdate, match="stale"):
        with UnitOfWork.begin(alur.sessions) as work:
            work.queue_write(COMPLETE_TASK, {
                "task_id": task.task_id, "old_version": 99, "at": alur.clock(), "actor": "pengelola",
                "new_assignee": "pengelola", "new_version": 100, "data": "{}"},
                conflict=lambda: ConcurrentUpdate("stale"))
            work.record(SYSTEM_CHAIN, "note", actor="tester", at=alur.clock())
            work.after_commit(lambda: ran.append(1))
    assert ran == [] and system_events(alur) == before
    with alur.sessions() as session:
        assert session.get(HumanTask, task.task_id).state == task.state


def test_a_queued_insert_of_rows_with_defaults_and_a_conflict_goes_in_unchecked(alur):
    """A queued INSERT whose rows leave columns to their defaults cannot be checked by the server
    (``DirectStatement.checked``); with a conflict it goes in the batch with its rowcount read after it, as
    every write did before the COMMIT went with the batch."""
    assert not INSERT_EVENTS.checkable
    with UnitOfWork.begin(alur.sessions) as work:
        work.queue_write(INSERT_EVENTS, {**_event(alur, 3), "chain": "other"}, conflict=lambda: ConcurrentUpdate("x"))
    with alur.sessions() as session:
        assert session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.chain == "other")) == 1


def test_a_checked_write_that_fails_for_its_data_raises_that_error_and_stores_nothing(pg_alur, monkeypatch):
    """Only a failed check sends the batch again the old way; any other error of a checked write (here a
    value too long for its column, which PostgreSQL refuses and SQLite does not check) propagates as it did,
    and nothing is stored."""
    case = start_loop_case(pg_alur)
    task = ready_task(pg_alur, case)
    chain = case_chain(case)
    with pg_alur.sessions() as session:
        head = session.get(AuditChainHead, chain)
        known = (head.seq, head.hash)
    batches = []  # the old way's batch, which only a failed check runs
    write_batch = UnitOfWork._write_batch
    monkeypatch.setattr(UnitOfWork, "_write_batch", lambda work: batches.append(1) or write_batch(work))
    with pytest.raises(pg_alur.db.dialect.loaded_dbapi.DataError) as failed:
        with UnitOfWork.begin(pg_alur.sessions) as work:
            work.knows_head(chain, *known)
            work.queue_write(COMPLETE_TASK, {
                "task_id": task.task_id, "old_version": task.version, "at": pg_alur.clock(), "actor": "pengelola",
                "new_assignee": "x" * 500, "new_version": task.version + 1, "data": "{}"},
                conflict=lambda: ConcurrentUpdate("stale"))
            work.record_for_case(case, "note", actor="tester", at=pg_alur.clock())
    assert failed.value.sqlstate == "22001" and batches == []  # string_data_right_truncation: not sent again
    with pg_alur.sessions() as session:
        assert session.get(HumanTask, task.task_id).version == task.version
        assert session.get(AuditChainHead, chain).seq == known[0]


def test_an_error_in_the_batch_after_the_locked_reads_stores_nothing_and_leaves_the_connection_clean(alur):
    """The batch that moves the heads read locked and inserts their events ends with the COMMIT on
    PostgreSQL: a statement that fails in it makes the server skip the COMMIT, and the rollback then
    undoes the writes of the batch before."""
    with alur.sessions.begin() as session:  # an event where the system chain's first one will go, without its head
        session.add(AuditEvent(**{**_event(alur, 1), "seq": 1}))
    ran = []
    with pytest.raises(alur.db.dialect.loaded_dbapi.IntegrityError):
        with UnitOfWork.begin(alur.sessions) as work:
            driver = work.connection.connection.driver_connection
            work.queue_write(INSERT_EVENTS, [{**_event(alur, 2), "chain": "other"}])
            work.record(SYSTEM_CHAIN, "note", actor="tester", at=alur.clock())
            work.after_commit(lambda: ran.append(1))
    assert ran == [] and system_events(alur) == 1
    with alur.sessions() as session:
        assert session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.chain == "other")) == 0
        assert session.get(AuditChainHead, SYSTEM_CHAIN) is None
    if alur.db.dialect.name == "postgresql":
        from psycopg import pq

        assert driver.info.transaction_status == pq.TransactionStatus.IDLE and driver.autocommit is False
    else:
        assert not driver.in_transaction
    with UnitOfWork.begin(alur.sessions) as work:  # the pool's connections work on
        work.record("other", "note", actor="tester", at=alur.clock())
    with alur.sessions() as session:
        assert verify_chain(session, "other") is None


def test_a_known_head_moves_without_a_locked_read_and_a_stale_one_is_read_again(alur, test_data, monkeypatch):
    add_users(alur)
    alur.deployer.deploy_file(test_data / "uji_loop.bpmn", "pemilik")
    case = start_loop_case(alur)
    chain = case_chain(case)
    head_reads: list[dict] = []
    locked_read = unit_of_work._LOCK_HEAD  # runs on the driver's cursor, unseen by SQLAlchemy's events

    class CountedRead:
        def first(self, connection, params):
            head_reads.append(params)
            return locked_read.first(connection, params)

    with alur.sessions() as session:
        head = session.get(AuditChainHead, chain)
        known = (head.seq, head.hash)
    monkeypatch.setattr(unit_of_work, "_LOCK_HEAD", CountedRead())
    with UnitOfWork.begin(alur.sessions) as work:
        work.knows_head(chain, *known)
        work.record_for_case(case, "note", actor="tester", at=alur.clock(), payload={"n": 1})
    assert head_reads == []
    with UnitOfWork.begin(alur.sessions) as work:
        work.knows_head(chain, *known)  # moved by the unit of work above
        work.record_for_case(case, "note", actor="tester", at=alur.clock(), payload={"n": 2})
    assert head_reads == [{"chain_key": chain}]
    with alur.sessions() as session:
        assert verify_chain(session, chain) is None
        assert session.get(AuditChainHead, chain).seq == known[0] + 2



def test_a_new_chain_gets_its_head_without_a_locked_read_and_an_existing_one_is_kept(alur, test_data, monkeypatch):
    """``starts_chain``: the head of a case's chain is made in the batch; a head already there (a case id
    used again after its case was removed) is not overwritten but continued, as for any unknown head."""
    head_reads: list[dict] = []
    locked_read = unit_of_work._LOCK_HEAD

    class CountedRead:
        def first(self, connection, params):
            head_reads.append(params)
            return locked_read.first(connection, params)

    def batched_read(statement, params):  # an unknown head is read locked in the batch of the writes
        if isinstance(statement, CountedRead):
            head_reads.append(params)
            statement = locked_read
        return Read(statement, params)

    monkeypatch.setattr(unit_of_work, "_LOCK_HEAD", CountedRead())
    monkeypatch.setattr(unit_of_work, "Read", batched_read)
    fresh, used = case_chain(90001), case_chain(90002)
    with UnitOfWork.begin(alur.sessions) as work:
        work.record_for_case(90002, "note", actor="tester", at=alur.clock(), payload={"n": 1})
    # on PostgreSQL one event on a head not read is hashed by the server, its head read locked in its append
    assert head_reads == ([] if alur.db.dialect.name == "postgresql" else [{"chain_key": used}])
    head_reads.clear()
    with UnitOfWork.begin(alur.sessions) as work:
        for chain, case in ((fresh, 90001), (used, 90002)):
            work.starts_chain(chain)
            work.record_for_case(case, "note", actor="tester", at=alur.clock(), payload={"n": 2})
            work.record_for_case(case, "note", actor="tester", at=alur.clock(), payload={"n": 3})
    assert head_reads == [{"chain_key": used}]
    with alur.sessions() as session:
        for chain, seq in ((fresh, 2), (used, 3)):
            assert verify_chain(session, chain) is None
            head = session.get(AuditChainHead, chain)
            last = session.scalars(select(AuditEvent).where(AuditEvent.chain == chain)
                                   .order_by(AuditEvent.seq.desc()).limit(1)).one()
            assert (head.seq, head.hash) == (seq, last.hash) and last.seq == seq


def _event(alur, n: int) -> dict:
    return {"chain": SYSTEM_CHAIN, "seq": 1000 + n, "instance_id": None, "event_type": "note", "actor": "tester",
            "at": alur.clock(), "payload_json": "{}", "prev_hash": "0" * 64, "hash": f"{n:064d}"}


@pytest.mark.parametrize("first", ["direct read", "direct locked read", "direct write", "SQLAlchemy", "ORM"])
def test_everything_before_an_error_rolls_back_whichever_statement_begins_the_transaction(alur, first):
    """On PostgreSQL the unit of work's BEGIN waits for its first statement that writes or locks
    (engine.persistence.db.hold_begin): whatever runs it, it and the statements after it are one transaction."""
    with pytest.raises(ValueError, match="boom"):
        with UnitOfWork.begin(alur.sessions) as work:
            if first == "direct read":
                assert TASK_CREATED.first(work.connection, {"task_id": "none"}) is None
            elif first == "direct locked read":
                assert unit_of_work._LOCK_HEAD.first(work.connection, {"chain_key": SYSTEM_CHAIN}) is None
            elif first == "direct write":
                assert INSERT_EVENTS.rowcount(work.connection, _event(alur, 1)) == 1
            elif first == "SQLAlchemy":
                work.connection.execute(insert(AuditEvent), [_event(alur, 1)])
            else:
                work.session.add(AuditEvent(**_event(alur, 1)))
                work.session.flush()
            work.connection.execute(insert(AuditEvent), [_event(alur, 2)])
            INSERT_EVENTS.rowcount(work.connection, _event(alur, 3))
            raise ValueError("boom")
    assert system_events(alur) == 0


def test_a_pooled_connection_goes_back_transactional(alur):
    """The unit of work's connection runs the driver in autocommit mode on PostgreSQL (its BEGIN is its
    own); back in the pool, the next user of the connection gets transactions again."""
    with UnitOfWork.begin(alur.sessions) as work:
        work.record(SYSTEM_CHAIN, "note", actor="tester", at=alur.clock())
    with pytest.raises(ValueError, match="boom"):
        with alur.sessions.begin() as session:
            session.add(AuditEvent(**_event(alur, 1)))
            session.flush()
            raise ValueError("boom")
    assert system_events(alur) == 1
    if alur.db.dialect.name == "postgresql":
        with alur.db.connect() as connection:
            assert connection.connection.driver_connection.autocommit is False


def test_a_connection_closed_inside_its_transaction_goes_back_rolled_back_and_transactional(alur):
    """``end_write`` sets the driver back out of autocommit mode (PostgreSQL); a connection still in its
    transaction (its rollback failed) cannot be, and is discarded rather than pooled in autocommit mode."""
    connection = alur.db.connect()
    hold_begin(connection)
    connection.begin()
    assert INSERT_EVENTS.rowcount(connection, _event(alur, 1)) == 1  # sends the held-back BEGIN with it
    end_write(connection)
    assert system_events(alur) == 0
    with alur.db.connect() as pooled:
        driver = pooled.connection.driver_connection
        if alur.db.dialect.name == "postgresql":
            from psycopg import pq

            assert driver.autocommit is False and driver.info.transaction_status == pq.TransactionStatus.IDLE
        else:
            assert not driver.in_transaction
