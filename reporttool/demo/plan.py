# Over 500 lines: the demo's whole invented city (values, rosters, projects, planted problems) from one seeded generator.
"""The demo's numbers and rows: city plan per cluster, each district's roster, projects and outputs,
and the planted problems. Used by reporttool.demo.make (which writes the files).

Plan in the catalogue's terms: a cluster's 本年累计 for an indicator with a value target is
target × 时序进度 × pace, pace ≈ 0.96–1.06 for most clusters and 0.72–0.82 for the lagging ones; stocks
(户数, 装机容量) sit at 92–100 % of target (75–85 % when lagging). Indicators without a value target get
magnitudes from the cluster's tier (千亿级/五百亿级/百亿级) and from the other indicators (营业收入 ≈ 产值; an
amount without a target is a part of the revenue, 5–30 %; employees are 25–60 per enterprise; in a ratio A/B
the whole B stays above the part A). Only clusters with a target for the year are planned to lag.
District-wide figures (适用集群 合计) are wholes 1.2–1.6 × the district's largest cluster total in their unit.
The district totals are shares of the city totals; the roster covers 78–92 % of a cluster's revenue.
"""
from __future__ import annotations

import datetime as dt
import random
import re
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from reporttool.catalogue import Catalogue
from reporttool.core.errors import ReportToolError
from reporttool.core.models import (
    SOURCE_FORMULA,
    SOURCE_OUTPUT,
    SOURCE_PROJECTS,
    SOURCE_ROSTER,
    Cluster,
    District,
    Indicator,
    Period,
)
from reporttool.demo import names as N
from reporttool.demo.base import (
    CREDIT_CHECK,
    EMPTY_ROSTER,
    EXPLAINED_SWING,
    INV_TOTAL,
    LATE,
    MISSING,
    DistrictData,
    PlantedProblem,
    credit_code,
    dec,
    region_code,
    to_form_unit,
)
from reporttool.forms import layout as L

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


@dataclass
class CityPlan:
    clusters: dict[str, ClusterPlan]
    missing: District | None  # the district that will send nothing (when problems are planted)
    order: list[District]  # districts in the order roles are handed out
    lagging: tuple[str, ...]
    threshold: float  # 规上标准 (万元 a year)


def is_flow(ind: Indicator) -> bool:
    """Year-to-date amounts grow through the year; stocks (户数, 装机容量, %) do not."""
    return ind.compare_time or "元" in ind.form_unit


def is_count(ind: Indicator) -> bool:
    return ind.form_unit in _COUNT_UNITS or ind.decimals == 0


def tier_magnitude(tier: str) -> float:
    """千亿级 -> 1000, 五百亿级 -> 500, 百亿级 -> 100 (亿元 a year); 100 when the tier says nothing."""
    digits = {"一": 1, "二": 2, "两": 2, "三": 3, "五": 5}
    m = re.search(r"([一二两三五]?)([千百])亿", tier or "")
    if not m:
        return 100.0
    return digits.get(m.group(1), 1) * (1000.0 if m.group(2) == "千" else 100.0)


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
    _place_clusters(cat, plans, missing, rng)
    return CityPlan(plans, missing, order, lagging, float(cat.settings.scale_threshold))


def _plan_values(cat: Catalogue, period: Period, cp: ClusterPlan, rng: random.Random, year_frac: float) -> None:
    inds = cat.indicators_for(cp.cluster.code)
    v = cp.values
    mag = tier_magnitude(cp.cluster.tier)

    def form(ind: Indicator, value_in_unit: float) -> float:
        return float(to_form_unit(Decimal(repr(value_in_unit)), ind.unit, ind.form_unit, cat.unit_table()))

    formulas = []
    for ind in inds:
        rt = cat.target_for(cp.cluster.code, ind.code, period.year)
        target = float(rt.value) if rt is not None and rt.value is not None else None
        if ind.source == SOURCE_FORMULA:
            formulas.append((ind, target))
        elif target is None:
            continue
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
    cp.revenue = next((i.code for i in outputs if i.roster_measure == "营业收入合计"), "")
    cp.output = next((i.code for i in outputs if i.roster_measure == "工业总产值合计"), "")
    by_code = {i.code: i for i in inds}
    # 营业收入 and 工业总产值 move together; the tier gives the size when neither has a target
    rev, out = cp.revenue, cp.output
    if rev and rev not in v and out in v:
        v[rev] = v[out] * rng.uniform(0.92, 1.02)
    if rev and rev not in v:
        v[rev] = form(by_code[rev], mag * rng.uniform(0.35, 0.6) * cp.pace * year_frac)
    if out and out not in v:
        v[out] = v[rev] / rng.uniform(0.92, 1.02) if rev else form(by_code[out], mag * 0.5 * year_frac)
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
            open_parts = [p for p in parts if p not in v]
            if open_parts and len(open_parts) == len(parts):
                w = [rng.uniform(0.5, 1.5) for _ in open_parts]
                total = form(ind, target * cp.pace * year_frac)
                for p, x in zip(open_parts, w):
                    v[p] = total * x / sum(w)
    # whatever is left: plausible magnitudes by unit
    table = cat.unit_table()
    for ind in outputs:
        if ind.code in v or ind.code in cp.ratios:
            continue
        if not ind.summable or ind.form_unit == "%":
            cp.ratios[ind.code] = rng.uniform(3, 12)
        elif "元" in ind.form_unit and rev in v and by_code[rev].form_unit == ind.form_unit and not any(
                (rm := _RATIO.match(f.formula)) is not None and rm.group(2) == ind.code for f, _ in formulas):
            v[ind.code] = v[rev] * rng.uniform(0.05, 0.3)  # a part of the revenue (利税, 出口额 …)
        elif "元" in ind.form_unit:
            v[ind.code] = form(ind, mag * rng.uniform(0.2, 0.5) * cp.pace * year_frac)
        elif table.get(ind.unit, ("",))[0] == "人数":  # employees: tens per enterprise, never about as many
            firms = next((v[i.code] for i in outputs if i.code in v and is_count(i)
                          and table.get(i.unit, ("",))[0] != "人数"), None) or rng.uniform(20, 80)
            people = firms * rng.uniform(25, 60) / float(cat.unit_factor("人", ind.unit))
            v[ind.code] = form(ind, people)
        elif is_count(ind):
            v[ind.code] = rng.uniform(20, 80)
        elif is_flow(ind):
            v[ind.code] = mag * rng.uniform(5, 15) * cp.pace * year_frac
        else:
            v[ind.code] = mag * rng.uniform(0.5, 1.5)
    # a part never exceeds its whole: in a ratio A/B without a target, B is raised above A
    for ind, target in formulas:
        m = _RATIO.match(ind.formula)
        if target is None and m and m.group(1) in v and m.group(2) in v and v[m.group(1)] > v[m.group(2)]:
            v[m.group(2)] = v[m.group(1)] / rng.uniform(0.3, 0.8)


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
        home = [d for d in districts if any(_park_in(d, p) for p in cp.cluster.parks)]
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


def short_place(d: District) -> str:
    return d.name[:-1] if len(d.name) > 2 and d.name[-1] in "区县市旗" else d.name


# ==================================================================================================
# One district's rows
# ==================================================================================================


def build_district(cat: Catalogue, period: Period, city: CityPlan, d: District, rng: random.Random,
                   names: set[str], enterprises: int | None, projects: int | None) -> DistrictData:
    """The district's clean roster, projects and outputs (planted problems are added later)."""
    data = DistrictData(d, "")
    mine = [cp for cp in city.clusters.values() if d.code in cp.weights]
    if not mine:
        return data
    region = region_code(cat, d)
    frac = period.month / 12
    # how many enterprises and projects per cluster
    share = {cp.cluster.code: cp.weights[d.code] * max(cp.values.get(cp.revenue, 1.0), 1.0) for cp in mine}
    n_proj_total = projects if projects is not None else rng.randint(6, 14)
    firm_split = _split(enterprises, share) if enterprises is not None else {}
    proj_split = _split(n_proj_total, share)
    for cp in mine:
        c, w = cp.cluster, cp.weights[d.code]
        growth = max(-0.25, min(0.25, cp.growth + rng.uniform(-0.04, 0.04)))
        values = {code: x * w for code, x in cp.values.items()}
        revenue = values.get(cp.revenue)
        if revenue is None:
            revenue = 2000.0 * tier_magnitude(c.tier) * w * frac
        if enterprises is not None:
            n_all = firm_split[c.code]
            n_scale = None
        else:
            n_scale = max(1, round(cp.scale_firms * w)) if cp.scale_firms else max(
                1, min(40, round(revenue / frac / 1e4 / rng.uniform(2, 6))))
            n_all = max(n_scale, round(cp.all_firms * w)) if cp.all_firms else n_scale + rng.randint(0, n_scale // 3 + 1)
        firms = _roster(cat, d, cp, rng, names, region, revenue * rng.uniform(0.78, 0.92), n_all, n_scale,
                        city.threshold * frac, growth, values, frac)
        data.roster += firms
        n_proj = proj_split[c.code] if projects is not None else max(1, proj_split[c.code])
        data.projects += _projects(period, d, cp, rng, names, region, firms, n_proj, w)
        for ind in cat.output_indicators_for(c.code):
            data.outputs[(c.code, ind.code)] = _output(ind, cp, values, growth, rng)
    _area_outputs(cat, data, rng, frac)
    order = {cp.cluster.name: i for i, cp in enumerate(city.clusters.values())}
    data.roster.sort(key=lambda r: (order[r["cluster"]], -r["revenue"]))
    for i, r in enumerate(data.roster, start=1):
        r["seq"] = i
    for i, p in enumerate(data.projects, start=1):
        p["seq"] = i
    deadline = period.deadline(cat.settings.deadline_day)
    day = deadline - dt.timedelta(days=rng.randint(0, 4))
    data.received = dt.datetime(day.year, day.month, day.day, rng.randint(8, 16), rng.randint(0, 59))
    return data


def _area_outputs(cat: Catalogue, data: DistrictData, rng: random.Random, frac: float) -> None:
    """District-wide figures (适用集群 = 合计, reported once): a whole larger than the district's clusters
    (规上工业总产值 above the clusters' 产值), or a plausible amount when no cluster figure shares its unit."""
    by_indicator: dict[tuple[str, str], Decimal] = {}  # (indicator code, form unit) -> the clusters' sum
    for (_c, code), v in data.outputs.items():
        ind = cat.indicator(code)
        if ind is not None and ind.summable and not ind.programme and isinstance(v.get("value"), Decimal):
            key = (code, ind.form_unit)
            by_indicator[key] = by_indicator.get(key, Decimal(0)) + v["value"]
    totals: dict[str, Decimal] = {}  # form unit -> the largest cluster total in it (e.g. 产值 in 万元)
    for (_code, unit), total in by_indicator.items():
        totals[unit] = max(totals.get(unit, Decimal(0)), total)
    for ind in cat.programme_indicators():
        if ind.source != SOURCE_OUTPUT:
            continue
        base = float(totals.get(ind.form_unit, 0)) or rng.uniform(2000, 20000) * frac
        value = base * rng.uniform(1.2, 1.6)
        data.outputs[("全部", ind.code)] = {"value": dec(value), "value_ly": dec(value / rng.uniform(0.97, 1.12))}


def _split(total: int, shares: dict[str, float]) -> dict[str, int]:
    """``total`` split in proportion to ``shares``, largest remainders first (sums exactly to total);
    each key gets at least one when there are enough to go round."""
    floor = 1 if total >= len(shares) else 0
    whole = sum(shares.values()) or 1.0
    exact = {k: floor + (total - floor * len(shares)) * v / whole for k, v in shares.items()}
    out = {k: int(x) for k, x in exact.items()}
    for k in sorted(exact, key=lambda k: out[k] - exact[k])[:total - sum(out.values())]:
        out[k] += 1
    return out


def _company(rng: random.Random, names: set[str], d: District, cp: ClusterPlan, city_short: str) -> str:
    """A unique enterprise name: place + 字号 + industry word + company form (葫芦岛恒泰化工有限公司).

    Two-character 字号 first; three characters once those run out (province-sized demos)."""
    industries = N.industries_for(cp.cluster.name)
    forms = [company_form for company_form, _ in N.COMPANY_FORMS]
    weights = [weight for _, weight in N.COMPANY_FORMS]
    places = [city_short, short_place(d), d.name] if d.kind in ("县", "市") else [city_short]
    for attempt in range(400):
        trade = rng.choice(N.TRADE_FIRST) + rng.choice(N.TRADE_SECOND)
        if attempt >= 3:
            trade += rng.choice(N.TRADE_SECOND)
        if len(set(trade)) < len(trade):
            continue
        place = rng.choice(places if attempt < 200 else [d.name, short_place(d)])
        name = f"{place}{trade}{rng.choice(rng.choice(industries).firm_words)}{rng.choices(forms, weights)[0]}"
        if name not in names:
            names.add(name)
            return name
    raise ReportToolError("示例企业名称已用尽，请减少 --enterprises")


def _roster(cat, d, cp, rng, names, region, pool, n_all, n_scale, min_ytd, growth, values, frac) -> list[dict]:
    """Enterprises of one cluster: non-scale ones below the 规上 line, scale ones sharing the rest."""
    if n_all <= 0:
        return []
    min_scale = min_ytd * 1.05
    n_scale = min(n_all if n_scale is None else n_scale, n_all, int(0.65 * pool / min_scale))
    small = [min_ytd * rng.uniform(0.15, 0.9) for _ in range(n_all - n_scale)]
    if sum(small) > 0.3 * pool:
        small = [x * 0.3 * pool / sum(small) for x in small]
    rest = pool - sum(small)
    weights = [min(rng.paretovariate(1.3), 60.0) for _ in range(n_scale)]
    spread = (rest - n_scale * min_scale) / (sum(weights) or 1.0)
    big = [min_scale + spread * w for w in weights]
    ratio = values[cp.output] / values[cp.revenue] if cp.output and cp.revenue and values.get(cp.revenue) else None
    city_short = cat.settings.city[:-1] if cat.settings.city.endswith("市") else cat.settings.city
    parks = [p for p in cp.cluster.parks if _park_in(d, p)]
    rows = []
    for i, rev in enumerate(sorted(big, reverse=True) + sorted(small, reverse=True)):
        g = max(-0.25, min(0.28, growth + rng.uniform(-0.08, 0.08)))
        scale = i < len(big)
        code = credit_code(rng, region)
        while code in names:
            code = credit_code(rng, region)
        names.add(code)
        row = {"credit_code": code, "name": _company(rng, names, d, cp, city_short),
               "cluster": cp.cluster.name, "is_scale": "是" if scale else "否",
               "is_leader": "是" if i == 0 and scale and rev > 0.25 * pool else "否",
               "park": rng.choice(parks) if parks and rng.random() < 0.8 else (
                   f"{short_place(d)}{N.industries_for(cp.cluster.name)[0].firm_words[0]}产业园"
                   if rng.random() < 0.4 else None),
               "revenue": dec(rev), "revenue_ly": dec(rev / (1 + g)),
               "employees": max(6, int(rev / frac / rng.uniform(40, 150)))}
        if ratio:
            ov = rev * ratio * rng.uniform(0.97, 1.03)
            row["output_value"], row["output_value_ly"] = dec(ov), dec(ov / (1 + g))
        rows.append(row)
    return rows


def _projects(period, d, cp, rng, names, region, firms, n, w) -> list[dict]:
    """Investment projects of one cluster; 本年累计完成投资 stays within plan and total."""
    if not n:
        return []
    ind = rng.choice(N.industries_for(cp.cluster.name))
    year, month = period.year, period.month
    end = dt.date(year, month, 1)
    rows = []
    for _ in range(n):
        nature = rng.choices(L.PROJECT_NATURES, (40, 30, 15, 15))[0]
        owner = rng.choice(firms)["name"] if firms and rng.random() < 0.7 else _company(rng, names, d, cp, short_place(d))
        trade = _trade_of(owner)
        if not ind.products or (ind.project_templates and rng.random() < 0.5):
            pattern = rng.choice(ind.project_templates)
        else:
            pattern = rng.choice(N.PROJECT_TEMPLATES[nature])
        lo, hi = ind.capacity_range
        size = rng.randint(lo, hi) if hi else 0
        if size >= 100:
            size = round(size, -len(str(size)) + 2)  # 17086 -> 17000: capacities are round numbers
        name = pattern.format(n=size or "", unit=ind.capacity_unit,
                              product=rng.choice(ind.products) if ind.products else "", firm=trade,
                              place=short_place(d))
        total = round(2.718281828 ** rng.uniform(8.0, 12.6) / 100) * 100  # 3千万 .. 30亿
        if nature == "续建":
            start = dt.date(year - rng.randint(1, 2), rng.randint(1, 12), 1)
        elif nature == "新建":
            start = dt.date(year, rng.randint(1, 12), 1)
        else:
            start = dt.date(year - rng.randint(0, 1), rng.randint(1, 12), 1)
        months = rng.randint(10, 36)
        finish = dt.date(start.year + (start.month - 1 + months) // 12, (start.month - 1 + months) % 12 + 1, 1)
        prior = total * rng.uniform(0.2, 0.6) if start.year < year else 0.0
        if start > end:
            status, plan, done = "签约", total * rng.uniform(0.05, 0.2), 0.0
        else:
            status = "竣工投产" if finish <= end else ("开工" if (end.year - start.year) * 12 + end.month - start.month < 2 else "在建")
            plan = min(total - prior, total * rng.uniform(0.25, 0.6))
            done = min(plan, plan * (month / 12) * cp.pace * rng.uniform(0.85, 1.15))
        rows.append({"name": name, "cluster": cp.cluster.name, "nature": nature, "status": status, "owner": owner,
                     "total": total, "plan_year": plan, "done_year": done, "done_total": prior + done,
                     "start": start, "finish": finish})
    if cp.invest:  # a projects indicator with a target: scale this district's share onto it
        k = cp.invest * w / max(sum(r["done_year"] for r in rows), 1.0)
        for r in rows:
            for key in ("total", "plan_year", "done_year", "done_total"):
                r[key] *= k
    for r in rows:
        for key in ("total", "plan_year", "done_year", "done_total"):
            r[key] = dec(r[key])
        r["done_year"] = min(r["done_year"], r["plan_year"], r["total"])
        r["done_total"] = min(max(r["done_total"], r["done_year"]), r["total"])
    return rows


def _trade_of(company: str) -> str:
    for i in range(len(company) - 1):
        if company[i] in N.TRADE_FIRST and company[i + 1] in N.TRADE_SECOND:
            return company[i:i + 2]
    return ""


def _output(ind: Indicator, cp: ClusterPlan, values: dict[str, float], growth: float,
            rng: random.Random) -> dict[str, Any]:
    if ind.code in cp.ratios or ind.code not in values:
        x = cp.ratios.get(ind.code, rng.uniform(3, 12)) * rng.uniform(0.88, 1.08)
        return {"value": dec(x, 1), "value_ly": dec(x * rng.uniform(0.96, 1.03), 1)}
    x = values[ind.code]
    if is_count(ind):
        value = max(1, round(x))
        return {"value": value, "value_ly": max(1, round(value / rng.uniform(1.0, 1.15)))}
    if is_flow(ind):  # each indicator grows a little differently around the cluster's plan
        g = max(-0.27, min(0.27, growth + rng.uniform(-0.03, 0.03)))
        return {"value": dec(x), "value_ly": dec(x / (1 + g))}
    return {"value": dec(x), "value_ly": dec(x / rng.uniform(1.03, 1.2))}


# ==================================================================================================
# Planted problems
# ==================================================================================================


def plant_problems(cat: Catalogue, period: Period, city: CityPlan, data: list[DistrictData],
                   rng: random.Random) -> tuple[list[DistrictData], list[PlantedProblem]]:
    """Copies of ``data`` with the realistic problems a month brings, and the list of them."""
    problems: list[PlantedProblem] = []
    by_code = {dd.district.code: dd for dd in data}
    if city.missing is not None:
        m = city.missing
        problems.append(PlantedProblem(MISSING, m.code, m.name, "", "", f"{m.name}未报送（收件箱中没有它的文件）"))
        by_code.pop(m.code)
    senders = [by_code[d.code] for d in city.order if d.code in by_code]
    if not senders:
        return [], problems
    senders = [replace(dd, roster=[dict(r) for r in dd.roster], projects=[dict(p) for p in dd.projects],
                       outputs={k: dict(v) for k, v in dd.outputs.items()}) for dd in senders]
    pick = _Picker(senders)

    dd = pick.next()
    if dd is not None:  # always: there are senders
        deadline = period.deadline(cat.settings.deadline_day)
        late_day = deadline + dt.timedelta(days=2)
        dd.received, dd.late = dt.datetime(late_day.year, late_day.month, late_day.day, 10, 26), True
        problems.append(PlantedProblem(LATE, dd.district.code, dd.district.name, dd.file_name, "",
                                       f"{dd.district.name}于{late_day.month}月{late_day.day}日报送，晚于截止日"
                                       f"{deadline.month}月{deadline.day}日（逾期）"))

    dd = pick.next(lambda x: len(x.roster) > 0)
    if dd is not None:
        n = len(dd.roster)
        dd.roster = []
        problems.append(PlantedProblem(EMPTY_ROSTER, dd.district.code, dd.district.name, dd.file_name, "R-ROSTER-EMPTY",
                                       f"{dd.district.name}未填写“{L.ROSTER.name}”表（原应有{n}户企业），投资项目和集群产出已填写",
                                       L.ROSTER.name))

    dd = pick.next(lambda x: len(x.roster) > 0)
    if dd is not None:
        row = rng.choice(dd.roster)
        good = row["credit_code"]
        row["credit_code"] = good[:17] + rng.choice([ch for ch in "0123456789ABCDEFGHJKLMNPQRTUWXY" if ch != good[17]])
        problems.append(PlantedProblem(CREDIT_CHECK, dd.district.code, dd.district.name, dd.file_name,
                                       "R-CREDIT-CHECK", f"{row['name']}的统一社会信用代码末位校验码写错"
                                       f"（{row['credit_code']}，正确应为{good}）", L.ROSTER.name,
                                       f"{row['seq']}:{L.ROSTER.column('credit_code').title}"))

    dd = pick.next(lambda x: any(p["done_year"] > 0 for p in x.projects))
    if dd is not None:
        p = rng.choice([p for p in dd.projects if p["done_year"] > 0])
        p["total"] = dec(float(p["done_year"]) * rng.uniform(0.5, 0.8))
        p["plan_year"] = p["done_total"] = None
        problems.append(PlantedProblem(INV_TOTAL, dd.district.code, dd.district.name, dd.file_name, "R-INV-TOTAL",
                                       f"项目“{p['name']}”本年累计完成投资{p['done_year']}万元大于总投资{p['total']}万元",
                                       L.PROJECTS.name, f"{p['seq']}:{L.PROJECTS.column('done_year').title}"))

    dd = pick.next(lambda x: any(_swingable(cat, k, v) for k, v in x.outputs.items()))
    if dd is not None:
        cluster = rng.choice(sorted({k[0] for k, v in dd.outputs.items() if _swingable(cat, k, v)}))
        note = rng.choice(N.SWING_NOTES)
        rate = rng.uniform(1.42, 1.55)
        changed = []
        for (c, i), v in dd.outputs.items():
            if c == cluster and _swingable(cat, (c, i), v) and (ind := cat.indicator(i)) is not None:
                v["value_ly"], v["note"] = dec(float(v["value"]) / rate), note
                changed.append(ind.name)
        cname = found.name if (found := cat.cluster(cluster)) is not None else cluster
        # the output sheet lists every cluster × output indicator in catalogue order (序号 1, 2, ...)
        pairs = [(c.code, i.code) for c in cat.clusters for i in cat.output_indicators_for(c.code)]
        first = min(pairs.index(k) for k, v in dd.outputs.items() if v.get("note") == note) + 1
        problems.append(PlantedProblem(EXPLAINED_SWING, dd.district.code, dd.district.name, dd.file_name,
                                       "R-YOY-SWING", f"{cname}{'、'.join(changed)}同比增长约{round((rate - 1) * 100)}%，"
                                       f"已在说明栏说明：{note}", L.OUTPUT.name,
                                       f"{first}:{L.OUTPUT.column('value').title}"))
    position = {d.code: i for i, d in enumerate(cat.districts)}
    return sorted(senders, key=lambda x: position[x.district.code]), problems


def _swingable(cat: Catalogue, key: tuple[str, str], v: dict) -> bool:
    ind = cat.indicator(key[1])
    return (ind is not None and ind.summable and "元" in ind.form_unit and isinstance(v.get("value"), Decimal)
            and v["value"] > 0)


class _Picker:
    """Hands out roles to districts in turn, so that each problem sits in a different file when possible."""

    def __init__(self, senders: list[DistrictData]):
        self.senders = senders
        self.used: list[str] = []

    def next(self, ok=lambda dd: True) -> DistrictData | None:
        fits = [dd for dd in self.senders if ok(dd)]
        if not fits:
            return None
        fresh = [dd for dd in fits if dd.district.code not in self.used]
        dd = (fresh or fits)[0]
        self.used.append(dd.district.code)
        return dd
