"""A timer that fires and then fails in the engine (a model deployed before the data-flow check) does not
strand its case in silence: the first failure opens an incident, notifies the process owners and Admin
Sistem and writes an audit event; later failures count on the same incident; once the owner fixed the
model and migrated the case, "Coba lagi" (or the worker's next try) fires the timer and resolves it."""
from __future__ import annotations


import pytest
from engine_helpers import alur_with_owners, ready_task

from alur_testing import deploy_unchecked
from engine.errors import Conflict
from engine.runtime.incidents import StepFailed

# v1: the timer's path runs into a decision on a field no form fills in
DECISION = ('<bpmn:exclusiveGateway id="gw_batas" name="Perlu eskalasi?" default="f3b"><bpmn:incoming>f3'
            '</bpmn:incoming><bpmn:outgoing>f3a</bpmn:outgoing><bpmn:outgoing>f3b</bpmn:outgoing>'
            '</bpmn:exclusiveGateway>'
            '<bpmn:sequenceFlow id="f3a" name="Ya" sourceRef="gw_batas" targetRef="eskalasi">'
            '<bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">{condition}</bpmn:conditionExpression>'
            '</bpmn:sequenceFlow><bpmn:sequenceFlow id="f3b" name="Tidak" sourceRef="gw_batas" '
            'targetRef="eskalasi"/>')


def with_decision(test_data, condition: str) -> bytes:
    xml = (test_data / "uji_timer.bpmn").read_text(encoding="utf-8")
    xml = xml.replace('xmlns:camunda=', 'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:camunda=', 1)
    xml = xml.replace('<bpmn:sequenceFlow id="f3" sourceRef="batas" targetRef="eskalasi"/>',
                      '<bpmn:sequenceFlow id="f3" sourceRef="batas" targetRef="gw_batas"/>'
                      + DECISION.format(condition=condition))
    xml = xml.replace("<bpmn:incoming>f3</bpmn:incoming><bpmn:outgoing>f4</bpmn:outgoing>",
                      "<bpmn:incoming>f3a</bpmn:incoming><bpmn:incoming>f3b</bpmn:incoming>"
                      "<bpmn:outgoing>f4</bpmn:outgoing>")
    return xml.replace("<bpmn:flowNodeRef>batas</bpmn:flowNodeRef>",
                       "<bpmn:flowNodeRef>batas</bpmn:flowNodeRef><bpmn:flowNodeRef>gw_batas</bpmn:flowNodeRef>"
                       ).encode("utf-8")


@pytest.fixture
def failed_timer(db_engine, tmp_path, test_data, clock, monkeypatch):
    alur = alur_with_owners(db_engine, tmp_path, test_data, clock)
    v1 = with_decision(test_data, "hasil_sesuai == true")
    deploy_unchecked(alur, v1, "uji_timer.bpmn", "pemilik", monkeypatch)
    case = alur.runner.start_case("uji_timer", "pengelola", "UJI/T1").instance_id
    clock.advance(hours=3)
    assert alur.scheduling.fire_due_timers(clock()) == 0
    return alur, case


def test_a_timer_failing_in_the_engine_opens_one_incident_and_tells_the_owners(failed_timer, clock):
    alur, case = failed_timer
    assert ready_task(alur, case).element_id == "isi"  # the case did not move
    [incident] = alur.incidents.list_incidents()
    assert (incident.instance_id, incident.element_id, incident.failed_element, incident.attempts) == (
        case, "batas", "gw_batas", 1)
    assert incident.message_in("id") == (
        "Pewaktu 'Lewat 2 jam' tidak dapat dijalankan: ekspresi 'hasil_sesuai == true' pada 'Perlu eskalasi?' "
        "tidak dapat dihitung (isian 'hasil_sesuai' tidak ada pada data kasus).")
    assert incident.message_in("en").startswith("The timer 'Lewat 2 jam' could not run: the expression")
    assert "Error evaluating" in incident.detail and "Error evaluating" not in incident.message_in("id")
    trail = alur.queries.audit_trail(case)
    assert [e.payload["incident_id"] for e in trail if e.event_type == "incident_opened"] == [incident.id]
    for person in ("pemilik", "admin"):
        [notice] = [n for n in alur.notifications.list(person) if n.kind == "incident_opened"]
        assert notice.instance_id == case and "hasil_sesuai" in notice.body
        assert notice.title.startswith(f"Insiden kasus #{case}: pewaktu '") and notice.task_id is None
    # the worker tries again later: the same incident counts the failure, nobody is told twice
    clock.advance(minutes=5)
    assert alur.scheduling.fire_due_timers(clock()) == 0
    [again] = alur.incidents.list_incidents()
    assert (again.id, again.attempts) == (incident.id, 2)
    assert len([n for n in alur.notifications.list("pemilik") if n.kind == "incident_opened"]) == 1
    assert len([e for e in alur.queries.audit_trail(case) if e.event_type == "incident_opened"]) == 1


def test_retry_after_migration_fires_the_timer_and_resolves_the_incident(failed_timer, test_data):
    alur, case = failed_timer
    [incident] = alur.incidents.list_incidents()
    with pytest.raises(StepFailed):  # not fixed yet
        alur.incidents.retry(incident.id, "pemilik")
    assert alur.incidents.get(incident.id).attempts == 2
    alur.deployer.deploy_bytes(with_decision(test_data, "true"), "uji_timer.bpmn", "pemilik", "diperbaiki")
    alur.migrator.migrate_case(case, "pemilik", 2)
    result = alur.incidents.retry(incident.id, "pemilik")
    assert (result.instance_id, result.status) == (case, "running")
    assert ready_task(alur, case).element_id == "eskalasi"
    assert (alur.incidents.get(incident.id).status, alur.incidents.get(incident.id).resolved_by) == (
        "resolved", "pemilik")
    assert [e.event_type for e in alur.queries.audit_trail(case) if e.event_type.startswith("incident_")] == [
        "incident_opened", "incident_retry_failed", "incident_resolved"]
    with pytest.raises(Conflict):
        alur.incidents.retry(incident.id, "admin")
    report = alur.replay.verify_replay(case)  # the failures changed nothing of the case
    assert report.divergences == [], report


def test_the_workers_next_try_after_migration_resolves_the_incident(failed_timer, test_data, clock):
    alur, case = failed_timer
    [incident] = alur.incidents.list_incidents()
    alur.deployer.deploy_bytes(with_decision(test_data, "true"), "uji_timer.bpmn", "pemilik", "diperbaiki")
    alur.migrator.migrate_case(case, "pemilik", 2)
    clock.advance(minutes=5)
    assert alur.scheduling.fire_due_timers(clock()) == 1
    assert ready_task(alur, case).element_id == "eskalasi"
    assert alur.incidents.get(incident.id).status == "resolved" and alur.incidents.list_incidents() == []
