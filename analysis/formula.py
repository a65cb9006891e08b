"""A small grammar for equations written as Stata users write them; never evaluated as code.

    equation := [name ":"] term "~" term ("+" term)* ["-" "1"]
    term     := column | "ln(" column ")"
    column   := name without spaces or any of + ~ : ( ) - ^ * / = ` | `any text without backquotes`
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .errors import UserError

TRANSFORMS = ("ln",)
INTERCEPT = "_cons"  # the intercept's name in every table, as Stata prints it
MAX_TERMS = 40  # regressors in one equation
GRAMMAR = "the grammar has column names, '+', ln(column), an optional 'name:' prefix and '- 1'"
_WORD = r"[^\s+~:()`\-^*/=]+"
_TOKEN = re.compile(rf"\s*(?:(`[^`]*`)|({_WORD})|([+~:()\-]))")
_FIXES = {  # a character the grammar lacks, and what to write instead
    "^": "powers such as x^2 are not part of the grammar: add the squared column to the data",
    "*": "products such as x*z are not part of the grammar: add the interaction as a column to the data",
    "/": "ratios are not part of the grammar: add the ratio as a column to the data",
}
_FUNCTIONS = {  # a function the grammar lacks, and what to write instead
    "log": "write ln(x): the natural logarithm is the only transform",
    "log10": "write ln(x), or add the base-10 logarithm as a column to the data",
    "I": "I(...) is not part of the grammar: add the expression as a column to the data",
}


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


def _tokens(text: str, where: str) -> list[str]:
    out, pos = [], 0
    text = text.rstrip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise UserError(f"{where}: {_unreadable(text[pos:].strip())} (in '{text}')")
        out.append(m.group(1) or m.group(2) or m.group(3))
        pos = m.end()
    return out


def _unreadable(rest: str) -> str:
    """Why the formula cannot be read from here on, and what to write instead."""
    ch = rest[0]
    if ch == "`":
        return "a backquote is not closed"
    if ch in _FIXES:
        return f"'{ch}' is not allowed; {_FIXES[ch]}"
    shown = f"'{ch}'" if ch.isprintable() else f"U+{ord(ch):04X}"
    if not ch.isprintable():
        return f"unknown character {shown}; remove it"
    return f"unknown character {shown}; {GRAMMAR}; a column name with other characters goes in backquotes: `name`"


def _column(tok: str | None, where: str, text: str) -> str:
    if tok is None or tok in "+~:()-":
        raise UserError(f"{where}: expected a column name in '{text}'" + (f", found '{tok}'" if tok else " at the end"))
    column = tok[1:-1].strip() if tok.startswith("`") else tok
    if not column:
        raise UserError(f"{where}: empty backquotes in '{text}'; put the column name between them")
    if column == INTERCEPT:
        raise UserError(f"{where}: {INTERCEPT} is the name of the intercept in the tables; rename that column "
                        f"in the data and in '{text}'")
    return column


def _function(tok: str, where: str, text: str) -> UserError:
    fix = _FUNCTIONS.get(tok, f"{tok}() is not part of the grammar, only ln(column) is: add {tok}(x) as a column "
                              "to the data")
    return UserError(f"{where}: {fix} (in '{text}')")


def _terms(tokens: list[str], where: str, text: str) -> tuple[list[Term], bool]:
    terms, intercept, i = [], True, 0
    while True:
        tok = tokens[i] if i < len(tokens) else None
        following = tokens[i + 1] if i + 1 < len(tokens) else None
        if tok in TRANSFORMS and following == "(":
            col = _column(tokens[i + 2] if i + 2 < len(tokens) else None, where, text)
            if i + 3 >= len(tokens) or tokens[i + 3] != ")":
                raise UserError(f"{where}: missing ')' after '{tok}({col}' in '{text}'")
            terms.append(Term(col, tok))
            i += 4
        elif tok == "(":
            raise UserError(f"{where}: only ln(column) takes parentheses; found '(' in '{text}'")
        elif tok and following == "(" and re.fullmatch(_WORD, tok):
            raise _function(tok, where, text)
        else:
            terms.append(Term(_column(tok, where, text)))
            i += 1
        if i == len(tokens):
            return terms, intercept
        if tokens[i] == "-" and tokens[i + 1:] == ["1"]:
            return terms, False
        if tokens[i] == "-":
            raise UserError(f"{where}: only '- 1' (no intercept) may follow the terms; to leave a variable out, "
                            f"delete it from '{text}'")
        if tokens[i] == ":":
            raise UserError(f"{where}: interactions such as a:b are not part of the grammar: add the product as a "
                            f"column to the data (in '{text}')")
        if tokens[i] != "+":
            raise UserError(f"{where}: expected '+' between terms in '{text}', found '{tokens[i]}'")
        i += 1


def parse_equation(text: str, where: str = "equation") -> Equation:
    """Parse ``"name: dep ~ x + ln(z)"``; a clear UserError for anything else."""
    if not isinstance(text, str) or "~" not in text:
        raise UserError(f"{where}: expected 'dependent ~ regressor + ...', got {text!r}")
    tokens = _tokens(text, where)
    name = None
    if len(tokens) > 2 and tokens[1] == ":":
        name, tokens = _column(tokens[0], where, text), tokens[2:]
    if tokens.count("~") != 1:
        raise UserError(f"{where}: expected exactly one '~' in '{text}'")
    split = tokens.index("~")
    lhs, rhs = tokens[:split], tokens[split + 1:]
    if ":" in lhs:
        raise UserError(f"{where}: at most one 'name:' prefix, before the dependent, in '{text}'")
    if not lhs or not rhs:
        raise UserError(f"{where}: both sides of '~' need a term in '{text}'")
    dependents, dep_intercept = _terms(lhs, where, text)
    if len(dependents) != 1 or not dep_intercept:
        raise UserError(f"{where}: the dependent must be one term in '{text}'")
    dep = dependents[0]
    regressors, intercept = _terms(rhs, where, text)
    if len(regressors) > MAX_TERMS:
        raise UserError(f"{where}: {len(regressors)} regressors; an equation may have at most {MAX_TERMS}")
    names = [t.name for t in regressors]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise UserError(f"{where}: regressor {', '.join(dupes)} appears twice in '{text}'")
    if dep.name in names:
        raise UserError(f"{where}: the dependent {dep.name} also appears on the right in '{text}'")
    return Equation(name or dep.name, dep, tuple(regressors), intercept)


def parse_term(text: str, where: str = "term") -> Term:
    """Parse one term such as ``education`` or ``ln(education)``."""
    if not isinstance(text, str):
        raise UserError(f"{where}: expected one column or ln(column), got {text!r}")
    terms, intercept = _terms(_tokens(text, where), where, text) if text.strip() else ([], True)
    if len(terms) != 1 or not intercept:
        raise UserError(f"{where}: expected one column or ln(column), got {text!r}")
    return terms[0]
