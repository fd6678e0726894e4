"""A real OpenID provider for the tests: ``oidc-provider`` from the npm registry (package.json devDependencies,
installed by ``make test``'s npm ci) run with node over HTTPS on loopback (tests/oidc/provider.mjs).
Outside CI a machine without node or the package skips these tests; under CI=true they fail."""
from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from joserfc.jwk import RSAKey

from ldap_server import free_port
from tls_testing import Pki, make_pki

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "tests" / "oidc" / "provider.mjs"
PACKAGE = ROOT / "node_modules" / "oidc-provider" / "package.json"
CLIENT_ID = "alur"
CLIENT_SECRET = "rahasia-klien-alur-oidc"


@dataclass(frozen=True)
class OidcServer:
    issuer: str
    pki: Pki


def require_provider() -> str:
    """node's path; skip (outside CI) or fail (in CI) without node or the oidc-provider package."""
    node = shutil.which("node")
    if node and PACKAGE.exists():
        return node
    reason = "node or the npm package oidc-provider is missing (make test runs npm ci)"
    if os.environ.get("CI"):
        pytest.fail(f"the OpenID provider is required in CI: {reason}")
    pytest.skip(reason)


@contextmanager
def running_provider(folder: Path, redirect_uri: str, post_logout_uri: str,
                     accounts: dict[str, dict[str, Any]], port: int | None = None) -> Iterator[OidcServer]:
    """The provider (on ``port``, or a free one) with one confidential client (``alur``) whose only
    redirect is ``redirect_uri``; each account's claims as given (its key is the login and the ``sub``)."""
    node = require_provider()
    pki = make_pki(folder / "pki", "Alur test OIDC CA")
    port = port or free_port()
    issuer = f"https://127.0.0.1:{port}"
    key = RSAKey.generate_key(2048, parameters={"use": "sig", "alg": "RS256", "kid": "uji-1"})
    config = {"issuer": issuer, "port": port, "cert_file": str(pki.cert_file), "key_file": str(pki.key_file),
              "cookie_key": secrets.token_urlsafe(24), "signing_key": key.as_dict(private=True),
              "accounts": accounts,
              "client": {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "redirect_uris": [redirect_uri],
                         "post_logout_redirect_uris": [post_logout_uri], "grant_types": ["authorization_code"],
                         "response_types": ["code"], "token_endpoint_auth_method": "client_secret_basic"}}
    config_file = folder / "provider.json"
    config_file.write_text(json.dumps(config), encoding="utf-8")
    log = (folder / "provider.log").open("w")
    process = subprocess.Popen([node, str(SCRIPT), str(config_file)], stdout=subprocess.PIPE, stderr=log,
                               text=True, cwd=ROOT)
    try:
        _wait_ready(process, folder)
        yield OidcServer(issuer, pki)
    finally:
        process.terminate()
        process.wait(timeout=10)
        if process.stdout is not None:
            process.stdout.close()
        log.close()


def _wait_ready(process: subprocess.Popen[str], folder: Path) -> None:
    deadline = time.monotonic() + 20
    assert process.stdout is not None
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if line.strip() == "ready":
            return
        if process.poll() is not None:
            raise RuntimeError(f"oidc-provider exited: {(folder / 'provider.log').read_text()}")
    raise RuntimeError(f"oidc-provider did not start: {(folder / 'provider.log').read_text()}")
