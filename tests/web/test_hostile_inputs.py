"""Input that once gave a 500 (issue 18, finding 6), sent as an attacker would: each is refused with a
clear status and code, and nothing is stored."""
from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select
from web_helpers import login

from engine.accounts.tokens import TokenService
from engine.persistence.models import AuditEvent, ProcessInstance
from engine import InvalidInput
from web.input_guard import MAX_JSON_DEPTH, check_json_text

NETWORK = "sop_gangguan_jaringan"


@pytest.fixture
def api(alur, client):
    secret = TokenService(alur.sessions, alur.users).issue("pengguna_jaringan", "uji", actor="pengguna_jaringan").token
    headers = {"Authorization": f"Bearer {secret}"}

    def post_raw(body: str):
        return client.post("/api/v1/cases", data=body, headers=headers, content_type="application/json")

    def get(path: str):
        return client.get(path, headers=headers)

    api.post_raw, api.get, api.headers = post_raw, get, headers
    return api


def stored(alur) -> tuple[int, int]:
    with alur.sessions() as session:
        return (session.scalar(select(func.count()).select_from(ProcessInstance)),
                session.scalar(select(func.count()).select_from(AuditEvent)))


@pytest.mark.parametrize("body", [
    '{"process_key": "%s", "data": %s1%s}' % (NETWORK, "[" * 10000, "]" * 10000),
    '{"process_key": "%s", "data": %s1%s}' % (NETWORK, '{"a":' * (MAX_JSON_DEPTH + 1), "}" * (MAX_JSON_DEPTH + 1)),
    '{"process_key": "%s", "data": {"catatan": "a\\u0000b"}}' % NETWORK,
    '{"process_key": "%s", "data": {"a\\ud800": 1}}' % NETWORK,
    '{"process_key": "%s", "business_key": "045\\udfff"}' % NETWORK,
    '{"process_key": "%s", "data": {"x": "%s"}}' % (NETWORK, "y" * (2 * 1024 * 1024)),
    '{"process_key": "%s", "data": {"jumlah": NaN}}' % NETWORK,  # Python's JSON reads these; JSON has none
    '{"process_key": "%s", "data": {"baris": [{"jumlah": -Infinity}]}}' % NETWORK,
    '{"process_key": "%s", "data": {"jumlah": 1e999}}' % NETWORK,  # read as infinity
], ids=["10000-deep", "just-too-deep", "nul", "surrogate-key", "surrogate-value", "over-2MB", "nan", "infinity",
        "overflow"])
def test_hostile_json_is_refused_with_a_code_and_stores_nothing(alur, api, body):
    before = stored(alur)
    response = api.post_raw(body)
    assert response.status_code == 422, response.data[:200]
    assert response.json["error"]["code"] == "invalid_input"
    assert stored(alur) == before


def test_json_inside_the_limits_and_with_brackets_in_strings_is_read(alur, api):
    nested = '{"a":' * (MAX_JSON_DEPTH - 2) + '"[[[[{{{{"' + "}" * (MAX_JSON_DEPTH - 2)
    response = api.post_raw('{"process_key": "%s", "business_key": "045/9", "data": {"n": %s}}' % (NETWORK, nested))
    # read whole and handed to the engine, which takes no start data (a case's data comes through its forms)
    assert response.status_code == 422 and response.json["error"]["code"] == "unknown_variables", response.json
    assert response.json["error"]["variables"] == ["n"]


@pytest.mark.parametrize("path", ["/api/v1/cases/99999999999999999999", "/api/v1/cases/9223372036854775808",
                                  "/api/v1/cases/2147483648"])
def test_an_id_beyond_the_database_integer_is_not_found(api, path):
    response = api.get(path)
    assert response.status_code == 404 and response.json["error"]["code"] == "not_found"


def test_a_page_number_beyond_the_database_integer_is_the_first_page(api, client):
    huge = api.get("/api/v1/inbox?page=99999999999999999999")
    assert huge.status_code == 200 and huge.json["page"] == 1
    login(client, "pengguna_jaringan")
    assert client.get("/kasus?hal=99999999999999999999").status_code == 200
    assert client.get("/kasus/99999999999999999999").status_code == 404


def test_a_nul_in_a_form_field_is_refused_before_any_lookup(alur, client):
    before = stored(alur)
    response = client.post("/masuk", data={"username": "admin\x00", "password": "salah"})
    assert response.status_code == 422
    assert "tidak dapat disimpan" in response.get_data(as_text=True)
    assert stored(alur) == before  # not even a failed-login event with an unstorable name


@pytest.mark.parametrize("path", ["/proses/sop%00", "/pemodel/sop%00/versi", "/admin/pengguna/admin%00",
                                  "/tugas/abc%00def"])
def test_a_nul_in_a_route_segment_is_refused_at_the_door(client, path):
    """PostgreSQL refuses a NUL in text: looked up there, a route's SOP key or username answered 500."""
    login(client, "admin_sistem")
    response = client.get(path)
    assert response.status_code == 422 and "tidak dapat disimpan" in response.get_data(as_text=True)


def test_a_nul_in_an_api_route_segment_is_refused_with_its_code(api):
    response = api.get("/api/v1/tasks/abc%00def")
    assert response.status_code == 422
    assert response.get_json()["error"] == {"code": "invalid_input", "field": "task_id", "message": (
        "Teks memuat karakter yang tidak dapat disimpan (NUL atau surrogate).")}


def test_the_guard_reads_form_bodies_only_and_a_json_body_builds_no_form(app):
    """Only form bodies fill ``request.form``/``files``: a JSON request (the API) skips building them,
    whatever the body; a form body, urlencoded or multipart, is still checked, and so is the query."""
    from flask import request

    from engine import InvalidInput
    from web.input_guard import _refuse_unstorable_parameters

    with app.test_request_context("/api/v1/tasks/x/complete", method="POST", json={"data": {"a": "b"}}):
        _refuse_unstorable_parameters()
        assert "form" not in request.__dict__ and "files" not in request.__dict__
    for content_type, body in (("application/x-www-form-urlencoded", {"a": "b\x00"}),
                               ("multipart/form-data", {"a": "b\x00"}),
                               ("multipart/form-data", {"f": (io.BytesIO(b"x"), "a\x00.pdf")})):
        with app.test_request_context("/masuk", method="POST", content_type=content_type, data=body):
            with pytest.raises(InvalidInput):
                _refuse_unstorable_parameters()
    with app.test_request_context("/api/v1/tasks?q=a%00", method="POST", json={}):
        with pytest.raises(InvalidInput):
            _refuse_unstorable_parameters()


def test_an_upload_with_a_nul_in_its_name_or_a_part_without_a_name_is_answered_not_crashed(alur, api, client):
    before = stored(alur)
    nul = client.post("/api/v1/documents", headers=api.headers, content_type="multipart/form-data",
                      data={"file": (io.BytesIO(b"%PDF-1.4\n%%EOF\n"), "surat\x00.pdf")})
    assert nul.status_code == 422 and nul.json["error"]["code"] == "invalid_input"
    boundary = "batas"
    nameless = (f"--{boundary}\r\nContent-Disposition: form-data\r\n\r\nx\r\n--{boundary}--\r\n").encode()
    answer = client.post("/api/v1/documents", headers=api.headers, data=nameless,
                         content_type=f"multipart/form-data; boundary={boundary}")
    assert answer.status_code == 422 and answer.json["error"]["code"]
    assert stored(alur) == before


def test_an_export_over_every_representable_date_asks_again(client):
    login(client, "auditor")
    response = client.get("/audit/ekspor?dari=0001-01-01&sampai=9999-12-31")
    assert response.status_code == 200
    assert response.mimetype == "text/html"  # the form again, not a 500 nor a ZIP of nothing


@pytest.mark.parametrize(("body", "refused"), [
    ("[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH, False),  # as deep as it may be, no other bracket: counted only
    ("[" * (MAX_JSON_DEPTH + 1) + "]" * (MAX_JSON_DEPTH + 1), True),
    ("[" + "[]," * MAX_JSON_DEPTH + "[]]", False),  # more brackets than the depth allows, none deep: scanned
    ('["' + "[" * MAX_JSON_DEPTH + '", ' + "[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH + "]", True),
])
def test_json_depth_is_checked_however_many_brackets_the_body_holds(app, body, refused):
    with app.test_request_context():
        if refused:
            with pytest.raises(InvalidInput):
                check_json_text(body.encode())
        else:
            check_json_text(body.encode())
