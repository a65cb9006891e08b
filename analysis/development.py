"""Relative development degree E = U1 / U2 in three bands, and with the coordination level the 'level + lag' type."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .errors import Problem, UserError

LAGS = ("U1_lags", "synchronous", "U2_lags")


@dataclass(frozen=True, eq=False)
class DevelopmentResult:
    by_entity: pd.DataFrame  # entity, period, group, U1, U2, E, lag, level
    by_period: pd.DataFrame  # period, mean_E, and a count per lag type
    by_group: pd.DataFrame | None  # group, mean_E, and a count per lag type over all periods
    by_level: pd.DataFrame  # level, lag, count: the 'level + lag type' classification
    convention: str


def relative_development(coupled: pd.DataFrame, bands: tuple[float, float] = (0.8, 1.2)) -> DevelopmentResult:
    """E <= low: U1 lags; low < E <= high: synchronous; E > high: U2 lags (coupled: coupling.by_entity)."""
    zero = coupled[coupled["U2"] <= 0]
    if len(zero):
        raise UserError([Problem("U2 is 0, so the relative development degree U1/U2 is undefined",
                                 entity=r.get("entity"), period=r["period"], key="development")
                         for r in zero.head(10).to_dict("records")])
    low, high = bands
    keys = [k for k in ("entity", "period", "group") if k in coupled.columns]
    data = coupled[keys + ["U1", "U2", "level"]].copy()
    data["E"] = data["U1"] / data["U2"]
    data["lag"] = np.array(LAGS)[np.searchsorted([low, high], data["E"].to_numpy(), side="left")]
    by_period = _summary(data, "period")
    by_group = _summary(data, "group") if "group" in data.columns else None
    by_level = data.groupby(["level", "lag"], as_index=False).size().rename(columns={"size": "count"})
    convention = (f"Relative development degree E = U1/U2: E <= {low:g} U1 lags, {low:g} < E <= {high:g} synchronous, "
                  f"E > {high:g} U2 lags; combined with the coordination level of D.")
    return DevelopmentResult(data[keys + ["U1", "U2", "E", "lag", "level"]], by_period, by_group, by_level, convention)


def _summary(data: pd.DataFrame, by: str) -> pd.DataFrame:
    counts = pd.crosstab(data[by], data["lag"]).reindex(columns=list(LAGS), fill_value=0)
    return data.groupby(by)["E"].mean().rename("mean_E").to_frame().join(counts).reset_index()
