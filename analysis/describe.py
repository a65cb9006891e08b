"""Tables 2 and 3: which variables the model uses, in which role, and their summary statistics."""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from .estimation import model_variables, term_values
from .formula import Term
from .study import Study


@dataclass(frozen=True)
class VariableRole:
    term: Term
    role: str  # "core", "control", "endogenous", "instrument"
    equation: int | None  # 1-based equation number for controls


def variable_roles(study: Study) -> list[VariableRole]:
    """Each model term once: dependents as core variables, then each equation's exogenous controls."""
    model = study.model
    equations = model.parsed
    endogenous, exogenous = model_variables(equations, model.endogenous, model.exogenous)
    endogenous_names = {t.name for t in endogenous}
    roles, seen = [], set()
    for eq in equations:
        roles.append(VariableRole(eq.dependent, "core", None))
        seen.add(eq.dependent.name)
    for k, eq in enumerate(equations, start=1):
        for term in eq.regressors:
            if term.name in seen:
                continue
            seen.add(term.name)
            roles.append(VariableRole(term, "endogenous" if term.name in endogenous_names else "control", k))
    roles += [VariableRole(t, "instrument", None) for t in exogenous if t.name not in seen]
    return roles


def describe(frame: pd.DataFrame, terms: list[Term], scale: str = "model") -> pd.DataFrame:
    """N, mean, SD (n-1), min, max of each term, after ln() ("model") or of the raw column ("raw")."""
    rows = []
    for term in terms:
        values = term_values(frame, term) if scale == "model" else frame[term.column].astype(float)
        rows.append({"term": term.name if scale == "model" else term.column, "column": term.column,
                     "N": int(values.notna().sum()), "mean": values.mean(), "sd": values.std(ddof=1),
                     "min": values.min(), "max": values.max()})
    return pd.DataFrame(rows)
