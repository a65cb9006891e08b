"""Coupling coordination of two indices: C, T, D and ten levels, per entity or from period means."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .errors import Problem, UserError
from .study import Coupling

FORMULAS = {
    "standard": "C = 2 sqrt(U1 U2) / (U1 + U2)",
    "wang2021": "C = sqrt[(1 - |U1 - U2|) min(U1, U2) / max(U1, U2)] (Wang et al. 2021)",
}
EDGES = np.arange(1, 10) / 10  # 0.1 ... 0.9, each the closed lower end of the next level
MEASURES = ["U1", "U2", "C", "T", "D"]


@dataclass(frozen=True)
class CouplingResult:
    by_entity: pd.DataFrame  # entity, period, group, U1, U2, C, T, D, level, level_label (keys that exist)
    by_period: pd.DataFrame  # period, U1, U2, C, T, D, level, level_label (Table 5)
    by_group: pd.DataFrame | None  # period, All, then each group: D (Table 6); None without a group column
    convention: str  # for table notes


def _standard(u1: np.ndarray, u2: np.ndarray) -> np.ndarray:
    return 2 * np.sqrt(u1 * u2) / (u1 + u2)


def _wang2021(u1: np.ndarray, u2: np.ndarray) -> np.ndarray:
    """Wang, Kong, Ren, Zhi & Dai (2021), Journal of Natural Resources 36(3): 793-810, doi:10.31497/zrzyxb.20210319.

    Their modified coupling degree for n systems, sqrt{[1 - sum_{i>j} sqrt((U_i - U_j)^2) / sum_{m=1}^{n-1} m]
    * [prod_i U_i / max U_i]^(1/(n-1))}, taken at n = 2.
    """
    return np.sqrt((1 - np.abs(u1 - u2)) * np.minimum(u1, u2) / np.maximum(u1, u2))


COUPLING_DEGREE = {"standard": _standard, "wang2021": _wang2021}


def coupling_values(u1, u2, a: float = 0.5, b: float = 0.5, formula: str = "standard"):
    """C, T = a U1 + b U2 and D = sqrt(C T); C is NaN where undefined (U1 = U2 = 0)."""
    if formula not in COUPLING_DEGREE:
        raise UserError(Problem(f"unknown coupling formula '{formula}'; available: {', '.join(COUPLING_DEGREE)}",
                                key="coupling.formula"))
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
        raise UserError(f"coupling coordination degree outside [0, 1]: {d[outside][:3]}")
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
    where = f" in group {group}" if group is not None else ""
    flat = [name for name, u in zip(coupling.indices, ("U1", "U2")) if means[u].max() == means[u].min()]
    if flat:
        raise UserError([Problem(f"the period means of index {name} are constant{where}, so they cannot be rescaled",
                                 column=name) for name in flat])
    values = _coupled(rescale(means["U1"], coupling.rescale), rescale(means["U2"], coupling.rescale), coupling)
    _check_defined(values.rename_axis("period").reset_index(), f"both period means{where} are rescaled to 0",
                   key="coupling.rescale")
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
        raise UserError(Problem("coupling coordination needs the period column", key="panel.time"))
    columns = {"entity": entity, "period": period, "group": group, "U1": coupling.indices[0], "U2": coupling.indices[1]}
    columns = {name: c for name, c in columns.items() if c}
    problems = [Problem("column not found in the data", column=c) for c in dict.fromkeys(columns.values())
                if c not in scores.columns]
    if problems:
        raise UserError(problems)
    if scores[period].isna().any():
        problems.append(Problem(f"{int(scores[period].isna().sum())} rows have no period", column=period))
    for name in coupling.indices:
        values = scores[name]
        if not pd.api.types.is_numeric_dtype(values):
            problems.append(Problem("index is not numeric", column=name))
        elif values.isna().any():
            problems.append(Problem(f"{int(values.isna().sum())} missing values", column=name))
        elif ((values < 0) | (values > 1)).any():
            problems.append(Problem(f"{int(((values < 0) | (values > 1)).sum())} values outside [0, 1], "
                                    "the scale the coupling model needs", column=name))
    if problems:
        raise UserError(problems)
    return pd.DataFrame({name: scores[c].to_numpy() for name, c in columns.items()})


def _check_defined(values: pd.DataFrame, cause: str = "both indices are 0", key: str | None = None) -> None:
    undefined = values[values["C"].isna()]
    if len(undefined):
        raise UserError([Problem(f"{cause}, so the coupling degree C is undefined", entity=r.get("entity"),
                                 period=r["period"], key=key) for r in undefined.head(10).to_dict("records")])


def _convention(coupling: Coupling) -> str:
    # The indices U1 and U2 stand for are named by whoever prints this, in the study's labels.
    text = (f"{FORMULAS[coupling.formula]}, T = {coupling.a:g} U1 + {coupling.b:g} U2, D = sqrt(C T); "
            "levels of width 0.1 closed on the left ([0.1, 0.2) is level 2, D = 1 is level 10). ")
    if coupling.mode == "entity":
        return text + "C, T and D are computed for each entity and period and then averaged; the level is that of the mean D."
    low, high = coupling.rescale
    return text + (f"C, T and D are computed on the period means of the two indices, each series first rescaled to "
                   f"[{low:g}, {high:g}] by min-max over the periods (within each group for the group columns).")
