"""Cases: start one per SOP, the case list, the case file with its diagram, documents and audit trail."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from web.current import current_alur
from web.search_params import error_text, page_args, page_search

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


@bp.get("/<int:instance_id>")
@login_required
def show(instance_id: int) -> str:
    case = current_alur().cases.case_page(instance_id, current_user.username)
    current_alur().read_log.record_read(current_user.username, instance_id, "case", remote_addr=request.remote_addr)
    return render_template("cases/show.html", case=case, now=current_alur().cases.now())


@bp.post("/<int:instance_id>/batal")
@login_required
def cancel(instance_id: int) -> Response:
    current_alur().runner.cancel_case(instance_id, current_user.username, request.form.get("reason", ""))
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
