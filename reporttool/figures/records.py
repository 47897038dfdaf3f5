"""The computed figures of one period: the single object that feeds the workbook and the brief.

reporttool.figures.compute computes a Figures from the ledger; reporttool.render.workbook and
reporttool.render.brief only read it, and show every number through reporttool.core.fmt. Values are
unrounded Decimals in the indicator's display unit (亿元, 户, %); rates are in %; gaps in 百分点.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import TYPE_CHECKING

from reporttool.core.formula import formula_refs
from reporttool.core.models import SOURCE_FORMULA, Finding, Period
from reporttool.core.status import AHEAD, LAGGING, ON_TRACK, ST_MISSING, ST_RETURNED, ST_RETURNED_REDO, ST_WITHDRAWN
from reporttool.figures.scores import Scorecard, SpanValue
from reporttool.ledger.aggregates import Sum
from reporttool.ledger.store import Withdrawal

if TYPE_CHECKING:  # pragma: no cover
    from reporttool.catalogue import Catalogue

@dataclass
class OtherTargetFigure:
    """A further target of one figure, judged apart from the main one (Catalogue.other_targets): a growth
    rate beside a level target of the same year, or the plan-end target (2027 while the period is 2025)."""

    kind: str  # TARGET_GROWTH, or TARGET_ANNUAL / TARGET_BASE_MULTIPLE for a plan-end level
    year: int
    target: Decimal | None = None  # a level: the target value (None: base value missing)
    rate: Decimal | None = None  # a growth target: the 同比 to reach (%)
    progress: Decimal | None = None  # a level: value / target (%), 完成规划目标的比例
    gap: Decimal | None = None  # a growth target: 同比 − rate (百分点); a ratio level: value − target
    status: str | None = None  # a growth target or a ratio level: AHEAD / ON_TRACK / LAGGING
    explanation: str = ""  # 基期值未填 …
    wording: str = ""  # the plan's 说明


@dataclass(frozen=True)
class PlanYear:
    """One year's part of a plan-to-date figure: a plan year's 本年累计 (累计), or the base/now (新增)."""

    year: int
    value: Decimal | None  # None: not in the ledger nor in the 基期 sheet (named, never taken as 0)
    source: str  # "ledger" (December of that year), "base" (基期 sheet), "current" (this period), "" missing
    month: int = 12  # the month the value is at (this period's month for "current")
    districts: int = 0  # ledger: districts whose December report counts (0 otherwise)


@dataclass
class PlanProgressFigure:
    """Progress of a multi-year target (目标类型 累计 / 新增 over a plan range) at this period.

    累计: the plan years' year-end 本年累计 summed, plus this year to date (集群投资三年累计400亿元);
    新增: the value now less the base year's year-end value (三年新增规上企业100户). Compared with the plan
    time elapsed: 时间进度 = elapsed ÷ span (2.5 of 3 years = 83.3 %). figures/plan.py computes it.
    """

    cluster: str  # cluster code, "" = the programme (member clusters)
    indicator: str
    kind: str  # TARGET_CUMULATIVE / TARGET_INCREASE
    start: int  # first plan year
    end: int  # last plan year
    target: Decimal
    value: Decimal | None = None  # plan to date (sum of years, or increase); None when a part is missing
    years: list[PlanYear] = field(default_factory=list)  # 累计: the plan years so far; 新增: base year, now
    missing: list[int] = field(default_factory=list)  # finished years with no value: named in the documents
    none_now: bool = False  # this period has no value for it (no district reported the indicator)
    elapsed: Decimal = Decimal(0)  # plan years elapsed (2.5)
    span: int = 0  # plan years (3)
    completion: Decimal | None = None  # value / target × 100
    time_progress: Decimal = Decimal(0)  # elapsed / span × 100
    gap: Decimal | None = None  # completion − time_progress (百分点)
    status: str | None = None  # judged with the one 滞后阈值
    wording: str = ""  # the plan's 说明
    partial: Decimal | None = None  # the sum of the years that are there when some are missing (累计)
    # This period's coverage (figures/plan.py ``coverage``): districts whose figure counts now, of those
    # configured; the documents name the districts left out. A roster-counted figure (新增规上企业, against a
    # whole-area base) with a district out is shown as counted, never judged (``unjudged``: completion,
    # gap and status stay None); a flow's 累计 is judged over the districts counted, as the 总表's totals.
    covered: int = 0
    districts: int = 0
    not_reported: tuple[str, ...] = ()  # district codes without a usable version this period
    no_roster: tuple[str, ...] = ()  # district codes whose roster gives nothing (roster-counted indicators)
    unjudged: bool = False
    # 新增 like for like (figures/plan.py ``_like_for_like``): when the districts counted now are not those of
    # the base as stated, years[0] and years[1] are both over the districts that have both
    base_districts: int = 0  # how many (0: the base as stated counts the same districts as now)
    base_stated: Decimal | None = None  # the base as stated (目标/基期 sheet, or the base year's December)
    no_base: tuple[str, ...] = ()  # districts counted now without a base of their own: not in 新增
    unlike_base: bool = False  # no district counted now has a base of its own: no 新增 (never now − a whole base)


@dataclass
class IndicatorFigure:
    """One cluster × indicator (cluster "" = whole programme), city-wide or for one district."""

    cluster: str  # cluster code; "" for the programme total
    indicator: str  # indicator code
    district: str = ""  # "" = whole city
    value: Decimal | None = None  # 本年累计
    last_year: Decimal | None = None  # 上年同期
    yoy: Decimal | None = None  # 同比 %, None without a comparable base ("—") and for rates (unit %)
    like_for_like: bool = False  # 同比 computed on the same enterprises in both years
    target: Decimal | None = None  # 年度目标 (None: no target value)
    target_derived: bool = False  # 推算
    target_kind: str = ""  # TARGET_* or ""
    target_rate: Decimal | None = None  # for growth targets: the 同比 to reach
    target_note: str = ""  # explanation of the target (推算方法), printed in 目标说明
    config_note: str = ""  # why the target cannot be used (基期值未填): for the terminal, see Figures.config_notes
    completion: Decimal | None = None  # 完成率 % = value / target (None for rates: unit %)
    time_progress: Decimal | None = None  # 时序进度 % (None when the indicator is not compared)
    gap: Decimal | None = None  # 进度差 百分点 = completion - time_progress (or yoy - target_rate; for a
    #                             rate, value - target)
    status: str | None = None  # AHEAD / ON_TRACK / LAGGING / None (a rate: LAGGING below its target, else ON_TRACK)
    rank: int | None = None  # among districts for this cluster × indicator, by the value as shown (1, 2, 2, 4)
    n_districts: int = 0  # districts that reported a value
    summable: bool = True
    target_wording: str = ""  # the plan's wording of the main target (目标.说明)
    base_year: int | None = None  # the latest base-year statistic before the period (基期 sheet), as context
    base_value: Decimal | None = None
    # Among the clusters (city-wide cluster figures only; set by ``add_cluster_measures``):
    pull: Decimal | None = None  # 拉动 百分点 = (value − last_year) / programme's last_year × 100
    yoy_rank: int | None = None  # rank of 同比 among the clusters reporting it, by the value as shown
    yoy_ranked: int = 0  # how many clusters were ranked by 同比
    completion_rank: int | None = None  # rank of 完成率 among the clusters, by the value as shown
    completion_ranked: int = 0
    others: list[OtherTargetFigure] = field(default_factory=list)  # growth beside level, plan-end target
    # Against last month (figures/months.py, docs/consolidation.md “当月与环比”; None shows “—”), for flows
    # only (summable, compared with 时序进度, not a rate): 当月 = this 本年累计 − last month's, per district
    # and cluster where both months have a version in use (January: its 本年累计); the city's over those.
    month_value: Decimal | None = None  # 当月
    month_districts: int = 0  # districts counted in month_value
    month_partial: bool = False  # a district has a value in one of the two months only: 当月 ≠ 本年累计之差
    # districts whose 本年累计 of a cell fell below last month's (rows of this month not accepted, or fewer
    # enterprises/projects listed): no 当月 from them (a fall is not a month's amount); month_partial is then set
    month_fallen: tuple[str, ...] = ()
    month_before: Decimal | None = None  # last month's 当月, over the districts with all three months
    mom: Decimal | None = None  # 环比 % = (当月 / last month's 当月 − 1) × 100, same districts (同口径)
    # 完成率较上月 (百分点; not in January), like for like: the change of 本年累计 over the cells with a value
    # in both months ÷ the target (a flow: 当月 ÷ target); figures/months.py
    completion_change: Decimal | None = None
    change_districts: int = 0  # districts counted in completion_change
    change_partial: bool = False  # the two months' 本年累计 count different districts: not their plain difference


@dataclass(frozen=True)
class MonthFigure:
    """One month of the year's path of a cluster's headline figure (月度走势 sheet, 图2), city-wide."""

    cluster: str
    indicator: str
    period: Period  # the month (year-to-date to it)
    value: Decimal | None  # 本年累计
    month_value: Decimal | None  # 当月 (see IndicatorFigure.month_value)
    completion: Decimal | None  # 完成率 %
    time_progress: Decimal | None  # 时序进度 %
    n_districts: int = 0  # districts with a value that month
    month_districts: int = 0  # districts counted in month_value (both months, 本年累计 not fallen)
    # districts with a value in this month or the month before only: this 本年累计 and last month's count
    # different districts (当月 ≠ their difference; the 月度走势 sheet says so); () in January
    changed: tuple[str, ...] = ()


@dataclass
class InvestmentFigure:
    """Projects of one cluster (cluster "" = all), city-wide or for one district. Amounts in 亿元."""

    cluster: str
    district: str = ""
    projects: int = 0
    by_status: dict[str, int] = field(default_factory=dict)  # 签约/开工/在建/竣工投产 -> count
    total: Decimal = Decimal(0)  # 总投资
    plan_year: Decimal = Decimal(0)  # 本年计划投资
    done_year: Decimal = Decimal(0)  # 本年累计完成投资
    completion: Decimal | None = None  # done_year / plan_year %


@dataclass
class SubmissionState:
    """One district's line in 报送情况."""

    district: str
    district_name: str
    status: str  # ST_*
    received_at: dt.datetime | None = None
    on_time: bool | None = None  # None when missing, or when the version in use was imported as history
    file_name: str = ""
    sha256: str = ""
    version: int = 0  # how many files received from this district for the period
    errors: int = 0
    verify: int = 0
    explained: int = 0
    info: int = 0
    imported: bool = False  # the version in use was taken in as history (`reporttool import`): 导入, never late
    missing_months: tuple[int, ...] = ()  # a quarter or a year: months of it without a readable form
    # status 未报 because the bureau took the version out (withdraw, or 退回 on the web page): when, who, why
    withdrawn: Withdrawal | None = None

    @property
    def shown(self) -> str:
        """The word 报送情况 shows (`status`, the web page): 已撤回 / 已退回（待重报） for a district whose
        version the bureau took out, else ``status``. The figures keep ``status`` (未报: no data counted)."""
        if self.status == ST_MISSING and self.withdrawn is not None:
            return ST_RETURNED_REDO if self.withdrawn.returned else ST_WITHDRAWN
        return self.status


@dataclass
class RosterFigure:
    """Enterprises of one cluster (cluster "" = all), city-wide or for one district (企业名录汇总).

    Over accepted roster rows; amounts in 亿元. ``revenue_ly`` and ``yoy`` are like-for-like (同口径:
    enterprises with both years), the same rule as the 营业收入 indicators.
    """

    cluster: str
    district: str = ""
    enterprises: int = 0  # 企业户数
    scale: int = 0  # 规上企业户数
    leaders: int = 0  # 龙头企业户数
    revenue: Decimal | None = None  # 本年累计营业收入
    revenue_ly: Decimal | None = None  # 上年同期 (同口径)
    yoy: Decimal | None = None  # 同比 %
    employees: Decimal | None = None  # 从业人员 (人)


@dataclass
class Figures:
    period: Period
    time_progress: Decimal  # %
    generated_at: dt.datetime
    catalogue_fingerprint: str
    clusters: list[IndicatorFigure]  # city-wide, cluster × indicator, catalogue order
    programme: list[IndicatorFigure]  # whole programme (cluster ""), summable indicators
    districts: list[IndicatorFigure]  # district × cluster × indicator, with ranks
    investment: list[InvestmentFigure]  # per cluster city-wide, then "" (all clusters)
    investment_by_district: list[InvestmentFigure]
    submissions: list[SubmissionState]  # every configured district, catalogue order
    findings: list[Finding]  # all findings of the current versions
    roster: list[RosterFigure] = field(default_factory=list)  # per cluster city-wide, then "" (all)
    roster_by_district: list[RosterFigure] = field(default_factory=list)  # district × (clusters, then "")
    double_counted: list[Finding] = field(default_factory=list)  # R-DUP-ACROSS findings
    # configuration hints ("营业收入（合计）：以2022年为基期的倍数目标，基期值未填"): printed by the CLI
    # (terminal/log), never in a document
    config_notes: list[str] = field(default_factory=list)
    # district -> (cluster, indicator) -> Sum: the sums these figures were made of (display unit), kept
    # for the history of figures (figures/history.py stores them per period); never rendered
    district_sums: dict[str, dict[tuple[str, str], Sum]] = field(default_factory=dict, repr=False)
    # the year's path (January … this month) of each cluster's headline figure, cluster order then month
    # order (figures/months.py); empty for a quarterly period
    months: list[MonthFigure] = field(default_factory=list)
    plan: list[PlanProgressFigure] = field(default_factory=list)  # multi-year targets (累计/新增) to date
    basis: str = ""  # a quarter or a year: where its figures come from (根据各县区1-6月报表汇总)
    # a quarter or a year (figures/scorecard.py add_span): 当季 values and the 县区考核
    span_values: list[SpanValue] = field(default_factory=list)
    scorecard: Scorecard | None = None

    def city_level(self) -> Figures:
        """These figures without their district-level detail (the 分县区 figures, each district's 企业名录 and
        重点项目 summaries, the sums): what the brief is written from. The brief speaks of the city and its
        clusters (districts come into it by their submissions, findings and the 县区考核), and this copy is a
        twentieth of the pickle, so the side process gets it in a millisecond (pipeline/side.py)."""
        return replace(self, districts=[], district_sums={}, roster_by_district=[], investment_by_district=[])

    def cluster_figure(self, cluster: str, indicator: str) -> IndicatorFigure | None:
        return next((f for f in self.clusters if f.cluster == cluster and f.indicator == indicator), None)

    def counts(self) -> dict[str, int]:
        """How many cluster × indicator figures are ahead / on track / lagging."""
        out = {AHEAD: 0, ON_TRACK: 0, LAGGING: 0}
        for f in self.clusters:
            if f.status in out:
                out[f.status] += 1
        return out


def judge(gap: Decimal | None, tolerance: Decimal, time_progress: Decimal | None = None) -> str | None:
    """The one rule for every indicator: 滞后 when the gap (完成率 − 时序进度, 同比 − 增速目标, or ratio −
    target, all in 百分点) is below −tolerance, 超前 above +tolerance, else 正常; None without a gap.

    At 时序进度 100 % (a year, December) the target itself is the measure and a completion above it is
    超前 whatever the tolerance: the brief words it 超额完成年度目标, and counts it so (docs/brief.md
    “完成情况的分类”); 正常 is then a completion at the target (完成) or within the tolerance below it
    (基本完成), ``year_class``."""
    if gap is None:
        return None
    if time_progress is not None and time_progress >= 100:
        return LAGGING if gap < -tolerance else AHEAD if gap > 0 else ON_TRACK
    return LAGGING if gap < -tolerance else AHEAD if gap > tolerance else ON_TRACK


# At 时序进度 100 % (a year, December) the status worded against the annual target: the one classification that
# every sentence sorting figures uses (the brief's counts, the clusters it names, 二's heading, each cluster's lead,
# 存在问题, the 附注; the 总表's note), docs/brief.md “完成情况的分类”
MET_OVER, MET, MET_NEARLY, MISSED = "超额完成", "完成", "基本完成", "未完成"
YEAR_CLASSES = (MET_OVER, MET, MET_NEARLY, MISSED)


def year_class(status: str | None, gap: Decimal | None) -> str | None:
    """The class of a figure judged at 时序进度 100 % (``judge``, on the 进度差 as shown, ``shown_gap``): 超前 is
    超额完成 (above the target, however little: 100.05 % shows 100.1 %), 滞后 未完成 (more than the tolerance
    below it), and 正常 is 完成 exactly at the target as shown (100.0 %, 100.04 % too) and 基本完成 below it within
    the tolerance (99.9 %). None without a status."""
    if status is None or gap is None:
        return None
    if status == AHEAD:
        return MET_OVER
    if status == LAGGING:
        return MISSED
    return MET if gap >= 0 else MET_NEARLY


def shown_gap(completion: Decimal, time_progress: Decimal, places: int) -> Decimal:
    """进度差 in 百分点 from the two percentages as shown (each rounded to ``places``), so that a reader's
    subtraction of the printed 完成率 and 时序进度 gives the printed gap (83.0 − 83.3 = −0.3, not the −0.4 of
    the unrounded 82.96 − 83.33; docs/brief.md “进度差按显示值计算”)."""
    from reporttool.core.units import q

    return q(completion, places) - q(time_progress, places)


def _ranks(pairs: list[tuple[Decimal, IndicatorFigure]]) -> list[int]:
    """Ranks, descending, of values already rounded as shown: equal values share a rank (1, 2, 2, 4)."""
    return [1 + sum(1 for other, _ in pairs if other > shown) for shown, _ in pairs]


def add_cluster_measures(figs: Figures, rate_places: int, members: set[str] | None = None) -> None:
    """Each cluster's 拉动 to the programme's growth, and its rank among the clusters by 同比 and by 完成率.

    拉动 (contribution in 百分点) = (this cluster's value − its last-year value) / the programme's last-year
    total × 100, for indicators with a programme total; the pulls of all clusters add up to the programme's
    同比 when every cluster has a last-year value; a cluster left out of the programme (``members``, the
    codes 计入合计; None = all) has no 拉动 to it and is not ranked (the ranks are among the clusters
    counted, so “居N个集群首位” counts the clusters of the 合计). Ranks use the values as shown (rounded half
    up to ``rate_places``), so a tie on paper is a tie in rank. The brief and the 汇总表 read these fields.
    """
    from reporttool.core.units import q

    programme = {f.indicator: f for f in figs.programme}
    by_indicator: dict[str, list[IndicatorFigure]] = {}
    for f in figs.clusters:
        if f.district:
            continue
        if members is None or f.cluster in members:
            by_indicator.setdefault(f.indicator, []).append(f)
        total = programme.get(f.indicator)
        if (total is not None and total.last_year and f.value is not None and f.last_year is not None
                and f.yoy is not None and (members is None or f.cluster in members)):
            f.pull = (f.value - f.last_year) / total.last_year * 100
    for group in by_indicator.values():
        for field_name, count_name, attr in (("yoy_rank", "yoy_ranked", "yoy"),
                                             ("completion_rank", "completion_ranked", "completion")):
            pairs = [(q(getattr(f, attr), rate_places), f) for f in group if getattr(f, attr) is not None]
            if len(pairs) < 2:
                continue
            for rank, (_, f) in zip(_ranks(pairs), pairs):
                setattr(f, field_name, rank)
                setattr(f, count_name, len(pairs))


def headline_figure(figs: Figures, cat: Catalogue, cluster: str) -> IndicatorFigure | None:
    """The cluster's headline figure for a 完成率-against-时序进度 chart, None when it has none.

    The first indicator in catalogue order that is compared with 时序进度 (``Indicator.compare_time``,
    a flow such as 工业总产值) and has both a 完成率 and a 时序进度. Stocks and ratios (户数, 占比) are
    never charted against 时序进度: a 92 % of a count target is not "ahead" of a 50 % year. The 总表's
    chart and the brief's 图1 both use this one rule. A cluster's 主要指标 (集群.主要指标) chooses it instead.
    """
    c = cat.cluster(cluster)
    if c is not None and c.headline:
        f = figs.cluster_figure(cluster, c.headline)
        return f if f is not None and f.completion is not None and f.time_progress is not None else None
    parts = formula_parts(cat, cluster)
    # a whole before its parts: 海洋渔业集群总产值 (HYYY+NCPJG+NYZS), not 海洋渔业经济总产值, one of its parts
    for ind in sorted(cat.indicators_for(cluster), key=lambda i: i.code in parts):
        if not ind.compare_time:
            continue
        f = figs.cluster_figure(cluster, ind.code)
        if f is not None and f.completion is not None and f.time_progress is not None:
            return f
    return None


def formula_parts(cat: Catalogue, cluster: str) -> set[str]:
    """Codes the cluster's 计算 indicators are made of (a total's components, a ratio's numerator and
    denominator): a lead line speaks of the whole, not of one of its parts."""
    return {code for ind in cat.indicators_for(cluster) if ind.source == SOURCE_FORMULA
            for code in formula_refs(ind.formula)}


def programme_parts(cat: Catalogue, code: str) -> list[tuple[str, str]]:
    """(cluster, indicator code) pairs whose values make the programme 合计 of indicator ``code``: each
    cluster 计入合计 that reports it, and each such cluster that does not but has a 计算 indicator standing
    for it (指标.汇总口径 = ``code``: 纺织服装's 集群产值（四项合计） counts in the 产值 合计), catalogue order.
    The 总表 合计, the brief's "N个集群合计" and programme ratios all use these pairs."""
    ind = cat.indicator(code)
    if ind is None:
        return []
    members = [c.code for c in cat.clusters if c.in_programme]
    own = set(ind.clusters)
    stand_ins = {c: i.code for i in cat.indicators if i.source == SOURCE_FORMULA and i.roster_measure == code
                 for c in i.clusters if c not in own}
    return [(c, code) if c in own else (c, stand_ins[c]) for c in members if c in own or c in stand_ins]


def headline_figures(figs: Figures, cat: Catalogue) -> list[IndicatorFigure]:
    """One figure per cluster (catalogue order) for the chart, see ``headline_figure``; clusters
    without one are left out."""
    out = []
    for c in cat.clusters:
        pick = headline_figure(figs, cat, c.code)
        if pick is not None:
            out.append(pick)
    return out


def roster_gaps(figs: Figures, cat: Catalogue | None = None) -> list[str]:
    """Names of districts whose report is counted but whose enterprise list adds nothing (the 集群企业
    sheet empty, or every row with an error): every roster-based total (企业名录, 规上企业户数) lacks
    them, and a document quoting such a total says so. With ``cat``, only districts that host a cluster
    (集群.所在县区): one that hosts none has no enterprises to list, and its empty roster is no gap."""
    listed = {r.district for r in figs.roster_by_district if r.enterprises > 0}  # in any cluster
    return [s.district_name for s in figs.submissions if s.status not in (ST_MISSING, ST_RETURNED)
            and s.district not in listed
            and (cat is None or bool(cat.clusters_for(s.district)))]
