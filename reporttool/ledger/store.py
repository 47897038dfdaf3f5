# Over 500 lines: the ledger's schema, migrations and queries stay together with its one connection.
"""The ledger: every file received, every version, the facts read from it, and the brief numbers.

SQLite (stdlib sqlite3) in the workspace (``Workspace.ledger``), WAL journal, foreign keys on, schema
versioned with ``PRAGMA user_version`` and the MIGRATIONS list (append, never edit a released one).
Original bytes are archived under ``archive/<sha[:2]>/<sha256><suffix>`` before anything is recorded;
archived files are written atomically, never overwritten, never deleted.

Amounts are stored as TEXT decimals ("1234.56") so that nothing is lost to floating point.
Every ingest is one transaction: a killed run leaves either the whole submission or none of it.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import sqlite3
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import repeat
from pathlib import Path
from typing import Any

from reporttool.core.errors import ReportToolError
from reporttool.core.files import atomic_write_bytes
from reporttool.core.models import Finding, FindingCounts, Row, Submission, Table
from reporttool.core.status import ST_RETURNED, ST_SUPERSEDED
from reporttool.forms.layout import AMOUNT, DATE, INT, OUTPUT, PROJECTS, ROSTER, SheetSpec
from reporttool.ledger.aggregates import SubmissionAggregates, submission_aggregates
from reporttool.workspace import Workspace

# Columns stored per table (layout keys; "seq" is not data). Frozen here: a layout change needs a migration.
ROSTER_COLUMNS = ("credit_code", "name", "cluster", "is_scale", "is_leader", "park", "revenue", "revenue_ly",
                  "output_value", "output_value_ly", "employees", "note")
PROJECT_COLUMNS = ("name", "cluster", "nature", "status", "owner", "total", "plan_year", "done_year",
                   "done_total", "start", "finish", "note")
OUTPUT_COLUMNS = ("cluster_code", "cluster", "indicator_code", "indicator", "unit", "value", "value_ly", "note")
TABLES: dict[str, tuple[str, SheetSpec, tuple[str, ...]]] = {
    "roster": ("roster_rows", ROSTER, ROSTER_COLUMNS),
    "projects": ("project_rows", PROJECTS, PROJECT_COLUMNS),
    "output": ("output_rows", OUTPUT, OUTPUT_COLUMNS),
}


def _row_table_ddl(name: str, columns: tuple[str, ...]) -> str:
    cols = ",\n".join(f"    {c} {'INTEGER' if c == 'employees' else 'TEXT'}" for c in columns)
    return (f"CREATE TABLE {name} (\n    id INTEGER PRIMARY KEY,\n"
            f"    submission_id INTEGER NOT NULL REFERENCES submissions(id) ON DELETE CASCADE,\n"
            f"    row_number INTEGER NOT NULL,\n    excluded INTEGER NOT NULL DEFAULT 0,\n{cols},\n"
            f"    raw TEXT NOT NULL DEFAULT '{{}}'\n);\n"
            f"CREATE INDEX {name}_sub ON {name}(submission_id);\n")


MIGRATIONS: list[str] = [
    # 1: the first schema
    """
    CREATE TABLE submissions (
        id INTEGER PRIMARY KEY,
        district TEXT NOT NULL,            -- district code from the form identity, '' when unknown
        period TEXT NOT NULL,              -- period key, e.g. 2025-06
        received_at TEXT NOT NULL,         -- file modification time (arrival in inbox), ISO local time
        ingested_at TEXT NOT NULL,
        file_name TEXT NOT NULL,
        archive_path TEXT NOT NULL,        -- relative to the workspace root
        sha256 TEXT NOT NULL UNIQUE,
        template_version TEXT NOT NULL DEFAULT '',
        fingerprint TEXT NOT NULL DEFAULT '',
        file_status TEXT NOT NULL,         -- the file's own verdict: 通过/待核实/有错/退回
        status TEXT NOT NULL,              -- effective: file_status, or 被替代
        errors INTEGER NOT NULL DEFAULT 0,
        verify INTEGER NOT NULL DEFAULT 0,
        explained INTEGER NOT NULL DEFAULT 0,
        info INTEGER NOT NULL DEFAULT 0,
        superseded_by INTEGER REFERENCES submissions(id)
    );
    CREATE INDEX submissions_dp ON submissions(district, period);
    CREATE TABLE tables (
        submission_id INTEGER NOT NULL REFERENCES submissions(id) ON DELETE CASCADE,
        key TEXT NOT NULL,
        sheet TEXT NOT NULL,
        header_row INTEGER NOT NULL,
        columns TEXT NOT NULL,             -- JSON: column key -> 1-based column index
        PRIMARY KEY (submission_id, key)
    );
    CREATE TABLE findings (
        id INTEGER PRIMARY KEY,
        submission_id INTEGER NOT NULL REFERENCES submissions(id) ON DELETE CASCADE,
        rule TEXT NOT NULL,
        severity TEXT NOT NULL,
        message TEXT NOT NULL,
        file TEXT NOT NULL DEFAULT '',
        district TEXT NOT NULL DEFAULT '',
        sheet TEXT NOT NULL DEFAULT '',
        row INTEGER,
        col TEXT NOT NULL DEFAULT '',
        cell TEXT NOT NULL DEFAULT '',
        value TEXT NOT NULL DEFAULT '',
        explanation TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX findings_sub ON findings(submission_id);
    CREATE TABLE briefs (
        year INTEGER NOT NULL,
        number INTEGER NOT NULL,
        period TEXT NOT NULL UNIQUE,
        created_at TEXT NOT NULL,
        PRIMARY KEY (year, number)
    );
    """
    + _row_table_ddl("roster_rows", ROSTER_COLUMNS)
    + _row_table_ddl("project_rows", PROJECT_COLUMNS)
    + _row_table_ddl("output_rows", OUTPUT_COLUMNS),
    # 2: per-submission aggregates (figures without re-reading rows) and rendered detail-list fragments
    """
    CREATE TABLE aggregates (
        submission_id INTEGER PRIMARY KEY REFERENCES submissions(id) ON DELETE CASCADE,
        data TEXT NOT NULL                 -- aggregates.SubmissionAggregates.to_json of the accepted rows
    );
    CREATE TABLE fragments (
        submission_id INTEGER NOT NULL REFERENCES submissions(id) ON DELETE CASCADE,
        key TEXT NOT NULL,                 -- roster / projects
        stamp TEXT NOT NULL,               -- detail_book.fragment_stamp: catalogue + cross exclusions
        n_rows INTEGER NOT NULL,
        data BLOB NOT NULL,                -- zlib-compressed row XML (render/detail_book.py)
        PRIMARY KEY (submission_id, key)
    );
    """,
    # 3: the credit codes of each submission's accepted roster rows (cross rule R-DUP-ACROSS)
    """
    CREATE TABLE code_lists (
        submission_id INTEGER PRIMARY KEY REFERENCES submissions(id) ON DELETE CASCADE,
        data BLOB NOT NULL                 -- zlib of the sorted distinct codes (strip().upper()), one a line
    );
    """,
    # 4: the bureau's restores: an earlier version made current again (undo of a wrong supersede)
    """
    CREATE TABLE restores (
        id INTEGER PRIMARY KEY,
        district TEXT NOT NULL,
        period TEXT NOT NULL,
        submission_id INTEGER NOT NULL REFERENCES submissions(id),  -- the version made current
        replaced_id INTEGER REFERENCES submissions(id),             -- the version current before
        last_id INTEGER NOT NULL,          -- the largest submission id at the time: later files compete again
        restored_at TEXT NOT NULL,
        note TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX restores_dp ON restores(district, period);
    """,
    # 5: the digest of each submission's facts, kept at ingest (reporttool verify), and the issue date
    # of each brief number (`brief` without --date keeps it). Ledgers from before are sealed on upgrade.
    """
    ALTER TABLE submissions ADD COLUMN facts_digest TEXT NOT NULL DEFAULT '';  -- JSON: part -> SHA-256
    ALTER TABLE briefs ADD COLUMN issued TEXT NOT NULL DEFAULT '';              -- ISO date, '' unknown
    """,
    # 6: the bureau's review of a version on the web page (serve/): 通过 or 退回 with a reason
    """
    CREATE TABLE reviews (
        id INTEGER PRIMARY KEY,
        submission_id INTEGER NOT NULL REFERENCES submissions(id) ON DELETE CASCADE,
        decision TEXT NOT NULL,            -- 通过 / 退回
        reason TEXT NOT NULL DEFAULT '',
        reviewer TEXT NOT NULL DEFAULT '',
        decided_at TEXT NOT NULL
    );
    CREATE INDEX reviews_sub ON reviews(submission_id);
    """,
    # 7: each period's per-district sums (figures/history.py), a cache keyed by the versions in use
    """
    CREATE TABLE period_sums (
        period TEXT PRIMARY KEY,
        stamp TEXT NOT NULL,               -- history.sums_stamp: versions in use (and last month's), catalogue
        data TEXT NOT NULL                 -- JSON: district -> [[cluster, indicator, value, last_year, comparable, lfl]]
    );
    """,
    # 8: how a submission came in: '' received from its district (inbox, web page), 'import' an earlier
    # period's district file taken in as history (`reporttool import`), 'import-table' one district × period
    # of a history table (docs/history.md). Imported versions are never late and never replace a received one.
    """
    ALTER TABLE submissions ADD COLUMN kind TEXT NOT NULL DEFAULT '';
    """,
    # 9: the bureau's withdrawals (`reporttool withdraw`): no version of a district in use for a period
    # until a restore (restored_by) or a readable file ingested after it (id > last_id)
    """
    CREATE TABLE withdrawals (
        id INTEGER PRIMARY KEY,
        district TEXT NOT NULL,
        period TEXT NOT NULL,
        submission_id INTEGER REFERENCES submissions(id),  -- the version in use when withdrawn
        last_id INTEGER NOT NULL,          -- the largest submission id at the time: a later file is in use again
        withdrawn_at TEXT NOT NULL,
        who TEXT NOT NULL DEFAULT '',
        note TEXT NOT NULL DEFAULT '',
        restored_by INTEGER REFERENCES restores(id)  -- the restore that undid it, NULL while in force
    );
    CREATE INDEX withdrawals_dp ON withdrawals(district, period);
    """,
    # 10: a withdrawal made by the bureau's 退回 on the web page names that review (serve/, docs/serve.md):
    # the district shows 已退回（待重报）, not 已撤回
    """
    ALTER TABLE withdrawals ADD COLUMN review_id INTEGER REFERENCES reviews(id);
    """,
]

KIND_RECEIVED = ""
KIND_IMPORT = "import"  # an earlier period's district file, imported as history
KIND_IMPORT_TABLE = "import-table"  # one district × period of a history table (汇总数导入)
IMPORT_KINDS = (KIND_IMPORT, KIND_IMPORT_TABLE)

# The parts of a submission's facts, as `verify` names them when one differs from its digest.
FACT_PARTS = {
    "submission": "基本信息（县区、报告期、文件、状态、问题数）",
    "tables": "表头位置",
    "roster": "企业名录数据",
    "projects": "投资项目数据",
    "output": "主要指标数据",
    "findings": "审核问题",
    "aggregates": "汇总数",
    "codes": "信用代码清单",
}
_SUBMISSION_FACTS = ("district", "period", "received_at", "file_name", "archive_path", "sha256",
                     "template_version", "fingerprint", "file_status", "errors", "verify", "explained", "info")


@dataclass(frozen=True)
class Prepared:
    """A submission in the compact form the ledger stores (cheap to pickle from a reading worker).

    ``tables``: key -> (sheet, header_row, columns JSON, rows as tuples in the row table's column order:
    row_number, excluded, *columns as text, raw JSON). ``aggregates``: SubmissionAggregates.to_json of
    the accepted rows. ``fragments``: key -> (stamp, compressed row XML, row count), when already rendered.
    ``digests``: row table key -> the facts digest part of its rows (``_rows_digest`` of the rows as SQLite
    gives them back, ``_as_stored``), computed by ``prepare`` — in the reading worker, so the parent only
    inserts; a key is missing when ``_as_stored`` cannot vouch for the rows (the parent then reads them
    back). Made from ``tables`` by ``prepare``: a Prepared with other tables must not keep these digests.
    """

    tables: dict[str, tuple[str, int, str, list[tuple]]]
    aggregates: str
    fragments: dict[str, tuple[str, bytes, int]] = field(default_factory=dict)
    codes: bytes = b""  # code_list_blob of the accepted roster rows
    digests: dict[str, str] = field(default_factory=dict)


def prepare(submission: Submission) -> Prepared:
    """The compact stored form of a read (and checked) submission; error rows stay, marked excluded."""
    tables = {}
    digests = {key: _rows_digest([]) for key in TABLES}  # a table the file lacks: no rows stored
    for key, table in submission.tables.items():
        if key not in TABLES:
            continue
        columns = TABLES[key][2]
        rows = table.rows
        # column by column (hot: every cell of every row at ingest): a column's types in one C call, then
        # the column as it is (text, int, None) or through str (Decimal) without a call per cell
        values = [r.values for r in rows]
        stored = [_column_text(list(map(dict.get, values, repeat(c)))) for c in columns]
        raws = [json.dumps({k: _to_text(v) for k, v in r.raw.items()}, ensure_ascii=False) if r.raw else "{}"
                for r in rows]
        as_columns = [[r.number for r in rows], [int(r.excluded) for r in rows], *stored, raws]
        stored_rows = list(zip(*as_columns))
        tables[key] = (table.sheet, table.header_row, json.dumps(table.columns, ensure_ascii=False), stored_rows)
        given_back = _as_stored_columns(as_columns, _INTEGER_AT[key])
        if given_back is None:
            del digests[key]  # the parent reads these rows back
        else:
            digests[key] = _rows_digest(stored_rows if given_back is as_columns else list(zip(*given_back)))

    def accepted(key: str) -> list[Row]:
        t = submission.tables.get(key)
        return [r for r in t.rows if not r.excluded] if t else []

    roster = accepted("roster")
    return Prepared(tables, submission_aggregates(roster, accepted("projects")).to_json(),
                    codes=code_list_blob([r.values.get("credit_code") for r in roster]), digests=digests)


def code_list_blob(codes) -> bytes:
    """The distinct credit codes, normalised as R-DUP-ACROSS compares them, as a compressed list."""
    import zlib

    codes = [c for c in codes if c is not None]
    if set(map(type, codes)) <= {str}:  # str(c) is c: the same set through C-level maps
        keys = sorted(set(map(str.upper, map(str.strip, codes))) - {""})
    else:
        keys = sorted({str(c).strip().upper() for c in codes} - {""})
    return zlib.compress("\n".join(keys).encode("utf-8"), 1)


@dataclass
class SubmissionRecord:
    """One received file as recorded in the ledger."""

    id: int
    district: str
    period: str
    received_at: dt.datetime
    ingested_at: dt.datetime
    file_name: str
    archive_path: str
    sha256: str
    template_version: str
    fingerprint: str
    file_status: str
    status: str
    errors: int
    verify: int
    explained: int
    info: int
    superseded_by: int | None
    kind: str = KIND_RECEIVED  # KIND_*: received, or imported as history

    @property
    def readable(self) -> bool:
        return self.file_status != ST_RETURNED

    @property
    def imported(self) -> bool:
        """Taken in as history by `reporttool import`: never late, shown as 导入."""
        return self.kind in IMPORT_KINDS


@dataclass(frozen=True)
class RestoreRecord:
    """One restore: version ``submission_id`` made current again by the bureau."""

    id: int
    district: str
    period: str
    submission_id: int
    replaced_id: int | None  # the version that was current before
    restored_at: dt.datetime
    note: str = ""


@dataclass(frozen=True)
class Withdrawal:
    """One withdrawal: the bureau took ``district``'s month out of use (``reporttool withdraw``)."""

    id: int
    district: str
    period: str
    submission_id: int | None  # the version in use when withdrawn
    withdrawn_at: dt.datetime
    who: str = ""
    note: str = ""
    in_force: bool = True  # False: undone by a restore or by a later file
    review_id: int | None = None  # made by the bureau's 退回 of that version on the web page (serve/)
    restored_by: int | None = None  # the restore that undid (settled) it, None while in force or when a file did

    @property
    def returned(self) -> bool:
        """Made by a 退回 on the web page: the district must correct and resend (已退回（待重报）)."""
        return self.review_id is not None


@dataclass(frozen=True)
class Review:
    """The bureau's decision on one version (web page): 通过, or 退回 with the reason the district sees."""

    submission_id: int
    decision: str
    reason: str
    reviewer: str
    decided_at: dt.datetime


def archive_name(sha256: str, suffix: str) -> str:
    """archive/<sha[:2]>/<sha256><suffix>, relative to the workspace root (always with /)."""
    suffix = suffix.lower() if suffix and len(suffix) <= 10 and suffix[1:].isalnum() else ""
    return f"archive/{sha256[:2]}/{sha256}{suffix}"


def archived_intact(path: Path, sha256: str) -> bool:
    """The archived file exists and its bytes hash to ``sha256``."""
    h = hashlib.sha256()
    try:
        with open(path, "rb") as fh:
            while chunk := fh.read(1 << 20):
                h.update(chunk)
    except OSError:
        return False
    return h.hexdigest() == sha256


def set_aside(path: Path) -> str:
    """Move a changed archived file beside itself as ``<name>.改动-<time>`` (archive files are never
    deleted) and say so."""
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    aside = path.with_name(f"{path.name}.改动-{stamp}")
    n = 1
    while aside.exists():
        n += 1
        aside = path.with_name(f"{path.name}.改动-{stamp}-{n}")
    try:
        os.replace(path, aside)
    except OSError:
        return f"存档文件 {path.name} 内容已被改动（SHA-256 与台账记录不符），且无法移开。"
    return f"存档文件 {path.name} 内容已被改动（SHA-256 与台账记录不符），已改名为 {aside.name} 保留。"


# Positions (in a stored row tuple: row_number, excluded, *columns, raw) of the INTEGER columns of each row table
_INTEGER_AT = {key: frozenset({0, 1} | {2 + i for i, c in enumerate(columns) if c == "employees"})
               for key, (_name, _spec, columns) in TABLES.items()}


def _as_stored(rows: list[tuple], integer_at: frozenset[int]) -> list[tuple] | None:
    """The rows as SQLite gives them back after inserting them into a row table (``_row_table_ddl``), or
    None when that is not certain. A TEXT column keeps a str and turns an int into its decimal text; an
    INTEGER column keeps an int; NULL stays None (SQLite's column affinity, tested against a read-back).
    A str in an INTEGER column (SQLite may turn "12" into 12), a float, a bool or any other type: None.
    Column by column (the types of a column in one C call): the rows themselves when nothing changes."""
    if not rows:
        return []
    width = len(rows[0])
    if any(len(r) != width for r in rows):
        return None
    columns: list = list(zip(*rows))
    given_back = _as_stored_columns(columns, integer_at)
    if given_back is None:
        return None
    return rows if given_back is columns else list(zip(*given_back))


def _as_stored_columns(columns: list, integer_at: frozenset[int]) -> list | None:
    """``_as_stored`` of rows given as their columns (all of one length): the columns as SQLite gives
    them back (``columns`` itself when nothing changes), or None when that is not certain."""
    out = columns
    for i, col in enumerate(columns):
        types = set(map(type, col))
        if i in integer_at:
            if not types <= _INT_AS_IS:
                return None
        elif not types <= _TEXT_AS_IS:
            if not types <= _TEXT_OR_INT:
                return None
            if out is columns:
                out = list(columns)
            out[i] = tuple(v if v is None or v.__class__ is str else str(v) for v in col)
    return out


def _rows_digest(rows: list) -> str:
    """SHA-256 of rows (tuples or lists) as the facts digest keeps them: their JSON (bytes as their own
    SHA-256). The one form used at ingest, in the worker (``prepare``) and by ``verify`` (read back)."""
    blob = json.dumps(rows, ensure_ascii=False, default=_blob_text)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


_TEXT_AS_IS = frozenset({str, type(None)})
_INT_AS_IS = frozenset({int, type(None)})
_TEXT_OR_INT = _TEXT_AS_IS | {int}


def _blob_text(value: Any) -> str:
    if isinstance(value, (bytes, bytearray, memoryview)):
        return hashlib.sha256(bytes(value)).hexdigest()
    return str(value)


def _to_text(value: Any) -> Any:
    if value.__class__ is str:  # most cells (hot: every cell of every row at ingest)
        return value
    if value is None or isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, Decimal):
        return str(value)  # Decimal(str(d)) == d, exponent included
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, bool):
        return "是" if value else "否"
    return str(value)


def _column_text(values: list) -> list:
    """``_to_text`` of every value of one column (the same result, faster when a column is uniform)."""
    types = set(map(type, values))
    if types <= _TEXT_OR_INT:  # str and None as they are; int (never bool: its type is bool) as it is
        return values
    if types <= _DECIMAL_OR_NONE:
        return [v if v is None else str(v) for v in values] if type(None) in types else list(map(str, values))
    if types <= _DATE_OR_NONE:  # 开工时间, 预计投产时间
        return [v if v is None else v.isoformat() for v in values]
    return list(map(_to_text, values))


_DECIMAL_OR_NONE = frozenset({Decimal, type(None)})
_DATE_OR_NONE = frozenset({dt.date, dt.datetime, type(None)})


def _from_text(kind: str, value: Any) -> Any:
    if value is None:
        return None
    if kind == AMOUNT:
        return Decimal(value)
    if kind == INT:
        return int(value)
    if kind == DATE:
        return dt.date.fromisoformat(str(value)[:10])
    return value


class Ledger:
    """The workspace's SQLite ledger. Use as a context manager, or call close()."""

    def __init__(self, ws: Workspace):
        self.ws = ws
        ws.root.mkdir(parents=True, exist_ok=True)
        # a new (or empty) ledger file: the run says so when there are archived files or outputs before it
        self.created = not ws.ledger.is_file() or ws.ledger.stat().st_size == 0
        try:
            self.db = sqlite3.connect(str(ws.ledger), timeout=30, isolation_level=None)
        except sqlite3.Error as exc:
            raise ReportToolError(f"无法打开台账文件 {ws.ledger}（{exc}）") from None
        self.db.row_factory = sqlite3.Row
        self._enter_wal()
        self.db.execute("PRAGMA foreign_keys=ON")
        self.db.execute("PRAGMA synchronous=FULL")
        self.notices: list[str] = []  # things the run should tell the user (a repaired archive file …)
        self._checkpointer: threading.Thread | None = None
        self._migrate()

    def _enter_wal(self) -> None:
        """PRAGMA journal_mode=WAL, retried while another connection holds the lock. SQLite answers
        "database is locked" at once, without the busy handler, when several connections switch a fresh
        file to WAL together (the web page's first requests): the 30 s timeout alone does not cover it."""
        deadline = time.monotonic() + 30
        delay = 0.005
        while True:
            try:
                self.db.execute("PRAGMA journal_mode=WAL")
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() > deadline:
                    self.db.close()
                    raise ReportToolError(f"无法打开台账文件 {self.ws.ledger}（{exc}）") from None
                time.sleep(delay)
                delay = min(delay * 2, 0.2)

    # ---- lifecycle -------------------------------------------------------------------------------
    def close(self) -> None:
        if self._checkpointer is not None:
            self._checkpointer.join()
        self.db.close()

    def checkpoint_soon(self) -> None:
        """Copy the WAL into the database file now, in a thread, while the caller goes on (a consolidate:
        writing its outputs). Closing the last connection does that copy and syncs the file, ≈ 0.04 s at
        the end of a one-file re-run at province scale; done here, on a connection of its own (SQLite works
        without the GIL), close() finds only the run's last few pages left. Joined by close()."""
        if self._checkpointer is not None:
            return
        path = str(self.ws.ledger)

        def work() -> None:
            try:
                db = sqlite3.connect(path, timeout=30, isolation_level=None)
                try:
                    db.execute("PRAGMA wal_checkpoint(PASSIVE)")
                finally:
                    db.close()  # not the last connection: no second checkpoint
            except sqlite3.Error:
                pass  # nothing lost: close() checkpoints what is left

        self._checkpointer = threading.Thread(target=work, name="ledger-checkpoint", daemon=True)
        self._checkpointer.start()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @contextlib.contextmanager
    def batch(self, commits: int = 2) -> Iterator[None]:
        """Many one-file transactions in a row (a consolidate's or an import's new files), made durable
        together at the end instead of one by one.

        Inside, commits run with ``synchronous=NORMAL``: in WAL mode a commit is then atomic and survives
        the program crashing or being killed (the WAL is written before COMMIT returns); only an operating
        system crash or power loss before the end of the batch could lose the last commits, and never
        corrupts the file. At the end a checkpoint syncs the WAL (SQLite syncs it before every checkpoint), so
        every commit of the batch is on disk before anything is written from it (the run's outputs come
        after) — as with ``synchronous=FULL`` (an fsync per commit: 0.5–5 s of a 100-file run on a busy disk,
        more on a Windows PC with a virus scanner). A commit lost that way is harmless: its file is still in
        inbox/ and the next run reads it again.

        ``commits``: how many are expected. One (a re-run after one correction) is made durable by itself
        (``synchronous=FULL``: one sync of the WAL), which costs less than the checkpoint (the WAL's pages
        copied into the database, then both synced: ≈ 0.05 s of such a re-run)."""
        if commits <= 1:
            yield
            return
        self.db.execute("PRAGMA synchronous=NORMAL")
        try:
            yield
        finally:
            try:
                self.db.execute("PRAGMA wal_checkpoint(PASSIVE)")
            finally:
                self.db.execute("PRAGMA synchronous=FULL")

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE ... COMMIT, rolled back on any exception."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    def _migrate(self) -> None:
        version = self.db.execute("PRAGMA user_version").fetchone()[0]
        if version > len(MIGRATIONS):
            raise ReportToolError(f"台账文件 {self.ws.ledger} 由更新版本的 reporttool 创建（结构版本 {version}），"
                                  f"请升级 reporttool 后再运行。")
        for i in range(version, len(MIGRATIONS)):
            with self.transaction() as db:
                if db.execute("PRAGMA user_version").fetchone()[0] > i:  # another connection just did it
                    continue
                for stmt in MIGRATIONS[i].split(";"):
                    if stmt.strip():
                        db.execute(stmt)
                db.execute(f"PRAGMA user_version={i + 1}")
        if version < 5 <= len(MIGRATIONS):
            self._seal_all()

    def _seal_all(self) -> None:
        """Digest the facts of submissions recorded before digests were kept (upgrade to schema 5): from
        now on a change is caught. Their lazily stored sums and code lists are stored first."""
        for (sid,) in self.db.execute("SELECT id FROM submissions WHERE facts_digest='' ORDER BY id").fetchall():
            if self.db.execute("SELECT 1 FROM submissions WHERE id=? AND file_status!=?",
                               (sid, ST_RETURNED)).fetchone():
                self.aggregates(sid)
                if not self.db.execute("SELECT 1 FROM code_lists WHERE submission_id=?", (sid,)).fetchone():
                    blob = code_list_blob(c for (c,) in self.db.execute(
                        "SELECT credit_code FROM roster_rows WHERE submission_id=? AND excluded=0", (sid,)))
                    with self.transaction() as db:
                        db.execute("INSERT OR REPLACE INTO code_lists (submission_id, data) VALUES (?,?)", (sid, blob))
            with self.transaction() as db:
                db.execute("UPDATE submissions SET facts_digest=? WHERE id=?",
                           (json.dumps(self._digest_parts(db, sid), sort_keys=True), sid))

    @property
    def schema_version(self) -> int:
        return self.db.execute("PRAGMA user_version").fetchone()[0]

    # ---- archive ---------------------------------------------------------------------------------
    def archive(self, data: bytes, sha256: str, suffix: str) -> str:
        """Store the original bytes (once; never overwritten). Returns the path relative to the root."""
        rel = archive_name(sha256, suffix)
        dest = self.ws.root / rel
        if dest.exists() and not archived_intact(dest, sha256):
            self.notices.append(set_aside(dest) + "已按收件箱中的原文件重新存档。")
        if not dest.exists():
            atomic_write_bytes(dest, data)
        return rel

    def trusted_archive(self, rec: SubmissionRecord, inbox: dict[str, Path] | None = None) -> Path | None:
        """The archived file of ``rec`` when its bytes still hash to ``rec.sha256``; else it is set aside
        (never deleted), repaired from an inbox file with the same hash when ``inbox`` (sha -> path) has
        one, and None returned when it cannot be (the caller then does without the file)."""
        path = self.archived_path(rec)
        if archived_intact(path, rec.sha256):
            return path
        head = set_aside(path) if path.exists() else f"存档文件 {rec.archive_path} 不存在（被删除或移走）。"
        source = (inbox or {}).get(rec.sha256)
        data = None
        if source is not None:
            with contextlib.suppress(OSError):
                data = source.read_bytes()
        if source is not None and data is not None and hashlib.sha256(data).hexdigest() == rec.sha256:
            atomic_write_bytes(path, data)
            self.notices.append(head + f"已用收件箱中的原文件 {source.name} 修复存档。")
            return path
        self.notices.append(head + f"{rec.file_name} 的反馈表只列问题清单，未使用该存档文件；"
                                   f"请让报送单位重新报送或从备份恢复存档。")
        return None

    def archived_path(self, rec: SubmissionRecord) -> Path:
        return self.ws.root / rec.archive_path

    # ---- ingest ----------------------------------------------------------------------------------
    def known(self, sha256: str) -> bool:
        return self.db.execute("SELECT 1 FROM submissions WHERE sha256=?", (sha256,)).fetchone() is not None

    def ingest(self, *, data: bytes, sha256: str, file_name: str, received_at: dt.datetime, district: str,
               period: str, file_status: str, submission: Submission | None, findings: list[Finding],
               template_version: str = "", fingerprint: str = "",
               ingested_at: dt.datetime | None = None, prepared: Prepared | None = None,
               kind: str = KIND_RECEIVED) -> tuple[int, bool]:
        """Archive and record one received file with its facts and findings, in one transaction.

        The facts come as ``submission`` (prepared here) or already ``prepared`` (by a reading worker).
        ``kind``: KIND_RECEIVED, or one of IMPORT_KINDS for history taken in by `reporttool import`.

        Returns (submission id, True) for a new file, (existing id, False) for bytes already recorded
        (idempotent: nothing changes). Then applies the supersede rule for the district and period.
        """
        row = self.db.execute("SELECT id FROM submissions WHERE sha256=?", (sha256,)).fetchone()
        if row:
            return row["id"], False
        rel = self.archive(data, sha256, Path(file_name).suffix)
        c = FindingCounts.of(findings)
        now = (ingested_at or dt.datetime.now()).replace(microsecond=0)
        with self.transaction() as db:
            cur = db.execute(
                "INSERT INTO submissions (district, period, received_at, ingested_at, file_name, archive_path,"
                " sha256, template_version, fingerprint, file_status, status, errors, verify, explained, info, kind)"
                " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (district, period, received_at.isoformat(), now.isoformat(), file_name, rel, sha256,
                 template_version, fingerprint, file_status, file_status, c.errors, c.verify,
                 c.explained, c.info, kind))
            sid = cur.lastrowid
            assert sid is not None  # an INSERT always sets it
            if prepared is None and submission is not None:
                prepared = prepare(submission)
            if prepared is not None:
                self._insert_prepared(db, sid, prepared)
            db.executemany(
                "INSERT INTO findings (submission_id, rule, severity, message, file, district, sheet, row, col,"
                " cell, value, explanation) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                [(sid, f.rule, f.severity, f.message, f.file, f.district, f.sheet, f.row, f.column, f.cell,
                  f.value, f.explanation) for f in findings])
            db.execute("UPDATE submissions SET facts_digest=? WHERE id=?",
                       (json.dumps(self._digest_parts(db, sid, prepared), sort_keys=True), sid))
            if district:
                self._resolve_versions(db, district, period)
        return sid, True

    # ---- facts digest (reporttool verify) ----------------------------------------------------------
    @staticmethod
    def _digest_parts(db: sqlite3.Connection, sid: int, inserted: Prepared | None = None) -> dict[str, str]:
        """SHA-256 of each part of a submission's stored facts (FACT_PARTS), in a canonical form.

        Covers everything the figures, the detail workbook's rows and the feedback use, except what
        changes legitimately after ingest: ``status``/``superseded_by`` (a later version supersedes)
        and the rendered fragments (a cache, rendered again when the catalogue changes).

        ``inserted``: the Prepared just inserted for ``sid`` (ingest): its row tables are digested from the
        rows as given (``_as_stored``, what SQLite gives back for them) instead of reading every row back —
        half of the parent's storing time at province scale. Anything ``_as_stored`` cannot vouch for is
        read back as before."""
        def h(rows) -> str:  # rows as tuples: json writes them as it writes lists
            return _rows_digest(rows if isinstance(rows, list) else rows.fetchall())

        cur = db.cursor()  # plain tuples: no sqlite3.Row per row (hot: every row of every file at ingest)
        cur.row_factory = None

        facts = [list(r) for r in cur.execute(f"SELECT {', '.join(_SUBMISSION_FACTS)}, kind FROM submissions"
                                             f" WHERE id=?", (sid,))]
        for r in facts:  # the kind counts only when set: digests kept before schema 8 stay valid
            if r and r[-1] == KIND_RECEIVED:
                r.pop()
        out = {"submission": h(facts),
               "tables": h(cur.execute("SELECT key, sheet, header_row, columns FROM tables WHERE submission_id=?"
                                      " ORDER BY key", (sid,)))}
        for key, (name, _spec, columns) in TABLES.items():
            if inserted is not None and key in inserted.digests:  # computed by the reading worker (prepare)
                out[key] = inserted.digests[key]
                continue
            given = inserted.tables.get(key) if inserted is not None else None
            rows = _as_stored(given[3] if given else [], _INTEGER_AT[key])
            out[key] = h(rows if rows is not None and inserted is not None else
                         cur.execute(f"SELECT row_number, excluded, {', '.join(columns)}, raw FROM {name}"
                                     f" WHERE submission_id=? ORDER BY id", (sid,)))
        out["findings"] = h(cur.execute("SELECT rule, severity, message, file, district, sheet, row, col, cell, value,"
                                       " explanation FROM findings WHERE submission_id=? ORDER BY id", (sid,)))
        out["aggregates"] = h(cur.execute("SELECT data FROM aggregates WHERE submission_id=?", (sid,)))
        out["codes"] = h(cur.execute("SELECT data FROM code_lists WHERE submission_id=?", (sid,)))
        return out

    def facts_changed(self, sid: int) -> list[str]:
        """The parts of a submission's facts (FACT_PARTS, in Chinese) that differ from the digest kept at
        ingest: [] when they are as recorded."""
        r = self.db.execute("SELECT facts_digest FROM submissions WHERE id=?", (sid,)).fetchone()
        if r is None:
            return []
        try:
            kept = json.loads(r["facts_digest"]) if r["facts_digest"] else None
        except ValueError:
            kept = None
        if not isinstance(kept, dict):
            return ["入账摘要"]
        now = self._digest_parts(self.db, sid)
        return [FACT_PARTS[k] for k in FACT_PARTS if kept.get(k) != now.get(k)]

    def integrity_problems(self) -> list[str]:
        """SQLite's PRAGMA integrity_check and foreign_key_check: [] when the file is sound."""
        out = [r[0] for r in self.db.execute("PRAGMA integrity_check").fetchall() if r[0] != "ok"]
        for r in self.db.execute("PRAGMA foreign_key_check").fetchall():
            out.append(f"表 {r[0]} 第 {r[1]} 行引用的 {r[2]} 记录不存在")
        return out

    def _insert_prepared(self, db: sqlite3.Connection, sid: int, prepared: Prepared) -> None:
        for key, (sheet, header_row, columns_json, rows) in prepared.tables.items():
            if key not in TABLES:
                continue
            name, _spec, columns = TABLES[key]
            db.execute("INSERT INTO tables (submission_id, key, sheet, header_row, columns) VALUES (?,?,?,?,?)",
                       (sid, key, sheet, header_row, columns_json))
            # the id written into the statement (an int from lastrowid): the rows go in as they came
            sql = (f"INSERT INTO {name} (submission_id, row_number, excluded, {', '.join(columns)}, raw)"
                   f" VALUES ({int(sid)},?,?,{','.join('?' * len(columns))},?)")
            db.executemany(sql, rows)
        db.execute("INSERT INTO aggregates (submission_id, data) VALUES (?,?)", (sid, prepared.aggregates))
        db.execute("INSERT INTO code_lists (submission_id, data) VALUES (?,?)", (sid, prepared.codes))
        for key, (stamp, data, n) in prepared.fragments.items():
            db.execute("INSERT INTO fragments (submission_id, key, stamp, n_rows, data) VALUES (?,?,?,?,?)",
                       (sid, key, stamp, n, data))

    def _resolve_versions(self, db: sqlite3.Connection, district: str, period: str) -> None:
        """The latest readable file (received_at, then ingest order) is current; older readable ones are
        被替代 by it. Refused files keep 退回 and never replace a readable version.

        After a restore (``restore``) the restored version is current instead, until a readable file
        ingested after the restore and received later than the restored version arrives."""
        rows = db.execute("SELECT id, file_status, received_at FROM submissions WHERE district=? AND period=?"
                          " ORDER BY kind IN (?, ?) DESC, received_at, id",
                          (district, period, *IMPORT_KINDS)).fetchall()
        readable = [r for r in rows if r["file_status"] != ST_RETURNED]
        if not readable:
            return
        current = readable[-1]["id"]
        back = db.execute("SELECT submission_id, last_id FROM restores WHERE district=? AND period=?"
                          " ORDER BY id DESC LIMIT 1", (district, period)).fetchone()
        chosen = next((r for r in readable if back and r["id"] == back["submission_id"]), None)
        if chosen is not None:
            later = [r for r in readable if r["id"] > back["last_id"] and r["received_at"] >= chosen["received_at"]]
            current = later[-1]["id"] if later else chosen["id"]
        for r in readable:
            if r["id"] == current:
                db.execute("UPDATE submissions SET status=file_status, superseded_by=NULL WHERE id=?", (current,))
            else:
                db.execute("UPDATE submissions SET status=?, superseded_by=? WHERE id=?",
                           (ST_SUPERSEDED, current, r["id"]))

    # ---- queries ---------------------------------------------------------------------------------
    @staticmethod
    def _record(r: sqlite3.Row) -> SubmissionRecord:
        return SubmissionRecord(
            r["id"], r["district"], r["period"], dt.datetime.fromisoformat(r["received_at"]),
            dt.datetime.fromisoformat(r["ingested_at"]), r["file_name"], r["archive_path"], r["sha256"],
            r["template_version"], r["fingerprint"], r["file_status"], r["status"], r["errors"], r["verify"],
            r["explained"], r["info"], r["superseded_by"], r["kind"])

    def submission(self, sid: int) -> SubmissionRecord | None:
        r = self.db.execute("SELECT * FROM submissions WHERE id=?", (sid,)).fetchone()
        return self._record(r) if r else None

    def by_sha(self, sha256: str) -> SubmissionRecord | None:
        r = self.db.execute("SELECT * FROM submissions WHERE sha256=?", (sha256,)).fetchone()
        return self._record(r) if r else None

    def submissions(self, *, period: str | None = None, district: str | None = None) -> list[SubmissionRecord]:
        """All received files (any status), oldest first (received_at, then ingest order)."""
        where, args = _filters(period=period, district=district)
        return [self._record(r) for r in self.db.execute(f"SELECT * FROM submissions{where} ORDER BY received_at, id",
                                                         args)]

    def history(self, *, district: str | None = None, period: str | None = None) -> list[SubmissionRecord]:
        """Versions received, newest first."""
        return list(reversed(self.submissions(period=period, district=district)))

    def current(self, period: str) -> dict[str, SubmissionRecord]:
        """District code -> the version in use for ``period``: the readable file not 被替代 (the latest
        one, or the one the bureau restored), else the latest refused one (so a district whose only files
        were refused shows 退回)."""
        groups: dict[str, list[SubmissionRecord]] = {}
        for rec in self.submissions(period=period):
            if rec.district:
                groups.setdefault(rec.district, []).append(rec)
        out: dict[str, SubmissionRecord] = {}
        for district, recs in groups.items():
            readable = [r for r in recs if r.readable]
            live = [r for r in readable if r.superseded_by is None]
            out[district] = (live or readable or recs)[-1]
        for district in self.withdrawn(period):
            out.pop(district, None)
        return out

    # ---- withdraw ----------------------------------------------------------------------------------
    def withdrawn(self, period: str) -> set[str]:
        """The districts whose month ``period`` the bureau withdrew (``withdraw``) and that is still
        withdrawn: no restore since, and no readable file of that district and period ingested after."""
        return {w.district for w in self.withdrawals(period=period) if w.in_force}

    def withdrawals(self, *, district: str | None = None, period: str | None = None) -> list[Withdrawal]:
        """The bureau's withdrawals, newest first; ``in_force`` only for the latest of a district and
        period, when neither a restore nor a readable file ingested after it undid it."""
        where, args = _filters(district=district, period=period)
        rows = self.db.execute(f"SELECT * FROM withdrawals{where} ORDER BY id DESC", args).fetchall()
        out: list[Withdrawal] = []
        seen: set[tuple[str, str]] = set()
        for r in rows:
            key = (r["district"], r["period"])
            force = key not in seen and r["restored_by"] is None and self.db.execute(
                "SELECT 1 FROM submissions WHERE district=? AND period=? AND id>? AND file_status!=? LIMIT 1",
                (r["district"], r["period"], r["last_id"], ST_RETURNED)).fetchone() is None
            seen.add(key)
            out.append(Withdrawal(r["id"], r["district"], r["period"], r["submission_id"],
                                  dt.datetime.fromisoformat(r["withdrawn_at"]), r["who"], r["note"], force,
                                  r["review_id"], r["restored_by"]))
        return out

    def withdraw(self, period: str, district: str, *, who: str = "", note: str = "",
                 now: dt.datetime | None = None, review_id: int | None = None) -> SubmissionRecord:
        """Take ``district``'s month ``period`` out of use: from now on no version of it is in use (the
        figures, 当月 of the next month, quarters and years do without it) until ``restore`` or a new
        readable file of that district and period. Nothing is deleted. Returns the version withdrawn.
        ``review_id``: the bureau's 退回 on the web page that takes the version out (ledger/restore.py).

        Raises ReportToolError when the district has no version in use for the period."""
        before = self.current(period).get(district)
        if before is None:
            if district in self.withdrawn(period):
                raise ReportToolError("该县区该报告期已经撤回，无需再次撤回（可用 reporttool restore 恢复）。")
            raise ReportToolError("台账中没有该县区该报告期的报表，无可撤回。")
        now = (now or dt.datetime.now()).replace(microsecond=0)
        with self.transaction() as db:
            last = db.execute("SELECT COALESCE(MAX(id), 0) FROM submissions").fetchone()[0]
            db.execute("INSERT INTO withdrawals (district, period, submission_id, last_id, withdrawn_at, who, note,"
                       " review_id) VALUES (?,?,?,?,?,?,?,?)",
                       (district, period, before.id, last, now.isoformat(), who, note, review_id))
        return before

    # ---- restore ---------------------------------------------------------------------------------
    def restore(self, period: str, district: str, sid: int, *, now: dt.datetime | None = None,
                note: str = "") -> tuple[SubmissionRecord, SubmissionRecord | None]:
        """Make version ``sid`` of ``district`` for ``period`` current again (the bureau undoing a wrong
        supersede); recorded in ``restores`` (shown by ``history``). Returns (restored, previously current).

        Raises ReportToolError when ``sid`` is not a readable version of that district and period."""
        rec = self.submission(sid)
        if rec is None or rec.district != district or rec.period != period:
            raise ReportToolError("台账中没有该县区该报告期的这个版本，请用 reporttool history 查看可恢复的版本。")
        if not rec.readable:
            raise ReportToolError(f"{rec.file_name} 是退回的文件（无法使用），不能恢复为在用版本。")
        before = self.current(period).get(district)
        if before is not None and before.id == sid:
            raise ReportToolError(f"{rec.file_name} 已经是在用版本，无需恢复。")
        now = (now or dt.datetime.now()).replace(microsecond=0)
        # the withdrawal this restore ends (one in force); one a later file already ended keeps saying so
        force = [w.id for w in self.withdrawals(period=period, district=district) if w.in_force]
        with self.transaction() as db:
            last = db.execute("SELECT COALESCE(MAX(id), 0) FROM submissions").fetchone()[0]
            cur = db.execute("INSERT INTO restores (district, period, submission_id, replaced_id, last_id,"
                             " restored_at, note) VALUES (?,?,?,?,?,?,?)",
                             (district, period, sid, before.id if before else None, last, now.isoformat(), note))
            for wid in force:
                db.execute("UPDATE withdrawals SET restored_by=? WHERE id=?", (cur.lastrowid, wid))
            self._resolve_versions(db, district, period)
        restored = self.submission(sid)
        assert restored is not None  # read above, never deleted
        return restored, before

    def restores(self, *, district: str | None = None, period: str | None = None) -> list[RestoreRecord]:
        """The bureau's restores, newest first."""
        where, args = _filters(district=district, period=period)
        return [RestoreRecord(r["id"], r["district"], r["period"], r["submission_id"], r["replaced_id"],
                              dt.datetime.fromisoformat(r["restored_at"]), r["note"])
                for r in self.db.execute(f"SELECT * FROM restores{where} ORDER BY id DESC", args)]

    def tables(self, sid: int, keys: tuple[str, ...] | None = None) -> dict[str, Table]:
        """The stored tables of a submission (only ``keys`` when given), rows restored to the reader's
        value types. Rebuilding every row costs: figures use ``aggregates`` instead."""
        out: dict[str, Table] = {}
        for t in self.db.execute("SELECT * FROM tables WHERE submission_id=?", (sid,)):
            key = t["key"]
            if key not in TABLES or (keys is not None and key not in keys):
                continue
            name, spec, columns = TABLES[key]
            kinds = {c.key: c.kind for c in spec.columns}
            rows = []
            for r in self.db.execute(f"SELECT * FROM {name} WHERE submission_id=? ORDER BY row_number, id",
                                     (sid,)):
                values = {c: _from_text(kinds.get(c, ""), r[c]) for c in columns}
                rows.append(Row(r["row_number"], values, json.loads(r["raw"]), bool(r["excluded"])))
            out[key] = Table(t["sheet"], key, t["header_row"], json.loads(t["columns"]), rows)
        return out

    def table_heads(self, sid: int) -> dict[str, Table]:
        """The stored tables of a submission without their rows (sheet, header row, columns)."""
        return {t["key"]: Table(t["sheet"], t["key"], t["header_row"], json.loads(t["columns"]), [])
                for t in self.db.execute("SELECT * FROM tables WHERE submission_id=?", (sid,))}

    def credit_codes(self, sids: list[int]) -> dict[int, list[tuple[int, str, str]]]:
        """Accepted roster rows of the submissions whose credit code also appears in another of them, as
        (row number, credit code, name): all the cross rule R-DUP-ACROSS needs. A code found in one
        submission only can never be double counted, so its rows are not loaded (two narrow queries
        instead of 200,000 rows at province scale). Codes are compared as the rule compares them."""
        out: dict[int, list[tuple[int, str, str]]] = {sid: [] for sid in sids}
        if len(sids) < 2:
            return out
        import zlib

        stored = dict(self.db.execute(
            f"SELECT submission_id, data FROM code_lists WHERE submission_id IN ({','.join('?' * len(sids))})", sids))
        texts = []
        for sid in sids:
            if sid not in stored:  # a ledger from before code lists were stored: build it once
                stored[sid] = code_list_blob(c for (c,) in self.db.execute(
                    "SELECT credit_code FROM roster_rows WHERE submission_id=? AND excluded=0", (sid,)))
                with self.transaction() as db:
                    db.execute("INSERT OR REPLACE INTO code_lists (submission_id, data) VALUES (?,?)",
                               (sid, stored[sid]))
            text = zlib.decompress(stored[sid]).decode("utf-8")
            if text:
                texts.append(text)
        # each list holds a code once, so a code in two submissions is a code twice in all of them together:
        # one C-level set of the lot tells whether there is any (usually none) — not a set per submission
        every = "\n".join(texts).split("\n") if texts else []
        if len(set(every)) == len(every):
            return out
        shared = {code for code, n in Counter(every).items() if n > 1}
        if not shared:
            return out
        # the reader stores codes normalised (clean_text + upper), so the stored text is the key itself
        marks = ",".join("?" * len(sids))
        codes = sorted(shared)
        for i in range(0, len(codes), 500):
            chunk = codes[i:i + 500]
            for sid, n, code, name in self.db.execute(
                    f"SELECT submission_id, row_number, credit_code, name FROM roster_rows WHERE excluded=0 AND"
                    f" submission_id IN ({marks}) AND credit_code IN ({','.join('?' * len(chunk))})", [*sids, *chunk]):
                out[sid].append((n, code, name))
        for rows in out.values():
            rows.sort()
        return out

    def code_set(self, sid: int) -> set[str]:
        """The distinct credit codes of a submission's accepted roster rows (its stored code list)."""
        import zlib

        r = self.db.execute("SELECT data FROM code_lists WHERE submission_id=?", (sid,)).fetchone()
        blob = r["data"] if r else code_list_blob(c for (c,) in self.db.execute(
            "SELECT credit_code FROM roster_rows WHERE submission_id=? AND excluded=0", (sid,)))
        text = zlib.decompress(blob).decode("utf-8")
        return set(text.split("\n")) if text else set()

    def roster_entries(self, sid: int, codes: set[str]) -> list[tuple[int, str, str, str, str]]:
        """(row number, credit code, name, cluster, 说明) of a submission's accepted roster rows with these
        codes, by row: a narrow query for the few enterprises that came or went (R-ROSTER-NEW/-GONE)."""
        out: list[tuple[int, str, str, str, str]] = []
        keys = sorted(codes)
        for i in range(0, len(keys), 500):
            chunk = keys[i:i + 500]
            out += [(n, code, name or "", cluster or "", note or "") for n, code, name, cluster, note in self.db.execute(
                f"SELECT row_number, credit_code, name, cluster, note FROM roster_rows WHERE excluded=0 AND"
                f" submission_id=? AND credit_code IN ({','.join('?' * len(chunk))})", [sid, *chunk])]
        return sorted(out)

    def roster_listing(self, sid: int) -> list[tuple[int, str, str, str, str, bool]]:
        """(row number, credit code, name, cluster, 说明, excluded) of every named roster row of a submission,
        accepted or not, by row: read only when an enterprise seems gone, to find it by name (R-ROSTER-GONE)."""
        return [(n, code or "", name or "", cluster or "", note or "", bool(excluded))
                for n, code, name, cluster, note, excluded in self.db.execute(
                    "SELECT row_number, credit_code, name, cluster, note, excluded FROM roster_rows"
                    " WHERE submission_id=? AND name IS NOT NULL AND name<>'' ORDER BY row_number, id", (sid,))]

    def aggregates(self, sid: int, *, without_rows: frozenset[int] = frozenset()) -> SubmissionAggregates:
        """The stored per-cluster aggregates of a submission (aggregates.submission_aggregates).

        ``without_rows``: roster row numbers excluded after ingest (by a cross rule): the aggregates are
        then recomputed from the stored rows (rare). A ledger from before aggregates were stored gets
        them computed and stored on first use; one written in the older tagged JSON is read as it is.
        """
        row = None if without_rows else self.db.execute(
            "SELECT data FROM aggregates WHERE submission_id=?", (sid,)).fetchone()
        if row is not None:
            return SubmissionAggregates.from_json(row["data"])
        tables = self.tables(sid, ("roster", "projects"))
        roster = [r for r in tables["roster"].rows if not r.excluded and r.number not in without_rows] \
            if "roster" in tables else []
        projects = [r for r in tables["projects"].rows if not r.excluded] if "projects" in tables else []
        agg = submission_aggregates(roster, projects)
        if not without_rows:
            with self.transaction() as db:
                db.execute("INSERT OR REPLACE INTO aggregates (submission_id, data) VALUES (?,?)",
                           (sid, agg.to_json()))
        return agg

    def fragment(self, sid: int, key: str) -> tuple[str, bytes, int] | None:
        """The stored detail-list fragment of a submission's table: (stamp, data, row count)."""
        r = self.db.execute("SELECT stamp, data, n_rows FROM fragments WHERE submission_id=? AND key=?",
                            (sid, key)).fetchone()
        return (r["stamp"], bytes(r["data"]), r["n_rows"]) if r else None

    def put_fragment(self, sid: int, key: str, stamp: str, data: bytes, n_rows: int) -> None:
        with self.transaction() as db:
            db.execute("INSERT OR REPLACE INTO fragments (submission_id, key, stamp, n_rows, data) VALUES (?,?,?,?,?)",
                       (sid, key, stamp, n_rows, data))

    def findings(self, sid: int) -> list[Finding]:
        """The findings of a submission; one on a row of its 集群产出 table carries that row's 计量单位
        (``Finding.unit``), so a list can say what unit the 填报值 is in."""
        return [Finding(r["rule"], r["severity"], r["message"], r["file"], r["district"], r["sheet"], r["row"],
                        r["col"], r["cell"], r["value"], r["explanation"], unit=r["row_unit"] or "")
                for r in self.db.execute(
                    "SELECT f.*, o.unit AS row_unit FROM findings f"
                    " LEFT JOIN tables t ON t.submission_id=f.submission_id AND t.key='output' AND t.sheet=f.sheet"
                    " LEFT JOIN output_rows o ON t.key IS NOT NULL AND o.submission_id=f.submission_id"
                    " AND o.row_number=f.row"
                    " WHERE f.submission_id=? ORDER BY f.id", (sid,))]

    # ---- per-period sums (figures/history.py) -----------------------------------------------------
    def period_sums(self, period: str) -> tuple[str, str] | None:
        """The stored (stamp, data) of a period's per-district sums, None when never stored."""
        r = self.db.execute("SELECT stamp, data FROM period_sums WHERE period=?", (period,)).fetchone()
        return (r["stamp"], r["data"]) if r else None

    def put_period_sums(self, period: str, stamp: str, data: str) -> None:
        """Keep a period's per-district sums (a cache: replaced whenever the stamp changes)."""
        with self.transaction() as db:
            db.execute("INSERT OR REPLACE INTO period_sums (period, stamp, data) VALUES (?,?,?)", (period, stamp, data))

    # ---- the bureau's reviews (serve/) -------------------------------------------------------------
    def add_review(self, sid: int, decision: str, reason: str, reviewer: str, at: dt.datetime) -> int:
        """Record the bureau's 通过 / 退回 (with its reason) of a version; the latest one counts. Returns its id."""
        with self.transaction() as db:
            cur = db.execute("INSERT INTO reviews (submission_id, decision, reason, reviewer, decided_at)"
                             " VALUES (?,?,?,?,?)",
                             (sid, decision, reason, reviewer, at.replace(microsecond=0).isoformat()))
        return int(cur.lastrowid or 0)

    def reviews(self, sids: list[int]) -> dict[int, Review]:
        """The latest review of each of ``sids`` that has one."""
        out: dict[int, Review] = {}
        for i in range(0, len(sids), 500):
            chunk = sids[i:i + 500]
            for r in self.db.execute(f"SELECT * FROM reviews WHERE submission_id IN ({','.join('?' * len(chunk))})"
                                     " ORDER BY id", chunk):
                out[r["submission_id"]] = Review(r["submission_id"], r["decision"], r["reason"], r["reviewer"],
                                                 dt.datetime.fromisoformat(r["decided_at"]))
        return out

    # ---- brief numbers ---------------------------------------------------------------------------
    def issue_number(self, period: str, year: int, *, now: dt.datetime | None = None, wanted: int | None = None) -> int:
        """第N期 of the brief for ``period``: the number already given to that period, else ``wanted`` (the
        period's own, Settings.issue_for) when no other period of the year has it, else the year's largest
        number + 1 (numbered per year of the period; numbers are never reused)."""
        with self.transaction() as db:
            r = db.execute("SELECT number FROM briefs WHERE period=?", (period,)).fetchone()
            if r:
                return r["number"]
            if wanted is not None and db.execute("SELECT 1 FROM briefs WHERE year=? AND number=?",
                                                 (year, wanted)).fetchone() is None:
                n: int = wanted
            else:
                n = db.execute("SELECT COALESCE(MAX(number), 0) + 1 FROM briefs WHERE year=?", (year,)).fetchone()[0]
            db.execute("INSERT INTO briefs (year, number, period, created_at) VALUES (?,?,?,?)",
                       (year, n, period, (now or dt.datetime.now()).replace(microsecond=0).isoformat()))
            return n

    def issue_numbers(self) -> dict[str, int]:
        """Period key -> its brief number."""
        return {r["period"]: r["number"] for r in self.db.execute("SELECT period, number FROM briefs")}

    def issue_date(self, period: str) -> dt.date | None:
        """The issue date (印发日期) last used for the brief of ``period``, None when unknown."""
        r = self.db.execute("SELECT issued FROM briefs WHERE period=?", (period,)).fetchone()
        try:
            return dt.date.fromisoformat(r["issued"]) if r and r["issued"] else None
        except ValueError:
            return None

    def set_issue_date(self, period: str, issued: dt.date) -> None:
        with self.transaction() as db:
            db.execute("UPDATE briefs SET issued=? WHERE period=?", (issued.isoformat(), period))

    def restore_issue(self, period: str, year: int, number: int, issued: dt.date | None,
                      created_at: str) -> bool:
        """Record a number already issued (found in an output manifest after the ledger was rebuilt):
        True when recorded, False when the period has a number or the year's number is taken."""
        with self.transaction() as db:
            if db.execute("SELECT 1 FROM briefs WHERE period=? OR (year=? AND number=?)",
                          (period, year, number)).fetchone():
                return False
            db.execute("INSERT INTO briefs (year, number, period, created_at, issued) VALUES (?,?,?,?,?)",
                       (year, number, period, created_at, issued.isoformat() if issued else ""))
            return True


def _filters(**columns: str | None) -> tuple[str, list[str]]:
    """A WHERE clause (with its arguments) matching each given column; columns given as None are not filtered.
    Column names come from the keyword names in this module, never from users."""
    given = {k: v for k, v in columns.items() if v is not None}
    where = " WHERE " + " AND ".join(f"{k}=?" for k in given) if given else ""
    return where, list(given.values())
