"""The whole-case bench rows' verdict statistic (bench.sops.paired_ratio): each case against the bare block
timed right after it, so one pause moves one pair, not the row; and the rows' time per step by part."""
from __future__ import annotations

import statistics
import time

import pytest

from bench.__main__ import _by_part
from bench.sops import _Stopwatch, paired_ratio


def test_a_case_is_held_against_the_mean_of_its_own_bare_block():
    assert paired_ratio(30.0, 10, [1.0, 1.5, 1.0, 1.5]) == 3.0 / 1.25


def test_one_pause_in_a_bare_block_moves_one_pair_not_the_rows_median():
    steady = [paired_ratio(27.0, 9, [1.0] * 9) for _ in range(19)]
    paused = paired_ratio(27.0, 9, [1.0] * 8 + [50.0])  # a 50 ms pause among the bare samples
    assert paused < 1.0 and statistics.median(steady + [paused]) == 3.0
    pooled_bare_mean = statistics.fmean([1.0] * 9 * 19 + [1.0] * 8 + [50.0])
    assert 3.0 / pooled_bare_mean < 2.5  # the pooled mean would have passed a 3x row


def test_the_stopwatch_splits_a_cases_time_by_part():
    watch = _Stopwatch()

    def task_page() -> str:
        time.sleep(0.002)
        return "page"

    def complete_task() -> None:
        raise RuntimeError("refused")  # a call that fails still counts

    assert watch(task_page) == "page"
    with pytest.raises(RuntimeError):
        watch(complete_task)
    assert watch.parts["page"] >= 0.002 and watch.parts["completion"] > 0 and watch.parts["start"] == 0.0
    assert watch.seconds == pytest.approx(sum(watch.parts.values()))


def test_the_row_names_each_parts_time_per_step():
    row = {"ms_per_step_by_part": {"start": 0.19, "page": 0.431, "documents": 0.13, "completion": 1.149}}
    assert _by_part(row) == ": start 0.19, page 0.43, documents 0.13, completion 1.15"
