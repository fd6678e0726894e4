"""Run the benchmarks in one process and write bench/results/{results.json,summary.md}.

Every engine figure is reported as a ratio to raw in-memory SpiffWorkflow measured in the same run.
``python -m bench --quick`` runs a smaller set (for a smoke check); ``make bench`` runs all.
"""
from __future__ import annotations

import argparse
import json
import platform
import sys
from datetime import UTC, datetime
from pathlib import Path

from bench import baseline, completion, http, inbox, sops
from bench.common import database, postgres_available

RESULTS = Path(__file__).resolve().parent / "results"


def run(quick: bool) -> dict:
    backends = ["sqlite"] + (["postgresql"] if postgres_available() else [])
    passes = [0, 10, 100] if quick else [0, 10, 100, 1000]
    row_counts = [10_000, 100_000] if quick else [10_000, 100_000, 1_000_000]
    results: dict = {"started_at": datetime.now(UTC).isoformat(), "python": sys.version.split()[0],
                     "machine": platform.machine(), "backends": backends, "quick": quick}
    print("baseline: raw SpiffWorkflow in memory ...", flush=True)
    results["raw"] = baseline.raw_in_memory()
    results["naive_json"] = baseline.naive_json_per_step()
    results["completion"], results["inbox"], results["sops"], results["http"] = {}, {}, {}, {}
    for backend in backends:
        for k in passes:
            print(f"completion latency {backend} K={k} ...", flush=True)
            with database(backend) as url:
                results["completion"][f"{backend}:{k}"] = completion.completion_latency(url, k)
        print(f"whole-case throughput per SOP {backend} ...", flush=True)
        with database(backend) as url:
            results["sops"][backend] = sops.sop_throughput(url, cases=5 if quick else 20)
        print(f"HTTP path {backend} (gunicorn, 2 workers) ...", flush=True)
        with database(backend) as url:
            results["http"][backend] = http.http_path(url)
        for rows in row_counts:
            print(f"inbox latency {backend} rows={rows} ...", flush=True)
            with database(backend) as url:
                results["inbox"][f"{backend}:{rows}"] = inbox.inbox_latency(url, rows)
    return results


def summary(results: dict) -> str:
    raw = results["raw"]["median_ms"]
    lines = [f"# Alur benchmarks ({results['started_at'][:19]}Z{', quick' if results['quick'] else ''})", "",
             f"Baseline: raw SpiffWorkflow, one user task completed in memory: median **{raw:.3f} ms**.", "",
             "| benchmark | backend | median ms | p95 ms | ratio to raw | target | met |",
             "|---|---|---:|---:|---:|---|---|"]
    naive = results["naive_json"]
    lines.append(f"| naive: whole JSON around each completion (no DB) | memory | {naive['median_ms']:.3f} | "
                 f"{naive['p95_ms']:.3f} | {naive['median_ms'] / raw:.1f}× | reference | |")
    k0 = {}
    for key, value in results["completion"].items():
        backend, k = key.split(":")
        ratio = value["median_ms"] / raw
        if k == "0":
            k0[backend] = value["median_ms"]
            limit = 4 if backend == "sqlite" else 8
            target, met = f"≤ {limit}× raw", ratio <= limit
        else:
            flat = value["median_ms"] / k0[backend]
            target = "≤ 1.5× K=0" if k == "100" else "works"
            met = flat <= 1.5 if k == "100" else True
            ratio_note = f" ({flat:.2f}× K=0)"
            lines.append(f"| completion through the engine, K={k} | {backend} | {value['median_ms']:.3f} | "
                         f"{value['p95_ms']:.3f} | {ratio:.1f}×{ratio_note} | {target} | {'yes' if met else 'no'} |")
            continue
        lines.append(f"| completion through the engine, K={k} | {backend} | {value['median_ms']:.3f} | "
                     f"{value['p95_ms']:.3f} | {ratio:.1f}× | {target} | {'yes' if met else 'no'} |")
    for key, tabs in results["inbox"].items():
        backend, rows = key.split(":")
        for tab, value in tabs.items():
            big = rows == "1000000"
            lines.append(f"| inbox '{tab}', {int(rows):,} task rows | {backend} | {value['median_ms']:.3f} | "
                         f"{value['p95_ms']:.3f} | {value['median_ms'] / raw:.1f}× | "
                         f"{'p95 < 10 ms' if big else '-'} | {('yes' if value['p95_ms'] < 10 else 'no') if big else ''} |")
    for backend, per_sop in results["sops"].items():
        for key, value in per_sop.items():
            lines.append(f"| whole case {key} ({value['steps_per_case']:.0f} steps, data + documents) | {backend} | "
                         f"{value['ms_per_step']:.3f} per step | | {value['ms_per_step'] / raw:.1f}× per step | "
                         f"{value['cases_per_s']:.1f} cases/s | |")
    for backend, value in results["http"].items():
        if "skipped" in value:
            lines.append(f"| HTTP path | {backend} | skipped: {value['skipped']} | | | | |")
            continue
        api, page = value["api_completion"], value["inbox_page"]
        lines.append(f"| HTTP task completion (JSON API, gunicorn 2 workers) | {backend} | {api['median_ms']:.3f} | "
                     f"{api['p95_ms']:.3f} | {api['median_ms'] / raw:.1f}× | median < 5 ms | "
                     f"{'yes' if api['median_ms'] < 5 else 'no'} |")
        lines.append(f"| HTTP inbox page, wrk 16 connections | {backend} | {page['requests_per_s']:.0f} req/s | | | "
                     f"≥ 300 req/s | {'yes' if page['requests_per_s'] >= 300 else 'no'} |")
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--quick", action="store_true", help="smaller sizes, for a smoke check")
    args = parser.parse_args()
    results = run(args.quick)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "results.json").write_text(json.dumps(results, indent=2))
    text = summary(results)
    (RESULTS / "summary.md").write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
