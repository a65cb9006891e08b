"""Timings of the analysis against its goals: the demo panel, the demo replicated to 36,000 and 360,000 rows,
the bare linearmodels fits of the same systems, panel validation, memory, and the command line as a whole.

Not a test: run it with OPENBLAS_NUM_THREADS=1 and read the ratios, each measured within one run, so that a
busy machine slows both sides alike. Each timing is the min and median of 5 (of 1 where one run takes more
than REPEAT_LIMIT seconds), in CPU seconds of this process (or of the child process) and wall seconds.
"""
from __future__ import annotations

import dataclasses
import io
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from analysis import examples  # noqa: E402
from analysis.__main__ import load_inputs  # noqa: E402
from analysis.data import validate  # noqa: E402
from analysis.estimation import diagnostics  # noqa: E402
from analysis.pipeline import group_names, indexed, run  # noqa: E402
from analysis.tables import extra_tables, tables  # noqa: E402
from tests.linearmodels_reference import linearmodels_fit, linearmodels_specs  # noqa: E402

REPEATS = 5
REPEAT_LIMIT = 20.0  # seconds: a step slower than this runs once


@dataclasses.dataclass
class Timing:
    cpu: list[float]
    wall: list[float]

    def __str__(self) -> str:
        return (f"cpu {min(self.cpu):7.3f} / {statistics.median(self.cpu):7.3f}   "
                f"wall {min(self.wall):7.3f} / {statistics.median(self.wall):7.3f}   (n={len(self.cpu)})")


def timed(*steps, repeats: int = REPEATS) -> list[Timing]:
    """Each step's CPU and wall seconds, the steps interleaved in every repeat."""
    timings = [Timing([], []) for _ in steps]
    for _ in range(repeats):
        for step, timing in zip(steps, timings):
            cpu, wall = time.process_time(), time.perf_counter()
            step()
            timing.cpu.append(time.process_time() - cpu)
            timing.wall.append(time.perf_counter() - wall)
        if sum(t.wall[-1] for t in timings) > REPEAT_LIMIT:
            break
    return timings


def enlarged(frame: pd.DataFrame, entity: str, copies: int, seed: int = 1) -> pd.DataFrame:
    """The panel repeated with renamed entities and 1% multiplicative noise on every numeric column."""
    rng = np.random.default_rng(seed)
    numeric = frame.select_dtypes("number").columns.drop("year", errors="ignore")
    parts = []
    for k in range(copies):
        part = frame.copy()
        part[entity] = part[entity].astype(str) + f" #{k}"
        part[numeric] = part[numeric] * rng.uniform(0.99, 1.01, size=(len(part), len(numeric)))
        parts.append(part)
    return pd.concat(parts, ignore_index=True)


def bare_fits(study, panel):
    """The systems the analysis estimates, handed to linearmodels as arrays built beforehand: the fits alone."""
    model, keys = study.model, study.panel
    frame = indexed(study, panel)[0]
    systems = [(frame, model.parsed, method, model.exogenous) for method in model.methods]
    for drop in model.drops:
        exogenous = list(model.exogenous) + (list(drop) if model.robustness_instruments == "keep" else [])
        systems.append((frame, [eq.without(set(drop)) for eq in model.parsed], model.robustness_method, exogenous))
    if model.heterogeneity:
        systems += [(frame[frame[keys.group] == g], model.parsed, model.heterogeneity_method, model.exogenous)
                    for g in group_names(frame, keys.group, keys.group_order)]
    prepared = [(linearmodels_specs(data, eqs, method, model.endogenous, exogenous)[0], method)
                for data, eqs, method, exogenous in systems]

    def fit_all():
        for specs, method in prepared:
            linearmodels_fit(specs, method, model.covariance)
    return fit_all, frame


def analysis_rows(study, name: str, panel, bare: bool) -> None:
    model = study.model
    steps = [lambda: run(study, panel)]
    if bare:
        fit_all, frame = bare_fits(study, panel)
        steps += [fit_all, lambda: diagnostics(frame, model.parsed, model.endogenous, model.exogenous)]
    timings = timed(*steps)
    print(f"{f'analysis, {name} ({len(panel.frame):,} rows), after imports':<52}{timings[0]}")
    if bare:
        total, fits, diag = (min(t.cpu) for t in timings)
        print(f"{'  bare linearmodels fits of the same systems':<52}{timings[1]}")
        print(f"  ratio to the bare fits (CPU, min): {total / fits:.2f}x; without diagnostics "
              f"{(total - diag) / fits:.2f}x")


def memory_row(study, name: str, panel) -> None:
    raw = panel.frame.memory_usage(deep=True).sum()
    tracemalloc.start()
    run(study, panel)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    print(f"memory, {name}: peak {peak / 1e6:.0f} MB allocated by the analysis; raw data {raw / 1e6:.0f} MB "
          f"({peak / raw:.1f}x)")


def child(arguments: list[str]) -> tuple[float, float]:
    """CPU (user + system) and wall seconds of a child Python process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    wall = time.perf_counter()
    subprocess.run([sys.executable, *arguments], cwd=ROOT, check=True, stdout=subprocess.DEVNULL,
                   env=os.environ | {"OPENBLAS_NUM_THREADS": "1"})
    wall = time.perf_counter() - wall
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime, wall


def children(commands: dict[str, list[str]]) -> dict[str, Timing]:
    """Each command's CPU and wall seconds in a child process, the commands interleaved in every repeat."""
    timings = {name: Timing([], []) for name in commands}
    for _ in range(REPEATS):
        for name, arguments in commands.items():
            cpu, wall = child(arguments)
            timings[name].cpu.append(cpu)
            timings[name].wall.append(wall)
    return timings


def process_rows(study, frame: pd.DataFrame, large: pd.DataFrame) -> None:
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        demo_csv, large_csv = folder / "demo.csv", folder / "large.csv"
        frame.to_csv(demo_csv, index=False)
        large.to_csv(large_csv, index=False)
        study_file = str(examples.EXAMPLES["paper"].study_file)
        commands = {
            "imports of python -m analysis": ["-c", "import analysis.__main__"],
            "python -m analysis run, demo": ["-m", "analysis", "run", "--out", str(folder / "a")],
            "python -m analysis run --data demo.csv": ["-m", "analysis", "run", "--study", study_file, "--data",
                                                       str(demo_csv), "--out", str(folder / "b")],
            f"python -m analysis run --data {len(large):,} rows": ["-m", "analysis", "run", "--study", study_file,
                                                                    "--data", str(large_csv), "--out", str(folder / "c")],
        }
        results = children(commands)
        for name, timing in results.items():
            print(f"{name:<52}{timing}")
        small, big = results["python -m analysis run --data demo.csv"], results[list(commands)[-1]]
        print(f"  CLI marginal cost of {len(large) - len(frame):,} more rows (CPU, min): "
              f"{min(big.cpu) - min(small.cpu):.2f} s")
        for name, path in (("demo.csv", demo_csv), (f"{len(large):,} rows", large_csv)):
            print(f"  the command's steps on {name} (CPU, one run): " + ", ".join(
                f"{step} {seconds:.2f} s" for step, seconds in command_steps(Path(study_file), path).items()))


def command_steps(study_file: Path, data_file: Path) -> dict[str, float]:
    """CPU seconds of each step of python -m analysis run: where the marginal cost of more rows goes."""
    steps, clock = {}, time.process_time()

    def lap(name: str) -> None:
        nonlocal clock
        steps[name], clock = time.process_time() - clock, time.process_time()

    study, panel = load_inputs(study_file, data_file)
    lap("read and validate")
    results = run(study, panel)
    lap("analysis")
    for table in tables(results, study) + extra_tables(results, study):
        table.to_frame().to_csv(io.StringIO(), index=False)
    lap("tables")
    results.to_json()
    lap("results.json")
    return steps


def main() -> None:
    study, panel = examples.default_study(), examples.demo_panel()
    entity = study.panel.entity
    frames = {copies: enlarged(panel.frame, entity, copies) for copies in (100, 1000)}
    panels = {copies: dataclasses.replace(panel, frame=frame) for copies, frame in frames.items()}
    print(f"python {sys.version.split()[0]}, OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', 'unset')}, "
          f"{os.cpu_count()} CPUs; timings: min / median in seconds")
    run(study, panel)  # imports and caches warmed
    analysis_rows(study, "demo", panel, bare=True)
    analysis_rows(study, "36k", panels[100], bare=True)
    analysis_rows(study, "360k", panels[1000], bare=False)
    for copies, frame in frames.items():
        (timing,) = timed(lambda: validate(frame, study))
        print(f"{f'panel validation, {len(frame):,} rows':<52}{timing}")
    for copies, name in ((100, "36k"), (1000, "360k")):
        memory_row(study, name, panels[copies])
    process_rows(study, panel.frame, frames[100])


if __name__ == "__main__":
    main()
