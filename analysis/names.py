"""How a variable, a model term or a group or entity value prints: its label (or abbreviation), never a raw name."""
from __future__ import annotations

from dataclasses import dataclass

from .catalogue import words
from .formula import Term, parse_term
from .study import Study
from .table import INTERCEPT


@dataclass(frozen=True)
class Names:
    """The study's labels under the chosen style: "label", or "abbreviation" where the study defines one."""

    study: Study
    style: str = "label"
    intercept: str = INTERCEPT

    @classmethod
    def of(cls, study: Study, fmt) -> "Names":
        """The study's names; the default intercept label in the study's language (常数项 in Chinese)."""
        intercept = words("tables", study.document.language)["intercept"] if fmt.intercept == INTERCEPT else fmt.intercept
        return cls(study, fmt.names, intercept)

    def column(self, column: str) -> str:
        variable = self.study.variables.get(column)
        if self.style == "abbreviation" and variable and variable.abbreviation:
            return variable.abbreviation
        return self.study.label(column)

    def term(self, term: Term | str) -> str:
        """ "ln GDP" for ln(gdp); the intercept as the settings name it."""
        if isinstance(term, str):
            if term == "_cons":
                return self.intercept
            term = parse_term(term)
        name = self.column(term.column)
        return f"{term.transform} {name}" if term.transform else name

    def value(self, column: str | None, value) -> str:
        """A value of the group or entity column, by the study's value labels."""
        return self.study.value_label(column, value)
