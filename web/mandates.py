"""Stand-ins (Plh/Plt): the mandates a person may see, appointing one (Admin Sistem or the absent
official's supervisor) and ending one early. The rules are the engine's (``engine.accounts.mandates``)."""
from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from engine import WITA, EngineError
from web.current import current_alur
from web.errors import status_of

bp = Blueprint("mandates", __name__, url_prefix="/mandat")


@bp.get("")
@login_required
def index() -> str:
    return _render()


@bp.post("")
@login_required
def appoint() -> Response | tuple[str, int]:
    """Appoint a stand-in; a refused one re-renders the page with the message and the values kept."""
    form = request.form
    try:
        mandate = current_alur().mandates.appoint(
            form.get("jenis", ""), form.get("pejabat", ""), form.get("pelaksana", ""), form.get("dari", ""),
            form.get("sampai", ""), form.get("dasar", ""), current_user.username)
    except EngineError as exc:
        return _render(error=exc.message, form=form), status_of(exc)
    flash(gettext("%(label)s untuk %(absent)s ditunjuk: %(stand_in)s.", label=mandate.label, absent=mandate.absent,
                  stand_in=mandate.stand_in), "success")
    return redirect(url_for("mandates.index"))


@bp.post("/<int:mandate_id>/akhiri")
@login_required
def end(mandate_id: int) -> Response:
    mandate = current_alur().mandates.end(mandate_id, current_user.username, request.form.get("alasan", ""))
    flash(gettext("%(label)s untuk %(absent)s diakhiri.", label=mandate.label, absent=mandate.absent), "info")
    return redirect(url_for("mandates.index"))


def _render(error: str | None = None, form: Any = None) -> str:
    alur = current_alur()
    user = current_user.username
    today = alur.cases.now().astimezone(WITA).date()
    appointable = alur.mandates.appointable(user)
    return render_template(
        "mandates/index.html", mandates=alur.mandates.list_mandates(user), appointable=appointable,
        may_end={u.username for u in appointable}, is_admin=current_user.is_admin,
        stand_ins=[u for u in alur.users.list_users() if u.active], error=error,
        form=form or {"dari": today.isoformat(), "sampai": (today + timedelta(days=7)).isoformat()})
