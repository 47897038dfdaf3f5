"""The detail workbook's data rows: one submission's accepted rows rendered to a stored fragment.

Split from render/detail_book.py (which assembles the workbook from the stored fragments): the rows as
position-independent sheet XML (``<row>`` and ``<c>`` without ``r=``), 序号 counted within the 县区,
deflate-compressed as a segment that ends on a byte boundary, with its CRC-32 and length (see
detail_book's docstring and docs/workbook.md). Values only: inline strings (text cleaned with
``clean_for_office`` and XML-escaped, credit codes as text) and numbers already rounded for display
(ROUND_HALF_UP, like ``fmt.shown``).

Rendered in every reading worker for every row at ingest, so built column by column (``_fragment_text``);
the per-cell renderer it replaced (``_fragment_text_per_cell``, with ``_s``/``_n``) stays as the fallback
of an odd column and as the reference the equivalence tests compare with (tests/test_detail_fast.py).
"""
from __future__ import annotations

import datetime as dt
import math
import struct
import unicodedata
import zlib
from collections.abc import Iterable, Sequence
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import partial
from itertools import chain, compress, repeat
from itertools import count as counting
from operator import is_not

from reporttool.catalogue import Catalogue
from reporttool.core.fmt import DASH
from reporttool.core.models import Row
from reporttool.render.xlsx_styles import EXCEL_CELL_LIMIT, clean_for_office, lines_needed

FRAGMENT_FORMAT = "f3"  # part of every stamp: a fragment stored in another format is rendered again

# Widths: 14 columns print one A3 landscape page wide at 100 % (≥ 9 pt; reporttool.core.paper), names wrap
# (rows as tall as their longest name) instead of shrinking to fit.
ROSTER_HEAD = (("序号", 5), ("县区", 10), ("集群", 12), ("统一社会信用代码", 21), ("企业名称", 28),
               ("是否规上", 5), ("是否龙头", 5), ("所在园区", 18), ("本年累计营业收入", 11),
               ("上年同期营业收入", 11), ("营业收入同比（%）", 8), ("本年累计工业总产值", 11),
               ("上年同期工业总产值", 11), ("从业人员（人）", 8))
PROJECT_HEAD = (("序号", 5), ("县区", 10), ("集群", 12), ("项目名称", 28), ("项目单位", 22), ("建设性质", 5),
                ("项目状态", 5), ("开工时间", 8), ("预计投产时间", 8), ("总投资", 11), ("本年计划投资", 11),
                ("本年累计完成投资", 11), ("本年投资完成率（%）", 8), ("自开工累计完成投资", 11))
WRAPPED = {"roster": (("district", 1), ("cluster", 2), ("name", 4), ("park", 7)),  # (value key, column)
           "projects": (("district", 1), ("cluster", 2), ("name", 3), ("owner", 4))}

# cellXfs indices of detail_book's styles.xml
S_TITLE, S_META, S_HEAD, S_TEXT, S_CENTER, S_CODE, S_AMOUNT, S_RATE, S_INT = range(1, 10)


def fragment_stamp(cat: Catalogue, cross_excluded: Iterable[int] = ()) -> str:
    """What a stored fragment depends on besides the rows: the catalogue (names, decimals) and the rows
    a cross rule excludes this run. A fragment with another stamp is rendered again."""
    rows = ",".join(str(n) for n in sorted(cross_excluded))
    return f"{FRAGMENT_FORMAT}|{cat.fingerprint}|{rows}"


# ---- rendering rows ---------------------------------------------------------------------------------


def _esc(text: str) -> str:
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace("\n", "&#10;"))


def _s(col: str, text, style: int = S_TEXT) -> str:
    # most district text is printable and short: skip the cleaning regex and the escapes then
    t = text if type(text) is str and text.isprintable() and len(text) <= 32767 else clean_for_office(text)
    if not t:
        return f'<c s="{style}"/>'
    space = ' xml:space="preserve"' if t[0].isspace() or t[-1].isspace() else ""
    if "&" in t or "<" in t or ">" in t or "\n" in t:
        t = _esc(t)
    return f'<c s="{style}" t="inlineStr"><is><t{space}>{t}</t></is></c>'


def _n(col: str, value: Decimal | int | None, places: int, style: int) -> str:
    if value is None:
        return f'<c s="{S_CENTER}" t="inlineStr"><is><t>{DASH}</t></is></c>'
    if isinstance(value, Decimal):  # fmt.shown, with the exponent built once
        exp = _EXP.get(places) or _EXP.setdefault(places, Decimal(1).scaleb(-places))
        try:
            shown = value.quantize(exp, rounding=ROUND_HALF_UP)
            # exponent -places: str() writes it without an exponent (as :f does, faster) when places <= 6
            plain = 0 <= places <= 6
        except InvalidOperation:  # more digits than the context holds (1E+30 typed in): no rounding needed
            shown, plain = value, False
        if not shown.is_finite():  # <v>NaN</v> would make Excel repair the file
            return f'<c s="{S_CENTER}" t="inlineStr"><is><t>{DASH}</t></is></c>'
        if not shown:  # -0.001 -> 0.00, not "-0.00"
            shown = abs(shown)
        return f'<c s="{style}"><v>{shown if plain else format(shown, "f")}</v></c>'
    return f'<c s="{style}"><v>{value}</v></c>'


_EXP: dict[int, Decimal] = {}


def _yoy(value: Decimal | None, last: Decimal | None) -> Decimal | None:
    if value is None or last is None or last == 0:
        return None
    return (value / last - 1) * 100


def _month(value) -> str:
    return f"{value.year}-{value.month:02d}" if isinstance(value, dt.date) else (value or "")


_YN = {col: {k: _s(col, k if k in ("是", "否") else DASH, S_CENTER) for k in ("是", "否", None)} for col in "FG"}


def _roster_cells(v: dict, head: str, ap: int, rp: int) -> str:
    return "".join((
        head, _s("D", v.get("credit_code") or "", S_CODE), _s("E", v.get("name") or ""),
        _YN["F"].get(v.get("is_scale")) or _YN["F"][None], _YN["G"].get(v.get("is_leader")) or _YN["G"][None],
        _s("H", v.get("park") or ""),
        _n("I", v.get("revenue"), ap, S_AMOUNT), _n("J", v.get("revenue_ly"), ap, S_AMOUNT),
        _n("K", _yoy(v.get("revenue"), v.get("revenue_ly")), rp, S_RATE),
        _n("L", v.get("output_value"), ap, S_AMOUNT), _n("M", v.get("output_value_ly"), ap, S_AMOUNT),
        _n("N", v.get("employees"), 0, S_INT)))


def _project_cells(v: dict, head: str, ap: int, rp: int) -> str:
    plan, done = v.get("plan_year"), v.get("done_year")
    rate = None if done is None or not plan else done / plan * 100
    return "".join((
        head, _s("D", v.get("name") or ""), _s("E", v.get("owner") or ""),
        _s("F", v.get("nature") or "", S_CENTER), _s("G", v.get("status") or "", S_CENTER),
        _s("H", _month(v.get("start")) or DASH, S_CENTER), _s("I", _month(v.get("finish")) or DASH, S_CENTER),
        _n("J", v.get("total"), ap, S_AMOUNT), _n("K", plan, ap, S_AMOUNT), _n("L", done, ap, S_AMOUNT),
        _n("M", rate, rp, S_RATE), _n("N", v.get("done_total"), ap, S_AMOUNT)))


def render_fragment(key: str, rows: Sequence[Row], district: str, cat: Catalogue) -> tuple[bytes, int]:
    """The rows of one submission's table (only those given: the accepted ones) as a compressed fragment,
    in catalogue cluster order (reading order within a cluster), like the list has always been sorted.
    Returns (compressed fragment, number of rows)."""
    ordered, dname, names = _ordered(key, rows, district, cat)
    data = _fragment_text(key, ordered, dname, names, cat).encode("utf-8")
    return struct.pack("<II", zlib.crc32(data), len(data)) + _deflate(data), len(ordered)


def _ordered(key: str, rows: Sequence[Row], district: str, cat: Catalogue) -> tuple[list[Row], str, dict]:
    """The rows in catalogue cluster order (stable: reading order within a cluster), the district's name
    and the clusters' short names."""
    d = cat.district(district)
    dname = d.name if d else district
    names = {c.code: c.short_name for c in cat.clusters}
    order = {c.code: k for k, c in enumerate(cat.clusters)}
    far = 1 << 30
    rank = [order.get(r.values.get("cluster") or "", far) for r in rows]
    return [rows[i] for i in sorted(range(len(rows)), key=rank.__getitem__)], dname, names


def _fragment_text(key: str, ordered: Sequence[Row], dname: str, names: dict, cat: Catalogue) -> str:
    """The fragment's XML text, built column by column (one comprehension or C-level map per column, not
    a Python call per cell), then the rows interleaved. The same text as ``_fragment_text_per_cell`` (the
    reference, kept for the equivalence test in tests/test_detail_fast.py): each column takes its fast
    path only when every value in it is of the kind that path is exact for (see ``_text_cells``,
    ``_number_cells``), else that whole column goes cell by cell through ``_s``/``_n`` as before."""
    ap, rp = cat.settings.amount_decimals, cat.settings.rate_decimals
    values = [r.values for r in ordered]
    n = len(values)

    def col(k: str) -> list:
        return list(map(dict.get, values, repeat(k)))

    clusters = col("cluster")
    keys = clusters if set(map(type, clusters)) <= {str} else list(map(_or_empty, clusters))  # c or "" is c
    heads: dict = {}  # cluster -> the 县区 and 集群 cells, the same on every row of the cluster
    for c in set(keys):
        heads[c] = _s("B", dname) + _s("C", names.get(c, c))
    columns: list[list[str]] = [_row_starts(n, _tall_rows(key, values, clusters, dname, names)),
                                list(map(heads.__getitem__, keys))]
    if key == "roster":
        revenue, revenue_ly = col("revenue"), col("revenue_ly")
        columns += [_text_cells(col("credit_code"), S_CODE), _text_cells(col("name"), S_TEXT),
                    _yn_cells(col("is_scale"), "F"), _yn_cells(col("is_leader"), "G"),
                    _text_cells(col("park"), S_TEXT),
                    _number_cells(revenue, ap, S_AMOUNT), _number_cells(revenue_ly, ap, S_AMOUNT),
                    _number_cells([None if a is None or b is None or b == 0 else (a / b - 1) * 100  # _yoy
                                   for a, b in zip(revenue, revenue_ly)], rp, S_RATE),
                    _number_cells(col("output_value"), ap, S_AMOUNT),
                    _number_cells(col("output_value_ly"), ap, S_AMOUNT),
                    _number_cells(col("employees"), 0, S_INT)]
    else:
        plan, done = col("plan_year"), col("done_year")
        columns += [_text_cells(col("name"), S_TEXT), _text_cells(col("owner"), S_TEXT),
                    _text_cells(col("nature"), S_CENTER), _text_cells(col("status"), S_CENTER),
                    _month_cells(col("start")), _month_cells(col("finish")),
                    _number_cells(col("total"), ap, S_AMOUNT), _number_cells(plan, ap, S_AMOUNT),
                    _number_cells(done, ap, S_AMOUNT),
                    _number_cells([None if d is None or not p else d / p * 100 for p, d in zip(plan, done)],
                                  rp, S_RATE),
                    _number_cells(col("done_total"), ap, S_AMOUNT)]
    columns[-1] = list(map(str.__add__, columns[-1], repeat("</row>")))
    return "".join(chain.from_iterable(zip(*columns)))


def _or_empty(value):
    return value or ""


_SEQ: list[str] = []  # the 序号 cells 1, 2, 3 …: the same in every fragment
_ROW_SEQ: list[str] = []  # "<row>" and the 序号 cell, for the rows of one line


def _row_starts(n: int, tall: dict[int, int]) -> list[str]:
    """Each row's <row> tag and its 序号 cell (k = 1, 2, 3 …); a row of more than one line (``tall``:
    index -> lines) with its height."""
    if len(_SEQ) < n:
        _SEQ.extend(f'<c s="{S_CENTER}"><v>{k}</v></c>' for k in range(len(_SEQ) + 1, n + 1))
        _ROW_SEQ.extend(_ROW + c for c in _SEQ[len(_ROW_SEQ):])
    starts = _ROW_SEQ[:n]
    for i, lines in tall.items():
        starts[i] = f'<row ht="{13.5 * lines + 4:g}" customHeight="1">{_SEQ[i]}'
    return starts


_STR_OR_NONE = frozenset({str, type(None)})
_DECIMAL_OR_NONE = frozenset({Decimal, type(None)})
_INT_OR_NONE = frozenset({int, type(None)})
_MONTH_KEYS = frozenset({str, type(None), dt.date, dt.datetime})  # no two of these types have equal values


def _text_cells(values: list, style: int) -> list[str]:
    """``_s(…, value or "", style)`` for every value of a column.

    Fast when the column holds only str and None: if the non-empty texts are all printable (then they
    hold no newline, and their only whitespace is the ASCII space), none has &, <, > or a leading or
    trailing space and none is longer than a cell holds, each is written as it is — exactly what ``_s``
    does with such a text (tested on the whole column at once: one join, C-level tests). Otherwise each
    distinct text goes through ``_s`` once (str keys: equal means identical). Any other type in the
    column: ``_s`` cell by cell, as before."""
    if set(map(type, values)) <= _STR_OR_NONE:
        texts = list(filter(None, values))  # None and "" both give the empty cell
        joined = "\n".join(texts)
        if (joined.replace("\n", "").isprintable() and joined.count("\n") == len(texts) - 1
                and not any(ch in joined for ch in "&<>")
                and " \n" not in joined and "\n " not in joined and joined[:1] != " " and joined[-1:] != " "
                and max(map(len, texts), default=0) <= EXCEL_CELL_LIMIT):
            empty, start = f'<c s="{style}"/>', f'<c s="{style}" t="inlineStr"><is><t>'
            return [f'{start}{t}</t></is></c>' if t else empty for t in values]
        memo = {t: _s("", t or "", style) for t in set(values)}
        return list(map(memo.__getitem__, values))
    return [_s("", v or "", style) for v in values]


def _yn_cells(values: list, col: str) -> list[str]:
    """``_YN[col].get(v) or _YN[col][None]`` per value: its cells are non-empty texts, so ``get`` with that
    default is the same, in one C-level map."""
    yn = _YN[col]
    return list(map(yn.get, values, repeat(yn[None])))


def _month_cells(values: list) -> list[str]:
    """``_s(…, _month(value) or DASH, S_CENTER)`` per value: once per distinct value when every value is a
    str, a date or None (no value of one of these types equals one of another, so a dict keyed by value
    is exact); else cell by cell."""
    if set(map(type, values)) <= _MONTH_KEYS:
        memo = {v: _s("", _month(v) or DASH, S_CENTER) for v in set(values)}
        return list(map(memo.__getitem__, values))
    return [_s("", _month(v) or DASH, S_CENTER) for v in values]


_DASH_CELL = f'<c s="{S_CENTER}" t="inlineStr"><is><t>{DASH}</t></is></c>'
_is_not_none = partial(is_not, None)


def _number_cells(values: list, places: int, style: int) -> list[str]:
    """``_n(…, value, places, style)`` for every value of a column.

    Fast for a column of Decimals (and None) with 0 <= places <= 6, all finite: the same half-up
    ``quantize`` as ``_n`` in one comprehension and ``str`` (no exponent at these places, as in ``_n``),
    a negative zero written as zero as ``_n`` does. When a quantize fails (an infinity, a value with more
    digits than the context holds) or gives a non-finite result (NaN), the column goes through ``_n``
    cell by cell. A
    column of ints (and None) is written as ``_n`` writes an int. Anything else: ``_n`` cell by cell."""
    types = set(map(type, values))
    if types <= _DECIMAL_OR_NONE and 0 <= places <= 6:
        some_none = type(None) in types
        exp = _EXP.get(places) or _EXP.setdefault(places, Decimal(1).scaleb(-places))
        try:  # an infinity, a signalling NaN or too many digits raise; a quiet NaN gives NaN
            shown: list | None = ([v if v is None else v.quantize(exp, ROUND_HALF_UP) for v in values] if some_none
                                  else [v.quantize(exp, ROUND_HALF_UP) for v in values])
        except InvalidOperation:
            shown = None
        if shown is not None and all(map(Decimal.is_finite, filter(_is_not_none, shown) if some_none else shown)):
            start = f'<c s="{style}"><v>'
            cells = [f'{start}{t}</v></c>' for t in map(str, shown)]
            zero = str(Decimal(0).quantize(exp))
            negative_zero = f'<c s="{style}"><v>-{zero}</v></c>'
            if negative_zero in cells:  # -0.001 -> 0.00, not "-0.00"
                positive = f'<c s="{style}"><v>{zero}</v></c>'
                cells = [positive if c == negative_zero else c for c in cells]
            if some_none:  # str(None): no Decimal's text is "None"
                none = f'{start}None</v></c>'
                cells = [_DASH_CELL if c == none else c for c in cells]
            return cells
    elif types <= _INT_OR_NONE:
        start = f'<c s="{style}"><v>'
        return [_DASH_CELL if v is None else f'{start}{v}</v></c>' for v in values]
    return [_n("", v, places, style) for v in values]


def _tall_rows(key: str, values: list[dict], clusters: list, dname: str, names: dict) -> dict[int, int]:
    """The rows that need a height (index -> lines) because a wrapped name needs more than one line
    (nothing grows it later): the lines of the 县区/集群 cells once per cluster; of a wrapped text column of str (and None)
    without a line break, ``lines_needed``'s own one-line test (len × 1.75 <= usable) as a length limit,
    and for the longer texts its width sum with each character's width looked up once (``_width``); of
    any other column, ``lines_needed`` per distinct text or per cell, as before. Only rows of more than
    one line are kept (``tall``): most rows are plain ``<row>``."""
    head = ROSTER_HEAD if key == "roster" else PROJECT_HEAD
    wrapped = [(k, head[col][1]) for k, col in WRAPPED[key]]
    per_cluster: dict = {}
    for c in set(clusters):
        shown = {"district": dname, "cluster": names.get(c or "", c)}
        per_cluster[c] = max((lines_needed(str(shown[k] or ""), w) for k, w in wrapped if k in shown), default=1)
    tall: dict[int, int] = {}  # row index -> its lines, for the rows of more than one line

    def keep(index: Iterable[int], lines: Iterable[int]) -> None:
        for i, n in zip(index, lines):
            if n > 1 and n > tall.get(i, 1):
                tall[i] = n

    for k, w in wrapped:
        if k in ("district", "cluster"):
            continue
        col: list = list(map(dict.get, values, repeat(k)))
        types = set(map(type, col))
        if types <= _STR_OR_NONE:
            texts: list[str] = [t or "" for t in col] if type(None) in types else col
            if "\n" not in "".join(texts):
                usable = max(w - 1.0, 1.0)  # as lines_needed
                limit = 0  # the longest text lines_needed calls short: len × 1.75 <= usable
                while (limit + 1) * 1.75 <= usable:
                    limit += 1
                long = list(compress(counting(), map(limit.__lt__, map(len, texts))))
                keep(long, (_lines_of_long(texts[i], usable) for i in long))
            else:
                memo = {t: lines_needed(t, w) for t in set(texts)}
                keep(counting(), map(memo.__getitem__, texts))
        else:
            keep(counting(), (lines_needed(str(t or ""), w) for t in col))
    if max(per_cluster.values(), default=1) > 1:
        for i, c in enumerate(clusters):
            if per_cluster[c] > tall.get(i, 1):
                tall[i] = per_cluster[c]
    return tall


def _lines_of_long(text: str, usable: float) -> int:
    """``lines_needed(text, width)`` of a text without a line break (usable = max(width - 1, 1)): its
    width over the usable width, rounded up, at least 1 — ``text_width`` with each character's width
    looked up once (``_width``)."""
    return max(1, math.ceil(sum(map(_width.__getitem__, text)) / usable))


class _Widths(dict):
    """Character -> its width in ``text_width`` (render/xlsx_styles.py): 1.75 for East Asian wide,
    full-width and ambiguous characters, else 1.0; looked up once per character. Summed in text order
    from 0 like ``text_width``'s ``sum``, so the total is the same float."""

    def __missing__(self, ch: str) -> float:
        width = self[ch] = 1.75 if unicodedata.east_asian_width(ch) in "WFA" else 1.0
        return width


_width = _Widths()


_ROW = "<row>"


def _fragment_text_per_cell(key: str, rows: Sequence[Row], district: str, cat: Catalogue) -> str:
    """The fragment's XML text cell by cell: how it was rendered before the column-wise
    ``_fragment_text`` (issue 13), kept as the reference the equivalence test compares it with."""
    d = cat.district(district)
    dname = d.name if d else district
    names = {c.code: c.short_name for c in cat.clusters}
    order = {c.code: k for k, c in enumerate(cat.clusters)}
    ap, rp = cat.settings.amount_decimals, cat.settings.rate_decimals
    cells = _roster_cells if key == "roster" else _project_cells
    ordered = sorted(rows, key=lambda r: order.get(r.values.get("cluster") or "", 1 << 30))
    heads: dict = {}
    for r in ordered:
        c = r.values.get("cluster") or ""
        if c not in heads:
            heads[c] = _s("B", dname) + _s("C", names.get(c, c))
    head = ROSTER_HEAD if key == "roster" else PROJECT_HEAD
    wrapped = [(k, head[col][1]) for k, col in WRAPPED[key]]
    per_row = [(k, w) for k, w in wrapped if k not in ("district", "cluster")]
    per_cluster: dict = {}

    def row_tag(v: dict) -> str:
        c = v.get("cluster")
        lines = per_cluster.get(c)
        if lines is None:
            texts = {"district": dname, "cluster": names.get(c or "", c)}
            lines = per_cluster[c] = max((lines_needed(str(texts[k] or ""), w) for k, w in wrapped if k in texts),
                                         default=1)
        for k, w in per_row:
            lines = max(lines, lines_needed(str(v.get(k) or ""), w))
        return "<row>" if lines <= 1 else f'<row ht="{13.5 * lines + 4:g}" customHeight="1">'

    return "".join(f'{row_tag(r.values)}<c s="{S_CENTER}"><v>{k}</v></c>'
                   f'{cells(r.values, heads[r.values.get("cluster") or ""], ap, rp)}'
                   f'</row>' for k, r in enumerate(ordered, 1))


def _deflate(data: bytes) -> bytes:
    """A raw deflate segment ending on a byte boundary without a final block: segments concatenate."""
    c = zlib.compressobj(1, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush(zlib.Z_SYNC_FLUSH)
