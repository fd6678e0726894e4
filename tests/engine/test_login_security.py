"""Logins, passwords, sessions and tokens (issue 18, finding 3 and 4), as the attacks were made."""
from __future__ import annotations

import sqlite3
import threading
from datetime import timedelta

import pytest
from engine_helpers import PASSWORD
from sqlalchemy import select

from engine.accounts.login_throttle import LOCK_AFTER, LOCK_FOR, delay_after
from engine.accounts.password_policy import check_password, common_passwords
from engine.accounts.tokens import TokenService
from engine.errors import InvalidInput, PermissionDenied
from engine.persistence.models import AuditEvent, UserAccount


@pytest.mark.parametrize(("password", "words"), [
    ("12345678", "minimal 12 karakter"),
    ("password", "minimal 12 karakter"),
    (" " * 8, "hanya spasi"),
    (" " * 16, "hanya spasi"),
    ("password123456", "terlalu umum"),
    ("qwerty123456", "terlalu umum"),
    ("123456789012", "terlalu umum"),
    ("aaaaaaaaaaaaaaa", "terlalu umum"),
    ("PassWord123456", "terlalu umum"),  # the list is compared without case
    ("sari.wulandari", "nama pengguna"),
    ("Sari.Wulandari1", "nama pengguna"),
    ("x" * 2000, "maksimal"),
])
def test_the_password_policy_refuses_what_the_attack_got_in(password, words):
    with pytest.raises(InvalidInput) as refused:
        check_password(password, "sari.wulandari")
    assert words in refused.value.message and refused.value.context["field"] == "password"


def test_the_shipped_list_holds_thousands_of_leaked_passwords():
    listed = common_passwords()
    assert len(listed) > 19000 and {"12345678", "password", "iloveyou", "password123456"} <= listed
    check_password(PASSWORD, "pengelola")  # what the tests use passes
    check_password("kuda-lari-di-sungai-mahakam", "pengelola")


def test_add_user_set_password_and_reset_apply_the_policy(alur):
    for weak in ("12345678", "password", " " * 8, "pengelola-ti"):
        with pytest.raises(InvalidInput):
            alur.users.add_user("pengelola-ti", "Pengelola", weak, {"pengelola_ti"})
    alur.users.add_user("pengelola-ti", "Pengelola", PASSWORD, {"pengelola_ti"})
    for weak in ("12345678", "password123456", " " * 12):
        with pytest.raises(InvalidInput):
            alur.users.set_password("pengelola-ti", weak, actor="admin")
    assert alur.users.authenticate("pengelola-ti", PASSWORD) is not None  # nothing half-stored


def test_unknown_deactivated_and_wrong_passwords_all_fail_alike(alur):
    alur.users.add_user("budi", "Budi", PASSWORD, {"pengelola_ti"})
    alur.users.add_user("sari", "Sari", PASSWORD, {"pengelola_ti"})
    alur.users.set_active("sari", False)
    assert alur.users.authenticate("budi", PASSWORD).username == "budi"
    assert alur.users.authenticate("budi", PASSWORD + "x") is None
    assert alur.users.authenticate("sari", PASSWORD) is None  # the right password of a deactivated account
    assert alur.users.authenticate("tidak_ada", PASSWORD) is None
    for hostile in ("budi\x00", "\ud800", "b" * 10_000, ""):  # the NUL was a 500 on PostgreSQL
        assert alur.users.authenticate(hostile, PASSWORD) is None
        alur.logins.login_failed(hostile, "127.0.0.1")  # and its audit event is written


@pytest.mark.sqlite_only("the write lock that stalled every step is SQLite's")
def test_a_login_takes_no_write_lock(alur):
    """The attack: logins ran scrypt inside BEGIN IMMEDIATE. Now a login completes while another
    connection holds the write lock (it would otherwise wait out the busy timeout and fail)."""
    alur.users.add_user("budi", "Budi", PASSWORD, {"pengelola_ti"})
    writer = sqlite3.connect(alur.db.url.database, isolation_level=None, check_same_thread=False)
    writer.execute("BEGIN IMMEDIATE")
    try:
        outcome: list[object] = []
        login = threading.Thread(target=lambda: outcome.append(alur.users.authenticate("budi", PASSWORD)))
        login.start()
        login.join(timeout=5)  # far below the 10 s busy timeout a write transaction would wait
        assert not login.is_alive() and outcome and outcome[0].username == "budi"
        assert alur.users.authenticate("budi", "salah-sekali-123") is None
    finally:
        writer.execute("ROLLBACK")
        writer.close()


def _generation(alur, username):
    with alur.sessions() as session:
        return session.scalar(select(UserAccount.session_generation).where(UserAccount.username == username))


def test_logout_password_change_reset_and_deactivation_end_every_session(alur):
    alur.users.add_user("budi", "Budi", PASSWORD, {"pengelola_ti"})
    seen = [alur.users.session_generation("budi")]
    assert alur.queries.signed_in_user("budi", seen[0]) is not None
    for end in (lambda: alur.logins.logged_out("budi", "127.0.0.1"),
                lambda: alur.users.set_password("budi", "kata-sandi-baru-1", actor="budi"),
                lambda: alur.users.set_password("budi", "diatur-ulang-admin-2", actor="admin"),
                lambda: alur.users.set_active("budi", False)):
        end()
        seen.append(alur.users.session_generation("budi"))
        assert seen[-1] > seen[-2]
        assert alur.queries.signed_in_user("budi", seen[-2]) is None  # the old cookie's generation
    alur.users.set_active("budi", True)
    assert alur.queries.signed_in_user("budi", seen[-1]) is not None
    assert alur.queries.signed_in_user("budi", seen[-1] + 1) is None  # no guessing ahead either
    assert _generation(alur, "budi") == seen[-1]


def test_a_password_reset_revokes_every_token_and_is_audited(alur):
    alur.users.add_user("budi", "Budi", PASSWORD, {"pengelola_ti"})
    first = alur.tokens.issue("budi", "satu", actor="budi")
    second = alur.tokens.issue("budi", "dua", actor="budi", scope="read")
    alur.users.set_password("budi", "diatur-ulang-admin-2", actor="admin")
    assert alur.tokens.authenticate(first.token) is None and alur.tokens.authenticate(second.token) is None
    assert all(t.revoked for t in alur.tokens.list_tokens("budi"))
    with alur.sessions() as session:
        event = session.scalars(select(AuditEvent).where(AuditEvent.event_type == "user_password_changed")
                                .order_by(AuditEvent.id.desc())).first()
    assert event is not None and '"tokens_revoked":2' in event.payload_json


def test_tokens_expire_have_a_scope_and_record_their_use(alur, clock):
    alur.users.add_user("budi", "Budi", PASSWORD, {"pengelola_ti"})
    tokens = TokenService(alur.sessions, alur.users, clock, lifetime=timedelta(days=90))
    write = tokens.issue("budi", "integrasi", actor="budi")
    read = tokens.issue("budi", "dasbor", actor="budi", scope="read")
    assert (write.scope, read.scope) == ("write", "read")
    assert write.expires_at == clock() + timedelta(days=90)
    assert tokens.authenticate(write.token).may_write and not tokens.authenticate(read.token).may_write
    assert tokens.list_tokens("budi")[0].last_used_at == clock()
    clock.advance(days=89)
    assert tokens.authenticate(read.token) is not None
    clock.advance(days=1)
    assert tokens.authenticate(read.token) is None and tokens.authenticate(write.token) is None
    assert all(t.expired for t in tokens.list_tokens("budi"))
    with pytest.raises(InvalidInput):
        tokens.issue("budi", "x", actor="budi", scope="admin")


def test_a_token_is_refused_at_once_when_revoked_or_its_owner_deactivated(alur, clock):
    """Read on every request (no cache): the next request after the change is refused."""
    alur.users.add_user("budi", "Budi", PASSWORD, {"pengelola_ti", "pengawas"})
    kept, revoked = alur.tokens.issue("budi", "satu", actor="budi"), alur.tokens.issue("budi", "dua", actor="budi")
    holder = alur.tokens.authenticate(kept.token)
    assert holder is not None and holder.user.roles == {"pengelola_ti", "pengawas"} and holder.scope == "write"
    assert alur.tokens.authenticate(revoked.token) is not None
    alur.tokens.revoke("budi", revoked.token_id, actor="budi")
    assert alur.tokens.authenticate(revoked.token) is None and alur.tokens.authenticate(kept.token) is not None
    alur.users.set_active("budi", False, actor="admin")
    assert alur.tokens.authenticate(kept.token) is None
    alur.users.set_active("budi", True, actor="admin")
    assert alur.tokens.authenticate(kept.token) is not None
    assert alur.tokens.authenticate(kept.token + "x") is None and alur.tokens.authenticate("bukan-token") is None


def test_an_auditor_gets_read_tokens_only(sop_alur):
    sop_alur.users.add_user("auditor1", "Auditor Satu", PASSWORD, {"auditor"})
    assert sop_alur.tokens.issue("auditor1", "audit", actor="auditor1").scope == "read"
    with pytest.raises(PermissionDenied):
        sop_alur.tokens.issue("auditor1", "audit", actor="auditor1", scope="write")


def test_failures_in_a_row_grow_the_wait_then_lock_and_a_success_resets(sop_alur, clock):
    assert [delay_after(n).total_seconds() for n in (0, 2, 3, 4, 5, 9, 30)] == [0, 0, 2, 4, 8, 60, 60]
    sop_alur.users.add_user("budi", "Budi", PASSWORD, {"pengelola_ti"})
    sop_alur.users.add_user("admin", "Admin", PASSWORD, {"admin_sistem"})
    assert sop_alur.logins.wait("budi") is None and sop_alur.logins.wait("tidak_ada") is None
    assert [sop_alur.logins.login_failed("budi", "10.0.0.1") for _ in range(2)] == [False, False]
    assert sop_alur.logins.wait("budi") is None
    sop_alur.logins.login_succeeded("budi", "10.0.0.1")
    locked = [sop_alur.logins.login_failed("budi", "10.0.0.1") for _ in range(LOCK_AFTER)]
    assert locked == [False] * (LOCK_AFTER - 1) + [True]  # the success before started the count again
    assert sop_alur.logins.wait("budi") == LOCK_FOR
    assert [n.kind for n in sop_alur.notifications.list("budi")] == ["login_locked"]
    assert [n.kind for n in sop_alur.notifications.list("admin")] == ["login_locked"]
    clock.advance(minutes=15, seconds=1)
    assert sop_alur.logins.wait("budi") is None
    assert sop_alur.logins.login_failed("budi\x00", "10.0.0.1") is False  # a name no account can have


def test_changed_roles_are_seen_at_once_by_a_token_and_a_signed_in_session(alur):
    """Neither the token's owner nor the signed-in user is kept between requests: the next one after an
    admin changes the roles reads the new ones (what each may do follows at once)."""
    alur.users.add_user("budi", "Budi", PASSWORD, {"pengelola_ti"})
    token = alur.tokens.issue("budi", "satu", actor="budi").token
    generation = alur.users.session_generation("budi")
    assert alur.tokens.authenticate(token).user.roles == {"pengelola_ti"}
    assert alur.queries.signed_in_user("budi", generation).user.roles == {"pengelola_ti"}
    alur.users.set_roles("budi", {"pengawas", "pemeriksa_ti"}, actor="admin")
    assert alur.tokens.authenticate(token).user.roles == {"pengawas", "pemeriksa_ti"}
    assert alur.queries.signed_in_user("budi", generation).user.roles == {"pengawas", "pemeriksa_ti"}
    alur.users.set_roles("budi", set(), actor="admin")
    assert alur.tokens.authenticate(token).user.roles == frozenset()
    assert alur.queries.signed_in_user("budi", generation).user.roles == frozenset()
