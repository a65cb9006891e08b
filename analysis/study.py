"""The study file: everything an author decides, in one TOML document they can edit and reload."""
from __future__ import annotations

import difflib
import tomllib
import typing
from functools import cached_property
from pathlib import Path
from typing import Annotated, Literal

import tomli_w
from pydantic import (AfterValidator, BaseModel, Field, StrictBool, StrictInt, StrictStr, Strict,
                      ValidationError, field_validator, model_validator)

from .errors import Problem, UserError
from .formula import INTERCEPT, Equation, parse_equation, parse_term
from .methods import METHOD_NAMES
from .sections import (Dagum, Density, Development, Lisa, Markov, Moran, Obstacle, Section, SpatialWeights,
                       chapter_problems)
from .table import STAR_THRESHOLDS
from .text import clean_text, decode_text, unsafe_characters, unsettable_characters

MAX_EQUATIONS = 20  # a system of 50 equations takes over ten minutes to estimate
MAX_ROBUSTNESS = 20  # Table 8 columns, one system estimated each
MAX_FILE_BYTES = 1_000_000
TABLE_IDS = tuple(f"table{k}" for k in range(1, 10)) + ("diagnostics",)
# Columns of the results the program computes: an index may not take one of these names.
COMPUTED = ("U1", "U2", "C", "T", "D", "level", "period", "entity", "group", INTERCEPT)
# Word keeps a document's title and author in its core properties, 255 characters at most; the tables
# document's title is the study title followed by ": tables and figures".
WORD_PROPERTY = 255
TITLE_LENGTH = WORD_PROPERTY - len(": tables and figures")


def printable(text: str) -> str:
    """The text, or a ValueError naming the characters the LaTeX manuscript cannot print."""
    bad = unsettable_characters(text)
    if bad:
        raise ValueError(f"contains {', '.join(bad)}, which the LaTeX manuscript cannot print; remove or replace "
                         f"{'it' if len(bad) == 1 else 'them'}")
    return text


def _text(text: str) -> str:
    """Display text: one line, NFC, without control characters, and printable in every format."""
    return printable(clean_text(text, single_line=True))


def _name(name: str) -> str:
    """A column or index name is matched exactly against the data: refused, not cleaned."""
    if not name.strip():
        raise ValueError("is empty; give a name")
    unsafe = unsafe_characters(name)
    if unsafe:
        raise ValueError(f"contains {', '.join(unsafe)} (control or separator characters); remove them")
    return printable(name)


def _title(title: str) -> str:
    if len(title) > TITLE_LENGTH:
        raise ValueError(f"has {len(title)} characters; at most {TITLE_LENGTH}, as Word keeps a document title of at "
                         f"most {WORD_PROPERTY} and the tables document adds ': tables and figures'")
    return title


Text = Annotated[StrictStr, AfterValidator(_text)]
Name = Annotated[StrictStr, AfterValidator(_name)]
Number = Annotated[float, Strict()]
MethodName = Literal[METHOD_NAMES]
StarRule = Literal[tuple(STAR_THRESHOLDS)]
TABLE1_LEVELS = (
    "Extreme dissonance", "Severe dissonance", "Moderate dissonance", "Mild dissonance",
    "Near dissonance", "Barely coordinated", "Primary coordination", "Intermediate coordination",
    "Good coordination", "Quality coordination",
)


class PanelKeys(Section):
    """Which columns identify a row; all optional (a time series has only ``time``)."""

    entity: Name | None = None
    time: Name | None = None
    group: Name | None = None
    group_order: list[Name] = []  # group values, matched exactly against the data
    group_labels: dict[str, Text] = {}  # printed name of a group value, e.g. { 1 = "New England" }
    entity_labels: dict[str, Text] = {}  # printed name of an entity value


class DataSettings(Section):
    """Where the data came from and how gaps are treated."""

    source: Text = ""
    synthetic: StrictBool = False
    missing: Literal["error", "listwise"] = "error"


class Indicator(Section):
    column: Name
    label: Text = ""
    direction: Literal["+", "-"] = "+"
    weight: Number | None = Field(default=None, ge=0)


class Dimension(Section):
    name: Annotated[Text, AfterValidator(_name)]
    indicators: list[Indicator] = Field(min_length=1)


class Index(Section):
    """A composite index built from indicator columns grouped in dimensions."""

    name: Name
    label: Text = ""
    method: Literal["entropy", "critic", "equal", "fixed"] = "entropy"
    scope: Literal["pooled", "per_period"] = "pooled"
    zero_handling: Literal["zero", "shift", "squeeze"] = "zero"
    epsilon: Number = Field(default=0.0001, gt=0, lt=0.5)
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


class Coupling(Section):
    """Coupling coordination of two indices: C, T = a*U1 + b*U2, D = sqrt(C*T)."""

    indices: tuple[Name, Name]
    a: Number = Field(default=0.5, ge=0, le=1)
    b: Number = Field(default=0.5, ge=0, le=1)
    formula: Literal["standard", "wang2021"] = "standard"
    mode: Literal["entity", "replication"] = "entity"
    rescale: tuple[Number, Number] = (0.01, 0.99)
    levels: list[Text] = Field(default=list(TABLE1_LEVELS), min_length=10, max_length=10)

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


class Model(Section):
    """A system of equations estimated as Stata's reg3 does."""

    equations: list[StrictStr] = Field(min_length=1)
    endogenous: list[StrictStr] = []
    exogenous: list[StrictStr] = []
    methods: list[MethodName] = list(METHOD_NAMES)
    covariance: Literal["unadjusted", "robust", "clustered"] = "unadjusted"
    robustness: list[StrictStr | list[StrictStr]] = []
    robustness_instruments: Literal["drop", "keep"] = "drop"
    robustness_method: MethodName = "3sls"
    heterogeneity: StrictBool = False
    heterogeneity_method: MethodName = "3sls"

    @field_validator("equations")
    @classmethod
    def _parse(cls, value: list[str]) -> list[str]:
        if len(value) > MAX_EQUATIONS:
            raise ValueError(f"{len(value)} equations; a system may have at most {MAX_EQUATIONS} (estimating one "
                             "grows with the cube of its size)")
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

    @field_validator("endogenous", "exogenous")
    @classmethod
    def _terms(cls, value: list[str], info) -> list[str]:
        for k, text in enumerate(value):
            try:
                parse_term(text, f"model.{info.field_name}[{k}]")
            except UserError as e:
                raise ValueError(str(e)) from None
        return value

    @field_validator("robustness")
    @classmethod
    def _few_variants(cls, value: list) -> list:
        if len(value) > MAX_ROBUSTNESS:
            raise ValueError(f"{len(value)} variants; Table 8 takes at most {MAX_ROBUSTNESS}")
        return value

    @cached_property
    def parsed(self) -> list[Equation]:
        return [parse_equation(t) for t in self.equations]

    @property
    def drops(self) -> list[list[str]]:
        """The robustness variants, each the list of regressors it drops."""
        return [[d] if isinstance(d, str) else list(d) for d in self.robustness]


class Variable(Section):
    label: Text = ""
    abbreviation: Text = ""


class TableSettings(Section):
    """How numbers are printed; the notes of every table state these choices."""

    decimals: StrictInt = Field(default=3, ge=0, le=8)
    decimals_by_table: dict[str, Annotated[StrictInt, Field(ge=0, le=8)]] = {}  # per-table overrides, e.g. { table4 = 4 } for weights
    stars: StarRule = "stata"
    inference: Literal["se", "t", "p", "ci"] = "se"
    intercept: str = "Constant"  # "_cons" for a Stata look
    names: Literal["label", "abbreviation"] = "label"  # abbreviations (where defined) in tables, equations and text
    statistics: Literal["model", "raw"] = "model"  # Table 3 after ln() as the model uses them, or raw columns
    titles: dict[str, Text] = {}

    @field_validator("titles")
    @classmethod
    def _known_tables(cls, titles: dict[str, str]) -> dict[str, str]:
        unknown = [t for t in titles if t not in TABLE_IDS]
        if unknown:
            raise ValueError(f"{', '.join(unknown)} is not a table of the report; the tables are {', '.join(TABLE_IDS)}")
        return titles


class DocumentSettings(Section):
    """How the documents are written: their language and the journal whose conventions they follow."""

    language: Literal["en", "zh", "zh+en"] = "en"  # zh+en: Chinese documents with bilingual captions
    profile: Literal["generic", "elsevier", "chinese-core"] = "generic"
    headings: Literal["decimal", "chinese"] = "decimal"  # 1 / 1.1 / 1.1.1, or 一、（一）1.（1）
    source_note: Literal["first", "every"] = "first"  # the data source under the first table only, or under every one


class MapSettings(Section):
    """The base map of the province maps: the author's standard map and its approval number, or the schematic outline."""

    base: StrictStr = ""  # a GeoJSON or Shapefile (.shp) path; empty: [spatial].boundary if given, else the shipped outline
    name_field: StrictStr = ""  # the property naming each feature as the panel names entities; empty: any property
    approval: Text = ""  # the map's approval number (审图号), printed in the figure note


class Study(Section):
    """A whole study: panel keys, indices, coupling, model, labels and table settings."""

    title: Annotated[Text, AfterValidator(_title)] = "Untitled study"
    panel: PanelKeys = PanelKeys()
    data: DataSettings = DataSettings()
    indices: list[Index] = []
    coupling: Coupling | None = None
    model: Model | None = None
    variables: dict[Name, Variable] = {}
    tables: TableSettings = TableSettings()
    document: DocumentSettings = DocumentSettings()
    map: MapSettings = MapSettings()
    spatial: SpatialWeights | None = None  # the optional chapter (analysis/sections.py)
    moran: Moran | None = None
    lisa: Lisa | None = None
    dagum: Dagum | None = None
    density: Density | None = None
    markov: Markov | None = None
    obstacle: Obstacle | None = None
    development: Development | None = None

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


_VALIDATOR_PARTS = ("function-", "literal[", "list[", "tuple[", "dict[", "constrained-")


def _key_path(loc: tuple) -> str:
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        elif part in ("str", "int", "float", "bool", "[key]") or part.startswith(_VALIDATOR_PARTS):
            continue  # pydantic's names for a type, a validator or a dict key, not keys of the file
        else:
            path += f".{part}" if path else str(part)
    return path or "(top level)"


def _model_in(annotation) -> type[BaseModel] | None:
    """The section an annotation holds: itself, or the section inside a list, table or optional value."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    return next((m for a in typing.get_args(annotation) if (m := _model_in(a))), None)


def _section(loc: tuple, root: type[BaseModel]) -> type[BaseModel] | None:
    """The section that holds the key at loc; list positions and table keys stay in the same section."""
    section = root
    for part in loc[:-1]:
        if isinstance(part, str) and part in section.model_fields:
            section = _model_in(section.model_fields[part].annotation)
            if section is None:
                return None
    return section


def _unknown_key(loc: tuple, root: type[BaseModel]) -> str:
    section = _section(loc, root)
    keys = list(section.model_fields) if section else []
    close = difflib.get_close_matches(str(loc[-1]), keys, n=1, cutoff=0.6)
    if close:
        return f"unknown key; did you mean '{close[0]}'?"
    return f"unknown key; the keys here are {', '.join(keys)}" if keys else "unknown key"


_WRITE_AS = {"bool_type": "write true or false, without quotes", "int_type": "write a whole number, without quotes",
             "float_type": "write a number, without quotes", "string_type": "write text in quotes"}


def schema_problems(error: ValidationError, root: type[BaseModel]) -> list[Problem]:
    """One problem per schema error of a file read into root, naming its key and how to write it."""
    out = []
    for e in error.errors():
        message = e["msg"].removeprefix("Value error, ")
        if e["type"] == "extra_forbidden":
            message = _unknown_key(e["loc"], root)
        elif e["type"] == "missing":
            message = "required key is missing"
        elif e["type"] in _WRITE_AS and not isinstance(e["input"], (dict, list)):
            message += f", not {type(e['input']).__name__} {e['input']!r}: {_WRITE_AS[e['type']]}"
        out.append(Problem(message, key=_key_path(e["loc"])))
    return list(dict.fromkeys(out))


def _used_names(study: Study) -> set[str]:
    """Every name a label can belong to: panel keys, indices, indicator columns and model variables."""
    names = {k for k in (study.panel.entity, study.panel.time, study.panel.group) if k}
    if study.spatial and study.spatial.column:
        names.add(study.spatial.column)
    for index in study.indices:
        names |= {index.name} | {i.column for _, i in index.indicators}
    if study.model:
        names |= {t.column for eq in study.model.parsed for t in (eq.dependent, *eq.regressors)}
        names |= {parse_term(t).column for t in study.model.endogenous + study.model.exogenous}
    return names


def _index_problems(study: Study) -> list[Problem]:
    problems, names = [], [i.name for i in study.indices]
    keys = {study.panel.entity: "the entity column (panel.entity)", study.panel.time: "the period column (panel.time)",
            study.panel.group: "the group column (panel.group)"}
    for k, name in enumerate(names):
        if name in names[:k]:
            problems.append(Problem(f"two indices are named {name}", key=f"indices[{k}].name"))
        if name in keys:
            problems.append(Problem(f"{name} is {keys[name]}; give the index another name",
                                    key=f"indices[{k}].name"))
        elif name in COMPUTED:
            problems.append(Problem(f"{name} is a name the results give a computed column or the intercept "
                                    f"({', '.join(COMPUTED)}); give the index another name", key=f"indices[{k}].name"))
    return problems


def _panel_problems(study: Study) -> list[Problem]:
    keys = [("entity", study.panel.entity), ("time", study.panel.time), ("group", study.panel.group)]
    return [Problem(f"is the same column as panel.{first} ({a}); each key needs its own column", key=f"panel.{second}")
            for k, (first, a) in enumerate(keys) for second, b in keys[k + 1:] if a and a == b]


def _coupling_problems(study: Study) -> list[Problem]:
    coupling, names = study.coupling, [i.name for i in study.indices]
    if not coupling:
        return []
    problems = []
    unknown = [n for n in coupling.indices if n not in names]
    if unknown:
        problems.append(Problem(f"names {', '.join(unknown)}, which is not an index of this study "
                                f"({', '.join(names) or 'none defined'})", key="coupling.indices"))
    elif coupling.indices[0] == coupling.indices[1]:
        problems.append(Problem(f"couples {coupling.indices[0]} with itself (C would be 1 by construction); name two "
                                "different indices", key="coupling.indices"))
    if not study.panel.time:
        problems.append(Problem("needs panel.time, the period column: coupling is reported by period", key="coupling"))
    return problems


def _model_problems(study: Study) -> list[Problem]:
    model, keys = study.model, study.panel
    if not model:
        return []
    problems = []
    if model.heterogeneity and not keys.group:
        problems.append(Problem("needs panel.group, the column that names each entity's group", key="model.heterogeneity"))
    if model.covariance == "clustered" and not keys.entity:
        problems.append(Problem("clustered standard errors need panel.entity, the clustering column", key="model.covariance"))
    compared = [what for what, on in (("robustness", model.robustness), ("heterogeneity", model.heterogeneity)) if on]
    if not model.methods and compared:
        problems.append(Problem(f"is empty, but {' and '.join(compared)} compare{'s' if len(compared) == 1 else ''} "
                                "with the main estimates of Table 7; list at least one method", key="model.methods"))
    for k, eq in enumerate(model.parsed):
        for term in (eq.dependent, *eq.regressors):
            role = {keys.entity: "the entity column", keys.group: "the group column"}.get(term.column)
            if role:
                problems.append(Problem(f"uses {term.column}, {role}, which holds names, not numbers",
                                        key=f"model.equations[{k}]"))
    regressors = {t.name for eq in model.parsed for t in eq.regressors}
    for k, drop in enumerate(model.drops):
        try:
            unknown = [d for d in drop if parse_term(d, f"model.robustness[{k}]").name not in regressors]
        except UserError as e:
            problems += e.problems
            continue
        if unknown:
            problems.append(Problem(f"drops {', '.join(unknown)}, which is not a regressor of any equation "
                                    f"(regressors: {', '.join(sorted(regressors))})", key=f"model.robustness[{k}]"))
    return problems


def _cross_references(study: Study) -> list[Problem]:
    """Checks that span sections, each naming the key to fix."""
    return (_index_problems(study) + _panel_problems(study) + _coupling_problems(study) + _model_problems(study)
            + chapter_problems(study))


def _unused_variables(study: Study) -> list[Problem]:
    """Labels for names nothing uses: in a file written by hand, most often a misspelt name."""
    used = _used_names(study)
    problems = []
    for name in study.variables:
        if name not in used:
            close = difflib.get_close_matches(name, sorted(used), n=1, cutoff=0.6)
            hint = f"did you mean '{close[0]}'? " if close else ""
            problems.append(Problem(f"no equation, index, indicator or panel key uses {name}; {hint}delete or rename "
                                    "the entry", key=f"variables.{name}"))
    return problems


def study_from_dict(data: dict) -> Study:
    """Validate a parsed study; every problem names its key path."""
    try:
        study = Study.model_validate(data)
    except ValidationError as e:
        raise UserError(schema_problems(e, Study)) from None
    except RecursionError:
        raise UserError("the study nests tables or arrays too deeply to be a study file") from None
    problems = _cross_references(study)
    if problems:
        raise UserError(problems)
    return study


def loads(text: str) -> Study:
    """A study file's text: valid TOML, the schema, and no label for a name nothing uses."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise UserError(Problem(f"the study file is not valid TOML: {e}")) from None
    except RecursionError:
        raise UserError("the study file nests tables or arrays too deeply to be read") from None
    study = study_from_dict(data)
    problems = _unused_variables(study)
    if problems:
        raise UserError(problems)
    return study


def load(path: str | Path) -> Study:
    return loads(decode_text(read_file(path, "study file"), "study file"))


def read_file(path: str | Path, what: str, max_bytes: int = MAX_FILE_BYTES) -> bytes:
    """The bytes of a file named on a command line; a message for a folder, a missing or unreadable file."""
    path = Path(path)
    if path.is_dir():
        raise UserError(f"the {what} {path} is a folder; name a file")
    if not path.exists():
        raise UserError(f"{what} not found: {path}")
    try:
        with path.open("rb") as file:
            data = file.read(max_bytes + 1)
    except OSError as e:
        raise UserError(f"cannot read the {what} {path}: {e.strerror or e}") from None
    if len(data) > max_bytes:
        raise UserError(f"the {what} {path} is larger than {max_bytes / 1e6:g} MB")
    return data


def dumps(study: Study) -> str:
    """TOML text that loads back to an equal Study; labels of names the study no longer uses are left out."""
    used = _used_names(study)
    kept = study.model_copy(update={"variables": {k: v for k, v in study.variables.items() if k in used}})
    return tomli_w.dumps(kept.model_dump(mode="json", exclude_none=True))
