"""The targets catalogue: loading, validation, target resolution, formulas, the shipped catalogues."""
from __future__ import annotations

import dataclasses
from decimal import Decimal as D
from pathlib import Path

import pytest
from openpyxl import load_workbook

from reporttool.catalogue import CatalogueInvalid, load_catalogue
from reporttool.catalogue.writer import write_catalogue
from reporttool.core.formula import evaluate_formula, formula_refs
from reporttool.core.models import Indicator, Target
from reporttool.core.units import q

REPO = Path(__file__).resolve().parents[1]


# ---- the shipped catalogues -------------------------------------------------------------------------

def test_default_city_has_the_seed_clusters_and_targets(default_catalogue):
    cat = default_catalogue
    assert cat.settings.city == "葫芦岛市"
    assert len(cat.clusters) == 8
    names = [c.short_name for c in cat.clusters]
    assert names[:2] == ["基础化工和精细化工", "有色冶金"]
    # six county-level districts with their GB/T 2260 codes, plus the development zones
    codes = {d.code for d in cat.districts}
    assert {"211402", "211403", "211404", "211421", "211422", "211481"} <= codes
    assert sum(1 for d in cat.districts if d.kind == "开发区") >= 3
    hg = cat.cluster("HG")
    assert hg.tier == "千亿级" and hg.lead_units == ("市工业和信息化局",)
    assert "李延超 市委常委、副市长" in hg.leaders
    # every quantified 2025 target of the seed
    expect = {("HG", "GSQY"): 55, ("HG", "CZ"): 580, ("YS", "GSQY"): 25, ("YS", "CZ"): 260,
              ("QN", "ZJRL"): 267, ("QN", "CZ"): 40, ("CB", "GSQY"): 95, ("CB", "CZ"): 150,
              ("CB", "GDZB"): 30, ("ZX", "QYS"): 25, ("ZX", "ZXZB"): 10, ("ZX", "ZXGDP"): 7,
              ("YZ", "GSQY"): 50, ("YZ", "SJD"): 150, ("HY", "HYYY"): 150, ("HY", "NCPJG"): 85,
              ("HY", "NYZS"): 45, ("HY", "HYZCZ"): 280, ("WL", "LYGDP"): 5}
    for (c, i), v in expect.items():
        rt = cat.target_for(c, i, 2025)
        assert (rt.value, rt.derived) == (v, False), (c, i)
    # 增长2倍 is three times the base
    jdyk = next(t for t in cat.targets if t.indicator == "JDYK")
    assert jdyk.multiple == 3 and jdyk.base_year == 2022
    assert cat.target_for("YZ", "CZ", 2025).growth_rate == 6


def test_dandong_example_loads_with_twelve_clusters():
    cat = load_catalogue(REPO / "examples" / "丹东" / "targets.xlsx")
    assert cat.settings.city == "丹东市"
    assert len(cat.clusters) == 12
    assert cat.target_for("C02", "RZQY", 2025).value == 2000
    assert cat.target_for("", "ZYSR", 2025).value == 3600


def test_written_catalogue_round_trips(small_catalogue, tmp_path):
    path = write_catalogue(small_catalogue, tmp_path / "目标库.xlsx")
    again = load_catalogue(path)
    assert again.settings == small_catalogue.settings
    assert again.districts == small_catalogue.districts
    assert again.clusters == small_catalogue.clusters
    assert again.indicators == small_catalogue.indicators
    assert [dataclasses.replace(t, source_row=0) for t in again.targets] == list(small_catalogue.targets)
    assert again.fingerprint == small_catalogue.fingerprint


# ---- target resolution ------------------------------------------------------------------------------

def test_derived_year_from_plan_year_and_growth(small_catalogue):
    rt = small_catalogue.target_for("A", "SR", 2024)
    assert rt.derived
    assert q(rt.value, 4) == q(D(100) / D("1.06"), 4)
    assert "推算" in rt.explanation
    later = small_catalogue.target_for("A", "SR", 2026)
    assert later.derived and q(later.value, 2) == D("106.00")
    explicit = small_catalogue.target_for("A", "SR", 2025)
    assert explicit.value == 100 and not explicit.derived


def test_base_multiple_target_and_interpolation(small_catalogue):
    rt = small_catalogue.target_for("C", "YK", 2025)
    assert rt.value == 300 and not rt.derived
    mid = small_catalogue.target_for("C", "YK", 2024)  # 100 × 3^(2/3)
    assert mid.derived and q(mid.value, 3) == D("208.008")


def test_base_multiple_without_base_value_has_no_value(default_catalogue):
    rt = default_catalogue.target_for("WL", "LYSR", 2025)
    assert rt.value is None and "基期值未填" in rt.explanation


def test_no_target_is_none(small_catalogue):
    assert small_catalogue.target_for("B", "CZ", 2025) is None


def test_fingerprint_ignores_targets_but_not_clusters(small_catalogue):
    fp = small_catalogue.fingerprint
    changed_target = dataclasses.replace(small_catalogue, targets=small_catalogue.targets[1:], _index={})
    assert changed_target.fingerprint == fp
    more = dataclasses.replace(small_catalogue, clusters=small_catalogue.clusters[:2], _index={})
    assert more.fingerprint != fp


# ---- formulas ------------------------------------------------------------------------------------------

def test_formula_is_ratio_of_values_and_handles_missing():
    assert formula_refs("GD/SR*100") == ["GD", "SR"]
    assert evaluate_formula("GD/SR*100", {"GD": D(3), "SR": D(12)}) == D(25)
    assert evaluate_formula("A+B+C", {"A": D(1), "B": D(2), "C": D("0.5")}) == D("3.5")
    assert evaluate_formula("(A-B)/B*100", {"A": D(110), "B": D(100)}) == D(10)
    assert evaluate_formula("GD/SR*100", {"GD": D(3), "SR": D(0)}) is None
    assert evaluate_formula("GD/SR*100", {"GD": D(3)}) is None
    with pytest.raises(ValueError):
        formula_refs("GD/(SR")
    with pytest.raises(ValueError):
        formula_refs("import os")  # no names with spaces, no eval


# ---- validation: one message per problem, with sheet and row ---------------------------------------

def _broken(small_catalogue, tmp_path, **changes) -> list[str]:
    cat = dataclasses.replace(small_catalogue, _index={}, **changes)
    path = write_catalogue(cat, tmp_path / "broken.xlsx")
    with pytest.raises(CatalogueInvalid) as exc:
        load_catalogue(path)
    return [str(p) for p in exc.value.problems]


def test_unknown_cluster_in_target(small_catalogue, tmp_path):
    msgs = _broken(small_catalogue, tmp_path,
                   targets=small_catalogue.targets + (Target("Z", "SR", "annual", 2025, D(1)),))
    assert any("目标" in m and "第9行" in m and "“Z”" in m for m in msgs), msgs


def test_target_for_indicator_the_cluster_does_not_report(small_catalogue, tmp_path):
    msgs = _broken(small_catalogue, tmp_path,
                   targets=small_catalogue.targets + (Target("C", "CZ", "annual", 2025, D(1)),))
    assert any("不报送指标" in m for m in msgs), msgs


def test_duplicate_codes_and_targets(small_catalogue, tmp_path):
    msgs = _broken(small_catalogue, tmp_path,
                   districts=small_catalogue.districts + (dataclasses.replace(small_catalogue.districts[0],
                                                                              name="重复区"),),
                   targets=small_catalogue.targets + (small_catalogue.targets[0],))
    assert any("县区" in m and "重复" in m for m in msgs), msgs
    assert any("目标" in m and "重复" in m for m in msgs), msgs


def test_formula_with_unknown_indicator(small_catalogue, tmp_path):
    bad = Indicator("XX", "坏公式", "%", "%", "formula", False, ("A",), formula="SR/NOPE*100")
    msgs = _broken(small_catalogue, tmp_path, indicators=small_catalogue.indicators + (bad,))
    assert any("NOPE" in m for m in msgs), msgs


def test_non_number_in_target_value(small_catalogue, tmp_path):
    path = write_catalogue(small_catalogue, tmp_path / "t.xlsx")
    wb = load_workbook(path)
    wb["目标"]["F3"] = "五百亿"
    wb.save(path)
    with pytest.raises(CatalogueInvalid) as exc:
        load_catalogue(path)
    msgs = [str(p) for p in exc.value.problems]
    assert msgs == ["“目标”表第3行：“目标值”应为数字，现为“五百亿”"]


def test_missing_sheet_and_not_a_workbook(small_catalogue, tmp_path):
    path = write_catalogue(small_catalogue, tmp_path / "t.xlsx")
    wb = load_workbook(path)
    del wb["指标"]
    wb.save(path)
    with pytest.raises(CatalogueInvalid) as exc:
        load_catalogue(path)
    assert [str(p) for p in exc.value.problems] == ["“指标”表：缺少此工作表"]
    junk = tmp_path / "junk.xlsx"
    junk.write_text("not a workbook", encoding="utf-8")
    with pytest.raises(CatalogueInvalid) as exc:
        load_catalogue(junk)
    assert [str(p) for p in exc.value.problems] == [
        "文件不是 Excel 工作簿（.xlsx），可能是改了扩展名的其他文件。请用 Excel/WPS 打开报表模板填写后另存为 .xlsx。"]


def test_full_width_and_spaces_in_codes_are_normalised(small_catalogue, tmp_path):
    path = write_catalogue(small_catalogue, tmp_path / "t.xlsx")
    wb = load_workbook(path)
    ws = wb["目标"]
    ws["A3"] = " Ａ "  # full-width A with spaces, as pasted from a document
    wb.save(path)
    cat = load_catalogue(path)
    assert cat.targets[0].cluster == "A"


def test_targets_sheet_shows_names_beside_codes_for_reading(small_catalogue, tmp_path):
    path = write_catalogue(small_catalogue, tmp_path / "t.xlsx")
    ws = load_workbook(path)["目标"]
    header = [c.value for c in ws[2]]
    row = dict(zip(header, [c.value for c in ws[3]]))
    assert (row["集群代码"], row["集群名称（参考）"], row["指标名称（参考）"], row["单位（参考）"]) == \
        ("A", "化工", "营业收入", "亿元")
    # editing a reference column changes nothing: the loader reads the codes
    ws["L3"] = "随便写的"
    ws.parent.save(path)
    assert load_catalogue(path).targets[0].cluster == "A"


def test_a_far_away_cell_in_the_catalogue_is_refused_before_calamine_sees_it(small_catalogue, tmp_path):
    """python-calamine 0.9 aborts the process on a value at XFD1048576: the pre-check must catch it."""
    import subprocess
    import sys

    from hostile import far_cell

    path = write_catalogue(small_catalogue, tmp_path / "t.xlsx")
    bad = far_cell(path, tmp_path, part="xl/worksheets/sheet5.xml")  # the 目标 sheet
    code = ("import sys; from reporttool.catalogue import load_catalogue, CatalogueInvalid\n"
            "try:\n    load_catalogue(sys.argv[1])\nexcept CatalogueInvalid as e:\n"
            "    print(e.problems[0])")
    out = subprocess.run([sys.executable, "-c", code, str(bad)], capture_output=True, text=True,
                         encoding="utf-8")
    assert out.returncode == 0, out.stderr  # the process survived
    assert "目标" in out.stdout and "范围" in out.stdout


def test_a_catalogue_is_loaded_once_for_the_same_bytes_and_again_when_they_change(small_workspace):
    """load_catalogue keeps what it loaded from a file's bytes (a command asks for it more than once);
    an edited file is loaded again, a broken one is refused every time."""
    ws = small_workspace
    first = ws.catalogue()
    assert ws.catalogue() is first  # the same bytes: the same (frozen) catalogue
    settings = dataclasses.replace(first.settings, city="另一市")
    write_catalogue(dataclasses.replace(first, settings=settings, _index={}), ws.targets)
    edited = ws.catalogue()
    assert edited is not first and edited.settings.city == "另一市"
    ws.targets.write_bytes(b"not a workbook")
    for _ in range(2):
        with pytest.raises(CatalogueInvalid):
            ws.catalogue()


def test_memo_makes_a_value_once_per_catalogue_object(small_catalogue):
    made = []
    first = small_catalogue.memo("k", lambda: made.append(1) or len(made))
    again = small_catalogue.memo("k", lambda: made.append(1) or len(made))
    assert first == again == 1 and made == [1]
    copy = dataclasses.replace(small_catalogue, clusters=small_catalogue.clusters[:1])
    assert copy.memo("k", lambda: made.append(1) or len(made)) == 2  # a changed copy starts afresh
