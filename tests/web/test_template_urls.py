"""Templates' url_for, kept per URL (web/template_urls.py): always the URL Flask's url_for builds."""
from __future__ import annotations

from flask import Flask, url_for

from web import template_urls

LINKS = ("{{ url_for('inbox.index') }}|{{ url_for('inbox.index', tab='mine', proses=None) }}|"
         "{{ url_for('inbox.index', hal=1) }}|{{ url_for('inbox.index', hal=True) }}|"
         "{{ url_for('tasks.show', task_id='a b/c') }}|{{ url_for('inbox.index', tab=['mine', 'overdue']) }}|"
         "{{ url_for('inbox.index', _anchor='x') }}|{{ url_for('auth.language', lang='en', next='/kasus?x=1') }}")


def _expected() -> str:
    return "|".join(str(link) for link in (
        url_for("inbox.index"), url_for("inbox.index", tab="mine", proses=None), url_for("inbox.index", hal=1),
        url_for("inbox.index", hal=True), url_for("tasks.show", task_id="a b/c"),
        url_for("inbox.index", tab=["mine", "overdue"]), url_for("inbox.index", _anchor="x"),
        url_for("auth.language", lang="en", next="/kasus?x=1"))).replace("&", "&amp;")


def test_kept_urls_are_what_url_for_builds_under_each_url_root(app: Flask) -> None:
    assert app.jinja_env.globals["url_for"] is template_urls.template_url_for
    template = app.jinja_env.from_string(LINKS)
    seen = set()
    for _ in range(2):  # the second round from what the first kept
        for root in ("", "/alur", ""):  # nginx may mount the app under a prefix
            with app.test_request_context("/kotak-masuk", base_url=f"http://localhost{root}/"):
                printed, expected = template.render(), _expected()
                assert printed == expected, root
                seen.add(printed)
    assert len(seen) == 2
    assert "hal=1|" in printed and "hal=True|" in printed  # True and 1: equal keys, different URLs


def test_flasks_url_for_stays_where_urls_have_defaults() -> None:
    app = Flask(__name__)
    app.url_defaults(lambda endpoint, values: values.setdefault("lang", "id"))
    template_urls.register(app)
    assert app.jinja_env.globals["url_for"] is not template_urls.template_url_for


def test_kept_url_for_is_url_for_kept_where_the_app_allows(app: Flask) -> None:
    """The rows' URL patterns (web.formatting) come from the templates' kept URLs, or from url_for."""
    for root in ("", "/alur"):
        with app.test_request_context("/kotak-masuk", base_url=f"http://localhost{root}/"):
            assert template_urls.kept_url_for("tasks.show", task_id=987654321) == url_for("tasks.show",
                                                                                          task_id=987654321)
    kept = app.extensions[template_urls.EXTENSION]
    assert any(key[1] == "tasks.show" for key in kept)
    plain = Flask(__name__)
    plain.add_url_rule("/tugas/<task_id>", "tasks.show")
    with plain.test_request_context("/"):
        assert template_urls.kept_url_for("tasks.show", task_id="a") == "/tugas/a"
