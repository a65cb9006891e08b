"""The one exception for anything the user can fix, and its problems in the reader's language.

A problem raised with a message id (Problem.of) renders from locales/messages.toml in English or Chinese; its
`message` and str() are the English text. A problem with a plain message prints that message in every language.
"""
from __future__ import annotations

from dataclasses import dataclass

from .catalogue import words

PLACES = ("key", "column", "row", "entity", "period")  # the order a problem's location is printed in
NAMED = {"key", "column"}  # places printed only when not empty; the others whenever given


class Word(str):
    """A field value that is itself a catalogue entry (a role such as "entity"), printed in the reader's language."""


class Joined(tuple):
    """A field value listing names that all share one fate: joined by the language's "and"."""


class More(int):
    """The last item of a listed field: how many names were left out, printed as " and 3 more"."""


def first_names(names, shown: int) -> tuple:
    """A listed field of names: the first `shown`, then More for how many are left out."""
    names = tuple(names)
    return names[:shown] + ((More(len(names) - shown),) if len(names) > shown else ())


class Reasons(tuple):
    """Problems that are why something failed (a field value, or a run's failure), printed in the reader's language."""

    def text(self, language: str = "en") -> str:
        return words("messages", language)["reasons_separator"].join(problem.text(language) for problem in self)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the user's input, located as precisely as we know."""

    message: str
    column: str | None = None
    row: int | None = None
    entity: str | None = None
    period: object | None = None
    key: str | None = None
    severity: str = "error"  # "error" stops the run; "warning" is reported only
    code: str | None = None  # the message's id in locales/messages.toml; None: the message is English only
    fields: tuple = ()  # (name, value) pairs filling the message's {placeholders}

    @classmethod
    def of(cls, code: str, *, column: str | None = None, row: int | None = None, entity: str | None = None,
           period: object | None = None, key: str | None = None, severity: str = "error", **fields) -> Problem:
        """The problem with message id `code`, its {placeholders} filled from fields."""
        return cls(said(code, "en", fields), column, row, entity, period, key, severity, code, tuple(fields.items()))

    def text(self, language: str = "en", located: bool = True) -> str:
        """The message in the language's catalogue, with where it is unless located is False."""
        message = said(self.code, language, dict(self.fields)) if self.code else self.message
        catalogue = words("messages", language)
        where = [catalogue[f"where_{place}"].format(**{place: getattr(self, place)}) for place in PLACES
                 if (getattr(self, place) if place in NAMED else getattr(self, place) is not None)]
        if not (located and where):
            return message
        return catalogue["located"].format(message=message, where=catalogue["where_separator"].join(where))

    def __str__(self) -> str:
        return self.text("en")


def said(code: str, language: str, fields: dict, domain: str = "messages") -> str:
    """Entry `code` of the domain's catalogue in the language: Word fields and {placeholders} naming other entries
    come from that catalogue, the separators of tuple fields from the messages'; Reasons fields print their problems
    in the language."""
    catalogue = words(domain, language)
    filled = {name: _filled(value, language, catalogue) for name, value in fields.items()}
    return catalogue[code].format_map(_Entries(filled, catalogue))


def _filled(value, language: str, catalogue):
    if isinstance(value, Word):
        return catalogue[value]
    if isinstance(value, Reasons):
        return value.text(language)
    return _listed(value, words("messages", language)) if isinstance(value, tuple) else value


def _listed(items: tuple, catalogue) -> str:
    more = catalogue["and_more"].format(count=items[-1]) if items and isinstance(items[-1], More) else ""
    names = map(str, items[:-1] if more else items)
    return catalogue["and" if isinstance(items, Joined) else "list_separator"].join(names) + more


class _Entries(dict):
    """The fields, then the catalogue's entries: {row_convention} in a message is another message."""

    def __init__(self, fields: dict, catalogue):
        super().__init__(fields)
        self.catalogue = catalogue

    def __missing__(self, name: str) -> str:
        return self.catalogue[name]


class Invalid(ValueError):
    """A ValueError for a pydantic validator that keeps its Problem: pydantic wraps the exception, and the schema's
    message (analysis.study.schema_problems) takes the problem from it, located at the key it was raised for."""

    def __init__(self, problem: Problem):
        super().__init__(str(problem))
        self.problem = problem

    @classmethod
    def of(cls, code: str, **fields) -> Invalid:
        return cls(Problem.of(code, **fields))


class UserError(Exception):
    """Input the user can fix; carries every problem found, not just the first."""

    def __init__(self, problems: list[Problem] | Problem | str):
        if isinstance(problems, (str, Problem)):
            problems = [problems]
        self.problems = [p if isinstance(p, Problem) else Problem(p) for p in problems]
        super().__init__("; ".join(str(p) for p in self.problems))
