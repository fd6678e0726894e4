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
from typing import Generic, TypeVar

from SpiffWorkflow.bpmn.workflow import BpmnWorkflow

K = TypeVar("K")
V = TypeVar("V")


class Recent(Generic[K, V]):
    """The last ``capacity`` values kept in this process, by key (the least recently kept dropped first),
    for threads to share."""

    def __init__(self, capacity: int) -> None:
        self._capacity = capacity
        self._kept: OrderedDict[K, V] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: K) -> V | None:
        with self._lock:
            return self._kept.get(key)

    def pop(self, key: K) -> V | None:
        with self._lock:
            return self._kept.pop(key, None)

    def keep(self, key: K, value: V) -> None:
        with self._lock:
            self._kept[key] = value
            self._kept.move_to_end(key)
            while len(self._kept) > self._capacity:
                self._kept.popitem(last=False)


class LiveWorkflows:
    def __init__(self, capacity: int = 256) -> None:
        self._kept: Recent[int, tuple[int, BpmnWorkflow]] = Recent(capacity)

    def take(self, instance_id: int, version: int) -> BpmnWorkflow | None:
        """The case's workflow at ``version``, removed from the store; None if not kept at that version."""
        kept = self._kept.pop(instance_id)
        return kept[1] if kept is not None and kept[0] == version else None

    def peek(self, instance_id: int, version: int) -> BpmnWorkflow | None:
        """``take`` without removing it: only to read a guess from (a step running meanwhile may change it)."""
        kept = self._kept.get(instance_id)
        return kept[1] if kept is not None and kept[0] == version else None

    def keep(self, instance_id: int, version: int, workflow: BpmnWorkflow) -> None:
        """Hold the workflow as the case's state at ``version`` (call once that version is committed)."""
        self._kept.keep(instance_id, (version, workflow))

    def forget(self, instance_id: int) -> None:
        self._kept.pop(instance_id)


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
        self._open: Recent[str, OpenTask] = Recent(capacity)

    def get(self, task_id: str) -> OpenTask | None:
        return self._open.get(task_id)

    def keep(self, tasks: list[OpenTask]) -> None:
        """Hold ``tasks`` (call once the step that opened them committed)."""
        for task in tasks:
            self._open.keep(task.id, task)
