"""Tables and documents as LaTeX: booktabs rules, threeparttable notes, siunitx decimal alignment, numbered
sections, and a \\label for every table, figure and equation that the text \\refs.

User text goes through pylatex's escape_latex; each cell's number goes into a siunitx S column
unescaped, so "-0.035" gets a true minus sign and aligns on its decimal point.
A table keeps its font size: wide column labels wrap, and a table still too wide for the line gets a landscape
page; a table too long for a page is a longtable that breaks across pages with its header repeated. English
documents compile with pdfLaTeX, Chinese ones (and the Chinese journals' profile) with XeLaTeX and ctex.
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
from report.matter import KEYWORD_SEPARATORS
from report.strings import ENGLISH, words

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
PDFLATEX, XELATEX = "pdflatex", "xelatex"
LINE = 80  # characters of table text in \linewidth, to estimate column widths
LANDSCAPE = 1.45  # how many times longer the line of a landscape page is
PADDING = 2  # characters taken by \tabcolsep around a column
NARROWEST = 20  # characters: the narrowest a wrapping text column gets
LABEL = 10  # characters: the width a column label wider than its numbers wraps to
SLACK = 3  # characters kept free when wrapping, for the estimate's error
LONG = 44  # estimated lines beyond which a table goes on pages of its own, breaking across them
NOTE_LINE, NOTE_CHARACTERS = 0.8, 1.2  # a line of notes (footnote size) is 0.8 of a table line and holds 1.2 times its text
RAGGED = 0.85  # how full a line of wrapped text is on average, broken between words
MATH_LINE = 62  # characters of a display equation that fit one line beside its number


class _Column(NamedTuple):
    spec: str  # the tabular column type
    chars: float  # estimated width in characters, padding included
    wrapped: bool = False
    counts_apart: bool = False  # whole numbers (N) among decimals are centred, not aligned on a point they lack

    @property
    def aligned(self) -> bool:
        return self.spec.startswith("S")


class _Layout(NamedTuple):
    """How a table is set: its columns, the characters of its line, whether on a landscape page, its font size."""

    columns: list[_Column]
    line: float
    landscape: bool
    size: str = ""
    note_size: str = "\\footnotesize"


def engine(language: str = "en", profile: str = "generic") -> str:
    """XeLaTeX (ctex) for Chinese documents and the Chinese journals' profile, pdfLaTeX for the others."""
    return XELATEX if language.startswith("zh") or profile == "chinese-core" else PDFLATEX


def preamble(program: str = PDFLATEX) -> str:
    """What every table needs: the engine's fonts, then the packages and commands any class takes."""
    return "".join((TEMPLATES / name).read_text(encoding="utf-8") for name in (f"preamble-{program}.tex", "preamble.tex"))


def latexmkrc(program: str) -> str:
    """latexmk's settings for the folder, so that a bare `latexmk` picks the documents' engine."""
    return f"# The documents in this folder compile with {program}.\n$pdf_mode = {5 if program == XELATEX else 1};\n"


def table_latex(table: Table, number: int | None = None, *, continued: str = ENGLISH["continued"], line: float = LINE,
                size: str = "", note_size: str = "\\footnotesize", long: int = LONG) -> str:
    """The table with its caption above and notes below, as a float or, if too long, a longtable; on a landscape
    page if too wide for the line. With a number (the Report's), the caption prints it; without, LaTeX counts.
    line is how many characters of the table's text fit the line, in the font size given (a LaTeX size command);
    the notes are set in note_size; a table of more than long lines is a longtable."""
    layout = _layout(table, line, size)._replace(note_size=note_size)
    label = f"\\label{{{blocks.anchor(table.id)}}}"
    long = _lines(table, layout.columns) > (long / LANDSCAPE if layout.landscape else long)
    body = (_longtable if long else _float)(table, layout, label, continued)
    if layout.landscape:
        body = ["\\begin{landscape}", *body, "\\end{landscape}"]
    if long or layout.landscape:  # pages of their own: one-column ones in a two-column document
        body = ["\\begin{tablepages}", *body, "\\end{tablepages}"]
    counter = [f"\\setcounter{{table}}{{{number - 1}}}"] if number is not None else []
    return "\n".join(counter + body) + "\n"


def table_fragment(table: Table, program: str = PDFLATEX, *, continued: str = ENGLISH["continued"]) -> str:
    """The table as a file an author can \\input into any class, naming the preamble and engine it needs; sized as
    the engine's documents set tables (a Chinese journal's in 小五)."""
    return (f"% Needs preamble.tex, shipped beside this file (\\input{{preamble}} before \\begin{{document}}); "
            f"compile with {program}.\n" + _sized_table(table, None, continued, _setup("generic", program, "decimal")))


def _sized_table(table: Table, number: int | None, continued: str, setup: _Setup) -> str:
    return table_latex(table, number, continued=continued, line=setup.table_line, size=setup.table_size,
                       note_size=setup.note_size, long=setup.table_lines)


def tables_document(tables: list[Table], title: str) -> str:
    """A compilable pdfLaTeX document holding the given tables, one after another."""
    return _document(_setup("generic", PDFLATEX, "decimal"), [], "\n".join(table_latex(t) for t in tables), _text(title))


def _caption(title: str, english: str, word: str, counter: str) -> str:
    """\\caption's argument; a bilingual document's English title on a second line, "Table 3  Title" as Chinese
    journals print it (the list of tables keeps the first line)."""
    if not english:
        return f"{{{_text(title)}}}"
    return f"[{_text(title)}]{{{_text(title)}\\protect\\\\ {word}~\\the{counter}\\quad {_text(english)}}}"


def _float(table: Table, layout: _Layout, label: str, continued: str) -> list[str]:
    """A table float at its natural size (across both columns of a two-column document)."""
    return [
        "\\begin{tablefloat}",
        "\\centering",
        *filter(None, [layout.size]),
        f"\\caption{_caption(table.title, table.subtitle, 'Table', 'table')}",
        label,
        "\\begin{threeparttable}",
        f"\\begin{{tabular}}{{{_preamble(layout.columns)}}}",
        "\\toprule",
        *_header(table, layout),
        "\\midrule",
        *_body(table, layout),
        "\\bottomrule",
        "\\end{tabular}",
        *_notes("tablenotes", table.notes, layout.note_size),
        "\\end{threeparttable}",
        "\\end{tablefloat}",
    ]


def _longtable(table: Table, layout: _Layout, label: str, continued: str) -> list[str]:
    """A longtable: the caption and header repeat on every page, the notes close the last one."""
    return [
        *filter(None, [layout.size]),
        "\\begin{ThreePartTable}",
        *_notes("TableNotes", table.notes, layout.note_size),
        f"\\begin{{longtable}}{{{_preamble(layout.columns)}}}",
        f"\\caption{_caption(table.title, table.subtitle, 'Table', 'table')}{label} \\\\",
        "\\toprule", *_header(table, layout), "\\midrule",
        "\\endfirsthead",
        f"\\caption[]{{{_text(continued.format(title=table.title))}}} \\\\",
        "\\toprule", *_header(table, layout), "\\midrule",
        "\\endhead",
        "\\bottomrule",
        "\\endfoot",
        "\\bottomrule",
        *(["\\insertTableNotes"] if table.notes else []),
        "\\endlastfoot",
        *_body(table, layout),
        "\\end{longtable}",
        "\\end{ThreePartTable}",
    ]


# Symbols that CJKutf8 would send to the Chinese font, which lacks them, set as math instead.
SYMBOLS = {"±": r"\ensuremath{\pm}", "·": r"\ensuremath{\cdot}", "−": r"\ensuremath{-}", "×": r"\ensuremath{\times}",
           "≤": r"\ensuremath{\leq}", "≥": r"\ensuremath{\geq}", "–": "--", "—": "---"}


_CONTROL = re.compile("[\x00-\x1f\x7f]")
_BREAKABLE_UNDERSCORE = re.compile(r"(?<=[A-Za-z0-9])\\_(?=[A-Za-z0-9])")


def _text(text: str) -> str:
    """User text, escaped; line breaks become spaces and runs of spaces one, other control characters go; long
    snake_case names may break after an underscore."""
    return _escaped(" ".join(str(text).split()))


def _escaped(text: str) -> str:
    escaped = _BREAKABLE_UNDERSCORE.sub(r"\\_\\allowbreak{}", escape_latex(_CONTROL.sub("", text)))
    return "".join(SYMBOLS.get(c, c) for c in escaped)


def _preamble(columns: list[_Column]) -> str:
    return "@{}" + "".join(c.spec for c in columns) + "@{}"


def _layout(table: Table, line: float, size: str) -> _Layout:
    """The columns on the line; on a landscape page's longer line if they do not fit even wrapped."""
    columns = _columns(table, line)
    if sum(c.chars for c in columns) <= line:
        return _Layout(columns, line, False, size)
    return _Layout(_columns(table, line * LANDSCAPE), line * LANDSCAPE, True, size)


def _columns(table: Table, line: float) -> list[_Column]:
    """The stub and every column: S for numbers, l for text, each as wide as its labels; where they do not fit the
    line, the widest labels over a single number column wrap (not below LABEL characters), then text too wide to
    fit goes into wrapping p columns."""
    rows = [row for _, row in table.rows()]
    columns = [_text_column([table.stubhead, *(row.label for row in rows)])]
    for j, label in enumerate(table.column_labels):
        cells = [row.cells[j] for row in rows]
        numbers = table.numeric[j] and _decimal_column(cells)
        columns.append(numbers or _text_column([label, *(c.text + c.stars for c in cells)]))
    labels = [""] + _single_column_labels(table)
    natural = [c._replace(chars=max(c.chars, display_width(label) + PADDING)) if c.aligned else c
               for c, label in zip(columns, labels, strict=True)]
    overflow = sum(c.chars for c in natural) - line + SLACK
    if overflow <= 0:
        return natural
    widths = [c.chars for c in natural if c.aligned]
    cap = width_cap(widths, sum(widths) - overflow) if widths else 0
    columns = [n._replace(chars=max(c.chars, min(n.chars, max(cap, _label_floor(label) + PADDING)))) if c.aligned else c
               for c, n, label in zip(columns, natural, labels, strict=True)]
    overflow = sum(c.chars for c in columns) - line + SLACK
    wrappable = [c.chars for c in columns if c.spec == "l" and c.chars > NARROWEST]
    if overflow <= 0 or not wrappable:
        return columns
    cap = max(width_cap(wrappable, sum(wrappable) - overflow), NARROWEST)
    return [_wrapped(cap, line) if c.spec == "l" and c.chars > cap else c for c in columns]


def _single_column_labels(table: Table) -> list[str]:
    """For each column, the widest label of a header level over that column alone."""
    labels = [""] * table.ncols
    for level in table.header:
        start = 0
        for span in level:
            if span.width == 1 and display_width(span.label) > display_width(labels[start]):
                labels[start] = span.label
            start += span.width
    return labels


def _text_column(texts: list[str]) -> _Column:
    return _Column("l", max(display_width(t) for t in texts) + PADDING)


def _wrapped(chars: float, line: float) -> _Column:
    return _Column(f">{{\\raggedright\\arraybackslash\\hspace{{0pt}}}}p{{{_fraction(chars, line)}\\linewidth}}", chars,
                   wrapped=True)


def _fraction(chars: float, line: float) -> str:
    """The share of the line that chars of text take, padding left out."""
    return f"{(chars - PADDING) / line:.2f}"


def _label_floor(label: str) -> float:
    """The narrowest a wrapped label gets: LABEL characters, or its longest unbreakable piece, or itself if shorter."""
    pieces = re.split(r"[\s_]+", label)
    return min(display_width(label), max(LABEL, *(display_width(p) + 1 for p in pieces)))


def _is_count(cell: Cell) -> bool:
    return cell.is_number and isinstance(cell.value, int)


def _decimal_column(cells: list[Cell]) -> _Column | None:
    """An S column whose table-format and reserved text fit every number aligned in it; None without numbers.

    A count among decimals (the N under coefficients) is set apart, centred, so that its digits do not widen
    the column's integer part."""
    counts_apart = any(_is_count(c) for c in cells) and any(c.is_number and not _is_count(c) for c in cells)
    extent = number_extent([c for c in cells if not (counts_apart and _is_count(c))])
    if extent is None:
        return None
    sign = "-" if extent.signed else ""
    text_before = f"{{{_text(extent.before)}}}" if extent.before else ""
    text_after = f"{{{_text(extent.after)}{_stars(extent.stars)}}}" if extent.after or extent.stars else ""
    width = max(len(extent.before) + len(sign) + extent.integers + 1 + extent.decimals + len(extent.after)
                + 0.6 * len(extent.stars), 0,
                *(display_width(c.text) for c in cells if c.is_interval or (counts_apart and _is_count(c))))
    return _Column(f"S[table-format={text_before}{sign}{extent.integers}.{extent.decimals}{text_after}]", width + PADDING,
                   counts_apart=counts_apart)


def _lines(table: Table, columns: list[_Column]) -> float:
    """Estimated printed lines of the header, body and notes, counting the lines of wrapped text."""
    width = sum(c.chars for c in columns)
    lines = sum(1 for g in table.groups if g.label.strip())
    for level in table.header:  # a label wider than its columns wraps
        starts = [sum(s.width for s in level[:k]) + 1 for k in range(len(level))]
        spans = [sum(c.chars for c in columns[start:start + span.width]) for span, start in zip(level, starts, strict=True)]
        lines += max(math.ceil(display_width(span.label) / max(RAGGED * (chars - PADDING), 1))
                     for span, chars in zip(level, spans, strict=True))
    lines += NOTE_LINE * sum(math.ceil(display_width(note) / (width * NOTE_CHARACTERS)) for note in table.notes)
    for _, row in table.rows():
        texts = [row.label, *(c.text for c in row.cells)]
        lines += max([1, *(math.ceil(display_width(t) / (RAGGED * (c.chars - PADDING)))
                           for t, c in zip(texts, columns, strict=True) if c.wrapped)])
    return lines


def _stars(stars: str) -> str:
    return f"\\sym{{{_text(stars)}}}" if stars else ""


def _header(table: Table, layout: _Layout) -> list[str]:
    """Spanner levels with a cmidrule under each labelled span, then the column labels, wrapped where wider
    than their column."""
    columns = layout.columns
    lines = []
    for level in table.header[:-1]:
        cells, rules, start = [""], [], 2
        for span in level:
            chars = sum(c.chars for c in columns[start - 1:start - 1 + span.width])
            cells.append(f"\\multicolumn{{{span.width}}}{{c}}{{{_fitted(span.label, chars, layout.line)}}}")
            if span.label.strip():
                rules.append(f"\\cmidrule(lr){{{start}-{start + span.width - 1}}}")
            start += span.width
        lines += [" & ".join(cells) + " \\\\", *rules]
    labels = [f"\\multicolumn{{1}}{{c}}{{{_fitted(label, column.chars, layout.line)}}}" if column.aligned else _text(label)
              for label, column in zip(table.column_labels, columns[1:], strict=True)]
    return lines + [" & ".join([_text(table.stubhead), *labels]) + " \\\\"]


def _fitted(label: str, chars: float, line: float) -> str:
    """A header label, in a centred box as wide as its columns if it is wider than they are."""
    if display_width(label) + PADDING <= chars:
        return _text(label)
    return f"\\parbox[b]{{{_fraction(chars, line)}\\linewidth}}{{\\centering\\hspace{{0pt}}{_text(label)}}}"


def _body(table: Table, layout: _Layout) -> list[str]:
    """Group label rows spanning the table, rules above the rows that ask for one."""
    columns, lines = layout.columns, []
    for index, group in enumerate(table.groups):
        if group.label.strip():
            if index:
                lines.append("\\addlinespace")
            lines.append(_group_label(group.label, layout))
        for row in group.rows:
            if row.rule_above:
                lines.append("\\midrule")
            lines.append(_row(row, columns[1:]))
    return lines


def _group_label(label: str, layout: _Layout) -> str:
    """A group's label across the table, wrapped if wider than the table."""
    chars = sum(c.chars for c in layout.columns)
    column = "l" if display_width(label) + PADDING <= chars else f"p{{{_fraction(chars, layout.line)}\\linewidth}}"
    return f"\\multicolumn{{{len(layout.columns)}}}{{@{{}}{column}@{{}}}}{{\\raggedright\\textit{{{_text(label)}}}}} \\\\"


def _row(row: Row, columns: list[_Column]) -> str:
    cells = [_cell(cell, column.aligned, column.counts_apart) for cell, column in zip(row.cells, columns, strict=True)]
    return " & ".join([_text(row.label), *cells]) + " \\\\"


def _cell(cell: Cell, aligned: bool, counts_apart: bool = False) -> str:
    """In an S column the number stays bare for siunitx and the text around it is braced; a count set apart is
    braced whole."""
    if not (aligned and cell.is_number) or (counts_apart and _is_count(cell)):
        text = _text("".join(cell.parts(MINUS))) + _stars(cell.stars)
        return f"{{{text}}}" if aligned and text else text
    before, number, after = cell.parts()
    braced_before = f"{{{_text(before)}}}" if before else ""
    braced_after = f"{{{_text(after)}{_stars(cell.stars)}}}" if after or cell.stars else ""
    return braced_before + number + braced_after


def _notes(environment: str, notes: tuple[str, ...], size: str) -> list[str]:
    """threeparttable's notes: set as wide as the table, flush left, in the size given."""
    if not notes:
        return []
    return [f"\\begin{{{environment}}}[flushleft]", f"{size}\\raggedright\\setlength{{\\labelsep}}{{0pt}}",
            *(f"\\item[] {_text(note)}" for note in notes), f"\\end{{{environment}}}"]


# --- Whole documents ---------------------------------------------------------------------------------------------

class _Setup(NamedTuple):
    """A document's engine, class and settings, and how much of a table and of an equation its line holds."""

    program: str
    documentclass: str
    settings: str
    chinese_headings: bool = False  # headings numbered 一、（一）1.（1）by the class (ctexart)
    table_line: float = LINE  # characters of table text in the line, at table_size
    table_size: str = ""
    note_size: str = "\\footnotesize"  # of table and figure notes: 8 pt or more
    math_line: float = MATH_LINE
    table_lines: int = LONG  # lines of a table that fit a page with its caption and notes

    @property
    def frontmatter(self) -> bool:
        """Whether the class takes title, authors, abstract and keywords in a frontmatter block (elsarticle)."""
        return self.documentclass.endswith("{elsarticle}")


_ENGLISH_SECTIONS = r"""% Sections numbered as "1. Introduction", "3.2 Composite indices".
\makeatletter
\renewcommand{\@seccntformat}[1]{\csname the#1\endcsname\ifnum\pdfstrcmp{#1}{section}=0 .\fi\quad}
\makeatother"""
_CHINESE_HEADINGS = r"""% Headings numbered 一、（一）1.（1）.
\setcounter{secnumdepth}{4}
\ctexset{section={number=\chinese{section}, name={,、}, aftername={}},
  subsection={number=\chinese{subsection}, name={（,）}, aftername={}},
  subsubsection={number=\arabic{subsubsection}, name={,.}, aftername={\,}},
  paragraph={number=\arabic{paragraph}, name={（,）}, aftername={}, runin=false}}"""
_CTEX = r"""\documentclass[UTF8,zihao=5,a4paper,fontset=fandol]{ctexart}
\usepackage[margin=2.5cm]{geometry}
\pagestyle{plain}
\ctexset{section/format={\large\bfseries\raggedright}, subsection/format={\normalsize\bfseries\raggedright}}"""
_CHINESE_CAPTIONS = r"""% Captions as Chinese journals print them: 表1 标题 (the empty box keeps xeCJK's space out of 表1).
\DeclareCaptionLabelFormat{chinese}{#1\hbox{}#2}
\captionsetup{labelformat=chinese, labelsep=quad, justification=centering}"""


def _setup(profile: str, program: str, headings: str) -> _Setup:
    """The class of the journal profile and engine: elsarticle for Elsevier, ctexart for XeLaTeX, else article."""
    if profile == "elsevier":
        # 12 pt on a 390 pt line: tables in \small (10.95 pt) fit 0.85 of an 11 pt, 455 pt line's characters, and
        # single-spaced (review spaces the text by 1.5) 32 lines of a 592 pt page
        return _Setup(program, r"\documentclass[preprint,review,12pt,a4paper]{elsarticle}", "", False,
                      LINE * 0.85, "\\linespread{1}\\small", math_line=MATH_LINE * 0.78, table_lines=32)
    if program == XELATEX:  # 10.5 pt (五号) body, tables in \small: 9 pt (小五), as Chinese journals set them
        chinese = headings == "chinese"
        settings = "\n".join([_CHINESE_CAPTIONS, *([_CHINESE_HEADINGS] if chinese else [])])
        return _Setup(program, _CTEX, settings, chinese, LINE * 1.1, "\\small", "\\small", table_lines=40)
    return _Setup(program, "\\documentclass[11pt,a4paper]{article}\n\\usepackage[margin=2.5cm]{geometry}",
                  _ENGLISH_SECTIONS if headings == "decimal" else "")


_HYPERREF = r"""\usepackage[hidelinks, bookmarks=true, bookmarksnumbered=true, bookmarksopen=true]{hyperref}"""


def _document(setup: _Setup, front: list[str], body: str, title: str, author: str = "", address: str = "") -> str:
    """A complete document around body: engine line, class, preamble, title block (front: elsarticle's
    frontmatter lines, else what follows \\maketitle)."""
    if setup.frontmatter:
        start = ["\\begin{frontmatter}", f"\\title{{{title}}}", *([f"\\author{{{author}}}"] if author else []),
                 *([f"\\address{{{address}}}"] if address else []), *front, "\\end{frontmatter}",
                 "\\thispagestyle{plain}% elsarticle's own first-page footer is a box 2.6 pt too wide"]
    else:
        byline = " \\\\ ".join(filter(None, (author, address and f"\\normalsize\\itshape {address}")))
        start = [f"\\title{{{title}}}", f"\\author{{{byline}}}", "\\date{}", "\\maketitle", *front]
    return "\n".join([
        f"% !TEX program = {setup.program}",
        setup.documentclass,
        preamble(setup.program).rstrip("\n"),
        *filter(None, [setup.settings]),
        _HYPERREF,
        "\\begin{document}",
        *start,
        body,
        "\\end{document}",
        "",
    ])


class _Context(NamedTuple):
    """What the block writers need beside the block."""

    figure_files: dict[str, str]
    words: dict
    setup: _Setup
    headings: str
    language: str
    anchors: frozenset[str]  # the labels the document defines: references to others print as plain text


def render_document(doc: blocks.Document, figure_files: dict[str, str]) -> str:
    """The document as LaTeX source for its engine; figure_files maps each figure id to its PDF's path relative to
    the .tex."""
    setup = _setup(doc.profile, engine(doc.language, doc.profile), doc.headings)
    w = words(doc.language)
    anchors = frozenset(filter(None, map(_anchor, doc.blocks)))
    context = _Context(figure_files, w, setup, doc.headings, doc.language, anchors)
    abstract, rest = _abstract(doc.blocks)
    synthetic = [_marked(_text(w["synthetic"]))] if doc.synthetic else []
    if all(isinstance(b, (blocks.TableBlock, blocks.FigureBlock)) for b in doc.blocks):  # a tables document
        front, body = synthetic, _supplement(doc.blocks, context)
    elif setup.frontmatter:
        keywords = [b for b in abstract if isinstance(b, blocks.LabelledText) and b.kind == "keywords" and not b.missing]
        text = [b for b in abstract[1:] if b not in keywords]
        front = ["\\begin{abstract}", *_written(text, context), "\\end{abstract}"] if abstract else []
        front += [line for block in keywords for line in _keyword_block(block)]
        body = synthetic + _written(rest, context)
    else:
        front, body = synthetic, _written(list(doc.blocks), context)
    return _document(setup._replace(settings="\n".join(filter(None, [setup.settings, latex_text.preamble(doc)]))),
                     front, "\n".join(body), _text(doc.title), _text(doc.authors), _text(doc.affiliations))


def _keyword_block(block: blocks.LabelledText) -> list[str]:
    """elsarticle's keyword block: the keywords separated by \\sep."""
    keywords = KEYWORD_SEPARATORS.split("".join(run.text for run in block.inlines))
    return ["\\begin{keyword}", " \\sep ".join(_text(k) for k in keywords if k.strip()), "\\end{keyword}"]


def _anchor(block) -> str:
    """The label of a heading, table, figure or equation ("" for a block without an id)."""
    item = getattr(block, "table", None) or getattr(block, "figure", None) or block
    item_id = getattr(item, "id", "")
    return blocks.anchor(item_id) if item_id else ""


def _abstract(document_blocks: tuple) -> tuple[list, list]:
    """The abstract's heading and blocks (up to the next heading), and every other block in order."""
    items = list(document_blocks)
    start = next((k for k, b in enumerate(items) if isinstance(b, blocks.Heading) and b.id == "abstract"), None)
    if start is None:
        return [], items
    end = next((k for k, b in enumerate(items[start + 1:], start=start + 1) if isinstance(b, blocks.Heading)),
               len(items))
    return items[start:end], items[:start] + items[end:]


def _written(items: list, context: _Context) -> list[str]:
    writers = _BLOCK_WRITERS | latex_text.WRITERS  # the author's text, front and back matter
    return [writers[type(block)](block, context) for block in items]


def _supplement(items: tuple, context: _Context) -> list[str]:
    """A tables document: the tables in order, as many to a page as fit, then the figures from a new page."""
    tables = [_table(b, context) + "\\FloatBarrier" for b in items if isinstance(b, blocks.TableBlock)]
    figures = [_figure(b, context) for b in items if isinstance(b, blocks.FigureBlock)]
    return tables + (["\\clearpage", *figures] if figures else [])


def _marked(text: str) -> str:
    """A framed, shaded box: what the author must still write or know."""
    return f"\\authornote{{{text}}}\n"


_SECTIONS = ("section", "subsection", "subsubsection", "paragraph")


def _heading(block: blocks.Heading, context: _Context) -> str:
    """A numbered section with the Document's number (LaTeX counts the same), or an unnumbered one in the outline;
    floats of the sections before stay before a top-level heading."""
    command = _SECTIONS[min(block.level, len(_SECTIONS)) - 1]
    barrier = ["\\FloatBarrier"] if block.level == 1 else []
    label = [f"\\label{{{blocks.anchor(block.id)}}}"] if block.id else []
    if block.numbered and block.number and (context.headings == "decimal" or context.setup.chinese_headings):
        return "\n".join([*barrier, f"\\{command}{{{_text(block.text)}}}", *label])
    text = _text(blocks.heading_label(block, context.headings, context.language))
    return "\n".join([*barrier, f"\\{command}*{{{text}}}", "\\phantomsection",
                      f"\\addcontentsline{{toc}}{{{command}}}{{{text}}}", *label])


def _paragraph(block: blocks.Paragraph, context: _Context) -> str:
    """The paragraph's text, escaped, each cross-reference a link around its \\ref."""
    parts = [_reference(part, context) if isinstance(part, blocks.Reference) else _escaped(re.sub(r"\s+", " ", part))
             for part in blocks.inline_parts(block.text)]
    return "".join(parts).strip() + "\n"


def _reference(reference: blocks.Reference, context: _Context) -> str:
    """The printed name with its number as \\ref ("Table~\\ref{...}", "Equation~(\\ref{...})"), the whole name the
    link; the printed name alone where the document does not hold what it names."""
    before, number, after = reference.printed.rpartition(reference.number)
    if reference.anchor not in context.anchors or not number:
        return _text(reference.printed)
    before = re.sub(r"\s+", "~", _escaped(before))  # the name never breaks across lines
    if before and display_width(before[-1]) == 2:
        before += "\\hbox{}"  # 表5 as Chinese text prints it, without xeCJK's space before the number
    return f"\\hyperref[{reference.anchor}]{{{before}\\ref*{{{reference.anchor}}}{_escaped(after)}}}"


def _placeholder(block: blocks.Placeholder, context: _Context) -> str:
    return _marked(f"{_text(context.words['placeholder'].format(section=block.printed))} {_text(block.prompt)}")


_COEFFICIENT_THEN_NAME = re.compile(r"\}\s+(\\text\{)")


def _equation(block: blocks.Equation, context: _Context) -> str:
    """One display with the Document's number: on one line if it fits, else split at its plus signs, aligned on
    the equals sign, or flush left under a left side too long for that; a thin space between a coefficient and a
    variable's name."""
    math_text = " ".join(_COEFFICIENT_THEN_NAME.sub(r"}\\,\1", line) for line in block.latex_lines(escape_latex))
    lines = [f"\\setcounter{{equation}}{{{block.number - 1}}}", "\\begin{equation}",
             *([f"\\label{{{blocks.anchor(block.id)}}}"] if block.id else [])]
    left, equals, right = _top_level_split(math_text, "=")
    room = context.setup.math_line
    if _math_width(math_text) <= room or not equals:
        return "\n".join([*lines, math_text, "\\end{equation}"])
    terms = _top_level_split_all(right, "+")
    beside = room - _math_width(left) - 2  # what fits right of the equals sign
    if beside >= max(map(_math_width, terms)):
        rows = _rows(terms, beside, beside)
        split = [f"{left} &= {rows[0]}", *(f"&\\quad + {row}" for row in rows[1:])]
    else:
        rows = _rows(terms, beside, room - 4)
        split = [f"&{left} = {rows[0]}", *(f"&\\qquad + {row}" for row in rows[1:])]
    return "\n".join([*lines, "\\begin{split}", " \\\\\n".join(split), "\\end{split}", "\\end{equation}"])


def _rows(terms: list[str], first: float, room: float) -> list[str]:
    """Terms joined by + into as few rows as fit: first characters in the first row, room in the others."""
    rows: list[list[str]] = [[]]
    for term in terms:
        if rows[-1] and _math_width(" + ".join([*rows[-1], term])) > (room if len(rows) > 1 else first):
            rows.append([])
        rows[-1].append(term)
    return [" + ".join(row) for row in rows]


def _top_level_split(text: str, sign: str) -> tuple[str, str, str]:
    """text split at the first sign outside braces."""
    pieces = _top_level_split_all(text, sign, limit=1)
    return (pieces[0], sign, pieces[1]) if len(pieces) == 2 else (text, "", "")


def _top_level_split_all(text: str, sign: str, limit: int = -1) -> list[str]:
    pieces, depth, start = [], 0, 0
    for k, character in enumerate(text):
        depth += {"{": 1, "}": -1}.get(character, 0) if text[k - 1:k] != "\\" else 0
        if character == sign and depth == 0 and len(pieces) != limit:
            pieces.append(text[start:k].strip())
            start = k + 1
    return [*pieces, text[start:].strip()]


def _math_width(latex: str) -> float:
    """Estimated printed width of math in characters: a command is one character, a subscript's characters
    count 0.6, and a binary sign takes three with its spaces."""
    subscripts = re.findall(r"_\{([^{}]*)\}", latex)
    bare = re.sub(r"_\{[^{}]*\}", "", latex)
    bare = re.sub(r"\\(text|ln|quad|,)\b|\\,", lambda m: "ln" if m.group(1) == "ln" else "", bare)
    bare = re.sub(r"\\[A-Za-z]+|\\.", "x", bare)
    bare = re.sub(r"[\s{}]", "", bare)
    return len(bare) + 2 * len(re.findall(r"[=+-]", bare)) + 0.6 * sum(len(s) for s in subscripts)


def _table(block: blocks.TableBlock, context: _Context) -> str:
    return _sized_table(block.table, block.number, context.words["continued"], context.setup)


def _figure(block: blocks.FigureBlock, context: _Context) -> str:
    """The figure PDF at its print width (at most the line), caption below, notes under it."""
    figure = block.figure
    width = "\\linewidth" if figure.width == "full" else f"{WIDTH[figure.width] / PX_PER_INCH:g}in"
    notes = " ".join(_text(n) for n in figure.notes)
    return "\n".join([
        f"\\setcounter{{figure}}{{{block.number - 1}}}",
        "\\begin{figure}[!htbp]",
        "\\centering",
        f"\\includegraphics[width={width}]{{{context.figure_files[figure.id]}}}",
        f"\\caption{_caption(figure.title, figure.english_title, 'Figure', 'figure')}",
        f"\\label{{{blocks.anchor(figure.id)}}}",
        f"\\par{context.setup.note_size}\\raggedright {notes}" if notes else "",
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
