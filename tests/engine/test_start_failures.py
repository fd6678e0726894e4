"""A model that fails as a case starts (deployed before the data-flow check existed: here by bypassing it)
strands nobody silently: nothing of the case is stored, the starter is told in words what failed (never
SpiffWorkflow's own text), the process owners and Admin Sistem are notified, and the system audit chain
says what failed. ``engine.runtime.incidents.report_start_failure``."""
from __future__ import annotations

import json

import pytest
from alur_testing import deploy_unchecked
from engine_helpers import alur_with_owners, broken_loop
from sqlalchemy import func, select

from engine.audit.chain import SYSTEM_CHAIN
from engine.persistence.models import AuditEvent, HumanTask, Notification, ProcessInstance
from engine.runtime.incidents import StartFailed

@pytest.fixture
def broken(db_engine, tmp_path, clock, test_data, monkeypatch):
    alur = alur_with_owners(db_engine, tmp_path, test_data, clock)
    assert deploy_unchecked(alur, broken_loop(test_data), "uji_loop.bpmn", "pemilik", monkeypatch).version == 1
    return alur


def _count(alur, model, *where) -> int:
    with alur.sessions() as session:
        return session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def test_a_start_that_fails_in_the_model_stores_no_case_and_tells_the_starter_in_words(broken):
    before = _count(broken, AuditEvent)
    with pytest.raises(StartFailed) as failed:
        broken.runner.start_case("uji_loop", "pengelola", "UJI/START/1")
    error = failed.value
    assert error.code == "start_failed"
    assert error.message.startswith("Kasus 'Uji loop' tidak dapat dimulai: ekspresi")
    assert "belum_ada" in error.message and "isian 'belum_ada' tidak ada pada data kasus" in error.message
    assert "Error evaluating" not in error.message and "NameNotDefined" not in error.message
    assert error.context["process_key"] == "uji_loop" and error.context["words"]["key"] == "incident.start_expression"
    # nothing of the case: no instance, no task
    assert _count(broken, ProcessInstance) == 0 and _count(broken, HumanTask) == 0
    # one event on the system chain, with the engine's own text kept as the detail
    with broken.sessions() as session:
        events = session.scalars(select(AuditEvent).where(AuditEvent.id > 0).order_by(AuditEvent.id)).all()
    new = [e for e in events][before:]
    assert [(e.chain, e.event_type, e.actor) for e in new] == [(SYSTEM_CHAIN, "start_failed", "pengelola")]
    payload = json.loads(new[0].payload_json)
    assert payload["process_key"] == "uji_loop" and payload["message"] in error.message
    assert "belum_ada" in payload["detail"]


def test_the_process_owners_and_admin_sistem_are_told_once_a_day(broken):
    for attempt in range(3):
        with pytest.raises(StartFailed):
            broken.runner.start_case("uji_loop", "pengelola", f"UJI/START/{attempt}")
    with broken.sessions() as session:
        notices = session.execute(select(Notification.username, Notification.kind, Notification.title)
                                  .order_by(Notification.username)).all()
    assert [(n.username, n.kind) for n in notices] == [("admin", "start_failed"), ("pemilik", "start_failed")]
    assert all(n.title == "Kasus 'Uji loop' gagal dimulai" for n in notices)
    # every try is on the audit chain
    assert _count(broken, AuditEvent, AuditEvent.event_type == "start_failed") == 3
