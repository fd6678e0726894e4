"""Replay verification on the small test models: timers, cancelled and running cases, and what it
catches besides an altered decision (case data changed in the case row, the stored model changed)."""
from __future__ import annotations

from datetime import timedelta

import pytest
from audit_helpers import finished_loop_case
from engine_helpers import add_users, ready_task, start_loop_case
from sqlalchemy import text

from engine.errors import CaseNotFound
from engine.runtime.case_migration import CaseMigrator


def test_a_case_whose_timer_fired_replays_the_same(alur, test_data, clock):
    add_users(alur)
    alur.deployer.deploy_file(test_data / "uji_timer.bpmn", "pemilik")
    case = alur.runner.start_case("uji_timer", "pengelola").instance_id
    clock.advance(hours=2, seconds=1)
    alur.runner.wake_case(case)  # the boundary timer interrupts "isi"; "eskalasi" opens
    assert ready_task(alur, case).element_id == "eskalasi"
    report = alur.replay.verify_replay(case)
    assert report.ok, report.lines()
    kinds = [s.event_type for s in alur.histories.replay_states(case).steps]
    assert kinds[-3:] == ["timer_fired", "task_created", "task_cancelled"]


def test_a_timer_recorded_too_early_diverges(alur, test_data, clock):
    add_users(alur)
    alur.deployer.deploy_file(test_data / "uji_timer.bpmn", "pemilik")
    case = alur.runner.start_case("uji_timer", "pengelola").instance_id
    clock.advance(hours=2, seconds=1)
    alur.runner.wake_case(case)
    with alur.db.begin() as conn:  # moved an hour earlier (hash aside: the replay looks at what is recorded)
        conn.execute(text("update audit_event set at = :at where event_type = 'timer_fired'"),
                     {"at": (clock() - timedelta(hours=1)).replace(tzinfo=None)})
    report = alur.replay.verify_replay(case)
    [divergence] = report.divergences
    assert divergence.event_type == "timer_fired" and "timers due at" in divergence.expected
    assert "timers fired: batas" in divergence.found


def test_running_and_cancelled_cases_replay_the_same(alur, test_data):
    add_users(alur)
    alur.deployer.deploy_file(test_data / "uji_loop.bpmn", "pemilik")
    running = start_loop_case(alur, business_key="UJI/1")
    alur.runner.complete_task(ready_task(alur, running).task_id, "pengelola", {"uraian": "x"})
    cancelled = start_loop_case(alur, business_key="UJI/2")
    alur.runner.cancel_case(cancelled, "pengelola", "salah input")
    assert alur.replay.verify_replay(running).ok
    assert alur.replay.verify_replay(cancelled).ok


def test_case_data_changed_in_the_case_row_is_reported(alur, test_data):
    case = finished_loop_case(alur, test_data)
    with alur.db.begin() as conn:
        conn.execute(text("update process_instance set data_json = replace(data_json, 'Sesuai', 'Ditolak')"))
    report = alur.replay.verify_replay(case)
    [divergence] = report.divergences
    assert divergence.event_type == "case data"
    assert 'catatan_periksa: "Sesuai"' in divergence.expected and 'catatan_periksa: "Ditolak"' in divergence.found


def test_a_stored_model_changed_after_deployment_is_reported(alur, test_data):
    case = finished_loop_case(alur, test_data)
    with alur.db.begin() as conn:
        conn.execute(text("update process_definition set bpmn_xml = replace(bpmn_xml, 'disetujui == true', "
                          "'disetujui == false')"))
    report = alur.replay.verify_replay(case)
    [divergence] = report.divergences
    assert (divergence.step, divergence.event_type) == (1, "instance_started")  # the event naming the version
    assert "model changed" in divergence.found
    with pytest.raises(CaseNotFound):
        alur.replay.verify_replay(999)


def test_a_case_moved_to_a_new_version_replays_on_both_versions(alur, test_data, tmp_path, clock):
    """v2 renames the review and turns the approval around (Ya when "disetujui == false"): after the move
    the replay takes its decisions from v2, as the case did."""
    add_users(alur)
    alur.deployer.deploy_file(test_data / "uji_loop.bpmn", "pemilik")
    case = start_loop_case(alur)
    alur.runner.complete_task(ready_task(alur, case).task_id, "pengelola", {"uraian": "x"})
    v2 = tmp_path / "uji_loop.bpmn"
    v2.write_text((test_data / "uji_loop.bpmn").read_text().replace('name="Periksa laporan"', 'name="Periksa ulang"')
                  .replace("disetujui == true", "disetujui == false"))
    alur.deployer.deploy_file(v2, "pemilik")
    CaseMigrator(alur.sessions, alur.definitions, alur.calendar, clock).migrate_case(case, "pemilik")
    alur.runner.complete_task(ready_task(alur, case).task_id, "pengawas", {"disetujui": False})
    assert alur.queries.case(case).status == "completed"
    report = alur.replay.verify_replay(case)
    assert report.ok, report.lines()
    labels = [s.label for s in alur.histories.replay_states(case).steps]
    assert "Kasus dipindahkan ke versi 2" in labels

    with alur.db.begin() as conn:  # the case row made to point back at v1
        conn.execute(text("update process_instance set definition_id = 1"))
    [divergence] = alur.replay.verify_replay(case).divergences
    assert "uji_loop v2" in divergence.expected and "definition id 1" in divergence.found
