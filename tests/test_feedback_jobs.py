"""pipeline/feedback_jobs.py: several feedback workbooks are written by a spawn pool, each exactly as the
parent would write it; a file that cannot be written stops the run as before."""
from __future__ import annotations

import openpyxl
import pytest
from helpers import merge_cells, roster_form

from reporttool.checks import check_files
from reporttool.pipeline import feedback_jobs
from reporttool.pipeline.feedback_jobs import write_all


def _cells(path):
    wb = openpyxl.load_workbook(path)
    return {ws.title: [[c.value for c in row] for row in ws.iter_rows()] for ws in wb.worksheets}


def _jobs(tmp_path, cat, folder):
    jobs = []
    for i, code in enumerate(("110101", "110102", "KF01", "110101")):
        src = roster_form(cat, tmp_path / "src" / f"{i}-{code}.xlsx", code, 2 + i)
        merge_cells(src, "H8:H9")  # an R-MERGED error: a finding to paint
        report, = check_files([src], cat)
        assert report.findings
        returned = "市局已退回本期报表（测试）。" if i == 1 else ""
        jobs.append((src if i != 3 else None, report.findings, tmp_path / folder / f"{i}.xlsx", f"县区{i}", returned))
    return jobs


def test_parallel_feedback_is_what_the_parent_writes(tmp_path, small_catalogue, monkeypatch):
    monkeypatch.setattr(feedback_jobs, "PARALLEL_MIN", 4)  # four jobs are enough to use the pool here
    serial, parallel = _jobs(tmp_path, small_catalogue, "serial"), _jobs(tmp_path, small_catalogue, "parallel")
    for job in serial:
        feedback_jobs.write_one(job, "2025年1-6月", small_catalogue.words)
    write_all(parallel, "2025年1-6月", small_catalogue.words, workers=2)
    for a, b in zip(serial, parallel):
        assert _cells(a[2]) == _cells(b[2])


def test_a_feedback_that_cannot_be_written_is_raised_from_the_pool(tmp_path, small_catalogue, monkeypatch):
    monkeypatch.setattr(feedback_jobs, "PARALLEL_MIN", 4)
    jobs = _jobs(tmp_path, small_catalogue, "out")
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x", encoding="utf-8")
    jobs[2] = (*jobs[2][:2], blocker / "2.xlsx", *jobs[2][3:])  # its folder is a file: OSError
    with pytest.raises(OSError):
        write_all(jobs, "2025年1-6月", small_catalogue.words, workers=2)


def test_the_pool_writes_while_the_caller_goes_on(tmp_path, small_catalogue, monkeypatch):
    """start_all returns at once with the pool working (the parent writes the 汇总表 meanwhile); every
    workbook is there when the returned wait ends. Few jobs start nothing until then (in this process)."""
    monkeypatch.setattr(feedback_jobs, "PARALLEL_MIN", 4)
    jobs = _jobs(tmp_path, small_catalogue, "pool")
    wait = feedback_jobs.start_all(jobs, "2025年1-6月", small_catalogue.words, workers=2)
    wait()
    assert all(job[2].is_file() for job in jobs)
    few = _jobs(tmp_path, small_catalogue, "few")[:3]
    wait = feedback_jobs.start_all(few, "2025年1-6月", small_catalogue.words, workers=2)
    assert not any(job[2].exists() for job in few)
    wait()
    assert [_cells(job[2]) for job in few] == [_cells(job[2]) for job in jobs[:3]]
