"""LaTeX math to Office Math (OMML) for Word, through MathML.

latex2mathml and mathml2omml do the conversion; two repairs make the result render in LibreOffice
as well as in Word: grouping boxes (m:box) are unwrapped, and square roots get the radical
properties (hidden degree) that LibreOffice requires.
"""
from __future__ import annotations

import latex2mathml.converter
import mathml2omml
from lxml import etree

MATH_NS = "http://schemas.openxmlformats.org/officeDocument/2006/math"


def _m(tag: str) -> str:
    return f"{{{MATH_NS}}}{tag}"


def omml(latex: str, names: dict[str, str] | None = None) -> etree._Element:
    """An m:oMath element for the LaTeX formula; text equal to a key of names is replaced by its value.

    The replacement happens on the finished XML's text nodes, so user text is never parsed as LaTeX.
    """
    xml = mathml2omml.convert(latex2mathml.converter.convert(latex))
    root = etree.fromstring(f'<m:wrap xmlns:m="{MATH_NS}">{xml}</m:wrap>')[0]
    for text in root.iter(_m("t")):
        if names and text.text in names:
            text.text = names[text.text]
    for box in reversed(list(root.iter(_m("box")))):
        _unwrap(box)
    for radical in root.iter(_m("rad")):
        if radical.find(_m("radPr")) is None:
            properties = etree.Element(_m("radPr"))
            etree.SubElement(properties, _m("degHide")).set(_m("val"), "1")
            radical.insert(0, properties)
            radical.insert(1, etree.Element(_m("deg")))
    return root


def display(lines, names: dict[str, str] | None = None) -> etree._Element:
    """One m:oMath for a display equation: a single line as it is, several lines stacked in an equation array (m:eqArr)
    inside the one math object, so the equation stays one display however it is broken. The lines align on the
    first line's "=" and each later line's leading "+" (an alignment point, m:aln), as LaTeX's split aligns them."""
    if len(lines) == 1:
        return omml(lines[0], names)
    root = etree.Element(_m("oMath"))
    stack = etree.SubElement(root, _m("eqArr"))
    for k, line in enumerate(lines):
        row = etree.SubElement(stack, _m("e"))
        row.extend(list(omml(line, names)))
        _align_at(row, "+" if k else "=")
    return root


def _align_at(row: etree._Element, sign: str) -> None:
    """An alignment point before the row's first top-level run of the sign, if it has one."""
    for run in row.iterchildren(_m("r")):
        if (run.findtext(_m("t")) or "").strip() == sign:
            properties = run.find(_m("rPr"))
            if properties is None:
                properties = etree.Element(_m("rPr"))
                run.insert(0, properties)
            etree.SubElement(properties, _m("aln"))
            return


def _unwrap(box: etree._Element) -> None:
    """Replace <m:box><m:e>children</m:e></m:box> by the children themselves."""
    parent, position = box.getparent(), box.getparent().index(box)
    content = box.find(_m("e"))
    children = list(content) if content is not None else []
    parent.remove(box)
    for offset, child in enumerate(children):
        parent.insert(position + offset, child)
