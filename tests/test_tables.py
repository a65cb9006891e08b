"""Tables 1-9 and the diagnostics table built from a run: shapes, formatting choices, notes, failures."""
import re
import tomllib
from pathlib import Path

import pytest

from analysis import examples
from analysis import study as studies
from analysis.data import validate
from analysis.pipeline import run
from analysis.table import Format
from analysis.tables import extra_tables, tables

ROOT = Path(__file__).resolve().parents[1]


def by_id(built):
    return {t.id: t for t in built}


def test_all_nine_tables_in_order_with_titles(demo):
    study, results = demo
    built = tables(results, study)
    assert [t.id for t in built] == [f"table{k}" for k in range(1, 10)]
    assert by_id(built)["table7"].title == study.tables.titles["table7"]


def test_table7_blocks_columns_and_inference_rows(demo):
    study, results = demo
    t7 = by_id(tables(results, study))["table7"]
    assert [s.label for s in t7.header[0]] == ["OLS", "2SLS", "3SLS", "I3SLS"]
    assert t7.column_labels == ["(1)", "(2)", "(3)", "(4)"]
    assert [g.label for g in t7.groups][:2] == ["Equation 1: Development level of new quality productivity",
                                                "Equation 2: Manufacturing transformation and upgrading index"]
    rows = t7.groups[0].rows
    assert [r.label for r in rows[::2]][:5] == [f"ln {study.label('education')}", f"ln {study.label('research')}",
                                                f"ln {study.label('patent')}", study.label("manufacture"), "Constant"]
    assert study.label("education") != "education"
    three = next(m for m in results.main if m.method == "3sls").fit.equations[0].terms[3]
    coefficient, below = rows[6].cells[2], rows[7].cells[2]
    assert coefficient.text == f"{three.estimate:.3f}" and below.text == f"({three.std_error:.3f})"
    expected_stars = "***" if three.p_value < 0.001 else "**" if three.p_value < 0.01 else "*" if three.p_value < 0.05 else ""
    assert coefficient.stars == expected_stars
    assert t7.notes[0] == ("Standard errors in parentheses. ***, ** and * denote significance at the 0.1%, 1% and 5% "
                           "levels, respectively.")
    assert t7.notes[1].startswith("OLS and 2SLS: each equation separately; 3SLS and I3SLS: the equations jointly.")
    assert t7.groups[-1].rows[0].label == "N" and t7.groups[-1].rows[0].cells[0].text == "360"


def test_formatting_choices_apply_and_are_stated(demo):
    study, results = demo
    fmt = Format(decimals=4, stars="conventional", inference="t")
    t7 = by_id(tables(results, study, fmt))["table7"]
    fit = next(m for m in results.main if m.method == "ols").fit
    term = fit.equations[1].terms[0]
    row = t7.groups[1].rows[0]
    assert row.cells[0].text == f"{term.estimate:.4f}"
    assert t7.groups[1].rows[1].cells[0].text == f"({term.statistic:.4f})"
    assert t7.notes[0] == ("t statistics (3SLS and I3SLS: z statistics) in parentheses. ***, ** and * denote "
                           "significance at the 1%, 5% and 10% levels, respectively.")
    plain = by_id(tables(results, study, Format(stars="none")))["table7"]
    assert all(c.stars == "" for _, r in plain.rows() for c in r.cells)
    assert any("No significance stars" in n for n in plain.notes)


def test_table1_levels_and_boundaries(demo):
    study, _ = demo
    t1 = tables(demo[1], study)[0]
    labels = [r.label for _, r in t1.rows()]
    assert labels[0] == "[0.0, 0.1)" and labels[-1] == "[0.9, 1.0]"
    assert [r.cells[1].text for _, r in t1.rows()] == study.coupling.levels


def test_table4_weights_and_subtotals_sum_to_one(demo):
    study, results = demo
    t4 = by_id(tables(results, study))["table4"]
    for group in t4.groups:
        subtotals = [r.cells[2].value for r in group.rows if r.label.startswith("Subtotal")]
        weights = [r.cells[2].value for r in group.rows if not r.label.startswith("Subtotal")]
        assert sum(subtotals) == pytest.approx(1.0) and sum(weights) == pytest.approx(1.0)


def test_table5_and_table6_print_years_as_years(demo):
    study, results = demo
    built = by_id(tables(results, study))
    for table_id in ("table5", "table6"):
        assert [r.label for _, r in built[table_id].rows()] == [str(y) for y in range(2011, 2023)]
    assert built["table6"].column_labels == ["All", "East", "Central", "West", "Northeast"]


def test_notes_say_the_demo_is_synthetic(demo):
    study, results = demo
    for table in tables(results, study) + extra_tables(results, study):
        if table.id not in ("table1", "table2"):
            assert any("not official statistics" in n for n in table.notes), table.id


def test_table8_states_the_instrument_choice(demo):
    study, results = demo
    t8 = by_id(tables(results, study))["table8"]
    assert t8.column_labels == ["(5)", "(6)", "(7)", "(8)"]
    assert any("also leaves the instrument set" in n for n in t8.notes)
    kept = studies.study_from_dict(study.model_dump(mode="json") | {
        "model": study.model.model_dump(mode="json") | {"robustness_instruments": "keep"}})
    t8_kept = by_id(tables(run(kept, examples.demo_panel()), kept))["table8"]
    assert any("stays in the instrument set" in n for n in t8_kept.notes)
    assert t8_kept.groups[0].rows[2].cells[0].text != t8.groups[0].rows[2].cells[0].text  # a different estimator


def test_a_group_too_small_gets_a_message_in_its_column(demo):
    study, _ = demo
    frame = examples.demo_panel().frame
    keep = (frame.region != "Northeast") | (frame.year >= 2021)  # 6 Northeast rows for 8 instruments
    results = run(study, validate(frame[keep].reset_index(drop=True), study))
    t9 = by_id(tables(results, study))["table9"]
    assert t9.column_labels == ["East", "Central", "West", "Northeast"]
    n_row = t9.groups[-1].rows[0]
    assert n_row.cells[3].text == "not estimated"
    assert any(n.startswith("Northeast: not estimated: insufficient observations: 6 rows") for n in t9.notes), t9.notes


def test_diagnostics_table(demo):
    study, results = demo
    diag = _diagnostics(extra_tables(results, study))  # after the chapter's tables
    labels = [g.label for g in diag.groups]
    assert labels == ["First stage: F test of the excluded instruments", "Overidentifying restrictions (Sargan)",
                      "Cross-equation correlation of the 2SLS residuals"]  # the Hausman test is the system J here
    f = results.diagnostics.first_stage[0]
    assert diag.groups[0].rows[0].cells[0].value == f.test.statistic


def test_readme_study_example_is_a_valid_study():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"## The study file.*?```toml\n(.*?)```", text, re.S).group(1)
    study = studies.loads(block)
    assert len(study.model.parsed) == 2 and study.coupling.indices == ("productivity", "manufacture")
    assert tomllib.loads(studies.dumps(study)) == study.model_dump(mode="json", exclude_none=True)


@pytest.fixture(scope="module")
def demo_tables(demo):
    study, results = demo
    return {t.id: t for t in tables(results, study) + extra_tables(results, study)}


@pytest.mark.parametrize("table_id", [f"table{k}" for k in range(1, 10)] + ["diagnostics"])
def test_demo_table_latex_matches_golden_file(demo_tables, table_id, file_regression):
    """Any change to a printed table of the demo is a reviewed change (regenerate with --force-regen)."""
    from report.latex import table_latex
    file_regression.check(table_latex(demo_tables[table_id]), fullpath=ROOT / "tests" / "golden" / "demo" / f"{table_id}.tex")


def test_ln_of_a_computed_index_names_where_it_is_zero():
    from analysis.errors import UserError
    study = examples.default_study()
    data = study.model_dump(mode="json")
    data["indices"].append({"name": "solo", "dimensions": [{"name": "Green", "indicators": [{"column": "green"}]}]})
    data["model"]["equations"][1] = data["model"]["equations"][1].replace("+ green", "+ ln(solo)")
    logged = studies.study_from_dict(data)  # one indicator: its weakest province-year scores exactly 0
    with pytest.raises(UserError) as raised:
        run(logged, examples.demo_panel())
    problem = raised.value.problems[0]
    frame = examples.demo_panel().frame
    weakest = frame.loc[frame.green.idxmin()]
    assert (problem.column, problem.entity, problem.period) == ("solo", weakest.province, weakest.year)
    assert "ln(solo) is undefined: the index solo is 0 here" in str(problem)


def test_confidence_intervals_match_an_independent_computation_and_the_p_values(demo):
    from scipy import stats
    study, results = demo
    t7 = by_id(tables(results, study, Format(decimals=6, inference="ci")))["table7"]
    assert any("95% confidence intervals in brackets" in n for n in t7.notes)
    checked = 0
    for column, run in enumerate(results.main):
        fit = run.fit
        df = fit.nobs * len(fit.equations) - sum(len(eq.terms) for eq in fit.equations)
        quantile = stats.norm.ppf(0.975) if run.method in ("3sls", "i3sls") else stats.t.ppf(0.975, df)
        assert fit.statistic == ("z" if run.method in ("3sls", "i3sls") else "t")
        for k, eq in enumerate(fit.equations):
            rows = t7.groups[k].rows
            for term in eq.terms:
                index = next(i for i, r in enumerate(rows) if r.cells[column].value == term.estimate)
                cell = rows[index + 1].cells[column]
                low, high = term.estimate - quantile * term.std_error, term.estimate + quantile * term.std_error
                assert cell.is_interval and cell.value == pytest.approx(low, rel=1e-10) and cell.upper == pytest.approx(high, rel=1e-10)
                assert cell.text == f"[{low:.6f}, {high:.6f}]"
                assert (low > 0 or high < 0) == (term.p_value < 0.05)  # the interval agrees with the printed p-value
                checked += 1
    assert checked > 20


def test_confidence_intervals_print_in_every_renderer(demo):
    import io

    import docx
    import openpyxl

    from report.docx import tables_document
    from report.export import table_csv, tables_xlsx
    from report.html import table_html
    from report.latex import table_latex
    study, results = demo
    t7 = by_id(tables(results, study, Format(inference="ci")))["table7"]
    cell = next(c for _, r in t7.rows() for c in r.cells if c.is_interval and c.value < 0)
    plain, true_minus = cell.text, "".join(cell.parts("\N{MINUS SIGN}"))
    assert plain.startswith("[-") and true_minus.startswith("[\N{MINUS SIGN}")
    assert "{[}" + cell.parts(r"\ensuremath{-}")[1] + "{]}" in table_latex(t7)  # brackets braced, as escaped
    assert true_minus in table_html(t7)
    assert plain in table_csv(t7).decode("utf-8-sig")
    sheet = openpyxl.load_workbook(io.BytesIO(tables_xlsx([t7]))).active
    assert plain in [c.value for row in sheet.iter_rows() for c in row]
    word = docx.Document(io.BytesIO(tables_document([t7], "Tables")))
    assert true_minus in [c.text for t in word.tables for row in t.rows for c in row.cells]


def test_significant_coefficients_printed_as_zero_get_a_note_with_the_decimals_that_show_them(demo):
    study, results = demo
    t7 = by_id(tables(results, study, Format(decimals=1)))["table7"]
    printed_zero = []  # (equation, term, column) with p < 0.05 and |estimate| < 0.05, computed from the fits
    for column, run_ in enumerate(results.main, start=1):
        for k, eq in enumerate(run_.fit.equations, start=1):
            printed_zero += [(k, t.term, column, t.estimate) for t in eq.terms if t.p_value < 0.05 and abs(t.estimate) < 0.05]
    assert printed_zero
    note = next(n for n in t7.notes if "print as 0.0 though they are not zero" in n)
    cells = [c for _, r in t7.rows() for c in r.cells if c.stars and c.text in ("0.0", "-0.0")]
    assert len(cells) == len(printed_zero)  # every such coefficient still prints at the chosen decimals
    for k, term, column, estimate in printed_zero:
        label = next(r.label for r in t7.groups[k - 1].rows if r.cells[column - 1].value == estimate)
        mention = re.search(re.escape(f"{label} in Equation {k}, ") + r"columns? ([^;.]*)", note)
        assert mention and f"({column})" in mention.group(1), (term, k, column, note)
    smallest = min(abs(e) for *_, e in printed_zero)
    needed = next(d for d in range(1, 10) if round(smallest, d) != 0)
    assert f"Print this table with {needed} decimals (decimals_by_table, table7 = {needed})" in note
    assert not any("though they are not zero" in n for n in by_id(tables(results, study, Format(decimals=needed)))["table7"].notes)


def test_the_text_quotes_a_number_that_rounds_to_zero_with_the_decimals_that_show_it():
    fmt = Format(decimals=2)
    assert [fmt.quote(v) for v in (0.0004, -0.0046, 0.004, 0.0, 12.5, -0.0096)] == [
        "0.0004", "-0.005", "0.004", "0.00", "12.50", "-0.01"]


def _diagnostics(tables):
    return next(t for t in tables if t.id == "diagnostics")
