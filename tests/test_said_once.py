"""Each 完成率 said once in a brief (docs/brief.md “每个数只说一次”): the month's and the quarter's briefs named a
cluster's 完成率 in 二's first paragraph, again in its own paragraph and again in 三、存在问题. Now its own paragraph
says it; 二's first paragraph names the clusters above and below 时序进度, 三 says 完成率低于时序进度, a quarter's
年度目标完成情况 names who met the year's target, and 二's investment sentence names the highest and lowest without the
rates where the clusters' paragraphs give them."""
from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections import Counter
from decimal import Decimal as D

import pytest
from helpers import make_small_catalogue, small_figures, texts

from reporttool.core import fmt
from reporttool.core.models import Period
from reporttool.core.status import AHEAD, ST_PASSED
from reporttool.demo.make import make_demo
from reporttool.pipeline.consolidate import run_consolidate
from reporttool.render import sections
from reporttool.render.prose import ChartBlock, Heading, Paragraph
from reporttool.workspace import init_workspace

RATE = re.compile(r"(?<![\d.])\d+(?:\.\d+)?%")


def _body(blocks) -> str:
    return "\n".join((b.lead + b.text) if isinstance(b, Paragraph) else b.text if isinstance(b, Heading) else
                     b.note if isinstance(b, ChartBlock) else "" for b in blocks)


def _small(period: Period = Period(2025, 6)):
    figs = small_figures(period)
    for s in figs.submissions:  # every district in: 化工 is judged (滞后) and named in 三
        s.status = ST_PASSED
    return make_small_catalogue(), figs


def test_a_months_rates_are_said_once_each_in_the_clusters_paragraphs():
    """small_figures (tests/helpers.py): 化工 营业收入 43.200192 of 100 亿元 = 43.2 %, 6.8 below 50; 装备制造 营业收入
    30.250062 of 50 = 60.5 %, 10.5 above; 文旅 接待游客人次 154.28 of 300 万人次 = 51.4 %, 1.4 above; 化工 规上企业
    20 of 20 = 100.0 %."""
    cat, figs = _small()
    text = _body(sections.draft(figs, cat).blocks)
    rates = Counter(RATE.findall(text))
    for shown in ("43.2%", "60.5%", "51.4%", "100.0%"):
        assert rates[shown] == 1, shown
    assert text.count("6.8个百分点") == 1 and text.count("10.5个百分点") == 1 and text.count("1.4个百分点") == 1
    assert ("从各集群主要指标看，装备制造和文旅主要指标完成率高于时序进度；化工营业收入完成率低于时序进度（见图1）。"
            in text)
    assert "营业收入43.20亿元，同比增长22.2%，完成年度目标的43.2%，低于时序进度6.8个百分点" in text  # its paragraph
    assert "化工产业集群营业收入完成率低于时序进度（牵头单位：市工信局；责任领导：副市长张三）。" in text  # 三
    # the investment rates are said only here: the clusters' paragraphs give 项目完成投资 (from the projects)
    assert "分集群看，文旅投资完成率最高，为55.0%；化工最低，为43.4%。" in text


def test_a_cluster_at_the_line_is_named_level_with_it():
    cat, figs = _small()
    f = figs.cluster_figure("C", "YK")
    f.completion, f.gap = D("50.04"), D("0.04")  # shown 50.0 − 50.0 = 0.0
    text = _body(sections.draft(figs, cat).blocks)
    assert "装备制造营业收入完成率高于时序进度；文旅接待游客人次完成率与时序进度持平；化工营业收入完成率低于时序进度" in text


def test_a_quarter_names_who_met_the_years_target_without_the_rate():
    """装备制造 营业收入 made 101.26 % of its year's target by June: 101.3 % in its paragraph, nowhere else."""
    cat, figs = _small(Period(2025, 6, quarterly=True))
    f = figs.cluster_figure("B", "SR")
    f.value, f.completion, f.gap, f.status = D("50.63"), D("101.26"), D("51.3"), AHEAD
    text = _body(sections.draft(figs, cat).blocks)
    assert "从年度目标完成情况看，2025年上半年装备制造集群营业收入已提前完成年度目标。" in text
    assert Counter(RATE.findall(text))["101.3%"] == 1
    assert "完成年度目标的101.3%，高于时序进度51.3个百分点" in text


def test_investment_rates_in_the_clusters_paragraphs_are_not_repeated_in_the_second_section():
    """Without an indicator from the projects, each cluster's paragraph gives its investment 完成率 (文旅 9.440912 of
    17.1655 = 55.0 %, 化工 3.341833 of 7.6987 = 43.4 %); 二 then names the highest and the lowest only."""
    cat, figs = _small()
    inds = tuple(i for i in cat.indicators if i.code != "TZ")
    cat = dataclasses.replace(cat, indicators=inds, _index={})
    figs.clusters = [f for f in figs.clusters if f.indicator != "TZ"]
    text = _body(sections.draft(figs, cat).blocks)
    assert "分集群看，文旅投资完成率最高，化工最低。" in text
    rates = Counter(RATE.findall(text))
    assert rates["55.0%"] == 1 and rates["43.4%"] == 1
    assert "调度重点项目4个，本年累计完成投资9.44亿元，完成年度计划投资的55.0%，高于时序进度5.0个百分点" in text


@pytest.fixture(scope="module")
def demo_briefs(tmp_path_factory):
    """The demo month of the default city and its quarter, consolidated (as `make demo` does without history)."""
    ws = init_workspace(tmp_path_factory.mktemp("once") / "葫芦岛")
    make_demo(ws, Period(2025, 6))
    out = {}
    for period in (Period(2025, 6), Period(2025, 6, quarterly=True)):
        result = run_consolidate(ws, period, workers=1, issued=dt.date(2025, 7, 8))
        out[period.key] = (result.figures, texts(next(p for p in result.outputs if p.suffix == ".docx")))
    return out


@pytest.mark.parametrize("key", ["2025-06", "2025-Q2"])
def test_the_demo_briefs_say_each_clusters_completion_rate_once(demo_briefs, key):
    figs, lines = demo_briefs[key]
    text = "\n".join(lines[lines.index(next(t for t in lines if t.startswith("一、"))):lines.index("四、下步工作")])
    rd = 1
    rates = Counter(RATE.findall(text))
    mine = Counter(fmt.text(f.completion, rd) + "%" for f in figs.clusters
                   if not f.district and f.completion is not None and f.value is not None)
    # a percentage another figure also shows (a 同比, a ratio, an investment or plan rate) cannot be told apart
    others = {fmt.text(v, rd) + "%" for f in figs.clusters + figs.programme if not f.district
              for v in (f.yoy, f.value if f.completion is None else None, f.completion if not f.cluster else None,
                        *(o.progress for o in f.others))
              if v is not None}
    others |= {fmt.text(i.completion, rd) + "%" for i in figs.investment if not i.district and i.completion is not None}
    others |= {fmt.text(p.completion, rd) + "%" for p in figs.plan if p.completion is not None}
    checked = [s for s in mine if s not in others]
    assert len(checked) >= 8  # the demo's clusters have a dozen 完成率 to say
    for shown in checked:
        assert rates[shown] == mine[shown], (key, shown, rates[shown])
