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
