"""Print geometry of the workbooks: paper, margins, and how much a fit-to-width print shrinks a table.

Every printed workbook sheet (汇总表, 明细, feedback, district forms) is set to print one page wide. A
spreadsheet program then shrinks a table that is wider than the paper, and with it the text: a 10 pt
table printed at 62 % is 6.2 pt. The rule (docs/workbook.md, “打印规则”) is that body text stays at
9 pt or more after that scaling, so each table is designed to fit its paper at ≥ MIN_SCALE.

Column widths are in Excel's character units; the file stores each as width + 5/7 (the cell padding).
What one unit measures on paper depends on the workbook's default font: Excel with Calibri 11 draws
7 px (1.85 mm) per stored unit; LibreOffice without Calibri or Carlito (a typical Linux server, and CI)
substitutes DejaVu Sans and draws 2.47 mm (measured). The estimate uses the wider one, so a table
that fits by this estimate fits everywhere; LibreOffice rounds its scale down to a whole percent and
sometimes takes a step or two more, so tables keep a few percent in hand.
"""
from __future__ import annotations

from dataclasses import dataclass

MM_PER_UNIT = 2.47  # per stored unit, LibreOffice with DejaVu Sans as the default font: the widest rendering
PADDING = 5 / 7  # stored width = width + 5/7
MM_PER_INCH = 25.4
SIDE_MARGIN = 0.35  # inches, left and right (8.9 mm: inside every printer's printable area)
TOP_MARGIN = 0.6
BOTTOM_MARGIN = 0.7
FOOTER_MARGIN = 0.3
MIN_TEXT_PT = 9.0  # body text after scaling
FOOTER = "&C第&P页 共&N页"


@dataclass(frozen=True)
class Paper:
    """A paper and orientation: xlsxwriter/openpyxl paper code, printable width and height in mm."""

    name: str
    code: int  # 9 = A4, 8 = A3 (the OOXML paperSize values)
    landscape: bool
    width_mm: float
    height_mm: float

    @property
    def usable_mm(self) -> float:
        return self.width_mm - 2 * SIDE_MARGIN * MM_PER_INCH

    @property
    def usable_units(self) -> float:
        """Column units that fit across the paper at 100 % (by the wide LibreOffice measure)."""
        return self.usable_mm / MM_PER_UNIT


A4_PORTRAIT = Paper("A4", 9, False, 210.0, 297.0)
A4_LANDSCAPE = Paper("A4", 9, True, 297.0, 210.0)
A3_LANDSCAPE = Paper("A3", 8, True, 420.0, 297.0)


def table_units(widths: list[float]) -> float:
    """The printed width of columns ``widths`` in stored units (each column's width + padding)."""
    return sum(w + PADDING for w in widths)


def fit_scale(total_units: float, paper: Paper) -> float:
    """The scale a one-page-wide print of a table ``total_units`` (see table_units) wide gets on
    ``paper`` (≤ 1)."""
    if total_units <= 0:
        return 1.0
    return min(1.0, paper.usable_units / total_units)


def printed_pt(font_pt: float, total_units: float, paper: Paper) -> float:
    """The size ``font_pt`` text prints at on ``paper`` after fit-to-width scaling."""
    return font_pt * fit_scale(total_units, paper)


def paper_for(total_units: float, font_pt: float = 10.0) -> Paper:
    """A4 landscape when the table prints there at ≥ 9 pt, else A3 landscape (wide listings)."""
    if printed_pt(font_pt, total_units, A4_LANDSCAPE) >= MIN_TEXT_PT:
        return A4_LANDSCAPE
    return A3_LANDSCAPE


# Column titles broken between words when their column is narrower than the title: a cell wraps
# Chinese text at any character (是否规/上), so narrow headers carry explicit line breaks instead. A
# reader matching titles collapses whitespace (forms/reader._label), so a broken title still matches.
HEADER_BREAKS = {
    "统一社会信用代码": "统一社会\n信用代码",
    "本年累计营业收入": "本年累计\n营业收入",
    "上年同期营业收入": "上年同期\n营业收入",
    "本年累计工业总产值": "本年累计\n工业总产值",
    "上年同期工业总产值": "上年同期\n工业总产值",
    "本年计划投资": "本年计划\n投资",
    "本年累计完成投资": "本年累计\n完成投资",
    "自开工累计完成投资": "自开工累计\n完成投资",
    "本年投资完成率（%）": "本年投资\n完成率（%）",
    "营业收入同比（%）": "营业收入\n同比（%）",
    "预计投产时间": "预计投产\n时间",
    "是否规上": "是否\n规上",
    "是否龙头": "是否\n龙头",
    "建设性质": "建设\n性质",
    "项目状态": "项目\n状态",
    "开工时间": "开工\n时间",
    "计量单位": "计量\n单位",
    "集群代码": "集群\n代码",
    "指标代码": "指标\n代码",
    "从业人员": "从业\n人员",
    "从业人员（人）": "从业人员\n（人）",
    "本年累计（万元）": "本年累计\n（万元）",
}


def header_text(title: str, width: float, wide: float = 1.75) -> str:
    """``title`` as a header cell ``width`` units wide: unchanged when it fits one line, else broken
    between words (HEADER_BREAKS); ``wide`` is a Chinese character's width in units at the cell's size."""
    need = sum(wide if ord(ch) > 0x2E7F else 1.0 for ch in title)
    if need <= width - 1 or "\n" in title:
        return title
    return HEADER_BREAKS.get(title, title)
