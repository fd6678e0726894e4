"""A case whose model fails as it starts, as the starter sees it: a 422 page in the page's language that says
what failed (never SpiffWorkflow's own text), and the API's stable code (engine side:
tests/engine/test_start_failures.py)."""
from __future__ import annotations

import shutil

import pytest
from alur_testing import make_settings
from web_helpers import build_app, login

from engine.bootstrap import open_alur
from engine.modeling.parser import DefinitionParser

PASSWORD = "rahasia-uji-123"
BROKEN_FLOW = ('<bpmn:sequenceFlow id="f2" sourceRef="gabung" targetRef="isi">'
               '<bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">${belum_ada == true}'
               '</bpmn:conditionExpression></bpmn:sequenceFlow>')


@pytest.fixture
def client(db_engine, tmp_path, clock, test_data, monkeypatch):
    models = tmp_path / "models"
    shutil.copytree(test_data, models)
    alur = open_alur(make_settings(tmp_path, str(db_engine.url), models, models / "forms"), clock=clock,
                     db=db_engine)
    alur.users.add_user("pengelola", "Pengelola Satu", PASSWORD, {"pengelola_ti"})
    xml = (models / "uji_loop.bpmn").read_text(encoding="utf-8")
    xml = xml.replace('<bpmn:sequenceFlow id="f2" sourceRef="gabung" targetRef="isi"/>', BROKEN_FLOW)
    with monkeypatch.context() as bypass:  # as a model deployed before the check existed
        bypass.setattr(DefinitionParser, "data_flow_problems", lambda self, process, filename: [])
        alur.deployer.deploy_bytes(xml.encode(), "uji_loop.bpmn", "pengelola")
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
