"""The author's text in the manuscripts: markup, citations and the reference list, front and back matter."""
import io
import os
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from docx import Document as WordDocument
from docx.enum.text import WD_COLOR_INDEX
from docx.shared import Pt
from lxml import etree

from analysis.errors import UserError
from report import document as blocks
from report import docx, latex, latex_text
from report.__main__ import main
from report.document import highlights_document
from report.matter import citation_style, compose, highlights_off_guide
from report.narrative import Narrative, dumps, loads
from tests.tools import require_tool

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
REFERENCES = Path(__file__).parent / "data" / "references"
FIVE = (REFERENCES / "sample.bib").read_text(encoding="utf-8") + (REFERENCES / "greene.bib").read_text(encoding="utf-8")
CITING = ("Systems need instruments [@greene2018; @wang2021, p. 5], as @wooldridge2010 shows.\n[1] * and [2] "
          "start lines here.\n\n- [a] Three-stage least squares [@zellner1962].\n- Digital economy [@zhang2024].")
STYLES = ("apa", "numeric", "gb7714")


def manuscript(narrative: Narrative, language: str = "en", profile: str = "generic") -> blocks.Document:
    """A manuscript of the author's matter alone: front matter, the introduction, back matter."""
    matter = compose(narrative, language, profile)
    body = [*matter.front(), blocks.Heading("Introduction", 1, "introduction", "1"), *matter.author("introduction"),
            blocks.Paragraph("Drafted text keeps *asterisks* and 2 * 3."), *matter.back()]
    return blocks.Document(narrative.title or "Title", narrative.authors, "", "", tuple(body), language=language,
                           profile=profile)


def word(doc: blocks.Document):
    return WordDocument(io.BytesIO(docx.render_document(doc, {})))


def after_heading(document, heading: str) -> list:
    paragraphs = document.paragraphs
    start = next(k for k, p in enumerate(paragraphs) if p.text == heading and p.style.name.startswith("Heading"))
    return [p for p in paragraphs[start + 1:] if p.text.strip()]


@pytest.mark.parametrize("style", STYLES)
def test_five_cited_entries_give_five_word_paragraphs_with_a_hanging_indent(style):
    doc = manuscript(Narrative(introduction=CITING, bibliography=FIVE, citation_style=style))
    entries = after_heading(word(doc), "References")
    assert len(entries) == 5
    assert [p.style.name for p in entries] == ["Bibliography"] * 5  # the shipped style's hanging indent
    assert all((p.paragraph_format.first_line_indent or p.style.paragraph_format.first_line_indent) < 0 for p in entries)
    texts = [p.text for p in entries]
    assert sum("Greene" in t or "GREENE" in t for t in texts) == 1 and sum("Zellner" in t or "ZELLNER" in t for t in texts) == 1
    if style != "apa":
        assert [t.split("\t")[0] for t in texts] == ["[1]", "[2]", "[3]", "[4]", "[5]"]  # in order of citation


def test_citations_read_as_the_style_prints_them_in_word():
    body = {style: "\n".join(p.text for p in word(manuscript(
        Narrative(introduction=CITING, bibliography=FIVE, citation_style=style))).paragraphs) for style in STYLES}
    assert "instruments (Greene, 2018; Wang et al., 2021, p. 5), as Wooldridge (2010) shows." in body["apa"]
    assert "instruments [1,2], as [3] shows." in body["numeric"]  # a sentence cites by number too, as in LaTeX
    paragraph = next(p for p in word(manuscript(Narrative(introduction=CITING, bibliography=FIVE, citation_style="gb7714"))
                                     ).paragraphs if p.text.startswith("Systems"))
    assert any(run.font.superscript and run.text.startswith("[1") for run in paragraph.runs)  # GB/T 7714: superscript


@pytest.mark.parametrize("style", STYLES)
def test_latex_cites_through_biblatex_and_writes_the_bib(style):
    doc = manuscript(Narrative(introduction=CITING, bibliography=FIVE, citation_style=style))
    tex = latex.render_document(doc, {})
    biblatex = {"apa": "style=apa", "numeric": "style=numeric,sorting=none", "gb7714": "style=gb7714-2015,autocite=plain"}[style]
    assert f"\\usepackage[backend=biber,{biblatex}]{{biblatex}}" in tex and "\\addbibresource{references.bib}" in tex
    sentence = "\\textcite" if style == "apa" else "\\autocite"  # numeric styles cite a sentence's @key by number
    assert f"instruments \\autocites{{greene2018}}[p. 5]{{wang2021}}, as {sentence}{{wooldridge2010}} shows." in tex
    assert "\\printreferences" in tex
    (bibliography,) = [b for b in doc.blocks if isinstance(b, blocks.BibliographyBlock)]
    assert len(re.findall(r"^@\w+\{", bibliography.bibtex, flags=re.M)) == 5  # the cited entries, not zhang2024


@pytest.mark.slow
@pytest.mark.parametrize("style", STYLES)
def test_five_entries_compile_with_latexmk_and_biber(style, tmp_path):
    packages = "latexmk biber texlive-bibtex-extra texlive-latex-extra lmodern latex-cjk-chinese-arphic-gbsn00lp"
    if not shutil.which("latexmk") and not os.environ.get("CI"):
        pytest.skip("latexmk is not installed")
    latexmk = require_tool("latexmk", packages)
    doc = manuscript(Narrative(introduction=CITING, bibliography=FIVE, citation_style=style))
    (tmp_path / "references.bib").write_text(latex_text.bibliography_file(doc), encoding="utf-8")
    (tmp_path / "paper.tex").write_text(latex.render_document(doc, {}), encoding="utf-8")
    run = subprocess.run([latexmk, "-pdf", "-interaction=nonstopmode", "-halt-on-error", "-no-shell-escape", "paper.tex"],
                         cwd=tmp_path, capture_output=True, text=True, timeout=300)
    log = (tmp_path / "paper.log").read_text(encoding="utf-8", errors="replace")
    assert run.returncode == 0, log[-3000:]
    assert "undefined" not in (tmp_path / "paper.blg").read_text(encoding="utf-8").lower()
    bbl = (tmp_path / "paper.bbl").read_text(encoding="utf-8")
    assert set(re.findall(r"\\entry\{([^}]*)\}", bbl)) == {"greene2018", "wang2021", "wooldridge2010", "zellner1962", "zhang2024"}
    pdftotext = shutil.which("pdftotext")
    if pdftotext:  # each entry printed once, numbered ones in the order of citation as in Word
        printed = subprocess.run([pdftotext, "paper.pdf", "-"], cwd=tmp_path, capture_output=True, text=True).stdout
        listed = " ".join(printed[printed.rindex("References"):].split())
        words = ("Pearson", "Misuses", "Cross Section", "Three-Stage", "数字经济与制造业高质量发展")  # Chinese by pdfLaTeX too
        assert [listed.count(word) for word in words] == [1] * 5
        if style != "apa":
            assert [listed.index(word) for word in words] == sorted(listed.index(word) for word in words)


def test_unknown_keys_name_the_key_and_the_section():
    with pytest.raises(UserError) as error:
        compose(Narrative(introduction="[@greene2018]", conclusions="As [@nobody2020] says.", bibliography=FIVE))
    assert [str(p) for p in error.value.problems] == [
        "the citation @nobody2020 is not in the reference file (key 'conclusions')"]


def test_a_citation_without_a_reference_file_is_named():
    with pytest.raises(UserError) as error:
        compose(Narrative(literature="As [@smith2020] shows."))
    assert "the citation @smith2020 needs a reference file" in str(error.value.problems[0])
    assert "'literature'" in str(error.value.problems[0])
    assert compose(Narrative(literature=r"Mail me at x\@y or a@b.org.")).sections["literature"]  # escaped, or inside a word


def test_a_bad_reference_file_is_refused_when_the_narrative_is_read():
    with pytest.raises(UserError) as error:
        loads('bibliography = "@article{x, year={soon}}"')
    assert "the date 'soon' is not a year" in str(error.value.problems[0])


def test_paragraphs_line_breaks_lists_and_emphasis_in_both_formats():
    text = "First *emphasis* and **strong**.\nSame paragraph, new line.\n\n1. one\n2. two\n\n- a\n- b"
    doc = manuscript(Narrative(introduction=text))
    document = word(doc)
    paragraphs = after_heading(document, "1. Introduction")
    first = paragraphs[0]
    assert first.text == "First emphasis and strong.\nSame paragraph, new line."
    assert [r.text for r in first.runs if r.italic] == ["emphasis"] and [r.text for r in first.runs if r.bold] == ["strong"]
    assert [(p.text, p.style.name) for p in paragraphs[1:5]] == [
        ("1.\tone", "List"), ("2.\ttwo", "List"), ("a", "List Bullet"), ("b", "List Bullet")]
    assert document.settings.element.find(".//{*}doNotExpandShiftReturn") is not None
    tex = latex.render_document(doc, {})
    assert "First \\emph{emphasis} and \\textbf{strong}.\\newline\nSame paragraph, new line." in tex
    assert "\\begin{enumerate}\n\\item{} one\n\\item{} two\n\\end{enumerate}" in tex
    assert "\\begin{itemize}\n\\item{} a\n\\item{} b\n\\end{itemize}" in tex


def test_drafted_text_is_not_read_as_markup():
    doc = manuscript(Narrative())
    assert "Drafted text keeps *asterisks* and 2 * 3." in [p.text for p in word(doc).paragraphs]
    assert "Drafted text keeps *asterisks* and 2 * 3." in latex.render_document(doc, {})


def test_typed_references_are_one_entry_a_line_and_stay_text():
    doc = manuscript(Narrative(references="1. Smith, J. (2020). *A book*. Press.\n- Li, M. (2021). A@b.\n"))
    entries = after_heading(word(doc), "References")
    assert [p.text for p in entries] == ["1. Smith, J. (2020). A book. Press.", "- Li, M. (2021). A@b."]
    assert [r.text for r in entries[0].runs if r.italic] == ["A book"]
    assert "\\hangindent=2em\\hangafter=1 1. Smith, J. (2020). \\emph{A book}. Press.\\par" in latex.render_document(doc, {})


def test_keywords_follow_the_abstract_and_empty_matter_is_marked():
    doc = manuscript(Narrative(abstract="What we found.", keywords="coupling, 3SLS;  entropy"))
    document = word(doc)
    texts = [p.text for p in document.paragraphs]
    assert texts.index("Keywords: coupling; 3SLS; entropy") == texts.index("What we found.") + 1
    missing = {b.section for b in doc.blocks if isinstance(b, blocks.Placeholder)}
    assert missing == {"highlights", "introduction", "author_contributions", "competing_interests", "funding",
                       "data_availability", "references"}
    marked = [p.text for p in document.paragraphs if any(r.font.highlight_color == WD_COLOR_INDEX.YELLOW for r in p.runs)]
    assert len(marked) == len(missing)
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert headings == ["Highlights", "Abstract", "1. Introduction", "CRediT authorship contribution statement",
                        "Declaration of competing interest", "Funding", "Data availability", "References"]


def test_every_new_field_survives_the_narrative_file():
    narrative = Narrative(**{field: f"Text of {field}" for field in (
        "highlights", "hypotheses", "author_contributions", "competing_interests", "funding", "data_availability",
        "abstract_purpose", "abstract_methods", "abstract_results", "abstract_conclusions", "clc_number",
        "article_number", "received", "author_notes", "title_en", "authors_en", "affiliations_en", "abstract_en",
        "keywords_en")}, bibliography=FIVE, bibliography_name="refs.bib", citation_style="harvard")
    assert loads(dumps(narrative)) == narrative


CHINESE = Narrative(title="新质生产力与制造业转型升级的耦合协调", authors="张三", abstract_purpose="探讨二者的耦合关系。",
                    abstract_methods="熵值法与联立方程模型。", abstract_results="耦合协调度逐年上升。",
                    abstract_conclusions="二者相互促进。", keywords="新质生产力，耦合协调; 联立方程",
                    clc_number="F424", article_number="1000-0000(2025)01-0001-10", received="2025-01-01",
                    funding="国家社会科学基金项目（23BJY000）", title_en="Coupling of new quality productivity",
                    authors_en="ZHANG San", abstract_en="We study the coupling.", keywords_en="coupling, productivity")


def test_chinese_front_matter_in_the_journals_order():
    doc = manuscript(CHINESE, "zh")
    document = word(doc)
    texts = [p.text.strip() for p in document.paragraphs if p.text.strip()]  # the note's mark is a no-break space
    start = texts.index("摘要：目的：探讨二者的耦合关系。\n方法：熵值法与联立方程模型。\n"
                        "结果：耦合协调度逐年上升。\n结论：二者相互促进。")
    assert texts[start + 1:start + 7] == [
        "关键词：新质生产力；耦合协调；联立方程", "中图分类号：F424\u3000文献标志码：A\u3000文章编号：1000-0000(2025)01-0001-10",
        "Coupling of new quality productivity", "ZHANG San", "Abstract: We study the coupling.",
        "Key words: coupling; productivity"]
    footnotes = next(rel.target_part for rel in document.part.rels.values() if rel.reltype.endswith("/footnotes"))
    note = "".join(etree.fromstring(footnotes.blob).itertext())
    assert "收稿日期：2025-01-01" in note and "基金项目：国家社会科学基金项目（23BJY000）" in note and "作者简介：" in note
    note_id = document.styles["Footnote Text"].style_id
    paragraphs = etree.fromstring(footnotes.blob).findall(".//w:footnote/w:p", {"w": W})
    written = [p for p in paragraphs if "".join(p.itertext()).strip()]
    assert written and all(p.find("w:pPr/w:pStyle", {"w": W}).get(f"{{{W}}}val") == note_id for p in written)
    assert not any(p.findall(".//w:rPr/w:sz", {"w": W}) for p in written)  # the style sets the size, no run does
    style = document.styles["Footnote Text"]
    assert style.font.size.pt == 9 and style.element.rPr.rFonts.get(f"{{{W}}}eastAsia") == "SimSun"
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert "Funding" not in texts and "基金项目" not in headings
    tex = latex.render_document(doc, {})
    assert "{\\renewcommand{\\thefootnote}{}\\footnotetext{\\textbf{收稿日期：}2025{-}01{-}01\\newline" in tex
    assert "\\textbf{中图分类号：}F424\\quad{}\\textbf{文献标志码：}A\\quad{}" in tex
    assert "\\noindent\\textbf{关键词：}新质生产力；耦合协调；联立方程\\par" in tex


def test_chinese_front_matter_marks_what_is_missing():
    doc = manuscript(Narrative(), "zh", "chinese-core")
    missing = [b for b in doc.blocks if isinstance(b, blocks.LabelledText) and b.missing]
    assert [b.label for b in missing] == ["摘要：", "关键词：", "中图分类号：", "", "Abstract:", "Key words:"]
    (note,) = [b for b in doc.blocks if isinstance(b, blocks.FirstPageNote)]
    assert all(line.missing for line in note.lines)


def test_command_line_takes_a_reference_file(tmp_path):
    narrative = tmp_path / "narrative.toml"
    narrative.write_text(dumps(Narrative(introduction=CITING)), encoding="utf-8")
    (tmp_path / "refs.bib").write_text(FIVE, encoding="utf-8")
    assert main(["build", "--narrative", str(narrative), "--bibliography", str(tmp_path / "refs.bib"),
                 "--out", str(tmp_path / "out"), "--format", "tex,zip"]) == 0
    assert len(re.findall(r"^@\w+\{", (tmp_path / "out" / "references.bib").read_text(encoding="utf-8"), flags=re.M)) == 5
    with zipfile.ZipFile(tmp_path / "out" / "bundle.zip") as bundle:  # the bundle rebuilds the same manuscript
        assert bundle.read("references.bib") == (tmp_path / "out" / "references.bib").read_bytes()
        assert loads(bundle.read("narrative.toml")).bibliography_name == "refs.bib"


def test_the_app_takes_a_reference_file_and_refuses_an_unknown_citation():
    from tests.test_app import messages, show, start
    from ui import state
    app = show(start(), "Narrative")
    app.file_uploader(key="narrative0.bibliography_upload").set_value(("refs.bib", FIVE.encode(), "text/plain")).run()
    assert app.session_state[state.NARRATIVE].bibliography_name == "refs.bib"
    app.selectbox(key="narrative0.citation_style").set_value("gb7714").run()
    app.text_area(key="narrative0.introduction").set_value(CITING).run()
    assert app.session_state[state.NARRATIVE].introduction == CITING and not app.exception
    app.text_area(key="narrative0.conclusions").set_value("As [@nobody2020] says.").run()
    assert "Narrative: the citation @nobody2020 is not in the reference file (key 'conclusions')" in messages(app.error)
    assert app.session_state[state.NARRATIVE].conclusions == ""
    assert app.text_area(key="narrative0.hypotheses") and app.text_input(key="narrative0.clc_number")


@pytest.mark.parametrize("language, profile, expected", [
    ("en", "generic", "apa"), ("en", "elsevier", "harvard"), ("en", "chinese-core", "gb7714"), ("zh", "generic", "gb7714"),
    ("zh+en", "elsevier", "gb7714")])
def test_the_citation_style_follows_the_manuscript_unless_chosen(language, profile, expected):
    assert citation_style(Narrative(), language, profile) == expected
    assert citation_style(Narrative(citation_style="numeric"), language, profile) == "numeric"


def test_a_reference_document_with_a_bibliography_style_formats_the_list():
    template = WordDocument(str(docx.REFERENCE))
    style = template.styles["Bibliography"]  # a journal's own indent
    style.paragraph_format.left_indent, style.paragraph_format.first_line_indent = Pt(36), Pt(-36)
    buffer = io.BytesIO()
    template.save(buffer)
    doc = manuscript(Narrative(introduction=CITING, bibliography=FIVE, citation_style="apa"))
    entries = after_heading(WordDocument(io.BytesIO(docx.render_document(doc, {}, reference=buffer.getvalue()))),
                            "References")
    assert [p.style.name for p in entries] == ["Bibliography"] * 5
    assert all(p.paragraph_format.first_line_indent is None for p in entries)  # the style's indent, not the paragraph's
    assert all(run.font.name is None and run.font.size is None for p in entries for run in p.runs)


def test_elsevier_gets_the_highlights_as_a_file_of_their_own():
    narrative = Narrative(highlights="- Coupling rises in every region.\n- 3SLS [@greene2018] tightens the estimates.\n"
                                     "- " + "x" * 86, bibliography=FIVE)
    assert highlights_document(narrative, "en", "generic") is None
    doc = highlights_document(narrative, "en", "elsevier")
    document = word(doc)
    texts = [p.text for p in document.paragraphs if p.text.strip()]
    assert texts[0] == "Highlights" and document.paragraphs[0].style.name == "Title"
    assert texts[1:] == ["Coupling rises in every region.", "3SLS (Greene, 2018) tightens the estimates.", "x" * 86]
    assert all(p.style.name == "List Bullet" for p in document.paragraphs[1:] if p.text.strip())
    assert highlights_off_guide(narrative) == (False, [(3, 86)])
    assert highlights_off_guide(Narrative(highlights="1. One\n2. Two")) == (True, [])
