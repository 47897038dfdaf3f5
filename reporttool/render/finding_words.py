"""How a finding's numbers read in a findings list (问题清单): every number with its unit, the robust score
of R-MONTH-OUTLIER in words.

A finding's 填报值 is what the district typed, in the form's unit (the 集群产出 row's 计量单位, 万元 on the
enterprise and project lists), while a message that compares with the consolidated figures speaks in the
汇总表's unit (亿元). A list that shows both must say which is which: ``value_text`` puts the unit after
the number (``211265.23万元``), ``explain_score`` turns “稳健分数 120” into how many typical swings the month
lies from the district's median, and ``list_notes`` gives the notes under the table (docs/workbook.md,
问题清单).
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from reporttool.catalogue import Catalogue
from reporttool.core.models import Finding, Words
from reporttool.forms.layout import AMOUNT, INT, OUTPUT, PROJECTS, ROSTER

OUTLIER_RULE = "R-MONTH-OUTLIER"
# the score is (当月 − 中位数) ÷ scale, the scale the larger of MAD ÷ 0.6745 and 当月异常最小离散 % of |中位数|
# (checks/history.robust_score): the score itself counts typical swings (典型波动 = the scale)
_NUMBER = re.compile(r"[-+]?\d+(?:\.\d+)?")
_SCORE = re.compile(r"稳健分数 ?([-+]?\d+(?:\.\d+)?)")

# the unit of an amount typed on the enterprise and project lists (forms/layout.py: unit_note 万元)
LIST_UNITS = {AMOUNT: "万元", INT: "人"}
_OUTPUT_VALUE_TITLES = (OUTPUT.column("value").title, OUTPUT.column("value_ly").title)


def value_unit(f: Finding) -> str:
    """The unit of ``f.value`` as the district typed it: the 集群产出 row's 计量单位 for its 本年累计/上年同期,
    万元 (人 for 从业人员) on the enterprise and project lists; "" when not a number or not known."""
    if not _NUMBER.fullmatch(f.value.strip()):
        return ""
    if f.sheet == OUTPUT.name:
        return f.unit if f.column in _OUTPUT_VALUE_TITLES else ""
    for spec in (ROSTER, PROJECTS):
        if f.sheet == spec.name:
            col = next((c for c in spec.columns if c.title == f.column), None)
            return LIST_UNITS.get(col.kind, "") if col is not None else ""
    return ""


def value_text(f: Finding) -> str:
    """填报值 with its unit: ``211265.23万元``, ``12.5%``; the text as typed when no unit is known."""
    return f.value + value_unit(f)


def _swings_text(score: Decimal) -> str:
    n = abs(score)
    places = Decimal(1) if n >= 10 else Decimal("0.1")
    shown = n.quantize(places, ROUND_HALF_UP)
    return f"{'高出' if score > 0 else '低于'}中位数约{shown.normalize():f}个典型波动"


def explain_score(message: str, words: Words | None = None) -> str:
    """“…稳健分数 120，…” → “…稳健分数 120（当月高出本县区以往当月中位数约178个典型波动），…” (县区 in the
    catalogue's ``words``); other messages unchanged."""
    m = _SCORE.search(message)
    if m is None:
        return message
    try:
        score = Decimal(m.group(1))
    except InvalidOperation:
        return message
    if score == 0:
        return message
    unit = (words or Words()).unit
    said = "（当月" + _swings_text(score).replace("中位数", f"本{unit}以往当月中位数", 1) + "）"
    return message[:m.end()] + said + message[m.end():]


def list_notes(findings: Sequence[Finding], cat: Catalogue) -> list[str]:
    """Notes under a findings list: the units of 填报值 and of the messages, and what the robust score means
    (only when some finding needs it)."""
    notes: list[str] = []
    units = [u for f in findings if (u := value_unit(f))]
    unit = cat.words.unit
    if units:
        pairs = sorted({(i.form_unit, i.unit) for i in cat.indicators if i.form_unit and i.form_unit != i.unit})
        text = (f"填报值为{unit}报表中所填的原数，后附报表的计量单位（集群产出表为各行的计量单位，集群企业表、投资项目表的金额为万元）")
        if pairs:
            text += ("；问题说明中的当月值、中位数等按汇总表的单位（"
                     + "、".join(f"报表的{a}在汇总表中为{b}" for a, b in pairs) + "）")
        notes.append(text + "。")
    if any(f.rule == OUTLIER_RULE for f in findings):
        s = cat.settings
        notes.append(f"“当月值异常”的稳健分数衡量本月当月值离本{unit}以往各月当月值的中位数有多远：稳健分数＝（当月－中位数）"
                     f"÷典型波动，典型波动为以往各月当月值偏离中位数的一般幅度（偏离值的中位数÷0.6745），且不小于中位数的"
                     f"{s.month_outlier_floor.normalize():f}%；绝对值超过{s.month_outlier_cutoff.normalize():f}即远超本{unit}"
                     "平常的起伏，括号中写明了高出或低于中位数的典型波动个数。")
    return notes
