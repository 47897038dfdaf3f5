"""A history table (历史数据表): earlier periods' 集群产出 figures where the district files are gone.

The documented format (docs/history.md): an .xlsx workbook with a sheet named 历史数据 whose header row
has the columns 报告期, 县区, 集群, 指标, 本年累计 and optionally 上年同期 and 计量单位; one row per
period × district × cluster × indicator. Read with python-calamine after the same safety pre-check as
district files. Each period × district becomes one Submission of the 集群产出 table alone (kind
``import-table`` in the ledger), its cells pointing at this sheet; rows that cannot be used are named
(sheet, row, column title, cell) and left out, the others are imported.
"""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from reporttool.catalogue import Catalogue
from reporttool.core.models import SOURCE_OUTPUT, FormIdentity, Period, Row, Submission, Table, parse_period
from reporttool.core.units import column_letter

SHEET = "历史数据"
# column key -> header titles accepted (first is the documented one)
COLUMNS: dict[str, tuple[str, ...]] = {
    "period": ("报告期",),
    "district": ("县区", "县（市）区", "地区"),
    "cluster": ("集群", "所属集群", "产业集群"),
    "indicator": ("指标", "指标名称"),
    "value": ("本年累计", "本年累计值"),
    "value_ly": ("上年同期",),
    "unit": ("计量单位", "单位"),
}
REQUIRED = ("period", "district", "cluster", "indicator", "value")
TEMPLATE_ID = "history-table"


@dataclass(frozen=True)
class TableProblem:
    """A row (or the whole sheet) of a history table that was not used, and why (Chinese)."""

    row: int | None
    message: str


@dataclass
class HistoryTable:
    """What a history table holds: one Submission per period × district, and the problems."""

    subs: list[Submission] = field(default_factory=list)
    problems: list[TableProblem] = field(default_factory=list)


def is_history_table(path: Path) -> bool:
    """An .xlsx that passes the safety pre-check and has a sheet named 历史数据."""
    from python_calamine import CalamineWorkbook

    from reporttool.core.models import ReadRefused
    from reporttool.core.safety import precheck

    if path.suffix.lower() != ".xlsx":
        return False
    try:
        precheck(path)
        return SHEET in CalamineWorkbook.from_path(str(path)).sheet_names
    except (ReadRefused, OSError):
        return False
    except Exception:  # noqa: BLE001 - not a workbook calamine can open: the district-file path says why
        return False


def extract_bytes(sub: Submission, source_name: str, source_sha: str) -> bytes:
    """The canonical bytes archived for one period × district of a history table (its sha256 is the
    ledger's key, so importing the same table again changes nothing)."""
    table = sub.tables["output"]
    rows = [[r.number, r.values["cluster_code"], r.values["indicator_code"], str(r.values["value"]),
             None if r.values.get("value_ly") is None else str(r.values["value_ly"])] for r in table.rows]
    blob = {"format": 1, "source": source_name, "source_sha256": source_sha, "district": sub.district,
            "period": sub.period, "rows": rows}
    return json.dumps(blob, ensure_ascii=False, sort_keys=True, indent=1).encode("utf-8")


def read_history_table(path: Path, cat: Catalogue, file_name: str) -> HistoryTable:
    """Read the 历史数据 sheet of ``path`` (already pre-checked by is_history_table)."""
    from python_calamine import CalamineWorkbook

    out = HistoryTable()
    try:
        rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name(SHEET).to_python(skip_empty_area=False)
    except Exception:  # noqa: BLE001 - an unreadable sheet is one clear problem
        out.problems.append(TableProblem(None, f"工作表“{SHEET}”无法读取，请用 Excel/WPS 打开后另存为 .xlsx"))
        return out
    header_at, cols = _header(rows)
    if header_at is None:
        need = "、".join(COLUMNS[k][0] for k in REQUIRED)
        out.problems.append(TableProblem(None, f"工作表“{SHEET}”中找不到表头（须有：{need}）"))
        return out
    groups: dict[tuple[str, str], list[Row]] = {}
    seen: set[tuple[str, str, str, str]] = set()
    for i in range(header_at + 1, len(rows)):
        number = i + 1
        cells = {k: _text(rows[i][c]) if c < len(rows[i]) else "" for k, c in cols.items()}
        raw = {k: rows[i][c] if c < len(rows[i]) else "" for k, c in cols.items()}
        if not any(cells.values()):
            continue

        def bad(key: str, why: str, number: int = number) -> None:
            ref = f"{column_letter(cols[key] + 1)}{number}"
            out.problems.append(TableProblem(number, f"第{number}行“{COLUMNS[key][0]}”（{ref}）{why}，本行未导入"))

        try:
            period = _period(raw["period"])
        except ValueError:
            bad("period", f"“{cells['period']}”不是报告期（应写成 2024-06 或 2024年1-6月）")
            continue
        district = cat.district(cells["district"]) or next(
            (d for d in cat.districts if d.name == cells["district"]), None)
        if district is None:
            bad("district", f"“{cells['district']}”不在目标库的{cat.words.unit}中")
            continue
        cluster = cat.cluster(cells["cluster"]) or cat.cluster_by_name(cells["cluster"])
        if cluster is None:
            bad("cluster", f"“{cells['cluster']}”不在目标库的集群中")
            continue
        ind = cat.indicator(cells["indicator"]) or next(
            (x for x in cat.indicators_for(cluster.code) if x.name == cells["indicator"]), None)
        if ind is None or ind not in cat.indicators_for(cluster.code):
            bad("indicator", f"“{cells['indicator']}”不是{cluster.name}的指标")
            continue
        if ind.source != SOURCE_OUTPUT:
            bad("indicator", f"“{ind.name}”由企业名录或投资项目汇总得出，不能从汇总数导入（请导入当期县区报表）")
            continue
        unit = cells.get("unit", "")
        if unit and unit not in (ind.form_unit, ind.unit):
            bad("unit", f"“{unit}”不是“{ind.name}”的单位（应为 {ind.form_unit} 或 {ind.unit}）")
            continue
        factor = cat.unit_factor(ind.form_unit, ind.unit) if unit and unit == ind.unit != ind.form_unit else Decimal(1)
        value = _number(raw["value"])
        if value is None:
            bad("value", f"“{cells['value']}”不是数字")
            continue
        ly = _number(raw["value_ly"]) if "value_ly" in cols and cells["value_ly"] else None
        if "value_ly" in cols and cells["value_ly"] and ly is None:
            bad("value_ly", f"“{cells['value_ly']}”不是数字")
            continue
        key = (period.key, district.code, cluster.code, ind.code)
        if key in seen:
            bad("indicator", f"与上面的行重复（{period.key} {district.name} {cluster.name} {ind.name}）")
            continue
        seen.add(key)
        groups.setdefault((period.key, district.code), []).append(Row(number, {
            "cluster_code": cluster.code, "cluster": cluster.name, "indicator_code": ind.code, "indicator": ind.name,
            "unit": ind.form_unit, "value": value * factor, "value_ly": None if ly is None else ly * factor,
            "note": ""}))
    columns = {"cluster_code": cols["cluster"] + 1, "indicator_code": cols["indicator"] + 1,
               "value": cols["value"] + 1}
    if "value_ly" in cols:
        columns["value_ly"] = cols["value_ly"] + 1
    for (period_key, district_code), group in groups.items():
        ident = FormIdentity(TEMPLATE_ID, "", district_code, period_key, cat.fingerprint)
        table = Table(SHEET, "output", header_at + 1, dict(columns), group)
        out.subs.append(Submission(str(path), file_name, "", ident, {"output": table}))
    return out


def _header(rows: list[list]) -> tuple[int | None, dict[str, int]]:
    """The first row (of the first 20) naming every required column: (its index, key -> column index)."""
    for i, row in enumerate(rows[:20]):
        texts = [_text(v).replace(" ", "").replace("\n", "") for v in row]
        cols = {}
        for key, titles in COLUMNS.items():
            at = next((j for j, t in enumerate(texts) if any(t.startswith(x) for x in titles)), None)
            if at is not None:
                cols[key] = at
        if all(k in cols for k in REQUIRED):
            return i, cols
    return None, {}


def _text(v: object) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v).strip()


def _period(v: object) -> Period:
    if isinstance(v, (dt.date, dt.datetime)):
        return Period(v.year, v.month)
    return parse_period(_text(v))


def _number(v: object) -> Decimal | None:
    if isinstance(v, bool) or v is None or v == "":
        return None
    if isinstance(v, (int, float)):
        return Decimal(repr(v)) if isinstance(v, float) else Decimal(v)
    try:
        d = Decimal(str(v).strip().replace(",", ""))
    except InvalidOperation:
        return None
    return d if d.is_finite() else None
