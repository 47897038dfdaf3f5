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
