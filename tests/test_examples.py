"""A full round (template, demo, consolidate, brief) for every catalogue in examples/ and for a
province-shaped test catalogue (issue 11, "Done when"): the outputs speak the plan's level words, units
stay apart, each district's form asks only for its clusters, plan-end targets are shown."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal as D
from pathlib import Path

import pytest
from helpers import docx_xml, make_province_catalogue, target_notes, xlsx_text
from openpyxl import load_workbook

from reporttool.catalogue import load_catalogue
from reporttool.catalogue.writer import write_catalogue
from reporttool.core.models import parse_period
from reporttool.demo.make import make_demo
from reporttool.forms.writer import write_templates
from reporttool.pipeline.consolidate import run_consolidate
from reporttool.workspace import init_workspace

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = sorted(p.parent.name for p in (REPO / "examples").glob("*/targets.xlsx"))
# the month each plan is run for: a year its targets speak of (衡水's plan targets 2024)
PERIODS = {"衡水": "2024-06"}
# words a plan's outputs must never say (the default city's words, wrong for a province or a district)
FOREIGN = {"province": ("全市", "县区", "县（市）区", "本市", "市局"), "襄樊": ("全市", "县区", "县（市）区", "本市", "市局")}


def test_the_examples_are_there():
    assert {"丹东", "衡水", "襄樊"} <= set(EXAMPLES)


def _catalogue(name: str):
    return make_province_catalogue() if name == "province" else load_catalogue(REPO / "examples" / name / "targets.xlsx")


@pytest.fixture(scope="module", params=[*EXAMPLES, "province"])
def round_(request, tmp_path_factory):
    name = request.param
    tmp = tmp_path_factory.mktemp("round")
    ws = init_workspace(tmp / f"{name}工作目录")
    write_catalogue(_catalogue(name), ws.targets)
    cat = ws.catalogue()
    period = parse_period(PERIODS.get(name, "2025-06"))
    forms = write_templates(cat, period, tmp / "forms")
    make_demo(ws, period)
    result = run_consolidate(ws, period, now=dt.datetime(period.year, period.month % 12 + 1, 6, 9, 0))
    return name, ws, cat, period, forms, result


def _texts(ws, forms, result, period) -> dict[str, str]:
    texts = {p.name: xlsx_text(p) for p in forms}
    for p in result.outputs:
        if p.suffix == ".xlsx":
            texts[p.name] = xlsx_text(p)
        elif p.suffix == ".docx":
            texts[p.name] = docx_xml(p)
    for p in (ws.period_dir(period) / "反馈").glob("*.xlsx"):
        texts[p.name] = xlsx_text(p)
    return texts


def test_outputs_speak_the_plans_words(round_):
    name, ws, cat, period, forms, result = round_
    texts = _texts(ws, forms, result, period)
    assert any(n.endswith(".docx") for n in texts) and any("汇总表" in n for n in texts)
    for file, text in texts.items():
        for word in FOREIGN.get(name, ()):
            assert word not in text, f"{name}: {file} says {word}"
    summary = next(t for n, t in texts.items() if "汇总表" in n)
    assert cat.words.by_unit in summary and cat.words.whole in summary


def test_each_district_form_lists_only_its_clusters(round_):
    name, ws, cat, period, forms, result = round_
    for path in forms:
        d = next(x for x in cat.districts if path.name.startswith(x.name + "_"))
        rows = load_workbook(path)["集群产出"].iter_rows(values_only=True)
        listed = {r[1] for r in rows if cat.cluster(str(r[1])) is not None}
        assert listed == {c.code for c in cat.clusters_for(d.code)
                          if cat.output_indicators_for(c.code)}, (name, d.name)


def test_units_and_ratios_add_up(round_):
    name, ws, cat, period, forms, result = round_
    figs = result.figures
    wb = load_workbook(next(p for p in result.outputs if "汇总表" in p.name))
    shown_units = {(r[1], r[2]) for r in wb["总表"].iter_rows(min_row=5, values_only=True) if r[1] and r[2]}
    for f in figs.clusters:
        ind = cat.indicator(f.indicator)
        assert (ind.name, ind.unit) in shown_units or f.value is None
        parts = [d.value for d in figs.districts
                 if (d.cluster, d.indicator) == (f.cluster, f.indicator) and d.value is not None]
        if ind.summable and ind.source != "formula" and parts:
            assert f.value == sum(parts), (name, f.cluster, f.indicator)  # a city figure is its districts' sum
        if not ind.summable and ind.source == "output":
            assert f.value is None  # a reported ratio is never summed


def test_plan_end_targets_are_shown(round_):
    name, ws, cat, period, forms, result = round_
    later = [t for t in cat.targets if t.year > period.year and t.kind != "growth"]
    if not later:
        pytest.skip(f"{name}: no target after {period.year}")
    wb = load_workbook(next(p for p in result.outputs if "汇总表" in p.name))
    notes = "".join(target_notes(wb["总表"]))
    year = max(t.year for t in later)
    assert f"{year}年目标" in notes and "已完成" in notes
    brief = docx_xml(next(p for p in result.outputs if p.suffix == ".docx"))
    assert f"完成{year}年目标" in brief


def test_programme_shares_are_shown(round_):
    name, ws, cat, period, forms, result = round_
    shares = [i for i in cat.programme_indicators() if i.source == "formula" and cat.target_for("", i.code, period.year)]
    if not shares:
        pytest.skip(f"{name}: no programme ratio with a target in {period.year}")
    wb = load_workbook(next(p for p in result.outputs if "汇总表" in p.name))
    rows = {r[1]: r for r in wb["总表"].iter_rows(values_only=True) if r[1]}
    brief = docx_xml(next(p for p in result.outputs if p.suffix == ".docx"))
    for ind in shares:
        f = next(x for x in result.figures.programme if x.indicator == ind.code)
        assert f.value is not None and 0 < f.value < 100  # a share of a whole: the demo's parts stay below it
        assert rows[ind.name][6] == float(cat.target_for("", ind.code, period.year).value)
        assert ind.name in brief


def test_the_demo_is_plausible_for_the_plan(round_):
    """Employees far outnumber enterprises; a part stays below its whole (ratios A/B*100 ≤ 100)."""
    name, _ws, cat, period, _forms, result = round_
    table = cat.unit_table()
    for c in cat.clusters:
        figs = {f.indicator: f for f in result.figures.clusters if f.cluster == c.code and f.value is not None}
        people = [f for code, f in figs.items() if table.get(cat.indicator(code).unit, ("",))[0] == "人数"]
        firms = [f for code, f in figs.items() if cat.indicator(code).unit in ("个", "户", "家")]
        for p in people:
            for n in firms:
                # ten or more a firm, unless the plan's own base says fewer (衡水: 315000人 in 32000个 企业（摊点）)
                base_p = cat.latest_base("", p.indicator, period.year + 1)
                base_n = cat.latest_base("", n.indicator, period.year + 1)
                per_firm = min(D(10), base_p.value / base_n.value * D("0.95")) if base_p and base_n else D(10)
                assert p.value >= per_firm * n.value, (name, c.code, p.indicator, n.indicator)
        for code, f in figs.items():
            ind = cat.indicator(code)
            if ind.source == "formula" and ind.unit == "%" and "/" in ind.formula:
                assert 0 <= f.value <= 100, (name, c.code, code, f.value)


def test_each_cluster_is_reported_by_the_districts_that_host_it(round_):
    """集群.所在县区 as the plan places it (丹东's 东港再生资源 in 东港市, 振安区电气装备 in 振安区; 衡水's clusters
    each in their county; 襄樊's 机电汽配 in the 经济开发区): the demo's districts report a cluster only where
    the catalogue places it, and every placing district that sent its file reports it."""
    name, ws, cat, period, forms, result = round_
    sent = {s.district for s in result.figures.submissions if s.file_name}
    reported = {(f.district, f.cluster) for f in result.figures.districts if f.cluster and f.value is not None}
    for district, cluster in reported:
        assert cat.hosts(cluster, district), (name, district, cluster)
    for c in cat.clusters:
        for district in c.districts:
            if district in sent and cat.output_indicators_for(c.code):
                assert (district, c.code) in reported, (name, c.code, district)


@pytest.mark.parametrize(("example", "cluster", "hosts"), [
    ("丹东", "C03", ("210681",)), ("丹东", "C05", ("210682",)), ("丹东", "C10", ("210604",)),
    ("丹东", "C12", ("210681",)), ("丹东", "C04", ("210604", "210681", "210624")), ("丹东", "C01", ()),
    ("衡水", "AP", ("131125",)), ("衡水", "SZSP", ("131182",)), ("襄樊", "JDQP", ("KF01",)), ("襄樊", "XDWL", ()),
])
def test_the_examples_place_their_clusters_as_the_plans_do(example, cluster, hosts):
    """Where each seed puts a cluster (/work/shared/seeds): a place in the name or the park's district;
    a cluster the plan does not place (汽车及零部件, 现代物流) stays with every district (全部)."""
    cat = load_catalogue(REPO / "examples" / example / "targets.xlsx")
    assert cat.cluster(cluster).districts == hosts
