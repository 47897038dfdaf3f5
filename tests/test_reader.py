"""Reading filled district forms: normalised values, tables found by their headers, and isolation."""
from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import sys
import tempfile
from decimal import Decimal as D
from pathlib import Path

import hostile as H
import openpyxl
import pytest
from helpers import need_tool
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reporttool.core.models import INFO, VERIFY, ReadRefused
from reporttool.forms import layout as L
from reporttool.forms.isolate import CRASH_HOOK_ENV, read_many, read_one_isolated
from reporttool.forms.reader import read_submission, to_date


@pytest.fixture
def form(small_catalogue, tmp_path):
    return H.filled_form(small_catalogue, tmp_path / "甲区_重点产业集群报表_2025年1-6月.xlsx")


def rows(sub, key):
    return {r.number: r for r in sub.tables[key].rows}


def edited(path: Path, dest: Path, sheet: str, fn) -> Path:
    """Edit a copy of a form with openpyxl (as a district re-saving it in another program would)."""
    wb = openpyxl.load_workbook(path)
    fn(wb[sheet])
    wb.save(dest)
    return dest


# ---- values -----------------------------------------------------------------------------------------


def test_values_are_normalised(small_catalogue, form):
    sub, findings = read_submission(form, small_catalogue, expected_period=H.PERIOD, expected_district="110101")
    assert findings == []
    assert sub.identity.district == "110101" and sub.identity.period == "2025-06"
    assert sub.header == {"填报单位": "甲区", "报告期": "2025年1-6月"}
    roster = rows(sub, "roster")
    assert sorted(roster) == [7, 8]
    a, b = roster[7].values, roster[8].values
    assert a["revenue"] == D("1234.5") and a["employees"] == 120 and a["cluster"] == "A"
    assert a["is_scale"] == "是" and a["is_leader"] is None and a["park"] is None
    assert b["revenue"] == D("1200")  # full-width digits with a separator, stored as text
    assert b["revenue_ly"] == D("3456.78") and b["employees"] == 35  # numbers stored as text
    assert b["cluster"] == "B" and b["note"] == "新投产"
    assert roster[7].raw == {} and roster[8].raw == {}
    project = sub.tables["projects"].rows[0].values
    assert project["done_year"] is None and sub.tables["projects"].rows[0].raw == {}  # "—" is empty
    assert project["start"] == dt.date(2025, 3, 1) and project["finish"] == dt.date(2026, 12, 1)
    assert project["total"] == D(5000) and isinstance(project["total"], D)
    out = {(r.values["cluster_code"], r.values["indicator_code"]): r.values for r in sub.tables["output"].rows}
    assert set(out) == {("A", "SR"), ("B", "CZ")}  # rows with nothing filled in are skipped
    assert out[("A", "SR")]["value"] == D("100.5") and out[("A", "SR")]["value_ly"] == D(80)
    assert out[("B", "CZ")]["value"] == D(20) and out[("B", "CZ")]["note"] == "说明"


def test_values_not_understood_keep_the_typed_text(small_catalogue, tmp_path):
    roster = [{"credit_code": "９１２１１４００ma0qc1xx1x", "name": "甲\x07化工\u200b有限公司", "cluster": "不存在集群",
               "is_scale": "可能", "revenue": "约100万元", "revenue_ly": 0.1, "employees": "3.5",
               "note": "=SUM(A1:A2)"}]
    projects = [{"name": "项目", "cluster": "化工", "nature": "新建", "status": "在建", "total": "1e3",
                 "start": "明年", "finish": "2026.10"}]
    path = H.filled_form(small_catalogue, tmp_path / "填错.xlsx", roster=roster, projects=projects, outputs={})
    sub, findings = read_submission(path, small_catalogue)
    assert findings == []  # the reader does not judge values: the checks do
    row = sub.tables["roster"].rows[0]
    assert row.values["credit_code"] == "91211400MA0QC1XX1X"
    assert row.values["name"] == "甲化工有限公司"  # control and zero-width characters removed
    assert row.values["cluster"] == "不存在集群" and row.raw["cluster"] == "不存在集群"
    assert row.values["is_scale"] is None and row.raw["is_scale"] == "可能"
    assert row.values["revenue"] is None and row.raw["revenue"] == "约100万元"
    assert row.values["revenue_ly"] == D("0.1")
    assert row.values["employees"] is None and row.raw["employees"] == "3.5"
    assert row.values["note"] == "=SUM(A1:A2)"  # text that looks like a formula stays text
    project = sub.tables["projects"].rows[0]
    assert project.values["total"] == D(1000)
    assert project.values["start"] is None and project.raw["start"] == "明年"
    assert project.values["finish"] == dt.date(2026, 10, 1)  # typed as text "2026.10": October


@pytest.mark.parametrize("typed, expected", [
    ("2025-03", dt.date(2025, 3, 1)), ("2025年3月", dt.date(2025, 3, 1)), ("2025.3", dt.date(2025, 3, 1)),
    ("2025/3/15", dt.date(2025, 3, 15)), ("２０２５－０３", dt.date(2025, 3, 1)), ("202503", dt.date(2025, 3, 1)),
    ("2025年3月5日", dt.date(2025, 3, 5)), ("2025-03-01 00:00:00", dt.date(2025, 3, 1)),
    (dt.datetime(2025, 3, 4, 10, 0), dt.date(2025, 3, 4)), (2025.3, dt.date(2025, 3, 1)),
    (45717.0, dt.date(2025, 3, 1)), ("—", None),
])
def test_dates(typed, expected):
    assert to_date(typed) == expected


@pytest.mark.parametrize("typed", ["2025-13", "明年", "2025年", 2025.1, True, "2025/2/30"])
def test_dates_not_understood(typed):
    with pytest.raises(ValueError):
        to_date(typed)  # 2025.1 as a number may have been typed 2025.10: refused, not guessed


def test_output_rows_fall_back_to_names(small_catalogue, form, tmp_path):
    def edit(ws):
        ws["B7"] = None  # cluster code of (A, SR) cleared: the name 化工产业集群 identifies it
        ws["D7"] = None
        ws["D8"] = "XX"  # an unknown indicator code with a known name is found by name
        ws["G8"] = 5
        ws["D9"], ws["E9"], ws["G9"] = "XX", "不存在的指标", 7
    sub, _ = read_submission(edited(form, tmp_path / "改代码.xlsx", "集群产出", edit), small_catalogue)
    out = rows(sub, "output")
    assert (out[7].values["cluster_code"], out[7].values["indicator_code"]) == ("A", "SR")
    assert out[8].values["indicator_code"] == "CZ"
    assert out[9].values["indicator_code"] is None and out[9].raw["indicator_code"] == "XX"


# ---- finding the table ------------------------------------------------------------------------------


def test_header_found_when_rows_are_inserted_above(small_catalogue, form, tmp_path):
    sub, _ = read_submission(edited(form, tmp_path / "插行.xlsx", "集群企业", lambda ws: ws.insert_rows(1, 3)),
                             small_catalogue)
    table = sub.tables["roster"]
    assert table.header_row == 9 and sorted(rows(sub, "roster")) == [10, 11]
    assert table.cell("revenue", 10) == "H10"


def test_code_row_under_the_header_is_skipped(small_catalogue, form, tmp_path):
    def edit(ws):
        ws.insert_rows(7)
        for c, code in enumerate(["甲", "乙", "丙", "丁", "戊", "己", "庚", 1, 2, 3, 4, 5, "6"], start=1):
            ws.cell(7, c, code)
    sub, _ = read_submission(edited(form, tmp_path / "代码行.xlsx", "集群企业", edit), small_catalogue)
    assert sorted(rows(sub, "roster")) == [8, 9]


def test_blank_rows_in_the_middle_are_skipped(small_catalogue, tmp_path):
    path = H.filled_form(small_catalogue, tmp_path / "空行.xlsx", roster=[H.ROSTER[0], {}, {}, H.ROSTER[1]])
    sub, _ = read_submission(path, small_catalogue)
    assert sorted(rows(sub, "roster")) == [7, 10]


def test_rows_below_the_signoff_are_not_read(small_catalogue, form, tmp_path):
    grid = openpyxl.load_workbook(form)["集群企业"]
    signoff = next(c.row for c in grid["A"] if isinstance(c.value, str) and "单位负责人" in c.value)

    def edit(ws):
        ws.cell(signoff + 6, 3, "丁化工有限公司")
        ws.cell(signoff + 6, 8, 99)
    sub, findings = read_submission(edited(form, tmp_path / "签名栏下.xlsx", "集群企业", edit), small_catalogue)
    assert sorted(rows(sub, "roster")) == [7, 8]
    extra = [f for f in findings if f.rule == "R-EXTRA-ROW"]
    assert len(extra) == 1 and extra[0].severity == INFO and extra[0].row == signoff + 6
    assert extra[0].sheet == "集群企业" and f"第{signoff + 6}行" in extra[0].message and extra[0].file == "签名栏下.xlsx"


def test_formula_with_cached_value(small_catalogue, form, tmp_path):
    sub, findings = read_submission(H.with_formula(form, tmp_path, "H7", "1000+234.5", cached=True), small_catalogue)
    assert rows(sub, "roster")[7].values["revenue"] == D("1234.5") and findings == []


def test_formula_without_cached_value(small_catalogue, form, tmp_path):
    sub, findings = read_submission(H.with_formula(form, tmp_path, "H7", "1000+234.5", cached=False),
                                    small_catalogue)
    assert rows(sub, "roster")[7].values["revenue"] is None
    [f] = findings
    assert f.rule == "R-NO-CACHED" and f.severity == VERIFY
    assert (f.file, f.district, f.sheet, f.row, f.column, f.cell) == (
        "公式无缓存.xlsx", "110101", "集群企业", 7, "本年累计营业收入", "H7")


def test_libreoffice_round_trip_reads_the_same(small_catalogue, form, tmp_path):
    soffice = need_tool("soffice", "libreoffice")
    out = tmp_path / "lo"
    src = tmp_path / "roundtrip.xlsx"
    shutil.copy(form, src)
    subprocess.run([soffice, f"-env:UserInstallation=file://{tmp_path / 'profile'}", "--headless",
                    "--convert-to", "xlsx", "--outdir", str(out), str(src)], check=True, capture_output=True,
                   timeout=180)
    before, _ = read_submission(form, small_catalogue)
    after, findings = read_submission(out / "roundtrip.xlsx", small_catalogue)
    assert findings == []
    for key in ("roster", "projects", "output"):
        assert [(r.number, r.values) for r in after.tables[key].rows] == \
               [(r.number, r.values) for r in before.tables[key].rows]
    assert after.identity == before.identity


def test_a_large_roster_reads_every_row(small_catalogue, tmp_path):
    roster = [{**H.ROSTER[i % 2], "name": f"企业{i}", "revenue": D(i) / 4} for i in range(5000)]
    sub, _ = read_submission(H.filled_form(small_catalogue, tmp_path / "大名录.xlsx", roster=roster),
                             small_catalogue)
    got = sub.tables["roster"].rows
    assert len(got) == 5000 and got[-1].values["name"] == "企业4999" and got[-1].values["revenue"] == D("1249.75")


# ---- property: whatever is typed, the reader returns or refuses ----------------------------------------

_cells = st.one_of(
    st.none(), st.text(max_size=40), st.integers(min_value=-10**20, max_value=10**20),
    st.floats(allow_nan=False, allow_infinity=False), st.dates(min_value=dt.date(1900, 3, 1)),
    st.sampled_from(["=1+1", "=SUM(A1:A9)", "@x", "—", "１,２３４.５", "1e309", "\x00\x01\x1f", "2025.10",
                     "填报单位：", "单位负责人：", "审核关系："]),
    st.decimals(allow_nan=False, allow_infinity=False, places=4),
)
_keys = [c.key for c in L.ROSTER.columns]


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.fixed_dictionaries({k: _cells for k in _keys}), min_size=1, max_size=4),
       st.fixed_dictionaries({"value": _cells, "value_ly": _cells, "note": _cells}))
def test_any_cell_content_reads_or_is_refused(small_catalogue, roster, output):
    with tempfile.TemporaryDirectory() as tmp:
        path = H.filled_form(small_catalogue, Path(tmp) / "随机.xlsx", roster=roster, projects=roster[:1],
                             outputs={("A", "SR"): output})
        try:
            sub, findings = read_submission(path, small_catalogue)
        except ReadRefused as exc:
            assert exc.finding.message
        else:
            # row-shape findings of the reader (a row with only 说明, a header pasted again: docs/reading.md)
            assert all(f.rule in ("R-EXTRA-ROW", "R-NO-CACHED", "R-NOTE-ONLY-ROW", "R-HEADER-ROW") for f in findings)
            for row in sub.tables["roster"].rows:
                assert set(row.raw) <= set(row.values)


# ---- isolation --------------------------------------------------------------------------------------


def test_one_small_file_is_read_in_process(small_catalogue, form):
    result = read_one_isolated(form, small_catalogue, expected_period=H.PERIOD)
    assert len(result.submission.tables["roster"].rows) == 2
    assert result.sha256 == result.submission.sha256 and len(result.sha256) == 64


def test_dead_worker_is_unsafe_and_the_batch_goes_on(small_catalogue, form, tmp_path, monkeypatch):
    files = []
    for name in ("a", "b", "crash_c", "d"):
        files.append(tmp_path / f"{name}.xlsx")
        shutil.copy(form, files[-1])
    files.insert(2, H.empty_file(tmp_path))
    monkeypatch.setenv(CRASH_HOOK_ENV, "crash_")  # the worker reading crash_c.xlsx exits at once
    seen = []
    results = read_many(files, small_catalogue, workers=2, progress=lambda done, total: seen.append((done, total)))
    assert [r.path for r in results] == files
    rules = {r.path.name: [f.rule for f in r.findings] for r in results}
    assert rules == {"a.xlsx": [], "b.xlsx": [], "空文件.xlsx": ["F-EMPTY-FILE"], "crash_c.xlsx": ["F-UNSAFE"],
                     "d.xlsx": []}
    assert [r.path.name for r in results if r.submission is not None] == ["a.xlsx", "b.xlsx", "d.xlsx"]
    assert seen[-1] == (5, 5) and len(seen) == 5
    unsafe = results[3].findings[0]
    assert unsafe.file == "crash_c.xlsx" and "无法安全读取" in unsafe.message


@pytest.mark.skipif(sys.platform == "win32", reason="no RLIMIT_AS on Windows: workers run without a memory limit")
def test_a_file_over_the_memory_limit_kills_only_its_worker(small_catalogue, form, tmp_path):
    # within the extent limits (100000 rows × 200 columns) but calamine allocates the whole area
    big = H.far_cell(form, tmp_path, ref="GR100000")
    results = read_many([form, big], small_catalogue, workers=2, memory_mb=400)
    assert results[0].submission is not None and results[0].findings == []
    assert results[1].submission is None and [f.rule for f in results[1].findings] == ["F-UNSAFE"]


def test_a_worker_over_the_timeout_is_killed(small_catalogue, form, tmp_path, monkeypatch):
    from reporttool.forms.isolate import HANG_HOOK_ENV

    hang = tmp_path / "hang.xlsx"
    shutil.copy(form, hang)
    monkeypatch.setenv(HANG_HOOK_ENV, "hang")
    result = read_one_isolated(hang, small_catalogue, timeout=0.5, isolate=True)  # it hangs: 0.5 s is enough
    assert result.submission is None and [f.rule for f in result.findings] == ["F-UNSAFE"]
    assert "超过 0.5 秒" in result.findings[0].message
