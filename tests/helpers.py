"""Builders shared by the test modules (a plain module, not a test module; no test module imports another).

- ``need_tool``: a render or browser tool, else skip (fail in CI).
- Catalogues: ``make_small_catalogue`` (the small fixture city, also the ``small_catalogue`` fixture of
  conftest.py), ``make_province_catalogue`` (a province-shaped plan),
  ``make_programme_catalogue`` (district-wide figures and a programme ratio).
- Submissions as the reader hands them over: ``table``, ``output_rows``, ``submission`` (the one builder),
  put in a ledger by ``ingest``; real district workbooks in a workspace's inbox: ``put``; a form with a
  roster of three enterprises anywhere: ``roster_form`` (``chemical_roster``), cells merged in it by a
  clerk: ``merge_cells``.
- ``credit_code``: a valid 统一社会信用代码.
- A first quarter of monthly reports: ``JAN``…``APR``, ``ingest_month``, ``figures_with_months`` (the
  ``quarter`` fixture of conftest.py).
- Print setup: ``print_area``, ``stored_units``, ``assert_prints_at_9pt``.
- Reading outputs back: ``xlsx_text``, ``docx_xml``; the brief: ``texts``, ``colophon_paragraphs``, ``small_brief``.
- ``sample_figures`` (and ``small_figures``, ``default_figures``): a realistic hand-made Figures for the
  renderers, without the ledger (see its section below).
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import os
import random
import re
import shutil
import zipfile
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from decimal import Decimal as D
from pathlib import Path

import docx
import openpyxl
import pytest
from openpyxl.utils import column_index_from_string
from stdnum.cn import uscc

from reporttool.catalogue import Catalogue, load_catalogue
from reporttool.core.formula import evaluate_formula
from reporttool.core.models import (
    ERROR,
    INFO,
    SOURCE_FORMULA,
    SOURCE_PROJECTS,
    SOURCE_ROSTER,
    TARGET_GROWTH,
    VERIFY,
    Cluster,
    District,
    Finding,
    FormIdentity,
    Indicator,
    Period,
    Row,
    Settings,
    Submission,
    Table,
    Target,
)
from reporttool.core.paper import A3_LANDSCAPE, A4_LANDSCAPE, MIN_TEXT_PT, printed_pt
from reporttool.core.status import (
    AHEAD,
    LAGGING,
    ON_TRACK,
    ST_ERRORS,
    ST_MISSING,
    ST_PASSED,
    ST_RETURNED,
    ST_VERIFY,
)
from reporttool.core.units import unit_factor
from reporttool.figures.compute import compute_figures
from reporttool.figures.months import add_months
from reporttool.figures.records import (
    Figures,
    IndicatorFigure,
    InvestmentFigure,
    RosterFigure,
    SubmissionState,
    add_cluster_measures,
)
from reporttool.forms.layout import SHEETS_BY_KEY, TEMPLATE_ID
from reporttool.forms.writer import write_template
from reporttool.ledger import Ledger
from reporttool.render.brief import write_brief
from reporttool.workspace import Workspace

REPO = Path(__file__).resolve().parents[1]
P = Period(2025, 6)  # the report period of the tests
NOW = dt.datetime(2025, 7, 8, 9, 0)  # when a consolidate run of P happens
ON_TIME = dt.datetime(2025, 7, 3, 10, 0)  # a file of P that arrived before the deadline
ISSUED = dt.date(2025, 7, 8)  # the brief's issue date
JAN, FEB, MAR, APR = (Period(2025, m) for m in (1, 2, 3, 4))  # a first quarter of monthly reports
PAPERS = {9: A4_LANDSCAPE, 8: A3_LANDSCAPE}  # openpyxl paperSize -> the paper


def need_tool(*names: str) -> str:
    """The path of the first tool found among `names`; else skip, or fail when REPORTTOOL_REQUIRE_RENDER=1.

    CI sets REPORTTOOL_REQUIRE_RENDER (.ci/run installs LibreOffice, poppler and Chromium), so a render or
    browser test can never pass there by skipping.
    """
    for name in names:
        found = shutil.which(name)
        if found:
            return found
    reason = f"{' / '.join(names)} is not installed"
    if os.environ.get("REPORTTOOL_REQUIRE_RENDER") == "1":
        pytest.fail(reason + " (REPORTTOOL_REQUIRE_RENDER=1: render tests must run)")
    pytest.skip(reason)


def credit_code(n: int, area: str = "110000") -> str:
    """A valid 18-character 统一社会信用代码 (GB 32100-2015 check character) numbered ``n`` in ``area``."""
    body = f"91{area}MA{n:07d}"
    return body + uscc.calc_check_digit(body)


# ---- catalogues -----------------------------------------------------------------------------------------

def make_small_catalogue() -> Catalogue:
    """A made-up city: 3 districts (one a development zone), 3 clusters, indicators of every source."""
    ind = Indicator
    return Catalogue(
        Settings(city="测试市", issuing_unit="测试市工业和信息化局", bulletin_name="产业集群工作简报",
                 deadline_day=5, lag_threshold=D(5), yoy_threshold=D(30), form_code="测集群",
                 form_authority="测试市工业和信息化局", form_valid_until="2026年12月",
                 report_to="市领导", send_to="各牵头单位", distribute_to="各县区", copies=10),
        (District("110101", "甲区", "区", 1), District("110102", "乙县", "县", 2),
         District("KF01", "丙开发区", "开发区", 3)),
        (Cluster("A", "化工产业集群", "化工", "千亿级", 1, ("市工信局",), ("张三 副市长",), ("甲化工",), ()),
         Cluster("B", "装备制造产业集群", "装备制造", "百亿级", 2, ("市发改委",), ("李四 副市长",), (), ()),
         Cluster("C", "文旅产业集群", "文旅", "百亿级", 3, ("市文旅局",), ("王五 副市长",), (), ())),
        (ind("SR", "营业收入", "亿元", "万元", "output", clusters=("A", "B", "C"), roster_measure="营业收入合计",
             order=1),
         ind("CZ", "工业总产值", "亿元", "万元", "output", clusters=("A", "B"), order=2),
         ind("GS", "规上企业户数", "户", "户", "roster", clusters=("A", "B"), roster_measure="规上企业户数",
             decimals=0, compare_time=False, order=3),
         ind("GD", "高端装备营业收入", "亿元", "万元", "output", clusters=("B",), order=4),
         ind("ZB", "高端装备营收占比", "%", "%", "formula", summable=False, clusters=("B",),
             formula="GD/SR*100", decimals=1, compare_time=False, order=5),
         ind("YK", "接待游客人次", "万人次", "万人次", "output", clusters=("C",), order=6),
         ind("TZ", "项目完成投资", "亿元", "万元", "projects", clusters=("A", "B", "C"), roster_measure="本年完成投资",
             order=7)),
        (Target("A", "SR", "annual", 2025, D(100), D(6)),
         Target("A", "GS", "annual", 2025, D(20)),
         Target("B", "SR", "annual", 2025, D(50)),
         Target("B", "ZB", "annual", 2025, D(30)),
         Target("C", "YK", "base_multiple", 2025, base_year=2022, base_value=D(100), multiple=D(3)),
         Target("", "SR", "annual", 2025, D(200))),
    )


def make_province_catalogue():
    """A made-up province: its submitting units are 设区市, 销售收入 and a growth-rate target."""
    base = make_small_catalogue()
    settings = dataclasses.replace(base.settings, city="测试省", issuing_unit="测试省工业和信息化厅",
                                   distribute_to="各设区市工信局")
    districts = (District("130100", "甲市", "市", 1), District("130200", "乙市", "市", 2),
                 District("130300", "丙市", "市", 3))
    every = ("A", "B", "C")
    indicators = base.indicators + (
        Indicator("ZJZ", "增加值", "亿元", "万元", "output", clusters=every, order=11),
        Indicator("SNPT", "省内配套采购额", "亿元", "万元", "output", clusters=("A", "B"), order=12),
        Indicator("CGZE", "采购总额", "亿元", "万元", "output", clusters=("A", "B"), order=13),
        Indicator("PTL", "省内配套率", "%", "%", "formula", summable=False, clusters=("A", "B"),
                  formula="SNPT/CGZE*100", decimals=1, compare_time=False, order=14),
        Indicator("GSCZ", "规上工业总产值", "亿元", "万元", "output", programme=True, order=15),
        Indicator("JQZB", "集群产值占规上工业比重", "%", "%", "formula", summable=False, programme=True,
                  formula="CZ/GSCZ*100", decimals=1, compare_time=False, order=16))
    targets = base.targets + (
        Target("A", "SR", "growth", 2025, growth_rate=D(10), note="销售收入年均增长10%"),
        Target("A", "ZJZ", "growth", 2025, growth_rate=D(8), note="增加值年均增长8%"),
        Target("A", "PTL", "annual", 2025, D(40), note="省内配套率达到40%"),
        Target("B", "SR", "annual", 2027, D(90), note="到2027年销售收入90亿元"),
        Target("", "JQZB", "annual", 2025, D(50), note="集群产值占全省规上工业50%以上"))
    return dataclasses.replace(base, settings=settings, districts=districts, indicators=indicators,
                               targets=targets, _index={})


def make_programme_catalogue() -> Catalogue:
    """The small catalogue with a district-wide figure (规上工业总产值, reported once per district), the
    clusters' share of it as a programme ratio with a target, and one cluster left out of the programme."""
    base = make_small_catalogue()
    a, b, c = base.clusters
    clusters = (a, b, dataclasses.replace(c, in_programme=False))
    indicators = base.indicators + (
        Indicator("GSCZ", "规上工业总产值", "亿元", "万元", "output", programme=True, order=20),
        Indicator("JQZB", "集群产值占规上工业总产值比重", "%", "%", "formula", summable=False, programme=True,
                  formula="CZ/GSCZ*100", decimals=1, compare_time=False, order=21),
        Indicator("WZ", "实际利用外资", "亿美元", "万美元", "output", programme=True, order=22))
    targets = base.targets + (Target("", "JQZB", "annual", 2025, D(60), note="集群产值占规上工业总产值60%以上"),)
    return dataclasses.replace(base, clusters=clusters, indicators=indicators, targets=targets, _index={})


# ---- submissions, as the reader hands them over -------------------------------------------------------------

def table(key: str, rows: Iterable[Row | Mapping], header_row: int = 4) -> Table:
    """A read table of sheet ``key``: Row objects as given, or dicts numbered from the row under the header."""
    spec = SHEETS_BY_KEY[key]
    cols = {c.key: i + 1 for i, c in enumerate(spec.columns)}
    return Table(spec.name, key, header_row, cols,
                 [r if isinstance(r, Row) else Row(header_row + 1 + i, dict(r)) for i, r in enumerate(rows)])


def output_rows(cat: Catalogue, start: int = 6, **by_pair) -> list[Row]:
    """The output sheet as pre-printed: one row per cluster × output indicator from row ``start``;
    ``by_pair`` {"A_SR": (value, value_ly, note)} fills some."""
    rows = []
    n = start
    for cl in cat.clusters:
        for ind in cat.output_indicators_for(cl.code):
            value, ly, note = by_pair.get(f"{cl.code}_{ind.code}", (None, None, None))
            rows.append(Row(n, {"cluster_code": cl.code, "cluster": cl.name, "indicator_code": ind.code,
                                "indicator": ind.name, "unit": ind.form_unit, "value": value,
                                "value_ly": ly, "note": note}))
            n += 1
    return rows


def submission(district: str = "110101", *, outputs: dict | list | None = None, roster: Iterable = (),
               projects: Iterable = (), period: Period = P, tag: str = "", cat: Catalogue | None = None,
               file_name: str | None = None, header_row: int = 4) -> Submission:
    """A read submission (the one builder of the tests).

    ``outputs``: {(cluster, indicator): (value, value_ly)} in form units, or the output sheet's rows; none
    given and a ``cat``: the sheet as pre-printed (``output_rows``). ``roster``/``projects``: Rows or dicts.
    The form identity carries ``cat``'s fingerprint when given. The file is named after district, period
    and ``tag`` unless ``file_name`` is given."""
    if isinstance(outputs, dict):
        out_rows: list = [{"cluster_code": c, "indicator_code": i, "value": v, "value_ly": ly}
                          for (c, i), (v, ly) in outputs.items()]
    elif outputs is None:
        out_rows = output_rows(cat, header_row + 1) if cat is not None else []
    else:
        out_rows = list(outputs)
    tables = {"output": table("output", out_rows, header_row), "roster": table("roster", list(roster), header_row),
              "projects": table("projects", list(projects), header_row)}
    name = file_name or f"{district}-{period.key}-{tag}.xlsx"
    ident = (FormIdentity(TEMPLATE_ID, "1.1", district, period.key, cat.fingerprint) if cat is not None
             else FormIdentity("t", "1.1", district, period.key, "fp"))
    return Submission(name, name, "", ident, tables)


# Odd cell values as a reader could hand them over, or worse: what the per-file checks must treat alike on
# every path (tests/test_check_columns.py). By column kind; "" and None everywhere.
_ODD_ANY = (None, "", " ", "\u3000", "\t\n", "—", "-", "NaN", "\x07控制\x1f", True, False, 0, -1, Decimal("-0"),
            Decimal("1E+16"), 1e16, -0.0, dt.date(2025, 3, 1), dt.datetime(2025, 3, 2, 10, 0), "Ａ", "ａ")
_ODD_TEXT = ("某某有限公司", " 某某有限公司 ", "x" * 200, "x" * 201, "甲" * 32_766, "甲" * 32_767, "１２３", "a\nb")
_ODD_AMOUNT = (Decimal("0"), Decimal("-0.00"), Decimal("-5"), Decimal("1E12"), Decimal("999999999999.99"),
               Decimal("-1E12"), Decimal("0.123456789012345678901234567"), Decimal("1.5E-30"), 7, -7, 10 ** 12,
               Decimal("12.3"), Decimal("999.99"), Decimal("1000"), Decimal("1000.0000000000000000000000001"),
               Decimal("Infinity"), Decimal("-Infinity"), "12%", "一百", 3.5)
_ODD_CODE = ("91110000MA0000001", "91110000ma00000018", "9111 0000-MA00000018", "９１１１００００ＭＡ００００００１８",
             "911100000000000001", "91110000IO0000000S", "9" * 19, "")


def _odd(rng: random.Random, *pools: tuple) -> object:
    pool = rng.choice(pools + (_ODD_ANY,))
    return rng.choice(pool)


def odd_submission(rng: random.Random, cat: Catalogue, rows: int = 30, noise: float = 0.05,
                   district: str = "110101") -> Submission:
    """A read submission of the small catalogue's shape: ``rows`` roster rows and about a third as many
    projects, filled plausibly, then each cell replaced with probability ``noise`` by an odd value
    (``_ODD_*``: blanks, spaces, full-width, control characters, bools, -0, 1E+16, Infinity, floats, dates,
    texts at the length limits, broken credit codes…), now and then a cell the reader could not understand
    (None with the typed text in ``raw``), an empty row, a repeated credit code. Seeded by ``rng``."""
    clusters = [c.code for c in cat.clusters]

    def maybe(value: object, *pools: tuple) -> object:
        return _odd(rng, *pools) if rng.random() < noise else value

    def amount() -> Decimal:
        return Decimal(rng.randrange(0, 10 ** rng.randrange(1, 8))) / 100

    def finish(values: dict, keys: dict[str, tuple]) -> Row:
        for key, pools in keys.items():
            values[key] = maybe(values.get(key), *pools)
        raw: dict = {}
        if rng.random() < noise:
            key = rng.choice(list(keys))
            values[key] = None
            raw[key] = rng.choice(("abc", "12%", "", " ", "2025年13月", "其他集群"))
        if rng.random() < noise / 2:
            values = {k: rng.choice((None, "", "  ")) for k in values}  # an empty row (or nearly)
            if rng.random() < 0.5:
                values["note"] = "只有说明"
        return Row(0, values, raw)

    roster = []
    for i in range(rows):
        code = credit_code(rng.randrange(1, 40) if rng.random() < noise else i + 1)
        revenue = amount()
        roster.append(finish(
            {"credit_code": code.lower() if rng.random() < noise else code, "name": f"企业{i}有限公司",
             "cluster": rng.choice(clusters), "is_scale": rng.choice(("是", "否")), "is_leader": "否",
             "park": rng.choice((None, "某园区")), "revenue": revenue, "revenue_ly": amount(),
             "output_value": revenue, "output_value_ly": amount(), "employees": rng.randrange(0, 500),
             "note": rng.choice((None, None, "已核实"))},
            {"credit_code": (_ODD_CODE, _ODD_TEXT), "name": (_ODD_TEXT,), "cluster": (("Z", "A ", "ａ"),),
             "is_scale": (("是 ", " 是", "否", "yes", "是是"),), "is_leader": (("否",),), "park": (_ODD_TEXT,),
             "revenue": (_ODD_AMOUNT,), "revenue_ly": (_ODD_AMOUNT,), "output_value": (_ODD_AMOUNT,),
             "output_value_ly": (_ODD_AMOUNT,), "employees": (_ODD_AMOUNT,), "note": (_ODD_TEXT,)}))
    projects = []
    for i in range(max(1, rows // 3)):
        total = amount() * 3
        done = total * Decimal(rng.choice(("0.1", "0.5", "1", "1.2"))) / 3
        projects.append(finish(
            {"name": f"项目{i}", "cluster": rng.choice(clusters), "nature": rng.choice(("新建", "续建")),
             "status": rng.choice(("在建", "开工")), "owner": f"企业{i}", "total": total,
             "plan_year": done * Decimal(rng.choice(("0.8", "2"))), "done_year": done,
             "done_total": done * rng.choice((1, 2, 5)), "start": dt.date(2024, rng.randrange(1, 13), 1),
             "finish": dt.date(rng.choice((2023, 2025, 2026)), rng.randrange(1, 13), 1), "note": None},
            {"name": (_ODD_TEXT,), "cluster": (("Z", "C"),), "nature": (("新建 ", "翻建"),),
             "status": (("竣工投产", "停工"),), "owner": (_ODD_TEXT,), "total": (_ODD_AMOUNT,),
             "plan_year": (_ODD_AMOUNT,), "done_year": (_ODD_AMOUNT,), "done_total": (_ODD_AMOUNT,),
             "start": (("2025-03",),), "finish": (("2025-03",),), "note": (_ODD_TEXT,)}))
    outputs = output_rows(cat)
    for row in outputs:
        if rng.random() < 0.7:
            row.values["value"] = maybe(amount() * 10, _ODD_AMOUNT)
            row.values["value_ly"] = maybe(amount() * 10, _ODD_AMOUNT)
            row.values["note"] = maybe(None, _ODD_TEXT)
        if rng.random() < noise:
            row.values["cluster_code"] = None
            row.raw["cluster_code"] = "ZZ"
    sub = submission(district, roster=roster, projects=projects, outputs=outputs, cat=cat)
    for table in sub.tables.values():
        for n, row in enumerate(table.rows, table.header_row + 1):
            row.number = n
    return sub


def ingest(ledger: Ledger, sub: Submission, received: dt.datetime = ON_TIME, status: str = ST_PASSED,
           findings=()) -> int:
    """Record ``sub`` in the ledger as a file received at ``received``; its submission id."""
    data = f"{sub.file_name}|{received.isoformat()}|{id(sub)}".encode()
    sha = hashlib.sha256(data).hexdigest()
    sid, _ = ledger.ingest(data=data, sha256=sha, file_name=sub.file_name, received_at=received,
                           district=sub.district, period=sub.period, file_status=status, submission=sub,
                           findings=list(findings))
    return sid


def put(ws: Workspace, name: str, district: str, *, when: dt.datetime = ON_TIME, period: Period = P,
        sr: str | None = None, sr_ly: str | None = None, roster=None) -> Path:
    """A filled district form in inbox/, its modification time = when it 'arrived'.

    A form that reports cluster A's revenue lists one enterprise of A (its own credit code per file name),
    as a real district would: an empty roster beside a reported revenue is an error (R-ROSTER-EMPTY).
    """
    cat = ws.catalogue()
    if roster is None:
        roster = [{"credit_code": credit_code(zlib.crc32(name.encode("utf-8")) % 10**7), "name": f"{name}企业",
                   "cluster": "A", "is_scale": "否", "revenue": D(1)}] if sr else []
    outputs = {("A", "SR"): {"value": D(sr), "value_ly": D(sr_ly) if sr_ly else None}} if sr else None
    path = write_template(cat, district, period, ws.inbox / name, roster=roster, outputs=outputs)
    os.utime(path, (when.timestamp(), when.timestamp()))
    return path


def chemical_roster(n: int, area: str = "110000") -> list[dict]:
    """Three enterprises of cluster 化工 (park 化工园), numbered ``n``0..``n``2, revenue 100, 101, 102."""
    return [{"credit_code": credit_code(n * 10 + i, area), "name": f"企业{n}-{i}", "cluster": "化工",
             "is_scale": "否", "park": "化工园", "revenue": D(100 + i), "employees": 5} for i in range(3)]


def roster_form(ws_or_cat, dest: Path, district: str, n: int, *, when: dt.datetime = ON_TIME) -> Path:
    """A filled form of P at ``dest``: ``chemical_roster(n)`` and cluster A's revenue 400 (上年同期 390);
    its modification time = when it 'arrived'. ``ws_or_cat``: a Workspace or a Catalogue."""
    cat = ws_or_cat.catalogue() if hasattr(ws_or_cat, "catalogue") else ws_or_cat
    path = write_template(cat, district, P, dest, roster=chemical_roster(n),
                          outputs={("A", "SR"): {"value": D(400), "value_ly": D(390)}})
    os.utime(path, (when.timestamp(), when.timestamp()))
    return path


def merge_cells(path: Path, *ranges: str, clear: tuple[str, ...] = ()) -> Path:
    """Merge cells of the 集群企业 sheet as a clerk would in Excel, after emptying the cells in ``clear``
    (keeps the file's arrival time)."""
    stamp = path.stat().st_mtime
    wb = openpyxl.load_workbook(path)
    sheet = wb["集群企业"]
    for ref in clear:
        sheet[ref] = None
    for rng in ranges:
        sheet.merge_cells(rng)
    wb.save(path)
    os.utime(path, (stamp, stamp))
    return path


def ingest_month(ledger, period, district, outputs: dict, *, tag="", day=3):
    """District ``district``'s file for ``period`` in the ledger, received on day ``day`` of the next month;
    ``outputs`` {(cluster, indicator): value} in form units."""
    received = dt.datetime(period.year + period.month // 12, period.month % 12 + 1, day, 10, 0)
    outs = {k: (D(v), None) for k, v in outputs.items()}
    return ingest(ledger, submission(district, outputs=outs, period=period, tag=tag), received=received)


def figures_with_months(ledger, cat, period):
    """The figures of ``period`` with their 当月/环比 and the year's path."""
    return add_months(compute_figures(ledger, cat, period), ledger, cat)


# ---- reading outputs back -----------------------------------------------------------------------------------

def target_notes(ws) -> list[str]:
    """The 目标说明 (column H) of every row of a 总表 sheet, a “见注N” pointer replaced by the text of note N
    (render/workbook.LongNotes moves a long 目标说明 under the table)."""
    rows = [[c.value for c in r] for r in ws.iter_rows()]
    numbered = {}
    for r in rows:
        m = re.match(r"^(?:注：|　　)(\d+)\. (.*)$", str(r[0] or ""), re.S)
        if m:
            numbered[m.group(1)] = m.group(2)
    out = []
    for r in rows:
        text = str(r[7]) if len(r) > 7 and r[7] else ""
        m = re.fullmatch(r"见注(\d+)", text)
        out.append(numbered.get(m.group(1), text) if m else text)
    return [t for t in out if t]


def xlsx_text(path: Path) -> str:
    """What a reader of a workbook sees: visible sheets' names, cells, comments and input messages (the
    hidden identity sheet of a form holds machine keys, not words)."""
    from openpyxl import load_workbook

    wb = load_workbook(path)
    out = []
    for ws in wb.worksheets:
        if ws.sheet_state != "visible":
            continue
        out.append(ws.title)
        for row in ws.iter_rows():
            for c in row:
                if c.value is not None:
                    out.append(str(c.value))
                if c.comment is not None:
                    out.append(c.comment.text + c.comment.author)
        for dv in ws.data_validations.dataValidation:
            out.append(f"{dv.error or ''}{dv.prompt or ''}")
    return "\n".join(out)


def docx_xml(path: Path) -> str:
    with zipfile.ZipFile(path) as z:
        return z.read("word/document.xml").decode("utf-8")


def colophon_paragraphs(doc) -> list:
    """The closing block's paragraphs (they sit in a table inside the text box at the page foot)."""
    from docx.oxml.ns import qn
    from docx.text.paragraph import Paragraph

    return [Paragraph(p, doc) for box in doc.element.body.iter(qn("w:txbxContent"))
            for p in box.iter(qn("w:p")) if "".join(p.itertext()).strip()]


def texts(path: Path) -> list[str]:
    """Every body paragraph's text of a .docx, then the closing block's lines."""
    doc = docx.Document(str(path))
    return [p.text for p in doc.paragraphs] + [p.text for p in colophon_paragraphs(doc)]


def small_brief(tmp_path, figs, cat=None, **kw) -> str:
    """The brief of the small fixture city as one text."""
    cat = cat or make_small_catalogue()
    dest = write_brief(figs, cat, tmp_path / "b.docx", issue_no=3, issued=ISSUED, **kw)
    return "\n".join(texts(dest))


# ---- print setup ------------------------------------------------------------------------------------------

def print_area(ws) -> tuple[int, int]:
    """(last column, last row) of the sheet's print area."""
    area = ws.print_area
    assert area, f"{ws.title}: no print area"
    ref = area.split("!")[-1].replace("$", "")
    m = re.fullmatch(r"A1:([A-Z]+)(\d+)", ref)
    assert m, ref
    return column_index_from_string(m.group(1)), int(m.group(2))


def stored_units(ws, ncols: int) -> float:
    """The stored widths of the first ``ncols`` columns (Excel's default where none is set)."""
    widths = {}
    for dim in ws.column_dimensions.values():
        for c in range(dim.min or 0, (dim.max or 0) + 1):
            widths[c] = dim.width
    return sum(widths.get(c) or 9.14 for c in range(1, ncols + 1))


def assert_prints_at_9pt(ws, font_pt: float = 10) -> None:
    """One page wide, on the paper set, at ≥ 9 pt by the wide (LibreOffice) measure; centred; footer."""
    ncols, _ = print_area(ws)
    assert ws.sheet_properties.pageSetUpPr.fitToPage, ws.title
    assert ws.page_setup.fitToWidth in (None, 1) and ws.page_setup.fitToHeight == 0, ws.title
    assert ws.print_options.horizontalCentered, ws.title
    paper = PAPERS[int(ws.page_setup.paperSize)]
    assert ws.page_setup.orientation == "landscape"
    assert printed_pt(font_pt, stored_units(ws, ncols), paper) >= MIN_TEXT_PT, ws.title
    assert "第&P页 共&N页" in (ws.oddFooter.center.text or ""), ws.title


# ---- sample figures -----------------------------------------------------------------------------------------
#
# A realistic hand-made Figures for tests of the renderers (workbook, brief), without the ledger.
#
# ``sample_figures(cat, period)`` fakes what reporttool.pipeline.consolidate computes, for any catalogue: every
# district reports some clusters; city figures are the sums of the district figures (unrounded, so the
# rounded parts often do not add up to the rounded total, as in real tables); ratios come from their
# formula; targets come from ``cat.target_for`` (explicit or 推算); statuses are spread over 超前/正常/滞后;
# one district × cluster has no 上年同期 (同比 "—"); two districts tie in one ranking (1, 1, 3 ...);
# the last district has not submitted; project and enterprise lines are consistent with the figures of
# project indicators and the investment summaries. A few strings are hostile on purpose (a name starting
# with "=", a URL, a control character) so renderers can prove they write text as text.
#
# Usage: ``small_figures()`` (the small fixture city), ``default_figures()`` (葫芦岛 default),
# or ``sample_figures(cat, Period(2025, 6), tidy=True)`` where every district value is already a round
# number of the display precision (then no rounding note may appear).

HUNDRED = Decimal(100)
STATUSES = ("签约", "开工", "在建", "竣工投产")
NATURES = ("新建", "续建", "扩建", "技改")
# Multipliers of the time progress that the cities reach, cycled over clusters: lagging, ahead, on track.
PACE = (Decimal("0.72"), Decimal("1.21"), Decimal("1.02"), Decimal("0.93"), Decimal("1.09"), Decimal("0.64"))
GROWTH = (Decimal("0.062"), Decimal("-0.041"), Decimal("0.135"), Decimal("0.018"), Decimal("0.087"))
SCALE = {"亿元": Decimal(60), "户": Decimal(30), "万千瓦": Decimal(150), "万人次": Decimal(900), "%": Decimal(12)}


def _ranks(items: list[IndicatorFigure]) -> None:
    """Competition ranking by value, descending: ties share a rank, the next rank skips (1, 2, 2, 4)."""
    ranked = sorted((f for f in items if f.value is not None), key=lambda f: f.value, reverse=True)
    for i, f in enumerate(ranked):
        f.rank = ranked[i - 1].rank if i and f.value == ranked[i - 1].value else i + 1


def _yoy(value: Decimal | None, last: Decimal | None) -> Decimal | None:
    if value is None or last is None or last == 0:
        return None
    return (value / last - 1) * HUNDRED


def _status(gap: Decimal | None, threshold: Decimal) -> str | None:
    if gap is None:
        return None
    return AHEAD if gap > threshold else LAGGING if gap < -threshold else ON_TRACK


def sample_figures(cat: Catalogue, period: Period = Period(2025, 6), *, seed: int = 7, tidy: bool = False,
                   enterprises_per_cluster: int = 3, projects_per_cluster: int = 2) -> Figures:
    """A Figures for ``cat`` and ``period`` that looks like a real month (see the module docstring)."""
    rnd = random.Random(seed)
    st = cat.settings
    tp = period.time_progress
    districts = list(cat.districts)
    reporting = districts[:-1] if len(districts) > 1 else districts  # the last one has not submitted
    # which districts have each cluster: all but every third, at least two
    members: dict[str, list] = {}
    for ci, c in enumerate(cat.clusters):
        ds = [d for di, d in enumerate(reporting) if (ci + di) % 3 != 2] or reporting
        members[c.code] = ds if len(ds) >= 2 else reporting

    # ---- project and enterprise lines (万元, as reported) -----------------------------------------
    projects: list[ProjectLine] = []
    enterprises: list[EnterpriseLine] = []
    serial = 0
    for ci, c in enumerate(cat.clusters):
        for di, d in enumerate(members[c.code]):
            for k in range(projects_per_cluster):
                total = Decimal(rnd.randint(8000, 250000))
                plan = (total * Decimal(rnd.randint(20, 45)) / HUNDRED).quantize(Decimal(1))
                done = (plan * tp / HUNDRED * Decimal(rnd.randint(60, 140)) / HUNDRED).quantize(Decimal("0.01"))
                status = STATUSES[(ci + di + k) % 4]
                name = f"{c.short_name}{d.name}{k + 1}号项目"
                if ci == 0 and di == 0 and k == 0:
                    name = "=SUM(A1:A9)技改项目"  # a name that looks like a formula stays a name
                projects.append(ProjectLine(
                    d.code, c.code, name, NATURES[(ci + k) % 4], status, f"{d.name}{c.short_name}有限公司",
                    total, plan, done, done + (total * Decimal("0.1")).quantize(Decimal(1)),
                    f"{period.year - 1}-{(k * 5) % 12 + 1:02d}", f"{period.year + 1}-{(ci + 6) % 12 + 1:02d}"))
            for k in range(enterprises_per_cluster):
                serial += 1
                rev = Decimal(rnd.randint(500, 900000)) + Decimal(rnd.randint(0, 99)) / HUNDRED
                rev_ly = None if (ci + di + k) % 7 == 3 else (rev / (1 + GROWTH[(ci + k) % 5])).quantize(
                    Decimal("0.01"))
                name = f"葫芦岛{c.short_name}{d.name}第{k + 1}有限公司" if "葫芦岛" in st.city else \
                    f"{d.name}{c.short_name}{k + 1}号有限公司"
                park = (c.parks[k % len(c.parks)] if c.parks else f"{d.name}工业园区")
                if serial == 2:
                    name += "\x07"  # a control character typed in by accident
                if serial == 3:
                    park = "http://www.example.com/园区"
                enterprises.append(EnterpriseLine(
                    d.code, c.code, credit_code(serial, "211400"), name, rev >= st.scale_threshold, k == 0, park,
                    rev, rev_ly, (rev * Decimal("1.08")).quantize(Decimal("0.01")),
                    None if rev_ly is None else (rev_ly * Decimal("1.05")).quantize(Decimal("0.01")),
                    rnd.randint(12, 2400)))

    # ---- district figures -------------------------------------------------------------------------
    by_district: list[IndicatorFigure] = []
    city: list[IndicatorFigure] = []
    for ci, c in enumerate(cat.clusters):
        pace = PACE[ci % len(PACE)]
        inds = cat.indicators_for(c.code)
        money = [t.value for i in inds if i.unit == "亿元"
                 and (t := cat.target_for(c.code, i.code, period.year)) and t.value is not None]
        cluster_scale = max(money, default=SCALE["亿元"])
        dvals: dict[str, dict[str, tuple[Decimal | None, Decimal | None]]] = {}
        for di, d in enumerate(members[c.code]):
            vals: dict[str, tuple[Decimal | None, Decimal | None]] = {}
            weight = Decimal(len(members[c.code]) - di + 1)
            wsum = sum(Decimal(len(members[c.code]) - j + 1) for j in range(len(members[c.code])))
            for ii, ind in enumerate(inds):
                if ind.source == SOURCE_FORMULA:
                    continue
                if ind.source == SOURCE_PROJECTS:
                    done = sum((p.done_year for p in projects if p.district == d.code and p.cluster == c.code),
                               Decimal(0))
                    value = done / unit_factor(ind.form_unit, ind.unit)
                    last = value / Decimal("1.1")
                elif ind.unit == "%":
                    t = cat.target_for(c.code, ind.code, period.year)
                    base = t.value if t and t.value is not None else SCALE["%"]
                    value = base * pace + Decimal(di) / 2 + Decimal(rnd.randint(0, 99)) / HUNDRED
                    last = value - Decimal(1)
                else:
                    t = cat.target_for(c.code, ind.code, period.year)
                    base = t.value if t and t.value is not None else (
                        cluster_scale * (Decimal("1.05") if ii == 0 else Decimal("0.3")) if ind.unit == "亿元"
                        else SCALE.get(ind.unit, Decimal(50)))
                    share = base * weight / wsum
                    if ind.compare_time:
                        share = share * tp / HUNDRED * pace
                    if ind.unit == "户" or ind.source == SOURCE_ROSTER:
                        value = Decimal(max(1, int(share)))
                    else:
                        form_value = share * unit_factor(ind.form_unit, ind.unit)
                        form_value += Decimal(rnd.randint(0, 99)) / HUNDRED
                        value = form_value.quantize(Decimal("0.01")) / unit_factor(ind.form_unit, ind.unit)
                        if tidy:
                            value = value.quantize(Decimal(1).scaleb(-ind.decimals))
                    growth = GROWTH[(ci + di + ii) % len(GROWTH)]
                    last = (value / (1 + growth))
                    if tidy:
                        last = last.quantize(Decimal(1).scaleb(-ind.decimals))
                    elif ind.unit == "户":
                        last = Decimal(max(1, int(last)))
                if ci == 0 and ii == 0 and di == 1:
                    value = dvals[members[c.code][0].code][ind.code][0]  # a tie: ranks 1, 1, 3
                if ci == 1 and di == 0:
                    last = None  # no comparable base: 同比 "—"
                vals[ind.code] = (value, last)
            for ind in inds:  # a ratio near its target: rescale the operand that has no target
                m = re.fullmatch(r"(\w+)/(\w+)\*100", ind.formula.replace(" ", ""))
                t = cat.target_for(c.code, ind.code, period.year)
                if m and t and t.value and all(vals.get(k, (None,))[0] is not None for k in m.groups()):
                    num, den = m.groups()
                    k = pace * (Decimal(1) + Decimal(di) / 50)
                    if cat.target_for(c.code, num, period.year) is None:
                        vals[num] = tuple(None if x is None else x * t.value * k / HUNDRED for x in vals[den])
                    else:
                        vals[den] = tuple(None if x is None else x * HUNDRED / (t.value * k) for x in vals[num])
            if tidy:  # every reported value a round number of the display precision
                for ind in inds:
                    if ind.code in vals:
                        vals[ind.code] = tuple(None if x is None else x.quantize(Decimal(1).scaleb(-ind.decimals))
                                               for x in vals[ind.code])
            for ind in inds:
                if ind.source == SOURCE_FORMULA:
                    vals[ind.code] = (evaluate_formula(ind.formula, {k: v[0] for k, v in vals.items()}),
                                      evaluate_formula(ind.formula, {k: v[1] for k, v in vals.items()}))
            dvals[d.code] = vals

        # city = sum of districts (summable) or the formula over the city sums (ratios)
        city_vals: dict[str, tuple[Decimal | None, Decimal | None]] = {}
        for ind in inds:
            vs = [dvals[d][ind.code][0] for d in dvals if dvals[d][ind.code][0] is not None]
            ls = [dvals[d][ind.code][1] for d in dvals if dvals[d][ind.code][1] is not None]
            if ind.summable:
                city_vals[ind.code] = (sum(vs, Decimal(0)) if vs else None, sum(ls, Decimal(0)) if ls else None)
            elif ind.source != SOURCE_FORMULA:  # a reported ratio: the city states its own figure
                avg = sum(vs, Decimal(0)) / len(vs) if vs else None
                city_vals[ind.code] = (avg, None if ci == 1 or avg is None else avg - Decimal("0.8"))
        for ind in inds:
            if not ind.summable and ind.source == SOURCE_FORMULA:
                city_vals[ind.code] = (evaluate_formula(ind.formula, {k: v[0] for k, v in city_vals.items()}),
                                       evaluate_formula(ind.formula, {k: v[1] for k, v in city_vals.items()}))

        for ind in inds:
            group = []
            for d in members[c.code]:
                v, ly = dvals[d.code][ind.code]
                group.append(IndicatorFigure(c.code, ind.code, d.code, v, ly, None if ind.unit == "%" else _yoy(v, ly),
                                             summable=ind.summable))
            _ranks(group)
            by_district.extend(group)
            # like reporttool.pipeline.consolidate: every configured district has a figure, empty where it does
            # not have the cluster (or has not reported)
            by_district.extend(IndicatorFigure(c.code, ind.code, d.code, summable=ind.summable)
                               for d in districts if d not in members[c.code])
            v, ly = city_vals[ind.code]
            f = _city_figure(cat, c.code, ind, v, ly, period, len(group))
            if ind.summable and ind.unit != "%":  # 同口径: 同比 over the districts that have both years
                pairs = [(g.value, g.last_year) for g in group if g.value is not None and g.last_year]
                f.yoy = _yoy(sum((a for a, _ in pairs), Decimal(0)), sum((b for _, b in pairs), Decimal(0))) \
                    if pairs else None
                if f.target_rate is not None:
                    f.gap = None if f.yoy is None else f.yoy - f.target_rate
                    f.status = _status(f.gap, cat.settings.lag_threshold)
            city.append(f)

    # ---- programme totals: summable indicators reported by more than one cluster -------------------
    programme: list[IndicatorFigure] = []
    for ind in cat.indicators:
        if not ind.summable or len(ind.clusters) < 2 or ind.unit == "%":
            continue
        parts = [f for f in city if f.indicator == ind.code]
        vs = [f.value for f in parts if f.value is not None]
        ls = [f.last_year for f in parts if f.last_year is not None]
        programme.append(_city_figure(cat, "", ind, sum(vs, Decimal(0)) if vs else None,
                                      sum(ls, Decimal(0)) if ls else None, period, len(reporting)))

    # ---- investment summaries (亿元) -----------------------------------------------------------------
    def invest(lines: list[ProjectLine], cluster: str, district: str = "") -> InvestmentFigure:
        by_status = {s: sum(1 for p in lines if p.status == s) for s in STATUSES}
        f = InvestmentFigure(cluster, district, len(lines), {s: n for s, n in by_status.items() if n},
                             sum((p.total for p in lines), Decimal(0)) / 10000,
                             sum((p.plan_year for p in lines), Decimal(0)) / 10000,
                             sum((p.done_year for p in lines), Decimal(0)) / 10000)
        f.completion = f.done_year / f.plan_year * HUNDRED if f.plan_year else None
        return f

    investment = [invest([p for p in projects if p.cluster == c.code], c.code) for c in cat.clusters]
    investment.append(invest(projects, ""))
    investment_by_district = [invest([p for p in projects if p.district == d.code and (p.cluster == c or not c)],
                                     c, d.code) for d in reporting for c in [*(c.code for c in cat.clusters), ""]]
    roster = [_roster_figure([e for e in enterprises if e.cluster == c.code], c.code) for c in cat.clusters]
    roster.append(_roster_figure(enterprises, ""))
    roster_by_district = [_roster_figure([e for e in enterprises if e.district == d.code and (e.cluster == c or not c)],
                                         c, d.code) for d in reporting for c in [*(c.code for c in cat.clusters), ""]]

    # ---- submissions and findings --------------------------------------------------------------------
    deadline = period.deadline(st.deadline_day)
    states = (ST_PASSED, ST_VERIFY, ST_ERRORS, ST_PASSED, ST_RETURNED, ST_PASSED)
    submissions: list[SubmissionState] = []
    findings: list[Finding] = []
    for di, d in enumerate(districts):
        if d not in reporting:
            submissions.append(SubmissionState(d.code, d.name, ST_MISSING))
            continue
        status = states[di % len(states)]
        late = di == 1
        received = dt.datetime.combine(deadline, dt.time(16, 30)) + dt.timedelta(days=2 if late else -1 - di % 3)
        name = f"{d.name}{period.year}年{period.month}月产业集群报表.xlsx"
        s = SubmissionState(d.code, d.name, status, received, not late, name, f"{di:064x}", 1 + di % 2)
        if status == ST_VERIFY:
            findings.append(Finding("R-YOY-SWING", VERIFY, "营业收入同比增长45.2%，超过±30%的核实阈值，请核实并在说明栏说明原因。",
                                    name, d.code, "集群产出", 5, "本年累计", "G5", "38215.5",
                                    "新投产企业纳入统计" if di % 2 else ""))
            findings.append(Finding("R-SCALE-REVENUE", VERIFY, "标为规上企业，但本年累计营业收入低于规上标准，请核实。",
                                    name, d.code, "集群企业", 9, "本年累计营业收入", "H9", "830.00"))
        if status == ST_ERRORS:
            findings.append(Finding("R-CREDIT-CHECK", ERROR, "统一社会信用代码“91211400MA0000001X”的校验位不正确，请核对。",
                                    name, d.code, "集群企业", 7, "统一社会信用代码", "B7", "91211400MA0000001X"))
            findings.append(Finding("R-INV-TOTAL", ERROR, "本年累计完成投资 52000 万元超过总投资 50000 万元。",
                                    name, d.code, "投资项目", 6, "本年累计完成投资", "I6", "=52000"))
            findings.append(Finding("R-EXTRA-ROW", INFO, "第40行位于签名栏以下，未读取。如为数据请移到表内。",
                                    name, d.code, "集群企业", 40, "", "A40", ""))
        if status == ST_RETURNED:
            findings.append(Finding("F-XLS", ERROR, "文件是旧版 Excel 97-2003 格式（.xls），请在 Excel/WPS 中“另存为”"
                                    "Excel 工作簿（.xlsx）后重新报送。", name, d.code))
        s.errors = sum(1 for f in findings if f.district == d.code and f.severity == ERROR)
        s.verify = sum(1 for f in findings if f.district == d.code and f.severity == VERIFY)  # as checks.counts
        s.explained = sum(1 for f in findings if f.district == d.code and f.explained)
        s.info = sum(1 for f in findings if f.district == d.code and f.severity == INFO)
        submissions.append(s)

    figs = Figures(period=period, time_progress=tp, generated_at=dt.datetime.combine(deadline, dt.time(9, 0)),
                   catalogue_fingerprint=cat.fingerprint, clusters=city, programme=programme,
                   districts=by_district, investment=investment, investment_by_district=investment_by_district,
                   submissions=submissions, findings=findings, roster=roster, roster_by_district=roster_by_district)
    add_cluster_measures(figs, cat.settings.rate_decimals)  # as reporttool.pipeline.consolidate does
    return figs


@dataclass
class EnterpriseLine:
    """One made-up roster row (万元 as reported): summed into RosterFigures."""

    district: str
    cluster: str
    credit_code: str
    name: str
    is_scale: bool | None
    is_leader: bool | None
    park: str
    revenue: Decimal | None
    revenue_ly: Decimal | None
    output_value: Decimal | None
    output_value_ly: Decimal | None
    employees: int | None


@dataclass
class ProjectLine:
    """One made-up project row (万元 as reported): summed into InvestmentFigures."""

    district: str
    cluster: str
    name: str
    nature: str
    status: str
    owner: str
    total: Decimal | None
    plan_year: Decimal | None
    done_year: Decimal | None
    done_total: Decimal | None
    start: str
    finish: str


def _roster_figure(lines: list[EnterpriseLine], cluster: str, district: str = "") -> RosterFigure:
    both = [e for e in lines if e.revenue is not None and e.revenue_ly is not None]
    rev = sum((e.revenue for e in lines if e.revenue is not None), Decimal(0)) / 10000 if lines else None
    ly = sum((e.revenue_ly for e in both), Decimal(0)) / 10000 if both else None
    comp = sum((e.revenue for e in both), Decimal(0)) / 10000 if both else None
    return RosterFigure(cluster, district, len(lines), sum(1 for e in lines if e.is_scale),
                        sum(1 for e in lines if e.is_leader), rev, ly, _yoy(comp, ly) if ly else None,
                        Decimal(sum(e.employees for e in lines if e.employees is not None)) if lines else None)


def _city_figure(cat: Catalogue, cluster: str, ind, value, last, period: Period, n: int) -> IndicatorFigure:
    """Targets, completion, time progress, gap and status of one city-wide figure."""
    rate = ind.unit == "%"  # like consolidate: a rate has no 同比 and no 完成率; its gap is value − target
    f = IndicatorFigure(cluster, ind.code, "", value, last, None if rate else _yoy(value, last),
                        like_for_like=True, n_districts=n, summable=ind.summable)
    t = cat.target_for(cluster, ind.code, period.year)
    if t is not None:
        f.target, f.target_derived, f.target_kind = t.value, t.derived, t.kind
        f.target_rate = t.growth_rate if t.kind == TARGET_GROWTH else None
        f.target_note = t.explanation or t.note
        if rate and t.kind != TARGET_GROWTH:
            if value is not None and t.value is not None:
                f.gap = value - t.value
                f.status = _status(f.gap, cat.settings.lag_threshold)  # one tolerance rule for every indicator
            return f
        if t.kind == TARGET_GROWTH:
            f.gap = None if f.yoy is None else f.yoy - t.growth_rate
        elif t.value and value is not None:
            f.completion = value / t.value * HUNDRED
            if ind.compare_time:
                f.time_progress = period.time_progress
                f.gap = f.completion - f.time_progress
    f.status = _status(f.gap, cat.settings.lag_threshold)
    return f


def small_figures(period: Period = P, **kw) -> Figures:
    """Figures of the small fixture city (``make_small_catalogue``)."""
    return sample_figures(make_small_catalogue(), period, **kw)


def default_figures(period: Period = P, **kw) -> tuple[Catalogue, Figures]:
    """The embedded default city (templates/targets.xlsx) and its Figures."""
    cat = load_catalogue(REPO / "templates" / "targets.xlsx")
    return cat, sample_figures(cat, period, **kw)


def marking_job(sub, findings, marks: str) -> str:
    """A read_many job (it must pickle: module level) that leaves a mark per file it was given, so a test
    can see which files a worker had started while the parent handled an earlier result."""
    Path(marks, f"{Path(sub.path).name}.started").write_text("", encoding="utf-8")
    return sub.district


# ---- odd sheets for the reader's fast path (tests/test_speed_paths.py) --------------------------------------

# Cell values as calamine gives them, and the odd ones: empty, spaces, full-width digits, "nothing" marks, big
# and negative-zero floats, NaN/inf, numbers as text, dates, bools, Decimals with many places, control and
# invisible characters, line breaks, very long text, percentages, totals, titles and sign-off words.
ODD_CELLS = (
    None, "", " ", "  x  y ", "１２３４.５", "1,234.5", "—", "-", "/", "无", "NaN", "nan", "inf", "1e309", "12%", "１２％",
    0.0, -0.0, 3.0, 2.5, 0.1, 1e15, 1e15 - 1, 1e16, -7.25, 123456789.123, float("nan"), float("inf"), 2025.1,
    202503.0, 45000.0, 7, 0, True, False, dt.date(2025, 3, 1), dt.datetime(2025, 3, 1, 8, 30),
    dt.datetime(2024, 12, 1), dt.time(8, 30), dt.timedelta(days=2), Decimal("1.23456789012345678901"),
    "a\x00b\x1f", "企\u200b业", "\ufeff甲", "行一\n行二", "x" * 300, "2025-03", "2025年3月", "202513", "是", "否", "是 ",
    "新建", "在建", "签约", "A", "B", "Z", "化工产业集群", "化工", "未知集群", "全部", "SR", "营业收入", "万元", "%",
    "91110000MA0000001X", "91110000ma0000001x", "９１１１", "ABC def", "合计", "小计（3户）", "化工产业集群小计", "合 计",
    "总计：", "共计", "统计局", "序号", "企业名称", "所属集群", "是否规上", "项目名称", "本年累计", "说明", "备注：核实",
    "甲", "1", "单位负责人：张三", "填表人", "统计负责人：", "审核关系：1.",
)


def odd_sheet(rng: random.Random, spec_key: str) -> tuple[list[list], list[tuple[int, int, int, int]], frozenset]:
    """A data sheet of ``spec_key`` as calamine gives it (rows of one length), with odd contents: a header
    found by its titles, maybe a code row, data rows whose columns are clean (one kind of value, as a
    district types it) or odd (ODD_CELLS), blank rows, 合计 rows, the header again, note-only rows, a sign-off
    line and rows under it. Returns (grid, merges over rows, percentage-formatted cells)."""
    spec = SHEETS_BY_KEY[spec_key]
    width = len(spec.columns) + rng.choice((0, 0, 1, 2))
    titles = [c.title for c in spec.columns] + ["备注"] * (width - len(spec.columns))
    grid: list[list] = [["" for _ in range(width)] for _ in range(rng.randint(0, 3))]
    grid.append(list(titles))
    if rng.random() < 0.2:
        grid.append([str(i) for i in range(1, width + 1)])

    def clean(col, i: int):
        kind = col.kind
        if kind == "amount":
            return rng.choice((round(rng.uniform(0, 5000), 2), float(rng.randint(0, 900)), ""))
        if kind == "int":
            return float(rng.randint(0, 500)) if rng.random() < 0.9 else ""
        if kind == "credit_code":
            return credit_code(i) if rng.random() < 0.9 else credit_code(i).lower()
        if kind == "choice":
            return rng.choice(col.choices)
        if kind == "cluster":
            return rng.choice(("化工产业集群", "装备制造产业集群", "A"))
        if kind == "date":
            return dt.date(2025, rng.randint(1, 12), 1)
        if kind == "seq":
            return float(i)
        return rng.choice((f"名称{i}", f"名 称 {i}", "", "甲化工")) if col.key != "name" else f"企业{i}"

    odd_cols = {c for c in range(width) if rng.random() < 0.3}
    for i in range(rng.randint(0, 25)):
        shape = rng.random()
        if shape < 0.06:
            row = ["" if rng.random() < 0.5 else None for _ in range(width)]  # blank
        elif shape < 0.1:
            row = ["" for _ in range(width)]
            row[rng.randrange(width)] = rng.choice(("合计", "小计（3户）", "合 计", "统计"))
        elif shape < 0.13:
            keep = rng.choice((0.35, 0.5, 0.65, 0.9))
            row = [t if rng.random() < keep else "" for t in titles]  # the header again (or half of it)
        elif shape < 0.16:
            row = ["" for _ in range(width)]
            row[len(spec.columns) - 1] = rng.choice(("说明一句", "合计说明"))  # only 说明
        else:
            row = [rng.choice(ODD_CELLS) if c in odd_cols or rng.random() < 0.05
                   else clean(spec.columns[c], i + 1) if c < len(spec.columns) else "" for c in range(width)]
        grid.append(row)
    if rng.random() < 0.7:
        sign = ["" for _ in range(width)]
        sign[rng.randrange(width)] = rng.choice(("单位负责人：  填表人：", "统计负责人：李四", "x填表人"))
        grid.append(sign)
        for _ in range(rng.randint(0, 3)):
            grid.append([rng.choice(("", "审核关系：1.", "备注", 3.0)) for _ in range(width)])
    merges = []
    for _ in range(rng.choice((0, 0, 1, 2))):
        r0 = rng.randint(1, len(grid))
        c0 = rng.randint(1, width)
        merges.append((r0, c0, min(len(grid), r0 + rng.randint(1, 3)), c0))
    percent = frozenset((rng.randint(1, len(grid)), rng.randint(1, width)) for _ in range(rng.choice((0, 0, 3))))
    return grid, merges, percent
