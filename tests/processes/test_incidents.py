"""Incidents instead of stuck cases: a model deployed before the data-flow check (here: by bypassing it)
whose condition reads a field no form fills in. Completing the step keeps the input, opens an incident,
writes an audit event and notifies the owner; after migration to a fixed version, "Coba lagi" completes
the step with the kept input."""
from __future__ import annotations

import json

import pytest
from alur_testing import cli_in_process, deploy_unchecked
from process_helpers import PASSWORD, ROOT, Case, Step

from engine.errors import Conflict, PermissionDenied
from engine.runtime.incidents import StepFailed

KEY = "sop_gangguan_database"
GOOD, BAD = b">gangguan_selesai == true<", b">hasil_sesuai == true<"
PPTI, PTI, ADM = "pemeriksa_pengelola_ti", "pengelola_ti", "administrator_jaringan_server"
PDI, KABID = "pengawas_data_integrasi", "pejabat_administrator_tik"
STEPS = {
    "gdb_01": Step("Menerima dan mencatat laporan ke form isian laporan", PPTI, "PT30M"),
    "gdb_02": Step("Menerima dan mengecek laporan, lalu mendisposisikan", KABID, "PT1H"),
    "gdb_03": Step("Memberikan arahan penyelesaian gangguan database", PDI, "PT1H"),
    "gdb_04": Step("Menindaklanjuti disposisi dan melakukan pengecekan", PPTI, "P2D"),
    "gdb_05": Step("Memeriksa gangguan database pada server dan melaporkan hasilnya", ADM, "PT15M"),
    "gdb_06": Step("Melaporkan hasil pengecekan gangguan", PTI, "PT1H"),
    "gdb_07": Step("Melakukan pengecekan terhadap gangguan dan memberikan arahan", PDI, "PT1H"),
    "gdb_08": Step("Melakukan pengecekan laporan penyelesaian", KABID, "PT15M"),
    "gdb_09": Step("Membuat laporan penyelesaian pekerjaan dan menyampaikannya", PPTI, "PT15M"),
}


@pytest.fixture
def stuck(sop, clock, monkeypatch):
    """A case of a v1 deployed without the data-flow check, run up to its failing decision."""
    sop.users.add_user("pemilik", "Pemilik Proses", PASSWORD, {"pemilik_proses"})
    sop.users.add_user("admin", "Admin Sistem", PASSWORD, {"admin_sistem"})
    good = (ROOT / "processes" / f"{KEY}.bpmn").read_bytes()
    assert deploy_unchecked(sop, good.replace(GOOD, BAD), f"{KEY}.bpmn", "pemilik", monkeypatch).version == 1
    case = Case(sop, clock, KEY, STEPS, starter="pengelola", business_key="GDB/2026/009")
    case.run("gdb_01", "gdb_02", "gdb_03", "gdb_04", "gdb_05", "gdb_06")
    with pytest.raises(StepFailed) as failed:
        case.do("gdb_07", gangguan_selesai=True, arahan_lanjutan="selesai, tutup laporan")
    return sop, case, failed.value, good


def test_a_failing_step_opens_an_incident_and_keeps_the_input(stuck):
    sop, case, error, _good = stuck
    step = STEPS["gdb_07"].name
    assert error.code == "step_failed" and "Error evaluating" not in error.message
    assert error.message.startswith(f"Langkah '{step}' belum dapat diselesaikan karena kesalahan pada model SOP.")
    assert "Isian Anda sudah disimpan" in error.message
    # the case did not move: the step is still open for its performer, nothing of it was stored
    assert [t.element_id for t in sop.queries.open_tasks(case.id)] == ["gdb_07"]
    [incident] = sop.incidents.list_incidents()
    assert (incident.id, incident.instance_id, incident.element_id, incident.status, incident.attempts) == (
        error.context["incident_id"], case.id, "gdb_07", "open", 1)
    assert incident.input["gangguan_selesai"] is True
    assert incident.input["arahan_lanjutan"] == "selesai, tutup laporan" and incident.actor == "kasi_pdi"
    assert incident.failed_element == "gw_gdb_07"
    assert incident.message_in("id") == (
        f"Langkah '{step}' tidak dapat diselesaikan: ekspresi 'hasil_sesuai == true' pada 'Gangguan telah "
        f"selesai?' tidak dapat dihitung (isian 'hasil_sesuai' tidak ada pada data kasus).")
    assert "could not be evaluated (the field 'hasil_sesuai' is not in the case data)" in incident.message_in("en")
    assert "Error evaluating expression" in incident.detail  # the engine's text: details only
    events = [e for e in sop.queries.audit_trail(case.id) if e.event_type == "incident_opened"]
    assert [(e.actor, e.payload["incident_id"], e.payload["element_id"]) for e in events] == [
        ("kasi_pdi", incident.id, "gdb_07")]
    assert "task_completed" not in [e.event_type for e in sop.queries.audit_trail(case.id)
                                    if e.payload.get("element_id") == "gdb_07"]
    for person in ("pemilik", "admin"):
        [notice] = [n for n in sop.notifications.list(person) if n.kind == "incident_opened"]
        assert notice.instance_id == case.id and "hasil_sesuai" in notice.body
        assert notice.title == f"Insiden kasus #{case.id}: langkah '{STEPS['gdb_07'].name}' gagal"
        assert notice.task_id == incident.task_id
    assert not [n for n in sop.notifications.list("pengelola") if n.kind == "incident_opened"]


def test_retry_after_migration_completes_the_step_with_the_kept_input(stuck):
    sop, case, error, good = stuck
    incident_id = error.context["incident_id"]
    with pytest.raises(StepFailed):  # not fixed yet: it fails again and stays open
        sop.incidents.retry(incident_id, "pemilik")
    assert (sop.incidents.get(incident_id).status, sop.incidents.get(incident_id).attempts) == ("open", 2)
    with pytest.raises(PermissionDenied):
        sop.incidents.retry(incident_id, "pengelola")

    assert sop.deployer.deploy_bytes(good, f"{KEY}.bpmn", "pemilik", "kondisi diperbaiki").version == 2
    sop.migrator.migrate_case(case.id, "pemilik", 2)
    result = sop.incidents.retry(incident_id, "pemilik")
    assert result.status == "running"
    assert [t.element_id for t in sop.queries.open_tasks(case.id)] == ["gdb_08"]
    incident = sop.incidents.get(incident_id)
    assert (incident.status, incident.resolved_by) == ("resolved", "pemilik") and sop.incidents.list_incidents() == []
    trail = sop.queries.audit_trail(case.id)
    done = [e for e in trail if e.event_type == "task_completed" and e.payload["element_id"] == "gdb_07"]
    assert [(e.actor, e.payload["data"]["arahan_lanjutan"]) for e in done] == [("kasi_pdi", "selesai, tutup laporan")]
    assert [e.event_type for e in trail if e.event_type.startswith("incident_")] == [
        "incident_opened", "incident_retry_failed", "incident_resolved"]
    assert [(e.payload["flow"]) for e in trail if e.event_type == "gateway_decided"][-1] == "flow_gw_gdb_07_to_gdb_08"
    with pytest.raises(Conflict):
        sop.incidents.retry(incident_id, "admin")
    # the audit trail with its incident still replays: the failures changed nothing of the case
    report = sop.replay.verify_replay(case.id)
    assert report.divergences == [] and report.steps_checked > 10


def test_the_command_line_lists_and_retries_incidents(stuck, tmp_path, monkeypatch, capsys):
    sop, case, error, good = stuck
    incident_id = error.context["incident_id"]
    cli = cli_in_process(monkeypatch, capsys, {"ALUR_INSTANCE_DIR": str(tmp_path),
                                               "ALUR_DATABASE_URL": sop.settings.database_url})
    listed = cli("incident", "list")
    assert f"#{incident_id}  {KEY}  case #{case.id}  step gdb_07  by kasi_pdi" in listed
    assert "isian 'hasil_sesuai' tidak ada pada data kasus" in listed
    assert "the field 'hasil_sesuai' is not in the case data" in cli("incident", "list", "--language", "en")
    assert "Hanya Pemilik Proses atau Admin Sistem" in cli("incident", "retry", str(incident_id), "--by", "pengelola",
                                                           expect=2)
    sop.deployer.deploy_bytes(good, f"{KEY}.bpmn", "pemilik", "kondisi diperbaiki")
    sop.migrator.migrate_case(case.id, "pemilik", 2)
    retried = json.loads(cli("incident", "retry", str(incident_id), "--by", "admin"))
    assert (retried["instance_id"], retried["status"]) == (case.id, "running")
    assert [t.element_id for t in sop.queries.open_tasks(case.id)] == ["gdb_08"]
    assert cli("incident", "list").strip() == "no open incidents"
    assert "error [conflict]" in cli("incident", "retry", str(incident_id), "--by", "admin", expect=2)
