"""Logins (also failed ones) and logouts, on the system chain: the access events an auditor asks for
besides the views of case files, which ``engine.audit.read_log`` records on each case's own chain.
"""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from engine.accounts.login_throttle import LoginThrottle
from engine.audit.chain import SYSTEM_CHAIN
from engine.audit.refused_logins import RefusedLogins, typed_name
from engine.persistence.models import UserAccount
from engine.runtime.unit_of_work import UnitOfWork
from engine.worktime.clock import Clock, utcnow


class LoginLog:
    def __init__(self, sessions: sessionmaker[Session], throttle: LoginThrottle, clock: Clock = utcnow) -> None:
        self._sessions = sessions
        self._throttle = throttle
        self._clock = clock
        self._refused = RefusedLogins(sessions, clock)

    def wait(self, username: str) -> timedelta | None:
        """How long before ``username`` may try again (None: now); see engine/accounts/login_throttle.py."""
        return self._throttle.wait(username)

    def refused(self, username: str, remote_addr: str | None, reason: str) -> None:
        """An attempt refused before its password was checked: counted in memory, written as one
        event per burst (engine/audit/refused_logins.py); nothing is written now."""
        self._refused.refused(username, remote_addr, reason)

    def flush_refused(self) -> None:
        """Write the refusals counted so far (the process ends)."""
        self._refused.flush()

    def login_succeeded(self, username: str, remote_addr: str | None, source: str = "local") -> None:
        """Record the login; ``source`` (ldap, oidc) is named when the person did not sign in locally."""
        self._refused.flush_if_due()
        payload = {"remote_addr": remote_addr} | ({"source": source} if source != "local" else {})
        with UnitOfWork.begin(self._sessions) as work:
            self._throttle.reset(work.session, username)
            work.record(SYSTEM_CHAIN, "login", actor=username, at=self._clock(), payload=payload)

    def login_failed(self, username: str, remote_addr: str | None) -> bool:
        """Record a failed login (in its own short transaction, after the password check) and count it
        against the account; returns whether this failure locked the account."""
        self._refused.flush_if_due()
        typed = typed_name(username)  # as typed (shortened): it may be a mistyped real name
        with UnitOfWork.begin(self._sessions) as work:
            work.record(SYSTEM_CHAIN, "login_failed", actor="anonymous", at=self._clock(),
                        payload={"username": typed, "remote_addr": remote_addr})
            return self._throttle.count_failure(work, typed, remote_addr) if typed == username else False

    def logged_out(self, username: str, remote_addr: str | None) -> None:
        """Record the logout and end every session of the account: a cookie copied before it is
        worth nothing after (the generation it carries is gone)."""
        with UnitOfWork.begin(self._sessions) as work:
            work.session.execute(update(UserAccount).where(UserAccount.username == username)
                                 .values(session_generation=UserAccount.session_generation + 1))
            work.record(SYSTEM_CHAIN, "logout", actor=username, at=self._clock(), payload={"remote_addr": remote_addr})
