"""Bearer tokens for the JSON API: shown once when issued, only their sha256 is stored."""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session, sessionmaker

from engine.audit.chain import SYSTEM_CHAIN
from engine.worktime.clock import Clock, utcnow
from engine.errors import InvalidInput, NotFound
from engine.persistence.models import ApiToken, UserAccount, UserRole
from engine.persistence.db import read_only_connection, read_only_session
from engine.accounts.users import UserService, active_user_view
from engine.runtime.unit_of_work import UnitOfWork
from engine.values import UserView

TOKEN_PREFIX = "alur_"
_LAST_USED_RESOLUTION = timedelta(minutes=1)  # avoid a write on every API call

# The token, its active owner and the owner's roles (one row per role), by the token's sha256.
_TOKENS, _ACCOUNTS, _ROLES = ApiToken.__table__, UserAccount.__table__, UserRole.__table__
_TOKEN_OWNER = (
    select(_TOKENS.c.id.label("token_id"), _TOKENS.c.last_used_at, _ACCOUNTS.c.id.label("user_id"),
           _ACCOUNTS.c.username, _ACCOUNTS.c.full_name, _ACCOUNTS.c.email, _ACCOUNTS.c.opd_id,
           _ACCOUNTS.c.email_mode, _ROLES.c.role_key)
    .join(_ACCOUNTS, _ACCOUNTS.c.id == _TOKENS.c.user_id)
    .outerjoin(_ROLES, _ROLES.c.user_id == _ACCOUNTS.c.id)
    .where(_TOKENS.c.token_sha256 == bindparam("digest"), _TOKENS.c.revoked.is_(False),
           _ACCOUNTS.c.active.is_(True)))


@dataclass(frozen=True)
class TokenView:
    token_id: int
    name: str
    created_at: datetime
    last_used_at: datetime | None
    revoked: bool


@dataclass(frozen=True)
class IssuedToken:
    token_id: int
    name: str
    token: str  # the secret; never stored, never shown again


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class TokenService:
    def __init__(self, sessions: sessionmaker[Session], users: UserService, clock: Clock = utcnow) -> None:
        self._sessions = sessions
        self._users = users
        self._clock = clock

    def issue(self, username: str, name: str, actor: str) -> IssuedToken:
        """:raises InvalidInput: empty name  :raises UserNotFound: unknown user"""
        name = name.strip()
        if not name or len(name) > 100:
            raise InvalidInput("Nama token wajib diisi (maksimal 100 karakter)", field="name")
        user = self._users.get(username)
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        with UnitOfWork.begin(self._sessions) as work:
            row = ApiToken(user_id=user.user_id, name=name, token_sha256=_digest(token), created_at=self._clock(),
                           revoked=False)
            work.session.add(row)
            work.session.flush()
            work.record(SYSTEM_CHAIN, "api_token_issued", actor=actor, at=self._clock(),
                        payload={"username": username, "token_id": row.id, "name": name})
            return IssuedToken(row.id, name, token)

    def authenticate(self, token: str) -> UserView | None:
        """The active owner of a valid, unrevoked token, or None.

        One read per call; the time of last use is written at most once a minute.
        """
        if not token.startswith(TOKEN_PREFIX):
            return None
        with read_only_connection(self._sessions) as connection:
            rows = connection.execute(_TOKEN_OWNER, {"digest": _digest(token)}).all()
        user = active_user_view(rows)
        if user is None:
            return None
        first = rows[0]
        now = self._clock()
        if first.last_used_at is None or now - first.last_used_at > _LAST_USED_RESOLUTION:
            with UnitOfWork.begin(self._sessions) as work:
                work.connection.execute(update(ApiToken).where(ApiToken.id == first.token_id)
                                        .values(last_used_at=now))
        return user

    def list_tokens(self, username: str) -> list[TokenView]:
        user = self._users.get(username)
        with read_only_session(self._sessions) as session:
            rows = session.scalars(select(ApiToken).where(ApiToken.user_id == user.user_id)
                                   .order_by(ApiToken.created_at.desc(), ApiToken.id.desc()))
            return [TokenView(r.id, r.name, r.created_at, r.last_used_at, r.revoked) for r in rows]

    def revoke(self, username: str, token_id: int, actor: str) -> None:
        """Revoke one of ``username``'s tokens.

        :raises NotFound: the user has no token with this id
        """
        user = self._users.get(username)
        with UnitOfWork.begin(self._sessions) as work:
            row = work.session.get(ApiToken, token_id)
            if row is None or row.user_id != user.user_id:
                raise NotFound("Token tidak ditemukan", token_id=token_id)
            if row.revoked:
                return
            row.revoked = True
            work.record(SYSTEM_CHAIN, "api_token_revoked", actor=actor, at=self._clock(),
                        payload={"username": username, "token_id": token_id})
