"""My account: change my password, how my notifications are e-mailed, my API tokens."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from engine import MIN_PASSWORD_LENGTH, EngineError, InvalidInput, is_read_only
from web.auth import sign_in
from web.current import current_alur
from web.errors import status_of

bp = Blueprint("account", __name__, url_prefix="/akun")


@bp.get("")
@login_required
def index() -> str:
    return _page()


def _page(**extra: object) -> str:
    alur, me = current_alur(), current_user.username
    context: dict[str, object] = {
        "tokens": alur.tokens.list_tokens(me), "issued": None, "password_errors": {}, "token_error": None,
        "min_password": MIN_PASSWORD_LENGTH, "read_only": is_read_only(current_user.roles),
        "token_days": alur.settings.api_token_lifetime.days, **_notification_settings()}
    return render_template("account/index.html", **{**context, **extra})


@bp.post("/sandi")
@login_required
def change_password() -> Response | tuple[str, int]:
    """Change one's own password; the current one is asked again. A mistake re-renders the page with
    the message next to its field. Every other session of the account ends; this one starts afresh."""
    alur, user, form = current_alur(), current_user.username, request.form
    try:
        if alur.users.authenticate(user, form.get("current_password", "")) is None:
            raise InvalidInput(gettext("Kata sandi saat ini salah."), field="current_password")
        if form.get("new_password") != form.get("new_password_again"):
            raise InvalidInput(gettext("Kedua isian kata sandi baru tidak sama."), field="new_password_again")
        alur.users.set_password(user, form.get("new_password", ""), actor=user)
    except InvalidInput as exc:
        field = {"password": "new_password"}.get(str(exc.context.get("field")), str(exc.context.get("field")))
        return _page(password_errors={field: exc.message}), status_of(exc)
    sign_in(alur.users.get(user))
    flash(gettext("Kata sandi diganti. Sesi lain dan semua token API akun ini sudah diakhiri."), "success")
    return redirect(url_for("account.index"))


@bp.post("/notifikasi")
@login_required
def set_email_mode() -> Response:
    """E-mail of my notifications: each at once, one daily digest, or none (the bell shows them all)."""
    current_alur().users.set_email_mode(current_user.username, request.form.get("email_mode", ""),
                                        actor=current_user.username)
    flash(gettext("Pilihan e-mail notifikasi disimpan."), "success")
    return redirect(url_for("account.index"))


@bp.post("/token")
@login_required
def issue_token() -> str | tuple[str, int]:
    """Issue an API token and show it once (auditors: read scope only)."""
    user = current_user.username
    scope = "read" if is_read_only(current_user.roles) else request.form.get("scope", "write")
    try:
        issued = current_alur().tokens.issue(user, request.form.get("name", ""), actor=user, scope=scope)
    except EngineError as exc:
        return _page(token_error=exc.message), status_of(exc)
    return _page(issued=issued)


def _notification_settings() -> dict[str, object]:
    me = current_alur().users.get(current_user.username)
    return {"me": me, "opd": current_alur().opds.get(me.opd_id) if me.opd_id is not None else None,
            "mail_configured": current_alur().mailer is not None}


@bp.post("/token/<int:token_id>/cabut")
@login_required
def revoke_token(token_id: int) -> Response:
    current_alur().tokens.revoke(current_user.username, token_id, actor=current_user.username)
    flash(gettext("Token dicabut."), "info")
    return redirect(url_for("account.index"))
