"""Read models of the task page and the case file: steps against the mutu baku, documents, diagram marks.

Who may read what is decided here, not in the web layer:
- a task: holders of its role (groups expanded), its supervisors, whoever held or completed it, and
  the case-reader roles (read only);
- a case: the starter, anyone who may read one of its tasks, and the case-reader roles.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from datetime import datetime, timedelta
from typing import Any, Callable, Iterable

from sqlalchemy.orm import Session, sessionmaker

from engine.accounts.opd import OpdService
from engine.reading.access import facts_of
from engine.runtime.attachments import PREVIEW_TYPES, AttachmentStore, AttachmentView, own_upload, upload_of_step
from engine.runtime.drafts import Drafts, DraftView
from engine.runtime.comments import CommentView, comments_in
from engine.worktime.work_calendar import WorkCalendar
from engine.reading.catalog import StepMeta
from engine.reading.form_facts import FormFactsCache
from engine.worktime.clock import Clock, utcnow
from engine.modeling.definitions import DefinitionStore
from engine.modeling.parser import ParsedDefinition
from engine.persistence.models import ProcessDefinition
from engine.errors import CaseHidden, InvalidInput, NotFound, PermissionDenied, TaskNotFound
from engine.modeling.forms import FormRegistry
from engine.permissions import Access, Mandates, Permissions, Reader
from engine.reading.queries import Queries
from engine.modeling.roles import RoleCatalog
from engine.accounts.users import UserService
from engine.audit.attempts import ACTION_READ_CASE, ACTION_READ_DOCUMENT, ACTION_READ_TASK, AttemptLog
from engine.audit.read_log import VIEW_EVENTS
from engine.persistence.db import DirectConnection
from engine.persistence.direct_reads import direct_reads
from engine.reading.task_page_read import EarlyReads, TaskPageRows, read_documents_and_people, read_task_page
from engine.runtime.live_workflows import OpenTasks, Recent
from engine.persistence.compiled import pipelines
from engine.registers.pickers import picker_options, review_prefill
from engine.registers.server_assets import ServerAssetView
from engine.values import MANDATE_LABELS, AuditEventView, CaseView, StandIn, TaskView


@dataclass(frozen=True)
class DocumentView:
    """A document a completed step submitted: one per step and field, also when the content repeats."""

    sha256: str
    filename: str
    media_type: str
    size: int
    field: str
    field_title: str
    step_name: str
    langkah: str
    added_by: str | None  # who completed the step
    added_at: datetime | None
    task_id: str = ""
    pass_no: int = 1  # the n-th time through the step (loops)
    uploaded_by: str | None = None  # who uploaded the file (the case's own upload of it)
    uploaded_at: datetime | None = None
    current: bool = True  # the newest version of this step's field
    form_key: str = ""  # the form of ``field`` (its title in another language)
    element_id: str = ""  # the step's (its name in another language)

    @property
    def previewable(self) -> bool:
        return self.media_type in PREVIEW_TYPES


@dataclass(frozen=True)
class ActedFor:
    """A step completed by a stand-in: for whom, under which mandate (from the audit event)."""

    kind: str  # plh, plt
    absent: str  # the official's username
    basis: str  # nomor surat penunjukan
    mandate_id: int | None

    @property
    def label(self) -> str:
        return MANDATE_LABELS.get(self.kind, self.kind)


@dataclass(frozen=True)
class StepView:
    task: TaskView
    meta: StepMeta
    pass_no: int  # the n-th activation of this element in the case (loops)
    worked: timedelta  # working time from activation to completion (or now)
    overdue: bool  # still open and past its due time
    on_time: bool | None  # completed within its due time; None while open
    acted_for: ActedFor | None = None  # completed by a Plh/Plt on behalf of this official

    @property
    def langkah(self) -> str:
        return self.meta.mutu_baku.get("langkah", self.meta.element_id)


DATE_FORMATS = ("date", "date-time")  # never carried into a loop's next pass


@dataclass(frozen=True)
class TaskPage:
    task: TaskView
    meta: StepMeta
    schema: dict[str, Any]
    instance: CaseView
    values: dict[str, Any]  # what the form shows: submitted data, or a prefill
    documents: list[DocumentView]  # kelengkapan: documents of earlier steps
    earlier_steps: list[StepView]
    attachments: dict[str, AttachmentView]  # documents referenced by ``values``
    user_options: dict[str, list[tuple[str, str]]]  # x-role -> (username, full name)
    remaining: timedelta | None  # working time to the due time; negative when overdue
    can_act: bool  # may fill and complete the form
    can_claim: bool
    can_unclaim: bool
    draft: DraftView | None = None  # the reader's own unsent input, never anyone else's
    acting_for: StandIn | None = None  # the user would act as Plh/Plt of this official
    can_reassign: bool = False  # a supervisor of its role (or Admin Sistem), while it is open
    reassign_options: list[tuple[str, str]] = field(default_factory=list)  # other active holders of its role
    server_register: list[ServerAssetView] = field(default_factory=list)  # the asset register, for a form that picks
    # fields of ``values`` carried from this step's earlier pass (a loop), and that pass's number
    carried: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class TaskForm:
    """What a task form's submission needs before the step completes: the task, its form, and whether
    the user may fill it (``CaseFiles.task_form``; the page is built only to show it again)."""

    task: TaskView
    schema: dict[str, Any]
    can_act: bool


@dataclass(frozen=True)
class CasePage:
    instance: CaseView
    steps: list[StepView]
    documents: list[DocumentView]
    audit: list[AuditEventView]  # what changed the case; reads are counted in ``views``
    marks: dict[str, str]  # element id -> done | active | overdue
    passes: dict[str, int]  # element id -> completed activations
    flows_taken: list[str]
    worked: timedelta  # working time since the start (until the end)
    overdue: bool
    warned: bool
    can_cancel: bool
    properties: dict[str, str] = field(default_factory=dict)
    views: dict[str, int] = field(default_factory=dict)  # case_viewed / document_viewed -> count
    comments: list[CommentView] = field(default_factory=list)
    can_comment: bool = False
    opd_name: str | None = None  # the requesting unit
    has_requester: bool = False  # someone reads it as its requester: comments may be addressed to them


@dataclass(frozen=True)
class StepSummary:
    name: str
    completed_at: datetime | None
    element_id: str = ""  # its name in another language


@dataclass(frozen=True)
class RequesterCasePage:
    """A case as its requester reads it: where it stands and what came out, and the thread of comments
    with the office; never the internal dispositions, step data or staff comments (``Access.REQUESTER``)."""

    instance_id: int
    process_key: str
    process_name: str
    business_key: str | None
    status: str  # running, completed, cancelled
    started_at: datetime
    ended_at: datetime | None
    opd_name: str | None
    registered: bool  # a registrar registered the letter on the requester's behalf
    submitted: list[StepSummary]  # the requester's own steps
    outcome: StepSummary | None  # the final step of a completed case
    documents: list[DocumentView]  # what the requester sent and the outcome's documents
    can_cancel: bool = False  # the requester who started it may withdraw a running case
    comments: list[CommentView] = field(default_factory=list)  # the thread with the requester
    can_comment: bool = True


class CaseFiles:
    def __init__(self, sessions: sessionmaker[Session], queries: Queries, definitions: DefinitionStore,
                 forms: FormRegistry, roles: RoleCatalog, permissions: Permissions, users: UserService,
                 attachments: AttachmentStore, calendar: Callable[[Session | DirectConnection], WorkCalendar],
                 drafts: Drafts, opds: OpdService, clock: Clock = utcnow, open_tasks: OpenTasks | None = None) -> None:
        self._sessions = sessions
        self._queries = queries
        self._definitions = definitions
        self._forms = forms
        self._roles = roles
        self._may = permissions
        self._users = users
        self._attachments = attachments
        self._calendar = calendar
        self._drafts = drafts
        self._opds = opds
        self._clock = clock
        self._attempts = AttemptLog(sessions, clock)  # denied reads, on the log
        self._facts = FormFactsCache(forms)
        self._metas: dict[tuple[int, str], StepMeta] = {}  # (definition id, element id) -> its step's words
        # What a task page's later reads will be, guessed before its first statement (``_early_reads``):
        # the tasks steps of this process opened (the runner's), and the form and role of tasks and the
        # roles of readers whose pages were read.
        self._open_tasks = open_tasks
        self._page_tasks: Recent[str, tuple[str, str]] = Recent(4096)  # task id -> (form key, role)
        self._page_readers: Recent[str, frozenset[str]] = Recent(4096)  # username -> roles

    def now(self) -> datetime:
        return self._clock()

    def task_page(self, task_id: str, username: str) -> TaskPage:
        """:raises TaskNotFound:  :raises PermissionDenied: the user may not read this task (recorded)"""
        with self._attempts.refusals(username, ACTION_READ_TASK, task_id=task_id):
            return self._task_page(task_id, username)

    def task_form(self, task_id: str, username: str) -> TaskForm:
        """The task page's first statement only: enough to take a submission (``TaskForm``).

        :raises TaskNotFound:  :raises PermissionDenied: the user may not read this task (recorded)
        """
        with self._attempts.refusals(username, ACTION_READ_TASK, task_id=task_id):
            with direct_reads(self._sessions) as connection:
                read = read_task_page(connection, task_id, username, self._clock(), uploads=False)
            if read is None:
                raise TaskNotFound.of(task_id)
            task = read.task(task_id)
            self._check_may_read(task, username, read, self._case_view(read.case))
            return TaskForm(task, self._forms.get(task.form_key).schema,
                            self._may_fill(task, username, read.reader.roles, read.mandates))

    def _check_may_read(self, task: TaskView, username: str, read: TaskPageRows, instance: CaseView) -> Access | None:
        """:raises PermissionDenied: the user may not read this task"""
        access = self._access_with(instance, read.tasks, read.reader, read.mandates)
        named = username in (task.assignee, task.completed_by)
        if not named and not (access is Access.FULL
                              and self._may_read_task(task, username, read.reader.roles, read.mandates)):
            raise PermissionDenied(f"Tugas ini untuk peran {self._roles.title(task.role)}", task_id=task.task_id,
                                   role=task.role)
        return access

    def _may_fill(self, task: TaskView, username: str, user_roles: frozenset[str], mandates: Mandates) -> bool:
        if task.state not in ("ready", "claimed"):
            return False
        claimed_by = task.assignee if task.state == "claimed" else None
        may_take = self._may.may_take(task.role, task.candidates, username, user_roles, mandates)
        return self._may.may_act_on(task.role, claimed_by, username, user_roles, mandates) \
            and (task.state == "claimed" or may_take)

    def _task_page(self, task_id: str, username: str) -> TaskPage:
        """At most three statements in two round trips on one read-only connection
        (``engine.reading.task_page_read``)."""
        with direct_reads(self._sessions) as connection:
            pipelined = pipelines(connection)  # else a guessed read is not worth it: no round trip to save
            early = self._early_reads(task_id, username) if pipelined else None
            read = read_task_page(connection, task_id, username, self._clock(), early=early)
            if read is None:
                raise TaskNotFound.of(task_id)
            task, reader, mandates = read.task(task_id), read.reader, read.mandates
            if pipelined:
                self._page_tasks.keep(task_id, (task.form_key, task.role))
                self._page_readers.keep(username, reader.roles)
            user_roles = reader.roles
            instance = self._case_view(read.case)
            case_tasks = read.tasks
            access = self._check_may_read(task, username, read, instance)
            # both cached: a statement on this connection only when the calendar's cache is stale
            calendar, (_definition, parsed) = self._calendar(connection), self._definition(instance.definition_id)
            # the page shows the completed steps before it (a requester, who reads only their own step:
            # none), and its own step's words
            earlier = self._earlier_steps(instance.definition_id, parsed, calendar, case_tasks, task_id) \
                if access is Access.FULL else []
            meta = self._step_meta(instance.definition_id, parsed, task)
            schema = self._forms.get(task.form_key).schema
            facts = self._facts.get(task.form_key)
            carried: dict[str, int] = {}
            if task.data is not None:
                values = task.data
            else:
                values, carried = self._prefill(schema, task, earlier, instance.data, facts.document_names)
            holds_role = self._may.may_work_on(task.role, user_roles, mandates)
            draft = None
            if holds_role and read.draft_data is not None and read.draft_saved_at is not None \
                    and task.completed_by != username:
                draft = DraftView(task_id, read.draft_data, read.draft_saved_at, task.state in ("ready", "claimed"))
            shown = [*facts.document_values(values), *(facts.document_values(draft.data) if draft else ())]
            found = self._step_documents(earlier)
            hashes = sorted({*(sha for sha, _, _ in found), *shown})
            is_open = task.state in ("ready", "claimed")
            can_reassign = is_open and self._supervises(task, user_roles)
            pickers = {role: self._holders(role) for role in facts.picker_roles}
            if can_reassign:
                pickers[_REASSIGN] = self._holders(task.role)
            uploads, people, servers = read_documents_and_people(connection, instance.instance_id, hashes, pickers,
                                                                 facts.picks_server, read.uploads, read.early)
        if task.data is None and servers:  # the review table's rows name servers, never documents: filled in after
            values = {**review_prefill(schema, servers), **values}
        documents = self._documents_from(found, uploads)
        claimed_by = task.assignee if task.state == "claimed" else None
        acting = self._may.acting_for(task.role, claimed_by, username, user_roles, mandates,
                                      task.candidates) if is_open else None
        may_take = self._may.may_take(task.role, task.candidates, username, user_roles, mandates)
        return TaskPage(
            task=task, meta=meta, schema=schema, instance=instance, values=values,
            documents=documents, earlier_steps=earlier,
            attachments=self._attachments_shown(task, username, shown, documents, uploads),
            user_options={**{role: people[role] for role in facts.picker_roles}, **picker_options(servers)},
            remaining=self._remaining_with(calendar, [task]).get(task_id),
            can_act=self._may_fill(task, username, user_roles, mandates),
            can_claim=is_open and task.state == "ready" and may_take,
            can_unclaim=task.state == "claimed" and self._may.may_unclaim(task.role)
            and (task.assignee == username or self._supervises(task, user_roles)),
            can_reassign=can_reassign, server_register=servers,
            reassign_options=[p for p in people.get(_REASSIGN, []) if p[0] != task.assignee],
            draft=draft if holds_role else None,
            acting_for=acting.stand_in() if acting is not None else None, carried=carried)

    def _early_reads(self, task_id: str, username: str) -> EarlyReads | None:
        """The people and servers the task's page will offer (``_task_page``'s ``pickers``), as far as
        they follow from the task's form and role and the reader's roles as last seen: from an earlier
        read of the page, else from the step that opened the task (``OpenTasks``). Only a guess: the page
        reads again what they do not cover. None when the page offers neither, or nothing is known."""
        known = self._page_tasks.get(task_id) or self._opened_task(task_id)
        if known is None:
            return None
        form_key, role = known
        try:
            facts = self._facts.get(form_key)
        except InvalidInput:  # the page raises it
            return None
        roles: set[str] = set()
        for picked in facts.picker_roles:
            roles |= self._holders(picked)
        reader_roles = self._page_readers.get(username)
        if reader_roles is not None and self._may.supervises(role, reader_roles):
            roles |= self._holders(role)
        if not roles and not facts.picks_server:
            return None
        return EarlyReads(tuple(sorted(roles)), facts.picks_server)

    def _opened_task(self, task_id: str) -> tuple[str, str] | None:
        """The form and role of a task a step of this process opened, as that step left it."""
        opened = self._open_tasks.get(task_id) if self._open_tasks is not None else None
        cached = self._definitions.cached(opened.definition_id) if opened is not None else None
        if opened is None or cached is None:
            return None
        step = cached[1].user_tasks.get(opened.element_id)
        return (opened.form_key, step.role) if step is not None else None

    def _definition(self, definition_id: int) -> tuple[ProcessDefinition, ParsedDefinition]:
        """From the definitions' cache (a session only to read one not cached yet)."""
        found = self._definitions.cached(definition_id)
        if found is None:
            with self._sessions() as session:
                found = self._definitions.get(session, definition_id)
        return found

    def _case_view(self, row: Any) -> CaseView:
        """A case from ``TASK_PAGE``'s columns (the definition from its cache)."""
        definition, parsed = self._definition(row.definition_id)
        return CaseView(
            instance_id=row.instance_id, process_key=row.case_process_key, process_name=parsed.name,
            definition_id=row.definition_id, definition_version=definition.version,
            business_key=row.case_business_key, status=row.case_status, started_by=row.started_by,
            started_at=row.started_at, ended_at=row.ended_at, due_at=row.case_due_at, warning_at=row.warning_at,
            data=json.loads(row.case_data or "{}"), version=row.case_version, opd_id=row.opd_id,
            confidential=row.confidential, registered=row.registered)

    def _holders(self, role: str) -> frozenset[str]:
        """The roles whose holders work on tasks of ``role`` (a group role's members too)."""
        return frozenset({role} | set(self._roles.roles[role].members if role in self._roles else ()))

    def _attachments_shown(self, task: TaskView, username: str, hashes: Iterable[str], documents: list[DocumentView],
                           uploads: list[AttachmentView]) -> dict[str, AttachmentView]:
        """``task_attachments`` over uploads read already."""
        carried = {d.sha256: d for d in documents}
        found: dict[str, AttachmentView] = {}
        for sha in hashes:
            own = own_upload(uploads, sha, username, task.task_id)
            document = carried.get(sha)
            if own is not None:
                found[sha] = own
            elif document is not None:
                found[sha] = AttachmentView(sha, document.filename, document.media_type, document.size,
                                            document.uploaded_by or "", document.uploaded_at or task.created_at,
                                            task.instance_id, document.task_id)
        return found

    def case_page(self, instance_id: int, username: str) -> CasePage | RequesterCasePage:
        """The whole case, or the requester's view of it (``Permissions.case_access``).

        :raises CaseNotFound:  :raises PermissionDenied: the user may not read this case (recorded)
        """
        with self._attempts.refusals(username, ACTION_READ_CASE, instance_id=instance_id):
            return self._case_page(instance_id, username)

    def _case_page(self, instance_id: int, username: str) -> CasePage | RequesterCasePage:
        instance = self._queries.case(instance_id)
        tasks = self._queries.case_tasks(instance_id)
        reader = self._reader(username)
        user_roles = reader.roles
        access, _mandates = self._access(instance, tasks, reader)
        if access is None:
            raise CaseHidden.of(instance_id)
        facts = facts_of(instance, tasks)
        if access is Access.REQUESTER:
            steps = self._steps(instance.definition_id, tasks)
            open_roles = {s.task.role for s in steps if s.task.state in ("ready", "claimed")}
            thread = [c for c in comments_in(self._queries.audit_trail(instance_id)) if c.to_requester]
            return self._requester_page(instance, steps, instance.status == "running" and self._may.may_cancel(
                instance.started_by, open_roles, username, user_roles), thread)
        trail = self._queries.audit_trail(instance_id)
        audit = [e for e in trail if e.event_type not in VIEW_EVENTS]
        steps = self._steps(instance.definition_id, tasks, _acted_for(audit))
        views: dict[str, int] = {}
        for event in trail:
            if event.event_type in VIEW_EVENTS:
                views[event.event_type] = views.get(event.event_type, 0) + 1
        marks: dict[str, str] = {}
        passes: dict[str, int] = {}
        for step in steps:
            element = step.task.element_id
            if step.task.state == "completed":
                passes[element] = passes.get(element, 0) + 1
                marks.setdefault(element, "done")
        for step in steps:
            if step.task.state in ("ready", "claimed"):
                marks[step.task.element_id] = "overdue" if step.overdue else "active"
        decisions = [e.payload for e in audit if e.event_type == "gateway_decided"]
        for decision in decisions:
            marks.setdefault(decision.get("gateway", ""), "done")
        now = self._clock()
        running = instance.status == "running"
        with self._sessions() as session:
            worked = self._calendar(session).working_time_between(instance.started_at, instance.ended_at or now)
            _row, parsed = self._definitions.get(session, instance.definition_id)
        open_roles = {s.task.role for s in steps if s.task.state in ("ready", "claimed")}
        return CasePage(
            instance=instance, steps=steps, documents=self._documents(steps), audit=audit, marks=marks,
            passes=passes, flows_taken=[d["flow"] for d in decisions if d.get("flow")], worked=worked,
            overdue=running and instance.due_at is not None and instance.due_at < now,
            warned=running and instance.warning_at is not None and instance.warning_at < now,
            can_cancel=running and self._may.may_cancel(instance.started_by, open_roles, username, user_roles),
            properties=dict(parsed.properties), views=views, comments=comments_in(audit),
            can_comment=self._may.may_comment(*facts, reader), opd_name=self._opd_name(instance.opd_id),
            has_requester=instance.registered or self._may.is_requester(self._reader(instance.started_by).roles))

    def _requester_page(self, instance: CaseView, steps: list[StepView], can_cancel: bool,
                        thread: list[CommentView] | None = None) -> RequesterCasePage:
        external = self._roles.external
        done = [s for s in steps if s.task.state == "completed"]
        own = [s for s in done if s.task.role in external]
        final = max(done, key=lambda s: s.task.completed_at or instance.started_at) \
            if instance.status == "completed" and done else None
        shown = own + ([final] if final is not None and final not in own else [])
        return RequesterCasePage(
            instance_id=instance.instance_id, process_key=instance.process_key, process_name=instance.process_name,
            business_key=instance.business_key, status=instance.status, started_at=instance.started_at,
            ended_at=instance.ended_at, opd_name=self._opd_name(instance.opd_id),
            registered=instance.registered,
            submitted=[StepSummary(s.task.name, s.task.completed_at, s.task.element_id) for s in own],
            outcome=StepSummary(final.task.name, final.task.completed_at, final.task.element_id) if final is not None
            else None,
            documents=self._documents(shown), can_cancel=can_cancel, comments=thread or [])

    def case_document(self, instance_id: int, sha256: str, username: str) -> tuple[AttachmentView, Any]:
        """A document of a case the user may read, with its path on disk.

        :raises NotFound: the case has no such document  :raises PermissionDenied: (recorded)
        """
        with self._attempts.refusals(username, ACTION_READ_DOCUMENT, instance_id=instance_id, sha256=sha256):
            return self._case_document(instance_id, sha256, username)

    def _case_document(self, instance_id: int, sha256: str, username: str) -> tuple[AttachmentView, Any]:
        instance = self._queries.case(instance_id)
        tasks = self._queries.case_tasks(instance_id)
        access, _mandates = self._access(instance, tasks, self._reader(username))
        if access is None:
            raise CaseHidden.of(instance_id)
        steps = self._steps(instance.definition_id, tasks)
        documents = (self._documents(steps) if access is Access.FULL
                     else self._requester_page(instance, steps, can_cancel=False).documents)
        found = [d for d in documents if d.sha256 == sha256]
        if not found:
            raise NotFound("Dokumen tidak ditemukan pada kasus ini", instance_id=instance_id, sha256=sha256)
        chosen = found[-1]
        view = AttachmentView(sha256, chosen.filename, chosen.media_type, chosen.size,
                              chosen.uploaded_by or chosen.added_by or "", chosen.uploaded_at or chosen.added_at
                              or instance.started_at, instance_id, chosen.task_id)
        return view, self._attachments.path_of(sha256)

    def task_attachments(self, task: TaskView, username: str, hashes: Iterable[str],
                         documents: list[DocumentView] | None = None) -> dict[str, AttachmentView]:
        """The documents a task form names that ``username`` may see there: their own uploads for the
        task, and the case's documents (``documents``: those of earlier steps, when read already)."""
        wanted = [h for h in hashes if isinstance(h, str)]
        if not wanted:
            return {}
        uploads = self._attachments.in_case(task.instance_id, wanted)
        return self._attachments_shown(task, username, wanted, list(documents or ()), uploads)

    def remaining(self, tasks: Iterable[TaskView]) -> dict[str, timedelta]:
        """Working time left until each open task's due time (negative: working time overdue)."""
        with self._sessions() as session:
            return self._remaining_with(self._calendar(session), tasks)

    def _remaining_with(self, calendar: WorkCalendar, tasks: Iterable[TaskView]) -> dict[str, timedelta]:
        now = self._clock()
        result: dict[str, timedelta] = {}
        for task in tasks:
            if task.due_at is None or task.state not in ("ready", "claimed"):
                continue
            if task.due_at >= now:
                result[task.task_id] = calendar.working_time_between(now, task.due_at)
            else:
                result[task.task_id] = -calendar.working_time_between(task.due_at, now)
        return result

    # -- helpers -----------------------------------------------------------------------------

    def _reader(self, username: str) -> Reader:
        user = self._users.find(username)
        if user is None or not user.active:
            return Reader(username, frozenset())
        return Reader(username, user.roles, user.opd_id)

    def _opd_name(self, opd_id: int | None) -> str | None:
        return self._opds.get(opd_id).name if opd_id is not None else None

    def _access(self, instance: CaseView, tasks: list[TaskView], reader: Reader) -> tuple[Access | None, Mandates]:
        """``Permissions.case_access``, widened by the reader's running mandates: a stand-in (Plh/Plt)
        reads in full a case where the official they stand in for works (a task of a role the mandate
        grants, or one the official holds or completed)."""
        mandates = self._queries.authority(reader.username).mandates
        return self._access_with(instance, tasks, reader, mandates), mandates

    def _access_with(self, instance: CaseView, tasks: list[TaskView], reader: Reader,
                     mandates: Mandates) -> Access | None:
        access = self._may.case_access(*facts_of(instance, tasks), reader)
        if access is not Access.FULL and mandates and any(
                self._may_read_task(t, reader.username, frozenset(), mandates) for t in tasks):
            access = Access.FULL
        return access

    def _supervises(self, task: TaskView, user_roles: frozenset[str]) -> bool:
        return self._may.supervises(task.role, user_roles)

    def _may_read_task(self, task: TaskView, username: str, user_roles: frozenset[str],
                       mandates: Mandates = ()) -> bool:
        """Also a task the official one stands in for holds (or completed)."""
        people = (task.assignee, task.completed_by)
        standing_in = any(m.absent in people for m in mandates)
        return standing_in or self._may.may_read_task(task.role, people, username, user_roles, mandates)

    def _steps(self, definition_id: int, tasks: list[TaskView],
               acted_for: dict[str, ActedFor] | None = None) -> list[StepView]:
        with self._sessions() as session:
            _row, parsed = self._definitions.get(session, definition_id)
            return self._steps_with(parsed, self._calendar(session), tasks, acted_for)

    def _steps_with(self, parsed: ParsedDefinition, calendar: WorkCalendar, tasks: list[TaskView],
                    acted_for: dict[str, ActedFor] | None = None) -> list[StepView]:
        now = self._clock()
        counts: dict[str, int] = {}
        steps = []
        for task in tasks:
            counts[task.element_id] = counts.get(task.element_id, 0) + 1
            meta = parsed.user_tasks.get(task.element_id)
            steps.append(StepView(
                task=task, meta=self._meta(task, meta), pass_no=counts[task.element_id],
                worked=_worked(calendar, task.created_at, task.completed_at) if task.completed_at is not None
                else calendar.working_time_between(task.created_at, now),
                overdue=task.state in ("ready", "claimed") and task.due_at is not None and task.due_at < now,
                on_time=None if task.completed_at is None or task.due_at is None
                else task.completed_at <= task.due_at,
                acted_for=(acted_for or {}).get(task.task_id)))
        return steps

    def _earlier_steps(self, definition_id: int, parsed: ParsedDefinition, calendar: WorkCalendar,
                       tasks: list[TaskView], task_id: str) -> list[StepView]:
        """``_steps_with``'s steps of the completed tasks other than ``task_id``: the others' working
        time to now was worked out only to be dropped."""
        now = self._clock()
        counts: dict[str, int] = {}
        steps = []
        for task in tasks:
            counts[task.element_id] = counts.get(task.element_id, 0) + 1
            if task.state != "completed" or task.task_id == task_id:
                continue
            steps.append(StepView(
                task=task, meta=self._step_meta(definition_id, parsed, task), pass_no=counts[task.element_id],
                worked=_worked(calendar, task.created_at, task.completed_at) if task.completed_at is not None
                else calendar.working_time_between(task.created_at, now),
                overdue=False, on_time=None if task.completed_at is None or task.due_at is None
                else task.completed_at <= task.due_at))
        return steps

    def _step_meta(self, definition_id: int, parsed: ParsedDefinition, task: TaskView) -> StepMeta:
        """``_meta``, kept per deployed definition and element (a deployed model never changes)."""
        key = (definition_id, task.element_id)
        meta = self._metas.get(key)
        if meta is None:
            found = parsed.user_tasks.get(task.element_id)
            meta = self._meta(task, found)
            if found is not None:  # else made of the task's own row
                self._metas[key] = meta
        return meta

    def _meta(self, task: TaskView, meta: Any) -> StepMeta:
        if meta is None:  # the element was removed from a later model version; keep what the row knows
            return StepMeta(task.element_id, task.name, "", task.role, self._roles.title(task.role), task.form_key, {})
        return StepMeta(meta.element_id, meta.name, meta.documentation, meta.role, self._roles.title(meta.role),
                        meta.form_key, dict(meta.mutu_baku))

    def _documents(self, steps: list[StepView]) -> list[DocumentView]:
        """Every document a completed step submitted, in step order: the same content in three fields
        is three documents. The newest pass of a step's field is its current version."""
        found = self._step_documents(steps)
        if not found:
            return []
        uploads = self._attachments.in_case(steps[0].task.instance_id, [sha for sha, _, _ in found])
        return self._documents_from(found, uploads)

    def _step_documents(self, steps: list[StepView]) -> list[tuple[str, str, StepView]]:
        """(sha256, field, step) of each document field a completed step filled."""
        found: list[tuple[str, str, StepView]] = []
        for step in steps:
            if step.task.state != "completed" or not step.task.data:
                continue
            for name in self._facts.get(step.task.form_key).documents:
                value = step.task.data.get(name)
                if isinstance(value, str):
                    found.append((value, name, step))
        return found

    def _documents_from(self, found: list[tuple[str, str, StepView]],
                        uploads: list[AttachmentView]) -> list[DocumentView]:
        newest = {(step.task.element_id, name): step.pass_no for _sha, name, step in found}
        documents = []
        for sha, name, step in found:
            upload = upload_of_step(uploads, sha, step.task.task_id)
            if upload is None:
                continue
            title = self._facts.get(step.task.form_key).documents[name]
            documents.append(DocumentView(
                sha, upload.filename, upload.media_type, upload.size, name, title, step.meta.name,
                step.langkah, step.task.completed_by, step.task.completed_at, step.task.task_id, step.pass_no,
                upload.uploaded_by, upload.uploaded_at, newest[(step.task.element_id, name)] == step.pass_no,
                step.task.form_key or "", step.task.element_id))
        return documents

    @staticmethod
    def _prefill(schema: dict[str, Any], task: TaskView, earlier: list[StepView], case_data: dict[str, Any],
                 document_names: frozenset[str]) -> tuple[dict[str, Any], dict[str, int]]:
        """On a loop pass, the element's previous answers, and which fields were carried from which pass;
        otherwise the documents handed on by earlier steps under the same field name. Ya/Tidak decisions
        and dates (a new pass happens on another day) are never carried."""
        properties = schema.get("properties", {})
        previous = [s for s in earlier if s.task.element_id == task.element_id and s.task.data]
        if not previous:
            handed_on = {k: v for k, v in case_data.items() if k in document_names}  # the form's document fields
            return handed_on, {}
        values = {}
        for key, value in (previous[-1].task.data or {}).items():
            prop = properties.get(key)
            if prop is None or prop.get("x-widget") == "yesno" or prop.get("format") in DATE_FORMATS:
                continue
            columns = prop.get("items", {}).get("properties", {}) if prop.get("type") == "array" else {}
            if columns and isinstance(value, list):
                value = [{c: v for c, v in row.items() if columns.get(c, {}).get("format") not in DATE_FORMATS}
                         if isinstance(row, dict) else row for row in value]
            if value not in (None, "", []):
                values[key] = value
        return values, {key: previous[-1].pass_no for key in values}


@lru_cache(maxsize=4096)
def _worked(calendar: WorkCalendar, start: datetime, end: datetime) -> timedelta:
    """A completed step's working time, which every page of its case shows and never changes for one
    calendar (a calendar is rebuilt, a new key, when its cache expires or an admin edits it)."""
    return calendar.working_time_between(start, end)


_REASSIGN = "\x00reassign"  # the key of the reassign list among the picker roles (no role key has it)


def _acted_for(events: Iterable[AuditEventView]) -> dict[str, ActedFor]:
    """Steps completed by a stand-in, by task id: the completion event names both people."""
    found: dict[str, ActedFor] = {}
    for event in events:
        payload = event.payload
        if event.event_type == "task_completed" and payload.get("on_behalf_of"):
            mandate = payload.get("mandate") or {}
            found[str(payload.get("task_id"))] = ActedFor(str(mandate.get("kind", "")), payload["on_behalf_of"],
                                                     str(mandate.get("basis", "")), mandate.get("id"))
    return found
