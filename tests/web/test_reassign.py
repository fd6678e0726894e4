"""Reassigning a task on the task page and through the API: supervising roles and Admin Sistem only,
to an active holder of the task's role, with a reason that reaches the audit trail and the bell."""
from __future__ import annotations

import pytest
from web_helpers import gjr_01_data, login, open_task, start_network_case, text_of

from engine.accounts.tokens import TokenService


@pytest.fixture
def agenda(alur):
    """A network case waiting at GJR-02a (Kasubag TU); a second Kasubag TU and Admin Sistem exist."""
    alur.users.add_user("kasubag_tu2", "Kasubag Pengganti", "rahasia-uji-123", {"kasubag_tu"})
    case = start_network_case(alur)
    alur.runner.complete_task(open_task(alur, case).task_id, "pengguna_jaringan", gjr_01_data(alur))
    return case, open_task(alur, case, "gjr_02a")


@pytest.fixture
def token(alur):
    def issue(username: str) -> dict[str, str]:
        secret = TokenService(alur.sessions, alur.users).issue(username, "uji", actor=username).token
        return {"Authorization": f"Bearer {secret}"}
    return issue


def test_the_supervisor_reassigns_on_the_task_page(alur, client, agenda):
    case, task = agenda
    login(client, "kepala_dinas")  # supervises Kasubag TU (roles.toml)
    page = text_of(client.get(f"/tugas/{task.task_id}").text)
    assert "Alihkan tugas" in page and "Kasubag Pengganti (kasubag_tu2)" in page
    response = client.post(f"/tugas/{task.task_id}/alihkan", data={"to": "kasubag_tu2", "reason": "TU sedang cuti"},
                           follow_redirects=True)
    assert response.status_code == 200 and "Tugas dialihkan kepada kasubag_tu2." in text_of(response.text)
    moved = open_task(alur, case, "gjr_02a")
    assert (moved.state, moved.assignee) == ("claimed", "kasubag_tu2")
    case_page = text_of(client.get(f"/kasus/{case}").text)
    assert "Tugas dialihkan: Menerima, mengagendakan" in case_page and "(alasan: TU sedang cuti)" in case_page
    [note] = alur.notifications.list("kasubag_tu2")
    assert note.kind == "task_reassigned" and "TU sedang cuti" in note.body


def test_a_missing_reason_or_a_non_holder_is_explained_on_the_task_page(alur, client, agenda):
    case, task = agenda
    login(client, "kepala_dinas")
    for form, message in (({"to": "kasubag_tu2", "reason": " "}, "Alasan pengalihan wajib diisi"),
                          ({"to": "pengelola_ti", "reason": "cuti"}, "tidak memegang peran Kepala Sub Bagian"),
                          ({"reason": "cuti"}, "Pilih pengguna tujuan.")):
        response = client.post(f"/tugas/{task.task_id}/alihkan", data=form, follow_redirects=True)
        assert response.status_code == 200 and message in text_of(response.text), form
        assert open_task(alur, case, "gjr_02a").assignee is None


def test_the_form_is_offered_to_supervisors_only_and_others_are_refused(alur, client, agenda):
    _case, task = agenda
    login(client, "kasubag_tu")  # holds the role, supervises nobody
    assert "Alihkan tugas" not in client.get(f"/tugas/{task.task_id}").text
    refused = client.post(f"/tugas/{task.task_id}/alihkan", data={"to": "kasubag_tu2", "reason": "x"})
    assert refused.status_code == 403 and "atasan" in text_of(refused.text)
    client.post("/keluar")
    login(client, "admin_sistem")  # Admin Sistem may reassign any task
    assert "Alihkan tugas" in client.get(f"/tugas/{task.task_id}").text


def test_reassign_through_the_api(alur, client, agenda, token):
    case, task = agenda
    url = f"/api/v1/tasks/{task.task_id}/reassign"
    kadis = token("kepala_dinas")
    done = client.post(url, headers=kadis, json={"to": "kasubag_tu2", "reason": "cuti tahunan"})
    assert done.status_code == 200
    assert (done.json["assignee"], done.json["state"], done.json["task_id"]) == ("kasubag_tu2", "claimed", task.task_id)
    event = alur.queries.audit_trail(case)[-1]
    assert (event.event_type, event.actor, event.payload["reason"]) == ("task_reassigned", "kepala_dinas",
                                                                      "cuti tahunan")


@pytest.mark.parametrize("who, body, status, code", [
    ("kepala_dinas", {"to": "kasubag_tu2"}, 422, "reason_required"),
    ("kepala_dinas", {"to": "kasubag_tu2", "reason": ""}, 422, "reason_required"),
    ("kepala_dinas", {"to": "pengelola_ti", "reason": "cuti"}, 422, "not_a_role_holder"),
    ("kepala_dinas", {"to": "tidak_ada", "reason": "cuti"}, 422, "not_a_role_holder"),
    ("kepala_dinas", {"to": 7, "reason": "cuti"}, 422, "invalid_input"),
    ("kepala_dinas", {"to": "kasubag_tu2", "reason": ["cuti"]}, 422, "invalid_input"),
    ("kasubag_tu", {"to": "kasubag_tu2", "reason": "cuti"}, 403, "permission_denied"),
    ("pejabat_administrator_tik", {"to": "kasubag_tu2", "reason": "cuti"}, 403, "permission_denied"),
])
def test_api_refusals_have_stable_codes(alur, client, agenda, token, who, body, status, code):
    case, task = agenda
    response = client.post(f"/api/v1/tasks/{task.task_id}/reassign", headers=token(who), json=body)
    assert (response.status_code, response.json["error"]["code"]) == (status, code)
    assert open_task(alur, case, "gjr_02a").assignee is None


def test_api_reassign_of_a_closed_or_unknown_task(alur, client, agenda, token):
    _case, task = agenda
    kadis = token("kepala_dinas")
    assert client.post("/api/v1/tasks/nope/reassign", headers=kadis,
                       json={"to": "kasubag_tu2", "reason": "x"}).json["error"]["code"] == "task_not_found"
    assert client.post(f"/api/v1/tasks/{task.task_id}/reassign", headers=kadis, data="x",
                       content_type="application/json").json["error"]["code"] == "invalid_input"
    alur.runner.cancel_case(task.instance_id, "admin_sistem", "uji")
    closed = client.post(f"/api/v1/tasks/{task.task_id}/reassign", headers=kadis,
                         json={"to": "kasubag_tu2", "reason": "x"})
    assert (closed.status_code, closed.json["error"]["code"]) == (409, "task_not_open")
