"""Logins (also failed ones) and logouts, on the system chain: the access events an auditor asks for
besides the views of case files, which ``engine.audit.read_log`` records on each case's own chain.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from engine.audit.chain import SYSTEM_CHAIN
from engine.persistence.models import UserAccount
from engine.runtime.unit_of_work import UnitOfWork
from engine.worktime.clock import Clock, utcnow


class LoginLog:
    def __init__(self, sessions: sessionmaker[Session], clock: Clock = utcnow) -> None:
        self._sessions = sessions
        self._clock = clock

    def login_succeeded(self, username: str, remote_addr: str | None) -> None:
        self._append("login", username, {"remote_addr": remote_addr})

    def login_failed(self, username: str, remote_addr: str | None) -> None:
        # The attempted name is recorded as typed (shortened): it may be a mistyped real name.
        typed = username[:100].encode("utf-8", "replace").decode("utf-8").replace("\x00", "\ufffd")
        self._append("login_failed", "anonymous", {"username": typed, "remote_addr": remote_addr})

    def logged_out(self, username: str, remote_addr: str | None) -> None:
        """Record the logout and end every session of the account: a cookie copied before it is
        worth nothing after (the generation it carries is gone)."""
        with UnitOfWork.begin(self._sessions) as work:
            work.session.execute(update(UserAccount).where(UserAccount.username == username)
                                 .values(session_generation=UserAccount.session_generation + 1))
            work.record(SYSTEM_CHAIN, "logout", actor=username, at=self._clock(), payload={"remote_addr": remote_addr})

    def _append(self, event_type: str, actor: str, payload: dict[str, Any], instance_id: int | None = None) -> None:
        with UnitOfWork.begin(self._sessions) as work:
            work.record(SYSTEM_CHAIN, event_type, actor=actor, at=self._clock(), payload=payload,
                        instance_id=instance_id)
