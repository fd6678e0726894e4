"""Accounts whose person signs in through the office's directory (LDAP / Active Directory) or single
sign-on (OpenID Connect): one provisioning use case for both.

At each sign-in the source hands over an ``ExternalIdentity``; ``ExternalAccounts.sign_in`` creates the
account on the first one, then updates its name, NIP, jabatan, unit kerja, e-mail, phone (those the source
carries; the others stay as Admin Sistem set them) and the roles the directory decides, and deactivates it
when the source says the person is disabled.

**Linking rule.** An account belongs to one source (``user_account.auth_source``) and, for a directory,
to one directory entry (``external_subject``: LDAP entryUUID / AD objectGUID, the OIDC ``sub``). A sign-in
finds its account by that pair, never by the username alone, so:

- a *local* account is never taken over by a directory person carrying the same username: the sign-in is
  refused (``username_taken``) until Admin Sistem links the account (``link``, ``alur users link``), which
  moves it to the source; its first sign-in then binds it to the directory entry;
- a username already bound to another directory entry (a person deleted and re-created in the directory,
  a reused name) is refused (``subject_mismatch``) until Admin Sistem links it again.

**Roles.** ``[directory_groups]`` maps directory groups (LDAP group DN or its first value, e.g. the cn;
OIDC group or role names) to Alur roles. The roles named anywhere in that table are *managed*: at each
sign-in an account holds exactly the managed roles its groups give. Roles not named in the table (say
``auditor`` given by hand) are left as Admin Sistem set them.

**Deactivation.** A person disabled in the directory is refused and their account deactivated (every
session ends). An account Admin Sistem deactivated stays deactivated whatever the directory says. The
directory check (``engine.accounts.directory_check``) applies the same rules between sign-ins (``recheck``).
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from engine.accounts.profile import ACCOUNT_FIELDS, AccountData, clean_account_data
from engine.accounts.users import _view, end_sessions
from engine.audit.chain import SYSTEM_CHAIN
from engine.errors import ConcurrentUpdate, InvalidInput, LoginRefused, UserNotFound
from engine.modeling.roles import RoleCatalog
from engine.persistence.models import UserAccount, UserRole
from engine.runtime.unit_of_work import UnitOfWork
from engine.values import UserView
from engine.worktime.clock import Clock, utcnow
from engine.worktime.work_calendar import WITA

SOURCES = ("ldap", "oidc")
EXTERNAL_PASSWORD = "!external"  # never a scrypt hash: a directory account has no password in Alur
SOURCE_NAMES = {"ldap": "direktori (LDAP)", "oidc": "SSO (OpenID Connect)", "local": "akun lokal"}


@dataclass(frozen=True)
class ExternalIdentity:
    """A person as the directory or the sign-on portal describes them at this sign-in."""

    source: str  # "ldap" or "oidc"
    subject: str  # the source's stable id of the person
    username: str
    full_name: str
    email: str | None = None
    nip: str | None = None
    jabatan: str | None = None
    unit_kerja: str | None = None
    phone: str | None = None
    groups: frozenset[str] = frozenset()
    disabled: bool = False


@dataclass(frozen=True)
class AccountChange:
    """What the directory check did to one account: ``outcome`` is ``deactivated`` (``reason`` says why),
    ``updated`` (the data ``fields`` and roles that changed), ``unchanged`` or ``skipped`` (``reason``)."""

    username: str
    outcome: str
    reason: str | None = None
    fields: tuple[str, ...] = ()
    roles_added: tuple[str, ...] = ()
    roles_removed: tuple[str, ...] = ()


@dataclass(frozen=True)
class GroupRoles:
    """Directory groups → Alur roles (the ``[directory_groups]`` table)."""

    by_group: dict[str, frozenset[str]]  # keys lower-case

    @classmethod
    def load(cls, path: Path, catalog: RoleCatalog) -> GroupRoles:
        """Read ``[directory_groups]`` of ``path`` (none: an empty mapping).

        :raises InvalidInput: the file cannot be read, or names a role the catalogue does not know
        """
        try:
            document = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise InvalidInput(f"{path}: [directory_groups] tidak dapat dibaca: {exc}") from exc
        table = document.get("directory_groups", {})
        mapping: dict[str, frozenset[str]] = {}
        for group, roles in table.items():
            roles = [roles] if isinstance(roles, str) else roles
            unknown = sorted(r for r in roles if r not in catalog)
            if unknown:
                raise InvalidInput(f"{path}: [directory_groups] '{group}' merujuk peran tak dikenal {unknown}")
            mapping[group.strip().lower()] = mapping.get(group.strip().lower(), frozenset()) | frozenset(roles)
        return cls(mapping)

    @property
    def managed(self) -> frozenset[str]:
        """The roles the directory decides."""
        return frozenset().union(*self.by_group.values()) if self.by_group else frozenset()

    def roles_for(self, groups: frozenset[str]) -> frozenset[str]:
        """The roles of a member of ``groups``: a group matches by its whole name (a DN) or its first value."""
        names = {g.strip().lower() for g in groups} | {_first_value(g) for g in groups}
        return frozenset().union(*(self.by_group[n] for n in names if n in self.by_group))


def _first_value(group: str) -> str:
    """``cn=Pengelola TI,ou=groups,…`` → ``pengelola ti``; a plain name stays itself (lower-case)."""
    first = group.split(",", 1)[0]
    return (first.split("=", 1)[1] if "=" in first else first).strip().lower()


class ExternalAccounts:
    def __init__(self, sessions: sessionmaker[Session], groups: GroupRoles, clock: Clock = utcnow) -> None:
        self._sessions = sessions
        self._groups = groups
        self._clock = clock

    def sign_in(self, identity: ExternalIdentity, remote_addr: str | None) -> UserView:
        """The account of ``identity``, created or brought up to date (data, managed roles) in one
        transaction with its audit events.

        :raises LoginRefused: disabled in the directory (the account is deactivated first), deactivated
            in Alur, or the linking rule refuses (the refusal is an audit event)
        """
        try:
            return self._sign_in(identity, remote_addr)
        except (IntegrityError, ConcurrentUpdate):  # the same first sign-in in two tabs at once: the other won
            return self._sign_in(identity, remote_addr)

    def _sign_in(self, identity: ExternalIdentity, remote_addr: str | None) -> UserView:
        refusal: LoginRefused | None = None
        with UnitOfWork.begin(self._sessions) as work:
            user, refusal = self._account_of(work, identity)
            if refusal is None and user is not None and identity.disabled:
                refusal = self._deactivate(work, user, identity)
            elif refusal is None and identity.disabled:
                refusal = _refusal("disabled", identity)
            elif refusal is None and user is not None and not user.active:
                refusal = _refusal("inactive", identity)
            if refusal is not None:
                work.record(SYSTEM_CHAIN, "login_refused", actor="anonymous", at=self._clock(),
                            payload={"username": identity.username, "source": identity.source,
                                     "reason": refusal.reason, "remote_addr": remote_addr})
            else:
                user = user or self._create(work, identity)
                self._update(work, user, identity)
                return _view(work.session, user)
        raise refusal

    def refuse(self, username: str, source: str, reason: str, remote_addr: str | None) -> None:
        """Record a refused sign-in that never reached an account (the directory down, the portal's error)."""
        with UnitOfWork.begin(self._sessions) as work:
            work.record(SYSTEM_CHAIN, "login_refused", actor="anonymous", at=self._clock(),
                        payload={"username": username[:100], "source": source, "reason": reason,
                                 "remote_addr": remote_addr})

    def link(self, username: str, source: str, actor: str) -> UserView:
        """Let a local account (or one bound to another directory entry) be signed in through ``source``:
        its next sign-in there binds it to that directory entry; its local password stops working.

        :raises UserNotFound:  :raises InvalidInput: an unknown source
        """
        if source not in SOURCES:
            raise InvalidInput(f"Sumber masuk tidak dikenal: {source} (pilihan: {', '.join(SOURCES)})",
                               field="source")
        with UnitOfWork.begin(self._sessions) as work:
            user = work.session.scalar(select(UserAccount).where(UserAccount.username == username))
            if user is None:
                raise UserNotFound(f"Pengguna '{username}' tidak ditemukan", username=username)
            work.record(SYSTEM_CHAIN, "account_linked", actor=actor, at=self._clock(),
                        payload={"username": username, "source": source, "previous_source": user.auth_source})
            user.auth_source, user.external_subject, user.password_hash = source, None, EXTERNAL_PASSWORD
            end_sessions(work.session, user.id)
            return _view(work.session, user)

    def _account_of(self, work: UnitOfWork, identity: ExternalIdentity) -> tuple[UserAccount | None,
                                                                                  LoginRefused | None]:
        session = work.session
        bound = session.scalar(select(UserAccount).where(UserAccount.auth_source == identity.source,
                                                          UserAccount.external_subject == identity.subject))
        if bound is not None:
            return bound, None
        named = session.scalar(select(UserAccount).where(UserAccount.username == identity.username))
        if named is None:
            return None, None
        if named.auth_source != identity.source:
            return None, _refusal("username_taken", identity)
        if named.external_subject == identity.subject:  # made by a sign-in that committed a moment ago
            return named, None
        if named.external_subject is not None:
            return None, _refusal("subject_mismatch", identity)
        named.external_subject = identity.subject  # linked by Admin Sistem: bound at its first sign-in
        work.record(SYSTEM_CHAIN, "account_bound", actor=identity.username, at=self._clock(),
                    payload={"username": named.username, "source": identity.source, "subject": identity.subject})
        return named, None

    def _deactivate(self, work: UnitOfWork, user: UserAccount, identity: ExternalIdentity) -> LoginRefused:
        self._end_account(work, user, identity.source, "disabled in the directory")
        return _refusal("disabled", identity)

    def _end_account(self, work: UnitOfWork, user: UserAccount, source: str, reason: str,
                     via: str | None = None) -> None:
        """Deactivate ``user`` and end every session it has (its API tokens stop with ``active``)."""
        if user.active:
            user.active = False
            end_sessions(work.session, user.id)
            payload = {"username": user.username, "source": source, "reason": reason}
            work.record(SYSTEM_CHAIN, "user_deactivated", actor=f"{source}:directory", at=self._clock(),
                        payload={**payload, "via": via} if via else payload)

    def recheck(self, user_id: int, identity: ExternalIdentity | None, *, source: str, subject: str | None,
                via: str) -> AccountChange:
        """Apply what the directory says now of an account it provides, without a sign-in (the directory
        check, ``engine.accounts.directory_check``): deactivated when it disables the person or no longer has
        their entry (``identity`` None), else its data and managed roles brought up to date, as at a sign-in.
        One transaction with its audit events (marked ``via``). ``source`` and ``subject`` are what the
        account was when the directory was asked: an account deactivated, linked elsewhere or bound to
        another entry in the meantime is left alone.
        """
        with UnitOfWork.begin(self._sessions) as work:
            user = work.session.scalar(select(UserAccount).where(UserAccount.id == user_id).with_for_update())
            if (user is None or not user.active or user.auth_source != source or user.external_subject != subject
                    or (identity is not None and (identity.source != source
                                                  or subject not in (None, identity.subject)))):
                return AccountChange(user.username if user is not None else str(user_id), "unchanged")
            if identity is None or identity.disabled:
                reason = "missing from the directory" if identity is None else "disabled in the directory"
                self._end_account(work, user, source, reason, via)
                return AccountChange(user.username, "deactivated", reason=reason)
            fields, added, removed = self._update(work, user, identity, via)
            return AccountChange(user.username, "updated" if fields or added or removed else "unchanged",
                                 fields=fields, roles_added=added, roles_removed=removed)

    def _create(self, work: UnitOfWork, identity: ExternalIdentity) -> UserAccount:
        user = UserAccount(username=identity.username, full_name=identity.full_name or identity.username,
                           password_hash=EXTERNAL_PASSWORD, active=True, created_at=self._clock(),
                           email_mode="instant", auth_source=identity.source, external_subject=identity.subject)
        work.session.add(user)
        work.session.flush()
        work.record(SYSTEM_CHAIN, "user_added", actor=f"{identity.source}:directory", at=self._clock(),
                    payload={"username": identity.username, "roles": [], "source": identity.source,
                             "subject": identity.subject})
        return user

    def _update(self, work: UnitOfWork, user: UserAccount, identity: ExternalIdentity,
                via: str | None = None) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
        """Bring the account's data and managed roles to what the source says; an event per kind of change.
        Returns the fields changed, the roles added and the roles removed. ``via`` (the directory check):
        values refused alone are not recorded again at every check, only with a change."""
        actor, now = f"{identity.source}:directory", self._clock()
        marked = {"via": via} if via else {}
        changed, ignored = self._data_changes(work.session, user, identity)
        for name, value in changed.items():
            setattr(user, name, value)
        if changed or (ignored and via is None):
            payload: dict[str, Any] = {"username": user.username, "source": identity.source, **changed}
            if ignored:
                payload["ignored"] = ignored
            work.record(SYSTEM_CHAIN, "user_account_data_changed", actor=actor, at=now, payload={**payload, **marked})
        held = set(work.session.scalars(select(UserRole.role_key).where(UserRole.user_id == user.id)))
        wanted = (held - self._groups.managed) | self._groups.roles_for(identity.groups)
        if wanted != held:
            work.session.execute(delete(UserRole).where(UserRole.user_id == user.id))
            work.session.add_all(UserRole(user_id=user.id, role_key=r) for r in sorted(wanted))
            work.record(SYSTEM_CHAIN, "user_roles_changed", actor=actor, at=now,
                        payload={"username": user.username, "roles": sorted(wanted), "source": identity.source,
                                 "roles_added": sorted(wanted - held), "roles_removed": sorted(held - wanted),
                                 "groups": sorted(identity.groups), **marked})
        work.session.flush()
        return tuple(sorted(changed)), tuple(sorted(wanted - held)), tuple(sorted(held - wanted))

    def _data_changes(self, session: Session, user: UserAccount,
                      identity: ExternalIdentity) -> tuple[dict[str, str | None], dict[str, str]]:
        """The fields whose value differs from the source's, and the source's values refused (with why):
        a value the directory gets wrong must not lock the person out, so it is left unchanged and named.
        A field the source does not carry (no attribute, no claim) is left as Admin Sistem set it."""
        today: date = self._clock().astimezone(WITA).date()
        values = {"full_name": identity.full_name, "nip": identity.nip, "jabatan": identity.jabatan,
                  "unit_kerja": identity.unit_kerja, "email": identity.email, "phone": identity.phone}
        ignored: dict[str, str] = {}
        clean: dict[str, str | None] = {}
        for name in ACCOUNT_FIELDS:
            if not (values[name] or "").strip():
                continue
            try:
                checked = clean_account_data(AccountData(**{**_empty(user), name: values[name]}), user.username,
                                             today)
            except InvalidInput as exc:
                ignored[name] = exc.message
                continue
            clean[name] = getattr(checked, name)
        nip = clean.get("nip")
        if nip is not None and session.scalar(select(UserAccount.username).where(
                UserAccount.nip == nip, UserAccount.id != user.id)) is not None:
            ignored["nip"] = f"NIP {nip} sudah tercatat pada akun lain"
            del clean["nip"]
        return {n: v for n, v in clean.items() if v != getattr(user, n)}, ignored


def _empty(user: UserAccount) -> dict[str, Any]:
    return {"full_name": user.full_name, **{n: None for n in ACCOUNT_FIELDS if n != "full_name"}}


_REFUSALS = {
    "disabled": "Akun Anda dinonaktifkan di {source}. Hubungi pengelola direktori kantor.",
    "inactive": "Akun Anda dinonaktifkan di Alur. Hubungi Admin Sistem.",
    "username_taken": "Nama pengguna '{username}' dipakai akun lokal Alur; Admin Sistem harus menautkannya ke "
                      "{source} lebih dahulu.",
    "subject_mismatch": "Nama pengguna '{username}' sudah tertaut ke entri {source} lain; Admin Sistem harus "
                        "menautkannya ulang.",
}


def _refusal(reason: str, identity: ExternalIdentity) -> LoginRefused:
    message = _REFUSALS[reason].format(source=SOURCE_NAMES[identity.source], username=identity.username)
    return LoginRefused(message, reason=reason, username=identity.username, source=identity.source)
