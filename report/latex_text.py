"""The author's text in LaTeX: markup paragraphs, lists and emphasis, biblatex citations, the front and back matter.

Every piece of user text goes through the manuscript's escape (report.latex); citations become \\autocite (a
superscript number in GB/T 7714, brackets in the numeric style, parentheses in author-year styles) or \\textcite,
and biber prints the list from the .bib written beside the .tex.
"""
from __future__ import annotations

import re

from report import document as blocks
from report import latex, markup

BIBLIOGRAPHY_FILE = "references.bib"


def preamble(doc: blocks.Document) -> str:
    """biblatex in the reference list's style, reading the .bib beside the .tex; nothing when the text cites nothing."""
    bibliography = next((b for b in doc.blocks if isinstance(b, blocks.BibliographyBlock) and b.bibtex), None)
    if bibliography is None:
        return ""
    return "\n".join(["\\usepackage{csquotes}",
                      f"\\usepackage[backend=biber,{bibliography.biblatex}]{{biblatex}}",
                      f"\\addbibresource{{{BIBLIOGRAPHY_FILE}}}",
                      PRINT_REFERENCES])


# pdfLaTeX's CJKutf8 makes every non-ASCII character active, which biblatex's case changes cannot expand: the list is
# printed outside the CJK environment there, and the Chinese text of the entries in a CJK environment of its own
# (\cjktext, robust, so that no case change looks inside). XeLaTeX sets both as they are.
PRINT_REFERENCES = r"""\makeatletter
\@ifpackageloaded{CJKutf8}
  {\newcommand{\printreferences}{\end{CJK}\printbibliography[heading=none]\begin{CJK}{UTF8}{gbsn}}
   \DeclareRobustCommand{\cjktext}[1]{\begin{CJK}{UTF8}{gbsn}#1\end{CJK}}}
  {\newcommand{\printreferences}{\printbibliography[heading=none]}
   \DeclareRobustCommand{\cjktext}[1]{#1}}
\makeatother"""
_CJK_RUN = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef]+")


def bibliography_file(doc: blocks.Document) -> str:
    """The .bib file the manuscript cites, its Chinese text in \\cjktext; "" when it cites nothing."""
    bibtex = next((b.bibtex for b in doc.blocks if isinstance(b, blocks.BibliographyBlock)), "")
    return _CJK_RUN.sub(lambda m: f"\\cjktext{{{m.group(0)}}}", bibtex)


def text(value: str) -> str:
    """A stretch of user text, escaped, keeping a space at either end (runs meet at spaces)."""
    escaped = latex._text(value)
    if not escaped and value:  # white space alone: the ideographic space between front-matter items, or a space
        return "\\quad{}" if "\u3000" in value else " "
    lead = " " if value[:1].isspace() and escaped else ""
    trail = " " if value[-1:].isspace() and escaped else ""
    return lead + escaped + trail


def inlines(items) -> str:
    return "".join(_inline(item) for item in items)


def _inline(item) -> str:
    if isinstance(item, markup.LineBreak):  # \newline, unlike \\, takes no [ or * from the text that follows
        return "\\newline\n"
    if isinstance(item, markup.Citation):
        return _citation(item)
    out = text(item.text)
    for flag, command in (("superscript", "textsuperscript"), ("bold", "textbf"), ("italic", "emph")):
        if getattr(item, flag) and out.strip():
            out = f"\\{command}{{{out}}}"
    return out


def _citation(citation: markup.Citation) -> str:
    """\\autocite{a,b}, or \\autocites with each key's locator as its postnote; \\textcite in a sentence."""
    if not citation.bib_keys:
        return inlines(citation.text)
    if citation.in_text:
        return f"\\textcite{{{citation.bib_keys[0]}}}"
    if not any(citation.locators):
        return f"\\autocite{{{','.join(citation.bib_keys)}}}"
    return "\\autocites" + "".join(f"[{text(locator)}]{{{key}}}" if locator else f"{{{key}}}"
                                   for key, locator in zip(citation.bib_keys, citation.locators, strict=True))


def _markup_blocks(items) -> str:
    out = []
    for block in items:
        if isinstance(block, markup.Paragraph):
            out.append(inlines(block.inlines) + "\n")
        else:
            environment = "enumerate" if block.ordered else "itemize"
            start = [f"\\setcounter{{enumi}}{{{block.start - 1}}}"] if block.ordered and block.start != 1 else []
            entries = [f"\\item{{}} {_markup_blocks(item).strip()}" for item in block.items]  # {}: "[" stays text
            out.append("\n".join([f"\\begin{{{environment}}}", *start, *entries, f"\\end{{{environment}}}"]) + "\n")
    return "\n".join(out)


def prose(block: blocks.Prose, *_) -> str:
    return _markup_blocks(block.blocks)


def labelled(block: blocks.LabelledText, *_) -> str:
    """"\\textbf{Keywords:} a; b" as a paragraph of its own; what the author must still give, in the marked box."""
    if block.missing:
        return latex._marked(f"{text(block.lead)} {inlines(block.inlines)}".strip())
    return f"\\noindent\\textbf{{{text(block.lead)}}}{inlines(block.inlines)}\\par\\medskip\n"


def title_block(block: blocks.TitleBlock, *_) -> str:
    lines = [f"{{\\large\\bfseries {text(block.title)}\\par}}"]
    lines += [f"\\smallskip {text(block.authors)}\\par"] if block.authors else []
    lines += [f"{{\\small\\itshape {text(block.affiliations)}\\par}}"] if block.affiliations else []
    return "\\begin{center}\n" + "\n".join(lines) + "\n\\end{center}\n"


def first_page_note(block: blocks.FirstPageNote, *_) -> str:
    """A footnote without a mark, at the foot of the page it starts on (the first)."""
    lines = [f"\\textbf{{{text(line.lead)}}}" + (f"\\textcolor{{red}}{{\\textbf{{[{inlines(line.inlines)}]}}}}"
                                                  if line.missing else inlines(line.inlines)) for line in block.lines]
    return "{\\renewcommand{\\thefootnote}{}\\footnotetext{" + "\\newline\n".join(lines) + "}}\n"


def bibliography(block: blocks.BibliographyBlock, *_) -> str:
    """biber's list in the chosen style; typed references one paragraph each, every line but the first indented."""
    if block.bibtex:
        return "\\printreferences\n"
    return "\n".join(f"\\noindent\\hangindent=2em\\hangafter=1 {inlines(entry.runs)}\\par" for entry in block.entries) + "\n"


WRITERS = dict(zip(blocks.AUTHOR_BLOCKS, (prose, labelled, title_block, first_page_note, bibliography), strict=True))
