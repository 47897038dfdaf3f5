"""Figures against the months before (issue 13 items 1–2): 当月, 环比, 完成率较上月, and the year's path.

``add_months(figs, ledger, cat)`` fills, in one place, the month fields of every IndicatorFigure of a
monthly period (``month_value``, ``month_districts``, ``month_before``, ``mom``, ``completion_change``)
and ``Figures.months`` (月度走势, 图2), from the history of figures (figures/history.py: each earlier
month's district sums, never its rows). The pipeline calls it right after ``compute_figures``.

The rules (docs/consolidation.md “当月与环比”):

* 当月 exists for flows only: summable indicators compared with 时序进度 that are not rates (“%”).
  A stock (企业户数, 装机容量) or a ratio has no 当月: the difference of two stocks is a change, not a
  month's amount, and a month's share is not the difference of two shares.
* Per district and cluster: this month's 本年累计 − last month's, only where both months have a value
  from a version in use; otherwise no 当月 (“—”), never the 本年累计 taken for a month. January's 当月
  is its 本年累计. The city's (and a programme total's) 当月 is the sum over the district × cluster cells
  that have one; ``month_districts`` says how many districts that is.
* A cell whose 本年累计 fell below last month's has no 当月 either (``month_fallen`` names its district):
  a 本年累计 only grows, so a fall means this month's cell is missing a part last month had (a project
  or roster row an error excluded this month, an enterprise or project no longer listed; a typed 集群产出
  value that falls is R-YTD-FALL's error and has no value at all). A negative difference is never shown
  or added into the city's 当月 as if it were a month's amount; the 总表 note and the brief name it.
* 环比 % = (当月 / last month's 当月 − 1) × 100 over the cells that have both (同口径), when last month's
  is above 0. January's last month is last December (when the ledger has it; else “—”).
* 完成率较上月 (百分点) compares like with like (February on): the change of the 本年累计 over the same
  cells, ÷ the year's target × 100. For a flow that is 当月 ÷ target (the cells of 当月, so the brief's
  “当月…，完成率较上月提高…” agree); for a summable stock the cells with a value in both months; for a
  figure that is not summable, this 完成率 − last month's when both months count the same cells, else none.
  When the two months' 本年累计 count different districts (one sent last month only), the published
  完成率 of the two months are not comparable: ``change_partial`` is set and the brief says
  “按两个月均有该项数据的N个县区计”; the 月度走势 sheet names such months (``MonthFigure.changed``).
"""
from __future__ import annotations

from decimal import Decimal

from reporttool.catalogue import Catalogue
from reporttool.core.models import Indicator, Period
from reporttool.figures.compute import RATE_UNIT, _figure, city_figures
from reporttool.figures.history import DistrictSums, district_sums, month_before, remember
from reporttool.figures.records import (
    Figures,
    IndicatorFigure,
    MonthFigure,
    formula_parts,
    headline_figure,
    programme_parts,
    shown_gap,
)
from reporttool.ledger import Ledger

__all__ = ["add_months", "has_month", "cell_months", "fallen_cells", "figure_cells", "stand_in_sums"]

Cell = tuple[str, str]  # (district, cluster code; "" for a district-wide figure)


def has_month(ind: Indicator) -> bool:
    """A flow, for which 当月 means something (see the module docstring)."""
    return ind.summable and ind.compare_time and ind.unit != RATE_UNIT


def add_months(figs: Figures, ledger: Ledger, cat: Catalogue, *, store: bool = True) -> Figures:
    """Fill the month fields of ``figs`` and ``figs.months`` (a quarterly period: nothing; a year: the
    path only — a year's own period is 四季度当季 (figures/scorecard.py), not December's 当月, which the
    December report shows). ``store``: keep this period's sums for later months first
    (figures/history.remember); the caller passes False when a district failed in this run. Returns ``figs``."""
    period = figs.period
    if period.quarterly:
        return figs
    if store:
        remember(ledger, cat, period, figs.district_sums)
    districts = [d.code for d in cat.districts]
    if period.annual:
        figs.months = _path(figs, ledger, cat, districts)
        return figs
    now = figs.district_sums
    last = month_before(period)
    before = district_sums(ledger, cat, last)
    earlier = district_sums(ledger, cat, month_before(last)) if before and last.month != 1 else {}
    by_code = {i.code: i for i in cat.indicators}
    previous = _previous_figures(cat, last, before) if period.month > 1 else {}
    for f in [*figs.clusters, *figs.programme, *figs.districts]:
        ind = by_code.get(f.indicator)
        if ind is None:
            continue
        cells = figure_cells(f, ind, districts, cat)
        n, b, e = (stand_in_sums(cat, f, ind, s) for s in (now, before, earlier))
        if has_month(ind):
            _month(f, cells, n, b, e, period, last)
        prev = previous.get((f.cluster, f.indicator, f.district))
        if f.completion is not None and prev is not None and prev.completion is not None:
            _completion_change(f, ind, prev, cells, n, b)
            if f.completion_change is not None and f.completion_change == f.completion - prev.completion:
                # the same cells both months: the change a reader subtracts from the two 完成率 as shown
                f.completion_change = shown_gap(f.completion, prev.completion, cat.settings.rate_decimals)
    figs.months = _path(figs, ledger, cat, districts)
    return figs


def cell_months(cells: list[Cell], indicator: str, sums: DistrictSums, before: DistrictSums,
                january: bool) -> dict[Cell, Decimal]:
    """The 当月 of each cell that has one: this 本年累计 − last month's where both have a value and this
    one is not below last month's (``fallen_cells``); January: the 本年累计."""
    out: dict[Cell, Decimal] = {}
    for d, c in cells:
        s = sums.get(d, {}).get((c, indicator))
        if s is None or s.value is None:
            continue
        if january:
            out[(d, c)] = s.value
            continue
        b = before.get(d, {}).get((c, indicator))
        if b is not None and b.value is not None and s.value >= b.value:
            out[(d, c)] = s.value - b.value
    return out


def fallen_cells(cells: list[Cell], indicator: str, sums: DistrictSums, before: DistrictSums) -> list[Cell]:
    """The cells whose 本年累计 is below last month's (no 当月: see the module docstring)."""
    out = []
    for d, c in cells:
        s, b = sums.get(d, {}).get((c, indicator)), before.get(d, {}).get((c, indicator))
        if s is not None and b is not None and s.value is not None and b.value is not None and s.value < b.value:
            out.append((d, c))
    return out


def figure_cells(f: IndicatorFigure, ind: Indicator, districts: list[str], cat: Catalogue) -> list[Cell]:
    """The district × cluster cells a figure adds up: its own cell for a district's figure; for a programme
    total the clusters of its 合计 (figures.programme_parts: those 计入合计, with a cluster whose 计算 indicator
    stands for it, 指标.汇总口径, whose values ``stand_in_sums`` puts under the total's code). 当月 here and 当季
    (figures/scorecard.py) alike."""
    if f.district:
        return [(f.district, f.cluster)]
    if f.cluster or ind.programme:
        return [(d, f.cluster) for d in districts]
    return [(d, c) for d in districts for c, _ in programme_parts(cat, ind.code)]


def stand_in_sums(cat: Catalogue, f: IndicatorFigure, ind: Indicator, sums: DistrictSums) -> DistrictSums:
    """``sums`` with, for a programme total, each stand-in's value (襄樊's 纺织服装 集群产值（四项合计）, counted in
    the 产值 合计) also under the total's code, so the total's cells read it as the 总表's 合计 does; ``sums``
    itself for anything else. (Without it the 合计's 当月 and 当季 left the stand-in out: 39.46 亿元 beside clusters
    adding up to 55.71.)"""
    if f.cluster or f.district or ind.programme:
        return sums
    pairs = [(c, code) for c, code in programme_parts(cat, ind.code) if code != ind.code]
    if not pairs or not sums:
        return sums
    out = {d: dict(per) for d, per in sums.items()}
    for per in out.values():
        for c, code in pairs:
            if (c, code) in per:
                per[(c, ind.code)] = per[(c, code)]
    return out


def _month(f: IndicatorFigure, cells: list[Cell], now: DistrictSums, before: DistrictSums,
           earlier: DistrictSums, period: Period, last: Period) -> None:
    this = cell_months(cells, f.indicator, now, before, period.month == 1)
    if period.month > 1:
        fell = fallen_cells(cells, f.indicator, now, before)
        f.month_fallen = tuple(dict.fromkeys(d for d, _ in fell))
    if not this:
        return
    f.month_value = sum(this.values(), Decimal(0))
    f.month_districts = len({d for d, _ in this})
    if period.month > 1:
        f.month_partial = bool(f.month_fallen) or any(
            _has(now, c, f.indicator) != _has(before, c, f.indicator) for c in cells)
    prior = cell_months(list(this), f.indicator, before, earlier, last.month == 1)
    if not prior:
        return
    f.month_before = sum(prior.values(), Decimal(0))
    same = sum((this[c] for c in prior), Decimal(0))
    if f.month_before > 0:
        f.mom = (same / f.month_before - 1) * 100


def _completion_change(f: IndicatorFigure, ind: Indicator, prev: IndicatorFigure, cells: list[Cell],
                       now: DistrictSums, before: DistrictSums) -> None:
    """完成率较上月 on the same cells in both months (see the module docstring): sets ``completion_change``,
    ``change_districts`` and ``change_partial``."""
    both = [c for c in cells if _has(now, c, f.indicator) and _has(before, c, f.indicator)]
    f.change_partial = any(_has(now, c, f.indicator) != _has(before, c, f.indicator) for c in cells)
    target = f.target
    if target is None or target <= 0 or prev.target != target:
        return  # (a year's target is the same in both months; anything else is not compared)
    if has_month(ind):  # the cells of 当月: its districts, without those whose 本年累计 fell
        if f.month_value is None:
            return
        f.completion_change = f.month_value / target * 100
        f.change_districts = f.month_districts
        f.change_partial = f.month_partial
        return
    if ind.summable:
        if not both:
            return
        diff = sum((_value(now, c, f.indicator) - _value(before, c, f.indicator) for c in both), Decimal(0))
        f.completion_change = diff / target * 100
    elif f.change_partial:
        return  # a ratio of other districts than last month's: no change to speak of
    else:
        assert f.completion is not None and prev.completion is not None
        f.completion_change = f.completion - prev.completion
    f.change_districts = len({d for d, _ in both})


def _value(sums: DistrictSums, cell: Cell, indicator: str) -> Decimal:
    s = sums[cell[0]][(cell[1], indicator)]
    assert s.value is not None
    return s.value


def _has(sums: DistrictSums, cell: Cell, indicator: str) -> bool:
    s = sums.get(cell[0], {}).get((cell[1], indicator))
    return s is not None and s.value is not None


def _previous_figures(cat: Catalogue, last: Period, before: DistrictSums
                      ) -> dict[tuple[str, str, str], IndicatorFigure]:
    """Last month's figures (city, programme, each district) as its 总表 showed them, for 完成率较上月."""
    if not before:
        return {}
    clusters, programme = city_figures(cat, last, before)
    out = {(f.cluster, f.indicator, ""): f for f in [*clusters, *programme]}
    for d, sums in before.items():
        for (c, code), s in sums.items():
            ind = cat.indicator(code)
            if c and ind is not None:
                out[(c, code, d)] = _figure(cat, last, c, ind, d, s, int(s.value is not None))
    return out


def _path_indicator(figs: Figures, cat: Catalogue, cluster: str) -> str:
    """The indicator of a cluster's path: its headline figure (records.headline_figure); without one (no
    annual target, so no 完成率: a plan with plan-end targets only, such as 襄樊's 2027 targets) its main
    flow with a value (集群.主要指标, else the first flow compared with 时序进度, a whole before its parts),
    whose 本年累计 and 当月 still make a path (完成率 “—”); "" when the cluster has none."""
    f = headline_figure(figs, cat, cluster)
    if f is not None:
        return f.indicator
    c = cat.cluster(cluster)
    parts = formula_parts(cat, cluster)
    codes = [c.headline] if c is not None and c.headline else [
        i.code for i in sorted(cat.indicators_for(cluster), key=lambda i: i.code in parts) if has_month(i)]
    return next((code for code in codes if (g := figs.cluster_figure(cluster, code)) is not None
                 and g.value is not None), "")


def _path(figs: Figures, ledger: Ledger, cat: Catalogue, districts: list[str]) -> list[MonthFigure]:
    """January … this month of each cluster's headline figure (records.headline_figure), each month as
    that month's 总表 showed it (city_figures over its sums)."""
    picks = [(c.code, code) for c in cat.clusters if (code := _path_indicator(figs, cat, c.code))]
    if not picks:
        return []
    period = figs.period
    months = [Period(period.year, m) for m in range(1, period.month + 1)]
    sums = {p: (figs.district_sums if p == period else district_sums(ledger, cat, p)) for p in months}
    if sum(1 for p in months if sums[p]) < 2:  # one month of data is no path: no sheet, no 图2
        return []
    by_code = {i.code: i for i in cat.indicators}
    shown = {p: {(f.cluster, f.indicator): f for f in city_figures(cat, p, sums[p])[0]} for p in months if sums[p]}
    out = []
    for cluster, code in picks:
        for p in months:
            f = shown.get(p, {}).get((cluster, code))
            if f is None:
                out.append(MonthFigure(cluster, code, p, None, None, None, None))
                continue
            month_value: Decimal | None = None
            changed: tuple[str, ...] = ()
            counted = 0
            cells = [(d, cluster) for d in districts]
            prior = sums[Period(p.year, p.month - 1)] if p.month > 1 else {}
            if has_month(by_code[code]):
                this = cell_months(cells, code, sums[p], prior, p.month == 1)
                month_value = sum(this.values(), Decimal(0)) if this else None
                counted = len(this)
            if prior:  # districts in one of the two months' 本年累计 only: the pair is not like for like
                changed = tuple(d for d, c in cells if _has(sums[p], (d, c), code) != _has(prior, (d, c), code))
            out.append(MonthFigure(cluster, code, p, f.value, month_value, f.completion, f.time_progress,
                                   f.n_districts, counted, changed))
    return out
