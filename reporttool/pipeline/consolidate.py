"""The consolidate run: inbox -> ledger -> figures -> outbox.

Scan the inbox (pipeline.inbox), read and check the new files in worker processes (forms.isolate with
the pipeline.ingest job), record them in the ledger, compute the figures (figures.compute) and write the
outputs (pipeline.outputs).
"""
from __future__ import annotations

import datetime as dt
import functools
import hashlib
import os
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from reporttool.catalogue import Catalogue
from reporttool.core.errors import ReportToolError, os_error_message
from reporttool.core.models import (
    ERROR,
    Finding,
    Period,
    parse_period,
)
from reporttool.core.rules import finding
from reporttool.core.status import ST_RETURNED
from reporttool.core.units import readable_name
from reporttool.figures import (
    Figures,
    SubmissionState,
)
from reporttool.figures.compute import compute_figures
from reporttool.figures.consistency import add_other_periods, checked_versions
from reporttool.figures.periods import in_span
from reporttool.ledger import Ledger
from reporttool.ledger.lock import workspace_lock
from reporttool.pipeline.inbox import (
    InputFile,
    district_from_name,
    no_data_message,
    read_bytes,
    received_time,
    run_counts,
    scan_inbox,
)
from reporttool.pipeline.ingest import IngestPayload, prepare_ingest
from reporttool.pipeline.side import Side
from reporttool.workspace import SkippedEntry, Workspace

CRASH_HOOK_ENV = "REPORTTOOL_TEST_EXIT_AFTER_INGEST"  # tests only: os._exit(3) after N new files ingested


@dataclass
class ConsolidateResult:
    period: Period
    figures: Figures
    inputs: list[InputFile]
    states: list[SubmissionState]
    outputs: list[Path]  # files written into outbox/<period>/, manifest last
    manifest: Path
    issue_no: int
    counts: dict[str, int]
    exit_code: int  # 0 clean, 1 error findings in the versions in use (or unattributable refused files)
    deadline: dt.date | None = None  # 报送截止日 of the period
    skipped: list[SkippedEntry] = field(default_factory=list)  # inbox entries not read (symlinks, devices …)
    notices: list[str] = field(default_factory=list)  # a rebuilt ledger, a repaired archive, a kept brief …
    issued: dt.date | None = None  # the brief's issue date
    # the ledger periods whose versions in use changed since this period was last consolidated (``changed_since``)
    # or that a file of this run went into: what makes other consolidated periods stale (verify.stale_after_run)
    changed: set[str] = field(default_factory=set)


def run_consolidate(ws: Workspace, period: Period, *, workers: int | None = None,
                    progress: Callable[[int, int], None] | None = None,
                    now: dt.datetime | None = None, issued: dt.date | None = None) -> ConsolidateResult:
    """The monthly run: take the lock, ingest new inbox files, compute the figures, write the outputs.

    ``issued`` is the brief's issue date (印发日期); default the day of the run.

    Outputs are written into outbox/.staging-<period>/ and moved into outbox/<period>/ only when all
    are written; manifest.json is moved last. Raises ReportToolError subclasses when it cannot run.
    """
    from reporttool.pipeline.outputs import (
        detail_sheets,
        read_manifest,
        rebuilt_ledger_notice,
        recover_issue_numbers,
        write_outputs,
    )
    from reporttool.pipeline.sources import changed_since

    now = (now or dt.datetime.now()).replace(microsecond=0)
    ws.ensure_dirs()
    with workspace_lock(ws), Side() as side:  # side: writes the brief while this process writes the 汇总表
        cat = ws.catalogue()
        with Ledger(ws) as ledger:
            notices = rebuilt_ledger_notice(ws, ledger)
            notices += recover_issue_numbers(ws, ledger)  # before any number is issued: none twice
            skipped: list[SkippedEntry] = []
            inputs = _ingest_inbox(ws, ledger, cat, period, workers, progress, now, skipped)
            cv = checked_versions(ledger, cat, period)  # cross rules and history findings
            if not any(r.readable for r in cv.records.values()):
                raise ReportToolError(no_data_message(period, inputs, cat.words.unit))
            # Each stage takes a district that fails it out of the run (cv.fail); the detail rows are
            # built again when the figures took out a district the first build still had.
            sheets = detail_sheets(ledger, cat, cv)
            failed = set(cv.failed)
            figures = compute_figures(ledger, cat, period, now=now, cv=cv)
            if set(cv.failed) != failed:
                sheets = detail_sheets(ledger, cat, cv)
                figures = compute_figures(ledger, cat, period, now=now, cv=cv)
            # 当月/环比/月度走势, 规划期, 当季/考核; this month's sums kept for later months unless a district failed
            add_other_periods(figures, ledger, cat, store=not cv.failed)
            previous = read_manifest(ws.period_dir(period))  # as it was before this run replaces it
            changed = changed_since(ledger, period, previous)
            changed |= {i.period for i in inputs if i.new and i.period}  # e.g. a correction of a later month
            ledger.checkpoint_soon()  # the ledger's file brought up to date while the outputs are written
            issue_no = ledger.issue_number(period.key, period.year, now=now, wanted=cat.settings.issue_for(period))
            issued = issued or now.date()  # a new edition of the brief: today unless --date
            try:
                outputs, manifest = write_outputs(ws, ledger, cat, period, figures, cv, inputs, issue_no, now,
                                                  issued=issued, sheets=sheets, notices=notices, side=side,
                                                  previous=previous)
            except OSError as exc:  # disk full, read-only, no permission …: the cause in words
                raise ReportToolError(os_error_message(
                    exc, "写出汇总结果", "原有输出未被改动（台账已更新，重新运行不会重复入账）；"
                                   "请处理后重新运行 consolidate。")) from None
            ledger.set_issue_date(period.key, issued)  # `brief` without --date keeps it
            notices += ledger.notices
    configured = {d.code for d in cat.districts}
    unattributed = [i for i in inputs if i.new and i.status == ST_RETURNED and i.district not in configured]
    for i in unattributed:
        i.unknown_district = True
    exit_code = 1 if any(s.errors for s in figures.submissions) or unattributed else 0
    return ConsolidateResult(period, figures, inputs, figures.submissions, outputs, manifest, issue_no,
                             run_counts(figures, inputs), exit_code, cat.settings.deadline_for(period),
                             skipped, notices, issued, changed)


def ingest_files(ws: Workspace, period: Period, paths: list[Path], *, workers: int | None = None,
                 now: dt.datetime | None = None) -> list[InputFile]:
    """Ingest these files of inbox/ now, without writing any output (the web page's uploads, serve/).

    The same path as a consolidate run takes for new inbox files (isolated reading, checks, archive,
    ledger, supersede rule), under the workspace lock (LockedError while a run holds it). Files already
    in the ledger are not read again. Returns an InputFile per path that could be opened.
    """
    now = (now or dt.datetime.now()).replace(microsecond=0)
    ws.ensure_dirs()
    with workspace_lock(ws):
        cat = ws.catalogue()
        with Ledger(ws) as ledger:
            return _ingest_inbox(ws, ledger, cat, period, workers, None, now, only=list(paths))


def _hashes(files: list[Path]) -> list[str | OSError]:
    """SHA-256 of each file (or the OSError opening it), by two threads: reading and hashing release the
    GIL, so a hundred files hash in half the time (≈ 0.03 s of a one-file re-run at province scale)."""
    def one(path: Path) -> str | OSError:
        try:
            return hashlib.sha256(read_bytes(path)).hexdigest()
        except OSError as exc:
            return exc

    if len(files) < 8:
        return [one(p) for p in files]
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(2) as pool:
        return list(pool.map(one, files))


def _ingest_inbox(ws: Workspace, ledger: Ledger, cat: Catalogue, period: Period, workers: int | None,
                  progress: Callable[[int, int], None] | None, now: dt.datetime,
                  skipped: list[SkippedEntry] | None = None,
                  only: list[Path] | None = None) -> list[InputFile]:
    """Hash every inbox file (or ``only`` these); read, check and record only the new ones (one
    transaction each).

    Entries that are not regular files, and files that cannot be opened, are added to ``skipped`` (with
    the reason) and the round goes on without them."""
    from reporttool.forms.isolate import ReadResult, read_many

    configured = {d.code for d in cat.districts}
    inputs: list[InputFile] = []
    new: dict[str, Path] = {}
    files, not_read = scan_inbox(ws) if only is None else (list(only), [])
    if skipped is not None:
        skipped.extend(not_read)
    for path, sha in zip(files, _hashes(files), strict=True):
        if isinstance(sha, OSError):
            exc = sha
            if skipped is not None:
                skipped.append(SkippedEntry(path, readable_name(path.relative_to(ws.inbox).as_posix()),
                                            f"无法打开（{exc.strerror or exc}），未读取。请检查文件权限，"
                                            f"或关闭正在使用它的程序后重新运行"))
            continue
        inputs.append(InputFile(path, sha, new=not ledger.known(sha) and sha not in new))
        if inputs[-1].new:
            new[sha] = path
    order = [item for item in inputs if item.new]
    arrived: dict[Path, ReadResult[IngestPayload]] = {}
    crash_after = int(os.environ.get(CRASH_HOOK_ENV, "0") or 0)
    done = 0

    def store(item: InputFile, res: ReadResult[IngestPayload]) -> None:
        nonlocal done
        path = new[item.sha256]
        try:
            data = read_bytes(path)  # the bytes archived are the bytes that were hashed and read
        except OSError:
            data = b""
        if res.sha256 != item.sha256 or hashlib.sha256(data).hexdigest() != item.sha256:
            item.new, item.note = False, "读取期间文件发生变化，下次运行时再处理"
            return
        pay = res.payload
        if pay is None:  # refused before or while reading
            findings = list(res.findings)
            pay = IngestPayload(next((f.district for f in findings if f.district), ""), period.key, ST_RETURNED,
                                "", "", findings)
        if pay.status == ST_RETURNED:
            item.reason = next((f.message for f in pay.findings if f.severity == ERROR),
                               pay.findings[0].message if pay.findings else "")
            if pay.district not in configured and (guess := district_from_name(cat, item.name)):
                pay, item.district_guessed = replace(pay, district=guess), True
                for f in pay.findings:
                    f.district = guess
        if pay.status != ST_RETURNED and not in_span(period, pay.period):
            note = _other_period_note(item.name, pay.district, pay.period, period, cat)
            pay = replace(pay, findings=[*pay.findings, note])
        try:
            item.submission_id, _ = ledger.ingest(
                data=data, sha256=item.sha256, file_name=item.name, received_at=received_time(path),
                district=pay.district, period=pay.period, file_status=pay.status, submission=None,
                findings=pay.findings, template_version=pay.template_version, fingerprint=pay.fingerprint,
                ingested_at=now, prepared=pay.prepared if pay.status != ST_RETURNED else None)
        except (sqlite3.InterfaceError, sqlite3.ProgrammingError, ValueError, TypeError) as exc:
            # this file's facts cannot be stored (the transaction rolled back): record it refused, go on
            from reporttool.forms.isolate import internal_finding

            bad = internal_finding(item.name, pay.district, exc, cat.words)
            pay = IngestPayload(pay.district, pay.period, ST_RETURNED, pay.template_version, pay.fingerprint, [bad])
            item.reason = bad.message
            item.submission_id, _ = ledger.ingest(
                data=data, sha256=item.sha256, file_name=item.name, received_at=received_time(path),
                district=pay.district, period=pay.period, file_status=ST_RETURNED, submission=None,
                findings=pay.findings, template_version=pay.template_version, fingerprint=pay.fingerprint,
                ingested_at=now, prepared=None)
        item.district, item.period, item.status = pay.district, pay.period, pay.status
        done += 1
        if crash_after and done >= crash_after:
            os._exit(3)

    def on_result(res: ReadResult[IngestPayload]) -> None:
        """Store results in inbox order (ingest order breaks ties of received_at) as soon as they can be."""
        arrived[Path(res.path)] = res
        while order and new[order[0].sha256] in arrived:
            item = order.pop(0)
            store(item, arrived.pop(new[item.sha256]))

    if new:
        with ledger.batch(len(new)):  # durable together at the end (Ledger.batch), before any output reads them
            read_many(list(new.values()), cat, workers=workers, progress=progress,
                      job=functools.partial(prepare_ingest, cat=cat, default=period),
                      on_result=on_result)
    for item in order:  # never read (cannot happen): leave for the next run
        item.new, item.note = False, "读取期间文件发生变化，下次运行时再处理"
    for item in inputs:
        if not item.new and item.submission_id is None and not item.note:
            rec = ledger.by_sha(item.sha256)
            if rec is not None:
                item.submission_id, item.district, item.period, item.status = rec.id, rec.district, rec.period, rec.status
                if rec.file_name != item.name:  # a copy under another name: recorded once, said on the console
                    item.same_as = rec.file_name
    return inputs


def _other_period_note(file_name: str, district: str, form_period: str, run: Period, cat: Catalogue) -> Finding:
    """F-OTHER-PERIOD, stored with a file of another period received while consolidating ``run``
    (its value is the run's period key: see _other_period_files)."""
    try:
        found = parse_period(form_period).label
    except ValueError:
        found = form_period
    return finding("F-OTHER-PERIOD", file=file_name, district=district, value=run.key, words=cat.words,
                   found=found, expected=run.label)


