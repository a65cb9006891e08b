"""Spatial weights, global Moran's I, LISA and Gi*: against esda's documented value, esda itself and dense numpy."""
import json
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from analysis import spatial
from analysis.chapter import _balanced, build_weights, moran_table
from analysis.coupling import couple
from analysis.errors import UserError
from analysis.examples import default_study, demo_panel, real_panel, real_study
from analysis.indices import compute_index
from analysis.study import study_from_dict

warnings.filterwarnings("ignore", module="libpysal")


def _coupled(study, panel):
    frame = panel.frame.copy()
    for index in study.indices:
        frame[index.name] = compute_index(frame, index, study.panel.time).scores
    keys = study.panel
    return frame, couple(frame, study.coupling, keys.entity, keys.time, keys.group, keys.group_order).by_entity


@pytest.fixture(scope="module", params=["demo", "china_rd"])
def example(request):
    study, panel = (default_study(), demo_panel()) if request.param == "demo" else (real_study(), real_panel())
    frame, coupled = _coupled(study, panel)
    wide = _balanced(coupled)
    weights = build_weights(study, frame, list(wide["D"].index))
    return wide, weights


def dense_moran(y, w):
    """Textbook formulas on dense arrays (Cliff and Ord 1981), written independently of analysis.spatial."""
    w = np.asarray(w)
    n = len(y)
    z = y - y.mean()
    s0, s1 = w.sum(), 0.5 * ((w + w.T) ** 2).sum()
    s2 = ((w.sum(1) + w.sum(0)) ** 2).sum()
    i = n / s0 * z @ w @ z / (z @ z)
    ei = -1 / (n - 1)
    var = (n**2 * s1 - n * s2 + 3 * s0**2) / ((n**2 - 1) * s0**2) - ei**2
    return i, ei, np.sqrt(var)


def test_moran_reproduces_esda_documented_stl_value():
    """esda's tests (pysal/esda esda/tests/test_moran.py, TestMoran.test_moran): St Louis homicide rates HR8893 on
    stl.gal, row-standardised: I = 0.24365582621771659, one-tailed p_norm = 0.00013573931385468807."""
    import libpysal
    w = libpysal.io.open(libpysal.examples.get_path("stl.gal")).read()
    w.transform = "r"
    y = np.array(libpysal.io.open(libpysal.examples.get_path("stl_hom.txt")).by_col["HR8893"])
    result = spatial.global_moran(y, w.sparse.tocsr())
    assert result["I"] == pytest.approx(0.24365582621771659, abs=1e-12)
    assert result["p_norm"] / 2 == pytest.approx(0.00013573931385468807, rel=1e-9)


def test_global_moran_matches_dense_numpy_and_esda(example):
    import esda
    from libpysal.weights import WSP
    wide, weights = example
    dense = weights.matrix.toarray()
    w = WSP(weights.matrix).to_W(silence_warnings=True)
    for period, values in wide["D"].items():
        y = values.to_numpy()
        ours = spatial.global_moran(y, weights.matrix)
        i, ei, sd = dense_moran(y, dense)
        assert abs(ours["I"] - i) < 1e-10 and abs(ours["EI"] - ei) < 1e-12 and abs(ours["sd_norm"] - sd) < 1e-10
        assert abs(ours["p_norm"] - 2 * stats.norm.sf(abs((i - ei) / sd))) < 1e-10
        reference = esda.Moran(y, w, permutations=0)
        assert abs(ours["sd_rand"] - reference.seI_rand) < 1e-10 and abs(ours["p_rand"] - reference.p_rand) < 1e-10


def test_local_moran_matches_dense_numpy_and_esda(example):
    import esda
    from libpysal.weights import WSP
    wide, weights = example
    dense = weights.matrix.toarray()
    w = WSP(weights.matrix).to_W(silence_warnings=True)
    y = wide["D"].iloc[:, -1].to_numpy()
    n = len(y)
    ours = spatial.local_moran(y, weights.matrix)
    z = y - y.mean()
    m2 = z @ z / n
    assert np.abs(ours["I"] - z / m2 * (dense @ z)).max() < 1e-10  # Anselin (1995) eq. 12
    reference = esda.Moran_Local(y, w, permutations=0)
    assert np.abs(ours["I"] - reference.Is * n / (n - 1)).max() < 1e-10  # esda scales by n - 1 instead of n
    assert np.abs(ours["EI"] - reference.EI).max() < 1e-12
    assert np.abs(ours["VI"] - reference.VI).max() < 1e-10
    codes = ours["quadrant"].map({"HH": 1, "LH": 2, "LL": 3, "HL": 4}).to_numpy()
    assert (codes == reference.q).all()
    assert np.abs(ours["p_norm"] - 2 * stats.norm.sf(np.abs((ours["I"] - ours["EI"]) / np.sqrt(ours["VI"])))).max() < 1e-12


def test_gi_star_matches_esda_binary_star(example):
    import esda
    from libpysal.weights import WSP
    wide, weights = example
    y = wide["D"].iloc[:, 0].to_numpy()
    binary = weights.matrix.copy()
    binary.data[:] = 1.0
    reference = esda.G_Local(y, WSP(binary).to_W(silence_warnings=True), transform="B", star=True, permutations=0)
    if weights.kind in ("queen", "rook", "knn"):  # binary structure: row-standardising leaves Gi* unchanged
        assert np.abs(spatial.getis_ord_star(y, weights.matrix)["Gi_z"] - reference.Zs).max() < 1e-10


def test_permutation_p_values_are_seeded_and_detect_clustering():
    rng = np.random.default_rng(0)
    points = rng.uniform(0, 10, (80, 2))
    weights = spatial.knn_weights([str(i) for i in range(80)], points, 6)
    clustered = points[:, 0] + rng.normal(0, 0.3, 80)
    a = spatial.global_moran(clustered, weights.matrix, 199, np.random.default_rng(5))
    b = spatial.global_moran(clustered, weights.matrix, 199, np.random.default_rng(5))
    assert a == b and a["p_perm"] == pytest.approx(1 / 200)
    local = spatial.local_moran(clustered, weights.matrix, 199, np.random.default_rng(5))
    assert local["p_perm"].between(1 / 200, 0.5 + 1e-9).all()
    assert (local["p_perm"] < 0.05).mean() > 0.3
    noise = rng.normal(size=80)
    assert spatial.global_moran(noise, weights.matrix, 199, np.random.default_rng(5))["p_perm"] > 0.01


def test_moran_table_permutes_each_period_in_turn_from_one_stream(example):
    """All periods are permuted in one call; the p-values equal drawing one period after another (dense reference)."""
    wide, weights = example
    table = moran_table(wide, weights, ["D", "U1"], 199, 3)
    rng = np.random.default_rng(3)
    dense = weights.matrix.toarray()
    for row in table.itertuples():
        z = wide[row.measure][row.period].to_numpy() - wide[row.measure][row.period].mean()
        shuffled = rng.permuted(np.tile(z, (199, 1)), axis=1)
        simulated = len(z) / dense.sum() * ((shuffled @ dense.T) * shuffled).sum(axis=1) / (z @ z)
        larger = (simulated >= row.I).sum()
        assert row.p_perm == (min(larger, 199 - larger) + 1) / 200
        assert abs(row.I - dense_moran(z, dense)[0]) < 1e-12
    flat = {m: frame.copy() for m, frame in wide.items()}
    flat["U1"][flat["U1"].columns[2]] = 0.5
    with pytest.raises(UserError) as e:
        moran_table(flat, weights, ["D", "U1"], 0, 3)
    assert [(p.column, p.period) for p in e.value.problems] == [("U1", flat["U1"].columns[2])]


def test_moran_permutations_in_blocks_draw_the_same_stream(example, monkeypatch):
    wide, weights = example
    values = np.column_stack([wide["D"].to_numpy(), np.random.default_rng(1).normal(size=(len(wide["D"]), 6))])
    together = spatial.moran_columns(values, weights.matrix, 99, np.random.default_rng(8))["p_perm"]
    monkeypatch.setattr(spatial, "PERMUTED_VALUES", 1)  # one column per call
    one_by_one = spatial.moran_columns(values, weights.matrix, 99, np.random.default_rng(8))["p_perm"]
    assert np.array_equal(together, one_by_one) and len(set(together)) > 1


def test_conditional_permutations_follow_the_stated_stream():
    """One draw matrix for all entities: row p's `k_i` smallest keys name the other entities (i skipped) that
    take i's neighbour slots; a loop over entities, independent of the vectorised code."""
    rng = np.random.default_rng(4)
    n, permutations = 60, 99
    points = rng.uniform(0, 10, (n, 2))
    weights = spatial.knn_weights([str(i) for i in range(n)], points, 4).matrix
    y = points[:, 1] + rng.normal(0, 1, n)
    ours = spatial.local_moran(y, weights, permutations, np.random.default_rng(11))
    order = np.argsort(np.random.default_rng(11).random((permutations, n - 1)), axis=1)
    z = y - y.mean()
    m2 = z @ z / n
    for i in range(n):
        row = weights.getrow(i)
        others = np.delete(np.arange(n), i)[order[:, : row.nnz]]
        simulated = z[i] / m2 * (z[others] * row.data).sum(axis=1)
        larger = (simulated >= ours["I"][i]).sum()
        assert ours["p_perm"][i] == (min(larger, permutations - larger) + 1) / (permutations + 1)


def test_multiple_testing_corrections():
    p = np.array([0.001, 0.008, 0.039, 0.041, 0.042, 0.06, 0.074, 0.205, 0.212, 0.216])
    assert spatial.significant(p, 0.05).sum() == 5
    assert spatial.significant(p, 0.05, "bonferroni").tolist() == [True] + [False] * 9
    # Benjamini-Hochberg by hand: k = 2 is the largest with p_(k) <= 0.05 k / 10 (0.008 <= 0.01; 0.039 > 0.015)
    assert spatial.significant(p, 0.05, "fdr").tolist() == [True, True] + [False] * 8


def test_names_match_chinese_with_suffixes_and_pinyin():
    features = spatial.read_boundaries()
    chinese = ["北京市", "内蒙古自治区", "广西壮族自治区", "新疆维吾尔自治区", "西藏", "黑龙江省"]
    english = ["Shaanxi", "Shanxi", "Nei Mongol", "Xizang", "heilongjiang province", "Guangxi"]
    for names, expected in [(chinese, ["Beijing", "Inner Mongolia", "Guangxi", "Xinjiang", "Tibet (Xizang)", "Heilongjiang"]),
                            (english, ["Shaanxi", "Shanxi", "Inner Mongolia", "Tibet (Xizang)", "Heilongjiang", "Guangxi"])]:
        found = [features[k]["properties"]["name_en"] for k in spatial.match_entities(names, features)]
        assert found == expected


def test_unmatched_and_twice_matched_names_are_named():
    features = spatial.read_boundaries()
    with pytest.raises(UserError) as e:
        spatial.match_entities(["Beijing", "Atlantis", "Peking"], features)
    assert [p.entity for p in e.value.problems] == ["Atlantis", "Peking"]
    with pytest.raises(UserError, match="name the same boundary feature"):
        spatial.match_entities(["Beijing", "北京"], features)
    with pytest.raises(UserError, match="not a GeoJSON"):
        spatial.read_boundaries(b"\x00not json")


def test_hainan_is_linked_and_reported_or_refused():
    layer = spatial.load_boundaries()
    names = ["Hainan", "Guangdong", "Guangxi", "Hunan", "Fujian"]
    found = spatial.match_entities(names, layer.features)
    weights = spatial.contiguity_weights(names, layer, found, "queen", "nearest")
    assert [a for a, _, _ in weights.links_added] == ["Hainan"]
    island, neighbour, km = weights.links_added[0]
    j = names.index(neighbour)
    assert weights.matrix[0, j] > 0 and weights.matrix[j, 0] > 0 and 200 < km < 800
    assert np.allclose(weights.matrix.sum(axis=1), 1) and "Hainan" in str(weights.convention)
    with pytest.raises(UserError) as e:
        spatial.contiguity_weights(names, layer, found, "rook", "error")
    assert e.value.problems[0].entity == "Hainan" and e.value.problems[0].key == "spatial.islands"


def _libpysal_pairs(geometries, rule):
    from libpysal.weights import Queen, Rook
    builder = Queen if rule == "queen" else Rook
    w = builder.from_iterable(list(geometries), ids=list(range(len(geometries))), silence_warnings=True)
    return sorted((i, j) for i, neighbours in w.neighbors.items() for j in neighbours if i < j)


@pytest.mark.parametrize("rule", ["queen", "rook"])
def test_contiguity_equals_libpysal_on_the_shipped_provinces(rule):
    """All 34 features, so the overlapping Guangdong-Macao pair (queen, not rook) and the islands are included."""
    layer = spatial.load_boundaries()
    everything = tuple(range(len(layer.features)))
    ours = [tuple(p) for p in spatial.contiguity_pairs(layer, everything, rule).tolist()]
    assert ours == _libpysal_pairs(layer.geometries, rule) and len(ours) == {"queen": 70, "rook": 69}[rule]
    names = [f["properties"]["name_en"] for f in layer.features]
    guangdong_macao = tuple(sorted((names.index("Guangdong"), names.index("Macao"))))
    assert (guangdong_macao in ours) == (rule == "queen")


def test_contiguity_on_the_demo_entities_equals_libpysal_and_is_cached():
    layer = spatial.load_boundaries()
    study, panel = default_study(), demo_panel()
    names = sorted(panel.frame[study.panel.entity].unique())
    found = spatial.match_entities(names, layer.features)
    for rule in ("queen", "rook"):
        weights = spatial.contiguity_weights(names, layer, found, rule)
        binary = (weights.matrix.toarray() > 0).astype(int)
        expected = np.zeros_like(binary)
        for i, j in _libpysal_pairs(layer.geometries[found], rule):
            expected[i, j] = expected[j, i] = 1
        hainan = names.index("Hainan")
        island, neighbour, _ = weights.links_added[0]
        expected[hainan, names.index(neighbour)] = expected[names.index(neighbour), hainan] = 1
        assert island == "Hainan" and (binary == expected).all()
    assert spatial.load_boundaries() is layer and spatial.load_boundaries(spatial.SHIPPED_BOUNDARIES.read_bytes()) is layer
    assert spatial.contiguity_pairs(layer, tuple(found), "queen") is spatial.contiguity_pairs(layer, tuple(found), "queen")


def _square(x, y, size=1.0):
    return {"type": "Polygon", "coordinates": [[[x, y], [x + size, y], [x + size, y + size], [x, y + size], [x, y]]]}


def test_contiguity_rules_and_tolerance_on_squares():
    """b's edges with a and c are written with float noise (libpysal misses them), a-c touch at a corner exactly,
    d lies 1e-3 below a, far beyond the tolerance (1e-7 of the extent)."""
    noise = 1e-12
    a, b = _square(0, 0), _square(1 + noise, -noise)
    c, d = _square(1, 1), _square(0, -1 - 1e-3)
    collection = {"type": "FeatureCollection",
                  "features": [{"type": "Feature", "properties": {"name": k}, "geometry": g}
                               for k, g in zip("abcd", (a, b, c, d))]}
    layer = spatial.load_boundaries(json.dumps(collection).encode())
    assert spatial.contiguity_pairs(layer, (0, 1, 2, 3), "queen").tolist() == [[0, 1], [0, 2], [1, 2]]
    assert spatial.contiguity_pairs(layer, (0, 1, 2, 3), "rook").tolist() == [[0, 1], [1, 2]]
    assert _libpysal_pairs(layer.geometries, "queen") == [(0, 2)]  # exact vertices only


def test_knn_inverse_distance_and_economic_weights():
    rng = np.random.default_rng(2)
    points = np.column_stack([rng.uniform(100, 120, 40), rng.uniform(20, 40, 40)])
    names = [f"e{i}" for i in range(40)]
    knn = spatial.knn_weights(names, points, 5)
    assert (np.diff(knn.matrix.indptr) == 5).all() and np.allclose(knn.matrix.sum(axis=1), 1)
    d = spatial.great_circle_km(points)
    np.fill_diagonal(d, np.inf)
    assert all(set(knn.matrix[i].indices) == set(np.argsort(d[i])[:5]) for i in range(40))
    inverse = spatial.inverse_distance_weights(names, points, power=2).matrix.toarray()
    assert np.allclose(inverse, (1 / d**2) / (1 / d**2).sum(axis=1, keepdims=True))
    # one degree of latitude is 111.19 km on the 6371.0088 km sphere
    assert spatial.great_circle_km(np.array([[110.0, 30.0], [110.0, 31.0]]))[0, 1] == pytest.approx(111.195, abs=1e-3)
    economic = spatial.economic_weights(["a", "b", "c"], np.array([1.0, 2.0, 4.0]), "gdp").matrix.toarray()
    assert np.allclose(economic[0], [0, 3 / 4, 1 / 4])  # 1/|1-2| = 1 and 1/|1-4| = 1/3, rescaled
    with pytest.raises(UserError, match="same mean gdp"):
        spatial.economic_weights(["a", "b", "c"], np.array([1.0, 2.0, 2.0]), "gdp")
    with pytest.raises(UserError, match="threshold_km"):
        spatial.inverse_distance_weights(names, points, threshold_km=1)


def test_constant_measure_and_unbalanced_panel_are_refused():
    w = spatial.knn_weights(list("abcde"), np.random.default_rng(0).uniform(0, 5, (5, 2)), 2).matrix
    with pytest.raises(UserError, match="constant"):
        spatial.global_moran(np.full(5, 0.4), w)
    coupled = pd.DataFrame({"entity": list("aabb"), "period": [1, 2, 1, 1], "U1": 0.3, "U2": 0.4, "D": 0.5})
    with pytest.raises(UserError, match="more than once"):
        _balanced(coupled)
    with pytest.raises(UserError, match="balanced panel") as e:
        _balanced(coupled.drop(index=3))
    assert (e.value.problems[0].entity, e.value.problems[0].period) == ("b", 2)


def test_spatial_section_options_are_checked():
    base = {"panel": {"entity": "e", "time": "t"}, "indices": [{"name": "a", "dimensions": [{"name": "x", "indicators": [{"column": "x"}]}]},
                                                                 {"name": "b", "dimensions": [{"name": "y", "indicators": [{"column": "y"}]}]}],
            "coupling": {"indices": ["a", "b"]}}
    with pytest.raises(UserError) as e:
        study_from_dict(base | {"moran": {}})
    assert e.value.problems[0].key == "moran" and "[spatial]" in e.value.problems[0].message
    with pytest.raises(UserError) as e:
        study_from_dict(base | {"spatial": {"kind": "economic"}})
    assert e.value.problems[0].key == "spatial.column"
