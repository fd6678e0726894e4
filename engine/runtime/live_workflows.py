"""Workflows of recently stepped cases, kept in this process between their steps.

The stored state stays the truth. A kept workflow stands in for it only while its version is the
version the step just read from the case row: any other writer (another process, a migration, a
cancel) moves the row's version on, and the state is loaded from the row again. A workflow is
taken out for a step and put back only after that step committed, so what a failed or rolled-back
step did to it is never seen again.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

from SpiffWorkflow.bpmn.workflow import BpmnWorkflow


class LiveWorkflows:
    def __init__(self, capacity: int = 256) -> None:
        self._capacity = capacity
        self._kept: OrderedDict[int, tuple[int, BpmnWorkflow]] = OrderedDict()
        self._lock = threading.Lock()

    def take(self, instance_id: int, version: int) -> BpmnWorkflow | None:
        """The case's workflow at ``version``, removed from the store; None if not kept at that version."""
        with self._lock:
            kept = self._kept.pop(instance_id, None)
        return kept[1] if kept is not None and kept[0] == version else None

    def peek(self, instance_id: int, version: int) -> BpmnWorkflow | None:
        """``take`` without removing it: only to read a guess from (a step running meanwhile may change it)."""
        with self._lock:
            kept = self._kept.get(instance_id)
        return kept[1] if kept is not None and kept[0] == version else None

    def keep(self, instance_id: int, version: int, workflow: BpmnWorkflow) -> None:
        """Hold the workflow as the case's state at ``version`` (call once that version is committed)."""
        with self._lock:
            self._kept[instance_id] = (version, workflow)
            self._kept.move_to_end(instance_id)
            while len(self._kept) > self._capacity:
                self._kept.popitem(last=False)

    def forget(self, instance_id: int) -> None:
        with self._lock:
            self._kept.pop(instance_id, None)


@dataclass(frozen=True)
class OpenTask:
    """A task a step of this process opened (or left open), as its completion will find it: what that
    completion's checks read depends on these only, so they may be read with its task row."""

    id: str
    instance_id: int
    definition_id: int
    element_id: str
    form_key: str
    case_version: int  # the case's version that step wrote


class OpenTasks:
    """The tasks steps of this process left open, by id: a guess, checked against the task row read with
    what was read from it (any other writer may have changed the task or its case since)."""

    def __init__(self, capacity: int = 4096) -> None:
        self._capacity = capacity
        self._open: OrderedDict[str, OpenTask] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, task_id: str) -> OpenTask | None:
        with self._lock:
            return self._open.get(task_id)

    def keep(self, tasks: list[OpenTask]) -> None:
        """Hold ``tasks`` (call once the step that opened them committed)."""
        with self._lock:
            for task in tasks:
                self._open[task.id] = task
                self._open.move_to_end(task.id)
            while len(self._open) > self._capacity:
                self._open.popitem(last=False)
