"""A case's workflow kept in memory between steps stands in for the stored state only while it is
that state: another process's step, or a step that failed, makes the engine load from the row."""
from __future__ import annotations

import pytest
from alur_testing import make_settings
from engine_helpers import add_users, ready_task, start_loop_case

import engine.runtime.runner as runner_module
from engine.errors import ExecutionError
from engine.runtime.live_workflows import LiveWorkflows, Recent
from engine.runtime.serializer import load_state
from engine.bootstrap import open_alur


@pytest.fixture
def loop_alur(alur, test_data):
    add_users(alur)
    alur.deployer.deploy_file(test_data / "uji_loop.bpmn", "pemilik")
    return alur


def test_a_step_by_another_process_is_not_overlooked(loop_alur, db_engine, tmp_path, clock, test_data):
    other = open_alur(make_settings(tmp_path / "other", str(db_engine.url), test_data, test_data / "forms"),
                      clock=clock, db=db_engine)
    case = start_loop_case(loop_alur)
    loop_alur.runner.complete_task(ready_task(loop_alur, case).task_id, "pengelola", {"uraian": "pertama"})
    # This process now holds the case at the state where 'periksa' waits; the other one moves it on.
    other.runner.complete_task(ready_task(other, case).task_id, "pengawas", {"disetujui": False})
    again = ready_task(loop_alur, case)
    assert again.element_id == "isi"
    loop_alur.runner.complete_task(again.task_id, "pengelola", {"uraian": "kedua"})
    review = ready_task(loop_alur, case)
    assert review.element_id == "periksa"
    loop_alur.runner.complete_task(review.task_id, "pengawas", {"disetujui": True})
    assert loop_alur.queries.case(case).status == "completed"


def test_a_failed_step_leaves_nothing_of_itself_in_memory(loop_alur, monkeypatch):
    case = start_loop_case(loop_alur)
    task = ready_task(loop_alur, case)
    runner = loop_alur.runner
    original = runner._run_engine

    def failing(*args, **kwargs):
        raise ExecutionError("gagal di tengah langkah")

    # The task is completed in the workflow, then the step fails and rolls back.
    monkeypatch.setattr(runner, "_run_engine", failing)
    with pytest.raises(ExecutionError):
        runner.complete_task(task.task_id, "pengelola", {"uraian": "x"})
    monkeypatch.setattr(runner, "_run_engine", original)
    # Were the half-run workflow kept, the task would not be READY there any more.
    runner.complete_task(task.task_id, "pengelola", {"uraian": "x"})
    assert ready_task(loop_alur, case).element_id == "periksa"


def test_the_kept_state_steps_as_the_stored_one(loop_alur, monkeypatch):
    """A case stepped on its kept workflow records exactly what one loaded from the row each step does."""
    loads = []
    monkeypatch.setattr(runner_module, "load_state", lambda *a: loads.append(a) or load_state(*a))

    def walk(business_key: str) -> list[tuple[str, str, str]]:
        case = start_loop_case(loop_alur, business_key=business_key)
        for n in range(3):
            loop_alur.runner.complete_task(ready_task(loop_alur, case).task_id, "pengelola", {"uraian": f"u{n}"})
            loop_alur.runner.complete_task(ready_task(loop_alur, case).task_id, "pengawas", {"disetujui": n == 2})
        return [(e.event_type, e.payload.get("name", ""), e.payload.get("answer", ""))
                for e in loop_alur.queries.audit_trail(case)]

    kept = walk("A")
    assert loads == []  # every step ran on the workflow kept by the step before
    loop_alur.runner._live = LiveWorkflows(capacity=0)
    loaded = walk("B")
    assert len(loads) == 6
    assert kept == loaded
    assert ("gateway_decided", "", "Ya") in kept


def test_completing_a_task_builds_no_orm_session(loop_alur, monkeypatch):
    """The hot path runs prebuilt statements on the connection; a claim (ORM) still gets its Session."""
    import engine.runtime.unit_of_work as transaction

    built = []
    real = transaction.Session
    monkeypatch.setattr(transaction, "Session", lambda *a, **k: built.append(1) or real(*a, **k))
    case = start_loop_case(loop_alur)
    built.clear()
    loop_alur.runner.complete_task(ready_task(loop_alur, case).task_id, "pengelola", {"uraian": "x"})
    assert built == []
    review = ready_task(loop_alur, case)
    loop_alur.runner.claim_task(review.task_id, "pengawas")
    assert built == [1]
    assert loop_alur.queries.task(review.task_id).assignee == "pengawas"


def test_recent_drops_the_least_recently_kept_first():
    recent: Recent[str, int] = Recent(2)
    recent.keep("a", 1)
    recent.keep("b", 2)
    recent.keep("a", 3)  # kept again: now the most recent
    recent.keep("c", 4)
    assert (recent.get("a"), recent.get("b"), recent.get("c")) == (3, None, 4)
    assert recent.pop("a") == 3 and recent.pop("a") is None and recent.get("c") == 4
