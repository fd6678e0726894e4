"""Template helpers written in Python for speed give what url_for and the old macros gave."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from flask import g, render_template_string, session, url_for

from engine.values import TaskView
from web.formatting import case_url, remaining_badge, state_badge, task_url

NOW = datetime(2026, 11, 23, 0, 30, tzinfo=timezone.utc)


def _task(state: str, due_in: timedelta | None = timedelta(hours=2)) -> TaskView:
    return TaskView(task_id="t1", instance_id=1, process_key="p", process_name="P", business_key=None,
                    element_id="e", name="n", role="r", form_key="f", state=state, assignee=None, created_at=NOW,
                    due_at=None if due_in is None else NOW + due_in, claimed_at=None,
                    completed_at=NOW if state == "completed" else None, completed_by=None, version=1)


@pytest.mark.parametrize("task_id", ["6f1c2d9e-0000-4000-8000-00000000002a", "a b/c?d#e%f", "ümlaut", "987654321"])
def test_row_urls_are_what_url_for_builds(app, task_id):
    with app.test_request_context("/kotak-masuk", base_url="http://alur.example/sub"):
        assert task_url(task_id) == url_for("tasks.show", task_id=task_id)
        assert task_url(task_id) == url_for("tasks.show", task_id=task_id)  # the second comes from the cache
        for instance_id in (1, 42, 987654321, 10 ** 12):
            assert case_url(instance_id) == url_for("cases.show", instance_id=instance_id)
        assert g.alur_row_urls  # built once per request


@pytest.mark.parametrize("lang, labels", [
    ("id", {"completed": "Selesai", "cancelled": "Dibatalkan", "claimed": "Dikerjakan", "ready": "Tersedia",
            "late": "Terlambat", "left": "sisa 2 jam 5 mnt", "overdue": "terlambat 1 jam"}),
    ("en", {"completed": "Done", "cancelled": "Cancelled", "claimed": "In progress", "ready": "Available",
            "late": "Overdue", "left": "2 h 5 min left", "overdue": "1 h overdue"}),
])
def test_badges_in_both_languages(app, lang, labels):
    with app.test_request_context("/kotak-masuk"):
        session["lang"] = lang
        assert state_badge(_task("completed"), NOW) == f'<span class="badge badge-done">{labels["completed"]}</span>'
        assert state_badge(_task("cancelled"), NOW) == f'<span class="badge badge-muted">{labels["cancelled"]}</span>'
        assert state_badge(_task("claimed"), NOW) == f'<span class="badge badge-active">{labels["claimed"]}</span>'
        assert state_badge(_task("ready"), NOW) == f'<span class="badge badge-ready">{labels["ready"]}</span>'
        late = _task("claimed", due_in=-timedelta(minutes=1))
        assert state_badge(late, NOW) == f'<span class="badge badge-overdue">{labels["late"]}</span>'
        assert remaining_badge(None) == '<span class="muted">–</span>'
        assert remaining_badge(timedelta(hours=2, minutes=5)) == f'<span class="time-left">{labels["left"]}</span>'
        assert (remaining_badge(-timedelta(hours=1))
                == f'<span class="time-left overdue">{labels["overdue"]}</span>')


def test_template_gettext_escapes_variables_not_the_translation(app):
    with app.test_request_context("/kotak-masuk"):
        session["lang"] = "en"
        assert render_template_string("{{ _('sisa %(time)s', time='<b>') }}") == "&lt;b&gt; left"
        assert render_template_string("{{ _('Selesai') }}") == "Done"
        assert render_template_string("{% autoescape false %}{{ _('sisa %(time)s', time='<b>') }}{% endautoescape %}") \
            == "<b> left"


def test_template_gettext_without_variables_formats_as_before(app):
    """A text without variables skips the %-formatting only when it has no "%": "%%" still gives "%"."""
    with app.test_request_context("/kotak-masuk"):
        assert render_template_string("{{ _('100%% selesai') }}") == "100% selesai"
        assert render_template_string("{{ _('Selesai') }}") == "Selesai"


@pytest.mark.parametrize("lang", ["id", "en"])
def test_times_and_badges_follow_each_requests_language(app, lang):
    """The cached texts are keyed by the language: a page in one language never gets another's."""
    from babel import dates

    from engine import MOMENT_PATTERNS
    from web.formatting import language_code, wita

    day, short_day, clock = MOMENT_PATTERNS[lang]
    for first in ("en", "id", lang):  # warm the caches in the other language, then in this one
        with app.test_request_context("/kotak-masuk"):
            session["lang"] = first
            wita(NOW), wita(NOW, compact=True), remaining_badge(timedelta(minutes=5))
    with app.test_request_context("/kotak-masuk"):
        session["lang"] = lang
        assert language_code() == lang
        zone = dates.get_timezone("Asia/Makassar")
        assert wita(NOW) == dates.format_datetime(NOW, f"{day} {clock}", tzinfo=zone, locale=lang) + " WITA"
        assert wita(NOW, compact=True) == dates.format_datetime(NOW, f"{short_day} {clock}", tzinfo=zone, locale=lang)
        left = "sisa 5 mnt" if lang == "id" else "5 min left"
        assert remaining_badge(timedelta(minutes=5)) == f'<span class="time-left">{left}</span>'


def test_template_texts_kept_per_language(app):
    """``_()`` without variables is kept per catalogue: each request still gets its own language's text."""
    for lang, expected in (("id", "Selesai|100% selesai"), ("en", "Done|100% selesai"), ("id", "Selesai|100% selesai")):
        with app.test_request_context("/kotak-masuk"):
            session["lang"] = lang
            assert render_template_string("{{ _('Selesai') }}|{{ _('100%% selesai') }}") == expected


def test_each_locales_language_kept_per_app_is_what_flask_babel_finds(app):
    """The time zone and translations of a locale are looked up once per app (web.formatting._language_of):
    the same objects flask_babel gives every request, one language per locale, and none kept when the
    app picks a time zone per request."""
    from flask import Flask
    from flask_babel import Babel, get_locale, get_timezone, get_translations

    from web.formatting import LANGUAGES, request_language

    seen = {}
    for lang in ("id", "en", "id", "en"):
        with app.test_request_context("/kotak-masuk"):
            session["lang"] = lang
            language = request_language()
            assert (language.code, language.timezone, language.translations) == (
                str(get_locale()), get_timezone(), get_translations())
            assert seen.setdefault(lang, language) is language
    assert seen["id"] is not seen["en"] and len(app.extensions[LANGUAGES]) == 2

    other = Flask(__name__)
    Babel(other, timezone_selector=lambda: "Asia/Jakarta")
    from web import formatting
    formatting.register(other)
    assert LANGUAGES not in other.extensions
    with other.test_request_context("/"):
        assert str(request_language().timezone) == "Asia/Jakarta"


@pytest.mark.parametrize("lang", ["id", "en"])
def test_base_page_names_its_language_as_flask_babel_does(app, client, lang):
    """base.html prints the request's language from the context (``page_language``), not get_locale()."""
    from flask_babel import get_locale

    with app.test_request_context("/kotak-masuk"):
        session["lang"] = lang
        assert render_template_string("{% extends 'base.html' %}").startswith(
            f'<!doctype html>\n<html lang="{get_locale()}">')
    html = client.get(f"/masuk?lang={lang}").text
    assert f'<html lang="{lang}">' in html and f'lang="{lang}" aria-current="true">' in html


def test_url_with_kept_per_path_query_and_changes_is_what_it_builds(app):
    """url_with's URLs are kept per app (web.formatting.url_with): each is the one worked out from the
    request's query, under another path or query, with True apart from 1, and an unhashable value too."""
    from urllib.parse import urlencode

    from web.formatting import URLS_WITH, url_with

    cases = [("/kotak-masuk", "", {"hal": 2}), ("/kotak-masuk", "tab=mine&hal=3", {"hal": None}),
             ("/kotak-masuk", "tab=mine&hal=3", {"hal": 1}), ("/kotak-masuk", "tab=mine&hal=3", {"hal": True}),
             ("/kasus", "tab=mine&hal=3", {"hal": 1}), ("/kasus", "q=a%26b&urut=-due", {"urut": "due", "hal": None}),
             ("/kasus", "q=a%26b&q=c", {"urut": ""}), ("/kasus", "", {"tab": ["a"]})]
    for _ in range(2):  # the second round from what the first kept
        for path, query, changes in cases:
            with app.test_request_context(f"{path}?{query}"):
                args = {k: v for k, v in request_args(query).items()}
                for name, value in changes.items():
                    if value is None or value == "":
                        args.pop(name, None)
                    else:
                        args[name] = value
                assert url_with(**changes) == path + ("?" + urlencode(args) if args else ""), (path, query, changes)
    assert len(app.extensions[URLS_WITH]) == len(cases) - 1  # the list is not kept


def request_args(query: str) -> dict[str, str]:
    from urllib.parse import parse_qsl
    args: dict[str, str] = {}
    for name, value in parse_qsl(query, keep_blank_values=True):
        args.setdefault(name, value)
    return args


@pytest.mark.parametrize("roles", [set(), {"pengelola_ti"}, {"auditor"}, {"pemilik_proses"}, {"kepala_dinas"},
                                   {"admin_sistem"}, {"pejabat_administrator_tik", "pengawas_infrastruktur_tik"}])
def test_menu_rights_kept_per_roles_are_the_rules(app, roles):
    """The menus' rights come kept per role set (web.formatting._menu_rights): each is its rule's answer."""
    from engine import may_audit, may_handle_incidents, may_read_models, may_read_registers
    from web.formatting import _menu_rights

    permissions = app.extensions["alur"].permissions
    for mandates in (False, True, False):
        assert _menu_rights(permissions, frozenset(roles), mandates) == {
            "nav_modeler": may_read_models(roles), "nav_audit": may_audit(roles),
            "nav_incidents": may_handle_incidents(roles), "nav_registers": may_read_registers(roles),
            "nav_mandates": mandates or may_read_models(roles) or permissions.supervises_anyone(roles)}
