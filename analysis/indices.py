"""Composite indices: min-max normalisation by direction, then entropy, CRITIC, equal or fixed weights."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .errors import Problem, UserError
from .study import Index

ZERO_HANDLING = {
    "zero": "0 ln 0 taken as 0",
    "shift": "epsilon = {eps:g} added to every normalised value before p is formed",
    "squeeze": "normalised values mapped into [{eps:g}, 1 - {eps:g}] before p is formed",
}


@dataclass(frozen=True)
class IndexResult:
    weights: pd.DataFrame  # one row per indicator (per period when scope = per_period)
    scores: pd.Series  # the index, same row index as the input frame
    dimensions: pd.DataFrame  # one column per dimension; they add up to the index
    convention: str  # for table notes
    warnings: tuple[Problem, ...] = ()


def normalise(values: pd.DataFrame, directions: list[str]) -> pd.DataFrame:
    """Min-max: benefit (x - min)/(max - min), cost (max - x)/(max - min), column by column."""
    low, high = values.min(), values.max()
    z = (values - low) / (high - low)
    cost = [c for c, d in zip(values.columns, directions) if d == "-"]
    z[cost] = (high[cost] - values[cost]) / (high[cost] - low[cost])
    return z


def entropy_weights(z: np.ndarray, zero_handling: str = "zero", epsilon: float = 1e-4) -> pd.DataFrame:
    """Entropy weight method: p = z / sum z, e = -sum p ln p / ln n, d = 1 - e, w = d / sum d."""
    if zero_handling == "shift":
        z = z + epsilon
    elif zero_handling == "squeeze":
        z = epsilon + (1 - 2 * epsilon) * z
    p = z / z.sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        plogp = np.where(p > 0, p * np.log(p), 0.0)
    entropy = -plogp.sum(axis=0) / np.log(len(z))
    divergence = 1 - entropy
    return pd.DataFrame({"weight": divergence / divergence.sum(), "entropy": entropy, "divergence": divergence})


def critic_weights(z: np.ndarray, index: str) -> pd.DataFrame:
    """CRITIC (Diakoulaki et al. 1995): information = sd_j * sum_k (1 - r_jk), w = information / its sum; index names
    the index where the weights are undefined."""
    sd = z.std(axis=0, ddof=1)  # ddof cancels in the weights
    conflict = (1 - np.atleast_2d(np.corrcoef(z, rowvar=False))).sum(axis=0)
    information = sd * conflict
    if information.sum() == 0:
        raise UserError(Problem.of("critic_weights_undefined", index=index))
    return pd.DataFrame({"weight": information / information.sum(), "sd": sd, "conflict": conflict,
                         "information": information})


def _weights(z: np.ndarray, index: Index) -> pd.DataFrame:
    if index.method == "entropy":
        return entropy_weights(z, index.zero_handling, index.epsilon)
    if index.method == "critic":
        return critic_weights(z, index.name)
    if index.method == "equal":
        return pd.DataFrame({"weight": np.full(z.shape[1], 1 / z.shape[1])})
    given = np.array([i.weight for _, i in index.indicators], dtype=float)
    if given.sum() == 0:
        raise UserError(Problem.of("fixed_weights_zero", index=index.name))
    return pd.DataFrame({"weight": given / given.sum()})


def compute_index(frame: pd.DataFrame, index: Index, period: str | None = None) -> IndexResult:
    """Weights and scores of one index; score = sum_j w_j z_j over the min-max normalised indicators."""
    columns = [i.column for _, i in index.indicators]
    _check(frame, index, columns, period)
    per_period = index.scope == "per_period"
    data = frame.reset_index(drop=True)  # positional rows, so a duplicated row label cannot misalign scores
    blocks = data.groupby(period, sort=True) if per_period else [(None, data)]
    pieces, tables = [], []
    for key, block in blocks:
        _check_not_constant(block, columns, key)
        z = normalise(block[columns].astype(float), [i.direction for _, i in index.indicators])
        table = _describe(index, _weights(z.to_numpy(), index), key if per_period else None)
        pieces.append(z * table["weight"].to_numpy())
        tables.append(table)
    contributions = pd.concat(pieces).sort_index()
    dimensions = pd.DataFrame({d.name: contributions[[i.column for i in d.indicators]].sum(axis=1).to_numpy()
                               for d in index.dimensions}, index=frame.index)
    scores = dimensions.sum(axis=1).rename(index.name)
    return IndexResult(pd.concat(tables, ignore_index=True), scores, dimensions,
                       _convention(index, len(frame), per_period), _warnings(index))


def yearly_means(frame: pd.DataFrame, period: str, columns: list[str]) -> pd.DataFrame:
    """Mean of each index by period (Figure 1's data), periods in ascending order."""
    missing = [c for c in [period, *columns] if c not in frame.columns]
    if missing:
        raise UserError([Problem.of("missing_column", column=c) for c in missing])
    return frame.groupby(period, sort=True)[columns].mean().reset_index()


def _describe(index: Index, weights: pd.DataFrame, period) -> pd.DataFrame:
    rows = pd.DataFrame([{"index": index.name, "dimension": d, "indicator": i.label or i.column, "column": i.column,
                          "direction": i.direction} for d, i in index.indicators])
    table = pd.concat([rows, weights.reset_index(drop=True)], axis=1)
    if period is not None:
        table.insert(0, "period", period)
    return table


def _check(frame: pd.DataFrame, index: Index, columns: list[str], period: str | None) -> None:
    name = index.name
    problems = [Problem.of("index_indicator_not_found", column=c, index=name)
                for c in dict.fromkeys(columns) if c not in frame.columns]
    problems += [Problem.of("index_indicator_repeated", column=c, index=name)
                 for c in sorted({c for c in columns if columns.count(c) > 1})]
    dimensions = [d.name for d in index.dimensions]
    problems += [Problem.of("index_dimensions_same_name", index=name, dimension=d)
                 for d in sorted({d for d in dimensions if dimensions.count(d) > 1})]
    if index.scope == "per_period" and (period is None or period not in frame.columns):
        problems.append(Problem.of("index_per_period_needs_period", column=period, index=name))
    elif index.scope == "per_period" and frame[period].isna().any():
        problems.append(Problem.of("index_rows_without_period", column=period, index=name,
                                   count=int(frame[period].isna().sum())))
    if problems:
        raise UserError(problems)
    for c in columns:
        if not pd.api.types.is_numeric_dtype(frame[c]):
            problems.append(Problem.of("index_indicator_not_numeric", column=c, index=name))
        elif frame[c].isna().any():
            problems.append(Problem.of("index_indicator_missing_values", column=c, index=name,
                                       count=int(frame[c].isna().sum())))
    if problems:
        raise UserError(problems)


def _check_not_constant(block: pd.DataFrame, columns: list[str], period) -> None:
    constant = [c for c in columns if block[c].max() == block[c].min()]
    if constant:
        raise UserError([Problem.of("index_indicator_constant", column=c, period=period) for c in constant])


def _convention(index: Index, n: int, per_period: bool) -> str:
    pool = "within each period" if per_period else f"over all {n} observations"
    text = f"Indicators min-max normalised {pool} (benefit (x - min)/(max - min), cost (max - x)/(max - min)); "
    if index.method == "entropy":
        k = "k = 1/ln n with n the number of observations in the period" if per_period else f"k = 1/ln {n}"
        rule = ZERO_HANDLING[index.zero_handling].format(eps=index.epsilon)
        text += f"entropy weights with p_ij = z_ij / sum_i z_ij, e_j = -k sum_i p_ij ln p_ij, {k}, {rule}; "
    elif index.method == "critic":
        text += "CRITIC weights (standard deviation times the sum of 1 - r over the other indicators); "
    elif index.method == "equal":
        text += "equal weights; "
    else:
        text += "weights fixed by the author, rescaled to sum to 1; "
    if per_period and index.method in ("entropy", "critic"):
        text += "weights computed per period; "
    return text + "score = sum of weight times normalised value."


def _warnings(index: Index) -> tuple[Problem, ...]:
    if index.method != "fixed":
        return ()
    total = sum(i.weight for _, i in index.indicators)
    if abs(total - 1) <= 1e-6:
        return ()
    return (Problem.of("fixed_weights_rescaled", severity="warning", index=index.name, total=total),)
