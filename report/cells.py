"""What renderers measure in a table: the printed extent of a column's numbers, the width of text, column fitting."""
from __future__ import annotations

import unicodedata
from typing import NamedTuple

from analysis.table import Cell

MINUS = "\N{MINUS SIGN}"


class NumberExtent(NamedTuple):
    """What a column's numbers need around the decimal point, for alignment."""

    signed: bool
    integers: int  # digits before the point
    decimals: int
    before: str  # the longest text before a number: "("
    after: str  # the longest text after it: ")", "%"
    stars: str  # the longest stars


def number_extent(cells: list[Cell]) -> NumberExtent | None:
    """The extent of the numbers among cells; None without numbers."""
    numbers = [c for c in cells if c.is_number]
    if not numbers:
        return None
    parts = [c.parts() for c in numbers]
    return NumberExtent(any(c.negative for c in numbers), max(len(c.digits().partition(".")[0]) for c in numbers),
                        max(len(c.digits().partition(".")[2]) for c in numbers), max((p[0] for p in parts), key=len),
                        max((p[2] for p in parts), key=len), max((c.stars for c in numbers), key=len))


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
