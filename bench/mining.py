"""Process-mining export of a year of cases: time and peak memory of each format, streamed to nowhere.

The data: CASES cases of one SOP spread over a year, TASKS_PER_CASE steps each (a tenth of them with
a loop taken, so more steps), 5 % still running with their last step open, written straight into the
tables. The export reads them in batches inside one snapshot; its peak memory (tracemalloc, during a
second run) must not grow with the number of cases.
"""
from __future__ import annotations

import json
import random
import time
import tracemalloc
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import insert

from bench.common import DATA, open_bench_alur
from engine.bootstrap import Alur
from engine.persistence.models import HumanTask, ProcessInstance
from engine.reading.process_mining import Period, Requester

TASKS_PER_CASE = 10
USERS = [f"user{n}" for n in range(40)]
YEAR = 2026
OPERATOR = Requester("bench", None, via="cli")


def fill(alur: Alur, cases: int, seed: int = 5) -> None:
    rng = random.Random(seed)
    result = alur.deployer.deploy_file(DATA / "uji_loop.bpmn", "bench")
    with alur.sessions() as session:
        row, _parsed = alur.definitions.latest(session, result.process_key)
        definition_id = row.id
    start_of_year = datetime(YEAR, 1, 1, tzinfo=UTC)
    case_rows: list[dict] = []
    task_rows: list[dict] = []
    for case_id in range(1, cases + 1):
        started = start_of_year + timedelta(minutes=rng.randrange(0, 364 * 24 * 60))
        running = rng.random() < 0.05
        steps = TASKS_PER_CASE + (4 if rng.random() < 0.1 else 0)
        for step in range(steps):
            created = started + timedelta(hours=step * 3)
            open_step = running and step == steps - 1
            who = rng.choice(USERS)
            n = case_id * 100 + step
            task_rows.append(dict(
                id=f"{n:08x}-0000-4000-8000-{n:012x}", instance_id=case_id, process_key="uji_loop",
                process_name="Uji", business_key=None, element_id=f"s{step % TASKS_PER_CASE}",
                name=f"Langkah {step % TASKS_PER_CASE}", role="pengelola_ti", form_key="uji_isi",
                state="ready" if open_step else "completed", assignee=None if open_step else who,
                created_at=created, claimed_at=None, completed_at=None if open_step else created + timedelta(hours=2),
                completed_by=None if open_step else who, due_at=created + timedelta(hours=8),
                data_json=None if open_step else json.dumps({"uraian": "selesai"}), version=1))
        case_rows.append(dict(
            id=case_id, definition_id=definition_id, process_key="uji_loop", business_key=f"{case_id:06d}/TIK/{YEAR}",
            status="running" if running else "completed", state_json="{}", data_json="{}", started_by="user1",
            started_at=started, ended_at=None if running else started + timedelta(hours=3 * steps),
            opd="Dinas Kesehatan", search_terms="[]", version=1))
        if len(task_rows) >= 20_000:
            _write(alur, case_rows, task_rows)
            case_rows, task_rows = [], []
    _write(alur, case_rows, task_rows)
    postgres = alur.db.dialect.name == "postgresql"
    with alur.db.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM ANALYZE" if postgres else "ANALYZE")


def _write(alur: Alur, cases: list[dict], tasks: list[dict]) -> None:
    if cases:
        with alur.db.begin() as connection:
            connection.execute(insert(ProcessInstance.__table__), cases)
            connection.execute(insert(HumanTask.__table__), tasks)


def _drain(alur: Alur, fmt: str) -> int:
    period = Period(date(YEAR, 1, 1), date(YEAR, 12, 31))
    return sum(len(chunk) for chunk in alur.process_logs.export("uji_loop", period, fmt, OPERATOR).chunks)


def export_cost(url: str, cases: int) -> dict[str, dict[str, float]]:
    alur = open_bench_alur(url)
    try:
        fill(alur, cases)
        result: dict[str, dict[str, float]] = {}
        for fmt in ("csv", "xes", "ocel"):
            began = time.perf_counter()
            size = _drain(alur, fmt)
            seconds = time.perf_counter() - began
            tracemalloc.start()
            _drain(alur, fmt)
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
            result[fmt] = {"seconds": seconds, "cases_per_s": cases / seconds, "mb": size / 1e6,
                           "peak_mb": peak / 1e6}
            print(f"  {fmt}: {seconds:.1f} s, {size / 1e6:.0f} MB, peak memory {peak / 1e6:.1f} MB", flush=True)
        return result
    finally:
        alur.close()
