"""The inbox: my tasks, tasks available to my roles, overdue tasks; soonest due first."""
from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from engine import INBOX_TABS, TASK_STATES_OPEN
from web.current import current_alur

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
    tab = request.args.get("tab") if request.args.get("tab") in INBOX_TABS else None
    user, roles = current_user.username, current_user.roles  # read for this request by the login manager
    inbox = current_alur().queries.inbox_overview(user, tab, process_key, state, request.args.get("hal", 1, type=int),
                                                   current_app.config["PER_PAGE"], authority=current_user.authority)
    return render_template(
        "inbox/index.html", tab=inbox.tab, process_key=process_key, state=state, page=inbox.page,
        counts=inbox.counts, remaining=current_alur().cases.remaining(inbox.page.items),
        processes=current_alur().catalog.processes(user, user_roles=roles), now=current_alur().cases.now())
