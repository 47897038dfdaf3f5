"""Quarters and years from what the ledger holds (docs/consolidation.md “季度和年度”).

A quarter's (or a year's) figures are year-to-date figures: 2025-Q2 is 1-6月, 2025 is 1-12月. They are
built from the forms already in the ledger: a district's own quarterly (or annual) form where the plan
reports that way, else its form of the period's last month (June for 2025-Q2). This module says which
ledger periods back a period, which version of each district is used, which months are missing, and
how the outputs word where the figures come from (“根据各县区1-6月报表汇总”).
"""
from __future__ import annotations

from reporttool.core.models import Period, parse_period
from reporttool.ledger import Ledger, SubmissionRecord

__all__ = ["source_keys", "in_span", "versions_in_use", "months", "missing_months", "basis_text"]


def source_keys(period: Period) -> tuple[str, ...]:
    """The ledger periods whose forms can stand for ``period``, preferred first: a month is itself; a
    quarter is its quarterly form, then the form of its last month; a year is an annual form, then the
    fourth quarter's, then December's."""
    if period.annual:
        return (period.key, Period(period.year, 12, True).key, Period(period.year, 12).key)
    if period.quarterly:
        return (period.key, period.month_end().key)
    return (period.key,)


def in_span(period: Period, key: str) -> bool:
    """A form of ledger period ``key`` belongs to a run of ``period``: one of its source keys, or (for a
    quarter or a year) any month or quarter of the same year up to its end (those feed 当季, 按时报送 and
    the 县区考核; they are not “another period's file”)."""
    if key in source_keys(period):
        return True
    if period.monthly:
        return False
    try:
        p = parse_period(key)
    except ValueError:
        return False
    return not p.annual and p.year == period.year and p.month <= period.month


def versions_in_use(ledger: Ledger, period: Period) -> dict[str, SubmissionRecord]:
    """District -> the version in use for ``period``: of the source keys (preferred first) the first whose
    version in use is readable, else the first refused one (so a district whose only files were refused
    shows 退回)."""
    out: dict[str, SubmissionRecord] = {}
    for key in source_keys(period):
        for district, rec in ledger.current(key).items():
            have = out.get(district)
            if have is None or (not have.readable and rec.readable):
                out[district] = rec
    return out


def form_period(key: str, shown: Period) -> Period:
    """The period a form in use reports (its ledger key: 2025-06, 2025-Q2, 2025); ``shown`` when the key
    cannot be read. The cross and history rules compare a form with the period before ITS period (June's
    with May's), whichever consolidation (2025-06, 2025-Q2) shows it: one version, one set of findings."""
    try:
        return parse_period(key)
    except ValueError:
        return shown


def months(period: Period) -> list[Period]:
    """The monthly periods January to the period's last month."""
    return [Period(period.year, m) for m in range(1, period.month + 1)]


def missing_months(ledger: Ledger, period: Period, districts: list[str]) -> dict[str, tuple[int, ...]]:
    """For a quarter or a year: district -> the months (1..12) for which it has no readable form (a withdrawn
    one does not count), where a quarterly form covers the months of its quarter. Empty for a month (one
    form is the whole period)."""
    if period.monthly:
        return {}
    covered: dict[str, set[int]] = {d: set() for d in districts}
    wanted = set(districts)
    withdrawn: dict[str, set[str]] = {}  # period -> districts whose form of it the bureau withdrew
    for rec in ledger.submissions():
        if rec.district not in wanted or not rec.readable:
            continue
        if rec.period not in withdrawn:
            withdrawn[rec.period] = ledger.withdrawn(rec.period)
        if rec.district in withdrawn[rec.period]:
            continue  # `reporttool withdraw`: that month is missing again
        try:
            p = parse_period(rec.period)
        except ValueError:
            continue
        if p.year != period.year or p.month > period.month:
            continue
        if p.annual:
            covered[rec.district].update(range(1, 13))
        elif p.quarterly:
            covered[rec.district].update(range(p.month - 2, p.month + 1))
        else:
            covered[rec.district].add(p.month)
    full = set(range(1, period.month + 1))
    return {d: tuple(sorted(full - got)) for d, got in covered.items() if full - got}


def basis_text(period: Period, records: dict[str, SubmissionRecord], unit_word: str) -> str:
    """Where a quarter's or a year's figures come from, for the outputs: 根据各县区1-6月报表汇总
    (根据各县区二季度报表汇总 when districts sent quarterly forms; both when mixed). "" for a month."""
    if period.monthly:
        return ""
    kinds = []
    for key in source_keys(period):
        if any(r.period == key and r.readable for r in records.values()):
            try:
                p = parse_period(key)
            except ValueError:  # pragma: no cover - source keys always parse
                continue
            kinds.append(p.span if p.monthly else "年度" if p.annual else p.quarter_word)
    if not kinds:
        return ""
    return f"根据各{unit_word}{'、'.join(kinds)}报表汇总"
