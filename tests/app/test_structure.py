"""The chat UI stays readable: no function in app.py or qa/ui/ is longer than 80 lines."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
UI_FILES = [ROOT / "app.py", *sorted((ROOT / "qa" / "ui").glob("*.py"))]
MAX_LINES = 80


def function_lengths(path: Path) -> dict[str, int]:
    """Lines from each function's def line to the end of its body, nested ones included."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {
        f"{node.name} (line {node.lineno})": node.end_lineno - node.lineno + 1
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    }


def test_function_lengths_are_measured() -> None:
    lengths = function_lengths(Path(__file__))
    assert lengths["function_lengths (line 15)"] == 8


@pytest.mark.parametrize("path", UI_FILES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_no_ui_function_is_over_80_lines(path: Path) -> None:
    too_long = {name: n for name, n in function_lengths(path).items() if n > MAX_LINES}
    assert not too_long, f"split these functions: {too_long}"
