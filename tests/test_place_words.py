"""Place words in what the tool prints and writes (issues #11/#13, reviewer's item 4): the plan's own level
words (设置 称谓), never a fixed 县区, and counts that say what they count."""
from __future__ import annotations

from click.testing import CliRunner
from helpers import make_province_catalogue

from reporttool.catalogue.writer import write_catalogue
from reporttool.cli import main
from reporttool.workspace import init_workspace


def test_demo_consolidate_names_the_web_page_in_the_plans_unit_word(tmp_path):
    ws = init_workspace(tmp_path / "测试省")
    write_catalogue(make_province_catalogue(), ws.targets)  # its submitting units are 设区市
    run = CliRunner().invoke(main, ["-w", str(ws.root), "demo", "--period", "2025-01", "--consolidate"])
    assert run.exit_code == 0, run.output
    assert run.output.rstrip().endswith(f"reporttool -w {ws.root} serve --period 2025-01   （设区市报送网页）")
    assert "县区报送网页" not in run.output
