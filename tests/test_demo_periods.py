"""`demo --consolidate` (issue 13 item 3 in the demo): the month, its quarter and the span's latest whole year are
consolidated, and each document names its figures by one rule (Period.span_label): a quarter's 本年累计 is
上半年 / 前三季度, the quarter on its own (当季) 二季度, a year 全年."""
from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from helpers import texts

from reporttool.cli import main
from reporttool.core.models import Period, annual_period
from reporttool.demo.span import demo_periods


def Q(year: int, n: int) -> Period:
    return Period(year, 3 * n, quarterly=True)


@pytest.mark.parametrize("last, first, want", [
    (Period(2025, 6), Period(2022, 12), [Period(2025, 6), Q(2025, 2), annual_period(2024)]),  # make demo
    (Period(2025, 5), Period(2024, 1), [Period(2025, 5), annual_period(2024)]),  # May ends no quarter
    (Period(2025, 3), Period(2024, 2), [Period(2025, 3), Q(2025, 1)]),  # January 2024 missing: no whole year
    (Period(2025, 12), Period(2025, 1), [Period(2025, 12), Q(2025, 4), annual_period(2025)]),
    (Period(2025, 9), None, [Period(2025, 9), Q(2025, 3)]),
])
def test_demo_consolidates_the_month_its_quarter_and_the_last_whole_year(last, first, want):
    assert demo_periods(last, first) == want


@pytest.mark.parametrize("period, words", [
    (Period(2025, 6), "2025年1-6月"), (Period(2025, 1), "2025年1月"), (Q(2025, 1), "2025年一季度"),
    (Q(2025, 2), "2025年上半年"), (Q(2025, 3), "2025年前三季度"), (Q(2025, 4), "2025年全年"),
    (annual_period(2024), "2024年全年")])
def test_one_name_for_the_figures_of_a_period(period, words):
    assert period.span_label == words


def _brief(root: Path, key: str) -> list[str]:
    return texts(next((root / "outbox" / key).glob("*.docx")))


def _titles(root: Path, key: str) -> dict[str, str]:
    book = openpyxl.load_workbook(next((root / "outbox" / key).glob("*汇总表*.xlsx")), read_only=True)
    return {sh.title: next(sh.iter_rows(max_row=1, values_only=True))[0] for sh in book.worksheets}


def test_cli_demo_consolidate_writes_the_quarter_and_the_year(small_workspace):
    root = small_workspace.root
    run = CliRunner().invoke(main, ["-w", str(root), "demo", "--period", "2025-06", "--from", "2024-01", "--consolidate"])
    assert run.exit_code == 0, run.output
    for label, key, n in (("2025年1-6月", "2025-06", 6), ("2025年二季度", "2025-Q2", 14), ("2024年", "2024", 17)):
        assert f"已汇总{label}（{key}）" in run.output
        brief = root / "outbox" / key / f"产业集群工作简报（{key[:4]}年第{n}期）.docx"
        assert f"  简报：{brief}" in run.output and brief.is_file()
    quarter = _brief(root, "2025-Q2")
    assert "全市重点产业集群上半年运行情况" in quarter
    assert any(t.startswith("2025年上半年，全市3个重点产业集群") for t in quarter)
    assert any(t.startswith("从二季度当季看，") for t in quarter)  # the quarter on its own: 二季度
    assert "图1  各集群主要指标完成率与时序进度对比（2025年上半年）" in quarter  # the caption as the lead
    assert "5. 2025年二季度数据根据各县区1-6月报表汇总，本年累计为1-6月累计数。" in quarter
    assert _titles(root, "2025-Q2")["总表"] == "测试市重点产业集群主要指标完成情况（2025年上半年）"
    year = _brief(root, "2024")
    assert "全市重点产业集群全年运行情况" in year
    assert any(t.startswith("2024年全年，全市3个重点产业集群") for t in year)
    assert "图1  各集群主要指标年度目标完成率（2024年全年）" in year  # at 时序进度 100 %: the target itself
    assert "图2  各集群主要指标完成率逐月走势（2024年全年）" in year
    # the Decembers of 2024 were imported as history: neither on time nor late
    assert "本期应报送数据的县（市）区和开发区3个，均已报送（均为导入的历史数据，不计按时或逾期）。" in year
    assert _titles(root, "2024")["月度走势"] == "测试市重点产业集群主要指标月度走势（2024年全年）"
    # a year is checked as a year: its December's 当月 was checked as a month, not again as 本年累计 − nothing
    book = openpyxl.load_workbook(next((root / "outbox" / "2024").glob("*汇总表*.xlsx")), read_only=True)
    rules = {c for row in book["问题清单"].iter_rows(values_only=True) for c in row if isinstance(c, str) and c.startswith("R-")}
    assert "R-MONTH-OUTLIER" not in rules and rules == {"R-YOY-SWING"}
    assert "（一）部分地区报送不规范。乙县（2处）有数据待核实。" in year
