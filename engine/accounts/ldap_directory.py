"""Checking a password against the office's LDAP directory or Active Directory (ldap3), over TLS with the
server certificate checked, and reading the person's data and groups as an ``ExternalIdentity``."""
from __future__ import annotations

import ssl
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from ldap3 import BASE, SUBTREE, Connection, Server, Tls
from ldap3.core.exceptions import LDAPException
from ldap3.utils.conv import escape_filter_chars
from ldap3.utils.dn import escape_rdn

from engine.accounts.external import ExternalIdentity
from engine.accounts.identity_settings import LdapSettings
from engine.errors import DirectoryUnavailable


@dataclass(frozen=True)
class DirectoryAnswer:
    """What the directory says of a sign-in: the person (None: unknown name) and whether the password is theirs."""

    identity: ExternalIdentity | None
    password_ok: bool


class LdapDirectory:
    def __init__(self, settings: LdapSettings) -> None:
        self._settings = settings.with_kind_defaults()
        parts = urlsplit(self._settings.url)
        use_ssl = parts.scheme == "ldaps"
        tls = _CheckedTls(validate=ssl.CERT_REQUIRED, version=ssl.PROTOCOL_TLS_CLIENT,
                          ca_certs_file=str(self._settings.ca_file) if self._settings.ca_file else None)
        self._server = Server(parts.hostname or "localhost", port=parts.port or (636 if use_ssl else 389),
                              use_ssl=use_ssl, tls=tls, connect_timeout=self._settings.timeout, get_info="NO_INFO")

    def authenticate(self, username: str, password: str) -> DirectoryAnswer:
        """Find the person, check the password with their own bind, read their groups.

        :raises DirectoryUnavailable: the directory cannot be reached, its certificate is refused, or the
            service account's bind fails
        """
        if not password or not username or len(username) > 100:
            return DirectoryAnswer(None, False)  # an empty password would be an anonymous bind
        opened: list[Connection] = []
        try:
            return self._authenticate(username, password, opened)
        except LDAPException as exc:
            raise DirectoryUnavailable(f"Direktori LDAP {self._settings.url} tidak dapat dipakai: {exc}",
                                       source="ldap") from exc
        finally:
            for connection in opened:
                _close(connection)

    def _authenticate(self, username: str, password: str, opened: list[Connection]) -> DirectoryAnswer:
        s = self._settings
        if s.bind_dn is not None:
            searcher = self._bound(s.bind_dn, s.bind_password or "", opened)
            if searcher is None:
                raise DirectoryUnavailable(f"Direktori LDAP menolak akun layanan {s.bind_dn}", source="ldap")
            entry = self._find_user(searcher, username)
            if entry is None:
                return DirectoryAnswer(None, False)
            password_ok = self._bound(entry["dn"], password, opened) is not None
        else:
            template = s.user_dn_template or f"{s.username_attribute}={{username}},{s.base_dn}"
            bind_name = template.format(username=escape_rdn(username) if "=" in template else username)
            person = self._bound(bind_name, password, opened)
            if person is None:
                return DirectoryAnswer(None, False)
            # A DN is read as itself (people may read their own entry); an AD "user@domain" is searched for.
            searcher, entry = person, self._find_user(person, username, bind_name if "=" in template else None)
            if entry is None:
                return DirectoryAnswer(None, False)
            password_ok = True
        return DirectoryAnswer(self._identity(searcher, entry, username), password_ok)

    @contextmanager
    def service_reader(self) -> Iterator[DirectoryReader]:
        """A connection bound as the service account that reads people one after the other (the directory
        check, ``engine.accounts.directory_check``). The people's base DN must be readable, else no absence
        could be believed.

        :raises DirectoryUnavailable: no service account, the directory cannot be reached, its certificate is
            refused, the service account's bind fails, or the base DN cannot be read
        """
        s = self._settings
        if s.bind_dn is None:
            raise DirectoryUnavailable("Direktori LDAP dipakai dengan bind langsung (tanpa akun layanan): tidak "
                                       "ada yang dapat membaca entri orang tanpa kata sandinya", source="ldap")
        opened: list[Connection] = []
        try:
            connection = self._bound(s.bind_dn, s.bind_password or "", opened)
            if connection is None:
                raise DirectoryUnavailable(f"Direktori LDAP menolak akun layanan {s.bind_dn}", source="ldap")
            connection.search(s.base_dn, "(objectClass=*)", BASE, attributes=["1.1"])
            if connection.result.get("result") != 0 or not _entries(connection):
                raise DirectoryUnavailable(f"Akun layanan tidak dapat membaca {s.base_dn} di {s.url}: "
                                           f"{connection.result.get('description')}", source="ldap")
            yield DirectoryReader(self, connection)
        except LDAPException as exc:
            raise DirectoryUnavailable(f"Direktori LDAP {s.url} tidak dapat dipakai: {exc}", source="ldap") from exc
        finally:
            for each in opened:
                _close(each)

    def _wanted(self) -> list[str]:
        s = self._settings
        wanted = [s.subject_attribute, s.username_attribute, s.name_attribute, s.email_attribute, s.nip_attribute,
                  s.jabatan_attribute, s.unit_attribute, s.phone_attribute]
        if s.group_base_dn is None:
            wanted.append(s.group_attribute)
        return wanted

    def _bound(self, dn: str, password: str, opened: list[Connection]) -> Connection | None:
        """A connection bound as ``dn`` (TLS first when StartTLS is on), or None when the bind is refused."""
        connection = Connection(self._server, user=dn, password=password,
                                receive_timeout=max(1, round(self._settings.timeout)), raise_exceptions=False,
                                read_only=True)
        opened.append(connection)
        connection.open()
        if self._settings.start_tls and not connection.start_tls():
            raise DirectoryUnavailable(f"StartTLS ditolak oleh {self._settings.url}: {connection.result}",
                                       source="ldap")
        return connection if connection.bind() else None

    def _find_user(self, connection: Connection, username: str, dn: str | None = None) -> dict[str, Any] | None:
        """The person's entry: ``dn`` itself, or the one entry under base_dn that user_filter finds."""
        s = self._settings
        wanted = self._wanted()
        if dn is not None:
            connection.search(dn, "(objectClass=*)", BASE, attributes=wanted)
        else:
            connection.search(s.base_dn, s.user_filter.format(username=escape_filter_chars(username)), SUBTREE,
                              attributes=wanted, size_limit=2)
        entries = _entries(connection)
        if len(entries) != 1:  # none, or an ambiguous filter: nobody signs in as someone else
            return None
        return dict(entries[0])

    def _identity(self, connection: Connection, entry: dict[str, Any], typed: str,
                  strict: bool = False) -> ExternalIdentity:
        """``strict`` (the directory check): a search that fails raises instead of reading as "not disabled,
        no groups", which would take roles away from everyone when the directory has a bad moment."""
        s, attributes = self._settings, entry["attributes"]
        connection.search(entry["dn"], s.disabled_filter, BASE, attributes=["1.1"])
        if strict:
            _require_success(connection, s.url)
        disabled = bool(_entries(connection))
        if s.group_base_dn is not None:
            connection.search(s.group_base_dn, s.group_filter.format(dn=escape_filter_chars(entry["dn"])),
                              SUBTREE, attributes=["1.1"])
            if strict:
                _require_success(connection, s.url)
            groups = frozenset(e["dn"] for e in _entries(connection))
        else:
            groups = frozenset(str(g) for g in _values(attributes.get(s.group_attribute)))
        return ExternalIdentity(
            source="ldap", subject=_subject(attributes.get(s.subject_attribute)) or entry["dn"],
            username=_text(attributes.get(s.username_attribute)) or typed,
            full_name=_text(attributes.get(s.name_attribute)) or "",
            email=_text(attributes.get(s.email_attribute)), nip=_text(attributes.get(s.nip_attribute)),
            jabatan=_text(attributes.get(s.jabatan_attribute)), unit_kerja=_text(attributes.get(s.unit_attribute)),
            phone=_text(attributes.get(s.phone_attribute)), groups=groups, disabled=disabled)


class AmbiguousEntry(Exception):
    """More than one directory entry answers for one account: nothing is concluded about it."""


class DirectoryReader:
    """The service account's connection, reading one person after another (``LdapDirectory.service_reader``)."""

    def __init__(self, directory: LdapDirectory, connection: Connection) -> None:
        self._directory = directory
        self._connection = connection

    def person(self, username: str, subject: str | None) -> ExternalIdentity | None:
        """The person as the directory describes them now, found by their stable id (``subject``: entryUUID,
        objectGUID) so a renamed person is still found; by ``username`` (the user filter) for an account not
        yet bound to an entry. None: the directory has no such entry.

        :raises DirectoryUnavailable: a search failed (then nothing is concluded)
        :raises AmbiguousEntry:
        """
        directory, connection = self._directory, self._connection
        s = directory._settings
        if subject is not None:
            search = f"({s.subject_attribute}={_subject_value(s.subject_attribute, subject)})"
        else:
            search = s.user_filter.format(username=escape_filter_chars(username))
        connection.search(s.base_dn, search, SUBTREE, attributes=directory._wanted(), size_limit=2)
        if connection.result.get("result") == 4:  # sizeLimitExceeded: two entries or more
            raise AmbiguousEntry(search)
        _require_success(connection, s.url)
        entries = _entries(connection)
        if len(entries) > 1:
            raise AmbiguousEntry(search)
        if not entries:
            return None
        return directory._identity(connection, dict(entries[0]), username, strict=True)


def _entries(connection: Connection) -> list[dict[str, Any]]:
    return [e for e in connection.response or () if e.get("type") == "searchResEntry"]


def _require_success(connection: Connection, url: str) -> None:
    """A search's result must be success: any other (busy, timeout, no such base) says nothing of the person."""
    result = connection.result or {}
    if result.get("result") != 0:
        raise DirectoryUnavailable(f"Pencarian di direktori LDAP {url} gagal: {result.get('description')} "
                                   f"{result.get('message') or ''}".strip(), source="ldap")


def _subject_value(attribute: str, subject: str) -> str:
    """The stable id as a filter value: AD's objectGUID is 16 bytes, each written as an escaped byte."""
    if attribute.lower() == "objectguid":
        try:
            return "".join(f"\\{b:02x}" for b in uuid.UUID(subject).bytes_le)
        except ValueError:
            pass
    return str(escape_filter_chars(subject))


class _CheckedTls(Tls):  # type: ignore[misc]  # ldap3 ships no types
    """ldap3's TLS with the server certificate's host name checked by Python's ssl during the handshake.

    ldap3 checks the name itself only after the handshake, and when it refuses the certificate the TLS
    socket it made is dropped unclosed (one file descriptor leaked per refused connection)."""

    def wrap_socket(self, connection: Connection, do_handshake: bool = False) -> None:
        context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=self.ca_certs_file)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        # a failed handshake closes the socket (SSLSocket closes itself when do_handshake raises)
        connection.socket = context.wrap_socket(connection.socket, server_side=False,
                                                do_handshake_on_connect=do_handshake,
                                                server_hostname=connection.server.host)


def _close(connection: Connection) -> None:
    """Unbind, and close the socket even of a connection that never opened (ldap3 keeps it after a failure)."""
    try:
        if not connection.closed:
            connection.unbind()
    except LDAPException:
        pass
    if connection.socket is not None:
        connection.socket.close()


def _values(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _text(value: Any) -> str | None:
    values = _values(value)
    return str(values[0]).strip() or None if values else None


def _subject(value: Any) -> str | None:
    """entryUUID as text; AD's objectGUID (16 bytes, little-endian fields) as its usual text form."""
    values = _values(value)
    if not values:
        return None
    first = values[0]
    if isinstance(first, bytes) and len(first) == 16:
        return str(uuid.UUID(bytes_le=first))
    return str(first).strip("{}").lower() or None
