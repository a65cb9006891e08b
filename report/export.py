"""Tables as data: CSV for any program, XLSX with one sheet per table, numbers kept as numbers."""
from __future__ import annotations

import io
import math
import re

from openpyxl import Workbook
from openpyxl.styles import Font

from analysis.table import Table

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def table_csv(table: Table) -> bytes:
    """UTF-8 with a byte-order mark, so Excel reads Chinese labels right."""
    frame = table.to_frame()
    frame.columns = [_inert(str(c)) for c in frame.columns]
    frame = frame.map(lambda v: _inert(v) if isinstance(v, str) else v)
    return frame.to_csv(index=False, lineterminator="\n").encode("utf-8-sig")


def tables_xlsx(tables: list[Table]) -> bytes:
    """One sheet per table: title, the table (numbers as numbers), then the notes."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    names: set[str] = set()
    for table in tables:
        _write_sheet(workbook.create_sheet(_sheet_name(table.id, names)), table)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _inert(text: str) -> str:
    """Text a spreadsheet would take for a formula gets a leading apostrophe (numbers are never text here)."""
    return "'" + text if text.startswith(_FORMULA_START) else text


def _sheet_name(table_id: str, taken: set[str]) -> str:
    """Excel's rules: at most 31 characters, none of []:*?/\\, unique in the workbook."""
    base = re.sub(r"[\[\]:*?/\\]", "_", table_id).strip("'")[:31] or "table"
    name, n = base, 1
    while name.lower() in taken:
        n += 1
        name = f"{base[:31 - len(str(n)) - 1]}_{n}"
    taken.add(name.lower())
    return name


def _write_sheet(sheet, table: Table) -> None:
    frame = table.to_frame()
    _put(sheet, 1, 1, table.title).font = Font(bold=True)
    for column, name in enumerate(frame.columns, start=1):
        _put(sheet, 3, column, str(name)).font = Font(bold=True)
    for row, record in enumerate(frame.itertuples(index=False), start=4):
        for column, value in enumerate(record, start=1):
            _put(sheet, row, column, value)
    for offset, note in enumerate(table.notes):
        _put(sheet, 5 + len(frame) + offset, 1, note)
    sheet.column_dimensions["A"].width = min(60, 2 + max(len(str(v)) for v in frame.iloc[:, 0].tolist() + [frame.columns[0]]))


def _put(sheet, row: int, column: int, value):
    """A cell holding a number, or text that is never read as a formula."""
    if isinstance(value, float) and math.isnan(value):
        value = None
    cell = sheet.cell(row=row, column=column, value=value)
    if isinstance(value, str):
        cell.data_type = "s"
    return cell
