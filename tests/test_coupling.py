"""Coupling coordination against independent computations and the paper's Table 5."""
import math

import numpy as np
import pandas as pd
import pytest

from analysis.coupling import classify_levels, couple, coupling_values
from analysis.errors import UserError
from analysis.study import TABLE1_LEVELS, Coupling


def c_standard(u1, u2):
    return 2 * math.sqrt(u1 * u2) / (u1 + u2)


def c_wang(u1, u2):
    return math.sqrt((1 - abs(u1 - u2)) * min(u1, u2) / max(u1, u2))


def test_values_against_plain_formulas():
    rng = np.random.default_rng(1)
    u1, u2 = rng.uniform(0.001, 1, 200), rng.uniform(0.001, 1, 200)
    for formula, c_of in (("standard", c_standard), ("wang2021", c_wang)):
        c, t, d = coupling_values(u1, u2, 0.3, 0.7, formula)
        expected_c = [c_of(a, b) for a, b in zip(u1, u2)]
        expected_t = [0.3 * a + 0.7 * b for a, b in zip(u1, u2)]
        np.testing.assert_allclose(c, expected_c, rtol=1e-13)
        np.testing.assert_allclose(t, expected_t, rtol=1e-13)
        np.testing.assert_allclose(d, [math.sqrt(x * y) for x, y in zip(expected_c, expected_t)], rtol=1e-13)


def test_values_by_hand():
    # U = (0.2, 0.8): standard C = 2 * 0.4 / 1 = 0.8; Wang C = sqrt((1 - 0.6) * 0.25) = sqrt(0.1); T = 0.5
    c, t, d = coupling_values([0.2], [0.8])
    assert (c[0], t[0], d[0]) == pytest.approx((0.8, 0.5, math.sqrt(0.4)), abs=1e-15)
    c, t, d = coupling_values([0.2], [0.8], formula="wang2021")
    assert (c[0], d[0]) == pytest.approx((math.sqrt(0.1), math.sqrt(math.sqrt(0.1) * 0.5)), abs=1e-15)


@pytest.mark.parametrize("formula", ["standard", "wang2021"])
def test_properties(formula):
    rng = np.random.default_rng(2)
    u1, u2 = rng.uniform(0, 1, 500), rng.uniform(0, 1, 500)
    c, t, d = coupling_values(u1, u2, formula=formula)
    assert ((c >= 0) & (c <= 1) & (d >= 0) & (d <= 1)).all()
    np.testing.assert_allclose(coupling_values(u2, u1, formula=formula)[0], c, rtol=1e-14)
    same = rng.uniform(0.01, 1, 50)
    assert (coupling_values(same, same, formula=formula)[0] == 1).all()


def test_unknown_formula_is_a_user_error():
    with pytest.raises(UserError, match="available: standard, wang2021"):
        coupling_values([0.5], [0.5], formula="fan")


def test_level_boundaries():
    numbers, labels = classify_levels([0.0, 0.0999, 0.1, 0.3, 0.45, 0.5, 0.8999, 0.9, 0.99999, 1.0], list(TABLE1_LEVELS))
    assert list(numbers) == [1, 1, 2, 4, 5, 6, 9, 10, 10, 10]
    assert labels[0] == "Extreme dissonance" and labels[-1] == "Quality coordination"
    with pytest.raises(UserError, match="outside"):
        classify_levels([1.2], list(TABLE1_LEVELS))


@pytest.fixture
def scores():
    rng = np.random.default_rng(3)
    regions = {"p1": "East", "p2": "East", "p3": "West", "p4": "West", "p5": "West", "p6": "North"}
    frame = pd.DataFrame([(p, y, g) for p, g in regions.items() for y in range(2015, 2020)],
                         columns=["province", "year", "region"])
    frame["pd"] = rng.uniform(0.02, 0.6, len(frame))
    frame["mt"] = rng.uniform(0.02, 0.6, len(frame))
    return frame


def test_entity_mode_against_loops(scores):
    result = couple(scores, Coupling(indices=("pd", "mt")), "province", "year", "region", ["West", "East"])
    rows = {}
    for r in scores.itertuples():
        c = c_standard(r.pd, r.mt)
        t = (r.pd + r.mt) / 2
        rows.setdefault(r.year, []).append((r.region, c, t, math.sqrt(c * t)))
    for k, year in enumerate(sorted(rows)):
        got = result.by_period.iloc[k]
        assert got["period"] == year
        for col, pos in (("C", 1), ("T", 2), ("D", 3)):
            assert got[col] == pytest.approx(np.mean([v[pos] for v in rows[year]]), rel=1e-13)
        assert got["level"] == math.floor(got["D"] * 10) + 1
        for region in ("East", "West", "North"):
            expected = np.mean([v[3] for v in rows[year] if v[0] == region])
            assert result.by_group.iloc[k][region] == pytest.approx(expected, rel=1e-13)
    assert list(result.by_group.columns) == ["period", "All", "West", "East", "North"]
    np.testing.assert_allclose(result.by_group["All"], result.by_period["D"])
    assert list(result.by_entity.columns) == ["entity", "period", "group", "U1", "U2", "C", "T", "D", "level", "level_label"]
    assert "averaged" in str(result.convention) and "pd" not in str(result.convention)  # named where printed


@pytest.mark.parametrize("mode", ["entity", "replication"])
def test_shuffle_invariance(scores, mode):
    coupling = Coupling(indices=("pd", "mt"), mode=mode)
    result = couple(scores, coupling, "province", "year", "region")
    again = couple(scores.sample(frac=1, random_state=5), coupling, "province", "year", "region")
    pd.testing.assert_frame_equal(again.by_period, result.by_period, rtol=1e-13)
    pd.testing.assert_frame_equal(again.by_group, result.by_group, rtol=1e-13)


def test_replication_mode_against_loops(scores):
    result = couple(scores, Coupling(indices=("pd", "mt"), mode="replication", formula="wang2021"),
                    "province", "year", "region")

    def coupled_means(rows):
        years = sorted(set(rows["year"]))
        means = {name: [rows.loc[rows["year"] == y, name].mean() for y in years] for name in ("pd", "mt")}
        scaled = {name: [0.01 + 0.98 * (v - min(m)) / (max(m) - min(m)) for v in m] for name, m in means.items()}
        return [(c_wang(a, b), (a + b) / 2) for a, b in zip(scaled["pd"], scaled["mt"])]

    for k, (c, t) in enumerate(coupled_means(scores)):
        assert (result.by_period["C"][k], result.by_period["T"][k]) == pytest.approx((c, t), rel=1e-13)
    for region, rows in scores.groupby("region"):
        expected = [math.sqrt(c * t) for c, t in coupled_means(rows)]
        np.testing.assert_allclose(result.by_group[region], expected, rtol=1e-13)
    assert min(result.by_period["U1"]) == pytest.approx(0.01) and max(result.by_period["U2"]) == pytest.approx(0.99)
    assert "rescaled to [0.01, 0.99]" in str(result.convention)


def test_without_group_or_entity(scores):
    result = couple(scores[["year", "pd", "mt"]], Coupling(indices=("pd", "mt")), None, "year", None)
    assert result.by_group is None and list(result.by_entity.columns[:2]) == ["period", "U1"]


def test_bad_input(scores):
    coupling = Coupling(indices=("pd", "mt"))
    with pytest.raises(UserError, match="outside") as error:
        couple(scores.assign(pd=scores["pd"] * 10), coupling, "province", "year", None)
    assert error.value.problems[0].column == "pd"
    with pytest.raises(UserError, match="the data has no column of that name"):
        couple(scores.drop(columns="mt"), coupling, "province", "year", None)
    with pytest.raises(UserError, match="1 rows have no period"):
        couple(scores.astype({"year": float}).assign(year=lambda f: f["year"].where(f.index != 4)), coupling,
               "province", "year", None)
    zeros = scores.copy()
    zeros.loc[2, ["pd", "mt"]] = 0.0
    with pytest.raises(UserError, match="both indices are 0") as error:
        couple(zeros, coupling, "province", "year", None)
    assert (error.value.problems[0].entity, error.value.problems[0].period) == ("p1", 2017)
    flat = scores.assign(mt=0.3)
    with pytest.raises(UserError, match="constant"):
        couple(flat, Coupling(indices=("pd", "mt"), mode="replication"), "province", "year", None)


# The paper's Table 5 as printed (2011-2022): C, T, D, level.
TABLE5 = {
    2011: ("0.917", "0.017", "0.123", 2), 2012: ("0.621", "0.046", "0.17", 2), 2013: ("0.534", "0.098", "0.229", 3),
    2014: ("0.824", "0.152", "0.354", 4), 2015: ("0.98", "0.26", "0.505", 6), 2016: ("0.824", "0.192", "0.398", 4),
    2017: ("0.989", "0.316", "0.559", 6), 2018: ("0.998", "0.464", "0.681", 7), 2019: ("0.998", "0.651", "0.806", 9),
    2020: ("0.988", "0.857", "0.92", 10), 2021: ("0.94", "0.673", "0.795", 8), 2022: ("0.941", "0.739", "0.834", 9),
}
HALF = 0.0005  # half a unit in the last printed digit


def test_replication_rescaled_to_zero_names_the_period(scores):
    # pd and mt both rise over the years, so both period means are rescaled to 0 in 2015.
    trend = scores["year"] - 2015
    rising = scores.assign(pd=(scores["pd"] + trend) / 5, mt=(scores["mt"] + trend) / 5)
    with pytest.raises(UserError, match="both period means are rescaled to 0") as error:
        couple(rising, Coupling(indices=("pd", "mt"), mode="replication", rescale=(0, 1)), "province", "year", None)
    problem = error.value.problems[0]
    assert (problem.key, problem.period, type(problem.period)) == ("coupling.rescale", 2015, int)


def roots(c, t):
    """The pair with T = (U1 + U2)/2 and the standard C: U = T (1 +- sqrt(1 - C^2)), larger first."""
    s = np.sqrt(1 - np.square(c))
    return t * (1 + s), t * (1 - s)


def test_table5_implies_series_rescaled_to_001_099():
    """Every (C, T) box of the printed digits gives a pair; the larger root rises in C's direction, so its
    bounds sit at the box corners. Under the replication hypothesis each of the two rescaled series has
    minimum 0.01 and maximum 0.99: the smaller roots of 2011 and 2012 must admit 0.01, the larger roots of 2020
    and 2022 must admit 0.99, and every other root must lie strictly inside (0.01, 0.99)."""
    extremes = {(2011, "low"): 0.01, (2012, "low"): 0.01, (2020, "high"): 0.99, (2022, "high"): 0.99}
    for year, (c, t, _, _) in TABLE5.items():
        corners = [roots(float(c) + dc, float(t) + dt) for dc in (-HALF, HALF) for dt in (-HALF, HALF)]
        for side, values in (("high", [h for h, _ in corners]), ("low", [lo for _, lo in corners])):
            low, high = min(values), max(values)
            if (year, side) in extremes:
                assert low <= extremes[year, side] <= high, (year, side, low, high)
            else:
                assert 0.01 < low and high < 0.99, (year, side, low, high)


def consistent_pair(c, t, d, fixed=None):
    """Centre of the pairs (larger, smaller) whose standard C, T and D round to the printed digits.

    The printed C and T alone do not pin the pair down: T has two significant digits in 2011-2012, and the
    exact roots of the printed (C, T) give D = 0.680 in 2018 where 0.681 is printed. So scan the box of
    values that round to the printed C and T (with one member held at 0.01 or 0.99 where the hypothesis
    puts a series' minimum or maximum), keep the points whose C, T and D all round as printed, take the centre.
    """
    def rounds(cs, ts):
        return (np.round(cs, 3) == c) & (np.round(ts, 3) == t) & (np.round(np.sqrt(cs * ts), 3) == d)
    if fixed is None:
        cs, ts = np.meshgrid(np.linspace(c - HALF, c + HALF, 401), np.linspace(t - HALF, t + HALF, 401))
        keep = rounds(cs, ts)
        assert keep.any(), f"no pair reproduces C = {c}, T = {t}, D = {d}"
        return roots(cs[keep].mean(), ts[keep].mean())
    other = np.linspace(2 * (t - HALF) - fixed, 2 * (t + HALF) - fixed, 40001)
    cs, ts = 2 * np.sqrt(fixed * other) / (fixed + other), (fixed + other) / 2
    keep = rounds(cs, ts)
    assert keep.any(), f"no pair with {fixed} reproduces C = {c}, T = {t}, D = {d}"
    return tuple(sorted((fixed, other[keep].mean()), reverse=True))


def test_replication_reproduces_table5():
    """Replication mode recovers every printed C, T, D and level of Table 5 from yearly means.

    Series assignment: Figure 1 has manufacturing falling in 2021, so its maximum (0.99) is 2020 and
    productivity's is 2022; the two 0.01 minima (2011, 2012) go one to each series. Elsewhere productivity,
    the faster-growing index, takes the larger member (C, T, D are symmetric, so this choice does not matter).
    The rescaled series are then mapped back to raw yearly means by arbitrary increasing affine maps (chosen
    to match Figure 1's endpoints: productivity 0.12 -> 0.22, manufacturing 0.11 -> 0.14), spread over 30
    provinces with zero-mean deviations, and fed through couple() in replication mode.
    """
    fixed = {2011: 0.01, 2012: 0.01, 2020: 0.99, 2022: 0.99}
    productivity, manufacture = [], []
    for year, (c, t, d, _) in TABLE5.items():
        high, low = consistent_pair(float(c), float(t), float(d), fixed.get(year))
        first, second = (low, high) if year in (2011, 2020) else (high, low)
        productivity.append(first)
        manufacture.append(second)
    productivity, manufacture = np.array(productivity), np.array(manufacture)
    assert (productivity.min(), productivity.max(), manufacture.min(), manufacture.max()) == (0.01, 0.99, 0.01, 0.99)

    raw_pd = 0.12 + 0.10 * (productivity - productivity[0]) / (productivity[-1] - productivity[0])
    raw_mt = 0.11 + 0.03 * (manufacture - manufacture[0]) / (manufacture[-1] - manufacture[0])
    deviations = np.linspace(-0.05, 0.05, 30)
    years = list(TABLE5)
    panel = pd.DataFrame([(f"prov{i}", y, raw_pd[k] + dev, raw_mt[k] - dev)
                          for k, y in enumerate(years) for i, dev in enumerate(deviations)],
                         columns=["province", "year", "productivity", "manufacture"])
    result = couple(panel, Coupling(indices=("productivity", "manufacture"), mode="replication"),
                    "province", "year", None)

    assert list(result.by_period["period"]) == years
    for row, (c, t, d, level) in zip(result.by_period.itertuples(), TABLE5.values()):
        assert (round(row.C, 3), round(row.T, 3), round(row.D, 3), row.level) == (float(c), float(t), float(d), level), row
