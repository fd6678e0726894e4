"""The audit log as auditors read it: every chain, newest first, filtered by case, kind, actor and date."""
from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session, sessionmaker

from engine.audit.chain import SYSTEM_CHAIN, case_chain
from engine.worktime.work_calendar import WITA
from engine.persistence.models import AuditEvent
from engine.values import AuditEventView, Page

MAX_PER_PAGE = 200


def event_view(row: AuditEvent) -> AuditEventView:
    return AuditEventView(row.id, row.chain, row.seq, row.instance_id, row.event_type, row.actor, row.at,
                          json.loads(row.payload_json), row.hash)


class AuditLog:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def events(self, instance_id: int | None = None, event_type: str | None = None, actor: str | None = None,
               date_from: date | None = None, date_to: date | None = None, page: int = 1,
               per_page: int = 50) -> Page:
        """Events of every chain, newest first. A case's events are its chain plus the system events
        that name it (downloads, logins do not). Dates are WITA days, both included."""
        page, per_page = max(1, page), min(max(1, per_page), MAX_PER_PAGE)
        conditions = []
        if instance_id is not None:
            conditions.append(or_(AuditEvent.chain == case_chain(instance_id),
                                  and_(AuditEvent.chain == SYSTEM_CHAIN, AuditEvent.instance_id == instance_id)))
        if event_type:
            conditions.append(AuditEvent.event_type == event_type)
        if actor:
            conditions.append(AuditEvent.actor == actor)
        if date_from is not None:
            conditions.append(AuditEvent.at >= _start_of(date_from))
        if date_to is not None:
            conditions.append(AuditEvent.at < _start_of(date_to + timedelta(days=1)))
        where = and_(True, *conditions)
        with self._sessions() as session:
            total = session.scalar(select(func.count()).select_from(AuditEvent).where(where)) or 0
            rows = session.scalars(select(AuditEvent).where(where).order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
                                   .offset((page - 1) * per_page).limit(per_page))
            return Page([event_view(r) for r in rows], page, per_page, total)

    def event_types(self) -> list[str]:
        with self._sessions() as session:
            return sorted(session.scalars(select(AuditEvent.event_type).distinct()))


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time(), WITA)
