"""Wiring: one object holding every engine service, built from explicit settings."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from engine.calendar_store import CalendarAdmin, CalendarProvider
from engine.clock import Clock, utcnow
from engine.config import Settings
from engine.deploy import DefinitionStore, Deployer
from engine.forms import FormRegistry
from engine.persistence.db import make_engine, make_sessions
from engine.queries import Queries
from engine.roles import RoleCatalog
from engine.runner import Runner
from engine.specs import DefinitionParser
from engine.users import UserService


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
    return Alur(
        settings=settings, db=db, sessions=sessions, roles=roles, forms=forms, definitions=definitions,
        deployer=Deployer(sessions, parser, clock),
        runner=Runner(sessions, definitions, forms, roles, calendar, clock),
        queries=Queries(sessions, roles, definitions, clock),
        users=UserService(sessions, roles, clock),
        calendar=calendar, calendar_admin=CalendarAdmin(sessions, calendar, clock),
    )
