"""Issue 9, reading: formats a district may send instead of .xlsx, the 100,000-row limit, "12%" in an
amount column, text longer than a name or an Excel cell can be, and 合计 rows under a table."""
from __future__ import annotations

import re
from decimal import Decimal as D
from pathlib import Path

import hostile as H
import openpyxl
import pytest

from reporttool.checks import check_submission, file_status
from reporttool.core.models import ERROR, Period, ReadRefused
from reporttool.core.rules import MAX_SHOWN, finding
from reporttool.core.status import ST_ERRORS
from reporttool.forms.reader import read_submission
from reporttool.forms.writer import write_template

PERIOD = H.PERIOD
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture
def form(small_catalogue, tmp_path):
    return H.filled_form(small_catalogue, tmp_path / "甲区_重点产业集群报表_2025年1-6月.xlsx")


def refused(path: Path, cat):
    with pytest.raises(ReadRefused) as info:
        read_submission(path, cat)
    f = info.value.finding
    assert f.severity == ERROR and f.file == path.name and CJK.search(f.message) and "{" not in f.message
    return f


def read_and_check(path: Path, cat, period: Period = PERIOD):
    sub, findings = read_submission(path, cat, expected_period=period)
    return sub, findings + check_submission(sub, cat, period)


# ---- formats ----------------------------------------------------------------------------------------


def test_ods_is_told_to_save_as_xlsx(small_catalogue, tmp_path):
    f = refused(H.ods_file(tmp_path), small_catalogue)
    assert f.rule == "F-ODS" and "另存为" in f.message and ".xlsx" in f.message and ".ods" in f.message


def test_ods_renamed_to_xlsx_is_still_told_it_is_ods(small_catalogue, tmp_path):
    f = refused(H.ods_file(tmp_path, "甲区报表.xlsx"), small_catalogue)
    assert f.rule == "F-ODS"


def test_csv_is_told_to_use_the_template(small_catalogue, tmp_path):
    f = refused(H.csv_file(tmp_path), small_catalogue)
    assert f.rule == "F-CSV" and "模板" in f.message and ".xlsx" in f.message


def test_wps_et_is_named_as_such(small_catalogue, tmp_path):
    f = refused(H.ole_et(tmp_path), small_catalogue)
    assert f.rule == "F-XLS" and ".et" in f.message and "另存为" in f.message and "97-2003" not in f.message


def _bytes_file(folder: Path, name: str, data: bytes) -> Path:
    p = folder / name
    p.write_bytes(data)
    return p


def _zip_file(folder: Path, name: str, members: dict[str, bytes]) -> Path:
    import zipfile

    p = folder / name
    with zipfile.ZipFile(p, "w") as z:
        for member, data in members.items():
            z.writestr(member, data)
    return p


@pytest.mark.parametrize("name,data,words", [
    ("甲区报表.xlsx", b"%PDF-1.7\n" + b"0" * 100, "PDF"),
    ("甲区报表.xlsx", b"\x89PNG\r\n\x1a\n" + b"0" * 100, "图片"),
    ("甲区报表.jpg", b"\xff\xd8\xff\xe0" + b"0" * 100, "图片"),
    ("甲区报表.xls", b"\xef\xbb\xbf<html><body><table><tr><td>1</td></tr></table></body></html>", "网页"),
    ("甲区报表.xls", b'<?xml version="1.0"?><Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet"/>',
     "Excel 2003 XML"),
])
def test_other_files_are_named_for_what_they_are(small_catalogue, tmp_path, name, data, words):
    f = refused(_bytes_file(tmp_path, name, data), small_catalogue)
    assert f.rule == "F-NOT-XLSX" and words in f.message and "另存为 .xlsx" in f.message


def test_a_docx_is_named_a_word_document(small_catalogue, tmp_path):
    f = refused(H.renamed_docx(tmp_path), small_catalogue)
    assert f.rule == "F-NOT-XLSX" and "Word 文档" in f.message


def test_an_old_word_doc_is_not_called_an_xls(small_catalogue, tmp_path):
    f = refused(_bytes_file(tmp_path, "甲区报表.xls", H._ole("WordDocument".encode("utf-16-le"))), small_catalogue)
    assert f.rule == "F-NOT-XLSX" and "Word 文档（.doc）" in f.message


@pytest.mark.parametrize("make", [
    lambda d: _zip_file(d, "报表.zip", {"南票区报表.xlsx": b"x", "兴城市报表.xlsx": b"y"}),
    lambda d: _zip_file(d, "报表.xlsx", {"南票区报表.xlsx": b"x"}),
    lambda d: _bytes_file(d, "报表.rar", b"Rar!\x1a\x07\x01\x00" + b"0" * 100),
    lambda d: _bytes_file(d, "报表.7z", b"7z\xbc\xaf\x27\x1c" + b"0" * 100),
])
def test_an_archive_is_told_to_unpack(small_catalogue, tmp_path, make):
    f = refused(make(tmp_path), small_catalogue)
    assert f.rule == "F-ARCHIVE" and "解压" in f.message


def test_old_xls_message_still_names_xls(small_catalogue, tmp_path):
    f = refused(H.ole_xls(tmp_path), small_catalogue)
    assert f.rule == "F-XLS" and ".xls" in f.message and "另存为" in f.message


def test_too_many_rows_names_the_row_limit(small_catalogue, tmp_path, form):
    f = refused(H.many_rows(form, tmp_path), small_catalogue)
    assert f.rule == "F-TOO-MANY-ROWS" and f.sheet == "集群企业"
    assert "100,000 行" in f.message and "150,000" in f.message


# ---- "12%" ------------------------------------------------------------------------------------------


def test_percent_in_an_amount_column_is_an_error_naming_the_cell(small_catalogue, tmp_path):
    roster = [dict(H.ROSTER[0], revenue="12%"), H.ROSTER[1]]
    path = H.filled_form(small_catalogue, tmp_path / "甲区.xlsx", roster=roster)
    sub, findings = read_and_check(path, small_catalogue)
    (f,) = [f for f in findings if f.column == "本年累计营业收入"]
    row = sub.tables["roster"].rows[0]
    assert f.rule == "R-NUMBER" and f.value == "12%" and f.cell == sub.tables["roster"].cell("revenue", row.number)
    assert "万元" in f.message and "%" in f.message
    assert row.values["revenue"] is None and row.excluded


def test_full_width_percent_is_refused_too(small_catalogue, tmp_path):
    roster = [dict(H.ROSTER[0], revenue_ly="８％"), H.ROSTER[1]]
    path = H.filled_form(small_catalogue, tmp_path / "甲区.xlsx", roster=roster)
    sub, findings = read_and_check(path, small_catalogue)
    assert [f.rule for f in findings if f.column == "上年同期营业收入"] == ["R-NUMBER"]


def test_percent_in_an_output_amount_row_is_an_error(small_catalogue, tmp_path):
    outputs = dict(H.OUTPUTS)
    outputs[("A", "SR")] = {"value": "12%", "value_ly": "80"}
    path = H.filled_form(small_catalogue, tmp_path / "甲区.xlsx", outputs=outputs)
    sub, findings = read_and_check(path, small_catalogue)
    hits = [f for f in findings if f.rule == "R-NUMBER"]
    assert len(hits) == 1 and hits[0].sheet == "集群产出" and hits[0].value == "12%"


def test_percent_is_accepted_on_a_percent_indicator_row(default_catalogue, tmp_path):
    cat = default_catalogue
    rate = next(i for i in cat.indicators if i.source == "output" and i.form_unit == "%")
    district = cat.districts[0].code
    path = write_template(cat, district, PERIOD, tmp_path / "县区.xlsx",
                          outputs={(rate.clusters[0], rate.code): {"value": "7.5%", "value_ly": "6.8％"}})
    sub, findings = read_and_check(path, cat)
    (row,) = [r for r in sub.tables["output"].rows if r.values["indicator_code"] == rate.code]
    assert (row.values["value"], row.values["value_ly"]) == (D("7.5"), D("6.8"))
    assert not [f for f in findings if f.rule == "R-NUMBER"]


# ---- long text --------------------------------------------------------------------------------------


def test_a_million_character_name_is_an_error_not_a_silent_cut(small_catalogue, tmp_path, form):
    wb = openpyxl.load_workbook(form)
    ws = wb["集群企业"]
    cell = next(c for row in ws.iter_rows() for c in row if c.value == "甲化工有限公司")
    cell.value = "甲" * 1_000_000
    path = tmp_path / "甲区长名称.xlsx"
    wb.save(path)
    sub, findings = read_and_check(path, small_catalogue)
    (f,) = [f for f in findings if f.rule == "R-TEXT-TOO-LONG"]
    assert f.cell == cell.coordinate and f.column == "企业名称" and "32,767 个字符以上" in f.message
    assert "200" in f.message and len(f.value) <= MAX_SHOWN and "个字符" in f.value  # not the whole text
    row = next(r for r in sub.tables["roster"].rows if r.number == cell.row)
    assert row.excluded and row.values["name"] is None
    assert file_status(findings) == ST_ERRORS


def test_a_note_over_the_excel_cell_limit_is_an_error(small_catalogue, tmp_path, form):
    wb = openpyxl.load_workbook(form)
    ws = wb["集群企业"]
    cell = next(c for row in ws.iter_rows() for c in row if c.value == "新投产")
    cell.value = "说" * 40_000
    path = tmp_path / "甲区长说明.xlsx"
    wb.save(path)
    _, findings = read_and_check(path, small_catalogue)
    (f,) = [f for f in findings if f.rule == "R-TEXT-TOO-LONG"]
    assert f.cell == cell.coordinate and "32,767" in f.message and "Excel" in f.message


def test_a_long_name_says_how_long(small_catalogue, tmp_path):
    projects = [dict(H.PROJECTS[0], name="丙" * 1000)]
    path = H.filled_form(small_catalogue, tmp_path / "甲区.xlsx", projects=projects)
    _, findings = read_and_check(path, small_catalogue)
    (f,) = [f for f in findings if f.rule == "R-TEXT-TOO-LONG"]
    assert "有 1,000 个字符" in f.message and f.column == "项目名称"


def test_a_name_of_200_characters_is_fine(small_catalogue, tmp_path):
    roster = [dict(H.ROSTER[0], name="甲" * 200), H.ROSTER[1]]
    path = H.filled_form(small_catalogue, tmp_path / "甲区.xlsx", roster=roster)
    _, findings = read_and_check(path, small_catalogue)
    assert not [f for f in findings if f.rule == "R-TEXT-TOO-LONG"]


def test_finding_values_are_bounded():
    f = finding("R-CREDIT-FORMAT", value="9" * 500_000, explanation="")
    assert len(f.value) <= MAX_SHOWN and len(f.message) < 400 and "500,000" in f.value


# ---- 合计 rows --------------------------------------------------------------------------------------


@pytest.mark.parametrize("label", ["合计", "合 计", "小计", "总计", "合计：", "合计（2户）", "化工产业集群小计", "全县合计"])
def test_a_total_row_gets_one_finding_and_never_reaches_a_sum(small_catalogue, tmp_path, label):
    total = {"name": label, "revenue": D("2434.5"), "revenue_ly": D("4456.78"), "employees": 155}
    path = H.filled_form(small_catalogue, tmp_path / "甲区.xlsx", roster=[*H.ROSTER, total])
    sub, findings = read_and_check(path, small_catalogue)
    table = sub.tables["roster"]
    assert [r.values["name"] for r in table.rows] == ["甲化工有限公司", "乙装备有限公司"]
    total_row = table.rows[-1].number + 1
    hits = [f for f in findings if f.row == total_row and f.sheet == "集群企业"]
    assert [f.rule for f in hits] == ["R-TOTAL-ROW"], [(f.rule, f.message) for f in hits]
    (f,) = hits
    assert f.message.startswith(f"第{total_row}行为合计行") and "请删除" in f.message
    assert f.cell == table.cell("name", total_row) and f.column == "企业名称"
    assert not any(f.rule == "R-REQUIRED" and f.sheet == "集群企业" for f in findings)


def test_total_row_in_the_sequence_column_of_projects(small_catalogue, tmp_path, form):
    wb = openpyxl.load_workbook(form)
    ws = wb["投资项目"]
    name = next(c for row in ws.iter_rows() for c in row if c.value == "丙项目")
    r = name.row + 1
    ws.cell(r, 1).value = "合计"
    ws.cell(r, name.column + 5).value = 5000  # 总投资
    path = tmp_path / "甲区合计.xlsx"
    wb.save(path)
    sub, findings = read_and_check(path, small_catalogue)
    assert [f.rule for f in findings if f.row == r and f.sheet == "投资项目"] == ["R-TOTAL-ROW"]
    assert [x.number for x in sub.tables["projects"].rows] == [name.row]


def test_a_company_whose_name_contains_heji_is_not_a_total(small_catalogue, tmp_path):
    roster = [dict(H.ROSTER[0], name="合计通物流有限公司"), H.ROSTER[1]]
    path = H.filled_form(small_catalogue, tmp_path / "甲区.xlsx", roster=roster)
    sub, findings = read_and_check(path, small_catalogue)
    assert len(sub.tables["roster"].rows) == 2 and not [f for f in findings if f.rule == "R-TOTAL-ROW"]


# ---- a percentage typed in Excel (stored as 0.12 with a % format) ---------------------------------------


def test_percent_formatted_number_in_an_amount_column_is_an_error(small_catalogue, tmp_path, form):
    revenue_col = read_submission(form, small_catalogue)[0].tables["roster"].columns["revenue"]
    wb = openpyxl.load_workbook(form)
    ws = wb["集群企业"]
    name = next(c for row in ws.iter_rows() for c in row if c.value == "甲化工有限公司")
    cell = ws.cell(name.row, revenue_col)
    cell.value, cell.number_format = 0.12, "0%"  # what Excel makes of a typed "12%"
    path = tmp_path / "甲区百分比.xlsx"
    wb.save(path)
    sub, findings = read_and_check(path, small_catalogue)
    (f,) = [f for f in findings if f.cell == cell.coordinate]
    assert f.rule == "R-NUMBER" and f.value == "12%" and "万元" in f.message
    row = next(r for r in sub.tables["roster"].rows if r.number == name.row)
    assert row.values["revenue"] is None and row.excluded


def test_percent_formatted_number_on_a_percent_indicator_is_the_rate(default_catalogue, tmp_path):
    cat = default_catalogue
    rate = next(i for i in cat.indicators if i.source == "output" and i.form_unit == "%")
    path = write_template(cat, cat.districts[0].code, PERIOD, tmp_path / "县区.xlsx",
                          outputs={(rate.clusters[0], rate.code): {"value": D("6")}})
    wb = openpyxl.load_workbook(path)
    ws = wb["集群产出"]
    code = next(c for row in ws.iter_rows() for c in row if c.value == rate.code)
    cell = ws.cell(code.row, read_submission(path, cat)[0].tables["output"].columns["value"])
    cell.value, cell.number_format = 0.075, "0.0%"  # shown as 7.5%
    wb.save(path)
    sub, findings = read_and_check(path, cat)
    (row,) = [r for r in sub.tables["output"].rows if r.values["indicator_code"] == rate.code]
    assert row.values["value"] == D("7.5") and not [f for f in findings if f.rule == "R-NUMBER"]


def test_a_template_as_written_has_no_percent_cells(small_catalogue, form):
    from reporttool.core.safety import precheck

    report = precheck(form)
    assert all(not s.percent_xf and not s.percent for s in report.sheets.values())


def test_check_lists_the_total_row_in_row_order(small_catalogue, tmp_path):
    """The reader's R-TOTAL-ROW (row 9) comes after the checks' findings of rows 7 and 8, as the
    district reads its sheet."""
    from reporttool.checks import check_files

    total = {"name": "合计", "revenue": D("2434.5")}
    path = H.filled_form(small_catalogue, tmp_path / "甲区.xlsx", roster=[*H.ROSTER, total])
    (report,) = check_files([path], small_catalogue, period=PERIOD)
    roster = [(f.row, f.rule) for f in report.findings if f.sheet == "集群企业"]
    assert roster == sorted(roster, key=lambda x: x[0]) and roster[-1][1] == "R-TOTAL-ROW"
