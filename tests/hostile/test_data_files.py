"""Hostile and broken data files: each is refused with a message that says where, or read to the right numbers.

Never a traceback, never a silently wrong number, never an unprintable character on its way to a renderer.
Big inputs are generated in tmp_path, not kept in the repository.
"""
from __future__ import annotations

import io
import os
import re
import struct
import time
import zipfile
from dataclasses import dataclass, field
from datetime import datetime

import openpyxl
import pytest

from analysis import reading
from analysis.data import load_panel, read_file, read_table
from analysis.errors import UserError
from analysis.study import study_from_dict
from analysis.text import unsafe_characters

STUDY = study_from_dict({"panel": {"entity": "province", "time": "year", "group": "region"},
                         "model": {"equations": ["y ~ x"]}})
HEADER = ["province", "region", "year", "x", "y"]
ROWS = [[p, g, str(year), f"{x:.2f}", f"{y:.3f}"]  # Excel rows 2..13: Anhui 2020 is row 2, Gansu 2022 row 13
        for (p, g), x0 in zip([("Anhui", "East"), ("Beijing", "East"), ("Chongqing", "West"), ("Gansu", "West")],
                              [1.25, 2.5, 3.75, 5.0])
        for year, x, y in [(2020, x0, x0 * 0.31), (2021, x0 + 0.5, x0 * 0.42), (2022, x0 + 1.25, x0 * 0.17)]]
ANHUI_2020, BEIJING_2021, GANSU_2022 = 2, 6, 13


def panel(cells: dict | None = None, sep: str = ",", header: list[str] = HEADER, rows: list[list[str]] = ROWS,
          decimal: str = ".") -> str:
    """The test panel as CSV text, with cells replaced: {(Excel row, column): text}."""
    table = [list(header)] + [r[:3] + [v.replace(".", decimal) for v in r[3:]] for r in rows]
    for (row, column), text in (cells or {}).items():
        table[row - 1][HEADER.index(column)] = text
    return "\n".join(sep.join(r) for r in table) + "\n"


def xlsx(rows: list[list], sheet_xml: str | None = None) -> bytes:
    """A workbook of the rows; with sheet_xml, its sheet replaced by hand-written XML (what no Excel writes)."""
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    if sheet_xml is None:
        return buffer.getvalue()
    source, out = zipfile.ZipFile(buffer), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = sheet_xml.encode() if info.filename == "xl/worksheets/sheet1.xml" else source.read(info)
            target.writestr(info.filename, data)
    return out.getvalue()


def sheet(rows: str, dimension: str = "A1:E13") -> str:
    return ('<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
            f'spreadsheetml/2006/main"><dimension ref="{dimension}"/><sheetData>{rows}</sheetData></worksheet>')


def panel_rows(values: dict | None = None) -> list[list]:
    """The test panel as workbook rows (numbers as numbers), with cells replaced: {(Excel row, column): value}."""
    table = [list(HEADER)] + [[p, g, int(year), float(x), float(y)] for p, g, year, x, y in ROWS]
    for (row, column), value in (values or {}).items():
        table[row - 1][HEADER.index(column)] = value
    return table


@dataclass
class Refused:
    """The file is refused: some problem's message matches, located as given (column, row, entity, period)."""
    message: str
    where: dict = field(default_factory=dict)


@dataclass
class Reads:
    """The file validates, and a column holds these values (a warning may be required too)."""
    column: str
    values: list
    warning: str | None = None


def refused(message: str, **where) -> Refused:
    return Refused(message, where)


def outcome(data: bytes, filename: str = "panel.csv", sheet=None):
    try:
        return load_panel(data, STUDY, filename=filename, sheet=sheet)
    except UserError as e:
        return e


def check(result, expected) -> None:
    messages = [str(p) for p in (result.problems if isinstance(result, UserError) else result.problems)]
    assert all(not unsafe_characters(m) for m in messages), messages  # nothing unprintable reaches a renderer
    if isinstance(expected, Refused):
        assert isinstance(result, UserError), f"not refused: {messages}"
        located = [p for p in result.problems if re.search(expected.message, p.message)
                   and all(getattr(p, k) == v for k, v in expected.where.items())]
        assert located, f"no problem matches {expected}: {messages}"
    else:
        assert not isinstance(result, UserError), f"refused: {messages}"
        values = result.frame[expected.column].tolist()
        assert values == (pytest.approx(expected.values) if isinstance(expected.values[0], float) else expected.values)
        if expected.warning:
            assert any(re.search(expected.warning, m) for m in messages), messages


X = [1.25, 1.75, 2.5, 2.5, 3.0, 3.75, 3.75, 4.25, 5.0, 5.0, 5.5, 6.25]  # column x of the test panel
PROVINCES = [r[0] for r in ROWS]

# ---------------------------------------------------------------- CSV files, as bytes

CSV_CASES = {
    # encodings
    "utf-8": (panel().encode("utf-8"), Reads("x", X)),
    "utf-8 with BOM": (panel().encode("utf-8-sig"), Reads("province", PROVINCES)),
    "utf-16 with BOM": (panel().encode("utf-16"), Reads("x", X)),
    "utf-16-le without BOM": (panel().encode("utf-16-le"), Reads("x", X)),
    "utf-32 with BOM": (panel().encode("utf-32"), Reads("x", X)),
    "latin-1 Genève": (panel({(2, "province"): "Genève", (3, "province"): "Genève", (4, "province"): "Genève"}
                             ).encode("latin-1"), Reads("province", ["Genève"] * 3 + PROVINCES[3:], "Windows-1252")),
    "gbk Chinese": (panel({(r, "province"): "北京" for r in (2, 3, 4)}).encode("gbk"),
                    Reads("province", ["北京"] * 3 + PROVINCES[3:], "GBK")),
    "gb18030 rare character": (panel({(r, "province"): "䶮州" for r in (2, 3, 4)}).encode("gb18030"),
                               Reads("province", ["䶮州"] * 3 + PROVINCES[3:])),
    "cp1252 or GBK cannot be told": (panel({(r, "province"): "São Paulo" for r in (2, 3, 4)}).encode("cp1252"),
                                     refused("more than one encoding.*row 2")),
    "utf-8 damaged by a latin-1 cell": (panel({(2, "province"): "Zürich"}).encode() .replace(b"Beijing,East,2021",
                                        "Genève,East,2021".encode("latin-1")), refused("not UTF-8 here", row=BEIJING_2021)),
    "utf-8 BOM then latin-1 bytes": (b"\xef\xbb\xbf" + panel({(9, "province"): "Zürich"}).encode("latin-1"),
                                     refused("begins as UTF-8 text but has bytes here that are not", row=9)),
    "utf-16 BOM then odd bytes": (b"\xfe\xff" + panel().encode("utf-16-be") + b"\xd8\x00",  # a lone surrogate
                                  refused("begins as UTF-16-BE text but has bytes here that are not", row=14)),
    "line separator in the widest row": ((panel() + "Gansu\u2028,West,2023,7,8,9\n").encode(),
                                          refused("value in column F", row=14)),
    "NUL bytes": (b"\x00\x01\x02binary\x00" * 10, refused("neither a CSV text file")),
    "NUL inside utf-8 text": (panel().encode().replace(b"Anhui", b"An\x00hui"), refused("neither a CSV text file")),
    "empty file": (b"", refused("no data")),
    "blank lines only": (b"\n\n  \n\t\n", refused("no data")),
    "separators only": (b",,,\n;;;\n", refused("no data")),
    # line endings and structure
    "CRLF": (panel().replace("\n", "\r\n").encode(), Reads("x", X)),
    "old Mac CR": (panel().replace("\n", "\r").encode(), Reads("x", X)),
    "no final newline": (panel().rstrip("\n").encode(), Reads("x", X)),
    "tab separated": (panel(sep="\t").encode(), Reads("x", X)),
    "ragged row": (panel({(7, "y"): "1.5,9"}).encode(), refused("value in column F, right of the last named", row=7)),
    "title row above the header": (("My panel\n" + panel()).encode(), refused("right of the last named column", row=2)),
    "unterminated quote": (panel({(5, "province"): '"Anhui'}).encode(), refused("quoted cell is never closed", row=5)),
    "repeated header": (panel(header=["province", "region", "year", "x", "x"]).encode(), refused("two columns have the header 'x'")),
    "headers equal once cleaned": (panel(header=["province", "region", "year", "x", "x\x01"]).encode(),
                                   refused("after removing unprintable characters, two columns have the header 'x'")),
    "header too long": (panel(header=["province", "region", "year", "x", "y" * 300]).encode(), refused("above the limit of 200")),
    "missing column": (panel(header=["province", "region", "year", "x", "Y"]).encode(), refused("did you mean 'Y'", column="y")),
    "quoted newline in a name": (panel({(2, "province"): '"An\nhui"', (3, "province"): '"An\nhui"',
                                        (4, "province"): '"An\nhui"'}).encode(),
                                 Reads("province", ["An hui"] * 3 + PROVINCES[3:], "line breaks")),
    # numbers as people and programs write them
    "semicolon with decimal points": (panel(sep=";", cells={(2, "x"): "7.841", (3, "x"): "0.66"}).encode(),
                                      Reads("x", [7.841, 0.66] + X[2:])),
    "semicolon European": (panel(sep=";", decimal=",", cells={(2, "x"): "1.234,5", (3, "x"): "0,5", (4, "x"): "7.841"}).encode(),
                           Reads("x", [1234.5, 0.5, 7841.0] + [float(v) for v in X[3:]], "decimal comma")),
    "tab European": (panel(sep="\t", decimal=",", cells={(2, "x"): "1,5"}).encode(), Reads("x", [1.5] + X[1:], "decimal comma")),
    "quoted thousands": (panel({(2, "x"): '"1,234.5"', (3, "x"): '"12,345"'}).encode(), Reads("x", [1234.5, 12345.0] + X[2:])),
    "three decimals in a comma file": (panel({(r, "x"): "7.841" for r in range(2, 14)}).encode(), Reads("x", [7.841] * 12)),
    "thousands beside decimal points": (panel({(2, "x"): '"1,234"'}).encode(),
                                        Reads("x", [1234.0] + X[1:], r"decimal point and ',' between thousands.*'1,234'")),
    "plain decimal points, nothing to say": (panel().encode(), Reads("y", [float(r[4]) for r in ROWS])),
    "lone ambiguous thousands": (panel({(r, c): "7" for r in range(2, 14) for c in ("x", "y")} | {(2, "x"): '"1,234"'}
                                       ).encode(), Reads("x", [1234.0] + [7.0] * 11, "decimal point and ','")),
    "decimal marks mixed": (panel(sep=";", cells={(2, "x"): "1,5", (3, "y"): "2.75"}).encode(), refused("mixes decimal marks.*row 3.*row 2")),
    "semicolon cannot tell": (panel(sep=";", cells={(r, c): "7.841" for r in range(2, 14) for c in ("x", "y")}).encode(),
                              refused("cannot tell the decimal mark", column="x", row=2)),
    "French spaces": (panel(sep=";", decimal=",", cells={(2, "x"): "1\u00a0234,5", (3, "x"): "2\u202f000", (4, "x"): "0,25"}).encode(),
                      Reads("x", [1234.5, 2000.0, 0.25] + X[3:])),
    "full-width digits": (panel({(2, "x"): "１２３", (3, "x"): "４５.５"}).encode(), Reads("x", [123.0, 45.5] + X[2:])),
    "unicode minus": (panel({(2, "x"): "\u22121.5"}).encode(), Reads("x", [-1.5] + X[1:])),
    "plus, leading point, exponent": (panel({(2, "x"): "+3", (3, "x"): ".5", (4, "x"): "1e3", (5, "x"): "1E-3"}).encode(),
                                      Reads("x", [3.0, 0.5, 1000.0, 0.001] + X[4:])),
    "surrounding spaces": (panel({(2, "x"): "  1.25 "}).encode(), Reads("x", X)),
    "1e999": (panel({(6, "x"): "1e999"}).encode(), refused("too large", column="x", row=6, entity="Beijing", period=2021)),
    "-1e999": (panel({(13, "y"): "-1e999"}).encode(), refused("too large", column="y", row=13, entity="Gansu", period=2022)),
    "1.7e308": (panel({(2, "x"): "1.7e308"}).encode(), refused(r"beyond ±1e\+150", column="x", row=2, entity="Anhui")),
    "-1.7e308": (panel({(3, "x"): "-1.7e308"}).encode(), refused(r"beyond ±1e\+150", column="x", row=3, period=2021)),
    "inf": (panel({(4, "x"): "inf"}).encode(), refused("not a number: 'inf'", column="x", row=4, entity="Anhui")),
    "Infinity": (panel({(4, "y"): "Infinity"}).encode(), refused("not a number: 'Infinity'", column="y", row=4)),
    "hex": (panel({(5, "x"): "0x1A"}).encode(), refused("not a number: '0x1A'", column="x", row=5, entity="Beijing")),
    "underscore digits": (panel({(5, "x"): "1_000"}).encode(), refused("not a number: '1_000'", row=5)),
    "percent": (panel({(7, "x"): "12%"}).encode(), refused("not a number: '12%'", column="x", row=7)),
    "currency": (panel({(7, "x"): '"$1,234"'}).encode(), refused(r"not a number: '\$1,234'", column="x", row=7)),
    "two points": (panel({(8, "x"): "1.2.3"}).encode(), refused("not a number: '1.2.3'", row=8, entity="Chongqing")),
    "NaN is missing": (panel({(9, "x"): "NaN"}).encode(), refused("1 missing value", column="x", row=9)),
    "control character in a number cell": (panel({(9, "x"): "1\x012"}).encode(), refused(r"not a number: '1\\x012'", row=9)),
    "long text in a number cell": (panel({(10, "x"): "word " * 2000}).encode(), refused(r"not a number: 'word word.*w\.\.\.;", row=10)),
    "cell over Excel's limit": (panel({(11, "x"): "9" * 200_000}).encode(), refused("200,000 characters", column="x", row=11)),
    # periods
    "period infinite": (panel({(2, "year"): "1e999"}).encode(), refused("period is infinite", column="year", row=2)),
    "period with a unit": (panel({(3, "year"): "2021年"}).encode(), refused("period is not a number: '2021年'", row=3)),
    "period missing": (panel({(3, "year"): ""}).encode(), refused("period is empty", column="year", row=3, entity="Anhui")),
    "duplicate period": (panel({(3, "year"): "2020"}).encode(), refused("more than one row.*rows 2, 3", entity="Anhui", period=2020)),
    # names that would reach a figure or a document
    "control character in an entity": (panel({(r, "province"): "Bei\x01jing" for r in (5, 6, 7)}).encode(),
                                       Reads("province", PROVINCES, r"removed U\+0001 from the entity name")),
    "line separator in an entity": (panel({(r, "province"): "Bei\u2028jing" for r in (5, 6, 7)}).encode(),
                                    Reads("province", PROVINCES, r"U\+2028")),
    "bidirectional override in an entity": (panel({(r, "province"): "Bei\u202ejing" for r in (5, 6, 7)}).encode(),
                                            Reads("province", PROVINCES, r"U\+202E")),
    "name alike but for an invisible mark": (panel({(5, "province"): "Beijing\u200f"}).encode(),
                                             refused(r"'Beijing' and 'Beijing\\u200f' become the same entity name 'Beijing'",
                                                     column="province")),
    "names merged by cleaning": (panel({(5, "province"): "Bei\x01jing"}).encode(),
                                 refused(r"'Bei\\x01jing' and 'Beijing' become the same entity name 'Beijing'", column="province")),
    "control character in a group": (panel({(r, "region"): "Ea\x1bst" for r in range(2, 8)}).encode(),
                                     Reads("region", ["East"] * 6 + ["West"] * 6, r"U\+001B")),
    "entity too long": (panel({(r, "province"): "A" * 300 for r in (2, 3, 4)}).encode(),
                        refused("300 characters long, above the limit of 200", column="province", row=2)),
    "entity only a control character": (panel({(2, "province"): "\x02"}).encode(), refused("entity is empty", row=2)),
    "control character in a column name": (panel(header=["province", "region", "year", "x\x01", "y"]).encode(),
                                           Reads("x", X, r"U\+0001.*header of column D")),
    "emoji kept": (panel({(r, "province"): "Anhui 🙂" for r in (2, 3, 4)}).encode(),
                   Reads("province", ["Anhui 🙂"] * 3 + PROVINCES[3:])),
    "numeric entity codes": (panel({(r, "province"): str(340000 + (r - 2) // 3) for r in range(2, 14)}).encode(),
                             Reads("province", [str(340000 + (r - 2) // 3) for r in range(2, 14)])),
    "entity in two groups": (panel({(3, "region"): "West"}).encode(), refused("more than one group: East, West", entity="Anhui")),
}


@pytest.mark.parametrize("data, expected", CSV_CASES.values(), ids=CSV_CASES.keys())
def test_csv_file(data, expected):
    check(outcome(data), expected)


# ---------------------------------------------------------------- workbooks

CELL = '<c r="{ref}"{kind}><v>{value}</v></c>'
INLINE = '<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def _xml_rows(values: dict | None = None) -> str:
    """The test panel as sheet XML, with cells replaced by raw XML: {(Excel row, column): xml}."""
    out = []
    for n, row in enumerate(panel_rows(), start=1):
        cells = []
        for k, value in enumerate(row):
            ref = f"{'ABCDE'[k]}{n}"
            raw = (values or {}).get((n, HEADER[k]))
            if raw is not None:
                cells.append(raw.format(ref=ref))
            elif isinstance(value, str):
                cells.append(INLINE.format(ref=ref, text=value))
            else:
                cells.append(CELL.format(ref=ref, kind="", value=value))
        out.append(f'<row r="{n}">{"".join(cells)}</row>')
    return "".join(out)


XLSX_CASES = {
    "plain workbook": (lambda: xlsx(panel_rows()), Reads("x", X)),
    "text numbers in a workbook": (lambda: xlsx(panel_rows({(2, "x"): " 1.25 ", (3, "x"): "1,75"})),
                                   refused("mixes decimal marks: '1.25' .*row 2.*'1,75' .*row 3")),
    "decimal comma as text in a workbook": (lambda: xlsx(panel_rows({(3, "x"): "1,75"})),
                                            Reads("x", X, "decimal comma")),
    "boolean in a number column": (lambda: xlsx(panel_rows({(4, "x"): True})), refused("not a number: True", row=4)),
    "date in a number column": (lambda: xlsx(panel_rows({(5, "y"): datetime(2020, 1, 1)})),
                                refused("not a number: datetime", column="y", row=5)),
    "formula without a cached value": (lambda: xlsx(panel_rows({(6, "x"): "=1/0"})), refused("1 missing value", column="x", row=6)),
    "number header": (lambda: xlsx([["province", "region", "year", "x", "y", 2020]] + panel_rows()[1:]), Reads("x", X)),
    "infinite number in the XML": (lambda: xlsx([], sheet(_xml_rows({(7, "x"): CELL.replace("{value}", "1e999")
                                                                     .replace("{kind}", "")}))),
                                   refused("too large", column="x", row=7, entity="Beijing", period=2022)),
    "a size the sheet lies about": (lambda: xlsx([], sheet(_xml_rows(), "A1:XFD1048576")), Reads("x", X)),
    "control characters in inline text": (lambda: xlsx([], sheet(_xml_rows({(r, "province"): INLINE.replace("{text}", "Gan&#8232;su")
                                                                            for r in (11, 12, 13)}))),
                                          Reads("province", PROVINCES, r"U\+2028")),
    "a cell beyond column XFD": (lambda: xlsx([], sheet(_xml_rows() + '<row r="14"><c r="ZZZ14"><v>1</v></c></row>')),
                                 refused("beyond Excel's limit of 16,384 columns", row=14)),
    "not a zip": (lambda: b"PK\x03\x04 not really a zip", refused("not a valid Excel .xlsx workbook")),
    "zip without a workbook": (lambda: _zip({"hello.txt": b"hi"}), refused("cannot be read")),
    "zip bomb": (lambda: _zip({"xl/worksheets/sheet1.xml": b"<" + b" " * 60_000_000 + b">"}),
                 refused("unpacks to 60 MB of XML, above the limit of 20 MB")),
    "zip that understates its unpacked size": (lambda: _understated(xlsx([], sheet(_xml_rows() + "<row/>" * 4_000_000))),
                                               refused("Bad CRC-32")),
    "billion laughs": (lambda: xlsx([], _with_doctype(LAUGHS, "&lol9;")), refused("amplification")),
    "external entity": (lambda: xlsx([], _with_doctype('<!ENTITY xxe SYSTEM "file:///etc/passwd">', "&xxe;")),
                        refused("cannot be read")),
    "a text cell over Excel's limit": (lambda: xlsx([], sheet(_xml_rows({(4, "x"): INLINE.replace("{text}", "7" * 40_000)}))),
                                       refused("40,000 characters", column="x", row=4)),
    "old .xls": (lambda: b"\xd0\xcf\x11\xe0" + b"\x00" * 100, refused("old-style Excel .xls")),
}


def _zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in members.items():
            target.writestr(name, data)
    return out.getvalue()


LAUGHS = '<!ENTITY lol "lol">' + "".join(
    f'<!ENTITY lol{k} "{("&lol" + (str(k - 1) if k > 1 else "") + ";") * 10}">' for k in range(1, 10))


def _with_doctype(entities: str, text: str) -> str:
    """A sheet whose first cell holds an entity declared in a document type: what no workbook needs."""
    return sheet(INLINE.format(ref="A1", text=text)).replace("<worksheet", f"<!DOCTYPE lolz [{entities}]><worksheet", 1)


def _understated(workbook: bytes, member: bytes = b"xl/worksheets/sheet1.xml", size: int = 1000) -> bytes:
    """The workbook with the member's uncompressed size written as `size` in its local and central headers."""
    data = bytearray(workbook)
    for signature, header, name_length_at, size_at in ((b"PK\x03\x04", 30, 26, 22), (b"PK\x01\x02", 46, 28, 24)):
        at = data.find(signature)
        while at >= 0:
            length = struct.unpack_from("<H", data, at + name_length_at)[0]
            if data[at + header:at + header + length] == member:
                struct.pack_into("<I", data, at + size_at, size)
            at = data.find(signature, at + 4)
    return bytes(data)


@pytest.mark.parametrize("make, expected", XLSX_CASES.values(), ids=XLSX_CASES.keys())
def test_workbook(make, expected):
    check(outcome(make(), "panel.xlsx"), expected)


def test_cell_cap_stops_streaming_a_sheet(monkeypatch):
    monkeypatch.setattr(reading, "MAX_SHEET_CELLS", 40)
    check(outcome(xlsx(panel_rows()), "panel.xlsx"), refused("more than 40 cells"))


# ---------------------------------------------------------------- files on disk and big inputs


def test_paths_that_are_not_data_files(tmp_path):
    with pytest.raises(UserError, match="is a folder"):
        read_file(tmp_path)
    with pytest.raises(UserError, match="not found"):
        read_file(tmp_path / "nothing.csv")
    if os.path.exists("/dev/zero"):
        started = time.perf_counter()
        with pytest.raises(UserError, match="is a device"):
            read_file("/dev/zero")
        assert time.perf_counter() - started < 1


def test_size_is_checked_before_reading(tmp_path):
    sparse = tmp_path / "huge.csv"
    with sparse.open("wb") as file:
        file.truncate(60_000_000)  # a 60 MB file that takes no disk and would take seconds to read
    started = time.perf_counter()
    with pytest.raises(UserError, match="60 MB, above the limit of 50 MB"):
        read_table(sparse)
    assert time.perf_counter() - started < 0.5
    small = tmp_path / "small.csv"
    small.write_bytes(b"x" * 101)
    with pytest.raises(UserError, match="above the limit of 100 bytes"):
        read_file(small, max_bytes=100)


def test_many_unnamed_columns_are_refused_with_the_limit():
    data = ("a" + "," * 20_000 + "\n" + "1," * 20_000 + "1\n").encode()
    with pytest.raises(UserError, match="20,001 values, above Excel's limit of 16,384 columns"):
        read_table(data, "wide.csv")


def test_thousands_of_columns_are_read_in_seconds():
    columns = 4000
    data = "\n".join(",".join(f"{prefix}{k}" for k in range(columns)) for prefix in ("c", "", "w", "1.5")).encode()
    started = time.perf_counter()
    frame = read_table(data, "wide.csv")
    assert time.perf_counter() - started < 15  # 20 s before, with a pass of every text operation per column
    assert frame.shape == (3, columns) and frame.loc[2, "c7"] == 7 and frame.loc[3, "c7"] == "w7"


def test_millions_of_empty_cells_are_refused_before_parsing():
    data = ("a,b,c,d,e,f,g,h,i,j,k\n" + ",,,,,,,,,,\n" * 2_000_000 + "1,2,3,4,5,6,7,8,9,10,11\n").encode()
    started = time.perf_counter()
    with pytest.raises(UserError, match=r"22,000,0\d\d cells \(rows times columns\), above the limit of 20,000,000"):
        read_table(data, "empty rows.csv")
    assert time.perf_counter() - started < 5


def test_a_million_rows_are_read_in_seconds(tmp_path):
    rows = "\n".join(f"E{k % 5000},{2000 + k // 5000},{k % 977 / 7:.4f}" for k in range(1_000_000))
    path = tmp_path / "long.csv"
    path.write_text("entity,year,x\n" + rows + "\n")
    started = time.perf_counter()
    frame = read_table(path)
    assert time.perf_counter() - started < 20  # 277 s before; a few seconds on an idle machine
    assert frame.shape == (1_000_000, 3) and frame.loc[1_000_001, "x"] == pytest.approx(999_999 % 977 / 7, abs=5e-5)


# ---------------------------------------------------------------- many problems at once: counted, not listed


def _long_panel(entities: int) -> list[list[str]]:
    return [[f"P{k}", "East", str(year), f"{k % 7 + year % 3 + 0.5}", f"{k % 5 * 0.1 + 0.25}"]
            for k in range(entities) for year in (2020, 2021, 2022)]


MANY = {
    "thousands of text cells": (lambda rows: [r[:3] + ["n.a.x"] + r[4:] for r in rows], "more cells in this column are not numbers"),
    "every row twice": (lambda rows: rows + rows, "more entity and period pairs have more than one row"),
    "thousands of empty entities": (lambda rows: [[""] + r[1:] for r in rows[:3000]] + rows[3000:], "more rows have no entity"),
    "gaps in many patterns": (lambda rows: [r for k, r in enumerate(rows) if k % 7 and k % 11], "more entities lack other"),
    "thousands of infinities": (lambda rows: [r[:3] + ["1e999"] + r[4:] for r in rows], r"more cells in this column are beyond"),
}


@pytest.mark.parametrize("change, summary", MANY.values(), ids=MANY.keys())
def test_many_problems_are_summarised(change, summary):
    result = outcome(panel(rows=change(_long_panel(2000))).encode())
    problems = result.problems
    assert len(problems) <= 12, [str(p) for p in problems]
    assert any(re.search(summary, p.message) for p in problems), [str(p) for p in problems]
