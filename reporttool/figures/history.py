"""The history of figures across periods: each district's cluster × indicator sums of any period.

``district_sums(ledger, cat, period)`` gives, for one period, what ``figures.compute._district_sums``
gives for the period being consolidated: district -> (cluster code, indicator code) -> ``Sum``, in each
indicator's display unit (亿元, 户, %), from the versions in use of that period, with the cross rules of
that period applied (R-DUP-ACROSS, R-YTD-FALL against the month before). Districts without a readable
version in use are absent; a (cluster, indicator) a district did not report has ``Sum()`` (value None).
``series(ledger, cat, period)`` is the same for every period of the year up to ``period`` (January to
this month; quarter ends for a quarterly period). Use these for anything that looks at other periods
(当月/环比, 月度走势, 当季, a district's own history): they never read the rows of other periods.

Cost: a consolidation stores its sums in the ledger (``remember``, table ``period_sums``), keyed by a
stamp of the versions in use of that period and of the period before (the cross rules look at both)
and of the catalogue's indicators, clusters, districts and units. Reading a period whose stamp still
matches is one query; a changed version (a correction, a restore, a file deleted and the month
consolidated again) or a changed catalogue changes the stamp, and the sums are computed again from the
stored aggregates and output rows of that period's versions in use (``current_versions(light=True)``:
no findings, no files of other periods) and stored. docs/consolidation.md “历史数据”.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import sqlite3
from dataclasses import asdict
from decimal import Decimal

from reporttool.catalogue import Catalogue
from reporttool.core.errors import ReportToolError
from reporttool.core.models import Period
from reporttool.figures.compute import _district_sums, current_versions
from reporttool.figures.periods import versions_in_use
from reporttool.ledger import Ledger
from reporttool.ledger.aggregates import Sum

__all__ = ["DistrictSums", "district_sums", "series", "remember", "sums_stamp", "month_before"]

FORMAT = 1  # of the stored sums; a change here recomputes every period once

# district -> (cluster code, indicator code) -> Sum (display unit)
DistrictSums = dict[str, dict[tuple[str, str], Sum]]


def month_before(period: Period) -> Period:
    """The period before ``period`` across the year boundary (January -> last December; Q1 -> last Q4),
    unlike ``Period.previous``, which stops at January."""
    step = 3 if period.quarterly else 1
    if period.month - step >= 1:
        return Period(period.year, period.month - step, period.quarterly)
    return Period(period.year - 1, 12, period.quarterly)


def district_sums(ledger: Ledger, cat: Catalogue, period: Period) -> DistrictSums:
    """Each district's cluster × indicator sums of ``period`` (see the module docstring): stored ones
    when still valid, else computed from the stored aggregates of that period's versions in use and
    stored. A period with no version in use gives {}."""
    stamp = sums_stamp(ledger, cat, period)
    kept = ledger.period_sums(period.key)
    if kept is not None and kept[0] == stamp:
        try:
            return _decode(kept[1])
        except (ValueError, KeyError, TypeError, ArithmeticError):
            pass  # an unreadable cache entry: computed again below
    sums = _compute(ledger, cat, period)
    _put(ledger, period, stamp, sums)
    return sums


def series(ledger: Ledger, cat: Catalogue, period: Period) -> list[tuple[Period, DistrictSums]]:
    """``district_sums`` of every period of ``period``'s year up to it, oldest first: January … this
    month (a quarterly period: Q1 … this quarter). Periods without data give {}."""
    step = 3 if period.quarterly else 1
    return [(p, district_sums(ledger, cat, p))
            for p in (Period(period.year, m, period.quarterly) for m in range(step, period.month + 1, step))]


def remember(ledger: Ledger, cat: Catalogue, period: Period, sums: DistrictSums) -> None:
    """Store the sums a consolidation computed for ``period`` (``Figures.district_sums``), so that later
    periods read them instead of computing them again. The caller passes the sums of a run in which
    no district failed (a failed district is not in the sums, though it is in the versions in use)."""
    _put(ledger, period, sums_stamp(ledger, cat, period), sums)


def sums_stamp(ledger: Ledger, cat: Catalogue, period: Period) -> str:
    """What a period's sums depend on: the ids of its versions in use and of the period before
    (R-YTD-FALL), the shape of the catalogue (indicators with their units, sources, formulas; clusters;
    districts; units) and FORMAT."""
    prev = period.previous()
    blob = json.dumps({
        "format": FORMAT,
        "catalogue": _catalogue_shape(cat),
        "in_use": sorted((d, r.id) for d, r in versions_in_use(ledger, period).items()),
        "before": sorted((d, r.id) for d, r in versions_in_use(ledger, prev).items()) if prev else [],
    }, ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def _catalogue_shape(cat: Catalogue) -> str:
    """A hash of everything in the catalogue the sums depend on (more than Catalogue.fingerprint, which
    leaves out display units, formulas and 汇总口径); once per catalogue (every period's stamp asks)."""
    return cat.memo("history.sums_shape", lambda: _shape_hash(cat))


def _shape_hash(cat: Catalogue) -> str:
    shape = {"indicators": [asdict(i) for i in cat.indicators], "clusters": [c.code for c in cat.clusters],
             "districts": [d.code for d in cat.districts],
             "units": sorted((u, d, str(f)) for u, (d, f) in cat.unit_table().items())}
    return hashlib.sha256(json.dumps(shape, ensure_ascii=False, sort_keys=True, default=str)
                          .encode("utf-8")).hexdigest()


def _compute(ledger: Ledger, cat: Catalogue, period: Period) -> DistrictSums:
    """The sums as compute_figures makes them, from the versions in use and their stored aggregates."""
    cv = current_versions(ledger, cat, period, light=True)
    out: DistrictSums = {}
    for d in [d.code for d in cat.districts if d.code in cv.facts]:
        try:
            agg = ledger.aggregates(cv.records[d].id, without_rows=cv.cross_excluded.get(d, frozenset()))
            out[d] = _district_sums(cat, cv, d, agg)
        except (sqlite3.Error, OSError, ReportToolError):
            raise
        except Exception:  # noqa: BLE001 - this district's stored facts are unusable: it has no history
            continue
    return out


def _put(ledger: Ledger, period: Period, stamp: str, sums: DistrictSums) -> None:
    # a cache: a read-only or busy ledger only costs a recomputation next time
    with contextlib.suppress(sqlite3.Error):
        ledger.put_period_sums(period.key, stamp, _encode(sums))


def _text(v: Decimal | None) -> str | None:
    return None if v is None else str(v)


def _encode(sums: DistrictSums) -> str:
    return json.dumps({d: [[c, i, _text(s.value), _text(s.last_year), _text(s.comparable), s.like_for_like]
                           for (c, i), s in per.items()] for d, per in sums.items()},
                      ensure_ascii=False, separators=(",", ":"))


def _decode(text: str) -> DistrictSums:
    def num(v: str | None) -> Decimal | None:
        return None if v is None else Decimal(v)

    return {d: {(c, i): Sum(num(v), num(ly), num(comp), bool(lfl)) for c, i, v, ly, comp, lfl in rows}
            for d, rows in json.loads(text).items()}
