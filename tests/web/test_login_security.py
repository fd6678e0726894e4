"""Sessions, tokens and the account page under the attacks of issue 18 (finding 4) and the account
page defects of issue 17."""
from __future__ import annotations

import re

from web_helpers import login, text_of

COOKIE = "alur_session"
NEW_PASSWORD = "kuda-lari-di-mahakam-7"


def _token(client, scope: str | None = None) -> str:
    page = client.post("/akun/token", data={"name": "integrasi", **({"scope": scope} if scope else {})})
    assert page.status_code == 200, page.text
    return re.search(r'<code class="token" id="new-token">([^<]+)</code>', page.text).group(1)


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_a_cookie_saved_before_logout_no_longer_works_nor_mints_a_token(alur, client):
    login(client, "pengelola_ti")
    saved = client.get_cookie(COOKIE).value
    client.post("/keluar")
    client.set_cookie(COOKIE, saved)  # the replay: same client, same address, same User-Agent
    assert client.get("/akun").status_code == 302
    assert client.post("/akun/token", data={"name": "curian"}).status_code == 302
    assert alur.tokens.list_tokens("pengelola_ti") == []


def test_an_admin_reset_ends_the_users_sessions_and_revokes_their_tokens(app, alur, client):
    login(client, "pengelola_ti")
    token = _token(client)
    admin = app.test_client()
    login(admin, "admin_sistem")
    assert admin.post("/admin/pengguna/pengelola_ti/sandi", data={"password": NEW_PASSWORD}).status_code == 302
    assert client.get("/akun").status_code == 302  # the old session is over
    assert app.test_client().get("/api/v1/me", headers=_bearer(token)).status_code == 401
    assert admin.get("/akun").status_code == 200  # the admin's own session goes on
    refused = admin.post("/admin/pengguna/pengelola_ti/sandi", data={"password": "12345678"})
    assert refused.status_code == 422 and "minimal 12 karakter" in text_of(refused.text)


def test_deactivation_ends_sessions_at_once(app, client):
    login(client, "pengelola_ti")
    admin = app.test_client()
    login(admin, "admin_sistem")
    admin.post("/admin/pengguna/pengelola_ti/status", data={"active": "0"})
    admin.post("/admin/pengguna/pengelola_ti/status", data={"active": "1"})
    assert client.get("/akun").status_code == 302  # reactivating does not bring the session back


def test_changing_ones_password_keeps_this_session_and_ends_the_others(app, alur, client):
    login(client, "pengelola_ti")
    other = app.test_client()
    login(other, "pengelola_ti")
    token = _token(other)
    changed = client.post("/akun/sandi", data={"current_password": "demo-pengelola_ti", "new_password": NEW_PASSWORD,
                                               "new_password_again": NEW_PASSWORD})
    assert changed.status_code == 302
    assert client.get("/akun").status_code == 200
    assert other.get("/akun").status_code == 302
    assert app.test_client().get("/api/v1/me", headers=_bearer(token)).status_code == 401


def test_password_mistakes_reshow_the_account_page_with_the_error_at_the_field(client):
    login(client, "pengelola_ti")
    for form, field, words in (
            ({"current_password": "salah", "new_password": NEW_PASSWORD, "new_password_again": NEW_PASSWORD},
             "current_password", "Kata sandi saat ini salah"),
            ({"current_password": "demo-pengelola_ti", "new_password": NEW_PASSWORD, "new_password_again": "x"},
             "new_password_again", "tidak sama"),
            ({"current_password": "demo-pengelola_ti", "new_password": "12345678", "new_password_again": "12345678"},
             "new_password", "minimal 12 karakter"),
            ({"current_password": "demo-pengelola_ti", "new_password": "password123456",
              "new_password_again": "password123456"}, "new_password", "terlalu umum"),
            ({"current_password": "demo-pengelola_ti", "new_password": " " * 8, "new_password_again": " " * 8},
             "new_password", "hanya spasi")):
        response = client.post("/akun/sandi", data=form)
        assert response.status_code == 422
        html = response.text
        assert "Akun saya" in html and "Token API" in html  # the account page, not an error page
        error = re.search(rf'<p class="field-error" id="{field}-error"[^>]*>(.*?)</p>', html, re.S)
        assert error is not None and words in error.group(1), (field, html)
        assert f'id="{field}" name="{field}" type="password" autocomplete' in html
        assert f'aria-describedby="{field}-error"' in html
        assert field not in text_of(html)  # no raw field key shown to the user


def test_the_token_hint_shows_the_header_in_full(client):
    login(client, "pengelola_ti")
    html = client.get("/akun").text
    assert "Authorization: Bearer &lt;token&gt;" in html  # shown, not read as a tag


def test_a_read_token_reads_but_cannot_post(app, client):
    login(client, "pengguna_jaringan")
    token = _token(client, scope="read")
    api = app.test_client()
    assert api.get("/api/v1/me", headers=_bearer(token)).status_code == 200
    response = api.post("/api/v1/cases", headers=_bearer(token), json={"process_key": "sop_gangguan_jaringan"})
    assert response.status_code == 403 and response.json["error"]["code"] == "token_read_only"
    assert "baca" in response.json["error"]["message"]
    listing = client.get("/akun").text
    assert "baca" in listing and "Berlaku sampai" in listing


def test_an_expired_token_is_refused(app, client, clock):
    login(client, "pengelola_ti")
    token = _token(client)
    api = app.test_client()
    assert api.get("/api/v1/me", headers=_bearer(token)).status_code == 200
    clock.advance(days=91)
    response = api.get("/api/v1/me", headers=_bearer(token))
    assert response.status_code == 401 and response.json["error"]["code"] == "unauthorized"
    assert "Kedaluwarsa" in client.get("/akun").text


def test_an_auditor_is_offered_a_read_token_and_it_works_on_the_audit_api(app, alur, client):
    login(client, "auditor")
    page = client.get("/akun").text
    assert "Buat token" in page and "baca saja" in page.lower() and 'name="scope" value="read"' in page
    assert '<option value="write"' not in page  # no write scope on offer
    token = _token(client, scope="write")  # a forged form field still gives a read token
    assert alur.tokens.list_tokens("auditor")[0].scope == "read"
    api = app.test_client()
    assert api.get("/api/v1/audit/log", headers=_bearer(token)).status_code == 200
    refused = api.post("/api/v1/cases", headers=_bearer(token), json={"process_key": "sop_gangguan_jaringan"})
    assert refused.status_code == 403
    changed = client.post("/akun/sandi", data={"current_password": "demo-auditor", "new_password": NEW_PASSWORD,
                                               "new_password_again": NEW_PASSWORD})
    assert changed.status_code == 302  # an auditor may change its own password
    assert api.get("/api/v1/audit/log", headers=_bearer(token)).status_code == 401


def test_a_hostile_login_name_is_a_refusal_not_a_500(client):
    for username in ("budi%00", "%ED%A0%80", "x" * 5000):  # a NUL, a lone surrogate in UTF-8, a long name
        response = client.post("/masuk", data=f"username={username}&password=apa+saja",
                               content_type="application/x-www-form-urlencoded")
        assert response.status_code in (400, 401, 422), (username[:10], response.status_code)
