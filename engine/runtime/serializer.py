"""Workflow state <-> JSON without the spec, and pruning of finished history.

The parsed spec is cached per definition version and never stored with an instance. Before each
save, finished tasks above the point where all live tasks meet are dropped: our own tables keep
the history, so the stored state stays the same size however often a Ya/Tidak loop goes round,
and SpiffWorkflow's depth limit (~1000) is never reached.
"""
from __future__ import annotations

import json
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter, WorkflowConverter
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.camunda.serializer.config import CAMUNDA_CONFIG
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState

from engine.modeling.expressions import SAFE_SCRIPT_ENGINE

STATE_FORMAT = "alur-1"


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
    _REGISTRY._encoder_mode = True
    try:
        dct = _REGISTRY.convert(workflow)
    finally:
        _REGISTRY._encoder_mode = False
    dct["format"] = STATE_FORMAT
    return json.dumps(dct, cls=_SERIALIZER._encoder_cls, separators=(",", ":"))


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
