"""``FastWorksheet``: xlsxwriter's worksheet with the inner loop of its XML writer specialised.

A statistical table is made of three kinds of cell — a number, a (shared) string, a blank — each with its
own format. xlsxwriter writes every cell through one general method (``Worksheet._write_cell``: attribute
lists, escaping of attributes that never need it, a branch per cell type); at province scale that is a
third of the 汇总表's time (≈ 30,000 cells, issue 13's one-file re-run). Here those three kinds are written
in one formatted string each, to the same bytes; anything else (formulas, rich strings, cells without a
format, constant_memory mode) goes to xlsxwriter's own method.

Around it, the loop over the rows (``_write_rows``, ``_calculate_spans``) takes each row's cells as they
are instead of trying every column of the sheet's width, and the table writer stores its cells without the
A1-notation wrapper of the public methods (``number``, ``string``, ``blank``: it always has row and column
numbers).

It overrides private methods of xlsxwriter. tests/test_xlsx_fast.py writes 汇总表s of a month, a quarter
and a year with it and with the stock worksheet and compares every part of the two files byte for byte, so
an xlsxwriter whose internals change fails a test, never a user's file (pyproject.toml pins the major).
"""
from __future__ import annotations

from xlsxwriter.utility import xl_col_to_name
from xlsxwriter.worksheet import Worksheet

_COLUMNS = tuple(xl_col_to_name(c) for c in range(256))  # A … IV: wider than any table of ours
_FAST = frozenset({"Number", "String", "Blank"})


class FastWorksheet(Worksheet):
    # the public write_number/write_string/write_blank without their A1-notation wrapper
    number = Worksheet._write_number
    string = Worksheet._write_string
    blank = Worksheet._write_blank

    def _calculate_spans(self) -> None:
        if self.comments:
            super()._calculate_spans()
            return
        spans: dict[int, str] = {}
        lo: int | None = None
        hi = 0
        table = self.table
        for row_num in range(self.dim_rowmin, self.dim_rowmax + 1):
            cells = table.get(row_num)  # (a get: the stock loop does not add rows to the table either)
            if cells:
                first, last = min(cells), max(cells)
                lo, hi = (first, last) if lo is None else (min(lo, first), max(hi, last))
            if ((row_num + 1) % 16 == 0 or row_num == self.dim_rowmax) and lo is not None:
                spans[row_num // 16] = f"{lo + 1}:{hi + 1}"
                lo = None
        self.row_spans = spans

    def _write_rows(self) -> None:
        if self.comments or self.constant_memory:
            super()._write_rows()
            return
        self._calculate_spans()
        table, info, spans = self.table, self.row_info, self.row_spans
        for row_num in range(self.dim_rowmin, self.dim_rowmax + 1):
            cells = table.get(row_num)
            row = info.get(row_num)
            if not cells:
                if row is not None:
                    self._write_empty_row(row_num, spans.get(row_num // 16), row)
                continue
            self._write_row(row_num, spans.get(row_num // 16), row)
            for col in sorted(cells):
                self._write_cell(row_num, col, cells[col])
            self.fh.write("</row>")

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
