"""The coupling's and the chapter's problems and method notes in the reader's language: every problem comes from
locales/messages.toml, every note from locales/notes.toml, and a Chinese document prints both in Chinese."""
from __future__ import annotations

import ast
import io
import json
import re
import zipfile
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from analysis import basemap, spatial
from analysis import figures as F
from analysis.catalogue import words
from analysis.chapter import SECTIONS, lisa_table, run_chapter
from analysis.coupling import FORMULAS, couple
from analysis.density import densities
from analysis.development import relative_development
from analysis.errors import Problem, UserError
from analysis.examples import default_study, demo_panel
from analysis.inequality import dagum_by_period
from analysis.markov import markov_chains
from analysis.notes import Note
from analysis.pipeline import indexed
from analysis.sections import Lisa
from analysis.study import Coupling, study_from_dict
from analysis.table import Format
from report.chapter_text import chapter_text
from report.phrasing import Phrasing

ROOT = Path(__file__).resolve().parents[1]
MODULES = ["coupling", "spatial", "basemap", "chapter", "sections", "markov", "inequality", "density", "obstacle",
           "development", "chapter_figures"]
RAISING = {("of", "Problem"), ("_check_distinct", ""), ("_check_defined", "")}  # calls naming a message id
ENGLISH = re.compile(r"\b(the|and|of|with|by|over|each|per|from|is|are|in)\b")  # words no Chinese note may keep


def chinese(study):
    return study.model_copy(update={"document": study.document.model_copy(update={"language": "zh"})})


def _calls(tree) -> list[ast.Call]:
    return [node for node in ast.walk(tree) if isinstance(node, ast.Call)]


def _name(call: ast.Call) -> str:
    return getattr(call.func, "attr", None) or getattr(call.func, "id", "")


def _owner(call: ast.Call) -> str:
    return getattr(getattr(call.func, "value", None), "id", "")


def _ids(call: ast.Call) -> set[str]:
    """The id a call names: its first argument that is a string, or a choice of two."""
    for argument in call.args:
        choices = [argument.body, argument.orelse] if isinstance(argument, ast.IfExp) else [argument]
        found = {c.value for c in choices if isinstance(c, ast.Constant) and isinstance(c.value, str)}
        if found:
            return found
    return set()


@pytest.fixture(scope="module")
def chapter():
    """The demo's chapter computed without the pipeline, and the same with boundaries that cannot be read."""
    study, panel = default_study(), demo_panel()
    frame, indices = indexed(study, panel)
    keys = study.panel
    coupled = couple(frame, study.coupling, keys.entity, keys.time, keys.group, keys.group_order)
    lost = study.model_copy(update={"spatial": study.spatial.model_copy(update={"boundary": "/nonexistent/map.geojson"})})
    return (study, coupled, run_chapter(study, frame, coupled, indices),
            run_chapter(lost, frame, coupled, indices))


def test_every_id_the_modules_raise_or_note_is_in_its_catalogue():
    messages, notes = set(words("messages", "en")), set(words("notes", "en"))
    for module in MODULES:
        calls = _calls(ast.parse((ROOT / "analysis" / f"{module}.py").read_text(encoding="utf-8")))
        raised = set().union(*(_ids(c) for c in calls if (_name(c), _owner(c)) in RAISING))
        noted = set().union(*(_ids(c) for c in calls if (_name(c), _owner(c)) == ("of", "Note")))
        assert not raised - messages, f"{module}: message ids missing from locales/messages.toml"
        assert not noted - notes, f"{module}: note ids missing from locales/notes.toml"
    composed = ({f"coupling_formula_{f}" for f in FORMULAS} | {f"contiguity_{r}" for r in ("queen", "rook")}
                | {f"correction_{c}" for c in Lisa.model_fields["correction"].annotation.__args__}
                | {f"bandwidth_{r}" for r in ("silverman", "scott")})
    assert composed <= notes


def test_no_problem_reaches_the_user_in_english_only():
    """No Problem, UserError or ValueError built from a literal or an f-string: every message has a catalogue id."""
    for path in [ROOT / "analysis" / f"{m}.py" for m in MODULES] + [ROOT / "ui" / "map_options.py"]:
        for call in _calls(ast.parse(path.read_text(encoding="utf-8"))):
            literal = any(isinstance(a, (ast.Constant, ast.JoinedStr)) for a in call.args)
            assert not (_name(call) in {"Problem", "UserError", "ValueError"} and literal), \
                f"{path.name}:{call.lineno} builds an English-only message"


def _raised(function, *args, **kwargs) -> list[Problem]:
    with pytest.raises(UserError) as error:
        function(*args, **kwargs)
    assert all(p.code for p in error.value.problems), [p for p in error.value.problems if not p.code]
    return error.value.problems


def test_coupling_problems_in_both_languages():
    scores = pd.DataFrame({"p": ["a", "a", "b", "b"], "t": [1, 2, 1, 2], "u": [0.2, 0.4, 0.6, 1.8],
                           "v": [0.1, 0.3, 0.5, 0.7]})
    coupling = Coupling(indices=("u", "v"))
    outside, = _raised(couple, scores, coupling, "p", "t", None)
    assert str(outside) == "1 values outside [0, 1], the scale the coupling model needs (column 'u')"
    assert outside.text("zh") == "1个值超出[0, 1]，而耦合模型要求取值在此范围内（列“u”）"
    missing, = _raised(couple, scores.drop(columns="v"), coupling, "p", "t", None)
    assert missing.text("zh") == "研究设定使用此列，但数据中没有该名称的列（列“v”）"
    replication = Coupling(indices=("u", "v"), mode="replication")
    flat, = _raised(couple, scores.assign(u=0.2), replication, "p", "t", None)
    assert flat.text("zh") == "指数“u”的各期均值为常数，无法缩放（列“u”）"
    in_group, = _raised(couple, scores.assign(u=[0.2, 0.2, 0.6, 0.8], g=["x", "x", "y", "y"]), replication, "p", "t", "g")
    assert str(in_group) == "the period means of index u are constant in group x, so they cannot be rescaled (column 'u')"
    assert in_group.text("zh") == "指数“u”在组别“x”中的各期均值为常数，无法缩放（列“u”）"
    zeros = scores.assign(u=[0.0, 0.4, 0.6, 0.8], v=[0.0, 0.3, 0.5, 0.7])
    undefined, = _raised(couple, zeros, coupling, "p", "t", None)
    assert undefined.text("zh") == "两个指数均为0，耦合度C无定义（个体“a”，时期1）"


def test_spatial_problems_in_both_languages():
    layer = spatial.load_boundaries()
    unknown, = _raised(spatial.match_entities, ["Atlantis", "Beijing"], layer.features)
    assert str(unknown).startswith("no boundary feature has this name (the file names: Anhui, Beijing, ")
    assert unknown.text("zh").startswith("没有边界要素使用此名称（文件中的名称为：Anhui、Beijing、")
    assert unknown.text("zh").endswith("（设置项“spatial.boundary”，个体“Atlantis”）")
    twins, = _raised(spatial.match_entities, ["北京", "Beijing"], layer.features)
    assert str(twins) == "北京 and Beijing name the same boundary feature (key 'spatial.boundary')"
    assert twins.text("zh") == "北京和Beijing对应同一个边界要素（设置项“spatial.boundary”）"
    same, *_ = _raised(spatial.economic_weights, ["a", "b"], np.array([1.0, 1.0]), "gdp")
    assert same.text("zh") == "a和b的gdp均值相同，经济距离为0（设置项“spatial.column”）"
    few, = _raised(spatial.knn_weights, ["a", "b"], np.zeros((2, 2)), 4)
    assert str(few) == "k = 4 needs more than 4 entities; the panel has 2 (key 'spatial.k')"
    assert few.text("zh") == "k = 4需要多于4个个体；面板只有2个（设置项“spatial.k”）"


def _zipped(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_base_map_problems_in_both_languages():
    broken, = _raised(basemap.read_base_map, "map.zip", b"PK broken")
    assert str(broken) == "map.zip is not a readable zip archive (key 'map.base')"
    assert broken.text("zh") == "map.zip不是可读取的zip压缩文件（设置项“map.base”）"
    lacking, = _raised(basemap.read_base_map, "map.zip", _zipped({"map.prj": b"GEOGCS"}))
    assert str(lacking) == "the Shapefile lacks its .shp and .dbf file (key 'map.base')"
    assert lacking.text("zh") == "该Shapefile缺少.shp和.dbf文件（设置项“map.base”）"
    unnamed = json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"NAME": "x"}, "geometry": {"type": "Point", "coordinates": [110, 30]}}]})
    field, = _raised(basemap.read_base_map, "map.geojson", unnamed.encode(), "PROVINCE")
    assert field.text("zh") == "底图中没有任何要素具有属性“PROVINCE”；其属性为NAME（设置项“map.name_field”）"


def test_chapter_problems_in_both_languages(chapter):
    study, coupled, _, _ = chapter
    panel = {m: coupled.by_entity.pivot(index="entity", columns="period", values=m) for m in ("U1", "U2", "D")}
    weights = spatial.knn_weights(list(panel["D"].index), np.random.default_rng(1).random((30, 2)) * 20, 4)
    absent, = _raised(lisa_table, panel, weights, coupled.by_entity, Lisa(periods=[2030]))
    assert str(absent) == "this period is not in the data (2011-2022) (key 'lisa.periods[0]', period 2030)"
    assert absent.text("zh") == "数据中没有该时期（数据时期为2011—2022）（设置项“lisa.periods[0]”，时期2030）"
    flat = {**panel, "D": panel["D"].copy()}
    flat["D"][2011] = 0.5
    constant, = _raised(lisa_table, flat, weights, coupled.by_entity, Lisa(periods=[2011], inference="normal"))
    assert str(constant) == "the values are constant across the entities, so Moran's I is undefined (column 'D', period 2011)"
    assert constant.text("zh") == "各个体取值相同，Moran's I无定义（列“D”，时期2011）"


@pytest.mark.parametrize("options, english, chinese_text", [
    ({"development": {"bands": [1.2, 0.8]}}, "bands (1.2, 0.8) must satisfy 0 < lower < upper (key 'development.bands')",
     "bands（1.2, 0.8）必须满足0 < 下限 < 上限（设置项“development.bands”）"),
    ({"markov": {"cutoffs": [0.5, 0.4], "spatial": False}}, "cutoffs must increase: 0.5, 0.4 (key 'markov.cutoffs')",
     "cutoffs必须递增：0.5、0.4（设置项“markov.cutoffs”）"),
    ({"obstacle": {"indices": ["nope"]}}, "nope is not an index of this study (a, b) (key 'obstacle.indices[0]')",
     "nope不是本研究的指数（本研究的指数为a、b）（设置项“obstacle.indices[0]”）"),
    ({"dagum": {}}, "needs panel.group, the column that names each entity's group (key 'dagum')",
     "需要panel.group，即标明各个体所属组别的列（设置项“dagum”）"),
])
def test_section_options_in_both_languages(options, english, chinese_text):
    base = {"panel": {"entity": "e", "time": "t"},
            "indices": [{"name": n, "dimensions": [{"name": c, "indicators": [{"column": c}]}]}
                        for n, c in (("a", "x"), ("b", "y"))],
            "coupling": {"indices": ["a", "b"]}}
    problems = _raised(study_from_dict, base | options)
    assert [(str(p), p.text("zh")) for p in problems] == [(english, chinese_text)]


def test_section_statistics_problems_in_both_languages():
    two, = _raised(markov_chains, np.zeros((3, 1)))
    assert two.text("zh") == "马尔可夫链至少需要两个时期；面板只有1个（设置项“markov”）"
    frame = pd.DataFrame({"entity": list("abcd"), "period": [1] * 4, "group": ["x", "x", "y", "y"],
                          "D": [0.2, 0.2, 0.3, 0.4], "U1": [0.1, 0.2, 0.3, 0.0], "U2": [0.2, 0.3, 0.4, 0.0], "level": 3})
    groups, = _raised(dagum_by_period, frame.assign(group="x"), ["D"])
    assert groups.text("zh") == "Dagum分解至少需要两个组别；面板只有1个（设置项“dagum”）"
    sample, = _raised(densities, frame, "D")
    assert str(sample) == ("a kernel density needs at least two distinct values; the sample of group x has 1 "
                           "(column 'D', period 1)")
    assert sample.text("zh") == "核密度估计至少需要两个不同的取值；组别“x”的样本只有1个（列“D”，时期1）"
    zero, = _raised(relative_development, frame)
    assert zero.text("zh") == "U2为0，相对发展度U1/U2无定义（设置项“development”，个体“d”，时期1）"


def test_the_chapter_keeps_problems_and_warnings_and_writes_their_english(chapter):
    _, _, computed, lost = chapter
    island, = computed.warnings
    assert island.severity == "warning" and island.code == "island_linked"
    assert str(island).startswith("Hainan has no neighbour sharing a boundary; it is linked to Guang")
    assert island.text("zh").startswith("Hainan没有共享边界的邻接单元，已与距离最近的Guang")
    assert set(lost.problems) == {"spatial", "moran", "lisa", "markov"} and lost.weights is None
    assert all(isinstance(p, Problem) and p.code for reasons in lost.problems.values() for p in reasons)
    assert lost.problems["moran"][0].code == "section_needs_weights"
    out = json.loads(json.dumps(lost.to_dict()))
    assert out["problems"]["spatial"] == ["boundary file not found: /nonexistent/map.geojson (key 'spatial.boundary')"]
    assert out["conventions"]["dagum"].startswith("Dagum (1997) Gini decomposition")
    assert json.loads(json.dumps(computed.to_dict()))["warnings"] == [str(island)]


def test_the_manuscript_says_in_its_language_what_was_not_computed(chapter):
    study, _, _, lost = chapter
    results = SimpleNamespace(chapter=lost)
    zh = chapter_text(results, chinese(study), lambda item: item, Phrasing.of("zh", Format()))["chapter_problems"][0]
    missing = "找不到边界文件：/nonexistent/map.geojson（设置项“spatial.boundary”）"
    assert zh == (f"空间权重分析未能进行：{missing}。"
                  f"全局Moran's I、局部集聚（LISA）和马尔可夫链分析未能进行：需要空间权重，但空间权重未能构建；{missing}。")
    en = chapter_text(results, study, lambda item: item, Phrasing.of("en", Format()))["chapter_problems"][0]
    assert ("The global Moran's I, local clusters (LISA) and Markov chain analyses were not computed: needs the "
            "spatial weights, which could not be built; boundary file not found: /nonexistent/map.geojson "
            "(key 'spatial.boundary').") in en


def test_every_method_note_is_worded_in_chinese(chapter):
    study, coupled, computed, _ = chapter
    replication = couple(pd.DataFrame({"t": [1, 1, 2, 2], "u": [0.1, 0.2, 0.5, 0.6], "v": [0.2, 0.3, 0.4, 0.9]}),
                         Coupling(indices=("u", "v"), mode="replication", formula="wang2021"), None, "t", None)
    notes = {**computed.conventions, "coupling": coupled.convention, "replication": replication.convention,
             "quantiles": markov_chains(np.random.default_rng(2).random((9, 3)), classes="quantiles", k=3).convention,
             "cutoffs": markov_chains(np.full((4, 2), 0.45), classes="cutoffs", cutoffs=[0.4, 0.5]).convention}
    assert set(SECTIONS) <= set(notes)
    for name, note in notes.items():
        english, zh = note.text("en"), note.text("zh")
        assert re.search("[\u4e00-\u9fff]", zh) and not ENGLISH.search(zh), (name, zh)
        assert english == str(note) and not re.search("[\u4e00-\u9fff]", english), name
    assert notes["cutoffs"].text("zh").startswith("基于以0.4、0.5为界划分的类型（左闭右开）的马尔可夫链")
    assert notes["replication"].text("zh").endswith("缩放至[0.01, 0.99]（分组各列在组内缩放）。")
    assert notes["spatial"].text("zh").startswith("按共享边界点（后式，Queen）邻接构建；"
                                                  "无邻接单元与质心最近的单元双向相连：Hainan—Guang")
    assert str(notes["moran"]) == ("Global Moran's I with row-standardised weights; z and p (two-sided) against its "
                                   "expectation without spatial autocorrelation, under the normality and randomisation "
                                   "assumptions (Cliff and Ord 1981); pseudo p-value from 999 random permutations "
                                   "(seed 12345).")


def test_a_note_renders_its_fields_and_lists_in_the_language():
    link = Note.of("island_link", island="海南", neighbour="广东", km=434.6)
    note = Note.of("islands_linked", links=(link, Note.of("island_link", island="台湾", neighbour="福建", km=300.2)))
    assert note.text("zh") == "；无邻接单元与质心最近的单元双向相连：海南—广东（435 km）、台湾—福建（300 km）"
    assert str(note) == ("; an entity without neighbours is linked both ways to the entity with the nearest centroid: "
                         "海南-广东 (435 km), 台湾-福建 (300 km)")


def test_chinese_figures_print_the_method_notes_in_chinese(chapter):
    study = chinese(default_study())
    _, coupled, computed, _ = chapter
    results = SimpleNamespace(coupling=coupled, chapter=computed, data_source="", synthetic=False,
                              source_notes=lambda: [])
    notes = {f.id: f.notes for f in (F.d_by_region(results, study), F.d_heatmap(results, study))}
    from analysis.chapter_figures import density_curves, lisa_map, moran_scatter
    notes |= {f.id: f.notes for f in (moran_scatter(results, study), lisa_map(results, study),
                                       density_curves(results, study))}
    assert coupled.convention.text("zh") in notes["d_by_region"] and coupled.convention.text("zh") in notes["d_heatmap"]
    for figure in ("moran_scatter", "lisa_map"):
        assert computed.conventions["lisa"].text("zh") in notes[figure]
    assert computed.conventions["density"].text("zh") in notes["density"]
    for figure, printed in notes.items():
        assert not [n for n in printed if ENGLISH.search(n)], (figure, printed)


def test_an_upload_that_no_longer_names_the_entities_is_replaced_with_a_warning_in_the_map_note(chapter):
    study, coupled, _, _ = chapter
    features = json.loads(spatial.SHIPPED_BOUNDARIES.read_text(encoding="utf-8"))["features"]
    renamed = [{**f, "properties": {"PROVINCE": f"Region {k}"}} for k, f in enumerate(features)]
    data = json.dumps({"type": "FeatureCollection", "features": renamed}).encode()
    upload = basemap.read_base_map("counties.geojson", data, "PROVINCE")
    entities = coupled.by_entity["entity"].drop_duplicates().tolist()
    drawn = basemap.drawn_map(upload, study, entities)
    warning, = drawn.warnings
    assert drawn.file == "" and drawn.upload == upload.upload and warning.severity == "warning"
    assert basemap.drawn_map(upload, study, entities) is drawn  # the same map, so its layout is reused
    assert str(warning).startswith("the uploaded base map counties.geojson names only 0 of the 30 entities, so the "
                                   "maps are drawn without it; not found: Anhui, Beijing, ")
    assert warning.text("zh", located=False).startswith("上传的底图counties.geojson只含30个个体中的0个，因此地图未使用该底图；"
                                                        "未找到：Anhui、Beijing、")
    results = SimpleNamespace(coupling=coupled, data_source="", synthetic=False, source_notes=lambda: [])
    zh = chinese(study)
    notes = F.d_map(results, zh, base_map=drawn).notes
    assert warning.text("zh", located=False) in notes and words("figures", "zh")["schematic"] in notes
    assert basemap.drawn_map(basemap.read_base_map("provinces.geojson", spatial.SHIPPED_BOUNDARIES.read_bytes()),
                             study, entities).warnings == ()
