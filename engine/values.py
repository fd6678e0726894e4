"""Small read-only values handed to callers (web, CLI): never ORM rows or SpiffWorkflow objects."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class DeployResult:
    process_key: str
    version: int
    definition_id: int
    created: bool  # False when identical content was already deployed


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
    data: dict[str, Any] | None = None

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
