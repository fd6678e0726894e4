"""Whole-case throughput for each SOP: start a case and complete every step on its happy path
(every Ya/Tidak answered Ya), with schema-valid form data and uploaded documents, each step as staff
do it: open the task page, then send its form with the step's documents, as the page's form posts them:
the documents are taken (checked, stored on disk) and recorded with the completion, on the case's chain.

Each SOP's baseline is the same case run by raw SpiffWorkflow in memory: the same parsed model, the
same form data in the same order, nothing stored. Only engine calls are timed (start, the task page,
uploading its documents, completing it); making up the form data is not. The summary also divides the
time per step by the bare completion (``bench.completion.BareCompletions``), timed on the same database
alternately with the cases (after each case, as many bare completions as it had steps), so that both
see the same machine: this VM's speed drifts within minutes, and a reference timed minutes earlier
moved the ratio by a fifth either way.
"""
from __future__ import annotations

import io
import json
import statistics
import sys
import time
from typing import Any

from SpiffWorkflow.util.task import TaskState

from bench.common import ROOT, open_bench_alur
from bench.completion import BareCompletions
from engine import Conflict, Received, StepResult, UploadTarget
from engine.persistence.db import read_only_session
from engine.worktime.clock import utcnow
from engine.runtime.serializer import new_workflow

sys.path.insert(0, str(ROOT / "tests" / "processes"))
from process_helpers import (register_for, CAST, FillContext, add_cast, form_data, labelled_pdf,  # noqa: E402
                             person_for)

SOPS = ("sop_gangguan_database", "sop_pengelolaan_data", "sop_gangguan_jaringan",
        "sop_pemeliharaan_akses_dc", "sop_backup_restore_db")
MAX_STEPS = 60
RAW_RUNS = 200
BARE_WARM_UP = 10


# What the row's breakdown calls each timed engine call.
PARTS = {"start_case": "start", "task_page": "page", "_upload": "documents", "complete_task": "completion"}


class _Stopwatch:
    """The time of the engine calls it runs, in all and per part (``PARTS``)."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.parts = dict.fromkeys(PARTS.values(), 0.0)

    def __call__(self, fn: Any, *args: Any) -> Any:
        start = time.perf_counter()
        try:
            return fn(*args)
        finally:
            took = time.perf_counter() - start
            self.seconds += took
            self.parts[PARTS[fn.__name__]] += took


def _run_case(alur, process_key: str, starter: str, n: int,
              watch: _Stopwatch) -> tuple[dict[str, Any], list[tuple[str, dict[str, Any]]]]:
    """One case through the engine; returns its start data and the (element id, form data) of each step."""
    business_key = f"BENCH/{n}"
    result = watch(alur.runner.start_case, process_key, starter, business_key)
    steps: list[tuple[str, dict[str, Any]]] = []
    while result.status == "running":
        if len(steps) >= MAX_STEPS:
            raise RuntimeError(f"{process_key} did not finish in {MAX_STEPS} steps")
        task = alur.queries.task(result.ready_task_ids[0])  # who acts: not part of the step
        actor = task.assignee or (task.candidates[0] if task.candidates else person_for(alur, task.role))
        page = watch(alur.cases.task_page, task.task_id, actor)
        sent = Received(UploadTarget(page.task.instance_id, task.task_id, page.task.name))
        ctx = FillContext(tag=f"{n}.{len(steps)}", now=utcnow(), user_for=lambda role: person_for(alur, role),
                          document=lambda label, who=actor, into=sent: watch(_upload, alur, who, label, into),
                          full=False)
        register_for(alur, alur.forms.get(task.form_key).schema)
        data = form_data(alur.forms.get(task.form_key).schema, ctx)
        result = watch(alur.runner.complete_task, task.task_id, actor, data, None, sent)
        steps.append((task.element_id, data))
    return {"nomor_kasus": business_key}, steps


def run_steps(alur, process_key: str, starter: str, business_key: str, steps_ms: list[float],
              done: list[tuple[str, str, str]]) -> tuple[bool, int]:
    """One case as a client runs it (``bench.concurrency``): each step's time (task page, uploads,
    completion) into ``steps_ms``, each completed step as (task id, actor, data as JSON) into ``done``.
    A step refused as a conflict is counted and tried again. Returns (case finished, conflicts)."""
    result = alur.runner.start_case(process_key, starter, business_key)
    conflicts = 0
    for n in range(MAX_STEPS):
        if result.status != "running":
            return True, conflicts
        task = alur.queries.task(result.ready_task_ids[0])
        actor = task.assignee or (task.candidates[0] if task.candidates else person_for(alur, task.role))
        schema = alur.forms.get(task.form_key).schema
        start = time.perf_counter()
        try:
            page = alur.cases.task_page(task.task_id, actor)
            sent = Received(UploadTarget(page.task.instance_id, task.task_id, page.task.name))
            ctx = FillContext(tag=f"{business_key}.{n}", now=utcnow(), user_for=lambda role: person_for(alur, role),
                              document=lambda label, who=actor, into=sent: _upload(alur, who, label, into), full=False)
            data = form_data(schema, ctx)
            result = alur.runner.complete_task(task.task_id, actor, data, None, sent)
        except Conflict:
            conflicts += 1
            result = StepResult(result.instance_id, result.status, result.ready_task_ids)
            continue
        steps_ms.append((time.perf_counter() - start) * 1000)
        done.append((task.task_id, actor, json.dumps(data, default=str)))
    return result.status != "running", conflicts


def _upload(alur, actor: str, label: str, into: Received) -> str:
    """A small PDF unique to ``label``, sent with the step's form as the task page does (``web.tasks``)."""
    content, filename = labelled_pdf(label)
    view = alur.attachments.receive(io.BytesIO(content), filename, actor, [".pdf"], into.target)
    into.add(view)
    return view.sha256


def paired_ratio(case_ms: float, steps: int, bare_block_ms: list[float]) -> float:
    """One case's time per step over the mean of the bare completions timed right after it (as many as
    it had steps): a pair that saw the same machine. The row's verdict is the median of its cases' pairs,
    so a pause (a collection, the scheduler) in one case or in one bare block moves one pair, not the row:
    pooled means let a single 50 ms pause among 180 bare samples pass a row or fail it."""
    return case_ms / steps / statistics.fmean(bare_block_ms)


def _raw_case(definition, initial: dict[str, Any], steps: list[tuple[str, dict[str, Any]]]) -> None:
    """The same case in raw SpiffWorkflow, in memory (with the engine's expression evaluator, since
    the models write Camunda ``${…}`` conditions)."""
    workflow = new_workflow(definition.spec, definition.subprocess_specs)
    workflow.task_tree.data.update(initial)
    workflow.do_engine_steps()
    for element_id, data in steps:
        task = next(t for t in workflow.get_tasks(state=TaskState.READY, manual=True)
                    if t.task_spec.bpmn_id == element_id)
        task.data.update(data)
        task.run()
        workflow.do_engine_steps()
    if not workflow.is_completed():
        raise RuntimeError(f"raw replay of {definition.process_key} did not complete")


def _raw_ms_per_case(definition, initial: dict[str, Any], steps: list[tuple[str, dict[str, Any]]]) -> float:
    samples = []
    for _ in range(RAW_RUNS):
        start = time.perf_counter()
        _raw_case(definition, initial, steps)
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def sop_throughput(url: str, cases: int = 20) -> dict[str, dict[str, float]]:
    alur = open_bench_alur(url, ROOT / "processes", ROOT / "forms")
    bare = BareCompletions(url)
    try:
        add_cast(alur)
        for path in sorted((ROOT / "processes").glob("*.bpmn")):
            alur.deployer.deploy_file(path, "bench")
        for _ in range(BARE_WARM_UP):
            bare.time_one()
        result = {}
        for process_key in SOPS:
            # Read-only (autocommit on PostgreSQL): a transaction's ROLLBACK here would make psycopg drop the
            # connection's prepared statements, which the steps then prepare and plan again; no step does that.
            with read_only_session(alur.sessions) as session:
                _, definition = alur.definitions.latest(session, process_key)
            starter = next(u for u, roles in CAST.items() if alur.roles.expand(set(roles)) & definition.start_roles)
            initial, steps = _run_case(alur, process_key, starter, -1, _Stopwatch())  # warms caches
            watch, bare_ms, total_steps, paired = _Stopwatch(), [], 0, []
            for n in range(cases):
                before = watch.seconds
                case_steps = len(_run_case(alur, process_key, starter, n, watch)[1])
                block = [bare.time_one() for _ in range(case_steps)]
                paired.append(paired_ratio((watch.seconds - before) * 1000, case_steps, block))
                bare_ms += block
                total_steps += case_steps
            raw_ms = _raw_ms_per_case(definition, initial, steps)
            engine_ms = watch.seconds * 1000 / cases
            result[process_key] = {"cases_per_s": cases / watch.seconds, "steps_per_case": total_steps / cases,
                                   "ms_per_case": engine_ms, "ms_per_step": engine_ms * cases / total_steps,
                                   "raw_ms_per_case": raw_ms, "ratio_to_raw": engine_ms / raw_ms,
                                   "bare_mean_ms": statistics.fmean(bare_ms),
                                   "bare_median_ms": statistics.median(bare_ms),
                                   "paired_ratio": statistics.median(paired),
                                   "ms_per_step_by_part": {part: seconds * 1000 / total_steps
                                                           for part, seconds in watch.parts.items()}}
        return result
    finally:
        bare.close()
        alur.close()
