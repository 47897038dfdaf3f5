"""Defects found by the held-out trial of messy and hostile district files (issue 9's last Done-when line;
the trial itself is bench/trial_files.py, its results docs/trials.md). Each test fails without its fix."""
from __future__ import annotations

import datetime as dt

import hostile as H
import pytest

from reporttool.checks import check_submission, file_status
from reporttool.core.models import ERROR
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
