"""Replay verification: run a case again in a fresh engine from its recorded inputs and compare.

The inputs are what people and clocks supplied: the start data (``instance_started``), every
submitted form (``task_completed``), every timer that fired (``timer_fired``) and a cancellation.
The model is the stored BPMN of the version the case ran on, parsed afresh. Everything else in
the chain is an output the engine derived — gateway decisions, tasks created and withdrawn, the
end — and must come out the same; the case data at the end must equal the stored case data.
A recorded decision changed by someone who re-hashed the chain therefore shows as a divergence.
"""
from __future__ import annotations

import json
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any, Callable
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.util.task import TaskState

from engine.audit.chain import case_chain
from engine.runtime.case_migration import _move_workflow as move_workflow  # the same move the migration made
from engine.persistence.models import AuditEvent, ProcessInstance
from engine.persistence.rows import case_row
from engine.audit.replay_model import ModelProblem, ReplayModel, load_model
from engine.runtime.serializer import new_workflow
from engine.runtime.spiff_timers import due_timer_tasks, frozen_spiff_clock
from engine.audit.read_log import NOT_STEPS

INPUTS = frozenset({"instance_started", "task_completed", "timer_fired", "instance_cancelled",
                    "instance_migrated"})
OUTPUTS = frozenset({"gateway_decided", "task_created", "task_cancelled", "instance_completed"})


@dataclass(frozen=True)
class Divergence:
    step: int  # the step number of the replay page (views are not steps); 0 for the model itself
    event_id: int | None
    seq: int | None
    event_type: str
    expected: str  # what the fresh engine did
    found: str  # what the audit trail records

    def __str__(self) -> str:
        where = f"step {self.step}" + (f" (event id={self.event_id} seq={self.seq}, {self.event_type})"
                                       if self.event_id else f" ({self.event_type})")
        return f"{where}: replay expected {self.expected}; the record shows {self.found}"


@dataclass(frozen=True)
class ReplayReport:
    instance_id: int
    process_key: str
    version: int | None
    steps_checked: int
    divergences: list[Divergence] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.divergences

    def lines(self) -> list[str]:
        head = f"case {self.instance_id} ({self.process_key} v{self.version})"
        if self.ok:
            return [f"REPLAY OK {head}: {self.steps_checked} steps re-executed; same tasks, decisions and data"]
        return [f"REPLAY DIVERGES {head}: {d}" for d in self.divergences]

    def to_dict(self) -> dict[str, Any]:
        return {"instance_id": self.instance_id, "process_key": self.process_key, "version": self.version,
                "ok": self.ok, "steps_checked": self.steps_checked,
                "divergences": [asdict(d) for d in self.divergences]}


@dataclass
class _Recorded:
    """One event of the chain with its replay-page step number."""

    event: AuditEvent
    step: int
    payload: dict[str, Any]

    @property
    def kind(self) -> str:
        return self.event.event_type


@dataclass
class _Segment:
    inputs: list[_Recorded]
    outputs: list[_Recorded] = field(default_factory=list)


@dataclass
class _Expected:
    decisions: list[tuple[str, str | None, str]] = field(default_factory=list)  # (gateway, flow, target)
    created: list[Any] = field(default_factory=list)  # SpiffWorkflow tasks newly ready
    withdrawn: list[str] = field(default_factory=list)  # replay task ids no longer ready
    completed: bool = False


class _Diverged(Exception):
    def __init__(self, divergence: Divergence) -> None:
        super().__init__(str(divergence))
        self.divergence = divergence


class ReplayVerifier:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def verify_replay(self, instance_id: int) -> ReplayReport:
        """Re-execute one case and report the first divergence from its audit trail.

        :raises CaseNotFound: no case has this id
        """
        with self._sessions() as session:
            instance = case_row(session, instance_id)
            recorded = _recorded_events(session, instance_id)
            version = recorded[0].payload.get("version") if recorded else None
            try:
                start = _start(recorded)
                model = _model(session, start, str(start.payload.get("process_key")), version)
                replay = _Replay(model, recorded, instance, lambda item, key, to: _model(session, item, key, to))
                checked = replay.run()
            except _Diverged as diverged:
                return ReplayReport(instance_id, instance.process_key, version, diverged.divergence.step,
                                    [diverged.divergence])
            return ReplayReport(instance_id, instance.process_key, version, checked)

    def verify_all(self) -> list[ReplayReport]:
        """Replay every case, oldest first."""
        with self._sessions() as session:
            instance_ids = list(session.scalars(select(ProcessInstance.id).order_by(ProcessInstance.id)))
        return [self.verify_replay(i) for i in instance_ids]

def _recorded_events(session: Session, instance_id: int) -> list[_Recorded]:
    rows = session.scalars(select(AuditEvent).where(AuditEvent.chain == case_chain(instance_id))
                           .order_by(AuditEvent.seq, AuditEvent.id))
    result, step = [], 0
    for row in rows:
        if row.event_type in NOT_STEPS:
            continue
        step += 1
        result.append(_Recorded(row, step, json.loads(row.payload_json)))
    return result


def _start(recorded: list[_Recorded]) -> _Recorded:
    if recorded and recorded[0].kind == "instance_started":
        return recorded[0]
    first = recorded[0] if recorded else None
    raise _Diverged(Divergence(first.step if first else 0, first.event.id if first else None,
                               first.event.seq if first else None, first.kind if first else "-",
                               "the chain to begin with instance_started", first.kind if first else "no events"))


def _model(session: Session, cause: _Recorded, process_key: str, version: Any) -> ReplayModel:
    """The stored model of a version the chain names (at the start, or at a migration)."""
    try:
        return load_model(session, process_key, int(version))
    except (ModelProblem, TypeError, ValueError) as problem:
        expected = getattr(problem, "expected", f"a version number for {process_key}")
        found = getattr(problem, "found", repr(version))
        raise _Diverged(Divergence(cause.step, cause.event.id, cause.event.seq, cause.kind, expected, found)) \
            from problem


def _segments(recorded: list[_Recorded]) -> list[_Segment]:
    """Group the chain into transactions: inputs, then the outputs the engine derived from them.

    Timers that fired at one wake-up are one input group, as ``wake_case`` records them.
    """
    segments: list[_Segment] = []
    for item in recorded:
        if item.kind in INPUTS:
            last = segments[-1] if segments else None
            if (last is not None and not last.outputs and item.kind == "timer_fired"
                    and all(i.kind == "timer_fired" and i.event.at == item.event.at for i in last.inputs)):
                last.inputs.append(item)
            else:
                segments.append(_Segment([item]))
        elif item.kind in OUTPUTS:
            if not segments:
                raise _Diverged(Divergence(item.step, item.event.id, item.event.seq, item.kind,
                                           "instance_started first", item.kind))
            segments[-1].outputs.append(item)
    return segments


class _Replay:
    def __init__(self, definition: ReplayModel, recorded: list[_Recorded], instance: ProcessInstance,
                 load: Callable[[_Recorded, str, Any], ReplayModel]) -> None:
        self._definition = definition
        self._recorded = recorded
        self._instance = instance
        self._load = load
        self._workflow: BpmnWorkflow = new_workflow(definition.spec, definition.subprocess_specs)
        self._open: dict[str, str] = {}  # recorded task id -> replay task id, for open tasks
        self._data: dict[str, Any] = {}  # what the case row's data_json should hold now

    def run(self) -> int:
        for segment in _segments(self._recorded):
            expected = self._apply(segment)
            self._compare(segment, expected)
        if self._definition.definition_id != self._instance.definition_id:
            last = self._recorded[-1]
            raise self._diverged(last, f"the case to be on {self._definition.process_key} v{self._definition.version} "
                                 f"(definition id {self._definition.definition_id})",
                                 f"the case row on definition id {self._instance.definition_id}")
        self._compare_data()
        return len(self._recorded)

    # -- inputs ---------------------------------------------------------------------------------

    def _apply(self, segment: _Segment) -> _Expected:
        first = segment.inputs[0]
        at = first.event.at
        if first.kind == "instance_started":
            self._workflow.task_tree.data.update(json.loads(json.dumps(first.payload.get("data") or {})))
            return self._run_engine(first, at)
        if first.kind == "task_completed":
            return self._complete(first, at)
        if first.kind == "timer_fired":
            return self._fire_timers(segment.inputs, at)
        if first.kind == "instance_migrated":
            self._migrate(first)
            return _Expected()
        self._workflow.cancel()  # instance_cancelled: nothing is derived from it
        return _Expected()

    def _migrate(self, item: _Recorded) -> None:
        """Move the replay to the version the case was moved to, the way the migration did."""
        target = self._load(item, self._definition.process_key, item.payload.get("to_version"))
        reasons = move_workflow(self._workflow, target, target.version, item.payload.get("mapped_steps") or {})
        if reasons:
            raise self._diverged(item, f"the case to move to v{target.version}",
                                 "; ".join(r.render("en") for r in reasons))  # the replay reports in English
        self._definition = target
        recorded_open = sorted(str(t) for t in item.payload.get("open_tasks", []))
        if recorded_open != sorted(self._open):
            raise self._diverged(item, f"open tasks {sorted(self._open) or 'none'} when moved",
                                 f"open tasks {recorded_open or 'none'}")

    def _complete(self, item: _Recorded, at: datetime) -> _Expected:
        recorded_id, element = item.payload.get("task_id", ""), item.payload.get("element_id")
        replay_id = self._open.pop(recorded_id, None)
        task = self._workflow.tasks.get(UUID(replay_id)) if replay_id else None
        if task is None or task.state != TaskState.READY or task.task_spec.bpmn_id != element:
            ready = sorted(t.task_spec.bpmn_id for t in self._ready())
            raise self._diverged(item, f"a ready task '{element}' to complete (ready: {', '.join(ready) or 'none'})",
                                 f"completion of '{element}' (task {recorded_id})")
        task.data.update(json.loads(json.dumps(item.payload.get("data") or {})))
        try:
            with frozen_spiff_clock(at):
                task.run()
        except SpiffWorkflowException as exc:
            raise self._diverged(item, f"'{element}' to run with the recorded data", f"an error: {exc}") from exc
        self._data = json.loads(json.dumps(task.data, default=str))
        return self._run_engine(item, at)

    def _fire_timers(self, items: list[_Recorded], at: datetime) -> _Expected:
        due = sorted(str(t.task_spec.bpmn_id) for t in due_timer_tasks(self._workflow, at))
        fired = sorted(str(i.payload.get("element_id")) for i in items)
        if due != fired:
            raise self._diverged(items[0], f"timers due at {at.isoformat()}: {', '.join(due) or 'none'}",
                                 f"timers fired: {', '.join(fired)}")
        with frozen_spiff_clock(at):
            self._workflow.refresh_timers()
        return self._run_engine(items[0], at)

    def _run_engine(self, cause: _Recorded, at: datetime) -> _Expected:
        expected = _Expected()

        def did_complete(task: Any) -> None:
            spec_id = getattr(task.task_spec, "bpmn_id", None)
            if spec_id is None or not self._definition.gateways.get(spec_id):
                return
            for child in task.children:
                if child.has_state(TaskState.DEFINITE_MASK | TaskState.FINISHED_MASK):
                    target = getattr(child.task_spec, "bpmn_id", None) or child.task_spec.name
                    flow = self._definition.flows.get((spec_id, target), ("", ""))[0]
                    expected.decisions.append((spec_id, flow, target))
        try:
            with frozen_spiff_clock(at):
                self._workflow.do_engine_steps(did_complete_task=did_complete)
        except SpiffWorkflowException as exc:
            raise self._diverged(cause, "the model to run on", f"an error: {exc}") from exc
        ready = self._ready()
        known, ready_ids = set(self._open.values()), {str(t.id) for t in ready}
        expected.created = [t for t in ready if str(t.id) not in known]
        expected.withdrawn = [rid for rid in self._open.values() if rid not in ready_ids]
        expected.completed = self._workflow.is_completed()
        if expected.completed:
            self._data = json.loads(json.dumps(self._workflow.data, default=str))
        return expected

    def _ready(self) -> list[Any]:
        return list(self._workflow.get_tasks(state=TaskState.READY, manual=True))

    # -- outputs --------------------------------------------------------------------------------

    def _compare(self, segment: _Segment, expected: _Expected) -> None:
        cause = segment.inputs[0]
        by_kind: dict[str, list[_Recorded]] = {}
        for item in segment.outputs:
            by_kind.setdefault(item.kind, []).append(item)
        self._compare_decisions(cause, expected.decisions, by_kind.get("gateway_decided", []))
        self._compare_created(cause, expected.created, by_kind.get("task_created", []))
        self._compare_withdrawn(cause, expected.withdrawn, by_kind.get("task_cancelled", []))
        completions = by_kind.get("instance_completed", [])
        if expected.completed != bool(completions):
            where = completions[0] if completions else (segment.outputs or segment.inputs)[-1]
            raise self._diverged(where, "the case to end here" if expected.completed else "the case to go on",
                                 "instance_completed" if completions else "no end")

    def _compare_decisions(self, cause: _Recorded, expected: list[tuple[str, str | None, str]],
                           recorded: list[_Recorded]) -> None:
        for index in range(max(len(expected), len(recorded))):
            want = expected[index] if index < len(expected) else None
            got = recorded[index] if index < len(recorded) else None
            found = (got.payload.get("gateway"), got.payload.get("flow"), got.payload.get("target")) if got else None
            if want != found:
                raise self._diverged(got or cause, self._decision_text(want), self._decision_text(found))

    def _decision_text(self, decision: tuple[str, str, str] | tuple[Any, ...] | None) -> str:
        if decision is None:
            return "no gateway decision"
        gateway, flow, target = decision
        question = self._definition.gateways.get(gateway, "")
        answer = next((name for (source, _t), (fid, name) in self._definition.flows.items()
                       if source == gateway and fid == flow), "")
        return f"gateway '{gateway}' ({question}) → {answer or '?'} via flow '{flow}' to '{target}'"

    def _compare_created(self, cause: _Recorded, expected: list[Any], recorded: list[_Recorded]) -> None:
        want = Counter(t.task_spec.bpmn_id for t in expected)
        found = Counter(str(r.payload.get("element_id")) for r in recorded)
        if want != found:
            where = next((r for r in recorded if want[str(r.payload.get("element_id"))] == 0), None) or cause
            raise self._diverged(where, f"new tasks {_names(want)} after step {cause.step}",
                                 f"new tasks {_names(found)}")
        pool = list(expected)
        for item in recorded:
            task = next(t for t in pool if t.task_spec.bpmn_id == item.payload.get("element_id"))
            pool.remove(task)
            self._open[item.payload["task_id"]] = str(task.id)

    def _compare_withdrawn(self, cause: _Recorded, expected: list[str], recorded: list[_Recorded]) -> None:
        by_replay = {rid: recorded_id for recorded_id, rid in self._open.items()}
        want = sorted(by_replay[rid] for rid in expected)
        found = sorted(str(r.payload.get("task_id")) for r in recorded)
        if want != found:
            raise self._diverged(recorded[0] if recorded else cause, f"withdrawn tasks {want or 'none'}",
                                 f"withdrawn tasks {found or 'none'}")
        for recorded_id in found:
            self._open.pop(recorded_id, None)

    def _compare_data(self) -> None:
        stored = json.loads(self._instance.data_json or "{}")
        if stored == self._data:
            return
        keys = sorted(k for k in set(stored) | set(self._data) if stored.get(k) != self._data.get(k))
        shown = "; ".join(f"{k}: {json.dumps(self._data.get(k), ensure_ascii=False)[:60]}" for k in keys[:5])
        found = "; ".join(f"{k}: {json.dumps(stored.get(k), ensure_ascii=False)[:60]}" for k in keys[:5])
        last = self._recorded[-1]
        raise _Diverged(Divergence(last.step, None, None, "case data",
                                   f"final case data {shown}", f"stored case data {found}"))

    @staticmethod
    def _diverged(item: _Recorded, expected: str, found: str) -> _Diverged:
        return _Diverged(Divergence(item.step, item.event.id, item.event.seq, item.kind, expected, found))


def _names(counts: Counter[str]) -> str:
    return "[" + ", ".join(f"{k}×{n}" if n > 1 else k for k, n in sorted(counts.items())) + "]" if counts else "none"
