"""`reporttool import`: earlier periods' district files into the ledger as history (docs/history.md)."""
from __future__ import annotations

import datetime as dt
import os
import sqlite3
import zlib
from decimal import Decimal as D
from pathlib import Path

from click.testing import CliRunner
from stdnum.cn import uscc

from reporttool.cli import main
from reporttool.core.models import Period
from reporttool.core.status import ST_PASSED, ST_SUPERSEDED
from reporttool.figures.compute import current_versions, submission_states
from reporttool.forms.writer import write_template
from reporttool.ledger import Ledger
from reporttool.ledger.store import KIND_IMPORT, MIGRATIONS
from reporttool.pipeline.consolidate import run_consolidate
from reporttool.pipeline.importing import IMPORTED, KNOWN, NOT_WORKBOOK, SKIPPED, run_import
from reporttool.workspace import Workspace

LONG_AFTER = dt.datetime(2025, 11, 20, 9, 0)  # far past every deadline of the months imported


def form(ws: Workspace, folder: Path, name: str, district: str, period: Period, sr: str,
         when: dt.datetime = LONG_AFTER) -> Path:
    """A filled district form written outside inbox/ (an earlier month kept by the bureau)."""
    base = f"91110000MA{zlib.crc32(district.encode()) % 10**7:07d}"  # one enterprise per district
    roster = [{"credit_code": base + uscc.calc_check_digit(base), "name": f"{district}企业", "cluster": "A", "is_scale": "否",
               "revenue": D(1)}]
    path = write_template(ws.catalogue(), district, period, folder / name, roster=roster,
                          outputs={("A", "SR"): {"value": D(sr), "value_ly": D(sr) - 1}})
    os.utime(path, (when.timestamp(), when.timestamp()))
    return path


def states(ws: Workspace, period: Period):
    cat = ws.catalogue()
    with Ledger(ws) as ledger:
        return {s.district: s for s in submission_states(cat, current_versions(ledger, cat, period))}


def test_import_records_earlier_months_as_history_never_late(small_workspace, tmp_path):
    ws = small_workspace
    old = tmp_path / "往期报表"
    old.mkdir()
    form(ws, old, "甲区4月.xlsx", "110101", Period(2025, 4), "10")
    form(ws, old, "甲区5月.xlsx", "110101", Period(2025, 5), "20")
    form(ws, old, "乙县5月.xlsx", "110102", Period(2025, 5), "30")
    result = run_import(ws, [old])
    assert [(f.name, f.outcome, f.district, f.period) for f in result.files] == [
        ("往期报表/乙县5月.xlsx", IMPORTED, "110102", "2025-05"),
        ("往期报表/甲区4月.xlsx", IMPORTED, "110101", "2025-04"),
        ("往期报表/甲区5月.xlsx", IMPORTED, "110101", "2025-05")]
    assert result.periods == ["2025-04", "2025-05"]
    may = states(ws, Period(2025, 5))
    assert may["110101"].imported and may["110101"].on_time is None  # received in November: not 逾期
    assert may["110101"].status == ST_PASSED
    assert not may["KF01"].imported  # 未报 stays 未报
    with Ledger(ws) as ledger:
        assert {r.kind for r in ledger.submissions()} == {KIND_IMPORT}
        assert all(ledger.archived_path(r).is_file() for r in ledger.submissions())


def test_reimport_is_a_no_op(small_workspace, tmp_path):
    ws = small_workspace
    path = form(ws, tmp_path, "甲区5月.xlsx", "110101", Period(2025, 5), "20")
    run_import(ws, [path])
    with Ledger(ws) as ledger:
        before = [(r.id, r.status, r.ingested_at) for r in ledger.submissions()]
    again = run_import(ws, [path, tmp_path / "甲区5月.xlsx"])
    assert [f.outcome for f in again.files] == [KNOWN, KNOWN]
    with Ledger(ws) as ledger:
        assert [(r.id, r.status, r.ingested_at) for r in ledger.submissions()] == before


def test_bad_files_are_named_and_skipped_the_rest_imported(small_workspace, tmp_path):
    ws = small_workspace
    old = tmp_path / "往期"
    old.mkdir()
    (old / "坏文件.xlsx").write_bytes(b"not a workbook at all")
    (old / "说明.txt").write_text("这是说明", encoding="utf-8")
    form(ws, old, "甲区5月.xlsx", "110101", Period(2025, 5), "20")
    result = run_import(ws, [old, tmp_path / "不存在.xlsx"])
    outcome = {f.name: (f.outcome, f.reason) for f in result.files}
    assert outcome["往期/甲区5月.xlsx"][0] == IMPORTED
    assert outcome["往期/坏文件.xlsx"][0] == SKIPPED and outcome["往期/坏文件.xlsx"][1]
    assert outcome["往期/说明.txt"] == (NOT_WORKBOOK, "不是报表文件（.txt）")  # listed, not an error
    assert outcome["不存在.xlsx"] == (SKIPPED, "不存在")
    with Ledger(ws) as ledger:  # skipped files are not recorded: fixed, they can be imported later
        assert [r.file_name for r in ledger.submissions()] == ["甲区5月.xlsx"]


def test_a_received_version_is_always_the_one_in_use(small_workspace, tmp_path):
    """An import never replaces what the district sent itself, before or after it."""
    ws = small_workspace
    june = Period(2025, 6)
    sent = form(ws, ws.inbox, "甲区6月.xlsx", "110101", june, "50", when=dt.datetime(2025, 7, 3, 9, 0))
    run_consolidate(ws, june, workers=1, now=dt.datetime(2025, 7, 8, 9, 0))
    run_import(ws, [form(ws, tmp_path, "甲区6月旧.xlsx", "110101", june, "40")])  # arrived "later"
    with Ledger(ws) as ledger:
        in_use = ledger.current(june.key)["110101"]
        assert in_use.file_name == sent.name and not in_use.imported
        assert {r.file_name: r.status for r in ledger.submissions()}["甲区6月旧.xlsx"] == ST_SUPERSEDED
    s = states(ws, june)["110101"]
    assert s.on_time is True and not s.imported


def test_consolidating_an_imported_month_shows_import_not_late(small_workspace, tmp_path):
    ws = small_workspace
    may = Period(2025, 5)
    run_import(ws, [form(ws, tmp_path, "甲区5月.xlsx", "110101", may, "20")])
    result = run_consolidate(ws, may, workers=1, now=dt.datetime(2025, 12, 1, 9, 0))
    assert result.counts["late"] == 0 and result.counts["on_time"] == 0
    assert result.figures.cluster_figure("A", "SR").value == D("0.002")  # 20 万元 in 亿元
    from openpyxl import load_workbook

    book = next(p for p in result.outputs if "汇总表" in p.name)
    ws_ = load_workbook(book)["报送情况"]
    texts = [c.value for row in ws_.iter_rows() for c in row if isinstance(c.value, str)]
    assert "导入" in texts
    assert any("“导入”表示" in t for t in texts)


def test_older_ledger_opens_and_keeps_its_digests(small_workspace, tmp_path):
    """A ledger of schema 7 (before kinds) is upgraded; what it recorded reads as received, and verify's
    digests kept before the upgrade still match."""
    ws = small_workspace
    june = Period(2025, 6)
    form(ws, ws.inbox, "甲区6月.xlsx", "110101", june, "50", when=dt.datetime(2025, 7, 3, 9, 0))
    run_consolidate(ws, june, workers=1, now=dt.datetime(2025, 7, 8, 9, 0))
    db = sqlite3.connect(ws.ledger)
    db.execute("ALTER TABLE submissions DROP COLUMN kind")
    db.execute("DROP TABLE withdrawals")  # schema 9 came later
    db.execute("PRAGMA user_version=7")
    db.commit()
    db.close()
    with Ledger(ws) as ledger:
        assert ledger.schema_version == len(MIGRATIONS)
        (rec,) = ledger.submissions()
        assert rec.kind == "" and not rec.imported
        assert ledger.facts_changed(rec.id) == []


def test_kind_is_covered_by_the_facts_digest(small_workspace, tmp_path):
    ws = small_workspace
    run_import(ws, [form(ws, tmp_path, "甲区5月.xlsx", "110101", Period(2025, 5), "20")])
    with Ledger(ws) as ledger:
        (rec,) = ledger.submissions()
        assert ledger.facts_changed(rec.id) == []
        ledger.db.execute("UPDATE submissions SET kind='' WHERE id=?", (rec.id,))
        assert ledger.facts_changed(rec.id) == ["基本信息（县区、报告期、文件、状态、问题数）"]


def test_cli_import_names_each_file_and_exits_1_when_one_was_skipped(small_workspace, tmp_path):
    ws = small_workspace
    old = tmp_path / "往期"
    old.mkdir()
    form(ws, old, "甲区5月.xlsx", "110101", Period(2025, 5), "20")
    (old / "坏文件.xlsx").write_bytes(b"junk")
    (old / "说明.txt").write_text("五月份的报表", encoding="utf-8")
    run = CliRunner().invoke(main, ["-w", str(ws.root), "import", str(old)])
    assert run.exit_code == 1, run.output
    assert "导入：往期/甲区5月.xlsx（甲区，2025-05，通过）" in run.output
    assert "跳过：往期/坏文件.xlsx" in run.output
    assert run.output.count("说明.txt") == 1 and "未读取：往期/说明.txt：不是报表文件（.txt）。" in run.output
    assert "共 3 个文件：导入 1 个，已有 0 个，跳过 1 个。另有 1 个不是报表文件，未读取。" in run.output
    again = CliRunner().invoke(main, ["-w", str(ws.root), "import", str(old / "甲区5月.xlsx")])
    assert again.exit_code == 0 and "已有：甲区5月.xlsx" in again.output
    hist = CliRunner().invoke(main, ["-w", str(ws.root), "history"])
    assert "（导入）" in hist.output
    status = CliRunner().invoke(main, ["-w", str(ws.root), "status", "--period", "2025-05"])
    assert "导入" in status.output and "逾期 0，导入 1" in status.output


# ---- history tables (汇总数导入) --------------------------------------------------------------------


def history_table(path: Path, rows: list[list], header=("报告期", "县区", "集群", "指标", "本年累计", "上年同期", "计量单位"),
                  title: str | None = "历史数据（2024年）") -> Path:
    from openpyxl import Workbook

    wb = Workbook()
    ws_ = wb.active
    ws_.title = "历史数据"
    if title:
        ws_.append([title])
    ws_.append(list(header))
    for r in rows:
        ws_.append(r)
    wb.save(path)
    os.utime(path, (LONG_AFTER.timestamp(), LONG_AFTER.timestamp()))
    return path


def test_history_table_imports_one_version_per_period_and_district(small_workspace, tmp_path):
    ws = small_workspace
    book = history_table(tmp_path / "2024年汇总数.xlsx", [
        ["2024-06", "甲区", "化工产业集群", "营业收入", 1000, 900, "万元"],
        ["2024年1-6月", "110102", "A", "SR", 0.2, None, "亿元"],  # codes, 亿元: 2000 万元
        ["2024-05", "甲区", "化工", "营业收入", 800, None, None],
        ["2024-06", "甲区", "化工产业集群", "规上企业户数", 5, None, None],  # from the roster: not importable
        ["2024-06", "丁区", "化工产业集群", "营业收入", 1, None, None],  # no such district
        ["2024-06", "甲区", "装备制造产业集群", "营业收入", "一千", None, None],  # not a number
    ])
    result = run_import(ws, [book])
    got = sorted((f.outcome, f.district, f.period) for f in result.files if f.outcome == IMPORTED)
    assert got == [(IMPORTED, "110101", "2024-05"), (IMPORTED, "110101", "2024-06"), (IMPORTED, "110102", "2024-06")]
    skipped = [f.reason for f in result.files if f.outcome == SKIPPED]
    assert len(skipped) == 3
    assert any("第6行“指标”（D6）" in r and "企业名录" in r for r in skipped)
    assert any("第7行“县区”（B7）“丁区”不在目标库的县区中" in r for r in skipped)
    assert any("第8行“本年累计”（E8）“一千”不是数字" in r for r in skipped)
    cat = ws.catalogue()
    with Ledger(ws) as ledger:
        from reporttool.figures.history import district_sums

        june = district_sums(ledger, cat, Period(2024, 6))
        assert june["110101"][("A", "SR")].value == D("0.1")  # 1000 万元 in 亿元
        assert june["110101"][("A", "SR")].last_year == D("0.09")
        assert june["110102"][("A", "SR")].value == D("0.2")
        rec = ledger.current("2024-06")["110101"]
        assert rec.kind == "import-table" and rec.imported and rec.file_name == "2024年汇总数.xlsx（甲区2024年1-6月）"
        assert ledger.facts_changed(rec.id) == []
        assert ledger.archived_path(rec).is_file()
    assert states(ws, Period(2024, 6))["110101"].imported
    again = run_import(ws, [book])  # the same table again: nothing new
    assert [f.outcome for f in again.files if f.outcome != SKIPPED] == [KNOWN, KNOWN, KNOWN]


def test_history_table_feeds_the_ly_check_and_a_consolidation(small_workspace, tmp_path):
    ws = small_workspace
    run_import(ws, [history_table(tmp_path / "汇总数.xlsx", [["2024-06", "甲区", "化工产业集群", "营业收入", 1000, None, None]])])
    june = Period(2025, 6)
    form(ws, ws.inbox, "甲区.xlsx", "110101", june, "1300", when=dt.datetime(2025, 7, 3, 9, 0))  # 上年同期 1299
    result = run_consolidate(ws, june, workers=1, now=dt.datetime(2025, 7, 8, 9, 0))
    assert any(f.rule == "R-LY-REVISED" and "1000万元" in f.message for f in result.figures.findings)
    last_year = run_consolidate(ws, Period(2024, 6), workers=1, now=dt.datetime(2025, 7, 8, 9, 0))
    assert last_year.figures.cluster_figure("A", "SR").value == D("0.1")


def test_a_table_without_its_header_is_named_and_skipped(small_workspace, tmp_path):
    book = history_table(tmp_path / "错表.xlsx", [["2024-06", "甲区", "化工", "营业收入", 1]],
                         header=("期别", "县区", "集群", "指标", "数值"))
    (f,) = run_import(small_workspace, [book]).files
    assert f.outcome == SKIPPED and "找不到表头" in f.reason and "本年累计" in f.reason


def test_a_stray_text_file_alone_is_listed_once_and_the_import_succeeds(small_workspace, tmp_path):
    ws = small_workspace
    old = tmp_path / "往期"
    old.mkdir()
    form(ws, old, "甲区5月.xlsx", "110101", Period(2025, 5), "20")
    (old / "readme.txt").write_text("notes", encoding="utf-8")
    (old / "甲区6月.dat").write_bytes(form(ws, tmp_path, "x.xlsx", "110101", Period(2025, 6), "30").read_bytes())
    run = CliRunner().invoke(main, ["-w", str(ws.root), "import", str(old)])
    assert run.exit_code == 0, run.output  # a note beside the forms is no failure
    assert "未读取：往期/readme.txt：不是报表文件（.txt）。" in run.output
    assert "导入：往期/甲区6月.dat（甲区，2025-06，通过）" in run.output  # a zip header is read whatever the name
    assert "导入 2 个，已有 0 个，跳过 0 个。另有 1 个不是报表文件，未读取。" in run.output


def test_a_truncated_workbook_is_called_damaged_not_renamed(small_workspace, tmp_path):
    ws = small_workspace
    old = tmp_path / "往期"
    old.mkdir()
    whole = form(ws, tmp_path, "甲区5月.xlsx", "110101", Period(2025, 5), "20").read_bytes()
    (old / "甲区5月.xlsx").write_bytes(whole[: len(whole) * 2 // 3])  # a download cut off
    result = run_import(ws, [old])
    [f] = result.files
    assert f.outcome == SKIPPED
    assert f.reason == ("文件是 Excel 工作簿（.xlsx），但已损坏或不完整（文件末尾缺失），无法读取。可能是下载、复制或邮件传输时"
                        "被截断；请用 Excel/WPS 确认能打开后重新发送原文件。")
    assert "改了扩展名" not in f.reason
