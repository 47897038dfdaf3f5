# Over 500 lines: every record that crosses a stage (catalogue, periods, submissions, findings) is defined here, in one place.
"""The data model: what every stage of the pipeline passes to the next.

Data flows one way: file -> Submission (tables of rows) -> Findings -> ledger -> Figures -> documents.
Everything here is plain data. Amounts are ``Decimal`` (never float) so that totals add up to the cent.
Nothing here is city-specific: clusters, indicators and targets are loaded from templates/targets.xlsx.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

# --------------------------------------------------------------------------------------------------
# Catalogue: loaded from templates/targets.xlsx by reporttool.catalogue.model
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Settings:
    """Sheet 设置: one value per key. Defaults are practice, not law; every one can be edited."""

    city: str  # 葫芦岛市
    issuing_unit: str  # 编发单位 (masthead line / 制定机关)
    bulletin_name: str  # 简报名称, e.g. 产业集群工作简报
    deadline_day: int = 5  # 每月报送截止日 (day of the month after the period)
    lag_threshold: Decimal = Decimal("5")  # 滞后/超前阈值, in 百分点 of 进度差
    yoy_threshold: Decimal = Decimal("30")  # 同比波动核实阈值 (%): |同比| above it is a verify finding
    ly_revision_threshold: Decimal = Decimal("5")  # 上年同期核实阈值 (%): 上年同期 vs last year's report (R-LY-REVISED)
    month_outlier_cutoff: Decimal = Decimal("3.5")  # 当月异常阈值: robust score beyond it (R-MONTH-OUTLIER)
    month_outlier_floor: Decimal = Decimal("10")  # 当月异常最小离散（%）: the score's scale is at least N% of |median|
    amount_decimals: int = 2  # 汇总表金额小数位
    rate_decimals: int = 1  # 比率小数位
    total_row_first: bool = True  # 合计行在前 (True) or 在后
    scale_threshold: Decimal = Decimal("2000")  # 规上企业年营业收入标准 (万元)
    form_code: str = ""  # 表号
    form_authority: str = ""  # 制定机关
    form_document: str = ""  # 文号
    form_valid_until: str = ""  # 有效期至
    template_version: str = "1"  # 报表版本: bump it to refuse forms sent out before
    report_to: str = ""  # 简报 报：
    send_to: str = ""  # 简报 送：
    distribute_to: str = ""  # 简报 发：
    copies: int = 0  # （共印N份）
    programme_name: str = "重点产业集群"  # used in titles: 葫芦岛市重点产业集群主要指标汇总表
    contact: str = ""  # 联系人及电话 on the forms' 填报说明
    # Level and unit words (docs/config.md "称谓"); "" = derived from the city name by level_words().
    whole_word: str = ""  # 全域称谓: 全市 / 全省 / 全区 / 全县
    unit_word: str = ""  # 报送单位称谓: 县区 / 设区市 / 镇街 (table headings, sheet names, messages)
    unit_full_word: str = ""  # 报送单位全称: 县（市）区 / 设区市 / 镇（街道） (the brief's prose)
    bureau_short: str = ""  # 机关简称: 市局 / 省厅 / 区局 (messages to districts, feedback comments)
    region_code: str = ""  # 行政区划代码 (GB/T 2260, 6 digits): region of the demo's credit codes when districts have none
    # Periods (docs/consolidation.md “季度和年度”): 报送周期 月 or 季 (a plan whose districts report quarterly);
    # the deadlines of a quarter's and a year's report, 0 = 报送截止日.
    report_cycle: str = "月"  # 报送周期
    quarter_deadline_day: int = 0  # 季报截止日 (day of the month after the quarter)
    annual_deadline_day: int = 0  # 年报截止日 (day of January after the year)
    # 县区考核 (docs/consolidation.md): the weights of the four scores, in points out of their sum.
    score_weight_completion: Decimal = Decimal("40")  # 考核权重：目标完成
    score_weight_growth: Decimal = Decimal("30")  # 考核权重：增长
    score_weight_on_time: Decimal = Decimal("20")  # 考核权重：按时报送
    score_weight_fixed: Decimal = Decimal("10")  # 考核权重：问题整改
    # 考核排名最少结果项: of the two result parts (目标完成, 增长), how many a district must be scored on to get a
    # total and a rank (0-2); one with fewer has “—” and is listed after the ranked ones
    score_min_results: int = 1

    def deadline_for(self, period: Period) -> dt.date:
        """The deadline of ``period``: 报送截止日 of the month after it, or the 季报/年报截止日 when set."""
        day = (self.annual_deadline_day if period.annual else self.quarter_deadline_day if period.quarterly
               else 0) or self.deadline_day
        return period.deadline(day)

    def issue_for(self, period: Period) -> int:
        """The 期号 the brief of ``period`` takes (docs/consolidation.md “简报期号”): it follows the period, not
        the order of the runs, so an earlier month consolidated after a later one keeps its place. A monthly
        plan: the month (2025-06 -> 6), then the quarters' briefs after the twelve months (13-16) and the
        year's (17); a plan with 报送周期 季: the quarter (1-4) and the year (5)."""
        if self.report_cycle == "季":
            return 5 if period.annual else period.month // 3
        if period.monthly:
            return period.month
        return 17 if period.annual else 12 + period.month // 3

    def form_period(self, period: Period) -> Period:
        """The period of the forms a plan asks for: with 报送周期 季 a quarter-end month is its quarter
        (2025-06 -> 2025-Q2); any other month is refused with a Chinese ValueError. A quarter, a year,
        and every period of a monthly plan are themselves."""
        if self.report_cycle != "季" or not period.monthly:
            return period
        if period.month % 3:
            raise ValueError(f"目标库设置的报送周期为“季”，报告期应为季度（如 {period.year}-Q{(period.month + 2) // 3}），"
                             f"不是{period.label}")
        return Period(period.year, period.month, True)


@dataclass(frozen=True)
class Words:
    """The level and unit words every output and message uses (Catalogue.words resolves them).

    The defaults are the embedded default city's: a city whose districts are 县（市）区.
    """

    whole: str = "全市"  # 全市 / 全省 / 全区
    unit: str = "县区"  # 县区 / 设区市 / 镇街
    unit_full: str = "县（市）区"  # 县（市）区 / 设区市 / 镇（街道）
    bureau: str = "市局"  # 市局 / 省厅 / 区局
    zones: bool = False  # the submitting units include development zones (开发区/园区)

    @property
    def own(self) -> str:
        """本市 / 本省 / 本区."""
        return "本" + self.whole[1:]

    @property
    def by_unit(self) -> str:
        """分县区 / 分设区市: the sheet of figures per submitting unit."""
        return "分" + self.unit

    @property
    def unit_all(self) -> str:
        """县（市）区和开发区 when development zones also submit, else 县（市）区."""
        return self.unit_full + ("和开发区" if self.zones and "开发区" not in self.unit_full else "")


# City-name suffix -> (whole, unit, unit_full, bureau): the defaults when 设置 leaves a word blank.
LEVEL_DEFAULTS: tuple[tuple[str, tuple[str, str, str, str]], ...] = (
    ("自治区", ("全区", "设区市", "设区市", "区厅")),
    ("省", ("全省", "设区市", "设区市", "省厅")),
    ("自治州", ("全州", "县市", "县（市）", "州局")),
    ("州", ("全州", "县市", "县（市）", "州局")),
    ("盟", ("全盟", "旗县市", "旗县（市）", "盟局")),
    ("市", ("全市", "县区", "县（市）区", "市局")),
    ("区", ("全区", "镇街", "镇（街道）", "区局")),
    ("县", ("全县", "乡镇", "乡（镇）", "县局")),
    ("旗", ("全旗", "苏木乡镇", "苏木（乡镇）", "旗局")),
)


def level_words(settings: Settings, zones: bool = False) -> Words:
    """The words of ``settings``: each given one as typed, a blank one from the city name's level."""
    city = settings.city.strip()
    base = next((w for suffix, w in LEVEL_DEFAULTS if city.endswith(suffix)), LEVEL_DEFAULTS[5][1])
    given = (settings.whole_word, settings.unit_word, settings.unit_full_word, settings.bureau_short)
    whole, unit, full, bureau = (g.strip() or b for g, b in zip(given, base))
    if settings.unit_word.strip() and not settings.unit_full_word.strip():
        full = unit  # a unit word given alone is also the prose word
    return Words(whole, unit, full, bureau, zones)


@dataclass(frozen=True)
class District:
    code: str  # GB/T 2260 code, or a local code for a development zone
    name: str
    kind: str  # 县 / 市 / 区 / 开发区
    order: int = 0


@dataclass(frozen=True)
class Cluster:
    code: str
    name: str  # full name: 基础化工和精细化工产业集群
    short_name: str  # 基础化工和精细化工
    tier: str = ""  # 千亿级 / 五百亿级 / 百亿级
    order: int = 0
    lead_units: tuple[str, ...] = ()  # 牵头单位
    leaders: tuple[str, ...] = ()  # 责任领导 ("李延超 市委常委、副市长")
    key_enterprises: tuple[str, ...] = ()  # 龙头/头部企业
    parks: tuple[str, ...] = ()  # 园区
    districts: tuple[str, ...] = ()  # 所在县区: the district codes that host it; () = every district
    in_programme: bool = True  # 计入合计: False leaves it out of the programme totals (and of "N个集群")
    headline: str = ""  # 主要指标: the indicator code charted for it against 时序进度 ("" = the first flow)


@dataclass(frozen=True)
class UnitDef:
    """A row of the catalogue's 单位 sheet: a unit, its dimension and how many base units make one.

    Adds to (or overrides) reporttool.core.units.BUILTIN_UNITS; conversion is only within a dimension.
    """

    unit: str  # 万辆
    dimension: str  # 车辆 (each currency is its own dimension: 人民币, 美元 …)
    factor: Decimal  # 10000: one 万辆 is 10000 of the dimension's base unit
    note: str = ""


# Where an indicator's district value comes from.
SOURCE_OUTPUT = "output"  # 集群产出: the district reports it per cluster
SOURCE_ROSTER = "roster"  # 企业名录汇总: rolled up from the roster
SOURCE_PROJECTS = "projects"  # 项目汇总: rolled up from the projects
SOURCE_FORMULA = "formula"  # 计算: a formula over other indicators (ratio of sums, sum of parts)


@dataclass(frozen=True)
class Indicator:
    code: str
    name: str
    unit: str  # unit of targets and of the consolidated tables: 亿元, 户, 万千瓦, %
    form_unit: str  # unit on the district form: 万元, 户, 万千瓦 (scaled by reporttool.core.units)
    source: str  # one of SOURCE_*
    summable: bool = True  # may be summed across districts; ratios may not
    clusters: tuple[str, ...] = ()  # cluster codes that report it ("全部" expands at load time)
    # 汇总口径. For roster/projects sources: the roll-up measure (规上企业户数, 本年完成投资 ...). For an
    # output indicator: optionally the roster measure it bounds (营业收入合计: roster sum <= reported total).
    roster_measure: str = ""
    formula: str = ""  # for SOURCE_FORMULA: e.g. "GDZB_SR/YYSR*100" or "HYYY+NCPJG+NYZS"
    decimals: int = 2
    compare_time: bool = True  # compare completion with 时序进度 (flows); False for stocks/ratios
    order: int = 0
    # 适用集群 = 合计: not per cluster. A 集群产出 one is a district-wide figure each district reports once
    # (规上工业总产值, 实际利用外资); a 计算 one is a programme ratio over programme totals and such figures.
    programme: bool = False


# Target kinds
TARGET_ANNUAL = "annual"  # 年度目标值 (optionally with 年均增长率 to derive other years)
TARGET_BASE_MULTIPLE = "base_multiple"  # 基期倍数: 基期值 × 倍数 in 目标年 ("增长2倍" = × 3)
TARGET_GROWTH = "growth"  # 增速目标: the 同比 must reach this rate (%)
# Multi-year targets over a plan range (目标年 2023-2025), tracked from the ledger (figures/plan.py):
TARGET_CUMULATIVE = "cumulative"  # 累计: the sum of the plan years' 本年累计 (集群投资三年累计400亿元)
TARGET_INCREASE = "increase"  # 新增: the value now less the base year's (三年新增规上企业100户)
MULTI_YEAR = (TARGET_CUMULATIVE, TARGET_INCREASE)


@dataclass(frozen=True)
class Target:
    cluster: str  # cluster code, or "" for the whole programme (全部集群)
    indicator: str
    kind: str  # TARGET_*
    year: int  # 目标年
    value: Decimal | None = None  # 目标值 (in the indicator's unit)
    growth_rate: Decimal | None = None  # 年均增长率 (%)
    base_year: int | None = None
    base_value: Decimal | None = None
    multiple: Decimal | None = None
    district: str = ""  # optional split per district; "" = the whole city
    note: str = ""  # wording from the plan, e.g. 力争达到580亿元以上
    source_row: int = 0  # row in 目标 sheet, for messages
    start_year: int | None = None  # 累计/新增: the first plan year of the range 目标年 start–year


@dataclass(frozen=True)
class BaseStat:
    """A row of the 基期 sheet: a base-year statistic (the 2022 value a 双倍增 target is measured from).

    Feeds the 基期值 of 基期倍数 targets that leave it blank, and is shown beside the figure as context.
    """

    cluster: str  # cluster code, or "" for the programme (全部)
    indicator: str
    year: int
    value: Decimal
    district: str = ""  # "" = the whole city
    note: str = ""
    source_row: int = 0


@dataclass(frozen=True)
class ResolvedTarget:
    """The target for one year, with how it was obtained (shown as 推算 when derived)."""

    value: Decimal | None  # None: no value for this year (e.g. a growth-rate target, or base missing)
    derived: bool  # True when computed for a year the catalogue does not state
    kind: str
    growth_rate: Decimal | None = None  # for TARGET_GROWTH: the 同比 to reach
    note: str = ""
    explanation: str = ""  # how it was derived, in Chinese, e.g. "按2025年目标580亿元、年均增长6%推算"
    year: int = 0  # the year the target is for (a plan-end target: 2027 while the period is in 2025)


# --------------------------------------------------------------------------------------------------
# Periods
# --------------------------------------------------------------------------------------------------


QUARTER_WORDS = ("一季度", "二季度", "三季度", "四季度")  # one quarter on its own (当季)
SPAN_WORDS = ("一季度", "上半年", "前三季度", "全年")  # January to a quarter's end (本年累计)


@dataclass(frozen=True, order=True)
class Period:
    """A reporting period: year-to-date from January to ``month`` (monthly), to a quarter's end
    (``quarterly``), or the whole year (``annual``, month 12).

    A quarter or a year is consolidated from the forms already in the ledger (figures/periods.py): the
    quarter's (or year's) own forms where a plan reports that way, else each district's last month's.
    """

    year: int
    month: int  # last month covered, 1..12
    quarterly: bool = False
    annual: bool = False

    @property
    def monthly(self) -> bool:
        return not (self.quarterly or self.annual)

    @property
    def kind(self) -> str:
        """month / quarter / year."""
        return "year" if self.annual else "quarter" if self.quarterly else "month"

    @property
    def key(self) -> str:
        if self.annual:
            return f"{self.year}"
        return f"{self.year}-Q{self.month // 3}" if self.quarterly else f"{self.year}-{self.month:02d}"

    @property
    def label(self) -> str:
        """The period itself, as the ledger and the bureau's desk know it: 2025年1-6月 (2025年1月 for January);
        2025年二季度; 2025年 for a year (报送情况, the 附注's 根据…汇总, terminal messages). A document's title and
        its file name say ``span_label`` instead (one rule: a clerk finds the file the title describes)."""
        if self.annual:
            return f"{self.year}年"
        if self.quarterly:
            return f"{self.year}年{QUARTER_WORDS[self.month // 3 - 1]}"
        return f"{self.year}年1月" if self.month == 1 else f"{self.year}年1-{self.month}月"

    @property
    def span(self) -> str:
        """The months covered, as forms say it: 1-6月 (1月 for January)."""
        return "1月" if self.month == 1 else f"1-{self.month}月"

    @property
    def span_word(self) -> str:
        """How a brief names the year-to-date: 上半年 / 前三季度 / 全年 at quarter ends, else 1-N月."""
        return SPAN_WORDS[self.month // 3 - 1] if self.month % 3 == 0 else self.span

    @property
    def span_label(self) -> str:
        """The one name of the figures of the period (本年累计) in titles, captions, the brief's lead and the
        outputs' file names (汇总表（2025年上半年）.xlsx): 2025年1-6月 for a month; 2025年一季度 / 上半年 / 前三季度
        for a quarter (January to its end); 2025年全年. The quarter on its own (当季) is ``quarter_word``; the
        period itself (报送情况, the terminal) is ``label``."""
        return self.label if self.monthly else f"{self.year}年{self.span_word}"

    @property
    def quarter_word(self) -> str:
        """二季度: the last quarter of the period on its own ("" for a month that ends no quarter)."""
        return QUARTER_WORDS[self.month // 3 - 1] if self.month % 3 == 0 else ""

    @property
    def time_progress(self) -> Decimal:
        """时序进度 in % (month/12, or quarter/4: the same number at quarter ends; 100 for a year)."""
        return Decimal(self.month) * Decimal(100) / Decimal(12)

    def previous(self) -> Period | None:
        """The previous period of the same year (None in January / Q1, and for a year)."""
        if self.annual:
            return None
        step = 3 if self.quarterly else 1
        return None if self.month - step < 1 else Period(self.year, self.month - step, self.quarterly)

    def last_year(self) -> Period:
        return Period(self.year - 1, self.month, self.quarterly, self.annual)

    def month_end(self) -> Period:
        """The monthly period of the same last month (2025-Q2 -> 2025-06, 2025 -> 2025-12)."""
        return Period(self.year, self.month)

    def deadline(self, day: int) -> dt.date:
        """The submission deadline: ``day`` of the month after the period (Settings.deadline_for picks the
        day of the period's kind)."""
        y, m = (self.year + 1, 1) if self.month == 12 else (self.year, self.month + 1)
        return dt.date(y, m, day)

    def __str__(self) -> str:
        return self.key


def annual_period(year: int) -> Period:
    """The whole year ``year`` (key "2025", label "2025年")."""
    return Period(year, 12, annual=True)


# --------------------------------------------------------------------------------------------------
# A read submission
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FormIdentity:
    """The hidden identity sheet of a form we sent out."""

    template_id: str
    version: str
    district: str
    period: str
    fingerprint: str
    city: str = ""


@dataclass
class Row:
    """One data row of a table, values normalised per the layout's column kinds.

    ``values`` maps column key -> Decimal | str | bool | date | None. ``raw`` keeps what the cell held
    (for messages) for the cells whose value could not be understood.
    """

    number: int  # 1-based Excel row number
    values: dict[str, Any]
    raw: dict[str, Any] = field(default_factory=dict)
    excluded: bool = False  # set when an error finding excludes it from the totals


@dataclass
class Table:
    """One data sheet as read: where each column was found, and the rows."""

    sheet: str  # sheet name as in the file
    key: str  # layout key: roster / projects / output
    header_row: int  # 1-based
    columns: dict[str, int]  # column key -> 1-based column index
    rows: list[Row] = field(default_factory=list)

    def cell(self, key: str, row: int) -> str:
        """Excel reference (e.g. "D12") of column ``key`` on ``row``; "" when the column is absent."""
        from reporttool.core.units import column_letter

        col = self.columns.get(key)
        return f"{column_letter(col)}{row}" if col else ""


@dataclass
class Submission:
    """One district workbook as read. ``tables`` is keyed by layout key."""

    path: str  # where it was read from (for messages: the file name the user knows)
    file_name: str
    sha256: str
    identity: FormIdentity | None
    tables: dict[str, Table] = field(default_factory=dict)
    # Filled-in form header: 填报单位, 报告期 as typed, for checking against the identity
    header: dict[str, str] = field(default_factory=dict)

    @property
    def district(self) -> str:
        return self.identity.district if self.identity else ""

    @property
    def period(self) -> str:
        return self.identity.period if self.identity else ""


# --------------------------------------------------------------------------------------------------
# Findings (the issue record)
# --------------------------------------------------------------------------------------------------

ERROR = "error"  # 必须修改
VERIFY = "verify"  # 核实: stands if the district gives a 说明
INFO = "info"  # 提示

SEVERITY_LABEL = {ERROR: "错误", VERIFY: "核实", INFO: "提示"}


@dataclass
class Finding:
    """One problem found in a submission: the same record feeds terminal, JSON, and every workbook."""

    rule: str  # stable code, e.g. R-CREDIT-CHECK
    severity: str  # ERROR / VERIFY / INFO
    message: str  # Chinese, complete sentence
    file: str = ""
    district: str = ""  # district code
    sheet: str = ""
    row: int | None = None
    column: str = ""  # column title as printed on the form
    cell: str = ""  # e.g. D12
    value: str = ""  # the offending value, as text
    explanation: str = ""  # the district's 说明, when given
    # the 计量单位 of the 集群产出 row the finding is on (万元, 户, %), as the form gives it; filled when the
    # ledger gives findings back (Ledger.findings), "" elsewhere; not part of a finding's identity
    unit: str = field(default="", compare=False)

    @property
    def explained(self) -> bool:
        return self.severity == VERIFY and bool(self.explanation.strip())

    @property
    def severity_label(self) -> str:
        return "已说明" if self.explained else SEVERITY_LABEL[self.severity]

    def as_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "severity": self.severity,
            "severity_label": self.severity_label,
            "message": self.message,
            "file": self.file,
            "district": self.district,
            "sheet": self.sheet,
            "row": self.row,
            "column": self.column,
            "cell": self.cell,
            "value": self.value,
            "explanation": self.explanation,
            "explained": self.explained,
        }


@dataclass(frozen=True)
class FindingCounts:
    """Findings of a submission by kind: the one record that the checks' report (terminal, JSON, 问题清单),
    the web pages and the ledger (its errors/verify/explained/info columns) and 报送情况 use."""

    errors: int = 0
    verify: int = 0  # every 核实, explained ones included
    explained: int = 0  # 核实 with a 说明
    info: int = 0

    @classmethod
    def of(cls, findings: Iterable[Finding]) -> FindingCounts:
        errors = verify = explained = info = 0
        for f in findings:
            errors += f.severity == ERROR
            verify += f.severity == VERIFY
            explained += f.explained
            info += f.severity == INFO
        return cls(errors, verify, explained, info)

    def to_json(self) -> dict[str, int]:
        """The "counts" object of `check --json` and the web API: keys error, verify, explained, info
        (as written since the first release; scripts read them)."""
        return {"error": self.errors, "verify": self.verify, "explained": self.explained, "info": self.info}



class ReadRefused(Exception):
    """A file that cannot be read at all (not an xlsx, encrypted, hostile, not our form ...).

    Carries one Finding (severity ERROR) whose message says why, in Chinese.
    """

    def __init__(self, finding: Finding):
        super().__init__(finding.message)
        self.finding = finding


def parse_period(text: str) -> Period:
    """"2025-06", "202506", "2025年6月", "2025年1-6月", "2025-Q2", "2025Q2", "2025年二季度", "2025",
    "2025年", "2025年全年" -> Period.

    Raises ValueError with a Chinese message.
    """
    import re
    import unicodedata

    t = unicodedata.normalize("NFKC", str(text)).strip().upper().replace(" ", "")
    m = re.fullmatch(r"(\d{4})-?Q([1-4])", t) or re.fullmatch(r"(\d{4})年?第?([1-4一二三四])季度", t)
    if m:
        q = "一二三四".find(m.group(2)) + 1 if m.group(2) in "一二三四" else int(m.group(2))
        return Period(int(m.group(1)), q * 3, True)
    m = re.fullmatch(r"(\d{4})(?:年|年全年|年度)?", t)
    if m and 2000 <= int(m.group(1)) <= 2100:
        return annual_period(int(m.group(1)))
    m = (re.fullmatch(r"(\d{4})-?(\d{1,2})", t) or re.fullmatch(r"(\d{4})年(?:1-)?(\d{1,2})月?", t))
    if m and 1 <= int(m.group(2)) <= 12 and 2000 <= int(m.group(1)) <= 2100:
        return Period(int(m.group(1)), int(m.group(2)))
    raise ValueError(f"报告期“{text}”无法识别，应写成 2025-06（1-6月累计）、2025-Q2（季度）或 2025（全年）")
