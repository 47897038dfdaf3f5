"""The facts digest kept at ingest is computed from the rows as inserted (ledger/store.py ``_as_stored``),
not by reading them back: it must be exactly what a read-back gives, for every value a row can hold."""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import sqlite3
from decimal import Decimal as D

from hypothesis import given, settings
from hypothesis import strategies as st

from reporttool.core.models import Row, Submission, Table
from reporttool.ledger import Ledger
from reporttool.ledger.store import _INTEGER_AT, MIGRATIONS, TABLES, _as_stored, prepare

# what a stored cell can be after _to_text: text (NUL, controls, astral characters included), an int, NULL
CELL = st.one_of(st.none(), st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12),
                 st.integers(min_value=-2**63, max_value=2**63 - 1))


def read_back(key: str, rows: list[tuple]) -> list[tuple]:
    name, _spec, columns = TABLES[key]
    db = sqlite3.connect(":memory:")
    db.executescript(MIGRATIONS[0])
    db.execute("INSERT INTO submissions (id, district, period, received_at, ingested_at, file_name, archive_path,"
               " sha256, file_status, status) VALUES (1,'','','','','','','x','','')")
    db.executemany(f"INSERT INTO {name} (submission_id, row_number, excluded, {', '.join(columns)}, raw)"
                   f" VALUES (1,?,?,{','.join('?' * len(columns))},?)", rows)
    return db.execute(f"SELECT row_number, excluded, {', '.join(columns)}, raw FROM {name} ORDER BY id").fetchall()


@settings(max_examples=150, deadline=None)
@given(key=st.sampled_from(sorted(TABLES)), data=st.data())
def test_rows_as_stored_are_what_sqlite_gives_back(key, data):
    width = len(TABLES[key][2])
    rows = data.draw(st.lists(st.tuples(st.integers(1, 10**6), st.sampled_from([0, 1]),
                                        *[CELL] * width, st.text(max_size=5)), max_size=4))
    given_back = _as_stored(rows, _INTEGER_AT[key])
    stored = read_back(key, rows)
    if given_back is not None:
        assert given_back == stored
    # an int in a TEXT column and NULLs are vouched for; only a str in the INTEGER column (employees) is not
    if key != "roster" or all(r[2 + TABLES[key][2].index("employees")].__class__ is not str for r in rows):
        assert given_back is not None


def test_rows_it_cannot_vouch_for_are_read_back():
    # a str in the INTEGER column: SQLite turns "12" into 12 (and keeps "x"); a float or a bool: read back
    width = len(TABLES["roster"][2])
    employees = 2 + TABLES["roster"][2].index("employees")
    row = [5, 0, *[None] * width, "{}"]
    row[employees] = "12"
    assert read_back("roster", [tuple(row)])[0][employees] == 12
    assert _as_stored([tuple(row)], _INTEGER_AT["roster"]) is None
    assert _as_stored([(5, 0, *[1.5] + [None] * (width - 1), "{}")], _INTEGER_AT["roster"]) is None
    assert _as_stored([(5, 0, *[True] + [None] * (width - 1), "{}")], _INTEGER_AT["roster"]) is None
    # an int in a TEXT column is its decimal text
    assert _as_stored([(5, 0, 7, *[None] * (width - 1), "{}")], _INTEGER_AT["roster"]) == \
        [(5, 0, "7", *[None] * (width - 1), "{}")]


def test_the_digest_kept_at_ingest_is_the_read_back_digest(small_workspace):
    roster = Table("企业名录", "roster", 3, {"credit_code": 2, "name": 3, "revenue": 8, "employees": 12},
                   [Row(4, {"credit_code": "91210000000000000X", "name": "甲\x00公司", "revenue": D("12.50"),
                            "employees": 3, "is_scale": True}),
                    Row(5, {"credit_code": None, "name": 42, "revenue": D("-0.0"), "employees": None},
                        raw={"revenue": "一百"}, excluded=True)])
    output = Table("集群产出", "output", 3, {"cluster_code": 2, "value": 6},
                   [Row(4, {"cluster_code": "A", "indicator_code": "SR", "value": D("1E+3"), "value_ly": D(9)})])
    sub = Submission("甲.xlsx", "甲.xlsx", "", None, {"roster": roster, "output": output})
    prepared = prepare(sub)
    with Ledger(small_workspace) as led:
        sid, _ = led.ingest(data=b"x", sha256=hashlib.sha256(b"x").hexdigest(), file_name="甲.xlsx",
                            received_at=dt.datetime(2025, 7, 1), district="110101", period="2025-06",
                            file_status="通过", submission=None, findings=[], prepared=prepared)
        kept = json.loads(led.db.execute("SELECT facts_digest FROM submissions WHERE id=?", (sid,)).fetchone()[0])
        assert kept == led._digest_parts(led.db, sid)  # read back
        assert led.facts_changed(sid) == []
        # and the digest does follow the rows: one cell changed afterwards is named
        led.db.execute("UPDATE roster_rows SET name='乙' WHERE submission_id=? AND row_number=4", (sid,))
        assert led.facts_changed(sid) == ["企业名录数据"]


def test_prepare_stores_each_cell_as_to_text_gives_it():
    """prepare() converts column by column: the same stored tuples as _to_text cell by cell, for uniform
    columns (text, Decimal, int, None) and mixed ones (a date, a bool, a Decimal among texts)."""
    rows = [Row(4, {"name": "甲", "cluster": "A", "total": D("12.50"), "plan_year": D("1E+3"), "start": dt.date(2025, 3, 1),
                    "status": True, "note": None}),
            Row(5, {"name": None, "cluster": "A", "total": None, "plan_year": D("-0.0"), "start": "2025-04",
                    "status": D("7"), "note": 3}, raw={"total": "一百", "x": D("1.5")}, excluded=True)]
    sub = Submission("甲.xlsx", "甲.xlsx", "", None, {"projects": Table("投资项目", "projects", 3, {"name": 2}, rows)})
    stored = prepare(sub).tables["projects"][3]
    assert stored == [
        (4, 0, "甲", "A", None, "是", None, "12.50", "1E+3", None, None, "2025-03-01", None, None, "{}"),
        (5, 1, None, "A", None, "7", None, None, "-0.0", None, None, "2025-04", None, 3,
         '{"total": "一百", "x": "1.5"}')]
