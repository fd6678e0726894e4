"""The directory check as a use case (``engine.accounts.directory_check``), against a real OpenLDAP server:
which accounts it reads, how it finds them, what it leaves alone, and that each change is complete with its
audit events. The web side (sessions, tokens, worker, CLI) is in tests/web/test_ldap_check.py."""
from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from ldap3 import MODIFY_REPLACE
from sqlalchemy import select

from ldap_server import (root_connection, service_settings, GROUPS, PEOPLE, LdapServer, group,
                         person, running_slapd)

from engine.accounts.directory_check import DirectoryCheck
from engine.accounts.external import ExternalAccounts, ExternalIdentity, GroupRoles
from engine.accounts.ldap_directory import LdapDirectory, _subject_value
from engine.errors import DirectoryCheckImpossible
from engine.persistence.models import AuditEvent, UserAccount

GROUP_ROLES = GroupRoles({f"cn=alur-pengelola,{GROUPS}".lower(): frozenset({"pengelola_ti"}),
                          "alur-pemeriksa": frozenset({"pemeriksa_ti"})})
ENTRIES = [
    person("budi", "Budi Santoso", password="sandi-budi", nip="12345"),  # a NIP Alur cannot accept
    person("rina", "Rina Wulandari", password="sandi-rina"),
    person("joko", "Joko Prasetyo", password="sandi-joko"),
    person("jaka", "Jaka Prasetyo", password="sandi-jaka", extra="description: joko"),
    group("alur-pengelola", ["budi", "rina", "joko", "jaka"]),
    group("alur-pemeriksa", ["budi"]),
]


@pytest.fixture(scope="module")
def slapd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LdapServer]:
    with running_slapd(tmp_path_factory.mktemp("slapd"), ENTRIES) as server:
        yield server


def _set(slapd: LdapServer, uid: str, attribute: str, values: list[str]) -> None:
    with root_connection(slapd) as root:
        assert root.modify(f"uid={uid},{PEOPLE}", {attribute: [(MODIFY_REPLACE, values)]}), root.result


@pytest.fixture
def accounts(alur, clock) -> ExternalAccounts:
    return ExternalAccounts(alur.sessions, GROUP_ROLES, clock)


def _signed_in(slapd: LdapServer, accounts: ExternalAccounts, uid: str) -> ExternalIdentity:
    answer = LdapDirectory(service_settings(slapd)).authenticate(uid, f"sandi-{uid}")
    assert answer.identity is not None and answer.password_ok
    accounts.sign_in(answer.identity, None)
    return answer.identity


def _events(alur: Any) -> list[tuple[str, dict[str, Any]]]:
    with alur.sessions() as session:
        return [(e.event_type, json.loads(e.payload_json))
                for e in session.scalars(select(AuditEvent).order_by(AuditEvent.id))]


def test_only_active_directory_accounts_are_read_and_each_change_comes_with_its_events(slapd, alur, accounts):
    _signed_in(slapd, accounts, "budi")
    _signed_in(slapd, accounts, "rina")
    alur.users.add_user("lokal", "Akun Lokal", "rahasia-lokal-1", {"tim"})  # never asked about
    accounts.sign_in(ExternalIdentity(source="oidc", subject="sso-1", username="sso", full_name="Lewat SSO"), None)
    _set(slapd, "rina", "pwdAccountLockedTime", ["000001010000Z"])
    try:
        before = len(_events(alur))
        report = DirectoryCheck(alur.sessions, service_settings(slapd), accounts).run()
        assert [(a.username, a.outcome) for a in report.accounts] == [("budi", "unchanged"), ("rina", "deactivated")]
        # budi's NIP is still refused, but that alone is not recorded again at every check
        assert _events(alur)[before:] == [("user_deactivated", {
            "username": "rina", "source": "ldap", "reason": "disabled in the directory", "via": "directory_check"})]
        with alur.sessions() as session:
            rina = session.scalar(select(UserAccount).where(UserAccount.username == "rina"))
            assert rina is not None and not rina.active and rina.session_generation == 1  # sessions ended
        assert alur.users.get("lokal").active and alur.users.get("sso").active
    finally:
        _set(slapd, "rina", "pwdAccountLockedTime", [])


def test_an_account_admin_deactivated_meanwhile_is_left_alone(slapd, alur, accounts):
    identity = _signed_in(slapd, accounts, "rina")
    with alur.sessions() as session:
        user_id = session.scalar(select(UserAccount.id).where(UserAccount.username == "rina"))
    asked = {"source": "ldap", "subject": identity.subject, "via": "directory_check"}
    alur.users.set_active("rina", False, actor="admin")
    before = len(_events(alur))
    change = accounts.recheck(user_id, None, **asked)
    assert change.outcome == "unchanged" and len(_events(alur)) == before
    alur.users.set_active("rina", True, actor="admin")
    # an entry other than the one the account is bound to says nothing of it
    other = ExternalIdentity(source="ldap", subject="lain", username="rina", full_name="Orang Lain", disabled=True)
    assert accounts.recheck(user_id, other, **asked).outcome == "unchanged"
    # nor does an answer about the entry it was bound to before Admin Sistem relinked it meanwhile
    accounts.link("rina", "ldap", actor="admin")
    assert accounts.recheck(user_id, None, **asked).outcome == "unchanged"
    assert alur.users.get("rina").active
    assert accounts.recheck(user_id, None, **{**asked, "subject": None}).outcome == "deactivated"


def test_an_account_linked_but_never_signed_in_is_found_by_its_name(slapd, alur, accounts):
    alur.users.add_user("joko", "Joko", "rahasia-joko-1", {"tim"})
    accounts.link("joko", "ldap", actor="admin")
    alur.users.add_user("rina", "Rina", "rahasia-rina-1")
    accounts.link("rina", "ldap", actor="admin")
    # joko's name finds two entries with this filter: nothing is concluded about him
    ambiguous = service_settings(slapd,
                          user_filter="(&(objectClass=inetOrgPerson)(|(uid={username})(description={username})))")
    report = DirectoryCheck(alur.sessions, ambiguous, accounts).run()
    outcomes = {a.username: a.outcome for a in report.accounts}
    assert outcomes == {"joko": "skipped", "rina": "updated"}
    assert alur.users.get("joko").active and alur.users.get("rina").roles == {"pengelola_ti"}
    report = DirectoryCheck(alur.sessions, service_settings(slapd), accounts).run()
    assert {a.username: a.outcome for a in report.accounts} == {"joko": "updated", "rina": "unchanged"}
    assert alur.users.get("joko").roles == {"tim", "pengelola_ti"}


def test_without_a_directory_or_with_direct_bind_the_check_refuses_to_run(slapd, alur, accounts):
    with pytest.raises(DirectoryCheckImpossible) as none:
        DirectoryCheck(alur.sessions, None, accounts).run()
    assert none.value.context["reason"] == "no_directory"
    direct = service_settings(slapd, bind_dn=None, bind_password=None, user_dn_template=f"uid={{username}},{PEOPLE}")
    check = DirectoryCheck(alur.sessions, direct, accounts)
    assert check.why_not() is not None and "direct bind" in check.why_not()  # type: ignore[operator]
    with pytest.raises(DirectoryCheckImpossible) as refused:
        check.run()
    assert refused.value.context["reason"] == "direct_bind"


def test_an_active_directory_object_guid_is_searched_as_its_bytes():
    guid = uuid.UUID("01234567-89ab-cdef-0123-456789abcdef")
    assert _subject_value("objectGUID", str(guid)) == "".join(f"\\{b:02x}" for b in guid.bytes_le)
    assert _subject_value("objectGUID", str(guid)).startswith("\\67\\45\\23\\01")  # little-endian first field
    assert _subject_value("entryUUID", "a*b") == "a\\2ab"  # escaped, never a wildcard

