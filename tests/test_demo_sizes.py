"""The demo's sizes come from the catalogue's targets, never from a fixed size (issue 11 item 10): a
district-wide amount with a target of its own lands on target × 时序进度; one without is a part of the
member clusters' revenue (a whole of the local economy above it); a cluster amount without a target is a part
of that cluster's revenue whatever unit it is filled in; a cluster the plan gives neither a tier nor a target
is sized like the plan's other targets. Bounds are derived from the targets and the planned spreads."""
from __future__ import annotations

import dataclasses
from decimal import Decimal as D
from pathlib import Path

from reporttool.catalogue import load_catalogue
from reporttool.core.models import Indicator, Period, Target
from reporttool.demo.make import plan_demo

REPO = Path(__file__).resolve().parents[1]
JUNE = Period(2025, 6)  # 时序进度 50 %
HALF = D("0.5")


def _default(extra: tuple[Indicator, ...] = (), targets: tuple[Target, ...] = ()):
    cat = load_catalogue(REPO / "templates" / "targets.xlsx")
    return dataclasses.replace(cat, indicators=cat.indicators + extra, targets=cat.targets + targets, _index={})


def _total(plan, indicator: str, cluster: str | None = None) -> D:
    """The districts' sum of one output row, in the form unit."""
    return sum((D(str(v["value"])) for dd in plan.data for (c, i), v in dd.outputs.items()
                if i == indicator and (cluster is None or c == cluster) and v.get("value") is not None), D(0))


NZ = Indicator("NZ", "引进市外内资", "亿元", "万元", "output", programme=True, order=90)
WZ = Indicator("WZ", "实际利用外资", "亿美元", "万美元", "output", programme=True, order=91)
QGS = Indicator("QGS", "全市规上工业总产值", "亿元", "万元", "output", programme=True, order=92)


def test_a_district_wide_amount_with_a_target_lands_on_target_times_time_progress():
    """引进市外内资 300亿元 for 2025: half a year is 150亿元 × 0.96-1.06 (it was about 800亿元, sized as a whole)."""
    cat = _default((NZ,), (Target("", "NZ", "annual", 2025, D(300), note="引进市外内资300亿元"),))
    plan = plan_demo(cat, JUNE, plant=False)
    total = _total(plan, "NZ") / 10000
    assert D(300) * HALF * D("0.96") - D("0.01") <= total <= D(300) * HALF * D("1.06") + D("0.01"), total
    assert all(("全部", "NZ") in dd.outputs for dd in plan.data)  # every district reports it once


def test_district_wide_amounts_without_a_target_are_sized_by_the_clusters_revenue():
    """No target: 引进市外内资 is 5-30 % of the member clusters' 营业收入, 实际利用外资 1-5 % of it at 7.1 元 a dollar,
    and a whole of the local economy (全市规上工业总产值) 1.3-1.6 × it."""
    plan = plan_demo(_default((NZ, WZ, QGS)), JUNE, plant=False)
    revenue = _total(plan, "YYSR") / 10000  # 亿元, every cluster (all are members in the default city)
    nz, wz, whole = (_total(plan, code) / 10000 for code in ("NZ", "WZ", "QGS"))
    slack = D("0.02")  # two-decimal rounding of each district's value
    assert revenue * D("0.05") - slack <= nz <= revenue * D("0.30") + slack, (nz, revenue)
    assert revenue * D("0.01") / D("7.1") - slack <= wz <= revenue * D("0.05") / D("7.1") + slack, (wz, revenue)
    assert revenue * D("1.3") - slack <= whole <= revenue * D("1.6") + slack, (whole, revenue)


def test_a_cluster_amount_without_a_target_is_a_part_of_the_clusters_revenue_in_any_unit():
    """利税 filled in 亿元 and 研发投入 in 万元 (both without a target): 5-12 % and 1-4 % of each cluster's 营业收入
    (filled in 万元); sized from the tier before, 利税 could exceed the whole revenue of a small cluster."""
    every = ("HG", "YS", "QN")
    extra = (Indicator("LS", "利税", "亿元", "亿元", "output", clusters=every, order=93),
             Indicator("YF", "研发投入", "万元", "万元", "output", clusters=every, order=94))
    plan = plan_demo(_default(extra), JUNE, plant=False)
    for cluster in every:
        revenue = _total(plan, "YYSR", cluster)  # 万元
        ls = _total(plan, "LS", cluster) * 10000
        yf = _total(plan, "YF", cluster)
        assert revenue * D("0.05") * D("0.99") <= ls <= revenue * D("0.12") * D("1.01"), (cluster, ls, revenue)
        assert revenue * D("0.01") * D("0.99") <= yf <= revenue * D("0.04") * D("1.01"), (cluster, yf, revenue)


def test_a_cluster_without_tier_or_target_is_sized_like_the_plans_targets():
    """A small plan (every target a fiftieth of the default city's: 化工 11.6亿元 …, no tiers): a cluster with no
    target of its own is sized like the plan's smallest 产值 target, not a fixed 百亿级 size."""
    cat = load_catalogue(REPO / "templates" / "targets.xlsx")
    small = tuple(dataclasses.replace(t, value=None if t.value is None else t.value / 50) for t in cat.targets)
    clusters = tuple(dataclasses.replace(c, tier="") for c in cat.clusters)
    cat = dataclasses.replace(cat, clusters=clusters, targets=small, _index={})
    smallest = min(rt.value for c in cat.clusters for i in cat.indicators_for(c.code)
                   if i.summable and i.compare_time and "产值" in i.name and i.unit == "亿元"
                   and (rt := cat.target_for(c.code, i.code, 2025)) is not None and rt.value is not None)
    plan = plan_demo(cat, JUNE, plant=False)
    untargeted = [c.code for c in cat.clusters  # no amount target for the year (战新: only a count and a ratio)
                  if not any((rt := cat.target_for(c.code, i.code, 2025)) is not None and rt.value is not None
                             for i in cat.indicators_for(c.code) if i.unit == "亿元")]
    assert untargeted
    for cluster in untargeted:  # 营业收入 0.35-0.6 × the size × pace 0.96-1.06, half a year (± rounding)
        revenue = _total(plan, "YYSR", cluster) / 10000
        low, high = smallest * D("0.35") * D("0.96") * HALF, smallest * D("0.6") * D("1.06") * HALF
        assert low - D("0.01") <= revenue <= high + D("0.01"), (cluster, revenue, smallest)


def test_the_explained_swing_stays_on_a_clusters_rows_beside_district_wide_amounts(tmp_path):
    """With summable 元 district-wide rows (集群代码 全部) on every form, the planted 同比 swing is still a cluster's
    (a 全部 row has no cluster to name and no place among the cluster rows), and check finds it where the demo
    says, explained by its 说明."""
    from reporttool.catalogue.writer import write_catalogue
    from reporttool.checks.single import check_submission
    from reporttool.demo.base import EXPLAINED_SWING
    from reporttool.demo.make import make_demo
    from reporttool.forms import reader
    from reporttool.workspace import init_workspace

    ws = init_workspace(tmp_path / "w")
    write_catalogue(_default((NZ, QGS)), ws.targets)
    cat = ws.catalogue()
    result = make_demo(ws, JUNE)
    (swing,) = [p for p in result.problems if p.kind == EXPLAINED_SWING]
    path = ws.inbox / swing.file
    sub, found = reader.read_submission(path, cat, expected_period=JUNE)
    at = [f for f in found + check_submission(sub, cat, JUNE) if f.rule == "R-YOY-SWING"]
    assert [(f.sheet, f.cell, f.explained) for f in at][:1] == [("集群产出", swing.cell, True)]
    rows = {r.values.get("cluster_code") for r in sub.tables["output"].rows if r.values.get("note")}
    assert rows and "全部" not in rows and all(cat.cluster(c) is not None for c in rows)


def test_a_new_scale_enterprises_target_with_a_known_base_sizes_the_rosters():
    """三年新增规上企业100户 (2023-2025) with the end of 2022 typed in the 基期 sheet (300户): in June 2025 the
    clusters' 规上 enterprises are planned at 300 + 100 × 2.5/3 × 0.92-1.04, so the 总表 shows the plan's
    progress instead of a fall below the base."""
    import random

    from reporttool.core.models import BaseStat
    from reporttool.demo.plan import plan_city

    cat = load_catalogue(REPO / "templates" / "targets.xlsx")
    target = next(t for t in cat.targets if t.kind == "increase")
    cat = dataclasses.replace(cat, base=(BaseStat("", target.indicator, 2022, D(300)),), _index={})
    city = plan_city(cat, JUNE, random.Random(7))
    ind = cat.indicator(target.indicator)
    planned = sum(D(repr(cp.scale_firms)) for cp in city.clusters.values()
                  if cp.cluster.code in ind.clusters and cp.cluster.in_programme and cp.scale_firms)
    elapsed = D("2.5") / 3
    assert D(300) + target.value * elapsed * D("0.92") - D("0.001") <= planned, planned
    assert planned <= D(300) + target.value * elapsed * D("1.04") + D("0.001"), planned


def test_a_cluster_reporting_only_its_output_gets_a_roster_on_that_scale():
    """Without 营业收入 (智能家电 reports only 工业总产值) the roster's revenue is 78-92 % of the district's 产值,
    not a size from the tier."""
    cat = load_catalogue(REPO / "templates" / "targets.xlsx")
    inds = tuple(dataclasses.replace(i, roster_measure="") if i.code == "CZ" else i
                 for i in cat.indicators if i.code != "YYSR")
    cat = dataclasses.replace(cat, indicators=inds, targets=tuple(t for t in cat.targets if t.indicator != "YYSR"),
                              _index={})
    plan = plan_demo(cat, JUNE, plant=False)
    checked = 0
    for dd in plan.data:
        for c in cat.clusters_for(dd.district.code):
            out = dd.outputs.get((c.code, "CZ"))
            listed = sum((r["revenue"] for r in dd.roster if r["cluster"] == c.name), D(0))
            if out is None or not listed:
                continue
            assert D("0.7") <= listed / out["value"] <= D("0.95"), (dd.district.name, c.name, listed, out["value"])
            checked += 1
    assert checked


def test_a_target_split_to_one_district_sets_that_districts_value():
    """化工 产值 5亿元 for 连山区 alone: its value is 5 × 时序进度 × the cluster's pace (0.72-1.06) ± 3 %, not its
    share of the city's 化工 (about 20亿元 for half a year)."""
    cat = _default(targets=(Target("HG", "CZ", "annual", 2025, D(5), district="211402", note="连山区化工产值5亿元"),))
    plan = plan_demo(cat, JUNE, plant=False)
    value = next(D(str(dd.outputs[("HG", "CZ")]["value"])) for dd in plan.data if dd.district.code == "211402")
    assert D(5) * HALF * D("0.72") * D("0.97") * 10000 <= value <= D(5) * HALF * D("1.06") * D("1.03") * 10000, value


def test_a_clusters_ratio_whole_that_is_the_local_economy_stays_above_all_clusters():
    """葫芦岛 战新: 产值 ÷ 本地区规上工业总产值 ≥ 10 %. The whole is the economy, so it is above every cluster's
    营业收入 together (it was 259亿元 beside 519亿元: the 战新 cluster, sized by its tier, was too small for it), and
    the ratio still lands near its target."""
    cat = _default()
    plan = plan_demo(cat, JUNE, plant=False)
    whole = _total(plan, "GSCZ", "ZX")
    assert whole > _total(plan, "YYSR"), (whole, _total(plan, "YYSR"))
    ratio = _total(plan, "CZ", "ZX") * 100 / whole
    target = cat.target_for("ZX", "ZXZB", 2025).value
    assert target * D("0.82") <= ratio <= target * D("1.08"), ratio


HENGSHUI_JUNE = Period(2024, 6)  # the base year of 衡水's 基期 rows (年末 2024) and of its targets


def _hengshui_plan():
    cat = load_catalogue(REPO / "examples" / "衡水" / "targets.xlsx")
    return cat, plan_demo(cat, HENGSHUI_JUNE, plant=False)


def test_base_year_statistics_size_what_has_no_target():
    """衡水's 基期 (all 23 clusters, 年末2024): 企业（摊点）32000个, 从业人员315000人, 营业收入595亿元, 利税86亿元. The
    eight catalogued clusters (营业收入 targets 3×100 + 5×50 = 550亿元, reached at pace 0.72-1.06) take the base ×
    their revenue ÷ 595: a stock that share of it (× 0.96-1.02 × 0.99-1.01), 利税 half of that share for the half
    year (× 0.95-1.05). Before, the demo said 410 enterprises and 55806 employees beside the base's 32000 and 315000."""
    cat, plan = _hengshui_plan()
    # the clusters' yearly revenue ÷ the base's: 550 × pace 0.72-1.06 × 0.99-1.01 ÷ 595
    share_low, share_high = D(550) * D("0.72") * D("0.99") / D(595), D(550) * D("1.06") * D("1.01") / D(595)
    stock_low, stock_high = share_low * D("0.96") * D("0.99"), share_high * D("1.02") * D("1.01")
    slack = D(8)  # each cluster's count rounded to a whole number
    assert D(32000) * stock_low - slack <= _total(plan, "QYS") <= D(32000) * stock_high + slack
    assert D(315000) * stock_low - slack <= _total(plan, "CYRY") <= D(315000) * stock_high + slack
    ls = _total(plan, "LS") / 10000  # 万元 -> 亿元
    assert D(86) * share_low * HALF * D("0.95") <= ls <= D(86) * share_high * HALF * D("1.05"), ls
    assert _total(plan, "YYSR") / 10000 <= D(595) * HALF * D("1.06")  # the half year is within the base year
    for c in cat.clusters:  # employees per enterprise as in the base (315000 ÷ 32000 = 9.84), ± the stock draws
        per_firm = _total(plan, "CYRY", c.code) / _total(plan, "QYS", c.code)
        assert D("9.84") * D("0.97") <= per_firm <= D("9.84") * D("1.03"), (c.code, per_firm)


def test_counts_of_new_brands_vary_from_cluster_to_cluster_and_year_to_year():
    """每年新创省名牌和著名商标各2个 (省级) / 各1个 (市级): by June each cluster has a whole number around half of it,
    not the target itself, and last year's differs in places (every cluster showed 2 = 2, 同比持平, 完成100 %)."""
    cat, plan = _hengshui_plan()
    rows = [(c, i, v["value"], v["value_ly"]) for dd in plan.data for (c, i), v in dd.outputs.items()
            if i in ("SMP", "ZMSB")]
    assert len(rows) == 16  # eight clusters × two counts, each cluster in one county
    for c, i, value, ly in rows:
        target = cat.target_for(c, i, 2024).value
        assert isinstance(value, int) and 0 <= value <= target * 2 and 0 <= ly <= target * 2, (c, i, value, ly)
    assert any(value != cat.target_for(c, i, 2024).value for c, i, value, _ly in rows)
    assert any(value != ly for _c, _i, value, ly in rows)


def test_a_county_without_a_catalogued_cluster_still_has_a_countys_economy():
    """衡水's 县域经济总量 (reported once by each county; the clusters' 营业收入 are 65 % of it, × 0.97-1.05): what is
    above the clusters, W × (1 - 0.6825) at least, is shared by weights — a hosting county's at most its own part,
    one without a catalogued cluster 1-2 × the mean part (P ÷ 12) — so the weights sum to at most 2P and a county
    without a cluster gets at least 0.3175 W ÷ 24 = 1.32 % of the city W (故城县 had 4.18 of 394亿元, 1.06 %)."""
    cat, plan = _hengshui_plan()
    whole = _total(plan, "XYZL")
    for dd in plan.data:
        if not cat.clusters_for(dd.district.code):  # 武邑县, 武强县, 故城县, 阜城县, 饶阳县, 高新区
            value = D(str(dd.outputs[("全部", "XYZL")]["value"]))
            assert value >= whole * D("0.3175") / 24, (dd.district.name, value, whole)
