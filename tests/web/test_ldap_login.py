"""Signing in with the office's directory: a real OpenLDAP server (Debian's slapd) on loopback, over LDAPS
and StartTLS with a certificate of a test CA; accounts, groups → roles, a group change at the next sign-in,
a disabled person refused, the directory down while the break-glass admin still signs in."""
from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from ldap3 import MODIFY_ADD, MODIFY_DELETE, MODIFY_REPLACE
from sqlalchemy import select

from ldap_server import (root_connection, service_settings, GROUPS, PEOPLE, LdapServer,
                         free_port, group, person, running_slapd)
from tls_testing import make_pki
from web_helpers import build_app, login, make_settings

from engine.accounts.external import ExternalIdentity
from engine.accounts.identity_settings import IdentitySettings, LdapSettings, OidcSettings
from engine.bootstrap import Alur, open_alur
from engine.persistence.models import AuditEvent
from web.demo import demo_password

NIP = "198503122010011003"
PEOPLE_ENTRIES = [
    person("budi", "Budi Santoso", nip=NIP, title="Pranata Komputer Ahli Muda", unit="Bidang TIK",
           mail="budi@diskominfo.kaltimprov.go.id", phone="+62 812 3456 7890", password="sandi-direktori-budi"),
    person("rina", "Rina Wulandari", title="Pranata Komputer Ahli Pertama", password="sandi-direktori-rina"),
    person("joko", "Joko Prasetyo", password="sandi-direktori-joko"),
    person("dewi", "Dewi Lestari", password="sandi-direktori-dewi", extra="employeeType: nonaktif"),
    person("pengelola_ti", "Pengelola Direktori", password="sandi-direktori-pengelola"),
    group("alur-pengelola", ["budi", "rina", "joko", "pengelola_ti"]),
    group("alur-pemeriksa", ["budi"]),
    group("staf-lain", ["rina"]),
]
GROUP_ROLES = """[directory_groups]
"cn=alur-pengelola,ou=groups,dc=kaltimprov,dc=go,dc=id" = ["pengelola_ti"]
"alur-pemeriksa" = ["pemeriksa_ti"]
"""


@pytest.fixture(scope="module")
def slapd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LdapServer]:
    with running_slapd(tmp_path_factory.mktemp("slapd"), PEOPLE_ENTRIES) as server:
        yield server


@pytest.fixture
def directory_alur(alur: Alur, tmp_path: Path, clock: Any) -> Any:
    """Alur over the test's database, signing in through ``slapd`` (or other LDAP settings)."""
    groups_file = tmp_path / "groups.toml"
    groups_file.write_text(GROUP_ROLES, encoding="utf-8")
    opened: list[Alur] = []

    def build(ldap: LdapSettings, **identity: Any) -> Alur:
        settings = IdentitySettings(ldap=ldap, groups_file=groups_file, **identity)
        opened.append(open_alur(make_settings(tmp_path, str(alur.db.url), identity=settings), clock=clock))
        return opened[-1]
    yield build
    for services in opened:
        services.close()


def _events(alur: Alur, event_type: str) -> list[dict[str, Any]]:
    with alur.sessions() as session:
        return [json.loads(e.payload_json) for e in session.scalars(
            select(AuditEvent).where(AuditEvent.event_type == event_type).order_by(AuditEvent.id))]


def _is_signed_in(client: Any) -> bool:
    return "/masuk" not in client.get("/kotak-masuk").headers.get("Location", "")


def _post(client: Any, username: str, password: str) -> Any:
    return client.post("/masuk", data={"username": username, "password": password})


def test_a_directory_person_signs_in_and_gets_an_account_with_their_data_and_the_roles_of_their_groups(
        slapd, directory_alur):
    services = directory_alur(service_settings(slapd))
    client = build_app(services).test_client()
    response = _post(client, "budi", "sandi-direktori-budi")
    assert response.status_code == 302, response.text
    user = services.users.get("budi")
    assert (user.full_name, user.nip, user.jabatan, user.unit_kerja, user.email, user.phone) == (
        "Budi Santoso", NIP, "Pranata Komputer Ahli Muda", "Bidang TIK", "budi@diskominfo.kaltimprov.go.id",
        "+62 812 3456 7890")
    assert user.roles == {"pengelola_ti", "pemeriksa_ti"} and user.auth_source == "ldap"
    assert _events(services, "login")[-1]["source"] == "ldap"
    assert _is_signed_in(client)
    account_page = client.get("/akun").text  # the password is the directory's: no form to change it here
    assert "kata sandi diganti di sana" in account_page and 'name="new_password"' not in account_page
    assert _post(build_app(services).test_client(), "budi", "salah-sekali").status_code == 401
    assert _events(services, "login_failed")[-1]["username"] == "budi"


def test_a_group_change_in_the_directory_is_seen_at_the_next_sign_in(slapd, directory_alur):
    services = directory_alur(service_settings(slapd))
    login(build_app(services).test_client(), "rina", "sandi-direktori-rina")
    assert services.users.get("rina").roles == {"pengelola_ti"}
    with root_connection(slapd) as root:
        root.modify(f"cn=alur-pengelola,{GROUPS}", {"member": [(MODIFY_DELETE, [f"uid=rina,{PEOPLE}"])]})
        root.modify(f"cn=alur-pemeriksa,{GROUPS}", {"member": [(MODIFY_ADD, [f"uid=rina,{PEOPLE}"])]})
        root.modify(f"uid=rina,{PEOPLE}", {"title": [(MODIFY_REPLACE, ["Pranata Komputer Ahli Muda"])]})
    login(build_app(services).test_client(), "rina", "sandi-direktori-rina")
    user = services.users.get("rina")
    assert user.roles == {"pemeriksa_ti"} and user.jabatan == "Pranata Komputer Ahli Muda"
    change = _events(services, "user_roles_changed")[-1]
    assert (change["roles_added"], change["roles_removed"]) == (["pemeriksa_ti"], ["pengelola_ti"])


def test_a_person_locked_in_the_directory_is_refused_and_their_account_deactivated(slapd, directory_alur):
    services = directory_alur(service_settings(slapd))
    signed_in = build_app(services).test_client()
    login(signed_in, "joko", "sandi-direktori-joko")
    with root_connection(slapd) as root:  # the password policy's permanent lock, as an administrator sets it
        assert root.modify(f"uid=joko,{PEOPLE}", {"pwdAccountLockedTime": [(MODIFY_REPLACE, ["000001010000Z"])]}), \
            root.result
    response = _post(build_app(services).test_client(), "joko", "sandi-direktori-joko")
    assert response.status_code == 403 and "dinonaktifkan di direktori" in response.text
    assert not services.users.get("joko").active
    assert not _is_signed_in(signed_in)  # the session that was open has ended
    assert _events(services, "login_refused")[-1]["reason"] == "disabled"


def test_a_configured_disabled_filter_refuses_the_person(slapd, directory_alur):
    services = directory_alur(service_settings(slapd, disabled_filter="(employeeType=nonaktif)"))
    response = _post(build_app(services).test_client(), "dewi", "sandi-direktori-dewi")
    assert response.status_code == 403 and "dinonaktifkan di direktori" in response.text
    assert services.users.find("dewi") is None  # never had an account: none is made


def test_starttls_and_direct_bind(slapd, directory_alur):
    services = directory_alur(service_settings(slapd, url=slapd.ldap_url, start_tls=True, bind_dn=None,
                                               bind_password=None, user_dn_template=f"uid={{username}},{PEOPLE}"))
    assert _post(build_app(services).test_client(), "budi", "sandi-direktori-budi").status_code == 302
    assert services.users.get("budi").roles == {"pengelola_ti", "pemeriksa_ti"}
    assert _post(build_app(services).test_client(), "budi", "salah").status_code == 401


def test_the_directory_down_says_so_and_the_break_glass_admin_still_signs_in(tmp_path, slapd, directory_alur,
                                                                             caplog):
    down = f"ldaps://127.0.0.1:{free_port()}"
    services = directory_alur(service_settings(slapd, url=down, timeout=2),
                              local_passwords=False, break_glass=frozenset({"admin_sistem"}))
    response = _post(build_app(services).test_client(), "budi", "sandi-direktori-budi")
    assert response.status_code == 503 and "tidak dapat dihubungi" in response.text
    assert any(r.levelname == "WARNING" and down in r.getMessage() for r in caplog.records), caplog.text
    assert _events(services, "login_refused")[-1]["reason"] == "directory_unavailable"
    assert _post(build_app(services).test_client(), "admin_sistem", demo_password("admin_sistem")).status_code == 302
    # a local account that is not a break-glass one
    refused = _post(build_app(services).test_client(), "kepala_dinas", demo_password("kepala_dinas"))
    assert refused.status_code == 403 and "kata sandi lokal dimatikan" in refused.text


def test_a_certificate_the_configured_ca_did_not_sign_is_refused(tmp_path, slapd, directory_alur, caplog):
    other = make_pki(tmp_path / "other-ca", "Another CA")
    services = directory_alur(service_settings(slapd, ca_file=other.ca_file))
    response = _post(build_app(services).test_client(), "budi", "sandi-direktori-budi")
    assert response.status_code == 503 and services.users.find("budi") is None
    # the person reads "cannot be reached"; the operator's log says why
    assert f"{slapd.ldaps_url}" in caplog.text and "certificate verify failed" in caplog.text


def test_a_certificate_of_the_right_ca_made_out_to_another_host_is_refused(tmp_path, directory_alur):
    # The CA is trusted, but the certificate names ldap.kaltimprov.go.id, not 127.0.0.1: someone else's server.
    # The refused TLS socket must be closed too (the suite turns an unclosed socket's ResourceWarning into an error).
    with running_slapd(tmp_path / "slapd", PEOPLE_ENTRIES, hosts=("ldap.kaltimprov.go.id",)) as elsewhere:
        starttls = service_settings(elsewhere, url=elsewhere.ldap_url, start_tls=True)
        for settings in (service_settings(elsewhere), starttls):
            services = directory_alur(settings)
            response = _post(build_app(services).test_client(), "budi", "sandi-direktori-budi")
            assert response.status_code == 503 and "tidak dapat dihubungi" in response.text
            assert services.users.find("budi") is None
            assert _events(services, "login_refused")[-1]["reason"] == "directory_unavailable"


def test_a_local_account_is_not_taken_over_by_the_directory_person_of_the_same_name(slapd, directory_alur):
    services = directory_alur(service_settings(slapd))
    assert services.users.get("pengelola_ti").auth_source == "local"  # a demo account of that name
    response = _post(build_app(services).test_client(), "pengelola_ti", "sandi-direktori-pengelola")
    assert response.status_code == 401  # the local account's password decides, the directory is not asked
    assert _post(build_app(services).test_client(), "pengelola_ti", demo_password("pengelola_ti")).status_code == 302
    admin = build_app(services).test_client()
    login(admin, "admin_sistem")
    assert "Tautkan ke direktori (LDAP)" in admin.get("/admin/pengguna/pengelola_ti").text
    assert admin.post("/admin/pengguna/pengelola_ti/tautkan", data={"source": "ldap"}).status_code == 302
    assert admin.post("/admin/pengguna/admin_sistem/tautkan", data={"source": "ldap"}).status_code == 422
    assert _events(services, "account_linked")[-1] == {"username": "pengelola_ti", "source": "ldap",
                                                       "previous_source": "local"}
    assert _post(build_app(services).test_client(), "pengelola_ti", "sandi-direktori-pengelola").status_code == 302
    assert services.users.get("pengelola_ti").auth_source == "ldap"


def test_a_name_with_filter_or_dn_characters_finds_nobody(slapd, directory_alur):
    """The typed name is escaped before it goes into the search filter or the bind DN: no wildcard sign-in."""
    for settings in (service_settings(slapd), service_settings(slapd, bind_dn=None, bind_password=None,
                                                 user_dn_template=f"uid={{username}},{PEOPLE}")):
        services = directory_alur(settings)
        for typed in ("*", "bud*", "budi)(uid=*", "budi,ou=people", "x\\2a"):
            assert _post(build_app(services).test_client(), typed, "sandi-direktori-budi").status_code == 401, typed
        assert services.users.find("budi") is None


def test_the_directory_and_sso_together(slapd, directory_alur):
    sso = OidcSettings(issuer=f"https://127.0.0.1:{free_port()}", client_id="alur")  # not asked until used
    services = directory_alur(service_settings(slapd), oidc=sso)
    client = build_app(services).test_client()
    page = client.get("/masuk").text
    assert "Masuk dengan SSO" in page and 'name="password"' in page
    assert _post(client, "budi", "sandi-direktori-budi").status_code == 302
    assert services.users.get("budi").auth_source == "ldap"
    assert _post(build_app(services).test_client(), "admin_sistem", demo_password("admin_sistem")).status_code == 302
    # a person who signs in through SSO and types a password here is told the way
    services.external_accounts.sign_in(ExternalIdentity(source="oidc", subject="sso-sari", username="sari",
                                                        full_name="Sari Rahmawati"), None)
    refused = _post(build_app(services).test_client(), "sari", "sandi-apa-saja-1")
    assert refused.status_code == 403 and "pakai tombol" in refused.text
