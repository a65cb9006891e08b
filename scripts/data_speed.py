"""Prints how long reading and validating the demo panel take when it is replicated with renamed entities, and the
peak memory of validation beside the frame's own size. Run with OPENBLAS_NUM_THREADS=1; not a test: read the numbers.

    python scripts/data_speed.py 100 1000
"""
from __future__ import annotations

import sys
import time
import tracemalloc
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from analysis import examples  # noqa: E402
from analysis.data import read_table, validate  # noqa: E402


def main(copies: list[int]) -> None:
    study, base = examples.default_study(), pd.read_csv(examples.EXAMPLES["paper"].data_file)
    for n in copies:
        frame = pd.concat([base.assign(province=base["province"] + f" #{k}") for k in range(n)], ignore_index=True)
        data = frame.to_csv(index=False).encode()
        started = time.perf_counter()
        read = read_table(data, "panel.csv", max_bytes=len(data))
        reading = time.perf_counter() - started
        seconds = []
        for _ in range(3):
            started = time.perf_counter()
            validate(read, study, checksum="given")
            seconds.append(time.perf_counter() - started)
        tracemalloc.start()
        validate(read, study, checksum="given")
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        size = read.memory_usage(deep=True).sum()
        print(f"{len(read):>9,} rows, {len(data) / 1e6:5.1f} MB CSV: read {reading:6.2f} s, validate {min(seconds):6.3f} s, "
              f"validation peak {peak / 1e6:6.1f} MB = {peak / size:.2f} x the frame ({size / 1e6:.1f} MB)")


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [100])
