"""The layout holds: imports flow one way (ingest → vectorstore → qa → qa.ui → app/eval/bench),
no module imports itself back through others, and no production function is over 80 lines.

Imports inside functions count too: a lazy import is still a dependency.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PRODUCTION = ["ingest", "vectorstore", "qa", "eval", "bench", "app.py"]
MAX_FUNCTION_LINES = 80
# lower layers never import higher ones; the top layer's members may use each other
LAYERS = {"ingest": 0, "vectorstore": 1, "qa": 2, "qa.ui": 3, "app": 4, "eval": 4, "bench": 4}


def production_files() -> dict[str, Path]:
    """Module name -> file, for every production module."""
    modules = {}
    for entry in PRODUCTION:
        path = ROOT / entry
        for file in [path] if path.is_file() else sorted(path.rglob("*.py")):
            parts = list(file.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            modules[".".join(parts)] = file
    return modules


def imports_of(name: str, file: Path, known: set[str]) -> set[str]:
    """The production modules that `name` imports (at module level or inside functions)."""
    package = name if file.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(file.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*up, base] if base else up)
            targets = [f"{base}.{alias.name}" for alias in node.names] + [base]
        else:
            continue
        for target in targets:
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


def graph() -> dict[str, set[str]]:
    modules = production_files()
    known = set(modules)
    edges = {name: imports_of(name, file, known) for name, file in modules.items()}
    # importing `qa.types` runs the package `qa/__init__.py` first, but that is not a dependency
    # of the importer on the package's own imports: only explicit imports count
    return edges


def layer(module: str) -> int:
    best = max((k for k in LAYERS if module == k or module.startswith(k + ".")), key=len)
    return LAYERS[best]


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in edges.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return found


def test_no_import_cycles() -> None:
    assert cycles(graph()) == []


def test_imports_never_reach_a_higher_layer() -> None:
    upward = [
        f"{a} imports {b}"
        for a, targets in graph().items()
        for b in sorted(targets)
        if layer(b) > layer(a)
    ]
    assert upward == []


def test_the_check_sees_cycles_and_upward_imports() -> None:
    edges = {"qa.cli": {"eval.cli"}, "eval.cli": {"qa.cli"}, "ingest.x": {"qa.engine"}}
    assert cycles(edges) == [["eval.cli", "qa.cli"]]
    assert layer("qa.engine") > layer("ingest.x") and layer("qa.ui.render") > layer("qa.cli")
    known = set(production_files())
    assert "qa.engine" in imports_of("qa", ROOT / "qa" / "__init__.py", known)  # lazy imports


def long_functions() -> list[str]:
    found = []
    for name, file in production_files().items():
        for node in ast.walk(ast.parse(file.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
                length = node.end_lineno - first + 1
                if length > MAX_FUNCTION_LINES:
                    found.append(f"{name}.{node.name} ({file.name}:{node.lineno}): {length} lines")
    return found


def test_no_production_function_is_over_80_lines() -> None:
    assert long_functions() == []


def test_layers_above_the_store_use_its_operations_not_chroma() -> None:
    reaching = [
        f"{name} ({file.name}:{node.lineno})"
        for name, file in production_files().items()
        if layer(name) > LAYERS["vectorstore"]
        for node in ast.walk(ast.parse(file.read_text(encoding="utf-8")))
        if isinstance(node, ast.Attribute) and node.attr == "chroma"
    ]
    assert reaching == []
