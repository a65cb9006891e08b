"""Every LaTeX document and table fragment compiles with latexmk in each journal profile: no error, no overfull
box, no missing glyph, no undefined reference, no table text below 8 pt."""
from __future__ import annotations

import io
import re
import subprocess
import zipfile
from pathlib import Path

import pytest

from analysis import examples
from analysis.data import validate
from analysis.pipeline import run
from analysis.study import DocumentSettings, dumps, loads
from report import assemble, latex, render
from report.bundle import latex_download
from report.document import Equation, Heading, TableBlock, heading_label
from report.narrative import Narrative
from tests.tools import require_tool

PACKAGES = "latexmk texlive-latex-extra texlive-science texlive-xetex texlive-lang-chinese texlive-publishers poppler-utils"
PROFILES = {"generic": ("generic", "en", "decimal"), "elsevier": ("elsevier", "en", "decimal"),
            "chinese-core": ("chinese-core", "zh", "chinese")}
NARRATIVE = Narrative(authors="A. Author", affiliations="University", keywords="coupling; 3SLS")
TROUBLE = ("Overfull \\hbox", "Float too large", "Missing character", "There were undefined references",
           "has been already used", "Reference `")
SMALLEST = 6.95  # pt: the height pdftotext gives a word of 8 pt type (0.875 of the size in Latin Modern, 0.91 in Liberation)


def compile_tex(folder: Path, name: str, program: str) -> str:
    """Compile folder/name.tex as CI does and return its log; fails on errors and on any of TROUBLE."""
    latexmk = require_tool("latexmk", PACKAGES)
    engine = "-xelatex" if program == latex.XELATEX else "-pdf"
    done = subprocess.run([latexmk, engine, "-interaction=nonstopmode", "-halt-on-error", "-no-shell-escape", f"{name}.tex"],
                          cwd=folder, capture_output=True, text=True, timeout=600)
    log = (folder / f"{name}.log").read_text(encoding="utf-8", errors="replace")
    assert done.returncode == 0, log[-3000:]
    for trouble in TROUBLE:
        assert trouble not in log, f"{name}: {trouble}" + log[log.find(trouble) - 200:log.find(trouble) + 600]
    return log


def require_class(name: str) -> None:
    """Skip where a LaTeX class is not installed, except on CI."""
    kpsewhich = require_tool("kpsewhich", PACKAGES)
    found = subprocess.run([kpsewhich, name], capture_output=True, text=True).stdout.strip()
    if not found:
        require_tool(f"{name} (kpsewhich)", PACKAGES)


def write(folder: Path, files: dict[str, bytes]) -> None:
    for name, content in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(content)


def words_with_height(pdf: Path) -> list[tuple[int, float, str]]:
    """(page, height, word) of every word pdftotext finds."""
    pdftotext = require_tool("pdftotext", PACKAGES)
    xml = subprocess.run([pdftotext, "-bbox", str(pdf), "-"], capture_output=True, text=True).stdout
    out = []
    for page, body in enumerate(xml.split("<page ")[1:], start=1):
        for y0, y1, word in re.findall(r'yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">([^<]*)<', body):
            out.append((page, float(y1) - float(y0), word))
    return out


@pytest.fixture(scope="session")
def demo_results():
    study, panel = examples.default_study(), examples.demo_panel()
    return study, run(study, panel)


@pytest.fixture(scope="session", params=list(PROFILES))
def compiled(request, demo_results, tmp_path_factory):
    """The demo's manuscript and tables document in one profile, rendered and compiled once per session."""
    profile, language, headings = PROFILES[request.param]
    if profile == "elsevier":
        require_class("elsarticle.cls")
    study, results = demo_results
    study = study.model_copy(update={"document": DocumentSettings(language=language, profile=profile, headings=headings)})
    rep = assemble(results, study, NARRATIVE)
    files = render(rep, ("tex",))
    folder = tmp_path_factory.mktemp(f"latex-{profile}")
    write(folder, files)
    program = latex.engine(language, profile)
    logs = {name: compile_tex(folder, name, program) for name in ("manuscript", "tables")}
    return request.param, rep, files, folder, logs


@pytest.mark.slow
def test_documents_compile_with_the_engine_the_source_names(compiled):
    profile, rep, files, folder, logs = compiled
    program = latex.engine(rep.language, rep.study.document.profile)
    assert program == (latex.XELATEX if profile == "chinese-core" else latex.PDFLATEX)
    for name in ("manuscript.tex", "tables.tex"):
        assert files[name].decode().startswith(f"% !TEX program = {program}\n")
    assert f"$pdf_mode = {5 if program == latex.XELATEX else 1};" in files["latexmkrc"].decode()
    assert (folder / "manuscript.pdf").exists() and (folder / "tables.pdf").exists()


@pytest.mark.slow
def test_every_table_figure_and_equation_is_labelled_and_referenced(compiled):
    profile, rep, files, folder, logs = compiled
    tex = files["manuscript.tex"].decode()
    labels = set(re.findall(r"\\label\{([^}]*)\}", tex))
    refs = set(re.findall(r"\\ref\*?\{([^}]*)\}", tex))
    assert refs and refs <= labels  # and the log has no undefined reference
    tables = {f"ref_{b.table.id}" for b in rep.manuscript.blocks if isinstance(b, TableBlock)}
    assert tables <= labels and "ref_table1" in refs and "ref_table7" in refs
    equations = [b for b in rep.manuscript.blocks if isinstance(b, Equation)]
    assert equations and {f"ref_eq_{b.id.removeprefix('eq:')}" for b in equations} <= labels
    assert tex.count("\\begin{equation}") == len(equations)  # one display each, however long
    assert "tab:" not in tex and "adjustbox" not in tex and "multline" not in tex


@pytest.mark.slow
def test_sections_print_the_documents_numbers_and_make_the_outline(compiled):
    profile, rep, files, folder, logs = compiled
    pdftotext = require_tool("pdftotext", PACKAGES)
    text = re.sub(r"[\s.]", "", subprocess.run([pdftotext, "manuscript.pdf", "-"], cwd=folder, capture_output=True,
                                             text=True).stdout)
    doc = rep.manuscript
    headings = [b for b in doc.blocks if isinstance(b, Heading)]
    printed = [re.sub(r"[\s.]", "", heading_label(h, doc.headings, doc.language)) for h in headings]
    assert [p for p in printed if p not in text] == []  # "4Results", "32Compositeindices", "四、实证结果", "（一）综合指数"
    assert ("四、实证结果" in printed) == (profile == "chinese-core")
    outline = (folder / "manuscript.out").read_text(encoding="utf-8", errors="replace")
    in_frontmatter = profile == "elsevier"  # elsarticle sets the abstract in its title block
    assert outline.count("\\BOOKMARK") == len(headings) - in_frontmatter  # the PDF outline: every heading


@pytest.mark.slow
def test_table_text_is_never_below_8_pt(compiled):
    profile, rep, files, folder, logs = compiled
    first_figure = rep.supplement.blocks[len(rep.tables)].figure.title.split()[0]
    words = words_with_height(folder / "tables.pdf")
    last_table_page = min(p for p, _, w in words if w == first_figure) - 1  # figures start on a page of their own
    small = [(p, round(h, 2), w) for p, h, w in words
             if p <= last_table_page and h < SMALLEST and len(re.sub(r"[^\w]", "", w)) >= 3]
    assert last_table_page >= 1 and not small, small[:10]


FRAGMENT_HOSTS = {  # the author's document class, its options, and the language of the tables \input into it
    "article": ("article", "", "en"), "article-twocolumn": ("article", "[twocolumn]", "en"),
    "elsarticle": ("elsarticle", "[5p]", "en"), "ctexart": ("ctexart", "[UTF8]", "zh"),
}


@pytest.mark.slow
@pytest.mark.parametrize("host", list(FRAGMENT_HOSTS))
def test_each_table_fragment_compiles_with_the_shipped_preamble(host, demo_results, tmp_path):
    """Every tables/*.tex \\input into the author's article, two-column article, two-column elsarticle or, for a
    Chinese study, ctexart; the long and the landscape tables get one-column pages of their own in a two-column
    document."""
    name, option, language = FRAGMENT_HOSTS[host]
    if name == "elsarticle":
        require_class("elsarticle.cls")
    study, results = demo_results
    study = study.model_copy(update={"document": DocumentSettings(language=language)})
    files = render(assemble(results, study, NARRATIVE), ("tex",))
    write(tmp_path, {k: v for k, v in files.items() if k.startswith("tables/")})
    fragments = sorted(k.removeprefix("tables/").removesuffix(".tex") for k in files
                       if k.startswith("tables/") and k != "tables/preamble.tex")
    assert "table4" in fragments and "% Needs preamble.tex" in files["tables/table4.tex"].decode()
    (tmp_path / "tables" / "paper.tex").write_text("\n".join([
        f"\\documentclass{option}{{{name}}}", "\\usepackage[margin=2cm]{geometry}" if name != "elsarticle" else "",
        "\\input{preamble}", "\\begin{document}", "Text.", *(f"\\input{{{f}}}" for f in fragments),
        "\\end{document}", ""]), encoding="utf-8")
    compile_tex(tmp_path / "tables", "paper", latex.engine(language))


def long_column_names(study, panel):
    """The study and panel with every model variable renamed to a column name of 30 characters or more, and no
    labels or abbreviations, so that the long names print in the equations, headers and rows."""
    names = {term.column for equation in study.model.parsed for term in (equation.dependent, *equation.regressors)}
    renamed = {name: f"{name}_per_ten_thousand_residents_2011" for name in names if name in panel.frame.columns}
    text = dumps(study.model_copy(update={"variables": {}}))
    for old, new in renamed.items():
        text = re.sub(rf"(?<![\w\"]){old}(?![\w\"])", new, text)  # in formulas and lists
        text = text.replace(f'"{old}"', f'"{new}"')
    long_study = loads(text)
    return long_study, validate(panel.frame.rename(columns=renamed), long_study)


@pytest.mark.slow
def test_a_panel_with_long_column_names_compiles_without_overfull_boxes(tmp_path):
    """The demo with every model variable renamed to a 30-character-plus column name, printed as it is."""
    study, panel = long_column_names(examples.default_study(), examples.demo_panel())
    assert any(len(c) >= 30 for c in panel.frame.columns)
    files = render(assemble(run(study, panel), study, NARRATIVE), ("tex",))
    tex = files["manuscript.tex"].decode().replace("\\_\\allowbreak{}", "_").replace("\\_", "_")
    assert "education_per_ten_thousand_residents_2011" in tex
    write(tmp_path, files)
    for name in ("manuscript", "tables"):
        compile_tex(tmp_path, name, latex.PDFLATEX)


@pytest.mark.slow
def test_the_tables_download_compiles_on_its_own(compiled, tmp_path):
    """The tables document as the app offers it: one zip with its figures and latexmkrc, nothing else."""
    profile, rep, files, folder, logs = compiled
    with zipfile.ZipFile(io.BytesIO(latex_download(files, "tables"))) as archive:
        names = set(archive.namelist())
        archive.extractall(tmp_path)
    assert names == {"tables.tex", "latexmkrc", *(f"figures/{b.figure.id}.pdf" for b in rep.figures)}
    if profile == "generic":  # the others differ only in the engine, compiled above
        compile_tex(tmp_path, "tables", latex.PDFLATEX)


@pytest.mark.slow
def test_every_table_and_figure_is_placed_before_the_conclusions(compiled):
    profile, rep, files, folder, logs = compiled
    pdftotext = require_tool("pdftotext", PACKAGES)
    text = subprocess.run([pdftotext, "manuscript.pdf", "-"], cwd=folder, capture_output=True, text=True).stdout
    doc = rep.manuscript
    conclusions = next(b for b in doc.blocks if isinstance(b, Heading) and b.id == "conclusions")
    heading = heading_label(conclusions, doc.headings, doc.language)
    before, after = re.split(r"\s*".join(map(re.escape, heading.split())), text, maxsplit=1)
    captions = re.compile(r"^(Table|Figure|表|图)\s?\d+", re.MULTILINE)
    assert len(captions.findall(before)) >= len(rep.figures) and not captions.findall(after)


@pytest.fixture(scope="session")
def real_results():
    study, panel = examples.real_study(), examples.real_panel()
    return study, run(study, panel)


@pytest.mark.slow
@pytest.mark.parametrize("profile, language", [("elsevier", "en"), ("chinese-core", "zh+en")])
def test_the_real_data_example_compiles_in_the_other_profiles(profile, language, real_results, tmp_path):
    """The real-data manuscript (generic: tests/test_manuscript.py) in elsarticle, and bilingual in ctexart."""
    if profile == "elsevier":
        require_class("elsarticle.cls")
    study, results = real_results
    study = study.model_copy(update={"document": DocumentSettings(language=language, profile=profile)})
    files = render(assemble(results, study, NARRATIVE), ("tex",))
    write(tmp_path, files)
    compile_tex(tmp_path, "manuscript", latex.engine(language, profile))
    assert (tmp_path / "manuscript.pdf").stat().st_size > 0
