"""Rate limits (Flask-Limiter): logins per client address and per typed username, and failed API
tokens per client address. Storage is memory unless ``ALUR_RATELIMIT_STORAGE_URI`` names another
(``redis://...``, ``memcached://...``): with several gunicorn workers each keeps its own counts in
memory (web/limit_storage.py), so the account lockout that every worker shares lives in the database
(engine/accounts/login_throttle.py).
"""
from __future__ import annotations

from typing import Any, Callable, cast

from flask import Flask, flash, render_template, request
from flask_limiter import Limiter, RateLimitExceeded
from flask_limiter.util import get_remote_address

from engine import RATE_LIMITED
from web import api, api_limit
from web.api_limit import ApiLimit
from web.auth import too_many_message
from web.current import current_alur
from web.errors import json_error, render_error, wants_json
from web.limit_storage import storage_uri

LIMITED_ENDPOINTS = frozenset({"auth.login"})  # limited by their decorators; the API by ApiLimit
LOGINS_PER_ADDRESS = "30 per minute;300 per hour"
FAILED_LOGINS_PER_NAME = "10 per 15 minutes"
FAILED_TOKENS_PER_ADDRESS = "30 per minute"


def _typed_username() -> str:
    return "login:" + request.form.get("username", "").strip().lower()[:100]


def _failed(response: Any) -> bool:
    """A refused login or token (401), or an attempt refused for waiting too little (429)."""
    return response.status_code in (401, 429)


def register(app: Flask) -> Limiter:
    """A limiter of its own for ``app`` (each app keeps its own counts), over the login view and the API."""
    direct = api_limit.applies(app)  # before Flask-Limiter fills in its settings
    app.config["RATELIMIT_STORAGE_URI"] = storage_uri(app.config.get("RATELIMIT_STORAGE_URI") or "memory://")
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    hook_lists: tuple[dict[Any, list[Any]], ...] = (app.before_request_funcs, app.after_request_funcs,
                                                    app.teardown_request_funcs)
    before = [list(hooks.get(None, ())) for hooks in hook_lists]
    limiter = Limiter(get_remote_address, app=app)
    app.extensions["alur_limiter"] = limiter  # Flask-Limiter's wrappers hold it only weakly
    login: Callable[..., Any] = app.view_functions["auth.login"]
    login = limiter.limit(LOGINS_PER_ADDRESS, methods=["POST"])(login)
    login = limiter.limit(FAILED_LOGINS_PER_NAME, methods=["POST"], key_func=_typed_username,
                          deduct_when=_failed)(login)
    app.view_functions["auth.login"] = cast(Any, login)
    app.register_error_handler(RateLimitExceeded, _too_many)
    if not direct or not limiter.enabled:  # disabled (RATELIMIT_ENABLED false): Flask-Limiter added no hooks
        limiter.limit(FAILED_TOKENS_PER_ADDRESS, deduct_when=_failed)(api.bp)
        return limiter
    # Flask-Limiter's own hooks (check, headers, forgetting the request's state), in their places
    added = [[hook for hook in hooks[None] if hook not in kept] for hooks, kept in zip(hook_lists, before, strict=True)]
    (check,), (inject,), (release,) = added
    limited = ApiLimit(limiter, FAILED_TOKENS_PER_ADDRESS, _failed, bool(app.config["RATELIMIT_HEADERS_ENABLED"]))
    for hooks, hook, where_limited in zip(hook_lists, (check, inject, release),
                                          _where_limited(limited, check, inject, release), strict=True):
        hooks[None][hooks[None].index(hook)] = where_limited
    return limiter


def _where_limited(limited: ApiLimit, check: Callable[[], None], inject: Callable[[Any], Any],
                   release: Callable[[BaseException | None], None]) -> tuple[Callable[..., Any], ...]:
    """Flask-Limiter's hooks only where a limit applies (elsewhere they cost about 0.1 ms a page to find
    none), and the API's limit checked directly."""
    def check_where_limited() -> None:
        if request.blueprint == api.bp.name:
            limited.check()
        elif request.endpoint in LIMITED_ENDPOINTS:
            check()

    def headers_where_limited(response: Any) -> Any:
        if request.blueprint == api.bp.name:
            return limited.deduct_and_tell(response)
        return inject(response) if request.endpoint in LIMITED_ENDPOINTS else response

    def release_where_limited(error: BaseException | None = None) -> None:
        if request.endpoint in LIMITED_ENDPOINTS:  # elsewhere Flask-Limiter kept nothing to forget
            release(error)

    return check_where_limited, headers_where_limited, release_where_limited


def _too_many(error: RateLimitExceeded) -> Any:
    if wants_json():
        response, status = json_error(429, "rate_limited", too_many_message())
        return response, status, {"Retry-After": "60"}
    if request.endpoint == "auth.login":
        current_alur().logins.refused(request.form.get("username", "").strip(), request.remote_addr, RATE_LIMITED)
        flash(too_many_message(), "error")
        return render_template("auth/login.html", username=request.form.get("username", "")[:100]), 429, \
            {"Retry-After": "60"}
    return render_error(429, too_many_message())
