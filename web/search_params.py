"""The search form's query parameters: Indonesian names in the pages' URLs, the engine's names in the API."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import gettext

from engine import MAX_SEARCH_TEXT as MAX_TEXT, MAX_SEARCH_WORDS as MAX_WORDS, InvalidSearch, Search, parse_search

# page parameter -> engine parameter (engine.reading.search.PARAMETERS)
PAGE_NAMES = {"q": "q", "nomor": "reference", "opd": "opd", "pelaksana": "performer", "proses": "process_key",
              "status": "state", "dari": "from", "sampai": "to", "urut": "sort"}
ENGINE_NAMES = {engine: page for page, engine in PAGE_NAMES.items()}


def page_search(args: Mapping[str, Any], kind: str) -> tuple[Search, InvalidSearch | None]:
    """The search a page's query asks for; on a bad parameter, no search and the error to show."""
    try:
        named = {PAGE_NAMES[k]: v for k, v in args.items() if k in PAGE_NAMES}
        return parse_search(named, kind), None  # type: ignore[arg-type]
    except InvalidSearch as error:
        return Search(), error


def page_args(search: Search) -> dict[str, str]:
    """A search as a page's query parameters (for links and saved filters)."""
    return {ENGINE_NAMES[k]: v for k, v in search.params().items()}


def error_text(error: InvalidSearch | None) -> str | None:
    """A refused search parameter, in the page's language."""
    if error is None:
        return None
    field = ENGINE_NAMES.get(error.context.get("field", ""), "")
    texts = {
        "invalid_date": gettext("Tanggal tidak sah: tulis TTTT-BB-HH (parameter '%(field)s').", field=field),
        "invalid_date_range": gettext("Tanggal akhir lebih awal dari tanggal mulai."),
        "unknown_sort": gettext("Kolom urutan tidak dikenal."),
        "unknown_state": gettext("Status tidak dikenal."),
        "search_too_long": gettext("Isian pencarian terlalu panjang (paling banyak %(chars)d karakter atau "
                                   "%(words)d kata).", chars=MAX_TEXT, words=MAX_WORDS),
        "invalid_performer": gettext("Nama pengguna pelaksana tidak sah."),
    }
    return texts.get(error.code, error.message)
