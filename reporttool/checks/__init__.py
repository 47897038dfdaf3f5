"""Checking submissions (审核): the rule catalogue, per-file rules, and checking files end to end.

``check_files`` reads each file in an isolated worker (forms/isolate.py), applies the per-file rules
and returns one ReadResult (forms.isolate, the one file-result record) per path, in the order given, its
``status`` set. The same Finding records then feed the
terminal, the JSON output, the feedback workbook and the ledger.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from reporttool.checks.single import check_submission, counts, file_status, in_sheet_order, is_refusal
from reporttool.core.models import Finding, Period, Submission, parse_period
from reporttool.core.rules import RULES, Rule, finding
from reporttool.core.units import readable_name

if TYPE_CHECKING:
    from reporttool.forms.isolate import ReadResult

__all__ = ["RULES", "Rule", "finding", "check_submission", "counts", "file_status", "is_refusal",
           "check_files"]


def check_files(paths: Sequence[str | Path], cat, *, period: Period | None = None, workers: int | None = None,
                progress: Callable[[int, int], None] | None = None) -> list[ReadResult[None]]:
    """Read ``paths`` (isolated, in parallel) and check each: reader findings + per-file rules.

    ``period``, when given, is the period every file must carry (others are refused as 报告期不符);
    otherwise each file is checked against the period in its own identity sheet.
    """
    from reporttool.forms.isolate import internal_finding, read_many

    results = read_many([Path(p) for p in paths], cat, workers=workers, expected_period=period,
                        progress=progress)
    reports: list[ReadResult[None]] = []
    for res in results:
        findings: list[Finding] = list(res.findings)
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
        reports.append(replace(res, submission=sub, findings=findings, status=file_status(findings)))
    return reports


def _period_of(sub: Submission) -> Period | None:
    try:
        return parse_period(sub.period)
    except ValueError:
        return None
