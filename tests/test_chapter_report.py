"""The chapter in the report: its tables hold the ChapterResult's numbers, its figures export, its text quotes the
numbers as printed, and a section that could not be computed is reported, not dropped silently."""
from __future__ import annotations

import io

import numpy as np
import pytest
from docx import Document as WordDocument

from analysis import examples
from analysis.chapter_tables import class_labels
from analysis.pipeline import run
from analysis.table import Format
from report import assemble, render
from report.document import Equation, FigureBlock, Heading, Paragraph, TableBlock, plain
from report.figures import export
from report.latex import table_latex
from report.narrative import Narrative

CHAPTER_TABLES = ["moran", "lisa", "dagum", "dagum_within", "markov", "obstacle", "development"]


@pytest.fixture(scope="module")
def demo():
    study = examples.default_study()
    results = run(study, examples.demo_panel())
    return study, results, assemble(results, study, Narrative())


def table(report, table_id):
    return next(b.table for b in report.tables if b.table.id == table_id)


def rows(t, group=None):
    return {row.label: row.cells for label, row in t.rows() if group is None or label == group}


def test_chapter_tables_are_numbered_after_the_paper_tables(demo):
    _, _, report = demo
    numbers = {b.table.id: b.number for b in report.tables}
    assert [numbers[t] for t in CHAPTER_TABLES] == list(range(11, 18))  # after Tables 1-9 and the diagnostics
    assert report.ref("moran") == "Table 11" and report.ref("diagnostics") == "Table 10"


def test_moran_table_holds_the_statistics_of_every_period(demo):
    _, results, report = demo
    printed = rows(table(report, "moran"))
    moran = results.chapter.moran
    assert list(printed) == [str(p) for p in moran["period"]]
    for r in moran.itertuples():
        cells = printed[str(r.period)]
        assert [c.value for c in cells] == pytest.approx([r.I, r.EI, r.sd_norm, r.z_norm, r.p_norm, r.p_perm])
        assert cells[0].stars == ("***" if r.p_norm < 0.001 else "**" if r.p_norm < 0.01 else "*" if r.p_norm < 0.05 else "")


def test_lisa_table_counts_and_names_the_clusters(demo):
    _, results, report = demo
    t = table(report, "lisa")
    lisa = results.chapter.lisa
    for period, part in lisa.groupby("period"):
        counts = rows(t, "Number of entities")[str(period)]
        assert [c.value for c in counts] == [int((part["cluster"] == c).sum()) for c in ("HH", "LH", "LL", "HL", "ns")]
        assert sum(c.value for c in counts) == len(part)
        listed = rows(t, "Entities")[str(period)][0].value.split(", ")
        assert listed == part.loc[part["cluster"] == "HH", "entity"].tolist()


def test_dagum_tables_hold_the_decomposition_and_the_within_group_gini(demo):
    study, results, report = demo
    overall = results.chapter.dagum.overall
    printed = rows(table(report, "dagum"))
    for r in overall.itertuples():
        values = [c.value for c in printed[str(r.period)]]
        assert values[:4] == pytest.approx([r.G, r.G_w, r.G_nb, r.G_t])
        assert values[4:] == pytest.approx([100 * r.share_w, 100 * r.share_nb, 100 * r.share_t])
        assert sum(values[4:]) == pytest.approx(100)
        assert values[1] + values[2] + values[3] == pytest.approx(values[0])
    within_table = table(report, "dagum_within")
    assert within_table.column_labels == study.panel.group_order
    within = results.chapter.dagum.within.set_index(["period", "group"])["G_jj"]
    for period, cells in rows(within_table).items():
        assert [c.value for c in cells] == pytest.approx([within[(int(period), g)] for g in study.panel.group_order])


def test_markov_table_holds_probabilities_counts_steady_state_and_the_homogeneity_test(demo):
    _, results, report = demo
    t = table(report, "markov")
    markov = results.chapter.markov
    pooled = markov.transitions[markov.transitions["lag_class"] == -1]
    printed = rows(t, "All entities")
    levels = markov.classes["level"].astype(int).tolist()
    for k, level in enumerate(levels):
        row = printed[str(level)]
        part = pooled[pooled["from"] == k].sort_values("to")
        assert row[0].value == part["count"].sum()
        assert [c.value for c in row[1:]] == pytest.approx(part["probability"].tolist(), nan_ok=True)
    steady = [c for c in printed["Steady state"][1:]]
    assert all(c.text == "" for c in steady) == markov.steady_state.query("lag_class == -1")["probability"].isna().all()
    fmt = Format()
    test = markov.homogeneity
    assert f"Q = {fmt.quote(test['Q'])} (p = {fmt.quote(test['Q_p'])})" in " ".join(t.notes)
    assert len(t.groups) == 1 + sum(1 for _, part in markov.transitions.groupby("lag_class")
                                    if part["lag_class"].iloc[0] >= 0 and part["count"].sum() > 0)


def test_obstacle_and_development_tables(demo):
    study, results, report = demo
    top = results.chapter.obstacle.top
    obstacle = table(report, "obstacle")
    shown = [g.label for g in obstacle.groups]
    assert len(shown) == 2 * 4 and shown[0].endswith(", 2011") and shown[3].endswith(", 2022")
    for r in top[(top["group"] == "All") & top["period"].isin([2011, 2022])].to_dict("records"):
        cells = rows(obstacle, f"{study.label(r['index'])}, {r['period']}")[str(r["rank"])]
        assert cells[2].value == pytest.approx(r["obstacle"]) and cells[1].value == r["dimension"]
    by_period = results.chapter.development.by_period
    printed = rows(table(report, "development"), "By year")
    for r in by_period.to_dict("records"):
        cells = printed[str(r["period"])]
        assert [c.value for c in cells] == pytest.approx([r["mean_E"], r["U1_lags"], r["synchronous"], r["U2_lags"]])
        assert sum(c.value for c in cells[1:]) == 30


def test_table_notes_state_the_conventions_and_settings_reach_the_cells(demo):
    study, results, report = demo
    said = {t: " ".join(table(report, t).notes) for t in ("moran", "lisa", "dagum", "markov", "obstacle", "development")}
    assert f"{study.moran.permutations} random permutations" in said["moran"]
    assert f"significant at {study.lisa.alpha:g}" in said["lisa"] and "queen contiguity" in said["lisa"]
    assert "within-group, net between-group and transvariation" in said["dagum"]
    assert said["markov"].startswith("Classes: ")
    low, high = study.development.bands
    assert f"up to {low:g}, synchronous up to {high:g}" in said["development"]
    settings = study.tables.model_copy(update={"decimals": 2, "decimals_by_table": {"moran": 4}})
    wider = assemble(results, study.model_copy(update={"tables": settings}), Narrative())
    assert table(wider, "moran").groups[0].rows[0].cells[0].decimals == 4
    assert table(wider, "dagum").groups[0].rows[0].cells[0].decimals == 2


def test_chapter_tables_render_in_latex_with_their_numbers(demo):
    _, results, report = demo
    for block in report.tables[-len(CHAPTER_TABLES):]:
        text = table_latex(block.table, block.number)
        assert f"\\setcounter{{table}}{{{block.number - 1}}}" in text and "\\caption{" in text
    moran = table_latex(table(report, "moran"), 11)
    assert Format().quote(results.chapter.moran["I"].iloc[0]) in moran


def test_moran_scatter_slope_is_moran_i(demo):
    _, results, report = demo
    lisa, moran = results.chapter.lisa, results.chapter.moran
    last = lisa[lisa["period"] == lisa["period"].iloc[-1]]
    slope = float(np.polyfit(last["z"], last["lag"], 1)[0])
    assert slope == pytest.approx(moran.set_index("period").at[last["period"].iloc[0], "I"], abs=1e-10)
    figure = next(b.figure for b in report.figures if b.figure.id == "moran_scatter")
    assert f"slope {slope:.3f}" in figure.notes[0]


@pytest.mark.parametrize("figure_id", ["moran_scatter", "lisa_map", "density"])
def test_chapter_figures_export(demo, figure_id):
    _, _, report = demo
    figure = next(b.figure for b in report.figures if b.figure.id == figure_id)
    assert export(figure, "png").startswith(b"\x89PNG")


def test_manuscript_section_has_formulas_text_tables_and_figures(demo):
    _, results, report = demo
    blocks = list(report.manuscript.blocks)
    start = next(k for k, b in enumerate(blocks) if isinstance(b, Heading) and "Spatial and distributional" in b.text)
    end = next(k for k, b in enumerate(blocks) if k > start and isinstance(b, Heading))
    section = blocks[start:end]
    assert blocks[start - 1].__class__ in (FigureBlock, TableBlock, Paragraph)  # after the coupling results
    assert {b.table.id for b in section if isinstance(b, TableBlock)} == set(CHAPTER_TABLES)
    assert {b.figure.id for b in section if isinstance(b, FigureBlock)} == {"moran_scatter", "lisa_map", "density"}
    assert sum(isinstance(b, Equation) for b in section) == 4
    text = " ".join(plain(b.text) for b in section if isinstance(b, Paragraph))
    moran, fmt = results.chapter.moran, Format()
    assert (f"in 12 of 12 periods (I from {fmt.quote(moran['I'].min())} to {fmt.quote(moran['I'].max())})" in text
            and (moran["p_perm"] < 0.05).all())
    assert "Its largest source is the net differences between groups" in text
    dagum = results.chapter.dagum.overall
    assert f"{100 * dagum['share_nb'].min():.3f}% to {100 * dagum['share_nb'].max():.3f}%" in text
    assert "Table 11 gives the statistics" in text
    assert f"(Q = {fmt.quote(results.chapter.markov.homogeneity['Q'])}" in text


def test_markov_text_names_the_largest_diagonal(demo):
    study, results, report = demo
    pooled = results.chapter.markov.transitions.query("lag_class == -1 and `from` == to")
    best = pooled.loc[pooled["probability"].idxmax()]
    name = class_labels(results, study)[int(best["from"])][1]
    assert name == "3 Moderate dissonance"
    assert f"to {Format().quote(best['probability'])}; class {name} is the most persistent" in report.text["chapter_markov"][0]


def test_word_manuscript_holds_the_chapter_tables(demo):
    _, results, report = demo
    word = WordDocument(io.BytesIO(render(report, ("docx",))["manuscript.docx"]))
    text = "\n".join(p.text for p in word.paragraphs)
    assert "Table 10." in text and "Spatial and distributional analysis" in text
    cells = {c.text for t in word.tables for row in t.rows for c in row.cells}
    assert Format().quote(results.chapter.moran["I"].iloc[0]) + "***" in cells or \
        Format().quote(results.chapter.moran["I"].iloc[0]) in cells


def test_a_section_that_could_not_be_computed_is_reported():
    study = examples.default_study()
    study = study.model_copy(update={"spatial": study.spatial.model_copy(update={"boundary": "/nonexistent/map.geojson"})})
    results = run(study, examples.demo_panel())
    assert {"spatial", "moran", "lisa", "markov"} <= set(results.chapter.problems)
    report = assemble(results, study, Narrative())
    ids = {b.table.id for b in report.tables}
    assert {"dagum", "obstacle", "development"} <= ids and not {"moran", "lisa", "markov"} & ids
    text = " ".join(b.text for b in report.manuscript.blocks if isinstance(b, Paragraph))
    assert ("The global Moran's I, local clusters (LISA) and Markov chain analyses were not computed: needs the "
            "spatial weights, which could not be built") in text
    assert "boundary file not found: /nonexistent/map.geojson" in text
    assert render(report, ("tex",))["manuscript.tex"]
