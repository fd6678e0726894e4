"""Error pages: styled, Indonesian, never a stack trace."""
from __future__ import annotations

from web_helpers import login, text_of

from engine.accounts.tokens import TokenService


def test_404_page_is_styled_and_indonesian(client):
    login(client, "pengelola_ti")
    response = client.get("/tidak-ada-halaman")
    assert response.status_code == 404
    assert "Tidak ditemukan" in response.text and "Kembali ke kotak masuk" in response.text
    assert "alur.css" in response.text


def test_405_page(client):
    response = client.delete("/masuk")
    assert response.status_code == 405 and "Metode tidak diizinkan" in response.text


def test_500_page_hides_the_exception(app, client):
    def boom():
        raise RuntimeError("rahasia internal: password=hunter2")

    app.add_url_rule("/boom", view_func=boom)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = client.get("/boom")
    assert response.status_code == 500
    assert "Terjadi kesalahan pada server" in response.text
    assert "hunter2" not in response.text and "Traceback" not in response.text


def test_api_500_is_json_without_details(alur, app, client):
    def boom():
        raise RuntimeError("hunter2")

    app.add_url_rule("/api/v1/boom", endpoint="api.boom", view_func=boom)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    token = TokenService(alur.sessions, alur.users).issue("pengelola_ti", "uji", actor="uji").token
    response = client.get("/api/v1/boom", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 500
    assert response.json == {"error": {"code": "internal_error", "message": "Terjadi kesalahan pada server"}}


def test_error_pages_in_english(client):
    login(client, "pengelola_ti")
    client.get("/bahasa/en")
    response = client.get("/kasus/999")
    assert response.status_code == 404 and "Not found" in text_of(response.text)
