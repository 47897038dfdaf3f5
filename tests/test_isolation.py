"""One district's file can never stop the round: merged cells, and a failure at any later stage."""
from __future__ import annotations

import json
from decimal import Decimal as D
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from helpers import NOW, P, merge_cells, roster_form

from reporttool.checks import check_files
from reporttool.cli import main
from reporttool.core.status import ST_ERRORS, ST_PASSED, ST_RETURNED
from reporttool.forms.reader import read_submission
from reporttool.ledger import Ledger
from reporttool.pipeline.consolidate import run_consolidate
from reporttool.render.feedback import LIST_SHEET, write_feedback


def _roster_row(path: Path, cat, n: int) -> int:
    """Sheet row of the roster's n-th enterprise (0-based), found by reading the file."""
    sub, _ = read_submission(path, cat)
    return sub.tables["roster"].rows[n].number


# ---- merged cells ------------------------------------------------------------------------------------


def test_merged_cluster_applies_to_every_row_of_the_merge(tmp_path, small_catalogue):
    src = roster_form(small_catalogue, tmp_path / "甲区.xlsx", "110101", 1)
    first = _roster_row(src, small_catalogue, 0)
    merge_cells(src, f"D{first}:D{first + 2}", f"G{first}:G{first + 1}", clear=(f"D{first + 1}", f"D{first + 2}"))
    sub, findings = read_submission(src, small_catalogue)
    rows = sub.tables["roster"].rows
    assert [r.values["cluster"] for r in rows] == ["A", "A", "A"]
    assert [r.values["park"] for r in rows] == ["化工园", "化工园", "化工园"]
    assert not [f for f in findings if f.rule == "R-MERGED"]


def test_merged_amount_is_one_finding_on_the_anchor(tmp_path, small_catalogue):
    src = roster_form(small_catalogue, tmp_path / "甲区.xlsx", "110101", 1)
    first = _roster_row(src, small_catalogue, 0)
    merge_cells(src, f"H{first}:H{first + 1}")
    _, findings = read_submission(src, small_catalogue)
    merged = [f for f in findings if f.rule == "R-MERGED"]
    assert len(merged) == 1
    assert merged[0].cell == f"H{first}" and merged[0].row == first
    assert f"H{first}:H{first + 1}" in merged[0].message and "取消合并" in merged[0].message


def test_feedback_paints_the_anchor_of_a_merged_cell(tmp_path, small_catalogue):
    src = roster_form(small_catalogue, tmp_path / "甲区.xlsx", "110101", 1)
    first = _roster_row(src, small_catalogue, 0)
    merge_cells(src, f"C{first}:C{first + 1}")  # 企业名称 over two enterprises: a finding lands on C{first+1}
    report, = check_files([src], small_catalogue)
    covered = [f for f in report.findings if f.cell == f"C{first + 1}"]
    assert covered, report.findings
    dest = write_feedback(src, report.findings, tmp_path / "fb" / "甲区.xlsx")
    wb = openpyxl.load_workbook(dest)
    anchor = wb["集群企业"][f"C{first}"]
    assert anchor.comment is not None and covered[0].message in anchor.comment.text
    assert wb.sheetnames[0] == LIST_SHEET


def test_feedback_of_a_workbook_that_cannot_be_painted_lists_the_findings(tmp_path, small_catalogue, monkeypatch):
    from reporttool.render import feedback as fb
    from reporttool.render import feedback_xml

    src = roster_form(small_catalogue, tmp_path / "甲区.xlsx", "110101", 1)
    first = _roster_row(src, small_catalogue, 0)
    merge_cells(src, f"H{first}:H{first + 1}")
    report, = check_files([src], small_catalogue)

    def broken(*args):
        raise AttributeError("cannot paint")
    monkeypatch.setattr(fb, "_paint", broken)  # the openpyxl path
    monkeypatch.setattr(feedback_xml, "paint", broken)  # the XML path, which then hands over to openpyxl
    dest = write_feedback(src, report.findings, tmp_path / "fb" / "甲区.xlsx")
    wb = openpyxl.load_workbook(dest)
    assert wb.sheetnames == [LIST_SHEET]
    listed = [c.value for c in wb[LIST_SHEET]["G"]]
    assert any(f.message == v for f in report.findings for v in listed)
    assert "本表只列出问题" in wb[LIST_SHEET]["A2"].value


def test_check_with_a_merged_cell_prints_json_and_writes_feedback(small_workspace):
    src = roster_form(small_workspace, small_workspace.root / "甲区.xlsx", "110101", 1)
    first = _roster_row(src, small_workspace.catalogue(), 0)
    merge_cells(src, f"C{first}:C{first + 1}")
    out = small_workspace.root / "fb"
    r = CliRunner().invoke(main, ["-w", str(small_workspace.root), "-q", "check", str(src), "--json",
                                  "--feedback", str(out)])
    assert r.exit_code == 1, r.output
    data = json.loads(r.stdout)
    assert data["files"][0]["status"] == ST_ERRORS
    assert Path(data["files"][0]["feedback"]).is_file()


def test_consolidate_with_a_merged_cell_writes_every_output(small_workspace):
    ws = small_workspace
    roster_form(ws, ws.inbox / "甲区.xlsx", "110101", 1)
    bad = roster_form(ws, ws.inbox / "乙县.xlsx", "110102", 2)
    first = _roster_row(bad, ws.catalogue(), 0)
    merge_cells(bad, f"C{first}:C{first + 1}")
    for _ in range(2):  # the version stays in the ledger: the next run must work as well
        result = run_consolidate(ws, P, now=NOW)
        states = {s.district: s.status for s in result.states}
        assert states["110101"] == ST_PASSED and states["110102"] == ST_ERRORS
        names = {p.name for p in result.outputs}
        assert "乙县.xlsx" in names and "manifest.json" in names
        assert any(n.endswith(".docx") for n in names)
    wb = openpyxl.load_workbook(ws.feedback_dir(P) / "乙县.xlsx")
    # the second row's empty 企业名称 (its R-MERGED and R-REQUIRED) is shown on the merge's first cell
    assert wb["集群企业"][f"C{first}"].comment.text == (
        f"【错误】“企业名称”的C{first}:C{first + 1}是合并单元格，合并后只有第一行有值，其余行的“企业名称”为空。请取消合并，逐行填写。\n"
        "【错误】“企业名称”为必填项，不能为空。")


# ---- a failure at a later stage ----------------------------------------------------------------------


def test_a_version_whose_figures_fail_is_returned_and_the_others_are_consolidated(small_workspace, monkeypatch):
    ws = small_workspace
    roster_form(ws, ws.inbox / "甲区.xlsx", "110101", 1)
    roster_form(ws, ws.inbox / "乙县.xlsx", "110102", 2)
    run_consolidate(ws, P, now=NOW)
    with Ledger(ws) as ledger:
        bad_id = ledger.current(P.key)["110102"].id
    real = Ledger.aggregates

    def aggregates(self, sid, **kw):
        if sid == bad_id:
            raise KeyError("营业收入合计")
        return real(self, sid, **kw)
    monkeypatch.setattr(Ledger, "aggregates", aggregates)
    result = run_consolidate(ws, P, now=NOW)
    states = {s.district: s.status for s in result.states}
    assert states == {"110101": ST_PASSED, "110102": ST_RETURNED, "KF01": "未报"}
    bad = [f for f in result.figures.findings if f.district == "110102" and f.rule == "F-INTERNAL"]
    assert len(bad) == 1 and "KeyError" in bad[0].message and "其他县区不受影响" in bad[0].message
    assert result.figures.cluster_figure("A", "SR").value == D("0.04")  # 甲区 only (400 万元)
    assert (ws.feedback_dir(P) / "乙县.xlsx").is_file()


def test_a_version_whose_detail_rows_fail_is_returned(small_workspace, monkeypatch):
    from reporttool.render import detail_book as detail

    ws = small_workspace
    roster_form(ws, ws.inbox / "甲区.xlsx", "110101", 1)
    roster_form(ws, ws.inbox / "乙县.xlsx", "110102", 2)
    real = detail.render_fragment

    def render(key, rows, district, cat):
        if district == "110102":
            raise ValueError("bad row")
        return real(key, rows, district, cat)
    monkeypatch.setattr(detail, "render_fragment", render)
    monkeypatch.setattr(detail, "fragment_stamp", lambda cat, gone=frozenset(): "changed")  # force re-render
    result = run_consolidate(ws, P, now=NOW, workers=1)
    states = {s.district: s.status for s in result.states}
    assert states["110101"] == ST_PASSED and states["110102"] == ST_RETURNED
    assert result.figures.cluster_figure("A", "SR").value == D("0.04")


def test_check_files_a_checker_failure_refuses_that_file_only(tmp_path, small_catalogue, monkeypatch):
    from reporttool import checks

    a = roster_form(small_catalogue, tmp_path / "甲区.xlsx", "110101", 1)
    b = roster_form(small_catalogue, tmp_path / "乙县.xlsx", "110102", 2)
    real = checks.check_submission

    def check(sub, cat, period):
        if sub.district == "110102":
            raise TypeError("bug")
        return real(sub, cat, period)
    monkeypatch.setattr(checks, "check_submission", check)
    ra, rb = check_files([a, b], small_catalogue)
    assert ra.status == ST_PASSED
    assert rb.status == ST_RETURNED and rb.findings[-1].rule == "F-INTERNAL"


def test_a_file_whose_facts_cannot_be_stored_is_refused_alone(small_workspace, monkeypatch):
    ws = small_workspace
    roster_form(ws, ws.inbox / "甲区.xlsx", "110101", 1)
    roster_form(ws, ws.inbox / "乙县.xlsx", "110102", 2)
    real = Ledger._insert_prepared

    def insert(self, db, sid, prepared):
        if any("企业2-" in str(r) for t in prepared.tables.values() for r in t[3]):
            raise ValueError("cannot store")
        return real(self, db, sid, prepared)
    monkeypatch.setattr(Ledger, "_insert_prepared", insert)
    result = run_consolidate(ws, P, now=NOW, workers=1)
    states = {s.district: s.status for s in result.states}
    assert states["110101"] == ST_PASSED and states["110102"] == ST_RETURNED
    refused = next(i for i in result.inputs if i.path.name == "乙县.xlsx")
    assert "程序出错" in refused.reason
    with Ledger(ws) as ledger:
        assert ledger.by_sha(refused.sha256).status == ST_RETURNED


def test_a_cluster_merged_down_over_blank_rows_adds_no_rows(tmp_path, small_catalogue):
    src = roster_form(small_catalogue, tmp_path / "甲区.xlsx", "110101", 1)
    first = _roster_row(src, small_catalogue, 0)
    merge_cells(src, f"D{first}:D{first + 20}", clear=(f"D{first + 1}", f"D{first + 2}"))
    sub, findings = read_submission(src, small_catalogue)
    assert [r.values["cluster"] for r in sub.tables["roster"].rows] == ["A", "A", "A"]
    assert findings == []


def test_check_files_and_read_many_give_the_one_file_record(tmp_path, small_catalogue):
    import dataclasses
    import functools
    import hashlib

    from reporttool.forms.isolate import ReadResult, read_many
    from reporttool.pipeline.ingest import IngestPayload, prepare_ingest

    src = roster_form(small_catalogue, tmp_path / "甲区.xlsx", "110101", 1)
    report, = check_files([src], small_catalogue)
    assert type(report) is ReadResult and dataclasses.is_dataclass(report)
    assert report.status == ST_PASSED and report.payload is None and not report.refused
    assert report.sha256 == hashlib.sha256(src.read_bytes()).hexdigest()
    ingested, = read_many([src], small_catalogue, job=functools.partial(prepare_ingest, cat=small_catalogue, default=P))
    assert type(ingested) is ReadResult and ingested.submission is None and not ingested.refused
    assert isinstance(ingested.payload, IngestPayload) and ingested.payload.status == ST_PASSED
    assert ingested.sha256 == report.sha256 and ingested.status == ""  # the verdict travels in the payload
    for record in (report, ingested, ingested.payload, ingested.payload.prepared):  # records crossing a stage
        with pytest.raises(dataclasses.FrozenInstanceError):
            record.sha256 = "changed"


def test_a_worker_gets_its_next_file_before_the_parent_stores_a_result(tmp_path, small_catalogue):
    """The parent stores each result (a transaction, ≈ 20 ms a province file) only after it has handed the
    idle worker its next file: otherwise every worker waits for every store (forms/isolate._run_pool)."""
    import functools
    import time

    from helpers import marking_job

    from reporttool.forms.isolate import read_many

    files = [roster_form(small_catalogue, tmp_path / f"{n}.xlsx", "110101", 1) for n in ("甲区", "乙区", "丙区")]
    marks = tmp_path / "marks"
    marks.mkdir()
    started_while_storing: list[int] = []

    def on_result(res) -> None:
        wanted = min(len(started_while_storing) + 2, len(files))  # this file's and the next one's marks
        deadline = time.monotonic() + 20
        while len(list(marks.iterdir())) < wanted and time.monotonic() < deadline:
            time.sleep(0.02)
        started_while_storing.append(len(list(marks.iterdir())))

    results = read_many(files, small_catalogue, workers=1, isolate=True,
                        job=functools.partial(marking_job, marks=str(marks)), on_result=on_result)
    assert [r.payload for r in results] == ["110101"] * 3
    assert started_while_storing == [2, 3, 3]
