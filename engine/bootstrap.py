"""Wiring: one object holding every engine service, built from explicit settings."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from engine.audit.export import AuditExporter
from engine.audit.log import AuditLog
from engine.audit.verify import AuditVerifier
from engine.worktime.overrides import CalendarAdmin, CalendarProvider
from engine.audit.history import CaseHistories
from engine.audit.checkpoints import Checkpoints
from engine.worktime.clock import Clock, utcnow
from engine.config import Settings
from engine.modeling.deploy import DefinitionStore, Deployer
from engine.worker.escalation import Escalation
from engine.modeling.forms import FormRegistry
from engine.worker.mailer import Mailer
from engine.worker.notifications import NotificationService
from engine.persistence.db import make_engine, make_read_sessions, make_sessions
from engine.reading.queries import Queries
from engine.audit.replay import ReplayVerifier
from engine.modeling.roles import RoleCatalog
from engine.modeling.schedules import ScheduleAdmin
from engine.runtime.runner import Runner
from engine.worker.jobs import Scheduling
from engine.modeling.parser import DefinitionParser
from engine.accounts.users import UserService
from engine.read_log import ReadLog


@dataclass
class Alur:
    settings: Settings
    db: Engine
    sessions: sessionmaker[Session]
    roles: RoleCatalog
    forms: FormRegistry
    definitions: DefinitionStore
    deployer: Deployer
    runner: Runner
    queries: Queries
    users: UserService
    calendar: CalendarProvider
    calendar_admin: CalendarAdmin
    clock: Clock
    notifications: NotificationService  # the bell: unread_count, list, mark_read
    schedules: ScheduleAdmin  # routine schedules (alur schedule, web admin)
    scheduling: Scheduling  # the worker's use cases; engine.worker.scheduler runs them
    mailer: Mailer | None  # e-mail for notifications; None without SMTP settings
    read_log: ReadLog  # auditors: who viewed which case or document
    checkpoints: Checkpoints  # signed checkpoints of the audit chain heads
    histories: CaseHistories  # a case's states event by event (replay page)
    replay: ReplayVerifier  # re-execute a case and compare with its audit trail
    audit_export: AuditExporter  # audit packets and log exports
    audit_log: AuditLog  # the audit log as auditors read it
    audit_verifier: AuditVerifier  # chains and signed checkpoints

    def close(self) -> None:
        self.db.dispose()


def open_alur(settings: Settings, clock: Clock = utcnow, db: Engine | None = None) -> Alur:
    """Build the services; connects lazily (nothing is opened until the first query)."""
    db = db or make_engine(settings.database_url)
    sessions = make_sessions(db)
    roles = RoleCatalog.load(settings.roles_file)
    forms = FormRegistry(settings.forms_dir)
    parser = DefinitionParser(roles, forms)
    definitions = DefinitionStore(parser)
    calendar = CalendarProvider()
    read_log = ReadLog(sessions, clock)
    histories = CaseHistories(sessions, definitions, forms)
    replay = ReplayVerifier(sessions)
    runner = Runner(sessions, definitions, forms, roles, calendar, clock)
    escalation = Escalation(sessions, roles, definitions, email=settings.smtp is not None)
    return Alur(
        settings=settings, db=db, sessions=sessions, roles=roles, forms=forms, definitions=definitions,
        deployer=Deployer(sessions, parser, clock),
        runner=runner,
        queries=Queries(make_read_sessions(db), roles, definitions, clock),
        users=UserService(sessions, roles, clock),
        calendar=calendar, calendar_admin=CalendarAdmin(sessions, calendar, clock),
        clock=clock, notifications=NotificationService(sessions, clock),
        schedules=ScheduleAdmin(sessions, definitions, clock),
        scheduling=Scheduling(sessions, runner, escalation),
        mailer=Mailer(sessions, settings.smtp) if settings.smtp is not None else None,
        read_log=read_log, checkpoints=Checkpoints(sessions, clock), histories=histories, replay=replay,
        audit_export=AuditExporter(sessions, histories, replay, read_log, settings.attachments_dir, clock),
        audit_log=AuditLog(sessions), audit_verifier=AuditVerifier(sessions),
    )
