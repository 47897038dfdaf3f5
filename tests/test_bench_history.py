"""bench/history.py: the 18-month round's history is every stored fact of a month, copied per period."""
from __future__ import annotations

import sys
from decimal import Decimal as D
from pathlib import Path

from helpers import ingest, submission

from reporttool.core.models import Period
from reporttool.ledger.store import Ledger

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
from history import earlier_periods, forget_period, seed_history  # noqa: E402

P = Period(2025, 6)
ROSTER = [{"credit_code": "91210000000000000X", "name": "甲", "cluster": "A", "is_scale": "是",
           "revenue": D("12.5"), "revenue_ly": D("10"), "employees": 3}]


def test_earlier_periods_cross_the_year():
    assert earlier_periods(2025, 2, 4) == ["2024-11", "2024-12", "2025-01"]
    assert earlier_periods(2025, 6, 1) == []


def test_seed_history_copies_every_fact_per_period_and_frees_the_source(small_workspace):
    with Ledger(small_workspace) as led:
        for d in ("110101", "110102"):
            ingest(led, submission(d, outputs={("A", "SR"): (D(100), D(90))}, roster=ROSTER))
        before = {r.district: (led.tables(r.id)["roster"].rows[0].values, led.aggregates(r.id),
                               len(led.findings(r.id)))
                  for r in led.current(P.key).values()}
    made = seed_history(small_workspace.ledger, P.key, ["2025-04", "2025-05"])
    assert made == 4
    with Ledger(small_workspace) as led:
        assert led.submissions(period=P.key) == []
        for key in ("2025-04", "2025-05"):
            current = led.current(key)
            assert sorted(current) == ["110101", "110102"]
            for district, rec in current.items():
                assert rec.period == key and rec.sha256.endswith(f"-{key}")
                values, aggregates, n_findings = before[district]
                assert led.tables(rec.id)["roster"].rows[0].values == values
                assert led.aggregates(rec.id) == aggregates
                assert len(led.findings(rec.id)) == n_findings
        # the source month can be ingested again (the bench repeats its last month)
        ingest(led, submission("110101", outputs={("A", "SR"): (D(100), D(90))}, roster=ROSTER))
        assert list(led.current(P.key)) == ["110101"]
    forget_period(small_workspace.ledger, P.key)
    with Ledger(small_workspace) as led:
        assert led.submissions(period=P.key) == [] and len(led.submissions(period="2025-05")) == 2


def _outputs(led: Ledger, period: str) -> dict[str, tuple]:
    rec = led.current(period)["110101"]
    return {r.values["indicator_code"]: (r.values["value"], r.values["value_ly"])
            for r in led.tables(rec.id)["output"].rows}


def test_seeded_months_are_consistent_so_no_history_finding_fires(small_workspace):
    """Copies of 2025-06 made into 2024-06 … 2025-05 grow a flow's 本年累计 along MONTH_WEIGHTS (the first six
    sum to 6) and take last year's from this year's 上年同期: SR 100 (上年同期 90) in 2025-06 becomes
    2025-01 100 × 0.9/6 = 15 (90 × 0.15 = 13.5 → 14), 2025-05 100 × 4.85/6 = 80.83 → 81 (72.75 → 73),
    2024-06 90 (= this year's 上年同期). A non-flow (CZ here) keeps 2025's value and takes 90 in 2024."""
    from reporttool.figures.consistency import checked_versions

    outputs = {("A", "SR"): (D(100), D(90)), ("A", "CZ"): (D("50.5"), D(40))}
    with Ledger(small_workspace) as led:
        ingest(led, submission("110101", outputs=outputs))
    seed_history(small_workspace.ledger, P.key, ["2024-06", "2025-01", "2025-05"], flows={"SR"})
    with Ledger(small_workspace) as led:
        assert _outputs(led, "2025-01") == {"SR": (D(15), D(14)), "CZ": (D("50.5"), D(40))}
        assert _outputs(led, "2025-05") == {"SR": (D(81), D(73)), "CZ": (D("50.5"), D(40))}
        assert _outputs(led, "2024-06") == {"SR": (D(90), D(90)), "CZ": (D(40), D(40))}
        # the month consolidated again: its 上年同期 agrees with what "last year" reported
        ingest(led, submission("110101", outputs=outputs))
        cv = checked_versions(led, small_workspace.catalogue(), P)
        assert [f.rule for f in cv.findings.get("110101", [])] == []
