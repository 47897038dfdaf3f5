"""An empty 集群企业 sheet (R-ROSTER-EMPTY) and the brief's “未报送企业名录” say the same thing (issue 11).

The roster is required when the form's figures need it: an output bound to it (营业收入 ≥ the roster's revenue)
or an indicator counted from it (来源 企业名录: 规上企业户数) for a cluster the district reports. Then an empty
roster is an error, and the brief names the district beside the counted figure. When no figure needs the
roster, an empty one is no finding and the brief claims nothing about it."""
from __future__ import annotations

import dataclasses
import datetime as dt
import os
from decimal import Decimal as D

import docx

from reporttool.catalogue.writer import write_catalogue
from reporttool.checks.single import check_submission
from reporttool.core.models import ERROR, SOURCE_ROSTER, Period
from reporttool.forms import reader, writer
from reporttool.pipeline.consolidate import run_consolidate
from reporttool.render.wording import coverage
from reporttool.workspace import init_workspace

JUNE = Period(2025, 6)
OUTPUTS = {("A", "SR"): {"value": D(52000), "value_ly": D(50000)}, ("A", "CZ"): {"value": D(51000), "value_ly": D(49000)}}


def _unbound(cat):
    """The small city with no output bound to the roster (营业收入 without 汇总口径); 规上企业户数 still counted from it."""
    inds = tuple(dataclasses.replace(i, roster_measure="") if i.code == "SR" else i for i in cat.indicators)
    return dataclasses.replace(cat, indicators=inds, _index={})


def _no_roster_figures(cat):
    """… and nothing counted from the roster either (规上企业户数 and its target gone)."""
    cat = _unbound(cat)
    inds = tuple(i for i in cat.indicators if i.source != SOURCE_ROSTER)
    targets = tuple(t for t in cat.targets if t.indicator != "GS")
    return dataclasses.replace(cat, indicators=inds, targets=targets, _index={})


def _check(tmp_path, cat):
    path = writer.write_template(cat, "110101", JUNE, tmp_path / "甲区.xlsx", roster=[], projects=[], outputs=OUTPUTS)
    sub, found = reader.read_submission(path, cat, expected_period=JUNE)
    return sub, found + check_submission(sub, cat, JUNE)


def test_an_empty_roster_is_an_error_when_a_reported_clusters_figure_is_counted_from_it(tmp_path, small_catalogue):
    sub, findings = _check(tmp_path, _unbound(small_catalogue))
    (f,) = [x for x in findings if x.rule == "R-ROSTER-EMPTY"]
    table = sub.tables["roster"]
    assert (f.severity, f.sheet, f.cell) == (ERROR, "集群企业", table.cell("credit_code", table.header_row + 1))
    assert f.message == "集群企业表未填写，但集群产出表填报了化工的数据（规上企业户数由企业名录汇总）。请补填本地区各集群的企业名录。"


def test_an_empty_roster_is_no_finding_when_no_figure_needs_it(tmp_path, small_catalogue):
    _sub, findings = _check(tmp_path, _no_roster_figures(small_catalogue))
    assert [x.rule for x in findings if x.rule.startswith("R-ROSTER")] == []


def _round(tmp_path, cat):
    ws = init_workspace(tmp_path / "测试市")
    write_catalogue(cat, ws.targets)
    cat = ws.catalogue()
    for code, name, roster in (("110101", "甲区", []), ("110102", "乙县", None)):
        firm = [{"credit_code": "91110000600037341L", "name": "乙县化工有限公司", "cluster": "化工产业集群",
                 "is_scale": "是", "revenue": D(30000)}]
        path = writer.write_template(cat, code, JUNE, ws.inbox / f"{name}.xlsx", outputs=OUTPUTS,
                                     roster=firm if roster is None else roster)
        stamp = dt.datetime(2025, 7, 3, 9, 0).timestamp()
        os.utime(path, (stamp, stamp))
    result = run_consolidate(ws, JUNE, now=dt.datetime(2025, 7, 6, 9, 0))
    brief = next(p for p in result.outputs if p.suffix == ".docx")
    return result, "".join(p.text for p in docx.Document(str(brief)).paragraphs)


def test_the_brief_names_a_missing_roster_only_where_the_checks_found_one(tmp_path, small_catalogue):
    result, _text = _round(tmp_path / "a", _unbound(small_catalogue))
    assert [f.district for f in result.figures.findings if f.rule == "R-ROSTER-EMPTY"] == ["110101"]
    assert coverage(result.figures).no_roster == ("甲区",)
    result, text = _round(tmp_path / "b", _no_roster_figures(small_catalogue))
    assert [f for f in result.figures.findings if f.rule == "R-ROSTER-EMPTY"] == []
    assert coverage(result.figures).no_roster == () and "未报送企业名录" not in text
