"""The formula parser, the indices, the estimation and the run speak the study's language: each problem they raise
has a message id, prints its English as before and its Chinese with the place in Chinese; the run's warnings
and progress steps follow the language too."""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis import examples, pipeline
from analysis.catalogue import words
from analysis.chapter import ChapterResult
from analysis.data import validate
from analysis.errors import Problem, Reasons, UserError
from analysis.estimation import check_identification, diagnostics, estimate_system, term_values
from analysis.figures import figures
from analysis.formula import _FIXES, _FUNCTIONS, Term, parse_equation, parse_term
from analysis.indices import compute_index
from analysis.tables import tables
from tests.test_indices import HAND, make_index
from tests.test_problem_text import _ids

ANALYSIS = Path(__file__).resolve().parents[1] / "analysis"
HAN = re.compile(r"[\u4e00-\u9fff]")
SYSTEM = [parse_equation("first: y1 ~ x1 + x2 + y2"), parse_equation("second: y2 ~ x3 + x4 + y1")]
COMPOSED = {"residuals_zero_iterated", "residuals_singular_iterated"}  # chosen by linear_system with IfExp


def refused(call, *args, **kwargs) -> list[Problem]:
    with pytest.raises(UserError) as raised:
        call(*args, **kwargs)
    return raised.value.problems


def system_frame(n: int, seed: int = 5) -> pd.DataFrame:
    random = np.random.default_rng(seed)
    frame = pd.DataFrame(random.normal(size=(n, 4)), columns=["x1", "x2", "x3", "x4"])
    frame["y2"] = 2 + 0.8 * frame.x3 + 0.3 * frame.x4 + random.normal(size=n)
    frame["y1"] = 1 + 0.5 * frame.x1 - 0.4 * frame.x2 + 0.6 * frame.y2 + random.normal(size=n)
    return frame


def in_chinese(study):
    return study.model_copy(update={"document": study.document.model_copy(update={"language": "zh"})})


def test_every_message_id_the_model_raises_is_in_the_catalogue():
    modules = ("formula.py", "indices.py", "estimation.py", "linear_system.py", "pipeline.py")
    raised = set().union(*(_ids((ANALYSIS / name).read_text(encoding="utf-8")) for name in modules))
    raised |= set(_FIXES.values()) | set(_FUNCTIONS.values()) | COMPOSED
    assert len(raised) > 60
    assert not raised - set(words("messages", "en")), "message ids missing from locales/messages.toml"


def test_a_formula_problem_is_located_at_its_key_in_both_languages():
    power, = refused(parse_equation, "y ~ x^2", "model.equations[2]")
    assert str(power) == ("'^' is not allowed; powers such as x^2 are not part of the grammar: add the squared column "
                          "to the data (in 'y ~ x^2') (key 'model.equations[2]')")
    assert power.text("zh") == ("公式“y ~ x^2”中不能使用“^”：公式语法不支持x^2这样的幂次，请在数据中添加平方项列"
                                "（设置项“model.equations[2]”）")
    twice, = refused(parse_equation, "y ~ a + b + a + b", "model.equations[0]")
    assert str(twice).startswith("regressor a, b appears twice in 'y ~ a + b + a + b'")
    assert twice.text("zh").startswith("公式“y ~ a + b + a + b”中回归变量a、b出现了两次（设置项")
    unknown, = refused(parse_equation, "y ~ a = b")
    assert unknown.key is None and "the grammar has column names" in str(unknown)
    assert unknown.text("zh").startswith("公式“y ~ a = b”中有无法识别的字符“=”；公式语法只包括列名")
    term, = refused(parse_term, "a + b", "model.exogenous")
    assert term.text("zh") == "应为一个列名或ln(列名)，此处为'a + b'（设置项“model.exogenous”）"


def test_index_problems_and_the_fixed_weights_warning_in_chinese():
    gaps = HAND.astype(float)
    gaps.loc[[11, 12], "x2"] = np.nan
    missing, = refused(compute_index, gaps, make_index(["x1", "x2", "x3"]))
    assert str(missing) == "index idx: 2 missing values; drop or fill those rows first (column 'x2')"
    assert missing.text("zh") == "指数“idx”的这一指标有2个缺失值；请先删除或补全这些行（列“x2”）"
    flat, = refused(compute_index, HAND.assign(x3=1.0), make_index(["x1", "x2", "x3"]))
    assert flat.text("zh") == "该指标为常数（最大值等于最小值），无法标准化或赋权（列“x3”）"
    fixed = compute_index(HAND, make_index(["x1", "x2", "x3"], method="fixed", weights=[1, 1, 2]))
    warning, = fixed.warnings
    assert warning.severity == "warning"
    assert str(warning) == "index idx: the fixed weights sum to 4, not 1; they were rescaled to sum to 1"
    assert warning.text("zh") == "指数“idx”的固定权重之和为4而非1，已按比例调整为和为1"
    critic, = refused(compute_index, HAND.assign(x2=2 * HAND.x1), make_index(["x1", "x2"], method="critic"))
    assert critic.text("zh") == "指数“idx”：CRITIC法至少需要两个不完全相关的指标"


def test_estimation_problems_in_chinese_name_the_equation_key_and_column():
    demand, supply = parse_equation("demand: q ~ p + income"), parse_equation("supply: p ~ q + income")
    first, second = refused(check_identification, [demand, supply])
    assert str(first) == ("equation 'demand' is not identified (order condition): 1 endogenous regressor(s) (p) but "
                          "only 0 exogenous variable(s) of the system left out of it (none); declare more exogenous "
                          "variables or drop an endogenous regressor (key 'model.equations[0]')")
    assert first.text("zh") == ("方程“demand”不满足识别的阶条件：有1个内生回归变量（p），但方程组中未进入该方程的外生变量"
                                "只有0个（无）；请声明更多外生变量，或去掉一个内生回归变量（设置项“model.equations[0]”）")
    assert second.key == "model.equations[1]"

    few, = refused(estimate_system, system_frame(5), SYSTEM, "3sls")
    assert str(few).startswith("insufficient observations: 5 rows, and the system needs more rows than the 5 instruments")
    assert few.text("zh") == "观测值不足：只有5行，而方程组的行数须多于5个工具变量（方程组的外生变量和常数项）"

    logged = system_frame(30).assign(x1=lambda f: f.x1.abs() + 1)
    logged.loc[3, "x1"] = 0.0
    zero, = refused(term_values, logged, Term("x1", "ln"))
    assert (zero.column, zero.row) == ("x1", 5)
    assert zero.text("zh") == "ln(x1)有1个缺失值或非正值，无法取ln()，首个在第5行（列“x1”，第5行）"

    twin = system_frame(80).assign(y3=lambda f: 2 * f.y1 + 1)
    equations = [SYSTEM[0], parse_equation("twin: y3 ~ x1 + x2 + y2"), SYSTEM[1]]
    weighting, = refused(estimate_system, twin, equations, "3sls")
    assert "3SLS cannot weight the equations: the residual covariance is singular after 2SLS" in str(weighting)
    assert weighting.text("zh").startswith("3SLS无法对各方程加权：2SLS估计后残差协方差矩阵奇异：方程“first”与“twin”的"
                                           "残差相关系数为1.000000；3SLS要求各方程的残差不完全相关")
    tests, = refused(diagnostics, twin, equations)
    assert tests.text("zh").startswith("无法对各方程加权：2SLS估计后残差协方差矩阵奇异")


BAD_INPUTS = {  # each call raises problems the user can fix
    "formula": [(parse_equation, text) for text in ("y ~ ", "y x", "y ~ x + + z", "y ~ exp(x)", "y ~ log10(x)",
                                                   "y ~ x + y", "a + b ~ x", "y ~ ln(x", "y ~ x ~ z", "y ~ x/z",
                                                   "y ~ (x)", "y ~ a:b", "y ~ a - b", "y ~ `a", "y ~ ``", "y ~ _cons",
                                                   "y ~ a = b", "a: b: y ~ x", "y ~ a b", "y ~ " + " + ".join(
                                                       f"x{k}" for k in range(41)))]
    + [(parse_term, 3), (parse_term, "")],
    "indices": [(compute_index, HAND, make_index(["x1", "x1"])),
                (compute_index, HAND, make_index(["x1", "x9"], dims={"a": ["x1"], "b": ["x9"]})),
                (compute_index, HAND, make_index(["x1", "x2"], dims={"a": ["x1"], "a ": ["x2"]})),
                (compute_index, HAND, make_index(["x1", "x2"], scope="per_period")),
                (compute_index, HAND.assign(x1="a"), make_index(["x1", "x2"])),
                (compute_index, HAND, make_index(["x1", "x2"], method="fixed", weights=[0, 0]))],
    "estimation": [(estimate_system, system_frame(40), SYSTEM, "gmm"),
                   (estimate_system, system_frame(40), SYSTEM, "3sls", (), (), "sandwich"),
                   (estimate_system, system_frame(40), SYSTEM, "3sls", (), (), "clustered"),
                   (estimate_system, system_frame(40).assign(x3=lambda f: f.x4), SYSTEM, "3sls"),
                   (estimate_system, system_frame(40).assign(y1=1.0), SYSTEM, "ols"),
                   (estimate_system, system_frame(40).assign(x2="a"), SYSTEM, "ols"),
                   (estimate_system, system_frame(40).drop(columns="x4"), SYSTEM, "ols"),
                   (estimate_system, system_frame(40).assign(x2=lambda f: 2 * f.x1), SYSTEM, "ols"),
                   (estimate_system, system_frame(3), SYSTEM, "ols"),
                   (estimate_system, system_frame(40), SYSTEM, "2sls", ["x9"]),
                   (estimate_system, system_frame(40), SYSTEM, "2sls", (), ["y1"])],
}


@pytest.mark.parametrize("module", BAD_INPUTS)
def test_no_problem_is_english_only(module):
    for call, *arguments in BAD_INPUTS[module]:
        for problem in refused(call, *arguments):
            assert problem.code, f"{module}: {problem} has no message id"
            assert HAN.search(problem.text("zh")) and problem.text("en") == str(problem)


def test_the_run_collects_problems_as_warnings_and_names_its_steps_in_app_words(monkeypatch):
    chapter = ChapterResult(warnings=(Problem.of("missing_column", column="lon", severity="warning"),),
                            problems={"moran": (Problem.of("missing_column", column="lat"),)})
    monkeypatch.setattr(pipeline, "run_chapter", lambda *args: chapter)
    singular = Reasons((Problem.of("residuals_zero", equation="first"),))

    def no_diagnostics(*args):
        raise UserError(Problem.of("diagnostics_cannot_weight", reason=singular))
    monkeypatch.setattr(pipeline, "diagnostics", no_diagnostics)
    steps = []
    results = pipeline.run(examples.default_study(), examples.demo_panel(), lambda name, **fields: steps.append((name, fields)))
    assert all(isinstance(w, Problem) and w.severity == "warning" for w in results.warnings)
    section, diagnosed = results.warnings[-2:]
    assert str(section) == "moran not computed: the study uses this column but the data has no column of that name (column 'lat')"
    assert section.text("zh") == "研究设定的[moran]部分未计算：研究设定使用此列，但数据中没有该名称的列（列“lat”）"
    assert diagnosed.text("zh") == ("未进行诊断检验：无法对各方程加权：2SLS估计后，方程“first”的残差全为零；"
                                    "方程组检验以该残差协方差矩阵的逆对各方程加权")
    assert results.to_dict()["data"]["warnings"][-1] == str(diagnosed)  # results.json keeps the English text
    assert [name for name, _ in steps[:5]] == ["step_index", "step_index", "step_coupling", "step_chapter", "step_main"]
    assert {name for name, _ in steps} == {"step_index", "step_coupling", "step_chapter", "step_main", "step_diagnostics",
                                           "step_robustness", "step_group"}
    for language in ("en", "zh"):
        shown = [words("app", language)[name].format(**fields) for name, fields in steps]
        assert shown[-1] == {"en": "By group: Northeast", "zh": "分组估计：Northeast"}[language]


def test_a_group_too_small_is_explained_in_chinese_under_table9_and_its_figure(monkeypatch):
    monkeypatch.setattr(pipeline, "run_chapter", lambda *args: None)
    study = in_chinese(examples.default_study())
    frame = examples.demo_panel().frame
    keep = (frame.region != "Northeast") | (frame.year >= 2021)  # 6 Northeast rows for 8 instruments
    results = pipeline.run(study, validate(frame[keep].reset_index(drop=True), study))
    failed, = [run for run in results.by_group if run.fit is None]
    assert failed.reason().startswith("insufficient observations: 6 rows")
    expected = "观测值不足：只有6行，而方程组的行数须多于8个工具变量（方程组的外生变量和常数项）"
    assert failed.reason("zh") == expected
    table9 = next(t for t in tables(results, study) if t.id == "table9")
    assert any(expected in note for note in table9.notes), table9.notes
    groups = next(f for f in figures(results, study) if f.id == "coefficients_groups")
    assert any(expected in note for note in groups.notes), groups.notes


def test_the_results_tab_lists_the_warnings_in_the_study_language(tmp_path, monkeypatch):
    from tests.test_app import revision, show, start
    from ui import state
    from ui.notices import bullets
    from ui.workspace import FOLDER_VARIABLE
    monkeypatch.setenv(FOLDER_VARIABLE, str(tmp_path))
    app = start()
    app.segmented_control(key=f"language{revision(app)}").set_value("zh").run()
    show(app, words("app", "zh")["tab_results"])
    warnings = app.session_state[state.GOOD].results.warnings
    heading = words("app", "zh")["analysis_warnings"].format(n=len(warnings))
    shown = next(e for e in app.expander if e.label == heading)  # the demo has warnings: the chapter links an island
    assert shown.markdown[0].value == bullets(p.text("zh") for p in warnings)
