"""What a task page reads, in at most three statements and two round trips on one read-only connection
(issue 21):

1. ``TASK_PAGE``: every task of the task's case, and on the task's own row the case's columns, the
   reader's account (active, unit), roles and running mandates, the reader's draft of the task, and
   the case's uploads (with the reader's own not yet bound to a case, of the same contents);
2. the uploads of the documents the page names (earlier steps', the form's, the draft's), only if one
   of them is not among the case's uploads (a document from before uploads named their case, or one
   the reader uploaded for no case yet), or one of those does not read back (``CaseUploads``);
3. the people a user-picker field or the supervisor's reassign list offers, if the page has either,
   and the servers of the asset register, if the form picks one (in the same round trip: a fourth
   statement only for those forms);
   2 and 3 in one pipeline on PostgreSQL. Most pages need neither: one round trip. On PostgreSQL, a
   page whose form and role are known beforehand (``EarlyReads``: a guess, from the step that opened
   the task or an earlier read of its page) sends 3 in ``TASK_PAGE``'s pipeline: one round trip too.

The definition and the
working calendar come from their caches (a statement only the first time a process reads the
definition, and on the page's connection when the calendar's 30-second cache is stale).
"""
from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import BindParameter, Select, String, and_, bindparam, cast, func, select, union_all

from engine.persistence.authority import mandates_held, now_param, parse_mandates
from engine.persistence.compiled import DirectIn, DirectStatement, Read, read_batch
from engine.persistence.db import DirectConnection
from engine.persistence.models import (DocumentUpload, HumanTask, ProcessInstance, TaskDraft, UserAccount, UserRole,
                                       candidates_of)
from engine.permissions import Mandates, Reader
from engine.registers.server_assets import ServerAssetView, server_views, servers_in_use_read
from engine.runtime.attachments import AttachmentView, upload_views, uploads_in_case_read
from engine.values import TaskView

TASKS = HumanTask.__table__
INSTANCES = ProcessInstance.__table__
ACCOUNTS = UserAccount.__table__
ROLES = UserRole.__table__
DRAFTS = TaskDraft.__table__
UPLOADS = DocumentUpload.__table__

_USERNAME: BindParameter[Any] = bindparam("username")
_READER = ACCOUNTS.alias("reader")
# role keys are identifiers
_READER_ROLES = select(func.aggregate_strings(ROLES.c.role_key, ",")).where(ROLES.c.user_id == _READER.c.id)
_DRAFT = DRAFTS.alias("reader_draft")
_CASE_OF_TASK = select(TASKS.c.instance_id).where(TASKS.c.id == bindparam("task_id")).scalar_subquery()
_CASE = INSTANCES.alias("c")

_FIELD, _RECORD = "\x1f", "\x1e"  # ASCII unit and record separators: never in a cleaned filename
_F: BindParameter[str] = bindparam("f", _FIELD)
_IN_CASE = UPLOADS.alias("i")
_STORED = UPLOADS.alias("s")
# The case's uploads (``ix_document_upload_case``), and the reader's own of the same contents not bound
# to any case (by content): ``own_upload`` picks those too. Other people's unbound ones count only for a
# content no upload of the case has (``upload_of_step``): then the page reads them.
_UPLOAD = union_all(
    select(_STORED).where(_STORED.c.instance_id == _CASE.c.id).correlate(_CASE),
    select(_STORED).where(_STORED.c.sha256.in_(select(_IN_CASE.c.sha256).where(_IN_CASE.c.instance_id == _CASE.c.id)
                                               .correlate(_CASE)),
                          _STORED.c.uploaded_by == _USERNAME, _STORED.c.instance_id.is_(None)).correlate(_CASE),
).subquery("u")
# Each as text, its fields in ``AttachmentView``'s order after its id (an empty field for NULL). Text, not
# JSON: PostgreSQL's json_build_array looks up how to write each argument on every row (0.1 ms for a
# case's uploads).
_UPLOAD_TEXT = (cast(_UPLOAD.c.id, String) + _F + _UPLOAD.c.sha256 + _F + _UPLOAD.c.filename + _F
                + _UPLOAD.c.media_type + _F + cast(_UPLOAD.c.size, String) + _F + _UPLOAD.c.uploaded_by + _F
                + cast(_UPLOAD.c.uploaded_at, String) + _F + func.coalesce(cast(_UPLOAD.c.instance_id, String), "")
                + _F + func.coalesce(_UPLOAD.c.task_id, ""))
_CASE_UPLOADS = select(func.aggregate_strings(_UPLOAD_TEXT, _RECORD)).scalar_subquery()


def _statement(uploads: bool) -> Select[Any]:
    # The case's and the reader's columns, one row joined to the page's own task's row only (NULL on the
    # others): the same values on every row were sent and converted (dates, JSON) once per task. Joins,
    # not a CASE (nor a subquery) per column: psycopg parses a query of more than 4096 bytes again at
    # each execution.
    page = (
        select(_CASE.c.definition_id, _CASE.c.business_key.label("case_business_key"),
               _CASE.c.process_key.label("case_process_key"), _CASE.c.status.label("case_status"),
               _CASE.c.started_by, _CASE.c.started_at, _CASE.c.ended_at, _CASE.c.due_at.label("case_due_at"),
               _CASE.c.warning_at, _CASE.c.data_json.label("case_data"), _CASE.c.version.label("case_version"),
               _CASE.c.opd_id, _CASE.c.confidential, _CASE.c.registered, _READER.c.active.label("reader_active"),
               _READER.c.opd_id.label("reader_opd"), _READER_ROLES.scalar_subquery().label("reader_roles"),
               mandates_held(_USERNAME, now_param()).label("reader_mandates"),
               _DRAFT.c.data_json.label("draft_data"), _DRAFT.c.saved_at.label("draft_saved_at"),
               *([_CASE_UPLOADS.label("case_uploads")] if uploads else []))
        .select_from(_CASE.outerjoin(_READER, _READER.c.username == _USERNAME)
                     .outerjoin(_DRAFT, and_(_DRAFT.c.task_id == bindparam("task_id"), _DRAFT.c.username == _USERNAME)))
        # Materialized: joined on the page's task's id, a subquery was run again for every task of the case
        # (PostgreSQL's plan: the case's uploads aggregated once per task, 0.1 ms a page).
        .where(_CASE.c.id == _CASE_OF_TASK).cte("p").prefix_with("MATERIALIZED"))
    return (
        select(TASKS.c.id, TASKS.c.instance_id, TASKS.c.process_key, TASKS.c.process_name, TASKS.c.business_key,
               TASKS.c.element_id, TASKS.c.name, TASKS.c.role, TASKS.c.form_key, TASKS.c.state, TASKS.c.assignee,
               TASKS.c.created_at, TASKS.c.due_at, TASKS.c.claimed_at, TASKS.c.completed_at, TASKS.c.completed_by,
               TASKS.c.version, TASKS.c.candidate_users, TASKS.c.data_json, *page.c)
        .select_from(TASKS.outerjoin(page, TASKS.c.id == bindparam("task_id")))
        .where(TASKS.c.instance_id == _CASE_OF_TASK)
        # Tasks opened at one moment: the one done at once (a step registered on a requester's behalf)
        # before those it opened (as ``Queries.case_tasks``).
        .order_by(TASKS.c.created_at, TASKS.c.completed_at.is_(None), TASKS.c.completed_at, TASKS.c.id))


TASK_PAGE_STATEMENT = _statement(uploads=True)
# Run on the driver's cursor: through SQLAlchemy's execution and result wrapping it cost about as much
# again as the query itself.
TASK_PAGE = DirectStatement(TASK_PAGE_STATEMENT, recurring_times=True)  # each page re-reads its case's tasks
# The same without the uploads: what a form's submission reads first (``CaseFiles.task_form``).
TASK_FORM_STATEMENT = _statement(uploads=False)
TASK_FORM = DirectStatement(TASK_FORM_STATEMENT, recurring_times=True)


@dataclass(frozen=True)
class TaskPageRows:
    """``TASK_PAGE``'s answer: the case's tasks (the page's among them), its case row, the reader."""

    tasks: list[TaskView]
    case: Any  # the page's task's row: the only one with the case's (and the reader's) columns
    reader: Reader
    mandates: Mandates
    draft_data: dict[str, Any] | None
    draft_saved_at: datetime | None
    # the case's uploads and the reader's unbound ones of the same contents, as ``CaseUploads`` reads them;
    # None when not read (``TASK_FORM``)
    uploads: CaseUploads | None = None
    early: EarlyRows | None = None  # what ``EarlyReads`` read with it

    def task(self, task_id: str) -> TaskView:
        return next(t for t in self.tasks if t.task_id == task_id)


@dataclass(frozen=True)
class EarlyReads:
    """The page's later reads, guessed before its first statement: the people holding ``roles`` and, with
    ``servers``, the asset register's servers. Sent in ``TASK_PAGE``'s pipeline; used only for what they
    cover of what the page turns out to need (``read_documents_and_people``)."""

    roles: tuple[str, ...]  # sorted
    servers: bool

    def reads(self) -> list[Read]:
        return [*([_PEOPLE.read(self.roles, {})] if self.roles else []),
                *([servers_in_use_read()] if self.servers else [])]


@dataclass(frozen=True)
class EarlyRows:
    """``EarlyReads``' rows: ``_PEOPLE``'s of ``roles``, the servers' (None when not read)."""

    roles: frozenset[str]
    people: list[Any]
    servers: list[Any] | None


def read_task_page(connection: DirectConnection, task_id: str, username: str, now: datetime,
                   uploads: bool = True, early: EarlyReads | None = None) -> TaskPageRows | None:
    """One statement (``TASK_PAGE``, or ``TASK_FORM`` without ``uploads``), and ``early``'s reads in the
    same round trip (one pipeline on PostgreSQL); None when no task has this id."""
    statement = TASK_PAGE if uploads else TASK_FORM
    params = {"task_id": task_id, "username": username, "now": now}
    if early is not None and (more := early.reads()):
        rows, *found = read_batch(connection, [Read(statement, params), *more])
        kept = iter(found)
        read_early = EarlyRows(frozenset(early.roles), next(kept) if early.roles else [],
                               next(kept) if early.servers else None)
    else:
        rows, read_early = statement.all(connection, params), None
    if not rows:
        return None
    first = next(row for row in rows if row.id == task_id)
    active = bool(first.reader_active)
    roles = frozenset(first.reader_roles.split(",")) if active and first.reader_roles else frozenset()
    reader = Reader(username, roles, first.reader_opd) if active else Reader(username, frozenset())
    # none held: "[]" on SQLite, which parses to none
    mandates = parse_mandates(first.reader_mandates) if active and first.reader_mandates != "[]" else ()
    draft = json.loads(first.draft_data) if first.draft_data is not None else None
    return TaskPageRows([_task(r) for r in rows], first, reader, mandates, draft, first.draft_saved_at,
                        CaseUploads(first.case_uploads) if uploads else None, read_early)


class CaseUploads:
    """``TASK_PAGE``'s uploads (``_UPLOAD_TEXT`` records), turned into views only for the contents a
    page shows."""

    def __init__(self, text: str | None) -> None:
        self._text = text  # parsed only for a page that names documents

    def of(self, hashes: Iterable[str]) -> list[AttachmentView] | None:
        """What ``uploads_in`` of the case reads for ``hashes`` that any caller of ``own_upload`` (for
        the reader) and ``upload_of_step`` sees; None when a content has no upload in the case (then
        only reading them all says which upload the step's document was sent as), or when a record
        does not read back (a separator in a field: never from ``clean_filename``)."""
        texts = self._text.split(_RECORD) if self._text else []
        records = [(text, text.split(_FIELD)) for text in texts]
        if any(len(fields) != _UPLOAD_FIELDS for _text, fields in records):
            return None
        wanted = frozenset(hashes)
        if not wanted <= {fields[1] for _text, fields in records}:
            return None
        try:
            return [_upload_of(text, fields) for text, fields in sorted((r for r in records if r[1][1] in wanted),
                                                                        key=_upload_id)]
        except ValueError:
            return None


_UPLOAD_FIELDS = 9
# Views of the records read, by record: every page of a case shows its documents again, and a view is
# immutable (its record's fields: texts, numbers and a datetime), so one may go to every page.
_UPLOADS_SEEN: dict[str, AttachmentView] = {}
_UPLOADS_KEPT = 4096


def _upload_id(record: tuple[str, list[str]]) -> int:
    return int(record[1][0])


def _upload_of(text: str, fields: list[str]) -> AttachmentView:
    """``_upload``, kept by record.

    :raises ValueError: a number or a time that does not read back"""
    found = _UPLOADS_SEEN.get(text)
    if found is None:
        found = _upload(fields)
        if len(_UPLOADS_SEEN) >= _UPLOADS_KEPT:
            _UPLOADS_SEEN.clear()
        _UPLOADS_SEEN[text] = found
    return found


def _upload(fields: list[str]) -> AttachmentView:
    """:raises ValueError: a number or a time that does not read back"""
    _id, sha, filename, media_type, size, by, at, instance_id, task_id = fields
    # uploaded_at as both databases write a timestamp as text, naive UTC
    return AttachmentView(sha, filename, media_type, int(size), by, datetime.fromisoformat(at).replace(
        tzinfo=timezone.utc), int(instance_id) if instance_id else None, task_id or None)


def _task(row: Any) -> TaskView:
    return TaskView(
        task_id=row.id, instance_id=row.instance_id, process_key=row.process_key, process_name=row.process_name,
        business_key=row.business_key, element_id=row.element_id, name=row.name, role=row.role,
        form_key=row.form_key, state=row.state, assignee=row.assignee, created_at=row.created_at,
        due_at=row.due_at, claimed_at=row.claimed_at, completed_at=row.completed_at,
        completed_by=row.completed_by, version=row.version, candidates=candidates_of(row.candidate_users),
        data=json.loads(row.data_json) if row.data_json else None)


_PEOPLE = DirectIn(lambda n: select(ACCOUNTS.c.username, ACCOUNTS.c.full_name, ROLES.c.role_key)
                   .join(ROLES, ROLES.c.user_id == ACCOUNTS.c.id)
                   .where(ROLES.c.role_key.in_(DirectIn.binds(n)), ACCOUNTS.c.active.is_(True))
                   .order_by(ACCOUNTS.c.username))


def read_documents_and_people(connection: DirectConnection, instance_id: int, hashes: Sequence[str],
                              wanted: dict[str, frozenset[str]], servers: bool = False,
                              known: CaseUploads | None = None, early: EarlyRows | None = None
                              ) -> tuple[list[AttachmentView], dict[str, list[tuple[str, str]]], list[ServerAssetView]]:
    """The page's later statements, each only if needed, in one round trip (one pipeline on
    PostgreSQL): the uploads in the case of ``hashes`` (``uploads_in``; from ``known``, the first
    statement's, when it has them all), for each key of ``wanted`` the active users holding one of its
    roles, as (username, full name) in username order, and with ``servers`` the asset register's
    servers not removed (``list_servers(include_removed=False)``). The people and the servers come from
    ``early`` when it read them (the people of every role wanted, or more)."""
    roles = sorted(set().union(*wanted.values())) if wanted else []
    uploads = (known.of(hashes) if known is not None else None) if hashes else []
    people = early.people if roles and early is not None and early.roles.issuperset(roles) else None
    listed = early.servers if servers and early is not None else None
    reads = [*([uploads_in_case_read(instance_id, hashes)] if uploads is None else []),
             *([_PEOPLE.read(roles, {})] if roles and people is None else []),
             *([servers_in_use_read()] if servers and listed is None else [])]
    found = iter(read_batch(connection, reads) if reads else [])
    if uploads is None:
        uploads = upload_views(next(found))
    rows = (people if people is not None else next(found)) if roles else []
    registered = server_views(listed if listed is not None else next(found)) if servers else []
    return uploads, {key: _distinct((r.username, r.full_name) for r in rows if r.role_key in held)
                     for key, held in wanted.items()}, registered


def _distinct(people: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    return list(dict.fromkeys(people))
