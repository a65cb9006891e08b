"""Figures: data, marks and encodings of each chart, province matching for the map, and print export."""
from __future__ import annotations

import dataclasses
import json
import re
import struct

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from analysis import figures as F
from analysis.basemap import shipped_map
from analysis.catalogue import words
from analysis.examples import default_study, demo_panel, real_panel, real_study
from analysis.pipeline import run
from analysis.spatial import SHIPPED_BOUNDARIES
from report.figures import export

FIGURE_IDS = ["figure1", "d_by_region", "d_heatmap", "d_map", "coefficients", "coefficients_groups",
              "moran_scatter", "lisa_map", "density"]  # the last three: the chapter (analysis/chapter_figures.py)


@pytest.fixture(scope="module")
def demo():
    study = default_study()
    results = run(study, demo_panel())
    return study, results, {f.id: f for f in F.figures(results, study)}


@pytest.fixture(scope="module")
def real():
    study = real_study()
    results = run(study, real_panel())
    return study, results, {f.id: f for f in F.figures(results, study)}


def spec_of(figure) -> dict:
    return figure.chart.to_dict()


def datasets(spec: dict, field: str) -> list[pd.DataFrame]:
    """The inline datasets of the spec that have the field (rows given as a JSON string or as a list)."""
    found = [json.loads(v) if isinstance(v, str) else v for v in spec["datasets"].values()]
    return [pd.DataFrame(v) for v in found if isinstance(v, list) and v and field in v[0]]


def dataset(spec: dict, field: str) -> pd.DataFrame:
    """The one inline dataset of the spec that has the field."""
    found = datasets(spec, field)
    assert len(found) == 1, f"{len(found)} datasets with {field}"
    return found[0]


def coefficient_data(spec: dict) -> pd.DataFrame:
    """The rows of a coefficient plot, in equation order (one dataset per equation's block of panels)."""
    return pd.concat(sorted(datasets(spec, "estimate"), key=lambda d: d["eq_order"].min()), ignore_index=True)


def layers(spec: dict) -> list[dict]:
    """Every single view of the spec, however nested."""
    out = []
    for key in ("layer", "hconcat", "vconcat", "concat"):
        for part in spec.get(key, []):
            out += layers(part)
    if "spec" in spec:
        out += layers(spec["spec"])
    if "mark" in spec:
        out.append(spec)
    return out


def mark_type(view: dict) -> str:
    return view["mark"] if isinstance(view["mark"], str) else view["mark"]["type"]


def test_every_figure_is_built_with_source_note_and_print_width(demo):
    study, results, figs = demo
    assert list(figs) == FIGURE_IDS
    first, *others = figs.values()
    assert f"Data: {results.data_source}" in first.notes and "not official statistics" in results.data_source
    for f in figs.values():
        assert f.title and f.width in ("column", "full")
        assert spec_of(f)["config"]["font"] == F.LATIN_SERIF
    for f in others:  # the source once, as under the tables; synthetic data say so under every figure
        assert f.notes[-1] == "Synthetic demonstration data, not official statistics." and not any(
            n.startswith("Data: ") for n in f.notes), f.id


def test_figure1_plots_the_yearly_index_means(demo):
    study, results, figs = demo
    spec = spec_of(figs["figure1"])
    data = dataset(spec, "mean")
    expected = results.index_means.melt(id_vars=study.panel.time, var_name="index", value_name="mean")
    expected["series"] = expected["index"].map(study.label)
    merged = expected.merge(data, left_on=[study.panel.time, "series"], right_on=["period", "series"], suffixes=("", "_plot"))
    assert len(merged) == len(expected) == len(data)
    np.testing.assert_allclose(merged["mean_plot"], merged["mean"], rtol=0, atol=1e-12)
    assert set(data["series"]) == {study.label(i.name) for i in study.indices}
    marks = {mark_type(v): v["encoding"] for v in layers(spec)}
    assert set(marks) == {"line", "point"}
    assert marks["line"]["strokeDash"]["field"] == marks["point"]["shape"]["field"] == "series"
    for encoding in marks.values():
        assert (encoding["x"]["title"], encoding["y"]["title"]) == ("Year", "Mean index score")


def test_d_by_region_has_each_group_and_level_bands_around_the_data(demo):
    study, results, figs = demo
    spec = spec_of(figs["d_by_region"])
    data = dataset(spec, "series")
    wide = data.pivot(index="period", columns="series", values="D")
    by_group = results.coupling.by_group.set_index("period")
    assert list(by_group.columns) == ["All", *study.panel.group_order]
    np.testing.assert_allclose(wide[by_group.columns].to_numpy(), by_group.to_numpy(), rtol=0, atol=1e-12)
    bands = dataset(spec, "from")
    low, high = bands["from"].min(), bands["to"].max()
    assert low <= data["D"].min() - F.BAND_MARGIN + 0.1 and low <= data["D"].min()
    assert high >= data["D"].max() and high - 0.1 < data["D"].max() + F.BAND_MARGIN
    numbers = np.round(bands["from"] * 10).astype(int)
    assert bands["label"].tolist() == [study.coupling.levels[k] for k in numbers]
    views = [v for v in layers(spec) if mark_type(v) in ("line", "point")]
    dashes = next(v["encoding"]["strokeDash"]["scale"]["range"] for v in views if mark_type(v) == "line")
    shapes = next(v["encoding"]["shape"]["scale"]["range"] for v in views if mark_type(v) == "point")
    assert len({json.dumps(d) for d in dashes}) == len({*shapes}) == len(by_group.columns)


def test_heatmap_orders_entities_by_group_then_mean_d(demo):
    study, results, figs = demo
    spec = spec_of(figs["d_heatmap"])
    data = dataset(spec, "D")
    assert len(data) == len(results.coupling.by_entity) == 360
    order = spec["spec"]["encoding"]["y"]["sort"]
    assert sorted(order) == sorted(data["entity"].unique())
    means = results.coupling.by_entity.groupby("entity")["D"].mean()
    group_of = results.coupling.by_entity.drop_duplicates("entity").set_index("entity")["group"]
    ranks = [study.panel.group_order.index(group_of[e]) for e in order]
    assert ranks == sorted(ranks)
    for g in study.panel.group_order:
        inside = [e for e in order if group_of[e] == g]
        assert means[inside].is_monotonic_decreasing
    assert spec["spec"]["encoding"]["color"]["scale"] == {"scheme": F.SEQUENTIAL, "reverse": True}  # darker is higher
    assert spec["facet"]["field"] == "group"


def test_map_matches_all_demo_provinces_and_carries_its_notices(demo):
    study, results, figs = demo
    figure = figs["d_map"]
    entities = results.coupling.by_entity["entity"].unique().tolist()
    assert len(shipped_map().match(entities)[0]) == 30
    spec = spec_of(figure)
    rows = pd.concat(datasets(spec, "feature"))
    periods = sorted(results.coupling.by_entity["period"].unique())
    assert sorted(rows["period"].unique()) == [periods[0], periods[-1]]
    assert len(rows) == 60 and rows["feature"].notna().all()
    assert not any(n.startswith("Not on the map") for n in figure.notes)
    schematic = words("figures")["schematic"]
    assert schematic in figure.notes and "审图号" in schematic
    assert any("Apache ECharts 4.9.0" in n for n in figure.notes)
    text = json.dumps(spec)
    assert '"url"' not in text  # boundaries inline, so export works offline
    outlines = next(json.loads(v) for v in spec["datasets"].values() if '"key"' in v and '"FeatureCollection"' in v)
    assert len(outlines["features"]) == 34


@pytest.mark.parametrize("names", [
    ["北京市", "内蒙古自治区", "广西壮族自治区", "新疆维吾尔自治区", "上海"],
    [110000, "150000", 45, "65", 310000.0],
    ["beijing", "Inner Mongolia", "GUANGXI", "Xinjiang", "Shang hai"],
])
def test_provinces_match_by_english_chinese_or_adcode(names):
    features = json.loads(SHIPPED_BOUNDARIES.read_text(encoding="utf-8"))["features"]
    matched, missing = shipped_map().match(names)
    assert not missing
    assert [features[int(k)]["properties"]["adcode"] for k in matched.values()] == [110000, 150000, 450000, 650000, 310000]


def with_entities(results, rename):
    coupling = results.coupling
    by_entity = coupling.by_entity.assign(entity=coupling.by_entity["entity"].map(rename))
    return dataclasses.replace(results, coupling=dataclasses.replace(coupling, by_entity=by_entity))


def test_map_needs_half_of_the_provinces_and_names_the_unmatched(demo):
    study, results, _ = demo
    entities = sorted(results.coupling.by_entity["entity"].unique())
    assert F.d_map(with_entities(results, lambda e: f"Firm {e}"), study) is None
    for kept in (17, 16):  # of 34 outlines
        renamed = {e: f"Firm {e}" for e in entities[kept:]}
        figure = F.d_map(with_entities(results, lambda e: renamed.get(e, e)), study)
        if kept == 16:
            assert figure is None
        else:
            assert f"Not on the map (no matching province): {', '.join(sorted(renamed.values()))}." in figure.notes


def test_a_single_period_gives_one_map_panel_and_a_one_year_title():
    study = default_study()
    panel = demo_panel()
    last = panel.frame[study.panel.time].max()
    one = dataclasses.replace(panel, frame=panel.frame[panel.frame[study.panel.time] == last].reset_index(drop=True))
    figs = {f.id: f for f in F.figures(run(study, one), study)}
    assert figs["figure1"].title.endswith(f", {last}")
    spec = spec_of(figs["d_map"])
    assert len(spec["hconcat"]) == 1 and figs["d_map"].notes[0].startswith(f"Coordination level of D (Table 1) in {last}, darker")


def test_chinese_entity_names_switch_to_a_cjk_serif(demo):
    study, results, _ = demo
    names = {"Beijing": "北京", "Shanghai": "上海"}
    figure = F.d_heatmap(with_entities(results, lambda e: names.get(e, e)), study)
    assert spec_of(figure)["config"]["font"] == F.CJK_SERIF


def test_coefficients_show_table7_estimators_with_their_own_95_percent_intervals(demo):
    study, results, figs = demo
    spec = spec_of(figs["coefficients"])
    data = coefficient_data(spec)
    runs = results.main
    assert list(dict.fromkeys(data["series"])) == ["(1) OLS", "(2) 2SLS", "(3) 3SLS", "(4) I3SLS"]
    assert "_cons" not in set(data["term"])
    expected_rows = sum(len(eq.terms) - 1 for r in runs for eq in r.fit.equations)
    assert len(data) == expected_rows
    for run, (series, part) in zip(runs, data.groupby("series", sort=False)):
        terms = [t for eq in run.fit.equations for t in eq.terms if t.term != "_cons"]
        t = terms[0]
        if run.fit.statistic == "z":
            critical = stats.norm.ppf(0.975)
        else:  # the df that reproduces the estimator's own p-value
            df = sum(eq.nobs for eq in run.fit.equations) - sum(len(eq.terms) for eq in run.fit.equations)
            assert 2 * stats.t.sf(abs(t.statistic), df) == pytest.approx(t.p_value, rel=1e-9, abs=1e-300)
            critical = stats.t.ppf(0.975, df)
        np.testing.assert_allclose(part["estimate"], [x.estimate for x in terms], rtol=0, atol=0)
        np.testing.assert_allclose(part["high"] - part["estimate"], [critical * x.std_error for x in terms], rtol=1e-12)
        np.testing.assert_allclose(part["estimate"] - part["low"], [critical * x.std_error for x in terms], rtol=1e-12)
    assert [block["facet"]["field"] for block in spec["vconcat"]] == ["panel", "panel"]
    assert [block["resolve"]["scale"]["x"] for block in spec["vconcat"]] == ["independent", "independent"]
    assert {mark_type(v) for v in layers(spec)} == {"rule", "point"}
    assert "(1) OLS, (2) 2SLS: estimate ± t(0.975, M·n − K) SE" in figs["coefficients"].notes[0]
    assert "(3) 3SLS, (4) I3SLS: estimate ± 1.96 SE (normal)" in figs["coefficients"].notes[0]


def test_group_coefficients_compare_table9_samples(demo):
    study, results, figs = demo
    data = coefficient_data(spec_of(figs["coefficients_groups"]))
    assert list(dict.fromkeys(data["series"])) == [r.sample for r in results.by_group if r.fit is not None]
    assert list(dict.fromkeys(data["series"])) == study.panel.group_order


def test_figures_follow_the_sections_the_results_have(demo):
    study, results, _ = demo
    bare = dataclasses.replace(results, coupling=None, main=[], robustness=[], by_group=[], chapter=None)
    assert [f.id for f in F.figures(bare, study)] == ["figure1"]


def test_real_data_study_builds_every_figure_with_its_source(real):
    study, results, figs = real
    assert list(figs) == FIGURE_IDS
    assert [f"Data: {study.data.source}" in f.notes for f in figs.values()] == [True] + [False] * (len(figs) - 1)
    every = study.model_copy(update={"document": study.document.model_copy(update={"source_note": "every"})})
    assert all(f"Data: {study.data.source}" in f.notes for f in F.figures(results, every))
    assert not any("not official statistics" in n for f in figs.values() for n in f.notes)
    assert len(shipped_map().match(results.coupling.by_entity["entity"].unique().tolist())[0]) == 30
    assert not any(n.startswith("Not on the map") for n in figs["d_map"].notes)
    data = dataset(spec_of(figs["figure1"]), "mean")
    assert sorted(data["period"].unique()) == list(range(2012, 2023))  # 2011 dropped listwise
    assert set(data["series"]) == {study.label(i.name) for i in study.indices}


def png_size_and_dpi(png: bytes) -> tuple[int, int, float]:
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", png[16:24])
    at = png.index(b"pHYs")
    x, y, unit = struct.unpack(">IIB", png[at + 4: at + 13])
    assert unit == 1 and x == y
    return width, height, x * 0.0254


def test_png_export_is_300_dpi_at_print_width(demo):
    _, _, figs = demo
    for f in figs.values():
        width, height, dpi = png_size_and_dpi(export(f, "png"))
        assert dpi == pytest.approx(300, abs=0.01)
        inches = width / 300
        assert inches <= {"column": 3.3, "full": 6.7}[f.width] + 0.01, f.id
        assert inches >= {"column": 2.5, "full": 5.0}[f.width], f.id
    width, _, _ = png_size_and_dpi(export(figs["figure1"], "png"))
    assert width == 990  # autosized to exactly the column width


def test_svg_and_pdf_export(demo):
    _, _, figs = demo
    svg = export(figs["figure1"], "svg")
    assert svg.startswith(b"<svg") and b"Mean index score" in svg
    pdf = export(figs["figure1"], "pdf")
    assert pdf.startswith(b"%PDF")
    box = [float(v) for v in re.search(rb"MediaBox\s*\[([^\]]*)\]", pdf).group(1).split()]
    assert box[2] - box[0] == pytest.approx(3.3 * 72, abs=0.01)  # true column width in points
    assert export(figs["d_map"], "pdf").startswith(b"%PDF")
    with pytest.raises(ValueError, match="unknown figure format"):
        export(figs["figure1"], "gif")
