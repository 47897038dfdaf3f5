"""当季 and the 县区考核 scorecard of a quarter (issue #13 items 3 and 6), with hand-computed values."""
from __future__ import annotations

import datetime as dt
import zlib
from decimal import Decimal as D

import openpyxl
import pytest
from helpers import credit_code, put

from reporttool.core.models import Period
from reporttool.core.units import q
from reporttool.figures.scores import MODE_APPORTIONED
from reporttool.pipeline.consolidate import run_consolidate

Q2 = Period(2025, 6, True)
NOW = dt.datetime(2025, 7, 10, 9, 0)


def at(month: int, day: int) -> dt.datetime:
    return dt.datetime(2025, month, day, 10, 0)


def roster(name: str, *, bad: bool = False) -> list[dict]:
    """One good enterprise of cluster A, and with ``bad`` a second one whose credit code fails its check digit."""
    good = credit_code(zlib.crc32(name.encode("utf-8")) % 10**7)
    rows = [{"credit_code": good, "name": f"{name}企业", "cluster": "A", "is_scale": "否", "revenue": D(1)}]
    if bad:
        wrong = credit_code(zlib.crc32(name.encode("utf-8")) % 10**7 + 1)
        wrong = wrong[:-1] + ("0" if wrong[-1] != "0" else "1")
        rows.append({"credit_code": wrong, "name": f"{name}企业二", "cluster": "A", "is_scale": "否", "revenue": D(1)})
    return rows


def make_quarter(ws):
    # 甲区: March (an error, corrected by a second March file that still has it), June on time
    put(ws, "甲区3月.xlsx", "110101", period=Period(2025, 3), sr="100000", when=at(4, 3), roster=roster("甲3", bad=True))
    put(ws, "甲区3月更正.xlsx", "110101", period=Period(2025, 3), sr="110000", when=at(4, 4),
        roster=roster("甲3", bad=True))
    put(ws, "甲区6月.xlsx", "110101", period=Period(2025, 6), sr="250000", sr_ly="200000", when=at(7, 3),
        roster=roster("甲6"))
    # 乙县: only June, late, first with an error and then corrected
    put(ws, "乙县6月.xlsx", "110102", period=Period(2025, 6), sr="50000", sr_ly="50000", when=at(7, 8),
        roster=roster("乙6", bad=True))
    put(ws, "乙县6月更正.xlsx", "110102", period=Period(2025, 6), sr="50000", sr_ly="50000", when=at(7, 9),
        roster=roster("乙6"))
    return run_consolidate(ws, Q2, now=NOW)


def test_span_value_is_this_quarter_end_minus_the_last(small_workspace):
    figs = make_quarter(small_workspace).figures
    sv = next(v for v in figs.span_values if (v.cluster, v.indicator) == ("A", "SR"))
    # 甲区: 25 亿 (June) − 11 亿 (March, the corrected version in use); 乙县 has no March: left out
    assert (sv.value, sv.n_districts, sv.missing) == (D(14), 1, ("110102",))
    assert not [v for v in figs.span_values if v.indicator in ("GS", "ZB")]  # a count and a ratio: no 当季


def test_scorecard_by_hand(small_workspace):
    figs = make_quarter(small_workspace).figures
    sc = figs.scorecard
    assert sc is not None and sc.mode == MODE_APPORTIONED  # the fixture city has no district targets
    assert sc.periods == ("1月", "2月", "3月", "4月", "5月", "6月")
    rows = {r.name: r for r in sc.rows}
    jia, yi, bing = rows["甲区"], rows["乙县"], rows["丙开发区"]
    # completion: cluster A's 营业收入 (the only headline with values) against the city's 100 亿元 target
    # apportioned by 上年同期 (甲区 20 of 25 亿元: 80 亿元; 乙县 5 of 25: 20 亿元): 25/80 and 5/20
    assert (jia.completion, yi.completion, bing.completion) == (D("31.25"), D(25), None)
    # growth: 同比 25 % and 0 %; on time: 甲区 March and June, 乙县 late in June
    assert (jia.growth, yi.growth) == (D(25), D(0))
    assert (jia.on_time, jia.due, yi.on_time, bing.on_time) == (2, 6, 0, 0)
    assert jia.late == ("1月", "2月", "4月", "5月") and yi.late == ("1月", "2月", "3月", "4月", "5月", "6月")
    # findings fixed: 甲区's March error still there in its correction; 乙县's June error gone
    # (each first version has one error: the second enterprise's credit code, R-CREDIT-CHECK)
    assert (jia.first_errors, jia.fixed, yi.first_errors, yi.fixed) == (1, 0, 1, 1)
    # points (weights 40/30/20/10, 时序进度 50 %): 甲区 40×31.25/50 + 30 + 20×2/6 + 0;
    # 乙县 40×25/50 + 30×0.6 + 0 + 10
    assert [q(p, 3) for p in jia.points] == [D(25), D(30), D("6.667"), D(0)]
    assert [q(p, 3) for p in yi.points] == [D(20), D(18), D(0), D(10)]
    # 丙开发区 sent nothing: no 完成率 and no 同比 (those parts left out, not 0), nothing on time or to fix;
    # with no result part scored it has no total and no rank (设置 考核排名最少结果项 1 by default)
    assert bing.points == (None, None, D(0), D(0))
    assert (q(jia.total, 1), q(yi.total, 1), bing.total) == (D("61.7"), D("48.0"), None)
    assert (jia.rank, yi.rank, bing.rank) == (1, 2, None)
    assert sc.unranked == (bing,) and sc.min_results == 1


def test_scorecard_sheet_in_the_quarter_workbook(small_workspace):
    ws = small_workspace
    make_quarter(ws)
    book = next(p for p in ws.period_dir(Q2).iterdir() if p.name.endswith("汇总表（2025年上半年）.xlsx"))
    wb = openpyxl.load_workbook(book)
    sheet = wb["县区考核"]
    rows = list(sheet.iter_rows(values_only=True))
    jia = next(r for r in rows if r[1] == "甲区")
    assert jia[2] == 31.3 and jia[3] == 25 and jia[6] == "2/6" and jia[7] == 6.7 and jia[11] == 61.7 and jia[12] == 1
    texts = [c for r in rows for c in r if isinstance(c, str)]
    assert any("目标库未分县区下达目标，将全市各集群主要指标的年度目标按县区上年同期占全市的比重分解" in t for t in texts)
    assert any("未按时报送的期次：甲区（1月、2月、4月、5月）" in t for t in texts)


def test_a_month_has_no_scorecard(small_workspace):
    ws = small_workspace
    put(ws, "甲区6月.xlsx", "110101", period=Period(2025, 6), sr="250000", when=at(7, 3))
    result = run_consolidate(ws, Period(2025, 6), now=NOW)
    assert result.figures.scorecard is None and result.figures.span_values == []
    book = next(p for p in ws.period_dir(Period(2025, 6)).iterdir() if p.name.endswith(".xlsx") and "汇总表" in p.name)
    assert "县区考核" not in openpyxl.load_workbook(book).sheetnames


def test_quarter_brief_words_the_half_year_the_quarter_targets_and_ranks(small_workspace):
    import docx

    result = make_quarter(small_workspace)
    brief = next(p for p in result.outputs if p.suffix == ".docx")
    text = "\n".join(p.text for p in docx.Document(str(brief)).paragraphs)
    assert "全市重点产业集群上半年运行情况" in text
    assert "2025年上半年，全市3个重点产业集群" in text
    # 当季: 甲区's 25 亿元 − 11 亿元 (乙县 has no March: left out); 一季度's own is 11 亿元: 14/11 − 1 = 27.3 %.
    # One cluster only: no 分集群看 repeating the total
    assert ("从二季度当季看，营业收入二季度完成14.00亿元（按两个季末均有该项数据的1个县区计），比一季度增长27.3%。"
            "乙县缺少上季末数据，未计入当季数。") in text
    # a quarter measures against 时序进度 (二's first paragraph), not “差70.0个百分点” of the whole year
    assert "年度目标完成情况" not in text and "尚有差距" not in text
    assert ("按县区考核总分，各县（市）区和开发区依次为甲区（61.7分）、乙县（48.0分），丙开发区没有目标完成、增长的"
            "考核结果，未排名（计分办法见汇总表“县区考核”表）") in text
    assert "2025年二季度数据根据各县区1-6月报表汇总，本年累计为1-6月累计数。" in text


def test_year_brief_says_who_met_the_annual_target(small_workspace):
    import docx

    from reporttool.core.models import annual_period

    ws = small_workspace
    put(ws, "甲区12月.xlsx", "110101", period=Period(2025, 12), sr="900000", when=dt.datetime(2026, 1, 4, 9, 0))
    put(ws, "乙县12月.xlsx", "110102", period=Period(2025, 12), sr="300000", when=dt.datetime(2026, 1, 4, 9, 0))
    result = run_consolidate(ws, annual_period(2025), now=dt.datetime(2026, 1, 10, 9, 0))
    brief = next(p for p in result.outputs if p.suffix == ".docx")
    text = "\n".join(p.text for p in docx.Document(str(brief)).paragraphs)
    assert "全市重点产业集群全年运行情况" in text and "2025年全年，全市3个重点产业集群" in text
    # (900000 + 300000) 万元 = 120 亿元 against the 100 亿元 target: 超额完成, said in 二's first paragraph; its
    # 120.0 % once, in the cluster's paragraph; no 从年度目标完成情况看 (nobody short of the target)
    assert "从各集群主要指标看，化工营业收入超额完成年度目标（见图1）。" in text
    assert text.count("120.0%") == 1 and "从年度目标完成情况看" not in text
    assert result.figures.scorecard is not None and result.figures.scorecard.periods[-1] == "12月"


def test_a_corrected_march_changes_the_second_quarter_on_its_own(small_workspace):
    """The previous quarter end's sums are kept in the ledger (figures/history.py) under a stamp of the
    versions a quarter uses (here the March forms): a correction of March is seen at the next run."""
    ws = small_workspace
    make_quarter(ws)
    put(ws, "甲区3月再更正.xlsx", "110101", period=Period(2025, 3), sr="120000", when=at(4, 5),
        roster=roster("甲3"))
    figs = run_consolidate(ws, Q2, now=NOW).figures
    sv = next(v for v in figs.span_values if (v.cluster, v.indicator) == ("A", "SR"))
    assert sv.value == D(13)  # 25 亿 − 12 亿 (was 25 − 11 before the correction)


def test_an_error_within_its_correction_window_is_not_counted_unfixed(small_workspace):
    """乙县's June form has an error and no correction yet: on 10 July it may still be corrected (until the
    July report's deadline, 5 August), so it is pending, not unfixed; on 6 August it counts."""
    ws = small_workspace
    put(ws, "乙县6月.xlsx", "110102", period=Period(2025, 6), sr="50000", sr_ly="50000", when=at(7, 3),
        roster=roster("乙6", bad=True))
    yi = next(r for r in run_consolidate(ws, Q2, now=NOW).figures.scorecard.rows if r.name == "乙县")
    assert (yi.first_errors, yi.fixed, yi.pending, yi.points[3]) == (0, 0, 1, D(10))
    book = next(p for p in ws.period_dir(Q2).iterdir() if p.name.endswith("汇总表（2025年上半年）.xlsx"))
    texts = [c for r in openpyxl.load_workbook(book)["县区考核"].iter_rows(values_only=True) for c in r
             if isinstance(c, str)]
    assert any("尚在更正期内、未计入首报错误的错误：乙县1条。" in t for t in texts)
    later = run_consolidate(ws, Q2, now=dt.datetime(2025, 8, 6, 9, 0)).figures.scorecard
    yi = next(r for r in later.rows if r.name == "乙县")
    assert (yi.first_errors, yi.fixed, yi.pending, yi.points[3]) == (1, 0, 0, D(0))


def only_output_targets(ws, *targets):
    """The fixture city with its targets replaced by ``targets``."""
    import dataclasses

    from helpers import make_small_catalogue

    from reporttool.catalogue.writer import write_catalogue

    write_catalogue(dataclasses.replace(make_small_catalogue(), targets=targets, _index={}), ws.targets)


def put_outputs(ws, name: str, district: str, outputs: dict, when: dt.datetime, period: Period = Period(2025, 6)):
    """A form of ``period`` with cluster A's ``outputs`` {indicator: (本年累计, 上年同期)} in 万元."""
    import os

    from reporttool.forms.writer import write_template

    path = write_template(ws.catalogue(), district, period, ws.inbox / name, roster=roster(name),
                          outputs={("A", i): {"value": D(v), "value_ly": D(ly) if ly else None}
                                   for i, (v, ly) in outputs.items()})
    os.utime(path, (when.timestamp(), when.timestamp()))


def test_target_part_scores_the_indicator_the_brief_ranks_by_and_drops_out_without_one(small_workspace):
    """Cluster A's 营业收入 has no target, its 工业总产值 has 100 亿元: the brief ranks A by 工业总产值
    (“按主要指标完成率”), so the 县区考核 scores 目标完成 and 增长 on it too. Apportioned by 上年同期 (甲区 20 of
    25 亿元: 80 亿元; 乙县 5 of 25: 20 亿元): 甲区 30/80 = 37.5 %, 乙县 10/20 = 50 %. 丙开发区 reports only
    营业收入: no 完成率, so 目标完成 is left out; without a 同比 either it has no result part: no total, no rank."""
    from reporttool.core.models import Target

    ws = small_workspace
    only_output_targets(ws, Target("A", "CZ", "annual", 2025, D(100)))
    put_outputs(ws, "甲区6月.xlsx", "110101", {"CZ": ("300000", "200000"), "SR": ("300000", None)}, at(7, 3))
    put_outputs(ws, "乙县6月.xlsx", "110102", {"CZ": ("100000", "50000"), "SR": ("100000", None)}, at(7, 3))
    put_outputs(ws, "丙开发区6月.xlsx", "KF01", {"SR": ("10000", None)}, at(7, 3))
    result = run_consolidate(ws, Q2, now=NOW)
    rows = {r.name: r for r in result.figures.scorecard.rows}
    jia, yi, bing = rows["甲区"], rows["乙县"], rows["丙开发区"]
    assert (jia.completion, yi.completion, bing.completion) == (D("37.5"), D(50), None)
    assert (jia.growth, yi.growth, bing.growth) == (D(50), D(100), None)  # 同比 of 工业总产值
    # 时序进度 50 %: 甲区 40×37.5/50 = 30, 增长 30×0.6 = 18, June on time 20×1/6, no errors 10
    assert [q(p, 3) for p in jia.points] == [D(30), D(18), D("3.333"), D(10)]
    assert [q(p, 3) for p in yi.points] == [D(40), D(30), D("3.333"), D(10)]
    # 丙开发区 has no 同比 either: its 按时报送 and 问题整改 are shown, but no total (not 44.4 of the 30 points left)
    assert bing.points[:2] == (None, None) and [q(p, 3) for p in bing.points[2:]] == [D("3.333"), D(10)]
    assert (q(jia.total, 1), q(yi.total, 1), bing.total) == (D("61.3"), D("83.3"), None)
    assert (jia.rank, yi.rank, bing.rank) == (2, 1, None)
    book = next(p for p in ws.period_dir(Q2).iterdir() if p.name.endswith("汇总表（2025年上半年）.xlsx"))
    sheet = list(openpyxl.load_workbook(book)["县区考核"].iter_rows(values_only=True))
    assert next(r for r in sheet if r[1] == "丙开发区")[2:6] == ("—", "—", "—", "—")
    texts = [c for r in sheet for c in r if isinstance(c, str)]
    assert any("主要指标与简报“按主要指标完成率”排序所用的相同（化工工业总产值）；算不出完成率的县区不计此项，"
               "其余各项按权重折算为100分。" in t for t in texts)


def test_imported_months_are_neither_on_time_nor_late(small_workspace, tmp_path):
    """甲区's April and May were imported as history long after their deadlines, June sent on time:
    按时报送 counts January … June less the two imported months (4 due, 1 on time: 20×1/4 = 5 points);
    乙县, whose only month (May) was imported and whose June is missing, is due 5 and late in all.
    报送情况 of May says 导入, not 按时."""
    from reporttool.pipeline.importing import run_import

    ws = small_workspace
    long_after = dt.datetime(2025, 11, 20, 9, 0)
    old = tmp_path / "往期"
    old.mkdir()
    from reporttool.forms.writer import write_template

    for name, d, m in (("甲区4月.xlsx", "110101", 4), ("甲区5月.xlsx", "110101", 5), ("乙县5月.xlsx", "110102", 5)):
        write_template(ws.catalogue(), d, Period(2025, m), old / name, roster=roster(name),
                       outputs={("A", "SR"): {"value": D(1000 * m), "value_ly": None}})
    run_import(ws, [old], now=long_after)
    put(ws, "甲区6月.xlsx", "110101", period=Period(2025, 6), sr="250000", sr_ly="200000", when=at(7, 3),
        roster=roster("甲6"))
    sc = run_consolidate(ws, Q2, now=NOW).figures.scorecard
    rows = {r.name: r for r in sc.rows}
    jia, yi = rows["甲区"], rows["乙县"]
    assert (jia.on_time, jia.due, jia.imported, jia.late) == (1, 4, ("4月", "5月"), ("1月", "2月", "3月"))
    assert (yi.on_time, yi.due, yi.imported) == (0, 5, ("5月",))
    assert jia.points[2] == D(5) and yi.points[2] == D(0)
    book = next(p for p in ws.period_dir(Q2).iterdir() if p.name.endswith("汇总表（2025年上半年）.xlsx"))
    texts = [c for r in openpyxl.load_workbook(book)["县区考核"].iter_rows(values_only=True) for c in r
             if isinstance(c, str)]
    assert "1/4" in texts
    assert any("作为历史数据导入、不计按时报送的期次：甲区（4月、5月）；乙县（5月）。" in t for t in texts)
    may = Period(2025, 5)
    run_consolidate(ws, may, now=NOW)
    book = next(p for p in ws.period_dir(may).iterdir() if p.name.endswith("汇总表（2025年1-5月）.xlsx"))
    texts = [c for r in openpyxl.load_workbook(book)["报送情况"].iter_rows(values_only=True) for c in r
             if isinstance(c, str)]
    assert any(t.startswith("注：1. 应报3个，已报2个（按时0个，逾期0个，导入2个），未报1个；") for t in texts)


def test_every_month_imported_leaves_the_on_time_part_out(small_workspace, tmp_path):
    """甲区's January … March were all imported as history: 按时报送 is left out (“—”), not 0/3 and not 3/3
    with full points. Its 营业收入 30 亿元 against the city's 100 亿元 apportioned by its 上年同期 (the whole
    city's: 100 亿元) is 30 % ≥ 时序进度 25 %: 40; the only 同比 (50 %): 30; no errors: 10; 80 of 80 = 100."""
    from reporttool.forms.writer import write_template
    from reporttool.pipeline.importing import run_import

    ws = small_workspace
    old = tmp_path / "往期"
    old.mkdir()
    for m in (1, 2, 3):
        write_template(ws.catalogue(), "110101", Period(2025, m), old / f"甲区{m}月.xlsx", roster=roster(f"甲{m}"),
                       outputs={("A", "SR"): {"value": D(100000 * m), "value_ly": D(200000 * m // 3)}})
    run_import(ws, [old], now=dt.datetime(2025, 5, 1, 9, 0))
    q1 = Period(2025, 3, True)
    sc = run_consolidate(ws, q1, now=dt.datetime(2025, 5, 2, 9, 0)).figures.scorecard
    jia = next(r for r in sc.rows if r.name == "甲区")
    assert (jia.on_time, jia.due, jia.imported, jia.late) == (0, 0, ("1月", "2月", "3月"), ())
    assert (jia.completion, jia.growth) == (D(30), D(50))
    assert jia.points == (D(40), D(30), None, D(10)) and jia.total == D(100)
    book = next(p for p in ws.period_dir(q1).iterdir() if p.name.endswith("汇总表（2025年一季度）.xlsx"))
    sheet = list(openpyxl.load_workbook(book)["县区考核"].iter_rows(values_only=True))
    assert next(r for r in sheet if r[1] == "甲区")[6:8] == ("—", "—")


def test_a_long_district_name_gets_a_row_tall_enough(small_workspace):
    """葫芦岛高新技术产业开发区 wraps in the 县区 column (14 wide): its row grows to the lines it needs, as in
    报送情况, instead of the name spilling over the next row."""
    import dataclasses

    from helpers import make_small_catalogue

    from reporttool.catalogue.writer import write_catalogue
    from reporttool.core.models import District
    from reporttool.render.xlsx_styles import lines_needed

    ws = small_workspace
    long = "葫芦岛高新技术产业开发区"
    base = make_small_catalogue()
    write_catalogue(dataclasses.replace(base, districts=(*base.districts[:2], District("KF01", long, "开发区", 3)),
                                        _index={}), ws.targets)
    put(ws, "甲区6月.xlsx", "110101", period=Period(2025, 6), sr="250000", when=at(7, 3))
    run_consolidate(ws, Q2, now=NOW)
    book = next(p for p in ws.period_dir(Q2).iterdir() if p.name.endswith("汇总表（2025年上半年）.xlsx"))
    sheet = openpyxl.load_workbook(book)["县区考核"]
    row = next(c.row for c in sheet["B"] if c.value == long)
    assert lines_needed(long, 14) == 2
    assert sheet.row_dimensions[row].height >= 13.5 * 2  # two lines (xlsxwriter keeps whole pixels: 30.75)


def test_growth_part_is_left_out_without_a_comparable_base(small_workspace):
    """District targets (目标 rows with a 县区代码) for cluster A's 营业收入: 甲区 50, 乙县 20 亿元 (the city 70). 乙县 typed no
    上年同期, so it has a 完成率 but no 同比: its 增长 is “—” and its total is over the other 70 points, as a missing
    目标完成 part already was. By hand, 时序进度 50 %, June on time for both (20 × 1/6), no errors (10):
    甲区 25/50 = 50 % → 40; 同比 25 % is the only one → 30; total 40 + 30 + 3.333 + 10 = 83.3.
    乙县 8/20 = 40 % → 40 × 40/50 = 32; total (32 + 3.333 + 10) ÷ 70 × 100 = 64.8 (it was 45.3 of 100 with 增长 0)."""
    from reporttool.core.models import Target

    ws = small_workspace
    only_output_targets(ws, Target("A", "SR", "annual", 2025, D(70)),
                        Target("A", "SR", "annual", 2025, D(50), district="110101"),
                        Target("A", "SR", "annual", 2025, D(20), district="110102"))
    put(ws, "甲区6月.xlsx", "110101", period=Period(2025, 6), sr="250000", sr_ly="200000", when=at(7, 3),
        roster=roster("甲6"))
    put(ws, "乙县6月.xlsx", "110102", period=Period(2025, 6), sr="80000", when=at(7, 3), roster=roster("乙6"))
    result = run_consolidate(ws, Q2, now=NOW)
    sc = result.figures.scorecard
    rows = {r.name: r for r in sc.rows}
    jia, yi = rows["甲区"], rows["乙县"]
    assert sc.mode == "target" and (jia.completion, yi.completion) == (D(50), D(40))
    assert (jia.growth, yi.growth) == (D(25), None)
    assert [q(p, 3) for p in jia.points] == [D(40), D(30), D("3.333"), D(10)]
    assert yi.points[1] is None and [q(yi.points[i], 3) for i in (0, 2, 3)] == [D(32), D("3.333"), D(10)]
    assert (q(jia.total, 1), q(yi.total, 1)) == (D("83.3"), D("64.8"))
    book = next(p for p in ws.period_dir(Q2).iterdir() if p.name.endswith("汇总表（2025年上半年）.xlsx"))
    sheet = list(openpyxl.load_workbook(book)["县区考核"].iter_rows(values_only=True))
    line = next(r for r in sheet if r[1] == "乙县")
    assert line[2:6] == (40, 32, "—", "—") and line[11] == 64.8
    texts = [c for r in sheet for c in r if isinstance(c, str)]
    assert any("算不出同比的县区（没有上年同期数，无可比基数）不计此项，其余各项按权重折算为100分。" in t for t in texts)
    # 丙开发区 sent nothing: neither part, so no total and no rank (“—”), named apart
    assert any("不计“目标完成”或“增长”、总分按其余各项折算的县区：乙县（增长）。" in t for t in texts)
    assert next(r for r in sheet if r[1] == "丙开发区")[11:13] == ("—", "—")
    brief = next(p for p in result.outputs if p.suffix == ".docx")
    import docx

    text = "\n".join(p.text for p in docx.Document(str(brief)).paragraphs)
    assert "各县（市）区和开发区依次为甲区（83.3分）、乙县（64.8分）" in text


def no_result_quarter(ws, tmp_path, least: int | None = None):
    """The first quarter: 甲区's January … March imported as history with no 上年同期 (the demo's 兴城市 in 2024):
    no 完成率 (nothing to apportion the city's target by), no 同比, 按时报送 left out (all imported), no
    errors: before 考核排名最少结果项 it was 10 of 10 = 100.0, level first with a district that earned it.
    乙县 sends January … March on time, March 营业收入 30 亿元 (上年同期 20 亿元)."""
    import dataclasses

    from helpers import make_small_catalogue

    from reporttool.catalogue.writer import write_catalogue
    from reporttool.forms.writer import write_template
    from reporttool.pipeline.importing import run_import

    if least is not None:
        base = make_small_catalogue()
        write_catalogue(dataclasses.replace(base, settings=dataclasses.replace(base.settings, score_min_results=least),
                                            _index={}), ws.targets)
    old = tmp_path / "往期"
    old.mkdir()
    for m in (1, 2, 3):
        write_template(ws.catalogue(), "110101", Period(2025, m), old / f"甲区{m}月.xlsx", roster=roster(f"甲{m}"),
                       outputs={("A", "SR"): {"value": D(100000 * m), "value_ly": None}})
        put(ws, f"乙县{m}月.xlsx", "110102", period=Period(2025, m), sr=str(100000 * m), sr_ly=str(200000 * m // 3),
            when=at(m + 1, 3), roster=roster(f"乙{m}"))
    run_import(ws, [old], now=dt.datetime(2025, 4, 1, 9, 0))
    return run_consolidate(ws, Period(2025, 3, True), now=dt.datetime(2025, 4, 10, 9, 0))


def test_a_district_without_a_result_part_has_no_total_and_no_rank(small_workspace, tmp_path):
    """By hand (时序进度 25 %): 乙县 30 亿元 of the city's 100 亿元 apportioned by its 上年同期 (the only one: all
    of it) = 30 % ≥ 25 % → 40; the only 同比 50 % → 30; 3/3 on time → 20; no errors → 10: 100.0, rank 1.
    甲区 has neither 目标完成 nor 增长: “—” as total and rank, listed after 乙县 (though first in the
    catalogue), and the note names it and why; 丙开发区 (nothing sent) likewise. The brief ranks 乙县 alone."""
    import docx

    result = no_result_quarter(small_workspace, tmp_path)
    sc = result.figures.scorecard
    assert [r.name for r in sc.rows] == ["乙县", "甲区", "丙开发区"]
    yi, jia, bing = sc.rows
    assert (yi.completion, yi.growth, yi.points, yi.total, yi.rank) == (D(30), D(50), (D(40), D(30), D(20), D(10)),
                                                                       D(100), 1)
    assert (jia.completion, jia.growth, jia.imported) == (None, None, ("1月", "2月", "3月"))
    assert jia.points == (None, None, None, D(10)) and (jia.total, jia.rank) == (None, None)
    assert (bing.total, bing.rank) == (None, None)
    book = next(p for p in result.outputs if p.name.endswith("汇总表（2025年一季度）.xlsx"))
    sheet = list(openpyxl.load_workbook(book)["县区考核"].iter_rows(values_only=True))
    lines = [r for r in sheet if r[1] in ("甲区", "乙县", "丙开发区")]
    assert [(r[0], r[1], r[11], r[12]) for r in lines] == [(1, "乙县", 100, 1), (2, "甲区", "—", "—"),
                                                           (3, "丙开发区", "—", "—")]
    texts = [c for r in sheet for c in r if isinstance(c, str)]
    assert any("“目标完成”“增长”两项都不计的县区没有可考核的结果（仅按时报送、问题整改不能反映完成情况），总分和排名"
               "显示“—”，列在已排名的县区之后（目标库“设置”表“考核排名最少结果项”为1）：甲区（不计目标完成、增长）；"
               "丙开发区（不计目标完成、增长）。" in t for t in texts)
    assert not any("总分按其余各项折算的县区" in t for t in texts)  # neither is scored over fewer parts
    brief = next(p for p in result.outputs if p.suffix == ".docx")
    text = "\n".join(p.text for p in docx.Document(str(brief)).paragraphs)
    assert ("按县区考核总分，各县（市）区和开发区依次为乙县（100.0分），甲区、丙开发区没有目标完成、增长的考核结果，"
            "未排名") in text


def test_the_threshold_is_a_setting(small_workspace, tmp_path):
    """考核排名最少结果项 0: every district is ranked on what it has, as before (甲区 10 of 10 = 100.0 level
    with 乙县; 丙开发区 0 of 30 with nothing sent: 0.0, third)."""
    sc = no_result_quarter(small_workspace, tmp_path, least=0).figures.scorecard
    assert [(r.name, r.total, r.rank) for r in sc.rows] == [("甲区", D(100), 1), ("乙县", D(100), 1),
                                                             ("丙开发区", D(0), 3)]
    assert small_workspace.catalogue().settings.score_min_results == 0


def test_the_threshold_is_checked(small_workspace):
    import dataclasses

    from helpers import make_small_catalogue

    from reporttool.catalogue.model import CatalogueInvalid
    from reporttool.catalogue.writer import write_catalogue

    base = make_small_catalogue()
    write_catalogue(dataclasses.replace(base, settings=dataclasses.replace(base.settings, score_min_results=3),
                                        _index={}), small_workspace.targets)
    with pytest.raises(CatalogueInvalid) as exc:
        small_workspace.catalogue()
    assert [str(p) for p in exc.value.problems] == [
        "“设置”表：考核排名最少结果项应为0、1或2（“目标完成”“增长”两项中至少计入几项才排名），现为3"]
