"""Defects found by the held-out trial of messy and hostile district files (issue 9's last Done-when line;
the trial itself is bench/trial_files.py, its results docs/trials.md). Each test fails without its fix."""
from __future__ import annotations

import datetime as dt
import shutil

import hostile as H
import pytest
from click.testing import CliRunner

from reporttool.checks import check_submission, file_status
from reporttool.cli import main
from reporttool.core.models import ERROR, INFO
from reporttool.core.status import ST_ERRORS
from reporttool.forms.reader import read_submission

PERIOD = H.PERIOD


@pytest.fixture
def form(small_catalogue, tmp_path):
    return H.filled_form(small_catalogue, tmp_path / "甲区_重点产业集群报表_2025年1-6月.xlsx")


def read_and_check(path, cat):
    sub, findings = read_submission(path, cat, expected_period=PERIOD)
    return sub, findings + check_submission(sub, cat, PERIOD)


def test_a_header_pasted_again_is_one_finding_per_row_and_not_read(small_catalogue, tmp_path, form):
    path = H.header_pasted_again(form, tmp_path, after=1, times=2)
    sub, findings = read_and_check(path, small_catalogue)
    assert [r.values["name"] for r in sub.tables["roster"].rows] == ["甲化工有限公司", "乙装备有限公司"]
    pasted = [r.number for r in sub.tables["roster"].rows][:1]
    first = pasted[0] + 1
    hits = [f for f in findings if f.sheet == "集群企业" and f.row in (first, first + 1)]
    assert [(f.rule, f.row) for f in hits] == [("R-HEADER-ROW", first), ("R-HEADER-ROW", first + 1)], \
        [(f.rule, f.message) for f in hits]
    assert all(f.severity == ERROR and f"第{f.row}行" in f.message and "表头" in f.message and "删除" in f.message
               and f.cell == f"A{f.row}" for f in hits)


def test_a_row_naming_one_title_is_still_data(small_catalogue, tmp_path):
    """A company that happens to be called like a column title is read, not taken for a header."""
    roster = [*H.ROSTER, {**H.ROSTER[0], "credit_code": "91211400MA0QC3XX3X", "name": "企业名称"}]
    path = H.filled_form(small_catalogue, tmp_path / "甲区.xlsx", roster=roster)
    sub, findings = read_and_check(path, small_catalogue)
    assert "企业名称" in [r.values["name"] for r in sub.tables["roster"].rows]
    assert not any(f.rule == "R-HEADER-ROW" for f in findings)


def test_enterprises_listed_with_the_cluster_total_left_blank_is_an_error(small_catalogue, tmp_path):
    path = H.filled_form(small_catalogue, tmp_path / "甲区空产出.xlsx", outputs={})
    _, findings = read_and_check(path, small_catalogue)
    blank = [f for f in findings if f.rule == "R-OUTPUT-BLANK"]
    assert blank, [(f.rule, f.message) for f in findings]
    assert file_status(findings) == ST_ERRORS
    for f in blank:
        assert f.severity == ERROR and f.sheet == "集群产出" and f.column == "本年累计"
        assert "未填写" in f.message and "户" in f.message and "补填" in f.message


def test_a_cluster_total_that_is_filled_gives_no_blank_finding(small_catalogue, tmp_path, form):
    sub, findings = read_and_check(form, small_catalogue)
    filled = {(r.values["cluster_code"], r.values["indicator_code"]) for r in sub.tables["output"].rows
              if r.values.get("value") is not None}
    blank = [f for f in findings if f.rule == "R-OUTPUT-BLANK"]
    for f in blank:  # only for pairs really left blank
        assert not any(small_catalogue.cluster(c).name in f.message and small_catalogue.indicator(i).name in f.message
                       for c, i in filled)


@pytest.mark.parametrize("start, finish, error", [
    (dt.date(2025, 3, 15), "2025-03", False),   # a date inside the month the project is to finish
    (dt.date(2025, 3, 1), "2025年3月", False),
    (dt.date(2025, 4, 1), "2025-03", True),     # a month later: still an error
])
def test_dates_are_compared_by_month(small_catalogue, tmp_path, start, finish, error):
    projects = [{**H.PROJECTS[0], "start": start, "finish": finish}]
    path = H.filled_form(small_catalogue, tmp_path / "甲区日期.xlsx", projects=projects)
    _, findings = read_and_check(path, small_catalogue)
    assert any(f.rule == "R-DATES" for f in findings) is error


def test_a_row_with_only_a_note_is_one_hint_not_five_errors(small_catalogue, tmp_path):
    roster = [*H.ROSTER, {"note": "以上企业数据已核实"}]
    path = H.filled_form(small_catalogue, tmp_path / "甲区说明行.xlsx", roster=roster)
    sub, findings = read_and_check(path, small_catalogue)
    table = sub.tables["roster"]
    assert [r.values["name"] for r in table.rows] == ["甲化工有限公司", "乙装备有限公司"]
    r = table.rows[-1].number + 1
    hits = [f for f in findings if f.sheet == "集群企业" and f.row == r]
    assert [f.rule for f in hits] == ["R-NOTE-ONLY-ROW"], [(f.rule, f.message) for f in hits]
    assert hits[0].severity == INFO and "以上企业数据已核实" in hits[0].message
    assert hits[0].cell == table.cell("note", r)


def test_a_note_only_row_on_the_output_sheet_is_still_read(small_catalogue, tmp_path):
    outputs = {**H.OUTPUTS, ("A", "CZ"): {"note": "本期停产检修"}}
    path = H.filled_form(small_catalogue, tmp_path / "甲区产出说明.xlsx", outputs=outputs)
    sub, findings = read_and_check(path, small_catalogue)
    assert any(r.values.get("note") == "本期停产检修" for r in sub.tables["output"].rows)
    assert not any(f.rule == "R-NOTE-ONLY-ROW" for f in findings)


def _consolidate(ws):
    return CliRunner().invoke(main, ["-w", str(ws.root), "consolidate", "--period", "2025-06", "--workers", "1"])


def test_a_copy_under_another_name_is_said_not_silently_dropped(small_workspace, tmp_path):
    ws = small_workspace
    path = H.filled_form(ws.catalogue(), ws.inbox / "甲区.xlsx")
    shutil.copy(path, ws.inbox / "甲区 报表 (1).xlsx")
    res = _consolidate(ws)
    assert res.exit_code in (0, 1), res.output
    (line,) = [x for x in res.output.splitlines() if "内容完全相同" in x]
    assert "甲区.xlsx" in line and "甲区 报表 (1).xlsx" in line and "未重复入账" in line


def test_a_good_file_shadowed_by_a_refused_copy_is_named_with_the_way_out(small_workspace):
    """The same bytes first arrived under a neighbour's name (refused, F-IDENTITY-CONFLICT); the district's
    own copy is not recorded again (one version per SHA-256): the console names both and says what to do."""
    ws = small_workspace
    good = H.filled_form(ws.catalogue(), ws.root / "甲区.xlsx")
    shutil.copy(good, ws.inbox / "乙县6月报表.xlsx")
    H.filled_form(ws.catalogue(), ws.inbox / "乙县.xlsx", district="110102")  # so that the round has data
    first = _consolidate(ws)
    assert "退回：乙县6月报表.xlsx" in first.output, first.output
    shutil.copy(good, ws.inbox / "甲区.xlsx")
    res = _consolidate(ws)
    (line,) = [x for x in res.output.splitlines() if "内容完全相同" in x]
    assert "甲区.xlsx 与先前收到的 乙县6月报表.xlsx" in line and "退回" in line and "重新保存" in line
