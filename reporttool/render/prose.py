"""The brief's wording, drafted from the Figures in the register of a bureau bulletin.

``draft(figures, cat)`` returns plain blocks (headings, paragraphs, a table, a chart) that
render/brief.py lays out. Every number shown is formatted by reporttool.core.fmt from the same Figures
values the consolidated workbook shows, so the 简报 and the 总表 cannot disagree. Nothing here names
a city, a cluster or an indicator: all of it comes from the Catalogue.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from reporttool.catalogue import Catalogue
from reporttool.core import fmt
from reporttool.core.models import SOURCE_PROJECTS, TARGET_GROWTH, Cluster, Indicator
from reporttool.core.status import LAGGING
from reporttool.core.units import q
from reporttool.figures import Figures, IndicatorFigure, InvestmentFigure, headline_figure, programme_parts
from reporttool.render import other_targets, wording

_DIGITS = "零一二三四五六七八九"
TOTAL_LABEL = "合计"  # the programme rows of 表1, as the 总表 labels them
WAITING_LEGEND = "暂低于时序进度（数据未报齐）"  # 图1's red bars when every one waits for data (no 滞后 verdict)
MIXED_LEGEND = "滞后或暂低于时序进度"  # some 滞后, some waiting (a note names those waiting)


def cn_number(n: int) -> str:
    """1 -> 一, 10 -> 十, 12 -> 十二, 21 -> 二十一 (for headings up to 99)."""
    if n < 10:
        return _DIGITS[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else _DIGITS[tens]) + "十" + (_DIGITS[ones] if ones else "")


# ---- blocks ----------------------------------------------------------------------------------------


@dataclass
class Heading:
    """一、 level heading (黑体)."""

    text: str


@dataclass
class Paragraph:
    """A body paragraph; ``lead`` is a run-in （一） heading in 楷体 before the text."""

    text: str
    lead: str = ""


@dataclass
class NoteBlock:
    """An item of the closing 附注, in smaller type (4号) than the body."""

    text: str


@dataclass
class TableBlock:
    caption: str
    header: list[str]
    rows: list[list[str]]
    note: str = ""
    merge_first_column: bool = True


@dataclass
class ChartItem:
    label: str  # cluster short name
    indicator: str  # indicator name
    completion: Decimal
    completion_text: str  # fmt.text of the same value
    lagging: bool = False  # status 滞后 (drawn in red)


@dataclass
class ChartBlock:
    caption: str
    items: list[ChartItem]
    time_progress: Decimal
    time_progress_text: str
    note: str = ""  # clusters left out (no indicator compared with 时序进度)
    lag_legend: str = ""  # the red bars' legend when some wait for data ("" = render/chart.py's 滞后 legend)


@dataclass
class TrendSeries:
    label: str  # cluster short name
    indicator: str  # indicator name
    points: list[tuple[int, str | None]]  # (month, 完成率 as shown by fmt.text, None without one)


@dataclass
class TrendBlock:
    """图2: each cluster's headline 完成率 month by month, with 时序进度 (render/chart.py trend_chart)."""

    caption: str
    series: list[TrendSeries]
    time_progress: list[tuple[int, str]]  # (month, 时序进度 as shown); [] for a path of values
    note: str = ""
    measure: str = ""  # the y axis when the points are not 完成率: 本年累计（亿元） (a plan without annual targets)


Block = Heading | Paragraph | NoteBlock | TableBlock | ChartBlock | TrendBlock


@dataclass
class Draft:
    blocks: list[Block] = field(default_factory=list)
    appendix: list[Block] = field(default_factory=list)  # 附件 after the template's text, before the 版记
    lagging_clusters: list[Cluster] = field(default_factory=list)
    full_year: bool = False  # 时序进度 100 % (a year, December): the year is over, its target met or missed

    @property
    def lagging_phrase(self) -> str:
        """What {{滞后集群}} becomes in the template's 下步工作 wording."""
        if not self.lagging_clusters:
            return "各产业集群"
        return ("未完成年度目标的" if self.full_year else "进度滞后的") + "、".join(c.name for c in self.lagging_clusters)


# ---- small wording helpers --------------------------------------------------------------------------


def months_text(figures: Figures) -> str:
    """1-6月 / 1月 / 一季度 style period without the year."""
    p = figures.period
    if not p.monthly:  # a quarter or a year: 上半年 / 全年 (render/period_brief.py)
        return p.span_word
    label = p.label
    return label[len(f"{p.year}年"):]


def district_word(cat: Catalogue) -> str:
    """县（市）区 or 县（市）区和开发区 (设区市 for a province …): Catalogue.words, from 设置 and the districts."""
    return cat.words.unit_all


def leader_text(leader: str) -> str:
    """"李延超 市委常委、副市长" -> "市委常委、副市长李延超" (title before name, as documents write it)."""
    parts = leader.split(maxsplit=1)
    return parts[1] + parts[0] if len(parts) == 2 else leader


def indicator_name(ind: Indicator) -> str:
    """The name as prose says it: 规上企业户数 + 54户 reads 规上企业54户."""
    if ind.unit == "户" and ind.name.endswith("户数"):
        return ind.name[:-2]
    return ind.name


def value_text(f: IndicatorFigure, ind: Indicator) -> str:
    return f"{fmt.text(f.value, ind.decimals)}{ind.unit}"


def rate(value: Decimal | None, cat: Catalogue) -> str:
    return fmt.text(value, cat.settings.rate_decimals)


def target_text(f: IndicatorFigure, ind: Indicator) -> str:
    return f"{fmt.trim(f.target, ind.decimals)}{ind.unit}"


def _join(parts: list[str], sep: str = "，") -> str:
    return sep.join(p for p in parts if p)


def indicator_clause(f: IndicatorFigure, ind: Indicator, cat: Catalogue, *, note: str = "") -> str:
    """One indicator of one cluster (or the programme) as a clause, e.g.

    工业总产值287.45亿元，同比增长6.2%，完成年度目标580亿元的49.6%，低于时序进度0.4个百分点

    ``note`` follows the value, e.g. （6个集群合计）.
    """
    rd = cat.settings.rate_decimals
    if f.value is None:
        return ""
    parts = [f"{indicator_name(ind)}{value_text(f, ind)}{note}"]
    if ind.unit == "%":  # a ratio: compare with its target in 百分点
        if f.target is not None:
            diff = f.value - f.target
            words = fmt.points_words(diff, rd)
            tgt = target_text(f, ind)
            parts.append(f"与年度目标{tgt}持平" if words == "持平" else f"比年度目标{tgt}{words}")
        return _join(parts + other_targets.clauses(f, ind, rd))
    change = fmt.change_words(f.yoy, rd)
    if f.target_kind == TARGET_GROWTH and f.target_rate is not None:
        goal = f"{fmt.trim(f.target_rate, rd)}%的增速目标"
        if f.yoy is not None:  # (change is "" exactly when there is no 同比)
            parts.append(f"同比{change}")
            gap = f.gap if f.gap is not None else (f.yoy - f.target_rate)
            words = fmt.points_words(gap, rd)
            parts.append(f"与{goal}持平" if words == "持平" else f"比{goal}{words}")
        else:
            parts.append(f"上年同期无可比数据，暂无法对照{goal}")
        return _join(parts)
    if change:
        parts.append(f"同比{change}")
    elif ind.compare_time:
        parts.append("上年同期无可比数据")
    if f.target is not None and f.completion is not None:
        kind = "推算年度目标" if f.target_derived else "年度目标"
        parts.append(f"完成{kind}的{rate(f.completion, cat)}%")
        if f.gap is not None and f.time_progress is not None:
            parts.append(wording.gap_words(f.gap, rd, f.time_progress))  # at 100 %: against the target itself
    return _join(parts + other_targets.clauses(f, ind, rd))


def investment_clause(inv: InvestmentFigure | None, cat: Catalogue, *, amount: bool = True,
                      statuses: bool = True) -> str:
    """调度重点项目12个（其中在建5个、竣工投产2个），本年累计完成投资3.45亿元，完成年度计划投资的45.6%."""
    if inv is None or inv.projects == 0:
        return ""
    ad, rd = cat.settings.amount_decimals, cat.settings.rate_decimals
    by_status = "、".join(f"{k}{n}个" for k, n in inv.by_status.items() if n) if statuses else ""
    text = f"调度重点项目{inv.projects}个" + (f"（其中{by_status}）" if by_status else "")
    if amount:
        text += f"，本年累计完成投资{fmt.text(inv.done_year, ad)}亿元"
        if inv.completion is not None:
            text += f"，完成年度计划投资的{fmt.text(inv.completion, rd)}%"
    return text




def programme_clauses(figures: Figures, cat: Catalogue) -> list[str]:
    """Programme-level indicators with a target (适用集群 = 合计), e.g. 集群产值占规上工业总产值比重81.2%，比年度目标80%高1.2个百分点."""
    out = []
    for ind in cat.programme_indicators():
        f = next((x for x in figures.programme if x.indicator == ind.code), None)
        if f is not None and has_target(f):
            out.append(indicator_clause(f, ind, cat) or f"{indicator_name(ind)}暂无数据（相关数据未报齐）")
    return out


def has_target(f: IndicatorFigure) -> bool:
    """A target the figure can be measured against: a target value, or a growth rate to reach."""
    return (f.target is not None or (f.target_kind == TARGET_GROWTH and f.target_rate is not None)
            or any(o.target is not None or o.rate is not None for o in f.others))  # a plan-end target


def _headline(figures: Figures, cat: Catalogue, cluster: Cluster) -> tuple[IndicatorFigure, Indicator] | None:
    """The cluster's headline figure for 图1: the same rule as the 总表's chart (one function for both)."""
    f = headline_figure(figures, cat, cluster.code)
    ind = None if f is None else cat.indicator(f.indicator)
    return None if f is None or ind is None else (f, ind)


def _investment(figures: Figures, cluster: str) -> InvestmentFigure | None:
    return next((i for i in figures.investment if i.cluster == cluster and not i.district), None)


def _catalogue_rank(cat: Catalogue) -> dict[str, int]:
    return {ind.code: i for i, ind in enumerate(cat.indicators)}


def headline_indicators(figures: Figures, cat: Catalogue, limit: int = 3) -> list[tuple[IndicatorFigure, Indicator]]:
    """The programme totals that open 一、总体情况 (at most ``limit``, in catalogue order).

    Candidates: programme totals with a value of indicators that at least two clusters 计入合计 report (or
    count in through a 计算 indicator, 指标.汇总口径: figures.programme_parts), that
    are amounts or counts (not ratios) and not rolled up from the projects (investment has its own
    sentence). Those with a programme-wide target come first, then those more clusters report, then
    catalogue order; the chosen ones are shown in catalogue order. Works for any city's catalogue.
    """
    rank = _catalogue_rank(cat)
    candidates = []
    for f in figures.programme:
        ind = cat.indicator(f.indicator)
        if ind is None or f.value is None or ind.unit == "%" or ind.source == SOURCE_PROJECTS:
            continue
        covered = len(programme_parts(cat, ind.code))  # with clusters whose 计算 indicator stands for it
        if covered < 2:
            continue
        candidates.append((f, ind, covered))
    candidates.sort(key=lambda p: (not has_target(p[0]), -p[2], rank[p[1].code]))
    return sorted([(f, ind) for f, ind, _ in candidates[:limit]], key=lambda p: rank[p[1].code])


def revenue_indicator(cat: Catalogue) -> Indicator | None:
    """The programme-wide indicator shown for every cluster in 表1 (营业收入 in the default city).

    The first indicator, in catalogue order, that every cluster reports and that is an amount (not a
    ratio, a count or a project roll-up); None when the catalogue has none.
    """
    codes = {c.code for c in cat.clusters}
    for ind in cat.indicators:
        if (ind.summable and ind.unit not in ("%", "户") and ind.source != SOURCE_PROJECTS
                and codes and codes <= set(ind.clusters)):
            return ind
    return None


def table_indicators(figures: Figures, cat: Catalogue, cluster: str) -> list[tuple[IndicatorFigure, Indicator]]:
    """The rows of 表1 for one cluster ("" = the programme): the indicators with a target value (or a growth
    target) this year, plus the programme-wide revenue indicator (revenue_indicator), in catalogue order."""
    revenue = revenue_indicator(cat)
    inds = cat.indicators_for(cluster) if cluster else cat.indicators
    pool = figures.clusters if cluster else figures.programme
    rows = []
    for ind in inds:
        f = next((x for x in pool if x.cluster == cluster and x.indicator == ind.code), None)
        if f is None:
            continue
        if has_target(f) or (revenue is not None and ind.code == revenue.code):
            rows.append((f, ind))
    return rows


def indicator_table(figures: Figures, cat: Catalogue) -> TableBlock:
    """表1: the main indicators — per cluster those with a target, plus revenue — with 本年累计, 同比,
    年度目标, 完成率 and 进度差: the same numbers as the 总表 (合计 first or last as the workbook puts it)."""
    rd = cat.settings.rate_decimals
    rows: list[list[str]] = []
    derived = False
    groups = [(c.short_name, table_indicators(figures, cat, c.code)) for c in cat.clusters]
    programme = table_indicators(figures, cat, "")
    if programme:
        groups.insert(0 if cat.settings.total_row_first else len(groups), (TOTAL_LABEL, programme))
    plan_end = False
    for label, items in groups:
        for f, ind in items:
            completion, gap = f.completion, f.gap
            later = next((o for o in f.others if o.target is not None and o.year > figures.period.year), None)
            if f.target_kind == TARGET_GROWTH and f.target_rate is not None:
                target = f"增长{fmt.trim(f.target_rate, rd)}%"
            elif f.target is None and later is not None:  # a plan-end target only: shown with its year
                target = f"{fmt.text(later.target, ind.decimals)}（{later.year}年）"
                completion, gap, plan_end = later.progress, None, True
            else:
                target = fmt.text(f.target, ind.decimals)
                if f.target is not None and f.target_derived:
                    target += "*"
                    derived = True
            rows.append([label, f"{ind.name}（{ind.unit}）", fmt.text(f.value, ind.decimals),
                         rate(f.yoy, cat), target, rate(completion, cat), rate(gap, cat)])
    revenue = revenue_indicator(cat)
    measure = ("完成率与年度目标（100%）之差，负数为距年度目标的差距" if wording.full_year(figures.time_progress)
               else "完成率与时序进度之差")  # the year's end: no 时序进度 left to reach
    note = ("注：本表列出有目标值的指标" + (f"和{revenue.name}" if revenue is not None else "")
            + "，其他指标详见汇总表。“—”表示无数据、无目标或上年同期无可比数据；"
            f"进度差为{measure}，增速目标为同比与目标增速之差。")
    if derived:
        note += "标“*”的目标为按规划目标推算的年度目标。"
    if plan_end:
        note += "目标后注年份的为规划期末目标（本年无年度目标），其完成率为本年累计占该目标的比例，不与时序进度比较。"
    header = ["集群", "指标（单位）", "本年累计", "同比\n（%）", "年度目标", "完成率\n（%）", "进度差\n（百分点）"]
    return TableBlock(f"{cat.settings.programme_name}主要指标完成情况（{figures.period.span_label}）",
                      header, rows, note)


def chart_block(figures: Figures, cat: Catalogue) -> ChartBlock:
    """图1: the headline completion of each cluster against 时序进度."""
    items, left_out = [], []
    for c in cat.clusters:
        head = _headline(figures, cat, c)
        if head is None or (completion := head[0].completion) is None:  # (a headline always has its 完成率)
            left_out.append(c.short_name)
            continue
        f, ind = head
        items.append(ChartItem(c.short_name, ind.name, completion, rate(completion, cat), f.status == LAGGING))
    tp = figures.time_progress
    measure = "年度目标" if wording.full_year(tp) else "时序进度"
    note = (f"注：{'、'.join(left_out)}{'等' if len(left_out) > 3 else ''}集群本期没有与{measure}比较的指标，未列入图中。"
            if left_out and items else "")
    what = "年度目标完成率" if wording.full_year(tp) else "完成率与时序进度对比"  # at 100 %: the target itself
    # red bars of clusters whose data is incomplete (a hosting district absent): the legend says what the brief
    # says of them (暂低于时序进度), and when 滞后 ones are drawn too, a note names those waiting
    waiting = {c.short_name: absent for c, absent in wording.waiting(figures, cat)}
    shown = [i.label for i in items if i.lagging and i.label in waiting]
    legend = ""
    if shown:
        legend = WAITING_LEGEND if all(i.label in waiting for i in items if i.lagging) else MIXED_LEGEND
    if shown and legend == MIXED_LEGEND:
        words = wording.coverage(figures).absent_words(list(dict.fromkeys(n for label in shown for n in waiting[label])))
        wait = f"{wording.listed(shown)}集群因{words}{'' if words.endswith('未报送') else '，'}数据不完整，暂不作滞后判断。"
        note = (note + wait) if note else "注：" + wait
    return ChartBlock(f"图1  各集群主要指标{what}（{figures.period.span_label}）", items, tp,
                      fmt.trim(tp, cat.settings.rate_decimals), note, legend)


# ---- against last month (figures/months.py) --------------------------------------------------------


def month_words(f: IndicatorFigure, ind: Indicator, cat: Catalogue, month: int) -> str:
    """6月当月完成52.30亿元，环比增长3.2% (“（按两个月均有该项数据的5个县区计）” when a district has the
    indicator in one of the two months only: the count is of districts with the value, not of reports);
    January: 1月完成…，较上年12月当月增长… only when last December is known; "" without a 当月."""
    if f.month_value is None:
        return ""
    rd = cat.settings.rate_decimals
    value = f"{fmt.text(f.month_value, ind.decimals)}{ind.unit}"
    change = fmt.change_words(f.mom, rd)
    if month == 1:
        return f"1月完成{value}，较上年12月当月{change}" if change else ""
    verb = "完成" if q(f.month_value, ind.decimals) >= 0 else "为"
    text = f"{month}月当月{verb}{value}"
    if f.month_fallen:  # figures/months.py: a 本年累计 below last month's gives no 当月
        names = "、".join(d.name if (d := cat.district(code)) else code for code in f.month_fallen)
        text += f"（{names}本年累计低于上月，未计入；按{f.month_districts}个{cat.words.unit}计）"
    elif f.month_partial:
        text += f"（按两个月均有该项数据的{f.month_districts}个{cat.words.unit}计）"
    return text + (f"，环比{change}" if change else "")


def completion_change_words(f: IndicatorFigure, cat: Catalogue) -> str:
    """完成率较上月提高6.1个百分点 / 回落… / 与上月持平; "" without last month's 完成率. The change is like for
    like (figures/months.py); when the two months count different districts and no 当月 has said so
    (a stock), “（按两个月均有该项数据的N个县区计）” follows."""
    if f.completion_change is None:
        return ""
    rd = cat.settings.rate_decimals
    v = q(f.completion_change, rd)
    same = (f"（按两个月均有该项数据的{f.change_districts}个{cat.words.unit}计）"
            if f.change_partial and f.month_value is None else "")
    if v == 0:
        return f"完成率与上月持平{same}"
    return f"完成率较上月{'提高' if v > 0 else '回落'}{fmt.text(abs(v), rd)}个百分点{same}"


def trend_block(figures: Figures, cat: Catalogue) -> TrendBlock | None:
    """图2 from Figures.months (the 月度走势 sheet's rows): None before February (one month is no path).
    Each cluster's headline 完成率 against 时序进度; when no cluster has a 完成率 (a plan without annual
    targets, such as 襄樊's or 衡水's plan-end targets), each cluster's 本年累计 of its main flow instead
    (the 月度走势 sheet's path), in the unit most of them share, so such a city still gets its trend chart."""
    period = figures.period
    if period.quarterly or period.month < 2 or not figures.months:
        return None
    rd = cat.settings.rate_decimals
    series = []
    for c in cat.clusters:
        rows = [m for m in figures.months if m.cluster == c.code]
        if not rows or all(m.completion is None for m in rows):
            continue
        ind = cat.indicator(rows[0].indicator)
        series.append(TrendSeries(c.short_name, ind.name if ind else rows[0].indicator,
                                  [(m.period.month, None if m.completion is None else fmt.text(m.completion, rd))
                                   for m in rows]))
    if not series:
        return value_trend_block(figures, cat)
    tp = [(m, fmt.text(Decimal(m) * 100 / 12, rd)) for m in range(1, period.month + 1)]
    return TrendBlock(f"图2  各集群主要指标完成率逐月走势（{period.span_label}）", series, tp,
                      "注：各月完成率按该月在用报表计算，虚线为时序进度。")


def value_trend_block(figures: Figures, cat: Catalogue) -> TrendBlock | None:
    """图2 without 完成率: each cluster's 本年累计 of its path indicator month by month (Figures.months), the
    clusters whose indicator has the unit most of them share (the others named in the note); None with fewer
    than two months of values."""
    period = figures.period
    paths: list[tuple[Cluster, Indicator, list]] = []
    for c in cat.clusters:
        rows = [m for m in figures.months if m.cluster == c.code]
        ind = cat.indicator(rows[0].indicator) if rows else None
        if ind is not None and sum(1 for m in rows if m.value is not None) >= 2:
            paths.append((c, ind, rows))
    if not paths:
        return None
    units = [ind.unit for _, ind, _ in paths]
    unit = max(dict.fromkeys(units), key=units.count)  # the most shared, the first in catalogue order on a tie
    series = [TrendSeries(c.short_name, ind.name,
                          [(m.period.month, None if m.value is None else fmt.text(m.value, ind.decimals))
                           for m in rows]) for c, ind, rows in paths if ind.unit == unit]
    shown = list(dict.fromkeys(ind for _, ind, _ in paths if ind.unit == unit))
    names = indicator_name(shown[0]) if len(shown) == 1 else "主要指标"  # (产值 and 集群产值（四项合计）: 主要指标)
    left = [c.short_name for c, ind, _ in paths if ind.unit != unit]
    note = "注：各集群没有本年年度目标，图中为各月本年累计（按该月在用报表计算）。"
    if left:
        note += f"{wording.listed(left)}集群的主要指标计量单位不同，未列入图中。"
    return TrendBlock(f"图2  各集群{names}本年累计逐月走势（{period.span_label}）", series, [], note,
                      f"本年累计（{unit}）")
