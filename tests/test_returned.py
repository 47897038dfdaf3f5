"""The bureau's 退回 on the web page takes the version out of the figures (the same withdrawal as
`reporttool withdraw`), `status` says 已退回（待重报） / 已撤回 rather than 未报, and the outputs built on a
month that changed are named as stale (the web page after a 退回, `consolidate` after a correction).

Web page: 甲区 and 乙县 upload June (cluster A 营业收入 100000 万元 = 10 亿元 each); July arrives through the
inbox (甲区 160000, 乙县 150000 万元: 当月 6 and 5 亿元). Returning 甲区's June leaves June to 乙县 (10 亿元)
and July's 当月 to 乙县 alone (5 亿元, one district).
"""
from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal as D

import openpyxl
import pytest
from click.testing import CliRunner
from helpers import FEB, JAN, MAR, credit_code, put, texts, xlsx_text
from serve_helpers import BUREAU, PERIOD, ZONE, A, B, csrf_of, form, make_codes, sign_in
from starlette.testclient import TestClient

from reporttool.cli import main
from reporttool.core.models import Period
from reporttool.ledger import Ledger
from reporttool.pipeline.consolidate import run_consolidate
from reporttool.render.workbook import consolidated_name
from reporttool.serve.app import create_app

JUL = Period(2025, 7)
Q1 = Period(2025, 3, quarterly=True)
REASON = "营业收入口径与统计局不符，请核对后重报"


@pytest.fixture
def site(small_workspace, small_catalogue, tmp_path):
    """(workspace, codes, app, forms folder)."""
    codes = make_codes(small_workspace, small_catalogue)
    files = tmp_path / "县区文件"
    files.mkdir()
    return small_workspace, codes, create_app(small_workspace, PERIOD), files


def client(app) -> TestClient:
    return TestClient(app, client=("10.0.0.1", 5000))


def upload(app, code: str, path) -> int:
    with client(app) as c:
        r = c.post("/api/submissions", headers={"Authorization": f"Bearer {code}"},
                   files={"file": (path.name, path.read_bytes(), "application/octet-stream")})
    assert r.status_code == 200, r.text
    return r.json()["submission"]["id"]


def decide(app, code: str, sid: int, decision: str, reason: str = "") -> str:
    """The bureau's 通过 / 退回 on the version's page; the page it lands on."""
    with client(app) as b:
        sign_in(b, code)
        token = csrf_of(b.get(f"/submissions/{sid}").text)
        r = b.post(f"/submissions/{sid}/review", data={"csrf": token, "decision": decision, "reason": reason})
    assert r.status_code == 200, r.text
    return r.text


def cli(ws, *args):
    return CliRunner().invoke(main, ["-w", str(ws.root), *args])


def book_path(run, cat):
    return next(p for p in run.outputs if p.name == consolidated_name(cat, PERIOD))


def fig(figs, district=""):
    pool = figs.districts if district else figs.clusters
    return next(f for f in pool if f.cluster == "A" and f.indicator == "SR" and f.district == district)


def june_and_july(ws, cat, codes, app, files) -> int:
    """June uploaded by 甲区 and 乙县 on the page, July through the inbox; both consolidated. 甲区's June id."""
    sid = upload(app, codes[A], form(cat, files / "甲区6月.xlsx", A))
    upload(app, codes[B], form(cat, files / "乙县6月.xlsx", B))
    run_consolidate(ws, PERIOD, now=dt.datetime(2025, 7, 10, 9, 0))
    put(ws, "甲区7月.xlsx", A, sr="160000", period=JUL, when=dt.datetime(2025, 8, 3, 10, 0))
    put(ws, "乙县7月.xlsx", B, sr="150000", period=JUL, when=dt.datetime(2025, 8, 3, 10, 0))
    july = run_consolidate(ws, JUL, now=dt.datetime(2025, 8, 10, 9, 0)).figures
    assert (fig(july, A).month_value, fig(july).month_value) == (D(6), D(11))
    return sid


def test_a_return_takes_the_version_out_until_the_district_sends_a_corrected_one(site, small_catalogue):
    ws, codes, app, files = site
    sid = june_and_july(ws, small_catalogue, codes, app, files)

    page = decide(app, codes[BUREAU], sid, "退回", REASON)
    assert f"已退回（{REASON}）：甲区2025年1-6月的第1版不再计入汇总" in page
    assert ("已生成的以下各期输出用到该期，现已过时，请按顺序重新汇总：reporttool consolidate --period 2025-06"
            "（2025-06 也可点本页上方“← 返回”，在报送情况页面用“汇总2025年1-6月”按钮）；"
            "reporttool consolidate --period 2025-07。") in page
    assert "← 返回" in page and "汇总2025年1-6月（生成汇总表" not in page  # the button is not on this page …
    with client(app) as b:
        assert "汇总2025年1-6月（生成汇总表" in sign_in(b, codes[BUREAU]).text  # … but on 报送情况
    with Ledger(ws) as ledger:  # the withdrawal mechanism, linked to the review
        [w] = ledger.withdrawals(period=PERIOD.key)
        review = ledger.reviews([sid])[sid]
        assert (w.district, w.submission_id, w.who, w.note, w.in_force, w.returned) == (A, sid, "市局", REASON, True, True)
        assert review.decision == "退回" and A not in ledger.current(PERIOD.key)

    with client(app) as b:  # the bureau's page and API: 已退回（待重报）, not 未报, and the stale outputs
        home = sign_in(b, codes[BUREAU])
        status = b.get("/api/status").json()
    row = next(s for s in status["states"] if s["district"] == A)
    assert (row["status"], row["withdrawal"]["reason"], row["withdrawal"]["returned"]) == ("已退回（待重报）", REASON, True)
    assert row["review"]["decision"] == "退回"
    assert [m["district"] for m in status["missing"]] == [ZONE]
    assert status["taken_out"] == [{"district": A, "name": "甲区", "status": "已退回（待重报）"}]
    assert status["submitted"] == 1
    assert "待重报：市局退回或撤回的县区（1）" in home.text and f"原因：{REASON}" in home.text
    assert ("2025年1-7月（所用报告期的在用版本已变化：2025-06 甲区的报表被市局退回）："
            "<code>reporttool consolidate --period 2025-07</code>") in home.text
    verify = cli(ws, "verify").output
    assert ("2025年1-7月的输出已过时：所用报告期 2025-06 的在用版本已变化（2025-06 甲区的报表被市局退回），"
            "请重新运行 reporttool consolidate --period 2025-07。") in verify

    res = cli(ws, "status", "--period", "2025-06")  # the command line says the same
    assert res.exit_code == 0, res.output
    assert [line.split()[:2] for line in res.output.splitlines() if line.startswith("甲区")] == [["甲区", "已退回（待重报）"]]
    assert (f"已退回（待重报）：甲区（{w.withdrawn_at:%Y-%m-%d %H:%M} 市局退回，原因：{REASON}），"
            "数据不计入汇总，待改正后重新报送。") in res.output.splitlines()
    assert res.output.rstrip().endswith("，未报 1 个，已退回（待重报） 1 个。")

    with client(app) as c:  # the district sees why, and that the version no longer counts
        mine = sign_in(c, codes[A]).text
    assert f"市局已退回本期报表（第1版）：{REASON}。该版本已不计入汇总" in mine
    assert "第1版（已退回，不计入汇总）" in mine

    run = run_consolidate(ws, PERIOD, now=dt.datetime(2025, 8, 11, 9, 0))
    june = run.figures
    assert (fig(june).value, fig(june, A).value) == (D(10), None)  # 乙县 alone
    book = openpyxl.load_workbook(book_path(run, small_catalogue))
    sheet = [[c for c in row if c is not None] for row in book["报送情况"].iter_rows(values_only=True)]
    assert next(row for row in sheet if "甲区" in row)[:3] == [1, "甲区", "已退回（待重报）"]
    assert any(f"甲区（已退回（待重报）：{REASON}）：市局已将其报表退回或撤回，数据不计入汇总，计为未报。" in str(c)
               for row in sheet for c in row)
    assert "本期丙开发区未报送，甲区报送的文件被退回，合计数不含其数据。" in xlsx_text(book_path(run, small_catalogue))  # the 总表 note
    brief = "\n".join(texts(next(p for p in run.outputs if p.suffix == ".docx")))
    assert "甲区报送的文件被退回，须重新报送" in brief and "甲区未报送" not in brief  # sent, and sent back
    july = run_consolidate(ws, JUL, now=dt.datetime(2025, 8, 11, 10, 0)).figures
    assert fig(july, A).month_value is None  # no June in use to subtract
    assert (fig(july).month_value, fig(july).month_districts) == (D(5), 1)

    again = upload(app, codes[A], form(small_catalogue, files / "甲区6月改.xlsx", A, revenue=D(6000)))
    with Ledger(ws) as ledger:  # the corrected file is in use: the return is over
        assert [x.in_force for x in ledger.withdrawals(period=PERIOD.key)] == [False]
        assert ledger.current(PERIOD.key)[A].id == again
    status = json.loads(cli(ws, "status", "--period", "2025-06", "--json").output)
    assert next(d for d in status["districts"] if d["district"] == A)["withdrawal"] is None
    assert fig(run_consolidate(ws, PERIOD, now=dt.datetime(2025, 8, 12, 9, 0)).figures).value == D(20)


def test_passing_a_returned_version_puts_it_back(site, small_catalogue):
    ws, codes, app, files = site
    sid = june_and_july(ws, small_catalogue, codes, app, files)
    decide(app, codes[BUREAU], sid, "退回", REASON)
    page = decide(app, codes[BUREAU], sid, "通过")
    assert "已通过：撤销退回，甲区2025年1-6月的第1版重新计入汇总。" in page
    with Ledger(ws) as ledger:
        assert ledger.current(PERIOD.key)[A].id == sid
        assert [w.in_force for w in ledger.withdrawals(period=PERIOD.key)] == [False]
        [back] = ledger.restores(period=PERIOD.key)
        assert (back.submission_id, back.note) == (sid, "市局审核通过，撤销退回")
    assert fig(run_consolidate(ws, PERIOD, now=dt.datetime(2025, 8, 11, 9, 0)).figures).value == D(20)


def test_returning_a_version_not_in_use_is_a_note_only(site, small_catalogue):
    ws, codes, app, files = site
    first = upload(app, codes[A], form(small_catalogue, files / "甲区6月.xlsx", A))
    second = upload(app, codes[A], form(small_catalogue, files / "甲区6月改.xlsx", A, revenue=D(6000)))
    page = decide(app, codes[BUREAU], first, "退回", REASON)
    assert "（这不是正在使用的版本，退回只记为意见，不影响汇总）" in page
    with Ledger(ws) as ledger:
        assert ledger.withdrawals(period=PERIOD.key) == []
        assert ledger.current(PERIOD.key)[A].id == second


def test_a_return_while_a_consolidate_runs_waits_then_says_it_was_not_recorded(site, small_catalogue, monkeypatch):
    from reporttool.ledger.lock import workspace_lock
    from reporttool.serve import intake

    ws, codes, app, files = site
    sid = upload(app, codes[A], form(small_catalogue, files / "甲区6月.xlsx", A))
    monkeypatch.setattr(intake, "LOCK_WAIT", 0.5)
    with workspace_lock(ws):  # a consolidate from the command line holds the workspace
        page = decide(app, codes[BUREAU], sid, "退回", REASON)
    assert "审核未记录：另一个 reporttool 正在处理工作目录" in page
    with Ledger(ws) as ledger:
        assert (ledger.reviews([sid]), ledger.withdrawals(), ledger.current(PERIOD.key)[A].id) == ({}, [], sid)
    assert "已退回（" in decide(app, codes[BUREAU], sid, "退回", REASON)  # once free, it is taken


def test_history_withdraw_and_restore_know_a_return_on_the_web_page(site, small_catalogue):
    ws, codes, app, files = site
    sid = upload(app, codes[A], form(small_catalogue, files / "甲区6月.xlsx", A))
    decide(app, codes[BUREAU], sid, "退回", REASON)
    with Ledger(ws) as ledger:
        [w] = ledger.withdrawals()
        rec = ledger.submission(sid)  # stored under a generated name (inbox/甲区_网上报送_…)
    shown = cli(ws, "history", "--district", A).output.splitlines()
    assert [line for line in shown if line.startswith(("撤回：", "退回："))] == [
        f"退回：{w.withdrawn_at:%Y-%m-%d %H:%M} 甲区 2025-06 市局在报送网页上退回，不再有在用版本（原在用 {rec.sha256[:12]} "
        f"{rec.file_name}），"
        f"操作人：市局，原因：{REASON}"]
    again = cli(ws, "withdraw", "--period", "2025-06", "--district", A)
    assert again.exit_code == 2 and ("甲区2025年1-6月已被市局在报送网页上退回（不计入汇总）；如要恢复，请运行 reporttool restore "
                                     "--period 2025-06 --district 110101。") in again.output
    back = cli(ws, "restore", "--period", "2025-06", "--district", A)  # undoes the 退回 as it undoes a withdrawal
    assert back.exit_code == 0 and "已恢复：甲区2025年1-6月的在用版本现为第1份" in back.output
    assert next(d for d in json.loads(cli(ws, "status", "--period", "2025-06", "--json").output)["districts"]
                if d["district"] == A)["status"] == "通过"


def three_months(ws):
    for p, a, b in ((JAN, "100000", "50000"), (FEB, "250000", "120000"), (MAR, "420000", "200000")):
        when = dt.datetime(2025, p.month + 1, 3, 10, 0)
        put(ws, f"甲区{p.month}月.xlsx", A, sr=a, period=p, when=when)
        put(ws, f"乙县{p.month}月.xlsx", B, sr=b, period=p, when=when)
    for p in (JAN, FEB, MAR, Q1):
        run_consolidate(ws, p, now=dt.datetime(2025, 4, 10, 9, 0))


def test_status_says_withdrawn_with_when_who_and_why(small_workspace):
    ws = small_workspace
    three_months(ws)
    assert cli(ws, "withdraw", "--period", "2025-02", "--district", "甲区", "--who", "张三", "--note", "数据有误").exit_code == 0
    with Ledger(ws) as ledger:
        [w] = ledger.withdrawals(period=FEB.key)
    res = cli(ws, "status", "--period", "2025-02")
    assert res.exit_code == 0, res.output
    assert [line.split()[:2] for line in res.output.splitlines() if line.startswith("甲区")] == [["甲区", "已撤回"]]
    assert (f"已撤回：甲区（{w.withdrawn_at:%Y-%m-%d %H:%M} 撤回，操作人：张三，原因：数据有误），数据不计入汇总；"
            "恢复：reporttool restore --period 2025-02 --district 110101") in res.output.splitlines()
    assert res.output.rstrip().endswith("（按时 1，逾期 0），未报 1 个，已撤回 1 个。")  # 丙开发区 未报
    got = json.loads(cli(ws, "status", "--period", "2025-02", "--json").output)
    row = next(d for d in got["districts"] if d["district"] == A)
    assert (row["status"], row["withdrawal"]["who"], row["withdrawal"]["note"], row["withdrawal"]["returned"]) == (
        "已撤回", "张三", "数据有误", False)
    assert next(d for d in got["districts"] if d["district"] == ZONE)["status"] == "未报"
    quarter = json.loads(cli(ws, "status", "--period", "2025-Q1", "--json").output)  # March is in use: not withdrawn
    assert next(d for d in quarter["districts"] if d["district"] == A)["withdrawal"] is None


def test_consolidate_names_the_later_periods_a_correction_made_stale(small_workspace):
    ws = small_workspace
    three_months(ws)
    put(ws, "甲区2月更正.xlsx", A, sr="260000", period=FEB, when=dt.datetime(2025, 4, 12, 10, 0))
    res = cli(ws, "consolidate", "--period", "2025-03")
    lines = res.output.splitlines()
    start = lines.index("2025-02 的在用版本已变化（2025-02 甲区更正了报表）；已汇总的以下各期用到它，输出已过时，请按顺序重新运行：")
    assert lines[start + 1:start + 3] == ["  reporttool consolidate --period 2025-02",
                                          "  reporttool consolidate --period 2025-Q1"]
    assert lines[start + 3].startswith("简报期号：")  # March itself was just built on the correction
    again = cli(ws, "consolidate", "--period", "2025-03")  # nothing new: nothing said
    assert "的在用版本已变化" not in again.output
    older = dt.datetime(2025, 1, 20, 10, 0)  # an older copy never replaces the version in use: nothing stale
    put(ws, "甲区1月旧.xlsx", A, sr="90000", period=JAN, when=older)
    assert "的在用版本已变化" not in cli(ws, "consolidate", "--period", "2025-03").output


Q2 = Period(2025, 6, quarterly=True)


def test_consolidate_names_the_later_periods_a_return_made_stale(small_workspace):
    """A 退回 (through the library function the web page calls) counts as a change of June, as a correction
    does: consolidating June again names the quarter and July built with the returned version, and why."""
    from reporttool.ledger.restore import review_version

    ws = small_workspace
    put(ws, "甲区6月.xlsx", A, sr="100000")
    put(ws, "乙县6月.xlsx", B, sr="80000")
    put(ws, "甲区7月.xlsx", A, sr="160000", period=JUL, when=dt.datetime(2025, 8, 3, 10, 0))
    for p in (PERIOD, Q2, JUL):
        run_consolidate(ws, p, now=dt.datetime(2025, 8, 10, 9, 0))
    with Ledger(ws) as ledger:
        sid = ledger.current(PERIOD.key)[A].id
    assert review_version(ws, sid, "退回", REASON, "市局").withdrawn is not None
    lines = cli(ws, "consolidate", "--period", "2025-06").output.splitlines()
    start = lines.index("2025-06 的在用版本已变化（2025-06 甲区的报表被市局退回）；已汇总的以下各期用到它，"
                        "输出已过时，请按顺序重新运行：")
    assert lines[start + 1:start + 4] == ["  reporttool consolidate --period 2025-Q2",
                                          "  reporttool consolidate --period 2025-07", lines[start + 3]]
    assert lines[start + 3].startswith("简报期号：")  # June itself was just built without 甲区
    assert "2025-Q2" not in cli(ws, "consolidate", "--period", "2025-Q2").output.split("简报期号")[0]
    again = cli(ws, "consolidate", "--period", "2025-06").output  # the quarter is up to date; July is not
    assert "已变化（2025-06 甲区的报表被市局退回）" in again and "--period 2025-Q2\n" not in again
    assert "  reporttool consolidate --period 2025-07" in again.splitlines()


def test_consolidate_names_the_periods_a_withdrawal_made_stale(small_workspace):
    """The same for `reporttool withdraw` of an earlier month: consolidating March names 2025-Q1 and the cause."""
    ws = small_workspace
    three_months(ws)
    assert cli(ws, "withdraw", "--period", "2025-02", "--district", "乙县", "--who", "张三").exit_code == 0
    lines = cli(ws, "consolidate", "--period", "2025-03").output.splitlines()
    start = lines.index("2025-02 的在用版本已变化（2025-02 乙县的报表被撤回）；已汇总的以下各期用到它，"
                        "输出已过时，请按顺序重新运行：")
    assert lines[start + 1:start + 3] == ["  reporttool consolidate --period 2025-02",
                                          "  reporttool consolidate --period 2025-Q1"]



def test_consolidate_names_the_periods_a_web_upload_made_stale(small_workspace):
    """A corrected June uploaded on the web page enters the ledger at upload time (pipeline.consolidate.ingest_files,
    what serve's intake calls), so the next consolidate finds nothing new in the inbox; it still names 2025-Q2,
    built on 甲区's first June, with the district and the cause, as for a correction through the inbox, until
    the quarter is consolidated again. The manifest of June before the run is what it compares with."""
    from reporttool.pipeline.consolidate import ingest_files

    ws = small_workspace
    put(ws, "甲区6月.xlsx", A, sr="100000")
    put(ws, "乙县6月.xlsx", B, sr="80000")
    for p in (PERIOD, Q2):
        run_consolidate(ws, p, now=dt.datetime(2025, 7, 10, 9, 0))
    upload_path = put(ws, "110101_网上报送_20250712-100000_ab12.xlsx", A, sr="120000", when=dt.datetime(2025, 7, 12, 10, 0))
    [got] = ingest_files(ws, PERIOD, [upload_path], now=dt.datetime(2025, 7, 12, 10, 0))
    assert got.new
    with Ledger(ws) as ledger:
        assert ledger.current(PERIOD.key)[A].sha256 == got.sha256  # in use from the upload on
    res = cli(ws, "consolidate", "--period", "2025-06")
    assert "新入账 0 个" in res.output  # the inbox holds nothing new: the upload is already in the ledger
    lines = res.output.splitlines()
    start = lines.index("2025-06 的在用版本已变化（2025-06 甲区更正了报表）；已汇总的以下各期用到它，"
                        "输出已过时，请按顺序重新运行：")
    assert lines[start + 1:start + 3] == ["  reporttool consolidate --period 2025-Q2", lines[start + 2]]
    assert lines[start + 2].startswith("简报期号：")  # June itself was just built on the correction
    assert "的在用版本已变化" not in cli(ws, "consolidate", "--period", "2025-06").output  # nothing since: nothing said
    assert "的在用版本已变化" not in cli(ws, "consolidate", "--period", "2025-Q2").output
    # a second upload, of 乙县's June: the quarter's run (nothing new in the inbox either) names June's outputs
    again = put(ws, "110102_网上报送_20250713-100000_cd34.xlsx", B, sr="90000", when=dt.datetime(2025, 7, 13, 10, 0))
    assert ingest_files(ws, PERIOD, [again], now=dt.datetime(2025, 7, 13, 10, 0))[0].new
    lines = cli(ws, "consolidate", "--period", "2025-Q2").output.splitlines()
    start = lines.index("2025-06 的在用版本已变化（2025-06 乙县更正了报表）；已汇总的以下各期用到它，"
                        "输出已过时，请按顺序重新运行：")
    assert lines[start + 1] == "  reporttool consolidate --period 2025-06"


def test_the_returned_district_keeps_its_feedback_workbook(site, small_catalogue):
    ws, codes, app, files = site
    sid = upload(app, codes[A], form(small_catalogue, files / "甲区6月.xlsx", A, bad=True))
    upload(app, codes[B], form(small_catalogue, files / "乙县6月.xlsx", B))
    feedback = ws.feedback_dir(PERIOD) / "甲区.xlsx"
    run_consolidate(ws, PERIOD, now=dt.datetime(2025, 7, 10, 9, 0))
    before = xlsx_text(feedback)
    decide(app, codes[BUREAU], sid, "退回", REASON)
    run = run_consolidate(ws, PERIOD, now=dt.datetime(2025, 7, 11, 9, 0))
    assert fig(run.figures, A).value is None  # out of the figures …
    with Ledger(ws) as ledger:
        rec, [w] = ledger.submission(sid), ledger.withdrawals()
    said = (f"市局已退回本期报表（第1版，{rec.file_name}）：{w.withdrawn_at:%Y-%m-%d %H:%M} 市局退回，说明：{REASON}。"
            "该版本不计入汇总，请按说明和下列问题改正后重新报送。")
    head, tail = before.split("\n文件：", 1)  # … but its findings still go back to it, under the bureau's 说明
    assert feedback in run.outputs and xlsx_text(feedback) == f"{head}\n{said}\n文件：{tail}"


def test_restore_cancels_a_return_everywhere_and_names_what_verify_names(site, small_catalogue):
    ws, codes, app, files = site
    sid = june_and_july(ws, small_catalogue, codes, app, files)
    decide(app, codes[BUREAU], sid, "退回", REASON)
    run_consolidate(ws, PERIOD, now=dt.datetime(2025, 8, 11, 9, 0))  # June without 甲区; July still built with it
    back = cli(ws, "restore", "--period", "2025-06", "--district", A)
    assert back.exit_code == 0, back.output
    assert "市局在报送网页上对该版本的退回已撤销（记为“通过”），县区页面不再显示退回。" in back.output
    assert back.output.rstrip().endswith("（本期，及用到本期、输出已过时的已汇总各期）：\n  reporttool consolidate --period 2025-06")
    verify = cli(ws, "verify").output
    assert [line for line in verify.splitlines() if "已过时" in line] == [
        "[输出] 2025年1-6月的输出已过时：所用报告期 2025-06 的在用版本已变化（2025-06 甲区恢复了先前的版本），"
        "请重新运行 reporttool consolidate --period 2025-06。"]
    with client(app) as c:
        mine = sign_in(c, codes[A]).text
    assert "市局已退回本期报表" not in mine and "请修改后重新上传" not in mine
    with client(app) as b:
        sign_in(b, codes[BUREAU])
        row = next(s for s in b.get("/api/status").json()["states"] if s["district"] == A)
    assert (row["status"], row["review"]["decision"]) == ("通过", "通过")
    with Ledger(ws) as ledger:
        review = ledger.reviews([sid])[sid]
    assert (review.decision, review.reason) == ("通过", "撤销退回（reporttool restore）")


@pytest.mark.parametrize("how", ["version", "sha"])
def test_restoring_another_version_settles_the_return(site, small_catalogue, how):
    """退回 of the second version, then `restore` of the first (by 第1份 or by its hash): the month is in use
    again, so the 退回 is settled — the district is no longer 待重报, the restore says so, history says how the
    退回 ended, both pages show 通过 of the first version; the second keeps its 退回."""
    ws, codes, app, files = site
    first = upload(app, codes[A], form(small_catalogue, files / "甲区6月.xlsx", A))
    second = upload(app, codes[A], form(small_catalogue, files / "甲区6月改.xlsx", A, revenue=D(6000)))
    decide(app, codes[BUREAU], second, "退回", REASON)
    with Ledger(ws) as ledger:
        one = ledger.submission(first)
    pick = ["--version", "1"] if how == "version" else ["--sha", one.sha256[:8]]
    back = cli(ws, "restore", "--period", "2025-06", "--district", A, *pick)
    assert back.exit_code == 0, back.output
    assert ("市局在报送网页上对第2份的退回已了结：甲区2025年1-6月恢复使用第1份，不再“待重报”（第2份仍记为退回）；"
            "已对第1份记下“通过”，县区页面可见。") in back.output
    assert "退回已撤销" not in back.output
    settled = "恢复第1份为在用版本，第2份的退回已了结，无需重报（reporttool restore）"
    with Ledger(ws) as ledger:
        got = ledger.reviews([first, second])
        [w] = ledger.withdrawals(period=PERIOD.key)
        [x] = ledger.restores(period=PERIOD.key)
        assert ledger.current(PERIOD.key)[A].id == first
    assert ((got[first].decision, got[first].reason), got[second].decision) == (("通过", settled), "退回")
    assert (w.in_force, w.restored_by) == (False, x.id)
    row = next(d for d in json.loads(cli(ws, "status", "--period", "2025-06", "--json").output)["districts"]
               if d["district"] == A)
    assert (row["status"], row["withdrawal"]) == ("通过", None)
    shown = cli(ws, "history", "--district", A).output.splitlines()
    assert next(line for line in shown if line.startswith("退回：")).endswith(
        f"，已了结（{x.restored_at:%Y-%m-%d %H:%M} 恢复 {one.sha256[:12]} {one.file_name} 为在用版本，无需重报）")
    assert next(line for line in shown if line.startswith("恢复：")).endswith(
        f"，了结{w.withdrawn_at:%Y-%m-%d %H:%M} 的退回")
    with client(app) as c:
        mine = sign_in(c, codes[A]).text
    assert f"市局已审核通过本期报表（第1版）。意见：{settled}" in mine
    assert "请修改后重新上传" not in mine and "待重报" not in mine
    with client(app) as b:
        sign_in(b, codes[BUREAU])
        state = next(s for s in b.get("/api/status").json()["states"] if s["district"] == A)
    assert (state["status"], state["review"]["decision"], state["review"]["reason"]) == ("通过", "通过", settled)


def test_restoring_a_returned_version_after_a_resend_cancels_its_return(site, small_catalogue):
    """退回 of the only version; the district resends (that ends the 退回); the bureau then restores the first
    after all: its 退回 is cancelled (通过), and history says the 退回 ended with the resend."""
    ws, codes, app, files = site
    first = upload(app, codes[A], form(small_catalogue, files / "甲区6月.xlsx", A))
    decide(app, codes[BUREAU], first, "退回", REASON)
    upload(app, codes[A], form(small_catalogue, files / "甲区6月改.xlsx", A, revenue=D(6000)))
    back = cli(ws, "restore", "--period", "2025-06", "--district", A, "--version", "1")
    assert back.exit_code == 0, back.output
    assert "市局在报送网页上对该版本的退回已撤销（记为“通过”），县区页面不再显示退回。" in back.output
    with Ledger(ws) as ledger:
        review = ledger.reviews([first])[first]
        [w] = ledger.withdrawals(period=PERIOD.key)
    assert (review.decision, review.reason, w.restored_by) == ("通过", "撤销退回（reporttool restore）", None)
    shown = cli(ws, "history", "--district", A).output.splitlines()
    assert next(line for line in shown if line.startswith("退回：")).endswith("，已重报（其后收到的报表在用）")
    with client(app) as c:
        assert "市局已退回本期报表" not in sign_in(c, codes[A]).text


def test_a_returned_version_keeps_its_cross_and_history_findings_and_the_reason(site, tmp_path):
    """甲区's June fell below its May (R-YTD-FALL: 100000 < 120000 万元), lists 乙县's enterprise, received earlier
    (R-DUP-ACROSS), and names another enterprise than May's (R-ROSTER-NEW/-GONE): findings of the cross and
    history rules, never stored. Returned, its June is out of the run's findings, yet its feedback workbook
    lists exactly what it listed while in use, under the bureau's 退回 (who, when, 说明); so does the version's
    page and its feedback download on the web page."""
    from reporttool.ledger.restore import review_version
    from reporttool.render.feedback import LIST_SHEET

    ws, codes, app, _files = site
    mine = {"credit_code": credit_code(101), "name": "五月企业", "cluster": "A", "is_scale": "否", "revenue": D(1)}
    theirs = {"credit_code": credit_code(202), "name": "乙县企业", "cluster": "A", "is_scale": "否", "revenue": D(1)}
    may = Period(2025, 5)
    put(ws, "甲区5月.xlsx", A, sr="120000", period=may, when=dt.datetime(2025, 6, 3, 10, 0), roster=[mine])
    put(ws, "乙县5月.xlsx", B, sr="50000", period=may, when=dt.datetime(2025, 6, 3, 10, 0), roster=[theirs])
    run_consolidate(ws, may, now=dt.datetime(2025, 6, 10, 9, 0))
    put(ws, "乙县6月.xlsx", B, sr="80000", when=dt.datetime(2025, 7, 2, 10, 0), roster=[theirs])
    put(ws, "甲区6月.xlsx", A, sr="100000", when=dt.datetime(2025, 7, 3, 10, 0), roster=[dict(theirs, name="甲区企业")])
    run = run_consolidate(ws, PERIOD, now=dt.datetime(2025, 7, 10, 9, 0))
    expected = ["R-DUP-ACROSS", "R-YTD-FALL", "R-ROSTER-NEW", "R-ROSTER-GONE"]
    assert sorted(f.rule for f in run.figures.findings if f.district == A) == sorted(expected)
    feedback = ws.feedback_dir(PERIOD) / "甲区.xlsx"

    def listed(path):
        book = openpyxl.load_workbook(path)[LIST_SHEET]
        return book["A2"].value, [row[8] for row in book.iter_rows(min_row=4, values_only=True) if row[8]]

    summary, rules = listed(feedback)
    assert sorted(rules) == sorted(expected)
    with Ledger(ws) as ledger:
        rec = ledger.current(PERIOD.key)[A]
        assert sorted(f.rule for f in ledger.findings(rec.id)) == []  # none of them is stored with the version
    at = dt.datetime(2025, 7, 11, 9, 30)
    assert review_version(ws, rec.id, "退回", REASON, "张科长", now=at).withdrawn is not None
    run = run_consolidate(ws, PERIOD, now=dt.datetime(2025, 7, 11, 10, 0))
    assert not [f for f in run.figures.findings if f.district == A]  # out of the run …
    again, rules_again = listed(feedback)  # … but not out of its feedback
    assert rules_again == rules
    assert again == ("市局已退回本期报表（第1版，甲区6月.xlsx）：2025-07-11 09:30 张科长退回，"
                     f"说明：{REASON}。该版本不计入汇总，请按说明和下列问题改正后重新报送。\n{summary}")
    kept = feedback.stat().st_mtime_ns  # the same inputs next time: the workbook is kept, not written again
    run_consolidate(ws, PERIOD, now=dt.datetime(2025, 7, 11, 11, 0))
    assert feedback.stat().st_mtime_ns == kept

    with client(app) as c:  # the district's own download of that version says the same
        c.headers["Authorization"] = f"Bearer {codes[A]}"
        shown = c.get(f"/api/submissions/{rec.id}").json()
        got = c.get(f"/api/submissions/{rec.id}/feedback")
    assert got.status_code == 200 and sorted(f["rule"] for f in shown["findings"]) == sorted(expected)
    (tmp_path / "web.xlsx").write_bytes(got.content)
    assert listed(tmp_path / "web.xlsx") == (again, rules)
