"""问题清单: every 填报值 with its unit, the robust score of R-MONTH-OUTLIER in words (render/finding_words.py)."""
from __future__ import annotations

import datetime as dt
import os
import zlib
from decimal import Decimal as D

from openpyxl import load_workbook
from stdnum.cn import uscc

from reporttool.core.models import ERROR, VERIFY, Finding, Period
from reporttool.forms.writer import write_template
from reporttool.pipeline.consolidate import run_consolidate
from reporttool.render.finding_words import explain_score, list_notes, value_text, value_unit

P = Period(2025, 6)
ON_TIME = dt.datetime(2025, 7, 3, 10, 0)
NOW = dt.datetime(2025, 7, 8, 9, 0)


def test_value_with_the_unit_the_district_typed_it_in():
    out = Finding("R-YOY-SWING", VERIFY, "…", sheet="集群产出", column="本年累计", value="211265.23", unit="万元")
    assert value_text(out) == "211265.23万元"
    assert value_text(Finding("R-YOY-SWING", VERIFY, "…", sheet="集群产出", column="本年累计", value="12.5",
                              unit="%")) == "12.5%"
    assert value_unit(Finding("X", VERIFY, "…", sheet="集群产出", column="说明", value="12", unit="万元")) == ""
    assert value_text(Finding("R-INV-TOTAL", ERROR, "…", sheet="投资项目", column="本年累计完成投资",
                              value="3152.21")) == "3152.21万元"
    assert value_text(Finding("R-X", VERIFY, "…", sheet="集群企业", column="从业人员", value="35")) == "35人"
    # a credit code is digits but no amount; text typed in an amount cell keeps no unit
    assert value_text(Finding("R-CREDIT-CHECK", ERROR, "…", sheet="集群企业", column="统一社会信用代码",
                              value="912114005400562320")) == "912114005400562320"
    assert value_text(Finding("R-NUM", ERROR, "…", sheet="投资项目", column="总投资", value="约五千")) == "约五千"


def test_the_robust_score_is_said_in_typical_swings():
    msg = "当月 9.94亿元（本年累计减上月）远离本县区以往17个月的当月值（中位数 2.17亿元），稳健分数 120，超过±3.5。"
    # the score is (当月 − 中位数) ÷ the typical swing (checks/history.robust_score): 120 of them above
    assert explain_score(msg) == ("当月 9.94亿元（本年累计减上月）远离本县区以往17个月的当月值（中位数 2.17亿元），稳健分数 120"
                                  "（当月高出本县区以往当月中位数约120个典型波动），超过±3.5。")
    assert "稳健分数 -4.25（当月低于本县区以往当月中位数约4.3个典型波动）" in explain_score("稳健分数 -4.25，超过±3.5。")
    assert explain_score("同比增长66.2%，超过±30%的核实阈值。") == "同比增长66.2%，超过±30%的核实阈值。"


def test_notes_say_which_unit_and_what_the_score_means(small_catalogue):
    cat = small_catalogue
    plain = Finding("R-CREDIT-CHECK", ERROR, "…", sheet="集群企业", column="统一社会信用代码", value="9121")
    assert list_notes([plain], cat) == []
    amount = Finding("R-YOY-SWING", VERIFY, "…", sheet="集群产出", column="本年累计", value="200", unit="万元")
    outlier = Finding("R-MONTH-OUTLIER", VERIFY, "稳健分数 120", sheet="集群产出", column="本年累计", value="200",
                      unit="万元")
    unit_note, score_note = list_notes([amount, outlier], cat)
    assert unit_note == ("填报值为县区报表中所填的原数，后附报表的计量单位（集群产出表为各行的计量单位，集群企业表、投资项目表的"
                         "金额为万元）；问题说明中的当月值、中位数等按汇总表的单位（报表的万元在汇总表中为亿元）。")
    assert score_note == ("“当月值异常”的稳健分数衡量本月当月值离本县区以往各月当月值的中位数有多远：稳健分数＝（当月－中位数）"
                          "÷典型波动，典型波动为以往各月当月值偏离中位数的一般幅度（偏离值的中位数÷0.6745），且不小于中位数的"
                          "10%；绝对值超过3.5即远超本县区平常的起伏，括号中写明了高出或低于中位数的典型波动个数。")


def test_the_summary_lists_the_typed_value_with_its_row_unit(small_workspace):
    """End to end: a 同比 swing on 集群产出 (stored in the ledger) prints as 填报值 “300万元” in 问题清单."""
    ws = small_workspace
    cat = ws.catalogue()
    base = f"91110000MA{zlib.crc32(b'x') % 10**7:07d}"
    roster = [{"credit_code": base + uscc.calc_check_digit(base), "name": "甲企业", "cluster": "A",
               "is_scale": "否", "revenue": D(1)}]
    path = write_template(cat, "110101", P, ws.inbox / "甲区.xlsx", roster=roster,
                          outputs={("A", "SR"): {"value": D(300), "value_ly": D(100)}})  # 同比 +200 %
    os.utime(path, (ON_TIME.timestamp(), ON_TIME.timestamp()))
    result = run_consolidate(ws, P, now=NOW)
    swing = next(f for f in result.figures.findings if f.rule == "R-YOY-SWING")
    assert (swing.unit, swing.value) == ("万元", "300")
    book = load_workbook(next(p for p in result.outputs if "汇总表" in p.name))
    fs = book["问题清单"]
    row = next(r for r in range(1, fs.max_row + 1) if fs.cell(r, 7).value == "R-YOY-SWING")
    assert fs.cell(row, 9).value == "300万元"
    notes = "".join(str(fs.cell(r, 1).value) for r in range(row + 1, fs.max_row + 1))
    assert "填报值为县区报表中所填的原数，后附报表的计量单位" in notes


def test_history_findings_take_the_unit_of_their_output_row():
    from reporttool.core.models import Row, Table
    from reporttool.figures.consistency import _with_row_unit

    output = Table("集群产出", "output", 4, {"value": 7}, [Row(5, {"unit": "万元"}), Row(6, {"unit": "户"})])
    f = Finding("R-LY-REVISED", VERIFY, "…", sheet="集群产出", row=6, column="上年同期", value="12")
    assert _with_row_unit(f, output).unit == "户"
    assert _with_row_unit(f, None).unit == ""
    elsewhere = Finding("R-ROSTER-NEW", VERIFY, "…", sheet="集群企业", row=6)
    assert _with_row_unit(elsewhere, output).unit == ""


def test_the_feedback_list_shows_the_value_with_its_unit(small_workspace):
    ws = small_workspace
    cat = ws.catalogue()
    base = f"91110000MA{zlib.crc32(b'y') % 10**7:07d}"
    roster = [{"credit_code": base + uscc.calc_check_digit(base), "name": "乙企业", "cluster": "A",
               "is_scale": "否", "revenue": D(1)}]
    path = write_template(cat, "110101", P, ws.inbox / "甲区.xlsx", roster=roster,
                          outputs={("A", "SR"): {"value": D(300), "value_ly": D(100)}})
    os.utime(path, (ON_TIME.timestamp(), ON_TIME.timestamp()))
    result = run_consolidate(ws, P, now=NOW)
    feedback = load_workbook(next(p for p in result.outputs if p.parent.name == "反馈"))["问题清单"]
    row = next(r for r in range(4, feedback.max_row + 1) if feedback.cell(r, 9).value == "R-YOY-SWING")
    assert feedback.cell(row, 6).value == "300万元"


def test_the_words_follow_the_catalogue_level():
    from reporttool.core.models import Words

    said = explain_score("稳健分数 120，超过±3.5。", Words(unit="设区市"))
    assert said == "稳健分数 120（当月高出本设区市以往当月中位数约120个典型波动），超过±3.5。"
