"""Texts of the BPMN models in the reader's language: process and step names, mutu baku, gateway questions,
flow labels (engine.modeling.english says how a model carries them).

In English a text shows its English where the process's latest version has one written for that very
Indonesian text; otherwise the Indonesian text stays, marked ``lang="id"`` with a visible "ID" tag
(``class="untranslated"``), never passed off as English. ``plain`` texts (a page title, an attribute) get
no mark: there HTML would show as text.
"""
from __future__ import annotations

from typing import Any

from flask import Flask, g
from markupsafe import Markup

from engine import ModelEnglish
from web.current import current_alur
from web.formatting import language_code

_UNTRANSLATED = Markup('<span lang="id" class="untranslated">{}</span>')


def _english_of(process_key: str) -> ModelEnglish | None:
    """The process's English texts, read once per request."""
    namespace = g._get_current_object()
    known: dict[str, ModelEnglish] | None = getattr(namespace, "alur_model_english", None)
    if known is None:
        known = namespace.alur_model_english = current_alur().catalog.english()
    return known.get(process_key)


def english_page() -> bool:
    return language_code() == "en"


def model_text(process_key: str | None, element_id: str | None, indonesian: Any, text: str = "name",
               plain: bool = False, english: bool | None = None) -> Markup | str:
    """``element_id``'s ``text`` ("name", "documentation", "kelengkapan", "waktu", "output", ...) of
    ``process_key`` in the reader's language; ``indonesian`` is the text as the model writes it.
    ``english``: whether the page is English, when the caller knows (else looked up)."""
    words = "" if indonesian is None else str(indonesian)
    if not words or not (english_page() if english is None else english):
        return words
    texts = _english_of(process_key) if process_key and element_id else None
    found = texts.of(element_id, text, words) if texts is not None and element_id else None
    if found:
        return found
    return words if plain else _UNTRANSLATED.format(words)


def step_name(task: Any, plain: bool = False, english: bool | None = None) -> Markup | str:
    """A task's (or a step's) name; ``task`` has ``process_key``, ``element_id`` and ``name``."""
    return model_text(task.process_key, task.element_id, task.name, plain=plain, english=english)


def process_title(process: Any, plain: bool = False, english: bool | None = None) -> Markup | str:
    """A process's name; ``process`` has ``process_key`` and ``process_name`` (a case, a task) or ``name``."""
    name = getattr(process, "process_name", None) or getattr(process, "name", "")
    return model_text(process.process_key, process.process_key, name, plain=plain, english=english)


def register(app: Flask) -> None:
    app.jinja_env.filters.update(step_name=step_name, process_title=process_title)
    app.jinja_env.globals.update(model_text=model_text)
