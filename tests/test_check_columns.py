"""checks/single.py checks a submission column by column (issue 13 item 8, docs/performance.md): exactly the
findings, in the same order, and the same cells set aside and rows excluded, as the per-cell reference
(``_Checker(…, fast=False)``: every row through check_cells and check_roster_row) on generated submissions
full of odd values."""
from __future__ import annotations

import copy
import dataclasses
import random
from decimal import Decimal, InvalidOperation, localcontext

import pytest
from helpers import credit_code, make_small_catalogue, odd_submission, submission
from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum.cn import uscc

from reporttool.checks.credit_code import USCC_CHARS, codes_all_valid, codes_to_check, uscc_check_digit
from reporttool.checks.single import _Checker, _data_rows, _has_data, _scale_floor, check_submission
from reporttool.core.models import ERROR, Period

P = Period(2025, 6)


def _catalogue(scoped: bool):
    """The small catalogue; ``scoped``: its cluster B hosted by 乙县 only (so 甲区 rows of B are out of scope)."""
    cat = make_small_catalogue()
    if not scoped:
        return cat
    a, b, c = cat.clusters
    return dataclasses.replace(cat, clusters=(a, dataclasses.replace(b, districts=("110102",)), c), _index={})


CATALOGUES = {scoped: _catalogue(scoped) for scoped in (False, True)}


def _both(sub, cat, period=P):
    """(findings, rows after) of the column-wise run and of the per-cell reference, each on its own copy.
    An exception (a Decimal NaN in a number column, a 上年同期 of 1.5E-30) is the result then: the rows of a
    file whose check failed are not used (F-INTERNAL)."""
    results: list[tuple] = []
    for fast in (True, False):
        mine = copy.deepcopy(sub)
        try:
            found = _Checker(mine, cat, period, fast=fast).run()
        except InvalidOperation as e:
            results.append((type(e), None))
            continue
        rows = {k: [(r.number, r.values, r.raw, r.excluded) for r in t.rows] for k, t in mine.tables.items()}
        results.append((found, rows))
    return results


@settings(max_examples=250, deadline=None)
@given(st.integers(0, 2 ** 32), st.sampled_from((0.0, 0.002, 0.02, 0.1, 0.4)), st.integers(0, 60),
       st.sampled_from(("110101", "110102", "")), st.booleans(), st.integers(1, 12))
def test_column_checks_are_the_per_cell_checks(seed, noise, rows, district, scoped, month):
    sub = odd_submission(random.Random(seed), CATALOGUES[scoped], rows, noise, district)
    fast, reference = _both(sub, CATALOGUES[scoped], Period(2025, month))
    assert fast == reference
    findings, after = fast
    if after is not None:  # the rows excluded are those of the error findings
        rows_of = {k: {(sub.tables[k].sheet, n): excluded for n, *_, excluded in table} for k, table in after.items()}
        every = {at: excluded for table in rows_of.values() for at, excluded in table.items()}
        assert {at for at, excluded in every.items() if excluded} \
            == {(f.sheet, f.row) for f in findings if f.severity == ERROR and (f.sheet, f.row) in every}


def test_the_generated_submissions_meet_every_cell_rule():
    """The generator reaches every rule the column tests decide about (else the test above proves little)."""
    seen = set()
    rng = random.Random(13)
    for i in range(120):
        sub = odd_submission(rng, CATALOGUES[True], 40, (0.02, 0.1, 0.3)[i % 3], ("110101", "")[i % 2])
        try:
            seen.update(f.rule for f in check_submission(sub, CATALOGUES[True], P))
        except InvalidOperation:  # a NaN, or a 上年同期 of 1.5E-30 (R-YOY-SWING's rate cannot be rounded)
            continue
    assert {"R-REQUIRED", "R-NUMBER", "R-CHOICE", "R-CLUSTER-UNKNOWN", "R-CLUSTER-SCOPE", "R-TEXT-TOO-LONG",
            "R-TOO-LARGE", "R-NEGATIVE", "R-CREDIT-FORMAT", "R-CREDIT-CHECK", "R-CREDIT-DUP",
            "R-SCALE-REVENUE", "R-INV-TOTAL", "R-DATES", "R-ROSTER-OVER-OUTPUT"} <= seen


def test_a_clean_column_of_many_rows_gives_what_the_reference_gives():
    """A large clean roster (the fast path throughout) with one bad cell in each of a few columns."""
    cat = CATALOGUES[True]
    sub = odd_submission(random.Random(5), cat, 600, 0.0)
    rows = sub.tables["roster"].rows
    for row in rows:
        row.values.update(revenue=Decimal("5000"), cluster="A")
    rows[10].values["revenue"] = Decimal("-1")
    rows[200].values["name"] = "  "
    rows[300].values["cluster"] = "B"  # out of 甲区's scope: told once
    rows[301].values["cluster"] = "B"
    rows[400].values["credit_code"] = rows[3].values["credit_code"].lower()  # the same code again
    rows[500].values["is_scale"] = "是"
    rows[500].values["revenue"] = Decimal("999.99")  # × 12 ÷ 6 < 2000
    fast, reference = _both(sub, cat)
    assert fast == reference
    assert [(f.rule, f.row) for f in fast[0] if f.sheet == "集群企业"] == [
        ("R-NEGATIVE", 15), ("R-REQUIRED", 205), ("R-CLUSTER-SCOPE", 305), ("R-CREDIT-DUP", 405),
        ("R-SCALE-REVENUE", 505)]


def test_a_nan_raises_on_both_paths():
    sub = odd_submission(random.Random(2), CATALOGUES[False], 20, 0.0)
    sub.tables["roster"].rows[4].values["revenue_ly"] = Decimal("NaN")
    assert _both(sub, CATALOGUES[False])[0][0] is InvalidOperation
    assert _both(sub, CATALOGUES[False])[1][0] is InvalidOperation


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 2 ** 32), st.sampled_from((0.0, 0.05, 0.5)))
def test_data_rows_are_the_rows_with_data(seed, noise):
    sub = odd_submission(random.Random(seed), CATALOGUES[False], 25, noise)
    for table in sub.tables.values():
        assert _data_rows(table) == [r for r in table.rows if _has_data(table, r)]


def _codes_clean_per_row(codes) -> bool:
    """What _check_credit says of a column: nothing at all?"""
    sub = submission(roster=[{"credit_code": c} for c in codes])
    checker = _Checker(sub, CATALOGUES[False], P)
    seen: dict = {}
    for row in sub.tables["roster"].rows:
        checker._check_credit(sub.tables["roster"], row, seen)
    return not checker.findings


CODE = st.text(st.sampled_from(USCC_CHARS), min_size=17, max_size=17).map(lambda b: b + uscc.calc_check_digit(b))


@settings(max_examples=300)
@given(st.lists(st.one_of(CODE, CODE.map(str.lower), CODE.map(lambda c: c[:17] + "0"), st.none(), st.just(""),
                          st.text(st.sampled_from("09AZaz IOＡ-\u3000"), max_size=19)), max_size=12),
       st.booleans())
def test_codes_all_valid_only_when_each_code_passes(codes, repeat):
    if repeat and codes:
        codes.append(codes[0])
    verdict = codes_all_valid(codes)
    if verdict:
        assert _codes_clean_per_row(codes)
    if all(c is None or c == "" or (c.upper() == c and len(c) == 18 and uscc_check_digit(c) == c[17]) for c in codes) \
            and len({c.upper() for c in codes if c}) == len([c for c in codes if c]):
        assert verdict  # every plain valid code, none twice: the column test says so itself


class _Text(str):
    """A str subclass: never taken for a plain code."""


@settings(max_examples=300)
@given(st.lists(st.one_of(CODE, CODE.map(str.lower), CODE.map(lambda c: c[:17] + "0"), CODE.map(lambda c: " " + c),
                          CODE.map(_Text), st.none(), st.just(""), st.just(" "), st.integers(0, 10 ** 18),
                          st.text(st.sampled_from("09AZaz IOＡ-\u3000"), max_size=19)), max_size=12),
       st.lists(st.integers(0, 11), max_size=3))
def test_codes_to_check_find_what_each_code_finds(codes, repeats):
    """_check_credit on the positions codes_to_check gives, in order: the findings of every row's code."""
    codes += [codes[i] for i in repeats if i < len(codes)]
    sub = submission(roster=[{"credit_code": c} for c in codes])
    table = sub.tables["roster"]
    every, some = _Checker(sub, CATALOGUES[False], P), _Checker(sub, CATALOGUES[False], P)
    seen: dict = {}
    for row in table.rows:
        every._check_credit(table, row, seen)
    seen = {}
    for i in codes_to_check(codes):
        some._check_credit(table, table.rows[i], seen)
    assert some.findings == every.findings


def test_codes_all_valid_on_a_column():
    codes = [credit_code(n) for n in range(1, 500)]
    assert codes_all_valid(codes + [None, ""])
    assert codes_all_valid([c.lower() for c in codes])
    assert not codes_all_valid(codes + [codes[7].lower()])  # the same code twice
    assert not codes_all_valid(codes[:3] + [codes[3][:17] + USCC_CHARS[(USCC_CHARS.index(codes[3][17]) + 1) % 31]])
    assert not codes_all_valid(codes[:3] + [" " + codes[3]])  # cleaned code by code


@settings(max_examples=300)
@given(st.decimals(0, 10 ** 6, places=3), st.integers(1, 12), st.decimals("0.01", 10 ** 5, places=2),
       st.integers(10, 28))
def test_scale_floor_bounds_the_rows_to_look_at(threshold, month, revenue, prec):
    """Every revenue at or above the floor is one _check_scale lets pass, in any decimal precision."""
    with localcontext() as ctx:
        ctx.prec = prec
        floor = _scale_floor(threshold, month)
        assert floor is not None
        if revenue >= floor:
            assert not Decimal(revenue) * 12 / Decimal(month) < threshold
        assert floor <= threshold * month / 12 * Decimal("1.001")  # near the exact bound: few rows are asked


@pytest.mark.parametrize("scoped", [False, True])
def test_an_empty_submission_is_r_empty_on_both_paths(scoped):
    sub = submission(roster=[{"name": " "}], cat=CATALOGUES[scoped])
    fast, reference = _both(sub, CATALOGUES[scoped])
    assert fast == reference
    assert [f.rule for f in fast[0]] == ["R-EMPTY"]
