"""Jinja filters and globals: times in WITA, working durations, sizes, role titles, form values."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from datetime import datetime, timedelta, tzinfo
from typing import Any, Callable, Iterable
from urllib.parse import quote, urlencode

from babel import Locale, dates
from babel.support import NullTranslations
from flask import Flask, current_app, g, request, url_for
from jinja2.nodes import EvalContext
from jinja2 import pass_eval_context
from markupsafe import Markup, escape
from flask_babel import get_locale, get_timezone, get_translations
from flask_login import current_user

from engine import (COUNT_CAP, MOMENT_PATTERNS, may_audit, may_handle_incidents, may_read_models, may_read_registers,
                    Person, TaskView, WITA)
from web.current import current_alur
from web.model_words import localized_schema, untranslated
from web.template_urls import kept_url_for

LANGUAGES = "alur_languages"  # app.extensions: each locale's _Language
URLS_WITH = "alur_urls_with"  # app.extensions: url_with's URLs
KEPT_URLS = 4096


@dataclass(frozen=True)
class _Language:
    locale: Locale | None
    timezone: tzinfo | None
    translations: NullTranslations
    code: str  # str(locale), "" without one: Babel's Locale is slow to print, hash and compare
    moments: tuple[str, str]  # the date-and-time pattern, and its compact form (engine.worktime.moment_text)

    @classmethod
    def of(cls, locale: Locale | None, timezone: tzinfo | None, translations: NullTranslations) -> _Language:
        day, short_day, clock = MOMENT_PATTERNS.get(locale.language if locale else "id", MOMENT_PATTERNS["id"])
        return cls(locale, timezone, translations, str(locale) if locale is not None else "",
                   (f"{day} {clock}", f"{short_day} {clock}"))

    # The filters of the same names, for a caller that holds the language (a list's rows, web/task_rows.py).

    def wita(self, moment: datetime | None, compact: bool = False) -> str:
        if moment is None:
            return "–"
        if compact:
            return _formatted(moment, self.moments[1], self.timezone, self.code)
        return _formatted(moment, self.moments[0], self.timezone, self.code) + " WITA"

    def time_element(self, moment: datetime | None) -> str:
        """``<time datetime="{{ moment|wita_iso }}">{{ moment|wita }}</time>`` as a template prints it."""
        if moment is None:
            return '<time datetime="">–</time>'
        return _time_element(moment, self.moments[0], self.timezone, self.code)

    def remaining_badge(self, delta: timedelta | None) -> Markup:
        if delta is None:
            return Markup('<span class="muted">–</span>')
        return _remaining_badge(int(abs(delta).total_seconds() // 60), delta < timedelta(0), self.translations)

    def state_badge(self, task: TaskView, now: datetime) -> Markup:
        if task.state == "completed":
            kind = "done"
        elif task.state == "cancelled":
            kind = "muted"
        elif task.is_overdue(now):
            kind = "overdue"
        elif task.state == "claimed":
            kind = "active"
        else:
            kind = "ready"
        return _state_badge(kind, self.translations)


@lru_cache(maxsize=64)
def _state_badge(kind: str, translations: NullTranslations) -> Markup:
    # A pure function of its arguments, as _remaining_badge.
    label = {"done": translations.ugettext("Selesai"), "muted": translations.ugettext("Dibatalkan"),
             "overdue": translations.ugettext("Terlambat"), "active": translations.ugettext("Dikerjakan"),
             "ready": translations.ugettext("Tersedia")}[kind]
    return Markup(f'<span class="badge badge-{kind}">{label}</span>')  # translations are trusted, as in templates


@lru_cache(maxsize=4096)
def _time_element(moment: datetime, pattern: str, timezone: tzinfo | None, locale_code: str) -> str:
    # A pure function of its arguments, like _formatted: a list shows the same times on every request.
    text = escape(_formatted(moment, pattern, timezone, locale_code) + " WITA")
    return f'<time datetime="{_wita_iso(moment)}">{text}</time>'


def request_language() -> _Language:
    """The request's language, whose methods format as the filters do: for a caller formatting many values."""
    return _language()


def _language() -> _Language:
    """The request's locale, time zone and translations, looked up once per request.

    flask_babel finds each of them through several context lookups on every call, and one page
    translates and formats a hundred strings and dates.
    """
    try:
        namespace = g._get_current_object()  # one context lookup instead of one per attribute
    except RuntimeError:  # no app context: flask_babel's defaults
        return _Language.of(get_locale(), get_timezone(), get_translations())
    language: _Language | None = getattr(namespace, "alur_language", None)
    if language is None:
        language = namespace.alur_language = _language_of(get_locale())
    return language


def _language_of(locale: Locale | None) -> _Language:
    """The language of ``locale``, kept per app: flask_babel keeps a locale's translations for the app's
    lifetime and the app picks no time zone per request, yet looking both up costs a page some 15 µs."""
    kept: dict[tuple[str | None, ...] | None, _Language] | None = current_app.extensions.get(LANGUAGES)
    if kept is None:  # a time zone chosen per request (register saw a timezone selector)
        return _Language.of(locale, get_timezone(), get_translations())
    # Babel's Locale hashes slowly; its parts name it
    key = None if locale is None else (locale.language, locale.territory, locale.script, locale.variant,
                                       locale.modifier)
    language = kept.get(key)
    if language is None:
        language = kept[key] = _Language.of(locale, get_timezone(), get_translations())
    return language


def language_code() -> str:
    """The request's language as the catalogue's texts name it: ``id`` or ``en``."""
    return _language().code or "id"


def gettext(string: str, **variables: Any) -> str:
    text = _language().translations.ugettext(string)
    return text % variables if variables else text


@pass_eval_context
def _template_gettext(eval_ctx: EvalContext, string: str, **variables: Any) -> str:
    """``_()`` in templates, as jinja2.ext's newstyle gettext does it (a safe string, always %-formatted)
    without its two calls through the template context: a page has some thirty."""
    if not variables:  # most of a page's: the same text for every request in the language
        return _fixed_text(_language().translations, string, bool(eval_ctx.autoescape))
    text: str = _language().translations.ugettext(string)
    return (Markup(text) if eval_ctx.autoescape else text) % variables


@lru_cache(maxsize=4096)
def _fixed_text(translations: NullTranslations, string: str, autoescape: bool) -> str:
    # A pure function of its arguments (the translations keyed by the catalogue object, as _duration_text).
    text: str = translations.ugettext(string)
    if autoescape:
        text = Markup(text)
    # Without a "%" the formatting would give the text back unchanged ("%%" still gives "%").
    return text % {} if "%" in text else text


@pass_eval_context
def _template_pgettext(eval_ctx: EvalContext, context: str, string: str, **variables: Any) -> str:
    """``pgettext()`` in templates, as jinja2.ext's newstyle pgettext does it (its ``context`` among the
    variables, always %-formatted) without its two calls through the template context."""
    if not variables:
        return _fixed_context_text(_language().translations, context, string, bool(eval_ctx.autoescape))
    variables.setdefault("context", context)
    text: str = _language().translations.upgettext(context, string)
    return (Markup(text) if eval_ctx.autoescape else text) % variables


@lru_cache(maxsize=1024)
def _fixed_context_text(translations: NullTranslations, context: str, string: str, autoescape: bool) -> str:
    # A pure function of its arguments, as _fixed_text.
    text: str = translations.upgettext(context, string)
    return (Markup(text) if autoescape else text) % {"context": context}


def format_datetime(moment: datetime, pattern: str) -> str:
    """Like flask_babel's: in the request's time zone and locale."""
    language = _language()
    return _formatted(moment, pattern, language.timezone, language.code)


@lru_cache(maxsize=4096)
def _formatted(moment: datetime, pattern: str, timezone: tzinfo | None, locale_code: str) -> str:
    # A pure function of its arguments, and the inbox shows the same due times on every request. The
    # locale is keyed by its name (a Locale hashes and compares slowly) and parsed back on a miss.
    return dates.format_datetime(moment, pattern, tzinfo=timezone, locale=_locale(locale_code))


@lru_cache(maxsize=16)
def _locale(code: str) -> Locale | None:
    return Locale.parse(code) if code else None


def format_date(day: Any, pattern: str) -> str:
    return dates.format_date(day, pattern, locale=_language().locale)


def _patterns() -> tuple[str, str, str]:
    """The one date-and-time format of every page and notification (engine.worktime.moment_text)."""
    locale = _language().locale
    return MOMENT_PATTERNS.get(locale.language if locale else "id", MOMENT_PATTERNS["id"])


def wita(moment: datetime | None, compact: bool = False) -> str:
    """``Sel, 8 Des 2026 16.00 WITA``, or ``8 Des 2026 16.00`` in tables whose header says WITA."""
    return _language().wita(moment, compact)


def clock_time(moment: datetime) -> str:
    """The time of day in WITA as the language writes it: ``08.00`` or ``08:00``."""
    return format_datetime(moment, _patterns()[2])


def wita_iso(moment: datetime | None) -> str:
    return _wita_iso(moment) if moment else ""


@lru_cache(maxsize=4096)
def _wita_iso(moment: datetime) -> str:
    return moment.astimezone(WITA).isoformat()


def date_text(value: str | None) -> str:
    try:
        return format_date(datetime.fromisoformat(str(value)).date(), "d MMM y")
    except ValueError:
        return str(value or "–")


def datetime_text(value: str | None) -> str:
    """A form's date-time value (RFC 3339) shown in WITA."""
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return str(value or "–")
    return wita(moment if moment.tzinfo else moment.replace(tzinfo=WITA))


def duration(delta: timedelta | None, signed: bool = False) -> str:
    """Working time as ``10 jam 5 mnt``: hours, not days, since a working day is 8.5 h Mon-Thu and 3.5 h Fri."""
    if delta is None:
        return "–"
    return _duration_text(int(abs(delta).total_seconds() // 60), signed and delta < timedelta(0),
                          _language().translations)


@lru_cache(maxsize=4096)
def _duration_text(minutes: int, late: bool, translations: NullTranslations) -> str:
    # A pure function of its arguments; a page shows one per row, and the same ones minute after minute.
    hours, minutes = divmod(minutes, 60)
    parts = []
    if hours:
        parts.append(translations.ungettext("%(num)d jam", "%(num)d jam", hours) % {"num": hours})
    if minutes or not hours:
        parts.append(translations.ungettext("%(num)d mnt", "%(num)d mnt", minutes) % {"num": minutes})
    text = " ".join(parts)
    return translations.ugettext("terlambat %(time)s") % {"time": text} if late else text


def state_badge(task: TaskView, now: datetime) -> Markup:
    """A task's state as a badge; an open task past its due time shows as late."""
    return _language().state_badge(task, now)


def remaining_badge(delta: timedelta | None) -> Markup:
    """Working time left (or how late) as a badge. A page shows one per row: a Jinja macro costs
    several times as much as this function."""
    return _language().remaining_badge(delta)


@lru_cache(maxsize=4096)
def _remaining_badge(minutes: int, late: bool, translations: NullTranslations) -> Markup:
    # A pure function of its arguments, like _duration_text (the badge shows whole minutes).
    text = escape(_duration_text(minutes, late, translations))
    if late:
        return Markup(f'<span class="time-left overdue">{text}</span>')
    left = translations.ugettext("sisa %(time)s") % {"time": text}  # as Markup(...) % would
    return Markup(f'<span class="time-left">{left}</span>')


def rows_html(rows: Iterable[Any]) -> Markup:
    """A list's rows printed whole, each worked out in Python (``row.html``, web/task_rows.py): a template
    loop costs a 25-row page some 25 µs more."""
    return Markup("".join([row.html for row in rows]))


def filesize(size: int | None) -> str:
    if size is None:
        return "–"
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size / (1024 * 1024):.1f} MB".replace(".", "," if _language().code == "id" else ".")


def count_text(count: int, cap: int = COUNT_CAP) -> str:
    """Counts are capped by the engine (COUNT_CAP, SAVED_COUNT_CAP for saved filters): anything above
    shows as ``1000+`` (``99+``)."""
    return f"{cap}+" if count > cap else str(count)


def role_title(role_key: str) -> str:
    return current_alur().roles.title(role_key, language_code())


def role_post(role_key: str) -> str:
    """The post's short name ("Kepala Bidang TIK"), for a stand-in's signature line."""
    return current_alur().roles.post(role_key)


def person_of(username: str) -> Person:
    """An account's name, jabatan and NIP; every account is read once per request (one query per page)."""
    namespace = g._get_current_object()
    known: dict[str, Person] | None = getattr(namespace, "alur_people", None)
    if known is None:
        known = namespace.alur_people = current_alur().users.people()
    return known.get(username) or Person(username, username, known=False)


def user_name(username: str | None) -> Markup | str:
    """The person's full name, with the username as a tooltip."""
    if not username:
        return "–"
    return Markup('<span class="person" title="{}">{}</span>').format(username, person_of(username).full_name)


def form_schema(form_key: str) -> dict[str, Any]:
    """The form's schema, its texts in the reader's language where the form has them."""
    return localized_schema(current_alur().forms.get(form_key).schema, language_code())


def document_title(document: Any) -> Markup | str:
    """A document's field title in the reader's language (marked Indonesian where its form has no English)."""
    if not document.form_key:
        return str(document.field_title)
    prop = form_schema(document.form_key).get("properties", {}).get(document.field, {})
    text = prop.get("title") or document.field_title
    return Markup('<span lang="id" class="untranslated">{}</span>').format(text) if untranslated(prop) else text


def enum_label(prop: dict[str, Any], value: Any) -> str:
    enum, labels = prop.get("enum") or [], prop.get("x-enum-labels") or []
    if value in enum and len(labels) == len(enum):
        return str(labels[enum.index(value)])
    return str(value)


def yes_no(value: Any) -> str:
    return gettext("Ya") if value is True else gettext("Tidak") if value is False else "–"


def url_with(**changes: Any) -> str:
    """The current URL with some query arguments replaced (``None`` removes one).

    Kept per app by path, query and changes: a list's sort headers and pager ask for five, each
    parsing and encoding the query again, and the same pages are asked for again and again."""
    current = request._get_current_object()  # type: ignore[attr-defined]  # a LocalProxy's
    # the type with each value: True and 1 are equal keys, yet print as "True" and "1"
    key = (current.path, current.query_string, *((name, type(value), value) for name, value in changes.items()))
    kept: dict[tuple[Any, ...], str] = current_app.extensions[URLS_WITH]
    try:
        url = kept.get(key)
    except TypeError:  # an unhashable value
        return _url_with(current, changes)
    if url is None:
        if len(kept) >= KEPT_URLS:
            kept.clear()
        url = kept[key] = _url_with(current, changes)
    return url


def _url_with(current: Any, changes: dict[str, Any]) -> str:
    args = current.args.to_dict()
    for key, value in changes.items():
        if value is None or value == "":
            args.pop(key, None)
        else:
            args[key] = value
    return str(current.path) + ("?" + urlencode(args) if args else "")


# One URL per row of a long list: url_for costs a 25-row inbox about a millisecond, so each
# endpoint's URL is built once per request around a placeholder and the rows' ids are put in.
_PLACEHOLDER = 987654321  # accepted by string and int path converters alike
_PATH_SAFE = "!$&'()*+,/:;=@"  # what werkzeug's string converter leaves unquoted in a path segment
_UNQUOTED = re.compile(r"[A-Za-z0-9_.~-]+").fullmatch  # what quote leaves as it is, whatever ``safe`` says


def _around_placeholder(endpoint: str, name: str) -> tuple[str, str] | None:
    """``url_for(endpoint, name=<placeholder>)`` split at the placeholder, once per request (from the
    URL kept per app, web/template_urls.py); None when it does not split cleanly (then each row calls
    url_for)."""
    namespace = g._get_current_object()
    cache: dict[tuple[str, str], tuple[str, str] | None] = namespace.__dict__.setdefault("alur_row_urls", {})
    if (endpoint, name) not in cache:
        values: dict[str, Any] = {name: _PLACEHOLDER}
        parts = kept_url_for(endpoint, **values).split(str(_PLACEHOLDER))
        cache[endpoint, name] = (parts[0], parts[1]) if len(parts) == 2 and "?" not in parts[0] else None
    return cache[endpoint, name]


def task_url(task_id: str) -> str:
    """``url_for('tasks.show', task_id=task_id)``, for the rows of a list."""
    return task_urls()(task_id)


def task_urls() -> Callable[[str], str]:
    """``task_url`` for the rows of one list: the endpoint's URL looked up once."""
    around = _around_placeholder("tasks.show", "task_id")
    if around is None:
        return lambda task_id: url_for("tasks.show", task_id=task_id)
    head, tail = around

    def url(task_id: str) -> str:
        segment = str(task_id)
        # quote leaves these characters as they are (a task id is a UUID), and costs more than the check
        return head + (segment if _UNQUOTED(segment) else quote(segment, safe=_PATH_SAFE)) + tail
    return url


def case_urls() -> Callable[[int], str]:
    """``case_url`` for the rows of one list: the endpoint's URL looked up once."""
    around = _around_placeholder("cases.show", "instance_id")
    if around is None:
        return lambda instance_id: url_for("cases.show", instance_id=instance_id)
    head, tail = around
    return lambda instance_id: f"{head}{int(instance_id)}{tail}"


def case_url(instance_id: int) -> str:
    """``url_for('cases.show', instance_id=instance_id)``, for the rows of a list."""
    return case_urls()(instance_id)


def register(app: Flask) -> None:
    """Filters, globals and the templates' ``_``/``gettext`` (call after flask_babel's ``init_app``)."""
    if app.extensions["babel"].timezone_selector is None:
        app.extensions[LANGUAGES] = {}
    app.extensions[URLS_WITH] = {}
    # flask_babel's, with the request's translations looked up once; the method comes with the
    # jinja2.ext.i18n extension flask_babel adds, which Environment's type does not know
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=lambda s: _language().translations.ugettext(s),
        ngettext=lambda s, p, n: _language().translations.ungettext(s, p, n),
        pgettext=lambda c, s: _language().translations.upgettext(c, s),
        npgettext=lambda c, s, p, n: _language().translations.unpgettext(c, s, p, n),
        newstyle=True)
    app.jinja_env.globals.update(_=_template_gettext, pgettext=_template_pgettext)
    app.jinja_env.filters.update(
        wita=wita, wita_iso=wita_iso, date_text=date_text, datetime_text=datetime_text, duration=duration,
        filesize=filesize, count_text=count_text, role_title=role_title, role_post=role_post, user_name=user_name,
        yes_no=yes_no, rows_html=rows_html,
        # per-row helpers as filters: Jinja calls a filter directly, a global through the context
        state_badge=state_badge, remaining_badge=remaining_badge, task_url=task_url, case_url=case_url)
    app.jinja_env.globals.update(form_schema=form_schema, enum_label=enum_label, url_with=url_with,
                                 untranslated=untranslated, get_locale=get_locale, document_title=document_title)

    @app.context_processor
    def _user_context() -> dict[str, Any]:
        unread, roles, mandates = 0, frozenset[str](), False
        user = current_user._get_current_object()  # one context lookup, not five
        if user.is_authenticated:
            unread = user.unread_notifications  # read with the account for this request
            if unread is None:  # signed in during this request
                unread = current_alur().notifications.unread_count(user.username)
            roles = frozenset(user.roles)
            mandates = bool(user.mandates)
        return {"current_user": current_user, "unread_notifications": unread,
                "page_language": _language().code,  # flask_babel's get_locale(), printed
                **_menu_rights(current_alur().permissions, roles, mandates)}


@lru_cache(maxsize=256)
def _menu_rights(permissions: Any, roles: frozenset[str], mandates: bool) -> dict[str, bool]:
    """Which menus the holder of ``roles`` sees (the pages check the same rules themselves); a pure
    function of its arguments, ``permissions`` (the engine's) keeping its role catalogue for its lifetime."""
    return {"nav_modeler": may_read_models(roles), "nav_audit": may_audit(roles),
            "nav_incidents": may_handle_incidents(roles), "nav_registers": may_read_registers(roles),
            "nav_mandates": mandates or may_read_models(roles) or permissions.supervises_anyone(roles)}
