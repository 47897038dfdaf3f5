"""The 目标 and 基期 sheets of targets.xlsx: targets (annual, growth, base multiple, per district, plan-end and
the plan range's 累计/新增) and base-year statistics, validated into one list of problems (docs/config.md)."""
from __future__ import annotations

import re
from dataclasses import replace
from decimal import Decimal

from reporttool.catalogue.cells import dec_cell, int_cell
from reporttool.catalogue.model import ALL, MAX_PLAN_YEARS, SHEET_BASE, SHEET_TARGETS, TARGET_LABELS, Problem
from reporttool.core.models import (
    TARGET_ANNUAL,
    TARGET_BASE_MULTIPLE,
    TARGET_CUMULATIVE,
    TARGET_GROWTH,
    TARGET_INCREASE,
    BaseStat,
    Indicator,
    Target,
)
from reporttool.core.units import clean_text, tidy

_RANGE_RE = re.compile(r"^(\d+)\s*年?\s*(?:-|—|–|－|~|～|至|到)+\s*(\d+)\s*年?$")
_RANGE_HINT = "如2023-2025"


def build_base(rows, districts, clusters, indicators, problems) -> list[BaseStat]:
    """The 基期 sheet: base-year statistics, one per cluster (or 全部) × indicator × district × year."""
    dcodes, ccodes = {d.code for d in districts}, {c.code for c in clusters}
    inds = {i.code: i for i in indicators}
    out: list[tuple[int, BaseStat]] = []
    for n, rec in rows:
        cluster = clean_text(rec["集群代码"])
        cluster = "" if cluster == ALL else cluster
        icode = clean_text(rec["指标代码"])
        district = clean_text(rec["县区代码"])
        if isinstance(rec["县区代码"], (int, float)):
            district = str(int(rec["县区代码"]))
        ind = inds.get(icode)
        if cluster and cluster not in ccodes:
            problems.append(Problem(SHEET_BASE, n, f"集群代码“{cluster}”在“集群”表中不存在（全部集群填“全部”）"))
            continue
        if ind is None:
            problems.append(Problem(SHEET_BASE, n, f"指标代码“{icode}”在“指标”表中不存在"))
            continue
        if cluster and cluster not in ind.clusters:
            problems.append(Problem(SHEET_BASE, n, f"集群“{cluster}”不报送指标“{icode}”（见“指标”表“适用集群”）"))
            continue
        if district and district not in dcodes:
            problems.append(Problem(SHEET_BASE, n, f"县区代码“{district}”在“县区”表中不存在"))
            continue
        before = len(problems)
        year = int_cell(rec, "年份", SHEET_BASE, n, problems, 0)
        value = dec_cell(rec, "数值", SHEET_BASE, n, problems)
        if len(problems) > before:
            continue
        if not 2000 <= year <= 2100:
            problems.append(Problem(SHEET_BASE, n, "“年份”应为四位年份"))
            continue
        if value is None:
            problems.append(Problem(SHEET_BASE, n, "“数值”不能为空（没有的基期统计不必列出）"))
            continue
        out.append((n, BaseStat(cluster, icode, year, value, district, tidy(rec["说明"]), n)))
    seen: dict[tuple, int] = {}
    for n, b in out:
        key = (b.cluster, b.indicator, b.district, b.year)
        if key in seen:
            problems.append(Problem(SHEET_BASE, n, f"与第{seen[key]}行是同一集群、指标、县区和年份的基期值，重复"))
        seen.setdefault(key, n)
    return [b for _, b in out]


def with_base_values(targets: list[Target], base: list[BaseStat]) -> list[Target]:
    """A 基期倍数 target whose 基期值 is blank takes it from the 基期 sheet (same cluster, indicator, district
    and 基期年); a 基期值 typed in the target row wins."""
    lookup = {(b.cluster, b.indicator, b.district, b.year): b.value for b in base}
    out = []
    for t in targets:
        if t.kind == TARGET_BASE_MULTIPLE and t.base_value is None and t.base_year is not None:
            value = lookup.get((t.cluster, t.indicator, t.district, t.base_year))
            if value is not None:
                t = replace(t, base_value=value)
        out.append(t)
    return out


def build_targets(rows, districts, clusters, indicators, problems) -> list[Target]:
    dcodes = {d.code for d in districts}
    ccodes = {c.code for c in clusters}
    inds = {i.code: i for i in indicators}
    out: list[tuple[int, Target]] = []
    for n, rec in rows:
        cluster = clean_text(rec["集群代码"])
        if cluster == ALL:
            cluster = ""
        elif cluster not in ccodes:
            problems.append(Problem(SHEET_TARGETS, n, f"集群代码“{cluster}”在“集群”表中不存在"))
            continue
        icode = clean_text(rec["指标代码"])
        ind = inds.get(icode)
        if ind is None:
            problems.append(Problem(SHEET_TARGETS, n, f"指标代码“{icode}”在“指标”表中不存在"))
            continue
        if cluster and ind.programme:
            problems.append(Problem(SHEET_TARGETS, n, f"指标“{icode}”属于“合计”层级（不分集群），“集群代码”应填“全部”"))
            continue
        if cluster and cluster not in ind.clusters:
            problems.append(Problem(SHEET_TARGETS, n, f"集群“{cluster}”不报送指标“{icode}”（见“指标”表“适用集群”）"))
            continue
        if not cluster and not ind.summable and not ind.programme:
            problems.append(Problem(SHEET_TARGETS, n, f"指标“{icode}”不可跨县区加总，不能设全部集群目标"))
            continue
        district = clean_text(rec["县区代码"])
        if isinstance(rec["县区代码"], (int, float)):
            district = str(int(rec["县区代码"]))
        if district and district not in dcodes:
            problems.append(Problem(SHEET_TARGETS, n, f"县区代码“{district}”在“县区”表中不存在"))
            continue
        kind_label = clean_text(rec["目标类型"]) or "年度目标"
        kind = TARGET_LABELS.get(kind_label)
        if kind is None:
            problems.append(Problem(SHEET_TARGETS, n, f"目标类型应为{'/'.join(TARGET_LABELS)}之一，现为“{kind_label}”"))
            continue
        before = len(problems)
        if kind in (TARGET_CUMULATIVE, TARGET_INCREASE):
            start, year = _year_range(rec["目标年"], kind_label, n, problems)
        else:
            start = None
            if _RANGE_RE.match(clean_text(rec["目标年"])):
                problems.append(Problem(SHEET_TARGETS, n, f"“目标年”填了年份区间“{clean_text(rec['目标年'])}”："
                                                          "只有累计、新增目标按规划期填年份区间，"
                                                          f"{kind_label}填一个四位年份"))
                continue
            year = int_cell(rec, "目标年", SHEET_TARGETS, n, problems, 0)
        value = dec_cell(rec, "目标值", SHEET_TARGETS, n, problems)
        rate = dec_cell(rec, "年均增长率（%）", SHEET_TARGETS, n, problems)
        base_year = int_cell(rec, "基期年", SHEET_TARGETS, n, problems, 0) or None
        base_value = dec_cell(rec, "基期值", SHEET_TARGETS, n, problems)
        multiple = dec_cell(rec, "倍数", SHEET_TARGETS, n, problems)
        if len(problems) > before:
            continue
        if not 2000 <= year <= 2100:
            problems.append(Problem(SHEET_TARGETS, n, "“目标年”应为四位年份"))
            continue
        if kind == TARGET_ANNUAL and value is None:
            problems.append(Problem(SHEET_TARGETS, n, "年度目标须填写“目标值”"))
            continue
        if kind == TARGET_GROWTH and rate is None:
            problems.append(Problem(SHEET_TARGETS, n, "增速目标须填写“年均增长率（%）”"))
            continue
        if kind == TARGET_BASE_MULTIPLE:
            if base_year is None or multiple is None:
                problems.append(Problem(SHEET_TARGETS, n, "基期倍数目标须填写“基期年”和“倍数”"))
                continue
            if base_year >= year:
                problems.append(Problem(SHEET_TARGETS, n, "“基期年”应早于“目标年”"))
                continue
            if multiple <= 0:
                problems.append(Problem(SHEET_TARGETS, n, "“倍数”应大于0"))
                continue
        if value is not None and value < 0:
            problems.append(Problem(SHEET_TARGETS, n, "“目标值”不能为负数"))
            continue
        if start is not None:
            why = _plan_target_problem(kind, kind_label, ind, district, value, rate, multiple, base_year, start, year)
            if why:
                problems.append(Problem(SHEET_TARGETS, n, why))
                continue
            if kind == TARGET_INCREASE and base_year is None:
                base_year = start - 1  # 三年新增 over 2023-2025: counted from the end of 2022
        out.append((n, Target(cluster, icode, kind, year, value, rate, base_year, base_value, multiple,
                              district, tidy(rec["说明"]), n, start)))
    seen: dict[tuple, int] = {}
    for n, t in out:
        # a level (年度目标/基期倍数) and a growth rate (增速目标) of the same year are two targets, not one;
        # a 累计/新增 target is one per kind and plan range
        key = ((t.cluster, t.indicator, t.district, t.year, t.kind == TARGET_GROWTH) if t.start_year is None
               else (t.cluster, t.indicator, t.district, t.kind, t.start_year, t.year))
        if key in seen and t.start_year is not None:
            problems.append(Problem(SHEET_TARGETS, n, f"与第{seen[key]}行是同一集群、指标和规划期"
                                                      f"（{t.start_year}-{t.year}年）的{_label(t.kind)}目标，重复"))
        elif key in seen:
            what = "增速目标" if t.kind == TARGET_GROWTH else "总量目标（年度目标或基期倍数）"
            problems.append(Problem(SHEET_TARGETS, n, f"与第{seen[key]}行是同一集群、指标、县区和年份的{what}，重复"
                                                      "（同一年可各有一个总量目标和一个增速目标）"))
        seen.setdefault(key, n)
    return [t for _, t in out]


def _label(kind: str) -> str:
    return next(label for label, k in TARGET_LABELS.items() if k == kind)


def _year_range(cell, kind_label: str, n: int, problems: list[Problem]) -> tuple[int | None, int]:
    """目标年 of a 累计/新增 target: (first year, last year) of the plan range; (None, 0) after a problem."""
    text = clean_text(cell)
    if not text:
        problems.append(Problem(SHEET_TARGETS, n, f"{kind_label}目标须在“目标年”填写规划期的年份区间（{_RANGE_HINT}）"))
        return None, 0
    m = _RANGE_RE.match(text)
    if m is None:
        if re.fullmatch(r"\d{4}", text):
            why = f"{kind_label}目标的“目标年”应为规划期的年份区间（{_RANGE_HINT}），现只有一个年份“{text}”"
        else:
            why = f"“目标年”“{text}”不是有效的年份区间，应写成{_RANGE_HINT[1:]}"
        problems.append(Problem(SHEET_TARGETS, n, why))
        return None, 0
    start, end = int(m.group(1)), int(m.group(2))
    if not (2000 <= start <= 2100 and 2000 <= end <= 2100):
        problems.append(Problem(SHEET_TARGETS, n, f"“目标年”“{text}”中的年份应为四位年份（{_RANGE_HINT}）"))
        return None, 0
    if start >= end:
        problems.append(Problem(SHEET_TARGETS, n, f"“目标年”“{text}”的起始年应早于结束年（{_RANGE_HINT}）"))
        return None, 0
    if end - start + 1 > MAX_PLAN_YEARS:
        problems.append(Problem(SHEET_TARGETS, n, f"“目标年”“{text}”跨{end - start + 1}年，超过{MAX_PLAN_YEARS}年，"
                                                  "请核对起止年份"))
        return None, 0
    return start, end


def _plan_target_problem(kind: str, kind_label: str, ind: Indicator, district: str, value: Decimal | None,
                         rate: Decimal | None, multiple: Decimal | None, base_year: int | None, start: int,
                         end: int) -> str:
    """Why a 累计/新增 target row cannot be used ("" when it can)."""
    if value is None or value <= 0:
        return f"{kind_label}目标须填写“目标值”（规划期{'合计' if kind == TARGET_CUMULATIVE else '新增'}数，大于0）"
    if rate is not None or multiple is not None:
        return f"{kind_label}目标不用“年均增长率（%）”和“倍数”，请留空（按年的目标另起一行，目标类型选年度目标或基期倍数）"
    if district:
        return f"{kind_label}目标按{ALL}县区合计跟踪，暂不能分解到县区，“县区代码”请留空"
    if not ind.summable:
        return f"指标“{ind.code}”是比率（不可跨县区加总），不能设{kind_label}目标"
    if kind == TARGET_CUMULATIVE and not ind.compare_time:
        return (f"累计目标把规划期各年的本年累计相加，只用于流量指标（“对比时序进度”为是，如完成投资、产值）；"
                f"指标“{ind.code}”是存量，存量的增加请用目标类型“新增”")
    if kind == TARGET_INCREASE and ind.compare_time:
        return (f"新增目标是期末数减基期年末数，只用于存量指标（“对比时序进度”为否，如户数、装机容量）；"
                f"指标“{ind.code}”是流量，规划期合计请用“累计”，比基期的增长请用“基期倍数”")
    if kind == TARGET_INCREASE and base_year is not None and base_year >= end:
        return f"“基期年”{base_year}应早于规划期结束年{end}（留空即{start - 1}年末）"
    return ""
