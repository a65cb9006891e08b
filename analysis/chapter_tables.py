"""The chapter's tables: Moran's I, LISA clusters, the Dagum decomposition, Markov transitions, obstacles and
relative development; each note states the section's conventions."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

from .names import Names
from .results import Results
from .study import Study
from .table import Cell, Format, Group, Row, Span, Table

DEFAULT_TITLES = {
    "moran": "Global Moran's I by year",
    "lisa": "Local spatial clusters (LISA)",
    "dagum": "Dagum Gini coefficient and its decomposition",
    "dagum_within": "Within-group Gini coefficients",
    "markov": "Markov transition probabilities",
    "obstacle": "Main obstacle indicators",
    "development": "Relative development types",
}
CLUSTERS = ("HH", "LH", "LL", "HL", "ns")
OBSTACLE_PERIODS = 4  # periods the obstacle table shows
LAG_TYPES = {"U1_lags": "U1 lags", "synchronous": "Synchronous", "U2_lags": "U2 lags"}


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


def _title(study: Study, table_id: str) -> str:
    return study.title_of(table_id, DEFAULT_TITLES[table_id])


def _notes(results: Results, section: str, *more: str) -> list[str]:
    chapter = results.chapter
    spatial = [chapter.conventions["spatial"]] if section in ("moran", "lisa") and "spatial" in chapter.conventions else []
    return [*more, chapter.conventions[section], *spatial, *results.source_notes()]


def _period(study: Study) -> str:
    return study.label(study.panel.time)


def moran_table(results: Results, study: Study, fmt: Format) -> Table:
    """I, E(I), SD, z and the p-values of each period, a block per measure."""
    fmt = fmt.for_table("moran")
    moran = results.chapter.moran
    groups = []
    for measure, part in moran.groupby("measure", sort=False):
        rows = [Row(str(r.period), [fmt.number(r.I, p_value=r.p_norm), fmt.number(r.EI), fmt.number(r.sd_norm),
                                    fmt.number(r.z_norm), fmt.number(r.p_norm), fmt.number(r.p_perm)])
                for r in part.itertuples()]
        groups.append(Group(measure if moran["measure"].nunique() > 1 else "", rows))
    header = [Span(h) for h in ("I", "E(I)", "SD", "Z", "p (normal)", "p (permutation)")]
    notes = _notes(results, "moran", f"Stars on I by the normal p-value: {fmt.star_legend()}")
    return Table("moran", _title(study, "moran"), [header], groups, notes, stubhead=_period(study))


def lisa_table(results: Results, study: Study, fmt: Format) -> Table:
    """The number of entities in each cluster per period, and the entities of each significant cluster."""
    lisa = results.chapter.lisa
    names = Names.of(study, fmt)
    counts, members = [], []
    for period, part in lisa.groupby("period", sort=False):
        found = part["cluster"].value_counts()
        counts.append(Row(str(period), [fmt.count(found.get(c, 0)) for c in CLUSTERS]))
        listed = [", ".join(names.value(study.panel.entity, e) for e in part.loc[part["cluster"] == c, "entity"])
                  for c in CLUSTERS[:-1]]
        members.append(Row(str(period), [Cell(t) for t in listed] + [Cell("")]))
    header = [Span(c) for c in CLUSTERS]
    groups = [Group("Number of entities", counts), Group("Entities", members)]
    notes = _notes(results, "lisa", "ns: not significant.")
    return Table("lisa", _title(study, "lisa"), [header], groups, notes, stubhead=_period(study),
                 numeric=(False,) * len(CLUSTERS))


def dagum_table(results: Results, study: Study, fmt: Format) -> Table:
    """G and its three sources by period, with each source's share of G in percent."""
    fmt = fmt.for_table("dagum")
    overall = results.chapter.dagum.overall
    groups = []
    for measure, part in overall.groupby("measure", sort=False):
        rows = [Row(str(r.period), [fmt.number(v) for v in (r.G, r.G_w, r.G_nb, r.G_t)]
                    + [share_percent(v, fmt) for v in (r.share_w, r.share_nb, r.share_t)]) for r in part.itertuples()]
        groups.append(Group(measure if overall["measure"].nunique() > 1 else "", rows))
    header = [[Span("Gini coefficient", 4), Span("Contribution (%)", 3)],
              [Span(h) for h in ("G", "G_w", "G_nb", "G_t", "Within", "Between", "Transvariation")]]
    return Table("dagum", _title(study, "dagum"), header, groups, _notes(results, "dagum"), stubhead=_period(study))


def share_percent(share: float, fmt: Format) -> Cell:
    """A share of G in percent, at the table's decimals (the header says %)."""
    return fmt.number(100 * share)


def dagum_within_table(results: Results, study: Study, fmt: Format) -> Table:
    """The Gini coefficient inside each group, by period."""
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
    return Table("dagum_within", _title(study, "dagum_within"), [header], groups, _notes(results, "dagum"),
                 stubhead=_period(study))


def class_labels(results: Results, study: Study) -> dict[int, tuple[str, str]]:
    """Each Markov class as (number, description): its coordination level's number and name, or k and its interval."""
    labels = {}
    for r in results.chapter.markov.classes.to_dict("records"):
        if study.coupling and not math.isnan(r["level"]):
            level = int(r["level"])
            labels[r["class"]] = (str(level), f"{level} {study.coupling.levels[level - 1]}")
        else:
            number = str(r["class"] + 1)
            labels[r["class"]] = (number, f"{number} [{r['lower']:.3g}, {r['upper']:.3g})")
    return labels


def markov_table(results: Results, study: Study, fmt: Format) -> Table:
    """The pooled transition matrix with the count of each row, the steady state, and, for the spatial chain,
    one matrix per class of the neighbours' lag."""
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
        rows.append(Row("Steady state", [Cell("")] + [fmt.number(steady[c]) for c in classes], rule_above=True))
        label = "All entities" if lag == -1 else f"Neighbours' lag in class {labels[lag][0]}"
        groups.append(Group(label, rows))
    header = [[Span(""), Span("Class at t + 1", len(classes))], [Span("n")] + [Span(labels[c][0]) for c in classes]]
    notes = [f"Classes: {'; '.join(long for _, long in labels.values())}.",
             "n: transitions starting in the class. Probabilities of moving from the row's class in year t to "
             "the column's class in year t + 1; an empty steady state: the chain has no unique stationary distribution."]
    test = markov.homogeneity
    if test:
        notes.append(f"Homogeneity of the spatial chain: Q = {fmt.quote(test['Q'])} (p = {fmt.quote(test['Q_p'])}), "
                     f"LR = {fmt.quote(test['LR'])} (p = {fmt.quote(test['LR_p'])}), {test['dof']} degrees of freedom.")
    return Table("markov", _title(study, "markov"), header, groups, _notes(results, "markov", *notes),
                 stubhead="Class at t")


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
            groups.append(Group(f"{study.label(index)}, {period}", rows))
    header = [Span("Indicator"), Span("Dimension"), Span("Obstacle degree")]
    shown = ", ".join(str(p) for p in periods)
    notes = _notes(results, "obstacle", f"Mean obstacle degree over all entities in {shown}.")
    return Table("obstacle", _title(study, "obstacle"), [header], groups, notes, stubhead="Rank",
                 numeric=(False, False, True))


def development_table(results: Results, study: Study, fmt: Format) -> Table:
    """Mean E and the number of entities of each type by period, and over all periods by group."""
    fmt = fmt.for_table("development")
    development = results.chapter.development
    names = Names.of(study, fmt)

    def rows(frame: pd.DataFrame, key: str, label) -> list[Row]:
        return [Row(label(r[key]), [fmt.number(r["mean_E"])] + [fmt.count(r[t]) for t in LAG_TYPES])
                for r in frame.to_dict("records")]

    groups = [Group("By " + _period(study).lower(), rows(development.by_period, "period", str))]
    if development.by_group is not None:
        groups.append(Group("By " + study.label(study.panel.group).lower() + ", all periods",
                            rows(development.by_group, "group", lambda g: names.value(study.panel.group, g))))
    u1, u2 = (study.label(name) for name in study.coupling.indices)
    header = [Span("Mean E")] + [Span(t) for t in LAG_TYPES.values()]
    notes = _notes(results, "development", f"U1 is {u1}, U2 is {u2}; counts are entity-periods.")
    return Table("development", _title(study, "development"), [header], groups, notes, stubhead="")
