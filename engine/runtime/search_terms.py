"""What a case files in the search index (``case_term``), and how a search names the same terms.

A term is a namespace and a normalized value:

- ``w:`` a word of any text a step stored (form data, the business key), case- and accent-folded; the
  values of a form's date and time fields are not text (``SearchFields.timed``) and file no word;
- ``o:`` a word of the requesting unit (OPD), from form fields marked ``"x-search": "opd"``;
- ``n:`` a reference (the business key, a letter number from fields marked ``"x-search": "nomor"``)
  with only its letters and digits kept, so ``045/123/TIK/2026`` and ``045.123 tik 2026`` are one
  term, and a search by its beginning is one index range;
- ``u:`` a user who started the case or completed one of its steps.

Words are 2 to 40 letters or digits (longer tokens, such as a document's sha256, are not words).
A step files at most MAX_TERMS_PER_STEP terms.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from engine.modeling.forms import SearchFields

WORD, OPD, REFERENCE, PERFORMER = "w:", "o:", "n:", "u:"
MIN_WORD, MAX_WORD = 2, 40
MAX_REFERENCE = 60
MAX_TERMS_PER_STEP = 1000

_TOKEN = re.compile(r"[^\W_]+")
# The same tokens in folded ASCII text, where ``[^\W_]`` is just these (a third cheaper to find).
_ASCII_TOKEN = re.compile(r"[a-z0-9]+")


def fold(text: str) -> str:
    """Lower case without accents: what the index stores and a search compares."""
    folded = text.casefold()
    if folded.isascii():  # most text: nothing to decompose (a step files its words on the hot path)
        return folded
    decomposed = unicodedata.normalize("NFKD", folded)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def words(text: str) -> list[str]:
    """The words of a text, folded, each once, in the order they first occur."""
    return [w for w in dict.fromkeys(_tokens(fold(text))) if MIN_WORD <= len(w) <= MAX_WORD]


def reference_key(text: str) -> str:
    """A reference (business key, letter number) as it is indexed: folded letters and digits only."""
    return "".join(_tokens(fold(text)))[:MAX_REFERENCE]


def _tokens(folded: str) -> list[str]:
    return (_ASCII_TOKEN if folded.isascii() else _TOKEN).findall(folded)


@dataclass(frozen=True)
class StepTerms:
    """What one step files: its terms, and the case's OPD and letter number if the step names them."""

    terms: list[str]
    opd: str | None = None
    letter_number: str | None = None


def step_terms(data: dict[str, Any], fields: SearchFields, actor: str | None) -> StepTerms:
    """The terms of a completed step's form data."""
    opds = [v for path in fields.opd for v in _values_at(data, path)]
    numbers = [v for path in fields.nomor for v in _values_at(data, path)]
    terms = _Terms()
    if actor:
        terms.add(PERFORMER + actor.casefold())
    for number in numbers:
        terms.add_reference(number)
    for opd in opds:
        terms.add_all(OPD + w for w in words(opd))
    text = _all_text(_without(data, *fields.timed_by_table) if fields.timed else data)
    if text:
        terms.add_all([WORD + w for w in words(text)])
    return StepTerms(terms.items, (opds[0].strip()[:200] or None) if opds else None,
                     (numbers[0].strip()[:200] or None) if numbers else None)


def start_terms(starter: str, business_key: str | None, data: dict[str, Any]) -> list[str]:
    """The terms of a case as it starts: its starter, business key and initial data."""
    terms = _Terms()
    terms.add(PERFORMER + starter.casefold())
    if business_key:
        terms.add_reference(business_key)
        terms.add_all(WORD + w for w in words(business_key))
    text = _all_text(data)
    if text:
        terms.add_all([WORD + w for w in words(text)])
    return terms.items


class _Terms:
    def __init__(self) -> None:
        self._seen: dict[str, None] = {}

    @property
    def items(self) -> list[str]:
        return list(self._seen)

    def add(self, term: str) -> None:
        if len(self._seen) < MAX_TERMS_PER_STEP:
            self._seen.setdefault(term[:100])

    def add_all(self, terms: Iterable[str]) -> None:
        seen = self._seen
        for term in terms:
            if len(seen) >= MAX_TERMS_PER_STEP:
                return
            seen.setdefault(term[:100])

    def add_reference(self, text: str) -> None:
        key = reference_key(text)
        if key:
            self.add(REFERENCE + key)
        self.add_all(WORD + w for w in words(text))


def _all_text(data: dict[str, Any]) -> str:
    """``_texts`` of ``data`` as one text: its words are the words of each, in the same order (a space
    ends a word, and no accent folds across it), at a fraction of the cost of one ``words`` per text."""
    return " ".join(_texts(data))


def _texts(value: Any) -> Iterator[str]:
    """Every string and whole number in a JSON value (keys excluded)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, bool):
        return
    elif isinstance(value, int):
        yield str(value)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _texts(item)
    elif isinstance(value, list):
        for item in value:
            yield from _texts(item)


def _without(data: dict[str, Any], names: frozenset[str], columns: dict[str, frozenset[str]]) -> dict[str, Any]:
    """``data`` without the values of top-level ``names`` and of each table's ``columns`` in each of its
    rows; ``data`` itself is left as it is."""
    kept = {}
    for name, value in data.items():
        if name in names:
            continue
        if name in columns and isinstance(value, list):
            value = [{k: v for k, v in row.items() if k not in columns[name]} if isinstance(row, dict) else row
                     for row in value]
        kept[name] = value
    return kept


def _values_at(data: dict[str, Any], path: str) -> list[str]:
    name, _, column = path.partition(".")
    value = data.get(name)
    if not column:
        return [value] if isinstance(value, str) and value.strip() else []
    rows = value if isinstance(value, list) else []
    return [r[column] for r in rows if isinstance(r, dict) and isinstance(r.get(column), str) and r[column].strip()]
