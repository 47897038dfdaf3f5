"""Helpers shared by the brief's test modules."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import docx

from reporttool.render.brief import write_brief

ISSUED = dt.date(2025, 7, 8)


def colophon_paragraphs(doc) -> list:
    """The closing block's paragraphs (they sit in a table inside the text box at the page foot)."""
    from docx.oxml.ns import qn
    from docx.text.paragraph import Paragraph

    return [Paragraph(p, doc) for box in doc.element.body.iter(qn("w:txbxContent"))
            for p in box.iter(qn("w:p")) if "".join(p.itertext()).strip()]


def texts(path: Path) -> list[str]:
    """Every body paragraph's text of a .docx, then the closing block's lines."""
    doc = docx.Document(str(path))
    return [p.text for p in doc.paragraphs] + [p.text for p in colophon_paragraphs(doc)]


def small_brief(tmp_path, figs, cat=None, **kw) -> str:
    """The brief of the small fixture city as one text."""
    from conftest import make_small_catalogue

    cat = cat or make_small_catalogue()
    dest = write_brief(figs, cat, tmp_path / "b.docx", issue_no=3, issued=ISSUED, **kw)
    return "\n".join(texts(dest))
