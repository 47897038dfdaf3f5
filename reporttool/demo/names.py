"""Generic Chinese word lists for the demo's enterprise, project and district names.

Nothing here belongs to one city: the words are ordinary trade-name characters, industry words keyed
by words that appear in cluster names (化工, 冶金, 能源 ...), and place-name syllables for generated
districts. The demo picks from them with a seeded random generator.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

# 字号: two characters, one from each list (华信, 恒泰, 盛达 ...)
TRADE_FIRST = "华恒盛鑫宏泰嘉金永新信瑞润兴隆丰博宇正德安源通达中远海天东北渤辽凯昌泽佳立晟"
TRADE_SECOND = "信泰达源丰盛华鑫宇通远昌利祥瑞辉明康泽诚润坤豪和安兴成业腾越海峰"

# Company-form suffixes and their weights (most enterprises are 有限公司)
COMPANY_FORMS = (("有限公司", 70), ("有限责任公司", 18), ("股份有限公司", 12))

# Place syllables of generated districts (first × second gives unique names: 清河区, 龙泉县 ...)
PLACE_FIRST = "东西南北新长永清青白龙凤金银安宁太平丰富兴红黄绿高"
PLACE_SECOND = "山河城阳安丰宁江泉林川原岭湖台桥"


@dataclass(frozen=True)
class Industry:
    """Words for one kind of industry: matched by words in the cluster's name."""

    keywords: tuple[str, ...]  # any of these in the cluster name selects this industry
    firm_words: tuple[str, ...]  # the industry part of an enterprise name: 化工, 新材料 ...
    products: tuple[str, ...]  # what projects make: 环氧丙烷, 电解锌 ...
    capacity_unit: str  # 年产{n}{unit}{product}项目
    capacity_range: tuple[int, int]  # plausible {n}
    project_templates: tuple[str, ...] = ()  # extra name patterns with {product} {n} {place} {firm}


INDUSTRIES: tuple[Industry, ...] = (
    Industry(("化工", "化学", "石化"), ("化工", "化学", "精细化工", "新材料"),
             ("环氧丙烷", "聚氯乙烯", "离子膜烧碱", "精细化学品", "农药中间体", "电子级化学品", "水处理剂",
              "有机硅单体", "医药中间体"), "万吨", (1, 60)),
    Industry(("冶金", "有色", "钢铁", "金属"), ("有色金属", "冶炼", "金属材料", "矿业"),
             ("电解锌", "钼铁", "高纯铜箔", "锌合金", "再生铅", "高纯铟", "钼酸铵"), "万吨", (1, 30)),
    Industry(("能源", "电力", "光伏", "风电"), ("新能源", "能源", "电力", "风电"),
             ("风电机组塔筒", "光伏组件", "储能电池", "氢能装备"), "万套", (1, 20),
             ("{n}万千瓦风电项目", "{n}0兆瓦光伏发电项目", "{place}共享储能电站项目", "{place}抽水蓄能配套项目")),
    Industry(("船舶", "海工", "造船"), ("船舶重工", "船舶", "海洋工程", "船舶配件"),
             ("散货船", "船用阀门", "海工装备", "船用配件", "船舶分段"), "万载重吨", (5, 80)),
    Industry(("机械", "装备", "制造"), ("机械", "重工", "装备制造", "泵业", "机电"),
             ("离心泵", "凿岩钎具", "压力容器", "液压件", "智能仓储设备", "数控机床"), "台（套）", (100, 5000)),
    Industry(("新兴", "高新", "电子", "信息", "医药", "生物"), ("科技", "新材料", "电子", "生物科技", "光电"),
             ("锂电池正极材料", "光通信器件", "同位素制品", "5G通信模块", "特种陶瓷", "碳纤维复合材料"), "吨", (500, 20000)),
    Industry(("泳装",), ("泳装", "服饰", "针织"),
             ("泳装", "运动服饰", "针织面料", "潜水服"), "万件", (50, 2000),
             ("{place}泳装产业园标准化厂房项目", "{firm}泳装智能制造工厂项目")),
    Industry(("服装", "服饰", "纺织", "纺织制品"), ("纺织", "服饰", "针织", "制衣"),
             ("针织面料", "功能性面料", "户外服装", "家用纺织品", "无纺布", "纱线"), "万件", (50, 2000),
             ("{place}纺织服装产业园标准化厂房项目", "{firm}服装智能制造工厂项目")),
    Industry(("汽车", "汽配", "零部件", "增压器", "机电"), ("汽车部件", "汽配", "机电", "动力科技"),
             ("涡轮增压器", "汽车制动器", "汽车线束", "新能源汽车电机壳体", "汽车轴承", "转向节"), "万套", (5, 200)),
    Industry(("仪器", "仪表"), ("仪器", "仪表", "测控技术", "检测设备"),
             ("工业自动化仪表", "X射线检测仪", "智能流量计", "压力变送器", "分析仪器"), "台（套）", (500, 20000)),
    Industry(("电气", "电力装备", "变压器"), ("电气", "电力设备", "变压器"),
             ("干式变压器", "开关柜", "电力电缆", "互感器", "配电自动化设备"), "台（套）", (500, 20000)),
    Industry(("再生", "资源综合利用", "循环"), ("再生资源", "环保科技", "资源利用"),
             ("废钢", "再生铜", "废旧轮胎", "废塑料", "报废汽车拆解"), "万吨", (1, 50),
             ("{place}再生资源回收利用基地项目", "{place}循环经济产业园项目")),
    Industry(("镁", "硼", "矿产", "建材", "装饰材料"), ("新材料", "矿业", "建材"),
             ("镁质装饰板", "轻烧氧化镁", "硼酸", "硼砂", "新型墙体材料"), "万吨", (1, 30)),
    Industry(("不锈钢", "钢构", "铁塔", "铸造", "采暖"), ("金属制品", "钢结构", "铸造", "散热器"),
             ("不锈钢制品", "输电铁塔", "钢结构件", "铸铁散热器", "铝合金散热器", "精密铸件"), "万吨", (1, 30)),
    Industry(("橡胶",), ("橡胶", "橡塑", "工程橡胶"),
             ("桥梁支座", "橡胶止水带", "橡胶密封件", "减隔震支座", "输送带"), "万件", (10, 500)),
    Industry(("丝网",), ("丝网", "金属网", "过滤材料"),
             ("不锈钢丝网", "护栏网", "石油筛网", "过滤网", "钢格板"), "万平方米", (50, 2000)),
    Industry(("皮毛", "皮革", "裘皮"), ("皮草", "皮业", "裘革"),
             ("裘皮服装", "毛皮鞣制", "皮革制品", "裘皮饰品"), "万件", (10, 300)),
    Industry(("玻璃钢", "复合材料"), ("玻璃钢", "复合材料"),
             ("玻璃钢管道", "冷却塔", "玻璃钢储罐", "复合材料格栅"), "万吨", (1, 20)),
    Industry(("物流",), ("物流", "供应链", "仓储"), (), "", (0, 0),
             ("{place}智慧物流园项目", "{place}冷链物流中心项目", "{place}公铁联运物流基地项目",
              "{firm}仓储配送中心项目")),
    Industry(("渔业", "水产", "海洋"), ("水产", "海洋食品", "渔业"),
             ("海参", "冷冻水产品", "鱼糜制品", "海藻", "即食海鲜"), "万吨", (1, 10),
             ("{place}海洋牧场建设项目", "{place}渔港升级改造项目", "{place}冷链物流中心项目")),
    Industry(("食品", "农产品", "农业", "粮", "农副"), ("食品", "农业科技", "农产品", "粮油"),
             ("果蔬罐头", "杂粮制品", "肉制品", "饲料", "果汁饮料", "速冻食品"), "万吨", (1, 20),
             ("{place}农产品加工园区建设项目", "{place}冷链仓储项目")),
    Industry(("文旅", "旅游", "康养", "文化"), ("文化旅游", "旅游开发", "康养", "酒店管理"),
             (), "", (0, 0),
             ("{place}历史文化街区提升项目", "{place}康养小镇项目", "{place}温泉度假区项目",
              "{place}旅游综合体项目", "{place}乡村旅游示范带项目", "{place}文旅夜经济街区项目")),
)

# Industrial parks named after an industry's first firm word (连山化工产业园); GENERIC's park is 工业园区
GENERIC_PARK = "工业园区"

# Used when no keyword matches the cluster name
GENERIC = Industry((), ("实业", "科技", "制造"), ("新型材料", "零部件", "智能装备"), "万件", (10, 500))

# Project name patterns by 建设性质; {product} {n} {unit} {firm} {place} are filled in
PROJECT_TEMPLATES = {
    "新建": ("年产{n}{unit}{product}项目", "{product}生产基地建设项目", "{firm}{product}新建项目"),
    "续建": ("{firm}{product}产业园建设项目", "{place}{product}产业化项目", "年产{n}{unit}{product}项目"),
    "扩建": ("{firm}{product}二期扩建项目", "{product}扩能改造项目", "年产{n}{unit}{product}扩建项目"),
    "技改": ("{product}生产线技术改造项目", "{firm}智能化改造项目", "{product}节能降碳技术改造项目"),
}

# 说明 a district writes when a big year-on-year change is real
SWING_NOTES = (
    "新建项目上年四季度竣工投产，本年产能集中释放，数据属实。",
    "龙头企业新增生产线达产，订单大幅增加，已核实。",
    "上年同期企业停产检修，基数偏低，数据属实。",
)


@lru_cache(maxsize=256)
def industries_for(cluster_name: str) -> tuple[Industry, ...]:
    """Industries whose keywords occur in the cluster's name (船舶机械 -> 船舶 and 机械); GENERIC if none."""
    found = tuple(ind for ind in INDUSTRIES if any(k in cluster_name for k in ind.keywords))
    return found or (GENERIC,)
