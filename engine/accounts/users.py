"""User accounts and their roles; password hashing with the standard library's scrypt."""
from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from collections.abc import Sequence
from typing import Any

from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.orm import Session, sessionmaker

from engine.accounts.opd import opd_row
from engine.accounts.password_policy import check_password
from engine.accounts.profile import ACCOUNT_FIELDS, AccountData, clean_account_data, people
from engine.audit.chain import SYSTEM_CHAIN
from engine.worktime.clock import Clock, utcnow
from engine.worktime.work_calendar import WITA
from engine.errors import Conflict, InvalidInput, UserNotFound
from engine.persistence.db import read_only_connection, read_only_session
from engine.persistence.models import ApiToken, UserAccount, UserRole
from engine.modeling.roles import RoleCatalog
from engine.runtime.unit_of_work import UnitOfWork
from engine.values import Person, UserView

_SCRYPT = {"n": 2 ** 15, "r": 8, "p": 1, "maxmem": 64 * 1024 * 1024, "dklen": 32}


def hash_password(password: str, n: int = _SCRYPT["n"]) -> str:
    """scrypt with cost ``n`` (default: the production cost); the hash records its own parameters."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, **{**_SCRYPT, "n": n})
    return "scrypt$%d$%d$%d$%s$%s" % (n, _SCRYPT["r"], _SCRYPT["p"],
                                      base64.b64encode(salt).decode(), base64.b64encode(digest).decode())


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    candidate = hashlib.scrypt(password.encode("utf-8"), salt=base64.b64decode(salt), n=int(n), r=int(r),
                               p=int(p), maxmem=_SCRYPT["maxmem"], dklen=len(base64.b64decode(digest)))
    return hmac.compare_digest(candidate, base64.b64decode(digest))


_ACCOUNTS = UserAccount.__table__
# What a login reads: the hash and whether the account may sign in (one statement, no write lock).
_LOGIN_ROW = select(_ACCOUNTS.c.id, _ACCOUNTS.c.password_hash, _ACCOUNTS.c.active).where(
    _ACCOUNTS.c.username == bindparam("username"))


def _may_be_username(text: str) -> bool:
    """Could ``text`` be stored as a username at all (what a login form may send is anything)?"""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return 0 < len(text) <= 100 and "\x00" not in text


def end_sessions(session: Session, user_id: int) -> None:
    """End every session of the account: each session cookie carries the generation it began in."""
    session.execute(update(UserAccount).where(UserAccount.id == user_id)
                    .values(session_generation=UserAccount.session_generation + 1))


ACTIVE_USER_ROLES = (
    select(UserRole.role_key).join(UserAccount, UserAccount.id == UserRole.user_id)
    .where(UserAccount.username == bindparam("username"), UserAccount.active.is_(True)))


ACTIVE_USER_VIEW = (
    select(_ACCOUNTS.c.id.label("user_id"), _ACCOUNTS.c.username, _ACCOUNTS.c.full_name, _ACCOUNTS.c.email,
           _ACCOUNTS.c.opd_id, _ACCOUNTS.c.email_mode, _ACCOUNTS.c.auth_source, UserRole.__table__.c.role_key)
    .outerjoin(UserRole.__table__, UserRole.__table__.c.user_id == _ACCOUNTS.c.id)
    .where(_ACCOUNTS.c.username == bindparam("username"), _ACCOUNTS.c.active.is_(True)))


def active_user_view(rows: Sequence[Any]) -> UserView | None:
    """An active account read as one row per role (``user_id``, ``username``, ``full_name``,
    ``email``, ``opd_id``, ``email_mode``, ``auth_source``, ``role_key``; a NULL role for an account without
    roles);
    None without rows."""
    if not rows:
        return None
    first = rows[0]
    return UserView(first.user_id, first.username, first.full_name, first.email, True,
                    frozenset(r.role_key for r in rows if r.role_key is not None), first.opd_id, first.email_mode,
                    auth_source=first.auth_source or "local")


def roles_of(session: Session, username: str) -> set[str]:
    """Roles of an active user (empty for unknown or inactive users)."""
    return set(session.scalars(ACTIVE_USER_ROLES, {"username": username}))


def _view(session: Session, user: UserAccount) -> UserView:
    roles = frozenset(session.scalars(select(UserRole.role_key).where(UserRole.user_id == user.id)))
    return UserView(user.id, user.username, user.full_name, user.email, user.active, roles, user.opd_id,
                    user.email_mode or "instant", user.nip, user.jabatan, user.unit_kerja, user.phone,
                    user.auth_source or "local")


EMAIL_MODES = ("instant", "digest", "off")


def opd_of(session: Session, username: str) -> int | None:
    """The requesting unit of an active user (None for unknown or inactive users, or no unit)."""
    return session.scalar(select(UserAccount.opd_id).where(UserAccount.username == username,
                                                           UserAccount.active.is_(True)))


class UserService:
    def __init__(self, sessions: sessionmaker[Session], roles: RoleCatalog, clock: Clock = utcnow,
                 scrypt_n: int = _SCRYPT["n"]) -> None:
        self._sessions = sessions
        self._roles = roles
        self._clock = clock
        self._scrypt_n = scrypt_n
        # Checked when the account is unknown, so that a miss costs what a wrong password costs.
        self._dummy_hash = hash_password(secrets.token_urlsafe(16), scrypt_n)

    def add_user(self, username: str, full_name: str, password: str, roles: set[str] | frozenset[str] = frozenset(),
                 actor: str = "system", email: str | None = None, opd_id: int | None = None,
                 nip: str | None = None, jabatan: str | None = None, unit_kerja: str | None = None,
                 phone: str | None = None) -> UserView:
        """:raises InvalidInput: bad username, short password, unknown role or bad account data
        :raises Conflict: the username or the NIP exists"""
        username = username.strip()
        if not username or not username.replace("_", "").replace(".", "").replace("-", "").isalnum():
            raise InvalidInput("Nama pengguna hanya boleh huruf, angka, titik, garis bawah atau tanda minus",
                               field="username")
        check_password(password, username)
        self._check_roles(roles)
        data = clean_account_data(AccountData(full_name, nip, jabatan, unit_kerja, email, phone), username,
                                  self._clock().astimezone(WITA).date())
        with UnitOfWork.begin(self._sessions) as work:
            session = work.session
            if session.scalar(select(UserAccount.id).where(UserAccount.username == username)) is not None:
                raise Conflict(f"Pengguna '{username}' sudah ada", username=username)
            if data.nip is not None and (holder := session.scalar(
                    select(UserAccount.username).where(UserAccount.nip == data.nip))) is not None:
                raise Conflict(f"NIP {data.nip} sudah tercatat pada akun '{holder}'", field="nip")
            if opd_id is not None:
                opd_row(session, opd_id)
            user = UserAccount(username=username, full_name=data.full_name, email=data.email, nip=data.nip,
                               jabatan=data.jabatan, unit_kerja=data.unit_kerja, phone=data.phone,
                               password_hash=hash_password(password, self._scrypt_n), active=True,
                               created_at=self._clock(), opd_id=opd_id, email_mode="instant")
            session.add(user)
            session.flush()
            session.add_all(UserRole(user_id=user.id, role_key=r) for r in sorted(roles))
            payload: dict[str, Any] = {"username": username, "roles": sorted(roles)}
            if opd_id is not None:
                payload["opd_id"] = opd_id
            payload.update({name: getattr(data, name) for name in ("nip", "jabatan", "unit_kerja")
                            if getattr(data, name) is not None})
            work.record(SYSTEM_CHAIN, "user_added", actor=actor, at=self._clock(), payload=payload)
            session.flush()
            return _view(session, user)

    def set_roles(self, username: str, roles: set[str] | frozenset[str], actor: str = "system") -> UserView:
        self._check_roles(roles)
        with UnitOfWork.begin(self._sessions) as work:
            session = work.session
            user = self._get(session, username)
            session.execute(delete(UserRole).where(UserRole.user_id == user.id))
            session.add_all(UserRole(user_id=user.id, role_key=r) for r in sorted(roles))
            work.record(SYSTEM_CHAIN, "user_roles_changed", actor=actor, at=self._clock(),
                        payload={"username": username, "roles": sorted(roles)})
            session.flush()
            return _view(session, user)

    def set_opd(self, username: str, opd_id: int | None, actor: str = "system") -> UserView:
        """Put an account in a requesting unit (or in none).

        :raises UserNotFound:  :raises OpdNotFound:
        """
        with UnitOfWork.begin(self._sessions) as work:
            user = self._get(work.session, username)
            if opd_id is not None:
                opd_row(work.session, opd_id)
            if user.opd_id != opd_id:
                user.opd_id = opd_id
                work.record(SYSTEM_CHAIN, "user_opd_changed", actor=actor, at=self._clock(),
                            payload={"username": username, "opd_id": opd_id})
            return _view(work.session, user)

    def set_account_data(self, username: str, data: AccountData, actor: str) -> UserView:
        """Replace the account's name, NIP, jabatan, unit kerja, e-mail and phone; the audit event
        names the fields that changed, with their new values.

        :raises UserNotFound:  :raises InvalidInput: a bad value  :raises Conflict: the NIP is another account's
        """
        clean = clean_account_data(data, username, self._clock().astimezone(WITA).date())
        with UnitOfWork.begin(self._sessions) as work:
            session = work.session
            user = self._get(session, username)
            if clean.nip is not None:
                holder = session.scalar(select(UserAccount.username).where(UserAccount.nip == clean.nip,
                                                                            UserAccount.id != user.id))
                if holder is not None:
                    raise Conflict(f"NIP {clean.nip} sudah tercatat pada akun '{holder}'", field="nip")
            changed = {name: value for name in ACCOUNT_FIELDS
                       if (value := getattr(clean, name)) != getattr(user, name)}
            for name, value in changed.items():
                setattr(user, name, value)
            if changed:
                work.record(SYSTEM_CHAIN, "user_account_data_changed", actor=actor, at=self._clock(),
                            payload={"username": username, **changed})
            session.flush()
            return _view(session, user)

    def set_email_mode(self, username: str, mode: str, actor: str) -> UserView:
        """How the user's notifications are e-mailed: each at once, in one daily digest, or not at all.

        :raises InvalidInput: an unknown mode
        """
        if mode not in EMAIL_MODES:
            raise InvalidInput(f"Pilihan e-mail tidak dikenal: {mode}", field="email_mode")
        with UnitOfWork.begin(self._sessions) as work:
            user = self._get(work.session, username)
            if user.email_mode != mode:
                user.email_mode = mode
                work.record(SYSTEM_CHAIN, "user_email_mode_changed", actor=actor, at=self._clock(),
                            payload={"username": username, "email_mode": mode})
            return _view(work.session, user)

    def set_active(self, username: str, active: bool, actor: str = "system") -> UserView:
        """Activate or deactivate an account; deactivation ends its sessions (its tokens stop with it)."""
        with UnitOfWork.begin(self._sessions) as work:
            user = self._get(work.session, username)
            user.active = active
            if not active:
                end_sessions(work.session, user.id)
            work.record(SYSTEM_CHAIN, "user_activated" if active else "user_deactivated", actor=actor,
                        at=self._clock(), payload={"username": username})
            return _view(work.session, user)

    def set_password(self, username: str, password: str, actor: str = "system") -> None:
        """Set a new password (one's own change or an admin reset): every session of the account ends
        and every API token is revoked, so whoever held the old password holds nothing any more.

        :raises InvalidInput: the password breaks the policy (engine/accounts/password_policy.py), or the
            account signs in through the directory or SSO (its password is kept there)
        :raises UserNotFound:
        """
        check_password(password, username)
        password_hash = hash_password(password, self._scrypt_n)  # before the write lock: scrypt is slow
        with UnitOfWork.begin(self._sessions) as work:
            user = self._get(work.session, username)
            if user.auth_source != "local":
                raise InvalidInput(f"Akun '{username}' masuk lewat {user.auth_source}: kata sandinya diatur di "
                                   "direktori/SSO kantor, tidak di Alur", field="password")
            user.password_hash = password_hash
            end_sessions(work.session, user.id)
            revoked = work.connection.execute(
                update(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked.is_(False))
                .values(revoked=True)).rowcount
            work.record(SYSTEM_CHAIN, "user_password_changed", actor=actor, at=self._clock(),
                        payload={"username": username, "tokens_revoked": revoked})

    def session_generation(self, username: str) -> int:
        """The generation a new session of this account begins in (0 for an unknown account)."""
        with read_only_connection(self._sessions) as connection:
            return connection.scalar(select(_ACCOUNTS.c.session_generation)
                                     .where(_ACCOUNTS.c.username == username)) or 0

    def authenticate(self, username: str, password: str) -> UserView | None:
        """The active user with these credentials, or None (the caller logs the attempt).

        The row is read without a write lock and the hash is checked after the connection is returned:
        scrypt takes a tenth of a second, and on SQLite a write transaction around it held up every step
        of every case. Unknown and deactivated accounts cost one scrypt too, so timing tells nothing.
        """
        row = None
        if _may_be_username(username):  # a NUL or a lone surrogate would fail in the database driver
            with read_only_connection(self._sessions) as connection:
                row = connection.execute(_LOGIN_ROW, {"username": username}).first()
        matches = verify_password(password, row.password_hash if row is not None else self._dummy_hash)
        if row is None or not row.active or not matches:
            return None
        with read_only_connection(self._sessions) as connection:
            rows = connection.execute(ACTIVE_USER_VIEW, {"username": username}).all()
        return active_user_view(rows)

    def people(self) -> dict[str, Person]:
        """Every account's name, jabatan and NIP by username, to show actors of events."""
        with read_only_session(self._sessions) as session:
            return people(session)

    def get(self, username: str) -> UserView:
        with read_only_session(self._sessions) as session:
            return _view(session, self._get(session, username))

    def find(self, username: str) -> UserView | None:
        with read_only_session(self._sessions) as session:
            user = session.scalar(select(UserAccount).where(UserAccount.username == username))
            return _view(session, user) if user else None

    def list_users(self) -> list[UserView]:
        with read_only_session(self._sessions) as session:
            return [_view(session, u) for u in session.scalars(select(UserAccount).order_by(UserAccount.username))]

    def users_with_role(self, role: str) -> list[UserView]:
        """Active users who can work on tasks of ``role`` (members of a group role included)."""
        wanted = {role} | set(self._roles.roles[role].members if role in self._roles else ())
        with read_only_session(self._sessions) as session:
            users = session.scalars(
                select(UserAccount).join(UserRole, UserRole.user_id == UserAccount.id)
                .where(UserRole.role_key.in_(wanted), UserAccount.active.is_(True))
                .distinct().order_by(UserAccount.username))
            return [_view(session, u) for u in users]

    def _check_roles(self, roles: set[str] | frozenset[str]) -> None:
        unknown = sorted(r for r in roles if r not in self._roles)
        if unknown:
            raise InvalidInput(f"Peran tidak dikenal: {', '.join(unknown)}", field="roles")

    @staticmethod
    def _get(session: Session, username: str) -> UserAccount:
        user = session.scalar(select(UserAccount).where(UserAccount.username == username))
        if user is None:
            raise UserNotFound(f"Pengguna '{username}' tidak ditemukan", username=username)
        return user
