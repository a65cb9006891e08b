"""Obstacle degree: O_ij = w_j (1 - x'_ij) / sum_j w_j (1 - x'_ij), from an index's own normalised values and weights."""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from .errors import Problem, UserError
from .notes import Note
from .indices import IndexResult, normalise
from .study import Index


@dataclass(frozen=True, eq=False)
class IndexObstacles:
    """One index's obstacle degrees: a row per entity-period, a column per indicator."""

    index: str
    keys: dict[str, pd.api.extensions.ExtensionArray]  # entity, period and (optionally) group of every row
    values: np.ndarray  # rows x indicators
    columns: list[str]
    dimensions: list[str]  # each indicator's dimension

    def by_indicator(self) -> pd.DataFrame:
        codes = np.repeat(np.arange(len(self.columns)), len(self.values))
        return pd.DataFrame({**self._keys(len(self.columns)), "column": _text(self.columns, codes),
                             "obstacle": self.values.T.ravel(), "dimension": _text(self.dimensions, codes)}, copy=False)

    def by_dimension(self) -> pd.DataFrame:
        names = list(dict.fromkeys(self.dimensions))
        summed = [sum(self.values[:, c] for c, d in enumerate(self.dimensions) if d == name) for name in names]
        codes = np.repeat(np.arange(len(names)), len(self.values))
        return pd.DataFrame({**self._keys(len(names)), "dimension": _text(names, codes), "obstacle": np.concatenate(summed)},
                            copy=False)

    def _keys(self, blocks: int) -> dict:
        """The index name and the entity-period keys, repeated for each of `blocks` blocks of rows."""
        tiled = np.tile(np.arange(len(self.values)), blocks)
        return {"index": _text([self.index], np.zeros(len(tiled), dtype=np.intp)),
                **{k: values.take(tiled) for k, values in self.keys.items()}}


@dataclass(frozen=True, eq=False)
class ObstacleResult:
    top: pd.DataFrame  # index, group ("All" or a group), period, rank, column, dimension, obstacle (mean over entities)
    convention: Note
    indices: tuple[IndexObstacles, ...]

    # A row per entity, period and indicator or dimension: millions of rows on a county panel, built when asked for.
    @cached_property
    def by_indicator(self) -> pd.DataFrame:
        """index, entity, period, group, column, obstacle, dimension."""
        return pd.concat([i.by_indicator() for i in self.indices], ignore_index=True)

    @cached_property
    def by_dimension(self) -> pd.DataFrame:
        """index, entity, period, group, dimension, obstacle."""
        return pd.concat([i.by_dimension() for i in self.indices], ignore_index=True)

    @classmethod
    def joined(cls, parts: list["ObstacleResult"]) -> "ObstacleResult":
        """The obstacles of several indices as one result."""
        return cls(pd.concat([p.top for p in parts], ignore_index=True), parts[0].convention,
                   tuple(i for p in parts for i in p.indices))


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
    dimensions = [d for d, _ in index.indicators]
    shortfall = _weights(result, frame, period, columns) * (1 - _normalised(frame, index, period).to_numpy())
    total = shortfall.sum(axis=1)
    if (total <= 0).any():
        row = frame[total <= 0].iloc[0]
        raise UserError(Problem.of("obstacle_undefined", entity=row[entity], period=row[period], key="obstacle",
                                   index=index.name))
    values = (100.0 if percent else 1.0) * shortfall / total[:, None]  # rows x indicators
    key_columns = {"entity": entity, "period": period} | ({"group": group} if group else {})
    rows = len(values)
    keys = {k: frame[c].to_numpy() for k, c in key_columns.items()}
    samples = [("All", np.ones(rows, dtype=bool))]
    if group:
        samples += [(g, keys["group"] == g) for g in sorted(pd.unique(keys["group"][pd.notna(keys["group"])]))]
    parts = [_largest(values[chosen], keys["period"][chosen], columns, dimensions, top) for _, chosen in samples]
    group_names = np.repeat([name for name, _ in samples], [len(p[0]) for p in parts])
    top_table = pd.DataFrame({"index": index.name, "group": group_names,
                              **{k: np.concatenate([p[m] for p in parts]) for m, k in
                                 enumerate(("period", "rank", "column", "dimension", "obstacle"))}})
    convention = Note.of("obstacle", unit=Note.of("obstacle_percent" if percent else "obstacle_shares"), top=top)
    degrees = IndexObstacles(index.name, {k: frame[c].array for k, c in key_columns.items()}, values, columns,
                             dimensions)
    return ObstacleResult(top_table, convention, (degrees,))


def _text(names: list[str], codes: np.ndarray) -> pd.api.extensions.ExtensionArray:
    """names[codes] as a text column, taken from the few names rather than converted from millions of strings."""
    return pd.array(names, dtype="str").take(codes)


def _largest(values: np.ndarray, periods: np.ndarray, columns: list[str], dimensions: list[str], top: int) -> tuple:
    """Period, rank, column, dimension and mean obstacle over the rows of the `top` indicators in each period;
    ties go to the column name first in order."""
    labels, code = np.unique(periods, return_inverse=True)
    counts = np.bincount(code, minlength=len(labels))
    means = np.column_stack([np.bincount(code, weights=values[:, c], minlength=len(labels))
                             for c in range(len(columns))]) / counts[:, None]
    period, column = np.divmod(np.arange(means.size), len(columns))
    order = np.lexsort((np.argsort(np.argsort(columns))[column], -means.ravel(), period))
    rank = np.tile(np.arange(1, len(columns) + 1), len(labels))
    kept = order[rank <= top]
    return (labels[period[kept]], rank[rank <= top], np.array(columns)[column[kept]], np.array(dimensions)[column[kept]],
            means.ravel()[kept])
