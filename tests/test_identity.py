"""A file can never pose as another district: identity × 填报单位 × file name × credit codes; and restore."""
from __future__ import annotations

import datetime as dt
import json
import os
from decimal import Decimal as D
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from stdnum.cn import uscc

from reporttool.checks import check_files
from reporttool.cli import main
from reporttool.core.errors import ReportToolError
from reporttool.core.models import District, Period
from reporttool.core.status import ST_PASSED, ST_RETURNED, ST_SUPERSEDED, ST_VERIFY
from reporttool.figures.compute import accepted_rows
from reporttool.forms.identity import named_districts
from reporttool.forms.writer import write_template
from reporttool.ledger import Ledger
from reporttool.ledger.restore import restore_version
from reporttool.pipeline.consolidate import run_consolidate

P = Period(2025, 6)
NOW = dt.datetime(2025, 7, 8, 9, 0)
EARLY = dt.datetime(2025, 7, 2, 10, 0)
LATE = dt.datetime(2025, 7, 4, 10, 0)
A, B = "110101", "110102"  # 甲区, 乙县 of the small fixture city


def credit(n: int, region: str) -> str:
    base = f"91{region}MA{n:07d}"
    return base + uscc.calc_check_digit(base)


def put(cat, dest: Path, district: str, region: str, *, n: int = 3, when: dt.datetime = EARLY,
        revenue: int = 100) -> Path:
    roster = [{"credit_code": credit(int(region[-2:]) * 100 + i, region), "name": f"{region}企业{i}",
               "cluster": "化工", "is_scale": "否", "revenue": D(revenue + i), "employees": 5} for i in range(n)]
    path = write_template(cat, district, P, dest, roster=roster,
                          outputs={("A", "SR"): {"value": D(1000), "value_ly": D(990)}})
    os.utime(path, (when.timestamp(), when.timestamp()))
    return path


def edit_identity(path: Path, code: str) -> Path:
    """Change the district code in the hidden identity sheet, as an editing clerk would."""
    stamp = path.stat().st_mtime
    wb = openpyxl.load_workbook(path)
    for row in wb["_表单信息"].iter_rows(max_col=2):
        if row[0].value == "县区代码":
            row[1].value = code
    wb.save(path)
    os.utime(path, (stamp, stamp))
    return path


def check_json(ws, path: Path) -> tuple[int, dict]:
    r = CliRunner().invoke(main, ["-w", str(ws.root), "-q", "check", str(path), "--json", "--no-feedback"])
    return r.exit_code, json.loads(r.stdout)


def test_neighbours_template_is_refused_naming_both_and_replaces_nobody(small_workspace):
    ws = small_workspace
    cat = ws.catalogue()
    put(cat, ws.inbox / "乙县.xlsx", B, B)
    first = run_consolidate(ws, P, now=NOW)
    assert {s.district: s.status for s in first.states}[B] == ST_PASSED
    # 甲区's clerk fills 乙县's template (identity and headers 乙县) with 甲区's enterprises
    bad = put(cat, ws.inbox / "甲区6月报表（补报）.xlsx", B, A, when=LATE, revenue=500)
    code, data = check_json(ws, bad)
    (f,) = data["files"][0]["findings"]
    assert code == 2 and data["files"][0]["status"] == ST_RETURNED and f["rule"] == "F-IDENTITY-CONFLICT"
    assert "文件名为甲区，填报单位和隐藏标识为乙县" in f["message"] and "企业信用代码多为甲区登记" in f["message"]
    result = run_consolidate(ws, P, now=NOW)
    states = {s.district: s.status for s in result.states}
    assert states[B] == ST_PASSED and states[A] == ST_RETURNED  # 甲区 sent something: 退回, not 未报
    with Ledger(ws) as ledger:
        current = ledger.current(P.key)
        assert current[B].file_name == "乙县.xlsx"
        assert ledger.by_sha(data["files"][0]["sha256"]).district == A
    assert result.figures.cluster_figure("A", "SR").value == first.figures.cluster_figure("A", "SR").value
    refused = next(i for i in result.inputs if i.path.name == bad.name)
    assert refused.reason == f["message"]


def test_edited_identity_is_refused_and_the_real_district_keeps_its_file(small_workspace):
    ws = small_workspace
    cat = ws.catalogue()
    put(cat, ws.inbox / "乙县_报表.xlsx", B, B)
    run_consolidate(ws, P, now=NOW)
    before = [r for d, r in accepted_rows(Ledger(ws), cat, P, "roster") if d == B]
    bad = edit_identity(put(cat, ws.inbox / "甲区_报表.xlsx", A, A, when=LATE), B)
    code, data = check_json(ws, bad)
    assert code == 2 and data["files"][0]["status"] == ST_RETURNED  # never 通过
    msg = data["files"][0]["findings"][0]["message"]
    assert "文件名和填报单位为甲区，隐藏标识为乙县" in msg
    result = run_consolidate(ws, P, now=NOW)
    states = {s.district: s.status for s in result.states}
    assert states == {A: ST_RETURNED, B: ST_PASSED, "KF01": "未报"}
    with Ledger(ws) as ledger:
        assert ledger.current(P.key)[B].file_name == "乙县_报表.xlsx"
        after = [r for d, r in accepted_rows(ledger, cat, P, "roster") if d == B]
    assert len(after) == len(before) == 3


def test_one_sheets_filled_unit_differing_names_that_sheet(small_workspace):
    ws = small_workspace
    path = put(ws.catalogue(), ws.root / "甲区.xlsx", A, A)
    wb = openpyxl.load_workbook(path)
    sheet = wb["投资项目"]
    cell = next(c for row in sheet.iter_rows(max_row=8) for c in row if isinstance(c.value, str) and "填报单位" in c.value)
    cell.value = "填报单位：乙县"
    wb.save(path)
    report, = check_files([path], ws.catalogue())
    assert report.status == ST_RETURNED
    assert "“投资项目”表的填报单位为乙县" in report.findings[0].message


def test_credit_codes_of_another_district_are_a_verify_not_a_refusal(small_workspace):
    ws = small_workspace
    path = put(ws.catalogue(), ws.root / "乙县.xlsx", B, A)  # 乙县 everywhere, 甲区's enterprises
    report, = check_files([path], ws.catalogue())
    region = [f for f in report.findings if f.rule == "R-REGION"]
    assert report.status == ST_VERIFY and len(region) == 1
    assert "甲区（110101）" in region[0].message and region[0].cell.startswith("B")
    own = put(ws.catalogue(), ws.root / "乙县2.xlsx", B, B)
    assert check_files([own], ws.catalogue())[0].status == ST_PASSED


def test_named_districts_prefers_the_longer_name(small_catalogue):
    import dataclasses

    cat = dataclasses.replace(small_catalogue, districts=(*small_catalogue.districts,
                                                          District("KF02", "开发区", "开发区", 4)))
    assert [d.code for d in named_districts(cat, "丙开发区6月")] == ["KF01"]
    assert [d.code for d in named_districts(cat, "开发区和甲区")] == ["KF02", A]


# ---- restore -------------------------------------------------------------------------------------------


def test_restore_makes_an_earlier_version_current_and_history_shows_it(small_workspace):
    ws = small_workspace
    cat = ws.catalogue()
    put(cat, ws.inbox / "乙县.xlsx", B, B, revenue=100)
    put(cat, ws.inbox / "乙县（错发）.xlsx", B, B, when=LATE, revenue=900)
    wrong = run_consolidate(ws, P, now=NOW)
    with Ledger(ws) as ledger:
        assert ledger.current(P.key)[B].file_name == "乙县（错发）.xlsx"
    r = CliRunner().invoke(main, ["-w", str(ws.root), "restore", "--period", "2025-06", "--district", "乙县",
                                  "--version", "1", "--note", "误发"])
    assert r.exit_code == 0, r.output
    assert "第1份 乙县.xlsx" in r.output and "第2份 乙县（错发）.xlsx" in r.output
    with Ledger(ws) as ledger:
        current = ledger.current(P.key)[B]
        assert current.file_name == "乙县.xlsx"
        assert {h.file_name: h.status for h in ledger.history(district=B)} == {
            "乙县.xlsx": ST_PASSED, "乙县（错发）.xlsx": ST_SUPERSEDED}
    result = run_consolidate(ws, P, now=NOW)  # the next consolidate uses the restored version
    assert next(s for s in result.states if s.district == B).file_name == "乙县.xlsx"
    roster = result.figures.roster_by_district
    assert roster != wrong.figures.roster_by_district
    h = CliRunner().invoke(main, ["-w", str(ws.root), "history", "--district", "乙县"])
    assert "恢复：" in h.output and "乙县.xlsx 为在用版本（替换" in h.output and "误发" in h.output
    hj = json.loads(CliRunner().invoke(main, ["-w", str(ws.root), "history", "--json"]).stdout)
    assert [x["file_name"] for x in hj if x["restored_at"]] == ["乙县.xlsx"]


def test_a_file_received_after_a_restore_supersedes_it_again(small_workspace):
    ws = small_workspace
    cat = ws.catalogue()
    put(cat, ws.inbox / "乙县.xlsx", B, B)
    put(cat, ws.inbox / "乙县2.xlsx", B, B, when=LATE, revenue=200)
    run_consolidate(ws, P, now=NOW)
    with Ledger(ws) as ledger:
        first = ledger.submissions(period=P.key, district=B)[0]
    restore_version(ws, P, "乙县", sha=first.sha256[:8])
    put(cat, ws.inbox / "乙县3.xlsx", B, B, when=dt.datetime(2025, 7, 6, 9, 0), revenue=300)
    old = put(cat, ws.inbox / "乙县旧.xlsx", B, B, when=dt.datetime(2025, 7, 1, 9, 0), revenue=400)
    run_consolidate(ws, P, now=NOW)
    with Ledger(ws) as ledger:
        assert ledger.current(P.key)[B].file_name == "乙县3.xlsx"
        statuses = {h.file_name: h.status for h in ledger.history(district=B)}
    assert statuses[old.name] == ST_SUPERSEDED and statuses["乙县.xlsx"] == ST_SUPERSEDED


def test_restore_refuses_what_cannot_be_restored(small_workspace):
    ws = small_workspace
    cat = ws.catalogue()
    put(cat, ws.inbox / "乙县.xlsx", B, B)
    (ws.inbox / "乙县.xls").write_bytes(b"not a workbook")
    run_consolidate(ws, P, now=NOW)
    with pytest.raises(ReportToolError, match="已经是在用版本"):
        restore_version(ws, P, B, number=1)
    with pytest.raises(ReportToolError, match="不能恢复"):
        restore_version(ws, P, B, number=2)
    with pytest.raises(ReportToolError, match="没有第3份"):
        restore_version(ws, P, B, number=3)
    with pytest.raises(ReportToolError, match="不在目标库"):
        restore_version(ws, P, "丁县", number=1)
    r = CliRunner().invoke(main, ["-w", str(ws.root), "restore", "--period", "2025-06", "--district", B,
                                  "--sha", "abc"])
    assert r.exit_code == 2 and "哈希前缀至少6位" in r.output and "Traceback" not in r.output


def test_the_issues_case_a_with_the_default_city(workspace):
    """葫芦岛: 南票区's clerk fills 兴城市's template with 南票区's enterprises."""
    cat = workspace.catalogue()
    path = put(cat, workspace.root / "南票区6月报表（补报）.xlsx", "211481", "211404")
    report, = check_files([path], cat)
    assert report.status == ST_RETURNED and report.findings[0].district == "211404"
    assert report.findings[0].message.startswith("文件名为南票区，填报单位和隐藏标识为兴城市（企业信用代码多为南票区登记）")


def test_restore_undoes_a_supersede_made_before_the_identity_check(small_workspace, monkeypatch):
    """A ledger where a neighbour's file already became current (as before the identity check existed)."""
    from reporttool.forms import reader

    ws = small_workspace
    cat = ws.catalogue()
    put(cat, ws.inbox / "乙县.xlsx", B, B)
    run_consolidate(ws, P, now=NOW)
    monkeypatch.setattr(reader, "check_identity", lambda *a, **k: [])  # the old reader
    put(cat, ws.inbox / "甲区6月报表（补报）.xlsx", B, A, when=LATE, revenue=700)
    run_consolidate(ws, P, now=NOW)
    monkeypatch.undo()
    with Ledger(ws) as ledger:
        assert ledger.current(P.key)[B].file_name == "甲区6月报表（补报）.xlsx"  # the wrong supersede
    done = restore_version(ws, P, "乙县", number=1, note="甲区误用乙县模板")
    assert done.restored.file_name == "乙县.xlsx" and done.replaced.file_name == "甲区6月报表（补报）.xlsx"
    result = run_consolidate(ws, P, now=NOW)
    used = {s.district: s.file_name for s in result.states}
    assert used[B] == "乙县.xlsx"
    with Ledger(ws) as ledger:
        names = {r.values["name"] for d, r in accepted_rows(ledger, cat, P, "roster") if d == B}
    assert names == {f"{B}企业{i}" for i in range(3)}


def test_credit_codes_are_matched_to_a_prefecture_when_the_units_are_prefectures(tmp_path, small_catalogue):
    import dataclasses

    from reporttool.core.models import Row, Table
    from reporttool.forms.identity import region_majority

    cat = dataclasses.replace(small_catalogue, districts=(District("130100", "石家庄市", "市", 1),
                                                          District("130200", "唐山市", "市", 2)))
    roster = Table("集群企业", "roster", 6, {"credit_code": 2},
                   [Row(7 + i, {"credit_code": credit(i, "130203")}) for i in range(3)]
                   + [Row(10, {"credit_code": credit(9, "130102")})])
    other, n, mine, first = region_majority(cat, "130100", roster)
    assert (other.code, n, mine, first) == ("130200", 3, 1, 7)
    assert region_majority(cat, "130200", roster) is None
