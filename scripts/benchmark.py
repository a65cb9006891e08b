"""Prints how long the full analysis takes on the demo panel and on a panel 100 times larger,
beside the time spent inside the linearmodels fits it contains. Not a test: read the ratios."""
from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from linearmodels.iv import IV2SLS
from linearmodels.system.model import _LSSystemModelBase

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from analysis import examples  # noqa: E402
from analysis.data import validate  # noqa: E402
from analysis.pipeline import run  # noqa: E402

FIT_SECONDS = [0.0]


def timed(method):
    def wrapper(*args, **kwargs):
        start = time.perf_counter()
        try:
            return method(*args, **kwargs)
        finally:
            FIT_SECONDS[0] += time.perf_counter() - start
    return wrapper


_LSSystemModelBase.fit = timed(_LSSystemModelBase.fit)
IV2SLS.fit = timed(IV2SLS.fit)


def enlarged(frame: pd.DataFrame, entity: str, copies: int, seed: int = 1) -> pd.DataFrame:
    """The panel repeated with renamed entities and 1% multiplicative noise on every numeric column."""
    rng = np.random.default_rng(seed)
    parts = []
    for k in range(copies):
        part = frame.copy()
        part[entity] = part[entity].astype(str) + f" #{k}"
        numeric = part.select_dtypes("number").columns.drop("year", errors="ignore")
        part[numeric] = part[numeric] * rng.uniform(0.99, 1.01, size=(len(part), len(numeric)))
        parts.append(part)
    return pd.concat(parts, ignore_index=True)


def measure(study, panel, repeats: int) -> tuple[float, float]:
    totals, fits = [], []
    for _ in range(repeats):
        FIT_SECONDS[0] = 0.0
        start = time.perf_counter()
        run(study, panel)
        totals.append(time.perf_counter() - start)
        fits.append(FIT_SECONDS[0])
    return statistics.median(totals), statistics.median(fits)


def main() -> None:
    study, panel = examples.default_study(), examples.demo_panel()
    large = validate(enlarged(panel.frame, study.panel.entity, 100), study)
    print(f"{'panel':<10}{'rows':>8}{'total s':>10}{'in fits s':>11}{'fits share':>12}")
    for name, data, repeats in (("demo", panel, 5), ("100x", large, 1)):
        total, fits = measure(study, data, repeats)
        print(f"{name:<10}{len(data.frame):>8}{total:>10.2f}{fits:>11.2f}{fits / total:>12.0%}")


if __name__ == "__main__":
    main()
