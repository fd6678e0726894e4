"""``alur backup`` and ``alur restore`` on SQLite and PostgreSQL: a case with documents and signed
checkpoints goes into one archive and comes back into a fresh instance that verifies; an archive with a
document altered, or a target that holds data, is refused and leaves nothing behind."""
from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import tarfile
from pathlib import Path
from typing import Any, Iterator

import pytest
from audit_helpers import FIRST, finished_loop_case
from sqlalchemy import select

from engine.audit.checkpoints import generate_key_file
from engine.operations.database_copy import rows_in
from engine.operations.backup_schedule import BackupSchedule, kept_archives, prune
from engine.bootstrap import Alur, open_alur
from engine.config import BackupSettings
from engine.errors import BackupFailed, RestoreRefused
from engine.persistence.models import AuditEvent, Base, ProcessInstance



def instance_settings(alur: Alur, folder: Path, url: str) -> Any:
    return dataclasses.replace(alur.settings, database_url=url, attachments_dir=folder / "attachments",
                               checkpoint_dir=folder / "checkpoints", audit_key_file=folder / "audit.key")


@pytest.fixture
def source(alur: Alur, tmp_path: Path, test_data: Path, clock: Any) -> Alur:
    """The instance backed up: a finished case with two documents, and a signed checkpoint (file kept)."""
    settings = instance_settings(alur, tmp_path / "source", alur.settings.database_url)
    settings.audit_key_file.parent.mkdir(parents=True)
    key = generate_key_file(settings.audit_key_file)
    services = open_alur(settings, clock=clock, db=alur.db)
    finished_loop_case(services, test_data, clock)
    services.checkpoints.make_checkpoint(key, "system")
    return services


@pytest.fixture
def target(source: Alur, fresh_url: str, tmp_path: Path, clock: Any) -> Iterator[Alur]:
    services = open_alur(instance_settings(source, tmp_path / "restored", fresh_url), clock=clock)
    yield services
    services.close()


def public_key(source: Alur) -> Any:
    from engine.audit.checkpoints import load_private_key

    return load_private_key(source.settings.audit_key_file.read_bytes()).public_key()


def members(archive: Path) -> dict[str, bytes]:
    with tarfile.open(archive, "r:gz") as tar:
        return {m.name: tar.extractfile(m).read() for m in tar.getmembers()}  # type: ignore[union-attr]


def rewrite(archive: Path, out: Path, changes: dict[str, bytes]) -> None:
    """A copy of the archive with some members' content replaced (as someone editing it would)."""
    with tarfile.open(out, "w:gz") as tar:
        for name, content in members(archive).items():
            content = changes.get(name, content)
            info = tarfile.TarInfo(name)
            info.size = len(content)
            tar.addfile(info, io.BytesIO(content))


def sha(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def assert_empty(target: Alur) -> None:
    assert rows_in(target.db) == []
    for folder in (target.settings.attachments_dir, target.settings.checkpoint_dir):
        assert not [p for p in Path(folder).rglob("*") if p.is_file()] if Path(folder).exists() else True


def test_backup_then_restore_into_a_fresh_instance_verifies(source: Alur, target: Alur, tmp_path: Path) -> None:
    (tmp_path / "backups").mkdir()
    summary = source.backups.make_backup(tmp_path / "backups", "admin")  # a folder: the archive is named in it
    assert summary.path.parent == tmp_path / "backups" and summary.path.name.startswith("alur-backup-")
    assert (summary.cases, summary.documents, summary.checkpoints, summary.with_key) == (1, 2, 1, False)
    assert summary.path.stat().st_mode & 0o777 == 0o600  # every case's data: readable by its owner only
    parts = members(summary.path)
    manifest = json.loads(parts["manifest.json"])
    assert "key/audit.key" not in parts and "key/audit.key.pub" in parts  # never the private key unless asked
    for part in manifest["parts"]:  # every part is listed with the sha256 of what the archive holds
        assert sha(parts[part["path"]]) == part["sha256"]
    assert {p["filename"] for p in manifest["parts"] if p["kind"] == "document"} == {"laporan-1.txt", "laporan-2.txt"}

    restored = target.backups.restore(summary.path, "admin", [public_key(source)])

    assert restored.report.ok and restored.report.checkpoints == 1 and restored.report.anchor_files == 1
    assert not any("no trusted public key" in w for w in restored.report.warnings)
    with target.sessions() as session:
        assert session.scalar(select(ProcessInstance.status)) == "completed"
        events = list(session.scalars(select(AuditEvent.event_type).where(AuditEvent.chain == "system")))
    assert events[-2:] == ["audit_verified", "backup_restored"]
    assert target.audit_verifier.verify([public_key(source)]).ok  # the restore's own events keep it intact
    assert (Path(target.settings.attachments_dir) / sha(FIRST)[:2] / sha(FIRST)).read_bytes() == FIRST
    with source.sessions() as session:  # the backup itself is on the source's record
        made = session.scalars(select(AuditEvent.payload_json).where(AuditEvent.event_type == "backup_created")).one()
    assert json.loads(made)["sha256"] == summary.sha256


def test_an_archive_with_a_document_altered_is_refused_naming_the_file(source: Alur, target: Alur,
                                                                       tmp_path: Path) -> None:
    summary = source.backups.make_backup(tmp_path / "alur.tar.gz", "admin")
    altered = tmp_path / "altered.tar.gz"
    document = f"documents/{sha(FIRST)[:2]}/{sha(FIRST)}"
    rewrite(summary.path, altered, {document: b"Laporan gangguan, versi yang diubah\n"})

    with pytest.raises(RestoreRefused) as refused:
        target.backups.restore(altered, "admin", [public_key(source)])

    assert any(document in p and "laporan-1.txt" in p and "CHANGED" in p for p in refused.value.problems)
    assert_empty(target)


def test_a_document_altered_with_its_manifest_entry_is_refused_by_verification(source: Alur, target: Alur,
                                                                               tmp_path: Path) -> None:
    """Someone who also rewrites the manifest: the audit log still names the document's true sha256."""
    summary = source.backups.make_backup(tmp_path / "alur.tar.gz", "admin")
    parts = members(summary.path)
    document = f"documents/{sha(FIRST)[:2]}/{sha(FIRST)}"
    forged = b"Laporan gangguan, versi yang diubah\n"
    manifest = json.loads(parts["manifest.json"])
    for part in manifest["parts"]:
        if part["path"] == document:
            part.update(sha256=sha(forged), size=len(forged))
    altered = tmp_path / "altered.tar.gz"
    rewrite(summary.path, altered, {document: forged, "manifest.json": json.dumps(manifest).encode()})

    with pytest.raises(RestoreRefused) as refused:
        target.backups.restore(altered, "admin", [public_key(source)])

    assert any("laporan-1.txt" in p and "CHANGED" in p for p in refused.value.problems), refused.value.problems
    assert_empty(target)  # the database loaded before verification is gone again


def test_restore_into_a_database_that_holds_data_is_refused(source: Alur, tmp_path: Path, clock: Any) -> None:
    summary = source.backups.make_backup(tmp_path / "alur.tar.gz", "admin")
    into_source_db = open_alur(instance_settings(source, tmp_path / "other", source.settings.database_url),
                               clock=clock, db=source.db)
    with pytest.raises(RestoreRefused) as refused:
        into_source_db.backups.restore(summary.path, "admin")
    assert any("process_instance" in p and "holds rows" in p for p in refused.value.problems)
    assert not (tmp_path / "other" / "attachments").exists()


def test_restore_into_a_folder_with_documents_is_refused(source: Alur, target: Alur, tmp_path: Path) -> None:
    summary = source.backups.make_backup(tmp_path / "alur.tar.gz", "admin")
    stray = Path(target.settings.attachments_dir) / "ab" / "ab12"
    stray.parent.mkdir(parents=True)
    stray.write_bytes(b"left from another instance")
    with pytest.raises(RestoreRefused) as refused:
        target.backups.restore(summary.path, "admin")
    assert any("documents folder" in p and "ab/ab12" in p for p in refused.value.problems)
    assert rows_in(target.db) == []


def test_the_private_key_only_with_the_key_asked_for(source: Alur, target: Alur, tmp_path: Path) -> None:
    summary = source.backups.make_backup(tmp_path / "with-key.tar.gz", "admin", with_key=True)
    assert members(summary.path)["key/audit.key"] == source.settings.audit_key_file.read_bytes()

    restored = target.backups.restore(summary.path, "admin")  # the restored key is trusted

    assert restored.key_restored and restored.report.ok
    assert target.settings.audit_key_file.read_bytes() == source.settings.audit_key_file.read_bytes()
    assert target.settings.audit_key_file.stat().st_mode & 0o777 == 0o600


def test_a_backup_never_overwrites_a_file(source: Alur, tmp_path: Path) -> None:
    existing = tmp_path / "alur.tar.gz"
    existing.write_bytes(b"an older archive")
    with pytest.raises(BackupFailed):
        source.backups.make_backup(existing, "admin")
    assert existing.read_bytes() == b"an older archive"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".alur-backup-")] == []


def test_a_schema_made_by_alur_init_counts_as_empty(source: Alur, target: Alur, tmp_path: Path) -> None:
    Base.metadata.create_all(target.db)
    summary = source.backups.make_backup(tmp_path / "alur.tar.gz", "admin")
    assert target.backups.restore(summary.path, "admin", [public_key(source)]).report.ok


def test_the_worker_makes_the_days_backup_once_and_keeps_retention(source: Alur, tmp_path: Path, clock: Any) -> None:
    folder = tmp_path / "scheduled"
    folder.mkdir()
    old = ["alur-backup-20260101T180000Z.tar.gz", "alur-backup-20261001T180000Z.tar.gz",
           "alur-backup-20261120T180000Z.tar.gz", "alur-backup-20261121T180000Z.tar.gz", "notes.txt"]
    for name in old:
        (folder / name).write_bytes(b"old")
    settings = BackupSettings(folder, keep_daily=2, keep_monthly=2)
    first, second = (BackupSchedule(source.backups, source.sessions, settings, clock) for _ in range(2))

    run = first.run_if_due()  # the clock is past 02:00 WITA: the day's backup is due

    assert run is not None and run.summary.path.parent == folder
    assert second.run_if_due() is None  # another worker: this day's backup is made already
    clock.advance(days=1)
    again = second.run_if_due()
    assert again is not None
    # the two newest days (the two just made); the newest of each of the two newest months (November's
    # is today's, October's the 2 Oct one); a file not named like an archive is never touched
    assert sorted(p.name for p in folder.iterdir()) == sorted([
        run.summary.path.name, again.summary.path.name, "alur-backup-20261001T180000Z.tar.gz", "notes.txt"])
    assert sorted(run.removed + again.removed) == [
        "alur-backup-20260101T180000Z.tar.gz", "alur-backup-20261120T180000Z.tar.gz",
        "alur-backup-20261121T180000Z.tar.gz"]


def test_retention_keeps_the_newest_of_each_day_and_month() -> None:
    names = ["alur-backup-20261130T180000Z.tar.gz",  # 1 Dec, 02:00 WITA
             "alur-backup-20261129T180000Z.tar.gz", "alur-backup-20261129T100000Z.tar.gz",  # 30 and 29 Nov WITA
             "alur-backup-20261031T180000Z.tar.gz",  # 1 Nov WITA
             "alur-backup-20261030T180000Z.tar.gz",  # 31 Oct WITA
             "alur-backup-20260915T180000Z.tar.gz", "something-else.tar.gz"]
    assert kept_archives(names, keep_daily=2, keep_monthly=3) == {
        "alur-backup-20261130T180000Z.tar.gz", "alur-backup-20261129T180000Z.tar.gz",  # 1 Dec, 30 Nov
        "alur-backup-20261030T180000Z.tar.gz"}  # October's newest; November's newest is 30 Nov


def test_prune_never_touches_other_files(tmp_path: Path) -> None:
    for name in ("alur-backup-20261130T180000Z.tar.gz", "alur-backup-20261129T180000Z.tar.gz", "alur.db"):
        (tmp_path / name).write_bytes(b"x")
    assert prune(tmp_path, keep_daily=1, keep_monthly=0) == ["alur-backup-20261129T180000Z.tar.gz"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["alur-backup-20261130T180000Z.tar.gz", "alur.db"]


def test_an_archive_with_a_path_outside_the_staging_folder_is_refused(source: Alur, target: Alur,
                                                                      tmp_path: Path) -> None:
    summary = source.backups.make_backup(tmp_path / "alur.tar.gz", "admin")
    evil = tmp_path / "evil.tar.gz"
    with tarfile.open(evil, "w:gz") as tar:
        for name, content in [("../../escaped.txt", b"outside"), *members(summary.path).items()]:
            info = tarfile.TarInfo(name)
            info.size = len(content)
            tar.addfile(info, io.BytesIO(content))
    with pytest.raises(RestoreRefused) as refused:
        target.backups.restore(evil, "admin")
    assert any("../../escaped.txt" in p and "refused" in p for p in refused.value.problems)
    assert not (tmp_path / "escaped.txt").exists() and not (tmp_path.parent / "escaped.txt").exists()
    assert_empty(target)


def test_an_archive_of_the_other_backend_is_refused(source: Alur, target: Alur, tmp_path: Path,
                                                    db_engine: Any) -> None:
    summary = source.backups.make_backup(tmp_path / "alur.tar.gz", "admin")
    manifest = json.loads(members(summary.path)["manifest.json"])
    other = "postgresql" if db_engine.dialect.name == "sqlite" else "sqlite"
    manifest["database"]["backend"] = other
    relabelled = tmp_path / "relabelled.tar.gz"
    rewrite(summary.path, relabelled, {"manifest.json": json.dumps(manifest).encode()})
    with pytest.raises(RestoreRefused) as refused:
        target.backups.restore(relabelled, "admin")
    assert f"basis data {other}" in refused.value.message and db_engine.dialect.name in refused.value.message
    assert_empty(target)


def test_a_pg_dump_of_another_major_version_is_refused(source: Alur, tmp_path: Path, clock: Any,
                                                       db_engine: Any) -> None:
    tools = tmp_path / "pg-14"
    tools.mkdir()
    fake = tools / "pg_dump"
    fake.write_text("#!/bin/sh\necho 'pg_dump (PostgreSQL) 14.11'\n")
    fake.chmod(0o755)
    settings = dataclasses.replace(source.settings, pg_bin_dir=tools)
    older = open_alur(settings, clock=clock, db=source.db)
    if db_engine.dialect.name == "sqlite":  # SQLite's copy needs no PostgreSQL tool at all
        assert older.backups.make_backup(tmp_path / "alur.tar.gz", "admin").path.is_file()
        return
    with pytest.raises(BackupFailed) as failed:
        older.backups.make_backup(tmp_path / "alur.tar.gz", "admin")
    assert "14.11" in failed.value.message and "postgresql-client-" in failed.value.message
    assert not (tmp_path / "alur.tar.gz").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".alur-backup-")] == []


def test_the_archive_is_the_moment_of_the_database_copy(source: Alur, target: Alur, tmp_path: Path) -> None:
    """An upload still in flight (its file stored, its row not yet committed) and a checkpoint file
    written after the copy are the next backup's: with them the restored instance would not verify."""
    in_flight = b"Dokumen yang sedang diunggah\n"
    stored = Path(source.settings.attachments_dir) / sha(in_flight)[:2] / sha(in_flight)
    stored.parent.mkdir(parents=True, exist_ok=True)
    stored.write_bytes(in_flight)
    later = Path(source.settings.checkpoint_dir) / "checkpoint-000002.json"
    later.write_text((Path(source.settings.checkpoint_dir) / "checkpoint-000001.json").read_text())

    summary = source.backups.make_backup(tmp_path / "alur.tar.gz", "admin")

    names = set(members(summary.path))
    assert f"documents/{sha(in_flight)[:2]}/{sha(in_flight)}" not in names
    assert "checkpoints/checkpoint-000001.json" in names and "checkpoints/checkpoint-000002.json" not in names
    assert target.backups.restore(summary.path, "admin", [public_key(source)]).report.ok
