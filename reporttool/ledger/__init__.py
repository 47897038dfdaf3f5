"""The ledger: the SQLite record of every submission received (store), the per-submission aggregates it
keeps (aggregates), the archive of the files, and the workspace lock (lock).

Public names: ``from reporttool.ledger import Ledger, SubmissionRecord, Prepared, prepare``.
"""
from reporttool.ledger.store import Ledger, Prepared, SubmissionRecord, prepare

__all__ = ["Ledger", "Prepared", "SubmissionRecord", "prepare"]
