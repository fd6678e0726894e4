"""The backup archive: one gzip'd tar holding the database, the documents, the checkpoint files and
``manifest.json`` (last), which lists every part with its sha256.

Layout::

    database/alur.db | database/alur.dump      SQLite online backup, or pg_dump custom format
    documents/<sha[:2]>/<sha256>               the document store, as under the instance folder
    checkpoints/checkpoint-NNNNNN.json         the signed checkpoint files kept outside the database
    key/audit.key.pub                          the public half of the audit key (when there is a key file)
    key/audit.key                              the private audit key, only with ``--with-key``
    manifest.json

Reading streams the archive once into a staging folder, hashing each member, and then holds every
member against the manifest: a part changed, missing or added is named.
"""
from __future__ import annotations

import hashlib
import io
import json
import tarfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO, Any

FORMAT = "alur-backup-1"
MANIFEST = "manifest.json"
_CHUNK = 1024 * 1024
KINDS = ("database", "document", "checkpoint", "public_key", "key")


@dataclass(frozen=True)
class Part:
    path: str  # inside the archive, e.g. documents/ab/ab12…
    kind: str  # one of KINDS
    sha256: str
    size: int
    filename: str | None = None  # a document's name as uploaded

    def to_dict(self) -> dict[str, Any]:
        found: dict[str, Any] = {"path": self.path, "kind": self.kind, "sha256": self.sha256, "size": self.size}
        if self.filename is not None:
            found["filename"] = self.filename
        return found

    def label(self) -> str:
        """How a person recognises the part: the document's name beside its place in the archive."""
        return f"{self.path} ('{self.filename}')" if self.filename else self.path


class _Hashing(io.RawIOBase):
    """A read-only stream that hashes what passes through it."""

    def __init__(self, source: IO[bytes]) -> None:
        self._source = source
        self.digest = hashlib.sha256()
        self.size = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        chunk = self._source.read(size)
        self.digest.update(chunk)
        self.size += len(chunk)
        return chunk


class ArchiveWriter:
    """Write the parts one by one; ``finish`` adds the manifest and closes the archive."""

    def __init__(self, path: Path) -> None:
        self._tar = tarfile.open(path, "w:gz", compresslevel=6)
        self.parts: list[Part] = []

    def add_file(self, source: Path, path: str, kind: str, filename: str | None = None) -> Part:
        info = tarfile.TarInfo(path)
        info.size = source.stat().st_size
        info.mode = 0o600 if kind == "key" else 0o644
        info.mtime = int(source.stat().st_mtime)
        with source.open("rb") as handle:
            hashing = _Hashing(handle)
            self._tar.addfile(info, hashing)  # reads exactly info.size bytes
        part = Part(path, kind, hashing.digest.hexdigest(), hashing.size, filename)
        self.parts.append(part)
        return part

    def finish(self, manifest: dict[str, Any]) -> None:
        body = json.dumps({**manifest, "format": FORMAT, "parts": [p.to_dict() for p in self.parts]},
                          indent=2, ensure_ascii=False).encode("utf-8") + b"\n"
        info = tarfile.TarInfo(MANIFEST)
        info.size = len(body)
        info.mode = 0o644
        self._tar.addfile(info, io.BytesIO(body))
        self._tar.close()

    def abandon(self) -> None:
        self._tar.close()


@dataclass
class Unpacked:
    """An archive read into a staging folder, with what did not match its manifest."""

    manifest: dict[str, Any]
    parts: list[Part]
    root: Path
    problems: list[str] = field(default_factory=list)

    def of_kind(self, kind: str) -> list[Part]:
        return [p for p in self.parts if p.kind == kind]


def unpack(archive: Path, staging: Path) -> Unpacked:
    """Extract ``archive`` into ``staging`` (made empty beforehand), checking every member against
    the manifest. The manifest itself must be there and readable; other findings go to ``problems``.

    :raises ValueError: not an Alur backup archive (unreadable, no manifest, another format)
    """
    found: dict[str, tuple[str, int]] = {}
    manifest_bytes: bytes | None = None
    problems: list[str] = []
    try:
        with tarfile.open(archive, "r|gz") as tar:
            for member in tar:
                if member.name == MANIFEST and member.isfile():
                    handle = tar.extractfile(member)
                    manifest_bytes = handle.read() if handle is not None else b""
                    continue
                name = _safe_name(member)
                if name is None:
                    problems.append(f"{member.name}: not a plain file inside the archive (refused)")
                    continue
                found[name] = _extract(tar, member, staging / name)
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise ValueError(f"not a readable backup archive: {exc}") from exc
    if manifest_bytes is None:
        raise ValueError("the archive has no manifest.json: not an Alur backup")
    manifest = _manifest(manifest_bytes)
    parts = [Part(p["path"], p["kind"], p["sha256"], int(p["size"]), p.get("filename")) for p in manifest["parts"]]
    problems += _compare(parts, found)
    return Unpacked(manifest, parts, staging, problems)


def _manifest(raw: bytes) -> dict[str, Any]:
    try:
        manifest = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise ValueError(f"manifest.json is not JSON: {exc}") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise ValueError(f"manifest.json is not an Alur backup manifest (format {FORMAT} expected)")
    parts = manifest.get("parts")
    if not isinstance(parts, list) or not all(
            isinstance(p, dict) and isinstance(p.get("path"), str) and p.get("kind") in KINDS
            and isinstance(p.get("sha256"), str) and isinstance(p.get("size"), int) for p in parts):
        raise ValueError("manifest.json lists its parts in an unknown shape")
    return manifest


def _compare(parts: list[Part], found: dict[str, tuple[str, int]]) -> list[str]:
    problems = []
    listed = {p.path for p in parts}
    for part in parts:
        got = found.get(part.path)
        if got is None:
            problems.append(f"{part.label()}: MISSING from the archive")
        elif got[0] != part.sha256:
            problems.append(f"{part.label()}: CHANGED: its content hashes to {got[0][:12]}…, the manifest says "
                            f"{part.sha256[:12]}…")
    problems += [f"{name}: not listed in the manifest (added to the archive)" for name in sorted(set(found) - listed)]
    return problems


def _safe_name(member: tarfile.TarInfo) -> str | None:
    """The member's relative path when it is a plain file that stays inside the staging folder."""
    path = PurePosixPath(member.name)
    if not member.isfile() or path.is_absolute() or ".." in path.parts or not path.parts:
        return None
    return path.as_posix()


def _extract(tar: tarfile.TarFile, member: tarfile.TarInfo, target: Path) -> tuple[str, int]:
    target.parent.mkdir(parents=True, exist_ok=True)
    source = tar.extractfile(member)
    digest, size = hashlib.sha256(), 0
    with target.open("wb") as out:
        while source is not None and (chunk := source.read(_CHUNK)):
            digest.update(chunk)
            size += len(chunk)
            out.write(chunk)
    return digest.hexdigest(), size


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()
