"""District-wide figures (适用集群 合计, reported once by each district) and programme ratios per district in
分县区 (issue 11 leftover). Numbers are worked out by hand from the inputs."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest
from helpers import ingest, make_programme_catalogue, make_small_catalogue, submission

from reporttool.core.models import Period
from reporttool.figures.compute import compute_figures
from reporttool.ledger import Ledger

P = Period(2025, 6)
NOW = dt.datetime(2025, 7, 8, 9, 0)


@pytest.fixture
def ledger(small_workspace):
    with Ledger(small_workspace) as led:
        yield led


def test_each_district_has_its_district_wide_figures_and_programme_ratio(ledger, tmp_path):
    from openpyxl import load_workbook

    from reporttool.render.workbook import write_consolidated

    cat = make_programme_catalogue()
    # 甲区: 产值 A 30000 + B 10000 万元 of 规上工业总产值 50000 万元 → 80 %; 外资 300 万美元
    ingest(ledger, submission("110101", outputs={("A", "CZ"): (D(30000), D(25000)), ("B", "CZ"): (D(10000), D(9000)),
                                                 ("", "GSCZ"): (D(50000), D(40000)), ("", "WZ"): (D(300), D(200))}))
    # 乙县: 产值 A 6000 of 20000 → 30 %; no 外资 row
    ingest(ledger, submission("110102", outputs={("A", "CZ"): (D(6000), D(5000)), ("", "GSCZ"): (D(20000), D(16000))}))
    figs = compute_figures(ledger, cat, P, now=NOW)

    def of(indicator, district):
        return next(f for f in figs.districts if (f.cluster, f.indicator, f.district) == ("", indicator, district))

    assert (of("GSCZ", "110101").value, of("GSCZ", "110101").last_year) == (D(5), D(4))  # 亿元
    assert of("GSCZ", "110101").yoy == D(25) and of("GSCZ", "110102").value == D(2)
    assert of("GSCZ", "110101").rank == 1 and of("GSCZ", "110102").rank == 2
    assert of("JQZB", "110101").value == D(80) and of("JQZB", "110102").value == D(30)
    assert of("WZ", "110101").value == D("0.03") and of("WZ", "110102").value is None  # 亿美元
    assert not any(f.district == "KF01" and f.cluster == "" for f in figs.districts)  # 丙开发区 did not report
    city = next(f for f in figs.programme if f.indicator == "JQZB")
    assert city.value == D(46000) / D(70000) * 100  # a ratio of sums, not the mean of 80 and 30

    out = write_consolidated(figs, cat, tmp_path / "汇总.xlsx")
    rows = [r for r in load_workbook(out)["分县区"].iter_rows(values_only=True) if r[0] == "不分集群"]
    assert [(r[1], r[3], r[4]) for r in rows] == [
        ("规上工业总产值", "合计", 7), ("规上工业总产值", "甲区", 5), ("规上工业总产值", "乙县", 2),
        ("集群产值占规上工业总产值比重", "合计", 65.7),  # 46000 / 70000, as 总表
        ("集群产值占规上工业总产值比重", "甲区", 80),
        ("集群产值占规上工业总产值比重", "乙县", 30),
        ("实际利用外资", "合计", 0.03), ("实际利用外资", "甲区", 0.03)]


def test_a_cumulative_target_on_a_district_wide_figure_in_foreign_currency(ledger):
    from reporttool.core.models import Target
    from reporttool.figures.plan import add_plan

    base = make_programme_catalogue()
    cat = type(base)(**{**{f: getattr(base, f) for f in ("settings", "districts", "clusters", "indicators", "units",
                                                         "base")},
                        "targets": base.targets + (Target("", "WZ", "cumulative", 2025, D(1), start_year=2024),)})
    ingest(ledger, submission("110101", outputs={("", "WZ"): (D(2500), D(2000))}, period=Period(2024, 12)),
           received=dt.datetime(2025, 1, 3, 10, 0))
    ingest(ledger, submission("110101", outputs={("", "WZ"): (D(300), D(200))}))
    ingest(ledger, submission("110102", outputs={("", "WZ"): (D(700), D(100))}))
    f = add_plan(compute_figures(ledger, cat, P, now=NOW), ledger, cat).plan[0]
    assert [(y.year, y.value) for y in f.years] == [(2024, D("0.25")), (2025, D("0.1"))]  # 亿美元
    assert f.value == D("0.35") and f.completion == D(35) and (f.elapsed, f.span) == (D("1.5"), 2)


# ---- the lead line names the whole, not a part --------------------------------------------------------------

def test_a_clusters_lead_and_chart_use_the_total_not_its_first_component(ledger):
    import dataclasses

    from reporttool.core.models import Indicator, Target
    from reporttool.figures.records import headline_figure
    from reporttool.render.sections import cluster_paragraph

    base = make_small_catalogue()
    parts = (Indicator("P1", "海洋渔业产值", "亿元", "万元", "output", clusters=("C",), order=0),
             Indicator("P2", "农产品加工产值", "亿元", "万元", "output", clusters=("C",), order=0),
             Indicator("TOT", "集群总产值", "亿元", "亿元", "formula", clusters=("C",), formula="P1+P2", order=0))
    cat = dataclasses.replace(base, indicators=parts + base.indicators, targets=base.targets + (
        Target("C", "P1", "annual", 2025, D(10)), Target("C", "P2", "annual", 2025, D(10)),
        Target("C", "TOT", "annual", 2025, D(20))), _index={})
    # P1 8 亿元 of 10 (80 %, 超前); P2 1 of 10; the total 9 of 20 = 45 %, 正常 at 50 % of the year
    ingest(ledger, submission("110101", outputs={("C", "P1"): (D(80000), D(70000)), ("C", "P2"): (D(10000), D(9000))}))
    figs = compute_figures(ledger, cat, P, now=NOW)
    lead = headline_figure(figs, cat, "C")
    assert lead is not None and lead.indicator == "TOT" and lead.completion == D(45)
    para = cluster_paragraph(figs, cat, cat.cluster("C"), 3)
    assert para.lead == "（三）文旅产业集群总产值较快增长，进度正常。"  # 集群 said once
