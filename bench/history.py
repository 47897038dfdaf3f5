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
"""
from __future__ import annotations

import sqlite3
from pathlib import Path


def _columns(db: sqlite3.Connection, table: str) -> list[tuple[str, bool]]:
    """(name, is the INTEGER PRIMARY KEY alias of rowid) for each column of ``table``."""
    info = db.execute(f'PRAGMA table_info("{table}")').fetchall()
    single_pk = sum(1 for c in info if c[5]) == 1
    return [(c[1], bool(c[5]) and single_pk and c[2].upper() == "INTEGER") for c in info]


def seed_history(ledger_file: Path, source: str, periods: list[str]) -> int:
    """Copy ``source``'s submissions under each of ``periods``; delete the originals. Returns copies made."""
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
                    picked.append("?"), params.append(period)
                elif c == "sha256":
                    picked.append("sha256 || ?"), params.append(f"-{period}")
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
        db.execute("COMMIT")
    finally:
        db.close()
    forget_period(ledger_file, source)
    return made


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
