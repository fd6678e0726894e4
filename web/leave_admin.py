"""Per-person leave (cuti) for the Admin Sistem: the entries a long-leave reminder is computed from."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user
from werkzeug.wrappers import Response

from engine import EngineError
from web.auth import admin_required
from web.current import current_alur
from web.errors import status_of

bp = Blueprint("leave_admin", __name__, url_prefix="/admin/cuti")


@bp.get("")
@admin_required
def index() -> str:
    return _render()


@bp.post("")
@admin_required
def add() -> Response | tuple[str, int]:
    form = request.form
    try:
        leave = current_alur().leave.add_leave(form.get("pengguna", ""), form.get("dari", ""), form.get("sampai", ""),
                                                form.get("keterangan", ""), current_user.username)
    except EngineError as exc:
        return _render(error=exc.message, form=form), status_of(exc)
    flash(gettext("Cuti %(name)s dicatat: %(days)d hari kerja.", name=leave.username, days=leave.working_days),
          "success")
    return redirect(url_for("leave_admin.index"))


@bp.post("/<int:leave_id>/hapus")
@admin_required
def remove(leave_id: int) -> Response:
    current_alur().leave.remove_leave(leave_id, current_user.username)
    flash(gettext("Catatan cuti dihapus."), "info")
    return redirect(url_for("leave_admin.index"))


def _render(error: str | None = None, form: dict[str, str] | None = None) -> str:
    alur = current_alur()
    return render_template("admin/leave.html", leaves=alur.leave.list_leaves(),
                           users=[u for u in alur.users.list_users() if u.active], error=error, form=form or {})
