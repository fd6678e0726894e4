"""Moving running cases to a newer version of their SOP, with a safety check.

A case may move when every step it has completed and every step now open still exists in the new
version with the same role; otherwise it is refused with the reasons. A step the case has not reached
(FUTURE, LIKELY, MAYBE in SpiffWorkflow's tree) never blocks: the move predicts anew from the open
steps. An open step deleted in the new version moves when the process owner maps it to a step of the
new version with the same role (``mapping``, element id to element id); the refusal names the steps
that would do. The stored workflow state is
pruned of finished history, so completed steps are read from our ``human_task`` rows, not from
SpiffWorkflow. Each case moves in its own transaction with its audit event, and the instance's
version counter guards against a concurrent step (a stale write is a conflict, never a lost update).
"""
from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable, Mapping, Protocol, cast

from sqlalchemy import CursorResult, Result, select, update
from sqlalchemy.orm import Session, sessionmaker
from SpiffWorkflow.bpmn.util.diff import diff_workflow, migrate_workflow
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState

from engine.worktime.work_calendar import WorkCalendar
from engine.worktime.clock import Clock, utcnow
from engine.modeling.definitions import DefinitionStore
from engine.modeling.messages import Text
from engine.errors import ConcurrentUpdate, Conflict, CaseNotFound
from engine.persistence.models import HumanTask, ProcessDefinition, ProcessInstance
from engine.runtime.serializer import _REGISTRY, dump_state, load_state
from engine.modeling.parser import ParsedDefinition
from engine.reading.versions import definition_id_of
from engine.runtime.case_clock import TaskTimes, case_deadlines, new_step_due
from engine.runtime.spiff_timers import spiff_clock
from engine.runtime.unit_of_work import UnitOfWork

OPEN_STATES = ("ready", "claimed")
_STATUS_WORDS = {"completed": "migration.completed", "cancelled": "migration.cancelled"}
_TASKS = HumanTask.__table__
_INSTANCES = ProcessInstance.__table__


class MigrationRefused(Conflict):
    """The case cannot move to the requested version; ``reasons`` says why, one line per problem (``words``:
    the same as catalogue keys with their values, for a page in the reader's language)."""

    code = "migration_refused"

    def __init__(self, instance_id: int, words: list[Text]) -> None:
        reasons = [w.render("id") for w in words]
        super().__init__(f"Kasus {instance_id} tidak dapat dipindahkan: " + "; ".join(reasons),
                         instance_id=instance_id, reasons=reasons)
        self.reasons = reasons
        self.words = words


@dataclass(frozen=True)
class MappableStep:
    """An open step the new version deleted, and the steps of the same role it may be mapped to."""

    element_id: str
    name: str
    choices: tuple[tuple[str, str], ...]  # (element id, name) in the new version


@dataclass(frozen=True)
class MigrationCheck:
    instance_id: int
    business_key: str | None
    from_version: int
    to_version: int
    reasons: tuple[str, ...]
    mappable: tuple[MappableStep, ...] = ()  # steps a mapping would let move
    words: tuple[Text, ...] = ()  # the reasons as catalogue keys with their values (engine.modeling.messages)

    @property
    def ok(self) -> bool:
        return not self.reasons


@dataclass(frozen=True)
class MigrationReport:
    process_key: str
    from_version: int
    to_version: int
    migrated: tuple[int, ...]
    refused: tuple[MigrationCheck, ...]
    conflicts: tuple[tuple[int, str], ...]  # (instance id, message): changed meanwhile, try again


@dataclass
class _Plan:
    """A case with its workflow already moved in memory; written only when ``reasons`` is empty."""

    instance: Any  # the instance columns read
    old_version: int
    new_definition_id: int
    new_version: int
    old: ParsedDefinition
    new: ParsedDefinition
    workflow: BpmnWorkflow | None
    reasons: list[Text]
    mapping: dict[str, str]  # open step deleted in the new version -> the step it becomes there
    mappable: list[MappableStep] = field(default_factory=list)


class CaseMigrator:
    def __init__(self, sessions: sessionmaker[Session], definitions: DefinitionStore,
                 calendar: Callable[[Session], WorkCalendar], clock: Clock = utcnow) -> None:
        self._sessions = sessions
        self._definitions = definitions
        self._calendar = calendar
        self._clock = clock

    def check_case(self, instance_id: int, to_version: int | None = None,
                   mapping: Mapping[str, str] | None = None) -> MigrationCheck:
        """Whether a case could move to ``to_version`` (default: the latest); writes nothing.

        :raises CaseNotFound:
        """
        with self._sessions() as session:
            return self._check(self._plan(session, instance_id, to_version, mapping))

    def check_version(self, process_key: str, from_version: int, to_version: int | None = None,
                      limit: int = 200) -> list[MigrationCheck]:
        """The check for each running case of one version (oldest first, at most ``limit``)."""
        with self._sessions() as session:
            return [self._check(self._plan(session, instance_id, to_version))
                    for instance_id in self._running_ids(session, process_key, from_version, limit)]

    def migrate_case(self, instance_id: int, actor: str, to_version: int | None = None,
                     expected_version: int | None = None, mapping: Mapping[str, str] | None = None) -> MigrationCheck:
        """Move one running case to ``to_version`` (default: the latest), in one transaction; ``mapping``
        names, for an open step the new version deleted, the step it becomes.

        :raises MigrationRefused: the safety check failed; nothing was changed
        :raises ConcurrentUpdate: the case changed meanwhile (or ``expected_version`` is stale)
        :raises CaseNotFound:
        """
        with UnitOfWork.begin(self._sessions) as work:
            plan = self._plan(work.session, instance_id, to_version, mapping)
            if expected_version is not None and plan.instance.version != expected_version:
                raise ConcurrentUpdate("Kasus sudah berubah sejak halaman dibuka; muat ulang dan coba lagi",
                                       instance_id=instance_id)
            if plan.reasons:
                raise MigrationRefused(instance_id, plan.reasons)
            self._write(work, plan, actor)
            return self._check(plan)

    def migrate_version(self, process_key: str, from_version: int, actor: str,
                        to_version: int | None = None, mapping: Mapping[str, str] | None = None) -> MigrationReport:
        """Move every running case of ``from_version``: one transaction per case; refusals and
        conflicts are reported and do not stop the others. ``mapping`` applies to every case whose open
        step it names."""
        with self._sessions() as session:
            ids = self._running_ids(session, process_key, from_version, None)
            target = to_version if to_version is not None else self._latest_version(session, process_key)
        migrated, refused, conflicts = [], [], []
        for instance_id in ids:
            try:
                self.migrate_case(instance_id, actor, target, mapping=mapping)
                migrated.append(instance_id)
            except MigrationRefused:
                refused.append(self.check_case(instance_id, target, mapping))
            except ConcurrentUpdate as exc:
                conflicts.append((instance_id, exc.message))
        return MigrationReport(process_key, from_version, target, tuple(migrated), tuple(refused), tuple(conflicts))

    # -- planning ----------------------------------------------------------------------------------

    def _plan(self, session: Session, instance_id: int, to_version: int | None,
              mapping: Mapping[str, str] | None = None) -> _Plan:
        instance = session.execute(select(
            _INSTANCES.c.id, _INSTANCES.c.definition_id, _INSTANCES.c.process_key, _INSTANCES.c.business_key,
            _INSTANCES.c.status, _INSTANCES.c.state_json, _INSTANCES.c.version, _INSTANCES.c.started_at,
            _INSTANCES.c.due_at, _INSTANCES.c.warning_at).where(_INSTANCES.c.id == instance_id)).first()
        if instance is None:
            raise CaseNotFound.of(instance_id)
        old_row, old = self._definitions.get(session, instance.definition_id)
        target = to_version if to_version is not None else self._latest_version(session, instance.process_key)
        new_id = definition_id_of(session, instance.process_key, target)
        _new_row, new = self._definitions.get(session, new_id)
        plan = _Plan(instance, old_row.version, new_id, target, old, new, None, [], {})
        if instance.status != "running":
            plan.reasons.append(Text.of(_STATUS_WORDS.get(instance.status, "migration.not_running"),
                                        status=instance.status))
        elif target <= old_row.version:
            plan.reasons.append(Text.of("migration.not_newer", version=old_row.version))
        if plan.reasons:
            return plan
        plan.reasons += self._step_reasons(session, instance_id, new, target, dict(mapping or {}), plan)
        if not plan.reasons:
            plan.workflow = load_state(instance.state_json, old.spec, old.subprocess_specs)
            with spiff_clock(self._clock, self._clock()):  # a timer the new version arms counts from the move
                plan.reasons += _move_workflow(plan.workflow, new, target, plan.mapping)
        return plan

    def _step_reasons(self, session: Session, instance_id: int, new: ParsedDefinition, target: int,
                      asked: dict[str, str], plan: _Plan) -> list[Text]:
        """Refuse when a completed or open step is gone from the new version or has another role there;
        an open step gone may be mapped (``asked``) to a step of the same role (``plan.mapping``)."""
        reasons: list[Text] = []
        seen = set()
        rows = session.execute(select(_TASKS.c.element_id, _TASKS.c.name, _TASKS.c.role, _TASKS.c.state)
                               .where(_TASKS.c.instance_id == instance_id, _TASKS.c.state != "cancelled")
                               .order_by(_TASKS.c.created_at)).all()
        for row in rows:
            is_open = row.state in OPEN_STATES
            kind = "migration.open_step" if is_open else "migration.done_step"
            if (row.element_id, kind) in seen:
                continue
            seen.add((row.element_id, kind))
            meta = new.user_tasks.get(row.element_id)
            if meta is None and is_open:
                reasons += _mapping_reasons(row, new, target, asked.get(row.element_id), plan)
            elif meta is None:
                reasons.append(Text.of("migration.step_gone", step=Text.of(kind, name=row.name,
                                                                          element=row.element_id), version=target))
            elif meta.role != row.role:
                reasons.append(Text.of("migration.step_role", step=Text.of(kind, name=row.name, element=row.element_id),
                                       old=row.role, new=meta.role, version=target))
        return reasons

    @staticmethod
    def _check(plan: _Plan) -> MigrationCheck:
        return MigrationCheck(plan.instance.id, plan.instance.business_key, plan.old_version, plan.new_version,
                              tuple(r.render("id") for r in plan.reasons), tuple(plan.mappable), tuple(plan.reasons))

    @staticmethod
    def _latest_version(session: Session, process_key: str) -> int:
        return session.scalar(select(ProcessDefinition.version).where(ProcessDefinition.process_key == process_key)
                              .order_by(ProcessDefinition.version.desc()).limit(1)) or 0

    @staticmethod
    def _running_ids(session: Session, process_key: str, version: int, limit: int | None) -> list[int]:
        definition_id = definition_id_of(session, process_key, version)
        query = select(_INSTANCES.c.id).where(_INSTANCES.c.definition_id == definition_id,
                                              _INSTANCES.c.status == "running").order_by(_INSTANCES.c.id)
        return list(session.scalars(query.limit(limit) if limit else query))

    # -- writing -----------------------------------------------------------------------------------

    def _write(self, work: UnitOfWork, plan: _Plan, actor: str) -> None:
        assert plan.workflow is not None
        session = work.session
        now, calendar, instance = self._clock(), self._calendar(session), plan.instance
        open_rows = session.execute(select(_TASKS.c.id, _TASKS.c.element_id, _TASKS.c.created_at, _TASKS.c.version)
                                    .where(_TASKS.c.instance_id == instance.id, _TASKS.c.state.in_(OPEN_STATES))).all()
        ready = {str(t.id) for t in plan.workflow.get_tasks(state=TaskState.READY, manual=True)}
        if ready != {r.id for r in open_rows}:  # the tree and our rows disagree: touch nothing
            raise MigrationRefused(instance.id, [Text.of("migration.engine_mismatch")])
        retimed = []
        for row in open_rows:
            element = plan.mapping.get(row.element_id, row.element_id)
            meta, before = plan.new.user_tasks[element], plan.old.user_tasks.get(row.element_id)
            values: dict[str, Any] = {"name": meta.name, "form_key": meta.form_key, "version": row.version + 1}
            if element != row.element_id:
                values["element_id"] = element
            if before is None or _step_timing(before) != _step_timing(meta) or element != row.element_id:
                values["due_at"] = self._step_due(session, calendar, instance.id, meta, row.created_at)
                retimed.append(row.element_id)
            changed = session.execute(update(_TASKS).where(_TASKS.c.id == row.id, _TASKS.c.version == row.version)
                                      .values(**values))
            if _rowcount(changed) != 1:
                raise ConcurrentUpdate("Tugas kasus berubah saat dipindahkan; coba lagi", instance_id=instance.id)
        values = {"definition_id": plan.new_definition_id, "state_json": dump_state(plan.workflow),
                  "version": instance.version + 1}
        values.update(self._case_deadlines(session, calendar, plan))
        changed = session.execute(update(_INSTANCES).where(
            _INSTANCES.c.id == instance.id, _INSTANCES.c.version == instance.version).values(**values))
        if _rowcount(changed) != 1:
            raise ConcurrentUpdate("Kasus sudah diubah oleh pengguna lain; muat ulang dan coba lagi",
                                   instance_id=instance.id)
        work.record_for_case(instance.id, "instance_migrated", actor=actor, at=now, payload={
            "process_key": instance.process_key, "from_version": plan.old_version, "to_version": plan.new_version,
            "definition_id": plan.new_definition_id, "open_tasks": sorted(ready), "retimed_steps": retimed,
            **({"mapped_steps": plan.mapping} if plan.mapping else {})})

    @staticmethod
    def _step_due(session: Session, calendar: WorkCalendar, instance_id: int, meta: Any,
                  created_at: datetime) -> datetime | None:
        """An open step's due time under the new version's time rules (engine.runtime.case_clock)."""
        first_started = None
        if meta.shares_time_with is not None:
            first_started = session.execute(
                select(_TASKS.c.created_at).where(_TASKS.c.instance_id == instance_id,
                                                  _TASKS.c.element_id == meta.shares_time_with)
                .order_by(_TASKS.c.created_at.desc()).limit(1)).scalar()
        return new_step_due(calendar, meta, created_at, first_started)

    @staticmethod
    def _case_deadlines(session: Session, calendar: WorkCalendar, plan: _Plan) -> dict[str, datetime | None]:
        """The case limits follow the new version when its time limit or warning changed; under time
        rules (a later clock start, waits on outside parties) they are recomputed from the case's steps."""
        if plan.old.has_clock_rules or plan.new.has_clock_rules:
            rows = session.execute(select(_TASKS.c.element_id, _TASKS.c.created_at, _TASKS.c.completed_at,
                                          _TASKS.c.data_json).where(_TASKS.c.instance_id == plan.instance.id,
                                                                    _TASKS.c.state != "cancelled")).all()
            tasks = [TaskTimes.of_row(r.element_id, r.created_at, r.completed_at, r.data_json) for r in rows]
            due_at, warning_at = case_deadlines(calendar, plan.new, plan.instance.started_at, tasks)
            return {"due_at": due_at, "warning_at": warning_at}
        values: dict[str, datetime | None] = {}
        for prop, column in (("waktu_pelaksanaan_iso", "due_at"), ("waktu_peringatan_iso", "warning_at")):
            old, new = plan.old.properties.get(prop), plan.new.properties.get(prop)
            if old != new:
                values[column] = calendar.due(plan.instance.started_at, new) if new else None
        return values


def _step_timing(meta: Any) -> tuple[Any, ...]:
    """What a step's due time depends on besides its start."""
    return meta.waktu_iso, meta.shares_time_with, meta.waits


def _rowcount(result: Result[Any]) -> int:
    """Rows an UPDATE matched: Session.execute is typed as returning a Result, and for DML it is a CursorResult."""
    return cast("CursorResult[Any]", result).rowcount


class _Executable(Protocol):
    """What a move needs of the version moved to: a deployed definition, or a replay's model."""

    @property
    def spec(self) -> Any: ...

    @property
    def subprocess_specs(self) -> dict[str, Any]: ...


def _move_workflow(workflow: BpmnWorkflow, new: _Executable, target: int,
                   mapping: Mapping[str, str] | None = None) -> list[Text]:
    """Point the workflow at the new spec (in memory); the reasons it cannot, if any.

    SpiffWorkflow resets the tasks that wait (READY, WAITING) and predicts again from them; a reset
    task takes its parent's data, so the data each one held is put back afterwards. A task not reached
    yet (FUTURE or predicted) whose element is gone is dropped by that prediction; a waiting task whose
    element is gone moves to the element ``mapping`` names (the same task, so its id stays). A waiting
    timer the new version keeps as it was keeps its due time (SpiffWorkflow would arm it again).
    """
    if workflow.subprocesses:
        return [Text.of("migration.subprocess")]
    top, _sub = diff_workflow(_REGISTRY, workflow, new.spec, new.subprocess_specs)
    for task in list(top.removed):
        replacement = (mapping or {}).get(task.task_spec.bpmn_id or "")
        if replacement and task.has_state(TaskState.READY) and replacement in new.spec.task_specs:
            top.alignment[task] = new.spec.task_specs[replacement]
            top.removed.remove(task)
    live = [t for t in top.removed if not t.has_state(TaskState.PREDICTED_MASK | TaskState.FUTURE)]
    if live:
        return [Text.of("migration.element_gone", element=t.task_spec.bpmn_id or t.task_spec.name, version=target)
                for t in live]
    waiting = {t.id: copy.deepcopy(t.data)
               for t in workflow.get_tasks(state=TaskState.READY | TaskState.WAITING)}
    armed = {t.task_spec.bpmn_id: (_timer_of(t.task_spec), copy.deepcopy(t.internal_data["event_value"]))
             for t in workflow.get_tasks(state=TaskState.WAITING) if t.internal_data.get("event_value") is not None}
    migrate_workflow(top, workflow, new.spec)
    for task_id, data in waiting.items():
        task = workflow.tasks.get(task_id)
        if task is not None:
            task.data = data
    for task in workflow.get_tasks(state=TaskState.WAITING):
        timer, due = armed.get(task.task_spec.bpmn_id, (None, None))
        if timer is not None and timer == _timer_of(task.task_spec):
            task.internal_data["event_value"] = due
    known = set(new.spec.task_specs.values())
    stale = sorted({t.task_spec.name for t in workflow.tasks.values() if t.task_spec not in known})
    return [Text.of("migration.element_unmapped", element=name, version=target) for name in stale]


def _timer_of(spec: Any) -> tuple[str, str] | None:
    """A timer event's kind and expression (None for another task)."""
    definition = getattr(spec, "event_definition", None)
    expression = getattr(definition, "expression", None)
    return (type(definition).__name__, str(expression)) if expression is not None else None


def _mapping_reasons(row: Any, new: ParsedDefinition, target: int, wanted: str | None, plan: _Plan) -> list[Text]:
    """An open step deleted in ``new``: fine when mapped to a step of the same role (recorded in
    ``plan.mapping``); otherwise the reason, naming the steps that would do (``plan.mappable``)."""
    fits = sorted(meta.element_id for meta in new.user_tasks.values() if meta.role == row.role)
    choice = new.user_tasks.get(wanted) if wanted else None
    if choice is not None and choice.role == row.role:
        plan.mapping[row.element_id] = choice.element_id
        return []
    if fits:
        plan.mappable.append(MappableStep(row.element_id, row.name,
                                          tuple((e, new.user_tasks[e].name) for e in fits)))
    hint = (Text.of("migration.hint_map", version=target, steps=", ".join(fits)) if fits
            else Text.of("migration.hint_none", version=target, role=row.role))
    if wanted and choice is None:
        return [Text.of("migration.target_gone", wanted=wanted, name=row.name, element=row.element_id, version=target,
                        hint=hint)]
    if choice is not None:
        return [Text.of("migration.target_role", target=choice.name, wanted=wanted or "", role=choice.role,
                        own_role=row.role, name=row.name, element=row.element_id, hint=hint)]
    return [Text.of("migration.open_gone", name=row.name, element=row.element_id, version=target, hint=hint)]
