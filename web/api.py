"""JSON API ``/api/v1``: the inbox, tasks, cases and documents, with ``Authorization: Bearer <token>``.

Errors are ``{"error": {"code", "message", ...}}`` (web/errors.py); no cookies, so no CSRF token.
"""
from __future__ import annotations

import dataclasses
from datetime import date, datetime, timedelta
from typing import Any

from flask import Blueprint, g, jsonify, request, url_for
from flask_babel import gettext
from werkzeug.wrappers import Response

from engine import (ACCOUNT_FIELDS, INBOX_TABS, AccountData, DraftNotFound, DraftView, InvalidInput,
                    PermissionDenied, RequesterCasePage, UploadTarget, is_admin, may_audit, parse_search)
from web.api_spec import openapi_document
from web.auth import bearer_token, bearer_user
from web.errors import json_error
from web.current import current_alur

bp = Blueprint("api", __name__, url_prefix="/api/v1")
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


_PLAIN = frozenset({str, int, float, bool, type(None)})
_FIELD_NAMES: dict[type, tuple[str, ...]] = {}  # a dataclass's fields, as dataclasses.fields reads them each time


def to_json(value: Any) -> Any:
    """Dataclasses, datetimes (ISO 8601, UTC), dates (ISO 8601) and timedeltas (minutes) as JSON values."""
    kind = type(value)
    if kind in _PLAIN:
        return value
    names = _FIELD_NAMES.get(kind)
    if names is None and dataclasses.is_dataclass(value) and not isinstance(value, type):
        names = _FIELD_NAMES.setdefault(kind, tuple(f.name for f in dataclasses.fields(value)))
    if names is not None:
        return {name: to_json(getattr(value, name)) for name in names}
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, timedelta):
        return int(value.total_seconds() // 60)
    if isinstance(value, dict):
        return {str(k): to_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [to_json(v) for v in (sorted(value) if isinstance(value, (set, frozenset)) else value)]
    return value


@bp.before_request
def _authenticate() -> Any:
    if request.endpoint == "api.openapi":
        return None
    holder = bearer_token()
    if holder is None:
        response, status = json_error(401, "unauthorized",
                                      gettext("Token API tidak ada, tidak sah, sudah dicabut atau kedaluwarsa."))
        response.headers["WWW-Authenticate"] = 'Bearer realm="alur"'
        return response, status
    if request.method not in SAFE_METHODS and not holder.may_write:
        return json_error(403, "token_read_only", gettext("Token ini hanya untuk membaca (cakupan baca)."))
    g.api_user = holder.user.username
    return None


def _body() -> dict[str, Any]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise InvalidInput(gettext("Isi permintaan harus berupa objek JSON."))
    return body


@bp.get("/openapi.json")
def openapi() -> Response:
    return jsonify(openapi_document(url_for("api.openapi", _external=True).rsplit("/", 1)[0]))


@bp.get("/me")
def me() -> Response:
    return jsonify(to_json(current_alur().users.get(g.api_user)))


@bp.get("/processes")
def processes() -> Response:
    items = [{"process_key": p.process_key, "name": p.name, "version": p.version, "can_start": p.can_start,
              "routine_cycle": p.routine_cycle} for p in current_alur().catalog.processes(g.api_user)]
    return jsonify({"items": items})


SEARCH_PARAMETERS = ("q", "reference", "opd", "performer", "process_key", "from", "to", "sort")


@bp.get("/inbox")
def inbox() -> Response:
    """A tab of the inbox; the search parameters (``q``, ``reference``, ``opd``, ``performer``, ``from``,
    ``to``, ``sort``) narrow and order it like the inbox page's form."""
    tab = request.args.get("tab", "mine")
    if tab not in INBOX_TABS:
        raise InvalidInput(gettext("Parameter tab atau state tidak dikenal."), field="tab")
    search = parse_search({**_search_args(), "state": request.args.get("state")}, "inbox")
    overview = current_alur().queries.inbox_overview(
        g.api_user, tab, page=request.args.get("page", 1, type=int),
        per_page=request.args.get("per_page", 25, type=int), search=search)
    page = overview.page
    remaining = current_alur().cases.remaining(page.items)
    items = [{**to_json(t), "working_minutes_left": to_json(remaining.get(t.task_id))} for t in page.items]
    return jsonify({"items": items, "page": page.page, "per_page": page.per_page, "total": page.total,
                    "pages": page.pages, "capped": page.capped,
                    # every tab's count, whatever the search (the SOP too)
                    "counts": overview.counts if search.process_key is None
                    else current_alur().queries.inbox_counts(g.api_user)})


@bp.get("/cases")
def cases() -> Response:
    """The cases the token's user may read, newest first unless ``sort`` says otherwise, narrowed by the
    search parameters and ``status``."""
    search = parse_search({**_search_args(), "state": request.args.get("status")}, "cases")
    page = current_alur().queries.visible_cases(g.api_user, page=request.args.get("page", 1, type=int),
                                                per_page=request.args.get("per_page", 25, type=int), search=search)
    return jsonify({"items": to_json(page.items), "page": page.page, "per_page": page.per_page, "total": page.total,
                    "pages": page.pages, "capped": page.capped})


def _search_args() -> dict[str, str]:
    return {name: request.args[name] for name in SEARCH_PARAMETERS if name in request.args}


@bp.get("/tasks/<task_id>")
def task(task_id: str) -> Response:
    page = current_alur().cases.task_page(task_id, g.api_user)
    return jsonify({"task": to_json(page.task), "step": to_json(page.meta), "form": page.schema,
                    "prefill": page.values, "carried": page.carried, "working_minutes_left": to_json(page.remaining),
                    "can_act": page.can_act, "documents": to_json(page.documents)})


@bp.post("/tasks/<task_id>/claim")
def claim(task_id: str) -> Response:
    current_alur().runner.claim_task(task_id, g.api_user)
    return jsonify(to_json(current_alur().queries.task(task_id)))


@bp.post("/tasks/<task_id>/unclaim")
def unclaim(task_id: str) -> Response:
    current_alur().runner.unclaim_task(task_id, g.api_user)
    return jsonify(to_json(current_alur().queries.task(task_id)))


@bp.post("/tasks/<task_id>/reassign")
def reassign(task_id: str) -> Response:
    """A supervisor of the task's role (or Admin Sistem) hands it to another holder of the role."""
    body = _body()
    to, reason = body.get("to"), body.get("reason")
    if not isinstance(to, str) or not isinstance(reason, (str, type(None))):
        raise InvalidInput(gettext("'to' harus nama pengguna dan 'reason' berupa teks."), field="to")
    current_alur().runner.reassign_task(task_id, g.api_user, to, reason or "")
    return jsonify(to_json(current_alur().queries.task(task_id)))


@bp.post("/tasks/<task_id>/complete")
def complete(task_id: str) -> Response:
    body = _body()
    version = body.get("expected_version")
    if version is not None and not isinstance(version, int):
        raise InvalidInput(gettext("expected_version harus bilangan bulat."), field="expected_version")
    result = current_alur().runner.complete_task(task_id, g.api_user, body.get("data"), version)
    return jsonify(to_json(result))


@bp.get("/tasks/<task_id>/draft")
def get_draft(task_id: str) -> Response:
    """Your own draft of a task (private; not part of the record). 404 ``draft_not_found`` when none."""
    draft = current_alur().drafts.get(task_id, g.api_user)
    if draft is None:
        raise DraftNotFound(gettext("Belum ada draf Anda untuk tugas ini."), task_id=task_id)
    return jsonify(_draft_json(draft))


@bp.put("/tasks/<task_id>/draft")
def put_draft(task_id: str) -> Response:
    """Keep ``{"data": {...}}`` (form field values, documents as sha256) as your draft of an open task."""
    body = _body()
    if "data" not in body:
        raise InvalidInput(gettext("Isi permintaan harus memuat 'data'."), field="data")
    return jsonify(_draft_json(current_alur().drafts.save(task_id, g.api_user, body["data"])))


@bp.delete("/tasks/<task_id>/draft")
def delete_draft(task_id: str) -> tuple[str, int]:
    current_alur().drafts.discard(task_id, g.api_user)
    return "", 204


def _draft_json(draft: DraftView) -> dict[str, Any]:
    return {"task_id": draft.task_id, "data": draft.data, "saved_at": draft.saved_at.isoformat(),
            "task_open": draft.task_open}


@bp.post("/cases")
def start_case() -> tuple[Response, int]:
    body = _body()
    result = current_alur().runner.start_case(str(body.get("process_key", "")), g.api_user,
                                                   body.get("business_key") or None, body.get("data"))
    response = jsonify(to_json(result))
    response.headers["Location"] = url_for("api.case", instance_id=result.instance_id)
    return response, 201


@bp.post("/registrations")
def register_case() -> tuple[Response, int]:
    """A registrar registers an incoming letter for a requesting OPD (the requester's first step done)."""
    body = _body()
    opd_id = body.get("opd_id")
    if opd_id is not None and (not isinstance(opd_id, int) or isinstance(opd_id, bool)):
        raise InvalidInput(gettext("opd_id harus bilangan bulat."), field="opd_id")
    result = current_alur().runner.register_case(str(body.get("process_key", "")), g.api_user, opd_id,
                                                 body.get("business_key"), body.get("data"))
    response = jsonify(to_json(result))
    response.headers["Location"] = url_for("api.case", instance_id=result.instance_id)
    return response, 201


@bp.get("/cases/<int:instance_id>/comments")
def comments(instance_id: int) -> Response:
    return jsonify({"items": to_json(current_alur().comments.list(instance_id, g.api_user))})


@bp.post("/cases/<int:instance_id>/comments")
def add_comment(instance_id: int) -> tuple[Response, int]:
    """A comment is an audit event: there is no route to change or delete one."""
    body = _body()
    comment = current_alur().comments.add(instance_id, g.api_user, body.get("text"), body.get("to_requester", False))
    return jsonify(to_json(comment)), 201


@bp.get("/opd")
def opds() -> Response:
    include_inactive = request.args.get("all") == "1" and is_admin(_roles())
    return jsonify({"items": to_json(current_alur().opds.list(include_inactive))})


@bp.post("/opd")
def add_opd() -> tuple[Response, int]:
    _require_admin()
    body = _body()
    opd = current_alur().opds.add(body.get("code", ""), body.get("name", ""), actor=g.api_user)
    return jsonify(to_json(opd)), 201


@bp.patch("/opd/<int:opd_id>")
def update_opd(opd_id: int) -> Response:
    _require_admin()
    body = _body()
    active = body.get("active")
    if active is not None and not isinstance(active, bool):
        raise InvalidInput(gettext("active harus true atau false."), field="active")
    return jsonify(to_json(current_alur().opds.update(opd_id, g.api_user, name=body.get("name"), active=active)))


@bp.get("/users/<username>")
def user(username: str) -> Response:
    """An account with its data (Admin Sistem and auditors; anyone for their own account)."""
    if username != g.api_user and not (is_admin(_roles()) or may_audit(_roles())):
        raise PermissionDenied(gettext("Hanya Admin Sistem dan Auditor yang dapat membaca akun orang lain."))
    return jsonify(to_json(current_alur().users.get(username)))


@bp.patch("/users/<username>")
def set_account_data(username: str) -> Response:
    """Replace the account data given (``full_name``, ``nip``, ``jabatan``, ``unit_kerja``, ``email``,
    ``phone``); fields left out keep their value, ``null`` or ``""`` clears one."""
    if not is_admin(_roles()):
        raise PermissionDenied(gettext("Hanya Admin Sistem yang dapat mengubah data akun."))
    body = _body()
    unknown = sorted(set(body) - set(ACCOUNT_FIELDS))
    if unknown:
        raise InvalidInput(gettext("Isian tidak dikenal: %(names)s.", names=", ".join(unknown)), field=unknown[0])
    for name, value in body.items():
        if value is not None and not isinstance(value, str):
            raise InvalidInput(gettext("%(name)s harus berupa teks.", name=name), field=name)
    current = current_alur().users.get(username)
    data = AccountData(**{name: body[name] if name in body else getattr(current, name) for name in ACCOUNT_FIELDS})
    return jsonify(to_json(current_alur().users.set_account_data(username, data, actor=g.api_user)))


def _roles() -> frozenset[str]:
    user = bearer_user()
    return user.roles if user is not None else frozenset()


def _require_admin() -> None:
    if not is_admin(_roles()):
        raise PermissionDenied(gettext("Hanya Admin Sistem yang dapat mengubah daftar OPD."))


@bp.get("/cases/<int:instance_id>")
def case(instance_id: int) -> Response:
    page = current_alur().cases.case_page(instance_id, g.api_user)
    if isinstance(page, RequesterCasePage):  # the requester's view: status and outcome only
        return jsonify({"view": "requester", **to_json(page)})
    steps = [{"task": to_json(s.task), "langkah": s.langkah, "pass_no": s.pass_no,
              "worked_minutes": to_json(s.worked), "on_time": s.on_time, "overdue": s.overdue,
              "mutu_baku": s.meta.mutu_baku} for s in page.steps]
    return jsonify({"view": "full", "case": to_json(page.instance), "steps": steps,
                    "documents": to_json(page.documents), "marks": page.marks, "overdue": page.overdue,
                    "worked_minutes": to_json(page.worked)})


@bp.post("/documents")
def upload_document() -> tuple[Response, int]:
    """Upload one document (multipart field ``file``); use the returned sha256 as the form field's value.

    With ``task_id`` the upload is for that task (the caller must be able to act on it); without, it
    waits for the step of the caller's that uses it. Either way only the caller can use it."""
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise InvalidInput(gettext("Berkas (field 'file') wajib dikirim."), field="file")
    accept = [a for a in request.form.get("accept", "").split(",") if a] or None
    target = None
    if request.form.get("task_id"):
        page = current_alur().cases.task_page(request.form["task_id"], g.api_user)
        if not page.can_act:
            raise PermissionDenied(gettext("Anda tidak dapat mengunggah dokumen untuk tugas ini."),
                                   task_id=page.task.task_id)
        target = UploadTarget(page.task.instance_id, page.task.task_id, page.task.name)
    attachment = current_alur().attachments.store(upload.stream, upload.filename, g.api_user, accept, target)
    return jsonify(to_json(attachment)), 201


# -- stand-ins (Plh/Plt) and leave -------------------------------------------------------------------

def _mandate_json(mandate: Any) -> dict[str, Any]:
    return {**to_json(mandate), "label": mandate.label}


@bp.get("/mandates")
def mandates() -> Response:
    """The mandates you may see (all for Admin Sistem), newest period first; ``status`` narrows them."""
    items = current_alur().mandates.list_mandates(g.api_user, request.args.get("status") or None)
    return jsonify({"items": [_mandate_json(m) for m in items]})


@bp.post("/mandates")
def appoint_mandate() -> tuple[Response, int]:
    body = _body()
    mandate = current_alur().mandates.appoint(
        str(body.get("kind", "")), str(body.get("absent", "")), str(body.get("stand_in", "")),
        str(body.get("from", "")), str(body.get("to", "")), str(body.get("basis", "")), g.api_user)
    return jsonify(_mandate_json(mandate)), 201


@bp.post("/mandates/<int:mandate_id>/end")
def end_mandate(mandate_id: int) -> Response:
    body = request.get_json(silent=True) or {}
    reason = body.get("reason", "") if isinstance(body, dict) else ""
    return jsonify(_mandate_json(current_alur().mandates.end(mandate_id, g.api_user, str(reason or ""))))


@bp.get("/leaves")
def leaves() -> Response:
    """Leave entries: all for Admin Sistem, your own otherwise."""
    admin = is_admin(current_alur().users.get(g.api_user).roles)
    username = request.args.get("username") or None if admin else g.api_user
    return jsonify({"items": to_json(current_alur().leave.list_leaves(username))})


@bp.post("/leaves")
def add_leave() -> tuple[Response, int]:
    body = _body()
    leave = current_alur().leave.add_leave(str(body.get("username", "")), str(body.get("from", "")),
                                           str(body.get("to", "")), str(body.get("note", "") or ""), g.api_user)
    return jsonify(to_json(leave)), 201


@bp.delete("/leaves/<int:leave_id>")
def remove_leave(leave_id: int) -> tuple[str, int]:
    current_alur().leave.remove_leave(leave_id, g.api_user)
    return "", 204
