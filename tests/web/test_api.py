"""The JSON API: bearer tokens, the same actions as the pages, JSON errors, the OpenAPI document."""
from __future__ import annotations

import io
import re

import pytest
from web_helpers import PDF, gjr_01_data, open_task, start_network_case

from engine.accounts.tokens import TokenService


@pytest.fixture
def token(alur):
    def issue(username: str) -> dict[str, str]:
        secret = TokenService(alur.sessions, alur.users).issue(username, "uji", actor=username).token
        return {"Authorization": f"Bearer {secret}"}
    return issue


def test_missing_malformed_unknown_or_revoked_token_is_401(alur, client, token):
    assert client.get("/api/v1/inbox").status_code == 401
    for header in ("Bearer", "Basic dXNlcjpwYXNz", "Bearer alur_bukan-token", "Token abc"):
        response = client.get("/api/v1/inbox", headers={"Authorization": header})
        assert response.status_code == 401, header
        assert response.json["error"]["code"] == "unauthorized"
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    headers = token("pengelola_ti")
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    alur.users.set_active("pengelola_ti", False)
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_token_check_follows_revocation_roles_and_the_owner_and_records_use_once_a_minute(alur, clock):
    tokens = TokenService(alur.sessions, alur.users, clock)
    issued = tokens.issue("pengelola_ti", "uji", actor="pengelola_ti")
    user = tokens.authenticate(issued.token).user
    assert (user.username, user.roles) == ("pengelola_ti", alur.users.get("pengelola_ti").roles)
    for wrong in (issued.token + "x", issued.token[:-1], issued.token.removeprefix("alur_"), ""):
        assert tokens.authenticate(wrong) is None, wrong
    first_use = clock()
    clock.advance(seconds=50)
    tokens.authenticate(issued.token)
    assert tokens.list_tokens("pengelola_ti")[0].last_used_at == first_use  # within the minute: no write
    clock.advance(seconds=20)
    tokens.authenticate(issued.token)
    assert tokens.list_tokens("pengelola_ti")[0].last_used_at == clock()
    alur.users.set_roles("pengelola_ti", {"pemeriksa_ti"})
    assert tokens.authenticate(issued.token).user.roles == {"pemeriksa_ti"}
    alur.users.set_roles("pengelola_ti", set())
    assert tokens.authenticate(issued.token).user.roles == frozenset()  # no roles is still the owner
    alur.users.set_active("pengelola_ti", False)
    assert tokens.authenticate(issued.token) is None
    alur.users.set_active("pengelola_ti", True)
    tokens.revoke("pengelola_ti", issued.token_id, actor="pengelola_ti")
    assert tokens.authenticate(issued.token) is None


def test_session_cookie_does_not_authenticate_the_api(client):
    client.post("/masuk", data={"username": "pengelola_ti", "password": "demo-pengelola_ti"})
    assert client.get("/api/v1/inbox").status_code == 401


def test_start_case_complete_tasks_and_read_the_case(alur, client, token):
    user = token("pengguna_jaringan")
    response = client.post("/api/v1/cases", json={"process_key": "sop_gangguan_jaringan", "business_key": "9/9"},
                           headers=user)
    assert response.status_code == 201 and response.headers["Location"] == "/api/v1/cases/1"
    case = response.json["instance_id"]
    inbox = client.get("/api/v1/inbox?tab=mine", headers=user).json
    assert inbox["total"] == 1 and inbox["counts"]["mine"] == 1
    task = inbox["items"][0]
    assert task["element_id"] == "gjr_01" and task["working_minutes_left"] == 16 * 60
    detail = client.get(f"/api/v1/tasks/{task['task_id']}", headers=user).json
    assert detail["form"]["title"] and detail["step"]["mutu_baku"]["langkah"] == "GJR-01" and detail["can_act"]
    document = client.post("/api/v1/documents", headers=user, content_type="multipart/form-data",
                           data={"file": (io.BytesIO(PDF), "surat.pdf"), "accept": ".pdf"})
    assert document.status_code == 201
    data = gjr_01_data(alur) | {"dokumen_surat_permohonan": document.json["sha256"]}
    invalid = client.post(f"/api/v1/tasks/{task['task_id']}/complete", headers=user,
                          json={"data": {**data, "urgensi": "kapan-kapan"}, "expected_version": task["version"]})
    assert invalid.status_code == 422
    assert invalid.json["error"]["code"] == "form_invalid" and invalid.json["error"]["errors"]["urgensi"]
    stale = client.post(f"/api/v1/tasks/{task['task_id']}/complete", headers=user,
                        json={"data": data, "expected_version": task["version"] + 5})
    assert stale.status_code == 409 and stale.json["error"]["code"] == "concurrent_update"
    done = client.post(f"/api/v1/tasks/{task['task_id']}/complete", headers=user,
                       json={"data": data, "expected_version": task["version"]})
    assert done.status_code == 200 and done.json["status"] == "running" and len(done.json["ready_task_ids"]) == 1
    again = client.post(f"/api/v1/tasks/{task['task_id']}/complete", headers=user, json={"data": data})
    assert again.status_code == 409 and again.json["error"]["code"] == "task_not_open"
    view = client.get(f"/api/v1/cases/{case}", headers=user).json
    assert view["view"] == "requester" and "marks" not in view and "steps" not in view  # status and outcome only
    assert view["documents"][0]["filename"] == "surat.pdf"  # the letter the requester sent
    staff = client.get(f"/api/v1/cases/{case}", headers=token("kasubag_tu")).json
    assert staff["view"] == "full" and staff["marks"] == {"gjr_01": "done", "gjr_02a": "active"}


def test_claim_unclaim_and_role_checks(alur, client, token):
    case = start_network_case(alur)
    alur.runner.complete_task(open_task(alur, case).task_id, "pengguna_jaringan", gjr_01_data(alur))
    task = open_task(alur, case, "gjr_02a")
    tu, other = token("kasubag_tu"), token("pengelola_ti")
    assert client.post(f"/api/v1/tasks/{task.task_id}/claim", headers=other).status_code == 403
    assert client.get(f"/api/v1/tasks/{task.task_id}", headers=other).status_code == 403
    claimed = client.post(f"/api/v1/tasks/{task.task_id}/claim", headers=tu)
    assert claimed.status_code == 200 and claimed.json["assignee"] == "kasubag_tu"
    released = client.post(f"/api/v1/tasks/{task.task_id}/unclaim", headers=tu)
    assert released.json["state"] == "ready"
    assert client.get("/api/v1/tasks/nope", headers=tu).status_code == 404
    assert client.get("/api/v1/inbox?tab=semua", headers=tu).status_code == 422
    assert client.get("/api/v1/inbox?tab=available&state=ready", headers=tu).json["total"] == 1


def test_bad_requests_are_json(client, token):
    user = token("pengguna_jaringan")
    response = client.post("/api/v1/cases", data="bukan json", headers=user, content_type="application/json")
    assert response.status_code == 422 and response.json["error"]["code"] == "invalid_input"
    assert client.post("/api/v1/cases", json={"process_key": "tidak_ada"}, headers=user).status_code == 404
    assert client.post("/api/v1/cases", json={"process_key": "sop_backup_restore_db"},
                       headers=user).json["error"]["code"] == "permission_denied"
    assert client.get("/api/v1/tidak-ada", headers=user).json["error"]["code"] == "not_found"
    assert client.delete("/api/v1/inbox", headers=user).status_code == 405
    assert client.post("/api/v1/documents", headers=user, content_type="multipart/form-data",
                       data={"file": (io.BytesIO(b"MZ"), "x.exe")}).status_code == 422
    assert client.post("/api/v1/documents", headers=user, content_type="multipart/form-data",
                       data={}).status_code == 422
    assert client.get("/api/v1/processes", headers=user).json["items"][2]["can_start"] is True
    smuggled = client.post("/api/v1/cases", headers=user, json={
        "process_key": "sop_gangguan_jaringan", "data": {"laporan_selesai": True, "x": "y" * 100}})
    assert smuggled.status_code == 422 and smuggled.json["error"]["code"] == "unknown_variables"
    assert smuggled.json["error"]["variables"] == ["laporan_selesai", "x"]
    assert client.post("/api/v1/cases", headers=user, json={"process_key": "sop_gangguan_jaringan",
                                                            "data": []}).status_code == 422


def test_openapi_document_lists_every_api_route(app, client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    spec = response.json
    assert spec["openapi"].startswith("3.1") and spec["info"]["title"]
    documented = {(path, method.upper()) for path, item in spec["paths"].items() for method in item}
    routed = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/"):
            path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule[len("/api/v1"):])
            routed |= {(path, m) for m in rule.methods - {"HEAD", "OPTIONS"}}
    assert documented == routed
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            assert operation["responses"], (path, method)
            names = {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}
            assert names == set(re.findall(r"{(\w+)}", path)), (path, method)
    _check_refs(spec, spec)


def _check_refs(node, spec):
    """Every $ref points at something that exists."""
    if isinstance(node, dict):
        if "$ref" in node:
            target = spec
            for part in node["$ref"].removeprefix("#/").split("/"):
                target = target[part]
        for value in node.values():
            _check_refs(value, spec)
    elif isinstance(node, list):
        for value in node:
            _check_refs(value, spec)


@pytest.mark.parametrize("key", [{"nomor": 1}, ["045"], 45, "045\x00/1", "045/\ud800", "x" * 201],
                         ids=["object", "list", "number", "nul", "lone-surrogate", "too-long"])
def test_a_business_key_that_is_not_one_line_of_text_is_refused_and_nothing_is_stored(alur, client, token, key):
    from engine.persistence.models import ProcessInstance

    user = token("pengguna_jaringan")
    response = client.post("/api/v1/cases", json={"process_key": "sop_gangguan_jaringan", "business_key": key},
                           headers=user)
    assert response.status_code == 422, response.json
    assert response.json["error"]["code"] == "invalid_input"
    assert response.json["error"]["field"] == "business_key"
    with alur.sessions() as session:
        assert session.query(ProcessInstance).count() == 0


def test_a_business_key_is_kept_on_one_line(alur, client, token):
    response = client.post("/api/v1/cases", headers=token("pengguna_jaringan"), json={
        "process_key": "sop_gangguan_jaringan", "business_key": "  045/12\r\nBcc: x@contoh.test  "})
    assert response.status_code == 201, response.json
    assert alur.queries.case(response.json["instance_id"]).business_key == "045/12 Bcc: x@contoh.test"


def test_to_json_turns_values_into_json_values_the_same_each_time():
    from dataclasses import dataclass
    from datetime import date, datetime, timedelta, timezone

    from web.api import to_json

    class Key(str):
        pass

    @dataclass(frozen=True)
    class Inner:
        at: datetime
        day: date
        worked: timedelta | None

    @dataclass(frozen=True)
    class Outer:
        name: str
        inner: Inner
        tags: frozenset[str]
        ids: tuple[int, ...]
        extra: dict[Key, object]
        done: bool = False

    value = Outer("a", Inner(datetime(2026, 12, 1, 1, 2, tzinfo=timezone.utc), date(2026, 12, 1), timedelta(hours=2)),
                  frozenset({"b", "a"}), (3, 1), {Key("k"): [Inner(datetime(2026, 1, 1), date(2026, 1, 2), None)]})
    expected = {"name": "a", "inner": {"at": "2026-12-01T01:02:00+00:00", "day": "2026-12-01", "worked": 120},
                "tags": ["a", "b"], "ids": [3, 1], "done": False,
                "extra": {"k": [{"at": "2026-01-01T00:00:00", "day": "2026-01-02", "worked": None}]}}
    assert to_json(value) == expected and to_json(value) == expected  # the second time from the kept fields
    assert to_json(Outer) is Outer  # a dataclass itself is no value to turn
