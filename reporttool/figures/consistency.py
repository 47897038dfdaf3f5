"""Consistency with history (docs/history.md): the other periods' data for checks/history.py, gathered
from the ledger, and the findings added to a period's versions in use.

``checked_versions`` is ``compute.current_versions`` plus these findings: what every place that shows a
district's state uses (consolidate, status, history, the web page), so they agree. Other periods are read
only through their stored sums (figures/history.py) and stored credit-code lists; of the previous period's
roster rows only those of enterprises that went are read (code, name, cluster, 说明), and this period's named
roster rows only when some enterprise seems gone (to find it by name: ``ledger.roster_listing``).
"""
from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from decimal import Decimal

from reporttool.catalogue import Catalogue
from reporttool.checks.history import (
    MAX_MONTHS,
    Entry,
    Key,
    ly_revisions,
    match_by_name,
    month_outliers,
    recoded_findings,
    roster_changes,
)
from reporttool.core.models import SOURCE_OUTPUT, Finding, Period, Table
from reporttool.figures import Figures
from reporttool.figures.compute import CurrentVersions, compute_figures, current_versions
from reporttool.figures.history import DistrictSums, district_sums, month_before
from reporttool.figures.months import add_months
from reporttool.figures.periods import form_period
from reporttool.figures.plan import add_plan
from reporttool.figures.scorecard import add_span
from reporttool.ledger import Ledger, SubmissionRecord

__all__ = ["add_other_periods", "checked_versions", "history_findings", "period_figures"]


def checked_versions(ledger: Ledger, cat: Catalogue, period: Period,
                     also: Mapping[str, SubmissionRecord] | None = None) -> CurrentVersions:
    """The versions in use of ``period`` with the cross rules and the history findings (``also``: versions
    to count as in use instead, see ``current_versions``)."""
    cv = current_versions(ledger, cat, period, also=also)
    history_findings(ledger, cat, cv)
    return cv


def period_figures(ledger: Ledger, cat: Catalogue, period: Period) -> Figures:
    """Every figure of ``period`` as the documents show it (the `brief` command; consolidate runs the same two
    steps with its own CurrentVersions): ``compute_figures`` over the checked versions, then
    ``add_other_periods``."""
    figs = compute_figures(ledger, cat, period, cv=checked_versions(ledger, cat, period))
    return add_other_periods(figs, ledger, cat, store=False)


def add_other_periods(figs: Figures, ledger: Ledger, cat: Catalogue, *, store: bool) -> Figures:
    """What needs other periods, in one place: 当月/环比/月度走势 (``add_months``; ``store`` keeps this month's
    sums for later months), multi-year targets (``add_plan``, from earlier years' Decembers) and, for a quarter
    or a year, 当季 and the 县区考核 (``add_span``)."""
    add_months(figs, ledger, cat, store=store)
    add_plan(figs, ledger, cat)
    add_span(ledger, cat, figs)
    return figs


def history_findings(ledger: Ledger, cat: Catalogue, cv: CurrentVersions) -> list[Finding]:
    """R-LY-REVISED, R-ROSTER-NEW/-GONE and R-MONTH-OUTLIER for every district with a readable version in
    use; added to ``cv.findings`` (so 报送情况, 问题清单 and the feedback workbooks show them) and returned."""
    found: list[Finding] = []
    sums: dict[str, DistrictSums] = {}

    def sums_of(p: Period) -> DistrictSums:
        if p.key not in sums:
            sums[p.key] = district_sums(ledger, cat, p)
        return sums[p.key]

    in_use: dict[str, dict] = {}

    def in_use_of(p: Period) -> dict:
        if p.key not in in_use:
            in_use[p.key] = ledger.current(p.key)
        return in_use[p.key]

    factors = {i.code: cat.unit_factor(i.form_unit, i.unit) for i in cat.indicators}  # form = display × factor
    outputs = {i.code for i in cat.indicators if i.source == SOURCE_OUTPUT}
    flows = {i.code for i in cat.indicators if i.source == SOURCE_OUTPUT and i.summable and i.compare_time}
    for d, facts in cv.facts.items():
        rec = cv.records[d]
        output = facts.tables.get("output")
        # the form's own period, whichever consolidation shows it: June's form in 2025-Q2 is checked against
        # May and against 2024年1-6月 exactly as in 2025-06, so a version has one set of findings
        period = form_period(rec.period, cv.period)
        ly = period.last_year()
        prev = period.previous()
        prev_in_use = in_use_of(prev) if prev is not None else {}
        # a. 上年同期 against last year's 本年累计 of the same period (form unit, as the district typed it)
        then = sums_of(ly).get(d, {})
        before = {k: s.value * factors[k[1]] for k, s in then.items()
                  if k[1] in outputs and s.value is not None and factors.get(k[1])}
        found += ly_revisions(cat, d, rec.file_name, output, before, ly.month_end().label)  # 2024年1-6月
        # b. enterprises that came or went since the previous period (same year)
        last = prev_in_use.get(d)
        if prev is not None and last is not None and last.readable:
            now_codes, then_codes = ledger.code_set(rec.id), ledger.code_set(last.id)
            new = [Entry(*e) for e in ledger.roster_entries(rec.id, now_codes - then_codes)]
            # an empty roster is R-ROSTER-EMPTY's (an error already): not every enterprise listed as gone
            gone = [Entry(*e) for e in ledger.roster_entries(last.id, then_codes - now_codes)] if now_codes else []
            if gone:  # still listed by name (a mistyped code), or R-ROSTER-MISSING already says the cluster is empty
                roster = facts.tables.get("roster")
                rows = ledger.roster_listing(rec.id)
                listed = [Entry(*r[:5]) for r in rows]
                excluded = {r[0] for r in rows if r[5]} | set(cv.cross_excluded.get(d, ()))
                new, gone, recoded = match_by_name(new, gone, listed, excluded)
                found += recoded_findings(cat, d, rec.file_name, roster, recoded, prev.label)
                missing = _missing_clusters(cv.findings.get(d, []), output)
                present = {e.cluster for e in listed}
                gone = [e for e in gone if e.cluster in present or e.cluster not in missing]
            if new or gone:
                found += roster_changes(cat, d, rec.file_name, facts.tables.get("roster"), output, new, gone,
                                        prev.label)
        # c. 当月 against the district's own earlier months (monthly periods only)
        if period.monthly and output is not None:  # a quarterly or annual form has no 当月 of its own
            this_month = _this_month(cv, d, period, flows, factors, sums_of)
            if this_month:
                found += month_outliers(cat, d, rec.file_name, output, this_month,
                                        _history(d, period, flows, sums_of))
    found = [_with_row_unit(f, cv.facts[f.district].tables.get("output")) if f.district in cv.facts else f
             for f in found]
    for f in found:
        cv.findings.setdefault(f.district, []).append(f)
    return found


def _missing_clusters(findings: list[Finding], output: Table | None) -> set[str]:
    """The clusters R-ROSTER-MISSING reports for this file (found at the cluster's 集群产出 row)."""
    rows = {r.number: str(r.values.get("cluster_code") or "") for r in output.rows} if output else {}
    return {rows[f.row] for f in findings if f.rule == "R-ROSTER-MISSING" and f.row in rows}


def _with_row_unit(f: Finding, output: Table | None) -> Finding:
    """A finding on a 集群产出 row carries that row's 计量单位, as Ledger.findings gives the stored ones (so
    问题清单 can print 填报值 with its unit)."""
    if output is None or f.sheet != output.sheet or f.row is None or f.unit:
        return f
    row = next((r for r in output.rows if r.number == f.row), None)
    unit = str(row.values.get("unit") or "").strip() if row is not None else ""
    return dataclasses.replace(f, unit=unit) if unit else f


def _this_month(cv: CurrentVersions, d: str, period: Period, flows: set[str], factors: dict[str, Decimal],
                sums_of: Callable[[Period], DistrictSums]) -> dict[Key, Decimal]:
    """The 当月 of the form's month ``period`` per (cluster, indicator) of the flows, display unit: its accepted
    本年累计 less the previous month's (January: the 本年累计 itself)."""
    prev = period.previous()
    before = sums_of(prev).get(d, {}) if prev is not None else {}
    out: dict[Key, Decimal] = {}
    for r in cv.accepted(d, "output"):
        key = (str(r.values.get("cluster_code") or ""), str(r.values.get("indicator_code") or ""))
        value = r.values.get("value")
        if key[1] not in flows or not isinstance(value, Decimal) or key in out:
            continue
        ytd = value / factors[key[1]]
        if prev is None:
            out[key] = ytd
        elif (s := before.get(key)) is not None and s.value is not None:
            out[key] = ytd - s.value
    return out


def _history(d: str, period: Period, flows: set[str], sums_of: Callable[[Period], DistrictSums]
             ) -> dict[Key, list[Decimal]]:
    """The district's 当月 of each flow over the MAX_MONTHS months before ``period``, oldest first (a month
    counts only when it and, after January, the month before it are in the ledger)."""
    months: list[Period] = []
    p = period
    for _ in range(MAX_MONTHS):
        p = month_before(p)
        months.append(p)
    out: dict[Key, list[Decimal]] = {}
    for m in reversed(months):
        here = sums_of(m).get(d)
        if not here:
            continue
        back = sums_of(month_before(m)).get(d, {}) if m.month > 1 else None
        for key, s in here.items():
            if key[1] not in flows or s.value is None:
                continue
            if back is None:
                out.setdefault(key, []).append(s.value)
            elif (b := back.get(key)) is not None and b.value is not None:
                out.setdefault(key, []).append(s.value - b.value)
    return out
