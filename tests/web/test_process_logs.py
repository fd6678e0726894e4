"""The process-mining log from the SOP page and the API: who may download it, names, bad input."""
from __future__ import annotations

import csv
import io

import pytest
from lxml import etree
from web_helpers import gjr_01_data, login, open_task, start_network_case, text_of

from engine.accounts.tokens import TokenService

KEY = "sop_gangguan_jaringan"
LOG = f"/proses/{KEY}/log"
API = f"/api/v1/processes/{KEY}/log"
PERIOD = {"dari": "2026-11-01", "sampai": "2026-11-30"}


@pytest.fixture
def cases(alur):
    """Two network cases, each with its letter (the requester's first step) done."""
    for number in ("045/1/26", "046/1/26"):
        case_id = start_network_case(alur, business_key=number)
        alur.runner.complete_task(open_task(alur, case_id).task_id, "pengguna_jaringan", gjr_01_data(alur))


@pytest.fixture
def token(alur):
    def issue(username: str) -> dict[str, str]:
        secret = TokenService(alur.sessions, alur.users).issue(username, "uji", actor=username).token
        return {"Authorization": f"Bearer {secret}"}
    return issue


def test_the_sop_page_offers_the_log_to_its_assessors_supervisors_and_auditors_only(client, cases):
    for username, offered in (("penilai_sop", True), ("auditor", True), ("pejabat_administrator_tik", True),
                              ("pemilik_proses", True), ("pengelola_ti", False)):
        login(client, username)
        page = client.get(f"/proses/{KEY}").text
        assert ("Ekspor log proses" in page) == offered, username
        assert client.get(LOG).status_code == (200 if offered else 403), username
        client.post("/keluar")


def test_the_assessor_downloads_a_pseudonymised_xes_and_the_auditor_may_ask_for_names(client, cases):
    login(client, "penilai_sop")
    form = client.get(LOG).text
    assert "pseudonim" in form and 'name="nama"' not in form  # no names to ask for
    response = client.get(LOG, query_string={**PERIOD, "format": "xes"})
    assert response.status_code == 200 and response.mimetype == "application/xml"
    assert response.headers["Content-Disposition"] == \
        f'attachment; filename="{KEY}_2026-11-01_2026-11-30.xes"'
    root = etree.fromstring(response.data)
    ns = {"x": "http://www.xes-standard.org/"}
    assert len(root.findall("x:trace", ns)) == 2
    resources = {e.get("value") for e in root.iterfind(".//x:string[@key='org:resource']", ns)}
    assert resources and all(r.startswith("p-") for r in resources)  # the role key may equal a demo username
    # asking for names without the right to them still gives pseudonyms from the page
    assert b"p-" in client.get(LOG, query_string={**PERIOD, "format": "csv", "nama": "1"}).data
    client.post("/keluar")
    login(client, "auditor")
    assert 'name="nama"' in client.get(LOG).text
    named = client.get(LOG, query_string={**PERIOD, "format": "csv", "nama": "1"})
    rows = list(csv.DictReader(io.StringIO(named.text)))
    assert {r["resource"] for r in rows if r["state"] == "completed"} == {"pengguna_jaringan"}
    # the auditor's audit log shows each export in words, with the people whose names were given
    log = text_of(client.get("/audit").text)
    assert "Log proses diekspor (process mining)" in log and "Nama yang dibuka" in log


def test_a_bad_period_or_format_shows_the_form_again_with_the_reason(client, cases):
    login(client, "penilai_sop")
    for query, reason in (({"dari": "2026-11-30", "sampai": "2026-11-01", "format": "xes"}, "sebelum"),
                          ({"dari": "2026-11-31", "sampai": "2026-12-01", "format": "xes"}, "YYYY-MM-DD"),
                          ({"dari": "1990-01-01", "sampai": "2026-12-01", "format": "xes"}, "antara"),
                          ({**PERIOD, "format": "xlsx"}, "Format ekspor tidak dikenal")):
        response = client.get(LOG, query_string=query)
        assert response.status_code == 422 and reason in text_of(response.text), query
    assert client.get("/proses/tidak_ada/log").status_code == 404


def test_the_page_speaks_english_when_asked(client, cases):
    login(client, "penilai_sop")
    page = text_of(client.get(LOG, query_string={"lang": "en"}).text)
    assert "Export the process log" in page and "pseudonym" in page and "Download the log" in page


def test_the_api_streams_the_log_and_refuses_with_stable_codes(client, cases, token):
    assessor = token("penilai_sop")
    response = client.get(API, query_string={"from": "2026-11-01", "to": "2026-11-30", "format": "ocel"},
                          headers=assessor)
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert {o["type"] for o in response.json["objects"]} == {"case", "task", "document"}
    assert response.headers["X-Alur-Cases"] == "2"
    for query, status, code in (
            ({"from": "2026-11-30", "to": "2026-11-01", "format": "xes"}, 422, "invalid_period"),
            ({"from": "kemarin", "to": "2026-11-01", "format": "xes"}, 422, "invalid_period"),
            ({"to": "2026-11-01", "format": "xes"}, 422, "invalid_period"),
            ({"from": "2026-11-01", "to": "2026-11-30", "format": "pdf"}, 422, "unknown_export_format"),
            ({"from": "2026-11-01", "to": "2026-11-30", "format": "csv", "names": "1"}, 403, "names_not_allowed"),
            ({"from": "2026-11-01", "to": "2026-11-30", "format": "csv", "names": "mungkin"}, 400,
             "invalid_parameter")):
        refused = client.get(API, query_string=query, headers=assessor)
        assert (refused.status_code, refused.json["error"]["code"]) == (status, code), query
    period = {"from": "2026-11-01", "to": "2026-11-30", "format": "csv"}
    refused = client.get(API, query_string=period, headers=token("pengelola_ti"))
    assert (refused.status_code, refused.json["error"]["code"]) == (403, "export_not_allowed")
    missing = client.get("/api/v1/processes/tidak_ada/log", query_string=period, headers=assessor)
    assert (missing.status_code, missing.json["error"]["code"]) == (404, "definition_not_found")
    named = client.get(API, query_string={**period, "names": "1"}, headers=token("auditor"))
    assert "pengguna_jaringan" in named.text
