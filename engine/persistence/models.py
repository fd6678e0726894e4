"""ORM models. Rows and JSON strings only: SpiffWorkflow objects never reach this layer."""
from __future__ import annotations

from datetime import date, datetime, timezone
from collections.abc import Sequence
from typing import Any, ClassVar, Optional

from sqlalchemy import (BigInteger, Boolean, Date, DateTime, ForeignKey, Index, Integer, String, Table,
                        Text, TypeDecorator, UniqueConstraint, false)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.sql.functions import FunctionElement

from engine.persistence import search_index


class UTCDateTime(TypeDecorator[datetime]):
    """Store naive UTC, hand back aware UTC on every backend."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: Optional[datetime], dialect: Any) -> Optional[datetime]:
        if value is None:
            return None
        if value.tzinfo is not timezone.utc:
            if value.tzinfo is None:
                raise ValueError("naive datetime given to a UTC column")
            value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None)

    def bind_processor(self, dialect: Any) -> Any:
        # SQLite: the text SQLAlchemy's DATETIME writes, in one call instead of this type's conversion then
        # the dialect's %-formatting of seven fields (a step binds a dozen times: 3% of a completion).
        return _sqlite_utc_text if dialect.name == "sqlite" else super().bind_processor(dialect)

    def process_result_value(self, value: Optional[datetime], dialect: Any) -> Optional[datetime]:
        return None if value is None else value.replace(tzinfo=timezone.utc)


def _sqlite_utc_text(value: Optional[datetime]) -> Optional[str]:
    """An aware datetime as SQLite's DATETIME stores it: naive UTC, "YYYY-MM-DD HH:MM:SS.ffffff"."""
    global _last_text
    last, text = _last_text
    if value is last:  # a step binds its one ``now`` many times (its rows, events and figures)
        return text
    if value is None:
        return None
    utc = value
    if utc.tzinfo is not timezone.utc:
        if utc.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        utc = utc.astimezone(timezone.utc)
    text = utc.isoformat(" ")[:-6]  # without its "+00:00"
    if not utc.microsecond:
        text += ".000000"  # isoformat leaves out a zero fraction
    _last_text = (value, text)  # one tuple: threads see the pair whole; it holds the value, so no id reuse
    return text


_last_text: tuple[Optional[datetime], Optional[str]] = (None, None)


CANDIDATE_USERS_MAX = 2000


def candidate_text(usernames: Sequence[str]) -> str | None:
    """``human_task.candidate_users`` for these people: ",budi,sari," (None for nobody: the role pool).
    A username holds no comma (``engine.accounts.users``), so the delimiters match whole names."""
    return f",{','.join(usernames)}," if usernames else None


def candidates_of(text: str | None) -> tuple[str, ...]:
    return tuple(name for name in (text or "").split(",") if name)


class names_in(FunctionElement[bool]):  # noqa: N801 - used as a SQL function
    """``candidate_text([name])`` occurs in a ``candidate_users`` column: an exact, case-sensitive
    substring test (``instr`` on SQLite, ``strpos`` on PostgreSQL), with none of LIKE's wildcards."""

    type = Boolean()
    inherit_cache = True
    name = "names_in"


@compiles(names_in)
def _names_in_sqlite(element: names_in, compiler: Any, **kw: Any) -> str:
    column, needle = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"(instr({column}, {needle}) > 0)"


@compiles(names_in, "postgresql")
def _names_in_postgresql(element: names_in, compiler: Any, **kw: Any) -> str:
    column, needle = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"(strpos({column}, {needle}) > 0)"


class Base(DeclarativeBase):
    # Every model maps one table (no mapping onto a join), so its __table__ is a Table, which the
    # Core insert and update statements accept; SQLAlchemy types it as any FromClause.
    __table__: ClassVar[Table]


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
    # The requesting unit: the starter's own, or the one a registrar registered the letter for.
    opd_id: Mapped[Optional[int]] = mapped_column(ForeignKey("opd.id"), index=True)
    # "Sifat surat: rahasia": only participants, supervisors and auditors read it (engine.permissions).
    confidential: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # A registrar registered the letter on the unit's behalf: every requester of ``opd_id`` reads it
    # (a case a requester started is read by that requester only).
    registered: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
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
        # The inbox's parts in due order; the case and task ids next, so a search checks a row's case
        # and a sort orders the rows in the index alone; candidate_users last: the inbox filters on it
        # without reading the row (see reading.queries).
        Index("ix_human_task_inbox", "state", "role", "due_at", "created_at", "instance_id", "id", "candidate_users"),
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
    # The people the model names (camunda:assignee / candidateUsers), written ",budi,sari,"; NULL: the
    # whole role pool. Bounded so that it fits an index entry on every backend.
    candidate_users: Mapped[Optional[str]] = mapped_column(String(CANDIDATE_USERS_MAX))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    claimed_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    completed_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    completed_by: Mapped[Optional[str]] = mapped_column(String(100))
    due_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    escalated_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    data_json: Mapped[Optional[str]] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": version}


class TaskDraft(Base):
    """A person's unsent input to a task form (``engine.runtime.drafts``): private to them, not part of
    the record (no audit event), one per user and task."""

    __tablename__ = "task_draft"

    task_id: Mapped[str] = mapped_column(ForeignKey("human_task.id"), primary_key=True)
    username: Mapped[str] = mapped_column(String(100), primary_key=True)
    data_json: Mapped[str] = mapped_column(Text)  # form field values, at most MAX_DRAFT_BYTES
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Incident(Base):
    """A step that failed at run time (``engine.runtime.incidents``): where and why, with the input the
    person sent kept for a retry; open until a retry completes the step."""

    __tablename__ = "incident"
    __table_args__ = (Index("ix_incident_open", "status", "process_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instance.id"), index=True)
    process_key: Mapped[str] = mapped_column(String(100))
    task_id: Mapped[str] = mapped_column(String(36))  # the human task being completed
    element_id: Mapped[str] = mapped_column(String(100))  # its step
    step_name: Mapped[str] = mapped_column(String(300))
    failed_element: Mapped[str] = mapped_column(String(100))  # where the engine failed (a flow, an event)
    message_json: Mapped[str] = mapped_column(Text)  # engine.modeling.messages.Text.record()
    detail: Mapped[str] = mapped_column(Text)  # the engine's own text, for the owner's details view
    actor: Mapped[str] = mapped_column(String(100))  # who sent the input
    input_json: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10))  # open, resolved
    attempts: Mapped[int] = mapped_column(Integer)  # failed tries, the first included
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    failed_at: Mapped[datetime] = mapped_column(UTCDateTime)  # the latest failure
    resolved_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    resolved_by: Mapped[Optional[str]] = mapped_column(String(100))


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


class DocumentUpload(Base):
    """One upload: who sent which content for which task (the file is stored once per sha256).

    A task's upload names its case and task and is an ``attachment_uploaded`` event of the case's
    chain; an upload made before its case exists (a registration, an API upload without a task) has
    neither until the step that uses it is completed, which records the event then.
    """

    __tablename__ = "document_upload"
    # Read by case, or by content and uploader; no index by task (schema 0022: no query used it).
    __table_args__ = (
        Index("ix_document_upload_case", "instance_id", "sha256"),
        Index("ix_document_upload_sha", "sha256", "uploaded_by"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    sha256: Mapped[str] = mapped_column(String(64))
    filename: Mapped[str] = mapped_column(String(300))
    media_type: Mapped[str] = mapped_column(String(150))
    size: Mapped[int] = mapped_column(Integer)
    uploaded_by: Mapped[str] = mapped_column(String(100))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    instance_id: Mapped[Optional[int]] = mapped_column(ForeignKey("process_instance.id"), nullable=True)
    task_id: Mapped[Optional[str]] = mapped_column(String(36), nullable=True)


class UserAccount(Base):
    __tablename__ = "user_account"
    __table_args__ = (UniqueConstraint("nip", name="uq_user_account_nip"),
                      UniqueConstraint("auth_source", "external_subject", name="uq_user_account_external"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[Optional[str]] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(300))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    opd_id: Mapped[Optional[int]] = mapped_column(ForeignKey("opd.id"), index=True)  # a requester's unit
    # E-mail of notifications: "instant" (each one), "digest" (one a day) or "off".
    email_mode: Mapped[str] = mapped_column(String(10), default="instant", server_default="instant")
    # What auditors and SOP documents name a person by (engine/accounts/profile.py)
    nip: Mapped[Optional[str]] = mapped_column(String(18))
    jabatan: Mapped[Optional[str]] = mapped_column(String(200))
    unit_kerja: Mapped[Optional[str]] = mapped_column(String(200))
    phone: Mapped[Optional[str]] = mapped_column(String(30))
    # Part of every session cookie: raised by logout, a password change or reset and deactivation, so
    # every session signed in before ends at once (engine/accounts/users.py).
    session_generation: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Wrong passwords in a row, and the lockout they led to (engine/accounts/login_throttle.py).
    failed_logins: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    last_failed_login_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    locked_until: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    # Where the account signs in (engine/accounts/external.py): "local" (its password here), "ldap" or
    # "oidc"; for the last two the directory's stable id of the person (None: linked by Admin Sistem,
    # bound to the directory entry at its first login).
    auth_source: Mapped[str] = mapped_column(String(10), default="local", server_default="local")
    external_subject: Mapped[Optional[str]] = mapped_column(String(300))


class Opd(Base):
    """A requesting unit (Organisasi Perangkat Daerah), kept by Admin Sistem."""

    __tablename__ = "opd"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(30), unique=True)  # short and stable, e.g. DINKES
    name: Mapped[str] = mapped_column(String(300))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    changed_by: Mapped[str] = mapped_column(String(100))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime)


class SopIdentity(Base):
    """The identity of an SOP as issued that its process owner fills in (PermenPAN-RB 35/2012):
    Nomor SOP, the dates and Disahkan oleh. Non-empty values win over the ones in the deployed model."""

    __tablename__ = "sop_identity"

    process_key: Mapped[str] = mapped_column(String(100), primary_key=True)
    nomor_sop: Mapped[str] = mapped_column(String(200), default="")
    tanggal_pembuatan: Mapped[Optional[date]] = mapped_column(Date, nullable=True)
    tanggal_revisi: Mapped[Optional[date]] = mapped_column(Date, nullable=True)
    tanggal_efektif: Mapped[Optional[date]] = mapped_column(Date, nullable=True)
    disahkan_jabatan: Mapped[str] = mapped_column(String(300), default="")
    disahkan_nama: Mapped[str] = mapped_column(String(200), default="")
    disahkan_nip: Mapped[str] = mapped_column(String(30), default="")
    changed_by: Mapped[str] = mapped_column(String(100))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ModelDraft(Base):
    """A model a process owner saved without deploying it: shared by the process owners, reopened later."""

    __tablename__ = "model_draft"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    process_key: Mapped[str] = mapped_column(String(100), index=True)
    title: Mapped[str] = mapped_column(String(200))
    based_on_version: Mapped[int] = mapped_column(Integer)  # the deployed version it was opened from
    bpmn_xml: Mapped[str] = mapped_column(Text)
    # the new forms of the form panel the model names (engine.modeling.model_forms), as the panel posts them
    forms_json: Mapped[Optional[str]] = mapped_column(Text, nullable=True)
    saved_by: Mapped[str] = mapped_column(String(100))
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ModelForm(Base):
    """A form a process owner made or changed in the modeler (``engine.modeling.model_forms``), stored with
    the deploy of the model that first uses it. Never changed afterwards: a changed form is a new key, so a
    running case keeps the form its version names."""

    __tablename__ = "model_form"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    form_key: Mapped[str] = mapped_column(String(100), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    schema_json: Mapped[str] = mapped_column(Text)  # JSON Schema (draft 2020-12), as forms/<key>.json
    sha256: Mapped[str] = mapped_column(String(64))
    based_on: Mapped[Optional[str]] = mapped_column(String(100), nullable=True)  # the form it was edited from
    process_key: Mapped[str] = mapped_column(String(100), index=True)  # the model first deployed with it
    created_by: Mapped[str] = mapped_column(String(100))
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
    expires_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)  # None: never (set by the migration)
    scope: Mapped[str] = mapped_column(String(10), default="read", server_default="write")  # read or write


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
    # Daily digest: owed to the next digest of ``username`` while set; ``digest_id`` is the digest's row.
    digest_pending: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false(), index=True)
    digest_id: Mapped[Optional[int]] = mapped_column(Integer)


class WorkerCursor(Base):
    """How far a worker job has read a stream (the audit events it announces), one row per job."""

    __tablename__ = "worker_cursor"

    name: Mapped[str] = mapped_column(String(50), primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)


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


class Mandate(Base):
    """A stand-in (Plh: the official is away; Plt: the post is vacant) appointed by letter for a period.

    ``from_day``/``to_day`` are the WITA dates of the letter, inclusive; ``starts_at``/``ends_at`` the
    same period as UTC instants (``ends_at`` exclusive), which the reads compare with "now". Ending a
    mandate early moves ``ends_at`` to that moment; ``closed_at`` is set once its end was processed
    (tasks the stand-in held through it released).
    """

    __tablename__ = "mandate"
    __table_args__ = (
        Index("ix_mandate_stand_in", "stand_in", "ends_at"),  # what a person holds now (every page)
        Index("ix_mandate_absent", "absent", "ends_at"),  # overlaps; mandates covering a leave
        Index("ix_mandate_open", "closed_at", "ends_at"),  # the worker: ends to process
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(3))  # plh, plt
    absent: Mapped[str] = mapped_column(String(100))  # username of the official stood in for
    stand_in: Mapped[str] = mapped_column(String(100))  # username of the Plh/Plt
    from_day: Mapped[date] = mapped_column(Date)
    to_day: Mapped[date] = mapped_column(Date)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    basis: Mapped[str] = mapped_column(String(200))  # nomor surat penunjukan
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_early_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    ended_by: Mapped[Optional[str]] = mapped_column(String(100))
    end_reason: Mapped[Optional[str]] = mapped_column(Text)
    closed_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)


class StaffLeave(Base):
    """A person's leave (cuti), kept by the Admin Sistem: the working calendar of one person."""

    __tablename__ = "staff_leave"
    __table_args__ = (Index("ix_staff_leave_reminder", "reminded_at", "to_day"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(100), index=True)
    from_day: Mapped[date] = mapped_column(Date)
    to_day: Mapped[date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(String(200))  # kind of leave, letter
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reminded_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)  # supervisors told: no mandate


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


class ServerAsset(Base):
    """A server in the aset register (SOP-05 Pencatatan 1), kept by Personil DC; the back-up/restore
    cases write its last job, the yearly review its last review (``engine.registers``)."""

    __tablename__ = "server_asset"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    asset_number: Mapped[str] = mapped_column(String(60), unique=True)  # nomor aset: what the forms pick
    hostname: Mapped[str] = mapped_column(String(200))
    ip_address: Mapped[str] = mapped_column(String(60))
    operating_system: Mapped[str] = mapped_column(String(200))
    dbms: Mapped[str] = mapped_column(String(200))
    owner_opd: Mapped[str] = mapped_column(String(300))
    location: Mapped[str] = mapped_column(String(300))
    backup_schedule: Mapped[str] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(20), default="aktif")  # aktif, nonaktif, dihapus
    last_backup_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime, nullable=True)
    last_backup_result: Mapped[Optional[str]] = mapped_column(String(20), nullable=True)
    last_restore_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime, nullable=True)
    last_restore_result: Mapped[Optional[str]] = mapped_column(String(20), nullable=True)
    last_job_instance_id: Mapped[Optional[int]] = mapped_column(Integer, nullable=True)
    last_job_confirmed: Mapped[bool] = mapped_column(Boolean, default=False)
    last_reviewed_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime, nullable=True)
    last_review_result: Mapped[Optional[str]] = mapped_column(String(20), nullable=True)  # sesuai, tidak sesuai
    last_review_note: Mapped[Optional[str]] = mapped_column(Text, nullable=True)
    last_review_instance_id: Mapped[Optional[int]] = mapped_column(Integer, nullable=True)
    changed_by: Mapped[str] = mapped_column(String(100))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime)


class DcVisit(Base):
    """One stay in the data-center room (SOP-04 step 1, Pencatatan): opened by a maintenance assignment
    or entered by the Pengawas for a walk-in visitor; open while ``time_out`` is empty."""

    __tablename__ = "dc_visit"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    visitor: Mapped[str] = mapped_column(String(200))
    organisation: Mapped[str] = mapped_column(String(300))
    purpose: Mapped[str] = mapped_column(Text)
    escort: Mapped[str] = mapped_column(String(200))
    time_in: Mapped[datetime] = mapped_column(UTCDateTime)
    time_out: Mapped[Optional[datetime]] = mapped_column(UTCDateTime, nullable=True, index=True)
    instance_id: Mapped[Optional[int]] = mapped_column(Integer, nullable=True, index=True)
    source: Mapped[str] = mapped_column(String(20))  # penugasan (pdc_01) or kunjungan (walk-in)
    opened_by: Mapped[str] = mapped_column(String(100))
    closed_by: Mapped[Optional[str]] = mapped_column(String(100), nullable=True)


class WorkerHeartbeat(Base):
    """One row per running worker process (``host:pid``), stamped on every run of the worker: ``/readyz``
    reads the newest stamp to tell whether any worker is alive. Operational state, not part of the record:
    not audited, and rows of workers silent for a day are removed by the next beat."""

    __tablename__ = "worker_heartbeat"

    worker_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    beat_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class CaseFigure(Base):
    """A case as the management dashboard counts it (``engine.reading.sop_figures``): written when the
    case starts, completes or is cancelled, in that transaction (``engine.runtime.figures``)."""

    __tablename__ = "case_figure"
    __table_args__ = (
        Index("ix_case_figure_started", "process_key", "started_at", "ended_at", "status"),
        Index("ix_case_figure_ended", "process_key", "ended_at", "status", "on_time", "work_seconds"),
    )

    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instance.id"), primary_key=True)
    process_key: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(20))  # running, completed, cancelled
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    # Completed cases: working time from start to end, and whether it ended by its limit (None: no limit).
    work_seconds: Mapped[Optional[int]] = mapped_column(Integer)
    on_time: Mapped[Optional[bool]] = mapped_column(Boolean)


class StepFigure(Base):
    """One completed step: its working time and whether it met its mutu baku, computed once when it is
    completed (``engine.runtime.figures``) so the dashboard never recomputes working time."""

    __tablename__ = "step_figure"
    __table_args__ = (
        # Covers every dashboard query of an SOP and period (steps, their ranks, performers' counts).
        Index("ix_step_figure_sop", "process_key", "completed_at", "element_id", "work_seconds", "on_time",
              "performer"),
        Index("ix_step_figure_performer", "performer", "completed_at", "process_key"),  # a person's own figures
    )

    task_id: Mapped[str] = mapped_column(String(36), primary_key=True)  # human_task.id
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instance.id"))
    process_key: Mapped[str] = mapped_column(String(100))
    element_id: Mapped[str] = mapped_column(String(100))
    performer: Mapped[str] = mapped_column(String(100))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    work_seconds: Mapped[int] = mapped_column(Integer)  # working time, a wait on an outside party excluded
    on_time: Mapped[Optional[bool]] = mapped_column(Boolean)  # None: the step has no time limit


class FlowFigure(Base):
    """One decision of a gateway: the flow a case took (Ya, Tidak), for rework counts and the heatmap."""

    __tablename__ = "flow_figure"
    __table_args__ = (Index("ix_flow_figure_sop", "process_key", "taken_at", "flow_id"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instance.id"))
    process_key: Mapped[str] = mapped_column(String(100))
    gateway_id: Mapped[str] = mapped_column(String(100))
    flow_id: Mapped[str] = mapped_column(String(100))
    taken_at: Mapped[datetime] = mapped_column(UTCDateTime)


class SopAssessment(Base):
    """One version of a PermenPAN-RB 35/2012 form of an SOP: the Monitoring Pelaksanaan SOP AP of a semester
    (``kind`` monitoring) or the Evaluasi Penerapan SOP AP of a year (evaluasi). Drafted from the figures
    (kept in ``evidence_json`` as they were), edited by the penilai SOP while a draft, read-only once signed;
    a change after that is a new version (``engine.sop.assessments``)."""

    __tablename__ = "sop_assessment"
    __table_args__ = (UniqueConstraint("kind", "process_key", "period_key", "version",
                                       name="uq_sop_assessment_version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # monitoring, evaluasi
    process_key: Mapped[str] = mapped_column(String(100), index=True)
    period_key: Mapped[str] = mapped_column(String(30))  # 2026-S1, 2026
    version: Mapped[int] = mapped_column(Integer)  # 1, 2, ... for the same SOP and period
    definition_version: Mapped[int] = mapped_column(Integer)  # the SOP version the figures were drafted against
    status: Mapped[str] = mapped_column(String(20))  # draft, signed
    content_json: Mapped[str] = mapped_column(Text)  # header and rows, as the penilai left them
    evidence_json: Mapped[str] = mapped_column(Text)  # the figures it was drafted from
    edits: Mapped[int] = mapped_column(Integer, default=0)  # optimistic lock of the draft
    drafted_by: Mapped[str] = mapped_column(String(100))
    drafted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    changed_by: Mapped[str] = mapped_column(String(100))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    signed_by: Mapped[Optional[str]] = mapped_column(String(100), nullable=True)
    signed_name: Mapped[Optional[str]] = mapped_column(String(200), nullable=True)
    signed_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime, nullable=True)
    revision_version: Mapped[Optional[int]] = mapped_column(Integer, nullable=True)  # the model version it led to
