"""The author's text in Word: markup paragraphs, lists and emphasis, formatted citations, front and back matter.

Runs carry only emphasis (italic, bold, superscript), never fonts or sizes, so the reference document's styles
decide how the text looks: Normal for paragraphs, List Bullet and List for lists, Bibliography for the reference
list, a journal's own when it supplies them. The Chinese first-page note is a real Word footnote without a mark.
"""
from __future__ import annotations

from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_COLOR_INDEX
from docx.opc.constants import CONTENT_TYPE, RELATIONSHIP_TYPE
from docx.opc.packuri import PackURI
from docx.opc.part import XmlPart
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Pt
from docx.text.paragraph import Paragraph

from report import document as blocks
from report import docx as word
from report import markup

_LIST_STYLES = {False: ("List Bullet", "List Bullet 2", "List Bullet 3"), True: ("List", "List 2", "List 3")}


def add_inlines(paragraph, items, *, marked: bool = False) -> None:
    """Runs of text with their emphasis, line breaks, and citations as the citation style printed them."""
    for item in items:
        if isinstance(item, markup.LineBreak):
            paragraph.add_run().add_break()
        elif isinstance(item, markup.Citation):
            add_inlines(paragraph, item.text, marked=marked)
        elif item.text:
            run = paragraph.add_run(word._xml_text(item.text))
            run.italic, run.bold = item.italic or None, item.bold or marked or None
            run.font.superscript = item.superscript or None
            if marked:
                run.font.highlight_color = WD_COLOR_INDEX.YELLOW


def _markup_blocks(document, items, depth: int = 0) -> None:
    for block in items:
        if isinstance(block, markup.Paragraph):
            add_inlines(document.add_paragraph(), block.inlines)
            continue
        style = _style(document, _LIST_STYLES[block.ordered][min(depth, 2)])
        for number, item in enumerate(block.items, start=block.start):
            first, *rest = item or (markup.Paragraph(()),)
            if isinstance(first, markup.Paragraph):
                paragraph = document.add_paragraph(style=style)
                if block.ordered:
                    paragraph.add_run(f"{number}.\t")
                add_inlines(paragraph, first.inlines)
            else:
                rest = [first, *rest]
            _markup_blocks(document, rest, depth + 1)


def _style(document, name: str):
    """The reference document's style of that name, or None (Normal) if it has none."""
    return document.styles[name] if name in document.styles else None


def _short_lines_stay_short(document) -> None:
    """A line ended by a line break is not stretched to the margin in a justified paragraph (Word's and LibreOffice's
    doNotExpandShiftReturn)."""
    compat = document.settings.element.find(qn("w:compat"))
    if compat is None:
        compat = OxmlElement("w:compat")
        document.settings.element.append(compat)
    if compat.find(qn("w:doNotExpandShiftReturn")) is None:
        compat.insert(0, OxmlElement("w:doNotExpandShiftReturn"))  # the schema puts it before every other setting used


def prose(document, block: blocks.Prose, *_) -> None:
    _short_lines_stay_short(document)
    _markup_blocks(document, block.blocks)


def labelled(document, block: blocks.LabelledText, *_) -> None:
    """The bold label run in, then the text; what the author must still give, highlighted."""
    _short_lines_stay_short(document)
    paragraph = document.add_paragraph()
    paragraph.paragraph_format.first_line_indent = Pt(0)
    paragraph.add_run(word._xml_text(block.lead)).bold = True
    add_inlines(paragraph, block.inlines, marked=block.missing)


def title_block(document, block: blocks.TitleBlock, *_) -> None:
    for text, emphasis in ((block.title, "bold"), (block.authors, None), (block.affiliations, "italic")):
        if text:
            paragraph = document.add_paragraph()
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
            paragraph.paragraph_format.first_line_indent = Pt(0)
            run = paragraph.add_run(word._xml_text(text))
            if emphasis:
                setattr(run, emphasis, True)


def first_page_note(document, block: blocks.FirstPageNote, *_) -> None:
    """A footnote without a mark, in the Footnote Text style, referenced from the paragraph before it (on the first
    page)."""
    footnotes = _footnotes(document)
    number = 1 + max(int(n.get(qn("w:id"))) for n in footnotes.element.iterchildren(qn("w:footnote")))
    note = OxmlElement("w:footnote")
    note.set(qn("w:id"), str(number))
    for line in block.lines:
        paragraph = Paragraph(OxmlElement("w:p"), None)
        paragraph._p.get_or_add_pPr().get_or_add_pStyle().val = document.styles["Footnote Text"].style_id
        paragraph.add_run(word._xml_text(line.lead)).bold = True
        add_inlines(paragraph, line.inlines, marked=line.missing)
        note.append(paragraph._p)
    footnotes.element.append(note)
    reference = parse_xml(f'<w:r {nsdecls("w")}><w:footnoteReference w:customMarkFollows="1" w:id="{number}"/>'
                          '<w:t xml:space="preserve">\u00a0</w:t></w:r>')  # a custom mark: a no-break space, so none shows
    anchor = document.paragraphs[-1] if document.paragraphs else document.add_paragraph()
    anchor._p.append(reference)


def _footnotes(document) -> XmlPart:
    """The document's footnotes part, made with Word's two separators if the template has none."""
    part = document.part
    for rel in part.rels.values():
        if rel.reltype == RELATIONSHIP_TYPE.FOOTNOTES:
            return rel.target_part
    element = parse_xml(
        f'<w:footnotes {nsdecls("w")}>'
        '<w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:footnote>'
        '<w:footnote w:type="continuationSeparator" w:id="0"><w:p><w:r><w:continuationSeparator/></w:r></w:p>'
        '</w:footnote></w:footnotes>')
    footnotes = XmlPart(PackURI("/word/footnotes.xml"), CONTENT_TYPE.WML_FOOTNOTES, element, part.package)
    part.relate_to(footnotes, RELATIONSHIP_TYPE.FOOTNOTES)
    return footnotes


def bibliography(document, block: blocks.BibliographyBlock, *_) -> None:
    """One paragraph per entry in the Bibliography style (every document has it: report.docx copies in the shipped
    one where a reference document lacks it): the label ("[1]") and a tab, then the entry."""
    for entry in block.entries:
        paragraph = word._paragraph(document, "Bibliography")
        if entry.label:
            add_inlines(paragraph, (*entry.label, markup.Run("\t")))
        add_inlines(paragraph, entry.runs)


WRITERS = dict(zip(blocks.AUTHOR_BLOCKS, (prose, labelled, title_block, first_page_note, bibliography), strict=True))
