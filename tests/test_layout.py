"""Imports point one way: app -> report -> analysis."""
import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def imported_modules(folder: str) -> dict[str, set[str]]:
    found = {}
    for path in (ROOT / folder).rglob("*.py"):
        names = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module.split(".")[0])
        found[str(path.relative_to(ROOT))] = names
    return found


def test_analysis_imports_no_renderer_or_ui():
    for path, names in imported_modules("analysis").items():
        assert not names & {"report", "streamlit", "docx", "pylatex"}, path


def test_report_never_imports_streamlit():
    for path, names in imported_modules("report").items():
        assert "streamlit" not in names, path
