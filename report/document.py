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
from analysis.table import Format, Table

from .narrative import Narrative
from .phrasing import Phrasing
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
    name: str = ""  # the section as printed ("引言"); the key when empty

    @property
    def printed(self) -> str:
        return self.name or self.section


@dataclass(frozen=True)
class Prose:
    """The author's text in the markup subset (report.markup): paragraphs, lists, emphasis, line breaks, citations."""

    blocks: tuple


@dataclass(frozen=True)
class LabelledText:
    """A paragraph led by a bold label: "Keywords: a; b", "中图分类号：F061.5"; inlines as report.markup's.
    missing: the author has still to write it, and the text is the prompt, printed marked."""

    label: str
    inlines: tuple
    missing: bool = False
    kind: str = ""  # "keywords": what a class with a keyword block (elsarticle) sets there

    @property
    def lead(self) -> str:
        """The label as printed before the text: "Keywords: " takes a space, "关键词：" none."""
        return self.label + " " if self.label[-1:].isascii() and self.label[-1:].strip() else self.label


@dataclass(frozen=True)
class TitleBlock:
    """A title inside the document, with its authors and affiliations: a Chinese paper's English title block."""

    title: str
    authors: str = ""
    affiliations: str = ""


@dataclass(frozen=True)
class FirstPageNote:
    """A footnote without a mark on the first page (收稿日期, 基金项目, 作者简介): LabelledText lines."""

    lines: tuple


@dataclass(frozen=True)
class BibliographyBlock:
    """The reference list, one paragraph per entry (report.references.Entry).

    bibtex: the cited entries as a .bib file for biber, with biblatex the style LaTeX prints them in; empty for
    references the author typed, which LaTeX prints as they are."""

    entries: tuple
    bibtex: str = ""
    biblatex: str = ""  # biblatex's options: "style=numeric,sorting=none"


AUTHOR_BLOCKS = (Prose, LabelledText, TitleBlock, FirstPageNote, BibliographyBlock)  # report.matter's, in that order
# each renderer's writers for them: prose, labelled, title_block, first_page_note, bibliography (latex_text, docx_text)


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


def _author_blocks(narrative: Narrative, language: str, profile: str):
    """The author's sections, front and back matter as blocks (report.matter), citations formatted."""
    from .matter import compose  # matter builds on this module's block types
    return compose(narrative, language, profile)


def highlights_document(narrative: Narrative, language: str, profile: str) -> Document | None:
    """The highlights in a file of their own, as Elsevier asks for them; None for other journals."""
    if profile != "elsevier":
        return None
    matter = _author_blocks(narrative, language, profile)
    heading, *highlights = matter.highlights()
    return Document(heading.text, "", "", "", tuple(highlights), language=language, profile=profile)


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
    say = Phrasing.of(exhibits.language, Format())
    by_id = {b.table.id: b for b in exhibits.tables}
    fig = {b.figure.id: b for b in exhibits.figures}
    templates = equation_templates()
    equations = display_equations(study)

    def numbered(group):
        """The group's Equation blocks, numbered as the Report's cross-reference map numbers them."""
        ids = [i for i in equations if i.removeprefix(f"eq:{group}").isdigit()]
        return [_equation(i, equations[i], equation_numbers[i]) for i in ids]

    def method(spec: dict) -> dict:
        """A method's intro and outro in the document's language."""
        return spec.get(say.language, spec)

    def paragraphs(key):
        return [Paragraph(p) for p in text.get(key, [])]

    matter = _author_blocks(narrative, exhibits.language, study.document.profile)
    author = matter.author

    blocks: list = matter.front()
    blocks += [Heading(w["introduction"], 1, "introduction"), *author("introduction"),
               Heading(w["literature"], 1, "literature"), *author("literature"), *matter.hypotheses(),
               Heading(w["method"], 1, "method")]
    blocks += _data_blocks(results, study, w, say)
    if study.indices:
        blocks.append(Heading(w["indices_method"], 2, "indices_method"))
        for index_method in dict.fromkeys(i.method for i in study.indices):
            names = say.join([i.label or i.name for i in study.indices if i.method == index_method])
            spec = method(templates[index_method])
            blocks += [Paragraph(say("indices_intro", names=names, intro=spec["intro"])), *numbered(index_method)]
            if spec["outro"]:
                blocks.append(Paragraph(spec["outro"]))
    if study.coupling:
        blocks += [Heading(w["coupling_method"], 2, "coupling_method"),
                   Paragraph(method(templates["coupling"][study.coupling.formula])["intro"]), *numbered("coupling"),
                   Paragraph(_coupling_outro(study, say, ref)), by_id["table1"]]
    if study.model:
        blocks += [Heading(w["model_method"], 2, "model_method"), Paragraph(say("system_intro")), *numbered("system"),
                   Paragraph(say("system_outro", described=ref("table2"), summarised=ref("table3"))),
                   by_id["table2"], by_id["table3"]]
    blocks.append(Heading(w["results"], 1, "results"))
    for key, heading, table_ids, figure_ids, lead in (
            ("indices", w["indices_results"], ("table4",), ("figure1",), "table4"),
            ("coupling", w["coupling_results"], ("table5", "table6"), ("d_by_region", "d_heatmap", "d_map"), None),
            ("model", w["model_results"], ("table7",), ("coefficients",), None),
            ("robustness", w["robustness_results"], ("table8",), (), None),
            ("heterogeneity", w["heterogeneity_results"], ("table9",), ("coefficients_groups",), None),
            ("diagnostics", say("diagnostics_heading"), ("diagnostics",), (), None)):
        present = [by_id[t] for t in table_ids if t in by_id]
        if not present:
            continue
        intro = [Paragraph(say("weights_lead", table=ref(lead)))] if lead else []
        exhibits_here = [*intro, present[0], *paragraphs(key), *present[1:]] if lead else [*paragraphs(key), *present]
        blocks += [Heading(heading, 2, f"{key}_results"), *exhibits_here, *[fig[f] for f in figure_ids if f in fig]]
    if results.chapter is not None:  # after Tables 1-9 and the diagnostics, as its tables and figures are numbered
        blocks += [Heading(w["chapter_results"], 2, "chapter_results"),
                   *_chapter_blocks(results, study, exhibits, text, numbered, templates, say)]
    blocks += [Heading(w["conclusions"], 1, "conclusions"), *author("conclusions"),
               Heading(w["suggestions"], 1, "suggestions"), *author("suggestions"), *matter.back()]
    return Document(narrative.title or study.title, narrative.authors, narrative.affiliations, narrative.keywords,
                    tuple(numbered_headings(blocks)), results.synthetic, exhibits.language, study.document.profile,
                    study.document.headings)


def _coupling_outro(study: Study, say: Phrasing, ref) -> str:
    """What the formulas leave to words: which index is U1 and U2, the weights a and b, how C, T and D are averaged,
    and the levels."""
    coupling = study.coupling
    u1, u2 = (say.label(study.label(name)) for name in coupling.indices)
    low, high = coupling.rescale
    how = (say("coupling_entity") if coupling.mode == "entity"
           else say("coupling_replication", low=f"{low:g}", high=f"{high:g}"))
    return say.sentences([say("coupling_indices", u1=u1, u2=u2, a=f"{coupling.a:g}", b=f"{coupling.b:g}"), how,
                          say("coupling_levels", table=ref("table1"))])


CHAPTER_EXHIBITS = (("moran", ("moran",), ("moran_scatter",)), ("lisa", ("lisa",), ("lisa_map",)),
                    ("dagum", ("dagum", "dagum_within"), ()), ("density", (), ("density",)),
                    ("markov", ("markov",), ()), ("obstacle", ("obstacle",), ()),
                    ("development", ("development",), ()))


def _chapter_blocks(results: Results, study: Study, exhibits, text: dict[str, list[str]], numbered, templates: dict,
                    say: Phrasing) -> list:
    """The chapter: its weights and formulas, then each section's text, tables and figures, then what was not computed."""
    chapter = results.chapter
    tables = {b.table.id: b for b in exhibits.extra}
    figures = {b.figure.id: b for b in exhibits.figures}
    blocks = ([Paragraph(say("spatial_weights", convention=chapter.conventions["spatial"].text(say.language)))]
              if "spatial" in chapter.conventions else [])
    for method, spec in templates["chapter"].items():
        if formulas := numbered(f"chapter_{method}"):  # the method, as the study asks for it
            spec = spec.get(say.language, spec)
            blocks += [Paragraph(spec["intro"]), *formulas, Paragraph(spec["outro"])]
    for section, table_ids, figure_ids in CHAPTER_EXHIBITS:
        blocks += [*(Paragraph(p) for p in text.get(f"chapter_{section}", [])),
                   *(tables[t] for t in table_ids if t in tables), *(figures[f] for f in figure_ids if f in figures)]
    return blocks + [Paragraph(p) for p in text.get("chapter_problems", [])]


def _data_blocks(results: Results, study: Study, w: dict, say: Phrasing) -> list:
    """The sample in one sentence and the data source, stated here once."""
    summary = results.panel_summary
    entities = periods = ""
    entity = study.panel.entity
    if entity and summary.entities:
        entities = say("data_entities", count=summary.entities)
        entities += say.aside(study.label(entity)) if study.label(entity) != entity else ""
    if study.panel.time and summary.periods:
        periods = say("data_periods", count=summary.periods, span=say.periods(summary.first_period, summary.last_period))
    sentences = [say("data_sample", rows=summary.rows, entities=entities, periods=periods)]
    if summary.balanced is False:
        sentences.append(say("data_unbalanced"))
    if results.data_source:
        sentences.append(say("data_source", source=results.data_source))
    if results.synthetic and say("official_marker") not in results.data_source:
        sentences.append(say("synthetic_data"))
    return [Heading(w["data"], 2, "data"), Paragraph(say.sentences(sentences))]


def tables_only(study: Study, exhibits, synthetic: bool) -> Document:
    """Every table and figure with its number, for a supplementary file."""
    blocks = [*exhibits.tables, *exhibits.figures]
    return Document(words(exhibits.language)["tables_title"].format(title=study.title), "", "", "", tuple(blocks),
                    synthetic, exhibits.language, study.document.profile, study.document.headings)
