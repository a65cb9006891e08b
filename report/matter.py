"""The author's sections, front matter and back matter as Document blocks, citations formatted and the reference list.

Every author section is parsed once (report.markup), its citations formatted together with all the others (numeric
styles number them in reading order), and each empty section becomes a marked placeholder. A Chinese manuscript
gets the front matter Chinese journals print: 摘要 (structured, if the author fills its four parts), 关键词,
中图分类号/文献标志码/文章编号, a first-page note (收稿日期, 基金项目, 作者简介), then the English title block.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace

from analysis.catalogue import words as catalogue
from analysis.errors import Problem, UserError

from . import markup, references
from .document import BibliographyBlock, FirstPageNote, Heading, LabelledText, Placeholder, Prose, TitleBlock
from .narrative import Narrative
from .strings import words as document_words

# The author's sections in reading order: citations are numbered in this order.
CITING = ("highlights", "abstract", "abstract_purpose", "abstract_methods", "abstract_results", "abstract_conclusions",
          "introduction", "literature", "hypotheses", "conclusions", "suggestions", "author_contributions",
          "competing_interests", "funding", "data_availability", "author_notes")
DECLARATIONS = ("author_contributions", "competing_interests", "funding", "data_availability")
STRUCTURED_ABSTRACT = ("abstract_purpose", "abstract_methods", "abstract_results", "abstract_conclusions")
PROFILE_STYLES = {"elsevier": "harvard"}
KEYWORD_SEPARATORS = re.compile(r"\s*[;；,，、]\s*")
_LIST_MARKER = re.compile(r"^(\d+[.)]|[-*+](?=\s|$))")
HIGHLIGHTS = range(3, 6)  # Elsevier's guide for authors: three to five highlights,
HIGHLIGHT_LENGTH = 85  # each at most 85 characters, spaces included


def chinese(language: str, profile: str) -> bool:
    """Whether the manuscript follows the Chinese journals' front matter."""
    return language.startswith("zh") or profile == "chinese-core"


def citation_style(narrative: Narrative, language: str, profile: str) -> str:
    """The author's choice, else GB/T 7714 for a Chinese manuscript, else the journal profile's (Elsevier Harvard, APA)."""
    if narrative.citation_style:
        return narrative.citation_style
    return "gb7714" if chinese(language, profile) else PROFILE_STYLES.get(profile, "apa")


@dataclass(frozen=True)
class Matter:
    """The author's text as blocks: front() before the introduction, author(section) in the body, back() at the end."""

    narrative: Narrative
    sections: dict  # section -> tuple of markup blocks, citations formatted
    bibliography: BibliographyBlock | None
    language: str
    chinese: bool

    def author(self, section: str) -> list:
        """The section's text, or a placeholder asking for it."""
        if self.sections.get(section):
            return [Prose(self.sections[section])]
        w = {**document_words(self.language), **catalogue("matter", self.language)}
        return [Placeholder(section, w[f"prompt_{section}"], w.get(section, "").rstrip("：:"))]

    def front(self) -> list:
        return self._chinese_front() if self.chinese else self._front()

    def hypotheses(self) -> list:
        return [Heading(self._w["hypotheses"], 2, "hypotheses"), *self.author("hypotheses")]

    def back(self) -> list:
        """The declarations journals ask for, then the references."""
        shown = [s for s in DECLARATIONS if not (self.chinese and s == "funding")]  # 基金项目 is on the first page
        blocks = [block for s in shown for block in (Heading(self._w[s], 1, s, numbered=False), *self.author(s))]
        blocks.append(Heading(document_words(self.language)["references"], 1, "references", numbered=False))
        return blocks + ([self.bibliography] if self.bibliography else self.author("references"))

    @property
    def _w(self):
        return catalogue("matter", self.language)

    def _keywords(self, label: str, text: str, separator: str, prompt: str) -> LabelledText:
        keywords = [k for k in KEYWORD_SEPARATORS.split(text.strip()) if k]
        if not keywords:
            return LabelledText(label, (markup.Run(prompt),), missing=True)
        return LabelledText(label, (markup.Run(separator.join(keywords)),), kind="keywords")

    def highlights(self) -> list:
        return [Heading(self._w["highlights"], 1, "highlights", numbered=False), *self.author("highlights")]

    def _front(self) -> list:
        w = self._w
        return [*self.highlights(),
                Heading(document_words(self.language)["abstract"], 1, "abstract", numbered=False),
                *self.author("abstract"),
                self._keywords(w["keywords"], self.narrative.keywords, w["keyword_separator"], w["prompt_keywords"])]

    def _chinese_front(self) -> list:
        w, n, english = self._w, self.narrative, catalogue("matter", "en")
        classification = (markup.Run(n.clc_number or w["prompt_clc_number"]),
                          *self._run_in(w["document_code"], n.document_code),
                          *self._run_in(w["article_number"], n.article_number))
        blocks = [self._abstract(),
                  self._keywords(w["keywords"], n.keywords, w["keyword_separator"], w["prompt_keywords"]),
                  LabelledText(w["clc_number"], classification, missing=not n.clc_number),
                  FirstPageNote(self._first_page_note())]
        title = TitleBlock(n.title_en, n.authors_en, n.affiliations_en) if n.title_en else \
            LabelledText("", (markup.Run(w["prompt_title_en"]),), missing=True)
        abstract_en = markup.parse(n.abstract_en)
        return blocks + [
            title,
            LabelledText(english["english_abstract"], _run_on(abstract_en)) if abstract_en else
            LabelledText(english["english_abstract"], (markup.Run(w["prompt_abstract_en"]),), missing=True),
            self._keywords(english["english_keywords"], n.keywords_en, english["keyword_separator"], w["prompt_keywords_en"])]

    @staticmethod
    def _run_in(label: str, text: str) -> tuple:
        return (markup.Run("\u3000"), markup.Run(label, bold=True), markup.Run(text)) if text else ()

    def _abstract(self) -> LabelledText:
        """摘要: the four headed parts of a structured abstract on lines of their own, or the abstract as written."""
        parts = [s for s in STRUCTURED_ABSTRACT if self.sections.get(s)]
        if not parts:
            text = self.sections.get("abstract")
            if not text:
                return LabelledText(self._w["abstract"], (markup.Run(document_words(self.language)["prompt_abstract"]),),
                                    missing=True)
            return LabelledText(self._w["abstract"], _run_on(text))
        inlines: list = []
        for k, section in enumerate(parts):
            inlines += [*([markup.LineBreak()] if k else []), markup.Run(self._w[section], bold=True),
                        *_run_on(self.sections[section])]
        return LabelledText(self._w["abstract"], tuple(inlines))

    def _first_page_note(self) -> tuple:
        w, n = self._w, self.narrative
        lines = [LabelledText(w["received"], (markup.Run(n.received or w["prompt_received"]),), missing=not n.received)]
        for section, label in (("funding", "funding_note"), ("author_notes", "author_notes")):
            text = self.sections.get(section)
            lines.append(LabelledText(w[label], _run_on(text)) if text else
                         LabelledText(w[label], (markup.Run(w[f"prompt_{section}"]),), missing=True))
        return tuple(lines)


def highlight_lines(narrative: Narrative) -> list[str]:
    """The highlights as the author wrote them, one per line, without list markers."""
    lines = (line.strip() for line in narrative.highlights.splitlines())
    return [_LIST_MARKER.sub("", line).strip() for line in lines if _LIST_MARKER.sub("", line).strip()]


def highlights_off_guide(narrative: Narrative) -> tuple[bool, list[tuple[int, int]]]:
    """Where the highlights leave Elsevier's guide: whether their number is outside three to five, and the
    (number, length) of each longer than 85 characters."""
    lines = highlight_lines(narrative)
    return (len(lines) not in HIGHLIGHTS,
            [(k, len(line)) for k, line in enumerate(lines, start=1) if len(line) > HIGHLIGHT_LENGTH])


def _run_on(blocks: tuple) -> tuple:
    """The inlines of every paragraph (and list item) in turn, separated by line breaks: text for a run-in label."""
    inlines: list = []
    for block in blocks:
        items = [block] if isinstance(block, markup.Paragraph) else [b for item in block.items for b in item]
        for item in items:
            inner = item.inlines if isinstance(item, markup.Paragraph) else _run_on((item,))
            inlines += [*([markup.LineBreak()] if inlines else []), *inner]
    return tuple(inlines)


def check_citations(narrative: Narrative) -> None:
    """A UserError naming the key and the section of every citation the reference file cannot answer; quick, as
    nothing is formatted, for checking an edit."""
    _cited_library(narrative, _parsed(narrative))


def _parsed(narrative: Narrative) -> dict:
    return {section: markup.parse(getattr(narrative, section)) for section in CITING}


def _cited_library(narrative: Narrative, parsed: dict) -> tuple[list, references.Library | None]:
    """The (section, citation) pairs in reading order, and the reference file they cite, every key checked."""
    cited = [(section, c) for section in CITING for c in markup.citations(parsed[section])]
    if not cited:
        return cited, None
    if not narrative.bibliography.strip():
        raise UserError(list(dict.fromkeys(
            Problem.of("citation_needs_reference_file", key=section, citation=key) for section, c in cited for key in c.keys)))
    library = references.read_library(narrative.bibliography.encode(), narrative.bibliography_name)
    references.check_keys(library, cited)
    return cited, library


def compose(narrative: Narrative, language: str = "en", profile: str = "generic") -> Matter:
    """Parse every author section, format its citations in the chosen style, and build the reference list.

    A citation of a key not in the reference file, or without one, is a UserError naming the key and the section.
    """
    parsed = _parsed(narrative)
    cited, library = _cited_library(narrative, parsed)
    if not cited:
        return Matter(narrative, parsed, _typed_references(narrative.references), language, chinese(language, profile))
    style = citation_style(narrative, language, profile)
    formatted = references.format_citations(library, style, cited)
    export = references.to_bibtex(library, [key for _, c in cited for key in c.keys])
    texts = iter(formatted.citations)
    spec = references.STYLES[style]

    def resolved(citation: markup.Citation) -> markup.Citation:
        """The citation with its text, and its keys in the .bib; numeric styles cite a sentence's @key by number too."""
        return replace(citation, text=next(texts), bib_keys=tuple(export.keys[k] for k in citation.keys),
                       in_text=citation.in_text and not spec.numeric)

    sections = {section: markup.with_citations(parsed[section], resolved) for section in CITING}
    bibliography = BibliographyBlock(formatted.bibliography.entries, export.text, spec.biblatex_package_options)
    return Matter(narrative, sections, bibliography, language, chinese(language, profile))


def _typed_references(text: str) -> BibliographyBlock | None:
    """References the author typed, one per line, each an entry; a leading "1." or "-" and an @ stay text."""
    entries = []
    for line in filter(None, (line.strip() for line in text.splitlines())):
        escaped = _LIST_MARKER.sub(lambda m: m.group(0)[:-1] + "\\" + m.group(0)[-1], line.replace("@", "\\@"))
        entries.append(references.Entry("", (), markup.parse(escaped)[0].inlines))
    return BibliographyBlock(tuple(entries)) if entries else None

