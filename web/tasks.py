"""The task page: read the step, claim or release it, fill and complete its form with documents."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user, login_required
from werkzeug.datastructures import FileStorage
from werkzeug.wrappers import Response

from engine import AttachmentView, FormInvalid, TaskPage
from web.forms import build_fields, read_submission
from web.current import current_alur

bp = Blueprint("tasks", __name__, url_prefix="/tugas")


def render_task(page: TaskPage, values: dict | None = None, errors: dict[str, str] | None = None) -> str:
    values = page.values if values is None else values
    attachments = {**page.attachments, **current_alur().attachments.find_many(
        [v for v in values.values() if isinstance(v, str)])}
    fields = build_fields(page.schema, values, errors or {}, page.user_options, attachments)
    return render_template("tasks/task.html", page=page, fields=fields, errors=errors or {},
                           now=current_alur().cases.now(), max_mb=current_alur().attachments.max_bytes // (1024 * 1024))


@bp.get("/<task_id>")
@login_required
def show(task_id: str) -> str:
    return render_task(current_alur().cases.task_page(task_id, current_user.username))


@bp.post("/<task_id>")
@login_required
def complete(task_id: str) -> Response | tuple[str, int]:
    """Store the uploads, then complete the task; invalid data re-renders the form (422) with the values kept."""
    user = current_user.username
    page = current_alur().cases.task_page(task_id, user)
    data, errors = read_submission(page.schema, request.form, request.files, store_for(user))
    try:
        if errors:  # conversion or upload problems: report them with the schema's own findings
            current_alur().forms.validate(page.task.form_key, data)
            raise FormInvalid({}, page.task.form_key)
        result = current_alur().runner.complete_task(task_id, user, data, _expected_version())
    except FormInvalid as exc:
        return render_task(page, data, {**exc.errors, **errors}), 422
    flash(gettext("Langkah \u201c%(name)s\u201d selesai.", name=page.task.name), "success")
    return redirect(_next_url(result.instance_id, result.ready_task_ids, user))


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


def store_for(user: str):  # noqa: ANN202 - a closure over the current user
    def store(upload: FileStorage, accept: list[str]) -> AttachmentView:
        return current_alur().attachments.store(upload.stream, upload.filename or "", user, accept)
    return store


def _expected_version() -> int | None:
    raw = request.form.get("expected_version", "")
    return int(raw) if raw.isdigit() else None


def _next_url(instance_id: int, ready_task_ids: list[str], user: str) -> str:
    """Straight on to the next step when it is already this user's; otherwise the case page."""
    for task in current_alur().queries.open_tasks(instance_id):
        if task.task_id in ready_task_ids and task.assignee == user:
            return url_for("tasks.show", task_id=task.task_id)
    return url_for("cases.show", instance_id=instance_id)
