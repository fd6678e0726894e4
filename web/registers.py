"""The registers the SOPs' Pencatatan demand: the server asset register (kept by Personil DC) and the
data-center access register (walk-ins and "keluar" by the Pengawas; open visits). Read only for
auditors; each register exports as CSV."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, Response as FlaskResponse, flash, redirect, render_template, request, url_for
from flask_babel import gettext, lazy_gettext
from flask_login import current_user
from werkzeug.wrappers import Response

from engine import (SERVER_STATUSES, Conflict, InvalidInput, NotFound, may_enter_dc_visits,
                    may_keep_server_register, may_read_registers, may_sign_out_dc_visits)
from web.auth import requires
from web.current import current_alur
from web.errors import status_of

bp = Blueprint("registers", __name__, url_prefix="/register")
readers_only = requires(may_read_registers, lazy_gettext("Register ini untuk Personil DC, Pengawas Infrastruktur "
                                                         "TIK dan auditor."))
keepers_only = requires(may_keep_server_register, lazy_gettext("Aset register server dikelola oleh Personil DC."))
pengawas_only = requires(may_enter_dc_visits, lazy_gettext("Kunjungan dicatat oleh Pengawas Infrastruktur TIK."))
sign_out_allowed = requires(may_sign_out_dc_visits, lazy_gettext("Hanya Pengawas Infrastruktur TIK atau Personil "
                                                                 "DC yang mencatat keluar."))


@bp.get("/server")
@readers_only
def servers() -> str:
    return _servers_page(error=None, form={})


def _servers_page(error: str | None, form: Any) -> str:
    return render_template("registers/servers.html", servers=current_alur().server_assets.list(),
                           statuses=SERVER_STATUSES, error=error, form=form,
                           may_keep=may_keep_server_register(current_user.roles))


@bp.post("/server")
@keepers_only
def add_server() -> Response | tuple[str, int]:
    """Register a server; a refused one re-renders the page with the message and the values kept."""
    try:
        server = current_alur().server_assets.add(request.form.to_dict(), actor=current_user.username)
    except (InvalidInput, Conflict) as exc:
        return _servers_page(error=exc.message, form=request.form), status_of(exc)
    flash(gettext("Server %(number)s didaftarkan.", number=server.asset_number), "success")
    return redirect(url_for("registers.servers"))


@bp.post("/server/ubah")
@keepers_only
def update_server() -> Response | tuple[str, int]:
    form = {key: value for key, value in request.form.items() if key != "csrf_token" and value.strip()}
    number = form.pop("asset_number", "")
    try:
        server = current_alur().server_assets.update(number, form, actor=current_user.username)
    except (InvalidInput, NotFound) as exc:
        return _servers_page(error=exc.message, form={}), status_of(exc)
    flash(gettext("Server %(number)s diperbarui.", number=server.asset_number), "success")
    return redirect(url_for("registers.servers"))


@bp.get("/server.csv")
@readers_only
def servers_csv() -> FlaskResponse:
    return _csv(current_alur().server_assets.export_csv(), "aset-register-server.csv")


@bp.get("/dc")
@readers_only
def visits() -> str:
    return _visits_page(error=None, form={})


def _visits_page(error: str | None, form: Any) -> str:
    register = current_alur().dc_access
    roles = current_user.roles
    return render_template("registers/visits.html", open_visits=register.visits(only_open=True),
                           recent=register.visits(limit=100), error=error, form=form,
                           may_enter=may_enter_dc_visits(roles), may_sign_out=may_sign_out_dc_visits(roles))


@bp.post("/dc")
@pengawas_only
def add_visit() -> Response | tuple[str, int]:
    try:
        visit = current_alur().dc_access.add_walk_in(request.form.to_dict(), actor=current_user.username)
    except InvalidInput as exc:
        return _visits_page(error=exc.message, form=request.form), status_of(exc)
    flash(gettext("Kunjungan %(name)s dicatat.", name=visit.visitor), "success")
    return redirect(url_for("registers.visits"))


@bp.post("/dc/<int:visit_id>/keluar")
@sign_out_allowed
def sign_out(visit_id: int) -> Response | tuple[str, int]:
    try:
        visit = current_alur().dc_access.sign_out(visit_id, actor=current_user.username)
    except (NotFound, Conflict) as exc:
        return _visits_page(error=exc.message, form={}), status_of(exc)
    flash(gettext("%(name)s dicatat keluar.", name=visit.visitor), "success")
    return redirect(url_for("registers.visits"))


@bp.get("/dc.csv")
@readers_only
def visits_csv() -> FlaskResponse:
    return _csv(current_alur().dc_access.export_csv(), "register-akses-data-center.csv")


def _csv(text: str, filename: str) -> FlaskResponse:
    return FlaskResponse(text, mimetype="text/csv",
                         headers={"Content-Disposition": f'attachment; filename="{filename}"'})
