"""The brief at 时序进度 100 % (a whole year, or December): the annual target met or missed, never “高于/低于时序
进度” (issue 13: the annual brief rendered and read)."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest
from helpers import put, texts

from reporttool.core.models import Period, annual_period
from reporttool.pipeline.consolidate import run_consolidate
from reporttool.render import wording


@pytest.mark.parametrize("gap, progress, words", [
    (D("20"), D("100"), "超额完成年度目标20.0个百分点"), (D("-15.94"), D("100"), "距年度目标差15.9个百分点"),
    (D("0.04"), D("100"), "恰好完成年度目标"), (D("-8.4"), D("50"), "低于时序进度8.4个百分点"),
    (D("2.35"), D("50"), "高于时序进度2.4个百分点")])
def test_a_gap_is_worded_against_the_target_at_the_years_end(gap, progress, words):
    assert wording.gap_words(gap, 1, progress) == words


def test_parallel_gaps_at_the_years_end():
    assert wording.gaps([D("0.4"), D("7.2")], 1, D("100")) == "分别超额完成年度目标0.4和7.2个百分点"
    assert wording.gaps([D("-13.7"), D("-9.7")], 1, D("100")) == "距年度目标分别差13.7和9.7个百分点"
    assert wording.gaps([D("2.8"), D("-0.6")], 1, D("100")) == "分别超额完成年度目标2.8个百分点和距年度目标差0.6个百分点"
    assert wording.gaps([D("2.8"), D("0.6")], 1, D("50")) == "分别高于时序进度2.8和0.6个百分点"


def test_the_year_brief_speaks_of_the_annual_target(small_workspace):
    ws = small_workspace
    put(ws, "甲区12月.xlsx", "110101", period=Period(2025, 12), sr="900000", when=dt.datetime(2026, 1, 4, 9, 0))
    put(ws, "乙县12月.xlsx", "110102", period=Period(2025, 12), sr="300000", when=dt.datetime(2026, 1, 4, 9, 0))
    result = run_consolidate(ws, annual_period(2025), now=dt.datetime(2026, 1, 10, 9, 0))
    lines = texts(next(p for p in result.outputs if p.suffix == ".docx"))
    text = "\n".join(lines)
    assert "高于时序进度" not in text and "低于时序进度" not in text and "达到时序进度" not in text.split("四、下步工作")[0]
    # 化工 营业收入 (900000 + 300000) 万元 = 120 亿元 against 100 亿元: 120.0 %, 20.0 points over;
    # the programme's 200 亿元: 60.0 %, 40.0 points short
    assert any("完成年度目标的60.0%，距年度目标差40.0个百分点；" in t for t in lines)
    assert "二、各集群主要指标均超额完成年度目标（按已报送数据）" in lines
    # the rate and its gap once, in the cluster's paragraph; 二's first paragraph names the cluster by the
    # classification its counts use
    assert "有年度目标的1项集群指标中，超额完成1项。从各集群主要指标看，化工营业收入超额完成年度目标（见图1）。" in lines
    assert any(t.startswith("（一）化工产业集群营业收入超额完成年度目标。营业收入120.00亿元，上年同期无可比数据，"
                            "完成年度目标的120.0%，超额完成年度目标20.0个百分点；") for t in lines)
    assert not any(t.startswith("从年度目标完成情况看") for t in lines)  # no cluster short of its target
    assert "图1  各集群主要指标年度目标完成率（2025年全年）" in lines
    assert result.issue_no == 17  # a monthly plan's year: after the twelve months and four quarters


def test_the_year_chart_is_captioned_and_keyed_by_the_annual_target():
    from reporttool.render import chart
    from reporttool.render.prose import ChartBlock, ChartItem

    items = [ChartItem("化工", "营业收入", D("84.1"), "84.1", True), ChartItem("装备", "营业收入", D("107.2"), "107.2")]
    fig = chart.build_figure(ChartBlock("图1", items, D(100), "100"))
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert legend == ["年度目标（100%）", "未完成年度目标", "完成或基本完成年度目标"]
    fig = chart.build_figure(ChartBlock("图1", items, D(50), "50"))
    assert [t.get_text() for t in fig.axes[0].get_legend().get_texts()] == [
        "时序进度（50%）", "滞后（低于时序进度）", "正常或超前"]


@pytest.mark.parametrize("sr_a, sr_b", [("700000", "308000"), ("600000", "241000")])
def test_the_year_brief_counts_and_words_one_classification_and_gives_each_rate_once(small_workspace, sr_a, sr_b):
    """Review 4 defect 4: “超额完成1项、基本完成1项” beside “分别超额完成年度目标0.8和6.6个百分点”; 100.8 %
    in four places. At the year's end a completion over the target is 超额完成 (figures' status 超前) however
    small, and the rate with its 进度差 is said once, in the cluster's paragraph."""
    ws = small_workspace
    put(ws, "甲区12月.xlsx", "110101", period=Period(2025, 12), sr=sr_a, when=dt.datetime(2026, 1, 4, 9, 0))
    put(ws, "乙县12月.xlsx", "110102", period=Period(2025, 12), sr=sr_b, when=dt.datetime(2026, 1, 4, 9, 0))
    result = run_consolidate(ws, annual_period(2025), now=dt.datetime(2026, 1, 10, 9, 0))
    lines = texts(next(p for p in result.outputs if p.suffix == ".docx"))
    body = "\n".join(lines[:lines.index("各集群主要指标完成情况见附件。")])
    if sr_a == "700000":  # (700000 + 308000) 万元 = 100.8 亿元 of 100: 100.8 %, 0.8 points over (tolerance 5)
        assert "有年度目标的1项集群指标中，超额完成1项。从各集群主要指标看，化工营业收入超额完成年度目标（见图1）。" in lines
        assert "基本完成" not in body
        assert "完成年度目标的100.8%，超额完成年度目标0.8个百分点" in body
        assert body.count("100.8%") == 1 and body.count("0.8个百分点") == 1
        assert "从年度目标完成情况看" not in body  # nobody short: nothing left to say there
    else:  # 84.1 亿元: 84.1 %, 15.9 points short, 15.90 亿元 missing
        assert "完成年度目标的84.1%，距年度目标差15.9个百分点" in body
        assert body.count("84.1%") == 1 and body.count("15.9个百分点") == 1
        assert "从年度目标完成情况看，2025年全年化工集群营业收入距年度目标差15.90亿元。" in lines


@pytest.mark.parametrize("rate, cls", [("99.9", "基本完成"), ("100.0", "完成"), ("100.04", "完成"), ("100.05", "超额完成"),
                                       ("94.9", "未完成"), ("95", "基本完成")])
def test_one_classification_at_the_years_end_on_the_rate_as_shown(rate, cls):
    """figures.year_class on judge's status and the 进度差 as shown: 100.04 % shows 100.0 % (0.0 over, 完成); 100.05 %
    rounds half up to 100.1 % (0.1 over, 超额完成); 99.9 % is 0.1 short, within the tolerance 5 (基本完成); 94.9 %
    is 5.1 short (未完成)."""
    from reporttool.figures import judge, shown_gap, year_class

    gap = shown_gap(D(rate), D(100), 1)
    assert year_class(judge(gap, D(5), D(100)), gap) == cls


@pytest.mark.parametrize("total, lead, gap_words, heading, missing", [
    # 化工 营业收入 of 甲区 600000 + 乙县 (total − 600000) 万元 against its 100 亿元 target
    ("999000", "基本完成", "完成年度目标的99.9%，距年度目标差0.1个百分点", "均完成或基本完成年度目标", "0.10"),
    ("1000000", "完成", "完成年度目标的100.0%，恰好完成年度目标", "均完成年度目标", None),
    ("1000400", "完成", "完成年度目标的100.0%，恰好完成年度目标", "均完成年度目标", None),  # 100.04 % shows 100.0 %
    ("1000500", "超额完成", "完成年度目标的100.1%，超额完成年度目标0.1个百分点", "均超额完成年度目标", None),
])
def test_the_year_brief_words_the_boundaries_of_completion_one_way(small_workspace, total, lead, gap_words, heading,
                                                                   missing):
    """Exactly 100.0 % was 基本完成 in the counts and “完成年度目标” in the cluster's lead: every sentence now reads
    the one class (figures.year_class), and the 附注 defines the four words."""
    ws = small_workspace
    put(ws, "甲区12月.xlsx", "110101", period=Period(2025, 12), sr="600000", when=dt.datetime(2026, 1, 4, 9, 0))
    put(ws, "乙县12月.xlsx", "110102", period=Period(2025, 12), sr=str(int(total) - 600000),
        when=dt.datetime(2026, 1, 4, 9, 0))
    result = run_consolidate(ws, annual_period(2025), now=dt.datetime(2026, 1, 10, 9, 0))
    lines = texts(next(p for p in result.outputs if p.suffix == ".docx"))
    assert f"二、各集群主要指标{heading}（按已报送数据）" in lines
    assert f"有年度目标的1项集群指标中，{lead}1项。从各集群主要指标看，化工营业收入{lead}年度目标（见图1）。" in lines
    value = f"{D(total) / 10000:.2f}"
    assert any(t.startswith(f"（一）化工产业集群营业收入{lead}年度目标。营业收入{value}亿元，上年同期无可比数据，"
                            f"{gap_words}；") for t in lines)
    short = [t for t in lines if t.startswith("从年度目标完成情况看")]
    assert short == ([f"从年度目标完成情况看，2025年全年化工集群营业收入距年度目标差{missing}亿元。"] if missing else [])
    assert any("进度差高于0为“超额完成”，等于0为“完成”，低于0但不低于－5个百分点为“基本完成”，低于－5个百分点为“未完成年度目标”"
               in t for t in lines)
    body = "\n".join(lines[:lines.index("各集群主要指标完成情况见附件。")])
    # no sentence sorts it into another class
    foreign = {"基本完成": ("超额完成", "恰好完成", "）完成年度目标"), "完成": ("基本完成", "超额完成"),
               "超额完成": ("基本完成", "恰好完成")}[lead]
    assert not [w for w in foreign if w in body.replace("（一）", "）")], foreign
