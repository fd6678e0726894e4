"""A real OpenLDAP server (Debian's ``slapd``) for the tests: a generated slapd.conf, an MDB database
loaded with slapadd, the password policy overlay, LDAPS and StartTLS with a certificate of a test CA,
on loopback ports. Outside CI a machine without slapd skips these tests; under CI=true they fail."""
from __future__ import annotations

import os
import shutil
import socket
import ssl
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from ldap3 import Connection, Server, Tls

from tls_testing import Pki, make_pki

from engine.accounts.identity_settings import LdapSettings

SLAPD = shutil.which("slapd") or "/usr/sbin/slapd"
SLAPADD = shutil.which("slapadd") or "/usr/sbin/slapadd"
SLAPPASSWD = shutil.which("slappasswd") or "/usr/sbin/slappasswd"
MODULES = Path("/usr/lib/ldap")
SCHEMA = Path("/etc/ldap/schema")
BASE_DN = "dc=kaltimprov,dc=go,dc=id"
ROOT_DN = f"cn=admin,{BASE_DN}"
ROOT_PASSWORD = "rahasia-root-ldap"
SERVICE_DN = f"cn=alur,ou=services,{BASE_DN}"
SERVICE_PASSWORD = "rahasia-layanan-alur"
PEOPLE = f"ou=people,{BASE_DN}"
GROUPS = f"ou=groups,{BASE_DN}"


@dataclass(frozen=True)
class LdapServer:
    ldaps_url: str
    ldap_url: str  # plain port, for StartTLS
    pki: Pki
    folder: Path


def service_settings(server: LdapServer, **overrides: Any) -> LdapSettings:
    """Alur's settings for ``server``: LDAPS checked against the test CA, the service account, the groups OU."""
    return LdapSettings(**{"url": server.ldaps_url, "base_dn": PEOPLE, "ca_file": server.pki.ca_file,
                           "bind_dn": SERVICE_DN, "bind_password": SERVICE_PASSWORD, "group_base_dn": GROUPS,
                           **overrides})


@contextmanager
def root_connection(server: LdapServer) -> Iterator[Connection]:
    """The directory's administrator, to change people and groups between sign-ins."""
    tls = Tls(validate=ssl.CERT_REQUIRED, ca_certs_file=str(server.pki.ca_file))
    host, port = server.ldaps_url.removeprefix("ldaps://").split(":")
    connection = Connection(Server(host, int(port), use_ssl=True, tls=tls), ROOT_DN, ROOT_PASSWORD, auto_bind=True)
    try:
        yield connection
    finally:
        connection.unbind()


def require_slapd() -> None:
    """Skip (outside CI) or fail (in CI) without Debian's slapd."""
    if Path(SLAPD).exists() and Path(SLAPADD).exists() and (MODULES / "back_mdb.so").exists():
        return
    reason = "Debian's slapd is not installed (make test installs it: apt-get install slapd ldap-utils)"
    if os.environ.get("CI"):
        pytest.fail(f"slapd is required in CI: {reason}")
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _hash(password: str) -> str:
    return subprocess.run([SLAPPASSWD, "-h", "{SSHA}", "-s", password], check=True, capture_output=True,
                          text=True).stdout.strip()


def _config(folder: Path, pki: Pki) -> str:
    schemas = "".join(f"include {SCHEMA / name}.schema\n" for name in ("core", "cosine", "nis", "inetorgperson"))
    return f"""{schemas}
pidfile {folder / 'slapd.pid'}
modulepath {MODULES}
moduleload back_mdb
moduleload ppolicy
TLSCACertificateFile {pki.ca_file}
TLSCertificateFile {pki.cert_file}
TLSCertificateKeyFile {pki.key_file}
TLSProtocolMin 3.3

database mdb
maxsize 10485760
suffix "{BASE_DN}"
rootdn "{ROOT_DN}"
rootpw {_hash(ROOT_PASSWORD)}
directory {folder / 'data'}
overlay ppolicy
access to attrs=userPassword by self auth by dn.exact="{SERVICE_DN}" none by anonymous auth by * none
access to dn.subtree="{GROUPS}" by users read by * none
access to * by dn.exact="{SERVICE_DN}" read by self read by * none
"""


def person(uid: str, name: str, *, nip: str | None = None, title: str | None = None, unit: str | None = None,
           mail: str | None = None, phone: str | None = None, password: str | None = None,
           extra: str = "") -> str:
    """An inetOrgPerson entry in LDIF (userPassword hashed by slappasswd)."""
    lines = [f"dn: uid={uid},{PEOPLE}", "objectClass: inetOrgPerson", f"uid: {uid}", f"cn: {name}",
             f"sn: {name.split()[-1]}"]
    for attribute, value in (("employeeNumber", nip), ("title", title), ("departmentNumber", unit), ("mail", mail),
                             ("telephoneNumber", phone)):
        if value:
            lines.append(f"{attribute}: {value}")
    if password:
        lines.append(f"userPassword: {_hash(password)}")
    return "\n".join(lines) + ("\n" + extra.strip() if extra.strip() else "") + "\n"


def group(cn: str, members: list[str]) -> str:
    member_lines = "\n".join(f"member: uid={m},{PEOPLE}" for m in members) or f"member: {ROOT_DN}"
    return f"dn: cn={cn},{GROUPS}\nobjectClass: groupOfNames\ncn: {cn}\n{member_lines}\n"


def base_ldif() -> str:
    return f"""dn: {BASE_DN}
objectClass: dcObject
objectClass: organization
dc: kaltimprov
o: Pemerintah Provinsi Kalimantan Timur

dn: ou=people,{BASE_DN}
objectClass: organizationalUnit
ou: people

dn: ou=groups,{BASE_DN}
objectClass: organizationalUnit
ou: groups

dn: ou=services,{BASE_DN}
objectClass: organizationalUnit
ou: services

dn: {SERVICE_DN}
objectClass: organizationalRole
objectClass: simpleSecurityObject
cn: alur
userPassword: {_hash(SERVICE_PASSWORD)}
"""


@contextmanager
def running_slapd(folder: Path, entries: list[str],
                  hosts: tuple[str, ...] = ("localhost", "127.0.0.1")) -> Iterator[LdapServer]:
    """slapd on two loopback ports (ldaps://, and ldap:// for StartTLS) with ``entries`` (LDIF) loaded,
    its certificate made out to ``hosts``."""
    require_slapd()
    pki = make_pki(folder / "pki", "Alur test LDAP CA", hosts)
    (folder / "data").mkdir(parents=True)
    conf = folder / "slapd.conf"
    conf.write_text(_config(folder, pki), encoding="utf-8")
    ldif = folder / "data.ldif"
    ldif.write_text("\n".join([base_ldif(), *entries]), encoding="utf-8")
    subprocess.run([SLAPADD, "-f", str(conf), "-l", str(ldif)], check=True, capture_output=True)
    ldaps_port, ldap_port = free_port(), free_port()
    urls = f"ldaps://127.0.0.1:{ldaps_port}/ ldap://127.0.0.1:{ldap_port}/"
    log = (folder / "slapd.log").open("w")
    process = subprocess.Popen([SLAPD, "-f", str(conf), "-h", urls, "-d", "0"], stdout=log, stderr=log)
    try:
        _wait_for(ldaps_port, process, folder)
        yield LdapServer(f"ldaps://127.0.0.1:{ldaps_port}", f"ldap://127.0.0.1:{ldap_port}", pki, folder)
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()


def _wait_for(port: int, process: subprocess.Popen[bytes], folder: Path) -> None:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"slapd exited: {(folder / 'slapd.log').read_text()}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"slapd did not listen on {port}: {(folder / 'slapd.log').read_text()}")
