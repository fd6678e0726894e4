"""The task page's first statement (``engine.reading.task_page_read``): every task of the case, and the
case's and the reader's columns on the page's own task's row only, whichever row that is."""
from __future__ import annotations

from datetime import datetime, timezone

from engine_helpers import add_users, ready_task, start_loop_case

from engine.persistence.db import read_only_connection
from engine.persistence.compiled import _cursor
from engine.reading.task_page_read import TASK_PAGE, read_task_page
from engine.runtime.attachments import AttachmentView

ONCE = ("definition_id", "case_business_key", "case_status", "started_at", "case_data", "case_version",
        "reader_active", "reader_roles", "draft_data", "draft_saved_at")


def test_the_case_and_the_reader_come_on_the_page_tasks_row_only(alur, test_data, clock):
    add_users(alur)
    alur.deployer.deploy_file(test_data / "uji_loop.bpmn", "pemilik")
    case = start_loop_case(alur, business_key="UJI/777")
    for data in ({"uraian": "satu"}, {"disetujui": False}, {"uraian": "dua"}):
        task = ready_task(alur, case)
        alur.runner.complete_task(task.task_id, "pengawas" if "disetujui" in data else "pengelola", data)
    task = ready_task(alur, case)  # the fourth of four: not the first row
    alur.drafts.save(task.task_id, "pengawas", {"disetujui": True})
    with read_only_connection(alur.sessions) as connection:
        rows = TASK_PAGE.all(connection, {"task_id": task.task_id, "username": "pengawas", "now": clock()})
        read = read_task_page(connection, task.task_id, "pengawas", clock())
    assert len(rows) == 4 and rows[0].id != task.task_id  # its row is not the first
    for row in rows:
        assert all((getattr(row, column) is None) == (row.id != task.task_id) for column in ONCE), row
    assert (read.case.case_business_key, read.case.case_status) == ("UJI/777", "running")
    assert read.reader.roles == frozenset({"pengawas"}) and read.draft_data == {"disetujui": True}
    assert sorted(str(t.data) for t in read.tasks if t.task_id != task.task_id) == [
        "{'disetujui': False}", "{'uraian': 'dua'}", "{'uraian': 'satu'}"]
    page = alur.cases.task_page(task.task_id, "pengawas")
    assert page.instance.business_key == "UJI/777" and page.draft is not None


def test_a_completed_steps_working_time_is_worked_out_once_per_calendar(alur, test_data, monkeypatch):
    from datetime import date, datetime, timezone

    from engine.reading import case_pages
    from engine.worktime.work_calendar import WorkCalendar

    add_users(alur)
    alur.deployer.deploy_file(test_data / "uji_loop.bpmn", "pemilik")
    case = start_loop_case(alur)
    alur.runner.complete_task(ready_task(alur, case).task_id, "pengelola", {"uraian": "satu"})
    task = ready_task(alur, case)
    asked = []
    original = WorkCalendar.working_time_between
    monkeypatch.setattr(WorkCalendar, "working_time_between",
                        lambda self, a, b: asked.append(a) or original(self, a, b))
    case_pages._worked.cache_clear()
    first = alur.cases.task_page(task.task_id, "pengawas")
    worked_out = len(asked)
    assert worked_out == 2  # the completed step's, and the time left on its own; no other open task's
    again = alur.cases.task_page(task.task_id, "pengawas")
    assert [s.worked for s in again.earlier_steps] == [s.worked for s in first.earlier_steps]
    assert len(asked) - worked_out == worked_out - 1  # all but the completed step's, from the cache
    # another calendar (rebuilt, or an admin's holiday) works it out afresh
    start, end = datetime(2026, 12, 3, 1, 0, tzinfo=timezone.utc), datetime(2026, 12, 4, 1, 0, tzinfo=timezone.utc)
    assert case_pages._worked(WorkCalendar(), start, end) != case_pages._worked(
        WorkCalendar(extra_off={date(2026, 12, 3): "libur"}), start, end)


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _report_again(alur, test_data) -> tuple[int, str, str]:
    """A loop case at its report's second pass (pengelola's), the first pass's document carried into
    it: (case, the open task's id, the document's sha256)."""
    import io

    from engine import UploadTarget

    add_users(alur)
    alur.deployer.deploy_file(test_data / "uji_loop.bpmn", "pemilik")
    case = start_loop_case(alur)
    first = ready_task(alur, case)
    sha = alur.attachments.store(io.BytesIO(PDF), "laporan.pdf", "pengelola", [".pdf"],
                                 UploadTarget(case, first.task_id, first.name)).sha256
    alur.runner.complete_task(first.task_id, "pengelola", {"uraian": "A", "dokumen_laporan": sha})
    alur.runner.complete_task(ready_task(alur, case).task_id, "pengawas", {"disetujui": False})
    return case, ready_task(alur, case).task_id, sha


def test_the_readers_own_upload_for_no_case_yet_is_the_one_its_form_shows(alur, test_data):
    """The case's uploads come with the page's first statement, and with them the reader's own of the
    same contents that no case has yet: the newest of the reader's is what the form names."""
    import io

    case, task_id, sha = _report_again(alur, test_data)
    page = alur.cases.task_page(task_id, "pengelola")
    assert page.values["dokumen_laporan"] == sha and page.attachments[sha].instance_id == case
    again = alur.attachments.store(io.BytesIO(PDF), "lagi.pdf", "pengelola", [".pdf"])  # for no case
    assert again.sha256 == sha and again.instance_id is None
    page = alur.cases.task_page(task_id, "pengelola")
    assert (page.attachments[sha].filename, page.attachments[sha].instance_id) == ("lagi.pdf", None)
    assert [d.filename for d in page.documents] == ["laporan.pdf"]  # the earlier step's is still its own upload
    # someone else's upload for no case is never the reader's
    alur.attachments.store(io.BytesIO(PDF), "orang_lain.pdf", "pengelola2", [".pdf"])
    assert alur.cases.task_page(task_id, "pengelola").attachments[sha].filename == "lagi.pdf"


def test_a_document_with_no_upload_in_its_case_is_read_from_the_uploads_before_cases(alur, test_data):
    """A document whose only upload names no case (from before uploads named their case) is not among
    the first statement's: the page reads the uploads of its documents again, and shows it."""
    from sqlalchemy import update

    from engine.persistence.models import DocumentUpload

    case, task_id, sha = _report_again(alur, test_data)
    with alur.sessions.begin() as session:
        session.execute(update(DocumentUpload).where(DocumentUpload.sha256 == sha)
                        .values(instance_id=None, task_id=None))
    page = alur.cases.task_page(task_id, "pengawas")
    assert [(d.sha256, d.filename, d.uploaded_by) for d in page.documents] == [(sha, "laporan.pdf", "pengelola")]
    assert page.attachments[sha].filename == "laporan.pdf"


def _plan_nodes(node: dict) -> list[dict]:
    return [node, *(found for child in node.get("Plans", []) for found in _plan_nodes(child))]


def test_the_case_its_uploads_and_the_reader_are_read_once_however_many_tasks_the_case_has(pg_alur, clock):
    """Joined to the page's task's row only, they were read again for each task of the case (PostgreSQL
    ran the subquery, the case's uploads aggregated, once per task row; SQLite's answer is the same, the
    test above)."""
    alur = pg_alur
    case = start_loop_case(alur, business_key="UJI/778")
    for data in ({"uraian": "satu"}, {"disetujui": False}, {"uraian": "dua"}, {"disetujui": False}):
        task = ready_task(alur, case)
        alur.runner.complete_task(task.task_id, "pengawas" if "disetujui" in data else "pengelola", data)
    task = ready_task(alur, case)
    plan = TASK_PAGE._plan(alur.sessions.kw["bind"].dialect)
    with read_only_connection(alur.sessions) as connection:
        cursor = _cursor(connection)
        cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + plan.sql,
                       plan.args({"task_id": task.task_id, "username": "pengawas", "now": clock()}))
        nodes = _plan_nodes(cursor.fetchone()[0][0]["Plan"])
    tasks = [n for n in nodes if n.get("Relation Name") == "human_task" and n.get("Index Name") == "ix_human_task_case"]
    assert tasks and tasks[0]["Actual Rows"] == 5  # the case's five tasks
    once = [n for n in nodes if n.get("Relation Name") in ("process_instance", "document_upload", "user_account",
                                                           "user_role", "task_draft")]
    assert once and all(n["Actual Loops"] <= 1 for n in once), [(n["Relation Name"], n["Actual Loops"]) for n in once]


def test_the_page_statement_is_short_enough_for_psycopgs_cache_of_parsed_queries():
    """psycopg parses the SQL of a longer query again at every execution (the page's, near 0.1 ms)."""
    from psycopg._queries import MAX_CACHED_STATEMENT_LENGTH
    from sqlalchemy.dialects.postgresql.psycopg import dialect

    from engine.reading.task_page_read import TASK_FORM_STATEMENT, TASK_PAGE_STATEMENT

    for statement in (TASK_PAGE_STATEMENT, TASK_FORM_STATEMENT):
        assert len(str(statement.compile(dialect=dialect())).encode()) <= MAX_CACHED_STATEMENT_LENGTH


def test_an_upload_whose_name_holds_a_separator_is_read_again(alur, test_data):
    """The case's uploads come as text, their fields and records apart by ASCII separators, which a stored
    filename never holds (``clean_filename``); a row that does anyway (written otherwise) is read again."""
    from sqlalchemy import update

    from engine.persistence.models import DocumentUpload

    case, task_id, sha = _report_again(alur, test_data)
    for odd in ("lapor\x1fan.pdf", "lapor\x1ean.pdf"):
        with alur.sessions.begin() as session:
            session.execute(update(DocumentUpload).where(DocumentUpload.sha256 == sha).values(filename=odd))
        page = alur.cases.task_page(task_id, "pengelola")
        assert [d.filename for d in page.documents] == [odd] and page.attachments[sha].instance_id == case


def test_uploads_read_again_are_read_as_the_first_time():
    """``CaseUploads`` keeps the view of each record it read (every page of a case shows its documents
    again): a record read again gives the same view, in id order, and one that does not read back none."""
    from engine.reading.task_page_read import _FIELD, _RECORD, CaseUploads

    def record(upload_id: int, sha: str, size: str = "12") -> str:
        return _FIELD.join([str(upload_id), sha, "laporan.pdf", "application/pdf", size, "budi",
                            "2026-12-01 09:30:05.000250", "7", "t1"])

    text = _RECORD.join([record(3, "a" * 64), record(2, "b" * 64)])
    expected = [AttachmentView("b" * 64, "laporan.pdf", "application/pdf", 12, "budi",
                               datetime(2026, 12, 1, 9, 30, 5, 250, tzinfo=timezone.utc), 7, "t1"),
                AttachmentView("a" * 64, "laporan.pdf", "application/pdf", 12, "budi",
                               datetime(2026, 12, 1, 9, 30, 5, 250, tzinfo=timezone.utc), 7, "t1")]
    assert CaseUploads(text).of(["a" * 64, "b" * 64]) == expected
    assert CaseUploads(text).of(["b" * 64, "a" * 64]) == expected
    assert CaseUploads(text).of(["a" * 64]) == expected[1:]
    assert CaseUploads(_RECORD.join([record(3, "a" * 64), record(4, "a" * 64, "x")])).of(["a" * 64]) is None
