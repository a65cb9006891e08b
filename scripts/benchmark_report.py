"""Prints how long the Word manuscript takes as the app builds it: the first build (tables, figures, their exports,
the Document), then a narrative edit followed by a new Word download from the cached tables and figures.
Not a test: read the seconds. Run with OPENBLAS_NUM_THREADS=1."""
from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import report  # noqa: E402
from analysis import examples  # noqa: E402
from analysis.pipeline import run  # noqa: E402
from analysis.table import Format  # noqa: E402
from report.narrative import Narrative  # noqa: E402


def seconds(step) -> tuple[float, object]:
    start = time.perf_counter()
    value = step()
    return time.perf_counter() - start, value


def main() -> None:
    for name, example in examples.EXAMPLES.items():
        study, panel = example.study(), example.panel()
        results = run(study, panel)
        fmt = Format.from_settings(study.tables)
        made, built = seconds(lambda: report.exhibits(results, study, fmt))
        first, _ = seconds(lambda: report.render(report.assemble(results, study, Narrative(), fmt, built), ("docx",)))
        edited = Narrative(introduction="An edited introduction.")
        again, _ = seconds(lambda: report.render(report.assemble(results, study, edited, fmt, built), ("docx",)))
        print(f"{name:<10} tables and figures {made:6.2f} s   first Word manuscript {made + first:6.2f} s   "
              f"narrative edit + new Word download {again:6.2f} s")


if __name__ == "__main__":
    main()
