import pytest

from analysis.errors import UserError
from analysis.formula import Term, parse_equation, parse_term


def test_paper_equation():
    eq = parse_equation("productivity ~ ln(education) + ln(research) + ln(patent) + manufacture")
    assert eq.name == "productivity"
    assert eq.dependent == Term("productivity")
    assert [t.name for t in eq.regressors] == ["ln(education)", "ln(research)", "ln(patent)", "manufacture"]
    assert [t.label for t in eq.regressors][:1] == ["ln education"]
    assert eq.intercept


def test_named_equation_without_intercept_round_trips():
    eq = parse_equation("demand: q ~ p + income - 1")
    assert (eq.name, eq.intercept) == ("demand", False)
    assert parse_equation(eq.text) == eq


def test_backquoted_columns_with_any_characters():
    eq = parse_equation("y ~ `R&D经费(亿元)` + ln(`a b`)")
    assert eq.regressors == (Term("R&D经费(亿元)"), Term("a b", "ln"))
    assert parse_equation(eq.text) == eq


def test_without_drops_named_terms():
    eq = parse_equation("y ~ ln(a) + b + c")
    assert [t.name for t in eq.without({"ln(a)", "c"}).regressors] == ["b"]


@pytest.mark.parametrize("text, message", [
    ("y ~ ", "both sides of '~' need a term"),
    ("y x", "expected 'dependent ~ regressor"),
    ("y ~ x + + z", "expected a column name"),
    ("y ~ exp(x)", "expected '+' between terms"),
    ("y ~ x + x", "regressor x appears twice"),
    ("y ~ x + y", "also appears on the right"),
    ("a + b ~ x", "the dependent must be one term"),
    ("y ~ ln(x", "missing ')'"),
    ('__import__("os").system("id") ~ x', "expected"),
    ("y ~ x ~ z", "exactly one '~'"),
])
def test_malformed_formulas_get_clear_messages(text, message):
    with pytest.raises(UserError, match=None) as info:
        parse_equation(text, "model.equations[0]")
    assert message in str(info.value)
    assert str(info.value).startswith("model.equations[0]")


def test_parse_term():
    assert parse_term("ln(education)") == Term("education", "ln")
    with pytest.raises(UserError, match="expected one column"):
        parse_term("a + b")
