"""Study: the spatial and distributional chapter, a switch per section and its options (analysis/sections.py).

Every option is a field of the section in the study file; the schema there checks it, so a value it refuses
comes back as a message and the last valid study stays.
"""
from __future__ import annotations

import pandas as pd
import streamlit as st

from analysis.errors import Problem, UserError
from analysis.sections import Dagum, Density, Development, Lisa, Markov, Moran, Obstacle, SpatialWeights

from . import state
from .edits import numeric_columns
from .text import described, t
from .widgets import bound, choice, widget_key

NEEDS_WEIGHTS = ("moran", "lisa")
MEASURES = ("D", "U1", "U2")


def chapter_section(frame: pd.DataFrame) -> None:
    """A switch per section of the chapter; a section switched on shows its options, starting from the defaults."""
    study = state.study()
    st.caption(t("chapter_caption"))
    for name, options in OPTIONS.items():
        section = getattr(study, name)
        with st.container(border=section is not None):
            st.toggle(t(f"chapter_on_{name}"), section is not None, key=widget_key("chapter_on", name),
                      on_change=_switch, args=(name, section is not None))
            if section is not None:
                options(section, frame, t(f"chapter_{name}"))


def _switch(name: str, on: bool) -> None:
    """Switch a section on (with its defaults, and the weights it needs) or off (with what needs it)."""
    def change(data: dict) -> None:
        if on:
            data.pop(name, None)
            if name == "spatial":  # what needs the weights goes with them
                for user in NEEDS_WEIGHTS:
                    data.pop(user, None)
                if data.get("markov"):
                    data["markov"] = {**data["markov"], "spatial": False}
        else:
            data[name] = {}
            if name in NEEDS_WEIGHTS and data.get("spatial") is None:
                data["spatial"] = {}
            if name == "markov" and data.get("spatial") is None:
                data["markov"] = {"spatial": False}
    if state.edit(change, t(f"chapter_{name}")):
        state.replace_study(state.study())


def _pick(label: str, options: dict, current, section: str, field: str, where: str, needs: dict | None = None,
          **kwargs) -> None:
    """A choice of one field; a choice that needs another field (needs: value -> (field, default)) fills it in."""
    key = widget_key(section, field)

    def change(data: dict) -> None:
        value = data[section][field] = st.session_state[key]
        other, default = (needs or {}).get(value, (None, None))
        if other and not data[section].get(other):
            data[section][other] = default
    names = list(options)
    st.selectbox(label, names, names.index(current), key=key, format_func=options.get,
                 on_change=lambda: state.edit(change, where), **kwargs)


def _count(label: str, path: tuple, where: str, value: int, low: int, high: int, **kwargs) -> None:
    bound(st.number_input, label, path, where, min_value=low, max_value=high, value=value, step=1, **kwargs)


def _measures(label: str, section: str, current, where: str) -> None:
    """D, U1 and U2 to analyse, kept in that order."""
    bound(st.multiselect, label, (section, "measures"), where, list(MEASURES), default=list(current),
          convert=lambda chosen: [m for m in MEASURES if m in chosen], placeholder=t("choose"))


def _periods(label: str, section: str, current, frame: pd.DataFrame, where: str, placeholder: str) -> None:
    """Periods of the data (and any the study names that the data lack), as the study file writes them."""
    time = state.study().panel.time
    found = [p.item() if hasattr(p, "item") else p for p in pd.unique(frame[time].dropna())] if time in frame else []
    options = sorted(set(found) | set(current), key=lambda p: (isinstance(p, str), p))
    bound(st.multiselect, label, (section, "periods"), where, options, default=list(current), placeholder=placeholder)


def _cutoffs(text: str) -> list[float]:
    try:
        return [float(part) for part in text.replace("，", ",").split(",") if part.strip()]
    except ValueError:
        raise UserError(Problem.of("cutoffs_not_numbers", text=text)) from None


# ---------------------------------------------------------------- one function per section


def spatial_options(spatial: SpatialWeights, frame: pd.DataFrame, where: str) -> None:
    numeric = [str(c) for c in numeric_columns(frame)]
    kind, first, second = st.columns(3)
    with kind:
        _pick(t("weights_kind"), described("kind", ("queen", "rook", "knn", "inverse_distance", "economic")),
              spatial.kind, "spatial", "kind", where, needs={"economic": ("column", numeric[0] if numeric else "")})
    if spatial.kind in ("queen", "rook"):
        with first:
            choice(t("islands"), described("islands", ("nearest", "error")), spatial.islands, ("spatial", "islands"),
                   where, help=t("islands_help"))
    elif spatial.kind == "knn":
        with first:
            _count(t("knn_k"), ("spatial", "k"), where, spatial.k, 1, 50)
    elif spatial.kind == "inverse_distance":
        with first:
            bound(st.number_input, t("power"), ("spatial", "power"), where, min_value=0.1, max_value=10.0,
                  value=float(spatial.power), step=0.5, help=t("power_help"))
        with second:
            bound(st.number_input, t("threshold"), ("spatial", "threshold_km"), where, min_value=1.0,
                  value=spatial.threshold_km, step=100.0, placeholder=t("threshold_placeholder"))
    else:
        with first:
            choice(t("economic_column"), numeric, spatial.column, ("spatial", "column"), where,
                   help=t("economic_column_help"))


def moran_options(moran: Moran, frame: pd.DataFrame, where: str) -> None:
    measures, permutations, seed = st.columns([2, 1, 1])
    with measures:
        _measures(t("measures"), "moran", moran.measures, where)
    with permutations:
        _count(t("permutations"), ("moran", "permutations"), where, moran.permutations, 0, 99999,
               help=t("moran_permutations_help"))
    with seed:
        _count(t("seed"), ("moran", "seed"), where, moran.seed, 0, 2**31 - 1)


def lisa_options(lisa: Lisa, frame: pd.DataFrame, where: str) -> None:
    measure, periods = st.columns([1, 3])
    with measure:
        choice(t("measure"), list(MEASURES), lisa.measure, ("lisa", "measure"), where)
    with periods:
        _periods(t("lisa_periods"), "lisa", lisa.periods, frame, where, t("lisa_periods_placeholder"))
    inference, permutations, seed, alpha = st.columns(4)
    with inference:
        choice(t("lisa_inference"), described("lisa_inference", ("permutation", "normal")), lisa.inference,
               ("lisa", "inference"), where)
    with permutations:
        _count(t("permutations"), ("lisa", "permutations"), where, lisa.permutations, 99, 99999,
               disabled=lisa.inference == "normal")
    with seed:
        _count(t("seed"), ("lisa", "seed"), where, lisa.seed, 0, 2**31 - 1, disabled=lisa.inference == "normal")
    with alpha:
        bound(st.number_input, t("alpha"), ("lisa", "alpha"), where, min_value=0.001, max_value=0.5,
              value=float(lisa.alpha), step=0.01, format="%.3f")
    correction, hotspots = st.columns([2, 2], vertical_alignment="bottom")
    with correction:
        choice(t("correction"), described("correction", ("none", "bonferroni", "fdr")), lisa.correction,
               ("lisa", "correction"), where)
    with hotspots:
        bound(st.toggle, t("hotspots"), ("lisa", "hotspots"), where, lisa.hotspots)


def dagum_options(dagum: Dagum, frame: pd.DataFrame, where: str) -> None:
    _measures(t("measures"), "dagum", dagum.measures, where)
    st.caption(t("dagum_caption"))


def density_options(density: Density, frame: pd.DataFrame, where: str) -> None:
    measure, bandwidth, points = st.columns(3)
    with measure:
        choice(t("measure"), list(MEASURES), density.measure, ("density", "measure"), where)
    with bandwidth:
        choice(t("bandwidth"), described("bandwidth", ("silverman", "scott")), density.bandwidth,
               ("density", "bandwidth"), where)
    with points:
        _count(t("points"), ("density", "points"), where, density.points, 20, 2000)
    periods, by_group = st.columns([3, 1], vertical_alignment="bottom")
    with periods:
        _periods(t("density_periods"), "density", density.periods, frame, where, t("density_periods_placeholder"))
    with by_group:
        bound(st.toggle, t("by_group"), ("density", "by_group"), where, density.by_group,
              disabled=not state.study().panel.group and not density.by_group)


def markov_options(markov: Markov, frame: pd.DataFrame, where: str) -> None:
    measure, classes, detail = st.columns(3)
    with measure:
        choice(t("measure"), list(MEASURES), markov.measure, ("markov", "measure"), where)
    with classes:
        _pick(t("classes"), described("classes", ("levels", "quantiles", "cutoffs")), markov.classes, "markov",
              "classes", where, needs={"cutoffs": ("cutoffs", [0.4, 0.5, 0.6])})
    if markov.classes == "quantiles":
        with detail:
            _count(t("quantile_classes"), ("markov", "k"), where, markov.k, 2, 10)
    elif markov.classes == "cutoffs":
        with detail:
            bound(st.text_input, t("cutoffs"), ("markov", "cutoffs"), where, ", ".join(f"{c:g}" for c in markov.cutoffs),
                  convert=_cutoffs, help=t("cutoffs_help"))
    bound(st.toggle, t("spatial_markov"), ("markov", "spatial"), where, markov.spatial,
          disabled=state.study().spatial is None and not markov.spatial, help=t("spatial_markov_help"))


def obstacle_options(obstacle: Obstacle, frame: pd.DataFrame, where: str) -> None:
    names = [i.name for i in state.study().indices]
    indices, top, percent = st.columns([2, 1, 1], vertical_alignment="bottom")
    with indices:
        bound(st.multiselect, t("obstacle_indices"), ("obstacle", "indices"), where,
              list(dict.fromkeys(names + list(obstacle.indices))), default=list(obstacle.indices),
              placeholder=t("obstacle_indices_placeholder"))
    with top:
        _count(t("top_obstacles"), ("obstacle", "top"), where, obstacle.top, 1, 50)
    with percent:
        bound(st.toggle, t("percent"), ("obstacle", "percent"), where, obstacle.percent)


def development_options(development: Development, frame: pd.DataFrame, where: str) -> None:
    low, high = st.columns(2)
    for column, k, label in ((low, 0, t("band_low")), (high, 1, t("band_high"))):
        with column:
            bound(st.number_input, label, ("development", "bands", k), where, min_value=0.01, max_value=10.0,
                  value=float(development.bands[k]), step=0.05, format="%.2f")
    st.caption(t("bands_caption", low=f"{development.bands[0]:g}", high=f"{development.bands[1]:g}"))


OPTIONS = {"spatial": spatial_options, "moran": moran_options, "lisa": lisa_options, "dagum": dagum_options,
           "density": density_options, "markov": markov_options, "obstacle": obstacle_options,
           "development": development_options}
