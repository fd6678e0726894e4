"""Due times from the SOP's time rules (engine.modeling.step_time): shared step times, a case limit
that starts at a later step, and waits on outside parties that stop the clock.

Pure functions over the case's task times; the runner reads the rows and writes the results.
"""
from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from engine.modeling.parser import ParsedDefinition, UserTaskMeta
from engine.modeling.step_time import ExternalWait
from engine.worktime.work_calendar import WorkCalendar


@dataclass(frozen=True)
class TaskTimes:
    """One activation of a step in a case: when it started, ended, and what its form recorded."""

    element_id: str
    created_at: datetime
    completed_at: datetime | None
    data: dict[str, Any] | None

    @classmethod
    def of_row(cls, element_id: str, created_at: datetime, completed_at: datetime | None,
               data_json: str | None) -> TaskTimes:
        return cls(element_id, created_at, completed_at, json.loads(data_json) if data_json else None)


def new_step_due(calendar: WorkCalendar, meta: UserTaskMeta, now: datetime,
                 first_started: datetime | None) -> datetime | None:
    """The due time of a step starting now. A step that shares its SOP time counts from the start of
    the pair's first task (``first_started``); a step that waits on an outside party from its start
    has none while open (its own time begins when they deliver, see :func:`waited_step_due`)."""
    if meta.waits is not None and meta.waits.starts is None:
        return None
    start = first_started if meta.shares_time_with is not None and first_started is not None else now
    return calendar.due(start, meta.waktu_iso)


def wait_interval(wait: ExternalWait, task: TaskTimes) -> tuple[datetime, datetime]:
    """The recorded wait of a completed step, kept within the task's own start and end."""
    assert task.completed_at is not None
    data, ended = task.data or {}, task.completed_at

    def at(field: str | None, default: datetime) -> datetime:
        value = data.get(field) if field is not None else None
        if not isinstance(value, str):
            return default
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return default
        if moment.tzinfo is None:  # the form validated a date-time with an offset; stay safe anyway
            return default
        return min(max(moment, task.created_at), ended)

    start = at(wait.starts, task.created_at)
    return start, max(start, at(wait.ends, ended))


def waited_step_due(calendar: WorkCalendar, meta: UserTaskMeta, task: TaskTimes) -> datetime:
    """A completed waiting step's due time: its own time from its start, moved by the recorded wait."""
    assert meta.waits is not None
    start, end = wait_interval(meta.waits, task)
    return _later(calendar, calendar.due(task.created_at, meta.waktu_iso), calendar.working_time_between(start, end))


def case_deadlines(calendar: WorkCalendar, definition: ParsedDefinition, started_at: datetime,
                   tasks: Iterable[TaskTimes]) -> tuple[datetime | None, datetime | None]:
    """The case's (limit, warning): counted from the clock's start step (else the case start), moved
    by every completed wait on an outside party; none while the clock has not started or is stopped."""
    limit = definition.properties.get("waktu_pelaksanaan_iso")
    warning = definition.properties.get("waktu_peringatan_iso")
    tasks = list(tasks)
    start: datetime | None = started_at
    if definition.clock_start is not None:
        start = min((t.created_at for t in tasks if t.element_id == definition.clock_start), default=None)
    if start is None:
        return None, None
    paused = timedelta(0)
    for task in tasks:
        meta = definition.user_tasks.get(task.element_id)
        if meta is None or meta.waits is None:
            continue
        if task.completed_at is None:
            if meta.waits.starts is None:
                return None, None  # waiting on the outside party right now: the clock stands still
            continue
        begin, end = wait_interval(meta.waits, task)
        begin = max(begin, start)
        if end > begin:
            paused += calendar.working_time_between(begin, end)

    def moved(iso: str | None) -> datetime | None:
        return _later(calendar, calendar.due(start, iso), paused) if iso else None

    return moved(limit), moved(warning)


def _later(calendar: WorkCalendar, due: datetime, paused: timedelta) -> datetime:
    """``due`` moved by ``paused`` working time (unmoved without a pause: a due time at a closing stays)."""
    return calendar.add_working_time(due, paused) if paused else due
