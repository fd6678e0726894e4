"""Reading the sign-in settings from ALUR_* variables: complete configurations, and mistakes said plainly."""
from __future__ import annotations

import contextlib
import re
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
    ({"ALUR_LDAP_URL": "ldaps://ldap", "ALUR_LDAP_BASE_DN": "dc=x", "ALUR_LDAP_CHECK_MINUTES": "sering"},
     "ALUR_LDAP_CHECK_MINUTES must be a number of minutes"),
    ({"ALUR_LDAP_URL": "ldaps://ldap", "ALUR_LDAP_BASE_DN": "dc=x", "ALUR_LDAP_CHECK_MINUTES": "-5"}, "0: off"),
    ({"ALUR_LDAP_URL": "ldaps://ldap", "ALUR_LDAP_BASE_DN": "dc=x", "ALUR_LDAP_CHECK_MINUTES": "nan"}, "0: off"),
])
def test_a_mistake_is_named(env, words):
    with pytest.raises(ValueError, match=words):
        identity_settings_from_env(env)


def test_the_directory_check_runs_every_15_minutes_unless_told_otherwise():
    base = {"ALUR_LDAP_URL": "ldaps://ldap", "ALUR_LDAP_BASE_DN": "dc=x"}
    assert identity_settings_from_env(base).ldap.check_minutes == 15
    assert identity_settings_from_env({**base, "ALUR_LDAP_CHECK_MINUTES": "0"}).ldap.check_minutes == 0
    assert identity_settings_from_env({**base, "ALUR_LDAP_CHECK_MINUTES": " 60 "}).ldap.check_minutes == 60


def test_starttls_makes_a_plain_url_acceptable():
    settings = identity_settings_from_env({"ALUR_LDAP_URL": "ldap://ldap:389", "ALUR_LDAP_BASE_DN": "dc=x",
                                           "ALUR_LDAP_START_TLS": "1"})
    assert settings.ldap.start_tls


DOC = Path(__file__).resolve().parents[2] / "docs" / "identity.md"
README = DOC.parents[1] / "README.md"
IDENTITY_NAME = re.compile(r"\bALUR_(?:LDAP|OIDC)_[A-Z_]*[A-Z]\b"
                           r"|\bALUR_(?:LOCAL_LOGIN|BREAK_GLASS|DIRECTORY_GROUPS_FILE)\b")


def _doc_blocks(doc: Path = DOC) -> list[dict[str, str]]:
    """Each ```sh block of ``doc`` that sets ALUR_* variables, as an environment."""
    blocks = re.findall(r"```sh\n(.*?)```", doc.read_text(encoding="utf-8"), re.S)
    environments = []
    for block in blocks:
        env = {}
        for line in block.splitlines():
            match = re.match(r"\s*(ALUR_[A-Z_]+)=(.*)", line)
            if match:
                env[match[1]] = re.sub(r"\s+#.*$", "", match[2]).strip()
        if env:
            environments.append(env)
    return environments


class _Recording(dict[str, str]):
    def __init__(self, values: dict[str, str]) -> None:
        super().__init__(values)
        self.asked: set[str] = set()

    def get(self, key, default=None):
        self.asked.add(key)
        return super().get(key, default)


def test_the_documented_configurations_are_complete_and_read():
    openldap, active_directory, oidc = _doc_blocks()
    settings = identity_settings_from_env(openldap)
    assert settings.ldap is not None and settings.ldap.url.startswith("ldaps://") and settings.ldap.ca_file
    assert (settings.ldap.bind_dn, settings.ldap.group_base_dn) == ("cn=alur,ou=services,dc=kaltimprov,dc=go,dc=id",
                                                                    "ou=groups,dc=kaltimprov,dc=go,dc=id")
    assert not settings.local_passwords and settings.break_glass == {"admin.darurat"}
    ad = identity_settings_from_env(active_directory).ldap
    assert ad is not None and ad.kind == "ad" and ad.nip_attribute == "employeeID"
    assert ad.bind_dn == "CN=svc-alur,OU=Service Accounts,DC=kaltimprov,DC=go,DC=id"
    sso = identity_settings_from_env(oidc).oidc
    assert sso is not None and sso.issuer == "https://sso.kaltimprov.go.id/realms/pemprov" and sso.client_secret
    assert sso.groups_claim == "groups" and sso.ca_file == Path("/etc/alur/sso-ca.pem")


def test_the_readme_shows_a_complete_ldap_and_oidc_configuration():
    (readme,) = [env for env in _doc_blocks(README) if "ALUR_LDAP_URL" in env]
    settings = identity_settings_from_env(readme)
    assert settings.ldap is not None and settings.ldap.ca_file and settings.ldap.bind_password
    assert settings.oidc is not None and settings.oidc.client_secret
    assert not settings.local_passwords and settings.break_glass == {"admin.darurat"}


def test_every_sign_in_setting_the_docs_name_is_one_alur_reads():
    named = set(IDENTITY_NAME.findall(DOC.read_text(encoding="utf-8") + README.read_text(encoding="utf-8")))
    asked: set[str] = set()
    for url in ("ldaps://ldap", "ldap://ldap"):  # a plain URL is where ALUR_LDAP_ALLOW_PLAIN is read
        env = _Recording({name: "" for name in named} | {
            "ALUR_LDAP_URL": url, "ALUR_LDAP_BASE_DN": "dc=x", "ALUR_OIDC_ISSUER": "https://sso",
            "ALUR_OIDC_CLIENT_ID": "a", "ALUR_LDAP_TIMEOUT": "5", "ALUR_OIDC_TIMEOUT": "5", "ALUR_LOCAL_LOGIN": "on"})
        with contextlib.suppress(ValueError):
            identity_settings_from_env(env)
        asked |= env.asked
    assert len(named) > 30 and not named - asked, sorted(named - asked)
