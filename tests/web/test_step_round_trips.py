"""A step through the web on PostgreSQL (the task page, its form posted with a document) rolls nothing
back: at each ROLLBACK psycopg forgets the statements it prepared on the connection, and the task page's
statement, parsed and planned again, cost four times as much (issue 21). Counted, never timed."""
from __future__ import annotations

import io

from engine_helpers import PASSWORD, ready_task, start_loop_case
from test_round_trips import round_trips
from web_helpers import PDF, build_app




def test_a_step_through_the_web_rolls_nothing_back(pg_alur):
    client = build_app(pg_alur).test_client()
    assert client.post("/masuk", data={"username": "pengelola", "password": PASSWORD}).status_code == 302
    case = start_loop_case(pg_alur)
    task = ready_task(pg_alur, case)
    assert client.get(f"/tugas/{task.task_id}").status_code == 200  # the caches
    with round_trips(pg_alur) as trips:
        assert client.get(f"/tugas/{task.task_id}").status_code == 200
        response = client.post(f"/tugas/{task.task_id}", content_type="multipart/form-data", data={
            "uraian": "Laporan", "dokumen_laporan": (io.BytesIO(PDF), "laporan.pdf"), "expected_version": "1"})
        assert response.status_code in (302, 303), response.text
    sent = [sql for trip in trips for sql in trip]
    assert [sql for sql in sent if "INSERT INTO document_upload" in sql], sent  # the document's upload (in its append)
    assert not [sql for sql in sent if sql.startswith("ROLLBACK")], sent
    assert ready_task(pg_alur, case).element_id == "periksa"
