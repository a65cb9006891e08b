"""Word output: tables in the academic three-line layout, and whole documents built on the reference template.

Heavy rules above the header and under the last row, thin rules under the header, under each
spanner (across its span only) and above the rows that ask for one; no other borders. Fonts and
paragraph formats are set on every run and cell paragraph, so a template's body style never leaks in.
Numbers sit on a decimal tab; a table too wide for the page in 10 pt is set in a smaller size.
"""
from __future__ import annotations

import io
import re
from copy import deepcopy
from datetime import datetime
from functools import lru_cache
from pathlib import Path

from docx import Document
from docx.enum.text import WD_COLOR_INDEX
from docx.oxml import parse_xml
from docx.shared import Inches
from lxml import etree
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt, Twips
from docx.text.paragraph import Paragraph

from analysis.errors import UserError
from analysis.figures import PX_PER_INCH, WIDTH
from analysis.table import Cell, Table
from report import document as blocks
from report import docx_text
from report.omml import omml
from report.strings import ENGLISH, words
from report.cells import MINUS, display_width, width_cap

LATIN_FONT = "Times New Roman"
EAST_ASIAN_FONT = "SimSun"
TABLE_SIZE = Pt(10)
SMALLEST_SIZE = Pt(7)  # a table too wide at TABLE_SIZE is set smaller, down to this
NOTE_SIZE = Pt(9)
HEAVY_RULE = 12  # eighths of a point: 1.5 pt
THIN_RULE = 4  # 0.5 pt
CELL_MARGIN = Twips(108)  # left and right, Word's default
CHARACTER = Pt(5.5)  # the average width of a character of 10 pt table text, for sizing columns
MIN_WRAPPED = 12  # characters: the narrowest a wrapping text column gets
REFERENCE = Path(__file__).resolve().parent.parent / "templates" / "reference.docx"

_EDGES = ("top", "left", "bottom", "right", "insideH", "insideV")
_TBL_PR_AFTER_BORDERS = ("w:shd", "w:tblLayout", "w:tblCellMar", "w:tblLook", "w:tblCaption", "w:tblDescription")
_TBL_PR_AFTER_MARGINS = ("w:tblLook", "w:tblCaption", "w:tblDescription")
_P_PR_AFTER_BORDERS = ("w:shd", "w:tabs", "w:suppressAutoHyphens", "w:kinsoku", "w:wordWrap", "w:overflowPunct",
                       "w:topLinePunct", "w:autoSpaceDE", "w:autoSpaceDN", "w:bidi", "w:adjustRightInd", "w:snapToGrid",
                       "w:spacing", "w:ind", "w:contextualSpacing", "w:mirrorIndents", "w:suppressOverlap", "w:jc",
                       "w:textDirection", "w:textAlignment", "w:textboxTightWrap", "w:outlineLvl", "w:divId",
                       "w:cnfStyle", "w:rPr", "w:sectPr", "w:pPrChange")
_TC_PR_AFTER_BORDERS = ("w:shd", "w:noWrap", "w:tcMar", "w:textDirection", "w:tcFitText", "w:vAlign", "w:hideMark")


def add_table(document, table: Table, number: int, word: str = ENGLISH["table"]) -> None:
    """Caption "Table N. Title" (word and number as the Report gives them), the three-line table, then its notes."""
    _add_caption(document, table, number, word)
    group_rows = sum(1 for g in table.groups if g.label.strip())
    body_rows = group_rows + sum(len(g.rows) for g in table.groups)
    word_table = document.add_table(rows=len(table.header) + body_rows, cols=table.ncols + 1)
    section = document.sections[-1]
    available = section.page_width - section.left_margin - section.right_margin
    size = _fitting_size(table, available)
    widths = _column_widths(table, available, size)
    _layout(word_table, table, widths)
    _fill_header(word_table, table, size)
    tabs = [_decimal_tab([row.cells[j] for _, row in table.rows()], w, size) if table.numeric[j] else None
            for j, w in enumerate(widths[1:])]
    _fill_body(word_table, table, tabs, size, first_row=len(table.header))
    text_style = _style(document, "Table Text")
    if text_style is not None:
        for paragraph in word_table._tbl.iter(qn("w:p")):
            paragraph.style = text_style.style_id
    for note in table.notes:
        paragraph = document.add_paragraph(style=_style(document, "Table Note"))
        _format_paragraph(paragraph, WD_ALIGN_PARAGRAPH.JUSTIFY, NOTE_SIZE)
        _add_run(paragraph, note, NOTE_SIZE)


def tables_document(tables: list[Table], title: str, *, author: str = "", created: datetime | None = None) -> bytes:
    """A .docx of the given tables on the reference template.

    Without created, the template's fixed dates stay, so the same tables give the same XML.
    """
    document = Document(str(REFERENCE))
    document.add_paragraph(_xml_text(title), style=_style(document, "Title"))
    for number, table in enumerate(tables, start=1):
        add_table(document, table, number)
    return _save(document, title, author, created)


def _save(document, title: str, author: str, created: datetime | None) -> bytes:
    properties = document.core_properties
    properties.title = _xml_text(title)
    properties.author = properties.last_modified_by = _xml_text(author)
    if created is not None:
        properties.created = properties.modified = created
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml_text(text: str) -> str:
    """Text Word can hold: control characters pasted from other programs (illegal in XML) become spaces."""
    return _NOT_XML.sub(" ", text)


def _style(document, name: str):
    """A style of the document's template, or None (Normal) when the template lacks it."""
    return document.styles[name] if name in document.styles else None


def _add_caption(document, table: Table, number: int, word: str) -> None:
    """"Table N." in bold with N a SEQ field, as Word numbers its own captions, then the title."""
    paragraph = document.add_paragraph(style=_style(document, "Caption"))
    _format_paragraph(paragraph, WD_ALIGN_PARAGRAPH.CENTER, TABLE_SIZE)
    paragraph.paragraph_format.space_before = Pt(12)
    paragraph.paragraph_format.space_after = Pt(6)
    paragraph.paragraph_format.keep_with_next = True
    _add_run(paragraph, f"{word} ", TABLE_SIZE, bold=True)
    _add_field(paragraph, "SEQ Table \\* ARABIC", str(number), TABLE_SIZE, bold=True)
    _add_run(paragraph, ".", TABLE_SIZE, bold=True)
    _add_run(paragraph, " " + table.title, TABLE_SIZE)


def _add_field(paragraph, instruction: str, result: str, size, **emphasis) -> None:
    """A Word field: its code, and the result shown until Word updates the field."""
    code = OxmlElement("w:instrText")
    code.set(qn("xml:space"), "preserve")
    code.text = f" {instruction} "
    for part in (_field_char("begin"), code, _field_char("separate"), None, _field_char("end")):
        run = _run_element(result if part is None else None, size, **emphasis)
        if part is not None:
            run.append(part)
        paragraph._p.append(run)


def _field_char(kind: str):
    mark = OxmlElement("w:fldChar")
    mark.set(qn("w:fldCharType"), kind)
    return mark


def _layout(word_table, table: Table, widths: list[int]) -> None:
    """Full text width, the given column widths, no borders, header repeated on each page."""
    word_table.alignment = WD_TABLE_ALIGNMENT.CENTER
    word_table.autofit = True
    properties = word_table._tbl.tblPr
    width = properties.find(qn("w:tblW"))
    width.set(qn("w:type"), "pct")
    width.set(qn("w:w"), "5000")
    borders = OxmlElement("w:tblBorders")
    for edge in _EDGES:
        borders.append(_border(edge, None))
    properties.insert_element_before(borders, *_TBL_PR_AFTER_BORDERS)
    margins = OxmlElement("w:tblCellMar")
    for side in ("left", "right"):
        margin = OxmlElement(f"w:{side}")
        margin.set(qn("w:w"), str(CELL_MARGIN.twips))
        margin.set(qn("w:type"), "dxa")
        margins.append(margin)
    properties.insert_element_before(margins, *_TBL_PR_AFTER_MARGINS)
    for column, column_width in zip(word_table.columns, widths):
        column.width = column_width
    for index, row in enumerate(word_table.rows):
        row_properties = row._tr.get_or_add_trPr()
        row_properties.append(OxmlElement("w:cantSplit"))
        if index < len(table.header):
            row_properties.append(OxmlElement("w:tblHeader"))


def _natural_widths(table: Table) -> list[float]:
    """Characters each column needs on one line: its longest entry, or its numbers aligned on the decimal point."""
    rows = [row for _, row in table.rows()]
    natural = [max(display_width(t) for t in [table.stubhead, *(row.label for row in rows)])]
    for j, label in enumerate(table.column_labels):
        cells = [row.cells[j] for row in rows]
        extent = _number_extent(cells) if table.numeric[j] else None
        natural.append(max([*(display_width(t) for t in [label, *(c.text + c.stars for c in cells)]), sum(extent or ())]))
    return natural


def _wrapping(table: Table) -> list[bool]:
    """Which columns may wrap: the stub and text columns; numbers never do."""
    return [True, *(not numeric for numeric in table.numeric)]


def _character(size) -> float:
    """The average width of a character of table text in the given size."""
    return CHARACTER * size / TABLE_SIZE


def _fitting_size(table: Table, available: int):
    """TABLE_SIZE, or the largest half-point size down to SMALLEST_SIZE at which the numbers and the
    narrowest wrapped text fit the line: a table too wide for the page is set smaller, not cut."""
    size = TABLE_SIZE
    while size > SMALLEST_SIZE and sum(_narrowest_widths(table, size)) > available:
        size = Pt(size.pt - 0.5)
    return size


def _narrowest_widths(table: Table, size) -> list[float]:
    """Each column at its narrowest: numbers and short text on one line, long text wrapped at MIN_WRAPPED."""
    return [(min(n, MIN_WRAPPED) if wrap else n) * _character(size) + 2 * CELL_MARGIN
            for n, wrap in zip(_natural_widths(table), _wrapping(table))]


def _column_widths(table: Table, available: int, size) -> list[int]:
    """Number columns as wide as their aligned numbers; the stub and text columns share the rest and wrap."""
    natural = [n * _character(size) + 2 * CELL_MARGIN for n in _natural_widths(table)]
    narrowest = _narrowest_widths(table, size)
    wraps = _wrapping(table)
    room = available - sum(n for n, wrap in zip(natural, wraps) if not wrap)
    wrappable = [n for n, wrap in zip(natural, wraps) if wrap]
    if sum(wrappable) > room:
        cap = width_cap(wrappable, room)
        natural = [max(min(n, cap), least) if wrap else n for n, least, wrap in zip(natural, narrowest, wraps)]
    return [int(available * n / sum(natural)) for n in natural]


def _number_extent(cells: list[Cell]) -> tuple[float, float] | None:
    """Characters left and right of the decimal point that a column's numbers need; None without numbers."""
    numbers = [(c.parts(), c.stars) for c in cells if c.is_number]
    if not numbers:
        return None
    left = max(len(before) + len(number.partition(".")[0]) for (before, number, _), _ in numbers)
    right = max(len(number) - len(number.partition(".")[0]) + len(after) + 0.6 * len(stars)
                for (_, number, after), stars in numbers)
    return left, right


def _decimal_tab(cells: list[Cell], width: int, size) -> int | None:
    """Where the decimal points of a number column line up so that its widest number sits centred."""
    extent = _number_extent(cells)
    if extent is None:
        return None
    left, right = extent
    character = _character(size)
    return max(int((width - 2 * CELL_MARGIN - (left + right) * character) / 2 + left * character), int(left * character))


def _fill_header(word_table, table: Table, size) -> None:
    """Spanner levels, then the column labels over a thin rule.

    A labelled spanner is underlined by a paragraph border: it stops short of the cell edges by the
    cell margins, so adjacent spanners get separate rules, as booktabs' trimmed cmidrules are.
    """
    for level_index, level in enumerate(table.header):
        row = word_table.rows[level_index]
        last_level = level_index == len(table.header) - 1
        _write(row.cells[0], table.stubhead if last_level else "", WD_ALIGN_PARAGRAPH.LEFT, size)
        start = 1
        for span in level:
            cell = row.cells[start].merge(row.cells[start + span.width - 1]) if span.width > 1 else row.cells[start]
            numeric = any(table.numeric[start - 1:start - 1 + span.width])
            centred = numeric or not last_level
            paragraph = _write(cell, span.label, WD_ALIGN_PARAGRAPH.CENTER if centred else WD_ALIGN_PARAGRAPH.LEFT, size)
            if span.label.strip() and not last_level:
                _underline(paragraph)
            start += span.width
        for cell in row.cells:
            cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.BOTTOM
            if level_index == 0:
                _rule(cell, "top", HEAVY_RULE)
            if last_level:
                _rule(cell, "bottom", THIN_RULE)


def _fill_body(word_table, table: Table, tabs: list[int | None], size, first_row: int) -> None:
    """Group labels as italic rows merged across the table; rules above the rows that ask for one."""
    index = first_row
    for group in table.groups:
        if group.label.strip():
            cells = word_table.rows[index].cells
            _write(cells[0].merge(cells[-1]), group.label, WD_ALIGN_PARAGRAPH.LEFT, size, italic=True)
            index += 1
        for row in group.rows:
            cells = word_table.rows[index].cells
            _write(cells[0], row.label, WD_ALIGN_PARAGRAPH.LEFT, size)
            for cell, content, numeric, tab in zip(cells[1:], row.cells, table.numeric, tabs):
                _write_cell(cell, content, numeric, tab, size)
            if row.rule_above:
                for cell in cells:
                    _rule(cell, "top", THIN_RULE)
            index += 1
    for cell in word_table.rows[-1].cells:
        _rule(cell, "bottom", HEAVY_RULE)


def _write_cell(cell, content: Cell, numeric: bool, tab: int | None, size) -> None:
    """Numbers on a decimal tab with a true minus sign and superscript stars; text left-aligned."""
    if not numeric:
        _write(cell, content.text + content.stars, WD_ALIGN_PARAGRAPH.LEFT, size)
        return
    number = tab is not None and content.is_number
    paragraph = _write(cell, "".join(content.parts(MINUS)), WD_ALIGN_PARAGRAPH.LEFT if number else WD_ALIGN_PARAGRAPH.CENTER, size)
    if number:
        # Word and LibreOffice align a table cell on its decimal tab without a tab character.
        paragraph.paragraph_format.tab_stops.add_tab_stop(tab, WD_TAB_ALIGNMENT.DECIMAL)
    if content.stars:
        _add_run(paragraph, content.stars, size, superscript=True)


def _write(cell, text: str, alignment, size, *, italic: bool = False):
    """The cell's only paragraph, formatted explicitly, holding text."""
    paragraph = cell.paragraphs[0]
    _format_paragraph(paragraph, alignment, size)
    if text:
        _add_run(paragraph, text, size, italic=italic)
    return paragraph


def _format_paragraph(paragraph, alignment, size) -> None:
    """No indents, no spacing, single lines; the paragraph mark gets the fonts so empty cells keep the row height."""
    if paragraph._p.pPr is None:  # a new paragraph, as every table cell's: a copy of the properties made once
        paragraph._p.insert(0, deepcopy(_paragraph_properties(alignment, size)))
        return
    _set_paragraph_format(paragraph, alignment, size)


@lru_cache(maxsize=None)
def _paragraph_properties(alignment, size):
    paragraph = Paragraph(OxmlElement("w:p"), None)
    _set_paragraph_format(paragraph, alignment, size)
    return paragraph._p.pPr


def _set_paragraph_format(paragraph, alignment, size) -> None:
    fmt = paragraph.paragraph_format
    fmt.first_line_indent = fmt.left_indent = fmt.right_indent = Pt(0)
    fmt.space_before = fmt.space_after = Pt(0)
    fmt.line_spacing_rule = WD_LINE_SPACING.SINGLE
    fmt.alignment = alignment
    mark = paragraph._p.get_or_add_pPr()
    mark.append(_run_properties(size))


def _add_run(paragraph, text: str, size, **emphasis) -> None:
    paragraph._p.append(_run_element(text, size, **emphasis))


def _run_element(text: str | None, size, *, bold: bool = False, italic: bool = False, superscript: bool = False):
    """A run with its properties and, unless text is None, its text."""
    run = OxmlElement("w:r")
    run.append(_run_properties(size, bold=bold, italic=italic, superscript=superscript))
    if text is not None:
        content = OxmlElement("w:t")
        content.set(qn("xml:space"), "preserve")
        content.text = _xml_text(text)
        run.append(content)
    return run


def _run_properties(size, *, bold: bool = False, italic: bool = False, superscript: bool = False):
    """Every font slot named: Latin and complex script in Times New Roman, East Asian in the CJK font."""
    properties = OxmlElement("w:rPr")
    fonts = OxmlElement("w:rFonts")
    for slot, font in (("w:ascii", LATIN_FONT), ("w:hAnsi", LATIN_FONT), ("w:eastAsia", EAST_ASIAN_FONT), ("w:cs", LATIN_FONT)):
        fonts.set(qn(slot), font)
    properties.append(fonts)
    for tag, wanted in (("w:b", bold), ("w:i", italic)):
        flag = OxmlElement(tag)
        flag.set(qn("w:val"), "1" if wanted else "0")
        properties.append(flag)
    for tag in ("w:sz", "w:szCs"):
        half_points = OxmlElement(tag)
        half_points.set(qn("w:val"), str(int(size.pt * 2)))
        properties.append(half_points)
    if superscript:
        position = OxmlElement("w:vertAlign")
        position.set(qn("w:val"), "superscript")
        properties.append(position)
    return properties


def _border(edge: str, size: int | None):
    """A single black rule of size eighths of a point, or no border at all."""
    element = OxmlElement(f"w:{edge}")
    element.set(qn("w:val"), "single" if size else "nil")
    if size:
        element.set(qn("w:sz"), str(size))
        element.set(qn("w:space"), "0")
        element.set(qn("w:color"), "000000")
    return element


def _underline(paragraph) -> None:
    """A thin rule under a paragraph, within the cell margins."""
    borders = OxmlElement("w:pBdr")
    rule = _border("bottom", THIN_RULE)
    rule.set(qn("w:space"), "1")
    borders.append(rule)
    paragraph._p.get_or_add_pPr().insert_element_before(borders, *_P_PR_AFTER_BORDERS)


def _rule(cell, edge: str, size: int) -> None:
    """A rule on one edge of a cell, replacing any rule set there before."""
    properties = cell._tc.get_or_add_tcPr()
    borders = properties.find(qn("w:tcBorders"))
    if borders is None:
        borders = OxmlElement("w:tcBorders")
        properties.insert_element_before(borders, *_TC_PR_AFTER_BORDERS)
    old = borders.find(qn(f"w:{edge}"))
    if old is not None:
        borders.remove(old)
    borders.append(_border(edge, size))
    _order_edges(borders)


def _order_edges(borders) -> None:
    """tcBorders children in the schema's order: top, left (start), bottom, right (end)."""
    order = {qn(f"w:{edge}"): i for i, edge in enumerate(("top", "start", "left", "bottom", "end", "right", "insideH", "insideV"))}
    for child in sorted(borders, key=lambda c: order.get(c.tag, 99)):
        borders.append(child)


# --- Whole documents ---------------------------------------------------------------------------------------------

def _template(reference: bytes | None):
    """A new document on the reference template: the author's own, if given."""
    try:
        return Document(io.BytesIO(reference)) if reference else Document(str(REFERENCE))
    except Exception as error:  # python-docx raises several kinds for a file that is not a Word document
        raise UserError(f"the Word reference document could not be read ({type(error).__name__}); "
                        "upload a .docx saved by Word or LibreOffice") from None


def word_tables(table_blocks, *, reference: bytes | None = None, language: str = "en") -> dict[str, list]:
    """Each table's caption, table and notes as Word XML, built once on the template and copied into every document."""
    scratch = _template(reference)
    body = scratch.element.body
    built = {}
    for block in table_blocks:
        start = len(_content(body))
        add_table(scratch, block.table, block.number, words(language)["table"])
        built[block.table.id] = _content(body)[start:]
    return built


def _content(body) -> list:
    """The body's block elements, without its closing section properties."""
    return [child for child in body if child.tag != qn("w:sectPr")]


def render_document(doc: blocks.Document, images: dict[str, bytes], *, reference: bytes | None = None,
                    created: datetime | None = None, tables: dict[str, list] | None = None) -> bytes:
    """The document on the reference template; images holds each figure's PNG by id, tables any word_tables built
    on the same template, which are copied instead of built again."""
    document = _template(reference)
    w = words(doc.language)
    _front_matter(document, doc, w)
    writers = _BLOCK_WRITERS | docx_text.WRITERS  # the author's text, front and back matter
    for block in blocks.labelled(doc):
        if isinstance(block, blocks.TableBlock) and tables and block.table.id in tables:
            _copy(document, tables[block.table.id])
        else:
            writers[type(block)](document, block, images, w)
    return _save(document, doc.title, doc.authors, created)


def _copy(document, elements: list) -> None:
    """Copies of built elements at the end of the document's body."""
    body = document.element.body
    end = body.find(qn("w:sectPr"))
    for element in elements:
        if end is None:
            body.append(deepcopy(element))
        else:
            end.addprevious(deepcopy(element))


def _front_matter(document, doc: blocks.Document, w: dict) -> None:
    document.add_paragraph(_xml_text(doc.title), style=_style(document, "Title"))
    for text, italic in ((doc.authors, False), (doc.affiliations, True)):
        if text:
            paragraph = document.add_paragraph()
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
            paragraph.paragraph_format.first_line_indent = Pt(0)
            paragraph.add_run(_xml_text(text)).italic = italic
    if doc.synthetic:
        _marked(document, w["synthetic"])


def _marked(document, text: str) -> None:
    """A paragraph highlighted in yellow: what the author must still write or know."""
    paragraph = document.add_paragraph()
    paragraph.paragraph_format.first_line_indent = Pt(0)
    run = paragraph.add_run(_xml_text(text))
    run.bold = True
    run.font.highlight_color = WD_COLOR_INDEX.YELLOW


def _write_heading(document, block: blocks.Heading, images, w) -> None:
    document.add_heading(_xml_text(block.text), level=block.level)


def _write_paragraph(document, block: blocks.Paragraph, images, w) -> None:
    document.add_paragraph(_xml_text(blocks.plain(block.text)))


def _write_placeholder(document, block: blocks.Placeholder, images, w) -> None:
    _marked(document, f"{w['placeholder'].format(section=block.printed)} {block.prompt}")


def _write_equation(document, block: blocks.Equation, images, w) -> None:
    """Each line centred as Office Math; the number at the right margin of the last line."""
    section = document.sections[-1]
    right = section.page_width - section.left_margin - section.right_margin
    names = {blocks.name_marker(k): name for k, name in enumerate(block.names)}
    for k, line in enumerate(block.lines):
        paragraph = document.add_paragraph()
        fmt = paragraph.paragraph_format
        fmt.first_line_indent = Pt(0)
        fmt.tab_stops.add_tab_stop(right // 2, WD_TAB_ALIGNMENT.CENTER)
        fmt.tab_stops.add_tab_stop(right, WD_TAB_ALIGNMENT.RIGHT)
        fmt.keep_with_next = k < len(block.lines) - 1
        paragraph.add_run("\t")
        paragraph._p.append(parse_xml(etree.tostring(omml(line, names))))
        if k == len(block.lines) - 1:
            paragraph.add_run(f"\t({block.number})")


def _write_table(document, block: blocks.TableBlock, images, w) -> None:
    add_table(document, block.table, block.number, w["table"])


def _write_figure(document, block: blocks.FigureBlock, images, w) -> None:
    """The PNG at its print width (at most the text width), caption "Figure N. Title" below, then the notes."""
    figure = block.figure
    section = document.sections[-1]
    available = section.page_width - section.left_margin - section.right_margin
    width = min(available, Inches(WIDTH[figure.width] / PX_PER_INCH))
    picture = document.add_paragraph()
    picture.alignment = WD_ALIGN_PARAGRAPH.CENTER
    picture.paragraph_format.first_line_indent = Pt(0)
    picture.paragraph_format.keep_with_next = True
    picture.add_run().add_picture(io.BytesIO(images[figure.id]), width=width)
    caption = document.add_paragraph(style=_style(document, "Caption"))
    _format_paragraph(caption, WD_ALIGN_PARAGRAPH.CENTER, TABLE_SIZE)
    caption.paragraph_format.space_after = Pt(6)
    _add_run(caption, f"{w['figure']} ", TABLE_SIZE, bold=True)
    _add_field(caption, "SEQ Figure \\* ARABIC", str(block.number), TABLE_SIZE, bold=True)
    _add_run(caption, ".", TABLE_SIZE, bold=True)
    _add_run(caption, " " + figure.title, TABLE_SIZE)
    for note in figure.notes:
        paragraph = document.add_paragraph(style=_style(document, "Table Note"))
        _format_paragraph(paragraph, WD_ALIGN_PARAGRAPH.JUSTIFY, NOTE_SIZE)
        _add_run(paragraph, note, NOTE_SIZE)


_BLOCK_WRITERS = {
    blocks.Heading: _write_heading,
    blocks.Paragraph: _write_paragraph,
    blocks.Placeholder: _write_placeholder,
    blocks.Equation: _write_equation,
    blocks.TableBlock: _write_table,
    blocks.FigureBlock: _write_figure,
}
