"""`reporttool import`: earlier periods taken into the ledger as history (docs/history.md).

District files of earlier months go the consolidate way (isolated reading, the same checks, archive,
aggregates and supersede rule: pipeline.ingest.prepare_ingest in the workers, Ledger.ingest here), each
under the period and district its own identity names, recorded with kind ``import``: never counted late,
shown as 导入 in 报送情况 and `history`, and never replacing a version the district sent itself.

A history table (pipeline/history_table.py: a sheet 历史数据 of 报告期, 县区, 集群, 指标, 本年累计, 上年同期)
gives one submission of the 集群产出 table per period × district, kind ``import-table``, archived as a
canonical extract of its rows.

Bad files are named and skipped (not recorded: fix and import again); one bad file never stops the rest.
Files that are plainly no workbook (a 说明.txt beside the forms: neither a spreadsheet's extension nor a
zip/OLE2 header) are listed once as not read, without a finding and without failing the import.
Importing bytes already in the ledger is a no-op.
"""
from __future__ import annotations

import datetime as dt
import functools
import hashlib
import sqlite3
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from reporttool.catalogue import Catalogue
from reporttool.core.models import ERROR, Finding, Submission, parse_period
from reporttool.core.safety import OLE2_MAGIC, ZIP_MAGIC
from reporttool.core.status import ST_PASSED, ST_RETURNED
from reporttool.core.units import readable_name
from reporttool.ledger import Ledger
from reporttool.ledger.lock import workspace_lock
from reporttool.ledger.store import KIND_IMPORT, KIND_IMPORT_TABLE
from reporttool.pipeline.history_table import SHEET, extract_bytes, is_history_table, read_history_table
from reporttool.pipeline.inbox import read_bytes
from reporttool.pipeline.ingest import IngestPayload, prepare_ingest
from reporttool.workspace import Workspace, list_inbox, not_regular

if TYPE_CHECKING:
    from reporttool.forms.isolate import ReadResult

# What became of one file
IMPORTED = "导入"  # recorded as history now
KNOWN = "已有"  # the same bytes were already in the ledger: nothing done
SKIPPED = "跳过"  # not recorded (why in ``reason``)
NOT_WORKBOOK = "非报表"  # not a workbook at all (a .txt beside the forms): listed, not read, not an error

# Extensions read as (possibly mis-saved) workbooks: the reader names what is wrong with each. Any other
# file is read only when its first bytes are a zip or OLE2 header (a workbook renamed .dat).
WORKBOOK_SUFFIXES = frozenset((".xlsx", ".xlsm", ".xltx", ".xltm", ".xls", ".xlt", ".et", ".ett", ".ods",
                               ".csv", ".zip", ".rar", ".7z"))


@dataclass(frozen=True)
class ImportedFile:
    """One file given to `import` and what became of it."""

    path: Path
    name: str  # as shown: relative to the folder given, readable (units.readable_name)
    outcome: str  # IMPORTED / KNOWN / SKIPPED
    district: str = ""
    period: str = ""  # period key, from the file's own identity
    status: str = ""  # the file's verdict (通过/待核实/有错) when recorded
    reason: str = ""  # why it was skipped (Chinese, names the file's problem)
    findings: int = 0  # findings recorded with it


@dataclass(frozen=True)
class ImportResult:
    files: tuple[ImportedFile, ...]
    notices: tuple[str, ...] = ()

    def count(self, outcome: str) -> int:
        return sum(f.outcome == outcome for f in self.files)

    @property
    def failed(self) -> bool:
        """Some file could not be imported (a file that is no workbook at all does not count)."""
        return self.count(SKIPPED) > 0

    @property
    def periods(self) -> list[str]:
        """The periods that received history in this import, in order."""
        return sorted({f.period for f in self.files if f.outcome == IMPORTED and f.period})


def import_job(sub: Submission, findings: list[Finding], cat: Catalogue) -> IngestPayload:
    """The worker job of an import: consolidate's job under the period the form itself names.

    A form whose period cannot be told is returned refused with period "" (the parent skips it)."""
    try:
        period = parse_period(sub.period)
    except (ValueError, TypeError):
        ident = sub.identity
        return IngestPayload(sub.district, "", ST_RETURNED, ident.version if ident else "",
                             ident.fingerprint if ident else "", list(findings))
    return prepare_ingest(sub, findings, cat, period)


def is_workbook_like(path: Path) -> bool:
    """``path`` may be a district file: a spreadsheet's (or archive's) extension, or a zip/OLE2 header.
    False for a stray text, note or image file, which `import` lists as not read instead of an error."""
    if path.suffix.lower() in WORKBOOK_SUFFIXES:
        return True
    try:
        with open(path, "rb") as fh:
            head = fh.read(8)
    except OSError:
        return True  # let the reading say why it cannot be opened
    return head.startswith(ZIP_MAGIC) or head == OLE2_MAGIC


def not_workbook(path: Path, name: str) -> ImportedFile:
    kind = path.suffix.lower() or "无扩展名"
    return ImportedFile(path, name, NOT_WORKBOOK, reason=f"不是报表文件（{kind}）")


def collect(paths: Iterable[Path]) -> tuple[list[tuple[Path, str]], list[ImportedFile]]:
    """The files named, folders walked (as inbox/ is: lock and hidden files left out, links not followed):
    (path, name shown) of each regular file, and a skipped ImportedFile for every entry that is not one."""
    files: list[tuple[Path, str]] = []
    skipped: list[ImportedFile] = []
    for given in paths:
        given = Path(given)
        if given.is_dir() and not given.is_symlink():
            found, not_read = list_inbox(given)
            for p in sorted(found, key=str):
                files.append((p, readable_name(f"{given.name}/{p.relative_to(given).as_posix()}")))
            skipped += [ImportedFile(e.path, readable_name(f"{given.name}/{e.name}"), SKIPPED, reason=e.reason)
                        for e in not_read]
            continue
        why = "不存在" if not given.exists() and not given.is_symlink() else not_regular(given)
        if why is None:
            files.append((given, readable_name(given.name)))
        else:
            skipped.append(ImportedFile(given, readable_name(given.name), SKIPPED, reason=why))
    return files, skipped


def run_import(ws: Workspace, paths: Iterable[Path], *, workers: int | None = None,
               progress: Callable[[int, int], None] | None = None,
               now: dt.datetime | None = None) -> ImportResult:
    """Take ``paths`` (files and folders) into the ledger as history, under the workspace lock.

    Returns one ImportedFile per file found, in the order given. Raises ReportToolError subclasses only
    when the import cannot run at all (the workspace is locked, the catalogue cannot be loaded)."""
    from reporttool.forms.isolate import read_many

    now = (now or dt.datetime.now()).replace(microsecond=0)
    files, skipped = collect(paths)
    ws.ensure_dirs()
    out: dict[Path, ImportedFile] = {}
    with workspace_lock(ws):
        cat = ws.catalogue()
        configured = {d.code for d in cat.districts}
        with Ledger(ws) as ledger:
            new: dict[str, tuple[Path, str]] = {}  # sha -> (path, name)
            tables: dict[Path, list[ImportedFile]] = {}  # history tables: one entry per period × district
            for path, name in files:
                if not is_workbook_like(path):
                    out[path] = not_workbook(path, name)
                    continue
                try:
                    sha = hashlib.sha256(read_bytes(path)).hexdigest()
                except OSError as exc:
                    out[path] = ImportedFile(path, name, SKIPPED, reason=f"无法打开（{exc.strerror or exc}）")
                    continue
                rec = ledger.by_sha(sha)
                if rec is not None:
                    out[path] = ImportedFile(path, name, KNOWN, rec.district, rec.period, rec.status,
                                             reason=f"台账中已有（{rec.file_name}），未重复入账")
                    continue
                if sha in new:
                    out[path] = ImportedFile(path, name, KNOWN, reason=f"与本次的 {new[sha][1]} 内容完全相同，只记一次")
                    continue
                if is_history_table(path):
                    tables[path] = _import_table(ledger, cat, path, name, sha, now)
                    continue
                new[sha] = (path, name)
            by_path = {p: (sha, name) for sha, (p, name) in new.items()}

            def store(res: ReadResult) -> None:
                path = Path(res.path)
                sha, name = by_path[path]
                out[path] = _store(ledger, cat, configured, path, name, sha, res, now)

            if new:
                with ledger.batch(len(new)):  # one sync at the end, as consolidate does (Ledger.batch)
                    read_many([p for p, _ in new.values()], cat, workers=workers, progress=progress,
                              job=functools.partial(import_job, cat=cat), on_result=store)
            notices = tuple(ledger.notices)
    for path, name in files:  # never read (cannot happen): say so rather than drop it
        if path not in out and path not in tables:
            out[path] = ImportedFile(path, name, SKIPPED, reason="未能读取，请重新运行")
    listed = [f for p, _ in files for f in (tables[p] if p in tables else [out[p]])]
    return ImportResult(tuple(listed + skipped), notices)


def _import_table(ledger: Ledger, cat: Catalogue, path: Path, name: str, sha: str,
                  now: dt.datetime) -> list[ImportedFile]:
    """Record each period × district of a history table (kind import-table); name the rows left out."""
    table = read_history_table(path, cat, readable_name(path.name))
    names = {d.code: d.name for d in cat.districts}
    received = dt.datetime.fromtimestamp(path.stat().st_mtime).replace(microsecond=0)
    out = []
    for sub in table.subs:
        data = extract_bytes(sub, readable_name(path.name), sha)
        key = hashlib.sha256(data).hexdigest()
        if ledger.known(key):
            out.append(ImportedFile(path, name, KNOWN, sub.district, sub.period,
                                    reason="台账中已有这份汇总数，未重复入账"))
            continue
        label = parse_period(sub.period).label
        try:
            ledger.ingest(data=data, sha256=key, file_name=f"{readable_name(path.name)}（{names[sub.district]}{label}）",
                          received_at=received, district=sub.district, period=sub.period, file_status=ST_PASSED,
                          submission=sub, findings=[], fingerprint=cat.fingerprint, ingested_at=now,
                          kind=KIND_IMPORT_TABLE)
        except (sqlite3.InterfaceError, sqlite3.ProgrammingError, ValueError, TypeError, OSError) as exc:
            out.append(ImportedFile(path, name, SKIPPED, sub.district, sub.period, reason=str(exc)))
            continue
        out.append(ImportedFile(path, name, IMPORTED, sub.district, sub.period, ST_PASSED))
    out += [ImportedFile(path, name, SKIPPED, reason=f"工作表“{SHEET}”{p.message}" if p.row else p.message)
            for p in table.problems]
    if not table.subs and not table.problems:
        out.append(ImportedFile(path, name, SKIPPED, reason=f"工作表“{SHEET}”中没有数据"))
    return out


def _store(ledger: Ledger, cat: Catalogue, configured: set[str], path: Path, name: str, sha: str,
           res: ReadResult, now: dt.datetime) -> ImportedFile:
    """Record one read file as history, or say why it is skipped."""
    from reporttool.forms.isolate import internal_finding
    try:
        data = read_bytes(path)  # the bytes archived are the bytes that were hashed and read
    except OSError:
        data = b""
    if res.sha256 != sha or hashlib.sha256(data).hexdigest() != sha:
        return ImportedFile(path, name, SKIPPED, reason="读取期间文件发生变化，请重新导入")
    pay: IngestPayload | None = res.payload
    if pay is None or pay.status == ST_RETURNED:
        findings = list(pay.findings if pay is not None else res.findings)
        reason = next((f.message for f in findings if f.severity == ERROR), "")
        if pay is not None and not pay.period and not reason:
            reason = "无法确定报表的报告期（隐藏标识缺失或损坏），请用当期模板填写的文件"
        return ImportedFile(path, name, SKIPPED, pay.district if pay else "", pay.period if pay else "",
                            reason=reason or "文件无法读取")
    if pay.district not in configured:
        return ImportedFile(path, name, SKIPPED, pay.district, pay.period,
                            reason=f"报表的{cat.words.unit}代码 {pay.district or '（空）'} 不在目标库中")
    try:
        ledger.ingest(data=data, sha256=sha, file_name=readable_name(path.name),
                      received_at=dt.datetime.fromtimestamp(path.stat().st_mtime).replace(microsecond=0),
                      district=pay.district, period=pay.period, file_status=pay.status, submission=None,
                      findings=pay.findings, template_version=pay.template_version, fingerprint=pay.fingerprint,
                      ingested_at=now, prepared=pay.prepared, kind=KIND_IMPORT)
    except (sqlite3.InterfaceError, sqlite3.ProgrammingError, ValueError, TypeError, OSError) as exc:
        return ImportedFile(path, name, SKIPPED, pay.district, pay.period,
                            reason=internal_finding(name, pay.district, exc, cat.words).message)
    return ImportedFile(path, name, IMPORTED, pay.district, pay.period, pay.status, findings=len(pay.findings))


__all__ = ["IMPORTED", "KNOWN", "NOT_WORKBOOK", "SKIPPED", "ImportResult", "ImportedFile", "collect", "import_job", "run_import"]
