"""The API's one rate limit (refused tokens per client address), checked straight on Flask-Limiter's
storage and strategy.

Flask-Limiter's hooks cost about 0.3 ms on every API request (issue 21: a fifth of the HTTP overhead of
a task completion), mostly to resolve the limits of the route again on each request. With Alur's
settings the API has exactly one limit, so this does what those hooks do for it, in the same order:
before the view, ``test`` the address's count for the route (429 when spent); after, ``hit`` it when
the answer was a refusal (401 or 429), then add the ``X-RateLimit-*`` and ``Retry-After`` headers of
the count after that deduction. Same storage keys, so counts, windows and headers are Flask-Limiter's
(tests/web/test_request_hooks.py compares both paths header by header).
"""
from __future__ import annotations

import logging
import time
from typing import Any, Callable

from flask import Flask, request
from flask_limiter import Limiter, RateLimitExceeded
from flask_limiter._limits import RuntimeLimit
from flask_limiter.util import get_remote_address
from limits import parse
from werkzeug.http import parse_date

# Flask-Limiter's settings this path follows; any other RATELIMIT_* setting (a key prefix, other header
# names, limits for every route, callbacks …) leaves the API to Flask-Limiter's own hooks.
FOLLOWED_SETTINGS = frozenset({"RATELIMIT_ENABLED", "RATELIMIT_STRATEGY", "RATELIMIT_STORAGE_URI",
                               "RATELIMIT_STORAGE_OPTIONS", "RATELIMIT_HEADERS_ENABLED"})
_LOG = logging.getLogger("flask-limiter")  # where Flask-Limiter logs a breach
_CHECKED = "alur.api_limit"  # the request's (address, route) once checked


def applies(app: Flask) -> bool:
    """Whether Flask-Limiter is configured as this path assumes (before it reads the settings)."""
    return {name for name in app.config if name.startswith("RATELIMIT_")} <= FOLLOWED_SETTINGS


class ApiLimit:
    """``limit`` for every route of the API, counted only when ``deduct_when`` says the answer failed."""

    def __init__(self, limiter: Limiter, limit: str, deduct_when: Callable[[Any], bool], headers: bool) -> None:
        self._limiter = limiter
        self._item = parse(limit)
        self._deduct_when = deduct_when
        self._headers = headers
        self._runtime = RuntimeLimit(self._item, get_remote_address, None, deduct_when=deduct_when)

    def check(self) -> None:
        """Before the view: 429 (``RateLimitExceeded``) when the address has spent the route's count.

        :raises RateLimitExceeded: no request left in this window
        """
        if not self._limiter.enabled:
            return
        args = request.environ[_CHECKED] = (get_remote_address(), request.endpoint or "")
        if not self._limiter.limiter.test(self._item, *args):
            _LOG.info("ratelimit %s (%s) exceeded at endpoint: %s", self._item, args[0], args[1])
            raise RateLimitExceeded(self._runtime)

    def deduct_and_tell(self, response: Any) -> Any:
        """After the view (or the 429 page): count a refusal, then the headers."""
        args = request.environ.get(_CHECKED)
        if args is None:  # not checked (limits off)
            return response
        strategy = self._limiter.limiter
        if self._deduct_when(response):
            strategy.hit(self._item, *args)
        if not self._headers:
            return response
        window = strategy.get_window_stats(self._item, *args)
        reset_at = int(window[0] + 1)
        response.headers.add("X-RateLimit-Limit", str(self._item.amount))
        response.headers.add("X-RateLimit-Remaining", str(window[1]))
        response.headers.add("X-RateLimit-Reset", str(reset_at))
        given = response.headers.get("Retry-After")  # the 429 page's own (Flask-Limiter's reading of it)
        if given is not None:
            moment = parse_date(given)
            retry_after = time.time() + int(given) if moment is None else time.mktime(moment.timetuple())
            reset_at = max(int(retry_after), reset_at)
        response.headers.set("Retry-After", str(int(reset_at - time.time())))
        return response
