"""ORM models. Rows and JSON strings only: SpiffWorkflow objects never reach this layer."""
from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Any, Optional

from sqlalchemy import (BigInteger, Boolean, Date, DateTime, ForeignKey, Index, Integer, String,
                        Text, TypeDecorator, UniqueConstraint)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from engine.persistence import search_index


class UTCDateTime(TypeDecorator[datetime]):
    """Store naive UTC, hand back aware UTC on every backend."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: Optional[datetime], dialect: Any) -> Optional[datetime]:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value: Optional[datetime], dialect: Any) -> Optional[datetime]:
        return None if value is None else value.replace(tzinfo=timezone.utc)


class Base(DeclarativeBase):
    pass


class ProcessDefinition(Base):
    __tablename__ = "process_definition"
    __table_args__ = (UniqueConstraint("process_key", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    process_key: Mapped[str] = mapped_column(String(100), index=True)
    version: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(300))
    bpmn_xml: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    source_file: Mapped[str] = mapped_column(String(300))
    deployed_by: Mapped[str] = mapped_column(String(100))
    deployed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    change_note: Mapped[str] = mapped_column(Text, default="")


class ProcessInstance(Base):
    __tablename__ = "process_instance"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    definition_id: Mapped[int] = mapped_column(ForeignKey("process_definition.id"), index=True)
    process_key: Mapped[str] = mapped_column(String(100), index=True)
    business_key: Mapped[Optional[str]] = mapped_column(String(200), index=True)
    status: Mapped[str] = mapped_column(String(20), index=True)  # running, completed, cancelled
    state_json: Mapped[str] = mapped_column(Text)
    data_json: Mapped[str] = mapped_column(Text, default="{}")  # current case data, for reading
    started_by: Mapped[str] = mapped_column(String(100))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    due_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    warning_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    warned_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)  # warning notice sent
    escalated_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)  # breach notice sent
    next_timer_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime, index=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    # For the case list and search (engine.runtime.search_terms): the requesting unit and the first
    # letter number the forms named (fields marked ``x-search``), kept once set.
    opd: Mapped[Optional[str]] = mapped_column(String(200))
    letter_number: Mapped[Optional[str]] = mapped_column(String(200))
    # The search terms the latest write added, as a JSON array; a trigger files them into case_term
    # (engine.persistence.search_index), so a step indexes its words within its own case UPDATE.
    # NULL: never indexed (a case from before the search index; ``alur search reindex``).
    search_terms: Mapped[Optional[str]] = mapped_column(Text)

    __table_args__ = (
        Index("ix_process_instance_warning", "warned_at", "warning_at"),
        Index("ix_process_instance_breach", "escalated_at", "due_at"),
        Index("ix_process_instance_started_at", "started_at"),
        Index("ix_process_instance_due_at", "due_at"),
    )
    __mapper_args__ = {"version_id_col": version}


class HumanTask(Base):
    """One row per user-task activation: the inbox is a query on this table alone."""

    __tablename__ = "human_task"
    __table_args__ = (
        # The inbox's parts in due order; the case and task ids last, so a search checks a row's case
        # and a sort orders the rows in the index alone.
        Index("ix_human_task_inbox", "state", "role", "due_at", "created_at", "instance_id", "id"),
        Index("ix_human_task_assignee", "assignee", "state", "due_at", "created_at", "instance_id", "id"),
        Index("ix_human_task_escalation", "escalated_at", "due_at"),
        # A case's tasks; a search that starts from the matching cases finds their open tasks here.
        Index("ix_human_task_case", "instance_id", "state", "role", "assignee", "due_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # the SpiffWorkflow task uuid
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instance.id"))
    process_key: Mapped[str] = mapped_column(String(100))
    process_name: Mapped[str] = mapped_column(String(300))
    business_key: Mapped[Optional[str]] = mapped_column(String(200))
    element_id: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(300))
    role: Mapped[str] = mapped_column(String(100))
    form_key: Mapped[str] = mapped_column(String(100))
    state: Mapped[str] = mapped_column(String(20))  # ready, claimed, completed, cancelled
    assignee: Mapped[Optional[str]] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    claimed_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    completed_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    completed_by: Mapped[Optional[str]] = mapped_column(String(100))
    due_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    escalated_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    data_json: Mapped[Optional[str]] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": version}


class AuditEvent(Base):
    """Append-only; each event carries the hash of the previous one in its chain."""

    __tablename__ = "audit_event"
    __table_args__ = (UniqueConstraint("chain", "seq"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    chain: Mapped[str] = mapped_column(String(40))  # "instance:<id>" or "system"
    seq: Mapped[int] = mapped_column(Integer)
    instance_id: Mapped[Optional[int]] = mapped_column(Integer, index=True)
    event_type: Mapped[str] = mapped_column(String(50))
    actor: Mapped[str] = mapped_column(String(100))
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    payload_json: Mapped[str] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditChainHead(Base):
    """Latest seq and hash per chain; locked while appending so one chain never forks."""

    __tablename__ = "audit_chain_head"

    chain: Mapped[str] = mapped_column(String(40), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer)
    hash: Mapped[str] = mapped_column(String(64))


class Attachment(Base):
    """An uploaded document, stored on disk by its sha256."""

    __tablename__ = "attachment"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    filename: Mapped[str] = mapped_column(String(300))
    media_type: Mapped[str] = mapped_column(String(150))
    size: Mapped[int] = mapped_column(Integer)
    uploaded_by: Mapped[str] = mapped_column(String(100))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime)


class UserAccount(Base):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[Optional[str]] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(300))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class UserRole(Base):
    __tablename__ = "user_role"

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True)
    role_key: Mapped[str] = mapped_column(String(100), primary_key=True, index=True)


class CalendarOverride(Base):
    """A date an admin made non-working (a new cuti bersama decree) or working (a cancelled holiday)."""

    __tablename__ = "calendar_override"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    working: Mapped[bool] = mapped_column(Boolean)
    name: Mapped[str] = mapped_column(String(200))
    changed_by: Mapped[str] = mapped_column(String(100))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ApiToken(Base):
    """A bearer token for the JSON API; only its sha256 is stored."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_used_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)


class Notification(Base):
    """An in-app notification (the bell), optionally also sent by e-mail."""

    __tablename__ = "notification"
    __table_args__ = (Index("ix_notification_user_unread", "username", "read_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(40))  # task_overdue, case_warning, case_overdue, ...
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text, default="")
    instance_id: Mapped[Optional[int]] = mapped_column(Integer)
    task_id: Mapped[Optional[str]] = mapped_column(String(36))
    dedup_key: Mapped[str] = mapped_column(String(200), unique=True)  # one notice per (event, user)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    read_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    emailed_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    # E-mail outbox: ``email_next_at`` is set while a message is owed (to ``email_to``) and cleared
    # once it is sent; failures push it back and count ``email_attempts``.
    email_to: Mapped[Optional[str]] = mapped_column(String(200))
    email_next_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime, index=True)
    email_attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    email_error: Mapped[Optional[str]] = mapped_column(Text)


class ProcessSchedule(Base):
    """The engine-owned schedule of a routine process (from its timer start event, or set by an admin)."""

    __tablename__ = "process_schedule"

    process_key: Mapped[str] = mapped_column(String(100), primary_key=True)
    cycle: Mapped[str] = mapped_column(String(100))  # ISO-8601 repeating interval, e.g. R/P1M
    next_run_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    # Occurrence n is due at anchor_at + n periods (counted in WITA), so months never drift.
    anchor_at: Mapped[datetime] = mapped_column(UTCDateTime)
    next_seq: Mapped[int] = mapped_column(Integer, default=0, server_default="0")  # n of next_run_at
    catch_up: Mapped[str] = mapped_column(String(10), default="latest", server_default="latest")  # or "all"
    source: Mapped[str] = mapped_column(String(10), default="model", server_default="model")  # or "admin"
    changed_by: Mapped[Optional[str]] = mapped_column(String(100))
    changed_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)


class ScheduleOccurrence(Base):
    """One row per routine occurrence: the unique key makes each occurrence start exactly one case."""

    __tablename__ = "schedule_occurrence"
    __table_args__ = (UniqueConstraint("process_key", "scheduled_for"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    process_key: Mapped[str] = mapped_column(String(100))
    scheduled_for: Mapped[datetime] = mapped_column(UTCDateTime)
    instance_id: Mapped[Optional[int]] = mapped_column(ForeignKey("process_instance.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class AuditCheckpoint(Base):
    """A signed list of the audit chain heads that moved since the previous checkpoint (all heads in the
    first), linked to the previous checkpoint by its sha256; the signing key is kept outside the database."""

    __tablename__ = "audit_checkpoint"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    created_by: Mapped[str] = mapped_column(String(100))
    body_json: Mapped[str] = mapped_column(Text)  # the exact signed text (canonical JSON)
    signature: Mapped[str] = mapped_column(String(100))  # base64 Ed25519 signature of body_json
    public_key: Mapped[str] = mapped_column(String(100))  # base64 raw Ed25519 public key that signed it
    key_id: Mapped[str] = mapped_column(String(16))  # first 16 hex digits of sha256(public key)
    chain_count: Mapped[int] = mapped_column(Integer)  # heads in this checkpoint (chains moved since the last)


class AuditCheckpointHead(Base):
    """The heads a checkpoint signed, as rows: finds what moved since, and which checkpoints cover a chain."""

    __tablename__ = "audit_checkpoint_head"

    checkpoint_id: Mapped[int] = mapped_column(ForeignKey("audit_checkpoint.id"), primary_key=True)
    chain: Mapped[str] = mapped_column(String(40), primary_key=True, index=True)
    seq: Mapped[int] = mapped_column(Integer)
    hash: Mapped[str] = mapped_column(String(64))


class CaseTerm(Base):
    """The search index: one row per normalized term of a case (engine.runtime.search_terms says which),
    filed by a trigger from ``process_instance.search_terms``; terms are only ever added."""

    __tablename__ = "case_term"
    __table_args__ = {"sqlite_with_rowid": False}

    # Byte order on PostgreSQL too, so a prefix is one index range.
    term: Mapped[str] = mapped_column(String(100).with_variant(String(100, collation="C"), "postgresql"),
                                      primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instance.id", ondelete="CASCADE"),
                                             primary_key=True)


class SavedFilter(Base):
    """A user's named inbox search, shown as an inbox tab with its count."""

    __tablename__ = "saved_filter"
    __table_args__ = (UniqueConstraint("username", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(60))
    query_json: Mapped[str] = mapped_column(Text)  # the search's parameters (engine.reading.search)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime)


search_index.attach(CaseTerm.__table__)
