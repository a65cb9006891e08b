"""python -m analysis run [--study STUDY.toml] [--data FILE] [--sheet NAME] --out DIR [--debug]"""
from __future__ import annotations

import argparse
import sys
import traceback
from pathlib import Path
from typing import Callable

from . import examples
from .data import MAX_BYTES, load_panel
from .errors import UserError
from .pipeline import run
from .spreadsheet import inert_frame
from .study import load, read_file
from .tables import extra_tables, tables

Step = Callable[[str], None]  # names the step a command is at, for a message should it fail


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m analysis", description="Run a study and write its tables and results.")
    commands = parser.add_subparsers(dest="command", required=True)
    run_cmd = commands.add_parser("run", help="run the analysis; the embedded demo study and data when left out")
    add_input_arguments(run_cmd)
    return parser


def add_input_arguments(parser: argparse.ArgumentParser) -> None:
    """--study, --data, --sheet, --out and --debug, shared by every command that runs a study."""
    parser.add_argument("--study", type=Path, help="study file (TOML)")
    parser.add_argument("--data", type=Path, help="panel data (CSV or XLSX)")
    parser.add_argument("--sheet", help="XLSX sheet name (default: the first)")
    parser.add_argument("--out", type=Path, required=True, help="output folder")
    parser.add_argument("--debug", action="store_true", help="print the traceback of an unexpected failure")


def load_inputs(study_path: Path | None, data_path: Path | None, sheet: str | None = None, step: Step = lambda name: None):
    """The study and panel named on the command line, or the embedded demo ones."""
    step("reading the study")
    study = load(study_path) if study_path else examples.default_study()
    if data_path is None:
        if study_path is not None:
            raise UserError("--data is required with --study (the embedded demo data fit only the embedded study)")
        return study, examples.demo_panel()
    step("reading the data")
    data = read_file(data_path, "data_file", MAX_BYTES)
    return study, load_panel(data, study, filename=data_path.name, sheet=sheet)


def check_output_folder(out: Path) -> None:
    """--out names a folder, new or existing, never a file."""
    if out.exists() and not out.is_dir():
        raise UserError(f"--out {out} is a file; name a folder for the results")
    for parent in out.parents:
        if parent.exists():
            if not parent.is_dir():
                raise UserError(f"--out {out} lies inside {parent}, which is a file; name a folder")
            break


def guarded(command: Callable[[Step], None], debug: bool = False) -> int:
    """Run a command: 0 when it succeeds, 2 with one message per problem, or one line naming the step that failed."""
    current = ["starting"]
    try:
        command(lambda name: current.__setitem__(0, name))
    except UserError as e:
        print("error: " + "\n       ".join(str(p) for p in e.problems), file=sys.stderr)
        return 2
    except Exception as e:  # a bug or a failing system: one line, the traceback only when asked for
        if debug:
            traceback.print_exc()
        detail = " ".join(f"{type(e).__name__}: {e}".split())[:300]
        hint = "" if debug else " (run again with --debug for the traceback)"
        print(f"error: unexpected failure while {current[0]}: {detail}{hint}", file=sys.stderr)
        return 2
    return 0


def write_outputs(study, panel, out: Path, step: Step = lambda name: None) -> list[Path]:
    step("estimating")
    results = run(study, panel)
    step("writing the tables")
    (out / "tables").mkdir(parents=True, exist_ok=True)
    written = []
    for table in tables(results, study) + extra_tables(results, study):
        for name, printed in ((table.id, True), (f"{table.id}-raw", False)):  # as printed, and the raw numbers
            path = out / "tables" / f"{name}.csv"
            inert_frame(table.to_frame(printed)).to_csv(path, index=False, encoding="utf-8-sig")
            written.append(path)
    step("writing results.json")
    path = out / "results.json"
    path.write_text(results.to_json(), encoding="utf-8")
    return written + [path]


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)

    def command(step: Step) -> None:
        check_output_folder(args.out)
        study, panel = load_inputs(args.study, args.data, args.sheet, step)
        written = write_outputs(study, panel, args.out, step)
        for problem in panel.problems:
            print(f"warning: {problem}", file=sys.stderr)
        print(f"wrote {len(written)} files to {args.out}")

    return guarded(command, args.debug)


if __name__ == "__main__":
    sys.exit(main())
