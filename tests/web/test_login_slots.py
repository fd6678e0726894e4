"""Password checks at once are bounded (web/login_slots.py, issue 18): when every slot is taken a login
is answered 429 at once, before the account is read and before any write, alike for every name."""
from __future__ import annotations

import json
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest
from sqlalchemy import func, select
from web_helpers import text_of

from engine.persistence.models import AuditEvent, UserAccount
from web import login_slots
from web.login_slots import LoginCheckSlots


def _post(client, username: str, password: str = "salah-sandi-123"):
    return client.post("/masuk", data={"username": username, "password": password})


@contextmanager
def _every_slot_taken(app):
    """As while other workers check passwords: every slot of the app server held."""
    slots = login_slots.slots(app)
    with ExitStack() as stack:
        assert all(stack.enter_context(slots.slot()) for _ in range(slots.count))
        yield


def _writes_seen(alur) -> tuple[int, int]:
    """Audit events, and failures counted on the account: what a checked wrong password writes."""
    with alur.sessions() as session:
        return (session.scalar(select(func.count()).select_from(AuditEvent)) or 0,
                session.scalar(select(UserAccount.failed_logins).where(UserAccount.username == "kasubag_tu")) or 0)


def test_with_every_slot_taken_a_login_is_refused_at_once_without_a_write(app, alur, client):
    before = _writes_seen(alur)
    with _every_slot_taken(app):
        answers = [_post(client, name) for name in ("kasubag_tu", "tidak_ada_sama_sekali", "admin_sistem")]
        right = _post(client, "kasubag_tu", "demo-kasubag_tu")
    assert [a.status_code for a in answers + [right]] == [429] * 4
    assert all(int(a.headers["Retry-After"]) >= 1 for a in answers)  # Flask-Limiter may name its window's end
    # The same words whatever name was typed: the refusal tells nothing about the account.
    assert len({text_of(a.text).replace(name, "") for a, name in
                zip(answers, ("kasubag_tu", "tidak_ada_sama_sekali", "admin_sistem"), strict=True)}) == 1
    assert "Terlalu banyak percobaan" in text_of(answers[0].text)
    assert _writes_seen(alur) == before  # the refusals are only counted (engine/audit/refused_logins.py)
    assert _post(client, "kasubag_tu", "demo-kasubag_tu").status_code == 302  # the slot is free again
    alur.logins.flush_refused()
    with alur.sessions() as session:
        burst = session.scalars(select(AuditEvent).where(AuditEvent.event_type == "login_throttled")).one()
    assert json.loads(burst.payload_json)["refusals"] == {"checks_busy": 4}


def test_a_wrong_password_is_still_counted_once_a_slot_is_free(app, alur, client):
    with _every_slot_taken(app):
        assert _post(client, "kasubag_tu").status_code == 429
    events, failures = _writes_seen(alur)
    assert _post(client, "kasubag_tu").status_code == 401
    assert _writes_seen(alur) == (events + 1, failures + 1)


def test_slots_exclude_each_other_and_free_on_release(tmp_path: Path):
    slots = LoginCheckSlots(tmp_path, 2)
    with slots.slot() as first, slots.slot() as second, slots.slot() as third:
        assert (first, second, third) == (True, True, False)
    with slots.slot() as again:
        assert again
    with pytest.raises(ValueError):
        LoginCheckSlots(tmp_path, 0)
