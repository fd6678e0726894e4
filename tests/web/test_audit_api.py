"""Auditors through the JSON API: the log, a case's verification, its packet and the log of a date range,
read-only and for the audit roles only, with stable error codes; on both database backends."""
from __future__ import annotations

import base64
import hashlib
import io
import json
import zipfile

import shutil

import pytest
from alur_testing import make_settings
from audit_helpers import FIRST, finished_loop_case, new_key, rehash_chain
from cryptography.hazmat.primitives import serialization

from engine.accounts.tokens import TokenService
from engine.audit.chain import case_chain
from engine.audit.checkpoints import public_key_text
from engine.bootstrap import open_alur
from web import create_app

PASSWORD = "rahasia-uji-123"


@pytest.fixture
def test_data(tmp_path, test_data):
    """The small test models, with the Auditor and Admin Sistem roles of the real catalogue added."""
    copy = tmp_path / "data"
    shutil.copytree(test_data, copy)
    with (copy / "roles.toml").open("a", encoding="utf-8") as roles:
        roles.write('[roles.admin_sistem]\ntitle = "Admin Sistem"\n[roles.auditor]\ntitle = "Auditor"\n')
    return copy


@pytest.fixture
def alur(db_engine, tmp_path, clock, test_data):
    """Alur over the small test models on each backend (the web tests' default is a SQLite copy only)."""
    return open_alur(make_settings(tmp_path, str(db_engine.url), test_data, test_data / "forms"), clock=clock,
                     db=db_engine)


@pytest.fixture
def audit_key(tmp_path):
    key = new_key()
    path = tmp_path / "audit.key"
    path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption()))
    return key, path


@pytest.fixture
def api(alur, audit_key, test_data, clock):
    """A finished case, checkpointed; the app signs packets with the audit key; tokens for three people."""
    case = finished_loop_case(alur, test_data, clock)
    key, path = audit_key
    alur.checkpoints.make_checkpoint(key)
    alur.users.add_user("auditor1", "Auditor Satu", PASSWORD, {"auditor"})
    alur.users.add_user("admin1", "Admin Satu", PASSWORD, {"admin_sistem"})
    app = create_app({"TESTING": True, "SECRET_KEY": "test-secret", "WTF_CSRF_ENABLED": False, "ALUR": alur,
                      "AUDIT_KEY_FILE": str(path)})
    tokens = TokenService(alur.sessions, alur.users)

    def headers(username: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {tokens.issue(username, 'audit', actor=username).token}"}

    return app.test_client(), case, {u: headers(u) for u in ("auditor1", "admin1", "pengelola")}


def get(client, url, headers):
    with client.get(url, headers=headers) as response:  # a file response holds the file open until closed
        response.get_data()
        return response


def test_the_audit_log_pages_filters_by_date_and_case_and_logs_reading_a_case(api, alur):
    client, case, who = api
    response = get(client, "/api/v1/audit/log?per_page=5", who["auditor1"])
    assert response.status_code == 200
    body = response.json
    total = alur.audit_log.events().total
    assert (body["total"], body["page"], body["per_page"], len(body["items"])) == (total, 1, 5, 5)
    assert body["pages"] == -(-total // 5)
    newest = body["items"][0]
    assert newest["at_utc"].endswith("Z") and newest["at_wita"].endswith("+08:00")
    assert {"id", "chain", "seq", "event_type", "actor", "payload", "hash"} <= set(newest)
    page2 = get(client, "/api/v1/audit/log?per_page=5&page=2", who["admin1"]).json["items"]
    assert {e["id"] for e in page2}.isdisjoint({e["id"] for e in body["items"]})

    assert get(client, "/api/v1/audit/log?dari=2026-11-24&sampai=2026-11-30", who["auditor1"]).json["total"] == 0
    day = get(client, "/api/v1/audit/log?dari=2026-11-23&sampai=2026-11-23&per_page=200", who["auditor1"]).json
    assert 0 < day["total"] == len(day["items"]) < total  # accounts and tokens were made today, not on the 23rd
    assert all(e["at_wita"].startswith("2026-11-23") for e in day["items"])
    of_case = get(client, f"/api/v1/audit/log?instance_id={case}&event_type=task_completed", who["auditor1"]).json
    assert [e["event_type"] for e in of_case["items"]] == ["task_completed"] * 4
    assert all(e["chain"] == case_chain(case) for e in of_case["items"])
    viewed = [e for e in alur.queries.audit_trail(case) if e.event_type == "case_viewed"]
    assert (viewed[-1].actor, viewed[-1].payload["what"]) == ("auditor1", "audit_trail")


def test_case_verification_reports_intact_then_the_rewrite(api, alur):
    client, case, who = api
    response = get(client, f"/api/v1/audit/cases/{case}/verify", who["auditor1"])
    assert response.status_code == 200
    assert response.json["ok"] is True and response.json["replay"]["ok"] is True
    assert response.json["audit"]["checkpoints"] == 1 and response.json["audit"]["checkpoint_problems"] == []
    rehash_chain(alur, case_chain(case), lambda e: {**e["payload"], "data": {"uraian": "diubah"}}
                 if e["event_type"] == "instance_started" else None)
    broken = get(client, f"/api/v1/audit/cases/{case}/verify", who["admin1"]).json
    assert broken["ok"] is False
    assert [p["kind"] for p in broken["audit"]["checkpoint_problems"]] == ["chain_rewritten"]
    assert any(line.startswith("CHECKPOINT MISMATCH checkpoint #1: chain_rewritten") for line in broken["lines"])
    views = [e.payload["what"] for e in alur.queries.audit_trail(case) if e.event_type == "case_viewed"]
    assert views.count("verification") == 2


def test_case_packet_and_range_export_are_signed_zips(api, alur, audit_key):
    client, case, who = api
    key, _path = audit_key
    response = get(client, f"/api/v1/audit/cases/{case}/packet", who["auditor1"])
    assert response.status_code == 200 and response.mimetype == "application/zip"
    assert f"audit-kasus-{case}.zip" in response.headers["Content-Disposition"]
    packet = zipfile.ZipFile(io.BytesIO(response.data))
    manifest = json.loads(packet.read("manifest.json"))
    assert manifest["signature"]["public_key"] == public_key_text(key.public_key())
    key.public_key().verify(base64.b64decode(packet.read("manifest.sig")), packet.read("manifest.json"))
    assert hashlib.sha256(FIRST).hexdigest() in {json.loads(packet.read("documents/index.json"))[0]["sha256"],
                                                 json.loads(packet.read("documents/index.json"))[1]["sha256"]}
    assert json.loads(packet.read("verification.json"))["generated_by"] == "auditor1"
    exported = [e for e in alur.queries.audit_trail(case) if e.event_type == "case_viewed"][-1]
    assert (exported.actor, exported.payload["what"]) == ("auditor1", "export")

    response = get(client, "/api/v1/audit/export?dari=2026-11-23&sampai=2026-11-23", who["admin1"])
    assert response.status_code == 200 and response.mimetype == "application/zip"
    log = zipfile.ZipFile(io.BytesIO(response.data))
    assert json.loads(log.read("range.json"))["from_utc"] == "2026-11-22T16:00:00Z"
    assert json.loads(log.read("manifest.json"))["generated_by"] == "admin1" and "manifest.sig" in log.namelist()


def test_only_auditors_and_admins_and_bad_input_gets_400_or_404_with_a_code(api, alur):
    client, case, who = api
    urls = ["/api/v1/audit/log", f"/api/v1/audit/cases/{case}/verify", f"/api/v1/audit/cases/{case}/packet",
            "/api/v1/audit/export?dari=2026-11-23&sampai=2026-11-23"]
    before = alur.audit_log.events().total
    for url in urls:
        refused = get(client, url, who["pengelola"])
        assert refused.status_code == 403, url
        assert refused.json["error"]["code"] == "audit_role_required"
        assert get(client, url, {}).status_code == 401
    assert alur.audit_log.events().total == before  # a refused read logs no read
    assert client.post("/api/v1/audit/log", headers=who["auditor1"]).status_code in (403, 405)

    bad = {
        "/api/v1/audit/log?dari=2026-13-01": (400, "invalid_date", "dari"),
        "/api/v1/audit/log?sampai=kemarin": (400, "invalid_date", "sampai"),
        "/api/v1/audit/log?dari=0001-01-01": (400, "invalid_date", "dari"),
        "/api/v1/audit/export?dari=2026-11-23&sampai=9999-12-31": (400, "invalid_date", "sampai"),
        "/api/v1/audit/log?dari=2026-11-24&sampai=2026-11-23": (400, "invalid_date_range", "sampai"),
        "/api/v1/audit/log?page=0": (400, "invalid_parameter", "page"),
        "/api/v1/audit/log?per_page=500": (400, "invalid_parameter", "per_page"),
        "/api/v1/audit/log?instance_id=abc": (400, "invalid_parameter", "instance_id"),
        "/api/v1/audit/log?instance_id=999": (404, "instance_not_found", None),
        "/api/v1/audit/cases/999/verify": (404, "instance_not_found", None),
        "/api/v1/audit/cases/999/packet": (404, "instance_not_found", None),
        "/api/v1/audit/cases/abc/verify": (404, "not_found", None),
        "/api/v1/audit/export": (400, "invalid_date", "dari"),
        "/api/v1/audit/export?dari=2026-11-23": (400, "invalid_date", "sampai"),
        "/api/v1/audit/export?dari=2026-11-23&sampai=2026-02-30": (400, "invalid_date", "sampai"),
        "/api/v1/audit/export?dari=2026-11-24&sampai=2026-11-23": (400, "invalid_date_range", "sampai"),
    }
    for url, (status, code, field) in bad.items():
        response = get(client, url, who["auditor1"])
        assert (response.status_code, response.json["error"]["code"]) == (status, code), (url, response.json)
        assert response.json["error"].get("field") == field, url
    assert alur.audit_log.events().total == before
