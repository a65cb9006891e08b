"""Reading the number out of a printed cell."""
from __future__ import annotations

import pytest

from report.cells import MINUS, PrintedNumber, display_width, printed_number, width_cap, with_true_minus


@pytest.mark.parametrize("text, expected", [
    ("-0.035", PrintedNumber("", "-0.035", "")),
    ("(0.011)", PrintedNumber("(", "0.011", ")")),
    ("[-1.20]", PrintedNumber("[", "-1.20", "]")),
    ("360", PrintedNumber("", "360", "")),
    ("12.5%", PrintedNumber("", "12.5", "%")),
    (" .5 ", PrintedNumber("", ".5", "")),
])
def test_numbers_are_split_from_the_text_around_them(text, expected):
    assert printed_number(text) == expected


@pytest.mark.parametrize("text", ["", "n.a.", "2011-2022", "[0.0~0.1]", "1,082", "1e-05", "Yes"])
def test_text_is_not_a_number(text):
    assert printed_number(text) is None


def test_digit_counts_for_alignment():
    number = printed_number("(-12.345)")
    assert (number.integer_digits, number.decimals, number.signed) == (2, 3, True)
    assert printed_number("360").decimals == 0


def test_true_minus_only_in_numbers():
    assert with_true_minus("-0.035") == MINUS + "0.035"
    assert with_true_minus("(-0.5)") == "(" + MINUS + "0.5)"
    assert with_true_minus("2011-2022") == "2011-2022"
    assert with_true_minus("-") == "-"


def test_cjk_characters_count_double():
    assert display_width("ab新质") == 6


def test_width_cap_cuts_only_the_widest():
    assert width_cap([70, 248], 149.5) == 79.5
    assert width_cap([10, 20, 30], 45) == 17.5
    assert width_cap([10, 20], 100) == 20  # nothing to cut
