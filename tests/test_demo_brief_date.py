"""The demo's brief of a past period carries a plausible 印发日期, not the day the demo ran (reviewer's item 5:
2024年第1期 was dated today)."""
from __future__ import annotations

import datetime as dt

from helpers import make_small_catalogue

from reporttool.core.models import Period, annual_period
from reporttool.demo.span import brief_date


def test_a_past_period_is_dated_five_days_after_its_deadline():
    s = make_small_catalogue().settings  # 报送截止日 5
    today = dt.date(2026, 12, 1)
    assert brief_date(s, annual_period(2024), today) == dt.date(2025, 1, 10)
    assert brief_date(s, Period(2025, 6, True), today) == dt.date(2025, 7, 10)
    assert brief_date(s, Period(2025, 6), today) == dt.date(2025, 7, 10)
    # a period whose day has not yet come is dated today, as `consolidate` does
    assert brief_date(s, Period(2026, 11), today) is None
