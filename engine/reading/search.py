"""A search of the inbox or the case list: what may be asked, checked once, as one value.

Case criteria (free text, reference, OPD, performer) are terms of the search index (see
engine.runtime.search_terms); SOP, state, dates and the sort order are columns of the rows listed.
Parameters use these names everywhere in the engine and the JSON API: ``q``, ``reference``, ``opd``,
``performer``, ``process_key``, ``state``, ``from``, ``to``, ``sort``.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal

from engine.errors import InvalidSearch
from engine.runtime.search_terms import OPD, PERFORMER, REFERENCE, WORD, reference_key, words
from engine.worktime.work_calendar import WITA

Kind = Literal["inbox", "cases"]

PARAMETERS = ("q", "reference", "opd", "performer", "process_key", "state", "from", "to", "sort")
MAX_TEXT = 200  # characters in one text parameter
MAX_WORDS = 10  # words in ``q`` or ``opd``
TASK_STATES = ("ready", "claimed")
CASE_STATES = ("running", "completed", "cancelled")
# Sort keys and the columns they order by (ties broken by the last ones); "-key" sorts descending.
SORTS: dict[Kind, dict[str, tuple[str, ...]]] = {
    # Only columns of the inbox's indexes: a sort reads no table rows.
    "inbox": {"due": ("due_at", "created_at", "id"), "created": ("created_at", "id"),
              "case": ("instance_id", "created_at", "id")},
    "cases": {"id": ("id",), "started": ("started_at", "id"), "due": ("due_at", "id"),
              "process": ("process_key", "id"), "key": ("business_key", "id"), "status": ("status", "id")},
}
DEFAULT_SORT: dict[Kind, str] = {"inbox": "due", "cases": "-id"}
_USERNAME = re.compile(r"^[\w.\-]+$")


@dataclass(frozen=True)
class Criterion:
    """One term a case must have, or (``prefix``) any term beginning so."""

    term: str
    prefix: bool = False

    def bounds(self) -> tuple[str, str]:
        """The index range of a prefix: from it up to (not including) its successor."""
        return self.term, self.term[:-1] + chr(ord(self.term[-1]) + 1)


@dataclass(frozen=True)
class Search:
    text: str = ""  # words that must all occur in the case's step data
    reference: str = ""  # the beginning of the business key or a letter number (nomor surat)
    opd: str = ""  # words of the requesting unit
    performer: str = ""  # a user who started the case or completed a step of it
    process_key: str | None = None
    state: str | None = None  # inbox: a task state; case list: a case status
    date_from: date | None = None  # WITA dates, inclusive: the inbox's due date, the case's start
    date_to: date | None = None
    sort: str = ""  # a key of SORTS, "-" first for descending; "" for the list's default

    def criteria(self) -> list[Criterion]:
        """The terms a case must have; the likely rarest first (a search checks them in this order when
        the index cannot tell them apart: each is in more cases than a plan counts)."""
        found = []
        if reference_key(self.reference):
            found.append(Criterion(REFERENCE + reference_key(self.reference), prefix=True))
        found += [Criterion(OPD + w) for w in dict.fromkeys(words(self.opd))]
        if self.performer:
            found.append(Criterion(PERFORMER + self.performer.casefold()))
        found += [Criterion(WORD + w) for w in dict.fromkeys(words(self.text))]
        return found

    def order(self, kind: Kind) -> tuple[tuple[str, ...], bool]:
        """The columns to order by, and whether descending."""
        sort = self.sort or DEFAULT_SORT[kind]
        return SORTS[kind][sort.lstrip("-")], sort.startswith("-")

    def is_plain(self, kind: Kind) -> bool:
        """Nothing but SOP and state, in the default order: the inbox's unfiltered statements serve it."""
        return (not self.criteria() and self.date_from is None and self.date_to is None
                and (self.sort or DEFAULT_SORT[kind]) == DEFAULT_SORT[kind])

    def bounds(self) -> tuple[datetime | None, datetime | None]:
        """The date range as UTC instants: from the start of ``date_from`` to the end of ``date_to`` (WITA)."""
        def start(day: date) -> datetime:
            return datetime.combine(day, time(0), tzinfo=WITA).astimezone(UTC)
        return (start(self.date_from) if self.date_from else None,
                start(self.date_to + timedelta(days=1)) if self.date_to else None)

    def params(self) -> dict[str, str]:
        """The parameters that are set, by their names (a saved filter, a link)."""
        # the fields themselves (texts and dates): asdict copied them deeply, on every list page
        named = {"q": self.text, "reference": self.reference, "opd": self.opd, "performer": self.performer,
                 "process_key": self.process_key, "state": self.state,
                 "from": self.date_from.isoformat() if self.date_from else None,
                 "to": self.date_to.isoformat() if self.date_to else None, "sort": self.sort}
        return {k: v for k, v in named.items() if v}

    def with_sort(self, sort: str) -> Search:
        return replace(self, sort=sort)


def parse_search(values: Mapping[str, Any], kind: Kind) -> Search:
    """A search from its parameters (missing or empty ones are not set).

    :raises InvalidSearch: a text over MAX_TEXT characters or MAX_WORDS words, an unknown state or
        sort key, a date not written YYYY-MM-DD, or a range that ends before it starts
    """
    text, opd = _text(values, "q"), _text(values, "opd")
    for name, value in (("q", text), ("opd", opd)):
        if len(words(value)) > MAX_WORDS:
            raise InvalidSearch(f"Paling banyak {MAX_WORDS} kata untuk '{name}'", code="search_too_long", field=name)
    performer = _text(values, "performer")
    if performer and not _USERNAME.match(performer):
        raise InvalidSearch("Nama pengguna pelaksana tidak sah", code="invalid_performer", field="performer")
    state = _text(values, "state") or None
    if state is not None and state not in (TASK_STATES if kind == "inbox" else CASE_STATES):
        raise InvalidSearch(f"Status '{state}' tidak dikenal", code="unknown_state", field="state")
    sort = _text(values, "sort")
    if sort and sort.removeprefix("-") not in SORTS[kind]:
        raise InvalidSearch(f"Tidak dapat mengurutkan menurut '{sort}'", code="unknown_sort", field="sort")
    date_from, date_to = _date(values, "from"), _date(values, "to")
    if date_from and date_to and date_from > date_to:
        raise InvalidSearch("Tanggal akhir sebelum tanggal awal", code="invalid_date_range", field="to")
    return Search(text=text, reference=_text(values, "reference"), opd=opd, performer=performer,
                  process_key=_text(values, "process_key") or None, state=state, date_from=date_from,
                  date_to=date_to, sort=sort)


def _text(values: Mapping[str, Any], name: str) -> str:
    value = values.get(name)
    text = value.strip() if isinstance(value, str) else ""
    if len(text) > MAX_TEXT:
        raise InvalidSearch(f"Isian '{name}' paling panjang {MAX_TEXT} karakter", code="search_too_long", field=name)
    return text


def _date(values: Mapping[str, Any], name: str) -> date | None:
    text = _text(values, name)
    if not text:
        return None
    try:
        if len(text) != 10:
            raise ValueError(text)
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidSearch(f"Tanggal '{text}' tidak sah; tulis TTTT-BB-HH", code="invalid_date", field=name) from None
