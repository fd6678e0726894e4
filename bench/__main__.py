"""Run the benchmarks in one process and write bench/results/{results.json,summary.md}.

Every engine figure is reported as a ratio to raw in-memory SpiffWorkflow measured in the same run.
``python -m bench --quick`` runs a smaller set (for a smoke check); ``make bench`` runs all.
``python -m bench --only completion --passes 0,100`` runs just those completion rows (before/after a
change to the hot path), written to ``results/completion.{json,md}`` so a full run's files stay;
``python -m bench --only search`` runs only the search rows (into ``results/search.{json,md}``).
``--only concurrency --seconds 60`` runs the 16-client and 1-client rows on PostgreSQL; ``--only
completion,sops`` runs several sections (the whole-case rows time their own bare completions).
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
from datetime import UTC, datetime
from typing import Any

from bench import baseline, completion, concurrency, dashboard, db_floor, http, inbox, mining, search, sops
from bench.common import RESULTS, database, postgres_available, sections_stem, settle


SECTIONS = ("completion", "sops", "http", "inbox", "search", "dashboard", "concurrency", "mining")


def run(quick: bool, only: str | None = None, passes: list[int] | None = None, search_rows: list[int] | None = None,
        search_running: float = search.RUNNING_SHARE, seconds: float = concurrency.SECONDS) -> dict:
    backends = ["sqlite"] + (["postgresql"] if postgres_available() else [])
    passes = passes if passes is not None else [0, 10, 100] if quick else [0, 10, 100, 1000]
    sections = set(only.split(",")) if only else set(SECTIONS)
    row_counts = [10_000, 100_000] if quick else [10_000, 100_000, 1_000_000]
    search_rows = search_rows or ([100_000] if quick else [1_000_000])
    results: dict = {"started_at": datetime.now(UTC).isoformat(), "python": sys.version.split()[0],
                     "machine": platform.machine(), "cpus": os.cpu_count(), "backends": backends, "quick": quick,
                     "only": only, "search_running": search_running, "load": {}}
    print("baseline: raw SpiffWorkflow in memory ...", flush=True)
    results["raw_runs"] = [baseline.raw_in_memory()]
    results["naive_json"] = baseline.naive_json_per_step()
    results["completion"], results["inbox"], results["sops"], results["http"] = {}, {}, {}, {}
    results["search"], results["concurrency"], results["mining"] = {}, {}, {}
    results["dashboard"] = {}
    mining_cases = 10_000 if quick else 50_000
    for backend in backends:
        results["load"][backend] = os.getloadavg()[0]
        for rows in search_rows if "search" in sections else []:
            print(f"search latency {backend} rows={rows} ...", flush=True)
            with database(backend) as url:
                results["search"][f"{backend}:{rows}"] = search.search_latency(url, rows, search_running)
        for k in passes if "completion" in sections else []:
            print(f"completion latency {backend} K={k} ...", flush=True)
            # This VM's CPU speed drifts by up to 2x within minutes: each row gets its own baseline,
            # the raw tight loop timed just before and just after it.
            settle()
            before = baseline.raw_in_memory(1500)["median_ms"]
            with database(backend) as url:
                row = completion.completion_latency(url, k, with_steps=k == 0)
                if k == 0:  # the database's own part of a completion, on the same database
                    row["db_floor"] = db_floor.db_floor(url)
            row["raw_median_ms"] = statistics.mean([before, baseline.raw_in_memory(1500)["median_ms"]])
            results["completion"][f"{backend}:{k}"] = row
        if "dashboard" in sections:
            cases = 10_000 if quick else dashboard.CASES
            print(f"dashboard page {backend} cases={cases} ...", flush=True)
            with database(backend) as url:
                results["dashboard"][backend] = dashboard.dashboard_latency(url, cases)
        if "sops" in sections:
            print(f"whole-case throughput per SOP {backend} ...", flush=True)
            settle()
            with database(backend) as url:
                results["sops"][backend] = sops.sop_throughput(url, cases=5 if quick else 20)
        if "http" in sections:
            print(f"HTTP path {backend} (gunicorn; 1, 2 and 4 workers) ...", flush=True)
            settle()
            with database(backend) as url:
                try:
                    results["http"][backend] = http.http_path(url, (1, 2, 4) if backend == "postgresql" else (2,))
                except (OSError, RuntimeError) as exc:  # e.g. a request timed out on a busy machine
                    results["http"][backend] = {"skipped": f"failed: {type(exc).__name__}: {exc}"}
        if "concurrency" in sections and backend == "postgresql":
            print(f"concurrency {backend}: 16 clients then 1 client, {seconds:.0f} s each ...", flush=True)
            with database(backend) as url:
                results["concurrency"][backend] = concurrency.concurrency(url, seconds=seconds)
        for rows in row_counts if "inbox" in sections else []:
            print(f"inbox latency {backend} rows={rows} ...", flush=True)
            with database(backend) as url:
                results["inbox"][f"{backend}:{rows}"] = inbox.inbox_latency(url, rows)
        if "mining" in sections:
            print(f"process-mining export {backend} cases={mining_cases} ...", flush=True)
            with database(backend) as url:
                results["mining"][f"{backend}:{mining_cases}"] = mining.export_cost(url, mining_cases)
    results["load"]["end"] = os.getloadavg()[0]
    results["uptime"] = _uptime()
    print("baseline again (drift check) ...", flush=True)
    results["raw_runs"].append(baseline.raw_in_memory())
    # The ratios divide by the mean of the two baseline runs, one at each end of this run.
    results["raw"] = {"median_ms": statistics.mean(r["median_ms"] for r in results["raw_runs"])}
    return results


def _uptime() -> str:
    try:
        return subprocess.run(["uptime"], capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return ", ".join(f"{v:.2f}" for v in os.getloadavg())


def _db_floor_row(backend: str, floor: dict, completion_ms: float, raw_ms: float) -> str:
    """The K=0 row's database floor (bench.db_floor): its times, and the completion with it taken off."""
    own = completion_ms - floor["median_ms"]
    return (f"| database floor of the K=0 completion: a read, then BEGIN, a one-row INSERT and COMMIT "
            f"(bench/db_floor.py), timed after the row on its database | {backend} | {floor['median_ms']:.3f} ms | "
            f"{floor['p95_ms']:.3f} ms | {floor['median_ms'] / raw_ms:.1f}× raw; the completion less the floor: "
            f"{own:.3f} ms, **{own / raw_ms:.1f}×** raw | reported | |")


def _floor_row(what: str, floor: dict, backend: str, row: str, excess: float, over_floor: float) -> str:
    """A floor row (bench.floor_app): its times, and how much of the row's excess is left once it is
    taken off (Alur's own layers), in the same rounds. Reported, not a target."""
    return (f"| HTTP floor for the {row} row: a bare Flask app on the same gunicorn (bench/floor_app.py), {what}, "
            f"timed in the same rounds | {backend} | {floor['median_ms']:.3f} ms | {floor['p95_ms']:.3f} ms | "
            f"of the {row}'s excess ({excess:.3f} ms), Alur's own layers: **{over_floor:.3f} ms** (each round's "
            f"floor taken off) | reported | |")


def _yes(met: bool) -> str:
    return "yes" if met else "no"


def _waited_for(waiting_on: dict[str, int]) -> str:
    """The most waited-for locks of a concurrency run: what (kind, table, the waiting statement's words), times seen."""
    if not waiting_on:
        return ""
    top = sorted(waiting_on.items(), key=lambda item: -item[1])[:3]
    return "; waited for: " + ", ".join(f"{what} ×{count}" for what, count in top)


def summary(results: dict) -> str:
    raw = results["raw"]["median_ms"]
    first, last = (r["median_ms"] for r in results["raw_runs"])
    loads = ", ".join(f"{b} {v:.2f}" for b, v in results.get("load", {}).items())
    lines = [f"# Alur benchmarks ({results['started_at'][:19]}Z{', quick' if results['quick'] else ''})", "",
             f"Baseline: raw SpiffWorkflow completing one user task in memory, median **{raw:.3f} ms** "
             f"(mean of {first:.3f} ms at the start and {last:.3f} ms at the end of this run). "
             f"Completion rows divide by their own baseline, the same raw loop timed just before and just after "
             f"the row (shown), "
             f"whole-case rows by the same case run by raw SpiffWorkflow in memory, all others by the baseline "
             f"above. Python {results['python']}, {results.get('cpus')} CPUs; "
             f"1-minute load when each backend began and at the end: {loads or 'n/a'}"
             f"{'; uptime at the end: ' + results['uptime'] if results.get('uptime') else ''}.", "",
             "| benchmark | backend | median | p95 | ratio to baseline | target | met |",
             "|---|---|---:|---:|---:|---|---|"]
    naive = results["naive_json"]
    lines.append(f"| naive: whole workflow JSON (with spec) around each completion, no DB | memory | "
                 f"{naive['median_ms']:.3f} ms | {naive['p95_ms']:.3f} ms | {naive['median_ms'] / raw:.1f}× | "
                 f"reference | |")
    k0 = {key.split(":")[0]: value["median_ms"] for key, value in results["completion"].items()
          if key.endswith(":0")}
    for key, value in results["completion"].items():
        backend, k = key.split(":")
        if k != "0" and backend not in k0:  # run without its K=0 row (--passes)
            lines.append(f"| completion through the engine, K={k} | {backend} | {value['median_ms']:.3f} ms | "
                         f"{value['p95_ms']:.3f} ms | {value['median_ms'] / value.get('raw_median_ms', raw):.1f}× "
                         f"| | |")
            continue
        paired = value.get("raw_median_ms", raw)  # the baseline timed just before and after this row
        ratio = value["median_ms"] / paired
        cells = f"{value['median_ms']:.3f} ms | {value['p95_ms']:.3f} ms"
        if k == "0":
            limit = 4 if backend == "sqlite" else 8
            lines.append(f"| completion through the engine, K=0 | {backend} | {cells} | {ratio:.1f}× "
                         f"(row's raw: {paired:.3f} ms) | ≤ {limit}× raw | {_yes(ratio <= limit)} |")
            lines.append(_db_floor_row(backend, value["db_floor"], value["median_ms"], paired))
            if "step" in value:
                step, bare = value["step"], value["bare_isi"]
                per_bare = step["median_ms"] / bare["median_ms"]
                lines.append(f"| step as staff do it: task page + its form sent with a 200 KB document (taken, then "
                             f"recorded with the completion) (same step's "
                             f"bare completion, timed alternately: {bare['median_ms']:.3f} ms; "
                             f"{step['median_ms'] / value['median_ms']:.2f}× the K=0 row) | {backend} | "
                             f"{step['median_ms']:.3f} ms | {step['p95_ms']:.3f} ms | {per_bare:.2f}× bare completion "
                             f"| ≤ 2× bare completion | {_yes(per_bare <= 2)} |")
        else:
            flat = value["median_ms"] / k0[backend]
            target, met = ("≤ 1.5× K=0", flat <= 1.5) if k == "100" else ("works", True)
            lines.append(f"| completion through the engine, K={k} | {backend} | {cells} | {ratio:.1f}× "
                         f"(row's raw: {paired:.3f} ms; {flat:.2f}× K=0) | {target} | "
                         f"{_yes(met) if k == '100' else 'yes' if k == '1000' else ''} |")
    for key, tabs in results["inbox"].items():
        backend, rows = key.split(":")
        for tab, value in tabs.items():
            big = rows == "1000000"
            lines.append(f"| inbox '{tab}', {int(rows):,} task rows | {backend} | {value['median_ms']:.3f} ms | "
                         f"{value['p95_ms']:.3f} ms | {value['median_ms'] / raw:.1f}× | "
                         f"{'p95 < 10 ms' if big else ''} | {_yes(value['p95_ms'] < 10) if big else ''} |")
    running = results.get("search_running", search.RUNNING_SHARE)
    for key, searches in results.get("search", {}).items():
        backend, rows = key.split(":")
        open_tasks = int(int(rows) / search.TASKS_PER_CASE * running)
        for name, value in searches.items():
            big = int(rows) >= 1_000_000
            lines.append(f"| search {name}, {int(rows):,} task rows (~{open_tasks:,} open) | {backend} | "
                         f"{value['median_ms']:.3f} ms | "
                         f"{value['p95_ms']:.3f} ms | {value['median_ms'] / raw:.1f}× | "
                         f"{'p95 < 10 ms' if big else ''} | {_yes(value['p95_ms'] < 10) if big else ''} |")
    for backend, value in results.get("dashboard", {}).items():
        for name in ("SOP page, a year", "SOP page, a semester", "overview, a year"):
            row = value[name]
            big = value["cases"] >= dashboard.CASES
            lines.append(f"| dashboard {name} (Kabid, rendered with its charts' data), {value['cases']:,} finished "
                         f"cases of {value['sops']} SOPs over 4 years ({value['steps']:,} step rows) | {backend} | "
                         f"{row['median_ms']:.1f} ms | {row['p95_ms']:.1f} ms | {row['median_ms'] / raw:.1f}× | "
                         f"{'< 300 ms' if big else ''} | {_yes(row['median_ms'] < 300) if big else ''} |")
    # A whole-case row is a mean (its total time over its steps, pauses and the case's start included),
    # so it is held against the bare completion's mean, the same statistic, timed alternately with the
    # cases (bench.sops): the verdict is the median over the row's cases of each case's ratio to the bare
    # block timed right after it (bench.sops.paired_ratio); the pooled ratios and the K=0 row's mean are
    # shown too.
    k0_mean = {key.split(":")[0]: value.get("mean_ms") for key, value in results["completion"].items()
               if key.endswith(":0")}
    for backend, per_sop in results["sops"].items():
        for key, value in per_sop.items():
            bare_mean, bare = value["bare_mean_ms"], value["bare_median_ms"]
            per_step = value["ms_per_step"] / bare_mean
            paired = value["paired_ratio"]
            k0_row = f"; K=0 row's mean {k0_mean[backend]:.3f} ms" if k0_mean.get(backend) else ""
            lines.append(f"| whole case {key}: {value['steps_per_case']:.0f} steps as staff do them (page, "
                         f"documents, completion), {value['cases_per_s']:.1f} cases/s "
                         f"({value['ms_per_step']:.2f} ms per step{_by_part(value)}) | {backend} | "
                         f"{value['ms_per_case']:.1f} ms per case | | {value['ratio_to_raw']:.1f}× raw "
                         f"({value['raw_ms_per_case']:.2f} ms); **{paired:.2f}×** the bare completion per step "
                         f"(median over its cases of each case against the bare completions timed right after "
                         f"it); pooled: {per_step:.2f}× the bare completion's mean ({bare_mean:.3f} ms{k0_row}), "
                         f"{value['ms_per_step'] / bare:.2f}× its median | ≤ 2.5× bare completion per step | "
                         f"{_yes(paired <= 2.5)} |")
    for backend, value in results["http"].items():
        if "skipped" in value:
            lines.append(f"| HTTP path | {backend} | skipped: {value['skipped']} | | | | |")
            continue
        engine = value["engine"]
        api, page = value["api_completion"], value["inbox_page_latency"]
        limit = 1.5 * engine["completion"]["median_ms"] + 1
        served = f"gunicorn 2 workers, {value.get('gunicorn') or 'sync'}"
        rounds = f"{value['rounds']} rounds of {value['per_round']}"
        lines.append(f"| HTTP task completion (JSON API, {served}, one client on one kept-alive connection) vs the "
                     f"engine's completion on the same database ({engine['completion']['median_ms']:.3f} ms), "
                     f"timed in alternating blocks ({rounds}) | {backend} | "
                     f"{api['median_ms']:.3f} ms | {api['p95_ms']:.3f} ms | "
                     f"{api['median_ms'] / engine['completion']['median_ms']:.2f}× engine; 1.5× engine + "
                     f"**{value['api_excess_ms']:.3f} ms** (median over the rounds; pooled medians: limit "
                     f"{limit:.3f} ms) | ≤ 1.5× engine + 1 ms | {_yes(value['api_excess_ms'] <= 1)} |")
        floor = value.get("floor")
        if floor:
            lines.append(_floor_row("a JSON POST answered with a JSON object", floor["json_post"], backend,
                                    "API", value["api_excess_ms"], value["api_excess_over_floor_ms"]))
        elsewhere = engine.get("completion_other_process")
        if elsewhere:
            lines.append(f"| engine's completion when each step lands on another process (two engines in turn: the "
                         f"workflow loaded from the case's row, not kept) | {backend} | "
                         f"{elsewhere['median_ms']:.3f} ms | "
                         f"{elsewhere['p95_ms']:.3f} ms | "
                         f"{elsewhere['median_ms'] / engine['completion']['median_ms']:.2f}× engine | reported | |")
        query = engine["inbox"]["median_ms"]
        lines.append(f"| HTTP inbox page (one client) vs the engine's inbox query ({query:.3f} ms), timed in "
                     f"alternating blocks ({rounds}) | {backend} | "
                     f"{page['median_ms']:.3f} ms | {page['p95_ms']:.3f} ms | "
                     f"query + **{value['page_excess_ms']:.3f} ms** (median over the rounds; pooled medians: "
                     f"+ {page['median_ms'] - query:.3f} ms) | ≤ query + 2 ms | "
                     f"{_yes(value['page_excess_ms'] <= 2)} |")
        if floor:
            lines.append(_floor_row("a page of the inbox page's size", floor["page"], backend, "inbox page",
                                    value["page_excess_ms"], value["page_excess_over_floor_ms"]))
        one = value["throughput"].get("1", {}).get("requests_per_s")
        for workers, row in value["throughput"].items():
            scale = f"{row['requests_per_s'] / one:.2f}× 1 worker" if one else ""
            lines.append(f"| HTTP inbox page throughput, wrk 2 threads 16 connections, gunicorn {workers} worker(s) "
                         f"({value.get('gunicorn') or 'sync'}), "
                         f"{results.get('cpus')} CPUs: {row['requests_per_s']:.0f} req/s"
                         f"{', ' + str(row['non_2xx']) + ' non-2xx' if row.get('non_2xx') else ''} | {backend} | "
                         f"{1000 / row['requests_per_s']:.3f} ms per request | | {scale} | scaling shown | "
                         f"{_yes(not row.get('non_2xx'))} |")
    for backend, value in results.get("concurrency", {}).items():
        runs = value["runs"]
        single = runs.get("1")
        for clients, run in runs.items():
            locks, db = run["lock_waits"], run["db"]
            versus = (f"; {run['cases_per_s'] / single['cases_per_s']:.2f}× the cases/s and "
                      f"{run['step']['p95_ms'] / single['step']['p95_ms']:.2f}× the p95 of 1 client"
                      if single and clients != "1" and single["cases_per_s"] else "")
            lines.append(f"| {clients} concurrent client(s), whole cases of the five SOPs for {run['seconds']:.0f} s: "
                         f"{run['cases']} cases, {run['cases_per_s']:.2f} cases/s, {run['steps']} steps; "
                         f"{run['conflicts']} conflicts; lock waits in {locks['waiting_samples']} of "
                         f"{locks['samples']} pg_locks samples (at most {locks['max_waiting']} waiting"
                         f"{_waited_for(locks.get('waiting_on') or {})}); "
                         f"{db['rollbacks']} rollbacks, {db['deadlocks']} deadlocks{versus} | {backend} | "
                         f"{run['step']['median_ms']:.2f} ms per step | {run['step']['p95_ms']:.2f} ms | | "
                         f"reported | |")
        lines.append(f"| after the concurrency runs: {value['checked_steps']} completed steps checked, "
                     f"{value['lost_updates']} lost; `alur audit verify`: {value['audit_verify']} | {backend} | | | | "
                     f"0 lost, verify passes | {_yes(value['lost_updates'] == 0 and value['audit_verify_ok'])} |")
    for key, formats in results.get("mining", {}).items():
        backend, cases = key.split(":")
        for fmt, value in formats.items():
            lines.append(f"| process-mining export {fmt}, {int(cases):,} cases of a year ({value['mb']:.0f} MB), "
                         f"peak memory {value['peak_mb']:.1f} MB | {backend} | {value['seconds']:.1f} s "
                         f"({value['cases_per_s']:.0f} cases/s) | | | streamed: peak < 50 MB | "
                         f"{_yes(value['peak_mb'] < 50)} |")
    return "\n".join(lines) + "\n"


def _by_part(value: dict[str, Any]) -> str:
    """Where a whole-case row's time per step goes: the case's start is shared by its steps, so it weighs
    more in a case of few steps."""
    return ": " + ", ".join(f"{part} {ms:.2f}" for part, ms in value["ms_per_step_by_part"].items())


def _sections(text: str) -> str:
    unknown = [name for name in text.split(",") if name not in SECTIONS]
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown section(s) {', '.join(unknown)}; choose from {', '.join(SECTIONS)}")
    return text


def _passes(text: str) -> list[int]:
    try:
        passes = [int(k) for k in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a comma-separated list of numbers: {text}") from None
    if any(k < 0 for k in passes):
        raise argparse.ArgumentTypeError("passes cannot be negative")
    return passes


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--quick", action="store_true", help="smaller sizes, for a smoke check")
    parser.add_argument("--only", type=_sections, metavar="SECTION[,SECTION]",
                        help=f"run only these rows (and the baseline), of {', '.join(SECTIONS)}; results go to "
                             "results/<only>.{json,md}")
    parser.add_argument("--passes", type=_passes, metavar="K,K,...",
                        help="the loop passes K of the completion rows (default 0,10,100,1000; --quick 0,10,100)")
    parser.add_argument("--search-rows", type=int, action="append", metavar="N",
                        help="task rows for the search rows (repeatable; default 1,000,000, --quick 100,000)")
    parser.add_argument("--seconds", type=float, default=concurrency.SECONDS,
                        help="how long each concurrency run lasts (default 60)")
    parser.add_argument("--search-running", type=float, default=search.RUNNING_SHARE, metavar="SHARE",
                        help="share of the search rows' cases still running, each with one open task (default 0.05)")
    args = parser.parse_args()
    results = run(args.quick, args.only, args.passes, args.search_rows, args.search_running, args.seconds)
    RESULTS.mkdir(parents=True, exist_ok=True)
    name = sections_stem(args.only) if args.only else None
    stem, md = (name, name) if name else ("results", "summary")
    (RESULTS / f"{stem}.json").write_text(json.dumps(results, indent=2))
    text = summary(results)
    (RESULTS / f"{md}.md").write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
