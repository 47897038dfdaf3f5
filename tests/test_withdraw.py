"""`reporttool withdraw` and `restore` across months (issue #13: deleting a month and re-running
recomputes every later month's 当月 consistently), and the stale outputs `verify` names.

甲区 reports cluster A 营业收入 100000 / 250000 / 420000 万元 (10 / 25 / 42 亿元) for January / February /
March 2025, 乙县 50000 / 120000 / 200000 万元 (5 / 12 / 20 亿元). Withdrawing 甲区's February leaves
February to 乙县 alone and leaves 甲区 without a March 当月 (no February in use to subtract).
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

from click.testing import CliRunner
from helpers import FEB, JAN, MAR, put

from reporttool.cli import main
from reporttool.core.models import Period
from reporttool.ledger import Ledger
from reporttool.pipeline.consolidate import run_consolidate

A, B = "110101", "110102"  # 甲区, 乙县
Q1 = Period(2025, 3, quarterly=True)


def fig(figs, district=""):
    pool = figs.districts if district else figs.clusters
    return next(f for f in pool if f.cluster == "A" and f.indicator == "SR" and f.district == district)


def cli(ws, *args):
    return CliRunner().invoke(main, ["-w", str(ws.root), *args])


def consolidate(ws, period, day=10):
    return run_consolidate(ws, period, now=dt.datetime(2025, 4, day, 9, 0)).figures


def three_months(ws):
    for p, a, b in ((JAN, "100000", "50000"), (FEB, "250000", "120000"), (MAR, "420000", "200000")):
        when = dt.datetime(2025, p.month + 1, 3, 10, 0)
        put(ws, f"甲区{p.month}月.xlsx", A, sr=a, period=p, when=when)
        put(ws, f"乙县{p.month}月.xlsx", B, sr=b, period=p, when=when)
    for p in (JAN, FEB, MAR):
        consolidate(ws, p)


def test_withdrawing_a_month_recomputes_the_later_months_and_restore_brings_it_back(small_workspace):
    ws = small_workspace
    three_months(ws)
    march = consolidate(ws, MAR)
    assert fig(march, A).month_value == D(17)  # 42 − 25
    assert fig(march).month_value == D(25)  # 17 + (20 − 12)

    res = cli(ws, "withdraw", "--period", "2025-02", "--district", "甲区", "--who", "张三", "--note", "数据有误")
    assert res.exit_code == 0, res.output
    assert "已撤回：甲区2025年1-2月不再有在用版本（原在用第1份 甲区2月.xlsx" in res.output
    # every period already consolidated that read February, February first
    assert res.output.splitlines()[-2:] == ["  reporttool consolidate --period 2025-02",
                                            "  reporttool consolidate --period 2025-03"]
    with Ledger(ws) as ledger:
        [w] = ledger.withdrawals(period=FEB.key)
        assert (w.district, w.who, w.note, w.in_force) == (A, "张三", "数据有误", True)
        assert A not in ledger.current(FEB.key) and B in ledger.current(FEB.key)
        sha = ledger.submission(w.submission_id).sha256[:12]
    shown = cli(ws, "history", "--district", A, "--period", "2025-02").output.splitlines()
    assert [line for line in shown if line.startswith("撤回：")] == [
        f"撤回：{w.withdrawn_at:%Y-%m-%d %H:%M} 甲区 2025-02 不再有在用版本（原在用 {sha} 甲区2月.xlsx），"
        "操作人：张三，原因：数据有误"]

    february = consolidate(ws, FEB, day=11)
    assert fig(february).value == D(12)  # 乙县 alone
    assert fig(february, A).value is None
    assert fig(february).month_value == D(7)  # 12 − 5, 乙县 only
    march = consolidate(ws, MAR, day=11)
    assert fig(march).value == D(62)  # March itself is still in use for both
    assert fig(march, A).month_value is None  # “—”: no February in use to subtract
    assert fig(march, B).month_value == D(8)
    assert fig(march).month_value == D(8)  # 甲区 excluded from 当月, consistently
    assert fig(march).month_districts == 1

    res = cli(ws, "restore", "--period", "2025-02", "--district", A)  # undo: the version withdrawn
    assert res.exit_code == 0, res.output
    assert "已恢复：甲区2025年1-2月的在用版本现为第1份 甲区2月.xlsx" in res.output
    with Ledger(ws) as ledger:
        assert [w.in_force for w in ledger.withdrawals(period=FEB.key)] == [False]
        assert ledger.current(FEB.key)[A].file_name == "甲区2月.xlsx"
    assert fig(consolidate(ws, FEB, day=12)).value == D(37)
    march = consolidate(ws, MAR, day=12)
    assert fig(march, A).month_value == D(17)
    assert fig(march).month_value == D(25)


def test_verify_names_the_outputs_built_on_a_version_no_longer_in_use(small_workspace):
    ws = small_workspace
    three_months(ws)
    consolidate(ws, Q1)
    assert cli(ws, "verify").exit_code == 0
    assert cli(ws, "withdraw", "--period", "2025-02", "--district", A).exit_code == 0
    res = cli(ws, "verify")
    assert res.exit_code == 1
    stale = [line for line in res.output.splitlines() if "已过时" in line]
    assert stale == [
        "[输出] 2025年1-2月的输出已过时：所用报告期 2025-02 的在用版本已变化（2025-02 甲区的报表被撤回），"
        "请重新运行 reporttool consolidate --period 2025-02。",
        "[输出] 2025年1-3月的输出已过时：所用报告期 2025-02 的在用版本已变化（2025-02 甲区的报表被撤回），"
        "请重新运行 reporttool consolidate --period 2025-03。",
        "[输出] 2025年一季度的输出已过时：所用报告期 2025-02 的在用版本已变化（2025-02 甲区的报表被撤回），"
        "请重新运行 reporttool consolidate --period 2025-Q1。",
    ]
    for p in (FEB, MAR):
        consolidate(ws, p, day=11)
    quarter = run_consolidate(ws, Q1, now=dt.datetime(2025, 4, 11, 9, 0)).figures
    assert {s.district: s.missing_months for s in quarter.submissions} == {A: (2,), B: (), "KF01": (1, 2, 3)}
    assert cli(ws, "verify").exit_code == 0


def test_withdrawing_twice_or_a_month_never_received_says_so(small_workspace):
    ws = small_workspace
    three_months(ws)
    assert cli(ws, "withdraw", "--period", "2025-02", "--district", A).exit_code == 0
    again = cli(ws, "withdraw", "--period", "2025-02", "--district", A)
    assert again.exit_code != 0
    assert "甲区2025年1-2月已经撤回；如要恢复，请运行 reporttool restore --period 2025-02 --district 110101。" in again.output
    none = cli(ws, "withdraw", "--period", "2025-05", "--district", A)
    assert none.exit_code != 0 and "台账中没有甲区2025年1-5月的报表，无可撤回。" in none.output
    plain = cli(ws, "restore", "--period", "2025-03", "--district", A)
    assert plain.exit_code != 0 and "甲区2025年1-3月没有撤回，请用 --version" in plain.output


def test_a_new_file_after_a_withdrawal_is_in_use(small_workspace):
    ws = small_workspace
    three_months(ws)
    assert cli(ws, "withdraw", "--period", "2025-02", "--district", A).exit_code == 0
    put(ws, "甲区2月重报.xlsx", A, sr="260000", period=FEB, when=dt.datetime(2025, 4, 5, 10, 0))
    assert fig(consolidate(ws, FEB, day=11), A).value == D(26)
    with Ledger(ws) as ledger:
        assert [w.in_force for w in ledger.withdrawals(period=FEB.key)] == [False]


def test_status_counts_only_the_findings_of_versions_in_use(small_workspace):
    """A May correction that came in with June's files carries an F-OTHER-PERIOD note for June; once the
    first May is restored (or May withdrawn) the correction no longer speaks for June."""
    import json

    ws = small_workspace
    may, june = Period(2025, 5), Period(2025, 6)
    put(ws, "甲区5月.xlsx", A, sr="100000", period=may, when=dt.datetime(2025, 6, 3, 10, 0))
    run_consolidate(ws, may, now=dt.datetime(2025, 6, 10, 9, 0))
    put(ws, "甲区5月更正.xlsx", A, sr="110000", period=may, when=dt.datetime(2025, 7, 2, 10, 0))
    put(ws, "甲区6月.xlsx", A, sr="150000", period=june, when=dt.datetime(2025, 7, 3, 10, 0))
    run_consolidate(ws, june, now=dt.datetime(2025, 7, 10, 9, 0))

    def june_info():
        res = cli(ws, "status", "--period", "2025-06", "--json")
        assert res.exit_code == 0, res.output
        return next(d["info"] for d in json.loads(res.output)["districts"] if d["district"] == A)

    assert june_info() == 1  # the correction's F-OTHER-PERIOD note
    assert cli(ws, "restore", "--period", "2025-05", "--district", A, "--version", "1").exit_code == 0
    assert june_info() == 0
    assert cli(ws, "restore", "--period", "2025-05", "--district", A, "--version", "2").exit_code == 0
    assert june_info() == 1
    assert cli(ws, "withdraw", "--period", "2025-05", "--district", A).exit_code == 0
    assert june_info() == 0


def test_a_month_consolidated_again_after_a_restore_gets_its_own_number(small_workspace):
    """The reviewer's case: June and 2025-Q2 consolidated, then May restored and consolidated as advised:
    May's brief is 第5期 (its place in the year), not the next after June's and Q2's; stable on re-runs."""
    ws = small_workspace
    may, june, q2 = Period(2025, 5), Period(2025, 6), Period(2025, 6, quarterly=True)
    put(ws, "甲区5月.xlsx", A, sr="100000", period=may, when=dt.datetime(2025, 6, 3, 10, 0))
    put(ws, "甲区5月更正.xlsx", A, sr="110000", period=may, when=dt.datetime(2025, 6, 20, 10, 0))
    put(ws, "甲区6月.xlsx", A, sr="150000", period=june, when=dt.datetime(2025, 7, 3, 10, 0))
    assert run_consolidate(ws, june, now=dt.datetime(2025, 7, 10, 9, 0)).issue_no == 6
    assert run_consolidate(ws, q2, now=dt.datetime(2025, 7, 10, 10, 0)).issue_no == 14
    res = cli(ws, "restore", "--period", "2025-05", "--district", A, "--version", "1")
    assert res.exit_code == 0, res.output
    assert res.output.splitlines()[-3:] == ["  reporttool consolidate --period 2025-05",
                                            "  reporttool consolidate --period 2025-06",
                                            "  reporttool consolidate --period 2025-Q2"]
    assert run_consolidate(ws, may, now=dt.datetime(2025, 7, 11, 9, 0)).issue_no == 5
    assert run_consolidate(ws, june, now=dt.datetime(2025, 7, 11, 10, 0)).issue_no == 6
    assert run_consolidate(ws, q2, now=dt.datetime(2025, 7, 11, 11, 0)).issue_no == 14
    assert run_consolidate(ws, may, now=dt.datetime(2025, 7, 12, 9, 0)).issue_no == 5
    assert cli(ws, "verify").exit_code == 0


def test_the_brief_words_a_withdrawn_month_as_withdrawn_not_missing(small_workspace):
    """After `reporttool withdraw` of 甲区's February, 报送情况 says 已撤回 and so does the brief: beside the totals,
    in the 报送 sentence, in 三 (不规范, not 不及时) and in the 总表's note — never 甲区未报送. 丙开发区 sent nothing: 未报送.
    February's figures are 乙县's alone: 营业收入 12 亿元 (120000 万元)."""
    from helpers import texts, xlsx_text

    ws = small_workspace
    three_months(ws)
    res = cli(ws, "withdraw", "--period", "2025-02", "--district", "甲区", "--who", "张三", "--note", "数据有误")
    assert res.exit_code == 0, res.output
    result = run_consolidate(ws, FEB, now=dt.datetime(2025, 4, 11, 9, 0))
    assert [s.shown for s in result.figures.submissions if s.district == A] == ["已撤回"]
    lines = texts(next(p for p in result.outputs if p.suffix == ".docx"))
    text = "\n".join(lines)
    assert ("2025年1-2月，全市3个重点产业集群（据已报送的1个县（市）区和开发区数据，丙开发区未报送，甲区本月数据已撤回）"
            "实现营业收入12.00亿元") in text
    assert "本期应报送数据的县（市）区和开发区3个，已报送1个，未报送1个（丙开发区）；甲区本月数据已撤回，未计入汇总。" in lines
    assert any(t.startswith("（一）部分地区报送不及时、不规范。丙开发区未报送本期数据；甲区本月数据已撤回，未计入汇总；")
               for t in lines)
    assert "甲区未报送" not in text and "未报送1个（丙开发区）" in text
    book = next(p for p in result.outputs if p.name.endswith(".xlsx") and "汇总表" in p.name)
    assert "本期丙开发区未报送，甲区数据已撤回，合计数不含其数据。" in xlsx_text(book)
