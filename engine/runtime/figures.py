"""The management dashboard's aggregates (``engine.reading.sop_figures`` reads them), written by the
step that makes them, in its own transaction: a case's row when it starts and ends, a step's working
time and on-time flag when it is completed, each gateway decision. Working time is computed here once,
so the dashboard never walks the calendar per request.
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, insert, select, update

from engine.modeling.parser import UserTaskMeta
from engine.persistence.compiled import DirectStatement
from engine.persistence.models import CaseFigure, FlowFigure, ProcessInstance, StepFigure
from engine.runtime.case_clock import TaskTimes, wait_interval, waited_step_due
from engine.runtime.unit_of_work import UnitOfWork
from engine.worktime.work_calendar import WorkCalendar

CASES = CaseFigure.__table__
STEPS = StepFigure.__table__
FLOWS = FlowFigure.__table__
_INSTANCES = ProcessInstance.__table__

INSERT_CASE = DirectStatement(insert(CASES), columns=["instance_id", "process_key", "status", "started_at"])
END_CASE = DirectStatement(
    update(CASES).where(CASES.c.instance_id == bindparam("case_id"))
    .values(status=bindparam("status"), ended_at=bindparam("ended_at"), work_seconds=bindparam("work_seconds"),
            on_time=bindparam("on_time")))
INSERT_STEP = DirectStatement(insert(STEPS), columns=[
    "task_id", "instance_id", "process_key", "element_id", "performer", "started_at", "completed_at", "work_seconds",
    "on_time"])
INSERT_FLOWS = DirectStatement(insert(FLOWS), columns=[
    "instance_id", "process_key", "gateway_id", "flow_id", "taken_at"])
CASE_TIMES = DirectStatement(select(_INSTANCES.c.started_at, _INSTANCES.c.due_at)
                             .where(_INSTANCES.c.id == bindparam("instance_id")))


def case_started(work: UnitOfWork, instance_id: int, process_key: str, at: datetime) -> None:
    work.queue_write(INSERT_CASE, {"instance_id": instance_id, "process_key": process_key, "status": "running",
                                   "started_at": at})


def step_work(calendar: WorkCalendar, meta: UserTaskMeta | None, task: TaskTimes,
              due_at: datetime | None) -> tuple[int, bool | None]:
    """A completed step's working time in seconds, a recorded wait on an outside party left out, and
    whether it was done by its due time (None: the step has none)."""
    assert task.completed_at is not None
    waited = timedelta(0)
    if meta is not None and meta.waits is not None:
        begin, end = wait_interval(meta.waits, task)
        waited = calendar.working_time_between(begin, end)
        due_at = waited_step_due(calendar, meta, task)
    worked = calendar.working_time_between(task.created_at, task.completed_at) - waited
    return max(int(worked.total_seconds()), 0), None if due_at is None else task.completed_at <= due_at


def stored_time(value: str | None) -> datetime | None:
    """A UTC column read as text by a direct statement (``engine.persistence.compiled`` does no result
    processing): the stored naive UTC, "2026-11-23 00:30:00[.ffffff]" on every backend."""
    return None if value is None else datetime.fromisoformat(value).replace(tzinfo=UTC)


def step_completed(work: UnitOfWork, calendar: WorkCalendar, meta: UserTaskMeta | None, *, task_id: str,
                   instance_id: int, process_key: str, element_id: str, performer: str, created_at: str,
                   due_at: str | None, at: datetime, data: dict[str, Any]) -> None:
    """The step's row, from its start and due time as its activation stored them (read with the task)."""
    started = stored_time(created_at)
    assert started is not None
    task = TaskTimes(element_id, started, at, data)
    seconds, on_time = step_work(calendar, meta, task, stored_time(due_at))
    work.queue_write(INSERT_STEP, {
        "task_id": task_id, "instance_id": instance_id, "process_key": process_key, "element_id": element_id,
        "performer": performer, "started_at": started, "completed_at": at, "work_seconds": seconds,
        "on_time": on_time})


def step_done_at_once(work: UnitOfWork, *, task_id: str, instance_id: int, process_key: str, element_id: str,
                      performer: str, at: datetime) -> None:
    """A step done in the transaction that opened it (a registrar's registration): no time, on time."""
    work.queue_write(INSERT_STEP, {
        "task_id": task_id, "instance_id": instance_id, "process_key": process_key, "element_id": element_id,
        "performer": performer, "started_at": at, "completed_at": at, "work_seconds": 0, "on_time": True})


def flows_taken(work: UnitOfWork, instance_id: int, process_key: str, decisions: Sequence[dict[str, Any]],
                at: datetime) -> None:
    rows = [{"instance_id": instance_id, "process_key": process_key, "gateway_id": d["gateway"],
             "flow_id": d["flow"], "taken_at": at} for d in decisions if d.get("flow")]
    if rows:
        work.queue_write(INSERT_FLOWS, rows)


def case_work(calendar: WorkCalendar, started_at: datetime, ended_at: datetime,
              due_at: datetime | None) -> tuple[int, bool | None]:
    """A finished case's working time in seconds, and whether it ended by its limit (None: no limit)."""
    seconds = int(calendar.working_time_between(started_at, ended_at).total_seconds())
    return seconds, None if due_at is None else ended_at <= due_at


def case_completed(work: UnitOfWork, calendar: WorkCalendar, instance_id: int, at: datetime,
                   times: tuple[datetime, datetime | None] | None = None) -> None:
    """The case's row, completed: its limit as the step left it (moved by waits, a late start); ``times``
    its start and that limit if known, else read."""
    started_at, due_at = times or CASE_TIMES.first(work.connection, {"instance_id": instance_id})
    seconds, on_time = case_work(calendar, started_at, at, due_at)
    work.queue_write(END_CASE, {"case_id": instance_id, "status": "completed", "ended_at": at,
                                "work_seconds": seconds, "on_time": on_time})


def case_cancelled(work: UnitOfWork, instance_id: int, at: datetime) -> None:
    work.queue_write(END_CASE, {"case_id": instance_id, "status": "cancelled", "ended_at": at,
                                "work_seconds": None, "on_time": None})
