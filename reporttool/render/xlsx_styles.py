"""The look of a statistical table (统计表) in xlsxwriter, and the cell writers that go with it.

Shared by the consolidated workbook's sheets: one cached set of formats (header in 黑体, body in 宋体,
totals in bold, 滞后 highlighted), one helper that makes district text safe for Office
(``clean_for_office``), and ``TableSheet``, which writes a sheet top to bottom — title, 编制单位/单位
line, one- or two-level header, body, notes — row by row. The detail lists (200,000 enterprise rows
at province scale) are not written here: render/detail_book.py streams them into their own workbook.
"""
from __future__ import annotations

import functools
import math
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from reporttool.core.fmt import DASH, shown
from reporttool.core.paper import (
    BOTTOM_MARGIN,
    FOOTER,
    FOOTER_MARGIN,
    MM_PER_INCH,
    SIDE_MARGIN,
    TOP_MARGIN,
    Paper,
    paper_for,
    table_units,
)
from reporttool.render.xlsx_fast import FastWorksheet

HEAD_FONT = "黑体"
BODY_FONT = "宋体"
FONT_SIZE = 10
DEFAULT_ROW_PT = 15.0
TITLE_SIZE = 16
ALERT_FONT = "#C00000"
ALERT_FILL = "#FDE2E2"
EXCEL_CELL_LIMIT = 32767

# Characters Excel/WPS reject or show as garbage in a cell: C0 controls except tab and newline, DEL, C1
# controls, lone surrogates and the two non-characters U+FFFE/U+FFFF.
_BAD_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def clean_for_office(text: Any) -> str:
    """District text made safe for a cell: drop control characters Excel rejects, tab -> space, CRLF -> LF.

    The one function used before every string write (workbook and, if wanted, the brief), so a stray
    BEL from a pasted name cannot produce a file Excel must repair. Text is never interpreted: a name
    beginning with "=" stays a name (it is written with write_string).
    """
    if isinstance(text, str):
        return _clean_str(text)
    return "" if text is None else _clean_str(str(text))


@functools.lru_cache(maxsize=8192)  # the same names and labels come back in every block of a table
def _clean_str(text: str) -> str:
    """clean_for_office of a string."""
    s = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    s = _BAD_CHARS.sub("", s)
    return s[:EXCEL_CELL_LIMIT]


@functools.lru_cache(maxsize=8192)
def text_width(text: str) -> float:
    """Display width in Excel column units of 10 pt text: a CJK character takes about 1.75 units."""
    return sum(1.75 if unicodedata.east_asian_width(ch) in "WFA" else 1.0 for ch in text)


@functools.lru_cache(maxsize=8192)  # asked for each row's stub texts: the same few names in every block
def lines_needed(text: str, width: float) -> int:
    """How many lines ``text`` takes in a wrapped cell ``width`` units wide (newlines respected)."""
    usable = max(width - 1.0, 1.0)
    if len(text) * 1.75 <= usable and "\n" not in text:  # short: one line whatever the characters (hot)
        return 1
    return sum(max(1, math.ceil(text_width(part) / usable)) for part in text.split("\n"))


def adds_up(parts: list[Decimal | None], total: Decimal | None, places: int) -> bool:
    """True when the shown parts add up to the shown total (else the table needs the rounding note)."""
    if total is None:
        return True
    values = [shown(p, places) for p in parts if p is not None]
    return sum(values, Decimal(0)) == shown(total, places)


class Styles:
    """The workbook's formats, created once each and reused (Excel has a limit and WPS slows down)."""

    def __init__(self, workbook):
        self.wb = workbook
        self._cache: dict[tuple, Any] = {}

    def get(self, role: str, places: int | None = None, *, bold: bool = False, alert: bool = False,
            align: str = "") -> Any:
        """role: title, meta_left, meta_right, head, text, center, code, num, dash, note."""
        key = (role, places, bold, alert, align)
        if key in self._cache:
            return self._cache[key]
        props: dict[str, Any] = {"font_name": BODY_FONT, "font_size": FONT_SIZE, "valign": "vcenter"}
        if role == "title":
            props.update(font_name=HEAD_FONT, font_size=TITLE_SIZE, align="center")
        elif role in ("meta_left", "meta_right"):
            props.update(align="left" if role == "meta_left" else "right")
        elif role == "note":
            props.update(align="left", valign="top", text_wrap=True)
        elif role == "line":  # one-line text of the streamed detail sheet: shrunk, never wrapped
            props.update(border=1, align="left", shrink=True)
        else:
            props.update(border=1)
            if role == "head":
                props.update(font_name=HEAD_FONT, align="center", text_wrap=True)
            elif role == "text":
                props.update(align="left", text_wrap=True)
            elif role in ("center", "dash"):
                props.update(align="center", text_wrap=True)
            elif role == "code":  # credit codes and other digit strings: stored and shown as text
                props.update(align="left", num_format="@")
            elif role == "num":
                props.update(align="right", num_format="0" if not places else "0." + "0" * places)
        if align:
            props["align"] = align
        if bold:
            props["bold"] = True
        if alert:
            props.update(font_color=ALERT_FONT, bg_color=ALERT_FILL, bold=True)
        fmt = self.wb.add_format(props)
        self._cache[key] = fmt
        return fmt


@dataclass
class Column:
    """One column of a table: header text, optional group (the upper header level) and width."""

    label: str
    width: float
    group: str = ""


class TableSheet:
    """Writes one statistical table on one worksheet, strictly top to bottom (constant_memory safe)."""

    def __init__(self, workbook, styles: Styles, name: str, columns: list[Column]):
        self.ws = workbook.add_worksheet(name, worksheet_class=FastWorksheet)
        # the body's cell writers: FastWorksheet's without the A1 wrapper, else xlsxwriter's own
        self._number = getattr(self.ws, "number", self.ws.write_number)
        self._string = getattr(self.ws, "string", self.ws.write_string)
        self._blank = getattr(self.ws, "blank", self.ws.write_blank)
        self.st = styles
        self.columns = columns
        self.ncols = len(columns)
        self.row = 0
        self.header_rows = (0, 0)
        self.heights: dict[int, float] = {}  # row -> height in pt (rows not set: DEFAULT_ROW_PT)
        self.blocks: list[tuple[int, int, bool]] = []  # (first, last, soft): rows kept on one page (see keep)
        # a soft block is split at a page foot when at least this share of the page is left: 1/5 where the
        # split cuts a merged stub; a listing whose every row names its block may set it lower
        self.split_room = 0.2
        self.merges: list[tuple[int, int, int, str, Any]] = []  # (first, last, col, text, format), see merge_down
        for i, c in enumerate(columns):
            self.ws.set_column(i, i, c.width)

    # ---- head of the table ----------------------------------------------------------------------
    def title(self, text: str) -> None:
        """The merged title (where, what, when) across the table's width."""
        self._set_row(self.row, 32)
        self.ws.merge_range(self.row, 0, self.row, self.ncols - 1, clean_for_office(text),
                            self.st.get("title"))
        self.row += 1

    def meta(self, left: str, right: str) -> None:
        """The line under the title: 编制单位 at left, 单位 at right."""
        split = max(1, self.ncols // 2)
        self._set_row(self.row, 20)
        self._merge_or_write(self.row, 0, split - 1, left, self.st.get("meta_left"))
        self._merge_or_write(self.row, split, self.ncols - 1, right, self.st.get("meta_right"))
        self.row += 1

    def header(self) -> None:
        """One header row, or two when some columns carry a group (merged above its sub-columns)."""
        head = self.st.get("head")
        two = any(c.group for c in self.columns)
        first = self.row
        label_lines = max(lines_needed(c.label, c.width) for c in self.columns)
        if not two:
            self._set_row(first, max(30, 14 * label_lines + 6))
            for i, c in enumerate(self.columns):
                self.ws.write_string(first, i, c.label, head)
            self.row += 1
            self.header_rows = (first, first)
            return
        self._set_row(first, 22)
        i = 0
        while i < self.ncols:
            c = self.columns[i]
            if not c.group:
                self.ws.merge_range(first, i, first + 1, i, c.label, head)
                i += 1
                continue
            j = i
            while j + 1 < self.ncols and self.columns[j + 1].group == c.group:
                j += 1
            self._merge_or_write(first, i, j, c.group, head)
            i = j + 1
        sub_lines = max(lines_needed(c.label, c.width) for c in self.columns if c.group)
        self._set_row(first + 1, max(22, 14 * sub_lines + 6))
        for i, c in enumerate(self.columns):
            if c.group:
                self.ws.write_string(first + 1, i, c.label, head)
            else:  # the lower half of a vertical merge: written so its borders print
                self.ws.write_blank(first + 1, i, None, head)
        self.row += 2
        self.header_rows = (first, first + 1)

    # ---- body -----------------------------------------------------------------------------------
    def put(self, col: int, value: Any, role: str = "text", places: int | None = None, *,
            bold: bool = False, alert: bool = False, row: int | None = None) -> None:
        """Write one cell of the current row: None -> "—", Decimal -> its shown value, str -> text."""
        r = self.row if row is None else row
        if value is None:
            self._string(r, col, DASH, self.st.get("dash", bold=bold, alert=alert))
        elif isinstance(value, Decimal):
            p = 0 if places is None else places
            self._number(r, col, float(shown(value, p)), self.st.get("num", p, bold=bold, alert=alert))
        elif isinstance(value, bool):
            self._string(r, col, "是" if value else "否", self.st.get("center", bold=bold, alert=alert))
        elif isinstance(value, int):
            align = "center" if role == "center" else ""
            self._number(r, col, value, self.st.get("num", 0, bold=bold, alert=alert, align=align))
        else:
            text = clean_for_office(value)
            fmt = self.st.get(role, bold=bold, alert=alert)
            if text:
                self._string(r, col, text, fmt)
            else:
                self._blank(r, col, None, fmt)

    def merge_down(self, col: int, rows: int, value: Any, role: str = "center", *, bold: bool = False) -> None:
        """A stub cell (集群, 指标) merged down ``rows`` rows from the current one.

        Call it on the first row of the group, then ``continue_merge(col)`` on each later row so the
        covered cells carry the border (constant_memory cannot go back to write them).
        """
        fmt = self.st.get(role, bold=bold)
        text = clean_for_office(value if value is not None else DASH)
        if rows > 1:  # merged in finish(), split where a page breaks it so each page shows the text
            self.merges.append((self.row, self.row + rows - 1, col, text, fmt))
            self.keep(self.row, self.row + rows - 1, soft=True)
        else:
            self.ws.write_string(self.row, col, text, fmt)

    def continue_merge(self, col: int, role: str = "center", *, bold: bool = False) -> None:
        self.ws.write_blank(self.row, col, None, self.st.get(role, bold=bold))

    def next_row(self, height: float | None = None) -> None:
        """Finish the current row (optionally fixing its height) and move to the next one."""
        if height is not None:
            self._set_row(self.row, height)
        self.row += 1

    def set_height(self, texts: list[tuple[int, str]], minimum: float = 18) -> None:
        """Set the current row's height for wrapped texts [(col, text)] before writing it."""
        lines = max((lines_needed(t, self.columns[c].width) for c, t in texts if t), default=1)
        self._set_row(self.row, max(minimum, 13.5 * lines + 4))

    # ---- under the table ------------------------------------------------------------------------
    def notes(self, lines: list[str]) -> None:
        """The 注： block: one merged, wrapped row per note (numbered when there are several)."""
        if not lines:
            return
        width = sum(c.width for c in self.columns)
        texts = [clean_for_office(("注：" if k == 0 else "　　") + (f"{k + 1}. " if len(lines) > 1 else "") + line)
                 for k, line in enumerate(lines)]
        heights = [13.5 * lines_needed(text, width) + 5 for text in texts]
        # the 注 block on one page when it fits one; a long one (over a third of a page) may start on the
        # page the table ends on rather than leave half of that page empty
        self.keep(self.row, self.row + len(lines) - 1, soft=sum(heights) > self.page_height() / 3)
        for text, height in zip(texts, heights, strict=True):
            self._set_row(self.row, height)
            self._merge_or_write(self.row, 0, self.ncols - 1, text, self.st.get("note"))
            self.row += 1

    @property
    def width_units(self) -> float:
        return table_units([c.width for c in self.columns])

    def finish(self, freeze_col: int = 0, breaks: list[int] | None = None) -> None:
        """Print setup of a statistical table: one page wide on A4 landscape (A3 for a table too wide to
        print there at ≥ 9 pt, see reporttool.core.paper), header rows repeated, centred, print area = the
        rows written, footer 第&P页 共&N页; ``breaks`` are rows that start a new page."""
        ws = self.ws
        paper = paper_for(self.width_units, FONT_SIZE)
        ws.set_paper(paper.code)
        ws.set_landscape() if paper.landscape else ws.set_portrait()
        ws.fit_to_pages(1, 0)
        ws.center_horizontally()
        ws.set_margins(left=SIDE_MARGIN, right=SIDE_MARGIN, top=TOP_MARGIN, bottom=BOTTOM_MARGIN)
        ws.set_footer(FOOTER, {"margin": FOOTER_MARGIN})
        ws.print_area(0, 0, max(self.row - 1, 0), self.ncols - 1)
        rows = self.page_breaks(paper, breaks)
        if rows:
            ws.set_h_pagebreaks(rows)
        self._write_merges(rows)
        first, last = self.header_rows
        if last:
            ws.repeat_rows(first, last)
            ws.freeze_panes(last + 1, freeze_col)

    def _set_row(self, row: int, height: float) -> None:
        self.heights[row] = height
        self.ws.set_row(row, height)

    def keep(self, first: int, last: int, soft: bool = False) -> None:
        """Rows ``first``..``last`` print on one page. A ``soft`` block (a merged 集群/县区 stub) may be
        split when a fifth of the page or more would stay empty; its merged cell is then split too."""
        if last > first:
            self.blocks.append((first, last, soft))

    def page_height(self, paper: Paper | None = None) -> float:
        """Points of rows one printed page holds at 100 % (a little in hand), on ``paper`` (default: the
        paper ``finish`` will choose)."""
        paper = paper or paper_for(self.width_units, FONT_SIZE)
        return (paper.height_mm / MM_PER_INCH - TOP_MARGIN - BOTTOM_MARGIN) * 72 * 0.97

    @property
    def head_height(self) -> float:
        """Points of the header rows repeated on every page."""
        first, last = self.header_rows
        return sum(self.heights.get(r, DEFAULT_ROW_PT) for r in range(first, last + 1)) if last else 0.0

    def page_breaks(self, paper: Paper, forced: list[int] | None = None) -> list[int]:
        """Rows that start a page: before a kept block that would cross the page foot, and ``forced``.

        Paginates at 100 % (Excel's scale for these tables; LibreOffice prints them at ≤ 100 %, so its
        pages hold at least as much) with the repeated header rows on every page after the first.
        """
        page = self.page_height(paper)
        head = self.head_height
        starts = {b[0]: (b[1], b[2]) for b in self.blocks}
        forced_set = set(forced or ())
        top = [0.0]  # top[k]: points above row k (a block split row by row would sum its rest again and again)
        for k in range(max(self.row, max((b[1] for b in self.blocks), default=0) + 1)):
            top.append(top[-1] + self.heights.get(k, DEFAULT_ROW_PT))
        breaks: list[int] = []
        used = 0.0
        r = 0
        while r < self.row:
            end, soft = starts.get(r, (r, False))
            need = top[end + 1] - top[r]
            if soft and used + need > page and page - used >= page * self.split_room and r not in forced_set:
                end = r  # fill this page: the block goes on row by row (its merged cell is split)
                need = self.heights.get(r, DEFAULT_ROW_PT)
            if r in forced_set or (used + need > page and used > head):
                breaks.append(r)
                used = head
            used += need
            r = end + 1
        return [b for b in breaks if b > 0]

    def _write_merges(self, breaks: list[int]) -> None:
        """The stub cells merged down, split at page breaks (a part on a new page repeats the text)."""
        for first, last, col, text, fmt in self.merges:
            cuts = [b for b in breaks if first < b <= last]
            for a, b in zip([first, *cuts], [*(c - 1 for c in cuts), last]):
                if b > a:
                    self.ws.merge_range(a, col, b, col, text, fmt)
                else:
                    self.ws.write_string(a, col, text, fmt)

    def _merge_or_write(self, row: int, c0: int, c1: int, text: str, fmt) -> None:
        text = clean_for_office(text)
        if c1 > c0:
            self.ws.merge_range(row, c0, row, c1, text, fmt)
        else:
            self.ws.write_string(row, c0, text, fmt)
