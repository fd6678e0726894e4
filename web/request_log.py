"""One JSON line per request (``engine.operations.logs``): method, route, status, duration, user and request id.

The request id is nginx's ``X-Request-Id`` (``proxy_set_header X-Request-Id $request_id``) when it
sends a sane one, else a new one; either way the response carries it back in ``X-Request-Id``, so a
user's error report, nginx's access log and this line can be matched.
"""
from __future__ import annotations

import logging
import re
import time
import uuid
from typing import Any

from flask import Flask, g, request

from engine import log_handler

REQUEST_LOG = logging.getLogger("alur.request")
HEADER = "X-Request-Id"
_SANE_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")


def register(app: Flask) -> None:
    """Log every request of ``app``; the ``alur`` loggers get a handler here when nothing configured one."""
    alur_log = logging.getLogger("alur")
    if not alur_log.handlers and not logging.getLogger().handlers:
        alur_log.addHandler(log_handler(str(app.config.get("LOG_FORMAT", "json"))))
    if alur_log.level == logging.NOTSET:
        alur_log.setLevel(logging.INFO)  # the request lines are INFO records
    app.before_request(_start)
    app.after_request(_finish)


def request_id() -> str:
    """This request's id (nginx's, or made here)."""
    found = getattr(g, "request_id", None)
    return found if isinstance(found, str) else _start_id()


def route() -> str:
    """The matched route's pattern (``/tugas/<task_id>``), so ids do not make every URL a route of its own."""
    rule = request.url_rule
    return rule.rule if rule is not None else "(no route)"


def _start_id() -> str:
    given = request.headers.get(HEADER, "")
    ident = given if _SANE_ID.fullmatch(given) else uuid.uuid4().hex
    g.request_id = ident
    return ident


def _start() -> None:
    g.request_started = time.monotonic()
    _start_id()


def _finish(response: Any) -> Any:
    # one context lookup each, not one per attribute (a LocalProxy's method, which Request does not declare)
    current, namespace = request._get_current_object(), g._get_current_object()  # type: ignore[attr-defined]
    started = getattr(namespace, "request_started", None)
    duration = time.monotonic() - started if isinstance(started, float) else 0.0
    namespace.request_duration = duration
    ident, pattern = request_id(), route()
    response.headers[HEADER] = ident
    REQUEST_LOG.info("%s %s %s", current.method, pattern, response.status_code, extra={"fields": {
        "kind": "request", "request_id": ident, "method": current.method, "route": pattern,
        "path": current.path, "status": response.status_code, "duration_ms": round(duration * 1000, 1),
        "user": _user(namespace), "remote_addr": current.remote_addr}})
    return response


def _user(namespace: Any) -> str | None:
    """The API's user, or the user the request's view loaded; a request that never asked (a static
    file) is not made to read one here, a database read for a log field."""
    api_user = getattr(namespace, "api_user", None)
    if isinstance(api_user, str):
        return api_user
    user = getattr(namespace, "_login_user", None)  # where Flask-Login keeps the request's user once loaded
    return str(user.username) if user is not None and user.is_authenticated else None
