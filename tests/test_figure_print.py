"""Figures in print: hostile text never reaches the renderer, a renderer crash never ends the process, text of
at least 7 pt where the documents place a figure, level colours apart in grey and for colour-vision deficiency,
labels everywhere, and rendered files reused across builds."""
from __future__ import annotations

import dataclasses
import json
import os
import re
import shutil
import signal
import subprocess
import threading
import time

import numpy as np
import pytest

from analysis import figures as F
from analysis.errors import UserError
from analysis.examples import default_study, demo_panel
from analysis.levels import default_levels
from analysis.pipeline import run
from analysis.study import TABLE1_LEVELS
from analysis.text import unsafe_characters
from report import figures as export_module
from report.figures import LATEX_FONT, WORD_FONT, export, spec_of
from report.renderer import RenderFailed, render, tex_font_directories

HOSTILE = {"entity": "Bei\x01jing", "group": "Ea\x0cst", "label": "Pro\u2028ductivity \\ 1", "time": "ye\x01ar"}


@pytest.fixture(scope="module")
def demo():
    study = default_study()
    results = run(study, demo_panel())
    return study, results, {f.id: f for f in F.figures(results, study)}


def strings(value) -> list[str]:
    """Every string in a spec, keys included."""
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in (k, *strings(v))]
    if isinstance(value, list):
        return [s for v in value for s in strings(v)]
    return [value] if isinstance(value, str) else []


def hostile(study, results):
    """The demo with a control character in an entity, a group and the time column, and a separator in a label."""
    coupling = results.coupling
    rename = {"Beijing": HOSTILE["entity"]}
    by_entity = coupling.by_entity.assign(entity=coupling.by_entity["entity"].replace(rename),
                                          group=coupling.by_entity["group"].replace({"East": HOSTILE["group"]}))
    by_group = coupling.by_group.rename(columns={"East": HOSTILE["group"]})
    means = results.index_means.rename(columns={study.panel.time: HOSTILE["time"]})
    results = dataclasses.replace(results, index_means=means,
                                  coupling=dataclasses.replace(coupling, by_entity=by_entity, by_group=by_group))
    variables = {**study.variables, "productivity": study.variables["productivity"].model_copy(
        update={"label": HOSTILE["label"]})}
    panel = study.panel.model_copy(update={"time": HOSTILE["time"], "group_order": [HOSTILE["group"], "Central"]})
    return study.model_copy(update={"variables": variables, "panel": panel}), results


def test_hostile_text_is_cleaned_before_it_enters_any_chart_and_every_figure_exports(demo):
    study, results = hostile(*demo[:2])
    figures = F.figures(results, study)
    assert [f.id for f in figures] == list(demo[2])
    for figure in figures:
        texts = strings(figure.chart.to_dict(validate=False)) + [figure.title, *figure.notes]
        assert not [t for t in texts if unsafe_characters(t)], figure.id
        assert export(figure, "png").startswith(b"\x89PNG")
    text = json.dumps(F.d_heatmap(results, study).chart.to_dict(validate=False), ensure_ascii=False)
    assert "Beijing" in text and "Ea st" in text  # a control character removed, a form feed a space
    assert "Pro ductivity \\\\ 1" in json.dumps(F.figure1(results, study).chart.to_dict(validate=False))


def test_a_renderer_panic_is_a_message_and_the_next_render_works(demo):
    spec = {"data": {"values": [{"a": "x\x01y", "b": 1}]}, "mark": "bar",
            "encoding": {"y": {"field": "a", "type": "nominal"}, "x": {"field": "b", "type": "quantitative"}}}
    with pytest.raises(RenderFailed, match="SIGABRT"):  # vl-convert's Rust code panics on a control character
        render("vegalite_to_svg", spec)
    assert export(demo[2]["figure1"], "svg", font="serif").startswith(b"<svg")


def test_a_renderer_killed_mid_export_fails_one_figure_by_name_and_the_next_export_works(demo, monkeypatch):
    figure = demo[2]["d_map"]
    export_module.rendered.clear()
    render("vegalite_to_svg", {"mark": "point"})  # the renderer is running
    pid = render.pid
    killer = threading.Timer(0.1, os.kill, (pid, signal.SIGKILL))

    def render_then_kill(job, *args, **kwargs):
        if killer.ident is None:  # once, at the first of the export's jobs (the map's SVG, then its PDF)
            killer.start()  # while the renderer draws the map, which takes longer
        return render(job, *args, **kwargs)

    monkeypatch.setattr(export_module, "render", render_then_kill)
    with pytest.raises(UserError, match=r"Figure 'Coupling coordination level by province' \(d_map\) could not be "
                                        r"drawn: the renderer stopped \(signal SIGKILL\)"):
        export(figure, "pdf")  # the map takes a second or so to draw
    killer.join()
    monkeypatch.undo()
    assert export(figure, "pdf").startswith(b"%PDF")
    assert render.pid != pid


def test_a_hung_renderer_is_stopped_after_the_timeout():
    slow = type(render)(timeout=0.01)
    with pytest.raises(RenderFailed, match="no answer within 0.01 s"):
        slow("vegalite_to_svg", {"mark": "point"})  # starting alone takes longer
    assert slow.pid is None


def svg_font_sizes(svg: str) -> tuple[float, list[float]]:
    width = float(re.search(r'<svg[^>]* width="([\d.]+)"', svg)[1])
    return width, [float(s) for s in re.findall(r'font-size="([\d.]+)px"', svg)]


@pytest.mark.parametrize("font", [WORD_FONT, LATEX_FONT])
def test_text_is_at_least_7_pt_where_the_documents_place_each_figure(demo, font):
    # Word places a figure at WIDTH (at most the 6.27 in text width), LaTeX at WIDTH or \linewidth (6.30 in).
    for figure in demo[2].values():
        width, sizes = svg_font_sizes(export(figure, "svg", font=font).decode())
        placed = F.WIDTH[figure.width]
        assert width <= placed + 0.5, figure.id
        assert sizes and min(sizes) * placed / width * 72 / F.PX_PER_INCH >= F.MIN_POINTS, figure.id
    assert F.WIDTH["full"] / F.PX_PER_INCH <= min(16 / 2.54, (21 - 2 * 2.54) / 2.54)


def lightness(hexes: list[str], matrix=None) -> np.ndarray:
    """CIELAB L* of sRGB colours, after an optional linear-RGB transform (a colour-vision deficiency)."""
    rgb = np.array([[int(h[i:i + 2], 16) / 255 for i in (1, 3, 5)] for h in hexes])
    linear = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    if matrix is not None:
        linear = np.clip(linear @ np.array(matrix).T, 0, 1)
    y = linear @ np.array([0.2126, 0.7152, 0.0722])
    return np.where(y > (6 / 29) ** 3, 116 * np.cbrt(y) - 16, y * (29 / 3) ** 3)


# Machado, Oliveira & Fernandes (2009), severity 1.0, applied to linear RGB.
DEFICIENCIES = {
    "protanopia": [[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216], [-0.003882, -0.048116, 1.051998]],
    "deuteranopia": [[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413], [-0.011820, 0.042940, 0.968881]],
    "tritanopia": [[1.255528, -0.076749, -0.178779], [-0.078411, 0.930809, 0.147602], [0.004733, 0.691367, 0.303900]],
}


@pytest.mark.parametrize("count", range(2, 11))
def test_adjacent_levels_differ_in_lightness_in_grey_and_for_colour_vision_deficiency(count):
    colours = F.level_colours(count)
    steps = np.diff(lightness(colours))
    assert (steps < 0).all()  # lighter to darker: a higher level is darker
    assert -steps.max() >= (18 if count <= 5 else 7.5)  # ΔL* between neighbours
    for matrix in DEFICIENCIES.values():
        assert np.abs(np.diff(lightness(colours, matrix))).min() >= 5.5


def test_the_map_colours_the_levels_present_with_those_colours(demo):
    spec = demo[2]["d_map"].chart.to_dict(validate=False)
    scale = spec["hconcat"][0]["layer"][1]["encoding"]["color"]["scale"]
    assert scale["range"] == F.level_colours(len(scale["domain"]))


def test_labels_of_groups_entities_and_variables_print_in_every_figure(demo):
    study, results, _ = demo
    panel = study.panel.model_copy(update={"group_labels": {"East": "Eastern region"},
                                           "entity_labels": {"Beijing": "北京"}})
    study = study.model_copy(update={"panel": panel})
    figs = {f.id: f for f in F.figures(results, study)}
    text = {k: json.dumps(f.chart.to_dict(validate=False), ensure_ascii=False) for k, f in figs.items()}
    for k in ("d_by_region", "d_heatmap", "coefficients_groups"):
        assert "Eastern region" in text[k] and '"East"' not in text[k], k
    assert "北京" in text["d_heatmap"] and '"Beijing"' not in text["d_heatmap"]
    assert figs["d_heatmap"].chart.to_dict(validate=False)["config"]["font"] == F.CJK_SERIF
    assert "北京" in text["d_map"]
    labelled = {name for name, v in study.variables.items() if v.label} | {i.name for i in study.indices if i.label}
    for k, figure in figs.items():
        values = set(strings(figure.chart.to_dict(validate=False)))
        assert not values & labelled, (k, values & labelled)
        assert not [v for v in values if "`" in v], k


def test_model_terms_print_as_labels_after_ln_and_without_backquotes():
    study = default_study()
    variables = {**study.variables, "rd exp": study.variables["productivity"].model_copy(update={"label": "R&D spending"})}
    study = study.model_copy(update={"variables": variables})
    assert F.term_of(study, "ln(`rd exp`)") == "ln R&D spending"
    assert F.term_of(study, "`other col`") == "other col"
    assert F.term_of(study, "productivity") == study.label("productivity")


def test_figures_do_not_read_the_tables_printing_settings(demo):
    study, results, figs = demo
    printed = study.model_copy(update={"tables": study.tables.model_copy(update={"decimals": 5, "stars": "none"})})
    assert F.figure_key(printed) == F.figure_key(study)
    again = {f.id: f for f in F.figures(results, printed)}
    for k, figure in figs.items():
        assert again[k].chart.to_dict(validate=False) == figure.chart.to_dict(validate=False), k
    assert F.figure_key(study.model_copy(update={"title": "Another"})) != F.figure_key(study)


def test_rendered_files_are_reused_for_an_equal_spec_and_the_document_font_is_applied(demo, monkeypatch):
    _, _, figs = demo
    figure = figs["figure1"]
    export_module.rendered.clear()
    calls = []
    monkeypatch.setattr(export_module, "render", lambda job, *a, **k: calls.append(job) or render(job, *a, **k))
    png, pdf = export(figure, "png"), export(figure, "pdf", font=WORD_FONT)
    assert calls == ["vegalite_to_svg", "svg_to_png", "svg_to_pdf"]  # one Vega render for both files
    assert export(figure, "png") == png and export(figure, "pdf", font=WORD_FONT) == pdf
    assert len(calls) == 3
    assert export(figure, "pdf").startswith(b"%PDF") and calls[3] == "vegalite_to_svg"  # Latin Modern for LaTeX
    assert spec_of(figure, LATEX_FONT)["config"]["font"] == LATEX_FONT
    assert spec_of(figure, WORD_FONT)["config"]["font"] == WORD_FONT


def test_chinese_text_keeps_the_cjk_serif_in_any_document_font(demo):
    study, results, _ = demo
    panel = study.panel.model_copy(update={"entity_labels": {"Beijing": "北京", "Shanghai": "上海"}})
    figure = F.d_heatmap(results, study.model_copy(update={"panel": panel}))
    assert spec_of(figure, LATEX_FONT)["config"]["font"] == F.CJK_SERIF


def test_map_outlines_are_prepared_once_per_process(demo):
    study, results, _ = demo
    started = time.perf_counter()
    F.d_map(results, study)
    assert F._map_data.cache_info().hits >= 1 and time.perf_counter() - started < 1


# Chinese figures, fonts in print and labels apart -----------------------------------------------------------------

def svg_texts(svg: str) -> list[tuple[float, float, float, str]]:
    """(x, y, font size, text) of every text of an SVG, its groups' translations added up."""
    import xml.etree.ElementTree as ET

    out = []

    def walk(node, dx, dy):
        move = re.match(r"translate\(([-\d.e]+),([-\d.e]+)\)", node.get("transform", ""))
        if move:
            dx, dy = dx + float(move[1]), dy + float(move[2])
        if node.tag.endswith("text"):
            size = float(re.match(r"[\d.]+", node.get("font-size", "0"))[0])
            out.append((dx, dy, size, "".join(node.itertext())))
        for child in node:
            walk(child, dx, dy)

    walk(ET.fromstring(svg), 0.0, 0.0)
    return out


def chinese_study(study, language="zh"):
    """The demo as a Chinese author labels it: every variable, index, group and province in Chinese."""
    from analysis.spatial import SHIPPED_BOUNDARIES
    provinces = {f["properties"]["name_en"]: f["properties"]["name_zh"]
                 for f in json.loads(SHIPPED_BOUNDARIES.read_text(encoding="utf-8"))["features"]}
    names = {"productivity": "新质生产力", "manufacture": "制造业转型升级", "education": "高等教育", "research": "科研投入",
             "patent": "专利", "creativity": "创新能力", "information": "信息化", "green": "绿色发展", "efficiency": "效率",
             "province": "省份", "year": "年份", "region": "区域"}
    variables = {n: v.model_copy(update={"label": names[n]}) for n, v in study.variables.items()}
    indices = [i.model_copy(update={"label": names[i.name]}) for i in study.indices]
    panel = study.panel.model_copy(update={
        "group_labels": {"East": "东部", "Central": "中部", "West": "西部", "Northeast": "东北"},
        "entity_labels": provinces})
    return study.model_copy(update={"variables": variables, "indices": indices, "panel": panel,
                                    "document": study.document.model_copy(update={"language": language})})


# Latin words a Chinese figure prints: estimator names, LISA quadrants, the measure D and the logarithm.
LATIN_IN_CHINESE = {"OLS", "2SLS", "3SLS", "I3SLS", "HH", "HL", "LH", "LL", "ns", "D", "ln"}


@pytest.fixture(scope="module")
def chinese(demo):
    study, results, _ = demo
    study = chinese_study(study)
    return study, results, {f.id: f for f in F.figures(results, study)}


def test_a_chinese_figure_prints_every_word_in_chinese(chinese):
    study, _, figures = chinese
    for figure in figures.values():
        texts = [t for *_, t in svg_texts(export(figure, "svg").decode())]
        latin = {w for t in texts for w in re.findall(r"[A-Za-z0-9]*[A-Za-z][A-Za-z0-9]*", t)} - LATIN_IN_CHINESE
        assert not latin, (figure.id, latin)
        assert any(re.search(r"[\u4e00-\u9fff]", t) for t in texts), figure.id
        assert re.search(r"[\u4e00-\u9fff]", figure.title), figure.id
        for note in figure.notes[:-1]:  # the last: the data source as the study gives it
            assert re.search(r"[\u4e00-\u9fff]", note), (figure.id, note)


def test_chinese_level_names_are_the_default_unless_the_study_names_its_own(chinese):
    study, results, figures = chinese
    legend = set(dataset_values(figures["d_map"], "level_label"))
    assert legend <= set(default_levels("zh")) and legend
    english = set(dataset_values(F.d_map(results, default_study_of(study)), "level_label"))
    assert english <= set(TABLE1_LEVELS) and english
    own = [f"第{k}级" for k in range(1, 11)]
    study = study.model_copy(update={"coupling": study.coupling.model_copy(update={"levels": own})})
    assert set(dataset_values(F.d_map(results, study), "level_label")) <= set(own)


def dataset_values(figure, field: str) -> list:
    spec = figure.chart.to_dict(validate=False)
    rows = [r for v in spec["datasets"].values() for r in (json.loads(v) if isinstance(v, str) else v)
            if isinstance(r, dict) and field in r]
    return [r[field] for r in rows]


def default_study_of(study):
    return study.model_copy(update={"document": study.document.model_copy(update={"language": "en"})})


def pdf_fonts(pdf: bytes, tmp_path) -> list[list[str]]:
    path = tmp_path / "figure.pdf"
    path.write_bytes(pdf)
    lines = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout.splitlines()[2:]
    return [line.split() for line in lines]


@pytest.mark.skipif(shutil.which("pdffonts") is None, reason="needs poppler's pdffonts")
def test_every_font_is_embedded_in_pdf_latin_modern_for_latex_and_a_cjk_serif_in_chinese(demo, chinese, tmp_path):
    # pdffonts columns: name, type..., then emb sub uni as yes/no, object id.
    latex = pdf_fonts(export(demo[2]["d_map"], "pdf"), tmp_path)
    assert latex and all(row[-5] == "yes" for row in latex)
    assert {row[0].split("+")[1].split("-")[0] for row in latex} <= {"LMRoman10", "LMRoman12", "LMRoman17",
                                                                      "LMRoman8", "LMRoman9"}
    word = pdf_fonts(export(demo[2]["figure1"], "pdf", font=WORD_FONT), tmp_path)
    assert word and all(row[-5] == "yes" for row in word) and all("Serif" in row[0] or "Times" in row[0] for row in word)
    for figure in chinese[2].values():
        fonts = pdf_fonts(export(figure, "pdf"), tmp_path)
        assert fonts and all(row[-5] == "yes" for row in fonts), figure.id
        assert all("CJK" in row[0] for row in fonts), (figure.id, [row[0] for row in fonts])


@pytest.mark.parametrize("language", ["en", "zh"])
def test_heat_map_names_do_not_collide_in_either_language(demo, language):
    study, results, _ = demo
    study = chinese_study(study, language) if language == "zh" else study
    texts = svg_texts(export(F.d_heatmap(results, study), "svg").decode())
    names = {study.value_label(study.panel.entity, e) for e in results.coupling.by_entity["entity"]}
    labels = sorted((x, y, size, t) for x, y, size, t in texts if t in names)
    assert len(labels) == 30
    for column in {round(x) for x, *_ in labels}:  # right-aligned at one x per facet column
        ys = sorted(y for x, y, *_ in labels if round(x) == column)
        size = max(s for *_, s, _ in labels)
        assert np.diff(ys).min() >= size, (language, np.diff(ys).min(), size)  # a line of text apart at least


def test_chinese_text_is_at_least_7_pt_where_the_documents_place_each_figure(chinese):
    for figure in chinese[2].values():
        width, sizes = svg_font_sizes(export(figure, "svg").decode())
        assert width <= F.WIDTH[figure.width] + 0.5, figure.id
        assert min(sizes) * F.WIDTH[figure.width] / width * 72 / F.PX_PER_INCH >= F.MIN_POINTS, figure.id


@pytest.mark.skipif(not tex_font_directories() or shutil.which("pdffonts") is None,
                    reason="needs TeX's Fandol fonts and poppler's pdffonts")
def test_the_renderer_sets_text_in_the_tex_installation_s_chinese_serif(tmp_path):
    # FandolSong lies in TeX's tree, outside the system's font list: only the registered folder finds it.
    spec = {"data": {"values": [{"a": "耦合协调度", "b": 1}]}, "mark": "bar", "config": {"font": "FandolSong"},
            "encoding": {"y": {"field": "a", "type": "nominal"}, "x": {"field": "b", "type": "quantitative"}}}
    pdf = render("svg_to_pdf", render("vegalite_to_svg", spec))
    assert any(row[0].split("+")[-1].startswith("FandolSong") for row in pdf_fonts(pdf, tmp_path))


def test_a_bilingual_document_s_figures_carry_an_english_title_too(demo, chinese):
    study, results, english = demo
    bilingual = {f.id: f for f in F.figures(results, chinese_study(study, "zh+en"))}
    for k, figure in bilingual.items():
        assert figure.title == chinese[2][k].title and figure.notes == chinese[2][k].notes, k
        assert not english[k].english_title and not chinese[2][k].english_title, k
        if k != "coefficients_groups":  # the one title with an author's label in it
            assert figure.english_title == english[k].title, k
    assert bilingual["coefficients_groups"].english_title == "Estimates by 区域 (3SLS)"  # the author's label
    plain = study.model_copy(update={"document": study.document.model_copy(update={"language": "zh+en"})})
    groups = F.coefficients_groups(results, plain)
    # the group's label, "Region", as the author wrote it
    assert (groups.title, groups.english_title) == ("分Region的估计结果（3SLS）", "Estimates by region (3SLS)")
