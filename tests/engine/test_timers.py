"""BPMN timer events: the due time is stored on the instance and the timer fires when woken."""
from __future__ import annotations

from datetime import timedelta

from engine_helpers import add_users, ready_task


def test_boundary_timer_fires_once_due_and_interrupts_the_task(alur, test_data, clock):
    add_users(alur)
    alur.deployer.deploy_file(test_data / "uji_timer.bpmn", "pemilik")
    case = alur.runner.start_case("uji_timer", "pengelola").instance_id
    started = clock()
    with alur.sessions() as session:
        from engine.persistence.models import ProcessInstance
        assert session.get(ProcessInstance, case).next_timer_at == started + timedelta(hours=2)

    clock.advance(hours=1)
    alur.runner.wake_case(case)  # not due yet: nothing changes
    assert ready_task(alur, case).element_id == "isi"

    clock.advance(hours=1, seconds=1)
    alur.runner.wake_case(case)
    task = ready_task(alur, case)
    assert (task.element_id, task.role) == ("eskalasi", "pengawas")
    states = {t.element_id: t.state for t in alur.queries.case_tasks(case)}
    assert states == {"isi": "cancelled", "eskalasi": "ready"}
    kinds = [e.event_type for e in alur.queries.audit_trail(case)]
    assert kinds.count("timer_fired") == 1 and "task_cancelled" in kinds
    with alur.sessions() as session:
        assert session.get(ProcessInstance, case).next_timer_at is None
