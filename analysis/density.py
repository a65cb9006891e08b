"""Gaussian kernel density of a measure by period (and group), on one grid for overlays and ridge or 3-D views."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .errors import Problem, UserError
from .notes import Note


@dataclass(frozen=True, eq=False)
class DensityResult:
    curves: pd.DataFrame  # group ("All" or a group), period, x, density
    bandwidths: pd.DataFrame  # group, period, n, bandwidth
    convention: Note


def bandwidth(values: np.ndarray, rule: str) -> float:
    """Silverman's or Scott's rule of thumb, as statsmodels states it (the sd alone when the IQR is 0)."""
    sd = values.std(ddof=1)
    iqr = np.subtract(*np.percentile(values, [75, 25])) / 1.349
    spread = min(sd, iqr) if iqr > 0 else sd
    return {"silverman": 0.9, "scott": 1.059}[rule] * spread * len(values) ** -0.2


def kernel_density(values: np.ndarray, grid: np.ndarray, rule: str) -> tuple[np.ndarray, float]:
    """Gaussian kernel density on the grid and its bandwidth, as statsmodels' KDEUnivariate (fft=False) gives."""
    values = np.asarray(values, dtype=float)
    h = bandwidth(values, rule)
    u = (values[None, :] - grid[:, None]) / h
    return 0.3989422804014327 * np.exp(-u**2 / 2).sum(axis=1) / (h * len(values)), h


def densities(frame: pd.DataFrame, measure: str, rule: str = "silverman", periods=(), by_group: bool = True,
              points: int = 200) -> DensityResult:
    """Curves of every selected period for all entities and, by_group, for each group."""
    chosen = list(periods) or sorted(frame["period"].unique())
    data = frame[frame["period"].isin(chosen)]
    values = data[measure].to_numpy(dtype=float)
    period_code, period_names = pd.factorize(data["period"], sort=True)
    in_period = [period_code == k for k in range(len(period_names))]
    samples = [("All", p, values[rows]) for p, rows in zip(period_names, in_period)]
    if by_group:
        group_code, group_names = pd.factorize(data["group"], sort=True)
        samples += [(g, p, values[rows & (group_code == i)]) for i, g in enumerate(group_names)
                    for p, rows in zip(period_names, in_period) if (rows & (group_code == i)).any()]
    problems = [Problem.of("density_needs_distinct_values", column=measure, period=p, count=len(set(v)))
                if g == "All" else Problem.of("density_group_needs_distinct_values", column=measure, period=p,
                                              count=len(set(v)), group=g)
                for g, p, v in samples if len(set(v)) < 2]
    if problems:
        raise UserError(problems)
    low, high = values.min(), values.max()
    pad = 0.15 * (high - low)
    grid = np.linspace(low - pad, high + pad, points)
    fitted = [kernel_density(values, grid, rule) for _, _, values in samples]
    groups, periods = [g for g, _, _ in samples], [p for _, p, _ in samples]
    curves = pd.DataFrame({"group": np.repeat(groups, points), "period": np.repeat(periods, points),
                           "x": np.tile(grid, len(samples)), "density": np.concatenate([d for d, _ in fitted])})
    bandwidths = pd.DataFrame({"group": groups, "period": periods, "n": [len(v) for _, _, v in samples],
                               "bandwidth": [h for _, h in fitted]})
    convention = Note.of("density", rule=Note.of(f"bandwidth_{rule}"), points=points, low=grid[0], high=grid[-1])
    return DensityResult(curves, bandwidths, convention)
