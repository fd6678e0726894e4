"""Single sign-on through an OpenID provider (Authlib for the OAuth 2 client, joserfc for the ID token):
authorization code flow with PKCE, the provider's discovery document and keys, the ID token validated
(signature, issuer, audience, expiry, nonce), claims mapped to an ``ExternalIdentity``, RP-initiated logout.

The web layer keeps an ``OidcRequest`` in the browser's session between the redirect to the provider and
the way back; everything else happens here."""
from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import requests
from authlib.integrations.requests_client import OAuth2Session
from authlib.oauth2 import OAuth2Error
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from engine.accounts.external import ExternalIdentity
from engine.accounts.identity_settings import OidcSettings
from engine.errors import DirectoryUnavailable, LoginRefused

DISCOVERY_LIFETIME = 3600.0  # seconds a discovery document and key set are kept before asking again
CLOCK_SKEW = 60  # seconds of difference between the provider's clock and ours accepted on exp/iat


@dataclass(frozen=True)
class OidcRequest:
    """One sign-in on its way through the provider: what the answer must match."""

    state: str
    nonce: str
    code_verifier: str
    redirect_uri: str

    def to_dict(self) -> dict[str, str]:
        return dict(self.__dict__)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> OidcRequest | None:
        try:
            return cls(str(data["state"]), str(data["nonce"]), str(data["code_verifier"]), str(data["redirect_uri"]))
        except (KeyError, TypeError):
            return None


@dataclass(frozen=True)
class OidcSignIn:
    identity: ExternalIdentity
    id_token: str  # kept for the logout at the provider (id_token_hint)


class OidcClient:
    def __init__(self, settings: OidcSettings) -> None:
        self._settings = settings
        self._lock = threading.Lock()
        self._metadata: tuple[float, dict[str, Any], KeySet] | None = None

    def start(self, redirect_uri: str) -> tuple[str, OidcRequest]:
        """The provider's authorization URL to send the browser to, and what to keep until it comes back.

        :raises DirectoryUnavailable: the provider's discovery document cannot be read
        """
        metadata, _ = self._discovered()
        request = OidcRequest(secrets.token_urlsafe(24), secrets.token_urlsafe(24), secrets.token_urlsafe(48),
                              redirect_uri)
        url, _ = self._session(redirect_uri).create_authorization_url(
            metadata["authorization_endpoint"], state=request.state, code_verifier=request.code_verifier,
            nonce=request.nonce)
        return url, request

    def finish(self, request: OidcRequest, answer: Mapping[str, str]) -> OidcSignIn:
        """Exchange the code of the provider's answer for tokens, validate the ID token, read the claims.

        :raises LoginRefused: the provider answered an error, the state does not match, or the ID token is
            invalid (``sso_failed``)
        :raises DirectoryUnavailable: the provider cannot be reached
        """
        if answer.get("error"):
            raise _failed(f"Penyedia SSO menolak: {answer.get('error_description') or answer['error']}")
        if not answer.get("code") or not secrets.compare_digest(answer.get("state", ""), request.state):
            raise _failed("Jawaban SSO tidak cocok dengan permintaan masuk ini (state); ulangi masuk.")
        metadata, keys = self._discovered()
        client = self._session(request.redirect_uri)
        try:
            token = client.fetch_token(metadata["token_endpoint"], code=answer["code"],
                                       code_verifier=request.code_verifier, grant_type="authorization_code",
                                       timeout=self._settings.timeout, verify=self._verify)
        except OAuth2Error as exc:
            raise _failed(f"Penyedia SSO menolak kode masuk: {exc.description or exc.error}") from exc
        except requests.RequestException as exc:
            raise DirectoryUnavailable(f"Penyedia SSO {self._settings.issuer} tidak dapat dihubungi: {exc}",
                                       source="oidc") from exc
        id_token = token.get("id_token")
        if not id_token:
            raise _failed("Penyedia SSO tidak mengirim ID token")
        try:
            claims = self._validated(id_token, keys, metadata, request.nonce)
        except LoginRefused:
            with self._lock:  # the provider may have rotated its keys since they were fetched
                self._metadata = None
            metadata, keys = self._discovered()
            claims = self._validated(id_token, keys, metadata, request.nonce)
        claims = {**self._userinfo(metadata, token, claims["sub"]), **claims}
        return OidcSignIn(self._identity(claims), id_token)

    def logout_url(self, id_token: str | None, post_logout_redirect_uri: str) -> str | None:
        """Where to send the browser to end the provider's session too (None: the provider has no such endpoint)."""
        try:
            metadata, _ = self._discovered()
        except DirectoryUnavailable:
            return None
        endpoint = metadata.get("end_session_endpoint")
        if not endpoint:
            return None
        query = {"client_id": self._settings.client_id, "post_logout_redirect_uri": post_logout_redirect_uri}
        if id_token:
            query["id_token_hint"] = id_token
        return f"{endpoint}{'&' if '?' in endpoint else '?'}{urlencode(query)}"

    @property
    def _verify(self) -> str | bool:
        return str(self._settings.ca_file) if self._settings.ca_file else True

    def _session(self, redirect_uri: str) -> OAuth2Session:
        return OAuth2Session(self._settings.client_id, self._settings.client_secret, scope=self._settings.scopes,
                             redirect_uri=redirect_uri, code_challenge_method="S256",
                             token_endpoint_auth_method="client_secret_basic" if self._settings.client_secret
                             else "none")

    def _discovered(self) -> tuple[dict[str, Any], KeySet]:
        """The discovery document and the key set, fetched at most once an hour (and again on an unknown key)."""
        with self._lock:
            if self._metadata is None or time.monotonic() - self._metadata[0] > DISCOVERY_LIFETIME:
                metadata = self._get(self._settings.issuer.rstrip("/") + "/.well-known/openid-configuration")
                if metadata.get("issuer") != self._settings.issuer:
                    raise DirectoryUnavailable(f"Dokumen discovery menyebut issuer {metadata.get('issuer')!r}, "
                                               f"bukan {self._settings.issuer!r}", source="oidc")
                keys = KeySet.import_key_set(self._get(metadata["jwks_uri"]))  # type: ignore[arg-type]  # JSON of a JWKS
                self._metadata = (time.monotonic(), metadata, keys)
            return self._metadata[1], self._metadata[2]

    def _get(self, url: str) -> dict[str, Any]:
        try:
            response = requests.get(url, timeout=self._settings.timeout, verify=self._verify)
            response.raise_for_status()
            document: dict[str, Any] = response.json()
            return document
        except (requests.RequestException, ValueError) as exc:
            raise DirectoryUnavailable(f"Penyedia SSO {self._settings.issuer} tidak dapat dibaca ({url}): {exc}",
                                       source="oidc") from exc

    def _validated(self, id_token: str, keys: KeySet, metadata: Mapping[str, Any], nonce: str) -> dict[str, Any]:
        algorithms = [a for a in metadata.get("id_token_signing_alg_values_supported") or ["RS256"] if a != "none"]
        return validated_claims(id_token, keys, algorithms, self._settings.issuer, self._settings.client_id, nonce)

    def _userinfo(self, metadata: Mapping[str, Any], token: Mapping[str, Any], subject: str) -> dict[str, Any]:
        """The userinfo claims (many providers put the profile there, not in the ID token); same subject only."""
        endpoint = metadata.get("userinfo_endpoint")
        if not endpoint or not token.get("access_token"):
            return {}
        try:
            response = requests.get(endpoint, headers={"Authorization": f"Bearer {token['access_token']}"},
                                    timeout=self._settings.timeout, verify=self._verify)
            response.raise_for_status()
            info: dict[str, Any] = response.json()
        except (requests.RequestException, ValueError) as exc:
            raise DirectoryUnavailable(f"Userinfo penyedia SSO tidak dapat dibaca: {exc}", source="oidc") from exc
        if info.get("sub") != subject:
            raise _failed("Userinfo penyedia SSO menyebut orang lain (sub berbeda)")
        return info

    def _identity(self, claims: Mapping[str, Any]) -> ExternalIdentity:
        s = self._settings
        username = _claim(claims, s.username_claim) or ""
        if not username:
            raise _failed(f"Penyedia SSO tidak mengirim klaim {s.username_claim} (nama pengguna)")
        groups = claims.get(s.groups_claim) or []
        groups = [groups] if isinstance(groups, str) else groups
        return ExternalIdentity(
            source="oidc", subject=str(claims["sub"]), username=username, full_name=_claim(claims, s.name_claim) or "",
            email=_claim(claims, s.email_claim), nip=_claim(claims, s.nip_claim),
            jabatan=_claim(claims, s.jabatan_claim),
            unit_kerja=_claim(claims, s.unit_claim), phone=_claim(claims, s.phone_claim),
            groups=frozenset(str(g) for g in groups), disabled=False)


def validated_claims(id_token: str, keys: KeySet, algorithms: list[str], issuer: str, client_id: str, nonce: str,
                     now: int | None = None) -> dict[str, Any]:
    """The claims of an ID token whose signature (one of ``algorithms``, by a key of ``keys``), issuer,
    audience (and azp with several audiences), expiry and nonce are right.

    :raises LoginRefused: any of them is wrong (``sso_failed``)
    """
    try:
        token = jwt.decode(id_token, keys, algorithms=algorithms)
        registry = jwt.JWTClaimsRegistry(
            now=now, leeway=CLOCK_SKEW, iss={"essential": True, "value": issuer},
            aud={"essential": True, "value": client_id}, sub={"essential": True}, exp={"essential": True},
            iat={"essential": True}, nonce={"essential": True, "value": nonce})
        registry.validate(token.claims)
    except (JoseError, ValueError) as exc:
        raise _failed(f"ID token dari penyedia SSO tidak sah: {exc}") from exc
    claims = dict(token.claims)
    audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
    if len(audiences) > 1 and claims.get("azp") != client_id:
        raise _failed("ID token dari penyedia SSO tidak sah: azp bukan aplikasi ini")
    return claims


def _claim(claims: Mapping[str, Any], name: str) -> str | None:
    value = claims.get(name)
    return str(value).strip() or None if value not in (None, "") else None


def _failed(message: str) -> LoginRefused:
    return LoginRefused(message, reason="sso_failed", username="", source="oidc")
