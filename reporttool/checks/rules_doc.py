"""docs/rules.md's rule tables, generated from the rule catalogue (reporttool.core.rules.RULES).

The page's prose is written by hand; each table sits between two marker comments and is rewritten
from the catalogue, so the page cannot drift from the rules the code raises:

    <!-- rules: file -->   ...table...   <!-- /rules -->

(``file``: file-level refusals; ``row``: cells, rows and sheets of one form; ``cross``: rules that need
other files or periods.) Run ``python -m reporttool.checks.rules_doc`` to rewrite docs/rules.md;
tests/test_rules_doc.py fails when the page is not current.
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

from reporttool.core.models import SEVERITY_LABEL
from reporttool.core.rules import RULES, Rule

# which Rule.scope values each table lists
TABLES = {"file": ("file",), "row": ("row", "sheet"), "cross": ("cross",)}
_BLOCK = re.compile(r"(<!-- rules: (\w+) -->\n)(.*?)(<!-- /rules -->)", re.S)
_FIELD = re.compile(r"\{(\w+)\}")


def _cell(text: str) -> str:
    """Text safe inside a Markdown table cell: no pipes, no line breaks; template fields shown as 〈field〉."""
    return _FIELD.sub(r"〈\1〉", " ".join(text.split())).replace("|", "｜")


def table(scope: str) -> str:
    """The Markdown table of the rules whose scope the table ``scope`` lists, in catalogue order."""
    rules: list[Rule] = [r for r in RULES.values() if r.scope in TABLES[scope]]
    lines = ["| 代码 | 类别 | 名称 | 检查内容 | 提示文字（〈…〉处填入具体内容） |", "|---|---|---|---|---|"]
    lines += [f"| `{r.code}` | {SEVERITY_LABEL[r.severity]} | {_cell(r.title)} | {_cell(r.checks)} | {_cell(r.template)} |"
              for r in rules]
    return "\n".join(lines) + "\n"


def render(page: str) -> str:
    """``page`` with every marked table rewritten from the catalogue."""
    unknown = [m.group(2) for m in _BLOCK.finditer(page) if m.group(2) not in TABLES]
    if unknown:
        raise ValueError(f"unknown rules table {unknown}")
    return _BLOCK.sub(lambda m: m.group(1) + table(m.group(2)) + m.group(4), page)


def main(argv: list[str]) -> int:
    path = Path(argv[0]) if argv else Path("docs/rules.md")
    page = path.read_text(encoding="utf-8")
    new = render(page)
    if new != page:
        path.write_text(new, encoding="utf-8", newline="\n")
        print(f"rewrote {path}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main(sys.argv[1:]))
