"""Work survives in the app: reloads restore the study, bad edits keep the tabs, a new panel walks to its tables."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from streamlit.testing.v1 import AppTest

from analysis import examples
from analysis.catalogue import words
from analysis.errors import UserError
from ui import autosave, state
from ui.workspace import FILE_NAME, FOLDER_VARIABLE, Workspace, default_path

from tests.test_app import (APP, TIMEOUT, counted_runs, messages, paper_tables, revision, show, start,  # noqa: F401
                            workbook_with_a_first_sheet)

ONBOARDING_PANEL = Path(__file__).resolve().parent / "data" / "onboarding_panel.csv"
TABS = ["Data", "Study", "Results", "Narrative", "Downloads"]


def reopen(study_id: str) -> AppTest:
    """A new session (a reload or another tab) on the address of study_id."""
    app = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    app.query_params[autosave.URL_KEY] = study_id
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def upload(app: AppTest, name: str, content: bytes) -> AppTest:
    app.file_uploader(key="data_upload").set_value((name, content, "application/octet-stream")).run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def tab_labels(app: AppTest) -> list[str]:
    """The app's five tabs, present whichever is open."""
    return [t.label for t in app.tabs if t.label in TABS]


def test_a_reload_restores_the_study_data_and_narrative():
    app = show(start(), "Data")
    upload(app, "my_panel.csv", ONBOARDING_PANEL.read_bytes())
    next(b for b in app.button if b.label == "Start a new study on this file").click().run()
    study_id = app.session_state[autosave.STUDY_ID]
    show(app, "Narrative")
    app.text_area(key="narrative0.conclusions").set_value("States couple their growth.").run()

    again = reopen(study_id)
    assert again.session_state[state.STUDY] == app.session_state[state.STUDY]
    assert again.session_state[state.DATA].content == ONBOARDING_PANEL.read_bytes()
    assert again.session_state[state.NARRATIVE].conclusions == "States couple their growth."
    assert len(paper_tables(again)) == 9 and not again.error
    saved = {s.id: s for s in Workspace(default_path()).recent()}
    assert saved[study_id].title == "Study of my_panel.csv"


def test_the_sidebar_lists_saved_studies_and_opens_one():
    first = start()
    show(first, "Study")
    first.text_input(key=f"study{revision(first)}.title").set_value("My saved study").run()
    saved_id = first.session_state[autosave.STUDY_ID]
    other = start()
    assert other.session_state[autosave.STUDY_ID] != saved_id
    next(b for b in other.sidebar.button if b.label.startswith("My saved study · demo\\_panel.csv · ")).click().run()
    assert other.session_state[autosave.STUDY_ID] == saved_id
    assert other.session_state[state.STUDY].title == "My saved study"
    next(b for b in other.sidebar.button if b.label == "New study").click().run()
    assert other.session_state[autosave.STUDY_ID] != saved_id and other.session_state[state.STUDY].title != "My saved study"


def test_a_group_column_equal_to_the_entity_is_refused_and_the_tabs_stay():
    app = show(start(), "Study")
    before = app.session_state[state.STUDY]
    app.selectbox(key=f"study{revision(app)}.panel.group").set_value("province").run()
    assert not app.exception and tab_labels(app) == TABS
    assert "is the same column as panel.entity (province)" in messages(app.error)
    assert app.session_state[state.STUDY] == before
    show(app, "Results")
    assert len(paper_tables(app)) == 9


def test_an_index_renamed_to_the_time_column_is_refused_and_a_quick_edit_elsewhere_keeps_the_message():
    app = show(start(), "Study")
    app.text_input(key=f"study{revision(app)}.indices.0.name").set_value("year")
    app.text_input(key=f"study{revision(app)}.title").set_value("Still here")
    app.run()  # both edits in one rerun, as fast typing sends them
    assert not app.exception and tab_labels(app) == TABS
    assert "year is the period column (panel.time); give the index another name" in messages(app.error)
    assert app.session_state[state.STUDY].title == "Still here"
    assert [i.name for i in app.session_state[state.STUDY].indices] == ["productivity", "manufacture"]
    show(app, "Results")
    assert len(paper_tables(app)) == 9


@pytest.mark.parametrize("error, says, weight", [  # a weight of its own each: cached outcomes are kept per study
    (UserError("iterated 3SLS did not converge"), "iterated 3SLS did not converge", 0.6),
    (ValueError("cannot insert year, already exists"), "the analysis stopped unexpectedly (ValueError: cannot insert", 0.7),
], ids=["user-error", "unexpected-error"])
def test_a_failed_estimation_is_cached_and_leaves_no_progress_line(counted_runs, monkeypatch, error, says, weight):
    app = start()
    runs = len(counted_runs)

    def failing(study, panel, progress):
        counted_runs.append("failed")
        progress("step_main", method="I3SLS")
        raise error
    monkeypatch.setattr(state, "run", failing)
    show(app, "Study")
    app.slider(key=f"study{revision(app)}.coupling.a").set_value(weight).run()
    assert says in messages(app.warning) and not app.exception and tab_labels(app) == TABS
    assert not [c for c in app.caption if c.value.startswith("Estimating")]
    app.text_input(key=f"study{revision(app)}.title").set_value("Another title").run()  # labels only: cached
    assert len(counted_runs) == runs + 1 and says in messages(app.warning)


def test_onboarding_a_state_panel_walks_to_tables_1_to_9():
    app = show(start(), "Data")
    upload(app, "states.csv", ONBOARDING_PANEL.read_bytes())
    assert app.subheader[1].value == "Start a new study on this file"  # the offer first, the demo's problems folded
    folded = next(e for e in app.expander if e.label.startswith("Or keep the current study"))
    assert "35 problem(s) to fix" in messages(folded.error)
    assert [app.selectbox(key=f"onboard.{role}.{app.session_state[state.DATA].key}").value
            for role in ("entity", "time", "group")] == ["state", "year", "region"]
    plan = next(d.value for d in app.dataframe if "Use" in d.value.columns)
    assert dict(zip(plan["Column"], plan["Direction"]))["unemp"] == "-"
    next(b for b in app.button if b.label == "Start a new study on this file").click().run()
    assert not app.exception and not app.error and not app.warning, messages(app.error) + messages(app.warning)
    assert "No problems found in the data for this study." in messages(app.success)
    show(app, "Results")
    assert list(paper_tables(app)) == [f"Table {k}" for k in range(1, 10)]
    assert not app.error and not app.warning


def test_repeated_periods_say_to_set_the_entity_column():
    frame = examples.demo_panel().frame.drop(columns=["province"])
    app = show(start(), "Data")
    upload(app, "no_entity.csv", frame.to_csv(index=False).encode())
    key = app.session_state[state.DATA].key
    app.selectbox(key=f"onboard.entity.{key}").set_value(None).run()
    assert words("app", "en")["duplicates"] in messages(app.error)


def test_an_xlsx_whose_first_sheet_is_empty_opens_on_the_next_sheet():
    app = upload(show(start(), "Data"), "panel.xlsx", workbook_with_a_first_sheet([], "Cover"))
    data = app.session_state[state.DATA]
    assert data.sheet == "Panel" and len(data.frame) == 360
    assert "the first sheet, 'Cover', has no data: this is sheet 'Panel'" in messages(app.warning)
    assert not [e for e in app.error if "problem(s) to fix" in e.value]


def test_a_new_study_from_the_untouched_demo_takes_its_place_and_one_from_edited_work_keeps_it():
    app = show(start(), "Data")
    demo_id = app.session_state[autosave.STUDY_ID]
    upload(app, "states.csv", ONBOARDING_PANEL.read_bytes())
    next(b for b in app.button if b.label == "Start a new study on this file").click().run()
    assert app.session_state[autosave.STUDY_ID] == demo_id  # nothing of the author's was on the demo
    show(app, "Narrative")
    app.text_area(key="narrative0.abstract").set_value("Kept.").run()
    next(b for b in app.sidebar.button if b.label == "New study").click().run()
    assert app.session_state[autosave.STUDY_ID] != demo_id
    kept = Workspace(default_path()).load(demo_id)
    assert kept.title == "Study of states.csv" and 'abstract = "Kept."' in kept.narrative


def test_names_from_the_file_never_render_as_markdown():
    image = "![x](http://127.0.0.1:9/fetched.png)"
    hostile = ONBOARDING_PANEL.read_text().replace("South", image).replace("Alabama", ":red[**Alabama**]")
    app = upload(show(start(), "Data"), f"{image}.csv", hostile.encode())
    next(b for b in app.button if b.label == "Start a new study on this file").click().run()
    show(app, "Data")
    assert app.session_state[state.STUDY].panel.group == "region"
    groups = next(d.value for d in app.dataframe if "Group" in d.value.columns)
    assert image in list(groups["Group"])  # shown as typed, in a table
    shown = [e.value for kind in ("markdown", "caption", "error", "warning", "info", "success", "title", "subheader")
             for e in app.get(kind)] + [b.label for b in app.sidebar.button]
    live = [text for text in shown if re.search(r"(?<!\\)\]\(|(?<!\\)\[\*\*", text)]
    assert not live, live


def test_a_damaged_workspace_file_is_set_aside_with_a_message(monkeypatch, tmp_path):
    (tmp_path / FILE_NAME).write_bytes(b"not a database at all")
    monkeypatch.setenv(FOLDER_VARIABLE, str(tmp_path))
    app = start()
    assert "The workspace file could not be read" in messages(app.warning)
    assert len(paper_tables(app)) == 9 and tab_labels(app) == TABS
    assert [p.name.split(".damaged-")[0] for p in tmp_path.iterdir() if ".damaged-" in p.name] == ["workspace"]


def test_the_chapter_sections_switch_off_and_on_in_the_study_tab():
    app = show(start(), "Study")
    app.toggle(key=f"study{revision(app)}.chapter_on.spatial").set_value(False).run()
    study = app.session_state[state.STUDY]
    assert study.spatial is None and study.moran is None and study.lisa is None and not study.markov.spatial
    assert not app.error, messages(app.error)
    app.toggle(key=f"study{revision(app)}.chapter_on.moran").set_value(True).run()
    study = app.session_state[state.STUDY]
    assert study.moran is not None and study.spatial is not None and not app.error  # the weights come with Moran
    app.toggle(key=f"study{revision(app)}.chapter_on.dagum").set_value(False).run()
    assert app.session_state[state.STUDY].dagum is None
    show(app, "Results")
    assert "Dagum" not in " ".join(paper_tables(app)) and len(paper_tables(app)) == 9
