"""The paper's figures as Altair charts sized for print (100 px per inch); report/ exports them, the app shows them.

Every text that enters a chart is a label (of a variable, index, group or entity, as the study names it)
cleaned by analysis.text.clean_text, so no character a renderer cannot set reaches one, or a fixed word of
locales/figures.toml in the study's document language. Figures read the results, the study's names and its
language, never its printing settings (figure_key).
"""
from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Literal

import altair as alt
import pandas as pd

from .basemap import MAPS_KEPT, BaseMap, base_map_names, layout, study_map
from .catalogue import words
from .estimation import critical_value
from .levels import level_names
from .methods import METHODS
from .names import Names
from .notes import Note
from .pipeline import group_names
from .results import ModelRun, Results
from .study import Study, TableSettings, dumps
from .table_words import source_notes
from .text import clean_text

PX_PER_INCH = 100
# A full-width figure fits the text width of both documents: LaTeX's 16 cm and Word's A4 with 2.54 cm margins.
WIDTH = {"column": int(3.3 * PX_PER_INCH), "full": int(6.2 * PX_PER_INCH)}
HEIGHT = {WIDTH["column"]: int(2.5 * PX_PER_INCH), WIDTH["full"]: int(3.0 * PX_PER_INCH)}  # of line charts
MIN_POINTS = 7  # the smallest text a journal prints
FONT_SIZE = 11  # 7.9 pt at 100 px per inch
SMALL_FONT_SIZE = 10  # 7.2 pt
# The first installed family wins in the exporter and a string with a glyph it lacks is set in an arbitrary
# font, so a chart with Chinese text is set in a CJK serif that also has Latin letters.
LATIN_SERIF = "Times New Roman, Liberation Serif, Tinos, serif"
CJK_SERIF = "Noto Serif CJK SC, Source Han Serif SC, FandolSong, Songti SC, SimSun, serif"
INK = "#000000"
# Okabe-Ito colours, and marker shapes and dash patterns so that series stay apart in grey print.
COLOURS = ["#000000", "#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442"]
SHAPES = ["circle", "square", "triangle-up", "diamond", "triangle-down", "cross", "triangle-left", "triangle-right"]
DASHES = [[1, 0], [6, 3], [2, 2], [8, 3, 2, 3], [4, 2, 1, 2, 1, 2], [10, 4], [1, 4], [6, 2, 2, 2, 2, 2]]
# viridis (van der Walt & Smith, matplotlib) at 0, 0.1, ..., 1: lightness rises evenly from dark violet to yellow
# while the hue turns through blue and green, so levels stay apart in grey print and for colour-vision deficiency.
SEQUENTIAL = "viridis"
VIRIDIS = ["#440154", "#482475", "#414487", "#355f8d", "#2a788e", "#21918c", "#22a884", "#44bf70", "#7ad151",
           "#bddf26", "#fde725"]
LEVEL_SHADES = ["#f2f2f2", "#ffffff"]
NO_DATA = "#ffffff"
LEGEND_INDENT = 90  # pixels left of a series legend's labels: the y axis and the legend's symbol
BAND_MARGIN = 0.02  # D shown beyond the data's range before a further level band is drawn
_PANEL_HEADER = alt.Header(labelAnchor="start", labelFontWeight="bold", labelPadding=3)
_CJK = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef]")


@dataclass(frozen=True)
class Figure:
    id: str
    title: str
    chart: alt.TopLevelMixin
    notes: tuple[str, ...]
    width: Literal["column", "full"] = "column"
    english_title: str = ""  # a bilingual (zh+en) document's second caption


def figures(results: Results, study: Study, base_map: BaseMap | None = None) -> list[Figure]:
    """Every figure the results have data for, in the paper's order. base_map: an uploaded map
    (basemap.read_base_map) instead of the one the study names."""
    built = [figure1(results, study), d_by_region(results, study), d_heatmap(results, study),
             d_map(results, study, base_map=base_map), coefficients(results, study), coefficients_groups(results, study)]
    from .chapter_figures import chapter_figures  # it builds on this module's helpers
    drawn = [f for f in built if f is not None] + chapter_figures(results, study, base_map)
    return [replace(f, notes=f.notes + tuple(text(n) for n in source_notes(results, study, first=k == 0)))
            for k, f in enumerate(drawn)]


def figure_key(study: Study) -> str:
    """The study as far as figures depend on it: everything but the tables' printing settings."""
    return dumps(study.model_copy(update={"tables": TableSettings()}))


def _figure(figure_id: str, title: tuple[str, str], chart: alt.TopLevelMixin, notes, width: str = "column") -> Figure:
    return Figure(figure_id, text(title[0]), _style(chart), tuple(text(n) for n in notes), width, text(title[1]))


def caption(study: Study, key: str, **fields) -> tuple[str, str]:
    """A figure's title in the document language and, in a bilingual document, in English; a field given as a
    function of the study is worded in each language."""
    def worded(language_study: Study) -> str:
        values = {k: v(language_study) if callable(v) else v for k, v in fields.items()}
        return words_of(language_study)[key].format(**values)
    if study.document.language != "zh+en":
        return worded(study), ""
    return worded(study), worded(study.model_copy(update={"document": study.document.model_copy(update={"language": "en"})}))


# Names and words as printed -------------------------------------------------------------------------------------------

def words_of(study: Study):
    """The fixed words of the figures in the study's document language."""
    return words("figures", study.document.language)


def chinese(study: Study) -> bool:
    return study.document.language.startswith("zh")


def method_note(study: Study, note: Note) -> str:
    """How the numbers were computed (a convention of the analysis), in the document language."""
    return note.text(study.document.language)


def key_title(study: Study, name: str | None, fallback: str) -> str:
    """A panel key's label for an axis or tooltip: the study's label, else in English the column's name
    capitalised, in Chinese the catalogue's word (fallback: its key)."""
    if name and study.label(name) != name:
        return title_of(study, name)
    return title_of(study, name) if name and not chinese(study) else words_of(study)[fallback]


def key_name(study: Study, name: str | None, fallback: str) -> str:
    """key_title for running text: an English word in lower case."""
    title = key_title(study, name, fallback)
    return title if chinese(study) else title.lower()


def text(value) -> str:
    """Any value as one line of text a renderer can set."""
    return clean_text(str(value), single_line=True)


def name_of(study: Study, name: str | None) -> str:
    """A variable's, index's or key's label, or its name where it has none."""
    return text(study.label(name)) if name else ""


def title_of(study: Study, name: str | None) -> str:
    """name_of with a capital initial, for axis titles."""
    label = name_of(study, name)
    return label[:1].upper() + label[1:]


def value_of(study: Study, column: str | None, value) -> str:
    """A group's or entity's printed name."""
    return text(study.value_label(column, value))


def printable(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with every text value cleaned: the last guard before data enter a chart."""
    texts = [c for c in frame.columns if frame[c].dtype == object]
    return frame.assign(**{c: frame[c].map(text) for c in texts})


def inline(frame: pd.DataFrame) -> alt.InlineData:
    """The frame's rows, printable, as one JSON string: Altair copies nested values at every step of composing
    a chart, which takes seconds, and copies a string at once. Numbers keep every digit (repr)."""
    rows = json.dumps(printable(frame).to_dict(orient="records"), ensure_ascii=False, separators=(",", ":"))
    return alt.InlineData(values=rows, format=alt.DataFormat(type="json"))


def term_of(study: Study, term: str) -> str:
    """A model term as printed: the label of its column, after "ln" when logged (as the tables print it)."""
    return text(Names(study).term(term))


# Figure 1 and D over time -------------------------------------------------------------------------------------------

def figure1(results: Results, study: Study) -> Figure | None:
    """Yearly means of each composite index over all entities (the paper's Figure 1)."""
    means, time, w = results.index_means, study.panel.time, words_of(study)
    if means is None or means.empty:
        return None
    labels = {i.name: name_of(study, i.name) for i in study.indices if i.name in means.columns}
    long = means.melt(id_vars=time, value_vars=list(labels), var_name="index", value_name="mean")
    long = long.assign(series=long.pop("index").map(labels)).rename(columns={time: "period"})
    chart = _series_chart(long, "mean", list(labels.values()), key_title(study, time, "period"), w["mean_index"],
                          WIDTH["column"], w)
    periods = "-".join(dict.fromkeys(_period_text(p) for p in (long["period"].min(), long["period"].max())))
    methods = w["list_separator"].join(w[f"weights_{m}"] for m in sorted({i.method for i in study.indices}))
    notes = (w["figure1_note"].format(time=key_name(study, time, "period"), methods=methods),)
    return _figure("figure1", caption(study, "figure1_title", periods=periods), _fit(chart), notes)


def d_by_region(results: Results, study: Study) -> Figure | None:
    """Mean coupling coordination degree D over time for all entities and each group, over the level bands of Table 1."""
    if results.coupling is None:
        return None
    coupling, group, w = results.coupling, study.panel.group, words_of(study)
    wide = coupling.by_group if coupling.by_group is not None else \
        coupling.by_period[["period", "D"]].rename(columns={"D": "All"})
    names = {c: w["all"] if c == "All" else value_of(study, group, c)
             for c in wide.columns if c != "period"}
    long = wide.melt(id_vars="period", var_name="series", value_name="D")
    long["series"] = long["series"].map(names)
    low, high = _band_range(long["D"])
    lines = _series_chart(long, "D", list(names.values()), key_title(study, study.panel.time, "period"),
                          w["d_axis"], WIDTH["full"], w, y_domain=(low, high))
    chart = alt.layer(_level_bands([text(v) for v in level_names(study)], low, high), lines)
    who = w["who_groups"].format(group=key_name(study, group, "group")) if coupling.by_group is not None else w["who_all"]
    notes = (w["d_by_region_note"].format(who=who), method_note(study, coupling.convention))
    return _figure("d_by_region", caption(study, "d_by_region_title"), _fit(chart), notes, width="full")


def _series_chart(long: pd.DataFrame, value: str, series: list[str], x_title: str, y_title: str, width: int, w,
                  y_domain: tuple[float, float] | None = None) -> alt.LayerChart:
    """Lines with point markers, one per series, told apart by colour, dash pattern and marker shape."""
    # The legend starts below the plot, right of the y axis: a longer label is cut short rather than by the edge.
    legend = alt.Legend(title=None, orient="bottom", direction="horizontal", columns=_legend_columns(series, width),
                        symbolSize=50, symbolStrokeWidth=0, labelLimit=width - LEGEND_INDENT)
    y_scale = alt.Scale(domain=list(y_domain), nice=False, zero=False) if y_domain else alt.Scale(zero=False)
    base = alt.Chart(inline(long)).encode(
        x=_period_axis(long["period"], x_title),
        y=alt.Y(f"{value}:Q", title=y_title, scale=y_scale, axis=alt.Axis(format=".2f")),
        color=alt.Color("series:N", scale=alt.Scale(domain=series, range=COLOURS[: len(series)]), sort=series,
                        legend=legend),
        tooltip=[alt.Tooltip("series:N", title=w["series"]), alt.Tooltip(f"period:{_period_type(long['period'])}", title=x_title),
                 alt.Tooltip(f"{value}:Q", format=".3f", title=y_title)])
    # The legend shows the markers; the dash patterns repeat the distinction along the lines.
    lines = base.mark_line(strokeWidth=1.3).encode(
        strokeDash=alt.StrokeDash("series:N", scale=alt.Scale(domain=series, range=DASHES[: len(series)]), sort=series,
                                  legend=None))
    points = base.mark_point(filled=True, size=28, opacity=1).encode(
        shape=alt.Shape("series:N", scale=alt.Scale(domain=series, range=SHAPES[: len(series)]), sort=series, legend=legend))
    return alt.layer(lines, points).properties(width=width, height=HEIGHT[width]).resolve_legend(strokeDash="independent")


def _legend_columns(labels: list[str], width: int) -> int:
    """As many legend entries per row as fit the width."""
    return max(1, min(len(labels), int(width // (30 + _text_width(labels)))))


def _text_width(labels: list[str], size: float = FONT_SIZE) -> float:
    """Pixels the longest label needs: about 0.55 em per Latin character of a serif, 1 em per Chinese character."""
    return max(size * (0.55 * len(label) + 0.45 * len(_CJK.findall(label))) for label in labels)


def _band_range(d: pd.Series) -> tuple[float, float]:
    """The span of whole level bands that holds the data plus a margin."""
    low = max(0.0, math.floor((d.min() - BAND_MARGIN) * 10) / 10)
    high = min(1.0, math.ceil((d.max() + BAND_MARGIN) * 10) / 10)
    return low, high


def _level_bands(levels: list[str], low: float, high: float) -> alt.LayerChart:
    """Lightly shaded bands of the coordination levels between low and high, each named beside the plot."""
    numbers = range(round(low * 10), round(high * 10))
    bands = pd.DataFrame({"from": [k / 10 for k in numbers], "to": [(k + 1) / 10 for k in numbers],
                          "middle": [(k + 0.5) / 10 for k in numbers], "label": [levels[k] for k in numbers],
                          "shade": [LEVEL_SHADES[k % 2] for k in numbers]})
    base = alt.Chart(inline(bands))
    rects = base.mark_rect(stroke="#d9d9d9", strokeWidth=0.5).encode(
        y=alt.Y("from:Q"), y2="to:Q", fill=alt.Fill("shade:N", scale=None, legend=None))
    labels = base.mark_text(align="left", baseline="middle", dx=6, fontSize=SMALL_FONT_SIZE, fontStyle="italic",
                            color="#404040").encode(x=alt.value("width"), y=alt.Y("middle:Q"), text="label:N")
    return alt.layer(rects, labels)


def _fit(chart: alt.LayerChart) -> alt.LayerChart:
    """Make width the whole figure's width, axes and legend included (single and layered views only)."""
    return chart.properties(autosize=alt.AutoSizeParams(type="fit", contains="padding"))


# Heat map and map of D ------------------------------------------------------------------------------------------------

def level_colours(count: int) -> list[str]:
    """count colours of viridis from light to dark, spread over its whole range so that neighbouring levels differ most."""
    return [_viridis(1 - k / (count - 1)) for k in range(count)] if count > 1 else [_viridis(0.5)]


def _viridis(position: float) -> str:
    """viridis at a position in [0, 1], interpolated between the tabulated colours."""
    at = position * (len(VIRIDIS) - 1)
    k = min(int(at), len(VIRIDIS) - 2)
    low, high = (bytes.fromhex(VIRIDIS[i][1:]) for i in (k, k + 1))
    return "#" + "".join(f"{round(a + (b - a) * (at - k)):02x}" for a, b in zip(low, high))


def _coupling_rows(results: Results, study: Study) -> pd.DataFrame:
    """The entity-period rows of D with entities, groups and levels as printed."""
    keys, levels = study.panel, [text(v) for v in level_names(study)]
    data = results.coupling.by_entity.assign(
        entity_key=results.coupling.by_entity["entity"],
        entity=lambda f: f["entity"].map(lambda e: value_of(study, keys.entity, e)),
        level_label=lambda f: f["level"].map(lambda k: levels[int(k) - 1]))
    if "group" in data:
        data["group"] = data["group"].map(lambda g: value_of(study, keys.group, g))
    return data


def d_heatmap(results: Results, study: Study) -> Figure | None:
    """D of every entity in every period, entities grouped and then ranked by their mean D."""
    if results.coupling is None or "entity" not in results.coupling.by_entity:
        return None
    keys, w = study.panel, words_of(study)
    data = _coupling_rows(results, study)
    grouped = "group" in data
    groups = [value_of(study, keys.group, g) for g in group_names(results.coupling.by_entity, "group", keys.group_order)] \
        if grouped else []
    order = _entity_order(data, groups)
    time_title = key_title(study, keys.time, "period")
    legend_width = 64  # the gradient, its labels (wider in a CJK font) and the gap before it
    width = WIDTH["column"] - _text_width(order) - legend_width
    chart = alt.Chart(inline(data.drop(columns="entity_key"))).mark_rect(stroke="white", strokeWidth=0.3).encode(
        x=alt.X("period:O", title=time_title, axis=alt.Axis(labelAngle=-90, labelPadding=3)),
        # A step of 1.3 em keeps neighbouring names apart, Chinese ones included.
        y=alt.Y("entity:N", sort=order, title=None, axis=alt.Axis(labelLimit=0, ticks=False, domain=False,
                                                                  labelOverlap=False)),
        color=alt.Color("D:Q", title="D", scale=alt.Scale(scheme=SEQUENTIAL, reverse=True),
                        legend=alt.Legend(orient="right", gradientLength=160, gradientThickness=10, format=".2f",
                                          tickCount=5)),
        tooltip=[alt.Tooltip("entity:N", title=key_title(study, keys.entity, "entity")),
                 alt.Tooltip("period:O", title=time_title), alt.Tooltip("D:Q", format=".3f"),
                 alt.Tooltip("level_label:N", title=w["level"])])
    chart = chart.properties(width=int(width), height=alt.Step(math.ceil(1.3 * FONT_SIZE)))
    if grouped:
        chart = chart.facet(facet=alt.Facet("group:N", sort=groups, title=None, header=_PANEL_HEADER),
                            columns=1, spacing=6).resolve_scale(y="independent")
    how = w["grouped_by"].format(group=key_name(study, keys.group, "group")) if grouped else ""
    notes = (w["heatmap_note"].format(how=how), method_note(study, results.coupling.convention))
    return _figure("d_heatmap", caption(study, "heatmap_title"), chart, notes)


def _entity_order(data: pd.DataFrame, groups: list[str]) -> list[str]:
    """Entities by group (in the study's order), then by mean D, highest first."""
    means = data.groupby("entity", sort=False)["D"].mean().rename("mean").reset_index()
    if not groups:
        return means.sort_values("mean", ascending=False)["entity"].tolist()
    rank = {g: k for k, g in enumerate(groups)}
    means = means.merge(data[["entity", "group"]].drop_duplicates("entity"), on="entity")
    means["rank"] = means["group"].map(rank)
    return means.sort_values(["rank", "mean"], ascending=[True, False])["entity"].tolist()


def d_map(results: Results, study: Study, periods: list | None = None, base_map: BaseMap | None = None) -> Figure | None:
    """Choropleth of the coordination level in the chosen periods (first and last by default), if the base map names
    the entities (the shipped outline: half of its provinces)."""
    if results.coupling is None or "entity" not in results.coupling.by_entity:
        return None
    w, base = words_of(study), base_map or study_map(study)
    data = _coupling_rows(results, study)
    matched = map_entities(base, data["entity_key"].drop_duplicates().tolist())
    if matched is None:
        return None
    available = sorted(data["period"].unique())
    periods = periods or list(dict.fromkeys([available[0], available[-1]]))
    shown = (data[data["period"].isin(periods)].assign(feature=lambda f: f["entity_key"].map(matched))
             .dropna(subset=["feature"]).drop(columns="entity_key"))
    levels = [text(v) for v in level_names(study)]
    present = [levels[k - 1] for k in sorted(shown["level"].astype(int).unique())]
    colour = alt.Color("level_label:N", title=w["coordination_level"], sort=present,
                       scale=alt.Scale(domain=present, range=level_colours(len(present))),
                       legend=alt.Legend(orient="bottom", direction="horizontal", columns=_legend_columns(present, WIDTH["full"]),
                                         labelLimit=0, symbolType="square",
                                         symbolStrokeColor="#595959", symbolStrokeWidth=0.5))
    tooltip = [alt.Tooltip("entity:N", title=key_title(study, study.panel.entity, "entity")),
               alt.Tooltip("D:Q", format=".3f"), alt.Tooltip("level_label:N", title=w["level"])]
    panels = [map_panel(base, inline(shown[shown["period"] == p]), tooltip, colour, _period_text(p), w) for p in periods]
    chart = alt.hconcat(*panels, spacing=8).resolve_scale(color="shared")
    notes = (w["map_note"].format(periods=w["list_separator"].join(_period_text(p) for p in periods)),
             *unmatched_notes(study, data["entity_key"], matched), *map_notes(base, study))
    return _figure("d_map", caption(study, "map_title"), chart, notes, width="full")


def map_entities(base: BaseMap, entities: list) -> dict | None:
    """Entity -> feature key; None when the shipped outline names fewer than half of its provinces (the entities are
    not provinces). The author's map must name half of the entities (basemap.base_map_names)."""
    if base.file:
        return base_map_names(base, entities)
    matched, _ = base.match(entities)
    return matched if len(set(matched.values())) >= len(base.geometries) / 2 else None


def unmatched_notes(study: Study, entities: pd.Series, matched: dict) -> list[str]:
    unmatched = sorted({value_of(study, study.panel.entity, e) for e in set(entities) - set(matched)})
    w = words_of(study)
    return [w["not_on_map"].format(names=w["list_separator"].join(unmatched))] if unmatched else []


def map_notes(base: BaseMap, study: Study) -> list[str]:
    """Why an uploaded map was not used, where the boundaries come from, whether the map may be printed as it stands,
    and how it is projected."""
    w = words_of(study)
    unused = [p.text(study.document.language, located=False) for p in base.warnings]
    if base.standard:
        notes = [w["base_map"].format(file=text(base.file)),
                 w["approval"].format(approval=text(study.map.approval)) if study.map.approval else w["no_approval"]]
    else:
        notes = [w["schematic"], w["boundary_file"].format(file=text(base.file)) if base.file else w["shipped_credit"]]
    projection = w["projection_china"] if base.is_china() else w["projection"]
    return [*unused, *notes, projection]


MAP_WIDTH = int(0.48 * WIDTH["full"])  # two panels side by side
MAP_HEIGHT = int(0.85 * MAP_WIDTH)  # at most


def map_panel(base: BaseMap, rows: alt.InlineData, tooltip: list, colour: alt.Color, title: str, w) -> alt.LayerChart:
    """Every area blank, the matched ones filled by colour, with the base map's lines, its South China Sea inset and
    a scale bar, all laid out in pixels by analysis.basemap."""
    areas, lines, furniture, labels, height = _map_data(base, w["km"], w["south_sea"])
    background = alt.Chart(areas).mark_geoshape(fill=NO_DATA, stroke="#7f7f7f", strokeWidth=0.4)
    filled = alt.Chart(rows).mark_geoshape(stroke="white", strokeWidth=0.5).encode(color=colour, tooltip=tooltip)
    filled = filled.transform_lookup(lookup="feature",
                                     from_=alt.LookupData(data=areas, key="properties.key", fields=["type", "geometry"]))
    drawn = [background, filled]
    if lines is not None:
        drawn.append(alt.Chart(lines).mark_geoshape(filled=False, stroke="#595959", strokeWidth=0.6))
    drawn.append(alt.Chart(furniture).mark_geoshape(filled=False, stroke=INK, strokeWidth=0.6))
    drawn += [alt.Chart(labels).mark_text(fontSize=SMALL_FONT_SIZE, color=INK, baseline="alphabetic", align=align)
              .encode(x=alt.X("x:Q", scale=None), y=alt.Y("y:Q", scale=None), text="text:N")
              .transform_filter(alt.datum.align == align) for align in ("center", "right")]
    return alt.layer(*drawn, title=alt.TitleParams(text(title), fontSize=FONT_SIZE, fontWeight="normal")).project(
        type="identity", scale=1, translate=[0, 0]).properties(width=MAP_WIDTH, height=height)


@lru_cache(maxsize=2 * MAPS_KEPT)
def _map_data(base: BaseMap, unit: str, inset_name: str) -> tuple:
    """The base map's layout as inline data once per map and language (see inline)."""
    drawn = layout(base, MAP_WIDTH, MAP_HEIGHT, unit, inset_name, _text_width([inset_name], SMALL_FONT_SIZE))

    def collection(features: list[dict]) -> alt.InlineData:
        values = json.dumps({"type": "FeatureCollection", "features": features}, separators=(",", ":"))
        return alt.InlineData(values=values, format=alt.DataFormat(type="json", property="features"))

    def features(geometries) -> list[dict]:
        return [{"type": "Feature", "geometry": g, "properties": {}} for g in geometries]

    areas = collection([{"type": "Feature", "geometry": g, "properties": {"key": k}} for k, g in drawn.areas.items()])
    lines = collection(features(drawn.lines)) if drawn.lines else None
    labels = alt.InlineData(values=json.dumps(drawn.labels, ensure_ascii=False), format=alt.DataFormat(type="json"))
    return areas, lines, collection(features(drawn.furniture)), labels, math.ceil(drawn.height)


# Coefficient plots ----------------------------------------------------------------------------------------------------

def coefficients(results: Results, study: Study) -> Figure | None:
    """Table 7's estimators side by side: each coefficient with its 95% confidence interval."""
    runs = results.main
    labels = {id(run): f"({k}) {METHODS[run.method].label}" for k, run in enumerate(runs, start=1)}
    return _coefficient_figure("coefficients", caption(study, "coefficients_title"), runs,
                               lambda run: labels[id(run)], results, study)


def coefficients_groups(results: Results, study: Study) -> Figure | None:
    """Table 9's group samples side by side: each coefficient with its 95% confidence interval."""
    runs = results.by_group
    if not runs:
        return None
    group = study.panel.group
    title = caption(study, "coefficients_groups_title", group=lambda s: key_name(s, group, "group"),
                    method=METHODS[runs[0].method].label)
    return _coefficient_figure("coefficients_groups", title, runs, lambda run: value_of(study, group, run.sample),
                               results, study)


def _coefficient_figure(figure_id: str, title: tuple[str, str], runs: list[ModelRun], series_of, results: Results,
                        study: Study) -> Figure | None:
    fitted = [r for r in runs if r.fit is not None]
    if not fitted:
        return None
    w = words_of(study)
    data = coefficient_frame(fitted, series_of, study)
    chart = _coefficient_chart(data, list(dict.fromkeys(data["series"])), w)
    notes = [w["coefficients_note"].format(intervals=_interval_text(fitted, series_of, w))]
    notes += [w["not_estimated"].format(series=series_of(r), error=r.reason(study.document.language))
              for r in runs if r.fit is None]
    return _figure(figure_id, title, chart, tuple(notes), width="full")


def _interval_text(runs: list[ModelRun], series_of, w) -> str:
    """How the intervals were formed, naming the series when estimators differ in their test distribution."""
    rules = {"t": w["interval_t"], "z": w["interval_z"]}
    used = {s: [series_of(r) for r in runs if r.fit.statistic == s] for s in rules}
    used = {s: names for s, names in used.items() if names}
    if len(used) == 1:
        return rules[next(iter(used))]
    return w["clause_separator"].join(w["rule_for"].format(series=w["list_separator"].join(names), rule=rules[s])
                                      for s, names in used.items())


def coefficient_frame(runs: list[ModelRun], series_of, study: Study) -> pd.DataFrame:
    """One row per series, equation and term (intercepts left out), with the 95% confidence limits."""
    rows = []
    for run in runs:
        critical = critical_value(run.fit)
        for eq_order, eq in enumerate(run.fit.equations):
            for term_order, t in enumerate(eq.terms):
                if t.term == "_cons":
                    continue
                rows.append({"series": series_of(run), "equation": term_of(study, eq.dependent), "eq_order": eq_order,
                             "term": term_of(study, t.term), "term_order": term_order, "estimate": t.estimate,
                             "std_error": t.std_error, "p_value": t.p_value,
                             "low": t.estimate - critical * t.std_error, "high": t.estimate + critical * t.std_error})
    return pd.DataFrame(rows)


COEFFICIENT_COLUMNS = 3  # panels side by side in a full-width figure


def _coefficient_chart(data: pd.DataFrame, series: list[str], w) -> alt.VConcatChart:
    """One small panel per coefficient, each on its own x scale, the series down its side; a block per equation."""
    series_width = _text_width(series) + 8
    spacing = 12
    width = int((WIDTH["full"] - series_width - 10 - spacing * (COEFFICIENT_COLUMNS - 1)) / COEFFICIENT_COLUMNS)
    blocks = []
    for equation, rows in data.groupby("eq_order", sort=True):
        terms = rows.sort_values("term_order", kind="stable")["term"].drop_duplicates().tolist()
        panels = _wrap_alike(terms, width)
        rows = rows.assign(panel=rows["term"].map(dict(zip(terms, panels))))
        blocks.append(_coefficient_panels(rows, series, panels, width, w).properties(
            title=alt.TitleParams(w["equation"].format(number=equation + 1, dependent=rows["equation"].iloc[0]), anchor="start",
                                  fontSize=FONT_SIZE, fontWeight="bold", offset=4)))
    return alt.vconcat(*blocks, spacing=14)


def _coefficient_panels(rows: pd.DataFrame, series: list[str], panels: list[str], width: int, w) -> alt.FacetChart:
    base = alt.Chart().encode(
        y=alt.Y("series:N", sort=series, title=None, axis=alt.Axis(labelLimit=0, ticks=False, domain=False)),
        color=alt.Color("series:N", sort=series, scale=alt.Scale(domain=series, range=COLOURS[: len(series)]), legend=None))
    zero = alt.Chart().mark_rule(color="#7f7f7f", strokeDash=[3, 3], strokeWidth=0.8).encode(x=alt.datum(0))
    x = alt.X("low:Q", title=None, scale=alt.Scale(zero=True, nice=True),
              axis=alt.Axis(tickCount=3, format="~r", grid=True, gridColor="#ececec"))
    bars = base.mark_rule(strokeWidth=1.2).encode(x=x, x2="high:Q")
    points = base.mark_point(filled=True, size=30, opacity=1).encode(
        x="estimate:Q",
        shape=alt.Shape("series:N", sort=series, scale=alt.Scale(domain=series, range=SHAPES[: len(series)]), legend=None),
        tooltip=[alt.Tooltip("series:N", title=w["series"]), alt.Tooltip("term:N", title=w["coefficient_of"]),
                 alt.Tooltip("estimate:Q", format=".4f", title=w["estimate"]),
                 alt.Tooltip("std_error:Q", format=".4f", title=w["se"]),
                 alt.Tooltip("low:Q", format=".4f", title=w["low"]), alt.Tooltip("high:Q", format=".4f", title=w["high"])])
    layered = alt.layer(zero, bars, points, data=inline(rows)).properties(width=width, height=len(series) * 13)
    header = alt.Header(labelAnchor="start", labelPadding=3, labelExpr="split(datum.label, '\\n')")
    return layered.facet(facet=alt.Facet("panel:N", sort=panels, title=None, header=header),
                         columns=COEFFICIENT_COLUMNS, spacing={"row": 10, "column": 12}).resolve_scale(x="independent")


def _wrap_alike(labels: list[str], width: float) -> list[str]:
    """Each label wrapped to width, all to as many lines, so that panels side by side start level."""
    wrapped = [_wrap(label, width) for label in labels]
    lines = max(w.count("\n") for w in wrapped)
    return [w + "\n " * (lines - w.count("\n")) for w in wrapped]


def _wrap(label: str, width: float) -> str:
    """The label broken into lines that fit width pixels (newlines; the panel header splits on them): between words,
    and between any two Chinese characters."""
    tokens = re.findall(rf"\s*(?:{_CJK.pattern}|[^\s\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef]+)", label)
    lines, line = [], ""
    for token in tokens:
        if line and _text_width([line + token]) > width:
            lines.append(line)
            line = token.lstrip()
        else:
            line += token
    return "\n".join([*lines, line.strip()])


# Shared style ---------------------------------------------------------------------------------------------------------

def _style(chart: alt.TopLevelMixin) -> alt.TopLevelMixin:
    """The printed look, in one place: a serif font (a CJK serif when the chart shows Chinese), 8-pt text, black axes.

    Set on the chart just built rather than through configure_*, each of which copies the whole chart.
    """
    font = CJK_SERIF if _CJK.search(json.dumps(chart.to_dict(validate=False), ensure_ascii=False)) else LATIN_SERIF
    text_style = {"labelFontSize": FONT_SIZE, "titleFontSize": FONT_SIZE, "titleFontWeight": "normal",
                  "labelColor": INK, "titleColor": INK}
    chart.config = alt.Config(
        font=font, background="white", padding=4,
        axis=alt.AxisConfig(**text_style, domainColor=INK, tickColor=INK, grid=False, tickSize=4),
        legend=alt.LegendConfig(**text_style, labelLimit=0), header=alt.HeaderConfig(**text_style),
        title=alt.TitleConfig(fontSize=FONT_SIZE, fontWeight="normal", color=INK), view=alt.ViewConfig(stroke=None))
    return chart


def _period_type(periods: pd.Series) -> str:
    """Whole-number periods are quantities, any other period an ordered category."""
    return "Q" if pd.api.types.is_integer_dtype(periods) else "O"


def _period_axis(periods: pd.Series, title: str) -> alt.X:
    """Whole-number periods on a linear axis labelled without separators; any other period as ordered categories."""
    if _period_type(periods) == "Q":
        values = sorted(periods.unique())
        every = max(1, math.ceil(len(values) / 7))
        return alt.X("period:Q", title=title, scale=alt.Scale(domain=[values[0], values[-1]], nice=False, zero=False),
                     axis=alt.Axis(format="d", values=[int(v) for v in values[::every]]))
    return alt.X("period:O", title=title, axis=alt.Axis(labelAngle=0))


def _period_text(value) -> str:
    return str(int(value)) if isinstance(value, float) and value.is_integer() else text(value)
