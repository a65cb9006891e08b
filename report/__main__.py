"""python -m report build [--study STUDY.toml] [--data FILE] [--narrative TEXT.toml] [--bibliography REFS.bib] --out DIR
[--format docx,tex,zip]"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from analysis.__main__ import Step, add_input_arguments, check_output_folder, guarded, load_inputs
from analysis.data import MAX_BYTES
from analysis.errors import Problem, UserError, Word
from analysis.pipeline import run
from analysis.study import read_file

from . import FORMATS, assemble, render
from .narrative import Narrative, loads, with_bibliography


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m report", description="Write manuscripts, tables documents and the bundle.")
    commands = parser.add_subparsers(dest="command", required=True)
    build_cmd = commands.add_parser("build", help="the embedded demo study and data when left out")
    add_input_arguments(build_cmd)
    build_cmd.add_argument("--narrative", type=Path, help="the author's text (TOML): title, authors, abstract ...")
    build_cmd.add_argument("--bibliography", type=Path, help="the references the narrative cites: BibTeX or CSL-JSON")
    build_cmd.add_argument("--reference-docx", type=Path, help="a journal's Word reference document to take styles from")
    build_cmd.add_argument("--format", default=",".join(FORMATS), help="comma-separated: docx, tex, zip (default: all)")
    return parser


def _read(path: Path | None, what: str) -> bytes | None:
    return None if path is None else read_file(path, what, MAX_BYTES)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    formats = [f.strip() for f in args.format.split(",") if f.strip()]

    def command(step: Step) -> None:
        unknown = [f for f in formats if f not in FORMATS]
        if unknown or not formats:
            raise UserError(Problem.of("unknown_format", formats=tuple(unknown) or Word("no_format_given"), choices=FORMATS))
        check_output_folder(args.out)
        study, panel = load_inputs(args.study, args.data, args.sheet, step)
        step("reading the narrative file")
        narrative_bytes = _read(args.narrative, "narrative_file")
        narrative = loads(narrative_bytes) if narrative_bytes is not None else Narrative()
        if args.bibliography is not None:
            step("reading the reference file")
            narrative = with_bibliography(narrative, _read(args.bibliography, "reference_file"), args.bibliography.name)
        step("reading the reference document")
        reference_docx = _read(args.reference_docx, "reference_document")
        step("estimating")
        results = run(study, panel)
        step(f"building the documents ({', '.join(formats)})")
        files = render(assemble(results, study, narrative), formats, checksum=panel.checksum,
                       reference_docx=reference_docx)
        for name, content in files.items():
            step(f"writing {name}")
            path = args.out / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content)
        print(f"wrote {len(files)} files to {args.out}")

    return guarded(command, args.debug)


if __name__ == "__main__":
    sys.exit(main())
