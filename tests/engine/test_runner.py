"""Runtime use cases: start, claim, complete, reassign, cancel; nothing half-done is stored."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from engine_helpers import add_users, ready_task, start_loop_case

from engine.errors import (ConcurrentUpdate, DefinitionNotFound, FormInvalid, InvalidInput, PermissionDenied,
                           TaskClaimedByOther, TaskNotFound, TaskNotOpen)


@pytest.fixture
def deployed(alur, test_data):
    add_users(alur)
    alur.deployer.deploy_file(test_data / "uji_loop.bpmn", "pemilik")
    return alur


def events(alur, instance_id):
    return [e.event_type for e in alur.queries.audit_trail(instance_id)]


def test_start_assigns_first_task_to_starter_with_due_date_from_mutu_baku(deployed, clock):
    case = start_loop_case(deployed)
    task = ready_task(deployed, case)
    assert (task.element_id, task.role, task.state, task.assignee) == ("isi", "pengelola_ti", "claimed", "pengelola")
    # Monday 08:30 WITA + 30 working minutes
    assert task.due_at == datetime(2026, 11, 23, 1, 0, tzinfo=timezone.utc)
    instance = deployed.queries.case(case)
    assert instance.business_key == "UJI/001"
    assert instance.due_at == datetime(2026, 11, 26, 8, 0, tzinfo=timezone.utc)  # end of 3rd working day
    assert events(deployed, case) == ["instance_started", "task_created"]


def test_a_role_outside_the_start_lanes_cannot_start(deployed):
    with pytest.raises(PermissionDenied):
        deployed.runner.start_case("uji_loop", "pengawas")


def test_unknown_process_cannot_start(deployed):
    with pytest.raises(DefinitionNotFound):
        deployed.runner.start_case("tidak_ada", "pengelola")


def test_full_loop_once_with_gateway_decisions_audited(deployed):
    case = start_loop_case(deployed)
    deployed.runner.complete_task(ready_task(deployed, case).task_id, "pengelola", {"uraian": "pertama"})
    review = ready_task(deployed, case)
    assert (review.element_id, review.role, review.state) == ("periksa", "pengawas", "ready")
    deployed.runner.claim_task(review.task_id, "pengawas")
    deployed.runner.complete_task(review.task_id, "pengawas", {"disetujui": False, "catatan_periksa": "ulang"})
    again = ready_task(deployed, case)
    assert (again.element_id, again.state) == ("isi", "ready")
    deployed.runner.complete_task(again.task_id, "pengelola2", {"uraian": "kedua"})
    final = ready_task(deployed, case)
    deployed.runner.complete_task(final.task_id, "pengawas", {"disetujui": True})
    instance = deployed.queries.case(case)
    assert instance.status == "completed"
    assert instance.data["uraian"] == "kedua" and instance.data["catatan_periksa"] == "ulang"
    decisions = [e.payload for e in deployed.queries.audit_trail(case) if e.event_type == "gateway_decided"]
    assert [d["answer"] for d in decisions] == ["Tidak", "Ya"]
    assert decisions[0]["question"] == "Laporan disetujui?"


def test_invalid_form_returns_every_field_error_and_stores_nothing(deployed):
    case = start_loop_case(deployed)
    task = ready_task(deployed, case)
    before = events(deployed, case)
    with pytest.raises(FormInvalid) as info:
        deployed.runner.complete_task(task.task_id, "pengelola", {"jumlah": -1, "liar": 1})
    assert set(info.value.errors) == {"uraian", "jumlah", "liar"}
    assert info.value.errors["uraian"] == "Wajib diisi."
    assert ready_task(deployed, case).version == task.version
    assert events(deployed, case) == before


def test_document_field_must_reference_an_uploaded_attachment(deployed):
    case = start_loop_case(deployed)
    with pytest.raises(FormInvalid) as info:
        deployed.runner.complete_task(ready_task(deployed, case).task_id, "pengelola",
                                      {"uraian": "x", "dokumen_laporan": "0" * 64})
    assert "dokumen_laporan" in info.value.errors


def test_non_object_data_is_refused(deployed):
    case = start_loop_case(deployed)
    with pytest.raises(InvalidInput):
        deployed.runner.complete_task(ready_task(deployed, case).task_id, "pengelola", ["uraian"])


def test_another_roles_task_is_refused(deployed):
    case = start_loop_case(deployed)
    with pytest.raises(PermissionDenied):
        deployed.runner.complete_task(ready_task(deployed, case).task_id, "pengawas", {"uraian": "x"})


def test_claimed_task_cannot_be_taken_or_completed_by_another(deployed):
    case = start_loop_case(deployed)
    task = ready_task(deployed, case)
    with pytest.raises(TaskClaimedByOther):
        deployed.runner.claim_task(task.task_id, "pengelola2")
    with pytest.raises(TaskClaimedByOther):
        deployed.runner.complete_task(task.task_id, "pengelola2", {"uraian": "x"})


def test_unclaim_returns_the_task_to_the_pool(deployed):
    case = start_loop_case(deployed)
    task = ready_task(deployed, case)
    with pytest.raises(PermissionDenied):
        deployed.runner.unclaim_task(task.task_id, "pengelola2")
    deployed.runner.unclaim_task(task.task_id, "pengelola")
    assert ready_task(deployed, case).state == "ready"
    deployed.runner.claim_task(task.task_id, "pengelola2")
    assert ready_task(deployed, case).assignee == "pengelola2"


def test_reassign_needs_a_supervising_role_and_a_capable_target(deployed):
    case = start_loop_case(deployed)
    task = ready_task(deployed, case)
    with pytest.raises(PermissionDenied):
        deployed.runner.reassign_task(task.task_id, "pengelola", "pengelola2", "cuti")
    with pytest.raises(InvalidInput):  # isi is narrowed to pengelola_ti
        deployed.runner.reassign_task(task.task_id, "pengawas", "pemeriksa", "cuti")
    deployed.runner.reassign_task(task.task_id, "pengawas", "pengelola2", "cuti")
    assert ready_task(deployed, case).assignee == "pengelola2"
    assert events(deployed, case)[-1] == "task_reassigned"


def test_completing_twice_is_a_conflict_naming_who_completed(deployed):
    case = start_loop_case(deployed)
    task = ready_task(deployed, case)
    deployed.runner.complete_task(task.task_id, "pengelola", {"uraian": "x"})
    with pytest.raises(TaskNotOpen) as info:
        deployed.runner.complete_task(task.task_id, "pengelola", {"uraian": "x"})
    assert info.value.context["completed_by"] == "pengelola"


def test_stale_form_version_is_a_conflict(deployed):
    case = start_loop_case(deployed)
    task = ready_task(deployed, case)
    deployed.runner.unclaim_task(task.task_id, "pengelola")  # bumps the task's version
    with pytest.raises(ConcurrentUpdate):
        deployed.runner.complete_task(task.task_id, "pengelola", {"uraian": "x"}, expected_version=task.version)


def test_unknown_task(deployed):
    with pytest.raises(TaskNotFound):
        deployed.runner.claim_task("00000000-0000-0000-0000-000000000000", "pengelola")


def test_cancel_by_starter_closes_open_tasks(deployed):
    case = start_loop_case(deployed)
    with pytest.raises(InvalidInput):
        deployed.runner.cancel_case(case, "pengelola", "  ")
    with pytest.raises(PermissionDenied):
        deployed.runner.cancel_case(case, "pemeriksa", "salah input")
    deployed.runner.cancel_case(case, "pengelola", "salah input")
    assert deployed.queries.case(case).status == "cancelled"
    assert [t.state for t in deployed.queries.case_tasks(case)] == ["cancelled"]
    with pytest.raises(TaskNotOpen):
        deployed.runner.complete_task(ready_task_id(deployed, case), "pengelola", {"uraian": "x"})


def ready_task_id(alur, case):
    return alur.queries.case_tasks(case)[0].task_id
