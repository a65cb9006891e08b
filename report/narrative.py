"""What the author writes (title, abstract, conclusions ...) and the results text drafted from the numbers."""
from __future__ import annotations

import tomllib
from functools import partial
from typing import Annotated, Literal

import tomli_w
from pydantic import AfterValidator, BaseModel, ConfigDict, StrictStr, ValidationError

from analysis.errors import UserError
from analysis.methods import METHODS
from analysis.results import ModelRun, Results
from analysis.names import Names
from analysis.study import WORD_PROPERTY, Study, printable, schema_problems
from analysis.table import Format, significance
from analysis.tables import column_numbers
from analysis.text import clean_text, decode_text

from .chapter_text import chapter_text

AUTHOR_SECTIONS = ("abstract", "introduction", "literature", "conclusions", "suggestions")
CITATION_STYLES = ("apa", "harvard", "numeric", "gb7714")
REFERENCE_FILE_BYTES = 2_000_000  # a reference file of a few thousand entries


def _property(text: str) -> str:
    if len(text) > WORD_PROPERTY:
        raise ValueError(f"has {len(text)} characters; Word keeps at most {WORD_PROPERTY} in a document's properties")
    return text


def _reference_file(text: str) -> str:
    """The reference file's text, read now so that a bad entry is named when the narrative is loaded."""
    if len(text.encode()) > REFERENCE_FILE_BYTES:
        raise ValueError(f"the reference file has more than {REFERENCE_FILE_BYTES // 1_000_000} MB")
    if text.strip():
        from .references import read_library  # bibtexparser and citeproc load only for a narrative that cites
        try:
            read_library(text.encode(), "the reference file")
        except UserError as e:
            raise ValueError("; ".join(str(p) for p in e.problems)) from None
    return text


Paragraphs = Annotated[StrictStr, AfterValidator(lambda text: printable(clean_text(text)))]
Line = Annotated[StrictStr, AfterValidator(lambda text: printable(clean_text(text, single_line=True)))]
Property = Annotated[Line, AfterValidator(_property)]
ReferenceFile = Annotated[StrictStr, AfterValidator(lambda text: _reference_file(clean_text(text)))]


class Narrative(BaseModel):
    """The author's own text; an empty section becomes a marked placeholder in the manuscript.

    Sections are written in a small Markdown subset (report.markup) and cite the reference file with [@key].
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    title: Property = ""
    authors: Annotated[Paragraphs, AfterValidator(_property)] = ""
    affiliations: Paragraphs = ""
    keywords: Property = ""
    highlights: Paragraphs = ""  # one per line or as a list
    abstract: Paragraphs = ""
    introduction: Paragraphs = ""
    literature: Paragraphs = ""
    hypotheses: Paragraphs = ""
    conclusions: Paragraphs = ""
    suggestions: Paragraphs = ""
    author_contributions: Paragraphs = ""  # CRediT roles
    competing_interests: Paragraphs = ""
    funding: Paragraphs = ""  # also the Chinese first-page note's 基金项目
    data_availability: Paragraphs = ""
    references: Paragraphs = ""  # typed references, one per line, when there is no reference file
    bibliography: ReferenceFile = ""  # the text of a BibTeX (.bib) or CSL-JSON (.json) reference file
    bibliography_name: Line = ""  # the reference file's name, as uploaded
    citation_style: Literal["", *CITATION_STYLES] = ""  # "": the journal profile's (chinese-core gb7714, elsevier harvard, apa)
    # A Chinese manuscript: the structured abstract, the classification lines, the first-page note, the English block.
    abstract_purpose: Paragraphs = ""
    abstract_methods: Paragraphs = ""
    abstract_results: Paragraphs = ""
    abstract_conclusions: Paragraphs = ""
    clc_number: Line = ""  # 中图分类号, e.g. F061.5
    document_code: Line = "A"  # 文献标志码
    article_number: Line = ""  # 文章编号
    received: Line = ""  # 收稿日期
    author_notes: Paragraphs = ""  # 作者简介
    title_en: Line = ""
    authors_en: Line = ""
    affiliations_en: Paragraphs = ""
    abstract_en: Paragraphs = ""
    keywords_en: Line = ""


def loads(text: str | bytes) -> Narrative:
    """Parse a narrative TOML file (bytes in UTF-8 or GBK/GB18030); unknown keys and wrong types name their key."""
    if isinstance(text, bytes):
        text = decode_text(text, "narrative file")
    try:
        return Narrative.model_validate(tomllib.loads(text))
    except tomllib.TOMLDecodeError as e:
        raise UserError(f"the narrative file is not valid TOML: {e}") from None
    except RecursionError:
        raise UserError("the narrative file nests tables or arrays too deeply to be read") from None
    except ValidationError as e:
        raise UserError(schema_problems(e, Narrative)) from None


def with_bibliography(narrative: Narrative, data: bytes, filename: str) -> Narrative:
    """The narrative with this reference file (BibTeX or CSL-JSON bytes) as its bibliography; bad entries are named."""
    from .references import decode, read_library
    text = decode(data, filename)
    read_library(text.encode(), filename)
    name = clean_text(filename, single_line=True)
    return narrative.model_copy(update={"bibliography": clean_text(text), "bibliography_name": name})


def dumps(narrative: Narrative) -> str:
    return tomli_w.dumps(narrative.model_dump(), multiline_strings=True)


def significance_level(p_value: float, fmt: Format) -> str | None:
    """The strictest level the p-value passes, in words, under the tables' star rule (Stata's when they show none)."""
    level = significance(p_value, fmt.stars if fmt.stars != "none" else "stata")
    return f"{level[0] * 100:g}%" if level else None


def results_text(results: Results, study: Study, ref=lambda table_id: table_id, fmt: Format | None = None) -> dict[str, list[str]]:
    """Result paragraphs drafted from the numbers, keyed by section: indices, coupling, model, robustness, heterogeneity.

    ``ref`` turns an id such as "table5" or "figure1" into the printed reference ("Table 5").
    """
    fmt = fmt or Format.from_settings(study.tables)
    text: dict[str, list[str]] = {}
    if results.index_means is not None:
        text["indices"] = [_indices_paragraph(results, study, ref, fmt)]
    if results.coupling is not None:
        text["coupling"] = _coupling_paragraphs(results, study, ref, fmt)
    if results.main:
        text["model"] = _model_paragraphs(results, study, ref, fmt)
    if results.robustness:
        text["robustness"] = [_robustness_paragraph(results, study, ref, fmt)]
    if results.by_group:
        text["heterogeneity"] = [_heterogeneity_paragraph(results, study, ref, fmt)]
    return text | chapter_text(results, study, ref, fmt)


def _inline(label: str) -> str:
    """A label inside a sentence: "New quality productivity" becomes "new quality productivity"; "GDP" stays."""
    return label[0].lower() + label[1:] if len(label) > 1 and label[0].isupper() and label[1].islower() else label


def _indices_paragraph(results: Results, study: Study, ref, fmt: Format) -> str:
    means = results.index_means
    period = study.panel.time
    first, last = means.iloc[0], means.iloc[-1]
    first_period, last_period = means[period].iloc[0], means[period].iloc[-1]
    sentences = []
    for index in study.indices:
        start, end = float(first[index.name]), float(last[index.name])
        direction = "rose" if end > start else "fell" if end < start else "stayed"
        change = f" ({(end - start) / start * 100:+.0f}%)" if start else ""
        sentence = f"The mean {_inline(index.label or index.name)} {direction} from {fmt.quote(start)} in {first_period} to {fmt.quote(end)} in {last_period}{change}"
        series = means[index.name].to_numpy()
        falls = [(means[period].iloc[k], series[k - 1] - series[k]) for k in range(1, len(series)) if series[k] < series[k - 1]]
        if falls:
            year, drop = max(falls, key=lambda f: f[1])
            sentence += f"; its largest fall was in {year}, by {fmt.quote(drop)}"
        sentences.append(sentence + ".")
    growth = {i.name: float(last[i.name] - first[i.name]) for i in study.indices}
    if len(growth) == 2:
        (a, ga), (b, gb) = sorted(growth.items(), key=lambda kv: -kv[1])
        sentences.append(f"Over the period {_inline(study.label(a))} grew faster than {_inline(study.label(b))} "
                         f"({fmt.quote(ga)} against {fmt.quote(gb)} index points).")
    return f"{ref('figure1')} shows the yearly national means of the indices. " + " ".join(sentences)


def _coupling_paragraphs(results: Results, study: Study, ref, fmt: Format) -> list[str]:
    names = Names.of(study, fmt)
    by_period = results.coupling.by_period
    first, last = by_period.iloc[0], by_period.iloc[-1]
    levels = study.coupling.levels
    text = (f"The mean coupling coordination degree D moved from {fmt.quote(first.D)} in {first.period} "
            f"(level {first.level}, {levels[first.level - 1].lower()}) to {fmt.quote(last.D)} in {last.period} "
            f"(level {last.level}, {levels[last.level - 1].lower()}), as {ref('table5')} reports.")
    changes = [f"level {r.level} in {r.period}" for prev, r in zip(by_period.itertuples(), by_period.iloc[1:].itertuples())
               if r.level != prev.level]
    if changes:
        text += " The level of the mean changed to " + ", ".join(changes) + "."
    coordinated = by_period[by_period.level >= 6]
    if len(coordinated):
        text += f" D first reached the coordination range (level 6 or above) in {coordinated.iloc[0].period}."
    else:
        text += " The mean D stayed in the dissonance range (levels 1-5) throughout."
    text += f" The mean coupling degree C ranged from {fmt.quote(by_period.C.min())} to {fmt.quote(by_period.C.max())}."
    paragraphs = [text]
    by_group = results.coupling.by_group
    if by_group is not None:
        groups = [c for c in by_group.columns if c not in ("period", "All")]
        final = by_group.iloc[-1]
        final_period = by_group["period"].iloc[-1]
        ranked = sorted(groups, key=lambda g: -final[g])
        leads = {g: int((by_group[groups].idxmax(axis=1) == g).sum()) for g in groups}
        leader = max(leads, key=leads.get)
        name = partial(names.value, study.panel.group)
        paragraphs.append(
            f"By {_inline(study.label(study.panel.group))} ({ref('table6')}), in {final_period} "
            + ", ".join(f"{name(g)} had D = {fmt.quote(final[g])}" for g in ranked)
            + f". {name(leader)} had the highest mean D in {leads[leader]} of {len(by_group)} periods"
            + (f", and {name(ranked[-1])} the lowest in {final_period}." if ranked[-1] != leader else "."))
    return paragraphs


def _effects(run: ModelRun, k: int, fmt: Format, names: Names) -> list[tuple[str, float, str | None]]:
    """(term label, estimate, significance level in words or None) for each non-constant term of equation k."""
    if not run.fit:
        return []
    return [(names.term(t.term), t.estimate, significance_level(t.p_value, fmt))
            for t in run.fit.equations[k].terms if t.term != "_cons"]


def _describe_effects(effects, dependent: str, fmt: Format) -> str:
    significant = [f"{label} ({'+' if est > 0 else '-'}{fmt.quote(abs(est))}, {level} level)"
                   for label, est, level in effects if level]
    insignificant = [label for label, _, level in effects if not level]
    text = f"In the equation for {dependent}, "
    text += ("the significant terms are " + "; ".join(significant)) if significant else "no term is significant"
    if insignificant:
        text += "; " + ", ".join(insignificant) + (" is" if len(insignificant) == 1 else " are") + " not significant"
    return text + "."


def _preferred(runs: list[ModelRun]) -> ModelRun:
    """The system estimator the text discusses: 3SLS if run, else the last method."""
    return next((r for r in runs if r.method == "3sls" and r.fit), next((r for r in reversed(runs) if r.fit), runs[-1]))


def _model_paragraphs(results: Results, study: Study, ref, fmt: Format) -> list[str]:
    runs = results.main
    best = _preferred(runs)
    column = dict(zip(map(id, runs), column_numbers(results)[0]))
    equations = study.model.parsed
    names = Names.of(study, fmt)
    dependents = {eq.dependent.name for eq in equations}
    name = METHODS[best.method].label
    paragraphs = [f"{ref('table7')} reports the system estimated by " + ", ".join(
        f"{METHODS[r.method].label} {column[id(r)]}" for r in runs)
        + f". The discussion uses the {name} estimates in column {column[id(best)]}."]
    cross = []
    for k, eq in enumerate(equations):
        effects = _effects(best, k, fmt, names)
        paragraphs.append(_describe_effects(effects, _inline(names.term(eq.dependent)), fmt))
        cross += [(eq, label, est, level) for (label, est, level), t in zip(effects, eq.regressors) if t.name in dependents]
    if len(cross) >= 2 and all(level for *_, level in cross):
        signs = {est > 0 for *_, est, _ in cross}
        kind = "mutually reinforcing" if signs == {True} else "mutually dampening" if signs == {False} else "of opposite signs"
        paragraphs.append(f"The endogenous variables affect each other significantly in both directions; the effects are {kind}.")
    ols = next((r for r in runs if r.method == "ols" and r.fit), None)
    if ols and cross and best is not ols:
        eq, label, est, _ = cross[0]
        k = equations.index(eq)
        ols_est = next(e for lab, e, _ in _effects(ols, k, fmt, names) if lab == label)
        paragraphs.append(f"OLS, which ignores the simultaneity, puts the coefficient of {label} in the equation for "
                          f"{_inline(names.term(eq.dependent))} at {fmt.quote(ols_est)} against {fmt.quote(est)} by {name}.")
    return paragraphs


def _robustness_paragraph(results: Results, study: Study, ref, fmt: Format) -> str:
    runs = [r for r in results.robustness if r.fit]
    best = _preferred(results.main)
    equations = study.model.parsed
    names = Names.of(study, fmt)
    stable, changed = [], []
    for k, eq in enumerate(equations):
        for label, est, level in _effects(best, k, fmt, names):
            kept = [next(((e, lv) for lab, e, lv in _effects(r, k, fmt, names) if lab == label), None) for r in runs]
            kept = [x for x in kept if x is not None]
            same = all((e > 0) == (est > 0) and bool(lv) == bool(level) for e, lv in kept)
            (stable if same else changed).append(f"{label} ({_inline(names.term(eq.dependent))})")
    text = f"{ref('table8')} drops one variable at a time ({len(runs)} models). "
    text += ("Every coefficient keeps its sign and significance." if not changed else
             f"{len(stable)} of {len(stable) + len(changed)} coefficients keep their sign and significance; "
             + "those that change in at least one model are " + ", ".join(changed) + ".")
    failed = [r for r in results.robustness if not r.fit]
    if failed:
        text += f" {len(failed)} model(s) could not be estimated (see the notes)."
    return text


def _heterogeneity_paragraph(results: Results, study: Study, ref, fmt: Format) -> str:
    runs = results.by_group
    equations = study.model.parsed
    dependents = {eq.dependent.name for eq in equations}
    names = Names.of(study, fmt)
    group = study.panel.group
    sentences = []
    for k, eq in enumerate(equations):
        for t in eq.regressors:
            if t.name not in dependents:
                continue
            label = names.term(t)
            values = [(names.value(group, r.sample), e, lv) for r in runs
                      for lab, e, lv in _effects(r, k, fmt, names) if lab == label]
            if not values:
                continue
            ranked = sorted(values, key=lambda v: -v[1])
            parts = [f"{g} {fmt.quote(e)}{'' if lv else ' (not significant)'}" for g, e, lv in ranked]
            sentences.append(f"The effect of {label} on {_inline(names.term(eq.dependent))} is largest in {ranked[0][0]} "
                             f"and smallest in {ranked[-1][0]} ({'; '.join(parts)}).")
    failed = [names.value(group, r.sample) for r in runs if not r.fit]
    if failed:
        sentences.append("The system could not be estimated for " + ", ".join(failed) + " (see the table notes).")
    return f"{ref('table9')} estimates the system separately by {_inline(study.label(study.panel.group))}. " + " ".join(sentences)
