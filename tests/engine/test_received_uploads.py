"""Uploads sent with a task's form (``AttachmentStore.receive``, ``Runner.complete_task(received=...)``):
recorded in the completion's own transaction, as the events of the case before its ``task_completed``;
recorded on their own when the step is refused, so nothing sent is lost; never taken for another task
or from another user (issue 21)."""
from __future__ import annotations

import io
import json

import pytest
from engine_helpers import add_users, ready_task, start_loop_case
from sqlalchemy import select

from engine import Received, UploadTarget
from engine.audit.chain import case_chain, verify_chain
from engine.errors import ConcurrentUpdate, FormInvalid, InvalidInput
from engine.persistence.models import AuditEvent, DocumentUpload

PDF = b"%PDF-1.4\n% dikirim dengan formulir\n%%EOF\n"


@pytest.fixture
def loop_task(alur, test_data):
    add_users(alur)
    alur.deployer.deploy_file(test_data / "uji_loop.bpmn", "pemilik")
    case = start_loop_case(alur)
    return case, ready_task(alur, case)


def _received(alur, case: int, task, actor: str = "pengelola", content: bytes = PDF) -> Received:
    received = Received(UploadTarget(case, task.task_id, task.name))
    received.add(alur.attachments.receive(io.BytesIO(content), "laporan.pdf", actor, [".pdf"], received.target))
    return received


def _uploads(alur) -> list[DocumentUpload]:
    with alur.sessions() as session:
        return list(session.scalars(select(DocumentUpload).order_by(DocumentUpload.id)))


def _events(alur, case: int) -> list[tuple[str, str, dict]]:
    with alur.sessions() as session:
        rows = session.scalars(select(AuditEvent).where(AuditEvent.chain == case_chain(case))
                               .order_by(AuditEvent.seq)).all()
        assert verify_chain(session, case_chain(case)) is None
        return [(row.event_type, row.actor, json.loads(row.payload_json)) for row in rows]


def test_a_received_upload_is_not_recorded_until_its_step_is(alur, loop_task):
    case, task = loop_task
    received = _received(alur, case, task)
    upload = received.uploads[0]
    assert alur.attachments.path_of(upload.sha256).read_bytes() == PDF  # the file is in place
    assert _uploads(alur) == [] and not received.recorded
    assert "attachment_uploaded" not in [event for event, _, _ in _events(alur, case)]


def test_uploads_sent_with_a_completion_are_its_events_just_before_it(alur, loop_task):
    case, task = loop_task
    received = _received(alur, case, task)
    upload = received.uploads[0]
    alur.runner.complete_task(task.task_id, "pengelola", {"uraian": "Selesai", "dokumen_laporan": upload.sha256},
                              received=received)
    assert received.recorded
    [row] = _uploads(alur)
    assert (row.sha256, row.filename, row.uploaded_by, row.instance_id, row.task_id, row.uploaded_at) == (
        upload.sha256, "laporan.pdf", "pengelola", case, task.task_id, upload.uploaded_at)
    events = _events(alur, case)
    kinds = [event for event, _, _ in events]
    at = kinds.index("attachment_uploaded")
    assert kinds[at + 1] == "task_completed" and kinds.count("attachment_uploaded") == 1, kinds
    # the same event an upload on its own records (AttachmentStore.store)
    assert events[at][1:] == ("pengelola", {"sha256": upload.sha256, "filename": "laporan.pdf", "size": len(PDF),
                                            "media_type": "application/pdf", "task_id": task.task_id,
                                            "step": task.name})
    assert events[at + 1][2]["data"]["dokumen_laporan"] == upload.sha256
    after = ready_task(alur, case)  # the next step shows it as the case's document
    page = alur.cases.task_page(after.task_id, "pengawas")
    assert [(d.sha256, d.filename) for d in page.documents] == [(upload.sha256, "laporan.pdf")]


def test_a_refused_form_still_records_what_was_sent_with_it(alur, loop_task):
    """The form is shown again with the document kept: its upload must exist for that (and for the draft)."""
    case, task = loop_task
    received = _received(alur, case, task)
    sha = received.uploads[0].sha256
    with pytest.raises(FormInvalid):
        alur.runner.complete_task(task.task_id, "pengelola", {"dokumen_laporan": sha}, received=received)
    assert received.recorded
    [row] = _uploads(alur)
    assert (row.sha256, row.instance_id, row.task_id) == (sha, case, task.task_id)
    kinds = [event for event, _, _ in _events(alur, case)]
    assert kinds.count("attachment_uploaded") == 1 and "task_completed" not in kinds, kinds
    # sent again naming the kept document, without the file: it is the user's own upload for the task
    alur.runner.complete_task(task.task_id, "pengelola", {"uraian": "Lengkap", "dokumen_laporan": sha})
    assert len(_uploads(alur)) == 1 and "task_completed" in [event for event, _, _ in _events(alur, case)]


def test_a_stale_form_records_its_uploads_once(alur, loop_task):
    case, task = loop_task
    received = _received(alur, case, task)
    with pytest.raises(ConcurrentUpdate):
        alur.runner.complete_task(task.task_id, "pengelola", {"uraian": "x", "dokumen_laporan":
                                  received.uploads[0].sha256}, expected_version=task.version + 5, received=received)
    assert len(_uploads(alur)) == 1 and received.recorded
    alur.attachments.record(received)  # already recorded: nothing twice
    assert len(_uploads(alur)) == 1
    assert [event for event, _, _ in _events(alur, case)].count("attachment_uploaded") == 1


@pytest.mark.parametrize("whose", ["another user", "another task", "another case"])
def test_uploads_received_for_someone_or_something_else_are_refused(alur, loop_task, whose):
    case, task = loop_task
    other_case = start_loop_case(alur)
    other_task = ready_task(alur, other_case)
    if whose == "another user":
        received = _received(alur, case, task, actor="tim")
    elif whose == "another task":
        received = _received(alur, other_case, other_task)
    else:  # the right task id with another case's id
        received = Received(UploadTarget(other_case, task.task_id, task.name))
        received.add(alur.attachments.receive(io.BytesIO(PDF), "a.pdf", "pengelola", [".pdf"], received.target))
    sha = received.uploads[0].sha256
    with pytest.raises(InvalidInput, match="Unggahan tidak dibuat untuk tugas ini"):
        alur.runner.complete_task(task.task_id, "pengelola", {"uraian": "x", "dokumen_laporan": sha},
                                  received=received)
    assert ready_task(alur, case).task_id == task.task_id  # the step did not run
    assert "task_completed" not in [event for event, _, _ in _events(alur, case)]
    assert _uploads(alur) == [] and not received.recorded  # not recorded for the target they name either
