"""What every request's hooks give (headers, limits) and the work they skip where it is not needed."""
from __future__ import annotations

import time
from typing import Any

from flask import request
from flask_limiter import Limiter
from flask_login import LoginManager
from web_helpers import login

from engine.accounts.tokens import TokenService
from web import main_nav


def _bearer(alur: Any, username: str = "pengelola_ti") -> dict[str, str]:
    secret = TokenService(alur.sessions, alur.users).issue(username, "uji", actor=username).token
    return {"Authorization": f"Bearer {secret}"}


def test_rate_limit_headers_on_the_api_and_the_login_only(alur, client):
    answer = client.get("/api/v1/me", headers=_bearer(alur))
    assert answer.status_code == 200
    assert (answer.headers["X-RateLimit-Limit"], answer.headers["X-RateLimit-Remaining"]) == ("30", "30")
    assert int(answer.headers["X-RateLimit-Reset"]) > 0 and 0 <= int(answer.headers["Retry-After"]) <= 60
    refused = client.post("/masuk", data={"username": "pengelola_ti", "password": "salah-sandi-123"})
    assert refused.status_code == 401 and refused.headers["X-RateLimit-Limit"] == "30"
    login(client, "pengelola_ti")
    page = client.get("/kotak-masuk")
    assert page.status_code == 200
    assert not [name for name in page.headers.keys() if name.startswith("X-RateLimit") or name == "Retry-After"]


def test_the_limiter_checks_only_requests_a_limit_applies_to(app_factory, alur, monkeypatch):
    calls: list[tuple[str, str | None]] = []

    def counting(name: str) -> Any:
        original = getattr(Limiter, name)

        def hook(self: Limiter, *args: Any, **kwargs: Any) -> Any:
            calls.append((name, request.endpoint))
            return original(self, *args, **kwargs)
        return hook

    for name in ("_check_request_limit", "_Limiter__release_context"):
        monkeypatch.setattr(Limiter, name, counting(name))
    client = app_factory().test_client()
    login(client, "pengelola_ti")
    client.get("/kotak-masuk")
    client.get("/api/v1/me", headers=_bearer(alur))
    # The login view's limits are checked by its decorators; the API's by web.api_limit, the pages' not at all.
    assert calls == [("_check_request_limit", "auth.login"), ("_check_request_limit", "auth.login"),
                     ("_Limiter__release_context", "auth.login")]


def test_a_limit_for_the_whole_app_is_checked_on_every_page(app_factory):
    client = app_factory(RATELIMIT_DEFAULT="1000 per hour").test_client()
    login(client, "pengelola_ti")
    page = client.get("/kotak-masuk")
    assert page.status_code == 200 and page.headers["X-RateLimit-Limit"] == "1000"


def _answers(client: Any, good: dict[str, str]) -> list[tuple[int, list[tuple[str, str]]]]:
    """A client's good request, 31 refused tokens on another route, then the good token on both routes
    (the count is per address and route): statuses and headers."""
    bad = {"Authorization": "Bearer alur_tebakan"}
    answers = [client.get("/api/v1/me", headers=good)]
    answers += [client.post("/api/v1/cases", headers=bad, json={}) for _ in range(31)]
    answers += [client.get("/api/v1/me", headers=good), client.post("/api/v1/cases", headers=good, json={})]
    return [(a.status_code, [(k, v) for k, v in a.headers.items() if k != "X-Request-Id"]) for a in answers]


def test_the_api_limit_answers_as_flask_limiters_own_hooks(alur, app_factory, monkeypatch):
    monkeypatch.setattr(time, "time", lambda: 1_800_000_012.25)  # one window for both apps
    good = _bearer(alur)
    direct = _answers(app_factory().test_client(), good)
    # Any other Flask-Limiter setting (an empty key prefix changes nothing) leaves the API to its hooks.
    flask_limiters = _answers(app_factory(RATELIMIT_KEY_PREFIX="").test_client(), good)
    assert [status for status, _ in direct] == [200] + [401] * 30 + [429, 200, 429]
    assert direct == flask_limiters
    assert dict(direct[-1][1])["X-RateLimit-Remaining"] == "0" and dict(direct[-1][1])["Retry-After"] == "60"


def _menu(html: str) -> str:
    return html[html.index('<nav class="mainnav"'):html.index("</nav>") + 6]


def test_the_main_menu_is_rendered_once_per_language_page_and_rights(alur, app, client):
    kept = app.extensions[main_nav.EXTENSION]
    alur.users.add_user("pengelola_dua", "Pengelola Kedua", "sandi-rahasia-123", alur.users.get("pengelola_ti").roles)
    pages = {}
    for username, password in (("pengelola_ti", None), ("pengelola_dua", "sandi-rahasia-123"), ("admin_sistem", None)):
        login(client, username, password)
        for lang in ("id", "en"):
            for url in (f"/kotak-masuk?lang={lang}", "/kotak-masuk", "/kasus", "/admin/pengguna"):
                pages[username, lang, url] = client.get(url).text
        client.post("/keluar")
    # Two sets of rights (the officers with the same roles share their menus) x three pages (the users'
    # page is a 403 page for the officers) x two languages.
    assert len(kept) == 2 * 3 * 2
    assert _menu(pages["pengelola_ti", "en", "/kasus"]) == _menu(pages["pengelola_dua", "en", "/kasus"])
    assert 'href="/kasus" aria-current="page">Cases</a>' in _menu(pages["pengelola_ti", "en", "/kasus"])
    assert "Pengelola Kedua" in pages["pengelola_dua", "id", "/kotak-masuk"]  # the name is the reader's own
    assert "Pengelola Kedua" not in pages["pengelola_ti", "id", "/kotak-masuk"]
    # A menu kept is the menu rendered afresh.
    for (username, lang, url), html in pages.items():
        kept.clear()
        login(client, username, "sandi-rahasia-123" if username == "pengelola_dua" else None)
        client.get(f"/kotak-masuk?lang={lang}")
        assert _menu(client.get(url).text) == _menu(html), (username, lang, url)
        client.post("/keluar")


def _user_loads(monkeypatch: Any) -> list[str]:
    """The endpoints of the requests Flask-Login loads a user for, from now on."""
    asked: list[str] = []
    original = LoginManager._load_user

    def load(self: LoginManager) -> Any:
        asked.append(request.endpoint or "")
        return original(self)

    monkeypatch.setattr(LoginManager, "_load_user", load)
    return asked


def test_an_api_call_without_cookies_does_not_ask_flask_login_for_a_user(alur, app, monkeypatch):
    asked = _user_loads(monkeypatch)
    api = app.test_client()
    answer = api.post("/api/v1/cases", headers=_bearer(alur, "pengguna_jaringan"),
                      json={"process_key": "sop_gangguan_jaringan"})
    assert answer.status_code < 300 and asked == []
    assert api.post("/api/v1/cases", headers=_bearer(alur, "auditor"), json={}).status_code == 403
    browser = app.test_client()
    login(browser, "auditor")  # a session's own roles still count, token or not
    assert browser.post("/api/v1/cases", headers=_bearer(alur), json={}).status_code == 403
    assert "api.start_case" in asked


def test_security_headers_on_every_answer_unless_the_view_set_its_own(alur, client):
    login(client, "pengelola_ti")
    expected = {"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY", "Referrer-Policy": "same-origin"}
    answers = (client.get("/kotak-masuk"), client.get("/tidak-ada"), client.get("/api/v1/me", headers=_bearer(alur)))
    for answer in answers:
        assert {name: answer.headers[name] for name in expected} == expected
        # no-store on every route's answer (a URL matching none has no route)
        assert answer.headers.get("Cache-Control") == (None if answer.status_code == 404 else "no-store")
        assert answer.headers["Content-Security-Policy"].endswith("form-action 'self'; frame-ancestors 'none'")
        assert [name for name, _ in answer.headers].count("Content-Security-Policy") == 1
    with client.get("/static/css/alur.css") as style:
        assert "no-store" not in style.headers.get("Cache-Control", "") and style.headers["X-Frame-Options"] == "DENY"


def test_a_static_file_reads_no_user_and_its_log_line_names_none(client, monkeypatch, request_lines):
    """The request log names the user a view loaded; for a static file it asks for none (a database
    read per icon and style sheet); a page's line still names its user."""
    asked = _user_loads(monkeypatch)
    login(client, "pengelola_ti")
    asked.clear()
    request_lines.clear()
    client.get("/static/favicon.svg").close()
    client.get("/kotak-masuk")
    assert asked == ["inbox.index"]
    assert [(line["route"], line["user"]) for line in request_lines] == [
        ("/static/<path:filename>", None), ("/kotak-masuk", "pengelola_ti")]
