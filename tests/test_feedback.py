"""The feedback workbook: the district's data untouched, problem cells painted and commented, 问题清单."""
from __future__ import annotations

import datetime as dt
import zipfile
from decimal import Decimal as D

import openpyxl
import pytest

from reporttool.checks import check_submission
from reporttool.core.models import Period
from reporttool.core.rules import finding
from reporttool.forms.reader import read_submission
from reporttool.forms.writer import write_template
from reporttool.render.feedback import FILL_ERROR, FILL_EXPLAINED, FILL_VERIFY, LIST_SHEET, write_feedback

PERIOD = Period(2025, 6)
GOOD = "91110000600037341L"


@pytest.fixture
def faulty(tmp_path, small_catalogue):
    """A filled form with an error, a verify and an explained verify, plus its findings."""
    src = tmp_path / "甲区.xlsx"
    write_template(small_catalogue, "110101", PERIOD, src,
                   roster=[{"credit_code": GOOD, "name": "=甲公司", "cluster": "化工产业集群", "is_scale": "是",
                            "revenue": D(900), "employees": 10},
                           {"credit_code": GOOD, "name": "乙公司", "cluster": "化工", "is_scale": "否",
                            "revenue": D("12.5"), "note": "=1+1"}],
                   projects=[{"name": "项目", "cluster": "化工", "nature": "新建", "status": "在建", "total": D(100),
                              "done_year": D(50), "start": dt.date(2025, 1, 1)}],
                   outputs={("A", "SR"): {"value": D(100000), "value_ly": D(50000), "note": "新企业投产"},
                            ("B", "SR"): {"value": D(100), "value_ly": D(50)}})
    sub, read_findings = read_submission(src, small_catalogue)
    findings = read_findings + check_submission(sub, small_catalogue, PERIOD)
    return src, findings


def _cells(wb, sheet):
    return {c.coordinate: (c.value, c.data_type) for row in wb[sheet].iter_rows() for c in row}


def test_feedback_keeps_data_paints_and_lists(tmp_path, faulty):
    src, findings = faulty
    before = src.read_bytes()
    rules = {f.rule: f for f in findings}
    assert {"R-CREDIT-DUP", "R-SCALE-REVENUE", "R-YOY-SWING"} <= set(rules)
    dest = write_feedback(src, findings, tmp_path / "out" / "甲区.xlsx", district_name="甲区",
                          period_label=PERIOD.label)
    assert src.read_bytes() == before  # the district's file is never touched

    orig = openpyxl.load_workbook(src)
    fb = openpyxl.load_workbook(dest)
    assert fb.sheetnames[0] == LIST_SHEET and fb.active.title == LIST_SHEET
    assert fb.sheetnames[1:] == orig.sheetnames
    for name in orig.sheetnames:  # every value and type of every data sheet unchanged
        assert _cells(fb, name) == _cells(orig, name), name
        assert len(fb[name].data_validations.dataValidation) == len(orig[name].data_validations.dataValidation)
    assert fb["_表单信息"].sheet_state == orig["_表单信息"].sheet_state

    def at(f):
        return fb[f.sheet][f.cell]

    err, ver = rules["R-CREDIT-DUP"], rules["R-SCALE-REVENUE"]
    expl = next(f for f in findings if f.rule == "R-YOY-SWING" and f.explained)
    assert expl.explained and not ver.explained
    assert at(err).fill.fgColor.rgb == FILL_ERROR and err.message in at(err).comment.text
    assert at(ver).fill.fgColor.rgb == FILL_VERIFY and ver.message in at(ver).comment.text
    assert at(expl).fill.fgColor.rgb == FILL_EXPLAINED and "新企业投产" in at(expl).comment.text
    # a cell without a finding keeps its look and has no comment
    assert fb["集群企业"]["C8"].comment is None
    assert fb["集群企业"]["C8"].fill.fgColor.rgb == orig["集群企业"]["C8"].fill.fgColor.rgb

    ws = fb[LIST_SHEET]
    assert "甲区" in ws["A1"].value and PERIOD.label in ws["A1"].value
    # B8 repeats B7's credit code (错误); 核实: H7 under the 规上 revenue, A's and B's 同比 +100 % (A's with
    # its 说明), B's revenue without an enterprise of B, B's 高端装备营收占比 half filled
    assert ws["A2"].value == ("文件：甲区.xlsx。错误 1 项，核实 5 项（已说明 1 项），提示 0 项。错误须改正后重新报送；"
                              "核实项请核对，数据无误的请在该行“说明”栏写明原因。")
    header = [c.value for c in ws[3]]
    assert header == ["序号", "类别", "工作表", "单元格", "列名", "填报值", "问题说明", "县区说明", "规则代码"]
    rows = list(ws.iter_rows(min_row=4, values_only=True))
    assert len(rows) == len(findings)
    for i, (f, row) in enumerate(zip(findings, rows)):  # one line per finding, in order
        assert row[0] == i + 1 and row[6] == f.message and row[8] == f.rule
        assert row[1] == f.severity_label and (row[7] or "") == f.explanation
        link = ws.cell(4 + i, 4).hyperlink
        if f.cell:
            assert row[2] == f.sheet and row[3] == f.cell
            assert link is not None and link.location == f"'{f.sheet}'!{f.cell}"
    labels = {f.rule + str(f.explained): row[1] for f, row in zip(findings, rows)}
    assert labels["R-YOY-SWINGTrue"] == "已说明" and labels["R-YOY-SWINGFalse"] == "核实"
    assert labels["R-CREDIT-DUPFalse"] == "错误" and labels["R-SCALE-REVENUEFalse"] == "核实"


def test_text_is_never_a_formula(tmp_path, faulty):
    src, findings = faulty
    findings = findings + [finding("R-REQUIRED", file="甲区.xlsx", sheet="集群企业", row=7, column="=SUM(A1:A2)",
                                   cell="C7", value="=HYPERLINK(\"http://x\")")]
    dest = write_feedback(src, findings, tmp_path / "fb.xlsx")
    ws = openpyxl.load_workbook(dest)[LIST_SHEET]
    last = ws.max_row
    assert ws.cell(last, 5).value == "=SUM(A1:A2)" and ws.cell(last, 5).data_type == "s"
    assert ws.cell(last, 6).value == '=HYPERLINK("http://x")' and ws.cell(last, 6).data_type == "s"
    # the district's own "=甲公司" stays the text it was
    assert openpyxl.load_workbook(dest)["集群企业"]["C7"].data_type == "s"


def test_title_falls_back_to_the_form(tmp_path, faulty):
    src, findings = faulty
    dest = write_feedback(src, findings, tmp_path / "fb.xlsx")
    title = openpyxl.load_workbook(dest)[LIST_SHEET]["A1"].value
    assert title.startswith("甲区") and PERIOD.label in title


def test_refused_file_gets_list_only(tmp_path):
    bad = tmp_path / "坏文件.xlsx"
    bad.write_text("not a workbook", encoding="utf-8")
    f = finding("F-NOT-XLSX", file=bad.name)
    dest = write_feedback(None, [f], tmp_path / "fb" / "坏文件_退回.xlsx", district_name="乙县")
    wb = openpyxl.load_workbook(dest)
    assert wb.sheetnames == [LIST_SHEET]
    assert wb[LIST_SHEET]["G4"].value == f.message and wb[LIST_SHEET]["B4"].value == "错误"
    # a source that cannot be opened also falls back to the list
    dest2 = write_feedback(bad, [f], tmp_path / "fb2.xlsx")
    assert openpyxl.load_workbook(dest2).sheetnames == [LIST_SHEET]


def test_resubmitted_feedback_copy_is_cleaned(tmp_path, faulty):
    """A district sends our feedback copy back: the old list, comments and paint are not carried over."""
    src, findings = faulty
    first = write_feedback(src, findings, tmp_path / "first.xlsx")
    dup = next(f for f in findings if f.rule == "R-CREDIT-DUP")
    second = write_feedback(first, [dup], tmp_path / "second.xlsx")
    wb = openpyxl.load_workbook(second)
    assert wb.sheetnames.count(LIST_SHEET) == 1 and wb[LIST_SHEET].max_row == 4
    ver = next(f for f in findings if f.rule == "R-SCALE-REVENUE")
    assert wb[ver.sheet][ver.cell].comment is None
    assert wb[ver.sheet][ver.cell].fill.fgColor.rgb != FILL_VERIFY
    assert wb[dup.sheet][dup.cell].fill.fgColor.rgb == FILL_ERROR


def test_never_overwrites_the_source(tmp_path, faulty):
    from reporttool.core.errors import ReportToolError

    src, findings = faulty
    before = src.read_bytes()
    with pytest.raises(ReportToolError) as exc:
        write_feedback(src, findings, src)
    assert str(exc.value) == f"反馈表不能写到原文件 {src} 上，请换一个目录。"
    assert src.read_bytes() == before


def test_feedback_copy_reads_back_the_same(tmp_path, faulty, small_catalogue):
    """The district may correct the feedback copy and send it again: it reads as the original did."""
    src, findings = faulty
    dest = write_feedback(src, findings, tmp_path / "fb.xlsx")
    sub, again = read_submission(dest, small_catalogue)
    again = again + check_submission(sub, small_catalogue, PERIOD)
    assert [(f.rule, f.sheet, f.cell, f.value) for f in again] == [(f.rule, f.sheet, f.cell, f.value) for f in findings]


def test_list_rows_grow_with_their_text(tmp_path, faulty):
    """问题说明 and 县区说明 wrap; each row is tall enough for its longest text, and the list prints one
    page wide."""
    import dataclasses

    from reporttool.render.feedback import LIST_COLUMNS
    from reporttool.render.xlsx_styles import lines_needed

    src, findings = faulty
    long_note = "本年新增两家企业投产，产能集中释放，另有一家企业由外县迁入，数据已与统计局核对无误。" * 3
    findings = [dataclasses.replace(findings[0], message=findings[0].message + "（补充说明）" * 20,
                                    explanation=long_note)] + findings[1:]
    dest = write_feedback(src, findings, tmp_path / "fb.xlsx")
    ws = openpyxl.load_workbook(dest)[LIST_SHEET]
    widths = {label: w for label, w in LIST_COLUMNS}
    need = max(lines_needed(findings[0].message, widths["问题说明"]), lines_needed(long_note, widths["县区说明"]))
    assert need >= 4
    assert ws.row_dimensions[4].height >= 13.5 * need
    assert ws["G4"].alignment.wrap_text and ws["H4"].alignment.wrap_text
    for r in range(4, 4 + len(findings)):  # every row has a height, at least one line
        assert ws.row_dimensions[r].height and ws.row_dimensions[r].height >= 18
    assert ws.page_setup.fitToWidth == 1 and ws.page_setup.fitToHeight == 0
    assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.print_title_rows == "$3:$3"


# --- the XML path (render/feedback_xml.py) and the openpyxl path give the same workbook -------------------


def _look(path) -> dict:
    """Everything a user sees of a workbook as openpyxl reads it: every cell's value, type, fill, font,
    border, wrap, comment and link; each sheet's print set-up, merges, widths and heights; the tab order."""
    wb = openpyxl.load_workbook(path)
    out: dict = {"sheets": (wb.sheetnames, wb.active.title)}
    for ws in wb.worksheets:
        out[ws.title] = {c.coordinate: (c.value, c.data_type, c.fill.fill_type, c.fill.fgColor.rgb, c.font.name,
                                        c.font.sz, c.font.b, c.font.u, c.font.color.rgb if c.font.color else None,
                                        c.border.left.style, bool(c.alignment.wrap_text), c.alignment.horizontal,
                                        c.comment.text if c.comment else None,
                                        c.comment.author if c.comment else None,
                                        c.hyperlink.location if c.hyperlink else None)
                         for row in ws.iter_rows() for c in row}
        out[ws.title, "sheet"] = (
            ws.print_area, ws.print_title_rows, ws.page_setup.orientation, ws.page_setup.paperSize,
            ws.page_setup.fitToWidth, ws.page_setup.fitToHeight, ws.sheet_properties.pageSetUpPr.fitToPage
            if ws.sheet_properties.pageSetUpPr else None, ws.print_options.horizontalCentered,
            ws.page_margins.left, ws.page_margins.right, ws.page_margins.top, ws.page_margins.bottom,
            ws.page_margins.footer, ws.oddFooter.center.text, ws.freeze_panes, ws.auto_filter.ref,
            sorted(str(m) for m in ws.merged_cells.ranges), bool(ws.sheet_view.tabSelected), ws.sheet_state,
            {k: d.width for k, d in ws.column_dimensions.items()},
            {k: d.height for k, d in ws.row_dimensions.items() if d.height},
            len(ws.data_validations.dataValidation))
    return out


def _both(src, findings, tmp_path, **kw):
    fast = write_feedback(src, findings, tmp_path / "xml.xlsx", engine="xml", **kw)
    slow = write_feedback(src, findings, tmp_path / "openpyxl.xlsx", engine="openpyxl", **kw)
    return fast, slow


def test_xml_path_gives_what_openpyxl_gives(tmp_path, faulty):
    src, findings = faulty
    before = src.read_bytes()
    extra = [finding("R-REQUIRED", file="甲区.xlsx", sheet="集群企业", row=5, column="列", cell="Z5", value=""),
             finding("R-REQUIRED", file="甲区.xlsx", sheet="集群企业", row=9, column="列", cell="", value="")]
    fast, slow = _both(src, findings + extra, tmp_path, district_name="甲区", period_label=PERIOD.label)
    assert src.read_bytes() == before
    a, b = _look(fast), _look(slow)
    assert a == b
    # not vacuous: painted cells, comments, the list and its links are there
    assert a["集群企业"]["Z5"][3] == FILL_ERROR and "【错误】" in a["集群企业"]["Z5"][12]
    assert a[LIST_SHEET]["D" + str(3 + len(findings) + 2)][0] == "第9行"
    assert a["sheets"] == ([LIST_SHEET, "填报说明", "集群企业", "投资项目", "集群产出", "_表单信息"], LIST_SHEET)


def test_a_return_opens_the_summary_in_both_paths(tmp_path, faulty):
    """The bureau's 退回 (``returned``) is the first line of the 问题清单's summary, before 文件：…; the row grows
    to its lines (10 pt: 13.5 pt a line + 5): here 3 lines → 45.5, where a plain summary keeps 32."""
    src, findings = faulty
    said = "市局已退回本期报表（第1版，甲区.xlsx）：2025-07-11 09:00 市局退回，说明：营业收入口径与统计局不符。"
    fast, slow = _both(src, findings, tmp_path, district_name="甲区", period_label=PERIOD.label, returned=said)
    a, b = _look(fast), _look(slow)
    assert a == b
    summary = a[LIST_SHEET]["A2"][0]
    assert summary.startswith(said + "\n文件：甲区.xlsx。错误 ")
    assert a[LIST_SHEET, "sheet"][20][2] == 45.5
    plain = _look(write_feedback(src, findings, tmp_path / "plain.xlsx", district_name="甲区",
                                 period_label=PERIOD.label))
    assert plain[LIST_SHEET]["A2"][0].startswith("文件：甲区.xlsx。") and plain[LIST_SHEET, "sheet"][20][2] == 32


def test_xml_path_of_a_merged_cell_and_an_openpyxl_saved_file(tmp_path, small_catalogue):
    """A clerk merged H8:H9 and saved with another program (here openpyxl): the R-MERGED finding paints
    the merge's anchor; identity (district, period) comes from the file."""
    from helpers import merge_cells, roster_form

    from reporttool.checks import check_files

    src = merge_cells(roster_form(small_catalogue, tmp_path / "src.xlsx", "110101", 3), "H8:H9")
    report, = check_files([src], small_catalogue)
    assert any(f.rule == "R-MERGED" for f in report.findings)
    fast, slow = _both(src, report.findings, tmp_path, words=small_catalogue.words)
    a, b = _look(fast), _look(slow)
    assert a == b
    assert a["集群企业"]["H8"][3] == FILL_ERROR and a[LIST_SHEET]["A1"][0].endswith("报表审核问题清单")


def test_what_the_xml_path_cannot_do_goes_to_openpyxl(tmp_path, faulty):
    """A feedback copy sent back (comments, an old 问题清单), a form from an older wider template and a
    macro workbook are written by openpyxl; "auto" gives its result."""
    from reporttool.forms import layout as L
    from reporttool.render.feedback_xml import NotFast

    src, findings = faulty
    first = write_feedback(src, findings, tmp_path / "first.xlsx")
    wb = openpyxl.load_workbook(src)
    wb[L.ROSTER.name].column_dimensions["C"].width = 120  # too wide to print at 9 pt even on A3
    wide = tmp_path / "wide.xlsx"
    wb.save(wide)
    macro = tmp_path / "macro.xlsm"
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(macro, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item)
            if item.filename == "[Content_Types].xml":
                data = data.replace(b"sheet.main+xml", b"sheet.macroEnabled.main+xml")
            zout.writestr(item, data)
    for i, source in enumerate((first, wide, macro)):
        with pytest.raises(NotFast):
            write_feedback(source, findings[:1], tmp_path / f"x{i}.xlsx", engine="xml")
        auto = write_feedback(source, findings[:1], tmp_path / f"auto{i}.xlsx")
        slow = write_feedback(source, findings[:1], tmp_path / f"slow{i}.xlsx", engine="openpyxl")
        assert _look(auto) == _look(slow)


def test_list_columns_fit_their_content(tmp_path, faulty):
    """规则代码 and 列名 as wide as their longest entry (R-SCALE-REVENUE: 13 capitals × 1.25 + 2 hyphens
    + 1.5 = 19.75; 本年累计营业收入: 8 × 1.75 + 1.5 = 15.5); 问题说明 (to 22) then 县区说明 give the width
    back, so the list stays within one A4 landscape page at 100 %."""
    from reporttool.core.paper import A4_LANDSCAPE, PADDING, table_units
    from reporttool.render.feedback import LIST_COLUMNS, list_widths

    src, _findings = faulty
    one = finding("R-SCALE-REVENUE", file="甲区.xlsx", sheet="集群企业", row=7, cell="H7", column="本年累计营业收入",
                  value="900", annual="1200", threshold="2000")
    widths = list_widths([one])
    assert widths[8] == 19.75 and widths[4] == 15.5 and widths[6] == 22.0
    others = 5 + 5.5 + 8 + 7 + 15.5 + 11 + 22 + 19.75 + 9 * PADDING  # every column but 县区说明
    assert widths[7] == round(A4_LANDSCAPE.usable_units - others, 2)
    assert table_units(list(widths)) <= A4_LANDSCAPE.usable_units + 0.01
    longer = finding("R-REQUIRED", sheet="集群企业", row=7, cell="B7", column="统一社会信用代码（纳税人识别号）")
    assert list_widths([longer])[4] == 20.0  # 33.5 wanted, capped at 20 (the column wraps)
    assert list_widths([]) == tuple(w for _l, w in LIST_COLUMNS)
    for engine in ("xml", "openpyxl"):
        dest = write_feedback(src, [one], tmp_path / f"{engine}.xlsx", engine=engine)
        ws = openpyxl.load_workbook(dest)[LIST_SHEET]
        assert ws.column_dimensions["I"].width == 19.75 and ws.column_dimensions["E"].width == 15.5


def test_libreoffice_reads_the_xml_paths_comments_and_paint(tmp_path, faulty):
    """The parts the XML path writes (comments, legacy VML drawing, styles, the 问题清单 sheet) are read by
    an office program: LibreOffice re-saves the file and the comments, fills and list are still there."""
    import subprocess

    from helpers import need_tool

    office = need_tool("soffice", "libreoffice")
    src, findings = faulty
    dest = write_feedback(src, findings, tmp_path / "fb.xlsx", engine="xml")
    out = tmp_path / "lo"
    subprocess.run([office, f"-env:UserInstallation=file://{tmp_path / 'profile'}", "--headless",
                    "--convert-to", "xlsx:Calc MS Excel 2007 XML", "--outdir", str(out), str(dest)],
                   check=True, capture_output=True, timeout=240)
    wb = openpyxl.load_workbook(out / "fb.xlsx")
    assert wb.sheetnames[0] == LIST_SHEET and wb[LIST_SHEET]["G4"].value == findings[0].message
    painted = {(f.sheet, f.cell) for f in findings if f.cell}
    for sheet, ref in painted:
        cell = wb[sheet][ref]
        assert cell.comment is not None and "】" in cell.comment.text, (sheet, ref)
        assert cell.fill.fgColor.rgb in (FILL_ERROR, FILL_VERIFY, FILL_EXPLAINED), (sheet, ref)


def test_xml_path_of_a_form_saved_by_libreoffice(tmp_path, faulty):
    """A third producer's XML (LibreOffice: its own styles, explicit false attributes, row spans): both
    paths still give the same workbook."""
    import subprocess

    from helpers import need_tool

    office = need_tool("soffice", "libreoffice")
    src, findings = faulty
    out = tmp_path / "lo"
    subprocess.run([office, f"-env:UserInstallation=file://{tmp_path / 'profile'}", "--headless",
                    "--convert-to", "xlsx:Calc MS Excel 2007 XML", "--outdir", str(out), str(src)],
                   check=True, capture_output=True, timeout=240)
    resaved = out / src.name
    assert b"LibreOffice" in zipfile.ZipFile(resaved).read("docProps/app.xml")
    fast, slow = _both(resaved, findings, tmp_path, district_name="甲区", period_label=PERIOD.label)
    a = _look(fast)
    assert a == _look(slow)
    err = next(f for f in findings if f.rule == "R-CREDIT-DUP")
    assert a[err.sheet][err.cell][3] == FILL_ERROR and err.message in a[err.sheet][err.cell][12]
