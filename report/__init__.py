"""Renders results to Word, LaTeX and HTML, and assembles manuscripts, tables documents and the bundle.

    rep = report.assemble(results, study, narrative, settings)   # everything printed, decided once
    files = report.render(rep, formats)                          # {"manuscript.docx": b"...", ...}
"""
from __future__ import annotations

import hashlib

from analysis.errors import Problem, UserError

from .assemble import Drawn, Exhibits, Report, assemble, drawn, exhibits

FORMATS = ("docx", "tex", "zip")
__all__ = ["FORMATS", "Drawn", "Exhibits", "Report", "assemble", "drawn", "exhibits", "render"]


def render(rep: Report, formats=FORMATS, *, checksum: str = "", reference_docx: bytes | None = None) -> dict[str, bytes]:
    """Every output file by name: manuscript and tables documents in Word and LaTeX, figures, tables, the bundle."""
    from . import docx, export, latex, strings  # python-docx, pylatex and latex2mathml load with the first download
    from .bundle import bundle
    from .latex_text import BIBLIOGRAPHY_FILE, bibliography_file
    unknown = set(formats) - set(FORMATS)
    if unknown:
        raise ValueError(f"unknown format(s) {', '.join(sorted(unknown))}; choose from {', '.join(FORMATS)}")
    if not rep.tables:
        raise UserError(Problem.of("no_tables_to_report"))
    built = rep.exhibits
    figures = [b.figure for b in rep.figures]
    table_list = [b.table for b in rep.tables]
    files: dict[str, bytes] = {}
    if "docx" in formats or "zip" in formats:
        images = {f.id: built.figure_file(f, "png") for f in figures}
        key = ("docx tables", hashlib.sha256(reference_docx or b"").hexdigest())
        tables = built.made(key, lambda: docx.word_tables(rep.tables, reference=reference_docx, language=rep.language,
                                                          profile=rep.study.document.profile))
        for name, document in (("manuscript.docx", rep.manuscript), ("tables.docx", rep.supplement)):
            files[name] = docx.render_document(document, images, reference=reference_docx, tables=tables)
        if rep.highlights:
            files["highlights.docx"] = docx.render_document(rep.highlights, {}, reference=reference_docx)
        files |= {f"figures/{name}.png": png for name, png in images.items()}
    if "tex" in formats or "zip" in formats:
        paths = {f.id: f"figures/{f.id}.pdf" for f in figures}
        program = latex.engine(rep.language, rep.study.document.profile)
        files["manuscript.tex"] = latex.render_document(rep.manuscript, paths).encode()
        files["tables.tex"] = latex.render_document(rep.supplement, paths).encode()
        if cited := bibliography_file(rep.manuscript):
            files[BIBLIOGRAPHY_FILE] = cited.encode()  # biber reads it beside manuscript.tex
        files["latexmkrc"] = latex.latexmkrc(program).encode()
        files |= {paths[f.id]: built.figure_file(f, "pdf") for f in figures}
        continued = strings.words(rep.language)["continued"]
        files |= {f"tables/{b.table.id}.tex": latex.table_fragment(b.table, program, continued=continued).encode()
                  for b in rep.tables}
        files["tables/preamble.tex"] = latex.preamble(program).encode()
    if "zip" in formats:
        for t in table_list:  # as printed, and the raw numbers beside them
            files[f"tables/{t.id}.csv"], files[f"tables/{t.id}-raw.csv"] = export.table_csv(t, printed=True), export.table_csv(t)
        files["tables/tables.xlsx"] = export.tables_xlsx(table_list, printed=True)
        files["tables/tables-raw.xlsx"] = export.tables_xlsx(table_list)
        files = {"bundle.zip": bundle(files, rep.results, rep.study, rep.narrative, checksum), **files}
    return files
