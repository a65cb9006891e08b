"""Tables as data: CSV for any program, XLSX with one sheet per table; each as printed (decimals, brackets and stars
as set) or raw (numbers at full precision)."""
from __future__ import annotations

import io
import math
import re

from openpyxl import Workbook
from openpyxl.styles import Font

from analysis.spreadsheet import inert_frame
from analysis.table import Table

PLAIN_NUMBER = re.compile(r"-?\d+(?:\.(\d+))?")


def table_csv(table: Table, printed: bool = False) -> bytes:
    """UTF-8 with a byte-order mark, so Excel reads Chinese labels right; printed: every cell as the table prints it."""
    return inert_frame(table.to_frame(printed)).to_csv(index=False, lineterminator="\n").encode("utf-8-sig")


def tables_xlsx(tables: list[Table], printed: bool = False) -> bytes:
    """One sheet per table: title, the table, then the notes. Raw: numbers at full precision. Printed: each cell as
    printed, a plain number as a number shown with its decimals, one with brackets or stars as its printed text."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    names: set[str] = set()
    for table in tables:
        _write_sheet(workbook.create_sheet(_sheet_name(table.id, names)), table, printed)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _sheet_name(table_id: str, taken: set[str]) -> str:
    """Excel's rules: at most 31 characters, none of []:*?/\\, unique in the workbook."""
    base = re.sub(r"[\[\]:*?/\\]", "_", table_id).strip("'")[:31] or "table"
    name, n = base, 1
    while name.lower() in taken:
        n += 1
        name = f"{base[:31 - len(str(n)) - 1]}_{n}"
    taken.add(name.lower())
    return name


def _write_sheet(sheet, table: Table, printed: bool) -> None:
    frame = table.to_frame(printed)
    _put(sheet, 1, 1, table.title).font = Font(bold=True)
    if table.subtitle:
        _put(sheet, 2, 1, table.subtitle)
    for column, name in enumerate(frame.columns, start=1):
        _put(sheet, 3, column, str(name)).font = Font(bold=True)
    labels = len(frame.columns) - table.ncols  # the group and row label columns stay text
    for row, record in enumerate(frame.itertuples(index=False), start=4):
        for column, value in enumerate(record, start=1):
            if printed and column > labels and _plain_number(value):
                _put_printed_number(sheet, row, column, value)
            else:
                _put(sheet, row, column, value)
    for offset, note in enumerate(table.notes):
        _put(sheet, 5 + len(frame) + offset, 1, note)
    sheet.column_dimensions["A"].width = min(60, 2 + max(len(str(v)) for v in frame.iloc[:, 0].tolist() + [frame.columns[0]]))


def _plain_number(text) -> bool:
    return isinstance(text, str) and PLAIN_NUMBER.fullmatch(text) is not None


def _put_printed_number(sheet, row: int, column: int, text: str) -> None:
    """A printed number without brackets or stars as a number that shows exactly its printed digits."""
    decimals = PLAIN_NUMBER.fullmatch(text).group(1)
    cell = sheet.cell(row=row, column=column, value=float(text) if decimals else int(text))
    cell.number_format = "0." + "0" * len(decimals) if decimals else "0"


def _put(sheet, row: int, column: int, value):
    """A cell holding a number, or text that is never read as a formula."""
    if isinstance(value, float) and math.isnan(value):
        value = None
    cell = sheet.cell(row=row, column=column, value=value)
    if isinstance(value, str):
        cell.data_type = "s"
    return cell
