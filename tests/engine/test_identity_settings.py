"""Reading the sign-in settings from ALUR_* variables: complete configurations, and mistakes said plainly."""
from __future__ import annotations

from pathlib import Path

import pytest

from engine.accounts.identity_settings import identity_settings_from_env


def test_nothing_set_means_local_passwords_only():
    settings = identity_settings_from_env({})
    assert (settings.ldap, settings.oidc, settings.local_passwords, settings.break_glass) == (None, None, True,
                                                                                             frozenset())


def test_a_complete_ldap_and_oidc_configuration():
    settings = identity_settings_from_env({
        "ALUR_LDAP_URL": "ldaps://ldap.kaltimprov.go.id", "ALUR_LDAP_BASE_DN": "ou=people,dc=kaltimprov",
        "ALUR_LDAP_KIND": "ad", "ALUR_LDAP_CA_FILE": "/etc/alur/ca.pem", "ALUR_LDAP_BIND_DN": "cn=alur",
        "ALUR_LDAP_BIND_PASSWORD": "rahasia", "ALUR_LDAP_NIP_ATTRIBUTE": "employeeID", "ALUR_LDAP_TIMEOUT": "3",
        "ALUR_OIDC_ISSUER": "https://sso.kaltimprov.go.id/realms/pemprov", "ALUR_OIDC_CLIENT_ID": "alur",
        "ALUR_OIDC_CLIENT_SECRET": "rahasia-oidc", "ALUR_OIDC_GROUPS_CLAIM": "roles",
        "ALUR_LOCAL_LOGIN": "off", "ALUR_BREAK_GLASS": "admin.darurat, admin.cadangan",
        "ALUR_DIRECTORY_GROUPS_FILE": "/etc/alur/groups.toml"})
    ldap = settings.ldap.with_kind_defaults()
    assert (ldap.nip_attribute, ldap.subject_attribute, ldap.ca_file, ldap.timeout) == (
        "employeeID", "objectGUID", Path("/etc/alur/ca.pem"), 3.0)
    assert "userAccountControl:1.2.840.113556.1.4.803:=2" in ldap.disabled_filter
    assert "rahasia" not in repr(settings)  # secrets stay out of logs
    assert settings.oidc.groups_claim == "roles" and settings.oidc.username_claim == "preferred_username"
    assert settings.break_glass == {"admin.darurat", "admin.cadangan"} and not settings.local_passwords
    assert settings.groups_file == Path("/etc/alur/groups.toml")


@pytest.mark.parametrize(("env", "words"), [
    ({"ALUR_LDAP_URL": "ldap://ldap.kaltimprov.go.id", "ALUR_LDAP_BASE_DN": "dc=x"}, "in clear"),
    ({"ALUR_LDAP_URL": "http://ldap", "ALUR_LDAP_BASE_DN": "dc=x"}, "ldap:// or ldaps://"),
    ({"ALUR_LDAP_URL": "ldaps://ldap"}, "ALUR_LDAP_BASE_DN is required"),
    ({"ALUR_OIDC_ISSUER": "https://sso"}, "ALUR_OIDC_CLIENT_ID is required"),
    ({"ALUR_LOCAL_LOGIN": "kadang"}, "on or off"),
])
def test_a_mistake_is_named(env, words):
    with pytest.raises(ValueError, match=words):
        identity_settings_from_env(env)


def test_starttls_makes_a_plain_url_acceptable():
    settings = identity_settings_from_env({"ALUR_LDAP_URL": "ldap://ldap:389", "ALUR_LDAP_BASE_DN": "dc=x",
                                           "ALUR_LDAP_START_TLS": "1"})
    assert settings.ldap.start_tls
