"""The history of figures across periods (figures/history.py): each district's sums of any month, from the
stored aggregates of that month's versions in use, kept per period and recomputed when a version changes.

A Jan/Feb/Mar ledger is built in code (tests/test_figures.py builders); every expected number is worked out
from the inputs written in the test.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest
from helpers import ingest, submission

from reporttool.core.models import Period
from reporttool.figures import history
from reporttool.figures.compute import compute_figures
from reporttool.figures.history import district_sums, month_before, series, sums_stamp
from reporttool.ledger import Ledger
from reporttool.ledger.aggregates import Sum

JAN, FEB, MAR, APR = (Period(2025, m) for m in (1, 2, 3, 4))
A, B = "110101", "110102"  # 甲区, 乙县


def at(period: Period, day: int = 3) -> dt.datetime:
    """Received on ``day`` of the month after ``period``."""
    return dt.datetime(period.year, period.month + 1, day, 10, 0)


@pytest.fixture
def ledger(small_workspace):
    with Ledger(small_workspace) as led:
        yield led


def month(ledger, period, district, sr, *, gd=None, tag="", day=3, roster=()):
    """One district's version of a month: cluster A 营业收入 ``sr`` 万元 (上年同期 sr − 10), optionally B 高端
    装备营业收入 ``gd``."""
    outputs = {("A", "SR"): (D(sr), D(sr) - 10)}
    if gd is not None:
        outputs[("B", "GD")] = (D(gd), None)
    return ingest(ledger, submission(district, outputs=outputs, period=period, tag=tag, roster=roster),
                  received=at(period, day))


@pytest.fixture
def quarter(ledger):
    """甲区 Jan 100 / Feb 250 / Mar 420 万元, 乙县 Jan 50 / Feb 120 (no March)."""
    month(ledger, JAN, A, "100", gd="10")
    month(ledger, FEB, A, "250", gd="30")
    month(ledger, MAR, A, "420", gd="55")
    month(ledger, JAN, B, "50")
    month(ledger, FEB, B, "120")
    return ledger


def sr(sums, district):
    return sums[district][("A", "SR")].value


def test_a_months_sums_per_district_in_the_display_unit(quarter, small_catalogue):
    feb = district_sums(quarter, small_catalogue, FEB)
    assert set(feb) == {A, B}  # 丙开发区 sent nothing
    assert sr(feb, A) == D("0.025")  # 250 万元 = 0.025 亿元
    assert sr(feb, B) == D("0.012")
    assert feb[A][("A", "SR")].last_year == D("0.024")  # 240 万元
    assert feb[A][("B", "GD")].value == D("0.003")
    assert feb[B][("B", "GD")] == Sum()  # not reported: no value, not 0
    assert set(district_sums(quarter, small_catalogue, MAR)) == {A}
    assert district_sums(quarter, small_catalogue, APR) == {}


def test_the_sums_are_those_the_consolidation_of_that_month_uses(quarter, small_catalogue):
    for p in (JAN, FEB, MAR):
        assert district_sums(quarter, small_catalogue, p) == \
            compute_figures(quarter, small_catalogue, p).district_sums


def test_series_is_january_to_this_month(quarter, small_catalogue):
    got = series(quarter, small_catalogue, APR)
    assert [p for p, _ in got] == [JAN, FEB, MAR, APR]
    assert [sr(s, A) if A in s else None for _, s in got] == [D("0.01"), D("0.025"), D("0.042"), None]
    assert [p.key for p, _ in series(quarter, small_catalogue, Period(2025, 6, quarterly=True))] == \
        ["2025-Q1", "2025-Q2"]


def test_month_before_crosses_the_year():
    assert month_before(JAN) == Period(2024, 12)
    assert month_before(MAR) == FEB
    assert month_before(Period(2025, 3, quarterly=True)) == Period(2024, 12, quarterly=True)


def test_stored_sums_are_read_back_without_touching_rows(quarter, small_catalogue, monkeypatch):
    first = district_sums(quarter, small_catalogue, FEB)
    assert quarter.period_sums(FEB.key)[0] == sums_stamp(quarter, small_catalogue, FEB)

    def no(*a, **k):
        raise AssertionError("rows or aggregates read for a stored period")

    monkeypatch.setattr(history, "_compute", no)
    monkeypatch.setattr(Ledger, "tables", no)
    monkeypatch.setattr(Ledger, "aggregates", no)
    monkeypatch.setattr(Ledger, "credit_codes", no)
    assert district_sums(quarter, small_catalogue, FEB) == first


def test_computing_a_month_reads_only_its_output_rows_and_the_month_before(quarter, small_catalogue, monkeypatch):
    read: list[tuple[int, tuple]] = []
    tables = Ledger.tables

    def spy(self, sid, keys=None):
        read.append((self.submission(sid).period, keys))
        return tables(self, sid, keys)

    monkeypatch.setattr(Ledger, "tables", spy)
    district_sums(quarter, small_catalogue, MAR)
    assert read and all(keys == ("output",) for _, keys in read)  # never the roster's or projects' rows
    assert {p for p, _ in read} == {"2025-03", "2025-02"}  # R-YTD-FALL compares with February


def test_a_new_version_of_a_month_changes_its_sums(quarter, small_catalogue):
    assert sr(district_sums(quarter, small_catalogue, FEB), A) == D("0.025")
    month(quarter, FEB, A, "260", gd="30", tag="更正", day=4)  # 甲区 corrects February
    assert sr(district_sums(quarter, small_catalogue, FEB), A) == D("0.026")


def test_a_restored_version_changes_the_sums_back(quarter, small_catalogue):
    old = quarter.current(FEB.key)[A].id
    month(quarter, FEB, A, "260", gd="30", tag="更正", day=4)
    assert sr(district_sums(quarter, small_catalogue, FEB), A) == D("0.026")
    quarter.restore(FEB.key, A, old)
    assert sr(district_sums(quarter, small_catalogue, FEB), A) == D("0.025")


def test_a_changed_month_before_reapplies_the_fall_rule(quarter, small_catalogue):
    """R-YTD-FALL of March depends on February: a February sent again above March's value takes March's row
    out (error, not counted), as consolidating March would."""
    assert sr(district_sums(quarter, small_catalogue, MAR), A) == D("0.042")
    month(quarter, FEB, A, "450", gd="30", tag="更正", day=4)  # now March's 420 < February's 450
    mar = district_sums(quarter, small_catalogue, MAR)
    assert mar[A][("A", "SR")] == Sum()
    assert mar[A][("B", "GD")].value == D("0.0055")  # GD did not fall: still counted


def test_a_changed_catalogue_recomputes(quarter, small_catalogue):
    import dataclasses

    district_sums(quarter, small_catalogue, FEB)
    wan = dataclasses.replace(small_catalogue, indicators=tuple(
        dataclasses.replace(i, unit="万元") if i.code == "SR" else i for i in small_catalogue.indicators), _index={})
    assert sr(district_sums(quarter, wan, FEB), A) == D("250")  # shown in 万元 now


def test_a_double_counted_enterprise_is_counted_once_in_history(ledger, small_catalogue):
    """R-DUP-ACROSS applies to history as to the month consolidated: the later district's row is left out."""
    code = "91110000MA00000001"

    def row(n):
        return {"credit_code": code, "name": "甲化工", "cluster": "A", "is_scale": "是", "revenue": D(n)}

    for d, day in ((A, 3), (B, 4)):
        ingest(ledger, submission(d, outputs={("A", "SR"): (D(5), None)}, period=FEB, roster=[row(7)]),
               received=at(FEB, day))
    feb = district_sums(ledger, small_catalogue, FEB)
    assert feb[A][("A", "GS")].value == D(1)
    assert feb[B][("A", "GS")].value is None  # 乙县's only row is the double count: no enterprise left
    assert feb == compute_figures(ledger, small_catalogue, FEB).district_sums


def test_consolidate_stores_the_months_sums(small_workspace):
    from helpers import NOW, P, put

    from reporttool.pipeline.consolidate import run_consolidate

    ws = small_workspace
    put(ws, "甲区.xlsx", "110101", sr="1234.56", sr_ly="1000")
    result = run_consolidate(ws, P, now=NOW)
    with Ledger(ws) as ledger:
        stamp, _ = ledger.period_sums(P.key)
        assert stamp == sums_stamp(ledger, ws.catalogue(), P)
        assert district_sums(ledger, ws.catalogue(), P) == result.figures.district_sums

