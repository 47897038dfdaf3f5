# Over 500 lines: reading a form is one sequence (identity, headers, cells, normalisation) sharing per-file state;
# the data rows are read column by column, with the row-by-row reading kept as the reference and for ragged sheets.
"""Reading one district workbook into a Submission.

The file first passes the safety pre-check (forms/safety.py); only then does python-calamine read the
cell values (never openpyxl: calamine is an order of magnitude faster and never evaluates anything).
Tables are found by their header labels, not by position, so districts may insert rows above a table,
leave blank rows inside it, or re-save the file in Excel, WPS or LibreOffice.

Values are normalised per column kind (forms/layout.py); a value that cannot be understood is stored as
None with the typed text in ``row.raw`` and left to the checks to report. The reader itself reports only
what it alone can see: formulas without a cached value (R-NO-CACHED), content below the sign-off line
(R-EXTRA-ROW) and macro-enabled files (F-MACRO). Everything that makes the file unusable raises
ReadRefused with one Chinese finding.
"""
from __future__ import annotations

import datetime as dt
import functools
import hashlib
import io
import itertools
import math
import operator
import re
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

from reporttool.catalogue.model import ALL, AREA_LABEL, Catalogue
from reporttool.core.models import Finding, FormIdentity, Period, ReadRefused, Row, Submission, Table, parse_period
from reporttool.core.rules import finding
from reporttool.core.safety import Limits, SafetyReport, precheck
from reporttool.core.units import cell_ref, clean_text, readable_name, tidy, to_decimal
from reporttool.forms import layout as L
from reporttool.forms.identity import check_identity

_PER_ROW_KINDS = (L.AMOUNT, L.INT, L.CODE)  # a merge over rows in these columns is R-MERGED (see _unmerge)
HEADER_SCAN_ROWS = 60  # the header row must be within the first rows of a sheet
RATE_UNIT = "%"
# A row whose label cell says 合计/小计/总计/共计 ("合 计", "合计：", "小计（3户）", "化工产业集群小计",
# "全县合计") is a total, not data: a short label ending in one of these words.
_TOTAL_ROW = re.compile(r"[^:：(（]{0,20}?(合计|小计|总计|共计)([:：(（].*)?")
_TOTAL_KINDS = (L.SEQ, L.CODE, L.TEXT, L.CLUSTER, L.FIXED)
_CODE_ROW = re.compile(r"[甲乙丙丁戊己庚辛壬癸]|\d{1,3}")
_UNIT_SUFFIX = re.compile(r"\([^()]*\)$")
_SIGNOFF = re.compile("|".join(re.escape(m) for m in L.SIGNOFF_MARKERS))
assert not any("\n" in m for m in L.SIGNOFF_MARKERS)
# Control characters (C0/C1 except tab/newline) and invisible format characters people paste in.
_CONTROL = {c: None for c in [*range(0, 9), 11, 12, *range(14, 32), *range(127, 160),
                              *range(0x200B, 0x2010), *range(0x202A, 0x202F), *range(0x2060, 0x2065), 0xFEFF]}


def strip_controls(text: str) -> str:
    """Remove control and invisible format characters (the one place the reader does it)."""
    return text.translate(_CONTROL)


def _cell(row: list, col: int) -> Any:
    """Cell value at 1-based ``col``; strings lose control characters; "" for empty."""
    if col > len(row):
        return ""
    v = row[col - 1]
    if v.__class__ is str:
        return v if v.isprintable() else strip_controls(v)
    return "" if v is None else v


def _as_text(v: Any) -> str:
    """A cell value as the user would see it typed (for row.raw and messages)."""
    if isinstance(v, float):
        return str(int(v)) if v.is_integer() and abs(v) < 1e15 else repr(v)
    if isinstance(v, dt.datetime):
        return v.strftime("%Y-%m-%d %H:%M") if (v.hour or v.minute) else v.date().isoformat()
    if isinstance(v, (dt.date, dt.time)):
        return v.isoformat()
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    return tidy(v)


def _label(v: Any) -> str:
    """Header text for matching: NFKC, no spaces, no leading/trailing '*', no trailing (unit)."""
    t = clean_text(v).replace(" ", "").strip("*※")
    return _UNIT_SUFFIX.sub("", t) if t.endswith(")") else t


def _text(v: Any) -> str | None:
    """Display text: whitespace collapsed, characters as typed."""
    if v.__class__ is str:
        return " ".join(v.split()) or None
    return tidy(_as_text(v)) or None


# ---- value normalisers: (cell) -> value; raise ValueError when not understood -------------------------

def _code(v: Any) -> str | None:
    """A code (统一社会信用代码): NFKC, whitespace collapsed, upper case."""
    if v.__class__ is str and v.isascii() and v.isalnum():
        return v.upper()  # hot, and already clean: NFKC leaves ASCII as it is, and there is no space
    return clean_text(v if v.__class__ is str else _as_text(v)).upper() or None


def to_amount(v: Any) -> Decimal | None:
    """Amount cell -> Decimal (None when empty or a "nothing" mark such as "—").

    A percentage typed as text ("12%") is not understood: in a 万元 column it would silently become 12
    万元. Only rows of an indicator whose unit is % accept it (``to_rate``, see _Ctx._identify_output).
    """
    if isinstance(v, float):
        if v.is_integer() and abs(v) < 1e15:
            return Decimal(int(v))
        # to_decimal's own float branch (through repr), without its checks of other types: hot
        return Decimal(repr(v)) if math.isfinite(v) else to_decimal(v)
    if isinstance(v, (bool, dt.date, dt.time, dt.timedelta)):
        raise ValueError("非数值")
    if v.__class__ is str and ("%" in v or "％" in v):
        raise ValueError("百分数")
    return to_decimal(v)


def to_rate(v: Any) -> Decimal | None:
    """A value of a % indicator: a number, or a percentage typed as text ("12%" -> 12)."""
    return to_decimal(v) if v.__class__ is str else to_amount(v)


def to_int(v: Any) -> int | None:
    """Whole-number cell -> int (None when empty); 3.5 is not understood."""
    if v.__class__ is float and v.is_integer():
        return int(v)
    d = to_amount(v)
    if d is None:
        return None
    if d != d.to_integral_value():
        raise ValueError("非整数")
    return int(d)


_YM = re.compile(r"(\d{4})\s*(?:[-/.年])\s*(\d{1,2})\s*(?:月)?(?:\s*(?:[-/.])?\s*(\d{1,2})\s*日?)?"
                 r"(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?")
_YM_COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})?")
EXCEL_EPOCH = dt.date(1899, 12, 30)


def to_date(v: Any) -> dt.date | None:
    """Excel date, "2025-03", "2025年3月", "2025.3", "2025/3/1", "202503" -> date (day 1 if none).

    A number typed as 2025.1 is refused: Excel stores "2025.10" (October) as the same number.
    """
    if isinstance(v, dt.datetime):
        return v.date()
    if isinstance(v, dt.date):
        return v
    if isinstance(v, (bool, dt.time, dt.timedelta)):
        raise ValueError("非日期")
    if isinstance(v, (int, float)):
        if isinstance(v, float) and not v.is_integer():
            text = repr(v)
            year, _, frac = text.partition(".")
            if len(year) == 4 and frac == "1":
                raise ValueError("有歧义的年月")
            return _ymd(year, frac, None)
        n = int(v)
        if 190001 <= n <= 210012:
            return _ymd(str(n)[:4], str(n)[4:], None)
        if 19000101 <= n <= 21001231:
            return _ymd(str(n)[:4], str(n)[4:6], str(n)[6:])
        if 1 <= n <= 80000:  # an Excel serial day number not formatted as a date
            return EXCEL_EPOCH + dt.timedelta(days=n)
        raise ValueError("非日期")
    text = clean_text(v)
    if not text or text.lower() in ("-", "—", "--", "——", "/", "无"):
        return None
    m = _YM.fullmatch(text) or _YM_COMPACT.fullmatch(text)
    if not m:
        raise ValueError("非日期")
    return _ymd(m.group(1), m.group(2), m.group(3))


def _ymd(year: str, month: str, day: str | None) -> dt.date:
    y, m, d = int(year), int(month), int(day) if day else 1
    if not (1900 <= y <= 2100):
        raise ValueError("年份超出范围")
    return dt.date(y, m, d)  # ValueError for month 13, day 32 ...


# ---- the reader -------------------------------------------------------------------------------------


def read_submission(path: Path, cat: Catalogue, *, expected_period: Period | None = None,
                    expected_district: str | None = None, safety: SafetyReport | None = None,
                    limits: Limits | None = None) -> tuple[Submission, list[Finding]]:
    """Read one district workbook; raise ReadRefused when the file cannot be used at all.

    ``safety`` is the pre-check's report when the caller already ran it (it is run here otherwise).
    Returns the Submission and the reader's own findings (R-NO-CACHED, R-EXTRA-ROW, F-MACRO).
    """
    path = Path(path)
    report = safety or precheck(path, limits)
    name = readable_name(path.name)
    data = path.read_bytes()
    sha = hashlib.sha256(data).hexdigest()
    try:
        from python_calamine import CalamineWorkbook

        if name == path.name:
            wb = CalamineWorkbook.from_path(str(path))
        else:  # calamine cannot open a path that is not UTF-8 (a GBK name): hand it the bytes
            wb = CalamineWorkbook.from_filelike(io.BytesIO(data))
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:  # calamine's errors, and a Rust panic (pyo3 PanicException is a BaseException)
        raise ReadRefused(finding("F-UNREADABLE", file=name, detail=f"工作簿结构损坏：{_short(exc)}")) from None
    with wb:
        identity = _identity(wb, cat, name, expected_period, expected_district)
        sub = Submission(path=str(path), file_name=name, sha256=sha, identity=identity)
        findings: list[Finding] = []
        if report.is_macro:
            findings.append(finding("F-MACRO", file=name, district=identity.district))
        names = {clean_text(n).replace(" ", ""): n for n in wb.sheet_names}
        units: dict[str, str] = {}  # sheet -> 填报单位 typed above its table
        for spec in L.DATA_SHEETS:
            sheet = names.get(clean_text(spec.name).replace(" ", ""))
            if sheet is None:
                raise ReadRefused(finding("F-MISSING-SHEET", file=name, district=identity.district, sheet=spec.name))
            ws = _sheet(wb, sheet, name, identity.district)  # parsed once for its cells and its merges
            grid = _grid(ws, sheet, name, identity.district)
            ctx = _Ctx(cat, name, identity.district, sheet, spec, report.uncached(sheet), findings,
                       report.percent(sheet))
            sub.tables[spec.key] = ctx.read(grid, _merges(ws))
            header = _header_line(grid, sub.tables[spec.key].header_row)
            units[sheet] = header.get("填报单位", "")
            if not sub.header:
                sub.header = header
        findings += check_identity(cat, name, identity.district, units, sub.tables)
    return sub, findings


_NO_RAW = object()  # _convert_one: the cell has no raw text
# the cell types a column may hold for _convert_column's one-conversion-per-distinct-value path (hashable, and
# equal values of one type read the same); calamine gives these
_MEMO_TYPES = frozenset({str, float, int, bool, dt.datetime, dt.date, dt.time, dt.timedelta, type(None)})


def _text_at(col: tuple | list, pos: int) -> int:
    """The index in ``col`` of the text holding position ``pos`` of "\n".join(_texts(col))."""
    at = 0
    for i, v in enumerate(col):
        if v.__class__ is str:
            end = at + len(v)
            if pos < end:
                return i
            at = end + 1
    raise ValueError(pos)  # pragma: no cover - pos comes from a match in the joined texts


def _numbers(col: tuple | list, amount: bool) -> list | None:
    """An amount (``amount``) or count column of floats and empty cells read as to_amount / to_int read each
    cell; None when the column holds anything else (a text, a bool, a date, NaN, 3.5 as a count)."""
    try:
        floats, at = col, None
        whole = list(map(float.is_integer, col))  # TypeError unless every cell is a float
    except TypeError:
        at = [i for i, v in enumerate(col) if v.__class__ is float]
        if col.count("") != len(col) - len(at):
            return None  # a text that is not empty (or a bool, a date …)
        floats = [col[i] for i in at]
        whole = list(map(float.is_integer, floats))
    if not all(map(math.isfinite, floats)):
        return None
    got: list
    if amount:
        got = list(map(Decimal, map(repr, floats)))
        if True in whole:
            for i in itertools.compress(range(len(floats)), whole):
                if abs(floats[i]) < 1e15:
                    got[i] = Decimal(int(floats[i]))
    elif False in whole:
        return None
    else:
        got = list(map(int, floats))
    if at is None:
        return got
    vals: list = [None] * len(col)
    for i, d in zip(at, got):
        vals[i] = d
    return vals


@functools.lru_cache(maxsize=16)
def _dict_maker(keys: tuple[str, ...]) -> Callable[..., dict[str, Any]]:
    """A function (v1, v2, …) -> {keys[0]: v1, keys[1]: v2, …}: a row's values dict built by one dict display,
    twice as fast as dict(zip(keys, values)) for the thousands of rows of a sheet. The keys are the
    layout's column keys (repr keeps any text a literal)."""
    args = [f"v{i}" for i in range(len(keys))]
    body = ", ".join(f"{k!r}: {a}" for k, a in zip(keys, args))
    return eval(f"lambda {', '.join(args)}: {{{body}}}")  # noqa: S307 - built from repr()s of our own keys


def _empty_dicts(n: int) -> Iterator[dict]:
    """n new empty dicts (each row's own raw)."""
    return map(dict, itertools.repeat((), n))


def _short(exc: BaseException) -> str:
    """The parser's own words (English), kept short: they help whoever looks into the file."""
    text = " ".join(strip_controls(str(exc)).split()) or type(exc).__name__
    return text[:80]


def _sheet(wb, sheet: str, name: str, district: str = ""):
    """The parsed sheet (calamine parses the sheet's XML at each get_sheet_by_name: once per sheet)."""
    try:
        return wb.get_sheet_by_name(sheet)
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:  # see read_submission
        raise ReadRefused(finding("F-UNREADABLE", file=name, district=district, sheet=sheet,
                                  detail=f"工作表“{sheet}”内容损坏：{_short(exc)}")) from None


def _grid(ws, sheet: str, name: str, district: str = "") -> list[list]:
    """The cells of a parsed sheet (_sheet), every row as long as the sheet's used width."""
    try:
        return ws.to_python(skip_empty_area=False)
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:  # see read_submission
        raise ReadRefused(finding("F-UNREADABLE", file=name, district=district, sheet=sheet,
                                  detail=f"工作表“{sheet}”内容损坏：{_short(exc)}")) from None


def _merges(ws) -> list[tuple[int, int, int, int]]:
    """Merged ranges of a parsed sheet spanning more than one row, as 1-based (first row, first col, last
    row, last col); [] when the file does not say (the data is then read cell by cell as before)."""
    try:
        ranges = ws.merged_cell_ranges or []
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException:  # noqa: BLE001 - an unreadable merge list only loses the merge handling
        return []
    out = []
    for rng in ranges:
        try:
            (r0, c0), (r1, c1) = rng
        except (TypeError, ValueError):
            continue
        if r1 > r0:
            out.append((r0 + 1, c0 + 1, r1 + 1, c1 + 1))
    return out


def _identity(wb, cat: Catalogue, name: str, expected_period: Period | None,
              expected_district: str | None) -> FormIdentity:
    """Read and check the hidden identity sheet; refuse forms that are not ours, stale or misdirected."""
    if L.META_SHEET not in wb.sheet_names:
        raise ReadRefused(finding("F-NOT-OUR-FORM", file=name))
    fields: dict[str, str] = {}
    for row in _grid(_sheet(wb, L.META_SHEET, name), L.META_SHEET, name):
        label = clean_text(_cell(row, 1))
        if label in L.META_KEYS:
            fields[L.META_KEYS[label]] = clean_text(_as_text(_cell(row, 2)))
    if fields.get("template_id") != L.TEMPLATE_ID:
        raise ReadRefused(finding("F-NOT-OUR-FORM", file=name))
    district = fields.get("district", "")
    expected_version = L.form_version(cat.settings.template_version)
    if fields.get("version") != expected_version:
        raise ReadRefused(finding("F-STALE-VERSION", file=name, district=district,
                                  found=fields.get("version") or "（空）", expected=expected_version))
    if fields.get("fingerprint") != cat.fingerprint:
        raise ReadRefused(finding("F-FINGERPRINT", file=name, district=district, words=cat.words,
                                  found=fields.get("fingerprint") or "（空）", expected=cat.fingerprint))
    d = cat.district(district)
    if d is None:
        raise ReadRefused(finding("F-DISTRICT-MISMATCH", file=name, district=district,
                                  detail=f"报表的{cat.words.unit}代码“{district}”不在目标库的{cat.words.unit}名单中，"
                                         "请使用下发给本单位的模板填写。"))
    if expected_district and district != expected_district:
        want = cat.district(expected_district)
        want_text = f"{want.name}（{want.code}）" if want else expected_district
        raise ReadRefused(finding("F-DISTRICT-MISMATCH", file=name, district=district,
                                  detail=f"报表的填报单位为{d.name}（{d.code}），本次要求的是{want_text}。"))
    try:
        period = parse_period(fields.get("period", ""))
    except ValueError:
        raise ReadRefused(finding("F-PERIOD-MISMATCH", file=name, district=district,
                                  found=fields.get("period") or "（空）",
                                  expected=expected_period.label if expected_period else "（未指定）")) from None
    if expected_period and period.key != expected_period.key:
        raise ReadRefused(finding("F-PERIOD-MISMATCH", file=name, district=district,
                                  found=period.label, expected=expected_period.label))
    return FormIdentity(template_id=fields["template_id"], version=fields["version"], district=district,
                        period=period.key, fingerprint=fields["fingerprint"], city=fields.get("city", ""))


def _header_line(grid: list[list], header_row: int) -> dict[str, str]:
    """The 填报单位 / 报告期 line above the table, as typed."""
    out: dict[str, str] = {}
    for row in grid[:header_row - 1]:
        cells = [_as_text(_cell(row, c)) for c in range(1, len(row) + 1)]
        for i, text in enumerate(cells):
            for label in ("填报单位", "报告期"):
                if label not in text or label in out:
                    continue
                rest = re.split(r"[:：]", text.split(label, 1)[1], maxsplit=1)
                value = rest[-1] if len(rest) > 1 else rest[0]
                value = re.split(r"\s{2,}|报告期|填报单位|单位[:：]", value.strip())[0].strip()
                if not value:
                    value = next((t for t in cells[i + 1:] if t), "")
                    value = "" if "报告期" in value or "单位" in value[:2] else value
                out[label] = value
    return out


class _Ctx:
    """Reading one data sheet."""

    def __init__(self, cat: Catalogue, file: str, district: str, sheet: str, spec: L.SheetSpec,
                 uncached: list[tuple[int, int]], findings: list[Finding],
                 percent: frozenset[tuple[int, int]] = frozenset()):
        self.cat, self.file, self.district, self.sheet, self.spec = cat, file, district, sheet, spec
        self.uncached, self.findings, self.percent = uncached, findings, percent
        self._clusters: dict[str, str | None] = {}
        self._cluster_of: dict[str, str | None] = {}  # _cluster's result per cell text as typed
        self._label_memo: dict[str, str | None] = {}  # cell text -> header column key (_is_header_again)

    def refuse(self, code: str, **fields) -> ReadRefused:
        return ReadRefused(finding(code, file=self.file, district=self.district, sheet=self.sheet, **fields))

    # ---- header ----------------------------------------------------------------------------------
    def _find_header(self, grid: list[list]) -> tuple[int, dict[str, int]]:
        labels: dict[str, str] = {}
        best_cols: dict[str, int]
        for col in self.spec.columns:
            for t in (col.title, *col.aliases):
                labels.setdefault(_label(t), col.key)
        best, best_cols = 0, {}  # the header row and its columns (key -> column number)
        every = len(set(labels.values()))
        for r, row in enumerate(grid[:HEADER_SCAN_ROWS], start=1):
            cols: dict[str, int] = {}
            for c, v in enumerate(row, start=1):
                if v.__class__ is str and v:
                    key = labels.get(_label(strip_controls(v)))
                    if key and key not in cols:
                        cols[key] = c
            if len(cols) > len(best_cols):
                best, best_cols = r, cols
                if len(cols) == every:
                    break  # no later row can have more of the titles (the first row with the most wins)
        self._labels = labels
        need = [c for c in self.spec.columns if c.kind not in (L.SEQ, L.FIXED)]
        if self.spec.key == L.OUTPUT.key:
            for pair in (("cluster_code", "cluster"), ("indicator_code", "indicator")):
                if not any(k in best_cols for k in pair):
                    need.append(self.spec.column(pair[0]))
        missing = [c for c in need if c.key not in best_cols]
        if missing or len(best_cols) < 2:
            title = missing[0].title if missing else need[0].title
            raise self.refuse("F-MISSING-COLUMN", column=title)
        return best, best_cols

    # ---- rows ------------------------------------------------------------------------------------
    def read(self, grid: list[list], merges: list[tuple[int, int, int, int]] | None = None, *,
             exact: bool = False) -> Table:
        """The sheet's table. ``exact``: the per-row reference path only (_rows_by_row; tests compare the two)."""
        header, cols = self._find_header(grid)
        table = Table(sheet=self.sheet, key=self.spec.key, header_row=header, columns=cols)
        start = header + 1
        if start <= len(grid) and self._is_code_row(grid[start - 1], cols):
            start += 1
        self._filled: set[tuple[int, int]] = set()  # cells given their merge's value (see _unmerge)
        if merges:
            self._unmerge(grid, merges, start, cols)
        convs = [(k, c - 1, self._converter(self.spec.column(k)))
                 for k, c in sorted(cols.items(), key=lambda kv: kv[1]) if k != "seq"]
        self._cluster_keys = {k for k in cols if self.spec.column(k).kind == L.CLUSTER}
        self._number_keys = {k for k in cols if self.spec.column(k).kind in (L.AMOUNT, L.INT)}
        self._codes = {c.code for c in self.cat.clusters}
        data_keys = [k for k in cols if self.spec.column(k).kind not in (L.SEQ, L.FIXED)]
        width = max(cols.values())
        label_cols = self._label_columns(cols)
        # _is_header_again's quick count: the cells of the header's columns, in one C call
        getter = operator.itemgetter(*(c - 1 for c in cols.values()))
        self._cells_of: Callable[[list], tuple] = getter if len(cols) > 1 else (lambda row: (getter(row),))
        self._width = width
        self._texts_bound = "" not in self._labels  # an empty cell is never a title
        args = (grid, start, cols, convs, data_keys, label_cols, table)
        signoff = self._rows_by_column(*args) if not exact else None
        if signoff is None:
            signoff = self._rows_by_row(*args)
        self._extra_rows(grid, signoff)
        self._no_cached(table, start, signoff)
        return table

    # ---- rows, column by column (the fast path) ---------------------------------------------------------
    # A district form has thousands of rows and a dozen columns; calling a test and a converter per cell is
    # what reading cost. _rows_by_column gives exactly what _rows_by_row gives (tests/test_speed_paths.py
    # compares them on generated sheets), working on whole columns:
    # - the per-row tests (sign-off line, 合计 label, header typed again) first run once per column as a
    #   necessary condition; only the rows that can match are then tested with the per-row functions;
    # - values are converted per column (_convert_column): C-level maps for the clean common columns,
    #   else one conversion per distinct value, else (percentage-formatted cells) the per-cell rule.
    # Blank rows need no test of their own: a blank row has no text (no sign-off, 合计 or title) and every
    # value None, so it is dropped as a row with no data (``present`` empty), as _rows_by_row drops it.
    # Sheets it does not handle (rows of different lengths, e.g. a merge past the used width) return None:
    # the caller then takes _rows_by_row.

    def _rows_by_column(self, grid: list[list], start: int, cols: dict[str, int], convs: list,
                        data_keys: list[str], label_cols: list[int], table: Table) -> int | None:
        region = grid[start - 1:]
        if not region:
            return start
        lengths = set(map(len, region))
        if len(lengths) != 1 or lengths.pop() < self._width:
            return None
        columns = list(zip(*region))
        # the sign-off line: the first row with a marker in one of its texts. A marker has no line break, so
        # in a column's texts joined by line breaks the first occurrence of any marker is in the first text
        # that holds one; the row is the earliest over the columns.
        s = len(region)
        all_text: list[bool] = []  # per column: it holds nothing but texts
        column_texts: list[tuple | list] = []  # per column: its texts, in order
        for col in columns:
            try:
                joined = "\n".join(col)
                all_text.append(True)
                column_texts.append(col)
            except TypeError:
                column_texts.append([v for v in col if v.__class__ is str])
                joined = "\n".join(column_texts[-1])
                all_text.append(False)
            at = [p for p in map(joined.find, L.SIGNOFF_MARKERS) if p >= 0]
            if at:
                s = min(s, _text_at(col, min(at)))
        if s < len(region):
            column_texts = [t[:len(t) - sum(1 for v in col[s:] if v.__class__ is str)]
                            for t, col in zip(column_texts, columns)]
            columns = [col[:s] for col in columns]

        def texts(c: int) -> tuple | list:  # the texts of sheet column c (1-based) above the sign-off line
            return column_texts[c - 1]

        # rows that are not data: a 合计 label needs 计 in a label column; the header typed again needs
        # enough of its titles (_header_candidates); the per-row tests decide for those rows only
        totals: set[int] = set()
        for c in label_cols:
            if "计" in "\n".join(texts(c)):
                totals.update(i for i, v in enumerate(columns[c - 1]) if v.__class__ is str and "计" in v)
        out: list[tuple[int, Finding]] = []  # (index, finding): the findings of skipped rows, in row order
        for i in sorted(totals | self._header_candidates(columns, cols, texts)):
            row, r = region[i], start + i
            total = self._total_label(row, label_cols) if i in totals else None
            if total is not None:
                out.append((i, self._total_finding(r, total[0], total[1], cols)))
            elif self._is_header_again(row, cols):
                out.append((i, self._header_finding(r, row, cols)))
        skipped = {i for i, _ in out}
        keep = [i for i in range(s) if i not in skipped] if skipped else range(s)
        numbers = [start + i for i in keep]
        keys: list[str] = []
        values: list[list] = []
        raws: dict[int, dict[str, Any]] = {}  # index in keep -> the row's raw, keys in column order
        for key, c0, conv in convs:
            col = columns[c0]
            if skipped:
                col = tuple(col[i] for i in keep)
            vals, raw = self._convert_column(key, c0, conv, col, numbers, all_text[c0])
            keys.append(key)
            values.append(vals)
            for j, text in raw.items():
                raws.setdefault(j, {})[key] = text
        if not keys:
            return start + s  # pragma: no cover - a header has two columns or more, one of them data
        # rows empty in every data column are not rows; a row with only 说明 is R-NOTE-ONLY-ROW. When a data
        # column other than 说明 has a value on every row (and no cell was filled from a merge), every row has data.
        dense = not self._filled and any(k in data_keys and k != "note" and None not in v for k, v in zip(keys, values))
        output = self.spec.key == L.OUTPUT.key
        records = list(map(Row, numbers, map(_dict_maker(tuple(keys)), *values),
                           [raws.get(j) or {} for j in range(len(numbers))] if raws else _empty_dicts(len(numbers))))
        if output:
            for record in records:
                self._identify_output(record.values, record.raw)
                self._rates(record.values, record.raw)
        if dense:
            table.rows.extend(records)
        else:
            filled = self._filled
            for j, record in enumerate(records):
                r = numbers[j]
                present = [k for k in data_keys
                           if (record.values[k] is not None or k in record.raw) and (r, cols[k]) not in filled]
                if present == ["note"] and not output:
                    out.append((keep[j], self._note_finding(r, region[keep[j]], cols)))
                elif present:
                    table.rows.append(record)
        if out:
            out.sort(key=lambda f: f[0])
            self.findings.extend(f for _, f in out)
        return start + s

    def _header_candidates(self, columns: list[tuple], cols: dict[str, int],
                           texts: Callable[[int], tuple | list]) -> set[int]:
        """Rows (indices into ``columns``) that can be the header typed again (_is_header_again): an upper
        bound of each row's titles, from the columns with few distinct texts (a title is a text whose label
        is its own column's); a column of many distinct texts (names, codes) counts as a title on every row."""
        n = len(columns[0]) if columns else 0
        needed = max(3, len(cols) // 2)
        if not self._texts_bound:
            return set(range(n))  # an empty cell can be a title: not worth a bound
        unbounded = 0
        hits: dict[int, int] = {}
        for key, c in cols.items():
            column = texts(c)
            if len(set(column[:256])) > 64 or len(distinct := set(column)) > 64:
                unbounded += 1
                continue
            titles = {v for v in distinct if self._label_key(v) == key}
            if titles:
                for i, v in enumerate(columns[c - 1]):
                    if v.__class__ is str and v in titles:
                        hits[i] = hits.get(i, 0) + 1
        if unbounded >= needed:
            return set(range(n))
        return {i for i, h in hits.items() if h + unbounded >= needed}

    def _label_key(self, v: str) -> str | None:
        """The header column key a text is the title of (None): _is_header_again's memo."""
        found = self._label_memo.get(v, self._label_memo)
        if found is self._label_memo:
            found = self._label_memo[v] = self._labels.get(_label(strip_controls(v)))
        return found  # type: ignore[return-value]

    def _convert_column(self, key: str, c0: int, conv: Callable[[Any], Any], col: tuple | list,
                        numbers: list[int], all_text: bool) -> tuple[list, dict[int, Any]]:
        """The values of one column (and its raw texts by index) as _row gives them cell by cell.

        ``all_text``: the column holds nothing but str. The fast paths are taken only where they are exactly
        _row's rule:
        - amounts: floats (and empty cells), all finite: Decimal(repr(v)), or Decimal(int(v)) for a whole
          float below 1e15 — to_amount's float branch;
        - counts: whole finite floats (and empty cells): int(v) — to_int's first branch;
        - text: printable strings: whitespace collapsed, "" -> None — _text (an empty cell is None anyway);
        - codes: ASCII letters and digits: upper-cased — _code's first branch;
        - anything else: _convert_one once per distinct value (keyed by type and value: 1.0 and True differ);
          the result depends on nothing else — except for a percentage-formatted cell, which depends on its
          position: a number column holding one goes cell by cell (_column_per_cell).
        """
        kind = self.spec.column(key).kind
        number = key in self._number_keys
        if number and self.percent and any(pc == c0 + 1 for _, pc in self.percent):
            return self._column_per_cell(key, c0, conv, col, numbers)
        if number and not all_text:
            got = _numbers(col, kind == L.AMOUNT)
            if got is not None:
                return got, {}
        elif kind in (L.TEXT, L.FIXED) and all_text and all(map(str.isprintable, col)):
            joined = "\x00".join(col)  # not whitespace: no whitespace in it means none in any text
            parts = joined.split(None, 1)
            if len(parts) == 1 and len(parts[0]) == len(joined):
                return [v or None for v in col], {}  # nothing to collapse: each text as it is
            return [t or None for t in map(" ".join, map(str.split, col))], {}
        elif kind == L.CODE and all_text and all(map(str.isascii, col)) and all(map(str.isalnum, col)):
            return list(map(str.upper, col)), {}
        types = set(map(type, col))
        if not types <= _MEMO_TYPES:
            return self._column_per_cell(key, c0, conv, col, numbers)
        # one conversion per distinct value. A column of one type is keyed by value: equal values of one type
        # read the same (the one equal-but-different pair, 0.0 and -0.0, reads "0" / 0 / Decimal(0) everywhere)
        one = len(types) == 1
        cells = col if one else list(zip(map(type, col), col))
        table: dict[Any, Any] = {}
        raw_of: dict[Any, Any] = {}
        for k in set(cells):
            value, raw = self._convert_one(key, c0, conv, k if one else k[1], 0)
            table[k] = value
            if raw is not _NO_RAW:
                raw_of[k] = raw
        vals = list(map(table.__getitem__, cells))
        if not raw_of:
            return vals, {}
        return vals, {i: raw_of[k] for i, k in enumerate(cells) if k in raw_of}

    def _column_per_cell(self, key: str, c0: int, conv: Callable[[Any], Any], col: tuple | list,
                         numbers: list[int]) -> tuple[list, dict[int, Any]]:
        vals: list = []
        raws: dict[int, Any] = {}
        for i, v in enumerate(col):
            value, raw = self._convert_one(key, c0, conv, v, numbers[i])
            vals.append(value)
            if raw is not _NO_RAW:
                raws[i] = raw
        return vals, raws

    def _convert_one(self, key: str, c: int, conv: Callable[[Any], Any], v: Any, r: int) -> tuple[Any, Any]:
        """One cell of _row: (value, raw text or _NO_RAW). ``r`` matters only for a percentage-formatted cell."""
        if v is None or v == "":
            return None, _NO_RAW
        if v.__class__ is str and not v.isprintable():
            v = strip_controls(v)
        elif self.percent and v.__class__ in (float, int) and key in self._number_keys and (r, c + 1) in self.percent:
            return None, f"{(Decimal(repr(v)) * 100).normalize():f}%"
        try:
            value = conv(v)
        except (ValueError, ArithmeticError, OverflowError):
            return None, _as_text(v)
        if key in self._cluster_keys and value is not None and value not in self._codes:
            return value, value
        return value, _NO_RAW

    def _rows_by_row(self, grid: list[list], start: int, cols: dict[str, int], convs: list, data_keys: list[str],
                     label_cols: list[int], table: Table) -> int:
        """The data rows, one row and one cell at a time: the reference for _rows_by_column, and the path for
        a sheet it does not take. Appends to table.rows and self.findings; returns the sign-off row."""
        width = self._width
        signoff = len(grid) + 1
        for r in range(start, len(grid) + 1):
            row = grid[r - 1]
            if not any(v != "" and v is not None for v in row):
                continue  # blank rows inside the table are skipped, not an end
            if self._is_signoff(row):
                signoff = r
                break
            if len(row) < width:
                row = row + [""] * (width - len(row))
            total = self._total_label(row, label_cols)
            if total is not None:  # one finding, and the row never reaches a sum
                c, text = total
                self.findings.append(self._total_finding(r, c, text, cols))
                continue
            if self._is_header_again(row, cols):  # the header pasted again among the data rows
                self.findings.append(self._header_finding(r, row, cols))
                continue
            record = self._row(r, row, convs)
            # rows empty in every data column (only 序号, spaces, or a value merged down over blank rows) are not rows
            present = [k for k in data_keys
                       if (record.values[k] is not None or k in record.raw) and (r, cols[k]) not in self._filled]
            if present == ["note"] and self.spec.key != L.OUTPUT.key:
                # a remark typed under (or among) the enterprises/projects: no row to attach it to
                self.findings.append(self._note_finding(r, row, cols))
                continue
            if present:
                table.rows.append(record)
        return signoff

    def _total_finding(self, r: int, c: int, text: str, cols: dict[str, int]) -> Finding:
        return finding("R-TOTAL-ROW", file=self.file, district=self.district, sheet=self.sheet, row=r,
                       column=self._title_at(cols, c), cell=cell_ref(r, c), value=text, words=self.cat.words)

    def _header_finding(self, r: int, row: list, cols: dict[str, int]) -> Finding:
        c = min(cols.values())
        return finding("R-HEADER-ROW", file=self.file, district=self.district, sheet=self.sheet, row=r,
                       column=self._title_at(cols, c), cell=cell_ref(r, c), value=_as_text(_cell(row, c)))

    def _note_finding(self, r: int, row: list, cols: dict[str, int]) -> Finding:
        c = cols["note"]
        return finding("R-NOTE-ONLY-ROW", file=self.file, district=self.district, sheet=self.sheet, row=r,
                       column=self._title_at(cols, c), cell=cell_ref(r, c), value=_as_text(_cell(row, c)))

    def _is_header_again(self, row: list, cols: dict[str, int]) -> bool:
        """At least half of the header's titles (and three or more) typed in their own columns: a data row
        never reads like that, and reading it would give one error per cell.

        Hot (every data row): remembers each text's label key (cluster names, 是/否 … repeat on every row),
        looks at the remembered ones and at the non-text cells first, and stops at the first miss too many:
        a data row is over before its names and codes are normalised.
        """
        needed = max(3, len(cols) // 2)
        if (self._texts_bound and len(row) >= self._width  # only a non-empty text can be a title
                and sum(1 for v in self._cells_of(row) if v.__class__ is str and v) < needed):
            return False
        allowed = len(cols) - needed
        hits = misses = 0
        memo = self._label_memo
        unknown: list[tuple[str, str]] = []
        width = len(row)
        for key, c in cols.items():
            v = row[c - 1] if c <= width else ""
            if v is None:
                v = ""  # as _cell gives it
            if v.__class__ is not str:
                misses += 1
            else:
                found = memo.get(v, memo)
                if found is memo:
                    unknown.append((key, v))
                    continue
                if found == key:
                    hits += 1
                    continue
                misses += 1
            if misses > allowed:
                return False
        for key, v in unknown:
            found = memo[v] = self._labels.get(_label(strip_controls(v)))
            if found == key:
                hits += 1
            else:
                misses += 1
                if misses > allowed:
                    return False
        return hits >= needed

    def _unmerge(self, grid: list[list], merges: list[tuple[int, int, int, int]], start: int,
                 cols: dict[str, int]) -> None:
        """Cells merged over several data rows, read as the user means them (docs/reading.md “合并单元格”).

        In a column that describes a group of rows (所属集群, 是否规上, 建设性质, 所在园区, 项目单位, dates,
        说明, and the pre-printed 集群/指标 columns of 集群产出) the merged value applies to every row of the
        merge: it is copied into the grid's covered cells. In a column that identifies or measures one
        row (企业/项目名称, 信用代码, amounts, counts) one value cannot be split among rows: one R-MERGED
        error on the merge's first cell, and the covered rows read empty."""
        by_col = {c: self.spec.column(k) for k, c in cols.items()}
        for r0, c0, r1, c1 in sorted(merges):
            if r1 < start or r0 > len(grid):
                continue  # above the table (title, 填报单位 line) or beyond the sheet
            first, last = max(r0, start), min(r1, len(grid))
            for c in range(c0, c1 + 1):
                col = by_col.get(c)
                if col is None or col.kind == L.SEQ:
                    continue
                value = _cell(grid[r0 - 1], c) if r0 >= start else ""
                if col.kind not in _PER_ROW_KINDS and col.key != "name":
                    if value == "":
                        continue
                    for r in range(first + 1 if r0 >= start else first, last + 1):
                        row = grid[r - 1]
                        if len(row) < c:
                            row.extend([""] * (c - len(row)))
                        if row[c - 1] in ("", None):
                            row[c - 1] = value
                            self._filled.add((r, c))
                elif value != "":
                    self.findings.append(finding(
                        "R-MERGED", file=self.file, district=self.district, sheet=self.sheet, row=r0,
                        column=col.title, cell=cell_ref(r0, c), value=_as_text(value),
                        detail=f"{cell_ref(r0, c)}:{cell_ref(r1, c)}"))

    @staticmethod
    def _is_code_row(row: list, cols: dict[str, int]) -> bool:
        """甲/乙/1/2… under the header, as statistical forms number their columns."""
        texts = [_as_text(_cell(row, c)) for c in cols.values()]
        filled = [t for t in texts if t]
        return len(filled) >= max(2, len(texts) // 2) and all(_CODE_ROW.fullmatch(t) for t in filled)

    def _label_columns(self, cols: dict[str, int]) -> list[int]:
        """The columns where a 合计 label is looked for (序号, codes, names), left to right."""
        return [c for key, c in sorted(cols.items(), key=lambda kv: kv[1])
                if key != "note" and self.spec.column(key).kind in _TOTAL_KINDS]

    def _total_label(self, row: list, label_cols: list[int]) -> tuple[int, str] | None:
        """(column, text) of a 合计/小计/总计 label in the row's label columns (_label_columns), or None."""
        for c in label_cols:
            v = _cell(row, c)
            # every label _TOTAL_ROW matches has 计, and no other character becomes 计 under NFKC
            if v.__class__ is str and "计" in v and _TOTAL_ROW.fullmatch("".join(clean_text(v).split())):
                return c, tidy(v)
        return None

    def _title_at(self, cols: dict[str, int], c: int) -> str:
        return next((self.spec.column(k).title for k, i in cols.items() if i == c), "")

    @staticmethod
    def _is_signoff(row: list) -> bool:
        # one search over the row's texts (a marker has no line break, so it cannot span two texts; nor fit in
        # a text shorter than itself): hot, every row
        return _SIGNOFF.search("\n".join([v for v in row if v.__class__ is str])) is not None

    def _row(self, r: int, row: list, convs: list) -> Row:
        values: dict[str, Any] = {}
        raw: dict[str, Any] = {}
        percent, clusters = self.percent, self._cluster_keys  # hot: every cell of every row
        for key, c, conv in convs:
            v = row[c]
            if v is None or v == "":
                values[key] = None
                continue
            if v.__class__ is str and not v.isprintable():
                v = strip_controls(v)
            elif percent and v.__class__ in (float, int) and key in self._number_keys \
                    and (r, c + 1) in percent:
                # Excel stores a typed "12%" as 0.12 shown as 12%: what the district sees is a percentage
                values[key] = None
                raw[key] = f"{(Decimal(repr(v)) * 100).normalize():f}%"
                continue
            try:
                values[key] = conv(v)
            except (ValueError, ArithmeticError, OverflowError):
                values[key] = None
                raw[key] = _as_text(v)
                continue
            if key in clusters and values[key] is not None and values[key] not in self._codes:
                raw[key] = values[key]  # unknown cluster: kept as typed in both (design.md contract)
        if self.spec.key == L.OUTPUT.key:
            self._identify_output(values, raw)
            self._rates(values, raw)
        return Row(number=r, values=values, raw=raw)

    def _rates(self, values: dict, raw: dict) -> None:
        """On the row of an indicator measured in %, a typed "12%" is the rate 12."""
        ind = self.cat.indicator(values.get("indicator_code") or "")
        if ind is None or RATE_UNIT not in (ind.form_unit, ind.unit):
            return
        for key in ("value", "value_ly"):
            text = raw.get(key)
            if values.get(key) is None and text:
                try:
                    values[key] = to_rate(text)
                except (ValueError, ArithmeticError):
                    continue
                del raw[key]

    def _converter(self, col: L.Column) -> Callable[[Any], Any]:
        """The normaliser of one column: cell value -> value; ValueError when not understood."""
        kind = col.kind
        if kind == L.AMOUNT:
            return to_amount
        if kind == L.INT:
            return to_int
        if kind == L.DATE:
            return to_date
        if kind == L.CHOICE:
            choices = frozenset(col.choices)

            def choice(v: Any) -> str | None:
                if v in choices:
                    return v
                t = clean_text(_as_text(v))
                if t in choices:
                    return t
                if not t or t in ("-", "—", "/"):
                    return None
                raise ValueError("不在选项中")
            return choice
        if kind == L.CLUSTER:
            return self._cluster
        if kind == L.CODE:
            return _code
        return _text  # TEXT, FIXED

    def _cluster(self, v: Any) -> str | None:
        """Cluster name/code -> code; unknown text is kept as typed (the checks report it)."""
        if v.__class__ is str and v in self._cluster_of:
            return self._cluster_of[v]  # hot: the same few names on every row
        t = tidy(_as_text(v))
        if t not in self._clusters:
            c = self.cat.cluster_by_name(t)
            self._clusters[t] = c.code if c else None
        out = self._clusters[t] or t or None
        if v.__class__ is str:
            self._cluster_of[v] = out
        return out

    def _identify_output(self, values: dict, raw: dict) -> None:
        """Output rows are identified by cluster/indicator codes, falling back to their names."""
        code = clean_text(values.get("cluster_code") or "")
        c = self.cat.cluster(code) or self.cat.cluster_by_name(values.get("cluster") or "")
        area = c is None and (code == ALL or clean_text(values.get("cluster") or "") == clean_text(AREA_LABEL))
        if c is None and not area and (code or values.get("cluster")):
            raw["cluster_code"] = code or values.get("cluster")
        values["cluster_code"] = c.code if c else "" if area else None  # "": a district-wide figure
        code = clean_text(values.get("indicator_code") or "")
        ind = self.cat.indicator(code)
        if ind is None and values.get("indicator"):
            wanted = clean_text(values["indicator"])
            ind = next((i for i in self.cat.indicators if clean_text(i.name) == wanted), None)
        if ind is None and (code or values.get("indicator")):
            raw["indicator_code"] = code or values.get("indicator")
        values["indicator_code"] = ind.code if ind else None

    def _extra_rows(self, grid: list[list], signoff: int) -> None:
        """Content below the sign-off line is not read; say so for each row that is not a printed note."""
        notes = {_label(n) for n in self.spec.notes}
        for r in range(signoff + 1, len(grid) + 1):
            texts = [_as_text(_cell(grid[r - 1], c)) for c in range(1, len(grid[r - 1]) + 1)]
            filled = [t for t in texts if t]
            if not filled or (len(filled) == 1 and _label(filled[0]) in notes):
                continue
            if self._is_signoff(grid[r - 1]):
                continue
            self.findings.append(finding("R-EXTRA-ROW", file=self.file, district=self.district,
                                         sheet=self.sheet, row=r, cell=f"A{r}", value=filled[0][:50]))

    def _no_cached(self, table: Table, start: int, signoff: int) -> None:
        by_col = {c: self.spec.column(k) for k, c in table.columns.items()}
        for r, c in sorted(self.uncached):
            if start <= r < signoff and c in by_col:
                self.findings.append(finding("R-NO-CACHED", file=self.file, district=self.district,
                                             sheet=self.sheet, row=r, column=by_col[c].title,
                                             cell=cell_ref(r, c)))
