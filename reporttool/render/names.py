"""File names of the documents that need no renderer to be named (the brief's: without importing python-docx)."""
from __future__ import annotations

from reporttool.catalogue import Catalogue
from reporttool.core.models import Period


def brief_name(cat: Catalogue, period: Period, issue_no: int) -> str:
    """File name of the brief: 产业集群工作简报（2025年第6期）.docx."""
    return f"{cat.settings.bulletin_name}（{period.year}年第{issue_no}期）.docx"
