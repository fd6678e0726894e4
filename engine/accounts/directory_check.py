"""The directory check: what the office's LDAP / Active Directory says of each active account it provides,
applied without waiting for that person's next sign-in (issue 22: "deactivated when the directory disables
them"), by the worker every ``ALUR_LDAP_CHECK_MINUTES`` and by ``alur directory check``.

With the configured service account each active ``ldap`` account's entry is read (by its stable id, so a
renamed person is still found) and the sign-in's rules applied (``ExternalAccounts.recheck``): a person the
directory disables (the same ``disabled_filter`` the sign-in reads: AD's ACCOUNTDISABLE bit, the password
policy's lock) or whose entry is gone is deactivated, which ends their sessions and stops their API tokens;
otherwise data and managed roles are brought up to date. Each account is its own transaction with its audit
events (``via: directory_check``).

Nothing is concluded from a directory that does not answer: when it cannot be reached, refuses the service
account or a search fails, the check stops with ``DirectoryUnavailable`` (the accounts already checked keep
their complete changes; none is half done). With direct bind only there is no way to read an entry without
the person's password, so the check refuses to run (``DirectoryCheckImpossible``).
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from engine.accounts.external import AccountChange, ExternalAccounts
from engine.accounts.identity_settings import LdapSettings
from engine.accounts.ldap_directory import AmbiguousEntry, LdapDirectory
from engine.errors import DirectoryCheckImpossible, DirectoryUnavailable
from engine.persistence.db import read_only_session
from engine.persistence.models import UserAccount

VIA = "directory_check"
log = logging.getLogger(__name__)


@dataclass
class CheckReport:
    """The accounts the check looked at, in username order, with what it did to each."""

    accounts: list[AccountChange] = field(default_factory=list)

    def count(self, outcome: str) -> int:
        return sum(1 for a in self.accounts if a.outcome == outcome)


class DirectoryCheck:
    def __init__(self, sessions: sessionmaker[Session], settings: LdapSettings | None,
                 accounts: ExternalAccounts) -> None:
        self._sessions = sessions
        self._settings = settings
        self._accounts = accounts

    def why_not(self) -> str | None:
        """Why the check cannot run with these settings (None: it can)."""
        if self._settings is None:
            return "no LDAP directory is configured (ALUR_LDAP_URL)"
        if self._settings.bind_dn is None:
            return ("the directory is used with direct bind only (no ALUR_LDAP_BIND_DN): without a service account "
                    "nobody's entry can be read without their password; configure a read-only service account")
        return None

    def run(self, on_account: Callable[[AccountChange], None] | None = None) -> CheckReport:
        """Check every active account of the directory; ``on_account`` hears of each as it is done.

        :raises DirectoryCheckImpossible: no directory, or direct bind only (nothing done)
        :raises DirectoryUnavailable: the directory cannot be reached, refuses the service account, or a
            search fails (nothing more is done; the reason is logged)
        """
        reason = self.why_not()
        if reason is not None or self._settings is None:
            log.warning("directory check cannot run: %s", reason)
            raise DirectoryCheckImpossible(f"Pemeriksaan direktori tidak dapat dijalankan: {reason}",
                                           reason="direct_bind" if self._settings is not None else "no_directory")
        with read_only_session(self._sessions) as session:
            accounts = session.execute(
                select(UserAccount.id, UserAccount.username, UserAccount.external_subject)
                .where(UserAccount.auth_source == "ldap", UserAccount.active.is_(True))
                .order_by(UserAccount.username)).all()
        report = CheckReport()
        try:
            with LdapDirectory(self._settings).service_reader() as reader:
                for user_id, username, subject in accounts:
                    try:
                        identity = reader.person(username, subject)
                    except AmbiguousEntry as exc:
                        change = AccountChange(username, "skipped", reason=f"more than one directory entry: {exc}")
                    else:
                        change = self._accounts.recheck(user_id, identity, source="ldap", subject=subject, via=VIA)
                    report.accounts.append(change)
                    if on_account is not None:
                        on_account(change)
        except DirectoryUnavailable as exc:
            log.warning("directory check stopped after %d of %d account(s), nothing concluded from then on: %s",
                        len(report.accounts), len(accounts), exc.message)
            raise
        return report
