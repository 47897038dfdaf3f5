"""The brief's editable template (templates/brief.docx), its chart, and `reporttool brief`."""
from __future__ import annotations

import copy
import dataclasses
from pathlib import Path

import docx
import pytest
from click.testing import CliRunner
from helpers import make_small_catalogue, small_figures, texts
from helpers import small_brief as _small_brief

from reporttool.cli import main
from reporttool.core.errors import ReportToolError
from reporttool.core.models import Period
from reporttool.render import prose
from reporttool.render.brief import write_brief
from reporttool.render.brief_template import build_template

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
    with pytest.raises(ReportToolError, match="不完整的占位符"):
        write_brief(small_figures(), make_small_catalogue(), dest, issue_no=1, template=bad)
    assert dest.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".~tmp")] == []


# ---- chart ---------------------------------------------------------------------------------------------


def test_chart_without_a_cjk_font_warns_and_still_draws(tmp_path, monkeypatch):
    from reporttool.render import chart

    monkeypatch.setattr(chart, "find_cjk_font", lambda *a, **k: None)
    block = prose.chart_block(small_figures(), make_small_catalogue())
    with pytest.warns(chart.NoCJKFontWarning):
        png = chart.completion_chart(block, tmp_path / "c.png", cache_dir=tmp_path / "cache")
    assert png.read_bytes()[:4] == b"\x89PNG"


def test_an_identical_chart_is_reused_not_redrawn(tmp_path, monkeypatch):
    from reporttool.render import chart

    block = prose.chart_block(small_figures(), make_small_catalogue())
    first = chart.completion_chart(block, tmp_path / "a.png", cache_dir=tmp_path / "cache").read_bytes()

    def no_drawing(*args, **kwargs):
        raise AssertionError("drawn again")

    monkeypatch.setattr(chart, "build_figure", no_drawing)
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
    assert "第6期" in res.output  # --issue 4 was a one-off: June's own 期号 (Settings.issue_for)


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




# ---- layout details: masthead, properties, 续表, units -------------------------------------------------


def test_long_bulletin_name_shrinks_to_stay_on_one_line(tmp_path):
    from docx.oxml.ns import qn

    from reporttool.render.docx_profile import DEFAULT_PROFILE as P

    cat = make_small_catalogue()
    long_name = "葫芦岛市重点产业集群发展工作调度简报"  # 18 characters: 初号 would take two lines
    cat = dataclasses.replace(cat, settings=dataclasses.replace(cat.settings, bulletin_name=long_name))
    dest = write_brief(small_figures(), cat, tmp_path / "b.docx", issue_no=1)
    mast = next(p for p in docx.Document(str(dest)).paragraphs if p.text == long_name)
    size = [int(r._r.rPr.find(qn("w:sz")).get(qn("w:val"))) / 2 for r in mast.runs]
    assert size and max(size) < float(P.masthead_size_pt)
    assert max(size) * len(long_name) <= float(P.text_width_pt)  # one line of the 156 mm block
    assert min(size) >= float(P.masthead_min_size_pt)
    short = write_brief(small_figures(), make_small_catalogue(), tmp_path / "s.docx", issue_no=1)
    first = docx.Document(str(short)).paragraphs[0]
    assert first.runs[0]._r.rPr.find(qn("w:sz")).get(qn("w:val")) == "84"  # a short name keeps 初号


def test_document_properties_are_the_issuing_units_and_now(tmp_path):
    import datetime as dt
    import zipfile

    cat = make_small_catalogue()
    now = dt.datetime(2025, 7, 8, 9, 30, tzinfo=dt.timezone.utc)
    dest = write_brief(small_figures(), cat, tmp_path / "b.docx", issue_no=2, now=now)
    props = docx.Document(str(dest)).core_properties
    assert props.author == props.last_modified_by == cat.settings.issuing_unit
    assert props.created.replace(tzinfo=None) == props.modified.replace(tzinfo=None) == dt.datetime(2025, 7, 8, 9, 30)
    assert props.language == "zh-CN"
    with zipfile.ZipFile(dest) as z:
        names = z.namelist()
        assert not [n for n in names if "thumbnail" in n]  # python-docx's US-Letter thumbnail is gone
        app = z.read("docProps/app.xml").decode("utf-8")
        assert "Macintosh" not in app and "<Application>reporttool</Application>" in app
        for name in names:
            if name.endswith(".xml"):
                assert b"ja-JP" not in z.read(name), name
    # without ``now``: created is the time of writing, not python-docx's 2013
    plain = docx.Document(str(write_brief(small_figures(), cat, tmp_path / "c.docx", issue_no=2))).core_properties
    assert abs(plain.created.replace(tzinfo=None) - dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)) \
        < dt.timedelta(minutes=5)


def test_table_cells_never_break_inside_a_unit():
    from reporttool.render.brief import _column_widths, _wrap_cell
    from reporttool.render.docx_profile import DEFAULT_PROFILE as P

    width = _column_widths(7, P)[1]
    for name in ("农产品深加工产业总产值（亿元）", "战略性新兴产业增加值占地区生产总值比重（%）", "清洁能源装机容量（万千瓦）",
                 "工业总产值（亿元）"):
        lines = _wrap_cell(name, width, P)
        assert "".join(lines) == name
        unit = name[name.rindex("（"):]
        assert any(line.endswith(unit) for line in lines), lines  # the unit whole on one line
    assert _wrap_cell("工业总产值（亿元）", width, P) == ["工业总产值（亿元）"]


def test_a_bracket_wider_than_its_column_is_broken_where_it_would_overflow():
    """Review 4 defect 5: “55（2025年）” in the 年度目标 column (about 4.3 ems) was counted as two lines,
    “55” and a whole “（2025年）” (5 ems), which the renderer wrapped into a third line that the row clipped."""
    from decimal import Decimal as D

    from reporttool.render.brief import _column_widths, _wrap_cell, wrap_text
    from reporttool.render.docx_profile import DEFAULT_PROFILE as P

    # digits ½ em, brackets and 年 1 em: 5 + 5 + （ + 2025 = 4.0 ems fit 4.3; 年） go on
    assert wrap_text("55（2025年）", D("4.3")) == ["55（2025", "年）"]
    assert wrap_text("55（2025年）", D("5")) == ["55", "（2025年）"]  # fits whole on its own line: kept whole
    width = _column_widths(7, P)[4]  # 年度目标, 23 mm: 5.7 ems of 5号, room for a whole “（2025年）”
    assert _wrap_cell("267.00（2025年）", width, P) == ["267.00", "（2025年）"]


def test_pagination_keeps_a_cluster_together_and_leaves_room_at_the_end():
    from decimal import Decimal as D

    from reporttool.render.brief import _paginate

    labels = ["A"] * 3 + ["B"] * 4 + ["C"] * 2
    heights = [D(10)] * 9
    # B (40) does not fit after A (30) in 60: it starts the next page whole
    assert _paginate(labels, heights, D(60), D(60), D(0)) == [3, 6]
    # the last page keeps 25 free: rows move on so the reserve fits under them
    assert _paginate(labels, heights, D(60), D(60), D(25)) == [3, 3, 3]
    # a group longer than a page is split
    assert _paginate(["X"] * 9, heights, D(40), D(40), D(0)) == [4, 4, 1]


def test_long_table_continues_with_xubiao_and_the_header_again(tmp_path):
    from helpers import default_figures

    from reporttool.render.brief import write_brief

    cat, figs = default_figures()
    dest = write_brief(figs, cat, tmp_path / "b.docx", issue_no=1)
    doc = docx.Document(str(dest))
    paras = [p.text for p in doc.paragraphs]
    parts = doc.tables
    assert len(parts) >= 2
    assert paras.count("续表") == len(parts) - 1
    header = [c.text for c in parts[0].rows[0].cells]
    for part in parts[1:]:
        assert [c.text for c in part.rows[0].cells] == header  # the header row again on each page
        assert part.rows[1].cells[0].text  # the cluster's name again at the top of a continued part


# ---- chart ---------------------------------------------------------------------------------------------


def _chart_block(n: int):
    from decimal import Decimal as D

    names = ["基础化工和精细化工", "有色冶金", "海洋渔业（食品农产品深加工）", "船舶机械", "清洁能源", "泳装"]
    items = []
    for i in range(n):
        value = D("49.6") if i % 5 == 0 else D(30 + (i * 7) % 40) + D("0.3")
        items.append(prose.ChartItem(f"{names[i % len(names)]}{i + 1}", "海洋渔业集群总产值", value,
                                     f"{value:.1f}", lagging=value < 45))
    return prose.ChartBlock("图1", items, D(50), "50")


def _boxes(fig, texts):
    renderer = fig.canvas.get_renderer()
    return [t.get_window_extent(renderer) for t in texts if t.get_text()]


def test_chart_scales_to_30_clusters_without_overlapping_labels():
    from reporttool.render import chart
    from reporttool.render.docx_profile import DEFAULT_PROFILE as P

    small, big = chart.build_figure(_chart_block(6)), chart.build_figure(_chart_block(30))
    assert big.get_figheight() > small.get_figheight() * 2  # taller with more clusters
    assert big.get_figheight() * 25.4 <= float(P.chart_max_height_mm) + 0.01
    assert big.get_figwidth() * 25.4 == pytest.approx(float(P.chart_width_mm))  # placed at 100 %: pt are pt
    for fig in (small, big):
        fig.canvas.draw()
        ax = fig.axes[0]
        ticks = _boxes(fig, ax.get_yticklabels())
        values = _boxes(fig, ax.texts)
        assert len(values) == len(ax.patches)
        for group in (ticks, values):
            for a, b in zip(group, group[1:]):
                assert not a.overlaps(b), (a, b)
        # no value label is crossed by the 时序进度 line
        line_x = ax.transData.transform((50, 0))[0]
        for box in values:
            assert not (box.x0 - 1 <= line_x <= box.x1 + 1), box
        for text in fig.findobj(lambda o: hasattr(o, "get_fontsize") and hasattr(o, "get_text")):
            if text.get_text():
                assert text.get_fontsize() >= 9, text.get_text()


def test_chart_reads_in_black_and_white_with_a_legend():
    from reporttool.render import chart

    fig = chart.build_figure(_chart_block(6))
    ax = fig.axes[0]
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert chart.LAGGING_LEGEND in legend and chart.OTHER_LEGEND in legend and "时序进度（50%）" in legend
    hatched = [bar.get_hatch() for bar in ax.patches]
    lagging = [item.lagging for item in reversed(_chart_block(6).items)]
    assert [bool(h) for h in hatched] == lagging  # 滞后 bars hatched (not only red), others solid


# ---- --pdf ---------------------------------------------------------------------------------------------


def test_pdf_without_libreoffice_says_so_in_chinese_and_the_run_succeeds(small_workspace, monkeypatch):
    from reporttool.ledger import Ledger
    from reporttool.render import pdf

    Ledger(small_workspace).close()
    monkeypatch.setattr(pdf, "find_office", lambda *a, **k: None)
    res = CliRunner().invoke(main, ["-w", str(small_workspace.root), "brief", "--period", "2025-06", "--pdf"])
    assert res.exit_code == 0, res.output
    assert "未找到 LibreOffice" in res.output and "另存为 PDF" in res.output
    folder = small_workspace.period_dir(Period(2025, 6))
    assert list(folder.glob("*.docx")) and not list(folder.glob("*.pdf"))


def test_a_failing_conversion_is_reported_not_raised(tmp_path):
    import os
    import sys

    from reporttool.render import pdf

    if os.name != "posix":
        pytest.skip("the fake LibreOffice is a shell script")
    fake = tmp_path / "soffice"
    fake.write_text("#!/bin/sh\necho 'Error: source file could not be loaded' >&2\nexit 1\n", encoding="utf-8")
    fake.chmod(0o755)
    src = tmp_path / "简报.docx"
    src.write_bytes(b"x")
    result = pdf.to_pdf([src], office=str(fake))
    assert result.written == () and result.failed[0][0] == src
    assert "LibreOffice 转换失败" in result.messages[0] and "简报.docx" in result.messages[0]
    assert not (tmp_path / "简报.pdf").exists()
    assert sys.executable  # the run goes on: nothing was raised
    missing = pdf.to_pdf([src], office=str(tmp_path / "nowhere" / "soffice"))
    assert missing.failed and "无法启动" in missing.failed[0][1]
