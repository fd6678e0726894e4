"""Audit without holes (issue 14): each change an auditor can make directly in the database fails
``alur audit verify`` (exit code 1, naming what changed) and the web verification page ("Utuh" no more).

The setup is the default one: the signing key in the instance folder (as ``alur init`` writes it),
checkpoints signed into the database and written as files to the instance folder's ``checkpoints/``,
which verification checks the database against. The tampering is plain SQL, without the key.
"""
from __future__ import annotations

import base64
import json
import re
import shutil
from pathlib import Path

import pytest
from alur_testing import cli_in_process
from audit_helpers import chain_events, finished_loop_case, rehash_chain
from engine_helpers import PASSWORD, start_loop_case
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import text

from engine.audit.chain import case_chain
from engine.audit.checkpoints import public_key_text
from web import create_app


@pytest.fixture
def instance(tmp_path, alur) -> Path:
    """The CLI's instance folder; its documents are the test engine's (the CLI also re-hashes them)."""
    folder = tmp_path / "instance"
    folder.mkdir(exist_ok=True)
    alur.settings.attachments_dir.mkdir(parents=True, exist_ok=True)
    (folder / "attachments").symlink_to(alur.settings.attachments_dir, target_is_directory=True)
    return folder


@pytest.fixture
def cli(db_engine, instance, test_data, monkeypatch, capsys):
    return cli_in_process(monkeypatch, capsys, {
        "ALUR_DATABASE_URL": db_engine.url.render_as_string(hide_password=False), "ALUR_INSTANCE_DIR": str(instance),
        "ALUR_PROCESSES_DIR": str(test_data), "ALUR_FORMS_DIR": str(test_data / "forms")})


@pytest.fixture
def case(alur, test_data, cli, instance):
    """A finished case with a loop; a checkpoint signed with the instance folder's key, also kept as a file."""
    case = finished_loop_case(alur, test_data)
    auditor = alur.users.add_user("auditor1", "Auditor Satu", PASSWORD, {"pengawas"})
    with alur.db.begin() as conn:  # the test models' roles file has no auditor role to give
        conn.execute(text("insert into user_role (user_id, role_key) values (:u, 'auditor')"), {"u": auditor.user_id})
    assert "private key written" in cli("audit", "keygen")
    out = cli("audit", "checkpoint")
    assert f"kept outside the database: {instance / 'checkpoints' / 'checkpoint-000001.json'}" in out
    out = cli("audit", "verify")
    assert "OK: every audit chain is intact" in out and "1 checkpoint file(s) in" in out
    assert verdicts(alur, instance) == ("Utuh", None)  # (the case page would log a view after the checkpoint)
    return case


def verdicts(alur, instance: Path, case: int | None = None) -> tuple[str, str | None]:
    """The headline of the web verification page, for the whole log and for ``case``."""
    app = create_app({"TESTING": True, "SECRET_KEY": "uji", "WTF_CSRF_ENABLED": False, "ALUR": alur,
                      "CHECKPOINT_DIR": str(instance / "checkpoints"), "AUDIT_KEY_FILE": str(instance / "audit.key")})
    client = app.test_client()
    assert client.post("/masuk", data={"username": "auditor1", "password": PASSWORD}).status_code == 302

    def verdict(url: str) -> str:
        response = client.get(url)
        assert response.status_code == 200, url
        return re.search(r'<h2 id="verdict">(.*?)</h2>', response.text).group(1)

    return verdict("/audit/verifikasi"), verdict(f"/audit/kasus/{case}/verifikasi") if case else None


def delete_case(alur, case: int) -> None:
    """Remove a whole case as someone with database access would: its tasks, row, events and chain head."""
    with alur.db.begin() as conn:
        conn.execute(text("delete from task_draft where task_id in (select id from human_task where instance_id = :i)"),
                     {"i": case})
        for table in ("human_task", "schedule_occurrence", "document_upload", "case_figure", "step_figure",
                      "flow_figure"):
            conn.execute(text(f"delete from {table} where instance_id = :i"), {"i": case})
        conn.execute(text("delete from process_instance where id = :i"), {"i": case})
        conn.execute(text("delete from audit_event where chain = :c"), {"c": case_chain(case)})
        conn.execute(text("delete from audit_chain_head where chain = :c"), {"c": case_chain(case)})


def change_actor_and_rehash(alur, case: int) -> None:
    """The first approval's actor becomes someone else; that event and every later one hashed again, head moved."""
    chain = case_chain(case)
    target = [e for e in chain_events(alur, chain) if e["event_type"] == "task_completed"][1]
    with alur.db.begin() as conn:
        conn.execute(text("update audit_event set actor = 'mallory' where id = :i"), {"i": target["id"]})
    rehash_chain(alur, chain, lambda event: None)


def test_newest_event_deleted_and_head_moved_back(alur, case, cli, instance):
    events = chain_events(alur, case_chain(case))
    gone, before = events[-1], events[-2]
    with alur.db.begin() as conn:
        conn.execute(text("delete from audit_event where id = :i"), {"i": gone["id"]})
        conn.execute(text("update audit_chain_head set seq = :s, hash = :h where chain = :c"),
                     {"s": before["seq"], "h": before["hash"], "c": case_chain(case)})
    out = cli("audit", "verify", expect=1)
    assert "BROKEN" not in out  # the chain alone looks whole
    assert f"CHECKPOINT MISMATCH checkpoint #1: event_missing instance:{case} at seq={gone['seq']}" in out
    assert verdicts(alur, instance, case) == ("Ditemukan masalah", "Ditemukan masalah")


def test_actor_changed_and_chain_hashed_again(alur, case, cli, instance):
    change_actor_and_rehash(alur, case)
    last = chain_events(alur, case_chain(case))[-1]
    out = cli("audit", "verify", expect=1)
    assert "BROKEN" not in out
    assert (f"CHECKPOINT MISMATCH checkpoint #1: chain_rewritten instance:{case} at event id={last['id']} "
            f"seq={last['seq']}: the events up to seq {last['seq']} no longer hash to the signed head") in out
    assert verdicts(alur, instance, case) == ("Ditemukan masalah", "Ditemukan masalah")


def test_a_whole_case_deleted(alur, case, cli, instance):
    delete_case(alur, case)
    out = cli("audit", "verify", expect=1)
    assert "BROKEN" not in out  # no chain is left to be broken
    assert (f"CASE NOT ACCOUNTED FOR case {case}: deleted: a signed checkpoint holds its audit chain, but its "
            "row and its audit chain no longer exist(s)") in out
    assert f"CHECKPOINT MISMATCH checkpoint #1: event_missing instance:{case}" in out
    assert verdicts(alur, instance)[0] == "Ditemukan masalah"


def test_rewrite_then_every_checkpoint_row_deleted_with_the_trusted_key(alur, case, cli, instance):
    change_actor_and_rehash(alur, case)
    with alur.db.begin() as conn:
        conn.execute(text("delete from audit_checkpoint_head"))
        conn.execute(text("delete from audit_checkpoint"))
    out = cli("audit", "verify", expect=1)
    assert "CHECKPOINT MISMATCH checkpoint #1: checkpoint_missing: the database has no checkpoint #1" in out
    assert f"CHECKPOINT MISMATCH checkpoint #1: chain_rewritten instance:{case}" in out  # the file's heads
    assert verdicts(alur, instance, case) == ("Ditemukan masalah", "Ditemukan masalah")


def test_newest_checkpoint_rows_deleted_while_a_copy_is_kept_elsewhere(alur, case, cli, instance, tmp_path):
    """Deleting the newest checkpoint leaves no gap in the database; the file kept off-host shows it."""
    alur.read_log.record_read("pengawas", case, "case")
    cli("audit", "checkpoint")
    offhost = tmp_path / "offhost"
    offhost.mkdir()
    shutil.copy(instance / "checkpoints" / "checkpoint-000002.json", offhost)
    with alur.db.begin() as conn:
        newest = conn.execute(text("select max(id) from audit_checkpoint")).scalar_one()
        conn.execute(text("delete from audit_checkpoint_head where checkpoint_id = :i"), {"i": newest})
        conn.execute(text("delete from audit_checkpoint where id = :i"), {"i": newest})
    out = cli("audit", "verify", "--anchor", str(offhost / "checkpoint-000002.json"), expect=1)
    assert (f"CHECKPOINT MISMATCH checkpoint #2: checkpoint_missing: the database has no checkpoint #2, which the "
            f"file {offhost / 'checkpoint-000002.json'} holds") in out
    assert "checkpoint #1" not in out
    assert "checkpoint #2: checkpoint_missing" in cli("audit", "verify", expect=1)  # the instance folder too
    assert verdicts(alur, instance, case) == ("Ditemukan masalah", "Ditemukan masalah")


def test_a_gap_in_case_ids(alur, case, cli, instance):
    """Case 2, made after the last checkpoint, is removed with its whole chain (its creation record):
    case 3's chain still says it was made after case 2."""
    second, third = start_loop_case(alur, business_key="UJI/002"), start_loop_case(alur, business_key="UJI/003")
    assert (second, third) == (case + 1, case + 2)
    assert chain_events(alur, case_chain(third))[0]["payload_json"].count(f'"previous_case":{second}') == 1
    delete_case(alur, second)
    out = cli("audit", "verify", expect=1)
    assert "BROKEN" not in out
    assert f"CASE NOT ACCOUNTED FOR case {second}: gap: case {third} was created after it" in out
    assert verdicts(alur, instance)[0] == "Ditemukan masalah"


def test_a_case_inserted_around_alur_is_not_accounted_for(alur, case, cli, instance):
    with alur.db.begin() as conn:
        conn.execute(text("insert into process_instance (definition_id, process_key, status, state_json, data_json, "
                          "started_by, started_at, version, confidential, registered) select definition_id, "
                          "process_key, status, state_json, data_json, 'mallory', started_at, 1, confidential, "
                          "registered from process_instance where id = :i"), {"i": case})
    out = cli("audit", "verify", expect=1)
    assert f"CASE NOT ACCOUNTED FOR case {case + 1}: unrecorded" in out
    assert verdicts(alur, instance)[0] == "Ditemukan masalah"


def test_checkpoint_files_that_were_edited_unreadable_or_signed_by_another_key_fail(alur, case, cli, instance,
                                                                                     tmp_path):
    kept = instance / "checkpoints" / "checkpoint-000001.json"
    copy = json.loads(kept.read_text())
    forged = tmp_path / "forged"
    forged.mkdir()
    (forged / "checkpoint-000001.json").write_text(json.dumps({**copy, "body": copy["body"].replace("admin", "root")}))
    out = cli("audit", "verify", "--anchor", str(forged), expect=1)
    assert "CHECKPOINT MISMATCH checkpoint #1: anchor_invalid: the file" in out
    assert "does not match its signature" in out

    (forged / "checkpoint-000001.json").write_text("bukan JSON")
    out = cli("audit", "verify", "--anchor", str(forged / "checkpoint-000001.json"), expect=1)
    assert f"anchor_unreadable: {forged / 'checkpoint-000001.json'} is not a checkpoint file" in out

    other = Ed25519PrivateKey.generate()
    body = copy["body"]
    (forged / "checkpoint-000001.json").write_text(json.dumps({
        **copy, "signature": base64.b64encode(other.sign(body.encode())).decode(),
        "public_key": public_key_text(other.public_key())}))
    out = cli("audit", "verify", "--anchor", str(forged), expect=1)
    assert "CHECKPOINT MISMATCH checkpoint #1: anchor_untrusted" in out


def test_a_checkpoint_folder_of_another_database_is_refused_by_name(alur, case, cli, instance):
    """The database lost its newest checkpoint (or is a new one): the next checkpoint would take a number
    whose file already holds another; it is stored, and the command says the file could not be kept."""
    alur.read_log.record_read("pengawas", case, "case")
    with alur.db.begin() as conn:
        conn.execute(text("delete from audit_checkpoint_head"))
        conn.execute(text("delete from audit_checkpoint"))
    out = cli("audit", "checkpoint", expect=2)
    assert (f"error [checkpoint_file_error]: Berkas checkpoint {instance / 'checkpoints' / 'checkpoint-000001.json'} "
            "sudah berisi checkpoint lain") in out
    assert "checkpoint_differs: the database's checkpoint #1 is not the one the file" in cli("audit", "verify",
                                                                                              expect=1)
