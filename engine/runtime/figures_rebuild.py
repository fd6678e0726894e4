"""Fill the dashboard's aggregates for the cases from before them (``alur figures rebuild``, also run by
``alur init`` and ``alur run``): from each case's row, its completed tasks and its gateway decisions on the
audit trail, with the same computations a step makes (``engine.runtime.figures``)."""
from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Connection, bindparam, insert, select
from sqlalchemy.orm import Session, sessionmaker

from engine.modeling.definitions import DefinitionStore
from engine.persistence.models import AuditEvent, CaseFigure, FlowFigure, HumanTask, ProcessInstance, StepFigure
from engine.runtime.case_clock import TaskTimes
from engine.runtime.figures import case_work, step_work
from engine.runtime.unit_of_work import UnitOfWork
from engine.worktime.work_calendar import WorkCalendar

_CASES, _TASKS, _EVENTS = ProcessInstance.__table__, HumanTask.__table__, AuditEvent.__table__
_FIGURES = CaseFigure.__table__

# Cases with no figure row: a case's figures are written in one transaction, so these have none at all.
_MISSING = (select(_CASES.c.id, _CASES.c.definition_id, _CASES.c.process_key, _CASES.c.status, _CASES.c.started_at,
                   _CASES.c.ended_at, _CASES.c.due_at)
            .outerjoin(_FIGURES, _FIGURES.c.instance_id == _CASES.c.id)
            .where(_FIGURES.c.instance_id.is_(None)).order_by(_CASES.c.id).limit(bindparam("batch")))
_DONE = (select(_TASKS.c.id, _TASKS.c.instance_id, _TASKS.c.element_id, _TASKS.c.completed_by, _TASKS.c.created_at,
                _TASKS.c.completed_at, _TASKS.c.due_at, _TASKS.c.data_json)
         .where(_TASKS.c.instance_id.in_(bindparam("ids", expanding=True)), _TASKS.c.state == "completed"))
_DECISIONS = select(_EVENTS.c.instance_id, _EVENTS.c.at, _EVENTS.c.payload_json).where(
    _EVENTS.c.event_type == "gateway_decided", _EVENTS.c.instance_id.in_(bindparam("ids", expanding=True)))


@dataclass(frozen=True)
class Rebuilt:
    cases: int
    steps: int
    flows: int


class FigureRebuilder:
    def __init__(self, sessions: sessionmaker[Session], definitions: DefinitionStore,
                 calendar: Callable[[Connection], WorkCalendar]) -> None:
        self._sessions = sessions
        self._definitions = definitions
        self._calendar = calendar

    def fill_missing(self, batch: int = 500) -> Rebuilt:
        """Write the figures of every case that has none, one transaction per ``batch`` cases. Figures
        only: no audit event, no change to the case."""
        cases = steps = flows = 0
        while True:
            with UnitOfWork.begin(self._sessions) as work:
                connection = work.connection
                missing = connection.execute(_MISSING, {"batch": batch}).all()
                if not missing:
                    return Rebuilt(cases, steps, flows)
                calendar = self._calendar(connection)
                ids = [case.id for case in missing]
                rows = []
                for case in missing:
                    seconds, on_time = case_work(calendar, case.started_at, case.ended_at, case.due_at) \
                        if case.status == "completed" and case.ended_at else (None, None)
                    rows.append({"instance_id": case.id, "process_key": case.process_key, "status": case.status,
                                 "started_at": case.started_at, "ended_at": case.ended_at,
                                 "work_seconds": seconds, "on_time": on_time})
                connection.execute(insert(_FIGURES), rows)
                definition_of = {case.id: case.definition_id for case in missing}
                key_of = {case.id: case.process_key for case in missing}
                step_rows = []
                for task in connection.execute(_DONE, {"ids": ids}):
                    meta = self._definitions.get(work.session, definition_of[task.instance_id])[1].user_tasks.get(
                        task.element_id)
                    data = json.loads(task.data_json) if task.data_json else {}
                    times = TaskTimes(task.element_id, task.created_at, task.completed_at,
                                      data if isinstance(data, dict) else {})
                    seconds, on_time = step_work(calendar, meta, times, task.due_at)
                    step_rows.append({"task_id": task.id, "instance_id": task.instance_id,
                                      "process_key": key_of[task.instance_id], "element_id": task.element_id,
                                      "performer": task.completed_by or "", "started_at": task.created_at,
                                      "completed_at": task.completed_at, "work_seconds": seconds,
                                      "on_time": on_time})
                if step_rows:
                    connection.execute(insert(StepFigure.__table__), step_rows)
                flow_rows = []
                for event in connection.execute(_DECISIONS, {"ids": ids}):
                    decision = json.loads(event.payload_json)
                    if decision.get("flow"):
                        flow_rows.append({"instance_id": event.instance_id, "process_key": key_of[event.instance_id],
                                          "gateway_id": decision.get("gateway") or "", "flow_id": decision["flow"],
                                          "taken_at": event.at})
                if flow_rows:
                    connection.execute(insert(FlowFigure.__table__), flow_rows)
                cases, steps, flows = cases + len(rows), steps + len(step_rows), flows + len(flow_rows)
