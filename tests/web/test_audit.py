"""Auditor pages: an auditor reads every case, its documents and the log, and changes nothing; every
view of a case or document is itself in the log."""
from __future__ import annotations

import io
import json
import re
import uuid
import zipfile

import pytest
from audit_web_helpers import finished_review
from web_helpers import login, text_of

from engine.audit.chain import case_chain
from web.audit import OWN_CREDENTIALS, SESSION_ONLY

MUTATING = {"POST", "PUT", "PATCH", "DELETE"}


def _url(rule) -> str:
    """The rule's path with a harmless value for each argument."""
    values = {"int": "1", "uuid": str(uuid.uuid4())}
    return re.sub(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>", lambda m: values.get(m.group(1) or "", "x"), rule.rule)


def download(client, url: str) -> bytes:
    with client.get(url) as response:  # a file response holds the file open until closed
        assert response.status_code == 200, url
        return response.data


def test_an_auditor_is_refused_on_every_mutating_route(app, alur, client):
    rules = [r for r in app.url_map.iter_rules()
             if r.methods & MUTATING and r.endpoint not in SESSION_ONLY | OWN_CREDENTIALS]
    endpoints = {r.endpoint for r in rules}
    assert {"tasks.complete", "tasks.claim", "cases.start", "cases.cancel", "admin.add_user", "account.set_email_mode",
            "api.complete", "api.start_case", "api.upload_document"} <= endpoints, endpoints
    token = app.extensions["alur"].tokens.issue("auditor", "audit script", actor="admin_sistem").token
    login(client, "auditor")
    api = app.test_client()
    before = alur.audit_log.events().total
    for rule in rules:
        for method in sorted(rule.methods & MUTATING):
            if rule.endpoint.startswith("api."):
                response = api.open(_url(rule), method=method, json={}, headers={"Authorization": f"Bearer {token}"})
                assert response.status_code == 403, (rule.rule, method, response.text)
                assert response.json["error"]["code"] == "forbidden"
            else:
                response = client.open(_url(rule), method=method, data={})
                assert response.status_code == 403, (rule.rule, method, response.status_code)
                assert "hanya dapat membaca" in text_of(response.text)
    assert alur.audit_log.events().total == before  # nothing was changed, nothing was logged as done
    client.post("/keluar")  # the session itself is the auditor's own
    assert client.get("/audit").status_code == 302


def test_the_guard_lets_other_people_work(client):
    login(client, "pengguna_jaringan")
    response = client.post("/kasus/baru", data={"process_key": "sop_gangguan_jaringan"})
    assert response.status_code == 302
    assert client.get("/audit").status_code == 403  # and the audit pages are not theirs


def test_auditor_replays_verifies_exports_and_every_view_is_logged(alur, client, clock):
    case = finished_review(alur, clock)
    login(client, "auditor")
    assert f"#{case}" in client.get("/audit/kasus").text
    html = client.get(f"/audit/kasus/{case}").text
    steps = json.loads(re.search(r'<script type="application/json" id="replay-steps">(.*?)</script>', html,
                                 re.S).group(1))
    assert [s["number"] for s in steps] == list(range(1, len(steps) + 1))
    assert steps[-1]["status"] == "completed" and steps[-1]["passes"] == {"tar_01": 2, "tar_02": 2}
    document = steps[-1]["documents"][0]
    assert document["url"] == f"/audit/kasus/{case}/dokumen/{document['sha256']}"
    assert download(client, document["url"]).startswith(b"%PDF")

    report = text_of(client.get(f"/audit/kasus/{case}/verifikasi").text)
    assert "Utuh" in report and "REPLAY OK" in report and "OK: every audit chain is intact" in report
    packet = zipfile.ZipFile(io.BytesIO(download(client, f"/audit/kasus/{case}/paket.zip")))
    assert json.loads(packet.read("verification.json"))["ok"] is True
    log = zipfile.ZipFile(io.BytesIO(download(client, "/audit/ekspor?dari=2026-11-23&sampai=2026-11-23")))
    assert log.read("events.jsonl")
    assert "OK: every audit chain is intact" in text_of(client.get("/audit/verifikasi?replay=1").text)

    views = [e for e in alur.queries.audit_trail(case) if e.event_type in ("case_viewed", "document_viewed")]
    assert [(e.actor, e.event_type, e.payload["what"]) for e in views] == [
        ("auditor", "case_viewed", "replay"), ("auditor", "document_viewed", "document"),
        ("auditor", "case_viewed", "verification"), ("auditor", "case_viewed", "export")]
    assert all(e.chain == case_chain(case) for e in views)
    listed = text_of(client.get(f"/audit?kasus={case}&jenis=document_viewed").text)
    assert "document_viewed" in listed and "auditor" in listed
    client.get(f"/kasus/{case}")  # the ordinary case page is logged too (by the case pages)
    assert "case_viewed" in text_of(client.get("/audit?pelaku=auditor&jenis=case_viewed").text)


@pytest.mark.parametrize("path", ["/audit", "/audit/kasus", "/audit/verifikasi", "/audit/ekspor"])
def test_audit_pages_need_the_auditor_or_admin_role(client, path):
    assert client.get(path).status_code == 302  # to the login page
    login(client, "admin_sistem")
    assert client.get(path).status_code == 200
