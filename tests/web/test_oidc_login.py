"""Single sign-on through a real OpenID provider (node oidc-provider over HTTPS on loopback): the login
page's "Masuk dengan SSO" button, the authorization code flow with PKCE, the account made from the claims
(name, NIP, jabatan, unit, roles from groups), logout at the provider; a forged answer refused."""
from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import requests

from sqlalchemy import select

from ldap_server import free_port
from oidc_server import CLIENT_ID, CLIENT_SECRET, running_provider
from web_helpers import BROWSER_MARKS, chromium, make_settings, served, watched_tab

from engine.accounts.identity_settings import IdentitySettings, OidcSettings
from engine.bootstrap import Alur, open_alur
from engine.persistence.models import AuditEvent
from web import create_app

NIP = "199001152015032002"
ANDI_NIP = "198807072012121001"
ACCOUNTS = {"sari": {"preferred_username": "sari", "name": "Sari Rahmawati", "email": "sari@kaltimprov.go.id",
                     "nip": NIP, "jabatan": "Pranata Komputer Ahli Pertama", "unit_kerja": "Bidang TIK",
                     "groups": ["alur-pengelola", "pegawai"]},
            # a portal that names its claims otherwise (Alur's mapping is configured to read them)
            "andi": {"preferred_username": "andi", "name": "Andi Saputra", "employee_id": ANDI_NIP,
                     "title": "Pranata Komputer Ahli Muda", "department": "Bidang Persandian",
                     "roles": ["alur-pemeriksa"], "nip": "999", "groups": ["alur-pengelola"]}}
GROUP_ROLES = '[directory_groups]\n"alur-pengelola" = ["pengelola_ti"]\n"alur-pemeriksa" = ["pemeriksa_ti"]\n'


@contextmanager
def sso_alur(alur: Alur, tmp_path: Path, clock: Any, **mapping: str) -> Iterator[tuple[Alur, str, Any]]:
    """Alur served on loopback and signing in through a running provider: (services, base URL, provider);
    ``mapping``: claim names other than the defaults (``nip_claim="employee_id"`` …)."""
    groups_file = tmp_path / "groups.toml"
    groups_file.write_text(GROUP_ROLES, encoding="utf-8")
    port, folder = free_port(), tmp_path / "provider"
    oidc = OidcSettings(issuer=f"https://127.0.0.1:{port}", client_id=CLIENT_ID, client_secret=CLIENT_SECRET,
                        scopes="openid profile email", ca_file=folder / "pki" / "ca.pem", **mapping)
    services = open_alur(make_settings(tmp_path, str(alur.db.url),
                                       identity=IdentitySettings(oidc=oidc, groups_file=groups_file)), clock=clock)
    app = create_app({"TESTING": True, "SECRET_KEY": "test-secret", "ALUR": services})
    try:
        with served(app) as base, running_provider(folder, f"{base}/masuk/sso/kembali", f"{base}/masuk", ACCOUNTS,
                                                   port=port) as provider:
            yield services, base, provider
    finally:
        services.close()


def _events(alur: Alur, event_type: str) -> list[dict[str, Any]]:
    with alur.sessions() as session:
        return [json.loads(e.payload_json) for e in session.scalars(
            select(AuditEvent).where(AuditEvent.event_type == event_type).order_by(AuditEvent.id))]


@BROWSER_MARKS[0]
@BROWSER_MARKS[1]
def test_a_person_signs_in_through_the_portal_and_out_again(alur, tmp_path, clock):
    with sso_alur(alur, tmp_path, clock) as (services, base, provider), chromium() as browser:
        tab = watched_tab(browser, ignore_https_errors=True)  # the provider's certificate is the test CA's
        tab.goto(f"{base}/masuk")
        tab.get_by_role("link", name="Masuk dengan SSO").click()
        tab.wait_for_url(f"{provider.issuer}/**")
        tab.fill("input[name=login]", "sari")
        tab.fill("input[name=password]", "sandi-portal")
        tab.click("button[type=submit]")
        tab.get_by_role("button", name="Continue").click()  # the provider's consent
        tab.wait_for_url(f"{base}/kotak-masuk**")
        assert tab.locator(".whoami").inner_text() == "Sari Rahmawati"
        user = services.users.get("sari")
        assert (user.nip, user.jabatan, user.unit_kerja, user.email, user.auth_source) == (
            NIP, "Pranata Komputer Ahli Pertama", "Bidang TIK", "sari@kaltimprov.go.id", "oidc")
        assert user.roles == {"pengelola_ti"}
        assert _events(services, "login")[-1]["source"] == "oidc"
        tab.get_by_role("button", name="Keluar").click()
        tab.get_by_role("button", name="Yes, sign me out").click()  # the provider ends its session too
        tab.wait_for_url(f"{base}/masuk**")
        assert tab.get_by_text("Masuk ke Alur").is_visible()
        assert _events(services, "logout")[-1]["remote_addr"] == "127.0.0.1"
        tab.goto(f"{base}/kotak-masuk")
        tab.wait_for_url(f"{base}/masuk**")  # signed out here


def test_an_answer_that_does_not_match_the_sign_in_in_progress_is_refused(alur, tmp_path, clock):
    with sso_alur(alur, tmp_path, clock) as (services, base, provider):
        client = create_app({"TESTING": True, "SECRET_KEY": "test-secret", "ALUR": services}).test_client()
        started = client.get("/masuk/sso")
        assert started.status_code == 302 and started.headers["Location"].startswith(f"{provider.issuer}/auth?")
        location = started.headers["Location"]
        assert "code_challenge_method=S256" in location and "nonce=" in location
        forged = client.get("/masuk/sso/kembali?code=curian&state=bukan-ini")
        assert forged.status_code == 403 and "tidak cocok" in forged.text
        again = client.get("/masuk/sso/kembali?code=curian&state=bukan-ini")  # nothing in progress any more
        assert again.status_code == 403
        assert [e["reason"] for e in _events(services, "login_refused")] == ["sso_failed", "sso_failed"]
        denied = client.get("/masuk/sso")
        state = denied.headers["Location"].split("state=")[1].split("&")[0]
        answer = client.get(f"/masuk/sso/kembali?error=access_denied&error_description=ditolak&state={state}")
        assert answer.status_code == 403 and "ditolak" in answer.text


def test_the_login_page_offers_sso_only_when_it_is_configured(alur, tmp_path, clock):
    with sso_alur(alur, tmp_path, clock) as (services, base, provider):
        page = create_app({"TESTING": True, "SECRET_KEY": "t", "ALUR": services}).test_client().get("/masuk")
        assert "Masuk dengan SSO" in page.text and 'name="password"' in page.text
    plain = create_app({"TESTING": True, "SECRET_KEY": "t", "ALUR": alur}).test_client()
    assert "Masuk dengan SSO" not in plain.get("/masuk").text
    assert plain.get("/masuk/sso").status_code == 404  # not "the portal cannot be reached": there is none


def test_the_portal_down_says_so(alur, tmp_path, clock, caplog):
    oidc = OidcSettings(issuer=f"https://127.0.0.1:{free_port()}", client_id=CLIENT_ID, timeout=2)
    services = open_alur(make_settings(tmp_path, str(alur.db.url), identity=IdentitySettings(oidc=oidc)), clock=clock)
    try:
        response = create_app({"TESTING": True, "SECRET_KEY": "t", "ALUR": services}).test_client().get("/masuk/sso")
        assert response.status_code == 503 and "tidak dapat dihubungi" in response.text
        # the operator's log names the portal and why
        assert any(r.levelname == "WARNING" and oidc.issuer in r.getMessage() for r in caplog.records), caplog.text
    finally:
        services.close()


def _through_portal(http: requests.Session, base: str, login: str) -> requests.Response:
    """Sign in without a browser: Alur's SSO button, the provider's login and consent forms, back to Alur."""
    page = http.get(f"{base}/masuk/sso")
    for _ in range(4):
        if page.url.startswith(base):
            return page
        action = re.search(r'<form[^>]*action="([^"]+)"', page.text)
        assert action, page.text
        fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page.text))
        page = http.post(urljoin(page.url, html.unescape(action[1])),
                         data={**fields, "login": login, "password": "sandi-portal"})
    raise AssertionError(f"still at the portal: {page.url}")


def test_the_claims_mapping_reads_the_portal_s_own_claim_names(alur, tmp_path, clock):
    mapping = {"nip_claim": "employee_id", "jabatan_claim": "title", "unit_claim": "department",
               "groups_claim": "roles"}
    with sso_alur(alur, tmp_path, clock, **mapping) as (services, base, provider), requests.Session() as http:
        http.trust_env, http.verify = False, str(provider.pki.ca_file)  # REQUESTS_CA_BUNDLE would win otherwise
        landed = _through_portal(http, base, "andi")
        assert landed.url.startswith(f"{base}/kotak-masuk") and "Andi Saputra" in landed.text
        user = services.users.get("andi")
        assert (user.nip, user.jabatan, user.unit_kerja, user.auth_source) == (
            ANDI_NIP, "Pranata Komputer Ahli Muda", "Bidang Persandian", "oidc")
        assert user.roles == {"pemeriksa_ti"}  # from "roles", not from the "groups" claim


def test_a_discovery_document_of_another_issuer_is_not_believed(alur, tmp_path, clock, caplog):
    with sso_alur(alur, tmp_path, clock) as (_, base, provider):
        # the same server reached as localhost: its discovery document names https://127.0.0.1:port as issuer,
        # so tokens it signs would not be for the issuer configured here
        elsewhere = provider.issuer.replace("127.0.0.1", "localhost")
        oidc = OidcSettings(issuer=elsewhere, client_id=CLIENT_ID, ca_file=provider.pki.ca_file)
        other = open_alur(make_settings(tmp_path / "lain", str(alur.db.url), identity=IdentitySettings(oidc=oidc)),
                          clock=clock)
        try:
            client = create_app({"TESTING": True, "SECRET_KEY": "t", "ALUR": other}).test_client()
            response = client.get("/masuk/sso")
            assert response.status_code == 503 and "tidak dapat dihubungi" in response.text
        finally:
            other.close()
    assert f"issuer '{provider.issuer}', bukan '{elsewhere}'" in caplog.text
