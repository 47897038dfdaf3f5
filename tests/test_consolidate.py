"""The consolidate run end to end: real district workbooks (forms.writer) in inbox/, the CLI, crashes."""
from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
from decimal import Decimal as D

import pytest
from click.testing import CliRunner
from helpers import NOW, ON_TIME, P, credit_code, put

from reporttool.cli import main
from reporttool.core.errors import LockedError, ReportToolError
from reporttool.core.models import Period
from reporttool.core.status import ST_MISSING, ST_PASSED, ST_RETURNED, ST_SUPERSEDED
from reporttool.figures.compute import compute_figures
from reporttool.ledger import Ledger
from reporttool.ledger.lock import workspace_lock
from reporttool.pipeline.consolidate import CRASH_HOOK_ENV, run_consolidate
from reporttool.workspace import Workspace


def city_sr(result) -> D | None:
    return result.figures.cluster_figure("A", "SR").value


def states(result) -> dict[str, str]:
    return {s.district_name: s.status for s in result.states}


def test_run_writes_figures_outputs_and_manifest(small_workspace):
    ws = small_workspace
    put(ws, "甲区.xlsx", "110101", sr="1234.56", sr_ly="1000")
    put(ws, "乙县.xlsx", "110102", sr="765.44", sr_ly="800", when=dt.datetime(2025, 7, 6, 8, 0))
    result = run_consolidate(ws, P, now=NOW)
    assert city_sr(result) == D("0.2")
    assert states(result) == {"甲区": ST_PASSED, "乙县": ST_PASSED, "丙开发区": ST_MISSING}
    timely = {s.district_name: s.on_time for s in result.states}
    assert timely == {"甲区": True, "乙县": False, "丙开发区": None}
    assert result.exit_code == 0
    out = ws.period_dir(P)
    names = sorted(p.name for p in out.iterdir())
    assert "manifest.json" in names and any(n.endswith(".xlsx") for n in names) and any(n.endswith(".docx") for n in names)
    assert result.outputs[-1] == out / "manifest.json"
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["catalogue_fingerprint"] == ws.catalogue().fingerprint
    assert {i["file_name"] for i in manifest["inputs"]} == {"甲区.xlsx", "乙县.xlsx"}
    assert set(manifest["versions_used"]) == {"110101", "110102"}
    assert manifest["counts"]["submitted"] == 2 and manifest["issue_no"] == 6  # June: 第6期 (Settings.issue_for)
    assert not (ws.outbox / f".staging-{P.key}").exists()


def test_corrected_file_supersedes_and_old_version_stays_in_history(small_workspace):
    ws = small_workspace
    first = put(ws, "甲区.xlsx", "110101", sr="1000")
    first_bytes = first.read_bytes()
    assert city_sr(run_consolidate(ws, P, now=NOW)) == D("0.1")
    put(ws, "甲区（更正）.xlsx", "110101", sr="3000", when=ON_TIME + dt.timedelta(hours=2))
    result = run_consolidate(ws, P, now=NOW)
    assert city_sr(result) == D("0.3")
    with Ledger(ws) as ledger:
        hist = ledger.history(district="110101")
    assert [h.file_name for h in hist] == ["甲区（更正）.xlsx", "甲区.xlsx"]
    assert hist[1].status == ST_SUPERSEDED
    assert (ws.root / hist[1].archive_path).read_bytes() == first_bytes
    s = next(s for s in result.states if s.district == "110101")
    assert s.version == 2 and s.file_name == "甲区（更正）.xlsx"


def test_same_bytes_twice_change_nothing(small_workspace):
    ws = small_workspace
    src = put(ws, "甲区.xlsx", "110101", sr="1000")
    first = run_consolidate(ws, P, now=NOW)
    shutil.copy2(src, ws.inbox / "甲区-副本.xlsx")
    again = run_consolidate(ws, P, now=NOW)
    assert [i.new for i in again.inputs] == [False, False]
    with Ledger(ws) as ledger:
        assert len(ledger.submissions()) == 1
    assert dataclasses.asdict(first.figures) == dataclasses.asdict(again.figures)


def detail_codes(result) -> list[str]:
    """The credit codes listed in the run's detail workbook (企业名录 sheet, column D under the header)."""
    from python_calamine import CalamineWorkbook

    book = next(p for p in result.outputs if "企业和项目明细" in p.name)
    rows = CalamineWorkbook.from_path(str(book)).get_sheet_by_name("企业名录").to_python()
    return [r[3] for r in rows[3:]]


def test_findings_give_feedback_and_exit_1_then_a_fix_clears_them(small_workspace):
    ws = small_workspace
    bad = [{"credit_code": "91110000MA00000010", "name": "甲化工", "cluster": "化工", "is_scale": "是",
            "revenue": D(1500), "revenue_ly": D(1400)}]  # wrong check digit
    put(ws, "甲区.xlsx", "110101", sr="2000", roster=bad)
    result = run_consolidate(ws, P, now=NOW)
    assert result.exit_code == 1
    assert states(result)["甲区"] == "有错"
    feedback = ws.feedback_dir(P) / "甲区.xlsx"
    assert feedback.is_file() and feedback in result.outputs
    assert detail_codes(result) == []  # the row with an error is not listed
    assert next(f for f in result.figures.roster if not f.cluster).enterprises == 0  # nor counted
    good = [dict(bad[0], credit_code=credit_code(1))]
    put(ws, "甲区-改.xlsx", "110101", sr="2000", roster=good, when=ON_TIME + dt.timedelta(days=1))
    result = run_consolidate(ws, P, now=NOW)
    assert result.exit_code == 0 and states(result)["甲区"] == ST_PASSED
    assert not feedback.exists()  # out-of-date feedback is removed
    assert detail_codes(result) == [credit_code(1)]


def test_refused_and_other_period_files_are_recorded_but_not_counted(small_workspace):
    ws = small_workspace
    (ws.inbox / "说明.txt").write_text("这不是报表", encoding="utf-8")
    put(ws, "乙县-5月.xlsx", "110102", sr="500", period=Period(2025, 5))
    put(ws, "甲区.xlsx", "110101", sr="1000")
    result = run_consolidate(ws, P, now=NOW)
    assert city_sr(result) == D("0.1")
    assert states(result)["乙县"] == ST_RETURNED  # it sent only last month's form (issue 9: not 未报)
    assert result.exit_code == 1  # an unattributable refused file arrived
    refused = next(i for i in result.inputs if i.path.name == "说明.txt")
    assert refused.status == ST_RETURNED and refused.district == "" and refused.unknown_district
    may = next(i for i in result.inputs if i.path.name == "乙县-5月.xlsx")
    assert may.period == "2025-05" and may.status == ST_PASSED
    with Ledger(ws) as ledger:
        may_figs = compute_figures(ledger, ws.catalogue(), Period(2025, 5), now=NOW)
    assert may_figs.cluster_figure("A", "SR").value == D("0.05")
    again = run_consolidate(ws, P, now=NOW)  # nothing new: the refused .txt is not reported again,
    assert not any(i.unknown_district for i in again.inputs)  # 乙县's wrong period still is (an error)
    assert [f.rule for f in again.figures.findings if f.district == "110102"] == ["F-PERIOD-MISMATCH"]


def test_failed_output_leaves_previous_outputs_untouched(small_workspace, monkeypatch):
    ws = small_workspace
    put(ws, "甲区.xlsx", "110101", sr="1000")
    run_consolidate(ws, P, now=NOW)
    before = {p.name: p.read_bytes() for p in ws.period_dir(P).iterdir() if p.is_file()}
    put(ws, "乙县.xlsx", "110102", sr="500")

    def broken(*args, **kwargs):
        raise OSError(28, "No space left on device")

    import reporttool.render.brief as brief
    monkeypatch.setattr(brief, "write_brief", broken)
    with pytest.raises(ReportToolError, match="原有输出未被改动"):
        run_consolidate(ws, P, now=NOW)
    after = {p.name: p.read_bytes() for p in ws.period_dir(P).iterdir() if p.is_file()}
    assert after == before
    monkeypatch.undo()
    assert city_sr(run_consolidate(ws, P, now=NOW)) == D("0.15")  # the new file was recorded once


def test_second_run_while_locked(small_workspace):
    ws = small_workspace
    put(ws, "甲区.xlsx", "110101", sr="1000")
    with workspace_lock(ws):
        with pytest.raises(LockedError) as exc:
            run_consolidate(ws, P, now=NOW)
        assert str(exc.value) == f"另一个 reporttool 正在处理工作目录 {ws.root}（进程号 {os.getpid()}），请等它结束后再运行。"
        res = CliRunner().invoke(main, ["-w", str(ws.root), "consolidate", "--period", "2025-06"])
        assert res.exit_code == 2
        assert "另一个 reporttool" in res.output and "Traceback" not in res.output
    assert run_consolidate(ws, P, now=NOW).exit_code == 0


def test_killed_run_then_rerun_equals_an_uninterrupted_run(small_workspace, tmp_path):
    ws = small_workspace
    put(ws, "甲区.xlsx", "110101", sr="1234.56", sr_ly="1000")
    put(ws, "乙县.xlsx", "110102", sr="765.44", when=ON_TIME + dt.timedelta(minutes=5))
    put(ws, "丙开发区.xlsx", "KF01", sr="0.01", when=ON_TIME + dt.timedelta(minutes=9))
    clean = Workspace(tmp_path / "对照")
    shutil.copytree(ws.root, clean.root)  # copytree keeps modification times (copy2)

    env = dict(os.environ, **{CRASH_HOOK_ENV: "1"})
    cmd = [sys.executable, "-m", "reporttool", "-w", str(ws.root), "-q", "consolidate", "--period", "2025-06"]
    killed = subprocess.run(cmd, env=env, capture_output=True, timeout=300)
    assert killed.returncode == 3
    with Ledger(ws) as ledger:
        assert len(ledger.submissions()) == 1  # died after the first file
    assert not (ws.period_dir(P) / "manifest.json").exists()

    env.pop(CRASH_HOOK_ENV)
    rerun = subprocess.run(cmd, env=env, capture_output=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr.decode("utf-8", "replace")
    run_consolidate(clean, P, now=NOW)
    cat = ws.catalogue()
    with Ledger(ws) as a, Ledger(clean) as b:
        fa, fb = compute_figures(a, cat, P, now=NOW), compute_figures(b, cat, P, now=NOW)
        assert [r.sha256 for r in a.submissions()] == [r.sha256 for r in b.submissions()]
    assert dataclasses.asdict(fa) == dataclasses.asdict(fb)
    assert fa.cluster_figure("A", "SR").value == D("0.200001")
    ma = json.loads((ws.period_dir(P) / "manifest.json").read_text(encoding="utf-8"))
    mb = json.loads((clean.period_dir(P) / "manifest.json").read_text(encoding="utf-8"))
    for m in (ma, mb):
        m.pop("generated_at"), m.pop("catalogue_path")
        for i in m["inputs"]:
            i.pop("archive")
    assert ma["inputs"] == mb["inputs"] and ma["versions_used"] == mb["versions_used"]
    assert ma["submissions"] == mb["submissions"] and ma["outputs"] == mb["outputs"]


def test_cli_summary_status_and_history(small_workspace):
    ws = small_workspace
    put(ws, "甲区.xlsx", "110101", sr="1000")
    put(ws, "甲区-旧.xlsx", "110101", sr="900", when=ON_TIME - dt.timedelta(days=1))
    runner = CliRunner()
    res = runner.invoke(main, ["-w", str(ws.root), "consolidate", "--period", "2025-06"])
    assert res.exit_code == 0, res.output
    assert "未报：乙县、丙开发区" in res.output and "按时" in res.output and "manifest.json" in res.output
    res = runner.invoke(main, ["-w", str(ws.root), "status", "--period", "2025-06"])
    assert res.exit_code == 0 and "丙开发区  未报" in res.output and "已报 1/3" in res.output
    res = runner.invoke(main, ["-w", str(ws.root), "status", "--period", "2025-06", "--json"])
    data = json.loads(res.output)
    assert [d["status"] for d in data["districts"]] == [ST_PASSED, ST_MISSING, ST_MISSING]
    assert data["districts"][0]["on_time"] is True and data["districts"][0]["files_received"] == 2
    res = runner.invoke(main, ["-w", str(ws.root), "history", "--district", "甲区", "--json"])
    hist = json.loads(res.output)
    assert [h["file_name"] for h in hist] == ["甲区.xlsx", "甲区-旧.xlsx"]
    assert [h["status"] for h in hist] == [ST_PASSED, ST_SUPERSEDED]
    res = runner.invoke(main, ["-w", str(ws.root), "history", "--period", "2025-06"])
    assert res.exit_code == 0 and "被替代" in res.output and hist[1]["sha256"][:12] in res.output
    res = runner.invoke(main, ["-w", str(ws.root), "history", "--district", "不存在区"])
    assert res.exit_code == 2 and "不在目标库" in res.output


def test_detail_book_follows_cross_exclusions_and_rerenders_only_what_changed(small_workspace):
    ws = small_workspace
    shared = {"credit_code": credit_code(7), "name": "两地企业", "cluster": "A", "is_scale": "否", "revenue": D(5)}
    own = {"credit_code": credit_code(8), "name": "甲区企业", "cluster": "A", "is_scale": "否", "revenue": D(3)}
    put(ws, "甲区.xlsx", "110101", sr="10", roster=[own, shared])
    put(ws, "乙县.xlsx", "110102", sr="10", roster=[shared], when=ON_TIME + dt.timedelta(hours=2))
    result = run_consolidate(ws, P, now=NOW)
    assert detail_codes(result) == [credit_code(8), credit_code(7)]  # 乙县's copy is excluded by R-DUP-ACROSS
    assert next(f for f in result.figures.roster if not f.cluster).enterprises == 2
    with Ledger(ws) as ledger:
        stamps = {(r[0], r[1]): r[2] for r in ledger.db.execute("SELECT submission_id, key, stamp FROM fragments")}
    # 甲区 resends without the shared enterprise: 乙县's row counts and is listed again (re-rendered)
    put(ws, "甲区-改.xlsx", "110101", sr="10", roster=[own], when=ON_TIME + dt.timedelta(hours=3))
    result = run_consolidate(ws, P, now=NOW)
    assert detail_codes(result) == [credit_code(8), credit_code(7)]
    assert next(f for f in result.figures.roster_by_district if f.district == "110102" and not f.cluster).enterprises == 1
    with Ledger(ws) as ledger:
        after = {(r[0], r[1]): r[2] for r in ledger.db.execute("SELECT submission_id, key, stamp FROM fragments")}
    yi = next(s.id for s in Ledger(ws).submissions() if s.district == "110102")
    assert stamps[(yi, "roster")] != after[(yi, "roster")]  # rendered again without the exclusion
    assert stamps[(yi, "projects")] == after[(yi, "projects")]  # untouched


def test_feedback_is_rewritten_only_when_its_findings_changed(small_workspace):
    ws = small_workspace
    bad = [{"credit_code": "91110000MA00000010", "name": "甲化工", "cluster": "A", "is_scale": "是",
            "revenue": D(1500), "revenue_ly": D(1400)}]  # wrong check digit: an error finding
    put(ws, "甲区.xlsx", "110101", sr="2000", roster=bad)
    put(ws, "乙县.xlsx", "110102", sr="10", roster=[dict(bad[0], name="乙化工")])
    run_consolidate(ws, P, now=NOW)
    jia, yi = ws.feedback_dir(P) / "甲区.xlsx", ws.feedback_dir(P) / "乙县.xlsx"
    old = dt.datetime(2025, 7, 1).timestamp()
    for p in (jia, yi):
        os.utime(p, (old, old))
    put(ws, "乙县-改.xlsx", "110102", sr="10", roster=[dict(bad[0], name="乙化工", credit_code=credit_code(3))],
        when=ON_TIME + dt.timedelta(hours=1))
    result = run_consolidate(ws, P, now=NOW)
    assert jia.stat().st_mtime == old and jia in result.outputs  # same findings: the file in place is kept
    assert yi.stat().st_mtime != old  # a new version, other findings: rewritten
    manifest = json.loads((ws.period_dir(P) / "manifest.json").read_text(encoding="utf-8"))
    assert any(o.endswith("甲区.xlsx") for o in manifest["outputs"])
    put(ws, "甲区-改.xlsx", "110101", sr="2000", roster=[dict(bad[0], revenue_ly=D(1))],
        when=ON_TIME + dt.timedelta(hours=2))
    run_consolidate(ws, P, now=NOW)
    assert jia.stat().st_mtime != old  # a new version with (other) findings: rewritten


def test_wrong_period_stops_with_the_inbox_periods_and_writes_nothing(small_workspace):
    ws = small_workspace
    put(ws, "甲区.xlsx", "110101", sr="1000")
    put(ws, "乙县.xlsx", "110102", sr="500")
    res = CliRunner().invoke(main, ["-w", str(ws.root), "consolidate", "--period", "2025-05"])
    assert res.exit_code == 2, res.output
    assert "收件箱中的2个文件都是2025-06的报表" in res.output and "Traceback" not in res.output
    assert not ws.period_dir(Period(2025, 5)).exists()
    assert not any(p.name.startswith(".staging") for p in ws.outbox.iterdir())
    with Ledger(ws) as ledger:
        assert len(ledger.submissions(period="2025-06")) == 2  # recorded for their own period all the same
        assert ledger.db.execute("SELECT COUNT(*) FROM briefs").fetchone()[0] == 0  # no issue number used
    assert run_consolidate(ws, P, now=NOW).issue_no == 6  # June's own 期号 (Settings.issue_for)
    # files of several periods and a refused one are named by kind
    (ws.inbox / "说明.txt").write_text("这不是报表", encoding="utf-8")
    put(ws, "甲区-4月.xlsx", "110101", sr="800", period=Period(2025, 4))
    with pytest.raises(ReportToolError) as exc:
        run_consolidate(ws, Period(2025, 3), now=NOW)
    assert str(exc.value) == ("没有 2025-03（2025年1-3月）可汇总的报表：台账中没有该报告期可读取的报表；收件箱中的4个文件为："
                              "2025-06的报表2个、2025-04的报表1个、无法读取（已退回）的文件1个。请检查 --period 是否正确。"
                              "未生成任何输出，也未占用简报期号。")


def test_unreadable_file_is_returned_to_the_district_named_in_its_file_name(small_workspace):
    ws = small_workspace
    put(ws, "甲区.xlsx", "110101", sr="1000")
    xls = ws.inbox / "乙县1-6月报表.xls"
    xls.write_bytes(bytes.fromhex("D0CF11E0A1B11AE1") + b"\0" * 1024)  # an Excel 97-2003 file
    os.utime(xls, (ON_TIME.timestamp(), ON_TIME.timestamp()))
    res = CliRunner().invoke(main, ["-w", str(ws.root), "consolidate", "--period", "2025-06"])
    assert res.exit_code == 1, res.output
    assert "退回：乙县1-6月报表.xls（乙县，按文件名判断）：文件是旧版 Excel 97-2003 格式（.xls）" in res.output
    assert "乙县      退回" in res.output and "未报：丙开发区" in res.output
    with Ledger(ws) as ledger:
        rec = ledger.by_sha(__import__("hashlib").sha256(xls.read_bytes()).hexdigest())
        assert (rec.district, rec.status) == ("110102", ST_RETURNED)
    feedback = ws.feedback_dir(P) / "乙县.xlsx"
    assert feedback.is_file()
    from openpyxl import load_workbook
    book = load_workbook(feedback)
    assert book.sheetnames == ["问题清单"]
    assert any("97-2003" in str(c.value) for row in book.active.iter_rows() for c in row)


def test_district_from_name_takes_the_longest_configured_name(small_catalogue):
    from reporttool.core.models import District
    from reporttool.pipeline.inbox import district_from_name

    cat = dataclasses.replace(small_catalogue, districts=small_catalogue.districts
                              + (District("KF02", "开发区", "开发区", 4),), _index={})
    assert district_from_name(cat, "丙开发区6月.xls") == "KF01"
    assert district_from_name(cat, "开发区报表.xlsx") == "KF02"
    assert district_from_name(cat, "报表.xls") == ""


def test_no_feedback_when_every_finding_is_explained(small_workspace):
    ws = small_workspace
    small = {"credit_code": credit_code(21), "name": "小规上", "cluster": "A", "is_scale": "是", "revenue": D(100)}
    put(ws, "甲区.xlsx", "110101", sr="1000", roster=[small])  # 规上 with 100 万元 in half a year: 核实
    result = run_consolidate(ws, P, now=NOW)
    feedback = ws.feedback_dir(P) / "甲区.xlsx"
    assert states(result)["甲区"] == "待核实" and feedback in result.outputs and feedback.is_file()
    put(ws, "甲区-说明.xlsx", "110101", sr="1000", roster=[dict(small, note="5月新投产，产能未完全释放")],
        when=ON_TIME + dt.timedelta(hours=1))
    result = run_consolidate(ws, P, now=NOW)
    mine = [f for f in result.figures.findings if f.district == "110101"]
    assert mine and all(f.explained for f in mine)  # the finding stands, explained
    assert states(result)["甲区"] == ST_PASSED
    assert feedback not in result.outputs and not feedback.exists()  # nothing to fix: no (old) workbook
    manifest = json.loads((ws.period_dir(P) / "manifest.json").read_text(encoding="utf-8"))
    assert not any("反馈" in o for o in manifest["outputs"])


def test_cli_consolidate_date_sets_the_brief_issue_date(small_workspace):
    from docx import Document

    ws = small_workspace
    put(ws, "甲区.xlsx", "110101", sr="1000")
    runner = CliRunner()
    res = runner.invoke(main, ["-w", str(ws.root), "consolidate", "--period", "2025-06", "--date", "2025-07-10"])
    assert res.exit_code == 0, res.output
    brief = next(p for p in ws.period_dir(P).iterdir() if p.suffix == ".docx")
    doc = Document(str(brief))
    texts = [p.text for p in doc.paragraphs] + [c.text for t in doc.tables for r in t.rows for c in r.cells]
    assert any(t.strip().endswith("2025年7月10日") for t in texts)
    res = runner.invoke(main, ["-w", str(ws.root), "consolidate", "--period", "2025-06", "--date", "7月10日"])
    assert res.exit_code == 2 and "2025-07-08" in res.output and "Traceback" not in res.output
