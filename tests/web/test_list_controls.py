"""web/list_controls.py prints what the macros it replaced printed (templates/macros/ui.html before)."""
from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from flask import Flask, session

# The macros as they were (line breaks added inside tags, where they print nothing).
MACROS = """{% macro pager(page) -%}
  {# a capped total ("1000+") may go on past its last counted page while pages are full #}
  {% set more = page.page < page.pages or (page.capped and page.items|length == page.per_page) %}
  {% if page.pages > 1 or more %}
  <nav class="pager" aria-label="{{ _('Halaman') }}">
    {% if page.page > 1 %}<a class="btn btn-small" href="{{ url_with(hal=page.page - 1) }}" rel="prev">‹ {{
    _('Sebelumnya') }}</a>{% endif %}
    <span>{{ _('Halaman %(page)d dari %(pages)s', page=page.page,
    pages=(page.pages|string) ~ ('+' if page.capped else '')) }}</span>
    {% if more %}<a class="btn btn-small" href="{{ url_with(hal=page.page + 1) }}" rel="next">{{
    _('Berikutnya') }} ›</a>{% endif %}
  </nav>
  {% endif %}
{%- endmacro %}

{% macro sort_header(label, key, sort) -%}
  {%- set current = sort.lstrip('-') == key -%}
  {%- set descending = sort.startswith('-') -%}
  <th scope="col"{% if current %} aria-sort="{{ 'descending' if descending else 'ascending' }}"{% endif %}>
    <a class="sort-link" href="{{ url_with(urut=('-' ~ key) if current and not descending else key,
    hal=None) }}">{{ label }}
      <span aria-hidden="true">{% if current %}{{ '▼' if descending else '▲' }}{% else %}↕{% endif %}</span>
      <span class="sr-only">{% if current and not descending %}{{ _('(urutkan menurun)') }}{% else %}{{
      _('(urutkan menaik)') }}{% endif %}</span></a>
  </th>
{%- endmacro %}

{% macro search_fields(args, processes, date_label) -%}
  <div class="search-field"><label for="s-q">{{ _('Kata') }}</label>
    <input id="s-q" name="q" type="search" maxlength="200" value="{{ args.get('q', '')
    }}" placeholder="{{ _('kata dalam isian langkah') }}"></div>
  <div class="search-field"><label for="s-nomor">{{ _('Nomor surat/kunci') }}</label>
    <input id="s-nomor" name="nomor" maxlength="200" value="{{ args.get('nomor', '') }}" placeholder="045/123/…"
      title="{{ _('Awal kunci bisnis atau nomor surat; hanya huruf dan angka yang dibandingkan')
      }}"></div>
  <div class="search-field"><label for="s-opd">{{ _('OPD') }}</label>
    <input id="s-opd" name="opd" maxlength="200" value="{{ args.get('opd', '') }}"></div>
  <div class="search-field"><label for="s-pelaksana">{{ _('Pelaksana') }}</label>
    <input id="s-pelaksana" name="pelaksana" maxlength="100" value="{{
    args.get('pelaksana', '') }}" placeholder="{{ _('nama pengguna') }}"
      title="{{ _('Pengguna yang memulai kasus atau menyelesaikan salah satu langkahnya')
      }}"></div>
  <div class="search-field"><label for="s-proses">{{ _('SOP') }}</label>
    <select id="s-proses" name="proses"><option value="">{{ _('Semua SOP') }}</option>
      {% for p in processes %}<option value="{{ p.process_key }}"{% if p.process_key == args.get('proses')
      %} selected{% endif %}>{{ p|process_title(True) }}</option>{% endfor %}
    </select></div>
  <div class="search-field"><label for="s-dari">{{ date_label }} {{ _('dari') }}</label>
    <input id="s-dari" name="dari" type="date" value="{{ args.get('dari', '') }}"></div>
  <div class="search-field"><label for="s-sampai">{{ _('sampai') }}</label>
    <input id="s-sampai" name="sampai" type="date" value="{{ args.get('sampai', '') }}"></div>
  {% if args.get('urut') %}<input type="hidden" name="urut" value="{{ args['urut'] }}">{% endif %}
{%- endmacro %}
"""

PAGES = [  # page, pages, capped, items on the page, per page
    (1, 1, False, 3, 25), (1, 4, False, 25, 25), (2, 4, False, 25, 25), (4, 4, False, 7, 25),
    (40, 40, True, 25, 25), (41, 40, True, 25, 25), (41, 40, True, 3, 25), (1, 0, False, 0, 25),
]
QUERIES = ["", "?urut=due", "?urut=-due", "?urut=case&hal=3", "?q=a%26b%22%3C&urut=-created&hal=2",
           "?tab=mine&proses=x&urut=created"]


@pytest.mark.parametrize("lang", ["id", "en"])
def test_the_functions_print_what_the_macros_printed(app: Flask, lang: str) -> None:
    macros = app.jinja_env.from_string(MACROS).module
    calls = app.jinja_env.from_string("{{ sort_header(label, key, sort) }}|{{ pager(page) }}")
    checked = 0
    for query in QUERIES:
        with app.test_request_context("/kotak-masuk" + query):
            session["lang"] = lang
            for page, pages, capped, items, per_page in PAGES:
                listed = SimpleNamespace(page=page, pages=pages, capped=capped, items=[None] * items,
                                         per_page=per_page)
                for label in ("Kasus", "<b>&", _markup("Batas <i>waktu</i>")):
                    for key in ("due", "case", "created"):
                        for sort in ("due", "-due", "case", "-created", "created"):
                            expected = (str(macros.sort_header(label, key, sort)) + "|"  # type: ignore[attr-defined]
                                        + str(macros.pager(listed)))  # type: ignore[attr-defined]
                            got = calls.render(label=label, key=key, sort=sort, page=listed)
                            assert got == expected, (query, page, pages, label, key, sort)
                            checked += 1
    assert checked == len(QUERIES) * len(PAGES) * 3 * 3 * 5


def _markup(text: str) -> Any:
    from markupsafe import Markup
    return Markup(text)


SEARCHES = [{}, {"q": "kata", "urut": "-due"}, {"q": 'a<b>&"c\'', "nomor": "045/1", "opd": "DINKES", "pelaksana": "x",
             "proses": "sop_gangguan_jaringan", "dari": "2026-01-01", "sampai": "2026-02-01"},
            {"proses": "nope", "urut": ""}]


@pytest.mark.parametrize("lang", ["id", "en"])
def test_the_search_fields_are_the_macros(app: Flask, lang: str) -> None:
    macros = app.jinja_env.from_string(MACROS).module
    calls = app.jinja_env.from_string("{{ search_fields(args, processes, label) }}")
    processes = list(app.extensions["alur"].catalog.processes("admin_sistem"))
    assert processes
    for args in SEARCHES:
        for listed in (processes, []):
            for label in ("Dimulai <&>", _markup("Batas <i>waktu</i>")):
                with app.test_request_context("/kasus"):
                    session["lang"] = lang
                    expected = str(macros.search_fields(args, listed, label))  # type: ignore[attr-defined]
                    assert calls.render(args=args, processes=listed, label=label) == expected, (args, label)
