"""My account: change my password, how my notifications are e-mailed, my API tokens."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from engine import InvalidInput
from web.current import current_alur

bp = Blueprint("account", __name__, url_prefix="/akun")


@bp.get("")
@login_required
def index() -> str:
    return render_template("account/index.html", tokens=current_alur().tokens.list_tokens(current_user.username),
                           issued=None, **_notification_settings())


@bp.post("/sandi")
@login_required
def change_password() -> Response:
    """Change one's own password; the current one is asked again."""
    alur, user = current_alur(), current_user.username
    if alur.users.authenticate(user, request.form.get("current_password", "")) is None:
        raise InvalidInput(gettext("Kata sandi saat ini salah."), field="current_password")
    if request.form.get("new_password") != request.form.get("new_password_again"):
        raise InvalidInput(gettext("Kedua isian kata sandi baru tidak sama."), field="new_password_again")
    alur.users.set_password(user, request.form.get("new_password", ""), actor=user)
    flash(gettext("Kata sandi diganti."), "success")
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
def issue_token() -> str:
    """Issue an API token and show it once."""
    user = current_user.username
    issued = current_alur().tokens.issue(user, request.form.get("name", ""), actor=user)
    return render_template("account/index.html", tokens=current_alur().tokens.list_tokens(user), issued=issued,
                           **_notification_settings())


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
