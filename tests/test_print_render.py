"""The workbooks of a demo round printed by LibreOffice, checked from the PDF as a reader would see them.

One soffice call converts the 汇总表, the 明细, the feedback workbook of the district with the most
enterprises among those returned, and one blank district form. From the PDF (pdfplumber: a glyph's size
includes the print scaling): every glyph on every page is ≥ 9 pt, every glyph lies inside the page less
5 mm, the page counts are sane, and no heading of 填报说明 is the last line of a page.
"""
from __future__ import annotations

import re
import shutil
import subprocess

import pytest
from helpers import need_tool

from reporttool.core.models import Period
from reporttool.demo.make import make_demo
from reporttool.forms.writer import write_template
from reporttool.pipeline.consolidate import run_consolidate
from reporttool.workspace import init_workspace

PERIOD = Period(2025, 6)
MM = 72 / 25.4
EDGE = 5 * MM  # nothing within 5 mm of the paper's edge
SMALLEST_PT = 9.0 - 0.05  # LibreOffice writes sizes like 8.999


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory):
    soffice = need_tool("soffice", "libreoffice")
    import pdfplumber  # in the test extras (pyproject.toml)
    root = tmp_path_factory.mktemp("render")
    ws = init_workspace(root / "葫芦岛")
    make_demo(ws, PERIOD)
    result = run_consolidate(ws, PERIOD)
    figs = result.figures
    count = {f.district: f.enterprises for f in figs.roster_by_district if not f.cluster}
    names = {s.district_name: s.district for s in figs.submissions}
    feedbacks = [p for p in result.outputs if p.parent.name == "反馈"]
    feedback = max(feedbacks, key=lambda p: count.get(names.get(p.stem, ""), 0))
    cat = ws.catalogue()
    form = write_template(cat, cat.districts[0].code, Period(2025, 7), root / "form" / "form.xlsx")
    src = root / "src"
    src.mkdir()
    files = {"summary": next(p for p in result.outputs if "汇总表" in p.name),
             "detail": next(p for p in result.outputs if "明细" in p.name),
             "feedback": feedback, "form": form}
    for key, path in files.items():  # short ASCII names: one soffice call converts them all
        shutil.copy(path, src / f"{key}.xlsx")
    out = root / "pdf"
    subprocess.run([soffice, f"-env:UserInstallation={(root / 'lo-profile').as_uri()}", "--headless",
                    "--convert-to", "pdf", "--outdir", str(out), *(str(src / f"{k}.xlsx") for k in files)],
                   check=True, capture_output=True, timeout=300)
    opened = {k: pdfplumber.open(out / f"{k}.pdf") for k in files}
    yield opened, count.get(names.get(feedback.stem, ""), 0)
    for p in opened.values():
        p.close()


def test_every_glyph_prints_at_9pt_or_more(pdfs):
    opened, _ = pdfs
    for key, pdf in opened.items():
        for n, page in enumerate(pdf.pages, 1):
            small = [c for c in page.chars if c["text"].strip() and c["size"] < SMALLEST_PT]
            assert not small, (f"{key} p{n}: {len(small)} glyphs below 9 pt, e.g. "
                               f"{small[0]['text']!r} at {small[0]['size']:.1f} pt")


def test_nothing_prints_outside_the_margins(pdfs):
    opened, _ = pdfs
    for key, pdf in opened.items():
        for n, page in enumerate(pdf.pages, 1):
            for c in page.chars:
                if not c["text"].strip():
                    continue
                inside = (c["x0"] >= EDGE and c["x1"] <= page.width - EDGE
                          and c["top"] >= EDGE and c["bottom"] <= page.height - EDGE)
                assert inside, (f"{key} p{n}: {c['text']!r} at x {c['x0'] / MM:.1f}–{c['x1'] / MM:.1f} mm, "
                                f"y {c['top'] / MM:.1f}–{c['bottom'] / MM:.1f} mm on a "
                                f"{page.width / MM:.0f}×{page.height / MM:.0f} mm page")


def _landscape_pages_with(pdf, text: str) -> int:
    return sum(1 for p in pdf.pages if p.width > p.height and text in (p.extract_text() or "").replace("\n", ""))


def test_page_counts_are_sane(pdfs):
    opened, enterprises = pdfs
    feedback = opened["feedback"]
    assert enterprises >= 20  # a district with a real list, so the count below means something
    for header in ("企业名称", "项目名称", "指标名称"):  # each returned table: at most 2 pages
        assert 1 <= _landscape_pages_with(feedback, header) <= 2, header
    assert _landscape_pages_with(feedback, "问题说明") == 1  # the 问题清单 of a few findings
    summary = opened["summary"]
    assert _landscape_pages_with(summary, "目标说明") <= 8  # 总表: ~50 rows and the chart
    for pdf in opened.values():
        assert all(p.width in (pytest.approx(595, abs=2), pytest.approx(842, abs=2), pytest.approx(1191, abs=2))
                   for p in pdf.pages)  # A4 or A3 only


def test_no_instruction_heading_ends_a_page(pdfs):
    opened, _ = pdfs
    for key in ("form", "feedback"):
        portrait = [p for p in opened[key].pages if p.height > p.width]  # 填报说明
        assert portrait, key
        for n, page in enumerate(portrait, 1):
            lines = [ln for ln in (page.extract_text() or "").splitlines()
                     if ln.strip() and not re.fullmatch(r"第\d+页 共\d+页", ln.strip())]
            assert not re.match(r"^[一二三四五六七八九十]+、", lines[-1]), f"{key} 填报说明 p{n} ends with {lines[-1]!r}"
