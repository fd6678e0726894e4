"""Workflow state <-> JSON without the spec, and pruning of finished history.

The parsed spec is cached per definition version and never stored with an instance. Before each
save, finished tasks above the point where all live tasks meet are dropped: our own tables keep
the history, so the stored state stays the same size however often a Ya/Tidak loop goes round,
and SpiffWorkflow's depth limit (~1000) is never reached.
"""
from __future__ import annotations

import json
import logging
from types import ModuleType
from typing import Any
from uuid import UUID

import orjson
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter, TaskConverter, WorkflowConverter
from SpiffWorkflow.bpmn.util.subworkflow import BpmnSubWorkflow
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.camunda.serializer.config import CAMUNDA_CONFIG
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState

from engine.modeling.expressions import SAFE_SCRIPT_ENGINE

STATE_FORMAT = "alur-1"
# SpiffWorkflow logs every task's state change at INFO (its loggers have no level of their own): a process
# that logs INFO (the worker, engine.operations.logs) wrote a line per task moved, without its case, among
# its one line per job run. The engine records what happened itself (audit events, job lines); the library's
# warnings and errors still pass.
logging.getLogger("spiff").setLevel(logging.WARNING)


class _StateOnlyConverter(BpmnWorkflowConverter):  # type: ignore[misc]  # SpiffWorkflow is untyped
    """BpmnWorkflow converter that leaves the spec out and takes it back in from the cache."""

    def to_dict(self, workflow: BpmnWorkflow) -> dict[str, Any]:
        dct: dict[str, Any] = WorkflowConverter.to_dict(self, workflow)  # SpiffWorkflow is untyped
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def from_dict(self, dct: dict[str, Any], spec: Any = None,
                  subprocess_specs: dict[str, Any] | None = None) -> BpmnWorkflow:
        workflow = self.target_class(spec, subprocess_specs or {}, deserializing=True)
        workflow.tasks = self.mapping_from_dict(dct["tasks"], UUID, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


_CONFIG = dict(CAMUNDA_CONFIG)
_CONFIG[BpmnWorkflow] = _StateOnlyConverter
_REGISTRY = BpmnWorkflowSerializer.configure(_CONFIG)
_SERIALIZER = BpmnWorkflowSerializer(_REGISTRY)


def new_workflow(spec: Any, subprocess_specs: dict[str, Any]) -> BpmnWorkflow:
    return BpmnWorkflow(spec, subprocess_specs, script_engine=SAFE_SCRIPT_ENGINE)


def dump_state(workflow: BpmnWorkflow) -> str:
    """Prune finished history, then serialize the live state (no spec)."""
    prune_history(workflow)
    dct = _state_dict(workflow)
    if dct is None:
        dct = _generic_state_dict(workflow)
    dct["format"] = STATE_FORMAT
    return encode_state(dct)


def encode_state(dct: dict[str, Any]) -> str:
    """A state's dict as JSON text: by orjson, or by the json module what orjson refuses (a key that is not
    a string, an integer past 64 bits, a value SpiffWorkflow's encoder does not know either)."""
    try:
        return orjson.dumps(dct, default=_ENCODE_OTHER, option=_ORJSON_OPTIONS).decode()
    except orjson.JSONEncodeError:
        return json.dumps(dct, cls=_SERIALIZER._encoder_cls, separators=(",", ":"))


def encode_data(value: Any) -> str:
    """Case or step data as the JSON text of a ``data_json`` column, with what JSON has no type for as its
    text (``str``), as ``json.dumps(value, ensure_ascii=False, default=str)`` writes it, spaced tighter."""
    try:
        return orjson.dumps(value, default=str, option=_DATA_OPTIONS).decode()
    except orjson.JSONEncodeError:
        return json.dumps(value, ensure_ascii=False, default=str)


# Times and dataclasses go to ``str`` as with json (orjson would write them its own way).
_DATA_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS

# The state's JSON by orjson: a tenth of the json module's time (25-60 µs of a step), the same values. What
# is not JSON's own goes to SpiffWorkflow's encoder's ``default``, as with json: datetimes, subclasses of
# str, int, dict and list, and dataclasses are passed to it (orjson would write them its own way). The
# text differs from json's only in spelling: characters beyond ASCII as themselves, not \u escapes, and a
# float as its shortest form. A value json would write as NaN or Infinity, orjson writes as null: the
# data of a case comes from forms and JSON bodies, which refuse such numbers (web.input_guard, web.forms),
# and models run no scripts. A UUID in a case's data (none can come from a form) would be written as its
# text.
_ORJSON_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_SUBCLASS | orjson.OPT_PASSTHROUGH_DATACLASS
_ENCODE_OTHER = _SERIALIZER._encoder_cls().default


def _generic_state_dict(workflow: BpmnWorkflow) -> dict[str, Any]:
    """The state as SpiffWorkflow's registry converts it: the reference the direct writer must equal."""
    _REGISTRY._encoder_mode = True
    try:
        dct: dict[str, Any] = _REGISTRY.convert(workflow)
    finally:
        _REGISTRY._encoder_mode = False
    return dct


# The direct writer below builds, key for key, what the registry in encoder mode builds for a
# workflow, its subprocesses and their tasks (SpiffWorkflow's TaskConverter, WorkflowConverter and
# BpmnSubWorkflowConverter): the registry's per-object dispatch, partials and dict merges cost
# about a sixth of a completion. It only handles the exact classes those converters are registered
# for; anything else (a subclass, a replaced converter) takes the registry's path.
_DIRECT_TYPES = (type(_REGISTRY.convert_to_dict["Task"].args[1].__self__) is TaskConverter
                 and _REGISTRY.typenames.get(Task) == "Task"
                 and _REGISTRY.typenames.get(BpmnWorkflow) == "BpmnWorkflow"
                 and _REGISTRY.typenames.get(BpmnSubWorkflow) == "BpmnSubWorkflow"
                 and dict not in _REGISTRY.typenames)
_UUID_TEXT: dict[int, str] = {}  # str(UUID) by its int: the same task ids are written at every step


def _id_text(uuid: UUID) -> str:
    key = uuid.int
    text = _UUID_TEXT.get(key)
    if text is None:
        if len(_UUID_TEXT) > 100_000:
            _UUID_TEXT.clear()
        text = _UUID_TEXT[key] = str(uuid)
    return text


def _clean(data: dict[str, Any]) -> dict[str, Any]:
    """DefaultRegistry.clean: drop callables and modules from the top level."""
    return {k: v for k, v in data.items() if not callable(v) and not isinstance(v, ModuleType)}


def _state_dict(workflow: BpmnWorkflow) -> dict[str, Any] | None:
    """The registry's dict for the workflow, written directly; None if it holds anything unusual."""
    if not _DIRECT_TYPES or type(workflow) is not BpmnWorkflow:
        return None
    dct = _workflow_dict(workflow)
    if dct is None:
        return None
    subprocesses = {}
    for key, sub in workflow.subprocesses.items():
        if type(sub) is not BpmnSubWorkflow:
            return None
        sub_dct = _workflow_dict(sub)
        if sub_dct is None:
            return None
        sub_dct["parent_task_id"] = str(sub.parent_task_id)
        sub_dct["spec"] = sub.spec.name
        sub_dct["typename"] = "BpmnSubWorkflow"
        subprocesses[str(key)] = sub_dct
    dct["subprocesses"] = subprocesses
    dct["bpmn_events"] = workflow.bpmn_events  # a list: the registry hands it to the JSON encoder as it is
    dct["typename"] = "BpmnWorkflow"
    return dct


def _workflow_dict(workflow: Any) -> dict[str, Any] | None:
    """WorkflowConverter.to_dict in encoder mode."""
    tasks = workflow.tasks
    converted = {}
    for key, task in tasks.items():
        if type(task) is not Task or task.workflow is not workflow:
            return None
        parent_id = task._parent
        parent = tasks.get(parent_id)  # Task.parent
        if parent is None:
            data = task.data
            delta: dict[str, Any] = {}
        else:
            a, b = parent.data, task.data
            data = {}
            delta = {"updates": {k: b[k] for k in b if k not in a or b[k] != a[k]},
                     "deletions": [k for k in a if k not in b]}
        internal = task.internal_data
        if type(internal) is not dict:
            return None
        converted[_id_text(key)] = {
            "id": _id_text(task.id),
            "parent": _id_text(parent_id) if parent is not None else None,
            "children": [_id_text(child) for child in task._children],
            "last_state_change": task.last_state_change,
            "state": task._state,
            "task_spec": task.task_spec.name,
            "triggered": task.triggered,
            "internal_data": _clean(internal),
            "data": data,
            "delta": delta,
            "typename": "Task",
        }
    last_task = workflow.last_task
    if type(workflow.data) is not dict:
        return None
    return {
        "data": _clean(workflow.data),
        "correlations": workflow.correlations,
        "last_task": str(last_task.id) if last_task is not None else None,
        "success": workflow.success,
        "completed": workflow.completed,
        "tasks": converted,
        "root": str(workflow.task_tree.id),
    }


def load_state(state_json: str, spec: Any, subprocess_specs: dict[str, Any]) -> BpmnWorkflow:
    """Restore a workflow with the cached spec; always with the safe script engine attached."""
    dct = json.loads(state_json)
    dct.pop("format", None)
    workflow = _REGISTRY.restore(dct, spec=spec, subprocess_specs=subprocess_specs)
    workflow.script_engine = SAFE_SCRIPT_ENGINE  # the engine is not serialized: re-attach every time
    return workflow


def prune_history(workflow: BpmnWorkflow) -> int:
    """Drop finished tasks above the lowest common ancestor of all unfinished tasks.

    Returns how many tasks were removed. A finished instance is left as it is.
    """
    tasks = workflow.tasks
    # Walk the tree by the ids' ints: a UUID's hash and equality are Python calls, an int's are not.
    by_int = {key.int: task for key, task in tasks.items()}
    live = [t for t in tasks.values() if not t._state & _FINISHED]
    if not live:
        return 0
    root = workflow.task_tree
    meet = _meet(live, by_int)
    if meet is None or meet is root or _parent_of(meet, by_int) is root:
        return 0
    keep = {root.id.int}
    stack = [meet]
    while stack:
        current = stack.pop()
        keep.add(current.id.int)
        stack.extend(child for child in (by_int.get(c.int) for c in current._children) if child is not None)
    removed = [task_id for task_id in tasks if task_id.int not in keep]
    subprocesses = workflow.subprocesses
    for task_id in removed:
        del tasks[task_id]
        if subprocesses:
            subprocesses.pop(task_id, None)
    root._children = [meet.id]
    meet._parent = root.id
    if workflow.last_task is not None and workflow.last_task.id.int not in keep:
        workflow.last_task = meet
    return len(removed)


_FINISHED = int(TaskState.FINISHED_MASK)


def _parent_of(task: Task, by_int: dict[int, Task]) -> Task | None:
    """Task.parent, looked up by the id's int."""
    parent = task._parent
    return by_int.get(parent.int) if parent is not None else None


def _meet(tasks: list[Task], by_int: dict[int, Task]) -> Task | None:
    """The lowest common ancestor of ``tasks`` (a task counts as its own ancestor)."""
    common = _ancestry_of(tasks[0], by_int)  # root first
    depth_of = {task.id.int: depth for depth, task in enumerate(common)}
    length = len(common)
    for task in tasks[1:]:
        current: Task | None = task
        length_here = 0
        while current is not None:
            depth = depth_of.get(current.id.int)
            if depth is not None and depth < length:
                length_here = depth + 1
                break
            current = _parent_of(current, by_int)
        length = length_here
        if length == 0:
            return None
    return common[length - 1]


def _ancestry_of(task: Task, by_int: dict[int, Task]) -> list[Task]:
    chain = []
    current: Task | None = task
    while current is not None:
        chain.append(current)
        current = _parent_of(current, by_int)
    return chain[::-1]


def _prune_history_reference(workflow: BpmnWorkflow) -> int:
    """prune_history as first written, through Task.parent and Task.children: the reference its
    tests compare the faster walk with."""
    live = [t for t in workflow.tasks.values() if not t.has_state(TaskState.FINISHED_MASK)]
    root = workflow.task_tree
    if not live:
        return 0
    meet = _lowest_common_ancestor(live)
    if meet is None or meet is root or meet.parent is root:
        return 0
    keep = {t.id for t in _subtree(meet)} | {root.id}
    removed = [task_id for task_id in workflow.tasks if task_id not in keep]
    for task_id in removed:
        del workflow.tasks[task_id]
        workflow.subprocesses.pop(task_id, None)
    root._children = [meet.id]
    meet._parent = root.id
    if workflow.last_task is not None and workflow.last_task.id not in keep:
        workflow.last_task = meet
    return len(removed)


def _ancestry(task: Task) -> list[Task]:
    chain = []
    while task is not None:
        chain.append(task)
        task = task.parent
    return chain[::-1]


def _lowest_common_ancestor(tasks: list[Task]) -> Task | None:
    common = _ancestry(tasks[0])
    for task in tasks[1:]:
        path = _ancestry(task)
        length = 0
        for a, b in zip(common, path, strict=False):
            if a is not b:
                break
            length += 1
        common = common[:length]
    return common[-1] if common else None


def _subtree(task: Task) -> list[Task]:
    result, stack = [], [task]
    while stack:
        current = stack.pop()
        result.append(current)
        stack.extend(current.children)
    return result
