"""Archive retention (JRA, issue 20): ``alur retention plan`` / ``apply`` remove finished cases past their
SOP's period in one audited transaction; the audit chains stay and still verify, every verifier knows
those cases are gone on purpose, and a case deleted any other way still fails verification.

The cases run through the engine with real documents: one uji_loop case finished in 2019 (due: the
schedule keeps uji_loop five years), one started in 2019 and still open, one cancelled in 2019 (due as
well), one finished in 2026 (inside its period; it uses one of the 2019 case's documents), and an old
cancelled uji_timer case (no period set).
"""
from __future__ import annotations

import hashlib
import json
import os
import time
from dataclasses import replace
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from audit_helpers import FIRST, SECOND, cli_runner, finished_loop_case, upload
from engine_helpers import PASSWORD, ready_task, start_loop_case
from sqlalchemy import text

from engine.accounts.tokens import TokenService
from engine.audit.removals import RETENTION_EVENT
from engine.bootstrap import Alur, open_alur
from engine.errors import CaseRemoved, InvalidInput
from engine.operations.retention import parse_as_of
from engine.operations.retention_schedule import RetentionSchedule
from web import create_app

BASIS = "Peraturan Gubernur Kalimantan Timur Nomor 12 Tahun 2020 tentang Jadwal Retensi Arsip"
SCHEDULE = f'[sop.uji_loop]\nyears = 5\nbasis = "{BASIS}"\n'
OLD = datetime(2019, 3, 4, 0, 30, tzinfo=timezone.utc)  # a Monday
RECENT = datetime(2026, 6, 1, 0, 30, tzinfo=timezone.utc)  # a Monday; "today" of the engine tests
AS_OF = date(2026, 6, 1)


@pytest.fixture
def schedule_file(tmp_path) -> Path:
    path = tmp_path / "retention.toml"
    path.write_text(SCHEDULE, encoding="utf-8")
    return path


@pytest.fixture
def office(alur, clock, test_data, schedule_file, db_engine) -> Alur:
    """The test engine with the office's retention schedule, over the same database and documents."""
    return open_alur(replace(alur.settings, retention_file=schedule_file), clock=clock, db=db_engine)


@pytest.fixture
def cases(alur, clock, test_data) -> dict[str, int]:
    clock.now = OLD
    old = finished_loop_case(alur, test_data, clock)
    open_case = start_loop_case(alur, business_key="UJI/002")
    cancelled = start_loop_case(alur, business_key="UJI/005")
    alur.runner.cancel_case(cancelled, "pengelola", "laporan ganda")
    alur.deployer.deploy_file(test_data / "uji_timer.bpmn", "pemilik")
    other_sop = alur.runner.start_case("uji_timer", "pengelola", "TMR/001").instance_id
    alur.runner.cancel_case(other_sop, "pengelola", "uji")
    clock.now = RECENT
    recent = start_loop_case(alur, business_key="UJI/003")
    for actor, data in (("pengelola", {"uraian": "Lagi lambat", "dokumen_laporan": upload(alur, "ulang.txt", FIRST)}),
                        ("pengawas", {"disetujui": True, "catatan_periksa": "Sesuai"})):
        clock.advance(minutes=20)
        task = ready_task(alur, recent)
        alur.runner.claim_task(task.task_id, actor)
        alur.runner.complete_task(task.task_id, actor, data)
    _age_documents(alur)
    return {"old": old, "open": open_case, "cancelled": cancelled, "other_sop": other_sop, "recent": recent}


def _age_documents(alur: Alur) -> None:
    """Stored an hour ago: apply leaves files written in its last minutes (a concurrent upload)."""
    past = time.time() - 3600
    for path in Path(alur.settings.attachments_dir).rglob("*"):
        if path.is_file():
            os.utime(path, (past, past))


def _sha(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def _document(alur: Alur, content: bytes) -> Path:
    sha = _sha(content)
    return Path(alur.settings.attachments_dir) / sha[:2] / sha


def _count(alur: Alur, sql: str, **params: Any) -> int:
    with alur.db.connect() as conn:
        return conn.execute(text(sql), params).scalar_one()


def _retention_events(alur: Alur) -> list[dict[str, Any]]:
    with alur.db.connect() as conn:
        rows = conn.execute(text("select id, actor, payload_json from audit_event where chain = 'system' and "
                                 "event_type = :t order by id"), {"t": RETENTION_EVENT}).all()
    return [{"id": r[0], "actor": r[1], "payload": json.loads(r[2])} for r in rows]


def test_plan_lists_only_finished_cases_past_their_period(office, cases):
    plan = office.retention.plan(AS_OF)
    by_key = {sop.process_key: sop for sop in plan.sops}
    loop = by_key["uji_loop"]
    assert loop.period is not None and loop.period.text() == "5 tahun" and loop.period.basis == BASIS
    assert [c.instance_id for c in loop.cases] == [cases["old"], cases["cancelled"]]
    due, cancelled = loop.cases
    assert (cancelled.status, cancelled.documents) == ("cancelled", {})
    assert (due.business_key, due.status, due.end_day) == ("UJI/001", "completed", date(2019, 3, 4))
    assert set(due.documents) == {_sha(FIRST), _sha(SECOND)}
    assert due.document_bytes == len(FIRST) + len(SECOND)
    assert by_key["uji_timer"].period is None and by_key["uji_timer"].cases == []  # no period: never removed
    assert plan.removed_documents == {_sha(SECOND): len(SECOND)}  # FIRST is the 2026 case's too
    assert plan.kept_documents == [_sha(FIRST)]
    # the day before the period ends, nothing is due
    assert office.retention.plan(date(2024, 3, 3)).cases == []
    assert [c.instance_id for c in office.retention.plan(date(2024, 3, 4)).cases] == [cases["old"],
                                                                                       cases["cancelled"]]
    assert _count(office, "select count(*) from process_instance") == 5  # plan changes nothing
    assert plan.held_newest is None


def test_the_newest_case_waits_for_a_newer_one_so_its_number_is_never_reused(office, cases, clock):
    """SQLite numbers a new case after the highest id there is: the newest case is never removed."""
    later = office.retention.plan(date(2040, 1, 1))  # the 2026 case, the newest of all, is due by then too
    assert [c.instance_id for c in later.cases] == [cases["old"], cases["cancelled"]]
    assert later.held_newest == cases["recent"]
    clock.now = datetime(2040, 1, 2, 0, 30, tzinfo=timezone.utc)
    office.retention.apply("arsiparis")
    newer = start_loop_case(office, business_key="UJI/004")
    assert newer > cases["recent"]
    result = office.retention.apply("arsiparis")
    assert [c.instance_id for c in result.plan.cases] == [cases["recent"]]
    assert office.audit_verifier.verify().ok


def test_apply_removes_the_due_case_keeps_its_chain_and_verify_still_passes(office, cases, clock):
    clock.advance(hours=1)
    chain_before = _count(office, "select count(*) from audit_event where chain = :c", c=f"instance:{cases['old']}")
    result = office.retention.apply("arsiparis", AS_OF)
    assert [c.instance_id for c in result.plan.cases] == [cases["old"], cases["cancelled"]]
    assert result.event_id is not None and result.files_deleted == 1 and result.bytes_deleted == len(SECOND)

    [event] = _retention_events(office)
    assert event["id"] == result.event_id and event["actor"] == "arsiparis"
    payload = event["payload"]
    assert payload["as_of"] == "2026-06-01"
    case, cancelled = payload["removed_cases"]
    assert (cancelled["instance_id"], cancelled["status"]) == (cases["cancelled"], "cancelled")
    assert (case["instance_id"], case["business_key"], case["process_key"], case["status"]) == (
        cases["old"], "UJI/001", "uji_loop", "completed")
    assert case["ended_at"].startswith("2019-03-04")
    assert payload["retention"]["uji_loop"]["basis"] == BASIS
    assert payload["retention"]["uji_loop"]["period"] == "5 tahun"

    old = cases["old"]
    for table in ("process_instance where id", "human_task where instance_id", "document_upload where instance_id",
                  "case_figure where instance_id", "step_figure where instance_id", "case_term where instance_id"):
        assert _count(office, f"select count(*) from {table} = :i", i=old) == 0, table
    assert _count(office, "select count(*) from audit_event where chain = :c", c=f"instance:{old}") == chain_before
    kept = {cases["open"], cases["other_sop"], cases["recent"]}
    assert {office.queries.case(i).instance_id for i in kept} == kept  # open, no period, inside its period
    assert not _document(office, SECOND).exists()
    assert _document(office, FIRST).is_file()  # the 2026 case uses it

    report = office.audit_verifier.verify()
    assert report.ok, report.lines()
    assert office.audit_verifier.verify_case(old).ok and office.audit_verifier.verify_case(cases["cancelled"]).ok

    with pytest.raises(CaseRemoved) as removed:
        office.queries.case(old)
    assert "retensi arsip pada 2026-06-01" in removed.value.message and BASIS in removed.value.message
    with pytest.raises(CaseRemoved):
        office.replay.verify_replay(old)
    assert all(r.ok for r in office.replay.verify_all())

    again = office.retention.apply("arsiparis", AS_OF)  # idempotent: nothing due, no empty event
    assert again.event_id is None and again.plan.cases == []
    assert len(_retention_events(office)) == 1


def test_deleting_a_case_by_hand_still_fails_verification(office, cases):
    office.retention.apply("arsiparis", AS_OF)
    recent = cases["recent"]
    with office.db.begin() as conn:  # as someone with database access would, not through retention
        for sql in ("delete from task_draft where task_id in (select id from human_task where instance_id = :i)",
                    "delete from step_figure where instance_id = :i", "delete from flow_figure where instance_id = :i",
                    "delete from case_figure where instance_id = :i", "delete from case_term where instance_id = :i",
                    "delete from document_upload where instance_id = :i",
                    "delete from human_task where instance_id = :i", "delete from process_instance where id = :i"):
            conn.execute(text(sql), {"i": recent})
    report = office.audit_verifier.verify()
    assert not report.ok
    assert {(p.instance_id, p.kind) for p in report.case_problems} == {(recent, "deleted")}
    assert {p.instance_id for p in report.table_problems} == {recent}
    assert cases["old"] not in {p.instance_id for p in report.case_problems + report.table_problems}


def test_a_retention_event_does_not_cover_a_case_it_does_not_list(office, cases):
    """Only the listed cases are accounted for: the old open case deleted by hand after an apply is missing."""
    office.retention.apply("arsiparis", AS_OF)
    with office.db.begin() as conn:
        conn.execute(text("delete from case_term where instance_id = :i"), {"i": cases["open"]})
        conn.execute(text("delete from case_figure where instance_id = :i"), {"i": cases["open"]})
        conn.execute(text("delete from human_task where instance_id = :i"), {"i": cases["open"]})
        conn.execute(text("delete from process_instance where id = :i"), {"i": cases["open"]})
    problems = office.audit_verifier.verify().case_problems
    assert [(p.instance_id, p.kind) for p in problems] == [(cases["open"], "deleted")]


def test_bad_input_is_refused_and_nothing_is_removed(office, cases, schedule_file, clock):
    for bad in ("2026-13-01", "kemarin", "01-06-2026", ""):
        with pytest.raises(InvalidInput, match="YYYY-MM-DD"):
            parse_as_of(bad)
    with pytest.raises(InvalidInput, match="after today"):
        office.retention.apply("arsiparis", date(2026, 6, 2))  # the clock's today is 2026-06-01
    for broken, words in (("[sop.uji_loop]\nyears = 5\n", "basis"),
                          (f'[sop.uji_loop]\nyears = 0\nbasis = "{BASIS}"\n', "1 bulan"),
                          (f'[sop.uji_loop]\nyears = "lima"\nbasis = "{BASIS}"\n', "years"),
                          (f'[sop.uji_loop]\nyear = 5\nbasis = "{BASIS}"\n', "tidak dikenal"),
                          ("[sop.uji_loop\n", "tidak dapat dibaca")):
        schedule_file.write_text(broken, encoding="utf-8")
        with pytest.raises(InvalidInput, match=words):
            office.retention.apply("arsiparis", AS_OF)
    assert _count(office, "select count(*) from process_instance") == 5
    assert _retention_events(office) == []
    schedule_file.unlink()  # no schedule at all: no period anywhere, nothing due
    plan = office.retention.plan(AS_OF)
    assert not plan.schedule_exists and plan.cases == [] and all(s.period is None for s in plan.sops)


def test_the_removed_case_page_and_api_answer_410_with_the_reason(office, cases, clock):
    with office.db.begin() as conn:  # the test models' roles file has no auditor or admin role to give
        for role in ("auditor", "admin_sistem"):
            conn.execute(text("insert into user_role (user_id, role_key) values (:u, :r)"),
                         {"u": office.users.get("pengawas").user_id, "r": role})
    app = create_app({"TESTING": True, "SECRET_KEY": "uji", "WTF_CSRF_ENABLED": False, "ALUR": office})
    client = app.test_client()
    assert client.post("/masuk", data={"username": "pengawas", "password": PASSWORD}).status_code == 302
    plan = client.get("/admin/retensi")  # the Admin Sistem's view of the plan, today (the clock's day)
    assert plan.status_code == 200
    assert "2 kasus akan dihapus" in plan.text and "UJI/001" in plan.text and BASIS in plan.text
    assert "UJI/003" not in plan.text and "UJI/002" not in plan.text
    assert "Masa retensi belum ditetapkan" in plan.text  # uji_timer
    office.retention.apply("arsiparis", AS_OF)
    for url in (f"/kasus/{cases['old']}", f"/audit/kasus/{cases['old']}"):
        page = client.get(url)
        assert page.status_code == 410, url
        assert "jadwal retensi arsip" in page.text and BASIS in page.text
        assert "UJI/001" not in page.text  # whoever asks learns the number and the schedule, nothing of the case
    assert client.get("/kasus/99999").status_code == 404  # a case that never was stays a plain 404
    secret = TokenService(office.sessions, office.users).issue("pengawas", "uji", actor="pengawas").token
    response = client.get(f"/api/v1/cases/{cases['old']}", headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 410
    error = response.json["error"]
    assert error["code"] == "case_removed" and error["basis"] == BASIS and error["instance_id"] == cases["old"]
    # the auditor still reads and verifies the removed case's audit trail (the reads are logged on its chain)
    headers = {"Authorization": f"Bearer {secret}"}
    trail = client.get(f"/api/v1/audit/log?instance_id={cases['old']}", headers=headers)
    assert trail.status_code == 200 and {"instance_started", "instance_completed"} <= {
        e["event_type"] for e in trail.json["items"]}
    verified = client.get(f"/api/v1/audit/cases/{cases['old']}/verify", headers=headers)
    assert verified.status_code == 200 and verified.json["ok"] and verified.json["replay"] is None
    assert verified.json["removed"]["code"] == "case_removed"
    assert client.get("/api/v1/audit/log?instance_id=99999", headers=headers).status_code == 404
    assert office.audit_verifier.verify().ok


def test_cli_plan_apply_and_verify_with_a_signed_checkpoint(db_engine, tmp_path, test_data, monkeypatch, capsys,
                                                           alur, cases, schedule_file):
    cli = cli_runner(db_engine, tmp_path, test_data, monkeypatch, capsys)
    monkeypatch.setenv("ALUR_RETENTION_FILE", str(schedule_file))
    cli("audit", "keygen")
    cli("audit", "checkpoint")  # signs the 2019 case's chain head: it must still verify once the case is gone
    out = cli("retention", "plan", "--as-of", "2026-07-01")
    assert f"uji_loop (Uji loop): period 5 tahun from the case's end; basis: {BASIS}" in out
    assert f"would go case {cases['old']} UJI/001 (completed 2019-03-04, due 2024-03-04): 2 document(s)" in out
    assert "uji_timer (Uji timer): no retention period set: never removed (1 finished case(s) kept)" in out
    assert "total: 2 case(s) would go; 2 document(s), of which 1" in out

    assert "--yes" in cli("retention", "apply", "--as-of", "2026-07-01", expect=2)  # not confirmed
    assert "YYYY-MM-DD" in cli("retention", "apply", "--as-of", "1-7-2026", "--yes", expect=2)
    assert "YYYY-MM-DD" in cli("retention", "plan", "--as-of", "besok", expect=2)
    assert _count(alur, "select count(*) from process_instance where id = :i", i=cases["old"]) == 1

    out = cli("--actor", "arsiparis", "retention", "apply", "--as-of", "2026-07-01", "--yes")
    assert f"removed case {cases['old']} UJI/001" in out
    assert "(retention_applied, system chain) by arsiparis; 1 document file(s) deleted" in out
    out = cli("audit", "verify")
    assert "OK: every audit chain is intact" in out and "1 checkpoint file(s) in" in out
    out = cli("audit", "verify", "--case", str(cases["old"]), "--replay")
    assert "OK: every audit chain is intact" in out and "REPLAY NOT POSSIBLE: Kasus" in out
    assert "dihapus sesuai jadwal retensi arsip" in cli("audit", "replay", str(cases["old"]), expect=2)
    out = cli("retention", "apply", "--as-of", "2026-07-01", "--yes")
    assert "nothing is due: nothing removed, nothing recorded" in out
    assert len(_retention_events(alur)) == 1


def test_the_shipped_schedule_sets_no_period_and_its_example_reads_once_filled_in():
    shipped = Path(__file__).resolve().parents[2] / "processes" / "retention.toml"
    assert RetentionSchedule.load(shipped).periods == {}
    lines = shipped.read_text(encoding="utf-8").splitlines()
    start = lines.index("# [sop.sop_gangguan_database]")
    example = "\n".join(line.removeprefix("# ") for line in lines[start:start + 3])
    period = RetentionSchedule.from_text(example, shipped).periods["sop_gangguan_database"]
    assert period.text() == "5 tahun" and period.basis.startswith("Peraturan Gubernur Kalimantan Timur")


def test_a_backup_after_retention_misses_no_document_and_restores_verified(office, cases, fresh_url, tmp_path,
                                                                          clock):
    office.retention.apply("arsiparis", AS_OF)
    summary = office.backups.make_backup(tmp_path / "backups", "admin")
    assert summary.missing_documents == [] and summary.changed_documents == []
    folder = tmp_path / "restored"
    target = open_alur(replace(office.settings, database_url=fresh_url, attachments_dir=folder / "attachments",
                               checkpoint_dir=folder / "checkpoints", audit_key_file=folder / "audit.key"),
                       clock=clock)
    try:
        restored = target.backups.restore(summary.path, "admin")
        assert restored.report.ok, restored.report.lines()
        with pytest.raises(CaseRemoved):
            target.queries.case(cases["old"])
        assert target.queries.case(cases["recent"]).business_key == "UJI/003"
    finally:
        target.close()
