"""Edits the study editor makes to a study's dict, and the guesses it offers; no Streamlit here."""
from __future__ import annotations

import difflib
import re
import unicodedata

import pandas as pd

from analysis.errors import Problem, UserError
from analysis.formula import Equation, Term, parse_equation, parse_term

LEAVE_OUT = None  # a mapping target meaning "drop this column from the study"
INDICATOR_COLUMNS = ["dimension", "column", "direction", "label", "weight"]

# Cost indicators (direction "-"): emissions, pollution, consumption per unit of output, costs. Words that
# make the same indicator a benefit (treatment of pollution, utilisation of waste) win over them.
_COST = re.compile(r"emission|emit|pollut|consumption|cost|so2|co2|nox|discharge|per[ _]?(unit|output|gdp)|"
                   r"unemploy|accident|排放|污染|能耗|消耗|成本|单位", re.IGNORECASE)
_BENEFIT = re.compile(r"treat|utili[sz]|invest|control|remov|recycl|治理|处理|利用|投资", re.IGNORECASE)

_IDENTIFIER = re.compile(r"code|(^|_)id$|代码|编码|编号", re.IGNORECASE)  # numeric, but names things: no indicator

# Panel keys by column name, most telling first; each column takes one role at most.
KEY_PATTERNS = {
    "time": r"^(year|yr|period|time|date)s?$|year|period|年份|^年$|年度",
    "group": r"^(region|area|zone|group|macro_?region)s?$|region|区域|地带|板块",
    "entity": r"^(province|entity|country|city|county|firm|company|id|code|name)s?(_|$)"
              r"|province|country|city|省|城市|地区|企业",
}


def guess_direction(*names: str) -> str:
    """'-' for a cost indicator, judged by its column name and label; '+' otherwise."""
    text = " ".join(n for n in names if n)
    return "-" if _COST.search(text) and not _BENEFIT.search(text) else "+"


def guess_keys(frame: pd.DataFrame) -> dict[str, str | None]:
    """Entity, time and group columns judged by their names, each column used once."""
    taken: set[str] = set()
    keys: dict[str, str | None] = {}
    for role, pattern in KEY_PATTERNS.items():
        found = next((c for c in frame.columns if c not in taken and re.search(pattern, str(c), re.IGNORECASE)), None)
        keys[role] = found
        if found:
            taken.add(found)
    return {"entity": keys["entity"], "time": keys["time"], "group": keys["group"]}


def _plain(name: str) -> str:
    return re.sub(r"[\W_]+", "", unicodedata.normalize("NFKC", str(name)).lower())


def guess_column(wanted: str, columns: list[str], label: str = "") -> str | None:
    """The uploaded column most like a study column: same name up to case and punctuation, else a close spelling."""
    plain = {_plain(c): c for c in columns}
    for name in (wanted, label):
        if name and _plain(name) in plain:
            return plain[_plain(name)]
    close = difflib.get_close_matches(_plain(wanted), list(plain), n=1, cutoff=0.75)
    return plain[close[0]] if close else None


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


def starter_study(frame: pd.DataFrame, title: str) -> dict:
    """A small study that runs on any panel, to build on: guessed keys, two one-indicator indices and a two-equation
    system identified by one control in each equation. No coupling yet: where one entity-period is the minimum of
    both single indicators, both indices are 0 and C is undefined."""
    keys = guess_keys(frame)
    columns = [c for c in numeric_columns(frame) if c not in keys.values() and not _IDENTIFIER.search(str(c))]
    if len(columns) < 4:
        raise UserError(f"a new study needs four numeric columns besides the panel keys (two indicators and two "
                        f"controls); this file has {len(columns)}: {', '.join(map(str, columns)) or 'none'}")
    first, second, control1, control2 = (Term(str(c)).name for c in columns[:4])

    def index(name: str, column: str) -> dict:
        return {"name": name, "dimensions": [{"name": "Dimension 1", "indicators": [
            {"column": column, "label": column, "direction": guess_direction(column)}]}]}
    return {"title": title, "panel": {role: column for role, column in keys.items() if column},
            "indices": [index("index1", str(columns[0])), index("index2", str(columns[1]))],
            "model": {"equations": [f"index1 ~ index2 + {control1}", f"index2 ~ index1 + {control2}"]}}


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
    if not panel.get("group"):  # no group column: no group order and no system per group (Table 9)
        panel["group_order"] = []
        if study.get("model"):
            study["model"] = {**study["model"], "heterogeneity": False}

    study["indices"] = [_rename_index(index, mapping) for index in study.get("indices") or []]
    emptied = [index["label"] or index["name"] for index in study["indices"] if not index["dimensions"]]
    if emptied:
        raise UserError([Problem(f"index '{name}' would have no indicator left: match at least one of its columns, "
                                 "or remove the index in the Study tab") for name in emptied])

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
        raise UserError("an index needs a name: the equations and the coupling refer to it")
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
        raise UserError(f"equation '{eq.name}' would have no regressor left: match at least one of its columns, "
                        "or change the equation in the Study tab")
    name = eq.name if eq.name != eq.dependent.name else dependent.name
    return equation_text(Equation(name, dependent, regressors, eq.intercept))
