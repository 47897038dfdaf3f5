"""What the pages and the JSON API show, read from the ledger: plain data, no HTTP here.

Every function takes the district it is asked for; the caller (app.py) has already decided, with
``Who.may_see``, that the asker may see it.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path

from reporttool.checks import counts
from reporttool.core.models import Finding, FindingCounts, Period, parse_period
from reporttool.core.status import ST_MISSING
from reporttool.figures import SubmissionState
from reporttool.ledger import Ledger, SubmissionRecord, restore
from reporttool.ledger.store import Review, Withdrawal
from reporttool.pipeline.verify import StaleOutput
from reporttool.workspace import Workspace

DECISION_PASS, DECISION_RETURN, DECISIONS = restore.DECISION_PASS, restore.DECISION_RETURN, restore.DECISIONS
EXPLAIN_HINT = "如数据无误，请在该行“说明”栏写明原因后重新上传；如有误，请改正后重新上传。"


@dataclass
class Version:
    """One received file of a district, as the page lists it."""

    record: SubmissionRecord
    number: int  # 第N版 (1 = first received this period)
    current: bool
    review: Review | None = None
    findings: list[Finding] = field(default_factory=list)
    withdrawn: Withdrawal | None = None  # the bureau took this version out (退回 or withdraw), still in force

    @property
    def counts(self) -> FindingCounts:
        return counts(self.findings)


def states(ws: Workspace, cat, period: Period) -> tuple[list[SubmissionState], dict]:
    """报送情况 of every district, and the current versions' findings (district -> findings, with the
    cross-file ones), straight from the ledger."""
    from reporttool.figures.compute import submission_states
    from reporttool.figures.consistency import checked_versions

    if not ws.ledger.exists():
        return [SubmissionState(d.code, d.name, ST_MISSING) for d in cat.districts], {}
    with Ledger(ws) as ledger:
        cv = checked_versions(ledger, cat, period)
        return submission_states(cat, cv), {d: (cv.records[d].id, f) for d, f in cv.findings.items()}


def versions(ws: Workspace, cat, period: Period, district: str, *, with_findings: bool = False) -> list[Version]:
    """A district's files for the period, newest first, with the bureau's reviews."""
    if not ws.ledger.exists():
        return []
    with Ledger(ws) as ledger:
        recs = ledger.submissions(period=period.key, district=district)
        current = ledger.current(period.key).get(district)
        reviews = ledger.reviews([r.id for r in recs])
        out = [Version(r, i + 1, current is not None and r.id == current.id, reviews.get(r.id)) for i, r in
               enumerate(recs)]
        w = withdrawal(ledger, period.key, district)
        for v in out:
            if w is not None and v.record.id == w.submission_id:
                v.withdrawn = w
        if with_findings:
            for v in out:
                v.findings = ledger.findings(v.record.id)
    return list(reversed(out))


class CrossFindings:
    """The findings of the versions in use (stored and cross-file) of a period, computed once per state of
    the ledger: a burst of uploads answered together shares one computation (current_versions reads
    every district's output table)."""

    def __init__(self) -> None:
        self._key: tuple | None = None
        self._findings: dict[str, list[Finding]] = {}
        self._returned: tuple[tuple | None, list[Finding]] = (None, [])
        self._lock = threading.Lock()

    def of(self, ledger: Ledger, cat, period: Period) -> dict[str, list[Finding]]:
        from reporttool.figures.consistency import checked_versions

        key = self._state(ledger, cat, period)
        with self._lock:
            if key != self._key:
                self._findings = checked_versions(ledger, cat, period).findings
                self._key = key
            return self._findings

    def of_returned(self, ledger: Ledger, cat, period: Period, rec: SubmissionRecord) -> list[Finding]:
        """The findings of a version the bureau's 退回 took out, as if it were in use (the cross and history
        rules too: pipeline/returned.py), as its feedback workbook in outbox/ lists them; the last one kept."""
        from reporttool.pipeline.returned import version_findings

        key = (*self._state(ledger, cat, period), rec.id)
        with self._lock:
            if key != self._returned[0]:
                self._returned = (key, version_findings(ledger, cat, period, rec))
            return self._returned[1]

    @staticmethod
    def _state(ledger: Ledger, cat, period: Period) -> tuple:
        return (period.key, cat.fingerprint, tuple(_ids(ledger, p.key) for p in finding_periods(period)))


def finding_periods(period: Period) -> list[Period]:
    """Every period whose versions in use the findings of ``period`` read (figures/consistency.py
    checked_versions): the period itself; the previous one (R-ROSTER-NEW/-GONE); the same period last year
    (R-LY-REVISED); for a month, the MAX_MONTHS months before it and the month before those (R-MONTH-OUTLIER:
    each earlier 当月 is a month less the one before). A corrected March changes what June shows."""
    from reporttool.checks.history import MAX_MONTHS
    from reporttool.figures.history import month_before

    out = [period]
    prev = period.previous()
    if prev is not None:
        out.append(prev)
    out.append(period.last_year())
    if period.monthly:
        p = period
        for _ in range(MAX_MONTHS + 1):
            p = month_before(p)
            out.append(p)
    return list(dict.fromkeys(out))


def _ids(ledger: Ledger, period: str) -> tuple:
    return tuple(sorted((d, r.id) for d, r in ledger.current(period).items()))


def submission(ws: Workspace, cat, sid: int, cross: CrossFindings | None = None
               ) -> tuple[SubmissionRecord, list[Finding], Review | None, bool] | None:
    """A version with its findings (with the cross-file and history findings when it is the version in use,
    or the version a 退回 took out), its latest review, and whether it is in use. None when there is no such
    version."""
    if not ws.ledger.exists():
        return None
    with Ledger(ws) as ledger:
        rec = ledger.submission(sid)
        if rec is None:
            return None
        review = ledger.reviews([sid]).get(sid)
        findings = ledger.findings(sid)
        current = ledger.current(rec.period).get(rec.district)
        in_use = current is not None and current.id == sid
        period = _period(rec.period)
        if in_use and rec.readable and period is not None and cat.district(rec.district) is not None:
            findings = (cross or CrossFindings()).of(ledger, cat, period).get(rec.district, findings)
        elif period is not None and cat.district(rec.district) is not None and _returned(ledger, rec) is not None:
            findings = (cross or CrossFindings()).of_returned(ledger, cat, period, rec)
    return rec, findings, review, in_use


def _returned(ledger: Ledger, rec: SubmissionRecord) -> Withdrawal | None:
    """The 退回 (web page) in force that took version ``rec`` out, None otherwise."""
    w = withdrawal(ledger, rec.period, rec.district)
    return w if w is not None and w.returned and w.submission_id == rec.id else None


def returned_words(ws: Workspace, cat, rec: SubmissionRecord) -> str:
    """The bureau's 退回 of version ``rec`` in words, for the top of its feedback workbook (as in outbox/:
    pipeline/returned.py), "" when no 退回 holds it out."""
    from reporttool.pipeline.returned import returned_words as words

    if not ws.ledger.exists():
        return ""
    with Ledger(ws) as ledger:
        w = _returned(ledger, rec)
        return words(ledger, cat, w, rec) if w is not None else ""


def withdrawal(ledger: Ledger, period: str, district: str) -> Withdrawal | None:
    """The bureau's withdrawal in force of a district's period (its 退回 or `reporttool withdraw`)."""
    return next((w for w in ledger.withdrawals(period=period, district=district) if w.in_force), None)


def withdrawal_of(ws: Workspace, rec: SubmissionRecord) -> Withdrawal | None:
    """The withdrawal in force that took version ``rec`` out, None when it was not taken out."""
    if not ws.ledger.exists():
        return None
    with Ledger(ws) as ledger:
        w = withdrawal(ledger, rec.period, rec.district)
    return w if w is not None and w.submission_id == rec.id else None


def review(ws: Workspace, sid: int, decision: str, reason: str, reviewer: str) -> restore.Reviewed:
    """The bureau's 通过 / 退回 through the library (ledger/restore.py review_version): a 退回 of the version
    in use takes it out of the figures (the same withdrawal as `reporttool withdraw`)."""
    return restore.review_version(ws, sid, decision, reason, reviewer)


def reviews_of_current(ws: Workspace, cat, period: Period) -> dict[str, Review]:
    """district -> the latest review of its version in use, or of the version its 退回 took out
    (districts without one are absent)."""
    if not ws.ledger.exists():
        return {}
    with Ledger(ws) as ledger:
        shown = {d: r.id for d, r in ledger.current(period.key).items()}
        for w in ledger.withdrawals(period=period.key):
            if w.in_force and w.submission_id is not None:
                shown.setdefault(w.district, w.submission_id)
        got = ledger.reviews(list(shown.values()))
        return {d: got[sid] for d, sid in shown.items() if sid in got}


def stale(ws: Workspace) -> list[StaleOutput]:
    """The outputs in outbox/ built on versions no longer in use (a 退回, a withdrawal, a correction): the
    periods to consolidate again, in order."""
    from reporttool.pipeline.verify import stale_outputs

    if not ws.ledger.exists():
        return []
    with Ledger(ws) as ledger:
        return stale_outputs(ws, ledger)


def outputs(ws: Workspace, period: Period) -> dict[str, Path]:
    """The period's outputs the bureau may download: relative name -> path (top-level files and the
    feedback workbooks). Names come from this listing only, never from a request."""
    root = ws.period_dir(period)
    out: dict[str, Path] = {}
    if not root.is_dir():
        return out
    for p in sorted(root.iterdir()):
        if p.is_file() and not p.is_symlink() and not p.name.startswith((".", "~$")):
            out[p.name] = p
    fb = ws.feedback_dir(period)
    if fb.is_dir():
        for p in sorted(fb.iterdir()):
            if p.is_file() and not p.is_symlink() and not p.name.startswith((".", "~$")):
                out[f"{fb.name}/{p.name}"] = p
    return out


def state_json(s: SubmissionState, review: Review | None = None) -> dict:
    w = s.withdrawn
    taken = None if w is None else {"withdrawn_at": w.withdrawn_at.isoformat(), "who": w.who, "reason": w.note,
                                    "returned": w.returned, "submission_id": w.submission_id}
    return {"district": s.district, "name": s.district_name, "status": s.shown, "withdrawal": taken,
            "received_at": s.received_at.isoformat() if s.received_at else None,
            "on_time": s.on_time, "timeliness": "导入" if s.imported else "" if s.on_time is None else ("按时" if s.on_time else "逾期"),
            "files_received": s.version, "errors": s.errors, "verify": s.verify, "explained": s.explained,
            "info": s.info, "review": review_json(review)}


def review_json(r: Review | None) -> dict | None:
    if r is None:
        return None
    return {"decision": r.decision, "reason": r.reason, "decided_at": r.decided_at.isoformat()}


def record_json(rec: SubmissionRecord, cat) -> dict:
    d = cat.district(rec.district)
    return {"id": rec.id, "district": rec.district, "district_name": d.name if d else "", "period": rec.period,
            "status": rec.status, "file_status": rec.file_status, "received_at": rec.received_at.isoformat(),
            "readable": rec.readable}


def _period(key: str) -> Period | None:
    try:
        return parse_period(key)
    except ValueError:
        return None
