"""What the CLI prints itself is Chinese, and nothing unexpected ever reaches the user as a traceback."""
from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner

from reporttool.cli import main, workspace_cmds


def test_help_is_chinese():
    out = CliRunner().invoke(main, ["--help"]).output
    assert "用法：" in out and "选项" in out and "命令" in out
    assert "Usage:" not in out and "Show this message" not in out and "[OPTIONS]" not in out


def test_usage_errors_are_chinese():
    runner = CliRunner()
    r = runner.invoke(main, ["consolidte"])
    assert r.exit_code == 2
    assert "错误：没有命令 'consolidte'" in r.output and "consolidate" in r.output
    assert "Error" not in r.output and "No such command" not in r.output
    r = runner.invoke(main, ["init"])
    assert r.exit_code == 2 and "缺少参数" in r.output


def test_unexpected_error_is_a_chinese_line_and_a_log_file(monkeypatch, tmp_path):
    def boom(path):
        raise RuntimeError("simulated bug")

    monkeypatch.setattr(workspace_cmds, "init_workspace", boom)
    r = CliRunner().invoke(main, ["init", str(tmp_path / "ws")])
    assert r.exit_code == 2
    assert "程序内部错误（RuntimeError）" in r.output and "Traceback" not in r.output
    log = Path(re.search(r"已写入 (\S+\.log)", r.output).group(1))
    assert "simulated bug" in log.read_text(encoding="utf-8")
    log.unlink()
