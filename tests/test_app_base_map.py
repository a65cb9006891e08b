"""The author's standard base map in the app: uploaded in the Study tab's Document section, named in the map figure's
note with its approval number (审图号), saved with the study, refused with a message when it cannot serve."""
from __future__ import annotations

import json

from analysis import examples
from analysis.catalogue import words
from analysis.spatial import SHIPPED_BOUNDARIES
from analysis.study import dumps
from tests.test_app import messages, revision, show, start
from tests.test_app_workspace import reopen
from ui import autosave, map_options, state

APPROVAL = "GS(2019)1822号"
FIGURE_WORDS = words("figures", "en")


def standard_map() -> bytes:
    """The shipped provinces as a downloaded standard map might carry them: names under a field of its own."""
    features = json.loads(SHIPPED_BOUNDARIES.read_text(encoding="utf-8"))["features"]
    renamed = [{**f, "properties": {"PROVINCE": f["properties"]["name_en"]}} for f in features]
    return json.dumps({"type": "FeatureCollection", "features": renamed}, ensure_ascii=False).encode()


def upload_map(app, name: str, content: bytes):
    app.file_uploader(key=map_options.upload_key()).set_value((name, content, "application/octet-stream")).run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def map_note(app) -> str:
    """The caption under the coordination map in the Results tab."""
    show(app, "Results")
    return next(c.value for c in app.caption if "Albers" in c.value)


def test_an_uploaded_base_map_and_its_approval_number_reach_the_map_note_and_survive_a_reload():
    app = show(start(), "Study")
    assert FIGURE_WORDS["schematic"] in map_note(app)
    show(app, "Study")
    upload_map(app, "standard_map.geojson", standard_map())
    app.text_input(key=f"study{revision(app)}.map.name_field").set_value("PROVINCE").run()
    app.text_input(key=f"study{revision(app)}.map.approval").set_value(APPROVAL).run()
    assert not app.error, messages(app.error)
    app.text_input(key=f"study{revision(app)}.map.name_field").set_value("NAME").run()  # the map has no such field
    assert "no feature of the base map has the property 'NAME'" in messages(app.error)
    assert app.session_state[state.STUDY].map.name_field == "PROVINCE"

    note = map_note(app).replace("\\", "")
    assert FIGURE_WORDS["base_map"].format(file="standard_map.geojson") in note
    assert FIGURE_WORDS["approval"].format(approval=APPROVAL) in note and FIGURE_WORDS["schematic"] not in note

    again = reopen(app.session_state[autosave.STUDY_ID])
    assert again.session_state[state.BASE_MAP].content == standard_map()
    assert FIGURE_WORDS["base_map"].format(file="standard_map.geojson") in map_note(again).replace("\\", "")

    show(again, "Study")
    next(b for b in again.button if b.label == "Remove base map").click().run()
    assert state.BASE_MAP not in again.session_state and FIGURE_WORDS["schematic"] in map_note(again)


def test_a_file_that_is_not_geojson_is_refused_with_its_message_and_nothing_changes():
    app = show(start(), "Study")
    study = app.session_state[state.STUDY]
    upload_map(app, "provinces.geojson", b"not a map")
    assert "The file was not loaded" in messages(app.error) and "not a GeoJSON FeatureCollection" in messages(app.error)
    assert state.BASE_MAP not in app.session_state and app.session_state[state.STUDY] == study
    assert FIGURE_WORDS["schematic"] in map_note(app)


def test_a_base_map_the_new_data_no_longer_match_is_not_used_and_the_app_says_so_in_its_language():
    app = show(start(), "Study")
    upload_map(app, "standard_map.geojson", standard_map())
    entity = app.session_state[state.STUDY].panel.entity
    in_chinese = {f["properties"]["name_en"]: f["properties"]["name_zh"]
                  for f in json.loads(SHIPPED_BOUNDARIES.read_text(encoding="utf-8"))["features"]}
    frame = examples.demo_panel().frame  # the same provinces named in Chinese, which the uploaded map does not know
    renamed = frame.assign(**{entity: frame[entity].map(in_chinese)})
    show(app, "Data").file_uploader(key="data_upload").set_value(
        ("provinces_zh.csv", renamed.to_csv(index=False).encode(), "text/csv")).run()
    assert app.session_state[state.GOOD].dataset.name == "provinces_zh.csv" and not app.error, messages(app.error)
    warned = "the uploaded base map standard_map.geojson names only 0 of the 30 entities, so the maps are drawn without it"
    assert warned in messages(app.warning).replace("\\", "")
    assert warned in map_note(app).replace("\\", "") and FIGURE_WORDS["schematic"] in map_note(app)
    app.segmented_control(key=f"language{revision(app)}").set_value("zh").run()
    assert "上传的底图standard_map.geojson只含30个个体中的0个，因此地图未使用该底图" in messages(app.warning).replace("\\", "")


def test_a_base_map_the_reloaded_study_cannot_read_is_not_used_and_the_app_says_why():
    app = show(start(), "Study")
    upload_map(app, "standard_map.geojson", standard_map())
    app.text_input(key=f"study{revision(app)}.map.name_field").set_value("PROVINCE").run()
    assert not app.error, messages(app.error)
    saved = dumps(app.session_state[state.STUDY]).replace('name_field = "PROVINCE"', 'name_field = "NAME"')
    app.sidebar.file_uploader[0].set_value(("saved.toml", saved.encode(), "application/toml")).run()
    assert app.session_state[state.STUDY].map.name_field == "NAME" and app.session_state[state.BASE_MAP]
    warned = "the uploaded base map standard_map.geojson cannot be read as the study now asks, so the maps are drawn "
    assert warned in messages(app.warning).replace("\\", "") and "'NAME'" in messages(app.warning)
    assert warned in map_note(app).replace("\\", "") and FIGURE_WORDS["schematic"] in map_note(app)
