"""One event appended on PostgreSQL with its hash computed by the server (engine.runtime.unit_of_work
``_SERVER_APPEND``), as an upload to a case does: the server's hash is ``event_hash``'s for any text, the
head is made where there is none, concurrent appends to one chain queue up on its head's row and all land
in order, and a connection whose text is not UTF-8 takes the path that hashes in Python."""
from __future__ import annotations

import io
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone

import pytest
from engine_helpers import ready_task, start_loop_case
from sqlalchemy import func, select, text
from test_round_trips import first_words, round_trips

from engine import UploadTarget
from engine.errors import ConcurrentUpdate
from engine.audit.chain import GENESIS, case_chain, event_hash, verify_chain
from engine.persistence.compiled import DirectStatement, run_batch
from engine.persistence.models import AuditChainHead, AuditEvent, DocumentUpload, ProcessInstance
from engine.runtime import unit_of_work
from engine.runtime.attachments import UPLOAD_EVENT
from engine.runtime.unit_of_work import UnitOfWork

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

TRICKY = [
    ("plain", "tester", {}),
    ("non_ascii", "Siti Nurhaliza — ü ß ñ", {"nama": "Dinas Pekerjaan Umum — Jl. Sudirman № 5", "ä": "ö"}),
    ("quotes", 'a "quoted" \'actor\'', {"q": 'he said "no"', "s": "it's"}),
    ("backslashes", "C:\\users\\x", {"path": "C:\\temp\\n\\\\", "re": "\\d+\\s*"}),
    ("emoji", "👩‍💻", {"e": "😀 🇮🇩 𝄞", "zwj": "👨‍👩‍👧"}),
    ("controls", "tab\tnew\nline", {"c": "\x00\x01\x1f\u2028\u2029", "nested": [1, 2.5, None, True, {"k": "v"}]}),
    ("sql", "x' || 'y", {"sql": "'); DROP TABLE audit_event; --", "pct": "%s %(x)s :name ::text"}),
]


@pytest.fixture
def server_appends(monkeypatch) -> list[str]:
    """The chains appended to with the server's hash."""
    seen: list[str] = []
    build = UnitOfWork._server_append

    def spied(self):
        write = build(self)
        seen.append(write.params["chain_key"])
        return write

    monkeypatch.setattr(UnitOfWork, "_server_append", spied)
    return seen


def _append_one(alur, chain: str, event_type: str, actor: str, payload: dict, at: datetime | None = None,
                instance_id: int | None = None) -> None:
    with UnitOfWork.begin(alur.sessions) as work:
        work.record(chain, event_type, actor=actor, at=at or alur.clock(), payload=payload,
                    instance_id=instance_id)


def _rows(alur, chain: str) -> list[AuditEvent]:
    with alur.sessions() as session:
        return list(session.scalars(select(AuditEvent).where(AuditEvent.chain == chain).order_by(AuditEvent.seq)))


def _case_to_upload_to(alur) -> tuple[int, str, str, int]:
    """A new case, its open task, its chain and how many events that chain holds."""
    case = start_loop_case(alur)
    chain = case_chain(case)
    return case, ready_task(alur, case), chain, len(_rows(alur, chain))


def _reporting(work: Callable[[], None], failures: list[BaseException]) -> threading.Thread:
    """A thread (not started) running ``work``; what it raises goes into ``failures`` for the test to report."""
    def run() -> None:
        try:
            work()
        except BaseException as error:  # noqa: BLE001 - reported by the test
            failures.append(error)
    return threading.Thread(target=run)


def _run_all(threads: list[threading.Thread], failures: list[BaseException]) -> None:
    """Start the threads, wait for each, and fail with what any of them raised."""
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not failures, failures


def _set_head(alur, chain: str, seq: int, hash: str) -> None:
    with alur.db.begin() as connection:
        connection.execute(AuditChainHead.__table__.update().where(AuditChainHead.chain == chain)
                           .values(seq=seq, hash=hash))


def test_the_servers_hash_is_event_hash_for_tricky_text_and_large_seqs(pg_alur, server_appends):
    chain = "tricky:é\"\\😀"
    at = datetime(2026, 12, 6, 16, 30, 1, 123456, tzinfo=timezone.utc)
    for n, (event_type, actor, payload) in enumerate(TRICKY):
        _append_one(pg_alur, chain, event_type, actor, payload, at + timedelta(seconds=n),
                    instance_id=7 if n % 2 else None)
    _set_head(pg_alur, chain, 2_147_483_000, "f" * 64)  # a large seq (the column is 32 bits); a chain cut here
    for event_type, actor, payload in TRICKY[:3]:
        _append_one(pg_alur, chain, event_type, actor, payload, at)
    assert server_appends == [chain] * (len(TRICKY) + 3)
    rows = _rows(pg_alur, chain)
    assert [r.seq for r in rows] == [*range(1, len(TRICKY) + 1), 2_147_483_001, 2_147_483_002, 2_147_483_003]
    prev = GENESIS
    for row in rows:
        if row.seq == 2_147_483_001:
            prev = "f" * 64
        assert row.prev_hash == prev
        assert row.hash == event_hash(prev, chain, row.seq, row.instance_id, row.event_type, row.actor, row.at,
                                      row.payload_json), row.event_type
        prev = row.hash
    assert [(r.event_type, r.actor) for r in rows[:len(TRICKY)]] == [(t, a) for t, a, _ in TRICKY]
    with pg_alur.sessions() as session:
        head = session.get(AuditChainHead, chain)
        assert (head.seq, head.hash) == (rows[-1].seq, rows[-1].hash)
    # up to the cut, the chain verifies as any chain written in Python does
    with pg_alur.sessions() as session:
        for row in session.scalars(select(AuditEvent).where(AuditEvent.chain == chain,
                                                            AuditEvent.seq > len(TRICKY))):
            session.delete(row)
        session.get(AuditChainHead, chain).seq = len(TRICKY)
        session.get(AuditChainHead, chain).hash = rows[len(TRICKY) - 1].hash
        session.commit()
        assert verify_chain(session, chain) is None


def test_a_chain_with_no_head_is_made_at_its_first_event(pg_alur, server_appends):
    _append_one(pg_alur, "fresh", "first", "tester", {"a": 1})
    _append_one(pg_alur, "fresh", "second", "tester", {"a": 2})
    assert server_appends == ["fresh", "fresh"]
    assert [(r.seq, r.event_type) for r in _rows(pg_alur, "fresh")] == [(1, "first"), (2, "second")]
    with pg_alur.sessions() as session:
        assert verify_chain(session, "fresh") is None


def test_a_connection_whose_text_is_not_utf8_hashes_in_python(pg_alur, server_appends):
    with pg_alur.db.connect() as connection:
        assert unit_of_work._utf8(connection)
        connection.exec_driver_sql("SET client_encoding TO 'LATIN1'")
        assert not unit_of_work._utf8(connection)
        connection.rollback()
    original = unit_of_work._utf8
    try:
        unit_of_work._utf8 = lambda connection: False  # type: ignore[assignment]
        _append_one(pg_alur, "latin", "first", "tester", {"a": "é"})
        _append_one(pg_alur, "latin", "second", "tester", {"a": "ü"})
    finally:
        unit_of_work._utf8 = original
    assert server_appends == []
    assert [r.seq for r in _rows(pg_alur, "latin")] == [1, 2]
    with pg_alur.sessions() as session:
        assert verify_chain(session, "latin") is None


def test_several_events_or_a_known_head_keep_the_path_that_hashes_in_python(pg_alur, server_appends):
    _append_one(pg_alur, "c", "first", "tester", {})
    with UnitOfWork.begin(pg_alur.sessions) as work:
        work.record("c", "a", actor="tester", at=pg_alur.clock())
        work.record("c", "b", actor="tester", at=pg_alur.clock())
    with pg_alur.sessions() as session:
        head = session.get(AuditChainHead, "c")
        known = (head.seq, head.hash)
    with UnitOfWork.begin(pg_alur.sessions) as work:
        work.knows_head("c", *known)
        work.record("c", "d", actor="tester", at=pg_alur.clock())
    assert server_appends == ["c"]
    assert [(r.seq, r.event_type) for r in _rows(pg_alur, "c")] == [(1, "first"), (2, "a"), (3, "b"), (4, "d")]
    with pg_alur.sessions() as session:
        assert verify_chain(session, "c") is None


def _upload(alur, case: int, task, n: int) -> None:
    alur.attachments.store(io.BytesIO(PDF + f"% {n}\n".encode()), f"laporan-{n}.pdf", "pengelola", [".pdf"],
                           UploadTarget(case, task.task_id, task.name))


@pytest.mark.parametrize("other_ends", ["commit", "rollback"])
def test_an_upload_waits_for_another_transaction_appending_to_its_case_then_appends_after_it(
        pg_alur, server_appends, other_ends):
    """Another connection has appended to the case's chain (the same statement), not committed yet: the
    upload waits for the head's row, then appends after that event (or where the head was, if it rolled back)."""
    case, task, chain, before = _case_to_upload_to(pg_alur)
    failures: list[BaseException] = []
    with UnitOfWork.begin(pg_alur.sessions) as theirs:  # its statement, by hand: its COMMIT held back
        theirs.record_for_case(case, "theirs", actor="other", at=pg_alur.clock(), payload={"x": "ü"})
        assert run_batch(theirs.connection, [theirs._server_append()]) == [1]
        theirs._events.clear()  # written above
        thread = _reporting(lambda: _upload(pg_alur, case, task, 1), failures)
        thread.start()
        time.sleep(0.3)
        assert thread.is_alive()  # waiting for the head's row
        if other_ends == "rollback":
            theirs.connection.rollback()
    thread.join(10)
    assert not failures and not thread.is_alive()
    types = [r.event_type for r in _rows(pg_alur, chain)[before:]]
    assert types == (["theirs", UPLOAD_EVENT] if other_ends == "commit" else [UPLOAD_EVENT]), types
    assert pg_alur.audit_verifier.verify().ok


def test_uploads_to_one_case_from_two_connections_at_once_all_land_in_order(pg_alur, server_appends):
    case, task, chain, before = _case_to_upload_to(pg_alur)
    failures: list[BaseException] = []
    start = threading.Barrier(2)

    def uploads(first: int) -> None:
        start.wait(5)
        for n in range(first, first + 25):
            _upload(pg_alur, case, task, n)

    threads = [_reporting(lambda first=first: uploads(first), failures) for first in (0, 100)]
    _run_all(threads, failures)
    rows = _rows(pg_alur, chain)
    assert len(rows) == before + 50 and [r.seq for r in rows] == list(range(1, before + 51))
    assert len(server_appends) == 50
    with pg_alur.sessions() as session:
        assert verify_chain(session, chain) is None
    report = pg_alur.audit_verifier.verify()
    assert report.ok, report


def test_uploads_and_appends_from_a_head_read_before_race_on_one_case_and_all_land(pg_alur, server_appends):
    """The other writer moves the head from where it read it (``knows_head``, as a completion): when an upload
    moved it meanwhile, that writer reads it locked and appends after the upload."""
    case, task, chain, before = _case_to_upload_to(pg_alur)
    failures: list[BaseException] = []
    start = threading.Barrier(2)

    def uploads() -> None:
        start.wait(5)
        for n in range(25):
            _upload(pg_alur, case, task, n)

    def known_appends() -> None:
        start.wait(5)
        for n in range(25):
            with pg_alur.sessions() as session:
                head = session.get(AuditChainHead, chain)
                known = (head.seq, head.hash)
            with UnitOfWork.begin(pg_alur.sessions) as work:
                work.knows_head(chain, *known)
                work.record_for_case(case, f"known_{n}", actor="tester", at=pg_alur.clock(), payload={"n": n})

    threads = [_reporting(uploads, failures), _reporting(known_appends, failures)]
    _run_all(threads, failures)
    rows = _rows(pg_alur, chain)
    assert [r.seq for r in rows] == list(range(1, before + 51))
    assert [r.event_type for r in rows if r.event_type.startswith("known_")] == [f"known_{n}" for n in range(25)]
    assert len(server_appends) == 25
    assert pg_alur.audit_verifier.verify().ok


@pytest.mark.parametrize("other_write", ["queue_write", "queue_insert"])
def test_a_head_another_transaction_makes_meanwhile_fails_the_append(pg_alur, server_appends, other_write):
    """As the append of a head read locked on the two-batch path; neither the event nor the unit of work's
    other writes are committed: a row of ``queue_insert`` goes in the append's own statement (one statement,
    no BEGIN), an other write in the batch before it."""
    failures: list[BaseException] = []

    def ours() -> None:
        with UnitOfWork.begin(pg_alur.sessions) as work:
            if other_write == "queue_write":
                work.queue_write(unit_of_work._CREATE_HEAD, {"chain": "other", "seq": 0, "hash": GENESIS})
            else:
                work.queue_insert(DocumentUpload.__table__, _unbound_upload(pg_alur))
            work.record("racing", "ours", actor="tester", at=pg_alur.clock())

    with pg_alur.db.connect() as other:
        other.execute(AuditChainHead.__table__.insert().values(chain="racing", seq=0, hash=GENESIS))
        thread = _reporting(ours, failures)
        thread.start()
        time.sleep(0.3)
        assert thread.is_alive()  # waiting for the other maker's row
        other.commit()
    thread.join(10)
    assert server_appends == ["racing"]
    assert len(failures) == 1 and isinstance(failures[0], pg_alur.db.dialect.loaded_dbapi.IntegrityError), failures
    assert _rows(pg_alur, "racing") == [] and _upload_rows(pg_alur) == 0
    with pg_alur.sessions() as session:
        assert session.get(AuditChainHead, "other") is None
        assert session.get(AuditChainHead, "racing").seq == 0


def _unbound_upload(alur) -> dict:
    return {"sha256": "0" * 64, "filename": "a.pdf", "media_type": "application/pdf", "size": 1,
            "uploaded_by": "tester", "uploaded_at": alur.clock(), "instance_id": None, "task_id": None}


def _upload_rows(alur) -> int:
    with alur.sessions() as session:
        return session.scalar(select(func.count()).select_from(DocumentUpload))


def test_a_queued_writes_unique_violation_is_a_concurrent_update(pg_alur, server_appends):
    """As in the two-batch path, where queued writes go in its first batch."""
    _append_one(pg_alur, "c", "first", "tester", {})
    with pytest.raises(ConcurrentUpdate):
        with UnitOfWork.begin(pg_alur.sessions) as work:
            duplicate = "INSERT INTO user_account (username) SELECT username FROM user_account LIMIT 1"
            work.queue_write(DirectStatement(text(duplicate)), {})
            work.record("c", "second", actor="tester", at=pg_alur.clock())
    assert [r.seq for r in _rows(pg_alur, "c")] == [1]


def test_an_upload_waits_for_a_transaction_holding_its_case_before_it_locks_the_head(pg_alur, server_appends):
    """A timer holds the case's row (``wake_if_due``: FOR UPDATE) and then appends to the case's chain: the
    upload's row names the case (a foreign key, whose check locks the case's row), so the upload's statement
    locks the case's row before the head, as the INSERT before the append did. Locked at the end of the
    statement (where PostgreSQL checks the key) the upload would hold the head the timer waits for, while
    waiting for the case's row the timer holds: a deadlock, one of them failing."""
    case, task, chain, before = _case_to_upload_to(pg_alur)
    failures: list[BaseException] = []
    thread = _reporting(lambda: _upload(pg_alur, case, task, 1), failures)
    with UnitOfWork.begin(pg_alur.sessions) as timer:
        instances = ProcessInstance.__table__.c
        assert timer.connection.scalar(select(instances.id).where(instances.id == case).with_for_update()) == case
        thread.start()
        time.sleep(0.3)
        assert thread.is_alive()  # waiting for the case's row
        timer.record_for_case(case, "timer_fired", actor="system", at=pg_alur.clock(), payload={})
    thread.join(10)
    assert not failures and not thread.is_alive(), failures
    assert [r.event_type for r in _rows(pg_alur, chain)[before:]] == ["timer_fired", UPLOAD_EVENT]
    assert server_appends == [chain, chain]
    assert pg_alur.audit_verifier.verify().ok


def test_an_upload_to_a_case_that_does_not_exist_stores_nothing(pg_alur, server_appends):
    """The one statement fails at its row's foreign key check, after the head was made and the event went in:
    none of it is committed, and the caller is told as when the row's INSERT ran in a batch of its own."""
    missing = 999_999
    with pytest.raises(ConcurrentUpdate):
        pg_alur.attachments.store(io.BytesIO(PDF), "laporan.pdf", "pengelola", [".pdf"],
                                  UploadTarget(missing, "no-task", "Laporan"))
    assert server_appends == [case_chain(missing)]
    assert _rows(pg_alur, case_chain(missing)) == [] and _upload_rows(pg_alur) == 0
    with pg_alur.sessions() as session:
        assert session.get(AuditChainHead, case_chain(missing)) is None


def test_the_upload_statement_turns_synchronous_commit_off_for_its_own_transaction_only(pg_alur, monkeypatch):
    """Run on its own (autocommit), the statement is its transaction: ``set_config(..., true)`` holds until its
    implicit COMMIT, which thus does not wait for the disk (PostgreSQL reads the setting at the commit, before
    a transaction's local settings are reset), and the connection is back at its own setting after it. Read
    here in the statement itself, as the upload's statement with what it returns added."""
    case, task, chain, _before = _case_to_upload_to(pg_alur)
    ran: list = []
    build = UnitOfWork._with_inserts

    def spied(self, append):
        write = build(self, append)
        ran.append(write)
        return write

    monkeypatch.setattr(UnitOfWork, "_with_inserts", spied)
    _upload(pg_alur, case, task, 1)
    assert len(ran) == 1
    write = ran[0]
    with pg_alur.db.connect() as connection:
        driver = connection.connection.driver_connection
        driver.autocommit = True
        try:
            plan = write.statement._plan(connection.dialect)
            cursor = driver.cursor()
            cursor.execute("SET synchronous_commit TO on")  # the suite's databases default to off (conftest)
            cursor.execute(plan.sql + "\nRETURNING current_setting('synchronous_commit')", plan.args(write.params))
            assert cursor.fetchall() == [("off",)]
            assert driver.info.transaction_status == 0  # idle: committed, no BEGIN sent
            cursor.execute("SHOW synchronous_commit")
            assert cursor.fetchall() == [("on",)]
        finally:
            driver.autocommit = False
    assert [r.event_type for r in _rows(pg_alur, chain)][-2:] == [UPLOAD_EVENT, UPLOAD_EVENT]
    assert pg_alur.audit_verifier.verify().ok


def test_a_unit_of_work_that_sent_a_statement_already_appends_in_its_transaction(pg_alur, server_appends):
    """Its BEGIN went with a locked read: the row and the event go in a pipeline with the COMMIT, as before."""
    with round_trips(pg_alur) as trips:
        with UnitOfWork.begin(pg_alur.sessions) as work:
            unit_of_work._LOCK_HEAD.first(work.connection, {"chain_key": "system"})
            work.commit_without_flush_wait()
            work.queue_insert(DocumentUpload.__table__, _unbound_upload(pg_alur))
            work.record("c", "first", actor="tester", at=pg_alur.clock())
    assert first_words(trips) == [["BEGIN", "SELECT audit_chain_head.seq, audit_chain_head.hash"],
                                  ["INSERT INTO document_upload", "WITH old AS", "COMMIT"]], trips
    assert server_appends == ["c"] and _upload_rows(pg_alur) == 1
    assert [r.seq for r in _rows(pg_alur, "c")] == [1]
