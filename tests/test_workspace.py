"""The workspace file: studies saved, restored and listed; a damaged file is kept aside with a message."""
from __future__ import annotations

import sqlite3
from dataclasses import replace

import pytest

from analysis.errors import UserError
from ui.workspace import FILE_NAME, FOLDER_VARIABLE, SCHEMA, Saved, Workspace, default_path, new_id


def saved(study_id: str, title: str = "A study", content: bytes = b"province,year\nA,2020\n") -> Saved:
    return Saved(study_id, title, 0.0, 'title = "A study"\n', 'abstract = "x"\n', "panel.csv", None, content)


def test_a_study_round_trips_with_its_data_bytes_and_narrative(tmp_path):
    workspace = Workspace(tmp_path / FILE_NAME)
    workbook = bytes(range(256)) * 100  # any bytes, stored as they are
    original = Saved("s1", "学习 & <study>", 0.0, "title = 'x'\n", "", "面板.xlsx", "Sheet 2", workbook)
    workspace.save(original)
    restored = Workspace(tmp_path / FILE_NAME).load("s1")  # a new process opening the same file
    assert restored.content == workbook and restored.sheet == "Sheet 2" and restored.filename == "面板.xlsx"
    assert (restored.title, restored.study, restored.narrative) == (original.title, original.study, original.narrative)
    assert restored.updated > 0
    assert workspace.load("no such id") is None


def test_saving_again_replaces_the_study_and_keeps_one_copy_of_shared_data(tmp_path):
    workspace = Workspace(tmp_path / FILE_NAME)
    workspace.save(saved("a", "First"))
    workspace.save(saved("b", "Second"))
    workspace.save(saved("a", "First, edited"))
    assert [s.title for s in workspace.recent()] == ["First, edited", "Second"]
    assert all(s.content == b"" for s in workspace.recent())  # the list does not load the data
    with sqlite3.connect(tmp_path / FILE_NAME) as db:
        assert db.execute("SELECT count(*) FROM files").fetchone() == (1,)
        assert db.execute("SELECT count(*) FROM studies").fetchone() == (2,)


def test_a_base_map_is_saved_with_its_study_and_removed_with_it_also_in_a_workspace_made_before_base_maps(tmp_path):
    old_schema = SCHEMA.split("CREATE TABLE IF NOT EXISTS base_maps")[0]
    with sqlite3.connect(tmp_path / FILE_NAME) as db:
        db.executescript(old_schema)
    workspace = Workspace(tmp_path / FILE_NAME)
    geojson = b'{"type": "FeatureCollection", "features": []}'
    workspace.save(replace(saved("a"), base_map_name="标准地图.geojson", base_map=geojson))
    workspace.save(saved("b"))
    restored = Workspace(tmp_path / FILE_NAME).load("a")
    assert (restored.base_map_name, restored.base_map) == ("标准地图.geojson", geojson)
    assert (workspace.load("b").base_map_name, workspace.load("b").base_map) == ("", b"")
    workspace.save(saved("a"))  # the author removed it
    assert workspace.load("a").base_map_name == "" and workspace.load("a").content == saved("a").content


def test_recent_lists_the_latest_first_up_to_the_limit(tmp_path):
    workspace = Workspace(tmp_path / FILE_NAME)
    ids = [new_id() for _ in range(5)]
    for k, study_id in enumerate(ids):
        workspace.save(saved(study_id, f"Study {k}", content=f"{k}".encode()))
    assert [s.id for s in workspace.recent(limit=3)] == ids[::-1][:3]
    assert len(set(ids)) == 5


def test_a_damaged_file_is_kept_aside_with_a_message_and_a_new_workspace_starts(tmp_path):
    path = tmp_path / FILE_NAME
    path.write_bytes(b"this is not a database" * 100)
    workspace = Workspace(path)
    kept = [p for p in tmp_path.iterdir() if ".damaged-" in p.name]
    assert len(kept) == 1 and kept[0].read_bytes() == b"this is not a database" * 100
    assert "could not be read" in str(workspace.notice) and str(kept[0]) in str(workspace.notice)
    assert workspace.notice.text("zh").startswith("无法读取工作区文件（") and str(kept[0]) in workspace.notice.text("zh")
    workspace.save(saved("a"))
    assert workspace.load("a").title == "A study"


def test_an_unusable_folder_says_which_and_how_to_fix_it(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(UserError, match=f"cannot be used.*set {FOLDER_VARIABLE}") as refused:
        Workspace(blocker / "sub" / FILE_NAME)
    problem, = refused.value.problems
    assert problem.text("zh").startswith(f"无法使用工作区文件夹{blocker / 'sub'}（") and FOLDER_VARIABLE in problem.text("zh")


def test_the_folder_comes_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv(FOLDER_VARIABLE, str(tmp_path))
    assert default_path() == tmp_path / FILE_NAME
    monkeypatch.delenv(FOLDER_VARIABLE)
    assert default_path().parts[-3:] == ("share", "coupling-coordination", FILE_NAME)
