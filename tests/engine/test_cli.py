"""The `alur` CLI over the engine: init, deploy, users, start, tasks, complete, audit verify.

The commands run in-process (``alur.cli.main``); one smoke test runs ``python -m alur`` as a program."""
from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from alur_testing import cli_in_process
from engine.accounts.users import verify_password

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "engine" / "data"


@pytest.fixture
def cli(tmp_path, monkeypatch, capsys):
    run = cli_in_process(monkeypatch, capsys, {
        "ALUR_INSTANCE_DIR": str(tmp_path), "ALUR_PROCESSES_DIR": str(DATA), "ALUR_FORMS_DIR": str(DATA / "forms"),
        "ALUR_NEW_PASSWORD": "rahasia-uji-123"})
    run.db = tmp_path / "alur.db"  # type: ignore[attr-defined]
    return run


def test_python_m_alur_runs_as_a_program(tmp_path):
    """The one subprocess: the module entry point, the environment and the exit code of a real run."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ALUR_")}
    env.update({"ALUR_INSTANCE_DIR": str(tmp_path), "ALUR_PROCESSES_DIR": str(DATA),
                "ALUR_FORMS_DIR": str(DATA / "forms")})
    result = subprocess.run([sys.executable, "-m", "alur", "init", "--deploy"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, (result.stdout, result.stderr)
    assert "database ready" in result.stdout and "uji_loop v1 deployed" in result.stdout
    with sqlite3.connect(tmp_path / "alur.db") as conn:
        assert conn.execute("select count(*) from process_definition").fetchone()[0] >= 1


def test_a_case_from_the_command_line_and_audit_verification(cli):
    assert "database ready" in cli("init")
    assert "uji_loop v1 deployed" in cli("deploy", str(DATA / "uji_loop.bpmn"))
    assert "uji_loop v1 unchanged" in cli("deploy", str(DATA / "uji_loop.bpmn"))
    cli("user", "add", "budi", "--full-name", "Budi", "--role", "pengelola_ti")
    cli("user", "add", "sari", "--role", "pemeriksa_ti")
    with sqlite3.connect(cli.db) as conn:
        stored = conn.execute("select password_hash from user_account where username = 'budi'").fetchone()[0]
    # Settings from the environment hash at the production cost (the other tests' settings lower it).
    assert stored.startswith("scrypt$32768$8$1$")
    assert verify_password("rahasia-uji-123", stored) and not verify_password("rahasia-uji-124", stored)
    assert "pengawas" in cli("user", "roles", "sari", "pengawas")
    started = json.loads(cli("start", "uji_loop", "--user", "budi", "--business-key", "045/1/2026"))
    assert started["status"] == "running" and len(started["ready_tasks"]) == 1
    assert "Isi laporan" in cli("tasks", "--user", "budi", "--tab", "mine")
    out = cli("complete", started["ready_tasks"][0], "--user", "budi", "--data", '{"jumlah": "x"}', expect=2)
    assert "form_invalid" in out and "uraian: Wajib diisi." in out
    done = json.loads(cli("complete", started["ready_tasks"][0], "--user", "budi", "--data", '{"uraian": "ok"}'))
    assert "Periksa laporan" in cli("tasks", "--user", "sari")
    review = done["ready_tasks"][0]
    cli("complete", review, "--user", "sari", "--data", '{"disetujui": true}')
    assert "OK" in cli("audit", "verify")

    with sqlite3.connect(cli.db) as conn:
        event_id = conn.execute("select id from audit_event where event_type = 'task_completed' "
                                "order by id limit 1").fetchone()[0]
        conn.execute("update audit_event set actor = 'mallory' where id = ?", (event_id,))
    out = cli("audit", "verify", expect=1)
    assert f"event id={event_id}" in out and "edited" in out


def test_errors_have_stable_codes(cli):
    cli("init")
    assert "definition_not_found" in cli("start", "tidak_ada", "--user", "budi", expect=2)
    assert "invalid_json" in cli("complete", "x", "--user", "budi", "--data", "{bad", expect=2)
    assert "deployment_refused" in cli("deploy", str(DATA / "tidak_ada.bpmn"), expect=2)


@pytest.mark.parametrize("args", [
    ("audit", "export-case", "99999999999999999999", "-o", "packet.zip"), ("audit", "replay", "3000000000"),
    ("audit", "verify", "--case", "99999999999999999999"), ("audit", "replay", "0"), ("audit", "replay", "-5"),
    ("incident", "retry", "99999999999999999999", "--by", "admin"), ("mandate", "end", "3000000000", "--by", "x"),
    ("opd", "rename", "99999999999999999999", "X"), ("opd", "deactivate", "3000000000")])
def test_an_id_no_row_can_have_is_refused_by_the_parser(cli, args):
    """An id past the database's integer reached the database: SQLite's OverflowError, a traceback."""
    cli("init")
    out = cli(*args, expect=2)
    assert "is not an id (1 to 2147483647)" in out and "Traceback" not in out


def test_a_user_without_a_password_and_no_terminal_to_ask_is_refused_in_words(cli, monkeypatch):
    """With no --password, no ALUR_NEW_PASSWORD and nothing on standard input (a script, CI), the prompt's
    EOFError was a traceback."""
    cli("init")
    monkeypatch.delenv("ALUR_NEW_PASSWORD")
    monkeypatch.setattr("getpass.getpass", lambda prompt="": (_ for _ in ()).throw(EOFError()))
    out = cli("user", "add", "budi", "--role", "pengelola_ti", expect=2)
    assert "invalid_input" in out and "--password" in out and "ALUR_NEW_PASSWORD" in out
    with sqlite3.connect(cli.db) as conn:
        assert conn.execute("select count(*) from user_account where username = 'budi'").fetchone() == (0,)


def test_mandates_from_the_command_line(cli):
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    today = datetime.now(ZoneInfo("Asia/Makassar")).date()
    first, last = today.isoformat(), (today + timedelta(days=3)).isoformat()
    cli("init")
    cli("deploy", str(DATA / "uji_loop.bpmn"))
    cli("user", "add", "budi", "--full-name", "Budi", "--role", "pengelola_ti")
    cli("user", "add", "ani", "--full-name", "Ani", "--role", "pemeriksa_ti")
    cli("user", "add", "sari", "--full-name", "Sari", "--role", "pengawas")
    added = cli("mandate", "add", "--absent", "budi", "--stand-in", "ani", "--from", first, "--to", last,
                "--basis", "800/12/2026", "--by", "sari")
    assert added.startswith("#1  Plh.  budi -> ani") and "[running]" in added
    assert "mandate_overlap" in cli("mandate", "add", "--kind", "plt", "--absent", "budi", "--stand-in", "sari",
                                    "--from", last, "--to", last, "--basis", "800/13", "--by", "sari", expect=2)
    assert "permission_denied" in cli("mandate", "add", "--absent", "sari", "--stand-in", "ani", "--from", first,
                                      "--to", last, "--basis", "800/14", "--by", "budi", expect=2)
    assert "mandate_period_invalid" in cli("mandate", "add", "--absent", "budi", "--stand-in", "ani", "--from",
                                           last, "--to", first, "--basis", "x", "--by", "sari", expect=2)
    assert "invalid choice" in cli("mandate", "add", "--kind", "wakil", "--absent", "budi", "--stand-in", "ani",
                                   "--from", first, "--to", last, "--basis", "x", "--by", "sari", expect=2)
    # the stand-in sees the official's work in their inbox, marked by the mandate
    started = json.loads(cli("start", "uji_loop", "--user", "budi", "--business-key", "045/9/2026"))
    assert "Isi laporan" in cli("tasks", "--user", "ani", "--tab", "mine") and "(Plh. budi)" in cli(
        "tasks", "--user", "ani", "--tab", "mine")
    assert "#1  Plh.  budi -> ani" in cli("mandate", "list", "--user", "ani")
    assert cli("mandate", "list", "--user", "pengelola_lain") == "no mandates\n"
    ended = cli("mandate", "end", "1", "--by", "sari", "--reason", "Budi kembali")
    assert "[ended, ended early by sari]" in ended
    assert "mandate_already_ended" in cli("mandate", "end", "1", "--by", "sari", expect=2)
    assert "mandate_not_found" in cli("mandate", "end", "9", "--by", "sari", expect=2)
    assert "Isi laporan" not in cli("tasks", "--user", "ani", "--tab", "mine")
    assert started["status"] == "running"
    assert "OK" in cli("audit", "verify")


def test_task_reassign_by_a_supervisor_with_a_reason(cli):
    cli("init")
    cli("deploy", str(DATA / "uji_loop.bpmn"))
    for username, role in (("budi", "pengelola_ti"), ("sari", "pengelola_ti"), ("rudi", "pemeriksa_ti"),
                           ("kasi", "pengawas")):
        cli("user", "add", username, "--role", role)
    task_id = json.loads(cli("start", "uji_loop", "--user", "budi"))["ready_tasks"][0]
    assert "permission_denied" in cli("task", "reassign", task_id, "--to", "sari", "--by", "budi",
                                      "--reason", "cuti", expect=2)
    assert "reason_required" in cli("task", "reassign", task_id, "--to", "sari", "--by", "kasi", "--reason", " ",
                                    expect=2)
    refused = cli("task", "reassign", task_id, "--to", "rudi", "--by", "kasi", "--reason", "cuti", expect=2)
    assert "not_a_role_holder" in refused and "Pengelola Teknologi Informasi" in refused
    out = cli("task", "reassign", task_id, "--to", "sari", "--by", "kasi", "--reason", "Budi cuti")
    assert f"task {task_id} (Isi laporan) reassigned to sari by kasi" in out
    assert "Isi laporan" in cli("tasks", "--user", "sari", "--tab", "mine")
    with sqlite3.connect(cli.db) as conn:
        payload = conn.execute("select payload_json from audit_event where event_type = 'task_reassigned'").fetchone()
    assert json.loads(payload[0])["reason"] == "Budi cuti"


def test_opd_list_kept_from_the_command_line(cli):
    cli("init")
    added = cli("--actor", "admin", "opd", "add", "bappeda", "Badan  Perencanaan Pembangunan Daerah")
    assert added == "#1  BAPPEDA  Badan Perencanaan Pembangunan Daerah\n"
    assert "conflict" in cli("opd", "add", "BAPPEDA", "Lain", expect=2)
    assert "invalid_input" in cli("opd", "add", "bad code!", "Nama", expect=2)
    assert "invalid_input" in cli("opd", "add", "DISHUB", "   ", expect=2)
    assert "opd_not_found" in cli("opd", "rename", "99", "Nama", expect=2)
    cli("opd", "add", "DISHUB", "Dinas Perhubungan")
    assert cli("opd", "rename", "2", "Dinas Perhubungan Prov. Kaltim").startswith("#2  DISHUB  Dinas Perhubungan Prov")
    assert cli("opd", "deactivate", "1").endswith("[nonaktif]\n")
    assert "BAPPEDA" not in cli("opd", "list") and "BAPPEDA" in cli("opd", "list", "--all")
    cli("opd", "activate", "1")
    assert "BAPPEDA" in cli("opd", "list")
    with sqlite3.connect(cli.db) as conn:
        kinds = [row[0] for row in conn.execute("select event_type from audit_event where event_type like 'opd_%' "
                                                "order by id")]
    assert kinds == ["opd_added", "opd_added", "opd_changed", "opd_changed", "opd_changed"]
    assert "OK" in cli("audit", "verify")


def test_the_command_line_refuses_a_weak_password_with_a_message(cli):
    cli("init")
    out = cli("user", "add", "budi", "--password", "12345678", "--role", "pengelola_ti", expect=2)
    assert "minimal 12 karakter" in out and "Traceback" not in out
    out = cli("user", "add", "budi", "--password", "password123456", "--role", "pengelola_ti", expect=2)
    assert "terlalu umum" in out
    with sqlite3.connect(cli.db) as conn:
        assert conn.execute("select count(*) from user_account").fetchone()[0] == 0


def test_the_registers_from_the_command_line_are_verified_with_the_log(cli):
    cli("init")
    with sqlite3.connect(cli.db) as conn:
        assert conn.execute("select count(*) from server_asset").fetchone()[0] == 0
    from engine import open_alur, settings_from_env
    alur = open_alur(settings_from_env())
    alur.server_assets.add({"asset_number": "SRV-01", "hostname": "db-01", "ip_address": "10.0.0.1",
                            "operating_system": "Debian 12", "dbms": "MySQL 8", "owner_opd": "Bappeda",
                            "location": "Rak A1", "backup_schedule": "Harian"}, "pengelola_ti")
    alur.dc_access.add_walk_in({"visitor": "Tamu", "organisation": "PT X", "purpose": "Survei", "escort": "budi"},
                               "kasi_infra")
    alur.close()
    assert "SRV-01  db-01  10.0.0.1  [aktif]  back-up: -" in cli("register", "servers")
    assert "Tamu  (PT X)" in cli("register", "visits", "--open") and "still inside" in cli("register", "visits")
    assert cli("register", "export", "server").splitlines()[1].startswith("SRV-01,db-01,10.0.0.1,")
    assert "OK" in cli("audit", "verify")
    with sqlite3.connect(cli.db) as conn:  # a forged back-up result in the register
        conn.execute("update server_asset set last_backup_result = 'berhasil'")
    out = cli("audit", "verify", expect=1)
    assert "server_asset" in out and "last_backup_result" in out


def test_an_account_is_linked_to_the_directory_from_the_command_line(cli):
    cli("init")
    cli("user", "add", "budi", "--full-name", "Budi", "--role", "pengelola_ti")
    assert "signs in:    local" in cli("user", "show", "budi")
    assert "signs in through ldap" in cli("user", "link", "budi", "ldap")
    assert "signs in:    ldap" in cli("user", "show", "budi")
    with sqlite3.connect(cli.db) as conn:
        assert conn.execute("select password_hash, external_subject from user_account where username = 'budi'"
                            ).fetchone() == ("!external", None)
    cli("user", "link", "budi", "kerberos", expect=2)
