"""The detail workbook (明细): every accepted enterprise and project, written by a small streaming writer.

Why not xlsxwriter: at province scale (200,000 enterprises ≈ 2.8 M cells) xlsxwriter costs ~13 µs per
cell, and the whole list was rewritten on every run. Here each accepted submission's rows are rendered
ONCE (in the reading worker at ingest, or the first time they are needed) to a fragment: the rows as
position-independent sheet XML (``<row>`` and ``<c>`` without ``r=``: each row is the next row, each
cell the next column — legal OOXML, read alike by openpyxl, python-calamine and LibreOffice, see
tests/test_workbook.py), 序号 counted within the 县区, deflate-compressed as a segment that ends on a
byte boundary, with its CRC-32 and length. The fragment is stored in the ledger with the submission.
A run writes each sheet as its compressed head + the stored segments + its tail: no row is rendered,
compressed or decompressed again, so the cost of a re-run does not grow with the rows listed. Values
only: inline strings (text cleaned with ``clean_for_office`` and XML-escaped, credit codes as text) and
numbers already rounded for display (ROUND_HALF_UP, like ``fmt.shown``). docs/workbook.md.
"""
from __future__ import annotations

import datetime as dt
import math
import struct
import unicodedata
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import partial
from itertools import chain, compress, repeat
from itertools import count as counting
from operator import is_not
from pathlib import Path

from reporttool.catalogue import Catalogue
from reporttool.core.crc import crc32_combine
from reporttool.core.files import atomic_path
from reporttool.core.fmt import DASH
from reporttool.core.models import Period, Row
from reporttool.core.paper import (
    A3_LANDSCAPE,
    BOTTOM_MARGIN,
    FOOTER_MARGIN,
    SIDE_MARGIN,
    TOP_MARGIN,
    header_text,
)
from reporttool.render.xlsx_styles import EXCEL_CELL_LIMIT, clean_for_office, lines_needed

HEADER_ROW = 3  # title, 编制单位/单位 line, header
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
PAPER = A3_LANDSCAPE
SHEETS = {"roster": ("企业名录", ROSTER_HEAD, 5), "projects": ("重点项目", PROJECT_HEAD, 4)}  # key -> name, head, frozen cols

# cellXfs indices of styles.xml below
S_TITLE, S_META, S_HEAD, S_TEXT, S_CENTER, S_CODE, S_AMOUNT, S_RATE, S_INT = range(1, 10)


def _head(cat: Catalogue, head: tuple) -> tuple:
    """The header with the catalogue's unit word in the 县区 column (设区市 for a province)."""
    return tuple((cat.words.unit, w) if title == "县区" else (title, w) for title, w in head)


def detail_name(cat: Catalogue, period: Period) -> str:
    """File name of the detail workbook: 葫芦岛市重点产业集群企业和项目明细（2025年1-6月）.xlsx."""
    s = cat.settings
    return f"{s.city}{s.programme_name}企业和项目明细（{period.span_label}）.xlsx"  # as its titles: Period.span_label


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


# ---- assembling the workbook ------------------------------------------------------------------------


@dataclass
class DetailSheet:
    """One sheet to assemble: its layout key, the note line, and the stored fragments in order."""

    key: str
    note: str
    fragments: list[bytes]
    rows: int  # how many rows the fragments hold (stored beside each fragment)


def _col(i: int) -> str:
    return chr(ord("A") + i)  # 14 columns: A..N


def _sheet_parts(head: tuple, frozen: int, note: str, title: str, count: int, selected: bool) -> tuple[str, str]:
    """The sheet XML before and after the data rows."""
    last_col = _col(len(head) - 1)
    last = HEADER_ROW + count
    top = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
           '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
           'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
           '<sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>'
           f'<dimension ref="A1:{last_col}{last}"/>'
           f'<sheetViews><sheetView {"tabSelected=" + chr(34) + "1" + chr(34) + " " if selected else ""}'
           f'workbookViewId="0"><pane xSplit="{frozen}" ySplit="{HEADER_ROW}" '
           f'topLeftCell="{_col(frozen)}{HEADER_ROW + 1}" activePane="bottomRight" state="frozen"/>'
           f'<selection pane="bottomRight" activeCell="{_col(frozen)}{HEADER_ROW + 1}" '
           f'sqref="{_col(frozen)}{HEADER_ROW + 1}"/></sheetView></sheetViews>'
           '<sheetFormatPr defaultRowHeight="15"/><cols>'
           + "".join(f'<col min="{i + 1}" max="{i + 1}" width="{w}" customWidth="1"/>' for i, (_, w) in enumerate(head))
           + '</cols><sheetData>'
           f'<row r="1" ht="30" customHeight="1"><c r="A1" s="{S_TITLE}" t="inlineStr"><is><t>'
           f'{_esc(clean_for_office(title))}</t></is></c></row>'
           f'<row r="2" ht="20" customHeight="1"><c r="A2" s="{S_META}" t="inlineStr"><is><t>'
           f'{_esc(clean_for_office(note))}</t></is></c></row>'
           f'<row r="{HEADER_ROW}" ht="42" customHeight="1">'
           + "".join(f'<c r="{_col(i)}{HEADER_ROW}" s="{S_HEAD}" t="inlineStr"><is><t>'
                     f'{_esc(header_text(label, w))}</t></is></c>' for i, (label, w) in enumerate(head)) + "</row>")
    # the data rows that follow carry no r=: each is the next row, each cell the next column
    bottom = ('</sheetData>'
              f'<autoFilter ref="A{HEADER_ROW}:{last_col}{last}"/>'
              f'<mergeCells count="2"><mergeCell ref="A1:{last_col}1"/><mergeCell ref="A2:{last_col}2"/></mergeCells>'
              '<printOptions horizontalCentered="1"/>'
              f'<pageMargins left="{SIDE_MARGIN}" right="{SIDE_MARGIN}" top="{TOP_MARGIN}" bottom="{BOTTOM_MARGIN}" '
              f'header="0.3" footer="{FOOTER_MARGIN}"/>'
              f'<pageSetup paperSize="{PAPER.code}" orientation="landscape" fitToWidth="1" fitToHeight="0"/>'
              '<headerFooter><oddFooter>&amp;C第&amp;P页 共&amp;N页</oddFooter></headerFooter></worksheet>')
    return top, bottom


def _styles(ap: int, rp: int) -> str:
    def fmt(places: int) -> str:
        return "0" if places <= 0 else "0." + "0" * places

    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            f'<numFmts count="2"><numFmt numFmtId="164" formatCode="{fmt(ap)}"/>'
            f'<numFmt numFmtId="165" formatCode="{fmt(rp)}"/></numFmts>'
            '<fonts count="3"><font><sz val="10"/><name val="宋体"/><family val="3"/><charset val="134"/></font>'
            '<font><sz val="16"/><name val="黑体"/><family val="3"/><charset val="134"/></font>'
            '<font><sz val="10"/><name val="黑体"/><family val="3"/><charset val="134"/></font></fonts>'
            '<fills count="2"><fill><patternFill patternType="none"/></fill>'
            '<fill><patternFill patternType="gray125"/></fill></fills>'
            '<borders count="2"><border><left/><right/><top/><bottom/><diagonal/></border>'
            '<border><left style="thin"><color auto="1"/></left><right style="thin"><color auto="1"/></right>'
            '<top style="thin"><color auto="1"/></top><bottom style="thin"><color auto="1"/></bottom><diagonal/>'
            '</border></borders>'
            '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
            '<cellXfs count="10">'
            '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
            '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1" applyAlignment="1">'
            '<alignment horizontal="center" vertical="center"/></xf>'
            '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" applyAlignment="1">'
            '<alignment horizontal="left" vertical="center"/></xf>'
            '<xf numFmtId="0" fontId="2" fillId="0" borderId="1" xfId="0" applyFont="1" applyBorder="1" '
            'applyAlignment="1"><alignment horizontal="center" vertical="center" wrapText="1"/></xf>'
            '<xf numFmtId="0" fontId="0" fillId="0" borderId="1" xfId="0" applyBorder="1" applyAlignment="1">'
            '<alignment horizontal="left" vertical="center" wrapText="1"/></xf>'
            '<xf numFmtId="0" fontId="0" fillId="0" borderId="1" xfId="0" applyBorder="1" applyAlignment="1">'
            '<alignment horizontal="center" vertical="center" wrapText="1"/></xf>'
            '<xf numFmtId="49" fontId="0" fillId="0" borderId="1" xfId="0" applyNumberFormat="1" applyBorder="1" '
            'applyAlignment="1"><alignment horizontal="left" vertical="center"/></xf>'
            '<xf numFmtId="164" fontId="0" fillId="0" borderId="1" xfId="0" applyNumberFormat="1" applyBorder="1" '
            'applyAlignment="1"><alignment horizontal="right" vertical="center"/></xf>'
            '<xf numFmtId="165" fontId="0" fillId="0" borderId="1" xfId="0" applyNumberFormat="1" applyBorder="1" '
            'applyAlignment="1"><alignment horizontal="right" vertical="center"/></xf>'
            '<xf numFmtId="1" fontId="0" fillId="0" borderId="1" xfId="0" applyNumberFormat="1" applyBorder="1" '
            'applyAlignment="1"><alignment horizontal="right" vertical="center"/></xf>'
            '</cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
            '</styleSheet>')


def write_detail_book(cat: Catalogue, period: Period, sheets: Sequence[DetailSheet], dest: Path,
                      *, now: dt.datetime | None = None) -> Path:
    """Write the detail workbook to ``dest`` atomically from stored fragments (see the module docstring).

    The fragments are already deflate-compressed: each sheet is written as its compressed head, the
    fragments as stored, its compressed tail and a final block — nothing of the 200,000 rows is
    compressed or even decompressed again. The CRC-32 of the sheet is combined from the stored ones.
    """
    dest = Path(dest)
    s = cat.settings
    now = (now or dt.datetime.now()).replace(microsecond=0)
    names = [SHEETS[sh.key][0] for sh in sheets]
    parts: list[tuple[str, list[bytes]]] = [
        ("[Content_Types].xml", [_content_types(len(sheets)).encode("utf-8")]),
        ("_rels/.rels", [_RELS.encode("utf-8")]),
        ("docProps/core.xml", [_core(detail_name(cat, period)[:-5], s.issuing_unit,
                                     w3cdtf_utc(now)).encode("utf-8")]),
        ("xl/workbook.xml", [_workbook(names, [_head(cat, SHEETS[sh.key][1]) for sh in sheets],
                                       [sh.rows for sh in sheets]).encode("utf-8")]),
        ("xl/_rels/workbook.xml.rels", [_workbook_rels(len(sheets)).encode("utf-8")]),
        ("xl/styles.xml", [_styles(s.amount_decimals, s.rate_decimals).encode("utf-8")]),
    ]
    with atomic_path(dest) as tmp, open(tmp, "wb") as fh:
        z = _ZipWriter(fh, now)
        for name, (data,) in parts:
            z.add(name, zlib.crc32(data), len(data), [_deflate(data) + _FINAL])
        for i, sh in enumerate(sheets):
            _name, head, frozen = SHEETS[sh.key]
            head = _head(cat, head)
            what = "企业名录" if sh.key == "roster" else "重点项目明细"
            title = f"{s.city}{s.programme_name}{what}（{period.span_label}）"
            top, bottom = (t.encode("utf-8") for t in _sheet_parts(head, frozen, sh.note, title, sh.rows, i == 0))
            crc, size = zlib.crc32(top), len(top)
            for frag in sh.fragments:
                f_crc, f_size = struct.unpack_from("<II", frag)
                crc, size = crc32_combine(crc, f_crc, f_size), size + f_size
            crc, size = zlib.crc32(bottom, crc), size + len(bottom)
            segments = [_deflate(top), *(memoryview(f)[8:] for f in sh.fragments), _deflate(bottom) + _FINAL]
            z.add(f"xl/worksheets/sheet{i + 1}.xml", crc, size, segments)
        z.close()
    return dest


_FINAL = zlib.compressobj(1, zlib.DEFLATED, -15).flush()  # an empty final block ends the deflate stream


class _ZipWriter:
    """A minimal zip writer for entries whose deflate data, CRC and sizes are known up front."""

    def __init__(self, fh, when: dt.datetime):
        self.fh = fh
        self.entries: list[tuple[bytes, int, int, int, int]] = []
        self.time = (when.hour << 11) | (when.minute << 5) | (when.second // 2)
        self.date = ((max(when.year, 1980) - 1980) << 9) | (when.month << 5) | when.day

    def add(self, name: str, crc: int, size: int, segments: list) -> None:
        raw = name.encode("utf-8")
        csize = sum(len(seg) for seg in segments)
        offset = self.fh.tell()
        if max(size, csize, offset) >= 0xFFFFFFFF:  # zip64 is not written: 4 GiB of sheet XML is not a city
            raise ValueError("detail workbook too large for a zip without zip64")
        self.fh.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0x0800, 8, self.time, self.date, crc, csize,
                                  size, len(raw), 0) + raw)
        for seg in segments:
            self.fh.write(seg)
        self.entries.append((raw, crc, csize, size, offset))

    def close(self) -> None:
        start = self.fh.tell()
        for raw, crc, csize, size, offset in self.entries:
            self.fh.write(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0x0800, 8, self.time, self.date,
                                      crc, csize, size, len(raw), 0, 0, 0, 0, 0, offset) + raw)
        end = self.fh.tell()
        self.fh.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(self.entries), len(self.entries),
                                  end - start, start, 0))


_RELS = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
         '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
         '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
         'officeDocument" Target="xl/workbook.xml"/>'
         '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/'
         'core-properties" Target="docProps/core.xml"/></Relationships>')


def _content_types(n: int) -> str:
    sheets = "".join(f'<Override PartName="/xl/worksheets/sheet{i + 1}.xml" ContentType="application/'
                     f'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>' for i in range(n))
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/styles.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
            '<Override PartName="/docProps/core.xml" ContentType="application/'
            'vnd.openxmlformats-package.core-properties+xml"/>' + sheets + '</Types>')


def w3cdtf_utc(when: dt.datetime) -> str:
    """``when`` as core.xml wants it: UTC with a Z. A naive time is local time (as the run's clock gives it)."""
    return when.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _core(title: str, author: str, created: str) -> str:
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
            'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
            f'<dc:title>{_esc(clean_for_office(title))}</dc:title><dc:creator>{_esc(clean_for_office(author))}'
            '</dc:creator><dc:description>reporttool 生成</dc:description>'
            f'<dcterms:created xsi:type="dcterms:W3CDTF">{created}</dcterms:created></cp:coreProperties>')


def _workbook(names: list[str], heads: list[tuple], counts: list[int]) -> str:
    sheets = "".join(f'<sheet name="{_esc(n)}" sheetId="{i + 1}" r:id="rId{i + 1}"/>' for i, n in enumerate(names))
    defined = []
    for i, (n, head, count) in enumerate(zip(names, heads, counts)):
        last_col = _col(len(head) - 1)
        defined.append(f'<definedName name="_xlnm._FilterDatabase" localSheetId="{i}" hidden="1">'
                       f"'{_esc(n)}'!$A${HEADER_ROW}:${last_col}${HEADER_ROW + count}</definedName>")
        defined.append(f'<definedName name="_xlnm.Print_Area" localSheetId="{i}">'
                       f"'{_esc(n)}'!$A$1:${last_col}${HEADER_ROW + max(count, 1)}</definedName>")
        defined.append(f'<definedName name="_xlnm.Print_Titles" localSheetId="{i}">'
                       f"'{_esc(n)}'!${HEADER_ROW}:${HEADER_ROW}</definedName>")
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            '<bookViews><workbookView/></bookViews>'
            f'<sheets>{sheets}</sheets><definedNames>{"".join(defined)}</definedNames></workbook>')


def _workbook_rels(n: int) -> str:
    rels = "".join(f'<Relationship Id="rId{i + 1}" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                   f'relationships/worksheet" Target="worksheets/sheet{i + 1}.xml"/>' for i in range(n))
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'{rels}<Relationship Id="rId{n + 1}" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
            'relationships/styles" Target="styles.xml"/></Relationships>')
