"""The stored state written directly (engine.runtime.serializer) is what SpiffWorkflow's registry writes.

Every save of a case goes through a checking ``dump_state``: the direct writer's JSON must equal,
character for character, the registry's JSON of the same workflow (and hold the values SpiffWorkflow's
own serializer, the json module, writes); the faster pruning must remove
what the first pruning removes from a copy of the unpruned state; and the state must load and dump
back to itself. Checked at every step of the five SOPs, of a Ya/Tidak loop that prunes, of a timer
that fires, and of a model with an embedded subprocess.
"""
from __future__ import annotations

import io
import json
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from engine_helpers import add_users, ready_task
from lxml import etree
from process_helpers import CAST, FillContext, form_data, person_for, register_for
from SpiffWorkflow.util.task import TaskState

from engine import UploadTarget
from engine.modeling.parser import DefinitionParser
from engine.runtime import runner as runner_module
from engine.runtime import serializer
from engine.worktime.clock import utcnow

pytestmark = pytest.mark.sqlite_only("compares two serializers of the same workflow in memory; no SQL of its own")

SOPS = ("sop_gangguan_database", "sop_pengelolaan_data", "sop_gangguan_jaringan",
        "sop_pemeliharaan_akses_dc", "sop_backup_restore_db")


def _registry_json(workflow: Any) -> str:
    """The registry's dict of the workflow, as the state's encoder writes it."""
    dct = serializer._generic_state_dict(workflow)
    dct["format"] = serializer.STATE_FORMAT
    return serializer.encode_state(dct)


def _json_module_text(workflow: Any) -> str:
    """The registry's dict of the workflow, as SpiffWorkflow's serializer writes it (the json module)."""
    dct = serializer._generic_state_dict(workflow)
    dct["format"] = serializer.STATE_FORMAT
    return json.dumps(dct, cls=serializer._SERIALIZER._encoder_cls, separators=(",", ":"))


class CheckedDump:
    """dump_state that checks the direct writer and the faster pruning against the registry's."""

    def __init__(self) -> None:
        self.dumps = 0
        self.pruned = 0
        self.subprocess_tasks = 0

    def __call__(self, workflow: Any) -> str:
        copy = serializer.load_state(_registry_json(workflow), workflow.spec, workflow.subprocess_specs)
        removed = serializer.prune_history(workflow)
        assert serializer._prune_history_reference(copy) == removed
        assert sorted(map(str, workflow.tasks)) == sorted(map(str, copy.tasks))
        assert serializer._state_dict(workflow) is not None  # the direct writer took it
        written = serializer.dump_state(workflow)
        assert written == _registry_json(workflow)
        assert json.loads(written) == json.loads(_json_module_text(workflow))  # orjson: the same values
        assert json.loads(written) == json.loads(_registry_json(copy))
        again = serializer.load_state(written, workflow.spec, workflow.subprocess_specs)
        assert serializer.dump_state(again) == written
        self.dumps += 1
        self.pruned += removed
        self.subprocess_tasks += sum(len(sub.tasks) for sub in workflow.subprocesses.values())
        return written


@pytest.fixture
def checked(monkeypatch) -> CheckedDump:
    check = CheckedDump()
    monkeypatch.setattr(runner_module, "dump_state", check)
    return check


def _upload(alur, actor: str, label: str, target: UploadTarget) -> str:
    content = f"%PDF-1.4\n% Alur uji: {label}\n%%EOF\n".encode()
    return alur.attachments.store(io.BytesIO(content), f"{label.replace('/', '_')}.pdf", actor, [".pdf"],
                                  target).sha256


@pytest.mark.parametrize("process_key", SOPS)
def test_every_save_of_an_sop_case_equals_the_registry(sop, checked, process_key):
    sop.deployer.deploy_file(sop.settings.processes_dir / f"{process_key}.bpmn", "pemilik")
    with sop.sessions() as session:
        _, definition = sop.definitions.latest(session, process_key)
    starter = next(u for u, roles in CAST.items() if sop.roles.expand(set(roles)) & definition.start_roles)
    result = sop.runner.start_case(process_key, starter, "UJI/SERIAL")
    steps = 0
    while result.status == "running":
        assert steps < 60
        task = sop.queries.task(result.ready_task_ids[0])
        actor = task.assignee or (task.candidates[0] if task.candidates else person_for(sop, task.role))
        target = UploadTarget(task.instance_id, task.task_id, task.name)
        schema = sop.forms.get(task.form_key).schema
        register_for(sop, schema)
        ctx = FillContext(tag=f"s{steps}", now=utcnow(), user_for=lambda role: person_for(sop, role),
                          document=lambda label, who=actor, to=target: _upload(sop, who, label, to), full=True)
        result = sop.runner.complete_task(task.task_id, actor, form_data(schema, ctx))
        steps += 1
    assert checked.dumps == steps + 1
    assert checked.pruned > 0


def test_a_loop_prunes_the_same_tasks_as_before(alur, test_data, checked):
    add_users(alur)
    alur.deployer.deploy_file(test_data / "uji_loop.bpmn", "pemilik")
    case = alur.runner.start_case("uji_loop", "pengelola", "UJI/LOOP").instance_id
    for k in range(4):
        fill = ready_task(alur, case)
        alur.runner.complete_task(fill.task_id, fill.assignee or "pengelola", {"uraian": f"putaran {k}"})
        review = ready_task(alur, case)
        alur.runner.complete_task(review.task_id, "pengawas", {"disetujui": k == 3})
    assert alur.queries.case(case).status == "completed"
    assert checked.dumps == 9 and checked.pruned > 0


def test_a_waiting_and_a_fired_timer_equal_the_registry(alur, test_data, clock, checked):
    add_users(alur)
    alur.deployer.deploy_file(test_data / "uji_timer.bpmn", "pemilik")
    case = alur.runner.start_case("uji_timer", "pengelola").instance_id
    clock.advance(hours=2, seconds=1)
    alur.runner.wake_case(case)
    task = ready_task(alur, case)
    assert task.element_id == "eskalasi"
    alur.runner.complete_task(task.task_id, "pengawas", {"disetujui": True})
    assert checked.dumps == 3


_SUBPROCESS_MODEL = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="defs" targetNamespace="http://alur.local/bpmn">
  <bpmn:process id="uji_sub" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:subProcess id="sub">
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
      <bpmn:startEvent id="sub_start"><bpmn:outgoing>s1</bpmn:outgoing></bpmn:startEvent>
      <bpmn:parallelGateway id="split">
        <bpmn:incoming>s1</bpmn:incoming><bpmn:outgoing>s2</bpmn:outgoing><bpmn:outgoing>s3</bpmn:outgoing>
      </bpmn:parallelGateway>
      <bpmn:userTask id="kiri"><bpmn:incoming>s2</bpmn:incoming><bpmn:outgoing>s4</bpmn:outgoing></bpmn:userTask>
      <bpmn:userTask id="kanan"><bpmn:incoming>s3</bpmn:incoming><bpmn:outgoing>s5</bpmn:outgoing></bpmn:userTask>
      <bpmn:parallelGateway id="join">
        <bpmn:incoming>s4</bpmn:incoming><bpmn:incoming>s5</bpmn:incoming><bpmn:outgoing>s6</bpmn:outgoing>
      </bpmn:parallelGateway>
      <bpmn:endEvent id="sub_end"><bpmn:incoming>s6</bpmn:incoming></bpmn:endEvent>
      <bpmn:sequenceFlow id="s1" sourceRef="sub_start" targetRef="split"/>
      <bpmn:sequenceFlow id="s2" sourceRef="split" targetRef="kiri"/>
      <bpmn:sequenceFlow id="s3" sourceRef="split" targetRef="kanan"/>
      <bpmn:sequenceFlow id="s4" sourceRef="kiri" targetRef="join"/>
      <bpmn:sequenceFlow id="s5" sourceRef="kanan" targetRef="join"/>
      <bpmn:sequenceFlow id="s6" sourceRef="join" targetRef="sub_end"/>
    </bpmn:subProcess>
    <bpmn:userTask id="akhir"><bpmn:incoming>f2</bpmn:incoming><bpmn:outgoing>f3</bpmn:outgoing></bpmn:userTask>
    <bpmn:endEvent id="end"><bpmn:incoming>f3</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="sub"/>
    <bpmn:sequenceFlow id="f2" sourceRef="sub" targetRef="akhir"/>
    <bpmn:sequenceFlow id="f3" sourceRef="akhir" targetRef="end"/>
  </bpmn:process>
</bpmn:definitions>
"""


def test_a_subprocess_with_parallel_branches_equals_the_registry():
    spec, subprocess_specs = DefinitionParser.spiff_spec(etree.ElementTree(etree.fromstring(_SUBPROCESS_MODEL)),
                                                         "uji_sub", "uji_sub.bpmn")
    workflow = serializer.new_workflow(spec, subprocess_specs)
    check = CheckedDump()
    workflow.do_engine_steps()
    check(workflow)
    for n in range(3):
        ready = workflow.get_tasks(state=TaskState.READY, manual=True)
        assert ready
        ready[0].data.update({"langkah": n, "catatan": {"isi": [n, "teks"]}})
        ready[0].run()
        workflow.do_engine_steps()
        check(workflow)
    assert workflow.is_completed()
    assert check.subprocess_tasks > 0


def test_unusual_objects_take_the_registry_path():
    spec, subprocess_specs = DefinitionParser.spiff_spec(etree.ElementTree(etree.fromstring(_SUBPROCESS_MODEL)),
                                                         "uji_sub", "uji_sub.bpmn")
    workflow = serializer.new_workflow(spec, subprocess_specs)
    workflow.do_engine_steps()
    workflow.task_tree.internal_data = [1, 2]  # not a dict: the direct writer does not guess
    assert serializer._state_dict(workflow) is None
    assert serializer.dump_state(workflow) == _registry_json(workflow)


class _Label(str):
    """A str subclass: orjson hands it to SpiffWorkflow's encoder, which does not know it either."""


def _subprocess_workflow() -> Any:
    spec, subprocess_specs = DefinitionParser.spiff_spec(etree.ElementTree(etree.fromstring(_SUBPROCESS_MODEL)),
                                                         "uji_sub", "uji_sub.bpmn")
    workflow = serializer.new_workflow(spec, subprocess_specs)
    workflow.do_engine_steps()
    return workflow


def test_data_beyond_ascii_and_of_spiffworkflow_types_keeps_its_values():
    workflow = _subprocess_workflow()
    ready = workflow.get_tasks(state=TaskState.READY, manual=True)[0]
    when = datetime(2026, 12, 7, 14, 30, tzinfo=timezone.utc)
    ready.data.update({"catatan": "Perbaikan UPS — ruang server lantai 2, suhu 24°C ✓",
                       "waktu": when, "lama": timedelta(hours=3), "kecil": 1e-7, "besar": 1.5e300, "n": 2**63 - 1})
    ready.run()
    workflow.do_engine_steps()
    written = serializer.dump_state(workflow)
    assert "—" in written and "\\u2014" not in written  # orjson's text: characters as themselves
    assert json.loads(written) == json.loads(_json_module_text(workflow))
    again = serializer.load_state(written, workflow.spec, workflow.subprocess_specs)
    data = next(t for t in again.get_tasks() if t.task_spec.bpmn_id == ready.task_spec.bpmn_id).data
    assert (data["waktu"], data["lama"], data["catatan"]) == (when, timedelta(hours=3), ready.data["catatan"])
    assert (data["kecil"], data["besar"], data["n"]) == (1e-7, 1.5e300, 2**63 - 1)


@pytest.mark.parametrize("value", [{1: "kunci angka"}, 2**64, _Label("label")], ids=["int-key", "int-128", "str-sub"])
def test_what_orjson_refuses_is_written_by_the_json_module(value):
    workflow = _subprocess_workflow()
    workflow.get_tasks(state=TaskState.READY, manual=True)[0].data["nilai"] = value
    written = serializer.dump_state(workflow)
    assert written == _json_module_text(workflow)  # the json module's text, character for character
    serializer.load_state(written, workflow.spec, workflow.subprocess_specs)


@pytest.mark.parametrize("value", [
    {"catatan": "Suhu ruang server 24°C — normal", "jumlah": 3, "rasio": 0.1, "ok": True, "kosong": None,
     "baris": [{"nama": "router", "ukuran": 2.5}], "daftar": ["a", "b"]},
    {"waktu": datetime(2026, 12, 7, 6, 30, tzinfo=timezone.utc), "lama": timedelta(hours=2)},  # as their str()
    {"besar": 2**70, 1: "kunci angka"},  # what orjson refuses: the json module writes it
    ["satu", "dua"],
], ids=["form-data", "times", "refused-by-orjson", "terms"])
def test_data_text_holds_what_the_json_module_wrote(value):
    written = serializer.encode_data(value)
    assert json.loads(written) == json.loads(json.dumps(value, ensure_ascii=False, default=str))
    assert "\\u" not in written  # characters beyond ASCII as themselves, as before
