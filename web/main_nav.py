"""The main menu of every page (templates/nav.html), rendered once per language, page and menu rights.

The menu is the same for everyone who reads the same page in the same language with the same rights,
yet it cost about 0.1 ms a page: a dozen ``url_for`` and translations. It holds nothing per request or
per person (no CSRF token, no name, no count): those stay in base.html.
"""
from __future__ import annotations

from typing import Any

from flask import Flask, current_app, request
from flask_login import current_user
from markupsafe import Markup

from web.formatting import language_code

EXTENSION = "alur_main_nav"
KEPT = 1024  # menus kept per app: languages x pages x rights, far fewer in practice


def main_nav(**rights: bool) -> Markup:
    """The menu for this request's page, language and URL root, with the menus ``rights`` allow
    (``nav_modeler`` …, from the user context) and the admin's."""
    current = request._get_current_object()  # type: ignore[attr-defined]  # a LocalProxy's: one context lookup
    values: dict[str, Any] = {**rights, "section": current.blueprint, "endpoint": current.endpoint,
                              "is_admin": current_user.is_admin}
    key = (language_code(), current.script_root, *sorted(values.items()))
    kept: dict[tuple[Any, ...], Markup] = current_app.extensions[EXTENSION]
    menu = kept.get(key)
    if menu is None:
        if len(kept) >= KEPT:
            kept.clear()
        menu = kept[key] = Markup(current_app.jinja_env.get_template("nav.html").render(values))
    return menu


def register(app: Flask) -> None:
    app.extensions[EXTENSION] = {}
    app.jinja_env.globals["main_nav"] = main_nav
