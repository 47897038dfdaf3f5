"""render/xlsx_fast.py writes the same bytes as xlsxwriter's own worksheet (it overrides a private method)."""
from __future__ import annotations

import datetime as dt
import io
import zipfile
from decimal import Decimal

import pytest
import xlsxwriter
from xlsxwriter.worksheet import Worksheet

import reporttool.render.xlsx_styles as xlsx_styles
from reporttool.core.models import Period, parse_period
from reporttool.figures import consistency
from reporttool.render.workbook import write_consolidated
from reporttool.render.xlsx_fast import FastWorksheet

CREATED = dt.datetime(2025, 7, 8, 9, 0)


def _parts(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {n: z.read(n) for n in z.namelist()}


def _book(worksheet_class) -> dict[str, bytes]:
    """Every kind of cell xlsxwriter has, with and without formats, in one sheet."""
    out = io.BytesIO()
    wb = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_numbers": False, "strings_to_formulas": False})
    wb.set_properties({"created": CREATED})
    bold, num = wb.add_format({"bold": True, "border": 1}), wb.add_format({"num_format": "0.00"})
    ws = wb.add_worksheet("表", worksheet_class=worksheet_class)
    numbers = [0, -0.0, 1, -1, 0.1 + 0.2, 1e-300, 1.7976931348623157e308, 123456789012345.67, 3.14159265358979,
               float(Decimal("2680.35")), 2**53 + 1]
    for r, n in enumerate(numbers):
        ws.write_number(r, 0, n, num)
        ws.write_number(r, 1, n)  # no format: xlsxwriter's own path
    texts = ["合计", "A&B <c> \"d\" 'e'", " 前后空格 ", "多行\n文本", "=SUM(A1)", "", "_x0000_"]
    for r, t in enumerate(texts):
        ws.write_string(r, 2, t, bold)
        ws.write_string(r, 3, t)
    ws.write_blank(0, 4, None, bold)
    ws.write_blank(1, 4, None)  # ignored by xlsxwriter (no format)
    ws.write_formula(2, 4, "=A1+A2", bold, 3)
    ws.write_boolean(3, 4, True, bold)
    ws.write_rich_string(4, 4, "普通", bold, "加粗", bold)
    ws.write_datetime(5, 4, dt.datetime(2025, 6, 30), wb.add_format({"num_format": "yyyy-mm-dd"}))
    ws.set_row(6, 30, bold)
    ws.write_number(6, 300, 1, bold)  # beyond the columns the fast path names
    wb.close()
    return _parts(out.getvalue())


def test_every_kind_of_cell_is_written_as_xlsxwriter_writes_it():
    fast, stock = _book(FastWorksheet), _book(Worksheet)
    assert fast.keys() == stock.keys()
    assert [n for n in fast if fast[n] != stock[n]] == []
    assert b'<c r="C2" s="' in fast["xl/worksheets/sheet1.xml"]  # the fast path did write cells


@pytest.mark.parametrize("key", ["2025-03", "2025-Q1", "2025"])
def test_the_consolidated_workbook_is_the_same_with_the_stock_worksheet(quarter, tmp_path, monkeypatch, key):
    cat = quarter.ws.catalogue()
    figs = consistency.period_figures(quarter, cat, parse_period(key) if key != "2025-03" else Period(2025, 3))
    write_consolidated(figs, cat, tmp_path / "fast.xlsx")
    monkeypatch.setattr(xlsx_styles, "FastWorksheet", Worksheet)
    write_consolidated(figs, cat, tmp_path / "stock.xlsx")
    fast, stock = _parts((tmp_path / "fast.xlsx").read_bytes()), _parts((tmp_path / "stock.xlsx").read_bytes())
    assert fast.keys() == stock.keys()
    differ = [n for n in fast if fast[n] != stock[n] and n != "docProps/core.xml"]  # core.xml: the time written
    assert differ == []
