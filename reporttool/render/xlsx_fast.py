"""``FastWorksheet``: xlsxwriter's worksheet with the inner loop of its XML writer specialised.

A statistical table is made of three kinds of cell — a number, a (shared) string, a blank — each with its
own format. xlsxwriter writes every cell through one general method (``Worksheet._write_cell``: attribute
lists, escaping of attributes that never need it, a branch per cell type); at province scale that is a
third of the 汇总表's time (≈ 30,000 cells, issue 13's one-file re-run). Here those three kinds are written
in one formatted string each, to the same bytes; anything else (formulas, rich strings, cells without a
format, constant_memory mode) goes to xlsxwriter's own method.

It overrides a private method of xlsxwriter. tests/test_xlsx_fast.py writes 汇总表s of a month, a quarter
and a year with it and with the stock worksheet and compares every part of the two files byte for byte, so
an xlsxwriter whose internals change fails a test, never a user's file (pyproject.toml pins the major).
"""
from __future__ import annotations

from xlsxwriter.utility import xl_col_to_name
from xlsxwriter.worksheet import Worksheet

_COLUMNS = tuple(xl_col_to_name(c) for c in range(256))  # A … IV: wider than any table of ours
_FAST = frozenset({"Number", "String", "Blank"})


class FastWorksheet(Worksheet):
    def _write_cell(self, row: int, col: int, cell) -> None:
        fmt = cell.format
        kind = type(cell).__name__
        if fmt is None or kind not in _FAST or col >= len(_COLUMNS) or self.constant_memory:
            super()._write_cell(row, col, cell)
            return
        start = f'<c r="{_COLUMNS[col]}{row + 1}" s="{fmt._get_xf_index()}"'
        if kind == "Number":
            self.fh.write(f"{start}><v>{cell.number:.16G}</v></c>")
        elif kind == "String":  # cell.string is the index in the shared string table
            self.fh.write(f'{start} t="s"><v>{cell.string}</v></c>')
        else:
            self.fh.write(f"{start}/>")
