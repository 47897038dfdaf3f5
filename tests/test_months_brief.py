"""当月/环比 in the brief's words and 图2 (the year's path), from the Jan/Feb/Mar ledger of the ``quarter`` fixture (tests/conftest.py)
(甲区 A 营业收入 10 / 25 / 42 亿元, B 营业收入 0.05 / 0.10 / 0.15 亿元; 乙县 A 5 / 12 亿元, no March;
programme target 200 亿元, A's 100 亿元)."""
from __future__ import annotations

import datetime as dt

import docx
from helpers import FEB, JAN, MAR, figures_with_months

from reporttool.render import prose, sections
from reporttool.render.brief import write_brief
from reporttool.render.chart import build_trend_figure, trend_chart


def _sr(figs, cat):
    return next((f, cat.indicator("SR")) for f in figs.programme if f.indicator == "SR")


def test_month_paragraph_words_month_mom_and_completion_change(quarter, small_catalogue):
    figs = figures_with_months(quarter, small_catalogue, FEB)
    text = sections.month_paragraph(figs, small_catalogue)
    # 当月 (25 − 10) + (12 − 5) + (0.10 − 0.05) = 22.05; January's 15.05; 环比 22.05 ÷ 15.05 − 1 = 46.5 %;
    # 完成率 37.10 ÷ 200 = 18.55 % (shown 18.6) against 15.05 ÷ 200 = 7.525 % (shown 7.5): the change is the
    # difference of the shown rates, 18.6 − 7.5 = 11.1 个百分点 (not 11.025 → 11.0)
    assert text.startswith("从当月看，")
    assert "营业收入2月当月完成22.05亿元，环比增长46.5%，完成率较上月提高11.1个百分点" in text


def test_a_district_missing_a_month_is_said(quarter, small_catalogue):
    f, ind = _sr(figures_with_months(quarter, small_catalogue, MAR), small_catalogue)
    words = prose.month_words(f, ind, small_catalogue, 3)
    assert words.startswith("3月当月完成17.05亿元（按两个月均有该项数据的1个县区计）")  # 17 + 0.05


def test_january_without_last_december_says_nothing_of_the_month(quarter, small_catalogue):
    f, ind = _sr(figures_with_months(quarter, small_catalogue, JAN), small_catalogue)
    assert prose.month_words(f, ind, small_catalogue, 1) == ""
    assert prose.completion_change_words(f, small_catalogue) == ""
    assert sections.month_paragraph(figures_with_months(quarter, small_catalogue, JAN), small_catalogue) == ""


def test_trend_block_and_its_sentence(quarter, small_catalogue):
    figs = figures_with_months(quarter, small_catalogue, MAR)
    block = prose.trend_block(figs, small_catalogue)
    assert block is not None and "图2" in block.caption
    chem = next(s for s in block.series if s.label == "化工")
    assert chem.points == [(1, "15.0"), (2, "37.0"), (3, "42.0")]
    assert block.time_progress == [(1, "8.3"), (2, "16.7"), (3, "25.0")]
    # 化工's published 完成率 rose 5 points in March (37 → 42, 乙县 in February only); like for like (甲区,
    # 42 − 25 = 17 of 100) 17 points, more than 时序进度's 8.3: 进度加快, compared on the one district
    text = sections.trend_sentence(figs, small_catalogue, block)
    assert "化工主要指标完成率较上月提高幅度超过时序进度（8.3个百分点），进度加快" in text
    assert text.endswith("（化工按两个月均有该项数据的1个县区比较，见图2）。")
    feb = figures_with_months(quarter, small_catalogue, FEB)
    # both months over the same districts: nothing to say of them (化工 +22, 装备制造 +0.1 points); 时序进度
    # rose from 8.3 to 16.7 as shown: 8.4 个百分点 (the shown difference, not 100 ÷ 12 = 8.33 → 8.3)
    assert sections.trend_sentence(feb, small_catalogue, prose.trend_block(feb, small_catalogue)) == (
        "从逐月走势看，化工主要指标完成率较上月提高幅度超过时序进度（8.4个百分点），进度加快；"
        "装备制造提高幅度低于时序进度，进度放缓（见图2）。")
    assert prose.trend_block(figures_with_months(quarter, small_catalogue, JAN), small_catalogue) is None  # one month


def test_trend_lines_differ_without_colour(quarter, small_catalogue):
    block = prose.trend_block(figures_with_months(quarter, small_catalogue, MAR), small_catalogue)
    fig = build_trend_figure(block)
    lines = fig.axes[0].get_lines()
    styles = [(ln.get_marker(), ln.get_linestyle()) for ln in lines]
    assert len(lines) == len(block.series) + 1  # every cluster, and 时序进度
    assert len(set(styles)) == len(styles)  # no two lines alike in black and white
    assert {t.get_text() for t in fig.axes[0].get_legend().get_texts()} >= {"时序进度", "化工"}


def test_the_brief_carries_figure_2_after_the_sentence_citing_it(quarter, small_catalogue, tmp_path):
    figs = figures_with_months(quarter, small_catalogue, MAR)
    blocks = sections.draft(figs, small_catalogue).blocks
    k = next(i for i, b in enumerate(blocks) if isinstance(b, prose.TrendBlock))
    assert isinstance(blocks[k - 1], prose.Paragraph) and blocks[k - 1].text.endswith("见图2）。")
    dest = write_brief(figs, small_catalogue, tmp_path / "b.docx", issue_no=3, issued=dt.date(2025, 4, 8))
    doc = docx.Document(str(dest))
    assert len(doc.inline_shapes) == 2  # 图1 and 图2
    assert any(p.text.startswith("图2") for p in doc.paragraphs)
    assert trend_chart(prose.trend_block(figs, small_catalogue), tmp_path / "t.png").stat().st_size > 0


def test_the_month_sentence_agrees_with_its_completion_change(quarter, small_catalogue):
    f, ind = _sr(figures_with_months(quarter, small_catalogue, MAR), small_catalogue)
    # 当月 17.05 亿元 of the programme target 200: 8.525 → 8.5 个百分点 (not 21.075 − 18.55 = 2.5)
    assert prose.completion_change_words(f, small_catalogue) == "完成率较上月提高8.5个百分点"


def test_a_stock_completion_change_over_fewer_districts_says_so(quarter, small_catalogue):
    import dataclasses
    from decimal import Decimal as D

    f, _ = _sr(figures_with_months(quarter, small_catalogue, MAR), small_catalogue)
    stock = dataclasses.replace(f, month_value=None)  # a stock has no 当月 to carry the statement
    assert prose.completion_change_words(stock, small_catalogue) == "完成率较上月提高8.5个百分点（按两个月均有该项数据的1个县区计）"
    assert prose.completion_change_words(dataclasses.replace(stock, completion_change=D(0)), small_catalogue) == \
        "完成率与上月持平（按两个月均有该项数据的1个县区计）"
