"""The case list narrowed and sorted by a search (how a search runs: engine.reading.search_statements)."""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, Select, bindparam, exists, literal_column, or_, select

from engine.persistence.models import HumanTask, ProcessDefinition, ProcessInstance
from engine.reading.search import Search
from engine.reading.search_statements import (LeftFirst, Plan, capped_count, count_cap, has_terms, matching_cases,
                                              ordered)

TASKS, CASES, DEFINITIONS = HumanTask.__table__, ProcessInstance.__table__, ProcessDefinition.__table__


@dataclass(frozen=True)
class CaseQuery:
    """The case list narrowed by a search; ``task_roles`` None: the user reads every case."""

    username: str
    task_roles: tuple[str, ...] | None
    search: Search

    def params(self, plan: Plan) -> dict[str, Any]:
        start, end = self.search.bounds()
        return {"username": self.username, "roles": list(self.task_roles or ()), "cap": count_cap(),
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
        found += has_terms(CASES.c.id, shape)
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
    matched = matching_cases(shape)
    return LeftFirst(matched, CASES, CASES.c.id == matched.c.case_id)


@lru_cache(maxsize=256)
def _case_count(restricted: bool, with_process: bool, with_status: bool, with_from: bool, with_to: bool,
                shape: tuple[bool, ...], cases_first: bool, _columns: tuple[str, ...],
                _descending: bool) -> Select[Any]:
    filters = _case_filters(restricted, with_process, with_status, with_from, with_to, shape, cases_first)
    return select(capped_count(select(literal_column("1").label("one")).select_from(_case_source(shape, cases_first))
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
              .order_by(*ordered(columns, descending, CASES)).offset(bindparam("skip"))
              .limit(bindparam("per_page")).subquery())
    return (select(*CASE_SUMMARY_COLUMNS).select_from(ranked.join(CASES, CASES.c.id == ranked.c.id)
                                                      .join(DEFINITIONS, DEFINITIONS.c.id == CASES.c.definition_id))
            .order_by(*ordered(columns, descending, ranked)))
