"""Quarters and years (issue #13 item 3): built from the monthly forms already in the ledger, or from
quarterly forms where a plan reports quarterly; what a period is built from; which months are missing."""
from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal as D

import openpyxl
import pytest
from click.testing import CliRunner
from helpers import put

from reporttool.catalogue import CatalogueInvalid, load_catalogue
from reporttool.catalogue.writer import write_catalogue
from reporttool.cli import main
from reporttool.core.models import Period, annual_period, parse_period
from reporttool.core.status import ST_MISSING, ST_PASSED
from reporttool.pipeline.consolidate import run_consolidate

Q2 = Period(2025, 6, True)
YEAR = annual_period(2025)
NOW = dt.datetime(2025, 7, 9, 9, 0)


def arrived(month: int, day: int) -> dt.datetime:
    """A time in the month after ``month`` of 2025 (January 2026 after December)."""
    y, m = (2026, 1) if month == 12 else (2025, month + 1)
    return dt.datetime(y, m, day, 10, 0)


@pytest.mark.parametrize("text,key,label,span_word", [
    ("2025", "2025", "2025年", "全年"), ("2025年", "2025", "2025年", "全年"), ("2025年全年", "2025", "2025年", "全年"),
    ("2025-Q2", "2025-Q2", "2025年二季度", "上半年"), ("2025年第三季度", "2025-Q3", "2025年三季度", "前三季度"),
    ("2025-Q1", "2025-Q1", "2025年一季度", "一季度"), ("2025-06", "2025-06", "2025年1-6月", "上半年"),
    ("2025-05", "2025-05", "2025年1-5月", "1-5月"), ("202512", "2025-12", "2025年1-12月", "全年")])
def test_period_kinds_keys_labels_and_words(text, key, label, span_word):
    p = parse_period(text)
    assert (p.key, p.label, p.span_word) == (key, label, span_word)
    assert parse_period(p.key) == p  # the key reads back as the same period


def test_a_year_is_whole_with_no_previous_period_and_its_own_deadline(small_catalogue):
    assert YEAR.time_progress == 100 and YEAR.previous() is None and YEAR.last_year() == annual_period(2024)
    assert YEAR.span == "1-12月" and Q2.span == "1-6月" and Q2.quarter_word == "二季度"
    assert Q2.previous() == Period(2025, 3, True) and Q2.month_end() == Period(2025, 6)
    s = small_catalogue.settings
    assert s.deadline_for(YEAR) == dt.date(2026, 1, 5) and s.deadline_for(Q2) == dt.date(2025, 7, 5)
    s = dataclasses.replace(s, quarter_deadline_day=10, annual_deadline_day=20)
    assert s.deadline_for(YEAR) == dt.date(2026, 1, 20) and s.deadline_for(Q2) == dt.date(2025, 7, 10)
    assert s.deadline_for(Period(2025, 6)) == dt.date(2025, 7, 5)


def test_period_settings_round_trip_and_bad_values_are_named(small_catalogue, tmp_path):
    cat = dataclasses.replace(small_catalogue, settings=dataclasses.replace(
        small_catalogue.settings, report_cycle="季", quarter_deadline_day=12, score_weight_growth=D(25)))
    write_catalogue(cat, tmp_path / "t.xlsx")
    back = load_catalogue(tmp_path / "t.xlsx").settings
    assert (back.report_cycle, back.quarter_deadline_day, back.score_weight_growth) == ("季", 12, D(25))
    wb = openpyxl.load_workbook(tmp_path / "t.xlsx")
    ws = wb["设置"]
    for row in ws.iter_rows(min_row=1):
        if row[0].value == "报送周期":
            row[1].value = "半年"
    wb.save(tmp_path / "bad.xlsx")
    with pytest.raises(CatalogueInvalid) as err:
        load_catalogue(tmp_path / "bad.xlsx")
    assert [p.reason for p in err.value.problems] == ["报送周期应为“月”或“季”，现为“半年”"]


def test_quarter_from_the_monthly_forms_in_the_ledger(small_workspace):
    ws = small_workspace
    # 甲区 sent March and June, 乙县 only June (late), 丙开发区 nothing
    put(ws, "甲区3月.xlsx", "110101", period=Period(2025, 3), sr="100000", when=arrived(3, 3))
    put(ws, "甲区6月.xlsx", "110101", period=Period(2025, 6), sr="250000", sr_ly="200000", when=arrived(6, 3))
    put(ws, "乙县6月.xlsx", "110102", period=Period(2025, 6), sr="50000", when=arrived(6, 8))
    result = run_consolidate(ws, Q2, now=NOW)
    figs = result.figures
    # 本年累计 of the quarter = the June forms: (250000 + 50000) 万元 = 30 亿元
    assert figs.cluster_figure("A", "SR").value == D(30)
    assert figs.cluster_figure("A", "SR").completion == D(30)  # of the 100 亿元 target
    assert figs.time_progress == 50
    states = {s.district_name: s for s in result.states}
    assert states["甲区"].status == ST_PASSED and states["甲区"].on_time is True
    assert states["乙县"].on_time is False and states["丙开发区"].status == ST_MISSING
    assert states["甲区"].missing_months == (1, 2, 4, 5)
    assert states["乙县"].missing_months == (1, 2, 3, 4, 5)
    assert states["丙开发区"].missing_months == (1, 2, 3, 4, 5, 6)
    assert figs.basis == "根据各县区1-6月报表汇总"
    assert not [f for f in figs.findings if f.rule in ("F-OTHER-PERIOD", "F-PERIOD-MISMATCH")]
    out = ws.period_dir(Q2)
    assert out.name == "2025-Q2"
    book = next(p for p in out.iterdir() if p.name.endswith("汇总表（2025年上半年）.xlsx"))
    cells = [c for sh in openpyxl.load_workbook(book).worksheets for r in sh.iter_rows(values_only=True)
             for c in r if isinstance(c, str)]
    assert "注：1. 2025年二季度根据各县区1-6月报表汇总（本年累计为1-6月累计数）。" in cells  # 总表
    assert any("缺报月份：甲区（1月、2月、4月、5月）；乙县（1月、2月、3月、4月、5月）；丙开发区（1月" in c
               for c in cells)  # 报送情况


def test_a_quarterly_form_is_preferred_to_the_month_and_named_in_the_basis(small_workspace):
    ws = small_workspace
    put(ws, "甲区6月.xlsx", "110101", period=Period(2025, 6), sr="250000", when=arrived(6, 3))
    put(ws, "甲区二季度.xlsx", "110101", period=Q2, sr="260000", when=arrived(6, 4))
    put(ws, "乙县6月.xlsx", "110102", period=Period(2025, 6), sr="50000", when=arrived(6, 3))
    figs = run_consolidate(ws, Q2, now=NOW).figures
    assert figs.cluster_figure("A", "SR").value == D(31)  # 260000 + 50000 万元
    assert figs.basis == "根据各县区二季度、1-6月报表汇总"
    used = {s.district_name: s.file_name for s in figs.submissions}
    assert used["甲区"] == "甲区二季度.xlsx" and used["乙县"] == "乙县6月.xlsx"
    # the quarterly form covers April to June
    assert {s.district_name: s.missing_months for s in figs.submissions}["甲区"] == (1, 2, 3)


def test_a_file_of_a_later_month_is_another_period_in_a_quarter_run(small_workspace):
    ws = small_workspace
    put(ws, "甲区6月.xlsx", "110101", period=Period(2025, 6), sr="250000", when=arrived(6, 3))
    put(ws, "乙县7月.xlsx", "110102", period=Period(2025, 7), sr="50000", when=arrived(6, 3))
    result = run_consolidate(ws, Q2, now=NOW)
    assert {s.district_name: s.status for s in result.states}["乙县"] == "退回"
    assert any(f.rule == "F-PERIOD-MISMATCH" and f.district == "110102" for f in result.figures.findings)


def test_cli_consolidates_a_year_from_december_forms(small_workspace):
    ws = small_workspace
    put(ws, "甲区12月.xlsx", "110101", period=Period(2025, 12), sr="900000", when=arrived(12, 4))
    put(ws, "乙县12月.xlsx", "110102", period=Period(2025, 12), sr="300000", when=arrived(12, 4))
    r = CliRunner().invoke(main, ["-w", str(ws.root), "consolidate", "--period", "2025", "--date", "2026-01-10"])
    assert r.exit_code == 0, r.output
    assert "2025年 报送情况（截止 2026-01-05）" in r.output
    assert "2025年根据各县区1-12月报表汇总。" in r.output
    assert "缺报月份：甲区 1月、2月、3月、4月、5月、6月、7月、8月、9月、10月、11月。" in r.output
    out = ws.period_dir(YEAR)
    assert out.name == "2025" and any(p.name.endswith("汇总表（2025年全年）.xlsx") for p in out.iterdir())


def test_a_quarterly_plan_sends_quarter_forms_with_the_quarter_deadline(small_workspace):
    ws = small_workspace
    cat = ws.catalogue()
    write_catalogue(dataclasses.replace(cat, settings=dataclasses.replace(
        cat.settings, report_cycle="季", quarter_deadline_day=15)), ws.targets)
    runner = CliRunner()
    r = runner.invoke(main, ["-w", str(ws.root), "template", "--period", "2025-06", "--district", "110101"])
    assert r.exit_code == 0, r.output
    assert "（2025年二季度）" in r.output and "报送截止：2025年7月15日" in r.output
    form = next((ws.outbox / "2025-Q2" / "templates").iterdir())
    texts = [c for sh in openpyxl.load_workbook(form).worksheets for row in sh.iter_rows(values_only=True)
             for c in row if isinstance(c, str)]
    assert any("2025年7月15日" in t for t in texts)
    r = runner.invoke(main, ["-w", str(ws.root), "template", "--period", "2025-05"])
    assert r.exit_code == 2
    assert "报送周期为“季”，报告期应为季度（如 2025-Q2），不是2025年1-5月" in r.output
