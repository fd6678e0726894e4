"""Read-only queries for inboxes, case pages and the audit trail."""
from __future__ import annotations

import json
from dataclasses import dataclass, fields, replace
from datetime import datetime
from functools import lru_cache
from typing import Any
from collections.abc import Sequence

from sqlalchemy import (BindParameter, Connection, Select, and_, bindparam, false, func, literal_column, select, true,
                        union_all)
from sqlalchemy.orm import Session, sessionmaker

from engine.worktime.clock import Clock, utcnow
from engine.modeling.definitions import DefinitionStore
from engine.errors import CaseNotFound, InvalidInput, TaskNotFound
from engine.persistence.compiled import DirectStatement, Read, pipelines, read_batch
from engine.persistence.db import engine_of, read_only_connection, read_only_session
from engine.persistence.models import (AuditEvent, HumanTask, ProcessDefinition, ProcessInstance,
                                      SavedFilter, UserAccount, UserRole, candidates_of)
from engine.persistence.rows import case_row
from engine.runtime.live_workflows import Recent
from engine.modeling.roles import RoleCatalog
from engine.permissions import Permissions, is_admin, may_audit, reads_every_case
from engine.worker.notifications import UNREAD_COUNT
from engine.accounts.users import active_user_view
from engine.persistence.authority import AUTHORITY, authority_of, mandates_held, now_param, parse_mandates
from engine.reading.search import Criterion, Search
from engine.reading.case_search import CaseQuery, CaseReader, case_count, case_rows
from engine.reading.inbox_search import (InboxQuery, for_me, inbox_count, inbox_counts, inbox_rows,
                                         inbox_rows_counted, named_params)
from engine.reading.search_statements import (COUNT_CAP, Plan, criteria_shape, plan_of, plan_searches,
                                              saved_count_cap, term_count_params, term_counts)
from engine.values import (ActiveMandate, AuditEventView, Authority, CaseSummary, CaseView, Page, StandIn, TaskView,
                           UserView)

INBOX_TABS = ("mine", "available", "overdue")
MAX_PER_PAGE = 100
TASKS = HumanTask.__table__
INBOX_ORDER = (TASKS.c.due_at, TASKS.c.created_at, TASKS.c.id)  # soonest due, then first come


@dataclass(frozen=True)
class SignedInUser:
    user: UserView
    unread_notifications: int
    mandates: tuple[ActiveMandate, ...] = ()  # the mandates the user stands in under now

    @property
    def authority(self) -> Authority:
        return Authority(self.user.roles, self.mandates)


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
        completed_by=row.completed_by, version=row.version, candidates=candidates_of(row.candidate_users),
        data=json.loads(row.data_json) if with_data and row.data_json else None)


# A task's row as the ORM reads it (task_view's attributes), by a prebuilt statement.
_TASK_ROW = DirectStatement(select(HumanTask.__table__).where(HumanTask.__table__.c.id == bindparam("task_id")))


class Queries:
    def __init__(self, sessions: sessionmaker[Session], roles: RoleCatalog, permissions: Permissions,
                 definitions: DefinitionStore, clock: Clock = utcnow) -> None:
        self._sessions = sessions
        self._roles = roles
        self._may = permissions
        self._definitions = definitions
        self._clock = clock
        # The inbox scope of each user's authority as last read (signed_in_inbox's guess).
        self._scopes: Recent[str, _InboxScope] = Recent(4096)
        self._tabs: Recent[str, str] = Recent(4096)  # the tab each user's inbox last opened on, none asked for

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
            scope = self._inbox_scope(connection, username, None)
            return _InboxCounts.read(connection, scope, process_key, self._clock()).per_tab()

    def inbox_overview(self, username: str, tab: str | None = None, process_key: str | None = None,
                       state: str | None = None, page: int = 1, per_page: int = 25,
                       authority: Authority | None = None, search: Search | None = None) -> InboxOverview:
        """The counts of every tab and one page of a tab: two statements, plus one for the user's roles
        and mandates unless the caller passes the ``authority`` it has just read (the signed-in user's).

        Without ``tab``: the user's own tasks, or the available ones when the user holds none.
        ``search`` (its SOP and state replace ``process_key`` and ``state``) narrows and orders the
        page; the tab counts stay those of the SOP. Searching costs nothing more than the two
        statements: the tab counts' statement also counts the search's terms (its plan), the page's
        also counts the matches; only a page past the count's cap reads its count apart
        (engine.reading.search_statements).

        A stand-in (Plh/Plt) sees, while the mandate runs, the tasks the absent official holds (under
        ``mine``) and the pool tasks of the official's roles (under ``available``), each marked with
        ``acting_for``; each is one more index range of the same statements.

        :raises InvalidInput: unknown tab or state
        """
        ask = _InboxAsk.of(tab, process_key, state, page, per_page, search)
        now = self._clock()
        with read_only_connection(self._sessions) as connection:
            scope = self._inbox_scope(connection, username, authority)
            counts = _InboxCounts.read(connection, scope, ask.process_key, now, ask.criteria)
            return self._inbox_page(connection, scope, counts, ask, now)

    def signed_in_inbox(self, username: str, generation: int, tab: str | None = None, page: int = 1,
                        per_page: int = 25, search: Search | None = None
                        ) -> tuple[SignedInUser, InboxOverview] | None:
        """``signed_in_user``, and ``inbox_overview`` with the authority it reads, on one connection.

        When this process has seen the user's authority (at their last signed-in read), the tab counts of
        the scope it gives are read in the user's statement: one round trip less. Only a guess, checked
        against the authority that statement reads; on a mismatch the counts are read again. On PostgreSQL
        the page's rows of that scope come in the same round trip (a pipeline) when the tab is known: asked
        for, or the one the user's inbox last opened on; they are used only if the scope and the tab
        turn out as guessed, else read again.

        :raises InvalidInput: unknown tab or state
        """
        ask = _InboxAsk.of(tab, None, None, page, per_page, search)
        now = self._clock()
        guess = self._scopes.get(username)
        params: dict[str, Any] = {"username": username, "now": now, "generation": generation}
        early: tuple[str, list[Any]] | None = None
        with read_only_connection(self._sessions) as connection:
            if guess is None:
                rows = _SIGNED_IN_USER.all(connection, params)
            else:
                user = Read(_signed_in_with_counts(ask.process_key is not None, len(guess.assignees),
                                                   len(guess.roles), criteria_shape(ask.criteria)),
                            {**params, **_counts_params(guess, ask.process_key, now, ask.criteria)})
                tab_guess = (ask.tab or self._tabs.get(username)) if pipelines(connection) else None
                page_read = _page_read(guess, tab_guess, ask, now) if tab_guess is not None else None
                if tab_guess is None or page_read is None:
                    rows = user.statement.all(connection, user.params)
                else:
                    rows, page_rows = read_batch(connection, [user, page_read])
                    early = (tab_guess, page_rows)
            signed_in = _signed_in_of(rows)
            if signed_in is None:
                return None
            scope = self._scope(username, signed_in.authority)
            counts = _InboxCounts.of(rows[0][_SIGNED_IN_WIDTH:]) if scope is guess else \
                _InboxCounts.read(connection, scope, ask.process_key, now, ask.criteria)
            return signed_in, self._inbox_page(connection, scope, counts, ask, now,
                                               early if scope is guess else None)

    def _inbox_page(self, connection: Connection, scope: _InboxScope, counts: _InboxCounts, ask: _InboxAsk,
                    now: datetime, early: tuple[str, list[Any]] | None = None) -> InboxOverview:
        """The overview of ``counts`` with the page ``ask`` asks for (its tab, when none, from the counts).
        ``early``: a tab and the rows ``_page_read`` read for it in this scope already (used if it is the tab)."""
        page, per_page, state = ask.page, ask.per_page, ask.state
        tab = ask.tab or ("available" if counts.available and not counts.mine else "mine")
        if ask.tab is None:
            self._tabs.keep(scope.assignees[0], tab)
        searching = ask.searching
        if searching is not None:
            query = InboxQuery(scope.assignees[0], scope.assignees, scope.roles, tab, searching, now)
            plan = plan_of(ask.criteria, counts.term_counts)
            counted = inbox_rows_counted(connection, plan, query, page, per_page)
            if counted is not None:
                found, total = counted
            else:  # a page past the count's cap
                found = inbox_rows(connection, plan, query, page, per_page)
                known = _known_total(found, page, per_page)
                total = inbox_count(connection, plan, query) if known is None else known
            items = [scope.mark(_task_view_of(r)) for r in found]
            return InboxOverview(counts.per_tab(), tab, Page(items, page, per_page, min(total, COUNT_CAP),
                                                             capped=total > COUNT_CAP), counts.saved_filters)
        total = counts.total(tab, state)
        if early is not None and early[0] == tab:
            rows = early[1]
        else:
            read = _page_read(scope, tab, ask, now)
            rows = read.statement.all(connection, read.params) if read is not None else []
        items = [scope.mark(_task_view_of(r)) for r in rows]
        return InboxOverview(counts.per_tab(), tab, Page(items, page, per_page,
                                                         min(total, COUNT_CAP), capped=total > COUNT_CAP),
                             counts.saved_filters)

    def inbox_search_counts(self, username: str, searches: list[tuple[str, Search]],
                            authority: Authority | None = None) -> list[int]:
        """For each (tab, search): the tab's tasks matching the search, up to SAVED_COUNT_CAP + 1 (the
        badges of saved filters)."""
        now = self._clock()
        with read_only_connection(self._sessions) as connection:
            scope = self._inbox_scope(connection, username, authority)
            if not searches:
                return []
            plans = plan_searches(connection, [search.criteria() for _tab, search in searches])
            found = inbox_counts(connection, plans, [InboxQuery(username, scope.assignees, scope.roles, tab, search,
                                                                now, saved_count_cap()) for tab, search in searches])
            return [min(n, saved_count_cap()) for n in found]

    def signed_in_user(self, username: str, generation: int) -> SignedInUser | None:
        """An active account with its roles, its unread notifications and the mandates it holds now, in
        one statement: what every signed-in page reads (the bell is on each of them). None also when the
        session began in an earlier ``generation`` (a logout, password change or deactivation since)."""
        # alone on a pooled driver connection: without SQLAlchemy's connection and transaction around it,
        # 20-35 µs less on every signed-in page
        signed_in = _signed_in_of(_SIGNED_IN_USER.all_alone(engine_of(self._sessions), {
            "username": username, "now": self._clock(), "generation": generation}))
        if signed_in is not None:
            self._scope(username, signed_in.authority)  # what the user's next inbox guesses (signed_in_inbox)
        return signed_in

    def authority(self, username: str) -> Authority:
        """What ``username`` may act as now: roles and running mandates (one statement; empty when the
        account is unknown or deactivated)."""
        with read_only_connection(self._sessions) as connection:
            return self._authority(connection, username)

    def _authority(self, connection: Connection, username: str) -> Authority:
        return authority_of(connection.execute(AUTHORITY, {"username": username, "now": self._clock()}))

    def _inbox_scope(self, connection: Connection, username: str, authority: Authority | None) -> _InboxScope:
        return _InboxScope.of(username, authority or self._authority(connection, username), self._roles, self._may)

    def _scope(self, username: str, authority: Authority) -> _InboxScope:
        """The inbox scope of ``authority``: the one kept for the user if it has not changed, else a new one,
        kept."""
        kept = self._scopes.get(username)
        if kept is not None and kept.authority == authority:
            return kept
        scope = _InboxScope.of(username, authority, self._roles, self._may)
        self._scopes.keep(username, scope)
        return scope

    # Read-only connections and sessions: on PostgreSQL no ROLLBACK ends them, and at each ROLLBACK psycopg
    # forgets every statement it prepared on the connection (the next step's then parsed and planned again).
    def task(self, task_id: str) -> TaskView:
        """:raises TaskNotFound:"""
        with read_only_connection(self._sessions) as connection:
            row = _TASK_ROW.first(connection, {"task_id": task_id})
        if row is None:
            raise TaskNotFound.of(task_id)
        return task_view(row, with_data=True)

    def case(self, instance_id: int) -> CaseView:
        with read_only_session(self._sessions) as session:
            row = case_row(session, instance_id)
            definition, parsed = self._definitions.get(session, row.definition_id)
            return CaseView(
                instance_id=row.id, process_key=row.process_key, process_name=parsed.name,
                definition_id=row.definition_id, definition_version=definition.version,
                business_key=row.business_key, status=row.status, started_by=row.started_by,
                started_at=row.started_at, ended_at=row.ended_at, due_at=row.due_at, warning_at=row.warning_at,
                data=json.loads(row.data_json or "{}"), version=row.version, opd_id=row.opd_id,
                confidential=row.confidential, registered=row.registered)

    def case_tasks(self, instance_id: int) -> list[TaskView]:
        with read_only_session(self._sessions) as session:
            # Tasks opened at one moment: the one done at once (a step registered on a requester's
            # behalf) before those it opened.
            rows = session.scalars(select(HumanTask).where(HumanTask.instance_id == instance_id)
                                   .order_by(HumanTask.created_at, HumanTask.completed_at.is_(None),
                                             HumanTask.completed_at, HumanTask.id))
            return [task_view(r, with_data=True) for r in rows]

    def open_tasks(self, instance_id: int) -> list[TaskView]:
        with read_only_session(self._sessions) as session:
            rows = session.scalars(select(HumanTask).where(
                HumanTask.instance_id == instance_id, HumanTask.state.in_(("ready", "claimed")))
                .order_by(HumanTask.created_at, HumanTask.id))
            return [task_view(r) for r in rows]

    def cases(self, process_key: str | None = None, status: str | None = None,
              page: int = 1, per_page: int = 25) -> Page:
        with read_only_session(self._sessions) as session:
            return self._case_page(session, true(), process_key, status, page, per_page)

    def audit_trail(self, instance_id: int) -> list[AuditEventView]:
        with read_only_session(self._sessions) as session:
            rows = session.scalars(select(AuditEvent).where(AuditEvent.chain == f"instance:{instance_id}")
                                   .order_by(AuditEvent.seq))
            return [AuditEventView(r.id, r.chain, r.seq, r.instance_id, r.event_type, r.actor, r.at,
                                   json.loads(r.payload_json), r.hash) for r in rows]

    def definition_xml(self, definition_id: int) -> str:
        with read_only_session(self._sessions) as session:
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
        """Cases a user may read (``Permissions.case_access`` as a query), newest first unless ``search``
        sorts otherwise. ``search`` (its SOP and status replace ``process_key`` and ``status``) narrows
        them; the total is counted up to COUNT_CAP."""
        search = search or Search(process_key=process_key, state=status)
        page, per_page = max(1, page), min(max(1, per_page), MAX_PER_PAGE)
        with read_only_connection(self._sessions) as connection:
            criteria = search.criteria()
            reader, plan = self._case_reader(connection, username, criteria)
            query = CaseQuery(reader, search)
            rows = case_rows(connection, plan, query, page, per_page)
            total = _known_total(rows, page, per_page)
            if total is None:
                total = case_count(connection, plan, query)
        return Page([CaseSummary(*r) for r in rows], page, per_page, min(total, COUNT_CAP), capped=total > COUNT_CAP)

    def _case_reader(self, connection: Connection, username: str,
                     criteria: list[Criterion]) -> tuple[CaseReader, Plan]:
        """What ``Permissions.case_access`` looks at for ``username``, with the mandates held now (a
        stand-in also reads the cases the official works in), and the plan of a search of ``criteria``,
        read in the same statement (an unknown or inactive user, who reads no case, gets no plan)."""
        rows = connection.execute(_authority_and_terms(criteria_shape(criteria)),
                                  {"username": username, "now": self._clock(),
                                   **(term_count_params(criteria) if criteria else {})}).all()
        authority = authority_of(rows)
        plan = plan_of(criteria, tuple(rows[0][2:]) if rows else (0,) * len(criteria))
        return self._reader_of(connection, username, authority), plan

    def _reader_of(self, connection: Connection, username: str, authority: Authority) -> CaseReader:
        roles = authority.roles
        if may_audit(roles):
            return CaseReader(username, every=True)
        staff = roles - self._roles.external
        requester = self._may.is_requester(roles)
        mandates = authority.mandates
        return CaseReader(
            username, staff=bool(staff), staff_every=bool(staff) and (reads_every_case(staff) or is_admin(staff)),
            held=tuple(sorted(self._may.pool_roles(staff))),
            supervised=tuple(sorted(self._may.supervised_roles(staff))),
            requester=requester,
            opd_id=connection.scalar(_OPD_OF, {"username": username}) if requester else None,
            granted=tuple(sorted(set().union(*(self._may.granted_by(m) for m in mandates)))),
            absent=tuple(sorted({m.absent for m in mandates})))

    def _case_page(self, session: Session, readable: Any, process_key: str | None, status: str | None,
                   page: int, per_page: int) -> Page:
        """One page of the cases matching ``readable`` (and the filters), newest first, with the total."""
        page, per_page = max(1, page), min(max(1, per_page), MAX_PER_PAGE)
        conditions = [readable]
        if process_key:
            conditions.append(ProcessInstance.process_key == process_key)
        if status:
            conditions.append(ProcessInstance.status == status)
        where = and_(*conditions)
        total = session.scalar(select(func.count()).select_from(ProcessInstance).where(where)) or 0
        ids = session.scalars(select(ProcessInstance.id).where(where).order_by(ProcessInstance.id.desc())
                              .offset((page - 1) * per_page).limit(per_page)).all()
        return Page([self.case(i) for i in ids], page, per_page, total)


TASK_STATES_OPEN = ("ready", "claimed")


def _known_total(rows: list[Any], page: int, per_page: int) -> int | None:
    """The total a page that is not full tells (no count needed), else None."""
    if len(rows) < per_page and (rows or page == 1):
        return (page - 1) * per_page + len(rows)
    return None


# -- statements built once per shape: building one per call costs SQLAlchemy about as much as running it

_USERNAME: BindParameter[str] = bindparam("username")
_NOW = bindparam("now", type_=TASKS.c.due_at.type)
_CAP = COUNT_CAP + 1
_OPD_OF = select(UserAccount.opd_id).where(UserAccount.username == _USERNAME, UserAccount.active.is_(True))

# A TaskView's fields in order (without data): a row of these is a TaskView's arguments, and reading
# a row by position costs a fraction of reading it by name.
_COLUMN_OF = {"task_id": "id", "candidates": "candidate_users"}
_TASK_VIEW_COLUMNS = tuple(TASKS.c[_COLUMN_OF.get(f.name, f.name)] for f in fields(TaskView)
                           if f.name not in ("data", "acting_for"))


def _task_view_of(row: Any) -> TaskView:
    return TaskView(*row[:-1], candidates=candidates_of(row[-1]))  # type: ignore[misc]  # candidates is last

_ACCOUNTS, _ROLES, _SAVED_FILTERS = UserAccount.__table__, UserRole.__table__, SavedFilter.__table__
# One row per role (one with a NULL role for a user without roles), with the bell and the mandates.
# Read on every signed-in request: executed on the driver's cursor.
_SIGNED_IN_SELECT = (
    select(_ACCOUNTS.c.id.label("user_id"), _ACCOUNTS.c.username, _ACCOUNTS.c.full_name, _ACCOUNTS.c.email,
           _ACCOUNTS.c.opd_id, _ACCOUNTS.c.email_mode, _ACCOUNTS.c.auth_source, _ROLES.c.role_key,
           UNREAD_COUNT.scalar_subquery().label("unread"), mandates_held(_USERNAME, now_param()).label("mandates"))
    .outerjoin(_ROLES, _ROLES.c.user_id == _ACCOUNTS.c.id)
    .where(_ACCOUNTS.c.username == _USERNAME, _ACCOUNTS.c.active.is_(True),
           _ACCOUNTS.c.session_generation == bindparam("generation")))
_SIGNED_IN_USER = DirectStatement(_SIGNED_IN_SELECT)
_SIGNED_IN_WIDTH = len(_SIGNED_IN_SELECT.selected_columns)


def _signed_in_of(rows: list[Any]) -> SignedInUser | None:
    """``_SIGNED_IN_USER``'s rows (its columns first) as the signed-in user, None without rows."""
    user = active_user_view(rows)
    return SignedInUser(user, rows[0].unread, parse_mandates(rows[0].mandates)) if user is not None else None


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


@lru_cache(maxsize=64)
def _authority_and_terms(criteria: tuple[bool, ...]) -> Select[Any]:
    """AUTHORITY, and the term counts of a search's ``criteria`` (their shape) on each of its rows."""
    return AUTHORITY.add_columns(*term_counts(criteria))


def _scope_params(scope: _InboxScope) -> dict[str, str | None]:
    """The parameters naming a scope's people and roles: ``for_me``'s, ``assignee_<n>``, ``role_<n>``."""
    return {**named_params(scope.assignees), **{f"assignee_{n}": name for n, name in enumerate(scope.assignees)},
            **{f"role_{n}": role for n, role in enumerate(scope.roles)}}


# The inbox's statements, prebuilt per shape and run on the driver's cursor (engine.persistence.compiled):
# an IN list of one bind parameter per role and assignee renders the SQL an expanding IN would, without
# SQLAlchemy's execution around it (about 0.05 ms a statement on SQLite, two per inbox page).
@lru_cache(maxsize=256)
def _counts_statement(with_process: bool, named_count: int, role_count: int,
                      criteria: tuple[bool, ...] = ()) -> DirectStatement:
    return DirectStatement(select(*_counts_columns(with_process, named_count, role_count, criteria)))


def _page_read(scope: _InboxScope, tab: str, ask: _InboxAsk, now: datetime) -> Read | None:
    """The rows of one page of ``tab`` in ``scope`` (an unfiltered page, not a search's); None when the tab
    has none to read (no role offers the pool)."""
    if ask.searching is not None:
        return None
    statement = _inbox_page_statement(tab, ask.state, ask.process_key is not None, len(scope.roles),
                                      len(scope.assignees))
    if statement is None:
        return None
    window = ask.page * ask.per_page
    return Read(statement, {**_scope_params(scope), "now": now, "process_key": ask.process_key, "window": window,
                            "skip": window - ask.per_page, "per_page": ask.per_page})


@lru_cache(maxsize=256)
def _signed_in_with_counts(with_process: bool, named_count: int, role_count: int,
                           criteria: tuple[bool, ...] = ()) -> DirectStatement:
    """``_SIGNED_IN_USER`` with the columns of ``_counts_statement`` after its own (on each of its rows:
    PostgreSQL and SQLite count them once)."""
    return DirectStatement(_SIGNED_IN_SELECT.add_columns(*_counts_columns(with_process, named_count, role_count,
                                                                          criteria)))


def _counts_columns(with_process: bool, named_count: int, role_count: int,
                    criteria: tuple[bool, ...]) -> tuple[Any, ...]:
    """The four parts of the inbox, each counted up to COUNT_CAP + 1, and the user's saved filters (a page
    reads them only when there are some), in one statement; then the term counts of a search's
    ``criteria`` (their shape), if any. "Mine": claimed by the user, or by an official the user stands in
    for (``named_count`` of them in all)."""
    mine = and_(TASKS.c.state == "claimed",
                TASKS.c.assignee.in_([bindparam(f"assignee_{n}") for n in range(named_count)]))
    roles = TASKS.c.role.in_([bindparam(f"role_{n}") for n in range(role_count)]) if role_count else false()
    available = and_(TASKS.c.state == "ready", roles, for_me(named_count))
    saved = (select(func.count()).select_from(_SAVED_FILTERS).where(_SAVED_FILTERS.c.username == _USERNAME)
             .scalar_subquery())
    return (*(_capped_count(_narrowed(condition, overdue, with_process)).label(name)
              for name, condition, overdue in (("mine", mine, False), ("available", available, False),
                                               ("overdue_mine", mine, True), ("overdue_available", available, True))),
            saved.label("saved_filters"), *term_counts(criteria))


def _counts_params(scope: _InboxScope, process_key: str | None, now: datetime,
                   criteria: list[Criterion]) -> dict[str, Any]:
    return {"username": scope.assignees[0], **_scope_params(scope), "now": now, "process_key": process_key,
            **(term_count_params(criteria) if criteria else {})}


@lru_cache(maxsize=512)
def _inbox_page_statement(tab: str, state: str | None, with_process: bool, role_count: int,
                          assignee_count: int = 1) -> DirectStatement | None:
    """One page of a tab: a window of each part (its own index range, in due order) merged by due time,
    joined back to the rows. ``None`` when the tab has no part (e.g. ``mine`` narrowed to ready)."""
    parts = []
    if tab in ("mine", "overdue") and state in (None, "claimed"):
        parts += [and_(TASKS.c.state == "claimed", TASKS.c.assignee == bindparam(f"assignee_{n}"))
                  for n in range(assignee_count)]
    if tab in ("available", "overdue") and state in (None, "ready"):
        parts += [and_(TASKS.c.state == "ready", TASKS.c.role == bindparam(f"role_{n}"), for_me(assignee_count))
                  for n in range(role_count)]
    if not parts:
        return None
    window: BindParameter[int] = bindparam("window")
    ranked = union_all(*[
        select(sub.c.id, sub.c.due_at, sub.c.created_at).select_from(sub) for sub in (
            select(TASKS.c.id, TASKS.c.due_at, TASKS.c.created_at)
            .where(_narrowed(part, tab == "overdue", with_process))
            .order_by(*INBOX_ORDER).limit(window).subquery() for part in parts)
    ]).subquery()
    return DirectStatement(select(*_TASK_VIEW_COLUMNS).join(ranked, ranked.c.id == TASKS.c.id)
                           .order_by(ranked.c.due_at, ranked.c.created_at, ranked.c.id)
                           .offset(bindparam("skip")).limit(bindparam("per_page")))


@dataclass(frozen=True)
class _InboxAsk:
    """The page of the inbox asked for, checked."""

    tab: str | None
    process_key: str | None
    state: str | None
    page: int
    per_page: int
    searching: Search | None  # a search the unfiltered statements do not serve
    criteria: list[Criterion]

    @classmethod
    def of(cls, tab: str | None, process_key: str | None, state: str | None, page: int, per_page: int,
           search: Search | None) -> _InboxAsk:
        """:raises InvalidInput: unknown tab or state"""
        if search is not None:
            process_key, state = search.process_key, search.state
        if (tab is not None and tab not in INBOX_TABS) or (state is not None and state not in TASK_STATES_OPEN):
            raise InvalidInput(f"Tab atau status tidak dikenal: {tab}/{state}", field="tab")
        searching = search if search is not None and not search.is_plain("inbox") else None
        return cls(tab, process_key, state, max(1, page), min(max(1, per_page), MAX_PER_PAGE), searching,
                   searching.criteria() if searching is not None else [])


@dataclass(frozen=True)
class _InboxCounts:
    """Open tasks in each part of the inbox, each counted up to COUNT_CAP + 1."""

    mine: int
    available: int
    overdue_mine: int
    overdue_available: int
    saved_filters: int  # the user's, not a part
    term_counts: tuple[int, ...] = ()  # each search criterion's cases (search_statements.term_counts)

    @classmethod
    def read(cls, connection: Connection, scope: _InboxScope, process_key: str | None,
             now: datetime, criteria: list[Criterion] | None = None) -> _InboxCounts:
        """The counts; with ``criteria``, also what plans a search of them (one round trip less)."""
        criteria = criteria or []
        return cls.of(_counts_statement(process_key is not None, len(scope.assignees), len(scope.roles),
                                        criteria_shape(criteria)).first(
            connection, _counts_params(scope, process_key, now, criteria)))

    @classmethod
    def of(cls, row: Sequence[Any]) -> _InboxCounts:
        """From the columns of ``_counts_columns``."""
        mine, available, overdue_mine, overdue_available, saved = row[:5]
        return cls(mine, available, overdue_mine, overdue_available, saved, tuple(row[5:]))

    def total(self, tab: str, state: str | None) -> int:
        """A tab's tasks, narrowed to a state, up to COUNT_CAP + 1 (the parts of a tab are disjoint)."""
        claimed = 0 if tab == "available" or state == "ready" else (
            self.overdue_mine if tab == "overdue" else self.mine)
        ready = 0 if tab == "mine" or state == "claimed" else (
            self.overdue_available if tab == "overdue" else self.available)
        return min(_CAP, claimed + ready)

    def per_tab(self) -> dict[str, int]:
        return {tab: self.total(tab, None) for tab in INBOX_TABS}


@dataclass(frozen=True)
class _InboxScope:
    """Whose claimed tasks and which roles' pools make up a user's inbox, and which of them come
    through a mandate (a role the user holds is never counted twice through one)."""

    assignees: tuple[str, ...]  # the user first, then the officials the user stands in for
    roles: tuple[str, ...]
    by_assignee: dict[str, StandIn]
    by_role: dict[str, StandIn]
    authority: Authority  # what it follows from (with the username)

    @classmethod
    def of(cls, username: str, authority: Authority, catalog: RoleCatalog, may: Permissions) -> _InboxScope:
        own = may.pool_roles(authority.roles)  # never a requester's step (external roles)
        by_assignee: dict[str, StandIn] = {}
        by_role: dict[str, StandIn] = {}
        for mandate in authority.mandates:
            if mandate.absent != username:
                by_assignee.setdefault(mandate.absent, mandate.stand_in())
            for role in sorted(may.granted_by(mandate) - own):
                by_role.setdefault(role, mandate.stand_in())
        return cls((username, *sorted(by_assignee)), tuple(sorted(own | set(by_role))), by_assignee, by_role,
                   authority)

    def mark(self, task: TaskView) -> TaskView:
        """The task with the mandate it is offered through, if any."""
        if not self.by_assignee and not self.by_role:
            return task
        acting = (self.by_assignee.get(task.assignee) if task.assignee else None) or self._named(task) \
            or self.by_role.get(task.role)
        return replace(task, acting_for=acting) if acting is not None else task

    def _named(self, task: TaskView) -> StandIn | None:
        """A ready task the model names an official for whom the user stands in (not the user)."""
        if task.assignee or not task.candidates or self.assignees[0] in task.candidates:
            return None
        return next((self.by_assignee[name] for name in task.candidates if name in self.by_assignee), None)
