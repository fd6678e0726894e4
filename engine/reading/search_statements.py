"""The statements of a search (engine.reading.search), built once per shape.

A search with case criteria runs one of two ways, chosen by how many cases its rarest term has
(one small statement over the index counts each criterion's cases, up to CASES_FIRST_MAX + 1):

- *cases first*, when the rarest term has at most CASES_FIRST_MAX cases: its cases are read from
  ``case_term`` and their rows (open tasks through ``ix_human_task_case``, or the cases themselves)
  are looked up, checked and sorted: the work grows with those cases, never with the table;
- *rows first*, otherwise: the list is read in its own order (the inbox's index ranges, the case
  list's sort column) and each row's case is checked against the index, stopping at the page's end
  or the count's cap: many matching cases mean few rows read per match.

Counts stop at COUNT_CAP + 1, like the inbox's.
"""
from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, fields
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import (Connection, Select, and_, bindparam, exists, func, literal_column, or_, select,
                        union_all)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.selectable import Join

from engine.persistence.models import CaseTerm, HumanTask, ProcessDefinition, ProcessInstance
from engine.reading.search import Criterion, Search
from engine.values import TaskView

COUNT_CAP = 1000
CASES_FIRST_MAX = 2_000
TASKS, CASES, TERMS = HumanTask.__table__, ProcessInstance.__table__, CaseTerm.__table__
DEFINITIONS = ProcessDefinition.__table__
_CAP = COUNT_CAP + 1


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


@contextmanager
def planned_each_time(connection: Connection) -> Iterator[Connection]:
    """Run a search's statements unprepared on PostgreSQL. psycopg prepares a statement after a few
    runs, and PostgreSQL then plans it once for any value; a search's best plan depends on its terms
    (a rare term: from its cases; a common one: along the inbox's index), so each run is planned."""
    driver = connection.connection.driver_connection
    if connection.dialect.name != "postgresql" or not hasattr(driver, "prepare_threshold"):
        yield connection
        return
    kept = driver.prepare_threshold
    driver.prepare_threshold = None
    try:
        yield connection
    finally:
        driver.prepare_threshold = kept


def plan_search(connection: Connection, criteria: list[Criterion]) -> Plan:
    """Count each criterion's cases (up to CASES_FIRST_MAX + 1) and order them, the rarest first."""
    if not criteria:
        return Plan()
    probe = Plan(tuple(criteria))
    counts = connection.execute(_term_counts(probe.shape), {**probe.params(), "term_cap": max(CASES_FIRST_MAX, 0) + 1}).one()
    ordered = tuple(c for _n, c in sorted(zip(counts, criteria, strict=True), key=lambda pair: pair[0]))
    return Plan(ordered, cases_first=min(counts) <= CASES_FIRST_MAX, empty=min(counts) == 0)


@dataclass(frozen=True)
class InboxQuery:
    """One inbox tab narrowed by a search, for a user with these (expanded) task roles."""

    username: str
    roles: tuple[str, ...]
    tab: str
    search: Search
    now: datetime

    def params(self, plan: Plan) -> dict[str, Any]:
        start, end = self.search.bounds()
        return {"username": self.username, "roles": list(self.roles), "now": self.now,
                "process_key": self.search.process_key, "date_from": start, "date_to": end, "cap": _CAP,
                **{f"role_{n}": role for n, role in enumerate(self.roles)}, **plan.params()}

    def shape(self, plan: Plan) -> tuple[Any, ...]:
        columns, descending = self.search.order("inbox")
        return (self.tab, self.search.state, self.search.process_key is not None, self.search.date_from is not None,
                self.search.date_to is not None, plan.shape, plan.cases_first, columns, descending)


def inbox_count(connection: Connection, plan: Plan, query: InboxQuery) -> int:
    """The tab's tasks matching the search, up to COUNT_CAP + 1."""
    if plan.empty:
        return 0
    return connection.execute(_inbox_count(*query.shape(plan)), query.params(plan)).scalar_one()


def inbox_rows(connection: Connection, plan: Plan, query: InboxQuery, page: int, per_page: int) -> list[Any]:
    """One page of the tab's matching tasks: rows of TaskView's fields (without data)."""
    if plan.empty:
        return []
    window = page * per_page
    statement = _inbox_page(*query.shape(plan), len(query.roles))
    if statement is None:
        return []
    params = {**query.params(plan), "window": window, "skip": window - per_page, "per_page": per_page}
    return list(connection.execute(statement, params).all())


# -- shared pieces --------------------------------------------------------------------------------------

def _term_match(alias: Any, n: int, prefix: bool) -> Any:
    if prefix:
        return and_(alias.c.term >= bindparam(f"lo{n}"), alias.c.term < bindparam(f"hi{n}"))
    return alias.c.term == bindparam(f"t{n}")


def _has_term(case_id: Any, n: int, prefix: bool) -> Any:
    """A probe of the index for one row's case. The OFFSET keeps PostgreSQL from turning it into a join
    over all the term's cases (it did: a merge join read 77,000 of them to count 1,000 tasks)."""
    term = TERMS.alias(f"term_{n}")
    return exists(select(literal_column("1")).select_from(term)
                  .where(_term_match(term, n, prefix), term.c.instance_id == case_id).offset(0))


def _has_terms(case_id: Any, shape: tuple[bool, ...], first: int = 0) -> list[Any]:
    return [_has_term(case_id, n, prefix) for n, prefix in enumerate(shape) if n >= first]


class _LeftFirst(Join):
    """A join read from its left side: SQLite plans a CROSS JOIN in the order written (its documented
    way to fix a join order); other databases plan it as any join. SQLite would otherwise read the
    inbox's index range and check each task's case, however few cases match."""

    inherit_cache = True


@compiles(_LeftFirst, "sqlite")
def _cross_join(join: _LeftFirst, compiler: Any, from_linter: Any = None, **kw: Any) -> str:
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


def _matching_cases(shape: tuple[bool, ...]) -> Any:
    """The ids of the cases with every term, from the first (rarest) term's index range."""
    driver = TERMS.alias("driver")
    ids = (select(driver.c.instance_id.label("case_id"))
           .where(_term_match(driver, 0, shape[0]), *_has_terms(driver.c.instance_id, shape, first=1)))
    # A prefix may match two terms of one case (its business key and a letter number).
    return (ids.distinct() if shape[0] else ids).subquery("matched")


@lru_cache(maxsize=64)
def _term_counts(shape: tuple[bool, ...]) -> Select[Any]:
    def capped(n: int, prefix: bool) -> Any:
        limited = (select(literal_column("1").label("one")).select_from(TERMS).where(_term_match(TERMS, n, prefix))
                   .limit(bindparam("term_cap")).subquery())
        return select(func.count()).select_from(limited).scalar_subquery()
    return select(*(capped(n, prefix).label(f"c{n}") for n, prefix in enumerate(shape)))


def _ordered(columns: tuple[str, ...], descending: bool, source: Any) -> list[Any]:
    return [source.c[name].desc() if descending else source.c[name] for name in columns]


def _count(statement: Select[Any]) -> Any:
    """``statement``'s rows, up to the cap."""
    return select(func.count()).select_from(statement.limit(bindparam("cap")).subquery()).scalar_subquery()


# -- the inbox ---------------------------------------------------------------------------------------------

def _task_filters(tab: str, with_process: bool, with_from: bool, with_to: bool) -> list[Any]:
    found = []
    if tab == "overdue":
        found.append(TASKS.c.due_at < bindparam("now", type_=TASKS.c.due_at.type))
    if with_process:
        found.append(TASKS.c.process_key == bindparam("process_key"))
    if with_from:
        found.append(TASKS.c.due_at >= bindparam("date_from", type_=TASKS.c.due_at.type))
    if with_to:
        found.append(TASKS.c.due_at < bindparam("date_to", type_=TASKS.c.due_at.type))
    return found


_MINE = and_(TASKS.c.state == "claimed", TASKS.c.assignee == bindparam("username"))


def _tab_parts(tab: str, state: str | None, role_count: int | None) -> list[Any]:
    """The disjoint parts of a tab: my claimed tasks, and the ready tasks of my roles (one part per
    role when ``role_count`` is given, for reading each in its index order; else one part)."""
    parts = []
    if tab in ("mine", "overdue") and state in (None, "claimed"):
        parts.append(_MINE)
    if tab in ("available", "overdue") and state in (None, "ready"):
        if role_count is None:
            parts.append(and_(TASKS.c.state == "ready", TASKS.c.role.in_(bindparam("roles", expanding=True))))
        else:
            parts += [and_(TASKS.c.state == "ready", TASKS.c.role == bindparam(f"role_{n}"))
                      for n in range(role_count)]
    return parts


@lru_cache(maxsize=256)
def _inbox_count(tab: str, state: str | None, with_process: bool, with_from: bool, with_to: bool,
                 shape: tuple[bool, ...], cases_first: bool, _columns: tuple[str, ...], _descending: bool) -> Select[Any]:
    filters = _task_filters(tab, with_process, with_from, with_to)
    parts = _tab_parts(tab, state, None)
    if not parts:
        return select(literal_column("0"))
    one: Any = literal_column("1").label("one")
    if cases_first:
        matched = _matching_cases(shape)
        return select(_count(select(one).select_from(_LeftFirst(matched, TASKS, TASKS.c.instance_id == matched.c.case_id))
                             .where(or_(*parts), *filters)))
    counts = [_count(select(one).select_from(TASKS).where(part, *filters, *_has_terms(TASKS.c.instance_id, shape)))
              for part in parts]  # disjoint parts, each read in its own index range
    total = counts[0]
    for count in counts[1:]:
        total = total + count
    return select(total)


# A TaskView's fields in order (without data): a row of these is a TaskView's arguments.
_TASK_VIEW_NAMES = tuple("id" if f.name == "task_id" else f.name for f in fields(TaskView) if f.name != "data")


@lru_cache(maxsize=256)
def _inbox_page(tab: str, state: str | None, with_process: bool, with_from: bool, with_to: bool,
                shape: tuple[bool, ...], cases_first: bool, columns: tuple[str, ...], descending: bool,
                role_count: int) -> Select[Any] | None:
    filters = _task_filters(tab, with_process, with_from, with_to)
    view = [TASKS.c[name] for name in _TASK_VIEW_NAMES]
    if cases_first:
        parts = _tab_parts(tab, state, None)
        if not parts:
            return None
        matched = _matching_cases(shape)
        return (select(*view).select_from(_LeftFirst(matched, TASKS, TASKS.c.instance_id == matched.c.case_id))
                .where(or_(*parts), *filters).order_by(*_ordered(columns, descending, TASKS))
                .offset(bindparam("skip")).limit(bindparam("per_page")))
    parts = _tab_parts(tab, state, role_count)
    if not parts:
        return None
    keys = sorted(set(columns) | {"id"})
    windows = [select(*(TASKS.c[k] for k in keys)).where(part, *filters, *_has_terms(TASKS.c.instance_id, shape))
               .order_by(*_ordered(columns, descending, TASKS)).limit(bindparam("window")).subquery()
               for part in parts]
    ranked = union_all(*(select(*(w.c[k] for k in keys)).select_from(w) for w in windows)).subquery()
    return (select(*view).join(ranked, ranked.c.id == TASKS.c.id).order_by(*_ordered(columns, descending, ranked))
            .offset(bindparam("skip")).limit(bindparam("per_page")))


# -- the case list ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class CaseQuery:
    """The case list narrowed by a search; ``task_roles`` None: the user reads every case."""

    username: str
    task_roles: tuple[str, ...] | None
    search: Search

    def params(self, plan: Plan) -> dict[str, Any]:
        start, end = self.search.bounds()
        return {"username": self.username, "roles": list(self.task_roles or ()), "cap": _CAP,
                "process_key": self.search.process_key, "status": self.search.state,
                "date_from": start, "date_to": end, **plan.params()}

    def shape(self, plan: Plan) -> tuple[Any, ...]:
        columns, descending = self.search.order("cases")
        return (self.task_roles is not None, self.search.process_key is not None, self.search.state is not None,
                self.search.date_from is not None, self.search.date_to is not None, plan.shape, plan.cases_first,
                columns, descending)


def case_count(connection: Connection, plan: Plan, query: CaseQuery) -> int:
    """The matching cases, up to COUNT_CAP + 1. Counted from the rarest term's cases whenever there are
    criteria: most of a term's cases are listed (the list's other conditions rarely exclude many), so the
    count stops at the cap after reading little more than that many of them."""
    if plan.empty:
        return 0
    counted = Plan(plan.criteria, cases_first=bool(plan.criteria))
    return connection.execute(_case_count(*query.shape(counted)), query.params(counted)).scalar_one()


def case_rows(connection: Connection, plan: Plan, query: CaseQuery, page: int, per_page: int) -> list[Any]:
    """One page of matching cases: rows of CaseSummary's fields."""
    if plan.empty:
        return []
    window = page * per_page
    params = {**query.params(plan), "skip": window - per_page, "per_page": per_page}
    return list(connection.execute(_case_page(*query.shape(plan)), params).all())


def _case_filters(restricted: bool, with_process: bool, with_status: bool, with_from: bool, with_to: bool,
                  shape: tuple[bool, ...], cases_first: bool) -> list[Any]:
    found = []
    if with_process:
        found.append(CASES.c.process_key == bindparam("process_key"))
    if with_status:
        found.append(CASES.c.status == bindparam("status"))
    if with_from:
        found.append(CASES.c.started_at >= bindparam("date_from", type_=CASES.c.started_at.type))
    if with_to:
        found.append(CASES.c.started_at < bindparam("date_to", type_=CASES.c.started_at.type))
    if not cases_first:
        found += _has_terms(CASES.c.id, shape)
    if restricted:  # after the terms: an index probe rejects a case for less than this check
        found.append(_may_read())
    return found


def _may_read() -> Any:
    """engine.reading.case_pages' rule for reading a case, in SQL: the user started it, or a task of it
    has one of the user's (or supervised) roles, or is or was the user's."""
    username: Any = bindparam("username")
    # Two checks: the first reads only the index ix_human_task_case, the second the task rows.
    by_role = exists(select(literal_column("1")).select_from(TASKS).where(
        TASKS.c.instance_id == CASES.c.id, or_(TASKS.c.role.in_(bindparam("roles", expanding=True)),
                                               TASKS.c.assignee == username)))
    by_deed = exists(select(literal_column("1")).select_from(TASKS).where(
        TASKS.c.instance_id == CASES.c.id, TASKS.c.completed_by == username))
    return or_(CASES.c.started_by == username, by_role, by_deed)


def _case_source(shape: tuple[bool, ...], cases_first: bool) -> Any:
    if not cases_first:
        return CASES
    matched = _matching_cases(shape)
    return _LeftFirst(matched, CASES, CASES.c.id == matched.c.case_id)


@lru_cache(maxsize=256)
def _case_count(restricted: bool, with_process: bool, with_status: bool, with_from: bool, with_to: bool,
                shape: tuple[bool, ...], cases_first: bool, _columns: tuple[str, ...], _descending: bool) -> Select[Any]:
    filters = _case_filters(restricted, with_process, with_status, with_from, with_to, shape, cases_first)
    return select(_count(select(literal_column("1").label("one")).select_from(_case_source(shape, cases_first))
                         .where(*filters)))


CASE_SUMMARY_COLUMNS = (CASES.c.id, CASES.c.process_key, DEFINITIONS.c.name, CASES.c.business_key,
                        CASES.c.letter_number, CASES.c.opd, CASES.c.status, CASES.c.started_by, CASES.c.started_at,
                        CASES.c.ended_at, CASES.c.due_at)


@lru_cache(maxsize=256)
def _case_page(restricted: bool, with_process: bool, with_status: bool, with_from: bool, with_to: bool,
               shape: tuple[bool, ...], cases_first: bool, columns: tuple[str, ...], descending: bool) -> Select[Any]:
    filters = _case_filters(restricted, with_process, with_status, with_from, with_to, shape, cases_first)
    keys = sorted(set(columns) | {"id"})
    ranked = (select(*(CASES.c[k] for k in keys)).select_from(_case_source(shape, cases_first)).where(*filters)
              .order_by(*_ordered(columns, descending, CASES)).offset(bindparam("skip"))
              .limit(bindparam("per_page")).subquery())
    return (select(*CASE_SUMMARY_COLUMNS).select_from(ranked.join(CASES, CASES.c.id == ranked.c.id)
                                                      .join(DEFINITIONS, DEFINITIONS.c.id == CASES.c.definition_id))
            .order_by(*_ordered(columns, descending, ranked)))
