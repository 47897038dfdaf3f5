"""Issue 9, integrity: reporttool verify, archive tamper, ledger edits, a rebuilt ledger's 期号, outputs
replaced all-or-none, a hand-edited brief kept, the issue date remembered."""
from __future__ import annotations

import contextlib
import datetime as dt
import json
import sqlite3

import docx
from click.testing import CliRunner
from helpers import NOW, ON_TIME, P, put

from reporttool.cli import main
from reporttool.core.errors import OutputLockedError
from reporttool.core.models import Period
from reporttool.forms.isolate import file_sha256
from reporttool.ledger import Ledger
from reporttool.ledger.store import MIGRATIONS
from reporttool.pipeline.consolidate import run_consolidate
from reporttool.pipeline.verify import verify_workspace

MAY = Period(2025, 5)


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def outputs_of(ws, period=P) -> dict[str, bytes]:
    d = ws.period_dir(period)
    return {p.relative_to(d).as_posix(): p.read_bytes() for p in d.rglob("*") if p.is_file()}


def briefs(ws, period=P) -> list[str]:
    return sorted(p.name for p in ws.period_dir(period).glob("*.docx"))


def drop_ledger(ws) -> None:
    for suffix in ("", "-wal", "-shm"):
        ws.ledger.with_name(ws.ledger.name + suffix).unlink(missing_ok=True)


# ---- verify ------------------------------------------------------------------------------------------------


def test_verify_is_clean_after_a_run_and_names_a_changed_archive_file(small_workspace):
    ws = small_workspace
    put(ws, "甲区.xlsx", "110101", sr="1000")
    run_consolidate(ws, P, now=NOW)
    res = run("-w", ws.root, "verify")
    assert res.exit_code == 0, res.output
    assert "全部与记录一致" in res.output
    with Ledger(ws) as ledger:
        rec = ledger.submissions()[0]
    archived = ws.root / rec.archive_path
    archived.write_bytes(archived.read_bytes() + b"tampered")
    res = run("-w", ws.root, "verify")
    assert res.exit_code == 1
    assert rec.archive_path in res.output and "内容已被改动" in res.output and "甲区.xlsx" in res.output
    archived.unlink()
    res = run("-w", ws.root, "verify", "--json")
    assert res.exit_code == 1
    assert [d["area"] for d in json.loads(res.output)["differences"]] == ["存档"]


def test_an_amount_edited_inside_the_ledger_is_caught_by_verify(small_workspace):
    ws = small_workspace
    put(ws, "甲区.xlsx", "110101", sr="1000")
    put(ws, "乙县.xlsx", "110102", sr="500")
    run_consolidate(ws, P, now=NOW)
    assert verify_workspace(ws).clean
    with sqlite3.connect(ws.ledger) as db:
        sid = db.execute("SELECT id FROM submissions WHERE file_name='乙县.xlsx'").fetchone()[0]
        db.execute("UPDATE output_rows SET value='99999' WHERE submission_id=? AND value='500'", (sid,))
    report = verify_workspace(ws)
    assert not report.clean
    (d,) = report.differences
    assert d.area == "台账" and "乙县.xlsx" in d.message and "主要指标数据" in d.message
    with sqlite3.connect(ws.ledger) as db:  # the sums the 总表 is built from, too
        other = db.execute("SELECT id FROM submissions WHERE file_name='甲区.xlsx'").fetchone()[0]
        db.execute("UPDATE aggregates SET data=replace(data, '1', '7') WHERE submission_id=?", (other,))
    assert any("汇总数" in x.message and "甲区.xlsx" in x.message for x in verify_workspace(ws).differences)


def test_a_ledger_from_before_digests_is_sealed_on_upgrade(small_workspace):
    ws = small_workspace
    put(ws, "甲区.xlsx", "110101", sr="1000")
    run_consolidate(ws, P, now=NOW)
    with sqlite3.connect(ws.ledger) as db:  # as schema 4 left it
        db.execute("ALTER TABLE submissions DROP COLUMN facts_digest")
        db.execute("ALTER TABLE briefs DROP COLUMN issued")
        db.execute("DELETE FROM aggregates")  # also from before the sums were stored
        db.execute("DROP TABLE reviews")  # schema 6 (the web page's reviews) came later still
        db.execute("DROP TABLE period_sums")  # schema 7 (the history of figures) later again
        db.execute("ALTER TABLE submissions DROP COLUMN kind")  # schema 8 (imported history) too
        db.execute("DROP TABLE withdrawals")  # schema 9 (the bureau's withdrawals) last
        db.execute("PRAGMA user_version=4")
    with Ledger(ws) as ledger:
        assert ledger.schema_version == len(MIGRATIONS)
        assert ledger.facts_changed(ledger.submissions()[0].id) == []
    assert verify_workspace(ws).clean
    with sqlite3.connect(ws.ledger) as db:
        db.execute("UPDATE roster_rows SET revenue='123'")
    assert any("企业名录数据" in d.message for d in verify_workspace(ws).differences)


def test_verify_names_a_deleted_ledger_and_a_changed_output(small_workspace):
    ws = small_workspace
    put(ws, "甲区.xlsx", "110101", sr="1000")
    run_consolidate(ws, P, now=NOW)
    book = next(p for p in ws.period_dir(P).glob("*.xlsx") if "汇总表" in p.name)
    book.write_bytes(book.read_bytes() + b"x")
    (d,) = verify_workspace(ws).differences
    assert d.area == "输出" and book.name in d.message and "汇总表" in d.message
    drop_ledger(ws)
    report = verify_workspace(ws)
    assert not report.clean and "台账文件 reporttool.db 不存在" in report.differences[0].message
    assert not ws.ledger.exists()  # verify never creates a ledger


# ---- the archive is never trusted -------------------------------------------------------------------------


def test_a_changed_archive_file_is_not_used_and_is_repaired_from_the_inbox(small_workspace):
    ws = small_workspace
    put(ws, "甲区.xlsx", "110101", sr="1000", roster=[])  # an error: 甲区 gets a feedback workbook from its file
    run_consolidate(ws, P, now=NOW)
    with Ledger(ws) as ledger:
        rec = ledger.submissions()[0]
    archived = ws.root / rec.archive_path
    archived.write_bytes(b"not the district's file")
    feedback = ws.feedback_dir(P) / "甲区.xlsx"
    feedback.unlink()  # so the next run paints it again from the archived file
    res = run("-w", ws.root, "consolidate", "--period", P.key)
    assert res.exit_code == 1, res.output
    assert "内容已被改动" in res.output and "修复" in res.output
    assert file_sha256(archived) == rec.sha256  # repaired from the inbox copy
    assert [p.name for p in archived.parent.iterdir() if ".改动-" in p.name]  # the changed bytes kept aside
    assert feedback.is_file()
    # without the inbox copy: the feedback lists the findings only, the changed bytes are never used
    (ws.inbox / "甲区.xlsx").unlink()
    archived.write_bytes(b"changed again")
    feedback.unlink()
    res = run("-w", ws.root, "consolidate", "--period", P.key)
    assert res.exit_code == 1 and "只列问题清单" in res.output
    assert not archived.exists()  # set aside, never used, never deleted
    assert len([p for p in archived.parent.iterdir() if ".改动-" in p.name]) == 2
    assert feedback.is_file()


def test_a_changed_archive_file_does_not_survive_a_ledger_rebuild(small_workspace):
    ws = small_workspace
    put(ws, "甲区.xlsx", "110101", sr="1000")
    run_consolidate(ws, P, now=NOW)
    with Ledger(ws) as ledger:
        rec = ledger.submissions()[0]
    archived = ws.root / rec.archive_path
    archived.write_bytes(b"tampered")
    drop_ledger(ws)
    run_consolidate(ws, P, now=NOW)
    assert file_sha256(archived) == rec.sha256
    assert verify_workspace(ws).clean


# ---- a rebuilt ledger never re-issues a 期号 -------------------------------------------------------------


def test_a_rebuilt_ledger_says_so_and_keeps_the_issue_numbers(small_workspace):
    ws = small_workspace
    put(ws, "甲区5月.xlsx", "110101", sr="900", period=MAY, when=dt.datetime(2025, 6, 3, 9))
    put(ws, "甲区.xlsx", "110101", sr="1000")
    assert run_consolidate(ws, MAY, now=NOW).issue_no == 5  # the 期号 follows the month (Settings.issue_for)
    res = run("-w", ws.root, "consolidate", "--period", P.key, "--date", "2025-07-09")
    assert "第6期" in res.output and briefs(ws) == ["产业集群工作简报（2025年第6期）.docx"]
    drop_ledger(ws)
    res = run("-w", ws.root, "consolidate", "--period", P.key, "--date", "2025-07-10")
    assert "台账文件 reporttool.db 不存在，已新建" in res.output
    assert "已从 outbox/ 的输出清单恢复台账中没有的简报期号：2025年1-5月第5期、2025年1-6月第6期" in res.output
    assert "简报期号：第6期" in res.output
    assert briefs(ws) == ["产业集群工作简报（2025年第6期）.docx"]  # one brief, not 第5期 beside 第6期
    with Ledger(ws) as ledger:
        assert ledger.issue_numbers() == {MAY.key: 5, P.key: 6}
        assert ledger.issue_number("2025-07", 2025) == 7


def test_brief_without_date_keeps_the_recorded_issue_date_also_after_a_rebuild(small_workspace):
    ws = small_workspace
    put(ws, "甲区.xlsx", "110101", sr="1000")
    assert run("-w", ws.root, "consolidate", "--period", P.key, "--date", "2025-07-09").exit_code == 0
    res = run("-w", ws.root, "brief", "--period", P.key)
    assert res.exit_code == 0, res.output
    name = briefs(ws)[0]
    text = "\n".join(p.text for p in docx.Document(str(ws.period_dir(P) / name)).paragraphs)
    assert "2025年7月9日" in text
    drop_ledger(ws)
    with Ledger(ws):  # an empty ledger (another command made it): the brief still has its 期号 and date
        pass
    res = run("-w", ws.root, "brief", "--period", P.key)
    assert res.exit_code == 0, res.output
    text = "\n".join(p.text for p in docx.Document(str(ws.period_dir(P) / name)).paragraphs)
    assert "2025年7月9日" in text and briefs(ws) == [name]
    manifest = json.loads((ws.period_dir(P) / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["brief"]["issued"] == "2025-07-09"
    with Ledger(ws) as ledger:
        assert ledger.issue_numbers() == {P.key: 6} and ledger.issue_date(P.key) == dt.date(2025, 7, 9)


# ---- outputs: all or none ---------------------------------------------------------------------------------


def test_an_output_open_in_word_replaces_nothing_and_names_the_users_file(small_workspace, monkeypatch):
    ws = small_workspace
    put(ws, "甲区.xlsx", "110101", sr="1000")
    run_consolidate(ws, P, now=NOW)
    before = outputs_of(ws)
    brief = ws.period_dir(P) / briefs(ws)[0]
    put(ws, "乙县.xlsx", "110102", sr="500", when=ON_TIME + dt.timedelta(hours=1))

    def locked(path):
        if path == brief:
            raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr("reporttool.pipeline.replace.check_replaceable", locked)
    res = run("-w", ws.root, "consolidate", "--period", P.key)
    assert res.exit_code == 2
    assert f"简报 {brief} 正被其他程序打开（如 Word/WPS），请关闭后重试；本次未替换任何输出文件" in res.output
    assert ".staging" not in res.output
    assert outputs_of(ws) == before
    monkeypatch.undo()
    assert run("-w", ws.root, "consolidate", "--period", P.key).exit_code == 0  # closed: the run goes through
    assert outputs_of(ws) != before


def test_a_replace_that_fails_half_way_is_undone(small_workspace, monkeypatch):
    """Even when the check passes and the replace itself fails (the file was opened meanwhile, a disk
    error, Ctrl-C), what was already replaced is put back."""
    import os

    ws = small_workspace
    put(ws, "甲区.xlsx", "110101", sr="1000", roster=[])  # with a feedback workbook
    run_consolidate(ws, P, now=NOW)
    before = outputs_of(ws)
    put(ws, "乙县.xlsx", "110102", sr="500", roster=[], when=ON_TIME + dt.timedelta(hours=1))
    brief = ws.period_dir(P) / briefs(ws)[0]

    def replace(src, dst):
        if dst == brief:
            raise PermissionError(13, "Permission denied", str(src))
        os.replace(src, dst)

    monkeypatch.setattr("reporttool.pipeline.replace._replace", replace)
    try:
        run_consolidate(ws, P, now=NOW)
    except OutputLockedError as exc:
        assert str(brief) in str(exc) and "本次未替换任何输出文件" in str(exc)
    else:
        raise AssertionError("the replace should have failed")
    assert outputs_of(ws) == before

    def interrupted(src, dst):
        if dst.name == "manifest.json":
            raise KeyboardInterrupt
        os.replace(src, dst)

    monkeypatch.setattr("reporttool.pipeline.replace._replace", interrupted)
    with contextlib.suppress(KeyboardInterrupt):
        run_consolidate(ws, P, now=NOW)
    assert outputs_of(ws) == before


# ---- a brief edited by hand ---------------------------------------------------------------------------------


def edit_by_hand(path) -> bytes:
    d = docx.Document(str(path))
    d.add_paragraph("市局领导批示：请各县区抓紧落实。")
    d.save(str(path))
    return path.read_bytes()


def test_a_brief_edited_by_hand_is_never_overwritten(small_workspace):
    ws = small_workspace
    put(ws, "甲区.xlsx", "110101", sr="1000")
    run_consolidate(ws, P, now=NOW)
    name = briefs(ws)[0]
    edited = edit_by_hand(ws.period_dir(P) / name)
    put(ws, "乙县.xlsx", "110102", sr="500", when=ON_TIME + dt.timedelta(hours=1))
    res = run("-w", ws.root, "consolidate", "--period", P.key)
    assert res.exit_code == 0, res.output
    new = name.replace(".docx", "（新）.docx")
    assert (ws.period_dir(P) / name).read_bytes() == edited
    assert briefs(ws) == sorted([name, new])
    assert "手工修改过" in res.output and new in res.output
    # the next run replaces its own （新） brief, never the edited one; so does `brief`
    first_new = (ws.period_dir(P) / new).read_bytes()
    res = run("-w", ws.root, "brief", "--period", P.key, "--date", "2025-07-20")
    assert res.exit_code == 0 and new in res.output
    assert (ws.period_dir(P) / name).read_bytes() == edited
    assert (ws.period_dir(P) / new).read_bytes() != first_new and briefs(ws) == sorted([name, new])
    assert run("-w", ws.root, "consolidate", "--period", P.key).exit_code == 0
    assert (ws.period_dir(P) / name).read_bytes() == edited and briefs(ws) == sorted([name, new])
    report = verify_workspace(ws)  # the kept brief is known: a note, not a difference
    assert report.clean and any(name in n and "手工修改" in n for n in report.notes)
    edit_by_hand(ws.period_dir(P) / new)  # the new one edited too: verify names it
    assert [d.path.endswith(new) for d in verify_workspace(ws).differences] == [True]
