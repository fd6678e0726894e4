"""Who may do what: the one home of Alur's access rules.

The engine's use cases and read models ask these predicates; ``web`` asks the same ones through
one decorator (``web.auth.requires``). Rules that need only the roles a person holds are plain
functions; rules that follow the role catalogue (group roles, supervisors) are methods of
``Permissions``.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence, Set
from dataclasses import dataclass
from enum import Enum

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
# Export an SOP's process log (pseudonymised): besides auditors and the SOP's supervisors.
LOG_READER_ROLES = frozenset({OWNER_ROLE, "penilai_sop"})
Mandates = Sequence[ActiveMandate]

OPEN_TASK_STATES = ("ready", "claimed")


class Access(Enum):
    """How much of a case a person reads."""

    FULL = "full"  # every step, its data and documents, the audit trail and the comments
    REQUESTER = "requester"  # the requester's view: status, dates, what they sent and the outcome


@dataclass(frozen=True)
class CaseFacts:
    """What the reading rules look at on a case."""

    started_by: str
    opd_id: int | None
    confidential: bool
    registered: bool = False  # registered for ``opd_id`` by a registrar


@dataclass(frozen=True)
class TaskFacts:
    role: str
    state: str
    assignee: str | None
    completed_by: str | None


@dataclass(frozen=True)
class Reader:
    """The person reading: username, roles (as held, not expanded) and their requesting unit."""

    username: str
    roles: frozenset[str]
    opd_id: int | None = None


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


def may_print_sop_pdf(roles: Set[str]) -> bool:
    """Have Chromium print an SOP document's PDF that is not kept yet (the others get the kept print):
    process owners, the SOP assessors and the auditors, who need the document as issued."""
    return bool(roles & ({OWNER_ROLE, "penilai_sop"} | AUDIT_ROLES))


def may_assess_sops(roles: Set[str]) -> bool:
    """Draft, edit and sign off the Monitoring and Evaluasi Penerapan SOP AP forms: the penilai SOP
    (never an auditor, who reads and changes nothing)."""
    return "penilai_sop" in roles and not is_read_only(roles)


def may_handle_incidents(roles: Set[str]) -> bool:
    """The incident list and "Coba lagi": process owners (who fix the model) and Admin Sistem."""
    return bool(roles & {OWNER_ROLE, ADMIN_ROLE})


def may_read_models(roles: Set[str]) -> bool:
    """The versions of each SOP, their diff and the cases running on them."""
    return bool(roles & CASE_READER_ROLES)


def reads_every_case(roles: Set[str]) -> bool:
    return bool(roles & CASE_READER_ROLES)


DC_STAFF_ROLES = frozenset({"pengelola_ti", "pemeriksa_ti"})  # Personil DC (group role personil_dc)
DC_SUPERVISOR_ROLE = "pengawas_infrastruktur_tik"


def may_keep_server_register(roles: Set[str]) -> bool:
    """Add and correct servers of the asset register: Personil DC (SOP-05 Pencatatan 1)."""
    return bool(roles & DC_STAFF_ROLES) and not is_read_only(roles)


def may_enter_dc_visits(roles: Set[str]) -> bool:
    """Let a walk-in visitor into the data center: the Pengawas Infrastruktur TIK (SOP-04 step 1)."""
    return DC_SUPERVISOR_ROLE in roles and not is_read_only(roles)


def may_sign_out_dc_visits(roles: Set[str]) -> bool:
    """Record that someone left the data center: the Pengawas or the Personil DC on duty."""
    return bool(roles & (DC_STAFF_ROLES | {DC_SUPERVISOR_ROLE})) and not is_read_only(roles)


def may_read_registers(roles: Set[str]) -> bool:
    """The server asset and data-center access registers: their keepers, the Pengawas, oversight."""
    return bool(roles & (DC_STAFF_ROLES | {DC_SUPERVISOR_ROLE} | CASE_READER_ROLES | AUDIT_ROLES))


class Permissions:
    """The rules that follow the role catalogue: group roles and supervising roles."""

    def __init__(self, catalog: RoleCatalog) -> None:
        self._catalog = catalog

    @property
    def external_roles(self) -> frozenset[str]:
        """The requester roles (``external`` in ``roles.toml``)."""
        return frozenset(self._catalog.external)

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
                   mandates: Mandates, candidates: Iterable[str] = ()) -> ActiveMandate | None:
        """The mandate through which ``actor`` works on a task, or None when it is their own work: a
        task held by an official they stand in for, a task the model names that official for
        (``candidates``), or a pool task of a role only a mandate gives them."""
        if assignee is not None and assignee != actor:
            return next((m for m in mandates if m.absent == assignee and task_role in self.granted_by(m)), None)
        named = set(candidates)
        if named and actor not in named:
            return self.named_through(task_role, named, mandates)
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
        still within its role, and their stand-ins'; a task naming nobody is the whole role's (stand-ins
        included)."""
        named = set(candidates)
        if named and username not in named:
            return self.named_through(task_role, named, mandates) is not None
        return self.may_work_on(task_role, roles, mandates)

    def named_through(self, task_role: str, named: Set[str], mandates: Mandates) -> ActiveMandate | None:
        """The mandate of ``mandates`` through which a task the model names other people for is offered:
        one standing in for a named official whose mandate grants the task's role (a Plh/Plt takes the
        disposition addressed to the absent Kabid)."""
        return next((m for m in mandates if m.absent in named and task_role in self.granted_by(m)), None)

    def supervises(self, task_role: str, roles: Set[str]) -> bool:
        """A supervising role of the task's role (``roles.toml``), or Admin Sistem: may reassign its tasks."""
        return bool(self._catalog.supervisors_of(task_role) & roles) or is_admin(roles)

    def may_read_task(self, task_role: str, people: Iterable[str | None], username: str, roles: Set[str],
                      mandates: Mandates = ()) -> bool:
        """Holders (never of an external role: see ``pool_roles``) and supervisors of its role, the
        people on it (assignee, performer), case readers, and a stand-in whose mandate grants its role.
        The case must be readable too (``case_access``), except by the people on the task."""
        return (task_role in self.pool_roles(roles) or self.mandate_for_role(task_role, mandates) is not None
                or username in set(people)
                or self.supervises(task_role, roles) or reads_every_case(roles))

    def may_cancel(self, started_by: str, open_task_roles: Iterable[str], actor: str, roles: Set[str]) -> bool:
        """The starter, Admin Sistem, the engine, or a supervisor of an open task may stop a case."""
        return (actor in (started_by, SYSTEM_ACTOR) or is_admin(roles)
                or any(self.supervises(role, roles) for role in open_task_roles))

    def task_roles_seen(self, roles: Set[str]) -> set[str]:
        """Task roles whose cases a person without ``CASE_READER_ROLES`` may read: held or supervised
        (never an external role by holding it: requesters do not read each other's cases)."""
        return self.pool_roles(roles) | self.supervised_roles(roles)

    # -- the management dashboard (engine.reading.sop_figures) --------------------------------------

    def oversees_every_sop(self, roles: Set[str]) -> bool:
        """The dashboard of every SOP: Kepala Dinas, penilai SOP, process owners, auditors, Admin Sistem."""
        return reads_every_case(roles) or is_admin(roles)

    def oversees_sop(self, task_roles: Set[str], roles: Set[str]) -> bool:
        """The dashboard of an SOP: overseers, and supervisors of one of its steps' roles."""
        return self.oversees_every_sop(roles) or bool(self.supervised_roles(roles) & set(task_roles))

    def sees_person(self, viewer: str, viewer_roles: Set[str], person: str, person_roles: Set[str]) -> bool:
        """A person's own figures (personal data, UU 27/2022): the person, and their supervisors only."""
        return viewer == person or bool(self.supervised_roles(viewer_roles) & set(person_roles))

    # -- requesters, registrars and who reads a case ---------------------------------------------

    def pool_roles(self, roles: Set[str]) -> set[str]:
        """Task roles whose ready tasks are offered to a holder of ``roles``: held roles and their
        groups, except external ones. A requester's step belongs to the requester who started the
        case (or the registrar who does it on their behalf), never to every holder of the role."""
        return self._catalog.expand(roles) - self._catalog.external

    def supervised_roles(self, roles: Set[str]) -> set[str]:
        """Task roles one of ``roles`` supervises (``roles.toml``; Admin Sistem not counted)."""
        return {role for role in self._catalog.roles if self._catalog.supervisors_of(role) & roles}

    def is_requester(self, roles: Set[str]) -> bool:
        """Holds an external (requester) role."""
        return bool(roles & self._catalog.external)

    def may_unclaim(self, task_role: str) -> bool:
        """A requester's step is never given back to a pool (see ``pool_roles``)."""
        return task_role not in self._catalog.external

    def may_register(self, start_roles: Set[str], roles: Set[str]) -> bool:
        """A registrar (``roles.toml`` [registrars]) registers a letter for a requesting unit in any
        SOP a requester starts, and does the requester's first step on its behalf."""
        return bool(roles & self._catalog.registrars) and bool(start_roles & self._catalog.external)

    def case_access(self, case: CaseFacts, tasks: Sequence[TaskFacts], reader: Reader) -> Access | None:
        """How much of a case ``reader`` reads, or None.

        - Auditors read every case in full: the roles that read the audit trail (``may_audit``:
          Auditor, and Admin Sistem, who reads it through the audit pages anyway).
        - Staff (roles that are not external) read a case in full as a participant (its starter, a
          person named on one of its tasks, a holder of the role of one of its tasks) or a supervisor
          of one of its task roles, or through ``CASE_READER_ROLES``. A confidential case ("sifat
          surat: rahasia") narrows this to participants, supervisors and auditors, and a participant
          by role to a holder of the role of an *open* task (who must act on it).
        - Requesters (external roles) read, as the requester's view, the cases they started and
          the cases a registrar registered for their unit; never other requesters' cases.
        """
        if may_audit(reader.roles):
            return Access.FULL
        staff = reader.roles - self._catalog.external
        if staff and self._staff_reads(case, tasks, reader.username, staff):
            return Access.FULL
        if self.is_requester(reader.roles) and (
                case.started_by == reader.username
                or (case.registered and case.opd_id is not None and case.opd_id == reader.opd_id)):
            return Access.REQUESTER
        return None

    def _staff_reads(self, case: CaseFacts, tasks: Sequence[TaskFacts], username: str, roles: Set[str]) -> bool:
        if case.started_by == username or any(username in (t.assignee, t.completed_by) for t in tasks):
            return True
        supervised = self.supervised_roles(roles)
        if any(t.role in supervised for t in tasks):
            return True
        held = self.pool_roles(roles)
        if case.confidential:
            return any(t.role in held and t.state in OPEN_TASK_STATES for t in tasks)
        return reads_every_case(roles) or is_admin(roles) or any(t.role in held for t in tasks)

    def may_comment(self, case: CaseFacts, tasks: Sequence[TaskFacts], reader: Reader) -> bool:
        """A participant or a supervisor of the case (as in ``case_access``, staff only); an auditor
        reads and never writes, and reading through ``CASE_READER_ROLES`` alone is not taking part."""
        staff = reader.roles - self._catalog.external
        if not staff or is_read_only(reader.roles):
            return False
        participant = self._staff_reads(case, tasks, reader.username, staff - CASE_READER_ROLES - {ADMIN_ROLE})
        return participant or any(self.supervises(t.role, staff) for t in tasks)

    # -- process-mining exports (engine.reading.process_mining) ------------------------------------

    def may_export_log(self, sop_roles: Set[str], roles: Set[str]) -> bool:
        """The log of an SOP (its task roles ``sop_roles``): auditors and Admin Sistem, the SOP assessors,
        process owners, and the supervisors of one of its roles."""
        return (may_audit(roles) or bool(roles & LOG_READER_ROLES)
                or bool(self.supervised_roles(roles) & set(sop_roles)))

    def names_in_log(self, task_role: str, roles: Set[str]) -> bool:
        """Whether a log export may name the performer of a step of ``task_role`` (UU 27/2022: per-person
        data is for the person's supervisors): auditors for every step, a supervisor for the steps of
        the roles they supervise; everyone else sees pseudonyms."""
        return may_audit(roles) or task_role in self.supervised_roles(roles)
