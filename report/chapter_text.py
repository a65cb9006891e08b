"""The chapter's results drafted from its numbers, one list of paragraphs per section, and a sentence for every
section that could not be computed; worded by a Phrasing in the study's language."""
from __future__ import annotations

from analysis.chapter_tables import class_labels, indicator_labels, share_percent
from analysis.errors import Problem
from analysis.names import Names
from analysis.results import Results
from analysis.study import Study

from .phrasing import ALPHA, Phrasing, numbered

SOURCES = ("share_w", "share_nb", "share_t")  # Dagum's contributions: within, net between, transvariation
LAGS = ("synchronous", "U1_lags", "U2_lags")  # the relative development types


def chapter_text(results: Results, study: Study, ref, say: Phrasing) -> dict[str, list[str]]:
    """Paragraphs keyed "chapter_<section>" for each section computed, and "chapter_problems"."""
    chapter = results.chapter
    if chapter is None:
        return {}
    drafts = {"moran": _moran, "lisa": _lisa, "dagum": _dagum, "density": _density, "markov": _markov,
              "obstacle": _obstacle, "development": _development}
    text = {f"chapter_{section}": [draft(results, study, ref, say.with_format(say.fmt.for_table(section)))]
            for section, draft in drafts.items() if getattr(chapter, section) is not None}
    if chapter.problems:
        text["chapter_problems"] = [_not_computed(chapter.problems, say)]
    return text


def _not_computed(problems: dict[str, tuple[Problem, ...]], say: Phrasing) -> str:
    """One sentence per set of reasons, in the document's language, naming every section that failed for them."""
    by_reasons: dict[tuple[Problem, ...], list[str]] = {}
    for section, reasons in problems.items():
        by_reasons.setdefault(reasons, []).append(say.words.get(f"section_{section}", section))
    return say.sentences([say.plural("not_computed", len(sections), names=say.join(sections),
                                     reasons=say.clauses([p.text(say.language) for p in reasons]))
                          for reasons, sections in by_reasons.items()])


def _moran(results: Results, study: Study, ref, say: Phrasing) -> str:
    moran = results.chapter.moran
    p = moran["p_perm"] if study.moran.permutations else moran["p_norm"]
    how = say("by_permutation" if study.moran.permutations else "by_normal")
    sentences = []
    for measure, part in moran.assign(p=p).groupby("measure", sort=False):
        hits = part[(part["I"] > 0) & (part["p"] < ALPHA)]
        sentences.append(say("moran", measure=measure, alpha=say.alpha(), how=how, hits=len(hits), total=len(part),
                             low=say.number(part["I"].min()), high=say.number(part["I"].max())))
    return say.sentences(sentences + [say("moran_table", table=ref("moran"))])


def _lisa(results: Results, study: Study, ref, say: Phrasing) -> str:
    lisa = results.chapter.lisa
    names = Names.of(study, say.fmt)

    def members(part, cluster: str) -> str:
        found = [names.value(study.panel.entity, e) for e in part.loc[part["cluster"] == cluster, "entity"]]
        return say.aside(say.join(found)) if found else ""

    sentences = []
    for period, part in lisa.groupby("period", sort=False):
        counts = part["cluster"].value_counts()
        sentences.append(say("lisa", period=say.period(period), high=counts.get("HH", 0), high_members=members(part, "HH"),
                             low=counts.get("LL", 0), low_members=members(part, "LL"), insignificant=counts.get("ns", 0),
                             total=len(part)))
    exhibits = [ref("lisa"), ref("moran_scatter")] + ([ref("lisa_map")] if numbered(ref, "lisa_map") else [])
    return say.sentences(sentences + [say("lisa_exhibits", exhibits=say.join(exhibits))])


def _dagum(results: Results, study: Study, ref, say: Phrasing) -> str:
    dagum = results.chapter.dagum
    names = Names.of(study, say.fmt)
    sentences = []
    for measure, part in dagum.overall.groupby("measure", sort=False):
        first, last = part.iloc[0], part.iloc[-1]
        largest = part[list(SOURCES)].mean().idxmax()
        sentences.append(say("dagum", measure=measure, moved=say.trend(first.G, last.G), start=say.number(first.G),
                             first=say.period(first.period), end=say.number(last.G), last=say.period(last.period),
                             source=say(f"source_{largest}"), low=share_percent(part[largest].min(), say.fmt).text,
                             high=share_percent(part[largest].max(), say.fmt).text))
        within = dagum.within[(dagum.within["measure"] == measure) & (dagum.within["period"] == last.period)]
        top = within.loc[within["G_jj"].idxmax()]
        sentences.append(say("dagum_within", period=say.period(last.period),
                             group=names.value(study.panel.group, top.group), value=say.number(top.G_jj)))
    return say.sentences(sentences + [say("dagum_tables", tables=say.join([ref("dagum"), ref("dagum_within")]))])


def _density(results: Results, study: Study, ref, say: Phrasing) -> str:
    curves = results.chapter.density.curves
    curves = curves[curves["group"] == "All"]
    peaks = curves.loc[curves.groupby("period", sort=False)["density"].idxmax()]
    first, last = peaks.iloc[0], peaks.iloc[-1]
    direction = "right" if last.x > first.x else "left" if last.x < first.x else "still"
    text = say("density", measure=study.density.measure, direction=say(f"peak_{direction}"),
               start=say.number(first.x), first=say.period(first.period), end=say.number(last.x),
               last=say.period(last.period), low=say.number(first.density), high=say.number(last.density))
    return say.sentences([text, say("density_figure", figure=ref("density")) if numbered(ref, "density") else ""])


def _markov(results: Results, study: Study, ref, say: Phrasing) -> str:
    markov = results.chapter.markov
    labels = class_labels(results, study)
    pooled = markov.transitions[markov.transitions["lag_class"] == -1]
    starts = pooled.groupby("from")["count"].sum()
    diagonal = pooled[(pooled["from"] == pooled["to"]) & pooled["from"].isin(starts[starts > 0].index)]
    most = diagonal.loc[diagonal["probability"].idxmax()]
    sentences = [say("markov", table=ref("markov"), low=say.number(diagonal["probability"].min()),
                     high=say.number(most.probability), name=labels[int(most["from"])][1])]
    test = markov.homogeneity
    if test:
        sentences.append(say("markov_test", alpha=say.alpha(), verdict=say("rejects" if test["Q_p"] < ALPHA else "accepts"),
                             q=say.number(test["Q"]), p=say.p(test["Q_p"])))
    return say.sentences(sentences)


def _obstacle(results: Results, study: Study, ref, say: Phrasing) -> str:
    top = results.chapter.obstacle.top
    top = top[(top["group"] == "All") & (top["rank"] == 1)]
    labels = indicator_labels(study)
    sentences = []
    for index, part in top.groupby("index", sort=False):
        last = part.loc[part["period"].idxmax()]
        leading = part["column"].value_counts()
        sentences.append(say("obstacle", period=say.period(last.period), index=say.label(study.label(index)),
                             indicator=say.label(labels.get((index, last.column), last.column)),
                             value=say.number(last.obstacle), count=leading.get(last.column, 0), total=len(part)))
    return say.sentences(sentences + [say("obstacle_table", table=ref("obstacle"))])


def _development(results: Results, study: Study, ref, say: Phrasing) -> str:
    records = results.chapter.development.by_period.to_dict("records")
    first, last = records[0], records[-1]
    counts = say.series([say(f"lag_{t}", count=last[t]) for t in LAGS])
    return say("development", moved=say.trend(first["mean_E"], last["mean_E"]), start=say.number(first["mean_E"]),
               first=say.period(first["period"]), end=say.number(last["mean_E"]), last=say.period(last["period"]),
               counts=counts, table=ref("development"))
