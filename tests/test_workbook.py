"""The consolidated workbook (汇总表): structure, values as rounded numbers, notes, text safety, print setup."""
from __future__ import annotations

import dataclasses
import subprocess
import zipfile
from decimal import Decimal as D

import pytest
from helpers import default_figures, need_tool, small_figures
from openpyxl import load_workbook

from reporttool.catalogue import with_settings
from reporttool.core.fmt import DASH, shown
from reporttool.core.models import Period
from reporttool.figures import headline_figure, headline_figures
from reporttool.render import workbook as wbmod
from reporttool.render.workbook import SHEETS, consolidated_name, write_consolidated
from reporttool.render.xlsx_styles import clean_for_office

HEADER_ROWS = 4  # title, 编制单位/单位 line, two header rows: data starts on row 5


def _write(tmp_path, figs, cat, name="out.xlsx"):
    dest = write_consolidated(figs, cat, tmp_path / name)
    assert dest.is_file()
    return dest, load_workbook(dest)


def _label(v) -> str:
    return str(v or "").replace("\n", "")


def _expect(value, places):
    return DASH if value is None else float(shown(value, places))


def _summary_rows(ws):
    """总表 body rows as (cluster label, indicator name, row number), following merged 集群 cells."""
    out, current = [], None
    for r in range(HEADER_ROWS + 1, ws.max_row + 1):
        a, b = ws.cell(r, 1).value, ws.cell(r, 2).value
        if a is not None:
            current = a
        if b is None or str(a or "").startswith("图表数据") or str(a or "").startswith("注"):
            break
        out.append((current, b, r))
    return out


def _district_rows(ws):
    """分县区 body rows as (cluster, indicator, 县区, row)."""
    out, cl, ind = [], None, None
    for r in range(HEADER_ROWS, ws.max_row + 1):  # one header row on this sheet
        a, b, d = ws.cell(r, 1).value, ws.cell(r, 2).value, ws.cell(r, 4).value
        if isinstance(a, str) and a.startswith("注"):
            break
        cl = a if a is not None else cl
        ind = b if b is not None else ind
        if d is None:
            break
        out.append((cl, ind, d, r))
    return out


def _notes(ws) -> str:
    return "\n".join(str(c.value) for row in ws.iter_rows() for c in row
                     if isinstance(c.value, str) and (c.value.startswith("注：") or c.value.startswith("　　")))


@pytest.fixture
def small(small_catalogue):
    return small_catalogue, small_figures()


def test_file_name(default_catalogue, small_catalogue):
    assert consolidated_name(default_catalogue, Period(2025, 6)) == "葫芦岛市重点产业集群主要指标汇总表（2025年1-6月）.xlsx"
    assert consolidated_name(small_catalogue, Period(2025, 1)) == "测试市重点产业集群主要指标汇总表（2025年1月）.xlsx"


def test_sheets_title_units_header_and_total(tmp_path, small):
    cat, figs = small
    _, wb = _write(tmp_path, figs, cat)
    assert wb.sheetnames == list(SHEETS)
    ws = wb["总表"]
    assert ws["A1"].value == "测试市重点产业集群主要指标完成情况（2025年1-6月）"
    assert "A1:L1" in {str(m) for m in ws.merged_cells.ranges}
    assert ws["A2"].value == "编制单位：测试市工业和信息化局"
    units = [c.value for c in ws[2] if isinstance(c.value, str) and c.value.startswith("单位：")]
    assert units and "亿元" in units[0] and "户" in units[0] and units[0].endswith("%")
    top = [_label(c.value) for c in ws[3]]
    sub = [_label(c.value) for c in ws[4]]
    assert top[:3] == ["集群", "指标", "单位"] and "年度目标" in top and "目标进度" in top
    for label in ("本年累计", "上年同期", "同比（%）", "完成率（%）", "时序进度（%）", "进度差（百分点）", "状态"):
        assert label in sub
    assert ws["A3"].font.name == "黑体" and ws["D5"].font.name == "宋体"
    # 合计 first (settings.total_row_first), one row per programme indicator, in bold
    rows = _summary_rows(ws)
    assert rows[0][0] == "合计" and ws.cell(rows[0][2], 4).font.b
    assert [r[1] for r in rows if r[0] == "合计"] == [cat.indicator(f.indicator).name for f in figs.programme]
    assert len(rows) == len(figs.clusters) + len(figs.programme)
    for name in SHEETS:
        assert wb[name]["A1"].value.startswith("测试市重点产业集群") and "（2025年1-6月）" in wb[name]["A1"].value


def test_total_row_last_when_set(tmp_path, small):
    cat, figs = small
    cat = with_settings(cat, total_row_first=False)
    _, wb = _write(tmp_path, figs, cat)
    rows = _summary_rows(wb["总表"])
    assert rows[-1][0] == "合计" and rows[0][0] != "合计"
    d = _district_rows(wb["分县区"])
    assert d[0][2] != "合计"
    ent = wb["企业名录"]
    labels = [ent.cell(r, 2).value for r in range(HEADER_ROWS + 1, ent.max_row + 1)]
    assert labels[len(cat.clusters)] == "合计"  # the 全市 block: its clusters, then 合计


def test_no_formulas_anywhere(tmp_path, small):
    cat, figs = small
    path, wb = _write(tmp_path, figs, cat)
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                assert c.data_type != "f", f"{ws.title}!{c.coordinate} holds a formula"
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/sheet"):
                assert "<f>" not in z.read(name).decode("utf-8")


def test_summary_values_are_the_shown_values(tmp_path, small):
    cat, figs = small
    _, wb = _write(tmp_path, figs, cat)
    ws = wb["总表"]
    rp = cat.settings.rate_decimals
    names = {c.short_name: c.code for c in cat.clusters}
    by_row = {}
    for label, ind_name, r in _summary_rows(ws):
        code = "" if label == "合计" else names[label]
        ind = next(i for i in cat.indicators if i.name == ind_name)
        by_row[(code, ind.code)] = (r, ind)
    for f in figs.clusters + figs.programme:
        r, ind = by_row[(f.cluster, f.indicator)]
        assert ws.cell(r, 4).value == _expect(f.value, ind.decimals)
        assert ws.cell(r, 5).value == _expect(f.last_year, ind.decimals)
        assert ws.cell(r, 6).value == _expect(f.yoy, rp)
        assert ws.cell(r, 7).value == _expect(f.target, ind.decimals)
        assert ws.cell(r, 9).value == _expect(f.completion, rp)
        assert ws.cell(r, 10).value == _expect(f.time_progress, rp)
        assert ws.cell(r, 11).value == _expect(f.gap, rp)
        assert ws.cell(r, 12).value == (f.status or DASH)
        places = ind.decimals
        fmt = ws.cell(r, 4).number_format
        if f.value is not None:
            assert fmt == ("0" if places == 0 else "0." + "0" * places)
        if f.status == "滞后":
            assert ws.cell(r, 12).fill.fgColor.rgb.endswith("FDE2E2")


def test_rounding_is_half_up(tmp_path, small):
    cat, figs = small
    f = figs.clusters[0]
    f.value = D("321.245")  # float rounding gives 321.24; ROUND_HALF_UP gives 321.25
    f.yoy = D("12.25")  # one decimal: 12.3, not banker's 12.2
    _, wb = _write(tmp_path, figs, cat)
    ws = wb["总表"]
    row = next(r for label, name, r in _summary_rows(ws) if label == "化工" and name == "营业收入")
    assert ws.cell(row, 4).value == 321.25
    assert ws.cell(row, 6).value == 12.3


def test_district_subtotals_equal_summary(tmp_path, small):
    cat, figs = small
    _, wb = _write(tmp_path, figs, cat)
    summary = {(label, name): wb["总表"].cell(r, 4).value for label, name, r in _summary_rows(wb["总表"])}
    ws = wb["分县区"]
    rows = _district_rows(ws)
    totals = [(cl, ind, r) for cl, ind, d, r in rows if d == "合计"]
    assert len(totals) == len({(f.cluster, f.indicator) for f in figs.districts})
    for cl, ind_name, r in totals:
        ind = next(i for i in cat.indicators if i.name == ind_name)
        if ind.summable or ind.source == "formula":  # a computed ratio's 合计: the city's ratio of sums, as 总表
            assert ws.cell(r, 5).value == summary[(cl, ind_name)]
        else:
            assert ws.cell(r, 5).value == DASH  # ratios the districts report are not added across districts
    # district lines carry the district figures, ranks included (ties share a rank: 1, 1, 3)
    names = {d.name: d.code for d in cat.districts}
    clusters = {c.short_name: c.code for c in cat.clusters}
    seen_tie = False
    for cl, ind_name, d, r in rows:
        if d == "合计":
            continue
        ind = next(i for i in cat.indicators if i.name == ind_name)
        f = next(x for x in figs.districts if x.cluster == clusters[cl] and x.indicator == ind.code
                 and x.district == names[d])
        assert ws.cell(r, 5).value == _expect(f.value, ind.decimals)
        assert ws.cell(r, 7).value == _expect(f.yoy, cat.settings.rate_decimals)
        assert ws.cell(r, 8).value == f.rank
        seen_tie |= f.rank == 1 and ws.cell(r - 1, 8).value == 1
    assert seen_tie
    assert any(ws.cell(r, 7).value == DASH for *_, r in rows)  # no comparable base -> "—"


def test_district_sheet_lists_only_districts_with_data_and_names_every_row(tmp_path, small):
    cat, figs = small
    empty = {(f.cluster, f.indicator, f.district) for f in figs.districts if f.value is None and f.last_year is None}
    assert empty  # the sample, like consolidate, has a figure for every district, empty where it has no cluster
    _, wb = _write(tmp_path, figs, cat)
    ws = wb["分县区"]
    rows = _district_rows(ws)
    names = {d.name: d.code for d in cat.districts}
    clusters = {c.short_name: c.code for c in cat.clusters}
    inds = {i.name: i.code for i in cat.indicators}
    listed = {(clusters[cl], inds[ind], names[d]) for cl, ind, d, _ in rows if d != "合计"}
    assert not listed & empty
    assert listed == {(f.cluster, f.indicator, f.district) for f in figs.districts} - empty
    assert "丙开发区" not in {d for *_, d, _ in rows}  # it has not reported: no rows at all
    # 集群, 指标 and 单位 are written in every row (no merge a page break could split)
    for cl, ind, _d, r in rows:
        assert ws.cell(r, 1).value == cl and ws.cell(r, 2).value == ind and ws.cell(r, 3).value
    assert not [m for m in ws.merged_cells.ranges if m.min_row >= HEADER_ROWS and m.max_row > m.min_row]
    assert ws.print_title_rows == "$3:$3"
    assert "每个指标只列本年累计或上年同期有数据的县区" in _notes(ws) and "丙开发区未报送" in _notes(ws)


def _parts_add_up(figs, cat) -> bool:
    """Independent statement of the rule: shown district values add up to the shown city value."""
    for c in figs.clusters:
        ind = cat.indicator(c.indicator)
        parts = [f for f in figs.districts if f.cluster == c.cluster and f.indicator == c.indicator]
        if not ind.summable or not parts:
            continue
        for attr in ("value", "last_year"):
            total = getattr(c, attr)
            vals = [shown(getattr(f, attr), ind.decimals) for f in parts if getattr(f, attr) is not None]
            if total is not None and sum(vals, D(0)) != shown(total, ind.decimals):
                return False
    return True


@pytest.mark.parametrize("tidy", [False, True])
def test_rounding_note_exactly_when_parts_do_not_add_up(tmp_path, small_catalogue, tidy):
    figs = small_figures(tidy=tidy)
    _, wb = _write(tmp_path, figs, small_catalogue)
    expected = not _parts_add_up(figs, small_catalogue)
    assert expected is (not tidy)  # the sample is built so that the untidy one shows rounding
    assert ("四舍五入" in _notes(wb["分县区"])) is expected


def test_rounding_note_appears_for_a_one_cent_difference(tmp_path, small_catalogue):
    figs = small_figures(tidy=True)
    parts = [f for f in figs.districts if f.cluster == "A" and f.indicator == "SR" and f.value is not None]
    city = figs.cluster_figure("A", "SR")
    for f in parts:
        f.value += D("0.004")
    city.value += D("0.004") * len(parts)
    _, wb = _write(tmp_path, figs, small_catalogue)
    assert "分项相加不等于合计系四舍五入所致" in _notes(wb["分县区"])
    _, wb = _write(tmp_path, small_figures(tidy=True), small_catalogue, "tidy.xlsx")
    assert "四舍五入" not in _notes(wb["分县区"]) and "四舍五入" not in _notes(wb["总表"])


def test_notes_explain_dash_and_derived_targets(tmp_path, small_catalogue):
    figs = small_figures(Period(2024, 6))  # 2024: A's 营业收入 target is derived from 2025 and 6%
    _, wb = _write(tmp_path, figs, small_catalogue)
    ws = wb["总表"]
    notes = _notes(ws)
    assert "“—”表示无可比基数" in notes and "推算" in notes and "时序进度" in notes
    row = next(r for label, name, r in _summary_rows(ws) if label == "化工" and name == "营业收入")
    assert ws.cell(row, 8).value.startswith("（推算）")
    assert ws.cell(row, 7).value == float(shown(figs.cluster_figure("A", "SR").target, 2))


def test_rate_indicator_shows_gap_to_target_and_explains_it(tmp_path, small):
    """A "%" indicator (高端装备营收占比, target 30): 同比 and 完成率 "—", 进度差 = value − target."""
    cat, figs = small
    f = figs.cluster_figure("B", "ZB")
    assert cat.indicator("ZB").unit == "%" and f.yoy is None and f.completion is None
    assert f.gap == f.value - f.target
    _, wb = _write(tmp_path, figs, cat)
    ws = wb["总表"]
    row = next(r for label, name, r in _summary_rows(ws) if label == "装备制造" and name == "高端装备营收占比")
    rp = cat.settings.rate_decimals
    assert [ws.cell(row, c).value for c in (6, 9, 10)] == [DASH, DASH, DASH]
    assert ws.cell(row, 11).value == float(shown(f.value - f.target, rp))
    assert ws.cell(row, 12).value == f.status
    notes = _notes(ws)
    assert "比率类指标的进度差为与目标值之差" in notes and "不计算同比和完成率" in notes
    assert "户数、装机容量等存量指标只计算完成率" in notes  # 规上企业户数 has a 完成率 without 时序进度
    assert "比重等存量或比率指标只计算完成率" not in notes


def test_notes_name_missing_districts_and_like_for_like(tmp_path, small_catalogue):
    figs = small_figures()
    missing = [s.district_name for s in figs.submissions if s.status == "未报"]
    assert missing == ["丙开发区"]
    _, wb = _write(tmp_path, figs, small_catalogue)
    notes = _notes(wb["总表"])
    assert "本期丙开发区未报送，合计数不含其数据。" in notes
    assert "同比按可比口径计算：仅含两年均有数据的县区和企业" in notes
    # everyone reported, nothing like-for-like: neither note
    figs = small_figures()
    figs.submissions[-1].status = "通过"
    for f in figs.clusters + figs.programme:
        f.like_for_like = False
    _, wb = _write(tmp_path, figs, small_catalogue, "all.xlsx")
    notes = _notes(wb["总表"])
    assert "未报送" not in notes and "可比口径" not in notes


def test_text_stays_text_and_control_characters_go(tmp_path, small_catalogue):
    d0 = small_catalogue.districts[0]
    cat = dataclasses.replace(small_catalogue,
                              districts=(dataclasses.replace(d0, name="=甲区"),) + small_catalogue.districts[1:])
    figs = small_figures()
    figs.submissions[0].district_name = "=甲区"
    _, wb = _write(tmp_path, figs, cat)
    for sheet, col in (("分县区", 4), ("企业名录", 1), ("重点项目", 1), ("报送情况", 2)):
        ws = wb[sheet]
        cells = [row[col - 1] for row in ws.iter_rows() if row[col - 1].value == "=甲区"]
        assert cells, sheet
        assert all(c.data_type == "s" for c in cells)
    with zipfile.ZipFile(tmp_path / "out.xlsx") as z:
        assert not any("hyperlink" in n for n in z.namelist() if n.startswith("xl/worksheets/_rels"))


def test_clean_for_office():
    assert clean_for_office("甲\x00乙\x07丙\x1f丁\x7f") == "甲乙丙丁"
    assert clean_for_office("a\tb\r\nc\rd") == "a b\nc\nd"
    assert clean_for_office(None) == ""
    assert clean_for_office("=1+1") == "=1+1"
    assert clean_for_office("x\ufffey\ud800") == "xy"
    assert len(clean_for_office("字" * 40000)) == 32767


def test_chart_and_headline_choice(tmp_path, small):
    cat, figs = small
    path, _ = _write(tmp_path, figs, cat)
    with zipfile.ZipFile(path) as z:
        assert "xl/charts/chart1.xml" in z.namelist()
        xml = z.read("xl/charts/chart1.xml").decode("utf-8")
    assert "<c:barChart>" in xml and "<c:lineChart>" in xml
    heads = headline_figures(figs, cat)
    # one per cluster: the first indicator with a completion rate compared with 时序进度
    assert [(f.cluster, f.indicator) for f in heads] == [("A", "SR"), ("B", "SR"), ("C", "YK")]


def test_chart_leaves_out_stocks_and_ratios(tmp_path, small):
    """A cluster whose only 完成率 is a stock (规上企业户数) or ratio is not charted against 时序进度."""
    cat, figs = small
    for code in ("SR", "CZ"):  # A keeps only 规上企业户数 (a stock with a 完成率)
        f = figs.cluster_figure("A", code)
        f.target = f.completion = f.time_progress = f.gap = f.status = None
    gs = figs.cluster_figure("A", "GS")
    assert gs.completion == gs.value / gs.target * 100
    heads = headline_figures(figs, cat)
    assert [(f.cluster, f.indicator) for f in heads] == [("B", "SR"), ("C", "YK")]
    assert all(cat.indicator(f.indicator).compare_time and f.time_progress is not None for f in heads)
    assert headline_figure(figs, cat, "A") is None
    _, wb = _write(tmp_path, figs, cat)
    ws = wb["总表"]
    start = next(r for r in range(1, ws.max_row + 1) if str(ws.cell(r, 1).value or "").startswith("图表数据"))
    data = [ws.cell(r, 1).value for r in range(start + 1, start + 4)]
    assert data[:2] == ["装备制造", "文旅"] and "化工本期没有与时序进度比较的指标" in data[2]


def test_default_city_chart_has_only_flows():
    cat, figs = default_figures()
    heads = headline_figures(figs, cat)
    assert heads and all(cat.indicator(f.indicator).compare_time for f in heads)
    stocks = [f for f in figs.clusters if f.completion is not None and not cat.indicator(f.indicator).compare_time]
    assert stocks  # the sample has stocks with a 完成率 that the chart must not show


def test_submissions_and_findings(tmp_path, small):
    cat, figs = small
    _, wb = _write(tmp_path, figs, cat)
    ws = wb["报送情况"]
    lines = {ws.cell(r, 2).value: r for r in range(1, ws.max_row + 1) if isinstance(ws.cell(r, 1).value, int)}
    assert set(lines) == {d.name for d in cat.districts}
    missing = next(s for s in figs.submissions if s.status == "未报")
    r = lines[missing.district_name]
    assert ws.cell(r, 3).value == "未报" and ws.cell(r, 3).fill.fgColor.rgb.endswith("FDE2E2")
    assert ws.cell(r, 5).value == DASH
    late = next(s for s in figs.submissions if s.on_time is False)
    assert ws.cell(lines[late.district_name], 5).value == "逾期"
    assert ws.cell(lines[late.district_name], 5).fill.fgColor.rgb.endswith("FDE2E2")
    assert "应报3个，已报2个（按时1个，逾期1个），未报1个" in _notes(ws)
    fs = wb["问题清单"]
    rows = [r for r in range(1, fs.max_row + 1) if isinstance(fs.cell(r, 1).value, int)]
    assert len(rows) == len(figs.findings)
    labels = {fs.cell(r, 6).value for r in rows}
    assert labels == {f.severity_label for f in figs.findings}
    first = figs.findings[0]
    r = rows[0]
    assert [fs.cell(r, c).value for c in (3, 4, 5, 7)] == [first.sheet, first.cell, first.column, first.rule]


def test_submission_counts_do_not_count_explained_findings_as_waiting(tmp_path, small):
    cat, figs = small
    s = next(s for s in figs.submissions if s.verify)
    mine = [f for f in figs.findings if f.district == s.district and f.severity == "verify"]
    assert s.verify == len(mine) == 2 and s.explained == 1  # SubmissionState.verify counts every 核实
    _, wb = _write(tmp_path, figs, cat)
    ws = wb["报送情况"]
    lines = {ws.cell(r, 2).value: r for r in range(1, ws.max_row + 1) if isinstance(ws.cell(r, 1).value, int)}
    assert [ws.cell(lines[s.district_name], c).value for c in (8, 9, 10)] == [0, 1, 1]
    total = next(r for r in range(1, ws.max_row + 1) if str(ws.cell(r, 1).value or "").startswith("合计"))
    assert ws.cell(total, 9).value == 1 and ws.cell(total, 10).value == 1
    # both explained (绥中县 in the demo): 待核实 0, 已说明 2
    for f in mine:
        f.explanation = f.explanation or "新项目投产"
    s.explained = 2
    _, wb = _write(tmp_path, figs, cat, "explained.xlsx")
    ws = wb["报送情况"]
    assert [ws.cell(lines[s.district_name], c).value for c in (9, 10)] == [0, 2]


def _blocks_of(ws, first_value_col: int, ncols: int):
    """Summary-sheet blocks: 县区 label -> {集群/合计/小计 label: [values of columns first..]}."""
    out, current = {}, None
    for r in range(HEADER_ROWS + 1, ws.max_row + 1):
        a, b = ws.cell(r, 1).value, ws.cell(r, 2).value
        if isinstance(a, str) and a.startswith("注"):
            break
        current = a if a is not None else current
        out.setdefault(current, {})[b] = [ws.cell(r, c).value for c in range(first_value_col, first_value_col + ncols)]
    return out


def test_enterprise_and_project_summaries_add_up(tmp_path, small):
    cat, figs = small
    _, wb = _write(tmp_path, figs, cat)
    ap = cat.settings.amount_decimals
    names = {c.code: c.short_name for c in cat.clusters}
    ent = _blocks_of(wb["企业名录"], 3, 7)
    city = next(f for f in figs.roster if not f.cluster)
    assert ent["全市"]["合计"][:3] == [city.enterprises, city.scale, city.leaders]
    assert ent["全市"]["合计"][3] == _expect(city.revenue, ap)
    for col in range(3):  # counts: 合计 = sum of clusters = sum of 县区 小计
        assert sum(v[col] for k, v in ent["全市"].items() if k != "合计") == ent["全市"]["合计"][col]
        assert sum(b["小计"][col] for d, b in ent.items() if d != "全市") == ent["全市"]["合计"][col]
    for d, block in ent.items():
        if d != "全市":
            assert sum(v[0] for k, v in block.items() if k != "小计") == block["小计"][0]
    for f in figs.roster:
        if f.cluster:
            assert ent["全市"][names[f.cluster]][0] == f.enterprises
    proj = _blocks_of(wb["重点项目"], 3, 9)
    inv = next(f for f in figs.investment if not f.cluster)
    assert proj["全市"]["合计"][0] == inv.projects
    assert proj["全市"]["合计"][7] == _expect(inv.done_year, ap)
    assert sum(b["小计"][0] for d, b in proj.items() if d != "全市") == inv.projects
    assert sum(proj["全市"]["合计"][1:5]) == inv.projects  # by 项目状态
    notes = _notes(wb["企业名录"]) + _notes(wb["重点项目"])
    assert "测试市重点产业集群企业和项目明细（2025年1-6月）" in notes  # the detail workbook is named


def test_print_setup(tmp_path, small):
    cat, figs = small
    _, wb = _write(tmp_path, figs, cat)
    for ws in wb.worksheets:
        assert ws.page_setup.orientation == "landscape", ws.title
        assert str(ws.page_setup.paperSize) == "9"
        assert ws.page_setup.fitToWidth in (None, 1) and ws.page_setup.fitToHeight == 0  # 1 is the default
        assert ws.sheet_properties.pageSetUpPr.fitToPage
        assert ws.print_options.horizontalCentered
        assert "第&P页 共&N页" in ws.oddFooter.center.text
        assert ws.print_title_rows and ws.freeze_panes


def test_default_city_and_atomic_failure(tmp_path, monkeypatch):
    cat, figs = default_figures()
    dest, wb = _write(tmp_path, figs, cat, consolidated_name(cat, figs.period))
    assert len(_summary_rows(wb["总表"])) == len(figs.clusters) + len(figs.programme)
    before = dest.read_bytes()

    def boom(*a, **k):
        raise RuntimeError("disk full")

    monkeypatch.setattr(wbmod, "_findings_sheet", boom)
    with pytest.raises(RuntimeError):
        write_consolidated(figs, cat, dest)
    assert dest.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == [dest.name]


def test_libreoffice_renders_every_sheet(tmp_path, small):
    soffice = need_tool("soffice", "libreoffice")
    cat, figs = small
    path, _ = _write(tmp_path, figs, cat, "render.xlsx")
    out = tmp_path / "pdf"
    subprocess.run([soffice, "--headless", f"-env:UserInstallation=file://{tmp_path / 'lo'}", "--convert-to", "pdf",
                    "--outdir", str(out), str(path)],
                   check=True, capture_output=True, timeout=240)
    pdf = out / "render.pdf"
    assert pdf.is_file()
    text = subprocess.run([need_tool("pdftotext"), str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    for what in ("主要指标完成情况", "主要指标分县区情况", "企业名录汇总表", "重点项目汇总表", "报表报送情况",
                 "报表审核问题清单"):
        assert f"测试市重点产业集群{what}（2025年1-6月）" in text
    assert "第1页 共" in text


def test_findings_rows_grow_with_their_text(tmp_path, small):
    import dataclasses

    from reporttool.render.xlsx_styles import lines_needed

    cat, figs = small
    long_column = "本年累计营业收入（万元）其中高端装备部分（万元）"
    first = figs.findings[0]
    figs.findings[0] = dataclasses.replace(first, column=long_column)  # the longest text of its row
    _, wb = _write(tmp_path, figs, cat)
    ws = wb["问题清单"]
    widths = {ws.cell(3, c).value: ws.column_dimensions[ws.cell(3, c).column_letter].width for c in range(1, 12)}
    row = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 5).value == long_column)
    need = lines_needed(long_column, widths["列名"])
    assert need > max(lines_needed(first.message, widths["问题说明"]), lines_needed(first.explanation, widths["县区说明"]))
    assert ws.row_dimensions[row].height >= 13.5 * need
    long = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 8).value == figs.findings[-1].message)
    assert ws.row_dimensions[long].height >= 13.5 * lines_needed(figs.findings[-1].message, widths["问题说明"])
    for c in (5, 8, 10):
        assert ws.cell(row, c).alignment.wrap_text
    assert ws.page_setup.fitToHeight == 0 and ws.sheet_properties.pageSetUpPr.fitToPage
