"""Guessing passwords (issue 18, finding 3: "30 wrong passwords, then the right one works"): a growing
wait, a lockout told to the holder and Admin Sistem, and Flask-Limiter per address and per name."""
from __future__ import annotations

import json

from sqlalchemy import select
from web_helpers import login, text_of

from engine.accounts.login_throttle import LOCK_AFTER, delay_after
from engine.persistence.models import AuditEvent

WRONG = "salah-sandi-123"


def _post(client, username: str, password: str = WRONG, address: str = "10.1.1.1"):
    return client.post("/masuk", data={"username": username, "password": password},
                       environ_base={"REMOTE_ADDR": address})


def test_the_wait_grows_then_the_account_locks_and_the_right_password_waits_too(app, app_factory, alur, client,
                                                                               clock):
    statuses = []
    for n in range(1, LOCK_AFTER + 1):
        clock.advance(seconds=delay_after(n - 1).total_seconds() + 1)  # wait just enough each time
        statuses.append(_post(client, "kasubag_tu").status_code)
    assert statuses == [401] * (LOCK_AFTER - 1) + [429]
    again = _post(client, "kasubag_tu", "demo-kasubag_tu", address="10.9.9.9")  # right password, elsewhere
    assert again.status_code == 429 and "Terlalu banyak percobaan" in text_of(again.text)  # Flask-Limiter's
    other_worker = app_factory()  # Flask-Limiter's memory counts are per worker; the lockout is in the database
    locked = _post(other_worker.test_client(), "kasubag_tu", "demo-kasubag_tu", address="10.9.9.9")
    assert locked.status_code == 429 and "Coba lagi dalam 15 menit" in text_of(locked.text)
    with alur.sessions() as session:
        event = session.scalars(select(AuditEvent).where(AuditEvent.event_type == "login_locked")).one()
    assert json.loads(event.payload_json)["username"] == "kasubag_tu"
    assert any(n.kind == "login_locked" for n in alur.notifications.list("kasubag_tu"))
    assert any(n.kind == "login_locked" and "kasubag_tu" in n.title for n in alur.notifications.list("admin_sistem"))
    clock.advance(minutes=16)
    assert _post(app_factory().test_client(), "kasubag_tu", "demo-kasubag_tu").status_code == 302


def test_too_quick_a_retry_is_refused_without_checking_the_password(client, clock):
    for _ in range(3):
        assert _post(client, "kasubag_tu").status_code == 401
    quick = _post(client, "kasubag_tu", "demo-kasubag_tu")
    assert quick.status_code == 429 and "detik" in text_of(quick.text) and int(quick.headers["Retry-After"]) > 0
    clock.advance(seconds=5)
    assert _post(client, "kasubag_tu", "demo-kasubag_tu").status_code == 302  # and the count starts again


def test_one_address_trying_many_names_is_limited(client):
    statuses = [_post(client, f"tebakan_{n}").status_code for n in range(35)]
    assert statuses[:30] == [401] * 30 and statuses[-1] == 429
    assert "Terlalu banyak percobaan" in text_of(_post(client, "lain").text)
    assert _post(client, "kasubag_tu", "demo-kasubag_tu", address="10.2.2.2").status_code == 302


def test_one_unknown_name_from_many_addresses_is_limited_like_an_account(client):
    statuses = [_post(client, "tidak_ada", address=f"10.3.0.{n}").status_code for n in range(12)]
    assert statuses[:LOCK_AFTER] == [401] * LOCK_AFTER and statuses[-1] == 429


def test_guessing_api_tokens_gets_429_with_a_stable_code(app):
    api = app.test_client()
    responses = [api.get("/api/v1/me", headers={"Authorization": f"Bearer alur_tebakan{n}"}) for n in range(32)]
    assert [r.status_code for r in responses[:30]] == [401] * 30
    assert responses[-1].status_code == 429 and responses[-1].json["error"]["code"] == "rate_limited"


def test_a_successful_login_is_not_held_back_by_the_limits(client):
    for _ in range(3):
        login(client, "kasubag_tu")
        client.post("/keluar")


def _throttled_events(alur) -> list[dict]:
    with alur.sessions() as session:
        return [json.loads(e.payload_json) for e in
                session.scalars(select(AuditEvent).where(AuditEvent.event_type == "login_throttled"))]


def _event_count(alur) -> int:
    with alur.sessions() as session:
        return len(session.scalars(select(AuditEvent.id)).all())


def test_refused_attempts_write_nothing_then_one_event_a_burst(alur, client, clock):
    for _ in range(3):
        assert _post(client, "kasubag_tu").status_code == 401
    events = _event_count(alur)
    refused_at = clock()  # the clock stands still through the burst
    refused = [_post(client, "kasubag_tu", address=f"10.4.0.{n % 2}").status_code for n in range(5)]
    assert refused == [429] * 5 and _event_count(alur) == events  # answered without a write
    clock.advance(seconds=61)  # the account may try again; a minute after the burst began
    assert _post(client, "kasubag_tu").status_code == 401  # a checked failure writes the burst's tally first
    [burst] = _throttled_events(alur)
    assert burst["attempts"] == 5 and burst["refusals"] == {"account_wait": 5}
    assert burst["addresses"] == {"10.4.0.0": 3, "10.4.0.1": 2} and burst["usernames"] == {"kasubag_tu": 5}
    assert burst["from"] == burst["until"] == refused_at.isoformat()
    assert alur.audit_verifier.verify().ok


def test_refusals_by_the_limits_are_tallied_too_and_written_when_the_process_ends(alur, client):
    statuses = [_post(client, f"tebakan_{n}", address="10.5.5.5").status_code for n in range(33)]
    assert statuses[-3:] == [429] * 3
    assert _throttled_events(alur) == []
    alur.logins.flush_refused()  # what the worker's exit (atexit) and Alur.close do
    [burst] = _throttled_events(alur)
    assert burst["attempts"] == 3 and burst["refusals"] == {"rate_limited": 3}
    assert burst["addresses"] == {"10.5.5.5": 3} and set(burst["usernames"]) == {"tebakan_30", "tebakan_31",
                                                                                 "tebakan_32"}
