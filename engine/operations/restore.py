"""Use case: restore a backup archive (``engine.operations.archive``) into an empty instance.

A restore refuses a target that holds data, checks every part against the manifest, loads the
database, puts the files in place, and then runs the whole audit verification (chains, checkpoints
against the restored checkpoint files, case tables, every document's sha256). Any finding undoes the
restore and names the file or check.
"""
from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from engine.audit.anchors import load_anchors
from engine.audit.chain import SYSTEM_CHAIN
from engine.audit.checkpoints import AuditKeyError, load_private_key
from engine.audit.verify import AuditReport, AuditVerifier, record_verification
from engine.config import Settings
from engine.errors import RestoreRefused
from engine.operations.archive import Part, Unpacked, file_sha256, unpack
from engine.operations.database_copy import backend_of, clear, restore_database, rows_in
from engine.persistence.schema import current_revision, head_revision, upgrade
from engine.runtime.unit_of_work import UnitOfWork
from engine.worktime.clock import Clock, utcnow


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


class Restore:
    def __init__(self, settings: Settings, db: Engine, sessions: sessionmaker[Session], clock: Clock = utcnow) -> None:
        self._settings = settings
        self._db = db
        self._sessions = sessions
        self._clock = clock

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
                                     [line for line in report.lines()
                                      if not line.startswith(("OK", "FAILED", "WARNING"))])
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
