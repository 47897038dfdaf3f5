# Over 500 lines: the template writer is one pass over forms/layout.py: every sheet's columns, validations and protection.
"""District submission workbooks: the blank form sent to each district, or a filled one (demo, tests).

The sheets and column titles come from forms/layout.py (the reader finds tables by those titles); which
clusters and indicators appear comes from the Catalogue. A hidden identity sheet records template id,
version, district, period and catalogue fingerprint so that the reader can refuse a wrong or stale form.
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import xlsxwriter

from reporttool.catalogue.model import ALL, AREA_LABEL, Catalogue
from reporttool.core.errors import ReportToolError
from reporttool.core.files import atomic_path
from reporttool.core.models import SOURCE_OUTPUT, District, Period
from reporttool.core.paper import (
    A4_PORTRAIT,
    BOTTOM_MARGIN,
    FOOTER,
    FOOTER_MARGIN,
    MM_PER_INCH,
    SIDE_MARGIN,
    TOP_MARGIN,
    header_text,
    paper_for,
    table_units,
)
from reporttool.forms import layout as L

LIST_SHEET = "_下拉列表"  # hidden sheet holding the cluster list when it is too long for an inline list
SIGNOFF_LINE = ("单位负责人：          统计负责人：          填表人：          联系电话：          "
                "报出日期：      年    月    日")
_WB_OPTIONS = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False,
               "in_memory": True}  # no temporary part files (render/workbook.py says why)
_ILLEGAL_FILENAME = re.compile(r'[<>:"/\\|?*\x00-\x1f]')
# 填报说明: one column that fits an A4 portrait page at 100 % in every rendering (reporttool.core.paper)
INSTRUCTIONS_WIDTH = int(A4_PORTRAIT.usable_units) - 2
_MARKS_WIDTH = 34  # minimum width (characters) of the top-right block of 表号/制定机关/有效期至


def template_name(cat: Catalogue, district: District | str, period: Period) -> str:
    """File name of a district's form, e.g. "兴城市_重点产业集群报表_2025年1-6月.xlsx" (Windows-safe)."""
    d = district if isinstance(district, District) else _district(cat, district)
    name = f"{d.name}_{cat.settings.programme_name}报表_{period.label}.xlsx"
    return _ILLEGAL_FILENAME.sub("_", name).strip(" .")


def write_templates(cat: Catalogue, period: Period, out_dir: Path, district: str | None = None) -> list[Path]:
    """Write one blank form per configured district (or only ``district``); return the paths written."""
    districts = [_district(cat, district)] if district else list(cat.districts)
    out_dir = Path(out_dir)
    return [write_template(cat, d.code, period, out_dir / template_name(cat, d, period)) for d in districts]


def write_template(cat: Catalogue, district_code: str, period: Period, dest: Path, *,
                   roster: Sequence[Mapping[str, Any]] = (), projects: Sequence[Mapping[str, Any]] = (),
                   outputs: Mapping[tuple[str, str], Mapping[str, Any]] | None = None) -> Path:
    """Write the district form to ``dest`` atomically and return ``dest``.

    With no data it is the blank form sent to districts. With data it is a filled submission: roster and
    projects rows are dicts keyed by layout column keys, in order; ``outputs`` maps (cluster code,
    indicator code) to {"value", "value_ly", "note"} (pairs the catalogue does not have become extra
    rows at the end, optionally with "cluster", "indicator", "unit"). Values are written as a person
    typing them would leave them: Decimal/int/float -> number, str -> text (even "=1+1" or "1,234.5"),
    date -> date, bool -> 是/否.
    """
    d = _district(cat, district_code)
    dest = Path(dest)
    try:
        with atomic_path(dest) as tmp:
            wb = xlsxwriter.Workbook(str(tmp), _WB_OPTIONS)
            try:
                _FormWriter(wb, cat, d, period).write(list(roster), list(projects), dict(outputs or {}))
            finally:
                wb.close()
    except OSError as exc:
        raise ReportToolError(f"无法写入 {dest}（{exc.strerror or exc}）。如果该文件正在 Excel/WPS 中打开，"
                              "请先关闭再重试。") from exc
    return dest


def _district(cat: Catalogue, code: str) -> District:
    d = cat.district(code) or cat.district(str(code).strip().upper())
    if d is None:
        valid = "、".join(f"{x.code}（{x.name}）" for x in cat.districts)
        u = cat.words.unit
        raise ReportToolError(f"目标库中没有{u}代码“{code}”。可用的{u}代码：{valid}")
    return d


class _FormWriter:
    """One workbook: formats are created once and shared by every cell (fast for thousands of rows)."""

    def __init__(self, wb: xlsxwriter.Workbook, cat: Catalogue, district: District, period: Period):
        self.wb, self.cat, self.district, self.period = wb, cat, district, period
        s = cat.settings
        self.deadline = s.deadline_for(period)
        base = {"font_name": "宋体", "font_size": 10, "valign": "vcenter"}
        cell = {**base, "border": 1}
        self.f = {
            "title": wb.add_format({"font_name": "黑体", "font_size": 18, "align": "center", "valign": "vcenter"}),
            "mark": wb.add_format({**base, "align": "left"}),
            "line_l": wb.add_format({**base, "align": "left"}),
            "line_c": wb.add_format({**base, "align": "center"}),
            "line_r": wb.add_format({**base, "align": "right"}),
            "head": wb.add_format({"font_name": "黑体", "font_size": 10, "align": "center", "valign": "vcenter",
                                   "text_wrap": True, "border": 1, "bg_color": "#F2F2F2"}),
            "signoff": wb.add_format({**base, "align": "left", "top": 1}),
            "note": wb.add_format({**base, "align": "left"}),
            "fixed": wb.add_format({**cell, "bg_color": "#F2F2F2", "text_wrap": True}),
            "fixed_c": wb.add_format({**cell, "bg_color": "#F2F2F2", "align": "center"}),
            L.TEXT: wb.add_format({**cell, "locked": False, "num_format": "@"}),
            L.CODE: wb.add_format({**cell, "locked": False, "num_format": "@"}),
            L.CHOICE: wb.add_format({**cell, "locked": False, "num_format": "@", "align": "center"}),
            L.CLUSTER: wb.add_format({**cell, "locked": False, "num_format": "@", "text_wrap": True}),
            L.SEQ: wb.add_format({**cell, "locked": False, "align": "center"}),
            L.AMOUNT: wb.add_format({**cell, "locked": False, "num_format": "#,##0.00"}),
            L.INT: wb.add_format({**cell, "locked": False, "num_format": "0"}),
            L.DATE: wb.add_format({**cell, "locked": False, "num_format": "yyyy-mm", "align": "center"}),
            "i_title": wb.add_format({"font_name": "黑体", "font_size": 16, "align": "center"}),
            "i_head": wb.add_format({"font_name": "黑体", "font_size": 12, "valign": "bottom"}),
            "i_key": wb.add_format({"font_name": "宋体", "font_size": 11, "bold": True}),
            "i_body": wb.add_format({"font_name": "宋体", "font_size": 11, "text_wrap": True, "valign": "top"}),
        }
        # the district's own clusters first (集群.所在县区), then the others: an enterprise or a project of an
        # unexpected cluster can still be entered (and is checked as R-CLUSTER-SCOPE)
        own = cat.clusters_for(district.code)
        self.cluster_source: list[str] | str = [c.name for c in own] + [c.name for c in cat.clusters
                                                                         if c not in own]

    # ---- workbook ---------------------------------------------------------------------------------
    def write(self, roster: list, projects: list, outputs: dict) -> None:
        self._instructions(self.wb.add_worksheet(L.INSTRUCTIONS_SHEET))
        sheets = {spec.key: self.wb.add_worksheet(spec.name) for spec in L.DATA_SHEETS}
        meta = self.wb.add_worksheet(L.META_SHEET)
        self._cluster_list()
        for spec in L.DATA_SHEETS:
            if spec.key == L.OUTPUT.key:
                rows = self._output_rows(outputs)
            else:
                rows = roster if spec.key == L.ROSTER.key else projects
            self._data_sheet(sheets[spec.key], spec, rows)
        self._meta(meta)
        self.wb.worksheets()[0].activate()

    def _cluster_list(self) -> None:
        """Inline dropdown list if Excel allows it (≤255 characters, no commas), else a hidden range."""
        names = list(self.cluster_source)
        joined = ",".join(names)
        if len(joined.encode("utf-16-le")) // 2 <= 250 and not any(ch in n for n in names for ch in ',"'):
            return
        ws = self.wb.add_worksheet(LIST_SHEET)
        ws.write_string(0, 0, "所属集群")
        for i, name in enumerate(names, start=1):
            ws.write_string(i, 0, name)
        ws.hide()
        ws.protect("", {})
        self.cluster_source = f"='{LIST_SHEET}'!$A$2:$A${len(names) + 1}"

    def _meta(self, ws) -> None:
        s = self.cat.settings
        values = {"template_id": L.TEMPLATE_ID, "version": L.form_version(s.template_version),
                  "district": self.district.code, "period": self.period.key,
                  "fingerprint": self.cat.fingerprint, "city": s.city}
        for r, (label, field_name) in enumerate(L.META_KEYS.items()):
            ws.write_string(r, 0, label)
            ws.write_string(r, 1, values[field_name])
        ws.set_column(0, 0, 12)
        ws.set_column(1, 1, 30)
        ws.protect("", {})
        ws.very_hidden()

    def _output_rows(self, outputs: dict) -> list[dict]:
        """One row per cluster × output indicator; keys of ``outputs`` the catalogue does not know are
        appended after them (as a district that added a row would), so tests can make unknown rows."""
        rows: list[dict] = []
        for ind in self.cat.programme_indicators():  # figures the district reports once, not per cluster
            if ind.source == SOURCE_OUTPUT:
                given = outputs.pop((ALL, ind.code), {})
                rows.append({"seq": len(rows) + 1, "cluster_code": ALL, "cluster": AREA_LABEL,
                             "indicator_code": ind.code, "indicator": ind.name, "unit": ind.form_unit,
                             "value": given.get("value"), "value_ly": given.get("value_ly"),
                             "note": given.get("note")})
        for c in self.cat.clusters:
            if not self.cat.hosts(c.code, self.district.code) and not any(k[0] == c.code for k in outputs):
                continue  # only the clusters the district hosts (集群.所在县区)
            for ind in self.cat.output_indicators_for(c.code):
                given = outputs.pop((c.code, ind.code), {})
                rows.append({"seq": len(rows) + 1, "cluster_code": c.code, "cluster": c.name,
                             "indicator_code": ind.code, "indicator": ind.name, "unit": ind.form_unit,
                             "value": given.get("value"), "value_ly": given.get("value_ly"),
                             "note": given.get("note")})
        extra_keys = ("cluster", "indicator", "unit", "value", "value_ly", "note")
        for (cluster_code, indicator_code), given in outputs.items():
            rows.append({"seq": len(rows) + 1, "cluster_code": cluster_code, "indicator_code": indicator_code,
                         **{k: given.get(k) for k in extra_keys}})
        return rows

    # ---- 填报说明 ---------------------------------------------------------------------------------
    def _instructions(self, ws) -> None:
        s, f, d = self.cat.settings, self.f, self.district
        deadline = f"{self.deadline.year}年{self.deadline.month}月{self.deadline.day}日"
        ws.set_column(0, 0, INSTRUCTIONS_WIDTH)
        ws.write_string(0, 0, f"{s.city}{s.programme_name}报表填报说明", f["i_title"])
        ws.set_row(0, 30)
        lines: list[tuple[str, str]] = [
            ("key", f"填报单位：{d.name}（代码 {d.code}）"),
            ("key", f"报告期：{self.period.label}（本年1月至{self.period.month}月累计）"),
            ("key", f"报送截止：{deadline}前"),
            ("head", "一、谁来填、何时报"),
            ("body", f"本表由{d.name}负责产业集群工作的部门填报，经单位负责人审核后，于{deadline}前报送"
                     f"{s.issuing_unit}。本文件是为{d.name}、{self.period.label}专门生成的，请勿转给其他单位"
                     f"使用，也不要用往期或其他{self.cat.words.unit}的文件填报（系统会拒收）。"),
            ("head", "二、各表怎么填"),
        ]
        for n, spec in enumerate(L.DATA_SHEETS, start=1):
            required = "、".join(c.title for c in spec.columns if c.required)
            what = {L.ROSTER.key: "逐户填写本地区属于各产业集群的企业，一户一行。",
                    L.PROJECTS.key: "逐个填写本地区各产业集群的重点投资项目，一个项目一行。",
                    L.OUTPUT.key: "已按集群和指标列好各行，只需填写“本年累计”“上年同期”，必要时填写“说明”；"
                                  "集群、指标和计量单位不能修改。本地区没有的集群或指标留空。"
                                  + self._scope_note()}[spec.key]
            lines.append(("body", f"{n}.“{spec.name}”表（{spec.form_number(s.form_code)}，单位：{spec.unit_note}）：{what}"
                                  + (f"必填项：{required}。" if required else "")))
            tips = [f"{c.title}——{c.prompt}" for c in spec.columns if c.prompt and c.kind != L.CLUSTER]
            if tips:
                lines.append(("body", "　　" + "；".join(tips) + "。"))
        lines += [
            ("body", "填写要求：金额一律以万元为单位（集群产出表按各行计量单位），填数字，不要带单位、文字或空格；"
                     "“所属集群”“是否规上”“建设性质”“项目状态”等从下拉列表选择；开工时间、预计投产时间填年月，"
                     "如 2025-03（写成“2025年3月”或文本“2025-03”也可以）。行数不够时，在表格中间选中一行后"
                     "右键“插入”整行，不要在签字栏下方续填；空行不影响报送。"),
            ("head", "三、审核关系"),
        ]
        for spec in L.DATA_SHEETS:
            lines.append(("body", f"“{spec.name}”表：" + "".join(spec.notes).removeprefix("审核关系：")))
        lines += [
            ("head", "四、审核结果的含义"),
            ("body", "报送后系统逐项审核，结果分两类：“错误”是必须修改的问题（如信用代码校验不通过、"
                     "必填项为空、数字填成文字、本年累计完成投资大于总投资），须改正后重新报送，否则退回修改；"
                     "“核实”是数值异常但可能正确的情况（如同比增减幅度超过"
                     f"{s.yoy_threshold.normalize():f}%、累计数比上月减少）。如果数值确实正确，请在该行“说明”栏"
                     "写明原因，写了说明的核实项视为已说明，数值照常采用，不必修改。"),
            ("head", "五、注意事项"),
            ("body", "请勿修改工作表名称、标题、表头和集群产出表的集群、指标各列（这些单元格已锁定，工作表保护"
                     "未设密码）；请勿删除或改名工作表；请保存为 .xlsx 格式，不要设置打开密码。可以用 Excel 或 WPS "
                     "填写。"),
        ]
        if s.contact:
            lines += [("head", "六、联系方式"), ("body", s.contact)]
        # one column as wide as an A4 portrait page holds at 100 % (the widest rendering, see
        # reporttool.core.paper): nothing reaches past the margins, and the row heights below hold the
        # text in Excel, whose units are narrower (more lines per paragraph)
        heights = [30.0]
        for r, (kind, text) in enumerate(lines, start=1):
            ws.write_string(r, 0, text, f["i_" + kind])
            if kind == "head":
                height = 24.0
            elif kind == "body":
                height = 15.5 * -(-int(_text_width(text, 2.1)) // int(INSTRUCTIONS_WIDTH - 2))
            else:
                height = 15.0
            ws.set_row(r, height)
            heights.append(height)
        breaks = _keep_with_next(heights, [k + 1 for k, (kind, _t) in enumerate(lines) if kind == "head"])
        if breaks:
            ws.set_h_pagebreaks(breaks)
        ws.set_portrait()
        ws.set_margins(left=SIDE_MARGIN, right=SIDE_MARGIN, top=TOP_MARGIN, bottom=BOTTOM_MARGIN)
        ws.set_paper(A4_PORTRAIT.code)
        ws.fit_to_pages(1, 0)
        ws.center_horizontally()
        ws.set_footer(FOOTER, {"margin": FOOTER_MARGIN})
        ws.print_area(0, 0, len(lines), 0)
        ws.hide_gridlines(2)
        ws.protect("", {"format_columns": True, "format_rows": True})

    def _scope_note(self) -> str:
        """When the district hosts only some clusters: which, and what to do about another one."""
        own = self.cat.clusters_for(self.district.code)
        if len(own) == len(self.cat.clusters):
            return ""
        return (f"本表只列出本地区承载的{len(own)}个集群；本地区如有其他集群的企业或项目，可在集群企业表、投资项目表照常"
                f"选择该集群填报（系统提示核实，请在说明栏注明），并告知{self.cat.words.bureau}在目标库中为该集群增加本地区，"
                "下期模板即会列出。")

    # ---- a data sheet -----------------------------------------------------------------------------
    def _data_sheet(self, ws, spec: L.SheetSpec, rows: list) -> None:
        s, f = self.cat.settings, self.f
        cols = spec.columns
        last = len(cols) - 1
        widths = _widths(cols, rows, [c.name for c in self.cat.clusters])
        for c, w in enumerate(widths):
            ws.set_column(c, c, w)
        title = spec.title.replace("{city}", s.city).replace("{programme}", s.programme_name)
        ws.merge_range(0, 0, 0, last, title, f["title"])
        ws.set_row(0, 36)
        # top-right identity marks of an approved statistical form
        marks = [f"表号：{spec.form_number(s.form_code)}",
                 f"制定机关：{s.form_authority}"]
        if s.form_document:
            marks.append(f"文号：{s.form_document}")
        marks.append(f"有效期至：{s.form_valid_until}")
        first_mark_col = _block_start(cols, _MARKS_WIDTH)
        for r, text in enumerate(marks, start=1):
            _merge(ws, r, first_mark_col, last, text, f["mark"])
        r = len(marks) + 1
        # 填报单位 / 报告期 / 单位 line, one label per cell
        third = max(1, len(cols) // 3)
        _merge(ws, r, 0, third - 1, f"填报单位：{self.district.name}", f["line_l"])
        _merge(ws, r, third, last - third, f"报告期：{self.period.label}", f["line_c"])
        _merge(ws, r, last - third + 1, last, f"单位：{spec.unit_note}", f["line_r"])
        header = r + 1
        heads = [header_text(col.title, w) for col, w in zip(cols, widths)]
        for c, text in enumerate(heads):
            ws.write_string(header, c, text, f["head"])
        ws.set_row(header, max(30, 14 * max(t.count("\n") + 1 for t in heads) + 4))
        first = header + 1
        fixed = spec.key == L.OUTPUT.key
        n = len(rows) if fixed else max(spec.blank_rows, len(rows))
        self._body(ws, spec, rows, first, n, fixed, widths)
        end = first + max(n, 1) - 1  # last formatted row (one empty row if the sheet has no rows at all)
        self._validations(ws, spec, first, end)
        _merge(ws, end + 1, 0, last, SIGNOFF_LINE, f["signoff"])
        ws.set_row(end + 1, 24)
        for i, note in enumerate(spec.notes, start=end + 2):
            _merge(ws, i, 0, last, note, f["note"])
        bottom = end + 1 + len(spec.notes)
        # freeze below the header, print like a statistical form
        ws.freeze_panes(first, 0)
        # one page wide at ≥ 9 pt: A4 landscape, or A3 for the wide lists (reporttool.core.paper)
        paper = paper_for(table_units(widths), 10)
        ws.set_landscape()
        ws.set_paper(paper.code)
        ws.fit_to_pages(1, 0)
        ws.repeat_rows(header)
        ws.center_horizontally()
        ws.set_margins(left=SIDE_MARGIN, right=SIDE_MARGIN, top=TOP_MARGIN, bottom=BOTTOM_MARGIN)
        ws.set_footer(FOOTER, {"margin": FOOTER_MARGIN})
        ws.print_area(0, 0, bottom, last)
        # districts may insert and delete rows inside the table; titles, headers and fixed cells stay put
        ws.protect("", {"format_columns": True, "format_rows": True,
                        "insert_rows": not fixed, "delete_rows": not fixed})

    def _body(self, ws, spec: L.SheetSpec, rows: list, first: int, n: int, fixed: bool,
              widths: list[float]) -> None:
        f = self.f
        fmts = []
        for col in spec.columns:
            if col.kind == L.FIXED or (fixed and col.kind == L.SEQ):
                fmts.append(f["fixed_c"] if col.key in ("seq", "cluster_code", "indicator_code", "unit")
                            else f["fixed"])
            else:
                fmts.append(f[col.kind])
        keys = [col.key for col in spec.columns]
        seq_col = keys.index("seq") if "seq" in keys and not fixed else -1
        write_string, write_number = ws.write_string, ws.write_number
        for i, row in enumerate(rows):
            r = first + i
            height = _height(row, keys, widths)  # wrapped names (所属集群) shown whole
            if height:
                ws.set_row(r, height)
            for c, key in enumerate(keys):
                value = row.get(key)
                kind = type(value)
                if kind is str:  # the common cases first, without the generic dispatch
                    write_string(r, c, value, fmts[c])
                elif kind is Decimal and value.is_finite():
                    write_number(r, c, float(value), fmts[c])
                elif kind is int:
                    write_number(r, c, value, fmts[c])
                elif value is None and c == seq_col:
                    write_number(r, c, i + 1, fmts[c])
                else:
                    _write(ws, r, c, value, fmts[c])
        for r in range(first + len(rows), first + n):
            for c in range(len(keys)):
                ws.write_blank(r, c, None, fmts[c])

    def _validations(self, ws, spec: L.SheetSpec, first: int, end: int) -> None:
        for c, col in enumerate(spec.columns):
            opts = _validation(col, self.cluster_source, self.cat.words.own)
            if opts:
                ws.data_validation(first, c, end, c, opts)


def _write(ws, r: int, c: int, value: Any, fmt) -> None:
    """Write a value as the cell type a person typing it would produce."""
    if value is None:
        ws.write_blank(r, c, None, fmt)
    elif isinstance(value, bool):
        ws.write_string(r, c, "是" if value else "否", fmt)
    elif isinstance(value, Decimal):
        if value.is_finite():
            ws.write_number(r, c, float(value), fmt)
        else:
            ws.write_string(r, c, str(value), fmt)
    elif isinstance(value, (int, float)):
        ws.write_number(r, c, value, fmt)
    elif isinstance(value, (dt.date, dt.datetime)):
        ws.write_datetime(r, c, value, fmt)
    else:
        ws.write_string(r, c, str(value), fmt)


def _validation(col: L.Column, cluster_source: list[str] | str, own: str = "本市") -> dict[str, object] | None:
    """Data validation options of a column (None for free text / fixed columns)."""
    title = col.title[:32]
    opts: dict[str, object]  # xlsxwriter's data_validation options: text, numbers, dates, lists
    if col.kind == L.CLUSTER:
        opts = {"validate": "list", "source": cluster_source, "error_type": "stop",
                "error_message": f"请从下拉列表中选择{own}的产业集群（须与目标库中的集群名称一致）。"}
    elif col.kind == L.CHOICE:
        opts = {"validate": "list", "source": list(col.choices), "error_type": "stop",
                "error_message": f"只能填写：{'、'.join(col.choices)}。"}
    elif col.kind == L.AMOUNT:
        opts = {"validate": "decimal", "criteria": ">=", "value": 0, "error_type": "stop",
                "error_message": "请填写不小于0的数字（不要带单位、文字或空格）。"}
    elif col.kind == L.INT:
        opts = {"validate": "integer", "criteria": ">=", "value": 0, "error_type": "stop",
                "error_message": "请填写不小于0的整数。"}
    elif col.kind == L.DATE:
        opts = {"validate": "date", "criteria": "between", "minimum": dt.date(1990, 1, 1),
                "maximum": dt.date(2100, 12, 31), "error_type": "warning",
                "error_message": "请填写年月，如 2025-03 或 2025年3月。"}
    elif col.kind == L.CODE:
        opts = {"validate": "length", "criteria": "==", "value": 18, "error_type": "warning",
                "error_message": "统一社会信用代码应为18位（数字和大写字母），请核对。"}
    elif col.kind == L.TEXT and col.prompt:
        opts = {"validate": "any"}
    else:
        return None
    opts["error_title"] = f"{title}填写有误"[:32]
    prompt = col.prompt or _DEFAULT_PROMPTS.get(col.kind, "")
    if col.kind == L.CHOICE and not col.prompt:
        prompt = f"从下拉列表选择：{'、'.join(col.choices)}"
    if prompt:
        opts["input_title"] = title
        opts["input_message"] = prompt[:255]
    return opts


_DEFAULT_PROMPTS = {
    L.AMOUNT: "填数字，不小于0",
    L.INT: "填整数，不小于0",
    L.DATE: "填年月，如 2025-03",
    L.CODE: "18位统一社会信用代码",
    L.CLUSTER: "从下拉列表选择",
}


def _text_width(text: str, wide: float = 1.8) -> float:
    """Approximate width of ``text`` in Excel character units (a Chinese character is about two)."""
    return sum(wide if ord(ch) > 0x2E7F else 1.0 for ch in text)


def _widths(cols: Sequence[L.Column], rows: list, cluster_names: list[str]) -> list[float]:
    """Column widths: the layout's, widened (within reason) to show cluster and indicator names whole."""
    out = []
    for col in cols:
        if col.kind == L.FIXED:
            texts = [str(r.get(col.key) or "") for r in rows]
        elif col.kind == L.CLUSTER:
            texts = cluster_names
        else:
            texts = []
        need = max((_text_width(t) + 2 for t in texts), default=0)
        # widened a little for names, never past what keeps the sheet one printed page wide at ≥ 9 pt:
        # longer names wrap (pre-filled rows get their height from _height)
        out.append(max(col.width, min(need, col.width + 2)))
    return out


def _height(row: Mapping[str, Any], keys: list[str], widths: list[float]) -> float | None:
    """Row height that shows the longest wrapped pre-filled text, or None for the default."""
    lines = max(-(-int(_text_width(str(row.get(k) or ""))) // max(1, int(w - 1)))
                for k, w in zip(keys, widths))
    return 15 * lines if lines > 1 else None


def _keep_with_next(heights: list[float], heads: list[int]) -> list[int]:
    """Rows that start a page so that no heading (rows ``heads``) is the last line of a page.

    ``heights`` are the rows' heights in pt; an A4 portrait page holds the height between the margins
    (at 100 %: the column fits the page without scaling)."""
    page = (A4_PORTRAIT.height_mm / MM_PER_INCH - TOP_MARGIN - BOTTOM_MARGIN) * 72 * 0.97
    head_set = set(heads)
    breaks, used = [], 0.0
    for r, h in enumerate(heights):
        nxt = heights[r + 1] if r in head_set and r + 1 < len(heights) else 0.0
        if used > 0 and (used + h > page or used + h + nxt > page):
            breaks.append(r)
            used = 0.0
        used += h
    return breaks


def _block_start(cols: Sequence[L.Column], width: float) -> int:
    """First column of the smallest run of trailing columns at least ``width`` characters wide."""
    total = 0.0
    for c in range(len(cols) - 1, -1, -1):
        total += cols[c].width
        if total >= width:
            return c
    return 0


def _merge(ws, r: int, c1: int, c2: int, text: str, fmt) -> None:
    if c2 > c1:
        ws.merge_range(r, c1, r, c2, text, fmt)
    else:
        ws.write_string(r, c1, text, fmt)
