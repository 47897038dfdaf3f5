"""The year's path (月度走势) of a plan without annual targets (襄樊's plan-end 2027 targets only): each cluster's
main flow month by month, 完成率 “—”, instead of no sheet at all (reviewer's item 3)."""
from __future__ import annotations

import dataclasses
from decimal import Decimal as D

from helpers import MAR, figures_with_months


def _no_annual_targets(cat):
    return dataclasses.replace(cat, targets=())


def test_a_cluster_without_an_annual_target_still_has_its_path(quarter, small_catalogue):
    cat = _no_annual_targets(small_catalogue)
    figs = figures_with_months(quarter, cat, MAR)
    chem = [m for m in figs.months if m.cluster == "A"]
    # 甲区 10 / 25 / 42 亿元 and 乙县 5 / 12 / — of 化工's 营业收入 (tests/conftest.py quarter)
    assert [(m.indicator, m.value, m.month_value, m.completion) for m in chem] == [
        ("SR", D(15), D(15), None), ("SR", D(37), D(22), None), ("SR", D(42), D(17), None)]
