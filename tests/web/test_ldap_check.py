"""The directory check against a real OpenLDAP server (Debian's slapd): a person the directory locks or removes
is deactivated while signed in, and their session and API token stop at the next request; a group change
updates roles; an unreachable directory changes nothing; direct bind refuses to run the check; the worker's
job and ``alur directory check``."""
from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from ldap3 import MODIFY_ADD, MODIFY_DELETE, MODIFY_REPLACE
from sqlalchemy import func, select, update

from alur_testing import cli_in_process
from ldap_server import (root_connection, service_settings, GROUPS, PEOPLE, SERVICE_DN, SERVICE_PASSWORD, LdapServer,
                         free_port, group, person, running_slapd)
from tls_testing import make_pki
from web_helpers import build_app, login, make_settings

from engine.accounts.identity_settings import IdentitySettings, LdapSettings
from engine.bootstrap import Alur, open_alur
from engine.errors import DirectoryCheckImpossible, DirectoryCheckRefused, DirectoryUnavailable
from engine.persistence.models import AuditEvent, UserAccount
from engine.worker.scheduler import DIRECTORY_JOB_ID, build_worker

ROOT = Path(__file__).resolve().parents[2]
PEOPLE_ENTRIES = [
    person("budi", "Budi Santoso", title="Pranata Komputer Ahli Muda", password="sandi-direktori-budi"),
    person("rina", "Rina Wulandari", password="sandi-direktori-rina"),
    person("joko", "Joko Prasetyo", password="sandi-direktori-joko"),
    person("sari", "Sari Rahmawati", password="sandi-direktori-sari"),
    person("tono", "Tono Wijaya", password="sandi-direktori-tono"),
    group("alur-pengelola", ["budi", "rina", "joko", "sari", "tono"]),
    group("alur-pemeriksa", ["budi"]),
]
GROUP_ROLES = """[directory_groups]
"cn=alur-pengelola,ou=groups,dc=kaltimprov,dc=go,dc=id" = ["pengelola_ti"]
"alur-pemeriksa" = ["pemeriksa_ti"]
"""


@pytest.fixture
def slapd(tmp_path: Path) -> Iterator[LdapServer]:
    """A directory of its own for each test: the tests lock, remove and move people in it."""
    with running_slapd(tmp_path / "slapd", PEOPLE_ENTRIES) as server:
        yield server


@pytest.fixture
def groups_file(tmp_path: Path) -> Path:
    path = tmp_path / "groups.toml"
    path.write_text(GROUP_ROLES, encoding="utf-8")
    return path


@pytest.fixture
def directory_alur(alur: Alur, tmp_path: Path, clock: Any, groups_file: Path) -> Any:
    opened: list[Alur] = []

    def build(ldap: LdapSettings) -> Alur:
        settings = IdentitySettings(ldap=ldap, groups_file=groups_file)
        opened.append(open_alur(make_settings(tmp_path, str(alur.db.url), identity=settings), clock=clock))
        return opened[-1]
    yield build
    for services in opened:
        services.close()


def _lock(slapd: LdapServer, uid: str) -> None:
    """The password policy's permanent lock, as a directory administrator sets it."""
    with root_connection(slapd) as root:
        assert root.modify(f"uid={uid},{PEOPLE}", {"pwdAccountLockedTime": [(MODIFY_REPLACE, ["000001010000Z"])]}), \
            root.result


def _events(services: Alur, event_type: str) -> list[dict[str, Any]]:
    with services.sessions() as session:
        return [json.loads(e.payload_json) for e in session.scalars(
            select(AuditEvent).where(AuditEvent.event_type == event_type).order_by(AuditEvent.id))]


def _event_count(services: Alur) -> int:
    with services.sessions() as session:
        return session.scalar(select(func.count()).select_from(AuditEvent)) or 0


def _signed_in(client: Any) -> Any:
    return client.get("/kotak-masuk")


def _sign_in_everyone(services: Alur, *uids: str) -> dict[str, Any]:
    clients = {}
    for uid in uids:
        clients[uid] = build_app(services).test_client()
        login(clients[uid], uid, f"sandi-direktori-{uid}")
    return clients


def test_a_person_locked_in_the_directory_is_deactivated_by_the_check_and_their_session_and_token_stop(
        slapd, directory_alur):
    services = directory_alur(service_settings(slapd))
    clients = _sign_in_everyone(services, "joko", "budi")
    token = services.tokens.issue("joko", "skrip laporan", actor="joko").token
    api = build_app(services).test_client()
    bearer = {"Authorization": f"Bearer {token}"}
    assert api.get("/api/v1/me", headers=bearer).status_code == 200
    assert _signed_in(clients["joko"]).status_code == 200
    _lock(slapd, "joko")

    report = services.directory_check.run()

    outcomes = {a.username: (a.outcome, a.reason) for a in report.accounts}
    assert outcomes == {"budi": ("unchanged", None), "joko": ("deactivated", "disabled in the directory")}
    assert not services.users.get("joko").active and services.users.get("budi").active
    # the open session and the API token are refused at their next request; budi's session goes on
    response = _signed_in(clients["joko"])
    assert response.status_code == 302 and "/masuk" in response.headers["Location"]
    assert api.get("/api/v1/me", headers=bearer).status_code == 401
    assert _signed_in(clients["budi"]).status_code == 200
    assert _events(services, "user_deactivated")[-1] == {
        "username": "joko", "source": "ldap", "reason": "disabled in the directory", "via": "directory_check"}
    # a second run finds nothing more to do and writes nothing
    before = _event_count(services)
    assert [a.outcome for a in services.directory_check.run().accounts] == ["unchanged"]
    assert _event_count(services) == before


def test_a_person_removed_from_the_directory_is_deactivated_and_a_renamed_one_is_kept(slapd, directory_alur):
    services = directory_alur(service_settings(slapd))
    clients = _sign_in_everyone(services, "sari", "tono")
    with root_connection(slapd) as root:
        assert root.delete(f"uid=sari,{PEOPLE}"), root.result
        # a rename keeps entryUUID: the account is found by it, not by its (old) name
        assert root.modify_dn(f"uid=tono,{PEOPLE}", "uid=tono.wijaya"), root.result
        for cn in ("alur-pengelola",):
            root.modify(f"cn={cn},{GROUPS}", {"member": [(MODIFY_DELETE, [f"uid=tono,{PEOPLE}"]),
                                                         (MODIFY_ADD, [f"uid=tono.wijaya,{PEOPLE}"])]})
    report = services.directory_check.run()
    outcomes = {a.username: (a.outcome, a.reason) for a in report.accounts}
    assert outcomes == {"sari": ("deactivated", "missing from the directory"), "tono": ("unchanged", None)}
    assert _signed_in(clients["sari"]).status_code == 302
    assert _signed_in(clients["tono"]).status_code == 200
    assert services.users.get("tono").roles == {"pengelola_ti"}


def test_a_wrong_base_dn_that_finds_nobody_changes_nothing_until_the_missing_are_accepted(slapd, directory_alur,
                                                                                           caplog):
    """A base the service account reads but that holds none of the people looks like everyone gone: the
    check refuses rather than deactivate the whole office, and does so only when told they are gone."""
    _sign_in_everyone(directory_alur(service_settings(slapd)), "budi", "rina", "joko", "sari", "tono")
    wrong = directory_alur(service_settings(slapd, base_dn=GROUPS))
    before = _event_count(wrong)
    with caplog.at_level(logging.WARNING, logger="engine.accounts.directory_check"), \
            pytest.raises(DirectoryCheckRefused) as refused:
        wrong.directory_check.run()
    assert refused.value.code == "directory_check_refused"
    assert refused.value.context == {"missing": 5, "checked": 5}
    assert "ALUR_LDAP_BASE_DN" in refused.value.message and "--accept-missing" in caplog.text
    assert _event_count(wrong) == before
    assert all(wrong.users.get(uid).active for uid in ("budi", "rina", "joko", "sari", "tono"))
    # the worker logs it and goes on, changing nothing either
    assert build_worker(wrong).directory_tick() is None
    assert _event_count(wrong) == before

    report = wrong.directory_check.run(accept_missing=True)
    assert {a.username: (a.outcome, a.reason) for a in report.accounts} == {
        uid: ("deactivated", "missing from the directory") for uid in ("budi", "joko", "rina", "sari", "tono")}


def test_a_group_change_in_the_directory_updates_roles_without_a_sign_in(slapd, directory_alur):
    services = directory_alur(service_settings(slapd))
    clients = _sign_in_everyone(services, "rina")
    services.users.set_roles("rina", {"pengelola_ti", "auditor"}, actor="admin_sistem")  # auditor: by hand
    with root_connection(slapd) as root:
        root.modify(f"cn=alur-pengelola,{GROUPS}", {"member": [(MODIFY_DELETE, [f"uid=rina,{PEOPLE}"])]})
        root.modify(f"cn=alur-pemeriksa,{GROUPS}", {"member": [(MODIFY_ADD, [f"uid=rina,{PEOPLE}"])]})
        root.modify(f"uid=rina,{PEOPLE}", {"title": [(MODIFY_REPLACE, ["Pranata Komputer Ahli Muda"])]})

    [change] = services.directory_check.run().accounts

    assert (change.outcome, change.roles_added, change.roles_removed, change.fields) == (
        "updated", ("pemeriksa_ti",), ("pengelola_ti",), ("jabatan",))
    user = services.users.get("rina")
    assert user.roles == {"pemeriksa_ti", "auditor"} and user.jabatan == "Pranata Komputer Ahli Muda"
    roles_event = _events(services, "user_roles_changed")[-1]
    assert (roles_event["roles_added"], roles_event["roles_removed"], roles_event["via"]) == (
        ["pemeriksa_ti"], ["pengelola_ti"], "directory_check")
    assert _events(services, "user_account_data_changed")[-1]["via"] == "directory_check"
    # the open session goes on with the new roles (a role change does not sign anyone out)
    assert _signed_in(clients["rina"]).status_code == 200


@pytest.mark.parametrize("broken", ["down", "service_password", "other_ca", "base_dn", "group_base_dn"])
def test_a_directory_that_cannot_be_used_changes_nothing_and_the_log_says_why(
        tmp_path, slapd, directory_alur, caplog, broken):
    services = directory_alur(service_settings(slapd))
    _sign_in_everyone(services, "joko", "rina")
    _lock(slapd, "joko")  # what a working check would act on
    with root_connection(slapd) as root:
        root.modify(f"cn=alur-pengelola,{GROUPS}", {"member": [(MODIFY_DELETE, [f"uid=rina,{PEOPLE}"])]})
    down = f"ldaps://127.0.0.1:{free_port()}"
    settings = {"down": service_settings(slapd, url=down, timeout=2),
                "service_password": service_settings(slapd, bind_password="bukan-sandinya"),
                "other_ca": service_settings(slapd, ca_file=make_pki(tmp_path / "other-ca", "Another CA").ca_file),
                "base_dn": service_settings(slapd, base_dn=f"ou=orang,{PEOPLE}"),
                # a failed group search must not read as "in no group" (that would take everyone's roles)
                "group_base_dn": service_settings(slapd, group_base_dn=f"ou=grup,{GROUPS}")}[broken]
    unusable = directory_alur(settings)
    before = _event_count(services)
    caplog.set_level(logging.WARNING)

    with pytest.raises(DirectoryUnavailable):
        unusable.directory_check.run()

    assert _event_count(services) == before
    assert services.users.get("joko").active and services.users.get("rina").roles == {"pengelola_ti"}
    why = {"down": down, "service_password": "akun layanan", "other_ca": "certificate verify failed",
           "base_dn": "ou=orang", "group_base_dn": "noSuchObject"}[broken]
    assert any(r.levelname == "WARNING" and "directory check stopped" in r.getMessage() and why in r.getMessage()
               for r in caplog.records), caplog.text


def test_direct_bind_refuses_to_run_the_check_and_says_why(slapd, directory_alur, caplog):
    services = directory_alur(service_settings(slapd, bind_dn=None, bind_password=None,
                                        user_dn_template=f"uid={{username}},{PEOPLE}"))
    _sign_in_everyone(services, "joko")
    _lock(slapd, "joko")
    caplog.set_level(logging.WARNING)
    with pytest.raises(DirectoryCheckImpossible, match="direct bind") as raised:
        services.directory_check.run()
    assert raised.value.code == "directory_check_impossible" and raised.value.context["reason"] == "direct_bind"
    assert services.users.get("joko").active
    assert "directory check cannot run" in caplog.text and "ALUR_LDAP_BIND_DN" in caplog.text
    # the worker does not schedule it, and says so once at start
    caplog.clear()
    worker = build_worker(services)
    worker.start(paused=True)
    try:
        assert worker.scheduler is not None and worker.scheduler.get_job(DIRECTORY_JOB_ID) is None
    finally:
        worker.stop()
    assert "directory check off" in caplog.text and "direct bind" in caplog.text


def test_the_worker_runs_the_check_every_configured_minutes(slapd, directory_alur, caplog):
    services = directory_alur(service_settings(slapd, check_minutes=5))
    _sign_in_everyone(services, "joko")
    worker = build_worker(services)
    worker.start(paused=True)
    try:
        job = worker.scheduler.get_job(DIRECTORY_JOB_ID) if worker.scheduler is not None else None
        assert job is not None and job.trigger.interval == timedelta(minutes=5)
    finally:
        worker.stop()
    _lock(slapd, "joko")
    caplog.set_level(logging.INFO)
    report = build_worker(services).directory_tick()  # the job's own call (a stopped worker runs nothing)
    assert report is not None and report.count("deactivated") == 1 and not services.users.get("joko").active
    job_lines = [r for r in caplog.records if r.getMessage() == "job directory_check"]
    assert job_lines and job_lines[-1].fields["deactivated"] == 1  # type: ignore[attr-defined]
    # off with 0, and without a directory
    assert build_worker(directory_alur(service_settings(slapd, check_minutes=0)))._directory_check is None


def test_the_worker_job_logs_an_unreachable_directory_and_goes_on(slapd, directory_alur, caplog):
    services = directory_alur(service_settings(slapd, url=f"ldaps://127.0.0.1:{free_port()}", timeout=2))
    worker = build_worker(services)
    caplog.set_level(logging.WARNING)
    assert worker.directory_tick() is None
    job_lines = [r for r in caplog.records if r.getMessage() == "job directory_check"]
    assert job_lines and job_lines[-1].levelname == "WARNING"
    assert job_lines[-1].fields["ok"] is False and "127.0.0.1" in job_lines[-1].fields["error"]  # type: ignore


def test_session_loader_and_token_check_refuse_an_inactive_account_by_themselves(slapd, directory_alur):
    """Deactivation also ends the sessions (a new session generation); this proves the loader and the token
    check refuse an inactive account even when its generation is unchanged."""
    services = directory_alur(service_settings(slapd))
    client = _sign_in_everyone(services, "budi")["budi"]
    token = services.tokens.issue("budi", "skrip", actor="budi").token
    api = build_app(services).test_client()
    bearer = {"Authorization": f"Bearer {token}"}
    assert _signed_in(client).status_code == 200 and api.get("/api/v1/me", headers=bearer).status_code == 200
    with services.sessions.begin() as session:
        session.execute(update(UserAccount).where(UserAccount.username == "budi").values(active=False))
    assert _signed_in(client).status_code == 302
    assert api.get("/api/v1/me", headers=bearer).status_code == 401


def test_alur_directory_check_prints_what_changed(tmp_path, slapd, alur, groups_file, monkeypatch, capsys):
    identity = IdentitySettings(ldap=service_settings(slapd), groups_file=groups_file)
    services = open_alur(make_settings(tmp_path, str(alur.db.url), identity=identity))
    try:
        _sign_in_everyone(services, "joko", "rina", "budi")
    finally:
        services.close()
    _lock(slapd, "joko")
    with root_connection(slapd) as root:
        root.modify(f"cn=alur-pemeriksa,{GROUPS}", {"member": [(MODIFY_ADD, [f"uid=rina,{PEOPLE}"])]})
    env = {"ALUR_INSTANCE_DIR": str(tmp_path), "ALUR_DATABASE_URL": str(alur.db.url),
           "ALUR_PROCESSES_DIR": str(ROOT / "processes"), "ALUR_FORMS_DIR": str(ROOT / "forms"),
           "ALUR_DIRECTORY_GROUPS_FILE": str(groups_file), "ALUR_LDAP_URL": slapd.ldaps_url,
           "ALUR_LDAP_CA_FILE": str(slapd.pki.ca_file), "ALUR_LDAP_BASE_DN": PEOPLE,
           "ALUR_LDAP_BIND_DN": SERVICE_DN, "ALUR_LDAP_BIND_PASSWORD": SERVICE_PASSWORD,
           "ALUR_LDAP_GROUP_BASE_DN": GROUPS}
    cli = cli_in_process(monkeypatch, capsys, env)
    out = cli("directory", "check")
    assert out.splitlines() == ["joko: deactivated (disabled in the directory)", "rina: roles +pemeriksa_ti",
                                "checked 3 account(s): 1 deactivated, 1 updated, 1 unchanged, 0 skipped"]
    assert cli("directory", "check", "--all").splitlines() == [
        "budi: unchanged", "rina: unchanged", "checked 2 account(s): 0 deactivated, 0 updated, 2 unchanged, 0 skipped"]

    down = cli_in_process(monkeypatch, capsys, {**env, "ALUR_LDAP_URL": f"ldaps://127.0.0.1:{free_port()}",
                                                "ALUR_LDAP_TIMEOUT": "2"})
    assert "error [directory_unavailable]:" in down("directory", "check", expect=2)
    direct = cli_in_process(monkeypatch, capsys, {
        **{k: v for k, v in env.items() if not k.startswith("ALUR_LDAP_BIND")},
        "ALUR_LDAP_USER_DN_TEMPLATE": f"uid={{username}},{PEOPLE}"})
    refused = direct("directory", "check", expect=2)
    assert "error [directory_check_impossible]:" in refused and "direct bind" in refused
