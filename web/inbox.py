"""The inbox: my tasks, tasks available to my roles, overdue tasks; searched, sorted, and saved searches
as extra tabs ("Simpan filter")."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from engine import (Conflict, INBOX_TABS, SAVED_COUNT_CAP, InvalidInput, InvalidSearch, NotFound, Search,
                    SignedInUser)
from web.auth import read_with_user
from web.current import current_alur
from web.search_params import error_text, page_args, page_search
from web.task_rows import task_rows

bp = Blueprint("inbox", __name__)


@bp.get("/")
def home() -> Response:
    return redirect(url_for("inbox.index"))


@bp.get("/kotak-masuk")
@login_required
def index() -> tuple[str, int]:
    """One tab of the inbox (by default mine, or the available tasks when I hold none), narrowed by the
    search form, or a saved filter's tab (``filter``); the counts of every tab and saved filter."""
    user, roles = current_user.username, current_user.roles  # read for this request by the login manager
    filter_id = request.args.get("filter", type=int)
    # Without a saved filter asked for, the inbox's counts say whether the user has any to show.
    saved = current_alur().saved_filters.list(user) if filter_id is not None else None
    active = next((f for f in saved or () if f.filter_id == filter_id), None)
    asked, error = ((active.tab, active.search, *_page_asked()), None) if active is not None else _asked()
    tab, search, page, per_page = asked
    queries = current_alur().queries
    read = g.pop("inbox_read", None)  # with the user (_read_with_user), for the same page
    inbox = read[1] if read is not None and read[0] == asked else queries.inbox_overview(
        user, tab, page=page, per_page=per_page, authority=current_user.authority, search=search)
    if saved is None:
        saved = current_alur().saved_filters.list(user) if inbox.saved_filters else []
    saved_counts = queries.inbox_search_counts(user, [(f.tab, f.search) for f in saved],
                                               authority=current_user.authority) if saved else []
    return render_template(
        "inbox/index.html", tab=inbox.tab, search=search, args=page_args(search), error=error_text(error),
        active=active, saved=list(zip(saved, saved_counts, strict=True)), saved_cap=SAVED_COUNT_CAP,
        page=inbox.page, counts=inbox.counts,
        rows=task_rows(inbox.page.items, current_alur().cases.remaining(inbox.page.items), current_alur().cases.now(),
                       user),
        processes=current_alur().catalog.processes(user, user_roles=roles),
    ), 422 if error else 200


_Asked = tuple[str | None, Search, int, int]  # tab, search, page, per page


def _asked() -> tuple[_Asked, InvalidSearch | None]:
    """The page the request's parameters ask for (no saved filter), and a refused parameter; parsed once a
    request (the user's read asks first, _read_with_user, then the view)."""
    if "inbox_asked" not in g:
        search, error = page_search(request.args, "inbox")
        tab = request.args.get("tab") if request.args.get("tab") in INBOX_TABS else None
        g.inbox_asked = ((tab, search, *_page_asked()), error)
    asked: tuple[_Asked, InvalidSearch | None] = g.inbox_asked
    return asked


def _page_asked() -> tuple[int, int]:
    return request.args.get("hal", 1, type=int), current_app.config["PER_PAGE"]


@read_with_user("inbox.index")
def _read_with_user(username: str, generation: int) -> SignedInUser | None:
    """The signed-in user with the inbox page asked for (``Queries.signed_in_inbox``); with a saved filter
    asked for, the user alone (the filter's search is read first)."""
    queries = current_alur().queries
    if "filter" in request.args:
        return queries.signed_in_user(username, generation)
    asked, _error = _asked()
    tab, search, page, per_page = asked
    read = queries.signed_in_inbox(username, generation, tab, page=page, per_page=per_page, search=search)
    if read is None:
        return None
    g.inbox_read = (asked, read[1])
    return read[0]


@bp.post("/kotak-masuk/filter")
@login_required
def save_filter() -> Response:
    """Save the search of the form's fields under a name; its tab opens."""
    search, error = page_search(request.form, "inbox")
    if error is not None:
        flash(error_text(error) or error.message, "error")
        return redirect(url_for("inbox.index", tab=request.form.get("tab")))
    try:
        saved = current_alur().saved_filters.save(current_user.username, request.form.get("name", ""),
                                                  request.form.get("tab", ""), search)
    except (InvalidInput, Conflict) as refused:
        flash(refused.message, "error")
        back: dict[str, Any] = {"tab": request.form.get("tab"), **page_args(search)}
        return redirect(url_for("inbox.index", **back))
    flash(gettext("Filter \u201c%(name)s\u201d disimpan.", name=saved.name), "success")
    return redirect(url_for("inbox.index", filter=saved.filter_id))


@bp.post("/kotak-masuk/filter/<int:filter_id>/nama")
@login_required
def rename_filter(filter_id: int) -> Response:
    try:
        saved = current_alur().saved_filters.rename(current_user.username, filter_id, request.form.get("name", ""))
    except (InvalidInput, Conflict) as refused:
        flash(refused.message, "error")
        return redirect(url_for("inbox.index", filter=filter_id))
    flash(gettext("Filter diganti nama menjadi \u201c%(name)s\u201d.", name=saved.name), "success")
    return redirect(url_for("inbox.index", filter=filter_id))


@bp.post("/kotak-masuk/filter/<int:filter_id>/hapus")
@login_required
def delete_filter(filter_id: int) -> Response:
    try:
        current_alur().saved_filters.delete(current_user.username, filter_id)
    except NotFound as missing:
        flash(missing.message, "error")
        return redirect(url_for("inbox.index"))
    flash(gettext("Filter dihapus."), "info")
    return redirect(url_for("inbox.index"))
