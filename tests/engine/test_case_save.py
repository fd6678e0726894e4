"""A step's write of its case sets the status and the next timer only when they change.

SQLite rewrites an index page for each indexed column an UPDATE sets, changed or not; so a step that
leaves the case running with the same next timer writes neither (``SAVE_CASE[False, …]``). The rows
must say the same either way: these tests follow a case with a timer and a loop case to their ends.
"""
from __future__ import annotations

from datetime import timedelta

import pytest
from engine_helpers import add_users, ready_task

from engine.persistence.models import ProcessInstance
from engine.runtime.step_statements import SAVE_CASE
from engine.runtime.unit_of_work import UnitOfWork

_VARIANT = {statement: key for key, statement in SAVE_CASE.items()}


@pytest.fixture
def saves(monkeypatch) -> list[tuple[bool, dict]]:
    """Each case save queued: whether it sets the status and the timer, and its parameters."""
    found: list[tuple[bool, dict]] = []
    queue_write = UnitOfWork.queue_write

    def spy(self, statement, params, conflict=None):
        if statement in _VARIANT:
            found.append((_VARIANT[statement][0], dict(params)))
        return queue_write(self, statement, params, conflict)

    monkeypatch.setattr(UnitOfWork, "queue_write", spy)
    return found


def _row(alur, case):
    with alur.sessions() as session:
        row = session.get(ProcessInstance, case)
        return row.status, row.next_timer_at, row.ended_at


def test_steps_of_a_running_case_without_timers_set_neither(alur, test_data, saves):
    add_users(alur)
    alur.deployer.deploy_file(test_data / "uji_loop.bpmn", "pemilik")
    case = alur.runner.start_case("uji_loop", "pengelola", business_key="UJI/001").instance_id
    alur.runner.complete_task(ready_task(alur, case).task_id, "pengelola", {"uraian": "isi"})
    alur.runner.complete_task(ready_task(alur, case).task_id, "pengawas", {"disetujui": False})
    assert [moved for moved, _ in saves] == [False, False, False]
    assert all("status" not in params and "next_timer" not in params for _, params in saves)
    assert _row(alur, case) == ("running", None, None)

    alur.runner.complete_task(ready_task(alur, case).task_id, "pengelola", {"uraian": "lagi"})
    alur.runner.complete_task(ready_task(alur, case).task_id, "pengawas", {"disetujui": True})
    assert saves[-1][0] is True and saves[-1][1]["status"] == "completed"  # the last step ends the case
    status, next_timer, ended_at = _row(alur, case)
    assert (status, next_timer) == ("completed", None) and ended_at is not None


def test_a_timer_set_then_left_as_it_was_then_gone(alur, test_data, clock, saves):
    add_users(alur)
    alur.deployer.deploy_file(test_data / "uji_timer.bpmn", "pemilik")
    case = alur.runner.start_case("uji_timer", "pengelola").instance_id
    due = clock() + timedelta(hours=2)
    assert saves[-1][0] is True and saves[-1][1]["next_timer"] == due  # the start sets the boundary timer
    assert _row(alur, case) == ("running", due, None)

    clock.advance(hours=1)
    alur.runner.wake_case(case)  # not due: nothing written, or the same timer left as it was
    assert all(moved is False for moved, _ in saves[1:])
    assert _row(alur, case) == ("running", due, None)

    alur.runner.complete_task(ready_task(alur, case).task_id, "pengelola", {"uraian": "selesai"})
    assert saves[-1][0] is True and saves[-1][1]["next_timer"] is None  # the task and its timer are done
    status, next_timer, _ = _row(alur, case)
    assert (status, next_timer) == ("completed", None)


def test_a_timer_that_fires_is_cleared_and_the_next_step_leaves_it_so(alur, test_data, clock, saves):
    add_users(alur)
    alur.deployer.deploy_file(test_data / "uji_timer.bpmn", "pemilik")
    case = alur.runner.start_case("uji_timer", "pengelola").instance_id
    clock.advance(hours=2, seconds=1)
    alur.runner.wake_case(case)
    assert saves[-1][0] is True and saves[-1][1]["next_timer"] is None
    assert _row(alur, case) == ("running", None, None)
    task = ready_task(alur, case)
    assert task.element_id == "eskalasi"
    alur.runner.complete_task(task.task_id, "pengawas", {"disetujui": True})
    assert _row(alur, case)[0] == "completed"
