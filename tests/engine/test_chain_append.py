"""A chain's append on PostgreSQL, one statement (engine.runtime.unit_of_work._appends): the head written
and the events inserted together or not at all, whichever way the head is written; a writer that moved
the head meanwhile makes it append after that writer's events; ``commit_without_flush_wait``'s setting
goes with the append. The same rules on SQLite (its own statements) where they apply to both."""
from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
from sqlalchemy import select

from engine.audit.chain import GENESIS, SYSTEM_CHAIN, PendingEvent, chain_rows, verify_chain
from engine.persistence.compiled import run_batch
from engine.persistence.models import AuditChainHead, AuditEvent
from engine.runtime import unit_of_work
from engine.runtime.unit_of_work import UnitOfWork


def _head(alur, chain: str) -> tuple[int, str] | None:
    with alur.sessions() as session:
        head = session.get(AuditChainHead, chain)
        return (head.seq, head.hash) if head else None


def _events(alur, chain: str) -> list[tuple[int, str]]:
    with alur.sessions() as session:
        return [(e.seq, e.event_type) for e in session.scalars(
            select(AuditEvent).where(AuditEvent.chain == chain).order_by(AuditEvent.seq))]


def _append(alur, chain: str, *types: str, known: tuple[int, str] | None = None, new: bool = False,
            without_flush_wait: bool = False) -> None:
    with UnitOfWork.begin(alur.sessions) as work:
        if without_flush_wait:
            work.commit_without_flush_wait()
        if known is not None:
            work.knows_head(chain, *known)
        if new:
            work.starts_chain(chain)
        for event_type in types:
            work.record(chain, event_type, actor="tester", at=alur.clock(), payload={"type": event_type})


@pytest.mark.parametrize("count", [1, 2, 5, 70])
def test_each_way_of_writing_the_head_appends_all_events_and_moves_the_head_to_the_last(alur, count):
    """A new chain made in the batch (starts_chain), a known head moved, a head read locked; and a head
    none found (a chain not started in the transaction that makes it)."""
    types = [f"e{n}" for n in range(count)]
    _append(alur, "made", *types, new=True)
    _append(alur, "made", *types, known=_head(alur, "made"))
    _append(alur, "made", *types)
    _append(alur, "found", *types)
    for chain, appends in (("made", 3), ("found", 1)):
        with alur.sessions() as session:
            assert verify_chain(session, chain) is None
        assert _events(alur, chain) == [(n + 1, types[n % count]) for n in range(appends * count)]
        assert _head(alur, chain)[0] == appends * count


def test_two_chains_in_one_unit_of_work_each_append_on_their_own(alur):
    _append(alur, "a", "start", new=True)
    known = _head(alur, "a")
    with UnitOfWork.begin(alur.sessions) as work:
        work.knows_head("a", *known)
        for n in range(3):
            work.record("a", f"a{n}", actor="tester", at=alur.clock())
            work.record(SYSTEM_CHAIN, f"s{n}", actor="tester", at=alur.clock())
    assert _events(alur, "a") == [(1, "start"), (2, "a0"), (3, "a1"), (4, "a2")]
    assert _events(alur, SYSTEM_CHAIN) == [(1, "s0"), (2, "s1"), (3, "s2")]
    with alur.sessions() as session:
        assert verify_chain(session, "a") is None and verify_chain(session, SYSTEM_CHAIN) is None


@pytest.mark.parametrize("count", [2, 70])
def test_an_append_from_a_head_that_moved_writes_nothing(pg_alur, count):
    """The statements themselves: the head is not where it was read, so neither it nor any event is written;
    past the first statement of a long append, the head is moved on only from where the first left it (here
    it stands at that event's seq, in another line of the chain)."""
    _append(pg_alur, "x", *["first"] * 32, new=True)
    head = _head(pg_alur, "x")
    rows = chain_rows("x", [PendingEvent("x", "late", "tester", pg_alur.clock(), {})] * count, 0, GENESIS)
    with pg_alur.db.begin() as connection:
        for kind in (unit_of_work._MOVE, unit_of_work._MAKE):  # from seq 0; a chain that exists already
            writes = unit_of_work._appends(kind, "x", rows, 0, False)
            assert len(writes) == (count + 31) // 32 and run_batch(connection, writes) == [0] * len(writes)
    assert _head(pg_alur, "x") == head and _events(pg_alur, "x") == [(n + 1, "first") for n in range(32)]


def test_a_head_another_transaction_moves_while_the_append_waits_for_its_row_is_appended_to(pg_alur):
    """The other writer has moved the head, not committed yet: the append waits for its row lock, then finds
    the head no longer where it was read (PostgreSQL reads the row again), writes nothing, and appends after
    the other writer's event from the head read locked."""
    _append(pg_alur, "race", "first", new=True)
    known = _head(pg_alur, "race")
    theirs = chain_rows("race", [PendingEvent("race", "theirs", "other", pg_alur.clock(), {})], *known)[0]
    failures: list[BaseException] = []

    def ours() -> None:
        try:
            _append(pg_alur, "race", "ours", known=known)
        except BaseException as error:  # noqa: BLE001 - reported by the test
            failures.append(error)

    with pg_alur.db.connect() as other:
        other.execute(AuditChainHead.__table__.update().where(AuditChainHead.chain == "race")
                      .values(seq=theirs["seq"], hash=theirs["hash"]))
        other.execute(AuditEvent.__table__.insert(), [theirs])
        thread = threading.Thread(target=ours)
        thread.start()
        time.sleep(0.3)
        assert thread.is_alive()  # waiting for the head's row
        other.commit()
    thread.join(10)
    assert not failures and not thread.is_alive()
    assert _events(pg_alur, "race") == [(1, "first"), (2, "theirs"), (3, "ours")]
    with pg_alur.sessions() as session:
        assert verify_chain(session, "race") is None


@pytest.fixture
def settings_at_commit(pg_alur, monkeypatch) -> Iterator[list[str]]:
    """``synchronous_commit`` as the unit of work's transaction stands after its last write, before its COMMIT;
    "on" unless set (the test databases' own default is "off", for speed)."""
    seen: list[str] = []
    database = pg_alur.db.url.database
    with pg_alur.db.begin() as connection:
        connection.exec_driver_sql(f'ALTER DATABASE "{database}" SET synchronous_commit = on')
    pg_alur.db.dispose()
    write_and_read = unit_of_work.write_and_read

    def watched(connection, writes, reads, commit=False):
        found = write_and_read(connection, writes, reads)  # the COMMIT left to the unit of work's end
        seen.append(connection.connection.driver_connection.execute("SHOW synchronous_commit").fetchone()[0])
        return found

    monkeypatch.setattr(unit_of_work, "write_and_read", watched)
    monkeypatch.setattr(unit_of_work, "run_batch", lambda connection, writes, commit=False: watched(
        connection, writes, ())[0])
    try:
        yield seen
    finally:
        with pg_alur.db.begin() as connection:
            connection.exec_driver_sql(f'ALTER DATABASE "{database}" SET synchronous_commit = off')
        pg_alur.db.dispose()


@pytest.mark.parametrize("way", ["made", "moved", "read locked", "none found", "moved meanwhile", "no events"])
def test_a_commit_without_flush_wait_is_set_whichever_way_the_heads_are_written(pg_alur, settings_at_commit, way):
    """Its setting rides on the appends (the head's write returns it); with no events, a statement of its own."""
    _append(pg_alur, "known", "first", new=True)
    stale = _head(pg_alur, "known")
    _append(pg_alur, "known", "between")
    for without_flush_wait in (False, True):
        chain, events, options = {
            "made": (f"new-{without_flush_wait}", ["e"], {"new": True}),
            "moved": ("known", ["e", "f"], {"known": _head(pg_alur, "known")}),
            "read locked": ("known", ["e"], {}),
            "none found": (f"none-{without_flush_wait}", ["e", "f"], {}),
            "moved meanwhile": ("known", ["e"], {"known": stale}),
            "no events": ("known", [], {})}[way]
        before = _events(pg_alur, chain)
        settings_at_commit.clear()
        _append(pg_alur, chain, *events, without_flush_wait=without_flush_wait, **options)
        if without_flush_wait:
            assert settings_at_commit[-1] == "off", settings_at_commit
        else:  # (with nothing to write, nothing is sent)
            assert "off" not in settings_at_commit and (settings_at_commit or not events), settings_at_commit
        assert _events(pg_alur, chain) == before + [(len(before) + n + 1, t) for n, t in enumerate(events)]
        with pg_alur.sessions() as session:
            assert verify_chain(session, chain) is None
