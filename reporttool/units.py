"""Small shared helpers: cell references, units, and turning what people type into numbers.

One place for each: the reader, the catalogue loader and the writers all use these.
"""
from __future__ import annotations

import re
import unicodedata
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

# How many form units make one display unit. Units are Chinese statistical units, not city data.
_SCALE: dict[tuple[str, str], Decimal] = {
    ("元", "万元"): Decimal(10000),
    ("万元", "亿元"): Decimal(10000),
    ("元", "亿元"): Decimal(100000000),
    ("千瓦", "万千瓦"): Decimal(10000),
    ("人次", "万人次"): Decimal(10000),
    ("吨", "万吨"): Decimal(10000),
    ("载重吨", "万载重吨"): Decimal(10000),
}


def unit_factor(form_unit: str, unit: str) -> Decimal:
    """Divide a value in ``form_unit`` by this to get it in ``unit``. Raises KeyError if unknown."""
    if form_unit == unit:
        return Decimal(1)
    return _SCALE[(form_unit, unit)]


def known_conversion(form_unit: str, unit: str) -> bool:
    return form_unit == unit or (form_unit, unit) in _SCALE


def column_letter(index: int) -> str:
    """1 -> A, 27 -> AA."""
    letters = ""
    while index > 0:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def cell_ref(row: int, col: int) -> str:
    """1-based row and column -> "D12"."""
    return f"{column_letter(col)}{row}"


def q(value: Decimal, places: int) -> Decimal:
    """Round half up to ``places`` decimals (321.25 -> 321.3 at one place). The only rounding we use."""
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


_EMPTY_MARKS = {"", "-", "—", "--", "——", "/", "无", "空", "n/a", "na", "null", "none"}
_NUM_RE = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def clean_text(value: object) -> str:
    """NFKC (full-width -> half-width), strip, collapse inner whitespace runs to one space."""
    if value is None:
        return ""
    text = unicodedata.normalize("NFKC", str(value))
    return " ".join(text.split())


def tidy(value: object) -> str:
    """Display text: strip and collapse whitespace, keep the characters as typed (（）stays （）).

    Use clean_text() to *match* (codes, labels, choices); use tidy() for what is shown back to people.
    """
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return " ".join(str(value).split())


def is_empty(value: object) -> bool:
    """Blank cells and the marks people type for 'nothing' ("—", "-", "无")."""
    if value is None:
        return True
    if isinstance(value, str):
        return clean_text(value).lower() in _EMPTY_MARKS
    return False


def to_decimal(value: object) -> Decimal | None:
    """What people type -> Decimal, or None when empty. Raises ValueError when it is not a number.

    Accepts numbers, numbers stored as text, full-width digits, thousands separators (1,234.5 and
    1，234.5), spaces, a trailing % (kept as the number: "12%" -> 12). Floats from the reader are
    converted through repr() so 0.1 stays 0.1, not 0.1000000000000000055511151231257827.
    """
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError("布尔值")
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError("非数值")
        return Decimal(repr(value))
    text = clean_text(value)
    if text.lower() in _EMPTY_MARKS:
        return None
    text = text.replace(",", "").replace(" ", "").replace("，", "")
    if text.endswith("%"):
        text = text[:-1]
    if text.endswith("万元") or text.endswith("亿元"):
        raise ValueError("含单位")
    if not _NUM_RE.match(text):
        raise ValueError("非数值")
    try:
        number = Decimal(text)
    except InvalidOperation as exc:  # pragma: no cover - the regex already guards this
        raise ValueError("非数值") from exc
    if not number.is_finite():
        raise ValueError("非数值")
    return number


def split_list(value: object) -> tuple[str, ...]:
    """"a、b，c; d" -> ("a", "b", "c", "d"): the separators people use in a list cell."""
    text = tidy(value) if "\n" not in str(value or "") else str(value)
    if not text.strip():
        return ()
    parts = re.split(r"[、,，;；\n]+", text)
    return tuple(p.strip() for p in parts if p.strip())
