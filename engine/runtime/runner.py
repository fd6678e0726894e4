"""Runtime use cases. Each public method is one transaction together with its audit events."""
from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from engine.audit.chain import PendingEvent, case_chain
from engine.worktime.work_calendar import WorkCalendar
from engine.worktime.clock import Clock, utcnow
from engine.modeling.definitions import DefinitionStore
from engine.errors import (
    ConcurrentUpdate,
    ExecutionError,
    CaseNotFound,
    CaseNotRunning,
    InvalidInput,
    PermissionDenied,
    TaskClaimedByOther,
    TaskNotFound,
    TaskNotOpen,
)
from engine.modeling.forms import FormRegistry
from engine.runtime.live_workflows import LiveWorkflows
from engine.persistence.models import Attachment, HumanTask, ProcessInstance
from engine.persistence.rows import case_row
from engine.modeling.roles import RoleCatalog
from engine.runtime.search_terms import StepTerms, start_terms, step_terms
from engine.runtime.serializer import dump_state, load_state, new_workflow
from engine.runtime.spiff_timers import due_timer_tasks, frozen_spiff_clock, next_timer_due
from engine.modeling.parser import ParsedDefinition
from engine.runtime.step_statements import CASE_WITH_HEAD, COMPLETE_TASK, INSERT_TASKS, SAVE_CASE, TASK_WITH_CASE
from engine.runtime.unit_of_work import EVENTS_KEY, HEADS_KEY, Transaction, after_commit, queue_write
from engine.accounts.users import roles_of
from engine.permissions import SYSTEM_ACTOR, Permissions

OPEN_STATES = ("ready", "claimed")


@dataclass(frozen=True)
class StepResult:
    instance_id: int
    status: str
    ready_task_ids: list[str]


class Runner:
    def __init__(self, sessions: sessionmaker[Session], definitions: DefinitionStore, forms: FormRegistry,
                 roles: RoleCatalog, permissions: Permissions, calendar: Callable[[Session], WorkCalendar],
                 clock: Clock = utcnow) -> None:
        self._sessions = sessions
        self._live = LiveWorkflows()
        self._definitions = definitions
        self._forms = forms
        self._roles = roles
        self._may = permissions
        self._calendar = calendar
        self._clock = clock

    # -- use cases ---------------------------------------------------------------------------

    def start_case(self, process_key: str, actor: str, business_key: str | None = None,
                       data: dict[str, Any] | None = None,
                       within: Callable[[Session, int], None] | None = None) -> StepResult:
        """Start a case on the latest version; first tasks the starter may do are assigned to them.

        ``within(session, instance_id)`` runs in the same transaction once the instance row exists
        (the worker links a routine occurrence to its case); if it raises, nothing is stored.

        :raises DefinitionNotFound: the process was never deployed
        :raises PermissionDenied: the actor's roles may not start this process
        """
        if data is not None and not isinstance(data, dict):
            raise InvalidInput("Data awal harus berupa objek JSON")
        with self._transaction() as session:
            row, definition = self._definitions.latest(session, process_key)
            actor_roles = self._actor_roles(session, actor)
            if not self._may.may_start(definition.start_roles, actor, actor_roles):
                raise PermissionDenied(f"Peran Anda tidak dapat memulai '{definition.name}'", process_key=process_key)
            now = self._clock()
            workflow = new_workflow(definition.spec, definition.subprocess_specs)
            initial = dict(data or {})
            if business_key:
                initial.setdefault("nomor_kasus", business_key)
            workflow.task_tree.data.update(initial)
            instance = ProcessInstance(
                definition_id=row.id, process_key=process_key, business_key=business_key, status="running",
                state_json="{}", data_json="{}", started_by=actor, started_at=now, version=1)
            instance.due_at, instance.warning_at = self._case_deadlines(session, definition, now)
            session.add(instance)
            session.flush()
            if within is not None:
                within(session, instance.id)
            case = _Case(instance.id, row.id, process_key, business_key, "running", instance.state_json, 1)
            self._event(session, instance.id, "instance_started", actor, now,
                        {"process_key": process_key, "version": row.version, "business_key": business_key,
                         "data": initial})
            decisions = self._run_engine(workflow, definition, now)
            self._record_decisions(session, case.id, decisions, actor, now)
            return self._save(session, case, definition, workflow, actor, now, auto_assign=actor_roles,
                              starter=actor, known=set(),
                              search=StepTerms(start_terms(actor, business_key, initial)))

    def claim_task(self, task_id: str, actor: str) -> None:
        """Take a ready task of one's roles.

        :raises TaskClaimedByOther: someone else holds it
        """
        with self._transaction() as session:
            task = self._open_task(session, task_id)
            self._require_task_role(session, task, actor)
            if task.state == "claimed":
                if task.assignee == actor:
                    return
                raise TaskClaimedByOther(f"Tugas sudah diambil oleh {task.assignee}", task_id=task_id,
                                         assignee=task.assignee)
            now = self._clock()
            task.state, task.assignee, task.claimed_at = "claimed", actor, now
            self._event(session, task.instance_id, "task_claimed", actor, now, {"task_id": task_id, "name": task.name})

    def unclaim_task(self, task_id: str, actor: str) -> None:
        """Give a claimed task back to the role's pool (its holder or a supervisor)."""
        with self._transaction() as session:
            task = self._open_task(session, task_id)
            if task.state != "claimed":
                return
            if task.assignee != actor and not self._is_supervisor(session, task, actor):
                raise PermissionDenied("Hanya pemegang tugas atau atasannya yang dapat melepas tugas",
                                       task_id=task_id)
            now = self._clock()
            previous = task.assignee
            task.state, task.assignee, task.claimed_at = "ready", None, None
            self._event(session, task.instance_id, "task_unclaimed", actor, now,
                        {"task_id": task_id, "name": task.name, "previous_assignee": previous})

    def reassign_task(self, task_id: str, actor: str, to_user: str) -> None:
        """A supervising role hands a task to a user who holds the task's role."""
        with self._transaction() as session:
            task = self._open_task(session, task_id)
            if not self._is_supervisor(session, task, actor):
                raise PermissionDenied("Hanya peran atasan yang dapat mengalihkan tugas", task_id=task_id)
            target_roles = roles_of(session, to_user)
            if not self._may.may_work_on(task.role, target_roles):
                raise InvalidInput(f"Pengguna '{to_user}' tidak memiliki peran {self._roles.title(task.role)}",
                                   field="to_user")
            now = self._clock()
            previous = task.assignee
            task.state, task.assignee, task.claimed_at = "claimed", to_user, now
            self._event(session, task.instance_id, "task_reassigned", actor, now,
                        {"task_id": task_id, "name": task.name, "from": previous, "to": to_user})

    def complete_task(self, task_id: str, actor: str, data: dict[str, Any],
                      expected_version: int | None = None) -> StepResult:
        """Complete a task with form data, then run the model to its next wait state.

        :raises FormInvalid: the data fails the form's schema; nothing is stored
        :raises TaskNotOpen: the task was completed or cancelled meanwhile
        :raises ConcurrentUpdate: ``expected_version`` is stale or another writer won the race
        """
        if not isinstance(data, dict):
            raise InvalidInput("Data formulir harus berupa objek JSON")
        with self._transaction() as session:
            row = TASK_WITH_CASE.first(session.connection(), {"task_id": task_id, "actor": actor})
            task = self._check_open(row, task_id)
            self._require_task_role(session, task, actor,
                                    set(row.actor_roles.split(",")) if row.actor_roles else set())
            if task.state == "claimed" and task.assignee != actor:
                raise TaskClaimedByOther(f"Tugas sedang dikerjakan oleh {task.assignee}", task_id=task_id,
                                         assignee=task.assignee)
            if expected_version is not None and expected_version != task.version:
                raise ConcurrentUpdate("Tugas sudah berubah sejak formulir dibuka; muat ulang halaman",
                                       task_id=task_id)
            self._forms.validate(task.form_key, data, lambda sha: session.get(Attachment, sha) is not None)
            case = _case_of(session, row.instance_id, row.definition_id, row.process_key, row.business_key,
                            row.case_status, row.state_json, row.case_version, row.head_seq, row.head_hash)
            _row, definition = self._definitions.get(session, case.definition_id)
            workflow = self._workflow_of(case, definition)
            spiff_task = workflow.tasks.get(UUID(task_id))
            if spiff_task is None or spiff_task.state != TaskState.READY:
                raise TaskNotOpen("Tugas tidak lagi menunggu isian", task_id=task_id)
            known = _ready_user_task_ids(workflow) - {task_id}
            now = self._clock()
            # Replace top-level keys only, with fresh copies: SpiffWorkflow shares nested containers
            # between tasks.
            encoded = json.dumps(data, ensure_ascii=False)
            spiff_task.data.update(json.loads(encoded))
            try:
                spiff_task.run()
            except SpiffWorkflowException as exc:
                raise ExecutionError(f"Langkah gagal dijalankan: {exc}", task_id=task_id) from exc
            queue_write(session, COMPLETE_TASK, {
                "task_id": task_id, "old_version": task.version, "at": now, "actor": actor,
                "new_assignee": task.assignee or actor, "new_version": task.version + 1, "data": encoded},
                conflict=lambda: ConcurrentUpdate("Tugas sudah diubah oleh pengguna lain; muat ulang halaman",
                                                  task_id=task_id))
            self._event(session, case.id, "task_completed", actor, now,
                        {"task_id": task_id, "element_id": task.element_id, "name": task.name, "data": data})
            decisions = self._run_engine(workflow, definition, now)
            self._record_decisions(session, case.id, decisions, actor, now)
            case.data_json = json.dumps(spiff_task.data, ensure_ascii=False, default=str)
            return self._save(session, case, definition, workflow, actor, now, auto_assign=set(), starter=None,
                              known=known, search=step_terms(data, self._forms.get(task.form_key).search_fields, actor))

    def wake_case(self, instance_id: int, actor: str = SYSTEM_ACTOR) -> StepResult:
        """Fire the instance's due BPMN timers and run on; a no-op when none is due."""
        with self._transaction() as session:
            return self._wake(session, instance_id, actor)

    def wake_if_due(self, instance_id: int, now: datetime,
                    within: Callable[[Session, int], None] | None = None) -> bool:
        """Fire the instance's timers if one is due at ``now`` and no other transaction holds the instance.

        The row is locked with ``FOR UPDATE SKIP LOCKED`` (PostgreSQL; SQLite runs one writer at a time)
        and re-checked as due under the lock, so workers racing for it wake it once. ``within(session,
        instance_id)`` runs in the transaction before it commits. Returns False when the instance is not
        due (any more) or is being woken elsewhere.
        """
        instances = ProcessInstance.__table__.c
        with self._transaction() as session:
            locked = session.scalar(select(instances.id).where(
                instances.id == instance_id, instances.status == "running", instances.next_timer_at <= now)
                .with_for_update(skip_locked=True))
            if locked is None:
                return False
            self._wake(session, instance_id, SYSTEM_ACTOR)
            if within is not None:
                within(session, instance_id)
            return True

    def _wake(self, session: Session, instance_id: int, actor: str) -> StepResult:
        case = _load_case(session, instance_id)
        _row, definition = self._definitions.get(session, case.definition_id)
        workflow = self._workflow_of(case, definition)
        known = _ready_user_task_ids(workflow)
        now = self._clock()
        fired = [str(t.task_spec.bpmn_id) for t in due_timer_tasks(workflow, now)]
        for element_id in fired:
            self._event(session, case.id, "timer_fired", actor, now, {"element_id": element_id})
        with self._spiff_clock(now):
            workflow.refresh_timers()
        decisions = self._run_engine(workflow, definition, now)
        self._record_decisions(session, case.id, decisions, actor, now)
        return self._save(session, case, definition, workflow, actor, now, auto_assign=set(), starter=None,
                          known=known)

    def cancel_case(self, instance_id: int, actor: str, reason: str) -> None:
        """Stop a running case; its open tasks are cancelled. Allowed for the starter,
        a supervisor of an open task, or the system administrator."""
        if not reason.strip():
            raise InvalidInput("Alasan pembatalan wajib diisi", field="reason")
        with self._transaction() as session:
            instance = self._running_case(session, instance_id)
            open_tasks = list(session.scalars(select(HumanTask).where(
                HumanTask.instance_id == instance_id, HumanTask.state.in_(OPEN_STATES))))
            actor_roles = self._actor_roles(session, actor)
            if not self._may.may_cancel(instance.started_by, (t.role for t in open_tasks), actor, actor_roles):
                raise PermissionDenied("Anda tidak berwenang membatalkan kasus ini", instance_id=instance_id)
            now = self._clock()
            _row, definition = self._definitions.get(session, instance.definition_id)
            workflow = load_state(instance.state_json, definition.spec, definition.subprocess_specs)
            workflow.cancel()
            for task in open_tasks:
                task.state = "cancelled"
            instance.status, instance.ended_at = "cancelled", now
            instance.state_json = dump_state(workflow)
            self._live.forget(instance_id)
            self._event(session, instance_id, "instance_cancelled", actor, now,
                        {"reason": reason.strip(), "cancelled_tasks": [t.id for t in open_tasks]})

    # -- helpers -------------------------------------------------------------------------------

    def _transaction(self) -> Any:
        return Transaction(self._sessions)

    def _workflow_of(self, case: _Case, definition: ParsedDefinition) -> BpmnWorkflow:
        """The case's workflow: the one this process kept at the version read, else loaded from the row."""
        kept = self._live.take(case.id, case.version)
        if kept is not None:
            return kept
        return load_state(case.state_json, definition.spec, definition.subprocess_specs)

    def _actor_roles(self, session: Session, actor: str) -> set[str]:
        return set() if actor == SYSTEM_ACTOR else roles_of(session, actor)

    def _open_task(self, session: Session, task_id: str) -> HumanTask:
        return self._check_open(session.get(HumanTask, task_id), task_id)

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

    def _require_task_role(self, session: Session, task: HumanTask, actor: str,
                           actor_roles: set[str] | None = None) -> None:
        if actor_roles is None or actor == SYSTEM_ACTOR:
            actor_roles = self._actor_roles(session, actor)
        if not self._may.may_work_on(task.role, actor_roles):
            raise PermissionDenied(f"Tugas ini untuk peran {self._roles.title(task.role)}", task_id=task.id,
                                   role=task.role)

    def _is_supervisor(self, session: Session, task: HumanTask, actor: str) -> bool:
        return self._may.supervises(task.role, self._actor_roles(session, actor))

    @staticmethod
    def _running_case(session: Session, instance_id: int) -> ProcessInstance:
        instance = case_row(session, instance_id)
        if instance.status != "running":
            raise CaseNotRunning(f"Kasus {instance_id} sudah {instance.status}", instance_id=instance_id)
        return instance

    def _case_deadlines(self, session: Session, definition: ParsedDefinition,
                        start: datetime) -> tuple[datetime | None, datetime | None]:
        calendar = self._calendar(session)
        limit = definition.properties.get("waktu_pelaksanaan_iso")
        warning = definition.properties.get("waktu_peringatan_iso")
        return (calendar.due(start, limit) if limit else None, calendar.due(start, warning) if warning else None)

    def _spiff_clock(self, now: datetime) -> Any:
        return contextlib.nullcontext() if self._clock is utcnow else frozen_spiff_clock(now)

    def _run_engine(self, workflow: BpmnWorkflow, definition: ParsedDefinition,
                    now: datetime) -> list[dict[str, str]]:
        """Run engine steps; return the gateway decisions taken (for the audit trail)."""
        decisions: list[dict[str, str]] = []

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

    def _record_decisions(self, session: Session, instance_id: int, decisions: list[dict[str, str]],
                          actor: str, now: datetime) -> None:
        for decision in decisions:
            self._event(session, instance_id, "gateway_decided", actor, now, decision)

    def _save(self, session: Session, case: _Case, definition: ParsedDefinition, workflow: BpmnWorkflow,
              actor: str, now: datetime, auto_assign: set[str], starter: str | None,
              known: set[str], search: StepTerms | None = None) -> StepResult:
        """Sync human tasks with the workflow's ready user tasks and store the state.

        ``search``: the terms (and OPD, letter number) the step adds to the case's search index.

        ``known`` are the case's open human tasks before the step: the ready user tasks of the state
        loaded, since every save keeps the two equal. The instance row is always rewritten with a
        version check, which catches a racing writer.
        """
        ready = {str(t.id): t for t in workflow.get_tasks(state=TaskState.READY, manual=True)}
        expanded = self._roles.expand(auto_assign) if auto_assign else set()
        new_rows = []
        for task_id, spiff_task in ready.items():
            if task_id in known:
                continue
            meta = definition.user_tasks[spiff_task.task_spec.bpmn_id]
            assignee = starter if starter and meta.role in expanded else None
            new_rows.append(dict(
                id=task_id, instance_id=case.id, process_key=case.process_key, process_name=definition.name,
                business_key=case.business_key, element_id=meta.element_id, name=meta.name, role=meta.role,
                form_key=meta.form_key, state="claimed" if assignee else "ready", assignee=assignee,
                created_at=now, claimed_at=now if assignee else None,
                due_at=self._calendar(session).due(now, meta.waktu_iso), version=1))
            self._event(session, case.id, "task_created", actor, now,
                        {"task_id": task_id, "element_id": meta.element_id, "name": meta.name, "role": meta.role,
                         "assignee": assignee})
        if new_rows:
            queue_write(session, INSERT_TASKS, new_rows)
        withdrawn = sorted(known - set(ready))  # e.g. by an interrupting boundary event
        if withdrawn:
            session.execute(update(_TASKS).where(_TASKS.c.id.in_(withdrawn))
                            .values(state="cancelled", version=_TASKS.c.version + 1))
            for task_id in withdrawn:
                self._event(session, case.id, "task_cancelled", actor, now, {"task_id": task_id})
        values: dict[str, Any] = {"case_id": case.id, "old_version": case.version, "new_version": case.version + 1,
                                  "status": case.status, "ended_at": None, "data": case.data_json,
                                  "terms": json.dumps(search.terms, ensure_ascii=False) if search else None,
                                  "opd": search.opd if search else None,
                                  "letter_number": search.letter_number if search else None}
        if workflow.is_completed():
            case.status = "completed"
            values.update(status="completed", ended_at=now,
                          data=json.dumps(workflow.data, ensure_ascii=False, default=str))
            self._event(session, case.id, "instance_completed", actor, now, {})
        values["next_timer"] = next_timer_due(workflow) if case.status == "running" else None
        values["state"] = dump_state(workflow)
        queue_write(session, SAVE_CASE, values, conflict=lambda: ConcurrentUpdate(
            "Kasus sudah diubah oleh pengguna lain; muat ulang dan coba lagi", instance_id=case.id))
        if case.status == "running":
            after_commit(session, lambda: self._live.keep(case.id, case.version + 1, workflow))
        return StepResult(case.id, case.status, sorted(ready))

    @staticmethod
    def _event(session: Session, instance_id: int, event_type: str, actor: str, at: datetime,
               payload: dict[str, Any]) -> None:
        """Queue an audit event; the transaction writes the queue just before it commits."""
        session.info[EVENTS_KEY].append(PendingEvent(case_chain(instance_id), event_type, actor, at, payload,
                                                  instance_id))


_TASKS = HumanTask.__table__
_INSTANCES = ProcessInstance.__table__


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


def _load_case(session: Session, instance_id: int) -> _Case:
    """:raises CaseNotFound, CaseNotRunning:"""
    row = CASE_WITH_HEAD.first(session.connection(), {"instance_id": instance_id})
    if row is None:
        raise CaseNotFound.of(instance_id)
    return _case_of(session, *row)


def _case_of(session: Session, instance_id: int, definition_id: int, process_key: str, business_key: str | None,
             status: str, state_json: str, version: int, head_seq: int | None, head_hash: str | None) -> _Case:
    """The case as read; its chain head is handed to the transaction, which moves it only from there.

    :raises CaseNotRunning:
    """
    if status != "running":
        raise CaseNotRunning(f"Kasus {instance_id} sudah {status}", instance_id=instance_id)
    if head_seq is not None:
        session.info[HEADS_KEY][case_chain(instance_id)] = (head_seq, head_hash)
    return _Case(instance_id, definition_id, process_key, business_key, status, state_json, version)


def _ready_user_task_ids(workflow: BpmnWorkflow) -> set[str]:
    """What ``get_tasks(state=READY, manual=True)`` finds, as a set: a scan of the task maps, no tree walk."""
    maps = [workflow.tasks, *(sub.tasks for sub in workflow.subprocesses.values())]
    return {str(t.id) for tasks in maps for t in tasks.values()
            if t.state == TaskState.READY and t.task_spec.manual}


_STATE_WORDS = {"completed": "diselesaikan", "cancelled": "dibatalkan"}


