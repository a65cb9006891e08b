"""How drafted text is worded in one language: sentence templates from the catalogue (locales/text.toml), numbers,
p-values, periods, lists and labels inside a sentence. The facts are computed once; each language phrases them."""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from types import MappingProxyType

from analysis.catalogue import catalogue_language, words
from analysis.formula import Term, parse_term
from analysis.names import Names
from analysis.table import Format, significance

ALPHA = 0.05  # the level the sentences on tests and on differences speak of
_YEAR = re.compile(r"\d{4}")


def inline(label: str) -> str:
    """A label inside an English sentence: "New quality productivity" becomes "new quality productivity"; "GDP" and
    "SO2 emissions" stay."""
    return label[0].lower() + label[1:] if len(label) > 1 and label[0].isupper() and label[1].islower() else label


def significance_level(p_value: float, fmt: Format) -> str | None:
    """The strictest level the p-value passes, in words, under the tables' star rule (Stata's when they show none)."""
    level = significance(p_value, fmt.stars if fmt.stars != "none" else "stata")
    return f"{level[0] * 100:g}%" if level else None


@dataclass(frozen=True)
class Phrasing:
    """The drafted text's words in one catalogue language ("en" or "zh") at the tables' print settings."""

    language: str
    fmt: Format

    @classmethod
    def of(cls, language: str, fmt: Format) -> Phrasing:
        return cls(catalogue_language(language), fmt)

    def with_format(self, fmt: Format) -> Phrasing:
        return Phrasing(self.language, fmt)

    @property
    def words(self) -> MappingProxyType:
        return words("text", self.language)

    def __call__(self, key: str, **values) -> str:
        """The catalogue's sentence template filled in."""
        return self.words[key].format(**values)

    def number(self, value: float) -> str:
        return self.fmt.quote(value)

    def signed(self, value: float) -> str:
        """An estimate with its sign: "+0.034", "-0.049" (Chinese journals write no plus)."""
        return (self.words["plus"] if value > 0 else "") + self.number(value)

    def percent_change(self, start: float, end: float) -> str:
        """The change in percent as an aside, "" where the start is zero."""
        return self.aside(f"{(end - start) / start * 100:+.0f}%") if start else ""

    def p(self, p_value: float) -> str:
        """"p = 0.012"; "p < 0.001" where the decimals print zero, and "p < 0.05" where they would print a p-value
        below ALPHA as ALPHA or above (0.0496 at three decimals)."""
        decimals = self.fmt.decimals
        bound = 10.0 ** -decimals
        if p_value < bound <= ALPHA:
            return self("p_below", bound=f"{bound:.{decimals}f}")
        if p_value < ALPHA and (round(p_value, decimals) >= ALPHA or bound > ALPHA):
            return self("p_below", bound=f"{ALPHA:g}")
        return self("p_equals", value=f"{p_value:.{decimals}f}")

    def chi2(self, statistic: float, df: int) -> str:
        return self("chi2", df=df, value=self.number(statistic))

    def level(self, p_value: float) -> str | None:
        return significance_level(p_value, self.fmt)

    def alpha(self) -> str:
        return f"{ALPHA * 100:g}%"

    def period(self, period) -> str:
        """A period inside a sentence: in Chinese a year takes 年."""
        return self("year", period=period) if _YEAR.fullmatch(str(period)) else str(period)

    def periods(self, first, last) -> str:
        """A span of periods: "2011-2022", "2011—2022年"."""
        if _YEAR.fullmatch(str(first)) and _YEAR.fullmatch(str(last)):
            return self("year_span", first=first, last=last)
        return self("period_span", first=first, last=last)

    def label(self, text: str) -> str:
        """A label the author wrote, inside a sentence."""
        return inline(text) if self.language == "en" else text

    def term(self, names: Names, term: Term | str) -> str:
        """A model term inside a sentence: "ln level of higher education"."""
        parsed = parse_term(term) if isinstance(term, str) else term
        name = self.label(names.column(parsed.column))
        return f"{parsed.transform} {name}" if parsed.transform else name

    def column(self, number: int | str) -> str:
        """A column of a table by its number: "(3)", "（3）"."""
        return self("column_number", number=str(number).strip("()"))

    def aside(self, text: str) -> str:
        """Text in parentheses after a word: " (text)", "（text）"."""
        return self("aside", text=text)

    def join(self, items: list[str]) -> str:
        """A list of names: "a, b and c", "a、b和c"."""
        items = list(items)
        if len(items) < 2:
            return "".join(items)
        return self.words["list_sep"].join(items[:-1]) + self.words["and"] + items[-1]

    def series(self, items: list[str]) -> str:
        """Clauses side by side: "a, b, c", "a，b，c"."""
        return self.words["comma"].join(items)

    def clauses(self, items: list[str]) -> str:
        """Clauses that each hold a list: "a; b", "a；b"."""
        return self.words["semicolon"].join(items)

    def sentences(self, items: list[str]) -> str:
        return self.words["sentence_sep"].join(item for item in items if item)

    def trend(self, start: float, end: float) -> str:
        """The verb of a change from start to end, as the two numbers print."""
        start, end = float(self.number(start)), float(self.number(end))
        return self("rose" if end > start else "fell" if end < start else "moved")

    def plural(self, key: str, count: int, **values) -> str:
        """The template key_one or key_many by the count."""
        return self(f"{key}_{'one' if count == 1 else 'many'}", count=count, **values)


def numbered(ref, item: str) -> bool:
    """Whether the exhibit is in the Report: ref returns an id it does not know unchanged."""
    return ref(item) != item


def finite(value) -> bool:
    return value is not None and math.isfinite(value)
