"""A small grammar for equations written as Stata users write them; never evaluated as code.

    equation := [name ":"] term "~" term ("+" term)* ["-" "1"]
    term     := column | "ln(" column ")"
    column   := name without spaces or any of + ~ : ( ) - ^ * / = ` | `any text without backquotes`
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .errors import Problem, UserError

TRANSFORMS = ("ln",)
INTERCEPT = "_cons"  # the intercept's name in every table, as Stata prints it
MAX_TERMS = 40  # regressors in one equation
_WORD = r"[^\s+~:()`\-^*/=]+"
_TOKEN = re.compile(rf"\s*(?:(`[^`]*`)|({_WORD})|([+~:()\-]))")
_FIXES = {"^": "formula_power", "*": "formula_product", "/": "formula_ratio"}  # a character the grammar lacks
_FUNCTIONS = {"log": "formula_log", "log10": "formula_log10", "I": "formula_function_i"}  # a function it lacks


@dataclass(frozen=True)
class Term:
    """A column, possibly under ln()."""

    column: str
    transform: str | None = None

    @property
    def name(self) -> str:
        """The term as written in the formula, e.g. ``ln(education)``."""
        col = self.column if _is_plain(self.column) else f"`{self.column}`"
        return f"{self.transform}({col})" if self.transform else col

    @property
    def label(self) -> str:
        """The term as printed in tables, e.g. ``ln education``."""
        return f"{self.transform} {self.column}" if self.transform else self.column


@dataclass(frozen=True)
class Equation:
    """One structural equation: dependent ~ regressors (+ intercept unless switched off)."""

    name: str
    dependent: Term
    regressors: tuple[Term, ...]
    intercept: bool = True

    @property
    def text(self) -> str:
        rhs = " + ".join(t.name for t in self.regressors)
        if not self.intercept:
            rhs += " - 1"
        return f"{self.name}: {self.dependent.name} ~ {rhs}"

    def without(self, terms: set[str]) -> "Equation":
        """The same equation with the named regressors removed."""
        kept = tuple(t for t in self.regressors if t.name not in terms)
        return Equation(self.name, self.dependent, kept, self.intercept)


def _is_plain(column: str) -> bool:
    return re.fullmatch(_WORD, column) is not None


def _refused(code: str, key: str | None, **fields) -> UserError:
    """The formula at study key `key` cannot be read: message `code` says why and what to write instead."""
    return UserError(Problem.of(code, key=key, **fields))


def _tokens(text: str, key: str | None) -> list[str]:
    out, pos = [], 0
    text = text.rstrip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise _unreadable(text[pos:].strip()[0], text, key)
        out.append(m.group(1) or m.group(2) or m.group(3))
        pos = m.end()
    return out


def _unreadable(ch: str, text: str, key: str | None) -> UserError:
    """Why the formula cannot be read from character ch on, and what to write instead."""
    if ch == "`":
        return _refused("formula_backquote_open", key, formula=text)
    if ch in _FIXES:
        return _refused(_FIXES[ch], key, formula=text)
    return _refused("formula_unknown_character", key, formula=text, character=ch)


def _column(tok: str | None, key: str | None, text: str) -> str:
    if tok is None or tok in "+~:()-":
        raise (_refused("formula_column_expected", key, formula=text, found=tok) if tok else
               _refused("formula_column_expected_at_end", key, formula=text))
    column = tok[1:-1].strip() if tok.startswith("`") else tok
    if not column:
        raise _refused("formula_backquotes_empty", key, formula=text)
    if column == INTERCEPT:
        raise _refused("formula_intercept_column", key, formula=text)
    return column


def _function(tok: str, key: str | None, text: str) -> UserError:
    if tok in _FUNCTIONS:
        return _refused(_FUNCTIONS[tok], key, formula=text)
    return _refused("formula_function", key, formula=text, function=tok)


def _terms(tokens: list[str], key: str | None, text: str) -> tuple[list[Term], bool]:
    terms, intercept, i = [], True, 0
    while True:
        tok = tokens[i] if i < len(tokens) else None
        following = tokens[i + 1] if i + 1 < len(tokens) else None
        if tok in TRANSFORMS and following == "(":
            col = _column(tokens[i + 2] if i + 2 < len(tokens) else None, key, text)
            if i + 3 >= len(tokens) or tokens[i + 3] != ")":
                raise _refused("formula_parenthesis_unclosed", key, formula=text, opened=f"{tok}({col}")
            terms.append(Term(col, tok))
            i += 4
        elif tok == "(":
            raise _refused("formula_parenthesis", key, formula=text)
        elif tok and following == "(" and re.fullmatch(_WORD, tok):
            raise _function(tok, key, text)
        else:
            terms.append(Term(_column(tok, key, text)))
            i += 1
        if i == len(tokens):
            return terms, intercept
        if tokens[i] == "-" and tokens[i + 1:] == ["1"]:
            return terms, False
        if tokens[i] == "-":
            raise _refused("formula_minus", key, formula=text)
        if tokens[i] == ":":
            raise _refused("formula_interaction", key, formula=text)
        if tokens[i] != "+":
            raise _refused("formula_plus_expected", key, formula=text, found=tokens[i])
        i += 1


def parse_equation(text: str, key: str | None = None) -> Equation:
    """Parse ``"name: dep ~ x + ln(z)"``; a clear UserError, located at the study key, for anything else."""
    if not isinstance(text, str) or "~" not in text:
        raise _refused("formula_not_equation", key, got=repr(text))
    tokens = _tokens(text, key)
    name = None
    if len(tokens) > 2 and tokens[1] == ":":
        name, tokens = _column(tokens[0], key, text), tokens[2:]
    if tokens.count("~") != 1:
        raise _refused("formula_tilde_count", key, formula=text)
    split = tokens.index("~")
    lhs, rhs = tokens[:split], tokens[split + 1:]
    if ":" in lhs:
        raise _refused("formula_name_prefix", key, formula=text)
    if not lhs or not rhs:
        raise _refused("formula_side_empty", key, formula=text)
    dependents, dep_intercept = _terms(lhs, key, text)
    if len(dependents) != 1 or not dep_intercept:
        raise _refused("formula_dependent_terms", key, formula=text)
    dep = dependents[0]
    regressors, intercept = _terms(rhs, key, text)
    if len(regressors) > MAX_TERMS:
        raise _refused("formula_too_many_terms", key, count=len(regressors), limit=MAX_TERMS)
    names = [t.name for t in regressors]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise _refused("formula_regressor_twice", key, formula=text, names=tuple(dupes))
    if dep.name in names:
        raise _refused("formula_dependent_on_right", key, formula=text, dependent=dep.name)
    return Equation(name or dep.name, dep, tuple(regressors), intercept)


def parse_term(text: str, key: str | None = None) -> Term:
    """Parse one term such as ``education`` or ``ln(education)``."""
    if not isinstance(text, str):
        raise _refused("formula_term_expected", key, got=repr(text))
    terms, intercept = _terms(_tokens(text, key), key, text) if text.strip() else ([], True)
    if len(terms) != 1 or not intercept:
        raise _refused("formula_term_expected", key, got=repr(text))
    return terms[0]
