"""The app's main flows in Streamlit's AppTest: demo start, upload and mapping, editing, bad input, files."""
from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import docx
import openpyxl
import pytest
from streamlit.testing.v1 import AppTest

from analysis import examples
from analysis.data import required_columns
from analysis.study import dumps, loads
from analysis.table import Format
from analysis.tables import tables as tables_of
from report.bundle import latex_download
from report.export import table_csv, tables_xlsx
from report.narrative import Narrative
from ui import state
from ui.downloads_tab import rendered

APP = Path(__file__).resolve().parents[1] / "streamlit_app.py"
DATA = Path(__file__).resolve().parent / "data" / "app"
TIMEOUT = 120


def start() -> AppTest:
    app = AppTest.from_file(str(APP), default_timeout=TIMEOUT).run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def show(app: AppTest, tab: str) -> AppTest:
    app.session_state["tab"] = tab
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def revision(app: AppTest) -> int:
    """The study's revision, part of every study widget's key."""
    return app.session_state[state.REVISION]


def printed_tables(app: AppTest) -> dict[str, str]:
    """Table number -> its HTML, as the Results tab shows them."""
    found = {}
    for element in app.get("html"):
        number = re.search(r'class="table-number"[^>]*>(Table \d+)<', element.value)
        if number:
            found[number.group(1)] = element.value
    return found


def paper_tables(app: AppTest) -> dict[str, str]:
    """The printed Tables 1-9 of the paper, without the chapter's and the diagnostics."""
    return {number: html for number, html in printed_tables(app).items() if re.search(r'id="table\d"', html)}


def cells(html: str, row_label: str) -> list[str]:
    """The printed cells of the first body row with this label."""
    row = re.search(r"<tr[^>]*>\s*<td[^>]*>" + re.escape(row_label) + r"</td>(.*?)</tr>", html, re.S)
    return [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row.group(1), re.S)]


def messages(elements) -> str:
    return "\n".join(e.value for e in elements)


def renamed_panel_csv() -> tuple[bytes, dict[str, str]]:
    """The demo panel with every column renamed as another author might have named it."""
    frame = examples.demo_panel().frame
    names = {c: c.replace("_", " ").title() for c in frame.columns}
    names |= {"rd_personnel": "R&D Personnel", "information": "Informations", "province": "Province Name"}
    return frame.rename(columns=names).to_csv(index=False).encode("utf-8"), names


@pytest.fixture
def counted_runs(monkeypatch):
    """How often the estimation itself runs (every other rerun must come from the cache)."""
    calls = []
    original = state.run

    def counting(*args, **kwargs):
        calls.append(args[0].title)
        return original(*args, **kwargs)
    monkeypatch.setattr(state, "run", counting)
    return calls


def test_demo_start_shows_all_nine_tables_figures_and_the_synthetic_label():
    app = start()
    assert app.session_state["tab"] == "Results"
    tables = printed_tables(app)
    # 10, the diagnostics, apart; 11-17: the chapter
    assert list(tables) == [f"Table {k}" for k in (*range(1, 10), *range(11, 18))]
    assert cells(tables["Table 11"], "2011")[0].startswith("0.385")  # Global Moran's I of D in 2011
    assert all('class="academic"' in html for html in tables.values())
    assert cells(tables["Table 1"], "[0.9, 1.0]") == ["10", "Quality coordination"]
    assert "Synthetic demonstration data, not official statistics." in messages(app.info)
    figures = [m.value for m in app.markdown if m.value.startswith("**Figure ")]
    assert len(figures) >= 4 and len(app.get("vega_lite_chart")) == len(figures)
    assert not app.error and not app.warning


def test_loading_the_real_data_example_replaces_study_and_data():
    app = start()
    app.sidebar.selectbox(key="example").set_value("china_rd").run()
    next(b for b in app.sidebar.button if b.label == "Load example").click().run()
    assert not app.exception and not app.error and not app.warning
    good = app.session_state[state.GOOD]
    assert good.study == examples.real_study() and good.dataset.filename == examples.EXAMPLES["china_rd"].data_file.name
    assert len(paper_tables(app)) == 9 and "Synthetic demonstration data" not in messages(app.info)
    show(app, "Data")
    problems = next(d.value for d in app.dataframe if "Severity" in d.value.columns)
    assert set(problems["Severity"]) == {"warning"}
    assert any("listwise deletion dropped 30 of 360 rows" in message for message in problems["Problem"])


def test_table_settings_and_narrative_edits_never_re_estimate(counted_runs):
    app = start()
    manufacture = app.session_state[state.STUDY].label("manufacture")
    before = cells(printed_tables(app)["Table 7"], manufacture)
    assert all(re.fullmatch(r"−?\d+\.\d{3}(\*{1,3})?", c) for c in before), before
    runs = len(counted_runs)
    app.number_input(key=f"decimals_{revision(app)}").set_value(2).run()
    after = cells(printed_tables(app)["Table 7"], manufacture)
    assert all(re.fullmatch(r"−?\d+\.\d{2}(\*{1,3})?", c) for c in after), after
    app.segmented_control(key=f"inference_{revision(app)}").set_value("t").run()
    assert "t statistics (3SLS and I3SLS: z statistics) in parentheses." in printed_tables(app)["Table 7"]
    show(app, "Narrative")
    app.text_area(key="narrative0.conclusions").set_value("Both systems reinforce each other.").run()
    assert app.session_state[state.NARRATIVE].conclusions == "Both systems reinforce each other."
    show(app, "Results")
    assert app.session_state[state.NARRATIVE].conclusions == "Both systems reinforce each other."
    assert len(counted_runs) == runs


def test_uploading_a_panel_with_other_column_names_and_mapping_it():
    app = show(start(), "Data")
    demo = app.session_state[state.GOOD].results
    content, names = renamed_panel_csv()
    app.file_uploader(key="data_upload").set_value(("my_panel.csv", content, "text/csv")).run()
    assert app.session_state[state.DATA].name == "my_panel.csv"
    assert "the study has not run on it yet" in messages(app.info)  # the demo's tables stay until the columns are mapped
    assert app.session_state[state.GOOD].dataset.name != "my_panel.csv"
    mapping = next(d.value for d in app.dataframe if "Study column" in d.value.columns)
    assert dict(zip(mapping["Study column"], mapping["Your column"])) == {
        column: names[column] for column in mapping["Study column"]}
    assert list(mapping["Study column"]) == required_columns(examples.default_study())
    next(b for b in app.button if b.label == "Use these columns").click().run()
    assert not app.exception and not app.warning and not app.error, messages(app.error) + messages(app.warning)
    good = app.session_state[state.GOOD]
    assert good.dataset.name == "my_panel.csv"
    study = app.session_state[state.STUDY]
    assert study.panel.entity == "Province Name" and study.panel.time == "Year" and not study.data.synthetic
    assert "ln(`R&D Personnel`)" not in dumps(study) and "R&D Personnel" in dumps(study)
    # Same numbers under other names: the coupling and the coefficients are the demo's.
    assert good.results.coupling.by_period[["C", "T", "D"]].equals(demo.coupling.by_period[["C", "T", "D"]])
    assert [t.estimate for e in good.results.main[2].fit.equations for t in e.terms] == \
           pytest.approx([t.estimate for e in demo.main[2].fit.equations for t in e.terms], rel=1e-12)
    show(app, "Results")
    assert len(paper_tables(app)) == 9
    assert "Synthetic demonstration data" not in messages(app.info)


def workbook_with_a_first_sheet(rows: list[list], name: str = "Notes") -> bytes:
    """An XLSX whose first sheet holds rows (a note, or nothing) and whose second sheet, Panel, the demo panel."""
    book = openpyxl.Workbook()
    book.active.title = name
    for row in rows:
        book.active.append(row)
    panel = book.create_sheet("Panel")
    frame = examples.demo_panel().frame
    panel.append(list(frame.columns))
    for row in frame.itertuples(index=False):
        panel.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_an_xlsx_upload_offers_its_sheets_and_runs_on_the_chosen_one():
    app = show(start(), "Data")
    app.file_uploader(key="data_upload").set_value(("panel.xlsx", workbook_with_a_first_sheet(
        [["About", "Exported from the statistics office"], ["Source", "Synthetic demonstration data"]]),
                                                   "application/octet-stream"))
    app.run()
    assert app.session_state[state.DATA].sheets == ("Notes", "Panel")
    assert app.selectbox(key="data_sheet").value == "Notes" and "the study has not run on it yet" in messages(app.info)
    app.selectbox(key="data_sheet").set_value("Panel").run()
    assert not app.warning and not app.error, messages(app.warning) + messages(app.error)
    assert app.session_state[state.GOOD].dataset.name == "panel.xlsx, sheet Panel"
    assert len(app.session_state[state.GOOD].panel.frame) == 360


def test_a_new_study_can_be_started_on_a_file_of_another_design():
    app = show(start(), "Data")
    workbook = examples.EXAMPLES["china_rd"].data_file.with_name("china_rd_panel_30prov_2011_2022_zh.xlsx")
    app.file_uploader(key="data_upload").set_value((workbook.name, workbook.read_bytes(), "application/octet-stream"))
    app.run()
    assert "the study has not run on it yet" in messages(app.info)
    next(b for b in app.button if b.label == "Start a new study on this file").click().run()
    study = app.session_state[state.STUDY]
    assert (study.panel.entity, study.panel.time, study.panel.group) == ("省份", "年份", "区域")
    assert not app.error, messages(app.error)
    assert app.session_state[state.GOOD].dataset.filename == workbook.name
    show(app, "Results")
    assert list(paper_tables(app)) == [f"Table {k}" for k in range(1, 10)] and not app.warning


def test_editing_an_equation_as_text_and_with_the_ln_toggle():
    app = show(start(), "Study")
    formula = app.text_input(key=f"study{revision(app)}.equation.0.0.text")
    formula.set_value("productivity ~ ln(education) + ln(research) + manufacture").run()
    assert not app.error, messages(app.error)
    model = app.session_state[state.STUDY].model
    assert model.equations[0] == "productivity ~ ln(education) + ln(research) + manufacture"
    assert "ln(patent)" not in model.robustness  # a regressor no equation has cannot be dropped for robustness
    regressors = app.multiselect(key=f"study{revision(app)}.equation.0.1.regressors")
    assert regressors.value == ["education", "research", "manufacture"]
    app.pills(key=f"study{revision(app)}.equation.0.1.logged").set_value(["education"]).run()
    assert app.session_state[state.STUDY].model.equations[0] == "productivity ~ ln(education) + research + manufacture"
    assert app.text_input(key=f"study{revision(app)}.equation.0.2.text").value == \
           "productivity ~ ln(education) + research + manufacture"
    show(app, "Results")
    table7 = printed_tables(app)["Table 7"]
    study = app.session_state[state.STUDY]
    assert f">{study.label('research')}<" in table7 and f"ln {study.label('patent')}" not in table7


def test_coupling_weights_and_switching_coupling_off():
    app = show(start(), "Study")
    app.slider(key=f"study{revision(app)}.coupling.a").set_value(0.6).run()
    assert (app.session_state[state.STUDY].coupling.a, app.session_state[state.STUDY].coupling.b) == (0.6, 0.4)
    app.toggle(key=f"study{revision(app)}.coupling_on").set_value(False).run()
    assert app.session_state[state.STUDY].coupling is None
    show(app, "Results")
    titles = [re.search(r"<caption>(.*?)</caption>", html).group(1) for html in paper_tables(app).values()]
    assert len(titles) == 6 and not any("coupling" in t.lower() for t in titles)


def test_an_invalid_edit_is_refused_and_keeps_the_last_good_study():
    app = show(start(), "Study")
    before = app.session_state[state.STUDY]
    app.text_input(key=f"study{revision(app)}.equation.0.0.text").set_value("productivity ~ ").run()
    assert "That change was not applied" in messages(app.error) and "Equation 1" in messages(app.error)
    assert app.session_state[state.STUDY] == before
    show(app, "Results")
    assert len(paper_tables(app)) == 9


@pytest.mark.parametrize("filename, content, says", [
    ("broken.xlsx", b"PK\x03\x04 not really a workbook", "not a valid Excel .xlsx workbook"),
    ("renamed.csv", bytes(range(256)) * 8, "neither a CSV text file"),
    ("huge.csv", b"a,b\n" + b"1,2\n" * (state.MAX_UPLOAD_BYTES // 4 + 1), f"above the limit of {state.MAX_UPLOAD_MB} MB"),
], ids=["damaged-workbook", "binary-file-named-csv", "above-the-size-limit"])
def test_a_bad_upload_shows_an_error_and_keeps_data_and_results(filename, content, says):
    app = show(start(), "Data")
    app.file_uploader(key="data_upload").set_value((filename, content, "application/octet-stream")).run()
    assert "The file was not loaded" in messages(app.error) and says in messages(app.error)
    assert app.session_state[state.DATA].name.startswith("demo")
    show(app, "Results")
    assert len(paper_tables(app)) == 9 and "Synthetic demonstration data" in messages(app.info)


def test_study_file_round_trip_restores_the_study_exactly():
    app = start()
    edited = loads(dumps(app.session_state[state.STUDY]).replace('decimals = 3', 'decimals = 2')
                   .replace('heterogeneity = true', 'heterogeneity = false'))
    text = dumps(edited)
    app.sidebar.file_uploader[0].set_value(("saved.toml", text.encode("utf-8"), "application/toml")).run()
    restored = app.session_state[state.STUDY]
    assert restored == edited and dumps(restored) == text
    assert list(paper_tables(app)) == [f"Table {k}" for k in range(1, 9)]  # no Table 9 without heterogeneity
    app.sidebar.file_uploader[0].set_value(("broken.toml", b"title = ", "application/toml")).run()
    assert "not valid TOML" in messages(app.error)
    assert app.session_state[state.STUDY] == restored


def test_downloads_tab_offers_every_file_and_the_files_are_valid():
    app = show(start(), "Downloads")
    labels = [b.label for b in app.get("download_button")]
    for label in ("Manuscript, Word (.docx)", "Manuscript, LaTeX with figures (.zip)", "Tables, Word (.docx)",
                  "Tables, LaTeX with figures (.zip)", "All tables, Excel (.xlsx)", "Bundle (.zip)", "Study file (.toml)",
                  "Narrative (.toml)"):
        assert label in labels
    choices = app.selectbox(key="download_table")
    assert [c.split(".")[0] for c in choices.options] == [f"Table {k}" for k in range(1, 10)]
    assert "CSV" in labels and "Excel" in labels

    good = app.session_state[state.GOOD]
    rep = state.report_of(good, Narrative(title="A tested manuscript", conclusions="Both reinforce each other."),
                          Format.from_settings(good.study.tables))
    files = rendered(good, rep, ("zip",))
    manuscript = docx.Document(io.BytesIO(files["manuscript.docx"]))
    text = "\n".join(p.text for p in manuscript.paragraphs)
    assert "A tested manuscript" in text and "Both reinforce each other." in text
    assert len(manuscript.tables) >= 9
    assert files["tables.docx"][:4] == b"PK\x03\x04"
    assert b"\\documentclass" in files["tables.tex"]
    with zipfile.ZipFile(io.BytesIO(latex_download(files, "manuscript"))) as archive:
        names = archive.namelist()
        assert "manuscript.tex" in names and any(n.startswith("figures/") for n in names)
        assert all(archive.read(n)[:4] == b"%PDF" for n in names if n.endswith(".pdf"))
        assert b"\\documentclass" in archive.read("manuscript.tex")
    with zipfile.ZipFile(io.BytesIO(files["bundle.zip"])) as bundle:
        assert loads(bundle.read("study.toml").decode()) == good.study
        assert bundle.read("data.sha256").decode().strip() == good.dataset.checksum
    tables = tables_of(good.results, good.study)
    workbook = openpyxl.load_workbook(io.BytesIO(tables_xlsx(tables)))
    assert len(workbook.sheetnames) == 9
    assert table_csv(tables[4]).decode("utf-8-sig").splitlines()[0].split(",")[1:4] == ["C", "T", "D"]


def test_a_study_without_tables_says_so_in_the_downloads_tab():
    app = show(start(), "Study")
    app.toggle(key=f"study{revision(app)}.model_on").set_value(False).run()
    app.toggle(key=f"study{revision(app)}.coupling_on").set_value(False).run()
    while removes := [b for b in app.button if b.label.startswith("Remove index")]:
        removes[0].click().run()
    assert app.session_state[state.STUDY].indices == [] and not app.error
    show(app, "Downloads")
    assert "The study has no tables yet" in messages(app.info)
    assert [b.label for b in app.get("download_button")] == ["Save study file (.toml)"]  # the sidebar's alone


def test_pasted_control_characters_and_a_bad_narrative_file_leave_the_manuscript_buildable():
    app = show(start(), "Narrative")
    app.text_input(key="narrative0.title").set_value("Coupling\x0b of two \x00systems").run()
    app.text_area(key="narrative0.conclusions").set_value("First.\x0cSecond & <third> \\end{document}").run()
    narrative = app.session_state[state.NARRATIVE]
    assert (narrative.title, narrative.conclusions) == ("Coupling\x0b of two \x00systems", "First.\x0cSecond & <third> \\end{document}")
    good = app.session_state[state.GOOD]
    files = rendered(good, state.report_of(good, narrative, Format.from_settings(good.study.tables)), ("zip",))
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(files["manuscript.docx"])).paragraphs)
    assert "First. Second & <third> \\end{document}" in text  # Word cannot hold the form feed: a space instead
    assert files["manuscript.tex"].count(b"\\end{document}") == 1

    app.file_uploader(key="narrative_upload").set_value(("n.toml", b"title = 3", "application/toml")).run()
    assert "Narrative file: Input should be a valid string, not int 3: write text in quotes (key 'title')" in messages(app.error)
    assert app.session_state[state.NARRATIVE] == narrative
    app.file_uploader(key="narrative_upload").set_value(("n.toml", b'title = "Restored\\u000b"', "application/toml")).run()
    assert app.session_state[state.NARRATIVE].title == "Restored" and not app.error  # cleaned at the boundary


def test_renaming_an_index_in_the_study_tab_keeps_all_nine_tables():
    app = show(start(), "Study")
    app.text_input(key=f"study{revision(app)}.indices.0.name").set_value("quality").run()
    assert not app.error, messages(app.error)
    study = app.session_state[state.STUDY]
    assert study.coupling.indices == ("quality", "manufacture") and study.model.parsed[0].dependent.column == "quality"
    show(app, "Results")
    assert len(paper_tables(app)) == 9 and not app.warning


def test_elsevier_profile_offers_the_highlights_file_and_checks_them_against_the_guide():
    app = show(start(), "Study")
    app.selectbox(key=f"study{revision(app)}.document.profile").set_value("elsevier").run()
    show(app, "Narrative")
    app.text_area(key="narrative0.highlights").set_value("- Coupling rises.\n- " + "x" * 90).run()
    show(app, "Downloads")
    button = next(b for b in app.get("download_button") if b.label.startswith("Highlights"))
    assert button.proto.label == "Highlights, a file of their own as the journal asks (.docx)"
    warned = messages(app.warning)
    assert "three to five highlights" in warned and "Highlight 2 has 90 characters" in warned
    good = app.session_state[state.GOOD]
    rep = state.report_of(good, app.session_state[state.NARRATIVE], Format.from_settings(good.study.tables))
    highlights = docx.Document(io.BytesIO(rendered(good, rep, ("docx",))["highlights.docx"]))
    assert [p.text for p in highlights.paragraphs if p.text] == ["Highlights", "Coupling rises.", "x" * 90]
