"""Read-only queries for inboxes, case pages and the audit trail."""
from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Select, and_, func, or_, select
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
              page: int = 1, per_page: int = 25) -> Page:
        """Open tasks for a user, soonest due first.

        ``mine``: claimed by the user; ``available``: ready for one of the user's roles (groups
        expanded); ``overdue``: either of those past its due time.
        """
        if tab not in INBOX_TABS:
            raise InvalidInput(f"Tab tidak dikenal: {tab}", field="tab")
        page, per_page = max(1, page), min(max(1, per_page), MAX_PER_PAGE)
        with self._sessions() as session:
            condition = self._tab_condition(session, username, tab)
            if process_key:
                condition = and_(condition, HumanTask.process_key == process_key)
            total = session.scalar(select(func.count()).select_from(HumanTask).where(condition)) or 0
            stmt: Select[Any] = (select(HumanTask).where(condition)
                                 .order_by(HumanTask.due_at.is_(None), HumanTask.due_at, HumanTask.created_at)
                                 .offset((page - 1) * per_page).limit(per_page))
            return Page([task_view(r) for r in session.scalars(stmt)], page, per_page, total)

    def inbox_counts(self, username: str, process_key: str | None = None) -> dict[str, int]:
        with self._sessions() as session:
            counts = {}
            for tab in INBOX_TABS:
                condition = self._tab_condition(session, username, tab)
                if process_key:
                    condition = and_(condition, HumanTask.process_key == process_key)
                counts[tab] = session.scalar(select(func.count()).select_from(HumanTask).where(condition)) or 0
            return counts

    def _tab_condition(self, session: Session, username: str, tab: str) -> Any:
        mine = and_(HumanTask.state == "claimed", HumanTask.assignee == username)
        task_roles = sorted(self._roles.expand(roles_of(session, username)))
        available = and_(HumanTask.state == "ready", HumanTask.role.in_(task_roles))
        if tab == "mine":
            return mine
        if tab == "available":
            return available
        return and_(or_(mine, available), HumanTask.due_at < self._clock())

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
