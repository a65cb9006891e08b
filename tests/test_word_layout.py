"""The Word manuscript as a journal takes it: styles that restyle everything, tables that page well, bookmarks and
fields for every cross-reference and equation number, Chinese fonts through the styles."""
import io
import itertools
import re
import subprocess

import pytest
from docx import Document as WordDocument
from docx.oxml.ns import qn
from docx.shared import Pt

from analysis import examples
from analysis.pipeline import run
from report import assemble, render
from report import document as blocks
from report.docx import REFERENCE, SMALLEST_SIZE, render_document
from report.narrative import Narrative
from tests.sample_tables import coefficient_table, indicator_table
from tests.tools import require_tool

MATH = "{http://schemas.openxmlformats.org/officeDocument/2006/math}"
RESTYLED = "Courier New"


@pytest.fixture(scope="module")
def demo():
    study, panel = examples.default_study(), examples.demo_panel()
    return assemble(run(study, panel), study, Narrative())


@pytest.fixture(scope="module")
def manuscript(demo):
    return WordDocument(io.BytesIO(render(demo, ("docx",))["manuscript.docx"]))


def _restyled_reference() -> bytes:
    reference = WordDocument(str(REFERENCE))
    for name in ("Table Text", "Caption"):
        reference.styles[name].font.name = RESTYLED
    buffer = io.BytesIO()
    reference.save(buffer)
    return buffer.getvalue()


def _resolved(document, paragraph, run, tag: str, attribute: str) -> str | None:
    """What a run's property resolves to in Word's order: the run, its character style, the paragraph style and
    the styles it is based on, the document's defaults."""
    styles = document.styles.element

    def chain(style_id):
        while style_id:
            style = styles.find(f"{qn('w:style')}[@{qn('w:styleId')}='{style_id}']")
            if style is None:
                return
            yield style.find(qn("w:rPr"))
            based = style.find(qn("w:basedOn"))
            style_id = based.get(qn("w:val")) if based is not None else None

    run_style = run.find(f"{qn('w:rPr')}/{qn('w:rStyle')}")
    paragraph_style = paragraph.find(f"{qn('w:pPr')}/{qn('w:pStyle')}")
    sources = [run.find(qn("w:rPr")),
               *chain(run_style.get(qn("w:val")) if run_style is not None else None),
               *chain(paragraph_style.get(qn("w:val")) if paragraph_style is not None else "Normal"),
               styles.find(f"{qn('w:docDefaults')}/{qn('w:rPrDefault')}/{qn('w:rPr')}")]
    for properties in sources:
        element = properties.find(qn(tag)) if properties is not None else None
        if element is not None and element.get(qn(attribute)) is not None:
            return element.get(qn(attribute))
    return None


def _captions_and_cells(document) -> list:
    body = document.element.body
    cells = [p for table in body.iter(qn("w:tbl")) if _is_data_table(table) for p in table.iter(qn("w:p"))]
    captions = [p for p in body.iter(qn("w:p")) if _style_id(p) == document.styles["Caption"].style_id]
    return cells + captions


def _is_data_table(table) -> bool:
    return any(p.find(f"{qn('w:pPr')}/{qn('w:pStyle')}") is not None for p in table.iter(qn("w:p")))


def _style_id(paragraph) -> str:
    style = paragraph.find(f"{qn('w:pPr')}/{qn('w:pStyle')}")
    return style.get(qn("w:val")) if style is not None else ""


def test_a_restyled_reference_document_restyles_every_table_cell_and_caption(demo):
    document = WordDocument(io.BytesIO(render(demo, ("docx",), reference_docx=_restyled_reference())["manuscript.docx"]))
    paragraphs = _captions_and_cells(document)
    runs = [(p, r) for p in paragraphs for r in p.iter(qn("w:r")) if r.find(qn("w:t")) is not None]
    assert len(runs) > 1000  # every caption and cell run of the demo's 16 tables and 9 figures
    assert {_resolved(document, p, r, "w:rFonts", "w:ascii") for p, r in runs} == {RESTYLED}
    for _, word_run in runs:
        properties = word_run.find(qn("w:rPr"))
        assert properties is None or (properties.find(qn("w:rFonts")), properties.find(qn("w:sz"))) == (None, None)
    sizes = {_resolved(document, p, r, "w:sz", "w:val") for p, r in runs}
    assert sizes <= {"20", "16"}  # Table Text and Caption (10 pt), Table Text Small (8 pt): never smaller


def test_every_data_table_paragraph_is_at_least_eight_points(manuscript):
    for paragraph in _captions_and_cells(manuscript):
        for word_run in paragraph.iter(qn("w:r")):
            size = _resolved(manuscript, paragraph, word_run, "w:sz", "w:val")
            assert int(size) >= SMALLEST_SIZE.pt * 2


def test_caption_numbers_equations_and_numbered_headings_are_bookmarked(demo, manuscript):
    body = manuscript.element.body
    bookmarks = {b.get(qn("w:name")): b for b in body.iter(qn("w:bookmarkStart"))}
    expected = ({blocks.anchor(b.table.id) for b in demo.exhibits.paper + demo.exhibits.extra if b.table.id != "diagnostics"}
                | {blocks.anchor(b.figure.id) for b in demo.figures}
                | {blocks.anchor(eq) for eq in demo.equations}
                | {blocks.anchor(h.id) for h in demo.manuscript.blocks if isinstance(h, blocks.Heading)})
    assert expected <= set(bookmarks)
    assert len({b.get(qn("w:id")) for b in bookmarks.values()}) == len(bookmarks)  # ids unique
    for table in demo.tables[:9]:  # the bookmark holds the caption's SEQ field, whose result is the number
        start = bookmarks[blocks.anchor(table.table.id)]
        field = start.getnext()
        assert "SEQ Table" in "".join(t.text for t in start.getparent().iter(qn("w:instrText")))
        shown = []
        while field.tag != qn("w:bookmarkEnd"):
            shown += [t.text for t in field.iter(qn("w:t"))]
            field = field.getnext()
        assert "".join(shown) == str(table.number)


def test_references_in_the_text_are_ref_fields_showing_the_printed_name(manuscript):
    body = manuscript.element.body
    names = {b.get(qn("w:name")) for b in body.iter(qn("w:bookmarkStart"))}
    fields = [p for p in body.iter(qn("w:p")) if any(" REF " in t.text for t in p.iter(qn("w:instrText")))]
    targets = [re.search(r"REF (\S+)", t.text).group(1) for p in fields for t in p.iter(qn("w:instrText")) if " REF " in t.text]
    assert len(targets) >= 15 and set(targets) <= names
    text = "\n".join(p.text for p in manuscript.paragraphs)
    assert "as Table 5 reports" in text and "Figure 1 shows the yearly means" in text
    assert "ref_table5" not in text and "\x02" not in text


def test_each_equation_is_one_math_object_with_a_seq_number_at_the_right_margin(demo, manuscript):
    equations = [p for p in manuscript.element.body.iter(qn("w:p")) if p.find(f"{MATH}oMath") is not None]
    assert len(equations) == len(demo.equations)
    for paragraph, number in zip(equations, demo.equations.values(), strict=True):
        assert len(paragraph.findall(f"{MATH}oMath")) == 1
        assert "SEQ Equation" in "".join(t.text for t in paragraph.iter(qn("w:instrText")))
        text = "".join(t.text for t in paragraph.iter(qn("w:t")))
        assert text.endswith(f"({number})")
        stops = paragraph.findall(f"{qn('w:pPr')}/{qn('w:tabs')}/{qn('w:tab')}")
        assert [s.get(qn("w:val")) for s in stops] == ["center", "right"]
    system = [p for p, eq in zip(equations, demo.equations, strict=True) if eq.startswith("eq:system")]
    assert [len(p.find(f"{MATH}oMath/{MATH}eqArr").findall(f"{MATH}e")) for p in system] == [3, 3]  # lines in one display
    for paragraph in system:  # the lines align on the "=" and on each continuation's leading "+"
        rows = paragraph.find(f"{MATH}oMath/{MATH}eqArr").findall(f"{MATH}e")
        aligned = [[r.findtext(f"{MATH}t") for r in row.findall(f"{MATH}r") if r.find(f"{MATH}rPr/{MATH}aln") is not None]
                   for row in rows]
        assert aligned == [["="], ["+"], ["+"]]


def _paragraphs_kept(row) -> bool:
    return all(p.find(f"{qn('w:pPr')}/{qn('w:keepNext')}") is not None for p in row.iter(qn("w:p")))


def test_a_coefficient_is_kept_with_its_bracket_row_and_a_short_table_with_its_caption(manuscript):
    table7 = next(t for t in manuscript.tables if t.rows[0].cells[1].text.strip() == "OLS")._tbl
    rows = table7.tr_lst
    assert all(_paragraphs_kept(row) for row in rows)  # notes follow, so even the last row is kept with them
    caption = table7.getprevious()
    assert caption.find(f".//{qn('w:instrText')}") is not None and _style_id(caption) == "Caption"


def test_a_table_longer_than_a_page_continues_on_the_next_under_a_continued_caption(demo, manuscript):
    captions = [p.text for p in manuscript.paragraphs if p.style.name == "Caption"]
    continued = [c for c in captions if c.endswith("(continued)")]
    assert "Table 4 (continued)" in continued  # 45 rows of indicators
    body = list(manuscript.element.body)
    for paragraph in manuscript.paragraphs:
        if paragraph.text.endswith("(continued)"):
            assert paragraph.paragraph_format.page_break_before
            following = body[body.index(paragraph._p) + 1]
            assert following.tag == qn("w:tbl")
            assert following.tr_lst[0].trPr.find(qn("w:tblHeader")) is not None
            assert _style_id(following.tr_lst[-1].tc_lst[-1].find(qn("w:p"))) == "TableText"


def _chinese_document(profile: str) -> WordDocument:
    doc = blocks.Document("标题", "", "", "", (blocks.Heading("引言", 1, "introduction", "1"),
                                             blocks.Paragraph("正文 text。"),
                                             blocks.TableBlock(coefficient_table(), 1)),
                          language="zh", profile=profile)
    return WordDocument(io.BytesIO(render_document(doc, {})))


def test_chinese_documents_set_songti_and_the_chinese_core_sizes_through_the_styles():
    document = _chinese_document("chinese-core")
    styles = document.styles
    normal = styles["Normal"].element.rPr
    fonts = normal.find(qn("w:rFonts"))
    assert (fonts.get(qn("w:ascii")), fonts.get(qn("w:hAnsi")), fonts.get(qn("w:eastAsia"))) == \
        ("Times New Roman", "Times New Roman", "SimSun")
    assert normal.find(qn("w:lang")).get(qn("w:eastAsia")) == "zh-CN"
    assert styles["Heading 1"].element.rPr.rFonts.get(qn("w:eastAsia")) == "SimHei"
    assert (styles["Normal"].font.size, styles["Table Text"].font.size, styles["Table Note"].font.size) == \
        (Pt(10.5), Pt(9), Pt(9))  # 五号 body, 小五 tables and notes
    assert styles["Normal"].paragraph_format.first_line_indent == Pt(21)  # two characters
    assert styles["Table Text"].paragraph_format.first_line_indent == 0
    caption = next(p for p in document.paragraphs if p.style.name == "Caption")
    assert caption.text == f"表1 {coefficient_table().title}"
    for properties in document.element.body.iter(qn("w:rPr")):  # nothing per run
        assert properties.find(qn("w:rFonts")) is None and properties.find(qn("w:sz")) is None


def test_english_and_generic_documents_keep_the_reference_sizes():
    generic = _chinese_document("generic").styles
    assert (generic["Normal"].font.size, generic["Table Text"].font.size) == (Pt(12), Pt(10))
    english = WordDocument(io.BytesIO(render_document(blocks.Document("Title", "", "", "", ()), {}))).styles
    assert english["Normal"].element.rPr.find(qn("w:lang")) is None


def test_a_long_table_is_cut_only_between_whole_coefficients():
    from report.docx import _entries, _fit, _is_bracket_row, _page_parts, _template
    document = _template(None)
    table = coefficient_table()
    fit = _fit(document, table)
    for budget in range(40, 400, 7):  # points: every way a page could cut it
        parts = _page_parts(table, fit, budget)
        assert [e for part in parts for e in part] == _entries(table)
        for part in parts[1:]:
            assert not _is_bracket_row(part[0]) and not isinstance(part[-1], str)
    assert len(_page_parts(indicator_table(), _fit(document, indicator_table()), 500)) == 2


@pytest.fixture(scope="module")
def real():
    study, panel = examples.real_study(), examples.real_panel()
    return assemble(run(study, panel), study, Narrative())


@pytest.mark.slow
@pytest.mark.parametrize("example", ["demo", "real"])
def test_libreoffice_never_puts_a_coefficient_and_its_bracket_on_different_pages(example, request, tmp_path):
    """Both examples' manuscripts through LibreOffice (the real one with landscape tables): every bracket line of
    Tables 7-9 is on the page of its coefficient, and every continued caption starts a page."""
    demo = request.getfixturevalue(example)
    soffice = require_tool("soffice", "libreoffice-writer-nogui libreoffice-math")
    pdftotext = require_tool("pdftotext", "poppler-utils")
    (tmp_path / "manuscript.docx").write_bytes(render(demo, ("docx",))["manuscript.docx"])
    subprocess.run([soffice, f"-env:UserInstallation=file://{tmp_path}/profile", "--headless", "--convert-to", "pdf",
                    "manuscript.docx"], cwd=tmp_path, capture_output=True, timeout=300, check=True)
    pages = subprocess.run([pdftotext, "-layout", "manuscript.pdf", "-"], cwd=tmp_path, capture_output=True,
                           text=True).stdout.split("\f")
    pairs = [(block.table.id, coefficient, bracket) for block in demo.tables[:9]
             for coefficient, bracket in _pairs([row for _, row in block.table.rows()])]
    assert len(pairs) >= 24  # Tables 7, 8 and 9
    for table_id, coefficient, bracket in pairs:
        numbers = _row_pattern(coefficient)
        on = [(k, m.end()) for k, page in enumerate(pages) for m in numbers.finditer(page)]
        assert len(on) == 1, (table_id, coefficient.label)  # the coefficient line, found once
        page, end = on[0]
        following = pages[page][end:].splitlines()[1:4]  # a wrapped label may put a line between them
        assert any(_row_pattern(bracket).search(line) for line in following), (table_id, coefficient.label)
    for page in pages:
        lines = [line.strip() for line in page.splitlines() if line.strip()]
        if any(line.endswith("(continued)") for line in lines):
            assert lines[0].endswith("(continued)")


def _pairs(rows):
    """Each coefficient row with the bracket row under it."""
    return [(row, under) for row, under in itertools.pairwise(rows)
            if row.label.strip() and not under.label.strip() and any(c.brackets for c in under.cells)]


def _row_pattern(row) -> re.Pattern:
    """A row's printed numbers in order on one line of the PDF's text."""
    printed = ["".join(c.parts("−")) for c in row.cells if c.text]
    return re.compile(r"\s+".join(re.escape(text) + r"\S*" for text in printed) + r"[^\n]*$", re.MULTILINE)
