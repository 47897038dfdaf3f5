"""Small wording helpers of the brief: parallel figures with 分别, trend words for finding headings, what
the figures cover (报送 coverage), and the closing 附注.

render/prose.py drafts the sections with these; every number is still formatted by reporttool.core.fmt from
the Figures, so nothing here computes a figure that is shown.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from reporttool.catalogue import Catalogue
from reporttool.core import fmt
from reporttool.core.models import Cluster
from reporttool.core.status import LAGGING, ST_MISSING, ST_RETURNED, ST_SUPERSEDED, ST_WITHDRAWN
from reporttool.core.units import q
from reporttool.figures import Figures, SubmissionState, year_class
from reporttool.figures.records import MET, MET_NEARLY, MET_OVER, MISSED, YEAR_CLASSES

MAX_LISTED = 5  # a 分别 list names at most this many, then "等N个"


def series(items: list[str]) -> str:
    """a / a和b / a、b和c: a list the way Chinese prose joins it."""
    items = [i for i in items if i]
    if len(items) <= 1:
        return "".join(items)
    if any("和" in i for i in items):  # 基础化工和精细化工、清洁能源: no second 和 that reads as part of a name
        return "、".join(items)
    return "、".join(items[:-1]) + "和" + items[-1]


def owned(owner: str, what: str) -> str:
    """A name followed by what it has, without a doubled 集群: 产业集群 + 集群产值 reads 产业集群产值 (not
    产业集群集群产值), 纺织服装集群 + 集群产值（四项合计） reads 纺织服装集群产值（四项合计）."""
    for word in ("集群",):
        if owner.endswith(word) and what.startswith(word):
            return owner + what[len(word):]
    return owner + what


def numbers(values: list[str], unit: str = "") -> str:
    """Parallel numbers after 分别: 7.1%、6.2%和6.4% (the unit repeated after each, as releases write)."""
    return series([f"{v}{unit}" for v in values])


def changes(rates: list[Decimal], places: int) -> str:
    """同比 of parallel figures: 分别增长7.1%、6.2%和6.4% / 分别下降… / 分别增长7.1%、下降1.2%."""
    shown = [q(r, places) for r in rates]
    if all(r > 0 for r in shown):
        return "分别增长" + numbers([fmt.text(r, places) for r in shown], "%")
    if all(r < 0 for r in shown):
        return "分别下降" + numbers([fmt.text(-r, places) for r in shown], "%")
    return "分别" + series([fmt.change_words(r, places) for r in shown])


FULL_YEAR = Decimal(100)  # 时序进度 of a whole year (and of December): the target itself is the measure


def full_year(time_progress: Decimal | None) -> bool:
    """True at 时序进度 100 % (a year, or December): no talk of being ahead of or behind 时序进度, only of the
    annual target met or missed."""
    return time_progress is not None and time_progress >= FULL_YEAR


def year_counts(figures: Figures) -> dict[str, int]:
    """At 时序进度 100 %: how many cluster × indicator figures are in each class (figures.year_class: 超额完成,
    完成, 基本完成, 未完成 in this order), the one classification the brief's counts, names and heading use."""
    out = dict.fromkeys(YEAR_CLASSES, 0)
    for f in figures.clusters:
        k = year_class(f.status, f.gap)
        if k is not None:
            out[k] += 1
    return out


def year_reached(counts: dict[str, int]) -> str:
    """What the figures did when none is 未完成: 均超额完成年度目标 / 均完成年度目标 (some exactly at it) /
    均完成或基本完成年度目标 (some within the tolerance below it)."""
    if counts[MET_NEARLY] or counts[MISSED]:
        return "均完成或基本完成年度目标"
    return "均完成年度目标" if counts[MET] else f"均{MET_OVER}年度目标"


def gap_words(gap: Decimal | None, places: int, time_progress: Decimal | None, goal: str = "年度目标") -> str:
    """进度差 worded: 高于/低于时序进度X个百分点 during the year (fmt.gap_words); at 时序进度 100 % against the
    target itself: 超额完成年度目标X个百分点 / 距年度目标差X个百分点 / 恰好完成年度目标."""
    if not full_year(time_progress):
        return fmt.gap_words(gap, places)
    return fmt.signed_words(gap, places, f"超额完成{goal}", f"距{goal}差", f"恰好完成{goal}", "个百分点")


def gaps(values: list[Decimal], places: int, time_progress: Decimal | None = None) -> str:
    """进度差 of parallel figures: 分别高于时序进度2.8和0.6个百分点 / 均与时序进度持平 / mixed, each worded; at
    时序进度 100 %: 分别超额完成年度目标2.8和0.6个百分点 / 距年度目标分别差… / 均恰好完成年度目标."""
    shown = [q(g, places) for g in values]
    above, below, level = (("分别超额完成年度目标", "距年度目标分别差", "均恰好完成年度目标") if full_year(time_progress)
                           else ("分别高于时序进度", "分别低于时序进度", "均与时序进度持平"))
    if all(g > 0 for g in shown):
        return above + numbers([fmt.text(g, places) for g in shown]) + "个百分点"
    if all(g < 0 for g in shown):
        return below + numbers([fmt.text(-g, places) for g in shown]) + "个百分点"
    if all(g == 0 for g in shown):
        return level
    return "分别" + series([gap_words(g, places, time_progress) for g in shown])


def trend(rate: Decimal | None, places: int) -> str:
    """A finding's verb for a 同比: 较快增长 (≥ 10 %), 稳步增长 (≥ 3 %), 小幅增长, 基本持平, 小幅下降 (> −3 %),
    明显下降."""
    if rate is None:
        return ""
    r = q(rate, places)
    if r >= 10:
        return "较快增长"
    if r >= 3:
        return "稳步增长"
    if r > 0:
        return "小幅增长"
    if r == 0:
        return "基本持平"
    return "小幅下降" if r > -3 else "明显下降"


def listed(names: list[str], what: str = "个") -> str:
    """At most MAX_LISTED names, then 等N个."""
    if len(names) <= MAX_LISTED:
        return series(names)
    return "、".join(names[:MAX_LISTED]) + f"等{len(names)}{what}"


@dataclass(frozen=True)
class Coverage:
    """Which districts' data the figures hold, in the words of 报送情况 (已报/未报/退回/已撤回)."""

    expected: int  # districts that should report
    received: tuple[str, ...]  # 已报 and used (通过/待核实/有错)
    missing: tuple[str, ...]  # 未报
    returned: tuple[str, ...]  # 退回: the file was refused, nothing of it is used
    no_roster: tuple[str, ...]  # 已报 with an empty 集群企业 sheet that the checks found (R-ROSTER-EMPTY)
    absent: tuple[tuple[str, str], ...] = ()  # (code, name) of every district whose data is not in the figures
    # 已撤回: the bureau took the period's version out (`reporttool withdraw`); not 未报送 (报送情况 says 已撤回)
    withdrawn: tuple[str, ...] = ()
    term: str = "本月"  # the period in 本月数据已撤回: 本月 for a month, 本期 for a quarter or a year

    @property
    def partial(self) -> bool:
        """Some district's data is not in the figures: totals are not the whole programme's."""
        return bool(self.missing or self.returned or self.withdrawn)

    def scope(self, cat: Catalogue) -> str:
        """（据已报送的8个县（市）区和开发区数据，兴城市未报送） beside a total; "" when complete."""
        if not self.partial:
            return ""
        return f"（据已报送的{len(self.received)}个{cat.words.unit_all}数据，{self.absent_words()}）"

    def absent_words(self, names: list[str] | None = None, term: str | None = None) -> str:
        """Why each absent district's data is not in the figures, in the words of 报送情况: 兴城市未报送，甲区报送的
        文件被退回，乙县本月数据已撤回 (``names``: only these; ``term`` instead of 本月/本期, "" after a 本期 of the
        caller's; "" when none is absent)."""
        parts = []
        for group, words in ((self.missing, "未报送"), (self.returned, "报送的文件被退回"),
                             (self.withdrawn, f"{self.term if term is None else term}数据已撤回")):
            picked = [n for n in group if names is None or n in names]
            if picked:
                parts.append(f"{listed(picked)}{words}")
        return "，".join(parts)

    def withdrawn_words(self) -> str:
        """乙县本月数据已撤回 ("" when none was withdrawn)."""
        return self.absent_words(list(self.withdrawn)) if self.withdrawn else ""

    def absent_for(self, hosts: tuple[str, ...]) -> list[str]:
        """Names of the absent districts among a cluster's hosts (() = every district hosts it)."""
        return [name for code, name in self.absent if not hosts or code in hosts]

    def roster_note(self) -> str:
        """（建昌县未报送企业名录） beside a figure counted from the enterprise lists; "" when all sent one."""
        return f"（{listed(list(self.no_roster))}未报送企业名录）" if self.no_roster else ""


def coverage(figures: Figures) -> Coverage:
    """What the period's figures cover, from 报送情况 (Figures.submissions) and the enterprise lists."""
    subs = [s for s in figures.submissions if s.status != ST_SUPERSEDED]
    received = [s for s in subs if s.status not in (ST_MISSING, ST_RETURNED)]
    # only what a finding says: an empty roster where the form requires one (checks/single.py R-ROSTER-EMPTY)
    empty = {f.district for f in figures.findings if f.rule == "R-ROSTER-EMPTY"}
    return Coverage(
        expected=len(subs),
        received=tuple(s.district_name for s in received),
        missing=tuple(s.district_name for s in subs if s.status == ST_MISSING and s.withdrawn is None),
        returned=tuple(s.district_name for s in subs if s.status == ST_RETURNED or _sent_back(s)),
        no_roster=tuple(s.district_name for s in received if s.district in empty),
        absent=tuple((s.district, s.district_name) for s in subs if s.status in (ST_MISSING, ST_RETURNED)),
        withdrawn=tuple(s.district_name for s in subs if s.shown == ST_WITHDRAWN),
        term="本月" if figures.period.monthly else "本期",
    )


def _sent_back(s: SubmissionState) -> bool:
    """Returned by the bureau on the web page (已退回（待重报）): no data counted, worded as a 退回, not 未报送."""
    return s.status == ST_MISSING and s.withdrawn is not None and s.withdrawn.returned


def waiting(figures: Figures, cat: Catalogue) -> list[tuple[Cluster, list[str]]]:
    """(cluster, names of its absent hosting districts) of each cluster with a 滞后 figure while a district
    hosting it (集群.所在县区; every district by default) has not reported or was 退回: below 时序进度 on the
    data in hand, no 滞后 verdict yet. The brief, 图1 and the 总表 say the same of these clusters; a
    district that hosts none of a cluster never makes it incomplete."""
    cov = coverage(figures)
    lagging = {f.cluster for f in figures.clusters if f.status == LAGGING}
    return [(c, absent) for c in cat.clusters if c.code in lagging and (absent := cov.absent_for(c.districts))]


def waiting_note(figures: Figures, cat: Catalogue, clause: str) -> str:
    """One sentence for 图1 and the 总表: 兴城市的数据未计入，基础化工、清洁能源集群数据不完整，{clause}，是否滞后
    待数据报齐后再作判断。 ("" when no lagging cluster waits for data)."""
    items = waiting(figures, cat)
    if not items:
        return ""
    who = series(list(dict.fromkeys(n for _, absent in items for n in absent)))
    return (f"{who}的数据未计入，{listed([c.short_name for c, _ in items])}集群数据不完整，{clause}，"
            "是否滞后待数据报齐后再作判断。")


def notes(figures: Figures, cat: Catalogue, *, pulls: bool, derived: bool) -> list[str]:
    """The closing 附注: definitions and the one tolerance rule, stated once (not in the body)."""
    st = cat.settings
    rd = st.rate_decimals
    tol = fmt.trim(st.lag_threshold, rd)
    if full_year(figures.time_progress):  # the year is over: the annual target itself is the measure
        out = [
            "完成率为全年累计完成值占年度目标的比例，以年度目标（100%）衡量，不再与时序进度比较。",
            "完成情况对所有指标采用同一标准：完成率与100%之差、同比增速与增速目标之差、比率与目标值之差"
            f"统称进度差（按所列数值相减），进度差高于0为“超额完成”，等于0为“完成”，低于0但不低于－{tol}个百分点为"
            f"“基本完成”，低于－{tol}个百分点为“未完成年度目标”。",
        ]
    else:
        out = [
            f"时序进度为报告期月数占全年的比例，本期为{fmt.trim(figures.time_progress, rd)}%；完成率为本年累计完成值"
            "占年度目标的比例。",
            "进度判断对所有指标采用同一标准：完成率与时序进度之差、同比增速与增速目标之差、比率与目标值之差"
            f"统称进度差，进度差低于－{tol}个百分点为“滞后”，高于{tol}个百分点为“超前”，其余为“正常”。",
        ]
    if pulls:
        out.append(f"拉动：某集群对{st.programme_name}合计增长的拉动（百分点）＝该集群本年累计比上年同期的增量"
                   "÷各集群上年同期合计×100，各集群拉动之和等于合计的同比增速。")
    if any(f.like_for_like for f in figures.clusters):
        out.append("同比按两年均有数据的企业同口径计算。")
    if derived:
        out.append("标“*”或称“推算年度目标”的，为按规划目标推算的本年度目标。")
    out.append("分项相加与合计不等系四舍五入所致。")
    return out
