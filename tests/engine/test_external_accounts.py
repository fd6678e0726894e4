"""Accounts of the directory and single sign-on: created at the first sign-in, updated at each, roles from
groups, deactivated when the directory disables the person; the linking rule; local passwords off."""
from __future__ import annotations

import json
import threading
from pathlib import Path
from dataclasses import replace

import pytest
from sqlalchemy import select

from engine.accounts.external import ExternalAccounts, ExternalIdentity, GroupRoles
from engine.accounts.profile import AccountData
from engine.accounts.identity_settings import IdentitySettings
from engine.accounts.sign_in import SignIn
from engine.errors import DirectoryUnavailable, InvalidInput, LoginRefused
from engine.modeling.roles import RoleCatalog
from engine.persistence.models import AuditEvent, UserAccount

NIP = "198503122010011003"
GROUPS = GroupRoles({"cn=alur-pengelola,ou=groups,dc=uji": frozenset({"pengelola_ti"}),
                     "alur-pemeriksa": frozenset({"pemeriksa_ti"})})
BUDI = ExternalIdentity(source="ldap", subject="5d0c-budi", username="budi", full_name="Budi Santoso",
                        email="budi@kaltimprov.go.id", nip=NIP, jabatan="Pranata Komputer Ahli Muda",
                        unit_kerja="Bidang TIK", phone="+62 812 3456 7890",
                        groups=frozenset({"cn=alur-pengelola,ou=groups,dc=uji"}))


@pytest.fixture
def accounts(alur, clock) -> ExternalAccounts:
    return ExternalAccounts(alur.sessions, GROUPS, clock)


def _events(alur, event_type):
    with alur.sessions() as session:
        rows = session.scalars(select(AuditEvent).where(AuditEvent.event_type == event_type)
                               .order_by(AuditEvent.id)).all()
        return [json.loads(r.payload_json) for r in rows]


def test_the_first_sign_in_creates_the_account_with_the_directory_data_and_the_roles_of_its_groups(alur, accounts):
    user = accounts.sign_in(BUDI, "10.0.0.5")
    assert (user.username, user.full_name, user.nip, user.jabatan, user.unit_kerja, user.phone, user.email) == (
        "budi", "Budi Santoso", NIP, "Pranata Komputer Ahli Muda", "Bidang TIK", "+62 812 3456 7890",
        "budi@kaltimprov.go.id")
    assert user.roles == {"pengelola_ti"} and user.auth_source == "ldap"
    assert _events(alur, "user_added")[-1]["source"] == "ldap"
    assert _events(alur, "user_roles_changed")[-1]["roles_added"] == ["pengelola_ti"]
    assert alur.users.authenticate("budi", "") is None  # no local password at all
    with pytest.raises(InvalidInput, match="direktori"):  # nor can one be set
        alur.users.set_password("budi", "sandi-lokal-yang-panjang-1", actor="admin")


def test_each_sign_in_brings_data_and_managed_roles_up_to_date_and_keeps_roles_given_by_hand(alur, accounts):
    accounts.sign_in(BUDI, None)
    alur.users.set_roles("budi", {"pengelola_ti", "tim"}, actor="admin")  # tim: not decided by the directory
    moved = replace(BUDI, jabatan="Pranata Komputer Ahli Madya", groups=frozenset({"alur-pemeriksa"}))
    user = accounts.sign_in(moved, None)
    assert user.roles == {"pemeriksa_ti", "tim"} and user.jabatan == "Pranata Komputer Ahli Madya"
    change = _events(alur, "user_roles_changed")[-1]
    assert (change["roles_added"], change["roles_removed"]) == (["pemeriksa_ti"], ["pengelola_ti"])
    assert change["source"] == "ldap"
    assert _events(alur, "user_account_data_changed")[-1]["jabatan"] == "Pranata Komputer Ahli Madya"
    events = len(_events(alur, "user_roles_changed"))
    accounts.sign_in(moved, None)  # nothing changed: nothing recorded
    assert len(_events(alur, "user_roles_changed")) == events


def test_a_group_matches_by_its_dn_or_by_its_first_value():
    assert GROUPS.roles_for(frozenset({"CN=Alur-Pengelola,OU=Groups,DC=uji"})) == {"pengelola_ti"}
    assert GROUPS.roles_for(frozenset({"cn=alur-pemeriksa,ou=other,dc=x"})) == {"pemeriksa_ti"}
    assert GROUPS.roles_for(frozenset({"cn=lain,dc=uji"})) == frozenset()


def test_a_bad_value_from_the_directory_is_left_out_and_named_without_locking_the_person_out(alur, accounts):
    user = accounts.sign_in(replace(BUDI, nip="12345", phone="nomor"), None)
    assert user.nip is None and user.phone is None and user.jabatan == "Pranata Komputer Ahli Muda"
    ignored = _events(alur, "user_account_data_changed")[-1]["ignored"]
    assert "18 angka" in ignored["nip"] and "telepon" in ignored["phone"]


def test_a_person_disabled_in_the_directory_is_refused_and_the_account_deactivated(alur, accounts):
    accounts.sign_in(BUDI, None)
    with pytest.raises(LoginRefused) as refused:
        accounts.sign_in(replace(BUDI, disabled=True), "10.0.0.5")
    assert refused.value.reason == "disabled" and "dinonaktifkan" in refused.value.message
    assert not alur.users.get("budi").active
    assert _events(alur, "login_refused")[-1] == {"username": "budi", "source": "ldap", "reason": "disabled",
                                                  "remote_addr": "10.0.0.5"}
    with pytest.raises(LoginRefused) as again:  # enabled again in the directory: Alur's deactivation stays
        accounts.sign_in(BUDI, None)
    assert again.value.reason == "inactive"


def test_a_local_account_is_never_taken_over_by_a_directory_person_of_the_same_name(alur, accounts):
    alur.users.add_user("budi", "Budi (lokal)", "rahasia-budi-1", {"tim"})
    with pytest.raises(LoginRefused) as refused:
        accounts.sign_in(BUDI, None)
    assert refused.value.reason == "username_taken"
    local = alur.users.get("budi")
    assert (local.full_name, local.roles, local.auth_source) == ("Budi (lokal)", {"tim"}, "local")
    # Admin Sistem links it: the next sign-in binds it; its local password stops working
    accounts.link("budi", "ldap", actor="admin")
    assert alur.users.authenticate("budi", "rahasia-budi-1") is None
    user = accounts.sign_in(BUDI, None)
    assert user.auth_source == "ldap" and user.roles == {"tim", "pengelola_ti"}
    assert _events(alur, "account_bound")[-1]["subject"] == "5d0c-budi"
    with pytest.raises(LoginRefused) as other:  # another directory entry now carrying the name
        accounts.sign_in(replace(BUDI, subject="9999-baru"), None)
    assert other.value.reason == "subject_mismatch"
    with pytest.raises(InvalidInput):
        accounts.link("budi", "kerberos", actor="admin")


def test_the_account_follows_the_directory_entry_not_the_name(alur, accounts):
    accounts.sign_in(BUDI, None)
    user = accounts.sign_in(replace(BUDI, username="budi.santoso", full_name="Budi Santoso, S.Kom."), None)
    assert user.username == "budi" and user.full_name == "Budi Santoso, S.Kom."


def test_local_passwords_off_leaves_only_the_break_glass_admin(alur, accounts):
    alur.users.add_user("pengelola", "Pengelola", "rahasia-pengelola-1", {"pengelola_ti"})
    settings = IdentitySettings(local_passwords=False, break_glass=frozenset({"pengelola"}))
    sign_in = SignIn(alur.sessions, settings, alur.users, accounts)
    with pytest.raises(LoginRefused) as refused:  # named break-glass, but holds no Admin Sistem role
        sign_in.with_password("pengelola", "rahasia-pengelola-1", None)
    assert refused.value.reason == "local_passwords_off"
    assert _events(alur, "login_refused")[-1]["reason"] == "local_passwords_off"
    assert sign_in.with_password("nobody", "whatever-1", None) is None


def test_the_break_glass_admin_signs_in_with_local_passwords_off(sop_alur, clock):
    accounts = ExternalAccounts(sop_alur.sessions, GroupRoles({}), clock)
    sop_alur.users.add_user("darurat", "Admin Darurat", "rahasia-darurat-1", {"admin_sistem"})
    settings = IdentitySettings(local_passwords=False, break_glass=frozenset({"darurat"}))
    signed = SignIn(sop_alur.sessions, settings, sop_alur.users, accounts).with_password(
        "darurat", "rahasia-darurat-1", None)
    assert signed is not None and signed.source == "local" and signed.user.username == "darurat"


def test_directory_groups_name_only_known_roles(tmp_path, alur):
    path = tmp_path / "groups.toml"
    path.write_text('[directory_groups]\n"alur-admin" = ["raja"]\n', encoding="utf-8")
    with pytest.raises(InvalidInput, match="raja"):
        GroupRoles.load(path, alur.roles)
    path.write_text('[directory_groups]\n"Alur-Pengelola" = "pengelola_ti"\n', encoding="utf-8")
    assert GroupRoles.load(path, alur.roles).by_group == {"alur-pengelola": {"pengelola_ti"}}


def test_an_external_account_row_remembers_its_source(alur, accounts):
    accounts.sign_in(BUDI, None)
    with alur.sessions() as session:
        row = session.scalar(select(UserAccount).where(UserAccount.username == "budi"))
        assert (row.auth_source, row.external_subject) == ("ldap", "5d0c-budi")


def test_the_same_first_sign_in_twice_at_once_makes_one_account(alur, accounts):
    barrier, users = threading.Barrier(4), []

    def sign_in() -> None:
        barrier.wait()
        users.append(accounts.sign_in(BUDI, None))
    threads = [threading.Thread(target=sign_in) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(users) == 4 and {u.user_id for u in users} == {alur.users.get("budi").user_id}
    assert len(_events(alur, "user_added")) == 1


def test_a_password_typed_for_an_sso_account_is_refused_with_the_way_to_sign_in(alur, accounts):
    accounts.sign_in(replace(BUDI, source="oidc", subject="sso-budi"), None)
    sign_in = SignIn(alur.sessions, IdentitySettings(), alur.users, accounts)
    with pytest.raises(LoginRefused) as refused:
        sign_in.with_password("budi", "sandi-apa-saja-1", "10.0.0.5")
    assert refused.value.reason == "use_sso" and "Masuk dengan SSO" in refused.value.message
    assert _events(alur, "login_refused")[-1] == {"username": "budi", "source": "oidc", "reason": "use_sso",
                                                  "remote_addr": "10.0.0.5"}


def test_a_directory_account_when_no_directory_is_configured_any_more_is_refused_as_unavailable(alur, accounts):
    accounts.sign_in(BUDI, None)
    sign_in = SignIn(alur.sessions, IdentitySettings(), alur.users, accounts)
    with pytest.raises(DirectoryUnavailable):
        sign_in.with_password("budi", "sandi-direktori-budi", None)
    assert _events(alur, "login_refused")[-1]["reason"] == "directory_unavailable"


def test_what_admin_sistem_fills_in_is_kept_where_the_directory_has_no_value(alur, accounts):
    # "imported from the directory where it has them": a field the directory does not carry is Admin Sistem's
    without = replace(BUDI, nip=None, phone=None)
    accounts.sign_in(without, None)
    alur.users.set_account_data("budi", AccountData("Budi Santoso", NIP, BUDI.jabatan, BUDI.unit_kerja, BUDI.email,
                                                    "0812 1111 2222"), actor="admin_sistem")
    user = accounts.sign_in(without, None)
    assert (user.nip, user.phone) == (NIP, "0812 1111 2222")
    user = accounts.sign_in(replace(without, jabatan="Pranata Komputer Ahli Madya"), None)  # what it has, it sets
    assert (user.nip, user.jabatan) == (NIP, "Pranata Komputer Ahli Madya")


def test_directory_groups_live_in_roles_toml_beside_the_roles(tmp_path):
    shipped = Path(__file__).resolve().parents[2] / "processes" / "roles.toml"
    roles_file = tmp_path / "roles.toml"  # the shipped catalogue with its commented example switched on
    text = shipped.read_text(encoding="utf-8")
    roles_file.write_text(text.replace("# [directory_groups]\n# ", "[directory_groups]\n")
                          .replace('\n# "alur-admin"', '\n"alur-admin"'), encoding="utf-8")
    catalog = RoleCatalog.load(roles_file)
    groups = GroupRoles.load(roles_file, catalog)
    assert groups.roles_for(frozenset({"cn=alur-pengelola-ti,ou=groups,dc=kaltimprov,dc=go,dc=id"})) == {"pengelola_ti"}
    assert groups.roles_for(frozenset({"cn=Alur-Admin,ou=groups,dc=x"})) == {"admin_sistem"}
    assert GroupRoles.load(shipped, RoleCatalog.load(shipped)).by_group == {}  # as shipped: none
