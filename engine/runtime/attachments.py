"""Uploaded documents: size and type checks, stored content-addressed by sha256.

The file is stored once per content; each upload is a row of its own (``document_upload``), so a
sha256 is never a key to someone else's document: a form field takes the uploader's own uploads for
the task, or documents its case carries already (``engine.runtime.runner``), and a document is read
only through a case that names it (``engine.reading.case_pages``).
"""
from __future__ import annotations

import hashlib
import io
import itertools
import os
import re
import zipfile
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import IO, Any, Iterable, Sequence

from sqlalchemy import Connection, bindparam, or_, outerjoin, select, update
from sqlalchemy.orm import Session, sessionmaker

from engine.worktime.clock import Clock, utcnow
from engine.config import Settings
from engine.errors import InvalidInput, NotFound
from engine.modeling.messages import Text
from engine.persistence.compiled import DirectIn, Read, read_batch
from engine.persistence.db import read_only_connection
from engine.persistence.models import DocumentUpload, HumanTask
from engine.runtime.file_writes import write_while
from engine.runtime.unit_of_work import UnitOfWork

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MEDIA_TYPES = {
    ".pdf": "application/pdf", ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
    ".docx": DOCX, ".xlsx": XLSX, ".doc": "application/msword", ".xls": "application/vnd.ms-excel",
    ".txt": "text/plain", ".csv": "text/csv",
}
PREVIEW_TYPES = frozenset({"application/pdf", "image/png", "image/jpeg"})  # shown in the page's viewer
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_SHA256 = re.compile(r"[0-9a-f]{64}")
_CHUNK = 64 * 1024
SNIFF_BYTES = 8192  # what sniff looks at
IN_MEMORY_BYTES = 1024 * 1024  # uploads up to this size are checked and hashed whole, in memory
_TMP_NAMES = itertools.count()  # a process's temporary file names (with its pid): no random names to draw


@dataclass(frozen=True)
class AttachmentView:
    """One upload: the content's sha256 and what its uploader sent it as."""

    sha256: str
    filename: str
    media_type: str
    size: int
    uploaded_by: str
    uploaded_at: datetime
    instance_id: int | None = None  # None until a step of a case uses it (registrations, the API)
    task_id: str | None = None

    @property
    def extension(self) -> str:
        return extension(self.filename)


@dataclass(frozen=True)
class UploadTarget:
    """The task an upload is made for: its event goes to that case's own chain."""

    instance_id: int
    task_id: str
    step: str  # the step's name, for the audit event


class Received:
    """The uploads of one task form's submission, checked and on disk but not yet recorded
    (``AttachmentStore.receive``). The completion sent with them records them in its own transaction
    (``Runner.complete_task``), as the events of its case before its ``task_completed``; if it does not
    commit, they are recorded on their own, as ``store`` would have, so the form shown again and the
    draft keep them. ``recorded`` says that one of the two committed."""

    __slots__ = ("target", "uploads", "recorded")

    def __init__(self, target: UploadTarget, uploads: Sequence[AttachmentView] = ()) -> None:
        self.target = target
        self.uploads = tuple(uploads)
        self.recorded = False

    def add(self, upload: AttachmentView) -> None:
        self.uploads += (upload,)

    def of(self, actor: str) -> bool:
        """Whether every upload is ``actor``'s own, made for the target's task and case."""
        return all(u.uploaded_by == actor and u.task_id == self.target.task_id
                   and u.instance_id == self.target.instance_id for u in self.uploads)

    def hashes(self) -> frozenset[str]:
        return frozenset(u.sha256 for u in self.uploads)

    def mark_recorded(self) -> None:
        self.recorded = True


UPLOAD_EVENT = "attachment_uploaded"
_UPLOADS = DocumentUpload.__table__
_COLUMNS = (DocumentUpload.sha256, DocumentUpload.filename, DocumentUpload.media_type, DocumentUpload.size,
            DocumentUpload.uploaded_by, DocumentUpload.uploaded_at, DocumentUpload.instance_id,
            DocumentUpload.task_id)


def _view(row: Any) -> AttachmentView:
    return AttachmentView(row.sha256, row.filename, row.media_type, row.size, row.uploaded_by, row.uploaded_at,
                          row.instance_id, row.task_id)


def upload_payload(view: AttachmentView, step: str | None) -> dict[str, Any]:
    """The ``attachment_uploaded`` event of an upload (verification re-hashes the file against it)."""
    return {"sha256": view.sha256, "filename": view.filename, "size": view.size, "media_type": view.media_type,
            "task_id": view.task_id, "step": step}


def own_upload(uploads: Iterable[AttachmentView], sha256: str, username: str,
               task_id: str) -> AttachmentView | None:
    """The user's newest upload of this content for this task (or not yet for any case)."""
    found = None
    for upload in uploads:
        if upload.sha256 == sha256 and upload.uploaded_by == username and upload.task_id in (task_id, None):
            found = upload
    return found


def upload_of_step(uploads: Iterable[AttachmentView], sha256: str, task_id: str | None) -> AttachmentView | None:
    """What a step's document was sent as: the upload made for that step, else the first upload of the
    content in its case (carried forward), else one from before uploads named their case."""
    same = [u for u in uploads if u.sha256 == sha256]
    for upload in reversed(same):
        if task_id is not None and upload.task_id == task_id:
            return upload
    in_case = [u for u in same if u.instance_id is not None]
    return (in_case or same)[0] if same else None


def extension(filename: str) -> str:
    """The lower-cased suffix of a file name as ``Path(filename).suffix`` gives it ("" for none, e.g.
    "x." or ".env"), without building a Path (an upload asked for it twice)."""
    dot = filename.rfind(".")
    return filename[dot:].lower() if 0 < dot < len(filename) - 1 else ""


def clean_filename(filename: str) -> str:
    """The last path component, without control characters, at most 200 characters."""
    name = re.split(r"[\\/]", filename or "")[-1]
    name = "".join(ch for ch in name if ch.isprintable()).strip().lstrip(".") or "dokumen"
    stem, dot, ext = name.rpartition(".")
    return (stem[: 200 - len(ext) - 1] + dot + ext) if dot and len(name) > 200 else name[:200]


def sniff(path: str | Path | IO[bytes], head: bytes | None = None) -> str | None:
    """The media type the file's content shows (magic bytes), or None when unrecognised. ``path``: the
    file, or its content as a binary stream; ``head``: its first ``SNIFF_BYTES`` (or all of a shorter
    file), when the caller has them already (always, for a stream)."""
    if head is None:
        with open(path, "rb") as handle:  # type: ignore[arg-type]  # a stream comes with its head
            head = handle.read(SNIFF_BYTES)
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"PK\x03\x04"):
        return _office_zip(path)
    if head.startswith(_OLE):
        return "application/x-ole-storage"  # legacy .doc and .xls share this container
    if b"\x00" not in head:
        try:
            head.decode("utf-8")
        except UnicodeDecodeError as exc:
            if exc.start < len(head) - 4:  # a multibyte character cut at the buffer's end is fine
                return None
        return "text/plain"
    return None


def _office_zip(path: str | Path | IO[bytes]) -> str | None:
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
    except zipfile.BadZipFile:
        return None
    if "word/document.xml" in names:
        return DOCX
    if "xl/workbook.xml" in names:
        return XLSX
    return None


def _content_matches(declared: str, sniffed: str | None) -> bool:
    if sniffed == "application/x-ole-storage":
        return declared in ("application/msword", "application/vnd.ms-excel")
    if declared in ("text/plain", "text/csv"):
        return sniffed == "text/plain"
    return declared == sniffed


class AttachmentStore:
    """Stores uploads under ``settings.attachments_dir/<sha[:2]>/<sha>``; one row per upload."""

    def __init__(self, sessions: sessionmaker[Session], settings: Settings, clock: Clock = utcnow) -> None:
        self._sessions = sessions
        self._settings = settings
        self._clock = clock

    @property
    def max_bytes(self) -> int:
        return self._settings.max_upload_bytes

    def store(self, stream: IO[bytes], filename: str, actor: str, accept: Sequence[str] | None = None,
              target: UploadTarget | None = None) -> AttachmentView:
        """Check and store one upload; the content is stored once, the upload is always the actor's own.

        With a ``target`` the upload is an event of that case's chain (no row other cases write is
        touched); without one it waits for the step that uses it (``bind``).

        :raises InvalidInput: extension not accepted, empty, too large, or content not matching the extension
        """
        view = self._take(stream, filename, actor, accept, target)
        if target is not None:
            record_received(self._sessions, Received(target, (view,)))
            return view
        with UnitOfWork.begin(self._sessions) as work:
            work.commit_without_flush_wait()  # as record_received's
            work.queue_insert(_UPLOADS, _row(view))
        return view

    def receive(self, stream: IO[bytes], filename: str, actor: str, accept: Sequence[str] | None,
                target: UploadTarget) -> AttachmentView:
        """Check and store one upload of a task's form as ``store`` does, but do not record it yet: the
        completion sent with it records it in its own transaction (``Received``), one write for the step.

        :raises InvalidInput: as ``store``
        """
        return self._take(stream, filename, actor, accept, target)

    def record(self, received: Received) -> None:
        """Record received uploads on their own (their form was not completed: a draft, a refusal)."""
        if received.uploads and not received.recorded:
            record_received(self._sessions, received)

    def _take(self, stream: IO[bytes], filename: str, actor: str, accept: Sequence[str] | None,
              target: UploadTarget | None) -> AttachmentView:
        """The checked file in its place on disk, and the upload it is (not recorded).

        A file of up to ``IN_MEMORY_BYTES`` (a form's scan or letter) is checked before anything is
        written, then written in one call while it is hashed (``write_while``): through ``mkstemp`` and a
        buffered copy in chunks, a 200 KB document cost a step 0.16 ms more. A larger one is streamed to
        disk as it is read, and checked there."""
        filename = clean_filename(filename)
        media_type = self._media_type(filename, accept)
        content = _read_up_to(stream, IN_MEMORY_BYTES + 1)
        if len(content) > IN_MEMORY_BYTES:
            sha, size = self._take_streamed(content, stream, filename, media_type)
        else:
            size = len(content)
            self._check(size, content, io.BytesIO(content), filename, media_type)
            sha = self._place_whole(content)
        return AttachmentView(sha, filename, media_type, size, actor, self._clock(),
                              target.instance_id if target else None, target.task_id if target else None)

    def _check(self, size: int, head: bytes, source: str | IO[bytes], filename: str, media_type: str) -> None:
        """:raises InvalidInput: empty, too large, or its content is not what its extension says"""
        if size == 0:
            raise InvalidInput("Berkas kosong", filename=filename)
        if size > self.max_bytes:
            raise self._too_large()
        if not _content_matches(media_type, sniff(source, head[:SNIFF_BYTES])):
            raise InvalidInput(f"Isi berkas tidak sesuai dengan jenisnya ({extension(filename)})", filename=filename)

    def _too_large(self) -> InvalidInput:
        return InvalidInput(f"Berkas terlalu besar (maksimal {self.max_bytes // (1024 * 1024)} MB)",
                            max_bytes=self.max_bytes)

    def _place_whole(self, content: bytes) -> str:
        """Write ``content`` under its hash, which it returns: into a temporary file (hashed meanwhile,
        ``write_while``), renamed into place whole, so that no reader (nor a crash) ever sees part of it."""
        handle, tmp_name = self._temporary()
        try:
            try:
                sha = write_while(handle, content, lambda: hashlib.sha256(content).hexdigest())
            finally:
                os.close(handle)
            self._move_into_place(tmp_name, sha)
        except BaseException:
            Path(tmp_name).unlink(missing_ok=True)
            raise
        return sha

    def _take_streamed(self, first: bytes, stream: IO[bytes], filename: str, media_type: str) -> tuple[str, int]:
        """A large upload copied to a temporary file as it is read (``first``, then the rest of
        ``stream``), checked there, then moved into place; its sha256 and size."""
        handle, tmp_name = self._temporary()
        try:
            sha, size = self._copy(first, stream, handle)
            self._check(size, first, tmp_name, filename, media_type)
            self._move_into_place(tmp_name, sha)
        except BaseException:
            Path(tmp_name).unlink(missing_ok=True)
            raise
        return sha, size

    def _temporary(self) -> tuple[int, str]:
        """A new file in ``tmp`` that only this process writes, and its name: the process's pid and a count,
        no random name to draw, as ``mkstemp`` does. A name already taken (by another host's process on
        shared storage, or left by a crash) is passed over."""
        tmp_dir = os.path.join(self._settings.attachments_dir, "tmp")
        while True:
            tmp_name = os.path.join(tmp_dir, f"{os.getpid()}.{next(_TMP_NAMES)}")
            try:
                return os.open(tmp_name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600), tmp_name
            except FileNotFoundError:  # the directories are made when a write finds them missing
                os.makedirs(tmp_dir, exist_ok=True)
            except FileExistsError:
                pass

    def _move_into_place(self, tmp_name: str, sha: str) -> None:
        # path_of's, on strings: the hash is our own
        root = str(self._settings.attachments_dir)
        target = os.path.join(root, sha[:2], sha)
        try:
            os.replace(tmp_name, target)
        except FileNotFoundError:
            # A store's first uploads each made their own prefix's directory (a mkdir and a second
            # rename); all 256 are made at the first that is missing.
            for prefix in range(256):
                os.makedirs(os.path.join(root, f"{prefix:02x}"), exist_ok=True)
            os.replace(tmp_name, target)

    def in_case(self, instance_id: int | None, hashes: Iterable[str]) -> list[AttachmentView]:
        """The uploads of these contents made in the case, and those not bound to any case yet, oldest first."""
        wanted = sorted({h for h in hashes if isinstance(h, str) and _SHA256.fullmatch(h)})
        if not wanted:
            return []
        with read_only_connection(self._sessions) as connection:
            return uploads_in(connection, instance_id, wanted)

    def own_unbound(self, username: str, hashes: Iterable[str]) -> dict[str, AttachmentView]:
        """The user's own uploads of these contents that no case holds yet (a registration form's files)."""
        uploads = self.in_case(None, hashes)
        return {u.sha256: u for u in uploads if u.uploaded_by == username}

    def path_of(self, sha256: str, must_exist: bool = True) -> Path:
        """:raises NotFound: the hash is malformed, or the file is missing on disk"""
        if not _SHA256.fullmatch(sha256 or ""):
            raise NotFound("Dokumen tidak ditemukan", sha256=sha256)
        path = Path(self._settings.attachments_dir) / sha256[:2] / sha256
        if must_exist and not path.is_file():
            raise NotFound("Berkas dokumen tidak ada di penyimpanan", sha256=sha256)
        return path

    def _media_type(self, filename: str, accept: Sequence[str] | None) -> str:
        ext = extension(filename)
        allowed = [e.lower() for e in accept] if accept else sorted(MEDIA_TYPES)
        media_type = MEDIA_TYPES.get(ext)
        if ext not in allowed or media_type is None or media_type not in self._settings.allowed_upload_types:
            raise InvalidInput(f"Jenis berkas {ext or '(tanpa ekstensi)'} tidak diizinkan; gunakan "
                               + ", ".join(allowed), filename=filename)
        return media_type

    def _copy(self, first: bytes, stream: IO[bytes], handle: int) -> tuple[str, int]:
        """Write ``first``, then the rest of the stream, to the file; its sha256 and its size.

        :raises InvalidInput: it grows larger than ``max_bytes`` (stops reading there)"""
        digest, size = hashlib.sha256(), 0
        with os.fdopen(handle, "wb") as out:
            chunk = first
            while chunk:
                size += len(chunk)
                if size > self.max_bytes:
                    raise self._too_large()
                digest.update(chunk)
                out.write(chunk)
                chunk = stream.read(_CHUNK)
        return digest.hexdigest(), size


def _read_up_to(stream: IO[bytes], limit: int) -> bytes:
    """At most ``limit`` bytes of ``stream``, fewer only at its end (a stream may return short reads)."""
    content = stream.read(limit)
    if len(content) < limit and content:
        parts = [content]
        size = len(content)
        while size < limit and (more := stream.read(limit - size)):
            parts.append(more)
            size += len(more)
        content = b"".join(parts)
    return content


_UNBOUND = DocumentUpload.instance_id.is_(None)
# Compiled once per number of hashes: an expanding IN built its SQL and cache key at every execution,
# which cost more than running it (a step reads it for its documents, the task page for its own).
_UPLOADS_UNBOUND = DirectIn(lambda n: select(*_COLUMNS).where(
    DocumentUpload.sha256.in_(DirectIn.binds(n)), _UNBOUND).order_by(DocumentUpload.id))
_UPLOADS_IN_CASE = DirectIn(lambda n: select(*_COLUMNS).where(
    DocumentUpload.sha256.in_(DirectIn.binds(n)),
    or_(DocumentUpload.instance_id == bindparam("instance_id"), _UNBOUND)).order_by(DocumentUpload.id))
# The same with the state of the task each upload was made for (a step's document check: the completed
# steps of the case carry documents on), in the one statement: the task by its key, from the few uploads.
_WITH_STATE = outerjoin(DocumentUpload, HumanTask, HumanTask.id == DocumentUpload.task_id)
_UPLOADS_UNBOUND_WITH_STATE = DirectIn(lambda n: select(*_COLUMNS, HumanTask.state.label("task_state"))
                                       .select_from(_WITH_STATE)
                                       .where(DocumentUpload.sha256.in_(DirectIn.binds(n)), _UNBOUND)
                                       .order_by(DocumentUpload.id))
_UPLOADS_IN_CASE_WITH_STATE = DirectIn(lambda n: select(*_COLUMNS, HumanTask.state.label("task_state"))
                                       .select_from(_WITH_STATE)
                                       .where(DocumentUpload.sha256.in_(DirectIn.binds(n)), or_(
                                           DocumentUpload.instance_id == bindparam("instance_id"), _UNBOUND))
                                       .order_by(DocumentUpload.id))


def uploads_in(connection: Connection, instance_id: int | None, hashes: Sequence[str]) -> list[AttachmentView]:
    """``AttachmentStore.in_case`` on a connection the caller holds (a use case's transaction)."""
    if not hashes:
        return []
    if instance_id is None:
        rows = _UPLOADS_UNBOUND.all(connection, hashes, {})
    else:
        rows = _UPLOADS_IN_CASE.all(connection, hashes, {"instance_id": instance_id})
    return [_view(row) for row in rows]


def uploads_in_case_read(instance_id: int, hashes: Sequence[str]) -> Read:
    """``uploads_in``'s statement for a case (``hashes`` not empty), for a batch of reads; its rows as
    ``upload_views``."""
    return _UPLOADS_IN_CASE.read(hashes, {"instance_id": instance_id})


def upload_views(rows: Iterable[Any]) -> list[AttachmentView]:
    return [_view(row) for row in rows]


def _row(view: AttachmentView) -> dict[str, Any]:
    return {"sha256": view.sha256, "filename": view.filename, "media_type": view.media_type, "size": view.size,
            "uploaded_by": view.uploaded_by, "uploaded_at": view.uploaded_at, "instance_id": view.instance_id,
            "task_id": view.task_id}


@dataclass(frozen=True)
class DocumentChecker:
    """What a step's document fields may name: the actor's own uploads for the task (or not yet for any
    case), or documents that completed steps of the same case carry (handed on, or a loop's earlier pass).
    A sha256 anyone else uploaded is answered like one nobody did."""

    uploads: list[AttachmentView]
    completed: frozenset[str]  # tasks of the case, other than this one, that are completed
    actor: str
    task_id: str | None

    def usable(self, sha256: str) -> AttachmentView | None:
        own = own_upload(self.uploads, sha256, self.actor, self.task_id or "")
        if own is not None:
            return own
        return next((u for u in self.uploads if u.sha256 == sha256 and u.task_id in self.completed), None)

    def problem(self, sha256: str, accept: Sequence[str]) -> Text | None:
        """Why the field may not name this document, or None."""
        upload = self.usable(sha256)
        if upload is None:
            return Text.of("form.document_missing")
        allowed = [a.lower() for a in accept]
        if allowed and upload.extension not in allowed:
            return Text.of("form.document_type", extension=upload.extension or Text.of("form.no_extension"),
                           accepted=", ".join(allowed))
        return None

    def unbound(self, used: Iterable[str]) -> list[AttachmentView]:
        """The actor's uploads that ``used`` names and no case holds yet (one per content)."""
        found: dict[str, AttachmentView] = {}
        for sha in used:
            upload = self.usable(sha)
            if upload is not None and upload.instance_id is None and upload.uploaded_by == self.actor:
                found[sha] = upload
        return list(found.values())


def document_checker(connection: Connection, instance_id: int | None, task_id: str | None, actor: str,
                     hashes: Iterable[str]) -> DocumentChecker:
    """Read (one statement, none without documents) what ``DocumentChecker`` decides on."""
    documents = DocumentReads(instance_id, hashes)
    reads = documents.reads()
    return documents.checker(read_batch(connection, reads) if reads else [], task_id, actor)


class DocumentReads:
    """``document_checker``'s read, for a batch with a step's other reads."""

    def __init__(self, instance_id: int | None, hashes: Iterable[str]) -> None:
        self.instance_id = instance_id
        self.wanted = sorted({h for h in hashes if isinstance(h, str) and _SHA256.fullmatch(h)})

    def reads(self) -> list[Read]:
        """The uploads of the wanted contents, each with the state of the task it was made for (none or one)."""
        if not self.wanted:
            return []
        if self.instance_id is None:
            return [_UPLOADS_UNBOUND_WITH_STATE.read(self.wanted, {})]
        return [_UPLOADS_IN_CASE_WITH_STATE.read(self.wanted, {"instance_id": self.instance_id})]

    def checker(self, found: Sequence[list[Any]], task_id: str | None, actor: str,
                received: Sequence[AttachmentView] = ()) -> DocumentChecker:
        """The checker from the rows of ``reads``, and the uploads ``received`` with the form (the newest)."""
        rows = found[0] if self.wanted else []
        completed = frozenset(row.task_id for row in rows
                              if row.task_state == "completed" and row.task_id is not None and row.task_id != task_id)
        return DocumentChecker([*upload_views(rows), *received], completed, actor, task_id)


def bind_uploads(work: UnitOfWork, uploads: Iterable[AttachmentView], target: UploadTarget, now: datetime) -> None:
    """Give uploads made before their case existed (a registration, the API) the case and step that
    use them, each an upload event of the case's chain, in the use case's transaction."""
    for upload in uploads:
        work.connection.execute(update(DocumentUpload).where(
            DocumentUpload.sha256 == upload.sha256, DocumentUpload.uploaded_by == upload.uploaded_by,
            DocumentUpload.instance_id.is_(None)).values(instance_id=target.instance_id, task_id=target.task_id))
        bound = replace(upload, instance_id=target.instance_id, task_id=target.task_id)
        work.record_for_case(target.instance_id, UPLOAD_EVENT, actor=upload.uploaded_by, at=now, payload={
            **upload_payload(bound, target.step), "uploaded_at": upload.uploaded_at.isoformat()})


def queue_received(work: UnitOfWork, received: Received) -> None:
    """Each received upload's row and its event on its case's chain, in ``work``'s transaction (marked
    recorded once it commits)."""
    target = received.target
    for view in received.uploads:
        work.queue_insert(_UPLOADS, _row(view))
        work.record_for_case(target.instance_id, UPLOAD_EVENT, actor=view.uploaded_by, at=view.uploaded_at,
                             payload=upload_payload(view, target.step))
    work.after_commit(received.mark_recorded)


def record_received(sessions: sessionmaker[Session], received: Received) -> None:
    """Record received uploads in a transaction of their own, on their case's chain."""
    with UnitOfWork.begin(sessions) as work:
        # Not yet part of any completed step: a crash right after may lose them (the user uploads them
        # again), and the completion that names them, committed normally, makes them durable with it.
        work.commit_without_flush_wait()
        queue_received(work, received)
