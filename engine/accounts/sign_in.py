"""Which way a person signs in: a local password, the office's directory (LDAP) or single sign-on (OIDC).

The login form's name and password go to ``with_password``: a local account checks its password here
(unless local passwords are off and it is not a break-glass Admin Sistem account); any other name goes
to the directory, when one is configured. The directory being down never stops a local account."""
from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import NoReturn

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from engine.accounts.external import SOURCE_NAMES, ExternalAccounts
from engine.accounts.identity_settings import IdentitySettings
from engine.accounts.ldap_directory import LdapDirectory
from engine.accounts.oidc import OidcClient, OidcRequest
from engine.accounts.users import UserService, roles_of
from engine.errors import DirectoryUnavailable, LoginRefused
from engine.permissions import ADMIN_ROLE
from engine.persistence.db import read_only_session
from engine.persistence.models import UserAccount
from engine.values import UserView

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SignedIn:
    user: UserView
    source: str  # local, ldap or oidc
    id_token: str | None = None  # OIDC: for the logout at the provider


class SignIn:
    def __init__(self, sessions: sessionmaker[Session], settings: IdentitySettings, users: UserService,
                 external: ExternalAccounts) -> None:
        self._sessions = sessions
        self._settings = settings
        self._users = users
        self._external = external
        self._ldap = LdapDirectory(settings.ldap) if settings.ldap is not None else None
        self._oidc = OidcClient(settings.oidc) if settings.oidc is not None else None

    @property
    def sso_enabled(self) -> bool:
        return self._oidc is not None

    @property
    def directory_enabled(self) -> bool:
        return self._ldap is not None

    def with_password(self, username: str, password: str, remote_addr: str | None) -> SignedIn | None:
        """The signed-in account, or None for a wrong name or password (the caller counts the failure).

        :raises LoginRefused: a reason the person must read (disabled, local passwords off, use SSO …),
            already recorded as an audit event
        :raises DirectoryUnavailable: the directory is needed and down (recorded as a refusal)
        """
        source = self._source_of(username)
        if source == "local" or (source is None and self._ldap is None):
            if source == "local" and not self._local_allowed(username):
                self._refuse(username, "local", "local_passwords_off", remote_addr,
                             "Masuk dengan kata sandi lokal dimatikan; masuk dengan akun direktori atau SSO kantor.")
            user = self._users.authenticate(username, password)
            return SignedIn(user, "local") if user is not None else None
        if source == "oidc":
            self._refuse(username, "oidc", "use_sso", remote_addr,
                         "Akun ini masuk lewat SSO kantor: pakai tombol \u201cMasuk dengan SSO\u201d.")
        if self._ldap is None:  # a directory account, and the directory is no longer configured
            self._external.refuse(username, "ldap", "directory_unavailable", remote_addr)
            raise DirectoryUnavailable("Direktori LDAP tidak dikonfigurasi", source="ldap")
        try:
            answer = self._ldap.authenticate(username, password)
        except DirectoryUnavailable as exc:
            _log_unavailable(exc)
            self._external.refuse(username, "ldap", "directory_unavailable", remote_addr)
            raise
        if answer.identity is None or (not answer.password_ok and not answer.identity.disabled):
            return None
        try:
            return SignedIn(self._external.sign_in(answer.identity, remote_addr), "ldap")
        except LoginRefused:
            if not answer.password_ok:
                return None  # disabled: deactivated here, but say so only to whoever knows the password
            raise

    def begin_sso(self, redirect_uri: str) -> tuple[str, OidcRequest]:
        """:raises DirectoryUnavailable: no SSO configured, or the provider cannot be reached"""
        if self._oidc is None:
            raise DirectoryUnavailable("SSO tidak dikonfigurasi", source="oidc")
        try:
            return self._oidc.start(redirect_uri)
        except DirectoryUnavailable as exc:
            _log_unavailable(exc)
            raise

    def finish_sso(self, request: OidcRequest | None, answer: Mapping[str, str], remote_addr: str | None) -> SignedIn:
        """:raises LoginRefused:  :raises DirectoryUnavailable: (both recorded as refusals)"""
        if self._oidc is None or request is None:
            self._refuse("", "oidc", "sso_failed", remote_addr,
                         "Tidak ada permintaan masuk SSO yang sedang berjalan; ulangi masuk.")
        try:
            result = self._oidc.finish(request, answer)
        except LoginRefused as exc:
            self._external.refuse("", "oidc", exc.reason, remote_addr)
            raise
        except DirectoryUnavailable as exc:
            _log_unavailable(exc)
            self._external.refuse("", "oidc", "directory_unavailable", remote_addr)
            raise
        return SignedIn(self._external.sign_in(result.identity, remote_addr), "oidc", result.id_token)

    def sso_logout_url(self, id_token: str | None, post_logout_redirect_uri: str) -> str | None:
        return self._oidc.logout_url(id_token, post_logout_redirect_uri) if self._oidc is not None else None

    def _source_of(self, username: str) -> str | None:
        if not username or len(username) > 100 or "\x00" in username or not username.isprintable():
            return None
        with read_only_session(self._sessions) as session:
            return session.scalar(select(UserAccount.auth_source).where(UserAccount.username == username))

    def _local_allowed(self, username: str) -> bool:
        """Local passwords on, or a break-glass account that holds Admin Sistem."""
        if self._settings.local_passwords:
            return True
        if username not in self._settings.break_glass:
            return False
        with read_only_session(self._sessions) as session:
            return ADMIN_ROLE in roles_of(session, username)

    def _refuse(self, username: str, source: str, reason: str, remote_addr: str | None, message: str) -> NoReturn:
        self._external.refuse(username, source, reason, remote_addr)
        raise LoginRefused(message, reason=reason, username=username, source=source)


def _log_unavailable(exc: DirectoryUnavailable) -> None:
    """The person reads "cannot be reached"; the operator needs why (refused connection, TLS certificate,
    service account), which only the exception says."""
    log.warning("sign-in through %s unavailable: %s", exc.context.get("source", "?"), exc.message)


__all__ = ["SOURCE_NAMES", "SignIn", "SignedIn"]
