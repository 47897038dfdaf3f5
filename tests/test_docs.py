"""Docs cannot drift: every CLI command is in the README, every documented page exists."""
from __future__ import annotations

import re
from pathlib import Path

from reporttool.cli import main

REPO = Path(__file__).resolve().parents[1]


def test_every_command_is_in_the_readme():
    readme = REPO.joinpath("README.md").read_text(encoding="utf-8")
    for name, command in main.commands.items():
        assert f"`reporttool {name}" in readme, f"README does not document `reporttool {name}`"
        assert command.help, f"`reporttool {name}` has no help text"


def test_readme_links_resolve():
    readme = REPO.joinpath("README.md").read_text(encoding="utf-8")
    for target in re.findall(r"\]\(([^)#]+)\)", readme):
        assert (REPO / target).exists(), f"README links to missing {target}"


def test_readme_shows_the_two_setup_commands():
    readme = REPO.joinpath("README.md").read_text(encoding="utf-8")
    assert "make demo" in readme and "make test" in readme


def _docs() -> list[Path]:
    return [REPO / "README.md", *sorted(REPO.joinpath("docs").glob("*.md"))]


def test_every_file_a_doc_points_to_exists():
    """`render/workbook.py`, `reporttool/ledger/store.py`, `tests/test_x.py`: each names a real file (relative
    to the repository or to the package) — catches pointers left behind when code moves."""
    missing = []
    for doc in _docs():
        if doc.name == "performance.md":  # a dated log of past rounds: its file names are history
            continue
        for path in set(re.findall(r"(?<![\w/.])((?:\w+/)+\w+\.py)\b", doc.read_text(encoding="utf-8"))):
            if not any((base / path).exists() for base in (REPO, REPO / "reporttool")):
                missing.append(f"{doc.name}: {path}")
    assert missing == []


def test_every_dotted_name_a_doc_points_to_exists():
    """`reporttool.core.fmt`, `reporttool.forms.isolate.read_many`: each imports and has the attribute."""
    import importlib

    missing = []
    for doc in _docs():
        for dotted in set(re.findall(r"\breporttool(?:\.[A-Za-z_]\w*)+", doc.read_text(encoding="utf-8"))):
            parts = dotted.split(".")
            if parts[1] in ("db", "lock", "cluster"):  # file names (reporttool.db, reporttool.lock), the form id
                continue
            for i in range(len(parts), 0, -1):
                try:
                    obj = importlib.import_module(".".join(parts[:i]))
                except ImportError:
                    continue
                try:
                    for attr in parts[i:]:
                        obj = getattr(obj, attr)
                except AttributeError:
                    missing.append(f"{doc.name}: {dotted}")
                break
            else:
                missing.append(f"{doc.name}: {dotted}")
    assert missing == []


def _where_is_the_code() -> list[str]:
    """The bullets of docs/design.md "Where is the code for …" (the newcomer's way in), as one text each."""
    design = REPO.joinpath("docs", "design.md").read_text(encoding="utf-8")
    section = design.split("## Where is the code for", 1)[1].split("\n## ", 1)[0]
    return ["* " + b for b in section.split("\n* ")[1:]]


def _py_files(text: str) -> list[Path]:
    """The package's .py files that ``text`` names (core/rules.py; tests/… are not the package's)."""
    found = [REPO / "reporttool" / p for p in re.findall(r"(?<![\w/.])((?:\w+/)+\w+\.py)\b", text)]
    return [p for p in found if p.exists()]


def _defines(source: str, name: str) -> bool:
    """``name`` is a def, a class or an assigned name in ``source`` (``Class.attr``: both, attr indented)."""
    first, *rest = name.split(".")
    ok = re.search(rf"^\s*(?:(?:async\s+)?def|class)\s+{first}\b|^\s*{first}\s*(?::[^=\n]+)?=", source, re.M)
    return bool(ok) and all(re.search(rf"^\s+def\s+{attr}\b", source, re.M) for attr in rest)


def test_design_where_is_the_code_names_functions_that_exist_where_it_says():
    """Each `name` in a bullet of "Where is the code for …" is defined in a .py file that bullet names
    (`_summary_sheet` in render/workbook.py, `ClusterRoster.of` in ledger/aggregates.py …)."""
    bullets = _where_is_the_code()
    assert [b.split("**")[1] for b in bullets] == ["a figure in the 总表", "the rule behind a finding"]
    missing = []
    for bullet in bullets:
        sources = [p.read_text(encoding="utf-8") for p in _py_files(bullet)]
        for name in re.findall(r"`([A-Za-z_]\w*(?:\.\w+)?)`", bullet):
            if not any(_defines(s, name) for s in sources):
                missing.append(name)
    assert missing == []


def test_the_defines_check_can_fail():
    source = "class ClusterRoster:\n    @classmethod\n    def of(cls):\n        pass\nRULES: dict = {}\n"
    assert _defines(source, "ClusterRoster.of") and _defines(source, "RULES")
    assert not _defines(source, "ClusterRoster.to_json") and not _defines(source, "_summary_sheet")


def test_every_rule_is_in_a_file_design_md_names():
    """From a finding to its rule: `grep '"R-CODE"'` lands in one of the files the rule bullet lists (other
    files may read findings by their code, e.g. render/wording.py; the rule is raised in a listed one)."""
    from reporttool.core.rules import RULES

    named = set(_py_files(_where_is_the_code()[1]))
    assert named, "the rule bullet names no file"
    texts = [p.read_text(encoding="utf-8") for p in named if p.name != "rules.py"]
    unlisted = [code for code in RULES if not any(f'"{code}"' in text for text in texts)]
    assert unlisted == []
