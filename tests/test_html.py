"""HTML tables: golden output, structure as printed, and escaping of hostile text."""
from __future__ import annotations

import html
from html.parser import HTMLParser
from pathlib import Path

import pytest

from report.html import TABLE_CSS, table_html
from tests.sample_tables import HOSTILE, coefficient_table, descriptive_table, hostile_table, indicator_table, level_table

GOLDEN = Path(__file__).parent / "golden"


class _Cells(HTMLParser):
    """Rows of (tag, attributes, text) for th/td cells, plus every tag seen."""

    def __init__(self):
        super().__init__()
        self.rows, self.tags, self._cell = [], [], None

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        if tag == "tr":
            self.rows.append([])
        elif tag in ("th", "td"):
            self._cell = [tag, dict(attrs), ""]
            self.rows[-1].append(self._cell)

    def handle_endtag(self, tag):
        if tag in ("th", "td"):
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell[2] += data


def _parse(text: str) -> _Cells:
    parser = _Cells()
    parser.feed(text)
    return parser


@pytest.mark.parametrize("make", [coefficient_table, descriptive_table, level_table, hostile_table, indicator_table])
def test_table_matches_golden_file(make, file_regression):
    table = make()
    file_regression.check(table_html(table), fullpath=GOLDEN / f"{table.id}.html")


def test_header_levels_use_colspan_and_groups_span_the_table():
    parsed = _parse(table_html(coefficient_table()))
    spanners = [(c[1].get("colspan"), c[2]) for c in parsed.rows[0][1:]]
    assert spanners == [("2", "Single equation"), ("2", "System")]
    assert [c[2] for c in parsed.rows[1]] == ["Variable", "(1) OLS", "(2) 2SLS", "(3) 3SLS", "(4) Iterated 3SLS"]
    assert parsed.rows[2] == [["td", {"colspan": "5"}, "Equation 1: New quality productivity (productivity)"]]
    assert [c[2] for c in parsed.rows[3]] == ["ln education", "−0.003", "−0.034**", "−0.035**", "−0.035**"]
    assert [c[2] for c in parsed.rows[4]] == ["", "(0.009)", "(0.011)", "(0.011)", "(0.011)"]


def test_rules_and_number_alignment_come_from_classes_the_css_defines():
    text = table_html(coefficient_table())
    assert '<tr class="rule-above"><td>N</td>' in text
    assert 'class="num">0.034<span class="after" style="min-width: 1.8ch"><sup>***</sup></span>' in text
    for selector in ("thead tr:first-child th", "thead tr:last-child th", "tbody tr:last-child td", "tr.rule-above td",
                     "th.spanner > span", ".num"):
        assert f"table.academic {selector}" in TABLE_CSS


def test_notes_are_in_the_footer():
    parsed = _parse(table_html(coefficient_table()))
    assert [c[2] for row in parsed.rows[-2:] for c in row] == list(coefficient_table().notes)
    assert "tfoot" in parsed.tags


def test_hostile_text_is_escaped():
    text = table_html(hostile_table())
    assert "<script>" not in text
    assert text.count(html.escape(HOSTILE)) == 6  # caption, spanner, stubhead, group, row label, note
    parsed = _parse(text)
    assert "script" not in parsed.tags
    assert parsed.rows[1][0][2] == "Stub " + HOSTILE  # the browser shows the text as written
    assert parsed.rows[-2][0][2] == "新质生产力 & 制造业"
