"""Gaussian kernel density of a measure by period (and group), on one grid for overlays and ridge or 3-D views."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .errors import Problem, UserError

RULES = {
    "silverman": "Silverman's rule h = 0.9 min(sd, IQR/1.349) n^(-1/5)",
    "scott": "Scott's rule h = 1.059 min(sd, IQR/1.349) n^(-1/5)",
}


@dataclass(frozen=True, eq=False)
class DensityResult:
    curves: pd.DataFrame  # group ("All" or a group), period, x, density
    bandwidths: pd.DataFrame  # group, period, n, bandwidth
    convention: str


def kernel_density(values: np.ndarray, grid: np.ndarray, rule: str) -> tuple[np.ndarray, float]:
    """statsmodels' Gaussian KDE evaluated on the grid, and its bandwidth."""
    from statsmodels.nonparametric.kde import KDEUnivariate
    kde = KDEUnivariate(np.asarray(values, dtype=float))
    kde.fit(kernel="gau", bw=rule, fft=False)
    return np.asarray(kde.evaluate(grid), dtype=float), float(kde.bw)


def densities(frame: pd.DataFrame, measure: str, rule: str = "silverman", periods=(), by_group: bool = True,
              points: int = 200) -> DensityResult:
    """Curves of every selected period for all entities and, by_group, for each group."""
    chosen = list(periods) or sorted(frame["period"].unique())
    data = frame[frame["period"].isin(chosen)]
    samples = [("All", p, b[measure].to_numpy()) for p, b in data.groupby("period", sort=True)]
    if by_group:
        samples += [(g, p, b[measure].to_numpy()) for (g, p), b in data.groupby(["group", "period"], sort=True)]
    problems = [Problem(f"a kernel density needs at least two distinct values; this sample has {len(set(v))}",
                        column=measure, period=p, entity=None if g == "All" else f"group {g}")
                for g, p, v in samples if len(set(v)) < 2]
    if problems:
        raise UserError(problems)
    low, high = data[measure].min(), data[measure].max()
    pad = 0.15 * (high - low)
    grid = np.linspace(low - pad, high + pad, points)
    curves, bandwidths = [], []
    for group, period, values in samples:
        density, bandwidth = kernel_density(values, grid, rule)
        curves.append(pd.DataFrame({"group": group, "period": period, "x": grid, "density": density}))
        bandwidths.append({"group": group, "period": period, "n": len(values), "bandwidth": bandwidth})
    convention = (f"Gaussian kernel, bandwidth by {RULES[rule]} (statsmodels), per period and sample; "
                  f"evaluated at {points} points over [{grid[0]:.4g}, {grid[-1]:.4g}].")
    return DensityResult(pd.concat(curves, ignore_index=True), pd.DataFrame(bandwidths), convention)
