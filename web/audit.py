"""Auditors: the audit log, each case replayed on its diagram, verification reports and exports.

An account with the ``auditor`` role reads everything and changes nothing: the app-wide guard below
refuses its state-changing requests on every blueprint and on the JSON API (only logging in and
out and the language switch, which touch the session alone, stay open). Every page about one case
is recorded on that case's audit chain (who, when, what).
"""
from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path
from typing import Any, Callable

from flask import Blueprint, abort, current_app, render_template, request, send_file, url_for
from flask_babel import gettext
from flask_login import current_user
from werkzeug.wrappers import Response

from engine import (AnchorSet, HistoryStep, PermissionDenied, is_read_only, load_anchors, may_audit,
                    trusted_keys_from_env)
from engine import signing_key as configured_signing_key
from web.auth import bearer_user
from web.event_words import event_label, event_summary
from web.formatting import wita
from web.people import person_text
from web.current import current_alur

bp = Blueprint("audit", __name__, url_prefix="/audit")
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
SESSION_ONLY = frozenset({"auth.login", "auth.logout", "auth.language"})  # no data changes
# An auditor's own credentials: its password and its tokens (read scope only, web/account.py).
OWN_CREDENTIALS = frozenset({"account.change_password", "account.issue_token", "account.revoke_token"})
_OPEN_TO_AUDITORS = SESSION_ONLY | OWN_CREDENTIALS
PACKET_IN_MEMORY = 16 * 1024 * 1024  # larger packets spill to a temporary file


@bp.before_app_request
def refuse_changes_by_auditors() -> None:
    """403 for any state-changing request by an auditor, whether by session or by API token."""
    if request.method in SAFE_METHODS or request.endpoint in _OPEN_TO_AUDITORS:
        return
    if is_read_only(_request_roles()):
        abort(403, gettext("Akun auditor hanya dapat membaca; perubahan tidak diizinkan."))


def _request_roles() -> frozenset[str]:
    # A request without cookies has no session to be signed in by (an API client's): asking Flask-Login
    # would cost about 0.03 ms of each API call to find nobody.
    if request.cookies and current_user.is_authenticated:
        return frozenset(current_user.roles)
    user = bearer_user()
    return user.roles if user is not None else frozenset()


@bp.before_request
def require_audit_role() -> Any:
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()  # type: ignore[attr-defined]
    if not may_audit(current_user.roles):
        message = gettext("Halaman audit hanya untuk Auditor dan Admin Sistem.")
        instance_id = (request.view_args or {}).get("instance_id")
        if instance_id is not None:  # a case's audit pages: the attempt goes on that case's log
            current_alur().attempts.log_refusal(current_user.username, f"audit:{request.endpoint}",
                                           PermissionDenied(message), instance_id=instance_id)
        abort(403, message)
    return None


@bp.get("")
def log() -> str:
    """The audit log of every chain, newest first, with filters."""
    args = request.args
    instance_id = args.get("kasus", type=int)
    page = current_alur().audit_log.events(
        instance_id=instance_id, event_type=args.get("jenis") or None, actor=args.get("pelaku") or None,
        date_from=_date(args.get("dari")), date_to=_date(args.get("sampai")), page=args.get("hal", 1, type=int),
        per_page=current_app.config["PER_PAGE"] * 2)
    if instance_id is not None:
        _record(instance_id, "audit_trail")
    return render_template("audit/log.html", page=page, args=args,
                           event_types=current_alur().audit_log.event_types(),
                           latest_checkpoint=current_alur().checkpoints.latest())


@bp.get("/kasus")
def cases() -> str:
    page = current_alur().queries.cases(request.args.get("proses") or None, request.args.get("status") or None,
                                             request.args.get("hal", 1, type=int), current_app.config["PER_PAGE"])
    return render_template("audit/cases.html", page=page)


@bp.get("/kasus/<int:instance_id>")
def replay(instance_id: int) -> str:
    """Step through the case event by event on its diagram."""
    history = current_alur().histories.replay_states(instance_id)
    instance = current_alur().queries.case(instance_id)
    _record(instance_id, "replay")
    steps = [_step_json(instance_id, step, history.process_key) for step in history.steps]
    return render_template("audit/replay.html", history=history, instance=instance, steps=steps)


@bp.get("/kasus/<int:instance_id>/verifikasi")
def case_verification(instance_id: int) -> str:
    alur = current_alur()
    instance = alur.queries.case(instance_id)
    report = alur.audit_verifier.verify_case(instance_id, trusted_keys(), _anchors())
    replay_report = alur.replay.verify_replay(instance_id)
    _record(instance_id, "verification")
    return render_template("audit/verification.html", report=report, replays=[replay_report], instance=instance)


@bp.get("/verifikasi")
def verification() -> str:
    """Every chain and checkpoint; with ``?replay=1`` every case is also re-executed."""
    alur = current_alur()
    replays = alur.replay.verify_all() if request.args.get("replay") else []
    report = alur.audit_verifier.verify(trusted_keys(), anchors=_anchors())
    return render_template("audit/verification.html", report=report,
                           replays=replays, instance=None)


@bp.get("/kasus/<int:instance_id>/paket.zip")
def packet(instance_id: int) -> Response:
    """The case's audit packet; the export is recorded on the case first."""
    return send_zip(lambda out: current_alur().audit_export.export_case(
        instance_id, current_user.username, out, trusted_keys(), signing_key()), f"audit-kasus-{instance_id}.zip")


@bp.get("/kasus/<int:instance_id>/dokumen/<sha256>")
def document(instance_id: int, sha256: str) -> Response:
    attachment, path = current_alur().cases.case_document(instance_id, sha256, current_user.username)
    _record(instance_id, "document", sha256)
    return send_file(path, mimetype=attachment.media_type, as_attachment=True, download_name=attachment.filename,
                     etag=sha256, max_age=0)


@bp.get("/ekspor")
def export() -> Response | str:
    """The log for a date range (WITA days) as a ZIP; without dates, the form."""
    date_from, date_to = _date(request.args.get("dari")), _date(request.args.get("sampai"))
    if date_from is None or date_to is None:
        return render_template("audit/export.html", args=request.args)
    return send_zip(lambda out: current_alur().audit_export.export_log(date_from, date_to, out, current_user.username,
                                                                       signing_key()),
                f"audit-log-{date_from.isoformat()}-{date_to.isoformat()}.zip")


def _step_json(instance_id: int, step: HistoryStep, process_key: str | None = None) -> dict[str, Any]:
    """A replay step for the page's script: times in WITA, document links through this blueprint; the
    step's name in the page's language (a claim's event names its task, whose element the history knows)."""
    data = step.to_dict()
    data["at_text"] = wita(step.at)
    payload = step.payload if step.element_id is None else {**step.payload, "element_id": step.element_id}
    data["label"] = event_summary(step.event_type, payload, process_key)
    data["actor_text"] = person_text(step.actor)
    data["type_text"] = event_label(step.event_type)
    for document in data["documents"]:
        document["url"] = url_for("audit.document", instance_id=instance_id, sha256=document["sha256"])
    return data


def _record(instance_id: int, what: str, sha256: str | None = None) -> None:
    current_alur().read_log.record_read(current_user.username, instance_id, what, document_sha256=sha256,
                                         remote_addr=request.remote_addr)


def send_zip(write: Callable[[Any], Any], filename: str) -> Response:
    out = tempfile.SpooledTemporaryFile(max_size=PACKET_IN_MEMORY)
    try:
        write(out)
    except BaseException:
        out.close()  # a refused export (a range too long, a case hidden): its file, maybe on disk, goes now
        raise
    out.seek(0)
    return send_file(out, mimetype="application/zip", as_attachment=True, download_name=filename, max_age=0)


def trusted_keys() -> list[Any]:
    """Public keys from the app config (``ALUR_AUDIT_PUBLIC_KEY``, or the key file's public half)."""
    return trusted_keys_from_env(_key_settings(), default_file=current_alur().settings.audit_key_file)


def signing_key() -> Any:
    """The audit key that signs packet manifests (configured, else the key file ``alur init`` made), or None
    (the packet then says it is unsigned)."""
    return configured_signing_key(_key_settings(), current_alur().settings.audit_key_file)


def _key_settings() -> dict[str, str]:
    config = current_app.config
    return {name: str(config[key]) for name, key in (("ALUR_AUDIT_PUBLIC_KEY", "AUDIT_PUBLIC_KEY"),
                                                     ("ALUR_AUDIT_KEY_FILE", "AUDIT_KEY_FILE"),
                                                     ("ALUR_AUDIT_KEY", "AUDIT_KEY")) if config.get(key)}


def _anchors() -> AnchorSet | None:
    """The checkpoint files outside the database (``ALUR_CHECKPOINT_DIR``, else the engine's folder), if any."""
    configured = current_app.config.get("CHECKPOINT_DIR")
    folder = Path(configured) if configured else current_alur().settings.checkpoint_dir
    return load_anchors(folder) if folder is not None and folder.is_dir() else None


def _date(value: str | None) -> date | None:
    """A date from the form, or None (then the form asks again); years far outside Alur's own are no
    date (a range from year 1 would overflow the UTC conversion)."""
    try:
        day = date.fromisoformat(value) if value else None
    except ValueError:
        return None
    return day if day is not None and 1900 <= day.year <= 2999 else None
