"""Place words in what the tool prints and writes (issues #11/#13, reviewer's item 4): the plan's own level
words (设置 称谓), never a fixed 县区, and counts that say what they count."""
from __future__ import annotations

import dataclasses
from decimal import Decimal as D

from click.testing import CliRunner
from helpers import docx_xml, make_province_catalogue, make_small_catalogue, small_figures

from reporttool.catalogue.writer import write_catalogue
from reporttool.cli import main
from reporttool.core.models import TARGET_INCREASE
from reporttool.core.status import ST_PASSED
from reporttool.figures import roster_gaps
from reporttool.figures.plan import coverage
from reporttool.figures.records import PlanProgressFigure
from reporttool.ledger.aggregates import Sum
from reporttool.render.workbook import roster_gap_note
from reporttool.workspace import init_workspace


def test_demo_consolidate_names_the_web_page_in_the_plans_unit_word(tmp_path):
    ws = init_workspace(tmp_path / "测试省")
    write_catalogue(make_province_catalogue(), ws.targets)  # its submitting units are 设区市
    run = CliRunner().invoke(main, ["-w", str(ws.root), "demo", "--period", "2025-01", "--consolidate"])
    assert run.exit_code == 0, run.output
    assert run.output.rstrip().endswith(f"reporttool -w {ws.root} serve --period 2025-01   （设区市报送网页）")
    assert "县区报送网页" not in run.output
    # the brief of this past month is dated five days after its deadline (demo/span.py brief_date), not today
    brief = next((ws.root / "outbox" / "2025-01").glob("*.docx"))
    assert "2025年2月10日" in docx_xml(brief)


def _hosting_none(cat):
    """The small city with every cluster in 甲区 and 乙县 only: 丙开发区 hosts none (集群.所在县区)."""
    clusters = tuple(dataclasses.replace(c, districts=("110101", "110102")) for c in cat.clusters)
    return dataclasses.replace(cat, clusters=clusters)


def test_a_district_hosting_no_cluster_is_no_roster_gap():
    cat = _hosting_none(make_small_catalogue())
    figs = small_figures()
    # 丙开发区 reported (a form without a 集群企业 row, as it hosts no cluster); 乙县's roster is empty
    figs.submissions = [dataclasses.replace(s, status=ST_PASSED) for s in figs.submissions]
    figs.roster_by_district = [r for r in figs.roster_by_district if r.district != "110102"]
    assert roster_gaps(figs) == ["乙县", "丙开发区"]  # without the catalogue: every counted district
    assert roster_gaps(figs, cat) == ["乙县"]
    assert roster_gap_note(figs, "本表", cat) == [
        "乙县本期企业名录无可汇总的企业（“集群企业”表未填或所填各行均有错误），本表不含该县区的企业。"]


def test_plan_coverage_does_not_miss_the_roster_of_a_district_hosting_no_cluster():
    cat = _hosting_none(make_small_catalogue())
    f = PlanProgressFigure("", "GS", TARGET_INCREASE, 2023, 2025, D(10))
    # 甲区 has a roster figure; 乙县 reported but its roster gives none; 丙开发区 hosts no cluster
    now = {"110101": {("A", "GS"): Sum(D(4))}, "110102": {("A", "SR"): Sum(D(3))}, "KF01": {}}
    coverage(cat, "GS", now, f)
    assert (f.not_reported, f.no_roster, f.covered, f.unjudged) == ((), ("110102",), 2, True)
