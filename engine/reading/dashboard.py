"""The management dashboard as one person sees it: the SOPs their roles oversee, and per-person figures
(personal data, UU 27/2022) only of themselves and the people they supervise, each read of other
people's figures logged (``engine.audit.read_log``)."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Set
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from engine.audit.read_log import ReadLog
from engine.errors import DefinitionNotFound, PermissionDenied
from engine.modeling.parser import ParsedDefinition
from engine.permissions import Permissions
from engine.persistence.db import read_only_connection
from engine.persistence.models import UserAccount, UserRole
from engine.reading.periods import Period
from engine.reading.sop_figures import PerformerFigures, SopFigures, SopFiguresReader, SopSummary


@dataclass(frozen=True)
class DashboardHome:
    period: Period
    sops: list[SopSummary]  # the SOPs the reader oversees (none for staff)
    own: list[tuple[SopSummary, PerformerFigures]]  # the reader's own work, per SOP


@dataclass(frozen=True)
class DashboardSop:
    figures: SopFigures
    people: list[PerformerFigures]  # the reader and the people they supervise, nobody else


class Dashboard:
    def __init__(self, sessions: sessionmaker[Session], figures: SopFiguresReader, permissions: Permissions,
                 read_log: ReadLog) -> None:
        self._sessions = sessions
        self._figures = figures
        self._may = permissions
        self._read_log = read_log

    def home(self, username: str, roles: Set[str], period: Period) -> DashboardHome:
        """The SOPs the reader oversees with their case counts, and the reader's own figures."""
        keys = [d.process_key for _, d in self._figures.latest() if self._may.oversees_sop(task_roles(d), roles)]
        return DashboardHome(period, self._figures.overview(keys, period) if keys else [],
                             self._figures.own(username, period))

    def sop(self, username: str, roles: Set[str], process_key: str, period: Period,
            remote_addr: str | None = None, with_people: bool = True) -> DashboardSop:
        """One SOP's figures, with the people the reader may see (``with_people``); a read of others'
        figures is logged.

        :raises DefinitionNotFound: the SOP was never deployed
        :raises PermissionDenied: the reader oversees no step of this SOP
        """
        found = self._figures.latest([process_key])
        if not found:
            raise DefinitionNotFound(f"Proses '{process_key}' belum di-deploy", process_key=process_key)
        if not self._may.oversees_sop(task_roles(found[0][1]), roles):
            raise PermissionDenied("Dasbor SOP ini hanya untuk atasan pelaksananya dan pengawas SOP",
                                   process_key=process_key)
        figures = self._figures.figures(process_key, period)
        if not with_people:
            return DashboardSop(figures, [])
        everyone = self._figures.performers(process_key, period)
        held = self._roles_of([p.username for p in everyone])
        people = [p for p in everyone if self._may.sees_person(username, roles, p.username, held[p.username])]
        others = [p.username for p in people if p.username != username]
        self._read_log.record_figures_read(username, process_key, period.key, others, remote_addr)
        return DashboardSop(figures, people)

    def _roles_of(self, usernames: list[str]) -> dict[str, set[str]]:
        held: dict[str, set[str]] = defaultdict(set)
        if usernames:
            with read_only_connection(self._sessions) as connection:
                for username, role in connection.execute(
                        select(UserAccount.username, UserRole.role_key)
                        .join(UserRole, UserRole.user_id == UserAccount.id)
                        .where(UserAccount.username.in_(sorted(set(usernames))))):
                    held[username].add(role)
        return held


def task_roles(definition: ParsedDefinition) -> set[str]:
    """The roles that do the SOP's steps: its lanes' and its steps' (candidate groups)."""
    return {role for _, _, role in definition.lanes} | {m.role for m in definition.user_tasks.values()}
