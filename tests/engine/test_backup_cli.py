"""``alur backup`` and ``alur restore`` from the command line, on an instance made by ``alur init``
(Alembic's schema, the audit key and checkpoint folder it sets up)."""
from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from alur_testing import cli_in_process

DATA = Path(__file__).resolve().parents[2] / "tests" / "engine" / "data"


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: Any, capsys: Any) -> Any:
    def run(instance: str, *args: str, expect: int = 0) -> str:
        return cli_in_process(monkeypatch, capsys, {
            "ALUR_INSTANCE_DIR": str(tmp_path / instance), "ALUR_PROCESSES_DIR": str(DATA),
            "ALUR_FORMS_DIR": str(DATA / "forms"), "ALUR_NEW_PASSWORD": "rahasia-uji-123"})(*args, expect=expect)
    return run


def test_backup_and_restore_from_the_command_line(cli: Any, tmp_path: Path) -> None:
    cli("source", "init", "--deploy")
    cli("source", "user", "add", "budi", "--role", "pengelola_ti")
    started = json.loads(cli("source", "start", "uji_loop", "--user", "budi", "--business-key", "1/2026"))
    cli("source", "complete", started["ready_tasks"][0], "--user", "budi", "--data", '{"uraian": "ok"}')
    cli("source", "audit", "checkpoint")
    archive = tmp_path / "alur.tar.gz"

    out = cli("source", "backup", str(archive))
    assert f"backup written: {archive}" in out and "private audit key not included" in out
    assert "WARNING" in cli("source", "backup", str(tmp_path / "with-key.tar.gz"), "--with-key")  # warned
    assert f"backup written: {tmp_path / 'nightly'}/alur-backup-" in cli("source", "backup", f"{tmp_path}/nightly/")

    public = (tmp_path / "source" / "audit.key.pub").read_text().strip()
    cli("restored", "init")  # an empty schema (and a key of its own) made out of habit: still empty
    out = cli("restored", "restore", str(archive), "--public-key", public)
    assert "restored alur.tar.gz" in out and "1 case(s)" in out and "OK: every audit chain is intact" in out
    assert (tmp_path / "restored" / "checkpoints").is_dir()
    # the private key is not in the archive: the key `alur init` made stays, and the restore says it differs
    assert (tmp_path / "restored" / "audit.key").read_bytes() != (tmp_path / "source" / "audit.key").read_bytes()
    assert "WARNING the checkpoints were signed with key" in out
    replayed = cli("restored", "audit", "verify", "--case", "1", "--replay", "--public-key", public)
    assert "OK: 1 of 1 case(s) replay the same" in replayed  # the case is back, and re-executes the same

    cli("restored", "audit", "verify", "--public-key", public)  # a whole-log verification is kept on the record
    with sqlite3.connect(tmp_path / "restored" / "alur.db") as conn:
        kept = [json.loads(p) for (p,) in conn.execute(
            "select payload_json from audit_event where event_type = 'audit_verified' order by id")]
    assert [k["ok"] for k in kept] == [True, True] and kept[-1]["problems"] == 0  # the restore's, then this one

    refused = cli("restored", "restore", str(archive), expect=2)  # now it holds data
    assert "restore_refused" in refused and "holds rows" in refused


def test_an_archive_that_is_not_a_backup_is_refused(cli: Any, tmp_path: Path) -> None:
    bogus = tmp_path / "bogus.tar.gz"
    bogus.write_bytes(b"not a tar at all")
    out = cli("restored", "restore", str(bogus), expect=2)
    assert "restore_refused" in out and "not a readable backup archive" in out


def test_worker_once_makes_the_days_backup_when_a_folder_is_set(cli: Any, tmp_path: Path, monkeypatch: Any) -> None:
    cli("source", "init")
    monkeypatch.setenv("ALUR_BACKUP_DIR", str(tmp_path / "nightly"))
    from alur.cli import main

    assert main(["worker", "--once"]) == 0  # the same environment, plus the backup folder
    assert [p.name.startswith("alur-backup-") for p in (tmp_path / "nightly").iterdir()] == [True]
    assert main(["worker", "--once"]) == 0  # made already today
    assert len(list((tmp_path / "nightly").iterdir())) == 1
