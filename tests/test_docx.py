"""Word tables: the three-line rules on the right rows, no vertical lines, every font and size from a named style."""
from __future__ import annotations

import importlib.util
import io
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest
from docx import Document
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from lxml import etree

from report.docx import HEAVY_RULE, REFERENCE, STYLES, THIN_RULE, add_table, tables_document
from tests.sample_tables import HOSTILE, all_tables, coefficient_table, descriptive_table, hostile_table

LATIN_FONT, EAST_ASIAN_FONT = "Times New Roman", "SimSun"
GOLDEN = Path(__file__).parent / "golden"
CREATED = datetime(2024, 5, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def document():
    return Document(io.BytesIO(tables_document(all_tables(), "Tables", author="Author", created=CREATED)))


def _edge(tc, edge: str):
    """(val, size) of a cell border, or None when the cell sets none on that edge."""
    element = tc.find(f"{qn('w:tcPr')}/{qn('w:tcBorders')}/{qn(f'w:{edge}')}")
    return None if element is None else (element.get(qn("w:val")), int(element.get(qn("w:sz"), 0)))


def _word_rows(table):
    """The Word row index of each body row and of each group label row of a model Table."""
    index, body, group_rows = len(table.header), [], []
    for group in table.groups:
        if group.label.strip():
            group_rows.append(index)
            index += 1
        for row in group.rows:
            body.append((index, row))
            index += 1
    return body, group_rows


def _parts_by_table(document) -> list[list]:
    """The Word tables of each captioned table: one, or its page-sized parts."""
    parts: list[list] = []
    for element in document.element.body:
        if element.tag == qn("w:p") and "SEQ Table" in "".join(t.text for t in element.iter(qn("w:instrText"))):
            parts.append([])
        elif element.tag == qn("w:tbl"):
            parts[-1].append(element)
    return parts


def test_one_word_table_per_table_with_a_numbered_caption_above(document):
    tables = all_tables()
    assert [len(parts) for parts in _parts_by_table(document)] == [1, 1, 1, 1, 2]  # the indicator table needs two pages
    captions = [p.text for p in document.paragraphs if p.style.name == "Caption"]
    assert captions == [f"Table {n}. {t.title}" for n, t in enumerate(tables, start=1)] + ["Table 5 (continued)"]
    fields = [t.text.split() for t in document.element.body.iter(qn("w:instrText"))]
    assert fields == [["SEQ", "Table", "\\*", "ARABIC"]] * len(tables)


@pytest.mark.parametrize("position", range(len(all_tables())))
def test_three_rules_on_the_right_rows_and_no_others(document, position):
    """Each part of a table is a whole three-line table; together the parts hold every row once."""
    table = all_tables()[position]
    body, _ = _word_rows(table)
    headers = len(table.header)
    labels = [row.label for _, row in body]
    printed = []
    for part in _parts_by_table(document)[position]:
        rows = part.tr_lst
        rule_above = {k for k, tr in enumerate(rows) if k >= headers and _row_label(tr) in
                      {row.label for _, row in body if row.rule_above and row.label}}
        printed += [_row_label(tr) for tr in rows[headers:] if len(tr.tc_lst) > 1]
        for index, tr in enumerate(rows):
            for tc in tr.tc_lst:
                assert _edge(tc, "top") == (("single", HEAVY_RULE) if index == 0 else
                                            ("single", THIN_RULE) if index in rule_above else None)
                expected_bottom = (("single", THIN_RULE) if index == headers - 1 else
                                   ("single", HEAVY_RULE) if index == len(rows) - 1 else None)
                assert _edge(tc, "bottom") == expected_bottom
                for side in ("left", "right", "start", "end", "insideH", "insideV"):
                    assert _edge(tc, side) is None
    assert printed == labels


def _row_label(tr) -> str:
    return "".join(t.text for t in tr.tc_lst[0].iter(qn("w:t")))


def test_table_borders_are_switched_off(document):
    for word in document.tables:
        borders = word._tbl.tblPr.find(qn("w:tblBorders"))
        assert {etree.QName(b).localname: b.get(qn("w:val")) for b in borders} == {
            edge: "nil" for edge in ("top", "left", "bottom", "right", "insideH", "insideV")}


def test_spanners_are_underlined_across_their_span_only(document):
    word = document.tables[0]
    spanner_row = word.rows[0]
    underlined = []
    for tc in spanner_row._tr.tc_lst:
        span = tc.tcPr.find(qn("w:gridSpan"))
        rule = tc.find(f"{qn('w:p')}/{qn('w:pPr')}/{qn('w:pBdr')}/{qn('w:bottom')}")
        underlined.append((int(span.get(qn("w:val"))) if span is not None else 1,
                           None if rule is None else int(rule.get(qn("w:sz")))))
    assert underlined == [(1, None), (2, THIN_RULE), (2, THIN_RULE)]


def test_group_labels_are_italic_rows_merged_across_the_table(document):
    table = coefficient_table()
    _, group_rows = _word_rows(table)
    word = document.tables[0]
    for index, group in zip(group_rows, [g for g in table.groups if g.label], strict=True):
        tcs = word.rows[index]._tr.tc_lst
        assert len(tcs) == 1 and int(tcs[0].tcPr.find(qn("w:gridSpan")).get(qn("w:val"))) == table.ncols + 1
        runs = tcs[0].findall(f".//{qn('w:r')}")
        assert "".join(r.findtext(qn("w:t")) for r in runs) == group.label
        assert all(r.find(f"{qn('w:rPr')}/{qn('w:i')}") is not None for r in runs)


def test_header_rows_repeat_and_rows_do_not_split(document):
    for parts, table in zip(_parts_by_table(document), all_tables(), strict=True):
        for part in parts:
            for index, tr in enumerate(part.tr_lst):
                assert tr.trPr.find(qn("w:cantSplit")) is not None
                assert (tr.trPr.find(qn("w:tblHeader")) is not None) == (index < len(table.header))


def test_no_run_or_paragraph_mark_sets_a_font_or_size(document):
    runs = list(document.element.body.iter(qn("w:r")))
    assert len(runs) > 250  # the check reaches every caption, cell and note run
    for properties in document.element.body.iter(qn("w:rPr")):
        assert {etree.QName(child).localname for child in properties} <= {"rStyle", "b", "i", "vertAlign"}, \
            etree.tostring(properties)


def test_every_cell_paragraph_is_in_the_table_text_style(document):
    for word in document.tables:
        assert {p.style.name for row in word.rows for cell in row.cells for p in cell.paragraphs} == {"Table Text"}


def test_numbers_sit_on_a_decimal_tab_with_a_true_minus_and_superscript_stars(document):
    cell = document.tables[0].rows[3].cells[1]  # ln education, OLS
    assert cell.text == "−0.003"
    tabs = cell.paragraphs[0].paragraph_format.tab_stops
    assert len(tabs) == 1 and tabs[0].alignment == 3  # WD_TAB_ALIGNMENT.DECIMAL
    starred = document.tables[0].rows[3].cells[2]
    assert starred.text == "−0.034**"
    star_run = starred.paragraphs[0].runs[-1]
    assert star_run.text == "**" and star_run.font.superscript
    positions = {document.tables[0].rows[r].cells[1].paragraphs[0].paragraph_format.tab_stops[0].position for r in (3, 4, 25)}
    assert len(positions) == 1  # one tab position per column


def test_notes_follow_the_table_in_the_table_note_style(document):
    body = list(document.element.body)
    table = document.tables[0]._tbl
    notes = coefficient_table().notes
    following = body[body.index(table) + 1: body.index(table) + 1 + len(notes)]
    assert ["".join(t.text for t in p.iter(qn("w:t"))) for p in following] == list(notes)
    assert {p.find(f"{qn('w:pPr')}/{qn('w:pStyle')}").get(qn("w:val")) for p in following} == {"TableNote"}


def test_hostile_text_is_kept_literally(document):
    table = hostile_table()
    word = document.tables[3]
    assert word.rows[1].cells[0].text == "Stub " + HOSTILE
    assert word.rows[0].cells[1].text == "Spanner " + HOSTILE
    assert word.rows[2].cells[0].text == "Group " + HOSTILE
    assert word.rows[3].cells[0].text == "Row " + HOSTILE
    assert word.rows[3].cells[2].text == "text \\input{/etc/passwd}"
    assert word.rows[5].cells[0].text == "新质生产力 & 制造业"
    texts = [p.text for p in document.paragraphs]
    assert f"Table 4. {table.title}" in texts and "Note " + HOSTILE in texts


def test_add_table_works_on_a_plain_document():
    document = Document()
    add_table(document, coefficient_table(), 1)
    add_table(document, hostile_table(), 2)
    assert len(document.tables) == 2
    assert [p.text for p in document.paragraphs if p.text.startswith("Table 2.")] == [f"Table 2. {hostile_table().title}"]


def test_core_properties_are_set_and_the_xml_is_reproducible():
    first = tables_document(all_tables(), "Tables", author="Author", created=CREATED)
    second = tables_document(all_tables(), "Tables", author="Author", created=CREATED)
    properties = Document(io.BytesIO(first)).core_properties
    assert (properties.title, properties.author, properties.created, properties.modified) == \
        ("Tables", "Author", CREATED, CREATED)
    assert _parts(first) == _parts(second)


def test_document_xml_matches_golden_file(file_regression):
    xml = _parts(tables_document([coefficient_table(), hostile_table()], "Tables", created=CREATED))["word/document.xml"]
    file_regression.check(xml, fullpath=GOLDEN / "tables.document.xml")


def _parts(docx: bytes) -> dict[str, str]:
    """Every XML part, canonical and indented, for comparing documents whose zip timestamps differ."""
    with zipfile.ZipFile(io.BytesIO(docx)) as archive:
        return {name: etree.tostring(etree.fromstring(archive.read(name)), pretty_print=True, encoding="unicode")
                for name in sorted(archive.namelist()) if name.endswith(".xml") or name.endswith(".rels")}


def _reference_script():
    spec = importlib.util.spec_from_file_location("make_reference_docx", REFERENCE.with_name("make_reference_docx.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_reference_document_is_what_its_script_writes(tmp_path):
    target = tmp_path / "reference.docx"
    assert _reference_script().main([str(target)]) == 0
    assert _parts(target.read_bytes()) == _parts(REFERENCE.read_bytes())


def test_reference_document_styles():
    styles = Document(str(REFERENCE)).styles
    body = styles["Normal"]
    assert (body.font.name, body.font.size, body.paragraph_format.first_line_indent, body.paragraph_format.line_spacing) == \
        (LATIN_FONT, Pt(12), Pt(24), 1.5)
    assert body.element.rPr.rFonts.get(qn("w:eastAsia")) == EAST_ASIAN_FONT
    for name in ("Title", "Heading 1", "Heading 2", "Heading 3", "Caption", "Table Text", "Table Note", "Equation"):
        style = styles[name]
        assert style.font.name == LATIN_FONT and style.paragraph_format.first_line_indent == 0, name
    assert (styles["Table Text"].font.size, styles["Table Note"].font.size) == (Pt(10), Pt(9))
    assert set(STYLES) <= {style.name for style in styles}
    small = styles["Table Text Small"]
    assert (small.base_style.name, small.font.size, small.font.name) == ("Table Text", Pt(8), None)  # Table Text's font
    assert styles["Caption Label"].font.bold
    bibliography = styles["Bibliography"].paragraph_format
    assert (bibliography.left_indent, bibliography.first_line_indent) == (Pt(24), Pt(-24))  # a hanging indent


def test_a_table_spans_the_text_width_and_a_wide_one_turns_to_a_landscape_page(document):
    def grid(word):
        return [int(c.get(qn("w:w"))) for c in word._tbl.tblGrid.iter(qn("w:gridCol"))]

    assert abs(sum(grid(document.tables[0])) - Cm(21 - 2 * 2.54).twips) <= len(grid(document.tables[0]))
    assert abs(sum(grid(document.tables[1])) - Cm(29.7 - 2 * 2.54).twips) <= len(grid(document.tables[1]))
    body = list(document.element.body)
    table = document.tables[1]._tbl
    breaks = [(k, p.find(f"{qn('w:pPr')}/{qn('w:sectPr')}/{qn('w:pgSz')}")) for k, p in enumerate(body)
              if p.find(f"{qn('w:pPr')}/{qn('w:sectPr')}") is not None]
    assert len(breaks) == 2  # the section before it, portrait, and its own, landscape
    (before, portrait), (after, landscape) = breaks
    assert before < body.index(table) < after and body[before + 1].find(f".//{qn('w:instrText')}") is not None
    assert portrait.get(qn("w:orient")) is None and landscape.get(qn("w:orient")) == "landscape"
    assert (landscape.get(qn("w:w")), landscape.get(qn("w:h"))) == (portrait.get(qn("w:h")), portrait.get(qn("w:w")))
    assert body[after].find(f".//{qn('w:t')}").text == descriptive_table().notes[-1]  # the notes on the landscape page


def test_control_characters_pasted_into_text_do_not_break_the_document():
    """XML cannot hold most control characters; Word text gets spaces in their place."""
    from analysis.table import Cell, Group, Row, Span, Table
    from report.docx import tables_document
    table = Table("t", "Title\x0bwith a vertical tab", [[Span("Value")]],
                  [Group("Group\x00", [Row("Label\x1f", [Cell("1.0", 1.0)])])], ["Note\x0c"])
    document = Document(io.BytesIO(tables_document([table], "Doc\x07")))
    texts = [p.text for p in document.paragraphs] + [c.text for row in document.tables[0].rows for c in row.cells]
    assert "Doc " in texts and "Note " in texts and "Label " in texts
    assert not any(ch in "".join(texts) for ch in "\x00\x07\x0b\x0c\x1f")


def test_a_table_too_wide_even_for_a_landscape_page_takes_the_small_style_never_a_smaller_size():
    from analysis.table import Cell, Group, Row, Span, Table
    columns = 16
    table = Table("wide", "Wide", [[Span(f"Without ln(variable_{j})") for j in range(columns)]],
                  [Group("", [Row("Constant", [Cell(-123.4567, 4, "***") for _ in range(columns)])])])
    document = Document(io.BytesIO(tables_document([table], "Wide")))
    styles = {p.style.name for row in document.tables[0].rows for cell in row.cells for p in cell.paragraphs}
    assert styles == {"Table Text Small"} and document.styles["Table Text Small"].font.size == Pt(8)
    assert not any(p.find(qn("w:sz")) is not None for p in document.element.body.iter(qn("w:rPr")))
    orientation = [s.find(qn("w:pgSz")).get(qn("w:orient")) for s in document.element.body.iter(qn("w:sectPr"))]
    assert orientation == [None, "landscape", None]  # before it, its own page, after it


def test_a_bilingual_table_prints_its_english_title_on_a_second_caption_line():
    from dataclasses import replace
    word = Document(str(REFERENCE))
    add_table(word, replace(coefficient_table("联立方程模型估计结果"), subtitle="Results of the simultaneous equations"), 7,
              "zh+en")
    captions = [p.text for p in word.paragraphs if p.style.name == "Caption"]
    assert captions[:2] == ["表7 联立方程模型估计结果", "Table 7. Results of the simultaneous equations"]
