"""The drafted text says only what the numbers support: each rule on constructed results where it must speak and where
it must stay silent; the Chinese text is Chinese; method text never repeats a formula as text."""
from __future__ import annotations

import math
import re
from dataclasses import replace

import pytest

from analysis.table import Format
from report.document import cross_reference, plain
from report.narrative import results_text
from report.phrasing import Phrasing, inline

NUMBERS = {"figure1": 1, "table5": 5, "table6": 6, "table7": 7, "table8": 8, "table9": 9, "diagnostics": 10,
           "moran": 11, "lisa": 12, "dagum": 13, "dagum_within": 14, "markov": 15, "obstacle": 16, "development": 17,
           "d_by_region": 2, "d_heatmap": 3, "d_map": 4, "coefficients": 5, "coefficients_groups": 6,
           "moran_scatter": 7, "lisa_map": 8, "density": 9}
FIGURES = ("figure", "d_", "coefficients", "moran_scatter", "lisa_map", "density")


def ref(item: str, words=("Table ", "Figure ")) -> str:
    """As the Report's ref: the cross-reference to a known exhibit, an unknown id unchanged."""
    if item not in NUMBERS:
        return item
    return cross_reference(item, f"{words[item.startswith(FIGURES)]}{NUMBERS[item]}", NUMBERS[item])


def ref_zh(item: str) -> str:
    return ref(item, ("表", "图"))


def drafted(results, study, section: str, language: str = "en") -> str:
    if language != "en":
        study = study.model_copy(update={"document": study.document.model_copy(update={"language": language})})
    text = results_text(results, study, ref if language == "en" else ref_zh)
    return " ".join(plain(p) for p in text[section])


def with_terms(model_run, changes: dict, r2: dict | None = None):
    """The run with some terms' estimate, std_error or p_value replaced: changes {(equation, term): {field: value}}."""
    equations = []
    for k, eq in enumerate(model_run.fit.equations):
        terms = tuple(replace(t, **changes.get((k, t.term), {})) for t in eq.terms)
        equations.append(replace(eq, terms=terms, r2=(r2 or {}).get(k, eq.r2)))
    return replace(model_run, fit=replace(model_run.fit, equations=tuple(equations)))


def three(results):
    return next(r for r in results.main if r.method == "3sls")


# heterogeneity: groups are compared only where their difference is significant

def test_insignificant_group_estimates_are_never_ranked(demo):
    study, results = demo
    text = drafted(results, study, "heterogeneity")
    assert "largest" not in text and "smallest" not in text
    # productivity in the manufacture equation: Central and West significant, East and Northeast not
    assert ("is significant in Central (1.449) and West (0.992) but not in East (-0.074) and Northeast (7.052)."
            in text)
    assert "Northeast and" not in text.split("The coefficient of development level")[1]  # never compared


def test_a_difference_between_groups_is_tested_before_it_is_stated(demo):
    study, results = demo
    central, west = (next(r for r in results.by_group if r.sample == g) for g in ("Central", "West"))
    a, b = (next(t for t in r.fit.equations[1].terms if t.term == "productivity") for r in (central, west))
    z = (a.estimate - b.estimate) / math.hypot(a.std_error, b.std_error)  # independent samples
    assert abs(z) > 1.96
    text = drafted(results, study, "heterogeneity")
    assert f"The difference between Central and West (z = {z:.3f}, p < 0.001) is significant at the 5% level" in text
    # the same two estimates with wide standard errors: no longer different, so not ranked
    wide = [with_terms(r, {(1, "productivity"): {"std_error": 1.0}}) if r.sample in ("Central", "West") else r
            for r in results.by_group]
    text = drafted(replace(results, by_group=wide), study, "heterogeneity")
    z = (a.estimate - b.estimate) / math.sqrt(2)
    p = math.erfc(abs(z) / math.sqrt(2))
    assert f"The difference between Central and West (z = {z:.3f}, p = {p:.3f}) is not significant" in text
    assert "cannot be ranked" in text


def test_a_significant_sign_reversal_between_groups_is_flagged(demo):
    study, results = demo
    assert "Its sign is not the same" not in drafted(results, study, "heterogeneity")  # East's -0.074 is insignificant
    flipped = [with_terms(r, {(1, "productivity"): {"estimate": -1.767, "std_error": 0.663, "p_value": 0.008}}, {1: -0.505})
               if r.sample == "East" else r for r in results.by_group]
    text = drafted(replace(results, by_group=flipped), study, "heterogeneity")
    assert "Its sign is not the same in every region: positive in Central (1.449), West (0.992) and Northeast (7.052), " \
           "negative in East (-1.767)." in text
    assert "The R-squared of the equation for manufacturing transformation and upgrading index in East is negative " \
           "(-0.505)" in text


# the model: sign reversals across methods, hedged feedback

def test_a_sign_reversal_across_estimators_is_flagged(demo):
    study, results = demo
    assert "changes sign across the estimators" not in drafted(results, study, "model")
    main = [with_terms(r, {(0, "manufacture"): {"estimate": -0.2, "p_value": 0.01}}) if r.method == "ols" else r
            for r in results.main]
    text = drafted(replace(results, main=main), study, "model")
    assert ("The coefficient of manufacturing transformation and upgrading index in the equation for development level "
            "of new quality productivity changes sign across the estimators: -0.200 by OLS (1), 0.476 by 2SLS (2)") in text


def test_feedback_between_endogenous_variables_is_hedged(demo):
    study, results = demo
    text = drafted(results, study, "model")
    assert "This is consistent with mutually reinforcing development, although the estimates alone do not establish it." in text
    assert "the effects are mutually reinforcing" not in text
    one_way = [with_terms(r, {(1, "productivity"): {"p_value": 0.4}}) if r.method == "3sls" else r for r in results.main]
    text = drafted(replace(results, main=one_way), study, "model")
    assert "Only part of the feedback between the endogenous variables is significant" in text
    assert "reinforcing" not in text


# robustness: judged by size as well as by sign and significance

def test_robustness_is_judged_by_size_as_well_as_sign(demo):
    study, results = demo
    best = three(results)
    same = [replace(r, fit=best.fit) for r in results.robustness]
    text = drafted(replace(results, robustness=same), study, "robustness")
    assert "Every coefficient keeps its sign and significance, and every estimate stays within the 95% confidence" in text
    main = next(t for t in best.fit.equations[1].terms if t.term == "productivity")
    assert not main.estimate - 1.96 * main.std_error <= 0.934 <= main.estimate + 1.96 * main.std_error
    moved = same[:-1] + [with_terms(same[-1], {(1, "productivity"): {"estimate": 0.934}})]
    text = drafted(replace(results, robustness=moved), study, "robustness")
    assert ("8 of 9 coefficients keep their sign, significance and size (within the 95% confidence interval of the "
            "main estimate) in every model; the others change: development level of new quality productivity in the "
            "equation for manufacturing transformation and upgrading index leaves that interval in column (8) "
            "(estimates from 0.417 to 0.934, against 0.417).") in text
    assert "changes sign" not in text
    flipped = same[:-1] + [with_terms(same[-1], {(1, "productivity"): {"estimate": -0.5}})]
    assert "changes sign in column (8)" in drafted(replace(results, robustness=flipped), study, "robustness")


# diagnostics

def test_diagnostics_paragraph_reports_weak_instruments_and_rejections(demo):
    study, results = demo
    text = drafted(results, study, "diagnostics")
    assert text.startswith("Table 10 reports the diagnostics")
    assert ("below 10, the usual rule of thumb for weak instruments, for manufacturing transformation and upgrading "
            "index in the equation for development level of new quality productivity (F = 8.871)") in text
    assert "(F = 14.969)" not in text  # above the threshold
    assert ("The Sargan test rejects the overidentifying restrictions at the 5% level for the equation for development "
            "level of new quality productivity (chi-squared(3) = 31.646, p < 0.001) and the equation for manufacturing "
            "transformation and upgrading index (chi-squared(2) = 6.008, p < 0.05).") in text  # p = 0.0496
    assert "The system Hansen-Sargan test rejects the overidentifying restrictions jointly (chi-squared(5) = 38.599" in text
    assert "should be read with caution" in text
    assert "equals the Hansen-Sargan statistic (38.599)" in text and "The Hausman test rejects" not in text
    assert "(r = 0.603 between" in text and "the Breusch-Pagan test rejects their independence" in text


def test_diagnostics_paragraph_when_the_tests_pass(demo):
    study, results = demo
    d = results.diagnostics
    passing = replace(d, first_stage=tuple(replace(f, test=replace(f.test, statistic=f.test.statistic + 20))
                                           for f in d.first_stage),
                      sargan=tuple((name, replace(t, p_value=0.3)) for name, t in d.sargan),
                      system_sargan=replace(d.system_sargan, p_value=0.2),
                      hausman=replace(d.hausman, statistic=4.0, p_value=0.55),
                      breusch_pagan=replace(d.breusch_pagan, p_value=0.4))
    text = drafted(replace(results, diagnostics=passing), study, "diagnostics")
    assert "Every first-stage F statistic of the excluded instruments exceeds 10 (the smallest is 28.871)" in text
    assert "weak instruments, for" not in text and "caution" not in text and "The Sargan test rejects" not in text
    assert "The Sargan test does not reject the overidentifying restrictions at the 5% level for the equation" in text
    assert "The system Hansen-Sargan test does not reject" in text
    assert ("The Hausman test does not reject that 3SLS and 2SLS estimate the same coefficients "
            "(chi-squared(5) = 4.000, p = 0.550).") in text
    assert "The Breusch-Pagan test does not reject that the 2SLS residuals of the equations are independent" in text


def test_p_values_keep_their_side_of_the_level():
    say = Phrasing.of("en", Format())
    assert [say.p(p) for p in (0.0496, 0.0004, 0.2, 0.05)] == ["p < 0.05", "p < 0.001", "p = 0.200", "p = 0.050"]
    assert Phrasing.of("en", Format(decimals=1)).p(0.0004) == "p < 0.05"  # 0.0 would hide it
    assert Phrasing.of("zh", Format()).p(0.0004) == "p<0.001"


# issue 12: a label inside a sentence

def test_labels_inside_a_sentence_start_in_lower_case():
    assert inline("New quality productivity") == "new quality productivity"
    assert inline("GDP per capita") == "GDP per capita" and inline("SO2 emissions") == "SO2 emissions"


def test_the_obstacle_sentence_has_no_capital_mid_sentence(demo):
    study, results = demo
    text = drafted(results, study, "chapter_obstacle")
    for index in study.indices:
        label = study.label(index.name)
        assert label[0].isupper() and f"the largest obstacle to {inline(label)} is " in text
    assert not re.search(r"(?<=[a-z,;] )[A-Z][a-z]+ [a-z]", text.replace("In 2022", "")), text


# Chinese

AUTHOR_WORDS = re.compile(r"(?<![A-Za-z])(I3SLS|3SLS|2SLS|OLS|ln|Moran's I|Dagum|Hansen-Sargan|Sargan|Hausman|"
                          r"Breusch-Pagan|LISA|U1|U2)(?![A-Za-z])")  # names of methods and tests, as Chinese papers print them


def test_chinese_text_is_written_in_chinese(demo):
    study, results = demo
    zh = study.model_copy(update={"document": study.document.model_copy(update={"language": "zh"})})
    text = results_text(results, zh, ref_zh)
    every = " ".join(plain(p) for paragraphs in text.values() for p in paragraphs)
    assert "在0.1%的水平上显著" in every and "表7报告了" in every and "图1展示了" in every
    assert "由2011年的" in every and "2022年" in every
    assert "（第4级，轻度失调）" in every  # the levels' Chinese names, as Table 5 prints them
    # the author's names (labels, group and entity values, indicator names) are the only English left
    entity, group = study.panel.entity, study.panel.group
    names = ({study.label(n) for n in study.variables} | {i.label for i in study.indices}
             | {i.label for x in study.indices for d in x.dimensions for i in d.indicators} | {study.label(group)}
             | {study.value_label(entity, e) for e in results.chapter.lisa["entity"]}
             | {study.value_label(group, g) for g in results.coupling.by_group.columns if g not in ("period", "All")})
    rest = every
    for name in sorted(names, key=len, reverse=True):
        rest = rest.replace(name, "")
    rest = AUTHOR_WORDS.sub("", rest)
    assert not re.findall(r"[A-Za-z]{3,}", rest), re.findall(r"[A-Za-z]{3,}", rest)
    assert not re.search(r"[\u4e00-\u9fff][,.;:()]|[,.;:(][\u4e00-\u9fff]", every), "ASCII punctuation beside Chinese"
    assert "，" in every and "。" in every and "；" in every and "（" in every


# the manuscript's method and data sections

PSEUDO_CODE = re.compile(r"sqrt\(|sum_|\b[A-Za-z]_\{?[A-Za-z0-9]{1,2}\b|x-bar|y-bar|= 2 |\bsigma|/ \(")  # e_j, p_ij ...


@pytest.fixture(scope="module")
def manuscripts(demo):
    from report import assemble
    from report.document import Paragraph, TableBlock
    from report.narrative import Narrative
    study, results = demo
    out = {}
    for language in ("en", "zh"):
        chosen = study.model_copy(update={"document": study.document.model_copy(update={"language": language})})
        blocks = assemble(results, chosen, Narrative()).manuscript.blocks
        out[language] = ([plain(b.text) for b in blocks if isinstance(b, Paragraph)],
                         [b for b in blocks if isinstance(b, (Paragraph, TableBlock))])
    return out


@pytest.mark.parametrize("language", ["en", "zh"])
def test_method_text_never_repeats_a_formula_as_text(manuscripts, language):
    paragraphs, _ = manuscripts[language]
    repeated = [p for p in paragraphs if PSEUDO_CODE.search(p)]
    assert not repeated, repeated


@pytest.mark.parametrize("language, source", [("en", "Data: "), ("zh", "资料来源：")])
def test_the_data_source_is_stated_once_in_the_data_section(manuscripts, language, source):
    paragraphs, _ = manuscripts[language]
    assert sum(p.count(source) for p in paragraphs) == 1
    assert paragraphs[0].count(source) == 1  # the data section's paragraph, the first the manuscript writes


def test_the_data_sentence_in_each_language(manuscripts):
    assert manuscripts["en"][0][0].startswith("The sample has 360 observations on 30 entities (Province) over 12 "
                                             "periods (2011-2022).")
    zh = manuscripts["zh"][0][0]
    assert zh.startswith("样本共包含360个观测值，涵盖30个个体（Province），时间跨度为2011—2022年（共12期）。")
    assert "units" not in zh and "本文使用合成的演示数据" in zh


@pytest.mark.parametrize("language", ["en", "zh"])
def test_the_diagnostics_table_follows_its_paragraph(manuscripts, language):
    from report.document import TableBlock
    _, blocks = manuscripts[language]
    at = next(k for k, b in enumerate(blocks) if isinstance(b, TableBlock) and b.table.id == "diagnostics")
    assert ("Table 10 reports the diagnostics" if language == "en" else "表10报告了") in plain(blocks[at - 1].text)
    assert blocks[at - 2].table.id == "table9"  # after the heterogeneity section, in the order of the numbers


@pytest.mark.parametrize("language, word", [("en", "Figure {} "), ("zh", "图{}")])
def test_every_figure_is_cited_in_the_text(manuscripts, language, word):
    paragraphs, _ = manuscripts[language]
    text = " ".join(paragraphs)
    missing = [k for k in range(1, 10) if not re.search(re.escape(word.format(k).strip()) + r"(?!\d)", text)]
    assert not missing  # the demo's nine figures


def test_the_weights_are_described_in_the_documents_language():
    from analysis import spatial
    layer = spatial.load_boundaries()
    names = ["海南", "广西", "广东", "湖南"]
    found = spatial.match_entities(names, layer.features)
    knn = spatial.knn_weights(names, spatial.centroids(layer.geometries[found]), 2).convention
    assert knn.text("zh") == "按质心间大圆距离最近的2个邻居（k近邻）构建，并作行标准化。"
    assert knn.text("en") == "k-nearest neighbours (k = 2) by great-circle distance between centroids, row-standardised."
    contiguity = spatial.contiguity_weights(names, layer, found).convention
    assert re.fullmatch(r"按共享边界点（后式，Queen）邻接构建；无邻接单元与质心最近的单元双向相连：海南—广[东西]（\d+ km），"
                        r"并作行标准化。", contiguity.text("zh"))
    assert re.fullmatch(r"contiguity by a shared boundary point \(queen\); an entity without neighbours is linked both "
                        r"ways to the entity with the nearest centroid: 海南-广[东西] \(\d+ km\); row-standardised.",
                        str(contiguity))
