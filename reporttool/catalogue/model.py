"""The targets catalogue: clusters, districts, indicators and targets, from templates/targets.xlsx.

Bureau staff maintain that workbook in Excel/WPS; this module reads and validates it and answers
"what is the target of cluster C for indicator I in year Y" (explicit, or derived and marked so).
The sheet and column titles below are the file's contract; docs/config.md documents each one.
"""
from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from decimal import Decimal, localcontext
from typing import Literal, TypeVar, get_args

from reporttool.core.models import (
    SOURCE_FORMULA,
    SOURCE_OUTPUT,
    SOURCE_PROJECTS,
    SOURCE_ROSTER,
    TARGET_ANNUAL,
    TARGET_BASE_MULTIPLE,
    TARGET_CUMULATIVE,
    TARGET_GROWTH,
    TARGET_INCREASE,
    BaseStat,
    Cluster,
    District,
    Indicator,
    ResolvedTarget,
    Settings,
    Target,
    UnitDef,
    Words,
    level_words,
)
from reporttool.core.units import clean_text

ALL = "全部"  # in 适用集群: every cluster; in 目标.集群代码: the whole programme
AREA_LABEL = "本地区（不分集群）"  # 所属集群 of a form's row for a district-wide figure (集群代码 全部)
PROGRAMME = "合计"  # in 适用集群: an indicator of the programme level, not of any cluster (Indicator.programme)

SOURCE_LABELS = {
    "集群产出": SOURCE_OUTPUT,
    "企业名录": SOURCE_ROSTER,
    "投资项目": SOURCE_PROJECTS,
    "计算": SOURCE_FORMULA,
}
TARGET_LABELS = {"年度目标": TARGET_ANNUAL, "基期倍数": TARGET_BASE_MULTIPLE, "增速目标": TARGET_GROWTH,
                 "累计": TARGET_CUMULATIVE, "新增": TARGET_INCREASE}
MAX_PLAN_YEARS = 10  # a 累计/新增 range longer than this is taken for a typing slip

# Roll-up measures an indicator may take from the roster or the projects (汇总口径). Each names a field of
# ledger.aggregates.ClusterRoster / ClusterProjects (the one table: ledger.aggregates.ROSTER_FIELDS /
# PROJECT_FIELDS, typed by these Literals and checked complete when that module is imported).
RosterMeasure = Literal["营业收入合计", "工业总产值合计", "规上企业户数", "企业户数", "从业人员合计"]
ProjectMeasure = Literal["本年完成投资", "本年计划投资", "总投资", "项目个数"]
ROSTER_MEASURES: tuple[RosterMeasure, ...] = get_args(RosterMeasure)
PROJECT_MEASURES: tuple[ProjectMeasure, ...] = get_args(ProjectMeasure)

# 设置 sheet: label -> (field, kind). Kinds: text, int, dec, bool_first.
SETTING_LABELS: dict[str, tuple[str, str]] = {
    "城市": ("city", "text"),
    "编发单位": ("issuing_unit", "text"),
    "简报名称": ("bulletin_name", "text"),
    "集群工作名称": ("programme_name", "text"),
    "报送截止日": ("deadline_day", "int"),
    "滞后阈值（百分点）": ("lag_threshold", "dec"),
    "同比核实阈值（%）": ("yoy_threshold", "dec"),
    "上年同期核实阈值（%）": ("ly_revision_threshold", "dec"),
    "当月异常阈值": ("month_outlier_cutoff", "dec"),
    "当月异常最小离散（%）": ("month_outlier_floor", "dec"),
    "金额小数位": ("amount_decimals", "int"),
    "比率小数位": ("rate_decimals", "int"),
    "合计行位置": ("total_row_first", "first"),
    "规上标准（万元）": ("scale_threshold", "dec"),
    "表号": ("form_code", "text"),
    "制定机关": ("form_authority", "text"),
    "文号": ("form_document", "text"),
    "有效期至": ("form_valid_until", "text"),
    "报表版本": ("template_version", "text"),
    "简报报": ("report_to", "text"),
    "简报送": ("send_to", "text"),
    "简报发": ("distribute_to", "text"),
    "印数": ("copies", "int"),
    "联系人及电话": ("contact", "text"),
    "全域称谓": ("whole_word", "text"),
    "报送单位称谓": ("unit_word", "text"),
    "报送单位全称": ("unit_full_word", "text"),
    "机关简称": ("bureau_short", "text"),
    "行政区划代码": ("region_code", "text"),
    "报送周期": ("report_cycle", "text"),
    "季报截止日": ("quarter_deadline_day", "int"),
    "年报截止日": ("annual_deadline_day", "int"),
    "考核权重：目标完成": ("score_weight_completion", "dec"),
    "考核权重：增长": ("score_weight_growth", "dec"),
    "考核权重：按时报送": ("score_weight_on_time", "dec"),
    "考核权重：问题整改": ("score_weight_fixed", "dec"),
    "考核排名最少结果项": ("score_min_results", "int"),
}
REQUIRED_SETTINGS = ("城市", "编发单位", "简报名称")

SHEET_SETTINGS = "设置"
SHEET_DISTRICTS = "县区"
SHEET_CLUSTERS = "集群"
SHEET_INDICATORS = "指标"
SHEET_TARGETS = "目标"
SHEET_UNITS = "单位"  # optional: units beyond the built-in ones
SHEET_BASE = "基期"  # optional: base-year statistics

DISTRICT_COLUMNS = ("代码", "名称", "类型", "顺序")
CLUSTER_COLUMNS = ("代码", "名称", "简称", "层级", "顺序", "牵头单位", "责任领导", "龙头企业", "园区")
CLUSTER_OPTIONAL = ("所在县区", "计入合计", "主要指标")  # columns a workbook made before them may lack (absent = 全部)
INDICATOR_COLUMNS = ("代码", "名称", "单位", "填报单位", "来源", "可跨县区加总", "适用集群", "汇总口径",
                     "计算公式", "小数位", "对比时序进度", "顺序")
TARGET_COLUMNS = ("集群代码", "指标代码", "县区代码", "目标类型", "目标年", "目标值", "年均增长率（%）",
                  "基期年", "基期值", "倍数", "说明")
SETTINGS_COLUMNS = ("项目", "值", "说明")
UNIT_COLUMNS = ("单位", "量纲", "换算系数", "说明")
BASE_COLUMNS = ("集群代码", "指标代码", "县区代码", "年份", "数值", "说明")

T = TypeVar("T")



@dataclass(frozen=True)
class Problem:
    """One problem in the catalogue workbook."""

    sheet: str
    row: int | None
    reason: str

    def __str__(self) -> str:
        if not self.sheet:  # the file as a whole
            return self.reason
        where = f"“{self.sheet}”表第{self.row}行" if self.row else f"“{self.sheet}”表"
        return f"{where}：{self.reason}"


class CatalogueInvalid(Exception):
    """The catalogue has problems; ``problems`` lists each one (sheet, row, reason)."""

    def __init__(self, path: str, problems: list[Problem]):
        self.path = path
        self.problems = problems
        super().__init__(f"目标库 {path} 有 {len(problems)} 处问题")


@dataclass(frozen=True)
class Catalogue:
    settings: Settings
    districts: tuple[District, ...]
    clusters: tuple[Cluster, ...]
    indicators: tuple[Indicator, ...]
    targets: tuple[Target, ...]
    path: str = ""
    _index: dict = field(default_factory=dict, compare=False, repr=False)
    units: tuple[UnitDef, ...] = ()  # the 单位 sheet: units added to (or overriding) the built-in ones
    base: tuple[BaseStat, ...] = ()  # the 基期 sheet: base-year statistics

    def base_stat(self, cluster: str, indicator: str, year: int, district: str = "") -> BaseStat | None:
        """The base-year statistic of ``cluster`` ("" = programme) × ``indicator`` for ``year``."""
        return next((b for b in self.base if (b.cluster, b.indicator, b.year, b.district)
                     == (cluster, indicator, year, district)), None)

    def latest_base(self, cluster: str, indicator: str, before: int, district: str = "") -> BaseStat | None:
        """The latest base-year statistic before year ``before`` (the context shown beside a figure)."""
        rows = [b for b in self._base_of.get((cluster, indicator, district), ()) if b.year < before]
        return max(rows, key=lambda b: b.year) if rows else None

    @functools.cached_property
    def _base_of(self) -> dict[tuple[str, str, str], list[BaseStat]]:
        """base by (cluster, indicator, district): latest_base runs for every figure."""
        out: dict[tuple[str, str, str], list[BaseStat]] = {}
        for b in self.base:
            out.setdefault((b.cluster, b.indicator, b.district), []).append(b)
        return out

    def unit_table(self) -> dict[str, tuple[str, Decimal]]:
        """unit -> (dimension, factor to the dimension's base unit): built-in units, then the 单位 sheet."""
        if "units" not in self._index:
            from reporttool.core.units import BUILTIN_UNITS

            table = dict(BUILTIN_UNITS)
            table.update({u.unit: (u.dimension, u.factor) for u in self.units})
            self._index["units"] = table
        return self._index["units"]

    def unit_factor(self, form_unit: str, unit: str) -> Decimal:
        """Divide a value in ``form_unit`` by this to get it in ``unit`` (the loader checked they convert)."""
        from reporttool.core.units import unit_factor

        factors = self._lookups["factors"]
        if (form_unit, unit) not in factors:  # asked for every figure of every district
            factors[(form_unit, unit)] = unit_factor(form_unit, unit, self.unit_table())
        return factors[(form_unit, unit)]

    # ---- words ---------------------------------------------------------------------------------
    @property
    def words(self) -> Words:
        """全市/县区/县（市）区/市局 or what 设置 says (全省/设区市 …): the one accessor for level words."""
        if "words" not in self._index:
            zones = any("开发区" in d.kind or "园区" in d.kind for d in self.districts)
            self._index["words"] = level_words(self.settings, zones)
        return self._index["words"]

    # ---- lookups -------------------------------------------------------------------------------
    def district(self, code: str) -> District | None:
        return self._by_code[0].get(code)

    def cluster(self, code: str) -> Cluster | None:
        return self._by_code[1].get(code)

    def indicator(self, code: str) -> Indicator | None:
        return self._by_code[2].get(code)

    def memo(self, key: str, make: Callable[[], T]) -> T:
        """A value derived from this catalogue by ``make``, made once per catalogue object (a copy made by
        dataclasses.replace starts afresh): for what other stages derive from the whole catalogue."""
        kept = self._lookups["memo"]
        if key not in kept:
            kept[key] = make()
        return kept[key]

    @functools.cached_property
    def _lookups(self) -> dict[str, dict]:
        """Memos of lookups asked for every figure (per instance: dataclasses.replace starts afresh)."""
        return {"factors": {}, "indicators_for": {}, "targets": {}, "memo": {}}

    @functools.cached_property
    def _by_code(self) -> tuple[dict[str, District], dict[str, Cluster], dict[str, Indicator]]:
        """Districts, clusters and indicators by code (the first of a code, as the loader reports duplicates)."""
        districts: dict[str, District] = {}
        clusters: dict[str, Cluster] = {}
        indicators: dict[str, Indicator] = {}
        for d in self.districts:
            districts.setdefault(d.code, d)
        for c in self.clusters:
            clusters.setdefault(c.code, c)
        for i in self.indicators:
            indicators.setdefault(i.code, i)
        return districts, clusters, indicators

    def cluster_by_name(self, text: str) -> Cluster | None:
        """Match what a district typed: full name, short name or code (after normalisation)."""
        t = clean_text(text)
        if not t:
            return None
        for c in self.clusters:
            names = (clean_text(c.name), clean_text(c.short_name), c.code)
            # typed with or without the 产业集群 suffix
            if t in names or t + "产业集群" == names[0] or t + "集群" == names[0]:
                return c
        return None

    def hosts(self, cluster_code: str, district_code: str) -> bool:
        """Whether the district hosts the cluster (集群.所在县区; blank or 全部 = every district)."""
        c = self.cluster(cluster_code)
        return c is not None and (not c.districts or district_code in c.districts)

    def clusters_for(self, district_code: str) -> list[Cluster]:
        """The clusters a district hosts, in catalogue order: what its form asks for."""
        return [c for c in self.clusters if not c.districts or district_code in c.districts]

    def members(self) -> list[Cluster]:
        """The clusters counted in the programme totals (集群.计入合计), catalogue order."""
        return [c for c in self.clusters if c.in_programme]

    def programme_indicators(self) -> list[Indicator]:
        """Indicators of the programme level (适用集群 = 合计): district-wide figures and programme ratios."""
        return [i for i in self.indicators if i.programme]

    def indicators_for(self, cluster_code: str) -> list[Indicator]:
        """The cluster's indicators in catalogue order."""
        cache = self._lookups["indicators_for"]
        if cluster_code not in cache:  # asked for every district × cluster of a run
            cache[cluster_code] = tuple(i for i in self.indicators if cluster_code in i.clusters)
        return list(cache[cluster_code])

    def output_indicators_for(self, cluster_code: str) -> list[Indicator]:
        """What the district reports on the 集群产出 sheet for this cluster."""
        return [i for i in self.indicators_for(cluster_code) if i.source == SOURCE_OUTPUT]

    # ---- targets --------------------------------------------------------------------------------
    def year_targets(self) -> list[Target]:
        """The targets of one year (年度目标, 基期倍数, 增速目标): what target_for and other_targets resolve."""
        return [t for t in self.targets if t.start_year is None]

    @functools.cached_property
    def _year_targets_of(self) -> dict[tuple[str, str, str], list[Target]]:
        """year_targets by (cluster, indicator, district), in 目标 sheet order: target_for runs for every figure
        (≈ 9,000 times a province run), and a catalogue never changes once loaded (frozen)."""
        out: dict[tuple[str, str, str], list[Target]] = {}
        for t in self.year_targets():
            out.setdefault((t.cluster, t.indicator, t.district), []).append(t)
        return out

    def plan_targets(self) -> list[Target]:
        """The multi-year targets over a plan range (累计, 新增), in 目标 sheet order: figures/plan.py."""
        return [t for t in self.targets if t.start_year is not None]

    def target_for(self, cluster: str, indicator: str, year: int, district: str = "") -> ResolvedTarget | None:
        """The target of ``cluster`` ("" = whole programme) × ``indicator`` for ``year``.

        Explicit year first; else derived from a plan-year target with a growth rate, or from a
        base-year value × multiple (geometric interpolation between base year and target year).
        Returns None when the catalogue has no target for the pair.
        """
        memo = self._lookups["targets"]
        key = (cluster, indicator, year, district)
        if key not in memo:  # asked for every figure (district × cluster × indicator) and again by the renderers
            memo[key] = self._target_for(cluster, indicator, year, district)
        return memo[key]

    def _target_for(self, cluster: str, indicator: str, year: int, district: str) -> ResolvedTarget | None:
        rows = self._year_targets_of.get((cluster, indicator, district), [])
        if not rows:
            return None
        # A level target stated for the year comes first; a growth target of the same year is then one of
        # other_targets(). Without a stated level, the growth target; else a level derived from another year.
        for t in rows:
            if t.year == year and t.kind != TARGET_GROWTH:
                return _stated(t)
        growth = self._growth_for(rows, year)
        if growth is not None:
            return growth
        return self._derived(rows, year)

    @staticmethod
    def _growth_for(rows: list[Target], year: int) -> ResolvedTarget | None:
        for t in rows:
            if t.kind == TARGET_GROWTH and (t.year == year or not t.year):
                return ResolvedTarget(None, False, t.kind, t.growth_rate, t.note,
                                      f"增速目标{_num(t.growth_rate)}%", t.year)
        return None

    def other_targets(self, cluster: str, indicator: str, year: int, district: str = "") -> list[ResolvedTarget]:
        """The targets shown beside ``target_for``'s: a growth target of the same year when the main one is a
        level, and the plan-end target (the latest stated level target after ``year``), each judged apart."""
        main = self.target_for(cluster, indicator, year, district)
        rows = self._year_targets_of.get((cluster, indicator, district), [])
        out = []
        if main is not None and main.kind != TARGET_GROWTH:
            growth = self._growth_for(rows, year)
            if growth is not None:
                out.append(growth)
        later = [t for t in rows if t.kind != TARGET_GROWTH and t.year > year]
        if later:  # shown even when this year's target is derived from it: the plan's own figure
            out.append(_stated(max(later, key=lambda t: t.year)))
        return out

    def _derived(self, rows: list[Target], year: int) -> ResolvedTarget | None:
        # derive from the nearest plan-year target
        for t in sorted(rows, key=lambda t: abs(t.year - year)):
            if t.kind == TARGET_ANNUAL and t.growth_rate is not None and t.value is not None:
                with localcontext() as ctx:
                    ctx.prec = 28
                    factor = (Decimal(1) + t.growth_rate / Decimal(100)) ** (t.year - year)
                    value = t.value / factor
                return ResolvedTarget(value, True, t.kind, t.growth_rate, t.note,
                                      f"按{t.year}年目标{_num(t.value)}、年均增长{_num(t.growth_rate)}%推算")
            if (t.kind == TARGET_BASE_MULTIPLE and t.base_year is not None
                    and t.base_year < year < t.year):
                if t.base_value is None:
                    return ResolvedTarget(None, True, t.kind, None, t.note,
                                          f"以{t.base_year}年为基期的倍数目标，基期值未填")
                with localcontext() as ctx:
                    ctx.prec = 28
                    share = Decimal(year - t.base_year) / Decimal(t.year - t.base_year)
                    value = t.base_value * ((t.multiple or Decimal(1)).ln() * share).exp()
                return ResolvedTarget(value, True, t.kind, None, t.note,
                                      f"按{t.base_year}年基期值×{_num(t.multiple)}（{t.year}年）等比推算")
        return None

    # ---- identity -------------------------------------------------------------------------------
    @property
    def fingerprint(self) -> str:
        """A short hash of what shapes the forms (districts, clusters, indicators, template version).

        Targets and wording are left out on purpose: changing a target must not invalidate the forms
        already sent to the districts; adding a cluster or an indicator must.
        """
        if "fingerprint" not in self._index:
            shape = {
                "version": self.settings.template_version,
                "districts": [(d.code, d.name) for d in self.districts],
                "clusters": [(c.code, c.name) for c in self.clusters],
                "indicators": [(i.code, i.name, i.form_unit, i.source, list(i.clusters))
                               for i in self.indicators],
            }
            blob = json.dumps(shape, ensure_ascii=False, sort_keys=True).encode("utf-8")
            self._index["fingerprint"] = hashlib.sha256(blob).hexdigest()[:16]
        return self._index["fingerprint"]

    def as_dict(self) -> dict:
        return json.loads(json.dumps(asdict(self), default=str, ensure_ascii=False))


def _stated(t: Target) -> ResolvedTarget:
    """A level target (年度目标 or 基期倍数) for the year it states."""
    if t.kind == TARGET_BASE_MULTIPLE:
        if t.base_value is None:
            return ResolvedTarget(None, False, t.kind, None, t.note, f"以{t.base_year}年为基期的倍数目标，基期值未填",
                                  t.year)
        return ResolvedTarget(t.base_value * (t.multiple or Decimal(1)), False, t.kind, None, t.note,
                              f"{t.base_year}年基期值{_num(t.base_value)}×{_num(t.multiple)}", t.year)
    return ResolvedTarget(t.value, False, t.kind, t.growth_rate, t.note, "", t.year)


def _num(value: Decimal | None) -> str:
    if value is None:
        return "—"
    s = f"{value:f}"
    return s.rstrip("0").rstrip(".") if "." in s else s


def with_settings(cat: Catalogue, **changes) -> Catalogue:
    """A copy of ``cat`` with some settings changed (tests, demo)."""
    return replace(cat, settings=replace(cat.settings, **changes), _index={})
