"""The chapter's figures: the Moran scatter plot, the map of LISA clusters and the kernel densities of D."""
from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from .basemap import BaseMap, study_map
from .chapter_tables import spaced_periods
from .figures import (
    COLOURS,
    DASHES,
    HEIGHT,
    WIDTH,
    Figure,
    _figure,
    _fit,
    _legend_columns,
    _period_text,
    caption,
    inline,
    key_title,
    map_entities,
    map_notes,
    map_panel,
    method_note,
    unmatched_notes,
    value_of,
    words_of,
)
from .results import Results
from .study import Study

# Okabe-Ito: warm for a high value, cool for a low one, light where the neighbours differ; grey where not significant.
CLUSTER_COLOURS = {"HH": "#D55E00", "HL": "#E69F00", "LH": "#56B4E9", "LL": "#0072B2", "ns": "#d9d9d9"}
DENSITY_CURVES = 4  # periods overlaid when the study names none


def chapter_figures(results: Results, study: Study, base_map: BaseMap | None = None) -> list[Figure]:
    chapter = results.chapter
    if chapter is None:
        return []
    built = [moran_scatter(results, study) if chapter.lisa is not None else None,
             lisa_map(results, study, base_map) if chapter.lisa is not None else None,
             density_curves(results, study) if chapter.density is not None else None]
    return [f for f in built if f is not None]


def moran_scatter(results: Results, study: Study) -> Figure:
    """Standardised values against their spatial lag in the last LISA period; the fitted slope is Moran's I."""
    lisa, w = results.chapter.lisa, words_of(study)
    period = lisa["period"].iloc[-1]
    data = lisa[lisa["period"] == period][["entity", "z", "lag", "cluster"]]
    data = data.assign(entity=data["entity"].map(lambda e: value_of(study, study.panel.entity, e)))
    slope = float((data["z"] * data["lag"]).sum() / (data["z"] ** 2).sum())
    measure = study.lisa.measure
    edge = float(np.ceil(max(data["z"].abs().max(), data["lag"].abs().max()) * 2) / 2)
    scale = alt.Scale(domain=[-edge, edge], nice=False)
    base = alt.Chart(inline(data))
    points = base.mark_point(filled=True, size=30, opacity=1, stroke="#000000", strokeWidth=0.3).encode(
        x=alt.X("z:Q", title=w["standardised"].format(measure=measure), scale=scale),
        y=alt.Y("lag:Q", title=w["spatial_lag"].format(measure=measure), scale=scale),
        color=_cluster_colour(sorted(set(data["cluster"]), key=list(CLUSTER_COLOURS).index), w),
        tooltip=[alt.Tooltip("entity:N", title=key_title(study, study.panel.entity, "entity")),
                 alt.Tooltip("z:Q", format=".3f"), alt.Tooltip("lag:Q", format=".3f"),
                 alt.Tooltip("cluster:N", title=w["cluster"])])
    line = alt.Chart(inline(pd.DataFrame({"z": [-edge, edge], "lag": [-edge * slope, edge * slope]}))).mark_line(
        color="#000000", strokeWidth=1).encode(x="z:Q", y="lag:Q")
    axes = alt.Chart(inline(pd.DataFrame({"at": [0.0]})))
    rules = alt.layer(axes.mark_rule(color="#7f7f7f", strokeDash=[3, 3]).encode(x="at:Q"),
                      axes.mark_rule(color="#7f7f7f", strokeDash=[3, 3]).encode(y="at:Q"))
    size = WIDTH["column"]
    chart = alt.layer(rules, line, points).properties(width=size, height=HEIGHT[size])
    notes = (w["moran_note"].format(period=_period_text(period), slope=f"{slope:.3f}", measure=measure),
             method_note(study, results.chapter.conventions["lisa"]))
    return _figure("moran_scatter", caption(study, "moran_title", measure=measure, period=_period_text(period)),
                   _fit(chart), notes)


def _cluster_colour(present: list[str], w) -> alt.Color:
    return alt.Color("cluster:N", title=w["cluster"], sort=present,
                     scale=alt.Scale(domain=present, range=[CLUSTER_COLOURS[c] for c in present]),
                     legend=alt.Legend(orient="bottom", direction="horizontal", symbolType="square",
                                       symbolStrokeColor="#595959", symbolStrokeWidth=0.5))


def lisa_map(results: Results, study: Study, base_map: BaseMap | None = None) -> Figure | None:
    """The LISA cluster of every province in each LISA period; provinces outside the sample are left blank."""
    lisa, w, base = results.chapter.lisa, words_of(study), base_map or study_map(study)
    matched = map_entities(base, lisa["entity"].drop_duplicates().tolist())
    if matched is None:
        return None
    shown = lisa.assign(feature=lisa["entity"].map(matched)).dropna(subset=["feature"])
    shown = shown.assign(entity=shown["entity"].map(lambda e: value_of(study, study.panel.entity, e)))[
        ["period", "entity", "feature", "cluster", "value"]]
    colour = _cluster_colour([c for c in CLUSTER_COLOURS if c in set(shown["cluster"])], w)
    tooltip = [alt.Tooltip("entity:N", title=key_title(study, study.panel.entity, "entity")),
               alt.Tooltip("value:Q", format=".3f", title=study.lisa.measure), alt.Tooltip("cluster:N", title=w["cluster"])]
    periods = list(dict.fromkeys(lisa["period"]))
    panels = [map_panel(base, inline(shown[shown["period"] == p].drop(columns="period")), tooltip, colour,
                        _period_text(p), w) for p in periods]
    chart = alt.hconcat(*panels, spacing=8).resolve_scale(color="shared")
    notes = (w["lisa_note"].format(measure=study.lisa.measure,
                                   periods=w["list_separator"].join(_period_text(p) for p in periods)),
             method_note(study, results.chapter.conventions["lisa"]),
             *unmatched_notes(study, lisa["entity"], matched), *map_notes(base, study))
    return _figure("lisa_map", caption(study, "lisa_title"), chart, notes, width="full")


def density_curves(results: Results, study: Study) -> Figure | None:
    """Kernel density of the measure over all entities, one curve per chosen period, overlaid."""
    density, w = results.chapter.density, words_of(study)
    curves = density.curves[density.curves["group"] == "All"]
    periods = spaced_periods(list(dict.fromkeys(curves["period"])), study.density.periods, DENSITY_CURVES)
    if not periods:
        return None
    series = [_period_text(p) for p in periods]
    data = curves[curves["period"].isin(periods)].assign(series=lambda f: f["period"].map(_period_text))
    measure = study.density.measure
    width = WIDTH["column"]
    legend = alt.Legend(title=None, orient="bottom", direction="horizontal", columns=_legend_columns(series, width))
    chart = alt.Chart(inline(data[["series", "x", "density"]])).mark_line(strokeWidth=1.3).encode(
        x=alt.X("x:Q", title=measure, axis=alt.Axis(format=".1f")),
        y=alt.Y("density:Q", title=w["density"]),
        color=alt.Color("series:N", sort=series, scale=alt.Scale(domain=series, range=COLOURS[: len(series)]),
                        legend=legend),
        strokeDash=alt.StrokeDash("series:N", sort=series, scale=alt.Scale(domain=series, range=DASHES[: len(series)]),
                                  legend=legend),
        tooltip=[alt.Tooltip("series:N", title=key_title(study, study.panel.time, "period")),
                 alt.Tooltip("x:Q", format=".3f", title=measure), alt.Tooltip("density:Q", format=".3f", title=w["density"])])
    chart = chart.properties(width=width, height=HEIGHT[width])
    notes = (w["density_note"].format(measure=measure, periods=w["list_separator"].join(series)),
             method_note(study, density.convention))
    return _figure("density", caption(study, "density_title", measure=measure), _fit(chart), notes)
