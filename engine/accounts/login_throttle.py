"""Guessing passwords of one account: a growing wait after a few failures, then a lockout.

Counted on the account (so every web worker agrees): after ``DELAY_AFTER`` failures in a row each
attempt must wait 2, 4, 8 ... seconds (at most a minute) after the previous failure; the
``LOCK_AFTER``-th failure locks the account for ``LOCK_FOR``, and the account holder and every
Admin Sistem find a notification in the bell. A successful login starts the count again. The web
layer adds Flask-Limiter's limits per client address and per typed username (web/limits.py).
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session, sessionmaker

from engine.audit.chain import SYSTEM_CHAIN
from engine.permissions import ADMIN_ROLE
from engine.persistence.db import read_only_connection
from engine.persistence.models import UserAccount
from engine.runtime.unit_of_work import UnitOfWork
from engine.worker.notifications import Recipient, add_notification, add_notifications, users_holding
from engine.modeling.roles import RoleCatalog
from engine.worktime.clock import Clock, utcnow
from engine.worktime.moment_text import moment_text

DELAY_AFTER = 3
MAX_DELAY = timedelta(minutes=1)
LOCK_AFTER = 10
LOCK_FOR = timedelta(minutes=15)

_ACCOUNTS = UserAccount.__table__
_THROTTLE_ROW = select(_ACCOUNTS.c.failed_logins, _ACCOUNTS.c.last_failed_login_at, _ACCOUNTS.c.locked_until).where(
    _ACCOUNTS.c.username == bindparam("username"))


def delay_after(failures: int) -> timedelta:
    """How long the next attempt waits after ``failures`` failures in a row (zero below DELAY_AFTER)."""
    if failures < DELAY_AFTER:
        return timedelta(0)
    return min(timedelta(seconds=2 ** (failures - DELAY_AFTER + 1)), MAX_DELAY)


class LoginThrottle:
    def __init__(self, sessions: sessionmaker[Session], roles: RoleCatalog, clock: Clock = utcnow) -> None:
        self._sessions = sessions
        self._roles = roles
        self._clock = clock

    def wait(self, username: str) -> timedelta | None:
        """How long ``username`` must wait before the next attempt counts (None: it may try now).
        Unknown names never wait here; Flask-Limiter's per-name limit treats them like accounts."""
        if "\x00" in username or len(username) > 100:
            return None
        try:
            username.encode("utf-8")
        except UnicodeEncodeError:
            return None
        with read_only_connection(self._sessions) as connection:
            row = connection.execute(_THROTTLE_ROW, {"username": username}).first()
        if row is None:
            return None
        now = self._clock()
        if row.locked_until is not None and row.locked_until > now:
            locked: timedelta = row.locked_until - now
            return locked
        if row.last_failed_login_at is None:
            return None
        remaining: timedelta = row.last_failed_login_at + delay_after(row.failed_logins) - now
        return remaining if remaining > timedelta(0) else None

    def count_failure(self, work: UnitOfWork, username: str, remote_addr: str | None) -> bool:
        """Count a failed login for the account (if there is one) in the caller's transaction; lock it,
        audit the lockout and notify the holder and Admin Sistem on the LOCK_AFTER-th. Returns whether
        the account is locked now."""
        session, now = work.session, self._clock()
        user = session.scalar(select(UserAccount).where(UserAccount.username == username))
        if user is None:
            return False
        user.failed_logins = (user.failed_logins or 0) + 1
        user.last_failed_login_at = now
        if user.failed_logins < LOCK_AFTER:
            return False
        user.locked_until = now + LOCK_FOR
        user.failed_logins = 0
        work.record(SYSTEM_CHAIN, "login_locked", actor="system", at=now,
                    payload={"username": username, "remote_addr": remote_addr, "failures": LOCK_AFTER,
                             "locked_until": user.locked_until.isoformat()})
        self._notify(session, user, remote_addr, now)
        return True

    @staticmethod
    def reset(session: Session, username: str) -> None:
        """A successful login: the count starts again."""
        user = session.scalar(select(UserAccount).where(UserAccount.username == username))
        if user is not None and (user.failed_logins or user.locked_until is not None):
            user.failed_logins, user.last_failed_login_at, user.locked_until = 0, None, None

    def _notify(self, session: Session, user: UserAccount, remote_addr: str | None, now: datetime) -> None:
        until = moment_text(user.locked_until) if user.locked_until is not None else ""
        holder = Recipient(user.username, user.email, user.email_mode or "instant")
        add_notification(session, recipient=holder, kind="login_locked", title="Akun Anda dikunci sementara",
                         body=f"{LOCK_AFTER} kali percobaan masuk gagal berturut-turut (dari {remote_addr or '?'}). "
                              f"Akun dapat dipakai lagi {until}. Bila itu bukan Anda, ganti kata sandi "
                              "dan beri tahu Admin Sistem.",
                         dedup_key=f"login_locked:{user.username}:{now.isoformat()}", now=now, email=True)
        admins = [r for r in users_holding(session, self._roles, [ADMIN_ROLE]) if r.username != user.username]
        add_notifications(session, admins, kind="login_locked", title=f"Akun {user.username} dikunci sementara",
                          body=f"{LOCK_AFTER} kali percobaan masuk gagal berturut-turut untuk akun "
                               f"{user.username} (dari {remote_addr or '?'}); terkunci sampai {until}.",
                          dedup_key=lambda admin: f"login_locked:{user.username}:{now.isoformat()}:{admin.username}",
                          now=now, email=True)
