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
    # 完成率 37.10 ÷ 200 = 18.55 % against 15.05 ÷ 200 = 7.525 %: 11.025 → 11.0 个百分点
    assert text.startswith("从当月看，")
    assert "营业收入2月当月完成22.05亿元，环比增长46.5%，完成率较上月提高11.0个百分点" in text


def test_a_district_missing_a_month_is_said(quarter, small_catalogue):
    f, ind = _sr(figures_with_months(quarter, small_catalogue, MAR), small_catalogue)
    words = prose.month_words(f, ind, small_catalogue, 3)
    assert words.startswith("3月当月完成17.05亿元（按两个月均报送的1个县区计）")  # 17 + 0.05


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
    # 化工's 完成率 rose 5 points in March, less than 时序进度's 8.3: 进度放缓
    text = sections.trend_sentence(figs, small_catalogue, block)
    assert "化工" in text and "进度放缓" in text and text.endswith("（见图2）。")
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
    assert isinstance(blocks[k - 1], prose.Paragraph) and "（见图2）" in blocks[k - 1].text
    dest = write_brief(figs, small_catalogue, tmp_path / "b.docx", issue_no=3, issued=dt.date(2025, 4, 8))
    doc = docx.Document(str(dest))
    assert len(doc.inline_shapes) == 2  # 图1 and 图2
    assert any(p.text.startswith("图2") for p in doc.paragraphs)
    assert trend_chart(prose.trend_block(figs, small_catalogue), tmp_path / "t.png").stat().st_size > 0
