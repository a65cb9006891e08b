"""Prints how long the full analysis takes on the demo panel and on a panel 100 times larger,
beside the time spent inside the linearmodels models it builds and fits. Not a test: read the ratios."""
from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from linearmodels.iv import IV2SLS
from linearmodels.system import IV3SLS, IVSystemGMM

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from analysis import examples  # noqa: E402
from analysis.data import validate  # noqa: E402
from analysis.pipeline import run  # noqa: E402

FIT_SECONDS = [0.0]
DEPTH = [0]  # linearmodels calls its own timed methods; count only the outermost call


def timed(method):
    def wrapper(*args, **kwargs):
        DEPTH[0] += 1
        start = time.perf_counter()
        try:
            return method(*args, **kwargs)
        finally:
            DEPTH[0] -= 1
            if DEPTH[0] == 0:
                FIT_SECONDS[0] += time.perf_counter() - start
    return wrapper


# Building a linearmodels model (its data checks) and fitting it: everything linearmodels does for us.
for model_class in (IV2SLS, IV3SLS, IVSystemGMM):
    for name in ("__init__", "fit"):
        setattr(model_class, name, timed(model_class.__dict__.get(name) or getattr(model_class, name)))


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
    print(f"{'panel':<10}{'rows':>8}{'total s':>10}{'linearmodels s':>16}{'share':>8}")
    for name, data, repeats in (("demo", panel, 5), ("100x", large, 1)):
        total, fits = measure(study, data, repeats)
        print(f"{name:<10}{len(data.frame):>8}{total:>10.2f}{fits:>16.2f}{fits / total:>8.0%}")


if __name__ == "__main__":
    main()
