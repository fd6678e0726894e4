"""Who may do what: the one home of Alur's access rules.

The engine's use cases and read models ask these predicates; ``web`` asks the same ones through
one decorator (``web.auth.requires``). Rules that need only the roles a person holds are plain
functions; rules that follow the role catalogue (group roles, supervisors) are methods of
``Permissions``.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence, Set

from engine.modeling.roles import RoleCatalog
from engine.values import ActiveMandate

SYSTEM_ACTOR = "system"  # the engine itself (timers, routine starts, escalation)
ADMIN_ROLE = "admin_sistem"
AUDITOR_ROLE = "auditor"
OWNER_ROLE = "pemilik_proses"
# Read every case (and the process models): oversight roles, not case participants.
CASE_READER_ROLES = frozenset({ADMIN_ROLE, AUDITOR_ROLE, OWNER_ROLE, "penilai_sop", "kepala_dinas"})
AUDIT_ROLES = frozenset({AUDITOR_ROLE, ADMIN_ROLE})
# A stand-in (Plh/Plt) acts in the official's posts, never with these powers of theirs.
NOT_BY_MANDATE = frozenset({ADMIN_ROLE, AUDITOR_ROLE, OWNER_ROLE})
Mandates = Sequence[ActiveMandate]


def is_admin(roles: Set[str]) -> bool:
    """Admin Sistem: user administration, the calendar, and acting on any case."""
    return ADMIN_ROLE in roles


def is_read_only(roles: Set[str]) -> bool:
    """Auditors read everything and change nothing, whatever other role they hold."""
    return AUDITOR_ROLE in roles


def may_audit(roles: Set[str]) -> bool:
    """The audit log, verification, replay and exports."""
    return bool(roles & AUDIT_ROLES)


def may_model(roles: Set[str]) -> bool:
    """Edit and deploy process models, migrate cases between versions."""
    return OWNER_ROLE in roles


def may_read_models(roles: Set[str]) -> bool:
    """The versions of each SOP, their diff and the cases running on them."""
    return bool(roles & CASE_READER_ROLES)


def reads_every_case(roles: Set[str]) -> bool:
    return bool(roles & CASE_READER_ROLES)


class Permissions:
    """The rules that follow the role catalogue: group roles and supervising roles."""

    def __init__(self, catalog: RoleCatalog) -> None:
        self._catalog = catalog

    def may_start(self, start_roles: Set[str], actor: str, roles: Set[str]) -> bool:
        """A case of a process is started by the holders of its start roles, or by the engine."""
        return actor == SYSTEM_ACTOR or bool(self._catalog.expand(roles) & start_roles)

    def may_work_on(self, task_role: str, roles: Set[str], mandates: Mandates = ()) -> bool:
        """A task is offered to the holders of its role, also through a group role, and to whoever stands
        in (``mandates`` running now) for an official who holds it."""
        return task_role in self._catalog.expand(roles) or self.mandate_for_role(task_role, mandates) is not None

    def granted_by(self, mandate: ActiveMandate) -> set[str]:
        """The task roles a mandate lets its stand-in work on: the official's, groups expanded, never
        Admin Sistem, Auditor or process-owner powers."""
        return self._catalog.expand(mandate.absent_roles - NOT_BY_MANDATE) - NOT_BY_MANDATE

    def mandate_for_role(self, task_role: str, mandates: Mandates) -> ActiveMandate | None:
        """The first of ``mandates`` that grants ``task_role``."""
        return next((m for m in mandates if task_role in self.granted_by(m)), None)

    def acting_for(self, task_role: str, assignee: str | None, actor: str, roles: Set[str],
                   mandates: Mandates) -> ActiveMandate | None:
        """The mandate through which ``actor`` works on a task, or None when it is their own work: a
        task held by an official they stand in for, or a pool task of a role only a mandate gives them."""
        if assignee is not None and assignee != actor:
            return next((m for m in mandates if m.absent == assignee and task_role in self.granted_by(m)), None)
        if task_role in self._catalog.expand(roles):
            return None
        return self.mandate_for_role(task_role, mandates)

    def may_act_on(self, task_role: str, assignee: str | None, actor: str, roles: Set[str],
                   mandates: Mandates = ()) -> bool:
        """Fill and complete a task: one's own (unclaimed or claimed by oneself) of a role one may work
        on, or one held by an official one stands in for."""
        if assignee is not None and assignee != actor:
            return self.acting_for(task_role, assignee, actor, roles, mandates) is not None
        return self.may_work_on(task_role, roles, mandates)

    def may_appoint(self, absent_roles: Set[str], roles: Set[str]) -> bool:
        """Appoint a stand-in for someone: Admin Sistem, or a supervising role of one of their roles."""
        return is_admin(roles) or any(self._catalog.supervisors_of(role) & roles for role in absent_roles)

    def supervises_anyone(self, roles: Set[str]) -> bool:
        """Holds a supervising role of some role (or is Admin Sistem): may appoint stand-ins."""
        return is_admin(roles) or any(self._catalog.supervisors_of(role) & roles for role in self._catalog.roles)

    def may_take(self, task_role: str, candidates: Iterable[str], username: str, roles: Set[str],
                 mandates: Mandates = ()) -> bool:
        """A task the model names people for (``camunda:assignee``/``candidateUsers``) is theirs only,
        still within its role; a task naming nobody is the whole role's (stand-ins included)."""
        named = set(candidates)
        return self.may_work_on(task_role, roles, mandates) and (not named or username in named)

    def supervises(self, task_role: str, roles: Set[str]) -> bool:
        """A supervising role of the task's role (``roles.toml``), or Admin Sistem: may reassign its tasks."""
        return bool(self._catalog.supervisors_of(task_role) & roles) or is_admin(roles)

    def may_read_task(self, task_role: str, people: Iterable[str | None], username: str, roles: Set[str],
                      mandates: Mandates = ()) -> bool:
        """Holders and supervisors of its role, the people on it (assignee, performer), case readers,
        and a stand-in whose mandate grants its role."""
        return (self.may_work_on(task_role, roles, mandates) or username in set(people)
                or self.supervises(task_role, roles) or reads_every_case(roles))

    def may_cancel(self, started_by: str, open_task_roles: Iterable[str], actor: str, roles: Set[str]) -> bool:
        """The starter, Admin Sistem, the engine, or a supervisor of an open task may stop a case."""
        return (actor in (started_by, SYSTEM_ACTOR) or is_admin(roles)
                or any(self.supervises(role, roles) for role in open_task_roles))

    def task_roles_seen(self, roles: Set[str]) -> set[str]:
        """Task roles whose cases a person without ``CASE_READER_ROLES`` may read: held or supervised."""
        return self._catalog.expand(roles) | {
            role for role in self._catalog.roles if self._catalog.supervisors_of(role) & roles}
