"""A case's business key (nomor surat, agenda or SRIKANDI number) as it may be stored and shown.

It appears in lists, page titles and e-mail subjects, so it is one line of printable text: runs of
whitespace (CR/LF included, which would inject e-mail headers) become one space; NUL and other control
characters, lone surrogates and values that are not text are refused rather than stored.
"""
from __future__ import annotations

import unicodedata
from typing import Any

from engine.errors import InvalidInput

MAX_BUSINESS_KEY_LENGTH = 200  # process_instance.business_key


def business_key(value: Any, label: str = "Nomor surat/kunci kasus", required: bool = False) -> str | None:
    """The key trimmed to one line, or None when empty and not ``required``.

    :raises InvalidInput: not text, control characters, too long, or empty when required
    """
    if value is None or value == "":
        text = ""
    elif not isinstance(value, str):
        raise InvalidInput(f"{label} harus berupa teks", field="business_key")
    else:
        text = " ".join(value.split())
    if not text:
        if required:
            raise InvalidInput(f"{label} wajib diisi (paling banyak {MAX_BUSINESS_KEY_LENGTH} karakter)",
                               field="business_key")
        return None
    if len(text) > MAX_BUSINESS_KEY_LENGTH:
        raise InvalidInput(f"{label} paling banyak {MAX_BUSINESS_KEY_LENGTH} karakter (ini {len(text)})",
                           field="business_key")
    if any(unicodedata.category(ch) in ("Cc", "Cs") for ch in text):
        raise InvalidInput(f"{label} memuat karakter yang tidak dapat dicetak", field="business_key")
    return text
