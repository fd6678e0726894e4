"""A small vocabulary for writing the task forms (JSON Schema draft 2020-12, Alur conventions).

Each helper returns ``(name, schema, required)``; :func:`form` assembles them in display order.
Conditional requirements (``C`` in domain.md §4.6) become ``allOf`` / ``if`` / ``then`` clauses.
"""
from __future__ import annotations

from typing import Any

SCHEMA_URI = "https://json-schema.org/draft/2020-12/schema"
ACCEPT = [".pdf", ".docx", ".xlsx", ".jpg", ".png"]

Field = tuple[str, dict[str, Any], bool]


def _f(name: str, schema: dict[str, Any], req: bool, desc: str | None) -> Field:
    if desc:
        schema["description"] = desc
    return name, schema, req


def text(name: str, title: str, req: bool = True, desc: str | None = None, fmt: str | None = None,
         search: str | None = None) -> Field:
    """``search``: "opd" or "nomor", what the field is for the case search (engine.runtime.search_terms)."""
    schema: dict[str, Any] = {"type": "string", "title": title}
    if fmt:
        schema["format"] = fmt
    if search:
        schema["x-search"] = search
    if req and not fmt:
        schema["minLength"] = 1
    return _f(name, schema, req, desc)


def opd(name: str, title: str) -> Field:
    """The requesting unit's name: filled from the chosen unit when a registrar registers a letter, and
    the unit the case search's OPD filter compares (engine.runtime.search_terms)."""
    name, schema, req = text(name, title, search="opd")
    schema["x-opd"] = True
    return name, schema, req


def sifat_surat() -> Field:
    """The letter's classification; rahasia and sangat rahasia limit who reads the case."""
    return enum("sifat_surat", "Sifat surat", ["biasa", "terbatas", "rahasia", "sangat rahasia"], req=False,
                radio=True, desc="Rahasia atau sangat rahasia: kasus hanya dapat dibaca pesertanya, atasannya "
                                 "dan auditor.")


def area(name: str, title: str, req: bool = True, desc: str | None = None) -> Field:
    schema: dict[str, Any] = {"type": "string", "title": title, "x-widget": "textarea"}
    if req:
        schema["minLength"] = 1
    return _f(name, schema, req, desc)


def date(name: str, title: str, req: bool = True, desc: str | None = None) -> Field:
    return _f(name, {"type": "string", "title": title, "format": "date"}, req, desc)


def dt(name: str, title: str, req: bool = True, desc: str | None = None) -> Field:
    return _f(name, {"type": "string", "title": title, "format": "date-time"}, req, desc)


def email(name: str, title: str, req: bool = True, desc: str | None = None) -> Field:
    return _f(name, {"type": "string", "title": title, "format": "email"}, req, desc)


def url(name: str, title: str, req: bool = False, desc: str | None = None) -> Field:
    return _f(name, {"type": "string", "title": title, "format": "uri"}, req, desc)


def integer(name: str, title: str, req: bool = False, desc: str | None = None, minimum: int = 0) -> Field:
    return _f(name, {"type": "integer", "title": title, "minimum": minimum}, req, desc)


def number(name: str, title: str, req: bool = False, desc: str | None = None,
           minimum: float | None = None, maximum: float | None = None) -> Field:
    schema: dict[str, Any] = {"type": "number", "title": title}
    if minimum is not None:
        schema["minimum"] = minimum
    if maximum is not None:
        schema["maximum"] = maximum
    return _f(name, schema, req, desc)


def boolean(name: str, title: str, req: bool = True, desc: str | None = None) -> Field:
    """A fact. Required, it is asked as Ya/Tidak (a checkbox cannot tell "no" from "not answered");
    optional, it is a checkbox. A checkbox that must be ticked is :func:`accept`."""
    schema: dict[str, Any] = {"type": "boolean", "title": title}
    if req:
        schema["x-widget"] = "yesno"
    return _f(name, schema, req, desc)


def yesno(name: str, title: str, desc: str | None = None) -> Field:
    """The decision field that drives a gateway: a required Ya/Tidak boolean."""
    return _f(name, {"type": "boolean", "title": title, "x-widget": "yesno"}, True, desc)


def accept(name: str, title: str, desc: str | None = None) -> Field:
    """A statement the user must accept (checkbox that has to be ticked)."""
    return _f(name, {"type": "boolean", "title": title, "const": True}, True, desc)


def enum(name: str, title: str, values: list[str], req: bool = True, labels: list[str] | None = None,
         desc: str | None = None, radio: bool = False) -> Field:
    schema: dict[str, Any] = {"type": "string", "title": title, "enum": list(values)}
    if labels:
        assert len(labels) == len(values), name
        schema["x-enum-labels"] = list(labels)
    if radio:
        schema["x-widget"] = "radio"
    return _f(name, schema, req, desc)


def multi(name: str, title: str, values: list[str], req: bool = True, labels: list[str] | None = None,
          desc: str | None = None) -> Field:
    items: dict[str, Any] = {"type": "string", "enum": list(values)}
    if labels:
        items["x-enum-labels"] = list(labels)
    schema: dict[str, Any] = {"type": "array", "title": title, "items": items, "uniqueItems": True,
                              "x-widget": "checkboxes"}
    if req:
        schema["minItems"] = 1
    return _f(name, schema, req, desc)


def user(name: str, title: str, role: str, req: bool = True, desc: str | None = None,
         differs_from: str | None = None) -> Field:
    """A person picker: active holders of ``role``; ``differs_from`` names a picker that must name someone else."""
    return _f(name, {"type": "string", "title": title, "x-widget": "user", "x-role": role,
                     **({"minLength": 1} if req else {}),
                     **({"x-differs-from": differs_from} if differs_from else {})}, req, desc)


def server(name: str, title: str, req: bool = True, desc: str | None = None) -> Field:
    """A server of the asset register, picked by its asset number (``engine.registers``): never re-typed."""
    return _f(name, {"type": "string", "title": title, "x-widget": "server", **({"minLength": 1} if req else {})},
              req, desc)


def doc(name: str, title: str, req: bool = True, desc: str | None = None) -> Field:
    return _f(name, {"type": "string", "title": title, "format": "alur-dokumen", "x-widget": "file",
                     "x-accept": list(ACCEPT)}, req, desc)


def table(name: str, title: str, columns: list[Field], req: bool = True, desc: str | None = None,
          min_items: int = 1) -> Field:
    assert len(columns) <= 8, f"{name}: at most 8 columns"
    props = {n: s for n, s, _ in columns}
    items = {"type": "object", "properties": props,
             "required": [n for n, _, r in columns if r], "additionalProperties": False}
    schema: dict[str, Any] = {"type": "array", "title": title, "x-widget": "table", "items": items}
    if req:
        schema["minItems"] = min_items
    return _f(name, schema, req, desc)


def review_table(name: str, title: str, columns: list[Field]) -> Field:
    """The review of the whole server asset register: one row per server, shown filled from the register;
    the engine refuses a review that leaves a server out (``x-register-review``)."""
    name, schema, req = table(name, title, columns)
    schema["x-register-review"] = True
    return name, schema, req


def catatan() -> Field:
    return area("catatan", "Catatan", req=False, desc="Catatan bebas (kolom Keterangan SOP).")


# --- conditional requirements -------------------------------------------------------------

def when(field: str, value: Any, then_required: list[str]) -> dict[str, Any]:
    """``then_required`` become required when ``field`` equals ``value`` (or is one of a list)."""
    cond = {"enum": list(value)} if isinstance(value, (list, tuple)) else {"const": value}
    return {"if": {"properties": {field: cond}, "required": [field]},
            "then": {"required": list(then_required)}}


def when_row(table_field: str, column: str, value: Any, then_required: list[str]) -> dict[str, Any]:
    """Required when some row of ``table_field`` has ``column == value``."""
    return {"if": {"properties": {table_field: {"contains": {
                "properties": {column: {"const": value}}, "required": [column]}}},
                   "required": [table_field]},
            "then": {"required": list(then_required)}}


def form(title: str, fields: list[Field], conditions: list[dict[str, Any]] | None = None,
         description: str | None = None) -> dict[str, Any]:
    names = [n for n, _, _ in fields]
    assert len(names) == len(set(names)), f"duplicate field in {title}: {names}"
    schema: dict[str, Any] = {"$schema": SCHEMA_URI, "title": title}
    if description:
        schema["description"] = description
    schema["type"] = "object"
    schema["properties"] = {n: s for n, s, _ in fields}
    schema["required"] = [n for n, _, r in fields if r]
    schema["additionalProperties"] = False
    if conditions:
        for cond in conditions:
            for name in cond["then"].get("required", []):
                assert name in schema["properties"], (title, name)
            for name in cond["if"].get("properties", {}):
                assert name in schema["properties"], (title, name)
        schema["allOf"] = conditions
    return schema
