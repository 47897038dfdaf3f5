"""The fast paths taken for speed (docs/performance.md) give exactly what the general code gives."""
from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum.cn import uscc

from reporttool.checks.credit_code import USCC_ALPHABET, uscc_check_digit, uscc_compact
from reporttool.render.xlsx_styles import lines_needed, text_width

CODE_CHARS = st.sampled_from(sorted(USCC_ALPHABET))
ANY_TEXT = st.text(st.sampled_from("0123456789ABCDXYZabcxyz -–—‐'´·企业　\n\t9１Ａ"), max_size=24)


@given(st.text(CODE_CHARS, min_size=18, max_size=18))
def test_check_digit_is_stdnums(code):
    assert uscc_check_digit(code) == uscc.calc_check_digit(code[:17])


def test_check_digit_of_a_real_code():
    assert uscc_check_digit("91210000000000000X"[:17] + "?") == uscc.calc_check_digit("91210000000000000")


@given(st.one_of(ANY_TEXT, st.text(CODE_CHARS, min_size=18, max_size=18).map(str.lower)))
def test_compact_is_stdnums(code):
    assert uscc_compact(code) == uscc.compact(code)


def _lines_slow(text: str, width: float) -> int:
    usable = max(width - 1.0, 1.0)
    return sum(max(1, math.ceil(text_width(part) / usable)) for part in text.split("\n"))


@settings(max_examples=300)
@given(st.text(st.sampled_from("a1 企业（）ｱ\n—"), max_size=40), st.floats(0, 40))
def test_lines_needed_short_path_agrees(text, width):
    assert lines_needed(text, width) == _lines_slow(text, width)


@settings(max_examples=300)
@given(st.one_of(ANY_TEXT, st.text(CODE_CHARS, min_size=1, max_size=18).map(str.lower), st.integers(0, 10**18)))
def test_code_reader_fast_path_agrees(value):
    """forms/reader.py _code: an ASCII letters-and-digits cell upper-cased as it is, else NFKC and spaces."""
    from reporttool.core.units import clean_text
    from reporttool.forms.reader import _as_text, _code

    if value == "":
        return  # an empty cell never reaches a converter
    assert _code(value) == (clean_text(value if isinstance(value, str) else _as_text(value)).upper() or None)


@settings(max_examples=300)
@given(st.decimals(allow_nan=False, allow_infinity=False), st.integers(0, 8))
def test_detail_number_cell_is_the_plain_rounded_value(value, places):
    """render/detail_rows.py _n writes the half-up rounded value with str() when that has no exponent: the
    same text as format(…, "f"), which it used for every value (and still uses for huge ones)."""
    from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

    from reporttool.render.detail_rows import S_AMOUNT, _n

    try:
        shown = value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    except InvalidOperation:
        shown = value
    shown = shown if shown else abs(shown)
    assert _n("I", value, places, S_AMOUNT) == f'<c s="{S_AMOUNT}"><v>{format(shown, "f")}</v></c>'


@settings(max_examples=300)
@given(st.lists(st.one_of(st.none(), st.floats(allow_nan=False), st.text(st.sampled_from("单位负责人统计填表 \n:："), max_size=8)),
                max_size=8))
def test_signoff_test_agrees_with_a_search_in_each_text(row):
    """forms/reader.py _is_signoff searches the row's texts joined by line breaks: the same as each text alone."""
    from reporttool.forms.layout import SIGNOFF_MARKERS
    from reporttool.forms.reader import _Ctx

    assert _Ctx._is_signoff(row) == any(m in v for v in row if isinstance(v, str) for m in SIGNOFF_MARKERS)


def test_check_cells_length_bound_is_too_long(small_catalogue):
    """checks/single.py check_cells compares a text's length with the longest allowed (from _cell_columns)
    instead of calling too_long per cell: the same verdict at each limit's edge, for every text column."""
    from reporttool.checks.single import _Checker, too_long
    from reporttool.core.models import Period, Submission, Table
    from reporttool.forms import layout

    seen = set()
    for spec in layout.DATA_SHEETS:
        table = Table(spec.name, spec.key, 3, {c.key: i for i, c in enumerate(spec.columns, 1)}, [])
        sub = Submission("甲.xlsx", "甲.xlsx", "110101", None, {spec.key: table})
        for _col, _key, _kind, limit, _choices, longest in _Checker(sub, small_catalogue, Period(2025, 6)
                                                                    )._cell_columns(table, spec):
            seen.add(limit)
            for n in (limit - 1, limit, limit + 1):
                assert (n > longest) == too_long("x" * n, limit)
    assert seen == {200, 32_767}  # both kinds of limit were met


@given(st.text(st.sampled_from(" \t\n\u3000\xa0\u2028a甲"), max_size=6))
def test_blank_text_test_is_strips(text):
    assert (not text or text.isspace()) == (not text.strip())


def _read_sheet(cat, spec_key: str, grid: list[list], merges, percent, *, exact: bool):
    """One data sheet read by forms/reader.py _Ctx (the fast path, or only the per-row reference path):
    the rows and findings as exact texts (type and repr of every value, dict order included)."""
    import copy

    from reporttool.core.models import ReadRefused
    from reporttool.forms import layout
    from reporttool.forms.reader import _Ctx

    findings: list = []
    ctx = _Ctx(cat, "甲.xlsx", "110101", "表", layout.SHEETS_BY_KEY[spec_key], [(3, 2), (9, 9)], findings, percent)
    if not exact and len({len(r) for r in grid}) == 1:
        ctx._rows_by_row = None  # a sheet of rows of one length never needs the reference path
    try:
        table = ctx.read(copy.deepcopy(grid), merges, exact=exact)
    except ReadRefused as exc:
        return "refused", exc.finding
    rows = [(r.number, [(k, type(v).__name__, repr(v)) for k, v in r.values.items()],
             [(k, type(v).__name__, repr(v)) for k, v in r.raw.items()], r.excluded) for r in table.rows]
    return rows, [repr(f) for f in findings], table.header_row, table.columns


@settings(max_examples=400, deadline=None)
@given(st.integers(0, 2**32), st.sampled_from(["roster", "projects", "output"]))
def test_reader_rows_by_column_are_the_rows_by_row(seed, spec_key):
    """forms/reader.py _rows_by_column (whole columns: per-sheet tests, per-column converters, one conversion
    per distinct value) gives exactly the rows and findings of _rows_by_row (one row and one cell at a time),
    on sheets with odd contents (tests/helpers.py odd_sheet)."""
    import random

    from helpers import make_small_catalogue, odd_sheet

    cat = make_small_catalogue()
    grid, merges, percent = odd_sheet(random.Random(seed), spec_key)
    assert _read_sheet(cat, spec_key, grid, merges, percent, exact=False) == \
        _read_sheet(cat, spec_key, grid, merges, percent, exact=True)


def test_reader_fast_path_reads_a_plain_roster_as_the_reference():
    """A clean roster: every row read, the same values (Decimal(32) for 32.0, Decimal('32.55') for 32.55)."""
    from helpers import make_small_catalogue

    cat = make_small_catalogue()
    grid = [["序号", "统一社会信用代码", "企业名称", "所属集群", "是否规上", "是否龙头", "所在园区", "本年累计营业收入",
             "上年同期营业收入", "本年累计工业总产值", "上年同期工业总产值", "从业人员", "说明"]]
    grid += [[float(i), f"91110000MA{i:07d}X", f"企业{i}", "化工产业集群", "是", "否", "", 32.0, 32.55, "", 1e15,
              12.0, ""] for i in range(1, 4)]
    grid.append(["单位负责人：", "", "", "", "", "", "", "", "", "", "", "", ""])
    fast = _read_sheet(cat, "roster", grid, [], frozenset(), exact=False)
    assert fast == _read_sheet(cat, "roster", grid, [], frozenset(), exact=True)
    rows = fast[0]
    assert [r[0] for r in rows] == [2, 3, 4]
    assert rows[0][1][6:9] == [("revenue", "Decimal", "Decimal('32')"), ("revenue_ly", "Decimal", "Decimal('32.55')"),
                               ("output_value", "NoneType", "None")]
    assert rows[0][1][9] == ("output_value_ly", "Decimal", "Decimal('1000000000000000.0')")


# ---- core/safety.py: the sheet scan (the code before the fast paths, kept here as the reference) -----------

def _long_refs_before(max_rows: int, max_cols: int):
    import re

    from reporttool.core.safety import col_index
    from reporttool.core.units import column_letter

    letters, digits = len(column_letter(max_cols)), len(str(max_rows))
    if letters == 1:
        return re.compile(rb'\sr="([A-Z]{1,4})([0-9]{1,8})"()()'), 0
    pattern = rb'\sr="([A-Z]{%d,4})([0-9]{1,8})"|\sr="([A-Z]{1,%d})([0-9]{%d,8})"' % (letters, letters - 1, digits)
    return re.compile(pattern), col_index("Z" * (letters - 1))


def _scan_rows_before(scan, seg: bytes, lim, refuse) -> None:
    from reporttool.core.safety import _ATTR_R, _ATTR_T, _CELL, _VALUE, _percent_cells, col_index
    from reporttool.core.units import column_letter

    if not seg:
        return
    last_row = seg.rfind(b'<row r="')
    if last_row >= 0:
        digits = seg[last_row + 8:seg.find(b'"', last_row + 8)]
        if digits.isdigit():
            scan.max_row = max(scan.max_row, int(digits))
    pattern, short_max = _long_refs_before(lim.max_rows, lim.max_cols)
    for a, b, c, d in pattern.findall(seg):
        scan.max_col = max(scan.max_col, col_index(a or c))
        scan.max_row = max(scan.max_row, int(b or d))
    if short_max and b' r="' in seg:
        scan.max_col = max(scan.max_col, short_max)
    if scan.max_row > lim.max_rows or scan.max_col > lim.max_cols:
        if scan.max_col <= lim.max_cols:
            raise refuse("F-TOO-MANY-ROWS", sheet=scan.name, rows=f"{scan.max_row:,}", limit=f"{lim.max_rows:,}")
        raise refuse("F-EXTENT", sheet=scan.name,
                     detail=f"最远的单元格在第 {scan.max_row} 行、第 {column_letter(scan.max_col)} 列，"
                            f"上限为 {lim.max_rows:,} 行、{lim.max_cols} 列")
    if scan.percent_xf:
        _percent_cells(scan, seg)
    if b"<f" not in seg:
        return
    for m in _CELL.finditer(seg):
        body = m.group(2)
        if not body or b"<f" not in body or _VALUE.search(body):
            continue
        attrs = m.group(1)
        t = _ATTR_T.search(attrs)
        if t and t.group(1) == b"str" and b"<v" in body:
            continue
        r = _ATTR_R.search(b" " + attrs)
        if r:
            scan.uncached.append((int(r.group(2)), col_index(r.group(1))))


def _scan_sheet_before(scan, chunks, lim, refuse) -> None:
    from reporttool.core.safety import _check_dimension, _hostile

    buf = b""
    first = True
    for chunk in chunks:
        if _hostile(buf[-32:] + chunk):
            raise refuse("F-HOSTILE-XML", part=scan.part)
        buf += chunk
        if first and b"<sheetData" in buf:
            first = False
            _check_dimension(scan, buf, lim, refuse)
        cut = buf.rfind(b"</row>")
        if cut < 0:
            if len(buf) > lim.max_row_xml:
                raise refuse("F-EXTENT", sheet=scan.name, detail="单行内容过多")
            continue
        _scan_rows_before(scan, buf[:cut + 6], lim, refuse)
        buf = buf[cut + 6:]
    if first:
        _check_dimension(scan, buf, lim, refuse)
    _scan_rows_before(scan, buf, lim, refuse)


_REFS = ["A1", "M2010", "Z9", "AA1", "AD7", "GR500", "GS10", "ADT3", "ADU3", "XFD1048576", "A99999", "A100001",
         "B1234567", "AB123456", "ab12", "A", "12", "ZZZZ1", "ZZZZZ1"]
_SEPS = [" ", " ", " ", "\t", "\n", "\r\n ", ""]


def _xml_piece(rng) -> str:
    ref, sep = rng.choice(_REFS), rng.choice(_SEPS)
    return rng.choice([
        f'<row r="{rng.choice((1, 7, 2010, 99999, 100001, 1048576))}" spans="1:13">', "</row>",
        f'<c{sep}r="{ref}" s="{rng.randint(0, 12)}" t="s"><v>{rng.randint(0, 99)}</v></c>', f'<c r="{ref}"/>',
        f'<c{sep}r="{ref}" s="{rng.randint(0, 12)}"/>', f'<c r="{ref}"><f>SUM(A1:A9)</f></c>',
        f'<c r="{ref}"><f>1+1</f><v>2</v></c>', f'<c r="{ref}" t="str"><f>A1</f><v></v></c>',
        f'<c r="{ref}" t="str"><f>A1</f></c>', f'<c{sep}r="{ref}"><f t="shared" si="0"/></c>',
        f'<c r="{ref}" t="inlineStr"><is><t>{"f" * rng.choice((1, 70, 200))} of fifty</t></is></c>',
        f'<c r="{ref}"><c r="A2"><f>1</f></c>', f'<cr="{ref}">', f'x{sep}r="{ref}"', "<fo>", "<f>", "</c>", "<c>",
        '<dataValidation sqref="L7:L2006"><formula1>0</formula1></dataValidation>', f'<c r="{ref}"><v>1</v>',
        "<!-- ! -->", "<sheetData>", '<dimension ref="A1:M2010"/>', f'<dimension ref="{ref}"/>', "f", "<", "r=",
    ])


@settings(max_examples=500, deadline=None)
@given(st.integers(0, 2**32), st.sampled_from([(100_000, 200), (50, 30), (100_000, 20), (100_000, 800)]),
       st.sampled_from([frozenset(), frozenset({3, 5})]))
def test_sheet_scan_is_the_scan_before(seed, limits, percent_xf):
    """core/safety.py _scan_sheet (references by the literal r=", uncached formulas looked for only near each
    "<f", the hostile test by "!" first) finds what the scan of every cell found, refusals included, on
    generated sheet XML cut into chunks anywhere (odd whitespace, far cells, formulas with and without
    values, "<f" outside cells, many an "f" in texts, stray tags)."""
    import random

    from reporttool.core.models import ReadRefused
    from reporttool.core.rules import finding
    from reporttool.core.safety import Limits, SheetScan, _scan_sheet

    rng = random.Random(seed)
    data = "".join(_xml_piece(rng) for _ in range(rng.randint(0, 60))).encode()
    cuts = sorted(rng.sample(range(len(data) + 1), min(len(data) + 1, rng.randint(0, 4))))
    chunks = [data[a:b] for a, b in zip([0, *cuts], [*cuts, len(data)])]
    lim = Limits(max_rows=limits[0], max_cols=limits[1], max_row_xml=rng.choice((32 * 1024 * 1024, 40)))

    def refuse(code: str, **fields) -> ReadRefused:
        return ReadRefused(finding(code, file="甲.xlsx", **fields))

    def scanned(fn):
        scan = SheetScan(name="集群企业", part="xl/worksheets/sheet2.xml", percent_xf=percent_xf)
        try:
            fn(scan, iter(chunks), lim, refuse)
        except ReadRefused as exc:
            return repr(exc.finding)
        return scan

    assert scanned(_scan_sheet) == scanned(_scan_sheet_before)


_PIECES = st.lists(st.sampled_from([b"<!DOCTYPE", b"<!eNtItY", b"<!DOC", b"<!", b"TYPE", b"doctype", b"ENTITY",
                                    "<!doctype".encode("utf-16-le"), "<!ENTITY".encode("utf-16-be"),
                                    "<!do".encode("utf-16-le"), "ctype".encode("utf-16-le"), b"!", b"<", b"x", b"\x00"]),
                   max_size=5).map(b"".join)


@given(st.one_of(st.binary(max_size=40), _PIECES), _PIECES)
def test_hostile_test_by_its_exclamation_mark(tail, chunk):
    """core/safety.py _hostile_at: a declaration in a chunk or across its boundary, looked for only when "!" is there."""
    from reporttool.core.safety import _hostile, _hostile_at

    assert _hostile_at(tail[-32:], chunk) == _hostile(tail[-32:] + chunk)
