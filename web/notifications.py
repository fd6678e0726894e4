"""The bell: my notifications (new tasks, mentions, finished requests, overdue tasks, case warnings
and breaches), newest first."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from web.auth import safe_next
from web.current import current_alur

bp = Blueprint("notifications", __name__, url_prefix="/notifikasi")


@bp.get("")
@login_required
def index() -> str:
    notes = current_alur().notifications.list(current_user.username, limit=100)
    return render_template("notifications/index.html", notes=notes)


@bp.post("/baca")
@login_required
def mark_read() -> Response:
    """Mark one notification (``id``) or all of them as read."""
    ids = request.form.getlist("id", type=int)
    if ids:
        current_alur().notifications.mark_read(current_user.username, ids)
    else:
        current_alur().notifications.mark_all_read(current_user.username)
        flash(gettext("Semua notifikasi ditandai sudah dibaca."), "info")
    return redirect(safe_next(request.form.get("next"), url_for("notifications.index")))
