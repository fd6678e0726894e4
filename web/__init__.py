"""The Alur web app: inbox, task forms with documents, cases with their diagram, admin and a JSON API."""
from __future__ import annotations

import secrets
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask, request, session
from flask_babel import Babel
from flask_wtf.csrf import CSRFProtect

from engine import Alur, open_alur, PROJECT_ROOT, settings_from_env
from web import (account, admin, api, audit, auth, calendar_admin, cases, errors, event_words, formatting, inbox,
                 incidents, input_guard, leave_admin, limits, mandates, notifications, people, processes, registers,
                 tasks)
from web import api_audit, api_registers  # noqa: F401  (their routes join the api blueprint)
from web.modeler import bp as modeler_bp
from web.model_forms import bp as model_forms_bp

LANGUAGES = ("id", "en")
csrf = CSRFProtect()
babel = Babel()


def create_app(test_config: dict[str, Any] | None = None, alur: Alur | None = None) -> Flask:
    """Create and configure the app.

    ``test_config`` replaces the ``ALUR_*`` environment (and may carry ``ALUR``, the engine built
    over a test database and clock); ``alur`` hands over an engine already built (``alur run``).
    """
    app = Flask(__name__, instance_path=str(PROJECT_ROOT / "instance"))
    app.config.from_mapping(
        SECRET_KEY=None,
        SESSION_COOKIE_NAME="alur_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=False,
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_SECURE=False,
        PERMANENT_SESSION_LIFETIME=timedelta(hours=10),
        WTF_CSRF_TIME_LIMIT=None,  # valid as long as the session: a long form must not expire mid-way
        BABEL_DEFAULT_LOCALE="id",
        BABEL_DEFAULT_TIMEZONE="Asia/Makassar",
        BABEL_TRANSLATION_DIRECTORIES=str(Path(__file__).parent / "translations"),
        PER_PAGE=25,
        BPMN_JS_DIR=None,
    )
    if test_config is None:
        app.config.from_prefixed_env("ALUR")
    else:
        app.config.update(test_config)
    if app.config.get("SESSION_COOKIE_SECURE"):
        app.config["REMEMBER_COOKIE_SECURE"] = True
    app.config["SECRET_KEY"] = app.config["SECRET_KEY"] or _persistent_secret(Path(app.instance_path))

    alur = alur or app.config.get("ALUR") or open_alur(settings_from_env())
    app.extensions["alur"] = alur
    # A request may carry a few documents; each file is also checked against the per-file limit.
    if app.config.get("MAX_CONTENT_LENGTH") is None:
        app.config["MAX_CONTENT_LENGTH"] = alur.settings.max_upload_bytes * 4 + 1024 * 1024
    app.config["BPMN_JS_DIR"] = app.config["BPMN_JS_DIR"] or str(_bpmn_js_dir())

    input_guard.register(app)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=_locale)
    auth.init_login(app)
    formatting.register(app)
    event_words.register(app)
    people.register(app)
    errors.register(app)
    for module in (auth, account, inbox, tasks, cases, processes, admin, calendar_admin, leave_admin, mandates,
                   notifications, audit, incidents, registers):
        app.register_blueprint(module.bp)
    csrf.exempt(api.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(modeler_bp)
    app.register_blueprint(model_forms_bp)
    limits.register(app)
    app.before_request(_remember_language)
    app.after_request(_security_headers)
    return app


def _locale() -> str:
    """Indonesian unless the user switched (the browser's language is not asked: staff browsers are
    often set to English, and the SOPs are written in Indonesian)."""
    lang = session.get("lang")
    return lang if isinstance(lang, str) and lang in LANGUAGES else "id"


def _remember_language() -> None:
    lang = request.args.get("lang")
    if lang in LANGUAGES:
        session["lang"] = lang


def _security_headers(response: Any) -> Any:
    response.headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; img-src 'self' data:; font-src 'self' data:; style-src 'self' 'unsafe-inline'; "
        "script-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if request.endpoint and not request.endpoint.startswith(("static", "processes.vendor")):
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def _persistent_secret(instance_dir: Path) -> str:
    """A random key kept in ``instance/secret_key``, so sessions survive restarts and gunicorn workers agree."""
    path = instance_dir / "secret_key"
    if path.is_file():
        return path.read_text().strip()
    instance_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    path.touch(mode=0o600)
    path.write_text(key)
    return key


def _bpmn_js_dir() -> Path:
    """bpmn-js's dist folder: copied into static/vendor by ``make node``, else straight from node_modules."""
    copied = Path(__file__).parent / "static" / "vendor" / "bpmn-js"
    return copied if copied.is_dir() else PROJECT_ROOT / "node_modules" / "bpmn-js" / "dist"
