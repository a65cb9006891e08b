"""The Markdown subset authors may use in narrative text, parsed to neutral blocks for every renderer.

Paragraphs (a blank line), line breaks (every newline), bulleted and numbered lists, *emphasis*, **strong**,
backslash escapes of punctuation, and Pandoc citations: ``[@key]``, ``[@a; @b, p. 5]``, ``@key`` in a sentence.
Everything else (headings, links, HTML, LaTeX, entities, code) is literal text that the renderers escape.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Iterator, Union

from markdown_it import MarkdownIt
from markdown_it.rules_inline import StateInline

_KEY = r"[\w](?:[\w:.#$%&\-+?<>~/]*[\w])?"  # Pandoc's citation key: no trailing punctuation
_CITE_ITEM = re.compile(rf"\s*@({_KEY})\s*(?:,\s*([^;\]]*?)\s*)?$")
_BRACKETED = re.compile(r"\[(\s*@[^\[\]]*)\]")
_IN_TEXT = re.compile(rf"@({_KEY})")


@dataclass(frozen=True)
class Run:
    """A stretch of literal text in one style."""

    text: str
    italic: bool = False
    bold: bool = False
    superscript: bool = False


@dataclass(frozen=True)
class LineBreak:
    """A line break inside a paragraph."""


@dataclass(frozen=True)
class Citation:
    """``[@a; @b, p. 5]`` is keys ("a", "b") with locators ("", "p. 5"); ``@a`` in a sentence is in_text."""

    keys: tuple[str, ...]
    locators: tuple[str, ...]
    in_text: bool = False
    text: tuple[Run, ...] = ()  # as the citation style prints it, once formatted (report.matter)
    bib_keys: tuple[str, ...] = ()  # the keys in the exported .bib, safe inside \\cite{}


Inline = Union[Run, LineBreak, Citation]


@dataclass(frozen=True)
class Paragraph:
    inlines: tuple[Inline, ...]


@dataclass(frozen=True)
class ListBlock:
    """A bulleted or numbered list; each item is a sequence of blocks (a paragraph, perhaps a nested list)."""

    items: tuple[tuple[Block, ...], ...]
    ordered: bool = False
    start: int = 1


Block = Union[Paragraph, ListBlock]


def parse(text: str) -> tuple[Block, ...]:
    """The blocks of one narrative section."""
    tokens = _PARSER.parse(text.replace("\r\n", "\n").replace("\r", "\n"))
    blocks, _ = _blocks(tokens, 0, closing=None)
    return blocks


def citations(blocks: tuple[Block, ...]) -> Iterator[Citation]:
    """Every citation in reading order."""
    for block in blocks:
        if isinstance(block, Paragraph):
            yield from (i for i in block.inlines if isinstance(i, Citation))
        else:
            for item in block.items:
                yield from citations(item)


def with_citations(blocks: tuple[Block, ...], replace: Callable[[Citation], Citation]) -> tuple[Block, ...]:
    """The blocks with every citation replaced, in reading order (to carry its formatted text)."""
    out: list[Block] = []
    for block in blocks:
        if isinstance(block, Paragraph):
            out.append(Paragraph(tuple(replace(i) if isinstance(i, Citation) else i for i in block.inlines)))
        else:
            out.append(ListBlock(tuple(with_citations(item, replace) for item in block.items), block.ordered, block.start))
    return tuple(out)


def _blocks(tokens, i: int, closing: str | None) -> tuple[tuple[Block, ...], int]:
    """Blocks from tokens[i] up to the token of type ``closing``; returns them and the index after it."""
    blocks = []
    while i < len(tokens) and tokens[i].type != closing:
        token = tokens[i]
        if token.type == "inline":
            blocks.append(Paragraph(_inlines(token.children)))
        elif token.type in ("bullet_list_open", "ordered_list_open"):
            items, i = _list_items(tokens, i + 1, token.type.replace("_open", "_close"))
            start = int(token.attrs.get("start", 1))
            blocks.append(ListBlock(items, ordered=token.type == "ordered_list_open", start=start))
            continue
        i += 1
    return tuple(blocks), i + 1


def _list_items(tokens, i: int, closing: str) -> tuple[tuple[tuple[Block, ...], ...], int]:
    items = []
    while tokens[i].type != closing:
        item, i = _blocks(tokens, i + 1, "list_item_close")  # tokens[i] is list_item_open
        items.append(item)
    return tuple(items), i + 1


def _inlines(children) -> tuple[Inline, ...]:
    inlines: list[Inline] = []
    italic = bold = 0
    for child in children:
        if child.type in ("em_open", "em_close"):
            italic += 1 if child.type == "em_open" else -1
        elif child.type in ("strong_open", "strong_close"):
            bold += 1 if child.type == "strong_open" else -1
        elif child.type in ("softbreak", "hardbreak"):
            inlines.append(LineBreak())
        elif child.type == "citation":
            inlines.append(child.meta["citation"])
        elif child.content:  # text and text_special (an escaped character)
            run = Run(child.content, italic=italic > 0, bold=bold > 0)
            previous = inlines[-1] if inlines else None
            if isinstance(previous, Run) and (previous.italic, previous.bold) == (run.italic, run.bold):
                inlines[-1] = Run(previous.text + run.text, run.italic, run.bold)
            else:
                inlines.append(run)
    return tuple(inlines)


def _citation_rule(state: StateInline, silent: bool) -> bool:
    """Pandoc citations; a bracket or @ that does not form one stays literal text."""
    pos, src = state.pos, state.src
    if src[pos] == "[":
        match = _BRACKETED.match(src, pos)
        items = [_CITE_ITEM.match(part) for part in match.group(1).split(";")] if match else [None]
        if not all(items):
            return False
        citation = Citation(tuple(m.group(1) for m in items), tuple(m.group(2) or "" for m in items))
    elif src[pos] == "@" and (pos == 0 or not (src[pos - 1].isalnum() or src[pos - 1] == "_")):
        match = _IN_TEXT.match(src, pos)
        if not match:
            return False
        citation = Citation((match.group(1),), ("",), in_text=True)
    else:
        return False
    if not silent:
        state.push("citation", "", 0).meta = {"citation": citation}
    state.pos = match.end()
    return True


_PARSER = MarkdownIt("zero", {"breaks": True}).enable(["list", "emphasis", "newline", "escape"])
_PARSER.inline.ruler.before("emphasis", "citation", _citation_rule)
