"""The words of a quarter's and a year's brief (docs/brief.md “季度和年度简报”): how the lead names the
period (2025年上半年, 2025年全年), the 当季 sentence, 年度目标完成情况 (which clusters met their annual targets,
which did not and by how much), the ranks of the clusters and of the districts (县区考核), and the 附注 lines.
render/sections.py calls these; a month gets nothing from here, so the month's wording is untouched.
"""
from __future__ import annotations

from decimal import Decimal

from reporttool.catalogue import Catalogue
from reporttool.core import fmt
from reporttool.core.models import QUARTER_WORDS, TARGET_GROWTH, Cluster, Indicator, Period
from reporttool.core.units import q
from reporttool.figures import Figures, IndicatorFigure, programme_parts
from reporttool.figures.scorecard import headline_indicator, measured_figure, span_value
from reporttool.figures.scores import SpanValue
from reporttool.render import wording
from reporttool.render.prose import Block, Paragraph, headline_indicators, indicator_name

__all__ = ["when", "span_blocks", "period_blocks", "period_notes", "span_sentence", "targets_sentence",
           "ranks_sentence"]

HUNDRED = Decimal(100)


def when(period: Period) -> str:
    """The lead's name of the period: 2025年1-6月 for a month; 2025年一季度 / 上半年 / 前三季度 / 全年
    (Period.span_label, the one rule that captions and workbook titles follow too)."""
    return period.span_label


def _headlines(figures: Figures, cat: Catalogue) -> list[IndicatorFigure]:
    out = []
    for c in cat.clusters:
        code = headline_indicator(cat, c.code)
        f = figures.cluster_figure(c.code, code) if code else None
        if f is not None:
            out.append(f)
    return out


def _measured(figures: Figures, cat: Catalogue) -> list[IndicatorFigure]:
    """Each cluster's figure for 年度目标完成情况 and the ranks (figures.scorecard.measured_figure, the rule the
    县区考核's 目标完成 uses too), catalogue order, clusters without one left out."""
    return [f for c in cat.clusters if (f := measured_figure(figures, cat, c.code)) is not None]


def _who(cat: Catalogue, f: IndicatorFigure) -> str:
    c, ind = cat.cluster(f.cluster), cat.indicator(f.indicator)
    return wording.owned(f"{c.short_name if c else f.cluster}集群", indicator_name(ind) if ind else f.indicator)


def _unit_names(cat: Catalogue, codes: list[str]) -> str:
    return wording.listed([d.name for d in cat.districts if d.code in set(codes)])


def _quarter_clause(v: SpanValue, ind: Indicator, cat: Catalogue, period: Period) -> str:
    """二季度完成283.89亿元（按两个季末均有该项数据的7个县区计），比一季度增长3.2%."""
    rd = cat.settings.rate_decimals
    verb = "完成" if q(_d(v.value), ind.decimals) >= 0 else "为"
    text = f"{period.quarter_word}{verb}{fmt.text(v.value, ind.decimals)}{ind.unit}"
    if v.missing or v.fallen:
        text += f"（按两个季末均有该项数据的{v.n_districts}个{cat.words.unit}计）"
    change = fmt.change_words(v.change, rd)
    if not change:
        return text
    before = _previous_quarter(period)
    return text + (f"，与{before}持平" if change == "持平" else f"，比{before}{change}")


def _previous_quarter(period: Period) -> str:
    return QUARTER_WORDS[period.month // 3 - 2]


def _d(value: Decimal | None) -> Decimal:
    assert value is not None
    return value


def _grouped_changes(items: list[tuple[str, SpanValue]], what: str, period: Period, rd: int) -> str:
    """有色冶金和泳装营业收入二季度比一季度分别增长3.9%和2.3%，化工和清洁能源分别下降2.5%和1.9%，船舶机械与一季度持平:
    the clusters' 当季 against the previous quarter, rises first (largest first), then falls (steepest first),
    as 从各集群看 groups 同比; the amounts are in the 总表's 当季 column."""
    before = _previous_quarter(period)
    shown = [(n, q(_d(v.change), rd)) for n, v in items]
    up = sorted([x for x in shown if x[1] > 0], key=lambda x: -x[1])
    down = sorted([x for x in shown if x[1] < 0], key=lambda x: x[1])
    parts: list[str] = []
    for group in (up, down):
        if group:
            top = group[:wording.MAX_LISTED]  # at most five named, as 从各集群看 does: 6个集群…增长，其中居前5位的…
            words = (wording.changes([c for _, c in top], rd) if len(top) > 1
                     else fmt.change_words(top[0][1], rd))
            head = f"{what}{period.quarter_word}比{before}" if not parts else ""
            names = wording.series([n for n, _ in top])
            if len(group) > len(top):
                verb = "增长" if group is up else "下降"
                parts.append(f"{len(group)}个集群{head or '当季'}{verb}，其中居前{len(top)}位的{names}{words}")
            else:
                parts.append(f"{names}{head}{words}")
    flat = [n for n, c in shown if c == 0]
    if flat:
        parts.append(f"{wording.series(flat)}{what if not parts else ''}与{before}持平")
    return "，".join(parts)


def _quarter_picks(figures: Figures, cat: Catalogue) -> list[tuple[Cluster, str]]:
    """Each cluster's indicator for 分集群看: its part of the first programme total the paragraph opened with
    (programme_parts: 襄樊's 纺织服装 counts in 产值 through its 集群产值（四项合计）, so that, not its 纺织服装产值),
    else its headline indicator (scorecard.headline_indicator)."""
    first = next((ind.code for _, ind in headline_indicators(figures, cat)), "")
    parts = dict(programme_parts(cat, first)) if first else {}
    out = []
    for c in cat.clusters:
        code = parts.get(c.code) or headline_indicator(cat, c.code)
        if code:
            out.append((c, code))
    return out


def span_sentence(figures: Figures, cat: Catalogue) -> str:
    """从二季度当季看 (一, after the lead, as a month's 从当月看): the programme totals of the lead — this
    quarter's own amount and its change on the previous quarter (环比上季度, over the same districts) — then,
    in a quarter, each cluster's headline indicator with 分别; who is left out (no previous quarter end, or a
    本年累计 below it) is named. Nothing in the first quarter (当季 is the 本年累计) or without 当季 values."""
    p = figures.period
    if p.monthly or p.month <= 3 or not figures.span_values:
        return ""
    rd = cat.settings.rate_decimals
    parts: list[str] = []
    missing: list[str] = []
    fallen: list[str] = []

    def note(v: SpanValue) -> None:
        missing.extend(v.missing)
        fallen.extend(v.fallen)

    for _f, ind in headline_indicators(figures, cat):
        v = span_value(figures, "", ind.code)
        if v is None or v.value is None:
            continue
        parts.append(indicator_name(ind) + _quarter_clause(v, ind, cat, p))
        note(v)
    groups: dict[str, tuple[Indicator, list[tuple[str, SpanValue]]]] = {}  # indicator code -> its clusters
    if not p.annual:  # a year's 四季度 is said for the programme only: the year is the subject
        for c, code in _quarter_picks(figures, cat):
            own = cat.indicator(code)
            v = span_value(figures, c.code, code)
            if own is None or v is None or v.value is None:
                continue
            groups.setdefault(code, (own, []))[1].append((c.short_name, v))
            note(v)
    if sum(len(items) for _, items in groups.values()) < 2:
        groups = {}  # one cluster's 当季 would repeat the total (or say it alone): no 分集群看
    clusters: list[str] = []
    for ind, items in groups.values():
        names = [n for n, _ in items]
        if len(items) == 1:
            clusters.append(f"{names[0]}{indicator_name(ind)}{_quarter_clause(items[0][1], ind, cat, p)}")
        elif all(v.change is not None for _, v in items):  # the change on the previous quarter, as 从各集群看
            clusters.append(_grouped_changes(items, indicator_name(ind), p, rd))
        else:
            values = wording.numbers([fmt.text(v.value, ind.decimals) for _, v in items], ind.unit)
            clusters.append(f"{wording.series(names)}{indicator_name(ind)}{p.quarter_word}分别完成{values}")
    if not parts and not clusters:
        return ""
    text = f"从{p.quarter_word}当季看，" + "；".join(parts)
    if clusters:
        text += ("。分集群看，" if parts else "") + "；".join(clusters)
    text += "。"
    if missing:
        text += f"{_unit_names(cat, missing)}缺少上季末数据，未计入当季数。"
    if fallen:
        text += f"{_unit_names(cat, fallen)}本年累计低于上季末，未计入当季数。"
    return text


def targets_sentence(figures: Figures, cat: Catalogue) -> str:
    """年度目标完成情况 of the clusters' main indicators. A year: only the amount each cluster short of its
    target still misses (the difference of the two amounts as shown): 二's first paragraph names who
    超额完成/基本完成/未完成 and each cluster's paragraph gives its 完成率 and 进度差, each figure said once
    (docs/brief.md “每个数只说一次”). A quarter: only who has already met it (提前完成), named without the rate
    its own paragraph gives; the others are judged
    against 时序进度 at the quarter's end in 二's first paragraph, and “差63.7个百分点” of a whole year in June
    would say the same thing against the wrong measure."""
    p = figures.period
    rd = cat.settings.rate_decimals
    met: list[tuple[IndicatorFigure, Indicator]] = []
    short: list[tuple[IndicatorFigure, Indicator]] = []
    for f in _measured(figures, cat):
        ind = cat.indicator(f.indicator)
        if ind is None or f.completion is None or f.target is None or f.target_kind == TARGET_GROWTH:
            continue
        (met if q(f.completion, rd) >= HUNDRED else short).append((f, ind))
    if p.annual:
        items = [f"{_who(cat, f)}距年度目标差{fmt.text(q(f.target, ind.decimals) - q(f.value, ind.decimals), ind.decimals)}"
                 f"{ind.unit}" for f, ind in short if f.target is not None and f.value is not None]
        return f"从年度目标完成情况看，{when(p)}" + "；".join(items) + "。" if items else ""
    if not met:
        return ""
    # who only: the value and its 完成率 are in the cluster's own paragraph (each figure said once)
    return (f"从年度目标完成情况看，{when(p)}{wording.series([_who(cat, f) for f, _ in met])}已提前完成年度目标。"
            if len(met) == 1 else
            f"从年度目标完成情况看，{when(p)}{len(met)}个集群已提前完成年度目标：{wording.series([_who(cat, f) for f, _ in met])}。")


def ranks_sentence(figures: Figures, cat: Catalogue) -> str:
    """Ranks: the clusters by the 完成率 of their main indicator, the districts by their 考核 total."""
    rd = cat.settings.rate_decimals
    parts = []
    ranked = sorted([f for f in _measured(figures, cat) if f.completion is not None],
                    key=lambda f: -q(f.completion, rd))  # type: ignore[arg-type]
    if len(ranked) > 1:
        parts.append("按主要指标完成率，各集群依次为" + "、".join(  # the rates: in each cluster's paragraph
            f"{cat.cluster(f.cluster).short_name if cat.cluster(f.cluster) else f.cluster}"  # type: ignore[union-attr]
            for f in ranked))
    sc = figures.scorecard
    if sc is not None and sc.rows:
        order = [d.code for d in cat.districts]
        rows = sorted((r for r in sc.rows if r.rank is not None), key=lambda r: (r.rank or 0, order.index(r.district)))
        lacking = "没有目标完成、增长的考核结果" if sc.min_results == 1 else "目标完成、增长的考核结果不全"
        if rows:  # those without a result to rank them by (figures.scorecard): named after the ranked ones
            left = "、".join(r.name for r in sc.unranked)
            said = (f"按{cat.words.unit}考核总分，各{cat.words.unit_all}依次为"
                    + "、".join(f"{r.name}（{fmt.text(r.total, 1)}分）" for r in rows)
                    + (f"，{left}{lacking}，未排名" if left else ""))
        else:
            said = f"各{cat.words.unit_all}均{lacking}，未按{cat.words.unit}考核总分排名"
        parts.append(said + f"（计分办法见汇总表“{cat.words.unit}考核”表）")
    return "；".join(parts) + "。" if parts else ""


def span_blocks(figures: Figures, cat: Catalogue) -> list[Block]:
    """一's paragraph of a quarter or a year after the lead: 当季 (none for a month, or a first quarter)."""
    text = "" if figures.period.monthly else span_sentence(figures, cat)
    return [Paragraph(text)] if text else []


def period_blocks(figures: Figures, cat: Catalogue) -> list[Block]:
    """二's paragraphs of a quarter or a year, with the figures of the whole programme before the clusters'
    own paragraphs and the reference to the 附件: 年度目标完成情况 and the ranks (none for a month)."""
    if figures.period.monthly:
        return []
    texts = (targets_sentence(figures, cat), ranks_sentence(figures, cat))
    return [Paragraph(t) for t in texts if t]


def period_notes(figures: Figures, cat: Catalogue) -> list[str]:
    """附注 lines of a quarter or a year: what it is built from, and what 当季 means."""
    p = figures.period
    if p.monthly:
        return []
    out = [f"{p.label}数据{figures.basis}，本年累计为{p.span}累计数。"] if figures.basis else []
    if p.month > 3 and figures.span_values:
        out.append(f"{p.quarter_word}当季数＝本季末累计数－上季末累计数，只含两个季末均有数据的{cat.words.unit_full}"
                   f"（本年累计低于上季末的不计）；比{_previous_quarter(p)}增长（下降）按同一批{cat.words.unit_full}的"
                   f"{_previous_quarter(p)}当季数计算。")
    return out
