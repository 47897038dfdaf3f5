"""The demo brief as a reader gets it: converted to PDF by LibreOffice and measured from the PDF.

Type size, margins, the closing block's place, page numbers, 续表, and the brief's numbers against the
consolidated workbook's cells. CI installs LibreOffice and CJK fonts (REPORTTOOL_REQUIRE_RENDER=1), so
these tests run there; elsewhere they skip when soffice is missing.
"""
from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal as D

import docx
import openpyxl
import pytest
from helpers import need_tool

from reporttool.core import fmt
from reporttool.core.models import Period
from reporttool.demo.make import make_demo
from reporttool.pipeline.consolidate import run_consolidate
from reporttool.render.docx_profile import DEFAULT_PROFILE as P
from reporttool.render.pdf import to_pdf
from reporttool.workspace import init_workspace

MM = 72 / 25.4
LEFT, TOP = float(P.margin_left_mm) * MM, float(P.margin_top_mm) * MM
RIGHT = LEFT + float(P.text_width_pt)
BOTTOM = TOP + float(P.text_height_pt)
SLACK = 1.5  # pt: glyph boxes and rule widths
HANGING = set("，。；：、")


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """The demo month of the default city, consolidated, with the brief and the 汇总表 as PDF."""
    office = need_tool("soffice", "libreoffice")
    pdfplumber = pytest.importorskip("pdfplumber")
    ws = init_workspace(tmp_path_factory.mktemp("render") / "葫芦岛")
    period = Period(2025, 6)
    make_demo(ws, period)
    result = run_consolidate(ws, period, workers=1, issued=dt.date(2025, 7, 8))
    brief = next(p for p in result.outputs if p.suffix == ".docx")
    book = next(p for p in result.outputs if p.name.endswith(".xlsx") and "汇总表" in p.name)
    made = to_pdf([brief], office=office)
    assert not made.failed, made.messages
    pdf = pdfplumber.open(made.written[0])
    yield ws, result, brief, book, pdf
    pdf.close()


def _page_number(text: str) -> bool:
    return bool(re.fullmatch(r"—\s*\d+\s*—", text.strip()))


def _lines(page) -> list[tuple[float, str]]:
    """(top, text) of each text line of a page."""
    out: dict[int, list] = {}
    for w in page.extract_words(keep_blank_chars=False, use_text_flow=True):
        out.setdefault(round(w["top"] / 3), []).append(w)
    return [(min(w["top"] for w in ws), "".join(w["text"] for w in sorted(ws, key=lambda w: w["x0"])))
            for _, ws in sorted(out.items())]


def test_text_is_at_least_9_pt_on_every_page(demo):
    pdf = demo[4]
    for n, page in enumerate(pdf.pages, 1):
        assert page.chars, f"page {n} is empty"
        small = {c["text"] for c in page.chars if c["size"] < 9 - 0.05}
        assert not small, (n, sorted(small)[:10])


def test_nothing_outside_the_text_block_but_page_numbers(demo):
    pdf = demo[4]
    for n, page in enumerate(pdf.pages, 1):
        footer = {round(c["top"]) for c in page.chars if c["top"] > BOTTOM}
        for c in page.chars:
            # LibreOffice hangs a line-end 点号 (，。；：、) just past the block, as CLREQ allows (行尾点号悬挂;
            # Word keeps it inside: the brief sets w:overflowPunct off); it starts at the edge, never further
            hanging = c["text"] in HANGING and c["x0"] <= RIGHT + SLACK
            assert c["x0"] >= LEFT - SLACK and (c["x1"] <= RIGHT + SLACK or hanging), (n, c["text"], c["x0"])
            assert c["top"] >= TOP - SLACK, (n, c["text"], c["top"])
        # below the text block there is only the page number, 7 mm down
        below = "".join(c["text"] for c in page.chars if c["top"] > BOTTOM)
        if below:
            assert _page_number(below), (n, below)
            assert len(footer) == 1 and min(footer) < BOTTOM + 12 * MM
        for img in page.images:
            assert img["x0"] >= LEFT - SLACK and img["x1"] <= RIGHT + SLACK, (n, "image")
            assert img["top"] >= TOP - SLACK and img["bottom"] <= BOTTOM + SLACK, (n, "image")


def test_colophon_at_the_foot_of_the_last_page_with_full_width_rules(demo):
    ws, result, brief, book, pdf = demo
    last = pdf.pages[-1]
    copies = [c for c in last.chars if c["text"] == "印"]
    assert copies, "（共印N份） is not on the last page"
    assert max(c["bottom"] for c in copies) > BOTTOM - 12 * MM  # the last line sits at the foot
    for page in pdf.pages[:-1]:
        assert "共印" not in (page.extract_text() or "")
    # the rule under the last line is as wide as the text block (156 mm) and on its bottom edge
    rules = [r for r in last.lines + last.rects if abs(r["x1"] - r["x0"]) > float(P.text_width_pt) - 3]
    assert rules, "no full-width rule on the last page"
    assert max(r["bottom"] for r in rules) == pytest.approx(BOTTOM, abs=3 * MM)
    assert all(r["x0"] >= LEFT - SLACK and r["x1"] <= RIGHT + SLACK for r in rules)


def test_pages_are_numbered_and_no_page_holds_only_the_colophon(demo):
    pdf = demo[4]
    assert 5 <= len(pdf.pages) <= 9  # body 5-6 pages, 附注, 附件 (表1 and its 续表)
    numbers = []
    for page in pdf.pages:
        found = [t for _, t in _lines(page) if _page_number(t)]
        numbers.append(int(re.sub(r"\D", "", found[0])) if found else None)
    assert numbers == list(range(1, len(pdf.pages) + 1))  # every page numbered, none skipped
    # the last page carries more than the 版记 (报/送/发 and 共印): body or table text above it
    body = [t for _, t in _lines(pdf.pages[-1])
            if not _page_number(t) and not re.match(r"^(报：|送：|发：|（共印)", t)]
    assert body, "the last page holds only the closing block"


def test_continued_table_pages_say_xubiao_and_repeat_the_header(demo):
    pdf = demo[4]
    table_pages = [i for i, page in enumerate(pdf.pages) if "指标（单位）" in (page.extract_text() or "")]
    assert table_pages, "no 表1"
    first = pdf.pages[table_pages[0]].extract_text()
    assert first.splitlines()[0].strip() == "附件"
    assert len(table_pages) >= 2  # the demo's table runs over two pages
    for i in table_pages[1:]:
        lines = [t for _, t in _lines(pdf.pages[i])]
        assert lines[0] == "续表", lines[:2]
        assert any("本年累计" in t for t in lines[1:4])


def test_no_unit_is_broken_across_lines(demo):
    """No line of the PDF ends inside a bracketed unit such as （亿元） (the table cells included)."""
    ws, pdf = demo[0], demo[4]
    units = {f"（{i.unit}）" for i in ws.catalogue().indicators} | {"（百分点）"}
    cut = {u[:k] for u in units for k in range(2, len(u))}  # （亿 （万千 （百分 …
    checked = 0
    for page in pdf.pages:
        for word in page.extract_words(use_text_flow=True):
            assert not any(word["text"].endswith(head) for head in cut), (word["text"], page.page_number)
            checked += 1
    assert checked > 100


def _numbers(ws_sheet) -> set[str]:
    out = set()
    for row in ws_sheet.iter_rows(values_only=True):
        for v in row:
            if isinstance(v, (int, float)) and not isinstance(v, bool):
                d = D(str(v))
                for places in (0, 1, 2):
                    out.add(fmt.text(abs(d), places))
    return out


def test_the_brief_table_numbers_equal_the_consolidated_workbook(demo):
    """Each row of 表1 read from the PDF against the same row of the 总表 (by cluster and indicator)."""
    ws, result, brief, book, pdf = demo
    sheet = openpyxl.load_workbook(book, data_only=True)["总表"]
    header_row = max(r for r in range(1, 10) if sheet.cell(r, 4).value == "本年累计")
    rows: dict[tuple[str, str], list[str]] = {}
    label = ""
    for r in range(header_row + 1, sheet.max_row + 1):
        name = sheet.cell(r, 2).value
        if not name:
            break
        label = sheet.cell(r, 1).value or label
        rows[(label, name)] = [sheet.cell(r, c).value for c in (4, 6, 9, 11)]
    doc = docx.Document(str(brief))
    wanted = []  # (cluster, indicator name) of every row of 表1 in order, from the document
    for table in doc.tables:
        cluster = ""
        for row in table.rows[1:]:
            cells = [c.text.replace("\n", "") for c in row.cells]
            cluster = cells[0] or cluster
            wanted.append((cluster, cells[1].rsplit("（", 1)[0]))
    # the numeric columns of the PDF's table rows, top to bottom, page by page
    widths = [float(w) * MM for w in P.table_columns_mm]
    edges = [LEFT + sum(widths[:i]) for i in range(len(widths) + 1)]
    got = []
    for page in pdf.pages:
        if "指标（单位）" not in (page.extract_text() or ""):
            continue
        words = [w for w in page.extract_words() if w["x0"] >= edges[2] - 1 and w["top"] < BOTTOM]
        by_line: dict[int, list] = {}
        for w in words:
            by_line.setdefault(round((w["top"] + w["bottom"]) / 2 / 4), []).append(w)
        for _, line in sorted(by_line.items()):
            cols = ["" for _ in range(5)]
            for w in line:
                centre = (w["x0"] + w["x1"]) / 2
                col = next(i for i in range(2, 7) if edges[i] <= centre < edges[i + 1] + 1)
                cols[col - 2] += w["text"]
            if any(re.fullmatch(r"-?\d+(\.\d+)?|—|增长\S+", c) for c in cols) and "本年" not in "".join(cols):
                got.append(cols)
    assert len(got) == len(wanted), (len(got), len(wanted))
    compared = 0
    for (cluster, name), cols in zip(wanted, got):
        value, yoy, completion, gap = rows[(cluster, name)]
        for shown, xl, places in ((cols[0], value, None), (cols[1], yoy, 1), (cols[3], completion, 1),
                                  (cols[4], gap, 1)):
            if xl in (None, "", fmt.DASH):
                assert shown == fmt.DASH, (cluster, name, shown)
            else:
                d = D(str(xl))
                decimals = places if places is not None else len(shown.split(".")[1]) if "." in shown else 0
                assert shown == fmt.text(d, decimals), (cluster, name, shown, xl)
            compared += 1
    assert compared > 100


def test_the_brief_prose_numbers_come_from_the_consolidated_workbook(demo):
    """Every decimal number in the body text (before the 附件) is a number of the 汇总表 (any sheet), or a
    拉动 of the same Figures object (the brief's one number the workbook does not print)."""
    ws, result, brief, book, pdf = demo
    wb = openpyxl.load_workbook(book, data_only=True)
    known = set().union(*(_numbers(s) for s in wb.worksheets))
    rd = ws.catalogue().settings.rate_decimals
    pulls = {fmt.text(abs(f.pull), rd) for f in result.figures.clusters if f.pull is not None}
    # investment against 时序进度 (低于时序进度11.9个百分点): the same Figures' completion − time progress
    gaps = {fmt.text(abs(i.completion - result.figures.time_progress), rd) for i in result.figures.investment
            if i.completion is not None}
    known |= pulls | gaps | {"0.1"}  # 影响不足0.1个百分点
    body = []
    for page in pdf.pages:
        text = page.extract_text() or ""
        if text.strip().startswith("附件"):
            break
        body.append(text)
    text = re.sub(r"\s+", "", "".join(body))
    text = re.sub(r"（\d{4}年[^）]*）|\d{4}年\d+(-\d+)?月(\d+日)?", "", text)  # dates and periods
    decimals = re.findall(r"\d+\.\d+", text)
    assert len(decimals) > 30
    missing = sorted({n for n in decimals if n not in known})
    assert not missing, missing


def test_cli_pdf_writes_the_brief_and_the_summary_workbook_beside_them(demo):
    from click.testing import CliRunner

    from reporttool.cli import main

    ws, result, brief, book, pdf = demo
    res = CliRunner().invoke(main, ["-w", str(ws.root), "brief", "--period", "2025-06", "--date", "2025-07-08",
                                    "--pdf"])
    assert res.exit_code == 0, res.output
    for original in (brief, book):
        made = original.with_suffix(".pdf")
        assert made.is_file() and made.read_bytes()[:5] == b"%PDF-", made
        assert f"已生成 PDF：{made}" in res.output
