"""Plan progress across years (issue 13 item 4): 累计 and 新增 targets over a plan range, from the ledger.

Submissions go straight into a ledger (tests/test_figures.py style); every expected number is worked out
by hand from the inputs in the test.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal as D

import pytest
from helpers import ingest, submission, target_notes

from reporttool.catalogue import CatalogueInvalid, load_catalogue
from reporttool.catalogue.writer import write_catalogue
from reporttool.core.models import BaseStat, Period, Target
from reporttool.core.status import LAGGING, ON_TRACK
from reporttool.figures.compute import compute_figures as _compute
from reporttool.figures.plan import add_plan
from reporttool.ledger import Ledger
from reporttool.render import plan_words
from reporttool.render.sections import plan_paragraph


def compute_figures(ledger, cat, period, now):
    """The figures as consolidate makes them: with the plan progress from the history of figures."""
    figs = _compute(ledger, cat, period, now=now)
    return add_plan(figs, ledger, cat)


P = Period(2025, 6)
NOW = dt.datetime(2025, 7, 8, 9, 0)
INVEST = Target("", "TZ", "cumulative", 2025, D(4), start_year=2023, note="集群投资三年累计完成4亿元")
SCALE = Target("", "GS", "increase", 2025, D(10), start_year=2023, note="三年新增规上企业10户")


def project(cluster: str, done: int) -> dict:
    return {"name": f"{cluster}项目{done}", "cluster": cluster, "status": "在建", "total": D(100000),
            "plan_year": D(50000), "done_year": D(done)}


def scale(n: int, cluster: str = "A", tag: str = "") -> list[dict]:
    return [{"credit_code": f"{tag}{cluster}{k}", "name": f"{tag}{cluster}企业{k}", "cluster": cluster,
             "is_scale": "是", "revenue": D(3000)} for k in range(n)]


@pytest.fixture
def plan_cat(small_catalogue):
    return dataclasses.replace(small_catalogue, targets=small_catalogue.targets + (INVEST, SCALE), _index={})


@pytest.fixture
def ledger(small_workspace):
    with Ledger(small_workspace) as led:
        yield led


def _month(ledger, district: str, period: Period, *, projects=(), roster=()) -> None:
    ingest(ledger, submission(district, projects=projects, roster=roster, period=period),
           received=dt.datetime(period.year + (period.month == 12), period.month % 12 + 1, 3, 10, 0))


def test_cumulative_target_sums_the_plan_years_decembers_and_this_year_to_date(ledger, plan_cat):
    # 2023-12: 甲区 A 8000 + 乙县 B 4000 万元 = 1.2 亿元; 2024-12: 甲区 15000 万元 = 1.5 亿元 (乙县 did not
    # send December 2024: its November does not count); 2025-06: 甲区 A 3000 + C 2000 = 0.5 亿元.
    _month(ledger, "110101", Period(2023, 12), projects=[project("A", 8000)])
    _month(ledger, "110102", Period(2023, 12), projects=[project("B", 4000)])
    _month(ledger, "110101", Period(2024, 12), projects=[project("A", 15000)])
    _month(ledger, "110102", Period(2024, 11), projects=[project("B", 9000)])
    _month(ledger, "110101", P, projects=[project("A", 3000), project("C", 2000)])
    f = next(p for p in compute_figures(ledger, plan_cat, P, now=NOW).plan if p.kind == "cumulative")
    assert [(y.year, y.value, y.source) for y in f.years] == [
        (2023, D("1.2"), "ledger"), (2024, D("1.5"), "ledger"), (2025, D("0.5"), "current")]
    assert [y.districts for y in f.years] == [2, 1, 1]
    assert f.value == D("3.2") and f.missing == []
    assert f.completion == D(80)  # 3.2 / 4
    assert (f.elapsed, f.span) == (D("2.5"), 3)  # two whole years and 6 of 12 months
    assert f.time_progress == D("2.5") / 3 * 100  # 83.33…%
    # 时序进度 2.5 ÷ 3 = 83.33… % shown 83.3: the gap from the shown rates, 80.0 − 83.3 = −3.3, within 5 points
    assert f.gap == D("-3.3") and f.status == ON_TRACK


def test_a_year_missing_from_the_ledger_is_named_or_taken_from_the_base_sheet(ledger, plan_cat):
    _month(ledger, "110101", Period(2024, 12), projects=[project("A", 15000)])
    _month(ledger, "110101", P, projects=[project("A", 5000)])
    f = next(p for p in compute_figures(ledger, plan_cat, P, now=NOW).plan if p.kind == "cumulative")
    assert f.missing == [2023] and f.value is None and f.completion is None and f.status is None
    assert f.partial == D(2)  # 1.5 + 0.5, shown as what is there, never as the plan to date
    ind = plan_cat.indicator("TZ")
    note = plan_words.note_text(f, ind, plan_cat)
    assert "缺2023年数" in note and "暂不计算完成率" in note and "已有年份合计2.00亿元" in note
    # the bureau types 2023's statistic into the 基期 sheet: it stands in for the missing year
    with_base = dataclasses.replace(plan_cat, base=(BaseStat("", "TZ", 2023, D("1.3"), note="统计局"),), _index={})
    f = next(p for p in compute_figures(ledger, with_base, P, now=NOW).plan if p.kind == "cumulative")
    assert [(y.year, y.source) for y in f.years] == [(2023, "base"), (2024, "ledger"), (2025, "current")]
    assert f.value == D("3.3") and f.completion == D("82.5")
    # only 甲区 reported December 2024 and June 2025 (of 3 districts): each says how many it counts
    assert ("2023年1.30（基期表）、2024年1.50（1个县区）、2025年1-6月0.50；乙县、丙开发区本期无可用报表，按其余1个县区计"
            in plan_words.note_text(f, ind, with_base))


def test_increase_target_counts_scale_enterprises_now_against_the_base_year(ledger, plan_cat):
    # end of 2022: 甲区 4 (A) + 乙县 2 (B) + 丙开发区 1 (A) = 7 规上; now: 甲区 7 + 乙县 3 + 丙开发区 1 = 11
    # → 新增 4 of 10 = 40 % (every district's roster counts: judged)
    _month(ledger, "110101", Period(2022, 12), roster=scale(4, "A", "y"))
    _month(ledger, "110102", Period(2022, 12), roster=scale(2, "B", "y"))
    _month(ledger, "KF01", Period(2022, 12), roster=scale(1, "A", "k"))
    _month(ledger, "110101", P, roster=scale(7, "A"))
    _month(ledger, "110102", P, roster=scale(3, "B"))
    _month(ledger, "KF01", P, roster=scale(1, "A", "k"))
    f = next(p for p in compute_figures(ledger, plan_cat, P, now=NOW).plan if p.kind == "increase")
    assert [(y.year, y.value, y.source) for y in f.years] == [(2022, D(7), "ledger"), (2025, D(11), "current")]
    assert (f.covered, f.districts, f.unjudged) == (3, 3, False)
    assert f.value == D(4) and f.completion == D(40)
    assert f.gap == D("-43.3") and f.status == LAGGING  # 40.0 − 83.3 (as shown) = −43.3 百分点
    ind = plan_cat.indicator("GS")
    assert plan_words.sentence(f, ind, plan_cat) == (
        "规上企业户数比2022年末新增4户，完成三年新增目标10户的40.0%，规划期已过2年6个月（时间进度83.3%），"
        "低于时间进度43.3个百分点")
    fewer = dataclasses.replace(f, value=D(-2), completion=D(-20), gap=D(-20) - D("2.5") / 3 * 100)
    assert plan_words.sentence(fewer, ind, plan_cat, with_time=False) == (
        "规上企业户数比2022年末减少2户，三年新增目标10户尚未起步，低于时间进度103.3个百分点")


def test_a_roster_count_missing_districts_is_shown_as_counted_and_not_judged(ledger, plan_cat, tmp_path):
    """End of 2022: 甲区 4 + 乙县 2 = 6. Now 甲区 7, 乙县's roster empty, 丙开发区 not reported: 新增 is 甲区's
    own, 7 − 4 = 3 (not 7 − 6 = 1, unlike districts); still a count missing districts of a whole-area target,
    so no 完成率 and no 滞后 (it was judged 10 %, 73.3 points behind); the brief, the 总表 row and its note
    say which districts are out and that the base is theirs."""
    from openpyxl import load_workbook

    from reporttool.render.workbook import write_consolidated

    _month(ledger, "110101", Period(2022, 12), roster=scale(4, "A", "y"))
    _month(ledger, "110102", Period(2022, 12), roster=scale(2, "B", "y"))
    _month(ledger, "110101", P, roster=scale(7, "A"))
    _month(ledger, "110102", P)
    figs = compute_figures(ledger, plan_cat, P, now=NOW)
    f = next(p for p in figs.plan if p.kind == "increase")
    assert (f.value, f.covered, f.districts, f.not_reported, f.no_roster) == (D(3), 1, 3, ("KF01",), ("110102",))
    assert [(y.value, y.districts) for y in f.years] == [(D(4), 1), (D(7), 1)]
    assert (f.base_districts, f.base_stated, f.no_base) == (1, D(6), ())
    assert (f.unjudged, f.completion, f.gap, f.status) == (True, None, None, None)
    ind = plan_cat.indicator("GS")
    assert plan_words.sentence(f, ind, plan_cat) == (
        "规上企业户数比2022年末新增3户（丙开发区本期无可用报表，乙县企业名录未填，按其余1个县区计，"
        "与其2022年末同口径比较，名录不全），暂不计算三年新增目标10户的完成率，规划期已过2年6个月（时间进度83.3%）")
    assert "滞后" not in plan_paragraph(figs, plan_cat)
    sheet = load_workbook(write_consolidated(figs, plan_cat, tmp_path / "汇总.xlsx"))["总表"]
    row = next(r for r in sheet.iter_rows(values_only=True) if r[1] == "规上企业户数（2023—2025年新增）")
    assert (row[3], row[6], row[8], row[10], row[11]) == (3, 10, "—", "—", "—")
    # too long for its cell: a note under the table (见注N, render/workbook.LongNotes)
    assert row[7].startswith("见注") and ("规划期目标“规上企业户数（2023—2025年新增）”：规划期2023—2025年已过2年6个月；2022年末4，"
                                        "现7（均为同样1个县区之和；2022年末基期合计6）；丙开发区本期无可用报表，乙县企业名录未填，"
                                        "按其余1个县区计，与其2022年末同口径比较，名录不全，暂不计算完成率；"
                                        "三年新增规上企业10户") in target_notes(sheet)


def test_a_base_value_in_the_target_row_or_base_sheet_and_a_plan_not_yet_begun(ledger, plan_cat):
    _month(ledger, "110101", P, roster=scale(9, "A"))
    typed = dataclasses.replace(SCALE, base_value=D(5))
    cat = dataclasses.replace(plan_cat, targets=tuple(t for t in plan_cat.targets if t.kind != "increase")
                              + (typed,), _index={})
    # the typed 5 is the whole area's; only 甲区 counts now and nothing says 甲区's own base: no 新增 (9 − 5
    # would subtract unlike districts), and the documents say what to add
    f = next(p for p in compute_figures(ledger, cat, P, now=NOW).plan if p.kind == "increase")
    assert (f.value, f.unlike_base, f.base_stated, f.no_base, f.completion) == (None, True, D(5), ("110101",), None)
    ind = cat.indicator("GS")
    assert plan_words.sentence(f, ind, cat) == (
        "规上企业户数三年新增目标10户：乙县、丙开发区本期无可用报表，按其余1个县区计；"
        "2022年末基期数为合计数，没有本期所计县区各自的基期数（可在目标库“基期”表按县区填写，或导入2022年12月报表），"
        "不能同口径计算新增，暂不计算完成率")
    assert plan_words.parts_text(f, ind) == "2022年末5户（基期表）（合计），现9户"
    # every district counts now: the typed whole-area base stands, 9 + 1 + 1 − 5
    _month(ledger, "110102", P, roster=scale(1, "B"))
    _month(ledger, "KF01", P, roster=scale(1, "A", "k"))
    f = next(p for p in compute_figures(ledger, cat, P, now=NOW).plan if p.kind == "increase")
    assert (f.years[0].value, f.years[0].source, f.value, f.base_districts) == (D(5), "base", D(6), 0)
    later = dataclasses.replace(plan_cat, targets=(dataclasses.replace(INVEST, start_year=2026, year=2028),),
                                _index={})
    assert compute_figures(ledger, later, P, now=NOW).plan == []  # 2026-2028 has not begun in 2025


def test_plan_progress_is_in_the_summary_sheet_and_the_brief(ledger, plan_cat, tmp_path):
    from openpyxl import load_workbook

    from reporttool.render.workbook import write_consolidated

    _month(ledger, "110101", Period(2023, 12), projects=[project("A", 12000)])
    _month(ledger, "110101", Period(2024, 12), projects=[project("A", 15000)])
    _month(ledger, "110101", P, projects=[project("A", 5000)])
    figs = compute_figures(ledger, plan_cat, P, now=NOW)
    out = write_consolidated(figs, plan_cat, tmp_path / "汇总.xlsx")
    ws = load_workbook(out)["总表"]
    rows = [[c.value for c in r] for r in ws.iter_rows()]
    row = next(r for r in rows if r[1] == "项目完成投资（2023—2025年累计）")
    assert row[0] == "规划期目标" and row[3] == 3.2 and row[6] == 4 and row[8] == 80.0 and row[9] == 83.3
    # the 目标说明 is too long for its cell (render/workbook.LongNotes): the cell points to the note that has it
    note = next(r[0] for r in rows if "规划期目标“项目完成投资（2023—2025年累计）”：" in str(r[0]))
    number = note.split(".")[0].strip("　注：")
    assert row[7] == f"见注{number}"
    assert note.endswith("规划期目标“项目完成投资（2023—2025年累计）”：规划期2023—2025年已过2年6个月；2023年1.20（1个县区）、"
                         "2024年1.50（1个县区）、2025年1-6月0.50；乙县、丙开发区本期无可用报表，按其余1个县区计；"
                         "集群投资三年累计完成4亿元")
    text = plan_paragraph(figs, plan_cat)
    # a flow's 累计 is judged over the districts counted, and says which those are
    assert text.startswith("从规划期目标看，2023—2025年规划期已过2年6个月（时间进度83.3%），项目完成投资2023—2025年累计"
                           "3.20亿元（乙县、丙开发区本期无可用报表，按其余1个县区计），完成三年累计目标4亿元的80.0%，"
                           "低于时间进度3.3个百分点；规上企业户数三年新增目标10户：")
    # no roster anywhere: the 2022 base is named as missing, and this period as having no figure
    assert text.endswith("缺2022年数（台账中无该年12月县区报表，目标库“基期”表也未填），本期各县区均无此项数据，"
                         "暂不计算完成率。")


# ---- the loader ------------------------------------------------------------------------------------------

def _problems(tmp_path, cat) -> list[str]:
    path = write_catalogue(cat, tmp_path / "targets.xlsx")
    with pytest.raises(CatalogueInvalid) as err:
        load_catalogue(path)
    return [str(p) for p in err.value.problems]


def test_a_plan_range_round_trips_through_the_workbook(tmp_path, plan_cat):
    cat = load_catalogue(write_catalogue(plan_cat, tmp_path / "targets.xlsx"))
    assert [(t.kind, t.start_year, t.year, t.value, t.base_year) for t in cat.plan_targets()] == [
        ("cumulative", 2023, 2025, D(4), None), ("increase", 2023, 2025, D(10), 2022)]
    assert cat.target_for("", "TZ", 2025) is None  # a 累计 target is not a 2025 target


@pytest.mark.parametrize("target, words", [
    (dataclasses.replace(INVEST, start_year=None), "目标年”应为规划期的年份区间（如2023-2025），现只有一个年份“2025”"),
    (dataclasses.replace(INVEST, start_year=2025, year=2023), "“目标年”“2025-2023”的起始年应早于结束年"),
    (dataclasses.replace(INVEST, start_year=2010, year=2025), "跨16年，超过10年"),
    (dataclasses.replace(INVEST, value=None), "累计目标须填写“目标值”"),
    (dataclasses.replace(INVEST, growth_rate=D(6)), "累计目标不用“年均增长率（%）”和“倍数”"),
    (dataclasses.replace(INVEST, district="110101"), "暂不能分解到县区"),
    (dataclasses.replace(INVEST, indicator="GS"), "累计目标把规划期各年的本年累计相加，只用于流量指标"),
    (dataclasses.replace(SCALE, indicator="TZ"), "新增目标是期末数减基期年末数，只用于存量指标"),
    (dataclasses.replace(SCALE, cluster="B", indicator="ZB"), "是比率（不可跨县区加总），不能设新增目标"),
    (dataclasses.replace(SCALE, base_year=2025), "“基期年”2025应早于规划期结束年2025"),
    (Target("A", "SR", "annual", 2025, D(1), start_year=2023), "“目标年”填了年份区间“2023-2025”"),
])
def test_the_loader_explains_each_malformed_plan_target(tmp_path, small_catalogue, target, words):
    cat = dataclasses.replace(small_catalogue, targets=small_catalogue.targets + (target,), _index={})
    problems = _problems(tmp_path, cat)
    assert len(problems) == 1 and problems[0].startswith("“目标”表第9行：") and words in problems[0], problems


def test_a_garbled_range_and_a_duplicate_range_are_explained(tmp_path, plan_cat):
    from openpyxl import load_workbook

    path = write_catalogue(dataclasses.replace(plan_cat, targets=plan_cat.targets + (INVEST,), _index={}),
                           tmp_path / "targets.xlsx")
    wb = load_workbook(path)
    wb["目标"].cell(11, 5).value = "2023年至2025年"  # the duplicate of row 9, typed another way: same range
    wb["目标"].cell(10, 5).value = "2023-"
    wb.save(path)
    with pytest.raises(CatalogueInvalid) as err:
        load_catalogue(path)
    assert [str(p) for p in err.value.problems] == [
        "“目标”表第10行：“目标年”“2023-”不是有效的年份区间，应写成2023-2025",
        "“目标”表第11行：与第9行是同一集群、指标和规划期（2023-2025年）的累计目标，重复"]


def test_targets_command_lists_the_plan_targets(tmp_path, plan_cat):
    from click.testing import CliRunner

    from reporttool.cli import main
    from reporttool.workspace import init_workspace

    ws = init_workspace(tmp_path / "ws")
    write_catalogue(plan_cat, ws.targets)
    out = CliRunner().invoke(main, ["-w", str(ws.root), "targets", "--year", "2024"]).output
    assert "全部集群 | 项目完成投资 | 2023-2025年 | 累计4亿元  按有数据的县区计，未计入的县区在汇总表和简报中写明" in out
    assert ("全部集群 | 规上企业户数 | 2023-2025年 | 新增（比2022年末）10户  按各县区企业名录计；有县区未报或名录未填时"
            "只列数、不计算完成率；新增只用本期所计县区与其2022年末数同口径相减") in out
    assert "2023-2025" not in CliRunner().invoke(main, ["-w", str(ws.root), "targets", "--year", "2026"]).output


def test_the_default_city_carries_its_multi_year_targets(default_catalogue):
    assert [(t.cluster, t.indicator, t.kind, t.start_year, t.year, t.value) for t in default_catalogue.plan_targets()] == [
        ("", "TZWC", "cumulative", 2023, 2025, D(400)), ("", "GSQY", "increase", 2023, 2025, D(100))]


def test_a_yearly_target_of_the_hengshui_plan_recurs_every_year():
    from pathlib import Path

    cat = load_catalogue(Path(__file__).resolve().parents[1] / "examples" / "衡水" / "targets.xlsx")
    for year in (2024, 2025, 2026):  # 每年新创省名牌2个 (a 省级 cluster), 1个 (a 市级 one)
        ap, jx = cat.target_for("AP", "SMP", year), cat.target_for("JXTT", "SMP", year)
        assert ap is not None and jx is not None and (ap.value, jx.value) == (D(2), D(1))
        assert ap.derived == (year != 2024)


def test_a_yes_no_column_with_another_word_is_explained_not_read_as_no(tmp_path, small_catalogue):
    from openpyxl import load_workbook

    path = write_catalogue(small_catalogue, tmp_path / "targets.xlsx")
    wb = load_workbook(path)
    clusters, indicators = wb["集群"], wb["指标"]
    head = [c.value for c in clusters[2]]
    clusters.cell(5, head.index("计入合计") + 1).value = "不计入"
    head = [c.value for c in indicators[2]]
    indicators.cell(3, head.index("对比时序进度") + 1).value = "√"
    indicators.cell(4, head.index("可跨县区加总") + 1).value = "否"  # a plain 否 is fine
    wb.save(path)
    with pytest.raises(CatalogueInvalid) as err:
        load_catalogue(path)
    assert [str(p) for p in err.value.problems] == [
        "“集群”表第5行：“计入合计”应填“是”或“否”（留空按默认），现为“不计入”",
        "“指标”表第3行：“对比时序进度”应填“是”或“否”（留空按默认），现为“√”"]


def test_the_base_sheet_states_the_base_of_an_increase_and_a_plan_year_row_is_not_shown_as_a_base(ledger, plan_cat):
    _month(ledger, "110101", Period(2022, 12), roster=scale(4, "A", "y"))  # the ledger says 4 at the end of 2022
    _month(ledger, "110101", P, roster=scale(7, "A"), projects=[project("A", 5000)])
    cat = dataclasses.replace(plan_cat, base=(BaseStat("", "GS", 2022, D(5), note="统计局"),
                                              BaseStat("", "TZ", 2023, D("1.3"), note="统计局")), _index={})
    figs = compute_figures(ledger, cat, P, now=NOW)
    f = next(p for p in figs.plan if p.kind == "increase")
    # the sheet's 5 is the whole area's; 甲区 alone counts now: its own December 2022 (4), like for like
    assert (f.years[0].value, f.years[0].source, f.value, f.base_stated) == (D(4), "ledger", D(3), D(5))
    # a 基期 row of 甲区's own states its base: it wins over the ledger's December (7 − 5, not 7 − 4)
    own = dataclasses.replace(cat, base=cat.base + (BaseStat("", "GS", 2022, D(5), district="110101"),), _index={})
    f = next(p for p in compute_figures(ledger, own, P, now=NOW).plan if p.kind == "increase")
    assert (f.years[0].value, f.years[0].source, f.value, f.base_districts) == (D(5), "base", D(2), 1)
    tz = next(x for x in figs.programme if x.indicator == "TZ")
    gs = next(x for x in figs.programme if x.indicator == "GS")
    assert tz.base_year is None  # 2023 is a year of the 累计 range: that year's statistic, not a 基期
    assert (gs.base_year, gs.base_value) == (2022, D(5))  # the base of the 新增 range is one


def test_a_district_counted_now_without_a_base_is_left_out_of_the_increase(ledger, plan_cat):
    # end of 2022: 甲区 4 + 乙县 2 (丙开发区 sent no December 2022); now 甲区 7 + 乙县 3 + 丙开发区 1:
    # 新增 (7 + 3) − (4 + 2) = 4 over the two districts with both, not 11 − 6 = 5; 丙开发区 is named
    _month(ledger, "110101", Period(2022, 12), roster=scale(4, "A", "y"))
    _month(ledger, "110102", Period(2022, 12), roster=scale(2, "B", "y"))
    _month(ledger, "110101", P, roster=scale(7, "A"))
    _month(ledger, "110102", P, roster=scale(3, "B"))
    _month(ledger, "KF01", P, roster=scale(1, "A", "k"))
    f = next(p for p in compute_figures(ledger, plan_cat, P, now=NOW).plan if p.kind == "increase")
    assert (f.value, f.base_districts, f.no_base, f.covered) == (D(4), 2, ("KF01",), 3)
    assert [(y.value, y.source, y.districts) for y in f.years] == [(D(6), "ledger", 2), (D(10), "current", 2)]
    assert (f.unjudged, f.completion, f.status) == (True, None, None)  # a whole-area target, a district out
    assert plan_words.sentence(f, plan_cat.indicator("GS"), plan_cat) == (
        "规上企业户数比2022年末新增4户（丙开发区无2022年末基期数，按其余2个县区计，与其2022年末同口径比较，基期不全），"
        "暂不计算三年新增目标10户的完成率，规划期已过2年6个月（时间进度83.3%）")
