"""CSV and XLSX exports: Excel-readable encoding, numbers as numbers, no formulas from user text."""
from __future__ import annotations

import csv
import io

from openpyxl import load_workbook

from report.export import table_csv, tables_xlsx
from tests.sample_tables import HOSTILE, all_tables, coefficient_table, hostile_table


def test_csv_is_utf8_with_a_byte_order_mark_and_keeps_chinese():
    data = table_csv(hostile_table())
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == ["group", "Stub " + HOSTILE, f"Spanner {HOSTILE} / Column $x_1$", f"Spanner {HOSTILE} / 新质生产力"]
    assert rows[3][1:] == ["新质生产力 & 制造业", "-1.5", "'=1+1"]  # a formula would run in the spreadsheet


def test_csv_has_one_line_per_row_with_the_numbers():
    rows = list(csv.reader(io.StringIO(table_csv(coefficient_table()).decode("utf-8-sig"))))
    table = coefficient_table()
    assert len(rows) == 1 + sum(len(g.rows) for g in table.groups)
    assert rows[1] == ["Equation 1: New quality productivity (productivity)", "ln education", "-0.003", "-0.034", "-0.035", "-0.035"]
    assert rows[-1][1:] == ["R²", "0.902", "0.884", "0.884", "0.884"]


def test_xlsx_has_one_sheet_per_table_with_numbers_as_numbers():
    workbook = load_workbook(io.BytesIO(tables_xlsx(all_tables())))
    assert workbook.sheetnames == [t.id for t in all_tables()]
    sheet = workbook["table7"]
    assert sheet["A1"].value == coefficient_table().title
    assert [c.value for c in sheet[3]] == ["group", "Variable", "Single equation / (1) OLS", "Single equation / (2) 2SLS",
                                          "System / (3) 3SLS", "System / (4) Iterated 3SLS"]
    assert [c.value for c in sheet[4]][1:] == ["ln education", -0.003, -0.034, -0.035, -0.035]
    assert all(c.data_type == "n" for c in sheet[4][2:])
    notes_start = 5 + sum(len(g.rows) for g in coefficient_table().groups)
    assert [sheet.cell(notes_start + i, 1).value for i in range(2)] == list(coefficient_table().notes)


def test_xlsx_text_is_never_a_formula():
    sheet = load_workbook(io.BytesIO(tables_xlsx([hostile_table()])))["hostile_1"]
    cell = sheet["D6"]
    assert (cell.value, cell.data_type) == ("=1+1", "s")
    assert sheet["A1"].value == "Title " + HOSTILE


def test_sheet_names_follow_excel_rules():
    table = hostile_table()
    tables = [type(table)(**{**table.__dict__, "id": name}) for name in ("a/b:c", "a_b_c", "x" * 40)]
    assert load_workbook(io.BytesIO(tables_xlsx(tables))).sheetnames == ["a_b_c", "a_b_c_2", "x" * 31]
