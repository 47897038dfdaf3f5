"""Print setup of every workbook, checked in the files (fast; tests/test_print_render.py prints them).

The rules (docs/workbook.md, 打印规则): one page wide on A4 (A3 for the wide lists) with text ≥ 9 pt after
the fit-to-width scaling, print areas limited to the rows used, charts within the table's width, headers
broken between words, 第&P页 共&N页; and one story: scopes said in words, roster gaps disclosed,
configuration hints on the terminal only.
"""
from __future__ import annotations

import itertools
import re
import zipfile
from decimal import Decimal as D

import openpyxl
import pytest
from click.testing import CliRunner
from helpers import assert_prints_at_9pt, default_figures, print_area, stored_units
from openpyxl.utils import get_column_letter

from reporttool.cli import main
from reporttool.core.models import Period
from reporttool.core.paper import (
    A3_LANDSCAPE,
    A4_PORTRAIT,
    MIN_TEXT_PT,
    header_text,
    printed_pt,
)
from reporttool.demo.base import EMPTY_ROSTER
from reporttool.demo.make import make_demo
from reporttool.forms import layout as L
from reporttool.forms.writer import INSTRUCTIONS_WIDTH, _keep_with_next, write_template
from reporttool.pipeline.consolidate import run_consolidate
from reporttool.render.feedback import write_feedback
from reporttool.render.workbook import write_consolidated

PERIOD = Period(2025, 6)




def assert_columns_do_not_overlap(path) -> None:
    """Every <col> range of every sheet is disjoint (overlaps make Excel repair the file)."""
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/sheet"):
                ranges = sorted((int(a), int(b)) for a, b in re.findall(
                    r'<col min="(\d+)" max="(\d+)"', z.read(name).decode("utf-8")))
                assert all(p[1] < q[0] for p, q in itertools.pairwise(ranges)), (name, ranges)



def test_consolidated_sheets_print_one_page_wide_at_9pt(tmp_path, default_catalogue):
    _cat, figs = default_figures()
    dest = write_consolidated(figs, default_catalogue, tmp_path / "汇总表.xlsx")
    wb = openpyxl.load_workbook(dest)
    for ws in wb.worksheets:
        assert_prints_at_9pt(ws)
        assert int(ws.page_setup.paperSize) == 9, ws.title  # the 汇总表's tables all fit A4
        ncols, last = print_area(ws)
        assert ncols == ws.max_column  # nothing written beside the table
        assert last >= max(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value is not None)


def test_chart_sits_under_the_table_within_its_width(tmp_path, default_catalogue):
    _cat, figs = default_figures()
    dest = write_consolidated(figs, default_catalogue, tmp_path / "汇总表.xlsx")
    ws = openpyxl.load_workbook(dest)["总表"]
    ncols, last = print_area(ws)
    notes = [r for r in range(1, ws.max_row + 1) if str(ws.cell(r, 1).value or "").startswith("注")]
    with zipfile.ZipFile(dest) as z:
        drawing = z.read("xl/drawings/drawing1.xml").decode("utf-8")
    (from_col, from_row), (to_col, to_row) = [tuple(map(int, m)) for m in re.findall(
        r"<xdr:col>(\d+)</xdr:col><xdr:colOff>\d+</xdr:colOff><xdr:row>(\d+)</xdr:row>", drawing)]
    assert from_col == 0 and to_col <= ncols - 1  # 0-based: never past the table's last column
    assert from_row + 1 > notes[0] and to_row + 1 <= last  # below the table, inside the print area
    breaks = [b.id for b in ws.row_breaks.brk]
    assert from_row - 1 in breaks  # the chart starts a page (under a spacer row)


def test_kept_blocks_are_not_cut_by_page_breaks(tmp_path, default_catalogue):
    _cat, figs = default_figures()
    dest = write_consolidated(figs, default_catalogue, tmp_path / "汇总表.xlsx")
    wb = openpyxl.load_workbook(dest)
    for name in ("总表", "企业名录", "重点项目"):
        ws = wb[name]
        breaks = {b.id for b in ws.row_breaks.brk}  # a break id n: a new page starts at (1-based) row n + 1
        if name == "总表":
            assert len(breaks) >= 2  # several pages of clusters, and the chart on a page of its own
        for merged in ws.merged_cells.ranges:
            if merged.min_col == 1 and merged.max_row > merged.min_row:  # a 集群/县区 stub merged down
                inside = {b for b in breaks if merged.min_row <= b < merged.max_row}
                assert not inside, f"{name}: page break inside {merged}"


def test_headers_break_between_words():
    assert header_text("是否规上", 5) == "是否\n规上"
    assert header_text("本年累计营业收入", 11) == "本年累计\n营业收入"
    assert header_text("是否规上", 12) == "是否规上"  # fits: unchanged
    assert header_text("说明", 3) == "说明"  # no known break: left to wrap


def test_form_sheets_print_at_9pt_and_instructions_fit_portrait(tmp_path, default_catalogue):
    district = default_catalogue.districts[0].code
    wb = openpyxl.load_workbook(write_template(default_catalogue, district, PERIOD, tmp_path / "f.xlsx"))
    for spec in L.DATA_SHEETS:
        assert_prints_at_9pt(wb[spec.name])
    ws = wb[L.INSTRUCTIONS_SHEET]
    assert ws.page_setup.orientation == "portrait" and int(ws.page_setup.paperSize) == 9
    assert ws.column_dimensions["A"].width <= A4_PORTRAIT.usable_units  # fits the page at 100 %: no glyph
    assert A4_PORTRAIT.usable_units >= INSTRUCTIONS_WIDTH + 1          # past the margins (was 0.7 mm)


def test_no_heading_is_left_at_a_page_foot():
    page = (A4_PORTRAIT.height_mm / 25.4 - 1.3) * 72 * 0.97
    heights = [30.0] + [100.0] * 6 + [24.0, 90.0]  # the heading (row 7) would be the last line of page 1
    assert sum(heights[:8]) < page < sum(heights)
    breaks = _keep_with_next(heights, [7])
    assert breaks == [7]
    assert _keep_with_next(heights, []) == [8]  # without the heading rule the break falls after it


@pytest.fixture
def filled_form(tmp_path, small_catalogue):
    src = tmp_path / "甲区.xlsx"
    rows = [{"credit_code": "91110000600037341L", "name": f"企业{k}", "cluster": "化工产业集群", "is_scale": "是",
             "revenue": D(900 + k), "employees": 10} for k in range(3)]
    write_template(small_catalogue, "110101", PERIOD, src, roster=rows)
    return src


def test_feedback_prints_only_the_filled_rows(tmp_path, filled_form):
    before = openpyxl.load_workbook(filled_form)[L.ROSTER.name]
    header = next(r for r in range(1, 15) if before.cell(r, 1).value == "序号")
    dest = write_feedback(filled_form, [], tmp_path / "out.xlsx", district_name="甲区", period_label=PERIOD.label)
    wb = openpyxl.load_workbook(dest)
    ws = wb[L.ROSTER.name]
    ncols, last = print_area(ws)
    assert last == header + 3  # three enterprises, not the template's hundreds of empty rows
    assert ncols == len(L.ROSTER.columns)
    assert ws.print_title_rows == f"${header}:${header}"
    assert_prints_at_9pt(ws)
    assert_prints_at_9pt(wb["问题清单"])
    assert_columns_do_not_overlap(dest)


def test_feedback_of_an_older_wider_form_still_prints_at_9pt(tmp_path, filled_form):
    """A form made by an older template (columns ~30 % wider: 4.8 pt once printed) is narrowed in the copy."""
    wb = openpyxl.load_workbook(filled_form)
    ws = wb[L.ROSTER.name]
    for c in range(1, len(L.ROSTER.columns) + 1):
        ws.column_dimensions[get_column_letter(c)].width = L.ROSTER.columns[c - 1].width * 1.4 + 1
    old = tmp_path / "旧表.xlsx"
    wb.save(old)
    before = {c.coordinate: c.value for row in openpyxl.load_workbook(old)[L.ROSTER.name].iter_rows() for c in row}
    units = stored_units(openpyxl.load_workbook(old)[L.ROSTER.name], len(L.ROSTER.columns))
    assert printed_pt(10, units, A3_LANDSCAPE) < MIN_TEXT_PT  # as it came
    dest = write_feedback(old, [], tmp_path / "out.xlsx", district_name="甲区", period_label=PERIOD.label)
    fb = openpyxl.load_workbook(dest)[L.ROSTER.name]
    assert_prints_at_9pt(fb)
    assert_columns_do_not_overlap(dest)
    assert {c.coordinate: c.value for row in fb.iter_rows() for c in row} == before  # values untouched


def test_feedback_of_an_older_form_fits_its_instructions_to_the_page(tmp_path, filled_form):
    wb = openpyxl.load_workbook(filled_form)
    ws = wb[L.INSTRUCTIONS_SHEET]
    ws.column_dimensions["A"].width = 84.7  # the older template: 209 mm on a 210 mm page
    old = tmp_path / "旧表.xlsx"
    wb.save(old)
    dest = write_feedback(old, [], tmp_path / "out.xlsx", district_name="甲区", period_label=PERIOD.label)
    fb = openpyxl.load_workbook(dest)[L.INSTRUCTIONS_SHEET]
    assert fb.column_dimensions["A"].width <= A4_PORTRAIT.usable_units
    body = max((r for r in range(1, fb.max_row + 1)), key=lambda r: len(str(fb.cell(r, 1).value or "")))
    assert fb.row_dimensions[body].height >= 3 * 15  # the longest paragraph wraps to more lines, its row grew
    assert_columns_do_not_overlap(dest)


@pytest.fixture(scope="module")
def demo_round(tmp_path_factory):
    from reporttool.workspace import init_workspace

    ws = init_workspace(tmp_path_factory.mktemp("print") / "葫芦岛")
    demo = make_demo(ws, PERIOD)
    return ws, demo, run_consolidate(ws, PERIOD)


def _notes(ws) -> str:
    return "".join(str(ws.cell(r, 1).value) for r in range(1, ws.max_row + 1)
                   if re.match(r"^(注|　　)", str(ws.cell(r, 1).value or "")))


def test_roster_scope_and_gaps_are_said_in_words(demo_round):
    ws, demo, result = demo_round
    cat = ws.catalogue()
    wb = openpyxl.load_workbook(next(p for p in result.outputs if "汇总表" in p.name))
    roster = _notes(wb["企业名录"])
    assert "口径一致" not in roster
    total = next(f for f in result.figures.roster if not f.cluster)
    revenue = next(i for i in cat.indicators if i.name == "营业收入")
    programme = next(f for f in result.figures.programme if f.indicator == revenue.code)
    share = total.revenue / programme.value * 100
    from reporttool.core.fmt import text
    assert (f"名录企业营业收入合计{text(total.revenue, cat.settings.amount_decimals)}亿元，占集群营业收入"
            f"{text(programme.value, revenue.decimals)}亿元") in roster
    assert f"的{text(share, cat.settings.rate_decimals)}%" in roster
    gap = next(p.district_name for p in demo.problems if p.kind == EMPTY_ROSTER)  # its 集群企业 sheet is empty
    for sheet in ("企业名录", "总表"):
        assert f"{gap}本期企业名录无可汇总的企业" in _notes(wb[sheet]), sheet


def test_configuration_hints_go_to_the_terminal_not_the_documents(demo_round, tmp_path):
    ws, _demo, result = demo_round
    hints = result.figures.config_notes
    assert hints and all("基期值未填" in h for h in hints)  # the default city has such a gap
    for path in result.outputs:
        if path.suffix == ".xlsx":
            with zipfile.ZipFile(path) as z:
                text = "".join(z.read(n).decode("utf-8", "replace") for n in z.namelist() if n.endswith(".xml"))
            assert "基期值未填" not in text, path.name
    run = CliRunner().invoke(main, ["-w", str(ws.root), "consolidate", "--period", "2025-06"])
    assert f"目标库提示：{hints[0]}" in run.output
