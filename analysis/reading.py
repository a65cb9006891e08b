"""Reading an uploaded panel file (CSV or XLSX as Chinese and European Excel write them) into a frame, within bounds.

Every limit is checked before the work it bounds: the size before reading, the unpacked size of a workbook
before parsing it, the number of cells while streaming it. Nothing read is executed. Numbers are read with the
decimal and thousands separators the file itself shows, and a file that could be read two ways is refused.
Rows are numbered as the user sees them in Excel: the header is row 1, the first data row is row 2.
"""
from __future__ import annotations

import codecs
import csv
import io
import re
import stat
import unicodedata
import zipfile
from itertools import islice
from numbers import Real
from pathlib import Path

import charset_normalizer
import numpy as np
import openpyxl
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as csv_arrow
from openpyxl.utils import get_column_letter

from .catalogue import words
from .errors import Problem, UserError, Word
from .text import clean_name, unsafe_characters

MAX_BYTES = 50_000_000
MAX_XML_BYTES = 20_000_000  # a workbook's unpacked XML; openpyxl parses some 5 MB of it a second
MAX_SHEET_CELLS = 5_000_000  # cells streamed from one sheet, empty ones included
MAX_CELLS = 20_000_000  # rows times columns of a CSV file: some 0.5 GB while it is read
MAX_COLUMNS = 16_384  # Excel's own limit (column XFD)
MAX_CELL_CHARS = 32_767  # Excel's own limit for the text of one cell
MAX_NAME_CHARS = 200  # a column name
ROW = "row"  # index name of a frame from read_table: the Excel row number of each data row

TEXT_SUFFIXES = {"", ".csv", ".txt", ".tsv"}
EXCEL_SUFFIXES = {".xlsx", ".xlsm"}
MISSING_MARKERS = ["", "na", "n/a", "nan", "null", "none", "#n/a", ".", "..", "...", "…", "-", "--", "—", "–"]
BOMS = ((codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"), (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))  # UTF-32-LE's mark begins like UTF-16's
MAX_CHAOS = 0.2  # charset-normalizer's share of implausible characters above which a reading is rejected

_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_PLAIN = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")  # _NUMBER in ASCII, as written
_SPACED = re.compile(r"[+-]?\d{1,3}(?: \d{3})+(?:[.,]\d+)?")  # 1 234 567,5 (no-break spaces made plain by NFKC)
# Evidence of the decimal mark: a pattern only one convention can write. "7.841" and "1,234" prove nothing.
_PROVES = {
    ".": re.compile(r"[+-]?(?:\d{1,3}(?:,\d{3})+\.\d+|\d{1,3}(?:,\d{3}){2,}|\d*\.\d+[eE][+-]?\d+|"
                    r"(?:0|\d{4,})?\.\d+|\d+\.(?:\d{1,2}|\d{4,}))"),
    ",": re.compile(r"[+-]?(?:\d{1,3}(?:\.\d{3})+,\d+|\d{1,3}(?:\.\d{3}){2,}|"
                    r"(?:0|\d{4,})?,\d+|\d+,(?:\d{1,2}|\d{4,}))"),
}
_GROUPED = {  # the thousands separator of each decimal mark, and a number written with it
    ".": (",", re.compile(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?")),
    ",": (".", re.compile(r"[+-]?\d{1,3}(?:\.\d{3})+(?:,\d+)?")),
}
_FIRST_LINE = re.compile(r"[^\r\n]*")
FIRST_MATCH_CHUNK = 65_536  # cells matched at a time when only the first match counts
_AMBIGUOUS = re.compile(r"[+-]?[1-9]\d{0,2}[.,]\d{3}")  # 7.841 is 7841 or 7.841


# ---------------------------------------------------------------- bytes


def read_file(path: str | Path, max_bytes: int = MAX_BYTES) -> bytes:
    """The bytes of a data file, refused before reading when too large; folders and devices are refused."""
    path = Path(path)
    try:
        info = path.stat()
        if stat.S_ISDIR(info.st_mode):
            raise _refused("path_is_folder", path=path)
        if stat.S_ISCHR(info.st_mode) or stat.S_ISBLK(info.st_mode):
            raise _refused("path_is_device", path=path)
        check_size(info.st_size, max_bytes)
        with path.open("rb") as file:
            data = file.read(max_bytes + 1)  # a pipe or a growing file has no size to check beforehand
    except FileNotFoundError:
        raise _refused("file_not_found", path=path) from None
    except PermissionError:
        raise _refused("file_not_permitted", path=path) from None
    except OSError as e:
        raise _refused("file_unreadable", path=path, reason=e.strerror or e) from None
    check_size(len(data), max_bytes)
    return data


def check_size(size: int, max_bytes: int) -> None:
    if size > max_bytes:
        raise _refused("file_too_large", size=_bytes(size), limit=_bytes(max_bytes))


def _bytes(n: float) -> str:
    for unit, scale in (("MB", 1e6), ("kB", 1e3)):
        if n >= scale:
            return f"{n / scale:.3g} {unit}"
    return f"{int(n)} bytes"


def read_bytes(source: bytes | str | Path, max_bytes: int) -> tuple[bytes, str | None]:
    """The uploaded bytes and, for a path, the file name."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
        check_size(len(data), max_bytes)
        return data, None
    return read_file(source, max_bytes), Path(source).name


# ---------------------------------------------------------------- files


def parse(data: bytes, filename: str | None, sheet: str | int | None) -> pd.DataFrame:
    """The bytes of a CSV or XLSX file as a frame indexed by Excel row number; reading notes in attrs["problems"]."""
    suffix = Path(filename).suffix.lower() if filename else ""
    if data.startswith(b"\xd0\xcf\x11\xe0") or suffix == ".xls":
        raise _refused("old_excel")
    if data.startswith(b"PK\x03\x04") or suffix in EXCEL_SUFFIXES:
        grid, notes = _xlsx_grid(data, sheet), []
        if suffix == ".xlsm":
            notes.append(_warning("macros_not_run"))
        decimal_default = "."
    else:
        if suffix not in TEXT_SUFFIXES:
            raise _refused("unknown_file_type", filename=filename)
        if sheet is not None:
            raise _refused("sheet_of_csv")
        text, notes = _decode(data)
        delimiter = _sniff_delimiter(text)
        grid = _csv_grid(text, delimiter)
        decimal_default = "." if delimiter == "," else None  # a decimal comma would have to be quoted there
    cells, shape = _long(grid)
    del grid  # typing the cells needs the memory the grid held
    frame = _frame(cells, shape, decimal_default, notes)
    frame.attrs["problems"] = notes
    return frame


def _warning(code: str, **where_and_fields) -> Problem:
    return Problem.of(code, severity="warning", **where_and_fields)


def _refused(code: str, **where_and_fields) -> UserError:
    """The error that refuses the file, for `raise`."""
    return UserError(Problem.of(code, **where_and_fields))


def _check_zip(data: bytes) -> None:
    """Refuse a damaged workbook, and one whose XML unpacks beyond the limit (a zip bomb), before parsing it."""
    try:
        unpacked = sum(info.file_size for info in zipfile.ZipFile(io.BytesIO(data)).infolist())
    except (zipfile.BadZipFile, ValueError, EOFError):
        raise _refused("invalid_workbook") from None
    if unpacked > MAX_XML_BYTES:
        raise _refused("workbook_too_large", size=_bytes(unpacked), limit=_bytes(MAX_XML_BYTES))


def _open_workbook(data: bytes):
    """openpyxl in read-only mode: cell values streamed, formulas' last computed values, macros never run."""
    _check_zip(data)
    try:
        return openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True, keep_links=False)
    except Exception as e:  # openpyxl raises many types for damaged workbooks; all mean "cannot read"
        raise _refused("workbook_unreadable", error=f"{type(e).__name__}: {e}") from None


def sheet_names(data: bytes) -> tuple[str, ...]:
    """The worksheet names of an XLSX workbook, () for any other file; read from its index, no cell loaded."""
    if not data.startswith(b"PK\x03\x04"):
        return ()
    book = _open_workbook(data)
    try:
        return tuple(book.sheetnames)
    finally:
        book.close()


def _xlsx_grid(data: bytes, sheet: str | int | None) -> pd.DataFrame:
    """The sheet's cells by row (row k + 1 in Excel), streamed with a cap on cells and columns."""
    book = _open_workbook(data)
    try:
        worksheet = _sheet(book, sheet)
        worksheet.reset_dimensions()  # the sheet's own claim of its size is not trusted: rows end at their last cell
        rows, cells = [], 0
        for row in worksheet.iter_rows(values_only=True):
            cells += len(row)
            if cells > MAX_SHEET_CELLS:
                raise _refused("sheet_too_large", limit=MAX_SHEET_CELLS)
            if len(row) > MAX_COLUMNS:
                raise _refused("row_too_wide", row=len(rows) + 1, width=len(row), limit=MAX_COLUMNS)
            rows.append(row)
    except UserError:
        raise
    except Exception as e:  # openpyxl raises many types for damaged workbooks; all mean "cannot read"
        raise _refused("workbook_unreadable", error=f"{type(e).__name__}: {e}") from None
    finally:
        book.close()
    width = max(map(len, rows), default=0)
    return pd.DataFrame([row + (None,) * (width - len(row)) for row in rows], columns=range(width), dtype=object)


def _sheet(book, sheet: str | int | None):
    names = book.sheetnames
    if sheet is None or sheet == 0:
        return book[names[0]]
    if isinstance(sheet, int) and 0 <= sheet < len(names):
        return book[names[sheet]]
    if isinstance(sheet, str) and sheet in names:
        return book[sheet]
    raise _refused("no_such_sheet", sheet=repr(sheet), sheets=tuple(f"'{n}'" for n in names))


def _decode(data: bytes) -> tuple[str, list[Problem]]:
    """Text by byte-order mark, else UTF-8, else the one reading charset-normalizer finds plausible; refused if unsure."""
    for bom, encoding in BOMS:
        if data.startswith(bom):
            data = data[len(bom):]
            try:
                return _checked_text(data.decode(encoding)), []
            except UnicodeDecodeError as e:
                row = data[:e.start].decode(encoding, errors="replace").count("\n") + 1
                raise _refused("bytes_against_mark", row=row, encoding=encoding.upper()) from None
    wide = b"\x00" in data[:4096]  # UTF-16 without its mark: every other byte of ASCII text is zero
    if not wide:
        try:
            return _checked_text(data.decode("utf-8")), []
        except UnicodeDecodeError as e:
            _refuse_damaged_utf8(data, e.start)
    # what Excel writes as "CSV" on Chinese and Western Windows, and as "Unicode text" without its mark; the names
    # are the messages' encoding_<name>
    candidates = ["utf_16_le", "utf_16_be"] if wide else ["gb18030", "cp1252", "latin_1"]
    matches = [m for m in charset_normalizer.from_bytes(data, cp_isolation=candidates) if m.chaos <= MAX_CHAOS]
    if not matches:
        raise _refused("not_a_table")
    least = min(m.chaos for m in matches)
    readings = {m.encoding: str(m) for m in matches if m.chaos <= least + 0.01}
    if "cp1252" in readings:
        readings.pop("latin_1", None)  # Excel's "ANSI" on Western Windows; Latin-1 differs only in rarely used bytes
    shares = {encoding: _letter_share(text) for encoding, text in readings.items()}
    readings = {e: text for e, text in readings.items() if shares[e] >= max(shares.values()) - 0.2}
    if len(set(readings.values())) > 1:
        raise _refused("encoding_ambiguous", readings=_differences(readings))
    encoding, text = next(iter(readings.items()))
    return _checked_text(text), [_warning("read_as_encoding", encoding=Word(f"encoding_{encoding}"))]


def _letter_share(text: str) -> float:
    """The share of letters among the first non-ASCII characters: names are written in letters, while GBK bytes read
    as Windows-1252 come out as symbols half the time ('北京' as '±±¾©')."""
    wide = [ch for ch in text[:200_000] if ord(ch) > 127]
    return sum(unicodedata.category(ch).startswith("L") for ch in wide) / len(wide) if wide else 1.0


def _refuse_damaged_utf8(data: bytes, start: int) -> None:
    """A file that is mostly UTF-8 but for some bytes (a pasted cell, a concatenated file) is refused at its row:
    any one-encoding reading of it would garble either those bytes or the rest."""
    text = data.decode("utf-8", errors="replace")
    damaged = text.count("\ufffd")
    sound = len(text) - len(text.encode("ascii", errors="ignore")) - damaged
    if sound >= damaged:  # in GBK or Windows-1252 text read as UTF-8, most non-ASCII bytes are damaged
        raise _refused("damaged_utf8", row=data.count(b"\n", 0, start) + 1)


def _differences(readings: dict[str, str]) -> str:
    lines = {encoding: text.splitlines() for encoding, text in readings.items()}
    for number, variants in enumerate(zip(*lines.values()), start=1):
        if len(set(variants)) > 1:
            shown = " or ".join(f"as {_encoding(e)}: {v[:60]!r}" for e, v in zip(lines, variants))
            return f"row {number} reads {shown}"
    return " or ".join(_encoding(e) for e in readings)


def _encoding(name: str) -> str:
    """An encoding's name for the English list of readings in encoding_ambiguous."""
    return words("messages")[f"encoding_{name}"]


def _checked_text(text: str) -> str:
    if "\x00" in text:
        raise _refused("not_a_table")
    return text


def _sniff_delimiter(text: str) -> str:
    """The delimiter among comma, semicolon and tab that splits the first lines into the most equal-length rows."""
    lines = [line for line in islice(_lines(text[:1_000_000]), 200) if line.strip()][:50]
    best, best_score = ",", (0, 0)
    for delimiter in (",", ";", "\t"):
        widths = [len(row) for row in _csv_reader(lines, delimiter)]
        if not widths or widths[0] < 2:
            continue
        score = (sum(w == widths[0] for w in widths), widths[0])
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _lines(text: str) -> io.StringIO:
    """The lines as the CSV parser splits them (at CR, LF or CRLF, not at every Unicode line end), one at a time."""
    return io.StringIO(text, newline="")


def _csv_reader(lines, delimiter: str):
    """csv.reader allowing cells as long as a file; their length is checked, with a message, once read."""
    csv.field_size_limit(max(csv.field_size_limit(), MAX_BYTES))
    return csv.reader(lines, delimiter=delimiter)


def _csv_grid(text: str, delimiter: str) -> pd.DataFrame:
    """All cells as text, one row per CSV record (record k is Excel row k + 1), blank records kept. A file without
    quote marks whose records all have the first line's cells is read without counting each line's cells first."""
    lines, width = max(text.count("\n"), text.count("\r")) + 1, _FIRST_LINE.match(text)[0].count(delimiter) + 1
    grid = _unquoted_grid(text, delimiter, width) if width <= MAX_COLUMNS and lines * width <= MAX_CELLS else None
    if grid is not None:
        return grid
    width = max((line.count(delimiter) for line in _lines(text)), default=0) + 1  # exact unless quoted cells hold some
    if width > max((len(r) for r in _csv_reader(islice(_lines(text), 50), delimiter)), default=1):
        try:
            width = max((len(r) for r in _csv_reader(io.StringIO(text, newline=""), delimiter)), default=1)
        except csv.Error as e:
            raise _refused("csv_unreadable", error=e) from None
    if width > MAX_COLUMNS:
        raise _refused("csv_too_wide", width=width, limit=MAX_COLUMNS)
    if lines * width > MAX_CELLS:
        raise _refused("csv_too_many_cells", cells=lines * width, limit=MAX_CELLS)
    try:
        grid = pd.read_csv(io.StringIO(text), sep=delimiter, header=None, names=range(width), dtype=str,
                           na_filter=False, skip_blank_lines=False, index_col=False, engine="c")
    except (pd.errors.ParserError, ValueError) as e:
        unclosed = re.search(r"EOF inside string starting at row (\d+)", str(e))
        if unclosed:
            raise _refused("quote_unclosed", row=int(unclosed[1]) + 1) from None
        raise _refused("csv_unreadable", error=e) from None
    return grid.fillna("")


def _unquoted_grid(text: str, delimiter: str, width: int) -> pd.DataFrame | None:
    """The cells as _csv_grid reads them, by Arrow's reader (twice as fast), for a file without quote marks whose records
    all have `width` cells, where both read alike; None for any other file (a short record, a quoted cell)."""
    if '"' in text:
        return None
    names = [str(k) for k in range(width)]
    try:
        table = csv_arrow.read_csv(
            io.BytesIO(text.encode("utf-8")), read_options=csv_arrow.ReadOptions(column_names=names, use_threads=False),
            parse_options=csv_arrow.ParseOptions(delimiter=delimiter, quote_char=False, ignore_empty_lines=False),
            convert_options=csv_arrow.ConvertOptions(column_types=dict.fromkeys(names, pa.string()), null_values=[],
                                                     strings_can_be_null=False))
    except pa.ArrowInvalid:
        return None
    return pd.DataFrame({k: table.column(k).to_pandas() for k in range(width)})


# ---------------------------------------------------------------- cells


def _long(grid: pd.DataFrame) -> tuple[pd.Series, tuple[int, int]]:
    """All cells in one series, column after column, stripped, and the grid's (rows, columns): each text operation
    then runs once for the whole file rather than once per column (a file may have thousands of columns)."""
    if grid.empty:
        raise _refused("no_header")
    return _stripped(pd.concat([grid[k] for k in grid.columns], ignore_index=True)), grid.shape


def _frame(cells: pd.Series, shape: tuple[int, int], decimal_default: str | None, notes: list[Problem]) -> pd.DataFrame:
    """Header = first non-empty row; index = Excel row numbers; fully empty rows and unnamed empty columns dropped."""
    height, width = shape
    filled = (cells.notna() & cells.ne("")).to_numpy(dtype=bool).reshape(width, height)
    used = filled.any(axis=0)
    if not used.any():
        raise _refused("no_header")
    header_at = int(np.argmax(used))
    body = np.flatnonzero(used)[1:]
    named = filled[:, header_at]
    last = int(np.flatnonzero(named)[-1])
    beyond = np.argwhere(filled[last + 1:][:, body].T)  # (body row, column right of the last named one)
    if len(beyond):
        row, column = beyond[0]
        raise _refused("value_beyond_header", row=int(body[row]) + 1, letter=get_column_letter(last + 2 + int(column)))
    keep = [k for k in range(last + 1) if named[k] or filled[k, body].any()]
    names = _column_names([cells.iloc[k * height + header_at] if named[k] else None for k in keep], keep, notes)
    positions = (np.array(keep)[:, None] * height + body[None, :]).ravel()
    values = cells.iloc[positions].reset_index(drop=True).where(filled[keep][:, body].ravel())
    del cells
    layout = _Layout(names, pd.Index(body + 1, name=ROW))
    texts, plain = _texts(values)
    _check_cell_length(texts, layout)
    return _typed(values, texts, plain, _decimal_mark(texts, plain, layout, decimal_default, notes), layout)


class _Layout:
    """Where a cell of the long series sits: cell p is in column p // rows, at Excel row rows[p % rows]."""

    def __init__(self, names: list[str], rows: pd.Index):
        self.names, self.rows = names, rows

    def column(self, position: int) -> str:
        return self.names[position // len(self.rows)]

    def row(self, position: int) -> int:
        return int(self.rows[position % len(self.rows)])

    def segment(self, j: int) -> slice:
        return slice(j * len(self.rows), (j + 1) * len(self.rows))


def _stripped(values: pd.Series) -> pd.Series:
    """Text cells without surrounding spaces; the other cells of a workbook (numbers, dates) as they are."""
    if values.dtype != object:
        return values.str.strip()
    strings = values.map(type).eq(str)
    if strings.any():
        values = values.copy()
        values[strings] = values[strings].map(str.strip)
    return values


def _column_names(headers: list, columns: list[int], notes: list[Problem]) -> list[str]:
    """Header cells as column names; an unnamed column with values is named by its letter; repeated names refused."""
    names, raw = [], {}
    for header, k in zip(headers, columns):
        letter = get_column_letter(k + 1)
        header = f"column {letter}" if header is None else header
        name = _column_name(header, letter, notes)
        if name in raw:
            raise _refused("headers_collide" if raw[name] == header else "cleaned_headers_collide", column=name,
                           name=name, letter=letter)
        names.append(name)
        raw[name] = header
    return names


def _column_name(raw, letter: str, notes: list[Problem]) -> str:
    """A header cell as a one-line name without unprintable characters; a long one is refused."""
    text = str(int(raw) if isinstance(raw, float) and raw.is_integer() else raw)
    name = clean_name(text)
    if len(name) > MAX_NAME_CHARS:
        raise _refused("header_too_long", column=name[:40] + "…", letter=letter, length=len(name), limit=MAX_NAME_CHARS)
    unsafe = unsafe_characters(text)
    if unsafe:
        notes.append(_warning("header_cleaned", column=name, characters=", ".join(unsafe), letter=letter))
    return name


def _texts(values: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """The text cells as numbers would be read (full-width digits made ASCII, digit groups unspaced), and which of them
    are plain numbers as written (_PLAIN): most cells of most files, which no other pattern then needs to look at."""
    if values.dtype == object:
        values = values[values.map(type).eq(str)].astype("str")
    text = values.dropna()
    plain = text.str.fullmatch(_PLAIN.pattern).to_numpy(dtype=bool)
    unusual = pd.Series(False, index=text.index)
    rest = text[~plain]
    unusual[rest.index] = rest.str.contains(r"[^0-9.eE+\-]", regex=True).to_numpy(dtype=bool)  # worth a closer look
    if unusual.any():
        cells = text[unusual]
        wide = cells.str.contains(r"[^\x00-\x7f]", regex=True)
        odd = cells.where(~wide, cells.str.normalize("NFKC").str.replace("\u2212", "-", regex=False))
        odd = odd.where(~odd.str.fullmatch(_SPACED.pattern), odd.str.replace(" ", "", regex=False))
        if odd.ne(cells).any():  # names, most of them, come out as they went in
            text = text.where(~unusual, odd)
    return text, plain


def _check_cell_length(texts: pd.Series, layout: _Layout) -> None:
    lengths = texts.str.len()
    long = lengths.index[lengths > MAX_CELL_CHARS]
    firsts = pd.Series(long, index=long).groupby(long // len(layout.rows)).first()  # one cell per column
    if len(firsts):
        raise UserError([Problem.of("cell_too_long", column=layout.column(p), row=layout.row(p), length=lengths[p],
                                    limit=MAX_CELL_CHARS) for p in firsts])


def _decimal_mark(texts: pd.Series, plain: np.ndarray, layout: _Layout, default: str | None,
                  notes: list[Problem]) -> str:
    """The file's decimal mark, from cells only one convention can write; refused if cells disagree or nothing tells.
    A plain number (no comma, one point at most) can prove only a decimal point."""
    unplain = texts[~plain]

    def first(pattern: re.Pattern, cells: pd.Series = texts) -> tuple[str, int, str] | None:
        for start in range(0, len(cells), FIRST_MATCH_CHUNK):  # stop at the chunk with the first match
            part = cells.iloc[start:start + FIRST_MATCH_CHUNK]
            part = part[part.str.contains(r"\d[.,]", regex=True).to_numpy(dtype=bool)]  # a digit before a point or comma
            found = part.index[part.str.fullmatch(pattern.pattern).to_numpy(dtype=bool)]
            if len(found):
                return layout.column(found[0]), layout.row(found[0]), part[found[0]]
        return None

    proofs = {mark: where for mark, proof in _PROVES.items() if (where := first(proof, texts if mark == "." else unplain))}
    if len(proofs) == 2:
        (dot_column, dot_row, dot), (comma_column, comma_row, comma) = proofs["."], proofs[","]
        raise _refused("decimal_marks_mixed", dot=dot, dot_column=dot_column, dot_row=dot_row, comma=comma,
                       comma_column=comma_column, comma_row=comma_row)
    if proofs:
        mark, example = next(iter(proofs)), proofs.get(",") or first(_GROUPED["."][1], unplain)
    else:
        mark = example = first(_AMBIGUOUS)
        if example is None:
            return "."
        if default is None:
            column, row, cell = example
            raise _refused("decimal_mark_unknown", column=column, row=row, cell=cell)
        mark = default
    if example:  # say how numbers were read wherever the convention mattered
        column, row, cell = example
        notes.append(_warning("read_decimal_comma" if mark == "," else "read_decimal_point", column=column, cell=cell,
                              cell_row=row))
    return mark


def _typed(values: pd.Series, texts: pd.Series, plain: np.ndarray, decimal: str, layout: _Layout) -> pd.DataFrame:
    """Columns of numbers where every filled cell reads as one (int64 if all whole), of text where none does, else of
    cells as read; text cells keep their own form (full-width and spaced forms were only for reading numbers)."""
    size = len(values)
    numbers = np.full(size, np.nan)
    parsed = _numbers(texts, plain, decimal)
    numbers[parsed.index] = parsed.to_numpy()
    failed = texts[parsed.isna().to_numpy()]
    missing = np.zeros(size, dtype=bool)
    missing[failed.index[failed.str.lower().isin(MISSING_MARKERS).to_numpy(dtype=bool)]] = True
    words = np.zeros(size, dtype=bool)
    words[failed.index] = True
    words &= ~missing
    others = values.notna().to_numpy(dtype=bool, copy=True)  # cells of a workbook that are not text: numbers, dates, booleans
    others[texts.index] = False
    if others.any():
        cells = values[others]
        is_number = cells.map(_is_number).to_numpy(dtype=bool)
        numbers[cells.index[is_number]] = cells[is_number].astype("float64")
        words[cells.index[~is_number]] = True
    rows = layout.rows
    columns = {}
    for j, name in enumerate(layout.names):
        part = layout.segment(j)
        if not words[part].any():
            column = numbers[part]
            whole = len(column) and np.isfinite(column).all() and (column == np.round(column)).all() \
                and np.abs(column).max() < 2**53
            columns[name] = pd.Series(column.astype(np.int64) if whole else column, index=rows)
        elif np.isnan(numbers[part]).all() and not others[part].any():
            columns[name] = values.iloc[part].where(~missing[part]).set_axis(rows)
        else:
            cells = values.iloc[part].astype(object).to_numpy(copy=True)
            found = ~np.isnan(numbers[part])
            cells[found] = numbers[part][found]
            cells[missing[part]] = np.nan
            columns[name] = pd.Series(cells, index=rows, dtype=object)
    return pd.DataFrame(columns, index=rows)


def _is_number(value) -> bool:
    return isinstance(value, Real) and not isinstance(value, (bool, np.bool_))


def _numbers(text: pd.Series, plain: np.ndarray, decimal: str) -> pd.Series:
    """Text cells that read as numbers under the decimal mark, as floats; NaN where a cell is not a number. Under a
    decimal point, plain numbers read as they are written."""
    if decimal != "." or not plain.any():
        return _read_numbers(text, decimal)
    numbers = np.empty(len(text))
    numbers[plain] = _float(text[plain])
    numbers[~plain] = _read_numbers(text[~plain], decimal).to_numpy()
    return pd.Series(numbers, index=text.index)


def _float(text: pd.Series) -> np.ndarray:
    """Cells that are numbers (null where not) as floats, NaN for the nulls: Arrow's reading, no Python objects."""
    return pc.cast(pa.array(text.array), pa.float64()).to_numpy(zero_copy_only=False)


def _read_numbers(text: pd.Series, decimal: str) -> pd.Series:
    """Text cells that read as numbers under the decimal mark, as floats; NaN where a cell is not a number."""
    thousands, grouped = _GROUPED[decimal]
    plain = text.copy()
    separated = text.str.contains(thousands, regex=False)
    if separated.any():
        cells = text[separated]
        plain[separated] = cells.where(~cells.str.fullmatch(grouped.pattern), cells.str.replace(thousands, "", regex=False))
    if decimal == ",":
        plain = plain.str.replace(",", ".", regex=False)
    return pd.Series(_float(plain.where(plain.str.fullmatch(_NUMBER.pattern))), index=text.index)  # numbers, others null
