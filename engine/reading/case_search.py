"""The case list narrowed and sorted by a search (how a search runs: engine.reading.search_statements)."""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, Select, and_, bindparam, exists, false, literal_column, or_, select

from engine.persistence.models import HumanTask, ProcessDefinition, ProcessInstance
from engine.reading.search import Search
from engine.reading.search_statements import (LeftFirst, Plan, capped_count, count_cap, has_terms, matching_cases,
                                              ordered)

TASKS, CASES, DEFINITIONS = HumanTask.__table__, ProcessInstance.__table__, ProcessDefinition.__table__
OPEN_STATES = ("ready", "claimed")


@dataclass(frozen=True)
class CaseReader:
    """Who reads the case list: ``Permissions.case_access`` (not None) as a condition on the case row,
    built once per shape with the reader's values as parameters.

    ``every``: reads every case (an auditor); ``staff``: holds a role that is not external, ``staff_every``
    reads every case that is not confidential; ``held``/``supervised``: the pool and supervised task
    roles; ``requester``: holds an external role, with its unit ``opd_id``; ``granted``/``absent``: the
    roles and officials of the mandates (Plh/Plt) the reader holds now, whose cases it reads too.
    """

    username: str
    every: bool = False
    staff: bool = False
    staff_every: bool = False
    held: tuple[str, ...] = ()
    supervised: tuple[str, ...] = ()
    requester: bool = False
    opd_id: int | None = None
    granted: tuple[str, ...] = ()
    absent: tuple[str, ...] = ()

    def shape(self) -> tuple[bool, ...]:
        return (self.every, self.staff, self.staff_every, self.requester, self.opd_id is not None,
                bool(self.granted or self.absent))

    def params(self) -> dict[str, Any]:
        return {"username": self.username, "held": list(self.held), "supervised": list(self.supervised),
                "held_or_supervised": sorted(set(self.held) | set(self.supervised)), "opd_id": self.opd_id,
                "granted": list(self.granted), "absent": list(self.absent), "open_states": list(OPEN_STATES)}


@dataclass(frozen=True)
class CaseQuery:
    """The case list narrowed by a search, for ``reader``."""

    reader: CaseReader
    search: Search

    def params(self, plan: Plan) -> dict[str, Any]:
        start, end = self.search.bounds()
        return {**self.reader.params(), "cap": count_cap(),
                "process_key": self.search.process_key, "status": self.search.state,
                "date_from": start, "date_to": end, **plan.params()}

    def shape(self, plan: Plan) -> tuple[Any, ...]:
        columns, descending = self.search.order("cases")
        return (self.reader.shape(), self.search.process_key is not None, self.search.state is not None,
                self.search.date_from is not None, self.search.date_to is not None, plan.shape, plan.cases_first,
                columns, descending)


def case_count(connection: Connection, plan: Plan, query: CaseQuery) -> int:
    """The matching cases, up to COUNT_CAP + 1. Counted from the rarest term's cases whenever there are
    criteria: most of a term's cases are listed (the list's other conditions rarely exclude many), so the
    count stops at the cap after reading little more than that many of them."""
    if plan.empty:
        return 0
    counted = Plan(plan.criteria, cases_first=bool(plan.criteria))
    return int(connection.execute(_case_count(*query.shape(counted)), query.params(counted)).scalar_one())


def case_rows(connection: Connection, plan: Plan, query: CaseQuery, page: int, per_page: int) -> list[Any]:
    """One page of matching cases: rows of CaseSummary's fields."""
    if plan.empty:
        return []
    window = page * per_page
    params = {**query.params(plan), "skip": window - per_page, "per_page": per_page}
    return list(connection.execute(_case_page(*query.shape(plan)), params).all())


def _case_filters(reader: tuple[bool, ...], with_process: bool, with_status: bool, with_from: bool, with_to: bool,
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
    if not reader[0]:  # after the terms: an index probe rejects a case for less than this check
        found.append(_may_read(*reader[1:]))
    return found


def _may_read(staff: bool, staff_every: bool, requester: bool, with_opd: bool, with_mandates: bool) -> Any:
    """``Permissions.case_access`` in SQL (see CaseReader), for a reader who does not read every case.
    Each task check is one EXISTS: those on role, state and assignee read only the index
    ix_human_task_case, the one on who completed a step reads the task rows."""
    username: Any = bindparam("username")

    def any_task(*conditions: Any) -> Any:
        return exists(select(literal_column("1")).select_from(TASKS)
                      .where(TASKS.c.instance_id == CASES.c.id, or_(*conditions)))

    def roles(name: str) -> Any:
        return TASKS.c.role.in_(bindparam(name, expanding=True))

    readable = []
    if staff or requester:
        readable.append(CASES.c.started_by == username)
    if staff:
        # participants and supervisors; a confidential case only to holders of its open tasks' roles
        normal = (CASES.c.confidential.is_(False) if staff_every else
                  and_(CASES.c.confidential.is_(False), any_task(roles("held_or_supervised"),
                                                                 TASKS.c.assignee == username)))
        confidential = and_(CASES.c.confidential.is_(True), any_task(
            roles("supervised"), TASKS.c.assignee == username,
            and_(roles("held"), TASKS.c.state.in_(bindparam("open_states", expanding=True)))))
        readable += [normal, confidential, any_task(TASKS.c.completed_by == username)]
    if requester and with_opd:
        readable.append(and_(CASES.c.registered.is_(True), CASES.c.opd_id == bindparam("opd_id")))
    if with_mandates:  # a stand-in (Plh/Plt) reads the cases the official works in
        absent: Any = bindparam("absent", expanding=True)
        readable.append(any_task(roles("granted"), TASKS.c.assignee.in_(absent), TASKS.c.completed_by.in_(absent)))
    return or_(false(), *readable)


def _case_source(shape: tuple[bool, ...], cases_first: bool) -> Any:
    if not cases_first:
        return CASES
    matched = matching_cases(shape)
    return LeftFirst(matched, CASES, CASES.c.id == matched.c.case_id)


@lru_cache(maxsize=256)
def _case_count(reader: tuple[bool, ...], with_process: bool, with_status: bool, with_from: bool, with_to: bool,
                shape: tuple[bool, ...], cases_first: bool, _columns: tuple[str, ...],
                _descending: bool) -> Select[Any]:
    filters = _case_filters(reader, with_process, with_status, with_from, with_to, shape, cases_first)
    return select(capped_count(select(literal_column("1").label("one")).select_from(_case_source(shape, cases_first))
                         .where(*filters)))


CASE_SUMMARY_COLUMNS = (CASES.c.id, CASES.c.process_key, DEFINITIONS.c.name, CASES.c.business_key,
                        CASES.c.letter_number, CASES.c.opd, CASES.c.status, CASES.c.started_by, CASES.c.started_at,
                        CASES.c.ended_at, CASES.c.due_at)


@lru_cache(maxsize=256)
def _case_page(reader: tuple[bool, ...], with_process: bool, with_status: bool, with_from: bool, with_to: bool,
               shape: tuple[bool, ...], cases_first: bool, columns: tuple[str, ...], descending: bool) -> Select[Any]:
    filters = _case_filters(reader, with_process, with_status, with_from, with_to, shape, cases_first)
    keys = sorted(set(columns) | {"id"})
    ranked = (select(*(CASES.c[k] for k in keys)).select_from(_case_source(shape, cases_first)).where(*filters)
              .order_by(*ordered(columns, descending, CASES)).offset(bindparam("skip"))
              .limit(bindparam("per_page")).subquery())
    return (select(*CASE_SUMMARY_COLUMNS).select_from(ranked.join(CASES, CASES.c.id == ranked.c.id)
                                                      .join(DEFINITIONS, DEFINITIONS.c.id == CASES.c.definition_id))
            .order_by(*ordered(columns, descending, ranked)))
