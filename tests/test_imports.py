"""Imports run one way: no cycle among the package's modules, function-level imports
included (only ``if TYPE_CHECKING:`` blocks, which never run, are left out).

The graph is read from the source with ``ast`` and its cycles found with Tarjan's
algorithm, here in the test: nothing of shadowtest's is used to check shadowtest."""

from __future__ import annotations

import ast
import functools
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "shadowtest"


def module_names() -> dict[str, Path]:
    names = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        names[".".join(parts)] = path
    return names


def typing_only_lines(tree: ast.AST) -> set[int]:
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If):
            test = node.test
            name = test.id if isinstance(test, ast.Name) else getattr(test, "attr", None)
            if name == "TYPE_CHECKING":
                lines.update(sub.lineno for child in node.body for sub in ast.walk(child)
                             if hasattr(sub, "lineno"))
    return lines


@functools.cache  # parsing the package once serves every test here
def import_graph() -> dict[str, set[str]]:
    modules = module_names()

    def owner(name: str) -> str | None:  # the module a dotted name lives in
        while name and name not in modules:
            name = name.rpartition(".")[0]
        return name or None

    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        skip = typing_only_lines(tree)
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(tree):
            if getattr(node, "lineno", None) in skip:
                continue
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")[:len(package.split(".")) - node.level + 1]
                    base = ".".join([*anchor, base] if base else anchor)
                # `from shadowtest import errors` names the submodule when there is one
                targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules
                           else base for alias in node.names]
            for target in targets:
                found = owner(target) if target.startswith("shadowtest") else None
                if found is not None and found != name:
                    graph[name].add(found)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[set[str]]:
    """The strongly connected sets of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[set[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in graph[node]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = set()
            while True:
                member = stack.pop()
                component.add(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(component)

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_checker_finds_a_cycle_through_a_function_level_import() -> None:
    """The checker itself: a lazy import closing a loop is a cycle."""
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [{"a", "b", "c"}]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_request_files_and_configs_import_one_way() -> None:
    """files (load) builds configs; InferenceExperimentConfig.from_json reads through
    _request, which imports no config: files -> config -> _request, never back."""
    graph = import_graph()
    assert "shadowtest.config" in graph["shadowtest.files"]  # the graph is read at all
    assert "shadowtest._request" in graph["shadowtest.config"]
    assert [c for c in cycles(graph) if c & {"shadowtest.files", "shadowtest.config"}] == []


def test_no_module_of_the_package_is_in_an_import_cycle() -> None:
    """errors <-> _display was one: the renderer now imports only the card's data types."""
    graph = import_graph()
    assert "shadowtest._card" in graph["shadowtest._display"]
    assert cycles(graph) == []
