"""The side process that writes the brief while the parent writes the 汇总表 (pipeline/side.py).

The rest of the suite runs with it off (tests/conftest.py); here it is on, and what it writes is compared
with what the parent writes itself.
"""
from __future__ import annotations

import datetime as dt
import os
import zipfile

import pytest
from helpers import NOW, P, put

from reporttool.core.errors import ReportToolError
from reporttool.pipeline.consolidate import run_consolidate
from reporttool.pipeline.side import ENV, Side
from reporttool.render.names import brief_name


def _pid() -> int:
    return os.getpid()


def _fail(message: str) -> None:
    raise ReportToolError(message)


def _add(a: int, b: int, *, times: int = 1) -> int:
    return (a + b) * times


def test_side_runs_the_job_in_another_process_and_returns_its_result():
    with Side(use=True) as side:
        assert side.active
        other = side.start(_pid)()
        assert other != os.getpid()
        assert side.start(_add, 2, 3, times=4)() == 20  # arguments and keyword arguments cross as they are
        assert side.start(_pid)() == other  # one process for the run, not one per job


def test_an_error_in_the_side_process_is_raised_here_as_it_was_there():
    with Side(use=True) as side, pytest.raises(ReportToolError, match="简报模板有误"):
        side.start(_fail, "简报模板有误")()


def test_a_side_process_that_died_is_replaced_by_this_one():
    side = Side(use=True)
    try:
        side._proc.kill()  # killed (out of memory, a user's task manager)
        side._proc.wait(5)
        assert side.start(_pid)() == os.getpid()
        assert side.start(_add, 1, 1)() == 2
    finally:
        side.close()


def test_without_a_side_process_the_job_runs_here_when_waited_for(monkeypatch):
    monkeypatch.setenv(ENV, "0")
    with Side() as side:
        assert not side.active
        assert side.start(_pid)() == os.getpid()


def test_closing_ends_the_process():
    side = Side(use=True)
    proc = side._proc
    side.start(_pid)()
    side.close()
    assert proc.poll() is not None
    side.close()  # twice is harmless


def _parts(path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist()}


def _document(path) -> bytes:
    with zipfile.ZipFile(path) as z:
        return z.read("word/document.xml")


def test_consolidate_with_and_without_the_side_process_writes_the_same_brief(small_workspace, monkeypatch, tmp_path):
    ws = small_workspace
    put(ws, "甲区.xlsx", "110101", sr="1234.56", sr_ly="1000")
    put(ws, "乙县.xlsx", "110102", sr="765.44", sr_ly="800", when=dt.datetime(2025, 7, 6, 8, 0))
    monkeypatch.setenv(ENV, "1")
    on = run_consolidate(ws, P, now=NOW)
    brief = ws.period_dir(P) / brief_name(ws.catalogue(), P, on.issue_no)
    with_side = _parts(brief)
    monkeypatch.setenv(ENV, "0")
    run_consolidate(ws, P, now=NOW, issued=on.issued)
    # every part byte for byte (the zip's own entry times are the clock's: python-docx stamps them)
    assert _parts(brief) == with_side


def test_a_bad_brief_template_stops_the_run_with_its_message_through_the_side_process(small_workspace, monkeypatch):
    ws = small_workspace
    put(ws, "甲区.xlsx", "110101", sr="1000")
    ws.brief_template.write_bytes(b"not a docx")
    monkeypatch.setenv(ENV, "1")
    with pytest.raises(ReportToolError, match="简报模板.*无法打开"):
        run_consolidate(ws, P, now=NOW)
    assert not ws.period_dir(P).exists() or not any(ws.period_dir(P).iterdir())  # no output replaced


def test_the_brief_of_city_level_figures_is_the_brief_of_the_full_figures(quarter, tmp_path):
    """The side process gets Figures.city_level() (a twentieth of the pickle): the brief must not need
    what it leaves out, for a month, a quarter and the year."""
    from reporttool.core.models import Period, parse_period
    from reporttool.figures import consistency
    from reporttool.render.brief import write_brief

    cat = quarter.ws.catalogue()
    for period in (Period(2025, 3), Period(2025, 2), parse_period("2025-Q1"), parse_period("2025")):
        figs = consistency.period_figures(quarter, cat, period)
        assert figs.districts  # the full figures have what city_level leaves out
        full, slim = tmp_path / "full.docx", tmp_path / "slim.docx"
        kw = {"issue_no": 3, "issued": dt.date(2025, 4, 8), "now": dt.datetime(2025, 4, 8, 9, 0)}
        write_brief(figs, cat, full, **kw)
        write_brief(figs.city_level(), cat, slim, **kw)
        assert _document(full) == _document(slim), period.key
