"""The problems with the author's text, the reference file and the rendering print in English and in Chinese."""
from __future__ import annotations

import json
import re
from types import SimpleNamespace

import pytest
from pydantic import ValidationError

import report
import report.__main__ as command_line
from analysis.errors import UserError
from report import docx, figures
from report.figures import RenderFailed
from report.markup import citations, parse
from report.matter import check_citations, compose
from report.narrative import Narrative, loads, with_bibliography
from report.references import REFERENCE_FILE_BYTES, check_keys, read_library

HAN = re.compile(r"[\u4e00-\u9fff]")


def problems(call, *args) -> list:
    with pytest.raises(UserError) as error:
        call(*args)
    return error.value.problems


def cited(text: str, section: str = "introduction") -> list:
    return [(section, c) for c in citations(parse(text))]


def _csl(*entries) -> bytes:
    return json.dumps(list(entries)).encode()


BAD_REFERENCE_FILES = {
    "not text": b"@misc{a, title={\xff\xff}}",
    "too large": b"%" * (REFERENCE_FILE_BYTES + 1),
    "braces": b"@article{ok, title={Fine}, year={2020}}\n\n@article{broken, title={unbalanced\n\n@book{ok, title={again}}\n",
    "no key": b"@misc{, title={x}}",
    "braces nested too deeply": b"@misc{a, title={" + b"{" * 5000 + b"}" * 5000 + b"}}",
    "date": b"@misc{a, year={soon}}",
    "DOI": b"@misc{a, doi={10.1/a b}}",
    "case": b"@misc{Smith, title={a}}\n@misc{smith, title={b}}",
    "not JSON": b"[{not json",
    "JSON nested too deeply": b"[" * 100_000,
    "JSON not a list": b'{"id": "a"}',
    "CSL entries": _csl(5, {"type": "book"}, {"id": "a", "type": ["book"]}, {"id": "b", "type": "book", "author": "Li"},
                        {"id": "c", "type": "book", "issued": {"date-parts": [2024]}},
                        {"id": "d", "type": "book", "issued": {"date-parts": [["²"]]}}),
}


@pytest.mark.parametrize("data", BAD_REFERENCE_FILES.values(), ids=BAD_REFERENCE_FILES.keys())
def test_every_problem_of_a_reference_file_has_a_chinese_text(data):
    found = problems(read_library, data, "refs.json" if data.startswith((b"[", b"{")) else "refs.bib")
    for problem in found:
        assert problem.code, f"English only: {problem}"
        assert HAN.search(problem.text("zh")) and not HAN.search(problem.text("en"))


def test_a_bad_bibtex_entry_is_named_in_chinese_with_its_line_and_key():
    date, = problems(read_library, b"\n@article{x, title={T}, year={forthcoming}}", "refs.bib")
    assert str(date) == ("refs.bib, line 2: the date 'forthcoming' is not a year (2024) or a date (2024-03-01) "
                         "(key 'x')")
    assert date.text("zh") == "refs.bib第2行：日期“forthcoming”既不是年份（如2024），也不是日期（如2024-03-01）（设置项“x”）"
    twice = problems(read_library, BAD_REFERENCE_FILES["braces"], "refs.bib")[-1]
    assert twice.text("zh") == "refs.bib第5行：无法读取条目@book{ok；其引用键与前面的条目重复"


def test_a_file_without_a_name_is_the_reference_file_in_either_language():
    (problem,) = problems(read_library, BAD_REFERENCE_FILES["too large"])
    assert str(problem) == "the reference file has more than 2 MB"
    assert problem.text("zh") == "参考文献文件超过2 MB"


def test_bad_csl_json_entries_are_named_in_chinese_with_their_position():
    found = problems(read_library, BAD_REFERENCE_FILES["CSL entries"], "refs.json")
    assert [p.key for p in found] == [None, None, "a", "b", "c", "d"]
    assert found[0].text("zh").startswith("refs.json中的第1个条目：每个条目应为对象")
    assert found[1].text("zh") == "refs.json中的第2个条目：该条目没有“id”"
    assert str(found[2]).startswith("refs.json, entry 3: the type ['book'] is not one of article, article-journal, ")
    assert "类型['book']不在可用类型之列（article、article-journal、" in found[2].text("zh")
    assert found[3].text("zh").startswith("refs.json中的第4个条目：“author”应为姓名列表")
    assert [p.text("zh") for p in found[4:]] == [
        f"refs.json中的第{n}个条目：“issued”应写作{{\"date-parts\": [[2024, 3, 1]]}}（设置项“{key}”）"
        for n, key in ((5, "c"), (6, "d"))]
    (json_error,) = problems(read_library, BAD_REFERENCE_FILES["not JSON"], "refs.json")
    assert str(json_error) == "refs.json is not valid JSON: Expecting property name enclosed in double quotes at line 1, column 3"
    assert json_error.text("zh").startswith("refs.json不是有效的JSON：第1行第3列有误（")


def test_citations_the_reference_file_cannot_answer_are_named_in_chinese():
    library = read_library(b"@misc{zhang2024, title={T}, year={2024}}", "refs.bib")
    found = problems(check_keys, library, cited("[@nobody] and [@Zhang2024, somewhere]", section="literature"))
    assert [p.text("zh") for p in found] == [
        "引用@nobody不在参考文献文件中（设置项“literature”）",
        "引用@Zhang2024不在参考文献文件中；参考文献文件中有“zhang2024”（设置项“literature”）",
        "无法识别引用位置“somewhere”；请写作p. 5、pp. 5-7、chap. 2、sec. 3、fig. 1、table 2、vol. 1或para. 4"
        "（设置项“literature”）"]
    assert str(found[1]) == ("the citation @Zhang2024 is not in the reference file; the reference file has 'zhang2024' "
                             "(key 'literature')")


def test_a_citation_without_a_reference_file_is_named_in_chinese():
    (problem,) = problems(compose, Narrative(literature="As [@smith2020] shows."))
    assert str(problem) == ("the citation @smith2020 needs a reference file (.bib or CSL-JSON); give one, or write \\@ "
                            "for a literal @ (key 'literature')")
    assert problem.text("zh") == ("引用@smith2020需要参考文献文件（.bib或CSL-JSON）；请提供该文件；若@只是普通字符，请写作\\@"
                                  "（设置项“literature”）")


def test_a_bad_reference_file_in_the_narrative_is_named_as_the_file_it_came_from():
    (problem,) = problems(loads, 'bibliography = "@misc{x, year={soon}}"\nbibliography_name = "我的文献.bib"')
    assert problem.text("zh").startswith("我的文献.bib第1行：日期“soon”既不是年份")
    (unnamed,) = problems(check_citations, Narrative(introduction="[@x]", bibliography="@misc{x, year={soon}}"))
    assert unnamed.text("zh").startswith("参考文献文件第1行：") and str(unnamed).startswith("the reference file, line 1:")
    assert problems(with_bibliography, Narrative(), b"@misc{x, year={soon}}", "refs.bib")[0].text("zh").startswith(
        "refs.bib第1行：")


@pytest.mark.parametrize("text, english, chinese", [
    ('title = "unclosed', "the narrative file is not valid TOML: ", "正文文件不是有效的TOML："),
    ("a = " + "[" * 3000 + "]" * 3000, "the narrative file nests tables or arrays too deeply to be read",
     "正文文件中表或数组的嵌套层数过深，无法读取"),
])
def test_a_narrative_file_that_cannot_be_read_is_named_in_chinese(text, english, chinese):
    (problem,) = problems(loads, text)
    assert problem.code and str(problem).startswith(english) and problem.text("zh").startswith(chinese)


def test_a_title_over_words_limit_carries_its_problem_to_the_schema_message():
    with pytest.raises(ValidationError) as error:
        Narrative(title="t" * 256)
    (found,) = error.value.errors()
    problem = found["ctx"]["error"].problem
    assert found["loc"] == ("title",) and problem.code == "word_property_too_long"
    assert str(problem) == "has 256 characters; Word keeps at most 255 in a document's properties"
    assert problem.text("zh") == "长度为256个字符，而Word文档属性最多保存255个字符"
    with pytest.raises(UserError, match=r"has 256 characters; Word keeps at most 255 .* \(key 'title'\)"):
        loads(f'title = "{"t" * 256}"')


def test_a_figure_that_cannot_be_drawn_is_named_in_chinese(monkeypatch):
    def failing(*args, **kwargs):
        raise RenderFailed("the renderer stopped (exit code -9)")

    monkeypatch.setattr(figures, "render", failing)
    figures.rendered.clear()
    figure = SimpleNamespace(title="耦合协调度", id="figure2", chart=SimpleNamespace(to_dict=lambda validate: {}))
    (problem,) = problems(figures.export, figure, "svg")
    assert str(problem) == "Figure '耦合协调度' (figure2) could not be drawn: the renderer stopped (exit code -9)"
    assert problem.text("zh") == "图“耦合协调度”（figure2）无法绘制：the renderer stopped (exit code -9)"


def test_a_reference_document_that_is_not_word_is_named_in_chinese():
    (problem,) = problems(docx._template, b"not a Word document")
    assert str(problem).startswith("the Word reference document could not be read (")
    assert problem.text("zh").startswith("无法读取Word参考文档（")
    assert problem.text("zh").endswith("）；请上传由Word或LibreOffice保存的.docx文件")


def test_a_study_without_tables_is_named_in_chinese():
    (problem,) = problems(report.render, SimpleNamespace(tables=()), ("docx",))
    assert str(problem) == "the study has no tables to report: give it an index, a coupling or a model"
    assert problem.text("zh") == "该研究没有可报告的表格：请在研究中设定综合指数、耦合协调或模型"


@pytest.mark.parametrize("formats, english, chinese", [
    ("pdf,html", "unknown format pdf, html; choose from docx, tex, zip", "未知格式pdf、html；可选格式为docx、tex、zip"),
    (",", "unknown format (none given); choose from docx, tex, zip", "未知格式（未给出）；可选格式为docx、tex、zip"),
])
def test_an_unknown_format_on_the_command_line_is_named_in_chinese(monkeypatch, tmp_path, formats, english, chinese):
    found = []

    def keep(command, debug):
        found.extend(problems(command, lambda step: None))
        return 2

    monkeypatch.setattr(command_line, "guarded", keep)
    assert command_line.main(["build", "--out", str(tmp_path), "--format", formats]) == 2
    (problem,) = found
    assert str(problem) == english and problem.text("zh") == chinese
