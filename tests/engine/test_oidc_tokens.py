"""The ID token of an OpenID provider is believed only with the right signature, issuer, audience,
expiry and nonce (engine/accounts/oidc.py)."""
from __future__ import annotations

import base64
import json
import time

import pytest
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey

from engine.accounts.oidc import validated_claims
from engine.errors import LoginRefused

ISSUER, CLIENT, NONCE = "https://sso.kaltimprov.go.id", "alur", "nonce-uji-123"
KEY = RSAKey.generate_key(2048, parameters={"kid": "k1", "alg": "RS256"})
OTHER = RSAKey.generate_key(2048, parameters={"kid": "k1", "alg": "RS256"})
KEYS = KeySet([KEY])


def _token(key: RSAKey = KEY, alg: str = "RS256", **changes) -> str:
    now = int(time.time())
    claims = {"iss": ISSUER, "aud": CLIENT, "sub": "s-1", "iat": now, "exp": now + 300, "nonce": NONCE, **changes}
    return jwt.encode({"alg": alg, "kid": "k1"}, {k: v for k, v in claims.items() if v is not None}, key)


def _check(token: str) -> dict:
    return validated_claims(token, KEYS, ["RS256"], ISSUER, CLIENT, NONCE)


def test_a_right_token_gives_its_claims():
    assert _check(_token(name="Sari"))["name"] == "Sari"
    assert _check(_token(aud=[CLIENT, "lain"], azp=CLIENT))["sub"] == "s-1"


@pytest.mark.parametrize(("token", "why"), [
    (lambda: _token(key=OTHER), "signature"),
    (lambda: _token(iss="https://palsu.example"), "iss"),
    (lambda: _token(aud="aplikasi-lain"), "aud"),
    (lambda: _token(exp=int(time.time()) - 3600), "exp"),
    (lambda: _token(exp=None), "exp"),
    (lambda: _token(nonce="nonce-lain"), "nonce"),
    (lambda: _token(nonce=None), "nonce"),
    (lambda: _token(aud=[CLIENT, "lain"], azp="lain"), "azp"),
    (lambda: "bukan.sebuah.token", "token"),
])
def test_a_wrong_token_is_refused(token, why):
    with pytest.raises(LoginRefused) as refused:
        _check(token())
    assert refused.value.reason == "sso_failed" and "tidak sah" in refused.value.message


def test_an_unsigned_token_is_refused():
    def part(value: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")
    now = int(time.time())
    claims = {"iss": ISSUER, "aud": CLIENT, "sub": "s-1", "iat": now, "exp": now + 300, "nonce": NONCE}
    with pytest.raises(LoginRefused):
        _check(f"{part({'alg': 'none'})}.{part(claims)}.")
