"""The package's shape: no import cycle anywhere under reporttool/ (the layer contracts themselves are
checked by `lint-imports`, configured in pyproject.toml and run by `make test`); and the tests' shape:
no test module imports another test module or conftest.py (shared builders live in tests/helpers.py)."""
from __future__ import annotations

import ast
from pathlib import Path

import grimp

TESTS = Path(__file__).resolve().parent


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan), or a module importing itself."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []
    counter = 0

    def visit(v: str) -> None:
        nonlocal counter
        index[v] = low[v] = counter
        counter += 1
        stack.append(v)
        on_stack.add(v)
        for w in edges.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1 or v in edges.get(v, ()):
                out.append(sorted(comp))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return out


def test_cycle_finder_finds_a_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycle_between_modules():
    graph = grimp.build_graph("reporttool")
    edges = {m: graph.find_modules_directly_imported_by(m) for m in graph.modules}
    assert _cycles(edges) == []


def test_no_import_cycle_between_packages():
    """Between the stage packages too (a cycle through two packages' modules would show above; this
    also catches package A importing B while B imports A through different modules)."""
    graph = grimp.build_graph("reporttool")

    def top(m: str) -> str:
        return ".".join(m.split(".")[:2])

    edges: dict[str, set[str]] = {}
    for m in graph.modules:
        for n in graph.find_modules_directly_imported_by(m):
            if top(m) != top(n):
                edges.setdefault(top(m), set()).add(top(n))
    assert _cycles(edges) == []


def test_a_module_over_500_lines_says_why_at_its_top():
    pkg = Path(__file__).resolve().parents[1] / "reporttool"
    unexplained = [str(p.relative_to(pkg)) for p in sorted(pkg.rglob("*.py"))
                   if len(p.read_text(encoding="utf-8").splitlines()) > 500
                   and not p.read_text(encoding="utf-8").startswith("# Over 500 lines: ")]
    assert unexplained == []


def _test_module_imports(source: str) -> list[str]:
    """The modules named in ``source``'s imports (at any depth) that are test modules or conftest."""
    names: list[str] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.append(node.module)
    return [n for n in names if n.split(".")[-1].startswith("test_") or n.split(".")[-1] == "conftest"]


def test_the_test_import_finder_finds_test_modules_and_conftest():
    source = ("import os\nfrom helpers import put\nfrom test_figures import submission\n"
              "def f():\n    from conftest import make_small_catalogue\n    import tests.test_rules\n")
    assert _test_module_imports(source) == ["test_figures", "conftest", "tests.test_rules"]


def test_no_test_module_imports_another_test_module():
    """A builder that two test modules need goes to tests/helpers.py (a fixture to conftest.py)."""
    found = {p.name: names for p in sorted(TESTS.glob("*.py"))
             if (names := _test_module_imports(p.read_text(encoding="utf-8")))}
    assert found == {}, f"move what these import into tests/helpers.py and import it from there: {found}"
