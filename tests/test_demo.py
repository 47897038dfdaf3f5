"""reporttool demo: seeded, realistic, and its planted problems are exactly what the checks find."""
from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from decimal import Decimal

import openpyxl
import pytest
from click.testing import CliRunner
from stdnum.cn import uscc

from reporttool.cli import main
from reporttool.core.models import Period
from reporttool.core.units import unit_factor
from reporttool.demo.base import (
    CREDIT_CHECK,
    EMPTY_ROSTER,
    EXPLAINED_SWING,
    INV_TOTAL,
    LATE,
    MISSING,
    credit_code,
    org_check_digit,
)
from reporttool.demo.make import make_demo, plan_demo, scaled_catalogue
from reporttool.demo.plan import tier_magnitude
from reporttool.forms import layout as L

PERIOD = Period(2025, 6)


def _hashes(folder) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.glob("*.xlsx"))}


def _table(path, spec: L.SheetSpec) -> list[dict]:
    """Rows of one data sheet as {column title: value}, read independently of reporttool's reader."""
    wb = openpyxl.load_workbook(path, read_only=True)
    try:
        rows = list(wb[spec.name].iter_rows(values_only=True))
    finally:
        wb.close()
    titles = [c.title for c in spec.columns]
    start = next(i for i, r in enumerate(rows)
                 if r and [str(v or "").replace("\n", "") for v in r[:len(titles)]] == titles)
    out = []
    for r in rows[start + 1:]:
        if r[0] is None or (isinstance(r[0], str) and r[0].startswith(L.SIGNOFF_MARKERS)):
            break
        rec = dict(zip(titles, r))
        if any(rec[c.title] not in (None, "") for c in spec.columns if c.kind not in (L.SEQ, L.FIXED)):
            out.append(rec)
    return out


def _by_kind(result) -> dict[str, object]:
    return {p.kind: p for p in result.problems}


# --------------------------------------------------------------------------------------------------
# Credit codes
# --------------------------------------------------------------------------------------------------


def test_org_check_digit_matches_a_real_code():
    # 91110000600037341L (python-stdnum's example): organisation code 60003734-1
    assert org_check_digit("60003734") == "1"
    assert uscc.is_valid("91110000600037341L")


def test_generated_credit_codes_are_valid():
    import random

    rng = random.Random(1)
    for _ in range(500):
        code = credit_code(rng, "211481")
        assert uscc.is_valid(code), code
        assert code.startswith("91211481")
        assert org_check_digit(code[8:16]) == code[16]


# --------------------------------------------------------------------------------------------------
# Files, bytes, problems
# --------------------------------------------------------------------------------------------------


def test_same_seed_same_bytes_other_seed_other_data(small_workspace, tmp_path):
    from helpers import make_small_catalogue

    from reporttool.catalogue.writer import write_catalogue
    from reporttool.workspace import init_workspace

    first = make_demo(small_workspace, PERIOD, seed=7)
    before = _hashes(small_workspace.inbox)
    assert len(before) == len(first.files) == 2  # 3 districts, one planted as missing
    other = init_workspace(tmp_path / "另一个")
    write_catalogue(make_small_catalogue(), other.targets)
    make_demo(other, PERIOD, seed=7)
    assert _hashes(other.inbox) == before
    make_demo(other, PERIOD, seed=8)
    assert _hashes(other.inbox) != before


def test_default_city_demo_is_realistic(workspace):
    result = make_demo(workspace, PERIOD)
    cat = workspace.catalogue()
    problems = _by_kind(result)
    assert set(problems) == {MISSING, LATE, CREDIT_CHECK, INV_TOTAL, EMPTY_ROSTER, EXPLAINED_SWING}
    assert len(result.files) == len(cat.districts) - 1
    assert not any(f.path.name.startswith(problems[MISSING].district_name) for f in result.files)
    deadline = PERIOD.deadline(cat.settings.deadline_day)
    for f in result.files:
        assert f.path.name == f"{f.district_name}_2025年1-6月{cat.settings.programme_name}报表.xlsx"
        assert f.late == (f.district == problems[LATE].district)
        assert (f.received.date() > deadline) == f.late
        assert abs(f.path.stat().st_mtime - f.received.timestamp()) < 1
    bad = []
    names = set()
    for f in result.files:
        roster = _table(f.path, L.ROSTER)
        if f.district == problems[EMPTY_ROSTER].district:
            assert roster == []
            assert _table(f.path, L.PROJECTS) and _table(f.path, L.OUTPUT)
        for r in roster:
            code = r["统一社会信用代码"]
            if not uscc.is_valid(code):
                bad.append((f.district, code))
            assert r["企业名称"].endswith(("有限公司", "有限责任公司", "股份有限公司"))
            names.add(r["企业名称"])
            if r["是否规上"] == "是":  # 规上: annualised revenue at or above the threshold
                assert Decimal(str(r["本年累计营业收入"])) * 12 / PERIOD.month >= cat.settings.scale_threshold
        for p in _table(f.path, L.PROJECTS):
            assert p["项目名称"].endswith("项目")
    assert bad == [(problems[CREDIT_CHECK].district, bad[0][1])]
    assert len(names) > 100


def test_cluster_totals_near_target_times_time_progress(small_workspace):
    """Tolerance: on-plan clusters within the catalogue's 滞后阈值 (5 points) of 时序进度; lagging ones
    more than that below it. Totals are summed from the written files, over the districts that sent one."""
    result = make_demo(small_workspace, PERIOD)
    cat = small_workspace.catalogue()
    sums: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    roster_sums: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for f in result.files:
        for r in _table(f.path, L.OUTPUT):
            if r["本年累计"] is not None:
                sums[(r["集群代码"], r["指标代码"])] += Decimal(str(r["本年累计"]))
        for r in _table(f.path, L.ROSTER):
            roster_sums[(f.district, r["所属集群"])] += Decimal(str(r["本年累计营业收入"]))
        # the roster never exceeds the cluster's reported revenue (roster ≤ total)
        outputs = {(r["所属集群"], r["指标代码"]): r["本年累计"] for r in _table(f.path, L.OUTPUT)}
        for (district, cluster), listed in roster_sums.items():
            if district == f.district:
                assert listed <= Decimal(str(outputs[(cluster, "SR")]))
    threshold = cat.settings.lag_threshold
    checked = 0
    for c in cat.clusters:
        for ind in cat.output_indicators_for(c.code):
            rt = cat.target_for(c.code, ind.code, PERIOD.year)
            if rt is None or rt.value is None or not ind.compare_time:
                continue
            done = sums[(c.code, ind.code)] / unit_factor(ind.form_unit, ind.unit)
            gap = done * 100 / rt.value - PERIOD.time_progress
            if c.code in result.lagging:
                assert gap < -threshold, (c.code, ind.code, gap)
            else:
                assert abs(gap) <= threshold, (c.code, ind.code, gap)
            checked += 1
    assert checked >= 3 and result.lagging


def test_clean_plan_differs_from_planted_only_by_the_problems(small_catalogue):
    clean = {d.district.code: d for d in plan_demo(small_catalogue, PERIOD, plant=False).data}
    planted = plan_demo(small_catalogue, PERIOD, plant=True)
    assert len(clean) == 3 and len(planted.data) == 2
    for d in planted.data:
        c = clean[d.district.code]
        assert [p["name"] for p in d.projects] == [p["name"] for p in c.projects]
        assert d.outputs.keys() == c.outputs.keys()


# --------------------------------------------------------------------------------------------------
# The checks find what was planted (real reader and rules, through the CLI)
# --------------------------------------------------------------------------------------------------


def test_check_finds_exactly_the_planted_problems(workspace):
    result = make_demo(workspace, PERIOD)
    problems = _by_kind(result)
    files = [str(f.path) for f in result.files]
    run = CliRunner().invoke(main, ["-w", str(workspace.root), "check", "--json", "--no-feedback",
                                    "--period", "2025-06", *files])
    assert run.exit_code == 1, run.output
    report = json.loads(run.stdout if hasattr(run, "stdout") else run.output)
    findings = [(f["file"], f["rule"], f["cell"], f["explained"]) for r in report["files"] for f in r["findings"]]
    errors = sorted((f, rule) for f, rule, _, _ in findings if rule != "R-YOY-SWING")
    # nothing else: the rest of the demo data is clean
    assert errors == sorted((problems[k].file, problems[k].rule) for k in (CREDIT_CHECK, INV_TOTAL, EMPTY_ROSTER))
    cells = {(f, rule): cell for f, rule, cell, _ in findings}
    for k in (CREDIT_CHECK, INV_TOTAL):
        assert cells[(problems[k].file, problems[k].rule)] == problems[k].cell != ""
    swings = [x for x in findings if x[1] == "R-YOY-SWING"]
    assert swings and all(f == problems[EXPLAINED_SWING].file and explained for f, _, _, explained in swings)
    assert problems[EXPLAINED_SWING].cell in {cell for _, _, cell, _ in swings}


def test_consolidate_reports_missing_and_late(small_workspace):
    result = make_demo(small_workspace, PERIOD)
    problems = _by_kind(result)
    runner = CliRunner()
    run = runner.invoke(main, ["-q", "-w", str(small_workspace.root), "consolidate", "--period", "2025-06",
                               "--workers", "1"])
    assert run.exit_code == 1, run.output  # planted errors are data problems, not a failed run
    status = runner.invoke(main, ["-w", str(small_workspace.root), "status", "--period", "2025-06", "--json"])
    rows = {r["district"]: r for r in json.loads(status.output)["districts"]}
    assert rows[problems[MISSING].district]["received_at"] in (None, "")
    assert rows[problems[LATE].district]["on_time"] is False
    on_time = [r for code, r in rows.items() if code not in (problems[MISSING].district, problems[LATE].district)]
    assert on_time and all(r["on_time"] for r in on_time)


# --------------------------------------------------------------------------------------------------
# --districts N and the CLI
# --------------------------------------------------------------------------------------------------


def test_scaled_catalogue_scales_summable_targets(small_catalogue):
    big = scaled_catalogue(small_catalogue, 12)
    assert len(big.districts) == 12 and len({d.name for d in big.districts}) == 12
    assert big.target_for("A", "SR", 2025).value == Decimal(400)  # 100 × 12/3
    assert big.target_for("B", "ZB", 2025).value == Decimal(30)  # a ratio is not scaled
    assert any(d.kind == "开发区" for d in big.districts)


def test_cli_demo_districts_rewrites_catalogue(small_workspace):
    runner = CliRunner()
    run = runner.invoke(main, ["-w", str(small_workspace.root), "demo", "--districts", "7", "--enterprises", "30",
                               "--projects", "5", "--seed", "3"])
    assert run.exit_code == 0, run.output
    cat = small_workspace.catalogue()
    assert len(cat.districts) == 7
    files = sorted(small_workspace.inbox.glob("*.xlsx"))
    assert len(files) == 6  # one planted as missing
    assert "未报送" in run.output and "consolidate --period 2025-06" in run.output
    for f in files:
        n = len(_table(f, L.ROSTER))
        assert n in (0, 30) and len(_table(f, L.PROJECTS)) == 5
    run = runner.invoke(main, ["-w", str(small_workspace.root), "demo", "--districts", "7", "--clean", "--seed", "3"])
    assert run.exit_code == 0, run.output
    assert len(list(small_workspace.inbox.glob("*.xlsx"))) == 7 and "注意" not in run.output
    # another seed names other districts: the old files stay untouched and are pointed out
    run = runner.invoke(main, ["-w", str(small_workspace.root), "demo", "--districts", "7", "--seed", "4"])
    assert run.exit_code == 0, run.output
    assert "收件箱中另有 7 个不是本次生成的文件" in run.output


def test_tier_magnitude():
    assert tier_magnitude("千亿级") == 1000 and tier_magnitude("五百亿级") == 500
    assert tier_magnitude("百亿级") == 100 and tier_magnitude("") == 100


@pytest.mark.parametrize("bad", ["0", "-3"])
def test_cli_demo_rejects_bad_counts(small_workspace, bad):
    run = CliRunner().invoke(main, ["-w", str(small_workspace.root), "demo", "--districts", bad])
    assert run.exit_code == 2
