"""Administration for the Admin Sistem: accounts (data, roles, unit, status, password), the OPD list, and
the archive retention plan (read only: removing is ``alur retention apply`` on the server)."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user
from werkzeug.wrappers import Response

from engine import AccountData, Conflict, InvalidInput, parse_retention_date
from web.auth import admin_required
from web.errors import status_of
from web.current import current_alur

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.get("/pengguna")
@admin_required
def users() -> str:
    return render_template("admin/users.html", users=current_alur().users.list_users(),
                           roles=current_alur().roles.roles.values(), error=None, form={})


@bp.post("/pengguna")
@admin_required
def add_user() -> Response | tuple[str, int]:
    """Add an account; a refused one re-renders the form with the message and the values kept."""
    form = request.form
    try:
        user = current_alur().users.add_user(
            form.get("username", ""), form.get("full_name", ""), form.get("password", ""),
            set(form.getlist("roles")), actor=current_user.username, email=form.get("email") or None,
            nip=form.get("nip"), jabatan=form.get("jabatan"), unit_kerja=form.get("unit_kerja"),
            phone=form.get("phone"))
    except (InvalidInput, Conflict) as exc:
        return render_template("admin/users.html", users=current_alur().users.list_users(),
                               roles=current_alur().roles.roles.values(), error=exc.message, form=form), status_of(exc)
    flash(gettext("Pengguna %(name)s ditambahkan.", name=user.username), "success")
    return redirect(url_for("admin.user", username=user.username))


@bp.get("/pengguna/<username>")
@admin_required
def user(username: str) -> str:
    return _user_page(username, error=None, form=None)


def _user_page(username: str, error: str | None, form: Any) -> str:
    sign_in = current_alur().sign_in
    sources = [source for source, on in (("ldap", sign_in.directory_enabled), ("oidc", sign_in.sso_enabled)) if on]
    return render_template("admin/user.html", user=current_alur().users.get(username),
                           roles=current_alur().roles.roles.values(), opds=current_alur().opds.list(True),
                           error=error, form=form, sources=sources)


@bp.post("/pengguna/<username>/data")
@admin_required
def set_account_data(username: str) -> Response | tuple[str, int]:
    """Name, NIP, jabatan, unit kerja, e-mail and phone; a refused change re-renders with the values kept."""
    form = request.form
    data = AccountData(form.get("full_name", ""), form.get("nip"), form.get("jabatan"), form.get("unit_kerja"),
                       form.get("email"), form.get("phone"))
    try:
        current_alur().users.set_account_data(username, data, actor=current_user.username)
    except (InvalidInput, Conflict) as exc:
        return _user_page(username, error=exc.message, form=form), status_of(exc)
    flash(gettext("Data akun %(name)s disimpan.", name=username), "success")
    return redirect(url_for("admin.user", username=username))


@bp.post("/pengguna/<username>/opd")
@admin_required
def set_opd(username: str) -> Response:
    """Put a (requester) account in a requesting unit, or in none."""
    raw = request.form.get("opd_id", "")
    current_alur().users.set_opd(username, int(raw) if raw.isdigit() else None, actor=current_user.username)
    flash(gettext("OPD %(name)s diperbarui.", name=username), "success")
    return redirect(url_for("admin.user", username=username))


@bp.get("/opd")
@admin_required
def opds() -> str:
    return render_template("admin/opd.html", opds=current_alur().opds.list(True), error=None, form={})


@bp.post("/opd")
@admin_required
def add_opd() -> Response | tuple[str, int]:
    """Add a requesting unit; a refused one re-renders the form with the message and the values kept."""
    form = request.form
    try:
        opd = current_alur().opds.add(form.get("code", ""), form.get("name", ""), actor=current_user.username)
    except (InvalidInput, Conflict) as exc:
        return render_template("admin/opd.html", opds=current_alur().opds.list(True), error=exc.message,
                               form=form), status_of(exc)
    flash(gettext("OPD %(name)s ditambahkan.", name=opd.name), "success")
    return redirect(url_for("admin.opds"))


@bp.post("/opd/<int:opd_id>")
@admin_required
def update_opd(opd_id: int) -> Response:
    """Rename a unit, or (de)activate it (``active`` = 1 or 0)."""
    active = {"1": True, "0": False}.get(request.form.get("active", ""))
    name = request.form.get("name")
    current_alur().opds.update(opd_id, current_user.username, name=name or None, active=active)
    flash(gettext("OPD diperbarui."), "success")
    return redirect(url_for("admin.opds"))


@bp.post("/pengguna/<username>/peran")
@admin_required
def set_roles(username: str) -> Response:
    current_alur().users.set_roles(username, set(request.form.getlist("roles")), actor=current_user.username)
    flash(gettext("Peran %(name)s diperbarui.", name=username), "success")
    return redirect(url_for("admin.user", username=username))


@bp.post("/pengguna/<username>/status")
@admin_required
def set_active(username: str) -> Response:
    active = request.form.get("active") == "1"
    if username == current_user.username and not active:
        raise InvalidInput(gettext("Anda tidak dapat menonaktifkan akun sendiri."), field="active")
    current_alur().users.set_active(username, active, actor=current_user.username)
    flash(gettext("Akun diaktifkan.") if active else gettext("Akun dinonaktifkan."), "info")
    return redirect(url_for("admin.user", username=username))


@bp.post("/pengguna/<username>/tautkan")
@admin_required
def link_account(username: str) -> Response:
    """Let the account sign in through the directory or SSO (the linking rule: docs/identity.md)."""
    if username == current_user.username:
        raise InvalidInput(gettext("Anda tidak dapat menautkan akun sendiri; mintalah Admin Sistem lain."),
                           field="source")
    current_alur().external_accounts.link(username, request.form.get("source", ""), actor=current_user.username)
    flash(gettext("Akun ditautkan: masuk berikutnya lewat direktori/SSO mengikatnya ke orang yang masuk."), "info")
    return redirect(url_for("admin.user", username=username))


@bp.post("/pengguna/<username>/sandi")
@admin_required
def reset_password(username: str) -> Response:
    current_alur().users.set_password(username, request.form.get("password", ""), actor=current_user.username)
    flash(gettext("Kata sandi %(name)s diganti.", name=username), "success")
    return redirect(url_for("admin.user", username=username))


@bp.get("/retensi")
@admin_required
def retention() -> str | tuple[str, int]:
    """Per SOP: its JRA period and basis, and the finished cases ``alur retention apply`` would remove on
    the day asked (``per``, default today)."""
    asked = request.args.get("per") or None
    try:
        plan = current_alur().retention.plan(parse_retention_date(asked))
    except InvalidInput as exc:
        message = (gettext("Tanggal harus berupa YYYY-MM-DD.") if exc.context.get("as_of") is not None
                   else exc.message)
        return render_template("admin/retention.html", plan=None, error=message, asked=asked), 400
    return render_template("admin/retention.html", plan=plan, error=None, asked=asked)
