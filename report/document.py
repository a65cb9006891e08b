"""A manuscript as an ordered list of neutral blocks, in the structure of the paper; renderers lay it out."""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from analysis.names import Names
from analysis.results import Results
from analysis.study import Study
from analysis.table import Table
from analysis.tables import coupling_note

from .narrative import Narrative
from .strings import words

if TYPE_CHECKING:
    from analysis.figures import Figure  # altair loads only where figures are drawn

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
GREEK = ("alpha", "beta", "gamma", "delta", "theta", "lambda", "phi", "psi")
LINE_CHARACTERS = 48  # characters of variable names and coefficients that fit one line of a display equation


# A cross-reference inside drafted text: control characters, which user text never holds (analysis.text cleans them).
REF_OPEN, REF_SEP, REF_CLOSE = "\x02", "\x1f", "\x03"
_REFERENCE = re.compile(f"{REF_OPEN}([^{REF_SEP}]*){REF_SEP}([^{REF_SEP}]*){REF_SEP}([^{REF_CLOSE}]*){REF_CLOSE}")


@dataclass(frozen=True)
class Reference:
    """A table, figure, equation or section cited in a paragraph: its id, the name printed for it ("Table 5",
    "表5", "Equation (3)") and the number inside that name, which LaTeX prints with \\ref and Word with a field."""

    id: str
    printed: str
    number: str

    @property
    def anchor(self) -> str:
        return anchor(self.id)


def anchor(item_id: str) -> str:
    """The LaTeX label and Word bookmark of a table, figure, equation or section: letters, digits and _ only, as
    Word's bookmark names must be."""
    return "ref_" + re.sub(r"[^A-Za-z0-9]", "_", item_id)


def cross_reference(item_id: str, printed: str, number: int | str) -> str:
    """The reference as it travels inside a paragraph's text, for renderers to make a field or \\ref of."""
    return f"{REF_OPEN}{item_id}{REF_SEP}{printed}{REF_SEP}{number}{REF_CLOSE}"


def inline_parts(text: str) -> list[str | Reference]:
    """The paragraph's text split into plain strings and References."""
    pieces = _REFERENCE.split(text)
    parts: list[str | Reference] = []
    for k in range(0, len(pieces), 4):
        if pieces[k]:
            parts.append(pieces[k])
        if k + 3 < len(pieces):
            parts.append(Reference(*pieces[k + 1:k + 4]))
    return parts


def plain(text: str) -> str:
    """The text as read on screen: each reference as its printed name."""
    return _REFERENCE.sub(r"\2", text)


@dataclass(frozen=True)
class Heading:
    """A section heading; number is the Document's ("3", "4.2"), empty for unnumbered ones (Abstract, References)."""

    text: str
    level: int = 1
    id: str = ""
    number: str = ""
    numbered: bool = True


CHINESE_NUMERALS = "〇一二三四五六七八九十"


def _chinese(n: int) -> str:
    """一 to 九十九, as Chinese headings count."""
    tens, units = divmod(n, 10)
    return ((CHINESE_NUMERALS[tens] if tens > 1 else "") + ("十" if tens else "") +
            (CHINESE_NUMERALS[units] if units or not tens else ""))


def heading_label(heading: Heading, style: str = "decimal", language: str = "en") -> str:
    """The heading as printed: "1. Introduction", "3.2 Composite indices", "1 引言", or in the Chinese style
    "一、引言", "（二）综合指数", "1. ...", "（1）..."."""
    if not heading.number:
        return heading.text
    parts = [int(p) for p in heading.number.split(".")]
    if style == "chinese":
        last = parts[-1]
        prefix = (f"{_chinese(last)}、", f"（{_chinese(last)}）", f"{last}.", f"（{last}）")[min(len(parts), 4) - 1]
        return prefix + heading.text
    if len(parts) == 1 and not language.startswith("zh"):
        return f"{heading.number}. {heading.text}"
    return f"{heading.number} {heading.text}"


def labelled(doc: Document) -> list:
    """The Document's blocks with each heading's text as printed, its number included."""
    return [replace(b, text=heading_label(b, doc.headings, doc.language)) if isinstance(b, Heading) else b
            for b in doc.blocks]


def numbered_headings(blocks: list) -> list:
    """The blocks with every numbered heading given its number in sequence (1, 2, 2.1, 2.2, 3 ...)."""
    counters: list[int] = []
    out = []
    for block in blocks:
        if isinstance(block, Heading) and block.numbered:
            counters = (counters + [0] * block.level)[:block.level]
            counters[-1] += 1
            block = replace(block, number=".".join(map(str, counters)))
        out.append(block)
    return out


@dataclass(frozen=True)
class Paragraph:
    text: str


@dataclass(frozen=True)
class Placeholder:
    """Where only the author can write; printed visibly marked."""

    section: str
    prompt: str


@dataclass(frozen=True)
class Equation:
    """A numbered display equation; a long one is given as several lines, each LaTeX math."""

    lines: tuple[str, ...]
    number: int
    names: tuple[str, ...] = ()  # variable names, written \text{VAR0}, \text{VAR1} ... in the lines
    id: str = ""  # the cross-reference id ("eq:system1") its number is anchored by

    def latex_lines(self, escape) -> list[str]:
        """The lines with each variable name put back, escaped by the renderer's own function."""
        out = []
        for line in self.lines:
            for k in reversed(range(len(self.names))):
                line = line.replace(f"\\text{{{name_marker(k)}}}", f"\\text{{{escape(self.names[k])}}}")
            out.append(line)
        return out


def name_marker(k: int) -> str:
    """How equations refer to variable name k, so that no user text is ever parsed as LaTeX."""
    return f"VAR{k}"


@dataclass(frozen=True)
class TableBlock:
    table: Table
    number: int


@dataclass(frozen=True)
class FigureBlock:
    figure: Figure
    number: int


@dataclass(frozen=True)
class Document:
    title: str
    authors: str
    affiliations: str
    keywords: str
    blocks: tuple
    synthetic: bool = False
    language: str = "en"  # the catalogue of fixed words the renderers print
    profile: str = "generic"  # the journal whose conventions the renderers follow
    headings: str = "decimal"  # how headings print their numbers (heading_label)


def _author_blocks(narrative: Narrative, section: str, w: dict) -> list:
    """The author's paragraphs (blank-line separated), or a placeholder asking for them."""
    text = getattr(narrative, section).strip()
    if not text:
        return [Placeholder(section, w[f"prompt_{section}"])]
    return [Paragraph(p.strip()) for p in text.split("\n\n") if p.strip()]


def equation_templates() -> dict:
    return tomllib.loads((TEMPLATES / "equations.toml").read_text(encoding="utf-8"))


def system_equations(study: Study) -> list[tuple[tuple[str, ...], tuple[str, ...]]]:
    """The study's equations as (LaTeX lines, variable names): Greek coefficients, panel subscripts.

    Variables print as their abbreviations (Table 2 declares them), else as their labels.
    """
    index = "it" if study.panel.entity and study.panel.time else "t"
    printed = Names(study, "abbreviation")
    out = []
    for k, eq in enumerate(study.model.parsed):
        names = [printed.column(t.column) for t in (eq.dependent, *eq.regressors)]

        def variable(term, position):
            text = rf"\text{{{name_marker(position)}}}_{{{index}}}"
            return rf"\ln {text}" if term.transform == "ln" else text

        coef = "\\" + GREEK[k % len(GREEK)]
        terms = ([f"{coef}_{{0}}"] if eq.intercept else []) + [
            f"{coef}_{{{j}}} {variable(t, j)}" for j, t in enumerate(eq.regressors, start=1)]
        terms.append(rf"\varepsilon_{{{k + 1},{index}}}")
        widths = [len(names[0]) + 6] + [len(name) + 8 for name in names[1:]]
        if eq.intercept:
            widths.insert(1, 4)
        widths.append(6)
        chunks = _lines(terms, widths)
        lines = (f"{variable(eq.dependent, 0)} = {chunks[0]}", *[f"+ {chunk}" for chunk in chunks[1:]])
        out.append((lines, tuple(names)))
    return out


def _lines(terms: list[str], widths: list[int]) -> list[str]:
    """Terms joined by + into lines of about LINE_CHARACTERS each; widths[0] is what precedes the first term."""
    lines, current, used = [], [], widths[0]
    for term, width in zip(terms, widths[1:]):
        if current and used + width > LINE_CHARACTERS:
            lines.append(" + ".join(current))
            current, used = [], 0
        current.append(term)
        used += width
    return lines + [" + ".join(current)]


def display_equations(study: Study) -> dict[str, object]:
    """The manuscript's display equations by cross-reference id ("eq:entropy1", "eq:coupling2", "eq:system1"), in
    order of appearance: LaTeX strings, or (lines, variable names) pairs for the system."""
    templates = equation_templates()
    groups = [(method, templates[method]["equations"]) for method in dict.fromkeys(i.method for i in study.indices)]
    if study.coupling:
        groups.append(("coupling", templates["coupling"][study.coupling.formula]["equations"]))
    if study.model:
        groups.append(("system", system_equations(study)))
    groups += [(f"chapter_{method}", spec["equations"]) for method, spec in templates["chapter"].items()
               if getattr(study, method) is not None]
    return {f"eq:{group}{k}": item for group, items in groups for k, item in enumerate(items, start=1)}


def _equation(item_id: str, item, number: int) -> Equation:
    lines, names = ((item,), ()) if isinstance(item, str) else item
    return Equation(tuple(lines), number, tuple(names), item_id)


def manuscript(results: Results, study: Study, narrative: Narrative, exhibits, text: dict[str, list[str]],
               equation_numbers, ref) -> Document:
    """The whole paper: author sections as placeholders or their text, methods, and results around Tables 1-9.

    exhibits holds the numbered tables and figures; text the drafted results paragraphs by section;
    equation_numbers the Report's number of each display equation id; ref(id) the cross-reference to an exhibit.
    """
    w = words(exhibits.language)
    by_id = {b.table.id: b for b in exhibits.paper}
    fig = {b.figure.id: b for b in exhibits.figures}
    templates = equation_templates()
    equations = display_equations(study)

    def numbered(group):
        """The group's Equation blocks, numbered as the Report's cross-reference map numbers them."""
        ids = [i for i in equations if i.removeprefix(f"eq:{group}").isdigit()]
        return [_equation(i, equations[i], equation_numbers[i]) for i in ids]

    def paragraphs(key):
        return [Paragraph(p) for p in text.get(key, [])]

    def author(section):
        return _author_blocks(narrative, section, w)

    blocks: list = [Heading(w["abstract"], 1, "abstract", numbered=False), *author("abstract")]
    blocks += [Heading(w["introduction"], 1, "introduction"), *author("introduction"),
               Heading(w["literature"], 1, "literature"), *author("literature"), Heading(w["method"], 1, "method")]
    blocks += _data_blocks(results, study, w)
    if study.indices:
        blocks.append(Heading(w["indices_method"], 2, "indices_method"))
        for method in dict.fromkeys(i.method for i in study.indices):
            names = ", ".join(i.label or i.name for i in study.indices if i.method == method)
            spec = templates[method]
            blocks += [Paragraph(f"{names}: {spec['intro']}"), *numbered(method)]
            if spec["outro"]:
                blocks.append(Paragraph(spec["outro"]))
    if study.coupling:
        spec = templates["coupling"][study.coupling.formula]
        blocks += [Heading(w["coupling_method"], 2, "coupling_method"), Paragraph(spec["intro"]), *numbered("coupling"),
                   Paragraph(f"{coupling_note(results, study)} The ten coordination levels are listed in {ref('table1')}."),
                   by_id["table1"]]
    if study.model:
        blocks += [Heading(w["model_method"], 2, "model_method"),
                   Paragraph("The simultaneous equation system is"), *numbered("system"),
                   Paragraph("Every dependent variable is treated as endogenous and every exogenous variable of the "
                             "system instruments each equation, as in Stata's reg3. The variables are described in "
                             f"{ref('table2')} and summarised in {ref('table3')}."),
                   by_id["table2"], by_id["table3"]]
    blocks.append(Heading(w["results"], 1, "results"))
    for key, table_ids, figure_ids, lead in (
            ("indices", ("table4",), ("figure1",), "table4"),
            ("coupling", ("table5", "table6"), ("d_by_region", "d_heatmap", "d_map"), None),
            ("model", ("table7",), ("coefficients",), None),
            ("robustness", ("table8",), (), None),
            ("heterogeneity", ("table9",), ("coefficients_groups",), None)):
        present = [by_id[t] for t in table_ids if t in by_id]
        if not present:
            continue
        intro = [Paragraph(f"{ref(lead)} gives the weight of every indicator.")] if lead else []
        exhibits_here = [*intro, present[0], *paragraphs(key), *present[1:]] if lead else [*paragraphs(key), *present]
        blocks += [Heading(w[key + "_results"], 2, f"{key}_results"), *exhibits_here, *[fig[f] for f in figure_ids if f in fig]]
    if results.chapter is not None:  # after Tables 1-9, as its tables and figures are numbered
        blocks += [Heading(w["chapter_results"], 2, "chapter_results"),
                   *_chapter_blocks(results, exhibits, text, numbered, templates)]
    blocks += [Heading(w["conclusions"], 1, "conclusions"), *author("conclusions"),
               Heading(w["suggestions"], 1, "suggestions"), *author("suggestions"),
               Heading(w["references"], 1, "references", numbered=False), *author("references")]
    return Document(narrative.title or study.title, narrative.authors, narrative.affiliations, narrative.keywords,
                    tuple(numbered_headings(blocks)), results.synthetic, exhibits.language, study.document.profile,
                    study.document.headings)


CHAPTER_EXHIBITS = (("moran", ("moran",), ("moran_scatter",)), ("lisa", ("lisa",), ("lisa_map",)),
                    ("dagum", ("dagum", "dagum_within"), ()), ("density", (), ("density",)),
                    ("markov", ("markov",), ()), ("obstacle", ("obstacle",), ()),
                    ("development", ("development",), ()))


def _chapter_blocks(results: Results, exhibits, text: dict[str, list[str]], numbered, templates: dict) -> list:
    """The chapter: its weights and formulas, then each section's text, tables and figures, then what was not computed."""
    chapter = results.chapter
    tables = {b.table.id: b for b in exhibits.extra}
    figures = {b.figure.id: b for b in exhibits.figures}
    blocks = [Paragraph(f"Spatial weights: {chapter.conventions['spatial']}")] if "spatial" in chapter.conventions else []
    for method, spec in templates["chapter"].items():
        if formulas := numbered(f"chapter_{method}"):  # the method, as the study asks for it
            blocks += [Paragraph(spec["intro"]), *formulas, Paragraph(spec["outro"])]
    for section, table_ids, figure_ids in CHAPTER_EXHIBITS:
        blocks += [*(Paragraph(p) for p in text.get(f"chapter_{section}", [])),
                   *(tables[t] for t in table_ids if t in tables), *(figures[f] for f in figure_ids if f in figures)]
    return blocks + [Paragraph(p) for p in text.get("chapter_problems", [])]


def _data_blocks(results: Results, study: Study, w: dict) -> list:
    summary = results.panel_summary
    text = f"The sample has {summary.rows} observations"
    entity = study.panel.entity
    if entity and summary.entities:
        labelled = study.label(entity) != entity
        text += f" on {summary.entities} " + (f"{study.label(entity).lower()} units" if labelled else "entities")
    if study.panel.time and summary.periods:
        text += f" over {summary.periods} periods ({summary.first_period}-{summary.last_period})"
    text += "."
    if summary.balanced is False:
        text += " The panel is unbalanced."
    text += "".join(f" {note}" for note in results.source_notes())
    return [Heading(w["data"], 2, "data"), Paragraph(text)]


def tables_only(study: Study, exhibits, synthetic: bool) -> Document:
    """Every table and figure with its number, for a supplementary file."""
    blocks = [*exhibits.tables, *exhibits.figures]
    return Document(words(exhibits.language)["tables_title"].format(title=study.title), "", "", "", tuple(blocks),
                    synthetic, exhibits.language, study.document.profile, study.document.headings)
