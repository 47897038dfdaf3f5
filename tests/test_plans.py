"""Plans of other shapes (issue 11): level and unit words, units as data, several targets, provinces.

A province-shaped catalogue runs a full round (template, demo, consolidate, brief) and none of its
outputs may say 全市 or 县区; the default city keeps its words.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal as D
from pathlib import Path

import pytest
from helpers import (
    docx_xml,
    make_programme_catalogue,
    make_province_catalogue,
    make_small_catalogue,
    target_notes,
    xlsx_text,
)

from reporttool.catalogue import CatalogueInvalid, load_catalogue
from reporttool.catalogue.writer import write_catalogue
from reporttool.core.models import Indicator, Settings, Target, Words, level_words, parse_period
from reporttool.core.status import AHEAD, LAGGING, ON_TRACK
from reporttool.demo.make import make_demo
from reporttool.forms.writer import write_templates
from reporttool.pipeline.consolidate import run_consolidate
from reporttool.workspace import init_workspace

P = parse_period("2025-06")
NOW = dt.datetime(2025, 7, 6, 9, 0)


# ---- the words ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("city, whole, unit, full, bureau", [
    ("葫芦岛市", "全市", "县区", "县（市）区", "市局"),
    ("河北省", "全省", "设区市", "设区市", "省厅"),
    ("广西壮族自治区", "全区", "设区市", "设区市", "区厅"),
    ("襄樊市襄城区", "全区", "镇街", "镇（街道）", "区局"),
    ("某某县", "全县", "乡镇", "乡（镇）", "县局"),
])
def test_level_words_follow_the_city_name(city, whole, unit, full, bureau):
    w = level_words(Settings(city=city, issuing_unit="x", bulletin_name="y"))
    assert (w.whole, w.unit, w.unit_full, w.bureau) == (whole, unit, full, bureau)


def test_words_given_in_settings_win_and_a_lone_unit_word_is_also_the_prose_word():
    s = Settings(city="测试市", issuing_unit="x", bulletin_name="y", whole_word="全区", unit_word="镇",
                 bureau_short="区工信局")
    w = level_words(s, zones=True)
    assert (w.whole, w.unit, w.unit_full, w.bureau, w.own) == ("全区", "镇", "镇", "区工信局", "本区")
    assert w.by_unit == "分镇" and w.unit_all == "镇和开发区"


def test_default_city_words_are_the_old_fixed_words(default_catalogue):
    assert default_catalogue.words == Words(zones=True)
    assert default_catalogue.words.unit_all == "县（市）区和开发区"


def test_words_are_read_from_the_settings_sheet_and_an_old_workbook_loads_without_them(tmp_path):
    path = write_catalogue(make_small_catalogue(), tmp_path / "t.xlsx")
    assert load_catalogue(path).words.whole == "全市"  # written blank: derived
    from openpyxl import load_workbook

    wb = load_workbook(path)
    ws = wb["设置"]
    for row in ws.iter_rows(min_row=3):
        if row[0].value == "全域称谓":
            row[1].value = "全区"
        if row[0].value == "报送单位称谓":
            row[1].value = "镇街"
    wb.save(path)
    w = load_catalogue(path).words
    assert (w.whole, w.unit, w.unit_full) == ("全区", "镇街", "镇街")
    # a workbook made before the word settings existed: rows removed, still loads with the defaults
    for r in range(ws.max_row, 2, -1):
        if ws.cell(r, 1).value in ("全域称谓", "报送单位称谓", "报送单位全称", "机关简称"):
            ws.delete_rows(r)
    wb.save(path)
    assert load_catalogue(path).words.unit == "县区"


# ---- a province round ---------------------------------------------------------------------------------

def _round(tmp_path: Path, cat) -> tuple:
    ws = init_workspace(tmp_path / "工作目录")
    write_catalogue(cat, ws.targets)
    forms = write_templates(ws.catalogue(), P, tmp_path / "forms")
    make_demo(ws, P)
    result = run_consolidate(ws, P, now=NOW)
    return ws, forms, result


def test_a_province_round_says_province_words_everywhere(tmp_path):
    ws, forms, result = _round(tmp_path, make_province_catalogue())
    texts = {p.name: xlsx_text(p) for p in forms}
    for p in result.outputs:
        if p.suffix == ".xlsx":
            texts[p.name] = xlsx_text(p)
        elif p.suffix == ".docx":
            texts[p.name] = docx_xml(p)
    for p in (ws.period_dir(P) / "反馈").glob("*.xlsx"):
        texts[p.name] = xlsx_text(p)
    assert any(name.endswith(".docx") for name in texts)
    for name, text in texts.items():
        for word in ("全市", "县区", "县（市）区", "本市", "市局"):
            assert word not in text, f"{name} says {word}"
    summary = next(t for n, t in texts.items() if "汇总表" in n)
    assert "分设区市" in summary and "全省" in summary
    brief = next(t for n, t in texts.items() if n.endswith(".docx"))
    assert "全省" in brief and "设区市" in brief


def test_default_city_round_keeps_its_words(tmp_path):
    ws, forms, result = _round(tmp_path, make_small_catalogue())
    summary = next(p for p in result.outputs if "汇总表" in p.name)
    text = xlsx_text(summary)
    assert "分县区" in text and "全市" in text
    brief = docx_xml(next(p for p in result.outputs if p.suffix == ".docx"))
    assert "全市" in brief and "县（市）区和开发区" in brief


# ---- units as data ----------------------------------------------------------------------------------

def _with_indicators(*extra: Indicator, units=()):
    base = make_small_catalogue()
    return dataclasses.replace(base, indicators=base.indicators + extra, units=tuple(units), _index={})


def _problems(tmp_path, cat) -> list[str]:
    path = write_catalogue(cat, tmp_path / "t.xlsx")
    with pytest.raises(CatalogueInvalid) as exc:
        load_catalogue(path)
    return [str(p) for p in exc.value.problems]


def test_built_in_units_convert_within_a_dimension(tmp_path):
    cat = _with_indicators(
        Indicator("CL", "整车产能", "万辆", "辆", "output", clusters=("B",), order=8),
        Indicator("WZ", "实际利用外资", "亿美元", "万美元", "output", clusters=("A",), order=9),
        Indicator("CB", "造船能力", "万载重吨", "载重吨", "output", clusters=("B",), order=10))
    got = load_catalogue(write_catalogue(cat, tmp_path / "t.xlsx"))
    assert got.unit_factor("辆", "万辆") == D(10000)
    assert got.unit_factor("万美元", "亿美元") == D(10000)
    assert got.unit_factor("亿元", "万元") == D("0.0001")


def test_a_unit_sheet_adds_units_and_the_loader_uses_them(tmp_path):
    from reporttool.core.models import UnitDef

    cat = _with_indicators(Indicator("JZX", "集装箱吞吐量", "万标箱", "标箱", "output", clusters=("B",), order=8),
                           units=[UnitDef("标箱", "集装箱", D(1)), UnitDef("万标箱", "集装箱", D(10000))])
    got = load_catalogue(write_catalogue(cat, tmp_path / "t.xlsx"))
    assert got.units == cat.units
    assert got.unit_factor("标箱", "万标箱") == D(10000)


def test_the_loader_explains_units_that_do_not_convert(tmp_path):
    from reporttool.core.models import UnitDef

    cat = _with_indicators(
        Indicator("WZ", "实际利用外资", "亿元", "万美元", "output", clusters=("A",), order=8),
        Indicator("XX", "标箱量", "万标箱", "标箱", "output", clusters=("A",), order=9),
        units=[UnitDef("吨公里", "", D(1)), UnitDef("千吨", "重量", D(0)), UnitDef("千吨", "重量", D(1000))])
    problems = _problems(tmp_path, cat)
    assert any(p.startswith("“指标”表第") and "“万美元”（美元）与“亿元”（人民币）量纲不同" in p for p in problems)
    assert any("“标箱”、“万标箱”不在单位表中" in p for p in problems)
    assert any(p.startswith("“单位”表第3行") and "量纲" in p for p in problems)
    assert any(p.startswith("“单位”表第4行") and "换算系数" in p for p in problems)


def test_a_formula_never_adds_two_currencies_or_two_scales(tmp_path):
    cat = _with_indicators(
        Indicator("NZ", "引进内资", "亿元", "万元", "output", clusters=("A",), order=8),
        Indicator("WZ", "实际利用外资", "亿美元", "万美元", "output", clusters=("A",), order=9),
        Indicator("ZS", "招商引资合计", "亿元", "亿元", "formula", clusters=("A",), formula="NZ+WZ", order=10),
        Indicator("HJ", "合计", "万元", "万元", "formula", clusters=("A",), formula="NZ+SR", order=11))
    problems = _problems(tmp_path, cat)
    assert any("NZ+WZ" in p and "量纲不同，不能相加减" in p for p in problems)
    assert any("NZ+SR" in p and "结果单位是“亿元”" in p for p in problems)


def test_ratios_default_to_not_summable_whatever_percent_sign(tmp_path):
    cat = _with_indicators(Indicator("QS", "千分比", "‰", "‰", "output", clusters=("A",), summable=True, order=8))
    path = write_catalogue(cat, tmp_path / "t.xlsx")
    from openpyxl import load_workbook

    wb = load_workbook(path)
    ws = wb["指标"]
    for row in ws.iter_rows(min_row=3):
        if row[0].value == "QS":
            row[5].value = None  # 可跨县区加总 left blank: the default
    wb.save(path)
    assert load_catalogue(path).indicator("QS").summable is False


# ---- several targets per cluster, indicator and year ---------------------------------------------------

def _with_targets(*extra: Target):
    """The small catalogue with ``extra`` targets, each replacing a base target of the same key."""
    base = make_small_catalogue()

    def key(t):
        return (t.cluster, t.indicator, t.district, t.year, t.kind == "growth")

    keep = tuple(t for t in base.targets if key(t) not in {key(e) for e in extra})
    return dataclasses.replace(base, targets=keep + extra, _index={})


MORE_TARGETS = (
    Target("A", "SR", "growth", 2025, growth_rate=D(8), note="营业收入增长8%以上"),
    Target("A", "SR", "annual", 2027, D(130), note="到2027年营业收入达到130亿元"),
    Target("B", "SR", "annual", 2025, D(20), district="110102", note="乙县分解目标"),
    Target("B", "SR", "annual", 2025, D(50), note="装备制造营业收入达到50亿元"),
)


def test_a_level_and_a_growth_target_of_one_year_load_two_levels_do_not(tmp_path):
    cat = load_catalogue(write_catalogue(_with_targets(*MORE_TARGETS), tmp_path / "t.xlsx"))
    main = cat.target_for("A", "SR", 2025)
    assert (main.kind, main.value) == ("annual", D(100))
    others = cat.other_targets("A", "SR", 2025)
    assert [(o.kind, o.year) for o in others] == [("growth", 2025), ("annual", 2027)]
    assert others[0].growth_rate == D(8) and others[1].value == D(130)
    # in 2024 the main target is derived from 2025's; the plan-end (latest) target is shown beside it
    assert cat.target_for("A", "SR", 2024).derived
    assert [(o.kind, o.year) for o in cat.other_targets("A", "SR", 2024)] == [("annual", 2027)]
    problems = _problems(tmp_path, _with_targets(*MORE_TARGETS[:2], Target("A", "SR", "annual", 2025, D(90)),
                                                 Target("A", "SR", "annual", 2025, D(95))))
    assert any("重复" in p and p.startswith("“目标”表第") for p in problems)
    problems = _problems(tmp_path, _with_targets(*MORE_TARGETS, Target("A", "SR", "growth", 2025, growth_rate=D(5))))
    assert any("增速目标，重复" in p for p in problems)


def test_each_target_is_judged_and_shown_in_the_summary_the_district_sheet_and_the_brief(tmp_path):
    from openpyxl import load_workbook

    ws, forms, result = _round(tmp_path, _with_targets(*MORE_TARGETS))
    fig = result.figures.cluster_figure("A", "SR")
    growth, end = fig.others
    # the gap from the 同比 as shown: 42.147… % shows 42.1, 42.1 − 8 = 34.1 百分点
    assert growth.rate == D(8) and growth.gap == D("34.1") and growth.status
    assert end.year == 2027 and end.progress == fig.value / D(130) * 100
    summary = load_workbook(next(p for p in result.outputs if "汇总表" in p.name))
    notes = target_notes(summary["总表"])  # a long 目标说明 is a note under the table (见注N)
    a_sr = next(n for n in notes if "另有增速目标8%" in n)
    assert "2027年目标130亿元，已完成" in a_sr and "营业收入增长8%以上" not in a_sr
    # the target's 说明 (the plan's wording) in the 总表
    assert "装备制造营业收入达到50亿元" in notes
    # 分县区: the district target and its 完成率
    sheet = summary["分县区"]
    head = [c.value for c in next(r for r in sheet.iter_rows() if r[0].value == "集群")]
    assert head[8:10] == ["目标值", "完成率\n（%）"]
    yi = next(r for r in sheet.iter_rows() if r[3].value == "乙县" and r[1].value == "营业收入"
              and r[0].value == "装备制造")
    district = next(f for f in result.figures.districts if (f.cluster, f.indicator, f.district) == ("B", "SR", "110102"))
    assert yi[8].value == 20 and yi[9].value == pytest.approx(float(round(district.completion, 1)))
    brief = docx_xml(next(p for p in result.outputs if p.suffix == ".docx"))
    assert "2027年目标130亿元的" in brief and "8%的增速目标" in brief


def test_targets_command_lists_district_and_plan_end_targets(tmp_path):
    from click.testing import CliRunner

    from reporttool.cli import main

    ws = init_workspace(tmp_path / "ws")
    write_catalogue(_with_targets(*MORE_TARGETS), ws.targets)
    out = CliRunner().invoke(main, ["-w", str(ws.root), "targets", "--year", "2025"]).output
    assert "化工 | 营业收入 | 2027年 | 130亿元" in out.replace("化工产业集群", "化工")
    assert "| 乙县 | 20亿元" in out
    assert "增长8%" in out


# ---- cluster scope --------------------------------------------------------------------------------------

def _scoped():
    base = make_small_catalogue()
    a, b, c = base.clusters
    clusters = (dataclasses.replace(a, districts=("110102",)), dataclasses.replace(b, districts=("110102", "KF01")), c)
    return dataclasses.replace(base, clusters=clusters, _index={})


def test_cluster_scope_loads_and_a_bad_district_code_is_explained(tmp_path):
    cat = load_catalogue(write_catalogue(_scoped(), tmp_path / "t.xlsx"))
    assert [c.code for c in cat.clusters_for("110101")] == ["C"]
    assert [c.code for c in cat.clusters_for("110102")] == ["A", "B", "C"]
    base = make_small_catalogue()
    bad = dataclasses.replace(base, clusters=(dataclasses.replace(base.clusters[0], districts=("999999",)),
                                              *base.clusters[1:]), _index={})
    problems = _problems(tmp_path, bad)
    assert any(p.startswith("“集群”表第3行") and "“999999”在“县区”表中不存在" in p for p in problems)


def test_an_old_cluster_sheet_without_the_scope_column_loads_as_everywhere(tmp_path):
    from openpyxl import load_workbook

    path = write_catalogue(_scoped(), tmp_path / "t.xlsx")
    wb = load_workbook(path)
    ws = wb["集群"]
    col = next(c.column for c in ws[2] if c.value == "所在县区")
    ws.delete_cols(col)
    wb.save(path)
    cat = load_catalogue(path)
    assert all(not c.districts for c in cat.clusters)


def test_each_district_form_asks_only_for_its_clusters_and_the_round_follows(tmp_path):
    from openpyxl import load_workbook

    ws, forms, result = _round(tmp_path, _scoped())
    cat = ws.catalogue()
    for path in forms:
        d = next(x for x in cat.districts if path.name.startswith(x.name))
        out = load_workbook(path)["集群产出"]
        names = {r[2].value for r in out.iter_rows() if cat.cluster(str(r[1].value)) is not None}
        expect = {c.name for c in cat.clusters_for(d.code)}
        assert names == expect
        if len(expect) < len(cat.clusters):
            assert "本表只列出本地区承载的" in "".join(str(c.value) for r in load_workbook(path)["填报说明"].iter_rows()
                                               for c in r if c.value)
    # the demo and the figures follow the scope: no district reports a cluster it does not host
    for f in result.figures.districts:
        if f.value is not None:
            assert cat.hosts(f.cluster, f.district), (f.cluster, f.district)


# ---- programmes and district-wide figures -------------------------------------------------------------


def test_programme_indicators_load_and_bad_ones_are_explained(tmp_path):
    cat = load_catalogue(write_catalogue(make_programme_catalogue(), tmp_path / "t.xlsx"))
    assert [i.code for i in cat.programme_indicators()] == ["GSCZ", "JQZB", "WZ"]
    assert [c.code for c in cat.members()] == ["A", "B"]
    assert cat.target_for("", "JQZB", 2025).value == 60
    bad = make_programme_catalogue()
    bad = dataclasses.replace(bad, indicators=bad.indicators + (
        Indicator("X1", "坏比率", "%", "%", "formula", summable=False, programme=True, formula="ZB/GSCZ*100", order=30),
        Indicator("X2", "坏集群比率", "%", "%", "formula", summable=False, clusters=("A",), formula="CZ/GSCZ*100",
                  order=31),
        Indicator("X3", "坏来源", "户", "户", "roster", programme=True, roster_measure="企业户数", order=32)),
        targets=bad.targets + (Target("A", "GSCZ", "annual", 2025, D(1)),), _index={})
    problems = _problems(tmp_path, bad)
    assert any("“ZB”不可跨县区加总" in p for p in problems)
    assert any("不能引用“合计”层级的指标“GSCZ”" in p for p in problems)
    assert any("来源应为集群产出" in p for p in problems)
    assert any("“集群代码”应填“全部”" in p for p in problems)


def test_a_programme_share_is_computed_judged_and_shown(tmp_path):
    from openpyxl import load_workbook

    ws, forms, result = _round(tmp_path, make_programme_catalogue())
    figs = result.figures
    cat = ws.catalogue()
    share = next(f for f in figs.programme if f.indicator == "JQZB")
    area = next(f for f in figs.programme if f.indicator == "GSCZ")
    cz = next(f for f in figs.programme if f.indicator == "CZ")
    assert area.value is not None and share.value is not None
    assert share.value == pytest.approx(cz.value / area.value * 100, rel=D("1e-9"))  # members' 产值 / the whole
    # a ratio is judged against its target, not time: its gap is value − 60 in 百分点, 正常 within the
    # lag threshold either side
    t = cat.settings.lag_threshold
    assert share.target == 60 and share.gap == D("-1.5")  # 58.47… shown 58.5: 58.5 − 60 = −1.5
    assert share.status == (AHEAD if share.gap > t else LAGGING if share.gap < -t else ON_TRACK)
    # the district-wide figure is the districts' sum; the foreign currency stays in its own unit
    wz = next(f for f in figs.programme if f.indicator == "WZ")
    by_district = [f.value for f in figs.districts if f.indicator == "WZ" and f.cluster == wz.cluster]
    assert len(by_district) == 2 and wz.value == sum(by_district)  # the demo: 2 districts report it
    # a cluster left out of the programme is in no total
    sr = next(f for f in figs.programme if f.indicator == "SR")
    assert sr.value == sum(f.value for f in figs.clusters if f.indicator == "SR" and f.cluster in ("A", "B"))
    # each form asks for the district-wide figures once
    for path in forms:
        rows = list(load_workbook(path)["集群产出"].iter_rows(values_only=True))
        assert sum(1 for r in rows if r[1] == "全部") == 2
    summary = load_workbook(next(p for p in result.outputs if "汇总表" in p.name))["总表"]
    shown = {r[1]: r for r in summary.iter_rows(values_only=True) if r[1]}
    assert shown["集群产值占规上工业总产值比重"][6] == 60 and shown["实际利用外资"][2] == "亿美元"
    brief = docx_xml(next(p for p in result.outputs if p.suffix == ".docx"))
    assert "集群产值占规上工业总产值比重" in brief and f"{cat.words.whole}2个" in brief


# ---- base-year statistics ---------------------------------------------------------------------------

def test_base_year_statistics_feed_multiples_and_show_as_context(tmp_path):
    from reporttool.core.models import BaseStat

    base = make_small_catalogue()
    targets = tuple(dataclasses.replace(t, base_value=None) if t.kind == "base_multiple" else t for t in base.targets)
    cat = dataclasses.replace(base, targets=targets, base=(BaseStat("C", "YK", 2022, D(80), note="2022年统计"),
                                                          BaseStat("A", "SR", 2024, D(70))), _index={})
    got = load_catalogue(write_catalogue(cat, tmp_path / "t.xlsx"))
    assert [dataclasses.replace(b, source_row=0) for b in got.base] == list(cat.base)
    assert got.target_for("C", "YK", 2025).value == D(240)  # 2022年基期值80 (基期 sheet) × 3
    ws, forms, result = _round(tmp_path / "r", cat)
    from openpyxl import load_workbook

    notes = target_notes(load_workbook(next(p for p in result.outputs if "汇总表" in p.name))["总表"])
    assert any("2024年基期70亿元" in n for n in notes)
    bad = dataclasses.replace(cat, base=(BaseStat("X", "SR", 2022, D(1)), BaseStat("A", "YK", 2022, D(1)),
                                         BaseStat("A", "SR", 1999, D(1))), _index={})
    problems = _problems(tmp_path, bad)
    assert any(p.startswith("“基期”表第3行") and "“X”" in p for p in problems)
    assert any(p.startswith("“基期”表第4行") and "不报送指标" in p for p in problems)
    assert any(p.startswith("“基期”表第5行") and "四位年份" in p for p in problems)


def test_a_reported_ratio_with_a_city_target_says_why_there_is_no_city_figure(tmp_path):
    from openpyxl import load_workbook

    base = make_small_catalogue()
    cat = dataclasses.replace(base, indicators=base.indicators + (
        Indicator("ZJ", "增加值占地区生产总值比重", "%", "%", "output", summable=False, clusters=("C",), decimals=1,
                  compare_time=False, order=9),),
        targets=base.targets + (Target("C", "ZJ", "annual", 2025, D(5), note="增加值占GDP比重达到5%"),), _index={})
    ws, forms, result = _round(tmp_path, cat)
    wb = load_workbook(next(p for p in result.outputs if "汇总表" in p.name))
    row = next(r for r in wb["总表"].iter_rows(values_only=True) if r[1] == "增加值占地区生产总值比重")
    note = next(n for n in target_notes(wb["总表"]) if "全市数暂缺" in n)  # too long for the cell: a note
    assert row[3] == "—" and row[7].startswith("见注") and "分子、分母" in note
    notes = " ".join(str(r[0]) for r in wb["分县区"].iter_rows(values_only=True) if str(r[0]).startswith(("注", "\u3000")))
    assert "增加值占地区生产总值比重由各县区直接填报比率" in notes


# ---- headline indicator per cluster ------------------------------------------------------------------

def test_a_clusters_headline_indicator_is_set_in_the_catalogue(tmp_path):
    from reporttool.figures import headline_figure

    base = make_small_catalogue()
    a, b, c = base.clusters
    cat = dataclasses.replace(base, clusters=(dataclasses.replace(a, headline="CZ"), b, c),
                              targets=base.targets + (Target("A", "CZ", "annual", 2025, D(300)),), _index={})
    got = load_catalogue(write_catalogue(cat, tmp_path / "t.xlsx"))
    assert got.cluster("A").headline == "CZ"
    ws, forms, result = _round(tmp_path / "r", cat)
    assert headline_figure(result.figures, ws.catalogue(), "A").indicator == "CZ"  # not the first flow, SR
    bad = dataclasses.replace(cat, clusters=(dataclasses.replace(a, headline="GS"), dataclasses.replace(b, headline="YK"),
                                             c), _index={})
    problems = _problems(tmp_path, bad)
    assert any(p.startswith("“集群”表第3行") and "不对比时序进度" in p for p in problems)
    assert any(p.startswith("“集群”表第4行") and "不是本集群报送的指标" in p for p in problems)


def test_the_demo_plans_no_lagging_cluster_without_a_target(tmp_path):
    base = make_small_catalogue()
    ws = init_workspace(tmp_path / "ws")
    write_catalogue(dataclasses.replace(base, targets=(), _index={}), ws.targets)
    assert make_demo(ws, P).lagging == ()
