"""The user's panel checked against a study: every problem at once, each located by column, Excel row, entity and
period; names made safe for every renderer; numbers finite. Reading the file itself is analysis.reading's job.

Rows are numbered as the user sees them in Excel: the header is row 1, the first data row is row 2.
"""
from __future__ import annotations

import difflib
import hashlib
import math
from dataclasses import dataclass, field
from functools import cached_property
from numbers import Real
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import Joined, Problem, UserError, Word, first_names
from .formula import Term, parse_term
from .reading import MAX_BYTES, MAX_NAME_CHARS, ROW, parse, read_bytes, read_file, sheet_names
from .study import PanelKeys, Study
from .text import clean_name, unsafe_characters

SHOWN = 5  # cells quoted per column before "and N more"
LISTED_NAMES = 10  # entities or periods a message names before "and N more"
MAX_MAGNITUDE = 1e150  # larger values overflow when squared, as regressions and variances do

__all__ = ["MAX_BYTES", "ROW", "Panel", "load_panel", "read_file", "read_table", "required_columns", "sheet_names",
           "validate"]


def read_table(source: bytes | str | Path, filename: str | None = None, sheet: str | int | None = None,
               max_bytes: int = MAX_BYTES) -> pd.DataFrame:
    """A CSV (UTF-8, UTF-8 with BOM, GBK/GB18030, Windows-1252, UTF-16; comma, semicolon or tab) or XLSX sheet as a frame.

    The index holds each row's Excel row number (header = row 1). Cells that read as numbers become
    numbers (the file's decimal mark and thousands separators, full-width digits and surrounding spaces allowed);
    other cells stay text. Warnings found while reading (the encoding or decimal mark assumed, characters removed
    from a header, a macro-enabled workbook) ride in ``frame.attrs["problems"]`` for validate().
    """
    data, name = read_bytes(source, max_bytes)
    return parse(data, filename or name, sheet)


# ---------------------------------------------------------------- validating


@dataclass
class Panel:
    """The validated data and what was found while checking it."""

    frame: pd.DataFrame  # validated data used for computing (after listwise deletion when chosen)
    problems: list[Problem]  # warnings; errors raise instead
    dropped: pd.DataFrame  # rows removed by listwise deletion, with their Excel row and the reason
    source: str | pd.DataFrame  # sha256 of the uploaded bytes, or the frame as given, whose checksum is made if asked
    keys: PanelKeys = field(default_factory=PanelKeys)
    missing: dict[str, int] = field(default_factory=dict)  # missing cells per used column, before deletion

    @cached_property
    def checksum(self) -> str:
        """sha256 of the uploaded bytes, or of the given frame's column names and row hashes: only a report's bundle
        records it, so a frame's is made when first asked for."""
        return self.source if isinstance(self.source, str) else _frame_checksum(self.source)

    def summary(self) -> dict:
        """Counts an author checks first: entities, periods, rows, balance, missing cells, groups."""
        frame, keys = self.frame, self.keys
        periods = sorted(frame[keys.time].unique()) if keys.time else []
        groups = {}
        if keys.group:
            for name in _group_order(frame[keys.group], keys.group_order):
                rows = frame[frame[keys.group] == name]
                groups[name] = {"entities": rows[keys.entity].nunique() if keys.entity else None, "rows": len(rows)}
        return {
            "entities": frame[keys.entity].nunique() if keys.entity else None,
            "periods": len(periods),
            "first_period": _plain(periods[0]) if periods else None,
            "last_period": _plain(periods[-1]) if periods else None,
            "rows": len(frame),
            "balanced": not _gaps(frame, keys),
            "missing": dict(self.missing),
            "dropped": len(self.dropped),
            "groups": groups,
        }


def _plain(value):
    return value.item() if hasattr(value, "item") else value


def required_columns(study: Study) -> list[str]:
    """Every data column the study uses: panel keys, indicators, model variables and extras (not computed indices)."""
    keys = [c for c in (study.panel.entity, study.panel.time, study.panel.group) if c]
    indicators = [i.column for index in study.indices for _, i in index.indicators]
    index_names = {index.name for index in study.indices}
    model = [t.column for t in _model_terms(study) if t.column not in index_names]
    return list(dict.fromkeys(keys + indicators + model))


def _model_terms(study: Study) -> list[Term]:
    if not study.model:
        return []
    terms = [t for eq in study.model.parsed for t in (eq.dependent, *eq.regressors)]
    extras = study.model.exogenous + study.model.endogenous
    return terms + [parse_term(text, f"model.{'exogenous' if k < len(study.model.exogenous) else 'endogenous'}")
                    for k, text in enumerate(extras)]


def load_panel(source: bytes | str | Path, study: Study, filename: str | None = None, sheet: str | int | None = None,
               max_bytes: int = MAX_BYTES) -> Panel:
    """read_table + validate, with the checksum of the uploaded bytes."""
    data, name = read_bytes(source, max_bytes)
    frame = parse(data, filename or name, sheet)
    return validate(frame, study, hashlib.sha256(data).hexdigest())


def _frame_checksum(frame: pd.DataFrame) -> str:
    """sha256 of the column names and the row hashes of a frame that came without its file's bytes."""
    digest = hashlib.sha256("\x1f".join(map(str, frame.columns)).encode("utf-8"))
    digest.update(pd.util.hash_pandas_object(frame, index=True).to_numpy().tobytes())
    return digest.hexdigest()


def validate(frame: pd.DataFrame, study: Study, checksum: str | None = None) -> Panel:
    """Check the data against the study; every error at once in one UserError, warnings kept on the Panel."""
    check = _Check(frame, study)
    check.run()
    errors = [p for p in check.problems if p.severity == "error"]
    if errors:
        raise UserError(errors)
    source = frame.copy(deep=False) if checksum is None else checksum  # a copy: later edits of the frame do not count
    return Panel(check.frame.reset_index(drop=True), check.problems, check.dropped, source, study.panel, check.missing)


class _Check:
    """One validation pass; each step adds problems and may narrow the frame."""

    def __init__(self, frame: pd.DataFrame, study: Study):
        self.study, self.keys = study, study.panel
        self.frame = frame.copy(deep=False)  # columns are replaced, never changed in place: the caller's frame stays
        if self.frame.index.name != ROW:
            self.frame.index = pd.RangeIndex(2, len(frame) + 2, name=ROW)
        self.problems: list[Problem] = list(frame.attrs.get("problems", []))
        self.frame.attrs = {}
        self.clean_column_names()
        self.dropped = pd.DataFrame(columns=[ROW, "reason", *self.frame.columns])
        self.missing: dict[str, int] = {}
        self.columns = [c for c in required_columns(study) if c in self.frame.columns]
        self.numeric = [c for c in self.columns if c not in (self.keys.entity, self.keys.group, self.keys.time)]
        self.factorized: dict[str, Factorized] = {}  # key columns as integer codes, while the rows stay the same

    def codes(self, column: str) -> Factorized:
        """The column's codes and distinct values in order of appearance (pd.factorize), made once."""
        if column not in self.factorized:
            self.factorized[column] = pd.factorize(self.frame[column])
        return self.factorized[column]

    def error(self, code: str, **where_and_fields) -> None:
        self.problems.append(Problem.of(code, **where_and_fields))

    def warn(self, code: str, **where_and_fields) -> None:
        self.problems.append(Problem.of(code, severity="warning", **where_and_fields))

    def run(self) -> None:
        self.missing_columns()
        self.shadowed_indices()
        keys_ok = self.panel_keys()
        self.numbers()
        if keys_ok:
            self.duplicates()
        self.missing_values()
        self.rows_left()
        self.logarithms()
        self.constant_indicators(keys_ok)
        if keys_ok:
            self.balance()
            self.small_groups()

    def cells(self, rows: pd.Index, code: str, column: str, more: str, fields=lambda n: {}, **common) -> None:
        """An error for each of the first few offending cells (message `code`, or code(row), filled by fields(row)),
        then how many more (message `more`)."""
        for n in rows[:SHOWN]:
            self.error(code(n) if callable(code) else code, column=column, **self.where(n), **common, **fields(n))
        if len(rows) > SHOWN:
            self.error(more, column=column, count=len(rows) - SHOWN, **common)

    def clean_column_names(self) -> None:
        """Column names as one-line text without unprintable characters (a frame may come from elsewhere than a file)."""
        names = {c: clean_name(c) for c in self.frame.columns if isinstance(c, str)}
        changed = {old: new for old, new in names.items() if old != new}
        if not changed:
            return
        for old, new in changed.items():
            self.warn("column_name_cleaned", column=new, characters=", ".join(unsafe_characters(old)) or Word("spacing"))
        renamed = [names.get(c, c) for c in self.frame.columns]
        for name in {n for n in renamed if renamed.count(n) > 1}:
            self.error("column_names_collide", column=name)
        self.frame.columns = renamed

    def where(self, row_number) -> dict:
        """Row, entity and period of a data row, for a Problem."""
        row = self.frame.loc[row_number]
        out = {"row": int(row_number)}
        if self.keys.entity and self.keys.entity in self.frame:
            out["entity"] = None if pd.isna(row[self.keys.entity]) else str(row[self.keys.entity])
        if self.keys.time and self.keys.time in self.frame:
            out["period"] = None if _missing(row[self.keys.time]) else _plain(row[self.keys.time])
        return out

    def missing_columns(self) -> None:
        available = [str(c) for c in self.frame.columns]
        for column in required_columns(self.study):
            if column in self.frame.columns:
                continue
            close = difflib.get_close_matches(column, available, n=3, cutoff=0.6)
            close += [c for c in available if c.casefold() == column.casefold() and c not in close]
            if close:
                self.error("missing_column_close", column=column, names=tuple(repr(c) for c in close))
            else:
                self.error("missing_column", column=column)

    def shadowed_indices(self) -> None:
        for index in self.study.indices:
            if index.name in self.frame.columns:
                self.warn("column_named_like_index", column=index.name, index=index.name)

    def panel_keys(self) -> bool:
        """Entities and groups as clean one-line text, periods as integers when whole numbers; False if unusable."""
        before = len(self.problems)
        for key in (self.keys.entity, self.keys.group):
            if key and key in self.frame:
                self.frame[key] = self.labels(self.frame[key], key)
        if self.keys.time and self.keys.time in self.frame:
            self.frame[self.keys.time] = self.periods(self.frame[self.keys.time])
        for key in (self.keys.entity, self.keys.time, self.keys.group):
            if key and key in self.frame:
                self.cells(self.frame.index[self.frame[key].isna()], "key_empty", key, "key_empty_more",
                           role=self._role(key))
        keys = [k for k in (self.keys.entity, self.keys.time, self.keys.group) if k]
        usable = set(keys) <= set(self.frame.columns) and not any(p.severity == "error" for p in self.problems[before:])
        if self.keys.entity and self.keys.group and {self.keys.entity, self.keys.group} <= set(self.frame.columns):
            self.one_group_per_entity()
        return usable

    def _role(self, key: str) -> Word:
        return Word({self.keys.entity: "entity", self.keys.time: "period", self.keys.group: "group"}[key])

    def labels(self, values: pd.Series, column: str) -> pd.Series:
        """Names as text that any renderer can set: each distinct name cleaned once, then mapped onto the rows."""
        codes, uniques = pd.factorize(values)
        raw = [_label(v) for v in uniques.tolist()]
        cleaned = [clean_name(text) for text in raw]
        first_at = pd.Series(codes).drop_duplicates()  # codes number the names in order of appearance
        first_row = values.index[first_at[first_at >= 0].index]
        role = self._role(column)
        changed = [k for k, text in enumerate(raw) if cleaned[k] != text]
        for k in changed[:SHOWN]:
            unsafe = ", ".join(unsafe_characters(raw[k])) or Word("line_breaks")
            self.warn("name_cleaned", column=column, row=int(first_row[k]), characters=unsafe, role=role,
                      name=_quoted(raw[k]))
        if len(changed) > SHOWN:
            self.warn("names_cleaned_more", column=column, count=len(changed) - SHOWN, role=role)
        for k in [k for k, name in enumerate(cleaned) if len(name) > MAX_NAME_CHARS][:SHOWN]:
            self.error("name_too_long", column=column, row=int(first_row[k]), role=role, length=len(cleaned[k]),
                       limit=MAX_NAME_CHARS)
        sources: dict[str, set[str]] = {}
        for k in changed:
            sources.setdefault(cleaned[k], set()).add(raw[k])
        for k, text in enumerate(raw):
            if cleaned[k] in sources:
                sources[cleaned[k]].add(text)
        for name, texts in sources.items():
            if len(texts) > 1:
                self.error("names_collide", column=column, names=Joined(_quoted(t) for t in sorted(texts)), role=role,
                           name=name)
        names = np.array([name or np.nan for name in cleaned] + [np.nan], dtype=object)
        if all(cleaned) and len(set(cleaned)) == len(cleaned):  # the names factorize as the values did
            self.factorized[column] = codes, names[:-1]
        return pd.Series(names[codes], index=values.index, dtype=object)  # object, as renderers' guards expect text

    def periods(self, values: pd.Series) -> pd.Series:
        """Whole numbers as int64 (years), else floats; periods written as text are names, like entities."""
        text = _not_numbers(values)
        if text.sum() == values.notna().sum():
            return self.labels(values, self.keys.time)
        self.cells(values.index[text], "period_not_number", self.keys.time, "period_not_number_more",
                   lambda n: {"value": _quoted(values[n])})
        numbers = pd.to_numeric(values.where(~text), errors="coerce").astype("float64")
        self.cells(numbers.index[np.isinf(numbers)], "period_infinite", self.keys.time, "period_infinite_more")
        if numbers.notna().all() and (numbers == numbers.round()).all() and (numbers.abs() < 2**53).all():
            return numbers.astype("int64")
        return numbers

    def one_group_per_entity(self) -> None:
        pairs = _Pairs(self.codes(self.keys.entity), self.codes(self.keys.group))
        for k in np.flatnonzero(pairs.counts() > 1)[:SHOWN]:
            self.error("entity_in_groups", column=self.keys.group, entity=pairs.firsts[k],
                       groups=tuple(pairs.seconds(k)))
        if self.keys.group_order:
            present = set(pairs.second_values)
            for name in self.keys.group_order:
                if name not in present:
                    self.warn("group_order_unused", column=self.keys.group, group=name)
            unlisted = sorted(present - set(self.keys.group_order))
            if unlisted:
                self.warn("groups_unlisted", column=self.keys.group, groups=tuple(unlisted))

    def numbers(self) -> None:
        """Every used column numeric and finite; each offending cell named (capped per column); later checks skip them."""
        typed = [c for c in self.numeric if _numeric_dtype(self.frame[c])]
        numbers = self.frame[typed].astype("float64")
        for column in [c for c in self.numeric if c not in typed]:
            values = self.frame[column]
            text = _not_numbers(values)
            self.cells(values.index[text], "cell_not_number", column, "cell_not_number_more",
                       lambda n, values=values: {"value": _quoted(values[n])})
            if text.any():
                self.numeric.remove(column)
            else:
                numbers[column] = pd.to_numeric(values, errors="coerce").astype("float64")
        huge = numbers.abs() > MAX_MAGNITUDE
        for column in huge.columns[huge.any()]:
            self.cells(huge.index[huge[column]], lambda n, column=column: _too_large(numbers.at[n, column]), column,
                       "number_too_large_more", lambda n, column=column: {"value": numbers.at[n, column]},
                       limit=MAX_MAGNITUDE)
            self.numeric.remove(column)
        usable = [c for c in numbers.columns if c in self.numeric]
        self.frame[usable] = numbers[usable]

    def duplicates(self) -> None:
        keys = [k for k in (self.keys.entity, self.keys.time) if k]
        if not keys:
            return
        repeated = self.frame[_Pairs(self.codes(keys[0]), self.codes(keys[-1])).repeated()]  # one key: paired with itself
        groups = repeated.groupby(keys, sort=False)
        pairs = len(keys) == 2
        if groups.ngroups > SHOWN:
            self.error("duplicate_pairs_more" if pairs else "duplicate_keys_more", count=groups.ngroups - SHOWN,
                       column=self.keys.time or self.keys.entity)
        for key_values, rows in list(groups)[:SHOWN]:
            where = dict(zip(("entity", "period") if self.keys.entity else ("period",), key_values))
            self.error("duplicate_pair" if pairs else f"duplicate_{next(iter(where))}",
                       rows=tuple(rows.index.tolist()), column=self.keys.time or self.keys.entity,
                       **{k: _plain(v) for k, v in where.items()})

    def missing_values(self) -> None:
        """Report gaps per column; with [data] missing = "listwise" drop the incomplete rows instead of stopping."""
        empty = self.frame[self.columns].isna()
        gaps = empty[self.numeric]
        self.missing = {c: int(n) for c, n in empty.sum().items()}
        listwise = self.study.data.missing == "listwise"
        for column in self.numeric:
            rows = gaps.index[gaps[column]]
            if not len(rows):
                continue
            first = ", ".join(self.entity_period(n) for n in rows[:SHOWN]) + (", ..." if len(rows) > SHOWN else "")
            number = "many" if len(rows) > 1 else "one"
            where = self.where(rows[0]) if len(rows) == 1 else {}
            if listwise:
                self.warn(f"missing_dropped_{number}", column=column, count=len(rows), first=first, **where)
            else:
                self.error(f"missing_values_{number}", column=column, count=len(rows), first=first, **where)
        incomplete = gaps.any(axis=1)
        if listwise and incomplete.any():
            named = gaps[incomplete].to_numpy().astype(object) * np.array([f", {c}" for c in gaps.columns], dtype=object)
            reasons = ["missing " + "".join(row)[2:] for row in named]
            self.dropped = self.frame[incomplete].reset_index().assign(reason=reasons)
            self.dropped = self.dropped[[ROW, "reason", *self.frame.columns]]
            self.frame = self.frame[~incomplete]
            self.factorized = {}
            self.warn("listwise_dropped", dropped=int(incomplete.sum()), rows=len(incomplete))

    def rows_left(self) -> None:
        """Indices, coupling and models need rows: a header without data, or deletion of every row, leaves none."""
        if len(self.frame):
            return
        if len(self.dropped):
            self.error("listwise_dropped_all")
        else:
            self.error("no_data_rows")

    def entity_period(self, row_number) -> str:
        where = self.where(row_number)
        parts = [str(where[k]) for k in ("entity", "period") if where.get(k) is not None]
        return " ".join(parts) or f"row {row_number}"

    def balance(self) -> None:
        """An unbalanced panel is allowed; say which entities lack which periods, grouped by the periods they lack."""
        by_gap: dict[tuple, list[str]] = {}
        for entity, lacking in _gaps(self.frame, self.keys, self.factorized).items():
            by_gap.setdefault(tuple(lacking), []).append(entity)
        for lacking, entities in list(by_gap.items())[:SHOWN]:
            periods = first_names([str(_plain(p)) for p in lacking], LISTED_NAMES)
            if len(entities) == 1:
                self.warn("unbalanced_entity", column=self.keys.time, entity=entities[0], periods=periods)
            else:
                self.warn("unbalanced_entities", column=self.keys.time, count=len(entities), periods=periods,
                          entities=first_names(entities, LISTED_NAMES))
        if len(by_gap) > SHOWN:
            others = sum(len(entities) for entities in list(by_gap.values())[SHOWN:])
            self.warn("unbalanced_more", column=self.keys.time, count=others)

    def logarithms(self) -> None:
        index_names = {index.name for index in self.study.indices}
        columns = dict.fromkeys(t.column for t in _model_terms(self.study) if t.transform == "ln" and t.column not in index_names)
        for column in [c for c in columns if c in self.numeric]:
            values = self.frame[column]
            self.cells(values.index[values <= 0], "log_not_positive", column, "log_not_positive_more",
                       lambda n, values=values: {"value": values[n]})

    def constant_indicators(self, keys_usable: bool) -> None:
        """Min-max normalisation divides by max - min, and entropy weights need variation."""
        for index in self.study.indices:
            per_period = index.scope == "per_period" and self.keys.time
            if per_period and not keys_usable:
                continue
            columns = [i.column for _, i in index.indicators if i.column in self.numeric]
            if per_period:
                by_period = self.frame.groupby(self.keys.time)[columns]
                spreads = by_period.max() - by_period.min()
            for column in columns:
                if per_period:
                    spread = spreads[column]
                    for period in spread.index[spread == 0]:
                        self.error("indicator_constant_in_period", column=column, period=_plain(period), index=index.name)
                elif len(self.frame) and self.frame[column].max() == self.frame[column].min():
                    self.error("indicator_constant", column=column, index=index.name, value=self.frame[column].max())

    def small_groups(self) -> None:
        model = self.study.model
        if not (model and model.heterogeneity and self.keys.group):
            return
        largest = max(len(eq.regressors) + eq.intercept for eq in model.parsed)
        for name, rows in self.frame.groupby(self.keys.group, sort=False).size().items():
            if rows <= largest:
                self.warn("group_too_small", column=self.keys.group, group=name, rows=rows, coefficients=largest,
                          needed=largest + 1)


def _missing(value) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def _numeric_dtype(values: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)


def _not_numbers(values: pd.Series) -> pd.Series:
    """Filled cells that are not numbers: text, dates, booleans."""
    if values.dtype == object:
        return values.map(lambda v: not (_is_number(v) or _missing(v))).astype(bool)
    return pd.Series(not _numeric_dtype(values), index=values.index) & values.notna()


def _is_number(value) -> bool:
    return isinstance(value, Real) and not isinstance(value, (bool, np.bool_))


def _quoted(value) -> str:
    """A cell for a message: its repr (which escapes unprintable characters), shortened."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _too_large(value: float) -> str:
    return "number_infinite" if np.isinf(value) else "number_too_large"


def _label(value) -> str:
    """Entity and group names as text: 110000.0 -> '110000', ' Beijing ' -> 'Beijing'."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


Factorized = tuple[np.ndarray, np.ndarray]  # pd.factorize: each row's code (-1 if missing), the distinct values


class _Pairs:
    """The distinct (first, second) value pairs of two factorized columns, as integer codes: cheap to count and look up."""

    def __init__(self, first: Factorized, second: Factorized):
        self.first_codes, self.firsts = first
        self.second_codes, self.second_values = second
        self.width = max(len(self.second_values), 1)
        self.keys = self.first_codes.astype(np.int64) * self.width + self.second_codes
        self.complete = (self.first_codes >= 0) & (self.second_codes >= 0)

    @cached_property
    def unique(self) -> np.ndarray:
        return np.sort(pd.unique(self.keys[self.complete]))

    def counts(self) -> np.ndarray:
        """Distinct seconds per first value."""
        return np.bincount(self.unique // self.width, minlength=len(self.firsts))

    def seconds(self, k: int) -> list:
        """The distinct second values paired with first value k."""
        start, end = np.searchsorted(self.unique, [k * self.width, (k + 1) * self.width])
        return list(self.second_values[self.unique[start:end] % self.width])

    def repeated(self) -> np.ndarray:
        """Rows whose pair occurs more than once."""
        return pd.Series(self.keys).duplicated(keep=False).to_numpy() & self.complete


def _gaps(frame: pd.DataFrame, keys: PanelKeys, factorized: dict[str, Factorized] | None = None) -> dict[str, list]:
    """Entity -> the periods it lacks, for entities that lack any; factorized: key columns of the frame factorized."""
    if not (keys.entity and keys.time) or frame.empty:
        return {}
    known = factorized or {}
    pairs = _Pairs(*(known.get(k) or pd.factorize(frame[k]) for k in (keys.entity, keys.time)))
    periods = sorted(pairs.second_values)
    return {pairs.firsts[k]: sorted(set(periods) - set(pairs.seconds(k)))
            for k in np.flatnonzero(pairs.counts() < len(periods))}


def _group_order(groups: pd.Series, order: list[str]) -> list[str]:
    present = list(dict.fromkeys(groups.dropna()))
    return [g for g in order if g in present] + sorted(g for g in present if g not in order)
