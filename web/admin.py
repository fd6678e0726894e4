"""User administration for the Admin Sistem: add accounts, set roles, deactivate, reset passwords."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user
from werkzeug.wrappers import Response

from engine import Conflict, InvalidInput
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
            set(form.getlist("roles")), actor=current_user.username, email=form.get("email") or None)
    except (InvalidInput, Conflict) as exc:
        return render_template("admin/users.html", users=current_alur().users.list_users(),
                               roles=current_alur().roles.roles.values(), error=exc.message, form=form), status_of(exc)
    flash(gettext("Pengguna %(name)s ditambahkan.", name=user.username), "success")
    return redirect(url_for("admin.user", username=user.username))


@bp.get("/pengguna/<username>")
@admin_required
def user(username: str) -> str:
    return render_template("admin/user.html", user=current_alur().users.get(username),
                           roles=current_alur().roles.roles.values())


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


@bp.post("/pengguna/<username>/sandi")
@admin_required
def reset_password(username: str) -> Response:
    current_alur().users.set_password(username, request.form.get("password", ""), actor=current_user.username)
    flash(gettext("Kata sandi %(name)s diganti.", name=username), "success")
    return redirect(url_for("admin.user", username=username))
