"""The controls of the long lists (inbox, cases, audit log): sortable column headers, the pager and
the search form's fields.

They were Jinja macros (templates/macros/ui.html): a macro call costs a page a new template context
and its arguments' bookkeeping, and the inbox called five, about 0.4 ms of its page. Each function
gives the very text its macro printed (tests/web/test_list_controls.py renders the macros beside them);
translations are trusted as markup, as the templates' ``_()`` trusts them.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Any, Iterable, Mapping

from babel.support import NullTranslations
from flask import Flask
from markupsafe import Markup, escape

from web.formatting import request_language, url_with
from web.model_texts import process_title


def sort_header(label: Any, key: str, sort: str) -> Markup:
    """A sortable column header: a link (keyboard-reachable) that sorts by ``key``, ascending first, and
    the other way when it already sorts so; ``aria-sort`` tells screen readers the current order."""
    current = sort.lstrip("-") == key
    url = url_with(urut=("-" + key) if current and not sort.startswith("-") else key, hal=None)
    return _sort_header(str(escape(label)), key, sort, url, request_language().translations)


@lru_cache(maxsize=1024)
def _sort_header(label: str, key: str, sort: str, url: str, translations: NullTranslations) -> Markup:
    # A pure function of its arguments (``label`` escaped): a list prints the same headers on every request.
    current = sort.lstrip("-") == key
    descending = sort.startswith("-")
    order = f' aria-sort="{"descending" if descending else "ascending"}"' if current else ""
    arrow = ("▼" if descending else "▲") if current else "↕"
    gettext = translations.ugettext
    hint = gettext("(urutkan menurun)") if current and not descending else gettext("(urutkan menaik)")
    return Markup(f'<th scope="col"{order}>\n    <a class="sort-link" href="{escape(url)}">{label}\n'
                  f'      <span aria-hidden="true">{arrow}</span>\n'
                  f'      <span class="sr-only">{hint}</span></a>\n  </th>')


def pager(page: Any) -> Markup:
    """Links to the previous and next page; a capped total ("1000+") may go on past its last counted
    page while pages are full."""
    more = page.page < page.pages or (page.capped and len(page.items) == page.per_page)
    if not (page.pages > 1 or more):
        return Markup("\n  \n  ")  # the macro's line breaks around what it did not print
    return _pager(page.page, str(page.pages) + ("+" if page.capped else ""),
                  url_with(hal=page.page - 1) if page.page > 1 else None, url_with(hal=page.page + 1) if more else None,
                  request_language().translations)


@lru_cache(maxsize=1024)
def _pager(number: int, pages: str, previous_url: str | None, next_url: str | None,
           translations: NullTranslations) -> Markup:
    # A pure function of its arguments, like _sort_header.
    gettext = translations.ugettext
    previous = (f'<a class="btn btn-small" href="{escape(previous_url)}" rel="prev">‹ '
                f'{gettext("Sebelumnya")}</a>' if previous_url is not None else "")
    where = Markup(gettext("Halaman %(page)d dari %(pages)s")) % {"page": number, "pages": pages}
    following = (f'<a class="btn btn-small" href="{escape(next_url)}" rel="next">'
                 f'{gettext("Berikutnya")} ›</a>' if next_url is not None else "")
    # the macro's line breaks: after its comment, after its "set", inside its "if"
    return Markup(f'\n  \n  \n  <nav class="pager" aria-label="{gettext("Halaman")}">\n    {previous}\n'
                  f'    <span>{where}</span>\n    {following}\n  </nav>\n  ')


def search_fields(args: Mapping[str, Any], processes: Iterable[Any], date_label: Any) -> Markup:
    """The search form's fields shared by the inbox and the case list; ``args`` are the page's parameters."""
    def value(name: str) -> Markup:
        return escape(args.get(name, ""))

    gettext = request_language().translations.ugettext  # the request's catalogue looked up once, not 12 times
    chosen = args.get("proses")
    options = "".join(f'<option value="{escape(p.process_key)}"{" selected" if p.process_key == chosen else ""}>'
                      f'{escape(process_title(p, True))}</option>' for p in processes)
    sort = args.get("urut")
    return Markup(
        f'<div class="search-field"><label for="s-q">{gettext("Kata")}</label>\n'
        f'    <input id="s-q" name="q" type="search" maxlength="200" value="{value("q")}" '
        f'placeholder="{gettext("kata dalam isian langkah")}"></div>\n'
        f'  <div class="search-field"><label for="s-nomor">{gettext("Nomor surat/kunci")}</label>\n'
        f'    <input id="s-nomor" name="nomor" maxlength="200" value="{value("nomor")}" placeholder="045/123/…"\n'
        f'      title="{gettext("Awal kunci bisnis atau nomor surat; hanya huruf dan angka yang dibandingkan")}">'
        f'</div>\n'
        f'  <div class="search-field"><label for="s-opd">{gettext("OPD")}</label>\n'
        f'    <input id="s-opd" name="opd" maxlength="200" value="{value("opd")}"></div>\n'
        f'  <div class="search-field"><label for="s-pelaksana">{gettext("Pelaksana")}</label>\n'
        f'    <input id="s-pelaksana" name="pelaksana" maxlength="100" value="{value("pelaksana")}" '
        f'placeholder="{gettext("nama pengguna")}"\n'
        f'      title="{gettext("Pengguna yang memulai kasus atau menyelesaikan salah satu langkahnya")}"></div>\n'
        f'  <div class="search-field"><label for="s-proses">{gettext("SOP")}</label>\n'
        f'    <select id="s-proses" name="proses"><option value="">{gettext("Semua SOP")}</option>\n'
        f'      {options}\n'
        f'    </select></div>\n'
        f'  <div class="search-field"><label for="s-dari">{escape(date_label)} {gettext("dari")}</label>\n'
        f'    <input id="s-dari" name="dari" type="date" value="{value("dari")}"></div>\n'
        f'  <div class="search-field"><label for="s-sampai">{gettext("sampai")}</label>\n'
        f'    <input id="s-sampai" name="sampai" type="date" value="{value("sampai")}"></div>\n'
        f'  ' + (f'<input type="hidden" name="urut" value="{escape(args["urut"])}">' if sort else ""))


def register(app: Flask) -> None:
    app.jinja_env.globals.update(sort_header=sort_header, pager=pager, search_fields=search_fields)
