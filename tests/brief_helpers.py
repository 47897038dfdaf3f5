"""Helpers shared by the brief's test modules."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import docx

from reporttool.render.brief import write_brief

ISSUED = dt.date(2025, 7, 8)


def texts(path: Path) -> list[str]:
    """Every paragraph's text of a .docx."""
    return [p.text for p in docx.Document(str(path)).paragraphs]


def small_brief(tmp_path, figs, cat=None, **kw) -> str:
    """The brief of the small fixture city as one text."""
    from conftest import make_small_catalogue

    cat = cat or make_small_catalogue()
    dest = write_brief(figs, cat, tmp_path / "b.docx", issue_no=3, issued=ISSUED, **kw)
    return "\n".join(texts(dest))
