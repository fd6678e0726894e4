"""User administration (Admin Sistem only) and my account page (password, API tokens)."""
from __future__ import annotations

import re
from dataclasses import replace

from web_helpers import login, text_of

from engine.bootstrap import open_alur
from web import create_app


def test_admin_pages_are_403_for_other_roles(client):
    login(client, "pengelola_ti")
    for path in ("/admin/pengguna", "/admin/pengguna/pengelola_ti"):
        response = client.get(path)
        assert response.status_code == 403 and "hanya untuk Admin Sistem" in response.text
    assert client.post("/admin/pengguna", data={"username": "x"}).status_code == 403


def test_admin_lists_and_adds_users(alur, client):
    login(client, "admin_sistem")
    listing = text_of(client.get("/admin/pengguna").text)
    assert "pengguna_jaringan" in listing and "Pengguna Jaringan" in listing
    response = client.post("/admin/pengguna", data={"username": "budi", "full_name": "Budi Santoso",
                                                    "password": "rahasia-budi", "roles": ["pengelola_ti"]})
    assert response.status_code == 302 and response.location == "/admin/pengguna/budi"
    assert alur.users.get("budi").roles == {"pengelola_ti"}
    assert "Budi Santoso" in client.get("/admin/pengguna/budi").text


def test_admin_add_user_refusals_keep_the_form(alur, client):
    login(client, "admin_sistem")
    short = client.post("/admin/pengguna", data={"username": "budi", "full_name": "Budi", "password": "pendek"})
    assert short.status_code == 422 and "minimal 12 karakter" in short.text and 'value="Budi"' in short.text
    duplicate = client.post("/admin/pengguna", data={"username": "kasubag_tu", "full_name": "X",
                                                     "password": "rahasia-uji-123"})
    assert duplicate.status_code == 409 and "sudah ada" in duplicate.text
    unknown = client.post("/admin/pengguna", data={"username": "c", "full_name": "C", "password": "rahasia-uji-123",
                                                   "roles": ["raja"]})
    assert unknown.status_code == 422 and "Peran tidak dikenal: raja" in unknown.text


def test_admin_sets_roles_deactivates_and_resets_password(alur, client):
    login(client, "admin_sistem")
    client.post("/admin/pengguna/pengelola_ti/peran", data={"roles": ["pengelola_ti", "pemeriksa_ti"]})
    assert alur.users.get("pengelola_ti").roles == {"pengelola_ti", "pemeriksa_ti"}
    client.post("/admin/pengguna/pengelola_ti/status", data={"active": "0"})
    assert not alur.users.get("pengelola_ti").active
    assert "Aktifkan akun" in client.get("/admin/pengguna/pengelola_ti").text
    client.post("/admin/pengguna/pengelola_ti/status", data={"active": "1"})
    client.post("/admin/pengguna/pengelola_ti/sandi", data={"password": "sandi-baru-123"})
    assert alur.users.authenticate("pengelola_ti", "sandi-baru-123") is not None
    assert client.post("/admin/pengguna/admin_sistem/status", data={"active": "0"}).status_code == 422
    assert client.get("/admin/pengguna/tidak_ada").status_code == 404


def test_change_own_password(alur, client):
    login(client, "pengelola_ti")
    assert "Ganti kata sandi" in client.get("/akun").text
    wrong = client.post("/akun/sandi", data={"current_password": "x", "new_password": "sandi-baru-12345",
                                              "new_password_again": "sandi-baru-12345"})
    assert wrong.status_code == 422 and "Kata sandi saat ini salah" in wrong.text
    differ = client.post("/akun/sandi", data={"current_password": "demo-pengelola_ti",
                                               "new_password": "sandi-baru-12345",
                                               "new_password_again": "baru-54321"})
    assert differ.status_code == 422
    ok = client.post("/akun/sandi", data={"current_password": "demo-pengelola_ti", "new_password": "sandi-baru-12345",
                                           "new_password_again": "sandi-baru-12345"})
    assert ok.status_code == 302 and alur.users.authenticate("pengelola_ti", "sandi-baru-12345")


def test_api_token_is_shown_once_and_can_be_revoked(client):
    login(client, "pengelola_ti")
    page = client.post("/akun/token", data={"name": "integrasi"})
    token = re.search(r'<code class="token" id="new-token">([^<]+)</code>', page.text).group(1)
    assert token.startswith("alur_")
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).json["username"] == "pengelola_ti"
    listing = client.get("/akun").text
    assert token not in listing and "integrasi" in listing
    token_id = re.search(r'/akun/token/(\d+)/cabut', listing).group(1)
    assert client.post(f"/akun/token/{token_id}/cabut").status_code == 302
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert client.post("/akun/token", data={"name": ""}).status_code == 422
    assert client.post("/akun/token/999/cabut").status_code == 404


def test_retention_plan_page_shows_each_sop_and_refuses_a_bad_day(client):
    login(client, "pengelola_ti")
    assert client.get("/admin/retensi").status_code == 403
    login(client, "admin_sistem")
    page = client.get("/admin/retensi?per=2026-12-31")
    assert page.status_code == 200
    words = text_of(page.text)
    assert "0 kasus akan dihapus" in words and "Pengelolaan Gangguan Database" in words
    assert "Masa retensi belum ditetapkan: kasus SOP ini tidak pernah dihapus" in words  # none set as shipped
    bad = client.get("/admin/retensi?per=31-12-2026")
    assert bad.status_code == 400 and "Tanggal harus berupa YYYY-MM-DD." in bad.text


def test_retention_plan_page_in_english_names_the_sop_and_period_in_english(alur, tmp_path):
    schedule = tmp_path / "retention.toml"
    schedule.write_text('[sop.sop_gangguan_jaringan]\nyears = 2\nmonths = 1\n'
                        'basis = "Pergub Kaltim (JRA) lampiran II"\n')
    scheduled = open_alur(replace(alur.settings, retention_file=schedule), clock=alur.clock, db=alur.db)
    client = create_app({"TESTING": True, "SECRET_KEY": "test-secret", "WTF_CSRF_ENABLED": False,
                         "ALUR": scheduled}).test_client()
    login(client, "admin_sistem")
    client.get("/bahasa/en")
    words = text_of(client.get("/admin/retensi?per=2026-12-31").text)
    assert ("Retention period 2 years 1 month from the end of the case; basis: Pergub Kaltim (JRA) lampiran II"
            in words), words
    assert "Network Incident Handling" in words and "Penanganan Gangguan Jaringan" not in words
