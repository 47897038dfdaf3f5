"""The web page over a quarter (issue 13: the quarter's own deadline) and its findings cache, which follows every
period the findings read (a corrected older month refreshes what a later month shows)."""
from __future__ import annotations

import dataclasses

from serve_helpers import BUREAU, A, make_codes, sign_in
from starlette.testclient import TestClient

from reporttool.catalogue.writer import write_catalogue
from reporttool.core.models import Period, annual_period
from reporttool.serve import views
from reporttool.serve.app import create_app

Q2 = Period(2025, 6, quarterly=True)


def test_a_quarter_shows_the_quarterly_forms_deadline(small_workspace):
    ws = small_workspace
    cat = ws.catalogue()
    assert cat.settings.deadline_day == 5  # the monthly deadline would be 2025-07-05
    write_catalogue(dataclasses.replace(cat, settings=dataclasses.replace(cat.settings, quarter_deadline_day=15)),
                    ws.targets)
    codes = make_codes(ws, ws.catalogue())
    app = create_app(ws, Q2)
    with TestClient(app) as c:
        status = c.get("/api/status", headers={"Authorization": f"Bearer {codes[BUREAU]}"}).json()
        assert status["deadline"] == "2025-07-15" and status["period"] == "2025-Q2"
        sign_in(c, codes[A])
        assert "报送截止：2025年7月15日。" in c.get("/district").text
    with TestClient(app) as c:
        sign_in(c, codes[BUREAU])
        assert "截止 2025-07-15。" in c.get("/bureau").text


def test_the_findings_of_a_month_read_its_history_months():
    got = views.finding_periods(Period(2025, 6))
    # itself, May (roster changes), June 2024 (上年同期), then the 25 months before it for 当月 outliers
    assert got[:3] == [Period(2025, 6), Period(2025, 5), Period(2024, 6)]
    assert got[3:] == [Period(2025, 4), Period(2025, 3), Period(2025, 2), Period(2025, 1)] + [
        Period(2024, m) for m in range(12, 6, -1)] + [Period(2024, m) for m in range(5, 0, -1)] + [
        Period(2023, m) for m in range(12, 4, -1)]
    assert len(got) == 3 + 25 - 2  # May 2025 and June 2024 are listed once
    assert views.finding_periods(Period(2025, 6, quarterly=True)) == [
        Period(2025, 6, quarterly=True), Period(2025, 3, quarterly=True), Period(2024, 6, quarterly=True)]
    assert views.finding_periods(annual_period(2024)) == [annual_period(2024), annual_period(2023)]


class _Rec:
    def __init__(self, rid: int) -> None:
        self.id = rid


class _Ledger:
    """What CrossFindings reads of the ledger: the version in use per period."""

    def __init__(self) -> None:
        self.in_use: dict[str, dict[str, _Rec]] = {"2025-06": {A: _Rec(60)}, "2025-03": {A: _Rec(30)}}

    def current(self, period: str) -> dict[str, _Rec]:
        return self.in_use.get(period, {})


def test_a_corrected_march_refreshes_the_findings_shown_for_june(small_catalogue, monkeypatch):
    runs: list[str] = []

    class _CV:
        def __init__(self, n: int) -> None:
            self.findings = {A: [f"run {n}"]}

    def checked(ledger, cat, period):
        runs.append(period.key)
        return _CV(len(runs))

    monkeypatch.setattr("reporttool.figures.consistency.checked_versions", checked)
    cache, ledger = views.CrossFindings(), _Ledger()
    assert cache.of(ledger, small_catalogue, Period(2025, 6)) == {A: ["run 1"]}
    assert cache.of(ledger, small_catalogue, Period(2025, 6)) == {A: ["run 1"]}  # nothing changed: kept
    ledger.in_use["2025-03"] = {A: _Rec(31)}  # March corrected: June's 当月 history changed
    assert cache.of(ledger, small_catalogue, Period(2025, 6)) == {A: ["run 2"]}
    assert runs == ["2025-06", "2025-06"]
