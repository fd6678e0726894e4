"""Session cookies (web/sessions.py): the serializer made once per secret key, a verified cookie read once,
yet every request's cookie as strictly checked as Flask checks it."""
from __future__ import annotations

import time
from typing import Any

from flask import Flask, request
from web_helpers import login

from web import sessions


def _counting_loads(app: Flask, monkeypatch: Any) -> list[str]:
    calls: list[str] = []
    serializer = app.session_interface.get_signing_serializer(app)
    loads = serializer.loads

    def counted(cookie: str, *args: Any, **kwargs: Any) -> Any:
        calls.append(cookie)
        return loads(cookie, *args, **kwargs)

    monkeypatch.setattr(serializer, "loads", counted)
    return calls


def test_the_serializer_is_made_once_per_secret_key(app, client):
    """A new secret key makes a new one, so a cookie signed with the old key signs nobody in, and one
    with a key among the fallbacks still does."""
    interface = app.session_interface
    login(client, "pengelola_ti")
    assert client.get("/kotak-masuk").status_code == 200
    kept = interface.get_signing_serializer(app)
    assert client.get("/kotak-masuk").status_code == 200 and interface.get_signing_serializer(app) is kept
    old_key = app.secret_key
    app.secret_key = "another-secret"
    assert client.get("/kotak-masuk").status_code == 302  # to the login page
    assert interface.get_signing_serializer(app) is not kept
    login(client, "pengelola_ti")
    app.secret_key, app.config["SECRET_KEY_FALLBACKS"] = "a-third-secret", ["another-secret"]
    assert client.get("/kotak-masuk").status_code == 200
    app.secret_key, app.config["SECRET_KEY_FALLBACKS"] = old_key, []


def test_a_verified_cookie_is_read_once_and_its_age_checked_on_every_request(app, client, monkeypatch):
    login(client, "pengelola_ti")
    assert client.get("/kotak-masuk").status_code == 200  # the page's CSRF token joins the cookie
    calls = _counting_loads(app, monkeypatch)
    for _ in range(3):
        assert client.get("/kotak-masuk").status_code == 200
    assert len(calls) == 1
    cookie, now = client.get_cookie("alur_session").value, time.time()
    lifetime = app.permanent_session_lifetime.total_seconds()
    for moment, status in ((now + lifetime + 5, 302), (now - 60, 302), (now + 1, 200)):  # too old; signed "later"
        monkeypatch.setattr(sessions.time, "time", lambda moment=moment: moment)
        client.set_cookie("alur_session", cookie)  # the login page's answer flashes into a new one
        assert client.get("/kotak-masuk").status_code == status
    assert len(calls) == 1


def test_a_changed_cookie_is_checked_again(app, client, monkeypatch):
    login(client, "pengelola_ti")
    assert client.get("/kotak-masuk").status_code == 200
    cookie = client.get_cookie("alur_session").value
    payload, signature = cookie.rsplit(".", 1)
    forged = payload + "." + ("A" if signature[0] != "A" else "B") + signature[1:]
    calls = _counting_loads(app, monkeypatch)
    client.set_cookie("alur_session", forged)
    assert client.get("/kotak-masuk").status_code == 302 and calls == [forged]
    client.set_cookie("alur_session", forged)
    assert client.get("/kotak-masuk").status_code == 302 and calls == [forged, forged]


def test_sessions_holding_lists_are_not_kept(app, monkeypatch):
    """Flashed messages are a list each request may append to: such a session is read anew every time."""
    serializer = app.session_interface.get_signing_serializer(app)
    cookie = serializer.dumps({"_flashes": [["info", "Tersimpan"]], "lang": "id"})
    calls = _counting_loads(app, monkeypatch)
    with app.test_request_context("/kotak-masuk", headers={"Cookie": f"alur_session={cookie}"}):
        opened = [app.session_interface.open_session(app, request) for _ in range(2)]
    opened[0]["_flashes"].append(["info", "lagi"])
    assert len(calls) == 3 and opened[1]["_flashes"] == [["info", "Tersimpan"]]  # the request's own, and two


def test_cookies_are_signed_as_flask_signs_them(app):
    """The kept interface signs with hashlib's SHA-1 (web.sessions.KeptSessions.digest_method): the very
    cookie Flask's own interface makes, and each reads the other's."""
    from flask.sessions import SecureCookieSessionInterface

    ours, flasks = app.session_interface.get_signing_serializer(app), SecureCookieSessionInterface()
    theirs = flasks.get_signing_serializer(app)
    assert ours.signer_kwargs["digest_method"] is not theirs.signer_kwargs["digest_method"]
    data = {"_user_id": "pengelola_ti", "lang": "en", "csrf_token": "a" * 40, "_fresh": True}
    for _ in range(3):  # both signed within one second (the cookie carries its second)
        signed_at = int(time.time())
        cookie, flask_cookie = ours.dumps(data), theirs.dumps(data)
        if signed_at == int(time.time()):
            break
    assert cookie == flask_cookie
    assert theirs.loads(cookie) == data and ours.loads(theirs.dumps(data)) == data


def test_a_request_sent_before_the_login_answered_after_it_does_not_sign_the_person_out(app, client):
    """The browser fetches the login page's icon (or the page again) with the cookie it had, and the
    answer can come after the login's: a cookie set by that answer would replace the signed-in one. A
    request that changes nothing in the session sets no cookie, with a language chosen before logging in
    too (Flask-Login's strong protection used to "clear" such a session, which has no user to protect)."""
    assert client.get("/bahasa/en?next=/masuk").status_code == 302
    assert client.get("/masuk").status_code == 200  # its form's CSRF token joins the session
    before = client.get_cookie("alur_session").value
    for path in ("/static/favicon.svg", "/masuk"):
        client.set_cookie("alur_session", before)
        answer = client.get(path)
        answer.close()
        assert answer.status_code == 200 and _session_cookies(answer) == [], path
    login(client, "pengelola_ti")
    signed_in = client.get_cookie("alur_session").value
    assert signed_in != before
    # the icon's request, sent with the cookie from before the login, answered now
    late = app.test_client(use_cookies=False).get("/static/favicon.svg", headers={"Cookie": f"alur_session={before}"})
    late.close()
    assert late.status_code == 200 and _session_cookies(late) == []
    assert client.get_cookie("alur_session").value == signed_in
    page = client.get("/kotak-masuk")
    assert page.status_code == 200 and 'lang="en"' in page.text


def test_a_signed_in_cookie_sent_by_another_browser_signs_nobody_in(client):
    """Strong protection still guards a session with a user: its browser (User-Agent) and address."""
    login(client, "pengelola_ti")
    assert client.get("/kotak-masuk").status_code == 200
    moved = client.get("/kotak-masuk", headers={"User-Agent": "another browser"})
    assert moved.status_code == 302 and "/masuk" in moved.headers["Location"]


def _session_cookies(answer: Any) -> list[str]:
    return [c for c in answer.headers.getlist("Set-Cookie") if c.startswith("alur_session=")]
