"""Settings of signing in through the office's directory (LDAP / Active Directory) and single sign-on
(OpenID Connect), read from ``ALUR_LDAP_*``, ``ALUR_OIDC_*`` and ``ALUR_LOCAL_LOGIN`` /
``ALUR_BREAK_GLASS``. docs/identity.md shows complete configurations."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

# What marks a person as disabled in the directory, by kind of directory: OpenLDAP's password policy
# lock, Active Directory's ACCOUNTDISABLE bit (2) of userAccountControl (an LDAP_MATCHING_RULE_BIT_AND).
DISABLED_FILTERS = {
    "openldap": "(pwdAccountLockedTime=*)",
    "ad": "(userAccountControl:1.2.840.113556.1.4.803:=2)",
}
# The attribute whose value stays the same for a person across renames and moves.
SUBJECT_ATTRIBUTES = {"openldap": "entryUUID", "ad": "objectGUID"}
USER_FILTERS = {"openldap": "(&(objectClass=inetOrgPerson)(uid={username}))",
                "ad": "(&(objectCategory=person)(objectClass=user)(sAMAccountName={username}))"}
USERNAME_ATTRIBUTES = {"openldap": "uid", "ad": "sAMAccountName"}


DIRECTORY_CHECK_MINUTES = 15.0  # ALUR_LDAP_CHECK_MINUTES when unset or empty

@dataclass(frozen=True)
class LdapSettings:
    """One LDAP server (or Active Directory domain controller) people sign in against."""

    url: str  # ldaps://ldap.kaltimprov.go.id (TLS from the first byte) or ldap://…:389 with start_tls
    base_dn: str  # where people are searched, e.g. ou=people,dc=kaltimprov,dc=go,dc=id
    kind: str = "openldap"  # "openldap" or "ad": the defaults below
    start_tls: bool = False  # upgrade an ldap:// connection with StartTLS (the certificate is checked)
    ca_file: Path | None = None  # the CA that signed the server certificate; None: the system's CAs
    # A service account that searches for the person, then the person's own bind checks the password.
    # Without one: direct bind with user_dn_template (e.g. uid={username},ou=people,dc=…), or for AD
    # "{username}@kaltimprov.go.id".
    bind_dn: str | None = None
    bind_password: str | None = field(default=None, repr=False)
    user_dn_template: str | None = None
    user_filter: str = ""  # "" : USER_FILTERS[kind]; {username} is escaped before it is put in
    disabled_filter: str = ""  # "" : DISABLED_FILTERS[kind]; matched against the person's entry
    # Groups: searched under group_base_dn with group_filter ({dn}: the person's DN), or read from the
    # person's group_attribute (memberOf) when group_base_dn is None.
    group_base_dn: str | None = None
    group_filter: str = "(|(member={dn})(uniqueMember={dn}))"
    group_attribute: str = "memberOf"
    subject_attribute: str = ""  # "" : SUBJECT_ATTRIBUTES[kind]
    username_attribute: str = ""  # "" : USERNAME_ATTRIBUTES[kind]
    name_attribute: str = "cn"  # AD: displayName
    email_attribute: str = "mail"
    nip_attribute: str = "employeeNumber"
    jabatan_attribute: str = "title"
    unit_attribute: str = "departmentNumber"  # AD: department
    phone_attribute: str = "telephoneNumber"
    timeout: float = 5.0  # seconds to connect and for each operation
    # The worker's directory check (engine.accounts.directory_check) every this many minutes; 0: off.
    # It needs the service account (bind_dn): with direct bind only it cannot run.
    check_minutes: float = DIRECTORY_CHECK_MINUTES

    def with_kind_defaults(self) -> LdapSettings:
        """These settings with every empty choice filled from the kind's defaults."""
        kind = self.kind if self.kind in DISABLED_FILTERS else "openldap"
        return LdapSettings(**{**self.__dict__, "kind": kind,
                               "user_filter": self.user_filter or USER_FILTERS[kind],
                               "disabled_filter": self.disabled_filter or DISABLED_FILTERS[kind],
                               "subject_attribute": self.subject_attribute or SUBJECT_ATTRIBUTES[kind],
                               "username_attribute": self.username_attribute or USERNAME_ATTRIBUTES[kind]})


@dataclass(frozen=True)
class OidcSettings:
    """One OpenID provider (Keycloak, the province's SSO portal, Azure AD / Entra ID …)."""

    issuer: str  # exactly as in the provider's discovery document, e.g. https://sso.kaltimprov.go.id/realms/pemprov
    client_id: str
    client_secret: str | None = field(default=None, repr=False)  # None: a public client (PKCE only)
    scopes: str = "openid profile email"
    username_claim: str = "preferred_username"
    name_claim: str = "name"
    email_claim: str = "email"
    nip_claim: str = "nip"
    jabatan_claim: str = "jabatan"
    unit_claim: str = "unit_kerja"
    phone_claim: str = "phone_number"
    groups_claim: str = "groups"  # a list of group or role names, mapped by [directory_groups]
    ca_file: Path | None = None  # the CA of the provider's certificate; None: the system's CAs
    timeout: float = 10.0


@dataclass(frozen=True)
class IdentitySettings:
    """Which sign-ins are on: LDAP, OIDC, local passwords, and the break-glass accounts."""

    ldap: LdapSettings | None = None
    oidc: OidcSettings | None = None
    # False: only the break-glass accounts (local accounts holding Admin Sistem, named here) sign in
    # with a password kept by Alur; everyone else through the directory or the sign-on portal.
    local_passwords: bool = True
    break_glass: frozenset[str] = frozenset()
    # The TOML file whose [directory_groups] table maps directory groups to Alur roles; None: roles.toml.
    groups_file: Path | None = None


def identity_settings_from_env(env: Mapping[str, str]) -> IdentitySettings:
    """``ALUR_LDAP_*``, ``ALUR_OIDC_*``, ``ALUR_LOCAL_LOGIN`` (on/off), ``ALUR_BREAK_GLASS`` (usernames,
    comma separated) and ``ALUR_DIRECTORY_GROUPS_FILE``.

    :raises ValueError: a setting that cannot be read
    """
    groups_file = env.get("ALUR_DIRECTORY_GROUPS_FILE", "").strip()
    local = env.get("ALUR_LOCAL_LOGIN", "on").strip().lower()
    if local not in ("on", "off"):
        raise ValueError(f"ALUR_LOCAL_LOGIN must be on or off, not {local!r}")
    return IdentitySettings(
        ldap=_ldap_from_env(env), oidc=_oidc_from_env(env), local_passwords=local == "on",
        break_glass=frozenset(n.strip() for n in env.get("ALUR_BREAK_GLASS", "").split(",") if n.strip()),
        groups_file=Path(groups_file) if groups_file else None)


def _ldap_from_env(env: Mapping[str, str]) -> LdapSettings | None:
    url = env.get("ALUR_LDAP_URL", "").strip()
    if not url:
        return None
    if not url.startswith(("ldap://", "ldaps://")):
        raise ValueError(f"ALUR_LDAP_URL must be an ldap:// or ldaps:// URL, not {url!r}")
    base_dn = env.get("ALUR_LDAP_BASE_DN", "").strip()
    if not base_dn:
        raise ValueError("ALUR_LDAP_BASE_DN is required with ALUR_LDAP_URL")
    start_tls = _flag(env.get("ALUR_LDAP_START_TLS", "0"))
    if url.startswith("ldap://") and not start_tls and not _flag(env.get("ALUR_LDAP_ALLOW_PLAIN", "0")):
        raise ValueError("ALUR_LDAP_URL is ldap:// without ALUR_LDAP_START_TLS=1: passwords would cross the "
                         "network in clear (use ldaps:// or StartTLS)")
    text = {name: env.get(f"ALUR_LDAP_{name.upper()}", "").strip() for name in _LDAP_TEXT}
    return LdapSettings(url=url, base_dn=base_dn, kind=env.get("ALUR_LDAP_KIND", "openldap").strip().lower(),
                        start_tls=start_tls, ca_file=_path(env.get("ALUR_LDAP_CA_FILE")),
                        bind_dn=env.get("ALUR_LDAP_BIND_DN") or None,
                        bind_password=env.get("ALUR_LDAP_BIND_PASSWORD") or None,
                        user_dn_template=env.get("ALUR_LDAP_USER_DN_TEMPLATE") or None,
                        group_base_dn=env.get("ALUR_LDAP_GROUP_BASE_DN") or None,
                        timeout=float(env.get("ALUR_LDAP_TIMEOUT", "5")),
                        check_minutes=_minutes(env.get("ALUR_LDAP_CHECK_MINUTES", "")),
                        **{name: value for name, value in text.items() if value})


def _minutes(value: str) -> float:
    try:
        minutes = float(value.strip()) if value.strip() else DIRECTORY_CHECK_MINUTES
    except ValueError:
        minutes = -1.0
    if not minutes >= 0 or minutes == float("inf"):
        raise ValueError(f"ALUR_LDAP_CHECK_MINUTES must be a number of minutes (0: off), not {value!r}")
    return minutes


_LDAP_TEXT = ("user_filter", "disabled_filter", "group_filter", "group_attribute", "subject_attribute",
              "username_attribute", "name_attribute", "email_attribute", "nip_attribute", "jabatan_attribute",
              "unit_attribute", "phone_attribute")
_OIDC_TEXT = ("scopes", "username_claim", "name_claim", "email_claim", "nip_claim", "jabatan_claim",
              "unit_claim", "phone_claim", "groups_claim")


def _oidc_from_env(env: Mapping[str, str]) -> OidcSettings | None:
    issuer = env.get("ALUR_OIDC_ISSUER", "").strip()
    if not issuer:
        return None
    client_id = env.get("ALUR_OIDC_CLIENT_ID", "").strip()
    if not client_id:
        raise ValueError("ALUR_OIDC_CLIENT_ID is required with ALUR_OIDC_ISSUER")
    text = {name: env.get(f"ALUR_OIDC_{name.upper()}", "").strip() for name in _OIDC_TEXT}
    return OidcSettings(issuer=issuer, client_id=client_id,
                        client_secret=env.get("ALUR_OIDC_CLIENT_SECRET") or None,
                        ca_file=_path(env.get("ALUR_OIDC_CA_FILE")),
                        timeout=float(env.get("ALUR_OIDC_TIMEOUT", "10")),
                        **{name: value for name, value in text.items() if value})


def _path(value: str | None) -> Path | None:
    return Path(value) if value and value.strip() else None


def _flag(value: str) -> bool:
    return value.strip().lower() in ("1", "true", "yes", "on")
