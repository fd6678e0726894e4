"""The HTTP bench rows' verdict statistic (bench.http.paired_excess): each round's HTTP median against the
engine's median of the same round, so a machine that slows down between blocks moves one round."""
from __future__ import annotations

from bench.http import _alternate, _Timed, paired_excess


def test_each_round_is_held_against_its_own_engine_median():
    assert paired_excess([3.0, 5.0, 4.0], [1.0, 2.0, 2.0], 1.5) == 1.5  # excesses 1.5, 2.0, 1.0


def test_a_phase_of_the_machine_moves_its_own_rounds_only():
    engine = [1.0] * 12 + [2.0] * 8  # the machine halves its speed for the last rounds
    api = [2.2] * 12 + [4.4] * 8  # the API costs the same multiple of the engine throughout
    assert paired_excess(api, engine, 1.5) == 2.2 - 1.5  # the fast rounds are the median ones


def test_one_slow_engine_block_moves_one_round_not_the_verdict():
    assert paired_excess([2.2] * 20, [1.0] * 19 + [5.0], 1.5) == 2.2 - 1.5


def test_blocks_alternate_and_the_warm_up_block_is_not_kept():
    order: list[str] = []
    first, second = _Timed(lambda: order.append("a")), _Timed(lambda: order.append("b"))
    _alternate((first, second), rounds=2, per_round=3)
    assert order == ["a"] * 3 + ["b"] * 3 + ["a"] * 3 + ["b"] * 3 + ["a"] * 3 + ["b"] * 3
    assert len(first.blocks) == 2 and all(len(block) == 3 for block in first.blocks)
    assert len(first.medians()) == 2 and first.summary()["n"] == 6


def test_a_floor_is_taken_off_each_round_with_its_own_round():
    # excesses over 1.5x the engine: 1.5, 2.0, 1.0; less each round's floor 0.5, 1.5, 0.25: 1.0, 0.5, 0.75
    assert paired_excess([3.0, 5.0, 4.0], [1.0, 2.0, 2.0], 1.5, [0.5, 1.5, 0.25]) == 0.75
