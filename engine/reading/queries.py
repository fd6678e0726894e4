"""Read-only queries for inboxes, case pages and the audit trail."""
from __future__ import annotations

import json
from dataclasses import dataclass, fields
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, Select, and_, bindparam, func, literal_column, select, union_all
from sqlalchemy.orm import Session, sessionmaker

from engine.worktime.clock import Clock, utcnow
from engine.modeling.definitions import DefinitionStore
from engine.errors import CaseNotFound, InvalidInput
from engine.persistence.db import read_only_connection
from engine.persistence.models import (AuditEvent, HumanTask, ProcessDefinition, ProcessInstance,
                                      SavedFilter, UserAccount, UserRole)
from engine.persistence.rows import case_row, task_row
from engine.modeling.roles import RoleCatalog
from engine.permissions import Permissions, reads_every_case
from engine.worker.notifications import UNREAD_COUNT
from engine.accounts.users import ACTIVE_USER_ROLES, active_user_view
from engine.reading.search import Search
from engine.reading.case_search import CaseQuery, case_count, case_rows
from engine.reading.inbox_search import InboxQuery, inbox_count, inbox_rows
from engine.reading.search_statements import COUNT_CAP, plan_search
from engine.values import AuditEventView, CaseSummary, CaseView, Page, TaskView, UserView

INBOX_TABS = ("mine", "available", "overdue")
MAX_PER_PAGE = 100
TASKS = HumanTask.__table__
INBOX_ORDER = (TASKS.c.due_at, TASKS.c.created_at, TASKS.c.id)  # soonest due, then first come


@dataclass(frozen=True)
class SignedInUser:
    user: UserView
    unread_notifications: int


@dataclass(frozen=True)
class InboxOverview:
    counts: dict[str, int]  # open tasks per tab, up to COUNT_CAP + 1
    tab: str  # the tab shown (the default one when none was asked for)
    page: Page
    saved_filters: int = 0  # how many the user has (engine.accounts.saved_filters)


def task_view(row: HumanTask, with_data: bool = False) -> TaskView:
    return TaskView(
        task_id=row.id, instance_id=row.instance_id, process_key=row.process_key, process_name=row.process_name,
        business_key=row.business_key, element_id=row.element_id, name=row.name, role=row.role,
        form_key=row.form_key, state=row.state, assignee=row.assignee, created_at=row.created_at,
        due_at=row.due_at, claimed_at=row.claimed_at, completed_at=row.completed_at,
        completed_by=row.completed_by, version=row.version,
        data=json.loads(row.data_json) if with_data and row.data_json else None)


class Queries:
    def __init__(self, sessions: sessionmaker[Session], roles: RoleCatalog, permissions: Permissions,
                 definitions: DefinitionStore, clock: Clock = utcnow) -> None:
        self._sessions = sessions
        self._roles = roles
        self._may = permissions
        self._definitions = definitions
        self._clock = clock

    def inbox(self, username: str, tab: str = "available", process_key: str | None = None,
              page: int = 1, per_page: int = 25, state: str | None = None) -> Page:
        """Open tasks for a user, soonest due first.

        ``mine``: claimed by the user; ``available``: ready for one of the user's roles (groups
        expanded); ``overdue``: either of those past its due time. ``state`` narrows to ready or
        claimed. Each role is its own index range scan (state, role, due_at) merged by due time, so
        a page costs the same with a million rows; the total is counted up to COUNT_CAP.
        """
        return self.inbox_overview(username, tab, process_key, state, page, per_page).page

    def inbox_counts(self, username: str, process_key: str | None = None) -> dict[str, int]:
        """Open tasks per tab, each counted up to COUNT_CAP (the page shows "1000+")."""
        with read_only_connection(self._sessions) as connection:
            roles = self._task_roles(connection, username)
            return _InboxCounts.read(connection, username, roles, process_key, self._clock()).per_tab()

    def inbox_overview(self, username: str, tab: str | None = None, process_key: str | None = None,
                       state: str | None = None, page: int = 1, per_page: int = 25,
                       user_roles: frozenset[str] | None = None, search: Search | None = None) -> InboxOverview:
        """The counts of every tab and one page of a tab: two statements, plus one for the user's roles
        unless the caller passes ``user_roles`` it has just read (the signed-in user's).

        Without ``tab``: the user's own tasks, or the available ones when the user holds none.
        ``search`` (its SOP and state replace ``process_key`` and ``state``) narrows and orders the
        page; the tab counts stay those of the SOP (engine.reading.search_statements: two or three
        statements more).

        :raises InvalidInput: unknown tab or state
        """
        if search is not None:
            process_key, state = search.process_key, search.state
        if (tab is not None and tab not in INBOX_TABS) or (state is not None and state not in TASK_STATES_OPEN):
            raise InvalidInput(f"Tab atau status tidak dikenal: {tab}/{state}", field="tab")
        page, per_page = max(1, page), min(max(1, per_page), MAX_PER_PAGE)
        now = self._clock()
        with read_only_connection(self._sessions) as connection:
            roles = self._task_roles(connection, username, user_roles)
            counts = _InboxCounts.read(connection, username, roles, process_key, now)
            tab = tab or ("available" if counts.available and not counts.mine else "mine")
            if search is not None and not search.is_plain("inbox"):
                query = InboxQuery(username, tuple(roles), tab, search, now)
                plan = plan_search(connection, search.criteria())
                rows = inbox_rows(connection, plan, query, page, per_page)
                total = _known_total(rows, page, per_page)
                if total is None:
                    total = inbox_count(connection, plan, query)
                return InboxOverview(counts.per_tab(), tab, Page([TaskView(*r) for r in rows], page, per_page,
                                                                 min(total, COUNT_CAP), capped=total > COUNT_CAP),
                                     counts.saved_filters)
            total = counts.total(tab, state)
            window = page * per_page
            statement = _inbox_page_statement(tab, state, process_key is not None, len(roles))
            params = {"username": username, "now": now, "process_key": process_key, "window": window,
                      "skip": window - per_page, "per_page": per_page,
                      **{f"role_{n}": role for n, role in enumerate(roles)}}
            rows = connection.execute(statement, params).all() if statement is not None else []
            return InboxOverview(counts.per_tab(), tab, Page([TaskView(*r) for r in rows], page, per_page,
                                                             min(total, COUNT_CAP), capped=total > COUNT_CAP),
                                 counts.saved_filters)

    def inbox_search_counts(self, username: str, searches: list[tuple[str, Search]],
                            user_roles: frozenset[str] | None = None) -> list[int]:
        """For each (tab, search): the tab's tasks matching the search, up to COUNT_CAP + 1 (saved filters)."""
        now = self._clock()
        with read_only_connection(self._sessions) as connection:
            roles = tuple(self._task_roles(connection, username, user_roles))
            found = []
            for tab, search in searches:
                plan = plan_search(connection, search.criteria())
                found.append(min(inbox_count(connection, plan, InboxQuery(username, roles, tab, search, now)),
                                 COUNT_CAP + 1))
            return found

    def signed_in_user(self, username: str) -> SignedInUser | None:
        """An active account with its roles and its unread notifications, in one statement: what every
        signed-in page reads (the bell is on each of them)."""
        with read_only_connection(self._sessions) as connection:
            rows = connection.execute(_SIGNED_IN_USER, {"username": username}).all()
        user = active_user_view(rows)
        return SignedInUser(user, rows[0].unread) if user is not None else None

    def _task_roles(self, connection: Connection, username: str, user_roles: frozenset[str] | None = None) -> list[str]:
        if user_roles is None:
            user_roles = frozenset(connection.scalars(ACTIVE_USER_ROLES, {"username": username}))
        return sorted(self._roles.expand(user_roles))

    def task(self, task_id: str) -> TaskView:
        with self._sessions() as session:
            row = task_row(session, task_id)
            return task_view(row, with_data=True)

    def case(self, instance_id: int) -> CaseView:
        with self._sessions() as session:
            row = case_row(session, instance_id)
            definition, parsed = self._definitions.get(session, row.definition_id)
            return CaseView(
                instance_id=row.id, process_key=row.process_key, process_name=parsed.name,
                definition_id=row.definition_id, definition_version=definition.version,
                business_key=row.business_key, status=row.status, started_by=row.started_by,
                started_at=row.started_at, ended_at=row.ended_at, due_at=row.due_at, warning_at=row.warning_at,
                data=json.loads(row.data_json or "{}"), version=row.version)

    def case_tasks(self, instance_id: int) -> list[TaskView]:
        with self._sessions() as session:
            rows = session.scalars(select(HumanTask).where(HumanTask.instance_id == instance_id)
                                   .order_by(HumanTask.created_at, HumanTask.id))
            return [task_view(r, with_data=True) for r in rows]

    def open_tasks(self, instance_id: int) -> list[TaskView]:
        with self._sessions() as session:
            rows = session.scalars(select(HumanTask).where(
                HumanTask.instance_id == instance_id, HumanTask.state.in_(("ready", "claimed")))
                .order_by(HumanTask.created_at, HumanTask.id))
            return [task_view(r) for r in rows]

    def cases(self, process_key: str | None = None, status: str | None = None,
                  page: int = 1, per_page: int = 25) -> Page:
        page, per_page = max(1, page), min(max(1, per_page), MAX_PER_PAGE)
        with self._sessions() as session:
            conditions = []
            if process_key:
                conditions.append(ProcessInstance.process_key == process_key)
            if status:
                conditions.append(ProcessInstance.status == status)
            where = and_(True, *conditions)
            total = session.scalar(select(func.count()).select_from(ProcessInstance).where(where)) or 0
            ids = session.scalars(select(ProcessInstance.id).where(where).order_by(ProcessInstance.id.desc())
                                  .offset((page - 1) * per_page).limit(per_page)).all()
        return Page([self.case(i) for i in ids], page, per_page, total)

    def audit_trail(self, instance_id: int) -> list[AuditEventView]:
        with self._sessions() as session:
            rows = session.scalars(select(AuditEvent).where(AuditEvent.chain == f"instance:{instance_id}")
                                   .order_by(AuditEvent.seq))
            return [AuditEventView(r.id, r.chain, r.seq, r.instance_id, r.event_type, r.actor, r.at,
                                   json.loads(r.payload_json), r.hash) for r in rows]

    def definition_xml(self, definition_id: int) -> str:
        with self._sessions() as session:
            row = session.get(ProcessDefinition, definition_id)
            if row is None:
                raise CaseNotFound(f"Definisi {definition_id} tidak ditemukan", definition_id=definition_id)
            return row.bpmn_xml

    # -- web inbox and case list (appended for the web app) --------------------------------------

    def inbox_page(self, username: str, tab: str = "available", process_key: str | None = None,
                   state: str | None = None, page: int = 1, per_page: int = 25) -> Page:
        """``inbox`` narrowed by task state (``ready`` or ``claimed``), e.g. within the overdue tab."""
        return self.inbox(username, tab, process_key, page, per_page, state=state)

    def visible_cases(self, username: str, process_key: str | None = None, status: str | None = None,
                      page: int = 1, per_page: int = 25, search: Search | None = None) -> Page:
        """Cases a user may read, newest first unless ``search`` sorts otherwise: all for
        ``reads_every_case``; otherwise those the user started or acted in, or with a task of a role the
        user holds or supervises. ``search`` (its SOP and status replace ``process_key`` and ``status``)
        narrows them; the total is counted up to COUNT_CAP."""
        search = search or Search(process_key=process_key, state=status)
        page, per_page = max(1, page), min(max(1, per_page), MAX_PER_PAGE)
        with read_only_connection(self._sessions) as connection:
            user_roles = set(connection.scalars(ACTIVE_USER_ROLES, {"username": username}))
            task_roles = None if reads_every_case(user_roles) else tuple(sorted(self._may.task_roles_seen(user_roles)))
            query = CaseQuery(username, task_roles, search)
            plan = plan_search(connection, search.criteria())
            rows = case_rows(connection, plan, query, page, per_page)
            total = _known_total(rows, page, per_page)
            if total is None:
                total = case_count(connection, plan, query)
        return Page([CaseSummary(*r) for r in rows], page, per_page, min(total, COUNT_CAP), capped=total > COUNT_CAP)


TASK_STATES_OPEN = ("ready", "claimed")


def _known_total(rows: list[Any], page: int, per_page: int) -> int | None:
    """The total a page that is not full tells (no count needed), else None."""
    if len(rows) < per_page and (rows or page == 1):
        return (page - 1) * per_page + len(rows)
    return None


# -- statements built once per shape: building one per call costs SQLAlchemy about as much as running it

_USERNAME = bindparam("username")
_NOW = bindparam("now", type_=TASKS.c.due_at.type)
_CAP = COUNT_CAP + 1
_MINE = and_(TASKS.c.state == "claimed", TASKS.c.assignee == _USERNAME)

# A TaskView's fields in order (without data): a row of these is a TaskView's arguments, and reading
# a row by position costs a fraction of reading it by name.
_TASK_VIEW_COLUMNS = tuple(TASKS.c[f.name if f.name != "task_id" else "id"] for f in fields(TaskView)
                           if f.name != "data")

_ACCOUNTS, _ROLES, _SAVED_FILTERS = UserAccount.__table__, UserRole.__table__, SavedFilter.__table__
# One row per role (one with a NULL role for a user without roles).
_SIGNED_IN_USER = (
    select(_ACCOUNTS.c.id.label("user_id"), _ACCOUNTS.c.username, _ACCOUNTS.c.full_name, _ACCOUNTS.c.email,
           _ROLES.c.role_key, UNREAD_COUNT.scalar_subquery().label("unread"))
    .outerjoin(_ROLES, _ROLES.c.user_id == _ACCOUNTS.c.id)
    .where(_ACCOUNTS.c.username == _USERNAME, _ACCOUNTS.c.active.is_(True)))


def _narrowed(condition: Any, overdue: bool, with_process: bool) -> Any:
    extra = [TASKS.c.due_at < _NOW] if overdue else []
    if with_process:
        extra.append(TASKS.c.process_key == bindparam("process_key"))
    return and_(condition, *extra)


def _capped_count(condition: Any) -> Any:
    # A constant, not the id: the inbox indexes cover every condition but not the id, so counting ids
    # would read each counted row from the table (a thousand row lookups per capped part).
    limited = select(literal_column("1").label("one")).select_from(TASKS).where(condition).limit(_CAP).subquery()
    return select(func.count()).select_from(limited).scalar_subquery()


@lru_cache(maxsize=None)
def _counts_statement(with_process: bool) -> Select[Any]:
    """The four parts of the inbox, each counted up to COUNT_CAP + 1, and the user's saved filters (a page
    reads them only when there are some), in one statement."""
    available = and_(TASKS.c.state == "ready", TASKS.c.role.in_(bindparam("roles", expanding=True)))
    saved = (select(func.count()).select_from(_SAVED_FILTERS).where(_SAVED_FILTERS.c.username == _USERNAME)
             .scalar_subquery())
    return select(*(_capped_count(_narrowed(condition, overdue, with_process)).label(name)
                    for name, condition, overdue in (("mine", _MINE, False), ("available", available, False),
                                                     ("overdue_mine", _MINE, True),
                                                     ("overdue_available", available, True))),
                  saved.label("saved_filters"))


@lru_cache(maxsize=512)
def _inbox_page_statement(tab: str, state: str | None, with_process: bool, role_count: int) -> Select[Any] | None:
    """One page of a tab: a window of each part (its own index range, in due order) merged by due time,
    joined back to the rows. ``None`` when the tab has no part (e.g. ``mine`` narrowed to ready)."""
    parts = []
    if tab in ("mine", "overdue") and state in (None, "claimed"):
        parts.append(_MINE)
    if tab in ("available", "overdue") and state in (None, "ready"):
        parts += [and_(TASKS.c.state == "ready", TASKS.c.role == bindparam(f"role_{n}")) for n in range(role_count)]
    if not parts:
        return None
    window = bindparam("window")
    ranked = union_all(*[
        select(sub.c.id, sub.c.due_at, sub.c.created_at).select_from(sub) for sub in (
            select(TASKS.c.id, TASKS.c.due_at, TASKS.c.created_at).where(_narrowed(part, tab == "overdue", with_process))
            .order_by(*INBOX_ORDER).limit(window).subquery() for part in parts)
    ]).subquery()
    return (select(*_TASK_VIEW_COLUMNS).join(ranked, ranked.c.id == TASKS.c.id)
            .order_by(ranked.c.due_at, ranked.c.created_at, ranked.c.id)
            .offset(bindparam("skip")).limit(bindparam("per_page")))


@dataclass(frozen=True)
class _InboxCounts:
    """Open tasks in each part of the inbox, each counted up to COUNT_CAP + 1."""

    mine: int
    available: int
    overdue_mine: int
    overdue_available: int
    saved_filters: int  # the user's, not a part

    @classmethod
    def read(cls, connection: Connection, username: str, roles: list[str], process_key: str | None,
             now: datetime) -> _InboxCounts:
        row = connection.execute(_counts_statement(process_key is not None), {
            "username": username, "roles": roles, "now": now, "process_key": process_key}).one()
        return cls(*row)

    def total(self, tab: str, state: str | None) -> int:
        """A tab's tasks, narrowed to a state, up to COUNT_CAP + 1 (the parts of a tab are disjoint)."""
        claimed = 0 if tab == "available" or state == "ready" else (
            self.overdue_mine if tab == "overdue" else self.mine)
        ready = 0 if tab == "mine" or state == "claimed" else (
            self.overdue_available if tab == "overdue" else self.available)
        return min(_CAP, claimed + ready)

    def per_tab(self) -> dict[str, int]:
        return {tab: self.total(tab, None) for tab in INBOX_TABS}
