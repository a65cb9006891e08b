"""Edits the study editor makes to a study's dict; no Streamlit here."""
from __future__ import annotations

import pandas as pd

from analysis.errors import Problem, UserError
from analysis.formula import Equation, Term, parse_equation, parse_term

LEAVE_OUT = None  # a mapping target meaning "drop this column from the study"
INDICATOR_COLUMNS = ["dimension", "column", "direction", "label", "weight"]
def numeric_columns(frame: pd.DataFrame) -> list[str]:
    return [c for c in frame.columns if pd.api.types.is_numeric_dtype(frame[c])]


def equation_text(equation: Equation) -> str:
    """The equation as an author writes it; the 'name:' prefix only when it differs from the dependent."""
    text = equation.text
    prefix = f"{equation.name}: "
    return text.removeprefix(prefix) if equation.name == equation.dependent.name else text


def build_equation(name: str, dependent: str, regressors: list[str], logged: set[str], intercept: bool = True) -> str:
    """Equation text from the editor's parts: columns, which of them enter as ln(), and the intercept."""
    def term(column: str) -> Term:
        return Term(column, "ln" if column in logged else None)
    return equation_text(Equation(name or dependent, term(dependent), tuple(term(c) for c in regressors), intercept))


def equation_parts(text: str) -> dict:
    """The editor's parts of an equation: name, dependent and regressor columns, logged columns, intercept."""
    eq = parse_equation(text)
    terms = (eq.dependent, *eq.regressors)
    return {"name": eq.name if eq.name != eq.dependent.name else "", "dependent": eq.dependent.column,
            "regressors": [t.column for t in eq.regressors], "logged": [t.column for t in terms if t.transform],
            "intercept": eq.intercept}


def set_equation(model: dict, k: int, text: str | None) -> None:
    """Replace equation k (remove it for None); robustness drops of regressors no equation has any more go too."""
    if text is None:
        model["equations"].pop(k)
    else:
        model["equations"][k] = text
    regressors = {t.name for eq in map(parse_equation, model["equations"]) for t in eq.regressors}
    model["robustness"] = [drop for drop in model.get("robustness", [])
                           if all(parse_term(n).name in regressors for n in ([drop] if isinstance(drop, str) else drop))]


def indicator_rows(index: dict) -> pd.DataFrame:
    """An index's indicators as editor rows, one per indicator, with its dimension."""
    rows = [{"dimension": d["name"], "column": i["column"], "direction": i.get("direction", "+"),
             "label": i.get("label", ""), "weight": i.get("weight")}
            for d in index["dimensions"] for i in d["indicators"]]
    return pd.DataFrame(rows, columns=INDICATOR_COLUMNS).astype({"weight": "float64"})


def dimensions_from_rows(rows: pd.DataFrame) -> list[dict]:
    """Editor rows back to dimensions, in order of first appearance; rows without a column are skipped."""
    dimensions: dict[str, list[dict]] = {}
    for row in rows.to_dict(orient="records"):
        column = _text(row.get("column"))
        if not column:
            continue
        indicator = {"column": column, "label": _text(row.get("label")), "direction": _text(row.get("direction")) or "+"}
        if _given(row.get("weight")):
            indicator["weight"] = float(row["weight"])
        dimensions.setdefault(_text(row.get("dimension")) or "Dimension 1", []).append(indicator)
    return [{"name": name, "indicators": indicators} for name, indicators in dimensions.items()]


def _text(value) -> str:
    return "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value).strip()


def _given(value) -> bool:
    return value is not None and not pd.isna(value)


def rename_columns(study: dict, mapping: dict[str, str | None]) -> dict:
    """The study's dict with data columns renamed everywhere they appear; a column mapped to None is left out."""
    study = {**study}

    def rename_term(text: str, where: str) -> str | None:
        term = parse_term(text, where)
        if term.column not in mapping:
            return text
        target = mapping[term.column]
        return None if target is LEAVE_OUT else Term(target, term.transform).name

    panel = dict(study.get("panel") or {})
    for role in ("entity", "time", "group"):
        if panel.get(role) in mapping:
            panel[role] = mapping[panel[role]]
    study["panel"] = panel
    if not panel.get("group"):  # no group column: no group order, no system per group (Table 9), nothing by group
        panel["group_order"] = []
        if study.get("model"):
            study["model"] = {**study["model"], "heterogeneity": False}
        study.pop("dagum", None)
        if study.get("density"):
            study["density"] = {**study["density"], "by_group": False}

    study["indices"] = [_rename_index(index, mapping) for index in study.get("indices") or []]
    emptied = [index["label"] or index["name"] for index in study["indices"] if not index["dimensions"]]
    if emptied:
        raise UserError([Problem.of("index_left_without_indicators", name=name) for name in emptied])

    if study.get("model"):
        model = dict(study["model"])
        model["equations"] = [_rename_equation(text, mapping) for text in model["equations"]]
        for extra in ("endogenous", "exogenous"):
            model[extra] = [t for t in (rename_term(x, f"model.{extra}") for x in model.get(extra, [])) if t]
        drops = []
        for drop in model.get("robustness", []):
            names = [rename_term(d, "model.robustness") for d in ([drop] if isinstance(drop, str) else drop)]
            names = [n for n in names if n]
            if names:
                drops.append(names[0] if isinstance(drop, str) else names)
        model["robustness"] = drops
        study["model"] = model

    variables = {}
    for name, variable in (study.get("variables") or {}).items():
        target = mapping.get(name, name)
        if target is not LEAVE_OUT:
            variables[target] = variable
    study["variables"] = variables
    return study


def rename_index(study: dict, k: int, name: str) -> dict:
    """The study's dict with index k renamed, and with it the coupling's pair, the equations and the labels."""
    name = name.strip()
    if not name:
        raise UserError(Problem.of("index_name_missing"))
    old = study["indices"][k]["name"]
    renamed = {**rename_columns({**study, "indices": []}, {old: name}), "indices": list(study["indices"])}
    renamed["indices"][k] = {**study["indices"][k], "name": name}
    if renamed.get("coupling"):
        pair = [name if index == old else index for index in renamed["coupling"]["indices"]]
        renamed["coupling"] = {**renamed["coupling"], "indices": pair}
    return renamed


def _rename_index(index: dict, mapping: dict[str, str | None]) -> dict:
    dimensions = []
    for dimension in index["dimensions"]:
        indicators = [{**i, "column": mapping.get(i["column"], i["column"])} for i in dimension["indicators"]
                      if mapping.get(i["column"], i["column"]) is not LEAVE_OUT]
        if indicators:
            dimensions.append({**dimension, "indicators": indicators})
    return {**index, "dimensions": dimensions}


def _rename_equation(text: str, mapping: dict[str, str | None]) -> str:
    eq = parse_equation(text)

    def renamed(term: Term) -> Term | None:
        target = mapping.get(term.column, term.column)
        return None if target is LEAVE_OUT else Term(target, term.transform)

    dependent = renamed(eq.dependent) or eq.dependent  # a dependent cannot be left out; the data check names it
    regressors = tuple(t for t in map(renamed, eq.regressors) if t)
    if not regressors:
        raise UserError(Problem.of("equation_left_without_regressors", name=eq.name))
    name = eq.name if eq.name != eq.dependent.name else dependent.name
    return equation_text(Equation(name, dependent, regressors, eq.intercept))


def remove_index(study: dict, k: int) -> None:
    """Remove index k and the obstacle analysis of it; the obstacle section goes when it has no index left."""
    name = study["indices"].pop(k)["name"]
    obstacle = study.get("obstacle")
    if obstacle and obstacle.get("indices"):
        kept = [n for n in obstacle["indices"] if n != name]
        if kept:
            study["obstacle"] = {**obstacle, "indices": kept}
        else:
            study.pop("obstacle")
