"""A neutral printed table: cells hold values and how to print them; each renderer prints them in its own syntax."""
from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import pandas as pd

# The one star rule: the strictest threshold a p-value passes gives its mark.
STAR_THRESHOLDS = {
    "stata": ((0.001, "***"), (0.01, "**"), (0.05, "*")),
    "conventional": ((0.01, "***"), (0.05, "**"), (0.1, "*")),
    "none": (),
}
INTERCEPT = "Constant"


def significance(p_value: float | None, stars: str) -> tuple[float, str] | None:
    """(threshold, mark) of the strictest level of the star rule the p-value passes, or None."""
    if p_value is None or math.isnan(p_value):
        return None
    return next(((t, m) for t, m in STAR_THRESHOLDS[stars] if p_value < t), None)


def decimals_to_show(value: float, decimals: int) -> int:
    """The fewest decimals, at least decimals, that print a non-zero number as non-zero."""
    value = float(value)
    while value and math.isfinite(value) and Cell(value, decimals).rounds_to_zero:
        decimals += 1
    return decimals


@dataclass(frozen=True)
class Cell:
    """A number with how to print it (decimals, stars, brackets, percent), or a piece of text.

    Renderers ask for ``parts(minus)`` and set the sign, brackets and stars in their own syntax.
    """

    value: float | int | str | None = ""
    decimals: int | None = None  # digits after the point; None prints an integer as it is
    stars: str = ""
    brackets: str = ""  # "()" or "[]" around a standard error, t statistic or interval
    percent: bool = False
    upper: float | None = None  # an interval's upper bound; value is its lower bound

    @property
    def is_number(self) -> bool:
        """A single number; an interval prints as text, centred rather than aligned on a decimal point."""
        return (self.upper is None and isinstance(self.value, (int, float)) and not isinstance(self.value, bool)
                and not (isinstance(self.value, float) and math.isnan(self.value)))

    @property
    def is_interval(self) -> bool:
        return self.upper is not None

    def digits(self) -> str:
        """The absolute value as printed: "0.035", "360"."""
        magnitude = abs(self.value) * (100 if self.percent else 1)
        return f"{magnitude:.{self.decimals}f}" if self.decimals is not None else str(magnitude)

    @property
    def rounds_to_zero(self) -> bool:
        """A number printed as zero: 0.0004 at three decimals prints 0.000."""
        return self.is_number and not any(c in "123456789" for c in self.digits())

    @property
    def negative(self) -> bool:
        """Below zero as printed: -0.0004 at three decimals prints 0.000, without a sign."""
        return self.is_number and self.value < 0 and not self.rounds_to_zero

    def parts(self, minus: str = "-") -> tuple[str, str, str]:
        """(before, signed number, after): "(", "-0.035", ")"; "[", "-0.1, 0.2", "]"; for text ("", text, "")."""
        if self.is_interval:
            low, high = (Cell(bound, self.decimals).parts(minus)[1] for bound in (self.value, self.upper))
            return self.brackets[:1], f"{low}, {high}", self.brackets[1:]
        if not self.is_number:
            return "", "" if self.value is None or self.is_nan else str(self.value), ""
        before, after = (self.brackets[0], self.brackets[1]) if self.brackets else ("", "")
        return before, (minus if self.negative else "") + self.digits(), ("%" if self.percent else "") + after

    @property
    def is_nan(self) -> bool:
        return isinstance(self.value, float) and math.isnan(self.value)

    @property
    def text(self) -> str:
        """The cell as plain text, without its stars."""
        return "".join(self.parts())


@dataclass(frozen=True)
class Format:
    """The print settings, applied once when tables and text are built; every table's notes state them."""

    decimals: int = 3
    stars: str = "stata"
    inference: str = "se"  # under a coefficient: "se", "t" or "p" in parentheses, or "ci", the 95% interval in brackets
    decimals_by_table: tuple[tuple[str, int], ...] = ()  # per-table overrides, e.g. (("table4", 4),)
    intercept: str = INTERCEPT  # the intercept's row label; "_cons" for a Stata look
    names: str = "label"  # variables in tables, equations and text: "label", or "abbreviation" where one is defined

    @classmethod
    def from_settings(cls, settings) -> "Format":
        return cls(settings.decimals, settings.stars, settings.inference, tuple(sorted(settings.decimals_by_table.items())),
                   settings.intercept, settings.names)

    def for_table(self, table_id: str) -> "Format":
        """The settings with the table's own decimals, where the study overrides them."""
        return replace(self, decimals=dict(self.decimals_by_table).get(table_id, self.decimals))

    def number(self, value, *, p_value: float | None = None, brackets: str = "", decimals: int | None = None) -> Cell:
        """A number at the table's decimals, with the stars its p-value earns."""
        value = None if value is None else float(value)
        return Cell(value, self.decimals if decimals is None else decimals, self.stars_for(p_value), brackets)

    @staticmethod
    def count(n) -> Cell:
        """A count (N, a level): an integer, never decimals."""
        return Cell(int(n))

    def inference_cell(self, estimate, critical: float) -> Cell:
        """What goes under a coefficient; critical is the quantile of the fit's own t or z distribution."""
        if self.inference == "ci":
            margin = critical * estimate.std_error
            return Cell(estimate.estimate - margin, self.decimals, brackets="[]", upper=estimate.estimate + margin)
        value = {"se": estimate.std_error, "t": estimate.statistic, "p": estimate.p_value}[self.inference]
        return self.number(value, brackets="()")

    def quote(self, value: float) -> str:
        """A number inside a sentence at the table's decimals, or, where those print a non-zero number as zero,
        with the decimals that show it (0.0004 at two decimals reads 0.0004)."""
        return Cell(float(value), decimals_to_show(value, self.decimals)).text

    def stars_for(self, p_value: float | None) -> str:
        level = significance(p_value, self.stars)
        return level[1] if level else ""

    def star_legend(self) -> str:
        """The one sentence on stars used in every note."""
        marks = STAR_THRESHOLDS[self.stars]
        if not marks:
            return "No significance stars are shown."
        return ", ".join(f"{m} p < {t:g}" for t, m in reversed(marks)) + "."

    def inference_legend(self) -> str:
        if self.inference == "ci":
            return "95% confidence intervals in brackets, from the t or z distribution of each column's p-values."
        what = {"se": "Standard errors", "t": "t statistics", "p": "p-values"}[self.inference]
        return f"{what} in parentheses."


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
    subtitle: str = ""  # a second title line: the English title of a bilingual ("zh+en") table

    def __post_init__(self):
        object.__setattr__(self, "header", tuple(tuple(level) for level in self.header))
        object.__setattr__(self, "groups", tuple(self.groups))
        object.__setattr__(self, "notes", tuple(self.notes))
        width = self.ncols  # the shape is the code's own doing, never the user's: asserted, not reported
        for level in self.header:
            assert sum(s.width for s in level) == width, f"{self.id}: a header level spans another number of columns"
        for group in self.groups:
            for row in group.rows:
                assert len(row.cells) == width, f"{self.id}: row '{row.label}' has {len(row.cells)} cells, not {width}"
        if not self.numeric:
            object.__setattr__(self, "numeric", tuple(self._column_is_numeric(j) for j in range(width)))
        assert len(self.numeric) == width, f"{self.id}: numeric flags for {len(self.numeric)} columns, not {width}"

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
        return bool(cells) and all(c.is_number for c in cells)

    def to_frame(self, printed: bool = False) -> pd.DataFrame:
        """The table as numbers where there are numbers, text elsewhere; or, printed, every cell as the table prints
        it, with its decimals, brackets and stars. For CSV and XLSX."""
        records = []
        for group_label, row in self.rows():
            record = {"group": group_label, self.stubhead or "row": row.label}
            for label, cell in zip(self._flat_column_names(), row.cells):
                record[label] = cell.text + cell.stars if printed else cell.value if cell.is_number else cell.text
            records.append(record)
        # object columns keep a count an integer beside coefficients ("816", not "816.0")
        frame = pd.DataFrame(records, columns=["group", self.stubhead or "row", *self._flat_column_names()], dtype=object)
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

