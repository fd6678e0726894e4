"""The statements of a search (engine.reading.search), built once per shape.

A search with case criteria runs one of two ways, chosen by how many cases its rarest term has
(one small statement over the index counts each criterion's cases, up to CASES_FIRST_MAX + 1):

- *cases first*, when the rarest term has at most CASES_FIRST_MAX cases: its cases are read from
  ``case_term`` and their rows (open tasks through ``ix_human_task_case``, or the cases themselves)
  are looked up, checked and sorted: the work grows with those cases, never with the table;
- *rows first*, otherwise: the list is read in its own order (the inbox's index ranges, the case
  list's sort column) and each row's case is checked against the index, stopping at the page's end
  or the count's cap: many matching cases mean few rows read per match.

A row's case is checked with a probe of the index (one lookup per row), except in the inbox on
PostgreSQL for a term of at most HASHED_MAX cases: there the term's cases are read once into a hash
that each row is looked up in (a *hashed* check; the inbox's rows are open tasks, a few thousand at
most, while the case list's rows-first page stops after a few matching cases of all of them). A
probe is a fresh index scan for every row; a few thousand of them cost more than reading tens of
thousands of index entries in order. Counting a common term that far would cost as much again, so
the plan takes the number of cases past CASES_FIRST_MAX from PostgreSQL's statistics of
``case_term.term`` (its most common values, read at most every STATISTICS_TTL seconds).

Counts stop at COUNT_CAP + 1, like the inbox's. The inbox's statements are in
engine.reading.inbox_search, the case list's in engine.reading.case_search; the pieces they share here.
"""
from __future__ import annotations

import itertools
import time
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import CompoundSelect, Connection, Select, and_, bindparam, exists, func, literal_column, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.selectable import Join

from engine.persistence.models import CaseTerm
from engine.reading.search import Criterion

COUNT_CAP = 1000
CASES_FIRST_MAX = 2_000
HASHED_MAX = 30_000
STATISTICS_TTL = 600.0
TERMS = CaseTerm.__table__


def count_cap() -> int:
    """Where counts stop: one over COUNT_CAP, so a page can say "1000+"."""
    return COUNT_CAP + 1


# How one criterion is checked: (a prefix, hashed rather than probed).
Check = tuple[bool, bool]


@dataclass(frozen=True)
class Plan:
    """How a search runs: its criteria in the order they are checked (the rarest first)."""

    criteria: tuple[Criterion, ...] = ()
    cases_first: bool = False
    empty: bool = False  # a criterion no case has: nothing to read
    hashed: tuple[bool, ...] = ()  # per criterion: checked through a hash of its cases

    @property
    def shape(self) -> tuple[Check, ...]:
        hashed = self.hashed or (False,) * len(self.criteria)
        return tuple((c.prefix, h) for c, h in zip(self.criteria, hashed, strict=True))

    def params(self) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for n, criterion in enumerate(self.criteria):
            if criterion.prefix:
                values[f"lo{n}"], values[f"hi{n}"] = criterion.bounds()
            else:
                values[f"t{n}"] = criterion.term
        return values


def plan_search(connection: Connection, criteria: list[Criterion]) -> Plan:
    """Count each criterion's cases (up to CASES_FIRST_MAX + 1) and order them, the rarest first; on
    PostgreSQL, mark those the statistics put at most at HASHED_MAX cases for a hashed check."""
    if not criteria:
        return Plan()
    probe = Plan(tuple(criteria))
    params = {**probe.params(), "term_cap": max(CASES_FIRST_MAX, 0) + 1}
    counts = connection.execute(_term_counts(tuple(c.prefix for c in criteria)), params).one()
    ranked = sorted(zip(counts, criteria, strict=True), key=lambda pair: pair[0])
    hashed: tuple[bool, ...] = ()
    if connection.dialect.name == "postgresql":
        estimate = _term_estimates(connection)
        # The cases-first driver is read from the index anyway; a hash pays off only past a few thousand rows.
        hashed = tuple(n > CASES_FIRST_MAX and not c.prefix and estimate(c.term) <= HASHED_MAX for n, c in ranked)
    return Plan(tuple(c for _n, c in ranked), cases_first=min(counts) <= CASES_FIRST_MAX, empty=min(counts) == 0,
                hashed=hashed)


_TERM_STATISTICS = """
    SELECT s.most_common_vals::text::text[], s.most_common_freqs, c.reltuples
    FROM pg_stats s JOIN pg_class c ON c.relname = s.tablename AND c.relnamespace = s.schemaname::regnamespace
    WHERE s.tablename = 'case_term' AND s.attname = 'term' AND s.schemaname = current_schema()"""
_statistics: dict[str, tuple[float, dict[str, float], float]] = {}  # by database: read at, counts, others


def _term_estimates(connection: Connection) -> Any:
    """A function giving a term's number of cases as PostgreSQL's statistics estimate it: a most common
    value's share of the rows, else at most the least common one's; infinite without statistics (the
    table never analyzed), so nothing is hashed then."""
    key = str(connection.engine.url)
    cached = _statistics.get(key)
    if cached is None or time.monotonic() - cached[0] > STATISTICS_TTL:
        row = connection.exec_driver_sql(_TERM_STATISTICS).first()
        if row is None or not row[0] or row[2] is None or row[2] <= 0:
            cached = (time.monotonic(), {}, float("inf"))
        else:
            rows = float(row[2])
            cached = (time.monotonic(), {v: f * rows for v, f in zip(row[0], row[1], strict=True)},
                      min(row[1]) * rows)
        _statistics[key] = cached
    _read_at, common, others = cached
    return lambda term: common.get(term, others)


def term_match(alias: Any, n: int, prefix: bool) -> Any:
    if prefix:
        return and_(alias.c.term >= bindparam(f"lo{n}"), alias.c.term < bindparam(f"hi{n}"))
    return alias.c.term == bindparam(f"t{n}")


def has_term(case_id: Any, n: int, check: Check) -> Any:
    """One row's case has the term: a probe of the index, or (hashed) a lookup in the term's cases read
    once. The OFFSET keeps PostgreSQL from turning a probe into a join over all the term's cases (it
    did: a merge join read 77,000 of them to count 1,000 tasks), also in the one plan it keeps for a
    statement psycopg has prepared, whatever the term; a hashed check is used only for a term the plan
    counted at most HASHED_MAX cases of."""
    prefix, hashed = check
    term = TERMS.alias(f"term_{n}")
    if hashed:
        return case_id.in_(select(term.c.instance_id).where(term_match(term, n, prefix)))
    return exists(select(literal_column("1")).select_from(term)
                  .where(term_match(term, n, prefix), term.c.instance_id == case_id).offset(0))


def has_terms(case_id: Any, shape: tuple[Check, ...], first: int = 0) -> list[Any]:
    return [has_term(case_id, n, check) for n, check in enumerate(shape) if n >= first]


class LeftFirst(Join):
    """A join read from its left side: SQLite plans a CROSS JOIN in the order written (its documented
    way to fix a join order); other databases plan it as any join. SQLite would otherwise read the
    inbox's index range and check each task's case, however few cases match."""

    inherit_cache = True


@compiles(LeftFirst, "sqlite")
def _cross_join(join: LeftFirst, compiler: Any, from_linter: Any = None, **kw: Any) -> str:
    if from_linter:  # as SQLCompiler.visit_join: the two sides are joined, not a cartesian product
        from_linter.edges.update(itertools.product(_originals(join.left._from_objects),
                                                   _originals(join.right._from_objects)))
    kw["asfrom"] = True
    assert join.onclause is not None
    return (join.left._compiler_dispatch(compiler, from_linter=from_linter, **kw) + " CROSS JOIN "
            + join.right._compiler_dispatch(compiler, from_linter=from_linter, **kw) + " ON "
            + join.onclause._compiler_dispatch(compiler, from_linter=from_linter, **{**kw, "asfrom": False}))


def _originals(elements: Any) -> list[Any]:
    found = []
    for element in elements:
        while element._is_clone_of is not None:
            element = element._is_clone_of
        found.append(element)
    return found


def matching_cases(shape: tuple[Check, ...]) -> Any:
    """The ids of the cases with every term, from the first (rarest) term's index range."""
    driver = TERMS.alias("driver")
    prefix = shape[0][0]
    ids = (select(driver.c.instance_id.label("case_id"))
           .where(term_match(driver, 0, prefix), *has_terms(driver.c.instance_id, shape, first=1)))
    # A prefix may match two terms of one case (its business key and a letter number).
    return (ids.distinct() if prefix else ids).subquery("matched")


@lru_cache(maxsize=64)
def _term_counts(shape: tuple[bool, ...]) -> Select[Any]:
    def capped(n: int, prefix: bool) -> Any:
        limited = (select(literal_column("1").label("one")).select_from(TERMS).where(term_match(TERMS, n, prefix))
                   .limit(bindparam("term_cap")).subquery())
        return select(func.count()).select_from(limited).scalar_subquery()
    return select(*(capped(n, prefix).label(f"c{n}") for n, prefix in enumerate(shape)))


def ordered(columns: tuple[str, ...], descending: bool, source: Any) -> list[Any]:
    return [source.c[name].desc() if descending else source.c[name] for name in columns]


def capped_count(statement: Select[Any] | CompoundSelect[Any]) -> Any:
    """``statement``'s rows, up to the cap."""
    return select(func.count()).select_from(statement.limit(bindparam("cap")).subquery()).scalar_subquery()
