"""Guesses from a new file's column names and values: panel keys, cost indicators and a first study that runs.

Pure functions (no Streamlit): the app shows every guess for review before it is used.
"""
from __future__ import annotations

import difflib
import re
import unicodedata

import pandas as pd

from analysis.errors import Problem, UserError
from analysis.formula import Term
from analysis.methods import METHOD_NAMES

from .edits import numeric_columns

# Cost indicators (direction "-"): emissions, pollution, unemployment, consumption per unit of output, costs. Words
# that make the same indicator a benefit (treatment of pollution, utilisation of waste) win over them.
_COST = re.compile(r"emission|emit|pollut|consumption|cost|so2|co2|nox|discharge|waste|per[ _]?(unit|output|gdp)|"
                   r"unemp|accident|poverty|排放|污染|能耗|消耗|成本|单位|失业|废|贫困", re.IGNORECASE)
_BENEFIT = re.compile(r"treat|utili[sz]|invest|control|remov|recycl|治理|处理|利用|投资", re.IGNORECASE)

_IDENTIFIER = re.compile(r"code|(^|_)id$|代码|编码|编号", re.IGNORECASE)  # numeric, but names things: no indicator

# Panel keys by column name, most telling pattern first. A region is a group when a finer entity column exists.
TIME_NAMES = [r"^(year|yr|period|time|date)s?$", r"year|period|年份|^年$|年度|时间|日期"]
ENTITY_NAMES = [r"^(province|state|county|city|country|district|prefecture|municipality|entity)s?(_|$)",
                r"(?<![a-z])(province|state|county|city|country|district|prefecture)|省|城市|地区|地级市|县|国家",
                r"^(firm|company|id|code|name)s?(_|$)|企业|公司|代码",
                r"^(region|area)s?$"]
GROUP_NAMES = [r"^(region|area|zone|group|macro_?region|continent)s?$", r"region|zone|区域|地带|板块|分组"]

DUPLICATE_KEYS = ("duplicate_pair", "duplicate_entity", "duplicate_period")  # analysis.data's repeated panel keys
MIN_GROUP_ROWS = 20  # a group's system (Table 9) needs rows well above its instruments
ROLES = ("Index 1", "Index 2", "Control", "Leave out")
PLAN_COLUMNS = ["Column", "Use", "Direction"]


def guess_direction(*names: str) -> str:
    """'-' for a cost indicator, judged by its column name and label; '+' otherwise."""
    text = " ".join(n for n in names if n)
    return "-" if _COST.search(text) and not _BENEFIT.search(text) else "+"


def _ranked(columns, patterns: list[str], skip=()) -> list:
    """Columns matching any pattern, the best-matching pattern first, then in file order."""
    rank = {}
    for column in columns:
        if column in skip:
            continue
        found = next((k for k, p in enumerate(patterns) if re.search(p, str(column), re.IGNORECASE)), None)
        if found is not None:
            rank[column] = found
    return sorted(rank, key=lambda c: rank[c])


def _unique_rows(frame: pd.DataFrame, keys: list) -> bool:
    return not frame.duplicated([k for k in keys if k is not None]).any()


def _coarser(frame: pd.DataFrame, group, entity) -> bool:
    """Each entity in one group, and fewer groups than entities: the group column can group the entities."""
    if entity is None or frame.empty:
        return True
    one_each = frame.groupby(entity, sort=False)[group].nunique().max() <= 1
    return bool(one_each and frame[group].nunique() < frame[entity].nunique())


def guess_keys(frame: pd.DataFrame) -> dict[str, str | None]:
    """Entity, time and group columns judged by their names, checked against the values: the entity is the first
    candidate under which each (entity, period) appears once, the group one each entity belongs to alone."""
    time = next(iter(_ranked(frame.columns, TIME_NAMES)), None)
    candidates = _ranked(frame.columns, ENTITY_NAMES, skip={time})
    text = [c for c in frame.columns if c not in candidates and c != time and not pd.api.types.is_numeric_dtype(frame[c])]
    entity = next((c for c in candidates + text if _unique_rows(frame, [c, time])), candidates[0] if candidates else None)
    groups = [c for c in _ranked(frame.columns, GROUP_NAMES, skip={time, entity}) if _coarser(frame, c, entity)]
    return {"entity": entity, "time": time, "group": groups[0] if groups else None}


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


def duplicate_hint(problems, keys) -> str | None:
    """The app catalogue's key of one line for the commonest onboarding mistake: repeated (entity, period) rows mean
    the entity is not set."""
    if not any(p.code in DUPLICATE_KEYS for p in problems):
        return None
    return "duplicates" if keys.entity else "duplicates_period"


def repeated_periods(frame: pd.DataFrame, keys: dict[str, str | None]) -> bool:
    """Whether some (entity, period) of these keys has more than one row."""
    return bool(keys.get("time")) and not _unique_rows(frame, [keys.get("entity"), keys["time"]])


# ---------------------------------------------------------------- a first study


def starter_plan(frame: pd.DataFrame, keys: dict[str, str | None]) -> pd.DataFrame:
    """What each numeric column does in a first study: two indices of indicators, then controls at the end (four
    when there are enough columns, so that Table 8 can drop one from each equation); directions from the names."""
    usable = [c for c in numeric_columns(frame) if c not in keys.values() and not _IDENTIFIER.search(str(c))
              and frame[c].nunique() > 1]
    controls = 4 if len(usable) >= 8 else 2
    indicators = max(len(usable) - controls, 0)
    first = (indicators + 1) // 2
    uses = ["Index 1"] * first + ["Index 2"] * (indicators - first) + ["Control"] * min(controls, len(usable))
    return pd.DataFrame({"Column": [str(c) for c in usable], "Use": uses,
                         "Direction": [guess_direction(str(c)) for c in usable]}, columns=PLAN_COLUMNS)


def starter_study(frame: pd.DataFrame, title: str, keys: dict | None = None, plan: pd.DataFrame | None = None,
                  iterated: bool = False) -> dict:
    """A first study on a new panel, as a study dict: the guessed (or reviewed) keys and plan, coupling of the two
    indices where it is defined, a two-equation system by OLS, 2SLS and 3SLS (iterated 3SLS on request), robustness
    drops of the second controls, and heterogeneity by group when every group has enough rows."""
    keys = guess_keys(frame) if keys is None else keys
    plan = starter_plan(frame, keys) if plan is None else plan
    if plan.empty:
        raise UserError(Problem.of("starter_no_numeric_columns"))
    if len(plan) < 4:
        raise UserError(Problem.of("starter_too_few_columns", count=len(plan), columns=tuple(plan["Column"])))
    uses = {use: [(r["Column"], r["Direction"]) for r in plan.to_dict(orient="records") if r["Use"] == use] for use in ROLES}
    controls = [Term(c).name for c, _ in uses["Control"]]
    problems = [Problem.of("starter_index_without_indicators", number=k + 1) for k, use in enumerate(ROLES[:2])
                if not uses[use]]
    if len(controls) < 2:
        problems.append(Problem.of("starter_needs_two_controls"))
    if problems:
        raise UserError(problems)
    first, second = controls[0::2], controls[1::2]
    used = [c for c, _ in uses["Index 1"] + uses["Index 2"]] + [c for c, _ in uses["Control"]]
    model = {"equations": [f"index1 ~ index2 + {' + '.join(first)}", f"index2 ~ index1 + {' + '.join(second)}"],
             "methods": [m for m in METHOD_NAMES if iterated or m != "i3sls"],  # iterated 3SLS on request
             "robustness": first[1:] + second[1:],
             "heterogeneity": _groups_large_enough(frame, keys.get("group"))}
    study = {"title": title, "panel": {role: column for role, column in keys.items() if column},
             "data": {"missing": "listwise" if frame[used].isna().any().any() else "error"},
             "indices": [_index("index1", "Index 1", uses["Index 1"]), _index("index2", "Index 2", uses["Index 2"])],
             "model": model}
    if _coupling_defined(frame[used], uses["Index 1"], uses["Index 2"]):
        study["coupling"] = {"indices": ["index1", "index2"]}
    return study


def _index(name: str, label: str, indicators: list[tuple[str, str]]) -> dict:
    return {"name": name, "label": label, "dimensions": [{"name": label, "indicators": [
        {"column": column, "label": column, "direction": direction} for column, direction in indicators]}]}


def _groups_large_enough(frame: pd.DataFrame, group: str | None) -> bool:
    if not group:
        return False
    sizes = frame[group].value_counts()
    return len(sizes) > 1 and bool(sizes.min() >= MIN_GROUP_ROWS)


def _coupling_defined(frame: pd.DataFrame, first: list[tuple[str, str]], second: list[tuple[str, str]]) -> bool:
    """False when some row is the worst on every indicator of both indices: both indices are 0 there and C = 0/0."""
    def worst(column: str, direction: str) -> pd.Series:
        values = frame[column]
        return values == (values.min() if direction == "+" else values.max())
    at_zero = pd.concat([worst(c, d) for c, d in first + second], axis=1).all(axis=1)
    return not at_zero.any()
