"""The quarter's and the year's brief as a leader reads it (issue 13 item 3, the reviewer's defects): 当季 with
its total and its change on the previous quarter among the period's figures (before 见附件), one name for the
period in titles and file names, the year's brief speaking of the year, ranks among the clusters counted.

The ledger is built in code (small fixture city, targets: 化工 营业收入 100 亿元, 装备制造 50 亿元, 合计 200 亿元):

    district      March (A / B 营业收入, 万元)   June (A / B)
    甲区 110101   100000 / 20000               250000 / 50000
    乙县 110102    50000 / —                   120000 / —
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import zipfile
from decimal import Decimal as D

from helpers import ingest_month, make_programme_catalogue, put, small_brief, texts

from reporttool.core.models import Period, annual_period
from reporttool.figures.compute import compute_figures
from reporttool.figures.records import add_cluster_measures
from reporttool.figures.scorecard import add_span, span_value
from reporttool.pipeline.consolidate import run_consolidate
from reporttool.render import sections
from reporttool.render.detail_book import detail_name
from reporttool.render.prose import Heading, Paragraph
from reporttool.render.workbook import consolidated_name, title_of

Q2 = Period(2025, 6, True)
A, B, C = "110101", "110102", "KF01"  # 甲区, 乙县, 丙开发区


def quarter_figures(ledger, cat, *, fallen: bool = False):
    ingest_month(ledger, Period(2025, 3), A, {("A", "SR"): 100000, ("B", "SR"): 20000})
    ingest_month(ledger, Period(2025, 6), A, {("A", "SR"): 250000, ("B", "SR"): 50000})
    ingest_month(ledger, Period(2025, 3), B, {("A", "SR"): 50000})
    ingest_month(ledger, Period(2025, 6), B, {("A", "SR"): 120000})
    if fallen:  # 丙开发区's June 本年累计 below its March: no 当季 from it
        ingest_month(ledger, Period(2025, 3), C, {("A", "SR"): 30000})
        ingest_month(ledger, Period(2025, 6), C, {("A", "SR"): 20000})
    return add_span(ledger, cat, compute_figures(ledger, cat, Q2))


def test_quarter_values_of_clusters_programme_and_districts(ledger, small_catalogue):
    figs = quarter_figures(ledger, small_catalogue)
    a = span_value(figs, "A", "SR")
    # (25 − 10) + (12 − 5) = 22 亿元; 一季度's own (its 本年累计) over the same districts 10 + 5 = 15
    assert (a.value, a.n_districts, a.before, a.missing, a.fallen) == (D(22), 2, D(15), (), ())
    assert a.change == (D(22) / D(15) - 1) * 100
    b = span_value(figs, "B", "SR")
    assert (b.value, b.before, b.change) == (D(3), D(2), D(50))
    total = span_value(figs, "", "SR")  # the programme 合计: 22 + 3 over 15 + 2
    assert (total.value, total.before, total.n_districts) == (D(25), D(17), 2)
    assert (span_value(figs, "A", "SR", A).value, span_value(figs, "A", "SR", B).value) == (D(15), D(7))
    assert span_value(figs, "A", "GS") is None  # a count: no 当季


def test_a_fallen_year_to_date_is_left_out_of_the_quarter_and_named(small_catalogue):
    """丙开发区's June 本年累计 (from its roster, say) below its March one: no 当季 from it, as 当月 (a typed value
    that falls is R-YTD-FALL's error and has no value at all, so this is built from stored sums)."""
    from reporttool.figures.records import Figures, IndicatorFigure
    from reporttool.figures.scorecard import _span
    from reporttool.ledger.aggregates import Sum

    def sums(**by_district):
        return {d: {("A", "SR"): Sum(D(v))} for d, v in by_district.items()}

    cells = [(A, "A"), (B, "A"), (C, "A")]
    v = _span(IndicatorFigure("A", "SR"), cells, sums(**{A: 25, B: 12, C: 2}), sums(**{A: 10, B: 5, C: 3}), {},
              False, True)
    assert (v.value, v.n_districts, v.fallen, v.before, v.missing) == (D(22), 2, (C,), D(15), ())
    figs = Figures(Q2, D(50), dt.datetime(2025, 7, 10), "", [IndicatorFigure("A", "SR", value=D(39))],
                   [IndicatorFigure("", "SR", value=D(39))], [], [], [], [], [],
                   span_values=[v, dataclasses.replace(v, cluster="")])
    text = sections.span_blocks(figs, small_catalogue)[0].text
    assert text == "从二季度当季看，营业收入二季度完成22.00亿元（按两个季末均有该项数据的2个县区计），比一季度增长46.7%。" \
        "丙开发区本年累计低于上季末，未计入当季数。"


def test_quarter_paragraph_has_the_total_its_change_and_the_clusters_in_the_first_section(ledger, small_catalogue):
    figs = quarter_figures(ledger, small_catalogue)
    add_cluster_measures(figs, 1, {c.code for c in small_catalogue.members()})
    draft = sections.draft(figs, small_catalogue)
    paras = [b.text for b in draft.blocks if isinstance(b, Paragraph)]
    heads = [i for i, b in enumerate(draft.blocks) if isinstance(b, Heading)]
    # 合计 (22 + 3) / (15 + 2) − 1 = 47.1 %; 装备制造 3 / 2 − 1 = 50.0 %, 化工 22 / 15 − 1 = 46.7 % (largest first)
    quarter = ("从二季度当季看，营业收入二季度完成25.00亿元，比一季度增长47.1%。"
               "分集群看，装备制造和化工营业收入二季度比一季度分别增长50.0%和46.7%。")
    assert quarter in paras
    where = next(i for i, b in enumerate(draft.blocks) if isinstance(b, Paragraph) and b.text == quarter)
    assert heads[0] < where < heads[1]  # in 一, with the period's other figures
    assert paras.index(quarter) < paras.index("各集群主要指标完成情况见附件。")
    # 完成率: 化工 37 of 100 亿元, 装备制造 5 of 50 亿元 (the rates themselves in the clusters' paragraphs)
    ranks = next(p for p in paras if p.startswith("按主要指标完成率"))
    # no district typed a 上年同期: no 完成率 of an apportioned target and no 同比, so the 县区考核 ranks none
    assert ranks == ("按主要指标完成率，各集群依次为化工、装备制造；各县（市）区和开发区均没有目标完成、增长的考核结果，"
                     "未按县区考核总分排名（计分办法见汇总表“县区考核”表）。")
    # ranks and targets before the clusters' own paragraphs, not after the reference to the 附件
    first_cluster = next(i for i, b in enumerate(draft.blocks) if isinstance(b, Paragraph) and b.lead.startswith("（一）"))
    assert heads[1] < paras_at(draft, ranks) < first_cluster
    # a quarter says nothing of “差…个百分点” of the whole year: 二 compares with 时序进度
    assert not any("尚有差距" in p or "年度目标完成情况" in p for p in paras)


def paras_at(draft, text: str) -> int:
    return next(i for i, b in enumerate(draft.blocks) if isinstance(b, Paragraph) and b.text == text)


def test_one_name_for_a_period_in_file_names_and_titles(small_catalogue):
    cat = small_catalogue
    for period, words in ((Period(2025, 6), "2025年1-6月"), (Q2, "2025年上半年"), (Period(2025, 9, True), "2025年前三季度"),
                          (annual_period(2024), "2024年全年")):
        bracket = f"（{words}）"
        assert title_of(cat, period, "主要指标完成情况").endswith(bracket)
        assert consolidated_name(cat, period) == f"测试市重点产业集群主要指标汇总表{bracket}.xlsx"
        assert detail_name(cat, period) == f"测试市重点产业集群企业和项目明细{bracket}.xlsx"


def test_ranks_are_among_the_clusters_counted(tmp_path):
    from helpers import sample_figures

    cat = make_programme_catalogue()  # 文旅 (C) 计入合计 否
    figs = sample_figures(cat, seed=3)
    for f in figs.clusters:
        if f.indicator == "SR":
            f.last_year = D(100)
            f.value = {"A": D(110), "B": D(105), "C": D(150)}[f.cluster]  # 文旅 grew most
            f.yoy = f.value - 100
        f.yoy_rank = f.pull = None
    add_cluster_measures(figs, 1, {c.code for c in cat.members()})
    a, b, c = (figs.cluster_figure(x, "SR") for x in "ABC")
    assert (a.yoy_rank, b.yoy_rank, a.yoy_ranked, c.yoy_rank) == (1, 2, 2, None)
    lines = small_brief(tmp_path, figs, cat).splitlines()
    # 文旅 grew fastest (50 %) but is no part of the 合计: 化工 leads the two counted, 文旅 is not ranked
    assert any(t.endswith("化工增速居计入合计的2个集群首位。") for t in lines)
    wen = next(t for t in lines if t.startswith("（三）文旅产业集群"))
    assert "同比增长50.0%" in wen and "增速居" not in wen


def test_the_year_brief_speaks_of_the_year(small_workspace):
    ws = small_workspace
    for m, (ja, yi) in ((9, ("600000", "200000")), (11, ("800000", "270000")), (12, ("900000", "300000"))):
        when = dt.datetime(2025 + m // 12, m % 12 + 1, 4, 9, 0)
        put(ws, f"甲区{m}月.xlsx", A, period=Period(2025, m), sr=ja, when=when)
        put(ws, f"乙县{m}月.xlsx", B, period=Period(2025, m), sr=yi, when=when)
    result = run_consolidate(ws, annual_period(2025), now=dt.datetime(2026, 1, 10, 9, 0))
    lines = texts(next(p for p in result.outputs if p.suffix == ".docx"))
    text = "\n".join(lines)
    # no December 当月 in a year's brief (nor in its 总表): the year's own quarter is 四季度:
    # (90 − 60) + (30 − 20) = 40 亿元 over both districts
    assert "当月" not in text and "较上月" not in text
    assert "从四季度当季看，营业收入四季度完成40.00亿元。" in lines
    # 下步工作: the year is over, no 时序进度 to reach; the lagging cluster is one that missed its target
    assert "时序进度要求" not in text and "确保各项指标在新的一年按时序进度推进。" in text
    # the 附件's note and the 附注 measure against the annual target
    assert "进度差为完成率与年度目标（100%）之差，负数为距年度目标的差距" in text
    assert "1. 完成率为全年累计完成值占年度目标的比例，以年度目标（100%）衡量，不再与时序进度比较。" in lines
    assert any(t.startswith("2. 完成情况对所有指标采用同一标准") and "为“未完成年度目标”" in t for t in lines)
    book = next(p for p in result.outputs if p.name.endswith("汇总表（2025年全年）.xlsx"))
    with zipfile.ZipFile(book) as z:
        charts = "".join(z.read(n).decode("utf-8") for n in z.namelist() if n.startswith("xl/charts/chart"))
    assert "各集群主要指标年度目标完成率（2025年全年）" in charts and "时序进度" not in charts
    import openpyxl

    summary = [c for r in openpyxl.load_workbook(book)["总表"].iter_rows(values_only=True) for c in r
               if isinstance(c, str)]
    assert any("全年时序进度为100%，进度差即完成率与年度目标之差：“滞后”即未完成年度目标" in t for t in summary)
    head = next(r for r in openpyxl.load_workbook(book)["总表"].iter_rows(values_only=True) if "本年累计" in r)
    assert "四季度\n当季" in head and not any(isinstance(c, str) and "当月" in c for c in head)
    assert result.figures.months and all(f.month_value is None for f in result.figures.clusters)


def test_quarter_column_in_the_summary_and_district_sheets(ledger, small_catalogue, tmp_path):
    import openpyxl

    from reporttool.render.workbook import write_consolidated

    figs = quarter_figures(ledger, small_catalogue)
    book = openpyxl.load_workbook(write_consolidated(figs, small_catalogue, tmp_path / "q.xlsx"))
    rows = [list(r) for r in book["总表"].iter_rows(values_only=True)]
    head = next(r for r in rows if "本年累计" in r)
    col = head.index("本年累计")
    assert head[col - 1] == "二季度\n当季"  # just before 本年累计, in its group
    assert rows[rows.index(head) - 1][col - 1] == "完成情况"
    sr = [r for r in rows if r[1] == "营业收入" and r[2] == "亿元"]  # (not the chart's data under the notes)
    # 合计 25 / 42 亿元 (37 + 5), 化工 22 / 37, 装备制造 3 / 5; 文旅 has no data
    assert [(r[col - 1], r[col]) for r in sr] == [(25, 42), (22, 37), (3, 5), ("—", "—")]
    notes = [r[0] for r in rows if isinstance(r[0], str) and "二季度当季＝" in r[0]]
    assert len(notes) == 1 and "二季度当季＝6月末本年累计－3月末本年累计" in notes[0]
    rows = [list(r) for r in book["分县区"].iter_rows(values_only=True)]
    head = next(r for r in rows if "本年累计" in r)
    col = head.index("本年累计")
    assert head[col - 1] == "二季度\n当季"
    chem = [(r[3], r[col - 1], r[col]) for r in rows if r[0] == "化工" and r[1] == "营业收入"]
    assert chem == [("合计", 22, 37), ("甲区", 15, 25), ("乙县", 7, 12)]


def test_a_month_and_a_first_quarter_have_no_quarter_column(ledger, small_catalogue):
    from reporttool.render.workbook import quarter_column

    figs = quarter_figures(ledger, small_catalogue)
    assert quarter_column(figs) == "二季度\n当季"
    q1 = add_span(ledger, small_catalogue, compute_figures(ledger, small_catalogue, Period(2025, 3, True)))
    assert quarter_column(q1) == ""  # 一季度's 当季 is its 本年累计
    assert quarter_column(compute_figures(ledger, small_catalogue, Period(2025, 6))) == ""


def test_a_stand_in_counts_in_the_programme_quarter_and_month(ledger, small_catalogue):
    """襄樊's 纺织服装 counts in the 产值 合计 through its 集群产值（四项合计） (指标.汇总口径): the 合计's 当季 and 当月
    must count it too, as its 本年累计 does (the trial's 二季度 合计 39.46 亿元 beside clusters adding up to 55.71)."""
    from helpers import figures_with_months

    from reporttool.core.models import Indicator

    extra = (Indicator("C1", "甲产值", "亿元", "万元", "output", clusters=("C",), order=10),
             Indicator("C2", "乙产值", "亿元", "万元", "output", clusters=("C",), order=11),
             Indicator("CZC", "集群产值", "亿元", "亿元", "formula", clusters=("C",), formula="C1+C2",
                       roster_measure="CZ", order=12))
    cat = dataclasses.replace(small_catalogue, indicators=small_catalogue.indicators + extra, _index={})
    early = {("A", "CZ"): 1000, ("B", "CZ"): 500, ("C", "C1"): 300, ("C", "C2"): 200}
    late = {("A", "CZ"): 2500, ("B", "CZ"): 1100, ("C", "C1"): 700, ("C", "C2"): 500}
    # the months of 当月 in 2024: a February of 2025 above March would make March's form an R-YTD-FALL error
    # (March is checked against February in 2025-Q1 as in 2025-03), its rows left out of 一季度
    jan, feb = Period(2024, 1), Period(2024, 2)
    for first, second in ((Period(2025, 3), Period(2025, 6)), (jan, feb)):
        ingest_month(ledger, first, A, early)
        ingest_month(ledger, second, A, late)
    figs = add_span(ledger, cat, compute_figures(ledger, cat, Q2))
    # (2500 − 1000) + (1100 − 500) + (1200 − 500) 万元 = 0.28 亿元, of a 合计 of 0.48 亿元
    assert next(f for f in figs.programme if f.indicator == "CZ").value == D("0.48")
    assert span_value(figs, "", "CZ").value == D("0.28")
    assert span_value(figs, "C", "CZC").value == D("0.07")
    month = figures_with_months(ledger, cat, feb)
    assert next(f for f in month.programme if f.indicator == "CZ").month_value == D("0.28")


def test_many_clusters_quarter_changes_name_the_first_five():
    from reporttool.figures.scores import SpanValue
    from reporttool.render.period_brief import _grouped_changes

    changes = {"甲": 3, "乙": 7, "丙": 6, "丁": 5, "戊": 4, "己": 2, "庚": -1, "辛": 0}
    items = [(n, SpanValue("X", "SR", D(1), 1, change=D(c))) for n, c in changes.items()]
    assert _grouped_changes(items, "营业收入", Q2, 1) == (
        "6个集群营业收入二季度比一季度增长，其中居前5位的乙、丙、丁、戊和甲分别增长7.0%、6.0%、5.0%、4.0%和3.0%，"
        "庚下降1.0%，辛与一季度持平")
