"""The district form: what `reporttool template` sends out, and filled forms for the demo and other tests."""
from __future__ import annotations

import dataclasses
import datetime as dt
import re
import subprocess
from decimal import Decimal as D
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from helpers import need_tool

from reporttool.catalogue import load_catalogue
from reporttool.catalogue.writer import write_catalogue
from reporttool.cli import main
from reporttool.core.errors import ReportToolError
from reporttool.core.models import Cluster, Indicator, Period
from reporttool.forms import layout as L
from reporttool.forms import writer as W
from reporttool.workspace import Workspace

REPO = Path(__file__).resolve().parents[1]
JUNE = Period(2025, 6)


# ---- helpers ---------------------------------------------------------------------------------------


def header_row(ws, spec: L.SheetSpec) -> int:
    """1-based row whose cells are the layout's column titles (a narrow header carries a line break)."""
    titles = [c.title for c in spec.columns]
    for row in ws.iter_rows(min_row=1, max_row=20):
        if [str(c.value or "").replace("\n", "") for c in row[:len(titles)]] == titles:
            return row[0].row
    raise AssertionError(f"{spec.name}: no header row with the layout titles")


def signoff_row(ws, after: int) -> int:
    for row in ws.iter_rows(min_row=after + 1):
        text = " ".join(str(c.value) for c in row if c.value is not None)
        if all(m in text for m in L.SIGNOFF_MARKERS):
            return row[0].row
    raise AssertionError(f"{ws.title}: no sign-off line")


def validation_for(ws, cell: str):
    hits = [dv for dv in ws.data_validations.dataValidation if cell in dv.sqref]
    assert hits, f"{ws.title}!{cell} has no data validation"
    return hits[0]


def list_items(wb, dv) -> list[str]:
    """The items of a list validation: inline ("a,b") or a range on another sheet."""
    f = dv.formula1
    if f.startswith('"'):
        return f.strip('"').split(",")
    m = re.fullmatch(r"'?([^'!]+)'?!\$A\$(\d+):\$A\$(\d+)", f.lstrip("="))
    assert m, f
    ws = wb[m.group(1)]
    return [ws.cell(r, 1).value for r in range(int(m.group(2)), int(m.group(3)) + 1)]


def column_width(ws, index: int) -> float:
    """openpyxl files one <col min max> range under its first letter."""
    for dim in ws.column_dimensions.values():
        if dim.min <= index <= dim.max:
            return dim.width
    raise AssertionError(f"{ws.title}: column {index} has no width")


def identity(wb) -> dict[str, str]:
    ws = wb[L.META_SHEET]
    return {r[0]: r[1] for r in ws.iter_rows(values_only=True) if r[0]}


def output_rows(ws) -> list[tuple]:
    h = header_row(ws, L.OUTPUT)
    end = signoff_row(ws, h)
    return [tuple(c.value for c in row) for row in ws.iter_rows(min_row=h + 1, max_row=end - 1)]


# ---- the blank form --------------------------------------------------------------------------------


def test_blank_form_sheets_identity_and_layout(small_catalogue, tmp_path):
    cat = small_catalogue
    paths = W.write_templates(cat, JUNE, tmp_path)
    assert [p.name for p in paths] == [W.template_name(cat, d, JUNE) for d in cat.districts]
    assert paths[0].name == "甲区_重点产业集群报表_2025年1-6月.xlsx"
    for district, path in zip(cat.districts, paths):
        wb = openpyxl.load_workbook(path)
        assert wb.sheetnames[:5] == [L.INSTRUCTIONS_SHEET, *(s.name for s in L.DATA_SHEETS), L.META_SHEET]
        assert wb[L.META_SHEET].sheet_state == "veryHidden"  # a clerk cannot unhide it from Excel's menu
        assert identity(wb) == {"模板标识": L.TEMPLATE_ID, "版本": L.form_version(cat.settings.template_version),
                                "县区代码": district.code, "报告期": "2025-06", "目标库指纹": cat.fingerprint,
                                "城市": "测试市"}
        for spec in L.DATA_SHEETS:
            ws = wb[spec.name]
            h = header_row(ws, spec)
            top = [str(c.value) for row in ws.iter_rows(max_row=h - 1) for c in row if c.value]
            assert top[0] == spec.title.replace("{city}", "测试市").replace("{programme}", "重点产业集群")
            assert f"表号：测{spec.form_no}" in top  # prefix 测集群 + 1表
            assert "制定机关：测试市工业和信息化局" in top and "有效期至：2026年12月" in top
            assert not any(t.startswith("文号") for t in top)  # not set for the fixture city
            assert f"填报单位：{district.name}" in top and "报告期：2025年1-6月" in top
            assert f"单位：{spec.unit_note}" in top
            end = signoff_row(ws, h)
            if spec.blank_rows:
                assert end - h - 1 == spec.blank_rows
            notes = [ws.cell(r, 1).value for r in range(end + 1, end + 1 + len(spec.notes))]
            assert notes == list(spec.notes)


def test_instructions_sheet(small_catalogue, tmp_path):
    path = W.write_template(small_catalogue, "KF01", JUNE, tmp_path / "f.xlsx")
    ws = openpyxl.load_workbook(path)[L.INSTRUCTIONS_SHEET]
    text = "\n".join(str(c.value) for row in ws.iter_rows() for c in row if c.value)
    assert "丙开发区" in text and "2025年1-6月" in text
    assert "2025年7月5日" in text  # deadline: 5th of the month after the period
    for word in ("错误", "核实", "说明", "审核关系", "未设密码"):
        assert word in text
    for spec in L.DATA_SHEETS:
        assert spec.name in text
        assert spec.notes[-1][-8:] in text


def test_cluster_dropdown_is_exactly_the_catalogue(small_catalogue, default_catalogue, tmp_path):
    for cat in (small_catalogue, default_catalogue):
        path = W.write_template(cat, cat.districts[0].code, JUNE, tmp_path / f"{cat.settings.city}.xlsx")
        wb = openpyxl.load_workbook(path)
        for spec in (L.ROSTER, L.PROJECTS):
            ws = wb[spec.name]
            h = header_row(ws, spec)
            col = [c.key for c in spec.columns].index("cluster") + 1
            dv = validation_for(ws, f"{openpyxl.utils.get_column_letter(col)}{h + 1}")
            assert dv.type == "list"
            assert list_items(wb, dv) == [c.name for c in cat.clusters]


@pytest.mark.parametrize("many", [
    tuple(Cluster(f"K{i}", f"第{i}个名字相当长的示范性重点产业集群", f"示范{i}", order=i) for i in range(1, 16)),
    (Cluster("A", "化工,精细化工产业集群", "化工"), Cluster("B", "装备产业集群", "装备")),
], ids=["too-long", "comma-in-name"])
def test_long_cluster_list_goes_to_a_hidden_sheet(small_catalogue, tmp_path, many):
    cat = dataclasses.replace(small_catalogue, clusters=many, _index={})
    path = W.write_template(cat, "110101", JUNE, tmp_path / "f.xlsx")
    wb = openpyxl.load_workbook(path)
    assert wb[W.LIST_SHEET].sheet_state == "hidden"
    ws = wb[L.ROSTER.name]
    dv = validation_for(ws, f"D{header_row(ws, L.ROSTER) + 1}")
    assert not dv.formula1.startswith('"')
    assert list_items(wb, dv) == [c.name for c in many]


def test_validations_prompts_and_protection(small_catalogue, tmp_path):
    wb = openpyxl.load_workbook(W.write_template(small_catalogue, "110101", JUNE, tmp_path / "f.xlsx"))
    for spec in L.DATA_SHEETS:
        ws = wb[spec.name]
        h = header_row(ws, spec)
        assert ws.protection.sheet and not ws.protection.password
        assert ws.freeze_panes == f"A{h + 1}"
        # A4 landscape; A3 for the wide lists (企业名录 and 投资项目: 13 columns at ≥ 9 pt)
        paper = "8" if spec.key in (L.ROSTER.key, L.PROJECTS.key) else "9"
        assert ws.page_setup.orientation == "landscape" and str(ws.page_setup.paperSize) == paper
        assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToHeight == 0
        assert ws.print_title_rows == f"${h}:${h}" and ws.print_options.horizontalCentered
        assert ws.oddFooter.center.text == "第&P页 共&N页"
        assert ws.cell(h, 1).font.name == "黑体" and ws.cell(h, 1).protection.locked
        assert ws.cell(1, 1).protection.locked
        for i, col in enumerate(spec.columns, start=1):
            letter = openpyxl.utils.get_column_letter(i)
            cell = ws.cell(h + 1, i)
            assert cell.font.name == "宋体"
            assert cell.protection.locked == (col.kind == L.FIXED or (spec is L.OUTPUT and col.kind == L.SEQ))
            assert column_width(ws, i) >= col.width
            expected = {L.AMOUNT: "decimal", L.INT: "whole", L.CHOICE: "list", L.CLUSTER: "list",
                        L.DATE: "date", L.CODE: "textLength"}.get(col.kind)
            if expected:
                dv = validation_for(ws, f"{letter}{h + 1}")
                assert dv.type == expected and dv.error
                if col.kind in (L.AMOUNT, L.INT):
                    assert dv.operator == "greaterThanOrEqual" and dv.formula1 == "0"
                if col.kind == L.CHOICE:
                    assert list_items(wb, dv) == list(col.choices)
                if col.prompt:
                    assert dv.prompt == col.prompt
        # districts may add rows inside the roster and project tables, not in the pre-filled output table
        assert ws.protection.insertRows == (spec is L.OUTPUT)


def test_output_sheet_is_clusters_times_output_indicators(default_catalogue, tmp_path):
    cat = default_catalogue
    wb = openpyxl.load_workbook(W.write_template(cat, "211481", JUNE, tmp_path / "f.xlsx"))
    rows = output_rows(wb[L.OUTPUT.name])
    expected = [(c.code, c.name, i.code, i.name, i.form_unit)
                for c in cat.clusters for i in cat.output_indicators_for(c.code)]
    assert len(expected) > len(cat.clusters)
    assert [r[1:6] for r in rows] == expected
    assert [r[0] for r in rows] == list(range(1, len(expected) + 1))
    assert all(r[6:] == (None, None, None) for r in rows)


def test_unknown_district_is_a_chinese_error(small_catalogue, tmp_path):
    with pytest.raises(ReportToolError, match="110101（甲区）"):
        W.write_templates(small_catalogue, JUNE, tmp_path, "999999")
    assert W.write_templates(small_catalogue, JUNE, tmp_path, "kf01")[0].name.startswith("丙开发区_")


def test_file_names_are_windows_safe(small_catalogue):
    d = dataclasses.replace(small_catalogue.districts[0], name='甲区/新:城*?"<>|')
    name = W.template_name(small_catalogue, d, Period(2025, 1))
    assert not set('/\\:*?"<>|') & set(name)
    assert name.endswith("_重点产业集群报表_2025年1月.xlsx")


def test_failed_write_leaves_the_old_file(small_catalogue, tmp_path, monkeypatch):
    dest = tmp_path / "f.xlsx"
    dest.write_bytes(b"old")

    def boom(self, *args):
        raise RuntimeError("boom")

    monkeypatch.setattr(W._FormWriter, "write", boom)
    with pytest.raises(RuntimeError):
        W.write_template(small_catalogue, "110101", JUNE, dest)
    assert dest.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["f.xlsx"]


# ---- filled forms ----------------------------------------------------------------------------------


def test_filled_form_round_trips_values_as_typed(small_catalogue, tmp_path):
    roster = [
        {"credit_code": "91110000600037341L", "name": "=HYPERLINK(\"x\")", "cluster": "化工产业集群",
         "is_scale": "是", "revenue": D("1234.56"), "revenue_ly": "1,234.5", "employees": 12, "note": "+1"},
        {"credit_code": "123", "name": "乙公司", "cluster": "不存在的集群", "is_scale": True,
         "revenue": D("-5"), "output_value": "１２３", "employees": "十二"},
    ]
    projects = [{"name": "项目一", "cluster": "B", "nature": "新建", "status": "在建", "total": 100,
                 "done_year": D("120.5"), "start": dt.date(2025, 3, 1), "finish": "2026-12"}]
    outputs = {("A", "SR"): {"value": D("5000"), "value_ly": "4000", "note": "说明文字"},
               ("C", "YK"): {"value": D("-1")},
               ("C", "NOPE"): {"indicator": "不存在的指标", "value": D(7)}}
    path = W.write_template(small_catalogue, "110102", JUNE, tmp_path / "filled.xlsx",
                            roster=roster, projects=projects, outputs=outputs)
    wb = openpyxl.load_workbook(path)
    ws = wb[L.ROSTER.name]
    h = header_row(ws, L.ROSTER)
    got = {c.key: ws.cell(h + 1, i).value for i, c in enumerate(L.ROSTER.columns, start=1)}
    assert got["seq"] == 1
    assert got["name"] == '=HYPERLINK("x")' and ws.cell(h + 1, 3).data_type == "s"
    assert got["revenue"] == 1234.56 and isinstance(got["revenue"], float)
    assert got["revenue_ly"] == "1,234.5" and got["note"] == "+1" and got["employees"] == 12
    assert got["park"] is None
    second = {c.key: ws.cell(h + 2, i).value for i, c in enumerate(L.ROSTER.columns, start=1)}
    assert second["revenue"] == -5 and second["output_value"] == "１２３" and second["employees"] == "十二"
    assert second["is_scale"] == "是" and second["cluster"] == "不存在的集群"
    assert ws.cell(h + 3, 2).value is None  # blank rows follow the data
    pws = wb[L.PROJECTS.name]
    ph = header_row(pws, L.PROJECTS)
    prow = {c.key: pws.cell(ph + 1, i).value for i, c in enumerate(L.PROJECTS.columns, start=1)}
    assert prow["start"] == dt.datetime(2025, 3, 1) and prow["finish"] == "2026-12"
    assert prow["total"] == 100 and prow["done_year"] == 120.5
    rows = output_rows(wb[L.OUTPUT.name])
    by_key = {(r[1], r[3]): r[6:] for r in rows}
    assert by_key[("A", "SR")] == (5000, "4000", "说明文字")
    assert by_key[("C", "YK")] == (-1, None, None)
    assert by_key[("B", "CZ")] == (None, None, None)
    assert rows[-1][:7] == (len(rows), "C", None, "NOPE", "不存在的指标", None, 7)  # unknown pair: extra row


def test_many_rows_extend_the_formatted_area(small_catalogue, tmp_path):
    n = L.ROSTER.blank_rows + 700
    roster = [{"credit_code": f"X{i:017d}", "name": f"企业{i}", "cluster": "化工产业集群", "is_scale": "否",
               "revenue": D(i)} for i in range(n)]
    wb = openpyxl.load_workbook(W.write_template(small_catalogue, "110101", JUNE, tmp_path / "big.xlsx",
                                                 roster=roster))
    ws = wb[L.ROSTER.name]
    h = header_row(ws, L.ROSTER)
    end = signoff_row(ws, h)
    assert end == h + n + 1
    assert ws.cell(h + n, 3).value == f"企业{n - 1}" and ws.cell(h + n, 8).value == n - 1
    assert ws.cell(h + n, 13).border.left.style  # empty cells of data rows are formatted too
    assert ws.cell(h + n, 13).protection.locked is False
    dv = validation_for(ws, f"H{h + n}")
    assert dv.type == "decimal"


# ---- the workspace and the CLI ---------------------------------------------------------------------


def _init(tmp_path) -> tuple[CliRunner, Workspace]:
    runner = CliRunner()
    root = tmp_path / "工作目录"
    result = runner.invoke(main, ["init", str(root)])
    assert result.exit_code == 0, result.output
    return runner, Workspace(root)


def test_cli_writes_one_form_per_district(tmp_path):
    runner, ws = _init(tmp_path)
    result = runner.invoke(main, ["-w", str(ws.root), "template", "--period", "2025-06"])
    assert result.exit_code == 0, result.output
    cat = ws.catalogue()
    files = sorted(ws.templates_dir(JUNE).glob("*.xlsx"))
    assert len(files) == len(cat.districts) == 9
    assert "共生成 9 个县区的报表模板" in result.output and "2025年7月5日" in result.output
    for d in cat.districts:
        path = ws.templates_dir(JUNE) / W.template_name(cat, d, JUNE)
        assert str(path) in result.output
        wb = openpyxl.load_workbook(path)
        assert identity(wb)["县区代码"] == d.code and identity(wb)["目标库指纹"] == cat.fingerprint
        assert {s.name for s in L.DATA_SHEETS} <= set(wb.sheetnames)


def test_cli_one_district_to_a_chosen_folder(tmp_path):
    runner, ws = _init(tmp_path)
    out = tmp_path / "下发"
    result = runner.invoke(main, ["-w", str(ws.root), "template", "--period", "2025-Q2", "--district", "KF02",
                                  "--out", str(out)])
    assert result.exit_code == 0, result.output
    (path,) = out.glob("*.xlsx")
    assert path.name.startswith("葫芦岛高新技术产业开发区_")
    assert identity(openpyxl.load_workbook(path))["报告期"] == "2025-Q2"


def test_cli_unknown_district_exit_2(tmp_path):
    runner, ws = _init(tmp_path)
    result = runner.invoke(main, ["-w", str(ws.root), "template", "--period", "2025-06", "--district", "000000"])
    assert result.exit_code == 2
    assert "县区代码“000000”" in result.output and "211481（兴城市）" in result.output
    assert "Traceback" not in result.output
    assert not ws.templates_dir(JUNE).exists() or not any(ws.templates_dir(JUNE).iterdir())


def test_new_cluster_and_indicator_in_targets_show_up(tmp_path):
    runner, ws = _init(tmp_path)
    cat = load_catalogue(ws.targets)
    ninth = Cluster("NEW", "新能源汽车零部件产业集群", "新能源汽车零部件", "百亿级", 9)
    inds = tuple(dataclasses.replace(i, clusters=(*i.clusters, "NEW")) if i.code == "YYSR" else i
                 for i in cat.indicators)
    extra = Indicator("DCCN", "动力电池产能", "万千瓦时", "万千瓦时", "output", clusters=("NEW", cat.clusters[0].code),
                      order=99)
    changed = dataclasses.replace(cat, clusters=(*cat.clusters, ninth), indicators=(*inds, extra), _index={})
    write_catalogue(changed, ws.targets)
    result = runner.invoke(main, ["-w", str(ws.root), "template", "--period", "2025-06", "--district", "211481"])
    assert result.exit_code == 0, result.output
    reloaded = ws.catalogue()
    wb = openpyxl.load_workbook(ws.templates_dir(JUNE) / W.template_name(reloaded, "211481", JUNE))
    roster = wb[L.ROSTER.name]
    dv = validation_for(roster, f"D{header_row(roster, L.ROSTER) + 1}")
    assert list_items(wb, dv)[-1] == "新能源汽车零部件产业集群" and len(list_items(wb, dv)) == 9
    rows = output_rows(wb[L.OUTPUT.name])
    pairs = [(r[1], r[3]) for r in rows]
    assert ("NEW", "YYSR") in pairs and ("NEW", "DCCN") in pairs and (cat.clusters[0].code, "DCCN") in pairs
    assert len(rows) == sum(len(reloaded.output_indicators_for(c.code)) for c in reloaded.clusters)
    assert identity(wb)["目标库指纹"] == reloaded.fingerprint != cat.fingerprint


# ---- rendering and docs ----------------------------------------------------------------------------


def test_libreoffice_converts_the_form_to_pdf(small_catalogue, tmp_path):
    soffice = need_tool("soffice", "libreoffice")
    src = W.write_template(small_catalogue, "110101", JUNE, tmp_path / "甲区.xlsx")
    out = tmp_path / "pdf"
    subprocess.run([soffice, "--headless", f"-env:UserInstallation=file://{tmp_path / 'lo'}",
                    "--convert-to", "pdf", "--outdir", str(out), str(src)],
                   check=True, capture_output=True, timeout=180)
    pdf = out / "甲区.pdf"
    assert pdf.is_file() and pdf.read_bytes().startswith(b"%PDF")
    info = subprocess.run([need_tool("pdfinfo"), str(pdf)], capture_output=True, text=True, check=True).stdout
    pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))
    assert pages >= 1 + len(L.DATA_SHEETS)  # the instructions and every data sheet print (at least a page each)


def test_docs_name_every_sheet_and_column():
    doc = (REPO / "docs" / "forms.md").read_text(encoding="utf-8")
    for spec in L.DATA_SHEETS:
        assert spec.name in doc and spec.form_no in doc
        for col in spec.columns:
            assert f"| {col.title} |" in doc, f"docs/forms.md lacks column {spec.name}/{col.title}"
    for label in L.META_KEYS:
        assert label in doc
    assert L.META_SHEET in doc and L.INSTRUCTIONS_SHEET in doc


def test_template_warns_when_forms_already_received_become_stale(small_workspace, small_catalogue):
    """Changing clusters or indicators mid-month: `template` says which districts' received forms are old."""
    from reporttool.pipeline.consolidate import run_consolidate

    period = Period(2025, 6)
    W.write_template(small_catalogue, "110101", period, small_workspace.inbox / "甲区.xlsx",
                   roster=[{"credit_code": "91110000600037341L", "name": "甲公司", "cluster": "化工",
                            "is_scale": "否", "revenue": D(10)}],
                   outputs={("A", "SR"): {"value": D(100), "value_ly": D(90)}})
    run_consolidate(small_workspace, period, now=dt.datetime(2025, 7, 8), issued=dt.date(2025, 7, 8))
    runner = CliRunner()
    same = runner.invoke(main, ["-w", str(small_workspace.root), "template", "--period", "2025-06"])
    assert same.exit_code == 0 and "注意" not in same.output
    extra = Indicator("XZ", "新增指标", "亿元", "万元", "output", clusters=("A",), order=99)
    write_catalogue(dataclasses.replace(small_catalogue, indicators=small_catalogue.indicators + (extra,),
                                        _index={}), small_workspace.targets)
    changed = runner.invoke(main, ["-w", str(small_workspace.root), "template", "--period", "2025-06"])
    assert changed.exit_code == 0, changed.output
    assert "注意：本报告期已收到 1 份按调整前的集群、指标生成的报表（甲区）" in changed.output
