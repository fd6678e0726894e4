"""Auditors through the JSON API (``/api/v1/audit/...``): the log, a case's verification, its packet, the log
of a date range. Read-only, for the audit roles (Auditor, Admin Sistem) only; each read of one case is logged
on its chain, as on the audit pages.

Stable errors: 400 ``invalid_date`` / ``invalid_date_range`` / ``invalid_parameter``, 403 ``audit_role_required``,
404 ``instance_not_found``.
"""
from __future__ import annotations

from datetime import date
from typing import Any, NoReturn

from flask import abort, g, jsonify, make_response, request
from flask_babel import gettext
from werkzeug.wrappers import Response

from engine import FIRST_YEAR, LAST_YEAR, AuditEventView, CaseRemoved, may_audit, utc_text, wita_text
from web.api import bp
from web.audit import send_zip, signing_key, trusted_keys
from web.auth import bearer_user
from web.current import current_alur
from web.errors import json_error

MAX_PER_PAGE = 200


def _fail(status: int, code: str, message: str, **context: Any) -> NoReturn:
    response, status = json_error(status, code, message, **context)
    abort(make_response(response, status))


def _require_auditor() -> None:
    user = bearer_user()
    if user is None or not may_audit(user.roles):
        _fail(403, "audit_role_required", gettext("API audit hanya untuk Auditor dan Admin Sistem."))


def _day(name: str, required: bool = False) -> date | None:
    """A WITA day from ``YYYY-MM-DD``; 400 ``invalid_date`` naming the parameter otherwise."""
    value = request.args.get(name, "").strip()
    if not value and not required:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        day = None
    if day is None or not FIRST_YEAR <= day.year <= LAST_YEAR:  # year 1 or 9999 would overflow the UTC bounds
        _fail(400, "invalid_date", gettext("Parameter %(name)s harus tanggal YYYY-MM-DD.", name=name), field=name)
    return day


def _days(required: bool) -> tuple[date | None, date | None]:
    date_from, date_to = _day("dari", required), _day("sampai", required)
    if date_from is not None and date_to is not None and date_to < date_from:
        _fail(400, "invalid_date_range", gettext("Tanggal 'sampai' sebelum tanggal 'dari'."), field="sampai")
    return date_from, date_to


def _number(name: str, default: int | None, largest: int | None = None) -> int | None:
    value = request.args.get(name, "").strip()
    if not value:
        return default
    if not value.isdigit() or int(value) < 1 or (largest is not None and int(value) > largest):
        limit = f" (1..{largest})" if largest else ""
        _fail(400, "invalid_parameter", gettext("Parameter %(name)s harus bilangan bulat positif%(limit)s.",
                                                name=name, limit=limit), field=name)
    return int(value)


def event_json(event: AuditEventView) -> dict[str, Any]:
    return {"id": event.event_id, "chain": event.chain, "seq": event.seq, "instance_id": event.instance_id,
            "event_type": event.event_type, "actor": event.actor, "at_utc": utc_text(event.at),
            "at_wita": wita_text(event.at), "payload": event.payload, "hash": event.hash}


def _record(instance_id: int, what: str) -> None:
    current_alur().read_log.record_read(g.api_user, instance_id, what, remote_addr=request.remote_addr)


def _case_or_removed(instance_id: int) -> CaseRemoved | None:
    """None for a stored case; the removal for one removed under retention (its audit trail stays);
    404 ``instance_not_found`` otherwise."""
    try:
        current_alur().queries.case(instance_id)
    except CaseRemoved as removed:
        return removed
    return None


@bp.get("/audit/log")
def audit_log() -> Response:
    """Events of every chain, newest first; ``dari``/``sampai`` are WITA days, both included."""
    _require_auditor()
    date_from, date_to = _days(required=False)
    instance_id = _number("instance_id", None)
    page = current_alur().audit_log.events(
        instance_id=instance_id, event_type=request.args.get("event_type") or None,
        actor=request.args.get("actor") or None, date_from=date_from, date_to=date_to,
        page=_number("page", 1) or 1, per_page=_number("per_page", 50, MAX_PER_PAGE) or 50)
    if instance_id is not None:
        _case_or_removed(instance_id)  # 404 for a case that does not exist
        _record(instance_id, "audit_trail")
    return jsonify({"items": [event_json(e) for e in page.items], "page": page.page, "per_page": page.per_page,
                    "total": page.total, "pages": page.pages})


@bp.get("/audit/cases/<int:instance_id>/verify")
def audit_verify_case(instance_id: int) -> Response:
    """The case's chain against the signed checkpoints, and its replay on the BPMN it ran on."""
    _require_auditor()
    alur = current_alur()
    removed = _case_or_removed(instance_id)
    report = alur.audit_verifier.verify_case(instance_id, trusted_keys())
    _record(instance_id, "verification")
    if removed is not None:  # its chain still verifies; there is no case left to replay against
        return jsonify({"instance_id": instance_id, "ok": report.ok, "audit": report.to_dict(), "replay": None,
                        "removed": removed.to_dict(), "lines": report.lines() + [removed.message]})
    replay = alur.replay.verify_replay(instance_id)
    return jsonify({"instance_id": instance_id, "ok": report.ok and replay.ok, "audit": report.to_dict(),
                    "replay": replay.to_dict(), "lines": report.lines() + replay.lines()})


@bp.get("/audit/cases/<int:instance_id>/packet")
def audit_case_packet(instance_id: int) -> Response:
    """The case's audit packet (ZIP); the export is logged on the case first."""
    _require_auditor()
    current_alur().queries.case(instance_id)
    return send_zip(lambda out: current_alur().audit_export.export_case(
        instance_id, g.api_user, out, trusted_keys(), signing_key()), f"audit-kasus-{instance_id}.zip")


@bp.get("/audit/export")
def audit_export() -> Response:
    """The log of a date range (ZIP): ``dari`` and ``sampai`` are WITA days, both included, both required."""
    _require_auditor()
    date_from, date_to = _days(required=True)
    assert date_from is not None and date_to is not None
    return send_zip(lambda out: current_alur().audit_export.export_log(date_from, date_to, out, g.api_user,
                                                                       signing_key()),
                    f"audit-log-{date_from.isoformat()}-{date_to.isoformat()}.zip")
