"""Per-completion latency through the engine API at loop passes K (the whole use case, persisted)."""
from __future__ import annotations

from bench.common import PASSWORD, open_bench_alur, summarize, timed

MEASURED_PASSES = 100


def completion_latency(url: str, passes_before: int) -> dict[str, float]:
    """Advance one case K passes round its Ya/Tidak loop, then time the next completions."""
    alur = open_bench_alur(url)
    try:
        alur.users.add_user("kerja", "Kerja", PASSWORD, {"pengelola_ti", "pengawas"})
        alur.deployer.deploy_file(alur.settings.processes_dir / "uji_loop.bpmn", "bench")
        case = alur.runner.start_instance("uji_loop", "kerja").instance_id
        task_id = alur.queries.open_tasks(case)[0].task_id

        def complete(data: dict) -> None:
            nonlocal task_id
            task_id = alur.runner.complete_task(task_id, "kerja", data).ready_task_ids[0]

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
