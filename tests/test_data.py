"""Reading and validating panels: every bad input names its column, row, entity and period."""
import hashlib
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from analysis import examples
from analysis.data import Panel, load_panel, read_table, required_columns, validate
from analysis.errors import UserError
from analysis.examples import make_demo_panel
from analysis.study import load, study_from_dict

DATA = Path(__file__).parent / "data"
BAD = DATA / "bad"
SMALL_STUDY = load(DATA / "small_study.toml")
ROW_CONVENTION = "the header is row 1, the first data row is row 2"


def small_study(**data):
    """The small test study with its [data] section changed."""
    settings = SMALL_STUDY.model_dump()
    settings["data"].update(data)
    return study_from_dict(settings)


def errors_of(path, study=SMALL_STUDY):
    with pytest.raises(UserError) as raised:
        load_panel(path, study)
    return raised.value.problems


def only(problems):
    assert len(problems) == 1, [str(p) for p in problems]
    return problems[0]


def xlsx_bytes(sheets: dict[str, list[list]], tmp_path: Path) -> bytes:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    path = tmp_path / "book.xlsx"
    book.save(path)
    return path.read_bytes()


# ---------------------------------------------------------------- bad input, one case each


def test_missing_column_is_named_with_a_close_match():
    problem = only(errors_of(BAD / "missing_column.csv"))
    assert problem.column == "z2"
    assert "'z_2'" in problem.message and "did you mean" in problem.message


def test_non_numeric_cell_names_column_row_entity_period_and_value():
    problem = only(errors_of(BAD / "non_numeric.csv"))
    assert (problem.column, problem.row, problem.entity, problem.period) == ("x3", 12, "Cedar", 2022)
    assert "'12a'" in problem.message and ROW_CONVENTION in problem.message


def test_duplicate_entity_period_names_both_rows():
    problem = only(errors_of(BAD / "duplicate.csv"))
    assert (problem.entity, problem.period) == ("Birch", 2021)
    assert "rows 7, 26" in problem.message


def test_missing_values_stop_the_run_and_say_how_to_go_on():
    problem = only(errors_of(BAD / "missing_values.csv"))
    assert problem.column == "x1"
    assert problem.message.startswith("2 missing values (Dune 2021, Elm 2023)")
    assert 'missing = "listwise"' in problem.message


def test_listwise_deletion_drops_and_reports_the_incomplete_rows():
    panel = load_panel(BAD / "missing_values.csv", small_study(missing="listwise"))
    assert len(panel.frame) == 22
    assert list(panel.dropped["row"]) == [15, 21]
    assert list(panel.dropped["province"]) == ["Dune", "Elm"]
    assert set(panel.dropped["reason"]) == {"missing x1"}
    messages = [str(p) for p in panel.problems]
    assert any("dropped 2 of 24 rows" in m for m in messages)
    assert any(m.startswith("2 missing values (Dune 2021, Elm 2023)") and "'x1'" in m for m in messages)
    assert all(p.severity == "warning" for p in panel.problems)
    assert panel.summary()["missing"]["x1"] == 2 and panel.summary()["dropped"] == 2


def test_a_panel_without_rows_is_an_error_not_a_later_crash():
    header = (DATA / "small_panel.csv").read_text().splitlines()[0]
    assert "no data rows" in only(errors_of(header.encode() + b"\n")).message
    frame = pd.read_csv(DATA / "small_panel.csv").assign(z1=float("nan"))
    with pytest.raises(UserError) as raised:
        validate(frame, small_study(missing="listwise"))
    assert "listwise deletion dropped every row" in only(raised.value.problems).message


def test_unbalanced_panel_is_a_warning_naming_entity_and_period():
    panel = load_panel(BAD / "unbalanced.csv", SMALL_STUDY)
    problem = only(panel.problems)
    assert problem.severity == "warning" and problem.entity == "Elm"
    assert "no row for 2022" in problem.message
    assert panel.summary()["balanced"] is False and panel.summary()["rows"] == 23


def test_non_positive_values_under_ln_are_each_located():
    problems = errors_of(BAD / "nonpositive_ln.csv")
    located = [(p.column, p.row, p.entity, p.period) for p in problems]
    assert located == [("z1", 5, "Ash", 2023), ("z1", 22, "Fern", 2020)]
    assert "found 0" in problems[0].message and "found -1.5" in problems[1].message


def test_constant_indicator_is_named():
    problem = only(errors_of(BAD / "constant_indicator.csv"))
    assert problem.column == "x4"
    assert "'beta' is constant" in problem.message and "entropy weight" in problem.message


def test_small_group_is_a_warning_with_the_rows_it_needs():
    panel = load_panel(BAD / "small_group.csv", SMALL_STUDY)
    small = [p for p in panel.problems if "too few" in p.message]
    problem = only(small)
    assert problem.severity == "warning" and problem.column == "region"
    assert "group 'Island' has 4 rows" in problem.message and "at least 5 rows" in problem.message
    assert list(panel.summary()["groups"]) == ["North", "South", "Island"]


def test_all_errors_come_together():
    frame = read_table(BAD / "non_numeric.csv").drop(columns="z2")
    frame["x1"] = frame["x1"].astype(object)
    frame.loc[5, "x1"] = "n/a?"
    with pytest.raises(UserError) as raised:
        validate(frame, SMALL_STUDY)
    assert {p.column for p in raised.value.problems} == {"z2", "x1", "x3"}


def test_missing_panel_key_is_reported_without_the_checks_that_need_it():
    frame = read_table(DATA / "small_panel.csv").drop(columns="region")
    with pytest.raises(UserError) as raised:
        validate(frame, SMALL_STUDY)
    assert only(raised.value.problems).column == "region"


def test_unreadable_workbook():
    assert "not a valid Excel .xlsx workbook" in only(errors_of(BAD / "corrupt.xlsx")).message


def test_binary_file_is_not_taken_for_text():
    with pytest.raises(UserError, match="neither a CSV text file"):
        read_table(b"\x00\x01\x02binary\x00" * 10, "data.csv")


@pytest.mark.parametrize("name", ["panel.xls", "panel.dta"])
def test_unsupported_formats_are_refused_with_what_to_do(name):
    with pytest.raises(UserError, match="CSV"):
        read_table(b"anything", name)


def test_oversized_file_states_the_limit(tmp_path):
    with pytest.raises(UserError, match="above the limit of 100 bytes"):
        read_table(b"a,b\n" + b"1,2\n" * 50, "big.csv", max_bytes=100)
    path = tmp_path / "big.csv"
    path.write_bytes(b"a,b\n" + b"1,2\n" * 400_000)
    with pytest.raises(UserError, match=r"the file is 1\.6 MB, above the limit of 1 MB"):
        load_panel(path, SMALL_STUDY, max_bytes=1_000_000)


def test_unknown_sheet_lists_the_sheets(tmp_path):
    data = xlsx_bytes({"first": [["a"], [1]], "second": [["b"], [2]]}, tmp_path)
    with pytest.raises(UserError, match="no sheet 'panel'; its sheets are 'first', 'second'"):
        read_table(data, "book.xlsx", sheet="panel")


def test_missing_file():
    with pytest.raises(UserError, match="not found"):
        read_table("no/such/file.csv")


def test_ragged_row_and_repeated_header_are_named():
    with pytest.raises(UserError) as raised:
        read_table(b"a,b\n1,2\n3,4,5\n", "x.csv")
    assert raised.value.problems[0].row == 3
    with pytest.raises(UserError, match="two columns have the header 'a'"):
        read_table(b"a,b,a\n1,2,3\n", "x.csv")


# ---------------------------------------------------------------- reading what users have


CHINESE = pd.DataFrame({"省份": ["北京", "上海", "广东"], "年份": [2021, 2021, 2021],
                        "专利授权数(件)": [198778, 179317, 872209], "R&D强度(%)": [6.53, 4.21, 3.22]})


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030", "utf-16"])
def test_chinese_headers_in_every_encoding(encoding):
    data = CHINESE.to_csv(index=False).encode(encoding)
    frame = read_table(data, "面板.csv")
    assert list(frame.columns) == list(CHINESE.columns)
    assert list(frame["省份"]) == ["北京", "上海", "广东"]
    assert frame["专利授权数(件)"].dtype == "int64" and frame["R&D强度(%)"].tolist() == [6.53, 4.21, 3.22]
    assert list(frame.index) == [2, 3, 4]


def test_chinese_column_names_validate():
    study = study_from_dict({
        "panel": {"entity": "省份", "time": "年份"},
        "model": {"equations": ["R&D强度 ~ ln(专利授权数)"]},
    })
    frame = pd.DataFrame({"省份": ["北京", "上海"] * 2, "年份": [2020, 2020, 2021, 2021],
                          "专利授权数": [1.0, 2.0, 3.0, 4.0], "R&D强度": [6.0, 4.0, 6.5, 4.2]})
    assert validate(frame, study).summary()["entities"] == 2


@pytest.mark.parametrize("delimiter", [";", "\t"])
def test_semicolon_and_tab_delimiters(delimiter):
    text = delimiter.join(["province", "year", "x"]) + "\n" + delimiter.join(["Ash", "2020", "1.5"]) + "\n"
    frame = read_table(text.encode(), "x.csv")
    assert list(frame.columns) == ["province", "year", "x"] and frame.loc[2, "x"] == 1.5


def test_number_formats_people_type():
    data = "a,b,c,d\n\"1,234\",１２３, 7 ,-\n\"12,345.5\",４５.５,8,n/a\n".encode()
    frame = read_table(data, "x.csv")
    assert frame["a"].tolist() == [1234, 12345.5]
    assert frame["b"].tolist() == [123, 45.5]
    assert frame["c"].tolist() == [7, 8] and frame["c"].dtype == "int64"
    assert frame["d"].isna().all()


def test_semicolon_files_use_decimal_commas():
    frame = read_table("x;y\n1,5;1.234,5\n2;3\n".encode(), "x.csv")
    assert frame["x"].tolist() == [1.5, 2.0] and frame["y"].tolist() == [1234.5, 3.0]


def test_blank_lines_keep_excel_row_numbers():
    frame = read_table(b"province,year,x1\nAsh,2020,1\n\nAsh,2021,oops\n", "x.csv")
    assert list(frame.index) == [2, 4]
    study = study_from_dict({"panel": {"entity": "province", "time": "year"}, "model": {"equations": ["x1 ~ year"]}})
    with pytest.raises(UserError) as raised:
        validate(frame, study)
    assert only(raised.value.problems).row == 4


def test_xlsx_first_sheet_and_named_sheet(tmp_path):
    data = xlsx_bytes({"first": [["a", "b"], [1, "x"]], "second": [[None], ["title row"], ["c"], [2.5]]}, tmp_path)
    first = read_table(data, "book.xlsx")
    assert list(first.columns) == ["a", "b"] and first.loc[2, "a"] == 1
    second = read_table(data, "book.xlsx", sheet="second")
    assert list(second.columns) == ["title row"] and second.loc[3, "title row"] == "c"
    assert read_table(data, sheet=1).equals(second)


def test_macro_enabled_workbook_is_read_as_data_with_a_warning(tmp_path):
    rows = [["province", "region", "year", "x1", "x2", "x3", "x4", "z1", "z2", "z3"]]
    rows += read_table(DATA / "small_panel.csv").to_numpy().tolist()
    panel = load_panel(xlsx_bytes({"data": rows}, tmp_path), SMALL_STUDY, filename="panel.xlsm")
    assert "macros were not run" in only(panel.problems).message


def test_real_chinese_workbook_sheet():
    path = examples.HERE / "china_rd" / "china_rd_panel_30prov_2011_2022_zh.xlsx"
    frame = read_table(path, sheet="面板数据")
    assert frame.shape == (360, 34)
    assert frame.columns[:5].tolist() == ["省份", "省份英文", "行政区划代码", "区域", "年份"]
    beijing = frame[(frame["省份"] == "北京") & (frame["年份"] == 2011)].iloc[0]
    assert beijing["R&D经费内部支出(亿元)"] == 936.6
    assert frame["技术市场合同(按流向)-数量(项)"].isna().sum() == 30


# ---------------------------------------------------------------- the examples


def test_required_columns_leave_out_computed_indices():
    columns = required_columns(examples.default_study())
    assert columns[:3] == ["province", "year", "region"]
    assert {"education", "research", "patent", "creativity", "information", "green", "efficiency"} <= set(columns)
    assert "productivity" not in columns and "manufacture" not in columns
    assert len(columns) == 3 + 35  # 23 + 12 indicators less 3 shared, plus education, green, efficiency


def test_default_study_and_demo_panel_validate_cleanly():
    panel = examples.demo_panel()
    assert isinstance(panel, Panel) and panel.problems == [] and panel.dropped.empty
    summary = panel.summary()
    assert (summary["entities"], summary["periods"], summary["rows"], summary["balanced"]) == (30, 12, 360, True)
    assert (summary["first_period"], summary["last_period"]) == (2011, 2022)
    assert {g: s["rows"] for g, s in summary["groups"].items()} == {"East": 120, "Central": 72, "West": 132, "Northeast": 36}
    assert panel.checksum == hashlib.sha256(examples.EXAMPLES["paper"].data_file.read_bytes()).hexdigest()
    assert examples.default_study().data.synthetic


def test_a_frame_given_without_its_file_is_identified_by_its_content_as_given():
    study, frame = examples.default_study(), pd.read_csv(examples.EXAMPLES["paper"].data_file)
    panel = validate(frame, study)
    same, edited = frame.copy(), frame.copy()
    edited.loc[5, "province"] = "Elsewhere"
    frame.loc[0, study.panel.time] = 1999  # an edit after validation does not change what was validated
    assert panel.checksum == validate(same, study).checksum != validate(edited, study).checksum
    assert len(panel.checksum) == 64 and validate(same, study, checksum="given").checksum == "given"


def test_real_example_validates_with_its_listwise_report():
    panel = examples.real_panel()
    assert len(panel.frame) == 330 and set(panel.dropped["year"]) == {2011} and len(panel.dropped) == 30
    messages = [str(p) for p in panel.problems]
    assert "listwise deletion dropped 30 of 360 rows that have a missing value in a column the study uses" in messages
    assert all(p.severity == "warning" for p in panel.problems)
    summary = panel.summary()
    assert (summary["first_period"], summary["balanced"], summary["entities"]) == (2012, True, 30)
    assert examples.real_study().data.synthetic is False


def test_examples_are_listed_by_name():
    assert list(examples.EXAMPLES) == ["paper", "china_rd"]
    assert all(e.study_file.exists() and e.data_file.exists() for e in examples.EXAMPLES.values())


def test_demo_panel_is_calibrated_as_its_readme_states():
    """Yearly index means (README, 3 decimals) and the 3SLS cross effects of Table 7 (README, 2 decimals)."""
    from analysis.estimation import estimate_system
    from analysis.indices import compute_index

    study, frame = examples.default_study(), examples.demo_panel().frame
    for index in study.indices:
        frame[index.name] = compute_index(frame, index, "year").scores
    means = frame.groupby("year")[["productivity", "manufacture"]].mean()
    assert means.loc[[2011, 2022], "productivity"].tolist() == pytest.approx([0.136, 0.230], abs=5e-4)
    assert means.loc[[2011, 2020, 2021, 2022], "manufacture"].tolist() == pytest.approx([0.156, 0.186, 0.169, 0.200],
                                                                                         abs=5e-4)
    assert means["productivity"].is_monotonic_increasing
    fit = estimate_system(frame, study.model.parsed, "3sls")
    cross = {e.name: next(t for t in e.terms if t.term in ("manufacture", "productivity")) for e in fit.equations}
    assert cross["productivity"].estimate == pytest.approx(0.41, abs=5e-3) and cross["productivity"].statistic > 3
    assert cross["manufacture"].estimate == pytest.approx(0.42, abs=5e-3) and cross["manufacture"].statistic > 3


def test_demo_provinces_use_the_real_2020_rd_intensities():
    real = pd.read_csv(examples.EXAMPLES["china_rd"].data_file).query("year == 2020")
    given = {name: values[3] for name, values in make_demo_panel.PROVINCES.items()}
    assert given == dict(zip(real["province_en"], real["rd_intensity_pct"]))
    assert {name: values[0] for name, values in make_demo_panel.PROVINCES.items()} == dict(zip(real["province_en"], real["region"]))


def test_demo_generator_is_deterministic(tmp_path):
    written = make_demo_panel.write(tmp_path / "demo_panel.csv")
    assert written.read_bytes() == examples.EXAMPLES["paper"].data_file.read_bytes()


def test_sheet_names_of_a_workbook_and_of_a_csv():
    from analysis.data import sheet_names
    workbook = (Path(__file__).parents[1] / "analysis/examples/china_rd/china_rd_panel_30prov_2011_2022_zh.xlsx").read_bytes()
    assert "面板数据" in sheet_names(workbook)
    assert sheet_names(b"a,b\n1,2\n") == ()
    with pytest.raises(UserError, match="not a valid Excel .xlsx workbook"):
        sheet_names(b"PK\x03\x04 not really a zip")


def test_validation_is_vectorised():
    """36,000 rows (the demo panel 100 times, entities renamed) validate in well under a second: no loop per cell."""
    import time

    frame = pd.read_csv(examples.EXAMPLES["paper"].data_file)
    large = pd.concat([frame.assign(province=frame["province"] + f" #{k}") for k in range(100)], ignore_index=True)
    started = time.process_time()
    panel = validate(large, examples.default_study())
    assert time.process_time() - started < 1.5  # 3.8 s with a loop per cell; about 0.04 s now
    assert panel.summary()["entities"] == 3000 and panel.problems == []


UNQUOTED = ["a,b,c\n1,2.5,x\n3,,北京\n", "a;b\r\n1,5; 7 \r\n-2;１２\r\n", "a\tb\r1\t#2\r\x1a\t\u2028\r",
            "a,b\n1.234,NA\n5,-\n", "a,b\n1,2", "a,b\n 1 ,2\n\n3,4\n\n"]


@pytest.mark.parametrize("text", UNQUOTED)
def test_arrow_splits_unquoted_files_as_pandas_does(text, monkeypatch):
    from analysis import reading

    def read(data: bytes):
        try:
            frame = reading.parse(data, "x.csv", None)
        except UserError as e:
            return str(e)
        return frame, [str(p) for p in frame.attrs["problems"]]

    arrow, taken = reading._unquoted_grid, []
    monkeypatch.setattr(reading, "_unquoted_grid", lambda *args: taken.append(arrow(*args)) or taken[-1])
    data = text.encode()
    fast = read(data)
    assert taken[0] is not None  # Arrow split this file
    monkeypatch.setattr(reading, "_unquoted_grid", lambda *args: None)
    slow = read(data)
    if isinstance(fast, str):
        assert fast == slow
    else:
        pd.testing.assert_frame_equal(fast[0], slow[0], check_exact=True)
        assert fast[1] == slow[1]


def test_arrow_reads_only_unquoted_files_of_equal_records():
    from analysis.reading import _unquoted_grid
    assert _unquoted_grid("a,b\n1,2\n", ",", 2) is not None
    assert _unquoted_grid('a,b\n"1,5",2\n', ",", 3) is None  # a quoted cell
    assert _unquoted_grid("a,b\n1\n", ",", 2) is None  # a short record
