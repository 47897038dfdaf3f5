"""The layout profile of the 简报: every number of the government document format in one place.

Each value is marked "standard" (GB/T 9704-2012 says so) or "practice" (custom that no standard fixes:
change it here, or edit the styles of templates/brief.docx). docs/brief.md explains each one.
The builder of the default template (render/brief_template.py) and the renderer (render/brief.py)
both read this profile; nothing else in the code holds a layout number.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

# Chinese type sizes (字号) in points.
CHU_HAO = Decimal(42)  # 初号
ER_HAO = Decimal(22)  # 2号
SAN_HAO = Decimal(16)  # 3号
SI_HAO = Decimal(14)  # 4号
WU_HAO = Decimal("10.5")  # 5号


def mm_to_twips(mm: Decimal | int | str) -> int:
    """Millimetres -> twentieths of a point, rounded half up (37 mm -> 2098)."""
    value = Decimal(str(mm)) * Decimal(1440) / Decimal("25.4")
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def pt_to_twips(pt: Decimal | int | str) -> int:
    value = Decimal(str(pt)) * Decimal(20)
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def pt_to_half_points(pt: Decimal | int | str) -> int:
    value = Decimal(str(pt)) * Decimal(2)
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


@dataclass(frozen=True)
class BriefProfile:
    """Page, fonts, sizes and spacing of the brief. Units: mm, pt; colours as RRGGBB."""

    # ---- page (standard: GB/T 9704-2012 5.2) ----------------------------------------------------
    page_width_mm: Decimal = Decimal(210)  # standard: A4
    page_height_mm: Decimal = Decimal(297)  # standard: A4
    margin_top_mm: Decimal = Decimal(37)  # standard: 天头 37 mm
    margin_bottom_mm: Decimal = Decimal(35)  # standard: 297 - 37 - 225 (text block 225 mm high)
    margin_left_mm: Decimal = Decimal(28)  # standard: 订口 28 mm
    margin_right_mm: Decimal = Decimal(26)  # standard: 210 - 28 - 156 (text block 156 mm wide)
    header_distance_mm: Decimal = Decimal(15)  # practice: no header text is printed
    footer_distance_mm: Decimal = Decimal(22)  # practice: puts "— 1 —" about 7 mm below the text block

    # ---- fonts (standard names; machines without them substitute, see docs/brief.md) -------------
    font_masthead: str = "方正小标宋简体"  # standard: 发文机关标志 in 小标宋
    font_title: str = "方正小标宋简体"  # standard: title in 小标宋
    font_body: str = "仿宋_GB2312"  # standard: body in 仿宋
    font_heading1: str = "黑体"  # standard: "一、" headings
    font_heading2: str = "楷体_GB2312"  # standard: "（一）" headings
    font_page_number: str = "宋体"  # standard: page numbers in 宋体
    font_table: str = "仿宋_GB2312"  # practice: table body in 仿宋 (or 宋体)
    font_table_header: str = "黑体"  # practice: table header row in 黑体
    font_latin: str = "Times New Roman"  # practice: digits and Latin letters
    font_page_number_latin: str = "宋体"  # standard: 半角 宋体 digits and dashes

    # ---- sizes and spacing ----------------------------------------------------------------------
    body_size_pt: Decimal = SAN_HAO  # standard: 3号
    body_line_pt: Decimal = Decimal("28.95")  # standard grid of 22 lines; exact 28.95 pt (29 pt gives 21)
    body_char_spacing_pt: Decimal = Decimal("-0.25")  # standard grid of 28 characters a line
    body_indent_chars: int = 2  # standard: first line indented two characters
    title_size_pt: Decimal = ER_HAO  # standard: 2号
    title_line_pt: Decimal = Decimal(35)  # practice: long titles wrap at 35 pt
    masthead_size_pt: Decimal = CHU_HAO  # practice: about 初号 (size not fixed)
    masthead_min_size_pt: Decimal = Decimal(22)  # practice: a long 简报名称 shrinks to stay on one line, not below 2号
    masthead_colour: str = "FF0000"  # standard: red
    masthead_line_pt: Decimal = Decimal(60)  # practice
    issue_size_pt: Decimal = SAN_HAO  # practice: 第N期 in 3号 仿宋
    unit_line_size_pt: Decimal = SAN_HAO  # practice: issuing unit / date line in 3号 仿宋
    red_rule_eighths: int = 18  # practice: thickness not fixed; 2.25 pt
    red_rule_colour: str = "FF0000"  # standard: red
    colophon_size_pt: Decimal = SI_HAO  # standard: 4号 仿宋
    colophon_indent_chars: int = 1  # standard: one character in from each side
    note_line_pt: Decimal = Decimal(22)  # practice: the closing 附注 in 4号 on 22 pt lines
    colophon_outer_rule_eighths: int = 8  # standard: 0.35 mm ≈ 1 pt
    colophon_inner_rule_eighths: int = 6  # standard: 0.25 mm ≈ 0.75 pt
    page_number_size_pt: Decimal = SI_HAO  # standard: 4号
    page_number_indent_chars: int = 1  # standard: one character in from the edge
    page_number_format: str = "— {PAGE} —"  # standard: an em dash either side
    table_size_pt: Decimal = WU_HAO  # practice: 5号 in tables
    table_line_pt: Decimal = Decimal(14)  # practice: exact line height of table text (fixed row heights let the
    #                                        renderer know where a page ends and write 续表 there)
    table_caption_size_pt: Decimal = SAN_HAO  # practice: table / chart captions in 3号 黑体
    table_cell_padding_pt: Decimal = Decimal("1.5")  # practice: space above and below cell text
    table_cell_margin_mm: Decimal = Decimal(1)  # practice: space left and right of cell text
    # practice: 表1 column widths (集群, 指标（单位）, 本年累计, 同比, 年度目标, 完成率, 进度差), 156 mm in all:
    # 本年累计 holds 4 characters of 5号 on one line, 年度目标 a plan-end target's “（2025年）” whole (5 ems, with room
    # for a substitute font's wider digits), 进度差's "（百分点）" 5, the indicator name 11, the cluster 5.
    table_columns_mm: tuple[Decimal, ...] = tuple(Decimal(w) for w in (21, 45, 18, 13, 23, 15, 21))
    table_outer_rule_eighths: int = 12  # practice: three-line table, top and bottom 1.5 pt
    table_inner_rule_eighths: int = 6  # practice: rule under the header 0.75 pt
    table_group_rule_eighths: int = 2  # practice: hairline (0.25 pt) between the clusters of 表1
    chart_width_mm: Decimal = Decimal(150)  # practice: inside the 156 mm text block
    chart_height_mm: Decimal = Decimal(68)  # practice: the height for up to chart_base_clusters clusters
    chart_base_clusters: int = 6  # practice: more clusters add chart_mm_per_cluster each
    chart_mm_per_cluster: Decimal = Decimal(9)  # practice: two 8 pt label lines per cluster without overlap
    chart_max_height_mm: Decimal = Decimal(215)  # practice: never taller than the text block (225 mm) less a caption
    chart_font_pt: Decimal = Decimal(9)  # practice: labels print at ≥ 9 pt (the image is placed at 100 %)
    chart_dpi: int = 200  # practice

    # ---- derived -------------------------------------------------------------------------------
    @property
    def text_width_twips(self) -> int:
        return mm_to_twips(self.page_width_mm - self.margin_left_mm - self.margin_right_mm)

    @property
    def text_height_pt(self) -> Decimal:
        return (self.page_height_mm - self.margin_top_mm - self.margin_bottom_mm) * 72 / Decimal("25.4")

    @property
    def text_width_pt(self) -> Decimal:
        return (self.page_width_mm - self.margin_left_mm - self.margin_right_mm) * 72 / Decimal("25.4")

    @property
    def body_indent_twips(self) -> int:
        return pt_to_twips(self.body_size_pt * self.body_indent_chars)

    @property
    def colophon_indent_twips(self) -> int:
        return pt_to_twips(self.colophon_size_pt * self.colophon_indent_chars)

    @property
    def page_number_indent_twips(self) -> int:
        return pt_to_twips(self.page_number_size_pt * self.page_number_indent_chars)


DEFAULT_PROFILE = BriefProfile()
