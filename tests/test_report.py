"""The assembled Report: print settings reach every number, labels every name, and numbers are decided once."""
from __future__ import annotations

import io
import json
import re

import pytest
from docx import Document as WordDocument

from analysis import examples
from analysis import study as studies
from analysis.basemap import read_base_map
from analysis.catalogue import words
from analysis.pipeline import run
from analysis.table import Format
from report import assemble, drawn, exhibits, render
from report.document import Paragraph, TableBlock, plain
from report.narrative import Narrative


@pytest.fixture(scope="module")
def real():
    data = examples.real_study().model_dump(mode="json")
    data["panel"]["group_labels"] = {"East": "Eastern provinces", "Central": "Central provinces",
                                     "West": "Western provinces", "Northeast": "Northeastern provinces"}
    study = studies.study_from_dict(data)
    return study, run(study, examples.real_panel())


def _printed_decimals(text: str, decimals: int) -> list[int]:
    """Digits after the point of every decimal number in text, except significance levels ("0.1% level"); a number
    that would print as zero at the chosen decimals counts as printed at them if it has just the decimals that show it."""
    found = []
    for m in re.finditer(r"(\d+)\.(\d+)(?!\d|%)", text):
        digits = m.group(2)
        shows_a_small_number = (m.group(1) == "0" and len(digits) > decimals and set(digits[:-1]) == {"0"}
                                and digits[-1] != "0")
        found.append(decimals if shows_a_small_number else len(digits))
    return found


@pytest.mark.parametrize("decimals", [1, 2, 4])
def test_every_number_of_every_table_and_of_the_text_has_the_chosen_decimals(demo, decimals):
    study, results = demo
    rep = assemble(results, study, Narrative(), Format(decimals=decimals, decimals_by_table=(("table4", 5),)))
    for block in rep.tables:
        expected = 5 if block.table.id == "table4" else decimals
        numbers = [c for _, row in block.table.rows() for c in row.cells if c.is_number]
        assert numbers or block.table.id == "table2", block.table.id  # Table 2 describes the variables in words
        for cell in numbers:
            if isinstance(cell.value, int):
                assert "." not in cell.text, (block.table.id, cell)  # counts and levels print as integers
            else:
                assert len(cell.text.strip("()").partition(".")[2]) == expected, (block.table.id, cell)
    text = " ".join(p for paragraphs in rep.text.values() for p in paragraphs)
    found = _printed_decimals(text, decimals)
    assert len(found) > 20 and set(found) == {decimals}, text


def test_the_text_quotes_a_significant_coefficient_that_rounds_to_zero_with_the_decimals_that_show_it(demo):
    study, results = demo
    rep = assemble(results, study, Narrative(), Format(decimals=1))
    three = next(r for r in results.main if r.method == "3sls").fit.equations[0].terms[0]
    assert three.p_value < 0.001 and round(three.estimate, 1) == 0  # prints 0.0*** in Table 7
    text = " ".join(rep.text["model"])
    assert f"(+{abs(three.estimate):.2f}, 0.1% level)" in text and f"{abs(three.estimate):.2f}" != "0.00"
    assert not re.search(r"[+-]0\.0,", text)
    assert any("print as 0.0 though they are not zero" in n for n in next(b.table for b in rep.tables if b.table.id == "table7").notes)


def test_numbers_are_decided_once_and_read_by_every_renderer(demo):
    study, results = demo
    rep = assemble(results, study, Narrative())
    assert [b.number for b in rep.tables] == list(range(1, len(rep.tables) + 1))
    assert rep.references["table7"] == "Table 7" and rep.references["figure1"] == "Figure 1"
    assert rep.references["diagnostics"] == "Table 10"  # after Table 9, before the chapter's
    in_manuscript = [b for b in rep.manuscript.blocks if isinstance(b, TableBlock)]
    assert [b.number for b in in_manuscript] == list(range(1, len(rep.tables) + 1))  # every table, in order
    paragraphs = " ".join(plain(b.text) for b in rep.manuscript.blocks if isinstance(b, Paragraph))
    assert "as Table 5 reports" in paragraphs


def test_equation_numbers_come_from_the_cross_reference_map(demo):
    from report.document import Equation, display_equations
    from report.latex import render_document
    study, results = demo
    rep = assemble(results, study, Narrative())
    in_manuscript = [b for b in rep.manuscript.blocks if isinstance(b, Equation)]
    assert len(in_manuscript) == len(rep.equations) > len(study.model.parsed)
    assert [b.number for b in in_manuscript] == list(rep.equations.values()) == list(range(1, len(in_manuscript) + 1))
    first_system = rep.equations["eq:system1"]
    systems = len(study.model.parsed)
    assert list(rep.equations)[first_system - 1:first_system - 1 + systems] == [f"eq:system{k}" for k in range(1, systems + 1)]
    assert rep.equations["eq:coupling3"] == first_system - 1  # D, the last coupling equation, just before the system
    assert rep.references["eq:system1"] == f"Equation ({first_system})"
    assert f"\\setcounter{{equation}}{{{first_system - 1}}}" in render_document(rep.manuscript, {b.figure.id: "f.pdf" for b in rep.figures})
    without = list(display_equations(study.model_copy(update={"coupling": None})))
    assert "eq:coupling1" not in without and without.index("eq:system1") + 1 == first_system - 3


def test_a_narrative_edit_reuses_the_tables_and_figures(demo):
    study, results = demo
    fmt = Format.from_settings(study.tables)
    built = exhibits(results, study, fmt)
    first = assemble(results, study, Narrative(), fmt, built)
    edited = assemble(results, study, Narrative(introduction="Edited."), fmt, built)
    assert edited.exhibits is first.exhibits and edited.tables[6].table is first.tables[6].table
    assert edited.manuscript != first.manuscript


def test_figures_are_drawn_once_per_results_and_what_they_show(demo):
    study, results = demo
    first = drawn(results, study)
    decimals = study.model_copy(update={"tables": study.tables.model_copy(update={"decimals": study.tables.decimals + 1})})
    assert drawn(results, decimals) is first
    assert exhibits(results, decimals, Format.from_settings(decimals.tables)).drawn is first
    chinese = study.model_copy(update={"document": study.document.model_copy(update={"language": "zh"})})
    time_label = {study.panel.time: studies.Variable(label="Calendar year")}
    relabelled = study.model_copy(update={"variables": {**study.variables, **time_label}})
    for changed in (chinese, relabelled):
        again = drawn(results, changed)
        assert again is not first
        assert [b.figure.chart.to_dict() for b in again.blocks] != [b.figure.chart.to_dict() for b in first.blocks]
    assert drawn(run(study, examples.demo_panel()), study) is not first


def test_an_uploaded_base_map_reaches_the_map_figure_and_its_content_keys_the_figures(demo):
    from tests.test_figure_maps import APPROVAL, author_features, with_map
    study, results = with_map(demo[0], approval=APPROVAL), demo[1]
    collection = {"type": "FeatureCollection", "features": author_features()}
    base = read_base_map("standard.geojson", json.dumps(collection, ensure_ascii=False).encode())
    other = read_base_map("standard.geojson", json.dumps({**collection, "features": author_features(drop=())}).encode())
    schematic, on_base = drawn(results, study), drawn(results, study, base)
    assert on_base is not schematic and drawn(results, study, other) not in (schematic, on_base)
    assert drawn(results, study, base) is on_base
    rep = assemble(results, study, Narrative(), base_map=base)
    notes = next(b.figure.notes for b in rep.figures if b.figure.id == "d_map")
    w = words("figures")
    assert w["base_map"].format(file="standard.geojson") in notes and w["approval"].format(approval=APPROVAL) in notes
    assert w["schematic"] in next(b.figure.notes for b in schematic.blocks if b.figure.id == "d_map")
    assert exhibits(results, study, Format.from_settings(study.tables), base_map=base).drawn is on_base


def _word_text(files: dict) -> str:
    word = WordDocument(io.BytesIO(files["manuscript.docx"]))
    cells = [c.text for t in word.tables for row in t.rows for c in row.cells]
    return "\n".join([p.text for p in word.paragraphs] + cells)


def test_real_data_manuscript_prints_labels_never_raw_column_names(real):
    study, results = real
    rep = assemble(results, study, Narrative())
    text = _word_text(render(rep, ("docx",)))
    labelled = [name for name in study.variables if study.label(name) != name]
    labelled += [i.name for i in study.indices if i.label]
    labelled += [ind.column for i in study.indices for _, ind in i.indicators if ind.label]
    assert len(labelled) > 20
    leaked = sorted({name for name in labelled if re.search(rf"(?<![\w]){re.escape(name)}(?![\w])", text)})
    assert leaked == []
    assert "`" not in text
    assert "province_en" not in text


def test_group_value_labels_in_tables_6_and_9_and_in_the_text(real):
    study, results = real
    rep = assemble(results, study, Narrative())
    by_id = {b.table.id: b.table for b in rep.tables}
    assert "Eastern provinces" in by_id["table6"].column_labels
    assert [s.label for s in by_id["table9"].header[-1]] == [
        "Eastern provinces", "Central provinces", "Western provinces", "Northeastern provinces"]
    assert "Eastern provinces had D = " in " ".join(rep.text["coupling"])
    assert "Eastern provinces" in " ".join(rep.text["heterogeneity"])


def test_the_intercept_and_abbreviations_as_the_study_chooses(real):
    study, results = real
    rep = assemble(results, study, Narrative(), Format(intercept="_cons", names="abbreviation"))
    table7 = next(b.table for b in rep.tables if b.table.id == "table7")
    labels = [row.label for _, row in table7.rows()]
    assert "_cons" in labels and "ln gdp" in labels and "Constant" not in labels


def test_the_study_tab_titles_grid_shows_the_reports_numbers(demo):
    from analysis.sections import ON_COUPLING
    from ui.study_editor import title_rows
    study, _ = demo
    data = study.model_dump(mode="json") | {"coupling": None}
    for section in ON_COUPLING:
        data.pop(section, None)
    data["obstacle"] = None
    without_coupling = studies.study_from_dict(data)
    rep = assemble(run(without_coupling, examples.demo_panel()), without_coupling, Narrative())
    rows = title_rows(without_coupling, rep.references).set_index("Standard title")["Table"]
    assert rows["Classification of coupling coordination types"] == "not printed"
    assert rows["Description of variables"] == "Table 1" and rows["Results of the simultaneous equations"] == "Table 4"
    assert rows["Diagnostics of the simultaneous equations"] == f"Table {len(rep.tables)}"
    assert [b.number for b in rep.tables if b.table.id == "table7"] == [4]
    assert list(title_rows(study, None)["Table"])[:2] == ["table1", "table2"]  # before a run: the ids
