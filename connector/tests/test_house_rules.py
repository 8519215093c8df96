"""The house rules that keep the code easy to live in, checked rather than hoped for:
no product module over 400 lines, no function over 60, no import cycle between modules.

Product code is every package of the project outside tests and migrations (simulators
included); bench/ and docker/ are scripts, not product code. The dependency direction between
packages is import-linter's job (pyproject.toml, ``make lint-imports``).
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("connector", "webhooks", "shops", "products", "assistant", "themes", "ops", "simulators")
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60


def product_modules() -> Iterator[Path]:
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).parts
            if "tests" not in parts and "migrations" not in parts:
                yield path


def test_no_product_module_is_over_400_lines():
    too_long = {
        str(path.relative_to(ROOT)): lines
        for path in product_modules()
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES
    }
    assert too_long == {}, "split these modules by concern"


def test_no_function_is_over_60_lines():
    too_long = {}
    for path in product_modules():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                lines = (node.end_lineno or node.lineno) - node.lineno + 1
                if lines > MAX_FUNCTION_LINES:
                    too_long[f"{path.relative_to(ROOT)}::{node.name}"] = lines
    assert too_long == {}, "split these functions into named steps"


def import_cycles(imports: dict[str, set[str]]) -> list[list[str]]:
    """The groups of modules that import each other, directly or not (strongly connected
    components of more than one module; Tarjan's algorithm)."""
    index: dict[str, int] = {}
    lowest: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = lowest[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for imported in imports[module]:
            if imported not in index:
                visit(imported)
                lowest[module] = min(lowest[module], lowest[imported])
            elif imported in on_stack:
                lowest[module] = min(lowest[module], index[imported])
        if lowest[module] == index[module]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == module:
                    break
            if len(group) > 1:
                cycles.append(sorted(group))

    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 10_000))
    try:
        for module in sorted(imports):
            if module not in index:
                visit(module)
    finally:
        sys.setrecursionlimit(limit)
    return cycles


def test_import_cycles_are_found():
    imports = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": set()}
    assert import_cycles(imports) == [["a", "b", "c"]]


@pytest.mark.filterwarnings("ignore")
def test_no_module_imports_itself_through_others():
    graph = grimp.build_graph(*PACKAGES)
    modules = {
        module
        for module in graph.modules
        if ".tests" not in module and ".migrations" not in module and not module.endswith(".tests")
    }
    imports = {
        module: {imported for imported in graph.find_modules_directly_imported_by(module) if imported in modules}
        for module in modules
    }
    assert import_cycles(imports) == []
