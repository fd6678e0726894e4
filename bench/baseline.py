"""The baseline every ratio is measured against: raw SpiffWorkflow completing a user task in memory."""
from __future__ import annotations

import time

from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.camunda.parser import CamundaParser
from SpiffWorkflow.camunda.serializer.config import CAMUNDA_CONFIG
from SpiffWorkflow.util.task import TaskState

from bench.common import DATA, summarize


def _spec():
    # The same model; its condition spelled as Python, because raw SpiffWorkflow evals model text.
    xml = (DATA / "uji_loop.bpmn").read_text().replace("${disetujui == true}", "disetujui == True")
    parser = CamundaParser()
    parser.add_bpmn_str(xml.encode("utf-8"), "uji_loop.bpmn")
    return parser.get_spec("uji_loop"), parser.get_subprocess_specs("uji_loop")


def _complete_next(workflow: BpmnWorkflow, approve: bool) -> None:
    task = workflow.get_tasks(state=TaskState.READY, manual=True)[0]
    if task.task_spec.bpmn_id == "isi":
        task.data.update({"uraian": "bench"})
    else:
        task.data.update({"disetujui": approve})
    task.run()
    workflow.do_engine_steps()


def raw_in_memory(completions: int = 4000) -> dict[str, float]:
    """Per-completion cost of raw SpiffWorkflow in memory, over fresh cases of up to 10 passes."""
    spec, subprocess_specs = _spec()
    samples = []
    while len(samples) < completions:
        workflow = BpmnWorkflow(spec, subprocess_specs)
        workflow.do_engine_steps()
        for step in range(20):
            start = time.perf_counter()
            _complete_next(workflow, approve=step == 19)
            samples.append((time.perf_counter() - start) * 1000)
    return summarize(samples)


def naive_json_per_step(completions: int = 2000) -> dict[str, float]:
    """The naive persistence: deserialize and serialize the whole workflow JSON around each completion."""
    spec, subprocess_specs = _spec()
    serializer = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(CAMUNDA_CONFIG))
    samples = []
    while len(samples) < completions:
        workflow = BpmnWorkflow(spec, subprocess_specs)
        workflow.do_engine_steps()
        state = serializer.serialize_json(workflow)
        for step in range(20):
            start = time.perf_counter()
            workflow = serializer.deserialize_json(state)
            _complete_next(workflow, approve=step == 19)
            state = serializer.serialize_json(workflow)
            samples.append((time.perf_counter() - start) * 1000)
    return summarize(samples)
