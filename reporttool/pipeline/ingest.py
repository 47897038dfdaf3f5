"""What a reading worker does with a submission before the ledger stores it.

Runs inside the worker process (forms/isolate.py) right after the read, so that checking, the
per-submission aggregates and the detail-list fragments are computed in parallel, and the worker
sends back a compact ``IngestPayload`` (rows as tuples, compressed fragments) instead of a Submission
full of dicts, which costs more to pickle than to build. The parent only archives and inserts.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace

from reporttool.catalogue import Catalogue
from reporttool.core.models import (
    ERROR,
    Finding,
    Period,
    Submission,
    Table,
    parse_period,
)
from reporttool.core.status import ST_RETURNED
from reporttool.ledger import Prepared, prepare


@dataclass(frozen=True)
class IngestPayload:
    """A read and checked submission, ready for Ledger.ingest: the result of the consolidate (and import)
    worker job, so ``ReadResult[IngestPayload]`` is what the parent receives per file."""

    district: str
    period: str  # period key of the form (the run's period when the form does not say)
    status: str  # the file's verdict: 通过/待核实/有错/退回
    template_version: str
    fingerprint: str
    findings: list[Finding] = field(default_factory=list)
    prepared: Prepared | None = None  # None when refused (退回)


def prepare_ingest(sub: Submission, findings: list[Finding], cat: Catalogue, default: Period) -> IngestPayload:
    """Check ``sub`` against its own period, exclude error rows, and build what the ledger stores."""
    from reporttool.checks.single import check_submission, file_status, in_sheet_order
    from reporttool.render.detail_book import fragment_stamp, render_fragment

    period = _parse_period(sub.period, default)
    findings = in_sheet_order(list(findings) + check_submission(sub, cat, period), sub)
    exclude_error_rows(sub.tables, findings)
    status = file_status(findings)
    prepared = None
    if status != ST_RETURNED:
        stamp = fragment_stamp(cat)
        fragments = {}
        for key in ("roster", "projects"):
            table = sub.tables.get(key)
            rows = [r for r in table.rows if not r.excluded] if table else []
            data, n = render_fragment(key, rows, sub.district, cat)
            fragments[key] = (stamp, data, n)
        prepared = replace(prepare(sub), fragments=fragments)
    ident = sub.identity
    return IngestPayload(sub.district, period.key, status, ident.version if ident else "",
                         ident.fingerprint if ident else "", findings, prepared)


def exclude_error_rows(tables: dict[str, Table], findings: list[Finding]) -> None:
    """Every row named by an error finding is excluded from the totals (whoever reported the finding)."""
    by_sheet = {t.sheet: t for t in tables.values()}
    wanted: dict[str, set[int]] = {}
    for f in findings:
        if f.severity == ERROR and f.row is not None and f.sheet in by_sheet:
            wanted.setdefault(f.sheet, set()).add(f.row)
    for sheet, rows in wanted.items():
        for r in by_sheet[sheet].rows:
            if r.number in rows:
                r.excluded = True


def _parse_period(text: str, default: Period) -> Period:
    try:
        return parse_period(text) if text else default
    except ValueError:
        return default
