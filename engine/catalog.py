"""The deployed SOPs as a person sees them: identity, steps with mutu baku, and who may start a case."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from engine.deploy import DefinitionStore
from engine.persistence.models import ProcessDefinition
from engine.roles import RoleCatalog
from engine.specs import ParsedDefinition
from engine.users import UserService


@dataclass(frozen=True)
class StepMeta:
    """A user task of a model as people see it: its words, its role and its mutu baku."""

    element_id: str
    name: str
    documentation: str
    role: str
    role_title: str
    form_key: str
    mutu_baku: dict[str, str]


@dataclass(frozen=True)
class ProcessSummary:
    process_key: str
    name: str
    definition_id: int
    version: int
    properties: dict[str, str]
    start_roles: list[str]  # role titles
    can_start: bool
    routine_cycle: str | None
    lanes: list[tuple[str, str]]  # (visible name, role title)
    steps: list[StepMeta]


class ProcessCatalog:
    def __init__(self, sessions: sessionmaker[Session], definitions: DefinitionStore, roles: RoleCatalog,
                 users: UserService) -> None:
        self._sessions = sessions
        self._definitions = definitions
        self._roles = roles
        self._users = users

    def processes(self, username: str) -> list[ProcessSummary]:
        """The latest version of every deployed process, in process-key order."""
        user_roles = self._task_roles(username)
        with self._sessions() as session:
            keys = session.scalars(select(ProcessDefinition.process_key).distinct()
                                   .order_by(ProcessDefinition.process_key)).all()
            return [self._summary(*self._definitions.latest(session, key), user_roles) for key in keys]

    def process(self, process_key: str, username: str) -> ProcessSummary:
        """:raises DefinitionNotFound: never deployed"""
        user_roles = self._task_roles(username)  # before the session: SQLite sessions must not nest
        with self._sessions() as session:
            row, parsed = self._definitions.latest(session, process_key)
            return self._summary(row, parsed, user_roles)

    def _task_roles(self, username: str) -> set[str]:
        user = self._users.find(username)
        return self._roles.expand(user.roles) if user is not None and user.active else set()

    def _summary(self, row: ProcessDefinition, parsed: ParsedDefinition, user_roles: set[str]) -> ProcessSummary:
        steps = [StepMeta(t.element_id, t.name, t.documentation, t.role, self._roles.title(t.role), t.form_key,
                          dict(t.mutu_baku))
                 for t in parsed.user_tasks.values()]
        steps.sort(key=lambda s: s.mutu_baku.get("langkah", s.element_id))
        return ProcessSummary(
            process_key=parsed.process_key, name=parsed.name, definition_id=row.id, version=row.version,
            properties=dict(parsed.properties), start_roles=sorted(self._roles.title(r) for r in parsed.start_roles),
            can_start=bool(parsed.start_roles & user_roles), routine_cycle=parsed.routine_cycle,
            lanes=[(name, self._roles.title(role)) for _id, name, role in parsed.lanes], steps=steps)
