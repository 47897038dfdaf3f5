"""What a consolidation's figures read from other periods, as its manifest records it (``sources``).

``read_keys(period)``: the ledger periods whose versions in use the figures of ``period`` read;
``sources_of(ledger, period)``: for each of them, district -> SHA-256 of the version in use now. The
manifest keeps the latter; ``reporttool verify`` compares it with the versions in use later to name stale
outputs, and ``restore``/``withdraw`` use it to name the periods to consolidate again
(pipeline/verify.py). docs/consolidation.md “校验”.

``changed_sources``: which of a manifest's recorded periods have other versions in use now (pipeline/verify.py
``stale_outputs`` names every consolidated period so built); ``changed_since``: the same for the period a
consolidation is about to build, against its previous manifest (what entered the ledger since it was last
consolidated, by whatever way: inbox, web upload, import, withdrawal, restore).
"""
from __future__ import annotations

from reporttool.core.models import Period, parse_period
from reporttool.figures.periods import source_keys
from reporttool.ledger import Ledger

__all__ = ["change_causes", "changed_since", "changed_sources", "period_order", "read_keys", "sources_of"]


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


def changed_sources(ledger: Ledger, period_key: str, manifest: dict,
                    now: dict[str, dict[str, str]] | None = None) -> list[str]:
    """The ledger periods a manifest recorded (``sources``) whose versions in use differ now, sorted; a
    manifest from before ``sources`` were kept is judged by its own month's ``versions_used`` only.
    ``now``: period -> district -> SHA-256 in use, filled as read (shared across manifests)."""
    sources = manifest.get("sources")
    if not isinstance(sources, dict):
        used = manifest.get("versions_used")
        if not isinstance(used, dict) or "Q" in period_key or "-" not in period_key:
            return []
        sources = {period_key: used}
    changed = []
    now = {} if now is None else now
    for key, recorded in sorted(sources.items()):
        if not isinstance(recorded, dict):
            continue
        if key not in now:
            now[key] = {d: r.sha256 for d, r in ledger.current(key).items()}
        if now[key] != recorded:
            changed.append(key)
    return changed


def changed_since(ledger: Ledger, period: Period, previous: dict) -> set[str]:
    """The ledger periods a consolidation of ``period`` reads (``read_keys``) whose versions in use now differ
    from those its previous consolidation recorded (``previous``: its manifest before this run, ``sources``):
    the versions that entered the ledger since, whichever way they came in (inbox, web upload, import) and
    the withdrawals and restores since. Every read period when there is no previous manifest (or one kept
    from before ``sources``): ``stale_outputs`` then names only what is really stale."""
    keys = read_keys(period)
    sources = previous.get("sources")
    if not isinstance(sources, dict):
        return set(keys)
    return set(changed_sources(ledger, period.key, previous)) | {k for k in keys if k not in sources}


def period_order(key: str) -> tuple[int, int, int]:
    """Sort key of a period key: by year and last month, a month before its quarter before its year."""
    try:
        p = parse_period(key)
    except ValueError:
        return (0, 0, 0)
    return (p.year, p.month, 0 if p.monthly else 1 if p.quarterly else 2)


def change_causes(ledger: Ledger, key: str, recorded: dict, names: dict[str, str]) -> list[str]:
    """What changed in ledger period ``key`` since a manifest recorded ``recorded`` (district -> SHA-256), one
    Chinese phrase a district, naming it and the cause: 市局退回 (web page), 撤回 (``withdraw``), 恢复
    (``restore``, or a 通过 undoing a 退回), 更正 or 补报 (a later file). ``names``: district code -> name."""
    current = ledger.current(key)
    now = {d: r.sha256 for d, r in current.items()}
    force = {w.district: w for w in ledger.withdrawals(period=key) if w.in_force}
    restored = {(x.district, x.submission_id) for x in ledger.restores(period=key)}
    out = []
    for d in sorted(set(recorded) | set(now)):
        if recorded.get(d) == now.get(d):
            continue
        name = names.get(d, d)
        if d not in now:
            w = force.get(d)
            out.append(f"{name}的报表被市局退回" if w is not None and w.returned
                       else f"{name}的报表被撤回" if w is not None else f"{name}不再有在用版本")
        elif (d, current[d].id) in restored:
            out.append(f"{name}恢复了先前的版本")
        else:
            out.append(f"{name}{'更正' if d in recorded else '补报'}了报表")
    return out
