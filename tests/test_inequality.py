"""Dagum (1997) Gini decomposition: identities, a hand-worked example, order invariance, bad input."""
import numpy as np
import pandas as pd
import pytest

from analysis.errors import UserError
from analysis.examples import default_study, demo_panel
from analysis.inequality import dagum, dagum_by_period, gap_sums, gini
from tests.test_spatial import _coupled


def brute_gini(y):
    y = np.asarray(y, dtype=float)
    return np.abs(y[:, None] - y[None, :]).sum() / (2 * len(y) ** 2 * y.mean())


def test_gap_sums_equal_the_pairwise_double_sum():
    rng = np.random.default_rng(1)
    a, b = rng.random(37), np.round(rng.random(23), 1)  # ties included
    diff = a[:, None] - b[None, :]
    assert gap_sums(a, b) == pytest.approx((np.clip(diff, 0, None).sum(), np.clip(-diff, 0, None).sum()), abs=1e-12)
    assert gini(a) == pytest.approx(brute_gini(a), abs=1e-14)


def test_hand_worked_example():
    """A = {1, 3}, B = {2, 6}: n = 4, mean 3, sum of |y_i - y_r| over ordered pairs 32, so G = 32 / (2 16 3) = 1/3.
    G_AA = 4/16 = 1/4, G_BB = 8/32 = 1/4; p = 1/2 each, s_A = 1/3, s_B = 2/3, so G_w = 1/8.
    B before A (higher mean): G_BA = 10 / (2 2 (4 + 2)) = 5/12; d_BA = 9, p_BA = 1, D_BA = 0.8;
    G_nb = 5/12 (1/2 1/3 + 1/2 2/3) 0.8 = 1/6 and G_t = 5/24 0.2 = 1/24; 1/8 + 1/6 + 1/24 = 1/3."""
    overall, within, between = dagum([1, 3, 2, 6], ["A", "A", "B", "B"])
    assert overall["G"] == pytest.approx(1 / 3, abs=1e-15)
    assert overall["G_w"] == pytest.approx(1 / 8, abs=1e-15)
    assert overall["G_nb"] == pytest.approx(1 / 6, abs=1e-15)
    assert overall["G_t"] == pytest.approx(1 / 24, abs=1e-15)
    assert [(r["group"], r["G_jj"]) for r in within] == [("B", 0.25), ("A", 0.25)]
    assert between == [{"group_j": "B", "group_h": "A", "G_jh": pytest.approx(5 / 12), "D_jh": pytest.approx(0.8)}]


def _check_identities(values, groups):
    overall, within, between = dagum(values, groups)
    y, g = np.asarray(values, dtype=float), np.asarray(groups)
    assert overall["G"] == pytest.approx(brute_gini(y), abs=1e-12)
    assert abs(overall["G_w"] + overall["G_nb"] + overall["G_t"] - overall["G"]) < 1e-12
    assert overall["share_w"] + overall["share_nb"] + overall["share_t"] == pytest.approx(1, abs=1e-12)
    means = {r["group"]: r["mean"] for r in within}
    for r in within:
        assert r["G_jj"] == pytest.approx(brute_gini(y[g == r["group"]]), abs=1e-12)
    for r in between:
        a, b = y[g == r["group_j"]], y[g == r["group_h"]]
        assert means[r["group_j"]] >= means[r["group_h"]] and 0 <= r["D_jh"] <= 1
        assert r["G_jh"] == pytest.approx(np.abs(a[:, None] - b[None, :]).sum() / (len(a) * len(b) * (a.mean() + b.mean())), abs=1e-12)
    # the net between-group term is sum over pairs of p_j p_h (mean_j - mean_h) / mean, since d_jh - p_jh = mean difference
    n, mean = len(y), y.mean()
    expected = sum((g == r["group_j"]).sum() * (g == r["group_h"]).sum() / n**2 * (means[r["group_j"]] - means[r["group_h"]])
                   / mean for r in between)
    assert overall["G_nb"] == pytest.approx(expected, abs=1e-12)
    return overall


def test_identities_on_random_panels():
    rng = np.random.default_rng(7)
    for _ in range(20):
        n = rng.integers(8, 200)
        groups = rng.choice(list("ABCDE")[: rng.integers(2, 6)], n)
        _check_identities(rng.lognormal(size=n), groups)


def test_identities_on_the_demo_and_order_invariance():
    study = default_study()
    _, coupled = _coupled(study, demo_panel())
    result = dagum_by_period(coupled, ["D", "U1"])
    for period, block in coupled.groupby("period"):
        overall = _check_identities(block["D"].to_numpy(), block["group"].to_numpy())
        row = result.overall.query("measure == 'D' and period == @period").iloc[0]
        assert row["G"] == pytest.approx(overall["G"], abs=1e-15)
    shuffled = dagum_by_period(coupled.sample(frac=1, random_state=3), ["D", "U1"])
    pd.testing.assert_frame_equal(result.overall, shuffled.overall, atol=1e-14, rtol=0)
    pd.testing.assert_frame_equal(result.between, shuffled.between, atol=1e-14, rtol=0)
    assert set(result.within["group"]) == {"East", "Central", "West", "Northeast"}
    assert len(result.between) == 2 * 12 * 6  # two measures, twelve years, six pairs of regions


def test_one_group_and_negative_values_are_refused():
    frame = pd.DataFrame({"period": 1, "group": "East", "D": [0.2, 0.3, 0.4]})
    with pytest.raises(UserError, match="at least two groups"):
        dagum_by_period(frame, ["D"])
    frame["group"] = ["East", "West", "West"]
    frame.loc[0, "D"] = -0.1
    with pytest.raises(UserError, match="non-negative"):
        dagum_by_period(frame, ["D"])
