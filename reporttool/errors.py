"""Exceptions the library raises for the CLI to turn into one Chinese line and an exit code."""
from __future__ import annotations


class ReportToolError(Exception):
    """A run that cannot be done (exit code 2). ``str(exc)`` is the Chinese message for the user."""

    exit_code = 2


class WorkspaceError(ReportToolError):
    """The workspace is missing, incomplete, or would be overwritten."""


class LockedError(ReportToolError):
    """Another run holds the workspace lock."""
