"""Cells hold values and how to print them; renderers only choose their own syntax for the parts."""
from __future__ import annotations

import pytest

from analysis.table import Cell, Format, significance
from report.cells import MINUS, display_width, number_extent, width_cap


@pytest.mark.parametrize("cell, parts", [
    (Cell(-0.0351, 3), ("", "-0.035", "")),
    (Cell(0.0114, 3, brackets="()"), ("(", "0.011", ")")),
    (Cell(-1.2, 2, brackets="[]"), ("[", "-1.20", "]")),
    (Cell(360), ("", "360", "")),
    (Cell(0.125, 1, percent=True), ("", "12.5", "%")),
    (Cell(-0.0004, 3), ("", "0.000", "")),  # no sign on a number that prints as zero
    (Cell("2011-2022"), ("", "2011-2022", "")),
    (Cell(float("nan"), 3), ("", "", "")),
])
def test_a_cell_prints_its_value_in_parts(cell, parts):
    assert cell.parts() == parts


def test_each_renderer_chooses_its_minus_sign():
    assert Cell(-0.5, 1, brackets="()").parts(MINUS) == ("(", MINUS + "0.5", ")")
    assert Cell("-").parts(MINUS) == ("", "-", "")  # text is never touched


def test_decimals_and_stars_come_from_the_format():
    fmt = Format(decimals=2, stars="conventional", decimals_by_table=(("table4", 4),))
    cell = fmt.number(0.12345, p_value=0.03)
    assert (cell.text, cell.stars) == ("0.12", "**")
    assert fmt.for_table("table4").number(0.12345).text == "0.1235"
    assert fmt.for_table("table7").number(0.12345).text == "0.12"
    assert fmt.count(816.0).text == "816" and fmt.quote(-0.35) == "-0.35"


def test_one_star_rule():
    assert significance(0.0009, "stata") == (0.001, "***")
    assert significance(0.04, "conventional") == (0.05, "**")
    assert significance(0.2, "stata") is None and significance(0.001, "none") is None
    assert significance(float("nan"), "stata") is None


def test_number_extent_for_alignment():
    extent = number_extent([Cell(-12.345, 3, brackets="()"), Cell(1.5, 3, "***"), Cell("n.a.")])
    assert (extent.signed, extent.integers, extent.decimals, extent.before, extent.after, extent.stars) == \
           (True, 2, 3, "(", ")", "***")
    assert number_extent([Cell("text")]) is None


def test_cjk_characters_count_double():
    assert display_width("ab新质") == 6


def test_width_cap_cuts_only_the_widest():
    assert width_cap([70, 248], 149.5) == 79.5
    assert width_cap([10, 20, 30], 45) == 17.5
    assert width_cap([10, 20], 100) == 20  # nothing to cut
