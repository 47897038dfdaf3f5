"""当月, 环比, 完成率较上月 and the year's path (figures/months.py), against hand-computed values.

The ledger is built in code: 甲区 reports cluster A 营业收入 100000 / 250000 / 420000 万元 for January /
February / March 2025 (10 / 25 / 42 亿元), 乙县 50000 / 120000 万元 for January / February and nothing
for March. The small catalogue's target for A 营业收入 is 100 亿元, for the whole programme 200 亿元.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

from helpers import APR, FEB, JAN, MAR, figures_with_months, ingest_month

from reporttool.core.models import Period
from reporttool.ledger import Ledger

NOV24, DEC24 = Period(2024, 11), Period(2024, 12)
A, B = "110101", "110102"  # 甲区, 乙县


def fig(figs, cluster, indicator, district=""):
    pool = figs.districts if district else (figs.programme if cluster == "" else figs.clusters)
    return next(f for f in pool if f.cluster == cluster and f.indicator == indicator and f.district == district)


def test_february_month_is_the_difference_over_both_districts(quarter, small_catalogue):
    f = fig(figures_with_months(quarter, small_catalogue, FEB), "A", "SR")
    assert f.month_value == D(22)  # (25 − 10) + (12 − 5) 亿元
    assert f.month_districts == 2
    assert f.month_before == D(15)  # January's 当月 is its 本年累计: 10 + 5
    assert f.mom == (D(22) / D(15) - 1) * 100  # 46.67 %
    assert f.completion_change == D(37) - D(15)  # 完成率 37 % (37 of 100) against 15 %


def test_a_district_missing_this_month_takes_no_part_never_a_wrong_number(quarter, small_catalogue):
    figs = figures_with_months(quarter, small_catalogue, MAR)
    city = fig(figs, "A", "SR")
    assert city.value == D(42)  # 乙县 sent no March: 本年累计 is 甲区's alone
    assert city.month_value == D(17)  # 42 − 25 (甲区), not 42 − 37
    assert city.month_districts == 1
    assert city.month_before == D(15)  # 甲区's February 当月, 25 − 10: the same district (同口径)
    assert city.mom == (D(17) / D(15) - 1) * 100
    # like for like: 甲区's 当月 17 of the target 100, not 42 % − 37 % (February's 37 counted 乙县's 12)
    assert city.completion_change == D(17)
    assert city.change_districts == 1 and city.change_partial
    assert fig(figs, "A", "SR", A).month_value == D(17)
    assert fig(figs, "A", "SR", B).month_value is None  # “—”


def test_a_district_missing_last_month_has_no_month_this_month(ledger, small_catalogue):
    ingest_month(ledger, JAN, A, {("A", "SR"): 100000})
    ingest_month(ledger, FEB, A, {("A", "SR"): 250000})
    ingest_month(ledger, FEB, B, {("A", "SR"): 120000})  # 乙县 skipped January
    figs = figures_with_months(ledger, small_catalogue, FEB)
    assert fig(figs, "A", "SR").month_value == D(15)  # 甲区 only
    assert fig(figs, "A", "SR", B).month_value is None
    assert fig(figs, "A", "SR").month_districts == 1


def test_january_month_is_its_year_to_date_and_mom_against_last_december(quarter, small_catalogue):
    figs = figures_with_months(quarter, small_catalogue, JAN)
    f = fig(figs, "A", "SR")
    assert f.month_value == D(15)
    assert f.mom is None and f.month_before is None  # no December 2024 in the ledger: “—”
    assert f.completion_change is None  # a new year's target: no 较上月
    ingest_month(quarter, NOV24, A, {("A", "SR"): 900000})
    ingest_month(quarter, DEC24, A, {("A", "SR"): 1000000})
    f = fig(figures_with_months(quarter, small_catalogue, JAN), "A", "SR")
    assert f.month_before == D(10)  # December 2024: 100 − 90 亿元 (甲区 only: 乙县 has no December)
    assert f.mom == D(0)  # 甲区's January 10 against 10
    assert f.month_value == D(15)  # the 当月 shown stays over both districts


def test_stocks_and_ratios_have_no_month(quarter, small_catalogue):
    figs = figures_with_months(quarter, small_catalogue, FEB)
    assert fig(figs, "A", "GS").month_value is None  # 规上企业户数: a stock
    assert fig(figs, "B", "ZB").month_value is None  # 占比: a ratio


def test_programme_month_adds_the_clusters(quarter, small_catalogue):
    f = fig(figures_with_months(quarter, small_catalogue, MAR), "", "SR")
    assert f.month_value == D(17) + D("0.05")  # A: 17 亿元; B: (1500 − 1000) 万元 = 0.05 亿元
    assert f.month_districts == 1
    assert f.completion_change == (D(17) + D("0.05")) / 2  # 当月 17.05 of 200, not 21.075 % − 18.55 %
    assert f.change_partial


def test_the_year_path_of_each_headline_figure(quarter, small_catalogue):
    figs = figures_with_months(quarter, small_catalogue, MAR)
    path = [m for m in figs.months if m.cluster == "A"]
    assert [m.period for m in path] == [JAN, FEB, MAR]
    assert {m.indicator for m in path} == {"SR"}
    assert [m.value for m in path] == [D(15), D(37), D(42)]
    assert [m.month_value for m in path] == [D(15), D(22), D(17)]
    assert [m.completion for m in path] == [D(15), D(37), D(42)]
    assert [m.time_progress for m in path] == [D(100) / 12, D(200) / 12, D(300) / 12]
    assert [m.n_districts for m in path] == [2, 2, 1]
    assert [m.month_districts for m in path] == [2, 2, 1]
    assert [m.changed for m in path] == [(), (), (B,)]  # 乙县 in February's 本年累计, not in March's
    assert all(m.cluster in {"A", "B"} for m in figs.months)  # C's 游客 has no 完成率-against-时序进度 here


def test_a_quarterly_period_has_no_month_figures(quarter, small_catalogue):
    q1 = Period(2025, 3, quarterly=True)
    figs = figures_with_months(quarter, small_catalogue, q1)
    assert figs.months == [] and all(f.month_value is None for f in figs.clusters)


def test_a_changed_march_changes_aprils_month(quarter, small_catalogue):
    """A corrected March, then the first March restored: April's 当月 follows the March in use each time."""
    ingest_month(quarter, APR, A, {("A", "SR"): 600000})
    assert fig(figures_with_months(quarter, small_catalogue, APR), "A", "SR").month_value == D(18)  # 60 − 42
    first = quarter.current(MAR.key)[A].id
    ingest_month(quarter, MAR, A, {("A", "SR"): 400000}, tag="更正", day=9)
    assert fig(figures_with_months(quarter, small_catalogue, APR), "A", "SR").month_value == D(20)  # 60 − 40
    assert fig(figures_with_months(quarter, small_catalogue, MAR), "A", "SR").month_value == D(15)  # 40 − 25
    quarter.restore(MAR.key, A, first)
    assert fig(figures_with_months(quarter, small_catalogue, APR), "A", "SR").month_value == D(18)


def test_consolidating_again_after_a_march_correction_and_a_restore(small_workspace):
    """The whole run: April's 当月 follows March's version in use (a correction, then the first one restored)."""
    from helpers import put

    from reporttool.pipeline.consolidate import run_consolidate

    ws = small_workspace

    def run(period, sr, name="", when=None):
        when = when or dt.datetime(2025, period.month + 1, 3, 10, 0)
        put(ws, name or f"甲区{period.month}月.xlsx", A, sr=sr, period=period, when=when)
        return run_consolidate(ws, period, now=when + dt.timedelta(days=1))

    for p, sr in ((JAN, "100000"), (FEB, "250000"), (MAR, "420000")):
        run(p, sr)
    assert fig(run(APR, "600000").figures, "A", "SR").month_value == D(18)
    run(MAR, "400000", "甲区3月更正.xlsx", dt.datetime(2025, 4, 9, 10, 0))
    again = run_consolidate(ws, APR, now=dt.datetime(2025, 5, 10))
    assert fig(again.figures, "A", "SR").month_value == D(20)
    with Ledger(ws) as ledger:
        first = next(r for r in ledger.submissions(period=MAR.key) if r.file_name == "甲区3月.xlsx")
        ledger.restore(MAR.key, A, first.id)
    restored = run_consolidate(ws, APR, now=dt.datetime(2025, 5, 11))
    assert fig(restored.figures, "A", "SR").month_value == D(18)
    assert [m.month_value for m in restored.figures.months if m.cluster == "A"] == [D(10), D(15), D(17), D(18)]


def test_month_partial_says_when_the_month_is_not_the_difference_of_the_totals(quarter, small_catalogue):
    assert fig(figures_with_months(quarter, small_catalogue, MAR), "A", "SR").month_partial  # 乙县 in February only
    assert not fig(figures_with_months(quarter, small_catalogue, FEB), "A", "SR").month_partial
    assert not fig(figures_with_months(quarter, small_catalogue, JAN), "A", "SR").month_partial


def test_one_month_of_data_has_no_path(ledger, small_catalogue):
    ingest_month(ledger, MAR, A, {("A", "SR"): 420000})
    figs = figures_with_months(ledger, small_catalogue, MAR)
    assert figs.months == []  # January and February are not in the ledger
    assert fig(figs, "A", "SR").month_value is None  # nor is February: no 当月


def test_completion_change_with_the_same_districts_is_the_plain_difference(quarter, small_catalogue):
    f = fig(figures_with_months(quarter, small_catalogue, FEB), "A", "SR")
    assert f.completion_change == D(22)  # 37 % − 15 %, both months over 甲区 and 乙县
    assert f.change_districts == 2 and not f.change_partial


def test_a_district_that_joins_adds_nothing_to_the_completion_change(ledger, small_catalogue):
    # 甲区 and 乙县 report cluster A's 营业收入; the same change on a district that joins in February
    ingest_month(ledger, JAN, A, {("A", "SR"): 100000})
    ingest_month(ledger, FEB, A, {("A", "SR"): 300000})
    ingest_month(ledger, FEB, B, {("A", "SR"): 900000})  # 乙县 joins: 90 亿元 is not February's progress
    f = fig(figures_with_months(ledger, small_catalogue, FEB), "A", "SR")
    assert f.completion == D(120)  # (30 + 90) of 100 as the 总表 shows it
    assert f.completion_change == D(20)  # 甲区 30 − 10, not 120 % − 10 %
    assert f.change_districts == 1 and f.change_partial


def _scale_roster(n: int, tag: str) -> list[dict]:
    return [{"credit_code": f"{tag}{k}", "name": f"{tag}企业{k}", "cluster": "A", "is_scale": "是",
             "revenue": D(3000)} for k in range(n)]


def test_a_stock_completion_change_is_over_the_districts_in_both_months(ledger, small_catalogue):
    from helpers import ingest, submission

    # 规上企业户数 of A (target 20): January 甲区 4; February 甲区 6 and 乙县 5, which joins
    for district, period, n in ((A, JAN, 4), (A, FEB, 6), (B, FEB, 5)):
        ingest(ledger, submission(district, roster=_scale_roster(n, district), period=period),
               received=dt.datetime(2025, period.month + 1, 3, 10, 0))
    f = fig(figures_with_months(ledger, small_catalogue, FEB), "A", "GS")
    assert (f.completion, f.month_value) == (D(55), None)  # 11 of 20; a stock has no 当月
    assert f.completion_change == D(10)  # 甲区 6 − 4 of 20, not 55 % − 20 %
    assert f.change_districts == 1 and f.change_partial
