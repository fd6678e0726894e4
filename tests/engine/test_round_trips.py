"""The database round trips of a step as staff do it on PostgreSQL (issue 21), counted from libpq's own
trace of what the client sends, never timed: a round trip ends with each Sync (extended protocol, one per
statement or per pipeline) or simple Query (psycopg's BEGIN, COMMIT, ROLLBACK).

PostgreSQL only: SQLite has no round trips (its statements are pinned in test_document_statements.py).
"""
from __future__ import annotations

import io
import re
import tempfile
from collections.abc import Callable, Iterator
from typing import Any
from contextlib import contextmanager

import pytest
from alur_testing import sop_settings
from engine_helpers import ready_task, start_loop_case
from sqlalchemy import event, func, select, update

from engine import UploadTarget
from engine.audit.chain import case_chain, verify_chain
from engine.bootstrap import Alur, open_alur
from engine.persistence.models import AuditEvent, HumanTask

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"



@contextmanager
def round_trips(alur: Alur) -> Iterator[list[list[str]]]:
    """What the block sends, per round trip: each statement sent before the server was waited for (new
    connections, each traced by libpq; the pool is emptied before and after)."""
    from psycopg import pq

    traces: list[tempfile._TemporaryFileWrapper[str]] = []
    found: list[list[str]] = []

    def trace(dbapi_connection, _record) -> None:
        file = tempfile.NamedTemporaryFile("w+")
        traces.append(file)
        dbapi_connection.pgconn.trace(file.fileno())
        dbapi_connection.pgconn.set_trace_flags(pq.Trace.SUPPRESS_TIMESTAMPS | pq.Trace.REGRESS_MODE)

    alur.db.dispose()
    event.listen(alur.db, "connect", trace)
    try:
        yield found
    finally:
        event.remove(alur.db, "connect", trace)
        alur.db.dispose()
        for file in traces:
            with file:
                file.seek(0)  # libpq wrote through the same descriptor
                found += _round_trips(file.read())


def _round_trips(trace: str) -> list[list[str]]:
    trips: list[list[str]] = []
    sent: list[str] = []
    prepared: dict[str, str] = {}  # statement name -> its SQL
    for message, body in _MESSAGE.findall(trace):
        if message == "Parse":
            name, sql = _PARSE.match(body).groups()
            if name:
                prepared[name] = sql
            sent.append(sql)
        elif message == "Bind":
            name = _BIND.match(body).group(1)
            if name and sent[-1:] != [prepared[name]]:  # a prepared statement run again
                sent.append(prepared[name])
        elif message == "Query":
            sent.append(body.strip().strip('"'))
        if message in ("Sync", "Query"):
            trips.append(sent)
            sent = []
    return trips


def first_words(trips: list[list[str]]) -> list[list[str]]:
    return [[" ".join(sql.split()[:3]) for sql in trip] for trip in trips]


_MESSAGE = re.compile(r"^F\t\d+\t(\w+)(.*?)(?=^[FB]\t|\Z)", re.S | re.M)
_PARSE = re.compile(r'\s*"([^"]*)" "(.*)" \d+', re.S)
_BIND = re.compile(r'\s*"[^"]*" "([^"]*)"')


# The task page's statement (engine.reading.task_page_read): its case's and reader's columns, read once.
PAGE = "WITH p AS"


def test_reading_a_task_and_its_case_rolls_nothing_back(pg_alur):
    """psycopg forgets every statement it prepared on a connection at each ROLLBACK: a read that ended
    with one made the task page's statement parse and plan again at every step (issue 21)."""
    case = start_loop_case(pg_alur)
    task = ready_task(pg_alur, case)
    with round_trips(pg_alur) as trips:
        pg_alur.queries.task(task.task_id)
        pg_alur.queries.case(case)
        pg_alur.queries.case_tasks(case)
        pg_alur.queries.open_tasks(case)
        pg_alur.queries.audit_trail(case)
        pg_alur.cases.task_page(task.task_id, "pengelola")
    sent = [sql for trip in trips for sql in trip]
    assert sent and not [sql for sql in sent if not sql.startswith(("SELECT", PAGE))], first_words(trips)


def test_a_task_page_with_documents_and_people_reads_the_people_with_its_statement_once_its_reader_was_seen(
        pg_alur):
    """The reassign list a supervisor's page offers is read in the page statement's pipeline when this
    process knows beforehand that the reader supervises the task's role (their roles as its last page
    read them: a guess, issue 21); else in a second round trip."""
    case = start_loop_case(pg_alur)
    first = ready_task(pg_alur, case)
    document = upload(pg_alur, case, first)
    pg_alur.runner.complete_task(first.task_id, "pengelola", {"uraian": "A", "dokumen_laporan": document})
    pg_alur.runner.complete_task(ready_task(pg_alur, case).task_id, "pengawas", {"disetujui": False})
    task = ready_task(pg_alur, case)  # the report again, which its role's supervisor may reassign
    pg_alur.cases.task_page(task.task_id, "pengelola")  # the definition's and the calendar's caches
    with round_trips(pg_alur) as trips:
        page = pg_alur.cases.task_page(task.task_id, "pengawas")
    assert [d.sha256 for d in page.documents] == [document] and page.reassign_options
    # the case's tasks with the case, the reader, the draft and the case's uploads; then the
    # supervisor's reassign list: this process has not seen that they supervise the task's role
    assert first_words(trips) == [[PAGE],
                                  ["SELECT user_account.username, user_account.full_name,"]], trips
    with round_trips(pg_alur) as trips:  # now it has
        again = pg_alur.cases.task_page(task.task_id, "pengawas")
    assert first_words(trips) == [[PAGE, "SELECT user_account.username, user_account.full_name,"]], trips
    assert again == page
    with round_trips(pg_alur) as trips:  # the one who works on it: no one to reassign it to
        page = pg_alur.cases.task_page(task.task_id, "pengelola")
    assert [d.sha256 for d in page.documents] == [document] and page.attachments == {
        document: page.attachments[document]} and page.can_act
    assert first_words(trips) == [[PAGE]], trips


def test_a_task_page_reads_the_people_its_guess_missed_in_a_second_round_trip(pg_alur):
    """The reader's roles as last seen are only a guess: one who became a supervisor since gets the
    reassign list read after the page statement, one who no longer is none, as without a guess."""
    from engine.persistence.models import UserAccount, UserRole

    case = start_loop_case(pg_alur)
    task = ready_task(pg_alur, case)
    pg_alur.cases.task_page(task.task_id, "pengelola")  # caches; seen without a supervising role
    with pg_alur.sessions.begin() as session:
        account = session.query(UserAccount).filter_by(username="pengelola").one()
        session.add(UserRole(user_id=account.id, role_key="pengawas"))
    with round_trips(pg_alur) as trips:
        page = pg_alur.cases.task_page(task.task_id, "pengelola")
    assert page.can_reassign and [name for name, _ in page.reassign_options] == ["pengelola2"]
    assert first_words(trips) == [[PAGE], ["SELECT user_account.username, user_account.full_name,"]], trips
    with round_trips(pg_alur) as trips:
        assert pg_alur.cases.task_page(task.task_id, "pengelola") == page
    assert first_words(trips) == [[PAGE, "SELECT user_account.username, user_account.full_name,"]], trips
    with pg_alur.sessions.begin() as session:
        session.query(UserRole).filter_by(user_id=account.id, role_key="pengawas").delete()
    with round_trips(pg_alur) as trips:  # guessed a supervisor: the list read for nothing, and not shown
        page = pg_alur.cases.task_page(task.task_id, "pengelola")
    assert not page.can_reassign and page.reassign_options == []
    assert first_words(trips) == [[PAGE, "SELECT user_account.username, user_account.full_name,"]], trips


def test_a_task_page_reads_the_uploads_of_a_document_with_none_in_its_case_in_its_second_round_trip(pg_alur):
    """A document whose only upload names no case (from before uploads named their case)."""
    from sqlalchemy import update

    from engine.persistence.models import DocumentUpload

    case = start_loop_case(pg_alur)
    first = ready_task(pg_alur, case)
    document = upload(pg_alur, case, first)
    pg_alur.runner.complete_task(first.task_id, "pengelola", {"uraian": "A", "dokumen_laporan": document})
    task = ready_task(pg_alur, case)
    with pg_alur.sessions.begin() as session:
        session.execute(update(DocumentUpload).values(instance_id=None, task_id=None))
    pg_alur.cases.task_page(task.task_id, "pengawas")  # caches
    with round_trips(pg_alur) as trips:
        page = pg_alur.cases.task_page(task.task_id, "pengawas")
    assert [d.sha256 for d in page.documents] == [document]
    assert first_words(trips) == [[PAGE],
                                  ["SELECT document_upload.sha256, document_upload.filename,"]], trips


def upload(alur: Alur, case: int, task, content: bytes = PDF) -> str:
    return alur.attachments.store(io.BytesIO(content), "laporan.pdf", "pengelola", [".pdf"],
                                  UploadTarget(case, task.task_id, task.name)).sha256


def test_an_upload_is_one_statement_its_own_transaction_its_event_hashed_by_the_server(pg_alur):
    case = start_loop_case(pg_alur)
    task = ready_task(pg_alur, case)
    upload(pg_alur, case, task)  # statements' caches
    with round_trips(pg_alur) as trips:
        upload(pg_alur, case, task, b"%PDF-1.4\n% another\n%%EOF\n")
    # its row, its case chain's head read locked and moved with the event (its hash computed by the server: no
    # read of the head before), in one statement that is a transaction of its own: no BEGIN, no COMMIT (issue
    # 21: a pipeline of BEGIN, the row, the append and COMMIT before; before that, two round trips and five
    # statements, the head read locked in the first)
    assert first_words(trips) == [["WITH inserted_0 AS"]], trips
    append = " ".join(trips[0][0].split())
    inserted, rest = append.split(" old AS (", 1)
    assert inserted.startswith("WITH inserted_0 AS (INSERT INTO document_upload "), inserted
    assert "RETURNING" not in inserted, inserted  # no new key sent back that nobody reads
    assert "FOR UPDATE" in rest and "sha256(convert_to(" in rest and " INSERT INTO audit_event " in rest
    # the case's row is locked (as the row's foreign key check does) before the head is
    assert re.search(r"WHERE chain = \S+ AND EXISTS \(SELECT FROM process_instance WHERE id = \S+ FOR KEY SHARE\) "
                     r"IS NOT NULL FOR UPDATE \), moved AS", rest), rest
    # the commit does not wait for the disk (commit_without_flush_wait), set as the event goes in
    assert append.endswith("WHERE set_config('synchronous_commit', 'off', true) IS NOT NULL"), append
    with pg_alur.sessions() as session:
        assert verify_chain(session, case_chain(case)) is None


def test_an_upload_for_no_case_sets_the_commit_not_to_wait_for_the_disk_in_a_statement_of_its_own(pg_alur):
    pg_alur.attachments.store(io.BytesIO(PDF), "laporan.pdf", "pengelola", [".pdf"])  # caches
    with round_trips(pg_alur) as trips:
        pg_alur.attachments.store(io.BytesIO(PDF), "laporan.pdf", "pengelola", [".pdf"])
    # nothing is checked after the batch, so the COMMIT goes with it (issue 21: a round trip of its own before)
    assert first_words(trips) == [["BEGIN", "SET LOCAL synchronous_commit", "INSERT INTO document_upload",
                                   "COMMIT"]], trips


def test_a_completion_is_two_round_trips(pg_alur):
    """The one read (it locks nothing, so it runs before the BEGIN: engine.persistence.db.hold_begin); then
    the BEGIN, every write, the chain head moved with its events in one statement, and the COMMIT, each
    write whose rowcount matters checked by the server (issue 21: the COMMIT a round trip of its own before;
    before that five round trips, a BEGIN and an events insert of their own, the head's move and each event
    a statement of its own)."""
    case = start_loop_case(pg_alur)
    pg_alur.runner.complete_task(ready_task(pg_alur, case).task_id, "pengelola", {"uraian": "A"})  # caches
    task = ready_task(pg_alur, case)
    with round_trips(pg_alur) as trips:
        pg_alur.runner.complete_task(task.task_id, "pengawas", {"disetujui": False})
    assert first_words(trips) == [
        ["SELECT human_task.id, human_task.instance_id,"],
        ["BEGIN", "WITH changed AS", "INSERT INTO flow_figure", "INSERT INTO step_figure",
         "INSERT INTO human_task", "WITH changed AS", "WITH head AS", "COMMIT"]], trips
    task_write, case_write = (" ".join(trips[1][n].split()) for n in (1, 5))
    # the versioned writes fail unless they changed their one row: then the server skips the COMMIT
    assert task_write.startswith("WITH changed AS (UPDATE human_task SET"), task_write
    assert case_write.startswith("WITH changed AS (UPDATE process_instance SET"), case_write
    for write in (task_write, case_write):
        assert write.endswith("RETURNING 1) SELECT 1 / (count(*) = 1)::int AS checked FROM changed"), write
    append = " ".join(trips[1][-2].split())
    # the events only where the head moved from the value read, all three or it fails
    assert append.startswith("WITH head AS (UPDATE audit_chain_head SET") and "seq = $" in append, append
    assert "FROM head, (VALUES" in append and "set_config" not in append, append
    assert append.endswith("SELECT 1 / (count(*) = 3)::int AS checked FROM changed"), append


def test_a_completion_whose_check_fails_is_rolled_back_and_its_batch_run_again_as_before(pg_alur, monkeypatch):
    """A chain head another writer moved after it was read fails the append's check: the server skips the
    COMMIT, the transaction rolls back, and the batch runs again, which reads the head locked and moves it on
    (then the COMMIT, with nothing left to check)."""
    from engine.runtime.unit_of_work import UnitOfWork

    case = start_loop_case(pg_alur)
    pg_alur.runner.complete_task(ready_task(pg_alur, case).task_id, "pengelola", {"uraian": "A"})  # caches
    task = ready_task(pg_alur, case)
    original = UnitOfWork._commit_checked

    def another_writer_first(work):  # the case's chain moved on by another unit of work after the head was read
        with UnitOfWork.begin(pg_alur.sessions) as other:
            other.record_for_case(case, "note", actor="tester", at=pg_alur.clock(), payload={"n": 1})
        return original(work)

    monkeypatch.setattr(UnitOfWork, "_commit_checked", another_writer_first)
    with round_trips(pg_alur) as trips:
        pg_alur.runner.complete_task(task.task_id, "pengawas", {"disetujui": False})
    words = first_words(trips)  # by connection: the other writer's come after the step's
    assert words[:6] == [
        ["SELECT human_task.id, human_task.instance_id,"],
        ["BEGIN", "WITH changed AS", "INSERT INTO flow_figure", "INSERT INTO step_figure", "INSERT INTO human_task",
         "WITH changed AS", "WITH head AS", "COMMIT"],  # the append's check failed: the COMMIT was skipped
        ["ROLLBACK"],
        ["BEGIN", "UPDATE human_task SET", "INSERT INTO flow_figure", "INSERT INTO step_figure",
         "INSERT INTO human_task", "UPDATE process_instance SET", "WITH head AS"],
        ["SELECT audit_chain_head.seq, audit_chain_head.hash"],
        ["WITH head AS", "COMMIT"]], words
    with pg_alur.sessions() as session:
        assert verify_chain(session, case_chain(case)) is None
        types = session.scalars(select(AuditEvent.event_type).where(AuditEvent.chain == case_chain(case))
                                .order_by(AuditEvent.seq.desc()).limit(4)).all()
    assert types == ["task_created", "gateway_decided", "task_completed", "note"], types
    assert ready_task(pg_alur, case).name != task.name


def test_a_completion_of_a_stale_task_raises_its_conflict_after_the_batch_run_again(pg_alur, monkeypatch):
    """A task completed meanwhile (its version moved) fails its write's check; the batch run again finds
    which write did not change its row and raises that write's conflict; nothing is stored."""
    from engine.errors import ConcurrentUpdate
    from engine.runtime.unit_of_work import UnitOfWork

    case = start_loop_case(pg_alur)
    task = ready_task(pg_alur, case)
    original = UnitOfWork._commit_checked

    def completed_meanwhile(work):
        with pg_alur.db.begin() as connection:
            connection.execute(update(HumanTask).where(HumanTask.id == task.task_id)
                               .values(version=HumanTask.version + 1))
        return original(work)

    case_events = select(func.count()).select_from(AuditEvent).where(AuditEvent.chain == case_chain(case))
    with pg_alur.sessions() as session:
        events = session.scalar(case_events)
    monkeypatch.setattr(UnitOfWork, "_commit_checked", completed_meanwhile)
    with round_trips(pg_alur) as trips, pytest.raises(ConcurrentUpdate):
        pg_alur.runner.complete_task(task.task_id, "pengelola", {"uraian": "A"})
    words = first_words(trips)  # by connection: the other writer's come after the step's
    # the task's write failed its check, so the server skipped the rest (the driver may stop sending it
    # once it has read the error)
    assert words[1][:2] == ["BEGIN", "WITH changed AS"], words
    assert words[:1] + words[2:5] == [
        ["SELECT human_task.id, human_task.instance_id,"],
        ["ROLLBACK"],
        ["BEGIN", "UPDATE human_task SET", "INSERT INTO step_figure", "INSERT INTO human_task",
         "UPDATE process_instance SET", "WITH head AS"],
        ["ROLLBACK"]], words
    with pg_alur.sessions() as session:
        # nothing of the step, only the refusal recorded afterwards (engine.audit.attempts)
        assert session.scalar(case_events) == events + 1
        last = session.scalars(select(AuditEvent.event_type).where(AuditEvent.chain == case_chain(case))
                               .order_by(AuditEvent.seq.desc()).limit(1)).one()
        assert last == "attempt_refused"
        assert session.get(HumanTask, task.task_id).state == task.state


def test_a_unit_of_work_begins_with_its_first_statement_that_writes_or_locks(pg_alur):
    """A read that locks nothing runs before the BEGIN, on its own; a locked read (FOR UPDATE) holds its
    lock until the commit, so the BEGIN goes with it; a unit of work that only read sends no COMMIT."""
    from engine.runtime import unit_of_work
    from engine.runtime.step_statements import TASK_CREATED
    from engine.runtime.unit_of_work import UnitOfWork

    with round_trips(pg_alur) as trips:
        with UnitOfWork.begin(pg_alur.sessions) as work:
            TASK_CREATED.first(work.connection, {"task_id": "none"})
        with UnitOfWork.begin(pg_alur.sessions) as work:
            TASK_CREATED.first(work.connection, {"task_id": "none"})
            unit_of_work._LOCK_HEAD.first(work.connection, {"chain_key": "system"})
    assert first_words(trips) == [["SELECT human_task.created_at FROM"], ["SELECT human_task.created_at FROM"],
                                  ["BEGIN", "SELECT audit_chain_head.seq, audit_chain_head.hash"], ["COMMIT"]], trips


def _warmed_starter(alur: Alur, process_key: str) -> str:
    """``process_key`` deployed and one whole case of it run as the bench walks it, filling the caches; who
    starts its cases."""
    from bench import sops
    from process_helpers import CAST, deploy

    deploy(alur, process_key)
    with alur.sessions() as session:
        definition = alur.definitions.latest(session, process_key)[1]
    starter = next(user for user, roles in CAST.items() if alur.roles.expand(set(roles)) & definition.start_roles)
    sops._run_case(alur, process_key, starter, -1, sops._Stopwatch())
    return starter


def _calls_traced(alur: Alur, process_key: str, name: str, instead: Callable[[], Callable] | None = None,
                  check: Callable[[tuple, Any], None] | None = None) -> list[tuple[Any, list]]:
    """The result and round trips of each call of the engine's ``name`` (``task_page``, ``complete_task``) in one
    whole case of ``process_key`` as the bench walks it, after a first case that fills the caches; each made by
    ``instead()`` if given (another process's method), and handed to ``check(args, result)`` as it comes."""
    from bench import sops

    starter = _warmed_starter(alur, process_key)
    traced: list[tuple[Any, list]] = []

    def watch(fn, *args):
        if getattr(fn, "__name__", "") != name:
            return fn(*args)
        call = instead() if instead is not None else fn  # a new process's own reads are not traced
        with round_trips(alur) as trips:
            result = call(*args)
        traced.append((result, trips))
        if check is not None:
            check(args, result)
        return result

    sops._run_case(alur, process_key, starter, 1, watch)
    return traced


def completions_traced(alur: Alur, process_key: str,
                       elsewhere: Callable[[], Alur] | None = None) -> list[list[list[str]]]:
    """The round trips of each completion of one whole case of ``process_key`` (``_calls_traced``); each
    completion by a process of its own on the same database (``elsewhere()``) if given."""
    instead = (lambda: elsewhere().runner.complete_task) if elsewhere is not None else None
    return [trips for _result, trips in _calls_traced(alur, process_key, "complete_task", instead)]


def test_an_sop_steps_checks_are_read_with_its_task_row(pg_sop_alur):
    """SOP-05's second step picks people, names documents and shares its SOP time with another step under
    the case's clock. This process opened its task, so it knows the task's case, element and form before
    reading its row: its row, the people it picks or its next step names and the case's task times, in one
    pipeline (its documents, sent with its form, are not read: they are the actor's own for the step); then
    the BEGIN with the writes (issue 21: five reads before, each a round trip of its own)."""
    second = completions_traced(pg_sop_alur, "sop_backup_restore_db")[1]
    assert first_words(second)[:1] == [
        ["SELECT human_task.id, human_task.instance_id,", "SELECT user_account.username, user_account.active,",
         "SELECT process_instance.started_at AS"]], second
    # then the BEGIN, the writes and the COMMIT, in one round trip
    assert len(second) == 2 and second[1][0] == "BEGIN" and second[1][-1] == "COMMIT", second
    assert not [sql for trip in second[1:] for sql in trip if sql.startswith("SELECT")], second


@pytest.fixture
def pg_sop_elsewhere(pg_sop_alur, postgres_engine, tmp_path, clock) -> Callable[[], Alur]:
    """Other processes on ``pg_sop_alur``' database, a new one at each call: it opened no task (its SOP-05
    definition parsed already, as in a process that served any of its pages)."""
    def process() -> Alur:
        alur = open_alur(sop_settings(tmp_path, str(postgres_engine.url)), clock=clock, db=postgres_engine)
        with alur.sessions() as session:
            alur.definitions.latest(session, "sop_backup_restore_db")
        return alur
    return process


def pages_traced(alur: Alur, process_key: str, elsewhere: Callable[[], Alur] | None = None,
                 also: Callable[[], Alur] | None = None) -> list[tuple[Any, list]]:
    """Each task page of one whole case of ``process_key`` with its round trips (``_calls_traced``); each
    page read by a process of its own on the same database (``elsewhere()``) if given. With ``also``, each
    page is read in ``also()`` too (one process, made after the first case), and must read the same."""
    instead = (lambda: elsewhere().cases.task_page) if elsewhere is not None else None
    if also is None:
        return _calls_traced(alur, process_key, "task_page", instead)
    other: Alur | None = None

    def same_in_other(args: tuple, page: Any) -> None:
        nonlocal other
        other = other or also()  # made after the first case, as the process that reads the case's pages
        assert other.cases.task_page(*args) == page
    return _calls_traced(alur, process_key, "task_page", instead, same_in_other)


def test_an_sop_page_reads_the_people_it_picks_from_with_its_statement(pg_sop_alur):
    """SOP-05's third step picks people from two roles. This process opened its task, so it knows the
    task's form before the page is read: the people are read in the page statement's pipeline (issue 21:
    a round trip of their own after it); so is every page of the case one round trip."""
    traced = pages_traced(pg_sop_alur, "sop_backup_restore_db")
    second, trips = next((page, trips) for page, trips in traced if page.task.element_id == "brd_02b")
    assert set(second.user_options) == {"pemeriksa_ti", "pengelola_ti"} and all(second.user_options.values())
    assert first_words(trips) == [[PAGE, "SELECT user_account.username, user_account.full_name,"]], trips
    assert all(len(trips) == 1 for _page, trips in traced), [first_words(trips) for _page, trips in traced]


def test_an_sop_page_read_with_guessed_reads_is_the_page_read_without(pg_sop_alur, pg_sop_elsewhere):
    """Every page of a whole SOP-05 case (people and a server picked), read where its reads were guessed
    (this process opened its tasks) and where they were not (another process that never read it before):
    the same page."""
    traced = pages_traced(pg_sop_alur, "sop_backup_restore_db", also=pg_sop_elsewhere)
    assert any(page.user_options for page, _trips in traced) and any(page.server_register for page, _ in traced)


def test_an_sop_page_another_process_reads_reads_its_people_in_a_second_round_trip(pg_sop_alur, pg_sop_elsewhere):
    """Read by a process that neither opened the task nor read its page before, the same page: its people
    after the page statement, as the page statement says they are needed."""
    traced = pages_traced(pg_sop_alur, "sop_backup_restore_db", elsewhere=pg_sop_elsewhere)
    second, trips = next((page, trips) for page, trips in traced if page.task.element_id == "brd_02b")
    assert set(second.user_options) == {"pemeriksa_ti", "pengelola_ti"} and all(second.user_options.values())
    read = [trip for trip in first_words(trips) if "calendar" not in trip[0]]  # a new process's calendar
    assert read == [[PAGE], ["SELECT user_account.username, user_account.full_name,"]], trips
    actor = pg_sop_alur.queries.task(second.task.task_id).completed_by or ""
    with round_trips(pg_sop_alur) as trips:  # in the process that opened it (completed since), the same people
        again = pg_sop_alur.cases.task_page(second.task.task_id, actor)
    assert again.user_options == second.user_options
    assert first_words(trips) == [[PAGE, "SELECT user_account.username, user_account.full_name,"]], trips


def test_a_step_whose_task_another_process_opened_reads_its_checks_after_its_task_row(pg_sop_alur, pg_sop_elsewhere):
    """SOP-05's second step completed by a process that did not open its task: its task row; then the
    people it picks or its next step names and the case's task times, in one pipeline (its documents came
    with its form); then the BEGIN with the writes and the COMMIT."""
    second = completions_traced(pg_sop_alur, "sop_backup_restore_db", elsewhere=pg_sop_elsewhere)[1]
    assert first_words(second)[:2] == [
        ["SELECT human_task.id, human_task.instance_id,"],
        ["SELECT user_account.username, user_account.active,", "SELECT process_instance.started_at AS"]], second
    # this new process's calendar, read on its own as the reads before it (it locks nothing); then the BEGIN, the
    # writes and the COMMIT in one round trip (before, the calendar's read sent the BEGIN alone first: 6 in all)
    assert second[2][0].startswith("SELECT calendar_override.day") and len(second) == 4, second
    assert second[3][0] == "BEGIN" and second[3][-1] == "COMMIT", second


def test_sop_steps_read_in_at_most_two_round_trips_before_they_write(pg_sop_alur):
    """Every completion of a whole SOP case whose steps keep no register (those read their register on their
    own, engine.registers): at most two round trips of reads before the BEGIN, none after it."""
    for trips in completions_traced(pg_sop_alur, "sop_gangguan_jaringan"):
        begin = next(n for n, trip in enumerate(trips) if trip[0] == "BEGIN")
        assert begin <= 2 and all(sql.startswith("SELECT") for trip in trips[:begin] for sql in trip), trips
        assert not [sql for trip in trips[begin:] for sql in trip if sql.startswith("SELECT")], trips


def test_a_step_that_moves_the_case_clock_writes_its_limit_with_the_case(pg_sop_alur):
    """SOP-02 starts its case's clock at a later step and stops it while it waits on the OPD: the new limit
    and warning go in the versioned write of the case's row (SAVE_CASE_WITH_LIMITS), not in an UPDATE of
    their own sent with the BEGIN (a round trip more, issue 21)."""
    traced = completions_traced(pg_sop_alur, "sop_pengelolaan_data")
    case_writes = [[sql for trip in trips for sql in trip if "UPDATE process_instance" in sql] for trips in traced]
    assert [writes for writes in case_writes if "due_at=" in writes[0]], traced  # the steps that move the clock
    for trips, writes in zip(traced, case_writes, strict=True):
        assert len(trips) == 2 and trips[1][0] == "BEGIN" and trips[1][-1] == "COMMIT", first_words(trips)
        assert len(writes) == 1, trips


def test_the_dc_assignment_takes_its_visitors_names_from_the_accounts_its_checks_read(pg_sop_alur):
    """SOP-04's first step picks the Personil DC it lets in, and their visits name them by full name: the
    names come with the accounts its checks read in their batch, not from a read of their own (issue 21)."""
    assignment = completions_traced(pg_sop_alur, "sop_pemeliharaan_akses_dc")[0]
    begin = next(n for n, trip in enumerate(assignment) if trip[0] == "BEGIN")
    assert begin == 1 and "INSERT INTO dc_visit" in first_words(assignment)[begin][1], first_words(assignment)
    assert "user_account.full_name" in assignment[0][-1], assignment


@pytest.mark.parametrize("process_key", ["sop_backup_restore_db", "sop_pemeliharaan_akses_dc"])
def test_register_steps_move_their_chain_heads_with_the_steps_writes(pg_sop_alur, process_key):
    """SOP-05's job report and confirmation write a server of the register, SOP-04's end closes its case's
    visits: the UPDATE returns the head of each chain it writes, which the step's batch moves from there, so
    no head is read locked after the writes and moved in a batch of its own; the server the job report
    picks is checked with the step's other reads (issue 21: two and one round trips more before)."""
    traced = completions_traced(pg_sop_alur, process_key)
    registers = [trips for trips in traced if any(sql.startswith(("UPDATE server_asset", "UPDATE dc_visit"))
                                                  for trip in trips for sql in trip)]
    assert len(registers) == (2 if process_key == "sop_backup_restore_db" else 1), traced
    for trips in registers:
        begin = next(n for n, trip in enumerate(trips) if trip[0] == "BEGIN")
        assert begin == 1 and len(trips) == 4, first_words(trips)
        assert not [sql for trip in trips[begin:] for sql in trip if sql.startswith("SELECT")], first_words(trips)


def test_reads_guessed_for_a_task_its_row_contradicts_are_read_again_from_the_row(pg_alur):
    """What a completion reads with its task row follows from the task's case, element and form as the step
    that opened it left them (``OpenTask``); should the row say otherwise (here: another case), those reads
    are dropped and read again from the row, so that the step is checked against its own case."""
    from engine.runtime.live_workflows import OpenTask

    other = start_loop_case(pg_alur)
    case = start_loop_case(pg_alur)
    task = ready_task(pg_alur, case)
    document = upload(pg_alur, case, task)
    guess = pg_alur.runner._open_tasks.get(task.task_id)
    assert guess is not None and guess.instance_id == case  # kept by the start, which opened the task
    pg_alur.runner._open_tasks.keep([OpenTask(task.task_id, other, guess.definition_id, guess.element_id,
                                              guess.form_key, guess.case_version)])
    with round_trips(pg_alur) as trips:
        pg_alur.runner.complete_task(task.task_id, "pengelola", {"uraian": "A", "dokumen_laporan": document})
    assert first_words(trips)[:2] == [["SELECT human_task.id, human_task.instance_id,",
                                       "SELECT document_upload.sha256, document_upload.filename,"],
                                      ["SELECT document_upload.sha256, document_upload.filename,"]], trips
    assert [t.element_id for t in pg_alur.queries.case_tasks(case) if t.state == "completed"] == [task.element_id]


def test_a_case_start_reads_the_case_before_it_with_its_insert(pg_sop_alur):
    """Starting a case: what it needs read at once (its definition, the starter's roles and unit); the BEGIN
    with the case's row, which returns the highest case id before it (its ``instance_started`` event's
    ``previous_case``, engine.audit.case_accounting); the batch of writes; the COMMIT (issue 21: the case
    before it was a round trip of its own)."""
    from process_helpers import deploy

    deploy(pg_sop_alur, "sop_gangguan_database")
    earlier = pg_sop_alur.runner.start_case("sop_gangguan_database", "pengelola").instance_id  # caches
    with round_trips(pg_sop_alur) as trips:
        case = pg_sop_alur.runner.start_case("sop_gangguan_database", "pengelola").instance_id
    assert [trip[:2] for trip in first_words(trips)] == [
        ["SELECT (SELECT process_definition.id"], ["BEGIN", "INSERT INTO process_instance"],
        ["INSERT INTO case_figure", "INSERT INTO human_task"], ["COMMIT"]], trips
    started = [e for e in pg_sop_alur.queries.audit_trail(case) if e.event_type == "instance_started"]
    assert [e.payload["previous_case"] for e in started] == [earlier], started


def test_an_sop_step_reads_the_case_times_with_its_checks_only_when_it_may_need_them(pg_sop_alur):
    """SOP-05: its first step opens the one that starts the case's clock, its second opens the step sharing
    its SOP time; only those read the case's task times with their checks (issue 21: every step of a model
    with clock rules did, a statement more in its first round trip)."""
    times = "SELECT process_instance.started_at AS"
    firsts = [trips[0] for trips in completions_traced(pg_sop_alur, "sop_backup_restore_db")]
    assert [n for n, trip in enumerate(firsts) if any(sql.startswith(times) for sql in trip)] == [0, 1], firsts
    # 3, 4, 3, 3, 4, 3 while the documents sent with the form were read; 3, 4, 4, 4, 5, 5 before that
    assert [len(trip) for trip in firsts] == [2, 3, 2, 2, 3, 2], first_words(firsts)


def test_an_sop_step_reads_accounts_with_its_checks_only_for_people_it_picks_or_its_next_steps_name(pg_sop_alur):
    """SOP-02 names its performers in three steps; only the steps that open them (and those picking people,
    here the first) read accounts with their checks (issue 21: every step read the people any step of the
    model names, a statement more in its first round trip)."""
    accounts = "SELECT user_account.username, user_account.active,"
    firsts = [trips[0] for trips in completions_traced(pg_sop_alur, "sop_pengelolaan_data")]
    assert [n for n, trip in enumerate(firsts) if any(sql.startswith(accounts) for sql in trip)] == [0, 4, 6], \
        first_words(firsts)


@pytest.mark.parametrize("process_key", ["sop_gangguan_database", "sop_pengelolaan_data", "sop_gangguan_jaringan",
                                         "sop_pemeliharaan_akses_dc", "sop_backup_restore_db"])
def test_an_sop_steps_reads_foreseen_leave_none_for_after_its_writes_began(pg_sop_alur, process_key):
    """What a step reads with its checks because its next steps may need it (the case's task times, the
    accounts of the people they name) is foreseen from the model's flow: no step of a whole case reads
    them again after its first round trip, nor anything once its writes began."""
    foreseen = ("SELECT user_account.username, user_account.active,", "SELECT process_instance.started_at AS",
                "SELECT human_task.created_at FROM human_task WHERE human_task.instance_id")
    for trips in completions_traced(pg_sop_alur, process_key):
        begin = next(n for n, trip in enumerate(trips) if trip[0] == "BEGIN")
        assert not [sql for trip in trips[1:] for sql in trip if sql.startswith(foreseen)], first_words(trips)
        assert not [sql for trip in trips[begin:] for sql in trip if sql.startswith("SELECT")], first_words(trips)
