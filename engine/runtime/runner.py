"""Runtime use cases. Each public method is one transaction together with its audit events."""
from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from datetime import datetime
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import MultiInstanceTask
from SpiffWorkflow.bpmn.specs.mixins.subworkflow_task import SubWorkflowTask
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import Connection, select, update
from sqlalchemy.orm import Session, sessionmaker

from engine.audit.attempts import ACTION_CLAIM_TASK, ACTION_COMPLETE_TASK, AttemptLog
from engine.audit.chain import case_chain
from engine.worktime.work_calendar import WorkCalendar
from engine.worktime.clock import Clock, utcnow
from engine.modeling.definitions import DefinitionStore
from engine.errors import (
    Conflict,
    ConcurrentUpdate,
    EngineError,
    ExecutionError,
    CaseNotFound,
    CaseNotRunning,
    DefinitionNotFound,
    FormInvalid,
    InvalidInput,
    NotARoleHolder,
    PermissionDenied,
    ReasonRequired,
    TaskClaimedByOther,
    TaskForOthers,
    TaskNotFound,
    TaskNotOpen,
    UnknownVariables,
)
from engine.modeling.forms import FormRegistry
from engine.modeling.step_notices import RESULT_FIELDS
from engine.registers.case_hooks import RegisterFields, on_case_ended, on_step_completed, register_fields
from engine.runtime.case_clock import TaskTimes, case_deadlines, new_step_due, waited_step_due
from engine.runtime import figures
from engine.runtime.incidents import (StartBroke, StepBroke, fail_again, note_timer_failure, open_incident,
                                      report_start_failure, resolve_incident, timer_broke)
from engine.runtime.live_workflows import LiveWorkflows, OpenTask, OpenTasks
from engine.runtime.business_keys import business_key as clean_business_key
from engine.persistence.models import HumanTask, ProcessInstance, candidate_text, candidates_of
from engine.persistence.rows import case_row
from engine.modeling.roles import RoleCatalog
from engine.runtime.search_terms import StepTerms, start_terms, step_terms
from engine.runtime.serializer import dump_state, encode_data, load_state, new_workflow
from engine.runtime.spiff_timers import due_timer_tasks, next_timer_due, spiff_clock
from engine.modeling.parser import ParsedDefinition
from engine.runtime.step_statements import (CASE_TASK_TIMES, CASE_WITH_HEAD, COMPLETE_TASK, DONE_BY, INSERT_CASE,
                                           INSERT_DONE_TASK, INSERT_TASKS, LAST_STARTED, SAVE_CASE,
                                           SET_TASK_DUE, START_FACTS, TASK_WITH_CASE)
from engine.accounts.opd import opd_row, opd_view
from engine.accounts.users import roles_of
from engine.permissions import SYSTEM_ACTOR, Mandates, Permissions
from engine.persistence.authority import AUTHORITY, authority_of, parse_mandates
from engine.runtime.people import People, case_label, route, tell_supervisors
from engine.runtime.registration import agenda_number, fill_opd_fields, requester_step
from engine.runtime.attachments import (DocumentChecker, DocumentReads, Received, UploadTarget, bind_uploads,
                                        document_checker, queue_received, record_received)
from engine.persistence.compiled import Read, pipelines, read_batch
from engine.runtime.unit_of_work import UnitOfWork
from engine.values import ActiveMandate, Authority
from engine.worker.notifications import Recipient, add_notification

OPEN_STATES = ("ready", "claimed")
# What the engine itself puts in a case it starts (the worker's routine occurrences); nobody else
# gives start data.
SYSTEM_START_DATA = frozenset({"jadwal_rutin"})
MAX_REASON = 1000
# "Sifat surat" fields of the SOP forms (the request letter's, the agenda's); these values make a
# case confidential: only its participants, supervisors and auditors read it (engine.permissions).
SIFAT_FIELDS = ("sifat_surat", "sifat")
CONFIDENTIAL_SIFAT = frozenset({"rahasia", "sangat rahasia"})


_log = logging.getLogger(__name__)


def is_confidential(data: dict[str, Any]) -> bool:
    return any(data.get(name) in CONFIDENTIAL_SIFAT for name in SIFAT_FIELDS)


@dataclass(frozen=True)
class StepResult:
    instance_id: int
    status: str
    ready_task_ids: list[str]
    assignees: dict[str, str] = field(default_factory=dict)  # the tasks this step opened that someone holds

    def next_task_of(self, username: str) -> str | None:
        """The task this step opened for ``username`` (where the web form goes next), if any."""
        return next((task_id for task_id in self.ready_task_ids if self.assignees.get(task_id) == username), None)


class Runner:
    def __init__(self, sessions: sessionmaker[Session], definitions: DefinitionStore, forms: FormRegistry,
                 roles: RoleCatalog, permissions: Permissions, calendar: Callable[[Connection], WorkCalendar],
                 clock: Clock = utcnow) -> None:
        self._sessions = sessions
        self._live = LiveWorkflows()
        self._open_tasks = OpenTasks()  # on PostgreSQL: so that a completion reads its checks with its task row
        self._definitions = definitions
        self._forms = forms
        self._roles = roles
        self._may = permissions
        self._calendar = calendar
        self._clock = clock
        self._attempts = AttemptLog(sessions, clock)  # refused completions and claims, on the log
        self._facts: dict[int, tuple[ParsedDefinition, _ModelFacts]] = {}  # by id() of a parsed definition
        # Told the process key of each step completed, once committed (the web app counts them for /metrics).
        self.completion_listeners: list[Callable[[str], None]] = []

    @property
    def open_tasks(self) -> OpenTasks:
        """The tasks steps of this process opened, kept on PostgreSQL (a guess: see ``OpenTasks``)."""
        return self._open_tasks

    # -- use cases ---------------------------------------------------------------------------

    def start_case(self, process_key: str, actor: str, business_key: str | None = None,
                       data: dict[str, Any] | None = None,
                       within: Callable[[UnitOfWork, int], None] | None = None) -> StepResult:
        """Start a case on the latest version; first tasks the starter may do are assigned to them.
        A requester's case belongs to the requester's unit.

        ``within(work, instance_id)`` runs in the same unit of work once the instance row exists
        (the worker links a routine occurrence to its case); if it raises, nothing is stored.

        :raises DefinitionNotFound: the process was never deployed
        :raises PermissionDenied: the actor's roles may not start this process
        :raises InvalidInput: data that is not an object; a business key that is not one line of text
        :raises UnknownVariables: data other than the engine's own start variables (``SYSTEM_START_DATA``,
            given by the worker): what a case holds comes through the forms of its steps
        """
        if data is not None and not isinstance(data, dict):
            raise InvalidInput("Data awal harus berupa objek JSON", field="data")
        unknown = sorted(set(data or {}) - (SYSTEM_START_DATA if actor == SYSTEM_ACTOR else set()))
        if unknown:
            raise UnknownVariables("Data awal tidak diterima: " + ", ".join(unknown[:10]) + ". Isi kasus datang dari "
                                   "formulir langkahnya; kirim data lewat penyelesaian langkah pertama.",
                                   field="data", variables=unknown[:50])
        business_key = clean_business_key(business_key)
        try:
            return self._start(process_key, actor, business_key, data, within)
        except StartBroke as broke:  # rolled back; owners and Admin Sistem are told in a transaction of its own
            raise report_start_failure(self._sessions, self._roles, broke, self._clock()) from broke.cause

    def _start(self, process_key: str, actor: str, business_key: str | None, data: dict[str, Any] | None,
               within: Callable[[UnitOfWork, int], None] | None) -> StepResult:
        with UnitOfWork.begin(self._sessions) as work:
            facts = START_FACTS.first(work.connection, {"process_key": process_key, "actor": actor})
            if facts.definition_id is None:
                raise DefinitionNotFound(f"Proses '{process_key}' belum di-deploy", process_key=process_key)
            row, definition = (self._definitions.cached(facts.definition_id)
                               or self._definitions.get(work.session, facts.definition_id))
            actor_roles = set() if actor == SYSTEM_ACTOR or not facts.actor_roles else set(facts.actor_roles.split(","))
            if not self._may.may_start(definition.start_roles, actor, actor_roles):
                raise PermissionDenied(f"Peran Anda tidak dapat memulai '{definition.name}'", process_key=process_key)
            opd_id = facts.actor_opd if self._may.is_requester(actor_roles) else None
            case, workflow, now = self._open_case(work, row, definition, actor, business_key, dict(data or {}),
                                                  opd_id, within=within)
            decisions = self._run_starting(workflow, definition, now, actor)
            self._record_decisions(work, case.id, case.process_key, decisions, actor, now)
            return self._save(work, case, definition, workflow, actor, now, auto_assign=actor_roles,
                              starter=actor, known=set(),
                              search=StepTerms(start_terms(actor, business_key, dict(data or {}))))

    def register_case(self, process_key: str, actor: str, opd_id: int | None, business_key: Any,
                      data: Any) -> StepResult:
        """A registrar registers an incoming letter for a requesting unit: the case starts with the
        agenda/SRIKANDI number as its business key and the requester's first step done by the
        registrar with ``data`` (the letter's scan among it), in one transaction. Both events say
        ``on_behalf: true`` and ``registered_for`` (the unit). See ``engine.runtime.registration``.

        :raises PermissionDenied: not a registrar, or the SOP is not started by a requester
        :raises InvalidInput: no or an inactive unit, no agenda number  :raises OpdNotFound:
        :raises Conflict: the agenda number is registered already for this SOP
        :raises FormInvalid: the first step's data fails its form; nothing is stored
        """
        business_key = agenda_number(business_key)
        if not isinstance(data, dict):
            raise InvalidInput("Data formulir harus berupa objek JSON")
        try:
            return self._register(process_key, actor, opd_id, business_key, data)
        except StartBroke as broke:  # rolled back; owners and Admin Sistem are told in a transaction of its own
            raise report_start_failure(self._sessions, self._roles, broke, self._clock()) from broke.cause

    def _register(self, process_key: str, actor: str, opd_id: int | None, business_key: str,
                  data: dict[str, Any]) -> StepResult:
        with UnitOfWork.begin(self._sessions) as work:
            session = work.session
            row, definition = self._definitions.latest(session, process_key)
            step = requester_step(definition, self._roles)
            if step is None or not self._may.may_register(definition.start_roles, self._actor_roles(work, actor)):
                raise PermissionDenied(f"Peran Anda tidak dapat mendaftarkan surat untuk '{definition.name}'",
                                       process_key=process_key)
            if opd_id is None:
                raise InvalidInput("Pilih OPD pemohon", field="opd_id")
            opd = opd_view(opd_row(session, opd_id))
            if not opd.active:
                raise InvalidInput(f"OPD '{opd.name}' tidak aktif", field="opd_id")
            taken = session.scalar(select(ProcessInstance.id).where(
                ProcessInstance.process_key == process_key, ProcessInstance.business_key == business_key,
                ProcessInstance.status != "cancelled").limit(1))
            if taken is not None:
                raise Conflict(f"Nomor agenda {business_key} sudah terdaftar pada kasus #{taken}",
                               field="business_key", instance_id=taken)
            data = fill_opd_fields(self._forms.get(step.form_key).schema, data, opd)
            documents = document_checker(work.connection, None, None, actor, data.values())
            self._forms.validate(step.form_key, data, documents.problem)
            on_behalf = {"on_behalf": True, "registered_for": {"opd_id": opd.opd_id, "code": opd.code,
                                                               "name": opd.name}}
            case, workflow, now = self._open_case(work, row, definition, actor, business_key, {}, opd.opd_id,
                                                  also=on_behalf, confidential=is_confidential(data), registered=True)
            decisions = self._run_starting(workflow, definition, now, actor)
            self._record_decisions(work, case.id, case.process_key, decisions, actor, now)
            ready = workflow.get_tasks(state=TaskState.READY, manual=True)
            if [t.task_spec.bpmn_id for t in ready] != [step.element_id]:
                raise ExecutionError(f"Langkah pertama '{step.name}' tidak siap setelah kasus dimulai",
                                     process_key=process_key)
            spiff_task = ready[0]
            task_id = str(spiff_task.id)
            encoded = encode_data(data)
            work.record_for_case(case.id, "task_created", actor=actor, at=now, payload={
                "task_id": task_id, "element_id": step.element_id, "name": step.name, "role": step.role,
                "assignee": actor})
            spiff_task.data.update(json.loads(encoded))
            try:
                spiff_task.run()
            except SpiffWorkflowException as exc:
                raise StartBroke(process_key, definition.name, actor, exc) from exc
            work.queue_write(INSERT_DONE_TASK, [dict(
                id=task_id, instance_id=case.id, process_key=process_key, process_name=definition.name,
                business_key=business_key, element_id=step.element_id, name=step.name, role=step.role,
                form_key=step.form_key, state="completed", assignee=actor, created_at=now, claimed_at=now,
                completed_at=now, completed_by=actor, due_at=self._calendar(work.connection).due(now, step.waktu_iso),
                data_json=encoded, version=2)])
            figures.step_done_at_once(work, task_id=task_id, instance_id=case.id, process_key=process_key,
                                      element_id=step.element_id, performer=actor, at=now)
            bind_uploads(work, documents.unbound(data.values()), UploadTarget(case.id, task_id, step.name), now)
            work.record_for_case(case.id, "task_completed", actor=actor, at=now, payload={
                "task_id": task_id, "element_id": step.element_id, "name": step.name, "data": data, **on_behalf})
            decisions = self._run_starting(workflow, definition, now, actor)
            self._record_decisions(work, case.id, case.process_key, decisions, actor, now)
            case.data_json = encode_data(spiff_task.data)
            case.confidential = is_confidential(spiff_task.data)
            first = step_terms(data, self._forms.get(step.form_key).search_fields, actor)
            search = StepTerms(list(dict.fromkeys([*start_terms(actor, business_key, {}), *first.terms])),
                               first.opd, first.letter_number)
            return self._save(work, case, definition, workflow, actor, now, auto_assign=set(), starter=None,
                              known=set(), search=search)

    def _open_case(self, work: UnitOfWork, row: Any, definition: ParsedDefinition, actor: str,
                   business_key: str | None, initial: dict[str, Any], opd_id: int | None,
                   within: Callable[[UnitOfWork, int], None] | None = None, also: dict[str, Any] | None = None,
                   confidential: bool = False, registered: bool = False) -> tuple[_Case, BpmnWorkflow, datetime]:
        """The new case's row, its workflow with the start data, and its ``instance_started`` event
        (``also``: more of that event's payload)."""
        now = self._clock()
        workflow = new_workflow(definition.spec, definition.subprocess_specs)
        if business_key:
            initial.setdefault("nomor_kasus", business_key)
        workflow.task_tree.data.update(initial)
        due_at, warning_at = self._case_deadlines(work, definition, now)
        if work.has_session:
            work.session.flush()  # rows the use case added through the ORM before the case's
        inserted = INSERT_CASE.first(work.connection, dict(
            definition_id=row.id, process_key=definition.process_key, business_key=business_key, status="running",
            state_json="{}", data_json="{}", started_by=actor, started_at=now, due_at=due_at, warning_at=warning_at,
            version=1, opd_id=opd_id, confidential=confidential or is_confidential(initial),
            registered=registered))
        instance_id: int = inserted.id
        if within is not None:
            within(work, instance_id)
        case = _Case(instance_id, row.id, definition.process_key, business_key, "running", "{}", 1)
        work.starts_chain(case_chain(instance_id))
        # The case's record (engine.audit.case_accounting): on its own chain, no row other cases write.
        figures.case_started(work, instance_id, definition.process_key, now)
        work.record_for_case(instance_id, "instance_started", actor=actor, at=now, payload={
            "process_key": definition.process_key, "version": row.version, "business_key": business_key,
            "data": initial, "previous_case": inserted.previous_case, **(also or {})})
        return case, workflow, now

    def claim_task(self, task_id: str, actor: str) -> None:
        """Take a ready task of one's roles.

        :raises TaskClaimedByOther: someone else holds it
        """
        with self._attempts.refusals(actor, ACTION_CLAIM_TASK, task_id=task_id), \
                UnitOfWork.begin(self._sessions) as work:
            now = self._clock()
            task = self._open_task(work, task_id)
            authority = self._authority(work, actor, now)
            self._require_task_role(work, task, actor, set(authority.roles), authority.mandates)
            if task.state == "claimed":
                if task.assignee == actor or self._may.acting_for(
                        task.role, task.assignee, actor, authority.roles, authority.mandates) is not None:
                    return  # held by the official the actor stands in for: theirs to complete already
                raise TaskClaimedByOther(f"Tugas sudah diambil oleh {task.assignee}", task_id=task_id,
                                         assignee=task.assignee)
            acting = self._may.acting_for(task.role, None, actor, authority.roles, authority.mandates,
                                          candidates_of(task.candidate_users))
            self._require_named(task, actor, authority.mandates)
            task.state, task.assignee, task.claimed_at = "claimed", actor, now
            work.record_for_case(task.instance_id, "task_claimed", actor=actor, at=now,
                                 payload={"task_id": task_id, "name": task.name, **_on_behalf(acting)})

    def unclaim_task(self, task_id: str, actor: str) -> None:
        """Give a claimed task back to the role's pool (its holder or a supervisor)."""
        with UnitOfWork.begin(self._sessions) as work:
            task = self._open_task(work, task_id)
            if task.state != "claimed":
                # Nothing to release; still only for those who may see the task, so that the call
                # (and the API's answer with the task) tells nobody else anything about it.
                roles = self._actor_roles(work, actor)
                if not (self._may.may_work_on(task.role, roles) or self._may.supervises(task.role, roles)):
                    raise PermissionDenied("Hanya pemegang peran tugas atau atasannya yang dapat melepas tugas",
                                           task_id=task_id)
                return
            if task.assignee != actor and not self._is_supervisor(work, task, actor):
                raise PermissionDenied("Hanya pemegang tugas atau atasannya yang dapat melepas tugas",
                                       task_id=task_id)
            if not self._may.may_unclaim(task.role):
                raise PermissionDenied("Langkah pemohon tidak dapat dilepas: langkah ini milik pemohon kasus",
                                       task_id=task_id, role=task.role)
            now = self._clock()
            previous = task.assignee
            task.state, task.assignee, task.claimed_at = "ready", None, None
            work.record_for_case(task.instance_id, "task_unclaimed", actor=actor, at=now,
                                 payload={"task_id": task_id, "name": task.name, "previous_assignee": previous})

    def reassign_task(self, task_id: str, actor: str, to_user: str, reason: str) -> None:
        """A supervising role of the task's role (``roles.toml``) or Admin Sistem hands an open task to
        another holder of its role, saying why; the new holder is notified (the bell).

        :raises ReasonRequired: no reason given
        :raises PermissionDenied: the actor does not supervise the task's role
        :raises NotARoleHolder: ``to_user`` is unknown, inactive or lacks the task's role
        :raises InvalidInput: ``to_user`` did a step this one must be checked apart from (maker and checker)
        """
        reason, to_user = (reason or "").strip(), (to_user or "").strip()
        with UnitOfWork.begin(self._sessions) as work:
            task = self._open_task(work, task_id)
            if not self._is_supervisor(work, task, actor):
                raise PermissionDenied(f"Hanya atasan peran {self._roles.title(task.role)} atau Admin Sistem yang "
                                       f"dapat mengalihkan tugas ini", task_id=task_id)
            if not reason:
                raise ReasonRequired("Alasan pengalihan wajib diisi", field="reason", task_id=task_id)
            if len(reason) > MAX_REASON:
                raise InvalidInput(f"Alasan pengalihan terlalu panjang (maksimal {MAX_REASON} karakter)",
                                   field="reason", task_id=task_id)
            why = People(work.connection).why_not(to_user, task.role, self._roles, self._may) if to_user else \
                "Pilih pengguna tujuan."
            if why:
                raise NotARoleHolder(f"{why} Tugas hanya dapat dialihkan kepada pemegang peran "
                                     f"{self._roles.title(task.role)}.", field="to", task_id=task_id, to=to_user)
            definition = self._definition(work, case_row(work.session, task.instance_id).definition_id)
            self._require_other_performer(work, task, definition, to_user, InvalidInput, field="to")
            if task.state == "claimed" and task.assignee == to_user:
                return
            now = self._clock()
            previous = task.assignee
            notice = f"reassign:{task_id}:{task.version}"
            task.state, task.assignee, task.claimed_at = "claimed", to_user, now
            if task.candidate_users is not None:  # named by the model: now named for the new holder
                task.candidate_users = candidate_text([to_user])
            work.record_for_case(task.instance_id, "task_reassigned", actor=actor, at=now, payload={
                "task_id": task_id, "name": task.name, "from": previous, "to": to_user, "reason": reason})
            case = case_label(task.process_name, task.business_key, task.instance_id)
            add_notification(
                work.session, recipient=Recipient(to_user, None), kind="task_reassigned",
                title=f"Tugas dialihkan kepada Anda: {task.name}",
                body=f"{case}: {actor} mengalihkan tugas '{task.name}' kepada Anda. Alasan: {reason}",
                dedup_key=notice, now=now, instance_id=task.instance_id, task_id=task_id)

    def complete_task(self, task_id: str, actor: str, data: object, expected_version: int | None = None,
                      received: Received | None = None) -> StepResult:
        """Complete a task with form data, then run the model to its next wait state.

        ``data`` is the decoded form (a JSON object); anything else (the API's JSON body may hold
        null or a list there) is refused. ``received``: the actor's uploads sent with the form for this
        task, not yet recorded (``AttachmentStore.receive``): recorded in the step's transaction, or on
        their own if the step does not commit (whatever refused it).

        :raises InvalidInput: ``data`` is not a JSON object
        :raises FormInvalid: the data fails the form's schema; nothing is stored
        :raises TaskNotOpen: the task was completed or cancelled meanwhile
        :raises ConcurrentUpdate: ``expected_version`` is stale or another writer won the race

        A refusal for a conflict or a lacking role is recorded afterwards as ``attempt_refused``
        (``engine.audit.attempts``); nothing of the case changes.
        """
        if received is not None and received.uploads:
            if received.target.task_id != task_id or not received.of(actor):
                raise _ForeignUploads(task_id)
            try:
                return self._complete_task(task_id, actor, data, expected_version, received)
            except BaseException as failure:
                # the step did not commit: the uploads on their own, unless they were not the step's at all
                if not received.recorded and not isinstance(failure, _ForeignUploads):
                    self._record_uploads_alone(received)
                raise
        return self._complete_task(task_id, actor, data, expected_version, None)

    def _complete_task(self, task_id: str, actor: str, data: object, expected_version: int | None,
                       received: Received | None) -> StepResult:
        if not isinstance(data, dict):
            raise InvalidInput("Data formulir harus berupa objek JSON")
        with self._attempts.refusals(actor, ACTION_COMPLETE_TASK, task_id=task_id):
            try:
                return self._complete(task_id, actor, data, expected_version, received)
            except StepBroke as broke:  # rolled back; the incident keeps the input in its own transaction
                raise open_incident(self._sessions, self._roles, broke, self._clock()) from broke.cause

    def retry_step(self, task_id: str, incident_id: int, performer: str, data: dict[str, Any],
                   retried_by: str) -> StepResult:
        """Complete a step an incident holds with the input kept, as ``performer`` sent it, and resolve
        the incident, in one transaction (``engine.runtime.incidents`` checks who may retry).

        :raises StepFailed: it failed again; the incident stays open with the new error
        :raises FormInvalid: the kept input no longer fits the step's form (changed by a migration)
        """
        try:
            with UnitOfWork.begin(self._sessions) as work:
                now = self._clock()
                row = TASK_WITH_CASE.first(work.connection, {"task_id": task_id, "actor": performer, "now": now})
                task = self._check_open(row, task_id)
                case = _case_of(work, row.instance_id, row.definition_id, row.process_key, row.business_key,
                                row.case_status, row.state_json, row.case_version, row.head_seq, row.head_hash,
                                row.case_next_timer)
                definition = self._definition(work, case.definition_id)
                reads = self._step_reads(work, task, case.version, definition, performer, data, maker_checker=False)
                self._validate(task.form_key, data, reads)
                resolve_incident(work, incident_id, case.id, retried_by, now)
                return self._finish(work, task, case, definition, performer, data, now, None, reads)
        except StepBroke as broke:
            raise fail_again(self._sessions, incident_id, broke, retried_by, self._clock()) from broke.cause

    def retry_timer(self, instance_id: int, incident_id: int, retried_by: str) -> StepResult:
        """Fire the case's due timers again and resolve the timer's incident, in one transaction.

        :raises StepFailed: it failed again; the incident stays open with the new error
        """
        try:
            with UnitOfWork.begin(self._sessions) as work:
                try:
                    result = self._wake(work, instance_id, SYSTEM_ACTOR)
                except ExecutionError as exc:
                    raise timer_broke(work, instance_id, exc) from exc
                resolve_incident(work, incident_id, instance_id, retried_by, self._clock(), timer=True)
                return result
        except StepBroke as broke:
            raise fail_again(self._sessions, incident_id, broke, retried_by, self._clock()) from broke.cause

    def record_timer_failure(self, work: UnitOfWork, instance_id: int, error: EngineError, now: datetime) -> int:
        """The worker's timer failed: an incident for it, in the worker's transaction (its id)."""
        return note_timer_failure(work, self._roles, instance_id, error, now)

    def _record_uploads_alone(self, received: Received) -> None:
        try:
            record_received(self._sessions, received)
        except Exception:  # noqa: BLE001 - the step's own failure is the one to report
            _log.exception("uploads of task %s not recorded after its step failed", received.target.task_id)

    def _complete(self, task_id: str, actor: str, data: dict[str, Any], expected_version: int | None,
                  received: Received | None) -> StepResult:
        with UnitOfWork.begin(self._sessions) as work:
            now = self._clock()
            row, reads = self._read_task(work, task_id, actor, data, now, received)
            task = self._check_open(row, task_id)
            if received is not None and received.target.instance_id != row.instance_id:
                raise _ForeignUploads(task_id)
            actor_roles = set(row.actor_roles.split(",")) if row.actor_roles else set()
            mandates = parse_mandates(row.actor_mandates)
            self._require_task_role(work, task, actor, actor_roles, mandates)
            acting = self._may.acting_for(task.role, task.assignee if task.state == "claimed" else None, actor,
                                          actor_roles, mandates, candidates_of(task.candidate_users))
            if task.state == "claimed" and task.assignee != actor and acting is None:
                raise TaskClaimedByOther(f"Tugas sedang dikerjakan oleh {task.assignee}", task_id=task_id,
                                         assignee=task.assignee)
            if task.state == "ready" or task.assignee == actor:
                self._require_named(task, actor, mandates)
            if expected_version is not None and expected_version != task.version:
                raise ConcurrentUpdate("Tugas sudah berubah sejak formulir dibuka; muat ulang halaman",
                                       task_id=task_id)
            case = _case_of(work, row.instance_id, row.definition_id, row.process_key, row.business_key,
                            row.case_status, row.state_json, row.case_version, row.head_seq, row.head_hash,
                            row.case_next_timer)
            definition = self._definition(work, case.definition_id)
            if reads is None:
                reads = self._step_reads(work, task, case.version, definition, actor, data, received=received)
            self._require_other_performer(work, task, definition, actor, lambda message, **context: FormInvalid(
                {"_form": message}, task.form_key), done=reads.done_by)
            self._validate(task.form_key, data, reads)
            return self._finish(work, task, case, definition, actor, data, now, acting, reads, received)

    def _read_task(self, work: UnitOfWork, task_id: str, actor: str, data: dict[str, Any],
                   now: datetime, received: Received | None = None) -> tuple[Any, _StepReads | None]:
        """The task's row with its case (TASK_WITH_CASE), and on PostgreSQL, for a task a step of this process
        opened, the step's reads (``_step_reads``) in the same pipeline: one round trip instead of two. Those
        reads follow from the task's case, element and form as that step left them (``OpenTask``); if the row
        says otherwise, they are dropped (None) and read again from the row."""
        params = {"task_id": task_id, "actor": actor, "now": now}
        guess = self._open_tasks.get(task_id) if pipelines(work.connection) else None
        cached = self._definitions.cached(guess.definition_id) if guess is not None else None
        if guess is None or cached is None:
            return TASK_WITH_CASE.first(work.connection, params), None
        reads, digest = self._plan_step_reads(work, guess, guess.case_version, cached[1], actor, data,
                                              received=received)
        found = read_batch(work.connection, [Read(TASK_WITH_CASE, params), *reads])
        row = found[0][0] if found[0] else None
        if row is None or (row.instance_id, row.definition_id, row.element_id, row.form_key) != (
                guess.instance_id, guess.definition_id, guess.element_id, guess.form_key):
            return row, None
        return row, digest(found[1:])

    def _step_reads(self, work: UnitOfWork, task: Any, case_version: int, definition: ParsedDefinition, actor: str,
                    data: dict[str, Any], maker_checker: bool = True, received: Received | None = None) -> _StepReads:
        """What a step's checks and its save read, all known once its task row is read, in one batch: on
        PostgreSQL one round trip (``read_batch``'s pipeline), which also takes what may turn out not to be
        needed (the people the next steps may be routed to, the case's task times for its clock); on SQLite
        the same statements one after the other, and those only when needed, later.

        Read before the transaction's writes, like the task row (``engine.persistence.db.hold_begin``):
        nothing here is locked, and what the step decides from them is guarded as before, the case's
        times by the case's version check (every step that adds or ends a task of the case moves it)."""
        reads, digest = self._plan_step_reads(work, task, case_version, definition, actor, data, maker_checker,
                                              received)
        return digest(read_batch(work.connection, reads) if reads else [])

    def _plan_step_reads(self, work: UnitOfWork, task: Any, case_version: int, definition: ParsedDefinition,
                         actor: str, data: dict[str, Any], maker_checker: bool = True,
                         received: Received | None = None
                         ) -> tuple[list[Read], Callable[[list[list[Any]]], _StepReads]]:
        """``_step_reads``' statements, and what makes its answer of their rows. ``task`` needs only the
        task's id, case, element and form (a task row, or an ``OpenTask`` guessed before it is read).
        The documents ``received`` with the form are the actor's own for the task: not read."""
        connection = work.connection
        at_once = pipelines(connection)
        meta = definition.user_tasks.get(task.element_id)
        differs = list(meta.differs_from) if maker_checker and meta is not None and meta.differs_from else []
        sent = received.hashes() if received is not None else frozenset()
        documents = DocumentReads(task.instance_id, (v for v in data.values() if not (isinstance(v, str) and v in sent))
                                  if sent else data.values())
        people = People(connection)
        form = self._forms.get(task.form_key)
        picked = [username for _path, username, _role in form.picked_people(data)]
        usernames = people.unread(picked + (self._likely_named(task, case_version, definition, data) if at_once
                                            else []))
        clock = at_once and task.element_id in self._model_facts(definition).times_after
        document_reads = documents.reads()
        registers = register_fields(form, data)
        register_read = registers.read() if registers is not None else None
        reads = [*([DONE_BY.read(differs, {"instance_id": task.instance_id, "person": actor})] if differs else []),
                 *document_reads, *([People.read(usernames)] if usernames else []),
                 *([Read(CASE_TASK_TIMES, {"instance_id": task.instance_id})] if clock else []),
                 *([register_read] if register_read is not None else [])]

        def digest(found: list[list[Any]]) -> _StepReads:
            found = list(found)
            done_by = found.pop(0) if differs else None
            checker = documents.checker(found[:len(document_reads)], task.id, actor,
                                        received.uploads if received is not None else ())
            found = found[len(document_reads):]
            if usernames:
                people.take(usernames, found.pop(0))
            case_times = found.pop(0) if clock else None
            servers = (registers, found.pop(0) if register_read is not None else []) if registers is not None \
                else None
            return _StepReads(people, checker, done_by, case_times, servers)
        return reads, digest

    def _likely_named(self, task: Any, case_version: int, definition: ParsedDefinition,
                      data: dict[str, Any]) -> list[str]:
        """Whom the named performers (``engine.runtime.people.route``) of the tasks this step may open
        (``_ModelFacts.performers_after``) may name once it ran: the people their fields hold in the submitted
        data, else in the task's data (a workflow this process kept; only read here, never changed). A guess,
        read with the checks so that routing the next tasks reads no account again; a wrong one costs a read
        later."""
        facts = self._model_facts(definition)
        performers = facts.performers_after.get(task.element_id, facts.performers)
        if not performers:
            return []
        kept = self._live.peek(task.instance_id, case_version)
        spiff_task = kept.tasks.get(UUID(task.id)) if kept is not None else None
        known = spiff_task.data if spiff_task is not None else {}
        return [name for performer in performers
                for name in performer.usernames({performer.field: data[performer.field] if performer.field in data
                                                 else known.get(performer.field)})]

    def _finish(self, work: UnitOfWork, task: Any, case: _Case, definition: ParsedDefinition, actor: str,
                data: dict[str, Any], now: datetime, acting: ActiveMandate | None, reads: _StepReads,
                received: Received | None = None) -> StepResult:
        """Run the task with its data and the model on to its next wait state, and store it all.

        :raises StepBroke: the engine failed (a condition on missing data, a bad timer): the caller's
            transaction rolls back and an incident keeps the input
        """
        task_id = task.id
        workflow = self._workflow_of(case, definition)
        spiff_task = workflow.tasks.get(UUID(task_id))
        if spiff_task is None or spiff_task.state != TaskState.READY:
            raise TaskNotOpen("Tugas tidak lagi menunggu isian", task_id=task_id)
        known = _ready_user_task_ids(workflow) - {task_id}
        # Replace top-level keys only, with fresh copies: SpiffWorkflow shares nested containers
        # between tasks.
        encoded = encode_data(data)
        spiff_task.data.update(json.loads(encoded))
        broke = partial(StepBroke, case.id, case.process_key, task_id, task.element_id, task.name, actor, data)
        try:
            spiff_task.run()
        except SpiffWorkflowException as exc:
            raise broke(exc) from exc
        work.queue_write(COMPLETE_TASK, {
            "task_id": task_id, "old_version": task.version, "at": now, "actor": actor,
            "new_assignee": task.assignee or actor, "new_version": task.version + 1, "data": encoded},
            conflict=lambda: ConcurrentUpdate("Tugas sudah diubah oleh pengguna lain; muat ulang halaman",
                                              task_id=task_id))
        if received is not None:
            queue_received(work, received)
        bind_uploads(work, reads.documents.unbound(data.values()), UploadTarget(case.id, task_id, task.name), now)
        work.record_for_case(case.id, "task_completed", actor=actor, at=now, payload={
            "task_id": task_id, "element_id": task.element_id, "name": task.name, "data": data,
            **_on_behalf(acting)})
        try:
            decisions = self._run_engine(workflow, definition, now)
        except ExecutionError as exc:
            raise broke(exc.__cause__ or exc) from exc
        self._record_decisions(work, case.id, case.process_key, decisions, actor, now)
        case.data_json = encode_data(spiff_task.data)
        case.confidential = is_confidential(data)
        meta = definition.user_tasks.get(task.element_id)
        if meta is not None:
            self._close_wait(work, task, meta, data, now)
            _ask_for_notice(work, case.id, meta, task_id, data, actor, now)
        figures.step_completed(work, self._calendar(work.connection), meta, task_id=task_id, instance_id=case.id,
                               process_key=case.process_key, element_id=task.element_id, performer=actor,
                               created_at=task.created_at, due_at=task.due_at, at=now, data=data)
        on_step_completed(work, case.id, case.process_key, task.element_id, spiff_task.data, actor, now,
                          reads.people)
        for listener in self.completion_listeners:
            work.after_commit(partial(listener, case.process_key))
        return self._save(work, case, definition, workflow, actor, now, auto_assign=set(), starter=None,
                          known=known, people=reads.people,
                          completed=_Completed(task_id, task.element_id, data, now, reads.case_times,
                                               _case_limits(task)),
                          search=step_terms(data, self._forms.get(task.form_key).search_fields, actor))

    def wake_case(self, instance_id: int, actor: str = SYSTEM_ACTOR) -> StepResult:
        """Fire the instance's due BPMN timers and run on; a no-op when none is due."""
        with UnitOfWork.begin(self._sessions) as work:
            return self._wake(work, instance_id, actor)

    def wake_if_due(self, instance_id: int, now: datetime,
                    within: Callable[[UnitOfWork, int], None] | None = None) -> bool:
        """Fire the instance's timers if one is due at ``now`` and no other transaction holds the instance.

        The row is locked with ``FOR UPDATE SKIP LOCKED`` (PostgreSQL; SQLite runs one writer at a time)
        and re-checked as due under the lock, so workers racing for it wake it once. ``within(work,
        instance_id)`` runs in the unit of work before it commits. Returns False when the instance is not
        due (any more) or is being woken elsewhere.
        """
        instances = ProcessInstance.__table__.c
        with UnitOfWork.begin(self._sessions) as work:
            locked = work.connection.scalar(select(instances.id).where(
                instances.id == instance_id, instances.status == "running", instances.next_timer_at <= now)
                .with_for_update(skip_locked=True))
            if locked is None:
                return False
            self._wake(work, instance_id, SYSTEM_ACTOR)
            if within is not None:
                within(work, instance_id)
            return True

    def _wake(self, work: UnitOfWork, instance_id: int, actor: str) -> StepResult:
        case = _load_case(work, instance_id)
        definition = self._definition(work, case.definition_id)
        workflow = self._workflow_of(case, definition)
        known = _ready_user_task_ids(workflow)
        now = self._clock()
        due = due_timer_tasks(workflow, now)
        for element_id in [str(t.task_spec.bpmn_id) for t in due]:
            work.record_for_case(case.id, "timer_fired", actor=actor, at=now, payload={"element_id": element_id})
        try:
            with self._spiff_clock(now):
                workflow.refresh_timers()
            decisions = self._run_engine(workflow, definition, now)
        except (ExecutionError, SpiffWorkflowException) as exc:
            # the timers that fired name the incident (engine.runtime.incidents.note_timer_failure)
            timers = [(str(t.task_spec.bpmn_id), str(getattr(t.task_spec, "bpmn_name", None) or "")) for t in due]
            if isinstance(exc, ExecutionError):
                exc.context["timers"] = timers
                raise
            raise ExecutionError(f"Model gagal dijalankan: {exc}", timers=timers) from exc
        self._record_decisions(work, case.id, case.process_key, decisions, actor, now)
        return self._save(work, case, definition, workflow, actor, now, auto_assign=set(), starter=None,
                          known=known)

    def cancel_case(self, instance_id: int, actor: str, reason: str, *, check_only: bool = False) -> int:
        """Stop a running case; its open tasks are cancelled. Allowed for the starter,
        a supervisor of an open task, or the system administrator. Returns how many open tasks it
        cancels; ``check_only`` makes every check and changes nothing (the confirmation step).

        :raises InvalidInput: no reason
        :raises PermissionDenied: the actor may not cancel it
        """
        if not reason.strip():
            raise InvalidInput("Alasan pembatalan wajib diisi", field="reason")
        with UnitOfWork.begin(self._sessions) as work:
            session = work.session
            instance = self._running_case(session, instance_id)
            open_tasks = list(session.scalars(select(HumanTask).where(
                HumanTask.instance_id == instance_id, HumanTask.state.in_(OPEN_STATES))))
            actor_roles = self._actor_roles(work, actor)
            if not self._may.may_cancel(instance.started_by, (t.role for t in open_tasks), actor, actor_roles):
                raise PermissionDenied("Anda tidak berwenang membatalkan kasus ini", instance_id=instance_id)
            if check_only:
                return len(open_tasks)
            now = self._clock()
            _row, definition = self._definitions.get(session, instance.definition_id)
            workflow = load_state(instance.state_json, definition.spec, definition.subprocess_specs)
            workflow.cancel()
            for task in open_tasks:
                task.state = "cancelled"
            instance.status, instance.ended_at = "cancelled", now
            instance.state_json = dump_state(workflow)
            self._live.forget(instance_id)
            work.record_for_case(instance_id, "instance_cancelled", actor=actor, at=now,
                                 payload={"reason": reason.strip(), "cancelled_tasks": [t.id for t in open_tasks]})
            figures.case_cancelled(work, instance_id, now)
            on_case_ended(work, instance_id, instance.process_key, actor, now)
        return len(open_tasks)

    # -- helpers -------------------------------------------------------------------------------

    def _definition(self, work: UnitOfWork, definition_id: int) -> ParsedDefinition:
        """The parsed definition; the ORM session is built only to load one not parsed yet."""
        return (self._definitions.cached(definition_id) or self._definitions.get(work.session, definition_id))[1]

    def _workflow_of(self, case: _Case, definition: ParsedDefinition) -> BpmnWorkflow:
        """The case's workflow: the one this process kept at the version read, else loaded from the row."""
        kept = self._live.take(case.id, case.version)
        if kept is not None:
            return kept
        return load_state(case.state_json, definition.spec, definition.subprocess_specs)

    def _actor_roles(self, work: UnitOfWork, actor: str) -> set[str]:
        return set() if actor == SYSTEM_ACTOR else roles_of(work.session, actor)

    def _open_task(self, work: UnitOfWork, task_id: str) -> HumanTask:
        task: HumanTask = self._check_open(work.session.get(HumanTask, task_id), task_id)
        return task

    @staticmethod
    def _check_open(task: Any, task_id: str) -> Any:
        """The task (an ORM row or a Core row), if it exists and still waits for work."""
        if task is None:
            raise TaskNotFound.of(task_id)
        if task.state not in OPEN_STATES:
            who = f" oleh {task.completed_by}" if task.completed_by else ""
            raise TaskNotOpen(f"Tugas '{task.name}' sudah {_STATE_WORDS.get(task.state, task.state)}{who}",
                              task_id=task_id, state=task.state, completed_by=task.completed_by)
        return task

    def _authority(self, work: UnitOfWork, actor: str, now: datetime) -> Authority:
        """The actor's roles and the mandates they hold at ``now``, in one read."""
        if actor == SYSTEM_ACTOR:
            return Authority()
        return authority_of(work.connection.execute(AUTHORITY, {"username": actor, "now": now}))

    def _require_task_role(self, work: UnitOfWork, task: HumanTask, actor: str,
                           actor_roles: set[str] | None = None, mandates: Mandates = ()) -> None:
        if actor_roles is None or actor == SYSTEM_ACTOR:
            actor_roles = self._actor_roles(work, actor)
        if not self._may.may_work_on(task.role, actor_roles, mandates):
            raise PermissionDenied(f"Tugas ini untuk peran {self._roles.title(task.role)}", task_id=task.id,
                                   role=task.role)

    def _require_named(self, task: Any, actor: str, mandates: Mandates) -> None:
        """A task the model names people for is theirs only, and their stand-ins' while the mandate
        runs (the role was checked before).

        :raises TaskForOthers:
        """
        named = candidates_of(task.candidate_users)
        if named and actor not in named and self._may.named_through(task.role, set(named), mandates) is None:
            raise TaskForOthers(f"Tugas ini ditujukan kepada {', '.join(named)}", task_id=task.id,
                                candidates=list(named))

    def _require_other_performer(self, work: UnitOfWork, task: Any, definition: ParsedDefinition, person: str,
                                 error: Callable[..., Exception], done: list[Any] | None = None,
                                 **context: Any) -> None:
        """Maker and checker: ``person`` may not do a step whose model names steps they completed in
        this case (``pelaksana_berbeda_dari``). Reads only for such a step (unless ``done``: DONE_BY's
        rows, read already)."""
        meta = definition.user_tasks.get(task.element_id)
        if meta is None or not meta.differs_from:
            return
        found = done if done is not None else DONE_BY.all(work.connection, list(meta.differs_from),
                                                          {"instance_id": task.instance_id, "person": person})
        done = found[0].element_id if found else None
        if done is not None:
            other = definition.user_tasks.get(done)
            step = other.mutu_baku.get("langkah", done) if other else done
            raise error(f"Langkah ini harus dikerjakan oleh orang yang berbeda dari pelaksana langkah {step} "
                        f"({person})", task_id=task.id, **context)

    def _validate(self, form_key: str, data: dict[str, Any], reads: _StepReads) -> None:
        """The form's schema, its documents, the people it picks (active holders of each picker's role) and
        the servers it names (in the register); ``reads`` read them already, with the step's other reads.

        :raises FormInvalid:
        """
        people = reads.people
        self._forms.validate(form_key, data, reads.documents.problem,
                             lambda username, role: people.why_not_words(username, role, self._roles, self._may))
        if reads.servers is not None:
            registers, rows = reads.servers
            registers.check(form_key, data, rows)

    def _is_supervisor(self, work: UnitOfWork, task: HumanTask, actor: str) -> bool:
        return self._may.supervises(task.role, self._actor_roles(work, actor))

    @staticmethod
    def _running_case(session: Session, instance_id: int) -> ProcessInstance:
        instance = case_row(session, instance_id)
        if instance.status != "running":
            raise CaseNotRunning(f"Kasus {instance_id} sudah {instance.status}", instance_id=instance_id)
        return instance

    def _case_deadlines(self, work: UnitOfWork, definition: ParsedDefinition,
                        start: datetime) -> tuple[datetime | None, datetime | None]:
        if definition.clock_start is not None:
            return None, None  # the limit starts with a later step (engine.runtime.case_clock)
        calendar = self._calendar(work.connection)
        limit = definition.properties.get("waktu_pelaksanaan_iso")
        warning = definition.properties.get("waktu_peringatan_iso")
        return (calendar.due(start, limit) if limit else None, calendar.due(start, warning) if warning else None)

    def _new_step_due(self, work: UnitOfWork, instance_id: int, meta: Any, now: datetime,
                      case_times: list[Any] | None) -> datetime | None:
        """The due time of a task starting now (engine.runtime.case_clock); a step sharing its SOP time
        reads when the pair's first task last started (from ``case_times``, the case's tasks, if read)."""
        first_started = None
        if meta.shares_time_with is not None and case_times is not None:
            first_started = max((row.created_at for row in case_times
                                 if row.id is not None and row.element_id == meta.shares_time_with), default=None)
        elif meta.shares_time_with is not None:
            last = LAST_STARTED.first(work.connection, {"instance_id": instance_id,
                                                        "element_id": meta.shares_time_with})
            first_started = last.created_at if last is not None else None
        return new_step_due(self._calendar(work.connection), meta, now, first_started)

    def _close_wait(self, work: UnitOfWork, task: Any, meta: Any, data: dict[str, Any], now: datetime) -> None:
        """A step that waited on an outside party gets its due time once the wait is recorded (its start
        read with the task; the write goes with the step's others: nothing in the step reads it back)."""
        if meta.waits is None:
            return
        created_at = figures.stored_time(task.created_at)
        assert created_at is not None  # every task row has its start
        done = TaskTimes(meta.element_id, created_at, now, data)
        work.queue_write(SET_TASK_DUE, {"task_id": task.id,
                                        "due_at": waited_step_due(self._calendar(work.connection), meta, done)})

    def _moves_case_clock(self, definition: ParsedDefinition, new_rows: list[dict[str, Any]],
                          completed: _Completed | None) -> bool:
        """Whether this step starts the case's clock, or begins or ends a wait on an outside party."""
        moving = self._model_facts(definition).clock_elements
        if not moving:
            return False
        return (completed is not None and completed.element_id in moving) or any(
            r["element_id"] in moving for r in new_rows)

    def _model_facts(self, definition: ParsedDefinition) -> _ModelFacts:
        """``_ModelFacts`` of a parsed definition (the store keeps each one, never changed, for good)."""
        kept = self._facts.get(id(definition))
        if kept is not None and kept[0] is definition:
            return kept[1]
        facts = _ModelFacts.of(definition)
        if len(self._facts) > 1000:
            self._facts.clear()
        self._facts[id(definition)] = (definition, facts)
        return facts

    def _case_clock(self, work: UnitOfWork, instance_id: int, definition: ParsedDefinition,
                    new_rows: list[dict[str, Any]],
                    completed: _Completed | None) -> tuple[datetime | None, datetime | None]:
        """Recompute the case's limit and warning from its steps (a later clock start, waits on outside
        parties); the rows this step writes are still queued, so they come from memory. They are written
        with the case's row (SAVE_CASE with its limits)."""
        rows = completed.case_times if completed is not None and completed.case_times is not None else \
            CASE_TASK_TIMES.all(work.connection, {"instance_id": instance_id})
        tasks = [TaskTimes(row.element_id, row.created_at, completed.at, completed.data)
                 if completed is not None and row.id == completed.task_id
                 else TaskTimes.of_row(row.element_id, row.created_at, row.completed_at, row.data_json)
                 for row in rows if row.id is not None and row.state != "cancelled"]
        tasks += [TaskTimes(r["element_id"], r["created_at"], None, None) for r in new_rows]
        started_at = rows[0].case_started_at  # the case's row is there: its step is running
        return case_deadlines(self._calendar(work.connection), definition, started_at, tasks)

    def _spiff_clock(self, now: datetime) -> Any:
        return spiff_clock(self._clock, now)

    def _run_engine(self, workflow: BpmnWorkflow, definition: ParsedDefinition,
                    now: datetime) -> list[dict[str, str | None]]:
        """Run engine steps; return the gateway decisions taken (for the audit trail)."""
        decisions: list[dict[str, str | None]] = []

        def did_complete(task: Any) -> None:
            spec_id = getattr(task.task_spec, "bpmn_id", None)
            if spec_id in definition.gateways and definition.gateways[spec_id]:
                for child in task.children:
                    if child.has_state(TaskState.DEFINITE_MASK | TaskState.FINISHED_MASK):
                        target = getattr(child.task_spec, "bpmn_id", None) or child.task_spec.name
                        flow_id, flow_name = definition.flows.get((spec_id, target), ("", ""))
                        decisions.append({"gateway": spec_id, "question": definition.gateways[spec_id],
                                          "flow": flow_id, "answer": flow_name, "target": target})
        try:
            with self._spiff_clock(now):
                workflow.do_engine_steps(did_complete_task=did_complete)
        except SpiffWorkflowException as exc:
            raise ExecutionError(f"Model gagal dijalankan: {exc}") from exc
        return decisions

    def _run_starting(self, workflow: BpmnWorkflow, definition: ParsedDefinition, now: datetime,
                      actor: str) -> list[dict[str, str | None]]:
        """``_run_engine`` for a case being started: a failure is the model's (``StartBroke``)."""
        try:
            return self._run_engine(workflow, definition, now)
        except ExecutionError as exc:
            raise StartBroke(definition.process_key, definition.name, actor, exc.__cause__ or exc) from exc

    @staticmethod
    def _record_decisions(work: UnitOfWork, instance_id: int, process_key: str,
                          decisions: list[dict[str, str | None]], actor: str, now: datetime) -> None:
        for decision in decisions:
            work.record_for_case(instance_id, "gateway_decided", actor=actor, at=now, payload=decision)
        figures.flows_taken(work, instance_id, process_key, decisions, now)

    def _save(self, work: UnitOfWork, case: _Case, definition: ParsedDefinition, workflow: BpmnWorkflow,
              actor: str, now: datetime, auto_assign: set[str], starter: str | None,
              known: set[str], people: People | None = None,
              completed: _Completed | None = None, search: StepTerms | None = None) -> StepResult:
        """Sync human tasks with the workflow's ready user tasks and store the state.

        ``search``: the terms (and OPD, letter number) the step adds to the case's search index.

        ``known`` are the case's open human tasks before the step: the ready user tasks of the state
        loaded, since every save keeps the two equal. The instance row is always rewritten with a
        version check, which catches a racing writer.
        """
        found = _ready_user_tasks(workflow)
        if len(found) > 1:  # in the model's order, which orders their rows and events
            found = workflow.get_tasks(state=TaskState.READY, manual=True)
        ready = {str(t.id): t for t in found}
        expanded = self._roles.expand(auto_assign) if auto_assign else set()
        new_rows = []
        for task_id, spiff_task in ready.items():
            if task_id in known:
                continue
            meta = definition.user_tasks[spiff_task.task_spec.bpmn_id]
            routing = None
            if meta.performer is not None:
                people = people or People(work.connection)
                routing = route(meta.performer, spiff_task.data, meta.role, people, self._roles, self._may)
                assignee = routing.assignee
            else:
                assignee = starter if starter and meta.role in expanded else None
            new_rows.append(dict(
                id=task_id, instance_id=case.id, process_key=case.process_key, process_name=definition.name,
                business_key=case.business_key, element_id=meta.element_id, name=meta.name, role=meta.role,
                form_key=meta.form_key, state="claimed" if assignee else "ready", assignee=assignee,
                candidate_users=routing.candidate_users if routing else None,
                created_at=now, claimed_at=now if assignee else None,
                due_at=self._new_step_due(work, case.id, meta, now, completed.case_times if completed else None),
                version=1))
            work.record_for_case(case.id, "task_created", actor=actor, at=now, payload={
                "task_id": task_id, "element_id": meta.element_id, "name": meta.name, "role": meta.role,
                "assignee": assignee, **(routing.payload() if routing else {})})
            if routing is not None and routing.fell_back:
                tell_supervisors(work, self._roles, new_rows[-1], routing, now)
        if new_rows:
            work.queue_write(INSERT_TASKS, new_rows)
        withdrawn = sorted(known - set(ready))  # e.g. by an interrupting boundary event
        if withdrawn:
            work.connection.execute(update(HumanTask).where(HumanTask.id.in_(withdrawn))
                                    .values(state="cancelled", version=HumanTask.version + 1))
            for task_id in withdrawn:
                work.record_for_case(case.id, "task_cancelled", actor=actor, at=now, payload={"task_id": task_id})
        limits = completed.limits if completed is not None else None
        values = dict[str, Any]()
        if self._moves_case_clock(definition, new_rows, completed):
            due_at, warning_at = self._case_clock(work, case.id, definition, new_rows, completed)
            values = {"due_at": due_at, "warning_at": warning_at}
            limits = (limits[0], due_at) if limits is not None else None
        values |= {"case_id": case.id, "old_version": case.version, "new_version": case.version + 1,
                   "ended_at": None, "data": case.data_json,
                   "confidential": case.confidential,
                   "terms": encode_data(search.terms) if search else None,
                   "opd": search.opd if search else None,
                   "letter_number": search.letter_number if search else None}
        status = case.status
        if workflow.is_completed():
            case.status = "completed"
            values.update(ended_at=now, data=encode_data(workflow.data))
            work.record_for_case(case.id, "instance_completed", actor=actor, at=now,
                                 payload=_result_for_requester(definition, workflow.data))
            figures.case_completed(work, self._calendar(work.connection), case.id, now, limits)
            on_case_ended(work, case.id, case.process_key, actor, now)
        next_timer = next_timer_due(workflow) if case.status == "running" else None
        moved = case.status != status or case.next_timer_at is _UNREAD or next_timer != case.next_timer_at
        if moved:
            values |= {"status": case.status, "next_timer": next_timer}
        values["state"] = dump_state(workflow)
        save = SAVE_CASE[moved, "due_at" in values]
        work.queue_write(save, values, conflict=lambda: ConcurrentUpdate(
            "Kasus sudah diubah oleh pengguna lain; muat ulang dan coba lagi", instance_id=case.id))
        if case.status == "running":
            work.after_commit(lambda: self._live.keep(case.id, case.version + 1, workflow))
            if pipelines(work.connection):
                opened = [OpenTask(task_id, case.id, case.definition_id, step.element_id, step.form_key,
                                   case.version + 1)
                          for task_id, spiff_task in ready.items()
                          if (step := definition.user_tasks.get(spiff_task.task_spec.bpmn_id)) is not None]
                work.after_commit(lambda: self._open_tasks.keep(opened))
        return StepResult(case.id, case.status, sorted(ready),
                          {str(row["id"]): str(row["assignee"]) for row in new_rows if row["assignee"]})


def _ask_for_notice(work: UnitOfWork, instance_id: int, meta: Any, task_id: str, data: dict[str, Any], actor: str,
                    now: datetime) -> None:
    """A ticked ``beritahu_bila`` checkbox: the announcements worker tells the role (engine.worker.announcements)."""
    notice = meta.notice
    if notice is not None and data.get(notice.field) is True:
        work.record_for_case(instance_id, "step_notice", actor=actor, at=now, payload={
            "task_id": task_id, "name": meta.name, "field": notice.field, "role": notice.role})


def _result_for_requester(definition: ParsedDefinition, data: dict[str, Any]) -> dict[str, Any]:
    """The case data the model's ``hasil_untuk_pemohon`` names, for the requester's end notice."""
    fields = [f.strip() for f in definition.properties.get(RESULT_FIELDS, "").split(",") if f.strip()]
    result = {f: data[f] for f in fields if isinstance(data.get(f), (str, int, float, bool)) and data[f] != ""}
    return {"result": result} if result else {}


@dataclass(frozen=True)
class _Completed:
    """The step a save follows: its completion is still a queued write, so the clock reads it from here."""

    task_id: str
    element_id: str
    data: dict[str, Any]
    at: datetime
    case_times: list[Any] | None = None  # the case's tasks (CASE_TASK_TIMES) if read with the step's checks
    limits: tuple[datetime, datetime | None] | None = None  # the case's start and limit, read with the task


@dataclass(frozen=True)
class _ModelFacts:
    """What every step asks of its model, worked out once per parsed definition."""

    performers: tuple[Any, ...]  # the named performers of its user tasks, each once (engine.modeling.performers)
    clock_elements: frozenset[str]  # the elements whose start or end moves the case's clock
    # the user tasks whose completion may need the case's task times: it moves the clock, or may open a task
    # that does or that shares its SOP time with another
    times_after: frozenset[str]
    # by user task: the named performers (engine.modeling.performers) of the tasks its completion may open
    performers_after: dict[str, tuple[Any, ...]]

    @classmethod
    def of(cls, definition: ParsedDefinition) -> _ModelFacts:
        tasks = definition.user_tasks.values()
        moving = frozenset({m.element_id for m in tasks if m.waits} | (
            {definition.clock_start} if definition.clock_start is not None else set()))
        timed = moving | {m.element_id for m in tasks if m.shares_time_with is not None}
        opens = {element: _may_open(definition, element) for element in definition.user_tasks}
        return cls(tuple(dict.fromkeys(m.performer for m in tasks if m.performer is not None)), moving,
                   frozenset(element for element, opened in opens.items() if element in moving or opened & timed),
                   {element: tuple(dict.fromkeys(performer for step in sorted(opened)
                                                 if (performer := definition.user_tasks[step].performer) is not None))
                    for element, opened in opens.items()})


def _may_open(definition: ParsedDefinition, element_id: str) -> frozenset[str]:
    """The user tasks completing ``element_id`` may open: those its flow reaches through anything but user
    tasks. Where the walk cannot follow (a subprocess, a multi-instance task, a step not in the top
    process), every user task. A task opened that it did not foresee (a timer of another branch fired in
    the same run) is served by reads of its own, as on SQLite."""
    every = frozenset(definition.user_tasks)
    spec = definition.spec.task_specs.get(element_id)
    if spec is None or isinstance(spec, MultiInstanceTask):
        return every
    seen: set[str] = set()
    opened: set[str] = set()
    ahead = list(spec.outputs)
    while ahead:
        step = ahead.pop()
        if step.name in seen:
            continue
        seen.add(step.name)
        if isinstance(step, (MultiInstanceTask, SubWorkflowTask)):
            return every
        if step.name in definition.user_tasks:
            opened.add(step.name)
        else:
            ahead.extend(step.outputs)
    return frozenset(opened)


@dataclass(frozen=True)
class _StepReads:
    """What ``Runner._step_reads`` read for a step's checks and its save."""

    people: People
    documents: DocumentChecker
    done_by: list[Any] | None  # DONE_BY's rows, for a maker-checker step
    case_times: list[Any] | None  # CASE_TASK_TIMES' rows, where reads are pipelined and the step may need them
    servers: tuple[RegisterFields, list[Any]] | None  # the servers the form names, and the register's rows of them


class _ForeignUploads(InvalidInput):
    """Uploads received for another task, case or user than the step's (a caller's mistake): refused,
    and not recorded for the target they name."""

    def __init__(self, task_id: str) -> None:
        super().__init__("Unggahan tidak dibuat untuk tugas ini oleh pengguna ini", task_id=task_id)


@dataclass
class _Case:
    """The instance columns a step reads; written back with one versioned UPDATE."""

    id: int
    definition_id: int
    process_key: str
    business_key: str | None
    status: str
    state_json: str
    version: int
    data_json: str | None = None
    confidential: bool = False  # the step's data marked the letter rahasia (kept once set)
    next_timer_at: Any = None  # as read (a datetime or None), or _UNREAD: then the save writes it


def _case_limits(row: Any) -> tuple[datetime, datetime | None]:
    """The case's start and limit from its task's row (TASK_WITH_CASE)."""
    started_at = figures.stored_time(row.case_started_at)
    assert started_at is not None  # every case has its start
    return started_at, figures.stored_time(row.case_due_at)


def _load_case(work: UnitOfWork, instance_id: int) -> _Case:
    """:raises CaseNotFound, CaseNotRunning:"""
    row = CASE_WITH_HEAD.first(work.connection, {"instance_id": instance_id})
    if row is None:
        raise CaseNotFound.of(instance_id)
    return _case_of(work, *row)


_UNREAD = object()  # a case's next timer not read with it


def _case_of(work: UnitOfWork, instance_id: int, definition_id: int, process_key: str, business_key: str | None,
             status: str, state_json: str, version: int, head_seq: int | None, head_hash: str | None,
             next_timer_at: Any = _UNREAD) -> _Case:
    """The case as read; its chain head is handed to the unit of work, which moves it only from there.

    :raises CaseNotRunning:
    """
    if status != "running":
        raise CaseNotRunning(f"Kasus {instance_id} sudah {status}", instance_id=instance_id)
    if head_seq is not None and head_hash is not None:
        work.knows_head(case_chain(instance_id), head_seq, head_hash)
    return _Case(instance_id, definition_id, process_key, business_key, status, state_json, version,
                 next_timer_at=next_timer_at)


def _ready_user_tasks(workflow: BpmnWorkflow) -> list[Any]:
    """What ``get_tasks(state=READY, manual=True)`` finds, in no particular order: a scan of the task
    maps, no walk of the tree (SpiffWorkflow's iterator costs a few times more), reading each task's
    state as stored (``Task.state`` is a property: a call per task)."""
    maps = [workflow.tasks, *(sub.tasks for sub in workflow.subprocesses.values())]
    return [t for tasks in maps for t in tasks.values() if t._state == _READY and t.task_spec.manual]


_READY = TaskState.READY


def _ready_user_task_ids(workflow: BpmnWorkflow) -> set[str]:
    return {str(t.id) for t in _ready_user_tasks(workflow)}


_STATE_WORDS = {"completed": "diselesaikan", "cancelled": "dibatalkan"}


def _on_behalf(acting: ActiveMandate | None) -> dict[str, Any]:
    """What an audit event adds when its actor stands in for an absent official: both names are kept."""
    if acting is None:
        return {}
    return {"on_behalf_of": acting.absent, "mandate": acting.record()}


