"""The judged rows of several bench runs side by side, each row's verdict taken over the runs.

On this 2-CPU VM a row near its line passes in one run and fails in the next on unchanged code (issue 21:
the PostgreSQL K=0 row read 7.1× to 11.5× within an hour). One run cannot say on which side of its line
such a row lies; several can. ``python -m bench.repeat --times 3 --only completion,sops,http`` runs
``python -m bench --only …`` that many times, one after the other, and writes ``results/repeat.md``: each
judged row's figure in every run, in how many runs it was met, and the verdict of the median run (met
in more than half of them).

A row is known across runs by its first cell with its numbers left out (a row's title carries figures
of its run: "47.3 cases/s", "the engine's completion (1.009 ms)"), its backend, and its place among the
rows that then read the same (K=0 before K=100): every run writes its rows in the same order.
"""
from __future__ import annotations

import argparse
import re
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field

from bench.common import RESULTS, sections_stem

_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_BOLD = re.compile(r"\*\*([^*]+)\*\*")
_RATIO = re.compile(r"\d+(?:\.\d+)?×")
_AGAINST_K0 = re.compile(r"\d+(?:\.\d+)?× K=0")
_PEAK = re.compile(r"peak memory (\d+(?:\.\d+)? MB)")
_TITLE_CHARACTERS = 120


@dataclass
class _Row:
    title: str
    backend: str
    figures: list[str] = field(default_factory=list)
    met: list[bool] = field(default_factory=list)


def judged_rows(markdown: str) -> list[tuple[str, str, str, str, bool]]:
    """The rows of a bench summary that have a verdict: (key, title, backend, figure, met)."""
    rows = []
    seen: dict[str, int] = {}
    for line in markdown.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if not line.startswith("| ") or len(cells) != 7 or cells[6] not in ("yes", "no"):
            continue
        title, backend = cells[:2]
        figure = _judged_figure(*cells[:6])
        key = f"{_NUMBER.sub('#', title)}|{backend}"
        seen[key] = seen.get(key, 0) + 1
        rows.append((f"{key}|{seen[key]}", title, backend, figure, cells[6] == "yes"))
    return rows


def _judged_figure(title: str, _backend: str, median: str, p95: str, ratio: str, target: str) -> str:
    """The figure a row's verdict is about: its bold figure; a multiple of K=0, a p95, a time or a peak its
    target names; else its first ratio, else its median (or nothing, for a row judged on what it says:
    nothing lost)."""
    bold = _BOLD.search(ratio)
    if bold:
        return bold.group(1)
    against_k0 = _AGAINST_K0.search(ratio)
    if "K=0" in target and against_k0:
        return against_k0.group(0)
    if "p95" in target:
        return p95
    peak = _PEAK.search(title)
    if "peak" in target and peak:
        return peak.group(1)
    if re.search(r"\d ms\b", target):
        return median
    ratio_figure = _RATIO.search(ratio)
    return ratio_figure.group(0) if ratio_figure else median


def side_by_side(summaries: Sequence[str]) -> str:
    """The judged rows of ``summaries`` (one bench summary per run), as a table; a row missing from a run
    shows a dash there and counts as not met."""
    rows: dict[str, _Row] = {}
    for run, markdown in enumerate(summaries):
        for key, title, backend, figure, met in judged_rows(markdown):
            row = rows.setdefault(key, _Row(title, backend))
            row.figures += ["–"] * (run - len(row.figures)) + [figure]
            row.met += [False] * (run - len(row.met)) + [met]
    runs = len(summaries)
    header = " | ".join(f"run {n + 1}" for n in range(runs))
    lines = [f"# Judged rows over {runs} runs", "",
             "Each row's figure in every run; its verdict is the median run's (met in more than half).", "",
             f"| row | backend | {header} | met in | verdict |", "|---|---|" + "---|" * runs + "---|---|"]
    for row in rows.values():
        figures = [figure or ("met" if met else "not met") for figure, met in zip(row.figures, row.met, strict=True)]
        figures += ["–"] * (runs - len(figures))
        count = sum(row.met)
        title = row.title if len(row.title) <= _TITLE_CHARACTERS else row.title[:_TITLE_CHARACTERS - 1] + "…"
        lines.append(f"| {title} | {row.backend} | {' | '.join(figures)} | {count} of {runs} | "
                     f"{'yes' if count * 2 > runs else 'no'} |")
    return "\n".join(lines) + "\n"


def _bench_run(arguments: list[str], only: str) -> str:
    """One ``python -m bench --only`` run; its summary.

    :raises subprocess.CalledProcessError: the run failed
    """
    subprocess.run([sys.executable, "-m", "bench", "--only", only, *arguments], check=True)
    return (RESULTS / f"{sections_stem(only)}.md").read_text()


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.repeat",
                                     description="Run `python -m bench --only …` several times; judge each row "
                                                 "over the runs. Other options go to each run.")
    parser.add_argument("--times", type=int, default=3, help="how many runs (default 3; odd: a median run)")
    parser.add_argument("--only", required=True, metavar="SECTION[,SECTION]", help="as python -m bench's")
    args, rest = parser.parse_known_args()
    if args.times < 1:
        parser.error("--times must be at least 1")
    summaries = []
    for run in range(args.times):
        try:
            summaries.append(_bench_run(rest, args.only))
        except subprocess.CalledProcessError as failed:
            print(f"bench.repeat: run {run + 1} of {args.times} failed (exit {failed.returncode})", file=sys.stderr)
            return failed.returncode
    text = side_by_side(summaries)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "repeat.md").write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
