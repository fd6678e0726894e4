"""Uploaded documents: size and type checks, stored content-addressed by sha256."""
from __future__ import annotations

import hashlib
import os
import re
import tempfile
import zipfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, Sequence

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from engine.audit.chain import SYSTEM_CHAIN
from engine.worktime.clock import Clock, utcnow
from engine.config import Settings
from engine.errors import InvalidInput, NotFound
from engine.persistence.models import Attachment
from engine.runtime.unit_of_work import UnitOfWork

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MEDIA_TYPES = {
    ".pdf": "application/pdf", ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
    ".docx": DOCX, ".xlsx": XLSX, ".doc": "application/msword", ".xls": "application/vnd.ms-excel",
    ".txt": "text/plain", ".csv": "text/csv",
}
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_SHA256 = re.compile(r"[0-9a-f]{64}")
_CHUNK = 64 * 1024


@dataclass(frozen=True)
class AttachmentView:
    sha256: str
    filename: str
    media_type: str
    size: int
    uploaded_by: str
    uploaded_at: datetime


def _view(row: Attachment) -> AttachmentView:
    return AttachmentView(row.sha256, row.filename, row.media_type, row.size, row.uploaded_by, row.uploaded_at)


def clean_filename(filename: str) -> str:
    """The last path component, without control characters, at most 200 characters."""
    name = re.split(r"[\\/]", filename or "")[-1]
    name = "".join(ch for ch in name if ch.isprintable()).strip().lstrip(".") or "dokumen"
    stem, dot, ext = name.rpartition(".")
    return (stem[: 200 - len(ext) - 1] + dot + ext) if dot and len(name) > 200 else name[:200]


def sniff(path: Path) -> str | None:
    """The media type the file's content shows (magic bytes), or None when unrecognised."""
    with path.open("rb") as handle:
        head = handle.read(8192)
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


def _office_zip(path: Path) -> str | None:
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
    """Stores uploads under ``settings.attachments_dir/<sha[:2]>/<sha>``; one row per distinct content."""

    def __init__(self, sessions: sessionmaker[Session], settings: Settings, clock: Clock = utcnow) -> None:
        self._sessions = sessions
        self._settings = settings
        self._clock = clock

    @property
    def max_bytes(self) -> int:
        return self._settings.max_upload_bytes

    def store(self, stream: IO[bytes], filename: str, actor: str,
              accept: Sequence[str] | None = None) -> AttachmentView:
        """Check and store one upload; the same content uploaded twice is stored once.

        :raises InvalidInput: extension not accepted, empty, too large, or content not matching the extension
        """
        filename = clean_filename(filename)
        media_type = self._media_type(filename, accept)
        root = Path(self._settings.attachments_dir)
        (root / "tmp").mkdir(parents=True, exist_ok=True)
        handle, tmp_name = tempfile.mkstemp(dir=root / "tmp")
        tmp = Path(tmp_name)
        try:
            sha, size = self._copy(stream, handle)
            if size == 0:
                raise InvalidInput("Berkas kosong", filename=filename)
            if not _content_matches(media_type, sniff(tmp)):
                raise InvalidInput(f"Isi berkas tidak sesuai dengan jenisnya ({Path(filename).suffix.lower()})",
                                   filename=filename)
            target = self.path_of(sha, must_exist=False)
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(tmp, target)
        finally:
            tmp.unlink(missing_ok=True)
        return self._record(sha, filename, media_type, size, actor)

    def get(self, sha256: str) -> AttachmentView:
        """:raises NotFound: no upload has this hash"""
        with self._sessions() as session:
            row = session.get(Attachment, sha256) if _SHA256.fullmatch(sha256 or "") else None
            if row is None:
                raise NotFound("Dokumen tidak ditemukan", sha256=sha256)
            return _view(row)

    def find_many(self, hashes: Sequence[str]) -> dict[str, AttachmentView]:
        wanted = [h for h in set(hashes) if isinstance(h, str) and _SHA256.fullmatch(h)]
        if not wanted:
            return {}
        with self._sessions() as session:
            return {row.sha256: _view(row) for row in (session.get(Attachment, h) for h in wanted) if row}

    def path_of(self, sha256: str, must_exist: bool = True) -> Path:
        """:raises NotFound: the hash is malformed, or the file is missing on disk"""
        if not _SHA256.fullmatch(sha256 or ""):
            raise NotFound("Dokumen tidak ditemukan", sha256=sha256)
        path = Path(self._settings.attachments_dir) / sha256[:2] / sha256
        if must_exist and not path.is_file():
            raise NotFound("Berkas dokumen tidak ada di penyimpanan", sha256=sha256)
        return path

    def _media_type(self, filename: str, accept: Sequence[str] | None) -> str:
        ext = Path(filename).suffix.lower()
        allowed = [e.lower() for e in accept] if accept else sorted(MEDIA_TYPES)
        media_type = MEDIA_TYPES.get(ext)
        if ext not in allowed or media_type is None or media_type not in self._settings.allowed_upload_types:
            raise InvalidInput(f"Jenis berkas {ext or '(tanpa ekstensi)'} tidak diizinkan; gunakan "
                               + ", ".join(allowed), filename=filename)
        return media_type

    def _copy(self, stream: IO[bytes], handle: int) -> tuple[str, int]:
        digest, size = hashlib.sha256(), 0
        with os.fdopen(handle, "wb") as out:
            while chunk := stream.read(_CHUNK):
                size += len(chunk)
                if size > self.max_bytes:
                    raise InvalidInput(f"Berkas terlalu besar (maksimal {self.max_bytes // (1024 * 1024)} MB)",
                                       max_bytes=self.max_bytes)
                digest.update(chunk)
                out.write(chunk)
        return digest.hexdigest(), size

    def _record(self, sha: str, filename: str, media_type: str, size: int, actor: str) -> AttachmentView:
        try:
            with UnitOfWork.begin(self._sessions) as work:
                row = work.session.get(Attachment, sha)
                if row is None:
                    row = Attachment(sha256=sha, filename=filename, media_type=media_type, size=size,
                                     uploaded_by=actor, uploaded_at=self._clock())
                    work.session.add(row)
                    work.record(SYSTEM_CHAIN, "attachment_uploaded", actor=actor, at=row.uploaded_at,
                                payload={"sha256": sha, "filename": filename, "size": size})
                return _view(row)
        except IntegrityError:  # the same content stored by a concurrent upload first
            return self.get(sha)
