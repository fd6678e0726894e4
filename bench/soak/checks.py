"""After the soak: what the database says about what the client did."""
from __future__ import annotations

import json
import time
from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import create_engine, text

from bench.soak.client import Ledger


@dataclass
class Verdict:
    findings: dict[str, str] = field(default_factory=dict)  # check -> what was seen
    failed: list[str] = field(default_factory=list)

    def check(self, name: str, ok: bool, seen: str) -> None:
        self.findings[name] = ("PASS: " if ok else "FAIL: ") + seen
        if not ok:
            self.failed.append(name)


def wait_for_timers(db_url: str, seconds: float = 120) -> float:
    """Wait until no case waits for a timer (the soak's are 15 s long); returns how long it took."""
    engine = create_engine(db_url)
    start = time.monotonic()
    try:
        while time.monotonic() - start < seconds:
            with engine.connect() as connection:
                waiting = connection.execute(text(
                    "SELECT count(*) FROM process_instance WHERE status = 'running' "
                    "AND next_timer_at IS NOT NULL")).scalar_one()
            if waiting == 0:
                break
            time.sleep(1)
        return time.monotonic() - start
    finally:
        engine.dispose()


def verify(db_url: str, ledger: Ledger, audit_verify: tuple[int, str]) -> tuple[Verdict, dict[str, int]]:
    verdict = Verdict()
    engine = create_engine(db_url)
    try:
        with engine.connect() as connection:
            status = dict(connection.execute(text("SELECT id, status FROM process_instance")).all())
            completions = Counter(json.loads(payload)["task_id"] for (payload,) in connection.execute(text(
                "SELECT payload_json FROM audit_event WHERE event_type = 'task_completed'")))
            fired = Counter(instance_id for (instance_id,) in connection.execute(text(
                "SELECT instance_id FROM audit_event WHERE event_type = 'timer_fired'")))
            reviewed = {instance_id for (instance_id,) in connection.execute(text(
                "SELECT instance_id FROM human_task WHERE element_id = 'periksa' AND state = 'completed'"))}
            task_rows = Counter((i, e) for i, e in connection.execute(text(
                "SELECT instance_id, element_id FROM human_task WHERE state = 'completed'")))
            keys = dict(connection.execute(text("SELECT business_key, id FROM process_instance")).all())
            uploads = Counter(json.loads(payload).get("task_id") for (payload,) in connection.execute(text(
                "SELECT payload_json FROM audit_event WHERE event_type = 'attachment_uploaded'")))
    finally:
        engine.dispose()

    done = [c for c in ledger.cases if c.completed_at is not None]
    not_complete = [c.business_key for c in done if status.get(c.instance_id) != "completed"]
    verdict.check("every case the client completed is complete in the database", not not_complete,
                  f"{len(done)} cases completed by the client; not complete in the database: {not_complete or 'none'}")
    doubled = {task: n for task, n in completions.items() if n > 1}
    doubled_rows = {key: n for key, n in task_rows.items() if n > 1}
    verdict.check("no task done twice", not doubled and not doubled_rows,
                  f"{sum(completions.values())} task completions in the audit log, each task once"
                  if not doubled and not doubled_rows else f"twice: {doubled} {doubled_rows}")
    client_done = sum(len(c.tasks) for c in done)
    lost = [(c.business_key, element) for c in done for element, task in c.tasks.items() if completions[task] != 1]
    verdict.check("every completion the client saw is recorded once", not lost,
                  f"{client_done} completions seen by the client; missing or doubled: {lost or 'none'}")
    wrong_timers = {i: fired[i] for i in reviewed if fired[i] != 1}
    stray = {i: n for i, n in fired.items() if i not in reviewed}
    verdict.check("every timer due in the window fired exactly once", not wrong_timers and not stray,
                  f"{len(reviewed)} cases reached the 15 s timer; fired once each"
                  if not wrong_timers and not stray else f"fired other than once: {wrong_timers}, stray: {stray}")
    client_keys = {c.business_key for c in ledger.cases} | set(ledger.start_unknown)
    ghost_cases = sorted(set(keys) - client_keys)
    reports = {c.tasks["isi"] for c in ledger.cases}
    stray_uploads = {task: n for task, n in uploads.items()
                     if n != 1 or task not in reports or completions[task] != 1}
    errors = [s for s in ledger.samples if s.outcome != "ok"]
    verdict.check("errors were retried, or were 5xx with no partial write", not ghost_cases and not stray_uploads,
                  f"{len(errors)} error answers; {len(ledger.retried_completions)} completions sent again after one, "
                  f"each recorded once; uploads: one per completed report, none from a failed attempt"
                  if not ghost_cases and not stray_uploads else
                  f"cases the client never started: {ghost_cases}; uploads not used once: {stray_uploads}")
    rc, output = audit_verify
    last_line = output.strip().splitlines()[-1] if output.strip() else ""
    verdict.check("alur audit verify passes", rc == 0, f"exit {rc}: {last_line}")
    started_unknown = {key: key in keys for key in ledger.start_unknown}
    counts = {"cases_started": len(status), "cases_completed_by_client": len(done),
              "cases_completed_in_db": sum(1 for s in status.values() if s == "completed"),
              "task_completions": sum(completions.values()), "timers_fired": sum(fired.values()),
              "uploads": sum(uploads.values()), "start_answers_lost": len(started_unknown),
              "start_answers_lost_but_started": sum(started_unknown.values())}
    return verdict, counts
