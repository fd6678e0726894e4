"""Reading SpiffWorkflow's timer state: next due time, due timer tasks, and an injectable clock."""
from __future__ import annotations

import contextlib
import threading
from datetime import datetime, timezone
from typing import Any

from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState

from engine.worktime.clock import Clock, utcnow


def next_timer_due(workflow: BpmnWorkflow) -> datetime | None:
    """The earliest due time of the timers the instance waits for (aware UTC), or None."""
    found = [_timer_due(event.event_type, event.value) for event in workflow.waiting_events()
             if event.event_type in _TIMER_TYPES and event.value is not None]
    due = [d for d in found if d is not None]
    return min(due) if due else None


def _timer_due(event_type: str, value: Any) -> datetime | None:
    if event_type == "CycleTimerEventDefinition":
        value = value.get("next") if isinstance(value, dict) else None
        if value is None:
            return None
    moment: datetime  # SpiffWorkflow's parsers are untyped
    if event_type == "TimeDateEventDefinition":
        moment = TimerEventDefinition.parse_time_or_duration(value)
    else:
        moment = TimerEventDefinition.get_datetime(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def due_timer_tasks(workflow: BpmnWorkflow, now: datetime) -> list[Any]:
    result = []
    for task in workflow.get_tasks(state=TaskState.WAITING):
        due = timer_task_due(task)
        if due is not None and due <= now:
            result.append(task)
    return result


def timer_task_due(task: Any) -> datetime | None:
    """When a waiting timer task is due (aware UTC); None for a task that is no timer."""
    definition = getattr(task.task_spec, "event_definition", None)
    value = task.internal_data.get("event_value")
    if definition is None or value is None or type(definition).__name__ not in _TIMER_TYPES:
        return None
    return _timer_due(type(definition).__name__, value)


def spiff_clock(clock: Clock, now: datetime) -> Any:
    """What SpiffWorkflow's timers should see as the time: ``now`` frozen for an injected clock; nothing
    to do for the real one."""
    return contextlib.nullcontext() if clock is utcnow else frozen_spiff_clock(now)


class frozen_spiff_clock:
    """Let SpiffWorkflow's timer code see an injected clock (only used when the clock is not real time).

    SpiffWorkflow reads ``datetime.now`` in its timer module; a lock keeps the swap to one thread.
    """

    _lock = threading.Lock()

    def __init__(self, now: datetime) -> None:
        self._now = now
        self._saved: Any = None

    def __enter__(self) -> None:
        import SpiffWorkflow.bpmn.specs.event_definitions.timer as timer_module
        self._lock.acquire()
        saved = self._saved = timer_module.datetime
        now = self._now

        class _Clock(saved):  # type: ignore[misc, valid-type]  # a base known at run time (untyped module)
            @classmethod
            def now(cls, tz: Any = None) -> datetime:
                return now.astimezone(tz) if tz else now.replace(tzinfo=None)

        timer_module.datetime = _Clock

    def __exit__(self, *exc: Any) -> None:
        import SpiffWorkflow.bpmn.specs.event_definitions.timer as timer_module
        timer_module.datetime = self._saved
        self._lock.release()


_TIMER_TYPES = {"TimeDateEventDefinition", "DurationTimerEventDefinition", "CycleTimerEventDefinition"}
