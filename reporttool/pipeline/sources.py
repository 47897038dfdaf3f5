"""What a consolidation's figures read from other periods, as its manifest records it (``sources``).

``read_keys(period)``: the ledger periods whose versions in use the figures of ``period`` read;
``sources_of(ledger, period)``: for each of them, district -> SHA-256 of the version in use now. The
manifest keeps the latter; ``reporttool verify`` compares it with the versions in use later to name stale
outputs, and ``restore``/``withdraw`` use it to name the periods to consolidate again
(pipeline/verify.py). docs/consolidation.md “校验”.
"""
from __future__ import annotations

from reporttool.core.models import Period
from reporttool.figures.periods import source_keys
from reporttool.ledger import Ledger

__all__ = ["read_keys", "sources_of"]


def read_keys(period: Period) -> list[str]:
    """The ledger periods whose versions in use a consolidation of ``period`` reads: its own source keys,
    every month (and, for a quarter or a year, every quarter) of its year up to its end (当月, 月度走势,
    当季, 县区考核), the period before it across the year boundary (环比 of January), the same period
    of last year (revision checks) and the Decembers of the five years before (multi-year plan targets,
    figures/plan.py). Sorted."""
    keys = set(source_keys(period))
    keys |= {Period(period.year, m).key for m in range(1, period.month + 1)}
    keys.add(Period(period.year - 1, 12).key if period.month == 1 else Period(period.year, period.month - 1).key)
    if not period.monthly:
        keys |= {Period(period.year, m, True).key for m in range(3, period.month + 1, 3)}
        keys.add(Period(period.year - 1, 12, True).key if period.month <= 3
                 else Period(period.year, period.month - 3, True).key)
    keys.add(Period(period.year - 1, period.month, period.quarterly, period.annual).key)
    keys |= {Period(period.year - k, 12).key for k in range(1, 6)}
    return sorted(keys)


def sources_of(ledger: Ledger, period: Period) -> dict[str, dict[str, str]]:
    """Ledger period -> district -> SHA-256 of the version in use, for every ``read_keys`` period: what a
    manifest records (``sources``) so that ``verify`` can tell when its outputs became stale."""
    return {key: {d: r.sha256 for d, r in sorted(ledger.current(key).items())} for key in read_keys(period)}
