"""Use cases: back up Alur into one archive (``alur backup``), restore one into an empty instance
(``alur restore``). The parts and the archive's layout are in ``engine.operations.archive``; the
database copy in ``engine.operations.database_copy``.

A backup is one moment: the database copy is taken first, and the documents and checkpoint files put
beside it are exactly those that copy names (documents are stored by content and never change; a
file uploaded or a checkpoint signed after the copy belongs to the next backup). The private audit
key is left out unless asked for: whoever holds a backup with the key can sign forged checkpoints.

A restore refuses a target that holds data, checks every part against the manifest, loads the
database, puts the files in place, and then runs the whole audit verification (chains, checkpoints
against the restored checkpoint files, case tables, every document's sha256). Any finding undoes
the restore and names the file or check.
"""
from __future__ import annotations

import os
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Sequence

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from engine.audit.anchors import ANCHOR_GLOB, load_anchors
from engine.audit.chain import SYSTEM_CHAIN
from engine.audit.checkpoints import AuditKeyError, load_private_key
from engine.audit.verify import AuditReport, AuditVerifier, record_verification
from engine.operations.archive import ArchiveWriter, Part, Unpacked, file_sha256, unpack
from engine.operations.database_copy import Snapshot, backend_of, clear, restore_database, rows_in, take_snapshot
from engine.config import Settings
from engine.errors import BackupFailed, RestoreRefused
from engine.persistence.schema import current_revision, head_revision, upgrade
from engine.runtime.unit_of_work import UnitOfWork
from engine.worktime.clock import Clock, utcnow

ARCHIVE_PREFIX = "alur-backup-"
ARCHIVE_SUFFIX = ".tar.gz"
ARCHIVE_NAME = re.compile(r"alur-backup-(\d{8}T\d{6}Z)\.tar\.gz")
_CHECKPOINT_FILE = re.compile(r"checkpoint-(\d+)\.json")


@dataclass(frozen=True)
class BackupSummary:
    path: Path
    sha256: str  # of the archive file
    size: int
    backend: str
    cases: int
    audit_events: int
    documents: int
    checkpoints: int
    with_key: bool
    missing_documents: list[str] = field(default_factory=list)  # named by the database, not in the store
    changed_documents: list[str] = field(default_factory=list)  # in the store, not hashing to their name


@dataclass(frozen=True)
class RestoreSummary:
    archive: Path
    created_at: str
    backend: str
    cases: int
    documents: int
    checkpoints: int
    key_restored: bool
    schema_upgraded_from: str | None
    report: AuditReport
    checkpoint_key_id: str | None = None  # the key that signed the newest checkpoint in the archive


def archive_name(now: datetime) -> str:
    return f"{ARCHIVE_PREFIX}{now:%Y%m%dT%H%M%SZ}{ARCHIVE_SUFFIX}"


class Backups:
    def __init__(self, settings: Settings, db: Engine, sessions: sessionmaker[Session], clock: Clock = utcnow) -> None:
        self._settings = settings
        self._db = db
        self._sessions = sessions
        self._clock = clock

    # -- backup ----------------------------------------------------------------------------------

    def make_backup(self, destination: Path, actor: str, with_key: bool = False) -> BackupSummary:
        """Write the archive to ``destination`` (a file name, or a folder to name it in).

        :raises BackupFailed: the file exists, the key is asked for but missing, the copy failed;
            nothing is left behind
        """
        now = self._clock()
        archive = destination / archive_name(now) if destination.is_dir() else destination
        if archive.exists():
            raise BackupFailed(f"Berkas {archive} sudah ada; cadangan tidak menimpa berkas", path=str(archive))
        key_file = self._settings.audit_key_file
        if with_key and (key_file is None or not key_file.is_file()):
            raise BackupFailed(f"Kunci audit tidak ada di {key_file}; cadangan dengan --with-key dibatalkan")
        archive.parent.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix=".alur-backup-", dir=archive.parent))
        partial = work / archive.name
        try:
            snapshot = take_snapshot(self._db, work, self._settings.pg_bin_dir)
            written = self._write(partial, snapshot, now, actor, with_key)
            os.replace(partial, archive)
        finally:
            shutil.rmtree(work, ignore_errors=True)
        summary = BackupSummary(archive, file_sha256(archive), archive.stat().st_size, **written)
        self._record_backup(summary, actor)
        return summary

    def _write(self, partial: Path, snapshot: Snapshot, now: datetime, actor: str, with_key: bool) -> dict[str, Any]:
        writer = ArchiveWriter(partial)
        try:
            writer.add_file(snapshot.file, snapshot.part, "database")
            missing, changed = [], []
            for sha256, filename in sorted(snapshot.contents.documents.items()):
                source = Path(self._settings.attachments_dir) / sha256[:2] / sha256
                if not source.is_file():
                    missing.append(f"{filename} ({sha256})")
                elif writer.add_file(source, f"documents/{sha256[:2]}/{sha256}", "document", filename).sha256 != sha256:
                    changed.append(f"{filename} ({sha256})")
            checkpoints = self._add_checkpoints(writer, snapshot)
            self._add_keys(writer, with_key)
            contents = snapshot.contents
            writer.finish({
                "created_at": now.isoformat(), "created_by": actor, "with_key": with_key,
                "database": {"backend": snapshot.backend, "part": snapshot.part,
                             "server_version": snapshot.server_version, "dump_tool": snapshot.dump_tool,
                             "schema_revision": contents.schema_revision},
                "contents": {"cases": contents.cases, "audit_events": contents.audit_events,
                             "documents": len(contents.documents) - len(missing), "checkpoint_files": checkpoints,
                             "latest_checkpoint": contents.latest_checkpoint},
                "missing_documents": missing, "changed_documents": changed})
        except BaseException:
            writer.abandon()
            raise
        return {"backend": snapshot.backend, "cases": contents.cases, "audit_events": contents.audit_events,
                "documents": len(contents.documents) - len(missing), "checkpoints": checkpoints,
                "with_key": with_key, "missing_documents": missing, "changed_documents": changed}

    def _add_checkpoints(self, writer: ArchiveWriter, snapshot: Snapshot) -> int:
        """The checkpoint files up to the newest checkpoint in the copy (a later file is the next backup's)."""
        folder = self._settings.checkpoint_dir
        latest = snapshot.contents.latest_checkpoint
        if folder is None or not folder.is_dir() or latest is None:
            return 0
        added = 0
        for path in sorted(folder.glob(ANCHOR_GLOB)):
            match = _CHECKPOINT_FILE.fullmatch(path.name)
            if match is not None and int(match.group(1)) <= int(latest["number"]) and path.is_file():
                writer.add_file(path, f"checkpoints/{path.name}", "checkpoint")
                added += 1
        return added

    def _add_keys(self, writer: ArchiveWriter, with_key: bool) -> None:
        key_file = self._settings.audit_key_file
        if key_file is None:
            return
        public = key_file.with_name(key_file.name + ".pub")
        if public.is_file():
            writer.add_file(public, "key/audit.key.pub", "public_key")
        if with_key:
            writer.add_file(key_file, "key/audit.key", "key")

    def _record_backup(self, summary: BackupSummary, actor: str) -> None:
        with UnitOfWork.begin(self._sessions) as work:
            work.record(SYSTEM_CHAIN, "backup_created", actor=actor, at=self._clock(), payload={
                "archive": summary.path.name, "sha256": summary.sha256, "size": summary.size,
                "cases": summary.cases, "documents": summary.documents, "checkpoints": summary.checkpoints,
                "with_key": summary.with_key, "missing_documents": summary.missing_documents,
                "changed_documents": summary.changed_documents})

    # -- restore ---------------------------------------------------------------------------------

    def restore(self, archive: Path, actor: str, trusted_keys: Sequence[Ed25519PublicKey] = ()) -> RestoreSummary:
        """Restore ``archive`` into the empty database and instance folders of these settings.

        :raises RestoreRefused: the target holds data; the archive is unreadable or does not match its
            manifest; the restored data fails verification (then nothing restored is left)
        """
        if not archive.is_file():
            raise RestoreRefused(f"Arsip {archive} tidak ada", [str(archive)])
        self._require_empty_target()
        staging_root = Path(self._settings.attachments_dir).parent
        staging_root.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".alur-restore-", dir=staging_root))
        try:
            unpacked = self._unpack(archive, staging)
            return self._restore_unpacked(archive, unpacked, actor, trusted_keys)
        finally:
            shutil.rmtree(staging, ignore_errors=True)

    def _require_empty_target(self) -> None:
        problems = [f"database table {table}: holds rows" for table in rows_in(self._db)]
        for label, folder in (("documents folder", self._settings.attachments_dir),
                              ("checkpoints folder", self._settings.checkpoint_dir)):
            files = _files_in(folder)
            if files:
                problems.append(f"{label} {folder}: holds {len(files)} file(s), e.g. {files[0]}")
        if problems:
            raise RestoreRefused("Pemulihan hanya ke basis data dan folder instance yang kosong", problems)

    def _unpack(self, archive: Path, staging: Path) -> Unpacked:
        try:
            unpacked = unpack(archive, staging)
        except ValueError as exc:
            raise RestoreRefused(f"Arsip {archive.name} tidak dapat dibaca sebagai cadangan Alur", [str(exc)]) from exc
        if unpacked.problems:
            raise RestoreRefused(f"Arsip {archive.name} tidak sesuai dengan manifest-nya", unpacked.problems)
        databases = unpacked.of_kind("database")
        if len(databases) != 1:
            raise RestoreRefused(f"Arsip {archive.name} tidak berisi tepat satu basis data",
                                 [p.path for p in databases])
        key_file = self._settings.audit_key_file
        if unpacked.of_kind("key") and key_file is not None and key_file.exists():
            raise RestoreRefused("Arsip berisi kunci audit, dan kunci audit sudah ada di tujuan", [str(key_file)])
        return unpacked

    def _restore_unpacked(self, archive: Path, unpacked: Unpacked, actor: str,
                          trusted_keys: Sequence[Ed25519PublicKey]) -> RestoreSummary:
        database = unpacked.manifest.get("database") or {}
        placed: list[Path] = []
        try:
            clear(self._db)  # the target holds no rows (checked): drop an empty schema `alur init` made
            restore_database(self._db, unpacked.root / unpacked.of_kind("database")[0].path,
                             str(database.get("backend")), self._settings.pg_bin_dir, database.get("dump_tool"))
            placed += self._place(unpacked)
            upgraded = self._upgrade_schema()
            keys = list(trusted_keys) + self._restored_key(unpacked)
            report = self._verify(keys)
            if not report.ok:
                raise RestoreRefused("Data yang dipulihkan tidak lolos verifikasi audit; pemulihan dibatalkan",
                                     [line for line in report.lines() if not line.startswith(("OK", "FAILED"))])
        except BaseException:
            self._undo(placed)
            raise
        self._record_restore(archive, unpacked, report, actor)
        contents = unpacked.manifest.get("contents") or {}
        return RestoreSummary(archive, str(unpacked.manifest.get("created_at")), backend_of(self._db),
                              int(contents.get("cases") or 0), len(unpacked.of_kind("document")),
                              len(unpacked.of_kind("checkpoint")), bool(unpacked.of_kind("key")), upgraded, report,
                              (contents.get("latest_checkpoint") or {}).get("key_id"))

    def _place(self, unpacked: Unpacked) -> list[Path]:
        """Move the documents, checkpoint files and keys into the instance's folders."""
        placed = []
        targets = {"document": Path(self._settings.attachments_dir), "checkpoint": self._settings.checkpoint_dir}
        key_file = self._settings.audit_key_file
        for part in unpacked.parts:
            target = self._target_of(part, targets, key_file)
            if target is None:
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(unpacked.root / part.path, target)
            os.chmod(target, 0o600 if part.kind == "key" else 0o644)
            placed.append(target)
        return placed

    @staticmethod
    def _target_of(part: Part, targets: dict[str, Path | None], key_file: Path | None) -> Path | None:
        if part.kind in ("key", "public_key"):
            if key_file is None or (part.kind == "public_key" and (key_file.exists() or key_file.with_name(
                    key_file.name + ".pub").exists())):
                return None  # an existing key stays; only a restored key brings its public half
            return key_file if part.kind == "key" else key_file.with_name(key_file.name + ".pub")
        folder = targets.get(part.kind)
        if folder is None:
            return None
        prefix = "documents/" if part.kind == "document" else "checkpoints/"
        return folder / part.path[len(prefix):]

    def _upgrade_schema(self) -> str | None:
        """Bring a backup of an older Alur to this version's schema (a database that records its revision)."""
        before = current_revision(self._db)
        if before is None or before == head_revision():
            return None
        upgrade(self._settings.database_url)
        return before

    def _restored_key(self, unpacked: Unpacked) -> list[Ed25519PublicKey]:
        key_file = self._settings.audit_key_file
        if not unpacked.of_kind("key") or key_file is None:
            return []
        try:
            return [load_private_key(key_file.read_bytes()).public_key()]
        except AuditKeyError as exc:
            raise RestoreRefused("Kunci audit dalam arsip tidak dapat dibaca", [exc.message]) from exc

    def _verify(self, keys: list[Ed25519PublicKey]) -> AuditReport:
        folder = self._settings.checkpoint_dir
        anchors = load_anchors(folder) if folder is not None and folder.is_dir() else None
        return AuditVerifier(self._sessions, Path(self._settings.attachments_dir)).verify(keys, anchors=anchors)

    def _undo(self, placed: list[Path]) -> None:
        for path in placed:
            path.unlink(missing_ok=True)
        clear(self._db)

    def _record_restore(self, archive: Path, unpacked: Unpacked, report: AuditReport, actor: str) -> None:
        contents = unpacked.manifest.get("contents") or {}
        with UnitOfWork.begin(self._sessions) as work:
            now = self._clock()
            record_verification(work, report, actor, now)
            work.record(SYSTEM_CHAIN, "backup_restored", actor=actor, at=now, payload={
                "archive": archive.name, "sha256": file_sha256(archive),
                "backup_created_at": unpacked.manifest.get("created_at"), "cases": contents.get("cases"),
                "documents": len(unpacked.of_kind("document")), "checkpoints": len(unpacked.of_kind("checkpoint")),
                "key_restored": bool(unpacked.of_kind("key"))})


def _files_in(folder: Path | None) -> list[str]:
    """The files under ``folder`` (its ``tmp`` staging aside), relative, sorted."""
    if folder is None or not Path(folder).is_dir():
        return []
    root = Path(folder)
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*")
                  if p.is_file() and p.relative_to(root).parts[0] != "tmp")
