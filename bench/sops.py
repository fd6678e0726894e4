"""Whole-case throughput for each SOP: start a case and complete every step on its happy path
(every Ya/Tidak answered Ya), with schema-valid form data and uploaded documents."""
from __future__ import annotations

import sys
import time

from bench.common import ROOT, open_bench_alur
from engine.clock import utcnow

sys.path.insert(0, str(ROOT / "tests" / "processes"))
from process_helpers import CAST, FillContext, add_cast, form_data, person_for, upload  # noqa: E402

SOPS = ("sop_gangguan_database", "sop_pengelolaan_data", "sop_gangguan_jaringan",
        "sop_pemeliharaan_akses_dc", "sop_backup_restore_db")
MAX_STEPS = 60


def _run_case(alur, process_key: str, starter: str, n: int) -> int:
    result = alur.runner.start_instance(process_key, starter, f"BENCH/{n}")
    steps = 0
    while result.status == "running":
        steps += 1
        if steps > MAX_STEPS:
            raise RuntimeError(f"{process_key} did not finish in {MAX_STEPS} steps")
        task = alur.queries.task(result.ready_task_ids[0])
        actor = task.assignee or person_for(alur, task.role)
        ctx = FillContext(tag=f"{n}.{steps}", now=utcnow(), user_for=lambda role: person_for(alur, role),
                          document=lambda label: upload(alur, utcnow, actor, label), full=False)
        data = form_data(alur.forms.get(task.form_key).schema, ctx)
        result = alur.runner.complete_task(task.task_id, actor, data)
    return steps


def sop_throughput(url: str, cases: int = 20) -> dict[str, dict[str, float]]:
    alur = open_bench_alur(url, ROOT / "processes", ROOT / "forms")
    try:
        add_cast(alur)
        for path in sorted((ROOT / "processes").glob("*.bpmn")):
            alur.deployer.deploy_file(path, "bench")
        result = {}
        for process_key in SOPS:
            with alur.sessions() as session:
                _, definition = alur.definitions.latest(session, process_key)
            starter = next(u for u, roles in CAST.items() if alur.roles.expand(set(roles)) & definition.start_roles)
            _run_case(alur, process_key, starter, -1)  # warm caches
            start = time.perf_counter()
            steps = sum(_run_case(alur, process_key, starter, n) for n in range(cases))
            seconds = time.perf_counter() - start
            result[process_key] = {"cases_per_s": cases / seconds, "steps_per_case": steps / cases,
                                   "ms_per_step": seconds * 1000 / steps}
        return result
    finally:
        alur.close()
