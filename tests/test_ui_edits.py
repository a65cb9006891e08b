"""The study editor's pure edits and the guesses for a new file: keys, directions, a first study that runs."""
from pathlib import Path

import pandas as pd
import pytest

from analysis.catalogue import words
from analysis.data import read_table, validate
from analysis.errors import Problem, UserError
from analysis.study import load, study_from_dict
from ui.edits import (LEAVE_OUT, build_equation, dimensions_from_rows, equation_parts, indicator_rows,
                      rename_columns, rename_index)
from ui.guesses import (duplicate_hint, guess_column, guess_direction, guess_keys, repeated_periods,
                        starter_plan, starter_study)

ONBOARDING_PANEL = Path(__file__).resolve().parent / "data" / "onboarding_panel.csv"

PAPER_STUDY = Path(__file__).resolve().parents[1] / "analysis" / "examples" / "paper_study.toml"


@pytest.fixture(scope="module")
def paper():
    return load(PAPER_STUDY)


def test_guessed_directions_match_every_indicator_of_the_paper(paper):
    """The paper marks SO2/GDP, electricity, SO2 and coal per unit of output as costs, and nothing else."""
    for index in paper.indices:
        for _, indicator in index.indicators:
            assert guess_direction(indicator.column, indicator.label) == indicator.direction, indicator.column


@pytest.mark.parametrize("name, direction", [
    ("CO2 emissions per capita", "-"), ("单位GDP能耗", "-"), ("工业废水排放量", "-"), ("污染治理投资", "+"),
    ("production cost", "-"), ("R&D intensity", "+"), ("unemployment_rate", "-"), ("solid_waste_utilization", "+"),
    ("unemp", "-"), ("Unemp_Rate", "-"), ("城镇登记失业率", "-"), ("PM2.5 pollution", "-"), ("污染物排放", "-"),
    ("emissions", "-"), ("employment", "+"), ("real_estate_investment", "+"),
])
def test_direction_guesses_for_common_names(name, direction):
    assert guess_direction(name) == direction


def test_panel_keys_are_guessed_from_english_and_chinese_headers():
    english = pd.DataFrame(columns=["province_zh", "province_en", "adcode", "region", "year", "rd_expenditure"])
    assert guess_keys(english) == {"entity": "province_zh", "time": "year", "group": "region"}
    chinese = pd.DataFrame(columns=["省份", "年份", "区域", "R&D经费内部支出(亿元)"])
    assert guess_keys(chinese) == {"entity": "省份", "time": "年份", "group": "区域"}


def test_columns_are_matched_by_name_label_or_close_spelling():
    columns = ["Province", "GDP per capita", "R&D Personnel", "informations", "year"]
    assert guess_column("province", columns) == "Province"
    assert guess_column("gdp_per_capita", columns) == "GDP per capita"
    assert guess_column("rd_personnel", columns, label="R&D Personnel") == "R&D Personnel"
    assert guess_column("information", columns) == "informations"
    assert guess_column("creativity", columns) is None


def test_renaming_reaches_keys_indicators_equations_extras_drops_and_labels(paper):
    data = paper.model_dump(mode="json")
    data["model"]["exogenous"] = ["ln(gdp_per_capita)"]
    mapping = {"province": "省份", "year": "年份", "education": "edu level", "patent": "patents",
               "gdp_per_capita": "GDP per capita", "rd_personnel": "R&D Personnel"}
    renamed = study_from_dict(rename_columns(data, mapping))
    assert (renamed.panel.entity, renamed.panel.time, renamed.panel.group) == ("省份", "年份", "region")
    first = renamed.model.parsed[0]
    assert [t.name for t in first.regressors] == ["ln(`edu level`)", "ln(research)", "ln(patents)", "manufacture"]
    assert first.name == "productivity"
    assert renamed.model.exogenous == ["ln(`GDP per capita`)"]
    assert renamed.model.robustness == ["ln(`edu level`)", "ln(research)", "ln(patents)", "ln(creativity)"]
    assert renamed.variables["edu level"].label == "Level of higher education" and "education" not in renamed.variables
    columns = [i.column for index in renamed.indices for _, i in index.indicators]
    assert columns.count("R&D Personnel") == 2 and "rd_personnel" not in columns


def test_leaving_out_drops_indicators_regressors_and_their_robustness_columns(paper):
    data = paper.model_dump(mode="json")
    renamed = study_from_dict(rename_columns(data, {"patent": LEAVE_OUT, "so2_per_gdp": LEAVE_OUT}))
    assert [t.name for t in renamed.model.parsed[0].regressors] == ["ln(education)", "ln(research)", "manufacture"]
    assert "ln(patent)" not in renamed.model.robustness
    columns = [i.column for index in renamed.indices for _, i in index.indicators]
    assert "patent" not in columns and "so2_per_gdp" not in columns
    assert len(columns) == sum(len(index.indicators) for index in paper.indices) - 2


def test_leaving_out_every_column_of_an_index_or_equation_says_what_to_do(paper):
    data = paper.model_dump(mode="json")
    manufacture = [i.column for _, i in paper.indices[1].indicators]
    with pytest.raises(UserError, match="index 'Manufacturing transformation and upgrading' would have no indicator left"):
        rename_columns(data, dict.fromkeys(manufacture, LEAVE_OUT))
    with pytest.raises(UserError, match="equation 'productivity' would have no regressor left"):
        rename_columns(data, {"education": LEAVE_OUT, "research": LEAVE_OUT, "patent": LEAVE_OUT,
                              "manufacture": LEAVE_OUT})


def test_refused_edits_and_starter_studies_speak_chinese(paper):
    """Each problem of the editor's edits and of a first study comes from the catalogue: English as before, Chinese
    with the name it concerns."""
    data = paper.model_dump(mode="json")
    with pytest.raises(UserError) as index:
        rename_columns(data, dict.fromkeys([i.column for _, i in paper.indices[1].indicators], LEAVE_OUT))
    with pytest.raises(UserError) as equation:
        rename_columns(data, dict.fromkeys(["education", "research", "patent", "manufacture"], LEAVE_OUT))
    with pytest.raises(UserError) as unnamed:
        rename_index(data, 0, " ")
    frame = pd.DataFrame({"province": ["A", "B"] * 2, "year": [2020, 2020, 2021, 2021], "x1": [1.0, 2, 3, 4],
                          "x2": [4.0, 3, 1, 2]})
    with pytest.raises(UserError) as few:
        starter_study(frame, "few")
    with pytest.raises(UserError) as none:
        starter_study(frame[["province", "year"]], "none")
    plan = pd.DataFrame({"Column": ["x1", "x2", "x3", "x4"], "Use": ["Index 1"] * 3 + ["Control"],
                         "Direction": ["+"] * 4})
    with pytest.raises(UserError) as unplanned:
        starter_study(frame.assign(x3=1.0, x4=2.0), "reviewed", plan=plan)
    problems = [p for e in (index, equation, unnamed, few, none, unplanned) for p in e.value.problems]
    assert all(p.code for p in problems)
    chinese = [p.text("zh") for p in problems]
    assert chinese[0].startswith("综合指数“Manufacturing transformation and upgrading”将不再有任何指标")
    assert chinese[1].startswith("方程“productivity”将不再有任何解释变量")
    assert chinese[2] == "综合指数需要名称：方程和耦合设定都要引用它"
    assert chinese[3] == "新研究除面板键外还需要4个数值列（2个指标和2个控制变量）；该文件只有2个：x1、x2"
    assert chinese[4].endswith("该文件没有这样的列")
    assert chinese[5:] == ["指数 2至少需要一个指标列", "方程至少需要2个控制变量列，每个方程各用一个来识别"]
    assert str(problems[3]).endswith("this file has 2: x1, x2") and str(problems[4]).endswith("this file has none")


def test_leaving_out_the_group_column_switches_off_the_system_per_group(paper):
    assert paper.model.heterogeneity and paper.panel.group_order
    renamed = study_from_dict(rename_columns(paper.model_dump(mode="json"), {"region": LEAVE_OUT}))
    assert renamed.panel.group is None and renamed.panel.group_order == [] and not renamed.model.heterogeneity
    assert renamed.model.equations == paper.model.equations and renamed.coupling == paper.coupling
    assert renamed.dagum is None and not renamed.density.by_group


def test_renaming_an_index_renames_its_coupling_equations_and_label(paper):
    renamed = study_from_dict(rename_index(paper.model_dump(mode="json"), 0, " new quality "))
    assert [i.name for i in renamed.indices] == ["new quality", "manufacture"]
    assert renamed.coupling.indices == ("new quality", "manufacture")
    assert renamed.model.parsed[0].dependent.column == "new quality"
    assert renamed.model.parsed[1].regressors[-1].name == "`new quality`"
    assert renamed.variables["new quality"] == paper.variables["productivity"] and "productivity" not in renamed.variables
    assert renamed.indices[0].dimensions == paper.indices[0].dimensions
    with pytest.raises(UserError, match="an index needs a name"):
        rename_index(paper.model_dump(mode="json"), 0, "  ")


@pytest.mark.parametrize("columns, keys", [
    (["state", "year", "region", "gdp"], ("state", "year", "region")),
    (["County", "Year", "gdp", "capacity"], ("County", "Year", None)),
    (["city_name", "period", "zone", "x"], ("city_name", "period", "zone")),
    (["country", "date", "continent", "x"], ("country", "date", "continent")),
    (["地区", "年份", "x"], ("地区", "年份", None)),
    (["城市", "年度", "省份", "x"], ("城市", "年度", None)),
    (["id", "time", "x"], ("id", "time", None)),
    (["region", "year", "x"], ("region", "year", None)),  # a region without a finer column is the entity
])
def test_panel_keys_from_common_names(columns, keys):
    guessed = guess_keys(pd.DataFrame(columns=columns))
    assert (guessed["entity"], guessed["time"], guessed["group"]) == keys


def test_the_entity_is_the_column_under_which_each_period_appears_once():
    frame = pd.DataFrame({"province": ["A", "A", "A", "A"], "city": ["a1", "a2", "a1", "a2"], "year": [1, 1, 2, 2],
                          "region": ["East"] * 4, "x": [1.0, 2, 3, 4]})
    keys = guess_keys(frame)
    assert keys["entity"] == "city" and keys["time"] == "year"
    assert keys["group"] == "region"  # each city in one region, fewer regions than cities
    assert repeated_periods(frame, {"entity": "province", "time": "year"})
    assert not repeated_periods(frame, keys)
    one_region_per_row = frame.assign(region=["E", "W", "N", "S"])
    assert guess_keys(one_region_per_row)["group"] is None  # not coarser than the entity: no group
    time_series = pd.DataFrame({"real_estate": [1.0, 2.0], "capacity": [3.0, 4.0], "yr": [2020, 2021]})
    assert guess_keys(time_series) == {"entity": None, "time": "yr", "group": None}


def test_repeated_periods_get_one_line_saying_to_set_the_entity(paper):
    problems = [Problem.of("duplicate_period", period=2020, rows=(2, 3))]
    assert duplicate_hint(problems, paper.panel) == "duplicates"
    assert words("app", "en")["duplicates"].startswith("Each (entity, period) appears more than once: set the entity column")
    assert duplicate_hint(problems, paper.panel.model_copy(update={"entity": None})) == "duplicates_period"
    assert duplicate_hint([Problem.of("cell_not_number", value="'x'")], paper.panel) is None


def test_the_starter_study_on_a_state_panel_has_every_table_and_runs():
    frame = read_table(ONBOARDING_PANEL)
    keys = guess_keys(frame)
    plan = starter_plan(frame, keys)
    assert dict(zip(plan["Column"], plan["Direction"]))["unemp"] == "-"
    assert dict(zip(plan["Column"], plan["Direction"]))["emissions"] == "-"
    assert list(plan["Use"]).count("Control") == 4
    study = study_from_dict(starter_study(frame, "Study of panel.csv"))
    assert (study.panel.entity, study.panel.time, study.panel.group) == ("state", "year", "region")
    assert study.coupling.indices == ("index1", "index2") and study.model.heterogeneity
    assert study.model.methods == ["ols", "2sls", "3sls"] and len(study.model.robustness) == 2
    assert [[i.column for _, i in index.indicators] for index in study.indices] == [
        ["gdp", "rd_spending", "unemp"], ["patents", "emissions", "internet"]]
    assert not [p for p in validate(frame, study).problems if p.severity == "error"]
    assert "i3sls" in study_from_dict(starter_study(frame, "t", iterated=True)).model.methods


def test_a_starter_study_on_a_small_chinese_panel_skips_identifiers_and_undefined_coupling():
    frame = pd.DataFrame({"省份": ["北京", "天津"] * 3, "行政区划代码": [110000, 120000] * 3, "年份": [2020] * 2 + [2021] * 2 + [2022] * 2,
                          "区域": ["东部"] * 6, "研发投入": [1.0, 2, 3, 4, 5, 6], "二氧化硫排放": [6.0, 5, 4, 3, 2, 1],
                          "受教育人数": [3.0, 1, 4, 1, 5, 9], "R&D 人员": [2.0, 7, 1, 8, 2, 8]})
    study = study_from_dict(starter_study(frame, "Study of panel.xlsx"))
    assert (study.panel.entity, study.panel.time, study.panel.group) == ("省份", "年份", "区域")
    assert not study.model.heterogeneity  # one region: no system per group
    assert [[i.column for _, i in index.indicators] for index in study.indices] == [["研发投入"], ["二氧化硫排放"]]
    assert study.indices[1].dimensions[0].indicators[0].direction == "-"
    assert study.model.equations == ["index1 ~ index2 + 受教育人数", "index2 ~ index1 + `R&D 人员`"]
    assert study.coupling is None  # row 1 is the worst on both single indicators: both indices 0, C undefined
    with pytest.raises(UserError, match="needs four numeric columns besides the panel keys.*has 2: 研发投入, 二氧化硫排放"):
        starter_study(frame.drop(columns=["受教育人数", "R&D 人员"]), "too small")
    all_indicators = starter_plan(frame, guess_keys(frame)).assign(Use="Index 1")
    with pytest.raises(UserError, match="Index 2 needs at least one indicator column; the equations need at least two"):
        starter_study(frame, "reviewed", plan=all_indicators)


def test_one_column_in_two_panel_roles_or_an_index_named_like_a_key_is_refused(paper):
    data = paper.model_dump(mode="json")
    data["panel"]["group"] = "province"
    with pytest.raises(UserError, match="is the same column as panel.entity") as refused:
        study_from_dict(data)
    assert [p.key for p in refused.value.problems] == ["panel.group"]
    with pytest.raises(UserError, match="the period column") as refused:
        study_from_dict(rename_index(paper.model_dump(mode="json"), 0, "year"))
    assert [p.key for p in refused.value.problems] == ["indices[0].name"]


def test_equation_parts_and_text_round_trip():
    text = "manufacture ~ ln(creativity) + ln(information) + green + efficiency + productivity"
    parts = equation_parts(text)
    assert parts == {"name": "", "dependent": "manufacture",
                     "regressors": ["creativity", "information", "green", "efficiency", "productivity"],
                     "logged": ["creativity", "information"], "intercept": True}
    assert build_equation(parts["name"], parts["dependent"], parts["regressors"], set(parts["logged"])) == text
    assert build_equation("supply", "q", ["price", "R&D stock"], {"price"}, intercept=False) == \
        "supply: q ~ ln(price) + `R&D stock` - 1"


def test_indicator_rows_round_trip_and_skip_rows_without_a_column(paper):
    index = paper.indices[1].model_dump(mode="json")
    rows = indicator_rows(index)
    assert len(rows) == 12 and list(rows.columns) == ["dimension", "column", "direction", "label", "weight"]
    assert dimensions_from_rows(rows) == index["dimensions"]
    added = pd.concat([rows, pd.DataFrame([{"dimension": "Green", "column": None}, {"dimension": "New", "column": "x"}])])
    dimensions = dimensions_from_rows(added)
    assert [d["name"] for d in dimensions] == ["Innovation", "Information", "Green", "Efficiency", "New"]
    assert dimensions[-1]["indicators"] == [{"column": "x", "label": "", "direction": "+"}]
