"""The package's shape: no import cycle anywhere under reporttool/ (the layer contracts themselves are
checked by `lint-imports`, configured in pyproject.toml and run by `make test`); and the tests' shape:
no test module imports another test module or conftest.py (shared builders live in tests/helpers.py),
and render tests find LibreOffice, poppler and Chromium through helpers.need_tool (never skipping in CI)."""
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


def _is_test_module(name: str) -> bool:
    last = name.split(".")[-1]
    return last.startswith("test_") or last == "conftest"


def _test_module_imports(source: str) -> list[tuple[str, int]]:
    """The test modules or conftest that ``source``'s imports (at any depth) name, with the line of each:
    ``import test_x``, ``from test_x import f``, ``from tests.test_x import f``, ``from . import test_x``,
    ``from tests import test_x``."""
    found: list[tuple[str, int]] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(a.name, node.lineno) for a in node.names if _is_test_module(a.name)]
        elif isinstance(node, ast.ImportFrom):
            base = "." * node.level + (node.module or "")
            if node.module and _is_test_module(node.module):
                found.append((base, node.lineno))
            else:  # from . import test_x / from tests import test_x
                sep = "" if base.endswith(".") or not base else "."
                found += [(base + sep + a.name, node.lineno) for a in node.names if _is_test_module(a.name)]
    return sorted(found, key=lambda f: f[1])


def test_the_test_import_finder_finds_test_modules_and_conftest():
    source = ("import os\nfrom helpers import put\nfrom test_figures import submission\n"
              "def f():\n    from conftest import make_small_catalogue\n    import tests.test_rules\n"
              "from . import helpers, test_brief\nfrom tests import test_ledger as tl\n"
              "from .test_print import print_area\nimport testing, tests.helpers\n")
    assert _test_module_imports(source) == [("test_figures", 3), ("conftest", 5), ("tests.test_rules", 6),
                                            (".test_brief", 7), ("tests.test_ledger", 8), (".test_print", 9)]


def test_no_test_module_imports_another_test_module():
    """A builder that two test modules need goes to tests/helpers.py (a fixture to conftest.py, used as a
    fixture, never imported). Every tests/*.py is read, helpers.py and conftest.py too."""
    found = [f"tests/{p.name}:{line} imports {name}" for p in sorted(TESTS.glob("*.py"))
             for name, line in _test_module_imports(p.read_text(encoding="utf-8"))]
    assert found == [], ("move what these import into tests/helpers.py (or a conftest.py fixture) and import it "
                         "from there:\n" + "\n".join(found))


def _which_calls(source: str) -> list[int]:
    """Lines of ``source`` that look a tool up themselves (``shutil.which(...)`` or a bare ``which(...)``)."""
    return sorted(node.lineno for node in ast.walk(ast.parse(source)) if isinstance(node, ast.Call)
            and ((isinstance(node.func, ast.Attribute) and node.func.attr == "which")
                 or (isinstance(node.func, ast.Name) and node.func.id == "which")))


def test_the_which_finder_finds_both_spellings():
    source = "import shutil\nfrom shutil import which\nif shutil.which('soffice'):\n    pass\nx = which('pdftotext')\n"
    assert _which_calls(source) == [3, 5]


def test_render_tests_find_their_tools_through_need_tool():
    """A test that looks a tool up itself skips (or skips its assertions) where the tool is missing, also
    in CI; `need_tool` in tests/helpers.py fails there instead (REPORTTOOL_REQUIRE_RENDER=1)."""
    found = [f"tests/{p.name}:{line}" for p in sorted(TESTS.glob("*.py")) if p.name != "helpers.py"
             for line in _which_calls(p.read_text(encoding="utf-8"))]
    assert found == [], "use need_tool(...) from tests/helpers.py instead of shutil.which: " + ", ".join(found)
