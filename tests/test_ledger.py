"""The ledger: schema, archive, idempotence, versions (supersede), facts round trip, brief numbers, lock."""
from __future__ import annotations

import datetime as dt
import hashlib
import sqlite3
from decimal import Decimal as D

import pytest
from helpers import submission

from reporttool.checks import counts
from reporttool.core.errors import LockedError, ReportToolError
from reporttool.core.models import ERROR, INFO, VERIFY, Finding, FindingCounts, Period, Row
from reporttool.core.status import ST_ERRORS, ST_PASSED, ST_RETURNED, ST_SUPERSEDED
from reporttool.ledger.lock import workspace_lock
from reporttool.ledger.store import MIGRATIONS, Ledger

T0 = dt.datetime(2025, 7, 3, 10, 0)


def put(ledger: Ledger, sub, received=T0, status=ST_PASSED, findings=(), data: bytes | None = None):
    data = data if data is not None else f"{sub.file_name}|{received}|{id(sub)}".encode()
    sha = hashlib.sha256(data).hexdigest()
    return ledger.ingest(data=data, sha256=sha, file_name=sub.file_name, received_at=received,
                         district=sub.district, period=sub.period, file_status=status,
                         submission=sub if status != ST_RETURNED else None, findings=list(findings))


@pytest.fixture
def ledger(small_workspace):
    with Ledger(small_workspace) as led:
        yield led


def test_schema_is_versioned_wal_and_foreign_keys(ledger, small_workspace):
    assert ledger.schema_version == len(MIGRATIONS)
    assert ledger.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert ledger.db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    ledger.close()
    with Ledger(small_workspace) as again:  # reopening migrates nothing and keeps the version
        assert again.schema_version == len(MIGRATIONS)


def test_newer_schema_is_refused_with_a_chinese_message(small_workspace):
    Ledger(small_workspace).close()
    db = sqlite3.connect(small_workspace.ledger)
    db.execute(f"PRAGMA user_version={len(MIGRATIONS) + 1}")
    db.commit()
    db.close()
    with pytest.raises(ReportToolError) as refused:
        Ledger(small_workspace)
    assert str(refused.value) == (f"台账文件 {small_workspace.ledger} 由更新版本的 reporttool 创建"
                                  f"（结构版本 {len(MIGRATIONS) + 1}），请升级 reporttool 后再运行。")


def test_archive_first_and_idempotent(ledger, small_workspace):
    sub = submission("110101", outputs={("A", "SR"): (D("1.5"), None)})
    data = b"original bytes"
    sid, new = put(ledger, sub, data=data)
    sha = hashlib.sha256(data).hexdigest()
    archived = small_workspace.root / "archive" / sha[:2] / f"{sha}.xlsx"
    assert new and archived.read_bytes() == data
    before = ledger.db.execute("SELECT COUNT(*) FROM submissions").fetchone()[0]
    sid2, new2 = put(ledger, sub, data=data, received=T0 + dt.timedelta(days=1))
    assert (sid2, new2) == (sid, False)
    assert ledger.db.execute("SELECT COUNT(*) FROM submissions").fetchone()[0] == before == 1
    assert ledger.db.execute("SELECT COUNT(*) FROM output_rows").fetchone()[0] == 1
    assert ledger.submission(sid).received_at == T0  # the second sighting changed nothing


def test_facts_round_trip_exactly(ledger):
    roster = [{"credit_code": "91210000000000000X", "name": "=HYPERLINK(\"x\")", "cluster": "A", "is_scale": "是",
               "revenue": D("0.1"), "revenue_ly": D("12345678901234.56789"), "employees": 12}]
    projects = [{"name": "项目", "cluster": "B", "status": "在建", "total": D("1E+3"), "done_year": D("0.00"),
                 "start": dt.date(2025, 3, 1)}]
    sub = submission("110101", roster=roster, projects=projects)
    sub.tables["roster"].rows.append(Row(99, {"name": "坏行", "revenue": None}, raw={"revenue": "一百"},
                                         excluded=True))
    sid, _ = put(ledger, sub)
    tables = ledger.tables(sid)
    r = tables["roster"].rows[0].values
    assert r["revenue"] == D("0.1") and str(r["revenue"]) == "0.1"
    assert r["revenue_ly"] == D("12345678901234.56789") and r["employees"] == 12
    assert r["name"] == "=HYPERLINK(\"x\")"
    bad = tables["roster"].rows[1]
    assert bad.excluded and bad.number == 99 and bad.raw == {"revenue": "一百"}
    p = tables["projects"].rows[0].values
    assert p["total"] == D(1000) and p["done_year"] == D(0) and p["start"] == dt.date(2025, 3, 1)
    assert tables["roster"].cell("revenue", 5) == sub.tables["roster"].cell("revenue", 5)


def test_findings_and_counts_are_stored(ledger):
    fs = [Finding("R-NUMBER", ERROR, "坏", file="a.xlsx", district="110101", sheet="集群企业", row=7, column="本年累计营业收入",
                  cell="H7", value="一百"),
          Finding("R-YOY-SWING", VERIFY, "核实", explanation="新企业投产"),
          Finding("R-YOY-SWING", VERIFY, "核实"),
          Finding("R-EXTRA-ROW", INFO, "提示", explanation="写了说明也不是已说明")]
    sid, _ = put(ledger, submission("110101"), status=ST_ERRORS, findings=fs)
    rec = ledger.submission(sid)
    assert (rec.errors, rec.verify, rec.explained, rec.info) == (1, 2, 1, 1)
    assert rec.status == ST_ERRORS
    assert counts(fs) == FindingCounts(errors=1, verify=2, explained=1, info=1)  # the checks' record, the same
    back = ledger.findings(sid)
    assert back[0].cell == "H7" and back[0].column == "本年累计营业收入" and back[1].explained


def test_finding_counts_json_keeps_the_keys_scripts_read():
    """`check --json` and the web API wrote {"error", "verify", "explained", "info"} before the record was typed."""
    assert FindingCounts(errors=1, verify=2, explained=1, info=3).to_json() == {
        "error": 1, "verify": 2, "explained": 1, "info": 3}
    assert FindingCounts.of([]) == FindingCounts(0, 0, 0, 0)


def test_newer_file_supersedes_older_and_history_keeps_both(ledger, small_workspace):
    old, _ = put(ledger, submission("110101", tag="v1"), received=T0)
    new, _ = put(ledger, submission("110101", tag="v2"), received=T0 + dt.timedelta(hours=1))
    assert ledger.submission(old).status == ST_SUPERSEDED and ledger.submission(old).superseded_by == new
    assert ledger.current("2025-06")["110101"].id == new
    hist = ledger.history(district="110101")
    assert [h.id for h in hist] == [new, old]  # newest first
    assert (small_workspace.root / hist[1].archive_path).is_file()  # the old bytes stay archived
    # a file that arrives later but was modified earlier is at once the superseded one
    late, _ = put(ledger, submission("110101", tag="v0"), received=T0 - dt.timedelta(days=1))
    assert ledger.submission(late).status == ST_SUPERSEDED and ledger.submission(late).superseded_by == new
    assert ledger.current("2025-06")["110101"].id == new


def test_same_received_time_goes_by_ingest_order(ledger):
    a, _ = put(ledger, submission("110102", tag="a"), received=T0)
    b, _ = put(ledger, submission("110102", tag="b"), received=T0)
    assert ledger.current("2025-06")["110102"].id == b
    assert ledger.submission(a).status == ST_SUPERSEDED


def test_refused_file_is_recorded_but_never_replaces_a_readable_version(ledger):
    refusal = Finding("F-NOT-XLSX", ERROR, "不是Excel", district="110101")
    good, _ = put(ledger, submission("110101", tag="good"), received=T0)
    bad, _ = put(ledger, submission("110101", tag="bad"), received=T0 + dt.timedelta(hours=1),
                 status=ST_RETURNED, findings=[refusal])
    assert ledger.submission(bad).status == ST_RETURNED
    assert ledger.submission(good).status == ST_PASSED
    assert ledger.current("2025-06")["110101"].id == good
    assert ledger.tables(bad) == {}  # nothing of a refused file is kept as facts
    # a district whose only file was refused shows it as its version
    only, _ = put(ledger, submission("KF01", tag="x"), status=ST_RETURNED, findings=[refusal])
    assert ledger.current("2025-06")["KF01"].id == only
    # an unattributable refused file is recorded with district ""
    anon = submission("", tag="anon")
    sid, _ = put(ledger, anon, status=ST_RETURNED, findings=[refusal])
    assert ledger.submission(sid).district == "" and "" not in ledger.current("2025-06")


def test_issue_numbers_per_year_reused_per_period(ledger):
    assert ledger.issue_number("2025-05", 2025) == 1
    assert ledger.issue_number("2025-06", 2025) == 2
    assert ledger.issue_number("2025-05", 2025) == 1  # re-issuing May keeps its number
    assert ledger.issue_number("2026-01", 2026) == 1  # a new year starts again at 1
    assert ledger.issue_number("2025-07", 2025) == 3


def test_a_failed_transaction_leaves_nothing(ledger, monkeypatch):
    sub = submission("110101", outputs={("A", "SR"): (D(1), None)})
    sub.tables["output"].rows.append(Row(object(), {}))  # a row number sqlite cannot store
    with pytest.raises(sqlite3.ProgrammingError):  # "type 'object' is not supported"
        put(ledger, sub)
    assert ledger.db.execute("SELECT COUNT(*) FROM submissions").fetchone()[0] == 0
    assert ledger.db.execute("SELECT COUNT(*) FROM output_rows").fetchone()[0] == 0


def test_lock_refuses_a_second_holder_and_is_released(small_workspace):
    with workspace_lock(small_workspace), pytest.raises(LockedError, match="另一个 reporttool"), workspace_lock(small_workspace):
        pass
    with workspace_lock(small_workspace):  # released on exit
        pass


def test_period_keys_match_models():
    assert Period(2025, 6).key == submission("110101").period


# What the tagged JSON of the first ledgers (format 1) stored for the submission of the test below.
OLD_FORMAT = (
    '{"M":[["roster",{"M":[["A",{"M":[["营业收入合计",{"S":["150.5","80","100.5"],"L":true}],["工业总产值合计",'
    '{"S":[null,null,null],"L":true}],["规上企业户数",{"S":["1",null,null],"L":false}],["企业户数",{"S":["2",null,'
    'null],"L":false}],["从业人员合计",{"S":["7",null,null],"L":false}],["_leaders",1]]}]]}],["projects",{"M":[["B",'
    '{"M":[["本年完成投资",{"S":["3",null,null],"L":false}],["本年计划投资",{"S":[null,null,null],"L":false}],["总投资",'
    '{"S":["10",null,null],"L":false}],["项目个数",{"S":["1",null,null],"L":false}],["_status",{"M":[["在建",1]]}],'
    '["_sum",{"M":[["total",{"D":"10"}],["plan_year",{"D":"0"}],["done_year",{"D":"3"}]]}]]}]]}]]}')


def test_aggregates_are_stored_at_ingest_and_rebuilt_for_an_older_ledger(ledger, small_workspace):
    import dataclasses

    from reporttool.figures.compute import compute_figures
    from reporttool.ledger.aggregates import SubmissionAggregates

    roster = [{"credit_code": "X1", "name": "一号", "cluster": "A", "is_scale": "是", "is_leader": "是",
               "revenue": D("100.5"), "revenue_ly": D(80), "employees": 7},
              {"credit_code": "X2", "name": "二号", "cluster": "A", "is_scale": "否", "revenue": D(50)}]
    projects = [{"name": "一期", "cluster": "B", "status": "在建", "total": D(10), "done_year": D(3)}]
    sid, _ = put(ledger, submission("110101", roster=roster, projects=projects))
    text = ledger.db.execute("SELECT data FROM aggregates WHERE submission_id=?", (sid,)).fetchone()[0]
    stored = SubmissionAggregates.from_json(text)
    a = stored.roster["A"]
    assert a.revenue.value == D("150.5") and a.revenue.last_year == D(80)
    assert a.revenue.comparable == D("100.5") and a.enterprises.value == 2 and a.leaders == 1
    b = stored.projects["B"]
    assert b.by_status == {"在建": 1} and b.total.value == D(10) and b.invested("plan_year") == 0
    cat = small_workspace.catalogue()
    period = Period(2025, 6)
    before = compute_figures(ledger, cat, period, now=T0)
    ledger.db.execute("UPDATE aggregates SET data=?", (OLD_FORMAT,))  # as the older version stored them
    assert SubmissionAggregates.from_json(OLD_FORMAT) == stored
    assert dataclasses.asdict(compute_figures(ledger, cat, period, now=T0)) == dataclasses.asdict(before)
    ledger.db.execute("DELETE FROM aggregates")  # a ledger written before aggregates were stored
    again = compute_figures(ledger, cat, period, now=T0)
    assert dataclasses.asdict(again) == dataclasses.asdict(before)
    assert [r[0] for r in ledger.db.execute("SELECT data FROM aggregates")] == [text]  # stored on first use


def test_credit_codes_loads_only_codes_in_two_versions(ledger):
    a = [{"credit_code": "91210000MA0000000X", "name": "共有", "cluster": "A", "is_scale": "否", "revenue": D(1)},
         {"credit_code": "91210000MA0000001Y", "name": "甲独有", "cluster": "A", "is_scale": "否", "revenue": D(1)}]
    b = [{"credit_code": "91210000MA0000000X", "name": "共有", "cluster": "A", "is_scale": "否", "revenue": D(1)}]
    sa, _ = put(ledger, submission("110101", roster=a))
    sb, _ = put(ledger, submission("110102", roster=b))
    expect = {sa: [(5, "91210000MA0000000X", "共有")], sb: [(5, "91210000MA0000000X", "共有")]}
    assert ledger.credit_codes([sa, sb]) == expect
    ledger.db.execute("DELETE FROM code_lists")  # a ledger from before the lists: rebuilt from the rows
    assert ledger.credit_codes([sa, sb]) == expect
    assert ledger.db.execute("SELECT COUNT(*) FROM code_lists").fetchone()[0] == 2


def test_concurrent_first_opens_migrate_once(tmp_path):
    """Many connections opening a fresh ledger at once (the web page's first requests): each migration
    runs once, none fails with "table already exists"."""
    import threading

    from reporttool.workspace import Workspace

    errors: list[BaseException] = []
    # switching a fresh file to WAL together failed "database is locked" in about one round of fifteen
    # (SQLite skips the busy handler there): forty fresh ledgers make that a sure failure
    for round_ in range(40):
        ws = Workspace(tmp_path / f"ws{round_}")
        start = threading.Barrier(8)

        def open_one(ws: Workspace = ws, start: threading.Barrier = start) -> None:
            start.wait()
            try:
                with Ledger(ws) as ledger:
                    assert ledger.schema_version == len(MIGRATIONS)
            except BaseException as exc:  # noqa: BLE001 - collected for the assertion
                errors.append(exc)

        threads = [threading.Thread(target=open_one) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert not errors, errors


def test_a_batch_commits_without_a_sync_each_and_syncs_at_its_end(tmp_path):
    """Ledger.batch: synchronous=NORMAL inside (WAL: atomic, survives a killed run), FULL again after it,
    also when the batch ends with an error; the commits made inside are in the file after it."""
    from helpers import ingest

    from reporttool.workspace import Workspace

    ws = Workspace(tmp_path)
    with Ledger(ws) as ledger:
        assert ledger.db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
        with ledger.batch():
            assert ledger.db.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL
            ingest(ledger, submission("110101"))
        assert ledger.db.execute("PRAGMA synchronous").fetchone()[0] == 2
        with pytest.raises(RuntimeError), ledger.batch():
            raise RuntimeError("a failed run")
        assert ledger.db.execute("PRAGMA synchronous").fetchone()[0] == 2
        with ledger.batch(1):  # one commit expected: durable by itself (FULL), no checkpoint needed
            assert ledger.db.execute("PRAGMA synchronous").fetchone()[0] == 2
            ingest(ledger, submission("110102"))
        assert ledger.db.execute("PRAGMA synchronous").fetchone()[0] == 2
    with Ledger(ws) as again:
        assert again.db.execute("SELECT count(*) FROM submissions").fetchone()[0] == 2


def test_checkpoint_soon_copies_the_wal_into_the_file_while_the_run_goes_on(tmp_path):
    """Ledger.checkpoint_soon: the WAL's pages copied into the database file by a thread (so closing has
    little left to do); writes after it still land; close() waits for the thread."""
    from helpers import ingest

    from reporttool.workspace import Workspace

    ws = Workspace(tmp_path)
    wal = ws.ledger.with_name(ws.ledger.name + "-wal")
    with Ledger(ws) as ledger:
        ingest(ledger, submission("110101"))
        size_before = ws.ledger.stat().st_size
        ledger.checkpoint_soon()
        ledger._checkpointer.join()
        assert ws.ledger.stat().st_size > size_before  # the pages are in the file now, not only in the WAL
        ledger.checkpoint_soon()  # once per ledger: a second call does nothing
        ingest(ledger, submission("110102"))  # a write after it
        thread = ledger._checkpointer
    assert not thread.is_alive()
    assert not wal.exists() or wal.stat().st_size == 0  # the last connection closed: WAL checkpointed away
    with Ledger(ws) as again:
        assert again.db.execute("SELECT count(*) FROM submissions").fetchone()[0] == 2
