""""Uji jalan": run a model in memory, with SpiffWorkflow as a case runs, on every path before it is deployed.

Each step is completed with form data made from its form (``engine.modeling.trial_data``): every value of
the fields the model's decisions read, so each branch is taken; a loop is taken once and twice (a step
runs at most ``MAX_PASSES`` times on a path). Timers fire when nothing else can move the case, and a
step with a timer on its border is also tried with the timer firing first. Every state passes through
the stored-state serializer, as between two requests of a real case.

A path that cannot finish (an expression that fails on data a form allows, a decision with no flow to
take, a case left waiting for nothing) is reported with the step where it stops, in words; the deploy
refuses such a model.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Callable, Iterator

from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.util.task import TaskState

from engine.errors import EngineError
from engine.modeling.dataflow import expression_uses
from engine.modeling.forms import FormRegistry
from engine.modeling.messages import Text
from engine.modeling.parser import NS, DefinitionParser, ParsedDefinition
from engine.modeling.performers import element_labels
from engine.modeling.trial_data import ReadFields, sample_submissions
from engine.runtime.incidents import failure_words
from engine.runtime.serializer import dump_state, load_state, new_workflow
from engine.runtime.spiff_timers import frozen_spiff_clock, timer_task_due
from engine.worktime.clock import Clock, utcnow
from engine.worktime.work_calendar import WorkCalendar

MAX_PASSES = 3  # a step on one path: its first pass, and a loop back to it once and twice
MAX_STATES = 3000  # states explored in all: the bound of a model with very many paths
MAX_PATHS = 200


@dataclass(frozen=True)
class TrialStep:
    kind: str  # "task", "decision" (an exclusive gateway's answer), "timer" (a timer that fired)
    element_id: str
    name: str
    role: str = ""  # the step's role key
    waktu: str = ""  # the step's time as the SOP writes it
    waktu_iso: str = ""
    due_at: datetime | None = None  # if the case started at the trial's start and every step took its full time
    answers: tuple[tuple[str, object], ...] = ()  # (field title, value; None: left empty) of the fields decisions read
    performer_field: str = ""  # the step goes to the person named in this field (disposisi)
    question: str = ""  # a decision: the gateway's question (its name)
    flow_id: str = ""  # a decision: the flow taken (``name`` is its name, e.g. "Ya")


@dataclass(frozen=True)
class TrialPath:
    steps: tuple[TrialStep, ...]
    finished: bool
    problem: Text | None = None  # why the path cannot finish
    element_id: str | None = None  # where it stops
    detail: str = ""  # the engine's own text, for the details

    @property
    def key(self) -> tuple[tuple[str, str, str], ...]:
        return tuple((s.kind, s.element_id, s.name if s.kind == "decision" else "") for s in self.steps)

    @property
    def loops(self) -> int:
        """How often the path comes back to a step it already passed."""
        counts = Counter(s.element_id for s in self.steps if s.kind == "task")
        return sum(n - 1 for n in counts.values())


@dataclass(frozen=True)
class TrialReport:
    process_key: str
    started_at: datetime
    paths: tuple[TrialPath, ...]
    cut_at_loop_bound: int  # continuations not followed: a step would run a fourth time
    notes: tuple[Text, ...] = ()  # what the trial could not try (too many paths, data no form allows)

    @property
    def stranded(self) -> tuple[TrialPath, ...]:
        return tuple(p for p in self.paths if not p.finished)

    @property
    def ok(self) -> bool:
        return not self.stranded and any(p.finished for p in self.paths)

    def problems(self) -> list[tuple[str | None, Text]]:
        """Each stranded path (and a model with no finishing path) as (element id, words) for the deploy."""
        found: list[tuple[str | None, Text]] = []
        for number, path in enumerate(self.paths, start=1):
            if not path.finished and path.problem is not None:
                found.append((path.element_id, Text.of("trial.stranded", number=number, why=path.problem)))
        if not found and not any(p.finished for p in self.paths):
            found.append((None, Text.of("trial.never_ends", passes=MAX_PASSES)))
        return found


@dataclass
class _State:
    state_json: str
    steps: list[TrialStep]
    passes: Counter[str]
    now: datetime
    answers_seen: dict[str, Any] = field(default_factory=dict)


class TrialRun:
    """Runs models in memory; holds what every trial needs: the parser (and its forms), the working calendar
    (read when a trial starts) and the clock (a trial's case starts now)."""

    def __init__(self, parser: DefinitionParser, calendar: Callable[[], WorkCalendar], clock: Clock = utcnow) -> None:
        self._parser = parser
        self._calendar = calendar
        self._clock = clock

    def run(self, content: bytes, process_key: str, forms: dict[str, dict[str, Any]] | None = None) -> TrialReport:
        """Every path of the model (which must pass the deploy checks), as if a case started now; ``forms``:
        the model's forms not stored yet.

        :raises DeploymentError: the model does not pass the deploy checks
        """
        return self.run_from(content, process_key, self._calendar(), self._clock(), forms)

    def run_from(self, content: bytes, process_key: str, calendar: WorkCalendar, start: datetime,
                 forms: dict[str, dict[str, Any]] | None = None) -> TrialReport:
        """:meth:`run` from ``start`` on ``calendar``."""
        filename = f"{process_key}.bpmn"
        parser = self._parser.with_forms(forms)
        definition = parser.parse(content, filename, process_key)
        process = parser.single_process(parser.load_xml(content, filename), filename, process_key)
        label = element_labels(process)
        read = ReadFields.of([use.expression for use in expression_uses(process, label)])
        gateways = {g.get("id", "") for g in process.iterfind(".//bpmn:exclusiveGateway", NS)}
        return _Explorer(definition, parser.forms, read, gateways, calendar, start).explore()


class _Explorer:
    def __init__(self, definition: ParsedDefinition, forms: FormRegistry, read: ReadFields, gateways: set[str],
                 calendar: WorkCalendar, start: datetime) -> None:
        self.definition, self.forms, self.read = definition, forms, read
        self.gateways, self.calendar, self.start = gateways, calendar, start
        self.paths: dict[tuple[tuple[str, str, str], ...], TrialPath] = {}
        self.cut = 0
        self.notes: dict[str, Text] = {}
        self.seen: set[tuple[object, ...]] = set()

    def explore(self) -> TrialReport:
        workflow = new_workflow(self.definition.spec, self.definition.subprocess_specs)
        stack: list[_State] = []
        try:
            steps = self._engine_steps(workflow, self.start)
            stack.append(_State(dump_state(workflow), steps, Counter(), self.start))
        except (SpiffWorkflowException, EngineError) as exc:
            self._stop([], None, exc, "")
        explored = 0
        while stack and len(self.paths) < MAX_PATHS:
            explored += 1
            if explored > MAX_STATES:
                self.notes["bound"] = Text.of("trial.bound", paths=len(self.paths))
                break
            stack.extend(reversed(list(self._next_states(stack.pop()))))
        if stack and "bound" not in self.notes:
            self.notes["bound"] = Text.of("trial.bound", paths=len(self.paths))
        ordered = sorted(self.paths.values(), key=lambda p: (not p.finished, p.loops, len(p.steps)))
        return TrialReport(self.definition.process_key, self.start, tuple(ordered), self.cut,
                           tuple(self.notes.values()))

    # -- one state: its continuations -------------------------------------------------------------------

    def _next_states(self, state: _State) -> Iterator[_State]:
        workflow = load_state(state.state_json, self.definition.spec, self.definition.subprocess_specs)
        if workflow.is_completed():
            self._record(TrialPath(tuple(state.steps), True))
            return
        ready = workflow.get_tasks(state=TaskState.READY, manual=True)
        if not ready:
            yield from self._fire_timers(workflow, state, None)
            return
        task = ready[0]
        element_id = task.task_spec.bpmn_id
        if state.passes[element_id] >= MAX_PASSES:
            self.cut += 1
            return
        meta = self.definition.user_tasks.get(element_id)
        if meta is None:  # a manual task that is not a user task (a manual task): done with no data
            submissions: list[dict[str, Any]] = [{}]
        else:
            submissions, too_many = sample_submissions(self.forms.get(meta.form_key), self.read, state.now)
            if too_many:
                self.notes.setdefault(f"many:{element_id}", Text.of("trial.many_values", step=meta.name))
            if not submissions:
                self.notes.setdefault(f"data:{element_id}", Text.of("trial.no_data", step=meta.name,
                                                                    form=meta.form_key))
                return
        for data in submissions:
            yield from self._complete(state, task.id, element_id, data)
        if any(self._timer_on(t, task) for t in workflow.get_tasks(state=TaskState.WAITING)):
            yield from self._fire_timers(workflow, state, task)

    def _complete(self, state: _State, task_id: Any, element_id: str, data: dict[str, Any]) -> Iterator[_State]:
        workflow = load_state(state.state_json, self.definition.spec, self.definition.subprocess_specs)
        task = workflow.get_task_from_id(task_id)
        step = self._task_step(element_id, data, state.now)
        steps = [*state.steps, step]
        now = step.due_at or state.now
        try:
            task.data.update(data)
            with frozen_spiff_clock(now):
                task.run()
            steps += self._engine_steps(workflow, now)
        except (SpiffWorkflowException, EngineError) as exc:
            self._stop(steps, step, exc, step.name)
            return
        passes = Counter(state.passes)
        passes[element_id] += 1
        key = (tuple(s.element_id for s in steps), tuple(sorted(passes.items())),
               tuple(sorted((k, repr(v)) for k, v in _case_data(workflow).items() if k in self.read)))
        if key in self.seen:
            return
        self.seen.add(key)
        yield _State(dump_state(workflow), steps, passes, now)

    def _fire_timers(self, workflow: BpmnWorkflow, state: _State, on_task: Any) -> Iterator[_State]:
        """Let time pass to the next timer (the next on ``on_task``'s border, when given) and run on."""
        waiting = [(due, t) for t in workflow.get_tasks(state=TaskState.WAITING)
                   if (due := timer_task_due(t)) is not None and (on_task is None or self._timer_on(t, on_task))]
        if not waiting:
            if on_task is None:
                last = next((s for s in reversed(state.steps) if s.kind != "decision"), None)
                self._record(TrialPath(tuple(state.steps), False, Text.of(
                    "trial.waits_for_nothing", step=last.name if last else "-"), last.element_id if last else None))
            return
        due, timer = min(waiting, key=lambda pair: pair[0])
        now = max(due, state.now)
        element_id = timer.task_spec.bpmn_id
        passes = Counter(state.passes)
        passes[element_id] += 1
        if passes[element_id] > MAX_PASSES:
            self.cut += 1
            return
        step = TrialStep("timer", element_id, timer.task_spec.bpmn_name or element_id, due_at=now)
        steps = [*state.steps, step]
        try:
            with frozen_spiff_clock(now + timedelta(seconds=1)):  # SpiffWorkflow fires a timer after its moment
                workflow.refresh_waiting_tasks()
            if timer.has_state(TaskState.WAITING):
                return
            steps += self._engine_steps(workflow, now)
        except (SpiffWorkflowException, EngineError) as exc:
            self._stop(steps, step, exc, step.name)
            return
        yield _State(dump_state(workflow), steps, passes, now)

    @staticmethod
    def _timer_on(waiting: Any, task: Any) -> bool:
        """A timer event waiting on ``task``'s border."""
        spec = waiting.task_spec
        if not type(getattr(spec, "event_definition", None)).__name__.endswith("TimerEventDefinition"):
            return False
        return waiting.parent is not None and waiting.parent is task.parent  # both below the task's boundary split

    # -- words -----------------------------------------------------------------------------------------

    def _engine_steps(self, workflow: BpmnWorkflow, now: datetime) -> list[TrialStep]:
        """Run the engine to its next wait; the decisions it took, as steps."""
        decided: list[TrialStep] = []

        def did_complete(task: Any) -> None:
            spec_id = getattr(task.task_spec, "bpmn_id", None)
            if spec_id not in self.gateways:
                return
            for child in task.children:
                if child.has_state(TaskState.DEFINITE_MASK | TaskState.FINISHED_MASK):
                    target = getattr(child.task_spec, "bpmn_id", None) or child.task_spec.name
                    flow_id, flow_name = self.definition.flows.get((spec_id, target), (None, ""))
                    if len([f for f in self.definition.flows if f[0] == spec_id]) > 1:
                        decided.append(TrialStep("decision", spec_id, flow_name or str(target),
                                                 question=task.task_spec.bpmn_name or spec_id, flow_id=flow_id or ""))
        with frozen_spiff_clock(now):
            workflow.do_engine_steps(did_complete_task=did_complete)
        return decided

    def _task_step(self, element_id: str, data: dict[str, Any], start: datetime) -> TrialStep:
        meta = self.definition.user_tasks.get(element_id)
        if meta is None:
            return TrialStep("task", element_id, element_id)
        properties = self.forms.get(meta.form_key).schema.get("properties", {})
        answers = tuple((str(properties[name].get("title") or name), data.get(name))
                        for name in properties if name in self.read)
        performer = meta.performer.field if meta.performer is not None else ""
        return TrialStep("task", element_id, meta.name, meta.role, meta.mutu_baku.get("waktu", ""), meta.waktu_iso,
                         self.calendar.due(start, meta.waktu_iso), answers, performer)

    def _stop(self, steps: list[TrialStep], step: TrialStep | None, exc: BaseException, step_name: str) -> None:
        why, element_id = _why(exc, step_name or "-")
        self._record(TrialPath(tuple(steps), False, why, element_id or (step.element_id if step else None),
                               f"{type(exc).__name__}: {exc}"))

    def _record(self, path: TrialPath) -> None:
        self.paths.setdefault(path.key, path)


def _case_data(workflow: BpmnWorkflow) -> dict[str, Any]:
    live = workflow.get_tasks(state=TaskState.READY | TaskState.WAITING)
    return dict(live[0].data) if live else dict(workflow.data)


def _why(exc: BaseException, step: str) -> tuple[Text, str | None]:
    """What stopped the path, in words (as an incident would say it), and the element where it stopped."""
    text, failed, _ = failure_words(exc, step, "")
    task = getattr(exc, "task", None)
    spec = task.task_spec if task is not None else getattr(exc, "task_spec", None)
    if text.key == "incident.engine" and type(spec).__name__ == "ExclusiveGateway":
        text = Text.of("trial.no_branch", gateway=str(getattr(spec, "bpmn_name", None) or failed), step=step)
    return text, failed or None
