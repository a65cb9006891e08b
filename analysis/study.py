"""The study file: everything an author decides, in one TOML document they can edit and reload."""
from __future__ import annotations

import datetime
import difflib
import tomllib
import typing
from dataclasses import replace
from functools import cached_property
from pathlib import Path
from typing import Annotated, Literal

import tomli_w
from pydantic import (AfterValidator, BaseModel, Field, StrictBool, StrictInt, StrictStr, Strict,
                      ValidationError, field_validator, model_validator)

from .errors import Invalid, Problem, UserError, Word
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
TABLES_SUFFIX = ": tables and figures"
TITLE_LENGTH = WORD_PROPERTY - len(TABLES_SUFFIX)


def printable(text: str) -> str:
    """The text, or a ValueError naming the characters the LaTeX manuscript cannot print."""
    bad = unsettable_characters(text)
    if bad:
        raise Invalid.of("unprintable_character" if len(bad) == 1 else "unprintable_characters", characters=tuple(bad))
    return text


def _text(text: str) -> str:
    """Display text: one line, NFC, without control characters, and printable in every format."""
    return printable(clean_text(text, single_line=True))


def _name(name: str) -> str:
    """A column or index name is matched exactly against the data: refused, not cleaned."""
    if not name.strip():
        raise Invalid.of("name_empty")
    unsafe = unsafe_characters(name)
    if unsafe:
        raise Invalid.of("name_control_characters", characters=tuple(unsafe))
    return printable(name)


def _title(title: str) -> str:
    if len(title) > TITLE_LENGTH:
        raise Invalid.of("title_too_long", length=len(title), limit=TITLE_LENGTH, word_limit=WORD_PROPERTY,
                         suffix=TABLES_SUFFIX)
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
                raise Invalid.of("fixed_weights_missing", columns=tuple(missing))
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
            raise Invalid.of("coupling_weights_sum", a=self.a, b=self.b)
        return self

    @field_validator("rescale")
    @classmethod
    def _unit_interval(cls, bounds: tuple[float, float]) -> tuple[float, float]:
        low, high = bounds
        if not 0 <= low < high <= 1:
            raise Invalid.of("rescale_bounds", low=low, high=high)
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
            raise Invalid.of("too_many_equations", count=len(value), limit=MAX_EQUATIONS)
        names = []
        for k, text in enumerate(value):
            try:
                names.append(parse_equation(text, f"model.equations[{k}]").name)
            except UserError as e:
                raise Invalid(e.problems[0]) from None
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise Invalid.of("equation_names_repeated", names=tuple(dupes))
        return value

    @field_validator("endogenous", "exogenous")
    @classmethod
    def _terms(cls, value: list[str], info) -> list[str]:
        for k, text in enumerate(value):
            try:
                parse_term(text, f"model.{info.field_name}[{k}]")
            except UserError as e:
                raise Invalid(e.problems[0]) from None
        return value

    @field_validator("robustness")
    @classmethod
    def _few_variants(cls, value: list) -> list:
        if len(value) > MAX_ROBUSTNESS:
            raise Invalid.of("too_many_robustness", count=len(value), limit=MAX_ROBUSTNESS)
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
            raise Invalid.of("unknown_table_titles", tables=tuple(unknown), known=TABLE_IDS)
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
    """The key as the file writes it, e.g. indices[0].name; empty for the file as a whole."""
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        elif part in ("str", "int", "float", "bool", "[key]") or part.startswith(_VALIDATOR_PARTS):
            continue  # pydantic's names for a type, a validator or a dict key, not keys of the file
        else:
            path += f".{part}" if path else str(part)
    return path


def _model_in(annotation) -> type[BaseModel] | None:
    """The section an annotation holds: itself, or the section inside a list, table or optional value."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    return next((m for a in typing.get_args(annotation) if (m := _model_in(a))), None)


def _schema_at(loc: tuple, root: type[BaseModel]):
    """The section that holds the last key of loc, and the innermost field loc names: list positions, table keys
    and union members stay in the field that holds them."""
    section, field, table_key = root, None, False
    for part in loc:
        if table_key:  # a key of a table the author names (variables.<name>), not a key of the schema
            table_key = False
        elif section is not None and isinstance(part, str) and part in section.model_fields:
            field = section.model_fields[part]
            section = _model_in(field.annotation)
            table_key = typing.get_origin(field.annotation) is dict
    return section, field


def _literals(annotation) -> tuple:
    """The values a Literal annotation allows, also inside a list or an optional value."""
    if typing.get_origin(annotation) is Literal:
        return typing.get_args(annotation)
    return tuple(value for inner in typing.get_args(annotation) for value in _literals(inner))


def _unknown_key(loc: tuple, root: type[BaseModel], key: str) -> Problem:
    section, _ = _schema_at(loc, root)
    keys = tuple(section.model_fields) if section else ()
    close = difflib.get_close_matches(str(loc[-1]), keys, n=1, cutoff=0.6)
    if close:
        return Problem.of("unknown_key_close", key=key, name=close[0])
    return Problem.of("unknown_key_listed", key=key, keys=keys) if keys else Problem.of("unknown_key", key=key)


# pydantic's error types of a value of the wrong kind: the kind the schema expects ("should_be_" and "write_" words)
_EXPECTED = {"string_type": "text", "bool_type": "boolean", "int_type": "whole_number", "float_type": "number",
             "float_parsing": "number", "list_type": "array", "tuple_type": "array", "dict_type": "table",
             "model_type": "table"}
_SCALARS = ("str", "bool", "int", "float", "date", "datetime", "time")  # TOML's single values, printed as found
_NESTED = {"list": "type_list", "tuple": "type_list", "dict": "type_dict", "NoneType": "type_none"}
_BOUNDS = {"greater_than": ("gt", "not_greater_than"), "greater_than_equal": ("ge", "not_greater_or_equal"),
           "less_than": ("lt", "not_less_than"), "less_than_equal": ("le", "not_less_or_equal")}
SHOWN_VALUE = 40  # characters of a wrong value repeated in its message


def _wrong_type(expected: str, value, key: str) -> Problem:
    """A value of the wrong kind: what the key takes, what was found and how to write it."""
    fields = {"expected": Word(f"should_be_{expected}"), "how": Word(f"write_{expected}")}
    kind = type(value).__name__
    if kind not in _SCALARS:
        return Problem.of("wrong_type_of", key=key, kind=Word(_NESTED.get(kind, "type_other")), **fields)
    shown = value.isoformat() if isinstance(value, (datetime.date, datetime.time)) else repr(value)
    if len(shown) > SHOWN_VALUE:
        shown = shown[:SHOWN_VALUE - 3] + "..."
    return Problem.of("wrong_type", key=key, kind=Word(f"type_{kind}"), value=shown, **fields)


def _bound(value):
    return int(value) if float(value).is_integer() else value


def _schema_problem(error: dict, root: type[BaseModel], key: str) -> Problem:
    """The catalogue's message for one of pydantic's errors; its own text for a type no study key produces."""
    kind, ctx = error["type"], error.get("ctx") or {}
    if kind == "extra_forbidden":
        return _unknown_key(error["loc"], root, key)
    if kind == "missing":
        return Problem.of("key_missing", key=key)
    if kind in _EXPECTED:
        return _wrong_type(_EXPECTED[kind], error["input"], key)
    if kind in _BOUNDS:
        bound, code = _BOUNDS[kind]
        return Problem.of(code, key=key, bound=_bound(ctx[bound]))
    if kind == "too_short":
        if ctx["min_length"] == 1:
            return Problem.of("list_empty", key=key)
        return Problem.of("too_few_items", key=key, minimum=ctx["min_length"], count=ctx["actual_length"])
    if kind == "too_long":
        return Problem.of("too_many_items", key=key, maximum=ctx["max_length"], count=ctx["actual_length"])
    choices = _literals(_schema_at(error["loc"], root)[1].annotation) if kind == "literal_error" else ()
    if len(choices) > 1:
        return Problem.of("not_a_choice", key=key, choices=tuple(map(repr, choices[:-1])), last=repr(choices[-1]))
    return Problem.of("invalid_value", key=key, reason=error["msg"].removeprefix("Value error, "))


def schema_problems(error: ValidationError, root: type[BaseModel]) -> list[Problem]:
    """One problem per schema error of a file read into root, naming its key and how to write it. A validator's
    problem (raised as Invalid) keeps its message, at its own key or else at the key pydantic reports."""
    out = []
    for e in error.errors():
        key = _key_path(e["loc"])
        carried = getattr((e.get("ctx") or {}).get("error"), "problem", None)
        out.append(replace(carried, key=carried.key or key) if carried else _schema_problem(e, root, key))
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


def _key_columns(study: Study) -> dict[str, tuple[str, str]]:
    """Each panel key's column: its role (a catalogue word) and its key in the file."""
    keys = study.panel
    return {column: (role, key) for column, role, key in ((keys.entity, "entity_column", "panel.entity"),
                                                          (keys.time, "period_column", "panel.time"),
                                                          (keys.group, "group_column", "panel.group")) if column}


def _index_problems(study: Study) -> list[Problem]:
    problems, names, keys = [], [i.name for i in study.indices], _key_columns(study)
    for k, name in enumerate(names):
        where = f"indices[{k}].name"
        if name in names[:k]:
            problems.append(Problem.of("index_name_repeated", key=where, name=name))
        if name in keys:
            role, key = keys[name]
            problems.append(Problem.of("index_named_like_key", key=where, name=name, role=Word(role), column_key=key))
        elif name in COMPUTED:
            problems.append(Problem.of("index_named_like_result", key=where, name=name, names=COMPUTED))
    return problems


def _panel_problems(study: Study) -> list[Problem]:
    keys = [("entity", study.panel.entity), ("time", study.panel.time), ("group", study.panel.group)]
    return [Problem.of("panel_keys_same_column", key=f"panel.{second}", first=first, shared=a)
            for k, (first, a) in enumerate(keys) for second, b in keys[k + 1:] if a and a == b]


def _coupling_problems(study: Study) -> list[Problem]:
    coupling, names = study.coupling, [i.name for i in study.indices]
    if not coupling:
        return []
    problems = []
    unknown = tuple(n for n in coupling.indices if n not in names)
    if unknown and names:
        problems.append(Problem.of("coupling_index_unknown", key="coupling.indices", names=unknown, indices=tuple(names)))
    elif unknown:
        problems.append(Problem.of("coupling_index_unknown_none", key="coupling.indices", names=unknown))
    elif coupling.indices[0] == coupling.indices[1]:
        problems.append(Problem.of("coupling_index_twice", key="coupling.indices", name=coupling.indices[0]))
    if not study.panel.time:
        problems.append(Problem.of("coupling_needs_time", key="coupling"))
    return problems


def _model_problems(study: Study) -> list[Problem]:
    model, keys = study.model, study.panel
    if not model:
        return []
    problems = []
    if model.heterogeneity and not keys.group:
        problems.append(Problem.of("needs_group_column", key="model.heterogeneity"))
    if model.covariance == "clustered" and not keys.entity:
        problems.append(Problem.of("clustered_needs_entity", key="model.covariance"))
    compared = [what for what, on in (("robustness", model.robustness), ("heterogeneity", model.heterogeneity)) if on]
    if not model.methods and len(compared) == 2:
        problems.append(Problem.of("methods_empty_both", key="model.methods"))
    elif not model.methods and compared:
        problems.append(Problem.of("methods_empty", key="model.methods", compared=Word(compared[0])))
    names = {column: role for column, (role, _) in _key_columns(study).items() if role != "period_column"}
    for k, eq in enumerate(model.parsed):
        for term in (eq.dependent, *eq.regressors):
            if term.column in names:
                problems.append(Problem.of("equation_uses_key_column", key=f"model.equations[{k}]", term=term.column,
                                           role=Word(names[term.column])))
    regressors = {t.name for eq in model.parsed for t in eq.regressors}
    for k, drop in enumerate(model.drops):
        try:
            unknown = tuple(d for d in drop if parse_term(d, f"model.robustness[{k}]").name not in regressors)
        except UserError as e:
            problems += e.problems
            continue
        if unknown:
            problems.append(Problem.of("robustness_drops_unknown", key=f"model.robustness[{k}]", names=unknown,
                                       regressors=tuple(sorted(regressors))))
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
            where = f"variables.{name}"
            problems.append(Problem.of("variable_unused_close", key=where, name=name, close=close[0]) if close
                            else Problem.of("variable_unused", key=where, name=name))
    return problems


def study_from_dict(data: dict) -> Study:
    """Validate a parsed study; every problem names its key path."""
    try:
        study = Study.model_validate(data)
    except ValidationError as e:
        raise UserError(schema_problems(e, Study)) from None
    problems = _cross_references(study)
    if problems:
        raise UserError(problems)
    return study


def loads(text: str) -> Study:
    """A study file's text: valid TOML, the schema, and no label for a name nothing uses."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise UserError(Problem.of("not_valid_toml", what=Word("study_file"), reason=str(e))) from None
    except RecursionError:
        raise UserError(Problem.of("nested_too_deeply", what=Word("study_file"))) from None
    study = study_from_dict(data)
    problems = _unused_variables(study)
    if problems:
        raise UserError(problems)
    return study


def load(path: str | Path) -> Study:
    return loads(decode_text(read_file(path, "study_file"), "study_file"))


def read_file(path: str | Path, what: str, max_bytes: int = MAX_FILE_BYTES) -> bytes:
    """The bytes of a file named on a command line; a message for a folder, a missing or unreadable file. `what`
    names the file by its catalogue word, e.g. "study_file"."""
    path, what = Path(path), Word(what)
    if path.is_dir():
        raise UserError(Problem.of("named_file_is_folder", what=what, path=path))
    if not path.exists():
        raise UserError(Problem.of("named_file_not_found", what=what, path=path))
    try:
        with path.open("rb") as file:
            data = file.read(max_bytes + 1)
    except OSError as e:
        raise UserError(Problem.of("named_file_unreadable", what=what, path=path, reason=e.strerror or str(e))) from None
    if len(data) > max_bytes:
        raise UserError(Problem.of("named_file_too_large", what=what, path=path, limit=max_bytes / 1e6))
    return data


def dumps(study: Study) -> str:
    """TOML text that loads back to an equal Study; labels of names the study no longer uses are left out."""
    used = _used_names(study)
    kept = study.model_copy(update={"variables": {k: v for k, v in study.variables.items() if k in used}})
    return tomli_w.dumps(kept.model_dump(mode="json", exclude_none=True))
