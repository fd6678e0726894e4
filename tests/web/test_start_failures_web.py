"""A case whose model fails as it starts, as the starter sees it: a 422 page in the page's language that says
what failed (never SpiffWorkflow's own text), and the API's stable code (engine side:
tests/engine/test_start_failures.py)."""
from __future__ import annotations

import pytest
from alur_testing import deploy_unchecked
from engine_helpers import PASSWORD, alur_with_owners, broken_loop
from web_helpers import build_app, login


@pytest.fixture
def client(db_engine, tmp_path, clock, test_data, monkeypatch):
    alur = alur_with_owners(db_engine, tmp_path, test_data, clock)
    deploy_unchecked(alur, broken_loop(test_data), "uji_loop.bpmn", "pemilik", monkeypatch)
    yield build_app(alur).test_client(), alur
    alur.close()


@pytest.mark.parametrize("language, expected, absent", [
    ("id", "Kasus &#39;Uji loop&#39; tidak dapat dimulai: ekspresi", "could not be started"),
    ("en", "A case of &#39;Uji loop&#39; could not be started: the expression", "tidak dapat dimulai"),
])
def test_the_starter_sees_what_failed_in_the_page_language(client, language, expected, absent):
    web, _alur = client
    login(web, "pengelola", PASSWORD)
    web.get(f"/bahasa/{language}?next=/")
    response = web.post("/kasus/baru", data={"process_key": "uji_loop", "business_key": "UJI/1"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert expected in page and "belum_ada" in page and absent not in page
    assert "Error evaluating" not in page and "NameNotDefined" not in page
    if language == "en":
        assert "The process owners and Admin Sistem have been told" in page and "Pemilik proses" not in page


def test_the_api_answers_with_the_stable_code(client):
    web, alur = client
    token = alur.tokens.issue("pengelola", "uji", actor="pengelola").token
    response = web.post("/api/v1/cases", json={"process_key": "uji_loop"}, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "start_failed" and error["process_key"] == "uji_loop"
    assert "Error evaluating" not in error["message"]
