"""The statements of a search (engine.reading.search), built once per shape.

A search with case criteria runs one of two ways, chosen by how many cases its rarest term has
(``term_counts`` counts each criterion's cases over the index, up to CASES_FIRST_MAX + 1, as more
columns of a statement that runs first anyway: the inbox's tab counts, the case list's reader):

- *cases first*, when the rarest term has at most CASES_FIRST_MAX cases: its cases are read from
  ``case_term`` and their rows (open tasks through ``ix_human_task_case``, or the cases themselves)
  are looked up, checked and sorted: the work grows with those cases, never with the table;
- *rows first*, otherwise: the list is read in its own order (the inbox's index ranges, the case
  list's sort column) and each row's case is checked against the index, stopping at the page's end
  or the count's cap: many matching cases mean few rows read per match.

Counts stop at COUNT_CAP + 1, like the inbox's. The inbox reads a page and its count in one
statement: the matching tasks in the page's order up to the cap, counted and paged (the page's
tasks are among them whenever the page ends within the cap). The inbox's statements are in
engine.reading.inbox_search, the case list's in engine.reading.case_search; the pieces they share here.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, cast

from sqlalchemy import (BindParameter, CompoundSelect, Connection, Select, and_, bindparam, exists, func,
                        literal_column, select)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.selectable import Join
from sqlalchemy.sql.visitors import replacement_traverse

from engine.persistence.models import CaseTerm
from engine.reading.search import Criterion

COUNT_CAP = 1000
CASES_FIRST_MAX = 2_000
TERMS = CaseTerm.__table__


# A saved filter's count is a badge on its inbox tab: "99+" says enough, and stopping there keeps the
# counts of several broad filters on every inbox page cheap.
SAVED_COUNT_CAP = 99


def count_cap() -> int:
    """Where counts stop: one over COUNT_CAP, so a page can say "1000+"."""
    return COUNT_CAP + 1


def saved_count_cap() -> int:
    """Where a saved filter's count stops: one over SAVED_COUNT_CAP ("99+")."""
    return SAVED_COUNT_CAP + 1


@dataclass(frozen=True)
class Plan:
    """How a search runs: its criteria in the order they are checked (the rarest first)."""

    criteria: tuple[Criterion, ...] = ()
    cases_first: bool = False
    empty: bool = False  # a criterion no case has: nothing to read

    @property
    def shape(self) -> tuple[bool, ...]:
        return tuple(c.prefix for c in self.criteria)

    def params(self) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for n, criterion in enumerate(self.criteria):
            if criterion.prefix:
                values[f"lo{n}"], values[f"hi{n}"] = criterion.bounds()
            else:
                values[f"t{n}"] = criterion.term
        return values


def plan_searches(connection: Connection, criteria: list[list[Criterion]]) -> list[Plan]:
    """The plans of several searches (saved filters' badges) from one statement: each distinct criterion's
    cases counted once (``term_counts``)."""
    distinct = list(dict.fromkeys(c for each in criteria for c in each))
    if not distinct:
        return [Plan() for _ in criteria]
    counts = connection.execute(_term_counts(criteria_shape(distinct)), term_count_params(distinct)).one()
    found = dict(zip(distinct, counts, strict=True))
    return [plan_of(each, tuple(found[c] for c in each)) for each in criteria]


def numbered(statement: Select[Any], n: int) -> Select[Any]:
    """``statement`` with each named parameter ``p`` renamed ``p__n``: several statements built for the
    same names can then run as one (``numbered_params`` renames their values alike)."""
    def rename(element: Any, **_kw: Any) -> Any:
        if isinstance(element, BindParameter) and not element.unique:
            return bindparam(f"{element.key}__{n}", type_=element.type, expanding=element.expanding)
        return None
    return cast(Select[Any], replacement_traverse(statement, {}, rename))


def numbered_params(params: dict[str, Any], n: int) -> dict[str, Any]:
    return {f"{key}__{n}": value for key, value in params.items()}


def criteria_shape(criteria: list[Criterion]) -> tuple[bool, ...]:
    return Plan(tuple(criteria)).shape


def term_count_params(criteria: list[Criterion]) -> dict[str, Any]:
    """The parameters of ``term_counts``."""
    return {**Plan(tuple(criteria)).params(), "term_cap": max(CASES_FIRST_MAX, 0) + 1}


def term_counts(shape: tuple[bool, ...]) -> list[Any]:
    """Each criterion's cases up to CASES_FIRST_MAX + 1, as columns ``c0`` …: more columns of a statement
    that runs first anyway (the inbox's tab counts, the case list's reader), or ``plan_searches``'s own."""
    def capped(n: int, prefix: bool) -> Any:
        limited = (select(literal_column("1").label("one")).select_from(TERMS).where(term_match(TERMS, n, prefix))
                   .limit(bindparam("term_cap")).subquery())
        return select(func.count()).select_from(limited).scalar_subquery()
    return [capped(n, prefix).label(f"c{n}") for n, prefix in enumerate(shape)]


def plan_of(criteria: list[Criterion], counts: tuple[int, ...]) -> Plan:
    """Order the criteria by the cases ``term_counts`` counted, the rarest first, and choose how to run."""
    if not criteria:
        return Plan()
    ordered = tuple(c for _n, c in sorted(zip(counts, criteria, strict=True), key=lambda pair: pair[0]))
    return Plan(ordered, cases_first=min(counts) <= CASES_FIRST_MAX, empty=min(counts) == 0)


def term_match(alias: Any, n: int, prefix: bool) -> Any:
    if prefix:
        return and_(alias.c.term >= bindparam(f"lo{n}"), alias.c.term < bindparam(f"hi{n}"))
    return alias.c.term == bindparam(f"t{n}")


def has_term(case_id: Any, n: int, prefix: bool) -> Any:
    """A probe of the index for one row's case. The OFFSET keeps PostgreSQL from turning it into a join
    over all the term's cases (it did: a merge join read 77,000 of them to count 1,000 tasks), also in
    the one plan it keeps for a statement psycopg has prepared, whatever the term."""
    term = TERMS.alias(f"term_{n}")
    return exists(select(literal_column("1")).select_from(term)
                  .where(term_match(term, n, prefix), term.c.instance_id == case_id).offset(0))


def has_terms(case_id: Any, shape: tuple[bool, ...], first: int = 0) -> list[Any]:
    return [has_term(case_id, n, prefix) for n, prefix in enumerate(shape) if n >= first]


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


def matching_cases(shape: tuple[bool, ...]) -> Any:
    """The ids of the cases with every term, from the first (rarest) term's index range."""
    driver = TERMS.alias("driver")
    ids = (select(driver.c.instance_id.label("case_id"))
           .where(term_match(driver, 0, shape[0]), *has_terms(driver.c.instance_id, shape, first=1)))
    # A prefix may match two terms of one case (its business key and a letter number).
    return (ids.distinct() if shape[0] else ids).subquery("matched")


@lru_cache(maxsize=64)
def _term_counts(shape: tuple[bool, ...]) -> Select[Any]:
    return select(*term_counts(shape))


def ordered(columns: tuple[str, ...], descending: bool, source: Any) -> list[Any]:
    return [source.c[name].desc() if descending else source.c[name] for name in columns]


def capped_count(statement: Select[Any] | CompoundSelect[Any]) -> Any:
    """``statement``'s rows, up to the cap."""
    return select(func.count()).select_from(statement.limit(bindparam("cap")).subquery()).scalar_subquery()
