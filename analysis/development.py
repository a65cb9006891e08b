"""Relative development degree E = U1 / U2 in three bands, and with the coordination level the 'level + lag' type."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .errors import Problem, UserError
from .notes import Note

LAGS = ("U1_lags", "synchronous", "U2_lags")


@dataclass(frozen=True, eq=False)
class DevelopmentResult:
    by_entity: pd.DataFrame  # entity, period, group, U1, U2, E, lag, level
    by_period: pd.DataFrame  # period, mean_E, and a count per lag type
    by_group: pd.DataFrame | None  # group, mean_E, and a count per lag type over all periods
    by_level: pd.DataFrame  # level, lag, count: the 'level + lag type' classification
    convention: Note


def relative_development(coupled: pd.DataFrame, bands: tuple[float, float] = (0.8, 1.2)) -> DevelopmentResult:
    """E <= low: U1 lags; low < E <= high: synchronous; E > high: U2 lags (coupled: coupling.by_entity)."""
    zero = coupled[coupled["U2"] <= 0]
    if len(zero):
        raise UserError([Problem.of("development_undefined", entity=r.get("entity"), period=r["period"],
                                    key="development") for r in zero.head(10).to_dict("records")])
    low, high = bands
    keys = [k for k in ("entity", "period", "group") if k in coupled.columns]
    by_entity = {k: coupled[k].array for k in keys} | {k: coupled[k].to_numpy() for k in ("U1", "U2")}
    by_entity["E"] = by_entity["U1"] / by_entity["U2"]
    lag = np.searchsorted([low, high], by_entity["E"], side="left")
    level = coupled["level"].to_numpy()
    by_entity["lag"], by_entity["level"] = pd.array(LAGS, dtype="str").take(lag), level
    by_period = _summary(coupled["period"], by_entity["E"], lag, "period")
    by_group = _summary(coupled["group"], by_entity["E"], lag, "group") if "group" in keys else None
    cells, counts = np.unique(level * len(LAGS) + np.argsort(np.argsort(LAGS))[lag], return_counts=True)
    by_level = pd.DataFrame({"level": cells // len(LAGS), "lag": np.array(sorted(LAGS))[cells % len(LAGS)],
                             "count": counts})
    convention = Note.of("development", low=low, high=high)
    return DevelopmentResult(pd.DataFrame(by_entity), by_period, by_group, by_level, convention)


def _summary(labels: pd.Series, e: np.ndarray, lag: np.ndarray, by: str) -> pd.DataFrame:
    """Mean E and the count of each lag type for every label (sorted; missing labels left out)."""
    code, names = pd.factorize(labels, sort=True)
    seen = code >= 0
    code, e, lag = code[seen], e[seen], lag[seen]
    counts = np.bincount(code * len(LAGS) + lag, minlength=len(names) * len(LAGS)).reshape(len(names), len(LAGS))
    mean = np.bincount(code, weights=e, minlength=len(names)) / counts.sum(axis=1)
    return pd.DataFrame({by: names, "mean_E": mean, **dict(zip(LAGS, counts.T))})
