"""Problems with an uploaded file are shown in the app's language: Chinese from the message catalogue, English as
analysis/ words them."""
from __future__ import annotations

import re

import pandas as pd

from analysis import examples
from tests.test_app import messages, revision, show, start
from ui import state


def flawed_demo_csv() -> bytes:
    """The demo panel with Beijing 2011 given twice (the copy in the last row) and 'abc' for research in Excel row 4
    (Beijing 2013)."""
    frame = examples.demo_panel().frame.astype({"research": object})
    frame.loc[2, "research"] = "abc"
    return pd.concat([frame, frame.iloc[[0]]]).to_csv(index=False).encode("utf-8")


def errors_shown(app) -> str:
    return re.sub(r"\\(.)", r"\1", messages(app.error))


def test_problems_with_an_upload_are_shown_in_chinese_and_in_english_again():
    app = show(start(), "Data")
    app.segmented_control(key=f"language{revision(app)}").set_value("zh").run()
    assert app.session_state[state.STUDY].document.language == "zh"
    last_row = len(examples.demo_panel().frame) + 2
    app.file_uploader(key="data_upload").set_value(("flawed.csv", flawed_demo_csv(), "text/csv")).run()
    assert not app.exception, [e.value for e in app.exception]
    shown = errors_shown(app)
    assert "该单元格不是数值：'abc'；行号与Excel一致：表头为第1行，第一行数据为第2行（列“research”，第4行，个体“Beijing”，" \
           "时期2013）" in shown
    assert f"同一个体和时期有多行数据：第2、{last_row}行；" in shown and "（列“year”，个体“Beijing”，时期2011）" in shown
    assert "not a number" not in shown and "more than one row" not in shown

    app.segmented_control(key=f"language{revision(app)}").set_value("en").run()
    shown = errors_shown(app)
    assert "the cell is not a number: 'abc'; rows are numbered as in Excel: the header is row 1, the first data row is " \
           "row 2 (column 'research', row 4, entity 'Beijing', period 2013)" in shown
    assert f"more than one row for the same entity and period: rows 2, {last_row}; rows are numbered as in Excel" in shown
    assert "该单元格" not in shown
