"""Use cases: back up Alur into one archive (``alur backup``), restore one into an empty instance
(``alur restore``, done by ``engine.operations.restore``). The parts and the archive's layout are in
``engine.operations.archive``; the database copy in ``engine.operations.database_copy``.

A backup is one moment: the database copy is taken first, and the documents and checkpoint files put
beside it are exactly those that copy names (documents are stored by content and never change; a
file uploaded or a checkpoint signed after the copy belongs to the next backup). The private audit
key is left out unless asked for: whoever holds a backup with the key can sign forged checkpoints.
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

from engine.audit.anchors import ANCHOR_GLOB
from engine.audit.chain import SYSTEM_CHAIN
from engine.operations.archive import ArchiveWriter, file_sha256
from engine.operations.database_copy import Snapshot, take_snapshot
from engine.config import Settings
from engine.errors import BackupFailed
from engine.operations.restore import Restore, RestoreSummary
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
            os.chmod(partial, 0o600)  # every case's data, perhaps the private key: the owner's only
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

    def restore(self, archive: Path, actor: str, trusted_keys: Sequence[Ed25519PublicKey] = ()) -> RestoreSummary:
        """Restore ``archive`` into the empty database and instance folders of these settings
        (``engine.operations.restore``).

        :raises RestoreRefused: the target holds data; the archive is unreadable or does not match its
            manifest; the restored data fails verification (then nothing restored is left)
        """
        return Restore(self._settings, self._db, self._sessions, self._clock).restore(archive, actor, trusted_keys)
