"""Word output: tables in the academic three-line layout, and whole documents built on the reference template.

Every font and size comes from a named style of the reference document (STYLES, and Normal, Title, Heading 1-3),
so a journal's reference document or a restyle of a style changes every paragraph that uses it; runs carry only
what the content means (bold labels, italic group labels, superscript stars). A reference document without one
of the styles gets the shipped one.

Tables: heavy rules above the header and under the last row, thin rules under the header, under each spanner
(across its span only) and above the rows that ask for one; no other borders. Numbers sit on a decimal tab. Rows
never split, the header repeats, a coefficient stays with the bracket under it, and a table that fits a page is
kept whole with its caption; a longer one is cut into page-sized parts, each after the next starting a page under
"Table N (continued)". A table too wide for the page wraps its headers, then turns to a landscape page, then
takes the smaller table style; it is never set below 8 pt.

Captions, equation numbers and numbered headings carry bookmarks (report.document.anchor); references in the text
are REF fields to them whose shown result is the printed number.
"""
from __future__ import annotations

import io
import math
import re
import zlib
from copy import deepcopy
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_COLOR_INDEX, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import qn
from docx.shared import Emu, Inches, Pt, Twips
from lxml import etree

from analysis.catalogue import words as catalogue
from analysis.errors import Problem, UserError
from analysis.figures import PX_PER_INCH, WIDTH
from analysis.table import Cell, Row, Table
from report import document as blocks
from report import docx_text
from report.cells import MINUS, display_width
from report.omml import display
from report.strings import words

REFERENCE = Path(__file__).resolve().parent.parent / "templates" / "reference.docx"
STYLES = ("Caption", "Caption Label", "Table Text", "Table Text Small", "Table Note", "Equation", "Bibliography",
          "Footnote Text")
SMALLEST_SIZE = Pt(8)  # Table Text Small's size in the shipped reference; a table is never set smaller
DEFAULT_SIZE = Pt(10)  # Word's size where neither a style nor the document's defaults give one
HEAVY_RULE = 12  # eighths of a point: 1.5 pt
THIN_RULE = 4  # 0.5 pt
CELL_MARGIN = Twips(108)  # left and right, Word's default
CHARACTER = 0.55  # the average width of a character of table text, in ems, for sizing columns
LINE = 1.2  # the height of a line of text, in ems, for cutting a long table into pages
PAGE_FILL = 0.92  # the share of a page's text height a table part may take: room for the estimates' error
MIN_WRAPPED = 12  # characters: the narrowest a wrapping text column gets
LATIN_FONT = "Times New Roman"
CHINESE_FONTS = {"body": "SimSun", "heading": "SimHei"}  # 宋体 for text, 黑体 for headings
PROFILE_SIZES = {"chinese-core": {"Normal": 10.5, "Table Text": 9, "Table Note": 9, "Caption": 9, "Equation": 10.5,
                                  "Bibliography": 9, "Footnote Text": 9}}  # 五号 body, 小五 tables, notes, references

_EDGES = ("top", "left", "bottom", "right", "insideH", "insideV")
_TBL_PR_AFTER_BORDERS = ("w:shd", "w:tblLayout", "w:tblCellMar", "w:tblLook", "w:tblCaption", "w:tblDescription")
_TBL_PR_AFTER_MARGINS = ("w:tblLook", "w:tblCaption", "w:tblDescription")
_P_PR_AFTER_BORDERS = ("w:shd", "w:tabs", "w:suppressAutoHyphens", "w:kinsoku", "w:wordWrap", "w:overflowPunct",
                       "w:topLinePunct", "w:autoSpaceDE", "w:autoSpaceDN", "w:bidi", "w:adjustRightInd", "w:snapToGrid",
                       "w:spacing", "w:ind", "w:contextualSpacing", "w:mirrorIndents", "w:suppressOverlap", "w:jc",
                       "w:textDirection", "w:textAlignment", "w:textboxTightWrap", "w:outlineLvl", "w:divId",
                       "w:cnfStyle", "w:rPr", "w:sectPr", "w:pPrChange")
_P_PR_AFTER_KEEP = ("w:keepLines", "w:pageBreakBefore", "w:framePr", "w:widowControl", "w:numPr",
                    "w:suppressLineNumbers", "w:pBdr", *_P_PR_AFTER_BORDERS)
_TC_PR_AFTER_BORDERS = ("w:shd", "w:noWrap", "w:tcMar", "w:textDirection", "w:tcFitText", "w:vAlign", "w:hideMark")


# --- Paragraphs of inline parts ----------------------------------------------------------------------------------

def write_inline(paragraph, parts: list) -> None:
    """Each part of a paragraph's text into the paragraph: a str as a run, a Reference as a REF field to its bookmark
    whose result is the printed number, so the text reads right before Word updates its fields."""
    for part in parts:
        _INLINE_WRITERS[type(part)](paragraph._p, part)


def _write_text(p, text: str) -> None:
    p.append(_run(text))


def _write_reference(p, reference: blocks.Reference) -> None:
    before, number, after = reference.printed.rpartition(reference.number)
    if not number:  # a name that does not print its number: the name alone
        p.append(_run(reference.printed))
        return
    if before:
        p.append(_run(before))
    _add_field(p, f"REF {reference.anchor} \\h", number)
    if after:
        p.append(_run(after))


_INLINE_WRITERS = {str: _write_text, blocks.Reference: _write_reference}


def _run(text: str | None, *, style: str = "", bold: bool = False, italic: bool = False, superscript: bool = False):
    """A run holding text (none for a field's marks), with a character style or emphasis only where given."""
    run = OxmlElement("w:r")
    if style or bold or italic or superscript:
        properties = OxmlElement("w:rPr")
        if style:
            properties.append(_valued("w:rStyle", style))
        for tag, wanted in (("w:b", bold), ("w:i", italic)):
            if wanted:
                properties.append(OxmlElement(tag))
        if superscript:
            properties.append(_valued("w:vertAlign", "superscript"))
        run.append(properties)
    for piece in re.split("([\t\n])", text or ""):  # tabs and line breaks as Word's own elements, as Word writes them
        if piece in _BREAKS:
            run.append(OxmlElement(_BREAKS[piece]))
        elif piece:
            content = OxmlElement("w:t")
            content.set(qn("xml:space"), "preserve")
            content.text = _xml_text(piece)
            run.append(content)
    return run


_BREAKS = {"\t": "w:tab", "\n": "w:br"}


def _valued(tag: str, value: str):
    element = OxmlElement(tag)
    element.set(qn("w:val"), value)
    return element


def _add_field(p, instruction: str, result: str, **emphasis) -> None:
    """A Word field: its code, and the result shown until Word updates the field."""
    code = OxmlElement("w:instrText")
    code.set(qn("xml:space"), "preserve")
    code.text = f" {instruction} "
    for part in (_field_char("begin"), code, _field_char("separate"), None, _field_char("end")):
        run = _run(result if part is None else None, **emphasis)
        if part is not None:
            run.append(part)
        p.append(run)


def _field_char(kind: str):
    return _attributed("w:fldChar", fldCharType=kind)


def _attributed(tag: str, **attributes):
    element = OxmlElement(tag)
    for name, value in attributes.items():
        element.set(qn(f"w:{name}"), value)
    return element


def _bookmarked(p, name: str, write) -> None:
    """What write(p) appends to the paragraph, enclosed in the bookmark name (its id derived from the name, so
    elements built apart and copied together keep distinct ids)."""
    mark = str(zlib.crc32(name.encode()) & 0x7FFFFFFF)
    p.append(_attributed("w:bookmarkStart", id=mark, name=name))
    write(p)
    p.append(_attributed("w:bookmarkEnd", id=mark))


_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml_text(text: str) -> str:
    """Text Word can hold: control characters pasted from other programs (illegal in XML) become spaces."""
    return _NOT_XML.sub(" ", text)


def _paragraph(document, style: str, alignment=None):
    """A new paragraph at the end of the body in a named style, its alignment set only where given."""
    paragraph = document.add_paragraph(style=document.styles[style])
    if alignment is not None:
        paragraph.alignment = alignment
    return paragraph


def _label_parts(pattern: str, **values) -> tuple[str, str]:
    """The text of a catalogue pattern before and after its {number}: ("Table ", "") from "{word} {number}"."""
    before, _, after = pattern.partition("{number}")
    return before.format(**values), after.format(**values)


# --- Tables ------------------------------------------------------------------------------------------------------

def add_table(document, table: Table, number: int, language: str = "en") -> None:
    """Caption "Table N. Title", the three-line table (in page-sized parts under continued captions when it is
    longer than a page, on a landscape page when it is too wide), then its notes."""
    _ensure_styles(document)
    w = words(language)
    fit = _fit(document, table)
    if fit.landscape:
        _section_break(document, landscape=False)
    _add_caption(document, table.id, number, table.title, "table", language, table.subtitle)
    header_height = _header_height(table, fit)
    parts = _page_parts(table, fit, fit.text_height * PAGE_FILL - header_height - 3 * fit.size.pt * LINE)
    tabs = [_decimal_tab([row.cells[j] for _, row in table.rows()], width, fit.size) if table.numeric[j] else None
            for j, width in enumerate(fit.widths[1:])]
    for k, entries in enumerate(parts):
        if k:
            caption = _paragraph(document, "Caption")
            caption.paragraph_format.page_break_before = True
            caption._p.append(_run(w["continued"].format(title=w["ref"].format(word=w["table"], number=number)),
                                   style=document.styles["Caption Label"].style_id))
        last = k == len(parts) - 1
        _add_table_part(document, table, entries, fit, tabs, keep_with_notes=last and bool(table.notes))
    paragraph = None
    for k, note in enumerate(table.notes):
        paragraph = _paragraph(document, "Table Note")
        paragraph.paragraph_format.keep_with_next = k < len(table.notes) - 1
        paragraph._p.append(_run(note))
    if fit.landscape:
        _section_break(document, landscape=True, last=paragraph)


def tables_document(tables: list[Table], title: str, *, author: str = "", created: datetime | None = None) -> bytes:
    """A .docx of the given tables on the reference template.

    Without created, the template's fixed dates stay, so the same tables give the same XML.
    """
    document = Document(str(REFERENCE))
    document.add_paragraph(_xml_text(title), style=document.styles["Title"])
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


def _add_caption(document, item_id: str, number: int, title: str, kind: str, language: str, english: str = "") -> None:
    """"Table N." in the Caption Label style with N a bookmarked SEQ field, as Word numbers its own captions, then
    the title; the words and punctuation are the language's. A bilingual document's English title follows on a
    caption line of its own, "Table N  Title", as Chinese journals print it."""
    w, style = words(language), catalogue("word", language)
    paragraph = _paragraph(document, "Caption")
    label = document.styles["Caption Label"].style_id
    before, after = _label_parts(w["ref"], word=w[kind])
    p = paragraph._p
    p.append(_run(before, style=label))
    sequence = kind.capitalize()
    _bookmarked(p, blocks.anchor(item_id), lambda q: _add_field(q, f"SEQ {sequence} \\* ARABIC", str(number), style=label))
    p.append(_run(after + style["caption_label_end"], style=label))
    p.append(_run(style["caption_separator"] + title))
    if english:
        en, en_style = words("en"), catalogue("word", "en")
        second = _paragraph(document, "Caption")._p
        second.append(_run(en["ref"].format(word=en[kind], number=number) + en_style["caption_label_end"], style=label))
        second.append(_run(en_style["caption_separator"] + english))


@dataclass(frozen=True)
class _Fit:
    """How a table fits the page: its paragraph style and that style's size, column widths, orientation."""

    style: str
    size: Pt
    widths: list[int]
    landscape: bool
    text_height: float  # points


def _fit(document, table: Table) -> _Fit:
    """Table Text across the page, wrapping headers and long labels; if the numbers and the longest words still do
    not fit, a landscape page; then Table Text Small there; past that the columns squeeze."""
    section = document.sections[-1]
    portrait = (section.page_width - section.left_margin - section.right_margin,
                section.page_height - section.top_margin - section.bottom_margin)
    landscape = portrait[::-1]
    trials = (("Table Text", portrait, False), ("Table Text", landscape, True), ("Table Text Small", landscape, True))
    fitting = [trial for trial in trials if sum(_narrowest_widths(table, _style_size(document, trial[0]))) <= trial[1][0]]
    style, (width, height), turned = fitting[0] if fitting else trials[-1]
    size = _style_size(document, style)
    return _Fit(style, size, _column_widths(table, width, size), turned, Emu(height).pt)


def _style_size(document, name: str) -> Pt:
    """The size a style's text resolves to: its own, its base style's, the document's default."""
    style = document.styles[name]
    while style is not None:
        if style.font.size is not None:
            return style.font.size
        style = style.base_style
    size = document.styles.element.find(f"{qn('w:docDefaults')}/{qn('w:rPrDefault')}/{qn('w:rPr')}/{qn('w:sz')}")
    return Pt(int(size.get(qn("w:val"))) / 2) if size is not None else DEFAULT_SIZE


def _section_break(document, *, landscape: bool, last=None) -> None:
    """End the section with the paragraph last, or a new empty one: it carries the section's properties (the
    document's last section's, turned to landscape if asked), so the next content starts a new page."""
    final = document.element.body.find(qn("w:sectPr"))
    properties = deepcopy(final) if final is not None else OxmlElement("w:sectPr")
    if landscape:
        size = properties.find(qn("w:pgSz"))
        width, height = size.get(qn("w:w")), size.get(qn("w:h"))
        size.set(qn("w:w"), height)
        size.set(qn("w:h"), width)
        size.set(qn("w:orient"), WD_ORIENT.LANDSCAPE.name.lower())
    paragraph = last if last is not None else _paragraph(document, "Table Note")
    paragraph._p.get_or_add_pPr().append(properties)


def _natural_widths(table: Table) -> list[float]:
    """Characters each column needs on one line: its longest entry, or its numbers aligned on the decimal point."""
    rows = [row for _, row in table.rows()]
    natural = [max(display_width(t) for t in [table.stubhead, *(row.label for row in rows)])]
    for j, label in enumerate(table.column_labels):
        cells = [row.cells[j] for row in rows]
        extent = _number_extent(cells) if table.numeric[j] else None
        natural.append(max([*(display_width(t) for t in [label, *(c.text + c.stars for c in cells)]), sum(extent or ())]))
    return natural


def _longest_word(texts) -> int:
    return max((display_width(word) for text in texts for word in text.split()), default=0)


def _least_characters(table: Table) -> list[float]:
    """Characters each column needs at least: numbers on one line, headers and text wrapped at spaces, text columns
    no narrower than MIN_WRAPPED unless all their text is shorter."""
    rows = [row for _, row in table.rows()]
    natural = _natural_widths(table)
    least = [min(natural[0], max(MIN_WRAPPED, _longest_word([table.stubhead, *(row.label for row in rows)])))]
    for j, label in enumerate(table.column_labels):
        cells = [row.cells[j] for row in rows]
        if table.numeric[j]:
            numbers = [c.text + c.stars for c in cells]
            least.append(max(_longest_word([label]), *map(display_width, numbers), sum(_number_extent(cells) or ())))
        else:
            least.append(min(natural[j + 1], max(MIN_WRAPPED, _longest_word([label, *(c.text for c in cells)]))))
    return least


def _character(size) -> float:
    """The average width of a character of table text in the given size, in EMU as every Length."""
    return Pt(CHARACTER * size.pt)


def _narrowest_widths(table: Table, size) -> list[float]:
    return [n * _character(size) + 2 * CELL_MARGIN for n in _least_characters(table)]


def _column_widths(table: Table, available: int, size) -> list[int]:
    """The natural widths stretched to the text width; when they do not fit, each column gets its least width and
    a share of what is left in proportion to what it would need more."""
    natural = [n * _character(size) + 2 * CELL_MARGIN for n in _natural_widths(table)]
    least = _narrowest_widths(table, size)
    if sum(natural) <= available or sum(least) >= available:
        chosen = natural if sum(natural) <= available else least
        return [int(available * n / sum(chosen)) for n in chosen]
    slack, wanted = available - sum(least), [n - m for n, m in zip(natural, least, strict=True)]
    return [int(m + slack * more / sum(wanted)) for m, more in zip(least, wanted, strict=True)]


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


# A table's body as Word rows: a group's label, or one of its rows.
_Entry = str | Row


def _entries(table: Table) -> list[_Entry]:
    out: list[_Entry] = []
    for group in table.groups:
        if group.label.strip():
            out.append(group.label)
        out += group.rows
    return out


def _lines(text: str, width: int, size) -> int:
    """Lines the text takes in a column of the given width."""
    per_line = max(1.0, (width - 2 * CELL_MARGIN) / _character(size))
    return max(1, math.ceil(display_width(text) / per_line))


def _entry_height(entry: _Entry, fit: _Fit) -> float:
    if isinstance(entry, str):
        lines = _lines(entry, sum(fit.widths), fit.size)
    else:
        lines = max(_lines(text, width, fit.size)
                    for text, width in zip([entry.label, *(c.text + c.stars for c in entry.cells)], fit.widths,
                                           strict=True))
    return lines * fit.size.pt * LINE


def _header_height(table: Table, fit: _Fit) -> float:
    height = 0.0
    for level in table.header:
        start, lines = 1, 1
        for span in level:
            lines = max(lines, _lines(span.label, sum(fit.widths[start:start + span.width]), fit.size))
            start += span.width
        height += lines * fit.size.pt * LINE
    return height


def _page_parts(table: Table, fit: _Fit, budget: float) -> list[list[_Entry]]:
    """The body cut into parts that each fit the budget's height; never between a coefficient and the bracket
    row under it, nor after a group's label."""
    entries = _entries(table)
    parts: list[list[_Entry]] = [[]]
    used = 0.0
    for k, entry in enumerate(entries):
        height = _entry_height(entry, fit)
        if used + height > budget and parts[-1] and _may_break_before(entries, k):
            parts.append([])
            used = 0.0
        parts[-1].append(entry)
        used += height
    return parts


def _may_break_before(entries: list[_Entry], k: int) -> bool:
    return not _is_bracket_row(entries[k]) and not isinstance(entries[k - 1], str)


def _is_bracket_row(entry: _Entry) -> bool:
    """The standard error (t, p or interval) line under a coefficient: no label of its own."""
    return isinstance(entry, Row) and not entry.label.strip()


def _add_table_part(document, table: Table, entries: list[_Entry], fit: _Fit, tabs, *, keep_with_notes: bool) -> None:
    word_table = document.add_table(rows=len(table.header) + len(entries), cols=table.ncols + 1)
    style = document.styles[fit.style].style_id
    _layout(word_table, table, fit.widths)
    _fill_header(word_table, table, style)
    _fill_body(word_table, table, entries, tabs, style, first_row=len(table.header))
    _keep_together(word_table, keep_with_notes)


def _keep_together(word_table, keep_last: bool) -> None:
    """Every row's paragraphs kept with the next row, so the part stays on one page with its caption; the last
    row's only when notes follow."""
    rows = word_table.rows
    for index, row in enumerate(rows):
        if index < len(rows) - 1 or keep_last:
            for paragraph in row._tr.iter(qn("w:p")):
                paragraph.get_or_add_pPr().insert_element_before(_attributed("w:keepNext"), *_P_PR_AFTER_KEEP)


def _layout(word_table, table: Table, widths: list[int]) -> None:
    """Full text width, the given column widths, no borders, header repeated on each page, rows never split."""
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
        margins.append(_attributed(f"w:{side}", w=str(CELL_MARGIN.twips), type="dxa"))
    properties.insert_element_before(margins, *_TBL_PR_AFTER_MARGINS)
    for column, column_width in zip(word_table.columns, widths, strict=True):
        column.width = column_width
    for index, row in enumerate(word_table.rows):
        row_properties = row._tr.get_or_add_trPr()
        row_properties.append(OxmlElement("w:cantSplit"))
        if index < len(table.header):
            row_properties.append(OxmlElement("w:tblHeader"))


def _fill_header(word_table, table: Table, style: str) -> None:
    """Spanner levels, then the column labels over a thin rule.

    A labelled spanner is underlined by a paragraph border: it stops short of the cell edges by the
    cell margins, so adjacent spanners get separate rules, as booktabs' trimmed cmidrules are.
    """
    for level_index, level in enumerate(table.header):
        row = word_table.rows[level_index]
        last_level = level_index == len(table.header) - 1
        _write(row.cells[0], table.stubhead if last_level else "", WD_ALIGN_PARAGRAPH.LEFT, style)
        start = 1
        for span in level:
            cell = row.cells[start].merge(row.cells[start + span.width - 1]) if span.width > 1 else row.cells[start]
            numeric = any(table.numeric[start - 1:start - 1 + span.width])
            centred = numeric or not last_level
            paragraph = _write(cell, span.label, WD_ALIGN_PARAGRAPH.CENTER if centred else WD_ALIGN_PARAGRAPH.LEFT, style)
            if span.label.strip() and not last_level:
                _underline(paragraph)
            start += span.width
        for cell in row.cells:
            cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.BOTTOM
            if level_index == 0:
                _rule(cell, "top", HEAVY_RULE)
            if last_level:
                _rule(cell, "bottom", THIN_RULE)


def _fill_body(word_table, table: Table, entries: list[_Entry], tabs: list[int | None], style: str, first_row: int) -> None:
    """Group labels as italic rows merged across the table; rules above the rows that ask for one."""
    for index, entry in enumerate(entries, start=first_row):
        cells = word_table.rows[index].cells
        if isinstance(entry, str):
            _write(cells[0].merge(cells[-1]), entry, WD_ALIGN_PARAGRAPH.LEFT, style, italic=True)
            continue
        _write(cells[0], entry.label, WD_ALIGN_PARAGRAPH.LEFT, style)
        for cell, content, numeric, tab in zip(cells[1:], entry.cells, table.numeric, tabs, strict=True):
            _write_cell(cell, content, numeric, tab, style)
        if entry.rule_above:
            for cell in cells:
                _rule(cell, "top", THIN_RULE)
    for cell in word_table.rows[-1].cells:
        _rule(cell, "bottom", HEAVY_RULE)


def _write_cell(cell, content: Cell, numeric: bool, tab: int | None, style: str) -> None:
    """Numbers on a decimal tab with a true minus sign and superscript stars; text left-aligned."""
    if not numeric:
        _write(cell, content.text + content.stars, WD_ALIGN_PARAGRAPH.LEFT, style)
        return
    number = tab is not None and content.is_number
    alignment = WD_ALIGN_PARAGRAPH.LEFT if number else WD_ALIGN_PARAGRAPH.CENTER
    paragraph = _write(cell, "".join(content.parts(MINUS)), alignment, style)
    if number:
        # Word and LibreOffice align a table cell on its decimal tab without a tab character.
        paragraph.paragraph_format.tab_stops.add_tab_stop(tab, WD_TAB_ALIGNMENT.DECIMAL)
    if content.stars:
        paragraph._p.append(_run(content.stars, superscript=True))


def _write(cell, text: str, alignment, style: str, *, italic: bool = False):
    """The cell's only paragraph, in the table style, holding text."""
    paragraph = cell.paragraphs[0]
    properties = paragraph._p.get_or_add_pPr()
    properties.insert(0, _valued("w:pStyle", style))
    paragraph.alignment = alignment
    if text:
        paragraph._p.append(_run(text, italic=italic))
    return paragraph


def _border(edge: str, size: int | None):
    """A single black rule of size eighths of a point, or no border at all."""
    if not size:
        return _attributed(f"w:{edge}", val="nil")
    return _attributed(f"w:{edge}", val="single", sz=str(size), space="0", color="000000")


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
    edges = ("top", "start", "left", "bottom", "end", "right", "insideH", "insideV")
    order = {qn(f"w:{edge}"): i for i, edge in enumerate(edges)}
    for child in sorted(borders, key=lambda c: order.get(c.tag, 99)):
        borders.append(child)


# --- Styles ------------------------------------------------------------------------------------------------------

def _ensure_styles(document) -> None:
    """Every style of STYLES in the document: one its reference document lacks is copied from the shipped one."""
    missing = [name for name in STYLES if name not in document.styles]
    if not missing:
        return
    shipped = Document(str(REFERENCE)).styles
    for name in missing:
        document.styles.element.append(deepcopy(shipped[name].element))


def _apply_language(document, language: str, profile: str) -> None:
    """The journal profile's sizes, set on the styles; for Chinese, text in 宋体 (headings 黑体) through the styles'
    East Asian font slot, Latin text in the styles' own font, the East Asian language marked zh-CN, and paragraphs
    indented by two characters of the body size."""
    styles = document.styles
    for name, size in PROFILE_SIZES.get(profile, {}).items():
        if name in styles:
            styles[name].font.size = Pt(size)
    if not language.startswith("zh"):
        return
    for name in ("Normal", *STYLES, "Title", "Heading 1", "Heading 2", "Heading 3"):
        if name in styles and styles[name].type == WD_STYLE_TYPE.PARAGRAPH:
            _set_east_asian(styles[name], CHINESE_FONTS["heading" if name.startswith(("Heading", "Title")) else "body"])
    normal = styles["Normal"]
    language_mark = normal.element.get_or_add_rPr().find(qn("w:lang"))
    if language_mark is None:
        language_mark = OxmlElement("w:lang")
        normal.element.get_or_add_rPr().insert_element_before(language_mark, "w:eastAsianLayout", "w:specVanish",
                                                               "w:oMath")
    language_mark.set(qn("w:val"), "en-US")
    language_mark.set(qn("w:eastAsia"), "zh-CN")
    normal.paragraph_format.first_line_indent = Pt(2 * _style_size(document, "Normal").pt)


def _set_east_asian(style, font: str) -> None:
    """The style's East Asian font slot, keeping its Latin font (the Normal style's Times New Roman when unset)."""
    fonts = style.element.get_or_add_rPr().get_or_add_rFonts()
    fonts.attrib.pop(qn("w:eastAsiaTheme"), None)
    fonts.set(qn("w:eastAsia"), font)
    fonts.set(qn("w:hint"), "eastAsia")
    if style.name == "Normal" and fonts.get(qn("w:ascii")) is None:
        for slot in ("w:ascii", "w:hAnsi"):
            fonts.set(qn(slot), LATIN_FONT)


# --- Whole documents ---------------------------------------------------------------------------------------------

def _template(reference: bytes | None, language: str = "en", profile: str = "generic"):
    """A new document on the reference template (the author's own, if given), with every style this module uses,
    set for the language and journal profile."""
    try:
        document = Document(io.BytesIO(reference)) if reference else Document(str(REFERENCE))
    except Exception as error:  # python-docx raises several kinds for a file that is not a Word document
        raise UserError(Problem.of("reference_document_unreadable", error=type(error).__name__)) from None
    _ensure_styles(document)
    _apply_language(document, language, profile)
    return document


def word_tables(table_blocks, *, reference: bytes | None = None, language: str = "en",
                profile: str = "generic") -> dict[str, list]:
    """Each table's caption, table and notes as Word XML, built once on the template and copied into every document."""
    scratch = _template(reference, language, profile)
    body = scratch.element.body
    built = {}
    for block in table_blocks:
        start = len(_content(body))
        add_table(scratch, block.table, block.number, language)
        built[block.table.id] = _content(body)[start:]
    return built


def _content(body) -> list:
    """The body's block elements, without its closing section properties."""
    return [child for child in body if child.tag != qn("w:sectPr")]


@dataclass(frozen=True)
class _Context:
    """What a block writer needs beside the block: the figures' PNGs, the catalogue, the document's settings."""

    images: dict
    words: dict
    doc: blocks.Document


def render_document(doc: blocks.Document, images: dict[str, bytes], *, reference: bytes | None = None,
                    created: datetime | None = None, tables: dict[str, list] | None = None) -> bytes:
    """The document on the reference template; images holds each figure's PNG by id, tables any word_tables built
    on the same template, which are copied instead of built again."""
    document = _template(reference, doc.language, doc.profile)
    context = _Context(images, words(doc.language), doc)
    _front_matter(document, doc, context.words)
    writers = _BLOCK_WRITERS | docx_text.WRITERS  # the author's text, front and back matter
    for block in doc.blocks:
        if isinstance(block, blocks.TableBlock) and tables and block.table.id in tables:
            _copy(document, tables[block.table.id])
        else:
            writers[type(block)](document, block, context)
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
    document.add_paragraph(_xml_text(doc.title), style=document.styles["Title"])
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


def _write_heading(document, block: blocks.Heading, context: _Context) -> None:
    """The heading as printed; a numbered one's number bookmarked with its id, an unnumbered one's whole text."""
    label = blocks.heading_label(block, context.doc.headings, context.doc.language)
    paragraph = _paragraph(document, f"Heading {block.level}")
    prefix = label[:len(label) - len(block.text)] if label.endswith(block.text) else ""
    number = prefix.rstrip(" .、")
    if not block.id:
        write_inline(paragraph, [label])
    elif number:
        _bookmarked(paragraph._p, blocks.anchor(block.id), lambda p: p.append(_run(number)))
        write_inline(paragraph, [prefix[len(number):] + block.text])
    else:
        _bookmarked(paragraph._p, blocks.anchor(block.id), lambda p: p.append(_run(label)))


def _write_paragraph(document, block: blocks.Paragraph, context: _Context) -> None:
    write_inline(document.add_paragraph(), blocks.inline_parts(block.text))


def _write_placeholder(document, block: blocks.Placeholder, context: _Context) -> None:
    _marked(document, f"{context.words['placeholder'].format(section=block.printed)} {block.prompt}")


def _write_equation(document, block: blocks.Equation, context: _Context) -> None:
    """One Office Math display, its lines stacked in it, centred; the number "(N)" at the right margin, a SEQ field
    bookmarked with the equation's id."""
    section = document.sections[-1]
    right = section.page_width - section.left_margin - section.right_margin
    paragraph = _paragraph(document, "Equation")
    stops = paragraph.paragraph_format.tab_stops
    stops.add_tab_stop(right // 2, WD_TAB_ALIGNMENT.CENTER)
    stops.add_tab_stop(right, WD_TAB_ALIGNMENT.RIGHT)
    names = {blocks.name_marker(k): name for k, name in enumerate(block.names)}
    p = paragraph._p
    p.append(_run("\t"))
    p.append(parse_xml(etree.tostring(display(block.lines, names))))
    before, after = _label_parts(context.words["equation_ref"], word="")
    p.append(_run("\t" + before.strip()))

    def number(q):
        _add_field(q, "SEQ Equation \\* ARABIC", str(block.number))

    if block.id:
        _bookmarked(p, blocks.anchor(block.id), number)
    else:
        number(p)
    p.append(_run(after))


def _write_table(document, block: blocks.TableBlock, context: _Context) -> None:
    add_table(document, block.table, block.number, context.doc.language)


def _write_figure(document, block: blocks.FigureBlock, context: _Context) -> None:
    """The PNG at its print width (at most the text width), caption "Figure N. Title" below, then the notes."""
    figure = block.figure
    section = document.sections[-1]
    available = section.page_width - section.left_margin - section.right_margin
    width = min(available, Inches(WIDTH[figure.width] / PX_PER_INCH))
    picture = document.add_paragraph()
    picture.alignment = WD_ALIGN_PARAGRAPH.CENTER
    picture.paragraph_format.first_line_indent = Pt(0)
    picture.paragraph_format.keep_with_next = True
    picture.add_run().add_picture(io.BytesIO(context.images[figure.id]), width=width)
    _add_caption(document, figure.id, block.number, figure.title, "figure", context.doc.language, figure.english_title)
    for note in figure.notes:
        _paragraph(document, "Table Note")._p.append(_run(note))


_BLOCK_WRITERS = {
    blocks.Heading: _write_heading,
    blocks.Paragraph: _write_paragraph,
    blocks.Placeholder: _write_placeholder,
    blocks.Equation: _write_equation,
    blocks.TableBlock: _write_table,
    blocks.FigureBlock: _write_figure,
}
