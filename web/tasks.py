"""The task page: read the step, claim or release it, fill and complete its form with documents.

What a person types is never lost (``engine.runtime.drafts``): the page's script saves a draft as
they type and "Simpan draf" saves one on demand; a refused submission (invalid data, a colleague
first: 409) is kept as a draft and shown again; a request over the size limit (413) brings the form
back from the latest draft.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Blueprint, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user, login_required
from werkzeug.datastructures import FileStorage
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Response

from engine import (AttachmentView, Conflict, DraftView, EngineError, FormInvalid, InvalidInput, Received,
                    StepFailed, StepResult, TaskForm, TaskPage, UploadTarget)
from web.current import current_alur
from web.errors import conflict_message, handle_engine_error, handle_http_error, json_error, status_of
from web.formatting import wita, language_code
from web.forms import Store, build_fields, form_errors, read_submission, upload_errors
from web.model_texts import step_name
from web.model_words import localized_schema

bp = Blueprint("tasks", __name__, url_prefix="/tugas")


@dataclass(frozen=True)
class Notice:
    """A message above the form: why the submission was not taken, and what was kept."""

    title: str
    message: str
    latest_link: bool = False  # offer the task's current state


def render_task(page: TaskPage, values: dict[str, Any] | None = None, errors: dict[str, str] | None = None,
                notice: Notice | None = None, unsent: dict[str, Any] | None = None, clear_carried: bool = False) -> str:
    """The task page; the form shows ``values``, else the user's open draft, else the step's prefill.

    ``unsent``: what the user typed that the task can no longer take (shown read only);
    ``clear_carried``: the prefill without the values carried from an earlier pass.
    """
    draft = page.draft
    restored = values is None and draft is not None and draft.task_open and page.can_act
    carried: dict[str, int] = {}
    if values is None and not restored:  # the prefill: marked where carried from an earlier pass
        carried = {} if clear_carried else dict(page.carried)
        values = {k: v for k, v in page.values.items() if not (clear_carried and k in page.carried)}
    if values is None:
        values = draft.data if restored and draft is not None else page.values
    if unsent is None and draft is not None and not page.can_act:
        unsent = draft.data
    attachments = {**page.attachments, **current_alur().cases.task_attachments(
        page.task, current_user.username, [v for v in values.values() if isinstance(v, str)], page.documents)}
    schema = localized_schema(page.schema, language_code())
    fields = build_fields(schema, values, errors or {}, page.user_options, attachments, carried)
    return render_template("tasks/task.html", page=page, schema=schema, fields=fields, errors=errors or {},
                           notice=notice,
                           carried_pass=max(carried.values(), default=0), cleared=clear_carried and bool(page.carried),
                           restored=draft if restored else None, unsent=unsent,
                           now=current_alur().cases.now(), max_mb=current_alur().attachments.max_bytes // (1024 * 1024))


@bp.get("/<task_id>")
@login_required
def show(task_id: str) -> str:
    """The task; ``?bawaan=kosong`` shows its form without the values carried from an earlier pass."""
    return render_task(current_alur().cases.task_page(task_id, current_user.username),
                       clear_carried=request.args.get("bawaan") == "kosong")


@bp.post("/<task_id>")
@login_required
def complete(task_id: str) -> Response | tuple[str, int]:
    """Take the uploads, then complete the task, which records them in its transaction (else they are
    recorded on their own). Invalid data (422) or a colleague first (409) re-render the page with the
    values kept, and keep them as the user's draft. Only the task and its form are read first
    (``task_form``): the whole page is built only to show it again."""
    user = current_user.username
    form = current_alur().cases.task_form(task_id, user)
    received = Received(_target(form))
    data, errors = read_submission(form.schema, request.form, request.files, store_for(user, form, received))
    try:
        if errors and form.can_act:  # conversion or upload problems: report them with the schema's own findings
            current_alur().attachments.record(received)
            current_alur().forms.validate(form.task.form_key, data)
            raise FormInvalid({}, form.task.form_key)
        result = current_alur().runner.complete_task(task_id, user, data, _expected_version(), received)
    except FormInvalid as exc:
        _keep_draft(task_id, user, data)
        return render_task(current_alur().cases.task_page(task_id, user), data, {**form_errors(exc), **errors}), 422
    except Conflict as exc:
        return _conflict(task_id, user, data, exc), 409
    except StepFailed as exc:  # the model failed: the incident keeps the input, so does the user's draft
        _keep_draft(task_id, user, data)
        notice = Notice(gettext("Langkah ini belum dapat diselesaikan."), exc.message)
        return render_task(current_alur().cases.task_page(task_id, user), data, notice=notice), 422
    flash(gettext("Langkah \u201c%(name)s\u201d selesai.", name=step_name(form.task, plain=True)), "success")
    return redirect(_next_url(result, user))


@bp.post("/<task_id>/draf")
@login_required
def save_draft(task_id: str) -> Any:
    """Keep the form as the user's draft: the page's script (JSON reply) or "Simpan draf" (back to the page)."""
    user = current_user.username
    autosave = request.accept_mimetypes.best == "application/json"
    try:
        page = current_alur().cases.task_page(task_id, user)
    except EngineError as exc:
        if autosave:
            return json_error(status_of(exc), exc.code, exc.message)
        raise
    data, errors = read_submission(page.schema, request.form, request.files, store_for(user, page))
    try:
        draft = current_alur().drafts.save(task_id, user, data)
    except EngineError as exc:
        if autosave:
            return json_error(status_of(exc), exc.code, exc.message)
        if isinstance(exc, Conflict):  # closed meanwhile: what was typed stays on the page
            return _conflict(task_id, user, data, exc), 409
        if isinstance(exc, InvalidInput):  # e.g. over 1 MB: the values stay in the form
            return render_task(page, data, notice=Notice(gettext("Draf tidak disimpan."), exc.message)), \
                status_of(exc)
        raise
    if autosave:
        return jsonify({"saved_at": draft.saved_at.isoformat(), "saved_at_text": wita(draft.saved_at)})
    refused = upload_errors(page.schema, errors)
    if refused:  # the draft is kept; the refused file is not, and the form says which
        notice = Notice(gettext("Draf tersimpan, kecuali berkas yang ditandai."),
                        gettext("Pilih berkas lain untuk isian tersebut."))
        return render_task(page, data, refused, notice), 422
    flash(gettext("Draf tersimpan %(when)s.", when=wita(draft.saved_at)), "success")
    return redirect(url_for("tasks.show", task_id=task_id))


@bp.post("/<task_id>/draf/hapus")
@login_required
def discard_draft(task_id: str) -> Response:
    current_alur().drafts.discard(task_id, current_user.username)
    flash(gettext("Draf dibuang; formulir kembali ke isian awal."), "info")
    return redirect(url_for("tasks.show", task_id=task_id))


@bp.post("/<task_id>/ambil")
@login_required
def claim(task_id: str) -> Response:
    current_alur().runner.claim_task(task_id, current_user.username)
    flash(gettext("Tugas sudah Anda ambil; tugas tidak tampil lagi bagi rekan satu peran."), "success")
    return redirect(url_for("tasks.show", task_id=task_id))


@bp.post("/<task_id>/lepas")
@login_required
def unclaim(task_id: str) -> Response:
    current_alur().runner.unclaim_task(task_id, current_user.username)
    flash(gettext("Tugas dilepas dan kembali tersedia bagi peran tersebut."), "info")
    return redirect(url_for("inbox.index", tab="available"))


@bp.errorhandler(RequestEntityTooLarge)
def too_large(error: RequestEntityTooLarge) -> Any:
    """A task form over the request limit: werkzeug refuses it unread, so the page comes back from
    the user's latest draft (the page's script saves one as they type) with the reason above it."""
    task_id = (request.view_args or {}).get("task_id")
    if request.endpoint not in ("tasks.complete", "tasks.save_draft") or not task_id \
            or not current_user.is_authenticated:
        return handle_http_error(error)
    try:
        page = current_alur().cases.task_page(task_id, current_user.username)
    except EngineError as exc:
        return handle_engine_error(exc)
    limit = (current_app.config.get("MAX_CONTENT_LENGTH") or 0) // (1024 * 1024)
    draft = page.draft
    kept = (gettext("Isian Anda dipulihkan dari draf terakhir (%(when)s).", when=wita(draft.saved_at))
            if draft is not None and draft.task_open and page.can_act
            else gettext("Belum ada draf tersimpan, sehingga isian tidak dapat dipulihkan."))
    notice = Notice(gettext("Berkas terlalu besar: kiriman melebihi batas %(mb)d MB dan tidak diterima.", mb=limit),
                    kept + " " + gettext("Pilih berkas yang lebih kecil, lalu kirim lagi."))
    return render_task(page, notice=notice), 413


def _conflict(task_id: str, user: str, data: dict[str, Any], error: Conflict) -> str:
    """The task as it is now, with the submission kept: back in the form when the user may still
    act (a stale form), else read only beside it (a colleague claimed or completed it)."""
    _keep_draft(task_id, user, data)
    page = current_alur().cases.task_page(task_id, user)
    if page.can_act:
        notice = Notice(gettext("Kiriman ini tidak disimpan."), conflict_message(error) + ". " + gettext(
            "Isian Anda tetap di formulir dan tersimpan sebagai draf; periksa keadaan terbaru, lalu kirim lagi."))
        return render_task(page, data, notice=notice)
    notice = Notice(gettext("Kiriman ini tidak disimpan."), conflict_message(error) + ". " + gettext(
        "Isian Anda ditampilkan di bawah agar tidak hilang."), latest_link=True)
    own_double_submit = page.task.completed_by == user
    return render_task(page, notice=notice, unsent=None if own_double_submit else data)


def _keep_draft(task_id: str, user: str, data: dict[str, Any]) -> DraftView | None:
    """Keep a refused submission as the user's draft; a task no longer open takes none (the page shows it)."""
    try:
        return current_alur().drafts.save(task_id, user, data)
    except EngineError:
        return None


@bp.post("/<task_id>/alihkan")
@login_required
def reassign(task_id: str) -> Response:
    """A supervisor of the task's role (or Admin Sistem) hands it to another holder of the role, saying why."""
    to = request.form.get("to", "").strip()
    try:
        current_alur().runner.reassign_task(task_id, current_user.username, to, request.form.get("reason", ""))
    except InvalidInput as exc:  # no reason, or not a holder of the role: say so on the task page
        flash(exc.message, "error")
        return redirect(url_for("tasks.show", task_id=task_id, _anchor="reassign-title"))
    flash(gettext("Tugas dialihkan kepada %(who)s.", who=to), "success")
    return redirect(url_for("tasks.show", task_id=task_id))


def store_for(user: str, page: TaskPage | TaskForm | None = None, received: Received | None = None) -> Store:
    """Store uploads as the current user, for the page's task (none: a registration, before its case).
    With ``received``, only take them into it: the completion they are sent with records them."""
    target = _target(page) if page is not None else None

    def store(upload: FileStorage, accept: list[str]) -> AttachmentView:
        if page is not None and not page.can_act:
            raise InvalidInput(gettext("Anda tidak dapat mengunggah dokumen untuk tugas ini."))
        attachments = current_alur().attachments
        if received is None or target is None:
            return attachments.store(upload.stream, upload.filename or "", user, accept, target)
        view = attachments.receive(upload.stream, upload.filename or "", user, accept, target)
        received.add(view)
        return view
    return store


def _target(page: TaskPage | TaskForm) -> UploadTarget:
    return UploadTarget(page.task.instance_id, page.task.task_id, page.task.name)


def _expected_version() -> int | None:
    raw = request.form.get("expected_version", "")
    return int(raw) if raw.isdigit() else None


def _next_url(result: StepResult, user: str) -> str:
    """Straight on to the step this one opened for the user; otherwise the case page (no query: the
    completion says who holds what it opened)."""
    next_task = result.next_task_of(user)
    if next_task is not None:
        return url_for("tasks.show", task_id=next_task)
    return url_for("cases.show", instance_id=result.instance_id)
