# Over 500 lines: the 汇总表's sheets share styles and print setup; one function per sheet.
"""The consolidated workbook (汇总表): Figures rendered as statistical tables a bureau can print.

Sheets: 总表 (cluster × indicator against targets and 时序进度, programme 合计, a column chart),
分县区 (district × cluster × indicator with ranks, each block's 合计 = the 总表 figure), 企业名录 and
重点项目 (summaries by 县区 × 集群: the full lists are in the detail workbook, render/detail_book.py),
报送情况 (every district), 问题清单 (every finding).
Every number is written as a VALUE — ``fmt.shown(value, places)`` with a number format of that many
decimals — never as a formula, so Excel, WPS, LibreOffice and phone viewers show the same digits as
the 简报. District text is written with write_string after ``clean_for_office``. docs/workbook.md
describes each sheet.
"""
from __future__ import annotations

from pathlib import Path

from reporttool.catalogue import Catalogue
from reporttool.core.files import atomic_path
from reporttool.core.fmt import text, trim
from reporttool.core.models import SOURCE_OUTPUT, SOURCE_ROSTER, TARGET_GROWTH, Indicator, Period
from reporttool.core.status import LAGGING, ST_ERRORS, ST_MISSING, ST_PASSED, ST_RETURNED, ST_VERIFY
from reporttool.figures.records import (
    Figures,
    IndicatorFigure,
    SubmissionState,
    headline_figures,
    programme_parts,
    roster_gaps,
    shown_gap,
)
from reporttool.figures.scorecard import span_index
from reporttool.render import finding_words, other_targets, plan_words
from reporttool.render.scorecard import scorecard_sheet
from reporttool.render.wording import coverage, full_year, waiting_note
from reporttool.render.xlsx_styles import (
    Column,
    Styles,
    TableSheet,
    adds_up,
    clean_for_office,
    lines_needed,
    text_width,
)

# in_memory: the parts are assembled in memory, not as temporary files removed afterwards (≈ 0.06 s of a
# province 汇总表 went to creating and deleting them); the workbook is a few MiB
WORKBOOK_OPTIONS = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False,
                    "in_memory": True}
INVEST_STATUSES = ("签约", "开工", "在建", "竣工投产")
SHEETS = ("总表", "分县区", "企业名录", "重点项目", "报送情况", "问题清单")  # with the default words


def sheet_names(cat: Catalogue) -> tuple[str, ...]:
    """The sheets in order, 分县区 named with the catalogue's unit word (分设区市 for a province)."""
    return (SHEETS[0], cat.words.by_unit, *SHEETS[2:])
TOTAL = "合计"
ROUNDING_NOTE = "分项相加不等于合计系四舍五入所致。"
DASH_NOTE = "“—”表示无可比基数（上年同期为0或未填）或无数据。"
RATE_NOTE = ("比率类指标（单位为%，如占比、比重）不计算同比和完成率，以“—”表示；比率类指标的进度差为与目标值之差"
             "（本年累计－目标值，百分点），低于目标值为“滞后”。")
REPORTED_RATIO_NOTE = ("全市数暂缺：各县区只填报了比率，未填报分子、分母，比率不能相加或平均，无法得出全市数"
                       "（各县区数见分县区表）")
LIKE_FOR_LIKE_NOTE = ("同比按可比口径计算：仅含两年均有数据的县区和企业，可能与本年累计、上年同期直接相除的结果不同。")


def _w(cat: Catalogue, text: str) -> str:
    """A fixed sentence in the catalogue's words: 全市 → 全省, 县区 → 设区市 (no change for the defaults)."""
    w = cat.words
    return text.replace("全市", w.whole).replace("县区", w.unit)


def consolidated_name(cat: Catalogue, period: Period) -> str:
    """File name of the consolidated workbook: 葫芦岛市重点产业集群主要指标汇总表（2025年1-6月）.xlsx."""
    s = cat.settings
    return f"{s.city}{s.programme_name}主要指标汇总表（{period.span_label}）.xlsx"  # as its titles: Period.span_label


def write_consolidated(figures: Figures, cat: Catalogue, dest: Path) -> Path:
    """Write the consolidated workbook to ``dest`` atomically (a half-written file never replaces it)."""
    import xlsxwriter

    dest = Path(dest)
    with atomic_path(dest) as tmp:
        wb = xlsxwriter.Workbook(str(tmp), WORKBOOK_OPTIONS)
        try:
            st = Styles(wb)
            s = cat.settings
            wb.set_properties({"title": consolidated_name(cat, figures.period)[:-5], "author": s.issuing_unit,
                               "company": s.issuing_unit, "comments": "reporttool 生成"})
            _summary_sheet(wb, st, figures, cat)
            if figures.months:
                _trend_sheet(wb, st, figures, cat)
            _district_sheet(wb, st, figures, cat)
            _enterprise_sheet(wb, st, figures, cat)
            _project_sheet(wb, st, figures, cat)
            _submission_sheet(wb, st, figures, cat)
            scorecard_sheet(wb, st, figures, cat, title_of(cat, figures.period, f"{cat.words.unit}考核情况"),
                            compiler(cat))  # a quarter or a year only
            _findings_sheet(wb, st, figures, cat)
        finally:
            wb.close()
    return dest


# ---- shared pieces ------------------------------------------------------------------------------


def title_of(cat: Catalogue, period: Period, what: str) -> str:
    """葫芦岛市重点产业集群{what}（2025年1-6月; 2025年上半年 for 2025-Q2, 2025年全年: Period.span_label)."""
    s = cat.settings
    return f"{s.city}{s.programme_name}{what}（{period.span_label}）"


def compiler(cat: Catalogue) -> str:
    return f"编制单位：{cat.settings.issuing_unit}"


def units_line(units: list[str]) -> str:
    """单位：亿元、户、% — the units shown in a table, in first-seen order, % last."""
    seen: list[str] = []
    for u in units:
        if u and u not in seen and u != "%":
            seen.append(u)
    seen.append("%")  # every table shows a rate (同比)
    return "单位：" + "、".join(seen)


def total_first(cat: Catalogue) -> bool:
    return cat.settings.total_row_first


def _target_text(f: IndicatorFigure, rate_places: int, ind: Indicator | None = None,
                 cat: Catalogue | None = None) -> str:
    """目标说明: the 推算 mark, growth targets, how it was derived, the plan's wording (目标.说明), and the
    further targets (a growth rate beside a level, the plan-end target: render/other_targets.py)."""
    parts: list[str] = []  # joined once with "；" (a part never brings its own separator)
    if f.target_kind == TARGET_GROWTH and f.target_rate is not None:
        parts.append(f"增速目标{trim(f.target_rate, rate_places)}%")
    note = f.target_note.strip()
    if note and not (f.target_kind == TARGET_GROWTH and note.startswith("增速目标")):
        parts.append(note)
    if (f.value is None and not f.summable and ind is not None and ind.source == SOURCE_OUTPUT
            and (f.target is not None or f.others) and not f.district):
        parts.append(_w(cat, REPORTED_RATIO_NOTE) if cat is not None else REPORTED_RATIO_NOTE)
    wording = f.target_wording.strip()
    if wording and wording not in note:
        parts.append(wording)
    if f.base_year is not None and ind is not None and f"{f.base_year}年基期值" not in note:
        parts.append(f"{f.base_year}年基期{trim(f.base_value, ind.decimals)}{ind.unit}")
    if ind is not None:
        parts.append(other_targets.note_text(f, ind, rate_places))
    text = "；".join(p.strip("；") for p in parts if p.strip("；"))
    return ("（推算）" if f.target_derived else "") + text


# ---- 总表 -----------------------------------------------------------------------------------------


def _summary_sheet(wb, st: Styles, figs: Figures, cat: Catalogue) -> None:
    s = cat.settings
    rp = s.rate_decimals
    # 当月 and 环比 after the others, when there are any (figures/months.py: flows of a monthly period)
    months = any(f.month_value is not None for f in figs.clusters + figs.programme)
    # a quarter or a year: 当季 just before 本年累计 (二季度 | 上半年, as releases print 本季 beside 累计), when some
    # figure has one (figures/scorecard.py span_values: not in the first quarter, whose 当季 is its 本年累计)
    quarter = quarter_column(figs)
    k = 1 if quarter else 0  # the columns from 本年累计 on move right by one
    spans = span_index(figs)
    # widths: the table prints one A4 landscape page wide at ≥ 9 pt (reporttool.core.paper; tests/test_print.py);
    # with the two month columns (or the 当季 column) the others are narrower (the page count stays about the
    # same: the print scale falls from 96 % to 92 %, so more rows fit a page)
    w = (9, 14, 6, 8, 6, 8, 6, 9.5, 5) if months or quarter else (10, 15, 6.5, 9, 7, 9, 7, 10, 5.5)
    cols = [Column("集群", w[0]), Column("指标", w[1]), Column("单位", w[2])]
    if quarter:
        cols.append(Column(quarter, w[3], "完成情况"))
    cols += [Column("本年累计", w[3], "完成情况"), Column("上年同期", w[3], "完成情况"),
             Column("同比\n（%）", w[4], "完成情况"),
             Column("目标值", w[5], "年度目标"), Column("目标说明", 14, "年度目标"),
             Column("完成率\n（%）", w[6], "目标进度"), Column("时序\n进度\n（%）", w[6], "目标进度"),
             Column("进度差\n（百分点）", w[7], "目标进度"), Column("状态", w[8], "目标进度")]
    if months:
        group = f"{figs.period.month}月当月"
        cols += [Column("当月", 7.5, group), Column("环比\n（%）", 5.5, group)]
    t = TableSheet(wb, st, "总表", cols)
    t.title(title_of(cat, figs.period, "主要指标完成情况"))
    shown_units = [i.unit for i in cat.indicators if any(f.indicator == i.code for f in figs.clusters)]
    t.meta(compiler(cat), units_line(shown_units))
    t.header()

    names = {c.code: c.short_name for c in cat.clusters}
    blocks: list[tuple[str, list[IndicatorFigure]]] = []
    for c in cat.clusters:
        rows = _in_catalogue_order(cat, [f for f in figs.clusters if f.cluster == c.code])
        if rows:
            blocks.append((names[c.code], rows))
    programme = _in_catalogue_order(cat, list(figs.programme))
    if programme:
        blocks.insert(0 if total_first(cat) else len(blocks), (TOTAL, programme))

    # the notes first: a 目标说明 too long for its cell goes under the table as a numbered note (见注N)
    notes = _summary_notes(figs, cat, programme)
    moved = LongNotes(len(notes), cols[7 + k].width)
    for label, rows in blocks:
        is_total = label == TOTAL
        inds = [cat.indicator(f.indicator) for f in rows]
        titles = [ind.name if ind else f.indicator for f, ind in zip(rows, inds, strict=True)]
        texts = [moved.cell(f"{title}（{label}）", _target_text(f, rp, ind, cat))
                 for f, ind, title in zip(rows, inds, titles, strict=True)]
        heights = stub_heights(t, label, [[(1, title), (7 + k, note)]
                                          for title, note in zip(titles, texts, strict=True)])
        for n, (f, note, height) in enumerate(zip(rows, texts, heights, strict=True)):
            ind = cat.indicator(f.indicator)
            if n == 0:
                t.merge_down(0, len(rows), label, "center", bold=is_total)
            else:
                t.continue_merge(0, bold=is_total)
            if quarter:
                sv = spans.get((f.cluster, f.indicator, ""))
                t.put(3, sv.value if sv is not None else None, places=ind.decimals if ind else 2, bold=is_total)
            _summary_row(t, f, ind, note, rp, is_total, months, k)
            t.next_row(height)

    _plan_rows(t, figs, cat, moved, k)
    t.notes(notes + moved.lines)
    chart_row = _completion_chart(wb, t, st, figs, cat)
    # the chart and its data start a page of their own, below the table and within its width: a chart
    # beside the table made the sheet wider than the table and shrank the whole print
    t.finish(freeze_col=2, breaks=[chart_row] if chart_row else None)


PLAN_LABEL = "规划期目标"
DENSE_ROW = 16.0  # pt: a one-line row of a long listing (分县区); 18 elsewhere
AREA_CLUSTER = "不分集群"  # 分县区: the block of district-wide figures and programme ratios


class LongNotes:
    """目标说明 texts too long for their narrow cell (more than MAX_CELL_LINES lines: a 15-line cell made a
    规划期目标 row a third of a page): the cell says “见注N” and the text goes under the table as note N,
    numbered after the ``first`` notes, with the row's name in front."""

    MAX_CELL_LINES = 4

    def __init__(self, first: int, width: float):
        self.first = first
        self.width = width
        self.lines: list[str] = []

    def cell(self, name: str, text: str) -> str:
        if lines_needed(text, self.width) <= self.MAX_CELL_LINES:
            return text
        self.lines.append(f"{name}：{text}")
        return f"见注{self.first + len(self.lines)}"


def stub_heights(t: TableSheet, label: str, texts: list[list[tuple[int, str]]]) -> list[float]:
    """Row heights of a block whose stub ``label`` (column 0) is merged down it: each row as tall as its
    own texts need, and the block as tall as the stub needs, the extra shared out evenly (not all on the
    first row, which made a one-line row four lines tall)."""
    heights = [max(18.0, 13.5 * max((lines_needed(x, t.columns[c].width) for c, x in row if x), default=1) + 4)
               for row in texts]
    need = 13.5 * lines_needed(label, t.columns[0].width) + 4
    short = need - sum(heights)
    if short > 0 and heights:
        heights = [h + short / len(heights) for h in heights]
    return heights


def _plan_rows(t: TableSheet, figs: Figures, cat: Catalogue, moved: LongNotes, k: int = 0) -> None:
    """The multi-year targets (累计/新增) under the clusters: plan to date in 本年累计, the plan's time
    elapsed in 时序进度 (figures/plan.py; the words in render/plan_words.py). ``k``: 1 when a 当季 column
    stands before 本年累计 (left empty here: a multi-year target has no quarter of its own)."""
    rows = [(f, ind) for f in figs.plan if (ind := cat.indicator(f.indicator)) is not None]
    rp = cat.settings.rate_decimals
    names = [(f"{c.short_name}：" if (c := cat.cluster(f.cluster)) else "") + plan_words.label(f, ind)
             for f, ind in rows]
    texts = [moved.cell(f"{PLAN_LABEL}“{name}”", plan_words.note_text(f, ind, cat))
             for name, (f, ind) in zip(names, rows, strict=True)]
    heights = stub_heights(t, PLAN_LABEL, [[(1, name), (7 + k, note)]
                                           for name, note in zip(names, texts, strict=True)])
    for n, (f, ind) in enumerate(rows):
        name, note = names[n], texts[n]
        if n == 0:
            t.merge_down(0, len(rows), PLAN_LABEL, "center", bold=True)
        else:
            t.continue_merge(0, bold=True)
        t.put(1, name, "text")
        t.put(2, ind.unit, "center")
        if k:
            t.put(3, None)
        t.put(3 + k, f.value, places=ind.decimals)
        t.put(4 + k, None)
        t.put(5 + k, None)
        t.put(6 + k, f.target, places=ind.decimals)
        t.put(7 + k, note, "text")
        t.put(8 + k, f.completion, places=rp)
        t.put(9 + k, f.time_progress, places=rp)
        lag = f.status == LAGGING
        t.put(10 + k, f.gap, places=rp, alert=lag)
        t.put(11 + k, f.status, "center", alert=lag)
        for col in range(12 + k, t.ncols):  # 当月, 环比: not for a multi-year target
            t.put(col, None)
        t.next_row(heights[n])


def _summary_row(t: TableSheet, f: IndicatorFigure, ind: Indicator | None, note: str, rp: int,
                 bold: bool, months: bool = False, k: int = 0) -> None:
    """Columns 1-2 and, from 本年累计 on (column 3 + ``k``: 1 behind a 当季 column), the figure's numbers."""
    places = ind.decimals if ind else 2
    t.put(1, ind.name if ind else f.indicator, "text", bold=bold)
    t.put(2, ind.unit if ind else "", "center", bold=bold)
    t.put(3 + k, f.value, places=places, bold=bold)
    t.put(4 + k, f.last_year, places=places, bold=bold)
    t.put(5 + k, f.yoy, places=rp, bold=bold)
    t.put(6 + k, f.target, places=places, bold=bold)
    t.put(7 + k, note, "text", bold=bold)
    t.put(8 + k, f.completion, places=rp, bold=bold)
    t.put(9 + k, f.time_progress, places=rp, bold=bold)
    lag = f.status == LAGGING
    t.put(10 + k, f.gap, places=rp, bold=bold, alert=lag)
    t.put(11 + k, f.status, "center", bold=bold, alert=lag)
    if months:
        t.put(12 + k, f.month_value, places=places, bold=bold)
        t.put(13 + k, f.mom, places=rp, bold=bold)


def quarter_column(figs: Figures) -> str:
    """The 当季 column's title (“二季度\n当季”) of a quarter's or a year's 总表 and 分县区 when some figure has a
    当季 (Figures.span_values); "" otherwise (a month, a first quarter, no flow with both quarter ends)."""
    p = figs.period
    if p.monthly or p.month <= 3 or not any(v.value is not None for v in figs.span_values):
        return ""
    return f"{p.quarter_word}\n当季"


def quarter_notes(figs: Figures, cat: Catalogue) -> list[str]:
    """How 当季 is computed (docs/consolidation.md “当季”), and who is left out of it; [] without the column."""
    if not quarter_column(figs):
        return []
    p = figs.period
    before = Period(p.year, p.month - 3)
    text = (f"{p.quarter_word}当季＝{p.month}月末本年累计－{before.month}月末本年累计（台账中各县区两个季末在用报表的数），"
            f"只计两个季末均有该项数据的县区，本年累计低于上季末的县区不计；户数等存量指标和比率指标不计算当季。")
    lines = [_w(cat, text)]
    city = [v for v in figs.span_values if not v.district]
    missing = [d for v in city for d in v.missing]
    fallen = [d for v in city for d in v.fallen]
    for codes, why in ((missing, "缺少上季末数据"), (fallen, "本年累计低于上季末")):
        if codes:
            names = "、".join(d.name for d in cat.districts if d.code in set(codes))
            lines.append(_w(cat, f"{names}{why}，其所在集群的当季不含该县区（分县区表为“—”）。"))
    return lines


def _summary_notes(figs: Figures, cat: Catalogue, programme: list[IndicatorFigure]) -> list[str]:
    s = cat.settings
    rp = s.rate_decimals
    lines = [f"{figs.period.label}{figs.basis}（本年累计为{figs.period.span}累计数）。"] if figs.basis else []
    lines += [f"时序进度＝报告期月数÷12，本期为{text(figs.time_progress, rp)}%；完成率＝本年累计÷年度目标。",
             f"进度差＝完成率－时序进度（百分点，按表中所列的两个数相减），低于－{trim(s.lag_threshold, rp)}个百分点为“滞后”，"
             f"高于{trim(s.lag_threshold, rp)}个百分点为“超前”，其余为“正常”。"]
    if full_year(figs.time_progress):  # the year is over: the brief speaks of the annual target itself
        lines.append("全年时序进度为100%，进度差即完成率与年度目标之差：“滞后”即未完成年度目标，“超前”即超额完成年度目标"
                     "（进度差大于0即为超前），“正常”中进度差为0的即完成年度目标、低于0的即基本完成（简报按此表述）。")
    if any(f.target_kind == TARGET_GROWTH for f in figs.clusters + figs.programme):
        lines.append("增速目标不计算完成率，其进度差为同比增速与目标增速之差（百分点）。")
    everything = figs.clusters + figs.programme
    if any(f.completion is not None and f.time_progress is None and not _is_rate(cat, f) for f in everything):
        lines.append("户数、装机容量等存量指标只计算完成率，不与时序进度比较。")
    if any(_is_rate(cat, f) for f in everything):
        lines.append(RATE_NOTE)
    if any(f.target_derived for f in figs.clusters + figs.programme):
        lines.append("目标说明标“（推算）”的，系按规划目标年的目标值和年均增长率（或基期倍数）推算的本年目标。")
    if any(f.like_for_like and f.yoy is not None for f in figs.clusters + figs.programme):
        lines.append(_w(cat, LIKE_FOR_LIKE_NOTE))
    if programme:
        lines.append("合计为各集群分项相加，同一企业分属多个集群的按各集群分别统计。")
        out = [c.short_name for c in cat.clusters if not c.in_programme]
        if out:
            lines.append(f"合计不含{'、'.join(out)}（目标库中“计入合计”为否）。")
        lines.extend(_stand_in_notes(figs, cat))
        area = [i.name for i in cat.programme_indicators() if any(f.indicator == i.code for f in programme)]
        if area:
            lines.append(_w(cat, f"合计中的{'、'.join(area)}不分集群：由各县区填报一次的全市数汇总，或按其与各集群合计数计算。"))
    if figs.plan:
        lines.append(_w(cat, f"{PLAN_LABEL}为跨年度的规划目标：累计目标的“本年累计”栏为规划期各年本年累计之和（往年取各年12月"
                             "报表，台账中没有的取目标库“基期”表），新增目标为现值减同一批县区的基期年末值；“时序进度”栏为"
                             "规划期时间进度（已过时间÷规划期年数），进度差＝完成率－时间进度。"))
    lines.extend(month_notes(figs, cat))
    lines.extend(quarter_notes(figs, cat))
    lines.extend(missing_note(figs))
    wait = waiting_note(figs, cat, "其“状态”栏的“滞后”系按已报送数据判断（简报称“暂低于时序进度”）")
    if wait:  # the brief and 图1 say the same of these clusters
        lines.append(wait)
    lines.extend(roster_gap_note(figs, _roster_indicators(cat, figs.clusters), cat))
    lines.append(DASH_NOTE)
    if not _summary_adds_up(figs, cat, programme):
        lines.append(ROUNDING_NOTE)
    return lines


def _stand_in_notes(figs: Figures, cat: Catalogue) -> list[str]:
    """合计中的产值含纺织服装和农副产品加工的“集群产值（四项合计）”…: a cluster counted in a 合计 through a 计算
    indicator standing for the summed one (指标.汇总口径; figures.programme_parts)."""
    lines = []
    for f in figs.programme:
        ind = cat.indicator(f.indicator)
        if ind is None:
            continue
        stand = [(cat.cluster(c), cat.indicator(code)) for c, code in programme_parts(cat, ind.code) if code != ind.code]
        if stand:
            who = "、".join(f"{c.short_name}的“{i.name}”" for c, i in stand if c is not None and i is not None)
            lines.append(f"合计中的{ind.name}含{who}（该集群不单独填报{ind.name}，由目标库“指标”表“汇总口径”指定计入）。")
    return lines


def month_notes(figs: Figures, cat: Catalogue) -> list[str]:
    """How 当月 and 环比 are computed (docs/consolidation.md “当月与环比”), and that a district missing one of
    the two months is not in its cluster's 当月; [] when no figure has a 当月 (a quarterly period)."""
    if not any(f.month_value is not None for f in figs.clusters + figs.programme):
        return []
    m = figs.period.month
    if m == 1:
        text = "1月当月即1月本年累计；环比＝（当月÷上年12月当月－1）×100%"
    else:
        text = f"当月＝{m}月本年累计－{m - 1}月本年累计，只计两个月均有该项数据的县区；环比＝（当月÷{m - 1}月当月－1）×100%"
    lines = [_w(cat, text + "，按同一批县区计算。户数等存量指标和比率指标不计算当月。")]
    everything = figs.clusters + figs.programme
    if any(f.month_value is not None and f.month_partial for f in everything):
        lines.append(_w(cat, "有县区只有本月或上月的数据（未报送或数据未通过审核），其所在集群的当月不含该县区，"
                             "不等于两个月本年累计之差。"))
    fallen = fallen_words(everything, cat)
    if fallen:
        lines.append(_w(cat, f"{fallen}本年累计低于上月（本月有企业或项目行未通过审核未计入，或名录、项目较上月减少），"
                             "不计算该县区的当月（分县区表为“—”），所在集群的当月不含该县区。"))
    return lines


def fallen_words(figures: list[IndicatorFigure], cat: Catalogue) -> str:
    """“化工项目完成投资（甲区）、…” for the city figures with a district whose 本年累计 fell below last
    month's (IndicatorFigure.month_fallen, figures/months.py); "" when none. A programme total repeats its
    clusters' cells: only a district-wide indicator's (集群 合计) is named under the programme."""
    parts = []
    for f in figures:
        ind = cat.indicator(f.indicator)
        if f.district or not f.month_fallen or ind is None or (not f.cluster and not ind.programme):
            continue
        cl = cat.cluster(f.cluster)
        names = "、".join(d.name if (d := cat.district(code)) else code for code in f.month_fallen)
        parts.append(f"{cl.short_name if cl else ''}{ind.name}（{names}）")
    return "、".join(dict.fromkeys(parts))


def _is_rate(cat: Catalogue, f: IndicatorFigure) -> bool:
    """A rate indicator (unit %, e.g. 占比): no 同比, no 完成率; its 进度差 is value − target."""
    ind = cat.indicator(f.indicator)
    return ind is not None and ind.unit == "%"


def missing_note(figs: Figures) -> list[str]:
    """["本期兴城市未报送，合计数不含其数据。"] when districts did not report (or were 退回, or withdrawn), else []."""
    # the brief's words: a district the bureau returned on the web page is 退回, one withdrawn 已撤回, not 未报送
    words = coverage(figs).absent_words(term="")  # 本期乙县数据已撤回, not 本期乙县本月…
    return [f"本期{words}，合计数不含其数据。"] if words else []


def _summary_adds_up(figs: Figures, cat: Catalogue, programme: list[IndicatorFigure]) -> bool:
    for p in programme:
        ind = cat.indicator(p.indicator)
        places = ind.decimals if ind else 2
        parts = [f for f in figs.clusters if f.indicator == p.indicator]
        if not adds_up([f.value for f in parts], p.value, places):
            return False
        if not adds_up([f.last_year for f in parts], p.last_year, places):
            return False
    return True


def _completion_chart(wb, t: TableSheet, st: Styles, figs: Figures, cat: Catalogue) -> int | None:
    """A column chart under the notes, no wider than the table, and its data (集群, 指标, 完成率,
    时序进度) under the chart. Returns the row the chart starts on (a page break), None without one."""
    heads = headline_figures(figs, cat)
    if not heads:
        return None
    rp = cat.settings.rate_decimals
    # the chart, its data and the line naming the clusters left out share one page: the chart is made
    # lower when the page could not hold them all (the last line used to spill onto a page of its own)
    width = sum(c.width for c in t.columns)
    names = [((c.short_name if (c := cat.cluster(f.cluster)) else f.cluster),
              (ind.name if (ind := cat.indicator(f.indicator)) else f.indicator)) for f in heads]
    data = sum(max(18.0, 13.5 * max(lines_needed(a, t.columns[0].width), lines_needed(b, t.columns[1].width)) + 4)
               for a, b in names)
    left_out = [c.short_name for c in cat.clusters if all(f.cluster != c.code for f in heads)]
    year = full_year(figs.time_progress)  # 时序进度 100 %: the annual target itself is the measure
    measure = "年度目标" if year else "时序进度"
    why = clean_for_office(f"{'、'.join(left_out)}本期没有与{measure}比较的指标（户数、占比等存量或比率指标"
                           "不比较），未列入图中。") if left_out else ""
    why_height = 13.5 * lines_needed(why, width) + 5 if why else 0.0
    room = t.page_height() - t.head_height - 15 - 8 - 30 - data - why_height
    chart_rows = max(8, min(-(-280 // 20) + 1, int(room // 15)))
    height = (chart_rows - 1) * 20  # px: 280 when there is room
    t.next_row(15)  # every row above the chart has an explicit height: LibreOffice's default row is lower
    block = t.row   # than Excel's, and a chart placed by a position computed from it would cross the break
    t.next_row(8)
    for _ in range(chart_rows):  # the rows under the chart, 20 px each (LibreOffice's default row is
        t.next_row(15)           # lower): the chart's cell anchors span the same height everywhere
    t.put(0, "图表数据：集群", "head")
    t.put(1, "主要指标", "head")
    t.put(2, "完成率\n（%）", "head")
    t.put(3, f"{measure}\n（%）", "head")
    t.next_row(30)
    first = t.row
    for f in heads:
        c = cat.cluster(f.cluster)
        ind = cat.indicator(f.indicator)
        t.set_height([(0, c.short_name if c else ""), (1, ind.name if ind else "")])
        t.put(0, c.short_name if c else f.cluster, "center")
        t.put(1, ind.name if ind else f.indicator, "text")
        t.put(2, f.completion, places=rp)
        t.put(3, f.time_progress, places=rp)
        t.next_row()
    last = t.row - 1
    if why:
        t.ws.merge_range(t.row, 0, t.row, t.ncols - 1, why, st.get("note"))
        t.next_row(why_height)
    t.keep(block, t.row - 1)
    name = "总表"
    chart = wb.add_chart({"type": "column"})
    chart.add_series({"name": "完成率", "categories": [name, first, 0, last, 0],
                      "values": [name, first, 2, last, 2], "fill": {"color": "#4472C4"},
                      "data_labels": {"value": True, "num_format": "0." + "0" * rp if rp else "0",
                                      "font": {"name": "宋体", "size": 10}}})
    line = wb.add_chart({"type": "line"})
    line.add_series({"name": "年度目标（100%）" if year else "时序进度", "categories": [name, first, 0, last, 0],
                     "values": [name, first, 3, last, 3], "line": {"color": "#C00000", "width": 2,
                                                                   "dash_type": "dash"},
                     "marker": {"type": "none"}})
    chart.combine(line)
    what = "年度目标完成率" if year else "完成率与时序进度"  # as the brief's 图1 (render/prose.chart_block)
    chart.set_title({"name": f"各集群主要指标{what}（{figs.period.span_label}）",
                     "name_font": {"name": "黑体", "size": 11, "bold": False}})
    chart.set_x_axis({"num_font": {"name": "宋体", "size": 10}})
    chart.set_y_axis({"name": "%", "num_font": {"name": "宋体", "size": 10}, "min": 0,
                      "major_gridlines": {"visible": True, "line": {"color": "#D9D9D9"}}})
    chart.set_legend({"position": "bottom", "font": {"name": "宋体", "size": 10}})
    # as wide as the table (in Excel's pixels: 7 per width unit + 5 per column), never wider: a chart
    # reaching past the table widens the printed sheet and shrinks everything on it
    table_px = sum(int(c.width * 7 + 0.5) + 5 for c in t.columns)
    chart.set_size({"width": min(table_px - 4, 900), "height": height})
    t.ws.insert_chart(block + 1, 0, chart, {"x_offset": 2, "y_offset": 0, "object_position": 1})
    return block


# ---- 分县区 --------------------------------------------------------------------------------------


# ---- 月度走势 ---------------------------------------------------------------------------------------

TREND_SHEET = "月度走势"


def _trend_sheet(wb, st: Styles, figs: Figures, cat: Catalogue) -> None:
    """The year's path of each cluster's headline figure (Figures.months): one row per month, January to
    this month, with 本年累计, 当月, 完成率 and 时序进度 as each month's 总表 showed them."""
    rp = cat.settings.rate_decimals
    cols = [Column("集群", 12), Column("主要指标", 16), Column("单位", 7), Column("月份", 7),
            Column("本年累计", 11), Column("当月", 11), Column("完成率\n（%）", 9), Column("时序进度\n（%）", 9),
            Column("进度差\n（百分点）", 10)]
    t = TableSheet(wb, st, TREND_SHEET, cols)
    t.title(title_of(cat, figs.period, "主要指标月度走势"))
    picks: list[tuple[str, str]] = []
    for m in figs.months:
        if (m.cluster, m.indicator) not in picks:
            picks.append((m.cluster, m.indicator))
    units = [i.unit for c, code in picks if (i := cat.indicator(code)) is not None]
    t.meta(compiler(cat), units_line(units))
    t.header()
    for cluster, code in picks:
        rows = [m for m in figs.months if m.cluster == cluster and m.indicator == code]
        c = cat.cluster(cluster)
        ind = cat.indicator(code)
        places = ind.decimals if ind else 2
        # the stubs merged down the block share its height: each row as tall as its share of theirs
        stub = max(lines_needed(c.short_name if c else cluster, cols[0].width),
                   lines_needed(ind.name if ind else code, cols[1].width))
        height = max(18.0, (13.5 * stub + 4) / len(rows))
        for k, m in enumerate(rows):
            if k == 0:
                t.merge_down(0, len(rows), c.short_name if c else cluster)
                t.merge_down(1, len(rows), ind.name if ind else code, "text")
                t.merge_down(2, len(rows), ind.unit if ind else "")
            else:
                t.continue_merge(0)
                t.continue_merge(1, "text")
                t.continue_merge(2)
            t.put(3, f"{m.period.month}月", "center")
            t.put(4, m.value, places=places)
            t.put(5, m.month_value, places=places)
            t.put(6, m.completion, places=rp)
            t.put(7, m.time_progress, places=rp)
            gap = shown_gap(m.completion, m.time_progress, rp) if m.completion is not None and m.time_progress is not None \
                else None
            lag = gap is not None and gap < -cat.settings.lag_threshold
            t.put(8, gap, places=rp, alert=lag)
            t.next_row(height)
    lines = ["每个集群列其主要指标（与总表图表同一指标：第一个与时序进度比较、有完成率的指标）；本年累计为1月至该月的累计，"
             "各月数字按该月台账中的在用报表计算，与该月汇总表一致（县区此后更正的，按更正后的报表）。",
             _w(cat, "当月＝该月本年累计－上月本年累计，只计两个月均有该项数据的县区（1月为本年累计）。"),
             f"时序进度＝月数÷12；进度差＝完成率－时序进度，低于－{trim(cat.settings.lag_threshold, rp)}个百分点为滞后（红色）。",
             DASH_NOTE]
    if any(m.value is None for m in figs.months):
        lines.insert(3, "某月台账中没有该集群数据（未汇总过或各县区均未报送）的，以“—”表示。")
    untargeted = [c.short_name if (c := cat.cluster(cluster)) else cluster for cluster, code in picks
                  if all(m.completion is None for m in figs.months if (m.cluster, m.indicator) == (cluster, code))]
    if untargeted:  # plan-end targets only (months.py _path_indicator): the path without a 完成率
        lines.insert(1, f"{'、'.join(untargeted)}集群没有本年的年度目标，不计算完成率（“—”），列其主要指标的本年累计和当月。")
    lines[2:2] = trend_changed_notes(figs, cat)
    t.notes([_w(cat, line) for line in lines])
    t.finish(freeze_col=2)


def trend_changed_notes(figs: Figures, cat: Catalogue) -> list[str]:
    """One note per cluster and month whose 本年累计 counts other districts than the month before
    (MonthFigure.changed): the two 本年累计 are not like for like, and 当月 is not their difference."""
    out = []
    for m in figs.months:
        if not m.changed or m.value is None:
            continue
        c = cat.cluster(m.cluster)
        names = "、".join(d.name if (d := cat.district(code)) else code for code in m.changed)
        last = m.period.month - 1
        text = (f"{c.short_name if c else m.cluster}{m.period.month}月：{names}只有{last}月或{m.period.month}月"
                f"一个月的数，{m.period.month}月与{last}月本年累计所含{cat.words.unit}不同")
        if m.month_value is not None:
            text += f"，当月按两个月均有该项数据的{m.month_districts}个{cat.words.unit}计，不等于两月本年累计之差"
        out.append(text + "。")
    return out


def _district_sheet(wb, st: Styles, figs: Figures, cat: Catalogue) -> None:
    rp = cat.settings.rate_decimals
    # the stub columns as wide as their usual text (within limits), so most rows stay one line high
    # (县区 up to 22: a long zone name such as 葫芦岛高新技术产业开发区 wrapped to two lines in every block; the
    # amount columns are as narrow as their numbers need to pay for it, so the sheet still prints at ≥ 9 pt)
    cluster_w = min(max([text_width(c.short_name) + 1.5 for c in cat.clusters], default=16), 18)
    district_w = min(max([text_width(d.name) + 1.5 for d in cat.districts], default=20), 22)
    # targets split to districts (目标.县区代码): their 目标值 and 完成率 beside each district's value
    split = any(f.district and (f.target is not None or f.target_rate is not None) for f in figs.districts)
    # 当月 and 环比 as in 总表, for the flows of a monthly period (figures/months.py fills every district's)
    months = any(f.month_value is not None for f in figs.districts)
    quarter = quarter_column(figs)  # a quarter or a year: 当季 before 本年累计, as in 总表
    k = 1 if quarter else 0
    spans = span_index(figs)
    cols = [Column("集群", max(cluster_w, 10)), Column("指标", 16 if split else 20), Column("单位", 7),
            Column(cat.words.unit, max(district_w, 10))]
    if quarter:
        cols.append(Column(quarter, 9))
    cols += [Column("本年累计", 10), Column("上年同期", 10), Column("同比\n（%）", 7), Column("排名", 5.5)]
    if split:
        cols += [Column("目标值", 10), Column("完成率\n（%）", 7)]
    month_col = len(cols)
    if months:
        group = f"{figs.period.month}月当月"
        cols += [Column("当月", 9, group), Column("环比\n（%）", 7, group)]
    t = TableSheet(wb, st, cat.words.by_unit, cols)
    t.split_room = 0.05  # every row names its 集群 and 指标: a block goes on over the page foot (a 合计 row is
    # never left alone there: that takes less than 5 % of the page)
    t.title(title_of(cat, figs.period, f"主要指标{cat.words.by_unit}情况"))
    shown_units = [i.unit for i in cat.indicators if any(f.indicator == i.code for f in figs.districts)]
    t.meta(compiler(cat), units_line(shown_units))
    t.header()
    dist_order = {d.code: k for k, d in enumerate(cat.districts)}
    by_key: dict[tuple[str, str], list[IndicatorFigure]] = {}
    for f in figs.districts:
        if f.value is not None or f.last_year is not None:  # a district without the cluster: no row
            by_key.setdefault((f.cluster, f.indicator), []).append(f)
    rounding = False
    reported: list[str] = []  # ratios the districts report (not summable, no parts): no city figure
    ratios: list[str] = []  # 计算 ratios: the 合计 is the ratio of the summed parts (as 总表)
    like_for_like = False
    # the clusters' indicators, then the programme level: district-wide figures each district reports once
    # (规上工业总产值) and programme ratios (集群产值占比), under 不分集群
    blocks = [(c.code, c.short_name, ind) for c in cat.clusters for ind in cat.indicators_for(c.code)]
    blocks += [("", AREA_CLUSTER, ind) for ind in cat.programme_indicators()]
    for code, cname, ind in blocks:
        rows = sorted(by_key.get((code, ind.code), []), key=lambda f: dist_order.get(f.district, 1 << 30))
        if not rows:
            continue
        city = (figs.cluster_figure(code, ind.code) if code
                else next((f for f in figs.programme if f.indicator == ind.code), None))
        total = _block_total(city, ind)
        if not ind.summable and ind.source != SOURCE_OUTPUT and ind.name not in ratios:
            ratios.append(ind.name)
        if not ind.summable and ind.source == SOURCE_OUTPUT and ind.name not in reported:
            reported.append(ind.name)
        like_for_like |= total is not None and total.like_for_like and total.yoy is not None
        if ind.summable and city is not None:
            rounding |= not adds_up([f.value for f in rows], city.value, ind.decimals)
            rounding |= not adds_up([f.last_year for f in rows], city.last_year, ind.decimals)
        lines: list[tuple[str, IndicatorFigure | None]] = [(_district_name(cat, f.district), f) for f in rows]
        lines.insert(0 if total_first(cat) else len(lines), (TOTAL, total))
        # a block may go on over a page break (soft): every row names its 集群 and 指标, so a page that
        # starts inside a block still says whose figures it shows, and pages are not left a quarter empty
        t.keep(t.row, t.row + len(lines) - 1, soft=True)
        for label, fig in lines:  # fig is None on the 合计 line when the city has no figure
            # 集群/指标/单位 in every row, not merged: a merged cell across a page break loses its
            # text on the next page, and a printed page must say whose figures it shows.
            is_total = label == TOTAL
            t.set_height([(0, cname), (1, ind.name), (3, label)], minimum=DENSE_ROW)
            t.put(0, cname, "center", bold=is_total)
            t.put(1, ind.name, "text", bold=is_total)
            t.put(2, ind.unit, "center", bold=is_total)
            t.put(3, label, "center" if is_total else "text", bold=is_total)
            if quarter:  # the 合计 row's is the 总表's (the city figure), a district's its own
                sv = spans.get((fig.cluster, fig.indicator, fig.district)) if fig is not None else None
                t.put(4, sv.value if sv is not None else None, places=ind.decimals, bold=is_total)
            if fig is None:
                for col in (4 + k, 5 + k, 6 + k):
                    t.put(col, None, bold=is_total)
            else:
                t.put(4 + k, fig.value, places=ind.decimals, bold=is_total)
                t.put(5 + k, fig.last_year, places=ind.decimals, bold=is_total)
                t.put(6 + k, fig.yoy, places=rp, bold=is_total)
            t.put(7 + k, "" if is_total or fig is None else fig.rank, "center", bold=is_total)
            if split:
                if fig is not None and fig.target_kind == TARGET_GROWTH and fig.target_rate is not None:
                    t.put(8 + k, f"增速{trim(fig.target_rate, rp)}%", "center", bold=is_total)
                else:
                    t.put(8 + k, fig.target if fig is not None else None, places=ind.decimals, bold=is_total)
                t.put(9 + k, fig.completion if fig is not None else None, places=rp, bold=is_total)
            if months:
                t.put(month_col, fig.month_value if fig is not None else None, places=ind.decimals, bold=is_total)
                t.put(month_col + 1, fig.mom if fig is not None else None, places=rp, bold=is_total)
            t.next_row()
    notes = [_w(cat, "各指标“合计”行即全市数，与总表一致；排名按本年累计由高到低，数值相同者名次并列（如1、2、2、4）。"),
             _w(cat, "每个指标只列本年累计或上年同期有数据的县区。"), *missing_note(figs),
             *roster_gap_note(figs, _roster_indicators(cat, figs.districts), cat), DASH_NOTE]
    if ratios:
        notes.insert(1, _w(cat, f"{'、'.join(ratios)}的“合计”为全市数，按各县区的分子、分母分别相加后计算（不是各县区比率"
                                "相加或平均），与总表一致；比率类指标不计算同比。"))
    if reported:
        notes.insert(1, _w(cat, f"{'、'.join(reported)}由各县区直接填报比率，未填报分子、分母，比率不能相加或平均，"
                                "无法得出全市数，合计栏和总表均以“—”表示。"))
    if like_for_like:
        notes.insert(-1, _w(cat, LIKE_FOR_LIKE_NOTE))
    if split:
        notes.insert(1, _w(cat, "目标值为分解到各县区的目标（目标库“目标”表填了县区代码的行），“合计”行为全市目标；"
                                "完成率＝本年累计÷目标值；增速目标以同比对照。"))
    if months:  # how 当月 and 环比 are computed, as under 总表
        at = notes.index(DASH_NOTE)
        notes[at:at] = month_notes(figs, cat)
    if quarter:  # and 当季
        at = notes.index(DASH_NOTE)
        notes[at:at] = quarter_notes(figs, cat)
    if rounding:
        notes.append(ROUNDING_NOTE)
    t.notes(notes)
    t.finish(freeze_col=4)


def _block_total(city: IndicatorFigure | None, ind: Indicator) -> IndicatorFigure | None:
    """The 合计 of a district block: the city figure itself (so it equals 总表). A 计算 ratio's is the ratio
    of the districts' summed parts; a ratio the districts report has none (its values are None: "—")."""
    return city


def _district_name(cat: Catalogue, code: str) -> str:
    d = cat.district(code)
    return d.name if d else code


def _in_catalogue_order(cat: Catalogue, rows: list[IndicatorFigure]) -> list[IndicatorFigure]:
    order = {i.code: k for k, i in enumerate(cat.indicators)}
    return sorted(rows, key=lambda f: order.get(f.indicator, 1 << 30))


def _blocks(cat: Catalogue, city: list, by_district: list) -> list[tuple[str, list, object]]:
    """(县区 label, cluster rows, 合计/小计 row) blocks: 全市 first, then each district in catalogue order.

    ``city``/``by_district`` are RosterFigure or InvestmentFigure lists (cluster "" is the total). A
    district shows only clusters it has rows in; the 全市 block shows every cluster."""
    out = []
    total = next((f for f in city if not f.cluster), None)
    if total is not None:
        out.append((cat.words.whole, [f for f in city if f.cluster], total))
    grouped: dict[str, list] = {}
    for f in by_district:
        grouped.setdefault(f.district, []).append(f)
    for d in cat.districts:
        figs = grouped.get(d.code)
        if not figs:
            continue
        sub = next((f for f in figs if not f.cluster), None)
        rows = [f for f in figs if f.cluster and _count(f)]
        out.append((d.name, rows, sub))
    return out


def _count(f) -> int:
    return f.enterprises if hasattr(f, "enterprises") else f.projects


def _write_blocks(t: TableSheet, cat: Catalogue, blocks: list, put_values) -> None:
    """One block per 县区: the 县区 merged down, its cluster rows and its 合计 (全市) or 小计 row."""
    names = {c.code: c.short_name for c in cat.clusters}
    whole = cat.words.whole
    for label, rows, total in blocks:
        lines = [(names.get(f.cluster, f.cluster), f, False) for f in rows]
        if total is not None:
            lines.insert(0 if total_first(cat) else len(lines), (TOTAL if label == whole else "小计", total, True))
        for k, (name, f, bold) in enumerate(lines):
            t.set_height([(1, name)])
            if k == 0:
                t.merge_down(0, len(lines), label, bold=label == whole)
            else:
                t.continue_merge(0, bold=label == whole)
            t.put(1, name, "center" if bold else "text", bold=bold)
            put_values(f, bold)
            t.next_row()


def _detail_note(cat: Catalogue, period: Period, what: str) -> str:
    from reporttool.render.detail_book import detail_name

    return f"逐{what}明细见《{detail_name(cat, period)[:-5]}》（另一个工作簿，可筛选）。"


def _blocks_add_up(blocks: list, keys: tuple[str, ...], places: int, cat: Catalogue) -> bool:
    members = {c.code for c in cat.members()}  # a cluster 计入合计=否 is listed but not in 合计/小计
    return all(adds_up([getattr(f, k) for f in rows if f.cluster in members], getattr(total, k), places)
               for _label, rows, total in blocks if total is not None and rows for k in keys)


def _sum_note(cat: Catalogue, what: str) -> str:
    """“合计”为全市数，等于各集群之和 … — naming the clusters 计入合计=否 that 合计 and 小计 leave out."""
    out = [c.short_name for c in cat.clusters if not c.in_programme]
    clusters = (f"计入合计的各集群之和（不含{'、'.join(out)}，目标库中“计入合计”为否）" if out else "各集群之和")
    return _w(cat, f"本表按审核通过（无错误）的{what}汇总；“合计”为全市数，等于{clusters}，也等于各县区“小计”之和；")


# ---- 企业名录 (summary) ---------------------------------------------------------------------------


def _enterprise_sheet(wb, st: Styles, figs: Figures, cat: Catalogue) -> None:
    """企业名录汇总 by 县区 × 集群; the full list is in the detail workbook (render/detail_book.py)."""
    ap, rp = cat.settings.amount_decimals, cat.settings.rate_decimals
    cols = [Column(cat.words.unit, 14), Column("集群", 18), Column("企业户数", 9, "企业（户）"),
            Column("规上企业", 9, "企业（户）"), Column("龙头企业", 9, "企业（户）"),
            Column("本年累计", 12, "名录企业营业收入（亿元）"), Column("上年同期", 12, "名录企业营业收入（亿元）"),
            Column("同比（%）", 9, "名录企业营业收入（亿元）"), Column("从业人员\n（人）", 11)]
    t = TableSheet(wb, st, "企业名录", cols)
    t.title(title_of(cat, figs.period, "企业名录汇总表"))
    t.meta(compiler(cat), "单位：户、亿元、人、%")
    t.header()
    blocks = _blocks(cat, figs.roster, figs.roster_by_district)

    def values(f, bold: bool) -> None:
        t.put(2, f.enterprises, bold=bold)
        t.put(3, f.scale, bold=bold)
        t.put(4, f.leaders, bold=bold)
        t.put(5, f.revenue, places=ap, bold=bold)
        t.put(6, f.revenue_ly, places=ap, bold=bold)
        t.put(7, f.yoy, places=rp, bold=bold)
        t.put(8, f.employees, places=0, bold=bold)

    _write_blocks(t, cat, blocks, values)
    notes = [_sum_note(cat, "企业名录行") + _w(cat, "县区只列有企业的集群。"),
             *_roster_scope_notes(figs, cat), *roster_gap_note(figs, "本表", cat), *missing_note(figs),
             _detail_note(cat, figs.period, "企业"), DASH_NOTE]
    if not _blocks_add_up(blocks, ("revenue", "revenue_ly"), ap, cat):
        notes.append(ROUNDING_NOTE)
    t.notes(notes)
    t.finish(freeze_col=2)


def _roster_scope_notes(figs: Figures, cat: Catalogue) -> list[str]:
    """The roster's 营业收入 is the listed enterprises' sum, not the cluster's 营业收入 of 总表 (which the
    districts report on 集群产出): said in words, with the share, so the two totals tell one story."""
    ap, rp = cat.settings.amount_decimals, cat.settings.rate_decimals
    lines = ["名录企业营业收入为名录所列企业的营业收入之和；上年同期和同比按两年均填报营业收入的企业同口径计算。"]
    w = cat.words.unit
    total = next((f for f in figs.roster if not f.cluster), None)
    revenue = next((i for i in cat.indicators if i.name == "营业收入"), None)
    cluster_total = next((f for f in figs.programme if revenue and f.indicator == revenue.code), None)
    if total is None or total.revenue is None or revenue is None or revenue.source == SOURCE_ROSTER:
        return lines
    if cluster_total is not None and cluster_total.value:
        share = total.revenue / cluster_total.value * 100
        lines.append(f"名录企业营业收入合计{text(total.revenue, ap)}亿元，占集群营业收入"
                     f"{text(cluster_total.value, revenue.decimals)}亿元（总表“合计”，各{w}在“集群产出”表填报）的"
                     f"{text(share, rp)}%；两者口径不同，集群营业收入含名录以外的企业。")
    else:
        lines.append(f"集群营业收入（总表）由各{w}在“集群产出”表填报，含名录以外的企业，与本表口径不同。")
    return lines


def _roster_indicators(cat: Catalogue, shown: list[IndicatorFigure]) -> str:
    """"规上企业户数、集群企业户数": the roster-based indicators among ``shown`` ("" when none)."""
    codes = {f.indicator for f in shown}
    return "、".join(i.name for i in cat.indicators if i.source == SOURCE_ROSTER and i.code in codes)


def roster_gap_note(figs: Figures, where: str, cat: Catalogue) -> list[str]:
    """["龙港区本期企业名录无可汇总的企业（…），本表不含该县区的企业。"] for districts whose roster adds
    nothing; ``where`` names the totals concerned ("" = none shown: no note)."""
    gaps = roster_gaps(figs, cat)  # districts hosting no cluster have no enterprises to list
    if not gaps or not where:
        return []
    return [f"{'、'.join(gaps)}本期企业名录无可汇总的企业（“集群企业”表未填或所填各行均有错误），"
            f"{where}不含{'该' + cat.words.unit if len(gaps) == 1 else '这些' + cat.words.unit}的企业。"]


# ---- 重点项目 (summary) ---------------------------------------------------------------------------


def _project_sheet(wb, st: Styles, figs: Figures, cat: Catalogue) -> None:
    """重点项目汇总 by 县区 × 集群; the full list is in the detail workbook (render/detail_book.py)."""
    ap, rp = cat.settings.amount_decimals, cat.settings.rate_decimals
    cols = [Column(cat.words.unit, 12), Column("集群", 18), Column("合计", 7, "项目个数（个）"),
            *[Column(s_, 7, "项目个数（个）") for s_ in INVEST_STATUSES],
            Column("总投资", 12, "投资（亿元）"), Column("本年计划", 12, "投资（亿元）"),
            Column("本年完成", 12, "投资（亿元）"), Column("完成率\n（%）", 8)]
    t = TableSheet(wb, st, "重点项目", cols)
    t.title(title_of(cat, figs.period, "重点项目汇总表"))
    t.meta(compiler(cat), "单位：个、亿元、%")
    t.header()
    blocks = _blocks(cat, figs.investment, figs.investment_by_district)

    def values(f, bold: bool) -> None:
        t.put(2, f.projects, bold=bold)
        for k, status in enumerate(INVEST_STATUSES):
            t.put(3 + k, f.by_status.get(status, 0), bold=bold)
        t.put(7, f.total, places=ap, bold=bold)
        t.put(8, f.plan_year, places=ap, bold=bold)
        t.put(9, f.done_year, places=ap, bold=bold)
        t.put(10, f.completion, places=rp, bold=bold)

    _write_blocks(t, cat, blocks, values)
    notes = [_sum_note(cat, "投资项目") + _w(cat, "完成率＝本年完成÷本年计划。县区只列有项目的集群。"),
             _detail_note(cat, figs.period, "项目"), DASH_NOTE]
    if not _blocks_add_up(blocks, ("total", "plan_year", "done_year"), ap, cat):
        notes.append(ROUNDING_NOTE)
    t.notes(notes)
    t.finish(freeze_col=2)


# ---- 报送情况 -------------------------------------------------------------------------------------


def _submission_sheet(wb, st: Styles, figs: Figures, cat: Catalogue) -> None:
    cols = [Column("序号", 5.5), Column(cat.words.unit, 16), Column("报送状态", 9), Column("报送时间", 15),
            Column("是否\n按时", 6), Column("文件名", 33), Column("版本数", 7),
            Column("错误", 6.5, "审核问题（条）"), Column("待核实", 6.5, "审核问题（条）"),
            Column("已说明", 6.5, "审核问题（条）")]
    t = TableSheet(wb, st, "报送情况", cols)
    t.title(title_of(cat, figs.period, "报表报送情况"))
    deadline = cat.settings.deadline_for(figs.period)
    t.meta(compiler(cat), f"截止时间：{deadline.year}年{deadline.month}月{deadline.day}日")
    t.header()
    subs = list(figs.submissions)
    received = [s for s in subs if s.status != ST_MISSING]
    late = [s for s in received if s.on_time is False]

    def total_row() -> None:
        t.ws.merge_range(t.row, 0, t.row, 1, f"{TOTAL}（{len(subs)}个）", st.get("center", bold=True))
        t.put(2, f"已报{len(received)}", "center", bold=True)
        t.put(3, "", "text", bold=True)
        t.put(4, f"逾期{len(late)}", "center", bold=True)
        t.put(5, "", "text", bold=True)
        t.put(6, sum(s.version for s in subs), bold=True)
        t.put(7, sum(s.errors for s in subs), bold=True)
        t.put(8, sum(_unexplained(s) for s in subs), bold=True)
        t.put(9, sum(s.explained for s in subs), bold=True)
        t.next_row()

    if total_first(cat):
        total_row()
    for n, s in enumerate(subs, 1):
        missing = s.status == ST_MISSING
        t.set_height([(5, s.file_name), (1, s.district_name)])
        t.put(0, n, "center")
        t.put(1, s.district_name or _district_name(cat, s.district), "text")
        t.put(2, s.shown, "center", alert=missing or s.status in (ST_RETURNED,))  # 已撤回 / 已退回（待重报）
        t.put(3, s.received_at.strftime("%Y-%m-%d %H:%M") if s.received_at else None, "center")
        on_time = "导入" if s.imported else None if s.on_time is None else ("按时" if s.on_time else "逾期")
        t.put(4, on_time, "center", alert=s.on_time is False)
        t.put(5, s.file_name or None, "text")
        for col, v in ((6, s.version), (7, s.errors), (8, _unexplained(s)), (9, s.explained)):
            t.put(col, None if missing else v)
        t.next_row()
    if not total_first(cat):
        total_row()
    count = {st_: sum(1 for s in subs if s.status == st_) for st_ in (ST_PASSED, ST_VERIFY, ST_ERRORS, ST_RETURNED)}
    imported = [s for s in received if s.imported]  # history taken in later: neither on time nor late
    timely = [s for s in received if s.on_time is True]
    t.notes([f"应报{len(subs)}个，已报{len(received)}个（按时{len(timely)}个，逾期{len(late)}个"
             + (f"，导入{len(imported)}个" if imported else "") + "），"
             f"未报{len(subs) - len(received)}个；其中通过{count[ST_PASSED]}个，待核实{count[ST_VERIFY]}个，"
             f"有错{count[ST_ERRORS]}个，退回{count[ST_RETURNED]}个。",
             _w(cat, "报送状态：通过＝无错误且无待核实问题；待核实＝有核实性问题尚未说明；有错＝有必须修改的错误，错误行不计入汇总；"
                "退回＝文件无法读取或被拒收，不计入汇总。版本数为本期收到该县区文件的次数，以最后一次为准。"),
             f"是否按时以报送截止时间{deadline.year}年{deadline.month}月{deadline.day}日为准；“—”表示未报"
             + ("；“导入”表示该期数据是后来作为历史数据导入的，不计按时或逾期。" if any(x.imported for x in subs) else "。"),
             *period_notes(figs, cat), *_taken_out_note(subs)])
    t.finish(freeze_col=2)


def _taken_out_note(subs: list) -> list[str]:
    """Districts whose version the bureau took out (退回 on the web page, withdraw): counted as 未报."""
    taken = [f"{s.district_name}（{s.shown}{'：' + s.withdrawn.note if s.withdrawn.note else ''}）"
             for s in subs if s.status == ST_MISSING and s.withdrawn is not None]
    return [f"{'；'.join(taken)}：市局已将其报表退回或撤回，数据不计入汇总，计为未报。"] if taken else []


def period_notes(figs: Figures, cat: Catalogue) -> list[str]:
    """A quarter or a year: what it is built from, and which districts lack which months (figures/periods.py)."""
    out = [f"{figs.period.label}{figs.basis}。"] if figs.basis else []
    gaps = [f"{s.district_name}（{'、'.join(f'{m}月' for m in s.missing_months)}）"
            for s in figs.submissions if s.missing_months]
    if gaps:
        out.append(f"缺报月份：{'；'.join(gaps)}。缺报月份不影响累计数，但影响当季数、按时报送和{cat.words.unit}考核。")
    return out


def _unexplained(s: SubmissionState) -> int:
    """待核实 findings: SubmissionState.verify counts every 核实, explained ones included (已说明 has
    its own column, and an explained finding no longer waits for anything)."""
    return max(0, s.verify - s.explained)


# ---- 问题清单 -------------------------------------------------------------------------------------


def _findings_sheet(wb, st: Styles, figs: Figures, cat: Catalogue) -> None:
    # no 文件 column: a district's findings are of the file it sent last, named in 报送情况
    cols = [Column("序号", 5), Column(cat.words.unit, 10), Column("工作表", 8), Column("单元格", 6.5),
            Column("列名", 11), Column("类别", 5.5), Column("规则代码", 12), Column("问题说明", 28),
            Column("填报值", 10), Column(cat.words.unit + "说明", 15)]
    t = TableSheet(wb, st, "问题清单", cols)
    t.title(title_of(cat, figs.period, "报表审核问题清单"))
    t.meta(compiler(cat), f"共{len(figs.findings)}条")
    t.header()
    d_order = {d.code: k for k, d in enumerate(cat.districts)}
    findings = sorted(figs.findings, key=lambda f: (d_order.get(f.district, 1 << 30), f.file, f.sheet, f.row or 0))
    for n, f in enumerate(findings, 1):
        message = finding_words.explain_score(f.message, cat.words)  # 稳健分数 in words
        value = finding_words.value_text(f)  # with the form's unit: 211265.23万元
        t.set_height([(7, message), (9, f.explanation), (8, value), (4, f.column),
                      (1, _district_name(cat, f.district) if f.district else ""), (6, f.rule), (2, f.sheet)])
        t.put(0, n, "center")
        t.put(1, _district_name(cat, f.district) if f.district else None, "text")
        t.put(2, f.sheet or None, "center")
        t.put(3, f.cell or None, "center")
        t.put(4, f.column or None, "text")
        t.put(5, f.severity_label, "center", alert=f.severity_label == "错误")
        t.put(6, f.rule, "center")
        t.put(7, message, "text")
        t.put(8, value, "text")
        t.put(9, f.explanation, "text")
        t.next_row()
    label_counts: dict[str, int] = {}
    for f in figs.findings:
        label_counts[f.severity_label] = label_counts.get(f.severity_label, 0) + 1
    summary = "，".join(f"{k}{label_counts[k]}条" for k in ("错误", "核实", "已说明", "提示") if k in label_counts)
    t.notes([f"共{len(figs.findings)}条" + (f"：{summary}。" if summary else "。"),
             _w(cat, "类别：错误＝必须修改，所在行不计入汇总；核实＝数值可能有误，须核实并在说明栏说明；已说明＝县区已说明，数值保留；"
                "提示＝供参考。单元格为县区报表中的位置；报表文件名见“报送情况”表。"),
             *finding_words.list_notes(findings, cat)])
    t.finish(freeze_col=2)
