"""Coupling coordination of two indices: C, T, D and ten levels, per entity or from period means."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .errors import Problem, UserError
from .notes import Note
from .study import Coupling

EDGES = np.arange(1, 10) / 10  # 0.1 ... 0.9, each the closed lower end of the next level
MEASURES = ["U1", "U2", "C", "T", "D"]


@dataclass(frozen=True)
class CouplingResult:
    by_entity: pd.DataFrame  # entity, period, group, U1, U2, C, T, D, level, level_label (keys that exist)
    by_period: pd.DataFrame  # period, U1, U2, C, T, D, level, level_label (Table 5)
    by_group: pd.DataFrame | None  # period, All, then each group: D (Table 6); None without a group column
    convention: Note  # for table and figure notes


def _standard(u1: np.ndarray, u2: np.ndarray) -> np.ndarray:
    return 2 * np.sqrt(u1 * u2) / (u1 + u2)


def _wang2021(u1: np.ndarray, u2: np.ndarray) -> np.ndarray:
    """Wang, Kong, Ren, Zhi & Dai (2021), Journal of Natural Resources 36(3): 793-810, doi:10.31497/zrzyxb.20210319.

    Their modified coupling degree for n systems, sqrt{[1 - sum_{i>j} sqrt((U_i - U_j)^2) / sum_{m=1}^{n-1} m]
    * [prod_i U_i / max U_i]^(1/(n-1))}, taken at n = 2.
    """
    return np.sqrt((1 - np.abs(u1 - u2)) * np.minimum(u1, u2) / np.maximum(u1, u2))


COUPLING_DEGREE = {"standard": _standard, "wang2021": _wang2021}
FORMULAS = tuple(COUPLING_DEGREE)  # each worded in locales/notes.toml as coupling_formula_<name>


def coupling_values(u1, u2, a: float = 0.5, b: float = 0.5, formula: str = "standard"):
    """C, T = a U1 + b U2 and D = sqrt(C T); C is NaN where undefined (U1 = U2 = 0)."""
    if formula not in COUPLING_DEGREE:
        raise UserError(Problem.of("unknown_coupling_formula", key="coupling.formula", formula=formula,
                                   formulas=FORMULAS))
    u1, u2 = np.asarray(u1, dtype=float), np.asarray(u2, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        c = np.minimum(COUPLING_DEGREE[formula](u1, u2), 1.0)  # rounding can push an exact 1 just above it
    t = a * u1 + b * u2
    return c, t, np.sqrt(c * t)


def classify_levels(d, levels: list[str]) -> tuple[np.ndarray, list[str]]:
    """Level k holds D in [(k - 1)/10, k/10), closed on the left; D = 1 is in level 10."""
    d = np.asarray(d, dtype=float)
    outside = np.isnan(d) | (d < 0) | (d > 1 + 1e-12)
    if outside.any():
        raise UserError(Problem.of("coupling_degree_outside", values=tuple(f"{v:g}" for v in d[outside][:3])))
    number = np.searchsorted(EDGES, d, side="right") + 1
    return number, [levels[k - 1] for k in number]


def couple(scores: pd.DataFrame, coupling: Coupling, entity: str | None, period: str, group: str | None,
           group_order=()) -> CouplingResult:
    """Tables 5 and 6: entity mode averages entity values; replication mode couples rescaled period means."""
    data = _panel(scores, coupling, entity, period, group)
    keys = [k for k in ("entity", "period", "group") if k in data.columns]
    values = _coupled(data["U1"], data["U2"], coupling)
    _check_defined(data[keys].join(values))
    by_entity = data[keys].join(values).join(_levels(values["D"], coupling.levels))
    if coupling.mode == "entity":
        means = by_entity.groupby("period", sort=True)[MEASURES].mean()
        group_d = by_entity.groupby(["group", "period"])["D"].mean().unstack("group") if group else None
    else:
        means = _replicate(data, coupling)
        group_d = pd.DataFrame({g: _replicate(part, coupling, g)["D"]
                                for g, part in data.groupby("group", sort=True)}) if group else None
    by_period = means.join(_levels(means["D"], coupling.levels))
    by_group = None
    if group_d is not None:
        order = [g for g in group_order if g in group_d.columns]
        order += sorted((g for g in group_d.columns if g not in order), key=str)
        by_group = pd.concat([by_period["D"].rename("All"), group_d[order]], axis=1).rename_axis("period").reset_index()
    return CouplingResult(by_entity, by_period.reset_index(), by_group, _convention(coupling))


def rescale(values: pd.Series, bounds: tuple[float, float]) -> pd.Series:
    """Min-max onto [low, high] (online coupling tools default to [0.01, 0.99])."""
    low, high = bounds
    return low + (high - low) * (values - values.min()) / (values.max() - values.min())


def _replicate(data: pd.DataFrame, coupling: Coupling, group=None) -> pd.DataFrame:
    """C, T, D of the period means, each series rescaled over the periods first."""
    means = data.groupby("period", sort=True)[["U1", "U2"]].mean()
    in_group = {} if group is None else {"group": group}
    flat = [name for name, u in zip(coupling.indices, ("U1", "U2")) if means[u].max() == means[u].min()]
    if flat:
        raise UserError([Problem.of("coupling_means_constant_in_group" if in_group else "coupling_means_constant",
                                    column=name, index=name, **in_group) for name in flat])
    values = _coupled(rescale(means["U1"], coupling.rescale), rescale(means["U2"], coupling.rescale), coupling)
    _check_defined(values.rename_axis("period").reset_index(),
                   "coupling_undefined_rescaled_in_group" if in_group else "coupling_undefined_rescaled",
                   key="coupling.rescale", **in_group)
    return values


def _coupled(u1: pd.Series, u2: pd.Series, coupling: Coupling) -> pd.DataFrame:
    c, t, d = coupling_values(u1, u2, coupling.a, coupling.b, coupling.formula)
    return pd.DataFrame({"U1": u1, "U2": u2, "C": c, "T": t, "D": d}, index=u1.index)


def _levels(d: pd.Series, labels: list[str]) -> pd.DataFrame:
    number, names = classify_levels(d.to_numpy(), labels)
    return pd.DataFrame({"level": number, "level_label": names}, index=d.index)


def _panel(scores: pd.DataFrame, coupling: Coupling, entity: str | None, period: str, group: str | None) -> pd.DataFrame:
    """The keys and the two indices under fixed names, after checking them."""
    if not period:
        raise UserError(Problem.of("coupling_needs_period", key="panel.time"))
    columns = {"entity": entity, "period": period, "group": group, "U1": coupling.indices[0], "U2": coupling.indices[1]}
    columns = {name: c for name, c in columns.items() if c}
    problems = [Problem.of("missing_column", column=c) for c in dict.fromkeys(columns.values())
                if c not in scores.columns]
    if problems:
        raise UserError(problems)
    if scores[period].isna().any():
        problems.append(Problem.of("coupling_periods_missing", column=period, count=int(scores[period].isna().sum())))
    for name in coupling.indices:
        values = scores[name]
        if not pd.api.types.is_numeric_dtype(values):
            problems.append(Problem.of("coupling_index_not_numeric", column=name))
        elif values.isna().any():
            problems.append(Problem.of("coupling_index_missing", column=name, count=int(values.isna().sum())))
        elif ((values < 0) | (values > 1)).any():
            problems.append(Problem.of("coupling_index_outside_unit", column=name,
                                       count=int(((values < 0) | (values > 1)).sum())))
    if problems:
        raise UserError(problems)
    return pd.DataFrame({name: scores[c].to_numpy() for name, c in columns.items()})


def _check_defined(values: pd.DataFrame, code: str = "coupling_undefined", key: str | None = None, **fields) -> None:
    undefined = values[values["C"].isna()]
    if len(undefined):
        raise UserError([Problem.of(code, entity=r.get("entity"), period=r["period"], key=key, **fields)
                         for r in undefined.head(10).to_dict("records")])


def _convention(coupling: Coupling) -> Note:
    # The indices U1 and U2 stand for are named by whoever prints this, in the study's labels.
    low, high = coupling.rescale
    averaging = (Note.of("coupling_entity") if coupling.mode == "entity"
                 else Note.of("coupling_replication", low=low, high=high))
    return Note.of("coupling", formula=Note.of(f"coupling_formula_{coupling.formula}"), a=coupling.a, b=coupling.b,
                   averaging=averaging)
