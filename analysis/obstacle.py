"""Obstacle degree: O_ij = w_j (1 - x'_ij) / sum_j w_j (1 - x'_ij), from an index's own normalised values and weights."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .errors import Problem, UserError
from .indices import IndexResult, normalise
from .study import Index


@dataclass(frozen=True, eq=False)
class ObstacleResult:
    by_indicator: pd.DataFrame  # index, entity, period, group, dimension, column, obstacle
    by_dimension: pd.DataFrame  # index, entity, period, group, dimension, obstacle
    top: pd.DataFrame  # index, group ("All" or a group), period, rank, column, dimension, obstacle (mean over entities)
    convention: str


def _normalised(frame: pd.DataFrame, index: Index, period: str) -> pd.DataFrame:
    """x'_ij exactly as compute_index formed it: pooled, or within each period."""
    columns = [i.column for _, i in index.indicators]
    directions = [i.direction for _, i in index.indicators]
    if index.scope == "pooled":
        return normalise(frame[columns].astype(float), directions)
    return pd.concat([normalise(b[columns].astype(float), directions) for _, b in frame.groupby(period)]).loc[frame.index]


def _weights(result: IndexResult, frame: pd.DataFrame, period: str, columns: list[str]) -> np.ndarray:
    """w_j for every row: one vector (pooled) or the row's period's vector."""
    table = result.weights
    if "period" not in table.columns:
        return np.tile(table["weight"].to_numpy(), (len(frame), 1))
    wide = table.pivot(index="period", columns="column", values="weight")[columns]
    return wide.loc[frame[period]].to_numpy()


def obstacle_degrees(frame: pd.DataFrame, index: Index, result: IndexResult, entity: str, period: str,
                     group: str | None, top: int = 5, percent: bool = True) -> ObstacleResult:
    """Obstacle degree of each indicator and dimension per entity-period, and the largest mean obstacles."""
    columns = [i.column for _, i in index.indicators]
    dimension_of = {i.column: d for d, i in index.indicators}
    shortfall = _weights(result, frame, period, columns) * (1 - _normalised(frame, index, period).to_numpy())
    total = shortfall.sum(axis=1)
    if (total <= 0).any():
        row = frame[total <= 0].iloc[0]
        raise UserError(Problem(f"index {index.name}: every indicator is at its best value here, so the obstacle "
                                "degree is undefined (0/0)", entity=row[entity], period=row[period], key="obstacle"))
    scale = 100.0 if percent else 1.0
    keys = frame[[entity, period] + ([group] if group else [])].reset_index(drop=True)
    keys.columns = ["entity", "period"] + (["group"] if group else [])
    values = pd.DataFrame(scale * shortfall / total[:, None], columns=columns)
    by_indicator = keys.join(values).melt(id_vars=list(keys.columns), var_name="column", value_name="obstacle")
    by_indicator["dimension"] = by_indicator["column"].map(dimension_of)
    by_indicator.insert(0, "index", index.name)
    by_dimension = by_indicator.groupby(["index", *keys.columns, "dimension"], sort=False, as_index=False)["obstacle"].sum()
    samples = [("All", by_indicator)] + (list(by_indicator.groupby("group", sort=True)) if group else [])
    ranked = []
    for name, part in samples:
        means = part.groupby(["period", "column", "dimension"], as_index=False)["obstacle"].mean()
        means = means.sort_values(["period", "obstacle"], ascending=[True, False])
        means["rank"] = means.groupby("period").cumcount() + 1
        ranked.append(means[means["rank"] <= top].assign(index=index.name, group=name))
    top_table = pd.concat(ranked, ignore_index=True)[["index", "group", "period", "rank", "column", "dimension", "obstacle"]]
    unit = "percent" if percent else "shares"
    convention = (f"Obstacle degree O_ij = w_j (1 - x'_ij) / sum_j w_j (1 - x'_ij) in {unit}, with x'_ij the index's "
                  "min-max normalised values and w_j its weights; a dimension's obstacle is the sum over its "
                  f"indicators; the top {top} rank indicators by their mean obstacle over entities in each period.")
    return ObstacleResult(by_indicator, by_dimension, top_table, convention)
