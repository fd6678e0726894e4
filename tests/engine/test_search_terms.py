"""The terms a step files: the same as one ``words`` per text of its data, as they were first worked out."""
from __future__ import annotations

import json
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


_TIMED_SCHEMA = {"type": "object", "properties": {
    "uraian": {"type": "string"},
    "mulai": {"type": "string", "format": "date-time"},
    "tanggal": {"type": "string", "format": "date"},
    "jam": {"type": "string", "format": "time"},
    "hari_libur": {"type": "array", "items": {"type": "string", "format": "date"}},
    "surel": {"type": "string", "format": "email"},
    "jadwal": {"type": "array", "items": {"type": "object", "properties": {
        "kegiatan": {"type": "string"}, "waktu": {"type": "string", "format": "date-time"}}}}}}


def test_a_forms_date_and_time_fields_are_found_in_its_schema():
    fields = SearchFields.of_schema(_TIMED_SCHEMA)
    assert fields.timed == ("mulai", "tanggal", "jam", "hari_libur", "jadwal.waktu")
    assert fields.timed_by_table == ({"mulai", "tanggal", "jam", "hari_libur"}, {"jadwal": {"waktu"}})


def test_dates_and_times_file_no_words_and_the_rest_of_the_step_still_does():
    # "2026-12-08T04:40:56+08:00" as text would file 2026, 12, 08t04, 40, 56, 08 and 00: a search for "40"
    # would find every case with such a time
    data = {"uraian": "Server basis data pulih 12 jam", "mulai": "2026-12-08T04:40:56+08:00",
            "tanggal": "2026-12-09", "jam": "13:45", "hari_libur": ["2026-12-25"], "surel": "pic@kaltimprov.go.id",
            "jadwal": [{"kegiatan": "Pencadangan penuh", "waktu": "2026-12-10T22:15:00+08:00"}, "bukan baris"]}
    kept = json.dumps(data)
    terms = step_terms(data, SearchFields.of_schema(_TIMED_SCHEMA), "budi").terms
    assert terms == [PERFORMER + "budi", *(WORD + w for w in ["server", "basis", "data", "pulih", "12", "jam", "pic",
                                                                "kaltimprov", "go", "id", "pencadangan", "penuh",
                                                                "bukan", "baris"])]
    assert json.dumps(data) == kept  # the step's data is left as it was
    # without the schema's formats, the same data files the times' pieces
    pieces = {WORD + "08t04", WORD + "40", WORD + "10t22", WORD + "25"}
    assert pieces <= set(step_terms(data, SearchFields(), None).terms)
