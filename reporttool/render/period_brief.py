"""The words of a quarter's and a year's brief (docs/brief.md “季度和年度简报”): how the lead names the
period (2025年上半年, 2025年全年), the 当季 sentence, 年度目标完成情况 (which clusters met their annual targets,
which did not and by how much), the ranks of the clusters and of the districts (县区考核), and the 附注 lines.
render/sections.py calls these; a month gets nothing from here, so the month's wording is untouched.
"""
from __future__ import annotations

from decimal import Decimal

from reporttool.catalogue import Catalogue
from reporttool.core import fmt
from reporttool.core.models import TARGET_GROWTH, Indicator, Period
from reporttool.core.units import q
from reporttool.figures import Figures, IndicatorFigure, headline_figure
from reporttool.figures.scorecard import headline_indicator
from reporttool.render import wording
from reporttool.render.prose import Block, Paragraph, indicator_name

__all__ = ["when", "period_blocks", "period_notes", "span_sentence", "targets_sentence", "ranks_sentence"]

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
    """Each cluster's figure for 年度目标完成情况 and the ranks: its main indicator when that has a 完成率, else
    the figure 图1 shows (headline_figure: a cluster whose 主要指标 has no annual target, such as 葫芦岛's
    营业收入, is judged by its 工业总产值 as 图1 does; without this the year's brief said nothing of targets)."""
    out = []
    for c in cat.clusters:
        code = headline_indicator(cat, c.code)
        f = figures.cluster_figure(c.code, code) if code else None
        if f is None or f.completion is None:
            f = headline_figure(figures, cat, c.code)
        if f is not None and f.completion is not None:
            out.append(f)
    return out


def _who(cat: Catalogue, f: IndicatorFigure) -> str:
    c, ind = cat.cluster(f.cluster), cat.indicator(f.indicator)
    return wording.owned(f"{c.short_name if c else f.cluster}集群", indicator_name(ind) if ind else f.indicator)


def span_sentence(figures: Figures, cat: Catalogue) -> str:
    """从二季度当季看，化工集群营业收入14亿元，…。 (nothing in the first quarter: 当季 is the 本年累计)."""
    p = figures.period
    if p.monthly or p.month <= 3:
        return ""
    values = {(v.cluster, v.indicator): v for v in figures.span_values}
    clauses: list[str] = []
    short: set[str] = set()
    for f in _headlines(figures, cat):
        v = values.get((f.cluster, f.indicator))
        ind = cat.indicator(f.indicator)
        if v is None or v.value is None or ind is None:
            continue
        clauses.append(f"{_who(cat, f)}{fmt.text(v.value, ind.decimals)}{ind.unit}")
        short.update(v.missing)
    if not clauses:
        return ""
    text = f"从{p.quarter_word}当季看，" + "，".join(clauses) + "。"
    if short:
        names = [d.name for d in cat.districts if d.code in short]
        text += f"{wording.listed(names)}缺少上季末数据，未计入当季数。"
    return text


def targets_sentence(figures: Figures, cat: Catalogue) -> str:
    """年度目标完成情况 of the clusters' main indicators: who met the annual target (全年) or has already met
    it, who has not, and by how much (百分点 of the target and the amount still missing)."""
    p = figures.period
    rd = cat.settings.rate_decimals
    met: list[tuple[IndicatorFigure, Indicator]] = []
    short: list[tuple[IndicatorFigure, Indicator]] = []
    for f in _measured(figures, cat):
        ind = cat.indicator(f.indicator)
        if ind is None or f.completion is None or f.target is None or f.target_kind == TARGET_GROWTH:
            continue
        (met if q(f.completion, rd) >= HUNDRED else short).append((f, ind))
    if not met and not short:
        return ""
    verb = "完成" if p.annual else "已完成"
    parts = []
    if met:
        items = [f"{_who(cat, f)}{fmt.text(f.value, ind.decimals)}{ind.unit}，为年度目标的{fmt.text(f.completion, rd)}%"
                 for f, ind in met]
        parts.append(f"{len(met)}个集群{verb}年度目标（{'；'.join(items)}）")
    if short:
        items = []
        for f, ind in short:
            assert f.completion is not None and f.target is not None and f.value is not None  # filtered above
            gap = HUNDRED - f.completion
            left = f.target - f.value
            items.append(f"{_who(cat, f)}完成年度目标的{fmt.text(f.completion, rd)}%，差{fmt.text(gap, rd)}个百分点"
                         f"（{fmt.text(left, ind.decimals)}{ind.unit}）")
        head = f"{len(short)}个集群未完成年度目标" if p.annual else f"{len(short)}个集群距年度目标尚有差距"
        parts.append(f"{head}（{'；'.join(items)}）")
    return f"从年度目标完成情况看，{when(p)}" + "；".join(parts) + "。"


def ranks_sentence(figures: Figures, cat: Catalogue) -> str:
    """Ranks: the clusters by the 完成率 of their main indicator, the districts by their 考核 total."""
    rd = cat.settings.rate_decimals
    parts = []
    ranked = sorted([f for f in _measured(figures, cat) if f.completion is not None],
                    key=lambda f: -q(f.completion, rd))  # type: ignore[arg-type]
    if len(ranked) > 1:
        parts.append("按主要指标完成率，各集群依次为" + "、".join(
            f"{cat.cluster(f.cluster).short_name if cat.cluster(f.cluster) else f.cluster}"  # type: ignore[union-attr]
            f"（{fmt.text(f.completion, rd)}%）" for f in ranked))
    sc = figures.scorecard
    if sc is not None and sc.rows:
        rows = sorted(sc.rows, key=lambda r: (r.rank, [d.code for d in cat.districts].index(r.district)))
        parts.append(f"按{cat.words.unit}考核总分，各{cat.words.unit_all}依次为" + "、".join(
            f"{r.name}（{fmt.text(r.total, 1)}分）" for r in rows) + f"（计分办法见汇总表“{cat.words.unit}考核”表）")
    return "；".join(parts) + "。" if parts else ""


def period_blocks(figures: Figures, cat: Catalogue) -> list[Block]:
    """The paragraphs a quarter's or a year's brief adds after the progress section (none for a month)."""
    if figures.period.monthly:
        return []
    texts = (span_sentence(figures, cat), targets_sentence(figures, cat), ranks_sentence(figures, cat))
    return [Paragraph(t) for t in texts if t]


def period_notes(figures: Figures, cat: Catalogue) -> list[str]:
    """附注 lines of a quarter or a year: what it is built from, and what 当季 means."""
    p = figures.period
    if p.monthly:
        return []
    out = [f"{p.label}数据{figures.basis}，本年累计为{p.span}累计数。"] if figures.basis else []
    if p.month > 3 and figures.span_values:
        out.append(f"{p.quarter_word}当季数＝本季末累计数－上季末累计数，只含两个季末均有数据的{cat.words.unit_full}。")
    return out
