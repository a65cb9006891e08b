"""Maps a Chinese journal can print: the author's base map (GeoJSON or Shapefile) replaces the schematic outline and
its approval number (审图号) goes in the note; the South China Sea islands in an inset that covers nothing of the main
map; a scale bar true along the standard parallels of an equal-area projection; bad base maps refused by name."""
from __future__ import annotations

import io
import json
import re

import numpy as np
import pytest
import shapefile
import shapely
from shapely.geometry import shape

from analysis import figures as F
from analysis.basemap import STANDARD_PARALLELS, albers, layout, read_base_map, shipped_map, study_map
from analysis.catalogue import words
from analysis.errors import UserError
from analysis.examples import default_study
from analysis.spatial import EARTH_RADIUS_KM, SHIPPED_BOUNDARIES
from report.figures import export
from tests.hostile.test_data_files import _zip as zipped

APPROVAL = "GS(2019)1822号"


def shipped_features() -> list[dict]:
    return json.loads(SHIPPED_BOUNDARIES.read_text(encoding="utf-8"))["features"]


def author_features(drop=("Taiwan", "Hong Kong", "Macao")) -> list[dict]:
    """The provinces as a standard map might name them: a full Chinese name and an English one, other fields."""
    return [{"type": "Feature", "geometry": f["geometry"],
             "properties": {"NAME": f["properties"]["name_zh"] + "省", "ENG_NAME": f["properties"]["name_en"],
                            "AREA_KM2": 1.5}}
            for f in shipped_features() if f["properties"]["name_en"] not in drop]


def write_geojson(path, features) -> str:
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False), encoding="utf-8")
    return str(path)


def with_map(study, **settings):
    return study.model_copy(update={"map": study.map.model_copy(update=settings)})


def in_chinese(study):
    return study.model_copy(update={"document": study.document.model_copy(update={"language": "zh"})})


def outline_features(figure) -> list[dict]:
    spec = figure.chart.to_dict(validate=False)
    return next(json.loads(v)["features"] for v in spec["datasets"].values() if '"key"' in v and "FeatureCollection" in v)


def test_an_author_geojson_replaces_the_outline_and_its_approval_number_goes_in_the_note(demo, tmp_path):
    study, results = demo
    path = write_geojson(tmp_path / "standard_map.geojson", author_features())
    en, zh = words("figures", "en"), words("figures", "zh")
    figure = F.d_map(results, with_map(study, base=path, approval=APPROVAL))
    assert len(outline_features(figure)) == 31  # the author's 31 features, not the shipped 34
    assert en["base_map"].format(file="standard_map.geojson") in figure.notes
    assert en["approval"].format(approval=APPROVAL) in figure.notes
    assert en["schematic"] not in figure.notes and not any("ECharts" in n for n in figure.notes)
    chinese = F.d_map(results, in_chinese(with_map(study, base=path, approval=APPROVAL)))
    assert f"审图号：{APPROVAL}。" in chinese.notes and zh["schematic"] not in chinese.notes
    unapproved = F.d_map(results, with_map(study, base=path))
    assert en["no_approval"] in unapproved.notes
    lisa = F.figures(results, with_map(study, base=path, approval=APPROVAL))[-2]
    assert lisa.id == "lisa_map" and en["approval"].format(approval=APPROVAL) in lisa.notes


def test_without_a_base_map_the_map_stays_schematic_in_either_language(demo):
    study, results = demo
    for language in ("en", "zh"):
        w = words("figures", language)
        s = study.model_copy(update={"document": study.document.model_copy(update={"language": language})})
        notes = F.d_map(results, s).notes
        assert w["schematic"] in notes and w["shipped_credit"] in notes and w["projection_china"] in notes
        assert not any(re.search("审图号[:：]", n) for n in notes)


def test_the_spatial_boundary_file_serves_as_a_schematic_map_when_no_base_map_is_named(demo, tmp_path):
    study, results = demo
    path = write_geojson(tmp_path / "weights.geojson", author_features())
    study = study.model_copy(update={"spatial": study.spatial.model_copy(update={"boundary": path})})
    notes = F.d_map(results, study).notes
    w = words("figures")
    assert w["schematic"] in notes and w["boundary_file"].format(file="weights.geojson") in notes


def shapefile_parts(features, encoding="utf-8") -> dict[str, bytes]:
    shp, shx, dbf = io.BytesIO(), io.BytesIO(), io.BytesIO()
    with shapefile.Writer(shp=shp, shx=shx, dbf=dbf, shapeType=shapefile.POLYGON, encoding=encoding) as writer:
        writer.field("NAME", "C", size=40)
        writer.field("ENG_NAME", "C", size=40)
        for f in features:
            writer.shape(f["geometry"])
            writer.record(f["properties"]["NAME"], f["properties"]["ENG_NAME"])
    return {"shp": shp.getvalue(), "shx": shx.getvalue(), "dbf": dbf.getvalue()}


def test_a_shapefile_on_disk_or_zipped_gives_the_same_map_as_its_geojson(demo, tmp_path):
    study, results = demo
    features = author_features()
    for suffix, data in shapefile_parts(features).items():
        (tmp_path / f"provinces.{suffix}").write_bytes(data)
    archive = zipped({f"map/provinces.{suffix}": data for suffix, data in shapefile_parts(features).items()})
    geojson = F.d_map(results, with_map(study, base=write_geojson(tmp_path / "p.geojson", features)))
    on_disk = F.d_map(results, with_map(study, base=str(tmp_path / "provinces.shp")))
    uploaded = F.d_map(results, study, base_map=read_base_map("provinces.zip", archive))
    reference = [shape(f["geometry"]).area for f in outline_features(geojson)]
    for figure in (on_disk, uploaded):
        np.testing.assert_allclose([shape(f["geometry"]).area for f in outline_features(figure)], reference, rtol=1e-6)
    assert words("figures")["base_map"].format(file="provinces.zip") in uploaded.notes


def test_a_gbk_shapefile_without_a_code_page_file_is_read(tmp_path):
    parts = shapefile_parts(author_features(), encoding="gbk")
    base = read_base_map("provinces.zip", zipped({f"provinces.{suffix}": data for suffix, data in parts.items()}),
                         name_field="NAME")
    found, missing = base.match(["北京", "内蒙古自治区", "Beijing"])
    assert set(found) == {"北京", "内蒙古自治区"} and missing == ["Beijing"]  # only NAME is read


@pytest.mark.parametrize("setting, content, message", [
    ({"base": "missing.geojson"}, None, r"the base map file is not found: missing.geojson \(key 'map.base'\)"),
    ({"base": "{dir}/bad.geojson"}, b"not a map", "not a GeoJSON FeatureCollection"),
    ({"base": "{dir}/bad.geojson", "name_field": "PROVINCE"}, "features",
     r"no feature of the base map has the property 'PROVINCE'; its properties are AREA_KM2, ENG_NAME, NAME "
     r"\(key 'map.name_field'\)"),
    ({"base": "{dir}/bad.geojson"}, "counties",
     "names 0 of the 30 entities; not found: Anhui, Beijing, Chongqing, .*, Zhejiang; its features are named, e.g., "
     "County 0, County 1, County 2, County 3, County 4 \\(key 'map.base'\\)"),
    ({"base": "{dir}/bad.geojson"}, "metres", "not longitude and latitude in degrees"),
])
def test_a_bad_base_map_is_a_message_naming_the_problem(demo, tmp_path, setting, content, message):
    study, results = demo
    features = author_features()
    if content == "counties":
        features = [{**f, "properties": {"NAME": f"County {k}"}} for k, f in enumerate(features)]
    if content == "metres":
        features = [{**f, "geometry": shapely.geometry.mapping(shapely.affinity.scale(
            shape(f["geometry"]), 1e5, 1e5, origin=(0, 0)))} for f in features]
    if content is not None:
        (tmp_path / "bad.geojson").write_bytes(content if isinstance(content, bytes) else json.dumps(
            {"type": "FeatureCollection", "features": features}).encode())
    settings = {k: v.format(dir=tmp_path) for k, v in setting.items()}
    with pytest.raises(UserError, match=message):
        F.figures(results, with_map(study, **settings))


@pytest.mark.parametrize("name, files, message", [
    ("map.zip", b"PK broken", "map.zip is not a readable zip archive"),
    ("map.zip", {"map.shp": "shp"}, "the Shapefile lacks its .dbf file"),
    ("map.zip", {"a.shp": "shp", "b.shp": "shp", "a.dbf": "dbf"}, r"map.zip holds 2 Shapefiles \(a.shp, b.shp\); zip one"),
    ("map.zip", {"a.shp": "shp", "a.dbf": b"\0" * (50 * 2**20 + 1)}, "map.zip unpacks to more than 50 MB"),
    ("map.shp", b"", "upload the .shp zipped with its .shx and .dbf"),
])
def test_a_bad_upload_is_a_message(name, files, message):
    parts = shapefile_parts(author_features()[:2])
    data = files if isinstance(files, bytes) else zipped(
        {n: parts[v] if isinstance(v, str) else v for n, v in files.items()})
    with pytest.raises(UserError, match=message):
        read_base_map(name, data)


def test_a_shapefile_with_upper_case_suffixes_is_read(tmp_path):
    for suffix, data in shapefile_parts(author_features()).items():
        (tmp_path / f"CHINA.{suffix.upper()}").write_bytes(data)
    base = study_map(with_map(default_study(), base=str(tmp_path / "CHINA.SHP")))
    assert len(base.geometries) == 31 and base.file == "CHINA.SHP"


def test_the_projection_is_equal_area_and_true_to_scale_on_its_standard_parallels():
    project = albers(105.0, STANDARD_PARALLELS)
    for latitude in STANDARD_PARALLELS:  # 1° of longitude along a standard parallel
        x = project(np.array([[100.0, latitude], [101.0, latitude]]))
        arc = EARTH_RADIUS_KM * np.cos(np.radians(latitude)) * np.radians(1.0)
        assert np.linalg.norm(x[1] - x[0]) == pytest.approx(arc, rel=2e-5)  # chord of the projected arc
    # A 1° x 1° cell at 35°N, its parallels densified: the sphere's area R² Δλ (sin φ2 − sin φ1).
    edge = np.linspace(0, 1, 2001)
    ring = np.concatenate([np.column_stack([110 + edge, np.full_like(edge, 35)]),
                           np.column_stack([np.full_like(edge, 111), 35 + edge]),
                           np.column_stack([111 - edge, np.full_like(edge, 36)]),
                           np.column_stack([np.full_like(edge, 110), 36 - edge])])
    x, y = project(ring).T
    area = abs(np.dot(x, np.roll(y, 1)) - np.dot(y, np.roll(x, 1))) / 2
    sphere = EARTH_RADIUS_KM ** 2 * np.radians(1) * (np.sin(np.radians(36)) - np.sin(np.radians(35)))
    assert area == pytest.approx(sphere, rel=1e-6)


def test_the_inset_and_the_scale_bar_cover_no_province_and_the_bar_is_the_length_it_says():
    drawn = layout(shipped_map(), F.MAP_WIDTH, F.MAP_HEIGHT, "km", "南海诸岛", 40.0)
    parts = [p for g in drawn.areas.values() for p in shapely.get_parts(shape(g))]
    owner = [k for k, g in drawn.areas.items() for _ in shapely.get_parts(shape(g))]
    tree = shapely.STRtree(parts)
    i, j = tree.query(parts, predicate="intersects")
    overlaps = [shapely.intersection(parts[a], parts[b]).area for a, b in zip(i, j, strict=True) if owner[a] != owner[b]]
    assert max(overlaps) < 5.0  # px²: simplified neighbours share borders; a province in the inset would cover hundreds
    left, top, w, h = drawn.inset
    frame = shapely.box(left, top, left + w, top + h)
    inside = [p for p in parts if frame.contains(p)]
    outside = [p for p in parts if not frame.intersects(p)]
    assert len(inside) + len(outside) == len(parts) and inside  # every shape wholly in the inset or wholly out of it
    hainan = next(k for k, f in enumerate(shipped_features()) if f["properties"]["name_en"] == "Hainan")
    hainan_parts = shapely.get_parts(shape(drawn.areas[str(hainan)]))
    assert sum(frame.contains(p) for p in hainan_parts) == 1 and len(hainan_parts) == 2  # in the main map and the inset
    bar, *ticks = drawn.furniture[1:]
    (x0, y0), (x1, y1) = bar["coordinates"]
    assert x1 - x0 == pytest.approx(drawn.scale_km * drawn.px_per_km, abs=0.01) and y0 == y1
    assert not any(shapely.intersects(shapely.geometry.shape(bar), p) for p in parts)
    assert [label["text"] for label in drawn.labels] == ["南海诸岛", "0", f"{drawn.scale_km} km"]
    # The main map's width in km: Xinjiang's west to Heilongjiang's east, about 5,200 km at 105°E-centred Albers.
    assert 4800 < (F.MAP_WIDTH - 4) / drawn.px_per_km < 5600


def test_the_inset_is_named_in_the_figure_language(demo):
    study, results = demo
    english = export(F.d_map(results, study), "svg").decode()
    chinese = export(F.d_map(results, in_chinese(study)), "svg").decode()
    assert ">South China Sea Islands<" in english and ">南海诸岛<" in chinese
    assert re.search(r">\d+ km<", english) and re.search(r">\d+ 千米<", chinese)


def test_the_study_names_its_base_map_and_approval(tmp_path):
    study = default_study()
    assert study_map(study) is shipped_map()
    path = write_geojson(tmp_path / "m.geojson", author_features())
    assert study_map(with_map(study, base=path)).standard


def test_the_map_section_round_trips_through_the_study_file_and_refuses_unknown_keys(tmp_path):
    from analysis.study import dumps, loads
    study = with_map(default_study(), base="maps/china.shp", name_field="NAME", approval=APPROVAL)
    again = loads(dumps(study))
    assert again.map == study.map and f'approval = "{APPROVAL}"' in dumps(study)
    with pytest.raises(UserError, match="map.approvel"):
        loads(dumps(default_study()).replace('[map]\n', '[map]\napprovel = "GS"\n'))


def test_a_map_of_elsewhere_is_projected_on_its_own_parallels_without_the_inset(demo, tmp_path):
    study, results = demo
    moved = [{**f, "geometry": shapely.geometry.mapping(shapely.affinity.translate(shape(f["geometry"]), -190))}
             for f in author_features()]
    figure = F.d_map(results, with_map(study, base=write_geojson(tmp_path / "moved.geojson", moved)))
    assert words("figures")["projection"] in figure.notes
    assert not layout(study_map(with_map(study, base=str(tmp_path / "moved.geojson"))), F.MAP_WIDTH, F.MAP_HEIGHT,
                      "km", "", 0.0).inset


def test_an_upload_read_again_is_the_same_map_and_its_layout_is_reused(tmp_path):
    data = json.dumps({"type": "FeatureCollection", "features": author_features()}).encode()
    first = read_base_map("m.geojson", data)
    assert read_base_map("m.geojson", data) is first
    layout(first, F.MAP_WIDTH, F.MAP_HEIGHT, "km", "", 0.0)
    hits = layout.cache_info().hits
    layout(read_base_map("m.geojson", data), F.MAP_WIDTH, F.MAP_HEIGHT, "km", "", 0.0)
    assert layout.cache_info().hits == hits + 1
