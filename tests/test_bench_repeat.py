"""Several bench runs side by side (bench.repeat): each judged row found in every run, though its title
carries its run's figures, and judged on the median run."""
from __future__ import annotations

import subprocess
import sys

from bench.repeat import judged_rows, side_by_side


def summary(k0: str, k0_met: str, cases_per_s: str, whole: str, whole_met: str, p95: str = "0.880 ms") -> str:
    return "\n".join([
        "# Alur benchmarks", "",
        "| benchmark | backend | median | p95 | ratio to baseline | target | met |",
        "|---|---|---:|---:|---:|---|---|",
        "| naive: whole workflow JSON around each completion | memory | 1.395 ms | 3.018 ms | 6.8× | reference | |",
        f"| completion through the engine, K=0 | sqlite | 0.808 ms | 1.168 ms | {k0} (row's raw: 0.229 ms) "
        f"| ≤ 4× raw | {k0_met} |",
        "| completion through the engine, K=10 | sqlite | 0.771 ms | 0.941 ms | 3.6× | works |  |",
        "| completion through the engine, K=100 | sqlite | 0.801 ms | 1.182 ms | 3.9× (0.99× K=0) | ≤ 1.5× K=0 | yes |",
        f"| inbox 'mine', 1,000,000 task rows | sqlite | 0.750 ms | {p95} | 3.7× | p95 < 10 ms | yes |",
        f"| whole case sop_x: 6 steps, {cases_per_s} cases/s | sqlite | 15.6 ms per case | | 12.3× raw; "
        f"**{whole}** the bare completion per step | ≤ 2.5× bare completion per step | {whole_met} |",
        "| process-mining export csv, 50,000 cases (62 MB), peak memory 8.2 MB | sqlite | 17.0 s | | "
        "| streamed: peak < 50 MB | yes |",
        "| after the concurrency runs: 29697 completed steps checked, 0 lost | postgresql | | | "
        "| 0 lost, verify passes | yes |",
    ])


def test_a_runs_judged_rows_each_with_the_figure_its_verdict_is_about():
    rows = judged_rows(summary("3.5×", "yes", "64.2", "2.59×", "no"))
    figures = {title: (figure, met) for _key, title, _backend, figure, met in rows}
    assert figures == {
        "completion through the engine, K=0": ("3.5×", True),  # the first ratio of its cell
        "completion through the engine, K=100": ("0.99× K=0", True),  # its target is a multiple of K=0
        "inbox 'mine', 1,000,000 task rows": ("0.880 ms", True),  # its target is a p95
        "whole case sop_x: 6 steps, 64.2 cases/s": ("2.59×", False),  # the bold figure
        "process-mining export csv, 50,000 cases (62 MB), peak memory 8.2 MB": ("8.2 MB", True),  # the peak named
        "after the concurrency runs: 29697 completed steps checked, 0 lost": ("", True),
    }  # the naive row and K=10 have no verdict


def test_rows_are_matched_across_runs_though_their_titles_carry_their_runs_figures():
    runs = [summary("3.5×", "yes", "64.2", "2.59×", "no"), summary("4.1×", "no", "70.1", "2.44×", "yes"),
            summary("3.9×", "yes", "58.0", "2.61×", "no", p95="0.910 ms")]
    table = side_by_side(runs)
    lines = {line.split(" | ")[0].lstrip("| "): line for line in table.splitlines() if line.startswith("| ")}
    assert lines["completion through the engine, K=0"].endswith("| sqlite | 3.5× | 4.1× | 3.9× | 2 of 3 | yes |")
    assert lines["completion through the engine, K=100"].endswith(
        "| 0.99× K=0 | 0.99× K=0 | 0.99× K=0 | 3 of 3 | yes |")
    # the first run's title; judged on the median run: met in one of three
    assert lines["whole case sop_x: 6 steps, 64.2 cases/s"].endswith("| 2.59× | 2.44× | 2.61× | 1 of 3 | no |")
    assert lines["inbox 'mine', 1,000,000 task rows"].endswith("| 0.880 ms | 0.880 ms | 0.910 ms | 3 of 3 | yes |")
    assert lines["after the concurrency runs: 29697 completed steps checked, 0 lost"].endswith(
        "| met | met | met | 3 of 3 | yes |")
    assert len([line for line in table.splitlines() if line.startswith("| ") and "sqlite" in line]) == 5


def test_rows_with_the_same_title_are_told_apart_by_their_order_and_a_row_a_run_lacks_is_not_met():
    row = "| completion through the engine, K={k} | sqlite | 1 ms | 1 ms | {ratio} | ≤ 4× raw | {met} |"
    both = "\n".join([row.format(k=0, ratio="3.5×", met="yes"), row.format(k=100, ratio="3.9×", met="yes")])
    only_first = row.format(k=0, ratio="4.2×", met="no")
    table = side_by_side([both, only_first, both])
    assert "| completion through the engine, K=0 | sqlite | 3.5× | 4.2× | 3.5× | 2 of 3 | yes |" in table
    assert "| completion through the engine, K=100 | sqlite | 3.9× | – | 3.9× | 2 of 3 | yes |" in table


def test_fewer_than_one_run_is_refused_before_any_runs():
    done = subprocess.run([sys.executable, "-m", "bench.repeat", "--times", "0", "--only", "sops"],
                          capture_output=True, text=True)
    assert done.returncode == 2 and "--times must be at least 1" in done.stderr


def test_a_failing_run_stops_the_repeat_with_its_exit_status():
    done = subprocess.run([sys.executable, "-m", "bench.repeat", "--times", "2", "--only", "nosuch"],
                          capture_output=True, text=True)
    assert done.returncode == 2 and "run 1 of 2 failed (exit 2)" in done.stderr
    assert "unknown section(s) nosuch" in done.stderr  # bench's own refusal, passed on
