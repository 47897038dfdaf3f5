"""Small shared helpers: cell references, units, and turning what people type into numbers.

One place for each: the reader, the catalogue loader and the writers all use these.
"""
from __future__ import annotations

import re
import unicodedata
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation, localcontext

# The built-in units: unit -> (dimension, how many base units of the dimension make one). Conversion is only
# within a dimension; each currency is its own dimension, so 美元 and 元 never convert (nor are summed).
# A catalogue adds or overrides units in its 单位 sheet (docs/config.md). Chinese statistical units, not
# city data.
_WAN, _YI = Decimal(10000), Decimal(100000000)
BUILTIN_UNITS: dict[str, tuple[str, Decimal]] = {
    "元": ("人民币", Decimal(1)), "万元": ("人民币", _WAN), "亿元": ("人民币", _YI),
    "美元": ("美元", Decimal(1)), "万美元": ("美元", _WAN), "亿美元": ("美元", _YI),
    "欧元": ("欧元", Decimal(1)), "万欧元": ("欧元", _WAN), "亿欧元": ("欧元", _YI),
    "吨": ("重量", Decimal(1)), "万吨": ("重量", _WAN), "亿吨": ("重量", _YI),
    "载重吨": ("载重", Decimal(1)), "万载重吨": ("载重", _WAN),
    "辆": ("车辆", Decimal(1)), "万辆": ("车辆", _WAN),
    "台": ("台", Decimal(1)), "万台": ("台", _WAN),
    "套": ("套", Decimal(1)), "万套": ("套", _WAN),
    "户": ("户", Decimal(1)), "家": ("家", Decimal(1)), "个": ("个", Decimal(1)), "项": ("项", Decimal(1)),
    "人": ("人数", Decimal(1)), "万人": ("人数", _WAN),
    "人次": ("人次", Decimal(1)), "万人次": ("人次", _WAN), "亿人次": ("人次", _YI),
    "千瓦": ("功率", Decimal(1)), "万千瓦": ("功率", _WAN), "兆瓦": ("功率", Decimal(1000)),
    "千瓦时": ("电量", Decimal(1)), "万千瓦时": ("电量", _WAN), "亿千瓦时": ("电量", _YI),
    "平方米": ("面积", Decimal(1)), "万平方米": ("面积", _WAN), "亩": ("土地", Decimal(1)),
    "%": ("比率", Decimal(1)), "‰": ("比率", Decimal("0.1")),
}


def conversion(form_unit: str, unit: str, table: dict[str, tuple[str, Decimal]] | None = None) -> Decimal | str:
    """How many ``form_unit`` make one ``unit`` (divide a form value by it), or why there is none (Chinese).

    ``table`` is the catalogue's units (Catalogue.unit_table()); None = the built-in units.
    """
    if form_unit == unit:
        return Decimal(1)
    table = BUILTIN_UNITS if table is None else table
    missing = [u for u in (form_unit, unit) if u not in table]
    if missing:
        return "、".join(f"“{u}”" for u in missing) + "不在单位表中（常用单位已内置，其他单位请在“单位”表中添加：单位、量纲、换算系数）"
    (dim_f, fac_f), (dim_u, fac_u) = table[form_unit], table[unit]
    if dim_f != dim_u:
        return f"“{form_unit}”（{dim_f}）与“{unit}”（{dim_u}）量纲不同，不能换算"
    return fac_u / fac_f


def unit_factor(form_unit: str, unit: str, table: dict[str, tuple[str, Decimal]] | None = None) -> Decimal:
    """Divide a value in ``form_unit`` by this to get it in ``unit``. Raises KeyError if they do not convert."""
    got = conversion(form_unit, unit, table)
    if isinstance(got, str):
        raise KeyError((form_unit, unit))
    return got


def known_conversion(form_unit: str, unit: str, table: dict[str, tuple[str, Decimal]] | None = None) -> bool:
    return not isinstance(conversion(form_unit, unit, table), str)


def dimension(unit: str, table: dict[str, tuple[str, Decimal]] | None = None) -> str:
    """The dimension of ``unit`` (人民币, 美元, 重量 …); the unit itself when it is not in the table."""
    entry = (BUILTIN_UNITS if table is None else table).get(unit)
    return entry[0] if entry else unit


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


_EXPONENTS = tuple(Decimal(1).scaleb(-p) for p in range(12))  # 1, 0.1, 0.01 …: q runs for every shown number


def q(value: Decimal, places: int) -> Decimal:
    """Round half up to ``places`` decimals (321.25 -> 321.3 at one place). The only rounding we use.

    A finite value of more digits than the context holds (a rate over a tiny base: 37 / 1.5E-30) is
    rounded with the precision it needs instead of raising InvalidOperation."""
    exp = _EXPONENTS[places] if 0 <= places < len(_EXPONENTS) else Decimal(1).scaleb(-places)
    try:
        return value.quantize(exp, rounding=ROUND_HALF_UP)
    except InvalidOperation:
        if not value.is_finite():
            raise
        with localcontext() as ctx:
            ctx.prec = value.adjusted() + places + 2
            return value.quantize(exp, rounding=ROUND_HALF_UP)


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


def readable_name(name: str) -> str:
    """A file name as people should see it, and safe to store as UTF-8 text.

    On Linux a name whose bytes are not UTF-8 (a GBK name from an old Windows share or a zip) arrives with
    surrogate escapes ("\\udcc4\\udccf…"), which cannot be printed, stored in SQLite or written to JSON.
    Its bytes are decoded as GB18030 (a superset of GBK) when that works, else shown with \\x escapes.
    Names that are proper text are returned unchanged.
    """
    if name.isascii() or not any("\ud800" <= ch <= "\udfff" for ch in name):
        return name
    import os

    raw = os.fsencode(name)
    for encoding in ("utf-8", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return raw.decode("utf-8", "backslashreplace")
