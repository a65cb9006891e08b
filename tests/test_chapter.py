"""Markov chains, obstacle degree, relative development, kernel density, the study sections and the pipeline hook."""
import json

import numpy as np
import pandas as pd
import pytest
from scipy import sparse

from analysis.density import densities, kernel_density
from analysis.development import relative_development
from analysis.errors import UserError
from analysis.examples import default_study, demo_panel
from analysis.indices import compute_index
from analysis.chapter import _balanced
from analysis.markov import homogeneity_tests, markov_chains, steady_state
from analysis.obstacle import obstacle_degrees
from analysis.pipeline import run
from analysis.spatial import knn_weights
from analysis.study import dumps, loads, study_from_dict

Y = np.array([[0.35, 0.45, 0.55], [0.45, 0.45, 0.52], [0.30, 0.38, 0.41], [0.50, 0.49, 0.60]])
LINE = sparse.csr_matrix(np.array([[0, 1, 0, 0], [.5, 0, .5, 0], [0, .5, 0, .5], [0, 0, 1, 0]]))


def _matrix(transitions, lag, column):
    part = transitions[transitions["lag_class"] == lag]
    return part.pivot(index="from", columns="to", values=column).to_numpy()


def test_markov_counts_by_hand():
    """Classes [.., 0.4), [0.4, 0.5), [0.5, ..): entity 4 starts at 0.50 exactly, so in the top class (closed on the left).
    Moves: 0->1, 1->2 | 1->1, 1->2 | 0->0, 0->1 | 2->1, 1->2."""
    result = markov_chains(Y, classes="cutoffs", cutoffs=[0.4, 0.5])
    counts = _matrix(result.transitions, -1, "count")
    assert counts.tolist() == [[1, 2, 0], [0, 1, 3], [0, 1, 0]]
    probabilities = _matrix(result.transitions, -1, "probability")
    assert np.allclose(probabilities.sum(axis=1), 1)
    assert np.allclose(probabilities[1], [0, 0.25, 0.75])
    state = result.steady_state.query("lag_class == -1")["probability"].to_numpy()
    assert np.allclose(state @ probabilities, state) and state.sum() == pytest.approx(1)


def test_spatial_markov_counts_by_hand():
    """Neighbours on a line 1-2-3-4; lags at t = 0: .45, .325, .475, .30 (classes 1, 0, 1, 0); at t = 1: .45, .415,
    .47, .38 (1, 1, 1, 0). Lag class 0 sees 1->1, 2->1, 1->2; lag class 1 sees 0->1, 0->0, 1->2, 1->2, 0->1."""
    result = markov_chains(Y, LINE, classes="cutoffs", cutoffs=[0.4, 0.5])
    assert _matrix(result.transitions, 0, "count").tolist() == [[0, 0, 0], [0, 1, 1], [0, 1, 0]]
    assert _matrix(result.transitions, 1, "count").tolist() == [[1, 2, 0], [0, 0, 2], [0, 0, 0]]
    assert _matrix(result.transitions, 2, "count").sum() == 0
    for lag in (-1, 0, 1, 2):
        probabilities = _matrix(result.transitions, lag, "probability")
        observed = ~np.isnan(probabilities).all(axis=1)
        assert np.allclose(probabilities[observed].sum(axis=1), 1)
    assert set(result.homogeneity) == {"Q", "Q_p", "LR", "LR_p", "dof"}


def _giddy_reference(y, w, edges):
    """giddy's chains on the same classes: its cutoffs bin x <= cutoff, so each edge steps down to close classes
    on the left."""
    import warnings
    from giddy.markov import Markov, Spatial_Markov
    from libpysal.weights import WSP
    warnings.filterwarnings("ignore")
    left = [float(np.nextafter(e, -np.inf)) for e in edges]
    classic = Markov(np.searchsorted(edges, y, side="right"), classes=np.arange(len(edges) + 1), summary=False)
    spatial = Spatial_Markov(y, WSP(w).to_W(silence_warnings=True), cutoffs=left, lag_cutoffs=left, fixed=True)
    return classic, spatial


def _steady_or_nan(chain_p, counts):
    from giddy.ergodic import steady_state
    if not (counts.sum(axis=1) > 0).all():
        return np.full(len(counts), np.nan)
    solved = np.atleast_2d(np.asarray(steady_state(chain_p), dtype=float))
    return solved[0] if len(solved) == 1 else np.full(len(counts), np.nan)


@pytest.mark.parametrize("case", ["demo", "random", "quantiles"])
def test_markov_equals_giddy(case):
    """Counts exactly; probabilities, steady states, Q, LR and their p-values to 1e-12."""
    if case == "demo":
        results = run(default_study().model_copy(update={"model": None}), demo_panel())
        y = _balanced(results.coupling.by_entity)["D"].to_numpy()
        w = results.chapter.weights.matrix
        result = results.chapter.markov
    else:
        rng = np.random.default_rng(7)
        n = 120
        y = np.clip(np.cumsum(rng.normal(0.02, 0.06, (n, 8)), axis=1) + rng.uniform(0.2, 0.6, (n, 1)), 0.01, 0.99)
        points = rng.uniform(0, 10, (n, 2))
        w = knn_weights([str(i) for i in range(n)], points, 5).matrix
        result = markov_chains(y, w, "levels" if case == "random" else "quantiles", k=5)
    edges = result.classes["upper"].to_numpy()[:-1]
    classic, spatial = _giddy_reference(y, w, edges)
    assert np.array_equal(_matrix(result.transitions, -1, "count"), classic.transitions)
    assert np.array_equal(spatial.transitions, classic.transitions)
    for lag in range(len(edges) + 1):
        assert np.array_equal(_matrix(result.transitions, lag, "count"), spatial.T[lag])
    references = [(-1, classic.transitions, classic.p)] + [(m, spatial.T[m], spatial.P[m]) for m in range(len(edges) + 1)]
    for lag, counts, probabilities in references:
        ours = _matrix(result.transitions, lag, "probability")
        observed = counts.sum(axis=1) > 0
        assert np.isnan(ours[~observed]).all() and np.abs(ours[observed] - probabilities[observed]).max(initial=0) < 1e-12
        state = result.steady_state.query(f"lag_class == {lag}")["probability"].to_numpy()
        expected = _steady_or_nan(probabilities, counts)
        assert np.array_equal(np.isnan(state), np.isnan(expected))
        assert np.nan_to_num(np.abs(state - expected)).max() < 1e-12
    assert result.homogeneity["dof"] == spatial.dof_hom
    for ours, theirs in [("Q", spatial.Q), ("LR", spatial.LR), ("Q_p", spatial.Q_p_value), ("LR_p", spatial.LR_p_value)]:
        assert abs(result.homogeneity[ours] - theirs) < 1e-12 * max(1, abs(theirs))


def test_homogeneity_without_degrees_of_freedom_has_no_p_value():
    """Each class's transitions all fall in one lag class: nothing to compare, dof = 0 (giddy: p = NaN too)."""
    by_lag = np.zeros((2, 2, 2), dtype=int)
    by_lag[0, 0] = [3, 1]
    by_lag[1, 1] = [2, 2]
    result = homogeneity_tests(by_lag)
    assert result["dof"] == 0 and result["Q"] == 0 and np.isnan(result["Q_p"]) and np.isnan(result["LR_p"])


def test_steady_state_of_reducible_chains():
    """giddy's documented examples (giddy.ergodic.steady_state): irreducible [0.4, 0.2, 0.4]; two recurrent classes:
    none unique; a transient class feeding one recurrent class: that class's distribution."""
    assert np.allclose(steady_state(np.array([[.5, .25, .25], [.5, 0, .5], [.25, .25, .5]])), [0.4, 0.2, 0.4],
                       atol=1e-15)
    assert np.isnan(steady_state(np.array([[.5, .5, 0], [.2, .8, 0], [0, 0, 1]]))).all()
    transient = steady_state(np.array([[.5, .5, 0], [.2, .8, 0], [.3, .3, .4]]))
    assert np.allclose(transient, [2 / 7, 5 / 7, 0], atol=1e-15)


def test_levels_classes_and_too_few_periods():
    result = markov_chains(Y, classes="levels")
    assert result.classes["level"].tolist() == [4, 5, 6, 7]  # D from 0.30 to 0.60: levels 4-7
    assert result.transitions.query("lag_class == -1")["count"].sum() == 8
    with pytest.raises(UserError, match="at least two periods"):
        markov_chains(Y[:, :1])


def _demo_index():
    study = default_study()
    frame = demo_panel().frame.copy()
    index = study.indices[0]
    return study, frame, index, compute_index(frame, index, "year")


@pytest.mark.parametrize("scope", ["pooled", "per_period"])
def test_obstacle_degrees_sum_to_100_and_match_a_hand_computation(scope):
    study, frame, index, _ = _demo_index()
    index = index.model_copy(update={"scope": scope})
    result = compute_index(frame, index, "year")
    obstacles = obstacle_degrees(frame, index, result, "province", "year", "region")
    totals = obstacles.by_indicator.groupby(["entity", "period"])["obstacle"].sum()
    assert np.allclose(totals, 100, atol=1e-10) and len(totals) == 360
    assert np.allclose(obstacles.by_dimension.groupby(["entity", "period"])["obstacle"].sum(), 100, atol=1e-10)
    # by hand for Beijing 2011: x' from min-max within the pool, w from the index's weight table
    columns = [i.column for _, i in index.indicators]
    pool = frame if scope == "pooled" else frame[frame["year"] == 2011]
    row = frame[(frame["province"] == "Beijing") & (frame["year"] == 2011)].iloc[0]
    x = np.array([(row[c] - pool[c].min()) / (pool[c].max() - pool[c].min()) if i.direction == "+" else
                  (pool[c].max() - row[c]) / (pool[c].max() - pool[c].min()) for c, (_, i) in zip(columns, index.indicators)])
    weights = result.weights if scope == "pooled" else result.weights[result.weights["period"] == 2011]
    shortfall = weights["weight"].to_numpy() * (1 - x)
    ours = obstacles.by_indicator.query("entity == 'Beijing' and period == 2011")["obstacle"].to_numpy()
    assert np.allclose(ours, 100 * shortfall / shortfall.sum(), atol=1e-10)
    top = obstacles.top.query("group == 'All' and period == 2011")
    assert top["rank"].tolist() == [1, 2, 3, 4, 5] and top["obstacle"].is_monotonic_decreasing
    assert set(obstacles.top["group"]) == {"All", "East", "Central", "West", "Northeast"}


def test_relative_development_bands():
    coupled = pd.DataFrame({"entity": list("abcde"), "period": 1, "group": ["g", "g", "h", "h", "h"],
                            "U1": [0.4, 0.8, 1.2, 1.21, 0.5], "U2": 1.0, "level": [3, 4, 5, 5, 3]})
    result = relative_development(coupled)
    assert result.by_entity["lag"].tolist() == ["U1_lags", "U1_lags", "synchronous", "U2_lags", "U1_lags"]
    assert result.by_period[["U1_lags", "synchronous", "U2_lags"]].iloc[0].tolist() == [3, 1, 1]
    assert result.by_group.set_index("group").loc["h", "U2_lags"] == 1
    assert result.by_level.query("level == 3 and lag == 'U1_lags'")["count"].item() == 2
    wide = relative_development(coupled, (0.5, 1.3)).by_entity["lag"].tolist()
    assert wide == ["U1_lags", "synchronous", "synchronous", "synchronous", "U1_lags"]
    with pytest.raises(UserError, match="U2 is 0") as e:
        relative_development(coupled.assign(U2=[1, 0, 1, 1, 1]))
    assert e.value.problems[0].entity == "b"


def test_kernel_density_is_silverman_gaussian():
    rng = np.random.default_rng(4)
    frame = pd.DataFrame({"period": np.repeat([1, 2], 50), "group": np.tile(["A", "B"], 50), "D": rng.beta(4, 6, 100)})
    result = densities(frame, "D", "silverman", by_group=True, points=400)
    y = frame.loc[frame["period"] == 1, "D"].to_numpy()
    iqr = np.subtract(*np.percentile(y, [75, 25]))
    h = 0.9 * min(y.std(ddof=1), iqr / 1.349) * len(y) ** -0.2
    row = result.bandwidths.query("group == 'All' and period == 1").iloc[0]
    assert row["bandwidth"] == pytest.approx(h, rel=1e-12)
    curve = result.curves.query("group == 'All' and period == 1")
    direct = np.exp(-0.5 * ((curve["x"].to_numpy()[:, None] - y) / h) ** 2).sum(axis=1) / (len(y) * h * np.sqrt(2 * np.pi))
    assert np.allclose(curve["density"], direct, atol=1e-10)
    assert np.trapezoid(curve["density"], curve["x"]) == pytest.approx(1, abs=0.02)
    assert set(result.curves["group"]) == {"All", "A", "B"}
    scott = densities(frame, "D", "scott", by_group=False).bandwidths.iloc[0]["bandwidth"]
    assert scott == pytest.approx(h / 0.9 * 1.059, rel=1e-12)
    with pytest.raises(UserError, match="two distinct values"):
        densities(frame.assign(D=0.5), "D")


@pytest.mark.parametrize("rule", ["silverman", "scott"])
def test_kernel_density_equals_statsmodels(rule):
    """KDEUnivariate(fft=False) to 1e-12, including a sample whose IQR is 0 (the sd is used alone)."""
    from statsmodels.nonparametric.kde import KDEUnivariate
    rng = np.random.default_rng(9)
    grid = np.linspace(-0.2, 1.2, 150)
    for values in (rng.beta(2, 5, 300), np.r_[np.full(10, 0.5), 0.1, 0.9], rng.normal(0.5, 0.1, 7)):
        reference = KDEUnivariate(values)
        reference.fit(kernel="gau", bw=rule, fft=False)
        density, h = kernel_density(values, grid, rule)
        assert h == pytest.approx(reference.bw, rel=1e-12)
        assert np.abs(density - reference.evaluate(grid)).max() < 1e-12 * reference.evaluate(grid).max()


def test_every_section_round_trips_through_the_study_file():
    study = default_study()
    assert all(getattr(study, s) is not None for s in
               ("spatial", "moran", "lisa", "dagum", "density", "markov", "obstacle", "development"))
    changed = study.model_copy(update={
        "spatial": study.spatial.model_copy(update={"kind": "inverse_distance", "power": 2.0, "threshold_km": 900.0,
                                                    "islands": "error", "boundary": "my.geojson", "k": 6}),
        "moran": study.moran.model_copy(update={"measures": ["D", "U1", "U2"], "permutations": 0, "seed": 7}),
        "lisa": study.lisa.model_copy(update={"periods": [2011, 2016], "correction": "fdr", "inference": "normal",
                                              "hotspots": False, "alpha": 0.1, "measure": "U1"}),
        "density": study.density.model_copy(update={"bandwidth": "scott", "periods": [2011, 2022], "points": 100}),
        "markov": study.markov.model_copy(update={"classes": "cutoffs", "cutoffs": [0.3, 0.5], "spatial": False}),
        "obstacle": study.obstacle.model_copy(update={"indices": ["manufacture"], "top": 3, "percent": False}),
        "development": study.development.model_copy(update={"bands": (0.7, 1.3)}),
    })
    assert loads(dumps(changed)) == changed
    assert loads(dumps(study)) == study


@pytest.mark.parametrize("section, key", [
    ({"markov": {"classes": "cutoffs"}}, "markov.cutoffs"),
    ({"markov": {"cutoffs": [0.5, 0.4], "spatial": False}}, "markov.cutoffs"),
    ({"development": {"bands": [1.2, 0.8]}}, "development.bands"),
    ({"lisa": {"correction": "holm"}}, "lisa.correction"),
    ({"dagum": {}}, "dagum"),
    ({"obstacle": {"indices": ["nope"]}}, "obstacle.indices[0]"),
])
def test_bad_section_options_name_their_key(section, key):
    base = {"panel": {"entity": "e", "time": "t"}, "indices": [{"name": "a", "dimensions": [{"name": "x", "indicators": [{"column": "x"}]}]},
                                                                 {"name": "b", "dimensions": [{"name": "y", "indicators": [{"column": "y"}]}]}],
            "coupling": {"indices": ["a", "b"]}}
    with pytest.raises(UserError) as e:
        study_from_dict(base | section)
    assert key in [p.key for p in e.value.problems]


def test_pipeline_stores_the_chapter_in_results_json():
    results = run(default_study(), demo_panel())
    chapter = results.chapter
    assert chapter.moran["period"].tolist() == list(range(2011, 2023))
    assert set(chapter.lisa["period"]) == {2011, 2022} and len(chapter.lisa) == 60
    assert any("Hainan" in str(w) for w in results.warnings)
    out = json.loads(json.dumps(results.to_dict(), allow_nan=False))["chapter"]
    assert set(out) >= {"weights", "moran", "lisa", "dagum", "density", "markov", "obstacle", "development", "conventions"}
    assert out["weights"]["links_added"][0]["entity"] == "Hainan"
    # summaries only: the frames with a row per entity-period stay in memory, out of the file
    assert set(out["obstacle"]) == {"top"} and set(out["development"]) == {"by_period", "by_group", "by_level"}
    by_dimension = chapter.obstacle.by_dimension
    assert len(by_dimension) == 360 * len(by_dimension.drop_duplicates(["index", "dimension"]))


@pytest.mark.parametrize("key, value, message", [
    (("lisa", "hotspots"), "yes", "write true or false, without quotes"),
    (("moran", "permutations"), 99.0, "write a whole number, without quotes"),
    (("lisa", "alpha"), "0.05", "write a number, without quotes"),
])
def test_chapter_options_are_not_coerced(key, value, message):
    data = default_study().model_dump(mode="json")
    data[key[0]][key[1]] = value
    with pytest.raises(UserError, match=message) as refused:
        study_from_dict(data)
    assert [p.key for p in refused.value.problems] == [".".join(key)]
