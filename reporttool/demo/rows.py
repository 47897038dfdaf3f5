"""The demo's rows of one district: its roster (enterprises), projects and 集群产出 lines, made from the city
plan of reporttool.demo.plan (what each cluster's figures should come to). Split from plan.py: plan.py decides
the numbers, this module writes them out as the rows a district would send.
"""
from __future__ import annotations

import datetime as dt
import math
import random
from decimal import Decimal
from typing import Any

from reporttool.catalogue import Catalogue
from reporttool.core.errors import ReportToolError
from reporttool.core.models import (
    SOURCE_OUTPUT,
    District,
    Indicator,
    Period,
)
from reporttool.demo import names as N
from reporttool.demo.base import (
    DistrictData,
    credit_code,
    dec,
    region_code,
    to_form_unit,
)
from reporttool.demo.plan import (
    CityPlan,
    ClusterPlan,
    _dimension,
    _park_in,
    _yuan,
    city_short,
    cluster_size,
    is_count,
    is_flow,
    short_place,
)
from reporttool.forms import layout as L

# ==================================================================================================
# One district's rows
# ==================================================================================================


def build_district(cat: Catalogue, period: Period, city: CityPlan, d: District, rng: random.Random,
                   names: set[str], enterprises: int | None, projects: int | None) -> DistrictData:
    """The district's clean roster, projects and outputs (planted problems are added later)."""
    data = DistrictData(d, "")
    mine = [cp for cp in city.clusters.values() if d.code in cp.weights]
    _area_outputs(cat, city, data, rng)
    if not mine:
        return _received(cat, period, data, rng)
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
        _split_targets(cat, period, d, cp, values)
        revenue = values.get(cp.revenue)
        out_ind = cat.indicator(cp.output) if cp.output in values else None
        if revenue is None and out_ind is not None:  # no 营业收入: its 产值 (智能家电 reports only 工业总产值), in 万元
            got = _yuan(cat, out_ind.form_unit, values[cp.output])
            revenue = got / 1e4 if got else None
        if revenue is None and cp.parts:  # no 营业收入: the parts of the cluster's 产值 (纺织+粮油+饲料+蔬菜)
            revenue = sum(values.get(p, 0.0) for p in cp.parts) or None
        if revenue is None:
            revenue = 2000.0 * cluster_size(cat, c, period.year) * w * frac
        if enterprises is not None:
            n_all = firm_split[c.code]
            n_scale = None
        else:
            n_scale = max(1, round(cp.scale_firms * w)) if cp.scale_firms else max(
                1, min(40, round(revenue / frac / 1e4 / rng.uniform(2, 6))))
            if cp.all_firms:  # an enterprise-count target: the 规上 ones are among them unless they have their own
                want_all = max(1, round(cp.all_firms * w))
                n_scale = n_scale if cp.scale_firms else min(n_scale, want_all)
                n_all = max(n_scale, want_all)
            else:
                n_all = n_scale + rng.randint(0, n_scale // 3 + 1)
        firms = _roster(cat, d, cp, rng, names, region, revenue * rng.uniform(0.78, 0.92), n_all, n_scale,
                        city.threshold * frac, growth, values, frac)
        data.roster += firms
        n_proj = proj_split[c.code] if projects is not None else max(1, proj_split[c.code])
        data.projects += _projects(cat, period, d, cp, rng, names, region, firms, n_proj, w, revenue,
                                   fixed=projects is not None)
        for ind in cat.output_indicators_for(c.code):
            data.outputs[(c.code, ind.code)] = _output(ind, cp, values, growth, rng)
        _roster_within_outputs(cat, c.code, firms, data.outputs)
    order = {cp.cluster.name: i for i, cp in enumerate(city.clusters.values())}
    data.roster.sort(key=lambda r: (order[r["cluster"]], -r["revenue"]))
    for i, r in enumerate(data.roster, start=1):
        r["seq"] = i
    for i, p in enumerate(data.projects, start=1):
        p["seq"] = i
    return _received(cat, period, data, rng)


def _split_targets(cat: Catalogue, period: Period, d: District, cp: ClusterPlan, values: dict[str, float]) -> None:
    """A target split to this district (陈村镇 研发投入8亿元) sets its value as a city target would: target × 时序进度
    × the cluster's pace (a stock: its level), ± 3 %, instead of the district's share of the city value."""
    for ind in cat.output_indicators_for(cp.cluster.code):
        rt = cat.target_for(cp.cluster.code, ind.code, period.year, d.code)
        if rt is None or rt.value is None or not ind.summable or ind.code not in values:
            continue
        own = random.Random(f"reporttool-demo-split:{d.code}:{cp.cluster.code}:{ind.code}:{period.key}")
        share = (cp.pace * period.month / 12 if is_flow(ind) else cp.level) * own.uniform(0.97, 1.03)
        values[ind.code] = float(to_form_unit(Decimal(repr(float(rt.value) * share)), ind.unit, ind.form_unit,
                                              cat.unit_table()))


def _roster_within_outputs(cat: Catalogue, cluster: str, firms: list[dict], outputs: dict) -> None:
    """The roster is a part of what the cluster reports: an enterprise count (企业数) is at least the roster's
    length, and the roster's employees stay below the cluster's 从业人员."""
    table = cat.unit_table()
    for ind in cat.output_indicators_for(cluster):
        out = outputs.get((cluster, ind.code))
        if not out or out.get("value") is None:
            continue
        if _dimension(table, ind.unit) == "人数":
            people = float(out["value"]) * float(table[ind.form_unit][1])
            listed = sum(f["employees"] for f in firms)
            if listed > 0.9 * people:
                k = 0.9 * people / listed
                for f in firms:
                    f["employees"] = max(1, int(f["employees"] * k))
        elif is_count(ind) and "企业" in ind.name and len(firms) > out["value"]:
            out["value"] = len(firms)
            out["value_ly"] = max(1, min(out["value_ly"] or 1, len(firms)))


def _area_outputs(cat: Catalogue, city: CityPlan, data: DistrictData, rng: random.Random) -> None:
    """The district's district-wide figures (planned city-wide by _plan_area)."""
    for ind in cat.programme_indicators():
        value = city.area.get((data.district.code, ind.code))
        if value is not None:
            data.outputs[("全部", ind.code)] = {"value": dec(value), "value_ly": dec(value / rng.uniform(0.97, 1.12))}


def _received(cat: Catalogue, period: Period, data: DistrictData, rng: random.Random) -> DistrictData:
    """When the file arrives: up to four days before the deadline, during office hours."""
    deadline = period.deadline(cat.settings.deadline_day)
    day = deadline - dt.timedelta(days=rng.randint(0, 4))
    data.received = dt.datetime(day.year, day.month, day.day, rng.randint(8, 16), rng.randint(0, 59))
    return data


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


def _company(rng: random.Random, names: set[str], d: District, cp: ClusterPlan, city_word: str) -> str:
    """A unique enterprise name: place + 字号 + industry word + company form (葫芦岛恒泰化工有限公司).

    Two-character 字号 first; three characters once those run out (province-sized demos)."""
    industries = N.industries_for(cp.cluster.name)
    forms = [company_form for company_form, _ in N.COMPANY_FORMS]
    weights = [weight for _, weight in N.COMPANY_FORMS]
    places = [city_word, short_place(d), d.name] if d.kind in ("县", "市") else [city_word]
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
    city_word = city_short(cat)
    parks = [p for p in cp.cluster.parks if _park_in(d, p)]
    own_park = _own_park(d, cp)
    rows = []
    for i, rev in enumerate(sorted(big, reverse=True) + sorted(small, reverse=True)):
        g = max(-0.25, min(0.28, growth + rng.uniform(-0.08, 0.08)))
        scale = i < len(big)
        code = credit_code(rng, region)
        while code in names:
            code = credit_code(rng, region)
        names.add(code)
        row = {"credit_code": code, "name": _company(rng, names, d, cp, city_word),
               "cluster": cp.cluster.name, "is_scale": "是" if scale else "否",
               "is_leader": "是" if i == 0 and scale and rev > 0.25 * pool else "否",
               "park": rng.choice(parks) if parks and rng.random() < 0.8 else (
                   own_park if rng.random() < 0.4 else None),
               "revenue": dec(rev), "revenue_ly": dec(rev / (1 + g)),
               "employees": max(6, int(rev / frac / rng.uniform(40, 150)))}
        if ratio:
            ov = rev * ratio * rng.uniform(0.97, 1.03)
            row["output_value"], row["output_value_ly"] = dec(ov), dec(ov / (1 + g))
        rows.append(row)
    return rows


def _own_park(d: District, cp: ClusterPlan) -> str:
    """A park the catalogue does not name: the development zone itself, else 连山化工产业园 / 张湾工业园区."""
    if d.kind == "开发区":
        return d.name
    industry = N.industries_for(cp.cluster.name)[0]
    if industry is N.GENERIC:
        return f"{short_place(d)}{N.GENERIC_PARK}"
    return f"{short_place(d)}{industry.firm_words[0]}产业园"


def _projects(cat, period, d, cp, rng, names, region, firms, n, w, revenue, fixed=False) -> list[dict]:
    """Investment projects of one cluster; 本年累计完成投资 stays within plan and total."""
    if not n:
        return []
    ind = rng.choice(N.industries_for(cp.cluster.name))
    year, month = period.year, period.month
    end = dt.date(year, month, 1)
    rows = []
    for _ in range(n):
        nature = rng.choices(L.PROJECT_NATURES, (40, 30, 15, 15))[0]
        owner = rng.choice(firms)["name"] if firms and rng.random() < 0.7 else _company(rng, names, d, cp, city_short(cat))
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
            # begun this year: the year's plan covers the months from its start; it spends at that monthly rate
            # since it started (a project begun in June has one month's, not half a year's: the district's 当月
            # does not jump when it starts)
            first = max(start.year * 12 + start.month, year * 12 + 1)
            planned, active = year * 12 + 12 - first + 1, year * 12 + month - first + 1
            plan = min(total - prior, total * rng.uniform(0.25, 0.6) * planned / 12)
            done = min(plan, plan * (active / planned) * cp.pace * rng.uniform(0.85, 1.15))
        rows.append({"name": name, "cluster": cp.cluster.name, "nature": nature, "status": status, "owner": owner,
                     "total": total, "plan_year": plan, "done_year": done, "done_total": prior + done,
                     "start": start, "finish": finish})
    done = max(sum(r["done_year"] for r in rows), 1.0)
    if cp.invest and done < 0.05 * sum(r["plan_year"] for r in rows):
        # only signed projects here: the largest is one already under way (续建 since last year)
        r = max(rows, key=lambda x: x["total"])
        own = random.Random(r["name"])  # not the district's generator: its other rows stay as they were
        start = dt.date(year - 1, own.randint(1, 12), 1)
        prior = r["total"] * own.uniform(0.2, 0.4)
        plan = min(r["total"] - prior, r["total"] * own.uniform(0.25, 0.6))
        r.update(nature="续建", status="在建", start=start, finish=max(r["finish"], dt.date(year + 1, 6, 1)),
                 plan_year=plan, done_year=plan * (month / 12) * cp.pace, done_total=prior + plan * (month / 12) * cp.pace)
        done = max(sum(x["done_year"] for x in rows), 1.0)
    if cp.invest:  # a projects indicator with a target: scale this district's share onto it
        k = cp.invest * w / done
    else:  # no target: a year's investment is a modest part of the cluster's revenue here (a town's projects are
        # fewer and smaller, never 50万元 "projects")
        k = min(1.0, revenue * rng.uniform(0.06, 0.2) / done)
        if k < 1.0 and not fixed:
            rows = rows[:max(1, round(len(rows) * k ** 0.5))]
            k = min(1.0, revenue * rng.uniform(0.06, 0.2) / max(sum(r["done_year"] for r in rows), 1.0))
    if k != 1.0:
        for r in rows:
            for key in ("total", "plan_year", "done_year", "done_total"):
                r[key] *= k
            # a key project is at least 500万元 (its plan and spending stay below that)
            r["total"] = math.ceil(r["total"] / 100) * 100 if r["total"] >= 1000 else float(max(500, math.ceil(r["total"])))
    prior = sum(r["done_total"] - r["done_year"] for r in rows)
    if cp.invest_before and prior > 0 and k != 1.0:  # the earlier plan years' spending on the plan's scale too
        kb = cp.invest_before * w / prior
        for r in rows:
            r["done_total"] = r["done_year"] + (r["done_total"] - r["done_year"]) * kb
            r["total"] = max(r["total"], math.ceil((r["done_total"] + r["plan_year"] - r["done_year"]) / 100) * 100)
    if cp.invest_before and prior <= 0 and k != 1.0:  # no project here from before this year: the largest
        # one under way carries the district's share of the earlier plan years (else that share was lost: 2023
        # and 2024 together showed 60 % of 400 ÷ 3 × 2)
        started = [r for r in rows if r["done_year"] > 0]
        if started:
            r = max(started, key=lambda x: x["total"])
            r["done_total"] = r["done_year"] + cp.invest_before * w
            r["total"] = max(r["total"], math.ceil((r["done_total"] + r["plan_year"] - r["done_year"]) / 100) * 100)
            r.update(nature="续建", status="竣工投产" if r["finish"] <= end else "在建")
    if cp.invest_before and cp.invest_since is not None and cp.invest_since < year:
        # that spending began with the plan: a project carrying it started in the first quarter of the plan's first
        # year, so `demo --from` spreads it evenly over the earlier plan years and each year's December shows its
        # share (葫芦岛's 2023 said 13.31亿元 of 400亿元 ÷ 3 when these projects started in 2024)
        for r in rows:
            if r["done_total"] > r["done_year"]:
                own = random.Random(f"{r['name']}:since")  # not the district's generator
                r["start"] = min(r["start"], dt.date(cp.invest_since, own.randint(1, 3), 1))
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
    if ind.code in cp.events:  # whole numbers from 0, last year's drawn apart (a share of the city's, as this year's)
        share = x / cp.values[ind.code] if cp.values.get(ind.code) else 1.0
        return {"value": max(0, round(x)), "value_ly": max(0, round(cp.events[ind.code] * share))}
    if is_count(ind):
        value = max(1, round(x))
        return {"value": value, "value_ly": max(1, round(value / rng.uniform(1.0, 1.15)))}
    if is_flow(ind):  # each indicator grows a little differently around the cluster's plan (or its growth target)
        planned = cp.growth_targets.get(ind.code)
        g = planned + rng.uniform(0, 0.01) if planned is not None else max(-0.27, min(0.27, growth + rng.uniform(-0.03, 0.03)))
        return {"value": dec(x), "value_ly": dec(x / (1 + g))}
    return {"value": dec(x), "value_ly": dec(x / rng.uniform(1.03, 1.2))}


def output_seq(cat: Catalogue, dd: DistrictData, key: tuple[str, str]) -> int:
    """The 序号 of an output row as the form writer numbers them: district-wide figures first, then each
    cluster the district hosts (or reports) × its output indicators, in catalogue order."""
    keys = [("全部", i.code) for i in cat.programme_indicators() if i.source == SOURCE_OUTPUT]
    for c in cat.clusters:
        if cat.hosts(c.code, dd.district.code) or any(k[0] == c.code for k in dd.outputs):
            keys += [(c.code, i.code) for i in cat.output_indicators_for(c.code)]
    return keys.index(key) + 1
