"""The ledger: the SQLite record of every submission received (store), the per-submission aggregates it
keeps (aggregates), the archive of the files, and the workspace lock (lock).

Public names: ``from reporttool.ledger import Ledger, SubmissionRecord, Prepared, prepare, counts, FindingCounts``.
"""
from reporttool.ledger.store import FindingCounts, Ledger, Prepared, SubmissionRecord, counts, prepare

__all__ = ["FindingCounts", "Ledger", "Prepared", "SubmissionRecord", "counts", "prepare"]
