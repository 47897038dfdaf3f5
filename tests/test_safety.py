"""The safety pre-check and the refusals of read_submission: every bad file gets one Chinese finding."""
from __future__ import annotations

import re

import hostile as H
import pytest

from reporttool.core.models import ERROR, INFO, ReadRefused
from reporttool.core.safety import Limits, precheck
from reporttool.forms.reader import read_submission

CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture
def form(small_catalogue, tmp_path):
    return H.filled_form(small_catalogue, tmp_path / "甲区_重点产业集群报表_2025年1-6月.xlsx")


def refused(path, cat, **kw):
    """Read ``path``, expect a refusal; check its finding is a complete Chinese error naming the file."""
    with pytest.raises(ReadRefused) as info:
        read_submission(path, cat, **kw)
    f = info.value.finding
    assert f.severity == ERROR
    assert f.file == path.name
    assert CJK.search(f.message) and "Traceback" not in f.message and "{" not in f.message
    return f


# ---- not a workbook ---------------------------------------------------------------------------------


def test_empty_file(small_catalogue, tmp_path):
    assert refused(H.empty_file(tmp_path), small_catalogue).rule == "F-EMPTY-FILE"


def test_renamed_text_file(small_catalogue, tmp_path):
    f = refused(H.renamed_text(tmp_path), small_catalogue)
    assert f.rule == "F-NOT-XLSX" and "xlsx" in f.message


def test_renamed_docx_is_not_a_workbook(small_catalogue, tmp_path):
    assert refused(H.renamed_docx(tmp_path), small_catalogue).rule == "F-NOT-XLSX"


def test_old_xls(small_catalogue, tmp_path):
    f = refused(H.ole_xls(tmp_path), small_catalogue)
    assert f.rule == "F-XLS" and "另存为" in f.message


def test_encrypted_package(small_catalogue, tmp_path):
    f = refused(H.ole_encrypted(tmp_path), small_catalogue)
    assert f.rule == "F-ENCRYPTED" and "密码" in f.message


def test_too_big_with_a_limit_parameter(small_catalogue, tmp_path, form):
    big = H.too_big(tmp_path, 3 * 1024 * 1024)
    f = refused(big, small_catalogue, limits=Limits(max_bytes=2 * 1024 * 1024))
    assert f.rule == "F-TOO-BIG" and "3.0 MB" in f.message and "2.0 MB" in f.message
    precheck(form, Limits(max_bytes=2 * 1024 * 1024))  # a real form is far below it


# ---- zip tricks -------------------------------------------------------------------------------------


def test_zip_bomb_ratio(small_catalogue, tmp_path, form):
    f = refused(H.zip_bomb(form, tmp_path), small_catalogue)
    assert f.rule == "F-ZIP-BOMB" and "压缩比" in f.message


def test_declared_total_over_limit(small_catalogue, tmp_path, form):
    bomb = H.zip_bomb(form, tmp_path, size=3 * 1024 * 1024)
    f = refused(bomb, small_catalogue, limits=Limits(max_total_uncompressed=2 * 1024 * 1024, max_member_ratio=10**6))
    assert f.rule == "F-ZIP-BOMB" and "超过上限" in f.message


def test_lying_header_is_measured_not_trusted(small_catalogue, tmp_path, form):
    f = refused(H.lying_header(form, tmp_path), small_catalogue)
    assert f.rule == "F-ZIP-BOMB" and "1000" in f.message and "xl/worksheets/sheet2.xml" in f.message


def test_overlapping_entries(small_catalogue, tmp_path, form):
    f = refused(H.overlapping_entries(form, tmp_path), small_catalogue)
    assert f.rule == "F-ZIP-BOMB" and "重叠" in f.message


def test_duplicate_entries(small_catalogue, tmp_path, form):
    f = refused(H.duplicate_entries(form, tmp_path), small_catalogue)
    assert f.rule == "F-ZIP-BOMB" and "重复" in f.message


def test_too_many_members(small_catalogue, tmp_path, form):
    f = refused(H.too_many_members(form, tmp_path, 30), small_catalogue, limits=Limits(max_members=20))
    assert f.rule == "F-ZIP-BOMB" and "条目" in f.message


# ---- hostile content --------------------------------------------------------------------------------


def test_doctype_entity(small_catalogue, tmp_path, form):
    f = refused(H.doctype_entity(form, tmp_path), small_catalogue)
    assert f.rule == "F-HOSTILE-XML" and "sheet2.xml" in f.message


def test_doctype_in_shared_strings(small_catalogue, tmp_path, form):
    f = refused(H.doctype_entity(form, tmp_path, part="xl/sharedStrings.xml"), small_catalogue)
    assert f.rule == "F-HOSTILE-XML" and "sharedStrings" in f.message


def test_far_cell_never_reaches_calamine(small_catalogue, tmp_path, form):
    # calamine 0.9 aborts the whole process on this file: reaching the assertion proves it never ran
    f = refused(H.far_cell(form, tmp_path), small_catalogue)
    assert f.rule == "F-EXTENT" and f.message.startswith("工作表“集群企业”") and "1048576" in f.message


def test_far_column_within_row_limit(small_catalogue, tmp_path, form):
    f = refused(H.far_cell(form, tmp_path, ref="GS10"), small_catalogue)
    assert f.rule == "F-EXTENT" and "GS" in f.message


def test_declared_dimension(small_catalogue, tmp_path, form):
    f = refused(H.far_dimension(form, tmp_path), small_catalogue)
    assert f.rule == "F-EXTENT" and "A1:XFD1048576" in f.message


def test_extent_within_limits_is_read(small_catalogue, tmp_path, form):
    path = H.far_cell(form, tmp_path, ref="GR500")
    report = precheck(path)
    assert (report.sheets["集群企业"].max_row, report.sheets["集群企业"].max_col) == (500, 200)
    sub, _ = read_submission(path, small_catalogue)
    assert len(sub.tables["roster"].rows) == 2


def test_xlsm_is_read_with_an_info_finding(small_catalogue, tmp_path, form):
    path = H.xlsm(form, tmp_path)
    assert precheck(path).is_macro and not precheck(form).is_macro
    sub, findings = read_submission(path, small_catalogue)
    macro = [f for f in findings if f.rule == "F-MACRO"]
    assert len(macro) == 1 and macro[0].severity == INFO and "宏不会运行" in macro[0].message
    assert macro[0].file == "启用宏.xlsm" and macro[0].district == "110101"
    assert len(sub.tables["roster"].rows) == 2


# ---- not our form, or not this form -----------------------------------------------------------------


def test_non_form_workbook(small_catalogue, tmp_path):
    assert refused(H.non_form_workbook(tmp_path), small_catalogue).rule == "F-NOT-OUR-FORM"


def test_wrong_template_id(small_catalogue, tmp_path, form):
    path = H.shared_string(form, tmp_path / "别的模板.xlsx", "reporttool.cluster-form", "other.form")
    assert refused(path, small_catalogue).rule == "F-NOT-OUR-FORM"


def test_stale_version(small_catalogue, tmp_path):
    f = refused(H.stale_version(small_catalogue, tmp_path), small_catalogue)
    assert f.rule == "F-STALE-VERSION" and "1.0" in f.message and "1.1" in f.message


def test_changed_fingerprint(small_catalogue, tmp_path):
    f = refused(H.changed_fingerprint(small_catalogue, tmp_path), small_catalogue)
    assert f.rule == "F-FINGERPRINT" and small_catalogue.fingerprint in f.message


def test_wrong_period(small_catalogue, tmp_path):
    f = refused(H.wrong_period(small_catalogue, tmp_path), small_catalogue, expected_period=H.PERIOD)
    assert f.rule == "F-PERIOD-MISMATCH" and "2025年1-5月" in f.message and "2025年1-6月" in f.message
    assert f.district == "110101"


def test_wrong_district(small_catalogue, tmp_path, form):
    f = refused(form, small_catalogue, expected_district="110102")
    assert f.rule == "F-DISTRICT-MISMATCH" and "甲区" in f.message and "乙县" in f.message


def test_district_not_in_catalogue(small_catalogue, tmp_path, form):
    path = H.shared_string(form, tmp_path / "未知县区.xlsx", "110101", "999999")
    f = refused(path, small_catalogue)
    assert f.rule == "F-DISTRICT-MISMATCH" and "999999" in f.message


def test_deleted_sheet(small_catalogue, tmp_path, form):
    f = refused(H.deleted_sheet(form, tmp_path), small_catalogue)
    assert f.rule == "F-MISSING-SHEET" and f.sheet == "投资项目" and "投资项目" in f.message


def test_renamed_header(small_catalogue, tmp_path, form):
    f = refused(H.renamed_header(form, tmp_path), small_catalogue)
    assert f.rule == "F-MISSING-COLUMN" and f.sheet == "集群企业" and "本年累计工业总产值" in f.message


def test_header_alias_is_accepted(small_catalogue, tmp_path, form):
    path = H.shared_string(form, tmp_path / "旧表头.xlsx", "本年累计营业收入", "本年累计主营业务收入（万元）")
    sub, _ = read_submission(path, small_catalogue)
    original, _ = read_submission(form, small_catalogue)
    expected = original.tables["roster"].rows[0].values["revenue"]
    assert expected is not None  # the form has a revenue in its first roster row
    assert sub.tables["roster"].rows[0].values["revenue"] == expected  # read from the renamed column


def test_precheck_reports_sheet_parts(form):
    report = precheck(form)
    assert report.parts["集群企业"] == "xl/worksheets/sheet2.xml"
    assert list(report.parts)[:4] == ["填报说明", "集群企业", "投资项目", "集群产出"]
    assert report.uncompressed > report.size


def test_broken_sheet_xml_is_unreadable_not_a_crash(small_catalogue, tmp_path, form):
    path = H.edit_parts(form, tmp_path / "损坏.xlsx", {H.ROSTER_PART: lambda data: data[:len(data) // 2]})
    f = refused(path, small_catalogue)
    assert f.rule == "F-UNREADABLE" and "工作表“集群企业”内容损坏" in f.message and f.district == "110101"
