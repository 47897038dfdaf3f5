# Over 500 lines: the feedback workbook through openpyxl (the path for whatever the XML path hands over) and the 问题清单 both draw.
"""The feedback workbook (退回修改反馈表) sent back to a district.

It is a copy of the district's own workbook, data untouched, with every problem cell painted (错误 red,
核实 yellow, 已说明 light green) and a comment carrying the message(s), plus a first sheet 问题清单
listing every finding with a link to its cell. The district can correct the copy and send it again.
A file we could not open at all gets a fresh workbook holding only the 问题清单.
"""
from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from reporttool.checks.single import counts
from reporttool.core.errors import ReportToolError
from reporttool.core.files import atomic_write
from reporttool.core.models import ERROR, VERIFY, Finding, Words, parse_period
from reporttool.core.paper import (
    A4_LANDSCAPE,
    A4_PORTRAIT,
    BOTTOM_MARGIN,
    FOOTER,
    FOOTER_MARGIN,
    MIN_TEXT_PT,
    PADDING,
    SIDE_MARGIN,
    TOP_MARGIN,
    paper_for,
    printed_pt,
    table_units,
)
from reporttool.forms import layout as L
from reporttool.render.finding_words import explain_score, value_text
from reporttool.render.xlsx_styles import lines_needed

LIST_SHEET = "问题清单"
DEFAULT_WIDTH = 9.14  # a column without a <col>: Excel's 8.43 + padding
COMMENT_AUTHOR = "市局审核"
META_SHEET = "_表单信息"

# ARGB fills: the colours of Excel's Bad / Neutral / Good cell styles, familiar to every user.
FILL_ERROR = "FFFFC7CE"
FILL_VERIFY = "FFFFEB9C"
FILL_EXPLAINED = "FFC6EFCE"
FILL_INFO = "FFDDEBF7"
_OUR_FILLS = {FILL_ERROR, FILL_VERIFY, FILL_EXPLAINED, FILL_INFO}
HEAD_FILL = "FFF2F2F2"
LINK_COLOUR = "FF0563C1"
NO_FINDINGS = "未发现问题。"
SUMMARY_HEIGHT = 32  # points: the summary line (row 2) of the 问题清单, two lines of 10 pt

# widths: the list prints one A4 landscape page wide at ≥ 9 pt (reporttool.core.paper)
LIST_COLUMNS = (("序号", 5), ("类别", 5.5), ("工作表", 8), ("单元格", 7), ("列名", 11), ("填报值", 11),
                ("问题说明", 30), ("县区说明", 16), ("规则代码", 12))


def category(f: Finding) -> str:
    """错误 / 核实 / 已说明 / 提示."""
    return f.severity_label


def fill_of(f: Finding) -> str:
    if f.severity == ERROR:
        return FILL_ERROR
    if f.severity == VERIFY:
        return FILL_EXPLAINED if f.explained else FILL_VERIFY
    return FILL_INFO


_PRECEDENCE = {FILL_ERROR: 0, FILL_VERIFY: 1, FILL_EXPLAINED: 2, FILL_INFO: 3}


def write_feedback(source: Path | None, findings: Iterable[Finding], dest: Path, *, district_name: str = "",
                   period_label: str = "", words: Words | None = None, engine: str = "auto",
                   returned: str = "") -> Path:
    """Write the feedback workbook for ``source`` to ``dest`` (atomically) and return ``dest``.

    ``source`` is never modified. When it is None or cannot be opened (a refused file), the result holds
    only the 问题清单. ``district_name`` / ``period_label`` go into the title; when empty they are taken
    from the form's identity sheet (district code and period) or left out.

    ``engine``: "auto" paints the district's file at the XML level (render/feedback_xml.py, a fraction of
    openpyxl's cost) and uses openpyxl for what that path does not handle; "xml" raises NotFast instead
    (tests); "openpyxl" always loads and saves the workbook with openpyxl. The result is the same.

    ``returned``: the bureau's 退回 of this version (who, when, 说明: pipeline/returned.py), put first in the
    问题清单's summary line, so the district reads why its file came back before the findings.
    """
    findings = list(findings)
    words = words or Words()
    author = f"{words.bureau}审核"  # 市局审核 / 省厅审核: the comments' author, and how ours are found again
    dest = Path(dest)
    if source is not None and Path(source).exists() and dest.resolve() == Path(source).resolve():
        raise ReportToolError(f"反馈表不能写到原文件 {source} 上，请换一个目录。")
    if source is not None and engine != "openpyxl":
        from reporttool.render.feedback_xml import NotFast

        try:
            data = _annotate_xml(Path(source), findings, district_name, period_label, words, author, returned)
        except NotFast:
            if engine == "xml":
                raise
            data = None
        except Exception as exc:  # noqa: BLE001 - anything unforeseen: the openpyxl path, as before
            if engine == "xml":
                raise NotFast(f"{type(exc).__name__}: {exc}") from exc
            data = None
        if data is not None:
            return atomic_write(dest, lambda tmp: _write_bytes(tmp, data))
    return _write_openpyxl(source, findings, dest, district_name, period_label, words, author, returned)


def _write_bytes(path: Path, data: bytes) -> None:
    Path(path).write_bytes(data)


def _annotate_xml(source: Path, findings: list[Finding], district_name: str, period_label: str, words: Words,
                  author: str, returned: str = "") -> bytes:
    """The feedback workbook's bytes, painted at the XML level (raises NotFast when it cannot be)."""
    from reporttool.render import feedback_xml as X

    book = X.FastBook.open(source, LIST_SHEET)
    if not period_label or not district_name:
        ident = book.identity(META_SHEET)
        period_label = _period_of(period_label, ident)
        district_name = district_name or _unit_in(book.visible_values(8, 8)) or ident.get("县区代码", "")
    by_cell = _by_cell(findings, book.sheetnames, lambda name: book.merges(book.sheet(name)))
    X.paint(book, {key: (min((fill_of(f) for f in items), key=_PRECEDENCE.__getitem__), *_comment(items, words))
                   for key, items in by_cell.items()}, author)
    for sheet in book.sheets:
        X.print_used_rows(book, sheet)
        X.check_instructions(book, sheet)
    plan = _plan(findings, [LIST_SHEET, *book.sheetnames], source, district_name, period_label, "", words, returned)
    X.add_list(book, plan, LIST_SHEET, head_fill=HEAD_FILL, link_colour=LINK_COLOUR, no_findings=NO_FINDINGS)
    out: list[bytes] = []
    book.save(out.append)
    return out[0]


def _period_of(period_label: str, ident: dict[str, str]) -> str:
    if not period_label and ident.get("报告期"):
        try:
            return parse_period(ident["报告期"]).label
        except ValueError:
            return ident["报告期"]
    return period_label


def _write_openpyxl(source: Path | None, findings: list[Finding], dest: Path, district_name: str,
                    period_label: str, words: Words, author: str, returned: str = "") -> Path:
    from openpyxl import Workbook, load_workbook

    wb = None
    note = ""
    if source is not None:
        try:
            wb = load_workbook(Path(source))
        except Exception:  # noqa: BLE001 - a refused or broken file: list only
            wb = None
            note = "原文件无法打开，本表只列出问题。"
    if wb is not None:
        try:
            _clear_previous_feedback(wb, author)
            if not period_label or not district_name:
                ident = _identity(wb)
                period_label = _period_of(period_label, ident)
                district_name = district_name or _filled_unit(wb) or ident.get("县区代码", "")
            _paint(wb, findings, author, words)
            for ws in wb.worksheets:
                _print_used_rows(ws)
                _fit_instructions(ws)
            return _finish(wb, wb.create_sheet(LIST_SHEET, 0), findings, dest, source, district_name,
                           period_label, note, words, returned)
        except OSError:
            raise
        except Exception:  # noqa: BLE001 - a workbook we cannot mark up or save: list the findings only
            note = "原文件无法标注问题单元格，本表只列出问题。"
    wb = Workbook()
    wb.active.title = LIST_SHEET
    return _finish(wb, wb.active, findings, dest, source, district_name, period_label, note, words, returned)


def _finish(wb, listing, findings: list[Finding], dest: Path, source: Path | None, district_name: str,
            period_label: str, note: str, words: Words, returned: str = "") -> Path:
    """Write the 问题清单 into ``listing``, make it the active sheet and save ``wb`` atomically."""
    _write_list(listing, _plan(findings, wb.sheetnames, source, district_name, period_label, note, words, returned))
    for ws in wb.worksheets:
        ws.sheet_view.tabSelected = False
    wb.active = 0
    listing.sheet_view.tabSelected = True
    return atomic_write(dest, lambda tmp: wb.save(tmp))


def _plan(findings: list[Finding], sheetnames: list[str], source: Path | None, district_name: str,
          period_label: str, note: str, words: Words, returned: str = "") -> ListPlan:
    if not district_name:
        district_name = next((f.district for f in findings if f.district), "")
    file_name = next((f.file for f in findings if f.file), Path(source).name if source else "")
    return list_plan(findings, sheetnames, district_name, period_label, file_name, note, words, returned)


# --------------------------------------------------------------------------------------------------


def _identity(wb) -> dict[str, str]:
    if META_SHEET not in wb.sheetnames:
        return {}
    out = {}
    for a, b in wb[META_SHEET].iter_rows(min_row=1, max_row=20, max_col=2, values_only=True):
        if a is not None and b is not None:
            out[str(a).strip()] = str(b).strip()
    return out


def _filled_unit(wb) -> str:
    """The 填报单位 printed above a data table ("填报单位：兴城市"), "" when not found."""
    return _unit_in(v for ws in wb.worksheets if ws.sheet_state == "visible"
                    for row in ws.iter_rows(min_row=1, max_row=8, max_col=8, values_only=True) for v in row)


def _unit_in(values: Iterable[object]) -> str:
    """The first 填报单位 among ``values`` (the first 8 × 8 cells of each visible sheet), "" when none."""
    for v in values:
        if isinstance(v, str) and "填报单位" in v:
            name = re.split(r"[:：]", v.split("填报单位", 1)[1], maxsplit=1)[-1].strip()
            name = re.split(r"\s{2,}|报告期", name)[0].strip()
            if name:
                return name
    return ""


def _clear_previous_feedback(wb, author: str = COMMENT_AUTHOR) -> None:
    """A district may send our feedback copy back: drop its old 问题清单, our comments and our paint."""
    from openpyxl.styles import PatternFill

    if LIST_SHEET in wb.sheetnames:
        del wb[LIST_SHEET]
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.comment is not None and cell.comment.author in (author, COMMENT_AUTHOR):
                    cell.comment = None
                    if cell.fill is not None and cell.fill.fill_type == "solid" \
                            and cell.fill.fgColor.rgb in _OUR_FILLS:
                        cell.fill = PatternFill(fill_type=None)


def _paint(wb, findings: list[Finding], author: str = COMMENT_AUTHOR, words: Words | None = None) -> None:
    """Fill each problem cell by its worst finding and attach one comment with all its messages."""
    from openpyxl.comments import Comment
    from openpyxl.styles import PatternFill

    def merges(name: str) -> list[tuple[int, int, int, int]]:
        ws = wb[name]
        return [(r.min_row, r.min_col, r.max_row, r.max_col)
                for r in (getattr(ws, "merged_cells", None) and ws.merged_cells.ranges or ())]

    for (sheet, ref), items in _by_cell(findings, wb.sheetnames, merges).items():
        cell = wb[sheet][ref]
        colour = min((fill_of(f) for f in items), key=_PRECEDENCE.__getitem__)
        cell.fill = PatternFill(fill_type="solid", fgColor=colour, bgColor=colour)
        text, height = _comment(items, words)
        cell.comment = Comment(text, author, height=height, width=320)


def _by_cell(findings: list[Finding], sheetnames: list[str],
             merges: Callable[[str], list[tuple[int, int, int, int]]]) -> dict[tuple[str, str], list[Finding]]:
    """The findings by the cell that shows them: a cell inside a merged range is shown by the range's
    anchor (top-left) cell, which alone can carry a fill and a comment."""
    by_cell: dict[tuple[str, str], list[Finding]] = defaultdict(list)
    ranges: dict[str, list[tuple[int, int, int, int]]] = {}
    for f in findings:
        if f.sheet in sheetnames and f.cell:
            ref = f.cell.replace("$", "").upper()
            if f.sheet not in ranges:
                ranges[f.sheet] = [m for m in merges(f.sheet)  # an absurd merge: its anchor is still painted
                                   if (m[2] - m[0] + 1) * (m[3] - m[1] + 1) <= 100_000]
            by_cell[(f.sheet, _anchor(ref, ranges[f.sheet]))].append(f)
    return by_cell


def _anchor(ref: str, ranges: list[tuple[int, int, int, int]]) -> str:
    m = re.fullmatch(r"([A-Z]{1,3})([0-9]+)", ref)
    if m is None:
        return ref
    col = 0
    for ch in m.group(1):
        col = col * 26 + ord(ch) - 64
    row = int(m.group(2))
    for r1, c1, r2, c2 in ranges:
        if r1 <= row <= r2 and c1 <= col <= c2:
            return f"{_col_letter(c1)}{r1}"
    return ref


def _comment(items: list[Finding], words: Words | None) -> tuple[str, int]:
    """The comment of a problem cell (every message, the district's explanations) and its height in px."""
    lines = []
    for f in items:
        lines.append(f"【{category(f)}】{f.message}")
        if f.explanation:
            lines.append(f"{(words or Words()).unit}说明：{f.explanation}")
    height = 40 + 18 * sum(1 + len(line) // 22 for line in lines)
    return _clean("\n".join(lines)), min(height, 400)


@dataclass(frozen=True)
class ListRow:
    """One finding's line of the 问题清单: its cells' texts (序号 a number), the 类别 fill, the link."""

    values: tuple[int | str | None, ...]
    fill: str
    link: str | None  # location ('工作表'!C7) of the problem, None when it is not in this workbook
    display: str  # the link's display: the cell, or A{row} when the finding names a row only
    height: float


@dataclass(frozen=True)
class ListPlan:
    """Everything the 问题清单 shows, computed once: the openpyxl and the XML writer both draw it."""

    title: str
    summary: str
    headers: tuple[str, ...]
    widths: tuple[float, ...]
    rows: tuple[ListRow, ...]
    summary_height: float = SUMMARY_HEIGHT  # row 2: taller when the summary needs more lines (a 退回's 说明)

    @property
    def last_col(self) -> str:
        return _col_letter(len(self.headers))

    @property
    def last_row(self) -> int:
        return max(3 + len(self.rows), 4)


def _col_letter(n: int) -> str:
    out = ""
    while n:
        n, rem = divmod(n - 1, 26)
        out = chr(65 + rem) + out
    return out


def _code_width(text: str) -> float:
    """Printed width of an unbreakable code or label at 10 pt: CJK 1.75 units, capitals and digits 1.25
    (wider than text_width's 1.0 in 宋体/DejaVu), other characters 1.0."""
    return sum(1.75 if unicodedata.east_asian_width(ch) in "WFA" else 1.25 if ch.isupper() or ch.isdigit()
               else 1.0 for ch in text)


def list_widths(findings: list[Finding]) -> tuple[float, ...]:
    """Column widths of the 问题清单: 列名 and 规则代码 as wide as their longest entry (a rule code does not
    wrap, and was cut off in print at the fixed width), within bounds; 问题说明 (then 县区说明) give back
    what they take, so the list still prints one A4 landscape page wide at 100 % when it can."""
    widths = [w for _label, w in LIST_COLUMNS]
    labels = [label for label, _w in LIST_COLUMNS]
    for label, cap, get in (("列名", 20.0, lambda f: f.column), ("规则代码", 22.0, lambda f: f.rule)):
        i = labels.index(label)
        need = max((_code_width(str(get(f) or "")) + 1.5 for f in findings), default=0.0)
        widths[i] = min(max(widths[i], need), cap)
    usable = A4_LANDSCAPE.usable_units
    for label, floor in (("问题说明", 22.0), ("县区说明", 12.0)):
        i = labels.index(label)
        excess = table_units(widths) - usable
        if excess > 0:
            widths[i] = max(floor, widths[i] - excess)
    return tuple(round(w, 2) for w in widths)


def list_plan(findings: list[Finding], sheetnames: list[str], district: str, period_label: str,
              file_name: str, note: str, words: Words | None = None, returned: str = "") -> ListPlan:
    """The 问题清单 of ``findings`` for a workbook holding ``sheetnames`` (links go only to those); ``returned``
    (the bureau's 退回: who, when, 说明) opens the summary line, which grows to show it whole."""
    words = words or Words()
    n = counts(findings)
    title = f"{district}{period_label}报表审核问题清单".strip()
    summary = (f"错误 {n.errors} 项，核实 {n.verify} 项（已说明 {n.explained} 项），提示 {n.info} 项。"
               "错误须改正后重新报送；核实项请核对，数据无误的请在该行“说明”栏写明原因。")
    if file_name:
        summary = f"文件：{file_name}。{summary}"
    if note:
        summary = f"{summary}{note}"
    if returned:
        summary = f"{returned}\n{summary}"
    widths = list_widths(findings)
    rows = []
    for k, f in enumerate(findings, start=1):
        values: list[int | str | None] = [k]
        # 填报值 with its unit, the robust score in words (render/finding_words.py, as in the 汇总表)
        values += [_clean_text(v) for v in (category(f), f.sheet, f.cell, f.column, value_text(f),
                                             explain_score(f.message, words), f.explanation, f.rule)]
        target = f.cell or (f"A{f.row}" if f.row else "")
        link = None
        if f.sheet in sheetnames and target:
            link = f"{_quote(f.sheet)}!{target}"
            if not f.cell:
                values[3] = f"第{f.row}行"
        # an explicit height: LibreOffice and printing do not grow a wrapped row by themselves
        lines = max(lines_needed(str(v or ""), w) for v, w in zip(values, widths))
        rows.append(ListRow(tuple(values), fill_of(f), link, target, max(18, 13.5 * lines + 4)))
    headers = tuple(label.replace("县区", words.unit) for label, _w in LIST_COLUMNS)
    height = float(SUMMARY_HEIGHT)
    if returned:  # the usual summary fits two lines; a 退回's 说明 may take more
        height = max(height, 13.5 * lines_needed(summary, table_units(list(widths)) - 2) + 5)
    return ListPlan(_clean(title), _clean(summary), headers, widths, tuple(rows), height)


def _clean_text(value: object) -> str | None:
    text = _clean("" if value is None else str(value))
    return text or None


def _write_list(ws, plan: ListPlan) -> None:
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.hyperlink import Hyperlink

    last_col = plan.last_col
    thin = Side(style="thin", color="FF999999")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    body_font = Font(name="宋体", size=10)
    wrap = Alignment(wrap_text=True, vertical="top")

    _text(ws.cell(1, 1), plan.title)
    ws.cell(1, 1).font = Font(name="黑体", size=14, bold=True)
    ws.cell(1, 1).alignment = Alignment(horizontal="center", vertical="center")
    ws.merge_cells(f"A1:{last_col}1")
    ws.row_dimensions[1].height = 26
    _text(ws.cell(2, 1), plan.summary)
    ws.cell(2, 1).font = Font(name="宋体", size=10)
    ws.cell(2, 1).alignment = Alignment(wrap_text=True, vertical="center")
    ws.merge_cells(f"A2:{last_col}2")
    ws.row_dimensions[2].height = plan.summary_height

    for i, (label, width) in enumerate(zip(plan.headers, plan.widths), start=1):
        c = ws.cell(3, i)
        _text(c, label)
        c.font = Font(name="黑体", size=10, bold=True)
        c.fill = PatternFill(fill_type="solid", fgColor=HEAD_FILL, bgColor=HEAD_FILL)
        c.alignment = Alignment(horizontal="center", vertical="center")
        c.border = border
        ws.column_dimensions[get_column_letter(i)].width = width

    for k, row in enumerate(plan.rows, start=1):
        r = 3 + k
        ws.cell(r, 1, row.values[0])
        for i, v in enumerate(row.values[1:], start=2):
            _text(ws.cell(r, i), v)
        kind = ws.cell(r, 2)
        kind.fill = PatternFill(fill_type="solid", fgColor=row.fill, bgColor=row.fill)
        if row.link:
            link = ws.cell(r, 4)
            link.hyperlink = Hyperlink(ref=link.coordinate, location=row.link, display=row.display)
            link.font = Font(name="宋体", size=10, color=LINK_COLOUR, underline="single")
        for i in range(1, len(plan.headers) + 1):
            c = ws.cell(r, i)
            c.border = border
            c.alignment = wrap
            if not (i == 4 and row.link):
                c.font = body_font
        ws.row_dimensions[r].height = row.height
    if not plan.rows:
        _text(ws.cell(4, 1), NO_FINDINGS)
        ws.merge_cells(f"A4:{last_col}4")

    ws.freeze_panes = "A4"
    if plan.rows:
        ws.auto_filter.ref = f"A3:{last_col}{3 + len(plan.rows)}"
    ws.print_title_rows = "3:3"
    _page_setup(ws, table_units(list(plan.widths)))
    ws.print_area = f"A1:{last_col}{plan.last_row}"


def _page_setup(ws, units: float) -> None:
    """One page wide on A4 landscape (A3 when the table is too wide to print there at ≥ 9 pt), centred,
    footer 第&P页 共&N页 — the print rules of every workbook (docs/workbook.md)."""
    paper = paper_for(units, 10)
    ws.page_setup.orientation = "landscape" if paper.landscape else "portrait"
    ws.page_setup.paperSize = paper.code
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = SIDE_MARGIN
    ws.page_margins.top, ws.page_margins.bottom, ws.page_margins.footer = TOP_MARGIN, BOTTOM_MARGIN, FOOTER_MARGIN
    ws.oddFooter.center.text = FOOTER.removeprefix("&C")


def _print_used_rows(ws) -> None:
    """A data sheet of the form prints its title, header and the rows the district filled — not the
    hundreds of empty rows the template provides (34 enterprises printed over 5 pages at 4.8 pt)."""
    spec = next((sp for sp in L.DATA_SHEETS if sp.name == ws.title), None)
    if spec is None or ws.sheet_state != "visible":
        return
    titles = {"".join(t.split()) for c in spec.columns for t in (c.title, *c.aliases)}
    header = 0
    for r in range(1, min(ws.max_row, 15) + 1):
        cells = [ws.cell(r, c).value for c in range(1, ws.max_column + 1)]
        if sum(isinstance(v, str) and "".join(v.split()) in titles for v in cells) >= 2:
            header = r
            break
    if not header:
        return
    ncols = max(c for c in range(1, ws.max_column + 1) if ws.cell(header, c).value not in (None, ""))
    last = header
    for r in range(header + 1, ws.max_row + 1):
        values = [ws.cell(r, c).value for c in range(1, ncols + 1)]
        first = str(values[0] or "")
        if any(m in first for m in L.SIGNOFF_MARKERS):
            break
        if any(v not in (None, "") for v in values[1:]):
            last = r
    from openpyxl.utils import get_column_letter

    if printed_pt(10, _stored_units(ws, ncols), paper_for(_stored_units(ws, ncols), 10)) < MIN_TEXT_PT:
        _narrow_to_layout(ws, spec, header, last, ncols)  # a form made by an older, wider template
    _grow_wrapped_rows(ws, header + 1, last, ncols)
    ws.print_area = f"A1:{get_column_letter(ncols)}{max(last, header + 1)}"
    ws.print_title_rows = f"{header}:{header}"
    _page_setup(ws, _stored_units(ws, ncols))


def _fit_instructions(ws) -> None:
    """填报说明 of a copy made by an older template (one column wider than an A4 portrait page: it
    printed from 0.7 mm to 208.9 mm): the column as wide as the page holds, rows as tall as their text."""
    from openpyxl.styles import Alignment
    from openpyxl.utils import get_column_letter

    if ws.title != L.INSTRUCTIONS_SHEET or ws.sheet_state != "visible" or ws.max_column > 1:
        return
    width = A4_PORTRAIT.usable_units - 2
    if _column_widths(ws, 1)[1] <= width + PADDING:
        return
    for dim in list(ws.column_dimensions.values()):
        if (dim.min or 1) == 1:
            dim.min = dim.max = 1
    ws.column_dimensions[get_column_letter(1)].width = width
    for r in range(1, ws.max_row + 1):
        cell = ws.cell(r, 1)
        if not isinstance(cell.value, str):
            continue
        lines = sum(max(1, -(-int(sum(2.1 if ord(ch) > 0x2E7F else 1.0 for ch in part)) // int(width - 2)))
                    for part in cell.value.split("\n"))
        size = cell.font.sz if cell.font is not None and cell.font.sz else 11
        need = lines * size * 1.45
        if lines > 1 and (ws.row_dimensions[r].height or 15) < need:
            ws.row_dimensions[r].height = need
            a = cell.alignment
            cell.alignment = Alignment(horizontal=a.horizontal, vertical=a.vertical or "top", wrap_text=True)
    ws.page_setup.paperSize = A4_PORTRAIT.code
    ws.page_setup.orientation = "portrait"
    ws.page_margins.left = ws.page_margins.right = SIDE_MARGIN
    ws.print_options.horizontalCentered = True


def _narrow_to_layout(ws, spec: L.SheetSpec, header: int, last: int, ncols: int) -> None:
    """Columns of a copy made from an older, wider template set to today's layout widths (names then
    wrap), so that it prints at ≥ 9 pt. Only the copy's presentation changes: no value, no type."""
    from copy import copy

    from openpyxl.styles import Alignment
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.dimensions import ColumnDimension

    for dim in list(ws.column_dimensions.values()):  # one dimension per column, so each can change alone
        if dim.min and dim.max and dim.max > dim.min:
            for c in range(dim.min + 1, dim.max + 1):
                one = ColumnDimension(ws, index=get_column_letter(c), width=dim.width, hidden=dim.hidden,
                                      min=c, max=c)
                one._style = copy(dim._style)
                ws.column_dimensions[get_column_letter(c)] = one
            dim.max = dim.min
    by_title = {"".join(t.split()): col for col in spec.columns for t in (col.title, *col.aliases)}
    for c in range(1, ncols + 1):
        col = by_title.get("".join(str(ws.cell(header, c).value or "").split()))
        if col is None:
            continue
        target = col.width + (2 if col.kind in (L.CLUSTER, L.FIXED) else 0) + PADDING
        dim = ws.column_dimensions[get_column_letter(c)]
        if (dim.width or 0) <= target:
            continue
        dim.width = target
        for r in range(header + 1, last + 1):
            cell = ws.cell(r, c)
            a = cell.alignment
            if isinstance(cell.value, str) and not a.wrap_text:
                cell.alignment = Alignment(horizontal=a.horizontal, vertical=a.vertical, wrap_text=True,
                                           indent=a.indent, text_rotation=a.text_rotation)


def _grow_wrapped_rows(ws, first: int, last: int, ncols: int) -> None:
    """Rows without a set height whose wrapped text needs more than one line get that height (neither
    LibreOffice nor printing grows them, and the lines would overprint the next row)."""

    widths = _column_widths(ws, ncols)
    for r in range(first, last + 1):
        if ws.row_dimensions[r].height is not None:
            continue
        lines = 1
        for c in range(1, ncols + 1):
            cell = ws.cell(r, c)
            if isinstance(cell.value, str) and cell.alignment is not None and cell.alignment.wrap_text:
                lines = max(lines, lines_needed(cell.value, widths[c] - 0.7))
        if lines > 1:
            ws.row_dimensions[r].height = 13.5 * lines + 4


def _column_widths(ws, ncols: int) -> dict[int, float]:
    """Stored width of columns 1..ncols. Read from the dimensions (a <col> may cover several columns),
    never by indexing ws.column_dimensions, which would add an overlapping default-width column."""
    from openpyxl.utils import column_index_from_string

    widths: dict[int, float] = {}
    for key, dim in ws.column_dimensions.items():
        lo, hi = (dim.min, dim.max) if dim.min and dim.max else (column_index_from_string(key),) * 2
        for c in range(lo, hi + 1):
            widths[c] = dim.width or DEFAULT_WIDTH
    return {c: widths.get(c, DEFAULT_WIDTH) for c in range(1, ncols + 1)}


def _stored_units(ws, ncols: int) -> float:
    """The printed width of columns 1..ncols in stored units (openpyxl reads widths as stored)."""
    return sum(_column_widths(ws, ncols).values())


def _quote(sheet: str) -> str:
    return "'" + sheet.replace("'", "''") + "'"


def _clean(text: str) -> str:
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    return ILLEGAL_CHARACTERS_RE.sub("", text)


def _text(cell, value: object) -> None:
    """Write ``value`` as text: a string starting with "=" stays text, never becomes a formula."""
    text = _clean("" if value is None else str(value))
    cell.value = text if text else None
    if text:
        cell.data_type = "s"
