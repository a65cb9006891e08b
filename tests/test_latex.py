"""LaTeX tables: golden output, escaping of hostile text, decimal alignment, and a real pdfLaTeX run."""
from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from pylatex.utils import escape_latex

from analysis.table import Cell, Group, Row, Span, Table
from report.latex import preamble, table_fragment, table_latex, tables_document
from tests.sample_tables import (HOSTILE, all_tables, coefficient_table, descriptive_table, hostile_table, indicator_table,
                                 level_table)
from tests.tools import require_tool

GOLDEN = Path(__file__).parent / "golden"


@pytest.mark.parametrize("make", [coefficient_table, descriptive_table, level_table, hostile_table, indicator_table])
def test_table_matches_golden_file(make, file_regression):
    table = make()
    file_regression.check(table_latex(table), fullpath=GOLDEN / f"{table.id}.tex")


def test_coefficient_columns_align_on_the_decimal_point_with_room_for_parentheses_and_stars():
    latex = table_latex(coefficient_table())
    assert latex.count(r"S[table-format={(}-3.3{)\sym{***}}]") == 4
    assert r"-0.035{\sym{**}}" in latex  # the builder's number, unescaped, for siunitx to parse
    assert r"{(}0.011{)}" in latex
    assert "{-}0" not in latex


def test_spanners_get_trimmed_rules_and_groups_span_the_table():
    latex = table_latex(coefficient_table())
    assert r"\cmidrule(lr){2-3}" in latex and r"\cmidrule(lr){4-5}" in latex
    assert r"\multicolumn{5}{@{}l@{}}{\raggedright\textit{Equation 1: New quality productivity (productivity)}} \\" in latex
    body = latex.split(r"\midrule", 1)[1]
    assert re.search(r"\\midrule\nN & 360 & 360 & 360 & 360 \\\\", body)
    assert latex.index(r"\toprule") < latex.index(r"\cmidrule") < latex.index(r"\bottomrule")


def test_text_columns_stay_text_and_only_text_too_wide_for_the_line_wraps():
    level = table_latex(level_table())
    assert r"\begin{tabular}{@{}lS[table-format=1.3]S[table-format=1.3]S[table-format=1.3]S[table-format=1.0]l@{}}" in level
    indicators = table_latex(indicator_table())
    assert r"{@{}>{\raggedright\arraybackslash\hspace{0pt}}p{0.44\linewidth}llS[table-format=1.4]@{}}" in indicators


def test_a_table_too_long_for_a_page_is_a_longtable_repeating_caption_and_header():
    latex = table_latex(indicator_table())
    assert r"\begin{table}" not in latex
    assert latex.startswith("\\begin{tablepages}\n\\begin{ThreePartTable}\n\\begin{TableNotes}[flushleft]")
    first, rest = latex.split("\\endfirsthead\n")
    head, rest = rest.split("\\endhead\n")
    assert r"\caption{Indicator system of the two indices with entropy weights}\label{ref_table4} \\" in first
    assert r"\caption[]{Indicator system of the two indices with entropy weights (continued)} \\" in head
    assert first.split("\\toprule\n")[1] == head.split("\\toprule\n")[1]  # the same header rows
    assert "\\bottomrule\n\\insertTableNotes\n\\endlastfoot" in rest
    assert r"\begin{longtable}" not in table_latex(coefficient_table())


def test_hostile_text_is_escaped_everywhere():
    latex = table_latex(hostile_table())
    escaped = escape_latex(" ".join(HOSTILE.split()))
    assert not re.search(r"\\(input|write18)", latex)
    assert latex.count(escaped) == 6  # title, spanner, stubhead, group, row label, note
    assert rf"\caption{{Title {escaped}}}" in latex
    assert rf"\item[] Note {escaped}" in latex
    assert r"新质生产力 \& 制造业 & -1.500 & =1+1 \\" in latex
    assert r"Title \% \& \_ \# \$ \{ \} \textbackslash{} \textasciitilde{} \^{} \textbackslash{}input\{/etc/passwd\}" in latex


def test_a_non_number_in_a_number_column_is_protected_from_siunitx():
    table = Table("t", "T", [[Span("a")]], [Group("", [Row("x", [Cell(1.5, 1)]), Row("y", [Cell("n.a.")])])],
                  numeric=(True,))
    assert r"y & {n.a.} \\" in table_latex(table)


def test_label_is_the_documents_anchor():
    table = Table("t 1}{\\x", "T", [[Span("a")]], [Group("", [Row("x", [Cell("1")])])])
    assert r"\label{ref_t_1___x}" in table_latex(table)  # report.document.anchor
    assert table_latex(table, 7).startswith("\\setcounter{table}{6}\n")  # the Report's number, not LaTeX's count


def test_fragment_is_the_float_and_document_uses_the_preamble():
    table = coefficient_table()
    assert table_fragment(table).endswith(table_latex(table))
    document = tables_document([table], "Tables")
    assert preamble() in document and table_latex(table) in document
    assert document.rstrip().endswith(r"\end{document}")


@pytest.mark.slow
def test_document_compiles_without_errors_or_overfull_boxes(tmp_path):
    latexmk = require_tool("latexmk", "latexmk texlive-latex-extra texlive-science lmodern latex-cjk-chinese-arphic-gbsn00lp")
    pdftotext = require_tool("pdftotext", "poppler-utils")
    source = tmp_path / "tables.tex"
    source.write_text(tables_document(all_tables(), "Tables " + HOSTILE), encoding="utf-8")
    run = subprocess.run([latexmk, "-pdf", "-interaction=nonstopmode", "-halt-on-error", "-no-shell-escape", source.name],
                         cwd=tmp_path, capture_output=True, text=True, timeout=240)
    log = (tmp_path / "tables.log").read_text(encoding="utf-8", errors="replace")
    assert run.returncode == 0, log[-3000:]
    assert "Overfull \\hbox" not in log
    assert "Float too large" not in log
    text = subprocess.run([pdftotext, "tables.pdf", "-"], cwd=tmp_path, capture_output=True, text=True).stdout
    assert "\\input{/etc/passwd}" in text  # printed, not executed
    assert "−0.035" in text  # siunitx set a true minus sign
    assert "新质生产力" in text
    assert "(continued)" in text  # the long table broke across pages


def test_control_characters_never_reach_the_latex_source():
    table = Table("t", "Title\x00 with\x0bbreaks\x07", [[Span("Value")]], [Group("", [Row("Label\x1f", [Cell("1.0", 1.0)])])])
    latex = table_latex(table)
    assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", latex)
    assert r"\caption{Title with breaks}" in latex
