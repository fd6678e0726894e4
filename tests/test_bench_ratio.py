"""The whole-case bench rows' verdict statistic (bench.sops.paired_ratio): each case against the bare block
timed right after it, so one pause moves one pair, not the row."""
from __future__ import annotations

import statistics

from bench.sops import paired_ratio


def test_a_case_is_held_against_the_mean_of_its_own_bare_block():
    assert paired_ratio(30.0, 10, [1.0, 1.5, 1.0, 1.5]) == 3.0 / 1.25


def test_one_pause_in_a_bare_block_moves_one_pair_not_the_rows_median():
    steady = [paired_ratio(27.0, 9, [1.0] * 9) for _ in range(19)]
    paused = paired_ratio(27.0, 9, [1.0] * 8 + [50.0])  # a 50 ms pause among the bare samples
    assert paused < 1.0 and statistics.median(steady + [paused]) == 3.0
    pooled_bare_mean = statistics.fmean([1.0] * 9 * 19 + [1.0] * 8 + [50.0])
    assert 3.0 / pooled_bare_mean < 2.5  # the pooled mean would have passed a 3x row
