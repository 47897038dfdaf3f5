"""Months of history for the benchmark's 18-month round, made in seconds instead of hours.

``seed_history(ledger_file, source, periods)`` copies every submission of period ``source`` (with all its
stored facts: rows, findings, tables, aggregates, fragments, code lists …) under each of ``periods``, then
deletes the ``source`` submissions, so that the inbox files of ``source`` are new again. The ledger then
holds what it would after ``len(periods)`` monthly rounds of the same size, and consolidating ``source``
again costs what the last month of that span costs. Reading and checking 17 × 100 province files for real
would take a quarter of an hour on two cores; what the bench measures — whether a month's run looks at
other periods' rows — only needs them stored.

Generic over the schema: every table with a ``submission_id`` column is copied (its INTEGER PRIMARY KEY
left to SQLite), so tables other engineers add later are copied too. The copies' ``sha256`` gets the
period appended (the column is unique); their facts digests are not recomputed (`reporttool verify` would
name them changed — the bench never runs it).

The copies' 集群产出 rows are made consistent with the month consolidated last (``consistent_outputs``),
as a real year and a half of reports is: a flow's 本年累计 grows month by month along a fixed seasonal
profile (MONTH_WEIGHTS) to this year's value at the source month, last year's months grow the same way to
the source's 上年同期, and each copy's 上年同期 is last year's copy's 本年累计. Unchanged copies made every
district's 上年同期 differ from "last year's" 本年累计 (the 2024-06 copy of this year's value), so
R-LY-REVISED and a feedback workbook fired for every district — 100 workbooks the first month never
writes, which is what the ratio measured (docs/performance.md). Roster and project rows stay as copied.
"""
from __future__ import annotations

import sqlite3
from collections.abc import Collection
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path

# A seasonal profile of monthly flows (January … December), the same for every district: 当月 varies by
# ±20 % around its mean, so R-MONTH-OUTLIER's median/MAD has a spread to measure. The first six sum to 6.
MONTH_WEIGHTS = (Decimal("0.9"), Decimal("0.8"), Decimal("1.1"), Decimal("1.0"), Decimal("1.05"), Decimal("1.15"),
                 Decimal("1.0"), Decimal("0.95"), Decimal("1.1"), Decimal("1.0"), Decimal("0.9"), Decimal("1.2"))


def _share(month: int, source_month: int) -> Decimal:
    """本年累计 at ``month`` as a fraction of 本年累计 at ``source_month`` along MONTH_WEIGHTS."""
    return sum(MONTH_WEIGHTS[:month], Decimal(0)) / sum(MONTH_WEIGHTS[:source_month], Decimal(0))


def _scaled(text: str | None, share: Decimal) -> str | None:
    """A stored amount times ``share``, rounded half up to the amount's own decimals; other text unchanged."""
    if text is None:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        return text
    if not value.is_finite():
        return text
    exp = value.as_tuple().exponent
    places = Decimal(1).scaleb(min(exp, 0)) if isinstance(exp, int) else Decimal(1)
    return str((value * share).quantize(places, ROUND_HALF_UP))


def _columns(db: sqlite3.Connection, table: str) -> list[tuple[str, bool]]:
    """(name, is the INTEGER PRIMARY KEY alias of rowid) for each column of ``table``."""
    info = db.execute(f'PRAGMA table_info("{table}")').fetchall()
    single_pk = sum(1 for c in info if c[5]) == 1
    return [(c[1], bool(c[5]) and single_pk and c[2].upper() == "INTEGER") for c in info]


def seed_history(ledger_file: Path, source: str, periods: list[str], flows: Collection[str] = ()) -> int:
    """Copy ``source``'s submissions under each of ``periods``; delete the originals. Returns copies made.

    ``flows``: the indicator codes of the 集群产出 sheet that are summed over months (``consistent_outputs``);
    the other output indicators (ratios, stocks) keep this year's value, or take the 上年同期 in last year."""
    db = sqlite3.connect(str(ledger_file), isolation_level=None)
    try:
        db.execute("PRAGMA synchronous=OFF")
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        children = [t for t in tables if t != "submissions" and "submission_id" in dict(_columns(db, t))]
        sub_cols = [c for c, rowid in _columns(db, "submissions") if not rowid]
        ids = [r[0] for r in db.execute("SELECT id FROM submissions WHERE period=? ORDER BY id", (source,))]
        made = 0
        db.execute("BEGIN")
        for period in periods:
            mapping: list[tuple[int, int]] = []
            picked: list[str] = []
            params: list[str] = []
            for c in sub_cols:
                if c == "period":
                    picked.append("?")
                    params.append(period)
                elif c == "sha256":
                    picked.append("sha256 || ?")
                    params.append(f"-{period}")
                else:
                    picked.append(f'"{c}"')
            insert = (f'INSERT INTO submissions ({", ".join(chr(34) + c + chr(34) for c in sub_cols)}) '
                      f'SELECT {", ".join(picked)} FROM submissions WHERE id=?')
            for sid in ids:
                new = db.execute(insert, [*params, sid]).lastrowid
                assert new is not None
                mapping.append((sid, new))
                made += 1
            db.execute("CREATE TEMP TABLE IF NOT EXISTS idmap (old INTEGER PRIMARY KEY, new INTEGER)")
            db.execute("DELETE FROM idmap")
            db.executemany("INSERT INTO idmap VALUES (?,?)", mapping)
            for table in children:
                cols = [c for c, rowid in _columns(db, table) if not rowid]
                quoted = ", ".join(f'"{c}"' for c in cols)
                sel = ", ".join("m.new" if c == "submission_id" else f't."{c}"' for c in cols)
                db.execute(f'INSERT INTO "{table}" ({quoted}) SELECT {sel} FROM "{table}" t '
                           f"JOIN idmap m ON m.old = t.submission_id")
            consistent_outputs(db, source, period, flows)
        db.execute("COMMIT")
    finally:
        db.close()
    forget_period(ledger_file, source)
    return made


def consistent_outputs(db: sqlite3.Connection, source: str, period: str, flows: Collection[str]) -> None:
    """Make the 集群产出 rows just copied to ``period`` (those of the ids in temp table idmap) what a district
    would have reported then, given what it reports at ``source``: see the module docstring. A flow's
    本年累计 v and 上年同期 l at the source month S become, at month m of the same year, v × share(m) and
    l × share(m); at month m of an earlier year, l × share(m) for both (no growth assumed before last year,
    whose own 上年同期 is not in the ledger). Other indicators: this year unchanged; earlier 本年累计 = l."""
    sy, sm = (int(x) for x in source.split("-")[:2])
    y, m = (int(x) for x in period.split("-")[:2])
    share = _share(m, sm)
    rows = db.execute("SELECT o.id, o.indicator_code, o.value, o.value_ly FROM output_rows o "
                      "JOIN idmap i ON i.new = o.submission_id").fetchall()
    changed = []
    for rid, code, value, ly in rows:
        if code in flows:
            new = (_scaled(value, share), _scaled(ly, share)) if y == sy else (_scaled(ly, share),) * 2
        else:
            new = (value, ly) if y == sy else (ly, ly)
        if new != (value, ly):
            changed.append((*new, rid))
    db.executemany("UPDATE output_rows SET value=?, value_ly=? WHERE id=?", changed)


def forget_period(ledger_file: Path, period: str) -> None:
    """Delete ``period``'s submissions, their facts and its brief number: its inbox files are new again."""
    db = sqlite3.connect(str(ledger_file), isolation_level=None)
    try:
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        children = [t for t in tables if t != "submissions" and "submission_id" in dict(_columns(db, t))]
        db.execute("BEGIN")
        for table in children:
            db.execute(f'DELETE FROM "{table}" WHERE submission_id IN '
                       f"(SELECT id FROM submissions WHERE period=?)", (period,))
        db.execute("DELETE FROM submissions WHERE period=?", (period,))
        db.execute("DELETE FROM briefs WHERE period=?", (period,))
        db.execute("COMMIT")
    finally:
        db.close()


def earlier_periods(last_year: int, last_month: int, months: int) -> list[str]:
    """The ``months - 1`` period keys before (last_year, last_month), oldest first."""
    keys = []
    y, m = last_year, last_month
    for _ in range(months - 1):
        y, m = (y - 1, 12) if m == 1 else (y, m - 1)
        keys.append(f"{y:04d}-{m:02d}")
    return keys[::-1]
