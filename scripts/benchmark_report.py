"""Timings of the report and the app against their goals: every document of a report from warm caches, the app's
first render of the demo in a fresh process, its reruns after a decimals change and a narrative edit, the Word
download after a narrative edit, and the command line's marginal cost of more rows.

Not a test: run it with OPENBLAS_NUM_THREADS=1 and read the numbers, each the min and median of 5 in CPU seconds
of this process (or of the child process) and wall seconds. Figures are drawn by a renderer process of their own;
its CPU is not counted, and warm timings find every figure rendered already.
"""
from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))
from benchmark import REPEATS, Timing, children, command_steps, enlarged, timed  # noqa: E402

import report  # noqa: E402
from analysis import examples  # noqa: E402
from analysis.pipeline import run  # noqa: E402
from analysis.table import Format  # noqa: E402
from report.narrative import Narrative  # noqa: E402

APP = ROOT / "streamlit_app.py"
WIDTH = 52


def row(name: str, timing: Timing) -> None:
    print(f"{name:<{WIDTH}}{timing}")


def report_rows() -> None:
    """Both manuscripts and tables documents, every figure and the bundle, from warm figure caches."""
    for name, example in examples.EXAMPLES.items():
        study, panel = example.study(), example.panel()
        results = run(study, panel)
        settings = Format.from_settings(study.tables)

        def build():
            return report.render(report.assemble(results, study, Narrative(), settings), report.FORMATS)

        build()  # the renderer process started, every figure rendered once
        (timing,) = timed(build)
        row(f"report {name} (docx, tex, zip), warm", timing)


def cold_app() -> None:
    """In a fresh process: the app's first run of the demo, imports included (--cold-app). Streamlit's scan of the
    installed packages for components, which a server does once when it starts, is done before the clock starts."""
    from streamlit.components.v2.component_manager import BidiComponentManager
    from streamlit.testing.v1 import AppTest
    app = AppTest.from_file(str(APP), default_timeout=300)
    components = BidiComponentManager()
    components.discover_and_register_components(start_file_watching=False)
    app._bidi_component_manager = components
    cpu, wall = time.process_time(), time.perf_counter()
    app.run()
    print(time.process_time() - cpu, time.perf_counter() - wall)
    assert not app.exception, [e.value for e in app.exception]


def cold_app_row() -> None:
    import subprocess
    timing = Timing([], [])
    for _ in range(REPEATS):
        out = subprocess.run([sys.executable, __file__, "--cold-app"], cwd=ROOT, check=True, capture_output=True,
                             text=True, env=os.environ | {"OPENBLAS_NUM_THREADS": "1"}).stdout.split()
        timing.cpu.append(float(out[-2]))
        timing.wall.append(float(out[-1]))
    row("app first render of the demo, cold", timing)


def stepped(app, steps) -> Timing:
    """The app's rerun after each step (a widget change), each step a change it has not seen before."""
    timing = Timing([], [])
    for step in steps:
        widget = step(app)
        cpu, wall = time.process_time(), time.perf_counter()
        widget.run()
        timing.cpu.append(time.process_time() - cpu)
        timing.wall.append(time.perf_counter() - wall)
        assert not app.exception, [e.value for e in app.exception]
    return timing


def warm_app_rows() -> None:
    from streamlit.logger import set_log_level
    from streamlit.testing.v1 import AppTest

    from ui import state
    from ui.downloads_tab import rendered

    set_log_level("error")  # not the warnings of a script run outside a server
    app = AppTest.from_file(str(APP), default_timeout=300).run()
    decimals = [lambda a, d=d: a.number_input(key=f"decimals_{a.session_state[state.REVISION]}").set_value(d) for d in (2, 4, 1, 5, 0)]
    row("app rerun after a decimals change (Results tab)", stepped(app, decimals))
    app.session_state["tab"] = "Narrative"
    app.run()
    texts = [f"Both systems reinforce each other ({k})." for k in range(REPEATS)]
    edits = [lambda a, t=t: a.text_area(key="narrative0.conclusions").set_value(t) for t in texts]
    row("app rerun after a narrative edit (Narrative tab)", stepped(app, edits))

    good = app.session_state[state.GOOD]
    settings = Format.from_settings(good.study.tables)
    timing = Timing([], [])
    for k in range(REPEATS):
        narrative = Narrative(conclusions=f"A new conclusion ({k}).")
        cpu, wall = time.process_time(), time.perf_counter()
        rendered(good, state.report_of(good, narrative, settings), ("docx",))["manuscript.docx"]
        timing.cpu.append(time.process_time() - cpu)
        timing.wall.append(time.perf_counter() - wall)
    row("app Word download after a narrative edit", timing)


def cli_rows() -> None:
    """python -m analysis run on the demo's CSV and on the demo replicated to 36,000 rows."""
    study_file = str(examples.EXAMPLES["paper"].study_file)
    frame = examples.demo_panel().frame
    large = enlarged(frame, examples.default_study().panel.entity, 100)
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        commands = {}
        for name, data in (("demo.csv", frame), (f"{len(large):,} rows", large)):
            path = folder / f"{len(data)}.csv"
            data.to_csv(path, index=False)
            commands[f"python -m analysis run --data {name}"] = [
                "-m", "analysis", "run", "--study", study_file, "--data", str(path), "--out", str(folder / name)]
        timings = children(commands)
        for name, timing in timings.items():
            row(name, timing)
        small, big = timings.values()
        print(f"  CLI marginal cost of {len(large) - len(frame):,} more rows (CPU, min): "
              f"{min(big.cpu) - min(small.cpu):.2f} s")
        print(f"  the command's steps on {len(large):,} rows (CPU, one run): " + ", ".join(
            f"{step} {seconds:.2f} s" for step, seconds in command_steps(Path(study_file), path).items()))


def main() -> None:
    if sys.argv[1:] == ["--cold-app"]:
        cold_app()
        return
    print(f"python {sys.version.split()[0]}, OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', 'unset')}, "
          f"{os.cpu_count()} CPUs; timings: min / median in seconds")
    report_rows()
    cold_app_row()
    warm_app_rows()
    cli_rows()


if __name__ == "__main__":
    main()
