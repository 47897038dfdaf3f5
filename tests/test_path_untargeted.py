"""The year's path (月度走势) of a plan without annual targets (襄樊's plan-end 2027 targets only): each cluster's
main flow month by month, 完成率 “—”, instead of no sheet at all (reviewer's item 3)."""
from __future__ import annotations

import dataclasses
from decimal import Decimal as D

from helpers import MAR, figures_with_months


def _no_annual_targets(cat):
    return dataclasses.replace(cat, targets=())


def test_a_cluster_without_an_annual_target_still_has_its_path(quarter, small_catalogue):
    cat = _no_annual_targets(small_catalogue)
    figs = figures_with_months(quarter, cat, MAR)
    chem = [m for m in figs.months if m.cluster == "A"]
    # 甲区 10 / 25 / 42 亿元 and 乙县 5 / 12 / — of 化工's 营业收入 (tests/conftest.py quarter)
    assert [(m.indicator, m.value, m.month_value, m.completion) for m in chem] == [
        ("SR", D(15), D(15), None), ("SR", D(37), D(22), None), ("SR", D(42), D(17), None)]


def test_figure_2_draws_the_year_to_date_path_without_annual_targets(quarter, small_catalogue, tmp_path):
    """图2 plotted 完成率 only, so a plan without annual targets got no trend chart (reviewer's item 6): it now
    draws each cluster's 本年累计 month by month, without a 时序进度 line, still legible in black and white."""
    import datetime as dt

    import docx

    from reporttool.render import prose, sections
    from reporttool.render.brief import write_brief
    from reporttool.render.chart import build_trend_figure

    cat = _no_annual_targets(small_catalogue)
    figs = figures_with_months(quarter, cat, MAR)
    block = prose.trend_block(figs, cat)
    assert block is not None and block.caption == "图2  各集群营业收入本年累计逐月走势（2025年1-3月）"
    # 化工 15 / 37 / 42 亿元 (as above); 装备制造 甲区's 500 / 1000 / 1500 万元
    assert [(s.label, s.points) for s in block.series] == [
        ("化工", [(1, "15.00"), (2, "37.00"), (3, "42.00")]), ("装备制造", [(1, "0.05"), (2, "0.10"), (3, "0.15")])]
    assert (block.time_progress, block.measure) == ([], "本年累计（亿元）")
    assert sections.trend_sentence(figs, cat, block) == "各集群营业收入本年累计逐月走势见图2。"
    fig = build_trend_figure(block)
    ax = fig.axes[0]
    styles = [(ln.get_marker(), ln.get_linestyle()) for ln in ax.get_lines()]
    assert len(styles) == 2 and len(set(styles)) == 2  # one line per cluster, no 时序进度, told apart without colour
    assert ax.get_ylabel() == "本年累计（亿元）"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["化工", "装备制造"]
    dest = write_brief(figs, cat, tmp_path / "b.docx", issue_no=3, issued=dt.date(2025, 4, 8))
    doc = docx.Document(str(dest))
    assert len(doc.inline_shapes) == 1  # 图2 (no 图1: nothing to compare with 时序进度)
    assert any(p.text == block.caption for p in doc.paragraphs)
