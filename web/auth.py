"""Login and logout (Flask-Login over the engine's accounts), the language switch, the role guard
(``requires``)."""
from __future__ import annotations

import math
from datetime import timedelta
from functools import wraps
from typing import Any, Callable, TypeVar, cast
from urllib.parse import urlsplit

from flask import (Blueprint, Flask, abort, current_app, flash, g, redirect, render_template, request, session,
                   url_for)
from flask_babel import LazyString, gettext, lazy_gettext
from flask_login import LoginManager, UserMixin, current_user, login_required, login_user, logout_user
from werkzeug.wrappers import Response

from engine import (ACCOUNT_WAIT, CHECKS_BUSY, LOCK_FOR, ActiveMandate, Authority, DirectoryUnavailable,
                    LoginRefused, OidcRequest, SignedIn, SignedInUser, is_admin, TokenHolder, UserView)
from web import login_slots
from web.current import current_alur

bp = Blueprint("auth", __name__)
View = TypeVar("View", bound=Callable[..., Any])


class _LoginManager(LoginManager):
    def _session_protection_failed(self) -> bool:
        # Strong protection drops a session whose browser and address changed, and "clears" one that never
        # had them (``_id``) too: a session holding only a language chosen before logging in was rewritten,
        # its cookie sent again, on every request, a static file's too. Such an answer coming after the
        # login's (the login page's icon, fetched meanwhile) replaced the signed-in cookie and signed the
        # person out. A session without a user has nothing to protect. (The method is private: not in the stubs.)
        return "_user_id" in session and bool(super()._session_protection_failed())  # type: ignore[misc]


login_manager = _LoginManager()


class WebUser(UserMixin):
    """The logged-in account; Flask-Login keeps only "<generation>:<username>" in the session."""

    def __init__(self, view: UserView, generation: int, unread_notifications: int | None = None,
                 mandates: tuple[ActiveMandate, ...] | None = None) -> None:
        self.view = view
        self.generation = generation  # the account's session generation this session began in
        self.unread_notifications = unread_notifications  # read with the account, for the bell
        self._mandates = mandates  # read with the account: the Plh/Plt mandates held now

    def get_id(self) -> str:
        return f"{self.generation}:{self.view.username}"

    @property
    def is_active(self) -> bool:
        return self.view.active

    @property
    def username(self) -> str:
        return self.view.username

    @property
    def full_name(self) -> str:
        return self.view.full_name

    @property
    def roles(self) -> frozenset[str]:
        return self.view.roles

    @property
    def is_admin(self) -> bool:
        return is_admin(self.view.roles)

    @property
    def mandates(self) -> tuple[ActiveMandate, ...]:
        if self._mandates is None:  # signed in during this request
            self._mandates = current_alur().queries.authority(self.username).mandates
        return self._mandates

    @property
    def authority(self) -> Authority:
        """Roles and running mandates, as read for this request."""
        return Authority(self.view.roles, self.mandates)


def init_login(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = lazy_gettext("Silakan masuk terlebih dahulu.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"


# Reads of a page's own data with the signed-in user's, by endpoint (``read_with_user``).
_READS_WITH_USER: dict[str, Callable[[str, int], SignedInUser | None]] = {}
Reader = TypeVar("Reader", bound=Callable[[str, int], "SignedInUser | None"])


def read_with_user(endpoint: str) -> Callable[[Reader], Reader]:
    """Register ``reader(username, generation)``: for a request to ``endpoint``, it reads the signed-in user
    in place of ``Queries.signed_in_user`` (the same answer: None when that gives None) together with the
    page's first reads, which it keeps in ``g`` for the view (a round trip less)."""
    def register(reader: Reader) -> Reader:
        _READS_WITH_USER[endpoint] = reader
        return reader
    return register


@login_manager.user_loader
def _load_user(session_id: str) -> WebUser | None:
    """Read on every signed-in request, so a deactivated account, a role change, a logout elsewhere
    or a password change applies at once: the session's generation must still be the account's."""
    generation, _, username = session_id.partition(":")
    if not generation.isdigit() or not username:
        return None  # a cookie from before session generations, or forged: sign in again
    read = _READS_WITH_USER.get(request.endpoint or "") or current_alur().queries.signed_in_user
    signed_in = read(username, int(generation))
    if signed_in is None:
        return None
    return WebUser(signed_in.user, int(generation), signed_in.unread_notifications, signed_in.mandates)


def sign_in(user: UserView) -> None:
    """Start a fresh session for ``user`` in the account's current session generation."""
    lang = session.get("lang")
    session.clear()  # no session fixation: the pre-login session is dropped
    if lang:
        session["lang"] = lang
    login_user(WebUser(user, current_alur().users.session_generation(user.username)))


def bearer_token() -> TokenHolder | None:
    """The request's ``Authorization: Bearer`` token with its owner and scope, checked once per
    request (the auditors' guard and the API both ask)."""
    if "bearer_token" not in g:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        token = token.strip()
        g.bearer_token = current_alur().tokens.authenticate(token) if scheme.lower() == "bearer" and token else None
    return g.bearer_token  # type: ignore[no-any-return]


def bearer_user() -> UserView | None:
    """The owner of the request's bearer token (None without a valid one)."""
    holder = bearer_token()
    return holder.user if holder is not None else None


def requires(rule: Callable[[frozenset[str]], bool], message: LazyString) -> Callable[[View], View]:
    """Sign-in, then ``rule`` (a predicate of ``engine.permissions``) over the user's roles; 403 with
    ``message`` (a lazy_gettext text) otherwise. The one guard of role-based pages."""
    def decorate(view: View) -> View:
        @wraps(view)
        @login_required
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not rule(current_user.roles):
                abort(403, str(message))
            return view(*args, **kwargs)
        return cast(View, wrapped)
    return decorate


admin_required = requires(is_admin, lazy_gettext("Halaman ini hanya untuk Admin Sistem."))


def safe_next(target: str | None, default: str) -> str:
    """Only local paths: an open redirect to another site after login would help phishing."""
    if not target:
        return default
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc and target.startswith("/") else default


@bp.route("/masuk", methods=["GET", "POST"])
def login() -> Response | str | tuple[str, int] | tuple[str, int, dict[str, str]]:
    """Show the login form; on success start a fresh session. The name and password go to a local
    account, or to the office's directory when one is configured (engine/accounts/sign_in.py)."""
    if request.method == "GET":
        return _login_page("")
    alur, username = current_alur(), request.form.get("username", "").strip()
    wait = alur.logins.wait(username)
    if wait is not None:  # a growing wait after failures in a row, or a lockout: the password is not checked
        alur.logins.refused(username, request.remote_addr, ACCOUNT_WAIT)  # counted; written once a burst
        flash(_wait_message(wait), "error")
        return _login_page(username), 429, {"Retry-After": str(_seconds(wait))}
    with login_slots.slots(current_app).slot() as free:  # only the check holds it, not the writes after
        if not free:  # as many passwords are being checked as the server has cores for: no wait, no write
            alur.logins.refused(username, request.remote_addr, CHECKS_BUSY)
            flash(too_many_message(), "error")
            return _login_page(username), 429, {"Retry-After": "1"}
        try:
            signed = alur.sign_in.with_password(username, request.form.get("password", ""), request.remote_addr)
        except LoginRefused as refused:
            flash(_refusal_message(refused), "error")
            return _login_page(username), 403
        except DirectoryUnavailable:
            flash(gettext("Direktori kantor (LDAP) tidak dapat dihubungi, jadi kata sandi Anda belum dapat diperiksa. "
                          "Coba lagi beberapa saat lagi; bila berlanjut, hubungi Admin Sistem (akun lokal darurat "
                          "tetap dapat masuk)."), "error")
            return _login_page(username), 503
    if signed is None:
        if alur.logins.login_failed(username, request.remote_addr):
            flash(_wait_message(alur.logins.wait(username) or LOCK_FOR), "error")
            return _login_page(username), 429
        flash(gettext("Nama pengguna atau kata sandi salah, atau akun tidak aktif."), "error")
        return _login_page(username), 401
    return _signed_in(signed, request.args.get("next"))


@bp.get("/masuk/sso")
def sso() -> Response | tuple[str, int]:
    """Send the browser to the office's sign-on portal (OpenID Connect, code flow with PKCE)."""
    if not current_alur().sign_in.sso_enabled:
        abort(404)
    try:
        url, pending = current_alur().sign_in.begin_sso(url_for("auth.sso_return", _external=True))
    except DirectoryUnavailable:
        flash(gettext("Portal SSO kantor tidak dapat dihubungi. Coba lagi beberapa saat lagi."), "error")
        return _login_page(""), 503
    session["oidc"] = {**pending.to_dict(), "next": safe_next(request.args.get("next"), url_for("inbox.index"))}
    return redirect(url)


@bp.get("/masuk/sso/kembali")
def sso_return() -> Response | tuple[str, int]:
    """The portal's answer: check it, then sign the person in."""
    pending = session.pop("oidc", None) or {}
    try:
        signed = current_alur().sign_in.finish_sso(OidcRequest.from_dict(pending), request.args.to_dict(),
                                                   request.remote_addr)
    except LoginRefused as refused:
        flash(_refusal_message(refused), "error")
        return _login_page(""), 403
    except DirectoryUnavailable:
        flash(gettext("Portal SSO kantor tidak dapat dihubungi. Coba lagi beberapa saat lagi."), "error")
        return _login_page(""), 503
    return _signed_in(signed, pending.get("next"))


def _signed_in(signed: SignedIn, next_url: str | None) -> Response:
    sign_in(signed.user)
    if signed.id_token:
        session["oidc_id_token"] = signed.id_token  # the logout at the portal names the session it ends
    current_alur().logins.login_succeeded(signed.user.username, request.remote_addr, signed.source)
    return redirect(safe_next(next_url, url_for("inbox.index")))


def _login_page(username: str) -> str:
    return render_template("auth/login.html", username=username, sso=current_alur().sign_in.sso_enabled)


_REFUSALS = {
    "disabled": lazy_gettext("Akun Anda dinonaktifkan di direktori kantor. Hubungi pengelola direktori."),
    "inactive": lazy_gettext("Akun Anda dinonaktifkan di Alur. Hubungi Admin Sistem."),
    "username_taken": lazy_gettext("Nama pengguna ini dipakai akun lokal Alur. Admin Sistem harus menautkannya ke "
                                   "direktori/SSO lebih dahulu."),
    "subject_mismatch": lazy_gettext("Nama pengguna ini sudah tertaut ke orang lain di direktori/SSO. Hubungi "
                                     "Admin Sistem."),
    "local_passwords_off": lazy_gettext("Masuk dengan kata sandi lokal dimatikan. Masuk dengan akun direktori "
                                        "atau SSO kantor."),
    "use_sso": lazy_gettext("Akun ini masuk lewat SSO kantor: pakai tombol “Masuk dengan SSO”."),
}


def _refusal_message(refused: LoginRefused) -> str:
    """The reason in the page's language; the portal's own failure with its details."""
    if refused.reason in _REFUSALS:
        return str(_REFUSALS[refused.reason])
    return gettext("Masuk lewat SSO gagal: %(detail)s", detail=refused.message)


def too_many_message() -> str:
    return gettext("Terlalu banyak percobaan. Tunggu beberapa saat, lalu coba lagi.")


def _seconds(wait: timedelta) -> int:
    return max(1, math.ceil(wait.total_seconds()))


def _wait_message(wait: timedelta) -> str:
    """The same words for a short wait and a lockout, for every account name typed."""
    seconds = _seconds(wait)
    if seconds < 60:
        return gettext("Terlalu banyak percobaan masuk yang gagal. Coba lagi dalam %(n)d detik.", n=seconds)
    return gettext("Terlalu banyak percobaan masuk yang gagal. Coba lagi dalam %(n)d menit.",
                   n=math.ceil(seconds / 60))


@bp.post("/keluar")
@login_required
def logout() -> Response:
    """End the session here, and at the sign-on portal for an SSO session."""
    current_alur().logins.logged_out(current_user.username, request.remote_addr)
    id_token = session.pop("oidc_id_token", None)
    logout_user()
    flash(gettext("Anda telah keluar."), "info")
    portal = (current_alur().sign_in.sso_logout_url(id_token, url_for("auth.login", _external=True))
              if id_token else None)
    return redirect(portal or url_for("auth.login"))


@bp.get("/bahasa/<lang>")
def language(lang: str) -> Response:
    """Switch the interface language (kept in the session)."""
    if lang in ("id", "en"):
        session["lang"] = lang
    return redirect(safe_next(request.args.get("next"), url_for("inbox.index")))
