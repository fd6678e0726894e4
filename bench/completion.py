"""Per-completion latency through the engine API at loop passes K (the whole use case, persisted), and
at K=0 a step as staff do it in the same run: open the task page, then send its form with a 200 KB
document, as the page's form posts it (the document taken, then recorded with the completion)."""
from __future__ import annotations

import io

from bench.common import PASSWORD, open_bench_alur, summarize, timed
from engine import Received, UploadTarget

MEASURED_PASSES = 100
WARM_UP_PASSES = 50
DOCUMENT_BYTES = 200 * 1024


def document(n: int) -> bytes:
    """A 200 KB PDF, unique to ``n`` (each upload is stored, none is a copy of an earlier one)."""
    head = f"%PDF-1.4\n% Alur bench {n}\n".encode()
    return head + b"0" * (DOCUMENT_BYTES - len(head) - 6) + b"\n%%EOF"


class BareCompletions:
    """The bare completion of the bench loop's first step (``uji_loop``'s ``isi``), each of a new case
    whose start is not timed: the reference a step or a whole case is held against. On its own Alur
    over ``url``, so it can be timed alternately with other work on the same database."""

    def __init__(self, url: str) -> None:
        self.alur = alur = open_bench_alur(url)
        alur.users.add_user("kerja", "Kerja", PASSWORD, {"pengelola_ti", "pengawas"})
        alur.deployer.deploy_file(alur.settings.processes_dir / "uji_loop.bpmn", "bench")

    def start(self) -> str:
        """A new case's first task (not timed)."""
        case = self.alur.runner.start_case("uji_loop", "kerja").instance_id
        return self.alur.queries.open_tasks(case)[0].task_id

    def time_one(self) -> float:
        """Milliseconds to complete a new case's first step bare."""
        task_id = self.start()
        return timed(lambda: self.alur.runner.complete_task(task_id, "kerja", {"uraian": "bench"}))

    def close(self) -> None:
        self.alur.close()


def completion_latency(url: str, passes_before: int, with_steps: bool = False) -> dict:
    """Advance one case K passes round its Ya/Tidak loop, then time the next completions.

    A warm-up case runs first, so that K=0 measures a case without history, not a cold process and
    database (statement caches, PostgreSQL's prepared statements, the first pages of each table).
    ``with_steps``: then time whole steps (``step``: open + upload + complete of a new case's first
    step with the document), next to the same step's bare completion measured alternately, so both
    see the same machine.
    """
    bench = BareCompletions(url)
    alur, start = bench.alur, bench.start
    try:
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
        row: dict = summarize(samples)
        if with_steps:
            row["step"], row["bare_isi"] = _steps(bench)
        return row
    finally:
        bench.close()


def _steps(bench: BareCompletions) -> tuple[dict, dict]:
    """The first step of a new case as staff do it (page, upload, completion), then the same step of
    another new case completed bare, alternately; starting the cases is not timed."""
    alur, start = bench.alur, bench.start
    steps, bare = [], []

    def whole_step(task_id: str, n: int, content: bytes) -> None:
        page = alur.cases.task_page(task_id, "kerja")
        sent = Received(UploadTarget(page.task.instance_id, task_id, page.task.name))
        view = alur.attachments.receive(io.BytesIO(content), f"laporan-{n}.pdf", "kerja", [".pdf"], sent.target)
        sent.add(view)
        alur.runner.complete_task(task_id, "kerja", {"uraian": "bench", "dokumen_laporan": view.sha256}, None, sent)

    for n in range(10):  # warm the page's caches and the upload folder
        whole_step(start(), -1 - n, document(-1 - n))
    for n in range(MEASURED_PASSES):
        task_id, content = start(), document(n)  # the file as the request brings it: made up, not timed
        steps.append(timed(lambda t=task_id, n=n, c=content: whole_step(t, n, c)))
        bare.append(bench.time_one())
    return summarize(steps), summarize(bare)
