"""Multi-instance steps with a bounded number of copies: checked at deploy when the count is written
in the model, and when the step starts otherwise (an incident instead of thousands of tasks).

SpiffWorkflow's Camunda multi-instance reads the count (``loopCardinality``) or the collection
(``camunda:collection``) only when the step starts, so the parsed specs get a subclass whose start
checks them first.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.specs.mixins import BpmnSpecMixin
from SpiffWorkflow.camunda.specs.multiinstance_task import (
    ParallelMultiInstanceTask,
    SequentialMultiInstanceTask,
)
from SpiffWorkflow.util.task import TaskState

from engine.errors import ModelBoundExceeded
from engine.modeling.messages import Text

DEFAULT_MAX_INSTANCES = 100


def count_problem(value: object, where: Text, expression: str, most: int) -> Text | None:
    """What is wrong with a multi-instance count (an int, or a collection whose items are the copies)."""
    if isinstance(value, bool) or not isinstance(value, (int, Sequence, Mapping)) or isinstance(value, str):
        return Text.of("loop.not_count", where=where, expression=expression[:80])
    count = value if isinstance(value, int) else len(value)
    if count < 0:
        return Text.of("loop.not_count", where=where, expression=expression[:80])
    if count > most:
        return Text.of("loop.too_many", where=where, count=count, most=most)
    return None


class _BoundedStart:
    """Checks the count or collection before SpiffWorkflow creates the copies."""

    max_instances: int = DEFAULT_MAX_INSTANCES

    def _update_hook(self, my_task: Any) -> Any:
        spec: Any = self
        if my_task.state != TaskState.WAITING:  # as SpiffWorkflow's first update does: the data comes in
            BpmnSpecMixin._update_hook(spec, my_task)
            my_task._set_state(TaskState.WAITING)
        where = Text.of("where.loop", step=str(getattr(spec, "bpmn_name", None) or spec.bpmn_id))
        if spec.cardinality is not None:
            value = my_task.workflow.script_engine.evaluate(my_task, spec.cardinality)
            problem = count_problem(value, where, spec.cardinality, self.max_instances)
        else:
            name = spec.data_output.bpmn_id if spec.data_output is not None else "?"
            if name not in my_task.data:
                problem = Text.of("loop.missing_collection", where=where, field=name)
            elif spec.output_item is None:
                problem = Text.of("loop.no_element", where=where, collection=name)
            else:
                problem = count_problem(my_task.data[name], where, name, self.max_instances)
        if problem is not None:
            error = ModelBoundExceeded(problem.render("id"), text=problem)
            raise WorkflowTaskException(problem.render("en"), task=my_task) from error
        return super()._update_hook(my_task)  # type: ignore[misc]  # SpiffWorkflow is untyped


class BoundedSequentialMultiInstanceTask(_BoundedStart, SequentialMultiInstanceTask):  # type: ignore[misc]
    pass


class BoundedParallelMultiInstanceTask(_BoundedStart, ParallelMultiInstanceTask):  # type: ignore[misc]
    pass


_BOUNDED = {SequentialMultiInstanceTask: BoundedSequentialMultiInstanceTask,
            ParallelMultiInstanceTask: BoundedParallelMultiInstanceTask}


def bound_multi_instances(specs: Mapping[str, Any], most: int) -> None:
    """Give every Camunda multi-instance step of the parsed specs the bounded start."""
    for task_spec in specs.values():
        bounded = _BOUNDED.get(type(task_spec))
        if bounded is not None:
            task_spec.__class__ = bounded
            task_spec.max_instances = most

