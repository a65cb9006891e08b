"""The chapter's results drafted from its numbers, one list of paragraphs per section, and a sentence for every
section that could not be computed."""
from __future__ import annotations

from analysis.chapter_tables import class_labels, indicator_labels, share_percent
from analysis.names import Names
from analysis.results import Results
from analysis.study import Study
from analysis.table import Format

ALPHA = 0.05  # the level the sentences on significance speak of
SECTION_NAMES = {"panel": "panel", "spatial": "spatial weights", "moran": "global Moran's I", "lisa": "local clusters (LISA)",
                 "dagum": "Dagum Gini decomposition", "density": "kernel density", "markov": "Markov chain",
                 "obstacle": "obstacle degree", "development": "relative development"}
LAG_WORDS = {"synchronous": "entities develop in step", "U1_lags": "lag behind in U1", "U2_lags": "lag behind in U2"}
SOURCES = {"share_w": "the within-group differences", "share_nb": "the net differences between groups",
           "share_t": "transvariation (overlap between groups)"}


def chapter_text(results: Results, study: Study, ref, fmt: Format) -> dict[str, list[str]]:
    """Paragraphs keyed "chapter_<section>" for each section computed, and "chapter_problems"."""
    chapter = results.chapter
    if chapter is None:
        return {}
    drafts = {"moran": _moran, "lisa": _lisa, "dagum": _dagum, "density": _density, "markov": _markov,
              "obstacle": _obstacle, "development": _development}
    text = {f"chapter_{section}": [draft(results, study, ref, fmt.for_table(section))]
            for section, draft in drafts.items() if getattr(chapter, section) is not None}
    if chapter.problems:
        text["chapter_problems"] = [_not_computed(chapter.problems)]
    return text


def _not_computed(problems: dict[str, tuple[str, ...]]) -> str:
    """One sentence per set of reasons, naming every section that failed for them."""
    by_reasons: dict[tuple[str, ...], list[str]] = {}
    for section, reasons in problems.items():
        by_reasons.setdefault(reasons, []).append(SECTION_NAMES.get(section, section))
    sentences = []
    for reasons, sections in by_reasons.items():
        names = sections[0] if len(sections) == 1 else f"{', '.join(sections[:-1])} and {sections[-1]}"
        verb = "analysis was" if len(sections) == 1 else "analyses were"
        sentences.append(f"The {names} {verb} not computed: {'; '.join(reasons)}.")
    return " ".join(sentences)


def _moran(results: Results, study: Study, ref, fmt: Format) -> str:
    moran = results.chapter.moran
    p = moran["p_perm"] if study.moran.permutations else moran["p_norm"]
    how = "by the permutation test" if study.moran.permutations else "under the normal approximation"
    sentences = []
    for measure, part in moran.assign(p=p).groupby("measure", sort=False):
        hits = part[(part["I"] > 0) & (part["p"] < ALPHA)]
        sentences.append(f"Global Moran's I of {measure} is positive and significant at the {ALPHA * 100:g}% level "
                         f"({how}) in {len(hits)} of {len(part)} periods (I from {fmt.quote(part['I'].min())} to "
                         f"{fmt.quote(part['I'].max())}).")
    return " ".join(sentences) + f" {ref('moran')} gives the statistics of every period."


def _lisa(results: Results, study: Study, ref, fmt: Format) -> str:
    lisa = results.chapter.lisa
    names = Names.of(study, fmt)
    sentences = []
    for period, part in lisa.groupby("period", sort=False):
        counts = part["cluster"].value_counts()
        high = ", ".join(names.value(study.panel.entity, e) for e in part.loc[part["cluster"] == "HH", "entity"])
        low = ", ".join(names.value(study.panel.entity, e) for e in part.loc[part["cluster"] == "LL", "entity"])
        sentence = (f"In {period}, {counts.get('HH', 0)} entities form high-high clusters"
                    + (f" ({high})" if high else "") + f" and {counts.get('LL', 0)} low-low clusters"
                    + (f" ({low})" if low else "") + f"; {counts.get('ns', 0)} of {len(part)} are not significant.")
        sentences.append(sentence)
    figures = f", {ref('moran_scatter')} and {ref('lisa_map')}" if "lisa_map" in _known(ref) else f" and {ref('moran_scatter')}"
    return " ".join(sentences) + f" The clusters are listed in {ref('lisa')}{figures}."


def _known(ref) -> set[str]:
    """The exhibit ids ref prints as numbered (those it does not know come back unchanged)."""
    return {i for i in ("lisa_map", "density") if ref(i) != i}


def _dagum(results: Results, study: Study, ref, fmt: Format) -> str:
    dagum = results.chapter.dagum
    sentences = []
    for measure, part in dagum.overall.groupby("measure", sort=False):
        first, last = part.iloc[0], part.iloc[-1]
        means = part[list(SOURCES)].mean()
        largest = means.idxmax()
        sentences.append(f"The Dagum Gini coefficient of {measure} moved from {fmt.quote(first.G)} in {first.period} "
                         f"to {fmt.quote(last.G)} in {last.period}. Its largest source is {SOURCES[largest]}, "
                         f"contributing {share_percent(part[largest].min(), fmt).text}% to "
                         f"{share_percent(part[largest].max(), fmt).text}% of G.")
        within = dagum.within[(dagum.within["measure"] == measure) & (dagum.within["period"] == last.period)]
        top = within.loc[within["G_jj"].idxmax()]
        sentences.append(f"In {last.period} the difference within groups is largest in "
                         f"{Names.of(study, fmt).value(study.panel.group, top.group)} (G = {fmt.quote(top.G_jj)}).")
    return " ".join(sentences) + f" {ref('dagum')} and {ref('dagum_within')} report every period."


def _density(results: Results, study: Study, ref, fmt: Format) -> str:
    curves = results.chapter.density.curves
    curves = curves[curves["group"] == "All"]
    peaks = curves.loc[curves.groupby("period", sort=False)["density"].idxmax()]
    first, last = peaks.iloc[0], peaks.iloc[-1]
    direction = "right" if last.x > first.x else "left" if last.x < first.x else "nowhere"
    text = (f"The peak of the kernel density of {study.density.measure} moves {direction}, from {fmt.quote(first.x)} in "
            f"{first.period} to {fmt.quote(last.x)} in {last.period}, and its height from {fmt.quote(first.density)} "
            f"to {fmt.quote(last.density)}.")
    return text + (f" {ref('density')} overlays the curves." if "density" in _known(ref) else "")


def _markov(results: Results, study: Study, ref, fmt: Format) -> str:
    markov = results.chapter.markov
    labels = class_labels(results, study)
    pooled = markov.transitions[markov.transitions["lag_class"] == -1]
    starts = pooled.groupby("from")["count"].sum()
    diagonal = pooled[(pooled["from"] == pooled["to"]) & pooled["from"].isin(starts[starts > 0].index)]
    most = diagonal.loc[diagonal["probability"].idxmax()]
    text = (f"The probability of staying in the same class from one period to the next (the diagonal of {ref('markov')}) "
            f"ranges from {fmt.quote(diagonal['probability'].min())} to {fmt.quote(most.probability)}; class "
            f"{labels[int(most['from'])][1]} is the most persistent.")
    test = markov.homogeneity
    if test:
        verdict = "rejects" if test["Q_p"] < ALPHA else "does not reject"
        text += (f" The homogeneity test {verdict} at the {ALPHA * 100:g}% level that the neighbours' class leaves the "
                 f"transitions unchanged (Q = {fmt.quote(test['Q'])}, p = {fmt.quote(test['Q_p'])}).")
    return text


def _obstacle(results: Results, study: Study, ref, fmt: Format) -> str:
    top = results.chapter.obstacle.top
    top = top[(top["group"] == "All") & (top["rank"] == 1)]
    labels = indicator_labels(study)
    sentences = []
    for index, part in top.groupby("index", sort=False):
        last = part.loc[part["period"].idxmax()]
        leading = part["column"].value_counts()
        sentences.append(f"In {last.period} the largest obstacle to {study.label(index)} is "
                         f"{labels.get((index, last.column), last.column)} ({fmt.quote(last.obstacle)}), which ranks "
                         f"first in {leading.get(last.column, 0)} of {len(part)} periods.")
    return " ".join(sentences) + f" {ref('obstacle')} lists the main obstacles of every period."


def _development(results: Results, study: Study, ref, fmt: Format) -> str:
    records = results.chapter.development.by_period.to_dict("records")
    first, last = records[0], records[-1]
    counts = ", ".join(f"{last[t]} {how}" for t, how in LAG_WORDS.items())
    return (f"The mean relative development degree E = U1/U2 moved from {fmt.quote(first['mean_E'])} in "
            f"{first['period']} to {fmt.quote(last['mean_E'])} in {last['period']}; in {last['period']} {counts} "
            f"({ref('development')}).")

