"""Build the example catalogues (examples/衡水, examples/襄樊) from the seeds of their plans.

Run ``python examples/build.py`` to write examples/<city>/targets.xlsx again. The workbooks are what a
bureau would edit; this script is only how they were first typed, so every number can be traced to its
sentence in the plan (the 说明 of each target quotes it). docs/config.md explains the non-obvious ones.
"""
from __future__ import annotations

import sys
from decimal import Decimal as D
from pathlib import Path

from reporttool.catalogue import Catalogue
from reporttool.catalogue.writer import write_catalogue
from reporttool.core.models import BaseStat, Cluster, District, Indicator, Settings, Target

HERE = Path(__file__).resolve().parent


# ---- 衡水: 中小企业产业集群, each rooted in one county (衡政〔2024〕75号) -----------------------------------

def hengshui() -> Catalogue:
    settings = Settings(
        city="衡水市", issuing_unit="衡水市中小企业产业集群工作领导小组办公室", bulletin_name="中小企业产业集群工作简报",
        programme_name="中小企业产业集群", form_code="衡集群", form_authority="衡水市中小企业局",
        form_valid_until="2026年12月", report_to="市委、市政府领导", send_to="市中小企业产业集群工作领导小组成员单位",
        distribute_to="各县市区人民政府，开发区管委会", copies=30, bureau_short="市中小企业局",
        unit_full_word="县（市、区）")
    districts = (
        District("131102", "桃城区", "区", 1), District("131103", "冀州区", "区", 2),
        District("131121", "枣强县", "县", 3), District("131122", "武邑县", "县", 4),
        District("131123", "武强县", "县", 5), District("131124", "饶阳县", "县", 6),
        District("131125", "安平县", "县", 7), District("131126", "故城县", "县", 8),
        District("131127", "景县", "县", 9), District("131128", "阜城县", "县", 10),
        District("131182", "深州市", "市", 11), District("KF01", "衡水高新技术产业开发区", "开发区", 12),
    )
    lead = ("市中小企业局",)
    provincial, city_level = "省级重点产业集群", "市级重点产业集群"
    clusters = (
        Cluster("AP", "安平丝网产业集群", "安平丝网", provincial, 1, lead, (), ("安平造纸网厂", "鹤煌网业有限公司"),
                ("安平国际丝网产业基地",), ("131125",)),
        Cluster("ZQPM", "枣强皮毛产业集群", "枣强皮毛", provincial, 2, lead, (), (), ("大营镇皮毛生产基地",), ("131121",)),
        Cluster("TCXJ", "桃城区工程橡胶产业集群", "桃城工程橡胶", provincial, 3, lead, (), ("中铁建集团", "橡胶股份公司"),
                (), ("131102",)),
        Cluster("JXQP", "景县汽车零部件产业集群", "景县汽车零部件", provincial, 4, lead, (), (), (), ("131127",)),
        Cluster("ZQBL", "枣强玻璃钢产业集群", "枣强玻璃钢", provincial, 5, lead, (), (), ("枣强玻璃钢科技工业园",),
                ("131121",)),
        Cluster("JZCN", "冀州采暖铸造产业集群", "冀州采暖铸造", provincial, 6, lead, (), ("冀暖公司", "冀州铁厂"), (),
                ("131103",)),
        Cluster("JXTT", "景县铁塔钢构产业集群", "景县铁塔钢构", city_level, 7, lead, (), (), (), ("131127",)),
        Cluster("SZSP", "深州食品加工产业集群", "深州食品加工", city_level, 8, lead, (), (), (), ("131182",)),
    )
    every = tuple(c.code for c in clusters)
    indicators = (
        Indicator("YYSR", "营业收入", "亿元", "万元", "output", clusters=every, roster_measure="营业收入合计", order=1),
        Indicator("QYS", "企业（摊点）数", "个", "个", "output", clusters=every, decimals=0, compare_time=False, order=2),
        Indicator("CYRY", "从业人员", "人", "人", "output", clusters=every, decimals=0, compare_time=False, order=3),
        Indicator("LS", "利税", "亿元", "万元", "output", clusters=every, order=4),
        Indicator("SMP", "新创省名牌产品", "个", "个", "output", clusters=every, decimals=0, compare_time=False, order=5),
        Indicator("ZMSB", "新创著名商标", "个", "个", "output", clusters=every, decimals=0, compare_time=False, order=6),
        Indicator("GSQY", "规上企业户数", "户", "户", "roster", clusters=every, roster_measure="规上企业户数", decimals=0,
                  compare_time=False, order=7),
        Indicator("TZWC", "集群项目完成投资", "亿元", "万元", "projects", clusters=every, roster_measure="本年完成投资",
                  order=8),
        # reported once by each county, not per cluster; the programme's share of it is a ratio of sums
        Indicator("XYZL", "县域经济总量", "亿元", "万元", "output", programme=True, order=9),
        Indicator("JQZB", "产业集群经济总量占县域经济总量比重", "%", "%", "formula", summable=False, programme=True,
                  formula="YYSR/XYZL*100", decimals=1, compare_time=False, order=10),
    )
    targets: list[Target] = [
        Target("", "JQZB", "annual", 2024, D(65), note="产业集群经济总量占全市县域经济总量的65%以上（集群经济总量按营业收入计）"),
    ]
    for code in ("AP", "ZQPM", "JXQP"):
        targets.append(Target(code, "YYSR", "annual", 2024, D(100),
                              note="到2024年，年营业收入超100亿元的产业集群3个（安平丝网、枣强皮毛、景县汽车零部件）"))
    for code in ("TCXJ", "ZQBL", "JZCN", "JXTT", "SZSP"):
        targets.append(Target(code, "YYSR", "annual", 2024, D(50),
                              note="年营业收入超50亿元的产业集群5个（工程橡胶、玻璃钢、采暖铸造、铁塔钢构、食品加工）"))
    for c in clusters:
        n = D(2) if c.tier == provincial else D(1)
        what = "省级重点产业集群每年新创省名牌和著名商标各2个" if n == 2 else "市级重点产业集群每年新创省名牌和著名商标各1个"
        # 每年: a 年度目标 with 年均增长率 0 — the same number is derived (推算) for every later year
        targets.append(Target(c.code, "SMP", "annual", 2024, n, D(0), note=what))
        targets.append(Target(c.code, "ZMSB", "annual", 2024, n, D(0), note=what))
    base = tuple(BaseStat("", code, 2024, value, note=f"到2024年底23个产业集群{what}（计划原文）")
                 for code, value, what in (("QYS", D(32000), "共有企业（摊点）32000个"),
                                           ("CYRY", D(315000), "从业人员315000人"),
                                           ("YYSR", D(595), "完成销售收入（营业收入）约595亿元"),
                                           ("LS", D(86), "实现利税86亿元")))
    return Catalogue(settings, districts, clusters, indicators, tuple(targets), base=base)


# ---- 襄樊市襄阳区: a district whose submitting units are its towns and two zones --------------------------

def xiangfan() -> Catalogue:
    settings = Settings(
        city="襄樊市襄阳区", issuing_unit="襄阳区经济局", bulletin_name="产业集群工作简报", programme_name="产业集群",
        form_code="襄集群", form_authority="襄阳区经济局", form_valid_until="2027年12月", report_to="区委、区政府领导",
        send_to="区直有关部门", distribute_to="各镇人民政府，开发（名胜）区管委会", copies=20,
        unit_word="镇区", unit_full_word="镇", region_code="420607")
    towns = ("张湾镇", "刘集镇", "东津镇", "龙王镇", "石桥镇", "黄集镇", "伙牌镇", "古驿镇", "朱集镇", "程河镇", "双沟镇",
             "张家集镇", "黄龙镇", "峪山镇")
    districts = tuple(District(f"Z{k:02d}", name, "镇", k) for k, name in enumerate(towns, start=1)) + (
        District("KF01", "襄阳经济开发区", "开发区", 15), District("KF02", "鹿门寺名胜区", "开发区", 16))
    lead = ("区经济局",)
    clusters = (
        Cluster("JDQP", "机电汽配产业集群", "机电汽配", "", 1, lead, (), ("长源东谷", "荣华集团"), ("经济开发区", "轴承工业园"),
                ("KF01",)),  # “以经济开发区为平台”: the plan places it; the other two it does not place (全部)
        Cluster("FZNF", "纺织服装和农副产品加工产业集群", "纺织服装和农副产品加工", "", 2, lead, (),
                ("鲁花", "万宝粮油", "襄樊正大", "希望", "安华纺织", "金安泰制衣"), ()),
        Cluster("XDWL", "现代物流产业集群", "现代物流", "", 3, lead, (),
                ("华中光彩大市场", "天润汽车大市场", "新世纪建材"), ("汽车及零部件物流中心", "肖湾东站物流产业中心")),
    )
    every = tuple(c.code for c in clusters)
    indicators = (
        Indicator("CZ", "产值", "亿元", "万元", "output", clusters=("JDQP", "XDWL"), order=1),
        Indicator("FZ", "纺织服装产值", "亿元", "万元", "output", clusters=("FZNF",), order=2),
        Indicator("LY", "粮油加工产值", "亿元", "万元", "output", clusters=("FZNF",), order=3),
        Indicator("SL", "饲料加工产值", "亿元", "万元", "output", clusters=("FZNF",), order=4),
        Indicator("SC", "蔬菜加工产值", "亿元", "万元", "output", clusters=("FZNF",), order=5),
        Indicator("FZHJ", "集群产值（四项合计）", "亿元", "亿元", "formula", clusters=("FZNF",), formula="FZ+LY+SL+SC",
                  roster_measure="CZ", compare_time=True, order=6),  # 汇总口径 CZ: counts in the 产值 合计
        Indicator("GSQY", "规上企业户数", "户", "户", "roster", clusters=every, roster_measure="规上企业户数", decimals=0,
                  compare_time=False, order=7),
        Indicator("TZWC", "集群项目完成投资", "亿元", "万元", "projects", clusters=every, roster_measure="本年完成投资",
                  order=8),
    )
    end = "（原文“到‘’末”未写年份，按规划期末2027年示例）"
    targets = (
        Target("JDQP", "CZ", "annual", 2027, D(100), note="汽车零配件产业的产值突破100亿元" + end),
        Target("FZNF", "FZHJ", "annual", 2027, D(100),
               note="以纺织服装、粮油加工、饲料加工、蔬菜加工为主体的产业集群产值突破100亿元" + end),
        Target("XDWL", "CZ", "annual", 2027, D(100), note="物流产业产值突破100亿元" + end),
    )
    return Catalogue(settings, districts, clusters, indicators, targets)


EXAMPLES = {"衡水": hengshui, "襄樊": xiangfan}


def main(names: list[str]) -> None:
    for name in names or list(EXAMPLES):
        dest = HERE / name / "targets.xlsx"
        dest.parent.mkdir(exist_ok=True)
        write_catalogue(EXAMPLES[name](), dest)
        print(f"已生成：{dest}")


if __name__ == "__main__":
    main(sys.argv[1:])
