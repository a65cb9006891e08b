"""Cells a spreadsheet will never run: text that starts like a formula is neutralised, numbers stay numbers."""
from __future__ import annotations

import re

import pandas as pd

# OWASP's rule for CSV injection: a cell starting with any of these may be read as a formula.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")
# A number as a table prints it: "-0.035", "+1.2e-05", "-0.412***" (stars of significance), "-12%".
_PRINTED_NUMBER = re.compile(r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?(?:\*{1,3}|%)?")


def inert(value):
    """The cell as a spreadsheet must read it: formula-like text gets a leading apostrophe; numbers unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_START) and not _PRINTED_NUMBER.fullmatch(value):
        return "'" + value
    return value


def inert_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy with every header and text cell made inert."""
    out = frame.map(inert)
    out.columns = [inert(str(c)) for c in frame.columns]
    return out
