"""``make soak``: the deployment of docs/operations.md on this machine (loopback only) under load and faults.

Debian's nginx with deploy/'s site in front of two gunicorn app servers and two workers on a scratch
PostgreSQL database; ``SOAK_STAFF`` pairs of staff (default 4) run whole cases for ``SOAK_MINUTES``
(default 10). At 20 %, 45 % and 70 % of the run one app server is killed with SIGKILL and started
again, then a worker, then every PostgreSQL connection is terminated. Afterwards the database is
checked against what the client saw, ``alur audit verify`` runs, and ``bench/results/soak.md`` is
written. Exit status 1 when a check fails; the scratch folder (logs of every process) is then kept, and
always with ``SOAK_KEEP=1`` (the database too).
"""
from __future__ import annotations

import os
import shutil
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

from bench.soak import faults
from bench.soak.checks import Verdict, verify, wait_for_timers
from bench.soak.client import Ledger, Sample, StaffPair
from bench.soak.cluster import Cluster

RESULTS = Path(__file__).resolve().parents[1] / "results"
FAULT_PLAN = ((0.20, faults.kill_app_server), (0.45, faults.kill_worker), (0.70, faults.terminate_backends))


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))] if ordered else 0.0


def run(minutes: float, staff: int) -> int:
    root = Path(tempfile.mkdtemp(prefix="alur-soak-"))
    passed = False
    cluster = Cluster(root, staff)
    print(f"soak: {minutes:g} min, {staff} staff pairs; scratch folder {root}", flush=True)
    cluster.prepare()
    try:
        cluster.start_all()
        ledger = Ledger()
        stop = threading.Event()
        failures: list[str] = []
        pairs = [StaffPair(n, cluster.base_url, str(cluster.cert), ledger, stop, failures.append)
                 for n in range(staff)]
        for pair in pairs:
            pair.start()
        done_faults = []
        for share, inject in FAULT_PLAN:
            _sleep_until(ledger, minutes * 60 * share)
            fault = inject(cluster, ledger)
            print(f"soak: +{fault.at:.0f} s {fault.name}: recovered in {fault.recovered_after:.1f} s", flush=True)
            done_faults.append(fault)
        _sleep_until(ledger, minutes * 60)
        stop.set()
        for pair in pairs:
            pair.join(timeout=300)
        ended = ledger.now()
        waited = wait_for_timers(cluster.db_url)
        audit = cluster.alur("audit", "verify", check=False)
        verdict, counts = verify(cluster.db_url, ledger, (audit.returncode, audit.stdout + audit.stderr))
        report = render(minutes, staff, ledger, ended, done_faults, verdict, counts, failures, waited)
        RESULTS.mkdir(exist_ok=True)
        (RESULTS / "soak.md").write_text(report)
        print(report, flush=True)
        passed = not verdict.failed
        return 0 if passed else 1
    finally:
        cluster.stop()
        if os.environ.get("SOAK_KEEP") != "1":
            cluster.drop_database()
            if passed:
                shutil.rmtree(root, ignore_errors=True)  # kept after a failure: the logs are in it


def _sleep_until(ledger: Ledger, second: float) -> None:
    while ledger.now() < second:
        time.sleep(min(1.0, second - ledger.now()))


def _latency_rows(samples: list[Sample]) -> list[str]:
    by_operation: dict[str, list[float]] = {}
    for sample in samples:
        if sample.outcome == "ok":
            by_operation.setdefault(sample.operation, []).append(sample.ms)
    rows = ["| request | n (ok) | p50 ms | p95 ms |", "| --- | ---: | ---: | ---: |"]
    for operation, values in sorted(by_operation.items()):
        rows.append(f"| {operation} | {len(values)} | {statistics.median(values):.0f} | "
                    f"{percentile(values, 0.95):.0f} |")
    everything = [s.ms for s in samples if s.outcome == "ok"]
    rows.append(f"| **all** | {len(everything)} | {statistics.median(everything):.0f} | "
                f"{percentile(everything, 0.95):.0f} |")
    return rows


def _fault_rows(ledger: Ledger, done_faults: list[faults.Fault], ended: float) -> list[str]:
    rows = ["| at | fault | part ready again after | client errors after it (kind: n) | last client error | detail |",
            "| ---: | --- | ---: | --- | ---: | --- |"]
    edges = [f.at for f in done_faults] + [ended]
    for fault, next_edge in zip(done_faults, edges[1:], strict=True):
        # by when the answer came (a request sent just before the fault fails because of it)
        errors = [s for s in ledger.samples if fault.at <= s.at + s.ms / 1000 < next_edge and s.outcome != "ok"]
        kinds = Counter(f"{s.outcome} ({s.operation})" for s in errors)
        last = f"+{max(s.at + s.ms / 1000 for s in errors) - fault.at:.1f} s" if errors else "none"
        listed = ", ".join(f"{k}: {n}" for k, n in kinds.most_common()) or "none"
        rows.append(f"| {fault.at:.0f} s | {fault.name} | {fault.recovered_after:.1f} s | {listed} | {last} | "
                    f"{fault.detail} |")
    return rows


def render(minutes: float, staff: int, ledger: Ledger, ended: float, done_faults: list[faults.Fault],
           verdict: Verdict, counts: dict[str, int], failures: list[str], waited: float) -> str:
    samples = ledger.samples
    errors = Counter(s.outcome for s in samples if s.outcome != "ok")
    error_ops = Counter(f"{s.outcome} on {s.operation}" for s in samples if s.outcome != "ok")
    lines = [
        "# Soak test of the production deployment", "",
        f"Run {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC on {os.cpu_count()} cores (shared machine): "
        f"{minutes:g} minutes of load ({ended:.0f} s), {staff} staff pairs (pelapor + pemeriksa), Debian's nginx "
        "(deploy/nginx, TLS) in front of two gunicorn app servers (2 processes each) and two `alur worker` "
        "processes on a scratch PostgreSQL database. Each case: log in (once per session), inbox, start, open "
        "the task, upload a PDF and complete, then the reviewer's inbox, case page, task, complete; a 15 s "
        "timer then ends the case.", "",
        "## Verdict", "",
        *[f"- **{name}**: {seen}" for name, seen in verdict.findings.items()],
        f"- client operations given up after every retry: {len(failures)}"
        + ("" if not failures else " (" + "; ".join(failures[:5]) + ")"), "",
        "## Counts", "",
        *[f"- {name.replace('_', ' ')}: {value}" for name, value in counts.items()],
        f"- requests: {len(samples)} ({len(samples) / max(ended, 1):.1f}/s), errors: {sum(errors.values())}",
        f"- waited {waited:.0f} s after the load for the last timers", "",
        "## Latency (successful requests)", "", *_latency_rows(samples), "",
        "## Errors by kind", "",
        *([f"- {kind}: {n}" for kind, n in error_ops.most_common()] or ["- none"]), "",
        "## Faults", "", *_fault_rows(ledger, done_faults, ended), "",
        "## Completions that needed a retry", "",
        "A completion whose answer was lost is never sent blindly again: the client reads the task page first.", "",
        *([f"- {note}" for note in ledger.retried_completions] or ["- none"]),
        "",
    ]
    if ledger.start_unknown:
        lines += ["## Case starts whose answer was lost (not sent again)", "",
                  *[f"- {key}" for key in ledger.start_unknown], ""]
    return "\n".join(lines)


def main() -> int:
    minutes = float(os.environ.get("SOAK_MINUTES", "10"))
    staff = int(os.environ.get("SOAK_STAFF", "4"))
    if minutes <= 0 or staff <= 0:
        print("SOAK_MINUTES and SOAK_STAFF must be positive", file=sys.stderr)
        return 2
    return run(minutes, staff)


if __name__ == "__main__":
    sys.exit(main())
