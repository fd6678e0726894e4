"""The tables people read and the stored document files, checked against the audit log; refused
attempts on the log. Each tampering is done with direct SQL or on disk, the way someone with write
access to the database or the store (and no signing key) would; each test reads the verdict of
``alur audit verify`` (exit code, whole database and ``--case``) and of the auditor's verification page.

Runs on both backends: the Alur here is the engine tests' one over ``tests/engine/data`` (uji_loop: a
report with a document, rejected once, reported again with a new document, approved).
"""
from __future__ import annotations

import hashlib
import html
import json
import sys
from pathlib import Path
from typing import Any

import shutil

import pytest
from flask.testing import FlaskClient
from sqlalchemy import text

from alur_testing import make_settings
from engine.audit.attempts import ATTEMPT_REFUSED
from engine.audit.chain import case_chain
from engine.bootstrap import Alur, open_alur
from engine.errors import PermissionDenied, TaskClaimedByOther, TaskNotOpen
from web import create_app
from web_helpers import text_of

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "engine"))
from audit_helpers import FIRST, SECOND, cli_runner, finished_loop_case, upload  # noqa: E402
from engine.runtime.attachments import UploadTarget  # noqa: E402
from engine_helpers import PASSWORD, add_users, ready_task, start_loop_case  # noqa: E402

ENGINE_DATA = Path(__file__).resolve().parents[1] / "engine" / "data"


@pytest.fixture
def models(tmp_path) -> Path:
    """The engine test models, with an auditor role to log in with."""
    folder = tmp_path / "models"
    shutil.copytree(ENGINE_DATA, folder)
    with (folder / "roles.toml").open("a", encoding="utf-8") as roles:
        roles.write('[roles.auditor]\ntitle = "Auditor"\nsupervisors = []\n')
    return folder


@pytest.fixture
def loop_alur(db_engine, tmp_path, clock, models) -> Alur:
    """Alur over the small engine test models, on each backend (not the web tests' SQLite copy)."""
    return open_alur(make_settings(tmp_path, str(db_engine.url), models, models / "forms"), clock=clock, db=db_engine)


@pytest.fixture
def audit_cli(loop_alur, db_engine, tmp_path, models, monkeypatch, capsys):
    run = cli_runner(db_engine, tmp_path, models, monkeypatch, capsys)
    assert "private key written" in run("audit", "keygen")
    return run


@pytest.fixture
def case(loop_alur: Alur, clock, models) -> int:
    return finished_loop_case(loop_alur, models, clock)


@pytest.fixture
def auditor(loop_alur: Alur, case: int) -> FlaskClient:
    """The auditor's browser session on the app over the same database."""
    loop_alur.users.add_user("auditor1", "Auditor Satu", PASSWORD, {"auditor"})
    client = create_app({"TESTING": True, "SECRET_KEY": "test", "WTF_CSRF_ENABLED": False,
                         "ALUR": loop_alur}).test_client()
    assert client.post("/masuk", data={"username": "auditor1", "password": PASSWORD}).status_code == 302
    return client


def verdict(client: FlaskClient, case: int | None = None) -> tuple[str, str]:
    """The verification page's heading ("Utuh" or "Ditemukan masalah") and its whole text."""
    response = client.get(f"/audit/kasus/{case}/verifikasi" if case else "/audit/verifikasi")
    assert response.status_code == 200
    page = html.unescape(text_of(response.text))
    heading = text_of(response.text.split('id="verdict">', 1)[1].split("</h2>", 1)[0]).strip()
    return heading, page


def completed_tasks(alur: Alur, case: int) -> list[dict[str, Any]]:
    with alur.db.connect() as conn:
        return [dict(r) for r in conn.execute(text(
            "select id, name, completed_by, data_json from human_task where instance_id = :c and state = 'completed' "
            "order by completed_at, id"), {"c": case}).mappings()]


def stored_file(alur: Alur, content: bytes) -> Path:
    sha = hashlib.sha256(content).hexdigest()
    return Path(alur.settings.attachments_dir) / sha[:2] / sha


def test_an_untouched_case_is_whole_in_the_cli_and_on_the_page(case, audit_cli, auditor):
    assert "case tables and documents match the log" in audit_cli("audit", "verify")
    assert "case tables and documents match the log" in audit_cli("audit", "verify", "--case", str(case))
    assert verdict(auditor, case)[0] == "Utuh" and verdict(auditor)[0] == "Utuh"


def test_verify_of_an_unknown_case_is_a_clear_error(case, audit_cli):
    assert "error [instance_not_found]: Kasus 999 tidak ditemukan" in audit_cli("audit", "verify", "--case", "999",
                                                                                expect=2)


def test_a_forged_performer_and_forged_form_data_are_named(loop_alur, case, audit_cli, auditor):
    first = completed_tasks(loop_alur, case)[0]  # "Isi laporan", completed by pengelola
    forged = json.dumps({**json.loads(first["data_json"]), "uraian": "Tidak ada gangguan"})
    with loop_alur.db.begin() as conn:
        conn.execute(text("update human_task set completed_by = 'mallory', data_json = :d where id = :i"),
                     {"d": forged, "i": first["id"]})
    for args in (("audit", "verify"), ("audit", "verify", "--case", str(case))):
        out = audit_cli(*args, expect=1)
        assert (f"TABLE DIFFERS FROM LOG case {case}: human_task id={first['id']} column completed_by: "
                "logged 'pengelola', stored 'mallory'") in out
        assert f"human_task id={first['id']} column data_json: logged" in out and "Tidak ada gangguan" in out
    heading, page = verdict(auditor, case)
    assert heading == "Ditemukan masalah"
    assert f"human_task {first['id']} completed_by 'pengelola' 'mallory'" in page
    assert f"human_task {first['id']} data_json" in page


def test_a_changed_case_state_is_named(loop_alur, case, audit_cli, auditor):
    with loop_alur.db.begin() as conn:
        conn.execute(text("update process_instance set status = 'cancelled' where id = :c"), {"c": case})
    out = audit_cli("audit", "verify", "--case", str(case), expect=1)
    assert (f"TABLE DIFFERS FROM LOG case {case}: process_instance id={case} column status: logged 'completed', "
            "stored 'cancelled'") in out
    audit_cli("audit", "verify", expect=1)
    heading, page = verdict(auditor, case)
    assert heading == "Ditemukan masalah" and f"process_instance {case} status 'completed' 'cancelled'" in page


def test_a_renamed_document_row_is_named(loop_alur, case, audit_cli, auditor):
    """The case page shows the upload row's file name: a forged one differs from its upload event."""
    sha = hashlib.sha256(FIRST).hexdigest()
    with loop_alur.db.begin() as conn:
        conn.execute(text("update document_upload set filename = 'laporan-asli.txt' where sha256 = :s"), {"s": sha})
    out = audit_cli("audit", "verify", "--case", str(case), expect=1)
    assert (f"TABLE DIFFERS FROM LOG case {case}: document_upload id={sha} column filename: logged 'laporan-1.txt', "
            "stored 'laporan-asli.txt'") in out
    assert verdict(auditor, case)[0] == "Ditemukan masalah"


def test_a_changed_document_file_is_named_with_its_step(loop_alur, case, audit_cli, auditor):
    stored_file(loop_alur, FIRST).write_bytes(b"Laporan gangguan, versi pertama (diganti)\n")
    for args in (("audit", "verify"), ("audit", "verify", "--case", str(case))):
        out = audit_cli(*args, expect=1)
        assert (f"DOCUMENT case {case}, step 'Isi laporan', field dokumen_laporan: document 'laporan-1.txt'"
                in out) and "CHANGED" in out
        assert "laporan-2.txt" not in out  # the other document is intact
    heading, page = verdict(auditor, case)
    assert heading == "Ditemukan masalah"
    assert f"Dokumen «laporan-1.txt» pada langkah «Isi laporan» (kasus #{case}): isi berkas berubah" in page
    assert verdict(auditor)[0] == "Ditemukan masalah"


def test_a_missing_document_file_is_named_with_its_step(loop_alur, case, audit_cli, auditor):
    stored_file(loop_alur, SECOND).unlink()
    out = audit_cli("audit", "verify", "--case", str(case), expect=1)
    assert f"DOCUMENT case {case}, step 'Isi laporan', field dokumen_laporan: document 'laporan-2.txt'" in out
    assert "MISSING: the file is no longer in the document store" in out
    heading, page = verdict(auditor, case)
    assert heading == "Ditemukan masalah"
    assert f"Dokumen «laporan-2.txt» pada langkah «Isi laporan» (kasus #{case}): berkas hilang" in page


def test_an_extra_document_in_a_step_is_named(loop_alur, case, audit_cli, auditor):
    """A document slipped into a finished step's stored data: uploaded, but never submitted with it."""
    review = completed_tasks(loop_alur, case)[-1]  # the approval, "Periksa laporan"
    sha = upload(loop_alur, "bukti-palsu.txt", b"Bukti tambahan\n", UploadTarget(case, review["id"], "Periksa laporan"))
    with loop_alur.db.begin() as conn:
        conn.execute(text("update human_task set data_json = :d where id = :i"),
                     {"d": json.dumps({**json.loads(review["data_json"]), "lampiran": sha}), "i": review["id"]})
    out = audit_cli("audit", "verify", "--case", str(case), expect=1)
    assert (f"DOCUMENT case {case}, step 'Periksa laporan', field lampiran: document 'bukti-palsu.txt'" in out
            and "EXTRA" in out)
    heading, page = verdict(auditor, case)
    assert heading == "Ditemukan masalah"
    assert (f"Dokumen «bukti-palsu.txt» pada langkah «Periksa laporan» (kasus #{case}): berkas tambahan yang tidak "
            "tercatat") in page


def test_an_extra_file_in_the_store_is_named(loop_alur, case, audit_cli, auditor):
    forged = b"Dokumen yang tidak pernah diunggah\n"
    path = stored_file(loop_alur, forged)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(forged)
    relative = f"{path.parent.name}/{path.name}"
    out = audit_cli("audit", "verify", expect=1)
    assert f"DOCUMENT store: document '{relative}' EXTRA: no upload event names this file" in out
    assert "case tables and documents match" in audit_cli("audit", "verify", "--case", str(case))  # not the case's
    heading, page = verdict(auditor)
    assert heading == "Ditemukan masalah"
    assert f"Berkas «{relative}» di penyimpanan dokumen: berkas tambahan yang tidak tercatat" in page


# -- refused attempts ------------------------------------------------------------------------------

def refusals(alur: Alur, case: int | None = None) -> list[Any]:
    return [e for e in alur.audit_log.events(instance_id=case, event_type=ATTEMPT_REFUSED).items]


def case_rows(alur: Alur, case: int) -> tuple[Any, ...]:
    with alur.db.connect() as conn:
        instance = conn.execute(text("select status, version, data_json from process_instance where id = :c"),
                                {"c": case}).one()
        tasks = conn.execute(text("select id, state, assignee, completed_by, data_json, version from human_task "
                                  "where instance_id = :c order by id"), {"c": case}).all()
    return tuple(instance), tuple(tuple(t) for t in tasks)


@pytest.fixture
def open_case(loop_alur: Alur, models: Path) -> int:
    add_users(loop_alur)
    loop_alur.deployer.deploy_file(models / "uji_loop.bpmn", "pemilik")
    return start_loop_case(loop_alur)


def test_a_completion_of_a_task_done_already_is_logged_and_changes_nothing(loop_alur, open_case, audit_cli):
    task = ready_task(loop_alur, open_case)
    loop_alur.runner.complete_task(task.task_id, "pengelola", {"uraian": "Selesai"})
    before = case_rows(loop_alur, open_case)
    with pytest.raises(TaskNotOpen):
        loop_alur.runner.complete_task(task.task_id, "pengelola2", {"uraian": "Dua kali"})
    assert case_rows(loop_alur, open_case) == before
    [event] = refusals(loop_alur, open_case)
    assert (event.actor, event.chain) == ("pengelola2", case_chain(open_case))
    assert event.payload["action"] == "complete_task" and event.payload["refusal"] == "conflict"
    assert (event.payload["code"], event.payload["task_id"]) == ("task_not_open", task.task_id)
    assert "Dua kali" not in json.dumps(event.payload)  # the refused data is not kept
    assert "case tables and documents match the log" in audit_cli("audit", "verify")


def test_a_completion_of_a_task_claimed_by_another_is_logged(loop_alur, open_case):
    task = ready_task(loop_alur, open_case)
    loop_alur.runner.claim_task(task.task_id, "pengelola")
    with pytest.raises(TaskClaimedByOther):
        loop_alur.runner.complete_task(task.task_id, "pengelola2", {"uraian": "Saya duluan"})
    with pytest.raises(TaskClaimedByOther):
        loop_alur.runner.claim_task(task.task_id, "pengelola2")
    events = refusals(loop_alur, open_case)
    assert sorted((e.payload["action"], e.payload["code"], e.actor) for e in events) == [
        ("claim_task", "task_claimed_by_other", "pengelola2"), ("complete_task", "task_claimed_by_other", "pengelola2")]
    assert ready_task(loop_alur, open_case).assignee == "pengelola"


def test_a_completion_without_the_role_and_a_denied_read_are_logged(loop_alur, open_case):
    task = ready_task(loop_alur, open_case)
    before = case_rows(loop_alur, open_case)
    with pytest.raises(PermissionDenied):
        loop_alur.runner.complete_task(task.task_id, "pemeriksa", {"uraian": "Bukan peran saya"})
    loop_alur.users.add_user("tamu", "Tamu", PASSWORD, set())
    with pytest.raises(PermissionDenied):
        loop_alur.cases.case_page(open_case, "tamu")
    with pytest.raises(PermissionDenied):
        loop_alur.cases.task_page(task.task_id, "tamu")
    assert case_rows(loop_alur, open_case) == before
    events = {e.payload["action"]: e for e in refusals(loop_alur, open_case)}
    assert set(events) == {"complete_task", "read_case", "read_task"}
    assert all(e.payload["refusal"] == "denied" for e in events.values())
    assert (events["complete_task"].actor, events["complete_task"].payload["code"]) == ("pemeriksa",
                                                                                        "permission_denied")
    assert events["read_case"].actor == "tamu" and events["read_case"].payload["instance_id"] == open_case


def test_a_denied_document_download_is_logged_and_shown_in_the_audit_log(loop_alur, case, auditor):
    loop_alur.users.add_user("tamu", "Tamu", PASSWORD, set())
    sha = hashlib.sha256(FIRST).hexdigest()
    with pytest.raises(PermissionDenied):
        loop_alur.cases.case_document(case, sha, "tamu")
    [event] = refusals(loop_alur, case)
    assert (event.actor, event.payload["action"], event.payload["sha256"]) == ("tamu", "read_document", sha)
    page = text_of(auditor.get(f"/audit?jenis={ATTEMPT_REFUSED}").text)
    assert ATTEMPT_REFUSED in page and "tamu" in page and "read_document" in page
    assert verdict(auditor, case)[0] == "Utuh"  # an attempt is on the log, not a change of the case


def test_a_refusal_through_the_web_is_logged(loop_alur, open_case):
    """The task page's POST as another holder of the role, after the first one took the task: a 409."""
    task = ready_task(loop_alur, open_case)
    loop_alur.runner.claim_task(task.task_id, "pengelola")
    client = create_app({"TESTING": True, "SECRET_KEY": "test", "WTF_CSRF_ENABLED": False,
                         "ALUR": loop_alur}).test_client()
    assert client.post("/masuk", data={"username": "pengelola2", "password": PASSWORD}).status_code == 302
    response = client.post(f"/tugas/{task.task_id}", data={"uraian": "Saya duluan"})
    assert response.status_code == 409
    [event] = refusals(loop_alur, open_case)
    assert (event.actor, event.payload["code"]) == ("pengelola2", "task_claimed_by_other")


def test_the_store_helper_keeps_its_upload_on_the_log(loop_alur, case):
    """The tests above rely on it: an upload for a task is an event of its case's chain naming the file's
    sha256; one for no task yet has none until a completion uses it."""
    before = len(loop_alur.audit_log.events(event_type="attachment_uploaded").items)
    upload(loop_alur, "b.txt", b"belum dipakai\n")
    assert len(loop_alur.audit_log.events(event_type="attachment_uploaded").items) == before
    sha = upload(loop_alur, "a.txt", b"isi\n", UploadTarget(case, "tugas-uji", "Isi laporan"))
    event = loop_alur.audit_log.events(event_type="attachment_uploaded").items[0]
    assert (event.payload["sha256"], event.instance_id) == (sha, case)
    assert stored_file(loop_alur, b"isi\n").read_bytes() == b"isi\n"


def test_a_case_audit_page_refused_to_a_non_auditor_is_logged(loop_alur, case):
    client = create_app({"TESTING": True, "SECRET_KEY": "test", "WTF_CSRF_ENABLED": False,
                         "ALUR": loop_alur}).test_client()
    assert client.post("/masuk", data={"username": "pengelola", "password": PASSWORD}).status_code == 302
    assert client.get(f"/audit/kasus/{case}/verifikasi").status_code == 403
    assert client.get("/audit").status_code == 403  # no case named: refused, nothing to put on a case
    [event] = refusals(loop_alur, case)
    assert (event.actor, event.payload["action"], event.payload["refusal"]) == (
        "pengelola", "audit:audit.case_verification", "denied")
    assert refusals(loop_alur) == [event]
