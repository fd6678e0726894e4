"""The SQL of an upload and of a task page (counted, never timed): an upload writes only its own
case's rows, the page only reads (issue 21)."""
from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event, select

from test_request_statements import TRANSACTION_CONTROL, statements
from web_helpers import PDF, gjr_01_data, gjr_01_form, login, open_task, start_network_case

from engine import UploadTarget
from engine.audit.chain import SYSTEM_CHAIN
from engine.persistence.models import AuditChainHead


def test_an_upload_is_one_row_and_an_event_of_its_own_case(alur):
    case = start_network_case(alur)
    task = open_task(alur, case)
    system_before = _head(alur, SYSTEM_CHAIN)
    with sqlite_statements(alur) as seen:
        view = alur.attachments.store(io.BytesIO(PDF), "surat.pdf", "pengguna_jaringan", [".pdf"],
                                      UploadTarget(case, task.task_id, task.name))
    body = [" ".join(s.split()[:3]) for s in seen if not s.startswith(TRANSACTION_CONTROL)]
    # the upload's row, then the case chain's head, moved with the events in one batch
    assert body == ["INSERT INTO document_upload", "SELECT audit_chain_head.seq, audit_chain_head.hash",
                    "UPDATE audit_chain_head SET", "INSERT INTO audit_event"]
    assert _head(alur, SYSTEM_CHAIN) == system_before  # the chain every case shares is not touched
    events = alur.queries.audit_trail(case)
    assert (events[-1].event_type, events[-1].payload) == ("attachment_uploaded", {
        "sha256": view.sha256, "filename": "surat.pdf", "size": len(PDF), "media_type": "application/pdf",
        "task_id": task.task_id, "step": task.name})


@contextmanager
def sqlite_statements(alur) -> Iterator[list[str]]:
    """What SQLite itself runs, the statements run on the driver's cursor (engine.persistence.compiled)
    included, which SQLAlchemy's events do not see."""
    seen: list[str] = []

    def trace(dbapi_connection, _record) -> None:
        dbapi_connection.set_trace_callback(seen.append)

    alur.db.dispose()  # new connections, each traced
    event.listen(alur.db, "connect", trace)
    try:
        yield seen
    finally:
        event.remove(alur.db, "connect", trace)
        alur.db.dispose()


def _head(alur, chain: str) -> int | None:
    with alur.sessions() as session:
        return session.scalar(select(AuditChainHead.seq).where(AuditChainHead.chain == chain))


# What only reads: a SELECT, or the task page's statement (its case's columns in a CTE read once).
READS = ("SELECT", "WITH p AS MATERIALIZED")


def test_a_task_page_only_reads(alur, client):
    case = start_network_case(alur)
    alur.runner.complete_task(open_task(alur, case).task_id, "pengguna_jaringan", gjr_01_data(alur))
    task = open_task(alur, case, "gjr_02a")
    login(client, "kasubag_tu")
    client.get(f"/tugas/{task.task_id}")  # warm the caches
    with alur.sessions.begin() as writer:
        writer.connection()  # BEGIN IMMEDIATE: SQLite's write lock held until the block ends
        assert client.get(f"/tugas/{task.task_id}").status_code == 200  # a read taking the lock would fail
    with sqlite_statements(alur) as seen:  # the page's reads run on the driver's cursor
        page = alur.cases.task_page(task.task_id, "kasubag_tu")
    queries = [s for s in seen if not s.startswith(TRANSACTION_CONTROL)]
    assert not [s for s in queries if not s.startswith(READS)], queries
    # the case's tasks with the case, the reader and the draft; the documents it names; the people its
    # user pickers and the supervisor's reassign list offer (issue 21: at most 3)
    assert len(queries) <= 3, queries
    assert "FROM human_task LEFT OUTER JOIN" in queries[0] and "task_draft" in queries[0]
    assert page.can_act and page.documents and page.task.task_id == task.task_id
    # its documents' uploads are among the case's, which come with the first
    assert "document_upload" in queries[0] and not [s for s in queries[1:] if "document_upload" in s], queries
    with sqlite_statements(alur) as seen:
        assert client.get(f"/tugas/{task.task_id}").status_code == 200
    queries = [s for s in seen if not s.startswith(TRANSACTION_CONTROL)]
    # the signed-in user and the bell, the page's 3, and the names of the people it shows
    assert len(queries) <= 5 and not [s for s in queries if not s.startswith(READS)], queries


def test_a_completion_does_not_build_the_page_first_nor_look_for_the_next_task(alur, client):
    """The form's POST reads the task and its form (one statement), completes, and redirects to the
    step it opened for the user from what the completion returns."""
    case = start_network_case(alur)
    task = open_task(alur, case)
    login(client, "pengguna_jaringan")
    with statements(alur) as seen, sqlite_statements(alur) as traced:
        response = client.post(f"/tugas/{task.task_id}", data=gjr_01_form(), content_type="multipart/form-data")
    assert response.status_code in (302, 303), response.text
    assert response.headers["Location"] == f"/kasus/{case}"  # the next step is the office's, not the requester's
    reads = [s for s in traced if s.startswith(READS) and "FROM human_task" in s and "FOR UPDATE" not in s]
    # the form's read (the page's first statement) and the completion's own read of its task and case
    # (TASK_WITH_CASE, with its chain head); nothing reads the open tasks again
    assert len(reads) == 2 and "task_draft" in reads[0], reads
    assert "task_draft" not in reads[1] and "'instance:' ||" in reads[1], reads
    assert not [s for s in seen if "user_account.nip" in s or "audit_event" in s], seen
    # the upload: its row and its own case chain's head, nothing of another case
    assert not [s for s in seen if not s.startswith("SELECT")], seen  # it too runs on the driver's cursor
    assert len([s for s in traced if s.startswith("INSERT INTO document_upload")]) == 1, traced
    heads = [s for s in traced if "audit_chain_head" in s and not s.startswith("SELECT human_task")]
    assert heads and all(f"'instance:{case}'" in s for s in heads), heads
    # one write for the step: the document sent with the form is recorded in the completion's transaction
    writes = [n for n, s in enumerate(traced) if s.startswith("BEGIN IMMEDIATE")]
    assert len(writes) == 1, traced
    step = traced[writes[0]:traced.index("COMMIT", writes[0])]
    assert [s for s in step if s.startswith("INSERT INTO document_upload")], step
    assert [s for s in step if s.startswith("UPDATE human_task SET state='completed'")], step


def test_the_redirect_goes_to_the_step_the_completion_opened_for_the_user(alur):
    case = start_network_case(alur)
    result = alur.runner.complete_task(open_task(alur, case).task_id, "pengguna_jaringan", gjr_01_data(alur))
    assert result.next_task_of("pengguna_jaringan") is None
    nxt = open_task(alur, case, "gjr_02a")
    alur.runner.claim_task(nxt.task_id, "kasubag_tu")
    assert result.assignees.get(nxt.task_id) in (None, "kasubag_tu")

