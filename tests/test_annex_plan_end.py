"""表1 (the brief's annex) with a plan-end target only (襄樊's 2027 targets): the target shown with its year and
the share reached, not “—” beside a text that cites it (reviewer's item 3)."""
from __future__ import annotations

from decimal import Decimal as D

from helpers import make_small_catalogue, small_figures

from reporttool.core.models import TARGET_ANNUAL
from reporttool.figures import OtherTargetFigure
from reporttool.render.prose import indicator_table


def test_a_plan_end_target_is_shown_with_its_year():
    cat = make_small_catalogue()
    figs = small_figures()
    f = figs.cluster_figure("A", "SR")
    f.target, f.completion, f.gap, f.status = None, None, None, None
    f.others = [OtherTargetFigure(TARGET_ANNUAL, 2027, D(300), progress=D("14.4"))]
    table = indicator_table(figs, cat)
    row = next(r for r in table.rows if r[0] == "化工" and r[1] == "营业收入（亿元）")
    assert row[4:] == ["300.00（2027年）", "14.4", "—"]
    assert table.note.startswith("注：本表列出有目标值的指标")
    assert "目标后注年份的为规划期末目标（本年无年度目标），其完成率为本年累计占该目标的比例，不与时序进度比较。" in table.note
