"""Every message the user can meet in the app or the documents comes from a catalogue, so it reads in the study's
language: no Problem or UserError is built from English text written in the code. The command lines (__main__.py)
speak English, as their --help does."""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("analysis", "report", "ui")


def _text_written_here(node: ast.AST) -> bool:
    """A string literal, an f-string or a concatenation of them: text that cannot come from a catalogue."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str)
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.BinOp):
        return _text_written_here(node.left) or _text_written_here(node.right)
    return False


def _english_messages(tree: ast.AST) -> list[int]:
    """The lines of Problem(...) and UserError(...) calls whose message is written in the code."""
    lines = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
            continue
        if node.func.id in ("Problem", "UserError") and node.args and _text_written_here(node.args[0]):
            lines.append(node.lineno)
        if node.func.id == "UserError" and node.args and isinstance(node.args[0], ast.List):
            lines += [e.lineno for e in node.args[0].elts if _text_written_here(e)]
    return sorted(lines)


def test_no_message_is_written_in_english_in_the_code():
    found = {}
    for package in PACKAGES:
        for path in sorted(p for p in (ROOT / package).rglob("*.py") if p.name != "__main__.py"):
            if lines := _english_messages(ast.parse(path.read_text(encoding="utf-8"))):
                found[str(path.relative_to(ROOT))] = lines
    assert not found, f"messages written in English in the code instead of locales/messages.toml: {found}"


def test_the_check_finds_a_message_written_in_the_code():
    tree = ast.parse('raise UserError(Problem(f"column {c} is empty", column=c))\nraise UserError("no " + "rows")\n'
                     'raise UserError(Problem.of("missing_column", column=c))\nraise UserError(t("no_free_column"))')
    assert _english_messages(tree) == [1, 2]
