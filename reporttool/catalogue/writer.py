"""Write a Catalogue back to a targets workbook that bureau staff can edit in Excel/WPS.

Used to produce the embedded default and the examples, and by tests to make broken catalogues.
Every sheet carries a one-line hint above its header and dropdowns where a column takes fixed values.
"""
from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import xlsxwriter

from reporttool.catalogue.model import (
    ALL,
    BASE_COLUMNS,
    CLUSTER_COLUMNS,
    CLUSTER_OPTIONAL,
    DISTRICT_COLUMNS,
    INDICATOR_COLUMNS,
    PROGRAMME,
    PROJECT_MEASURES,
    ROSTER_MEASURES,
    SETTING_LABELS,
    SETTINGS_COLUMNS,
    SHEET_BASE,
    SHEET_CLUSTERS,
    SHEET_DISTRICTS,
    SHEET_INDICATORS,
    SHEET_SETTINGS,
    SHEET_TARGETS,
    SHEET_UNITS,
    SOURCE_LABELS,
    TARGET_COLUMNS,
    TARGET_LABELS,
    UNIT_COLUMNS,
    Catalogue,
)
from reporttool.core.files import atomic_path

TARGET_REFERENCE_COLUMNS = ("集群名称（参考）", "指标名称（参考）", "单位（参考）")

_HINTS = {
    SHEET_SETTINGS: "{whole}通用设置。只改“值”列；项目名称不要改动。",
    SHEET_DISTRICTS: "报送单位。县(市)区用国家行政区划代码，开发区自编代码（字母数字）。",
    SHEET_CLUSTERS: "产业集群。多个牵头单位、龙头企业、园区用“、”分隔；责任领导每人一行（Alt+Enter换行）或用“；”分隔。"
                    "所在县区：承载该集群的县区代码，用“、”分隔，“全部”表示各县区都有（报表只向所在县区要该集群的数据）。"
                    "计入合计：填“否”的集群不计入合计和集群个数。主要指标：完成率图中代表该集群的指标代码（留空取第一个对比时序进度的指标）。",
    SHEET_INDICATORS: "指标。来源：集群产出=县区在集群产出表填报；企业名录/投资项目=由明细汇总；计算=按公式由其他指标算出。"
                      "适用集群填“合计”：不分集群的指标（集群产出=各县区填报一次的地区数，如规上工业总产值；计算=合计层级的比率，如集群产值占比）。",
    SHEET_TARGETS: "目标。集群代码填“全部”表示全部集群合计。年度目标可附年均增长率，用于推算其他年份；"
                   "基期倍数：目标年数值=基期值×倍数（“增长2倍”填3）；增速目标：同比须达到的增长率。"
                   "累计（规划期各年合计，如三年累计投资）、新增（期末比基期年末增加，如三年新增规上企业）："
                   "目标年填规划期年份区间，如2023-2025。"
                   "最后三列（参考）只供阅读，按代码自动对应，不必修改。",
    SHEET_BASE: "基期统计（可空）：某集群（全部＝全部集群合计）某指标在基期年的实际数，单位同“指标”表。“目标”表基期倍数目标的"
                "基期值留空时取此处同年的数值；汇总表在目标说明中列出，作为参照。",
    SHEET_UNITS: "补充单位（可空）。常用单位已内置：元/万元/亿元，美元/万美元/亿美元，吨/万吨，载重吨/万载重吨，辆/万辆，台，户，"
                 "人/万人，千瓦/万千瓦，人次/万人次，%等。换算系数＝1个该单位等于多少个本量纲的基本单位（万辆填10000）；"
                 "只在同一量纲内换算，不同币种是不同量纲，不会相加。",
}

_SETTING_NOTES = {
    "报送截止日": "报告期次月几日前报送",
    "滞后阈值（百分点）": "完成率低于时序进度超过此数为“滞后”，高于超过此数为“超前”",
    "同比核实阈值（%）": "同比增减超过此数须县区说明",
    "上年同期核实阈值（%）": "本期填报的上年同期与去年同期报送的本年累计相差超过此数须县区说明",
    "当月异常阈值": "当月值偏离本县区以往各月的稳健分数（中位数/MAD）超过此数须县区说明；至少有6个月历史才判断",
    "当月异常最小离散（%）": "算稳健分数时，以往各月的离散程度至少按中位数的此百分比计，平稳的历史里小幅波动不报异常",
    "合计行位置": "首行 或 末行",
    "报表版本": "报表结构变更时加1，旧版报表将被拒收",
    "规上标准（万元）": "年营业收入达到此数为规上企业",
    "全域称谓": "留空按城市名称推断：××市→全市，××省→全省，××区→全区，××县→全县",
    "报送单位称谓": "表头、工作表名和提示用：留空时市为“县区”，省为“设区市”，区为“镇街”",
    "报送单位全称": "简报正文用：留空时市为“县（市）区”，省为“设区市”，区为“镇（街道）”",
    "机关简称": "提示和反馈批注用：留空时市为“市局”，省为“省厅”，区为“区局”",
    "行政区划代码": "本地6位行政区划代码（GB/T 2260），示例数据的统一社会信用代码用；县区代码不是6位数字时才需要",
    "报送周期": "月 或 季：按季报送时报表模板按季度下发（2025-Q2）",
    "季报截止日": "季度次月几日前报送季报；0或留空同报送截止日",
    "年报截止日": "次年1月几日前报送年报；0或留空同报送截止日",
    "考核权重：目标完成": "县区考核表各项得分的权重（合计不必为100，按比例折算为百分制）",
    "考核权重：增长": "同上：主要指标同比增长",
    "考核权重：按时报送": "同上：全年各月按时报送",
    "考核权重：问题整改": "同上：首次报送的错误在更正版本中已改正",
    "考核排名最少结果项": "“目标完成”“增长”两项中至少计入几项（0、1或2）才给总分和排名；不足的县区总分、排名显示“—”，"
                 "列在已排名的之后",
}


def _cell(v):
    if v is None:
        return ""
    if isinstance(v, Decimal):
        exponent = v.as_tuple().exponent  # a letter for NaN / infinity, which keep their text
        return float(v) if v == v.to_integral_value() or (isinstance(exponent, int) and abs(exponent) <= 6) else str(v)
    if isinstance(v, bool):
        return "是" if v else "否"
    if isinstance(v, (tuple, list)):
        return "、".join(v)
    return v


def write_catalogue(cat: Catalogue, path: str | Path) -> Path:
    """Write ``cat`` as a targets workbook at ``path`` (atomically)."""
    path = Path(path)
    s = cat.settings
    settings_rows = []
    for label, (fname, kind) in SETTING_LABELS.items():
        value = getattr(s, fname)
        if kind == "first":
            value = "首行" if value else "末行"
        settings_rows.append([label, _cell(value), _SETTING_NOTES.get(label, "")])
    district_rows = [[d.code, d.name, d.kind, d.order] for d in cat.districts]
    cluster_rows = [[c.code, c.name, c.short_name, c.tier, c.order, "、".join(c.lead_units),
                     "\n".join(c.leaders), "、".join(c.key_enterprises), "、".join(c.parks),
                     "、".join(c.districts) or ALL, "是" if c.in_programme else "否", c.headline]
                    for c in cat.clusters]
    src_label = {v: k for k, v in SOURCE_LABELS.items()}
    all_codes = sorted(c.code for c in cat.clusters)  # compared as sets: "全部" whatever the order
    indicator_rows = [[i.code, i.name, i.unit, i.form_unit, src_label[i.source], "是" if i.summable else "否",
                       PROGRAMME if i.programme else ALL if sorted(i.clusters) == all_codes else "、".join(i.clusters),
                       i.roster_measure,
                       i.formula, i.decimals, "是" if i.compare_time else "否", i.order]
                      for i in cat.indicators]
    kind_label = {v: k for k, v in TARGET_LABELS.items()}
    # Names and unit beside the codes, for reading only: the loader reads the columns by their titles and
    # ignores these (a clerk who edits a code need not edit them).
    def names(t):
        c, i = cat.cluster(t.cluster), cat.indicator(t.indicator)
        return [c.short_name if c else "全部集群", i.name if i else "", i.unit if i else ""]

    def year(t):  # a 累计/新增 target's plan range as typed: 2023-2025
        return f"{t.start_year}-{t.year}" if t.start_year is not None else t.year

    target_rows = [[t.cluster or ALL, t.indicator, t.district, kind_label[t.kind], year(t), _cell(t.value),
                    _cell(t.growth_rate), t.base_year or "", _cell(t.base_value), _cell(t.multiple), t.note,
                    *names(t)]
                   for t in cat.targets]

    unit_rows = [[u.unit, u.dimension, _cell(u.factor), u.note] for u in cat.units]
    base_rows = [[b.cluster or ALL, b.indicator, b.district, b.year, _cell(b.value), b.note] for b in cat.base]

    with atomic_path(path) as tmp:
        wb = xlsxwriter.Workbook(str(tmp), {"strings_to_formulas": False, "strings_to_urls": False})
        head = wb.add_format({"bold": True, "font_name": "黑体", "bg_color": "#DDEBF7", "border": 1,
                              "align": "center", "valign": "vcenter", "text_wrap": True})
        body = wb.add_format({"font_name": "宋体", "border": 1, "valign": "top", "text_wrap": True})
        hint = wb.add_format({"font_name": "宋体", "italic": True, "font_color": "#595959"})
        widths = {
            SHEET_SETTINGS: [20, 40, 50],
            SHEET_DISTRICTS: [12, 20, 10, 8],
            SHEET_CLUSTERS: [8, 34, 22, 10, 6, 24, 30, 36, 36, 20, 8, 10],
            SHEET_INDICATORS: [10, 24, 8, 8, 10, 8, 30, 14, 24, 6, 8, 6],
            SHEET_TARGETS: [9, 10, 9, 10, 8, 10, 14, 8, 10, 8, 40, 20, 26, 8],
            SHEET_UNITS: [12, 12, 14, 40],
            SHEET_BASE: [9, 10, 9, 8, 12, 40],
        }
        for name, columns, rows in (
            (SHEET_SETTINGS, SETTINGS_COLUMNS, settings_rows),
            (SHEET_DISTRICTS, DISTRICT_COLUMNS, district_rows),
            (SHEET_CLUSTERS, CLUSTER_COLUMNS + CLUSTER_OPTIONAL, cluster_rows),
            (SHEET_INDICATORS, INDICATOR_COLUMNS, indicator_rows),
            (SHEET_TARGETS, TARGET_COLUMNS + TARGET_REFERENCE_COLUMNS, target_rows),
            (SHEET_UNITS, UNIT_COLUMNS, unit_rows),
            (SHEET_BASE, BASE_COLUMNS, base_rows),
        ):
            ws = wb.add_worksheet(name)
            ws.write(0, 0, _HINTS[name].replace("{whole}", cat.words.whole), hint)
            ws.write_row(1, 0, columns, head)
            for r, row in enumerate(rows, start=2):
                for c, v in enumerate(row):
                    ws.write(r, c, _cell(v), body)
            for c, w in enumerate(widths[name]):
                ws.set_column(c, c, w)
            ws.freeze_panes(2, 0)
            last = max(len(rows) + 200, 300)
            if name == SHEET_INDICATORS:
                ws.data_validation(2, 4, last, 4, {"validate": "list", "source": list(SOURCE_LABELS)})
                ws.data_validation(2, 5, last, 5, {"validate": "list", "source": ["是", "否"]})
                ws.data_validation(2, 7, last, 7, {"validate": "list",
                                                   "source": list(ROSTER_MEASURES + PROJECT_MEASURES),
                                                   "ignore_blank": True})
                ws.data_validation(2, 10, last, 10, {"validate": "list", "source": ["是", "否"]})
            if name == SHEET_TARGETS:
                ws.data_validation(2, 3, last, 3, {"validate": "list", "source": list(TARGET_LABELS)})
            ws.set_landscape()
            ws.set_paper(9)
            ws.fit_to_pages(1, 0)
        wb.close()
    return path
