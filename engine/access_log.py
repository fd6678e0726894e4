"""Access events an auditor asks for: logins (also failed), logouts, views and downloads of case files.

They go to the system chain, so a case's own audit trail keeps only what changed the case.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from engine.audit import SYSTEM_CHAIN, append_event
from engine.clock import Clock, utcnow


class AccessLog:
    def __init__(self, sessions: sessionmaker[Session], clock: Clock = utcnow) -> None:
        self._sessions = sessions
        self._clock = clock

    def login_succeeded(self, username: str, remote_addr: str | None) -> None:
        self._append("login", username, {"remote_addr": remote_addr})

    def login_failed(self, username: str, remote_addr: str | None) -> None:
        # The attempted name is recorded as typed (shortened): it may be a mistyped real name.
        self._append("login_failed", "anonymous", {"username": username[:100], "remote_addr": remote_addr})

    def logged_out(self, username: str, remote_addr: str | None) -> None:
        self._append("logout", username, {"remote_addr": remote_addr})

    def case_viewed(self, username: str, instance_id: int, remote_addr: str | None) -> None:
        self._append("case_viewed", username, {"remote_addr": remote_addr}, instance_id)

    def document_downloaded(self, username: str, instance_id: int, sha256: str, remote_addr: str | None) -> None:
        self._append("document_downloaded", username, {"sha256": sha256, "remote_addr": remote_addr}, instance_id)

    def _append(self, event_type: str, actor: str, payload: dict[str, Any], instance_id: int | None = None) -> None:
        with self._sessions.begin() as session:
            append_event(session, chain=SYSTEM_CHAIN, event_type=event_type, actor=actor, at=self._clock(),
                         payload=payload, instance_id=instance_id)
