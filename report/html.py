"""Tables as HTML laid out as printed: spanners with colspan, group rows, three rules, notes below."""
from __future__ import annotations

from functools import lru_cache
from html import escape

from analysis.table import Cell, Row, Table
from report.cells import MINUS, display_width

TABLE_CSS = """
table.academic { border-collapse: collapse; margin: 1em auto; font-family: "Times New Roman", "Noto Serif CJK SC", "SimSun", serif; font-size: 10pt; }
table.academic caption { caption-side: top; padding-bottom: .5em; }
table.academic th, table.academic td { padding: .1em .6em; border: none; font-weight: normal; vertical-align: bottom; }
table.academic th:first-child, table.academic td:first-child { padding-left: 0; text-align: left; }
table.academic th:last-child, table.academic td:last-child { padding-right: 0; }
table.academic thead tr:first-child th { border-top: 1.5px solid #000; }
table.academic thead tr:last-child th { border-bottom: .75px solid #000; }
table.academic th.spanner { text-align: center; }
table.academic th.spanner > span { display: block; border-bottom: .75px solid #000; }
table.academic th.spanner.blank > span { border-bottom: none; }
table.academic tbody tr:last-child td { border-bottom: 1.5px solid #000; }
table.academic tr.rule-above td { border-top: .75px solid #000; }
table.academic tr.group td { font-style: italic; padding-top: .4em; }
table.academic .num { text-align: right; white-space: nowrap; }
table.academic sup { font-size: 70%; line-height: 0; position: relative; top: -.5em; vertical-align: baseline; }
table.academic .num .after { display: inline-block; text-align: left; }
table.academic th.num { text-align: center; }
table.academic .text { text-align: left; }
table.academic tfoot td { font-size: 9pt; padding-top: .3em; text-align: left; white-space: normal; }
""".strip()


TABLES_KEPT = 64  # renderings kept: the app re-renders only the tables a change of print settings changes


@lru_cache(maxsize=TABLES_KEPT)
def table_html(table: Table) -> str:
    """The table as an HTML <table class="academic">; style it with TABLE_CSS. Made once per table value (tables
    are frozen)."""
    reserve = [_reserved_after(table, j) if table.numeric[j] else 0.0 for j in range(table.ncols)]
    parts = [
        '<table class="academic">',
        f"<caption>{escape(table.title)}</caption>",
        _thead(table),
        _tbody(table, reserve),
        _tfoot(table),
        "</table>",
    ]
    return "\n".join(p for p in parts if p) + "\n"


def _reserved_after(table: Table, j: int) -> float:
    """Width in ch kept right of each number in a column, so decimal points line up under right alignment."""
    cells = [row.cells[j] for _, row in table.rows() if row.cells[j].is_number]
    return max((display_width(c.parts()[2]) + 0.6 * len(c.stars) for c in cells), default=0.0)


def _thead(table: Table) -> str:
    rows = []
    for index, level in enumerate(table.header):
        last = index == len(table.header) - 1
        cells = [f"<th>{escape(table.stubhead) if last else ''}</th>"]
        start = 0
        for span in level:
            cells.append(_column_label(span.label, table.numeric[start]) if last else _spanner(span.label, span.width))
            start += span.width
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return "<thead>\n" + "\n".join(rows) + "\n</thead>"


def _column_label(label: str, numeric: bool) -> str:
    return f'<th class="{"num" if numeric else "text"}">{escape(label)}</th>'


def _spanner(label: str, width: int) -> str:
    blank = "" if label.strip() else " blank"
    return f'<th class="spanner{blank}" colspan="{width}"><span>{escape(label)}</span></th>'


def _tbody(table: Table, reserve: list[float]) -> str:
    rows = []
    for group in table.groups:
        if group.label.strip():
            rows.append(f'<tr class="group"><td colspan="{table.ncols + 1}">{escape(group.label)}</td></tr>')
        rows += [_row(row, table.numeric, reserve) for row in group.rows]
    return "<tbody>\n" + "\n".join(rows) + "\n</tbody>"


def _row(row: Row, numeric: tuple[bool, ...], reserve: list[float]) -> str:
    rule = ' class="rule-above"' if row.rule_above else ""
    cells = [_cell(cell, is_number, room) for cell, is_number, room in zip(row.cells, numeric, reserve)]
    return f"<tr{rule}><td>{escape(row.label)}</td>" + "".join(cells) + "</tr>"


def _cell(cell: Cell, numeric: bool, reserve: float) -> str:
    """Numbers right-aligned with a true minus sign, what follows them (")" and stars) in a fixed-width box."""
    stars = f"<sup>{escape(cell.stars)}</sup>" if cell.stars else ""
    if not (numeric and cell.is_number):
        css = "num" if numeric else "text"
        return f'<td class="{css}">{escape("".join(cell.parts(MINUS)))}{stars}</td>'
    before, number, after = cell.parts(MINUS)
    trailing = f'<span class="after" style="min-width: {reserve:g}ch">{escape(after)}{stars}</span>' if reserve else ""
    return f'<td class="num">{escape(before + number)}{trailing}</td>'


def _tfoot(table: Table) -> str:
    if not table.notes:
        return ""
    rows = [f'<tr><td colspan="{table.ncols + 1}">{escape(note)}</td></tr>' for note in table.notes]
    return "<tfoot>\n" + "\n".join(rows) + "\n</tfoot>"
