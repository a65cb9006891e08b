"""Reading the user's panel (CSV or XLSX as Chinese and European Excel write them) and checking it against a study.

Rows are numbered as the user sees them in Excel: the header is row 1, the first data row is row 2.
"""
from __future__ import annotations

import csv
import difflib
import hashlib
import io
import math
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from numbers import Real
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import Problem, UserError
from .formula import Term, parse_term
from .study import PanelKeys, Study

MAX_BYTES = 50_000_000
XLSX_EXPANSION = 4  # an XLSX may unpack to this many times max_bytes of XML, no more (zip bombs)
ROW = "row"  # index name of a frame from read_table: the Excel row number of each data row
ROW_CONVENTION = "rows are numbered as in Excel: the header is row 1, the first data row is row 2"
SHOWN = 5  # cells quoted per column before "and N more"

TEXT_SUFFIXES = {"", ".csv", ".txt", ".tsv"}
EXCEL_SUFFIXES = {".xlsx", ".xlsm"}
MISSING_MARKERS = {"", "na", "n/a", "nan", "null", "none", "#n/a", ".", "..", "...", "…", "-", "--", "—", "–"}
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_GROUPED = {  # digits in groups of three, then an optional decimal part
    ".": re.compile(r"[+-]?\d{1,3}(?:[, ]\d{3})+(?:\.\d+)?"),
    ",": re.compile(r"[+-]?\d{1,3}(?:[. ]\d{3})+(?:,\d+)?"),
}


# ---------------------------------------------------------------- reading


def read_table(source: bytes | str | Path, filename: str | None = None, sheet: str | int | None = None,
               max_bytes: int = MAX_BYTES) -> pd.DataFrame:
    """A CSV (UTF-8, UTF-8 with BOM, GBK/GB18030, UTF-16; comma, semicolon or tab) or XLSX sheet as a frame.

    The index holds each row's Excel row number (header = row 1). Cells that read as numbers become
    numbers (thousands separators, full-width digits and surrounding spaces allowed); other cells stay text.
    Warnings found while reading (a macro-enabled workbook) ride in ``frame.attrs["problems"]`` for validate().
    """
    data, name = _read_bytes(source, max_bytes)
    return _parse(data, filename or name, sheet, max_bytes)


def _read_bytes(source: bytes | str | Path, max_bytes: int) -> tuple[bytes, str | None]:
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
        _check_size(len(data), max_bytes)
        return data, None
    path = Path(source)
    try:
        _check_size(path.stat().st_size, max_bytes)
        return path.read_bytes(), path.name
    except FileNotFoundError:
        raise UserError(f"data file not found: {path}") from None
    except IsADirectoryError:
        raise UserError(f"{path} is a folder, not a data file") from None
    except PermissionError:
        raise UserError(f"no permission to read {path}") from None
    except OSError as e:
        raise UserError(f"cannot read {path}: {e.strerror or e}") from None


def _check_size(size: int, max_bytes: int) -> None:
    if size > max_bytes:
        raise UserError(f"the file is {_bytes(size)}, above the limit of {_bytes(max_bytes)}; "
                        "upload only the columns and rows the study needs")


def _bytes(n: float) -> str:
    for unit, scale in (("MB", 1e6), ("kB", 1e3)):
        if n >= scale:
            return f"{n / scale:.3g} {unit}"
    return f"{int(n)} bytes"


def _parse(data: bytes, filename: str | None, sheet: str | int | None, max_bytes: int) -> pd.DataFrame:
    suffix = Path(filename).suffix.lower() if filename else ""
    if data.startswith(b"\xd0\xcf\x11\xe0") or suffix == ".xls":
        raise UserError("old-style Excel .xls workbooks are not read; save the sheet as .xlsx or as CSV (UTF-8)")
    if data.startswith(b"PK\x03\x04") or suffix in EXCEL_SUFFIXES:
        return _read_xlsx(data, sheet, max_bytes, macro_enabled=suffix == ".xlsm")
    if suffix not in TEXT_SUFFIXES:
        raise UserError(f"cannot read '{filename}': upload a CSV or an Excel .xlsx file")
    if sheet is not None:
        raise UserError("a sheet was chosen, but the file is a CSV, which has no sheets")
    return _read_csv(data)


def _read_xlsx(data: bytes, sheet: str | int | None, max_bytes: int, macro_enabled: bool) -> pd.DataFrame:
    """Cell values only: openpyxl never runs macros, and data_only gives formulas' last computed values."""
    try:
        unpacked = sum(info.file_size for info in zipfile.ZipFile(io.BytesIO(data)).infolist())
    except zipfile.BadZipFile:
        raise UserError("the file is not a valid Excel .xlsx workbook (it may be damaged, or another format renamed)") from None
    if unpacked > XLSX_EXPANSION * max_bytes:
        raise UserError(f"the workbook unpacks to {_bytes(unpacked)}, above the limit of {_bytes(XLSX_EXPANSION * max_bytes)}")
    import openpyxl  # on first use: reading a CSV needs none of it
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True, keep_links=False)
        try:
            rows = list(_sheet(book, sheet).iter_rows(values_only=True))
        finally:
            book.close()
    except UserError:
        raise
    except Exception as e:  # openpyxl raises many types for damaged workbooks; all mean "cannot read"
        raise UserError(f"the Excel workbook cannot be read ({type(e).__name__}: {e})") from None
    frame = _frame(rows, decimal_comma=False)
    if macro_enabled:
        frame.attrs["problems"] = [Problem("read the cells of a macro-enabled workbook as data; its macros were not run",
                                           severity="warning")]
    return frame


def sheet_names(data: bytes) -> tuple[str, ...]:
    """The worksheet names of an XLSX workbook, () for any other file; read from its index, no cell loaded."""
    if not data.startswith(b"PK\x03\x04"):
        return ()
    import openpyxl  # on first use: reading a CSV needs none of it
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    except Exception as e:  # openpyxl raises many types for damaged workbooks; all mean "cannot read"
        raise UserError(f"the Excel workbook cannot be read ({type(e).__name__}: {e})") from None
    try:
        return tuple(book.sheetnames)
    finally:
        book.close()


def _sheet(book, sheet: str | int | None):
    names = book.sheetnames
    if sheet is None or sheet == 0:
        return book[names[0]]
    if isinstance(sheet, int) and 0 <= sheet < len(names):
        return book[names[sheet]]
    if isinstance(sheet, str) and sheet in names:
        return book[sheet]
    listed = ", ".join(f"'{n}'" for n in names)
    raise UserError(f"the workbook has no sheet {sheet!r}; its sheets are {listed}")


def _read_csv(data: bytes) -> pd.DataFrame:
    text = _decode(data)
    delimiter = _sniff_delimiter(text)
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as e:
        raise UserError(f"the CSV file cannot be read: {e}") from None
    return _frame(rows, decimal_comma=delimiter == ";")


def _decode(data: bytes) -> str:
    """UTF-16 when it has a byte-order mark, else UTF-8 (with or without BOM), else GB18030, a superset of GBK."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encodings = ("utf-16",)
    else:
        encodings = ("utf-8-sig", "gb18030")
    for encoding in encodings:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\x00" in text:
            break
        return text
    raise UserError("the file is neither a CSV text file (UTF-8, GBK/GB18030 or UTF-16) nor an Excel .xlsx workbook; "
                    "in Excel, use Save As > CSV UTF-8 or Excel Workbook (.xlsx)")


def _sniff_delimiter(text: str) -> str:
    """The delimiter among comma, semicolon and tab that splits the first lines into the most equal-length rows."""
    lines = [line for line in text.splitlines() if line.strip()][:50]
    best, best_score = ",", (0, 0)
    for delimiter in (",", ";", "\t"):
        widths = [len(row) for row in csv.reader(lines, delimiter=delimiter)]
        if not widths or widths[0] < 2:
            continue
        score = (sum(w == widths[0] for w in widths), widths[0])
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _frame(rows: list, decimal_comma: bool) -> pd.DataFrame:
    """Header = first non-empty row; index = Excel row numbers; fully empty rows and unnamed empty columns dropped."""
    numbered = [(n, list(r)) for n, r in enumerate(rows, start=1) if any(_filled(v) for v in r)]
    if not numbered:
        raise UserError("the file has no data: no header row was found")
    (_, header), body = numbered[0], numbered[1:]
    names = [str(v).strip() if _filled(v) else "" for v in header]
    width = len(names)
    for n, cells in body:
        extra = [v for v in cells[width:] if _filled(v)]
        if extra:
            raise UserError(Problem(f"this row has {width + len(extra)} or more values but the header names only "
                                    f"{width} columns; {ROW_CONVENTION}", row=n))
    columns = {}
    for k, name in enumerate(names):
        values = [cells[k] if k < len(cells) else None for _, cells in body]
        if not name:
            if not any(_filled(v) for v in values):
                continue
            name = f"column {_column_letter(k + 1)}"
        if name in columns:
            raise UserError(Problem(f"two columns have the header '{name}' (the second is column "
                                    f"{_column_letter(k + 1)}); give each column its own name", column=name))
        columns[name] = _typed(values, decimal_comma)
    frame = pd.DataFrame(columns)
    frame.index = pd.Index([n for n, _ in body], name=ROW)
    return frame


def _filled(value) -> bool:
    return value is not None and not (isinstance(value, str) and not value.strip())


def _column_letter(number: int) -> str:
    from openpyxl.utils import get_column_letter  # on first use: reading a CSV needs none of openpyxl
    return get_column_letter(number)


def _typed(values: list, decimal_comma: bool) -> pd.Series:
    """Numbers when every cell reads as one (int64 if all whole); otherwise cells as read, text stripped."""
    cells = [_cell(v, decimal_comma) for v in values]
    if not all(_is_number(c) for c in cells):
        return pd.Series(cells, dtype=object)
    numbers = pd.Series(cells, dtype="float64")
    if len(numbers) and numbers.notna().all() and (numbers == numbers.round()).all() and numbers.abs().max() < 2**53:
        return numbers.astype("int64")
    return numbers


def _is_number(value) -> bool:
    return isinstance(value, Real) and not isinstance(value, (bool, np.bool_))


def _cell(value, decimal_comma: bool):
    if value is None:
        return math.nan
    if isinstance(value, float) and not math.isfinite(value):
        return math.nan if math.isnan(value) else str(value)
    if not isinstance(value, str):
        return value
    text = value.strip()
    if text.lower() in MISSING_MARKERS:
        return math.nan
    number = _number(text, decimal_comma)
    return text if number is None else number


def _number(text: str, decimal_comma: bool) -> float | None:
    """'1,234.5', '１２３', '1 234' (and '1.234,5' in semicolon files, whose authors write decimal commas)."""
    t = unicodedata.normalize("NFKC", text).replace("\u2212", "-").strip()
    if _GROUPED["," if decimal_comma else "."].fullmatch(t):
        t = re.sub(r"[. ]" if decimal_comma else r"[, ]", "", t)
    if decimal_comma:
        t = t.replace(",", ".")
    return float(t) if _NUMBER.fullmatch(t) else None


# ---------------------------------------------------------------- validating


@dataclass
class Panel:
    """The validated data and what was found while checking it."""

    frame: pd.DataFrame  # validated data used for computing (after listwise deletion when chosen)
    problems: list[Problem]  # warnings; errors raise instead
    dropped: pd.DataFrame  # rows removed by listwise deletion, with their Excel row and the reason
    checksum: str  # sha256 of the uploaded bytes, or of the frame's CSV
    keys: PanelKeys = field(default_factory=PanelKeys)
    missing: dict[str, int] = field(default_factory=dict)  # missing cells per used column, before deletion

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
    data, name = _read_bytes(source, max_bytes)
    frame = _parse(data, filename or name, sheet, max_bytes)
    return validate(frame, study, hashlib.sha256(data).hexdigest())


def validate(frame: pd.DataFrame, study: Study, checksum: str | None = None) -> Panel:
    """Check the data against the study; every error at once in one UserError, warnings kept on the Panel."""
    check = _Check(frame, study)
    check.run()
    errors = [p for p in check.problems if p.severity == "error"]
    if errors:
        raise UserError(errors)
    if checksum is None:
        checksum = hashlib.sha256(frame.to_csv().encode("utf-8")).hexdigest()
    return Panel(check.frame.reset_index(drop=True), check.problems, check.dropped, checksum, study.panel, check.missing)


class _Check:
    """One validation pass; each step adds problems and may narrow the frame."""

    def __init__(self, frame: pd.DataFrame, study: Study):
        self.study, self.keys = study, study.panel
        self.frame = frame.copy()
        if self.frame.index.name != ROW:
            self.frame.index = pd.RangeIndex(2, len(frame) + 2, name=ROW)
        self.problems: list[Problem] = list(frame.attrs.get("problems", []))
        self.frame.attrs = {}
        self.dropped = pd.DataFrame(columns=[ROW, "reason", *frame.columns])
        self.missing: dict[str, int] = {}
        self.columns = [c for c in required_columns(study) if c in self.frame.columns]
        self.numeric = [c for c in self.columns if c not in (self.keys.entity, self.keys.group, self.keys.time)]

    def error(self, message: str, **where) -> None:
        self.problems.append(Problem(message, **where))

    def warn(self, message: str, **where) -> None:
        self.problems.append(Problem(message, severity="warning", **where))

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
            hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
            self.error(f"the study uses this column but the data has no column of that name{hint}", column=column)

    def shadowed_indices(self) -> None:
        for index in self.study.indices:
            if index.name in self.frame.columns:
                self.warn(f"the data has a column named like the index '{index.name}'; the computed index replaces it",
                          column=index.name)

    def panel_keys(self) -> bool:
        """Entities and groups as stripped text, periods as integers when they are whole numbers; False if unusable."""
        before = len(self.problems)
        for key in (self.keys.entity, self.keys.group):
            if key and key in self.frame:
                self.frame[key] = self.frame[key].map(_label)
        if self.keys.time and self.keys.time in self.frame:
            self.frame[self.keys.time] = self.periods(self.frame[self.keys.time])
        for key in (self.keys.entity, self.keys.time, self.keys.group):
            if key and key in self.frame:
                for n in self.frame.index[self.frame[key].map(_missing)]:
                    self.error(f"the {self._role(key)} is empty; {ROW_CONVENTION}", column=key, **self.where(n))
        keys = [k for k in (self.keys.entity, self.keys.time, self.keys.group) if k]
        usable = set(keys) <= set(self.frame.columns) and not any(p.severity == "error" for p in self.problems[before:])
        if self.keys.entity and self.keys.group and {self.keys.entity, self.keys.group} <= set(self.frame.columns):
            self.one_group_per_entity()
        return usable

    def _role(self, key: str) -> str:
        return {self.keys.entity: "entity", self.keys.time: "period", self.keys.group: "group"}[key]

    def periods(self, values: pd.Series) -> pd.Series:
        numbers = values.map(_is_number)
        if not numbers.any():
            return values.map(_label)
        for n in values.index[~numbers & ~values.map(_missing)]:
            self.error(f"the period is not a number: {values[n]!r}; {ROW_CONVENTION}", column=self.keys.time,
                       **self.where(n))
        whole = values[numbers].map(lambda v: float(v).is_integer()).all()
        return values.map(lambda v: (int(v) if whole else float(v)) if _is_number(v) else v)

    def one_group_per_entity(self) -> None:
        pairs = self.frame[[self.keys.entity, self.keys.group]].dropna().drop_duplicates()
        for entity, groups in pairs.groupby(self.keys.entity, sort=False)[self.keys.group]:
            if len(groups) > 1:
                self.error(f"the entity is in more than one group: {', '.join(groups)}", column=self.keys.group,
                           entity=entity)
        if self.keys.group_order:
            present = set(pairs[self.keys.group])
            for name in self.keys.group_order:
                if name not in present:
                    self.warn(f"panel.group_order names the group '{name}', which has no rows", column=self.keys.group)
            unlisted = sorted(present - set(self.keys.group_order))
            if unlisted:
                self.warn(f"groups not in panel.group_order are listed after it: {', '.join(unlisted)}",
                          column=self.keys.group)

    def numbers(self) -> None:
        """Every used column numeric; each offending cell named (capped per column); later checks skip such columns."""
        for column in list(self.numeric):
            values = self.frame[column]
            bad = values.index[~values.map(lambda v: _is_number(v) or _missing(v))]
            for n in bad[:SHOWN]:
                self.error(f"the cell is not a number: {values[n]!r}; {ROW_CONVENTION}", column=column, **self.where(n))
            if len(bad) > SHOWN:
                self.error(f"{len(bad) - SHOWN} more cells in this column are not numbers", column=column)
            if len(bad):
                self.numeric.remove(column)
            else:
                self.frame[column] = pd.to_numeric(values, errors="raise").astype("float64")

    def duplicates(self) -> None:
        keys = [k for k in (self.keys.entity, self.keys.time) if k]
        if not keys:
            return
        repeated = self.frame[self.frame.duplicated(keys, keep=False)]
        for key_values, rows in repeated.groupby(keys, sort=False):
            where = dict(zip(("entity", "period") if self.keys.entity else ("period",), key_values))
            row_list = ", ".join(str(n) for n in rows.index)
            self.error(f"more than one row for the same {' and '.join(where)}: rows {row_list}; {ROW_CONVENTION}",
                       column=self.keys.time or self.keys.entity, **{k: _plain(v) for k, v in where.items()})

    def missing_values(self) -> None:
        """Report gaps per column; with [data] missing = "listwise" drop the incomplete rows instead of stopping."""
        gaps = self.frame[self.numeric].isna()
        self.missing = {c: int(self.frame[c].isna().sum()) for c in self.columns}
        listwise = self.study.data.missing == "listwise"
        for column in self.numeric:
            rows = gaps.index[gaps[column]]
            if not len(rows):
                continue
            first = ", ".join(self.entity_period(n) for n in rows[:SHOWN]) + (", ..." if len(rows) > SHOWN else "")
            count = f"{len(rows)} missing value" + ("s" if len(rows) > 1 else "")
            where = self.where(rows[0]) if len(rows) == 1 else {}
            if listwise:
                self.warn(f"{count} ({first}); {'their rows are' if len(rows) > 1 else 'its row is'} dropped", column=column,
                          **where)
            else:
                self.error(f"{count} ({first}); fill them in, or set [data] missing = \"listwise\" "
                           "in the study to drop incomplete rows", column=column, **where)
        incomplete = gaps.any(axis=1)
        if listwise and incomplete.any():
            reasons = gaps[incomplete].apply(lambda r: "missing " + ", ".join(r.index[r]), axis=1)
            self.dropped = self.frame[incomplete].reset_index().assign(reason=reasons.to_numpy())
            self.dropped = self.dropped[[ROW, "reason", *self.frame.columns]]
            self.frame = self.frame[~incomplete]
            self.warn(f"listwise deletion dropped {int(incomplete.sum())} of {len(incomplete)} rows that have a missing "
                      "value in a column the study uses")

    def rows_left(self) -> None:
        """Indices, coupling and models need rows: a header without data, or deletion of every row, leaves none."""
        if len(self.frame):
            return
        if len(self.dropped):
            self.error("listwise deletion dropped every row: each has a missing value in a column the study uses")
        else:
            self.error("the data has a header row but no data rows")

    def entity_period(self, row_number) -> str:
        where = self.where(row_number)
        parts = [str(where[k]) for k in ("entity", "period") if where.get(k) is not None]
        return " ".join(parts) or f"row {row_number}"

    def balance(self) -> None:
        """An unbalanced panel is allowed; say which entities lack which periods, grouped by the periods they lack."""
        by_gap: dict[tuple, list[str]] = {}
        for entity, lacking in _gaps(self.frame, self.keys).items():
            by_gap.setdefault(tuple(lacking), []).append(entity)
        for lacking, entities in by_gap.items():
            periods = ", ".join(str(_plain(p)) for p in lacking)
            if len(entities) == 1:
                self.warn(f"unbalanced panel: this entity has no row for {periods}", column=self.keys.time, entity=entities[0])
            else:
                self.warn(f"unbalanced panel: {len(entities)} entities have no row for {periods}: {', '.join(entities)}",
                          column=self.keys.time)

    def logarithms(self) -> None:
        index_names = {index.name for index in self.study.indices}
        columns = dict.fromkeys(t.column for t in _model_terms(self.study) if t.transform == "ln" and t.column not in index_names)
        for column in [c for c in columns if c in self.numeric]:
            values = self.frame[column]
            bad = values.index[values <= 0]
            for n in bad[:SHOWN]:
                self.error(f"ln() needs positive values, found {_plain(values[n]):g}", column=column, **self.where(n))
            if len(bad) > SHOWN:
                self.error(f"{len(bad) - SHOWN} more values in this column are zero or negative, so ln() is undefined",
                           column=column)

    def constant_indicators(self, keys_usable: bool) -> None:
        """Min-max normalisation divides by max - min, and entropy weights need variation."""
        for index in self.study.indices:
            per_period = index.scope == "per_period" and self.keys.time
            if per_period and not keys_usable:
                continue
            for column in [i.column for _, i in index.indicators if i.column in self.numeric]:
                if per_period:
                    spread = self.frame.groupby(self.keys.time)[column].agg(lambda v: v.max() - v.min())
                    for period in spread.index[spread == 0]:
                        self.error(f"indicator of index '{index.name}' takes one value in this period, so its "
                                   "normalised values and entropy weight are undefined", column=column, period=_plain(period))
                elif len(self.frame) and self.frame[column].max() == self.frame[column].min():
                    self.error(f"indicator of index '{index.name}' is constant ({self.frame[column].max():g} in every "
                               "row), so its normalised values and entropy weight are undefined; drop it from the index",
                               column=column)

    def small_groups(self) -> None:
        model = self.study.model
        if not (model and model.heterogeneity and self.keys.group):
            return
        largest = max(len(eq.regressors) + eq.intercept for eq in model.parsed)
        for name, rows in self.frame.groupby(self.keys.group, sort=False).size().items():
            if rows <= largest:
                self.warn(f"group '{name}' has {rows} rows, too few to estimate the largest equation "
                          f"({largest} coefficients need at least {largest + 1} rows); its heterogeneity columns will "
                          "carry a message instead of estimates", column=self.keys.group)


def _missing(value) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def _label(value):
    """Entity and group names as text: 110000.0 -> '110000', ' Beijing ' -> 'Beijing'."""
    if _missing(value):
        return math.nan
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _gaps(frame: pd.DataFrame, keys: PanelKeys) -> dict[str, list]:
    """Entity -> the periods it lacks, for entities that lack any."""
    if not (keys.entity and keys.time) or frame.empty:
        return {}
    periods = sorted(frame[keys.time].unique())
    have = frame.groupby(keys.entity, sort=False)[keys.time].agg(set)
    return {entity: [p for p in periods if p not in present] for entity, present in have.items() if len(present) < len(periods)}


def _group_order(groups: pd.Series, order: list[str]) -> list[str]:
    present = list(dict.fromkeys(groups.dropna()))
    return [g for g in order if g in present] + sorted(g for g in present if g not in order)
