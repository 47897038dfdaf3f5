"""Rules that need history or other districts: R-YTD-FALL and R-DUP-ACROSS (codes in checks/rules.py).

They are computed from the ledger's current versions every time figures are computed, never stored:
which version is current changes when a district resends, so the result must follow. Both are errors
and exclude the offending row from the totals (``Row.excluded``), like the per-file errors do.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from reporttool.catalogue import Catalogue
from reporttool.core.models import Finding, Period, Table
from reporttool.core.rules import finding
from reporttool.forms.layout import OUTPUT, ROSTER


@dataclass
class VersionFacts:
    """A district's current readable version: who, which file, when received, its tables."""

    district: str
    file_name: str
    received_key: tuple  # (received_at, ledger id): the order in which versions count as received
    tables: dict[str, Table]


def _show(value: Decimal) -> str:
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def ytd_fall(current: Sequence[VersionFacts], previous: dict[str, dict[str, Table]], cat: Catalogue,
             period: Period, prior: Mapping[str, Period] | None = None) -> list[Finding]:
    """R-YTD-FALL: an output indicator's 本年累计 below the same district's accepted value of the previous
    period of the same year (not in January / Q1). Only flows are compared (summable indicators compared
    with 时序进度); stocks and ratios may fall. Marks the row excluded. ``prior``: district -> the period of
    its ``previous`` tables (the one before its form's own period), default ``period.previous()``."""
    prev_period = period.previous()
    flows = {i.code: i for i in cat.indicators if i.summable and i.compare_time}
    out: list[Finding] = []
    for v in current:
        prev_table = previous.get(v.district, {}).get("output")
        table = v.tables.get("output")
        then = prior.get(v.district) if prior is not None else prev_period
        if prev_table is None or table is None or then is None:
            continue
        before = {(r.values.get("cluster_code"), r.values.get("indicator_code")): r.values.get("value")
                  for r in prev_table.rows if not r.excluded and r.values.get("value") is not None}
        for row in table.rows:
            key = (row.values.get("cluster_code"), row.values.get("indicator_code"))
            value, prev = row.values.get("value"), before.get(key)
            ind = flows.get(key[1]) if key[1] else None
            if row.excluded or ind is None or value is None or prev is None or not value < prev:
                continue
            cluster = cat.cluster(key[0] or "")
            what = f"{cluster.name if cluster else key[0]}{ind.name}（{ind.form_unit}）"
            out.append(finding("R-YTD-FALL", file=v.file_name, district=v.district, sheet=table.sheet,
                               row=row.number, column=OUTPUT.column("value").title,
                               cell=table.cell("value", row.number), value=_show(value), what=what,
                               previous=_show(prev), previous_period=then.label))
            row.excluded = True
    return out


def dup_across(current: Sequence[VersionFacts], cat: Catalogue) -> list[Finding]:
    """R-DUP-ACROSS: the same 统一社会信用代码 in two districts' current versions. The first received keeps
    the enterprise; each later one gets an error and its row is excluded, so nothing is counted twice."""
    owner: dict[str, str] = {}
    out: list[Finding] = []
    for v in sorted(current, key=lambda v: v.received_key):
        table = v.tables.get("roster")
        if table is None:
            continue
        mine: set[str] = set()
        for row in table.rows:
            code = str(row.values.get("credit_code") or "").strip().upper()
            if row.excluded or not code:
                continue
            first = owner.get(code)
            if first is not None and first != v.district:
                d = cat.district(first)
                out.append(finding("R-DUP-ACROSS", file=v.file_name, district=v.district, sheet=table.sheet,
                                   row=row.number, column=ROSTER.column("credit_code").title,
                                   cell=table.cell("credit_code", row.number), value=code,
                                   name=row.values.get("name") or "", other=d.name if d else first,
                                   words=cat.words))
                row.excluded = True
            else:
                mine.add(code)
        for code in mine:
            owner.setdefault(code, v.district)
    return out


def check_cross(current: Sequence[VersionFacts], previous: dict[str, dict[str, Table]], cat: Catalogue,
                period: Period, prior: Mapping[str, Period] | None = None) -> list[Finding]:
    """Both cross rules over the current versions of ``period``; rows found wrong are marked excluded
    (``prior``: see ``ytd_fall``)."""
    return dup_across(current, cat) + ytd_fall(current, previous, cat, period, prior)
