# Over 500 lines: every section of the brief is drafted here, so a sentence of the brief is found in one file.
"""The brief's sections, drafted from the Figures: 一 and 二 with finding headings, 三 存在问题, the 附注.

render/prose.py holds the blocks and the clause helpers (one indicator, investment, the table, the chart);
this module puts them together the way a bureau's release reads: the finding first, parallel figures with
分别, each cluster's 拉动 and rank, investment against 时序进度, definitions in a closing 附注, and what the
figures cover where a total is quoted (render/wording.py). docs/brief.md states the rules.
"""
from __future__ import annotations

from decimal import Decimal

from reporttool.catalogue import Catalogue
from reporttool.core import fmt
from reporttool.core.models import SOURCE_PROJECTS, SOURCE_ROSTER, TARGET_GROWTH, Cluster, Indicator
from reporttool.core.status import LAGGING, ST_ERRORS, ST_MISSING, ST_SUPERSEDED, ST_VERIFY
from reporttool.core.units import q
from reporttool.figures import Figures, IndicatorFigure, headline_figure, programme_parts, shown_gap, year_class
from reporttool.figures.records import MISSED, YEAR_CLASSES, formula_parts
from reporttool.render import plan_words, wording
from reporttool.render.period_brief import period_blocks, period_notes, span_blocks, when
from reporttool.render.prose import (
    Block,
    ChartBlock,
    Draft,
    Heading,
    NoteBlock,
    Paragraph,
    TrendBlock,
    _investment,
    chart_block,
    cn_number,
    completion_change_words,
    district_word,
    has_target,
    headline_indicators,
    indicator_clause,
    indicator_name,
    indicator_table,
    investment_clause,
    leader_text,
    month_words,
    programme_clauses,
    rate,
    revenue_indicator,
    target_text,
    trend_block,
    value_text,
)


def _d(value: Decimal | None) -> Decimal:
    """A figure the caller has checked is there (typed as Decimal for what follows)."""
    assert value is not None
    return value


def _revenue(figures: Figures, cat: Catalogue) -> tuple[Indicator | None, IndicatorFigure | None]:
    rev = revenue_indicator(cat)
    total = None if rev is None else next((f for f in figures.programme if f.indicator == rev.code), None)
    return rev, total


def _pull_words(names: list[str], pulls: list[Decimal], what: str, rd: int) -> str:
    """分别拉动重点产业集群营业收入增长1.2、0.8和0.5个百分点 / 拉低… for figures of one sign; a pull that
    rounds to zero is said apart (…影响不足0.1个百分点), never as "拉低0.0个百分点"."""
    least = Decimal(1).scaleb(-rd)
    shown = [(n, p) for n, p in zip(names, pulls) if q(p, rd) != 0]
    small = [n for n, p in zip(names, pulls) if q(p, rd) == 0]
    out = ""
    if shown:
        verb = f"拉动{what}增长" if shown[0][1] > 0 else f"拉低{what}"
        values = wording.numbers([fmt.text(abs(p), rd) for _, p in shown])
        who = "" if not small else wording.series([n for n, _ in shown])
        out = who + ("分别" if len(shown) > 1 else "") + verb + values + "个百分点"
    if small:
        out += ("，" if out else "") + (wording.series(small) if shown else "") + f"影响不足{fmt.text(least, rd)}个百分点"
    return out


def ranked_among(cat: Catalogue, n: int) -> str:
    """“8个集群”: what a rank is among — the clusters 计入合计 only (figures.add_cluster_measures), said so
    (计入合计的3个集群) when a cluster of the catalogue is left out of the 合计."""
    return f"{'计入合计的' if any(not c.in_programme for c in cat.clusters) else ''}{n}个集群"


def contributions(figures: Figures, cat: Catalogue) -> str:
    """从各集群看: the clusters' 同比 of the programme-wide indicator grouped with 分别, their 拉动 and who ranks
    first ("" without a programme 同比 or with fewer than two clusters)."""
    rd = cat.settings.rate_decimals
    rev, total = _revenue(figures, cat)
    if rev is None or total is None or total.yoy is None:
        return ""
    rows = [(c, f) for c in cat.clusters if (f := figures.cluster_figure(c.code, rev.code)) is not None
            and f.yoy is not None and f.pull is not None]
    if len(rows) < 2:
        return ""
    rows.sort(key=lambda cf: -_d(cf[1].yoy))
    what = wording.owned(cat.settings.programme_name, indicator_name(rev))
    parts = []
    for group in ([cf for cf in rows if q(_d(cf[1].yoy), rd) > 0], [cf for cf in rows if q(_d(cf[1].yoy), rd) < 0]):
        if not group:
            continue
        if q(_d(group[0][1].yoy), rd) < 0:
            group = sorted(group, key=lambda cf: _d(cf[1].yoy))  # the steepest fall first
        shown = group[:wording.MAX_LISTED]
        names = [c.short_name for c, _ in shown]
        more = ""
        if len(group) > len(shown):
            verb = "增长" if q(_d(group[0][1].yoy), rd) > 0 else "下降"
            more = f"{len(group)}个集群{indicator_name(rev)}同比{verb}，其中居前{len(shown)}位的"
        yoys = [_d(f.yoy) for _, f in shown]
        change = wording.changes(yoys, rd) if len(shown) > 1 else fmt.change_words(yoys[0], rd)
        pulls = _pull_words(names, [_d(f.pull) for _, f in shown], what, rd)
        parts.append(f"{more}{wording.series(names)}{'' if more else indicator_name(rev) + '同比'}{change}，{pulls}")
    flat = [c.short_name for c, f in rows if q(_d(f.yoy), rd) == 0]
    if flat:
        parts.append(f"{wording.listed(flat)}与上年同期持平")
    first = [(c, f) for c, f in rows if f.yoy_rank == 1]
    tail = ""
    if first:
        tail = f"{wording.series([c.short_name for c, _ in first])}增速居{ranked_among(cat, first[0][1].yoy_ranked)}首位"
        biggest = max(rows, key=lambda cf: _d(cf[1].pull))
        if _d(biggest[1].pull) > 0 and all(biggest[0] is not c for c, _ in first):
            tail += f"，{biggest[0].short_name}拉动最大"
        tail += "。"
    return "从各集群看，" + "；".join(parts) + "。" + tail


def overall(figures: Figures, cat: Catalogue, cov: wording.Coverage) -> list[Block]:
    """一、the headline finding: the programme totals (with what they cover), the clusters' growth with
    分别, 拉动 and ranks, and 报送."""
    rd = cat.settings.rate_decimals
    st = cat.settings
    rev, total = _revenue(figures, cat)
    found = wording.trend(total.yoy if total is not None else None, rd)
    title = (f"一、{wording.owned(st.programme_name, indicator_name(rev))}{found}" if rev is not None and found
             else "一、总体情况")
    blocks: list[Block] = [Heading(title)]
    n_clusters = len(cat.members())  # 计入合计: clusters left out of the programme are not counted
    clauses = []
    for f, ind in headline_indicators(figures, cat):
        covered = len(programme_parts(cat, ind.code))  # the clusters in its 合计, as the 总表 sums them
        note = f"（{covered}个集群合计）" if covered < n_clusters else ""
        if ind.source == SOURCE_ROSTER:
            note += cov.roster_note()  # a count from the enterprise lists says whose list is missing
        clauses.append(indicator_clause(f, ind, cat, note=note))
    clauses += programme_clauses(figures, cat)  # programme ratios (适用集群 合计) with a target
    head = f"{when(figures.period)}，{cat.words.whole}{n_clusters}个{st.programme_name}{cov.scope(cat)}"
    blocks.append(Paragraph(head + ("实现" + "；".join(clauses) if clauses else "主要指标情况如下") + "。"))
    text = month_paragraph(figures, cat)
    if text:
        blocks.append(Paragraph(text))
    blocks.extend(span_blocks(figures, cat))  # a quarter or a year: 当季 (render/period_brief.py)
    text = contributions(figures, cat)
    if text:
        blocks.append(Paragraph(text))
    text = plan_paragraph(figures, cat)
    if text:
        blocks.append(Paragraph(text))
    subs = [s for s in figures.submissions if s.status != ST_SUPERSEDED]
    if subs:
        got = [s for s in subs if s.status != ST_MISSING]  # 已报, as 报送情况 counts (退回 included)
        late = [s for s in got if s.on_time is False]
        imported = [s for s in got if s.imported]  # 导入: history taken in, neither on time nor late
        who = f"本期应报送数据的{district_word(cat)}{len(subs)}个"
        split = "、".join(f"{word}{n}个" for word, n in (("按时报送", len(got) - len(late) - len(imported)),
                                                         ("逾期报送", len(late)), ("导入历史数据", len(imported)))
                         if n)
        if imported:
            split += "，导入的历史数据不计按时或逾期"
        if len(got) == len(subs) and not late and not cov.returned:
            if not imported:
                text = f"{who}，均已按时报送。"
            elif len(imported) == len(got):
                text = f"{who}，均已报送（均为导入的历史数据，不计按时或逾期）。"
            else:
                text = f"{who}，均已报送（其中{split}）。"
        else:
            text = f"{who}，已报送{len(got)}个"
            if (late or imported) and got:
                text += f"（其中{split}）"
            if cov.missing:
                text += f"，未报送{len(cov.missing)}个（{'、'.join(cov.missing)}）"
            if cov.returned:
                text += f"；{'、'.join(cov.returned)}报送的文件被退回，数据未计入汇总"
            if cov.withdrawn:  # 报送情况's 已撤回: neither 已报送 nor 未报送
                text += f"；{cov.withdrawn_words()}，未计入汇总"
            text += "。"
        blocks.append(Paragraph(text))
    return blocks


def plan_paragraph(figures: Figures, cat: Catalogue) -> str:
    """规划期目标 (multi-year targets, figures/plan.py): plan to date against the plan time elapsed, the plan
    time said once per plan range."""
    groups: dict[tuple[int, int], list[str]] = {}
    times: dict[tuple[int, int], str] = {}
    for f in figures.plan:
        ind = cat.indicator(f.indicator)
        if ind is None:
            continue
        c = cat.cluster(f.cluster)
        times[(f.start, f.end)] = plan_words.time_text(f, cat)
        groups.setdefault((f.start, f.end), []).append(
            wording.owned(c.short_name + "集群" if c else "", plan_words.sentence(f, ind, cat, with_time=False)))
    parts = [f"{start}—{end}年{times[(start, end)]}，" + "；".join(clauses)
             for (start, end), clauses in sorted(groups.items())]
    return ("从规划期目标看，" + "。".join(parts) + "。") if parts else ""


def progress_heading(figures: Figures, cov: wording.Coverage, cat: Catalogue | None = None) -> str:
    """二's finding. A lagging figure of a cluster whose data is incomplete (a hosting district absent,
    wording.waiting) is "below 时序进度 on the data in hand", not 滞后; a district hosting no cluster changes
    nothing."""
    counts = figures.counts()
    compared, lag = sum(counts.values()), counts[LAGGING]
    if not compared:
        return "二、各集群运行情况"
    year = wording.full_year(figures.time_progress)  # 时序进度 100 %: the annual target met or missed
    waiting = _waiting_lags(figures, cat) if cat is not None else (lag if cov.partial else 0)
    incomplete = cov.partial if cat is None else any(cov.absent_for(c.districts) for c in cat.clusters)
    if waiting and waiting == lag:  # no 滞后 verdict while data is missing: what the data in hand shows
        finding = "已报送数据显示" + ("部分" if lag * 2 < compared else "多数") + \
            ("集群指标低于年度目标" if year else "集群指标低于时序进度")
        return f"二、{finding}"
    if year:
        # the words of the counts below (超额完成/完成/基本完成/未完成, figures.year_class)
        finding = ("各集群主要指标" + wording.year_reached(wording.year_counts(figures)) if lag == 0 else
                   "多数集群指标完成或基本完成年度目标" if lag * 2 < compared else "多数集群指标未完成年度目标")
    else:
        finding = ("各集群主要指标达到时序进度" if lag == 0 else
                   "多数集群指标达到时序进度" if lag * 2 < compared else "多数集群指标进度滞后")
    return f"二、{finding}" + ("（按已报送数据）" if incomplete else "")


def _waiting_lags(figures: Figures, cat: Catalogue) -> int:
    """How many 滞后 figures belong to clusters whose data is incomplete (wording.waiting)."""
    codes = {c.code for c, _ in wording.waiting(figures, cat)}
    return sum(1 for f in figures.clusters if f.status == LAGGING and f.cluster in codes)


def _chart_groups(chart: ChartBlock, figures: Figures, cat: Catalogue) -> str:
    """The clusters of 图1 named in groups, without their rates: each cluster's paragraph states its 完成率
    and 进度差 once (docs/brief.md “每个数只说一次”). During the year: above, level with and below 时序进度 (by
    the 进度差 as shown, as 图1 draws the bars against the line); at 时序进度 100 % by the classification the
    counts before use (超额完成/完成/基本完成/未完成, figures.year_class)."""
    rd = cat.settings.rate_decimals
    parts = []
    items = [(i, next(f for c in cat.clusters if c.short_name == i.label
                      for f in [headline_figure(figures, cat, c.code)] if f is not None)) for i in chart.items]

    def what(named: list) -> str:
        first = named[:wording.MAX_LISTED]
        return "主要指标" if len({item.indicator for item in first}) > 1 else first[0].indicator

    if wording.full_year(figures.time_progress):
        for kind in YEAR_CLASSES:
            named = [item for item, fig in items if year_class(fig.status, fig.gap) == kind]
            if named:
                parts.append(f"{wording.listed([item.label for item in named])}{what(named)}{kind}年度目标")
        return "；".join(parts)
    for sign, verb in ((1, "完成率高于时序进度"), (0, "完成率与时序进度持平"), (-1, "完成率低于时序进度")):
        named = [i for i, f in items if (q(_d(f.gap), rd) > 0) - (q(_d(f.gap), rd) < 0) == sign]
        if named:
            parts.append(f"{wording.listed([i.label for i in named])}{what(named)}{verb}")
    return "；".join(parts)


def progress(figures: Figures, cat: Catalogue, cov: wording.Coverage) -> list[Block]:
    """二、progress against 时序进度 (finding heading), investment against 时序进度, 图1, the clusters."""
    rd = cat.settings.rate_decimals
    blocks: list[Block] = [Heading(progress_heading(figures, cov, cat))]
    counts = figures.counts()
    compared = sum(counts.values())
    chart = chart_block(figures, cat)
    text = ""
    if compared:
        waiting = _waiting_lags(figures, cat)  # 滞后 figures of clusters whose data is incomplete
        year = wording.full_year(figures.time_progress)  # the year's end: against the target itself
        shown = wording.year_counts(figures) if year else dict(counts)
        shown[MISSED if year else LAGGING] -= waiting
        words = "、".join(f"{k}{n}项" for k, n in shown.items() if n)
        if waiting:
            words += ("、" if words else "") + \
                f"{'低于年度目标' if year else '低于时序进度'}{waiting}项（数据报齐前不作滞后判断）"
        text = f"有年度目标的{compared}项集群指标中，{words}。"
        groups = _chart_groups(chart, figures, cat) if chart.items else ""
        if groups:
            text += f"从各集群主要指标看，{groups}（见图1）。"
    if text:  # 图1 right after the sentence that cites it; investment follows in its own paragraph
        blocks.append(Paragraph(text))
    if chart.items:
        blocks.append(chart)
    text = ""
    inv = _investment(figures, "")
    if inv is not None and inv.projects:
        text += cat.words.whole + investment_clause(inv, cat)
        if inv.completion is not None:
            text += "，" + wording.gap_words(shown_gap(inv.completion, figures.time_progress, rd), rd, figures.time_progress, "年度计划")
        text += "。"
        ranked = [(c, i) for c in cat.clusters if (i := _investment(figures, c.code)) is not None
                  and i.completion is not None]
        if len(ranked) >= 3:
            best = max(ranked, key=lambda ci: q(_d(ci[1].completion), rd))
            worst = min(ranked, key=lambda ci: q(_d(ci[1].completion), rd))
            # the rates once: where the clusters' own paragraphs state them, here only the names
            said = all(not _project_amounts(figures, cat, c.code) for c, _ in ranked)
            if q(_d(best[1].completion), rd) == q(_d(worst[1].completion), rd):  # not “A最高…；A最低”
                text += "分集群看，各集群投资完成率相同。" if said else \
                    f"分集群看，各集群投资完成率均为{fmt.text(best[1].completion, rd)}%。"
            elif said:
                text += f"分集群看，{best[0].short_name}投资完成率最高，{worst[0].short_name}最低。"
            else:
                text += (f"分集群看，{best[0].short_name}投资完成率最高，为{fmt.text(best[1].completion, rd)}%；"
                         f"{worst[0].short_name}最低，为{fmt.text(worst[1].completion, rd)}%。")
    if text:
        blocks.append(Paragraph(text))
    trend = trend_block(figures, cat)
    if trend is not None:  # 图2 right after the sentence citing it
        blocks.append(Paragraph(trend_sentence(figures, cat, trend)))
        blocks.append(trend)
    blocks.extend(period_blocks(figures, cat))  # a quarter or a year: 年度目标完成情况, ranks
    for n, cluster in enumerate(cat.clusters, 1):
        blocks.append(cluster_paragraph(figures, cat, cluster, n, cov))
    if indicator_table(figures, cat).rows:
        blocks.append(Paragraph("各集群主要指标完成情况见附件。"))
    return blocks


def brief_clause(f: IndicatorFigure, ind: Indicator, cat: Catalogue) -> str:
    """An indicator without a target, briefly: value and 同比 (nothing when there is no base)."""
    text = f"{indicator_name(ind)}{value_text(f, ind)}"
    change = fmt.change_words(f.yoy, cat.settings.rate_decimals) if ind.unit != "%" else ""
    return text + (f"，同比{change}" if change else "")


def _rank_and_pull(f: IndicatorFigure, ind: Indicator, cat: Catalogue) -> str:
    """，增速居8个集群第2位，拉动重点产业集群营业收入增长1.3个百分点 ("" when not ranked)."""
    rd = cat.settings.rate_decimals
    out = ""
    if f.yoy_rank is not None:
        out += f"，增速居{ranked_among(cat, f.yoy_ranked)}" + ("首位" if f.yoy_rank == 1 else f"第{f.yoy_rank}位")
    if f.pull is not None and q(f.pull, rd) != 0:
        out += "，" + _pull_words([""], [f.pull], wording.owned(cat.settings.programme_name, indicator_name(ind)), rd)
    return out


def _grouped(items: list[tuple[IndicatorFigure, Indicator]], cat: Catalogue) -> str:
    """Several indicators of one cluster measured the same way, with 分别 (one clause, not four alike)."""
    rd = cat.settings.rate_decimals
    names = wording.series([indicator_name(i) for _, i in items])
    unit = items[0][1].unit
    values = wording.numbers([fmt.text(f.value, i.decimals) for f, i in items], unit)
    text = f"{names}分别为{values}"
    if all(f.yoy is not None for f, _ in items):
        text += f"，同比{wording.changes([_d(f.yoy) for f, _ in items], rd)}"
    text += f"，完成年度目标的{wording.numbers([rate(f.completion, cat) for f, _ in items], '%')}"
    if all(f.time_progress is not None and f.gap is not None for f, _ in items):
        text += "，" + wording.gaps([_d(f.gap) for f, _ in items], rd)
    return text


def _finding(figures: Figures, cat: Catalogue, cluster: Cluster, cov: wording.Coverage) -> str:
    """工业总产值明显下降，进度滞后: what the cluster's lead says about its headline figure (暂低于时序进度, not
    滞后, while a district hosting the cluster has not reported)."""
    rd = cat.settings.rate_decimals
    f = headline_figure(figures, cat, cluster.code)
    if f is None:  # the first with a 同比, a whole before its parts (a ratio's numerator, a total's component)
        parts = formula_parts(cat, cluster.code)
        f = next((x for ind in sorted(cat.indicators_for(cluster.code), key=lambda i: i.code in parts)
                  if (x := figures.cluster_figure(cluster.code, ind.code)) is not None and x.yoy is not None), None)
    if f is None:
        return ""
    ind = cat.indicator(f.indicator)
    if ind is None:
        return ""
    text = f"{indicator_name(ind)}{wording.trend(f.yoy, rd)}" if f.yoy is not None else ""
    if f.status and f.time_progress is not None:
        status = f"进度{f.status}"
        if wording.full_year(f.time_progress):  # the year's end: the class of the counts (figures.year_class)
            status = f"{year_class(f.status, f.gap)}年度目标"
        if f.status == LAGGING and cov.absent_for(cluster.districts):
            status = "暂低于年度目标" if wording.full_year(f.time_progress) else "进度暂低于时序进度"
        text += ("，" if text else f"{indicator_name(ind)}") + status
    return text


def _project_amounts(figures: Figures, cat: Catalogue, cluster: str) -> list[tuple[IndicatorFigure, Indicator]]:
    """A cluster's indicators rolled up from its projects without a target of their own (集群项目完成投资): its
    paragraph says the investment through them, without the 完成率 of the annual plan investment."""
    return [(f, ind) for ind in cat.indicators_for(cluster) if ind.source == SOURCE_PROJECTS
            and (f := figures.cluster_figure(cluster, ind.code)) is not None and f.value is not None
            and not has_target(f)]


def cluster_paragraph(figures: Figures, cat: Catalogue, cluster: Cluster, n: int,
                      cov: wording.Coverage | None = None) -> Paragraph:
    """（n）集群名称 and its finding. Target indicators first (those measured alike grouped with 分别), then the
    others briefly (the programme-wide one with its rank and 拉动), then investment against 时序进度."""
    rd = cat.settings.rate_decimals
    rev = revenue_indicator(cat)
    timed: list = []
    targeted, others = [], []
    for ind in cat.indicators_for(cluster.code):
        f = figures.cluster_figure(cluster.code, ind.code)
        if f is None or f.value is None:
            continue
        if has_target(f):
            if f.completion is not None and not f.others and not f.target_derived:
                timed.append((f, ind))  # measured alike: value, 同比, completion (and 时序进度)
            targeted.append((f, ind))
        elif ind.source != SOURCE_PROJECTS:
            extra = _rank_and_pull(f, ind, cat) if rev is not None and ind.code == rev.code else ""
            others.append(brief_clause(f, ind, cat) + extra)
    project_amounts = [brief_clause(f, ind, cat) for f, ind in _project_amounts(figures, cat, cluster.code)]
    clauses = []
    groups: dict[tuple, list] = {}
    for f, ind in timed:
        groups.setdefault((ind.unit, f.time_progress is not None, f.yoy is not None), []).append((f, ind))
    alike = {id(f): key for key, group in groups.items() if len(group) >= 2 for f, _ in group}
    for f, ind in targeted:
        key = alike.get(id(f))
        if key is None:
            clauses.append(indicator_clause(f, ind, cat))
        elif groups[key][0][0] is f:
            clauses.append(_grouped(groups[key], cat))
    inv = _investment(figures, cluster.code)
    inv_text = investment_clause(inv, cat, amount=not project_amounts, statuses=False)
    if inv_text and inv is not None and inv.completion is not None and not project_amounts:
        inv_text += "，" + wording.gap_words(shown_gap(inv.completion, figures.time_progress, rd), rd, figures.time_progress, "年度计划")
    finding = _finding(figures, cat, cluster, cov or wording.coverage(figures))
    lead = f"（{cn_number(n)}）" + (wording.owned(cluster.name, finding) + "。" if finding else f"{cluster.name}。")
    if not (clauses or others or project_amounts or inv_text):
        return Paragraph(f"本期未收到该集群数据（相关{cat.words.unit}未报送或报送数据未通过审核）。",
                         f"（{cn_number(n)}）{cluster.name}。")
    sentences = ["；".join(clauses), "；".join(others), "，".join(project_amounts + [inv_text] if inv_text
                                                                 else project_amounts)]
    head = headline_figure(figures, cat, cluster.code)
    head_ind = cat.indicator(head.indicator) if head is not None else None
    if head is not None and head_ind is not None:  # its 当月 and 完成率 against last month
        month = "，".join(w for w in (month_words(head, head_ind, cat, figures.period.month),
                                      completion_change_words(head, cat)) if w)
        if month:
            sentences.append(indicator_name(head_ind) + month)
    return Paragraph("".join(s + "。" for s in sentences if s), lead)


def month_paragraph(figures: Figures, cat: Catalogue) -> str:
    """从当月看: the programme totals of 一 this month (当月, 环比) and their 完成率 against last month's."""
    parts = []
    for f, ind in headline_indicators(figures, cat):
        words = month_words(f, ind, cat, figures.period.month)
        change = completion_change_words(f, cat)
        if words or change:
            parts.append(indicator_name(ind) + "，".join(w for w in (words, change) if w))
    return "从当月看，" + "；".join(parts) + "。" if parts else ""


def trend_sentence(figures: Figures, cat: Catalogue, trend: TrendBlock) -> str:
    """The sentence citing 图2: clusters whose headline 完成率 rose more than 时序进度 this month (进度加快) and
    those whose rose less (进度放缓). The rise is like for like (figures/months.py); a cluster whose two
    months count different districts is named with the districts compared (the chart's two points are
    each month's own 完成率)."""
    rd = cat.settings.rate_decimals
    if trend.measure:  # a path of values (no 完成率 to compare): the caption's words
        return trend.caption.split("  ", 1)[-1].rsplit("（", 1)[0] + "见图2。"
    # 时序进度 gains one twelfth a month: the gain as shown (50.0 − 41.7 = 8.3, 16.7 − 8.3 = 8.4)
    now_tp = figures.time_progress if figures.time_progress is not None else Decimal(100)
    step = shown_gap(now_tp, now_tp - Decimal(100) / 12, rd)
    faster: list[str] = []
    slower: list[str] = []
    partial: list[str] = []
    for c in cat.clusters:
        f = headline_figure(figures, cat, c.code)
        if f is None or f.completion_change is None:
            continue
        diff = q(f.completion_change, rd) - q(step, rd)
        (faster if diff > 0 else slower if diff < 0 else []).append(c.short_name)
        if f.change_partial:
            partial.append(f"{c.short_name}按两个月均有该项数据的{f.change_districts}个{cat.words.unit}比较")
    parts = []
    if faster:
        parts.append(f"{wording.listed(faster)}主要指标完成率较上月提高幅度超过时序进度（{fmt.text(step, rd)}个百分点），"
                     "进度加快")
    if slower:
        tail = "提高幅度低于时序进度，进度放缓" if faster else \
            f"主要指标完成率较上月提高幅度低于时序进度（{fmt.text(step, rd)}个百分点），进度放缓"
        parts.append(wording.listed(slower) + tail)
    if not parts:
        return f"各集群主要指标{figures.period.span_label}完成率逐月走势见图2。"
    return "从逐月走势看，" + "；".join(parts) + "（" + "".join(p + "，" for p in partial) + "见图2）。"


def lagging_clusters(figures: Figures, cat: Catalogue) -> list[Cluster]:
    codes = {f.cluster for f in figures.clusters if f.status == LAGGING}
    return [c for c in cat.clusters if c.code in codes]


def _lag_clause(f: IndicatorFigure, ind: Indicator, cat: Catalogue) -> str:
    rd = cat.settings.rate_decimals
    if f.target_kind == TARGET_GROWTH and f.target_rate is not None:
        return (f"{ind.name}同比{fmt.change_words(f.yoy, rd)}，"
                f"比{fmt.trim(f.target_rate, rd)}%的增速目标{fmt.points_words(f.gap, rd)}")
    if ind.unit == "%" and f.value is not None and f.target is not None:  # a ratio vs its target
        return f"{ind.name}{value_text(f, ind)}，比年度目标{target_text(f, ind)}{fmt.points_words(f.gap, rd)}"
    if f.completion is not None:  # the rate and its gap are in the cluster's own paragraph of 二 (said once)
        return f"{ind.name}未完成年度目标" if wording.full_year(f.time_progress) else f"{ind.name}完成率低于时序进度"
    return ""


def problems_section(figures: Figures, cat: Catalogue, cov: wording.Coverage) -> tuple[list[Block], list[Cluster]]:
    """三、存在问题: lagging clusters (who leads them only when the data of every district hosting the cluster
    is in: a gap may otherwise be missing data); 报送 in the words of 报送情况; double counting."""
    blocks: list[Block] = [Heading("三、存在问题")]
    items: list[Paragraph] = []
    lagging = lagging_clusters(figures, cat)
    judged, waiting = [], []  # with all their districts' data in / with a hosting district missing
    named: list[Cluster] = []  # the lagging clusters the template's {{滞后集群}} may name
    for c in lagging:
        clauses = [_lag_clause(f, ind, cat) for ind in cat.indicators_for(c.code)
                   if (f := figures.cluster_figure(c.code, ind.code)) is not None and f.status == LAGGING]
        sentence = wording.owned(c.name, "；".join(x for x in clauses if x))
        absent = cov.absent_for(c.districts)
        if absent:  # the gap may be the missing data: no one is named for it
            waiting.append((sentence, absent))
            continue
        who = []
        if c.lead_units:
            who.append("牵头单位：" + "、".join(c.lead_units))
        if c.leaders:
            who.append("责任领导：" + "，".join(leader_text(x) for x in c.leaders))
        judged.append(sentence + ("（" + "；".join(who) + "）" if who else ""))
        named.append(c)
    if judged or waiting:
        text = "；".join(judged) + ("。" if judged else "")
        if waiting:
            names = wording.series(list(dict.fromkeys(n for _, absent in waiting for n in absent)))
            text += (("另有" if judged else "") + "按已报送数据，" + "；".join(s for s, _ in waiting)
                     + f"。因{names}的数据未计入，上述集群数据不完整，进度是否滞后待数据报齐后再作判断。")
        year = wording.full_year(figures.time_progress)
        items.append(Paragraph(text, ("部分集群指标未完成年度目标。" if year else "部分集群指标进度滞后。") if judged else
                               ("部分集群指标低于年度目标。" if year else "部分集群指标低于时序进度。")))
    subs = [s for s in figures.submissions if s.status != ST_SUPERSEDED]
    late = [s.district_name for s in subs if s.status != ST_MISSING and s.on_time is False]
    errors = [f"{s.district_name}（{s.errors}处）" for s in subs if s.status == ST_ERRORS]
    verify = [f"{s.district_name}（{s.verify}处）" for s in subs if s.status == ST_VERIFY and s.verify]
    parts = []
    if cov.missing:
        parts.append(f"{'、'.join(cov.missing)}未报送本期数据")
    if late:
        parts.append(f"{'、'.join(late)}逾期报送")
    if cov.returned:
        parts.append(f"{'、'.join(cov.returned)}报送的文件被退回，须重新报送")  # refused, or returned by the bureau
    if cov.withdrawn:  # `reporttool withdraw`: taken out by the bureau, in use again on a restore or a new file
        parts.append(f"{cov.withdrawn_words()}，未计入汇总")
    if errors:
        parts.append(f"{'、'.join(errors)}报表有错误，已发反馈表通知修改")
    if verify:
        parts.append(f"{'、'.join(verify)}有数据待核实")
    if parts:
        faults = (["不及时"] if cov.missing or late else []) + \
            (["不规范"] if cov.returned or cov.withdrawn or errors or verify else [])
        items.append(Paragraph("；".join(parts) + "。", f"部分地区报送{'、'.join(faults)}。"))
    if figures.double_counted:
        involved: list[str] = []
        for dup in figures.double_counted:
            d = cat.district(dup.district)
            name = d.name if d else dup.district
            if name and name not in involved:
                involved.append(name)
        where = f"（涉及{'、'.join(involved)}）" if involved else ""
        items.append(Paragraph(
            f"经比对，发现{len(figures.double_counted)}户企业被两个{cat.words.unit}重复填报{where}，"
            f"后报送{cat.words.unit}的重复数据未计入汇总，已通知相关{cat.words.unit}核实修改。",
            f"存在跨{cat.words.unit}重复统计。"))
    if not items:
        sent = "各地区均已报送" if any(s.imported for s in figures.submissions) else "各地区均按时报送"  # 导入: not 按时
        reached = (wording.year_reached(wording.year_counts(figures)) if wording.full_year(figures.time_progress)
                   else "均达到时序进度要求")
        items.append(Paragraph(f"本期各集群指标{reached}，{sent}，未发现跨{cat.words.unit}重复统计。"))
    else:
        for n, p in enumerate(items, 1):
            p.lead = f"（{cn_number(n)}）{p.lead}"
    blocks.extend(items)
    return blocks, named


def draft(figures: Figures, cat: Catalogue) -> Draft:
    """All generated content of the brief: sections 一 to 三 (四 is the template's fixed wording), then the
    附注 and the 附件 (表1) that follow the template's text."""
    out = Draft()
    cov = wording.coverage(figures)
    out.blocks.extend(overall(figures, cat, cov))
    out.blocks.extend(progress(figures, cat, cov))
    problems, lagging = problems_section(figures, cat, cov)
    out.blocks.extend(problems)
    out.lagging_clusters = lagging
    out.full_year = wording.full_year(figures.time_progress)
    table = indicator_table(figures, cat)
    pulls = any(f.pull is not None for f in figures.clusters) and bool(contributions(figures, cat))
    derived = any(f.target_derived for f in figures.clusters + figures.programme)
    notes = wording.notes(figures, cat, pulls=pulls, derived=derived) + period_notes(figures, cat)
    if table.rows:  # the 附件 first; the 附注 closes the document, under the table and above the 版记
        out.appendix.append(table)
    out.appendix.append(Heading("附注"))
    out.appendix.extend(NoteBlock(f"{n}. {text}") for n, text in enumerate(notes, 1))
    return out
