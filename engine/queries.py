"""Read-only queries for inboxes, case pages and the audit trail."""
from __future__ import annotations

import json
from typing import Any

from sqlalchemy import and_, func, or_, select, union_all
from sqlalchemy.orm import Session, sessionmaker

from engine.clock import Clock, utcnow
from engine.deploy import DefinitionStore
from engine.errors import InstanceNotFound, InvalidInput, TaskNotFound
from engine.persistence.models import AuditEvent, HumanTask, ProcessDefinition, ProcessInstance
from engine.roles import RoleCatalog
from engine.users import roles_of
from engine.views import AuditEventView, InstanceView, Page, TaskView

INBOX_TABS = ("mine", "available", "overdue")
MAX_PER_PAGE = 100
COUNT_CAP = 1000
INBOX_ORDER = (HumanTask.due_at, HumanTask.created_at, HumanTask.id)  # soonest due, then first come


def task_view(row: HumanTask, with_data: bool = False) -> TaskView:
    return TaskView(
        task_id=row.id, instance_id=row.instance_id, process_key=row.process_key, process_name=row.process_name,
        business_key=row.business_key, element_id=row.element_id, name=row.name, role=row.role,
        form_key=row.form_key, state=row.state, assignee=row.assignee, created_at=row.created_at,
        due_at=row.due_at, claimed_at=row.claimed_at, completed_at=row.completed_at,
        completed_by=row.completed_by, version=row.version,
        data=json.loads(row.data_json) if with_data and row.data_json else None)


class Queries:
    def __init__(self, sessions: sessionmaker[Session], roles: RoleCatalog, definitions: DefinitionStore,
                 clock: Clock = utcnow) -> None:
        self._sessions = sessions
        self._roles = roles
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
        if tab not in INBOX_TABS or (state is not None and state not in TASK_STATES_OPEN):
            raise InvalidInput(f"Tab atau status tidak dikenal: {tab}/{state}", field="tab")
        page, per_page = max(1, page), min(max(1, per_page), MAX_PER_PAGE)
        with self._sessions() as session:
            parts = self._inbox_parts(session, username, tab, process_key, state)
            if not parts:
                return Page([], page, per_page, 0)
            window = page * per_page
            ranked = union_all(*[
                select(sub.c.id, sub.c.due_at, sub.c.created_at).select_from(sub) for sub in (
                    select(HumanTask.id, HumanTask.due_at, HumanTask.created_at).where(part)
                    .order_by(*INBOX_ORDER).limit(window).subquery() for part in parts)
            ]).subquery()
            ids = session.scalars(select(ranked.c.id).order_by(ranked.c.due_at, ranked.c.created_at, ranked.c.id)
                                  .offset(window - per_page).limit(per_page)).all()
            rows = {r.id: r for r in session.scalars(select(HumanTask).where(HumanTask.id.in_(ids)))}
            total = self._capped_count(session, parts)
            return Page([task_view(rows[i]) for i in ids], page, per_page, min(total, COUNT_CAP),
                        capped=total > COUNT_CAP)

    def inbox_counts(self, username: str, process_key: str | None = None) -> dict[str, int]:
        """Open tasks per tab, each counted up to COUNT_CAP (the page shows "1000+")."""
        with self._sessions() as session:
            roles = self._task_roles(session, username)
            return {tab: min(COUNT_CAP + 1, self._capped_count(
                session, self._inbox_parts(session, username, tab, process_key, None, roles)))
                for tab in INBOX_TABS}

    def _task_roles(self, session: Session, username: str) -> list[str]:
        return sorted(self._roles.expand(roles_of(session, username)))

    def _inbox_parts(self, session: Session, username: str, tab: str, process_key: str | None,
                     state: str | None, roles: list[str] | None = None) -> list[Any]:
        """Index-friendly conditions whose union is the tab."""
        parts = []
        if tab in ("mine", "overdue") and state in (None, "claimed"):
            parts.append(and_(HumanTask.state == "claimed", HumanTask.assignee == username))
        if tab in ("available", "overdue") and state in (None, "ready"):
            roles = self._task_roles(session, username) if roles is None else roles
            parts += [and_(HumanTask.state == "ready", HumanTask.role == role) for role in roles]
        extra = []
        if tab == "overdue":
            extra.append(HumanTask.due_at < self._clock())
        if process_key:
            extra.append(HumanTask.process_key == process_key)
        return [and_(part, *extra) for part in parts]

    @staticmethod
    def _capped_count(session: Session, parts: list[Any]) -> int:
        total = 0
        for part in parts:
            limited = select(HumanTask.id).where(part).limit(COUNT_CAP + 1 - total).subquery()
            total += session.scalar(select(func.count()).select_from(limited)) or 0
            if total > COUNT_CAP:
                break
        return total

    def task(self, task_id: str) -> TaskView:
        with self._sessions() as session:
            row = session.get(HumanTask, task_id)
            if row is None:
                raise TaskNotFound(f"Tugas {task_id} tidak ditemukan", task_id=task_id)
            return task_view(row, with_data=True)

    def instance(self, instance_id: int) -> InstanceView:
        with self._sessions() as session:
            row = session.get(ProcessInstance, instance_id)
            if row is None:
                raise InstanceNotFound(f"Kasus {instance_id} tidak ditemukan", instance_id=instance_id)
            definition, parsed = self._definitions.get(session, row.definition_id)
            return InstanceView(
                instance_id=row.id, process_key=row.process_key, process_name=parsed.name,
                definition_id=row.definition_id, definition_version=definition.version,
                business_key=row.business_key, status=row.status, started_by=row.started_by,
                started_at=row.started_at, ended_at=row.ended_at, due_at=row.due_at, warning_at=row.warning_at,
                data=json.loads(row.data_json or "{}"), version=row.version)

    def instance_tasks(self, instance_id: int) -> list[TaskView]:
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

    def instances(self, process_key: str | None = None, status: str | None = None,
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
        return Page([self.instance(i) for i in ids], page, per_page, total)

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
                raise InstanceNotFound(f"Definisi {definition_id} tidak ditemukan", definition_id=definition_id)
            return row.bpmn_xml

    # -- web inbox and case list (appended for the web app) --------------------------------------

    def inbox_page(self, username: str, tab: str = "available", process_key: str | None = None,
                   state: str | None = None, page: int = 1, per_page: int = 25) -> Page:
        """``inbox`` narrowed by task state (``ready`` or ``claimed``), e.g. within the overdue tab."""
        return self.inbox(username, tab, process_key, page, per_page, state=state)

    def visible_instances(self, username: str, process_key: str | None = None, status: str | None = None,
                          page: int = 1, per_page: int = 25) -> Page:
        """Cases a user may read, newest first: all for CASE_READER_ROLES; otherwise those the user
        started or acted in, or with a task of a role the user holds or supervises."""
        page, per_page = max(1, page), min(max(1, per_page), MAX_PER_PAGE)
        with self._sessions() as session:
            user_roles = roles_of(session, username)
            conditions = []
            if process_key:
                conditions.append(ProcessInstance.process_key == process_key)
            if status:
                conditions.append(ProcessInstance.status == status)
            if not user_roles & CASE_READER_ROLES:
                task_roles = self._roles.expand(user_roles) | {
                    r for r in self._roles.roles if self._roles.supervisors_of(r) & user_roles}
                involved = select(HumanTask.id).where(HumanTask.instance_id == ProcessInstance.id, or_(
                    HumanTask.role.in_(sorted(task_roles)), HumanTask.assignee == username,
                    HumanTask.completed_by == username)).exists()
                conditions.append(or_(ProcessInstance.started_by == username, involved))
            where = and_(True, *conditions)
            total = session.scalar(select(func.count()).select_from(ProcessInstance).where(where)) or 0
            ids = session.scalars(select(ProcessInstance.id).where(where).order_by(ProcessInstance.id.desc())
                                  .offset((page - 1) * per_page).limit(per_page)).all()
        return Page([self.instance(i) for i in ids], page, per_page, total)


TASK_STATES_OPEN = ("ready", "claimed")
CASE_READER_ROLES = frozenset({"admin_sistem", "auditor", "pemilik_proses", "penilai_sop", "kepala_dinas"})
