"""The English catalogue covers every message of the web layer, and the committed .mo matches the .po."""
from __future__ import annotations

from pathlib import Path

from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

WEB = Path(__file__).resolve().parents[2] / "web"
CATALOGUE = WEB / "translations" / "en" / "LC_MESSAGES"


def _messages(catalog) -> dict:
    def key(value):  # plural forms come as tuples from .po and as lists from .mo
        return tuple(value) if isinstance(value, (list, tuple)) else value
    return {key(m.id): key(m.string) for m in catalog if m.id}


def test_every_message_is_translated():
    keywords = {**DEFAULT_KEYWORDS, "lazy_gettext": None}
    method_map = [("**.py", "python"), ("templates/**.html", "jinja2")]
    found = {msg[2] for msg in extract_from_dir(WEB, method_map, keywords=keywords)}
    with (CATALOGUE / "messages.po").open("rb") as handle:
        translated = _messages(read_po(handle))
    missing = sorted(str(m) for m in found if not translated.get(m))
    assert not missing, f"untranslated (run `make translations`): {missing}"


def test_compiled_catalogue_is_up_to_date():
    with (CATALOGUE / "messages.po").open("rb") as po, (CATALOGUE / "messages.mo").open("rb") as mo:
        source, compiled = _messages(read_po(po)), _messages(read_mo(mo))
    assert source == compiled, "web/translations: run `make translations` to recompile messages.mo"
