"""Cost of the optional chapter on the demo and on a synthetic county-sized panel; spatial steps against nonzeros.

    OPENBLAS_NUM_THREADS=1 python3 scripts/benchmark_chapter.py
"""
from __future__ import annotations

import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
warnings.filterwarnings("ignore")

from analysis.chapter import SECTIONS, moran_table, run_chapter  # noqa: E402
from analysis.density import densities  # noqa: E402
from analysis.development import relative_development  # noqa: E402
from analysis.examples import default_study, demo_panel  # noqa: E402
from analysis.inequality import dagum_by_period  # noqa: E402
from analysis.markov import markov_chains  # noqa: E402
from analysis.pipeline import run  # noqa: E402
from analysis.spatial import Weights, getis_ord_star, global_moran, knn_weights, local_moran  # noqa: E402

PERMUTATIONS = 999


def timed(label: str, function, *args, **kwargs):
    start = time.perf_counter()
    out = function(*args, **kwargs)
    print(f"  {label:<44} {time.perf_counter() - start:8.3f} s")
    return out


def county_panel(n: int, periods: int = 12, seed: int = 1) -> tuple[pd.DataFrame, np.ndarray]:
    """Random points over China's extent and a spatially smooth D drifting upwards."""
    rng = np.random.default_rng(seed)
    points = np.column_stack([rng.uniform(98, 122, n), rng.uniform(22, 45, n)])
    base = 0.25 + 0.15 * (points[:, 0] - 98) / 24 + rng.normal(0, 0.03, n)
    rows = []
    for t in range(periods):
        d = np.clip(base + 0.01 * t + rng.normal(0, 0.02, n), 0.01, 0.99)
        u1 = np.clip(d**2 * rng.uniform(0.8, 1.25, n), 0.001, 1)
        rows.append(pd.DataFrame({"entity": [f"c{i}" for i in range(n)], "period": 2011 + t,
                                  "group": np.array(["East", "Central", "West", "Northeast"])[np.minimum((points[:, 0] - 98) // 6, 3).astype(int)],
                                  "U1": u1, "U2": np.clip(d**2 * 1.0, 0.001, 1), "D": d,
                                  "level": np.searchsorted(np.arange(1, 10) / 10, d, side="right") + 1}))
    return pd.concat(rows, ignore_index=True), points


def county_chapter(n: int) -> None:
    frame, points = county_panel(n)
    print(f"Synthetic county panel: {n} entities x 12 periods, knn k = 6, {PERMUTATIONS} permutations")
    start = time.perf_counter()
    w = timed("weights (knn, k = 6)", knn_weights, [f"c{i}" for i in range(n)], points, 6).matrix
    wide = frame.pivot(index="entity", columns="period", values="D")
    rng = np.random.default_rng(12345)
    timed("global Moran's I, 12 periods", moran_table, {"D": wide}, Weights(tuple(wide.index), w, "knn", (), ""), ["D"],
          PERMUTATIONS, 12345)
    timed("LISA, 2 periods", lambda: [local_moran(wide[p].to_numpy(), w, PERMUTATIONS, rng) for p in (2011, 2022)])
    timed("Gi*, 2 periods", lambda: [getis_ord_star(wide[p].to_numpy(), w) for p in (2011, 2022)])
    timed("Dagum decomposition, 12 periods", dagum_by_period, frame, ["D"])
    timed("kernel density, 12 periods x 5 samples", densities, frame, "D")
    timed("Markov + spatial Markov (levels)", markov_chains, wide.to_numpy(), w)
    timed("relative development", relative_development, frame)
    print(f"  {'whole chapter':<44} {time.perf_counter() - start:8.3f} s")


def scaling() -> None:
    """Time per nonzero of the spatial steps at fixed k as n grows: flat means linear in the nonzeros."""
    print(f"Spatial steps vs n at fixed k = 6 (global Moran and LISA, {PERMUTATIONS} permutations, one period)")
    print(f"  {'n':>6} {'nonzeros':>9} {'Moran s':>9} {'LISA s':>9} {'Moran us/nnz':>13} {'LISA us/nnz':>12}")
    for n in (700, 1400, 2800, 5600):
        rng = np.random.default_rng(n)
        points = np.column_stack([rng.uniform(98, 122, n), rng.uniform(22, 45, n)])
        y = points[:, 0] + rng.normal(0, 2, n)
        w = knn_weights([str(i) for i in range(n)], points, 6).matrix
        start = time.perf_counter()
        global_moran(y, w, PERMUTATIONS, rng)
        moran = time.perf_counter() - start
        start = time.perf_counter()
        local_moran(y, w, PERMUTATIONS, rng)
        lisa = time.perf_counter() - start
        print(f"  {n:>6} {w.nnz:>9} {moran:>9.3f} {lisa:>9.3f} {1e6 * moran / (w.nnz * PERMUTATIONS):>13.4f} {1e6 * lisa / (w.nnz * PERMUTATIONS):>12.4f}")


def main() -> None:
    study, panel = default_study(), demo_panel()
    results = run(study.model_copy(update={"model": None, **dict.fromkeys(SECTIONS)}), panel)
    arguments = (study, results.frame, results.coupling, results.indices)
    print("Demo (30 provinces x 12 years, queen contiguity, every section on)")
    timed("whole chapter, first call (imports, boundaries)", run_chapter, *arguments)
    repeats = []
    for _ in range(5):
        start = time.perf_counter()
        run_chapter(*arguments)
        repeats.append(time.perf_counter() - start)
    print(f"  {'whole chapter, again (best of 5)':<44} {min(repeats):8.3f} s")
    county_chapter(2800)
    scaling()


if __name__ == "__main__":
    main()
