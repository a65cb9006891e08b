"""The study editor's pure edits: guesses from column names, renaming columns, equations and indicator rows."""
from pathlib import Path

import pandas as pd
import pytest

from analysis.errors import UserError
from analysis.study import load, study_from_dict
from ui.edits import (LEAVE_OUT, build_equation, dimensions_from_rows, equation_parts, guess_column, guess_direction,
                      guess_keys, indicator_rows, rename_columns, rename_index, starter_study)

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


def test_leaving_out_the_group_column_switches_off_the_system_per_group(paper):
    assert paper.model.heterogeneity and paper.panel.group_order
    renamed = study_from_dict(rename_columns(paper.model_dump(mode="json"), {"region": LEAVE_OUT}))
    assert renamed.panel.group is None and renamed.panel.group_order == [] and not renamed.model.heterogeneity
    assert renamed.model.equations == paper.model.equations and renamed.coupling == paper.coupling


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


def test_a_starter_study_runs_on_a_chinese_panel_and_skips_identifier_columns():
    frame = pd.DataFrame({"省份": ["北京", "天津"] * 3, "行政区划代码": [110000, 120000] * 3, "年份": [2020] * 2 + [2021] * 2 + [2022] * 2,
                          "区域": ["东部"] * 6, "研发投入": [1.0, 2, 3, 4, 5, 6], "二氧化硫排放": [6.0, 5, 4, 3, 2, 1],
                          "受教育人数": [3.0, 1, 4, 1, 5, 9], "R&D 人员": [2.0, 7, 1, 8, 2, 8]})
    study = study_from_dict(starter_study(frame, "Study of panel.xlsx"))
    assert (study.panel.entity, study.panel.time, study.panel.group) == ("省份", "年份", "区域")
    assert [[i.column for _, i in index.indicators] for index in study.indices] == [["研发投入"], ["二氧化硫排放"]]
    assert study.indices[1].dimensions[0].indicators[0].direction == "-"
    assert study.model.equations == ["index1 ~ index2 + 受教育人数", "index2 ~ index1 + `R&D 人员`"]
    with pytest.raises(UserError, match="needs four numeric columns"):
        starter_study(frame.drop(columns=["受教育人数", "R&D 人员"]), "too small")


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
