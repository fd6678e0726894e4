"""A case that goes round a Ya/Tidak loop 1,000 times still completes (Spiff alone stalls near 1000)."""
from __future__ import annotations

import pytest
from engine_helpers import add_users, ready_task, start_loop_case

from engine.persistence.models import ProcessInstance

# What is asserted here (Spiff stalling near 1,000 passes, finished history pruned from the stored
# state) lives in the runner and the serializer; the SQL of each step runs on both backends in
# test_runner, test_live_workflows and test_concurrency. On PostgreSQL this test cost 5-27 s.
pytestmark = pytest.mark.sqlite_only("the loop's limits live in the runner and serializer, not in SQL")


def test_thousand_passes_complete_with_constant_state_size(alur, test_data):
    add_users(alur)
    alur.deployer.deploy_file(test_data / "uji_loop.bpmn", "pemilik")
    case = start_loop_case(alur)
    sizes = []
    for k in range(1000):
        fill = ready_task(alur, case)
        assert fill.element_id == "isi"
        alur.runner.complete_task(fill.task_id, fill.assignee or "pengelola", {"uraian": f"putaran {k}"})
        review = ready_task(alur, case)
        assert review.element_id == "periksa"
        alur.runner.complete_task(review.task_id, "pengawas", {"disetujui": k == 999})
        if k in (1, 500):
            with alur.sessions() as session:
                sizes.append(len(session.get(ProcessInstance, case).state_json))
    instance = alur.queries.case(case)
    assert instance.status == "completed"
    assert instance.data["uraian"] == "putaran 999"
    assert len(alur.queries.case_tasks(case)) == 2000
    # finished history is pruned from the stored state: pass 500 stores no more than pass 1
    assert sizes[1] <= sizes[0] * 1.05
