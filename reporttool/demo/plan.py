# Over 500 lines: one idea, what each cluster's figures should come to in the invented city (targets, tiers, base
# statistics, units, parts and wholes, the programme and district-wide figures), from one seeded generator.
"""The demo's numbers: the city plan per cluster. The rows that carry them (each district's roster, projects and
outputs) are written by reporttool.demo.rows; reporttool.demo.make writes the files (the planted problems:
reporttool.demo.problems). The rules, and the test of
each for every example catalogue, are in docs/demo.md.

Plan in the catalogue's terms: a cluster's 本年累计 for an indicator with a value target is
target × 时序进度 × pace, pace ≈ 0.96–1.06 for most clusters and 0.72–0.82 for the lagging ones; stocks
(户数, 装机容量) sit at 92–100 % of target (75–85 % when lagging); a plan-end target sizes a year without one.
Indicators without a value target get magnitudes from the cluster's tier (千亿级/五百亿级/百亿级; without one, the
smallest of the plan's 营业收入/产值 targets), from the
other indicators (营业收入 ≈ 产值; parts of the revenue by name: 增加值, 利税, 采购额 …; employees from revenue)
and from what their unit measures (万载重吨, 万辆, 亿美元). In a ratio A/B the whole B stays above the part A.
Only clusters with a target for the year are planned to lag. District-wide figures (适用集群 合计) are planned
city-wide so that the programme ratio lands near its target; others from their own target, else as a part (or,
for 规上工业总产值, a whole) of the member clusters' revenue. The district totals are shares of the city
totals; the roster covers 78–92 % of a cluster's revenue.
"""
from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from decimal import Decimal

from reporttool.catalogue import Catalogue
from reporttool.core.models import (
    SOURCE_FORMULA,
    SOURCE_OUTPUT,
    SOURCE_PROJECTS,
    SOURCE_ROSTER,
    TARGET_CUMULATIVE,
    TARGET_GROWTH,
    TARGET_INCREASE,
    BaseStat,
    Cluster,
    District,
    Indicator,
    Period,
)
from reporttool.demo.base import (
    to_form_unit,
)

_RATIO = re.compile(r"^\s*([A-Za-z_]\w*)\s*/\s*([A-Za-z_]\w*)\s*\*\s*100\s*$")
_SUM = re.compile(r"^\s*[A-Za-z_]\w*(\s*\+\s*[A-Za-z_]\w*)+\s*$")
_COUNT_UNITS = ("户", "家", "个", "人", "座", "艘")


@dataclass
class ClusterPlan:
    cluster: Cluster
    lagging: bool
    pace: float  # completion relative to the time progress
    growth: float  # year-on-year change of flows
    level: float  # stocks: share of the target reached
    values: dict[str, float] = field(default_factory=dict)  # summable output code -> city value, form unit
    ratios: dict[str, float] = field(default_factory=dict)  # non-summable output code -> typical value
    scale_firms: float | None = None  # 规上企业户数 wanted city-wide
    all_firms: float | None = None  # 企业户数 wanted city-wide
    invest: float | None = None  # 本年完成投资 wanted city-wide (万元)
    revenue: str = ""  # output indicator bounding the roster's 营业收入
    output: str = ""  # output indicator bounding the roster's 工业总产值
    weights: dict[str, float] = field(default_factory=dict)  # district code -> share (sums to 1 over senders)
    growth_targets: dict[str, float] = field(default_factory=dict)  # indicator code -> planned growth (growth target)
    parts: tuple[str, ...] = ()  # the parts of a sum formula (A+B+C) standing in for the revenue when there is none
    invest_before: float | None = None  # 累计完成投资 before this year the programme's plan-years target implies
    invest_since: int | None = None  # the first year of that target: the earlier years' spending began then
    events: dict[str, float] = field(default_factory=dict)  # counts of new things (新创省名牌) -> 上年同期, city


@dataclass
class CityPlan:
    clusters: dict[str, ClusterPlan]
    missing: District | None  # the district that will send nothing (when problems are planted)
    order: list[District]  # districts in the order roles are handed out
    lagging: tuple[str, ...]
    threshold: float  # 规上标准 (万元 a year)
    area: dict[tuple[str, str], float] = field(default_factory=dict)  # (district, indicator) -> district-wide figure


_REVENUE = re.compile(r"^(营业收入|主营业务收入|销售收入|营业收入合计)$")
# parts of a cluster's revenue by what the indicator is called (share of the revenue, low and high)
_PART_SHARES = ((re.compile(r"增加值"), 0.22, 0.35), (re.compile(r"利税"), 0.05, 0.12), (re.compile(r"利润"), 0.03, 0.09),
                (re.compile(r"采购"), 0.55, 0.8), (re.compile(r"出口|外贸"), 0.05, 0.3), (re.compile(r"研发|R&D"), 0.01, 0.04),
                (re.compile(r"税"), 0.03, 0.08))


def _is_part(name: str) -> bool:
    return any(rx.search(name) for rx, _lo, _hi in _PART_SHARES)


def _part_share(name: str, rng: random.Random) -> float:
    """The share of the revenue an amount called ``name`` is (增加值 22-35 %, 利税 5-12 % …; else 5-30 %)."""
    for rx, lo, hi in _PART_SHARES:
        if rx.search(name):
            return rng.uniform(lo, hi)
    return rng.uniform(0.05, 0.3)


# A cluster's typical size in a dimension's base unit (low, high), for a 百亿级 cluster: capacities (stocks) as
# they stand, flows for a whole year. 造船能力 50-300万载重吨, 整车产能 5-50万辆, 装机 20-300万千瓦 …
_MAGNITUDES = {"载重": (5e5, 3e6), "车辆": (5e4, 5e5), "重量": (1e5, 2e6), "功率": (2e5, 3e6), "电量": (1e8, 5e9),
               "人次": (3e6, 3e7), "面积": (1e5, 2e6), "台": (1e4, 5e5), "套": (1e4, 5e5), "土地": (500, 5000)}
_USD_PER_YUAN = 1 / 7.1


def _dimension(table: dict, unit: str) -> str:
    return table.get(unit, ("",))[0]


def _is_foreign_currency(table: dict, unit: str) -> bool:
    dim = _dimension(table, unit)
    return bool(dim) and dim != "人民币" and unit.endswith("元") and "元" in dim + unit


def _by_dimension(cat: Catalogue, ind: Indicator, revenue: float | None, rev_ind: Indicator | None, mag: float,
                  year_frac: float, rng: random.Random) -> float:
    """A value in the form unit sized by what the unit measures: foreign currency (实际利用外资, 出口额 in 美元)
    1-5 % of the cluster's revenue at about 7.1 元 a dollar; capacities and volumes from _MAGNITUDES."""
    table = cat.unit_table()
    dim, factor = table[ind.form_unit][0], float(table[ind.form_unit][1])
    if _is_foreign_currency(table, ind.form_unit):
        if revenue is not None and rev_ind is not None and _dimension(table, rev_ind.form_unit) == "人民币":
            yuan = revenue * float(table[rev_ind.form_unit][1])
        else:
            yuan = mag * 1e8 * 0.4 * year_frac
        return yuan * _USD_PER_YUAN * rng.uniform(0.01, 0.05) / factor
    lo, hi = _MAGNITUDES[dim]
    base = rng.uniform(lo, hi) * (mag / 100) ** 0.5
    return base * (year_frac if is_flow(ind) else 1.0) / factor


def is_flow(ind: Indicator) -> bool:
    """Year-to-date amounts grow through the year; stocks (户数, 装机容量, %) do not."""
    return ind.compare_time or "元" in ind.form_unit


_EVENT = re.compile(r"^新(创|增|认定|获|评|培育|建)")


def is_event(ind: Indicator) -> bool:
    """A count of new things during the year (新创省名牌产品, 新增著名商标) that is not compared with the time
    progress: a few a year, 0 in some months' year-to-date."""
    return is_count(ind) and not ind.compare_time and bool(_EVENT.search(ind.name))


def is_count(ind: Indicator) -> bool:
    return ind.form_unit in _COUNT_UNITS or ind.decimals == 0


def tier_magnitude(tier: str) -> float:
    """千亿级 -> 1000, 五百亿级 -> 500, 百亿级 -> 100 (亿元 a year); 100 when the tier says nothing."""
    digits = {"一": 1, "二": 2, "两": 2, "三": 3, "五": 5}
    m = re.search(r"([一二两三五]?)([千百])亿", tier or "")
    if not m:
        return 100.0
    return digits.get(m.group(1), 1) * (1000.0 if m.group(2) == "千" else 100.0)


def cluster_size(cat: Catalogue, cluster: Cluster, year: int) -> float:
    """A cluster's yearly size in 亿元 when no target of its own sizes it: its tier (千亿级 -> 1000), else the
    smallest of the plan's size targets for the year (other clusters' 营业收入 / 产值 in 亿元: a cluster the plan
    sets no target for is rarely bigger than the smallest one it does, 丹东's 着力培育 clusters), else 100."""
    if re.search(r"[千百]亿", cluster.tier or ""):
        return tier_magnitude(cluster.tier)
    sizes = []
    for c in cat.clusters:
        for ind in cat.indicators_for(c.code):
            if not (ind.summable and ind.compare_time and not _is_part(ind.name) and (
                    _REVENUE.search(ind.name) or "产值" in ind.name
                    or ind.roster_measure in ("营业收入合计", "工业总产值合计"))):
                continue
            rt = cat.target_for(c.code, ind.code, year)
            yuan = _yuan(cat, ind.unit, float(rt.value)) if rt is not None and rt.value is not None else None
            if yuan:
                sizes.append(yuan / 1e8)
    return min(sizes) if sizes else 100.0


def _from_yi(cat: Catalogue, ind: Indicator, yi: float) -> float:
    """An amount of ``yi`` 亿元 in the indicator's form unit (万元 -> × 10000); unconverted when it is not 元."""
    table = cat.unit_table()
    if _dimension(table, ind.form_unit) == "人民币":
        return yi * 1e8 / float(table[ind.form_unit][1])
    return float(to_form_unit(Decimal(repr(yi)), ind.unit, ind.form_unit, table))


# ==================================================================================================
# City plan
# ==================================================================================================


def plan_city(cat: Catalogue, period: Period, rng: random.Random) -> CityPlan:
    """Cluster totals, which clusters lag, where each cluster sits, and who will not send a file."""
    year_frac = period.month / 12
    order = list(cat.districts)
    rng.shuffle(order)
    missing = order[0] if len(order) >= 2 else None
    with_target = [c for c in cat.clusters if any(
        is_flow(i) and (rt := cat.target_for(c.code, i.code, period.year)) is not None and rt.value is not None
        for i in cat.indicators_for(c.code))]
    pool = with_target  # only a cluster with a target for the year can lag behind it
    n_lag = min(len(pool), max(1, min(3, len(cat.clusters) // 3))) if len(cat.clusters) >= 2 and pool else 0
    lagging = tuple(c.code for c in rng.sample(pool, n_lag))
    plans = {}
    for c in cat.clusters:
        lag = c.code in lagging
        cp = ClusterPlan(c, lag, pace=rng.uniform(0.72, 0.82) if lag else rng.uniform(0.96, 1.06),
                         growth=rng.uniform(-0.12, -0.03) if lag else rng.uniform(-0.02, 0.14),
                         level=rng.uniform(0.75, 0.85) if lag else rng.uniform(0.92, 1.0))
        _plan_values(cat, period, cp, rng, year_frac)
        plans[c.code] = cp
    # their own generators: the programme's investment and 规上 count leave the city's other draws as they were
    _size_from_base(cat, period, plans, random.Random(f"reporttool-demo-base:{period.key}"), year_frac)
    _scale_firms_from_base(cat, period, plans, random.Random(f"reporttool-demo-scale:{period.key}"))
    _economy_above_clusters(cat, period, plans, random.Random(f"reporttool-demo-economy:{period.key}"))
    _programme_investment(cat, period, plans, random.Random(f"reporttool-demo-invest:{period.key}"), year_frac)
    _place_clusters(cat, plans, missing, rng)
    area = _plan_area(cat, period, plans, rng, year_frac)
    return CityPlan(plans, missing, order, lagging, float(cat.settings.scale_threshold), area)


def _plan_values(cat: Catalogue, period: Period, cp: ClusterPlan, rng: random.Random, year_frac: float) -> None:
    inds = cat.indicators_for(cp.cluster.code)
    v = cp.values
    mag = cluster_size(cat, cp.cluster, period.year)

    def form(ind: Indicator, value_in_unit: float) -> float:
        return float(to_form_unit(Decimal(repr(value_in_unit)), ind.unit, ind.form_unit, cat.unit_table()))

    formulas = []
    for ind in inds:
        rt = cat.target_for(cp.cluster.code, ind.code, period.year)
        target = float(rt.value) if rt is not None and rt.value is not None else None
        if target is None and ind.summable and is_flow(ind):  # only a plan-end target (2027): part of the way there
            plan_end = [r.value for r in cat.other_targets(cp.cluster.code, ind.code, period.year)
                        if r.value is not None and r.kind != TARGET_GROWTH]
            if plan_end:
                target = float(plan_end[-1]) * rng.uniform(0.55, 0.8)
        if ind.source == SOURCE_FORMULA:
            formulas.append((ind, target))
        elif target is None:
            continue
        elif ind.source == SOURCE_OUTPUT and ind.summable and is_event(ind) and target <= 20:
            # a few new brands a year: so far this year about the year's share of the target, whole numbers that
            # differ from cluster to cluster and from last year (0-3 for 2 a year by June), never all on target
            v[ind.code] = target * year_frac * cp.pace * rng.uniform(0.5, 1.9)
            cp.events[ind.code] = target * year_frac * rng.uniform(0.4, 1.9)
        elif ind.source == SOURCE_OUTPUT and ind.summable:
            share = cp.pace * year_frac * rng.uniform(0.99, 1.01) if is_flow(ind) else cp.level
            v[ind.code] = form(ind, target * share)
        elif ind.source == SOURCE_OUTPUT:
            cp.ratios[ind.code] = target * (cp.level if cp.lagging else rng.uniform(0.95, 1.05))
        elif ind.source == SOURCE_ROSTER and ind.roster_measure == "规上企业户数":
            cp.scale_firms = target * cp.level
        elif ind.source == SOURCE_ROSTER and ind.roster_measure == "企业户数":
            cp.all_firms = target * cp.level
        elif ind.source == SOURCE_PROJECTS and ind.roster_measure == "本年完成投资":
            cp.invest = form(ind, target * cp.pace * year_frac)
    outputs = [i for i in inds if i.source == SOURCE_OUTPUT]
    amounts = [i for i in outputs if i.summable and "元" in i.form_unit and not i.programme]
    cp.revenue = next((i.code for i in outputs if i.roster_measure == "营业收入合计"), "") or next(
        (i.code for i in amounts if _REVENUE.search(i.name)), "")
    cp.output = next((i.code for i in outputs if i.roster_measure == "工业总产值合计"), "") or next(
        (i.code for i in amounts if i.name in ("产值", "工业总产值", "总产值")), "")
    for ind in inds:  # a growth target: the cluster grows at about that rate (below it when it lags)
        rt = cat.target_for(cp.cluster.code, ind.code, period.year)
        rates = [rt] + cat.other_targets(cp.cluster.code, ind.code, period.year) if rt is not None else []
        for r in rates:
            if r.kind == TARGET_GROWTH and r.growth_rate is not None:
                rate = float(r.growth_rate) / 100
                cp.growth_targets[ind.code] = rate - rng.uniform(0.03, 0.06) if cp.lagging else rate + rng.uniform(
                    0.003, 0.03)
    if cp.revenue in cp.growth_targets:
        cp.growth = cp.growth_targets[cp.revenue]
    by_code = {i.code: i for i in inds}
    # 营业收入 and 工业总产值 move together; the tier gives the size when neither has a target
    rev, out = cp.revenue, cp.output
    if rev and rev not in v and out in v:
        v[rev] = v[out] * rng.uniform(0.92, 1.02)
    if rev and rev not in v:
        v[rev] = _from_yi(cat, by_code[rev], mag * rng.uniform(0.35, 0.6) * cp.pace * year_frac)
    if out and out not in v:
        v[out] = v[rev] / rng.uniform(0.92, 1.02) if rev else _from_yi(cat, by_code[out], mag * 0.5 * year_frac)
    # formulas with a target: a ratio A/B*100 fixes the missing side; a sum A+B+C splits its target
    for ind, target in formulas:
        if target is None:
            continue
        m = _RATIO.match(ind.formula)
        if m:
            a, b = m.group(1), m.group(2)
            pct = target * (rng.uniform(0.82, 0.9) if cp.lagging else rng.uniform(0.97, 1.08)) / 100
            if a in v and b not in v and b in by_code:
                v[b] = v[a] / pct
            elif b in v and a not in v and a in by_code:
                v[a] = v[b] * pct
        elif _SUM.match(ind.formula):
            parts = [p.strip() for p in ind.formula.split("+") if p.strip() in by_code]
            if not cp.revenue and not cp.parts and all("元" in by_code[p].form_unit for p in parts):
                cp.parts = tuple(parts)
            open_parts = [p for p in parts if p not in v]
            if open_parts and len(open_parts) == len(parts):
                w = [rng.uniform(0.5, 1.5) for _ in open_parts]
                total = target * cp.pace * year_frac  # in the formula's unit (亿元); each part in its form unit
                for p, x in zip(open_parts, w):
                    v[p] = form(by_code[p], total * x / sum(w))
    # whatever is left: plausible magnitudes by unit
    table = cat.unit_table()
    ratio_sides = [(m.group(1), m.group(2), t) for f, t in formulas if (m := _RATIO.match(f.formula))]
    later = {a for a, b, t in ratio_sides if t is not None and b not in v}  # set from its whole below
    denominators = {b for _a, b, _t in ratio_sides}
    rev_yuan = cluster_yuan(cat, cp) or None  # the revenue, else 产值 (家电 has only 产值), in 元
    for ind in outputs:
        if ind.code in v or ind.code in cp.ratios or ind.code in later:
            continue
        if not ind.summable or ind.form_unit == "%":
            cp.ratios[ind.code] = rng.uniform(3, 12)
        elif rev_yuan is not None and _dimension(table, ind.form_unit) == "人民币" and (
                ind.code not in denominators or _is_part(ind.name)):  # a part of the revenue (利税, 增加值, 采购额 …)
            v[ind.code] = rev_yuan * _part_share(ind.name, rng) / float(table[ind.form_unit][1])
        elif _dimension(table, ind.form_unit) in _MAGNITUDES or _is_foreign_currency(table, ind.form_unit):
            v[ind.code] = _by_dimension(cat, ind, v.get(rev), by_code.get(rev), mag, year_frac, rng) * (
                cp.pace if is_flow(ind) else 1.0)
        elif "元" in ind.form_unit:
            v[ind.code] = _from_yi(cat, ind, mag * rng.uniform(0.2, 0.5) * cp.pace * year_frac)
        elif table.get(ind.unit, ("",))[0] == "人数":  # employees: tens per enterprise, never about as many
            firms = next((v[i.code] for i in outputs if i.code in v and is_count(i)
                          and table.get(i.unit, ("",))[0] != "人数"), None) or rng.uniform(20, 80)
            people = firms * rng.uniform(25, 60)
            if rev in v and "元" in by_code[rev].form_unit:  # 40-120万元 of revenue a year per employee
                yearly = v[rev] / year_frac / float(cat.unit_factor(by_code[rev].form_unit, "万元"))
                people = max(people, yearly / rng.uniform(40, 120))
            v[ind.code] = form(ind, people / float(cat.unit_factor("人", ind.unit)))
        elif is_count(ind):
            v[ind.code] = rng.uniform(20, 80)
        elif is_flow(ind):
            v[ind.code] = mag * rng.uniform(5, 15) * cp.pace * year_frac
        else:
            v[ind.code] = mag * rng.uniform(0.5, 1.5)
    # a ratio with a target whose sides had no target: the part from its whole (配套采购额 = 采购总额 × 40 %)
    for a, b, target in ratio_sides:
        if target is not None and a in later and b in v:
            v[a] = v[b] * target * (rng.uniform(0.82, 0.9) if cp.lagging else rng.uniform(0.97, 1.06)) / 100
    # a part never exceeds its whole: in a ratio A/B without a target, B is raised above A
    for ind, target in formulas:
        m = _RATIO.match(ind.formula)
        if target is None and m and m.group(1) in v and m.group(2) in v and v[m.group(1)] > v[m.group(2)]:
            v[m.group(2)] = v[m.group(1)] / rng.uniform(0.3, 0.8)


def _base_row(cat: Catalogue, cluster: str, indicator: str, year: int) -> BaseStat | None:
    """The 基期 row (whole plan area) nearest ``year`` for ``cluster`` ("" = programme): the latest up to it, else
    the first after it."""
    rows = [b for b in cat.base if (b.cluster, b.indicator, b.district) == (cluster, indicator, "")]
    before = [b for b in rows if b.year <= year]
    if before:
        return max(before, key=lambda b: b.year)
    return min(rows, key=lambda b: b.year) if rows else None


def _size_from_base(cat: Catalogue, period: Period, plans: dict[str, ClusterPlan], rng: random.Random,
                    year_frac: float) -> None:
    """Base-year statistics (基期 sheet) size what has no target, as a target would (衡水: 企业（摊点）32000个,
    从业人员315000人, 营业收入595亿元, 利税86亿元 for all clusters at the end of 2024).

    A cluster's own base row: the base grown at the cluster's year-on-year rate to this year. A programme row
    (全部): shared over the clusters by their revenue — each gets the base × its planned yearly revenue ÷ the
    base revenue when that is known (the plan's per-yuan density; clusters the catalogue does not list keep
    their share), else the base × its share of the member clusters' revenue, grown to this year. A flow is
    then this year's part of it (× 时序进度 × 0.95-1.05; × the pace too for a cluster's own row, a revenue
    share has it already); a stock (企业数, 从业人员) stands at 96–102 % of it, one
    draw per cluster for all its stocks so employees per enterprise stay as in the base. Indicators with a
    target of their own, the revenue itself and ratios are left alone."""
    table = cat.unit_table()
    members = [cp for cp in plans.values() if cp.cluster.in_programme]
    member_yuan = sum(cluster_yuan(cat, cp) for cp in members)
    for cp in plans.values():
        stock_k = rng.uniform(0.96, 1.02)
        g = max(-0.1, min(0.15, cp.growth))
        yearly_yuan = cluster_yuan(cat, cp) / year_frac
        for ind in cat.output_indicators_for(cp.cluster.code):
            if (not ind.summable or ind.programme or ind.code in (cp.revenue, cp.output) or ind.code in cp.parts
                    or ind.source != SOURCE_OUTPUT):
                continue
            rt = cat.target_for(cp.cluster.code, ind.code, period.year)
            if rt is not None and rt.value is not None or any(
                    r.value is not None for r in cat.other_targets(cp.cluster.code, ind.code, period.year)):
                continue
            own = _base_row(cat, cp.cluster.code, ind.code, period.year)
            paced = True  # a share of the planned revenue carries the cluster's pace already
            if own is not None:
                yearly = float(own.value) * (1 + g) ** (period.year - own.year)
                paced = False
            else:
                whole = _base_row(cat, "", ind.code, period.year)
                if whole is None or not cp.cluster.in_programme or yearly_yuan <= 0:
                    continue
                rev_ind = cat.indicator(cp.revenue) if cp.revenue else None
                rev_base = _base_row(cat, "", rev_ind.code, whole.year) if rev_ind is not None else None
                rev_base_yuan = _yuan(cat, rev_ind.unit, float(rev_base.value)) if (
                    rev_ind is not None and rev_base is not None) else None
                if rev_base_yuan:
                    yearly = float(whole.value) * yearly_yuan / rev_base_yuan
                elif member_yuan > 0:
                    yearly = float(whole.value) * cluster_yuan(cat, cp) / member_yuan * (1 + g) ** (
                        period.year - whole.year)
                else:
                    continue
            if is_flow(ind):
                value = yearly * year_frac * (1.0 if paced else cp.pace) * rng.uniform(0.95, 1.05)
            else:
                value = yearly * stock_k * rng.uniform(0.99, 1.01)
            cp.values[ind.code] = float(to_form_unit(Decimal(repr(value)), ind.unit, ind.form_unit, table))


def _economy_above_clusters(cat: Catalogue, period: Period, plans: dict[str, ClusterPlan], rng: random.Random) -> None:
    """A cluster ratio whose whole is the local economy (战新产值 ÷ 本地区规上工业总产值 ≥ 10 %): that whole stays
    above all the clusters together. When the cluster's tier made it too small (本地区规上工业总产值 259亿元 beside
    化工's 产值 210亿元 and 485亿元 for all), the cluster's amounts grow so that the whole is 1.3-1.6 × the other
    member clusters' revenue; not when one of its amounts has a target of its own."""
    table = cat.unit_table()
    for cp in plans.values():
        for f in cat.indicators_for(cp.cluster.code):
            m = _RATIO.match(f.formula) if f.source == SOURCE_FORMULA else None
            whole_ind = cat.indicator(m.group(2)) if m and m.group(2) in cp.values else None
            if whole_ind is None or not _ECONOMY.search(whole_ind.name) or _is_part(whole_ind.name):
                continue
            whole = _yuan(cat, whole_ind.form_unit, cp.values[whole_ind.code])
            others = sum(cluster_yuan(cat, o) for o in plans.values() if o is not cp and o.cluster.in_programme)
            fixed = any(_dimension(table, i.form_unit) == "人民币" and i.code in cp.values
                        and (rt := cat.target_for(cp.cluster.code, i.code, period.year)) is not None
                        and rt.value is not None for i in cat.indicators_for(cp.cluster.code))
            if whole is None or whole >= others or fixed or whole <= 0:
                continue
            k = others * rng.uniform(1.3, 1.6) / whole
            for code in cp.values:
                ind = cat.indicator(code)
                if ind is not None and _dimension(table, ind.form_unit) == "人民币":
                    cp.values[code] *= k


def _scale_firms_from_base(cat: Catalogue, period: Period, plans: dict[str, ClusterPlan], rng: random.Random) -> None:
    """A 新增 target on 规上企业户数 whose base is known (基期值 typed, or the 基期 sheet: 2023年末2650户, 三年新增300户):
    the clusters' 规上 enterprises now are the base + the target × the plan time elapsed (× 0.92-1.04), shared
    over the clusters without a 规上 target of their own by their revenue. Without a base (the ledger's December
    gives it) the rosters keep their own sizes and demo --from plants the new ones (span.py)."""
    for t in cat.targets:
        ind = cat.indicator(t.indicator)
        if (t.kind != TARGET_INCREASE or t.district or t.value is None or t.base_year is None or ind is None
                or ind.roster_measure != "规上企业户数" or not t.base_year < period.year <= t.year):
            continue
        stat = cat.base_stat(t.cluster, t.indicator, t.base_year)
        base = t.base_value if t.base_value is not None else (stat.value if stat is not None else None)
        if base is None:
            continue
        elapsed = (period.year - t.base_year - 1 + period.month / 12) / (t.year - t.base_year)
        want = float(base) + float(t.value) * elapsed * rng.uniform(0.92, 1.04)
        clusters = [cp for cp in plans.values() if cp.cluster.code in ind.clusters
            and (cp.cluster.code == t.cluster if t.cluster else cp.cluster.in_programme)]
        fixed = sum(cp.scale_firms for cp in clusters if cp.scale_firms)
        open_ = [cp for cp in clusters if not cp.scale_firms]
        size = {cp.cluster.code: cluster_yuan(cat, cp) or 1.0 for cp in open_}
        whole = sum(size.values()) or 1.0
        for cp in open_:
            cp.scale_firms = max(1.0, (want - fixed) * size[cp.cluster.code] / whole)


def _programme_investment(cat: Catalogue, period: Period, plans: dict[str, ClusterPlan], rng: random.Random,
                          year_frac: float) -> None:
    """A programme target on cumulative investment over the plan years (集群投资三年累计400亿元): this year's
    share of it (400 ÷ 3 × the months elapsed, ± 5 %) is split over the clusters without an investment target
    of their own, by their size, so the year's projects are on the plan's scale."""
    for ind in cat.indicators:
        if ind.source != SOURCE_PROJECTS or ind.roster_measure != "本年完成投资":
            continue
        for t in cat.targets:
            if (t.cluster or t.district or t.indicator != ind.code or t.kind != TARGET_CUMULATIVE or t.value is None
                    or t.start_year is None or not t.start_year <= period.year <= t.year):
                continue
            yearly = float(t.value) / (t.year - t.start_year + 1) * year_frac * rng.uniform(0.95, 1.05)
            open_ = [cp for cp in plans.values() if cp.invest is None and cp.cluster.code in ind.clusters]
            size = {cp.cluster.code: max(cp.values.get(cp.revenue, 0.0), 1.0) * tier_magnitude(cp.cluster.tier)
                    for cp in open_}
            whole = sum(size.values()) or 1.0
            before = float(t.value) / (t.year - t.start_year + 1) * (period.year - t.start_year)  # earlier plan years
            for cp in open_:
                share = size[cp.cluster.code] / whole
                cp.invest = float(to_form_unit(Decimal(repr(yearly * share)), ind.unit, ind.form_unit, cat.unit_table()))
                cp.invest_before = float(to_form_unit(Decimal(repr(before * share * rng.uniform(0.95, 1.05))), ind.unit,
                                                      ind.form_unit, cat.unit_table()))
                cp.invest_since = t.start_year


def _place_clusters(cat: Catalogue, plans: dict[str, ClusterPlan], missing: District | None,
                    rng: random.Random) -> None:
    """Which districts host each cluster, and their shares (a cluster's parks name its home districts)."""
    districts = list(cat.districts)
    n = len(districts)
    hosts: dict[str, list[District]] = {}
    for code, cp in plans.items():
        if cp.cluster.districts:  # the catalogue says where it is (集群.所在县区)
            hosts[code] = [d for d in districts if d.code in cp.cluster.districts]
            continue
        split = {t.district for t in cat.targets if t.cluster == code and t.district}  # a split target: it is there
        home = [d for d in districts if any(_park_in(d, p) for p in cp.cluster.parks) or d.code in split]
        k = min(n, max(len(home), 2, round(n * rng.uniform(0.3, 0.6))))
        others = [d for d in districts if d not in home]
        hosts[code] = home + rng.sample(others, max(0, k - len(home)))
    free = [code for code, cp in plans.items() if not cp.cluster.districts]
    for d in districts:  # every district works in at least one cluster (one the catalogue does not place)
        if free and not any(d in h for h in hosts.values()):
            hosts[rng.choice(free)].append(d)
    for code, cp in plans.items():
        home_codes = {d.code for d in districts if any(_park_in(d, p) for p in cp.cluster.parks)}
        home_codes |= set(cp.cluster.districts)
        raw = {}
        for d in districts:
            if d in hosts[code]:
                w = rng.uniform(1.0, 3.0) if d.code in home_codes else rng.uniform(0.2, 1.5)
                raw[d.code] = w * (0.25 if missing is not None and d.code == missing.code else 1.0)
        # shares are relative to the districts that do send, so the consolidated totals land on plan
        senders = sum(w for dc, w in raw.items() if missing is None or dc != missing.code) or 1.0
        cp.weights = {dc: w / senders for dc, w in raw.items()}


def _park_in(d: District, park: str) -> bool:
    if d.kind == "开发区":
        return d.name in park or park in d.name
    short = d.name[:-1] if len(d.name) > 2 and d.name[-1] in "区县市旗" else d.name
    return short in park


_ZONE_SUFFIX = re.compile(r"(边境经济合作区|经济技术开发区|高新技术产业开发区|高新技术开发区|经济开发区|经济合作区|"
                          r"工业园区|开发区|合作区|新区|名胜区|风景区|园区)$")
_AUTONOMOUS = re.compile(r"(.{2,}?)(?:[\u4e00-\u9fff]{1,3}族)+自治(?:县|旗)")


def short_place(d: District) -> str:
    """The place word used in names: 宽甸满族自治县 -> 宽甸, 连山区 -> 连山, 丹东边境经济合作区 -> 丹东, 张湾镇 -> 张湾."""
    name = d.name
    if d.kind == "开发区" or _ZONE_SUFFIX.search(name):
        return _ZONE_SUFFIX.sub("", name) or name
    m = _AUTONOMOUS.fullmatch(name)
    if m:
        return m.group(1)
    return name[:-1] if len(name) > 2 and name[-1] in "区县市旗镇乡" else name


def city_short(cat: Catalogue) -> str:
    """The city (or province) word of enterprise names: 葫芦岛市 -> 葫芦岛, 河北省 -> 河北, 广西壮族自治区 -> 广西;
    a city and district (襄樊市襄阳区) is kept whole."""
    name = cat.settings.city
    m = re.fullmatch(r"(.+?)(?:(?:[\u4e00-\u9fff]{1,4}?族)*自治区|省|市|特别行政区)", name)
    return m.group(1) if m and len(m.group(1)) >= 2 else name


def _plan_area(cat: Catalogue, period: Period, plans: dict[str, ClusterPlan], rng: random.Random,
               year_frac: float) -> dict[tuple[str, str], float]:
    """District-wide figures (适用集群 = 合计, reported once by every district, hosting clusters or not).

    A whole above the district's clusters (the denominator of a programme ratio, 集群产值占规上工业总产值比重):
    the part is the ratio's numerator summed over the member clusters; the city whole is the part ÷ the ratio's
    target (65 % -> whole = part ÷ 0.65), else 1.3-1.6 × the part; what is above the part is shared out, so
    districts without a cluster report a whole too (weighted 1-2 × the mean district's part, a hosting one
    0.3-1 × its own part). Any other figure is sized by _area_city (its own target,
    else what it is called) and shared out by the districts' cluster revenue."""
    out: dict[tuple[str, str], float] = {}
    members = {c.code for c in cat.members()}
    for ind in cat.programme_indicators():
        if ind.source != SOURCE_OUTPUT:
            continue
        numerator, pct = "", None
        for f in cat.programme_indicators():
            m = _RATIO.match(f.formula) if f.source == SOURCE_FORMULA else None
            if m and m.group(2) == ind.code:
                numerator = m.group(1)
                rt = cat.target_for("", f.code, period.year)
                if rt is not None and rt.value is not None:
                    pct = float(rt.value) / 100 * rng.uniform(0.97, 1.05)
        if not numerator:
            _area_by_size(cat, period, plans, ind, rng, year_frac, out)
            continue
        part: dict[str, float] = {}
        for d in cat.districts:
            total = 0.0
            for cp in plans.values():
                w = cp.weights.get(d.code)
                if w is not None and cp.cluster.code in members and numerator in cp.values:
                    total += cp.values[numerator] * w
            part[d.code] = total
        total_part = sum(part.values())
        if total_part <= 0:
            _area_by_size(cat, period, plans, ind, rng, year_frac, out)
            continue
        whole = total_part / pct if pct and pct < 0.98 else total_part * rng.uniform(1.3, 1.6)
        surplus = max(whole - total_part, 0.02 * total_part)
        mean = total_part / len(cat.districts)
        # a county hosting none of the catalogued clusters still has an economy of a county's size (衡水's
        # 武邑县 said 2.8-3.4亿元 for half a year at 0.2-0.6 × the mean part): about the mean district's part
        weights = {d.code: (part[d.code] * rng.uniform(0.3, 1.0) if part[d.code] else mean * rng.uniform(1.0, 2.0))
                   for d in cat.districts}
        scale = surplus / (sum(weights.values()) or 1.0)
        for d in cat.districts:
            out[(d.code, ind.code)] = part[d.code] + weights[d.code] * scale
    return out


# District-wide figures that are wholes of the local economy (规上工业总产值, 地区生产总值, 县域经济总量): above
# every cluster's revenue; any other amount (引进市外内资, 实际利用外资, 税收) is a part of it.
_ECONOMY = re.compile(r"总产值|生产总值|GDP|经济总量|总量|营业收入|主营业务收入|销售收入")


def _yuan(cat: Catalogue, unit: str, value: float) -> float | None:
    """An amount in ``unit`` in 元; None when ``unit`` is not a 人民币 unit."""
    table = cat.unit_table()
    return value * float(table[unit][1]) if _dimension(table, unit) == "人民币" else None


def cluster_yuan(cat: Catalogue, cp: ClusterPlan) -> float:
    """The cluster's planned year-to-date revenue (else 产值, else the parts of its 产值) city-wide, in 元."""
    for code in (cp.revenue, cp.output):
        ind = cat.indicator(code) if code else None
        if ind is not None and code in cp.values:
            got = _yuan(cat, ind.form_unit, cp.values[code])
            if got is not None:
                return got
    total = 0.0
    for code in cp.parts:
        ind = cat.indicator(code)
        got = _yuan(cat, ind.form_unit, cp.values.get(code, 0.0)) if ind is not None else None
        total += got or 0.0
    return total


def _area_by_size(cat: Catalogue, period: Period, plans: dict[str, ClusterPlan], ind: Indicator,
                  rng: random.Random, year_frac: float, out: dict[tuple[str, str], float]) -> None:
    """A district-wide figure that is no ratio's whole: the city value from the figure's own target for the year
    (target × 时序进度 × 0.96-1.06 for a flow, 92-100 % of it for a stock), else from what it is called and
    measured in, relative to the member clusters' revenue: a whole of the local economy (规上工业总产值) 1.3-1.6 ×
    that revenue, any other amount a part of it (引进市外内资 5-30 %, 利税 5-12 % …), a foreign currency 1-5 % of
    it at about 7.1 元 a dollar. Each district's share follows its clusters' revenue; a district without a
    cluster reports a smaller figure too."""
    table = cat.unit_table()
    members = {c.code for c in cat.members()}
    revenue = {d.code: sum(cluster_yuan(cat, cp) * cp.weights.get(d.code, 0.0) for cp in plans.values()
                           if cp.cluster.code in members) for d in cat.districts}
    city_revenue = sum(revenue.values())
    rt = cat.target_for("", ind.code, period.year)
    unit_value: float | None = None  # the city figure in the indicator's 单位 (亿元)
    if rt is not None and rt.value is not None:
        unit_value = float(rt.value) * (rng.uniform(0.96, 1.06) * year_frac if is_flow(ind) else rng.uniform(0.92, 1.0))
        city = float(to_form_unit(Decimal(repr(unit_value)), ind.unit, ind.form_unit, table))
    elif city_revenue > 0 and _dimension(table, ind.form_unit) == "人民币":
        k = rng.uniform(1.3, 1.6) if _ECONOMY.search(ind.name) and not _is_part(ind.name) else _part_share(ind.name, rng)
        city = city_revenue * k / float(table[ind.form_unit][1])
    elif city_revenue > 0 and _is_foreign_currency(table, ind.form_unit):
        city = city_revenue * _USD_PER_YUAN * rng.uniform(0.01, 0.05) / float(table[ind.form_unit][1])
    else:  # not money: the whole above the clusters' figures in the same unit, as before
        sums: dict[str, float] = {}
        for cp in plans.values():
            for code, x in cp.values.items():
                other = cat.indicator(code)
                if other is not None and other.form_unit == ind.form_unit and cp.cluster.code in members:
                    sums[code] = sums.get(code, 0.0) + x
        biggest = max(sums.values(), default=0.0)
        if biggest > 0:
            city = biggest * rng.uniform(1.3, 1.6)
        elif _dimension(table, ind.form_unit) in _MAGNITUDES:
            city = _by_dimension(cat, ind, None, None, 100.0, year_frac, rng) * len(members or plans)
        else:
            city = rng.uniform(2000, 20000) * year_frac * len(cat.districts)
    mean = (city_revenue / len(cat.districts)) or 1.0
    weights = {d.code: (revenue[d.code] * rng.uniform(0.8, 1.2) if revenue[d.code] > 0 else mean * rng.uniform(0.2, 0.6))
               for d in cat.districts}
    whole = sum(weights.values()) or 1.0
    for d in cat.districts:
        out[(d.code, ind.code)] = city * weights[d.code] / whole


