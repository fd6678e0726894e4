"""``url_for`` in templates, each URL built once per app and URL root.

A page prints a dozen links through ``url_for`` (the menu's are kept with the menu, web/main_nav.py),
several µs each through Werkzeug's router, though the same endpoint and arguments always give the
same URL: the app has no URL defaults, no build error handlers and no host or subdomain matching
(``register`` keeps Flask's ``url_for`` otherwise), and template links are relative, so a URL depends
on nothing but its root (``SCRIPT_NAME``, which nginx may set per request). Anything else (an
external or anchored link, a blueprint-relative endpoint, an argument that cannot be a key) goes to
``url_for`` as before.
"""
from __future__ import annotations

from typing import Any

from flask import Flask, current_app, has_request_context, request, url_for

EXTENSION = "alur_template_urls"
_OPTIONS = frozenset({"_anchor", "_method", "_scheme", "_external"})  # url_for's own arguments, not the URL's
KEPT = 4096  # URLs kept per app; the language links carry the page's path, so a busy app cycles them


def template_url_for(endpoint: str, **values: Any) -> str:
    if endpoint[:1] == "." or not has_request_context():
        return url_for(endpoint, **values)
    if values:
        if not _OPTIONS.isdisjoint(values):
            return url_for(endpoint, **values)
        # The type with each value: True and 1 are equal keys, yet print as "True" and "1". (Unsorted: a
        # template passes its arguments in one order, and another order only keeps the same URL twice.)
        key: tuple[Any, ...] = (request.script_root, endpoint,
                                *[(name, type(value), value) for name, value in values.items()])
    else:  # half a page's links
        key = (request.script_root, endpoint)
    kept: dict[tuple[Any, ...], str] = current_app.extensions[EXTENSION]
    try:
        url = kept.get(key)
    except TypeError:  # an unhashable argument (a list)
        return url_for(endpoint, **values)
    if url is None:
        if len(kept) >= KEPT:
            kept.clear()
        url = kept[key] = url_for(endpoint, **values)
    return url


def kept_url_for(endpoint: str, **values: Any) -> str:
    """``url_for``, kept as templates' is where the app allows it (see ``register``)."""
    if EXTENSION not in current_app.extensions:
        return url_for(endpoint, **values)
    return template_url_for(endpoint, **values)


def register(app: Flask) -> None:
    """Templates' ``url_for`` kept per URL; after every blueprint is registered (their URL defaults)."""
    if any(app.url_default_functions.values()) or app.url_build_error_handlers or app.url_map.host_matching \
            or app.subdomain_matching or app.config.get("SERVER_NAME"):
        return
    app.extensions[EXTENSION] = {}
    app.jinja_env.globals["url_for"] = template_url_for
