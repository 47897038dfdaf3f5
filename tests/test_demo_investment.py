"""The demo's projects against a programme's plan-years investment target (葫芦岛: 集群投资三年累计400亿元,
2023-2025; issue 11): the earlier plan years' Decembers each show about a year's share, and a project spends at
the year's monthly rate from its start, so a district's 当月 does not jump when a project begins. Bounds are
derived from the planned spreads (docs/demo.md)."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal as D
from pathlib import Path

import pytest

from reporttool.catalogue import load_catalogue
from reporttool.core.models import Period
from reporttool.demo.make import plan_demo, plan_span

REPO = Path(__file__).resolve().parents[1]
LAST = Period(2025, 6)


@pytest.fixture(scope="module")
def default_city():
    return load_catalogue(REPO / "templates" / "targets.xlsx")


def _year_total(data) -> D:
    """本年完成投资 of every project in every district's file, 亿元 (the forms hold 万元)."""
    return sum((D(str(p["done_year"])) for dd in data for p in dd.projects), D(0)) / 10000


def test_the_earlier_plan_years_each_show_their_share(default_city):
    """400亿元 over 2023-2025: the projects' spending before 2025 is 400 ÷ 3 × 2 × 0.95-1.05 (each cluster's
    share), begun in the first quarter of 2023 and spread evenly to January 2025, so 2023's December holds
    10/22-12/24 of it (started in March … January) and 2024's the rest: each at least 0.4545 × 2 × 0.95 = 0.86
    of 400 ÷ 3 = 115亿元. Before, 2023 showed 13.31亿元 beside 144.36亿元 for 2024 (滞后 at 55.4 %)."""
    cat = default_city
    final = plan_demo(cat, LAST, plant=False)
    plan, months = plan_span(cat, LAST, Period(2023, 12), final, enterprises=None, projects=None, seed=2025,
                             plant=False)
    by_key = {p.key: data for p, data in months}
    y2023, y2024 = _year_total(by_key["2023-12"]), _year_total(by_key["2024-12"])
    share = D(400) / 3
    assert y2023 >= share * D("0.86") and y2024 >= share * D("0.86"), (y2023, y2024)
    assert y2023 >= y2024 * D("0.8"), (y2023, y2024)  # never a fraction of the next year's
    so_far = y2023 + y2024 + _year_total(plan.data)
    assert so_far >= D(400) * D("2.5") / 3 * D("0.9"), so_far  # 83.3 % of the time, not 55 %


def test_a_project_spends_at_the_years_monthly_rate_from_its_start(default_city):
    """A project begun this year plans the months from its start (June: 7) and has spent its plan × the months
    since it began ÷ those months × pace (≤ 1.06) × 0.85-1.15: one begun in June has about a month's (KF02's
    investment doubled in June, 6.99 → 13.94亿元, when a project begun that month showed half a year's)."""
    plan = plan_demo(default_city, LAST, plant=False)
    begun = 0
    for dd in plan.data:
        for p in dd.projects:
            start = p["start"]
            if start.year == LAST.year and start <= dt.date(LAST.year, LAST.month, 1):
                months, planned = LAST.month - start.month + 1, 12 - start.month + 1
                top = D(str(p["plan_year"])) * months / planned * D("1.06") * D("1.15") + D("0.01")
                assert D(str(p["done_year"])) <= top, (dd.district.name, p["name"], months, p["done_year"])
                begun += 1
    assert begun  # the default city's demo has projects begun this year
