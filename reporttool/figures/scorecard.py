"""A quarter's and a year's own measures: 当季 values and the 县区考核 scorecard (docs/consolidation.md
“当季”, “县区考核”).

``add_span(ledger, cat, figs)`` fills ``Figures.span_values`` and ``Figures.scorecard`` of a
quarter or a year; a month is left as it is. Both read the stored figures of other periods
(figures/history.py) and the ledger's record of files and findings, never the rows of other periods.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import replace
from decimal import Decimal

from reporttool.catalogue import Catalogue
from reporttool.core.models import ERROR, Period
from reporttool.core.units import q
from reporttool.figures import Figures, IndicatorFigure
from reporttool.figures.history import DistrictSums, district_sums
from reporttool.figures.months import cell_months, fallen_cells, figure_cells, has_month, stand_in_sums
from reporttool.figures.periods import months
from reporttool.figures.records import headline_figure
from reporttool.figures.scores import MODE_APPORTIONED, MODE_TARGET, DistrictScore, Scorecard, SpanValue
from reporttool.ledger import Ledger, SubmissionRecord

__all__ = ["add_span", "span_values", "span_value", "span_index", "scorecard", "previous_quarter_end", "headline_indicator",
           "measured_figure", "reporting_periods", "correction_closes"]

RATE_UNIT = "%"
HUNDRED = Decimal(100)
GROWTH_FLOOR = Decimal("0.6")  # the lowest 同比 among the districts still earns 60 % of the 增长 weight


def add_span(ledger: Ledger, cat: Catalogue, figs: Figures) -> Figures:
    """当季 and 县区考核 of a quarter or a year (nothing for a month). Returns ``figs``."""
    if not figs.period.monthly:
        figs.span_values = span_values(ledger, cat, figs)
        figs.scorecard = scorecard(ledger, cat, figs)
    return figs


def previous_quarter_end(period: Period) -> Period | None:
    """The quarter end before the period's last quarter (2025-Q2 -> 2025-Q1, 2025 -> 2025-Q3); None in Q1."""
    return Period(period.year, period.month - 3, True) if period.month > 3 else None


def headline_indicator(cat: Catalogue, cluster: str) -> str:
    """The indicator a cluster is judged by: its 主要指标, else its first flow compared with 时序进度."""
    c = cat.cluster(cluster)
    if c is not None and c.headline:
        return c.headline
    return next((i.code for i in cat.indicators_for(cluster) if i.compare_time and i.unit != RATE_UNIT), "")


def measured_figure(figs: Figures, cat: Catalogue, cluster: str) -> IndicatorFigure | None:
    """The city-wide figure a cluster is measured by, the one rule of the brief's 年度目标完成情况 and
    “按主要指标完成率” ranking and of the 县区考核's 目标完成 and 增长: its main indicator (``headline_indicator``)
    when that has a 完成率, else the figure 图1 shows (``headline_figure``: a cluster whose 主要指标 has no
    annual target, such as 葫芦岛's 营业收入, is judged by its 工业总产值); None when neither has a 完成率."""
    code = headline_indicator(cat, cluster)
    f = figs.cluster_figure(cluster, code) if code else None
    if f is None or f.completion is None:
        f = headline_figure(figs, cat, cluster)
    return f if f is not None and f.completion is not None else None


def span_values(ledger: Ledger, cat: Catalogue, figs: Figures) -> list[SpanValue]:
    """当季 of every flow figure (SpanValue): the city-wide clusters first (catalogue order), then the
    programme totals, then every district's figures. This quarter end's 本年累计 − the previous quarter
    end's, summed over the districts that have both from a version in use and whose 本年累计 did not fall
    (the first quarter: its 本年累计), the rules of 当月 (figures/months.py) for a quarter; with the previous
    quarter's own 当季 over the same districts for 环比上季度."""
    prev = previous_quarter_end(figs.period)
    before = district_sums(ledger, cat, prev) if prev is not None else {}
    older_end = previous_quarter_end(prev) if prev is not None else None
    older = district_sums(ledger, cat, older_end) if older_end is not None else {}
    districts = [d.code for d in cat.districts]
    out = []
    for f in [*figs.clusters, *figs.programme, *figs.districts]:
        ind = cat.indicator(f.indicator)
        if ind is None or not has_month(ind):
            continue
        cells = figure_cells(f, ind, districts, cat)
        now, b, o = (stand_in_sums(cat, f, ind, s) for s in (figs.district_sums, before, older))
        out.append(_span(f, cells, now, b, o, prev is None, older_end is None))
    return out


def _span(f: IndicatorFigure, cells: list[tuple[str, str]], now: DistrictSums, before: DistrictSums,
          older: DistrictSums, first: bool, second: bool) -> SpanValue:
    """One figure's 当季 (``first``: the first quarter, whose 当季 is its 本年累计; ``second``: the second
    quarter, whose previous 当季 is the first quarter's 本年累计)."""
    this = cell_months(cells, f.indicator, now, before, first)
    missing = [d for d, c in cells if _value(now, d, c, f.indicator) is not None
               and not first and _value(before, d, c, f.indicator) is None]
    fell = [] if first else [d for d, _ in fallen_cells(cells, f.indicator, now, before)]
    value = sum(this.values(), Decimal(0)) if this else None
    prior = {} if first else cell_months(list(this), f.indicator, before, older, second)
    earlier = sum(prior.values(), Decimal(0)) if prior else None
    change = None
    if earlier is not None and earlier > 0:
        change = (sum((this[c] for c in prior), Decimal(0)) / earlier - 1) * 100
    return SpanValue(f.cluster, f.indicator, value, len({d for d, _ in this}), tuple(dict.fromkeys(missing)),
                     f.district, tuple(dict.fromkeys(fell)), earlier, change)


def _value(sums: DistrictSums, district: str, cluster: str, indicator: str) -> Decimal | None:
    s = sums.get(district, {}).get((cluster, indicator))
    return None if s is None else s.value


def span_value(figs: Figures, cluster: str, indicator: str, district: str = "") -> SpanValue | None:
    """The 当季 of one figure (cluster "" = the programme 合计; district "" = city-wide), None without one."""
    return next((v for v in figs.span_values
                 if (v.cluster, v.indicator, v.district) == (cluster, indicator, district)), None)


def span_index(figs: Figures) -> dict[tuple[str, str, str], SpanValue]:
    """(cluster, indicator, district) -> 当季, for a table that looks up every row."""
    return {(v.cluster, v.indicator, v.district): v for v in figs.span_values}


def reporting_periods(cat: Catalogue, period: Period) -> list[Period]:
    """The periods districts report in the span: every month to the period's end, or every quarter when
    the plan reports quarterly (设置 报送周期 季)."""
    if cat.settings.report_cycle == "季":
        return [Period(period.year, m, True) for m in range(3, period.month + 1, 3)]
    return months(period)


def correction_closes(cat: Catalogue, p: Period) -> dt.date:
    """The last day a district may still correct ``p``'s errors: the deadline of the next reporting period
    (June's errors until the July report's deadline, 5 August by default; a quarter's until the next one's)."""
    step = 3 if p.quarterly else 1
    nxt = (Period(p.year, p.month + step, p.quarterly) if p.month + step <= 12
           else Period(p.year + 1, step, p.quarterly))
    return cat.settings.deadline_for(nxt)


def _short(p: Period) -> str:
    return p.quarter_word if p.quarterly else f"{p.month}月"


def _error_keys(ledger: Ledger, rec: SubmissionRecord) -> set[tuple[str, str, str, str]]:
    return {(f.rule, f.sheet, f.cell, f.column) for f in ledger.findings(rec.id) if f.severity == ERROR}


def scorecard(ledger: Ledger, cat: Catalogue, figs: Figures) -> Scorecard:
    """县区考核 over the span of ``figs.period`` (docs/consolidation.md “县区考核” states every rule)."""
    s = cat.settings
    weights = (s.score_weight_completion, s.score_weight_growth, s.score_weight_on_time, s.score_weight_fixed)
    # the brief's one rule (measured_figure): the indicator the clusters are ranked by
    heads = {c.code: f.indicator for c in cat.clusters if (f := measured_figure(figs, cat, c.code)) is not None}
    city = {(f.cluster, f.indicator): f for f in figs.clusters}
    mine: dict[str, list[IndicatorFigure]] = defaultdict(list)
    for f in figs.districts:
        if f.district and heads.get(f.cluster) == f.indicator and f.value is not None:
            mine[f.district].append(f)
    mode = MODE_TARGET if any(f.target is not None for fs in mine.values() for f in fs) else MODE_APPORTIONED
    completion: dict[str, Decimal | None] = {}
    growth: dict[str, Decimal | None] = {}
    for d in cat.districts:
        figures = mine.get(d.code, [])
        if mode == MODE_TARGET:
            rates = [f.completion for f in figures if f.completion is not None]
        else:  # the city's target apportioned by the district's share of the city's 上年同期
            rates = []
            for f in figures:
                whole = city.get((f.cluster, f.indicator))
                if (whole is None or whole.target is None or not whole.target or not whole.last_year
                        or f.value is None or not f.last_year):
                    continue
                share = whole.target * f.last_year / whole.last_year
                rates.append(f.value / share * HUNDRED)
        completion[d.code] = _mean(rates)
        growth[d.code] = _mean([f.yoy for f in figures if f.yoy is not None])

    periods = reporting_periods(cat, figs.period)
    files: dict[tuple[str, str], list[SubmissionRecord]] = defaultdict(list)
    keys = {p.key for p in periods}
    for rec in ledger.submissions():  # oldest first
        if rec.period in keys:
            files[(rec.district, rec.period)].append(rec)
    in_use = {p.key: ledger.current(p.key) for p in periods}

    today = figs.generated_at.date()
    rates_g = [v for v in growth.values() if v is not None]
    g_lo, g_hi = (min(rates_g), max(rates_g)) if rates_g else (None, None)
    rows = []
    for d in cat.districts:
        late, on_time, first_errors, fixed, pending, reported = [], 0, 0, 0, 0, False
        imported: list[str] = []
        for p in periods:
            recs = files.get((d.code, p.key), [])
            readable = [r for r in recs if r.readable]
            if readable and readable[0].imported:  # history taken in later: neither on time nor late
                imported.append(_short(p))
            elif readable and readable[0].received_at.date() <= s.deadline_for(p):
                on_time += 1
            else:
                late.append(_short(p))
            if not recs:
                continue
            reported = reported or bool(readable)
            first = recs[0]
            errors = _error_keys(ledger, first)
            now = in_use[p.key].get(d.code)
            gone = 0
            if now is not None and now.id != first.id and now.readable:
                gone = len(errors - _error_keys(ledger, now))
            if today <= correction_closes(cat, p):  # still open: an error not yet fixed is not unfixed
                pending += len(errors) - gone
                first_errors += gone
            else:
                first_errors += len(errors)
            fixed += gone
        c, g = completion[d.code], growth[d.code]
        due = len(periods) - len(imported)
        p_c: Decimal | None
        if c is None:  # no target to measure it by: the part is left out, the others count for 100
            p_c = None
        else:  # its own 完成率 (or that of its share of the city's target) against 时序进度
            p_c = weights[0] * min(c / figs.period.time_progress, Decimal(1))
        p_g: Decimal | None
        if g is None or g_lo is None or g_hi is None:  # no 同比 (no comparable base): left out, as 目标完成
            p_g = None
        elif g_hi == g_lo:
            p_g = weights[1]
        else:
            p_g = weights[1] * (GROWTH_FLOOR + (1 - GROWTH_FLOOR) * (g - g_lo) / (g_hi - g_lo))
        # on the periods it sent itself; none (all imported): the part is left out
        p_t = weights[2] * Decimal(on_time) / Decimal(due) if due else None
        if not reported:
            p_f = Decimal(0)
        else:
            p_f = weights[3] * Decimal(fixed) / Decimal(first_errors) if first_errors else weights[3]
        points = (p_c, p_g, p_t, p_f)
        counted = sum((w for w, pt in zip(weights, points) if pt is not None), Decimal(0))
        got = sum((pt for pt in points if pt is not None), Decimal(0))
        total = got * HUNDRED / counted if counted else Decimal(0)
        rows.append(DistrictScore(d.code, d.name, c, g, on_time, due, tuple(late), first_errors,
                                  fixed, points, total, pending=pending, imported=tuple(imported)))
    # a district scored on fewer result parts (目标完成, 增长) than 设置 asks has no measured result to rank:
    # “—” as total and rank, after the ranked ones (a total of 按时报送 and 问题整改 alone is no 考核 result)
    least = s.score_min_results
    scored = [r for r in rows if sum(1 for pt in r.points[:2] if pt is not None) >= least]
    left = [replace(r, total=None, rank=None) for r in rows if all(r is not o for o in scored)]
    places = s.rate_decimals
    shown = [q(r.total or Decimal(0), places) for r in scored]
    ranked = [replace(r, rank=1 + sum(1 for o in shown if o > mine)) for r, mine in zip(scored, shown)]
    return Scorecard(mode, weights, tuple(_short(p) for p in periods), tuple(ranked + left), least)


def _mean(values: list[Decimal]) -> Decimal | None:
    return sum(values, Decimal(0)) / len(values) if values else None
