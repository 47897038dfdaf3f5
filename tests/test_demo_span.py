"""demo --from: a span of consistent months (issue 13 item 7). 本年累计 rises month by month, 上年同期 is what
the district reported a year earlier, rosters are stable but for a few enterprises that come and go, and the
three planted history problems are exactly what differs from history in the last month. Values are compared
with hand-computed ones (medians, robust scores, ratios) from the planned months, not from reporttool."""
from __future__ import annotations

import statistics
from decimal import Decimal as D
from pathlib import Path

import pytest
from click.testing import CliRunner

from reporttool.catalogue import load_catalogue
from reporttool.cli import main
from reporttool.core.models import Period
from reporttool.demo.base import EMPTY_ROSTER, EXPLAINED_SWING, LY_REVISED, MONTH_SPIKE, ROSTER_GONE
from reporttool.demo.make import plan_demo, plan_span
from reporttool.demo.plan import is_flow

REPO = Path(__file__).resolve().parents[1]
LAST, FIRST = Period(2025, 6), Period(2024, 1)


@pytest.fixture(scope="module")
def span():
    cat = load_catalogue(REPO / "templates" / "targets.xlsx")
    final = plan_demo(cat, LAST, plant=True)
    plan, months = plan_span(cat, LAST, FIRST, final, enterprises=None, projects=None, seed=2025, plant=True)
    by_month = {p.key: {dd.district.code: dd for dd in data} for p, data in months}
    by_month[LAST.key] = {dd.district.code: dd for dd in plan.data}
    return cat, plan, by_month


def _problem(plan, kind):
    return next(p for p in plan.problems if p.kind == kind)


def _flows(cat, dd):
    return [k for k, v in dd.outputs.items() if isinstance(v.get("value"), D) and cat.indicator(k[1]).summable
            and is_flow(cat.indicator(k[1]))]


def _key_of(cat, dd, problem):
    """The output row of a planted problem, from its 序号 (the cell is located after writing)."""
    from reporttool.demo.rows import output_seq

    seq = int(problem.cell.split(":")[0])
    return next(k for k in dd.outputs if output_seq(cat, dd, k) == seq)


def test_every_month_of_the_span_is_planned(span):
    cat, plan, by_month = span
    assert len(by_month) == 18  # 2024-01 .. 2025-06
    for key, districts in by_month.items():
        if key != LAST.key:  # every district sends every earlier month (one is missing only in the last)
            assert set(districts) == {d.code for d in cat.districts}, key


def test_year_to_date_rises_month_by_month_within_each_year(span):
    cat, plan, by_month = span
    keys = sorted(by_month)
    checked = 0
    for d in cat.districts:
        for a, b in zip(keys, keys[1:]):
            if a[:4] != b[:4] or d.code not in by_month[b]:
                continue
            before, after = by_month[a][d.code], by_month[b][d.code]
            for k in _flows(cat, before):
                if k in after.outputs and after.outputs[k].get("value") is not None:
                    assert after.outputs[k]["value"] > before.outputs[k]["value"], (d.name, k, a, b)
                    checked += 1
    assert checked > 500


def test_last_years_figures_are_this_years_same_period(span):
    """上年同期 of each 2025 month is the 本年累计 the district reported for that month of 2024: equal, or
    revised by at most 2 % on a few rows; only the planted revision goes beyond 5 %."""
    cat, plan, by_month = span
    revised = _problem(plan, LY_REVISED)
    revised_key = _key_of(cat, by_month[LAST.key][revised.district], revised)
    equal = small = 0
    for m in range(1, LAST.month + 1):
        this, last_year = by_month[f"2025-{m:02d}"], by_month[f"2024-{m:02d}"]
        for code, dd in this.items():
            for k, v in dd.outputs.items():
                before = last_year[code].outputs.get(k, {}).get("value")
                if v.get("value_ly") is None or before is None or not isinstance(before, D):
                    continue
                change = abs(D(str(v["value_ly"])) / before - 1)
                if m == LAST.month and (code, k) == (revised.district, revised_key):
                    assert change > D("0.1")
                    continue
                assert change <= D("0.02"), (code, k, m, v["value_ly"], before)
                equal += change == 0
                small += change > 0
    assert equal > 300 and small > 0


def test_rosters_are_mostly_stable(span):
    cat, plan, by_month = span
    keys = sorted(by_month)
    came = went = 0
    empty = _problem(plan, EMPTY_ROSTER).district
    for a, b in zip(keys, keys[1:]):
        for code, dd in by_month[b].items():
            if b == LAST.key and code == empty:
                continue
            now = {r["credit_code"][:17] for r in dd.roster}
            before = {r["credit_code"][:17] for r in by_month[a][code].roster}
            assert len(now - before) + len(before - now) <= 3, (code, a, b)
            came += len(now - before)
            went += len(before - now)
            for r in dd.roster:  # an enterprise that joins says so in its 说明
                if r["credit_code"][:17] in now - before and a[:4] == b[:4]:
                    assert r.get("note"), r
    assert came and went


def _monthly(series: list[D], periods: list[str]) -> list[D]:
    """当月 = 本年累计 − last month's; January's is the 本年累计."""
    return [v if p.endswith("-01") else v - series[i - 1] for i, (v, p) in enumerate(zip(series, periods)) if i > 0
            or p.endswith("-01")]


def test_the_planted_spike_is_far_outside_the_districts_months_and_nothing_else_is(span):
    cat, plan, by_month = span
    spike = _problem(plan, MONTH_SPIKE)
    keys = sorted(by_month)
    flagged = []
    for code in by_month[LAST.key]:
        for k in _flows(cat, by_month[LAST.key][code]):
            series = [by_month[p][code].outputs[k]["value"] for p in keys if k in by_month[p][code].outputs]
            if len(series) != len(keys):
                continue
            months = _monthly(series, keys)
            history, now = months[:-1], months[-1]
            med = statistics.median(history)
            mad = statistics.median(abs(x - med) for x in history)
            if mad and abs(D("0.6745") * (now - med) / mad) > D("3.5"):
                flagged.append((code, k))
    assert flagged == [(spike.district, _key_of(cat, by_month[LAST.key][spike.district], spike))]


def test_the_planted_enterprise_is_the_only_one_gone_since_last_month(span):
    cat, plan, by_month = span
    gone = _problem(plan, ROSTER_GONE)
    empty = _problem(plan, EMPTY_ROSTER).district
    missing = {d.code for d in cat.districts} - set(by_month[LAST.key])
    lost = {}
    for code, dd in by_month["2025-05"].items():
        if code in missing or code == empty:
            continue
        now = {r["credit_code"][:17] for r in by_month[LAST.key][code].roster}
        lost[code] = [r["name"] for r in dd.roster if r["credit_code"][:17] not in now]
    assert {c: n for c, n in lost.items() if n} == {gone.district: [gone.detail.split("（")[0]]}


def test_the_explained_swing_is_carried_into_the_earlier_months(span):
    cat, plan, by_month = span
    swing = _problem(plan, EXPLAINED_SWING)
    dd = by_month[LAST.key][swing.district]
    noted = [k for k, v in dd.outputs.items() if v.get("note") and k[0] != "全部"]
    for m in range(1, LAST.month):
        earlier = by_month[f"2025-{m:02d}"][swing.district]
        assert all(earlier.outputs[k].get("note") for k in noted)


def test_cli_demo_from_writes_the_months_and_imports_them(small_workspace):
    runner = CliRunner()
    run = runner.invoke(main, ["-w", str(small_workspace.root), "demo", "--period", "2025-03", "--from", "2024-10"])
    assert run.exit_code == 0, run.output
    folder = small_workspace.root / "往期报表"
    assert sorted(p.name for p in folder.iterdir()) == ["2024-10", "2024-11", "2024-12", "2025-01", "2025-02"]
    assert len(list(folder.glob("*/*.xlsx"))) == 15  # 3 districts × 5 months
    assert "导入 15 个" in run.output and "2024-10 至 2025-02" in run.output
    status = runner.invoke(main, ["-w", str(small_workspace.root), "status", "--period", "2024-12"])
    assert status.output.count("导入") >= 3, status.output
    again = runner.invoke(main, ["-w", str(small_workspace.root), "demo", "--period", "2025-03", "--from", "2024-10"])
    assert again.exit_code == 0 and "已有 15 个" in again.output  # the same bytes: nothing imported twice


@pytest.mark.parametrize("bad", ["2025-06", "2025-09"])
def test_cli_demo_from_must_be_an_earlier_month(small_workspace, bad):
    run = CliRunner().invoke(main, ["-w", str(small_workspace.root), "demo", "--period", "2025-06", "--from", bad])
    assert run.exit_code == 2 and "--from 应为早于 2025-06 的月份" in run.output


def test_new_scale_enterprises_over_the_plan_years_follow_the_programme_target():
    """葫芦岛: 三年新增规上企业100户 (2023-2025, base 2022): with the span from 2022-12, the rosters of May 2025
    list about 100 × 29/36 ≈ 81 more 规上 enterprises than those of December 2022."""
    cat = load_catalogue(REPO / "templates" / "targets.xlsx")
    target = next(t for t in cat.targets if t.kind == "increase")
    final = plan_demo(cat, LAST, plant=True)
    _plan, months = plan_span(cat, LAST, Period(2022, 12), final, enterprises=None, projects=None, seed=2025,
                              plant=True)
    by_month = {p.key: data for p, data in months}
    scale = {k: sum(r["is_scale"] == "是" for dd in by_month[k] for r in dd.roster) for k in ("2022-12", "2025-05")}
    expected = target.value * (2025 * 12 + 4 - (2022 * 12 + 11)) / 36
    assert expected * D("0.85") <= scale["2025-05"] - scale["2022-12"] <= expected * D("1.2"), (scale, expected)


HISTORY_RULES = ("R-LY-REVISED", "R-MONTH-OUTLIER", "R-ROSTER-GONE", "R-ROSTER-NEW", "R-ROSTER-RECODED")


def test_the_history_checks_find_exactly_the_planted_history_problems(workspace):
    """The whole way: demo --from writes and imports 17 months, consolidate runs the history checks on June.
    Each planted history problem is found where it was planted, and there is no other history finding."""
    from reporttool.demo.make import make_demo
    from reporttool.figures.consistency import checked_versions
    from reporttool.ledger import Ledger
    from reporttool.pipeline.consolidate import run_consolidate

    result = make_demo(workspace, LAST, since=FIRST)
    assert result.imported is not None and result.imported.count("导入") == len(result.history) == 17 * 9
    run_consolidate(workspace, LAST, workers=1)
    cat = workspace.catalogue()
    with Ledger(workspace) as ledger:
        cv = checked_versions(ledger, cat, LAST)
    found = [(d, f.rule, f.cell) for d, fs in cv.findings.items() for f in fs if f.rule in HISTORY_RULES]
    planted = {p.kind: p for p in result.problems}
    for kind in (LY_REVISED, MONTH_SPIKE):
        p = planted[kind]
        assert (p.district, p.rule, p.cell) in found, (kind, found)
    assert (planted[ROSTER_GONE].district, "R-ROSTER-GONE") in {(d, r) for d, r, _ in found}
    # the empty roster is R-ROSTER-EMPTY's alone, the enterprise under a wrong check digit is found by its name
    # (R-CREDIT-CHECK says it): neither is reported "gone" again
    others = [(d, r, c) for d, r, c in found
              if (d, r, c) not in {(p.district, p.rule, p.cell) for p in result.problems}
              and not (d == planted[ROSTER_GONE].district and r == "R-ROSTER-GONE")]
    assert others == []
