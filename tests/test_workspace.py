"""Workspaces, `reporttool init`, `reporttool targets`, and the CLI's handling of a broken catalogue."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from reporttool.cli import main
from reporttool.core.errors import WorkspaceError
from reporttool.core.files import atomic_path
from reporttool.core.models import Period, parse_period
from reporttool.workspace import init_workspace, open_workspace

REPO = Path(__file__).resolve().parents[1]


def test_init_creates_a_workspace_from_the_embedded_default(tmp_path):
    ws = init_workspace(tmp_path / "葫芦岛2025")
    assert ws.targets.read_bytes() == (REPO / "templates" / "targets.xlsx").read_bytes()
    for d in (ws.inbox, ws.outbox, ws.archive):
        assert d.is_dir()
    assert open_workspace(ws.root).catalogue().settings.city == "葫芦岛市"


def test_init_refuses_to_overwrite(tmp_path):
    ws = init_workspace(tmp_path / "ws")
    ws.targets.write_bytes(b"edited by the bureau")
    with pytest.raises(WorkspaceError, match="覆盖"):
        init_workspace(ws.root)
    assert ws.targets.read_bytes() == b"edited by the bureau"
    other = tmp_path / "有文件的目录"
    other.mkdir()
    (other / "报表.xlsx").write_bytes(b"x")
    with pytest.raises(WorkspaceError) as exc:
        init_workspace(other)
    assert str(exc.value) == f"{other} 已存在且不是空目录，为避免覆盖已停止。请换一个新目录名。"


def test_repository_root_is_a_workspace():
    ws = open_workspace(REPO)
    assert len(ws.catalogue().clusters) == 8


def test_open_workspace_explains_what_is_missing(tmp_path):
    with pytest.raises(WorkspaceError, match="targets.xlsx"):
        open_workspace(tmp_path)


def test_atomic_path_leaves_old_file_on_failure(tmp_path):
    dest = tmp_path / "汇总表.xlsx"
    dest.write_bytes(b"old")
    with pytest.raises(RuntimeError), atomic_path(dest) as tmp:
        tmp.write_bytes(b"half")
        raise RuntimeError("crash")
    assert dest.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["汇总表.xlsx"]
    with atomic_path(dest) as tmp:
        tmp.write_bytes(b"new")
    assert dest.read_bytes() == b"new"


@pytest.mark.parametrize("text,key", [("2025-06", "2025-06"), ("202506", "2025-06"), ("2025年6月", "2025-06"),
                                      ("2025年1-6月", "2025-06"), ("2025-Q2", "2025-Q2"), ("２０２５－０６", "2025-06")])
def test_parse_period(text, key):
    assert parse_period(text).key == key


def test_period_facts():
    p = Period(2025, 6)
    assert p.label == "2025年1-6月"
    assert p.time_progress == 50
    assert p.previous() == Period(2025, 5)
    assert Period(2025, 1).previous() is None
    assert p.deadline(5).isoformat() == "2025-07-05"
    assert Period(2025, 12).deadline(5).isoformat() == "2026-01-05"
    with pytest.raises(ValueError, match="报告期"):
        parse_period("2025-13")


# ---- CLI -------------------------------------------------------------------------------------------

def test_cli_init_and_targets(tmp_path):
    runner = CliRunner()
    dest = tmp_path / "新工作目录"
    result = runner.invoke(main, ["init", str(dest)])
    assert result.exit_code == 0, result.output
    assert "已新建工作目录" in result.output
    again = runner.invoke(main, ["init", str(dest)])
    assert again.exit_code == 2 and "覆盖" in again.output and "Traceback" not in again.output

    result = runner.invoke(main, ["-w", str(dest), "targets", "--year", "2024", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    hg = next(r for r in data["targets"] if r["indicator"] == "工业总产值" and r["cluster"].startswith("基础化工"))
    assert hg["derived"] is True and hg["target"] == "547.17亿元"
    text = runner.invoke(main, ["-w", str(dest), "targets", "--year", "2025"]).output
    assert "580亿元" in text and "（推算）" not in text.split("580亿元")[0].splitlines()[-1]


def test_workspace_from_environment(tmp_path, monkeypatch):
    ws = init_workspace(tmp_path / "env-ws")
    monkeypatch.setenv("REPORTTOOL_WORKSPACE", str(ws.root))
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["targets"])
    assert result.exit_code == 0 and "葫芦岛市" in result.output


def test_broken_catalogue_gives_one_line_per_problem_and_exit_2(tmp_path):
    ws = init_workspace(tmp_path / "ws")
    wb = load_workbook(ws.targets)
    wb["目标"]["A3"] = "不存在的集群"
    wb["指标"]["E3"] = "随便"
    wb.save(ws.targets)
    result = CliRunner().invoke(main, ["-w", str(ws.root), "targets"])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    lines = [ln for ln in result.output.splitlines() if ln.strip().startswith("- ")]
    assert any("“目标”表第3行" in ln and "不存在的集群" in ln for ln in lines), result.output
    assert any("“指标”表第3行" in ln and "来源" in ln for ln in lines), result.output


def test_not_a_workspace_message(tmp_path):
    result = CliRunner().invoke(main, ["-w", str(tmp_path / "nowhere"), "targets"])
    assert result.exit_code == 2 and "不是 reporttool 工作目录" in result.output


def test_library_never_imports_click():
    import subprocess
    import sys

    pkg = REPO / "reporttool"
    modules = sorted(
        "reporttool." + ".".join(p.relative_to(pkg).with_suffix("").parts).removesuffix(".__init__")
        for p in pkg.rglob("*.py")
        if "cli" not in p.relative_to(pkg).parts and p.name != "__main__.py")
    code = ("import importlib, sys\n"
            f"for name in {modules!r}:\n"
            "    importlib.import_module(name.removesuffix('.'))\n"
            "print('click' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=os.environ)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"
