"""Replay states from the audit events; every view of a case or a document is itself an audit event."""
from __future__ import annotations

import hashlib

import pytest
from audit_helpers import FIRST, SECOND, finished_loop_case
from engine_helpers import add_users, ready_task, start_loop_case

from engine.audit.chain import case_chain, verify_chains
from engine.errors import CaseNotFound, InvalidInput


def test_states_step_by_step_through_a_loop(alur, test_data, clock):
    case = finished_loop_case(alur, test_data, clock)
    history = alur.histories.replay_states(case)
    assert (history.process_key, history.version) == ("uji_loop", 1)
    assert [s.number for s in history.steps] == list(range(1, 16))  # 16 events, the view is not a step
    assert "case_viewed" not in [s.event_type for s in history.steps]

    first_review = history.steps[3]  # the review was opened
    assert (first_review.event_type, first_review.label) == ("task_created", "Tugas dibuat: Periksa laporan")
    assert set(first_review.done) == {"start", "gabung", "isi"} and first_review.active == ("periksa",)
    assert set(first_review.flows) == {"f1", "f2", "f3"}
    assert first_review.data == {"nomor_kasus": "UJI/001", "uraian": "Server basis data lambat",
                                 "dokumen_laporan": hashlib.sha256(FIRST).hexdigest()}
    assert [(d.filename, d.added_by) for d in first_review.documents] == [("laporan-1.txt", "pengelola")]

    back_to_report = history.steps[7]  # Tidak: the report is open again
    assert back_to_report.active == ("isi",) and {"periksa", "setuju"} <= set(back_to_report.done)
    assert "f5" in back_to_report.flows and "f6" not in back_to_report.flows
    assert back_to_report.data["disetujui"] is False and back_to_report.data["catatan_periksa"] == "Lengkapi log"
    assert back_to_report.passes == {"isi": 1, "periksa": 1}
    assert back_to_report.actor == "pengawas" and back_to_report.at == history.steps[6].at

    end = history.steps[-1]
    assert (end.event_type, end.status, end.active) == ("instance_completed", "completed", ())
    assert set(end.done) == {"start", "gabung", "isi", "periksa", "setuju", "selesai"}
    assert set(end.flows) == {"f1", "f2", "f3", "f4", "f5", "f6"}
    assert end.passes == {"isi": 2, "periksa": 2}
    assert end.data["uraian"] == "Server lambat; log terlampir" and end.data["disetujui"] is True
    assert [d.filename for d in end.documents] == ["laporan-1.txt", "laporan-2.txt"]
    assert end.documents[1].sha256 == hashlib.sha256(SECOND).hexdigest()
    assert end.to_dict()["documents"][0]["added_at"] == history.steps[2].at.isoformat()


def test_every_view_is_an_event_on_the_case_chain(alur, test_data, clock):
    case = finished_loop_case(alur, test_data, clock)
    sha = hashlib.sha256(SECOND).hexdigest()
    clock.advance(minutes=5)
    alur.read_log.record_read("auditor1", case, "replay", remote_addr="10.1.2.3")
    alur.read_log.record_read("auditor1", case, "document", document_sha256=sha)
    views = [e for e in alur.queries.audit_trail(case) if e.event_type in ("case_viewed", "document_viewed")]
    assert [(e.event_type, e.actor, e.payload.get("what")) for e in views] == [
        ("case_viewed", "pengawas", "case"), ("case_viewed", "auditor1", "replay"),
        ("document_viewed", "auditor1", "document")]
    assert views[1].payload["remote_addr"] == "10.1.2.3" and views[1].at == clock()
    assert views[2].payload == {"what": "document", "sha256": sha, "filename": "laporan-2.txt", "remote_addr": None}
    assert all(e.chain == case_chain(case) for e in views)
    with alur.sessions() as session:
        assert verify_chains(session) == []
    assert alur.replay.verify_replay(case).ok  # views change nothing a replay compares


def test_a_view_needs_a_known_case_and_kind(alur, test_data):
    case = finished_loop_case(alur, test_data)
    with pytest.raises(CaseNotFound):
        alur.read_log.record_read("auditor1", 999, "case")
    with pytest.raises(InvalidInput):
        alur.read_log.record_read("auditor1", case, "peek")
    with pytest.raises(InvalidInput):
        alur.read_log.record_read("auditor1", case, "document")
    with pytest.raises(CaseNotFound):
        alur.histories.replay_states(999)


def test_a_claim_and_a_reassignment_name_their_own_step_when_two_steps_share_a_name(alur, test_data):
    """A claim's or a reassignment's event carries the task, not its element: the history finds the
    element from the task's creation, never by the step's name (two steps may share one)."""
    add_users(alur)
    same_names = (test_data / "uji_loop.bpmn").read_bytes().replace(b'name="Periksa laporan"', b'name="Isi laporan"')
    alur.deployer.deploy_bytes(same_names, "uji_loop.bpmn", "pemilik")
    case = start_loop_case(alur)
    report = ready_task(alur, case)
    alur.runner.reassign_task(report.task_id, "pengawas", "pengelola2", "Pengelola sedang dinas luar")
    alur.runner.complete_task(report.task_id, "pengelola2", {"uraian": "Server lambat"})
    alur.runner.claim_task(ready_task(alur, case).task_id, "pengawas")

    steps = {s.event_type: s for s in alur.histories.replay_states(case).steps}
    assert steps["task_claimed"].payload["name"] == steps["task_reassigned"].payload["name"] == "Isi laporan"
    assert (steps["task_claimed"].element_id, steps["task_reassigned"].element_id) == ("periksa", "isi")
    assert steps["task_completed"].element_id == "isi" and steps["instance_started"].element_id is None
    assert steps["task_reassigned"].to_dict()["element_id"] == "isi"
