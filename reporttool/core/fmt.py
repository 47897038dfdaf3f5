"""How a figure is shown: the one formatter behind the consolidated workbook and the brief.

The workbook writes ``shown(value, places)`` as a number cell; the brief writes ``text(value, places)``
into prose. Both round the same Decimal the same way (half up), so the 总表 and the 简报 cannot disagree.
"""
from __future__ import annotations

from decimal import Decimal
from typing import overload

from reporttool.core.units import q

DASH = "—"  # no comparable base / no value


@overload
def shown(value: Decimal, places: int) -> Decimal: ...
@overload
def shown(value: None, places: int) -> None: ...
@overload
def shown(value: Decimal | None, places: int) -> Decimal | None: ...


def shown(value: Decimal | None, places: int) -> Decimal | None:
    """The rounded value as displayed (None stays None: written as "—")."""
    return None if value is None else q(value, places)


def text(value: Decimal | None, places: int) -> str:
    """The rounded value as text with exactly ``places`` decimals, or "—"."""
    if value is None:
        return DASH
    rounded = q(value, places)
    if rounded == 0:
        rounded = abs(rounded)  # never "-0.0"
    return f"{rounded:.{places}f}" if places > 0 else f"{rounded:.0f}"


def trim(value: Decimal | None, places: int) -> str:
    """Like text() but without trailing zeros, for prose: 580.00 -> 580, 547.17 stays."""
    if value is None:
        return DASH
    s = text(value, places)
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    return s


def signed_words(value: Decimal | None, places: int, above: str, below: str, level: str, suffix: str = "") -> str:
    """A signed figure worded by its sign as shown (rounded half up first): above/below + magnitude + suffix,
    or ``level`` when it rounds to zero; "" without a value."""
    if value is None:
        return ""
    v = q(value, places)
    if v > 0:
        return f"{above}{text(v, places)}{suffix}"
    if v < 0:
        return f"{below}{text(-v, places)}{suffix}"
    return level


def change_words(rate: Decimal | None, places: int = 1) -> str:
    """同比 worded by sign: 增长12.3% / 下降3.2% / 持平; "" without a base."""
    return signed_words(rate, places, "增长", "下降", "持平", "%")


def gap_words(gap: Decimal | None, places: int = 1) -> str:
    """进度差 in 百分点: 高于时序进度2.3个百分点 / 低于… / 与时序进度持平."""
    return signed_words(gap, places, "高于时序进度", "低于时序进度", "与时序进度持平", "个百分点")


def points_words(diff: Decimal | None, places: int = 1) -> str:
    """A difference of two rates in 百分点: 高于目标2.3个百分点 style, without the subject."""
    return signed_words(diff, places, "高", "低", "持平", "个百分点")
