"""Issue 18 finding 10, each as the attack was made: an unclaim answering with another role's task, 403
against 404 telling which case ids exist, a BPMN model rendered as XML in Alur's origin, and a
``Server`` header naming the server software and its version."""
from __future__ import annotations

import threading
import urllib.request

import pytest
from web_helpers import gjr_01_data, login, open_task, start_network_case

from engine.accounts.tokens import TokenService
from web.serve import http_server


@pytest.fixture
def token(alur):
    def issue(username: str) -> dict[str, str]:
        secret = TokenService(alur.sessions, alur.users).issue(username, "uji", actor=username).token
        return {"Authorization": f"Bearer {secret}"}
    return issue


def test_unclaiming_an_unclaimed_task_of_another_role_reveals_nothing(alur, client, token):
    case = start_network_case(alur)
    alur.runner.complete_task(open_task(alur, case).task_id, "pengguna_jaringan", gjr_01_data(alur))
    task = open_task(alur, case, "gjr_02a")  # ready, for the Tata Usaha
    outsider = client.post(f"/api/v1/tasks/{task.task_id}/unclaim", headers=token("pengelola_ti"))
    assert outsider.status_code == 403 and outsider.json["error"]["code"] == "permission_denied"
    assert "gjr_02a" not in outsider.text and "045/1/26" not in outsider.text  # no metadata of the task
    holder = client.post(f"/api/v1/tasks/{task.task_id}/unclaim", headers=token("kasubag_tu"))
    assert holder.status_code == 200 and holder.json["state"] == "ready"  # its own role: a harmless no-op
    assert open_task(alur, case, "gjr_02a").state == "ready"


def test_a_case_one_may_not_read_answers_like_a_case_that_does_not_exist(alur, client, token):
    case = start_network_case(alur)
    missing = case + 1000
    api = token("walidata")
    hidden = client.get(f"/api/v1/cases/{case}", headers=api)
    absent = client.get(f"/api/v1/cases/{missing}", headers=api)
    assert hidden.status_code == absent.status_code == 404
    assert hidden.json["error"]["code"] == absent.json["error"]["code"] == "instance_not_found"
    assert hidden.json["error"]["message"].replace(str(case), "N") == absent.json["error"]["message"].replace(
        str(missing), "N")
    for path in ("comments",):
        assert client.get(f"/api/v1/cases/{case}/{path}", headers=api).status_code == 404
    login(client, "walidata")
    assert client.get(f"/kasus/{case}").status_code == client.get(f"/kasus/{missing}").status_code == 404
    # the refused read is still recorded on the case's chain
    assert any(e.event_type == "attempt_refused" and e.actor == "walidata" for e in alur.queries.audit_trail(case))


def test_a_bpmn_model_is_served_as_text_never_as_xml(alur, client):
    login(client, "pemilik_proses")
    page = client.get("/proses/sop_gangguan_jaringan").text
    url = page.split('data-xml-url="', 1)[1].split('"', 1)[0]
    for address in (url, "/pemodel/sop_gangguan_jaringan/versi/1.bpmn",
                    "/pemodel/sop_gangguan_jaringan/versi/1.bpmn?inline=1"):
        response = client.get(address)
        assert response.status_code == 200 and response.mimetype == "text/plain", address
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert b"<bpmn:definitions" in response.data or b"<definitions" in response.data
    assert client.get(url).headers["Content-Disposition"].startswith("attachment;")


def test_the_server_header_names_no_software_or_version(app):
    server = http_server("127.0.0.1", 0, app)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{server.server_port}/masuk", timeout=10) as response:
            assert response.headers["Server"] == "Alur"
            assert response.headers.get_all("Server") == ["Alur"]
    finally:
        server.shutdown()
        server.server_close()
