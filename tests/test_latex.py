"""LaTeX tables: golden output, escaping of hostile text, decimal alignment, and a real pdfLaTeX run."""
from __future__ import annotations

import re
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest
from pylatex.utils import escape_latex

from analysis.table import Cell, Group, Row, Span, Table
from report.document import (Document, Equation, Heading, LabelledText, Paragraph, TableBlock, cross_reference,
                             numbered_headings)
from report.markup import Run
from report.latex import engine, latexmkrc, preamble, render_document, table_fragment, table_latex, tables_document
from tests.sample_tables import (
    HOSTILE,
    all_tables,
    coefficient_table,
    descriptive_table,
    hostile_table,
    indicator_table,
    level_table,
)
from tests.tools import require_tool

GOLDEN = Path(__file__).parent / "golden"


@pytest.mark.parametrize("make", [coefficient_table, descriptive_table, level_table, hostile_table, indicator_table])
def test_table_matches_golden_file(make, file_regression):
    table = make()
    file_regression.check(table_latex(table), fullpath=GOLDEN / f"{table.id}.tex")


def test_coefficient_columns_align_on_the_decimal_point_with_room_for_parentheses_and_stars():
    latex = table_latex(coefficient_table())
    assert latex.count(r"S[table-format={(}-1.3{)\sym{***}}]") == 4  # the N below is centred apart
    assert r"-0.035{\sym{**}}" in latex  # the builder's number, unescaped, for siunitx to parse
    assert r"{(}0.011{)}" in latex
    assert "{-}0" not in latex


def test_spanners_get_trimmed_rules_and_groups_span_the_table():
    latex = table_latex(coefficient_table())
    assert r"\cmidrule(lr){2-3}" in latex and r"\cmidrule(lr){4-5}" in latex
    assert r"\multicolumn{5}{@{}l@{}}{\raggedright\textit{Equation 1: New quality productivity (productivity)}} \\" in latex
    body = latex.split(r"\midrule", 1)[1]
    assert re.search(r"\\midrule\nN & \{360\} & \{360\} & \{360\} & \{360\} \\\\", body)
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


# --- Whole documents ---------------------------------------------------------------------------------------------

def small_document(**settings) -> Document:
    """Headings, a paragraph citing a table, an equation and a section, the table and the equation."""
    text = ("As " + cross_reference("table7", "Table 7", 7) + " and " + cross_reference("eq:system1", "Equation (3)", 3)
            + " show, see " + cross_reference("figure9", "Figure 9", 9) + ".")
    equation = Equation((r"\text{VAR0}_{it} = \alpha_{0} + \alpha_{1} \text{VAR1}_{it}",), 3, ("y", "x"), "eq:system1")
    keywords = LabelledText("Keywords:", (Run("coupling; 3SLS"),), kind="keywords")
    items = [Heading("Abstract", 1, "abstract", numbered=False), Paragraph("Short."), keywords,
             Heading("Introduction", 1, "introduction"), Heading("Data", 2, "data"), Paragraph(text), equation,
             TableBlock(coefficient_table(), 7), Heading("References", 1, "references", numbered=False)]
    return Document("Title", "A. Author", "University", "coupling; 3SLS", tuple(numbered_headings(items)), **settings)


def test_references_print_their_number_by_ref_and_link_the_whole_name():
    tex = render_document(small_document(), {})
    assert r"As \hyperref[ref_table7]{Table~\ref*{ref_table7}} and" in tex
    assert r"\hyperref[ref_eq_system1]{Equation~(\ref*{ref_eq_system1})} show" in tex
    assert "see Figure 9." in tex  # not in this document: printed, never an undefined \ref
    assert "\\label{ref_table7}" in tex and "\\label{ref_eq_system1}" in tex


def test_sections_are_numbered_by_latex_and_unnumbered_ones_join_the_outline():
    tex = render_document(small_document(), {})
    assert "\\FloatBarrier\n\\section{Introduction}\n\\label{ref_introduction}" in tex
    assert "\\subsection{Data}\n\\label{ref_data}" in tex
    assert "\\section*{References}\n\\phantomsection\n\\addcontentsline{toc}{section}{References}" in tex
    assert "bookmarks=true" in tex and r"\ifnum\pdfstrcmp{#1}{section}=0 .\fi" in tex  # "1. Introduction", "1.1 Data"
    assert tex.index("\\section*{Abstract}") < tex.index("\\section{Introduction}")  # keywords: tests/test_matter.py


def test_chinese_documents_are_xelatex_ctexart_with_chinese_heading_numbers():
    tex = render_document(small_document(language="zh", profile="chinese-core", headings="chinese"), {})
    assert tex.startswith("% !TEX program = xelatex\n\\documentclass[UTF8,zihao=5,a4paper,fontset=fandol]{ctexart}")
    assert r"section={number=\chinese{section}, name={,、}" in tex and "\\section{Introduction}" in tex
    assert "CJKutf8" not in tex and "\\setCJKmainfont{Noto Serif CJK SC}" in tex
    assert latexmkrc(engine("zh", "generic")) .endswith("$pdf_mode = 5;\n")
    assert latexmkrc(engine("en", "elsevier")).endswith("$pdf_mode = 1;\n")
    english_chinese_style = render_document(small_document(headings="chinese"), {})
    assert "\\section*{一、Introduction}" in english_chinese_style  # pdfLaTeX: the Document's label, in the outline


def test_elsevier_puts_abstract_and_keywords_in_the_frontmatter():
    tex = render_document(small_document(profile="elsevier"), {})
    assert "\\documentclass[preprint,review,12pt,a4paper]{elsarticle}" in tex and "\\geometry" not in tex
    front = tex.split("\\begin{frontmatter}")[1].split("\\end{frontmatter}")[0]
    assert "\\begin{abstract}\nShort.\n\n\\end{abstract}" in front
    assert "\\begin{keyword}\ncoupling \\sep 3SLS\n\\end{keyword}" in front
    assert "\\author{A. Author}" in front and "\\address{University}" in front
    assert "\\section*{Abstract}" not in tex


def test_an_equation_that_fits_is_one_line_and_a_long_one_splits_at_the_equals_sign():
    short = render_document(small_document(), {})
    assert ("\\setcounter{equation}{2}\n\\begin{equation}\n\\label{ref_eq_system1}\n"
            "\\text{y}_{it} = \\alpha_{0} + \\alpha_{1}\\,\\text{x}_{it}\n\\end{equation}") in short
    names = ("y", *(f"regressor_{k}_name" for k in range(1, 6)))
    terms = " + ".join(rf"\beta_{{{k}}} \ln \text{{VAR{k}}}_{{it}}" for k in range(1, 6))
    long = replace(small_document(), blocks=(Equation((rf"\text{{VAR0}}_{{it}} = \beta_{{0}} + {terms}",), 1, names, "eq:a"),))
    tex = render_document(long, {})
    body = tex.split("\\begin{split}\n")[1].split("\n\\end{split}")[0].split(" \\\\\n")
    assert body[0].startswith(r"\text{y}_{it} &= \beta_{0} + \beta_{1} \ln \text{regressor\_1\_name}_{it}")
    assert all(row.startswith("&\\quad + ") for row in body[1:]) and 2 <= len(body) <= 3
    dependent = "a_dependent_variable_named_at_great_length_indeed"
    longer = replace(long, blocks=(replace(long.blocks[0], names=(dependent, *names[1:])),))
    rows = render_document(longer, {}).split("\\begin{split}\n")[1].split("\n\\end{split}")[0].split(" \\\\\n")
    assert rows[0].startswith(r"&\text{a\_dependent") and all(row.startswith("&\\qquad + ") for row in rows[1:])
    assert "multline" not in tex


def test_a_table_too_wide_even_wrapped_gets_a_landscape_page_and_keeps_its_size():
    columns = [Span(f"Model {k} with a rather long name") for k in range(9)]
    table = Table("wide", "Wide", [columns], [Group("", [Row("A long row label for the stub", [Cell(-12.345, 3, "***")] * 9)])],
                  numeric=(True,) * 9)
    tex = table_latex(table)
    assert tex.startswith("\\begin{tablepages}\n\\begin{landscape}\n\\begin{tablefloat}")
    assert not re.search(r"adjustbox|resizebox|scalebox|\\tiny|\\scriptsize", tex)
    assert r"\parbox[b]{" in tex  # the long column labels wrap


def test_fragments_name_the_shipped_preamble_which_works_in_any_class():
    fragment = table_fragment(coefficient_table(), "xelatex")
    assert fragment.startswith("% Needs preamble.tex") and "xelatex" in fragment.splitlines()[0]
    assert "\\begin{tablefloat}" in fragment  # table* in a two-column document
    shipped = preamble("xelatex")
    assert "\\newenvironment{tablefloat}" in shipped and "\\newenvironment{tablepages}" in shipped
    assert r"\@ifclassloaded{ctexart}{}{\usepackage[UTF8, fontset=fandol]{ctex}}" in shipped
    assert "\\documentclass" not in shipped and "hyperref" not in shipped


def test_chinese_names_keep_their_number_close():
    tex = render_document(replace(small_document(language="zh"), blocks=(
        Paragraph("如" + cross_reference("table7", "表7", 7) + "所示"), TableBlock(coefficient_table(), 7))), {})
    assert r"如\hyperref[ref_table7]{表\hbox{}\ref*{ref_table7}}所示" in tex  # 表7, not 表 7
    assert r"\DeclareCaptionLabelFormat{chinese}{#1\hbox{}#2}" in tex


def test_a_count_among_coefficients_is_centred_and_does_not_widen_the_decimal_column():
    latex = table_latex(coefficient_table())
    formats = set(re.findall(r"S\[table-format=\{\(\}(-?\d+)\.(\d+)", latex))
    assert all(integers.lstrip("-") == "1" for integers, _ in formats), formats  # 0.412, not the 360 of N
    assert "N & {360} & {360} & {360} & {360}" in latex  # braced: text siunitx centres
    descriptive = table_latex(descriptive_table())  # a column of counts alone stays aligned as numbers
    assert "{360}" not in descriptive


def test_a_bilingual_table_prints_its_english_title_on_a_second_caption_line():
    table = replace(coefficient_table("联立方程模型估计结果"), subtitle="Results of the simultaneous equations")
    latex = table_latex(table, 7)
    assert ("\\caption[联立方程模型估计结果]{联立方程模型估计结果\\protect\\\\ Table~\\thetable\\quad "
            "Results of the simultaneous equations}") in latex
    assert "\\caption{Results of the simultaneous equations}" in table_latex(coefficient_table(), 7)  # one language
