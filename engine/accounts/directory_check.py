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

Every entry is read before anything changes. A directory that answers but lacks many of the accounts at
once (more than ``MISSING_ALWAYS_APPLIED`` and more than ``MISSING_SHARE_LIMIT`` of them) is far likelier a
wrong base DN or filter than a mass departure: the check then changes nothing (``DirectoryCheckRefused``)
until someone runs ``alur directory check --accept-missing``.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from engine.accounts.external import AccountChange, ExternalAccounts, ExternalIdentity
from engine.accounts.identity_settings import LdapSettings
from engine.accounts.ldap_directory import AmbiguousEntry, LdapDirectory
from engine.errors import DirectoryCheckImpossible, DirectoryCheckRefused, DirectoryUnavailable
from engine.persistence.db import read_only_session
from engine.persistence.models import UserAccount

VIA = "directory_check"
MISSING_ALWAYS_APPLIED = 2  # people do leave: this many missing entries are applied whatever the share
MISSING_SHARE_LIMIT = 0.2
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

    def run(self, on_account: Callable[[AccountChange], None] | None = None,
            accept_missing: bool = False) -> CheckReport:
        """Check every active account of the directory; ``on_account`` hears of each as it is done.

        :raises DirectoryCheckImpossible: no directory, or direct bind only (nothing done)
        :raises DirectoryUnavailable: the directory cannot be reached, refuses the service account, or a
            search fails (nothing is done; the reason is logged)
        :raises DirectoryCheckRefused: too many accounts have no entry and ``accept_missing`` is not set
            (nothing is done; the reason is logged)
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
        found: list[tuple[int, str, str | None, ExternalIdentity | None | AmbiguousEntry]] = []
        try:
            with LdapDirectory(self._settings).service_reader() as reader:
                for user_id, username, subject in accounts:
                    try:
                        found.append((user_id, username, subject, reader.person(username, subject)))
                    except AmbiguousEntry as exc:
                        found.append((user_id, username, subject, exc))
        except DirectoryUnavailable as exc:
            log.warning("directory check stopped after reading %d of %d account(s), nothing changed: %s",
                        len(found), len(accounts), exc.message)
            raise
        missing = sorted(username for _id, username, _subject, entry in found if entry is None)
        if not accept_missing and len(missing) > max(MISSING_ALWAYS_APPLIED, MISSING_SHARE_LIMIT * len(found)):
            log.warning("directory check changed nothing: %d of %d account(s) have no directory entry (%s); a "
                        "wrong ALUR_LDAP_BASE_DN or filter is likelier than so many people gone at once; "
                        "'alur directory check --accept-missing' deactivates them", len(missing), len(found),
                        ", ".join(missing[:10]))
            raise DirectoryCheckRefused(
                f"Pemeriksaan direktori tidak mengubah apa pun: {len(missing)} dari {len(found)} akun tidak ada di "
                "direktori. Periksa ALUR_LDAP_BASE_DN dan filter pencarian; bila memang benar, jalankan "
                "'alur directory check --accept-missing'.", missing=len(missing), checked=len(found))
        report = CheckReport()
        for user_id, username, subject, entry in found:
            if isinstance(entry, AmbiguousEntry):
                change = AccountChange(username, "skipped", reason=f"more than one directory entry: {entry}")
            else:
                change = self._accounts.recheck(user_id, entry, source="ldap", subject=subject, via=VIA)
            report.accounts.append(change)
            if on_account is not None:
                on_account(change)
        return report
