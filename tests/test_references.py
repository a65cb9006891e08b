import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from analysis.errors import UserError
from tests.tools import require_tool
from report.markup import Run, citations, parse
from report.references import STYLES, format_citations, read_library, to_bibtex

SAMPLE = Path(__file__).parent / "data" / "references" / "sample.bib"
NARRATIVE = ("As @wooldridge2010 shows, systems need instruments [@zhang2024; @wang2021, p. 5].\n\n"
             "- Three-stage least squares [@zellner1962].\n- Research statistics [@oecd2015; @zhang2024].")


def library():
    return read_library(SAMPLE.read_bytes(), "sample.bib")


def cited(text=NARRATIVE, section="introduction"):
    return [(section, c) for c in citations(parse(text))]


def text(runs):
    return "".join(run.text for run in runs)


def entries(style):
    return {e.key: e for e in format_citations(library(), style, cited()).bibliography.entries}


@pytest.mark.parametrize("style", STYLES)
def test_every_cited_entry_once_in_each_style(style):
    formatted = format_citations(library(), style, cited())
    keys = [e.key for e in formatted.bibliography.entries]
    assert sorted(keys) == sorted(["wooldridge2010", "zhang2024", "wang2021", "zellner1962", "oecd2015"])
    assert len(formatted.citations) == 4
    assert all("\n" not in text(e.runs) for e in formatted.bibliography.entries)


def test_gb7714_entries_numbered_in_order_of_citation_with_type_codes():
    bibliography = format_citations(library(), "gb7714", cited()).bibliography
    assert [(e.key, text(e.label)) for e in bibliography.entries] == [
        ("wooldridge2010", "[1]"), ("zhang2024", "[2]"), ("wang2021", "[3]"), ("zellner1962", "[4]"), ("oecd2015", "[5]")]
    assert not bibliography.hanging_indent
    by_key = {e.key: text(e.runs) for e in bibliography.entries}
    assert by_key["zhang2024"] == "张三, 李四. 数字经济与制造业高质量发展[J]. 经济研究, 2024, 59(3): 1-10."
    assert by_key["wang2021"].startswith("WANG S, KONG W, REN L, et al. Research on Misuses")  # GB/T 7714: "等" or its equivalent
    assert by_key["wang2021"].endswith("[J/OL]. Journal of Natural Resources, 2021, 36(3): 793-810. DOI:10.31497/zrzyxb.20210319.")
    assert by_key["zellner1962"] == ("ZELLNER A, THEIL H. Three-Stage Least Squares: Simultaneous Estimation of Simultaneous "
                                     "Equations[M]//DOWLING J M, GLAHE F R. Readings in Econometric Theory. Boulder: "
                                     "Colorado Associated University Press, 1970: 174-193.")
    assert by_key["oecd2015"].endswith("Development[R]. Paris: OECD Publishing, 2015.")


def test_apa_entries_alphabetical_with_italics_and_hanging_indent():
    formatted = format_citations(library(), "apa", cited())
    assert formatted.bibliography.hanging_indent
    assert [e.key for e in formatted.bibliography.entries] == ["oecd2015", "wang2021", "wooldridge2010", "zellner1962", "zhang2024"]
    by_key = {e.key: e for e in formatted.bibliography.entries}
    assert by_key["wooldridge2010"].runs == (
        Run("Wooldridge, J. M. (2010). "), Run("Econometric Analysis of Cross Section and Panel Data", italic=True),
        Run(" (2nd ed.). MIT Press."))
    assert text(by_key["wang2021"].runs) == (
        "Wang, S., Kong, W., Ren, L., Zhi, D., & Dai, B. (2021). Research on Misuses and Modification of Coupling "
        "Coordination Degree Model in China. Journal of Natural Resources, 36(3), 793–810. "
        "https://doi.org/10.31497/zrzyxb.20210319")
    assert by_key["wang2021"].runs[1:4] == (Run("Journal of Natural Resources", italic=True), Run(", "), Run("36", italic=True))
    assert all(e.label == () for e in formatted.bibliography.entries)


def test_harvard_and_numeric_entries():
    harvard = entries("harvard")
    assert text(harvard["zhang2024"].runs) == "张三, 李四, 2024. 数字经济与制造业高质量发展. 经济研究 59, 1–10."
    assert text(harvard["wooldridge2010"].runs) == ("Wooldridge, J.M., 2010. Econometric Analysis of Cross Section and "
                                                    "Panel Data, 2nd ed. MIT Press, Cambridge, MA.")
    numeric = entries("numeric")
    assert text(numeric["wooldridge2010"].label) == "[1]"
    assert text(numeric["wooldridge2010"].runs) == ("J.M. Wooldridge, Econometric Analysis of Cross Section and Panel "
                                                    "Data, 2nd ed., MIT Press, Cambridge, MA, 2010.")


@pytest.mark.parametrize("style, expected", [
    ("apa", ["Wooldridge (2010)", "(Wang et al., 2021, p. 5; 张三 & 李四, 2024)", "(Zellner & Theil, 1970)",
             "(OECD, 2015; 张三 & 李四, 2024)"]),
    ("harvard", ["Wooldridge (2010)", "(Wang et al., 2021, p. 5; 张三 and 李四, 2024)", "(Zellner and Theil, 1970)",
                 "(OECD, 2015; 张三 and 李四, 2024)"]),
    ("numeric", ["[1]", "[2,3]", "[4]", "[2,5]"]),
    ("gb7714", ["[1]", "[2,3]", "[4]", "[2,5]"]),
])
def test_citations_in_the_text(style, expected):
    assert [text(c) for c in format_citations(library(), style, cited()).citations] == expected


def test_sentence_citation_reads_and_not_ampersand_in_apa():
    (formatted,) = format_citations(library(), "apa", cited("@zellner1962 argue")).citations
    assert text(formatted) == "Zellner and Theil (1970)"


def test_gb7714_citations_are_superscript():
    formatted = format_citations(library(), "gb7714", cited())
    assert formatted.citations[0] == (Run("[1]", superscript=True),)


def test_unknown_keys_are_named_with_their_section():
    with pytest.raises(UserError) as error:
        format_citations(library(), "apa", cited("[@nobody2020] and @Zhang2024", section="literature"))
    messages = [str(p) for p in error.value.problems]
    assert messages == ["the citation @nobody2020 is not in the reference file (key 'literature')",
                        "the citation @Zhang2024 is not in the reference file; the reference file has 'zhang2024' "
                        "(key 'literature')"]


def test_a_locator_that_is_not_understood_is_named():
    with pytest.raises(UserError, match="the locator 'somewhere' is not understood"):
        format_citations(library(), "apa", cited("[@zhang2024, somewhere]"))


def test_bad_bibtex_names_the_line_of_each_bad_entry():
    bib = b"@article{ok, title={Fine}, year={2020}}\n\n@article{broken, title={unbalanced\n\n@book{ok, title={again}}\n"
    with pytest.raises(UserError) as error:
        read_library(bib, "refs.bib")
    messages = " | ".join(str(p) for p in error.value.problems)
    assert "refs.bib, line 3: the entry @article{broken cannot be read" in messages
    assert "refs.bib, line 5: the entry @book{ok cannot be read; the key is used twice" in messages


def test_a_date_that_is_not_a_year_is_named():
    with pytest.raises(UserError, match=r"refs.bib, line 2: the date 'forthcoming' .* \(key 'x'\)"):
        read_library(b"\n@article{x, title={T}, year={forthcoming}}", "refs.bib")


def test_keys_differing_only_in_case_are_refused():
    with pytest.raises(UserError, match="differ only in case"):
        read_library(b"@misc{Smith, title={a}}\n@misc{smith, title={b}}", "refs.bib")


def test_csl_json_gives_the_same_entries_as_bibtex():
    items = [{"id": "zhang2024", "type": "article-journal", "title": "数字经济与制造业高质量发展",
              "author": [{"family": "张", "given": "三"}, {"family": "李", "given": "四"}], "container-title": "经济研究",
              "issued": {"date-parts": [[2024]]}, "volume": 59, "issue": "3", "page": "1-10"}]
    from_json = read_library(json.dumps(items, ensure_ascii=False).encode(), "refs.json")
    for style in STYLES:
        one = cited("[@zhang2024]")
        assert format_citations(from_json, style, one) == format_citations(library(), style, one)


@pytest.mark.parametrize("data, message", [
    (b"{not json", "refs.json is not valid JSON"),
    (b'{"id": "a"}', "a CSL-JSON file is a list of entries"),
    (b'[{"id": "a", "type": "novel"}]', "refs.json, entry 1: the type 'novel' is not one of"),
    (b'[{"type": "book"}]', 'refs.json, entry 1: the entry has no "id"'),
    (b'[{"id": "a", "type": "book", "author": "Smith"}]', "\"author\" is a list of names"),
    (b'[{"id": "a", "type": "book", "issued": "2020"}]', "\"issued\" is"),
])
def test_bad_csl_json_is_named(data, message):
    with pytest.raises(UserError, match=re.escape(message)):
        read_library(data, "refs.json")


HOSTILE_BIB = (r"@misc{evil, author={Evil, Eve}, title={\input{/etc/passwd} <script>x</script> <i>y</i> 50\% a\_b \{},"
               r" year={2024}}").encode()


def test_hostile_entries_are_text():
    lib = read_library(HOSTILE_BIB, "refs.bib")
    (entry,) = format_citations(lib, "apa", cited("[@evil]")).bibliography.entries
    assert text(entry.runs) == "Evil, E. (2024). <script>x</script> <i>y</i> 50% a_b { [Unpublished manuscript]."
    assert "passwd" not in text(entry.runs)  # LaTeX commands are converted, never run


def test_bibtex_export_escapes_text_and_makes_keys_safe_for_cite():
    bib = HOSTILE_BIB.replace(b"evil", "恶意2024".encode()) + b"\n@misc{ref1, title={taken}}"
    export = to_bibtex(read_library(bib, "refs.bib"), ["恶意2024"])
    assert export.keys == {"恶意2024": "ref1x"}
    assert export.text.startswith("@unpublished{ref1x,\n")
    assert r"title = {{<script>x</script> <i>y</i> 50\% a\_b \textbraceleft{}}}" in export.text
    assert export.text.count("{") == export.text.count("}")


def test_bibtex_export_of_the_sample():
    export = to_bibtex(library(), ["zhang2024", "zellner1962"])
    assert export.keys == {"zhang2024": "zhang2024", "zellner1962": "zellner1962"}
    assert export.text == (
        "@article{zhang2024,\n  author = {{张三} and {李四}},\n  title = {{数字经济与制造业高质量发展}},\n"
        "  journaltitle = {经济研究},\n  volume = {59},\n  number = {3},\n  pages = {1--10},\n  date = {2024}\n}\n\n"
        "@incollection{zellner1962,\n  author = {Zellner, Arnold and Theil, Henri},\n"
        "  editor = {Dowling, J. Malcolm and Glahe, Fred R.},\n"
        "  title = {{Three-Stage Least Squares: Simultaneous Estimation of Simultaneous Equations}},\n"
        "  booktitle = {Readings in Econometric Theory},\n  publisher = {Colorado Associated University Press},\n"
        "  location = {Boulder},\n  pages = {174--193},\n  date = {1970}\n}\n")


def test_a_doi_with_a_brace_is_refused():
    with pytest.raises(UserError, match=r"refs.bib: the DOI '10.1/a\\}b' has a space, brace"):
        read_library(b"@article{a, title={T}, doi={10.1/a\\}b}}", "refs.bib")


@pytest.mark.parametrize("style", STYLES)
def test_bibtex_export_compiles_with_biblatex_and_biber(style, tmp_path):
    """The LaTeX route: the .bib export, the mapped biblatex style, biber; Chinese set by xeCJK."""
    packages = "biber texlive-bibtex-extra texlive-xetex texlive-lang-chinese fonts-noto-cjk latexmk"
    latexmk, _ = require_tool("latexmk", packages), require_tool("biber", packages)
    kpsewhich = require_tool("kpsewhich", packages)
    bbx = subprocess.run([kpsewhich, f"{STYLES[style].biblatex}.bbx"], capture_output=True, text=True).stdout.strip()
    if not bbx and not os.environ.get("CI"):
        pytest.skip(f"biblatex style {STYLES[style].biblatex} is not installed")
    assert bbx, f"biblatex style {STYLES[style].biblatex} is missing on CI: apt-get install {packages}"
    export = to_bibtex(read_library(SAMPLE.read_bytes() + b"\n" + HOSTILE_BIB, "sample.bib"),
                       ["zhang2024", "wang2021", "wooldridge2010", "zellner1962", "oecd2015", "evil"])
    (tmp_path / "references.bib").write_text(export.text, encoding="utf-8")
    (tmp_path / "paper.tex").write_text(
        "\\documentclass{article}\n\\usepackage{xeCJK}\n\\setCJKmainfont{Noto Serif CJK SC}\n"
        f"\\usepackage[style={STYLES[style].biblatex},backend=biber]{{biblatex}}\n\\addbibresource{{references.bib}}\n"
        "\\begin{document}\nText \\cite{" + ",".join(export.keys.values()) + "}.\n\\printbibliography\n\\end{document}\n",
        encoding="utf-8")
    run = subprocess.run([latexmk, "-xelatex", "-interaction=nonstopmode", "-halt-on-error", "-no-shell-escape", "paper.tex"],
                         cwd=tmp_path, capture_output=True, text=True, timeout=300)
    log = (tmp_path / "paper.log").read_text(encoding="utf-8", errors="replace") if (tmp_path / "paper.log").exists() else ""
    assert run.returncode == 0, run.stdout[-2000:] + log[-3000:]
    assert "undefined" not in (tmp_path / "paper.blg").read_text(encoding="utf-8").lower()
    pdftotext = shutil.which("pdftotext")
    if pdftotext:
        printed = subprocess.run([pdftotext, "paper.pdf", "-"], cwd=tmp_path, capture_output=True, text=True).stdout
        assert "数字经济与制造业高质量发展" in printed and "<script>x</script>" in printed


def test_gb7714_prints_a_western_entry_with_english_terms():
    bib = SAMPLE.read_bytes() + b"\n@book{many, author={A, B and C, D and E, F and G, H}, title={T}, edition={2}, year={2020}}"
    (entry,) = [e for e in format_citations(read_library(bib, "sample.bib"), "gb7714", cited("[@many] [@zhang2024]"))
                .bibliography.entries if e.key == "many"]
    assert text(entry.runs) == "A B, C D, E F, et al. T[M]. 2nd ed. 2020."
