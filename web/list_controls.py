"""The controls of the long lists (inbox, cases, audit log): sortable column headers and the pager.

They were Jinja macros (templates/macros/ui.html): a macro call costs a page a new template context
and its arguments' bookkeeping, and the inbox called four, about 0.3 ms of its page. Each function
gives the very text its macro printed (tests/web/test_list_controls.py renders the macros beside them);
translations are trusted as markup, as the templates' ``_()`` trusts them.
"""
from __future__ import annotations

from typing import Any

from flask import Flask
from markupsafe import Markup, escape

from web.formatting import gettext, url_with


def sort_header(label: Any, key: str, sort: str) -> Markup:
    """A sortable column header: a link (keyboard-reachable) that sorts by ``key``, ascending first, and
    the other way when it already sorts so; ``aria-sort`` tells screen readers the current order."""
    current = sort.lstrip("-") == key
    descending = sort.startswith("-")
    order = f' aria-sort="{"descending" if descending else "ascending"}"' if current else ""
    url = escape(url_with(urut=("-" + key) if current and not descending else key, hal=None))
    arrow = ("▼" if descending else "▲") if current else "↕"
    hint = gettext("(urutkan menurun)") if current and not descending else gettext("(urutkan menaik)")
    return Markup(f'<th scope="col"{order}>\n    <a class="sort-link" href="{url}">{escape(label)}\n'
                  f'      <span aria-hidden="true">{arrow}</span>\n'
                  f'      <span class="sr-only">{hint}</span></a>\n  </th>')


def pager(page: Any) -> Markup:
    """Links to the previous and next page; a capped total ("1000+") may go on past its last counted
    page while pages are full."""
    more = page.page < page.pages or (page.capped and len(page.items) == page.per_page)
    if not (page.pages > 1 or more):
        return Markup("\n  \n  ")  # the macro's line breaks around what it did not print
    previous = (f'<a class="btn btn-small" href="{escape(url_with(hal=page.page - 1))}" rel="prev">‹ '
                f'{gettext("Sebelumnya")}</a>' if page.page > 1 else "")
    where = Markup(gettext("Halaman %(page)d dari %(pages)s")) % {
        "page": page.page, "pages": str(page.pages) + ("+" if page.capped else "")}
    following = (f'<a class="btn btn-small" href="{escape(url_with(hal=page.page + 1))}" rel="next">'
                 f'{gettext("Berikutnya")} ›</a>' if more else "")
    # the macro's line breaks: after its comment, after its "set", inside its "if"
    return Markup(f'\n  \n  \n  <nav class="pager" aria-label="{gettext("Halaman")}">\n    {previous}\n'
                  f'    <span>{where}</span>\n    {following}\n  </nav>\n  ')


def register(app: Flask) -> None:
    app.jinja_env.globals.update(sort_header=sort_header, pager=pager)
