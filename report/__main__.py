"""python -m report build [--study STUDY.toml] [--data FILE] [--narrative TEXT.toml] --out DIR [--format docx,tex,zip]"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from analysis.__main__ import add_input_arguments, load_inputs
from analysis.errors import UserError
from analysis.pipeline import run

from . import FORMATS, assemble, render
from .narrative import Narrative, loads


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m report", description="Write manuscripts, tables documents and the bundle.")
    commands = parser.add_subparsers(dest="command", required=True)
    build_cmd = commands.add_parser("build", help="the embedded demo study and data when left out")
    add_input_arguments(build_cmd)
    build_cmd.add_argument("--narrative", type=Path, help="the author's text (TOML): title, authors, abstract ...")
    build_cmd.add_argument("--reference-docx", type=Path, help="a journal's Word reference document to take styles from")
    build_cmd.add_argument("--format", default=",".join(FORMATS), help="comma-separated: docx, tex, zip (default: all)")
    return parser


def _read(path: Path | None, what: str) -> bytes | None:
    if path is None:
        return None
    if not path.exists():
        raise UserError(f"{what} not found: {path}")
    return path.read_bytes()


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    formats = [f.strip() for f in args.format.split(",") if f.strip()]
    try:
        unknown = [f for f in formats if f not in FORMATS]
        if unknown:
            raise UserError(f"unknown format {', '.join(unknown)}; choose from {', '.join(FORMATS)}")
        study, panel = load_inputs(args.study, args.data, args.sheet)
        narrative_text = _read(args.narrative, "narrative file")
        narrative = loads(narrative_text.decode("utf-8-sig")) if narrative_text else Narrative()
        files = render(assemble(run(study, panel), study, narrative), formats, checksum=panel.checksum,
                       reference_docx=_read(args.reference_docx, "reference document"))
    except UserError as e:
        print("error: " + "\n       ".join(str(p) for p in e.problems), file=sys.stderr)
        return 2
    for name, content in files.items():
        path = args.out / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    print(f"wrote {len(files)} files to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
