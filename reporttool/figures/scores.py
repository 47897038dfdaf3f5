"""The records of a quarter's and a year's own measures (figures/scorecard.py computes them): 当季 values
and the 县区考核 scorecard. Plain frozen data, read by render/ (workbook 县区考核 sheet, the brief)."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

# What a scorecard's 目标完成 measures (Scorecard.mode)
MODE_TARGET = "target"  # 完成率 of the district's own targets (目标 rows with a 县区代码)
# no district targets: 完成率 of the city's target apportioned by the district's share of the city's 上年同期
# (分解目标 = 全市目标 × 该县区上年同期 ÷ 全市上年同期), never the district's share of the city's value
MODE_APPORTIONED = "apportioned"


@dataclass(frozen=True)
class SpanValue:
    """当季: one quarter on its own (or the fourth quarter of a year) of a cluster × indicator, city-wide
    (``district`` ""; cluster "" = the programme 合计) or of one district.

    = Σ over the districts with a value at both quarter ends of (this quarter end's 本年累计 − the previous
    quarter end's), as 当月 is made of two months (figures/months.py): a district whose 本年累计 fell below
    the previous quarter end's is left out (``fallen``); the first quarter's is its 本年累计. Flows only
    (指标 对比时序进度, summable, not “%”), never stocks or ratios.

    ``before`` is the previous quarter's own 当季 over the same districts (同口径), and ``change`` the
    环比上季度 % = (value over those districts ÷ before − 1) × 100 when ``before`` > 0; None in the first
    quarter (no quarter before it in the year) or without the quarter end before the previous one."""

    cluster: str
    indicator: str
    value: Decimal | None
    n_districts: int  # districts in the sum
    missing: tuple[str, ...] = ()  # districts with this quarter's value but not the previous quarter end's
    district: str = ""  # "" = city-wide
    fallen: tuple[str, ...] = ()  # districts whose 本年累计 is below the previous quarter end's: not in the sum
    before: Decimal | None = None  # the previous quarter's 当季, same districts
    change: Decimal | None = None  # 环比上季度 %


@dataclass(frozen=True)
class DistrictScore:
    """One district's line of the 县区考核 sheet."""

    district: str
    name: str
    completion: Decimal | None  # %: mean 完成率 of its own targets, or of the apportioned city targets
    growth: Decimal | None  # %: mean 同比 of its clusters' main indicators
    on_time: int  # reporting periods (months, or quarters for a quarterly plan) reported on time
    due: int  # reporting periods of the span, less those taken in as history (``imported``)
    late: tuple[str, ...]  # the periods (1月, 二季度) not on time: late or missing
    first_errors: int  # errors in the first versions of the span's periods (not those still pending)
    fixed: int  # of those, gone from the version in use
    # 目标完成, 增长, 按时报送, 问题整改 (weighted); None = the part is left out (no target to measure the
    # district by; no 同比 for want of a comparable base; every period imported as history), and ``total`` is
    # over the other parts' weights
    points: tuple[Decimal | None, Decimal | None, Decimal | None, Decimal | None]
    # out of 100; None (“—”) when fewer result parts (目标完成, 增长) are scored than 设置 考核排名最少结果项 asks:
    # no measured result to rank it by; it has no rank either and is listed after the ranked districts
    total: Decimal | None
    rank: int | None = 0
    # errors of a first version still within their correction window (until the next period's deadline)
    # and not yet gone: neither fixed nor unfixed, left out of first_errors
    pending: int = 0
    # the periods whose data was taken in as history (`reporttool import`): neither on time nor late, not due
    imported: tuple[str, ...] = ()


@dataclass(frozen=True)
class Scorecard:
    """县区考核 of a quarter or a year (docs/consolidation.md “县区考核”)."""

    mode: str  # MODE_TARGET / MODE_APPORTIONED
    weights: tuple[Decimal, Decimal, Decimal, Decimal]  # as in 设置 (考核权重：…)
    periods: tuple[str, ...]  # the reporting periods checked for 按时报送 (1月 … 6月)
    # every configured district: the ranked ones in catalogue order, then those without a total (catalogue order)
    rows: tuple[DistrictScore, ...]
    min_results: int = 1  # 设置 考核排名最少结果项, as the districts were ranked by

    @property
    def unranked(self) -> tuple[DistrictScore, ...]:
        """The districts without a total or a rank (too few result parts scored)."""
        return tuple(r for r in self.rows if r.total is None)
