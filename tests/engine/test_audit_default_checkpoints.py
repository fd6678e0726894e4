"""Checkpoints on by default: ``alur init`` makes the key, the worker signs hourly and after each deploy,
each checkpoint is kept as a file outside the database, and upgraded databases account for their old cases."""
from __future__ import annotations

import dataclasses
import importlib.util
import json
import re
import stat
from pathlib import Path

import pytest
from alembic.migration import MigrationContext
from alembic.operations import Operations
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from alur_testing import cli_in_process, make_settings
from audit_helpers import rehash_chain
from engine_helpers import PASSWORD, add_users, start_loop_case
from sqlalchemy import text

from engine.audit.chain import case_chain
from engine.audit.checkpoints import ensure_signing_key
from engine.bootstrap import open_alur
from engine.persistence.db import make_engine
from engine.persistence.schema import upgrade
from engine.worker.scheduler import build_worker
from web import create_app

REVISIONS = Path(__file__).resolve().parents[2] / "engine" / "persistence" / "schema_versions" / "versions"


@pytest.mark.sqlite_only("alur init migrates the embedded SQLite default, as make run does")
def test_make_run_on_a_fresh_instance_keeps_a_checkpoint_outside_the_database(db_engine, tmp_path, test_data,
                                                                              monkeypatch, capsys):
    instance = tmp_path / "instance"
    cli = cli_in_process(monkeypatch, capsys, {"ALUR_INSTANCE_DIR": str(instance), "ALUR_PROCESSES_DIR": str(test_data),
                                               "ALUR_FORMS_DIR": str(test_data / "forms")})
    out = cli("init", "--deploy")
    key = instance / "audit.key"
    assert f"audit signing key created: {key}" in out
    assert stat.S_IMODE(key.stat().st_mode) == 0o600 and (instance / "audit.key.pub").is_file()
    assert f"audit signing key kept: {key}" in cli("init")  # never replaced
    out = cli("audit", "verify")
    assert "WARNING no signed checkpoint yet (none exists)" in out and "NO CHECKPOINT EXISTS YET" in out

    out = cli("audit", "checkpoint")
    assert "checkpoint #1: 1 chain head(s) signed" in out
    written = instance / "checkpoints" / "checkpoint-000001.json"
    kept = json.loads(written.read_text())
    assert kept["number"] == 1 and json.loads(kept["body"])["number"] == 1 and kept["algorithm"] == "Ed25519"
    out = cli("audit", "verify", "--anchor", str(instance / "checkpoints"))
    assert re.search(r"OK: every audit chain is intact .*1 signed checkpoint\(s\) match.*1 checkpoint file\(s\) in "
                     + re.escape(str(instance / "checkpoints")) + " match", out), out
    out = cli("audit", "verify", "--anchor", str(tmp_path / "elsewhere"), expect=2)
    assert f"error [anchor_not_found]: no checkpoint file or folder at {tmp_path / 'elsewhere'}" in out


def test_worker_signs_with_the_init_key_hourly_and_after_each_deploy(alur, db_engine, test_data, clock, tmp_path):
    settings = dataclasses.replace(alur.settings, audit_key_file=tmp_path / "instance" / "audit.key",
                                   checkpoint_dir=tmp_path / "instance" / "checkpoints")
    assert ensure_signing_key({}, settings.audit_key_file) == (settings.audit_key_file, True)
    configured = open_alur(settings, clock=clock, db=db_engine)
    configured.deployer.deploy_file(test_data / "uji_loop.bpmn", "pemilik")
    worker = build_worker(configured, environ={})
    worker.run_once()
    assert configured.checkpoints.latest().number == 1
    clock.advance(minutes=10)
    add_users(configured)  # chains move, but the hour is not over
    worker.run_once()
    assert configured.checkpoints.latest().number == 1
    configured.deployer.deploy_file(test_data / "uji_timer.bpmn", "pemilik")
    worker.run_once()  # a deploy is signed at once
    assert configured.checkpoints.latest().number == 2
    assert sorted(p.name for p in settings.checkpoint_dir.iterdir()) == ["checkpoint-000001.json",
                                                                        "checkpoint-000002.json"]


def test_the_verification_page_says_plainly_when_no_checkpoint_exists(alur, test_data):
    add_users(alur)
    alur.deployer.deploy_file(test_data / "uji_loop.bpmn", "pemilik")
    start_loop_case(alur)
    auditor = alur.users.add_user("auditor1", "Auditor Satu", PASSWORD, {"pengawas"})
    with alur.db.begin() as conn:  # the test models' roles file has no auditor role to give
        conn.execute(text("insert into user_role (user_id, role_key) values (:u, 'auditor')"), {"u": auditor.user_id})
    client = create_app({"TESTING": True, "SECRET_KEY": "uji", "WTF_CSRF_ENABLED": False, "ALUR": alur}).test_client()
    client.post("/masuk", data={"username": "auditor1", "password": PASSWORD})
    html = client.get("/audit/verifikasi").text
    assert "Belum ada checkpoint bertanda tangan." in html and "NO CHECKPOINT EXISTS YET" in html
    assert "Belum ada checkpoint bertanda tangan." in client.get("/audit").text
    alur.checkpoints.make_checkpoint(Ed25519PrivateKey.generate(), "admin")
    assert "Checkpoint bertanda tangan terakhir: #1, Sen, 23 Nov 2026 08.30 WITA." in client.get("/audit").text
    html = client.get("/audit/verifikasi").text
    assert "Belum ada checkpoint" not in html and "NO CHECKPOINT" not in html


@pytest.mark.sqlite_only("the migration is plain SQL on the system chain; it runs against a file migrated step by step")
def test_upgrade_accounts_for_cases_made_before_creations_were_recorded(db_engine, tmp_path, test_data, clock):
    """A database from before this change: cases without a ``case_created`` event. The schema upgrade
    lists them in one ``cases_accounted`` event; verification then passes, and a case made later is
    checked as usual."""
    url = f"sqlite:///{tmp_path / 'old.db'}"
    upgrade(url)
    engine = make_engine(url)
    old = open_alur(make_settings(tmp_path, url, test_data, test_data / "forms"), clock=clock, db=engine)
    add_users(old)
    old.deployer.deploy_file(test_data / "uji_loop.bpmn", "pemilik")
    cases = [start_loop_case(old, business_key=f"UJI/{n}") for n in range(3)]
    for case in cases:  # as the code before this change wrote them: no creation record
        rehash_chain(old, case_chain(case), lambda event: {k: v for k, v in event["payload"].items()
                                                           if k != "previous_case"}
                     if event["event_type"] == "instance_started" else None)
    assert "unrecorded" in " ".join(old.audit_verifier.verify().lines())
    run_revision_upgrade(engine, "0009_case_accounting.py")  # what `alur init` runs on such a database
    report = old.audit_verifier.verify()
    assert report.ok, report.lines()
    with engine.connect() as conn:
        backfill = conn.execute(text("select event_type, payload_json from audit_event where chain = 'system' "
                                     "order by seq desc limit 1")).one()
    assert backfill.event_type == "cases_accounted"
    assert json.loads(backfill.payload_json)["ranges"] == [[cases[0], cases[-1]]]
    newer = start_loop_case(old, business_key="UJI/BARU")
    with engine.begin() as conn:
        conn.execute(text("delete from audit_chain_head where chain = :c"), {"c": f"instance:{cases[1]}"})
        conn.execute(text("delete from audit_event where chain = :c"), {"c": f"instance:{cases[1]}"})
    lines = " ".join(old.audit_verifier.verify().lines())
    assert f"case {cases[1]}: deleted" in lines and f"case {newer}" not in lines
    old.close()


def run_revision_upgrade(engine, filename: str) -> None:
    """Run one schema revision's ``upgrade()`` on the database as Alembic would (the other revisions
    change tables only, and going back and forth over them on SQLite rebuilds tables other rows point at)."""
    spec = importlib.util.spec_from_file_location("revision_under_test", REVISIONS / filename)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    with engine.begin() as conn:
        with Operations.context(MigrationContext.configure(conn)):
            module.upgrade()


def test_worker_reports_a_checkpoint_it_could_not_keep_as_a_file_once(alur, db_engine, test_data, clock, tmp_path,
                                                                     caplog):
    """The folder holds another database's checkpoint #1: the worker stores its own #1, says so, and
    does not try again on every run."""
    settings = dataclasses.replace(alur.settings, audit_key_file=tmp_path / "audit.key",
                                   checkpoint_dir=tmp_path / "checkpoints")
    ensure_signing_key({}, settings.audit_key_file)
    settings.checkpoint_dir.mkdir()
    (settings.checkpoint_dir / "checkpoint-000001.json").write_text('{"body": "another database"}')
    configured = open_alur(settings, clock=clock, db=db_engine)
    configured.deployer.deploy_file(test_data / "uji_loop.bpmn", "pemilik")
    worker = build_worker(configured, environ={})
    worker.run_once()
    assert configured.checkpoints.latest().number == 1
    assert [r.getMessage() for r in caplog.records if "checkpoint" in r.getMessage()] == [
        f"audit checkpoint stored, but not kept as a file: Berkas checkpoint {settings.checkpoint_dir}"
        "/checkpoint-000001.json sudah berisi checkpoint lain: folder checkpoint ini milik basis data lain"]
    clock.advance(minutes=5)
    worker.run_once()
    assert len([r for r in caplog.records if "checkpoint" in r.getMessage()]) == 1
