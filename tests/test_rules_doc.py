"""docs/rules.md's tables are generated from the rule catalogue and must be current."""
from __future__ import annotations

from pathlib import Path

import pytest

from reporttool.checks import rules_doc
from reporttool.core.rules import RULES

REPO = Path(__file__).resolve().parents[1]


def test_rules_md_is_current():
    """Fails when a rule's text changed in core/rules.py and `python -m reporttool.checks.rules_doc` was not run."""
    page = (REPO / "docs" / "rules.md").read_text(encoding="utf-8")
    assert rules_doc.render(page) == page


def test_every_rule_is_in_exactly_one_generated_table():
    page = rules_doc.render((REPO / "docs" / "rules.md").read_text(encoding="utf-8"))
    for code in RULES:
        assert page.count(f"| `{code}` |") == 1, code


def test_a_changed_template_shows_and_pipes_cannot_break_a_row():
    page = "前言\n<!-- rules: cross -->\n旧表\n<!-- /rules -->\n后记\n"
    out = rules_doc.render(page)
    assert out.startswith("前言\n<!-- rules: cross -->\n| 代码 |") and out.endswith("<!-- /rules -->\n后记\n")
    assert "旧表" not in out
    assert all(line.count(" | ") == 4 for line in out.splitlines() if line.startswith("| `"))
    with pytest.raises(ValueError):
        rules_doc.render("<!-- rules: nosuch -->\n<!-- /rules -->")
