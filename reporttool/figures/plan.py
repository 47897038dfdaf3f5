"""Plan progress across years: the multi-year targets of the catalogue (目标类型 累计 / 新增 over a plan
range such as 2023-2025) measured from the ledger, against the plan time elapsed.

* 累计 (集群投资三年累计400亿元): each earlier plan year's year-end 本年累计 (its December report in the
  ledger), plus this year to date. A year the ledger does not have takes the 基期 sheet's value of that
  year (a statistic typed by the bureau); a year in neither is named, never taken as 0.
* 新增 (三年新增规上企业100户): the value now less the value at the end of the base year (the year before
  the range unless 基期年 says otherwise): the 基期值 typed in the target row, else the 基期 sheet, else the
  ledger's December report of the base year. Like for like: when the districts counted now are not those
  of the base (a district not reported, an empty roster, a base-year December missing a district), both
  sides are taken over the districts counted now that have a base of their own (基期 sheet row with 县区代码,
  else that district's December of the base year); ``base_districts`` says how many, ``base_stated`` keeps
  the base as stated, ``no_base`` names the districts left out, ``unlike_base`` says no district had one.

Plan time elapsed = whole plan years before this one + this period's months ÷ 12 (2025-06 in 2023-2025:
2.5 of 3 years, 时间进度 83.3 %); 进度差 = 完成率 − 时间进度, judged with the one 滞后阈值.

Coverage: this period's part counts only the districts that have it. A district with no usable version
this period (未报, 退回) is out; for an indicator counted from the rosters (规上企业户数) so is a district
whose roster gives nothing (R-ROSTER-EMPTY). The documents name the districts left out. A roster-counted
figure with a district out is an undercount against a whole-area base (新增 = now − base): it is shown
as counted and not judged (no 完成率, 进度差 or 滞后). A flow's 累计 is judged over the districts counted,
stated, as the 总表 judges its totals when a district did not report. The brief, the 总表's 规划期目标
block and `reporttool targets` say so alike.

``plan_progress`` is pure: it takes this period's per-district sums and a function giving a year's December
sums. ``add_plan`` feeds it from the ledger (the history of figures, figures/history.py) and is
called by the pipeline after ``compute_figures`` (compute cannot import history: history builds on it).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from decimal import Decimal

from reporttool.catalogue import Catalogue
from reporttool.core.models import SOURCE_ROSTER, TARGET_CUMULATIVE, Period, Target
from reporttool.figures.history import DistrictSums, district_sums
from reporttool.figures.records import Figures, PlanProgressFigure, PlanYear, judge, shown_gap
from reporttool.ledger import Ledger


def add_plan(figs: Figures, ledger: Ledger, cat: Catalogue) -> Figures:
    """Set ``figs.plan`` for the catalogue's 累计/新增 targets (this period from the figures' own sums, the
    earlier years' Decembers from the history of figures) and return ``figs``."""
    if cat.plan_targets():
        figs.plan = plan_progress(cat, figs.period, figs.district_sums,
                                  lambda year: district_sums(ledger, cat, Period(year, 12)))
    return figs


def city_value(cat: Catalogue, sums: DistrictSums, cluster: str, indicator: str) -> tuple[Decimal | None, int]:
    """The whole area's value of ``cluster`` ("" = the programme's member clusters) × ``indicator`` over the
    districts in ``sums``, and how many districts had one; (None, 0) when none had."""
    per = district_values(cat, sums, cluster, indicator)
    return (sum(per.values(), Decimal(0)) if per else None), len(per)


def district_values(cat: Catalogue, sums: DistrictSums, cluster: str, indicator: str) -> dict[str, Decimal]:
    """Each district's value of ``cluster`` × ``indicator`` in ``sums`` (see ``city_value``), for the districts
    that have one."""
    ind = cat.indicator(indicator)
    if ind is None:
        return {}
    members = {c.code for c in cat.members()}
    # a district-wide figure (适用集群 合计: 实际利用外资) is kept under cluster ""
    clusters = [""] if ind.programme else [cluster] if cluster else [c for c in ind.clusters if c in members]
    out = {}
    for district, per in sums.items():
        found = [s.value for c in clusters if (s := per.get((c, indicator))) is not None and s.value is not None]
        if found:
            out[district] = sum(found, Decimal(0))
    return out


def elapsed_years(period: Period, start: int, end: int) -> Decimal:
    """Plan years elapsed at the end of ``period`` (capped at the span): 2025-06 in 2023-2025 → 2.5."""
    span = end - start + 1
    done = Decimal(period.year - start) + Decimal(period.month) / Decimal(12)
    return max(Decimal(0), min(Decimal(span), done))


def plan_progress(cat: Catalogue, period: Period, now: DistrictSums,
                  year_end: Callable[[int], DistrictSums]) -> list[PlanProgressFigure]:
    """Every 累计/新增 target whose plan range has begun by ``period``, in 目标 sheet order."""
    cache: dict[int, DistrictSums] = {}

    def december(year: int) -> DistrictSums:
        if year not in cache:
            cache[year] = year_end(year)
        return cache[year]

    out = []
    for t in cat.plan_targets():
        assert t.start_year is not None and t.value is not None  # the loader's rule for 累计/新增
        if period.year < t.start_year:
            continue  # the plan has not begun
        f = PlanProgressFigure(t.cluster, t.indicator, t.kind, t.start_year, t.year, t.value, wording=t.note,
                               span=t.year - t.start_year + 1,
                               elapsed=elapsed_years(period, t.start_year, t.year))
        f.time_progress = f.elapsed / Decimal(f.span) * 100
        if t.kind == TARGET_CUMULATIVE:
            _cumulative(cat, t, period, now, december, f)
        else:
            _increase(cat, t, period, now, december, f)
        if period.year <= t.year:
            coverage(cat, t.indicator, now, f)
        if f.value is not None and f.target > 0 and not f.unjudged:
            f.completion = f.value / f.target * 100
            f.gap = shown_gap(f.completion, f.time_progress, cat.settings.rate_decimals)
            f.status = judge(f.gap, cat.settings.lag_threshold, f.time_progress)
        out.append(f)
    return out


def coverage(cat: Catalogue, indicator: str, now: DistrictSums, f: PlanProgressFigure) -> None:
    """Set ``f``'s coverage of this period: the configured districts without a version in ``now`` (未报,
    退回) and, for a roster-counted indicator, those whose roster gives no roster figure at all (then
    ``unjudged``)."""
    ind = cat.indicator(indicator)
    roster = {i.code for i in cat.indicators if i.source == SOURCE_ROSTER}
    f.districts = len(cat.districts)
    f.not_reported = tuple(d.code for d in cat.districts if d.code not in now)
    if ind is not None and ind.source == SOURCE_ROSTER:
        f.no_roster = tuple(d.code for d in cat.districts if d.code in now and cat.clusters_for(d.code) and not any(
            s.value is not None for (_c, code), s in now[d.code].items() if code in roster))  # hosting none: no gap
    f.covered = f.districts - len(f.not_reported) - len(f.no_roster)
    whole = f.covered == f.districts and not f.no_base
    f.unjudged = ind is not None and ind.source == SOURCE_ROSTER and not whole


def _past_year(cat: Catalogue, t: Target, year: int, december: Callable[[int], DistrictSums]) -> PlanYear:
    """A finished year's value: its December report in the ledger, else the 基期 sheet, else missing."""
    value, n = city_value(cat, december(year), t.cluster, t.indicator)
    if value is not None:
        return PlanYear(year, value, "ledger", 12, n)
    stat = cat.base_stat(t.cluster, t.indicator, year)
    if stat is not None:
        return PlanYear(year, stat.value, "base")
    return PlanYear(year, None, "")


def _cumulative(cat: Catalogue, t: Target, period: Period, now: DistrictSums,
                december: Callable[[int], DistrictSums], f: PlanProgressFigure) -> None:
    assert t.start_year is not None
    for year in range(t.start_year, min(t.year, period.year - 1) + 1):
        f.years.append(_past_year(cat, t, year, december))
    if period.year <= t.year:
        value, n = city_value(cat, now, t.cluster, t.indicator)
        f.years.append(PlanYear(period.year, value, "current" if value is not None else "", period.month, n))
    f.missing = [y.year for y in f.years if y.value is None and y.source != "current" and y.month == 12
                 and y.year < period.year]
    f.none_now = any(y.value is None for y in f.years if y.year == period.year)
    present = [y.value for y in f.years if y.value is not None]
    if f.missing or f.none_now:
        f.partial = sum(present, Decimal(0)) if present else None
    else:
        f.value = sum(present, Decimal(0))


def _increase(cat: Catalogue, t: Target, period: Period, now: DistrictSums,
              december: Callable[[int], DistrictSums], f: PlanProgressFigure) -> None:
    assert t.start_year is not None
    base_year = t.base_year if t.base_year is not None else t.start_year - 1
    # the base: typed in the row, else the 基期 sheet (the bureau's statement of it), else the ledger
    stat = cat.base_stat(t.cluster, t.indicator, base_year)
    base = (PlanYear(base_year, t.base_value, "base") if t.base_value is not None
            else PlanYear(base_year, stat.value, "base") if stat is not None
            else _past_year(cat, t, base_year, december))
    if period.year <= t.year:
        value, n = city_value(cat, now, t.cluster, t.indicator)
        current = PlanYear(period.year, value, "current" if value is not None else "", period.month, n)
        counted = district_values(cat, now, t.cluster, t.indicator)
    else:  # the plan is over: its last year's end
        current = _past_year(cat, t, t.year, december)
        counted = district_values(cat, december(t.year), t.cluster, t.indicator) if current.source == "ledger" else {}
    f.years = [base, current]
    f.missing = [y.year for y in f.years if y.value is None and y.year < period.year]
    f.none_now = current.value is None and current.year == period.year
    if base.value is None or current.value is None:
        return
    _like_for_like(cat, t, base, current, counted, december, f)
    base, current = f.years
    if base.value is not None and current.value is not None:
        f.value = current.value - base.value


def _like_for_like(cat: Catalogue, t: Target, base: PlanYear, current: PlanYear, counted: dict[str, Decimal],
                   december: Callable[[int], DistrictSums], f: PlanProgressFigure) -> None:
    """新增 subtracts the base of the same districts as the value now (issue 13: 215 of 7 districts less 199 of
    all 9 is not an increase). The base as stated counts every configured district when typed (目标 row,
    基期 sheet), the districts of its December when from the ledger. When the districts counted now are not
    those, each one's own base is taken (its 基期 sheet row, else its December of the base year in the ledger)
    and both sides are summed over the districts that have both; a district counted now without a base of
    its own is named (``no_base``) and left out; with none left, no 新增 (``unlike_base``)."""
    if not counted:  # (a finished plan whose last year is not in the ledger: the stated values stand)
        return
    ledger_base = district_values(cat, december(base.year), t.cluster, t.indicator)
    stated = set(ledger_base) if base.source == "ledger" else {d.code for d in cat.districts}
    if set(counted) == stated:
        return
    own: dict[str, Decimal] = {}
    for d in counted:
        stat = cat.base_stat(t.cluster, t.indicator, base.year, d)
        if stat is not None and stat.district == d:
            own[d] = stat.value
        elif d in ledger_base:
            own[d] = ledger_base[d]
    f.base_stated = base.value
    f.no_base = tuple(d for d in counted if d not in own)
    if not own:
        f.unlike_base = True
        f.years = [PlanYear(base.year, None, base.source), current]
        return
    f.base_districts = len(own)
    source = "ledger" if all(d in ledger_base and cat.base_stat(t.cluster, t.indicator, base.year, d) is None
                             for d in own) else "base"
    f.years = [PlanYear(base.year, sum(own.values(), Decimal(0)), source, 12, len(own)),
               replace(current, value=sum((counted[d] for d in own), Decimal(0)), districts=len(own))]
