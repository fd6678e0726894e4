"""Audit exports: the packet of one case and the whole log for a date range, through `alur audit`."""
from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile
from datetime import date

import pytest
from audit_helpers import FIRST, SECOND, cli_runner, finished_loop_case
from sqlalchemy import text

from engine.audit.chain import case_chain
from engine.errors import InvalidInput


@pytest.fixture
def audit_cli(alur, db_engine, tmp_path, test_data, monkeypatch, capsys):
    return cli_runner(db_engine, tmp_path, test_data, monkeypatch, capsys)


def test_case_packet_holds_events_model_documents_checkpoints_and_the_verification(alur, test_data, clock, audit_cli,
                                                                                     tmp_path):
    case = finished_loop_case(alur, test_data, clock)
    audit_cli("audit", "keygen")
    audit_cli("audit", "checkpoint")
    out = audit_cli("audit", "export-case", str(case), "-o", str(tmp_path / "paket.zip"))
    assert f"case {case}:" in out and "verification OK" in out and "manifest signed with the audit key" in out

    packet = zipfile.ZipFile(tmp_path / "paket.zip")
    names = set(packet.namelist())
    assert {"events.jsonl", "events.csv", "process/uji_loop_v1.bpmn", "process/index.json", "checkpoints.jsonl",
            "documents/index.json", "verification.json", "verification.txt", "README.txt", "verify_packet.py",
            "manifest.json", "manifest.sig"} <= names
    events = [json.loads(line) for line in packet.read("events.jsonl").decode().splitlines()]
    case_events = [e for e in events if e["chain"] == case_chain(case)]
    assert [e["seq"] for e in case_events] == list(range(1, 20))  # 16, 2 uploads and the export itself
    assert (case_events[-1]["event_type"], case_events[-1]["payload"]["what"], case_events[-1]["actor"]) == (
        "case_viewed", "export", "admin")
    # the case's creation is the first event of its own chain (issue 21: no lock shared by all case starts)
    assert [e["event_type"] for e in events if e["chain"] == "system"] == ["definition_deployed"]
    assert (case_events[0]["event_type"], case_events[0]["payload"]["previous_case"]) == ("instance_started", None)
    assert case_events[0]["at_wita"].endswith("+08:00") and case_events[0]["at_utc"].endswith("Z")
    assert json.loads(case_events[5]["payload_json"]) == case_events[5]["payload"]
    rows = list(csv.DictReader(io.StringIO(packet.read("events.csv").decode())))
    assert [int(r["id"]) for r in rows] == [e["id"] for e in events] and rows[0]["hash"] == events[0]["hash"]
    with alur.db.connect() as conn:
        stored = conn.execute(text("select bpmn_xml from process_definition")).scalar_one()
    assert packet.read("process/uji_loop_v1.bpmn").decode() == stored

    documents = json.loads(packet.read("documents/index.json"))
    assert [d["intact"] for d in documents] == [True, True]
    assert {packet.read(d["file"]) for d in documents} == {FIRST, SECOND}
    checkpoints = [json.loads(line) for line in packet.read("checkpoints.jsonl").decode().splitlines()]
    assert [(c["checkpoint_id"], [h[:2] for h in json.loads(c["body"])["heads"] if h[0] == case_chain(case)])
            for c in checkpoints] == [(1, [[case_chain(case), 18]])]
    report = json.loads(packet.read("verification.json"))
    assert report["ok"] and report["replay"]["ok"] and report["audit_chain"]["ok"]
    assert report["audit_chain"]["warnings"] == [  # the key is trusted; only the export itself is newer
        f"instance:{case}: events after seq 18 (up to 19) are not yet covered by a signed checkpoint"]
    text_report = packet.read("verification.txt").decode()
    assert "VERDICT: OK" in text_report and "REPLAY OK" in text_report
    manifest = json.loads(packet.read("manifest.json"))["files"]
    assert set(manifest) == names - {"manifest.json", "manifest.sig"}
    assert all(hashlib.sha256(packet.read(n)).hexdigest() == m["sha256"] for n, m in manifest.items())


def test_a_document_changed_on_disk_shows_in_the_packet(alur, test_data, tmp_path):
    case = finished_loop_case(alur, test_data)
    sha = hashlib.sha256(FIRST).hexdigest()
    (alur.settings.attachments_dir / sha[:2] / sha).write_bytes(b"diganti\n")
    buffer = io.BytesIO()
    summary = alur.audit_export.export_case(case, "auditor1", buffer)
    assert summary.ok is False
    text_report = zipfile.ZipFile(buffer).read("verification.txt").decode()
    assert "VERDICT: PROBLEMS FOUND" in text_report and f"{sha}  CONTENT CHANGED" in text_report


def test_log_export_for_a_date_range(alur, test_data, clock, audit_cli, tmp_path):
    finished_loop_case(alur, test_data, clock)  # Monday 23 November 2026 (WITA)
    clock.advance(days=2)
    alur.runner.start_case("uji_loop", "pengelola", "UJI/002")  # Wednesday 25 November
    audit_cli("audit", "export", "--from", "2026-11-23", "--to", "2026-11-24", "-o", str(tmp_path / "x.zip"),
              expect=2)  # a key is configured but its file is missing: refused, never silently unsigned
    audit_cli("audit", "keygen")
    out = audit_cli("audit", "export", "--from", "2026-11-23", "--to", "2026-11-24", "-o", str(tmp_path / "log.zip"))
    log = zipfile.ZipFile(tmp_path / "log.zip")
    events = [json.loads(line) for line in log.read("events.jsonl").decode().splitlines()]
    assert f"{len(events)} events from 2026-11-23 to 2026-11-24" in out
    assert events and all(e["at_wita"].startswith(("2026-11-23", "2026-11-24")) for e in events)
    assert "UJI/002" not in log.read("events.jsonl").decode()
    assert {e["chain"] for e in events} == {"system", "instance:1"}
    assert len(log.read("events.csv").decode().splitlines()) == len(events) + 1
    assert json.loads(log.read("range.json"))["events"] == len(events)
    with pytest.raises(InvalidInput):
        alur.audit_export.export_log(date(2026, 12, 1), date(2026, 11, 1), io.BytesIO())
    for first, last in ((date(1, 1, 1), date(2026, 1, 1)), (date(2026, 1, 1), date(9999, 12, 31))):
        with pytest.raises(InvalidInput):  # the UTC bounds would overflow: refused, not a crash
            alur.audit_export.export_log(first, last, io.BytesIO())


def test_a_case_packet_reports_a_forged_performer_in_its_verdict(alur, test_data, clock, tmp_path):
    """The packet's verification is the whole one: a task row that differs from the log makes it fail."""
    case = finished_loop_case(alur, test_data, clock)
    with alur.db.begin() as conn:
        conn.execute(text("update human_task set completed_by = 'mallory' where instance_id = :c "
                          "and state = 'completed'"), {"c": case})
    summary = alur.audit_export.export_case(case, "auditor", tmp_path / "paket.zip")
    assert summary.ok is False
    report = zipfile.ZipFile(tmp_path / "paket.zip").read("verification.txt").decode()
    assert "TABLE DIFFERS FROM LOG" in report and "completed_by" in report and "mallory" in report
