"""Issue 9, CLI: -w/-q after the command, Ctrl-C, check --json on exit 2, one state word per version,
plain messages for OS and SQLite errors (disk full …)."""
from __future__ import annotations

import datetime as dt
import errno
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from decimal import Decimal as D

import pytest
from click.testing import CliRunner
from helpers import ON_TIME, P, credit_code, put

from reporttool.cli import main
from reporttool.core.status import ST_ERRORS, ST_PASSED
from reporttool.ledger import Ledger

PERIOD = ["--period", "2025-06"]


def run(*args, **kw):
    return CliRunner().invoke(main, [str(a) for a in args], **kw)


# ---- -w / -q after the command name -----------------------------------------------------------------


def test_workspace_and_quiet_work_after_the_command_name(small_workspace, tmp_path, monkeypatch):
    ws = small_workspace
    put(ws, "甲区.xlsx", "110101", sr="1000")
    monkeypatch.chdir(tmp_path)  # not a workspace: only -w can point at it
    res = run("consolidate", *PERIOD, "-w", ws.root, "-q")
    assert res.exit_code == 0, res.output
    assert (ws.period_dir(P) / "manifest.json").is_file()
    res = run("status", "--workspace", ws.root, *PERIOD, "--json")
    assert res.exit_code == 0 and json.loads(res.output)["districts"][0]["status"] == ST_PASSED
    # after the command name it wins over the one before it (and over REPORTTOOL_WORKSPACE)
    monkeypatch.setenv("REPORTTOOL_WORKSPACE", str(tmp_path / "没有这个目录"))
    res = run("-w", tmp_path / "也没有", "history", "-w", ws.root, "--json")
    assert res.exit_code == 0 and json.loads(res.output)[0]["file_name"] == "甲区.xlsx"


# ---- Ctrl-C -------------------------------------------------------------------------------------------


def test_ctrl_c_during_consolidate_is_one_line_exit_130_and_leaves_the_outputs(small_workspace, monkeypatch):
    ws = small_workspace
    put(ws, "甲区.xlsx", "110101", sr="1000")
    assert run("-w", ws.root, "consolidate", *PERIOD).exit_code == 0
    before = {p.name: p.read_bytes() for p in ws.period_dir(P).iterdir() if p.is_file()}
    put(ws, "乙县.xlsx", "110102", sr="500")

    def interrupted(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr("reporttool.render.brief.write_brief", interrupted)  # while outputs are staged
    res = run("-w", ws.root, "consolidate", *PERIOD)
    assert res.exit_code == 130
    lines = [x for x in res.output.splitlines() if x.strip()]
    assert len(lines) == 1 and "已中断" in lines[0] and "Traceback" not in res.output
    assert {p.name: p.read_bytes() for p in ws.period_dir(P).iterdir() if p.is_file()} == before
    with Ledger(ws) as ledger:  # the new file is either wholly in the ledger or not at all
        assert len(ledger.submissions(period=P.key)) in (1, 2)
        assert ledger.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_ctrl_c_outside_the_library_call_is_not_clicks_aborted(small_workspace, monkeypatch):
    ws = small_workspace
    put(ws, "甲区.xlsx", "110101", sr="1000")
    run("-w", ws.root, "consolidate", *PERIOD)

    def interrupted(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr("reporttool.cli.ledger_cmds._table", interrupted)  # while printing
    res = run("-w", ws.root, "status", *PERIOD)
    assert res.exit_code == 130 and "已中断" in res.output and "Aborted" not in res.output
    assert "已中止" not in res.output


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX process groups (Windows: CTRL_C_EVENT)")
def test_sigint_to_the_process_group_while_workers_read(small_workspace, tmp_path):
    """A real Ctrl-C: SIGINT to the whole process group (parent and reading workers) while a worker is
    busy. One Chinese line, exit 130, no worker traceback, the ledger consistent, no outputs."""
    ws = small_workspace
    for i, (name, code) in enumerate((("甲区.xlsx", "110101"), ("乙县.xlsx", "110102"), ("丙开发区-卡住.xlsx", "KF01"))):
        put(ws, name, code, sr=str(100 + i), when=ON_TIME + dt.timedelta(minutes=i))  # stored in this order
    env = dict(os.environ, REPORTTOOL_TEST_HANG_ON="卡住", PYTHONIOENCODING="utf-8")
    proc = subprocess.Popen([sys.executable, "-m", "reporttool", "-w", str(ws.root), "consolidate", *PERIOD,
                             "--workers", "2"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env=env, start_new_session=True,
                            # A shell without job control starts background jobs with SIGINT ignored, and
                            # Python keeps ignoring it: give the child the default so Ctrl-C reaches it
                            # however the test suite itself was started.
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:  # wait until the other two files are in the ledger
            if ws.ledger.is_file():
                try:
                    with sqlite3.connect(ws.ledger) as db:
                        if db.execute("SELECT COUNT(*) FROM submissions").fetchone()[0] >= 2:
                            break
                except sqlite3.Error:
                    pass
            assert proc.poll() is None, proc.communicate()
            time.sleep(0.2)
        else:
            pytest.fail("the two readable files were not ingested")
        os.killpg(proc.pid, signal.SIGINT)
        _out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    text = err.decode("utf-8")
    assert proc.returncode == 130, text
    assert "Traceback" not in text and "KeyboardInterrupt" not in text
    assert [x for x in text.splitlines() if x.strip()] == [x for x in text.splitlines() if "已中断" in x]
    assert not (ws.period_dir(P) / "manifest.json").exists()
    with Ledger(ws) as ledger:
        assert sorted(r.file_name for r in ledger.submissions()) == ["乙县.xlsx", "甲区.xlsx"]


# ---- check --json -------------------------------------------------------------------------------------


def test_check_json_prints_a_json_error_object_on_exit_2(small_workspace, tmp_path, monkeypatch):
    f = put(small_workspace, "甲区.xlsx", "110101", sr="1000")
    res = run("-w", tmp_path / "不是工作目录", "check", f, "--json")  # no templates/targets.xlsx
    assert res.exit_code == 2
    data = json.loads(res.stdout)
    assert "工作目录" in data["error"]["message"] and data["files"] == []

    def broken(*a, **k):
        raise RuntimeError("boom")

    monkeypatch.setattr("reporttool.cli.check_cmd.check_files", broken)
    res = run("-w", small_workspace.root, "check", f, "--json")
    assert res.exit_code == 2
    assert "程序内部错误（RuntimeError）" in json.loads(res.stdout)["error"]["message"]
    res = run("-w", small_workspace.root, "check", "--json")  # no file given
    assert res.exit_code == 2 and "请指定" in json.loads(res.stdout)["error"]["message"]


# ---- one state word -------------------------------------------------------------------------------------


def test_history_status_and_manifest_say_the_same_state_word(small_workspace):
    """A cross finding (the same enterprise in two districts) makes the later file 有错: history said 通过."""
    ws = small_workspace
    same = [{"credit_code": credit_code(7), "name": "同一企业", "cluster": "A", "is_scale": "否", "revenue": D(1)}]
    put(ws, "甲区.xlsx", "110101", sr="1000", roster=same)
    put(ws, "乙县.xlsx", "110102", sr="500", roster=same, when=ON_TIME + dt.timedelta(hours=1))
    res = run("-w", ws.root, "consolidate", *PERIOD)
    assert res.exit_code == 1
    status = {d["name"]: d["status"] for d in json.loads(run("-w", ws.root, "status", *PERIOD, "--json").output)["districts"]}
    assert status["乙县"] == ST_ERRORS
    history = {h["name"]: h["status"] for h in json.loads(run("-w", ws.root, "history", "--json").output)}
    assert history == {"甲区": status["甲区"], "乙县": ST_ERRORS}
    assert "有错" in run("-w", ws.root, "history", "--district", "乙县").output
    manifest = json.loads((ws.period_dir(P) / "manifest.json").read_text(encoding="utf-8"))
    assert {i["file_name"]: i["status"] for i in manifest["inputs"]} == {"甲区.xlsx": status["甲区"],
                                                                       "乙县.xlsx": ST_ERRORS}


def test_consolidate_state_and_check_state_are_one_function():
    import inspect

    from reporttool.figures import compute

    assert "file_status" in inspect.getsource(compute.state_of)


# ---- disk full and other OS errors ----------------------------------------------------------------------


def test_disk_full_during_the_ledger_write_names_the_cause(small_workspace, monkeypatch):
    ws = small_workspace
    put(ws, "甲区.xlsx", "110101", sr="1000")

    def full(self, *a, **k):
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(Ledger, "_insert_prepared", full)
    res = run("-w", ws.root, "consolidate", *PERIOD)
    assert res.exit_code == 2
    assert "磁盘空间已满" in res.output and "程序内部错误" not in res.output and "OperationalError" not in res.output
    with Ledger(ws) as ledger:  # the transaction was rolled back
        assert ledger.submissions() == []


@pytest.mark.parametrize("code, cause", [(errno.ENOSPC, "磁盘空间已满"), (errno.EROFS, "只读"),
                                         (errno.ENAMETOOLONG, "过长"), (errno.EACCES, "权限")])
def test_os_errors_while_writing_outputs_name_the_cause(small_workspace, monkeypatch, code, cause):
    ws = small_workspace
    put(ws, "甲区.xlsx", "110101", sr="1000")
    assert run("-w", ws.root, "consolidate", *PERIOD).exit_code == 0
    before = {p.name: p.read_bytes() for p in ws.period_dir(P).iterdir() if p.is_file()}
    put(ws, "乙县.xlsx", "110102", sr="500")

    def fail(*a, **k):
        raise OSError(code, os.strerror(code), str(ws.period_dir(P) / "x.xlsx"))

    monkeypatch.setattr("reporttool.render.workbook.write_consolidated", fail)
    res = run("-w", ws.root, "consolidate", *PERIOD)
    assert res.exit_code == 2 and cause in res.output and "程序内部错误" not in res.output
    assert {p.name: p.read_bytes() for p in ws.period_dir(P).iterdir() if p.is_file()} == before


def test_the_message_names_the_cause_for_an_unknown_sqlite_code():
    from reporttool.core.errors import os_error_message, sqlite_error_message

    assert "磁盘读写出错" in sqlite_error_message(sqlite3.OperationalError("disk I/O error"))
    assert "路径或文件名过长" in os_error_message(OSError(errno.ENAMETOOLONG, "File name too long", "x"))


def test_check_json_on_an_invalid_catalogue_lists_its_problems(small_workspace, monkeypatch):
    from reporttool.catalogue import CatalogueInvalid
    from reporttool.catalogue.model import Problem
    from reporttool.workspace import Workspace

    f = put(small_workspace, "甲区.xlsx", "110101", sr="1000")

    def invalid(self):
        raise CatalogueInvalid(str(self.targets), [Problem("集群", 3, "缺少集群名称")])

    monkeypatch.setattr(Workspace, "catalogue", invalid)
    res = run("-w", small_workspace.root, "check", f, "--json")
    assert res.exit_code == 2
    assert json.loads(res.stdout)["error"]["details"] == ["“集群”表第3行：缺少集群名称"]
