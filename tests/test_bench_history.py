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
