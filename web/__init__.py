"""The Alur web app: inbox, task forms with documents, cases with their diagram, admin and a JSON API."""
from __future__ import annotations

import atexit
import os
import secrets
import tempfile
from datetime import timedelta
from pathlib import Path
from typing import Any, Callable
from urllib.parse import urlsplit

from flask import Flask, request, session
from flask_babel import Babel
from flask_wtf.csrf import CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix

from engine import Alur, open_alur, PROJECT_ROOT, settings_from_env
from web import (account, admin, api, assessments, audit, auth, calendar_admin, cases, dashboard, errors, event_words,
                 formatting, inbox, incidents, input_guard, leave_admin, limits, mandates, notifications, people,
                 process_logs, processes, registers, tasks)
from web import api_audit, api_mining, api_registers  # noqa: F401  (their routes join the api blueprint)
from web import health, model_texts
from web import list_controls, login_slots, main_nav, metrics, request_log, template_urls
from web.sessions import KeptSessions
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
        # How many reverse proxies (nginx) stand in front of the app: X-Forwarded-For, -Proto, -Host, -Port
        # and -Prefix are believed from that many hops only. 0 (the default): none is believed, as when
        # gunicorn or ``alur run`` faces the clients itself.
        TRUSTED_PROXIES=0,
        METRICS_TOKEN=None,  # ALUR_METRICS_TOKEN: /metrics wants this bearer token; unset: loopback clients only
        LOG_FORMAT="json",  # ALUR_LOG_FORMAT: json (one object a line) or text
        CHART_JS_DIR=None,
    )
    if test_config is None:
        app.config.from_prefixed_env("ALUR")
    else:
        app.config.update(test_config)
    if app.config.get("SESSION_COOKIE_SECURE"):
        app.config["REMEMBER_COOKIE_SECURE"] = True
    app.session_interface = KeptSessions()
    # The instance folder of the settings (ALUR_INSTANCE_DIR, shared by the app servers), else Flask's.
    instance_dir = Path(app.config.get("INSTANCE_DIR") or app.instance_path)
    app.config["SECRET_KEY"] = app.config["SECRET_KEY"] or _persistent_secret(instance_dir)

    alur = alur or app.config.get("ALUR") or open_alur(settings_from_env())
    app.extensions["alur"] = alur
    if test_config is None:  # a gunicorn worker ending (restart, --max-requests): its refused logins' tally
        atexit.register(alur.logins.flush_refused)
    # A request may carry a few documents; each file is also checked against the per-file limit.
    if app.config.get("MAX_CONTENT_LENGTH") is None:
        app.config["MAX_CONTENT_LENGTH"] = alur.settings.max_upload_bytes * 4 + 1024 * 1024
    app.config["BPMN_JS_DIR"] = app.config["BPMN_JS_DIR"] or str(_bpmn_js_dir())
    app.config["CHART_JS_DIR"] = app.config["CHART_JS_DIR"] or str(_vendored("chart.js", "chart.js/dist"))

    request_log.register(app)  # first: its after_request runs last, with the final status
    input_guard.register(app)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=_locale)
    auth.init_login(app)
    formatting.register(app)
    main_nav.register(app)
    list_controls.register(app)
    event_words.register(app)
    people.register(app)
    model_texts.register(app)
    errors.register(app)
    for module in (auth, account, inbox, tasks, cases, processes, admin, calendar_admin, leave_admin, mandates,
                   notifications, audit, incidents, registers, dashboard, process_logs, assessments):
        app.register_blueprint(module.bp)
    csrf.exempt(api.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(modeler_bp)
    app.register_blueprint(health.bp)
    app.register_blueprint(model_forms_bp)
    limits.register(app)
    login_slots.register(app, instance_dir, testing=test_config is not None)
    metrics.register(app, alur)
    app.before_request(_remember_language)
    template_urls.register(app)
    # The logout form of an SSO session ends at the sign-on portal: forms may lead there too.
    oidc = alur.settings.identity.oidc
    portal = urlsplit(oidc.issuer) if oidc is not None else None
    app.config["ALUR_FORM_ACTION"] = "'self'" + (f" {portal.scheme}://{portal.netloc}" if portal else "")
    app.after_request(_security_headers(app.config["ALUR_FORM_ACTION"]))
    _trust_proxies(app)
    return app


def _trust_proxies(app: Flask) -> None:
    """Wrap the app in ProxyFix for ``TRUSTED_PROXIES`` hops (``ALUR_TRUSTED_PROXIES``): the client's
    address (rate limits, the login log) and https (secure cookies, links) come from nginx's headers.

    :raises ValueError: not a whole number from 0 to 10
    """
    hops = app.config["TRUSTED_PROXIES"]
    if isinstance(hops, str) and hops.strip().isdigit():
        hops = int(hops)
    if isinstance(hops, bool) or not isinstance(hops, int) or not 0 <= hops <= 10:
        raise ValueError(f"ALUR_TRUSTED_PROXIES must be a whole number from 0 to 10, not {hops!r}")
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops,  # type: ignore[method-assign]
                                x_prefix=hops)


def _locale() -> str:
    """Indonesian unless the user switched (the browser's language is not asked: staff browsers are
    often set to English, and the SOPs are written in Indonesian)."""
    lang = session.get("lang")
    return lang if isinstance(lang, str) and lang in LANGUAGES else "id"


def _remember_language() -> None:
    if not request.environ.get("QUERY_STRING"):
        return  # no ``?lang=``, and no ``request.args`` to build for it
    lang = request.args.get("lang")
    if lang in LANGUAGES:
        session["lang"] = lang


def _security_headers(form_action: str) -> Callable[[Any], Any]:
    """The after-request hook adding the headers every answer carries unless its view set them."""
    always = (("Content-Security-Policy",
               "default-src 'self'; img-src 'self' data:; font-src 'self' data:; style-src 'self' 'unsafe-inline'; "
               "script-src 'self'; object-src 'none'; base-uri 'self'; "
               f"form-action {form_action}; frame-ancestors 'none'"),
              ("X-Content-Type-Options", "nosniff"), ("X-Frame-Options", "DENY"), ("Referrer-Policy", "same-origin"))

    def add_headers(response: Any) -> Any:
        # As headers.setdefault would, with one look at the response's headers instead of one per header
        # (werkzeug raises and catches a KeyError for each header not there yet).
        headers = response.headers
        present = {name.lower() for name in headers.keys()}
        for name, value in always:
            if name.lower() not in present:
                headers.add(name, value)
        endpoint = request.endpoint
        if endpoint and not endpoint.startswith(("static", "processes.vendor", "dashboard.vendor")) \
                and "cache-control" not in present:
            headers.add("Cache-Control", "no-store")
        return response

    return add_headers


def _persistent_secret(instance_dir: Path) -> str:
    """A random key kept in ``<instance>/secret_key``, so sessions survive restarts and every gunicorn
    worker and app server sharing the folder agrees. Made once: the first process to link its file in
    place wins, the others read it."""
    path = instance_dir / "secret_key"
    if not path.is_file():
        instance_dir.mkdir(parents=True, exist_ok=True)
        handle, draft = tempfile.mkstemp(dir=instance_dir, prefix=".secret_key-")  # mode 0600
        try:
            with os.fdopen(handle, "w") as out:
                out.write(secrets.token_hex(32))
            os.link(draft, path)
        except FileExistsError:
            pass  # another process made it first
        finally:
            os.unlink(draft)
    return path.read_text().strip()


def _vendored(copied_name: str, package_dist: str) -> Path:
    """An npm package's dist folder: copied into static/vendor by ``make node``, else in node_modules."""
    copied = Path(__file__).parent / "static" / "vendor" / copied_name
    return copied if copied.is_dir() else PROJECT_ROOT / "node_modules" / package_dist


def _bpmn_js_dir() -> Path:
    """bpmn-js's dist folder: copied into static/vendor by ``make node``, else straight from node_modules."""
    copied = Path(__file__).parent / "static" / "vendor" / "bpmn-js"
    return copied if copied.is_dir() else PROJECT_ROOT / "node_modules" / "bpmn-js" / "dist"
