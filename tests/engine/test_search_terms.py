"""The terms a step files: the same as one ``words`` per text of its data, as they were first worked out."""
from __future__ import annotations

import re
import unicodedata
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from engine.modeling.forms import SearchFields
from engine.runtime import search_terms
from engine.runtime.search_terms import (MAX_TERMS_PER_STEP, OPD, PERFORMER, WORD, reference_key, start_terms,
                                         step_terms, words)

_TOKEN = re.compile(r"[^\W_]+")


def reference_words(text: str) -> list[str]:
    """``words`` as first written: the Unicode pattern on any text."""
    folded = text.casefold()
    if not folded.isascii():
        folded = "".join(c for c in unicodedata.normalize("NFKD", folded) if not unicodedata.combining(c))
    return [w for w in dict.fromkeys(_TOKEN.findall(folded)) if 2 <= len(w) <= 40]


def reference_texts(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, bool):
        return []
    if isinstance(value, int):
        return [str(value)]
    if isinstance(value, dict):
        return [t for item in value.values() for t in reference_texts(item)]
    if isinstance(value, list):
        return [t for item in value for t in reference_texts(item)]
    return []


def reference_step_words(data: dict[str, Any]) -> list[str]:
    """The word terms of a step's data as first worked out: one ``words`` per text, each term once."""
    seen: dict[str, None] = {}
    for text in reference_texts(data):
        for w in reference_words(text):
            seen.setdefault(WORD + w)
    return list(seen)


# Letters and marks that fold (accents, ligatures, dotted I, sharp s), separators, digits, underscores.
_ALPHABET = st.sampled_from(list("aZz09_ -/.,\n\tÉéüßİıﬁ²Ⅻ\u0301\u0327한ا") + ["Jaringan", "SERVER", "x" * 41])
_TEXT = st.lists(_ALPHABET, max_size=12).map("".join)
_VALUE = st.recursive(st.one_of(_TEXT, st.integers(-10**6, 10**6), st.booleans(), st.none(), st.floats(0, 9)),
                      lambda inner: st.one_of(st.lists(inner, max_size=4),
                                              st.dictionaries(st.sampled_from("abcd"), inner, max_size=4)),
                      max_leaves=12)


@settings(max_examples=400, deadline=None)
@given(st.dictionaries(st.sampled_from(["uraian", "catatan", "tabel", "n", "ok"]), _VALUE, max_size=5))
def test_a_steps_word_terms_are_those_of_each_text_in_turn(data):
    terms = step_terms(data, SearchFields(), None).terms
    assert terms == reference_step_words(data)
    assert start_terms("Budi", None, data) == [PERFORMER + "budi", *reference_step_words(data)]


@given(_TEXT)
def test_words_and_references_of_ascii_text_are_those_of_the_unicode_pattern(text):
    assert words(text) == reference_words(text)
    assert reference_key(text) == "".join(_TOKEN.findall("".join(
        c for c in unicodedata.normalize("NFKD", text.casefold()) if not unicodedata.combining(c))))[:60]


def test_words_across_texts_stay_apart_and_accents_fold_within_each():
    data = {"a": "Café", "b": "\u0301x", "c": ["Über_alles", {"d": "ﬁle 12"}], "e": True, "f": 7}
    assert step_terms(data, SearchFields(), "Budi").terms == [
        PERFORMER + "budi", WORD + "cafe", WORD + "uber", WORD + "alles", WORD + "file", WORD + "12"]


def test_a_step_files_at_most_its_limit_of_terms():
    data = {"uraian": " ".join(f"kata{n}" for n in range(MAX_TERMS_PER_STEP + 50))}
    terms = step_terms(data, SearchFields(opd=("opd",)), "budi").terms
    assert len(terms) == MAX_TERMS_PER_STEP
    assert terms[:2] == [PERFORMER + "budi", WORD + "kata0"]


def test_opd_words_come_before_the_data_words():
    terms = step_terms({"opd": "Dinas Kominfo", "uraian": "dinas"}, SearchFields(opd=("opd",)), None).terms
    assert terms == [OPD + "dinas", OPD + "kominfo", WORD + "dinas", WORD + "kominfo"]
    assert search_terms.fold("ÀB") == "ab"
