"""The paired comparison that judges a learned part against the portfolio: exact McNemar and medians."""

from __future__ import annotations

import math

import pytest

from stp_prover.prover.compare import compare_arms, mcnemar_exact


def test_mcnemar_matches_the_binomial_tail_by_hand():
    assert mcnemar_exact(0, 0) == 1.0
    assert mcnemar_exact(3, 3) == 1.0
    # 8 wins, 0 losses: 2 * 0.5**8
    assert math.isclose(mcnemar_exact(8, 0), 2 / 256)
    # 9 wins, 2 losses: 2 * (1 + 11 + 55) / 2**11
    assert math.isclose(mcnemar_exact(9, 2), 2 * 67 / 2048)
    assert mcnemar_exact(2, 9) == mcnemar_exact(9, 2)
    assert mcnemar_exact(5, 0) > 0.05 > mcnemar_exact(6, 0)  # the fewest one-sided wins that reach p < 0.05
    with pytest.raises(ValueError):
        mcnemar_exact(-1, 2)


def test_compare_counts_wins_losses_and_medians_on_what_both_prove():
    a = {"p1": {"proved": True, "seconds": 2.0}, "p2": {"proved": True, "seconds": 4.0}, "p3": {"proved": False}}
    b = {"p1": {"proved": True, "seconds": 1.0}, "p3": {"proved": True, "seconds": 5.0}, "p4": {"proved": True}}
    c = compare_arms(a, b, ["p1", "p2", "p3"])  # p4 is not among the compared problems; p2 is missing from b
    assert (c.a, c.b, c.wins, c.losses, c.both) == (2, 2, 1, 1, 1)
    assert (c.median_a_s, c.median_b_s, c.median_ratio) == (2.0, 1.0, 0.5)
    assert c.to_dict()["median_ratio"] == 0.5 and c.p_value == 1.0
    empty = compare_arms({}, {}, ["x"])
    assert empty.median_ratio is None and empty.p_value == 1.0
