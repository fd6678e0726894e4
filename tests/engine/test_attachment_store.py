"""AttachmentStore.store end to end on each backend: the file at its content-addressed path, the upload
row, the case's audit event, and what a refused upload leaves behind (nothing)."""
from __future__ import annotations

import dataclasses
import hashlib
import io
import itertools
import json
import os
import zipfile
from pathlib import Path

import pytest
from engine_helpers import add_users, ready_task, start_loop_case
from sqlalchemy import select

from engine import UploadTarget
from engine.audit.chain import case_chain, verify_chain
from engine.errors import InvalidInput
from engine.persistence.models import AuditEvent, DocumentUpload
from engine.runtime import attachments
from engine.runtime.attachments import IN_MEMORY_BYTES, AttachmentStore, extension

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


def _zip(*names: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in names:
            archive.writestr(name, "<x/>")
    return buffer.getvalue()


def _pdf_of(size: int) -> bytes:
    return PDF + b"0" * (size - len(PDF))


class _Trickle(io.RawIOBase):
    """A stream that returns at most ``step`` bytes a read, as a socket may."""

    def __init__(self, content: bytes, step: int = 1000) -> None:
        self._content, self._at, self._step = content, 0, step

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        n = self._step if size < 0 else min(size, self._step)
        chunk = self._content[self._at:self._at + n]
        self._at += len(chunk)
        return chunk


def _files_under(root) -> list[str]:
    return sorted(os.path.join(d, f) for d, _, files in os.walk(root) for f in files)


@pytest.mark.parametrize("size", [len(PDF), 200 * 1024, IN_MEMORY_BYTES, IN_MEMORY_BYTES + 1, 3 * IN_MEMORY_BYTES])
@pytest.mark.parametrize("trickle", [False, True])
def test_an_upload_of_any_size_is_stored_whole_under_its_hash(alur, size, trickle):
    # up to IN_MEMORY_BYTES checked and written whole, above it streamed to disk: the same file either way
    content = _pdf_of(size)
    stream = _Trickle(content, 4096) if trickle else io.BytesIO(content)
    view = alur.attachments.store(stream, "surat.pdf", "pengelola", [".pdf"])
    sha = hashlib.sha256(content).hexdigest()
    assert (view.sha256, view.size) == (sha, size)
    assert alur.attachments.path_of(sha).read_bytes() == content
    assert _leftovers(alur) == []


@pytest.mark.parametrize("size", [2048, IN_MEMORY_BYTES + 2048])
def test_a_file_over_the_limit_is_refused_with_nothing_left(alur, size):
    limit = size - 1024
    store = AttachmentStore(alur.sessions, dataclasses.replace(alur.settings, max_upload_bytes=limit))
    with pytest.raises(InvalidInput, match="Berkas terlalu besar") as refused:
        store.store(io.BytesIO(_pdf_of(size)), "surat.pdf", "pengelola", [".pdf"])
    assert refused.value.context["max_bytes"] == limit
    assert _files_under(alur.settings.attachments_dir) == []
    assert store.store(io.BytesIO(_pdf_of(limit)), "pas.pdf", "pengelola", [".pdf"]).size == limit


@pytest.mark.parametrize(("name", "content", "accepted"), [
    ("agenda.docx", _zip("word/document.xml"), True),
    ("rekap.xlsx", _zip("xl/workbook.xml"), True),
    ("agenda.docx", _zip("xl/workbook.xml"), False),  # a workbook sent as a letter
    ("agenda.docx", _zip("isi.txt"), False),
])
def test_an_office_file_is_checked_by_its_archive_in_memory(alur, name, content, accepted):
    store = alur.attachments.store
    if accepted:
        view = store(io.BytesIO(content), name, "pengelola", [".docx", ".xlsx"])
        assert alur.attachments.path_of(view.sha256).read_bytes() == content
    else:
        with pytest.raises(InvalidInput, match="Isi berkas tidak sesuai"):
            store(io.BytesIO(content), name, "pengelola", [".docx", ".xlsx"])
        assert _files_under(alur.settings.attachments_dir) == []


def test_a_refused_small_upload_never_touches_the_disk(alur):
    # checked in memory before anything is written: not even the temporary folder is made
    with pytest.raises(InvalidInput):
        alur.attachments.store(io.BytesIO(b"bukan pdf"), "x.pdf", "pengelola", [".pdf"])
    assert not os.path.exists(alur.settings.attachments_dir)


def test_the_first_upload_makes_every_prefix_folder(alur):
    alur.attachments.store(io.BytesIO(PDF), "x.pdf", "pengelola", [".pdf"])
    prefixes = [name for name in os.listdir(alur.settings.attachments_dir) if name != "tmp"]
    assert sorted(prefixes) == [f"{n:02x}" for n in range(256)]


def test_a_temporary_name_already_taken_is_passed_over(alur, monkeypatch):
    monkeypatch.setattr(attachments, "_TMP_NAMES", itertools.count())
    tmp = Path(alur.settings.attachments_dir) / "tmp"
    tmp.mkdir(parents=True)
    stale = tmp / f"{os.getpid()}.0"
    stale.write_bytes(b"half a file")
    view = alur.attachments.store(io.BytesIO(PDF), "x.pdf", "pengelola", [".pdf"])
    assert alur.attachments.path_of(view.sha256).read_bytes() == PDF
    assert stale.read_bytes() == b"half a file" and _leftovers(alur) == [stale.name]
