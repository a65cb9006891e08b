"""What renderers measure in a table's printed text: the number in a cell, the width of text, column fitting."""
from __future__ import annotations

import re
import unicodedata
from typing import NamedTuple

MINUS = "\N{MINUS SIGN}"

_NUMBER = re.compile(r"^(?P<before>[^\d.]*?)(?P<number>[-+]?(?:\d+(?:\.\d*)?|\.\d+))(?P<after>\D*)$")


class PrintedNumber(NamedTuple):
    before: str  # "(" of a standard error
    number: str  # "-0.035", as the builder printed it
    after: str  # ")" of a standard error, "%"

    @property
    def integer_digits(self) -> int:
        return len(self.number.lstrip("+-").partition(".")[0])

    @property
    def decimals(self) -> int:
        return len(self.number.partition(".")[2])

    @property
    def signed(self) -> bool:
        return self.number[0] in "+-"


def printed_number(text: str) -> PrintedNumber | None:
    """The number in a cell such as "-0.035" or "(0.011)"; None for text ("n.a.", "2011-2022")."""
    match = _NUMBER.match(text.strip())
    return PrintedNumber(*match.group("before", "number", "after")) if match else None


def with_true_minus(text: str) -> str:
    """A printed number with the typographic minus sign; other text unchanged."""
    parts = printed_number(text)
    if parts is None or not parts.number.startswith("-"):
        return text
    return parts.before + MINUS + parts.number[1:] + parts.after


def display_width(text: str) -> int:
    """Printed width in Latin characters: a CJK character counts as two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def width_cap(widths: list[float], total: float) -> float:
    """The cap on widths that brings their sum down to total, cutting only the widest."""
    ordered = sorted(widths)
    for i, width in enumerate(ordered):
        cap = (total - sum(ordered[:i])) / (len(ordered) - i)
        if cap <= width:
            return cap
    return ordered[-1]
