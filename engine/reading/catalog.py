"""The deployed SOPs as a person sees them: identity, steps with mutu baku, and who may start a case."""
from __future__ import annotations

import time
from dataclasses import dataclass, replace

from sqlalchemy import Connection, func, select
from sqlalchemy.orm import Session, sessionmaker

from engine.modeling.definitions import DefinitionStore
from engine.modeling.english import ModelEnglish
from engine.persistence.models import ProcessDefinition
from engine.persistence.db import read_only_connection, read_only_session
from engine.modeling.roles import RoleCatalog
from engine.modeling.parser import ParsedDefinition
from engine.accounts.users import ACTIVE_USER_ROLES, roles_of

_DEFINITIONS = ProcessDefinition.__table__
_LATEST_VERSION = (select(_DEFINITIONS.c.process_key, func.max(_DEFINITIONS.c.version).label("version"))
                   .group_by(_DEFINITIONS.c.process_key).subquery())
# The id of every process's latest version, in process-key order.
_LATEST_DEFINITIONS = (
    select(_DEFINITIONS.c.id)
    .join(_LATEST_VERSION, (_LATEST_VERSION.c.process_key == _DEFINITIONS.c.process_key)
          & (_LATEST_VERSION.c.version == _DEFINITIONS.c.version))
    .order_by(_DEFINITIONS.c.process_key))
# How long the latest versions' ids, read once, serve every page of this process: a page that lists
# the SOPs (the inbox's start button and search field) need not read them on each request. A deployment
# through this process is seen at once (``forget_latest``); one by another process (the other app
# servers, ``alur deploy``) within this many seconds.
LATEST_FRESH_SECONDS = 5.0


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
    def __init__(self, sessions: sessionmaker[Session], definitions: DefinitionStore, roles: RoleCatalog) -> None:
        self._sessions = sessions
        self._definitions = definitions
        self._roles = roles
        # Summaries (can_start False) and start roles by definition id, shared by every caller:
        # a stored definition never changes; read the summaries, never change them.
        self._summaries: dict[int, tuple[ProcessSummary, frozenset[str]]] = {}
        self._english: dict[int, ModelEnglish] = {}  # by definition id, like the summaries
        self._latest: tuple[float, tuple[int, ...]] | None = None  # (read at, monotonic; the ids)

    def processes(self, username: str, user_roles: frozenset[str] | None = None) -> list[ProcessSummary]:
        """The latest version of every deployed process, in process-key order; ``can_start`` by the
        user's roles, read here unless the caller passes ``user_roles`` it has just read."""
        latest = self._fresh_latest()
        if user_roles is None or latest is None:
            with read_only_connection(self._sessions) as connection:
                if user_roles is None:
                    user_roles = frozenset(connection.scalars(ACTIVE_USER_ROLES, {"username": username}))
                if latest is None:
                    latest = self._read_latest(connection)
        self._summarize_all(latest)
        task_roles = self._roles.expand(user_roles)
        return [self._for_user(definition_id, task_roles) for definition_id in latest]

    def load_latest(self) -> int:
        """Parse the latest version of every deployed process now, before a page asks; how many there are."""
        with read_only_connection(self._sessions) as connection:
            latest = self._read_latest(connection)
        self._summarize_all(latest)
        return len(latest)

    def forget_latest(self) -> None:
        """A deployment committed: read the latest versions again on the next call (a read racing the
        deployment may still keep the older list, for ``LATEST_FRESH_SECONDS`` at most)."""
        self._latest = None

    def _fresh_latest(self) -> tuple[int, ...] | None:
        known = self._latest
        if known is None or time.monotonic() - known[0] > LATEST_FRESH_SECONDS:
            return None
        return known[1]

    def _read_latest(self, connection: Connection) -> tuple[int, ...]:
        started = time.monotonic()
        latest = tuple(connection.scalars(_LATEST_DEFINITIONS).all())
        self._latest = (started, latest)
        return latest

    def process(self, process_key: str, username: str) -> ProcessSummary:
        """:raises DefinitionNotFound: never deployed"""
        with read_only_session(self._sessions) as session:
            user_roles = self._roles.expand(roles_of(session, username))
            row, parsed = self._definitions.latest(session, process_key)
            return self._summary(row, parsed, user_roles)

    def english(self) -> dict[str, ModelEnglish]:
        """Process key -> the English texts of its latest version (engine.modeling.english): a page
        shows a text in English where the latest version has one for it, whichever version the case runs."""
        latest = self._fresh_latest()
        if latest is None:
            with read_only_connection(self._sessions) as connection:
                latest = self._read_latest(connection)
        self._summarize_all(latest)
        return {self._summaries[definition_id][0].process_key: self._english[definition_id]
                for definition_id in latest}

    def _summarize_all(self, definition_ids: tuple[int, ...]) -> None:
        """Each definition's summary, parsed where it is not yet (a new version): one session for them all."""
        if any(definition_id not in self._summaries for definition_id in definition_ids):
            with read_only_session(self._sessions) as session:
                for definition_id in definition_ids:
                    self._summarize(session, definition_id)

    def _summarize(self, session: Session, definition_id: int) -> None:
        if definition_id not in self._summaries:
            row, parsed = self._definitions.get(session, definition_id)
            self._english[definition_id] = parsed.english
            self._summaries[definition_id] = (self._summary(row, parsed, set()), frozenset(parsed.start_roles))

    def _for_user(self, definition_id: int, task_roles: set[str]) -> ProcessSummary:
        summary, start_roles = self._summaries[definition_id]
        return replace(summary, can_start=True) if start_roles & task_roles else summary

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
