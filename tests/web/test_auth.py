"""Login, logout, sessions, CSRF, the language switch."""
from __future__ import annotations

import re

from web_helpers import login, text_of

from engine.audit.chain import SYSTEM_CHAIN
from engine.persistence.models import AuditEvent


def _events(alur, event_type):
    with alur.sessions() as session:
        return [e for e in session.query(AuditEvent).filter_by(chain=SYSTEM_CHAIN, event_type=event_type)]


def test_pages_need_login(client):
    for path in ("/kotak-masuk", "/kasus", "/kasus/baru", "/proses", "/akun", "/admin/pengguna", "/kasus/1",
                 "/notifikasi", "/tugas/x", "/proses/sop_gangguan_jaringan", "/proses/definisi/1.bpmn"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.location.startswith("/masuk?next="), path
    assert client.get("/").location == "/kotak-masuk"


def test_login_page_and_successful_login_audited(alur, client):
    page = client.get("/masuk")
    assert page.status_code == 200 and "Masuk ke Alur" in page.text and 'lang="id"' in page.text
    response = client.post("/masuk?next=/kasus", data={"username": "kasubag_tu", "password": "demo-kasubag_tu"})
    assert response.status_code == 302 and response.location == "/kasus"
    assert client.get("/kotak-masuk").status_code == 200
    assert [e.actor for e in _events(alur, "login")] == ["kasubag_tu"]


def test_failed_login_is_401_and_audited(alur, client):
    response = client.post("/masuk", data={"username": "kasubag_tu", "password": "salah-sandi"})
    assert response.status_code == 401
    assert "Nama pengguna atau kata sandi salah" in response.text
    assert 'value="kasubag_tu"' in response.text  # kept
    failed = _events(alur, "login_failed")
    assert len(failed) == 1 and '"username":"kasubag_tu"' in failed[0].payload_json
    assert client.get("/kotak-masuk").status_code == 302


def test_login_never_redirects_off_site(client):
    response = client.post("/masuk?next=https://evil.example/x",
                           data={"username": "kasubag_tu", "password": "demo-kasubag_tu"})
    assert response.location == "/kotak-masuk"


def test_logout(alur, client):
    login(client, "kasubag_tu")
    response = client.post("/keluar")
    assert response.status_code == 302 and response.location == "/masuk"
    assert client.get("/kotak-masuk").status_code == 302
    assert [e.actor for e in _events(alur, "logout")] == ["kasubag_tu"]


def test_deactivated_account_is_logged_out_and_cannot_log_in(alur, client):
    login(client, "kasubag_tu")
    alur.users.set_active("kasubag_tu", False)
    assert client.get("/kotak-masuk").status_code == 302
    response = client.post("/masuk", data={"username": "kasubag_tu", "password": "demo-kasubag_tu"})
    assert response.status_code == 401


def test_session_cookie_is_hardened(client):
    response = client.post("/masuk", data={"username": "kasubag_tu", "password": "demo-kasubag_tu"})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "alur_session=" in cookie
    page = client.get("/kotak-masuk")
    assert "default-src 'self'" in page.headers["Content-Security-Policy"]
    assert page.headers["X-Frame-Options"] == "DENY" and page.headers["Cache-Control"] == "no-store"


def test_secure_cookie_when_configured(app_factory):
    client = app_factory(SESSION_COOKIE_SECURE=True).test_client()
    response = client.post("/masuk", data={"username": "kasubag_tu", "password": "demo-kasubag_tu"})
    assert "Secure" in response.headers["Set-Cookie"]


def test_csrf_refuses_forms_without_token(app_factory):
    client = app_factory(WTF_CSRF_ENABLED=True).test_client()
    response = client.post("/masuk", data={"username": "kasubag_tu", "password": "demo-kasubag_tu"})
    assert response.status_code == 400 and "CSRF" in response.text
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/masuk").text).group(1)
    response = client.post("/masuk", data={"username": "kasubag_tu", "password": "demo-kasubag_tu",
                                           "csrf_token": token})
    assert response.status_code == 302
    assert client.post("/keluar").status_code == 400  # logged-in forms need it too
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/kotak-masuk").text).group(1)
    assert client.post("/keluar", data={"csrf_token": token}).status_code == 302


def test_language_switch_to_english_and_back(client):
    login(client, "kasubag_tu")
    assert "Kotak masuk" in client.get("/kotak-masuk").text
    english = client.get("/kotak-masuk?lang=en")
    assert 'lang="en"' in english.text and "Inbox" in english.text and "My tasks" in english.text
    assert "Inbox" in client.get("/kotak-masuk").text  # remembered in the session
    response = client.get("/bahasa/id?next=/kasus")
    assert response.location == "/kasus"
    assert "Kotak masuk" in text_of(client.get("/kotak-masuk").text)
