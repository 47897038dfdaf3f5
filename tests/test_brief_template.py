"""The brief's editable template (templates/brief.docx), its chart, and `reporttool brief`."""
from __future__ import annotations

import copy
import dataclasses
from pathlib import Path

import docx
import pytest
from click.testing import CliRunner

from reporttool.cli import main
from reporttool.errors import ReportToolError
from reporttool.models import Period
from reporttool.render import prose
from reporttool.render.brief import write_brief
from reporttool.render.brief_template import build_template
from sample_figures import small_figures
from brief_helpers import small_brief as _small_brief, texts


# ---- the template --------------------------------------------------------------------------------------


def _edit_template(src: Path, dest: Path, replace: dict[str, str]) -> Path:
    doc = docx.Document(str(src))
    for para in doc.paragraphs:
        for run in para.runs:
            for old, new in replace.items():
                if old in run.text:
                    run.text = run.text.replace(old, new)
    doc.save(str(dest))
    return dest


def test_editing_the_template_changes_the_output_without_code(tmp_path):
    src = build_template(tmp_path / "brief.docx")
    edited = _edit_template(src, tmp_path / "edited.docx",
                            {"{{简报名称}}": "集群调度专报", "报：{{报}}": "报：省工业和信息化厅"})
    text = _small_brief(tmp_path, small_figures(), template=edited)
    lines = text.splitlines()
    assert lines[0] == "集群调度专报"
    assert "报：省工业和信息化厅" in lines
    assert "送：各牵头单位" in lines  # still from the settings


def test_empty_setting_drops_its_closing_line(tmp_path):
    from conftest import make_small_catalogue

    cat = make_small_catalogue()
    cat = dataclasses.replace(cat, settings=dataclasses.replace(cat.settings, send_to="", copies=0))
    text = _small_brief(tmp_path, small_figures(), cat=cat)
    assert "送：" not in text and "共印" not in text
    assert "报：市领导" in text and "发：各县区" in text


def test_bad_placeholder_gives_a_named_chinese_error(tmp_path):
    src = build_template(tmp_path / "brief.docx")
    bad = _edit_template(src, tmp_path / "bad.docx", {"{{编发单位}}": "{{编发单微}}"})
    with pytest.raises(ReportToolError) as exc:
        _small_brief(tmp_path, small_figures(), template=bad)
    msg = str(exc.value)
    assert "{{编发单微}}" in msg and "无法识别" in msg and "编发单位" in msg


def test_missing_body_marker_is_reported(tmp_path):
    src = build_template(tmp_path / "brief.docx")
    bad = _edit_template(src, tmp_path / "bad.docx", {"{{正文}}": "正文"})
    with pytest.raises(ReportToolError, match="缺少占位符“{{正文}}”"):
        _small_brief(tmp_path, small_figures(), template=bad)


def test_not_a_docx_template(tmp_path):
    bad = tmp_path / "brief.docx"
    bad.write_bytes(b"not a zip")
    with pytest.raises(ReportToolError, match="无法打开"):
        _small_brief(tmp_path, small_figures(), template=bad)


def test_placeholder_split_across_runs_is_filled(tmp_path):
    src = build_template(tmp_path / "brief.docx")
    doc = docx.Document(str(src))
    para = next(p for p in doc.paragraphs if "{{简报名称}}" in p.text)
    run = para.runs[0]
    run.text = "{{简报"
    extra = copy.deepcopy(run._r)
    run._r.addnext(extra)
    para.runs[1].text = "名称}}"
    doc.save(str(tmp_path / "split.docx"))
    text = _small_brief(tmp_path, small_figures(), template=tmp_path / "split.docx")
    assert text.splitlines()[0] == "产业集群工作简报"


def test_shipped_template_matches_the_builder(tmp_path):
    shipped = Path(__file__).resolve().parents[1] / "templates" / "brief.docx"
    built = build_template(tmp_path / "brief.docx")
    assert [p.text for p in docx.Document(str(shipped)).paragraphs] == \
        [p.text for p in docx.Document(str(built)).paragraphs]


def test_write_is_atomic_on_a_bad_template(tmp_path):
    dest = tmp_path / "out.docx"
    dest.write_bytes(b"old")
    src = build_template(tmp_path / "brief.docx")
    bad = _edit_template(src, tmp_path / "bad.docx", {"{{期号}}": "{{期号"})
    from conftest import make_small_catalogue

    with pytest.raises(ReportToolError, match="不完整的占位符"):
        write_brief(small_figures(), make_small_catalogue(), dest, issue_no=1, template=bad)
    assert dest.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".~tmp")] == []


# ---- chart ---------------------------------------------------------------------------------------------


def test_chart_without_a_cjk_font_warns_and_still_draws(tmp_path, monkeypatch):
    from reporttool.render import chart
    from conftest import make_small_catalogue

    monkeypatch.setattr(chart, "find_cjk_font", lambda *a, **k: None)
    block = prose.chart_block(small_figures(), make_small_catalogue())
    with pytest.warns(chart.NoCJKFontWarning):
        png = chart.completion_chart(block, tmp_path / "c.png", cache_dir=tmp_path / "cache")
    assert png.read_bytes()[:4] == b"\x89PNG"


def test_an_identical_chart_is_reused_not_redrawn(tmp_path, monkeypatch):
    from reporttool.render import chart
    from conftest import make_small_catalogue

    block = prose.chart_block(small_figures(), make_small_catalogue())
    first = chart.completion_chart(block, tmp_path / "a.png", cache_dir=tmp_path / "cache").read_bytes()

    def no_drawing(*args, **kwargs):
        raise AssertionError("drawn again")

    monkeypatch.setattr(chart, "_draw", no_drawing)
    assert chart.completion_chart(block, tmp_path / "b.png", cache_dir=tmp_path / "cache").read_bytes() == first
    # a different figure is a different chart
    block.items[0].completion_text = "99.9"
    with pytest.raises(AssertionError, match="drawn again"):
        chart.completion_chart(block, tmp_path / "c.png", cache_dir=tmp_path / "cache")


# ---- CLI -----------------------------------------------------------------------------------------------


def test_cli_brief_from_the_ledger(small_workspace):
    from reporttool.ledger import Ledger

    Ledger(small_workspace).close()  # an empty ledger: nothing received yet
    runner = CliRunner()
    res = runner.invoke(main, ["-w", str(small_workspace.root), "brief", "--period", "2025-06", "--issue", "4",
                               "--date", "2025-07-08"])
    assert res.exit_code == 0, res.output
    out = small_workspace.period_dir(Period(2025, 6)) / "产业集群工作简报（2025年第4期）.docx"
    assert out.is_file()
    lines = texts(out)
    assert "第4期" in lines and any(t.endswith("2025年7月8日") for t in lines)
    assert any("未报送本期数据" in t for t in lines)
    res = runner.invoke(main, ["-w", str(small_workspace.root), "brief", "--period", "2025-06"])
    assert res.exit_code == 0, res.output
    assert "第1期" in res.output


def test_cli_brief_without_ledger_and_bad_date(small_workspace):
    runner = CliRunner()
    res = runner.invoke(main, ["-w", str(small_workspace.root), "brief", "--period", "2025-06"])
    assert res.exit_code == 2
    assert "consolidate" in res.output and "Traceback" not in res.output
    res = runner.invoke(main, ["-w", str(small_workspace.root), "brief", "--period", "2025-06", "--date", "7月8日"])
    assert res.exit_code == 2 and "2025-07-08" in res.output


def test_cli_brief_bad_template_is_a_chinese_message(small_workspace):
    from reporttool.ledger import Ledger

    Ledger(small_workspace).close()
    _edit_template(small_workspace.brief_template, small_workspace.brief_template, {"{{日期}}": "{{日起}}"})
    res = CliRunner().invoke(main, ["-w", str(small_workspace.root), "brief", "--period", "2025-06"])
    assert res.exit_code == 2
    assert "{{日起}}" in res.output and "Traceback" not in res.output


