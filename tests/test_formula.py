import pytest

from analysis.errors import UserError
from analysis.formula import MAX_TERMS, Term, parse_equation, parse_term


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
    ("y ~ exp(x)", "exp() is not part of the grammar, only ln(column) is: add exp(x) as a column to the data"),
    ("y ~ x + x", "regressor x appears twice"),
    ("y ~ x + y", "also appears on the right"),
    ("a + b ~ x", "the dependent must be one term"),
    ("y ~ ln(x", "missing ')'"),
    ('__import__("os").system("id") ~ x', "__import__() is not part of the grammar, only ln(column) is"),
    ("y ~ x ~ z", "exactly one '~'"),
    ("y ~ log(x)", "write ln(x): the natural logarithm is the only transform"),
    ("y ~ x^2", "'^' is not allowed; powers such as x^2 are not part of the grammar: add the squared column"),
    ("y ~ x*z", "products such as x*z are not part of the grammar: add the interaction as a column"),
    ("y ~ I(x + z)", "I(...) is not part of the grammar: add the expression as a column"),
    ("y ~ a:b", "interactions such as a:b are not part of the grammar"),
    ("y ~ a - b", "only '- 1' (no intercept) may follow the terms"),
    ("y ~ a = b", "unknown character '='; the grammar has column names, '+', ln(column)"),
    ("y ~ `a", "a backquote is not closed"),
    ("y ~ ``", "empty backquotes"),
    ("y ~ x + _cons", "_cons is the name of the intercept in the tables; rename that column"),
])
def test_malformed_formulas_get_clear_messages(text, message):
    with pytest.raises(UserError, match=None) as info:
        parse_equation(text, "model.equations[0]")
    assert message in str(info.value)
    problem, = info.value.problems
    assert problem.key == "model.equations[0]" and problem.code  # located, and in the catalogue


def test_parse_term():
    assert parse_term("ln(education)") == Term("education", "ln")
    with pytest.raises(UserError, match="expected one column"):
        parse_term("a + b")


def test_regressors_are_capped():
    text = "y ~ " + " + ".join(f"x{k}" for k in range(MAX_TERMS + 1))
    with pytest.raises(UserError, match=f"{MAX_TERMS + 1} regressors; an equation may have at most {MAX_TERMS}"):
        parse_equation(text)
    assert len(parse_equation(text.rsplit(" + ", 1)[0]).regressors) == MAX_TERMS


def test_names_with_other_characters_are_written_in_backquotes():
    assert Term("a/b").name == "`a/b`" and Term("x^2").name == "`x^2`" and Term("R&D强度%").name == "R&D强度%"
