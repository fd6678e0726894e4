"""Per-completion latency through the engine API at loop passes K (the whole use case, persisted)."""
from __future__ import annotations

from bench.common import PASSWORD, open_bench_alur, summarize, timed

MEASURED_PASSES = 100
WARM_UP_PASSES = 50


def completion_latency(url: str, passes_before: int) -> dict[str, float]:
    """Advance one case K passes round its Ya/Tidak loop, then time the next completions.

    A warm-up case runs first, so that K=0 measures a case without history, not a cold process and
    database (statement caches, PostgreSQL's prepared statements, the first pages of each table).
    """
    alur = open_bench_alur(url)
    try:
        alur.users.add_user("kerja", "Kerja", PASSWORD, {"pengelola_ti", "pengawas"})
        alur.deployer.deploy_file(alur.settings.processes_dir / "uji_loop.bpmn", "bench")

        def start() -> str:
            case = alur.runner.start_case("uji_loop", "kerja").instance_id
            return alur.queries.open_tasks(case)[0].task_id

        def complete(data: dict) -> None:
            nonlocal task_id
            task_id = alur.runner.complete_task(task_id, "kerja", data).ready_task_ids[0]

        task_id = start()
        for _ in range(WARM_UP_PASSES):
            complete({"uraian": "bench"})
            complete({"disetujui": False})
        task_id = start()
        for _ in range(passes_before):
            complete({"uraian": "bench"})
            complete({"disetujui": False})
        samples = []
        for _ in range(MEASURED_PASSES):
            samples.append(timed(lambda: complete({"uraian": "bench"})))
            samples.append(timed(lambda: complete({"disetujui": False})))
        return summarize(samples)
    finally:
        alur.close()
