"""Per-file rules (checks/single.py): one test per rule, each failing when the rule is removed.

Two layers: fast tests on Submission objects built here (the reader's contract: normalised values,
None + raw for what could not be understood), and end-to-end tests on workbooks made with the project's
own template writer and read back by the project's reader (skipped until those modules exist).
"""
from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal as D
from pathlib import Path

import helpers
import pytest
from helpers import output_rows
from stdnum.cn import uscc

from reporttool.checks import RULES, check_submission, counts, file_status
from reporttool.core.models import ERROR, INFO, VERIFY, FindingCounts, Period, Row, Submission
from reporttool.core.rules import finding
from reporttool.core.status import ST_ERRORS, ST_PASSED, ST_RETURNED, ST_VERIFY
from reporttool.forms import layout

REPO = Path(__file__).resolve().parents[1]
PERIOD = Period(2025, 6)
HEADER_ROW = 5


def code(body: str) -> str:
    """A valid 统一社会信用代码 from its first 17 characters."""
    return body + uscc.calc_check_digit(body)


GOOD1 = code("91211400MA0XXXXX1"[:17])
GOOD2 = code("91211403MA10ABCD2"[:17])
GOOD3 = code("91211404MA10ABCD3"[:17])


def roster_row(n: int, **over) -> Row:
    values = {"credit_code": GOOD1, "name": f"企业{n}", "cluster": "A", "is_scale": "是", "is_leader": "否",
              "park": "", "revenue": D(5000), "revenue_ly": D(4800), "output_value": D(5200),
              "output_value_ly": D(5000), "employees": 100, "note": None}
    raw = over.pop("raw", {})
    values.update(over)
    return Row(n, values, raw)


def project_row(n: int, **over) -> Row:
    values = {"name": f"项目{n}", "cluster": "A", "nature": "新建", "status": "在建", "owner": "某公司",
              "total": D(10000), "plan_year": D(3000), "done_year": D(1500), "done_total": D(4000),
              "start": dt.date(2024, 3, 1), "finish": dt.date(2026, 12, 1), "note": None}
    raw = over.pop("raw", {})
    values.update(over)
    return Row(n, values, raw)


def submission(cat, roster=(), projects=(), output=None, district="110101") -> Submission:
    """The shared builder's submission as this module's form: 甲区.xlsx, the header on row 5."""
    return helpers.submission(district, cat=cat, roster=roster, projects=projects, outputs=output,
                              file_name="甲区.xlsx", header_row=HEADER_ROW)


def base_output(cat, **extra):
    """Output figures that agree with the default roster rows (A: 营业收入 well above the roster)."""
    pairs = {"A_SR": (D(100000), D(90000), None)}
    pairs.update(extra)
    return output_rows(cat, **pairs)


def run(cat, **kw) -> list:
    kw.setdefault("output", base_output(cat))
    kw.setdefault("roster", [roster_row(90, credit_code=GOOD3)])  # cluster A is listed, as reported
    return check_submission(submission(cat, **kw), cat, PERIOD)


def rules_of(findings) -> list[str]:
    return [f.rule for f in findings]


# ---- a clean submission --------------------------------------------------------------------------


def test_clean_submission_passes(small_catalogue):
    sub = submission(small_catalogue, roster=[roster_row(6), roster_row(7, credit_code=GOOD2)],
                     projects=[project_row(6)], output=base_output(small_catalogue))
    findings = check_submission(sub, small_catalogue, PERIOD)
    assert findings == []
    assert file_status(findings) == ST_PASSED
    assert not any(r.excluded for t in sub.tables.values() for r in t.rows)


# ---- one test per rule ---------------------------------------------------------------------------


def test_r_empty(small_catalogue):
    findings = check_submission(submission(small_catalogue), small_catalogue, PERIOD)
    assert rules_of(findings) == ["R-EMPTY"]
    assert file_status(findings) == ST_ERRORS
    # the output labels and a lone 说明 are not data
    out = output_rows(small_catalogue, A_SR=(None, None, "本月无数据"))
    assert rules_of(check_submission(submission(small_catalogue, output=out), small_catalogue, PERIOD)) \
        == ["R-EMPTY"]


def test_r_required(small_catalogue):
    findings = run(small_catalogue, roster=[roster_row(6, name=None)])
    (f,) = findings
    assert f.rule == "R-REQUIRED" and f.severity == ERROR
    assert (f.sheet, f.row, f.column, f.cell) == ("集群企业", 6, "企业名称", "C6")
    assert "企业名称" in f.message and f.file == "甲区.xlsx" and f.district == "110101"


def test_r_number(small_catalogue):
    (f,) = run(small_catalogue, roster=[roster_row(6, revenue=None, raw={"revenue": "五千"})])
    assert (f.rule, f.cell, f.value) == ("R-NUMBER", "H6", "五千")
    assert "本年累计营业收入" in f.message and "五千" in f.message


def test_r_integer(small_catalogue):
    (f,) = run(small_catalogue, roster=[roster_row(6, employees=None, raw={"employees": "12.5"})])
    assert (f.rule, f.column, f.cell) == ("R-INTEGER", "从业人员", "L6")


def test_r_date(small_catalogue):
    (f,) = run(small_catalogue, projects=[project_row(6, start=None, raw={"start": "去年春天"})])
    assert (f.rule, f.sheet, f.column, f.cell) == ("R-DATE", "投资项目", "开工时间", "K6")


def test_r_choice(small_catalogue):
    findings = run(small_catalogue, projects=[project_row(6, nature=None, raw={"nature": "新上"}),
                                              project_row(7, status="完工")])
    assert rules_of(findings) == ["R-CHOICE", "R-CHOICE"]
    assert "新建、续建、扩建、技改" in findings[0].message and findings[0].cell == "D6"
    assert findings[1].cell == "E7" and "完工" in findings[1].message


def test_r_cluster_unknown(small_catalogue):
    findings = run(small_catalogue, roster=[roster_row(6, cluster=None, raw={"cluster": "纺织"}),
                                            roster_row(7, credit_code=GOOD2, cluster="纺织产业集群")])
    assert rules_of(findings) == ["R-CLUSTER-UNKNOWN", "R-CLUSTER-UNKNOWN"]
    assert findings[0].cell == "D6" and "纺织" in findings[0].message


def test_r_negative(small_catalogue):
    findings = run(small_catalogue, roster=[roster_row(6, employees=-3),
                                            roster_row(7, credit_code=GOOD2, revenue_ly=D("-0.5"))])
    assert rules_of(findings) == ["R-NEGATIVE", "R-NEGATIVE"]
    assert findings[0].cell == "L6" and findings[1].cell == "I7"
    assert "-3" in findings[0].message


def test_r_negative_on_output(small_catalogue):
    findings = run(small_catalogue, output=base_output(small_catalogue, C_YK=(D(-5), D(10), None)))
    assert [f.rule for f in findings] == ["R-NEGATIVE"]
    assert findings[0].sheet == "集群产出" and findings[0].column == "本年累计"


def test_r_credit_format(small_catalogue):
    findings = run(small_catalogue, roster=[roster_row(6, credit_code="91211400MA0XXXXX"),  # 16 chars
                                            roster_row(7, credit_code="91211400MA0XXXXXIO")])  # I, O
    assert rules_of(findings) == ["R-CREDIT-FORMAT", "R-CREDIT-FORMAT"]
    assert findings[0].cell == "B6"


def test_r_credit_check(small_catalogue):
    bad = GOOD1[:17] + ("0" if GOOD1[17] != "0" else "1")
    (f,) = run(small_catalogue, roster=[roster_row(6, credit_code=bad)])
    assert f.rule == "R-CREDIT-CHECK" and bad in f.message
    # spaces and lower case are tolerated when the code itself is right
    assert run(small_catalogue, roster=[roster_row(6, credit_code=" " + GOOD1.lower())]) == []


def test_r_credit_dup_names_the_first_row(small_catalogue):
    findings = run(small_catalogue, roster=[roster_row(6), roster_row(7, credit_code=GOOD2),
                                            roster_row(9, credit_code=GOOD1)])
    (f,) = findings
    assert (f.rule, f.row, f.cell) == ("R-CREDIT-DUP", 9, "B9")
    assert "第6行" in f.message


def test_r_scale_revenue(small_catalogue):
    # 900万元 in six months -> 1800万元 a year < 2000
    (f,) = run(small_catalogue, roster=[roster_row(6, revenue=D(900))])
    assert (f.rule, f.severity, f.cell) == ("R-SCALE-REVENUE", VERIFY, "H6")
    assert "1800.00" in f.message and "2000" in f.message
    # 1000 in six months is exactly the threshold: no finding; a non-规上 firm is not checked
    assert run(small_catalogue, roster=[roster_row(6, revenue=D(1000))]) == []
    assert run(small_catalogue, roster=[roster_row(6, revenue=D(10), is_scale="否")]) == []


def test_r_inv_plan(small_catalogue):
    (f,) = run(small_catalogue, projects=[project_row(6, done_year=D(3500))])
    assert (f.rule, f.severity, f.cell) == ("R-INV-PLAN", VERIFY, "I6")
    assert "3500" in f.message and "3000" in f.message


def test_r_inv_total(small_catalogue):
    findings = run(small_catalogue, projects=[project_row(6, done_year=D(12000), plan_year=D(20000),
                                                          done_total=D(13000), total=D(14000)),
                                              project_row(7, done_year=D(12000), plan_year=D(20000),
                                                          done_total=None)])
    assert rules_of(findings) == ["R-INV-TOTAL"]
    assert findings[0].row == 7 and findings[0].severity == ERROR


def test_r_inv_since(small_catalogue):
    (f,) = run(small_catalogue, projects=[project_row(6, done_total=D(10001))])
    assert (f.rule, f.cell) == ("R-INV-SINCE", "J6")


def test_r_inv_year_since(small_catalogue):
    (f,) = run(small_catalogue, projects=[project_row(6, done_year=D(2000), done_total=D(1000))])
    assert (f.rule, f.cell) == ("R-INV-YEAR-SINCE", "I6")


def test_r_dates(small_catalogue):
    (f,) = run(small_catalogue, projects=[project_row(6, start=dt.date(2025, 5, 1), finish=dt.date(2025, 2, 1))])
    assert (f.rule, f.cell) == ("R-DATES", "L6")
    assert "2025-02" in f.message and "2025-05" in f.message


def test_r_roster_over_output(small_catalogue):
    # roster A: 60000 + 50000 = 110000 万元 > output 100000 万元
    roster = [roster_row(6, revenue=D(60000)), roster_row(7, credit_code=GOOD2, revenue=D(50000))]
    findings = run(small_catalogue, roster=roster)
    (f,) = findings
    out_table_row = next(r for r in base_output(small_catalogue) if r.values["indicator_code"] == "SR"
                         and r.values["cluster_code"] == "A")
    assert (f.rule, f.severity, f.sheet, f.row) == ("R-ROSTER-OVER-OUTPUT", VERIFY, "集群产出",
                                                    out_table_row.number)
    assert f.cell == f"G{out_table_row.number}"
    assert "110000.00" in f.message and "100000.00" in f.message and "化工产业集群" in f.message
    # within the 0.01 tolerance: fine
    roster = [roster_row(6, revenue=D("60000.005")), roster_row(7, credit_code=GOOD2, revenue=D(40000))]
    assert run(small_catalogue, roster=roster) == []


def test_r_roster_over_output_converts_units(small_catalogue):
    """An output indicator reported in 亿元 on the form is compared in 万元."""
    from dataclasses import replace

    inds = tuple(replace(i, form_unit="亿元") if i.code == "SR" else i for i in small_catalogue.indicators)
    cat = replace(small_catalogue, indicators=inds, _index={})
    roster = [roster_row(6, revenue=D(60000)), roster_row(7, credit_code=GOOD2, revenue=D(50000))]
    out = output_rows(cat, A_SR=(D(10), D(9), None))  # 10亿元 = 100000万元
    (f,) = check_submission(submission(cat, roster=roster, output=out), cat, PERIOD)
    assert f.rule == "R-ROSTER-OVER-OUTPUT" and "100000.00 万元" in f.message
    out = output_rows(cat, A_SR=(D(12), D(11), None))
    assert check_submission(submission(cat, roster=roster, output=out), cat, PERIOD) == []


def test_r_roster_over_output_ignores_excluded_rows(small_catalogue):
    """A duplicated enterprise (an error row) is not counted twice in the roster sum."""
    roster = [roster_row(6, revenue=D(60000)), roster_row(7, revenue=D(60000))]
    findings = run(small_catalogue, roster=roster)
    assert rules_of(findings) == ["R-CREDIT-DUP"]


def test_r_yoy_swing(small_catalogue):
    out = base_output(small_catalogue, B_CZ=(D(150), D(100), None), C_YK=(D(60), D(100), None),
                      A_CZ=(D(130), D(100), None))
    findings = run(small_catalogue, output=out)
    assert rules_of(findings) == ["R-YOY-SWING", "R-YOY-SWING"]
    up, down = findings
    assert "增长50.0%" in up.message and "装备制造产业集群工业总产值" in up.message
    assert "下降40.0%" in down.message and up.column == "本年累计"
    assert file_status(findings) == ST_VERIFY


def test_explained_verify(small_catalogue):
    out = base_output(small_catalogue, B_CZ=(D(150), D(100), "新投产两户企业"))
    (f,) = run(small_catalogue, output=out)
    assert f.explained and f.explanation == "新投产两户企业" and f.severity_label == "已说明"
    assert file_status([f]) == ST_PASSED
    assert counts([f]) == FindingCounts(errors=0, verify=1, explained=1, info=0)


def test_error_rows_are_excluded(small_catalogue):
    sub = submission(small_catalogue, roster=[roster_row(6), roster_row(7, credit_code="bad"),
                                              roster_row(8, credit_code=GOOD2, revenue=D(900))],
                     output=base_output(small_catalogue))
    check_submission(sub, small_catalogue, PERIOD)
    excluded = {r.number: r.excluded for r in sub.tables["roster"].rows}
    assert excluded == {6: False, 7: True, 8: False}  # a verify finding does not exclude


def test_file_status():
    err = finding("R-REQUIRED", column="企业名称")
    ver = finding("R-INV-PLAN", value="1", plan="0")
    info = finding("R-EXTRA-ROW", row=40)
    refused = finding("F-NOT-XLSX")
    assert file_status([]) == ST_PASSED
    assert file_status([info]) == ST_PASSED
    assert file_status([ver, info]) == ST_VERIFY
    assert file_status([err, ver]) == ST_ERRORS
    assert file_status([refused]) == ST_RETURNED
    assert file_status([finding("F-MACRO")]) == ST_PASSED  # an INFO file-level note is no refusal


# ---- docs ----------------------------------------------------------------------------------------


def test_every_rule_is_documented():
    doc = (REPO / "docs" / "rules.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"`([FR]-[A-Z0-9-]+)`", doc))
    missing = [c for c in RULES if c not in documented]
    assert not missing, f"docs/rules.md lacks {missing}"
    for code, rule in RULES.items():
        assert rule.title in doc, code


def test_every_rule_template_formats():
    """Each template can be filled by finding() (a stray brace or field would crash at run time)."""
    fields = {"size": "1", "limit": "2", "detail": "x", "part": "p", "sheet": "s", "found": "a", "expected": "b",
              "choices": "是、否", "first": 3, "annual": "1", "threshold": "2", "plan": "1", "total": "1",
              "start": "2025-01", "cluster": "c", "roster": "1", "measure": "营业收入", "indicator": "营业收入",
              "what": "w", "change": "增长1%", "previous_period": "p", "previous": "1", "name": "n",
              "other": "o", "since": "1", "formula": "A/B*100", "given": "“A”", "missing": "B",
              "kind": "k", "count": "3", "rows": "100,001", "length": "有 9 个字符", "why": "",
              "ly_period": "2024年1-6月", "before": "1", "names": "甲公司", "n": "6", "median": "1", "score": "3.7",
              "cutoff": "3.5", "unit": "万元", "month": "16亿元"}
    for code in RULES:
        f = finding(code, column="列", value="v", row=5, **fields)
        assert "{" not in f.message and f.severity in (ERROR, VERIFY, INFO)


def test_r_output_row_unknown(small_catalogue):
    out = base_output(small_catalogue)
    out[1].values["indicator_code"] = None
    out[1].raw["indicator_code"] = "XX"
    out[1].values["value"] = D(5)
    (f,) = run(small_catalogue, output=out)
    assert (f.rule, f.column, f.cell) == ("R-OUTPUT-ROW-UNKNOWN", "指标代码", f"D{out[1].number}")
    assert out[1].excluded


# ==================================================================================================
# End to end: one fixture per rule, made with the project's own template writer and read back by the
# project's reader (what a district really sends).
# ==================================================================================================

writer = pytest.importorskip("reporttool.forms.writer")
reader = pytest.importorskip("reporttool.forms.reader")


def _base_roster() -> list[dict]:
    return [
        {"credit_code": GOOD1, "name": "甲化工有限公司", "cluster": "化工产业集群", "is_scale": "是",
         "is_leader": "是", "revenue": D(5000), "revenue_ly": D(4800), "output_value": D(5100),
         "output_value_ly": D(5000), "employees": 120},
        {"credit_code": GOOD2, "name": "乙装备有限公司", "cluster": "装备制造", "is_scale": "否",
         "revenue": D("800.5"), "revenue_ly": D(700), "employees": 30},
    ]


def _base_projects() -> list[dict]:
    return [{"name": "年产10万吨项目", "cluster": "化工产业集群", "nature": "新建", "status": "在建",
             "owner": "甲化工有限公司", "total": D(10000), "plan_year": D(3000), "done_year": D(1500),
             "done_total": D(4000), "start": dt.date(2024, 3, 1), "finish": dt.date(2026, 12, 1)}]


def _base_outputs() -> dict:
    return {("A", "SR"): {"value": D(100000), "value_ly": D(90000)},
            ("A", "CZ"): {"value": D(110000), "value_ly": D(100000)},
            ("B", "SR"): {"value": D(50000), "value_ly": D(48000)},
            ("B", "GD"): {"value": D(15000), "value_ly": D(14000)},
            ("C", "YK"): {"value": D(300), "value_ly": D(280), "note": "旅游旺季"}}


def _e2e(tmp_path, cat, roster=None, projects=None, outputs=None, edit=None):
    """Write a filled form, optionally edit it as a district would, read it back and check it."""
    path = tmp_path / "甲区.xlsx"
    writer.write_template(cat, "110101", PERIOD, path,
                          roster=_base_roster() if roster is None else roster,
                          projects=_base_projects() if projects is None else projects,
                          outputs=_base_outputs() if outputs is None else outputs)
    if edit is not None:
        import openpyxl

        wb = openpyxl.load_workbook(path)
        edit(wb)
        wb.save(path)
    sub, read_findings = reader.read_submission(path, cat, expected_period=PERIOD)
    return sub, read_findings + check_submission(sub, cat, PERIOD)


def _hosted_by(cat, cluster: str, *districts: str):
    """``cat`` with ``cluster`` hosted by ``districts`` only (集群.所在县区)."""
    import dataclasses

    clusters = tuple(dataclasses.replace(c, districts=districts) if c.code == cluster else c for c in cat.clusters)
    return dataclasses.replace(cat, clusters=clusters, _index={})


def _with(rows: list[dict], index: int, **change) -> list[dict]:
    rows = [dict(r) for r in rows]
    rows[index].update(change)
    return rows


def _outputs(**change) -> dict:
    out = _base_outputs()
    for key, value in change.items():
        cl, ind = key.split("_")
        out[(cl, ind)] = value
    return out


def _edit_output_code(wb):
    ws = wb["集群产出"]
    for row in ws.iter_rows():
        for cell in row:
            if cell.value == "CZ":  # code and name both changed: the reader cannot tell the row
                cell.value = "XX"
                ws.cell(cell.row, cell.column + 1).value = "某某指标"
                return


# rule -> (data for _e2e, (table key, row index in the table, column key) where the finding must be)
E2E_CASES = {
    "R-REQUIRED": (dict(roster=_with(_base_roster(), 1, name=None)), ("roster", 1, "name")),
    "R-NUMBER": (dict(roster=_with(_base_roster(), 0, revenue="五千")), ("roster", 0, "revenue")),
    "R-INTEGER": (dict(roster=_with(_base_roster(), 0, employees=12.5)), ("roster", 0, "employees")),
    "R-DATE": (dict(projects=_with(_base_projects(), 0, start="去年春天")), ("projects", 0, "start")),
    "R-TOO-LARGE": (dict(roster=_with(_base_roster(), 0, revenue="1E+30")), ("roster", 0, "revenue")),
    "R-NEGATIVE": (dict(roster=_with(_base_roster(), 1, revenue_ly=D(-700))), ("roster", 1, "revenue_ly")),
    "R-CHOICE": (dict(projects=_with(_base_projects(), 0, nature="新上")), ("projects", 0, "nature")),
    "R-CLUSTER-UNKNOWN": (dict(roster=_with(_base_roster(), 1, cluster="纺织服装")), ("roster", 1, "cluster")),
    # 装备制造 is hosted by 乙县 only (集群.所在县区): 甲区's 乙装备 is to be confirmed
    "R-CLUSTER-SCOPE": (dict(catalogue=lambda cat: _hosted_by(cat, "B", "110102")), ("roster", 1, "cluster")),
    "R-CREDIT-FORMAT": (dict(roster=_with(_base_roster(), 1, credit_code="91211403MA10ABCD")),
                        ("roster", 1, "credit_code")),
    "R-CREDIT-CHECK": (dict(roster=_with(_base_roster(), 1, credit_code=GOOD2[:17] + ("1" if GOOD2[17] != "1" else "2"))),
                       ("roster", 1, "credit_code")),
    "R-CREDIT-DUP": (dict(roster=_with(_base_roster(), 1, credit_code=GOOD1)), ("roster", 1, "credit_code")),
    "R-SCALE-REVENUE": (dict(roster=_with(_base_roster(), 0, revenue=D(900))), ("roster", 0, "revenue")),
    "R-INV-PLAN": (dict(projects=_with(_base_projects(), 0, done_year=D(3500))), ("projects", 0, "done_year")),
    "R-INV-TOTAL": (dict(projects=_with(_base_projects(), 0, done_year=D(11000), plan_year=D(12000), done_total=None)),
                    ("projects", 0, "done_year")),
    "R-INV-SINCE": (dict(projects=_with(_base_projects(), 0, done_total=D(10500))), ("projects", 0, "done_total")),
    "R-INV-YEAR-SINCE": (dict(projects=_with(_base_projects(), 0, done_year=D(2000), done_total=D(1000))),
                         ("projects", 0, "done_year")),
    "R-DATES": (dict(projects=_with(_base_projects(), 0, start="2025-05", finish="2025-02")), ("projects", 0, "finish")),
    "R-ROSTER-OVER-OUTPUT": (dict(roster=_with(_base_roster(), 0, revenue=D("100000.02"))), ("output", 0, "value")),
    "R-ROSTER-MISSING": (dict(roster=_base_roster()[:1]), ("output", 2, "value")),
    "R-FORMULA-PART": (dict(outputs=_outputs(B_GD={"value": D(20000), "value_ly": D(19000)},
                                             B_SR={"value": None, "value_ly": None}),
                            # no 装备制造 enterprise with 营业收入: its blank SR would also be R-OUTPUT-BLANK
                            roster=_with(_base_roster(), 1, revenue=D(0), revenue_ly=D(0))), ("output", 2, "value")),
    # (the finding sits at the part that was filled: the empty row is not read, it has no data)
    "R-YOY-SWING": (dict(outputs=_outputs(A_CZ={"value": D(160000), "value_ly": D(100000)})), ("output", 1, "value")),
    "R-OUTPUT-ROW-UNKNOWN": (dict(edit=_edit_output_code), ("output", 1, "indicator_code")),
    "R-TEXT-TOO-LONG": (dict(projects=_with(_base_projects(), 0, name="某" * 201)), ("projects", 0, "name")),
}


def test_e2e_clean_form_has_no_findings(tmp_path, small_catalogue):
    sub, findings = _e2e(tmp_path, small_catalogue)
    assert findings == [], [f.message for f in findings]
    assert len(sub.tables["roster"].rows) == 2 and file_status(findings) == ST_PASSED


def test_e2e_empty_form(tmp_path, small_catalogue):
    _, findings = _e2e(tmp_path, small_catalogue, roster=[], projects=[], outputs={})
    assert rules_of(findings) == ["R-EMPTY"] and file_status(findings) == ST_ERRORS


@pytest.mark.parametrize("rule", sorted(E2E_CASES))
def test_e2e_rule(tmp_path, small_catalogue, rule):
    data, (table_key, index, column_key) = E2E_CASES[rule]
    data = dict(data)
    cat = data.pop("catalogue", lambda c: c)(small_catalogue)
    sub, findings = _e2e(tmp_path, cat, **data)
    table = sub.tables[table_key]
    row = table.rows[index]
    hits = [f for f in findings if f.rule == rule]
    assert len(hits) == 1, [(f.rule, f.cell) for f in findings]
    f = hits[0]
    spec = layout.SHEETS_BY_KEY[table_key]
    assert (f.file, f.district, f.sheet, f.row) == ("甲区.xlsx", "110101", spec.name, row.number)
    assert (f.column, f.cell) == (spec.column(column_key).title, table.cell(column_key, row.number))
    assert f.severity == RULES[rule].severity
    assert row.excluded == (f.severity == ERROR)
    # nothing else fired: the fixture isolates its rule
    assert [x.rule for x in findings] == [rule], [(x.rule, x.cell) for x in findings]


def test_e2e_covers_every_single_file_rule():
    """Every per-file rule implemented here has an end-to-end fixture (reader rules are H2's)."""
    reader_rules = {"R-NO-CACHED", "R-EXTRA-ROW", "R-EMPTY", "R-MERGED",  # R-MERGED: tests/test_isolation.py
                    "R-TOTAL-ROW",  # R-TOTAL-ROW: tests/test_intake_reading.py
                    "R-HEADER-ROW", "R-NOTE-ONLY-ROW"}  # tests/test_trial_files.py
    row_rules = {c for c, r in RULES.items() if r.scope == "row"} - reader_rules
    assert row_rules <= set(E2E_CASES)


def test_e2e_explained_by_note(tmp_path, small_catalogue):
    outputs = _outputs(A_CZ={"value": D(160000), "value_ly": D(100000), "note": "新建装置投产"})
    _, findings = _e2e(tmp_path, small_catalogue, outputs=outputs)
    (f,) = findings
    assert f.explained and f.explanation == "新建装置投产" and file_status(findings) == ST_PASSED


def test_e2e_roster_left_empty(tmp_path, small_catalogue):
    """A district that reports cluster revenue but sends no roster at all: an error on the roster sheet."""
    sub, findings = _e2e(tmp_path, small_catalogue, roster=[])
    (f,) = findings
    table = sub.tables["roster"]
    assert (f.rule, f.severity, f.sheet) == ("R-ROSTER-EMPTY", ERROR, "集群企业")
    assert (f.row, f.cell) == (table.header_row + 1, table.cell("credit_code", table.header_row + 1))
    assert "化工营业收入" in f.message and file_status(findings) == ST_ERRORS


def test_r_yoy_swing_over_a_tiny_base_is_a_finding_not_a_crash(small_catalogue):
    """37 against 上年同期 1.5E-30: a rate of 2.5E+33 %, more digits than the decimal context holds; it is
    rounded with the precision it needs (units.q) and reported, not an F-INTERNAL for the whole file."""
    out = base_output(small_catalogue, B_CZ=(D(37), D("1.5E-30"), None))
    findings = run(small_catalogue, output=out)
    assert rules_of(findings) == ["R-YOY-SWING"]
    assert "同比增长2466666666666666666666666667000000.0%" in findings[0].message  # 28 significant digits


def test_q_rounds_a_value_longer_than_the_context():
    from reporttool.core.units import q

    assert q(D("2466666666666666666666666666666666.66666"), 1) == D("2466666666666666666666666666666666.7")
    assert q(D("1.25"), 1) == D("1.3") and q(D("-1.25"), 1) == D("-1.3")
