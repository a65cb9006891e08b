"""Renders results to Word, LaTeX and HTML, and assembles manuscripts, tables documents and the bundle."""
from __future__ import annotations

from analysis.errors import UserError
from analysis.figures import figures as figures_of
from analysis.results import Results
from analysis.study import Study
from analysis.table import Format
from analysis.tables import extra_tables, tables as tables_of

from . import docx, export, latex
from .bundle import bundle
from .document import manuscript, tables_only
from .figures import export as export_figure
from .narrative import Narrative

FORMATS = ("docx", "tex", "zip")


def build(results: Results, study: Study, narrative: Narrative, formats=FORMATS, *, checksum: str = "",
          reference_docx: bytes | None = None, fmt: Format | None = None) -> dict[str, bytes]:
    """Every output file by name: manuscript and tables documents in Word and LaTeX, figures, tables, the bundle."""
    unknown = set(formats) - set(FORMATS)
    if unknown:
        raise ValueError(f"unknown format(s) {', '.join(sorted(unknown))}; choose from {', '.join(FORMATS)}")
    fmt = fmt or Format.from_settings(study.tables)
    figure_list = figures_of(results, study)
    paper_tables = tables_of(results, study, fmt)
    table_list = paper_tables + extra_tables(results, study, fmt)
    if not table_list:
        raise UserError("the study has no tables to report: give it an index, a coupling or a model")
    paper = manuscript(results, study, narrative, paper_tables, figure_list, fmt)
    supplement = tables_only(results, study, table_list, figure_list)
    files: dict[str, bytes] = {}
    if "docx" in formats or "zip" in formats:
        images = {f.id: export_figure(f, "png") for f in figure_list}
        files["manuscript.docx"] = docx.render_document(paper, images, reference=reference_docx)
        files["tables.docx"] = docx.render_document(supplement, images, reference=reference_docx)
        files |= {f"figures/{name}.png": png for name, png in images.items()}
    if "tex" in formats or "zip" in formats:
        paths = {f.id: f"figures/{f.id}.pdf" for f in figure_list}
        files["manuscript.tex"] = latex.render_document(paper, paths).encode()
        files["tables.tex"] = latex.render_document(supplement, paths).encode()
        files |= {paths[f.id]: export_figure(f, "pdf") for f in figure_list}
        files |= {f"tables/{t.id}.tex": latex.table_fragment(t).encode() for t in table_list}
    if "zip" in formats:
        files |= {f"tables/{t.id}.csv": export.table_csv(t) for t in table_list}
        files["tables/tables.xlsx"] = export.tables_xlsx(table_list)
        files = {"bundle.zip": bundle(files, results, study, narrative, checksum), **files}
    return files
