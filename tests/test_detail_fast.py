"""The detail fragment built column by column (render/detail_rows._fragment_text) is the text the per-cell
renderer (``_fragment_text_per_cell``, the code before issue 13's speed round) gives, on generated rows with
odd values: each column is clean (the fast paths) or has one odd value somewhere (its fallback)."""
from __future__ import annotations

import datetime as dt
import struct
import zlib
from decimal import Decimal as D

import pytest
from helpers import make_small_catalogue
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reporttool.catalogue import with_settings
from reporttool.core.models import Row
from reporttool.render import detail_rows as detail_book
from reporttool.render.detail_rows import _fragment_text, _fragment_text_per_cell, _ordered, render_fragment
from reporttool.render.xlsx_styles import lines_needed

CAT = make_small_catalogue()

ODD = [None, "", " ", "  甲 ", "甲 ", " 甲", "a&b", "<x>", "x>y", "一\n二", "tab\there", "bel\x07l", "\r\n",
       "１２３", "—", "－", "\u3000", "\u00a0甲", "𠀀𠀁", "e\u0301", "±·×", "NaN", "1e16", "=SUM(A1)",
       "很长的企业名称" * 8, "甲" * 40000, "\ud800",
       0, 1, -1, 10**20, True, False, 1.5, 1e16, -0.0, float("nan"), float("inf"),
       D("NaN"), D("Infinity"), D("-Infinity"), D("-0"), D("-0.0000"), D("-0.004"), D("0.005"), D("-0.005"),
       D("1E+30"), D("1.00000000000000000000000000000000001"), D("123456789012345678901234567.891"),
       D("1E-30"), D("12.345678901234567890"), D("7E+2"), D("0E-12"),
       dt.date(2025, 3, 1), dt.datetime(2025, 4, 1, 12, 30), "2025-03", "2026年12月"]

CLEAN_TEXT = st.text(st.sampled_from("甲乙丙丁有限公司ABCabc0123- ·（）()"), max_size=24)
CLEAN_DECIMAL = st.one_of(
    st.decimals(min_value=-10**9, max_value=10**12, places=2, allow_nan=False, allow_infinity=False),
    st.decimals(min_value=-10**6, max_value=10**6, places=5, allow_nan=False, allow_infinity=False),
    st.integers(-10**9, 10**9).map(D), st.sampled_from([D("0"), D("-0"), D("-0.001"), D("0.005"), D("1.5E+3")]))
TEXT_KEYS = {"credit_code", "name", "cluster", "is_scale", "is_leader", "park", "nature", "status", "owner"}
NUMBER_KEYS = {"revenue", "revenue_ly", "output_value", "output_value_ly", "total", "plan_year", "done_year",
               "done_total"}
KEYS = {"roster": ["credit_code", "name", "cluster", "is_scale", "is_leader", "park", "revenue", "revenue_ly",
                   "output_value", "output_value_ly", "employees"],
        "projects": ["name", "cluster", "nature", "status", "owner", "total", "plan_year", "done_year",
                     "done_total", "start", "finish"]}


def _clean(key: str):
    if key == "cluster":
        return st.sampled_from(["A", "B", "C", "X", "", None])
    if key in ("is_scale", "is_leader"):
        return st.sampled_from(["是", "否", None, "", "x"])
    if key in TEXT_KEYS:
        return st.one_of(st.none(), CLEAN_TEXT)
    if key in NUMBER_KEYS:
        return st.one_of(st.none(), CLEAN_DECIMAL)
    if key == "employees":
        return st.one_of(st.none(), st.integers(-5, 10**6))
    return st.one_of(st.none(), st.dates(dt.date(1990, 1, 1), dt.date(2030, 12, 1)), st.sampled_from(["2025-03", ""]))


@st.composite
def tables(draw):
    key = draw(st.sampled_from(["roster", "projects"]))
    n = draw(st.integers(0, 12))
    columns = {}
    for k in KEYS[key]:
        col = draw(st.lists(_clean(k), min_size=n, max_size=n))
        if n and draw(st.integers(0, 2)) == 0:  # one odd value: the column takes its per-cell fallback
            col[draw(st.integers(0, n - 1))] = draw(st.sampled_from(ODD))
        columns[k] = col
    rows = [Row(4 + i, {k: columns[k][i] for k in KEYS[key] if not (columns[k][i] is None and i % 3 == 2)})
            for i in range(n)]  # some rows lack a key altogether (values.get gives None)
    district = draw(st.sampled_from(["110101", "KF01", "999999"]))
    places = (draw(st.sampled_from([2, 0, 1, 4, 6, 7, -1])), draw(st.sampled_from([1, 0, 2, 8])))
    return key, rows, district, places


def _catalogue(places):
    return with_settings(CAT, amount_decimals=places[0], rate_decimals=places[1])


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(tables())
def test_column_wise_fragment_is_the_per_cell_text(table):
    key, rows, district, places = table
    cat = _catalogue(places)
    try:
        want = _fragment_text_per_cell(key, rows, district, cat)
    except (ArithmeticError, TypeError) as exc:  # Infinity / Infinity or "" / "" in 同比: the same error
        try:
            _fragment_text(key, *_ordered(key, rows, district, cat), cat)
        except (ArithmeticError, TypeError) as again:
            assert type(again) is type(exc)
            return
        raise AssertionError("the column-wise fragment did not fail as the per-cell one did") from exc
    assert _fragment_text(key, *_ordered(key, rows, district, cat), cat) == want
    try:
        data = want.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate where _n writes a value as it is (a str in 从业人员)
        with pytest.raises(UnicodeEncodeError):
            render_fragment(key, rows, district, cat)
        return
    frag, n = render_fragment(key, rows, district, cat)
    assert n == len(rows)
    assert struct.unpack_from("<II", frag) == (zlib.crc32(data), len(data))
    assert zlib.decompressobj(-15).decompress(frag[8:]) == data


@pytest.mark.parametrize("key", ["roster", "projects"])
def test_each_odd_value_in_each_column_gives_the_per_cell_text(key):
    """Every odd value once in every column of a clean table (its fallback), at two and at seven places."""
    clean = {"credit_code": "91210000000000000X", "name": "甲有限公司", "cluster": "A", "is_scale": "是",
             "is_leader": "否", "park": "园区", "nature": "新建", "status": "在建", "owner": "乙公司",
             "employees": 12, "start": dt.date(2025, 3, 1), "finish": dt.date(2026, 1, 1)}
    for places in ((2, 1), (7, 0)):
        cat = _catalogue(places)
        for k in KEYS[key]:
            for odd in ODD:
                rows = [Row(4 + i, {c: clean.get(c, D("12.345") * (i + 1)) for c in KEYS[key]}) for i in range(3)]
                rows[1].values[k] = odd
                try:
                    want = _fragment_text_per_cell(key, rows, "110101", cat)
                except (ArithmeticError, TypeError) as exc:
                    with pytest.raises(type(exc)):
                        _fragment_text(key, *_ordered(key, rows, "110101", cat), cat)
                    continue
                assert _fragment_text(key, *_ordered(key, rows, "110101", cat), cat) == want, (k, odd, places)


def test_a_clean_province_sized_table_takes_the_fast_paths_and_gives_the_same_text(monkeypatch):
    """2,000 clean rows: no cell goes through _s or _n (the fast paths), and the text is the per-cell one."""
    rows = [Row(4 + i, {"credit_code": f"91210000{i:010d}", "name": f"第{i}号有限公司" + "甲" * (i % 17),
                        "cluster": "ABC"[i % 3], "is_scale": "是否"[i % 2], "is_leader": "否",
                        "park": None if i % 4 else "一号园区", "revenue": D(i) / 7, "revenue_ly": D(i) / 8,
                        "output_value": D(f"{i}.5"), "output_value_ly": None if i % 5 == 0 else D(i),
                        "employees": i % 300}) for i in range(2000)]
    want = _fragment_text_per_cell("roster", rows, "110101", CAT)
    calls = []
    monkeypatch.setattr(detail_book, "_n", lambda *a: calls.append(a))
    monkeypatch.setattr(detail_book, "lines_needed", lambda t, w: calls.append(t) or lines_needed(t, w))
    real_s = detail_book._s
    monkeypatch.setattr(detail_book, "_s", lambda *a: calls.append(a) or real_s(*a))
    got = _fragment_text("roster", *_ordered("roster", rows, "110101", CAT), CAT)
    # _s only for the 县区 and 集群 cells once per cluster; lines_needed for those two texts once per cluster
    assert len([c for c in calls if isinstance(c, tuple)]) == 2 * 3
    assert len([c for c in calls if isinstance(c, str)]) == 2 * 3
    assert got == want
    assert 'ht="' in got  # the longest names take two lines


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60), st.sampled_from([28, 22, 18, 12, 2, 0.5]))
def test_row_height_of_one_text_is_lines_needed(text, width):
    key = "roster"
    rows = [Row(4, {"name": text, "cluster": "A"}), Row(5, {"name": "甲", "park": text, "cluster": "A"})]
    assert (_fragment_text(key, *_ordered(key, rows, "110101", CAT), CAT)
            == _fragment_text_per_cell(key, rows, "110101", CAT))
    w = max(width - 1.0, 1.0)
    if "\n" not in text:
        assert detail_book._lines_of_long(text, w) == lines_needed(text, width)


@pytest.mark.parametrize("key", ["roster", "projects"])
def test_equal_values_of_other_types_in_one_column_keep_their_own_text(key):
    """1, True, 1.0 and Decimal 1 are equal (one dict key) but written differently: per cell."""
    for k in KEYS[key]:
        for same in ([1, True, 1.0, D(1)], [0, False, D("0.0"), "", None], [D("1.10"), D("1.1"), 1.1]):
            rows = [Row(4 + i, {"cluster": "A", k: v}) for i, v in enumerate(same)]
            try:
                want = _fragment_text_per_cell(key, rows, "110101", CAT)
            except (ArithmeticError, TypeError) as exc:
                with pytest.raises(type(exc)):
                    _fragment_text(key, *_ordered(key, rows, "110101", CAT), CAT)
                continue
            assert _fragment_text(key, *_ordered(key, rows, "110101", CAT), CAT) == want, (k, same)
