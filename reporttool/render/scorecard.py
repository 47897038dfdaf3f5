"""The 县区考核 sheet of a quarter's or a year's 汇总表 (docs/workbook.md): one row per district with the
four scores of figures/scorecard.py, the total and the rank, and under it how every score is made, so a
考核 office can use the sheet as it is. The level word comes from the catalogue (设区市考核 for a province).
"""
from __future__ import annotations

from decimal import Decimal

from reporttool.catalogue import Catalogue
from reporttool.core.fmt import trim
from reporttool.figures import Figures
from reporttool.figures.scorecard import GROWTH_FLOOR, measured_figure
from reporttool.figures.scores import MODE_TARGET, DistrictScore, Scorecard
from reporttool.render.xlsx_styles import Column, Styles, TableSheet

__all__ = ["scorecard_sheet", "sheet_name", "scoring_notes", "unranked_note"]

POINTS = 1  # decimals of every score


def sheet_name(cat: Catalogue) -> str:
    """县区考核 / 设区市考核: the catalogue's unit word, never a fixed 县区."""
    return f"{cat.words.unit}考核"


def scorecard_sheet(wb, st: Styles, figs: Figures, cat: Catalogue, title: str, compiler: str) -> None:
    """Write the sheet (nothing when ``figs`` has no scorecard: a month)."""
    sc = figs.scorecard
    if sc is None:
        return
    w = [trim(x, 1) for x in sc.weights]
    what = "完成率（%）"
    cols = [Column("序号", 5.5), Column(cat.words.unit, 14),
            Column(what, 10, f"目标完成（权重{w[0]}）"), Column("得分", 7, f"目标完成（权重{w[0]}）"),
            Column("同比（%）", 9, f"增长（权重{w[1]}）"), Column("得分", 7, f"增长（权重{w[1]}）"),
            Column("按时/应报", 9, f"按时报送（权重{w[2]}）"), Column("得分", 7, f"按时报送（权重{w[2]}）"),
            Column("首报错误（条）", 9.5, f"问题整改（权重{w[3]}）"), Column("已改正（条）", 9.5, f"问题整改（权重{w[3]}）"),
            Column("得分", 7, f"问题整改（权重{w[3]}）"), Column("总分", 8), Column("排名", 6)]
    t = TableSheet(wb, st, sheet_name(cat), cols)
    t.title(title)
    t.meta(compiler, "单位：%、条、分")
    t.header()
    rp = cat.settings.rate_decimals
    for n, r in enumerate(sc.rows, 1):
        t.set_height([(1, r.name)])  # 葫芦岛高新技术产业开发区 takes two lines of the 县区 column
        t.put(0, n, "center")
        t.put(1, r.name, "text")
        t.put(2, r.completion, places=rp)
        t.put(3, r.points[0], places=POINTS)
        t.put(4, r.growth, places=rp)
        t.put(5, r.points[1], places=POINTS)
        t.put(6, f"{r.on_time}/{r.due}" if r.due else None, "center", alert=r.on_time < r.due)
        t.put(7, r.points[2], places=POINTS)
        t.put(8, r.first_errors)
        t.put(9, r.fixed)
        t.put(10, r.points[3], places=POINTS)
        t.put(11, r.total, places=POINTS, bold=True)
        t.put(12, r.rank, "center", bold=True)
        t.next_row()
    t.notes(([f"{figs.period.label}{figs.basis}。"] if figs.basis else []) + scoring_notes(sc, figs, cat))
    t.finish(freeze_col=2)


def scoring_notes(sc: Scorecard, figs: Figures, cat: Catalogue) -> list[str]:
    """How each score is made, in the sheet's own words (the same rules as docs/consolidation.md)."""
    u, whole = cat.words.unit, cat.words.whole
    w = [trim(x, 1) for x in sc.weights]
    tp = trim(figs.period.time_progress, 1)
    if sc.mode == MODE_TARGET:
        first = (f"目标完成：各集群主要指标完成{u}目标的完成率的平均数；完成率达到时序进度（{tp}%）得满分{w[0]}分，"
                 f"不足的按完成率÷时序进度折算。")
    else:
        first = (f"目标完成：目标库未分{u}下达目标，将{whole}各集群主要指标的年度目标按{u}上年同期占{whole}的比重分解"
                 f"（{u}目标＝{whole}目标×{u}上年同期÷{whole}上年同期），取各集群完成分解目标的完成率的平均数；"
                 f"完成率达到时序进度（{tp}%）得满分{w[0]}分，不足的按完成率÷时序进度折算；"
                 f"没有上年同期数或{whole}目标的集群不计。")
    first += (f"主要指标与简报“按主要指标完成率”排序所用的相同（{_measured_names(figs, cat)}）；"
              f"算不出完成率的{u}不计此项，其余各项按权重折算为100分。")
    floor = trim(GROWTH_FLOOR * 100, 0)
    late = [f"{r.name}（{'、'.join(r.late)}）" for r in sc.rows if r.late]
    lines = [
        first,
        (f"增长：各集群主要指标同比增速的平均数；最高的{u}得满分{w[1]}分，最低的得{floor}%即"
         f"{trim(sc.weights[1] * GROWTH_FLOOR, 1)}分，其余按增速线性插值；算不出同比的{u}（没有上年同期数，无可比基数）"
         f"不计此项，其余各项按权重折算为100分。"),
        (f"按时报送：{'、'.join(sc.periods)}各期报表中，在截止日前收到第一份可读取报表的期数÷应报期数×{w[2]}分"
         f"（未报、逾期、退回均不计按时）" + (
             "；作为历史数据导入的期次不计按时或逾期，也不计入应报期数，各期均为导入的不计此项，其余各项按权重折算为100分"
             if any(r.imported for r in sc.rows) else "") + "。"),
        (f"问题整改：各期首次报送的报表中的错误，在该期现用的更正版本中已不再出现的条数÷首报错误条数×{w[3]}分；"
         f"首报无错误的得满分，全年未报送可读取报表的不得分；尚在更正期内（下一期报送截止日前）未改正的错误"
         f"不计入首报错误。"),
        ("总分＝计入的各项得分之和÷这些项的权重之和×100（不计的项显示“—”，得分和权重都不算；权重见目标库“设置”表"
         "“考核权重”）；排名按总分（保留1位小数）从高到低，同分同名次。"),
    ]
    if late:
        lines.append(f"未按时报送的期次：{'；'.join(late)}。")
    out = [f"{r.name}（{_left_out(r)}）" for r in sc.rows
           if (r.points[0] is None or r.points[1] is None) and r.total is not None]
    if out:  # scored over fewer parts: the 考核 office sees whose total is over what
        lines.append(f"不计“目标完成”或“增长”、总分按其余各项折算的{u}：{'；'.join(out)}。")
    if sc.unranked:  # no measured result: no total, no rank, listed last
        lines.append(unranked_note(sc, u))
    groups: dict[tuple[str, ...], list[str]] = {}
    for r in sc.rows:
        if r.imported:
            groups.setdefault(r.imported, []).append(r.name)
    if groups:  # districts with the same imported periods in one group (usually all of them)
        every = len(groups) == 1 and len(next(iter(groups.values()))) == len(sc.rows)
        lines.append("作为历史数据导入、不计按时报送的期次：" + "；".join(
            f"{f'各{cat.words.unit_all}' if every else '、'.join(names)}（{'、'.join(ps)}）" for ps, names in groups.items())
            + "。")
    pending = [f"{r.name}{r.pending}条" for r in sc.rows if r.pending]
    if pending:
        lines.append(f"尚在更正期内、未计入首报错误的错误：{'，'.join(pending)}。")
    return lines


def _left_out(r: DistrictScore) -> str:
    """目标完成、增长: the result parts a district is not scored on."""
    return "、".join(part for part, pt in zip(("目标完成", "增长"), r.points) if pt is None)


def unranked_note(sc: Scorecard, u: str) -> str:
    """The note naming the districts without a total and a rank, and why (设置 考核排名最少结果项)."""
    need = ("“目标完成”“增长”两项都不计" if sc.min_results == 1
            else f"“目标完成”“增长”两项中计入不足{sc.min_results}项")
    names = "；".join(f"{r.name}（不计{_left_out(r)}）" for r in sc.unranked)
    return (f"{need}的{u}没有可考核的结果（仅按时报送、问题整改不能反映完成情况），总分和排名显示“—”，列在已排名的"
            f"{u}之后（目标库“设置”表“考核排名最少结果项”为{sc.min_results}）：{names}。")


def _measured_names(figs: Figures, cat: Catalogue) -> str:
    """集群名+指标名 of each cluster's measured figure (figures.scorecard.measured_figure)."""
    names = []
    for c in cat.clusters:
        f = measured_figure(figs, cat, c.code)
        ind = cat.indicator(f.indicator) if f is not None else None
        if ind is not None:
            names.append(f"{c.short_name}{ind.name}")
    return "、".join(names) if names else "无"


def total_weight(sc: Scorecard) -> Decimal:
    return sum(sc.weights, Decimal(0))
