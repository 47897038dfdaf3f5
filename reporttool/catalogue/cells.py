"""Reading one cell of targets.xlsx: a code, an integer, a number, a 是/否 column; each problem is added to
``problems`` with its sheet and row (catalogue/load.py and catalogue/targets.py collect them all)."""
from __future__ import annotations

import re
from decimal import Decimal

from reporttool.catalogue.model import Problem
from reporttool.core.units import clean_text, to_decimal

_CODE_RE = re.compile(r"^[A-Za-z0-9_]+$")


def code_cell(rec, col, sheet, n, problems) -> str:
    code = clean_text(rec[col])
    if isinstance(rec[col], float) and rec[col].is_integer():
        code = str(int(rec[col]))
    if not code:
        problems.append(Problem(sheet, n, f"“{col}”不能为空"))
    elif not _CODE_RE.match(code):
        problems.append(Problem(sheet, n, f"代码“{code}”只能由字母、数字和下划线组成"))
    return code


def int_cell(rec, col, sheet, n, problems, default=0) -> int:
    try:
        v = to_decimal(rec[col])
    except ValueError:
        problems.append(Problem(sheet, n, f"“{col}”应为整数，现为“{clean_text(rec[col])}”"))
        return default
    if v is None:
        return default
    if v != v.to_integral_value():
        problems.append(Problem(sheet, n, f"“{col}”应为整数，现为“{v}”"))
        return default
    return int(v)


def dec_cell(rec, col, sheet, n, problems) -> Decimal | None:
    try:
        return to_decimal(rec[col])
    except ValueError:
        problems.append(Problem(sheet, n, f"“{col}”应为数字，现为“{clean_text(rec[col])}”"))
        return None


def check_unique(items, sheet, problems, what="代码"):
    seen: dict[str, int] = {}  # code -> the row it was first seen on
    for n, code in items:
        if code and code in seen:
            problems.append(Problem(sheet, n, f"{what}“{code}”与第{seen[code]}行重复"))
        seen.setdefault(code, n)


def yes(value, default: bool) -> bool:
    text = clean_text(value)
    if not text:
        return default
    return text in ("是", "Y", "y", "yes", "1", "TRUE", "True", "true")


_NO = ("否", "N", "n", "no", "No", "NO", "0", "FALSE", "False", "false")


def yes_no(rec, col: str, sheet: str, n: int, problems: list[Problem], default: bool) -> bool:
    """A 是/否 column: blank = ``default``; anything but 是/否 (不计入, √, 待定) is a problem, not a silent 否."""
    text = clean_text(rec.get(col))
    if text and not yes(text, default) and text not in _NO:
        problems.append(Problem(sheet, n, f"“{col}”应填“是”或“否”（留空按默认），现为“{text}”"))
    return yes(text, default)
