"""Issue 9, inbox/: only regular files are read (no symlinks, FIFOs, devices), names that are not UTF-8
are handled and shown readably, and Excel/WPS lock files are ignored by `check` as by `consolidate`."""
from __future__ import annotations

import datetime as dt
import json
import os
import sys
import zlib
from decimal import Decimal as D
from pathlib import Path

import pytest
from click.testing import CliRunner
from stdnum.cn import uscc

from reporttool.cli import main
from reporttool.core.models import Period
from reporttool.core.status import ST_PASSED
from reporttool.core.units import readable_name
from reporttool.forms.writer import write_template
from reporttool.ledger import Ledger
from reporttool.pipeline.consolidate import run_consolidate
from reporttool.workspace import Workspace, is_temp_name, list_inbox

P = Period(2025, 6)
NOW = dt.datetime(2025, 7, 8, 9, 0)
ON_TIME = dt.datetime(2025, 7, 3, 10, 0)
posix_only = pytest.mark.skipif(sys.platform == "win32", reason="symlinks/FIFOs/byte names are POSIX here")


def _credit(n: int) -> str:
    base = f"91110000MA{n:07d}"
    return base + uscc.calc_check_digit(base)


def form(ws: Workspace, dest: Path, district: str = "110101", period: Period = P) -> Path:
    """A clean filled form of ``district`` at ``dest`` (any name, bytes or text)."""
    cat = ws.catalogue()
    roster = [{"credit_code": _credit(zlib.crc32(district.encode()) % 10**7), "name": "某企业", "cluster": "A",
               "is_scale": "否", "revenue": D(1)}]
    tmp = ws.root / f"{district}.tmp.xlsx"
    write_template(cat, district, period, tmp, roster=roster, outputs={("A", "SR"): {"value": D(100)}})
    data = tmp.read_bytes()
    tmp.unlink()
    fd = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    os.utime(dest, (ON_TIME.timestamp(), ON_TIME.timestamp()))
    return dest


def gbk_name(folder: Path, name: str) -> Path:
    """The path of a file named by the GBK bytes of ``name`` (as an old Windows share or zip leaves it):
    on Linux a str with surrogate escapes."""
    return Path(os.fsdecode(os.path.join(os.fsencode(folder), name.encode("gbk"))))


# ---- symlinks, FIFOs, folders --------------------------------------------------------------------------


@posix_only
def test_symlink_in_inbox_is_not_read_nor_archived(small_workspace, tmp_path):
    ws = small_workspace
    form(ws, ws.inbox / "甲区.xlsx")
    secret = tmp_path / "secret.txt"
    secret.write_bytes(b"root:x:0:0:root:/root:/bin/bash\n")
    (ws.inbox / "passwd.xlsx").symlink_to(secret)
    result = run_consolidate(ws, P, now=NOW, workers=1)
    assert [i.name for i in result.inputs] == ["甲区.xlsx"]
    (skip,) = result.skipped
    assert skip.name == "passwd.xlsx" and "符号链接" in skip.reason
    archived = [p.read_bytes() for p in ws.archive.rglob("*") if p.is_file()]
    assert archived and all(b"root:x:0:0" not in data for data in archived)
    with Ledger(ws) as ledger:
        assert [r.file_name for r in ledger.submissions(period=P.key)] == ["甲区.xlsx"]


@posix_only
def test_symlinked_folder_is_not_walked_but_real_subfolders_are(small_workspace, tmp_path):
    ws = small_workspace
    (ws.inbox / "乙县").mkdir()
    form(ws, ws.inbox / "乙县" / "乙县报表.xlsx", "110102")
    elsewhere = tmp_path / "别处"
    elsewhere.mkdir()
    form(ws, elsewhere / "甲区.xlsx")
    (ws.inbox / "链接目录").symlink_to(elsewhere, target_is_directory=True)
    files, skipped = list_inbox(ws.inbox)
    assert files == [ws.inbox / "乙县" / "乙县报表.xlsx"]
    assert [s.name for s in skipped] == ["链接目录"]


@posix_only
def test_fifo_in_inbox_is_skipped_and_the_round_goes_on(small_workspace):
    ws = small_workspace
    form(ws, ws.inbox / "甲区.xlsx")
    os.mkfifo(ws.inbox / "管道.xlsx")  # reading it would wait forever
    result = run_consolidate(ws, P, now=NOW, workers=1)
    assert [s.name for s in result.skipped] == ["管道.xlsx"] and "命名管道" in result.skipped[0].reason
    assert {s.district: s.status for s in result.states}["110101"] == ST_PASSED


@posix_only
def test_cli_consolidate_reports_each_skipped_entry(small_workspace, tmp_path):
    ws = small_workspace
    form(ws, ws.inbox / "甲区.xlsx")
    (ws.inbox / "passwd.xlsx").symlink_to("/etc/passwd")
    res = CliRunner().invoke(main, ["-w", str(ws.root), "consolidate", "--period", "2025-06", "--workers", "1"])
    assert res.exit_code in (0, 1), res.output
    assert "跳过：inbox/passwd.xlsx 是符号链接" in res.output


# ---- names that are not UTF-8 -------------------------------------------------------------------------


@posix_only
def test_gbk_file_name_does_not_crash_consolidate_and_is_shown_readably(small_workspace):
    ws = small_workspace
    path = form(ws, gbk_name(ws.inbox, "乙县6月报表.xlsx"), "110102")
    assert os.fsencode(path.name) == "乙县6月报表.xlsx".encode("gbk")  # really a non-UTF-8 name
    result = run_consolidate(ws, P, now=NOW, workers=1)
    (item,) = result.inputs
    assert item.name == "乙县6月报表.xlsx" and item.district == "110102" and item.status == ST_PASSED
    with Ledger(ws) as ledger:
        (rec,) = ledger.submissions(period=P.key)
    assert rec.file_name == "乙县6月报表.xlsx"
    manifest = json.loads(result.manifest.read_text(encoding="utf-8"))
    assert [i["file_name"] for i in manifest["inputs"]] == ["乙县6月报表.xlsx"]


@posix_only
def test_gbk_named_file_refused_is_attributed_by_its_readable_name(small_workspace):
    ws = small_workspace
    form(ws, ws.inbox / "甲区.xlsx")
    bad = gbk_name(ws.inbox, "乙县报表（旧版）.xlsx")
    bad.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)  # an old .xls
    res = CliRunner().invoke(main, ["-w", str(ws.root), "consolidate", "--period", "2025-06", "--workers", "1"])
    assert "Traceback" not in res.output and res.exit_code in (0, 1), res.output
    assert "退回：乙县报表（旧版）.xlsx（乙县，按文件名判断）" in res.output
    hist = CliRunner().invoke(main, ["-w", str(ws.root), "history", "--period", "2025-06"])
    assert "乙县报表（旧版）.xlsx" in hist.output, hist.output


@posix_only
def test_check_a_gbk_named_file(small_workspace):
    ws = small_workspace
    path = form(ws, gbk_name(ws.inbox, "甲区报表.xlsx"))
    res = CliRunner().invoke(main, ["-w", str(ws.root), "check", "--json", "--no-feedback", str(path)])
    assert res.exit_code == 0, res.output
    (entry,) = json.loads(res.output)["files"]
    assert entry["file"] == "甲区报表.xlsx" and entry["status"] == ST_PASSED


def test_readable_name():
    assert readable_name("甲区.xlsx") == "甲区.xlsx"
    assert readable_name(os.fsdecode("南票区.xlsx".encode("gbk"))) == "南票区.xlsx"
    assert readable_name(os.fsdecode(b"\xff\xfe.xlsx")) == "\\xff\\xfe.xlsx"  # neither UTF-8 nor GB18030


# ---- lock and hidden files ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["~$甲区.xlsx", ".~lock.甲区.xlsx#", ".甲区.xlsx", "~$.xlsx"])
def test_lock_and_hidden_names(name):
    assert is_temp_name(name)


def test_check_ignores_excel_lock_files_like_consolidate(small_workspace):
    ws = small_workspace
    good = form(ws, ws.inbox / "甲区.xlsx")
    lock = ws.inbox / "~$甲区.xlsx"
    lock.write_bytes(b"\x06user  " + b"\x00" * 150)  # what Excel leaves while the file is open
    res = CliRunner().invoke(main, ["-w", str(ws.root), "check", "--json", "--no-feedback", str(good), str(lock)])
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert [f["file"] for f in out["files"]] == ["甲区.xlsx"] and out["problems"] == []
    assert out["ignored"] == ["~$甲区.xlsx"]
    files, skipped = list_inbox(ws.inbox)
    assert files == [good] and skipped == []  # consolidate's view of the same folder


def test_check_of_only_lock_files_says_so(small_workspace):
    ws = small_workspace
    lock = ws.inbox / "~$甲区.xlsx"
    lock.write_bytes(b"\x06user")
    res = CliRunner().invoke(main, ["-w", str(ws.root), "check", str(lock)])
    assert res.exit_code == 2 and "临时文件" in res.output and "~$甲区.xlsx" in res.output


@posix_only
def test_check_does_not_follow_a_symlink(small_workspace):
    ws = small_workspace
    (ws.inbox / "passwd.xlsx").symlink_to("/etc/passwd")
    res = CliRunner().invoke(main, ["-w", str(ws.root), "check", "--no-feedback", str(ws.inbox / "passwd.xlsx")])
    assert res.exit_code == 2 and "符号链接" in res.output


# ---- a file of another period -------------------------------------------------------------------------


def _sheet_rows(path: Path, sheet: str) -> list[list]:
    import openpyxl

    ws = openpyxl.load_workbook(path, read_only=True)[sheet]
    return [[v for v in row if v is not None] for row in ws.iter_rows(values_only=True)]


def test_wrong_period_file_shows_in_submissions_findings_and_feedback(small_workspace):
    ws = small_workspace
    form(ws, ws.inbox / "甲区.xlsx")
    form(ws, ws.inbox / "乙县6月报表.xlsx", "110102", period=Period(2025, 5))  # last month's form
    result = run_consolidate(ws, P, now=NOW, workers=1)
    state = {s.district: s for s in result.states}["110102"]
    assert state.status == "退回" and state.file_name == "乙县6月报表.xlsx" and state.errors == 1
    (f,) = [f for f in result.figures.findings if f.district == "110102"]
    assert f.rule == "F-PERIOD-MISMATCH" and "2025年1-5月" in f.message and "2025年1-6月" in f.message
    book = next(p for p in result.outputs if "汇总表" in p.name)
    row = next(r for r in _sheet_rows(book, "报送情况") if "乙县" in r)
    assert "退回" in row and "乙县6月报表.xlsx" in row
    assert any("F-PERIOD-MISMATCH" in r and "乙县" in r for r in _sheet_rows(book, "问题清单"))
    feedback = ws.feedback_dir(P) / "乙县.xlsx"
    assert feedback in result.outputs and feedback.is_file()
    # the file itself is kept under its own period, and a re-run (nothing new) shows the same
    with Ledger(ws) as ledger:
        assert [r.file_name for r in ledger.submissions(period="2025-05")] == ["乙县6月报表.xlsx"]
    again = run_consolidate(ws, P, now=NOW, workers=1)
    assert {s.district: s.status for s in again.states}["110102"] == "退回"


def test_other_period_file_beside_this_periods_file_is_a_note(small_workspace):
    ws = small_workspace
    form(ws, ws.inbox / "甲区6月.xlsx")
    form(ws, ws.inbox / "甲区5月.xlsx", period=Period(2025, 5))
    result = run_consolidate(ws, P, now=NOW, workers=1)
    state = {s.district: s for s in result.states}["110101"]
    assert state.status == ST_PASSED and state.file_name == "甲区6月.xlsx" and state.info == 1
    (f,) = [f for f in result.figures.findings if f.district == "110101"]
    assert f.rule == "F-OTHER-PERIOD" and f.file == "甲区5月.xlsx" and "2025年1-5月" in f.message
