# Over 500 lines: every figure of the 总表 is computed here, so that a figure's code is found in one file.
"""Figures from the ledger: the versions in use of a period, the cross rules over them, and every figure
of the 总表 (indicator figures, investment, roster, 报送情况).

``compute_figures`` is a pure function of the ledger's current versions and the catalogue: the same
ledger always gives the same Figures, so a killed run followed by a re-run gives what an uninterrupted
run gives. All arithmetic is Decimal and unrounded; rendering rounds (reporttool.core.fmt).
docs/consolidation.md states every formula in words.
"""
from __future__ import annotations

import bisect
import datetime as dt
import sqlite3
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from reporttool.catalogue import Catalogue
from reporttool.checks import counts
from reporttool.checks.cross import VersionFacts, check_cross
from reporttool.core.errors import ReportToolError
from reporttool.core.models import (
    SOURCE_FORMULA,
    SOURCE_OUTPUT,
    SOURCE_PROJECTS,
    SOURCE_ROSTER,
    TARGET_GROWTH,
    Finding,
    Indicator,
    Period,
    ResolvedTarget,
    Row,
    Table,
    parse_period,
)
from reporttool.core.rules import finding
from reporttool.core.status import ST_MISSING, ST_RETURNED
from reporttool.core.units import q, unit_factor
from reporttool.figures import (
    Figures,
    IndicatorFigure,
    InvestmentFigure,
    OtherTargetFigure,
    RosterFigure,
    SubmissionState,
    add_cluster_measures,
    judge,
    programme_parts,
    shown_gap,
)
from reporttool.figures.periods import basis_text, form_period, in_span, missing_months, source_keys, versions_in_use
from reporttool.forms.layout import PROJECT_STATUSES
from reporttool.ledger import Ledger, SubmissionRecord
from reporttool.ledger.aggregates import (
    ClusterProjects,
    ClusterRoster,
    InvestField,
    SubmissionAggregates,
    Sum,
    _leaves,
    add,
    formula_sum,
    pair,
)
from reporttool.ledger.store import Withdrawal

RATE_UNIT = "%"  # indicators in this unit are rates: see _figure

__all__ = ["compute_figures", "current_versions", "accepted_rows", "CurrentVersions", "submission_states",
           "state_of"]


@dataclass
class CurrentVersions:
    """What counts for one period: the version in use per district, their facts, and cross findings.

    ``facts`` hold only what the cross rules need: the output table, and of the roster each accepted
    row's number, credit code and name. Roster and project figures come from the stored aggregates.
    """

    period: Period
    records: dict[str, SubmissionRecord]  # configured district -> version in use (may be 退回)
    facts: dict[str, VersionFacts]  # district -> light tables of its readable version in use
    findings: dict[str, list[Finding]]  # district -> stored findings + cross findings
    cross: list[Finding]
    files_received: dict[str, int] = field(default_factory=dict)  # district -> files received
    cross_excluded: dict[str, frozenset[int]] = field(default_factory=dict)  # district -> roster rows
    first_readable: dict[str, dt.datetime] = field(default_factory=dict)  # district -> its first readable file
    failed: dict[str, Finding] = field(default_factory=dict)  # district -> why its version could not be used
    # district -> readable files of an earlier period received while consolidating this one, oldest first
    other_period: dict[str, list[SubmissionRecord]] = field(default_factory=dict)
    # district -> the bureau's withdrawal in force (withdraw, or 退回 on the web page) of a district without a
    # version in use: 报送情况 shows 已撤回 / 已退回（待重报）, not 未报
    withdrawn: dict[str, Withdrawal] = field(default_factory=dict)

    def fail(self, district: str, exc: BaseException, words=None) -> None:
        """Take a district's version out of this run after an error at any stage (docs/consolidation.md,
        “一个县区出错不影响其他县区”): it shows 退回 with an F-INTERNAL finding, the others go on."""
        from reporttool.forms.isolate import internal_finding

        rec = self.records.get(district)
        f = internal_finding(rec.file_name if rec else "", district, exc, words)
        self.failed[district] = f
        self.facts.pop(district, None)
        self.cross_excluded.pop(district, None)
        self.findings.setdefault(district, []).append(f)

    def accepted(self, district: str, key: str) -> list[Row]:
        """Accepted rows of a district's light table (no error finding, not excluded by a cross rule)."""
        v = self.facts.get(district)
        table = v.tables.get(key) if v else None
        return [r for r in table.rows if not r.excluded] if table else []


def current_versions(ledger: Ledger, cat: Catalogue, period: Period, *, light: bool = False,
                     also: Mapping[str, SubmissionRecord] | None = None) -> CurrentVersions:
    """Load the versions in use for ``period`` and apply the cross rules (marking rows excluded).

    ``light``: only what the figures need (versions in use, their facts, the cross rules), without the
    stored findings, files received and files of other periods: figures/history.py for earlier periods.
    ``also``: district -> a version to count as in use instead (a version the bureau returned, to find
    the findings it has as if in use: pipeline/returned.py); never for figures."""
    configured = {d.code for d in cat.districts}
    records = {d: r for d, r in versions_in_use(ledger, period).items() if d in configured}
    records.update({d: r for d, r in (also or {}).items() if d in configured})
    readable = {d: r for d, r in records.items() if r.readable}
    codes = ledger.credit_codes([r.id for r in readable.values()])
    facts = {}
    broken: dict[str, BaseException] = {}
    for d, r in readable.items():
        try:
            tables = ledger.table_heads(r.id)
            tables.pop("projects", None)
            if "roster" in tables:
                tables["roster"].rows = [Row(n, {"credit_code": code, "name": name})
                                         for n, code, name in codes[r.id]]
            tables.update(ledger.tables(r.id, ("output",)))
        except (sqlite3.Error, OSError, ReportToolError):
            raise  # the ledger or the disk: not one district's problem
        except Exception as exc:  # noqa: BLE001 - stored facts unusable: this district only
            broken[d] = exc
            continue
        facts[d] = VersionFacts(d, r.file_name, (r.received_at, r.id), tables)
    # R-YTD-FALL compares each form with the period before its own (June's with May's, in 2025-Q2 too)
    previous: dict[str, dict[str, Table]] = {}
    before: dict[str, Period] = {}
    in_use: dict[str, dict[str, SubmissionRecord]] = {}
    for d in facts:
        prev = form_period(records[d].period, period).previous()
        if prev is None:
            continue
        if prev.key not in in_use:
            in_use[prev.key] = versions_in_use(ledger, prev)
        last = in_use[prev.key].get(d)
        if last is not None and last.readable:
            previous[d], before[d] = ledger.tables(last.id, ("output",)), prev
    cross = check_cross(list(facts.values()), previous, cat, period, before)
    excluded = {d: frozenset(r.number for r in v.tables["roster"].rows if r.excluded)
                for d, v in facts.items() if "roster" in v.tables}
    if light:
        cv = CurrentVersions(period, records, facts, {}, cross,
                             cross_excluded={d: rows for d, rows in excluded.items() if rows})
        for d, error in broken.items():
            cv.fail(d, error, cat.words)
        return cv
    findings = {d: ledger.findings(r.id) for d, r in records.items()}
    for f in cross:
        findings.setdefault(f.district, []).append(f)
    received: dict[str, int] = defaultdict(int)
    first: dict[str, dt.datetime] = {}
    used = {d: r.period for d, r in records.items()}  # a quarter: per district its quarterly or month's form
    for key in source_keys(period):
        for r in ledger.submissions(period=key):  # oldest first
            if used.get(r.district, period.key) != key:
                continue
            received[r.district] += 1
            if r.readable and not r.imported:  # history taken in by `import` has no deadline to meet
                first.setdefault(r.district, r.received_at)
    cv = CurrentVersions(period, records, facts, findings, cross, dict(received),
                         {d: rows for d, rows in excluded.items() if rows}, first)
    for d, error in broken.items():
        cv.fail(d, error, cat.words)
    _other_period_files(ledger, cat, cv, configured)
    for key in source_keys(period):  # preferred source first, as versions_in_use
        for w in ledger.withdrawals(period=key):
            if w.in_force and w.district in configured and w.district not in records:
                cv.withdrawn.setdefault(w.district, w)
    return cv


def _other_period_files(ledger: Ledger, cat: Catalogue, cv: CurrentVersions, configured: set[str]) -> None:
    """Files of an earlier period that came in while this period was consolidated (a clerk sent last
    month's form): they are recorded under their own period, and here they show in 报送情况/问题清单.

    Found by the F-OTHER-PERIOD finding stored with them at ingest (its value is the run's period key), so
    a re-run gives the same result. A district with no file of this period shows 退回 with an
    F-PERIOD-MISMATCH error (and gets a feedback workbook); one that has sent this period gets the
    F-OTHER-PERIOD note only. Only a file still in use for its own period counts: one replaced since (a
    later file, a restore) or withdrawn no longer speaks for this period."""
    period = cv.period
    in_use: dict[str, dict[str, SubmissionRecord]] = {}
    for rec in ledger.submissions():
        if rec.district not in configured or in_span(period, rec.period) or not rec.readable:
            continue
        if rec.period not in in_use:
            in_use[rec.period] = ledger.current(rec.period)
        mine = in_use[rec.period].get(rec.district)
        if mine is None or mine.id != rec.id:
            continue  # replaced (a later file, a restore) or withdrawn: only versions in use count
        marks = [f for f in ledger.findings(rec.id) if f.rule == "F-OTHER-PERIOD" and f.value == period.key]
        if marks:
            cv.other_period.setdefault(rec.district, []).append(rec)
            if rec.district in cv.records:
                cv.findings.setdefault(rec.district, []).extend(marks)
    for district, recs in cv.other_period.items():
        if district in cv.records:
            continue
        last = recs[-1]
        try:
            found = parse_period(last.period).label
        except ValueError:
            found = last.period
        cv.findings.setdefault(district, []).append(finding(
            "F-PERIOD-MISMATCH", file=last.file_name, district=district, words=cat.words, found=found,
            expected=period.label, hint=f"该文件已按{found}入账，不计入本期；请用本期（{period.label}）模板填写后重新报送。"))


def accepted_rows(ledger: Ledger, cat: Catalogue, period: Period, key: str) -> list[tuple[str, Row]]:
    """Every accepted row of table ``key`` ("roster", "projects", "output") of the versions in use, as
    (district, row), districts in catalogue order: what the detail workbook lists. Reads every row —
    for tests and audits, not for the run."""
    cv = current_versions(ledger, cat, period)
    out = []
    for d in cat.districts:
        rec = cv.records.get(d.code)
        if rec is None or not rec.readable or d.code in cv.failed:
            continue
        table = ledger.tables(rec.id, (key,)).get(key)
        gone = cv.cross_excluded.get(d.code, frozenset()) if key == "roster" else frozenset()
        out += [(d.code, r) for r in (table.rows if table else []) if not r.excluded and r.number not in gone]
    return out


# ==================================================================================================
# Figures
# ==================================================================================================


def compute_figures(ledger: Ledger, cat: Catalogue, period: Period, *, now: dt.datetime | None = None,
                    cv: CurrentVersions | None = None) -> Figures:
    """Every number of the period from the ledger's current versions (docs/consolidation.md).

    Roster and project measures come from each version's stored aggregates (recomputed from its rows
    only when a cross rule excluded some of them), so the cost is districts × indicators, not rows.
    """
    cv = cv or current_versions(ledger, cat, period)
    aggs: dict[str, SubmissionAggregates] = {}
    per_district: dict[str, dict[tuple[str, str], Sum]] = {}  # district -> (cluster, indicator) -> Sum
    for d in [d.code for d in cat.districts if d.code in cv.facts]:
        try:
            aggs[d] = ledger.aggregates(cv.records[d].id, without_rows=cv.cross_excluded.get(d, frozenset()))
            per_district[d] = _district_sums(cat, cv, d, aggs[d])
        except (sqlite3.Error, OSError, ReportToolError):
            raise
        except Exception as exc:  # noqa: BLE001 - this district only
            aggs.pop(d, None)
            cv.fail(d, exc, cat.words)
    districts = list(per_district)

    clusters, programme = city_figures(cat, period, per_district)

    by_district: list[IndicatorFigure] = []
    for dist in cat.districts:
        sums = per_district.get(dist.code, {})
        for c in cat.clusters:
            for ind in cat.indicators_for(c.code):
                s = sums.get((c.code, ind.code), Sum())
                by_district.append(_figure(cat, period, c.code, ind, dist.code, s, int(s.value is not None)))
        if dist.code in per_district:  # district-wide figures and programme ratios of this district (cluster "")
            by_district += _programme_level(cat, period, per_district, [dist.code], {c.code for c in cat.members()},
                                            dist.code)
    _rank(by_district, cat)

    figs = Figures(
        period=period, time_progress=period.time_progress,
        generated_at=(now or dt.datetime.now()).replace(microsecond=0),
        catalogue_fingerprint=cat.fingerprint, clusters=clusters, programme=programme, districts=by_district,
        investment=_investment(cat, [aggs[d] for d in districts], ""),
        investment_by_district=[f for d in districts for f in _investment(cat, [aggs[d]], d)],
        submissions=submission_states(cat, cv),
        findings=[f for d in cat.districts for f in cv.findings.get(d.code, [])],
        roster=_roster(cat, [aggs[d] for d in districts], ""),
        roster_by_district=[f for d in districts for f in _roster(cat, [aggs[d]], d)],
        double_counted=[f for f in cv.cross if f.rule == "R-DUP-ACROSS"],
        config_notes=config_notes(cat, programme + clusters),
        district_sums=per_district,
    )
    add_cluster_measures(figs, cat.settings.rate_decimals, {c.code for c in cat.members()})  # 拉动, ranks
    if not period.monthly:  # a quarter or a year: what it is built from, and the months a district lacks
        figs.basis = basis_text(period, {d: r for d, r in cv.records.items() if d in per_district},
                                cat.words.unit)
        gaps = missing_months(ledger, period, [d.code for d in cat.districts])
        for state in figs.submissions:
            state.missing_months = gaps.get(state.district, ())
    return figs


def city_figures(cat: Catalogue, period: Period, per_district: dict[str, dict[tuple[str, str], Sum]]
                 ) -> tuple[list[IndicatorFigure], list[IndicatorFigure]]:
    """The city-wide figures of ``period`` over these districts' sums: per cluster × indicator (catalogue
    order), then the whole programme's. compute_figures uses it for the period consolidated,
    figures/months.py for earlier months (from figures/history.py), so both follow the same rules."""
    districts = list(per_district)
    by_code = {i.code: i for i in cat.indicators}
    clusters: list[IndicatorFigure] = []
    city: dict[tuple[str, str], Sum] = {}
    for c in cat.clusters:
        inds = cat.indicators_for(c.code)
        for ind in _non_formula(inds):
            parts = [per_district[d][(c.code, ind.code)] for d in districts]
            city[(c.code, ind.code)] = Sum() if (ind.source == SOURCE_OUTPUT and not ind.summable) else add(parts)
        units = [_unit(per_district[d], c.code) for d in districts]
        for ind in inds:
            if ind.source == SOURCE_FORMULA:
                city[(c.code, ind.code)] = formula_sum(ind, by_code, units, city=True)
        for ind in inds:
            n = sum(per_district[d][(c.code, ind.code)].value is not None for d in districts)
            clusters.append(_figure(cat, period, c.code, ind, "", city[(c.code, ind.code)], n))

    programme = []
    members = {c.code for c in cat.members()}  # 计入合计: a cluster left out is in no programme total
    for ind in cat.indicators:
        # A programme total means something for an indicator several clusters report, or one with a
        # whole-programme target; a one-cluster indicator's "total" would just repeat that cluster.
        inside = [c for c in ind.clusters if c in members]
        # with the clusters whose 计算 indicator stands for this one (指标.汇总口径: a computed 集群产值)
        pairs = programme_parts(cat, ind.code) if ind.source != SOURCE_FORMULA else [(c, ind.code) for c in inside]
        if not ind.summable or not pairs:
            continue
        if len(pairs) < 2 and cat.target_for("", ind.code, period.year) is None:
            continue
        if ind.source == SOURCE_FORMULA:  # over every district × cluster that reported all its pairs
            total = formula_sum(ind, by_code, [_unit(per_district[d], c) for d in districts for c in inside],
                                city=True)
        else:
            total = add(city[p] for p in pairs if p in city)
        n = len({d for d in districts for p in pairs if per_district[d][p].value is not None})
        programme.append(_figure(cat, period, "", ind, "", total, n))
    programme += _programme_level(cat, period, per_district, districts, members)
    return clusters, programme


def config_notes(cat: Catalogue, figs: list[IndicatorFigure]) -> list[str]:
    """The targets.xlsx gaps behind these figures, one line each, for the terminal (not for documents)."""
    out = []
    for f in figs:
        if f.config_note:
            c = cat.cluster(f.cluster) if f.cluster else None
            i = cat.indicator(f.indicator)
            who = f"{c.name if c else cat.settings.programme_name + '合计'}“{i.name if i else f.indicator}”"
            out.append(f"{who}：{f.config_note}，本期不计算完成率（请在目标库 targets.xlsx 中补填）。")
    return out


def _non_formula(inds: Iterable[Indicator]) -> list[Indicator]:
    return [i for i in inds if i.source != SOURCE_FORMULA]


def _unit(sums: dict[tuple[str, str], Sum], cluster: str) -> dict[str, Sum]:
    """One district's sums of one cluster, by indicator code."""
    return {code: s for (c, code), s in sums.items() if c == cluster}


def _district_sums(cat: Catalogue, cv: CurrentVersions, district: str,
                   agg: SubmissionAggregates) -> dict[tuple[str, str], Sum]:
    """One district's cluster × indicator values, in each indicator's display unit."""
    outputs: dict[tuple[str | None, str | None], Row] = {}  # keyed as the form gives them
    for r in cv.accepted(district, "output"):
        outputs.setdefault((r.values.get("cluster_code"), r.values.get("indicator_code")), r)
    by_code = {i.code: i for i in cat.indicators}
    out: dict[tuple[str, str], Sum] = {}
    for c in cat.clusters:
        inds = cat.indicators_for(c.code)
        for ind in _non_formula(inds):
            if ind.source == SOURCE_OUTPUT:
                row = outputs.get((c.code, ind.code))
                s = pair(row.values.get("value"), row.values.get("value_ly")) if row else Sum()
            elif ind.source == SOURCE_ROSTER:
                cr = agg.roster.get(c.code)  # None: the cluster has no accepted rows
                s = cr.measure(ind.roster_measure) if cr else Sum()
            elif ind.source == SOURCE_PROJECTS:
                cp = agg.projects.get(c.code)
                s = cp.measure(ind.roster_measure) if cp else Sum()
            else:
                s = Sum()
            out[(c.code, ind.code)] = s.scaled(cat.unit_factor(ind.form_unit, ind.unit))
        unit = _unit(out, c.code)
        for ind in inds:
            if ind.source == SOURCE_FORMULA:
                out[(c.code, ind.code)] = formula_sum(ind, by_code, [unit])
    for ind in cat.programme_indicators():  # district-wide figures, reported once (集群代码 全部)
        if ind.source == SOURCE_OUTPUT:
            row = outputs.get(("", ind.code))
            s = pair(row.values.get("value"), row.values.get("value_ly")) if row else Sum()
            out[("", ind.code)] = s.scaled(cat.unit_factor(ind.form_unit, ind.unit))
    return out


def _programme_level(cat: Catalogue, period: Period, per_district: dict, districts: list[str],
                     members: set[str], district: str = "") -> list[IndicatorFigure]:
    """Figures of the indicators of the programme level (适用集群 = 合计): a district-wide figure summed over
    the districts; a programme ratio over, per district, the members' totals and its district-wide figures
    (a ratio of sums over the districts that reported every part, as any formula). With ``district`` (and
    ``districts`` = [it]) the same for one district: its row in 分县区."""
    by_code = {i.code: i for i in cat.indicators}
    empty = Sum()
    out = []
    for ind in cat.programme_indicators():
        if ind.source == SOURCE_FORMULA:
            leaves = _leaves(ind, by_code)
            units = []
            for d in districts:
                unit = {}
                for code in leaves:
                    leaf = by_code.get(code)
                    if leaf is None or leaf.programme:
                        unit[code] = per_district[d].get(("", code), empty)
                    else:  # nothing reported for the members' clusters = none of them here: 0, not missing
                        s = add(per_district[d].get(p, empty) for p in programme_parts(cat, code)
                                if p[0] in members)
                        unit[code] = s if s.value is not None else Sum(Decimal(0), Decimal(0), Decimal(0))
                units.append(unit)
            total = formula_sum(ind, by_code, units, city=True)
            n = sum(all(u[code].value is not None for code in leaves) for u in units)
        else:
            parts = [per_district[d].get(("", ind.code), empty) for d in districts]
            total = add(parts) if ind.summable or district else Sum()  # one district's own ratio stands
            n = sum(p.value is not None for p in parts)
        out.append(_figure(cat, period, "", ind, district, total, n))
    return out


def _figure(cat: Catalogue, period: Period, cluster: str, ind: Indicator, district: str, s: Sum,
            n: int) -> IndicatorFigure:
    """Value, 同比, target, 完成率, 时序进度, 进度差 and status of one cluster × indicator.

    A rate (unit "%") has no 同比 and no 完成率: its gap is value − target in 百分点, 滞后 below the target.
    """
    rate = ind.unit == RATE_UNIT  # a rate (占比): no 同比 of a percentage, no 完成率 of a ratio target
    f = IndicatorFigure(cluster=cluster, indicator=ind.code, district=district, value=s.value,
                        last_year=s.last_year, yoy=None if rate else s.yoy, like_for_like=s.like_for_like,
                        n_districts=n, summable=ind.summable)
    rt = cat.target_for(cluster, ind.code, period.year, district)
    threshold = cat.settings.lag_threshold
    f.others = [_other(f, ot, rate, threshold, cat.settings.rate_decimals, ind.decimals)
                for ot in cat.other_targets(cluster, ind.code, period.year, district)]
    base = cat.latest_base(cluster, ind.code, period.year, district)
    if base is not None and not any(t.start_year <= base.year <= t.year for t in cat.plan_targets()
                                    if (t.cluster, t.indicator) == (cluster, ind.code) and t.start_year):
        # (a 基期 row for a year inside a 累计 range is that year's statistic, not a base: not shown as 基期)
        f.base_year, f.base_value = base.year, base.value
    # a target that cannot be computed (基期值未填) is a gap in targets.xlsx: told on the terminal
    # (Figures.config_notes), not printed in the documents
    unusable = [o for o in f.others if o.target is None and o.kind != TARGET_GROWTH and o.explanation]
    if unusable:
        f.others = [o for o in f.others if o not in unusable]
        f.config_note = "；".join(f"{o.year}年目标{o.explanation}" for o in unusable)
    if rt is None:
        return f
    f.target, f.target_derived, f.target_kind, f.target_note = rt.value, rt.derived, rt.kind, rt.explanation
    f.target_wording = rt.note
    if rt.value is None and rt.kind != TARGET_GROWTH and rt.explanation:  # a gap in targets.xlsx (基期值未填)
        f.target_note, f.config_note = "", "；".join(x for x in (rt.explanation, f.config_note) if x)
    if rate and rt.kind != TARGET_GROWTH:
        if f.value is not None and rt.value is not None:  # gap in 百分点; never against 时序进度
            f.gap = q(f.value, ind.decimals) - rt.value  # from the value as shown
            f.status = judge(f.gap, threshold, period.time_progress)
        return f
    if rt.kind == TARGET_GROWTH:
        f.target_rate = rt.growth_rate
        if f.yoy is not None and rt.growth_rate is not None:
            f.gap = q(f.yoy, cat.settings.rate_decimals) - rt.growth_rate  # from the 同比 as shown
            f.status = judge(f.gap, threshold, period.time_progress)
        return f
    if f.value is not None and rt.value is not None and rt.value > 0:
        f.completion = f.value / rt.value * 100
        if ind.compare_time:  # 时序进度 is shown only beside a completion rate it is compared with
            f.time_progress = period.time_progress
            f.gap = shown_gap(f.completion, f.time_progress, cat.settings.rate_decimals)
            f.status = judge(f.gap, threshold, f.time_progress)
    return f


def _other(f: IndicatorFigure, rt: ResolvedTarget, rate: bool, threshold: Decimal, rate_places: int,
           value_places: int) -> OtherTargetFigure:
    """A further target judged on its own: a growth rate on 同比, a level by the share reached (a ratio by its
    difference in 百分点)."""
    o = OtherTargetFigure(rt.kind, rt.year, rt.value, rt.growth_rate if rt.kind == TARGET_GROWTH else None,
                          explanation=rt.explanation, wording=rt.note)
    if rt.kind == TARGET_GROWTH:
        if f.yoy is not None and rt.growth_rate is not None:
            o.gap = q(f.yoy, rate_places) - rt.growth_rate  # from the figures as shown
            o.status = judge(o.gap, threshold)
    elif f.value is not None and rt.value is not None:
        if rate:
            o.gap = q(f.value, value_places) - rt.value
            o.status = judge(o.gap, threshold)
        elif rt.value > 0:
            o.progress = f.value / rt.value * 100
    return o


def _rank(figs: list[IndicatorFigure], cat: Catalogue) -> None:
    """Rank districts per cluster × indicator by value as shown (rounded to the indicator's decimals, half
    up), descending: values that print the same share a rank, the next rank is skipped (1, 2, 2, 4)."""
    places = {i.code: i.decimals for i in cat.indicators}
    groups: dict[tuple[str, str], list[tuple[Decimal, IndicatorFigure]]] = defaultdict(list)
    for f in figs:
        if f.value is not None:
            groups[(f.cluster, f.indicator)].append((q(f.value, places.get(f.indicator, 2)), f))
    for group in groups.values():
        ordered = sorted(shown for shown, _ in group)
        for shown, f in group:  # 1 + how many print higher
            f.rank = 1 + len(ordered) - bisect.bisect_right(ordered, shown)


def _investment(cat: Catalogue, aggs: list[SubmissionAggregates], district: str) -> list[InvestmentFigure]:
    """Projects per cluster (then the programme, cluster "") over the districts' aggregates; 亿元. The
    programme total counts the clusters 计入合计 only, like every other 合计 (the brief quotes it)."""
    factor = unit_factor("万元", "亿元")
    codes = [c.code for c in cat.clusters]
    members = {c.code for c in cat.members()}
    out = []
    for cluster in [*codes, ""]:
        mine = [e for a in aggs for c, e in a.projects.items() if (c == cluster if cluster else c in members)]
        by_status = {s: 0 for s in PROJECT_STATUSES}
        for e in mine:
            for status, n in e.by_status.items():
                by_status[status] = by_status.get(status, 0) + n

        def total(key: InvestField, mine: list[ClusterProjects] = mine) -> Decimal:
            return sum((e.invested(key) for e in mine), Decimal(0)) / factor

        fig = InvestmentFigure(cluster=cluster, district=district, projects=sum(sum(e.by_status.values()) for e in mine),
                               by_status=by_status, total=total("total"), plan_year=total("plan_year"),
                               done_year=total("done_year"))
        if fig.plan_year > 0:
            fig.completion = fig.done_year / fig.plan_year * 100
        out.append(fig)
    return out


def _roster(cat: Catalogue, aggs: list[SubmissionAggregates], district: str) -> list[RosterFigure]:
    """Enterprises per cluster (then the programme, cluster "": the clusters 计入合计) over the districts'
    aggregates; 亿元."""
    factor = unit_factor("万元", "亿元")
    codes = [c.code for c in cat.clusters]
    members = {c.code for c in cat.members()}
    out = []
    for cluster in [*codes, ""]:
        mine: list[ClusterRoster] = [e for a in aggs for c, e in a.roster.items()
                                     if (c == cluster if cluster else c in members)]
        revenue = add(e.revenue for e in mine).scaled(factor)
        employees = add(e.employees for e in mine).value
        out.append(RosterFigure(
            cluster=cluster, district=district, enterprises=sum(int(e.enterprises.value or 0) for e in mine),
            scale=sum(int(e.scale.value or 0) for e in mine), leaders=sum(e.leaders for e in mine),
            revenue=revenue.value, revenue_ly=revenue.last_year, yoy=revenue.yoy, employees=employees))
    return out


def submission_states(cat: Catalogue, cv: CurrentVersions) -> list[SubmissionState]:
    """报送情况 for every configured district, in catalogue order (未报 when nothing arrived).

    按时/逾期 follows the district's FIRST readable file: a correction sent after the deadline of a report
    that came on time does not make it late. The time shown stays that of the version in use. A version
    imported as history (`reporttool import`) is neither: on_time None, ``imported`` (shown 导入).
    """
    deadline = cat.settings.deadline_for(cv.period)
    out = []
    for d in cat.districts:
        rec = cv.records.get(d.code)
        if rec is None and d.code in cv.withdrawn:  # taken out by the bureau: 未报 in the figures, shown as such
            out.append(SubmissionState(d.code, d.name, ST_MISSING, version=cv.files_received.get(d.code, 0),
                                       withdrawn=cv.withdrawn[d.code]))
            continue
        if rec is None and d.code in cv.other_period:  # only a file of another period came: 退回
            last = cv.other_period[d.code][-1]
            c = counts(cv.findings.get(d.code, []))
            out.append(SubmissionState(d.code, d.name, ST_RETURNED, received_at=last.received_at,
                                       file_name=last.file_name, version=len(cv.other_period[d.code]),
                                       errors=c.errors, verify=c.verify, explained=c.explained, info=c.info))
            continue
        if rec is None:
            out.append(SubmissionState(d.code, d.name, ST_MISSING, version=cv.files_received.get(d.code, 0)))
            continue
        findings = cv.findings.get(d.code, [])
        c = counts(findings)
        out.append(SubmissionState(
            d.code, d.name, state_of(rec, findings), received_at=rec.received_at,
            on_time=None if rec.imported else cv.first_readable.get(d.code, rec.received_at).date() <= deadline,
            file_name=rec.file_name, sha256=rec.sha256,
            version=cv.files_received.get(d.code, 0), errors=c.errors, verify=c.verify,
            explained=c.explained, info=c.info, imported=rec.imported))
    return out


def state_of(rec: SubmissionRecord, findings: list[Finding]) -> str:
    """The state of a version in use: the one ladder (checks.single.file_status) over its stored and
    cross findings; 退回 as recorded."""
    from reporttool.checks.single import file_status

    return file_status(findings, refused=not rec.readable)


def version_states(ledger: Ledger, cat: Catalogue, records: Iterable[SubmissionRecord],
                   versions: Callable[[Ledger, Catalogue, Period], CurrentVersions] | None = None) -> dict[int, str]:
    """The state word of each record as `status` and 报送情况 show it: a version in use gets its state
    with the cross findings of its period (so `history` never says 通过 where `status` says 有错);
    any other version its recorded state (被替代, 退回). ``versions``: how a period's versions in use and
    their findings are loaded (default current_versions; the CLI passes consistency.checked_versions)."""
    from reporttool.core.models import parse_period

    out: dict[int, str] = {}
    by_period: dict[str, list[SubmissionRecord]] = defaultdict(list)
    for r in records:
        out[r.id] = r.status
        by_period[r.period].append(r)
    for key, recs in by_period.items():
        try:
            period = parse_period(key)
        except ValueError:
            continue
        cv = (versions or current_versions)(ledger, cat, period)
        in_use = {rec.id: d for d, rec in cv.records.items()}
        for r in recs:
            d = in_use.get(r.id)
            if d is not None:
                out[r.id] = state_of(r, cv.findings.get(d, []))
    return out
