"""Hostile command lines and narrative files: exit 0 with the right output, or exit 2 with one clear message."""
import csv
import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import analysis.__main__ as analysis_cli
import report.__main__ as report_cli
from analysis.spreadsheet import inert
from analysis.table import Cell, Group, Row, Span, Table
from report.export import table_csv

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"
PANEL = DATA / "small_panel.csv"
STUDY = (DATA / "small_study.toml").read_text(encoding="utf-8").replace(
    "heterogeneity = true", 'methods = ["ols", "3sls"]')


@pytest.fixture
def study(tmp_path):
    path = tmp_path / "study.toml"
    path.write_text(STUDY, encoding="utf-8")
    return path


def analysis_run(capsys, *args) -> tuple[int, str]:
    code = analysis_cli.main(["run", *map(str, args)])
    return code, capsys.readouterr().err


def report_build(capsys, *args) -> tuple[int, str]:
    code = report_cli.main(["build", *map(str, args)])
    return code, capsys.readouterr().err


def assert_one_message(code: int, err: str, *fragments: str) -> None:
    assert code == 2 and "Traceback" not in err, err
    errors = [line for line in err.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, err
    for fragment in fragments:
        assert fragment in err, err


# ------------------------------------------------------------------ paths

def test_data_is_a_folder(capsys, tmp_path, study):
    assert_one_message(*analysis_run(capsys, "--study", study, "--data", tmp_path, "--out", tmp_path / "o"),
                       f"the data file {tmp_path} is a folder; name a file")


def test_study_is_a_folder(capsys, tmp_path):
    assert_one_message(*analysis_run(capsys, "--study", tmp_path, "--data", PANEL, "--out", tmp_path / "o"),
                       "the study file", "is a folder")


def test_data_is_missing(capsys, tmp_path, study):
    assert_one_message(*analysis_run(capsys, "--study", study, "--data", tmp_path / "none.csv", "--out", tmp_path / "o"),
                       "data file not found")


def test_study_is_missing(capsys, tmp_path):
    assert_one_message(*analysis_run(capsys, "--study", tmp_path / "none.toml", "--data", PANEL, "--out", tmp_path),
                       "study file not found")


def test_out_is_an_existing_file(capsys, tmp_path, study):
    (tmp_path / "taken").write_text("mine", encoding="utf-8")
    assert_one_message(*analysis_run(capsys, "--study", study, "--data", PANEL, "--out", tmp_path / "taken"),
                       "is a file; name a folder")
    assert (tmp_path / "taken").read_text(encoding="utf-8") == "mine"


def test_out_inside_a_file(capsys, tmp_path, study):
    (tmp_path / "taken").write_text("mine", encoding="utf-8")
    assert_one_message(*analysis_run(capsys, "--study", study, "--data", PANEL, "--out", tmp_path / "taken" / "out"),
                       "which is a file; name a folder")


def test_report_out_is_an_existing_file(capsys, tmp_path):
    (tmp_path / "taken").write_text("mine", encoding="utf-8")
    assert_one_message(*report_build(capsys, "--out", tmp_path / "taken", "--format", "tex"), "is a file")


def test_study_without_data(capsys, tmp_path, study):
    assert_one_message(*analysis_run(capsys, "--study", study, "--out", tmp_path), "--data is required with --study")


def test_empty_data_file(capsys, tmp_path, study):
    (tmp_path / "empty.csv").write_bytes(b"")
    code, err = analysis_run(capsys, "--study", study, "--data", tmp_path / "empty.csv", "--out", tmp_path / "o")
    assert code == 2 and "Traceback" not in err and err.startswith("error:")


def test_study_given_as_data(capsys, tmp_path, study):
    code, err = analysis_run(capsys, "--study", study, "--data", study, "--out", tmp_path / "o")
    assert code == 2 and "Traceback" not in err and err.startswith("error:")


def test_fifty_equations_stop_before_estimating(capsys, tmp_path):
    path = tmp_path / "big.toml"
    path.write_text("[model]\nequations = [" + ", ".join(f'"y{k} ~ x{k}"' for k in range(50)) + "]\n", encoding="utf-8")
    assert_one_message(*analysis_run(capsys, "--study", path, "--data", PANEL, "--out", tmp_path / "o"),
                       "50 equations; a system may have at most 20", "model.equations")


@pytest.mark.parametrize("formats, message", [("pdf", "unknown format pdf"), (",", "unknown format (none given)")])
def test_unknown_formats(capsys, tmp_path, formats, message):
    assert_one_message(*report_build(capsys, "--out", tmp_path, "--format", formats), message)


def test_reference_document_is_a_folder(capsys, tmp_path):
    assert_one_message(*report_build(capsys, "--reference-docx", tmp_path, "--out", tmp_path / "o", "--format", "tex"),
                       "the reference document", "is a folder")


# ------------------------------------------------------------------ narrative files

NARRATIVES = {
    "a folder": (None, "is a folder; name a file", None),
    "binary": (b"\x00\x01\x02\x03", "not a text file in UTF-8, UTF-16 or GBK/GB18030", None),
    "Latin-1 bytes": ("title = \"Café\"".encode("latin-1") + b"\xe9 \x80", "not a text file", None),
    "emoji title": ('title = "Paper 😀"'.encode(), "contains '😀' (U+1F600)", "title"),
    "title over Word's limit": (f'title = "{"t" * 256}"'.encode(), "has 256 characters; Word keeps at most 255", "title"),
    "authors over Word's limit": (f'authors = "{"a" * 300}"'.encode(), "Word keeps at most 255", "authors"),
    "keywords over Word's limit": (f'keywords = "{"k" * 300}"'.encode(), "Word keeps at most 255", "keywords"),
    "misspelt key": (b'abstrct = "x"', "unknown key; did you mean 'abstract'?", "abstrct"),
    "unknown key": (b'zzz = "x"', "unknown key; the keys here are title, authors", "zzz"),
    "number for text": (b"title = 5", "write text in quotes", "title"),
    "nested 3,000 deep": (b"a = " + b"[" * 3000 + b"]" * 3000, "nests tables or arrays too deeply", None),
    "not TOML": (b"title = ", "the narrative file is not valid TOML", None),
    "Hangul in the abstract": ('abstract = "요약"'.encode(), "U+C694", "abstract"),
    "GB18030 with an emoji": ('title = "研究😀"'.encode("gb18030"), "U+1F600", "title"),
}


@pytest.mark.parametrize("content, message, key", NARRATIVES.values(), ids=NARRATIVES.keys())
def test_bad_narrative_file(capsys, tmp_path, content, message, key):
    path = tmp_path
    if content is not None:
        path = tmp_path / "narrative.toml"
        path.write_bytes(content)
    code, err = report_build(capsys, "--narrative", path, "--out", tmp_path / "o", "--format", "tex")
    assert_one_message(code, err, message, *([f"(key '{key}')"] if key else []))


def test_gbk_narrative_and_hostile_labels_build(capsys, tmp_path):
    """A GBK narrative, backslashes, separators and a vertical tab in the study's text: every format is written."""
    study = tmp_path / "study.toml"
    study.write_text(STUDY.replace('name = "alpha"', 'name = "alpha"\nlabel = "A\\\\B\\u2028C"')
                     + '\n[tables]\ntitles = { table5 = "Coupling\\u000bby year", table7 = "50\\\\% \\\\textbf{x}" }\n',
                     encoding="utf-8")
    narrative = tmp_path / "narrative.toml"
    narrative.write_bytes('title = "新质生产力与制造业"\nauthors = "张三"\nabstract = "摘要。"\n'.encode("gbk"))
    code, err = report_build(capsys, "--study", study, "--data", PANEL, "--narrative", narrative,
                             "--out", tmp_path / "out", "--format", "docx,tex,zip")
    assert code == 0, err
    tex = (tmp_path / "out" / "manuscript.tex").read_text(encoding="utf-8")
    assert "新质生产力与制造业" in tex and "A\\textbackslash{}B C" in tex and "Coupling by year" in tex
    assert "50\\textbackslash{}\\% \\textbackslash{}textbf\\{x\\}" in tex
    with zipfile.ZipFile(tmp_path / "out" / "bundle.zip") as bundle:
        assert any(name.endswith(".xlsx") for name in bundle.namelist())


# ------------------------------------------------------------------ the guard against the unexpected

def failing(*args, **kwargs):
    raise RuntimeError("disk on fire\nsecond line")


def test_unexpected_failure_is_one_line_naming_the_step(capsys, tmp_path, study, monkeypatch):
    monkeypatch.setattr(analysis_cli, "run", failing)
    code, err = analysis_run(capsys, "--study", study, "--data", PANEL, "--out", tmp_path / "o")
    assert_one_message(code, err, "unexpected failure while estimating: RuntimeError: disk on fire second line",
                       "run again with --debug")
    assert len(err.strip().splitlines()) == 1


def test_debug_shows_the_traceback(capsys, tmp_path, study, monkeypatch):
    monkeypatch.setattr(analysis_cli, "run", failing)
    code, err = analysis_run(capsys, "--study", study, "--data", PANEL, "--out", tmp_path / "o", "--debug")
    assert code == 2 and "Traceback" in err and "unexpected failure while estimating" in err


def test_unexpected_failure_while_reading_the_data(capsys, tmp_path, study, monkeypatch):
    monkeypatch.setattr(analysis_cli, "load_panel", failing)
    assert_one_message(*analysis_run(capsys, "--study", study, "--data", PANEL, "--out", tmp_path / "o"),
                       "unexpected failure while reading the data")


def test_unexpected_failure_while_building_documents(capsys, tmp_path, study, monkeypatch):
    monkeypatch.setattr(report_cli, "render", failing)
    assert_one_message(*report_build(capsys, "--study", study, "--data", PANEL, "--out", tmp_path / "o",
                                     "--format", "docx"),
                       "unexpected failure while building the documents (docx)")


def test_recursion_error_is_a_message(capsys, tmp_path, study, monkeypatch):
    def recursing(*args, **kwargs):
        raise RecursionError("maximum recursion depth exceeded")
    monkeypatch.setattr(analysis_cli, "run", recursing)
    assert_one_message(*analysis_run(capsys, "--study", study, "--data", PANEL, "--out", tmp_path / "o"),
                       "RecursionError")


# ------------------------------------------------------------------ exports never run formulas

HOSTILE = ['=HYPERLINK("http://example.com","Click")', "+A1", "-A1+1", "@SUM(A1)", "\tTab", "\rCR", "=1+1"]


def test_analysis_csv_cells_are_inert(capsys, tmp_path):
    """Labels and group names that spreadsheets would run are written with a leading apostrophe; numbers stay."""
    text = STUDY.replace('name = "alpha"', f'name = "alpha"\nlabel = \'{HOSTILE[0]}\'').replace(
        'group_order = ["North", "South"]', 'group_order = ["=North", "South"]')
    text += "\n[variables]\nz1 = { label = \"+A1\", abbreviation = \"@SUM(A1)\" }\nz2 = { label = \"-A1+1\" }\n"
    (tmp_path / "s.toml").write_text(text, encoding="utf-8")
    (tmp_path / "d.csv").write_text(PANEL.read_text(encoding="utf-8").replace(",North,", ",=North,"), encoding="utf-8")
    code, err = analysis_run(capsys, "--study", tmp_path / "s.toml", "--data", tmp_path / "d.csv", "--out", tmp_path / "o")
    assert code == 0, err
    cells = [cell for path in (tmp_path / "o" / "tables").glob("*.csv")
             for row in csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))) for cell in row]
    live = [c for c in cells if c.startswith(("=", "+", "@", "\t", "\r")) or (c.startswith("-") and not _number(c))]
    assert live == []
    assert "'" + HOSTILE[0] in cells and "'=North" in cells and "'+A1" in cells and "'@SUM(A1)" in cells
    assert any(c.startswith("-0.") or c.startswith("-1") for c in cells)  # negative estimates stay numbers
    results = json.loads((tmp_path / "o" / "results.json").read_text(encoding="utf-8"))
    assert [m["sample"] for m in results["models"]["main"]] == [None] * len(results["models"]["main"])


def _number(text: str) -> bool:
    try:
        float(text.rstrip("*%"))
    except ValueError:
        return False
    return True


@pytest.mark.parametrize("cell, expected", [
    ("=A1", "'=A1"), ("+A1", "'+A1"), ("@A1", "'@A1"), ("-A1", "'-A1"), ("\t=1", "'\t=1"), ("\r=1", "'\r=1"),
    ("-0.035", "-0.035"), ("-0.412***", "-0.412***"), ("+1.5e-05", "+1.5e-05"), ("(0.011)", "(0.011)"),
    ("-12%", "-12%"), ("2011-2022", "2011-2022"), (-1.5, -1.5), ("新质生产力", "新质生产力"),
])
def test_one_rule_for_every_cell(cell, expected):
    assert inert(cell) == expected


def test_report_csv_uses_the_same_rule():
    table = Table("t", "T", [[Span("=A1"), Span("@A1")]],
                  [Group("", [Row("+A1", [Cell("-0.035"), Cell("=cmd|' /C calc'!A0")])])], ())
    rows = list(csv.reader(io.StringIO(table_csv(table).decode("utf-8-sig"))))
    assert rows[0][1:] == ["'=A1", "'@A1"] and rows[1] == ["'+A1", "-0.035", "'=cmd|' /C calc'!A0"]


# ------------------------------------------------------------------ real processes: exit codes

def run_cli(module: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", module, *args], cwd=ROOT, capture_output=True, text=True, timeout=300,
                          env={"OPENBLAS_NUM_THREADS": "1", "PATH": "/usr/bin:/bin"})


@pytest.mark.parametrize("module, args, message", [
    ("analysis", ["run", "--data", "tests", "--study", "tests/data/small_study.toml", "--out", "/tmp"], "is a folder"),
    ("analysis", ["run"], "the following arguments are required: --out"),
    ("report", ["build", "--narrative", "tests/data", "--out", "/tmp", "--format", "tex"], "is a folder"),
])
def test_processes_exit_2_without_traceback(module, args, message):
    done = run_cli(module, *args)
    assert done.returncode == 2 and message in done.stderr and "Traceback" not in done.stderr, done.stderr
