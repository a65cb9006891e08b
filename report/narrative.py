"""What the author writes (title, abstract, conclusions ...) and the results text drafted from the numbers."""
from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass
from typing import Annotated, Literal

import tomli_w
from pydantic import AfterValidator, BaseModel, ConfigDict, StrictStr, ValidationError

from analysis.errors import Invalid, Problem, UserError, Word
from analysis.estimation import critical_value
from analysis.formula import parse_term
from analysis.levels import level_names
from analysis.methods import METHODS
from analysis.names import Names
from analysis.results import ModelRun, Results
from analysis.study import WORD_PROPERTY, Study, printable, schema_problems
from analysis.table import Format
from analysis.tables import column_numbers
from analysis.text import clean_text, decode_text

from .chapter_text import chapter_text
from .phrasing import ALPHA, Phrasing, finite, numbered

WEAK_F = 10  # the rule of thumb for weak instruments: a first-stage F below it
AUTHOR_SECTIONS = ("abstract", "introduction", "literature", "conclusions", "suggestions")
CITATION_STYLES = ("apa", "harvard", "numeric", "gb7714")


def _property(text: str) -> str:
    if len(text) > WORD_PROPERTY:
        raise Invalid.of("word_property_too_long", length=len(text), limit=WORD_PROPERTY)
    return text


Paragraphs = Annotated[StrictStr, AfterValidator(lambda text: printable(clean_text(text)))]
Line = Annotated[StrictStr, AfterValidator(lambda text: printable(clean_text(text, single_line=True)))]
Property = Annotated[Line, AfterValidator(_property)]
ReferenceFile = Annotated[StrictStr, AfterValidator(clean_text)]  # its entries are read by loads and with_bibliography


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
        text = decode_text(text, "narrative_file")
    try:
        narrative = Narrative.model_validate(tomllib.loads(text))
    except tomllib.TOMLDecodeError as e:
        raise UserError(Problem.of("not_valid_toml", what=Word("narrative_file"), reason=str(e))) from None
    except RecursionError:
        raise UserError(Problem.of("nested_too_deeply", what=Word("narrative_file"))) from None
    except ValidationError as e:
        raise UserError(schema_problems(e, Narrative)) from None
    if narrative.bibliography.strip():  # read now, so that a bad entry is named when the narrative is loaded
        from .references import read_library  # bibtexparser and citeproc load only for a narrative that cites
        read_library(narrative.bibliography.encode(), narrative.bibliography_name)
    return narrative


def with_bibliography(narrative: Narrative, data: bytes, filename: str) -> Narrative:
    """The narrative with this reference file (BibTeX or CSL-JSON bytes) as its bibliography; bad entries are named."""
    from .references import decode, read_library
    text = decode(data, filename)
    read_library(text.encode(), filename)
    name = clean_text(filename, single_line=True)
    return narrative.model_copy(update={"bibliography": clean_text(text), "bibliography_name": name})


def dumps(narrative: Narrative) -> str:
    return tomli_w.dumps(narrative.model_dump(), multiline_strings=True)


def results_text(results: Results, study: Study, ref=lambda item: item, fmt: Format | None = None) -> dict[str, list[str]]:
    """Result paragraphs drafted from the numbers in the study's language, keyed by section in the manuscript's order:
    indices, coupling, model, robustness, heterogeneity, diagnostics and the chapter's.

    ``ref`` turns an id such as "table5" or "figure1" into the cross-reference printed for it ("Table 5", "表5").
    """
    fmt = fmt or Format.from_settings(study.tables)
    say = Phrasing.of(study.document.language, fmt)
    text: dict[str, list[str]] = {}
    if results.index_means is not None:
        text["indices"] = [_indices_paragraph(results, study, ref, say)]
    if results.coupling is not None:
        text["coupling"] = _coupling_paragraphs(results, study, ref, say)
    if results.main:
        text["model"] = _model_paragraphs(results, study, ref, say)
    if results.robustness:
        text["robustness"] = [_robustness_paragraph(results, study, ref, say)]
    if results.by_group:
        text["heterogeneity"] = [_heterogeneity_paragraph(results, study, ref, say)]
    if results.diagnostics is not None:
        text["diagnostics"] = [_diagnostics_paragraph(results, study, ref, say)]
    return text | chapter_text(results, study, ref, say)


def _figures(ref, say: Phrasing, *figure_ids: str) -> list[str]:
    """A sentence citing each figure the Report has, saying what it shows."""
    return [say(f"figure_{f}", figure=ref(f)) for f in figure_ids if numbered(ref, f)]


def _indices_paragraph(results: Results, study: Study, ref, say: Phrasing) -> str:
    means = results.index_means
    periods = means[study.panel.time]
    first, last = say.period(periods.iloc[0]), say.period(periods.iloc[-1])
    sentences = [say("indices_lead", figure=ref("figure1"))]
    growth = {}
    for index in study.indices:
        series = means[index.name].to_numpy()
        start, end = float(series[0]), float(series[-1])
        falls = [(periods.iloc[k], series[k - 1] - series[k]) for k in range(1, len(series)) if series[k] < series[k - 1]]
        fall = ""
        if falls:
            period, drop = max(falls, key=lambda f: f[1])
            fall = say("index_fall", period=say.period(period), drop=say.number(drop))
        label = say.label(index.label or index.name)
        sentences.append(say("index_change", index=label, moved=say.trend(start, end), start=say.number(start),
                             first=first, end=say.number(end), last=last, change=say.percent_change(start, end), fall=fall))
        growth[label] = end - start
    if len(growth) == 2 and len(set(growth.values())) == 2:
        (faster, a), (slower, b) = sorted(growth.items(), key=lambda kv: -kv[1])
        sentences.append(say("index_faster", faster=faster, slower=slower, a=say.number(a), b=say.number(b)))
    return say.sentences(sentences)


def _coupling_paragraphs(results: Results, study: Study, ref, say: Phrasing) -> list[str]:
    by_period = results.coupling.by_period
    first, last = by_period.iloc[0], by_period.iloc[-1]
    levels = level_names(study)

    def level(row) -> str:
        return say("level", level=row.level, name=say.label(levels[row.level - 1]))

    sentences = [say("coupling_path", moved=say.trend(first.D, last.D), start=say.number(first.D),
                     first=say.period(first.period), first_level=level(first), end=say.number(last.D),
                     last=say.period(last.period), last_level=level(last), table=ref("table5"))]
    changes = [say("level_change", level=r.level, period=say.period(r.period))
               for prev, r in zip(by_period.itertuples(), by_period.iloc[1:].itertuples()) if r.level != prev.level]
    if changes:
        sentences.append(say("level_changes", changes=say.series(changes)))
    coordinated = by_period[by_period.level >= 6]
    sentences.append(say("coordinated", period=say.period(coordinated.iloc[0].period)) if len(coordinated)
                     else say("dissonant"))
    sentences.append(say("coupling_range", low=say.number(by_period.C.min()), high=say.number(by_period.C.max())))
    paragraphs = [say.sentences(sentences + _figures(ref, say, "d_by_region", "d_heatmap", "d_map"))]
    by_group = results.coupling.by_group
    if by_group is not None:
        names = Names.of(study, say.fmt)
        groups = [c for c in by_group.columns if c not in ("period", "All")]
        final = by_group.iloc[-1]
        final_period = say.period(by_group["period"].iloc[-1])
        ranked = sorted(groups, key=lambda g: -final[g])
        leads = {g: int((by_group[groups].idxmax(axis=1) == g).sum()) for g in groups}
        leader = max(leads, key=leads.get)

        def name(g) -> str:
            return names.value(study.panel.group, g)

        lowest = say("group_lowest", name=name(ranked[-1]), period=final_period) if ranked[-1] != leader else ""
        values = say.series([say("group_value", name=name(g), value=say.number(final[g])) for g in ranked])
        paragraphs.append(say.sentences([
            say("group_path", group=say.label(study.label(study.panel.group)), table=ref("table6"),
                period=final_period, values=values),
            say("group_leader", leader=name(leader), count=leads[leader], total=len(by_group), lowest=lowest)]))
    return paragraphs


@dataclass(frozen=True)
class Effect:
    """One coefficient of one fitted equation, as the text speaks of it."""

    term: str  # the term's name in the formula: "ln(education)"
    label: str  # as printed inside a sentence
    estimate: float
    std_error: float
    level: str | None  # the significance level in words, None when not significant


def _effects(run: ModelRun, k: int, say: Phrasing, names: Names) -> list[Effect]:
    """The non-constant terms of equation k of the run."""
    if not run.fit:
        return []
    return [Effect(t.term, say.term(names, t.term), t.estimate, t.std_error, say.level(t.p_value))
            for t in run.fit.equations[k].terms if t.term != "_cons"]


def _effect(run: ModelRun, k: int, term: str, say: Phrasing, names: Names) -> Effect | None:
    return next((e for e in _effects(run, k, say, names) if e.term == term), None)


def _reverses(effects: list[Effect]) -> bool:
    """A sign reversal: significant estimates of the same coefficient on both sides of zero (an insignificant one of
    the other sign is only not significant)."""
    return len({e.estimate > 0 for e in effects if e.level}) == 2


def _preferred(runs: list[ModelRun]) -> ModelRun:
    """The system estimator the text discusses: 3SLS if run, else the last method."""
    return next((r for r in runs if r.method == "3sls" and r.fit), next((r for r in reversed(runs) if r.fit), runs[-1]))


def _equation_sentence(effects: list[Effect], dependent: str, say: Phrasing) -> str:
    significant = [say("significant_term", term=e.label, value=say.signed(e.estimate), level=e.level)
                   for e in effects if e.level]
    if not significant:
        return say("equation_none", dependent=dependent)
    insignificant = [e.label for e in effects if not e.level]
    rest = say.plural("not_significant", len(insignificant), terms=say.join(insignificant)) if insignificant else ""
    return say("equation_terms", dependent=dependent, terms=say.clauses(significant), rest=rest)


def _where(effect: Effect, dependent: str, say: Phrasing) -> str:
    return say("term_in_equation", term=effect.label, dependent=dependent, value=say.number(effect.estimate))


def _cross_sentence(cross: list[tuple[Effect, str]], say: Phrasing) -> str:
    """What the endogenous variables' coefficients on each other say, hedged: associations, not causes."""
    significant = [(e, dep) for e, dep in cross if e.level]
    if not significant:
        return say("cross_none")
    if len(significant) < len(cross):
        return say("cross_partial", significant=say.join([_where(e, d, say) for e, d in significant]),
                   insignificant=say.join([_where(e, d, say) for e, d in cross if not e.level]))
    signs = {e.estimate > 0 for e, _ in cross}
    if len(signs) == 2:
        return say("cross_opposite", details=say.clauses([_where(e, d, say) for e, d in cross]))
    return say("cross_positive" if signs == {True} else "cross_negative")


def _method_reversals(runs: list[ModelRun], column: dict, equations, say: Phrasing, names: Names) -> list[str]:
    """A sentence for each coefficient whose sign differs between the estimators, one of them significant."""
    sentences = []
    for k, eq in enumerate(equations):
        dependent = say.term(names, eq.dependent)
        for term in dict.fromkeys(e.term for r in runs for e in _effects(r, k, say, names)):
            found = [(r, _effect(r, k, term, say, names)) for r in runs]
            found = [(r, e) for r, e in found if e]
            if _reverses([e for _, e in found]):
                values = [say("method_value", method=METHODS[r.method].label, column=say.column(column[id(r)]),
                              value=say.number(e.estimate)) + ("" if e.level else say("not_significant_aside"))
                          for r, e in found]
                sentences.append(say("method_reversal", term=found[0][1].label, dependent=dependent,
                                     values=say.series(values)))
    return sentences


def _negative_r2(runs: list[tuple[str, ModelRun]], equations, say: Phrasing, names: Names) -> list[str]:
    """A sentence for each equation fitted with a negative R-squared, which instrumental variables allow."""
    sentences = []
    for where, run in runs:
        for eq, fit in zip(equations, run.fit.equations if run.fit else ()):
            if finite(fit.r2) and fit.r2 < 0:
                sentences.append(say("negative_r2", where=where, dependent=say.term(names, eq.dependent),
                                     value=say.number(fit.r2)))
    return sentences


def _model_paragraphs(results: Results, study: Study, ref, say: Phrasing) -> list[str]:
    runs = results.main
    best = _preferred(runs)
    column = dict(zip(map(id, runs), column_numbers(results)[0]))
    equations = study.model.parsed
    names = Names.of(study, say.fmt)
    dependents = {eq.dependent.name for eq in equations}
    method = METHODS[best.method].label
    methods = say.join([say("method_column", method=METHODS[r.method].label, column=say.column(column[id(r)]))
                        for r in runs])
    paragraphs = [say.sentences([say("model_lead", table=ref("table7"), methods=methods, method=method,
                                     column=say.column(column[id(best)])), *_figures(ref, say, "coefficients")])]
    cross = []
    for k, eq in enumerate(equations):
        effects = _effects(best, k, say, names)
        dependent = say.term(names, eq.dependent)
        paragraphs.append(_equation_sentence(effects, dependent, say))
        cross += [(e, dependent, k) for e in effects if parse_term(e.term).name in dependents]
    if len(cross) >= 2:
        paragraphs.append(_cross_sentence([(e, dependent) for e, dependent, _ in cross], say))
    fitted = [r for r in runs if r.fit]
    checks = _method_reversals(fitted, column, equations, say, names)
    checks += _negative_r2([(say.column(column[id(r)]), r) for r in fitted], equations, say, names)
    ols = next((r for r in fitted if r.method == "ols"), None)
    if ols and cross and best is not ols:
        effect, dependent, k = cross[0]
        if ols_effect := _effect(ols, k, effect.term, say, names):
            checks.append(say("ols_comparison", term=effect.label, dependent=dependent,
                              ols=say.number(ols_effect.estimate), estimate=say.number(effect.estimate), method=method))
    if checks:
        paragraphs.append(say.sentences(checks))
    return paragraphs


def _diagnostics_paragraph(results: Results, study: Study, ref, say: Phrasing) -> str:
    """Instrument strength, overidentification, the Hausman test where it is a test of its own, residual correlation."""
    d = results.diagnostics
    say = say.with_format(say.fmt.for_table("diagnostics"))
    names = Names.of(study, say.fmt)
    dependent = {eq.name: say.term(names, eq.dependent) for eq in study.model.parsed}
    sentences = [say("diagnostics_lead", table=ref("diagnostics"))]
    first = [f for f in d.first_stage if finite(f.test.statistic)]
    weak = [say("weak_item", regressor=say.term(names, f.regressor), dependent=dependent[f.equation],
                value=say.number(f.test.statistic)) for f in first if f.test.statistic < WEAK_F]
    if weak:
        sentences.append(say("weak_instruments", items=say.join(weak), threshold=WEAK_F))
    elif first:
        sentences.append(say("strong_instruments", value=say.number(min(f.test.statistic for f in first)),
                             threshold=WEAK_F))

    def test(t) -> str:
        return say("test_result", statistic=say.chi2(t.statistic, t.df), p=say.p(t.p_value))

    tested = [(name, t) for name, t in d.sargan if finite(t.p_value)]
    rejected = [say("sargan_item", dependent=dependent[name], test=test(t)) for name, t in tested if t.p_value < ALPHA]
    kept = [say("sargan_item", dependent=dependent[name], test=test(t)) for name, t in tested if t.p_value >= ALPHA]
    if rejected:
        sentences.append(say("sargan_rejects", alpha=say.alpha(), items=say.join(rejected)))
    if kept:
        sentences.append(say("sargan_accepts", alpha=say.alpha(), items=say.join(kept)))
    system = d.system_sargan
    if finite(system.p_value):
        sentences.append(say("system_rejects" if system.p_value < ALPHA else "system_accepts", test=test(system)))
    if rejected or (finite(system.p_value) and system.p_value < ALPHA):
        sentences.append(say("overidentification_caution"))
    if not tested and not finite(system.p_value):
        sentences.append(say("exactly_identified"))
    hausman = d.hausman
    if finite(hausman.p_value):
        if finite(system.statistic) and math.isclose(hausman.statistic, system.statistic, rel_tol=1e-6):
            sentences.append(say("hausman_identity", statistic=say.number(hausman.statistic)))
        else:
            sentences.append(say("hausman_rejects" if hausman.p_value < ALPHA else "hausman_accepts", test=test(hausman)))
    pairs = [say("correlation_pair", first=dependent[a], second=dependent[b], value=say.number(d.residual_correlation[i][j]))
             for i, a in enumerate(d.equations) for j, b in enumerate(d.equations) if i < j]
    bp = d.breusch_pagan
    if pairs and finite(bp.p_value):
        sentences.append(say("correlation_rejects" if bp.p_value < ALPHA else "correlation_accepts",
                             pairs=say.clauses(pairs), test=test(bp)))
    return say.sentences(sentences)


def _robustness_paragraph(results: Results, study: Study, ref, say: Phrasing) -> str:
    """Each coefficient judged by sign, significance and size against the main estimate's 95% interval."""
    fitted = [(column, r) for column, r in zip(column_numbers(results)[1], results.robustness) if r.fit]
    best = _preferred(results.main)
    names = Names.of(study, say.fmt)
    margin = critical_value(best.fit) if best.fit else math.nan
    stable, changed = 0, []
    for k, eq in enumerate(study.model.parsed):
        dependent = say.term(names, eq.dependent)
        for main in _effects(best, k, say, names):
            found = [(say.column(column), e) for column, r in fitted if (e := _effect(r, k, main.term, say, names))]
            low, high = main.estimate - margin * main.std_error, main.estimate + margin * main.std_error
            reasons = []
            if _reverses([main] + [e for _, e in found]):
                flipped = [c for c, e in found if e.level and (e.estimate > 0) != (main.estimate > 0)]
                reasons.append(say.plural("sign_changes", len(flipped), columns=say.join(flipped)))
            for key, columns in (("loses_significance", [c for c, e in found if main.level and not e.level]),
                                 ("gains_significance", [c for c, e in found if e.level and not main.level])):
                if columns:
                    reasons.append(say.plural(key, len(columns), columns=say.join(columns)))
            outside = [(c, e) for c, e in found if not low <= e.estimate <= high]
            if outside:
                values = [e.estimate for _, e in found]
                reasons.append(say.plural("size_changes", len(outside), columns=say.join([c for c, _ in outside]),
                                          low=say.number(min(values)), high=say.number(max(values)),
                                          main=say.number(main.estimate)))
            if reasons:
                changed.append(say("changed_item", term=main.label, dependent=dependent, reasons=say.series(reasons)))
            else:
                stable += 1
    sentences = [say("robustness_lead", table=ref("table8"), count=len(fitted))]
    if changed:
        sentences.append(say.plural("robustness_some", stable, total=stable + len(changed), changes=say.clauses(changed)))
    else:
        sentences.append(say("robustness_all"))
    failed = len(results.robustness) - len(fitted)
    if failed:
        sentences.append(say.plural("failed_models", failed))
    return say.sentences(sentences)


def _difference(a: Effect, b: Effect) -> tuple[float, float]:
    """z and its two-sided p for the difference of two estimates from separate samples (independent)."""
    z = (a.estimate - b.estimate) / math.hypot(a.std_error, b.std_error)
    return z, math.erfc(abs(z) / math.sqrt(2))


def _group_comparison(found: list[tuple[str, Effect]], say: Phrasing) -> str:
    """Which significant group estimates differ significantly; insignificant ones are never ranked."""
    significant = sorted([(g, e) for g, e in found if e.level], key=lambda ge: -ge[1].estimate)
    if len(significant) < 2:
        return ""
    pairs = [(high, low, *_difference(a, b)) for k, (high, a) in enumerate(significant) for low, b in significant[k + 1:]]
    different = [say("difference_pair", high=high, low=low, z=say.number(z), p=say.p(p))
                 for high, low, z, p in pairs if p < ALPHA]
    if len(pairs) == 1:
        high, low, z, p = pairs[0]
        pair = say("difference_pair", high=high, low=low, z=say.number(z), p=say.p(p))
        return say("difference_one" if different else "difference_one_none", alpha=say.alpha(), pairs=pair)
    if not different:
        return say("differences_none", alpha=say.alpha())
    key = "differences_all" if len(different) == len(pairs) else "differences_some"
    return say(key, alpha=say.alpha(), pairs=say.clauses(different))


def _heterogeneity_paragraph(results: Results, study: Study, ref, say: Phrasing) -> str:
    runs = results.by_group
    equations = study.model.parsed
    dependents = {eq.dependent.name for eq in equations}
    names = Names.of(study, say.fmt)
    group = study.panel.group
    group_label = say.label(study.label(group))
    sentences = [say("heterogeneity_lead", table=ref("table9"), group=group_label),
                 *_figures(ref, say, "coefficients_groups")]

    def listed(items) -> str:
        return say.join([say("group_estimate", name=g, value=say.number(e.estimate)) for g, e in items])

    for k, eq in enumerate(equations):
        dependent = say.term(names, eq.dependent)
        for t in eq.regressors:
            if t.name not in dependents:
                continue
            found = [(names.value(group, r.sample), e) for r in runs if (e := _effect(r, k, t.name, say, names))]
            if not found:
                continue
            significant = [(g, e) for g, e in found if e.level]
            insignificant = [(g, e) for g, e in found if not e.level]
            key = "group_all" if not insignificant else "group_none" if not significant else "group_some"
            sentences.append(say(key, term=say.term(names, t), dependent=dependent, group=group_label,
                                 significant=listed(significant), insignificant=listed(insignificant)))
            if _reverses([e for _, e in found]):
                sentences.append(say("group_reversal", group=group_label,
                                     positive=listed([(g, e) for g, e in found if e.estimate > 0]),
                                     negative=listed([(g, e) for g, e in found if e.estimate <= 0])))
            sentences.append(_group_comparison(found, say))
    sentences += _negative_r2([(names.value(group, r.sample), r) for r in runs], equations, say, names)
    failed = [names.value(group, r.sample) for r in runs if not r.fit]
    if failed:
        sentences.append(say("groups_failed", groups=say.join(failed)))
    return say.sentences(sentences)
