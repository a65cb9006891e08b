"""The study file: everything an author decides, in one TOML document they can edit and reload."""
from __future__ import annotations

import tomllib
from functools import cached_property
from pathlib import Path
from typing import Annotated, Literal

import tomli_w
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from .errors import Problem, UserError
from .formula import Equation, parse_equation
from .methods import METHOD_NAMES

MethodName = Literal[METHOD_NAMES]
TABLE1_LEVELS = (
    "Extreme dissonance", "Severe dissonance", "Moderate dissonance", "Mild dissonance",
    "Near dissonance", "Barely coordinated", "Primary coordination", "Intermediate coordination",
    "Good coordination", "Quality coordination",
)


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PanelKeys(_Section):
    """Which columns identify a row; all optional (a time series has only ``time``)."""

    entity: str | None = None
    time: str | None = None
    group: str | None = None
    group_order: list[str] = []
    group_labels: dict[str, str] = {}  # printed name of a group value, e.g. { 1 = "New England" }
    entity_labels: dict[str, str] = {}  # printed name of an entity value


class DataSettings(_Section):
    """Where the data came from and how gaps are treated."""

    source: str = ""
    synthetic: bool = False
    missing: Literal["error", "listwise"] = "error"


class Indicator(_Section):
    column: str
    label: str = ""
    direction: Literal["+", "-"] = "+"
    weight: float | None = Field(default=None, ge=0)


class Dimension(_Section):
    name: str
    indicators: list[Indicator] = Field(min_length=1)


class Index(_Section):
    """A composite index built from indicator columns grouped in dimensions."""

    name: str
    label: str = ""
    method: Literal["entropy", "critic", "equal", "fixed"] = "entropy"
    scope: Literal["pooled", "per_period"] = "pooled"
    zero_handling: Literal["zero", "shift", "squeeze"] = "zero"
    epsilon: float = Field(default=0.0001, gt=0, lt=0.5)
    dimensions: list[Dimension] = Field(min_length=1)

    @property
    def indicators(self) -> list[tuple[str, Indicator]]:
        """(dimension name, indicator) pairs in study order."""
        return [(d.name, i) for d in self.dimensions for i in d.indicators]

    @model_validator(mode="after")
    def _fixed_weights_given(self):
        if self.method == "fixed":
            missing = [i.column for _, i in self.indicators if i.weight is None]
            if missing:
                raise ValueError(f"method 'fixed' needs a weight for every indicator; missing for {', '.join(missing)}")
        return self


class Coupling(_Section):
    """Coupling coordination of two indices: C, T = a*U1 + b*U2, D = sqrt(C*T)."""

    indices: tuple[str, str]
    a: float = Field(default=0.5, ge=0, le=1)
    b: float = Field(default=0.5, ge=0, le=1)
    formula: Literal["standard", "wang2021"] = "standard"
    mode: Literal["entity", "replication"] = "entity"
    rescale: tuple[float, float] = (0.01, 0.99)
    levels: list[str] = Field(default=list(TABLE1_LEVELS), min_length=10, max_length=10)

    @model_validator(mode="after")
    def _weights_sum_to_one(self):
        if abs(self.a + self.b - 1) > 1e-9:
            raise ValueError(f"a + b must equal 1 (got a = {self.a}, b = {self.b})")
        return self

    @field_validator("rescale")
    @classmethod
    def _unit_interval(cls, bounds: tuple[float, float]) -> tuple[float, float]:
        low, high = bounds
        if not 0 <= low < high <= 1:
            raise ValueError(f"[{low:g}, {high:g}] must lie within [0, 1], its lower bound below its upper")
        return bounds


class Model(_Section):
    """A system of equations estimated as Stata's reg3 does."""

    equations: list[str] = Field(min_length=1)
    endogenous: list[str] = []
    exogenous: list[str] = []
    methods: list[MethodName] = list(METHOD_NAMES)
    covariance: Literal["unadjusted", "robust", "clustered"] = "unadjusted"
    robustness: list[str | list[str]] = []
    robustness_instruments: Literal["drop", "keep"] = "drop"
    robustness_method: MethodName = "3sls"
    heterogeneity: bool = False
    heterogeneity_method: MethodName = "3sls"

    @field_validator("equations")
    @classmethod
    def _parse(cls, value: list[str]) -> list[str]:
        names = []
        for k, text in enumerate(value):
            try:
                names.append(parse_equation(text, f"model.equations[{k}]").name)
            except UserError as e:
                raise ValueError(str(e)) from None
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"two equations are named {', '.join(dupes)}: name them Stata-style, 'name: y ~ x'")
        return value

    @cached_property
    def parsed(self) -> list[Equation]:
        return [parse_equation(t) for t in self.equations]

    @property
    def drops(self) -> list[list[str]]:
        """The robustness variants, each the list of regressors it drops."""
        return [[d] if isinstance(d, str) else list(d) for d in self.robustness]


class Variable(_Section):
    label: str = ""
    abbreviation: str = ""


class TableSettings(_Section):
    """How numbers are printed; the notes of every table state these choices."""

    decimals: int = Field(default=3, ge=0, le=8)
    decimals_by_table: dict[str, Annotated[int, Field(ge=0, le=8)]] = {}  # per-table overrides, e.g. { table4 = 4 } for weights
    stars: Literal["stata", "conventional", "none"] = "stata"
    inference: Literal["se", "t", "p"] = "se"
    intercept: str = "Constant"  # "_cons" for a Stata look
    names: Literal["label", "abbreviation"] = "label"  # abbreviations (where defined) in tables, equations and text
    statistics: Literal["model", "raw"] = "model"  # Table 3 after ln() as the model uses them, or raw columns
    titles: dict[str, str] = {}


class Study(_Section):
    """A whole study: panel keys, indices, coupling, model, labels and table settings."""

    title: str = "Untitled study"
    panel: PanelKeys = PanelKeys()
    data: DataSettings = DataSettings()
    indices: list[Index] = []
    coupling: Coupling | None = None
    model: Model | None = None
    variables: dict[str, Variable] = {}
    tables: TableSettings = TableSettings()

    def label(self, name: str) -> str:
        """Display label of a variable or index, falling back to its name."""
        if name in self.variables and self.variables[name].label:
            return self.variables[name].label
        for index in self.indices:
            if index.name == name and index.label:
                return index.label
        return name

    def value_label(self, column: str | None, value) -> str:
        """Printed name of a value of the group or entity column, falling back to the value itself."""
        labels = {self.panel.group: self.panel.group_labels, self.panel.entity: self.panel.entity_labels}.get(column, {})
        return labels.get(str(value), str(value))

    def title_of(self, table_id: str, default: str) -> str:
        return self.tables.titles.get(table_id, default)


def _key_path(loc: tuple) -> str:
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        elif part in ("str", "list[str]", "function-after[_parse(), list[str]]") or str(part).startswith(("function-", "literal[")):
            continue
        else:
            path += f".{part}" if path else str(part)
    return path or "(top level)"


def _problems(error: ValidationError) -> list[Problem]:
    out = []
    for e in error.errors():
        message = e["msg"].removeprefix("Value error, ")
        if e["type"] == "extra_forbidden":
            message = "unknown key (misspelt, or in the wrong section?)"
        elif e["type"] == "missing":
            message = "required key is missing"
        out.append(Problem(message, key=_key_path(e["loc"])))
    unique = list(dict.fromkeys(out))
    return unique


def _cross_references(study: Study) -> list[Problem]:
    """Checks that span sections, each naming the key to fix."""
    problems = []
    names = [i.name for i in study.indices]
    for k, name in enumerate(names):
        if name in names[:k]:
            problems.append(Problem(f"two indices are named {name}", key=f"indices[{k}].name"))
    if study.coupling:
        unknown = [n for n in study.coupling.indices if n not in names]
        if unknown:
            problems.append(Problem(f"names {', '.join(unknown)}, which is not an index of this study "
                                    f"({', '.join(names) or 'none defined'})", key="coupling.indices"))
    if study.model and study.model.heterogeneity and not study.panel.group:
        problems.append(Problem("needs panel.group, the column that names each entity's group", key="model.heterogeneity"))
    if study.model and study.model.covariance == "clustered" and not study.panel.entity:
        problems.append(Problem("clustered standard errors need panel.entity, the clustering column", key="model.covariance"))
    return problems


def study_from_dict(data: dict) -> Study:
    """Validate a parsed study file; every problem names its key path."""
    try:
        study = Study.model_validate(data)
    except ValidationError as e:
        raise UserError(_problems(e)) from None
    problems = _cross_references(study)
    if problems:
        raise UserError(problems)
    return study


def loads(text: str) -> Study:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise UserError(Problem(f"the study file is not valid TOML: {e}")) from None
    return study_from_dict(data)


def load(path: str | Path) -> Study:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise UserError(f"study file not found: {path}") from None
    except UnicodeDecodeError:
        raise UserError(f"study file {path} is not UTF-8 text") from None
    return loads(text)


def dumps(study: Study) -> str:
    """TOML text that loads back to an equal Study."""
    return tomli_w.dumps(study.model_dump(mode="json", exclude_none=True))
