"""Drafts: kept per user and task, private, not audited; they survive a lost race and a refused
submission, are refused on bad input, and are cleaned up by the worker once their task closed."""
from __future__ import annotations

import io
from datetime import timedelta
from itertools import groupby

import pytest
from engine_helpers import add_users, ready_task, start_loop_case, traced_sqlite_alur
from sqlalchemy import func, select

from engine.errors import (DraftInvalid, DraftTooLarge, FormInvalid, PermissionDenied, TaskClaimedByOther,
                           TaskNotFound, TaskNotOpen)
from engine.persistence.models import AuditEvent, TaskDraft
from engine.runtime.drafts import KEEP_UNSENT, MAX_DRAFT_BYTES

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def deployed(alur, test_data):
    add_users(alur)
    alur.deployer.deploy_file(test_data / "uji_loop.bpmn", "pemilik")
    return alur


def open_pool_task(alur):
    """The first task of a new case, given back to the pengelola_ti pool."""
    task = ready_task(alur, start_loop_case(alur))
    alur.runner.unclaim_task(task.task_id, "pengelola")
    return task


def audit_count(alur) -> int:
    with alur.sessions() as session:
        return session.scalar(select(func.count()).select_from(AuditEvent))


def test_a_draft_is_kept_replaced_and_read_back_by_its_owner(deployed, clock):
    task = open_pool_task(deployed)
    first = deployed.drafts.save(task.task_id, "pengelola", {"uraian": "setengah", "jumlah": "dua belas"})
    assert (first.data, first.saved_at, first.task_open) == ({"uraian": "setengah", "jumlah": "dua belas"},
                                                             clock.now, True)
    clock.advance(minutes=3)
    deployed.drafts.save(task.task_id, "pengelola", {"uraian": "hampir selesai"})
    again = deployed.drafts.get(task.task_id, "pengelola")
    assert (again.data, again.saved_at) == ({"uraian": "hampir selesai"}, clock.now)
    page = deployed.cases.task_page(task.task_id, "pengelola")
    assert page.draft == again and page.values == {}  # the form's own prefill stays as it was
    assert deployed.drafts.discard(task.task_id, "pengelola") is True
    assert deployed.drafts.get(task.task_id, "pengelola") is None
    assert deployed.drafts.discard(task.task_id, "pengelola") is False


def test_a_draft_is_private_and_not_part_of_the_record(deployed):
    task = open_pool_task(deployed)
    before = audit_count(deployed)
    deployed.drafts.save(task.task_id, "pengelola", {"uraian": "rahasia kecil"})
    deployed.drafts.discard(task.task_id, "pengelola")
    deployed.drafts.save(task.task_id, "pengelola", {"uraian": "rahasia kecil"})
    assert audit_count(deployed) == before  # saving and discarding write no audit event
    assert deployed.drafts.get(task.task_id, "pengelola2") is None  # a colleague of the same role
    assert deployed.cases.task_page(task.task_id, "pengelola2").draft is None
    assert deployed.cases.task_page(task.task_id, "pengawas").draft is None  # a supervisor reads the task
    case_page = deployed.cases.case_page(task.instance_id, "pengelola")
    assert "rahasia kecil" not in repr(case_page)


def test_a_draft_survives_a_validation_error(deployed):
    task = open_pool_task(deployed)
    deployed.drafts.save(task.task_id, "pengelola", {"uraian": "", "jumlah": -1})
    with pytest.raises(FormInvalid):
        deployed.runner.complete_task(task.task_id, "pengelola", {"uraian": "", "jumlah": -1})
    assert deployed.drafts.get(task.task_id, "pengelola").data == {"uraian": "", "jumlah": -1}


def test_a_draft_survives_a_colleague_claiming_then_completing_the_task(deployed):
    task = open_pool_task(deployed)
    deployed.drafts.save(task.task_id, "pengelola", {"uraian": "ketikan saya"})
    deployed.runner.claim_task(task.task_id, "pengelola2")
    with pytest.raises(TaskClaimedByOther):  # a 409
        deployed.runner.complete_task(task.task_id, "pengelola", {"uraian": "ketikan saya"})
    kept = deployed.drafts.get(task.task_id, "pengelola")
    assert (kept.data, kept.task_open) == ({"uraian": "ketikan saya"}, True)
    deployed.drafts.save(task.task_id, "pengelola", {"uraian": "ketikan saya, lanjut"})  # still allowed
    deployed.runner.complete_task(task.task_id, "pengelola2", {"uraian": "punya rekan"})
    with pytest.raises(TaskNotOpen):  # a 409
        deployed.runner.complete_task(task.task_id, "pengelola", {"uraian": "ketikan saya, lanjut"})
    leftover = deployed.drafts.get(task.task_id, "pengelola")
    assert (leftover.data, leftover.task_open) == ({"uraian": "ketikan saya, lanjut"}, False)  # read only
    assert deployed.cases.task_page(task.task_id, "pengelola").draft == leftover
    with pytest.raises(TaskNotOpen):
        deployed.drafts.save(task.task_id, "pengelola", {"uraian": "terlambat"})


def test_the_owner_completing_the_task_ends_the_draft_and_the_worker_removes_it(deployed, clock):
    task = open_pool_task(deployed)
    deployed.drafts.save(task.task_id, "pengelola", {"uraian": "x"})
    deployed.drafts.save(task.task_id, "pengelola2", {"uraian": "y"})
    deployed.runner.complete_task(task.task_id, "pengelola", {"uraian": "x"})
    assert deployed.drafts.get(task.task_id, "pengelola") is None  # ignored at once
    deployed.scheduling.run_due(clock.now)
    assert stored_drafts(deployed) == [(task.task_id, "pengelola2")]  # the colleague's is kept, read only
    clock.advance(seconds=(KEEP_UNSENT - timedelta(minutes=1)).total_seconds())
    assert deployed.drafts.purge(clock.now) == 0
    clock.advance(minutes=2)
    assert deployed.drafts.purge(clock.now) == 1
    assert stored_drafts(deployed) == []


def test_drafts_of_open_tasks_are_never_purged(deployed, clock):
    task = open_pool_task(deployed)
    deployed.drafts.save(task.task_id, "pengelola", {"uraian": "lama"})
    clock.advance(days=400)
    assert deployed.drafts.purge(clock.now) == 0
    assert deployed.drafts.get(task.task_id, "pengelola").data == {"uraian": "lama"}


def stored_drafts(alur) -> list[tuple[str, str]]:
    with alur.sessions() as session:
        return [tuple(r) for r in session.execute(select(TaskDraft.task_id, TaskDraft.username)
                                                  .order_by(TaskDraft.username))]


# -- bad input ----------------------------------------------------------------------------------

@pytest.mark.parametrize("data", [["uraian"], "uraian", None, 12])
def test_a_draft_that_is_not_an_object_is_refused(deployed, data):
    task = open_pool_task(deployed)
    with pytest.raises(DraftInvalid):
        deployed.drafts.save(task.task_id, "pengelola", data)


def test_a_field_the_form_lacks_is_refused_and_nothing_is_stored(deployed):
    task = open_pool_task(deployed)
    with pytest.raises(DraftInvalid) as refused:
        deployed.drafts.save(task.task_id, "pengelola", {"uraian": "ok", "gaji": 1})
    assert refused.value.context["field"] == "gaji" and "gaji" in refused.value.message
    assert stored_drafts(deployed) == []


def test_a_draft_over_one_megabyte_is_refused(deployed):
    task = open_pool_task(deployed)
    deployed.drafts.save(task.task_id, "pengelola", {"uraian": "a" * (MAX_DRAFT_BYTES - 20)})
    with pytest.raises(DraftTooLarge) as refused:
        deployed.drafts.save(task.task_id, "pengelola", {"uraian": "é" * (MAX_DRAFT_BYTES // 2)})
    assert "1 MB" in refused.value.message and refused.value.code == "draft_too_large"
    assert len(deployed.drafts.get(task.task_id, "pengelola").data["uraian"]) == MAX_DRAFT_BYTES - 20


def test_unknown_task_and_another_roles_task_are_refused(deployed):
    task = open_pool_task(deployed)
    with pytest.raises(TaskNotFound):
        deployed.drafts.save("00000000-0000-0000-0000-000000000000", "pengelola", {})
    for call in (lambda: deployed.drafts.save(task.task_id, "pemeriksa", {"uraian": "x"}),
                 lambda: deployed.drafts.get(task.task_id, "pemeriksa"),
                 lambda: deployed.drafts.discard(task.task_id, "pemeriksa")):
        with pytest.raises(PermissionDenied):
            call()


def test_a_document_must_be_the_users_own_upload_or_carried_by_the_case(deployed):
    mine = deployed.attachments.store(io.BytesIO(PDF), "laporan.pdf", "pengelola").sha256
    theirs = deployed.attachments.store(io.BytesIO(PDF + b"%2"), "lain.pdf", "pengelola2").sha256
    task = open_pool_task(deployed)
    assert deployed.drafts.save(task.task_id, "pengelola", {"dokumen_laporan": mine}).data["dokumen_laporan"] == mine
    for bad in (theirs, "0" * 64, "bukan-sha", 7):
        with pytest.raises(DraftInvalid) as refused:
            deployed.drafts.save(task.task_id, "pengelola", {"dokumen_laporan": bad})
        assert refused.value.context["field"] == "dokumen_laporan"
    # on the loop's second pass the case carries pengelola2's report: reusing it is fine
    deployed.runner.complete_task(task.task_id, "pengelola2", {"uraian": "x", "dokumen_laporan": theirs})
    review = ready_task(deployed, task.instance_id)
    deployed.runner.complete_task(review.task_id, "pengawas", {"disetujui": False, "catatan_periksa": "ulang"})
    second = ready_task(deployed, task.instance_id)
    assert deployed.drafts.save(second.task_id, "pengelola", {"dokumen_laporan": theirs}).task_open


def test_completing_with_a_draft_present_is_still_one_read_and_six_writes(tmp_path, clock, test_data):
    """Drafts stay off the completion path (see tests/engine/test_transaction.py)."""
    alur, engine, traced = traced_sqlite_alur(tmp_path, clock, test_data)
    task = ready_task(alur, start_loop_case(alur))
    alur.drafts.save(task.task_id, "pengelola", {"uraian": "x"})
    traced.clear()
    alur.runner.complete_task(task.task_id, "pengelola", {"uraian": "x"})
    engine.dispose()
    # a repeat is one statement: SQLite traces the search index's trigger on the case UPDATE as that
    # statement again (tests/engine/test_transaction.py)
    body = [k for k, _ in groupby(" ".join(s.split()[:3]) for s in traced[1:-1]
                                  if not s.startswith("INSERT INTO audit_event"))]
    assert body == ["SELECT human_task.id, human_task.instance_id,", "UPDATE human_task SET",
                    "INSERT INTO step_figure", "INSERT INTO human_task", "UPDATE process_instance SET",
                    "UPDATE audit_chain_head SET"]  # step_figure: the dashboard's figure of the step
