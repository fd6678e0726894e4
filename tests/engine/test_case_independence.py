"""Two cases never wait on each other (issue 21): while one case's transaction holds every lock it
takes (stopped just before its commit), another case starts, uploads, completes and is read.

PostgreSQL only: SQLite has one write lock for the whole database, so its writers queue by design
(that is what the two gunicorn workers on SQLite share); on PostgreSQL only a row lock can make two
cases wait, and none of the rows a step writes or locks belongs to another case.
"""
from __future__ import annotations

import io
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from engine_helpers import ready_task, start_loop_case
from sqlalchemy import event, text

from engine import UploadTarget
from engine.bootstrap import Alur
from engine.persistence import compiled
from engine.runtime import unit_of_work

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n" + b"0" * 200_000
WAIT = 20.0  # seconds a blocked call is given before the test calls it waiting



@contextmanager
def held_open(alur: Alur, use_case: Callable[[], object]) -> Iterator[None]:
    """Run ``use_case`` in a thread and stop it as it commits: every statement ran, its transaction still
    open with every row lock it took; let it commit when the block ends. (The COMMIT its last batch
    would carry, engine.persistence.compiled.run_batch, is left to the commit that waits; an upload, one
    statement committed on its own (engine.runtime.unit_of_work._server_append_after), runs in a
    transaction, with the same row locks held to its commit.)"""
    reached, release = threading.Event(), threading.Event()
    errors: list[BaseException] = []
    write_and_read = compiled.write_and_read
    take_pending_begin = unit_of_work.take_pending_begin

    def commit_held_back(connection, writes, reads, commit=False):
        return write_and_read(connection, writes, reads, commit and threading.current_thread() is not worker)

    def pause(_conn) -> None:
        if threading.current_thread() is worker:
            reached.set()
            release.wait(WAIT * 2)

    def run() -> None:
        try:
            use_case()
        except BaseException as exc:  # noqa: BLE001 - reported by the test below
            errors.append(exc)

    worker = threading.Thread(target=run)
    event.listen(alur.db, "commit", pause)
    compiled.write_and_read = commit_held_back
    unit_of_work.take_pending_begin = lambda connection: (  # type: ignore[assignment]
        threading.current_thread() is not worker and take_pending_begin(connection))
    worker.start()
    try:
        assert reached.wait(WAIT), f"the held use case never came to its commit: {errors}"
        yield
    finally:
        release.set()
        worker.join(WAIT * 2)
        compiled.write_and_read = write_and_read
        unit_of_work.take_pending_begin = take_pending_begin  # type: ignore[assignment]
        event.remove(alur.db, "commit", pause)
    assert not worker.is_alive() and not errors, errors


def finishes(fn: Callable[[], object]) -> object:
    """Run ``fn`` in a thread; it must finish in time (a lock wait would keep it waiting)."""
    result: list[object] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            result.append(fn())
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(WAIT)
    assert not thread.is_alive(), "it waited on the other case's transaction"
    assert not errors, errors
    return result[0]


def waiting_locks(alur: Alur) -> list[tuple]:
    with alur.db.connect() as conn:
        return list(conn.execute(text("select locktype, relation::regclass::text, mode from pg_locks "
                                      "where not granted")))


def upload(alur: Alur, case: int, user: str = "pengelola"):
    task = ready_task(alur, case)
    return alur.attachments.store(io.BytesIO(PDF), "bukti.pdf", user, [".pdf"],
                                  UploadTarget(case, task.task_id, task.name))


def test_two_cases_upload_at_once_and_neither_waits(pg_alur):
    first, second = start_loop_case(pg_alur, business_key="A"), start_loop_case(pg_alur, business_key="B")
    with held_open(pg_alur, lambda: upload(pg_alur, first)):
        view = finishes(lambda: upload(pg_alur, second))
        assert waiting_locks(pg_alur) == []
        assert [e.event_type for e in pg_alur.queries.audit_trail(second)][-1] == "attachment_uploaded"
        assert "attachment_uploaded" not in [e.event_type for e in pg_alur.queries.audit_trail(first)]
    assert [e.event_type for e in pg_alur.queries.audit_trail(first)][-1] == "attachment_uploaded"
    assert view.instance_id == second
    assert pg_alur.audit_verifier.verify().ok


def test_a_step_of_one_case_while_another_case_completes_or_starts(pg_alur):
    first, second = start_loop_case(pg_alur, business_key="A"), start_loop_case(pg_alur, business_key="B")
    step = ready_task(pg_alur, first)
    with held_open(pg_alur, lambda: pg_alur.runner.complete_task(step.task_id, "pengelola", {"uraian": "A"})):
        task = ready_task(pg_alur, second)
        page = finishes(lambda: pg_alur.cases.task_page(task.task_id, "pengelola"))
        assert page.can_act
        finishes(lambda: upload(pg_alur, second))
        result = finishes(lambda: pg_alur.runner.complete_task(task.task_id, "pengelola", {"uraian": "B"}))
        assert result.instance_id == second
        third = finishes(lambda: start_loop_case(pg_alur, business_key="C"))
        assert waiting_locks(pg_alur) == []
    assert ready_task(pg_alur, first).element_id == "periksa"
    assert ready_task(pg_alur, third).element_id != "periksa"
    assert pg_alur.audit_verifier.verify().ok


def test_two_case_starts_at_once_and_neither_waits(pg_alur):
    """The case's creation record is on its own chain: case starts no longer queue on the system chain."""
    with held_open(pg_alur, lambda: start_loop_case(pg_alur, business_key="A")):
        second = finishes(lambda: start_loop_case(pg_alur, business_key="B"))
        assert waiting_locks(pg_alur) == []
    with pg_alur.db.connect() as conn:
        keys = dict(conn.execute(text("select business_key, id from process_instance")).tuples().all())
    assert keys == {"A": second - 1, "B": second} or keys == {"A": second + 1, "B": second}
    report = pg_alur.audit_verifier.verify()
    assert report.ok, report.lines()
