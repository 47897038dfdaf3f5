"""A span of months (`reporttool demo --period 2025-06 --from 2024-01`): every district's files for each
earlier month, consistent with the last month's and with each other (docs/demo.md "A span of months").

The last month is planned as a single demo month is (plan_demo); the earlier months are derived from it,
backwards, district by district:

- flows (本年累计 of amounts): each district and cluster spends a year along its own monthly pattern (each
  month 1 ± 1 % and a trend at the year-on-year growth so that 当月 has no jump at
  January), so 本年累计 rises month by month and the 当月 values are steady; the year's total is what the
  last month implies (本年累计 ÷ the share of the year elapsed), the year before is what its 上年同期
  implies, earlier years grow into it at the same rate;
- 上年同期 of a month is exactly what the district reported for that month a year earlier (a few rows revised
  by under 2 %, below the 5 % revision threshold); stocks and ratios move geometrically from last year's level
  to this year's;
- rosters are the last month's, each enterprise's 营业收入 and 产值 following its cluster; a few small
  enterprises join during the span (with a 说明) and one leaves (with a 说明 on its cluster's output row);
  规上 follows each year's annual revenue;
- projects appear when signed or started and spend evenly (before this year up to the last month's
  累计完成投资 less this year's, this year up to the last month's 本年完成).

The planted problems of the last month stay in the last month; three history problems are added to it so
that the history checks have something to find: a 上年同期 revised far beyond 5 % (R-LY-REVISED), a 当月 many
times the district's usual (R-MONTH-OUTLIER) and an enterprise that vanished since last month (R-ROSTER-GONE).
The year-on-year swing planted with a 说明 is carried into the earlier months (the base year really was low).
"""
from __future__ import annotations

import datetime as dt
import random
import statistics
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from reporttool.catalogue import Catalogue
from reporttool.core.models import TARGET_INCREASE, Period, Settings, annual_period
from reporttool.demo.base import (
    EXPLAINED_SWING,
    LY_REVISED,
    MONTH_SPIKE,
    ROSTER_GONE,
    DistrictData,
    PlantedProblem,
    dec,
)
from reporttool.demo.plan import is_count, is_flow
from reporttool.demo.rows import output_seq
from reporttool.forms import layout as L

# No season: a month's weight differs from the others only by noise and the year's growth trend, so the 当月 of
# the last month sits among the district's earlier months (a seasonal December-January step would make the
# robust score of R-MONTH-OUTLIER fire on ordinary data); the last month has no noise, so its 当月 is as usual.
SEASON = (1.0,) * 12
ALL = "全部"


def index(p: Period) -> int:
    return p.year * 12 + p.month - 1


def period_at(i: int) -> Period:
    return Period(i // 12, i % 12 + 1)


def months_between(first: Period, last: Period) -> list[Period]:
    """The months from ``first`` up to, not including, ``last``."""
    return [period_at(i) for i in range(index(first), index(last))]


@dataclass
class _Flow:
    """One district's pattern of a year: cumulative share of the year by month (cum[0] = 0, cum[12] = 1)."""

    cum: list[float]


class SpanModel:
    """Every earlier month of every district, derived from the last month's clean data."""

    def __init__(self, cat: Catalogue, last: Period, clean: list[DistrictData], first: Period, seed: int,
                 swung: dict[tuple[str, str, str], tuple[Decimal, str]]):
        self.cat, self.last, self.first = cat, last, first
        self.rng = random.Random(f"reporttool-demo-span:{seed}")
        self.clean = {dd.district.code: dd for dd in clean}
        self.swung = swung  # (district, cluster, indicator) -> (planted 上年同期, 说明) of the explained swing
        self.years = list(range(first.year - 1, last.year + 1))
        self.patterns: dict[tuple[str, str, int], list[float]] = {}
        self.revised: set[tuple[str, str, str]] = set()
        self.joiners: dict[str, dict[str, int]] = {}  # district -> enterprise name -> first month index
        self.leavers: dict[str, dict[str, int]] = {}  # district -> enterprise name -> month index it is gone
        self._cache: dict[tuple[str, int], dict[tuple[str, str], dict[str, Any]]] = {}
        for dd in clean:
            for c in sorted({k[0] for k in dd.outputs} | {ALL}):
                for y in self.years:  # each month 1 ± 1 %, the last month 1; the trend is added per flow
                    w = [s * self.rng.uniform(0.99, 1.01) for s in SEASON]
                    if y == last.year:
                        w[last.month - 1] = SEASON[last.month - 1]
                    self.patterns[(dd.district.code, c, y)] = w
            for key in sorted(dd.outputs):
                if self.rng.random() < 0.04:
                    self.revised.add((dd.district.code, *key))
            self._churn(dd)
        self._new_scale(clean)

    # ---- values -----------------------------------------------------------------------------------
    def _cum(self, district: str, cluster: str, y: int, m: int, g: float) -> float:
        """The share of year ``y`` elapsed after month ``m`` for a flow growing ``g`` a year: 当月 rises through
        the year at that rate, so there is no jump at January."""
        base = self.patterns[(district, cluster if self.cat.cluster(cluster) is not None else ALL, y)]
        w = [x * (1 + g) ** (k / 12) for k, x in enumerate(base)]
        return sum(w[:m]) / sum(w)

    @staticmethod
    def _rate(now: float, ly: float) -> float:
        return max(-0.2, min(0.5, now / ly - 1)) if ly > 0 else 0.05

    def annual(self, district: str, cluster: str, now: float, ly: float, y: int) -> float:
        """The year ``y`` total of a flow whose last month shows ``now`` (本年累计) and ``ly`` (上年同期); years
        before last year grow into it at the same rate."""
        Y, M, g = self.last.year, self.last.month, self._rate(now, ly)
        if y == Y:
            return now / self._cum(district, cluster, Y, M, g)
        return ly / self._cum(district, cluster, Y - 1, M, g) / (1 + g) ** (Y - 1 - y)

    def flow(self, district: str, cluster: str, now: float, ly: float, p: Period) -> float:
        g = self._rate(now, ly)
        return self.annual(district, cluster, now, ly, p.year) * self._cum(district, cluster, p.year, p.month, g)

    def stock(self, now: float, ly: float, p: Period) -> float:
        """A level (户数, 装机容量, %) ``t`` months before the last: geometric from last year's to this year's."""
        t = index(self.last) - index(p)
        if now <= 0 or ly <= 0:
            return now
        return now * (ly / now) ** (t / 12)

    def outputs(self, dd: DistrictData, p: Period) -> dict[tuple[str, str], dict[str, Any]]:
        d = dd.district.code
        out: dict[tuple[str, str], dict[str, Any]] = {}
        for (c, i), given in dd.outputs.items():
            ind = self.cat.indicator(i)
            v, ly = given.get("value"), given.get("value_ly")
            if ind is None or v is None or ly is None:
                out[(c, i)] = dict(given)
                continue
            swing = self.swung.get((d, c, i))
            now, before = float(v), float(swing[0] if swing else ly)
            row: dict[str, Any] = {}
            if ind.summable and is_flow(ind):
                value = self.flow(d, c, now, before, p)
                value_ly = self.flow(d, c, now, before, Period(p.year - 1, p.month))
                row = {"value": dec(value), "value_ly": dec(value_ly)}
            else:
                places = 1 if ind.form_unit == "%" or not ind.summable else 2
                value = self.stock(now, before, p)
                value_ly = self.stock(now, before, Period(p.year - 1, p.month))
                if is_count(ind):
                    row = {"value": max(1, round(value)), "value_ly": max(1, round(value_ly))}
                else:
                    row = {"value": dec(value, places), "value_ly": dec(value_ly, places)}
            if (d, c, i) in self.revised and p.year == self.last.year and isinstance(row["value_ly"], Decimal):
                k = random.Random(f"{d}:{c}:{i}:{index(p)}").uniform(-0.02, 0.02)
                row["value_ly"] = dec(float(row["value_ly"]) * (1 + k))
            if swing and p.year == self.last.year:
                row["note"] = swing[1]
            out[(c, i)] = row
        return out

    # ---- rosters ----------------------------------------------------------------------------------
    def _new_scale(self, clean: list[DistrictData]) -> None:
        """A programme target on new 规上 enterprises over plan years (三年新增规上企业100户, base 2022): that many
        of this month's 规上 enterprises, times the plan time elapsed, joined the roster after the base year's
        December, evenly over the months (each says so in its 说明), so the rosters count the plan's progress."""
        target = next((t for t in self.cat.targets if not t.cluster and not t.district and t.kind == TARGET_INCREASE
                       and t.value is not None and t.base_year is not None
                       and (ind := self.cat.indicator(t.indicator)) is not None
                       and ind.roster_measure == "规上企业户数"), None)
        if target is None or target.base_year is None or target.value is None:
            return
        base, end, last = target.base_year * 12 + 11, target.year * 12 + 11, index(self.last)
        if not base < last <= end:
            return
        new = round(float(target.value) * (last - base) / (end - base) * self.rng.uniform(0.92, 1.04))
        taken = {n for d in self.joiners.values() for n in d} | {n for d in self.leavers.values() for n in d}
        firms = [(dd.district.code, r["name"]) for dd in clean for r in dd.roster
                 if r["is_scale"] == "是" and r["is_leader"] != "是" and r["name"] not in taken]
        self.rng.shuffle(firms)
        by_district: dict[str, list[str]] = {}
        for d, name in firms[:new]:
            by_district.setdefault(d, []).append(name)
        for d, names in by_district.items():  # each district's evenly over the months: rarely two in one month
            for n, name in enumerate(names):
                self.joiners.setdefault(d, {})[name] = base + 1 + int((n + 0.5) * (last - base - 1) / len(names))

    def _churn(self, dd: DistrictData) -> None:
        lo, hi = index(self.first) + 1, index(self.last) - 1
        small = [r for r in dd.roster if r["is_scale"] == "否"]
        if hi <= lo or len(small) < 2:
            return
        picks = self.rng.sample(small, min(len(small), 3))
        d = dd.district.code
        self.joiners[d] = {r["name"]: self.rng.randint(lo, hi) for r in picks[:-1] if self.rng.random() < 0.6}
        if self.rng.random() < 0.5:
            self.leavers[d] = {picks[-1]["name"]: self.rng.randint(lo, hi)}

    def roster(self, dd: DistrictData, p: Period) -> list[dict]:
        d, t = dd.district.code, index(p)
        threshold = float(self.cat.settings.scale_threshold)
        by_cluster: dict[str, list[dict]] = {}
        for r in dd.roster:
            if self.joiners.get(d, {}).get(r["name"], -1) > t or self.leavers.get(d, {}).get(r["name"], t + 1) <= t:
                continue
            by_cluster.setdefault(r["cluster"], []).append(r)
        rows = []
        for cname, firms in by_cluster.items():
            c = next((x.code for x in self.cat.clusters if x.name == cname), "")
            scaled = []
            for r in firms:
                row = dict(r)
                for key in ("revenue", "output_value"):
                    if row.get(key) is None:
                        continue
                    now, ly = float(r[key]), float(r[key + "_ly"])
                    row[key] = dec(self.flow(d, c, now, ly, p))
                    row[key + "_ly"] = dec(self.flow(d, c, now, ly, Period(p.year - 1, p.month)))
                if p.year < self.last.year:
                    yearly = self.annual(d, c, float(r["revenue"]), float(r["revenue_ly"]), p.year)
                    row["is_scale"] = "是" if yearly >= threshold else "否"
                if self.joiners.get(d, {}).get(r["name"]) == t:
                    row["note"] = "本月新投产，纳入集群统计"
                scaled.append(row)
            rows += self._within_total(dd, c, scaled, p)
        rows.sort(key=lambda r: r["seq"])
        for n, r in enumerate(rows, start=1):
            r["seq"] = n
        return rows

    def _within_total(self, dd: DistrictData, cluster: str, firms: list[dict], p: Period) -> list[dict]:
        """Each enterprise follows its own growth, and before this year their 上年同期 may add up above the
        cluster's: scale them under 95 % of the cluster's 营业收入 when they would not stay below it."""
        bound = next((i for i in self.cat.output_indicators_for(cluster) if i.roster_measure == "营业收入合计"), None)
        if bound is None:
            return firms
        total = self.outputs_cache(dd, p).get((cluster, bound.code), {}).get("value")
        listed = sum(float(f["revenue"]) for f in firms)
        if total is None or listed <= 0.95 * float(total):
            return firms
        k = 0.95 * float(total) / listed
        for f in firms:
            for key in ("revenue", "revenue_ly", "output_value", "output_value_ly"):
                if f.get(key) is not None:
                    f[key] = dec(float(f[key]) * k)
        return firms

    def outputs_cache(self, dd: DistrictData, p: Period) -> dict[tuple[str, str], dict[str, Any]]:
        key = (dd.district.code, index(p))
        if key not in self._cache:
            self._cache[key] = self.outputs(dd, p)
        return self._cache[key]

    # ---- projects ---------------------------------------------------------------------------------
    def projects(self, dd: DistrictData, p: Period) -> list[dict]:
        t, last = index(p), index(self.last)
        year_start = self.last.year * 12
        rows = []
        for pr in dd.projects:
            s = pr["start"].year * 12 + pr["start"].month - 1
            if t < s - 2 or (s > last and t < last - 2):
                continue  # not yet signed
            done_year, done_total = float(pr["done_year"] or 0), float(pr["done_total"] or 0)
            prior = max(done_total - done_year, 0.0)

            def spend(i: int, s=s, prior=prior, done_year=done_year) -> float:
                if i < s:
                    return 0.0
                if i < year_start:
                    return prior * (i - s + 1) / max(year_start - s, 1)
                begin = max(s, year_start)
                return prior + done_year * (i - begin + 1) / max(last - begin + 1, 1)

            jan = p.year * 12
            done = spend(t) - spend(jan - 1)
            total = float(pr["total"])
            if spend(jan - 1) >= total:
                continue  # finished before this year
            if p.year == self.last.year:
                plan = float(pr["plan_year"] or 0)
            else:
                year_spend = spend(jan + 11) - spend(jan - 1)
                plan = min(total - spend(jan - 1), year_spend * 1.1 + 0.0)
            f = pr["finish"].year * 12 + pr["finish"].month - 1
            status = "签约" if t < s else "竣工投产" if f <= t else "开工" if t - s < 2 else "在建"
            row = dict(pr)
            row.update(status=status, plan_year=dec(max(plan, done)), done_year=dec(done), done_total=dec(spend(t)))
            rows.append(row)
        for n, r in enumerate(rows, start=1):
            r["seq"] = n
        return rows

    def month(self, dd: DistrictData, p: Period) -> DistrictData:
        """The district's file for the earlier month ``p``."""
        outputs = {k: dict(v) for k, v in self.outputs_cache(dd, p).items()}
        for name, gone in self.leavers.get(dd.district.code, {}).items():
            if gone == index(p):  # the month it went: its cluster's first output row says why
                firm = next(r for r in dd.roster if r["name"] == name)
                code = next((c.code for c in self.cat.clusters if c.name == firm["cluster"]), "")
                inds = self.cat.output_indicators_for(code) if code else []
                if inds and (code, inds[0].code) in outputs:
                    outputs[(code, inds[0].code)]["note"] = f"{name}已停产，本月起不再填报"
        return replace(dd, roster=self.roster(dd, p), projects=self.projects(dd, p), outputs=outputs, late=False)


# ==================================================================================================
# History problems planted in the last month
# ==================================================================================================


def plant_history(cat: Catalogue, model: SpanModel, data: list[DistrictData], problems: list[PlantedProblem],
                  rng: random.Random) -> list[PlantedProblem]:
    """Three problems only history can show, each in a district that sent the last month and carries no other
    planted problem when possible: a revised 上年同期, a 当月 spike, an enterprise gone since last month."""
    used = {p.district for p in problems if p.kind != EXPLAINED_SWING}
    swing = next((p.district for p in problems if p.kind == EXPLAINED_SWING), "")
    order = sorted(data, key=lambda dd: (dd.district.code in used or dd.district.code == swing, dd.district.order))
    out: list[PlantedProblem] = []
    last, prev = model.last, period_at(index(model.last) - 1)
    months_before = index(model.last) - index(model.first)
    taken: set[str] = set()

    def amounts(dd: DistrictData) -> list[tuple[str, str]]:
        return sorted(k for k, v in dd.outputs.items() if k[0] != ALL and cat.cluster(k[0]) is not None
                      and (ind := cat.indicator(k[1])) is not None and ind.summable and is_flow(ind)
                      and "元" in ind.form_unit and isinstance(v.get("value"), Decimal) and v["value"] > 0
                      and not v.get("note") and (dd.district.code, *k) not in model.revised)

    def pick(ok) -> DistrictData | None:
        dd = next((x for x in order if x.district.code not in taken and ok(x)), None)
        if dd is not None:
            taken.add(dd.district.code)
        return dd

    title_ly, title_v = L.OUTPUT.column("value_ly").title, L.OUTPUT.column("value").title
    if index(last) - 12 >= index(model.first) - 12:  # last year's same month is in the ledger (imported)
        dd = pick(lambda x: bool(amounts(x)))
        if dd is not None and index(model.first) <= index(last) - 12:
            key = rng.choice(amounts(dd))
            v = dd.outputs[key]
            before = v["value_ly"]
            v["value_ly"] = dec(float(before) * rng.uniform(1.12, 1.2))
            name = _what(cat, key)
            out.append(PlantedProblem(LY_REVISED, dd.district.code, dd.district.name, dd.file_name, "R-LY-REVISED",
                                      f"{name}上年同期改为{v['value_ly']}，比去年{last.year - 1}年1-{last.month}月报送的"
                                      f"{before}高出{round((float(v['value_ly']) / float(before) - 1) * 100)}%，未作说明",
                                      L.OUTPUT.name, f"{output_seq(cat, dd, key)}:{title_ly}"))
    if months_before >= 6 and last.month >= 2:
        spiked = pick(lambda x: bool(amounts(x)))
        if spiked is not None:
            key = rng.choice(amounts(spiked))
            clean = model.clean[spiked.district.code]
            series = [float(model.outputs_cache(clean, period_at(i))[key]["value"]) for i in
                      range(index(model.first), index(last))]
            monthly = [b - a if period_at(index(model.first) + n + 1).month != 1 else b
                       for n, (a, b) in enumerate(zip(series, series[1:]))]
            usual = statistics.median(monthly) if monthly else series[-1]
            v = spiked.outputs[key]
            factor = rng.uniform(4, 5)
            v["value"] = dec(series[-1] + usual * factor)
            out.append(PlantedProblem(MONTH_SPIKE, spiked.district.code, spiked.district.name, spiked.file_name,
                                      "R-MONTH-OUTLIER", f"{_what(cat, key)}{last.month}月当月约为本县区平常月份的"
                                      f"{round(factor)}倍（本年累计{v['value']}，上月{dec(series[-1])}），未作说明",
                                      L.OUTPUT.name, f"{output_seq(cat, spiked, key)}:{title_v}"))
    if last.month >= 2:
        dd = pick(lambda x: any(r["is_scale"] == "是" for r in x.roster))
        if dd is not None:
            gone = next(r for r in dd.roster if r["is_scale"] == "是")
            dd.roster = [r for r in dd.roster if r is not gone]
            for n, r in enumerate(dd.roster, start=1):
                r["seq"] = n
            out.append(PlantedProblem(ROSTER_GONE, dd.district.code, dd.district.name, dd.file_name, "R-ROSTER-GONE",
                                      f"{gone['name']}（{gone['cluster']}，规上）{prev.month}月还在集群企业表中，"
                                      f"{last.month}月不见了，未作说明", L.ROSTER.name))
    return out


def _what(cat: Catalogue, key: tuple[str, str]) -> str:
    c, i = cat.cluster(key[0]), cat.indicator(key[1])
    return f"{c.short_name if c else key[0]}{i.name if i else key[1]}"


def demo_periods(last: Period, first: Period | None) -> list[Period]:
    """What `demo --consolidate` consolidates (docs/demo.md): the month ``last``, its quarter when it ends one
    (2025-06 -> 2025-Q2), and the latest whole year of the span ``first`` .. ``last`` (from 2022-12 to 2025-06:
    2024, whose twelve months are all there)."""
    out = [last]
    if last.monthly and last.month % 3 == 0:
        out.append(Period(last.year, last.month, quarterly=True))
    if first is not None:
        whole = [y for y in range(first.year, last.year + 1)
                 if index(first) <= index(Period(y, 1)) and index(Period(y, 12)) <= index(last)]
        if whole:
            out.append(annual_period(whole[-1]))
    return out


ISSUE_AFTER_DEADLINE = 5  # days: after the demo's late forms (two days past the deadline, demo/problems.py)


def brief_date(settings: Settings, period: Period, today: dt.date) -> dt.date | None:
    """A plausible 印发日期 for the demo's brief of a past period: five days after the period's deadline (2024年
    全年: 2025-01-10), not today; None (today, as `consolidate` does) when that day is not yet past."""
    day = settings.deadline_for(period) + dt.timedelta(days=ISSUE_AFTER_DEADLINE)
    return day if day < today else None
