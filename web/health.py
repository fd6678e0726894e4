"""``/healthz`` (the process answers) and ``/readyz`` (it can do its work) for nginx, systemd and
monitoring; no login. ``/readyz`` is 503 with the failing checks named (see ``engine.runtime.readiness``)."""
from __future__ import annotations

from dataclasses import asdict

from flask import Blueprint, Response, current_app, jsonify

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz() -> Response:
    """The process is up and answers; nothing else is asked (no database)."""
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz() -> tuple[Response, int]:
    """Database reachable, schema at head, documents folder writable, a worker ran recently."""
    readiness = current_app.extensions["alur"].health.readiness()
    body = {"status": "ready" if readiness.ready else "not_ready",
            "checks": {name: asdict(check) for name, check in readiness.checks.items()}}
    return jsonify(body), 200 if readiness.ready else 503
