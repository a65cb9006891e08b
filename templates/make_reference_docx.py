"""Writes templates/reference.docx, the Word template of every generated document.

Run `python templates/make_reference_docx.py` after changing a style here; commit the result.
Every font and size of a generated document comes from these named styles, so a journal's reference document or
a restyle changes them all: Title, Heading 1-3, Normal (body), Caption with its Caption Label (the bold "Table 1."),
Table Text, Table Text Small (a wide table's last resort, 8 pt), Table Note, Equation, Bibliography and Footnote
Text (the Chinese manuscript's first-page note).
"""
from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

LATIN_FONT = "Times New Roman"
EAST_ASIAN_FONT = "SimSun"
SMALLEST_TABLE_SIZE = 8  # points: no table text is set smaller
CREATED = datetime(2024, 1, 1, tzinfo=UTC)
OUTPUT = Path(__file__).resolve().parent / "reference.docx"


def set_fonts(font, size: float, *, bold: bool = False, italic: bool = False) -> None:
    """Latin, complex-script and East Asian slots all named, so no theme font shows through."""
    font.name = LATIN_FONT
    font.size = Pt(size)
    font.bold = bold
    font.italic = italic
    font.color.rgb = RGBColor(0, 0, 0)
    fonts = font.element.rPr.rFonts
    fonts.set(qn("w:eastAsia"), EAST_ASIAN_FONT)
    fonts.set(qn("w:cs"), LATIN_FONT)
    for theme_slot in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(theme_slot), None)


def set_paragraph(fmt, *, indent: float = 0, line_spacing: float = 1.0, before: float = 0, after: float = 0,
                  alignment=WD_ALIGN_PARAGRAPH.LEFT, keep_with_next: bool = False) -> None:
    fmt.first_line_indent = Pt(indent)
    fmt.left_indent = Pt(0)
    fmt.right_indent = Pt(0)
    fmt.space_before = Pt(before)
    fmt.space_after = Pt(after)
    fmt.line_spacing_rule = WD_LINE_SPACING.SINGLE if line_spacing == 1 else WD_LINE_SPACING.ONE_POINT_FIVE
    fmt.alignment = alignment
    fmt.keep_with_next = keep_with_next


def paragraph_style(document, name: str):
    styles = document.styles
    if name in styles:
        return styles[name]
    style = styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
    style.base_style = styles["Normal"]
    style.quick_style = True
    return style


def character_style(document, name: str):
    styles = document.styles
    if name in styles:
        return styles[name]
    style = styles.add_style(name, WD_STYLE_TYPE.CHARACTER)
    style.quick_style = True
    return style


def define_styles(document) -> None:
    body = document.styles["Normal"]
    set_fonts(body.font, 12)
    set_paragraph(body.paragraph_format, indent=24, line_spacing=1.5, alignment=WD_ALIGN_PARAGRAPH.JUSTIFY)

    title = paragraph_style(document, "Title")
    set_fonts(title.font, 16, bold=True)
    set_paragraph(title.paragraph_format, after=12, alignment=WD_ALIGN_PARAGRAPH.CENTER, keep_with_next=True)
    title.element.pPr.remove_all("w:pBdr")  # the stock title has a rule under it

    for level, size in ((1, 14), (2, 12), (3, 12)):
        heading = paragraph_style(document, f"Heading {level}")
        set_fonts(heading.font, size, bold=True, italic=level == 3)
        set_paragraph(heading.paragraph_format, before=12, after=6, keep_with_next=True)

    caption = paragraph_style(document, "Caption")
    set_fonts(caption.font, 10)
    set_paragraph(caption.paragraph_format, before=12, after=6, alignment=WD_ALIGN_PARAGRAPH.CENTER, keep_with_next=True)

    character_style(document, "Caption Label").font.bold = True

    table_text = paragraph_style(document, "Table Text")
    set_fonts(table_text.font, 10)
    set_paragraph(table_text.paragraph_format)
    small = paragraph_style(document, "Table Text Small")
    small.base_style = table_text  # its font follows Table Text's; only the size is its own
    small.font.size = Pt(SMALLEST_TABLE_SIZE)

    note = paragraph_style(document, "Table Note")
    set_fonts(note.font, 9)
    set_paragraph(note.paragraph_format, after=0, alignment=WD_ALIGN_PARAGRAPH.JUSTIFY)

    equation = paragraph_style(document, "Equation")
    set_fonts(equation.font, 12)
    set_paragraph(equation.paragraph_format, before=6, after=6)

    bibliography = paragraph_style(document, "Bibliography")
    set_fonts(bibliography.font, 12)
    set_paragraph(bibliography.paragraph_format, after=6)
    bibliography.paragraph_format.left_indent = Pt(24)
    bibliography.paragraph_format.first_line_indent = Pt(-24)  # a hanging indent

    footnote = paragraph_style(document, "Footnote Text")
    set_fonts(footnote.font, 9)
    set_paragraph(footnote.paragraph_format)


def set_page(document) -> None:
    """A4 with 2.54 cm margins."""
    section = document.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(2.54))


def reference_document():
    document = Document()
    define_styles(document)
    set_page(document)
    properties = document.core_properties
    properties.author = properties.last_modified_by = ""
    properties.title = "Reference document"
    properties.comments = ""
    properties.created = properties.modified = CREATED
    properties.revision = 1
    return document


def main(argv: list[str]) -> int:
    target = Path(argv[0]) if argv else OUTPUT
    reference_document().save(target)
    print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
