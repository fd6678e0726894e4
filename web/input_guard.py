"""Request input Alur can store and compare, refused at the door otherwise (never a 500 further in).

- Integers in routes and query strings fit the database's integer (``DB_INTEGER_MAX``): a larger case id
  in a route is a 404, a larger ``?hal=`` is treated like any non-number (the default).
- A JSON body is at most ``MAX_JSON_DEPTH`` deep (deeper nesting exhausts Python's recursion while
  parsing) and ``MAX_JSON_BYTES`` long.
- Text holds no NUL (PostgreSQL refuses it in a string) and no lone surrogate (UTF-8 cannot encode
  it: the audit hash and every database would fail), in JSON, forms, query strings and routes' text
  segments (an SOP key, a username, a task id) alike.
Refusals are ``InvalidInput``: 422 with the code ``invalid_input`` in the API, a page in the UI.
"""
from __future__ import annotations

import math
import re
from typing import Any

from flask import Flask, Request, request
from flask_babel import gettext
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.routing import IntegerConverter, Map

from engine import DB_INTEGER_MAX as MAX_INT, InvalidInput

MAX_JSON_DEPTH = 64
MAX_JSON_BYTES = 2 * 1024 * 1024
_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKET = re.compile(rb"[\[\]{}]")
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


class BoundedInt(IntegerConverter):
    """``<int:…>`` that matches only what the database can hold: a larger id is simply not found."""

    def __init__(self, url_map: Map, fixed_digits: int = 0, min: int | None = None, max: int | None = MAX_INT,
                 signed: bool = False) -> None:
        super().__init__(url_map, fixed_digits, min, max, signed)


class BoundedParams(ImmutableMultiDict):  # type: ignore[type-arg]
    """Query and form values: ``get(…, type=int)`` outside the database's range gives the default, as a
    value that is not a number does."""

    def get(self, key: Any, default: Any = None, type: Any = None) -> Any:  # type: ignore[override]
        value = super().get(key, default, type)
        if type is int and isinstance(value, int) and value is not default and not -MAX_INT <= value <= MAX_INT:
            return default
        return value

    def getlist(self, key: Any, type: Any = None) -> list[Any]:
        values = super().getlist(key, type)
        if type is int:
            return [v for v in values if -MAX_INT <= v <= MAX_INT]
        return values


class GuardedRequest(Request):
    parameter_storage_class = BoundedParams

    def get_json(self, force: bool = False, silent: bool = False, cache: bool = True) -> Any:
        if force or self.is_json:
            check_json_text(self.get_data(cache=True))
        value = super().get_json(force=force, silent=silent, cache=cache)
        check_storable(value)
        return value


def check_json_text(data: bytes) -> None:
    """:raises InvalidInput: longer than MAX_JSON_BYTES or nested deeper than MAX_JSON_DEPTH"""
    if len(data) > MAX_JSON_BYTES:
        raise InvalidInput(gettext("Isi JSON paling banyak %(size)s MB.", size=MAX_JSON_BYTES // (1024 * 1024)))
    if data.count(b"[") + data.count(b"{") <= MAX_JSON_DEPTH:
        return  # nested no deeper than it has openers: most bodies, and counting costs a tenth of the scan
    depth = deepest = 0
    for match in _BRACKET.finditer(_STRING.sub(b'""', data)):
        depth += 1 if match.group() in (b"[", b"{") else -1
        deepest = max(deepest, depth)
        if deepest > MAX_JSON_DEPTH:
            raise InvalidInput(gettext("Isi JSON bersarang paling dalam %(depth)s tingkat.", depth=MAX_JSON_DEPTH))


def check_storable(value: Any, where: str = "") -> None:
    """:raises InvalidInput: a NUL or a lone surrogate in a string or a key, or a number that is not finite
    (NaN, Infinity, or too large, which Python's JSON reader takes but JSON has no such numbers), anywhere
    in ``value``"""
    stack = [(value, where)]
    while stack:
        item, path = stack.pop()
        if isinstance(item, str):
            _check_text(item, path)
        elif isinstance(item, float):
            if not math.isfinite(item):
                context = {"field": path} if path and not _UNSTORABLE.search(path) else {}
                raise InvalidInput(gettext("Angka harus terhingga: NaN dan Infinity tidak diterima."), **context)
        elif isinstance(item, dict):
            for key, inner in item.items():
                _check_text(str(key), path)
                stack.append((inner, f"{path}.{key}" if path else str(key)))
        elif isinstance(item, list):
            stack.extend((inner, f"{path}[{n}]") for n, inner in enumerate(item))


def _check_text(text: str | None, field: str | None) -> None:
    """:raises InvalidInput: NUL or a lone surrogate (a multipart part without a name has None for it)"""
    if text is not None and _UNSTORABLE.search(text):
        context: dict[str, str] = {"field": field} if field and not _UNSTORABLE.search(field) else {}
        raise InvalidInput(gettext("Teks memuat karakter yang tidak dapat disimpan (NUL atau surrogate)."),
                           **context)


# The bodies werkzeug parses into ``request.form`` and ``request.files``; any other body (JSON) leaves
# both empty, so a JSON request skips building them.
_FORM_BODIES = frozenset({"multipart/form-data", "application/x-www-form-urlencoded"})


def _refuse_unstorable_parameters() -> None:
    for key, value in (request.view_args or {}).items():  # a route's segments are looked up as they are
        if isinstance(value, str):
            _check_text(value, key)
    form_body = request.mimetype in _FORM_BODIES
    # without a query string there are no ``request.args`` to build and check (an API call's usual case)
    sources = (request.args,) if request.environ.get("QUERY_STRING") else ()
    for source in (*sources, request.form) if form_body else sources:
        for key, value in source.items(multi=True):
            _check_text(key, key)
            _check_text(value, key)
    if form_body:
        for key, upload in request.files.items(multi=True):  # a file's name is stored with the document
            _check_text(key, key)
            _check_text(upload.filename, key)


def register(app: Flask) -> None:
    """Install the guards; before any blueprint is registered (routes bind their converters then)."""
    app.request_class = GuardedRequest
    app.url_map.converters["int"] = BoundedInt
    app.before_request(_refuse_unstorable_parameters)
