"""The feedback workbook of a version the bureau returned on the web page (退回), docs/serve.md “退回”.

A returned version is out of the figures, so the run's findings (``checked_versions``) no longer hold the
cross-district rules (R-DUP-ACROSS, R-YTD-FALL) and the history rules (R-LY-REVISED, R-ROSTER-*,
R-MONTH-OUTLIER) for it: only its stored per-file findings are in the ledger. Its district still needs the
whole list — it is why the file came back — and the bureau's own reason, which the checks do not know.

``returned_feedback`` gives both for ``write_outputs``: the version's findings recomputed as if it were in
use beside the other districts' versions in use now (the one version, one set of findings rule: the history
rules compare the form with the period before its own, whichever run shows it), and the 退回 in words (who,
when, 说明) for the top of the 问题清单. Computed once per run and returned version (a second load of the
period's versions in use, only while a 退回 holds a district's month out).
"""
from __future__ import annotations

from dataclasses import dataclass

from reporttool.catalogue import Catalogue
from reporttool.core.models import Finding, Period
from reporttool.figures.consistency import checked_versions
from reporttool.ledger import Ledger, SubmissionRecord
from reporttool.ledger.store import Withdrawal

__all__ = ["ReturnedFeedback", "returned_feedback", "returned_words", "version_findings"]


@dataclass(frozen=True)
class ReturnedFeedback:
    """What the feedback workbook of a returned version is made of."""

    record: SubmissionRecord  # the version returned
    findings: list[Finding]  # its stored findings, the cross-district and the history ones
    returned: str  # the 退回 in words: the first line of the 问题清单's summary


def returned_feedback(ledger: Ledger, cat: Catalogue, period: Period,
                      withdrawal: Withdrawal | None) -> ReturnedFeedback | None:
    """For a district whose month a 退回 on the web page holds out (``withdrawal``, as 报送情况 has it): the
    version returned, its findings and the 退回 in words; None for anything else (no withdrawal, or one made
    with `reporttool withdraw`: no 退回 to explain, the district gets no workbook from it)."""
    if withdrawal is None or not withdrawal.returned or withdrawal.submission_id is None:
        return None
    rec = ledger.submission(withdrawal.submission_id)
    if rec is None:
        return None
    return ReturnedFeedback(rec, version_findings(ledger, cat, period, rec), returned_words(ledger, cat, withdrawal, rec))


def version_findings(ledger: Ledger, cat: Catalogue, period: Period, rec: SubmissionRecord) -> list[Finding]:
    """Every finding of version ``rec`` as the run of ``period`` would show it were it in use: the stored
    per-file ones, the cross rules against the other districts' versions in use, the history rules. A refused
    version has its stored findings only (nothing of it can be compared)."""
    if not rec.readable:
        return ledger.findings(rec.id)
    cv = checked_versions(ledger, cat, period, also={rec.district: rec})
    return list(cv.findings.get(rec.district, []))


def returned_words(ledger: Ledger, cat: Catalogue, w: Withdrawal, rec: SubmissionRecord) -> str:
    """“市局已退回本期报表（第2版，甲区6月.xlsx）：2025-07-11 09:00 市局退回，说明：…。该版本不计入汇总，请按说明和
    下列问题改正后重新报送。” (the reviewer is the withdrawal's ``who``; the 说明 the reason the district also
    sees on its page)."""
    ids = [r.id for r in ledger.submissions(period=rec.period, district=rec.district)]
    number = f"第{ids.index(rec.id) + 1}版，" if rec.id in ids else ""
    bureau = cat.words.bureau
    why = f"，说明：{w.note.rstrip('。')}" if w.note.strip() else ""
    return (f"{bureau}已退回本期报表（{number}{rec.file_name}）：{w.withdrawn_at:%Y-%m-%d %H:%M} {w.who or bureau}退回"
            f"{why}。该版本不计入汇总，请按说明和下列问题改正后重新报送。")
