"""The problems a real month brings, planted in the demo's districts (one per file where possible): a missing
and a late district, an empty roster, a wrong credit-code check digit, a project spending more than its total,
an explained 同比 swing. docs/demo.md lists them and what reporttool says about each."""
from __future__ import annotations

import datetime as dt
import random
from dataclasses import replace
from decimal import Decimal

from reporttool.catalogue import Catalogue
from reporttool.core.models import Period
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
    dec,
)
from reporttool.demo.plan import CityPlan
from reporttool.demo.rows import output_seq
from reporttool.forms import layout as L


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
        first = min(output_seq(cat, dd, k) for k, v in dd.outputs.items() if v.get("note") == note)
        problems.append(PlantedProblem(EXPLAINED_SWING, dd.district.code, dd.district.name, dd.file_name,
                                       "R-YOY-SWING", f"{cname}{'、'.join(changed)}同比增长约{round((rate - 1) * 100)}%，"
                                       f"已在说明栏说明：{note}", L.OUTPUT.name,
                                       f"{first}:{L.OUTPUT.column('value').title}"))
    position = {d.code: i for i, d in enumerate(cat.districts)}
    return sorted(senders, key=lambda x: position[x.district.code]), problems


def _swingable(cat: Catalogue, key: tuple[str, str], v: dict) -> bool:
    ind = cat.indicator(key[1])
    return (cat.cluster(key[0]) is not None and ind is not None and ind.summable and "元" in ind.form_unit
            and isinstance(v.get("value"), Decimal) and v["value"] > 0)


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
