"""The detail workbook (render/detail_book.py): every accepted enterprise and project, written from
per-submission fragments by our own small zip writer — checked with the readers our users' tools use."""
from __future__ import annotations

import subprocess
import zipfile
from decimal import Decimal as D

from helpers import need_tool
from openpyxl import load_workbook

from reporttool.core.fmt import DASH
from reporttool.core.models import Period


def _detail(tmp_path, cat):
    from reporttool.core.models import Row
    from reporttool.render.detail_book import DetailSheet, render_fragment, write_detail_book

    d1, d2 = cat.districts[0].code, cat.districts[1].code
    c1, c2 = cat.clusters[0].code, cat.clusters[1].code
    roster1 = [Row(5, {"credit_code": "91210000MA0000000X", "name": "=SUM(A1:A9)公司", "cluster": c2,
                       "is_scale": "是", "is_leader": "否", "park": "http://www.example.com/园区",
                       "revenue": D("1234.565"), "revenue_ly": D("1000"), "employees": 12}),
               Row(6, {"credit_code": "012345678901234567", "name": "  铃\x07＆<公司>\n二行", "cluster": c1,
                       "is_scale": "否", "revenue": None, "revenue_ly": D("0"), "output_value": D("7")})]
    roster2 = [Row(5, {"credit_code": "91210000MA0000001Y", "name": "乙企业", "cluster": c1, "is_scale": "是",
                       "revenue": D("5"), "revenue_ly": D("4")})]
    projects = [Row(5, {"name": "一期", "cluster": c1, "nature": "新建", "status": "在建", "owner": "甲公司",
                        "total": D(100), "plan_year": D(50), "done_year": D(20),
                        "start": __import__("datetime").date(2025, 3, 1)})]
    f1, n1 = render_fragment("roster", roster1, d1, cat)
    f2, n2 = render_fragment("roster", roster2, d2, cat)
    fp, npj = render_fragment("projects", projects, d1, cat)
    dest = write_detail_book(cat, Period(2025, 6), [DetailSheet("roster", "共3户", [f1, f2], n1 + n2),
                                                    DetailSheet("projects", "共1个", [fp], npj)],
                             tmp_path / "明细.xlsx")
    return dest, (d1, d2, c1, c2)


def test_detail_book_reads_the_same_in_openpyxl_and_calamine(tmp_path, small_catalogue):
    from python_calamine import CalamineWorkbook

    cat = small_catalogue
    dest, (d1, d2, c1, c2) = _detail(tmp_path, cat)
    wb = load_workbook(dest)
    assert wb.sheetnames == ["企业名录", "重点项目"]
    ws = wb["企业名录"]
    rows = [[c.value for c in r] for r in ws.iter_rows(min_row=4)]
    cal = CalamineWorkbook.from_path(str(dest)).get_sheet_by_name("企业名录").to_python()[3:]
    dn = {d.code: d.name for d in cat.districts}
    cn = {c.code: c.short_name for c in cat.clusters}
    # cluster order within a district (c1 before c2), districts in the order given, 序号 within the 县区
    assert [r[0] for r in rows] == [1, 2, 1]
    assert [(r[1], r[2]) for r in rows] == [(dn[d1], cn[c1]), (dn[d1], cn[c2]), (dn[d2], cn[c1])]
    assert rows[0][4] == "  铃＆<公司>\n二行" and rows[1][4] == "=SUM(A1:A9)公司"  # text stays text
    assert ws["E5"].data_type == "s" and ws["D4"].data_type == "s" and ws["D4"].number_format == "@"
    assert rows[0][3] == "012345678901234567"  # leading zero kept: a code is text
    assert rows[1][7] == "http://www.example.com/园区" and rows[1][8] == 1234.57  # ROUND_HALF_UP, 2 places
    assert rows[1][10] == 23.5 and rows[0][8] == DASH and rows[0][10] == DASH  # 同比; no base -> —
    assert rows[1][13] == 12 and rows[0][5] == "否" and rows[0][6] == DASH
    for a, b in zip(rows, cal):
        assert [("" if v is None else v) for v in a] == [("" if v is None else v) for v in b]
    assert ws.freeze_panes == "F4" and ws.auto_filter.ref == "A3:N6" and ws.print_title_rows == "$3:$3"
    assert ws.page_setup.orientation == "landscape" and ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws["A1"].value == "测试市重点产业集群企业名录（2025年1-6月）"
    p = wb["重点项目"]
    assert [c.value for c in p[4]][:9] == [1, dn[d1], cn[c1], "一期", "甲公司", "新建", "在建", "2025-03", DASH]
    assert [c.value for c in p[4]][9:13] == [100, 50, 20, 40]


def test_detail_book_reads_in_libreoffice(tmp_path, small_catalogue):
    need_tool("soffice")
    dest, _ = _detail(tmp_path, small_catalogue)
    out = tmp_path / "csv"
    subprocess.run(["soffice", "--headless", "--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76",
                    "--outdir", str(out), str(dest)], check=True, capture_output=True, timeout=240)
    text = (out / "明细.csv").read_text(encoding="utf-8")
    assert "=SUM(A1:A9)公司" in text and "012345678901234567" in text and "1234.57" in text
    import csv
    import io

    rows = list(csv.reader(io.StringIO(text)))
    assert [r[0] for r in rows[3:6]] == ["1", "2", "1"]  # rows without r= land on rows 4, 5, 6
    assert rows[4][4] == "=SUM(A1:A9)公司" and rows[3][4] == "  铃＆<公司>\n二行"  # cells on their columns


def test_detail_book_zip_is_sound_and_rows_are_all_there(tmp_path, small_catalogue):
    """Many fragments (CRC combined, deflate segments concatenated): the zip passes testzip(), every row
    is read back by openpyxl and python-calamine, odd numbers do not break the file."""
    from python_calamine import CalamineWorkbook

    from reporttool.core.models import Row
    from reporttool.render.detail_book import DetailSheet, render_fragment, write_detail_book

    cat = small_catalogue
    frags, total = [], 0
    for k, d in enumerate(cat.districts):
        rows = [Row(5 + i, {"credit_code": f"{k}{i:017d}", "name": f"企业{k}-{i}", "cluster": cat.clusters[i % 3].code,
                            "revenue": D(i) + D("0.125"), "revenue_ly": D(i or 1), "employees": i})
                for i in range(400 + 37 * k)]
        rows[0].values.update(revenue=D("1E+30"), revenue_ly=D("-0.001"), output_value=D("NaN"))
        frag, n = render_fragment("roster", rows, d.code, cat)
        frags.append(frag)
        total += n
    dest = write_detail_book(cat, Period(2025, 6), [DetailSheet("roster", f"共{total}户", frags, total),
                                                    DetailSheet("projects", "共0个", [], 0)], tmp_path / "大.xlsx")
    with zipfile.ZipFile(dest) as z:
        assert z.testzip() is None
        assert "xl/worksheets/sheet1.xml" in z.namelist()
    ws = load_workbook(dest)["企业名录"]
    assert ws.max_row == 3 + total and ws.max_column == 14
    codes = [ws.cell(r, 4).value for r in range(4, 4 + total)]
    assert codes[0] == "000000000000000000" and all(isinstance(c, str) and len(c) == 18 for c in codes)
    assert ws.cell(4, 9).value == 10 ** 30 and ws.cell(4, 10).value == 0 and ws.cell(4, 12).value == DASH
    assert ws.cell(5, 9).value == 3.13  # i = 3 (rows sorted by cluster: 0, 3, 6 ...): 3.125 half up
    assert [ws.cell(r, 1).value for r in (4, 4 + 400)] == [1, 1]  # 序号 restarts in each 县区
    cal = CalamineWorkbook.from_path(str(dest)).get_sheet_by_name("企业名录").to_python()
    assert len(cal) == 3 + total and cal[3][3] == "000000000000000000" and cal[-1][4] == ws.cell(3 + total, 5).value
    assert load_workbook(dest)["重点项目"].max_row == 3


def test_detail_book_prints_in_libreoffice(tmp_path, small_catalogue):
    need_tool("soffice")
    dest, _ = _detail(tmp_path, small_catalogue)
    out = tmp_path / "pdf"
    subprocess.run(["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(out), str(dest)],
                   check=True, capture_output=True, timeout=240)
    pdf = out / "明细.pdf"
    assert pdf.is_file() and pdf.stat().st_size > 1000
    text = subprocess.run([need_tool("pdftotext"), str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "测试市重点产业集群企业名录（2025年1-6月）" in text and "012345678901234567" in text
    assert "第1页 共" in text


def test_core_xml_states_the_creation_time_in_utc(tmp_path, small_catalogue):
    """core.xml's dcterms:created ends in Z, so it must be UTC: 09:00 in UTC+8 is 01:00Z (it once wrote the
    local time with a Z)."""
    import datetime as dt

    from reporttool.render.detail_book import DetailSheet, w3cdtf_utc, write_detail_book

    china = dt.timezone(dt.timedelta(hours=8))
    assert w3cdtf_utc(dt.datetime(2025, 7, 8, 9, 0, tzinfo=china)) == "2025-07-08T01:00:00Z"
    naive = dt.datetime(2025, 7, 8, 9, 0)
    assert w3cdtf_utc(naive) == naive.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    dest = write_detail_book(small_catalogue, Period(2025, 6), [DetailSheet("roster", "共0户", [], 0)],
                             tmp_path / "明细.xlsx", now=dt.datetime(2025, 7, 8, 9, 0, tzinfo=china))
    with zipfile.ZipFile(dest) as z:
        core = z.read("docProps/core.xml").decode("utf-8")
    assert '<dcterms:created xsi:type="dcterms:W3CDTF">2025-07-08T01:00:00Z</dcterms:created>' in core
