"""The inbox narrowed and sorted by a search (how a search runs: engine.reading.search_statements)."""
from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, Select, and_, bindparam, func, literal_column, or_, select, true, union_all

from engine.persistence.models import HumanTask, candidate_text, names_in
from engine.reading.search import Search
from engine.reading.search_statements import (LeftFirst, Plan, capped_count, count_cap, has_terms, matching_cases,
                                              numbered, numbered_params, ordered)
from engine.values import TaskView

TASKS = HumanTask.__table__


@dataclass(frozen=True)
class InboxQuery:
    """One inbox tab narrowed by a search, for a user whose inbox holds the claimed tasks of
    ``assignees`` (the user first, then the officials the user stands in for) and the pools of ``roles``."""

    username: str
    assignees: tuple[str, ...]
    roles: tuple[str, ...]
    tab: str
    search: Search
    now: datetime
    cap: int | None = None  # where a count stops (default: count_cap())

    def params(self, plan: Plan) -> dict[str, Any]:
        start, end = self.search.bounds()
        return {"assignees": list(self.assignees), **named_params(self.assignees),
                "roles": list(self.roles), "now": self.now, "cap": self.cap or count_cap(),
                "process_key": self.search.process_key, "date_from": start, "date_to": end,
                **{f"role_{n}": role for n, role in enumerate(self.roles)},
                **{f"assignee_{n}": name for n, name in enumerate(self.assignees)}, **plan.params()}

    def shape(self, plan: Plan) -> tuple[Any, ...]:
        columns, descending = self.search.order("inbox")
        return (self.tab, self.search.state, self.search.process_key is not None, self.search.date_from is not None,
                self.search.date_to is not None, plan.shape, plan.cases_first, columns, descending,
                len(self.assignees))


def inbox_count(connection: Connection, plan: Plan, query: InboxQuery) -> int:
    """The tab's tasks matching the search, up to COUNT_CAP + 1."""
    if plan.empty:
        return 0
    return int(connection.execute(_inbox_count(*query.shape(plan)), query.params(plan)).scalar_one())


def inbox_rows(connection: Connection, plan: Plan, query: InboxQuery, page: int, per_page: int) -> list[Any]:
    """One page of the tab's matching tasks: rows of TaskView's fields (without data)."""
    if plan.empty:
        return []
    window = page * per_page
    statement = _inbox_page(*query.shape(plan), len(query.roles), len(query.assignees))
    if statement is None:
        return []
    params = {**query.params(plan), "window": window, "skip": window - per_page, "per_page": per_page}
    return list(connection.execute(statement, params).all())


def inbox_counts(connection: Connection, plans: list[Plan], queries: list[InboxQuery]) -> list[int]:
    """``inbox_count`` of several searches (saved filters' badges) in one statement."""
    counted = [n for n, plan in enumerate(plans) if not plan.empty]
    found = [0] * len(plans)
    if not counted:
        return found
    statement = _inbox_counts(tuple(queries[n].shape(plans[n]) for n in counted))
    params: dict[str, Any] = {}
    for i, n in enumerate(counted):
        params.update(numbered_params(queries[n].params(plans[n]), i))
    for n, value in zip(counted, connection.execute(statement, params).one(), strict=True):
        found[n] = int(value)
    return found


def inbox_rows_counted(connection: Connection, plan: Plan, query: InboxQuery, page: int,
                       per_page: int) -> tuple[list[Any], int] | None:
    """``inbox_rows`` and ``inbox_count`` in one statement, for a page within the count's cap (else
    None): the matching tasks are read once, in the page's order, up to the cap; the page and the
    count both come from them. One round trip and one read instead of two of each.

    PostgreSQL only (else None): SQLite runs in the process, so a statement more costs no round trip,
    and it would read each part of the tab up to the cap before merging them (PostgreSQL merges the
    parts in order and stops at the cap)."""
    window = page * per_page
    cap = query.cap or count_cap()
    if window > cap or connection.dialect.name != "postgresql":
        return None
    if plan.empty:
        return [], 0
    statement = _inbox_page_counted(*query.shape(plan), len(query.roles), len(query.assignees))
    if statement is None:
        return [], 0
    params = {**query.params(plan), "skip": window - per_page, "per_page": per_page}
    rows = connection.execute(statement, params).all()
    return [r[1:] for r in rows if r.id is not None], int(rows[0].matched_total)


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


def for_me(named_count: int) -> Any:
    """A ready task is available to a holder of its role unless the model named other people for it: the
    user or one of the officials the user stands in for (``named_0`` …, as ``named_params`` binds them).
    The delimited name is looked up in the inbox index's last column, so no row is read to decide."""
    return or_(TASKS.c.candidate_users.is_(None),
               *(names_in(TASKS.c.candidate_users, bindparam(f"named_{n}")) for n in range(named_count)))


def named_params(assignees: tuple[str, ...]) -> dict[str, str | None]:
    """``for_me``'s parameters: the user first, then the officials the user stands in for."""
    return {f"named_{n}": candidate_text([name]) for n, name in enumerate(assignees)}


def _tab_parts(tab: str, state: str | None, role_count: int | None, assignee_count: int | None,
               named_count: int) -> list[Any]:
    """The disjoint parts of a tab: the claimed tasks of the user (and of the officials the user stands
    in for), and the ready tasks of the user's roles offered to the user (one part per assignee and per
    role when the counts are given, for reading each in its index order; else one part each)."""
    parts = []
    if tab in ("mine", "overdue") and state in (None, "claimed"):
        if assignee_count is None:
            parts.append(and_(TASKS.c.state == "claimed",
                              TASKS.c.assignee.in_(bindparam("assignees", expanding=True))))
        else:
            parts += [and_(TASKS.c.state == "claimed", TASKS.c.assignee == bindparam(f"assignee_{n}"))
                      for n in range(assignee_count)]
    if tab in ("available", "overdue") and state in (None, "ready"):
        if role_count is None:
            parts.append(and_(TASKS.c.state == "ready", TASKS.c.role.in_(bindparam("roles", expanding=True)),
                              for_me(named_count)))
        else:
            parts += [and_(TASKS.c.state == "ready", TASKS.c.role == bindparam(f"role_{n}"), for_me(named_count))
                      for n in range(role_count)]
    return parts


@lru_cache(maxsize=256)
def _inbox_count(tab: str, state: str | None, with_process: bool, with_from: bool, with_to: bool,
                 shape: tuple[bool, ...], cases_first: bool, _columns: tuple[str, ...],
                 _descending: bool, named_count: int) -> Select[Any]:
    filters = _task_filters(tab, with_process, with_from, with_to)
    parts = _tab_parts(tab, state, None, None, named_count)
    if not parts:
        return select(literal_column("0"))
    one: Any = literal_column("1").label("one")
    if cases_first:
        matched = matching_cases(shape)
        joined = LeftFirst(matched, TASKS, TASKS.c.instance_id == matched.c.case_id)
        return select(capped_count(select(one).select_from(joined).where(or_(*parts), *filters)))
    # The disjoint parts one after the other, each in its own index range, until the cap is reached.
    reads = [select(one).select_from(TASKS).where(part, *filters, *has_terms(TASKS.c.instance_id, shape))
             for part in parts]
    return select(capped_count(reads[0] if len(reads) == 1 else union_all(*reads)))


# A TaskView's fields in order (without data and the mandate), the candidates last: as
# engine.reading.queries reads a task row.
_COLUMN_OF = {"task_id": "id", "candidates": "candidate_users"}
_TASK_VIEW_NAMES = tuple(_COLUMN_OF.get(f.name, f.name) for f in fields(TaskView)
                         if f.name not in ("data", "acting_for"))


@lru_cache(maxsize=256)
def _inbox_page(tab: str, state: str | None, with_process: bool, with_from: bool, with_to: bool,
                shape: tuple[bool, ...], cases_first: bool, columns: tuple[str, ...], descending: bool,
                named_count: int, role_count: int, assignee_count: int) -> Select[Any] | None:
    filters = _task_filters(tab, with_process, with_from, with_to)
    view = [TASKS.c[name] for name in _TASK_VIEW_NAMES]
    if cases_first:
        parts = _tab_parts(tab, state, None, None, named_count)
        if not parts:
            return None
        matched = matching_cases(shape)
        return (select(*view).select_from(LeftFirst(matched, TASKS, TASKS.c.instance_id == matched.c.case_id))
                .where(or_(*parts), *filters).order_by(*ordered(columns, descending, TASKS))
                .offset(bindparam("skip")).limit(bindparam("per_page")))
    parts = _tab_parts(tab, state, role_count, assignee_count, named_count)
    if not parts:
        return None
    keys = sorted(set(columns) | {"id"})
    windows = [select(*(TASKS.c[k] for k in keys)).where(part, *filters, *has_terms(TASKS.c.instance_id, shape))
               .order_by(*ordered(columns, descending, TASKS)).limit(bindparam("window")).subquery()
               for part in parts]
    ranked = union_all(*(select(*(w.c[k] for k in keys)).select_from(w) for w in windows)).subquery()
    return (select(*view).join(ranked, ranked.c.id == TASKS.c.id).order_by(*ordered(columns, descending, ranked))
            .offset(bindparam("skip")).limit(bindparam("per_page")))


@lru_cache(maxsize=256)
def _inbox_page_counted(tab: str, state: str | None, with_process: bool, with_from: bool, with_to: bool,
                        shape: tuple[bool, ...], cases_first: bool, columns: tuple[str, ...], descending: bool,
                        named_count: int, role_count: int, assignee_count: int) -> Select[Any] | None:
    """One row per task of the page, each with the count (up to ``cap``); one row of NULLs and the
    count when the page is empty. The tasks matched, in the page's order up to the cap, are kept
    (MATERIALIZED) and read twice: counted, and paged."""
    filters = _task_filters(tab, with_process, with_from, with_to)
    keys = sorted(set(columns) | {"id"})
    cap: Any = bindparam("cap")
    if cases_first:
        parts = _tab_parts(tab, state, None, None, named_count)
        if not parts:
            return None
        matched_cases = matching_cases(shape)
        found: Any = (select(*(TASKS.c[k] for k in keys))
                      .select_from(LeftFirst(matched_cases, TASKS, TASKS.c.instance_id == matched_cases.c.case_id))
                      .where(or_(*parts), *filters).order_by(*ordered(columns, descending, TASKS)).limit(cap))
    else:
        parts = _tab_parts(tab, state, role_count, assignee_count, named_count)
        if not parts:
            return None
        # Each part in its index order, merged: reading stops at the cap however many tasks match.
        windows = [select(*(TASKS.c[k] for k in keys)).where(part, *filters, *has_terms(TASKS.c.instance_id, shape))
                   .order_by(*ordered(columns, descending, TASKS)).limit(cap).subquery() for part in parts]
        merged = union_all(*(select(*(w.c[k] for k in keys)).select_from(w) for w in windows)).subquery()
        found = (select(*(merged.c[k] for k in keys)).order_by(*ordered(columns, descending, merged)).limit(cap))
    matched = found.cte("matched").prefix_with("MATERIALIZED")
    total = select(func.count().label("matched_total")).select_from(matched).subquery("total")
    paged = (select(*(matched.c[k] for k in keys)).order_by(*ordered(columns, descending, matched))
             .offset(bindparam("skip")).limit(bindparam("per_page")).subquery("paged"))
    view = [TASKS.c[name] for name in _TASK_VIEW_NAMES]
    return (select(total.c.matched_total, *view)
            .select_from(total.outerjoin(paged, true()).outerjoin(TASKS, TASKS.c.id == paged.c.id))
            .order_by(*ordered(columns, descending, paged)))


@lru_cache(maxsize=256)
def _inbox_counts(shapes: tuple[tuple[Any, ...], ...]) -> Select[Any]:
    return select(*(numbered(_inbox_count(*shape), i).scalar_subquery().label(f"n{i}")
                    for i, shape in enumerate(shapes)))
