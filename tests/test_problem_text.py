"""Problems in the reader's language: every message id analysis/ raises is in the catalogue, and a problem prints
its English text unchanged and its Chinese text with the place in Chinese."""
from __future__ import annotations

import ast
from pathlib import Path

from analysis.catalogue import words
from analysis.data import LISTED_NAMES
from analysis.errors import Joined, Problem, Word, first_names

ANALYSIS = Path(__file__).resolve().parents[1] / "analysis"
RAISING = {"of", "error", "warn", "cells", "_refused", "_warning"}  # calls whose string arguments are message ids
COMPOSED = {"missing_values_one", "missing_values_many", "missing_dropped_one", "missing_dropped_many",
            "duplicate_entity", "duplicate_period", "number_infinite", "number_too_large"}  # ids data.py composes


def _ids(source: str) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(source)):
        name = getattr(node, "func", None) and (getattr(node.func, "attr", None) or getattr(node.func, "id", None))
        if isinstance(node, ast.Call) and name in RAISING:
            for argument in node.args:
                choices = [argument.body, argument.orelse] if isinstance(argument, ast.IfExp) else [argument]
                found |= {c.value for c in choices if isinstance(c, ast.Constant) and isinstance(c.value, str)}
    return found


def test_every_message_id_raised_is_in_the_catalogue():
    raised = set().union(*(_ids((ANALYSIS / name).read_text(encoding="utf-8")) for name in ("reading.py", "data.py")))
    assert len(raised) > 60
    assert not (raised | COMPOSED) - set(words("messages", "en")), "message ids missing from locales/messages.toml"


def test_a_problem_prints_english_as_before_and_chinese_with_its_place():
    problem = Problem.of("cell_not_number", column="gdp", row=4, entity="北京", period=2013, value="'abc'")
    assert problem.message == ("the cell is not a number: 'abc'; rows are numbered as in Excel: the header is row 1, "
                               "the first data row is row 2")
    assert str(problem) == problem.message + " (column 'gdp', row 4, entity '北京', period 2013)" == problem.text("en")
    assert problem.text("zh") == ("该单元格不是数值：'abc'；行号与Excel一致：表头为第1行，第一行数据为第2行"
                                  "（列“gdp”，第4行，个体“北京”，时期2013）")
    assert problem.text("zh+en", located=False) == problem.text("zh").split("（列")[0]


def test_words_and_lists_in_a_message_follow_the_language():
    rows = Problem.of("duplicate_pair", rows=(2, 362), column="year")
    assert "rows 2, 362;" in rows.text("en") and "第2、362行；" in rows.text("zh")
    names = Problem.of("names_collide", names=Joined(("'a '", "'a'")), role=Word("group"), name="a", column="region")
    assert names.message.startswith("'a ' and 'a' become the same group name 'a'")
    assert names.text("zh").startswith("'a '和'a'删除不可打印字符和多余空白后成为同一组别名称“a”")
    gaps = Problem.of("unbalanced_entities", count=12, periods=first_names(["2011"], LISTED_NAMES),
                      entities=first_names(list("ABCDEFGHIJKL"), LISTED_NAMES))
    assert gaps.message == "unbalanced panel: 12 entities have no row for 2011: A, B, C, D, E, F, G, H, I, J and 2 more"
    assert gaps.text("zh") == "非平衡面板：12个个体缺少时期2011的数据：A、B、C、D、E、F、G、H、I、J，另有2个"
    assert hash(names) == hash(Problem.of("names_collide", names=Joined(("'a '", "'a'")), role=Word("group"), name="a",
                                          column="region"))  # the app lists each problem once


def test_a_problem_without_an_id_keeps_its_english_message_in_every_language():
    problem = Problem("the citation @x is not in the reference file", key="introduction")
    assert str(problem) == "the citation @x is not in the reference file (key 'introduction')"
    assert problem.text("zh") == "the citation @x is not in the reference file（设置项“introduction”）"
