"""The chapter's tables: Moran's I, LISA clusters, the Dagum decomposition, Markov transitions, obstacles and
relative development; each note states the section's conventions."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

from .levels import level_names
from .names import Names
from .results import Results
from .study import Study
from .table import Cell, Format, Group, Row, Span, Table
from .table_words import TableWords

CLUSTERS = ("HH", "LH", "LL", "HL", "ns")
OBSTACLE_PERIODS = 4  # periods the obstacle table shows
LAG_TYPES = ("U1_lags", "synchronous", "U2_lags")  # columns of the development result, and catalogue keys


def chapter_tables(results: Results, study: Study, fmt: Format) -> list[Table]:
    """A table for every chapter section that was computed, in the chapter's order."""
    chapter = results.chapter
    if chapter is None:
        return []
    built = []
    for section, builders in (("moran", (moran_table,)), ("lisa", (lisa_table,)),
                              ("dagum", (dagum_table, dagum_within_table)), ("markov", (markov_table,)),
                              ("obstacle", (obstacle_table,)), ("development", (development_table,))):
        if getattr(chapter, section) is not None:
            built += [build(results, study, fmt) for build in builders]
    return built


def weights_words(results: Results, study: Study) -> str:
    """Which spatial weights, and which entity without neighbours was linked to which."""
    say, weights = TableWords.of(study), results.chapter.weights
    names = Names.of(study, Format())
    kind = say(f"weights_{weights.kind}", k=study.spatial.k if study.spatial else "")
    islands = [say("island", entity=names.value(study.panel.entity, a), neighbour=names.value(study.panel.entity, b))
               for a, b, _ in weights.links_added]
    return say.sentences(say("weights_used", weights=kind), *islands)


def moran_table(results: Results, study: Study, fmt: Format) -> Table:
    """I, E(I), SD, z and the p-values of each period, a block per measure."""
    say = TableWords.of(study)
    fmt = fmt.for_table("moran")
    moran = results.chapter.moran
    groups = []
    for measure, part in moran.groupby("measure", sort=False):
        rows = [Row(str(r.period), [fmt.number(r.I, p_value=r.p_norm), fmt.number(r.EI), fmt.number(r.sd_norm),
                                    fmt.number(r.z_norm), fmt.number(r.p_norm), fmt.number(r.p_perm)])
                for r in part.itertuples()]
        groups.append(Group(measure if moran["measure"].nunique() > 1 else "", rows))
    header = [Span("I"), Span("E(I)"), Span(say("sd")), Span("Z"), Span(say("p_normal")), Span(say("p_permutation"))]
    permutations = study.moran.permutations if study.moran else 0
    notes = [say("moran_stars", stars=say.stars(fmt)),
             say.sentences(say("moran_note", measure=say.join(moran["measure"].unique())),
                           say("moran_permutations", count=permutations) if permutations else ""),
             weights_words(results, study)]
    return say.table(study, "moran", [header], groups, notes, stubhead=say.period(study))


def lisa_table(results: Results, study: Study, fmt: Format) -> Table:
    """The number of entities in each cluster per period, and the entities of each significant cluster."""
    say = TableWords.of(study)
    lisa = results.chapter.lisa
    names = Names.of(study, fmt)
    counts, members = [], []
    for period, part in lisa.groupby("period", sort=False):
        found = part["cluster"].value_counts()
        counts.append(Row(str(period), [fmt.count(found.get(c, 0)) for c in CLUSTERS]))
        listed = [say("comma").join(names.value(study.panel.entity, e) for e in part.loc[part["cluster"] == c, "entity"])
                  for c in CLUSTERS[:-1]]
        members.append(Row(str(period), [Cell(t) for t in listed] + [Cell("")]))
    header = [Span(c) for c in CLUSTERS]
    groups = [Group(say("entity_count"), counts), Group(say("entities"), members)]
    spec = study.lisa
    inference = (say("lisa_permutation", count=spec.permutations) if spec.inference == "permutation"
                 else say("lisa_normal"))
    notes = [say("lisa_note", measure=spec.measure, alpha=f"{spec.alpha:g}", inference=inference,
                 correction=say(f"correction_{spec.correction}")), weights_words(results, study)]
    return say.table(study, "lisa", [header], groups, notes, stubhead=say.period(study),
                  numeric=(False,) * len(CLUSTERS))


def dagum_table(results: Results, study: Study, fmt: Format) -> Table:
    """G and its three sources by period, with each source's share of G in percent."""
    say = TableWords.of(study)
    fmt = fmt.for_table("dagum")
    overall = results.chapter.dagum.overall
    groups = []
    for measure, part in overall.groupby("measure", sort=False):
        rows = [Row(str(r.period), [fmt.number(v) for v in (r.G, r.G_w, r.G_nb, r.G_t)]
                    + [share_percent(v, fmt) for v in (r.share_w, r.share_nb, r.share_t)]) for r in part.itertuples()]
        groups.append(Group(measure if overall["measure"].nunique() > 1 else "", rows))
    header = [[Span(say("gini"), 4), Span(say("contribution"), 3)],
              [Span(h) for h in ("G", "G_w", "G_nb", "G_t")] + [Span(say(h)) for h in ("within", "between", "transvariation")]]
    return say.table(study, "dagum", header, groups, [say("dagum_note")], stubhead=say.period(study))


def share_percent(share: float, fmt: Format) -> Cell:
    """A share of G in percent, at the table's decimals (the header says %)."""
    return fmt.number(100 * share)


def dagum_within_table(results: Results, study: Study, fmt: Format) -> Table:
    """The Gini coefficient inside each group, by period."""
    say = TableWords.of(study)
    fmt = fmt.for_table("dagum_within")
    within = results.chapter.dagum.within
    names = Names.of(study, fmt)
    order = list(dict.fromkeys(study.panel.group_order + sorted(within["group"].astype(str).unique())))
    present = [g for g in order if g in set(within["group"].astype(str))]
    groups = []
    for measure, part in within.groupby("measure", sort=False):
        wide = part.assign(group=part["group"].astype(str)).pivot(index="period", columns="group", values="G_jj")
        rows = [Row(str(period), [fmt.number(r[g]) for g in present]) for period, r in wide.iterrows()]
        groups.append(Group(measure if within["measure"].nunique() > 1 else "", rows))
    header = [Span(names.value(study.panel.group, g)) for g in present]
    return say.table(study, "dagum_within", [header], groups, [say("dagum_note")], stubhead=say.period(study))


def class_labels(results: Results, study: Study) -> dict[int, tuple[str, str]]:
    """Each Markov class as (number, description): its coordination level's number and name, or k and its interval."""
    levels = level_names(study) if study.coupling else []
    labels = {}
    for r in results.chapter.markov.classes.to_dict("records"):
        if study.coupling and not math.isnan(r["level"]):
            level = int(r["level"])
            labels[r["class"]] = (str(level), f"{level} {levels[level - 1]}")
        else:
            number = str(r["class"] + 1)
            labels[r["class"]] = (number, f"{number} [{r['lower']:.3g}, {r['upper']:.3g})")
    return labels


def markov_table(results: Results, study: Study, fmt: Format) -> Table:
    """The pooled transition matrix with the count of each row, the steady state, and, for the spatial chain,
    one matrix per class of the neighbours' lag."""
    say = TableWords.of(study)
    fmt = fmt.for_table("markov")
    markov = results.chapter.markov
    labels = class_labels(results, study)
    classes = list(labels)
    groups = []
    for lag, part in markov.transitions.groupby("lag_class", sort=True):
        matrix = part.pivot(index="from", columns="to", values="probability")
        totals = part.groupby("from")["count"].sum()
        if totals.sum() == 0:
            continue
        rows = [Row(labels[c][0], [fmt.count(totals[c])] + [fmt.number(matrix.loc[c, t]) for t in classes])
                for c in classes]
        steady = markov.steady_state[markov.steady_state["lag_class"] == lag].set_index("class")["probability"]
        rows.append(Row(say("steady_state"), [Cell("")] + [fmt.number(steady[c]) for c in classes], rule_above=True))
        label = say("all_entities") if lag == -1 else say("neighbours_class", number=labels[lag][0])
        groups.append(Group(label, rows))
    header = [[Span(""), Span(say("class_next"), len(classes))],
              [Span(say("transitions"))] + [Span(labels[c][0]) for c in classes]]
    notes = [say("classes", classes=say("clauses").join(long for _, long in labels.values())), say("markov_note")]
    test = markov.homogeneity
    if test:
        notes.append(say.sentences(say("markov_spatial"), say(
            "homogeneity", q=fmt.quote(test["Q"]), q_p=fmt.quote(test["Q_p"]), lr=fmt.quote(test["LR"]),
            lr_p=fmt.quote(test["LR_p"]), dof=test["dof"])))
    return say.table(study, "markov", header, groups, notes, stubhead=say("class_now"))


def indicator_labels(study: Study) -> dict[tuple[str, str], str]:
    """(index, column) -> the indicator's label."""
    return {(index.name, i.column): i.label or i.column
            for index in study.indices for d in index.dimensions for i in d.indicators}


def spaced_periods(available: list, chosen: list, count: int) -> list:
    """The chosen periods that exist, or about count evenly spaced ones, first and last included."""
    if chosen:
        return [p for p in available if str(p) in {str(c) for c in chosen}]
    picks = np.linspace(0, len(available) - 1, min(count, len(available))).round().astype(int)
    return [available[k] for k in dict.fromkeys(picks)]


def obstacle_table(results: Results, study: Study, fmt: Format) -> Table:
    """The top obstacle indicators over all entities in a few periods, ranked, with their mean obstacle degree."""
    say = TableWords.of(study)
    fmt = fmt.for_table("obstacle")
    top = results.chapter.obstacle.top
    top = top[top["group"] == "All"]
    labels = indicator_labels(study)
    periods = spaced_periods(sorted(top["period"].unique()), [], OBSTACLE_PERIODS)
    groups = []
    for index, part in top.groupby("index", sort=False):
        for period in periods:
            ranked = part[part["period"] == period].sort_values("rank").to_dict("records")
            rows = [Row(str(r["rank"]), [Cell(labels.get((index, r["column"]), r["column"])), Cell(r["dimension"]),
                                         fmt.number(r["obstacle"])]) for r in ranked]
            groups.append(Group(say("obstacle_group", index=study.label(index), period=period), rows))
    degree = say("obstacle_percent") if study.obstacle and study.obstacle.percent else say("obstacle_degree")
    header = [Span(say("indicator")), Span(say("dimension")), Span(degree)]
    notes = [say("obstacle_note", periods=say.join(periods))]
    return say.table(study, "obstacle", [header], groups, notes, stubhead=say("rank"), numeric=(False, False, True))


def development_table(results: Results, study: Study, fmt: Format) -> Table:
    """Mean E and the number of entities of each type by period, and over all periods by group."""
    say = TableWords.of(study)
    fmt = fmt.for_table("development")
    development = results.chapter.development
    names = Names.of(study, fmt)

    def rows(frame: pd.DataFrame, key: str, label) -> list[Row]:
        return [Row(label(r[key]), [fmt.number(r["mean_E"])] + [fmt.count(r[t]) for t in LAG_TYPES])
                for r in frame.to_dict("records")]

    groups = [Group(say("by_period", period=say.in_sentence(say.period(study))), rows(development.by_period, "period", str))]
    if development.by_group is not None:
        groups.append(Group(say("by_group", group=say.in_sentence(study.label(study.panel.group))),
                            rows(development.by_group, "group", lambda g: names.value(study.panel.group, g))))
    u1, u2 = (study.label(name) for name in study.coupling.indices)
    header = [Span(say("mean_e"))] + [Span(say(t.lower())) for t in LAG_TYPES]
    low, high = study.development.bands if study.development else (0.8, 1.2)
    notes = [say("u_names", u1=u1, u2=u2), say("development_note", low=f"{low:g}", high=f"{high:g}")]
    return say.table(study, "development", [header], groups, notes, stubhead="")
