"""The district form's layout: the one contract between the template writer, the reader and the demo.

Column *titles* are what the reader looks for (it finds tables by their header labels, not positions);
keys are what the code uses. Changing a title here changes the template and the reader together.
The layout is the same for every city: which clusters and indicators appear comes from the catalogue.
"""
from __future__ import annotations

from dataclasses import dataclass

TEMPLATE_ID = "reporttool.cluster-form"
# Bump when the form's layout changes in a way that older forms cannot be read by this code.
LAYOUT_VERSION = "1"
META_SHEET = "_表单信息"
INSTRUCTIONS_SHEET = "填报说明"

# Text marking the sign-off line under each table: the reader stops there.
SIGNOFF_MARKERS = ("单位负责人", "统计负责人", "填表人")

YES_NO = ("是", "否")
PROJECT_NATURES = ("新建", "续建", "扩建", "技改")
PROJECT_STATUSES = ("签约", "开工", "在建", "竣工投产")

# Column kinds
TEXT = "text"
CODE = "credit_code"  # 统一社会信用代码
AMOUNT = "amount"  # non-negative number, 万元 or the indicator's unit
INT = "int"  # whole number >= 0
CHOICE = "choice"  # one of ``choices``
CLUSTER = "cluster"  # a cluster name (or code) from the catalogue
DATE = "date"  # a month or day: 2025-03, 2025年3月, an Excel date
SEQ = "seq"  # 序号: ignored
FIXED = "fixed"  # pre-filled by the template, locked (output sheet: cluster/indicator names)


@dataclass(frozen=True)
class Column:
    key: str
    title: str  # header label on the form
    kind: str
    required: bool = False
    choices: tuple[str, ...] = ()
    width: float = 12
    prompt: str = ""  # Chinese input message shown in Excel when the cell is selected
    aliases: tuple[str, ...] = ()  # other header labels the reader accepts (older wording)


@dataclass(frozen=True)
class SheetSpec:
    key: str
    name: str  # sheet name
    title: str  # form title, "{city}" is replaced: 葫芦岛市重点产业集群企业名录
    form_no: str  # the form's own number: 集群1表; printed as 表号 <settings 表号前缀><n>表 when a prefix is set
    unit_note: str  # 单位 line: 万元
    columns: tuple[Column, ...]
    blank_rows: int  # formatted empty rows in a new template
    notes: tuple[str, ...] = ()  # 审核关系 and notes printed under the table

    def form_number(self, prefix: str) -> str:
        """表号 as printed: 葫集群1表 with the catalogue's prefix 葫集群, else the form's own 集群1表."""
        return f"{prefix}{self.form_no.removeprefix('集群')}" if prefix else self.form_no

    def column(self, key: str) -> Column:
        for c in self.columns:
            if c.key == key:
                return c
        raise KeyError(key)


ROSTER = SheetSpec(
    key="roster",
    name="集群企业",
    title="{city}{programme}企业名录",
    form_no="集群1表",
    unit_note="万元、人",
    blank_rows=300,
    columns=(
        Column("seq", "序号", SEQ, width=5),
        Column("credit_code", "统一社会信用代码", CODE, True, width=20,
               prompt="18位统一社会信用代码，末位为校验码"),
        Column("name", "企业名称", TEXT, True, width=24, prompt="填写营业执照上的全称"),
        Column("cluster", "所属集群", CLUSTER, True, width=18, prompt="从下拉列表选择"),
        Column("is_scale", "是否规上", CHOICE, True, YES_NO, width=6, prompt="规上：年营业收入2000万元及以上"),
        Column("is_leader", "是否龙头", CHOICE, False, YES_NO, width=6),
        Column("park", "所在园区", TEXT, width=14),
        Column("revenue", "本年累计营业收入", AMOUNT, True, width=11, prompt="万元，不小于0",
               aliases=("本年累计主营业务收入", "营业收入本年累计")),
        Column("revenue_ly", "上年同期营业收入", AMOUNT, width=11, prompt="万元，同口径上年同期数",
               aliases=("上年同期主营业务收入", "营业收入上年同期")),
        Column("output_value", "本年累计工业总产值", AMOUNT, width=11, prompt="万元"),
        Column("output_value_ly", "上年同期工业总产值", AMOUNT, width=11, prompt="万元"),
        Column("employees", "从业人员", INT, width=7, prompt="人，整数"),
        Column("note", "说明", TEXT, width=16, prompt="数值正确但异常时在此说明"),
    ),
    notes=(
        "审核关系：1.统一社会信用代码须为18位且校验码正确，同一企业不得重复填报；",
        "2.是否规上为“是”的企业，本年累计营业收入折合全年应不低于2000万元（否则须说明）；",
        "3.同一集群企业本年累计营业收入之和 ≤ 集群产出表中该集群营业收入。",
    ),
)

PROJECTS = SheetSpec(
    key="projects",
    name="投资项目",
    title="{city}{programme}重点投资项目情况",
    form_no="集群2表",
    unit_note="万元",
    blank_rows=150,
    columns=(
        Column("seq", "序号", SEQ, width=5),
        Column("name", "项目名称", TEXT, True, width=24),
        Column("cluster", "所属集群", CLUSTER, True, width=18, prompt="从下拉列表选择"),
        Column("nature", "建设性质", CHOICE, True, PROJECT_NATURES, width=6),
        Column("status", "项目状态", CHOICE, True, PROJECT_STATUSES, width=6),
        Column("owner", "项目单位", TEXT, width=18),
        Column("total", "总投资", AMOUNT, True, width=11, prompt="万元，不小于0"),
        Column("plan_year", "本年计划投资", AMOUNT, width=11, prompt="万元"),
        Column("done_year", "本年累计完成投资", AMOUNT, True, width=11, prompt="万元，不大于总投资"),
        Column("done_total", "自开工累计完成投资", AMOUNT, width=11, prompt="万元，不大于总投资"),
        Column("start", "开工时间", DATE, width=8, prompt="如 2025-03"),
        Column("finish", "预计投产时间", DATE, width=8, prompt="如 2026-12，不早于开工时间"),
        Column("note", "说明", TEXT, width=16, prompt="数值正确但异常时在此说明"),
    ),
    notes=(
        "审核关系：1.本年累计完成投资 ≤ 总投资；自开工累计完成投资 ≤ 总投资；",
        "2.本年累计完成投资 ≤ 本年计划投资（超出须说明）；3.开工时间 ≤ 预计投产时间。",
    ),
)

OUTPUT = SheetSpec(
    key="output",
    name="集群产出",
    title="{city}{programme}主要指标完成情况",
    form_no="集群3表",
    unit_note="见各行计量单位",
    blank_rows=0,  # one pre-filled row per cluster × indicator
    columns=(
        Column("seq", "序号", SEQ, width=5),
        Column("cluster_code", "集群代码", FIXED, width=6),
        Column("cluster", "所属集群", FIXED, width=18),
        Column("indicator_code", "指标代码", FIXED, width=7),
        Column("indicator", "指标名称", FIXED, width=20),
        Column("unit", "计量单位", FIXED, width=7),
        Column("value", "本年累计", AMOUNT, False, width=12, prompt="按本行计量单位填报，不小于0"),
        Column("value_ly", "上年同期", AMOUNT, False, width=12, prompt="同口径上年同期数"),
        Column("note", "说明", TEXT, width=20, prompt="同比波动较大等情况在此说明"),
    ),
    notes=(
        "审核关系：1.本年累计 ≥ 上月本年累计（累计数不得回落）；",
        "2.同比增减幅度超过核实阈值的须在说明栏说明原因；3.本表营业收入 ≥ 集群企业表同集群企业营业收入之和。",
    ),
)

DATA_SHEETS = (ROSTER, PROJECTS, OUTPUT)
SHEETS_BY_KEY = {s.key: s for s in DATA_SHEETS}


def form_version(settings_template_version: str) -> str:
    """The version written into a form: layout version . the catalogue's 报表版本 (e.g. "1.1")."""
    return f"{LAYOUT_VERSION}.{settings_template_version}"


# Keys of the hidden identity sheet (column A label -> FormIdentity field)
META_KEYS = {
    "模板标识": "template_id",
    "版本": "version",
    "县区代码": "district",
    "报告期": "period",
    "目标库指纹": "fingerprint",
    "城市": "city",
}
