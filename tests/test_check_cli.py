"""`reporttool check`: exit codes 0/1/2, terminal text, --json shape, feedback workbooks, bad paths."""
from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal as D
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from reporttool.cli import main
from reporttool.core.models import Period
from reporttool.forms.writer import write_template

PERIOD = Period(2025, 6)
GOOD = "91110000600037341L"


def _clean(cat, dest: Path, district="110101") -> Path:
    return write_template(cat, district, PERIOD, dest,
                          roster=[{"credit_code": GOOD, "name": "甲公司", "cluster": "化工产业集群", "is_scale": "是",
                                   "revenue": D(5000), "employees": 10}],
                          projects=[{"name": "项目", "cluster": "化工", "nature": "新建", "status": "在建",
                                     "total": D(100), "done_year": D(50), "start": dt.date(2025, 1, 1)}],
                          outputs={("A", "SR"): {"value": D(100000), "value_ly": D(95000)}})


def _faulty(cat, dest: Path, district="110102") -> Path:
    return write_template(cat, district, PERIOD, dest,
                          roster=[{"credit_code": GOOD[:-1] + "X", "name": "乙公司", "cluster": "化工", "is_scale": "是",
                                   "revenue": D(5000)}],
                          outputs={("A", "SR"): {"value": D(100000), "value_ly": D(50000)}})


def _verify_only(cat, dest: Path, district="KF01") -> Path:
    return write_template(cat, district, PERIOD, dest,
                          roster=[{"credit_code": GOOD, "name": "丙公司", "cluster": "化工", "is_scale": "是",
                                   "revenue": D(5000)}],
                          outputs={("A", "SR"): {"value": D(100000), "value_ly": D(50000)}})


def invoke(ws, *args):
    return CliRunner().invoke(main, ["-w", str(ws.root), "-q", "check", *args])


def test_clean_file_exit_0_and_no_feedback(small_workspace, small_catalogue):
    src = _clean(small_catalogue, small_workspace.inbox / "甲区.xlsx")
    r = invoke(small_workspace, str(src))
    assert r.exit_code == 0, r.output
    assert "通过" in r.stdout and "错误 0 项，核实 0 项（已说明 0 项），提示 0 项" in r.stdout
    assert "Traceback" not in r.output
    assert not small_workspace.feedback_dir(PERIOD).exists()


def test_verify_only_is_exit_0_with_feedback(small_workspace, small_catalogue):
    src = _verify_only(small_catalogue, small_workspace.inbox / "丙.xlsx")
    r = invoke(small_workspace, str(src))
    assert r.exit_code == 0, r.output
    assert "待核实" in r.stdout and "核实 1 项" in r.stdout
    assert (small_workspace.feedback_dir(PERIOD) / "丙开发区.xlsx").is_file()


def test_errors_exit_1_terminal_and_default_feedback(small_workspace, small_catalogue):
    src = _faulty(small_catalogue, small_workspace.inbox / "乙县报表.xlsx")
    before = src.read_bytes()
    r = invoke(small_workspace, str(src))
    assert r.exit_code == 1, r.output
    out = r.stdout
    assert "乙县报表.xlsx（乙县，2025年1-6月）：有错" in out
    assert "错误 1 项，核实 1 项（已说明 0 项），提示 0 项" in out
    assert "【集群企业】" in out and "B7（统一社会信用代码）：" in out and "校验位不正确" in out
    assert "【集群产出】" in out and "同比增长100.0%" in out
    assert out.strip().splitlines()[-1].startswith("共审核 1 个文件")
    fb = small_workspace.feedback_dir(PERIOD) / "乙县.xlsx"
    assert fb.is_file() and str(fb) in out
    assert openpyxl.load_workbook(fb).sheetnames[0] == "问题清单"
    assert src.read_bytes() == before


def test_json_shape(small_workspace, small_catalogue, tmp_path):
    a = _clean(small_catalogue, small_workspace.inbox / "甲区.xlsx")
    b = _faulty(small_catalogue, small_workspace.inbox / "乙县.xlsx")
    r = invoke(small_workspace, "--json", "--feedback", str(tmp_path / "fb"), str(a), str(b))
    assert r.exit_code == 1, r.output
    data = json.loads(r.stdout)
    assert [f["file"] for f in data["files"]] == ["甲区.xlsx", "乙县.xlsx"]
    first, second = data["files"]
    assert set(first) >= {"file", "district", "status", "counts", "findings"}
    assert (first["district"], first["status"], first["findings"]) == ("110101", "通过", [])
    assert first["counts"] == {"error": 0, "verify": 0, "explained": 0, "info": 0}
    assert (second["district"], second["status"]) == ("110102", "有错")
    assert second["counts"]["error"] == 1 and second["counts"]["verify"] == 1
    rules = {f["rule"] for f in second["findings"]}
    assert rules == {"R-CREDIT-CHECK", "R-YOY-SWING"}
    f = next(f for f in second["findings"] if f["rule"] == "R-CREDIT-CHECK")
    assert (f["sheet"], f["cell"], f["column"], f["severity_label"]) == ("集群企业", "B7", "统一社会信用代码", "错误")
    assert "\\u" not in r.stdout  # ensure_ascii=False
    assert second["feedback"] == str(tmp_path / "fb" / "乙县.xlsx") and Path(second["feedback"]).is_file()


def test_refused_file_exit_2(small_workspace, tmp_path):
    bad = tmp_path / "假报表.xlsx"
    bad.write_text("这不是工作簿", encoding="utf-8")
    r = invoke(small_workspace, "--json", str(bad))
    assert r.exit_code == 2, r.output
    (entry,) = json.loads(r.stdout)["files"]
    assert entry["status"] == "退回" and entry["findings"][0]["rule"] == "F-NOT-XLSX"
    assert entry["feedback"] and openpyxl.load_workbook(entry["feedback"]).sheetnames == ["问题清单"]


def test_wrong_period_is_refused(small_workspace, small_catalogue):
    src = _clean(small_catalogue, small_workspace.inbox / "甲区.xlsx")
    r = invoke(small_workspace, "--period", "2025-05", "--no-feedback", str(src))
    assert r.exit_code == 2 and "退回" in r.stdout and "报告期" in r.stdout
    assert not small_workspace.outbox.joinpath("2025-05").exists()


@pytest.mark.parametrize("make, words", [
    (lambda d: d / "没有这个文件.xlsx", "文件不存在"),
    (lambda d: d, "是文件夹"),
])
def test_bad_paths_give_chinese_messages(small_workspace, tmp_path, make, words):
    r = invoke(small_workspace, str(make(tmp_path)))
    assert r.exit_code == 2
    assert words in r.stderr and "Traceback" not in r.output


def test_call_errors_exit_2(small_workspace, tmp_path):
    r = invoke(small_workspace)
    assert r.exit_code == 2 and "请指定要审核的报表文件" in r.stderr
    r = invoke(small_workspace, "--feedback", str(tmp_path), "--no-feedback", "x.xlsx")
    assert r.exit_code == 2 and "不能同时使用" in r.stderr
    r = CliRunner().invoke(main, ["-w", str(tmp_path / "无此目录"), "check", "x.xlsx"])
    assert r.exit_code == 2 and "工作目录" in r.stderr and "Traceback" not in r.output


def test_no_feedback(small_workspace, small_catalogue):
    src = _faulty(small_catalogue, small_workspace.inbox / "乙县.xlsx")
    r = invoke(small_workspace, "--no-feedback", str(src))
    assert r.exit_code == 1 and "反馈表" not in r.stdout
    assert not small_workspace.feedback_dir(PERIOD).exists()


def test_checking_many_files_writes_no_progress_lines_when_not_a_terminal(small_workspace, small_catalogue):
    files = [_clean(small_catalogue, small_workspace.inbox / "甲区.xlsx"),
             _faulty(small_catalogue, small_workspace.inbox / "乙县.xlsx"),
             _verify_only(small_catalogue, small_workspace.inbox / "丙.xlsx")]
    r = CliRunner().invoke(main, ["-w", str(small_workspace.root), "check", "--no-feedback", *map(str, files)])
    assert r.exit_code == 1, r.output  # 乙县 has an error
    assert "\r" not in r.output and "读取" not in r.stderr
    assert "共审核 3 个文件" in r.stdout
