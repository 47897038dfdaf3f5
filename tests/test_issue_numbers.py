"""The brief's 期号 follows the period (issue 13): an earlier month consolidated after a later one keeps its
place, a re-run keeps its number, and no number is given twice."""
from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from helpers import put

from reporttool.core.models import Period, annual_period
from reporttool.ledger import Ledger
from reporttool.pipeline.consolidate import run_consolidate


def Q(year: int, n: int) -> Period:
    return Period(year, 3 * n, quarterly=True)


@pytest.mark.parametrize("cycle, period, number", [
    ("月", Period(2025, 1), 1), ("月", Period(2025, 6), 6), ("月", Period(2025, 12), 12),
    ("月", Q(2025, 1), 13), ("月", Q(2025, 4), 16), ("月", annual_period(2024), 17),
    ("季", Q(2025, 1), 1), ("季", Q(2025, 3), 3), ("季", annual_period(2025), 5)])
def test_the_number_a_period_asks_for(small_catalogue, cycle, period, number):
    settings = dataclasses.replace(small_catalogue.settings, report_cycle=cycle)
    assert settings.issue_for(period) == number


def test_an_earlier_month_after_a_later_one_keeps_its_place(ledger):
    assert ledger.issue_number("2025-06", 2025, wanted=6) == 6
    assert ledger.issue_number("2025-03", 2025, wanted=3) == 3  # consolidated later, numbered before June
    assert ledger.issue_number("2025-06", 2025, wanted=6) == 6  # a re-run keeps it
    assert ledger.issue_number("2026-06", 2026, wanted=6) == 6  # numbered per year
    # a number already used by another period (a ledger numbered by the old rule): the next free one
    assert ledger.issue_number("2025-Q1", 2025, wanted=3) == 7
    assert ledger.issue_numbers() == {"2025-06": 6, "2025-03": 3, "2026-06": 6, "2025-Q1": 7}


def test_consolidating_march_after_june_gives_march_its_own_number(small_workspace):
    ws = small_workspace
    put(ws, "甲区6月.xlsx", "110101", sr="1000", period=Period(2025, 6), when=dt.datetime(2025, 7, 3, 9))
    put(ws, "甲区3月.xlsx", "110101", sr="500", period=Period(2025, 3), when=dt.datetime(2025, 4, 3, 9))
    assert run_consolidate(ws, Period(2025, 6), now=dt.datetime(2025, 7, 8, 9)).issue_no == 6
    march = run_consolidate(ws, Period(2025, 3), now=dt.datetime(2025, 7, 8, 10))
    assert march.issue_no == 3
    assert (ws.period_dir(Period(2025, 3)) / "产业集群工作简报（2025年第3期）.docx").is_file()
    assert run_consolidate(ws, Period(2025, 6), now=dt.datetime(2025, 7, 9, 9)).issue_no == 6  # stable
    with Ledger(ws) as ledger:
        assert ledger.issue_numbers() == {"2025-06": 6, "2025-03": 3}
