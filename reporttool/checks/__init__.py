"""Checking submissions (审核): the rule catalogue, per-file rules, and checking files end to end.

``check_files`` reads each file in an isolated worker (forms/isolate.py), applies the per-file rules
and returns one FileReport per path, in the order given. The same Finding records then feed the
terminal, the JSON output, the feedback workbook and the ledger.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from reporttool.checks.single import check_submission, counts, file_status, in_sheet_order, is_refusal
from reporttool.core.models import Finding, Period, Submission, parse_period
from reporttool.core.rules import RULES, Rule, finding
from reporttool.core.units import readable_name

__all__ = ["RULES", "Rule", "finding", "check_submission", "counts", "file_status", "is_refusal",
           "FileReport", "check_files"]


@dataclass
class FileReport:
    """The outcome of checking one file: what was read (None when refused), all findings, status."""

    path: Path
    submission: Submission | None
    findings: list[Finding] = field(default_factory=list)
    status: str = ""
    sha256: str = ""

    @property
    def counts(self) -> dict[str, int]:
        return counts(self.findings)

    @property
    def refused(self) -> bool:
        return self.submission is None


def check_files(paths: Sequence[str | Path], cat, *, period: Period | None = None, workers: int | None = None,
                progress: Callable | None = None) -> list[FileReport]:
    """Read ``paths`` (isolated, in parallel) and check each: reader findings + per-file rules.

    ``period``, when given, is the period every file must carry (others are refused as 报告期不符);
    otherwise each file is checked against the period in its own identity sheet.
    """
    from reporttool.forms.isolate import internal_finding, read_many

    results = read_many([Path(p) for p in paths], cat, workers=workers, expected_period=period,
                        progress=progress)
    reports: list[FileReport] = []
    for res in results:
        findings = list(res.findings)
        sub = res.submission
        if sub is not None:
            sub_period = period or _period_of(sub)
            if sub_period is not None:
                try:
                    findings.extend(check_submission(sub, cat, sub_period))
                except Exception as exc:  # a checker bug on this file: this file only is refused
                    findings.append(internal_finding(readable_name(Path(res.path).name), sub.district, exc,
                                                     cat.words))
                    sub = None
        if sub is not None:
            findings = in_sheet_order(findings, sub)
        reports.append(FileReport(Path(res.path), sub, findings, file_status(findings),
                                  getattr(res, "sha256", "") or ""))
    return reports


def _period_of(sub: Submission) -> Period | None:
    try:
        return parse_period(sub.period)
    except ValueError:
        return None
