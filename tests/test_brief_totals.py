"""Issue 11 defects in the brief and the 总表 (brief11): one total for both, no doubled 集群, 目标说明 joined once,
what the city figure of a ratio is (or why there is none) on every sheet, and one story for incomplete data.

The figures are the hand-made sample of tests/helpers.py (small_figures) (small fixture city: 丙开发区 未报, 化工's 营业收入
滞后 at 43.2 % against 50 %, 装备制造 超前 twice, 文旅 正常) or, for a whole round, the demo of the fixture city.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal as D

from helpers import make_small_catalogue, small_figures, texts
from openpyxl import load_workbook

from reporttool.core.models import SOURCE_OUTPUT, Indicator, Period
from reporttool.figures import IndicatorFigure
from reporttool.render import sections, wording
from reporttool.render.prose import ChartBlock, Heading, Paragraph, chart_block
from reporttool.render.workbook import _target_text, write_consolidated

P = Period(2025, 6)


def _text(blocks) -> str:
    return "\n".join((b.lead + b.text) if isinstance(b, Paragraph) else b.text if isinstance(b, Heading) else
                     b.note if isinstance(b, ChartBlock) else "" for b in blocks)


def _notes(path, sheet: str) -> list[str]:
    rows = load_workbook(path)[sheet].iter_rows(values_only=True)
    return [str(r[0]) for r in rows if r[0] and str(r[0]).startswith(("注：", "\u3000\u3000"))]


# ---- 3. no doubled 集群 ---------------------------------------------------------------------------------


def test_a_name_ending_in_jiqun_and_an_indicator_starting_with_it_say_it_once():
    assert wording.owned("产业集群", "集群产值") == "产业集群产值"
    assert wording.owned("纺织服装集群", "集群产值（四项合计）") == "纺织服装集群产值（四项合计）"
    assert wording.owned("化工产业集群", "营业收入") == "化工产业集群营业收入"
    assert wording.owned("", "集群产值") == "集群产值"


def test_the_brief_never_says_jiqun_jiqun():
    base = make_small_catalogue()
    inds = tuple(dataclasses.replace(i, name="集群营业收入") if i.code == "SR" else i for i in base.indicators)
    cat = dataclasses.replace(base, settings=dataclasses.replace(base.settings, programme_name="产业集群"),
                              indicators=inds, _index={})
    figs = small_figures()
    for f in figs.submissions:  # every district in: 化工 is judged and named in 三 (c.name + its clauses)
        f.status = "通过"
    draft = sections.draft(figs, cat)
    text = _text(draft.blocks)
    assert "集群集群" not in text
    assert "（一）化工产业集群营业收入" in text  # the lead: 化工产业集群 + 集群营业收入
    assert "化工产业集群营业收入完成率低于时序进度" in text  # 三、存在问题 (the rate is in its paragraph)


# ---- 4. 目标说明 joined once ----------------------------------------------------------------------------


def test_target_note_parts_are_joined_by_one_separator():
    cat = make_small_catalogue()
    ratio = Indicator("ZJ", "增加值占地区生产总值比重", "%", "%", SOURCE_OUTPUT, summable=False, clusters=("C",),
                      decimals=1, compare_time=False)
    f = IndicatorFigure("C", "ZJ", summable=False, target=D(5), target_wording="增加值占GDP比重达到5%")
    assert _target_text(f, 1, ratio, cat) == ("全市数暂缺：各县区只填报了比率，未填报分子、分母，比率不能相加或平均，"
                                              "无法得出全市数（各县区数见分县区表）；增加值占GDP比重达到5%")
    sr = cat.indicator("SR")
    growth = IndicatorFigure("A", "SR", value=D(10), target_kind="growth", target_rate=D(6), target_derived=True,
                             target_note="按2027年目标推算", target_wording="营业收入年均增长6%以上")
    assert _target_text(growth, 1, sr, cat) == "（推算）增速目标6%；按2027年目标推算；营业收入年均增长6%以上"


# ---- 5. the city figure of a ratio, or why there is none, on each sheet ----------------------------------


def test_district_sheet_shows_the_city_ratio_and_says_what_it_is(tmp_path):
    cat = make_small_catalogue()
    figs = small_figures()
    path = write_consolidated(figs, cat, tmp_path / "汇总表.xlsx")
    rows = list(load_workbook(path)["分县区"].iter_rows(values_only=True))
    total = next(r for r in rows if r[1] == "高端装备营收占比" and r[3] == "合计")
    # the 合计 of a computed ratio is the city's ratio of summed parts, as 总表 shows it (36.59… → 36.6)
    assert total[4] == 36.6
    summary = next(r for r in load_workbook(path)["总表"].iter_rows(values_only=True) if r[1] == "高端装备营收占比")
    assert summary[3] == 36.6
    notes = " ".join(_notes(path, "分县区"))
    assert ("高端装备营收占比的“合计”为全市数，按各县区的分子、分母分别相加后计算（不是各县区比率相加或平均），"
            "与总表一致") in notes
    assert "全市数见总表" not in notes


# ---- 6. incomplete data: only a hosting district's absence counts; brief, 图1 and 总表 agree ------------


def test_a_district_hosting_no_lagging_cluster_does_not_hold_back_the_verdict():
    base = make_small_catalogue()
    a, b, c = base.clusters  # 丙开发区 (KF01) is missing; it does not host 化工
    cat = dataclasses.replace(base, clusters=(dataclasses.replace(a, districts=("110101", "110102")), b, c), _index={})
    figs = small_figures()
    cov = wording.coverage(figs)
    blocks = sections.progress(figs, cat, cov)
    text = _text(blocks)
    assert blocks[0].text == "二、多数集群指标达到时序进度（按已报送数据）"
    assert "有年度目标的4项集群指标中，超前2项、正常1项、滞后1项。" in text
    assert "数据报齐前" not in text
    assert wording.waiting(figs, cat) == []
    assert chart_block(figs, cat).note == "" and chart_block(figs, cat).lag_legend == ""


def test_incomplete_data_is_said_alike_in_the_brief_the_chart_and_the_summary(tmp_path):
    cat = make_small_catalogue()  # every cluster hosted everywhere: 丙开发区's absence leaves 化工 incomplete
    figs = small_figures()
    blocks = sections.progress(figs, cat, wording.coverage(figs))
    text = _text(blocks)
    assert blocks[0].text == "二、已报送数据显示部分集群指标低于时序进度"
    assert "有年度目标的4项集群指标中，超前2项、正常1项、低于时序进度1项（数据报齐前不作滞后判断）。" in text
    assert "（一）化工产业集群营业收入较快增长，进度暂低于时序进度。" in text  # the lead says it too
    chart = chart_block(figs, cat)
    assert chart.note == ""  # every red bar waits: the legend says it
    assert chart.lag_legend == "暂低于时序进度（数据未报齐）"  # the red bar's legend claims no 滞后 either
    from reporttool.render.chart import build_figure
    legend = [t.get_text() for t in build_figure(chart).axes[0].get_legend().get_texts()]
    assert "暂低于时序进度（数据未报齐）" in legend and "滞后（低于时序进度）" not in legend
    path = write_consolidated(figs, cat, tmp_path / "汇总表.xlsx")
    assert any(n.endswith("丙开发区的数据未计入，化工集群数据不完整，其“状态”栏的“滞后”系按已报送数据判断"
                          "（简报称“暂低于时序进度”），是否滞后待数据报齐后再作判断。") for n in _notes(path, "总表"))


def test_chart_with_judged_and_waiting_red_bars_names_those_waiting():
    base = make_small_catalogue()
    a, b, c = base.clusters  # 装备制造 hosted by the two districts that reported: judged
    cat = dataclasses.replace(base, clusters=(a, dataclasses.replace(b, districts=("110101", "110102")), c), _index={})
    figs = small_figures()
    next(f for f in figs.clusters if (f.cluster, f.indicator) == ("B", "SR")).status = "滞后"
    chart = chart_block(figs, cat)
    assert [(i.label, i.lagging) for i in chart.items] == [("化工", True), ("装备制造", True), ("文旅", False)]
    assert chart.lag_legend == "滞后或暂低于时序进度"
    assert chart.note == "注：化工集群因丙开发区未报送数据不完整，暂不作滞后判断。"


# ---- 1. one total for the brief and the 总表 (a whole round) ------------------------------------------------


def test_brief_and_summary_quote_the_same_programme_totals_without_an_excluded_cluster(tmp_path):
    from reporttool.catalogue.writer import write_catalogue
    from reporttool.core import fmt
    from reporttool.demo.make import make_demo
    from reporttool.pipeline.consolidate import run_consolidate
    from reporttool.workspace import init_workspace

    base = make_small_catalogue()
    a, b, c = base.clusters
    cat = dataclasses.replace(base, clusters=(a, b, dataclasses.replace(c, in_programme=False)), _index={})
    ws = init_workspace(tmp_path / "工作目录")
    write_catalogue(cat, ws.targets)
    make_demo(ws, P)
    result = run_consolidate(ws, P, now=dt.datetime(2025, 7, 8, 9, 0))
    figs = result.figures
    inv = {i.cluster: i for i in figs.investment if not i.district}
    assert inv["C"].done_year > 0  # the excluded cluster has projects, and they are left out of the total
    assert inv[""].done_year == inv["A"].done_year + inv["B"].done_year
    assert inv[""].projects == inv["A"].projects + inv["B"].projects
    shown = fmt.text(inv[""].done_year, 2)
    brief = "\n".join(texts(next(p for p in result.outputs if p.suffix == ".docx")))
    assert f"本年累计完成投资{shown}亿元" in brief
    book_path = next(p for p in result.outputs if "汇总表" in p.name)
    summary = [r for r in load_workbook(book_path)["总表"].iter_rows(values_only=True)]
    first = next(k for k, r in enumerate(summary) if r[0] == "合计")
    tz = next(r for r in summary[first:] if r[1] == "项目完成投资")
    assert f"{D(str(tz[3])):.2f}" == shown  # the 总表 合计 and the brief: one figure
    assert "等于计入合计的各集群之和（不含文旅，目标库中“计入合计”为否）" in " ".join(_notes(book_path, "重点项目"))


def test_chart_note_says_a_withdrawn_district_was_withdrawn():
    """The same as above with 丙开发区's month withdrawn by the bureau (`reporttool withdraw`): 报送情况 says 已撤回,
    and the note under 图1 does too (not 未报送)."""
    from reporttool.ledger.store import Withdrawal

    base = make_small_catalogue()
    a, b, c = base.clusters
    cat = dataclasses.replace(base, clusters=(a, dataclasses.replace(b, districts=("110101", "110102")), c), _index={})
    figs = small_figures()
    next(f for f in figs.clusters if (f.cluster, f.indicator) == ("B", "SR")).status = "滞后"
    bing = next(s for s in figs.submissions if s.district_name == "丙开发区")
    bing.withdrawn = Withdrawal(1, bing.district, "2025-06", 3, dt.datetime(2025, 7, 6, 9, 0), "张三", "数据有误")
    assert bing.shown == "已撤回"
    assert chart_block(figs, cat).note == "注：化工集群因丙开发区本月数据已撤回，数据不完整，暂不作滞后判断。"
    assert wording.coverage(figs).scope(cat) == "（据已报送的2个县（市）区和开发区数据，丙开发区本月数据已撤回）"
