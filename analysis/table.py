"""A neutral printed table: the builders format every number, renderers only lay it out."""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import pandas as pd

STAR_THRESHOLDS = {
    "stata": ((0.001, "***"), (0.01, "**"), (0.05, "*")),
    "conventional": ((0.01, "***"), (0.05, "**"), (0.1, "*")),
    "none": (),
}


@dataclass(frozen=True)
class Format:
    """Printing choices; every table's notes state them."""

    decimals: int = 3
    stars: str = "stata"
    inference: str = "se"  # "se" or "t" in parentheses under a coefficient

    @classmethod
    def from_settings(cls, settings) -> "Format":
        return cls(settings.decimals, settings.stars, settings.inference)

    def number(self, value: float | None, decimals: int | None = None) -> str:
        """A number as printed: fixed decimals, a true minus sign left to the renderer."""
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return ""
        d = self.decimals if decimals is None else decimals
        text = f"{value:.{d}f}"
        return text[1:] if text.startswith("-") and float(text) == 0 else text

    def stars_for(self, p_value: float | None) -> str:
        if p_value is None or math.isnan(p_value):
            return ""
        for threshold, mark in STAR_THRESHOLDS[self.stars]:
            if p_value < threshold:
                return mark
        return ""

    def star_legend(self) -> str:
        """The one sentence on stars used in every note."""
        marks = STAR_THRESHOLDS[self.stars]
        if not marks:
            return "No significance stars are shown."
        return ", ".join(f"{m} p < {t:g}" for t, m in reversed(marks)) + "."

    def inference_legend(self) -> str:
        what = "Standard errors" if self.inference == "se" else "t statistics"
        return f"{what} in parentheses."


@dataclass(frozen=True)
class Cell:
    text: str
    value: float | None = None
    stars: str = ""


@dataclass(frozen=True)
class Row:
    label: str
    cells: tuple[Cell, ...]
    rule_above: bool = False

    def __post_init__(self):
        object.__setattr__(self, "cells", tuple(self.cells))


@dataclass(frozen=True)
class Group:
    label: str
    rows: tuple[Row, ...]

    def __post_init__(self):
        object.__setattr__(self, "rows", tuple(self.rows))


@dataclass(frozen=True)
class Span:
    label: str
    width: int = 1


@dataclass(frozen=True)
class Table:
    """Title, header levels (the last one holds the column labels), row groups and notes."""

    id: str
    title: str
    header: tuple[tuple[Span, ...], ...]
    groups: tuple[Group, ...]
    notes: tuple[str, ...] = ()
    stubhead: str = ""
    numeric: tuple[bool, ...] = field(default=())  # per column: align on the decimal point

    def __post_init__(self):
        object.__setattr__(self, "header", tuple(tuple(level) for level in self.header))
        object.__setattr__(self, "groups", tuple(self.groups))
        object.__setattr__(self, "notes", tuple(self.notes))
        width = self.ncols
        for level in self.header:
            if sum(s.width for s in level) != width:
                raise ValueError(f"{self.id}: a header level spans {sum(s.width for s in level)} columns, the table has {width}")
        for group in self.groups:
            for row in group.rows:
                if len(row.cells) != width:
                    raise ValueError(f"{self.id}: row '{row.label}' has {len(row.cells)} cells, the table has {width} columns")
        if not self.numeric:
            object.__setattr__(self, "numeric", tuple(self._column_is_numeric(j) for j in range(width)))
        elif len(self.numeric) != width:
            raise ValueError(f"{self.id}: numeric flags for {len(self.numeric)} columns, the table has {width}")

    @property
    def ncols(self) -> int:
        return sum(s.width for s in self.header[-1]) if self.header else 0

    @property
    def column_labels(self) -> list[str]:
        return [s.label for s in self.header[-1]]

    def rows(self):
        """(group label, row) for every row, in order."""
        for group in self.groups:
            for row in group.rows:
                yield group.label, row

    def _column_is_numeric(self, j: int) -> bool:
        cells = [row.cells[j] for _, row in self.rows() if row.cells[j].text]
        return bool(cells) and all(c.value is not None or _looks_numeric(c.text) for c in cells)

    def to_frame(self) -> pd.DataFrame:
        """The table as numbers where there are numbers, text elsewhere; for CSV and XLSX."""
        records = []
        for group_label, row in self.rows():
            record = {"group": group_label, self.stubhead or "row": row.label}
            for label, cell in zip(self._flat_column_names(), row.cells):
                record[label] = cell.value if cell.value is not None else cell.text
            records.append(record)
        frame = pd.DataFrame.from_records(records, columns=["group", self.stubhead or "row", *self._flat_column_names()])
        return frame.drop(columns="group") if not any(g.label for g in self.groups) else frame

    def _flat_column_names(self) -> list[str]:
        names = []
        for j in range(self.ncols):
            parts = []
            for level in self.header:
                start = 0
                for span in level:
                    if start <= j < start + span.width:
                        if span.label:
                            parts.append(span.label)
                        break
                    start += span.width
            names.append(" / ".join(dict.fromkeys(parts)) or f"column {j + 1}")
        seen: dict[str, int] = {}
        out = []
        for n in names:
            seen[n] = seen.get(n, 0) + 1
            out.append(n if seen[n] == 1 else f"{n} ({seen[n]})")
        return out


def _looks_numeric(text: str) -> bool:
    try:
        float(text.strip("()*").replace(",", ""))
        return True
    except ValueError:
        return False
