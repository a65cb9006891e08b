"""The app in Chinese: every fixed word on screen comes from the Chinese catalogue, and English comes back."""
from __future__ import annotations

import json
import re

import pytest
from google.protobuf.message import Message
from streamlit.delta_generator import DeltaGenerator

from analysis import examples
from analysis.catalogue import words
from analysis.study import loads
from analysis.table import Format
from report.narrative import Narrative
from tests.test_app import counted_runs, messages, revision, show, start  # noqa: F401 - a fixture
from ui import autosave, state
from ui.text import TABS
from ui.workspace import FOLDER_VARIABLE, Workspace

TEXT_FIELDS = {"label", "body", "help", "placeholder", "options", "caption", "text"}
# Not the app's words: tables and figures as report/ renders them, and the study file's text (the author's).
NOT_APP_WORDS = {"html", "arrow_vega_lite_chart", "vega_lite_chart", "code"}
# English the Chinese catalogue keeps on purpose: names, a bilingual label, formulas.
KEPT = {"CRITIC", "Elsevier", "Excel", "Bonferroni", "Scott", "Language", "C = 2 sqrt(U1 U2) / (U1 + U2)"}
HAN = re.compile(r"[\u4e00-\u9fff]{2}")
WORD = re.compile(r"[A-Za-z]{3}")  # an English part has a word (not only symbols such as "0 ln 0 = 0")


@pytest.fixture(autouse=True)
def own_workspace(tmp_path, monkeypatch):
    """A workspace of its own: the studies other tests saved, with their authors' English names, are not app words."""
    monkeypatch.setenv(FOLDER_VARIABLE, str(tmp_path))


def _strings(message: Message):
    """The text fields of a protobuf message, at any depth."""
    for field, value in message.ListFields():
        values = value if hasattr(value, "__len__") and not isinstance(value, (str, bytes)) else [value]  # repeated
        for item in values:
            if isinstance(item, Message):
                yield from _strings(item)
            elif isinstance(item, str) and field.name in TEXT_FIELDS:
                yield item
            elif isinstance(item, str) and field.name == "columns" and item.startswith("{"):
                yield from (c.get("label") or "" for c in json.loads(item).values())


def _nodes(node):
    yield node
    for child in getattr(node, "children", {}).values():
        yield from _nodes(child)


def screen_texts(app) -> set[str]:
    """Every label, body, caption, help, placeholder, option and column header the app sent, without Markdown escapes;
    the tables and figures report/ renders are left to its own tests."""
    found = set()
    for node in _nodes(app._tree):
        if getattr(node, "type", "") in NOT_APP_WORDS or getattr(node, "proto", None) is None:
            continue
        found |= set(_strings(node.proto))
        if node.type == "dataframe":  # the headers shown: a column's label, else its name
            labelled = {name for name, config in json.loads(node.proto.columns or "{}").items() if config.get("label")}
            found |= {str(c) for c in node.value.columns if str(c) not in labelled}
    return {re.sub(r"\\(.)", r"\1", text) for text in found if text}


def report_texts(app) -> set[str]:
    """Titles and notes of the tables and figures: report/'s words, which the app shows as they are."""
    good = app.session_state[state.GOOD]
    rep = state.report_of(good, Narrative(), Format.from_settings(good.study.tables))
    return ({b.figure.title for b in rep.figures} | {" ".join(b.figure.notes) for b in rep.figures}
            | {b.table.title for b in rep.exhibits.paper})


def english_left(texts: set[str], exempt: set[str]) -> dict[str, str]:
    """Texts on screen that are an English catalogue entry, or a literal part of one (the text between its
    {placeholders}), or contain such a part of two words or more; with the part found. A single word ("Coupling")
    is looked for as a whole text only, as the author's own titles and labels may hold it."""
    english = words("app", "en")
    parts = {part.strip() for value in english.values() for part in re.split(r"\{[^}]*\}", value)}
    parts = {part for part in parts - KEPT if WORD.search(part)}
    found = {}
    for text in (text for text in texts if not any(e in text for e in exempt)):
        hit = next((p for p in parts if p == text or (" " in p and p in text)), None)
        if hit:
            found[text] = hit
    return found


def visit_every_tab(app, names) -> set[str]:
    texts = set()
    for name in names:
        texts |= screen_texts(show(app, name))
    return texts


def test_the_demo_in_chinese_shows_no_english_app_word_and_switching_back_gives_english(counted_runs):
    app = start()
    runs = len(counted_runs)
    app.segmented_control(key=f"language{revision(app)}").set_value("zh").run()
    assert app.session_state[state.STUDY].document.language == "zh"
    assert app.session_state["tab"] == "结果"  # the open tab stays open under its Chinese name
    chinese = words("app", "zh")
    texts = visit_every_tab(app, [chinese[name] for name in TABS])
    assert not app.exception and not app.error, messages(app.error)
    assert {chinese["tab_study"], chinese["section_chapter"], chinese["chapter_on_moran"], chinese["weights_kind"]} <= texts
    exempt = report_texts(app) | {app.session_state[state.STUDY].title}
    left = english_left(texts, exempt)
    assert not left, "\n".join(f"{k!r}: {v!r}" for k, v in left.items())

    next(b for b in app.sidebar.button if b.label == chinese["new_study"]).click().run()
    assert app.session_state[state.STUDY].document.language == "zh"  # a new study goes on in the author's language
    app.segmented_control(key=f"language{revision(app)}").set_value("zh+en").run()
    assert app.session_state[state.STUDY].document.language == "zh+en" and chinese["tab_downloads"] in screen_texts(app)
    app.segmented_control(key=f"language{revision(app)}").set_value("en").run()
    assert len(counted_runs) == runs  # the language changes the words, not the numbers: nothing is estimated again
    english = words("app", "en")
    assert app.session_state["tab"] == english["tab_downloads"]
    texts = visit_every_tab(app, [english[name] for name in TABS])
    assert {english["tab_study"], english["section_chapter"], english["chapter_on_moran"]} <= texts
    chinese = {part for value in chinese.values() for part in re.split(r"\{[^}]*\}", value) if HAN.search(part)}
    left = {text: part for text in texts - {english["language"]} for part in chinese if part in text}  # bilingual
    assert not left, left


# Document and chapter options edited in three rounds, each one rerun (an option shows once its kind or classes are
# chosen):
# widget, key under the study's revision, value set, and the section's field in the saved study file with its value.
OPTION_EDITS = [
    [("selectbox", "document.profile", "chinese-core", ("document", "profile"), "chinese-core"),
     ("selectbox", "document.headings", "chinese", ("document", "headings"), "chinese"),
     ("selectbox", "document.source_note", "every", ("document", "source_note"), "every"),
     ("multiselect", "moran.measures", ["U1", "D"], ("moran", "measures"), ["D", "U1"]),
     ("number_input", "moran.permutations", 499, ("moran", "permutations"), 499),
     ("number_input", "moran.seed", 7, ("moran", "seed"), 7),
     ("multiselect", "lisa.periods", [2015], ("lisa", "periods"), [2015]),
     ("selectbox", "lisa.correction", "fdr", ("lisa", "correction"), "fdr"),
     ("toggle", "lisa.hotspots", False, ("lisa", "hotspots"), False),
     ("number_input", "lisa.alpha", 0.1, ("lisa", "alpha"), 0.1),
     ("multiselect", "dagum.measures", ["U2"], ("dagum", "measures"), ["U2"]),
     ("selectbox", "density.bandwidth", "scott", ("density", "bandwidth"), "scott"),
     ("multiselect", "density.periods", [2011, 2022], ("density", "periods"), [2011, 2022]),
     ("toggle", "markov.spatial", False, ("markov", "spatial"), False),
     ("number_input", "obstacle.top", 3, ("obstacle", "top"), 3),
     ("toggle", "obstacle.percent", False, ("obstacle", "percent"), False),
     ("number_input", "development.bands.1", 1.3, ("development", "bands"), (0.8, 1.3)),
     ("selectbox", "spatial.islands", "error", ("spatial", "islands"), "error"),
     ("selectbox", "spatial.kind", "knn", None, None),
     ("selectbox", "markov.classes", "quantiles", None, None)],
    [("number_input", "spatial.k", 6, ("spatial", "k"), 6),
     ("selectbox", "spatial.kind", "inverse_distance", None, None),
     ("number_input", "markov.k", 5, ("markov", "k"), 5),
     ("selectbox", "markov.classes", "cutoffs", ("markov", "classes"), "cutoffs")],
    [("number_input", "spatial.power", 2.0, ("spatial", "power"), 2.0),
     ("number_input", "spatial.threshold_km", 800.0, ("spatial", "threshold_km"), 800.0),
     ("text_input", "markov.cutoffs", "0.3, 0.5", ("markov", "cutoffs"), [0.3, 0.5]),
     ("selectbox", "spatial.kind", "rook", ("spatial", "kind"), "rook")],
]


def test_every_document_and_chapter_option_edited_in_the_app_is_saved_in_the_study_file():
    app = show(start(), "Study")
    rev = revision(app)
    for edits in OPTION_EDITS:
        for widget, key, value, _, _ in edits:
            getattr(app, widget)(key=f"study{rev}.{key}").set_value(value)
        app.run()
        assert not app.exception and not [e for e in app.error if "not applied" in e.value], messages(app.error)
    saved = loads(Workspace().load(app.session_state[autosave.STUDY_ID]).study)
    for _, key, _, field, value in (edit for edits in OPTION_EDITS for edit in edits):
        if field:
            assert getattr(getattr(saved, field[0]), field[1]) == value, key
    app.number_input(key=f"study{rev}.development.bands.0").set_value(1.5).run()  # above the upper band: refused
    assert r"Relative development: bands (1.5, 1.3) must satisfy 0 \< lower" in messages(app.error)
    assert app.session_state[state.STUDY].development.bands == (0.8, 1.3)


def test_a_chinese_workbook_starts_a_study_in_chinese():
    app = start()
    app.segmented_control(key=f"language{revision(app)}").set_value("zh").run()
    chinese = words("app", "zh")
    show(app, chinese["tab_data"])
    workbook = examples.EXAMPLES["china_rd"].data_file.with_name("china_rd_panel_30prov_2011_2022_zh.xlsx")
    app.file_uploader(key="data_upload").set_value((workbook.name, workbook.read_bytes(), "application/octet-stream"))
    app.run()
    offer = screen_texts(app)
    assert chinese["start_new_study_caption"] in offer and not english_left(offer, {app.session_state[state.STUDY].title})
    next(b for b in app.button if b.label == chinese["start_new_study"]).click().run()
    study = app.session_state[state.STUDY]
    assert study.document.language == "zh" and study.title == chinese["study_of"].format(filename=workbook.name)
    assert not app.error, messages(app.error)
    texts = screen_texts(app)
    warnings = re.escape(chinese["warnings_found"]).replace(re.escape("{n}"), r"\d+")
    assert re.match(warnings, messages(app.warning))  # under the Chinese heading, the notes of analysis/ in English
    assert not english_left(texts, {study.title})


def test_download_file_names_are_in_the_study_language(monkeypatch):
    names = []
    original = DeltaGenerator.download_button

    def recorded(self, label, data, file_name=None, *args, **kwargs):
        names.append(file_name)
        return original(self, label, data, file_name, *args, **kwargs)

    monkeypatch.setattr(DeltaGenerator, "download_button", recorded)
    app = start()
    app.segmented_control(key=f"language{revision(app)}").set_value("zh").run()
    names.clear()
    show(app, words("app", "zh")["tab_downloads"])
    stem = names[0].removesuffix(".docx")
    assert {f"{stem}-表格.docx", f"{stem}-表格-LaTeX.zip", f"{stem}-表格.xlsx", f"{stem}-复现包.zip", "正文.toml",
            "表1.csv", "表1.xlsx"} <= set(names), names
    assert not any(re.search(r"tables|bundle|narrative|table\d", name) for name in names), names
