"""A manuscript as an ordered list of neutral blocks, in the structure of the paper; renderers lay it out."""
from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from analysis.figures import Figure
from analysis.results import Results
from analysis.study import Study
from analysis.table import Format, Table

from .narrative import Narrative, results_text

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
GREEK = ("alpha", "beta", "gamma", "delta", "theta", "lambda", "phi", "psi")
LINE_CHARACTERS = 48  # characters of variable names and coefficients that fit one line of a display equation


@dataclass(frozen=True)
class Heading:
    text: str
    level: int = 1


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


PROMPTS = {
    "abstract": "Write the abstract: the question, the data, the method and the main findings.",
    "introduction": "Write the introduction: why the question matters and what the paper adds.",
    "literature": "Write the literature review.",
    "conclusions": "Write the conclusions, read from the results above.",
    "suggestions": "Write the policy suggestions.",
    "references": "List the references.",
}


def _author_blocks(narrative: Narrative, section: str) -> list:
    """The author's paragraphs (blank-line separated), or a placeholder asking for them."""
    text = getattr(narrative, section).strip()
    if not text:
        return [Placeholder(section, PROMPTS[section])]
    return [Paragraph(p.strip()) for p in text.split("\n\n") if p.strip()]


def equation_templates() -> dict:
    return tomllib.loads((TEMPLATES / "equations.toml").read_text(encoding="utf-8"))


def system_equations(study: Study) -> list[tuple[tuple[str, ...], tuple[str, ...]]]:
    """The study's equations as (LaTeX lines, variable names): Greek coefficients, panel subscripts."""
    index = "it" if study.panel.entity and study.panel.time else "t"
    out = []
    for k, eq in enumerate(study.model.parsed):
        names = [eq.dependent.column, *[t.column for t in eq.regressors]]

        def variable(term, position):
            text = rf"\text{{{name_marker(position)}}}_{{{index}}}"
            return rf"\ln {text}" if term.transform == "ln" else text

        coef = "\\" + GREEK[k % len(GREEK)]
        terms = ([f"{coef}_{{0}}"] if eq.intercept else []) + [
            f"{coef}_{{{j}}} {variable(t, j)}" for j, t in enumerate(eq.regressors, start=1)]
        terms.append(rf"\varepsilon_{{{k + 1},{index}}}")
        widths = [len(eq.dependent.column) + 6] + [len(t.column) + 8 for t in eq.regressors]
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


class _Numbering:
    """Numbers tables, figures and equations in order of appearance and names them in the text."""

    def __init__(self, table_list: list[Table], figure_list: list[Figure]):
        self.tables = {t.id: k for k, t in enumerate(table_list, start=1)}
        self.figures = {f.id: k for k, f in enumerate(figure_list, start=1)}
        self.equation = 0

    def ref(self, item_id: str) -> str:
        if item_id in self.tables:
            return f"Table {self.tables[item_id]}"
        return f"Figure {self.figures.get(item_id, '?')}"

    def equations(self, equations: list) -> list[Equation]:
        """Numbered Equation blocks from one-line strings or (lines, variable names) pairs."""
        out = []
        for item in equations:
            self.equation += 1
            lines, names = ((item,), ()) if isinstance(item, str) else item
            out.append(Equation(tuple(lines), self.equation, tuple(names)))
        return out


def manuscript(results: Results, study: Study, narrative: Narrative, table_list: list[Table],
               figure_list: list[Figure], fmt: Format) -> Document:
    """The whole paper: author sections as placeholders or their text, methods, and results around Tables 1-9."""
    numbers = _Numbering(table_list, figure_list)
    by_id = {t.id: TableBlock(t, numbers.tables[t.id]) for t in table_list}
    fig = {f.id: FigureBlock(f, numbers.figures[f.id]) for f in figure_list}
    text = results_text(results, study, numbers.ref, fmt)
    templates = equation_templates()

    def paragraphs(key):
        return [Paragraph(p) for p in text.get(key, [])]

    blocks: list = [Heading("Abstract", 1), *_author_blocks(narrative, "abstract")]
    blocks += [Heading("1. Introduction"), *_author_blocks(narrative, "introduction"),
               Heading("2. Literature review"), *_author_blocks(narrative, "literature"),
               Heading("3. Method and data")]
    blocks += _data_blocks(results, study)
    if study.indices:
        blocks.append(Heading("3.2 Composite indices", 2))
        for method in dict.fromkeys(i.method for i in study.indices):
            names = ", ".join(i.label or i.name for i in study.indices if i.method == method)
            spec = templates[method]
            blocks += [Paragraph(f"{names}: {spec['intro']}"), *numbers.equations(spec["equations"])]
            if spec["outro"]:
                blocks.append(Paragraph(spec["outro"]))
    if study.coupling:
        spec = templates["coupling"][study.coupling.formula]
        blocks += [Heading("3.3 Coupling coordination model", 2), Paragraph(spec["intro"]),
                   *numbers.equations(spec["equations"]),
                   Paragraph(f"{results.coupling.convention} The ten coordination levels are listed in {numbers.ref('table1')}."),
                   by_id["table1"]]
    if study.model:
        blocks += [Heading("3.4 Simultaneous equations", 2),
                   Paragraph("The simultaneous equation system is"), *numbers.equations(system_equations(study)),
                   Paragraph("Every dependent variable is treated as endogenous and every exogenous variable of the "
                             "system instruments each equation, as in Stata's reg3. The variables are described in "
                             f"{numbers.ref('table2')} and summarised in {numbers.ref('table3')}."),
                   by_id["table2"], by_id["table3"]]
    blocks.append(Heading("4. Results"))
    if study.indices:
        blocks += [Heading("4.1 Composite indices", 2),
                   Paragraph(f"{numbers.ref('table4')} gives the weight of every indicator."), by_id["table4"],
                   *paragraphs("indices"), *[fig[i] for i in ("figure1",) if i in fig]]
    if results.coupling:
        blocks += [Heading("4.2 Coupling coordination", 2), *paragraphs("coupling"),
                   *[by_id[i] for i in ("table5", "table6") if i in by_id],
                   *[fig[i] for i in ("d_by_region", "d_heatmap", "d_map") if i in fig]]
    section = 3
    for key, table_id, heading, figure_id in (("model", "table7", "Simultaneous equations", "coefficients"),
                                              ("robustness", "table8", "Robustness", None),
                                              ("heterogeneity", "table9", "Heterogeneity", "coefficients_groups")):
        if table_id in by_id:
            blocks += [Heading(f"4.{section} {heading}", 2), *paragraphs(key), by_id[table_id]]
            blocks += [fig[figure_id]] if figure_id in fig else []
            section += 1
    blocks += [Heading("5. Conclusions"), *_author_blocks(narrative, "conclusions"),
               Heading("6. Suggestions"), *_author_blocks(narrative, "suggestions"),
               Heading("References"), *_author_blocks(narrative, "references")]
    return Document(narrative.title or study.title, narrative.authors, narrative.affiliations, narrative.keywords,
                    tuple(blocks), results.synthetic)


def _data_blocks(results: Results, study: Study) -> list:
    summary = results.panel_summary
    text = f"The sample has {summary.get('rows', len(results.frame))} observations"
    if study.panel.entity and summary.get("entities"):
        text += f" on {summary['entities']} {study.label(study.panel.entity).lower()} units"
    periods = summary.get("periods")
    if study.panel.time and periods:
        first, last = results.frame[study.panel.time].min(), results.frame[study.panel.time].max()
        text += f" over {periods} periods ({first}-{last})"
    text += "."
    if summary.get("balanced") is False:
        text += " The panel is unbalanced."
    text += "".join(f" {note}" for note in results.source_notes())
    return [Heading("3.1 Data", 2), Paragraph(text)]


def tables_only(results: Results, study: Study, table_list: list[Table], figure_list: list[Figure]) -> Document:
    """Every table given and figure, numbered, for a supplementary file."""
    blocks = [TableBlock(t, k) for k, t in enumerate(table_list, start=1)]
    blocks += [FigureBlock(f, k) for k, f in enumerate(figure_list, start=1)]
    return Document(f"{study.title}: tables and figures", "", "", "", tuple(blocks), results.synthetic)

