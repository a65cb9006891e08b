"""python -m analysis run [--study STUDY.toml] [--data FILE] [--sheet NAME] --out DIR"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from . import examples
from .data import load_panel
from .errors import UserError
from .pipeline import run
from .spreadsheet import inert_frame
from .study import load
from .tables import extra_tables, tables


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m analysis", description="Run a study and write its tables and results.")
    commands = parser.add_subparsers(dest="command", required=True)
    run_cmd = commands.add_parser("run", help="run the analysis; the embedded demo study and data when left out")
    add_input_arguments(run_cmd)
    return parser


def add_input_arguments(parser: argparse.ArgumentParser) -> None:
    """--study, --data, --sheet and --out, shared by every command that runs a study."""
    parser.add_argument("--study", type=Path, help="study file (TOML)")
    parser.add_argument("--data", type=Path, help="panel data (CSV or XLSX)")
    parser.add_argument("--sheet", help="XLSX sheet name (default: the first)")
    parser.add_argument("--out", type=Path, required=True, help="output folder")


def load_inputs(study_path: Path | None, data_path: Path | None, sheet: str | None = None):
    """The study and panel named on the command line, or the embedded demo ones."""
    study = load(study_path) if study_path else examples.default_study()
    if data_path is None:
        if study_path is not None:
            raise UserError("--data is required with --study (the embedded demo data fit only the embedded study)")
        return study, examples.demo_panel()
    if not data_path.exists():
        raise UserError(f"data file not found: {data_path}")
    return study, load_panel(data_path.read_bytes(), study, filename=data_path.name, sheet=sheet)


def write_outputs(study, panel, out: Path) -> list[Path]:
    results = run(study, panel)
    (out / "tables").mkdir(parents=True, exist_ok=True)
    written = []
    for table in tables(results, study) + extra_tables(results, study):
        path = out / "tables" / f"{table.id}.csv"
        inert_frame(table.to_frame()).to_csv(path, index=False, encoding="utf-8-sig")
        written.append(path)
    path = out / "results.json"
    path.write_text(json.dumps(results.to_dict(), indent=1, ensure_ascii=False), encoding="utf-8")
    return written + [path]


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        study, panel = load_inputs(args.study, args.data, args.sheet)
        written = write_outputs(study, panel, args.out)
    except UserError as e:
        print("error: " + "\n       ".join(str(p) for p in e.problems), file=sys.stderr)
        return 2
    for problem in panel.problems:
        print(f"warning: {problem}", file=sys.stderr)
    print(f"wrote {len(written)} files to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
