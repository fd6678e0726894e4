"""Two completions of one task race: exactly one wins, the other gets a conflict, nothing is lost."""
from __future__ import annotations

import threading

from engine_helpers import add_users, ready_task, start_loop_case

from engine.errors import Conflict


def test_two_threads_completing_one_task_yield_one_success(alur, test_data):
    add_users(alur)
    alur.deployer.deploy_file(test_data / "uji_loop.bpmn", "pemilik")
    outcomes: list[str] = []
    for round_no in range(5):
        case = start_loop_case(alur, business_key=f"UJI/{round_no}")
        task = ready_task(alur, case)
        alur.runner.unclaim_task(task.task_id, "pengelola")
        barrier = threading.Barrier(2)
        results: list[str] = []

        def complete(user: str, task_id: str, barrier: threading.Barrier, results: list[str]) -> None:
            barrier.wait()
            try:
                alur.runner.complete_task(task_id, user, {"uraian": user})
                results.append("ok:" + user)
            except Conflict as exc:
                results.append("conflict:" + exc.code)

        threads = [threading.Thread(target=complete, args=(u, task.task_id, barrier, results))
                   for u in ("pengelola", "pengelola2")]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert sum(r.startswith("ok:") for r in results) == 1, results
        assert sum(r.startswith("conflict:") for r in results) == 1, results
        winner = next(r for r in results if r.startswith("ok:"))[3:]
        done = [t for t in alur.queries.case_tasks(case) if t.state == "completed"]
        assert [(t.completed_by, t.data) for t in done] == [(winner, {"uraian": winner})]
        assert ready_task(alur, case).element_id == "periksa"  # exactly one review task was created
        outcomes += results
    assert len(outcomes) == 10
