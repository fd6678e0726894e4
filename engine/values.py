"""Small read-only values handed to callers (web, CLI): never ORM rows or SpiffWorkflow objects."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

# The smallest integer column outside input is compared with (ids, page numbers): a larger value names no row,
# and neither SQLite (past 2**63) nor PostgreSQL's INTEGER can even take it as a parameter.
DB_INTEGER_MAX = 2**31 - 1


@dataclass(frozen=True)
class DeployResult:
    process_key: str
    version: int
    definition_id: int
    created: bool  # False when identical content was already deployed


MANDATE_LABELS = {"plh": "Plh.", "plt": "Plt."}


@dataclass(frozen=True)
class StandIn:
    """A task offered to, or done by, someone standing in for an absent official under a mandate."""

    mandate_id: int
    kind: str  # plh (pelaksana harian) or plt (pelaksana tugas)
    absent: str  # the official's username
    absent_name: str

    @property
    def label(self) -> str:
        return MANDATE_LABELS.get(self.kind, self.kind)


@dataclass(frozen=True)
class ActiveMandate:
    """A mandate running now, as its stand-in holds it: whom for, on which letter, the official's roles
    (what it may grant is decided by ``engine.permissions``)."""

    mandate_id: int
    kind: str
    absent: str
    absent_name: str
    basis: str
    absent_roles: frozenset[str]

    @property
    def label(self) -> str:
        return MANDATE_LABELS.get(self.kind, self.kind)

    def stand_in(self) -> StandIn:
        return StandIn(self.mandate_id, self.kind, self.absent, self.absent_name)

    def record(self) -> dict[str, Any]:
        """What an audit event keeps of it (with ``on_behalf_of``: the absent official)."""
        return {"id": self.mandate_id, "kind": self.kind, "basis": self.basis}


@dataclass(frozen=True)
class Authority:
    """What a person may act as right now: their own roles and the mandates they hold."""

    roles: frozenset[str] = frozenset()
    mandates: tuple[ActiveMandate, ...] = ()


@dataclass(frozen=True)
class MandateView:
    mandate_id: int
    kind: str
    absent: str
    stand_in: str
    from_day: date  # WITA, inclusive
    to_day: date  # WITA, inclusive
    basis: str
    created_by: str
    created_at: datetime
    ends_at: datetime  # the moment it stops granting (UTC): after to_day, or when ended early
    ended_early_at: datetime | None
    ended_by: str | None
    end_reason: str | None
    status: str  # upcoming, running, ended

    @property
    def label(self) -> str:
        return MANDATE_LABELS.get(self.kind, self.kind)


@dataclass(frozen=True)
class LeaveView:
    leave_id: int
    username: str
    from_day: date
    to_day: date
    note: str
    working_days: int  # in the working calendar (holidays and weekends not counted)
    created_by: str
    created_at: datetime
    reminded_at: datetime | None


@dataclass(frozen=True)
class TaskView:
    task_id: str
    instance_id: int
    process_key: str
    process_name: str
    business_key: str | None
    element_id: str
    name: str
    role: str
    form_key: str
    state: str
    assignee: str | None
    created_at: datetime
    due_at: datetime | None
    claimed_at: datetime | None
    completed_at: datetime | None
    completed_by: str | None
    version: int
    candidates: tuple[str, ...] = ()  # the people the model named for it; empty: the whole role pool
    data: dict[str, Any] | None = None
    acting_for: StandIn | None = None  # in a stand-in's inbox: the mandate the task is offered through

    def is_overdue(self, now: datetime) -> bool:
        return self.due_at is not None and self.completed_at is None and self.due_at < now


@dataclass(frozen=True)
class CaseView:
    instance_id: int
    process_key: str
    process_name: str
    definition_id: int
    definition_version: int
    business_key: str | None
    status: str
    started_by: str
    started_at: datetime
    ended_at: datetime | None
    due_at: datetime | None
    warning_at: datetime | None
    data: dict[str, Any]
    version: int
    opd_id: int | None = None  # the requesting unit
    confidential: bool = False  # sifat surat rahasia: participants, supervisors and auditors only
    registered: bool = False  # a registrar registered the letter for the unit (``opd_id``)


@dataclass(frozen=True)
class CaseSummary:
    """A case as the case list shows it."""

    instance_id: int
    process_key: str
    process_name: str
    business_key: str | None
    letter_number: str | None  # the first nomor surat the forms named
    opd: str | None  # the requesting unit, as the forms named it
    status: str
    started_by: str
    started_at: datetime
    ended_at: datetime | None
    due_at: datetime | None


@dataclass(frozen=True)
class AuditEventView:
    event_id: int
    chain: str
    seq: int
    instance_id: int | None
    event_type: str
    actor: str
    at: datetime
    payload: dict[str, Any]
    hash: str


@dataclass(frozen=True)
class UserView:
    user_id: int
    username: str
    full_name: str
    email: str | None
    active: bool
    roles: frozenset[str] = field(default_factory=frozenset)
    opd_id: int | None = None  # the requesting unit a requester account belongs to
    email_mode: str = "instant"  # e-mail of notifications: instant, digest or off
    nip: str | None = None  # 18 digits, checked (engine/accounts/profile.py)
    jabatan: str | None = None
    unit_kerja: str | None = None
    phone: str | None = None
    auth_source: str = "local"  # where the account signs in: local, ldap or oidc (engine/accounts/external.py)


@dataclass(frozen=True)
class Person:
    """Who an audit event's actor is, as auditors name people: name, jabatan and NIP."""

    username: str
    full_name: str
    nip: str | None = None
    jabatan: str | None = None
    known: bool = True  # False for "system", the worker or an account since removed


@dataclass(frozen=True)
class Page:
    items: list[Any]
    page: int
    per_page: int
    total: int
    capped: bool = False  # more than ``total`` exist; shown as "1000+"

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))
