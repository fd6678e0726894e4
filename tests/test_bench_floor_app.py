"""The HTTP rows' floor (bench/floor_app.py): a page of the size asked for, and a JSON POST answered as
the API's completion answers, in shape; anything but a JSON object refused."""
from __future__ import annotations

import importlib

import pytest

from bench import floor_app


def test_the_page_is_exactly_the_size_the_bench_asks_for(monkeypatch):
    monkeypatch.setenv(floor_app.PAGE_BYTES_VARIABLE, "22102")
    try:
        response = importlib.reload(floor_app).app.test_client().get("/page")
    finally:
        monkeypatch.delenv(floor_app.PAGE_BYTES_VARIABLE)
        importlib.reload(floor_app)  # the module as the other tests import it
    assert response.status_code == 200 and response.mimetype == "text/html"
    assert len(response.get_data()) == 22102


@pytest.mark.parametrize("size", [0, 10])
def test_a_page_smaller_than_its_frame_is_the_frame(size):
    assert floor_app.page_body(size) == floor_app.page_body(0) and floor_app.page_body(0).endswith(b"</html>\n")


def test_the_post_reads_the_json_body_and_answers_with_an_object():
    client = floor_app.app.test_client()
    response = client.post("/json", json={"data": {"uraian": "bench"}})
    assert response.status_code == 200
    assert response.get_json() == {"ready_task_ids": ["0f" * 16], "completed": True, "data": {"uraian": "bench"}}


@pytest.mark.parametrize("body", [b"[1, 2]", b"not json", b""])
def test_a_body_that_is_not_a_json_object_is_refused(body):
    response = floor_app.app.test_client().post("/json", data=body, content_type="application/json")
    assert response.status_code == 400
