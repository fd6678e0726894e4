"""Cases: start one per SOP, register a letter on a requester's behalf, the case list, the case file
with its diagram, documents, comments and audit trail (or the requester's view of it)."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from engine import (MAX_COMMENT_LENGTH, PREVIEW_TYPES, Conflict, FormInvalid, InvalidInput, NotFound,
                    RegistrationForm, RequesterCasePage)
from web.current import current_alur
from web.model_words import localized_schema
from web.forms import build_fields, form_errors, read_submission
from web.search_params import error_text, page_args, page_search
from web.tasks import store_for
from web.formatting import language_code

bp = Blueprint("cases", __name__, url_prefix="/kasus")


@bp.get("")
@login_required
def index() -> tuple[str, int]:
    """The cases I may read, narrowed and sorted by the search form (newest first by default)."""
    search, error = page_search(request.args, "cases")
    page = current_alur().queries.visible_cases(current_user.username, page=request.args.get("hal", 1, type=int),
                                                per_page=current_app.config["PER_PAGE"], search=search)
    return render_template("cases/index.html", page=page, search=search, args=page_args(search),
                           error=error_text(error), processes=current_alur().catalog.processes(current_user.username),
                           can_register=bool(current_alur().registrations.processes(current_user.username)),
                           ), 422 if error else 200


@bp.get("/baru")
@login_required
def new() -> str:
    processes = [p for p in current_alur().catalog.processes(current_user.username) if p.can_start]
    return render_template("cases/new.html", processes=processes, selected=request.args.get("proses"))


@bp.post("/baru")
@login_required
def start() -> Response:
    """Start a case; the first step goes straight to the starter when it is theirs."""
    user = current_user.username
    business_key = request.form.get("business_key", "").strip() or None
    result = current_alur().runner.start_case(request.form.get("process_key", ""), user, business_key)
    flash(gettext("Kasus #%(id)s dimulai.", id=result.instance_id), "success")
    for task in current_alur().queries.open_tasks(result.instance_id):
        if task.assignee == user:
            return redirect(url_for("tasks.show", task_id=task.task_id))
    return redirect(url_for("cases.show", instance_id=result.instance_id))


@bp.get("/daftar")
@login_required
def register_form() -> str:
    """Register an incoming letter for a requesting OPD: choose the SOP, then the form."""
    process_key = request.args.get("proses")
    if not process_key:
        return render_template("cases/register_choose.html",
                               processes=current_alur().registrations.processes(current_user.username))
    return _render_registration(current_alur().registrations.form(process_key, current_user.username))


@bp.post("/daftar")
@login_required
def register() -> Response | tuple[str, int]:
    """Start the case for the unit with the agenda number; the requester's first step is done here."""
    alur, user = current_alur(), current_user.username
    form = alur.registrations.form(request.form.get("process_key", ""), user)
    data, errors = read_submission(form.schema, request.form, request.files, store_for(user))
    opd_raw, agenda = request.form.get("opd_id", ""), request.form.get("business_key", "")
    values = {**data, "opd_id": opd_raw, "business_key": agenda}
    try:
        if errors:  # conversion or upload problems: report them with the schema's own findings
            alur.forms.validate(form.form_key, {**data, **_opd_fields(form)})
            raise FormInvalid({}, form.form_key)
        result = alur.runner.register_case(form.process_key, user, int(opd_raw) if opd_raw.isdigit() else None,
                                           agenda, data)
    except FormInvalid as exc:
        return _render_registration(form, values, {**form_errors(exc), **errors}), 422
    except (InvalidInput, Conflict) as exc:
        field = str(exc.context.get("field") or "_form")
        status = 409 if isinstance(exc, Conflict) else 422
        return _render_registration(form, values, {**errors, field: exc.message}), status
    flash(gettext("Surat didaftarkan sebagai kasus #%(id)s; langkah pertama tercatat atas nama pemohon.",
                  id=result.instance_id), "success")
    return redirect(url_for("cases.show", instance_id=result.instance_id))


def _render_registration(form: RegistrationForm, values: dict[str, Any] | None = None,
                         errors: dict[str, str] | None = None) -> str:
    values, errors = values or {}, errors or {}
    attachments = current_alur().attachments.own_unbound(current_user.username,
                                                         [v for v in values.values() if isinstance(v, str)])
    fields = build_fields(localized_schema(form.schema, language_code()), values, errors, {}, attachments)
    return render_template("cases/register.html", form=form, fields=fields, values=values, errors=errors,
                           max_mb=current_alur().attachments.max_bytes // (1024 * 1024))


def _opd_fields(form: RegistrationForm) -> dict[str, str]:
    """Placeholders for the fields the registration fills with the unit's name (so the schema's own
    findings name only what the registrar typed)."""
    full = current_alur().forms.get(form.form_key).schema.get("properties", {})
    return {name: "-" for name, prop in full.items() if prop.get("x-opd")}


@bp.get("/<int:instance_id>")
@login_required
def show(instance_id: int) -> str:
    case = current_alur().cases.case_page(instance_id, current_user.username)
    current_alur().read_log.record_read(current_user.username, instance_id, "case", remote_addr=request.remote_addr)
    if isinstance(case, RequesterCasePage):
        return render_template("cases/requester.html", case=case, max_comment=MAX_COMMENT_LENGTH)
    incidents = current_alur().incidents.open_for_case(instance_id)  # the case is marked with them
    return render_template("cases/show.html", case=case, now=current_alur().cases.now(),
                           max_comment=MAX_COMMENT_LENGTH, incidents=incidents, language=language_code())


@bp.post("/<int:instance_id>/komentar")
@login_required
def comment(instance_id: int) -> Response:
    """Add a comment (plain text; @username notifies; staff may address the requester too); it can
    never be edited afterwards."""
    current_alur().comments.add(instance_id, current_user.username, request.form.get("text", ""),
                                request.form.get("to_requester") == "1")
    flash(gettext("Komentar ditambahkan."), "success")
    return redirect(url_for("cases.show", instance_id=instance_id, _anchor="komentar"))


@bp.post("/<int:instance_id>/batal")
@login_required
def cancel(instance_id: int) -> Response | str:
    """Cancel a case in two steps: the first post checks (reason, permission) and asks for confirmation
    on a page of its own (no JavaScript needed); the confirmed post cancels."""
    reason = request.form.get("reason", "")
    runner = current_alur().runner
    if request.form.get("confirm") != "1":
        open_tasks = runner.cancel_case(instance_id, current_user.username, reason, check_only=True)
        return render_template("cases/cancel_confirm.html", instance_id=instance_id, reason=reason.strip(),
                               open_tasks=open_tasks)
    runner.cancel_case(instance_id, current_user.username, reason)
    flash(gettext("Kasus #%(id)s dibatalkan.", id=instance_id), "info")
    return redirect(url_for("cases.show", instance_id=instance_id))


@bp.get("/<int:instance_id>/dokumen/<sha256>")
@login_required
def document(instance_id: int, sha256: str) -> Response:
    """Download a document of the case (the access is logged)."""
    attachment, path = current_alur().cases.case_document(instance_id, sha256, current_user.username)
    current_alur().read_log.record_read(current_user.username, instance_id, "document", sha256, request.remote_addr)
    return send_file(path, mimetype=attachment.media_type, as_attachment=True, download_name=attachment.filename,
                     etag=sha256, max_age=0)


# What a previewed file may do in the page: nothing but be shown. Its type is the one its content was
# checked against at upload (PDF, PNG, JPEG only), never sniffed again by the browser.
_CONTENT_POLICY = ("default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; object-src 'self'; "
                   "frame-ancestors 'self'; form-action 'none'; base-uri 'none'")


@bp.get("/<int:instance_id>/dokumen/<sha256>/lihat")
@login_required
def preview(instance_id: int, sha256: str) -> str:
    """A PDF or an image shown in the page (the file itself in a sandboxed frame); other types are
    offered for download only."""
    attachment, _path = current_alur().cases.case_document(instance_id, sha256, current_user.username)
    return render_template("cases/preview.html", instance_id=instance_id, document=attachment,
                           previewable=attachment.media_type in PREVIEW_TYPES)


@bp.get("/<int:instance_id>/dokumen/<sha256>/isi")
@login_required
def document_inline(instance_id: int, sha256: str) -> Response:
    """The file of a preview: inline, only for PDF and images, with no way to run script in Alur's origin."""
    attachment, path = current_alur().cases.case_document(instance_id, sha256, current_user.username)
    if attachment.media_type not in PREVIEW_TYPES:
        raise NotFound(gettext("Dokumen ini tidak dapat ditampilkan; unduh berkasnya."), sha256=sha256)
    current_alur().read_log.record_read(current_user.username, instance_id, "document", sha256, request.remote_addr)
    response = send_file(path, mimetype=attachment.media_type, as_attachment=False,
                         download_name=attachment.filename, etag=sha256, max_age=0)
    sandbox = "" if attachment.media_type == "application/pdf" else "sandbox; "  # the PDF viewer needs none
    response.headers["Content-Security-Policy"] = sandbox + _CONTENT_POLICY
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    response.headers["Cross-Origin-Resource-Policy"] = "same-origin"
    return response
