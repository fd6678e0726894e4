"""Replay verification on the small test models: timers, cancelled and running cases, and what it
catches besides an altered decision (case data changed in the case row, the stored model changed)."""
from __future__ import annotations

from datetime import timedelta

import pytest
from audit_helpers import finished_loop_case
from engine_helpers import add_users, ready_task, start_loop_case
from sqlalchemy import text

from engine.errors import InstanceNotFound


def test_a_case_whose_timer_fired_replays_the_same(alur, test_data, clock):
    add_users(alur)
    alur.deployer.deploy_file(test_data / "uji_timer.bpmn", "pemilik")
    case = alur.runner.start_instance("uji_timer", "pengelola").instance_id
    clock.advance(hours=2, seconds=1)
    alur.runner.wake_instance(case)  # the boundary timer interrupts "isi"; "eskalasi" opens
    assert ready_task(alur, case).element_id == "eskalasi"
    report = alur.replay.verify_replay(case)
    assert report.ok, report.lines()
    kinds = [s.event_type for s in alur.histories.replay_states(case).steps]
    assert kinds[-3:] == ["timer_fired", "task_created", "task_cancelled"]


def test_a_timer_recorded_too_early_diverges(alur, test_data, clock):
    add_users(alur)
    alur.deployer.deploy_file(test_data / "uji_timer.bpmn", "pemilik")
    case = alur.runner.start_instance("uji_timer", "pengelola").instance_id
    clock.advance(hours=2, seconds=1)
    alur.runner.wake_instance(case)
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
    alur.runner.cancel_instance(cancelled, "pengelola", "salah input")
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
    assert (divergence.step, divergence.event_type) == (0, "definition_deployed")
    assert "model changed" in divergence.found
    with pytest.raises(InstanceNotFound):
        alur.replay.verify_replay(999)
