"""How the 汇总表 prints (issue 13: it grew from 31 to 35–38 pages with 当月/环比 and the plan block), and the
分县区 sheet's 当月/环比.

The page test converts a demo round with five months of history with LibreOffice and bounds each sheet's
page count by what its rows need: the rows' heights (as stored) over what a page holds under the repeated
header, plus one page for a block kept together (the 注) and one for each page break the sheet forces (the
总表 chart). And no page but a sheet's last (or the one before a forced break) is left more than half empty.
"""
from __future__ import annotations

import math
import re
import shutil
import subprocess

import openpyxl
import pytest
from helpers import MAR, figures_with_months, need_tool

from reporttool.core.models import Period
from reporttool.core.paper import BOTTOM_MARGIN, TOP_MARGIN
from reporttool.demo.make import make_demo
from reporttool.pipeline.consolidate import run_consolidate
from reporttool.render.workbook import write_consolidated
from reporttool.workspace import init_workspace

PERIOD = Period(2025, 6)
FOOTER = re.compile(r"(第\d+页|共\d+页)+")


@pytest.fixture(scope="module")
def printed(tmp_path_factory):
    soffice = need_tool("soffice", "libreoffice")
    import pdfplumber  # in the test extras (pyproject.toml)

    root = tmp_path_factory.mktemp("pages")
    ws = init_workspace(root / "葫芦岛")
    make_demo(ws, PERIOD, since=Period(2025, 1))
    result = run_consolidate(ws, PERIOD)
    src = root / "summary.xlsx"
    shutil.copy(next(p for p in result.outputs if "汇总表" in p.name), src)
    subprocess.run([soffice, f"-env:UserInstallation={(root / 'lo').as_uri()}", "--headless", "--convert-to", "pdf",
                    "--outdir", str(root), str(src)], check=True, capture_output=True, timeout=300)
    wb = openpyxl.load_workbook(src)
    with pdfplumber.open(root / "summary.pdf") as pdf:
        pages = [((p.extract_text() or "").replace("\n", ""), _bottom(p) / p.height) for p in pdf.pages]
    yield wb, pages


def _bottom(page) -> float:
    """The lowest text or rule on a page, the footer left out."""
    words = [w["bottom"] for w in page.extract_words() if not FOOTER.fullmatch(w["text"])]
    return max([*words, *(r["bottom"] for r in page.rects), *(ln["bottom"] for ln in page.lines)], default=0.0)


def _sheet_pages(wb, pages) -> dict[str, list[int]]:
    """Page indexes of each sheet: a sheet starts on the page that prints its title (A1)."""
    starts = []
    for ws in wb.worksheets:
        title = str(ws["A1"].value)
        starts.append((ws.title, next(n for n, (text, _) in enumerate(pages) if title in text)))
    ends = [n for _, n in starts[1:]] + [len(pages)]
    return {name: list(range(first, end)) for (name, first), end in zip(starts, ends, strict=True)}


def _needed(ws) -> tuple[float, float]:
    """(points of rows to print below the repeated header, points a page holds under that header) at 100 %."""
    heads = [int(x) for x in re.findall(r"\d+", ws.print_title_rows or "")]
    first, last = (heads[0], heads[-1]) if heads else (0, 0)
    end = int(re.findall(r"\d+", ws.print_area.split(":")[-1])[-1])

    def height(r: int) -> float:
        return ws.row_dimensions[r].height or 15.0

    head = sum(height(r) for r in range(first, last + 1)) if last else 0.0
    rows = sum(height(r) for r in range(1, end + 1)) - head
    paper_mm = 210 if int(ws.page_setup.paperSize) == 9 and ws.page_setup.orientation == "landscape" else 297
    page = (paper_mm / 25.4 - TOP_MARGIN - BOTTOM_MARGIN) * 72 * 0.97  # as TableSheet.page_height
    return rows, page - head


def test_each_sheet_prints_on_as_few_pages_as_its_rows_need(printed):
    wb, pages = printed
    by_sheet = _sheet_pages(wb, pages)
    assert set(by_sheet) >= {"总表", "月度走势", "分县区", "问题清单"}  # the demo has 当月 and a year's path
    for ws in wb.worksheets:
        rows, room = _needed(ws)
        forced = 1 if ws.title == "总表" else 0  # the chart starts a page of its own
        bound = math.ceil(rows / room) + 1 + forced
        assert len(by_sheet[ws.title]) <= bound, (ws.title, len(by_sheet[ws.title]), rows, room)
    total = sum(len(v) for v in by_sheet.values())
    assert total == len(pages) <= sum(math.ceil(_needed(ws)[0] / _needed(ws)[1]) for ws in wb.worksheets) + len(
        wb.worksheets) + 1


def test_no_page_is_left_mostly_empty(printed):
    """A page that is not its sheet's last (nor the one before the chart's forced break) prints below half
    its height: the paginator splits a block when a fifth of the page or more is left (a twentieth in 分县区),
    and keeps only a 注 block of at most a third of a page together."""
    wb, pages = printed
    by_sheet = _sheet_pages(wb, pages)
    chart = next(n for n in by_sheet["总表"] if "各集群主要指标完成率与时序进度" in pages[n][0])
    for name, numbers in by_sheet.items():
        for n in numbers[:-1]:
            if n == chart - 1:
                continue
            assert pages[n][1] >= 0.5, f"{name}: page {n + 1} ends at {pages[n][1]:.0%} of its height"


def test_district_sheet_shows_this_month_and_month_on_month(tmp_path, quarter, small_catalogue):
    cat = small_catalogue
    figs = figures_with_months(quarter, cat, MAR)
    wb = openpyxl.load_workbook(write_consolidated(figs, cat, tmp_path / "b.xlsx"))
    rows = [list(r) for r in wb[cat.words.by_unit].iter_rows(values_only=True)]
    head = next(r for r in rows if "3月当月" in r)
    col = head.index("3月当月")
    assert rows[rows.index(head) + 1][col:col + 2] == ["当月", "环比\n（%）"]
    jia = cat.district("110101").name
    block = [r for r in rows if r[0] == "化工" and r[1] == "营业收入"]
    # 甲区: 42 − 25 = 17 亿元 in March, 25 − 10 = 15 in February: 环比 (17 ÷ 15 − 1) × 100 = 13.3;
    # 乙县 sent no March, so it has no row and the 合计 (the 总表 figure) is 甲区's
    assert [(r[3], r[col], r[col + 1]) for r in block] == [("合计", 17, 13.3), (jia, 17, 13.3)]
    # 工业总产值: 30 − 20 = 10 万元 = 0.001 亿元, shown with the indicator's 2 decimals; 环比 (10 ÷ 10 − 1) = 0
    output = next(r for r in rows if r[0] == "化工" and r[1] == "工业总产值" and r[3] == jia)
    assert output[col:col + 2] == [0, 0]
    notes = "".join(str(r[0]) for r in rows if r[0] and str(r[0]).startswith(("注", "　　")))
    assert "当月＝3月本年累计－2月本年累计" in notes


def test_district_sheet_without_months_has_no_month_columns(tmp_path, small_catalogue, ledger):
    from helpers import ingest_month

    from reporttool.figures.compute import compute_figures

    ingest_month(ledger, MAR, "110101", {("A", "SR"): 420000})
    figs = compute_figures(ledger, small_catalogue, MAR)  # no add_months: no 当月
    wb = openpyxl.load_workbook(write_consolidated(figs, small_catalogue, tmp_path / "b.xlsx"))
    assert not any("当月" in str(v) for r in wb[small_catalogue.words.by_unit].iter_rows(values_only=True) for v in r)
