"""``Queries.task`` reads the row by a prebuilt statement outside a transaction on PostgreSQL: the same
view the ORM row gave, aware UTC times included."""
from __future__ import annotations

import pytest
from engine_helpers import add_users, ready_task, start_loop_case

from engine.errors import TaskNotFound
from engine.persistence.rows import task_row
from engine.reading.queries import task_view


def test_a_task_reads_as_the_orm_row_reads(alur, test_data):
    add_users(alur)
    alur.deployer.deploy_file(test_data / "uji_loop.bpmn", "pemilik")
    case = start_loop_case(alur)
    first = ready_task(alur, case)
    alur.runner.claim_task(first.task_id, "pengelola")
    alur.runner.complete_task(first.task_id, "pengelola", {"uraian": "isi"})
    for task_id in (first.task_id, ready_task(alur, case).task_id):
        with alur.sessions() as session:
            expected = task_view(task_row(session, task_id), with_data=True)
        found = alur.queries.task(task_id)
        assert found == expected
        assert found.created_at.tzinfo is not None
    assert alur.queries.task(first.task_id).data == {"uraian": "isi"}
    with pytest.raises(TaskNotFound):
        alur.queries.task("00000000-0000-0000-0000-000000000000")
