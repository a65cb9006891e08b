"""Problems with the study file, and with the app's edits to it, in the study's language: every one from the message
catalogue, English as before and Chinese with the key to fix."""
from __future__ import annotations

import ast
import copy
import datetime
import re
import tomllib
from pathlib import Path
from typing import Annotated

import pytest
from pydantic import BaseModel, Field, ValidationError, field_validator

from analysis import study as studies
from analysis.catalogue import words
from analysis.errors import Invalid, Problem, UserError
from analysis.formula import parse_equation
from tests.test_problem_text import _ids

ROOT = Path(__file__).resolve().parents[1]
BASE = tomllib.loads((ROOT / "tests" / "data" / "small_study.toml").read_text(encoding="utf-8"))
HAN = re.compile(r"[\u4e00-\u9fff]")


def refused(data: dict) -> list[Problem]:
    with pytest.raises(UserError) as info:
        studies.study_from_dict(data)
    return info.value.problems


def changed(path: tuple, value) -> dict:
    """The small study with the value at path (a new table is made on the way)."""
    data = copy.deepcopy(BASE)
    target = data
    for part in path[:-1]:
        target = target.setdefault(part, {}) if isinstance(part, str) else target[part]
    target[path[-1]] = value
    return data


# A wrong value for every kind of field of the Study schema: the key to fix and the message id it gets.
KINDS = {
    "text": (("title",), 3, "title", "wrong_type"),
    "text given a date": (("title",), datetime.date(2024, 5, 1), "title", "wrong_type"),
    "text given an array": (("title",), ["a"], "title", "wrong_type_of"),
    "boolean": (("data", "synthetic"), "yes", "data.synthetic", "wrong_type"),
    "whole number": (("tables", "decimals"), 1.5, "tables.decimals", "wrong_type"),
    "number": (("coupling", "a"), "0.5", "coupling.a", "wrong_type"),
    "lax number": (("markov", "cutoffs"), ["a"], "markov.cutoffs[0]", "wrong_type"),
    "choice": (("data", "missing"), "drop", "data.missing", "not_a_choice"),
    "choice in a list": (("model", "methods"), ["gmm"], "model.methods[0]", "not_a_choice"),
    "list": (("panel", "group_order"), "North", "panel.group_order", "wrong_type"),
    "table of labels": (("panel", "group_labels"), ["North"], "panel.group_labels", "wrong_type_of"),
    "section": (("panel",), 3, "panel", "wrong_type"),
    "section of a table": (("variables", "z1"), "Zed", "variables.z1", "wrong_type"),
    "pair": (("coupling", "indices"), ["alpha", "beta", "alpha"], "coupling.indices", "too_many_items"),
    "pair with one": (("coupling", "indices"), ["alpha"], "coupling.indices[1]", "key_missing"),
    "ten levels": (("coupling", "levels"), ["L"] * 9, "coupling.levels", "too_few_items"),
    "one equation at least": (("model", "equations"), [], "model.equations", "list_empty"),
    "at least": (("tables", "decimals"), -1, "tables.decimals", "not_greater_or_equal"),
    "at most": (("tables", "decimals"), 9, "tables.decimals", "not_less_or_equal"),
    "above": (("spatial", "power"), 0, "spatial.power", "not_greater_than"),
    "below": (("indices", 0, "epsilon"), 0.5, "indices[0].epsilon", "not_less_than"),
    "per-table decimals": (("tables", "decimals_by_table"), {"table4": 9}, "tables.decimals_by_table.table4",
                           "not_less_or_equal"),
    "text or list": (("model", "robustness"), [3], "model.robustness[0]", "wrong_type"),
    "unknown key": (("tables", "decimal"), 3, "tables.decimal", "unknown_key_close"),
    "unknown key, nothing close": (("tables", "zzzz"), 3, "tables.zzzz", "unknown_key_listed"),
    "empty name of a label": (("variables", ""), {"label": "x"}, "variables.", "name_empty"),
}


@pytest.mark.parametrize("path, value, key, code", KINDS.values(), ids=KINDS.keys())
def test_every_kind_of_field_gets_a_catalogue_message_in_both_languages(path, value, key, code):
    problems = refused(changed(path, value))
    assert code in [p.code for p in problems], [str(p) for p in problems]
    for problem in problems:
        assert problem.code and problem.code != "invalid_value", str(problem)
        assert f"(key '{problem.key}')" in problem.text("en") and problem.key.startswith(key.split("[")[0])
        chinese = problem.text("zh")
        assert HAN.search(chinese) and f"（设置项“{problem.key}”）" in chinese, chinese
        assert not re.search(r"Input should|not valid|write |unknown key", chinese), chinese


def test_the_wrong_kind_of_value_says_what_was_found_and_how_to_write_it():
    problem, = refused(changed(("data", "synthetic"), "yes"))
    assert str(problem) == ("Input should be a valid boolean, not str 'yes': write true or false, without quotes "
                            "(key 'data.synthetic')")
    assert problem.text("zh") == "此处应为布尔值，而不是文本 'yes'：请写true或false，不加引号（设置项“data.synthetic”）"
    problem, = refused(changed(("title",), ["a"]))
    assert problem.text("zh") == "此处应为文本，而不是数组：请把文本写在英文双引号中（设置项“title”）"
    problem, = refused(changed(("title",), "x" * 200 + 3 * "😀"))
    assert len(problem.fields) == 1 and "'😀' (U+1F600)" in problem.text("zh")
    long, = refused(changed(("data", "synthetic"), "y" * 500))
    assert len(long.message) < 140  # the value found is shortened


def test_choices_and_bounds_name_the_schema_values():
    choice, = refused(changed(("data", "missing"), "drop"))
    assert str(choice) == "Input should be 'error' or 'listwise' (key 'data.missing')"
    assert choice.text("zh") == "取值应为'error'或'listwise'（设置项“data.missing”）"
    methods, = refused(changed(("model", "methods"), ["gmm"]))
    assert methods.text("zh").startswith("取值应为'ols'、'2sls'、'3sls'或'i3sls'")
    bound, = refused(changed(("indices", 0, "epsilon"), 0.5))
    assert str(bound) == "Input should be less than 0.5 (key 'indices[0].epsilon')"
    assert bound.text("zh") == "取值应小于0.5（设置项“indices[0].epsilon”）"
    levels, = refused(changed(("coupling", "levels"), ["L"] * 9))
    assert levels.text("zh") == "至少应有10项，当前为9项（设置项“coupling.levels”）"


def test_did_you_mean_and_the_keys_here_in_both_languages():
    close, = refused(changed(("indices", 0, "lable"), "A"))
    assert str(close) == "unknown key; did you mean 'label'? (key 'indices[0].lable')"
    assert close.text("zh") == "未知的设置项；是否指“label”？（设置项“indices[0].lable”）"
    listed, = refused(changed(("data", "zzzz"), 1))
    assert str(listed) == "unknown key; the keys here are source, synthetic, missing (key 'data.zzzz')"
    assert listed.text("zh") == "未知的设置项；此处可用的设置项为source、synthetic、missing（设置项“data.zzzz”）"
    label, = refused(changed(("variables", "z1"), {"lable": "Zed"}))  # the key of a table the author names is skipped
    assert "did you mean 'label'?" in str(label) and label.key == "variables.z1.lable"


# Bad studies for each check of analysis/study.py beyond the types: the message id each gets.
CHECKS = {
    "unprintable title": (changed(("title",), "Study 🚀"), "unprintable_character"),
    "unprintable label": (changed(("indices", 0, "label"), "😀 한"), "unprintable_characters"),
    "control character in a name": (changed(("panel", "entity"), "pro\u0007vince"), "name_control_characters"),
    "title too long": (changed(("title",), "t" * 300), "title_too_long"),
    "fixed weights": (changed(("indices", 0, "method"), "fixed"), "fixed_weights_missing"),
    "a + b": (changed(("coupling", "a"), 0.7), "coupling_weights_sum"),
    "rescale": (changed(("coupling", "rescale"), [0.9, 0.1]), "rescale_bounds"),
    "21 equations": (changed(("model", "equations"), [f"y{k} ~ x{k}" for k in range(21)]), "too_many_equations"),
    "equations of one name": (changed(("model", "equations"), ["y ~ x", "y ~ z"]), "equation_names_repeated"),
    "21 variants": (changed(("model", "robustness"), ["z2"] * 21), "too_many_robustness"),
    "unknown table": (changed(("tables", "titles"), {"table10": "X"}), "unknown_table_titles"),
    "two indices of one name": (changed(("indices", 1, "name"), "alpha"), "index_name_repeated"),
    "index named like the period": (changed(("indices", 1, "name"), "year"), "index_named_like_key"),
    "index named C": (changed(("indices", 1, "name"), "C"), "index_named_like_result"),
    "one column, two keys": (changed(("panel", "group"), "province"), "panel_keys_same_column"),
    "unknown coupled index": (changed(("coupling", "indices"), ["alpha", "gamma"]), "coupling_index_unknown"),
    "coupled index, no index": ({"coupling": {"indices": ["a", "b"]}, "panel": {"time": "y"}},
                                "coupling_index_unknown_none"),
    "coupled with itself": (changed(("coupling", "indices"), ["alpha", "alpha"]), "coupling_index_twice"),
    "coupling by period": ({**BASE, "panel": {"entity": "province"}}, "coupling_needs_time"),
    "heterogeneity without group": ({**BASE, "panel": {"entity": "province", "time": "year"}}, "needs_group_column"),
    "clustered without entity": ({**changed(("model", "covariance"), "clustered"), "panel": {"time": "year"}},
                                 "clustered_needs_entity"),
    "no methods, robustness": ({**BASE, "model": {**BASE["model"], "methods": [], "heterogeneity": False,
                                                  "robustness": ["z2"]}}, "methods_empty"),
    "no methods, both": ({**BASE, "model": {**BASE["model"], "methods": [], "robustness": ["z2"]}}, "methods_empty_both"),
    "entity as a regressor": (changed(("model", "equations"), ["alpha ~ province + beta", "beta ~ z2 + alpha"]),
                              "equation_uses_key_column"),
    "drop of a non-regressor": (changed(("model", "robustness"), ["z9"]), "robustness_drops_unknown"),
}


@pytest.mark.parametrize("data, code", CHECKS.values(), ids=CHECKS.keys())
def test_the_study_module_raises_no_english_only_problem(data, code):
    problems = refused(data)
    assert code in [p.code for p in problems], [str(p) for p in problems]
    for problem in problems:
        assert problem.code and problem.code != "invalid_value" and problem.key, str(problem)
        assert HAN.search(problem.text("zh")) and f"设置项“{problem.key}”" in problem.text("zh")


def test_cross_references_in_chinese_name_the_key_and_the_role():
    named = next(p for p in refused(changed(("indices", 1, "name"), "year")) if p.code == "index_named_like_key")
    assert str(named) == "year is the period column (panel.time); give the index another name (key 'indices[1].name')"
    assert named.text("zh") == "year是时期列（panel.time）；请为综合指数另取名称（设置项“indices[1].name”）"
    entity, = refused(changed(("model", "equations"), ["alpha ~ province + beta", "beta ~ z2 + alpha"]))
    assert entity.text("zh").startswith("使用了province，即个体列，该列存放的是名称而非数值")
    both, = refused({**BASE, "model": {**BASE["model"], "methods": [], "robustness": ["z2"]}})
    assert "robustness and heterogeneity compare" in str(both) and "稳健性检验和异质性分析" in both.text("zh")
    one, = refused({**BASE, "model": {**BASE["model"], "methods": [], "heterogeneity": False, "robustness": ["z2"]}})
    assert "but robustness compares" in str(one) and "但稳健性检验要与表7" in one.text("zh")


def test_labels_nothing_uses_say_so_in_chinese():
    text = (ROOT / "tests" / "data" / "small_study.toml").read_text(encoding="utf-8") + '\n[variables]\nz11 = { label = "Z" }\n'
    with pytest.raises(UserError) as info:
        studies.loads(text)
    problem, = info.value.problems
    assert problem.code == "variable_unused_close"
    assert problem.text("zh") == ("没有方程、综合指数、指标或面板键使用z11；是否指“z1”？请删除或重命名该条目"
                                  "（设置项“variables.z11”）")


def test_a_validator_problem_keeps_its_code_and_its_key():
    class Section(BaseModel):
        name: str

        @field_validator("name")
        @classmethod
        def _named(cls, name: str) -> str:
            raise Invalid.of("name_empty")

    with pytest.raises(ValidationError) as info:
        Section(name="")
    problem, = studies.schema_problems(info.value, Section)
    assert (problem.code, problem.key, problem.text("zh")) == ("name_empty", "name", "名称为空；请填写名称（设置项“name”）")


def test_a_formula_problem_is_carried_as_formula_raises_it():
    with pytest.raises(UserError) as direct:
        parse_equation("alpha ~ exp(z1) + beta", "model.equations[0]")
    expected, = direct.value.problems
    found = [p for p in refused(changed(("model", "equations"), ["alpha ~ exp(z1) + beta", "beta ~ z2 + alpha"]))]
    assert [(p.message, p.code) for p in found] == [(expected.message, expected.code)]
    assert found[0].key == (expected.key or "model.equations")


def test_other_pydantic_errors_fall_back_to_a_catalogue_message_naming_the_key():
    class Section(BaseModel):
        code: Annotated[str, Field(max_length=2)]
        note: str = ""

        @field_validator("note")
        @classmethod
        def _plain(cls, note: str) -> str:
            raise ValueError("a plain message")

    with pytest.raises(ValidationError) as info:
        Section(code="abc", note="x")
    long, plain = studies.schema_problems(info.value, Section)
    assert long.code == plain.code == "invalid_value"
    assert str(long) == "String should have at most 2 characters (key 'code')"
    assert long.text("zh") == "取值无效：String should have at most 2 characters（设置项“code”）"
    assert str(plain) == "a plain message (key 'note')"


def test_reading_the_study_file_in_both_languages(tmp_path, monkeypatch):
    def problem_of(path) -> Problem:
        with pytest.raises(UserError) as info:
            studies.load(path)
        return info.value.problems[0]

    folder = problem_of(tmp_path)
    assert str(folder) == f"the study file {tmp_path} is a folder; name a file"
    assert folder.text("zh") == f"研究文件“{tmp_path}”是文件夹；请指定一个文件"
    missing = problem_of(tmp_path / "none.toml")
    assert missing.text("zh") == f"找不到研究文件：{tmp_path / 'none.toml'}"
    large = tmp_path / "large.toml"
    large.write_bytes(b"#" * (studies.MAX_FILE_BYTES + 1))
    assert problem_of(large).text("zh") == f"研究文件“{large}”超过1 MB"
    binary = tmp_path / "binary.toml"
    binary.write_bytes(b"\x00\x01\x02")
    assert problem_of(binary).text("zh").startswith("研究文件不是UTF-8、UTF-16或GBK/GB18030编码的文本文件")
    broken = tmp_path / "broken.toml"
    broken.write_text("title = ", encoding="utf-8")
    assert problem_of(broken).text("zh").startswith("研究文件不是有效的TOML：")
    deep = tmp_path / "deep.toml"
    deep.write_text("a = " + "[" * 3000 + "]" * 3000, encoding="utf-8")
    assert problem_of(deep).text("zh") == "研究文件中表或数组的嵌套层数过深，无法读取"

    def refuse(self, *args, **kwargs):
        raise PermissionError(13, "Permission denied")
    monkeypatch.setattr(type(large), "open", refuse)
    unreadable = problem_of(large)
    assert unreadable.code == "named_file_unreadable" and "无法读取研究文件" in unreadable.text("zh")
    for problem in (folder, missing, unreadable):
        assert problem.code


# ---------------------------------------------------------------- the source: nothing English-only left

CONVERTED = ["analysis/study.py", "ui/edits.py", "ui/guesses.py", "ui/workspace.py", "ui/narrative_tab.py",
             "ui/state.py", "ui/study_editor.py"]


def test_the_converted_modules_raise_no_literal_message():
    literal = []
    for name in CONVERTED:
        for node in ast.walk(ast.parse((ROOT / name).read_text(encoding="utf-8"))):
            called = isinstance(node, ast.Call) and getattr(node.func, "id", None) in ("Problem", "UserError", "ValueError")
            if called and node.args and isinstance(node.args[0], (ast.Constant, ast.JoinedStr)):
                literal.append(f"{name}:{node.lineno}")
    assert not literal


def test_every_message_id_the_converted_modules_raise_is_in_the_catalogue():
    found = set().union(*(_ids((ROOT / name).read_text(encoding="utf-8")) for name in CONVERTED))
    raised = {text for text in found if text.isidentifier()}  # not the text of a log line (logger.error)
    assert len(raised) > 50
    assert not raised - set(words("messages", "en"))


# ---------------------------------------------------------------- the app

def test_the_app_keeps_problems_to_render_them_in_the_language_on_screen():
    """A failure is cached with the results, and a workbook's notes with the data: kept as catalogue problems, they
    follow a later change of language."""
    from tests.test_app import workbook_with_a_first_sheet
    from ui import state

    failure, = state._as_user_error(RuntimeError("disk on fire")).problems
    assert failure.code == "analysis_stopped" and failure.text("zh").startswith("分析意外中止（RuntimeError: disk on fire）")
    note, = state.read_dataset(workbook_with_a_first_sheet([], "Cover"), "panel.xlsx").notes
    assert (note.code, note.severity) == ("first_sheet_empty", "warning")
    assert note.text("zh").startswith("第一个工作表“Cover”没有数据：当前为第一个有数据的工作表“Panel”")
    assert state.located(note, "Data") == f"Data: {note.text('en')}"  # outside a session: English
