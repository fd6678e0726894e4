"""Concurrency on PostgreSQL: N client processes each running whole cases of the five SOPs (round
robin; each step as staff do it: task page, uploads for the step, completion) for a fixed time.

Reported per run: cases per second, the p95 step latency, conflicts (refused steps, retried), lock
waits (``pg_locks`` sampled every 50 ms: samples with a waiting lock, most waiting at once) and
PostgreSQL's own counters (``pg_stat_database``: rollbacks, deadlocks). Afterwards every step a client
completed is checked against the database (its task completed by that person with that data, one
``task_completed`` event for it): a step missing is a lost update. Then ``alur audit verify`` runs
on the database (the CLI, in a process of its own).
"""
from __future__ import annotations

import json
import multiprocessing
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from sqlalchemy import text

from bench.common import ROOT, summarize
from bench.sops import SOPS, run_steps
from engine.bootstrap import Alur, open_alur
from engine.config import Settings
from engine.persistence.db import make_engine
from engine.persistence.models import Base

sys.path.insert(0, str(ROOT / "tests" / "processes"))
import process_helpers  # noqa: E402
from process_helpers import CAST, add_cast, register_test_server  # noqa: E402

SECONDS = 60


def _server(index: int) -> str:
    """The server client ``index``'s back-up cases name: one each, so that the figure shows a lock shared
    by all cases if one is left, not the row of the one server all of them would otherwise name."""
    return f"SRV-BENCH-{index:02d}"


def _open(url: str, attachments: Path) -> Alur:
    settings = Settings(database_url=url, processes_dir=ROOT / "processes", forms_dir=ROOT / "forms",
                        attachments_dir=attachments)
    return open_alur(settings, db=make_engine(url))


def _client(url: str, attachments: str, starters: dict[str, str], index: int, seconds: float, out: Any) -> None:
    """One client: whole cases until the time is up (the case under way is finished, not counted)."""
    alur = _open(url, Path(attachments))
    process_helpers.TEST_SERVER = _server(index)  # what form_data picks, in this client's process alone
    steps_ms: list[float] = []
    done: list[tuple[str, str, str]] = []
    conflicts = cases = 0
    deadline = time.monotonic() + seconds
    try:
        n = 0
        while time.monotonic() < deadline:
            process_key = SOPS[(index + n) % len(SOPS)]
            finished, refused = run_steps(alur, process_key, starters[process_key], f"C{index}/{n}", steps_ms, done)
            conflicts += refused
            cases += finished and time.monotonic() <= deadline
            n += 1
    finally:
        alur.close()
    out.put({"steps_ms": steps_ms, "done": done, "conflicts": conflicts, "cases": cases})


# Locks waited for in this database only (the server may serve other databases too): what is waited
# for (the lock's kind and table) and the waiting statement's first words, so a row shared by all cases
# would show by name.
_WAITING = text("select l.locktype, coalesce(l.relation::regclass::text, ''), a.query from pg_locks l "
                "join pg_stat_activity a on a.pid = l.pid where not l.granted and a.datname = current_database()")


def _sample_locks(url: str, stop: threading.Event, found: dict[str, Any]) -> None:
    engine = make_engine(url)
    with engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT")
        while not stop.is_set():
            waiting = conn.execute(_WAITING).all()
            found["samples"] += 1
            found["waiting_samples"] += bool(waiting)
            found["max_waiting"] = max(found["max_waiting"], len(waiting))
            for kind, table, query in waiting:
                what = " ".join(filter(None, (kind, table, " ".join(query.split()[:4]))))
                found["waiting_on"][what] = found["waiting_on"].get(what, 0) + 1
            stop.wait(0.05)
    engine.dispose()


def _db_counters(url: str) -> dict[str, int]:
    engine = make_engine(url)
    with engine.connect() as conn:
        row = conn.execute(text("select xact_commit, xact_rollback, deadlocks from pg_stat_database "
                                "where datname = current_database()")).one()
    engine.dispose()
    return {"commits": row.xact_commit, "rollbacks": row.xact_rollback, "deadlocks": row.deadlocks}


def _run(url: str, attachments: Path, starters: dict[str, str], clients: int, seconds: float) -> dict[str, Any]:
    context = multiprocessing.get_context("fork")  # the parent holds no connection (closed before)
    out = context.Queue()
    before = _db_counters(url)
    locks: dict[str, Any] = {"samples": 0, "waiting_samples": 0, "max_waiting": 0, "waiting_on": {}}
    stop = threading.Event()
    sampler = threading.Thread(target=_sample_locks, args=(url, stop, locks))
    sampler.start()
    started = time.monotonic()
    procs = [context.Process(target=_client, args=(url, str(attachments), starters, i, seconds, out))
             for i in range(clients)]
    for proc in procs:
        proc.start()
    reports = [out.get(timeout=seconds + 300) for _ in procs]
    for proc in procs:
        proc.join(timeout=60)
    elapsed = time.monotonic() - started
    stop.set()
    sampler.join()
    after = _db_counters(url)
    steps = [ms for r in reports for ms in r["steps_ms"]]
    cases = sum(r["cases"] for r in reports)
    return {"clients": clients, "seconds": elapsed, "cases": cases, "cases_per_s": cases / seconds,
            "steps": len(steps), "step": summarize(steps), "conflicts": sum(r["conflicts"] for r in reports),
            "lock_waits": locks, "db": {k: after[k] - before[k] for k in after},
            "done": [d for r in reports for d in r["done"]]}


def _lost_updates(url: str, done: list[tuple[str, str, str]]) -> int:
    """Steps a client saw complete that the database does not hold as completed by them with their data."""
    engine = make_engine(url)
    lost = 0
    with engine.connect() as conn:
        rows = {r.id: r for r in conn.execute(text("select id, state, completed_by, data_json from human_task"))}
        events: dict[str, int] = {}
        completions = text("select payload_json from audit_event where event_type = 'task_completed'")
        for (payload,) in conn.execute(completions):
            task_id = json.loads(payload).get("task_id")
            events[task_id] = events.get(task_id, 0) + 1
    engine.dispose()
    for task_id, actor, data in done:
        row = rows.get(task_id)
        if row is None or row.state != "completed" or row.completed_by != actor or events.get(task_id) != 1 \
                or json.loads(row.data_json or "null") != json.loads(data):
            lost += 1
    return lost


def _verify(url: str, instance: Path) -> tuple[bool, str]:
    env = {**os.environ, "ALUR_DATABASE_URL": url, "ALUR_INSTANCE_DIR": str(instance),
           "ALUR_PROCESSES_DIR": str(ROOT / "processes"), "ALUR_FORMS_DIR": str(ROOT / "forms")}
    done = subprocess.run([sys.executable, "-m", "alur", "audit", "verify"], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=1800)
    lines = (done.stdout + done.stderr).strip().splitlines()
    return done.returncode == 0, lines[-1] if lines else ""


def concurrency(url: str, client_counts: tuple[int, ...] = (16, 1), seconds: float = SECONDS) -> dict[str, Any]:
    instance = Path(tempfile.mkdtemp())
    attachments = instance / "attachments"
    engine = make_engine(url)
    Base.metadata.create_all(engine)
    engine.dispose()
    alur = _open(url, attachments)
    try:
        add_cast(alur)
        for path in sorted((ROOT / "processes").glob("*.bpmn")):
            alur.deployer.deploy_file(path, "bench")
        register_test_server(alur)  # the forms that pick a server find it (no client adds it at once)
        for index in range(max(client_counts)):
            register_test_server(alur, _server(index))
        starters = {}
        for process_key in SOPS:
            with alur.sessions() as session:
                _, definition = alur.definitions.latest(session, process_key)
            starters[process_key] = next(u for u, roles in CAST.items()
                                         if alur.roles.expand(set(roles)) & definition.start_roles)
        for process_key in SOPS:  # warm the database's caches and statistics once
            run_steps(alur, process_key, starters[process_key], f"W/{process_key}", [], [])
    finally:
        alur.close()
    runs = {str(n): _run(url, attachments, starters, n, seconds) for n in client_counts}
    done = [d for run in runs.values() for d in run.pop("done")]
    verified, verdict = _verify(url, instance)
    return {"runs": runs, "lost_updates": _lost_updates(url, done), "checked_steps": len(done),
            "audit_verify_ok": verified, "audit_verify": verdict, "cpus": os.cpu_count()}
