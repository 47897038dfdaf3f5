# Over 500 lines: every per-file rule in one checker of one submission (the rules share its row, cell and finding
# helpers), run column by column with the row-by-row run kept beside it as the reference the tests compare with.
"""Checks of one submission (审核): every per-file rule of checks/rules.py that needs no other file.

The reader has already normalised the cells (Decimal, int, choice text, cluster code, date) and left
None in ``Row.values`` with the typed text in ``Row.raw`` where it could not understand a cell. Here
we turn that into findings, apply the relations between columns (投资 ≤ 总投资 …) and between tables
(名录合计 ≤ 集群产出), and mark rows carrying an error as excluded from the totals.
Cross-file rules (R-YTD-FALL, R-DUP-ACROSS) live in checks/cross.py.
"""
from __future__ import annotations

import datetime as dt
import functools
import itertools
import operator
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any, cast

from reporttool.catalogue import Catalogue
from reporttool.checks.credit_code import USCC_ALPHABET, codes_to_check, uscc_check_digit, uscc_compact
from reporttool.core import fmt
from reporttool.core.formula import formula_refs
from reporttool.core.models import (
    ERROR,
    SOURCE_FORMULA,
    SOURCE_OUTPUT,
    SOURCE_ROSTER,
    VERIFY,
    Cluster,
    Finding,
    FindingCounts,
    Indicator,
    Period,
    Row,
    Submission,
    Table,
)
from reporttool.core.rules import RULES, finding
from reporttool.core.status import ST_ERRORS, ST_PASSED, ST_RETURNED, ST_VERIFY
from reporttool.core.units import clean_text, known_conversion, unit_factor
from reporttool.forms import layout
from reporttool.forms.layout import AMOUNT, CHOICE, CLUSTER, DATE, FIXED, INT, SEQ, SheetSpec

# Roster measures an output indicator may bound (Indicator.roster_measure) -> roster column key.
ROSTER_BOUND_COLUMNS = {"营业收入合计": "revenue", "工业总产值合计": "output_value"}
TOO_LARGE = Decimal("1E12")  # no amount, count or quantity on these forms comes near a trillion
ROSTER_TOLERANCE = Decimal("0.01")  # 万元: rounding slack between the roster sum and the reported total
FORM_AMOUNT_UNIT = "万元"  # roster amounts are in 万元 (layout ROSTER.unit_note)

EXCEL_CELL_CHARS = 32_767  # Excel's limit of characters in one cell: longer text cannot be written back
NAME_CHARS = 200  # 企业名称/项目名称/项目单位: real names are well under 100 characters
_NAME_COLUMNS = {("roster", "name"), ("projects", "name"), ("projects", "owner"), ("roster", "park")}
_TYPE_RULE = {AMOUNT: "R-NUMBER", INT: "R-INTEGER", DATE: "R-DATE", CHOICE: "R-CHOICE",
              CLUSTER: "R-CLUSTER-UNKNOWN"}

# The column-wise tests (check_columns, check_roster_rows): exact types, so bool and subclasses fall back.
_NONE = type(None)
_STR = frozenset({str})
_STR_OR_NONE = frozenset({str, _NONE})
_NUMBER_TYPES = frozenset({int, Decimal})
_NUMBER_OR_NONE = frozenset({int, Decimal, _NONE})
_NOT_NONE = functools.partial(operator.is_not, None)
_RAW = operator.attrgetter("raw")
_NUMBER = operator.attrgetter("number")


# --------------------------------------------------------------------------------------------------
# Showing values in messages
# --------------------------------------------------------------------------------------------------


def show(value: Any) -> str:
    """A cell value as text for a message: 1234.5 not 1.2345E+3, a month as 2025-03."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, Decimal):
        text = f"{value:f}"
        return text.rstrip("0").rstrip(".") if "." in text else text
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return value.strftime("%Y-%m") if value.day == 1 else value.isoformat()
    return str(value)


def _amount(value: Decimal) -> str:
    return fmt.text(value, 2)


# --------------------------------------------------------------------------------------------------
# The checker of one submission
# --------------------------------------------------------------------------------------------------


class _Checker:
    def __init__(self, sub: Submission, cat: Catalogue, period: Period, *, fast: bool = True):
        self.sub = sub
        self.fast = fast  # False: the per-cell reference (_run_per_cell), for the equivalence tests
        self.cat = cat
        self.period = period
        self.findings: list[Finding] = []
        self._out_of_scope: set[tuple[str, str]] = set()  # (sheet key, cluster) told as R-CLUSTER-SCOPE
        self._columns: dict[str, list] = {}  # table key -> _cell_columns
        self._clusters: dict[str, tuple[bool, bool]] = {}  # cluster code -> (known, hosted by the district)

    # ---- recording -------------------------------------------------------------------------------
    def add(self, code: str, table: Table, row: Row | None, key: str = "", value: Any = None,
            **fields: Any) -> Finding:
        """Record rule ``code`` at column ``key`` of ``row``, located and explained by the row's 说明."""
        spec = layout.SHEETS_BY_KEY.get(table.key)
        column = ""
        if key and spec is not None:
            try:
                column = spec.column(key).title
            except KeyError:
                column = key
        number = row.number if row is not None else None
        cell = table.cell(key, number) if (key and number) else ""
        explanation = ""
        if row is not None and RULES[code].severity == VERIFY:
            explanation = clean_note(row.values.get("note"))
        f = finding(code, file=self.sub.file_name, district=self.sub.district, sheet=table.sheet,
                    row=number, column=column, cell=cell, value=show(value), explanation=explanation,
                    words=self.cat.words, **fields)
        self.findings.append(f)
        return f

    # ---- the run ---------------------------------------------------------------------------------
    def run(self) -> list[Finding]:
        tables = [self.sub.tables[s.key] for s in layout.DATA_SHEETS if s.key in self.sub.tables]
        if not self.fast:
            return self._run_per_cell(tables)
        data = [(table, _data_rows(table)) for table in tables]  # before any cell is changed, as per row
        if not any(rows for _, rows in data):
            self.findings.append(finding("R-EMPTY", file=self.sub.file_name, district=self.sub.district))
            return self.findings
        for table, rows in data:
            spec = layout.SHEETS_BY_KEY[table.key]
            # Every row's cells first, then the rows' relations: a row's relations read only its own cells
            # (checked before, as per row), and the findings are sorted by sheet, row and column (the rows
            # are Excel rows, each its own number): stable, so a cell's own finding still comes before a
            # relation's finding at the same cell, and a row's credit-code finding before its 规上 one.
            columns = self.check_columns(table, spec, rows)
            if table.key == layout.ROSTER.key:
                self.check_roster_rows(table, rows, columns)
            elif table.key == layout.PROJECTS.key:
                for row in rows:
                    self.check_project_row(table, row)
            elif table.key == layout.OUTPUT.key:
                for row in rows:
                    self.check_output_row(table, row)
        return self._finish()

    def _run_per_cell(self, tables: list[Table]) -> list[Finding]:
        """The reference the column-wise run is tested against (tests/test_check_columns.py): row by row,
        every cell through check_cells and every roster row through check_roster_row."""
        if not any(_has_data(t, row) for t in tables for row in t.rows):
            self.findings.append(finding("R-EMPTY", file=self.sub.file_name, district=self.sub.district))
            return self.findings
        for table in tables:
            spec = layout.SHEETS_BY_KEY[table.key]
            seen_codes: dict[str, int] = {}
            for row in table.rows:
                if not _has_data(table, row):
                    continue
                self.check_cells(table, spec, row)
                if table.key == layout.ROSTER.key:
                    self.check_roster_row(table, row, seen_codes)
                elif table.key == layout.PROJECTS.key:
                    self.check_project_row(table, row)
                elif table.key == layout.OUTPUT.key:
                    self.check_output_row(table, row)
        return self._finish()

    def _finish(self) -> list[Finding]:
        """The rules over the whole file, after the rows (both runs): exclusions, roster against 集群产出, ratios."""
        self.mark_excluded()
        self.check_roster_against_output()
        self.check_formula_parts()
        self.mark_excluded()
        return sorted(self.findings, key=self._order)

    def _order(self, f: Finding) -> tuple:
        sheets = [t.sheet for t in self.sub.tables.values()]
        sheet_pos = sheets.index(f.sheet) if f.sheet in sheets else -1
        table = next((t for t in self.sub.tables.values() if t.sheet == f.sheet), None)
        col = 0
        if table is not None and f.cell:
            col = next((i for k, i in table.columns.items() if table.cell(k, f.row or 0) == f.cell), 0)
        return (sheet_pos, f.row or 0, col)

    def mark_excluded(self) -> None:
        """Rows with an error finding are left out of every total (and of the roster roll-up)."""
        bad = {(f.sheet, f.row) for f in self.findings if f.severity == ERROR and f.row}
        if not bad:
            return
        for table in self.sub.tables.values():
            numbers = {n for sheet, n in bad if sheet == table.sheet}
            for row in itertools.compress(table.rows, map(numbers.__contains__, map(_NUMBER, table.rows))):
                row.excluded = True

    # ---- cell by cell: required, type, negative ------------------------------------------------
    def check_cells(self, table: Table, spec: SheetSpec, row: Row) -> None:
        values, raws = row.values, row.raw
        for col, key, kind, limit, clean_choices, longest in self._cell_columns(table, spec):
            value = values.get(key)
            if value is None:
                raw = raws.get(key)
                if raw not in (None, ""):
                    code = _TYPE_RULE.get(kind)
                    if code == "R-CHOICE":
                        self.add(code, table, row, key, raw, choices="、".join(col.choices))
                    elif code == "R-NUMBER" and "%" in clean_text(raw):
                        self.add(code, table, row, key, raw, hint=self._percent_hint(table, row))
                    elif code:
                        self.add(code, table, row, key, raw)
                elif col.required:
                    self.add("R-REQUIRED", table, row, key)
                continue
            if isinstance(value, str):
                if not value or value.isspace():  # nothing but spaces (str.strip's whitespace)
                    if col.required:
                        self.add("R-REQUIRED", table, row, key)
                    continue
                if len(value) > longest:  # too_long(value, limit), without a call per cell
                    # Never cut without a word: the value is not kept and the row is not used.
                    length = (f"有 {len(value):,} 个字符" if len(value) < EXCEL_CELL_CHARS
                              else f"达到 {EXCEL_CELL_CHARS:,} 个字符以上（超出部分已无法读取）")
                    self.add("R-TEXT-TOO-LONG", table, row, key, value, length=length,
                             limit=f"{limit:,}", why="" if limit < EXCEL_CELL_CHARS else "（Excel 单元格的上限）")
                    values[key] = None
                    continue
            if kind in (AMOUNT, INT) and isinstance(value, (int, Decimal)) \
                    and abs(value if value.__class__ is Decimal else Decimal(value)) >= TOO_LARGE:
                # Out of any plausible range (and of what rounding can handle): keep it out of every sum.
                self.add("R-TOO-LARGE", table, row, key, raw if (raw := raws.get(key)) not in (None, "") else f"{value:E}")
                values[key] = None
                continue
            if kind == CHOICE and col.choices:
                # a value typed exactly as a choice is one (clean_choices: those clean_text leaves as they are)
                if value not in clean_choices and clean_text(value) not in col.choices:
                    self.add("R-CHOICE", table, row, key, value, choices="、".join(col.choices))
            elif kind == CLUSTER:
                if (state := self._clusters.get(str(value))) is None:  # (in the catalogue, hosted here)
                    state = self._clusters[str(value)] = (self.cat.cluster(str(value)) is not None,
                                                          self.cat.hosts(str(value), self.sub.district))
                known, hosted = state
                if not known:
                    self.add("R-CLUSTER-UNKNOWN", table, row, key, value)
                elif self.sub.district and not hosted and (table.key, str(value)) not in self._out_of_scope:
                    self._out_of_scope.add((table.key, str(value)))  # told once per sheet and cluster
                    cluster = self.cat.cluster(str(value))
                    self.add("R-CLUSTER-SCOPE", table, row, key, cluster.name if cluster else value)
            elif kind in (AMOUNT, INT) and isinstance(value, (int, Decimal)) and value < 0:
                self.add("R-NEGATIVE", table, row, key, value)

    def _cell_columns(self, table: Table, spec: SheetSpec) -> list[tuple[Any, str, str, int, frozenset[str], int]]:
        """The columns check_cells looks at in this table, with what it needs of each (once per table): the
        column, key, kind, text limit, the choices clean_text leaves as they are, and the longest text that
        is not too long (``too_long``)."""
        cols = self._columns.get(table.key)  # one table of each key in a submission
        if cols is None:
            cols = self._columns[table.key] = [
                (col, col.key, col.kind, limit, frozenset(c for c in col.choices if clean_text(c) == c),
                 limit - 1 if limit >= EXCEL_CELL_CHARS else limit)
                for col in spec.columns if col.kind not in (SEQ, FIXED) and col.key in table.columns
                for limit in [text_limit(table.key, col.key)]]
        return cols

    # ---- column by column: which cells could check_cells have anything to say about --------------
    def check_columns(self, table: Table, spec: SheetSpec, rows: list[Row]) -> dict[str, Sequence[Any]]:
        """check_cells on every row of ``rows`` (rows with data), looking cell by cell only where a test of
        the whole column cannot tell that check_cells would record nothing and change nothing.

        Exact because a cell check_cells says nothing about neither depends on nor changes anything else
        (no finding, no cell set to None, no cluster told out of scope): the rows left over go through
        check_cells itself, whole, in row order. A row goes through when its ``raw`` holds anything, or
        when one of its cells fails ``_cell_clean`` in a column that failed ``_column_clean``.
        Returns the columns read (key -> the values of ``rows``) when they are still what the rows hold.
        """
        if not rows:
            return {}
        cols = self._cell_columns(table, spec)
        dirty: set[int] = {i for i, row in enumerate(rows) if row.raw} if any(map(_RAW, rows)) else set()
        values = [row.values for row in rows]
        keys = [c[1] for c in cols]
        try:  # one C call a row, then one transposition, instead of a dict lookup a cell
            got = list(map(operator.itemgetter(*keys), values)) if keys else []
            columns: list[tuple] = list(zip(*got)) if len(keys) > 1 else [tuple(got)] if keys else []
        except KeyError:  # a row without one of the columns: values.get, None, as check_cells reads it
            columns = [tuple(v.get(key) for v in values) for key in keys]
        for info, column in zip(cols, columns):
            if not self._column_clean(table, info, column):
                dirty.update(self._unclean_cells(table, info, column, 0))
        for i in sorted(dirty):
            self.check_cells(table, spec, rows[i])
        # The columns as the row checks will read them: check_cells may have set a cell of its rows to None.
        read: dict[str, Sequence[Any]] = dict(zip(keys, columns))
        if dirty:
            patched: dict[str, list[Any]] = {key: list(column) for key, column in read.items()}
            for i in dirty:
                for key, cells in patched.items():
                    cells[i] = rows[i].values.get(key)
            return dict(patched)
        return read

    def _unclean_cells(self, table: Table, info: tuple, column: tuple, start: int) -> list[int]:
        """The positions (from ``start``) of the cells of a column that failed ``_column_clean`` that fail
        ``_cell_clean``: halves of the column tested whole again, cell by cell only in the last few, so a
        column with one bad cell among thousands costs a few column tests, not a call per cell."""
        if len(column) <= 16:
            return [start + i for i, value in enumerate(column) if not self._cell_clean(table, info, value)]
        half = len(column) // 2
        found = []
        for part, at in ((column[:half], start), (column[half:], start + half)):
            if not self._column_clean(table, info, part):
                found += self._unclean_cells(table, info, part, at)
        return found

    def _cell_clean(self, table: Table, info: tuple, value: Any) -> bool:
        """True when check_cells, given ``value`` in a row whose ``raw`` is empty, records nothing and changes
        nothing; False when it may (False is always safe: the row then goes through check_cells)."""
        col, _key, kind, _limit, clean_choices, longest = info
        if value is None:
            return not col.required
        if isinstance(value, str):
            if not value or value.isspace():
                return not col.required
            if len(value) > longest:
                return False
        if kind in (AMOUNT, INT):
            if isinstance(value, (int, Decimal)):
                return (value.__class__ is int or (value.__class__ is Decimal and value.is_finite())) \
                    and 0 <= value < TOO_LARGE  # (bool, a Decimal subclass, NaN: through check_cells)
            return True
        if kind == CHOICE and col.choices:
            return value.__class__ is str and self._choice_ok(info, value)
        if kind == CLUSTER:
            return value.__class__ is str and self._cluster_ok(value)
        return True

    def _column_clean(self, table: Table, info: tuple, column: tuple) -> bool:
        """``all(_cell_clean(v) for v in column)`` for the usual columns, in a few C-level passes: types
        once, then lengths, blanks, min and max, the distinct choices and clusters. False for any column
        it does not know how to test at once (then each cell is tested)."""
        col, _key, kind, _limit, _clean_choices, longest = info
        types = set(map(type, column))
        has_none = _NONE in types
        if has_none:
            if col.required:
                return False
            types.discard(_NONE)
        if not types:
            return True
        if kind in (AMOUNT, INT):
            if not types <= _NUMBER_TYPES:
                return False
            numbers = list(filter(_NOT_NONE, column)) if has_none else column
            try:  # a NaN raises (and goes through check_cells, which raises as it always did)
                return min(numbers) >= 0 and max(numbers) < TOO_LARGE
            except ArithmeticError:
                return False
        if types != _STR:
            # another kind holding no text (dates in a DATE column): check_cells has nothing to say
            return kind not in (CHOICE, CLUSTER) and str not in types and not any(issubclass(t, str) for t in types)
        texts = list(filter(None, column)) if has_none else column  # without None and ""
        if max(map(len, texts), default=0) > longest:
            return False
        if col.required and ("" in column or any(map(str.isspace, texts))):
            return False
        if kind == CHOICE and col.choices:
            return all(self._choice_ok(info, v) for v in set(texts) if v and not v.isspace())  # blanks: above
        if kind == CLUSTER:
            return all(self._cluster_ok(v) for v in set(texts) if v and not v.isspace())
        return True

    def _choice_ok(self, info: tuple, value: str) -> bool:
        """check_cells' choice test passes for this (non-blank) text."""
        col, clean_choices = info[0], info[4]
        return value in clean_choices or clean_text(value) in col.choices

    def _cluster_ok(self, value: str) -> bool:
        """check_cells' cluster test passes for this (non-blank) text without a finding: a cluster of the
        catalogue hosted by the district (or no district). A cluster out of scope is told once per sheet:
        each of its cells goes through check_cells."""
        if (state := self._clusters.get(value)) is None:
            state = self._clusters[value] = (self.cat.cluster(value) is not None,
                                             self.cat.hosts(value, self.sub.district))
        known, hosted = state
        return known and (hosted or not self.sub.district)

    def _percent_hint(self, table: Table, row: Row) -> str:
        """Why "12%" is not a number here: a percentage belongs only on a row measured in %."""
        unit = FORM_AMOUNT_UNIT
        if table.key == layout.OUTPUT.key:
            ind = self.cat.indicator(str(row.values.get("indicator_code") or ""))
            unit = ind.form_unit if ind else (row.values.get("unit") or "")
        where = f"本列计量单位为{unit}，" if unit else ""
        return f"{where}请填数值，不带%；百分数只能填在计量单位为%的指标行中。"

    # ---- 集群企业 -------------------------------------------------------------------------------
    def check_roster_row(self, table: Table, row: Row, seen_codes: dict[str, int]) -> None:
        self._check_credit(table, row, seen_codes)
        self._check_scale(table, row)

    def _check_credit(self, table: Table, row: Row, seen_codes: dict[str, int]) -> None:
        code = row.values.get("credit_code")
        if isinstance(code, str) and code.strip():
            compact = code.upper() if code.isascii() and code.isalnum() else uscc_compact(clean_text(code))  # hot
            if len(compact) != 18 or not USCC_ALPHABET.issuperset(compact):
                self.add("R-CREDIT-FORMAT", table, row, "credit_code", code)
            elif uscc_check_digit(compact) != compact[17]:
                self.add("R-CREDIT-CHECK", table, row, "credit_code", code)
            if compact in seen_codes:
                self.add("R-CREDIT-DUP", table, row, "credit_code", code, first=seen_codes[compact])
            else:
                seen_codes[compact] = row.number

    def _check_scale(self, table: Table, row: Row) -> None:
        revenue = row.values.get("revenue")
        scale = row.values.get("is_scale")
        if (scale == "是" or clean_text(scale) == "是") and isinstance(revenue, (int, Decimal)) and revenue >= 0:
            threshold = self.cat.settings.scale_threshold
            annual = Decimal(revenue) * 12 / Decimal(self.period.month)
            if annual < threshold:
                self.add("R-SCALE-REVENUE", table, row, "revenue", revenue, annual=_amount(annual),
                         threshold=fmt.trim(threshold, 2))

    def check_roster_rows(self, table: Table, rows: list[Row], columns: dict[str, Sequence[Any]]) -> None:
        """check_roster_row on every row of ``rows`` (in order, after their cells were checked), by column:
        the credit codes at once, each one that is not plainly valid and unique through _check_credit
        (``codes_to_check``); the 规上 test only for the rows it could concern (``_scale_floor``).
        ``columns``: the columns check_columns read, when it gave them (else they are read here)."""
        if not rows:
            return

        def column(key: str) -> Sequence[Any]:
            got = columns.get(key)
            return got if got is not None else [row.values.get(key) for row in rows]

        seen_codes: dict[str, int] = {}  # of the codes looked at: a code not looked at occurs once
        for i in codes_to_check(column("credit_code")):
            self._check_credit(table, rows[i], seen_codes)
        scales = column("is_scale")
        floor = _scale_floor(self.cat.settings.scale_threshold, self.period.month)
        if floor is None or not set(map(type, scales)) <= _STR_OR_NONE:
            for row in rows:
                self._check_scale(table, row)
            return
        # Exact str values: equal texts are the same text, so the test is done once per distinct text.
        is_yes = {s: s == "是" or clean_text(s) == "是" for s in set(scales)}
        if not any(is_yes.values()):
            return
        yes = list(map(is_yes.__getitem__, scales))
        yes_rows = list(itertools.compress(rows, yes))
        revenues = list(itertools.compress(column("revenue"), yes))
        try:
            if set(map(type, revenues)) <= _NUMBER_TYPES and min(revenues) >= floor:
                return
        except ArithmeticError:  # a NaN: row by row
            pass
        for row, revenue in zip(yes_rows, revenues):
            # No finding for a revenue (int or Decimal) at or above the floor: annual >= threshold.
            if revenue.__class__ not in _NUMBER_TYPES or cast(Decimal, revenue) < floor:
                self._check_scale(table, row)

    # ---- 投资项目 -------------------------------------------------------------------------------
    def check_project_row(self, table: Table, row: Row) -> None:
        v = row.values
        total, plan, done, since = (_num(v.get(k)) for k in ("total", "plan_year", "done_year", "done_total"))
        if done is not None and total is not None and done > total:
            self.add("R-INV-TOTAL", table, row, "done_year", done, total=show(total))
        if since is not None and total is not None and since > total:
            self.add("R-INV-SINCE", table, row, "done_total", since, total=show(total))
        if done is not None and since is not None and done > since:
            self.add("R-INV-YEAR-SINCE", table, row, "done_year", done, since=show(since))
        if done is not None and plan is not None and done > plan:
            self.add("R-INV-PLAN", table, row, "done_year", done, plan=show(plan))
        start, finish = v.get("start"), v.get("finish")
        # by month: the form asks for 年月, and a month read as its first day must not precede a date in it
        if (isinstance(start, dt.date) and isinstance(finish, dt.date)
                and (start.year, start.month) > (finish.year, finish.month)):
            self.add("R-DATES", table, row, "finish", finish, start=show(start))

    # ---- 集群产出 -------------------------------------------------------------------------------
    def check_output_row(self, table: Table, row: Row) -> None:
        for key in ("cluster_code", "indicator_code"):
            if row.values.get(key) is None and row.raw.get(key) not in (None, ""):
                self.add("R-OUTPUT-ROW-UNKNOWN", table, row, key, row.raw[key])
                return
        value, last = _num(row.values.get("value")), _num(row.values.get("value_ly"))
        if value is None or last is None or last <= 0 or value < 0:
            return
        rate = (value - last) * 100 / last
        threshold = self.cat.settings.yoy_threshold
        if abs(rate) > threshold:
            cluster = self.cat.cluster(str(row.values.get("cluster_code") or ""))
            indicator = self.cat.indicator(str(row.values.get("indicator_code") or ""))
            what = (cluster.name if cluster else "") + (indicator.name if indicator else "")
            self.add("R-YOY-SWING", table, row, "value", value, what=what,
                     change=fmt.change_words(rate, 1), threshold=fmt.trim(threshold, 2))

    def check_formula_parts(self) -> None:
        """A ratio (计算 indicator) needs all its reported parts: one part alone would skew the city ratio."""
        output = self.sub.tables.get(layout.OUTPUT.key)
        if output is None:
            return
        rows = {(r.values.get("cluster_code"), r.values.get("indicator_code")): r for r in output.rows
                if not r.excluded}
        for cluster in self.cat.clusters:
            for ind in self.cat.indicators_for(cluster.code):
                if ind.source != SOURCE_FORMULA:
                    continue
                parts = [p for code in dict.fromkeys(formula_refs(ind.formula))
                         if (p := self.cat.indicator(code)) is not None and p.source == SOURCE_OUTPUT]
                filled = [p for p in parts if (cluster.code, p.code) in rows
                          and _num(rows[(cluster.code, p.code)].values.get("value")) is not None]
                missing = [p for p in parts if p not in filled]
                if not filled or not missing:
                    continue
                # Found at the part that was filled: an empty pre-printed row is not read (it has no data).
                row = rows[(cluster.code, filled[0].code)]
                self.add("R-FORMULA-PART", output, row, "value", row.values.get("value"),
                         cluster=cluster.name, indicator=ind.name, formula=ind.formula,
                         given="、".join(f"“{f.name}”" for f in filled), missing="、".join(p.name for p in missing))

    def _counted_from_roster(self, output: Table) -> list[tuple[Cluster, Indicator]]:
        """(cluster, indicator counted from the roster) for each cluster the output sheet reports a positive
        value of, when some of its indicators are counted from the roster (来源 企业名录: 规上企业户数)."""
        reported: list[Cluster] = []
        for row in output.rows:
            cl = self.cat.cluster(str(row.values.get("cluster_code") or ""))
            if not row.excluded and cl is not None and cl not in reported and (_num(row.values.get("value")) or 0) > 0:
                reported.append(cl)
        return [(cl, ind) for cl in reported for ind in self.cat.indicators_for(cl.code) if ind.source == SOURCE_ROSTER]

    def check_roster_against_output(self) -> None:
        """名录合计 ≤ 集群产出: rosters are partial, so the listed enterprises cannot exceed the total."""
        roster = self.sub.tables.get(layout.ROSTER.key)
        output = self.sub.tables.get(layout.OUTPUT.key)
        if roster is None or output is None:
            return
        data = _data_rows(roster) if self.fast else [r for r in roster.rows if _has_data(roster, r)]
        listed_clusters = {r.values.get("cluster") for r in data}
        bound = [(row, ind, cl) for row in output.rows if not row.excluded
                 for ind, cl in [(self.cat.indicator(str(row.values.get("indicator_code") or "")),
                                  self.cat.cluster(str(row.values.get("cluster_code") or "")))]
                 if ind is not None and cl is not None and ind.roster_measure in ROSTER_BOUND_COLUMNS
                 and (_num(row.values.get("value")) or 0) > 0]
        if bound and not listed_clusters:
            # The whole roster left empty while the output sheet reports what it should list.
            first = roster.header_row + 1
            names = "、".join(dict.fromkeys(f"{cl.short_name}{ind.name}" for _, ind, cl in bound[:3]))
            self.findings.append(finding(
                "R-ROSTER-EMPTY", file=self.sub.file_name, district=self.sub.district, sheet=roster.sheet,
                row=first, column=layout.ROSTER.column("credit_code").title,
                cell=roster.cell("credit_code", first), what=names + ("等" if len(bound) > 3 else "")))
            return
        counted = self._counted_from_roster(output) if not listed_clusters else []
        if counted:
            # No output bound to the roster, but figures of the reported clusters are counted from it (规上企业户数):
            # the roster is required as much, and the brief names such a district as 未报送企业名录.
            first = roster.header_row + 1
            clusters = "、".join(dict.fromkeys(c.short_name for c, _ in counted))
            inds = "、".join(dict.fromkeys(i.name for _, i in counted))
            self.findings.append(finding(
                "R-ROSTER-EMPTY", file=self.sub.file_name, district=self.sub.district, sheet=roster.sheet,
                row=first, column=layout.ROSTER.column("credit_code").title, cell=roster.cell("credit_code", first),
                what=f"{clusters}的数据（{inds}由企业名录汇总）"))
            return
        # A roster row whose cluster could not be understood may be the missing one: say nothing then.
        known = {c.code for c in self.cat.clusters}
        for row, ind, cl in bound if listed_clusters <= known else ():
            if cl.code not in listed_clusters:
                total = _num(row.values.get("value"))
                total_wan = _to_wan(total, ind.form_unit) if total is not None else None
                self.add("R-ROSTER-MISSING", output, row, "value", total, cluster=cl.name, indicator=ind.name,
                         total=_amount(total_wan) if total_wan is not None else show(total))
        self._blank_outputs(roster, output, listed_clusters & known, data)
        listed_sum = _RosterSums(roster.rows) if self.fast else None
        for row in output.rows:
            if row.excluded:
                continue
            indicator = self.cat.indicator(str(row.values.get("indicator_code") or ""))
            cluster = self.cat.cluster(str(row.values.get("cluster_code") or ""))
            total = _num(row.values.get("value"))
            if indicator is None or cluster is None or total is None:
                continue
            key = ROSTER_BOUND_COLUMNS.get(indicator.roster_measure)
            if key is None or key not in roster.columns:
                continue
            total_wan = _to_wan(total, indicator.form_unit)
            if total_wan is None:
                continue
            if listed_sum is not None:
                listed = listed_sum(cluster.code, key)
            else:
                amounts = [_num(r.values.get(key)) for r in roster.rows
                           if not r.excluded and r.values.get("cluster") == cluster.code]
                listed = sum((a for a in amounts if a is not None), Decimal(0))
            if listed > total_wan + ROSTER_TOLERANCE:
                self.add("R-ROSTER-OVER-OUTPUT", output, row, "value", total, cluster=cluster.name,
                         measure=layout.ROSTER.column(key).title.replace("本年累计", ""),
                         indicator=indicator.name, roster=_amount(listed), total=_amount(total_wan))


    def _blank_outputs(self, roster: Table, output: Table, clusters: set, data: list[Row]) -> None:
        """A cluster listed in the roster whose total on 集群产出 was left blank (R-OUTPUT-BLANK): without it
        the district's figure for the cluster is silently missing (a form sent back with 集群产出 empty)."""
        given = {(str(r.values.get("cluster_code") or ""), str(r.values.get("indicator_code") or ""))
                 for r in output.rows if r.excluded or r.values.get("value") is not None or "value" in r.raw}
        for cluster in self.cat.clusters:
            if cluster.code not in clusters or not self.cat.hosts(cluster.code, self.sub.district):
                continue
            for ind in self.cat.output_indicators_for(cluster.code):
                key = ROSTER_BOUND_COLUMNS.get(ind.roster_measure)
                if key is None or key not in roster.columns or (cluster.code, ind.code) in given:
                    continue
                # every listed enterprise counts here, also one whose row has an error of its own
                amounts = [_num(r.values.get(key)) for r in data if r.values.get("cluster") == cluster.code]
                listed = sum((a for a in amounts if a is not None), Decimal(0))
                if listed <= 0:
                    continue
                self.findings.append(finding(
                    "R-OUTPUT-BLANK", file=self.sub.file_name, district=self.sub.district, sheet=output.sheet,
                    column=layout.OUTPUT.column("value").title, cluster=cluster.name, indicator=ind.name,
                    count=len(amounts), measure=layout.ROSTER.column(key).title.replace("本年累计", ""),
                    roster=_amount(listed)))


def text_limit(table: str, key: str) -> int:
    """The most characters a text cell of this column may hold (docs/rules.md, R-TEXT-TOO-LONG)."""
    return NAME_CHARS if (table, key) in _NAME_COLUMNS else EXCEL_CELL_CHARS


def too_long(text: str, limit: int) -> bool:
    """Over ``limit``; at Excel's cell limit counts as over: python-calamine returns at most 32,767
    characters of a longer cell, so a value of exactly that length is one that was cut while reading."""
    return len(text) >= limit if limit >= EXCEL_CELL_CHARS else len(text) > limit


def _num(value: Any) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, (int, Decimal)):
        return None
    return Decimal(value)


def _to_wan(value: Decimal, form_unit: str) -> Decimal | None:
    """A value in ``form_unit`` expressed in 万元 (None when the units do not convert)."""
    if known_conversion(form_unit, FORM_AMOUNT_UNIT):
        return value / unit_factor(form_unit, FORM_AMOUNT_UNIT) if form_unit != FORM_AMOUNT_UNIT else value
    if known_conversion(FORM_AMOUNT_UNIT, form_unit):
        return value * unit_factor(FORM_AMOUNT_UNIT, form_unit)
    return None


def clean_note(value: Any) -> str:
    """The 说明 of a row as given (whitespace tidied), "" when empty."""
    if value is None:
        return ""
    return " ".join(str(value).split())


def _data_rows(table: Table) -> list[Row]:
    """The rows of ``table`` that ``_has_data`` (in order): a row whose first input cell holds something
    is one without looking further (that is _has_data's own first test); any other row is asked."""
    spec = layout.SHEETS_BY_KEY.get(table.key)
    first = next((c.key for c in spec.columns if c.kind not in (SEQ, FIXED)
                  and not (table.key == layout.OUTPUT.key and c.key == "note")), None) if spec else None
    if first is None:
        return [r for r in table.rows if _has_data(table, r)]
    firsts: list[Any] = [r.values.get(first) for r in table.rows]
    if set(map(type, firsts)) == _STR and all(map(str.strip, firsts)):
        return list(table.rows)  # (the usual roster: every row has its credit code)
    return [r for r in table.rows
            if ((v := r.values.get(first)) is not None and (not isinstance(v, str) or v.strip()))
            or _has_data(table, r)]


class _RosterSums:
    """The sum of column ``key`` over the roster rows kept (not excluded) of cluster ``code`` as
    check_roster_against_output's scan gives it (``_num`` of each, None left out, from Decimal(0)): the
    same rows (the same ``== code`` test, in C), in the same order, each (cluster, column) summed once."""

    def __init__(self, rows: list[Row]):
        self.rows = [r for r in rows if not r.excluded]
        self.clusters = [r.values.get("cluster") for r in self.rows]
        self.sums: dict[tuple[str, str], Decimal] = {}

    def __call__(self, code: str, key: str) -> Decimal:
        if (total := self.sums.get((code, key))) is None:
            picked = list(itertools.compress(self.rows, map(operator.eq, self.clusters, itertools.repeat(code))))
            total = self.sums[(code, key)] = _listed_sum(picked, key)
        return total


def _listed_sum(rows: list[Row], key: str) -> Decimal:
    """``sum(_num(v) for v in column if not None, Decimal(0))`` of column ``key``: when the column holds only
    Decimal, int and None (no bool), the values themselves, in the same order, give the same sum
    (Decimal + int converts the int exactly, as _num does)."""
    amounts: list[Any] = [r.values.get(key) for r in rows]
    if set(map(type, amounts)) <= _NUMBER_OR_NONE:
        return sum(filter(_NOT_NONE, amounts), Decimal(0))
    return sum((a for a in map(_num, amounts) if a is not None), Decimal(0))


def _scale_floor(threshold: Any, month: int) -> Decimal | None:
    """A revenue (within a few units in the last place of the least one) from which _check_scale's annual
    (revenue × 12 ÷ month, rounded as it rounds, in the current decimal context) reaches ``threshold``:
    as rounding never reverses an order, every revenue at or above it passes too, so only the rows below
    it need the exact test. None when it cannot be found in a few steps (every row is then tested)."""
    try:
        months = Decimal(month)
        floor = Decimal(threshold) * months / 12
        for _ in range(64):
            if floor * 12 / months >= threshold:
                return floor
            floor = floor.next_plus()
    except (ArithmeticError, TypeError, ValueError):
        pass
    return None


def _has_data(table: Table, row: Row) -> bool:
    """A row counts as filled when any input column (not 序号 or the pre-printed output labels) holds
    something. The 说明 alone does not make a data row on the output sheet."""
    spec = layout.SHEETS_BY_KEY.get(table.key)
    if spec is None:
        return bool(row.values) or bool(row.raw)
    for col in spec.columns:
        if col.kind in (SEQ, FIXED):
            continue
        if table.key == layout.OUTPUT.key and col.key == "note":
            continue
        value = row.values.get(col.key)
        if (value is not None and not (isinstance(value, str) and not value.strip())) \
                or row.raw.get(col.key) not in (None, ""):
            return True
    return False


# --------------------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------------------


def check_submission(sub: Submission, cat: Catalogue, period: Period) -> list[Finding]:
    """All per-file rules on one read submission; marks rows with an error as ``excluded``.

    ``period`` is the report period (its month scales 本年累计 to a full year for the 规上 check).
    Findings come back in sheet, row and column order, each naming file, sheet, row, column and cell.
    """
    return _Checker(sub, cat, period).run()


def in_sheet_order(findings: list[Finding], sub: Submission) -> list[Finding]:
    """The reader's and the checks' findings of one file together, as a district reads its workbook:
    whole-file notes first, then sheet by sheet, row by row (a stable sort: within a row the checks'
    column order stays)."""
    sheets = [t.sheet for t in sub.tables.values()]

    def key(f: Finding) -> tuple[int, int]:
        return (sheets.index(f.sheet) if f.sheet in sheets else -1, f.row or 0)
    return sorted(findings, key=key)


def counts(findings: Iterable[Finding]) -> FindingCounts:
    """Findings by kind: errors, verify (every 核实), explained (核实 with a 说明), info."""
    return FindingCounts.of(findings)


def is_refusal(f: Finding) -> bool:
    """A file-level error: the whole file is sent back (退回) and nothing of it is used."""
    rule = RULES.get(f.rule)
    return f.severity == ERROR and rule is not None and rule.scope == "file"


def file_status(findings: Iterable[Finding], *, refused: bool = False) -> str:
    """报送状态 of one version from its findings: 退回 / 有错 / 待核实 / 通过 — THE state ladder, used by
    `check`, at ingest, and for the version in use (status, history, 报送情况, manifest), so one version
    has one state word everywhere.

    ``refused``: recorded as 退回 (its file could not be used). A file-level error (including F-INTERNAL:
    it could not be processed this run) is 退回; cross findings count like the file's own. A verify
    finding the district has explained (说明 filled) no longer holds the file up.
    """
    findings = list(findings)
    if refused or any(is_refusal(f) for f in findings):
        return ST_RETURNED
    if any(f.severity == ERROR for f in findings):
        return ST_ERRORS
    if any(f.severity == VERIFY and not f.explained for f in findings):
        return ST_VERIFY
    return ST_PASSED
