"""Composite indices against hand computations and independent loop implementations."""
import math

import numpy as np
import pandas as pd
import pytest

from analysis.errors import UserError
from analysis.indices import compute_index, normalise, yearly_means
from analysis.study import Index


def make_index(columns, directions=None, method="entropy", dims=None, **settings) -> Index:
    directions = directions or ["+"] * len(columns)
    weights = settings.pop("weights", [None] * len(columns))
    dims = dims or {"all": columns}
    spec = {c: {"column": c, "direction": d, "weight": w} for c, d, w in zip(columns, directions, weights)}
    return Index(name="idx", method=method, dimensions=[{"name": n, "indicators": [spec[c] for c in cs]}
                                                       for n, cs in dims.items()], **settings)


# 4 rows x 3 indicators, worked by hand:
#   x1 benefit [1, 2, 3, 5]   -> z1 = [0, 1/4, 1/2, 1],  p1 = [0, 1/7, 2/7, 4/7]
#   x2 cost    [10, 8, 4, 2]  -> z2 = (10 - x)/8 = [0, 1/4, 3/4, 1],  p2 = [0, 1/8, 3/8, 1/2]
#   x3 benefit [3, 3, 7, 11]  -> z3 = [0, 0, 1/2, 1],  p3 = [0, 0, 1/3, 2/3]
#   e_j = -sum p ln p / ln 4 (0 ln 0 = 0)
HAND = pd.DataFrame({"x1": [1, 2, 3, 5], "x2": [10, 8, 4, 2], "x3": [3, 3, 7, 11]}, index=[10, 11, 12, 13])
E1 = -(1 / 7 * math.log(1 / 7) + 2 / 7 * math.log(2 / 7) + 4 / 7 * math.log(4 / 7)) / math.log(4)
E2 = -(1 / 8 * math.log(1 / 8) + 3 / 8 * math.log(3 / 8) + 1 / 2 * math.log(1 / 2)) / math.log(4)
E3 = -(1 / 3 * math.log(1 / 3) + 2 / 3 * math.log(2 / 3)) / math.log(4)


def test_hand_example():
    assert (round(E1, 8), round(E2, 8), round(E3, 8)) == (0.68939175, 0.70281953, 0.45914792)
    index = make_index(["x1", "x2", "x3"], ["+", "-", "+"], dims={"A": ["x1", "x2"], "B": ["x3"]})
    result = compute_index(HAND, index)
    # w_j = (1 - e_j) / sum(1 - e), worked out to 8 decimals
    np.testing.assert_allclose(result.weights["weight"], [0.27041374, 0.25872359, 0.47086268], atol=5e-9)
    np.testing.assert_allclose(result.weights["entropy"], [E1, E2, E3], rtol=1e-12)
    # score = sum_j w_j z_j, e.g. row 2: 0.27041374/4 + 0.25872359/4 = 0.13228433
    np.testing.assert_allclose(result.scores, [0, 0.13228433, 0.56468090, 1], atol=5e-9)
    assert list(result.scores.index) == [10, 11, 12, 13] and result.scores.name == "idx"
    np.testing.assert_allclose(result.dimensions["B"], [0, 0, 0.47086268 / 2, 0.47086268], atol=5e-9)
    assert list(result.weights.columns[:6]) == ["index", "dimension", "indicator", "column", "direction", "weight"]
    assert "k = 1/ln 4" in result.convention and "0 ln 0 taken as 0" in result.convention


def reference_entropy(x, directions, zero_handling="zero", eps=1e-4):
    """Weights and scores by plain loops, written independently of the module."""
    n, m = x.shape
    z = np.zeros((n, m))
    for j in range(m):
        lo, hi = min(x[:, j]), max(x[:, j])
        for i in range(n):
            z[i, j] = (x[i, j] - lo) / (hi - lo) if directions[j] == "+" else (hi - x[i, j]) / (hi - lo)
    d = []
    for j in range(m):
        col = [z[i, j] + eps if zero_handling == "shift" else eps + (1 - 2 * eps) * z[i, j] if zero_handling == "squeeze"
               else z[i, j] for i in range(n)]
        total = sum(col)
        e = -sum((v / total) * math.log(v / total) for v in col if v > 0) / math.log(n)
        d.append(1 - e)
    w = [dj / sum(d) for dj in d]
    scores = [sum(w[j] * z[i, j] for j in range(m)) for i in range(n)]
    return np.array(w), np.array(scores)


@pytest.fixture
def panel():
    rng = np.random.default_rng(7)
    frame = pd.DataFrame({"year": np.repeat(np.arange(2011, 2016), 8), "prov": np.tile(list("abcdefgh"), 5)})
    for k in range(5):
        frame[f"x{k}"] = rng.lognormal(k / 3, 1, len(frame))
    frame.loc[3, "x0"] = frame["x0"].min()  # a tie at the minimum: a second zero after normalisation
    return frame


COLUMNS = ["x0", "x1", "x2", "x3", "x4"]
DIRECTIONS = ["+", "-", "+", "+", "-"]


@pytest.mark.parametrize("zero_handling", ["zero", "shift", "squeeze"])
def test_entropy_against_loops(panel, zero_handling):
    index = make_index(COLUMNS, DIRECTIONS, zero_handling=zero_handling, epsilon=0.01)
    result = compute_index(panel, index, "year")
    weights, scores = reference_entropy(panel[COLUMNS].to_numpy(), DIRECTIONS, zero_handling, 0.01)
    np.testing.assert_allclose(result.weights["weight"], weights, rtol=1e-12)
    np.testing.assert_allclose(result.scores, scores, rtol=1e-12, atol=1e-15)


def test_zero_handling_variants_differ(panel):
    weights = {h: compute_index(panel, make_index(COLUMNS, DIRECTIONS, zero_handling=h, epsilon=0.01), "year").weights["weight"]
               for h in ("zero", "shift", "squeeze")}
    assert not np.allclose(weights["zero"], weights["shift"]) and not np.allclose(weights["shift"], weights["squeeze"])
    tiny = compute_index(panel, make_index(COLUMNS, DIRECTIONS, zero_handling="squeeze", epsilon=1e-9), "year")
    np.testing.assert_allclose(tiny.weights["weight"], weights["zero"], atol=1e-6)


@pytest.mark.parametrize("method", ["entropy", "critic", "equal"])
def test_properties(panel, method):
    index = make_index(COLUMNS, DIRECTIONS, method, dims={"L": ["x0", "x1"], "M": ["x2", "x3", "x4"]})
    result = compute_index(panel, index, "year")
    assert math.isclose(result.weights["weight"].sum(), 1, abs_tol=1e-12)
    assert result.scores.between(0, 1).all()
    np.testing.assert_allclose(result.dimensions.sum(axis=1), result.scores, atol=1e-15)
    shuffled = panel.sample(frac=1, random_state=3)
    again = compute_index(shuffled, index, "year")
    np.testing.assert_allclose(again.weights["weight"], result.weights["weight"], rtol=1e-12)
    np.testing.assert_allclose(again.scores.loc[panel.index], result.scores, rtol=1e-12, atol=1e-15)


def test_cost_direction_flips(panel):
    flipped = panel.assign(x1=-panel["x1"], x4=-panel["x4"])
    cost = compute_index(panel, make_index(COLUMNS, DIRECTIONS), "year")
    benefit = compute_index(flipped, make_index(COLUMNS), "year")
    np.testing.assert_allclose(cost.weights["weight"], benefit.weights["weight"], rtol=1e-12)
    np.testing.assert_allclose(cost.scores, benefit.scores, rtol=1e-12, atol=1e-15)
    z = normalise(panel[["x1"]], ["-"])["x1"]
    np.testing.assert_allclose(z, 1 - normalise(panel[["x1"]], ["+"])["x1"], atol=1e-15)


def test_per_period_scope(panel):
    index = make_index(COLUMNS, DIRECTIONS, scope="per_period")
    result = compute_index(panel, index, "year")
    assert list(result.weights["period"].unique()) == list(range(2011, 2016))
    for year, rows in panel.groupby("year"):
        weights, scores = reference_entropy(rows[COLUMNS].to_numpy(), DIRECTIONS)
        np.testing.assert_allclose(result.weights.loc[result.weights["period"] == year, "weight"], weights, rtol=1e-12)
        np.testing.assert_allclose(result.scores.loc[rows.index], scores, rtol=1e-12, atol=1e-15)
    assert result.weights.groupby("period")["weight"].sum().sub(1).abs().max() < 1e-12
    assert "within each period" in result.convention and "per period" in result.convention
    with pytest.raises(UserError, match="needs the period column"):
        compute_index(panel, index, None)


def test_critic_against_independent_computation(panel):
    result = compute_index(panel, make_index(COLUMNS, DIRECTIONS, "critic"), "year")
    x = panel[COLUMNS].to_numpy()
    n, m = x.shape
    z = [[(x[i, j] - x[:, j].min()) / np.ptp(x[:, j]) if DIRECTIONS[j] == "+" else (x[:, j].max() - x[i, j]) / np.ptp(x[:, j])
          for j in range(m)] for i in range(n)]
    cols = [[z[i][j] for i in range(n)] for j in range(m)]
    mean = [sum(c) / n for c in cols]
    sd = [math.sqrt(sum((v - mean[j]) ** 2 for v in cols[j]) / (n - 1)) for j in range(m)]

    def r(j, k):
        cov = sum((cols[j][i] - mean[j]) * (cols[k][i] - mean[k]) for i in range(n)) / (n - 1)
        return cov / (sd[j] * sd[k])
    info = [sd[j] * sum(1 - r(j, k) for k in range(m)) for j in range(m)]
    np.testing.assert_allclose(result.weights["weight"], [v / sum(info) for v in info], rtol=1e-10)
    np.testing.assert_allclose(result.weights["sd"], sd, rtol=1e-10)


def test_equal_and_fixed_weights(panel):
    equal = compute_index(panel, make_index(COLUMNS, DIRECTIONS, "equal"), "year")
    np.testing.assert_allclose(equal.weights["weight"], 0.2)
    fixed = compute_index(panel, make_index(COLUMNS, DIRECTIONS, "fixed", weights=[2, 1, 1, 0, 4]), "year")
    np.testing.assert_allclose(fixed.weights["weight"], [0.25, 0.125, 0.125, 0, 0.5])
    assert fixed.warnings and "sum to 8" in str(fixed.warnings[0]) and fixed.warnings[0].severity == "warning"
    exact = compute_index(panel, make_index(COLUMNS, DIRECTIONS, "fixed", weights=[0.2, 0.1, 0.1, 0.1, 0.5]), "year")
    assert exact.warnings == ()
    z = normalise(panel[COLUMNS], DIRECTIONS)
    np.testing.assert_allclose(exact.scores, z.to_numpy() @ [0.2, 0.1, 0.1, 0.1, 0.5], atol=1e-15)


def test_constant_indicator_is_an_error(panel):
    with pytest.raises(UserError, match="constant") as error:
        compute_index(panel.assign(x2=3.0), make_index(COLUMNS, DIRECTIONS), "year")
    assert error.value.problems[0].column == "x2"
    one_year_flat = panel.copy()
    one_year_flat.loc[panel["year"] == 2013, "x3"] = 1.0
    compute_index(one_year_flat, make_index(COLUMNS, DIRECTIONS), "year")  # fine when pooled
    with pytest.raises(UserError) as error:
        compute_index(one_year_flat, make_index(COLUMNS, DIRECTIONS, scope="per_period"), "year")
    problem = error.value.problems[0]
    assert (problem.column, problem.period) == ("x3", 2013)
    assert "period 2013" in str(error.value)


def test_bad_input_names_the_column(panel):
    gaps = panel.copy()
    gaps.loc[[1, 5], "x4"] = np.nan
    with pytest.raises(UserError, match="2 missing values") as error:
        compute_index(gaps, make_index(COLUMNS, DIRECTIONS), "year")
    assert error.value.problems[0].column == "x4"
    with pytest.raises(UserError, match="not found") as error:
        compute_index(panel.drop(columns="x0"), make_index(COLUMNS, DIRECTIONS), "year")
    assert error.value.problems[0].column == "x0"
    with pytest.raises(UserError, match="not numeric"):
        compute_index(panel.assign(x1="a"), make_index(COLUMNS, DIRECTIONS), "year")


def test_yearly_means(panel):
    panel["idx"] = compute_index(panel, make_index(COLUMNS, DIRECTIONS), "year").scores
    means = yearly_means(panel, "year", ["idx", "x0"])
    assert list(means.columns) == ["year", "idx", "x0"] and list(means["year"]) == list(range(2011, 2016))
    assert math.isclose(means.loc[2, "idx"], panel.loc[panel["year"] == 2013, "idx"].mean())
