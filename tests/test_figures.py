"""Figures against hand-computed expectations (the numbers in each test are worked out from its inputs).

Submissions are put straight into a ledger (built in code, not read from files), so these tests check
the arithmetic alone; tests/test_consolidate.py drives the whole run with real workbooks.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal as D

import pytest
from helpers import NOW, P, ingest, submission

from reporttool.core.models import (
    District,
    Indicator,
    Period,
    Row,
    Target,
)
from reporttool.core.status import AHEAD, LAGGING, ON_TRACK, ST_MISSING, ST_PASSED
from reporttool.figures.compute import accepted_rows, compute_figures
from reporttool.ledger import Ledger


@pytest.fixture
def cat4(small_catalogue):
    """The fixture city with a fourth district (for ties), a non-summable output indicator, a roster
    revenue indicator (like-for-like) and a growth target."""
    cat = small_catalogue
    extra = (Indicator("LY", "产能利用率", "%", "%", "output", summable=False, clusters=("A",), decimals=1,
                       compare_time=False, order=8),
             Indicator("QS", "名录营业收入", "亿元", "万元", "roster", clusters=("A",), roster_measure="营业收入合计",
                       order=9))
    return dataclasses.replace(
        cat, districts=cat.districts + (District("110103", "丁区", "区", 4),),
        indicators=cat.indicators + extra,
        targets=cat.targets + (Target("A", "CZ", "growth", 2025, growth_rate=D(6)),), _index={})


@pytest.fixture
def ledger(small_workspace):
    with Ledger(small_workspace) as led:
        yield led


def fig(figures, cluster, indicator, district=""):
    pool = figures.districts if district else (figures.programme if cluster == "" else figures.clusters)
    return next(f for f in pool if f.cluster == cluster and f.indicator == indicator and f.district == district)


def test_two_districts_sum_in_display_unit_with_yoy_completion_gap_status(ledger, cat4):
    ingest(ledger, submission("110101", outputs={("A", "SR"): (D("1234.56"), D("1000"))}))
    ingest(ledger, submission("110102", outputs={("A", "SR"): (D("765.44"), D("800"))}))
    f = fig(compute_figures(ledger, cat4, P, now=NOW), "A", "SR")
    assert f.value == D("0.2")  # (1234.56 + 765.44) 万元 = 2000 万元 = 0.2000 亿元
    assert f.last_year == D("0.18")  # 1800 万元
    assert f.yoy == (D(2000) / D(1800) - 1) * 100  # 11.11…%
    assert f.target == D(100) and not f.target_derived
    assert f.completion == D("0.2")  # 0.2 / 100 × 100
    assert f.time_progress == D(50)  # June: 6/12
    assert f.gap == D("-49.8")  # 0.2 − 50 百分点
    assert f.status == LAGGING
    assert f.n_districts == 2


def test_status_on_track_at_the_threshold_and_ahead_above(ledger, cat4):
    # B SR target 50 亿元: 27.5 亿元 = 55% → gap +5.0 = the threshold → 正常
    ingest(ledger, submission("110101", outputs={("B", "SR"): (D(200000), None)}))
    ingest(ledger, submission("110102", outputs={("B", "SR"): (D(75000), None)}))
    f = fig(compute_figures(ledger, cat4, P, now=NOW), "B", "SR")
    assert f.value == D("27.5") and f.completion == D(55) and f.gap == D(5)
    assert f.status == ON_TRACK
    assert f.yoy is None and f.last_year is None  # no 上年同期 → "—"
    # one more 0.01 万元 tips it over
    ingest(ledger, submission("KF01", outputs={("B", "SR"): (D("2500.01"), None)}))
    f = fig(compute_figures(ledger, cat4, P, now=NOW), "B", "SR")
    assert f.completion == D("27.750001") / 50 * 100 and f.status == AHEAD


def test_ranks_with_ties_1_2_2_4(ledger, cat4):
    for code, v in (("110101", "1234.56"), ("110102", "765.44"), ("KF01", "765.44"), ("110103", "500")):
        ingest(ledger, submission(code, outputs={("A", "SR"): (D(v), None)}))
    figures = compute_figures(ledger, cat4, P, now=NOW)
    ranks = {d: fig(figures, "A", "SR", d).rank for d in ("110101", "110102", "KF01", "110103")}
    assert ranks == {"110101": 1, "110102": 2, "KF01": 2, "110103": 4}
    # city equals the sum of districts to the cent
    city = fig(figures, "A", "SR")
    assert city.value == sum(fig(figures, "A", "SR", d).value for d in ranks) == D("0.326544")


def test_ratio_of_sums_not_sum_of_ratios(ledger, cat4):
    # 甲: GD 60000 / SR 200000 = 30%; 乙: GD 7500 / SR 75000 = 10%
    ingest(ledger, submission("110101", outputs={("B", "SR"): (D(200000), None), ("B", "GD"): (D(60000), None)}))
    ingest(ledger, submission("110102", outputs={("B", "SR"): (D(75000), None), ("B", "GD"): (D(7500), None)}))
    figures = compute_figures(ledger, cat4, P, now=NOW)
    zb = fig(figures, "B", "ZB")
    assert zb.value == D(67500) / D(275000) * 100  # 24.545…%, not 40 (sum) nor 20 (mean)
    assert fig(figures, "B", "ZB", "110101").value == D(30)
    assert fig(figures, "B", "ZB", "110102").value == D(10)
    # a ratio against its 30% target: no 完成率, the gap in 百分点, never compared with 时序进度
    assert zb.target == D(30) and zb.completion is None and zb.time_progress is None
    assert zb.gap == D("-5.5") and zb.status == LAGGING  # 24.545… shown 24.5: 24.5 − 30 = −5.5 百分点
    assert all(f.indicator != "ZB" for f in figures.programme)  # non-summable: no programme total


def test_non_summable_output_is_never_summed(ledger, cat4):
    ingest(ledger, submission("110101", outputs={("A", "LY"): (D(80), D(70))}))
    ingest(ledger, submission("110102", outputs={("A", "LY"): (D(60), None)}))
    figures = compute_figures(ledger, cat4, P, now=NOW)
    city = fig(figures, "A", "LY")
    assert city.value is None and city.yoy is None and not city.summable
    assert city.n_districts == 2
    assert fig(figures, "A", "LY", "110101").value == D(80)
    assert fig(figures, "A", "LY", "110102").value == D(60)
    assert fig(figures, "A", "LY", "110101").rank == 1
    assert all(f.indicator != "LY" for f in figures.programme)


def test_roster_revenue_like_for_like_and_excluded_rows(ledger, cat4):
    roster = [
        {"credit_code": "X1", "name": "一号", "cluster": "A", "is_scale": "是", "revenue": D(100), "revenue_ly": D(80)},
        {"credit_code": "X2", "name": "二号（新进）", "cluster": "A", "is_scale": "否", "revenue": D(50)},
        {"credit_code": "X3", "name": "三号", "cluster": "B", "is_scale": "是", "revenue": D(7), "revenue_ly": D(7)},
    ]
    sub = submission("110101", roster=roster)
    bad = Row(9, {"credit_code": "X4", "name": "错行", "cluster": "A", "is_scale": "是", "revenue": D(1000),
                  "revenue_ly": D(1)}, excluded=True)
    sub.tables["roster"].rows.append(bad)
    ingest(ledger, sub)
    figures = compute_figures(ledger, cat4, P, now=NOW)
    qs = fig(figures, "A", "QS")
    assert qs.value == D("0.015")  # 150 万元: the excluded row's 1000 is not counted
    assert qs.last_year == D("0.008")  # only 一号 has both years
    assert qs.yoy == D(25)  # 100/80 − 1, not 150/80 − 1
    assert qs.like_for_like
    assert fig(figures, "A", "GS").value == D(1)  # 规上: 一号 only (the excluded row does not count)
    assert fig(figures, "B", "GS").value == D(1)
    assert fig(figures, "A", "GS").completion == D(5)  # 1 / 20 户; a stock: no 时序进度 comparison
    assert fig(figures, "A", "GS").status is None
    assert [r.values["credit_code"] for _, r in accepted_rows(ledger, cat4, P, "roster")] == ["X1", "X2", "X3"]
    a = next(f for f in figures.roster if f.cluster == "A")
    assert (a.enterprises, a.scale) == (2, 1)  # the excluded row is not counted
    assert (a.revenue, a.revenue_ly, a.yoy) == (qs.value, qs.last_year, qs.yoy)  # same rule as the indicator


def test_growth_target_compares_yoy_with_the_rate(ledger, cat4):
    ingest(ledger, submission("110101", outputs={("A", "CZ"): (D(1060), D(1000))}))
    f = fig(compute_figures(ledger, cat4, P, now=NOW), "A", "CZ")
    assert f.yoy == D(6) and f.target_rate == D(6) and f.target is None
    assert f.gap == D(0) and f.status == ON_TRACK
    ingest(ledger, submission("110102", outputs={("A", "CZ"): (D(1000), D(1000))}))
    f = fig(compute_figures(ledger, cat4, P, now=NOW), "A", "CZ")
    assert f.yoy == D(3)  # 2060 / 2000
    assert f.gap == D(-3) and f.status == ON_TRACK  # one tolerance for every indicator: within ±5 百分点
    ingest(ledger, submission("110102", outputs={("A", "CZ"): (D(800), D(1000))}), received=dt.datetime(2025, 7, 4, 10, 0))
    f = fig(compute_figures(ledger, cat4, P, now=NOW), "A", "CZ")
    assert f.yoy == D(-7) and f.gap == D(-13) and f.status == LAGGING  # 1860 / 2000


def test_base_multiple_target_and_stock_unit(ledger, cat4):
    ingest(ledger, submission("110101", outputs={("C", "YK"): (D(150), D(100))}))
    f = fig(compute_figures(ledger, cat4, P, now=NOW), "C", "YK")
    assert f.target == D(300)  # 2022 base 100 × 3
    assert f.value == D(150) and f.completion == D(50) and f.gap == D(0) and f.status == ON_TRACK
    assert f.yoy == D(50)


def test_investment_by_status_and_completion(ledger, cat4):
    projects = [
        {"name": "一期", "cluster": "A", "status": "在建", "total": D(10000), "plan_year": D(5000), "done_year": D(3000)},
        {"name": "二期", "cluster": "A", "status": "开工", "total": D(2000), "done_year": D(1000)},
        {"name": "装备", "cluster": "B", "status": "在建", "total": D(100), "plan_year": D(100), "done_year": D(50)},
    ]
    ingest(ledger, submission("110101", projects=projects))
    figures = compute_figures(ledger, cat4, P, now=NOW)
    a = next(i for i in figures.investment if i.cluster == "A")
    assert (a.projects, a.by_status["在建"], a.by_status["开工"], a.by_status["签约"]) == (2, 1, 1, 0)
    assert (a.total, a.plan_year, a.done_year) == (D("1.2"), D("0.5"), D("0.4"))
    assert a.completion == D(80)
    allc = next(i for i in figures.investment if i.cluster == "")
    assert allc.projects == 3 and allc.done_year == D("0.405")
    assert fig(figures, "A", "TZ").value == D("0.4")
    assert [i.district for i in figures.investment_by_district] == ["110101"] * 4
    assert [r.values["name"] for _, r in accepted_rows(ledger, cat4, P, "projects")] == ["一期", "二期", "装备"]


def test_programme_is_the_sum_of_clusters_and_city_of_districts_to_the_cent(ledger, cat4):
    values = {"110101": ("1234.56", "333.33", "0.01"), "110102": ("765.44", "666.67", "99.99"),
              "KF01": ("0.03", "1000", "12345.67")}
    for code, (a, b, c) in values.items():
        ingest(ledger, submission(code, outputs={("A", "SR"): (D(a), D(1)), ("B", "SR"): (D(b), None),
                                                 ("C", "SR"): (D(c), D(2))}))
    figures = compute_figures(ledger, cat4, P, now=NOW)
    prog = fig(figures, "", "SR")
    clusters = [fig(figures, c, "SR") for c in "ABC"]
    assert prog.value == sum(f.value for f in clusters)
    total_wan = sum(D(v) for row in values.values() for v in row)
    assert prog.value == total_wan / 10000  # 16445.70 万元
    assert prog.target == D(200) and prog.completion == prog.value / 200 * 100
    for c, f in zip("ABC", clusters):
        assert f.value == sum(fig(figures, c, "SR", d).value for d in values)
    # the programme yoy pairs only what has both years: A and C
    assert prog.last_year == D(9) / 10000  # A: 1 + 1 + 1, C: 2 + 2 + 2 万元
    assert prog.yoy == ((D("1234.56") + D("765.44") + D("0.03") + D("0.01") + D("99.99") + D("12345.67"))
                        / 9 - 1) * 100


def test_missing_district_is_未报_and_contributes_nothing(ledger, cat4):
    ingest(ledger, submission("110101", outputs={("A", "SR"): (D(1), None)}),
           received=dt.datetime(2025, 7, 6, 8, 0))
    figures = compute_figures(ledger, cat4, P, now=NOW)
    states = {s.district: s for s in figures.submissions}
    assert [s.district for s in figures.submissions] == ["110101", "110102", "KF01", "110103"]
    assert states["110102"].status == ST_MISSING and states["110102"].on_time is None
    assert states["110101"].status == ST_PASSED
    assert states["110101"].on_time is False  # received 7月6日, deadline 7月5日
    assert fig(figures, "A", "SR", "110102").value is None
    assert fig(figures, "A", "SR").n_districts == 1


def test_other_periods_are_not_counted(ledger, cat4):
    ingest(ledger, submission("110101", outputs={("A", "SR"): (D(1000), None)}, period=Period(2025, 5)))
    ingest(ledger, submission("110102", outputs={("A", "SR"): (D(500), None)}))
    f = fig(compute_figures(ledger, cat4, P, now=NOW), "A", "SR")
    assert f.value == D("0.05")


def test_ytd_fall_is_an_error_and_the_row_is_excluded(ledger, cat4):
    may = Period(2025, 5)
    ingest(ledger, submission("110101", outputs={("A", "SR"): (D(1200), None), ("A", "CZ"): (D(50), None)},
                              period=may))
    ingest(ledger, submission("110101", outputs={("A", "SR"): (D("1199.99"), None), ("A", "CZ"): (D(60), None)}))
    ingest(ledger, submission("110102", outputs={("A", "SR"): (D(100), None)}))  # no May figure: not compared
    figures = compute_figures(ledger, cat4, P, now=NOW)
    falls = [f for f in figures.findings if f.rule == "R-YTD-FALL"]
    assert len(falls) == 1
    f = falls[0]
    assert (f.district, f.severity, f.sheet, f.row, f.column) == ("110101", "error", "集群产出", 5, "本年累计")
    assert f.cell == "G5" and "1199.99" in f.message and "1200" in f.message and "2025年1-5月" in f.message
    assert fig(figures, "A", "SR").value == D("0.01")  # only 乙县's 100 万元 counts
    assert fig(figures, "A", "CZ").value == D("0.006")  # 60 ≥ 50: kept
    state = next(s for s in figures.submissions if s.district == "110101")
    assert state.status == "有错" and state.errors == 1
    # January has no previous period: nothing to compare
    jan = compute_figures(ledger, cat4, Period(2025, 1), now=NOW)
    assert not [f for f in jan.findings if f.rule == "R-YTD-FALL"]


def test_dup_across_districts_flags_the_later_one_and_counts_once(ledger, cat4):
    code = "91210000MA0000000X"
    e = {"credit_code": code, "name": "两地企业", "cluster": "A", "is_scale": "是", "revenue": D(300), "revenue_ly": D(200)}
    other = {"credit_code": "91210000MA0000001Y", "name": "本地企业", "cluster": "A", "is_scale": "是", "revenue": D(5)}
    ingest(ledger, submission("110102", roster=[e]), received=dt.datetime(2025, 7, 4, 9, 0))
    ingest(ledger, submission("110101", roster=[other, e]), received=dt.datetime(2025, 7, 2, 9, 0))
    figures = compute_figures(ledger, cat4, P, now=NOW)
    dups = figures.double_counted
    assert len(dups) == 1 and dups[0].rule == "R-DUP-ACROSS"
    assert dups[0].district == "110102"  # received later (7月4日) than 甲区 (7月2日)
    assert dups[0].row == 5 and dups[0].column == "统一社会信用代码" and "甲区" in dups[0].message
    assert fig(figures, "A", "QS").value == D("0.0305")  # 300 + 5 万元: the enterprise counted once
    assert fig(figures, "A", "GS").value == D(2)
    assert fig(figures, "A", "GS", "110102").value is None  # its only row was excluded
    assert sorted(d for d, _ in accepted_rows(ledger, cat4, P, "roster")) == ["110101", "110101"]
    assert [(f.district, f.enterprises) for f in figures.roster_by_district if not f.cluster] == [
        ("110101", 2), ("110102", 0)]  # the aggregates were recomputed without the excluded row
    assert dups[0] in figures.findings


def test_city_ratio_only_over_districts_that_reported_every_part(ledger, cat4):
    # 甲 and 乙 report both parts and are at 32.2 %; 丙 left the numerator (GD) blank.
    ingest(ledger, submission("110101", outputs={("B", "SR"): (D(10000), D(10000)), ("B", "GD"): (D(3220), D(3000))}))
    ingest(ledger, submission("110102", outputs={("B", "SR"): (D(20000), None), ("B", "GD"): (D(6440), None)}))
    ingest(ledger, submission("KF01", outputs={("B", "SR"): (D(10000), None)}))
    figures = compute_figures(ledger, cat4, P, now=NOW)
    zb = fig(figures, "B", "ZB")
    assert zb.value == D("32.2")  # 9660 / 30000, not 9660 / 40000 = 24.15
    assert zb.n_districts == 2
    assert zb.last_year == D(30)  # like for like: only 甲 has both years (3000 / 10000)
    assert fig(figures, "B", "SR").value == D(4)  # the parts themselves still count every district
    assert fig(figures, "B", "ZB", "110101").value == D("32.2")
    assert fig(figures, "B", "ZB", "KF01").value is None


def test_programme_formula_over_complete_district_cluster_pairs(ledger, cat4):
    hj = Indicator("HJ", "营收与产值合计", "亿元", "亿元", "formula", clusters=("A", "B"), formula="SR+CZ", order=10)
    cat = dataclasses.replace(cat4, indicators=cat4.indicators + (hj,), _index={})
    ingest(ledger, submission("110101", outputs={("A", "SR"): (D(100), D(80)), ("A", "CZ"): (D(50), D(40)),
                                                 ("B", "SR"): (D(10), None), ("B", "CZ"): (D(10), None)}))
    ingest(ledger, submission("110102", outputs={("A", "SR"): (D(100), D(100))}))  # CZ blank
    figures = compute_figures(ledger, cat, P, now=NOW)
    assert fig(figures, "A", "HJ").value == D("0.015")  # 甲 only: 150 万元 (乙 left CZ blank)
    prog = fig(figures, "", "HJ")
    assert prog.value == D("0.017")  # 150 + 20 万元
    assert prog.last_year == D("0.012")  # 甲 A only has both years: 80 + 40
    assert prog.yoy == D(25)  # 150 / 120 − 1


def test_rate_has_no_yoy_and_no_completion_only_a_gap_in_points(ledger, cat4):
    # 甲: GD 3300 / SR 10000 = 33 %, last year 3000 / 10000 = 30 %; target 30 %
    ingest(ledger, submission("110101", outputs={("B", "SR"): (D(10000), D(10000)), ("B", "GD"): (D(3300), D(3000))}))
    figures = compute_figures(ledger, cat4, P, now=NOW)
    zb = fig(figures, "B", "ZB")
    assert (zb.value, zb.last_year) == (D(33), D(30))
    assert zb.yoy is None  # a 同比 of a percentage (10 %) means nothing
    assert zb.completion is None and zb.time_progress is None
    assert zb.gap == D(3) and zb.status == ON_TRACK  # 3 百分点 above: 正常, never 超前
    assert fig(figures, "B", "GD").yoy == D(10)  # amounts keep their 同比
    ingest(ledger, submission("110101", outputs={("B", "SR"): (D(10000), None), ("B", "GD"): (D(2999), None)}),
           received=dt.datetime(2025, 7, 4, 10, 0))
    zb = fig(compute_figures(ledger, cat4, P, now=NOW), "B", "ZB")
    # 29.99 % is shown 30.0 %: the gap is taken from the value as shown, 30.0 − 30 = 0.0 (正常)
    assert zb.gap == D("0.0") and zb.status == ON_TRACK
    ingest(ledger, submission("110101", outputs={("B", "SR"): (D(10000), None), ("B", "GD"): (D(2400), None)}),
           received=dt.datetime(2025, 7, 5, 10, 0))
    zb = fig(compute_figures(ledger, cat4, P, now=NOW), "B", "ZB")
    assert zb.gap == D(-6) and zb.status == LAGGING  # more than 5 百分点 below: 滞后


def test_ranks_follow_the_value_as_shown(ledger, cat4):
    # A SR in 亿元 with 2 decimals: 0.12345 and 0.1234501 亿元 both show 0.12; 0.125 shows 0.13 (half up)
    for code, v in (("110101", "1234.5"), ("110102", "1234.501"), ("KF01", "1250"), ("110103", "1100")):
        ingest(ledger, submission(code, outputs={("A", "SR"): (D(v), None)}))
    figures = compute_figures(ledger, cat4, P, now=NOW)
    ranks = {d: fig(figures, "A", "SR", d).rank for d in ("KF01", "110101", "110102", "110103")}
    assert ranks == {"KF01": 1, "110101": 2, "110102": 2, "110103": 4}


def test_on_time_follows_the_first_readable_file_not_a_late_correction(ledger, cat4):
    # 甲 sent on 7月3日 (deadline 7月5日), was sent back and corrected on 7月9日: still 按时
    ingest(ledger, submission("110101", outputs={("A", "SR"): (D(1), None)}, tag="v1"),
           received=dt.datetime(2025, 7, 3, 10, 0))
    ingest(ledger, submission("110101", outputs={("A", "SR"): (D(2), None)}, tag="v2"),
           received=dt.datetime(2025, 7, 9, 16, 30))
    # 乙's only readable file came late; an earlier refused file does not make it on time
    ingest(ledger, submission("110102", tag="bad"), received=dt.datetime(2025, 7, 2, 9, 0), status="退回")
    ingest(ledger, submission("110102", outputs={("A", "SR"): (D(3), None)}), received=dt.datetime(2025, 7, 7, 9, 0))
    states = {s.district: s for s in compute_figures(ledger, cat4, P, now=NOW).submissions}
    assert states["110101"].on_time is True
    assert states["110101"].received_at == dt.datetime(2025, 7, 9, 16, 30)  # the version in use
    assert states["110101"].file_name.endswith("v2.xlsx")
    assert states["110102"].on_time is False


def test_cluster_pulls_add_up_to_the_programme_growth_and_clusters_are_ranked(ledger, cat4):
    """拉动 = a cluster's increase / the programme's last-year total × 100; ranks among clusters as shown."""
    from reporttool.figures import add_cluster_measures

    ingest(ledger, submission("110101", outputs={("A", "SR"): (D(1100), D(1000)), ("B", "SR"): (D(900), D(1000))}))
    figures = compute_figures(ledger, cat4, P, now=NOW)
    a, b = fig(figures, "A", "SR"), fig(figures, "B", "SR")
    total = next(f for f in figures.programme if f.indicator == "SR")
    assert a.pull == D(5) and b.pull == D(-5)  # +100 / 2000, −100 / 2000
    pulls = sum(f.pull for f in figures.clusters if f.indicator == "SR" and f.pull is not None)
    assert pulls == total.yoy == D(0)
    assert (a.yoy_rank, b.yoy_rank, a.yoy_ranked) == (1, 2, 2)
    # ranks by the value as shown: 10.04 and 10.01 both show 10.0 and share the first rank
    a.yoy, b.yoy = D("10.04"), D("10.01")
    add_cluster_measures(figures, 1)
    assert (a.yoy_rank, b.yoy_rank) == (1, 1)


def test_a_cluster_left_out_of_the_programme_is_in_no_programme_total(ledger, cat4):
    """计入合计=否 (issue 11 defects, item 1): the programme's investment, roster and 拉动 leave the cluster out,
    as the 总表 合计 does, so the brief (which quotes these) and the 总表 agree."""
    a, b, c = cat4.clusters
    cat = dataclasses.replace(cat4, clusters=(a, b, dataclasses.replace(c, in_programme=False)), _index={})
    projects = [
        {"name": "一期", "cluster": "A", "status": "在建", "total": D(10000), "plan_year": D(5000), "done_year": D(3000)},
        {"name": "文旅城", "cluster": "C", "status": "在建", "total": D(9000), "plan_year": D(2000), "done_year": D(1660)},
    ]
    roster = [
        {"credit_code": "X1", "name": "一号", "cluster": "A", "is_scale": "是", "revenue": D(100), "revenue_ly": D(80)},
        {"credit_code": "X5", "name": "五号", "cluster": "C", "is_scale": "是", "revenue": D(40), "revenue_ly": D(40)},
    ]
    ingest(ledger, submission("110101", outputs={("A", "SR"): (D(1100), D(1000)), ("C", "SR"): (D(900), D(600))},
                              projects=projects, roster=roster))
    figures = compute_figures(ledger, cat, P, now=NOW)
    inv = next(i for i in figures.investment if i.cluster == "")
    assert (inv.projects, inv.done_year, inv.plan_year) == (1, D("0.3"), D("0.5"))  # A only: 3000 / 5000 万元
    assert inv.completion == D(60)
    assert fig(figures, "", "TZ").value == inv.done_year  # the 总表 合计 of the project indicator
    roster_total = next(r for r in figures.roster if r.cluster == "")
    assert (roster_total.enterprises, roster_total.scale, roster_total.revenue) == (1, 1, D("0.01"))
    assert fig(figures, "", "SR").value == D("0.11")  # 1100 万元, C's 900 left out
    assert fig(figures, "A", "SR").pull == D(10)  # +100 / 1000
    assert fig(figures, "C", "SR").pull is None  # no 拉动 to a total it is not in


def test_a_computed_indicator_standing_for_a_reported_one_enters_its_programme_total(ledger, cat4):
    """指标.汇总口径 on a 计算 indicator (issue 11 defects, item 2): 文旅's 集群产值 = 甲 + 乙 counts in the 工业总产值
    合计 beside 化工's and 装备制造's reported ones, and the brief's headline sums the three clusters."""
    from reporttool.render import sections, wording

    extra = (Indicator("C1", "甲产值", "亿元", "万元", "output", clusters=("C",), order=10),
             Indicator("C2", "乙产值", "亿元", "万元", "output", clusters=("C",), order=11),
             Indicator("CZC", "集群产值", "亿元", "亿元", "formula", clusters=("C",), formula="C1+C2",
                       roster_measure="CZ", order=12))
    cat = dataclasses.replace(cat4, indicators=cat4.indicators + extra, _index={})
    ingest(ledger, submission("110101", outputs={("A", "CZ"): (D(1000), D(800)), ("B", "CZ"): (D(500), D(500)),
                                                 ("C", "C1"): (D(300), D(200)), ("C", "C2"): (D(200), D(100))}))
    figures = compute_figures(ledger, cat, P, now=NOW)
    assert fig(figures, "C", "CZC").value == D("0.05")  # (300 + 200) 万元
    total = fig(figures, "", "CZ")
    assert total.value == D("0.2")  # (1000 + 500 + 300 + 200) 万元
    assert total.last_year == D("0.16")  # (800 + 500 + 200 + 100) 万元
    assert total.yoy == D(25)
    first = sections.overall(figures, cat, wording.coverage(figures))[1].text
    assert "工业总产值0.20亿元，同比增长25.0%" in first  # not 0.15亿元（2个集群合计）


def test_a_stand_in_total_that_would_count_twice_or_mix_units_is_refused(tmp_path):
    from helpers import make_small_catalogue

    from reporttool.catalogue import CatalogueInvalid, load_catalogue
    from reporttool.catalogue.writer import write_catalogue

    base = make_small_catalogue()  # CZ (工业总产值) is reported by A and B
    bad = (Indicator("C1", "甲产值", "亿元", "万元", "output", clusters=("A", "C"), order=10),
           Indicator("X1", "重复", "亿元", "亿元", "formula", clusters=("A",), formula="C1", roster_measure="CZ", order=11),
           Indicator("X2", "无此码", "亿元", "亿元", "formula", clusters=("C",), formula="C1", roster_measure="QQ",
                     order=12),
           Indicator("X3", "游客", "万人次", "万人次", "formula", clusters=("C",), formula="YK", roster_measure="CZ",
                     order=13))
    path = write_catalogue(dataclasses.replace(base, indicators=base.indicators + bad, _index={}), tmp_path / "b.xlsx")
    with pytest.raises(CatalogueInvalid) as exc:
        load_catalogue(path)
    problems = [str(p) for p in exc.value.problems]
    assert any("集群A同时报送“CZ”" in p and "重复计算" in p for p in problems)
    assert any("“QQ”不是“指标”表中的代码" in p for p in problems)
    assert any("单位“亿元”与本指标的“万人次”不同" in p for p in problems)


def test_a_gap_is_the_difference_of_the_rates_as_shown_and_a_year_is_judged_against_the_target_itself():
    """Review 4 defects 11 and 4: “时间进度83.3%” beside “完成…83.0%，低于时间进度0.4个百分点”; 100.8 % of
    the annual target counted 基本完成 next to “超额完成年度目标0.8个百分点”."""
    from reporttool.figures import judge, shown_gap

    # 82.96 % and 83.333… % are shown 83.0 and 83.3: the gap is −0.3 (not −0.37 → −0.4)
    assert shown_gap(D("82.96"), D(250) / 3, 1) == D("-0.3")
    assert shown_gap(D("66.94"), D(200) / 3, 1) == D("0.2")  # 66.9 − 66.7
    # during the year the tolerance both ways; at 时序进度 100 anything over the target is 超前 (超额完成)
    assert [judge(D(g), D(5), D(50)) for g in ("0.8", "5.1", "-5", "-5.1")] == [ON_TRACK, AHEAD, ON_TRACK, LAGGING]
    assert [judge(D(g), D(5), D(100)) for g in ("0.8", "0.0", "-5", "-5.1")] == [AHEAD, ON_TRACK, ON_TRACK, LAGGING]
