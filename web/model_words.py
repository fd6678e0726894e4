"""Texts of the models in the reader's language: a form's title, its fields' titles, hints and choice labels.

Forms are written in Indonesian; a property may carry its English text in ``x-en``
(``{"title": …, "description": …, "enum-labels": […]}``, the schema itself ``{"title": …}``). In English the
schema is shown with those texts; a text without one stays Indonesian, and the property lists it under
``x-untranslated`` so the page marks it (``lang="id"``, a visible "ID" tag) instead of passing it off as English.
"""
from __future__ import annotations

from functools import lru_cache
import json
from typing import Any

ENGLISH = "x-en"
UNTRANSLATED = "x-untranslated"
_TEXTS = (("title", "title"), ("description", "description"), ("x-enum-labels", "enum-labels"))


def localized_schema(schema: dict[str, Any], language: str) -> dict[str, Any]:
    """``schema`` with its texts in ``language`` where the form has them (the same object in Indonesian)."""
    if language != "en":
        return schema
    return _english(json.dumps(schema))


@lru_cache(maxsize=256)
def _english(schema_json: str) -> dict[str, Any]:
    # cached by content: every task page renders its form and the earlier steps' forms
    return _localize(json.loads(schema_json))


def _localize(prop: dict[str, Any]) -> dict[str, Any]:
    english = prop.get(ENGLISH) or {}
    out = dict(prop)
    missing = []
    for key, english_key in _TEXTS:
        if key in prop:
            if english.get(english_key):
                out[key] = english[english_key]
            else:
                missing.append(key)
    if english.get("enum-labels") and "enum" in prop and "x-enum-labels" not in prop:
        out["x-enum-labels"] = english["enum-labels"]
    if missing:
        out[UNTRANSLATED] = missing
    if isinstance(prop.get("properties"), dict):
        out["properties"] = {name: _localize(sub) for name, sub in prop["properties"].items()}
    if isinstance(prop.get("items"), dict):
        out["items"] = _localize(prop["items"])
    return out


def untranslated(prop: dict[str, Any], key: str = "title") -> bool:
    """Whether ``prop``'s ``key`` text is shown in Indonesian on an English page."""
    return key in (prop.get(UNTRANSLATED) or ())
