"""AttachmentStore.store end to end on each backend: the file at its content-addressed path, the upload
row, the case's audit event, and what a refused upload leaves behind (nothing)."""
from __future__ import annotations

import hashlib
import io
import json
import os
from pathlib import Path

import pytest
from engine_helpers import add_users, ready_task, start_loop_case
from sqlalchemy import select

from engine import UploadTarget
from engine.audit.chain import case_chain, verify_chain
from engine.errors import InvalidInput
from engine.persistence.models import AuditEvent, DocumentUpload
from engine.runtime.attachments import extension

PDF = b"%PDF-1.4\n% bukti\n%%EOF\n"


@pytest.mark.parametrize("name", ["x.pdf", "X.PDF", "a.tar.gz", "x.", ".env", "..pdf", "dokumen", " .pdf", "a..b",
                                  ".", "a.b.", "é.Pdf"])
def test_extension_is_the_lower_cased_path_suffix(name):
    assert extension(name) == Path(name).suffix.lower()


def _case_and_task(alur, test_data):
    add_users(alur)
    alur.deployer.deploy_file(test_data / "uji_loop.bpmn", "pemilik")
    case = start_loop_case(alur)
    return case, ready_task(alur, case)


def _leftovers(alur) -> list[str]:
    tmp = os.path.join(alur.settings.attachments_dir, "tmp")
    return os.listdir(tmp) if os.path.isdir(tmp) else []


def test_an_upload_for_a_task_stores_its_file_row_and_event(alur, test_data):
    case, task = _case_and_task(alur, test_data)
    view = alur.attachments.store(io.BytesIO(PDF), "../Bukti Bayar.PDF", "pengelola", [".pdf"],
                                  UploadTarget(case, task.task_id, task.name))
    sha = hashlib.sha256(PDF).hexdigest()
    assert (view.sha256, view.filename, view.media_type, view.size, view.extension) == (
        sha, "Bukti Bayar.PDF", "application/pdf", len(PDF), ".pdf")
    path = alur.attachments.path_of(sha)
    assert path == Path(alur.settings.attachments_dir) / sha[:2] / sha and path.read_bytes() == PDF
    assert _leftovers(alur) == []
    with alur.sessions() as session:
        row = session.scalars(select(DocumentUpload).where(DocumentUpload.sha256 == sha)).one()
        assert (row.filename, row.uploaded_by, row.instance_id, row.task_id, row.uploaded_at) == (
            view.filename, "pengelola", case, task.task_id, view.uploaded_at)
        event = session.scalars(select(AuditEvent).where(AuditEvent.chain == case_chain(case))
                                .order_by(AuditEvent.seq.desc())).first()
        assert event.event_type == "attachment_uploaded" and event.actor == "pengelola"
        assert json.loads(event.payload_json) == {"sha256": sha, "filename": "Bukti Bayar.PDF", "size": len(PDF),
                                                  "media_type": "application/pdf", "task_id": task.task_id,
                                                  "step": task.name}
        assert verify_chain(session, case_chain(case)) is None
    again = alur.attachments.store(io.BytesIO(PDF), "lagi.pdf", "pengelola", [".pdf"])  # same content, own row
    assert again.sha256 == sha and again.instance_id is None and path.read_bytes() == PDF


@pytest.mark.parametrize(("name", "content", "message"), [
    ("x.pdf", b"plain text", r"Isi berkas tidak sesuai dengan jenisnya \(\.pdf\)"),
    ("x.", PDF, r"Jenis berkas \(tanpa ekstensi\) tidak diizinkan"),
    ("x.exe", PDF, r"Jenis berkas \.exe tidak diizinkan"),
    ("x.pdf", b"", "Berkas kosong"),
])
def test_a_refused_upload_leaves_no_file_row_or_event(alur, test_data, name, content, message):
    case, task = _case_and_task(alur, test_data)
    with alur.sessions() as session:
        events = len(session.scalars(select(AuditEvent.id)).all())
    with pytest.raises(InvalidInput, match=message):
        alur.attachments.store(io.BytesIO(content), name, "pengelola", [".pdf"],
                               UploadTarget(case, task.task_id, task.name))
    assert _leftovers(alur) == []
    with alur.sessions() as session:
        assert session.scalars(select(DocumentUpload)).all() == []
        assert len(session.scalars(select(AuditEvent.id)).all()) == events
