"""The outputs of a consolidate run: 汇总表, detail workbook, brief, feedback workbooks, manifest.json.

Everything is written into outbox/.staging-<period>/ and moved into outbox/<period>/ only when all of
it is written (manifest.json last), so a failed run leaves the previous outputs untouched.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import shutil
import sqlite3
from pathlib import Path

from reporttool import __version__
from reporttool.catalogue import Catalogue
from reporttool.consolidate import CurrentVersions, InputFile, run_counts
from reporttool.errors import ReportToolError
from reporttool.figures import Figures
from reporttool.ledger import Ledger
from reporttool.models import ERROR, VERIFY, Finding, Period
from reporttool.workspace import Workspace


def detail_sheets(ledger: Ledger, cat: Catalogue, cv: CurrentVersions) -> list:
    """The detail workbook's sheets from the stored fragments of the versions in use, in catalogue order.

    A fragment whose stamp differs (catalogue changed, or a cross rule now excludes other rows of that
    submission) is rendered again from the stored rows and stored: the rare path. A district whose rows
    cannot be rendered is taken out of the run (``cv.fail``: 退回 with F-INTERNAL), not the whole run.
    """
    from reporttool.render.detail_book import DetailSheet, fragment_stamp, render_fragment

    s = cat.settings
    out = []
    got_all: dict[tuple[str, str], tuple[str, bytes, int]] = {}
    for d in cat.districts:
        rec = cv.records.get(d.code)
        if rec is None or not rec.readable or d.code in cv.failed:
            continue
        try:
            for key in ("roster", "projects"):
                gone = cv.cross_excluded.get(d.code, frozenset()) if key == "roster" else frozenset()
                stamp = fragment_stamp(cat, gone)
                got = ledger.fragment(rec.id, key)
                if got is None or got[0] != stamp:
                    table = ledger.tables(rec.id, (key,)).get(key)
                    rows = [r for r in table.rows if not r.excluded and r.number not in gone] if table else []
                    data, count = render_fragment(key, rows, d.code, cat)
                    ledger.put_fragment(rec.id, key, stamp, data, count)
                    got = (stamp, data, count)
                got_all[(d.code, key)] = got
        except (sqlite3.Error, OSError):
            raise
        except Exception as exc:  # noqa: BLE001 - this district only
            cv.fail(d.code, exc, cat.words)
    for key, what, unit in (("roster", "户", "万元、人、%"), ("projects", "个", "万元、%")):
        frags, n = [], 0
        for d in cat.districts:
            got = got_all.get((d.code, key))
            if got is None or d.code in cv.failed:
                continue
            frags.append(got[1])
            n += got[2]
        u = cat.words.unit
        note = (f"编制单位：{s.issuing_unit}　　单位：{unit}　　共{n}{what}。审核通过（无错误）的行，按各{u}填报数列示，"
                f"序号按{u}分别编排；汇总见汇总表。")
        out.append(DetailSheet(key, note, frags, n))
    return out


def write_outputs(ws: Workspace, ledger: Ledger, cat: Catalogue, period: Period, figures: Figures,
                   cv: CurrentVersions, inputs: list[InputFile], issue_no: int,
                   now: dt.datetime, *, issued: dt.date | None = None,
                   sheets: list | None = None) -> tuple[list[Path], Path]:
    """Write everything into the staging folder, then move it into outbox/<period>/ (manifest last).

    ``issued``: the brief's issue date (default the day of ``now``). ``sheets``: the detail workbook's
    sheets when already built (run_consolidate builds them before the figures, see there).

    Feedback workbooks whose inputs did not change since the last complete run are kept in place."""
    from reporttool.render.brief import brief_name, write_brief
    from reporttool.render.detail_book import detail_name, write_detail_book
    from reporttool.render.feedback import write_feedback
    from reporttool.render.workbook import consolidated_name, write_consolidated

    staging = ws.outbox / f".staging-{period.key}"
    if staging.exists():
        shutil.rmtree(staging)  # left by a killed run
    staging.mkdir(parents=True)
    written: list[Path] = []  # relative to staging
    rel = Path(consolidated_name(cat, period))
    write_consolidated(figures, cat, staging / rel)
    written.append(rel)
    rel = Path(detail_name(cat, period))
    write_detail_book(cat, period, sheets if sheets is not None else detail_sheets(ledger, cat, cv), staging / rel,
                      now=now)
    written.append(rel)
    rel = Path(brief_name(cat, period, issue_no))
    write_brief(figures, cat, staging / rel, issue_no=issue_no,
                template=ws.brief_template if ws.brief_template.is_file() else None, issued=issued or now.date())
    written.append(rel)
    current = ledger.current(period.key)
    feedback_dir = Path(ws.feedback_dir(period).name)
    final = ws.period_dir(period)
    before = _previous_signatures(final)
    signatures: dict[str, str] = {}
    kept: list[Path] = []  # feedback files whose inputs did not change: the file in place stays
    for state in figures.submissions:
        mine = [f for f in figures.findings if f.district == state.district]
        rec = current.get(state.district)
        if not needs_feedback(mine):
            continue  # (a district without a file of this period has findings only when one of another came)
        rel = feedback_dir / f"{_safe_name(state.district_name)}.xlsx"
        sig = _feedback_signature(rec.sha256 if rec else "", mine, state.district_name, period.label)
        signatures[rel.as_posix()] = sig
        if before.get(rel.as_posix()) == sig and (final / rel).is_file():
            kept.append(rel)
            continue
        source: Path | None = ledger.archived_path(rec) if rec else None
        try:  # write_feedback falls back to a list-only workbook itself; this is the last guard
            write_feedback(source, mine, staging / rel, district_name=state.district_name, period_label=period.label,
                           words=cat.words)
        except (OSError, ReportToolError):
            raise
        except Exception:  # noqa: BLE001 - this district's feedback only: list the findings without its file
            write_feedback(None, mine, staging / rel, district_name=state.district_name, period_label=period.label,
                           words=cat.words)
        written.append(rel)
    manifest = _manifest(ledger, cat, period, figures, inputs, issue_no, now, written + kept)
    manifest["feedback_signatures"] = signatures
    (staging / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")

    final.mkdir(parents=True, exist_ok=True)
    for r in written:
        (final / r).parent.mkdir(parents=True, exist_ok=True)
        os.replace(staging / r, final / r)
    written += kept
    old_feedback = ws.feedback_dir(period)
    if old_feedback.is_dir():  # feedback of districts that have no findings any more is out of date
        keep = {final / r for r in written}
        for p in old_feedback.glob("*.xlsx"):
            if p not in keep:
                p.unlink()
    os.replace(staging / MANIFEST, final / MANIFEST)
    shutil.rmtree(staging, ignore_errors=True)
    return [final / r for r in written] + [final / MANIFEST], final / MANIFEST


MANIFEST = "manifest.json"


def needs_feedback(findings: list[Finding]) -> bool:
    """A district gets a feedback workbook only when there is something to fix or explain: an error or a
    核实 without a 说明. Explained 核实 and 提示 alone leave it 通过, with no workbook to send."""
    return any(f.severity == ERROR or (f.severity == VERIFY and not f.explained) for f in findings)


def _feedback_signature(sha256: str, findings: list[Finding], district_name: str, period_label: str) -> str:
    """What a feedback workbook depends on: the archived file, its findings, the names, the tool version."""
    blob = json.dumps([__version__, sha256, district_name, period_label, [f.as_dict() for f in findings]],
                      ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def _previous_signatures(final: Path) -> dict[str, str]:
    """Feedback signatures recorded by the last complete run for this period ({} when unknown)."""
    try:
        data = json.loads((final / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    sigs = data.get("feedback_signatures") if isinstance(data, dict) else None
    return sigs if isinstance(sigs, dict) else {}
_ILLEGAL = re.compile(r'[\\/:*?"<>|\x00-\x1f]')


def _safe_name(name: str) -> str:
    return _ILLEGAL.sub("_", name).strip(" .") or "_"


def _manifest(ledger: Ledger, cat: Catalogue, period: Period, figures: Figures, inputs: list[InputFile],
              issue_no: int, now: dt.datetime, written: list[Path]) -> dict:
    """What went in and what came out: enough to reproduce and to audit the run."""
    in_use = ledger.current(period.key)
    current = {r.id for r in in_use.values()}
    records = ledger.submissions(period=period.key)
    # one state word per version, as status and history show it: the version in use as 报送情况 says
    by_district = {s.district: s.status for s in figures.submissions}
    shown = {r.id: by_district[d] for d, r in in_use.items() if d in by_district}
    return {
        "tool": "reporttool", "tool_version": __version__, "period": period.key, "period_label": period.label,
        "generated_at": now.isoformat(), "catalogue_fingerprint": cat.fingerprint,
        "catalogue_path": cat.path, "issue_no": issue_no,
        "inputs": [{"file_name": r.file_name, "sha256": r.sha256, "district": r.district,
                    "received_at": r.received_at.isoformat(), "status": shown.get(r.id, r.status),
                    "in_use": r.id in current, "archive": r.archive_path} for r in records],
        "other_periods": [{"file_name": i.name, "sha256": i.sha256, "period": i.period, "status": i.status}
                          for i in inputs if i.new and i.period and i.period != period.key],
        "versions_used": {s.district: s.sha256 for s in figures.submissions if s.sha256},
        "submissions": [{"district": s.district, "name": s.district_name, "status": s.status,
                         "received_at": s.received_at.isoformat() if s.received_at else None,
                         "on_time": s.on_time, "errors": s.errors, "verify": s.verify, "info": s.info}
                        for s in figures.submissions],
        "counts": run_counts(figures, inputs),
        "outputs": [p.as_posix() for p in written] + [MANIFEST],
    }
