"""Flask's signed session cookies, with the work every request repeated for the same cookie kept.

- The signing serializer, made once per secret key: Flask makes one on every request, an API call
  without a cookie too (about 8 µs: it serializes an empty dict to see whether it gives text).
- Its HMACs through hashlib's SHA-1 (the same signature, computed faster).
- A cookie's contents, once its signature checked out: a browser sends the same cookie on every
  page until the session changes, and checking and decoding it cost about 40 µs a page (two HMACs,
  zlib, tagged JSON). Only a cookie byte for byte equal to one already verified with the same keys
  is taken from what was kept, and its age is checked again on every request, as ``max_age``
  does; only sessions holding plain values (text, numbers) are kept, so no request can change what
  another reads (the flashed messages' list is not kept).
"""
from __future__ import annotations

import hashlib
import time
from typing import Any

from flask import Flask, Request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from itsdangerous import BadSignature, URLSafeTimedSerializer

KEPT = 1024  # verified cookies kept per app: a few per signed-in user
_PLAIN = (str, int, float, bool, type(None))


class _Keys:
    """The serializer of one set of secret keys, and the cookies it verified: cookie -> (signed at, data)."""

    def __init__(self, keys: tuple[Any, ...], serializer: URLSafeTimedSerializer | None) -> None:
        self.keys = keys
        self.serializer = serializer
        self.read: dict[str, tuple[int, dict[str, Any]]] = {}


class KeptSessions(SecureCookieSessionInterface):
    # SHA-1 as Flask signs, through hashlib's own constructor: Flask names a Python wrapper
    # (itsdangerous's _lazy_sha1, so that a FIPS system fails at signing, not at import), which sends
    # each HMAC, two per signed cookie, down Python's slow hmac path (some 2 µs each).
    digest_method = staticmethod(hashlib.sha1)

    def __init__(self) -> None:
        self._kept: _Keys | None = None

    def _keys(self, app: Flask) -> _Keys:
        keys = (app.secret_key, *(app.config["SECRET_KEY_FALLBACKS"] or ()))
        kept = self._kept
        if kept is None or kept.keys != keys:  # a key changed (rotated): nothing verified before counts
            kept = self._kept = _Keys(keys, super().get_signing_serializer(app))
        return kept

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        return self._keys(app).serializer

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        """As Flask's, the contents of a cookie verified before taken from what was kept."""
        kept = self._keys(app)
        if kept.serializer is None:
            return None
        cookie = request.cookies.get(self.get_cookie_name(app))
        if not cookie:
            return self.session_class()
        max_age = int(app.permanent_session_lifetime.total_seconds())
        known = kept.read.get(cookie)
        if known is not None:
            age = int(time.time()) - known[0]
            # as itsdangerous's TimestampSigner: older than max_age, or signed in the future, is refused
            return self.session_class(known[1] if 0 <= age <= max_age else None)
        try:
            data, signed_at = kept.serializer.loads(cookie, max_age=max_age, return_timestamp=True)
        except BadSignature:
            return self.session_class()
        if isinstance(data, dict) and all(type(value) in _PLAIN for value in data.values()):
            if len(kept.read) >= KEPT:
                kept.read.clear()
            kept.read[cookie] = (int(signed_at.timestamp()), dict(data))
        return self.session_class(data)
