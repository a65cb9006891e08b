"""Manuscripts and tables documents in Word and LaTeX, the bundle, and the report command line."""
import io
import json
import subprocess
import zipfile

import pytest
from docx import Document as WordDocument
from docx.enum.text import WD_COLOR_INDEX

from analysis import examples
from analysis import study as studies
from analysis.pipeline import run
from report import assemble, render
from report.__main__ import main
from report.document import Placeholder, system_equations
from report.narrative import Narrative
from tests.tools import require_tool

HOSTILE = r"% & _ # $ { } \ ~ ^ \input{/etc/passwd} \write18{rm -rf /} 新质生产力"
MATH = "{http://schemas.openxmlformats.org/officeDocument/2006/math}"
NARRATIVE = Narrative(title="Coupling " + HOSTILE, authors="A. Author & B. Author", affiliations="Univ. 100%",
                      keywords="coupling; 3SLS", introduction="First paragraph " + HOSTILE + "\n\nSecond paragraph.")


@pytest.fixture(scope="module")
def demo():
    study, panel = examples.default_study(), examples.demo_panel()
    results = run(study, panel)
    return study, panel, results, render(assemble(results, study, NARRATIVE), checksum=panel.checksum)


def test_manuscript_has_every_table_figure_and_equation(demo):
    study, _, results, files = demo
    word = WordDocument(io.BytesIO(files["manuscript.docx"]))
    captions = [p.text for p in word.paragraphs if p.style.name == "Caption"]
    continued = sum(c.endswith("(continued)") for c in captions)  # the parts of a table longer than a page
    # the diagnostics, the chapter's: Moran, LISA, Dagum (2), Markov, obstacles, development
    assert len(word.tables) == 9 + 1 + 7 + continued
    assert len(word.inline_shapes) == 6 + 3  # Figure 1, D by region, heat map, map, two coefficient plots; the chapter's
    equations = list(word.element.body.iter(f"{MATH}oMath"))
    system_lines = sum(len(lines) for lines, _ in system_equations(study))
    assert system_lines == 6  # each of the two equations broken over three lines, in one math object
    assert len(equations) == 6 + 3 + 2 + 4  # entropy, coupling, the system, Moran, Dagum (2), obstacle
    tables = sorted(int(c.split(".")[0].split()[1]) for c in captions if c.startswith("Table ") and "(continued)" not in c)
    assert tables == list(range(1, 18))  # Table 10, the diagnostics, beside the paragraph that reads them
    assert sum(c.startswith("Figure ") for c in captions) == 9


def test_author_sections_are_marked_placeholders_until_written(demo):
    study, _, results, files = demo
    doc = assemble(results, study, NARRATIVE).manuscript
    missing = {b.section for b in doc.blocks if isinstance(b, Placeholder)}
    assert missing == {"highlights", "abstract", "literature", "hypotheses", "conclusions", "suggestions",
                       "author_contributions", "competing_interests", "funding", "data_availability", "references"}
    word = WordDocument(io.BytesIO(files["manuscript.docx"]))
    marked = [p.text for p in word.paragraphs if any(r.font.highlight_color == WD_COLOR_INDEX.YELLOW for r in p.runs)]
    assert sum("To be written by the author" in t for t in marked) == len(missing)
    assert any("synthetic demonstration data" in t for t in marked)
    texts = [p.text for p in word.paragraphs]
    assert "First paragraph " + HOSTILE in texts and "Second paragraph." in texts  # literal, two paragraphs
    assert word.paragraphs[0].text == "Coupling " + HOSTILE


def test_results_text_names_tables_by_their_printed_numbers(demo):
    study, _, results, files = demo
    body = "\n".join(p.text for p in WordDocument(io.BytesIO(files["manuscript.docx"])).paragraphs)
    assert "as Table 5 reports" in body and "Table 7 reports the system estimated by OLS (1)" in body
    assert "Figure 1 shows the yearly means" in body
    assert "table5" not in body and "figure1" not in body


def test_latex_escapes_user_text(demo):
    tex = demo[3]["manuscript.tex"].decode()
    assert r"\input{/etc/passwd}" not in tex and r"\write18{" not in tex
    assert r"\textbackslash{}input\{/etc/passwd\}" in tex
    assert r"A. Author \& B. Author" in tex


@pytest.fixture(scope="module")
def real():
    study, panel = examples.real_study(), examples.real_panel()
    return render(assemble(run(study, panel), study, Narrative()), ("tex",), checksum=panel.checksum)


def compile_latex(files: dict, name: str, folder) -> str:
    """Compile name.tex with its figures as CI does; the PDF's text. Fails on errors, overfull boxes, missing glyphs."""
    latexmk = require_tool("latexmk", "latexmk texlive-latex-extra texlive-science lmodern latex-cjk-chinese-arphic-gbsn00lp")
    pdftotext = require_tool("pdftotext", "poppler-utils")
    for file_name, content in files.items():
        if file_name.startswith("figures/") or file_name == f"{name}.tex":
            (folder / file_name).parent.mkdir(parents=True, exist_ok=True)
            (folder / file_name).write_bytes(content)
    done = subprocess.run([latexmk, "-pdf", "-interaction=nonstopmode", "-halt-on-error", "-no-shell-escape", f"{name}.tex"],
                          cwd=folder, capture_output=True, text=True, timeout=300)
    log = (folder / f"{name}.log").read_text(encoding="utf-8", errors="replace")
    assert done.returncode == 0, log[-3000:]
    for trouble in ("Overfull \\hbox", "Float too large", "Missing character", "There were undefined references",
                    "has been already used"):
        assert trouble not in log, trouble
    return subprocess.run([pdftotext, f"{name}.pdf", "-"], cwd=folder, capture_output=True, text=True).stdout


@pytest.mark.slow
@pytest.mark.parametrize("name", ["manuscript", "tables"])
def test_latex_documents_compile_cleanly(demo, tmp_path, name):
    text = compile_latex(demo[3], name, tmp_path)
    assert "Table 9" in text and "Figure 6" in text
    if name == "manuscript":
        assert "\\input{/etc/passwd}" in text  # printed, never executed


@pytest.mark.slow
def test_real_data_manuscript_with_long_column_names_compiles_cleanly(real, tmp_path):
    text = compile_latex(real, "manuscript", tmp_path)
    assert "Table 9" in text and "synthetic" not in text.lower()  # real statistics are never labelled synthetic


@pytest.mark.slow
def test_word_documents_open_in_libreoffice(demo, tmp_path):
    soffice = require_tool("soffice", "libreoffice-writer-nogui libreoffice-math")
    pdftotext = require_tool("pdftotext", "poppler-utils")
    (tmp_path / "manuscript.docx").write_bytes(demo[3]["manuscript.docx"])
    subprocess.run([soffice, "--headless", "--convert-to", "pdf", "manuscript.docx"], cwd=tmp_path, capture_output=True,
                   timeout=300, check=True)
    text = subprocess.run([pdftotext, "manuscript.pdf", "-"], cwd=tmp_path, capture_output=True, text=True).stdout
    assert "Table 9." in text and "Figure 6." in text
    assert "Λ" not in text  # equations rendered as math, not replacement glyphs


def test_author_reference_document_supplies_the_styles(demo, tmp_path):
    study, _, results, _ = demo
    reference = WordDocument()
    reference.styles["Normal"].font.name = "Arial"
    reference.styles["Heading 1"].font.size = 203200  # 16 pt in EMU
    buffer = io.BytesIO()
    reference.save(buffer)
    files = render(assemble(results, study, Narrative()), ("docx",), reference_docx=buffer.getvalue())
    word = WordDocument(io.BytesIO(files["manuscript.docx"]))
    assert word.styles["Normal"].font.name == "Arial"
    assert word.styles["Heading 1"].font.size == 203200
    captions = [p.text for p in word.paragraphs if p.style.name == "Caption"]
    # Tables 1-9, the diagnostics and the chapter's seven
    assert len(word.tables) == 17 + sum(c.endswith("(continued)") for c in captions)
    assert {"Table Text", "Table Note", "Caption Label"} <= {s.name for s in word.styles}  # the shipped ones added


def test_bundle_reproduces_the_run(demo):
    study, panel, results, files = demo
    with zipfile.ZipFile(io.BytesIO(files["bundle.zip"])) as archive:
        names = set(archive.namelist())
        assert {"manuscript.docx", "manuscript.tex", "tables.docx", "tables.tex", "study.toml", "narrative.toml",
                "results.json", "data.sha256", "README.txt", "tables/tables.xlsx", "figures/figure1.pdf",
                "figures/figure1.png"} <= names
        assert {f"tables/table{k}.csv" for k in range(1, 10)} <= names
        assert studies.loads(archive.read("study.toml").decode()) == study
        assert archive.read("data.sha256").decode().strip() == panel.checksum
        assert json.loads(archive.read("results.json")) == json.loads(json.dumps(results.to_dict()))


def test_report_command_line_writes_every_file(tmp_path):
    (tmp_path / "narrative.toml").write_text('title = "My paper"\nconclusions = "We conclude."\n', encoding="utf-8")
    assert main(["build", "--narrative", str(tmp_path / "narrative.toml"), "--out", str(tmp_path / "out"),
                 "--format", "docx,tex,zip"]) == 0
    for name in ("manuscript.docx", "manuscript.tex", "tables.docx", "tables.tex", "bundle.zip", "figures/figure1.pdf"):
        assert (tmp_path / "out" / name).stat().st_size > 0
    word = WordDocument(tmp_path / "out" / "manuscript.docx")
    assert word.paragraphs[0].text == "My paper" and "We conclude." in [p.text for p in word.paragraphs]


def test_report_command_line_refuses_unknown_format(tmp_path, capsys):
    assert main(["build", "--out", str(tmp_path), "--format", "pdf"]) == 2
    assert "unknown format pdf" in capsys.readouterr().err


def test_a_study_without_tables_is_refused_with_a_message(tmp_path, capsys):
    (tmp_path / "empty.toml").write_text('title = "Nothing yet"\n[panel]\ntime = "year"\n', encoding="utf-8")
    (tmp_path / "data.csv").write_text("year,x\n2020,1\n2021,2\n", encoding="utf-8")
    assert main(["build", "--study", str(tmp_path / "empty.toml"), "--data", str(tmp_path / "data.csv"),
                 "--out", str(tmp_path / "out")]) == 2
    assert "the study has no tables to report" in capsys.readouterr().err


def test_headings_are_numbered_once_and_printed_in_the_chosen_style():
    from report.document import Heading, heading_label, numbered_headings
    headings = numbered_headings([Heading("Abstract", 1, numbered=False), Heading("Intro"), Heading("Method"),
                                  Heading("Data", 2), Heading("Model", 2), Heading("Step", 3), Heading("Results"),
                                  Heading("Eleven", 2)])
    assert [h.number for h in headings] == ["", "1", "2", "2.1", "2.2", "2.2.1", "3", "3.1"]
    assert [heading_label(h) for h in headings[:4]] == ["Abstract", "1. Intro", "2. Method", "2.1 Data"]
    assert heading_label(headings[1], "decimal", "zh") == "1 Intro"
    assert [heading_label(h, "chinese", "zh") for h in headings[1:6]] == ["一、Intro", "二、Method", "（一）Data",
                                                                         "（二）Model", "1.Step"]
    assert heading_label(Heading("X", 1, number="12"), "chinese") == "十二、X"
    assert heading_label(Heading("X", 1, number="20"), "chinese") == "二十、X"


def test_cross_references_travel_in_text_and_come_apart_again():
    from report.document import Reference, cross_reference, inline_parts, plain
    text = f"As {cross_reference('table5', 'Table 5', 5)} and {cross_reference('eq:system1', 'Equation (7)', 7)} show."
    assert plain(text) == "As Table 5 and Equation (7) show."
    assert inline_parts(text) == ["As ", Reference("table5", "Table 5", "5"), " and ",
                                  Reference("eq:system1", "Equation (7)", "7"), " show."]
    assert Reference("eq:system1", "", "").anchor == "ref_eq_system1"
