"""The Chinese manuscript as a reader sees it in Word: every heading, paragraph, caption, table cell and note is
Chinese, but for the English abstract block, the names the author gave and the names of methods, tests and sources."""
from __future__ import annotations

import io
import re

import pytest
from docx import Document as WordDocument

from analysis import examples
from analysis.pipeline import run
from report import assemble, render
from report.narrative import Narrative

# Proper names Chinese papers print as they are: estimators, tests, statistics, software and its options, the
# authors of a method, and the licence of the shipped map.
NAMES = re.compile(r"(?<![A-Za-z])(I3SLS|3SLS|2SLS|OLS|ln|Moran's I|Moran|Dagum|Hansen-Sargan|Sargan|Hausman|"
                   r"Breusch-Pagan|LISA|Queen|Rook|Anselin|Getis|Ord|Silverman|Scott|statsmodels|IQR|min|max|"
                   r"Stata|reg3|small|Apache ECharts|Apache License|The Apache Software Foundation|U1|U2)(?![A-Za-z])")
ENGLISH_BLOCK = ("Abstract:", "Key words:")  # the English abstract a Chinese journal prints after the Chinese one


def author_names(study, results) -> set[str]:
    """Everything the study file names: labels, indicator and dimension names, group and entity values, the title,
    the data source and the tables' own titles."""
    entity, group = study.panel.entity, study.panel.group
    names = ({study.label(n) for n in study.variables} | {study.label(entity), study.label(group)}
             | {i.label for i in study.indices} | {d.name for i in study.indices for d in i.dimensions}
             | {name for i in study.indices for _, x in i.indicators for name in (x.label, x.column, study.label(x.column))}
             | {study.value_label(entity, e) for e in results.coupling.by_entity["entity"]}
             | {study.value_label(group, g) for g in results.coupling.by_group.columns if g not in ("period", "All")}
             | {name for eq in study.model.parsed for t in (eq.dependent, *eq.regressors)
                for name in (t.name, t.column, study.label(t.column))}
             | {study.title, study.data.source.rstrip(".")} | set(study.tables.titles.values()))
    return {n for n in names if n}


@pytest.fixture(scope="module")
def chinese_word():
    study = examples.default_study()
    study = study.model_copy(update={"document": study.document.model_copy(update={"language": "zh"})})
    results = run(study, examples.demo_panel())
    files = render(assemble(results, study, Narrative()), ("docx",))
    return study, results, WordDocument(io.BytesIO(files["manuscript.docx"]))


def test_the_chinese_manuscript_has_no_english_of_its_own(chinese_word):
    study, results, document = chinese_word
    texts = [p.text for p in document.paragraphs]
    texts += [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    assert len(texts) > 500 and any(t.startswith("注：") for t in texts) and "1 引言" in texts
    names = sorted(author_names(study, results), key=len, reverse=True)
    left = {}
    for text in texts:
        if text.startswith(ENGLISH_BLOCK):
            continue
        rest = text
        for name in names:
            rest = rest.replace(name, "")
        if words := re.findall(r"[A-Za-z]{3,}", NAMES.sub("", rest)):
            left[text[:80]] = words
    assert not left, left


def test_the_check_finds_english_left_in_the_manuscript():
    assert re.findall(r"[A-Za-z]{3,}", NAMES.sub("", "由表5可知，D的均值处于第4级（Mild dissonance），Moran's I为正")) == [
        "Mild", "dissonance"]
