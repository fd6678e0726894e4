"""Bearer tokens for the JSON API: shown once when issued, only their sha256 is stored.

A token expires (90 days by default), has a scope (``read``: GET only; ``write``: everything its
owner may do) and records when it was last used; a password change or reset revokes them all.
"""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from engine.audit.chain import SYSTEM_CHAIN
from engine.worktime.clock import Clock, utcnow
from engine.errors import InvalidInput, NotFound, PermissionDenied
from engine.permissions import is_read_only
from engine.persistence.compiled import DirectStatement
from engine.persistence.models import ApiToken, UserAccount, UserRole
from engine.persistence.db import engine_of, read_only_session
from engine.accounts.users import UserService, active_user_view
from engine.runtime.unit_of_work import UnitOfWork
from engine.values import UserView

TOKEN_PREFIX = "alur_"
TOKEN_SCOPES = ("read", "write")
DEFAULT_TOKEN_LIFETIME = timedelta(days=90)
_LAST_USED_RESOLUTION = timedelta(minutes=1)  # avoid a write on every API call

# The token, its active owner and the owner's roles (one row per role), by the token's sha256.
_TOKENS, _ACCOUNTS, _ROLES = ApiToken.__table__, UserAccount.__table__, UserRole.__table__
_TOKEN_OWNER = DirectStatement(
    select(_TOKENS.c.id.label("token_id"), _TOKENS.c.last_used_at, _TOKENS.c.scope, _ACCOUNTS.c.id.label("user_id"),
           _ACCOUNTS.c.username, _ACCOUNTS.c.full_name, _ACCOUNTS.c.email, _ACCOUNTS.c.opd_id,
           _ACCOUNTS.c.email_mode, _ACCOUNTS.c.auth_source, _ROLES.c.role_key)
    .join(_ACCOUNTS, _ACCOUNTS.c.id == _TOKENS.c.user_id)
    .outerjoin(_ROLES, _ROLES.c.user_id == _ACCOUNTS.c.id)
    .where(_TOKENS.c.token_sha256 == bindparam("digest"), _TOKENS.c.revoked.is_(False),
           or_(_TOKENS.c.expires_at.is_(None), _TOKENS.c.expires_at > bindparam("now")),
           _ACCOUNTS.c.active.is_(True)))  # read on every API request: on the driver, outside a transaction


@dataclass(frozen=True)
class TokenView:
    token_id: int
    name: str
    created_at: datetime
    last_used_at: datetime | None
    revoked: bool
    scope: str = "write"
    expires_at: datetime | None = None
    expired: bool = False  # as of when the list was read


@dataclass(frozen=True)
class IssuedToken:
    token_id: int
    name: str
    token: str  # the secret; never stored, never shown again
    scope: str = "write"
    expires_at: datetime | None = None


@dataclass(frozen=True)
class TokenHolder:
    """Who a valid token speaks for, and what it may do."""

    user: UserView
    scope: str

    @property
    def may_write(self) -> bool:
        return self.scope == "write"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class TokenService:
    def __init__(self, sessions: sessionmaker[Session], users: UserService, clock: Clock = utcnow,
                 lifetime: timedelta = DEFAULT_TOKEN_LIFETIME) -> None:
        self._sessions = sessions
        self._users = users
        self._clock = clock
        self._lifetime = lifetime

    def issue(self, username: str, name: str, actor: str, scope: str | None = None) -> IssuedToken:
        """A new token for ``username`` that expires after the configured lifetime; ``scope`` None is
        the widest the account may have (``read`` for auditors, else ``write``).

        :raises InvalidInput: empty name or unknown scope  :raises UserNotFound: unknown user
        :raises PermissionDenied: a write token for a read-only account (an auditor)
        """
        name = name.strip()
        if not name or len(name) > 100:
            raise InvalidInput("Nama token wajib diisi (maksimal 100 karakter)", field="name")
        if scope is not None and scope not in TOKEN_SCOPES:
            raise InvalidInput(f"Cakupan token tidak dikenal: {scope[:20]}", field="scope")
        user = self._users.get(username)
        scope = scope or ("read" if is_read_only(user.roles) else "write")
        if scope == "write" and is_read_only(user.roles):
            raise PermissionDenied("Akun auditor hanya dapat membuat token baca", field="scope")
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        now = self._clock()
        expires_at = now + self._lifetime
        with UnitOfWork.begin(self._sessions) as work:
            row = ApiToken(user_id=user.user_id, name=name, token_sha256=_digest(token), created_at=now,
                           revoked=False, scope=scope, expires_at=expires_at)
            work.session.add(row)
            work.session.flush()
            work.record(SYSTEM_CHAIN, "api_token_issued", actor=actor, at=now,
                        payload={"username": username, "token_id": row.id, "name": name, "scope": scope,
                                 "expires_at": expires_at.isoformat()})
            return IssuedToken(row.id, name, token, scope, expires_at)

    def authenticate(self, token: str) -> TokenHolder | None:
        """The active owner of a valid token (unrevoked, unexpired) with the token's scope, or None.

        One read per call; the time of last use is written at most once a minute.
        """
        if not token.startswith(TOKEN_PREFIX):
            return None
        now = self._clock()
        rows = _TOKEN_OWNER.all_alone(engine_of(self._sessions), {"digest": _digest(token), "now": now})
        user = active_user_view(rows)
        if user is None:
            return None
        first = rows[0]
        if first.last_used_at is None or now - first.last_used_at > _LAST_USED_RESOLUTION:
            with UnitOfWork.begin(self._sessions) as work:
                work.connection.execute(update(ApiToken).where(ApiToken.id == first.token_id)
                                        .values(last_used_at=now))
        return TokenHolder(user, first.scope)

    def list_tokens(self, username: str) -> list[TokenView]:
        user = self._users.get(username)
        with read_only_session(self._sessions) as session:
            rows = session.scalars(select(ApiToken).where(ApiToken.user_id == user.user_id)
                                   .order_by(ApiToken.created_at.desc(), ApiToken.id.desc()))
            now = self._clock()
            return [TokenView(r.id, r.name, r.created_at, r.last_used_at, r.revoked, r.scope, r.expires_at,
                              r.expires_at is not None and r.expires_at <= now) for r in rows]

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
