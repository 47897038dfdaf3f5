"""Defects of the history findings (issue 13 item 5): a smooth history's tiny MAD, an enterprise still listed
under a mistyped or changed credit code, a cluster whose roster is empty this month; and a 当月 from a
本年累计 that fell below last month's. Hand-computed values."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

from helpers import credit_code, ingest, submission

from reporttool.checks.history import robust_score
from reporttool.checks.single import check_submission
from reporttool.core.models import VERIFY, Period
from reporttool.figures.compute import compute_figures
from reporttool.figures.consistency import checked_versions
from reporttool.figures.months import add_months
from reporttool.ledger import Ledger
from reporttool.render.prose import month_words
from reporttool.render.workbook import month_notes

JUNE = Period(2025, 6)
MAY = Period(2025, 5)
HISTORY_RULES = ("R-LY-REVISED", "R-ROSTER-NEW", "R-ROSTER-GONE", "R-ROSTER-RECODED", "R-MONTH-OUTLIER")


def credit(n: int) -> str:
    return credit_code(n)


def history_findings(ledger, cat, period, district="110101"):
    cv = checked_versions(ledger, cat, period)
    return [f for f in cv.findings.get(district, []) if f.rule in HISTORY_RULES]


# ---- R-MONTH-OUTLIER: the scale has a floor relative to the median ------------------------------------------

SMOOTH = [D("100.0"), D("100.2"), D("100.0"), D("100.2"), D("100.0"), D("100.2")]  # median 100.1, MAD 0.1


def test_a_small_wobble_on_a_smooth_history_is_not_far():
    """MAD 0.1: 101.6 (1.5 % off the median) scored 0.6745 × 1.5 / 0.1 = 10.1175 without a floor. With the
    10 % floor the scale is max(0.1 / 0.6745 = 0.148, 100.1 × 10 % = 10.01): 1.5 / 10.01 = 0.1499."""
    assert robust_score(D("101.6"), SMOOTH) == (D("10.1175"), D("100.1"))
    score, med = robust_score(D("101.6"), SMOOTH, D(10))
    assert (score.quantize(D("0.0001")), med) == (D("0.1499"), D("100.1"))
    # 136: 35.9 / 10.01 = 3.5864 (beyond 3.5); 135: 34.9 / 10.01 = 3.4865 (not)
    assert robust_score(D(136), SMOOTH, D(10))[0].quantize(D("0.0001")) == D("3.5864")
    assert robust_score(D(135), SMOOTH, D(10))[0].quantize(D("0.0001")) == D("3.4865")


def test_the_floor_scores_a_flat_history_and_the_mad_wins_when_larger():
    # all ten: MAD 0, scale 10 × 10 % = 1; 15 scores 5 (without a floor a flat history says nothing)
    assert robust_score(D(15), [D(10)] * 6, D(10)) == (D(5), D(10))
    assert robust_score(D(15), [D(10)] * 6) is None
    assert robust_score(D(15), [D(0)] * 6, D(10)) is None  # a scale of 0 either way
    # 10 12 11 13 9 10: median 10.5, MAD 1, 1 / 0.6745 = 1.48 > 1.05: the plain modified z-score, 3.70975
    assert robust_score(D(16), [D(10), D(12), D(11), D(13), D(9), D(10)], D(10)) == (D("3.70975"), D("10.5"))


def months(ledger, monthly, year=2025):
    """January … of 当月 (亿元) as 本年累计 in 万元."""
    ytd = D(0)
    for m, v in enumerate(monthly, 1):
        ytd += v * 10000
        ingest(ledger, submission("110101", outputs={("A", "SR"): (ytd, None)}, period=Period(year, m)),
               received=dt.datetime(year, m + 1, 3, 10, 0))
    return ytd


def test_month_outlier_on_a_smooth_history_uses_the_catalogue_floor(small_workspace):
    """January … June 当月 100, 100.2, …: July 101.6 is no finding (10.1 before the floor), 136 is one."""
    ws = small_workspace
    cat = ws.catalogue()
    july = Period(2025, 7)
    with Ledger(ws) as ledger:
        june_ytd = months(ledger, SMOOTH)
        assert june_ytd == D(6006000)
        ingest(ledger, submission("110101", outputs={("A", "SR"): (june_ytd + 1016000, None)}, period=july),
               received=dt.datetime(2025, 8, 3, 9, 0))
        assert history_findings(ledger, cat, july) == []
        ingest(ledger, submission("110101", outputs={("A", "SR"): (june_ytd + 1360000, None)}, period=july,
                                  tag="v2"), received=dt.datetime(2025, 8, 4, 9, 0))
        (f,) = history_findings(ledger, cat, july)
    assert f.message == ("化工产业集群营业收入当月 136亿元（本年累计减上月）远离本县区以往6个月的当月值（中位数 100.1亿元），"
                         "稳健分数 3.6，超过±3.5。请核实并在说明栏说明原因。")


# ---- R-ROSTER-GONE: matched by name as well; not beside R-ROSTER-MISSING ----------------------------------------

def rows(*entries):
    return [{"credit_code": code, "name": name, "cluster": c, "is_scale": "否", "revenue": D(1)}
            for code, name, c in entries]


def checked(ledger, cat, sub, period=JUNE):
    """``sub`` through the per-file rules (rows with an error excluded), then into the ledger."""
    found = check_submission(sub, cat, period)
    ingest(ledger, sub, findings=found)
    return found


def test_an_enterprise_under_a_mistyped_code_has_not_vanished(small_workspace):
    """May: 甲公司, 乙公司. June: 甲公司 under its code with the last character wrong (R-CREDIT-CHECK, the row
    excluded), 乙公司: the wrong code is the one finding, 甲公司 is not reported gone."""
    ws = small_workspace
    cat = ws.catalogue()
    good = credit(1)
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    with Ledger(ws) as ledger:
        checked(ledger, cat, submission("110101", period=MAY, outputs={("A", "SR"): (D(10), None)},
                                        roster=rows((good, "甲公司", "A"), (credit(2), "乙公司", "A"))), MAY)
        found = checked(ledger, cat, submission("110101", outputs={("A", "SR"): (D(20), None)},
                                                roster=rows((bad, "甲 公司", "A"), (credit(2), "乙公司", "A"))))
        assert [(f.rule, f.cell) for f in found] == [("R-CREDIT-CHECK", "B5")]
        assert history_findings(ledger, cat, JUNE) == []


def test_an_enterprise_under_another_valid_code_is_a_changed_code(small_workspace):
    """May: 甲公司 (code 1), 乙公司. June: 甲公司 under code 3 (valid): neither new nor gone, one
    R-ROSTER-RECODED at its code."""
    ws = small_workspace
    cat = ws.catalogue()
    with Ledger(ws) as ledger:
        checked(ledger, cat, submission("110101", period=MAY, outputs={("A", "SR"): (D(10), None)},
                                        roster=rows((credit(1), "甲公司", "A"), (credit(2), "乙公司", "A"))), MAY)
        checked(ledger, cat, submission("110101", outputs={("A", "SR"): (D(20), None)},
                                        roster=rows((credit(2), "乙公司", "A"), (credit(3), "甲公司", "A"))))
        (f,) = history_findings(ledger, cat, JUNE)
    assert f.rule == "R-ROSTER-RECODED" and f.severity == VERIFY
    assert f.message == (f"“甲公司”上期（2025年1-5月）的统一社会信用代码为{credit(1)}，本期为{credit(3)}。同一企业的"
                         "信用代码一般不变，请核对是否填错；确有变更的请在本行说明栏说明。")
    assert (f.sheet, f.row, f.column, f.cell, f.value) == ("集群企业", 6, "统一社会信用代码", "B6", credit(3))


def test_a_cluster_whose_roster_is_empty_is_reported_once(small_workspace):
    """May: 甲公司, 乙公司 (A), 丙公司 (B). June: only 丙公司 while A's revenue is reported: R-ROSTER-MISSING
    says A has no roster; its two enterprises are not also listed as gone. B lost nobody."""
    ws = small_workspace
    cat = ws.catalogue()
    with Ledger(ws) as ledger:
        checked(ledger, cat, submission("110101", period=MAY,
                                        outputs={("A", "SR"): (D(10), None), ("B", "SR"): (D(5), None)},
                                        roster=rows((credit(1), "甲公司", "A"), (credit(2), "乙公司", "A"),
                                                    (credit(3), "丙公司", "B"))), MAY)
        found = checked(ledger, cat, submission("110101", outputs={("A", "SR"): (D(20), None),
                                                                   ("B", "SR"): (D(9), None)},
                                                roster=rows((credit(3), "丙公司", "B"))))
        assert [(f.rule, f.cell) for f in found if f.rule.startswith("R-ROSTER")] == [("R-ROSTER-MISSING", "G5")]
        assert history_findings(ledger, cat, JUNE) == []


# ---- 当月 from a 本年累计 that fell below last month's ------------------------------------------------------

def projects(*done):
    return [{"name": f"项目{i}", "cluster": "A", "status": "在建", "total": D(100000), "done_year": D(v)}
            for i, v in enumerate(done, 1)]


def test_a_fallen_year_to_date_gives_no_month_and_is_named(small_workspace):
    """项目完成投资 of cluster A. 甲区: May 3000 + 1000 万元 (0.4 亿元), June only 3500 listed (the other row
    not counted this month): 0.35 < 0.4, no 当月 (was −0.05). 乙县: 2000 → 3000 万元, 当月 0.1 亿元. The city's
    当月 is 乙县's 0.1 (was 0.05), over 1 district, and the brief and the 总表 note say why."""
    ws = small_workspace
    cat = ws.catalogue()
    with Ledger(ws) as ledger:
        ingest(ledger, submission("110101", period=MAY, projects=projects(3000, 1000)),
               received=dt.datetime(2025, 6, 3, 9, 0))
        ingest(ledger, submission("110102", period=MAY, projects=projects(2000)), received=dt.datetime(2025, 6, 3, 9, 0))
        ingest(ledger, submission("110101", projects=projects(3500)))
        ingest(ledger, submission("110102", projects=projects(3000)))
        figs = add_months(compute_figures(ledger, cat, JUNE), ledger, cat)
    city = next(f for f in figs.clusters if (f.cluster, f.indicator) == ("A", "TZ"))
    jia = next(f for f in figs.districts if (f.cluster, f.indicator, f.district) == ("A", "TZ", "110101"))
    yi = next(f for f in figs.districts if (f.cluster, f.indicator, f.district) == ("A", "TZ", "110102"))
    assert (city.value, city.month_value, city.month_districts) == (D("0.65"), D("0.1"), 1)
    assert (city.month_fallen, city.month_partial) == (("110101",), True)
    assert (jia.month_value, jia.month_fallen) == (None, ("110101",))
    assert (yi.month_value, yi.month_fallen) == (D("0.1"), ())
    assert month_words(city, cat.indicator("TZ"), cat, 6) == "6月当月完成0.10亿元（甲区本年累计低于上月，未计入；按1个县区计）"
    assert month_notes(figs, cat)[-1] == ("化工项目完成投资（甲区）本年累计低于上月（本月有企业或项目行未通过审核未计入，"
                                          "或名录、项目较上月减少），不计算该县区的当月（分县区表为“—”），所在集群的当月不含该县区。")
