"""Tables as LaTeX: booktabs rules, threeparttable notes, siunitx decimal alignment.

User text goes through pylatex's escape_latex; each cell's number goes into a siunitx S column
unescaped, so "-0.035" gets a true minus sign and aligns on its decimal point.
A table is a float scaled down if it is wider than the line; a table too long for a page is a
longtable that breaks across pages with its header repeated.
"""
from __future__ import annotations

import math
import re
from pathlib import Path
from typing import NamedTuple

from pylatex.utils import escape_latex

from analysis.figures import PX_PER_INCH, WIDTH
from analysis.table import Cell, Row, Table
from report import document as blocks
from report import latex_text
from report.cells import MINUS, display_width, number_extent, width_cap
from report.strings import ENGLISH, words

PREAMBLE = Path(__file__).resolve().parent.parent / "templates" / "preamble.tex"
LINE = 80  # characters of table text in \linewidth, to estimate column widths
PADDING = 2  # characters taken by \tabcolsep around a column
NARROWEST = 24  # characters: the narrowest a wrapping text column gets
LONG = 40  # estimated lines beyond which a table breaks across pages


class _Column(NamedTuple):
    spec: str  # the tabular column type
    chars: float  # estimated width in characters, padding included
    wrapped: bool = False

    @property
    def aligned(self) -> bool:
        return self.spec.startswith("S")


def preamble() -> str:
    """The packages and settings every table needs (pdfLaTeX, CJK through CJKutf8)."""
    return PREAMBLE.read_text(encoding="utf-8")


def table_latex(table: Table, number: int | None = None, *, continued: str = ENGLISH["continued"]) -> str:
    """The table with its caption above and notes below, as a float or, if too long, a longtable.

    With a number (the Report's), the caption prints it; without, LaTeX counts.
    """
    columns = _columns(table)
    label = f"\\label{{tab:{_label(table.id)}}}"
    render = _longtable if _lines(table, columns) > LONG else _float
    counter = [f"\\setcounter{{table}}{{{number - 1}}}"] if number is not None else []
    return "\n".join(counter + render(table, columns, label, continued)) + "\n"


def table_fragment(table: Table) -> str:
    """The table as a file an author can \\input, naming the packages it needs."""
    return "% Needs the packages and \\sym of preamble.tex.\n" + table_latex(table)


def document(body: str, title: str, author: str = "", packages: str = "") -> str:
    """A complete pdfLaTeX document around body; author is LaTeX already escaped, packages more preamble."""
    return "\n".join([
        "\\documentclass[11pt,a4paper]{article}",
        "\\usepackage[margin=2.5cm]{geometry}",
        preamble(),
        *([packages] if packages else []),
        f"\\title{{{_text(title)}}}",
        f"\\author{{{author}}}",
        "\\date{}",
        "\\begin{document}",
        "\\maketitle",
        body,
        "\\end{document}",
        "",
    ])


def tables_document(tables: list[Table], title: str) -> str:
    """A compilable document holding the given tables, one after another."""
    return document("\n".join(table_latex(t) for t in tables), title)


def _float(table: Table, columns: list[_Column], label: str, continued: str) -> list[str]:
    """A table float; adjustbox scales it down should it still be wider than the line."""
    return [
        "\\begin{table}[!htbp]",
        "\\centering",
        f"\\caption{{{_text(table.title)}}}",
        label,
        "\\begin{adjustbox}{max width=\\linewidth}",
        "\\begin{threeparttable}",
        f"\\begin{{tabular}}{{{_preamble(columns)}}}",
        "\\toprule",
        *_header(table, columns),
        "\\midrule",
        *_body(table, columns),
        "\\bottomrule",
        "\\end{tabular}",
        *_notes("tablenotes", table.notes),
        "\\end{threeparttable}",
        "\\end{adjustbox}",
        "\\end{table}",
    ]


def _longtable(table: Table, columns: list[_Column], label: str, continued: str) -> list[str]:
    """A longtable: the caption and header repeat on every page, the notes close the last one."""
    return [
        "\\FloatBarrier",  # tables before this one keep their order
        "\\begin{ThreePartTable}",
        *_notes("TableNotes", table.notes),
        f"\\begin{{longtable}}{{{_preamble(columns)}}}",
        f"\\caption{{{_text(table.title)}}}{label} \\\\",
        "\\toprule", *_header(table, columns), "\\midrule",
        "\\endfirsthead",
        f"\\caption[]{{{_text(continued.format(title=table.title))}}} \\\\",
        "\\toprule", *_header(table, columns), "\\midrule",
        "\\endhead",
        "\\bottomrule",
        "\\endfoot",
        "\\bottomrule",
        *(["\\insertTableNotes"] if table.notes else []),
        "\\endlastfoot",
        *_body(table, columns),
        "\\end{longtable}",
        "\\end{ThreePartTable}",
    ]


# Symbols that CJKutf8 would send to the Chinese font, which lacks them, set as math instead.
SYMBOLS = {"±": r"\ensuremath{\pm}", "·": r"\ensuremath{\cdot}", "−": r"\ensuremath{-}", "×": r"\ensuremath{\times}",
           "≤": r"\ensuremath{\leq}", "≥": r"\ensuremath{\geq}", "–": "--", "—": "---"}


_CONTROL = re.compile("[\x00-\x1f\x7f]")
_BREAKABLE_UNDERSCORE = re.compile(r"(?<=[A-Za-z0-9])\\_(?=[A-Za-z0-9])")


def _text(text: str) -> str:
    """User text, escaped; line breaks become spaces, other control characters go; long snake_case names may
    break after an underscore."""
    words = _CONTROL.sub("", " ".join(str(text).split()))
    escaped = _BREAKABLE_UNDERSCORE.sub(r"\\_\\allowbreak{}", escape_latex(words))
    return "".join(SYMBOLS.get(c, c) for c in escaped)


def _label(table_id: str) -> str:
    return re.sub(r"[^A-Za-z0-9:._-]", "-", table_id)


def _preamble(columns: list[_Column]) -> str:
    return "@{}" + "".join(c.spec for c in columns) + "@{}"


def _columns(table: Table) -> list[_Column]:
    """The stub and every column: S for numbers, l for text, a wrapping p column for text too wide to fit."""
    rows = [row for _, row in table.rows()]
    columns = [_text_column([table.stubhead, *(row.label for row in rows)])]
    for j, label in enumerate(table.column_labels):
        cells = [row.cells[j] for row in rows]
        numbers = table.numeric[j] and _decimal_column(cells, label)
        columns.append(numbers or _text_column([label, *(c.text + c.stars for c in cells)]))
    overflow = sum(c.chars for c in columns) - LINE
    wrappable = [c.chars for c in columns if c.spec == "l" and c.chars > NARROWEST]
    if overflow <= 0 or not wrappable:
        return columns
    cap = max(width_cap(wrappable, sum(wrappable) - overflow), NARROWEST)
    return [_wrapped(cap) if c.spec == "l" and c.chars > cap else c for c in columns]


def _text_column(texts: list[str]) -> _Column:
    return _Column("l", max(display_width(t) for t in texts) + PADDING)


def _wrapped(chars: float) -> _Column:
    fraction = (chars - PADDING) / LINE
    return _Column(f">{{\\raggedright\\arraybackslash\\hspace{{0pt}}}}p{{{fraction:.2f}\\linewidth}}", chars, wrapped=True)


def _decimal_column(cells: list[Cell], label: str) -> _Column | None:
    """An S column whose table-format and reserved text fit every number in it; None without numbers."""
    extent = number_extent(cells)
    if extent is None:
        return None
    sign = "-" if extent.signed else ""
    text_before = f"{{{_text(extent.before)}}}" if extent.before else ""
    text_after = f"{{{_text(extent.after)}{_stars(extent.stars)}}}" if extent.after or extent.stars else ""
    width = (len(extent.before) + len(sign) + extent.integers + 1 + extent.decimals + len(extent.after)
             + 0.6 * len(extent.stars))
    return _Column(f"S[table-format={text_before}{sign}{extent.integers}.{extent.decimals}{text_after}]",
                   max(width, display_width(label), *(display_width(c.text) for c in cells if c.is_interval)) + PADDING)


def _lines(table: Table, columns: list[_Column]) -> int:
    """Estimated printed lines of the body, counting the lines of wrapped text."""
    lines = len(table.header) + sum(1 for g in table.groups if g.label.strip())
    for _, row in table.rows():
        texts = [row.label, *(c.text for c in row.cells)]
        lines += max([1, *(math.ceil(display_width(t) / (c.chars - PADDING)) for t, c in zip(texts, columns) if c.wrapped)])
    return lines


def _stars(stars: str) -> str:
    return f"\\sym{{{_text(stars)}}}" if stars else ""


def _header(table: Table, columns: list[_Column]) -> list[str]:
    """Spanner levels with a cmidrule under each labelled span, then the column labels."""
    lines = []
    for level in table.header[:-1]:
        cells, rules, start = [""], [], 2
        for span in level:
            cells.append(f"\\multicolumn{{{span.width}}}{{c}}{{{_text(span.label)}}}")
            if span.label.strip():
                rules.append(f"\\cmidrule(lr){{{start}-{start + span.width - 1}}}")
            start += span.width
        lines += [" & ".join(cells) + " \\\\", *rules]
    labels = [f"\\multicolumn{{1}}{{c}}{{{_text(label)}}}" if column.aligned else _text(label)
              for label, column in zip(table.column_labels, columns[1:])]
    return lines + [" & ".join([_text(table.stubhead), *labels]) + " \\\\"]


def _body(table: Table, columns: list[_Column]) -> list[str]:
    """Group label rows spanning the table, rules above the rows that ask for one."""
    lines = []
    for index, group in enumerate(table.groups):
        if group.label.strip():
            if index:
                lines.append("\\addlinespace")
            lines.append(f"\\multicolumn{{{len(columns)}}}{{@{{}}l}}{{\\textit{{{_text(group.label)}}}}} \\\\")
        for row in group.rows:
            if row.rule_above:
                lines.append("\\midrule")
            lines.append(_row(row, columns[1:]))
    return lines


def _row(row: Row, columns: list[_Column]) -> str:
    cells = [_cell(cell, column.aligned) for cell, column in zip(row.cells, columns)]
    return " & ".join([_text(row.label), *cells]) + " \\\\"


def _cell(cell: Cell, aligned: bool) -> str:
    """In an S column the number stays bare for siunitx and the text around it is braced."""
    if not (aligned and cell.is_number):
        text = _text("".join(cell.parts(MINUS))) + _stars(cell.stars)
        return f"{{{text}}}" if aligned and text else text
    before, number, after = cell.parts()
    braced_before = f"{{{_text(before)}}}" if before else ""
    braced_after = f"{{{_text(after)}{_stars(cell.stars)}}}" if after or cell.stars else ""
    return braced_before + number + braced_after


def _notes(environment: str, notes: tuple[str, ...]) -> list[str]:
    """threeparttable's notes: set as wide as the table, flush left, in footnote size."""
    if not notes:
        return []
    return [f"\\begin{{{environment}}}[flushleft]", "\\footnotesize\\raggedright\\setlength{\\labelsep}{0pt}",
            *(f"\\item[] {_text(note)}" for note in notes), f"\\end{{{environment}}}"]


# --- Whole documents ---------------------------------------------------------------------------------------------

def render_document(doc: blocks.Document, figure_files: dict[str, str]) -> str:
    """The document as pdfLaTeX source; figure_files maps each figure id to its PDF's path relative to the .tex."""
    author = " \\\\ ".join(f"\\normalsize\\itshape {_text(t)}" if k else _text(t)
                            for k, t in enumerate((doc.authors, doc.affiliations)) if t)
    w = words(doc.language)
    front = []
    if doc.synthetic:
        front.append(_marked(_text(w["synthetic"])))
    writers = _BLOCK_WRITERS | latex_text.WRITERS  # the author's text, front and back matter
    body = [writers[type(block)](block, figure_files, w) for block in blocks.labelled(doc)]
    return document("\n".join(front + body), doc.title, author, latex_text.preamble(doc))


def _marked(text: str) -> str:
    """A framed, shaded box: what the author must still write or know."""
    return f"\\authornote{{{text}}}\n"


def _heading(block: blocks.Heading, figure_files, w) -> str:
    command = {1: "section", 2: "subsection"}.get(block.level, "subsubsection")
    return f"\\{command}*{{{_text(block.text)}}}"


def _paragraph(block: blocks.Paragraph, figure_files, w) -> str:
    return _text(blocks.plain(block.text)) + "\n"


def _placeholder(block: blocks.Placeholder, figure_files, w) -> str:
    return _marked(f"{_text(w['placeholder'].format(section=block.printed))} {_text(block.prompt)}")


def _equation(block: blocks.Equation, figure_files, w) -> str:
    """One line in equation, several in a multline, numbered with the Document's number."""
    lines = block.latex_lines(escape_latex)
    counter = f"\\setcounter{{equation}}{{{block.number - 1}}}\n"
    if len(lines) == 1:
        return f"{counter}\\begin{{equation}}\n{lines[0]}\n\\end{{equation}}"
    return f"{counter}\\begin{{multline}}\n" + " \\\\\n".join(lines) + "\n\\end{multline}"


def _table(block: blocks.TableBlock, figure_files, w) -> str:
    return table_latex(block.table, block.number, continued=w["continued"])


def _figure(block: blocks.FigureBlock, figure_files, w) -> str:
    """The figure PDF at its print width (at most the line), caption below, notes under it."""
    figure = block.figure
    width = "\\linewidth" if figure.width == "full" else f"{WIDTH[figure.width] / PX_PER_INCH:g}in"
    notes = " ".join(_text(n) for n in figure.notes)
    return "\n".join([
        f"\\setcounter{{figure}}{{{block.number - 1}}}",
        "\\begin{figure}[!htbp]",
        "\\centering",
        f"\\includegraphics[width={width}]{{{figure_files[figure.id]}}}",
        f"\\caption{{{_text(figure.title)}}}",
        f"\\label{{fig:{_label(figure.id)}}}",
        f"\\par\\footnotesize\\raggedright {notes}" if notes else "",
        "\\end{figure}",
    ])


_BLOCK_WRITERS = {
    blocks.Heading: _heading,
    blocks.Paragraph: _paragraph,
    blocks.Placeholder: _placeholder,
    blocks.Equation: _equation,
    blocks.TableBlock: _table,
    blocks.FigureBlock: _figure,
}
