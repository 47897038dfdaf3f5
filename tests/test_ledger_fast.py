"""The ledger side of issue 13's speed round: the facts digest of the row tables computed in the reading
worker (``prepare``) is what ``reporttool verify`` recomputes from the stored rows, and the column-wise
aggregates and code list are what the per-row code (kept here as the reference) gives, on odd values."""
from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import json
import zlib
from dataclasses import replace
from decimal import Decimal as D

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reporttool.core.models import Row, Submission, Table
from reporttool.ledger import store
from reporttool.ledger.aggregates import (
    ClusterProjects,
    ClusterRoster,
    SubmissionAggregates,
    Sum,
    submission_aggregates,
)
from reporttool.ledger.store import TABLES, code_list_blob, prepare

TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=8)
ODD = st.one_of(
    st.none(), TEXT, st.sampled_from(["", " ", "是", "否", "甲\x00乙", "１２", "—", "NaN", "1e16", "12"]),
    st.integers(-2**63, 2**63 - 1), st.booleans(),
    st.decimals(allow_nan=True, allow_infinity=True, places=None).filter(lambda d: not d.is_snan()),
    st.sampled_from([D("-0"), D("1E+3"), D("-0.000"), D("12.3456789012345678901234567890")]),
    st.floats(allow_nan=False), st.dates(), st.datetimes())
CLEAN = {"text": st.one_of(st.none(), TEXT), "amount": st.one_of(st.none(), st.decimals(-10**6, 10**6, places=2)),
         "int": st.one_of(st.none(), st.integers(0, 10**5))}


def _kind(column: str) -> str:
    if column == "employees":
        return "int"
    if column in ("revenue", "revenue_ly", "output_value", "output_value_ly", "total", "plan_year", "done_year",
                  "done_total", "value", "value_ly"):
        return "amount"
    return "text"


@st.composite
def submissions(draw):
    tables = {}
    for key, (_name, _spec, columns) in TABLES.items():
        if draw(st.integers(0, 4)) == 0:
            continue  # the file lacks this table
        n = draw(st.integers(0, 5))
        rows = []
        for i in range(n):
            odd = {c for c in columns if draw(st.integers(0, 5)) == 0}
            values = {c: draw(ODD if c in odd else CLEAN[_kind(c)]) for c in columns}
            raw = draw(st.dictionaries(st.sampled_from(columns), ODD, max_size=2))
            # an odd value in an accepted row may stop the aggregates (an error finding would exclude it);
            # excluded rows are stored and digested all the same
            excluded = draw(st.booleans()) or bool(odd)
            rows.append(Row(4 + i, values, raw=raw, excluded=excluded))
        tables[key] = Table({"roster": "企业名录", "projects": "投资项目", "output": "集群产出"}[key], key, 3,
                            {c: j + 2 for j, c in enumerate(columns[:3])}, rows)
    return Submission("甲.xlsx", "甲.xlsx", "", None, tables)


def _ingest(ledger, prepared, n: int) -> int:
    data = f"file {n}".encode()
    sid, new = ledger.ingest(data=data, sha256=hashlib.sha256(data).hexdigest(), file_name=f"甲{n}.xlsx",
                             received_at=dt.datetime(2025, 7, 1), district="110101", period="2025-06",
                             file_status="通过", submission=None, findings=[], prepared=prepared)
    assert new
    return sid


def test_the_worker_digest_is_what_verify_recomputes(ledger):
    counter = itertools.count()

    @settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(submissions())
    def check(sub):
        prepared = prepare(sub)
        try:
            sid = _ingest(ledger, prepared, next(counter))
        except OverflowError:  # an int SQLite cannot hold (never from the reader)
            return
        kept = json.loads(ledger.db.execute("SELECT facts_digest FROM submissions WHERE id=?", (sid,)).fetchone()[0])
        assert kept == ledger._digest_parts(ledger.db, sid)  # read back, as verify does
        assert ledger.facts_changed(sid) == []
        for key in TABLES:  # the worker vouches for every table unless a str sits in the INTEGER column
            given_rows = prepared.tables[key][3] if key in prepared.tables else []
            assert (key in prepared.digests) == (store._as_stored(given_rows, store._INTEGER_AT[key]) is not None)
    check()


def test_the_parent_takes_the_worker_digest_and_verify_recomputes_it(ledger, monkeypatch):
    rows = [Row(4, {"credit_code": "91210000000000000X", "name": "甲\x00公司", "revenue": D("12.50"),
                    "employees": 3, "is_scale": True}),
            Row(5, {"credit_code": None, "name": 42, "revenue": D("-0.0"), "employees": None},
                raw={"revenue": "一百"}, excluded=True)]
    sub = Submission("甲.xlsx", "甲.xlsx", "", None, {"roster": Table("企业名录", "roster", 3, {"name": 3}, rows)})
    prepared = prepare(sub)
    assert sorted(prepared.digests) == ["output", "projects", "roster"]
    with monkeypatch.context() as m:  # the parent neither reads the rows back nor looks at them again
        m.setattr(store, "_as_stored", lambda *a: pytest.fail("the parent digested rows the worker did"))
        sid = _ingest(ledger, prepared, 1)
    assert ledger.facts_changed(sid) == []
    # a digest that does not match the rows is what verify finds (it recomputes from the stored rows)
    sid = _ingest(ledger, replace(prepared, digests={**prepared.digests, "roster": "0" * 64}), 2)
    assert ledger.facts_changed(sid) == ["企业名录数据"]
    # without digests (a Prepared of an older worker) the parent digests the rows as before
    sid = _ingest(ledger, replace(prepared, digests={}), 3)
    assert ledger.facts_changed(sid) == []


# ---- aggregates and the code list: the per-row code before issue 13's speed round, as the reference ----

def _total_per_row(values):
    out = None
    for v in values:
        out = v if out is None else out + v
    return out


def _amount_per_row(rows, cur_key, ly_key):
    value = _total_per_row(v for r in rows if (v := r.values.get(cur_key)) is not None)
    both = [(r.values[cur_key], r.values[ly_key]) for r in rows
            if r.values.get(cur_key) is not None and r.values.get(ly_key) is not None]
    if not both:
        return Sum(value, None, None, True)
    return Sum(value, _total_per_row(b for _, b in both), _total_per_row(a for a, _ in both), True)


def _column_per_row(rows, key):
    return Sum(_total_per_row(v for r in rows if (v := r.values.get(key)) is not None))


def _aggregates_per_row(roster, projects):
    def by_cluster(rows):
        out = {}
        for r in rows:
            out.setdefault(r.values.get("cluster"), []).append(r)
        return out

    def roster_of(rows):
        return ClusterRoster(
            revenue=_amount_per_row(rows, "revenue", "revenue_ly"),
            output_value=_amount_per_row(rows, "output_value", "output_value_ly"),
            scale=Sum(D(sum(1 for r in rows if r.values.get("is_scale") == "是"))), enterprises=Sum(D(len(rows))),
            employees=Sum(_total_per_row(D(v) for r in rows if (v := r.values.get("employees")) is not None)),
            leaders=sum(1 for r in rows if r.values.get("is_leader") == "是"))

    def projects_of(rows):
        status = {}
        for r in rows:
            s = r.values.get("status") or ""
            status[s] = status.get(s, 0) + 1
        return ClusterProjects(done_year=_column_per_row(rows, "done_year"), plan_year=_column_per_row(rows, "plan_year"),
                               total=_column_per_row(rows, "total"), projects=Sum(D(len(rows))), by_status=status)

    return SubmissionAggregates({c: roster_of(rs) for c, rs in by_cluster(roster).items()},
                                {c: projects_of(rs) for c, rs in by_cluster(projects).items()})


AMOUNT = st.one_of(st.none(), st.decimals(-10**6, 10**6, places=2), st.sampled_from(
    [D("-0"), D("NaN"), D("Infinity"), D("-Infinity"), D("1E+30"), D("1.00000000000000000000000000001"), 7, -2,
     "12", "", True, 1.5]))
VALUE = {"cluster": st.sampled_from(["A", "B", None, "", 1]), "is_scale": st.sampled_from(["是", "否", None, True, 1]),
         "is_leader": st.sampled_from(["是", "否", None, "是 "]), "status": st.sampled_from(["在建", "", None, 3]),
         "employees": st.one_of(st.none(), st.integers(-5, 10**6), st.sampled_from(["12", D("1.5"), 2.5, True]))}


@st.composite
def measure_rows(draw, keys):
    n = draw(st.integers(0, 8))
    return [Row(4 + i, {k: draw(VALUE.get(k, AMOUNT)) for k in keys if draw(st.integers(0, 6))}) for i in range(n)]


@settings(max_examples=400, deadline=None)
@given(measure_rows(["cluster", "is_scale", "is_leader", "revenue", "revenue_ly", "output_value", "output_value_ly",
                     "employees"]),
       measure_rows(["cluster", "status", "done_year", "plan_year", "total"]))
def test_aggregates_are_the_per_row_sums(roster, projects):
    try:
        want = _aggregates_per_row(roster, projects)
    except (ArithmeticError, TypeError, ValueError) as exc:  # "12" + Decimal, Decimal("") …: the same error
        with pytest.raises(type(exc)):
            submission_aggregates(roster, projects)
        return
    got = submission_aggregates(roster, projects)
    assert got == want or got.to_json() == want.to_json()  # NaN != NaN: then their stored text


def test_a_sum_of_other_types_is_still_the_loop():
    """_total adds text and floats as the loop did (sum refuses a str start, and from Python 3.12 sums
    floats with compensation): never from the reader, kept exact."""
    from reporttool.ledger.aggregates import _total

    assert _total(["1", "2", "3"]) == "123"
    assert _total([D("0.1"), D("0.2"), 3]) == D("3.3")
    assert _total([]) is None
    # the loop: ((1e16 + 1) - 1e16) + 1 = 1.0 (1e16 + 1 rounds to 1e16); a compensated sum gives 2.0
    assert _total([1e16, 1.0, -1e16, 1.0]) == 1.0


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.none(), TEXT, st.sampled_from([" a1 ", "A1", "a1", "", "  "]), st.integers(),
                          st.decimals(allow_nan=False, places=1)), max_size=12))
def test_code_list_is_the_per_code_set(codes):
    keys = sorted({str(c).strip().upper() for c in codes if c is not None} - {""})
    assert code_list_blob(codes) == zlib.compress("\n".join(keys).encode("utf-8"), 1)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from([CLEAN["text"], CLEAN["amount"], CLEAN["int"], st.one_of(st.none(), st.dates()),
                        st.one_of(st.none(), st.dates(), st.datetimes()), ODD]).flatmap(lambda s: st.lists(s, max_size=8)))
def test_a_stored_column_is_each_cell_as_to_text_gives_it(column):
    assert store._column_text(list(column)) == [store._to_text(v) for v in column]
