"""Tables as journals print them: notes short and in words, the source stated once, no test printed twice,
Chinese three-line tables (中文三线表) with the same numbers as the English ones, and exports as printed."""
import csv
import io
import re

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook

from analysis import examples
from analysis import study as studies
from analysis.data import validate
from analysis.estimation import diagnostics
from analysis.figures import figures
from analysis.formula import parse_equation
from analysis.pipeline import run
from analysis.table import Format
from analysis.table_words import source_notes
from analysis.tables import DEFAULT_TITLES, coupling_note, extra_tables, hausman_is_system_sargan, tables
from report.export import table_csv, tables_xlsx

# Formulas written as code: sqrt, sums, subscripts (e_j, p_ij), comparisons, "x = a + b" and ratios "U1/U2".
PSEUDO_CODE = re.compile(r"\bsqrt\b|\b[A-Za-z]+_[a-z]{1,2}\b|<=|>=|=[^,;:=()]*?[-+*/^] ?[\w(]|\b\w+/\w+\b")
SOURCE = re.compile(r"^(Data: |资料来源：)")
# Words a Chinese table keeps in Latin letters: estimators, tests, methods and authors named as Chinese papers do.
LATIN_KEPT = {"OLS", "2SLS", "3SLS", "I3SLS", "LISA", "Dagum", "Moran", "Hausman", "Hansen", "Sargan", "Breusch",
              "Pagan", "CRITIC", "Stata", "reg3", "Wang", "Queen", "Rook", "Bonferroni", "Min"}


def in_language(study, language, **document):
    return study.model_copy(update={"document": study.document.model_copy(update={"language": language, **document})})


def every_table(results, study, fmt=None):
    return tables(results, study, fmt) + extra_tables(results, study, fmt)


@pytest.fixture(scope="module")
def variants():
    """The demo with the settings whose notes read differently: replication mode, Wang's C, unequal weights,
    shifted and squeezed zeros, per-period weights."""
    study = examples.default_study()
    data = study.model_dump(mode="json", exclude_none=True)
    data["coupling"] |= {"mode": "replication", "formula": "wang2021", "a": 0.6, "b": 0.4}
    data["indices"][0] |= {"zero_handling": "shift"}
    data["indices"][1] |= {"zero_handling": "squeeze", "scope": "per_period"}
    changed = studies.study_from_dict(data)
    return changed, run(changed, examples.demo_panel())


@pytest.mark.parametrize("language", ["en", "zh"])
def test_no_note_writes_a_formula_as_code(demo, variants, language):
    for study, results in (demo, variants):
        study = in_language(study, language)
        for fmt in (Format(), Format(stars="conventional", inference="t"), Format(inference="ci", decimals=1)):
            for table in every_table(results, study, fmt):
                for note in table.notes:
                    if not SOURCE.match(note):
                        assert not PSEUDO_CODE.search(note), (table.id, note)


@pytest.mark.parametrize("language", ["en", "zh"])
def test_no_figure_note_writes_a_formula_as_code(demo, variants, language):
    for study, results in (demo, variants):
        for figure in figures(results, in_language(study, language)):
            for note in figure.notes:
                if not SOURCE.match(note):
                    assert not PSEUDO_CODE.search(note), (figure.id, note)


def test_the_method_section_sentence_on_coupling_is_in_words(demo, variants):
    for study, results in (demo, variants):
        note = coupling_note(results, study)
        assert note.startswith("U1 is ") and not PSEUDO_CODE.search(note), note
    assert "Wang et al. (2021)" in coupling_note(variants[1], variants[0])


def test_the_pseudo_code_pattern_finds_what_the_notes_used_to_say():
    for formula in ("C = 2 sqrt(U1 U2) / (U1 + U2)", "e_j = -k sum_i p_ij ln p_ij", "p_ij = z_ij / sum_i z_ij",
                    "T = 0.5 U1 + 0.5 U2", "E(I) = -1/(n - 1)", "E <= 0.8 U1 lags", "E = U1/U2"):
        assert PSEUDO_CODE.search(formula), formula
    for words in ("D = 1 belongs to level 10.", "as a share of the sum over all indicators",
                  "Q = 79.355 (p = 0.001), LR = 68.092 (p = 0.009)", "ln() of the model",
                  "Print this table with 4 decimals (decimals_by_table, table7 = 4) to show them."):
        assert not PSEUDO_CODE.search(words), words


def test_table7_says_in_two_notes_what_a_reader_needs(demo):
    study, results = demo
    t7 = next(t for t in tables(results, study) if t.id == "table7")
    written = [n for n in t7.notes if not SOURCE.match(n) and "not official statistics" not in n]
    assert written == [
        "Standard errors in parentheses. ***, ** and * denote significance at the 0.1%, 1% and 5% levels, respectively.",
        "OLS and 2SLS: each equation separately; 3SLS and I3SLS: the equations jointly. Every exogenous variable of "
        "the system instruments every equation, as in Stata's reg3."]


def test_the_source_is_under_the_first_table_only_unless_the_study_asks_for_every(demo):
    study, results = demo
    sourced = [t.id for t in every_table(results, study) if any(n.startswith("Data: ") for n in t.notes)]
    assert sourced == ["table1"]
    # the demo is synthetic: every other table still says so, in a line of its own
    assert all("Synthetic demonstration data, not official statistics." in t.notes
               for t in every_table(results, study)[1:])
    every = in_language(study, "en", source_note="every")
    assert all(any(n.startswith("Data: ") for n in t.notes) for t in every_table(results, every))
    assert source_notes(results, study, first=True)[0].startswith("Data: Synthetic demonstration data generated")
    assert source_notes(results, study, first=False) == ("Synthetic demonstration data, not official statistics.",)


def test_real_data_name_their_source_once(demo):
    study, results = demo
    real = results.__class__(**{**results.__dict__, "data_source": "China Statistical Yearbook.", "synthetic": False})
    notes = [n for t in every_table(real, study) for n in t.notes]
    assert notes.count("Data: China Statistical Yearbook.") == 1
    assert not any("synthetic" in n.lower() for n in notes)


def test_no_test_is_printed_twice_in_the_diagnostics_table(demo):
    study, results = demo
    d = results.diagnostics
    assert hausman_is_system_sargan(d)  # the demo prints 38.599 with df 5 for both
    assert f"{d.hausman.statistic:.3f}" == f"{d.system_sargan.statistic:.3f}" == "38.599" and d.hausman.df == 5
    table = _diagnostics(extra_tables(results, study))
    tested = [(row.cells[0].text, row.cells[1].text) for _, row in table.rows() if row.cells[1].text]
    assert len(tested) == len(set(tested)) and tested.count(("38.599", "5")) == 1
    assert not any("Hausman" in g.label for g in table.groups)
    assert any("Hausman test of 3SLS against 2SLS equals the system Hansen-Sargan test" in n for n in table.notes)


def small_system(equations, seed=1, n=200):
    """A simulated system with exogenous x1-x5 and endogenous y1-y3, as a study with only a model."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(rng.normal(size=(n, 5)), columns=["x1", "x2", "x3", "x4", "x5"])
    frame["y2"] = frame.x3 + frame.x4 - 0.3 * frame.x1 + rng.normal(size=n)
    frame["y1"] = frame.x1 + frame.x2 + 0.3 * frame.x3 + 0.5 * frame.y2 + rng.normal(size=n)
    frame["y3"] = frame.x5 + frame.y1 + rng.normal(size=n)
    frame["t"] = np.arange(n)
    study = studies.study_from_dict({"panel": {"time": "t"}, "model": {"equations": equations, "methods": ["2sls", "3sls"]}})
    return study, run(study, validate(frame, study)), frame


def test_the_hausman_test_is_shown_where_it_is_another_test():
    """Three equations, one with two endogenous regressors: J has 6 df, the Hausman difference rank 5."""
    study, results, frame = small_system(["y1 ~ y2 + x1 + x2", "y2 ~ y1 + x3 + x4", "y3 ~ y1 + y2 + x5"])
    d = results.diagnostics
    assert (d.system_sargan.df, d.hausman.df) == (6, 5) and not hausman_is_system_sargan(d)
    table = _diagnostics(extra_tables(results, study))
    hausman = next(g for g in table.groups if g.label == "Hausman test, 3SLS against 2SLS")
    assert hausman.rows[0].cells[0].value == d.hausman.statistic
    assert not any("equals the system Hansen-Sargan" in n for n in table.notes)
    # an independent computation from the estimator module agrees with what the table shows
    again = diagnostics(frame, [parse_equation(e) for e in study.model.equations])
    assert again.hausman.statistic == pytest.approx(d.hausman.statistic, rel=1e-12)


def test_exactly_identified_equations_claim_no_identity():
    study, results, _ = small_system(["y1 ~ y2 + x1 + x2 + x3 + x5", "y2 ~ y1 + x1 + x3 + x4 + x5"])
    d = results.diagnostics
    assert d.hausman.statistic is None and d.system_sargan.statistic is None and not hausman_is_system_sargan(d)
    notes = _diagnostics(extra_tables(results, study)).notes
    assert "The Hausman test of 3SLS against 2SLS has nothing to test here: the two estimators coincide." in notes
    assert not any("equals the system Hansen-Sargan" in n for n in notes)


def test_csv_as_printed_beside_the_raw_numbers(demo):
    study, results = demo
    fmt = Format(decimals=2, stars="conventional")
    t7 = next(t for t in tables(results, study, fmt) if t.id == "table7")
    printed = list(csv.reader(io.StringIO(table_csv(t7, printed=True).decode("utf-8-sig"))))
    raw = list(csv.reader(io.StringIO(table_csv(t7).decode("utf-8-sig"))))
    assert printed[0] == raw[0] and len(printed) == len(raw)
    ols = next(m for m in results.main if m.method == "ols").fit.equations[0].terms[0]
    stars = "***" if ols.p_value < 0.01 else "**" if ols.p_value < 0.05 else "*" if ols.p_value < 0.1 else ""
    assert printed[1][2] == f"{ols.estimate:.2f}{stars}" and printed[2][2] == f"({ols.std_error:.2f})"
    assert [float(raw[1][2]), float(raw[2][2])] == pytest.approx([ols.estimate, ols.std_error], rel=1e-12)
    cells = [c for row in printed[1:] for c in row[2:] if c]
    assert all(re.fullmatch(r"-?\d+\.\d{2}\**|\(\d+\.\d{2}\)|\d+", c) for c in cells), cells


def test_xlsx_as_printed_keeps_plain_numbers_as_numbers_with_their_decimals(demo):
    study, results = demo
    t5 = next(t for t in tables(results, study, Format(decimals=2)) if t.id == "table5")
    printed = load_workbook(io.BytesIO(tables_xlsx([t5], printed=True)))["table5"]
    raw = load_workbook(io.BytesIO(tables_xlsx([t5])))["table5"]
    first = t5.groups[0].rows[0]
    assert printed["A4"].value == raw["A4"].value == first.label  # a year stays a label
    assert (printed["B4"].value, printed["B4"].number_format) == (float(first.cells[0].text), "0.00")
    assert raw["B4"].value == first.cells[0].value and printed["E4"].value == first.cells[3].value  # level: an integer
    t7 = next(t for t in tables(results, study) if t.id == "table7")
    sheet = load_workbook(io.BytesIO(tables_xlsx([t7], printed=True)))["table7"]
    values = [c.value for row in sheet.iter_rows(min_row=4) for c in row[2:] if isinstance(c.value, str)]
    assert any(v.endswith("***") for v in values) and any(v.startswith("(") for v in values)


# ---------------------------------------------------------------- 中文三线表

@pytest.fixture(scope="module")
def both(demo):
    study, results = demo
    return (every_table(results, study), every_table(results, in_language(study, "zh")),
            every_table(results, in_language(study, "zh+en")))


def test_numbers_are_the_same_in_every_language(both):
    english, chinese, bilingual = both
    assert [t.id for t in english] == [t.id for t in chinese] == [t.id for t in bilingual]
    for en, zh, zh_en in zip(english, chinese, bilingual, strict=True):
        numbers = [[(c.value, c.upper, c.decimals, c.stars, c.brackets) for c in row.cells if c.is_number or c.is_interval]
                   for t in (en, zh, zh_en) for _, row in t.rows()]
        rows = len(numbers) // 3
        assert numbers[:rows] == numbers[rows:2 * rows] == numbers[2 * rows:], en.id
        assert en.numeric == zh.numeric and en.ncols == zh.ncols


def test_chinese_notes_as_chinese_journals_print_them(both):
    _, chinese, _ = both
    for table in chinese:
        notes = [n for n in table.notes if not n.startswith("资料来源：") and n != "合成的演示数据，并非官方统计数据。"]
        assert notes[0].startswith("注："), table.id
        assert all(n.endswith("。") for n in table.notes), table.id
        if len(notes) > 1:
            assert [re.match(r"(?:注：)?(\d+)\. ", n).group(1) for n in notes] == [str(k) for k in range(1, len(notes) + 1)]
    first = chinese[0].notes
    assert first[-1].startswith("资料来源：Synthetic demonstration data generated") and first[-1].endswith("。")
    t7 = next(t for t in chinese if t.id == "table7")
    assert t7.notes[0] == "注：1. ***、**、*分别表示在0.1%、1%、5%的水平上显著，括号内为标准误。"


@pytest.mark.parametrize("fmt, said", [
    (Format(stars="conventional"), "***、**、*分别表示在1%、5%、10%的水平上显著，括号内为标准误"),
    (Format(stars="conventional", inference="t"), "***、**、*分别表示在1%、5%、10%的水平上显著，括号内为t值（3SLS、I3SLS为z值）"),
    (Format(stars="conventional", inference="p"), "***、**、*分别表示在1%、5%、10%的水平上显著，括号内为p值"),
    (Format(stars="none", inference="ci"), "未标注显著性星号，方括号内为95%置信区间"),
])
def test_the_chinese_significance_note_follows_the_stars_and_the_statistic(demo, fmt, said):
    study, results = demo
    t7 = next(t for t in tables(results, in_language(study, "zh"), fmt) if t.id == "table7")
    assert t7.notes[0] == f"注：1. {said}。"
    robustness = next(t for t in tables(results, in_language(study, "zh"), fmt) if t.id == "table8")
    if fmt.inference == "t":  # every column 3SLS: z statistics only
        assert robustness.notes[0] == "注：1. ***、**、*分别表示在1%、5%、10%的水平上显著，括号内为z值。"


def author_words(study, results) -> list[str]:
    """Every name the author gave (labels, dimensions, groups, entities, titles), longest first."""
    names = [v.label for v in study.variables.values()] + [v.abbreviation for v in study.variables.values()]
    names += [i.label for i in study.indices] + [i.name for i in study.indices]
    names += [d.name for i in study.indices for d in i.dimensions]
    indicators = [x for i in study.indices for _, x in i.indicators]
    names += [x.label for x in indicators] + [x.column for x in indicators]
    names += list(study.tables.titles.values()) + list(study.panel.group_labels.values()) + study.panel.group_order
    frame = examples.demo_panel().frame
    names += [str(v) for column in (study.panel.entity, study.panel.group) for v in frame[column].unique()]
    return sorted({n for n in names if n}, key=len, reverse=True)


def test_chinese_tables_have_no_english_fixed_word(demo, both):
    study, results = demo
    _, chinese, _ = both
    names = author_words(study, results)
    for table in chinese:
        printed = [table.stubhead] + [s.label for level in table.header for s in level] + [g.label for g in table.groups]
        printed += [row.label for _, row in table.rows()] + [c.text for _, row in table.rows() for c in row.cells]
        printed += [n for n in table.notes if not n.startswith("资料来源：")]
        for text in printed:
            for name in names:
                text = text.replace(name, "")
            english = set(re.findall(r"\b[A-Za-z][A-Za-z0-9']{2,}", text)) - LATIN_KEPT
            assert not english, (table.id, english, text)


def test_chinese_level_names_and_fixed_terms(demo, both):
    study, results = demo
    _, chinese, _ = both
    by_id = {t.id: t for t in chinese}
    assert [r.cells[1].text for _, r in by_id["table1"].rows()] == [
        "极度失调", "严重失调", "中度失调", "轻度失调", "濒临失调", "勉强协调", "初级协调", "中级协调", "良好协调", "优质协调"]
    assert {r.cells[4].text for _, r in by_id["table5"].rows()} <= {r.cells[1].text for _, r in by_id["table1"].rows()}
    assert by_id["markov"].notes[0].startswith("注：1. 类型：2 严重失调")
    labels = [r.label for _, r in by_id["table7"].rows()]
    assert "常数项" in labels and "R²" in labels and "样本量" in labels
    assert [s.label for s in by_id["table3"].header[0]] == ["样本量", "均值", "标准差", "最小值", "最大值"]
    assert by_id["dagum"].header[0][1].label == "贡献率/%"  # quantity/unit
    own = studies.study_from_dict(in_language(study, "zh").model_dump(mode="json") | {
        "coupling": study.coupling.model_dump(mode="json") | {"levels": [f"第{k}级" for k in range(1, 11)]}})
    assert [r.cells[1].text for _, r in tables(results, own)[0].rows()][0] == "第1级"


def test_bilingual_tables_carry_the_english_title_below(demo, both):
    study, _ = demo
    english, _, bilingual = both
    for en, zh_en in zip(english, bilingual, strict=True):
        if zh_en.id in study.tables.titles:  # the author's own title has no translation to add
            assert (zh_en.title, zh_en.subtitle) == (study.tables.titles[zh_en.id], "")
        else:
            assert zh_en.subtitle == en.title and re.search(r"[\u4e00-\u9fff]", zh_en.title), zh_en.id
    assert all(t.subtitle == "" for t in english)
    assert DEFAULT_TITLES["table1"] == "Classification of coupling coordination types"


def test_a_column_that_did_not_converge_says_so_in_each_language(demo):
    from dataclasses import replace
    study, results = demo
    stopped = [replace(r, fit=replace(r.fit, converged=False, iterations=5)) if r.method == "i3sls" else r
               for r in results.main]
    changed = replace(results, main=stopped)
    english = next(t for t in tables(changed, study) if t.id == "table7").notes
    chinese = next(t for t in tables(changed, in_language(study, "zh")) if t.id == "table7").notes
    assert "(4): iterated 3SLS did not converge; the estimates are those of its last iteration, 5, as Stata's reg3 " \
           "shows them." in english
    assert any(n.endswith("(4)：迭代3SLS未收敛，所列为最后一次（第5次）迭代的估计值，与Stata的reg3相同。") for n in chinese)
    assert not any("did not converge" in n for t in tables(results, study) for n in t.notes)


def test_indices_weighted_alike_share_one_note(demo, variants):
    study, results = demo
    t4 = next(t for t in tables(results, study) if t.id == "table4")
    assert t4.notes[0] == ("New quality productivity and Manufacturing transformation and upgrading: entropy weights, on "
                           "indicators min-max normalised over all entities and periods together.")
    study, results = variants
    t4 = next(t for t in tables(results, study) if t.id == "table4")
    assert t4.notes[:2] == (
        "New quality productivity: entropy weights, on indicators min-max normalised over all entities and periods "
        "together; normalised values shifted by 0.0001 before taking logs.",
        "Manufacturing transformation and upgrading: entropy weights, on indicators min-max normalised and weighted "
        "within each period; normalised values mapped into [0.0001, 0.9999] before taking logs.")


def _diagnostics(tables):
    return next(t for t in tables if t.id == "diagnostics")
