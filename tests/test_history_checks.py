"""Consistency with history (docs/history.md): R-LY-REVISED, R-ROSTER-NEW/-GONE, R-MONTH-OUTLIER, each
against hand-computed values, firing and not firing at the boundary."""
from __future__ import annotations

import datetime as dt
import os
import zlib
from decimal import Decimal as D

from helpers import ingest, submission
from openpyxl import load_workbook
from stdnum.cn import uscc

from reporttool.checks.history import median, robust_score
from reporttool.core.models import VERIFY, Period
from reporttool.core.status import ST_PASSED, ST_VERIFY
from reporttool.figures.compute import current_versions, submission_states
from reporttool.figures.consistency import checked_versions
from reporttool.forms.writer import write_template
from reporttool.ledger import Ledger
from reporttool.pipeline.consolidate import run_consolidate
from reporttool.pipeline.importing import run_import

JUNE = Period(2025, 6)
HISTORY_RULES = ("R-LY-REVISED", "R-ROSTER-NEW", "R-ROSTER-GONE", "R-MONTH-OUTLIER")


def credit(n: int) -> str:
    base = f"91110000MA{n:07d}"
    return base + uscc.calc_check_digit(base)


def history_findings(ledger, cat, period, district="110101"):
    cv = checked_versions(ledger, cat, period)
    return [f for f in cv.findings.get(district, []) if f.rule in HISTORY_RULES]


# ---- a. 上年同期 against last year's 本年累计 ---------------------------------------------------------


def test_ly_revision_fires_beyond_the_threshold_only(small_workspace):
    """Last year 甲区 reported A/SR 本年累计 1000 万元 for 1-6月; default threshold 5 %:
    1050 (+5.0 %) and 950 (−5.0 %) pass, 1051 (+5.1 %) and 949 (−5.1 %) are 核实."""
    ws = small_workspace
    cat = ws.catalogue()
    with Ledger(ws) as ledger:
        ingest(ledger, submission("110101", outputs={("A", "SR"): (D(1000), None)}, period=Period(2024, 6)))
        ingest(ledger, submission("110102", outputs={("A", "SR"): (D(1000), None)}, period=Period(2024, 6)))
        ingest(ledger, submission("110101", outputs={("A", "SR"): (D(1200), D(1050))}))
        ingest(ledger, submission("110102", outputs={("A", "SR"): (D(1200), D(950))}))
        assert history_findings(ledger, cat, JUNE, "110101") == []
        assert history_findings(ledger, cat, JUNE, "110102") == []
        ingest(ledger, submission("110101", outputs={("A", "SR"): (D(1200), D(1051))}, tag="v2"),
               received=dt.datetime(2025, 7, 4, 9, 0))
        ingest(ledger, submission("110102", outputs={("A", "SR"): (D(1200), D(949))}, tag="v2"),
               received=dt.datetime(2025, 7, 4, 9, 0))
        (up,) = history_findings(ledger, cat, JUNE, "110101")
        (down,) = history_findings(ledger, cat, JUNE, "110102")
    assert up.rule == "R-LY-REVISED" and up.severity == VERIFY
    assert up.message == ("化工产业集群营业收入上年同期 1051万元 与本县区去年同期（2024年1-6月）报送的本年累计 1000万元 "
                          "相差5.1%，超过5%的核实阈值。请核实（如统计口径调整、数据更正）并在说明栏说明原因。")
    assert (up.sheet, up.row, up.column, up.cell) == ("集群产出", 5, "上年同期", "H5")
    assert up.value == "1051"  # 填报值 is what the cell holds  # G 本年累计, H 上年同期
    assert "相差5.1%" in down.message and "949万元" in down.message


def test_ly_revision_from_zero_and_without_last_year(small_workspace):
    ws = small_workspace
    cat = ws.catalogue()
    with Ledger(ws) as ledger:
        ingest(ledger, submission("110101", outputs={("A", "SR"): (D(0), None)}, period=Period(2024, 6)))
        ingest(ledger, submission("110101", outputs={("A", "SR"): (D(20), D(10))}))
        ingest(ledger, submission("110102", outputs={("A", "SR"): (D(20), D(10))}))  # nothing last year
        (f,) = history_findings(ledger, cat, JUNE, "110101")
        assert "本年累计 0万元 不一致（去年为0）" in f.message
        assert history_findings(ledger, cat, JUNE, "110102") == []


def test_ly_revision_threshold_is_a_catalogue_setting_and_a_note_explains(small_workspace):
    import dataclasses

    ws = small_workspace
    cat = ws.catalogue()
    cat = dataclasses.replace(cat, settings=dataclasses.replace(cat.settings, ly_revision_threshold=D(10)))
    with Ledger(ws) as ledger:
        ingest(ledger, submission("110101", outputs={("A", "SR"): (D(1000), None)}, period=Period(2024, 6)))
        sub = submission("110101", outputs={("A", "SR"): (D(1200), D(1080))})  # +8 %: under 10 %
        ingest(ledger, sub)
        assert history_findings(ledger, cat, JUNE) == []
        sub = submission("110101", outputs={("A", "SR"): (D(1200), D(1110))}, tag="v2")  # +11 %
        sub.tables["output"].rows[0].values["note"] = "统计口径调整：新增两户规上企业"
        ingest(ledger, sub, received=dt.datetime(2025, 7, 4, 9, 0))
        (f,) = history_findings(ledger, cat, JUNE)
        assert f.explanation == "统计口径调整：新增两户规上企业"
        cv = checked_versions(ledger, cat, JUNE)
        assert next(s for s in submission_states(cat, cv) if s.district == "110101").status == ST_PASSED


# ---- b. enterprises that came or went since last month ---------------------------------------------


def roster(*rows):
    return [{"credit_code": credit(n), "name": name, "cluster": c, "is_scale": "否", "revenue": D(1)}
            for n, name, c in rows]


def test_roster_new_and_gone_by_credit_code(small_workspace):
    """May: 甲公司, 乙公司 (A), 丙公司 (B). June: 乙公司, 丙公司, 丁公司 (A, new): one enterprise came (丁),
    one went (甲)."""
    ws = small_workspace
    cat = ws.catalogue()
    may = Period(2025, 5)
    with Ledger(ws) as ledger:
        ingest(ledger, submission("110101", period=may, outputs={("A", "SR"): (D(10), None)},
                                  roster=roster((1, "甲公司", "A"), (2, "乙公司", "A"), (3, "丙公司", "B"))))
        ingest(ledger, submission("110101", outputs={("A", "SR"): (D(20), None), ("B", "SR"): (D(5), None)},
                                  roster=roster((2, "乙公司", "A"), (3, "丙公司", "B"), (4, "丁公司", "A"))))
        found = {f.rule: f for f in history_findings(ledger, cat, JUNE)}
    assert set(found) == {"R-ROSTER-NEW", "R-ROSTER-GONE"}
    new, gone = found["R-ROSTER-NEW"], found["R-ROSTER-GONE"]
    assert new.message == ("化工产业集群与上期（2025年1-5月）相比，集群企业表新增1户企业：丁公司。请核实（新投产、新入规、"
                           "迁入或此前漏报），并在新增企业所在行的说明栏说明。")
    assert (new.sheet, new.row, new.column, new.cell) == ("集群企业", 7, "统一社会信用代码", "B7")
    assert "少了1户企业：甲公司" in gone.message and gone.message.startswith("化工产业集群")
    assert (gone.sheet, gone.row, gone.column) == ("集群产出", 5, "说明")  # the A row of 集群产出
    assert gone.severity == new.severity == VERIFY


def test_roster_unchanged_or_january_gives_nothing(small_workspace):
    ws = small_workspace
    cat = ws.catalogue()
    same = roster((1, "甲公司", "A"))
    with Ledger(ws) as ledger:
        ingest(ledger, submission("110101", period=Period(2025, 5), roster=same))
        ingest(ledger, submission("110101", roster=same))
        assert history_findings(ledger, cat, JUNE) == []
        ingest(ledger, submission("110101", period=Period(2024, 12), roster=same))
        ingest(ledger, submission("110101", period=Period(2025, 1), roster=roster((2, "乙公司", "A"))))
        assert history_findings(ledger, cat, Period(2025, 1)) == []  # rosters change at the year's start


def test_many_names_are_cut_with_a_count(small_workspace):
    ws = small_workspace
    cat = ws.catalogue()
    with Ledger(ws) as ledger:
        ingest(ledger, submission("110101", period=Period(2025, 5), roster=roster((99, "老企业", "A"))))
        ingest(ledger, submission("110101", roster=roster((99, "老企业", "A"),
                                                          *[(n, f"新{n}", "A") for n in range(1, 8)])))
        (f,) = history_findings(ledger, cat, JUNE)
    assert "新增7户企业：新1、新2、新3、新4、新5等7户" in f.message


# ---- c. 当月 far from the district's own history ----------------------------------------------------

YTD = [100000, 220000, 330000, 460000, 550000, 650000]  # 万元, January … June: 当月 10, 12, 11, 13, 9, 10 亿元


def months(ledger, ytd, year=2025):
    for m, v in enumerate(ytd, 1):
        ingest(ledger, submission("110101", outputs={("A", "SR"): (D(v), None)}, period=Period(year, m)))


def test_median_and_mad_by_hand():
    history = [D(10), D(12), D(11), D(13), D(9), D(10)]
    assert median(history) == D("10.5")
    # deviations 0.5 1.5 0.5 2.5 1.5 0.5 -> MAD 1.0; score of 16 = 0.6745 × 5.5 = 3.70975
    assert robust_score(D(16), history) == (D("3.70975"), D("10.5"))
    assert robust_score(D(16), history[:5]) is None  # fewer than 6 months
    assert robust_score(D(16), [D(10)] * 6) is None  # MAD 0


def test_month_outlier_fires_beyond_the_cut_off(small_workspace):
    """History 10, 12, 11, 13, 9, 10 (亿元): median 10.5, MAD 1. July 当月 15 scores 0.6745 × 4.5 = 3.04
    (no finding), 16 scores 3.71 (> 3.5: 核实)."""
    ws = small_workspace
    cat = ws.catalogue()
    july = Period(2025, 7)
    with Ledger(ws) as ledger:
        months(ledger, YTD)
        ingest(ledger, submission("110101", outputs={("A", "SR"): (D(800000), None)}, period=july))
        assert history_findings(ledger, cat, july) == []
        ingest(ledger, submission("110101", outputs={("A", "SR"): (D(810000), None)}, period=july, tag="v2"),
               received=dt.datetime(2025, 8, 4, 9, 0))
        (f,) = history_findings(ledger, cat, july)
    assert f.rule == "R-MONTH-OUTLIER"
    assert f.message == ("化工产业集群营业收入当月 16亿元（本年累计减上月）远离本县区以往6个月的当月值（中位数 10.5亿元），"
                         "稳健分数 3.7，超过±3.5。请核实并在说明栏说明原因。")
    assert (f.sheet, f.row, f.column, f.cell) == ("集群产出", 5, "本年累计", "G5")
    assert f.value == "810000"  # 填报值 is the 本年累计 typed, the 当月 is in the message


def test_month_outlier_needs_six_months_and_reaches_into_last_year(small_workspace):
    ws = small_workspace
    cat = ws.catalogue()
    with Ledger(ws) as ledger:
        months(ledger, YTD[:5])  # January … May: five months of history for June
        ingest(ledger, submission("110101", outputs={("A", "SR"): (D(5500000), None)}))  # 当月 495 亿元
        assert history_findings(ledger, cat, JUNE) == []
        # last December (its 当月 = Dec − Nov) makes six months
        ingest(ledger, submission("110101", outputs={("A", "SR"): (D(1000000), None)}, period=Period(2024, 11)))
        ingest(ledger, submission("110101", outputs={("A", "SR"): (D(1110000), None)}, period=Period(2024, 12)))
        (f,) = history_findings(ledger, cat, JUNE)
    assert "以往6个月" in f.message and "当月 495亿元" in f.message


# ---- end to end: import last year, consolidate this year, the finding in 问题清单 and feedback ------


def test_import_then_consolidate_shows_the_finding_in_feedback_and_issue_list(small_workspace, tmp_path):
    ws = small_workspace
    cat = ws.catalogue()
    code = credit(zlib.crc32(b"jia") % 10**7)

    def form(folder, name, period, value, ly=None, when=dt.datetime(2025, 7, 3, 9, 0)):
        path = write_template(cat, "110101", period, folder / name,
                              roster=[{"credit_code": code, "name": "甲企业", "cluster": "A", "is_scale": "否",
                                       "revenue": D(1)}],
                              outputs={("A", "SR"): {"value": D(value), "value_ly": D(ly) if ly else None}})
        os.utime(path, (when.timestamp(), when.timestamp()))
        return path

    run_import(ws, [form(tmp_path, "甲区2024年6月.xlsx", Period(2024, 6), 1000)])
    form(ws.inbox, "甲区.xlsx", JUNE, 1300, ly=1200)  # 上年同期 1200 against 1000 reported: +20 %
    result = run_consolidate(ws, JUNE, workers=1, now=dt.datetime(2025, 7, 8, 9, 0))
    (f,) = [f for f in result.figures.findings if f.rule == "R-LY-REVISED"]
    assert f.district == "110101" and "相差20%" in f.message
    state = next(s for s in result.states if s.district == "110101")
    assert state.status == ST_VERIFY
    book = next(p for p in result.outputs if "汇总表" in p.name)
    issues = [c.value for row in load_workbook(book)["问题清单"].iter_rows() for c in row]
    assert any(isinstance(v, str) and "相差20%" in v for v in issues)
    feedback = next(p for p in result.outputs if p.parent.name == "反馈")
    fb = load_workbook(feedback)
    texts = [c.value for ws_ in fb.worksheets for row in ws_.iter_rows() for c in row]
    assert any(isinstance(v, str) and "相差20%" in v for v in texts)
    comments = [c.comment.text for row in fb["集群产出"].iter_rows() for c in row if c.comment]
    assert any("上年同期" in t for t in comments)
    with Ledger(ws) as ledger:  # the plain versions in use (no history) do not have it: the check adds it
        assert not any(f.rule == "R-LY-REVISED" for f in current_versions(ledger, cat, JUNE).findings["110101"])


def test_an_empty_roster_does_not_list_every_enterprise_as_gone(small_workspace):
    """A roster left empty is R-ROSTER-EMPTY's error already: R-ROSTER-GONE does not repeat every name."""
    ws = small_workspace
    cat = ws.catalogue()
    with Ledger(ws) as ledger:
        ingest(ledger, submission("110101", period=Period(2025, 5), roster=roster((1, "甲公司", "A"), (2, "乙公司", "A"))))
        ingest(ledger, submission("110101", outputs={("A", "SR"): (D(20), None)}))
        assert [f.rule for f in history_findings(ledger, cat, JUNE)] == []


# ---- one version, one set of findings, whichever consolidation shows it ------------------------------


def test_a_quarter_shows_the_findings_of_its_months_forms(small_workspace):
    """2025-Q3 is made of the September forms, so it shows September's findings: each form is compared
    with August (R-ROSTER-GONE, R-MONTH-OUTLIER, R-YTD-FALL) and with 2024年1-9月 (R-LY-REVISED), not with
    the June forms of 2025-Q2 or a “2024年三季度”.

    甲区: 当月 10, 12, 11, 13, 9, 10, 11, 10 亿元 January … August, then 30 (outlier); 甲公司 listed in
    August, gone in September. 乙县: A/SR 上年同期 1100 against 1000 reported for 2024年1-9月 (+10 % > 5 %);
    B/SR 1000 in June, 1300 in August, 1200 in September: below August (an error), above June."""
    ws = small_workspace
    cat = ws.catalogue()
    sep, q3 = Period(2025, 9), Period(2025, 9, True)
    ytd = [*YTD, 760000, 860000]
    with Ledger(ws) as ledger:
        for m, v in enumerate(ytd[:7], 1):
            ingest(ledger, submission("110101", outputs={("A", "SR"): (D(v), None)}, period=Period(2025, m)))
        ingest(ledger, submission("110101", outputs={("A", "SR"): (D(ytd[7]), None)}, period=Period(2025, 8),
                                  roster=roster((1, "甲公司", "A"), (2, "乙公司", "A"))))
        ingest(ledger, submission("110101", outputs={("A", "SR"): (D(1160000), None)}, period=sep,
                                  roster=roster((2, "乙公司", "A"))))
        ingest(ledger, submission("110102", outputs={("A", "SR"): (D(1000), None)}, period=Period(2024, 9)))
        ingest(ledger, submission("110102", outputs={("B", "SR"): (D(1000), None)}, period=Period(2025, 6)))
        ingest(ledger, submission("110102", outputs={("B", "SR"): (D(1300), None)}, period=Period(2025, 8)))
        ingest(ledger, submission("110102", outputs={("A", "SR"): (D(1200), D(1100)), ("B", "SR"): (D(1200), None)},
                                  period=sep))
        rules = (*HISTORY_RULES, "R-YTD-FALL")
        shown = {}
        for p in (sep, q3):
            cv = checked_versions(ledger, cat, p)
            shown[p.key] = sorted((f.district, f.rule, f.cell, f.message) for d in ("110101", "110102")
                                  for f in cv.findings.get(d, []) if f.rule in rules)
    assert shown["2025-Q3"] == shown["2025-09"]
    assert [(d, r, c) for d, r, c, _ in shown["2025-Q3"]] == [
        ("110101", "R-MONTH-OUTLIER", "G5"), ("110101", "R-ROSTER-GONE", "I5"),
        ("110102", "R-LY-REVISED", "H5"), ("110102", "R-YTD-FALL", "G6")]
    messages = [m for *_, m in shown["2025-Q3"]]
    assert "与上期（2025年1-8月）相比，集群企业表少了1户企业：甲公司" in messages[1]
    assert messages[2] == ("化工产业集群营业收入上年同期 1100万元 与本县区去年同期（2024年1-9月）报送的本年累计 1000万元 "
                           "相差10%，超过5%的核实阈值。请核实（如统计口径调整、数据更正）并在说明栏说明原因。")
    assert messages[3] == "装备制造产业集群营业收入（万元）本年累计 1200 低于上期（2025年1-8月）本年累计 1300，月度累计数不能回落。"
