"""当月/环比 in the 总表 and the 月度走势 sheet of the 汇总表 (figures from a Jan/Feb/Mar ledger built in code,
see tests/test_months.py for the numbers), and their print setup."""
from __future__ import annotations

from decimal import Decimal as D

import openpyxl
from helpers import MAR, assert_prints_at_9pt, default_figures, figures_with_months

from reporttool.core.models import Period
from reporttool.figures.records import MonthFigure
from reporttool.render.workbook import TREND_SHEET, write_consolidated


def _rows(ws):
    return [list(r) for r in ws.iter_rows(values_only=True)]


def test_summary_sheet_has_month_columns_with_the_figures(tmp_path, quarter, small_catalogue):
    figs = figures_with_months(quarter, small_catalogue, MAR)
    wb = openpyxl.load_workbook(write_consolidated(figs, small_catalogue, tmp_path / "b.xlsx"))
    rows = _rows(wb["总表"])
    head = next(r for r in rows if "3月当月" in r)
    col = head.index("3月当月")
    assert rows[rows.index(head) + 1][col:col + 2] == ["当月", "环比\n（%）"]
    sr = next(r for r in rows if r[0] == "化工" and r[1] == "营业收入")
    assert sr[col] == 17  # 42 − 25 亿元 (乙县 sent no March)
    assert sr[col + 1] == 13.3  # (17 ÷ 15 − 1) × 100, one decimal
    gs = next(r for r in rows if r[1] == "规上企业户数")
    assert gs[col] == "—"  # a stock: no 当月
    notes = "".join(str(r[0]) for r in rows if r[0] and str(r[0]).startswith(("注", "　　")))
    assert "当月＝3月本年累计－2月本年累计" in notes
    assert "不等于两个月本年累计之差" in notes  # 乙县 is in February, not in March


def test_trend_sheet_lists_january_to_this_month(tmp_path, quarter, small_catalogue):
    figs = figures_with_months(quarter, small_catalogue, MAR)
    wb = openpyxl.load_workbook(write_consolidated(figs, small_catalogue, tmp_path / "b.xlsx"))
    assert wb.sheetnames[:2] == ["总表", TREND_SHEET]
    rows = [r for r in _rows(wb[TREND_SHEET]) if r[3] in ("1月", "2月", "3月")]
    chem = rows[:3]  # 化工's block first (catalogue order); its stub is merged down
    assert chem[0][:3] == ["化工", "营业收入", "亿元"]
    assert [r[4] for r in chem] == [15, 37, 42]  # 本年累计
    assert [r[5] for r in chem] == [15, 22, 17]  # 当月
    assert [r[6] for r in chem] == [15, 37, 42]  # 完成率 against 100 亿元
    assert [r[7] for r in chem] == [8.3, 16.7, 25]  # 时序进度
    assert [r[8] for r in chem] == [6.7, 20.3, 17]  # 进度差


def test_no_month_figures_no_month_columns_and_no_trend_sheet(tmp_path):
    cat, figs = default_figures()
    wb = openpyxl.load_workbook(write_consolidated(figs, cat, tmp_path / "b.xlsx"))
    assert TREND_SHEET not in wb.sheetnames
    assert not any("当月" in str(v) for r in _rows(wb["总表"])[:5] for v in r if v)


def test_month_columns_and_trend_sheet_print_on_a4_at_9pt(tmp_path):
    """The default city with every flow given a 当月 and 环比, and a twelve-month path of every cluster."""
    cat, figs = default_figures(Period(2025, 12))
    for f in figs.clusters + figs.programme:
        if f.value is not None:
            f.month_value, f.mom = f.value / 12, D("12.3")
    figs.months = [MonthFigure(f.cluster, f.indicator, Period(2025, m), f.value, f.value, D(50), D(50), 3)
                   for f in figs.clusters if f.value is not None for m in range(1, 13)]
    wb = openpyxl.load_workbook(write_consolidated(figs, cat, tmp_path / "b.xlsx"))
    for name in ("总表", TREND_SHEET):
        assert_prints_at_9pt(wb[name])
        assert int(wb[name].page_setup.paperSize) == 9  # A4


def test_trend_sheet_says_when_two_months_count_different_districts(tmp_path, quarter, small_catalogue):
    figs = figures_with_months(quarter, small_catalogue, MAR)
    wb = openpyxl.load_workbook(write_consolidated(figs, small_catalogue, tmp_path / "b.xlsx"))
    notes = "".join(str(r[0]) for r in _rows(wb[TREND_SHEET]) if r[0] and str(r[0]).startswith(("注", "　　")))
    # 乙县 is in 化工's February 本年累计 (37), not in March's (42): 当月 17 is 甲区's alone
    assert ("化工3月：乙县只有2月或3月一个月的数，3月与2月本年累计所含县区不同，"
            "当月按两个月均有该项数据的1个县区计，不等于两月本年累计之差。") in notes
    assert "化工2月" not in notes  # both districts in January and February
