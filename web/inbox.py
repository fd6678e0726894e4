"""The inbox: my tasks, tasks available to my roles, overdue tasks; soonest due first."""
from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from engine.queries import INBOX_TABS, TASK_STATES_OPEN
from web.services import services

bp = Blueprint("inbox", __name__)


@bp.get("/")
def home() -> Response:
    return redirect(url_for("inbox.index"))


@bp.get("/kotak-masuk")
@login_required
def index() -> str:
    """One tab of the inbox (by default mine, or the available tasks when I hold none), filtered by
    SOP and, in the overdue tab, by state."""
    process_key = request.args.get("proses") or None
    state = request.args.get("status") if request.args.get("status") in TASK_STATES_OPEN else None
    alur, user = services().alur, current_user.username
    counts = alur.queries.inbox_counts(user, process_key)
    tab = request.args.get("tab") if request.args.get("tab") in INBOX_TABS else (
        "available" if counts["available"] and not counts["mine"] else "mine")
    page = alur.queries.inbox_page(user, tab, process_key, state, request.args.get("hal", 1, type=int),
                                   current_app.config["PER_PAGE"])
    return render_template(
        "inbox/index.html", tab=tab, process_key=process_key, state=state, page=page, counts=counts,
        remaining=services().cases.remaining(page.items), processes=services().catalog.processes(user),
        now=services().cases.now())
