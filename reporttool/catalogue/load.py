"""Loading and validating the targets workbook (templates/targets.xlsx) into a Catalogue.

Every problem is collected (sheet, row, reason) rather than stopping at the first, so a clerk fixes the
workbook in one go. The sheet and column titles are defined in reporttool.catalogue.model.
"""
from __future__ import annotations

import re
from pathlib import Path

from reporttool.catalogue.cells import check_unique, code_cell, dec_cell, int_cell, yes_no
from reporttool.catalogue.model import (
    ALL,
    BASE_COLUMNS,
    CLUSTER_COLUMNS,
    CLUSTER_OPTIONAL,
    DISTRICT_COLUMNS,
    INDICATOR_COLUMNS,
    PROGRAMME,
    PROJECT_MEASURES,
    REQUIRED_SETTINGS,
    ROSTER_MEASURES,
    SETTING_LABELS,
    SETTINGS_COLUMNS,
    SHEET_BASE,
    SHEET_CLUSTERS,
    SHEET_DISTRICTS,
    SHEET_INDICATORS,
    SHEET_SETTINGS,
    SHEET_TARGETS,
    SHEET_UNITS,
    SOURCE_LABELS,
    TARGET_COLUMNS,
    UNIT_COLUMNS,
    Catalogue,
    CatalogueInvalid,
    Problem,
)
from reporttool.catalogue.targets import build_base, build_targets, with_base_values
from reporttool.core.formula import formula_refs, formula_unit
from reporttool.core.models import (
    SOURCE_FORMULA,
    SOURCE_OUTPUT,
    SOURCE_PROJECTS,
    SOURCE_ROSTER,
    Cluster,
    District,
    Indicator,
    Settings,
    UnitDef,
)
from reporttool.core.units import BUILTIN_UNITS, clean_text, conversion, split_list, tidy, to_decimal

# 目标年 of a 累计/新增 target: a range of years, 2023-2025 / 2023—2025 / 2023年至2025年 / 2023～2025


def load(path: str | Path) -> Catalogue:
    """Read and validate templates/targets.xlsx. Raises CatalogueInvalid listing every problem.

    Read with python-calamine (as the district forms are): openpyxl would cost every command its import
    (with numpy) — about a third of a second before anything happens.
    """
    from python_calamine import CalamineWorkbook

    path = Path(path)
    problems: list[Problem] = []
    if not path.is_file():
        raise CatalogueInvalid(str(path), [Problem("", None, "文件不存在")])
    # The same stdlib pre-check as for district files: python-calamine aborts the whole process on some
    # legal workbooks (a far-away cell), and a hand-edited catalogue can carry one too.
    from reporttool.core.models import ReadRefused
    from reporttool.core.safety import precheck

    try:
        precheck(path)
    except ReadRefused as exc:
        raise CatalogueInvalid(str(path), [Problem("", None, exc.finding.message)]) from None
    try:
        wb = CalamineWorkbook.from_path(str(path))
        sheets = {}
        for name, columns in ((SHEET_SETTINGS, SETTINGS_COLUMNS), (SHEET_DISTRICTS, DISTRICT_COLUMNS),
                              (SHEET_CLUSTERS, CLUSTER_COLUMNS), (SHEET_INDICATORS, INDICATOR_COLUMNS),
                              (SHEET_TARGETS, TARGET_COLUMNS)):
            if name not in wb.sheet_names:
                problems.append(Problem(name, None, "缺少此工作表"))
                continue
            sheet = wb.get_sheet_by_name(name)
            rows = [[_cell(v) for v in row] for row in sheet.to_python(skip_empty_area=False)]
            sheets[name] = _read_sheet(rows, name, columns, problems, OPTIONAL.get(name, ()))
        for opt_name, opt_columns in ((SHEET_UNITS, UNIT_COLUMNS), (SHEET_BASE, BASE_COLUMNS)):  # absent = none
            if opt_name in wb.sheet_names:
                rows = [[_cell(v) for v in row]
                        for row in wb.get_sheet_by_name(opt_name).to_python(skip_empty_area=False)]
                sheets[opt_name] = _read_sheet(rows, opt_name, opt_columns, problems)
    except FileNotFoundError:
        raise CatalogueInvalid(str(path), [Problem("", None, "文件不存在")]) from None
    except Exception:  # noqa: BLE001 - any unreadable workbook is one clear problem
        raise CatalogueInvalid(str(path), [Problem("", None, "文件无法读取（可能已损坏，或不是 Excel 工作簿），"
                                                   "请用 Excel/WPS 打开后另存为 .xlsx")]) from None
    if problems:
        raise CatalogueInvalid(str(path), problems)
    cat = build_catalogue(sheets, problems, str(path))
    if problems:
        raise CatalogueInvalid(str(path), problems)
    return cat


def _cell(v):
    """A calamine value as openpyxl gives it: empty -> None, a whole float -> int (a cell holding 5)."""
    if v == "":
        return None
    if v.__class__ is float and v.is_integer() and abs(v) < 1e15:
        return int(v)
    return v


OPTIONAL = {SHEET_CLUSTERS: CLUSTER_OPTIONAL}  # sheet -> columns that may be absent (read as blank)


def _read_sheet(rows: list[list], name: str, columns: tuple[str, ...],
                problems: list[Problem], optional: tuple[str, ...] = ()) -> list[tuple[int, dict]]:
    """Rows as (row number, {column title: cell value}); the header is the first row holding 代码/项目.

    ``optional`` columns may be missing from the header (a workbook made before they existed): None then."""
    header_idx = None
    for i, row in enumerate(rows[:10]):
        texts = [clean_text(v) for v in row]
        if clean_text(columns[0]) in texts and clean_text(columns[1]) in texts:
            header_idx = i
            break
    if header_idx is None:
        problems.append(Problem(name, None, f"找不到表头（应含“{columns[0]}”“{columns[1]}”等列）"))
        return []
    header = [clean_text(v) for v in rows[header_idx]]
    missing = [c for c in columns if clean_text(c) not in header]
    if missing:
        problems.append(Problem(name, header_idx + 1, "缺少列：" + "、".join(missing)))
        return []
    pos = {c: header.index(clean_text(c)) for c in columns}
    pos.update({c: header.index(clean_text(c)) for c in optional if clean_text(c) in header})
    out = []
    for i, row in enumerate(rows[header_idx + 1:], start=header_idx + 2):
        rec = {c: (row[p] if p < len(row) else None) for c, p in pos.items()}
        rec.update({c: None for c in optional if c not in pos})
        if all(v is None or clean_text(v) == "" for v in rec.values()):
            continue
        first = clean_text(rec[columns[0]])
        if first.startswith("注") or first.startswith("#"):
            continue  # notes under the table
        out.append((i, rec))
    return out


def build_catalogue(sheets: dict[str, list[tuple[int, dict]]], problems: list[Problem],
                    path: str = "") -> Catalogue:
    """Turn the sheets' rows into a Catalogue, appending every problem found to ``problems``."""
    settings = _build_settings(sheets[SHEET_SETTINGS], problems)
    districts = _build_districts(sheets[SHEET_DISTRICTS], problems)
    clusters = _build_clusters(sheets[SHEET_CLUSTERS], problems, {d.code for d in districts})
    units = _build_units(sheets.get(SHEET_UNITS, []), problems)
    table = dict(BUILTIN_UNITS)
    table.update({u.unit: (u.dimension, u.factor) for u in units})
    indicators = _build_indicators(sheets[SHEET_INDICATORS], [c.code for c in clusters], problems, table)
    _check_headlines(sheets[SHEET_CLUSTERS], clusters, indicators, problems)
    targets = build_targets(sheets[SHEET_TARGETS], districts, clusters, indicators, problems)
    base = build_base(sheets.get(SHEET_BASE, []), districts, clusters, indicators, problems)
    targets = with_base_values(targets, base)
    return Catalogue(settings, tuple(districts), tuple(clusters), tuple(indicators), tuple(targets), path,
                     units=tuple(units), base=tuple(base))


def _check_headlines(rows, clusters, indicators, problems) -> None:
    """集群.主要指标 must be an indicator the cluster reports that is compared with 时序进度 (a flow)."""
    by_code = {c.code: c for c in clusters}
    inds = {i.code: i for i in indicators}
    for n, rec in rows:
        c = by_code.get(clean_text(rec["代码"]))
        if c is None or not c.headline:
            continue
        ind = inds.get(c.headline)
        if ind is None or c.code not in ind.clusters:
            problems.append(Problem(SHEET_CLUSTERS, n, f"“主要指标”“{c.headline}”不是本集群报送的指标（见“指标”表“适用集群”）"))
        elif not ind.compare_time:
            problems.append(Problem(SHEET_CLUSTERS, n, f"“主要指标”“{c.headline}”不对比时序进度（户数、占比等），"
                                                       "不能作为完成率图中的主要指标"))


def _build_units(rows, problems) -> list[UnitDef]:
    """The 单位 sheet: units added to the built-in ones (a built-in unit listed here is redefined)."""
    out: list[tuple[int, UnitDef]] = []
    for n, rec in rows:
        unit = tidy(rec["单位"])
        dim = tidy(rec["量纲"])
        if not unit:
            problems.append(Problem(SHEET_UNITS, n, "“单位”不能为空"))
            continue
        if not dim:
            problems.append(Problem(SHEET_UNITS, n, f"单位“{unit}”须填写“量纲”（同一量纲的单位之间才能换算，"
                                                    "如 车辆、人民币、美元）"))
            continue
        factor = dec_cell(rec, "换算系数", SHEET_UNITS, n, problems)
        if factor is None or factor <= 0:
            if factor is not None or clean_text(rec["换算系数"]) == "":
                problems.append(Problem(SHEET_UNITS, n, f"单位“{unit}”的“换算系数”应为正数（1{unit}等于多少个"
                                                        "该量纲的基本单位，如 万辆 填 10000）"))
            continue
        out.append((n, UnitDef(unit, dim, factor, tidy(rec["说明"]))))
    check_unique([(n, u.unit) for n, u in out], SHEET_UNITS, problems, "单位")
    return [u for _, u in out]


def _build_settings(rows, problems) -> Settings:
    values: dict = {}
    seen: set[str] = set()
    labels = {clean_text(k): k for k in SETTING_LABELS}
    for n, rec in rows:
        label = labels.get(clean_text(rec["项目"]), clean_text(rec["项目"]))
        if label not in SETTING_LABELS:
            problems.append(Problem(SHEET_SETTINGS, n, f"未知的设置项“{label}”"))
            continue
        if label in seen:
            problems.append(Problem(SHEET_SETTINGS, n, f"设置项“{label}”重复"))
            continue
        seen.add(label)
        fname, kind = SETTING_LABELS[label]
        raw = rec["值"]
        if kind == "text":
            values[fname] = tidy(raw)
        elif kind == "first":
            text = clean_text(raw)
            if text not in ("首行", "末行", ""):
                problems.append(Problem(SHEET_SETTINGS, n, f"合计行位置应为“首行”或“末行”，现为“{text}”"))
            values[fname] = text != "末行"
        else:
            try:
                number = to_decimal(raw)
            except ValueError:
                problems.append(Problem(SHEET_SETTINGS, n, f"“{label}”应为数字，现为“{clean_text(raw)}”"))
                continue
            if number is None:
                continue
            if kind == "int":
                if number != number.to_integral_value() or number < 0:
                    problems.append(Problem(SHEET_SETTINGS, n, f"“{label}”应为非负整数"))
                    continue
                values[fname] = int(number)
            else:
                values[fname] = number
    for label in REQUIRED_SETTINGS:
        fname = SETTING_LABELS[label][0]
        if not values.get(fname):
            problems.append(Problem(SHEET_SETTINGS, None, f"缺少必填设置项“{label}”"))
            values[fname] = ""
    region = re.sub(r"\.0$", "", str(values.get("region_code") or "").strip())
    if region and not re.fullmatch(r"\d{6}", region):
        problems.append(Problem(SHEET_SETTINGS, None, f"“行政区划代码”应为6位数字（如420607），现为“{region}”"))
    values["region_code"] = region if re.fullmatch(r"\d{6}", region) else ""
    day = values.get("deadline_day")
    if day is not None and not 1 <= day <= 28:
        problems.append(Problem(SHEET_SETTINGS, None, "报送截止日应在1至28之间"))
    for fname, label in (("quarter_deadline_day", "季报截止日"), ("annual_deadline_day", "年报截止日")):
        if values.get(fname) and not 1 <= values[fname] <= 28:
            problems.append(Problem(SHEET_SETTINGS, None, f"{label}应在1至28之间（0或留空同报送截止日）"))
    cycle = values.get("report_cycle")
    if cycle is not None:
        cycle = {"": "月", "月报": "月", "季报": "季", "按月": "月", "按季": "季"}.get(cycle, cycle)
        if cycle not in ("月", "季"):
            problems.append(Problem(SHEET_SETTINGS, None, f"报送周期应为“月”或“季”，现为“{values['report_cycle']}”"))
        values["report_cycle"] = cycle
    if any(values.get(f) is not None and values[f] < 0 for f in
           ("score_weight_completion", "score_weight_growth", "score_weight_on_time", "score_weight_fixed")):
        problems.append(Problem(SHEET_SETTINGS, None, "考核权重不能为负数"))
    if values.get("score_min_results") is not None and values["score_min_results"] > 2:
        problems.append(Problem(SHEET_SETTINGS, None, f"考核排名最少结果项应为0、1或2（“目标完成”“增长”两项中至少计入"
                                                      f"几项才排名），现为{values['score_min_results']}"))
    return Settings(**values)


def _build_districts(rows, problems) -> list[District]:
    out = []
    for n, rec in rows:
        code = code_cell(rec, "代码", SHEET_DISTRICTS, n, problems)
        name = tidy(rec["名称"])
        if not name:
            problems.append(Problem(SHEET_DISTRICTS, n, "“名称”不能为空"))
        out.append((n, District(code, name, tidy(rec["类型"]),
                                int_cell(rec, "顺序", SHEET_DISTRICTS, n, problems, n))))
    check_unique([(n, d.code) for n, d in out], SHEET_DISTRICTS, problems)
    check_unique([(n, d.name) for n, d in out], SHEET_DISTRICTS, problems, "名称")
    if not out:
        problems.append(Problem(SHEET_DISTRICTS, None, "至少需要一个县区"))
    return [d for _, d in sorted(out, key=lambda x: (x[1].order, x[0]))]


def _build_clusters(rows, problems, district_codes: set[str] | None = None) -> list[Cluster]:
    out = []
    for n, rec in rows:
        code = code_cell(rec, "代码", SHEET_CLUSTERS, n, problems)
        name = tidy(rec["名称"])
        if not name:
            problems.append(Problem(SHEET_CLUSTERS, n, "“名称”不能为空"))
        short = tidy(rec["简称"]) or name.removesuffix("产业集群")
        out.append((n, Cluster(
            code, name, short, tidy(rec["层级"]), int_cell(rec, "顺序", SHEET_CLUSTERS, n, problems, n),
            split_list(rec["牵头单位"]), _leaders(rec["责任领导"]), split_list(rec["龙头企业"]),
            split_list(rec["园区"]), _hosts(rec.get("所在县区"), n, district_codes, problems),
            yes_no(rec, "计入合计", SHEET_CLUSTERS, n, problems, True), clean_text(rec.get("主要指标")))))
    check_unique([(n, c.code) for n, c in out], SHEET_CLUSTERS, problems)
    check_unique([(n, c.name) for n, c in out], SHEET_CLUSTERS, problems, "名称")
    if not out:
        problems.append(Problem(SHEET_CLUSTERS, None, "至少需要一个集群"))
    return [c for _, c in sorted(out, key=lambda x: (x[1].order, x[0]))]


def _hosts(value, n: int, district_codes: set[str] | None, problems: list[Problem]) -> tuple[str, ...]:
    """所在县区: district codes separated by 、; blank or 全部 = every district."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(int(value))
    codes = tuple(clean_text(c) for c in split_list(value))
    if not codes or ALL in codes:
        return ()
    for c in codes:
        if district_codes is not None and c not in district_codes:
            problems.append(Problem(SHEET_CLUSTERS, n, f"“所在县区”中的县区代码“{c}”在“县区”表中不存在"
                                                       "（多个代码用“、”分隔，全部县区留空或填“全部”）"))
    return tuple(dict.fromkeys(codes))


def _leaders(value) -> tuple[str, ...]:
    """责任领导: one leader per line or separated by ；(a title may itself contain 、)."""
    if value is None:
        return ()
    text = str(value).replace("；", "\n").replace(";", "\n")
    return tuple(" ".join(p.split()) for p in text.splitlines() if p.strip())


def _build_indicators(rows, cluster_codes: list[str], problems, table=None) -> list[Indicator]:
    table = BUILTIN_UNITS if table is None else table
    out: list[tuple[int, Indicator]] = []
    for n, rec in rows:
        code = code_cell(rec, "代码", SHEET_INDICATORS, n, problems)
        name = tidy(rec["名称"])
        if not name:
            problems.append(Problem(SHEET_INDICATORS, n, "“名称”不能为空"))
        unit = tidy(rec["单位"])
        form_unit = tidy(rec["填报单位"]) or unit
        if not unit:
            problems.append(Problem(SHEET_INDICATORS, n, "“单位”不能为空"))
        else:
            got = conversion(form_unit, unit, table)
            if isinstance(got, str):
                problems.append(Problem(SHEET_INDICATORS, n, f"不知道如何把填报单位“{form_unit}”换算为“{unit}”：{got}"))
        source_label = clean_text(rec["来源"])
        source = SOURCE_LABELS.get(source_label)
        if source is None:
            problems.append(Problem(SHEET_INDICATORS, n, f"“来源”应为{'/'.join(SOURCE_LABELS)}之一，"
                                                         f"现为“{source_label}”"))
            source = SOURCE_OUTPUT
        measure = clean_text(rec["汇总口径"])
        if source == SOURCE_ROSTER and measure not in ROSTER_MEASURES:
            problems.append(Problem(SHEET_INDICATORS, n, f"来源为企业名录时“汇总口径”应为{'/'.join(ROSTER_MEASURES)}之一"))
        if source == SOURCE_OUTPUT and measure and measure not in ROSTER_MEASURES[:2]:
            problems.append(Problem(SHEET_INDICATORS, n, "来源为集群产出时“汇总口径”可留空，或填营业收入合计/工业总产值合计"
                                                         "（表示企业名录该项之和不应超过本指标）"))
        if source == SOURCE_PROJECTS and measure not in PROJECT_MEASURES:
            problems.append(Problem(SHEET_INDICATORS, n, f"来源为投资项目时“汇总口径”应为{'/'.join(PROJECT_MEASURES)}之一"))
        formula = clean_text(rec["计算公式"])
        if source == SOURCE_FORMULA and not formula:
            problems.append(Problem(SHEET_INDICATORS, n, "来源为“计算”时须填写“计算公式”"))
        applies = split_list(rec["适用集群"])
        if not applies:
            problems.append(Problem(SHEET_INDICATORS, n, "“适用集群”不能为空（全部集群填“全部”）"))
        programme = PROGRAMME in applies
        clusters: tuple[str, ...]
        if programme:
            clusters = ()
            if len(applies) > 1:
                problems.append(Problem(SHEET_INDICATORS, n, "“适用集群”填“合计”时不能再填集群代码"))
            if source not in (SOURCE_OUTPUT, SOURCE_FORMULA):
                problems.append(Problem(SHEET_INDICATORS, n, "“适用集群”为“合计”的指标，来源应为集群产出（各县区不分集群"
                                                             "填报一次，如规上工业总产值）或计算（如集群产值占比）"))
        elif ALL in applies:
            clusters = tuple(cluster_codes)  # catalogue order
        else:
            clusters = applies
            for c in applies:
                if c not in cluster_codes:
                    problems.append(Problem(SHEET_INDICATORS, n, f"“适用集群”中的集群代码“{c}”在“集群”表中不存在"))
        summable = yes_no(rec, "可跨县区加总", SHEET_INDICATORS, n, problems, table.get(unit, ("",))[0] != "比率")
        decimals = int_cell(rec, "小数位", SHEET_INDICATORS, n, problems, 2)
        compare = yes_no(rec, "对比时序进度", SHEET_INDICATORS, n, problems, summable and source != SOURCE_FORMULA)
        out.append((n, Indicator(code, name, unit, form_unit, source, summable, clusters, measure, formula,
                                 decimals, compare, int_cell(rec, "顺序", SHEET_INDICATORS, n, problems, n),
                                 programme)))
    check_unique([(n, i.code) for n, i in out], SHEET_INDICATORS, problems)
    codes = {i.code for _, i in out}
    for n, ind in out:
        if ind.source == SOURCE_FORMULA and ind.formula:
            try:
                refs = formula_refs(ind.formula)
            except ValueError as exc:
                problems.append(Problem(SHEET_INDICATORS, n, f"计算公式“{ind.formula}”无法识别：{exc}"))
                continue
            for r in refs:
                if r not in codes:
                    problems.append(Problem(SHEET_INDICATORS, n, f"计算公式引用的指标代码“{r}”不存在"))
                elif r == ind.code:
                    problems.append(Problem(SHEET_INDICATORS, n, "计算公式不能引用指标自身"))
            if all(r in codes and r != ind.code for r in refs):
                _check_formula_unit(n, ind, {i.code: i.unit for _, i in out}, table, problems)
            by = {i.code: i for _, i in out}
            for r in refs:
                part = by.get(r)
                if ind.programme and part is not None and not part.summable:
                    problems.append(Problem(SHEET_INDICATORS, n, f"“合计”层级的计算公式只能用可加总的指标，“{r}”不可跨县区加总"))
                if not ind.programme and part is not None and part.programme:
                    problems.append(Problem(SHEET_INDICATORS, n, f"集群指标的计算公式不能引用“合计”层级的指标“{r}”"
                                                                 "（请把本指标的“适用集群”也填为“合计”）"))
    _check_stand_ins(out, problems)
    order = [i for _, i in sorted(out, key=lambda x: (x[1].order, x[0]))]
    # Formula indicators are ordered so that every formula comes after what it uses (and cycles found).
    by_code = {i.code: i for i in order}
    for n, ind in out:
        if ind.source == SOURCE_FORMULA and _has_cycle(ind.code, by_code):
            problems.append(Problem(SHEET_INDICATORS, n, f"计算公式存在循环引用（{ind.code}）"))
    return order


def _check_stand_ins(out: list[tuple[int, Indicator]], problems) -> None:
    """A 计算 indicator's 汇总口径 names the indicator whose programme 合计 it counts in for its clusters (集群产值
    （四项合计） in 产值's 合计): that indicator must exist, be summable, in the same unit, not computed itself,
    and not reported by those clusters too (it would be counted twice)."""
    by = {i.code: i for _, i in out}
    for n, ind in out:
        if ind.source != SOURCE_FORMULA or not ind.roster_measure:
            continue
        target = by.get(ind.roster_measure)
        if target is None:
            problems.append(Problem(SHEET_INDICATORS, n, f"来源为计算时“汇总口径”可留空，或填本指标计入其合计的指标代码；"
                                                         f"“{ind.roster_measure}”不是“指标”表中的代码"))
        elif target.source == SOURCE_FORMULA or target.programme or not target.summable or not ind.summable:
            problems.append(Problem(SHEET_INDICATORS, n, f"“汇总口径”“{target.code}”须为可跨县区加总、非计算、非“合计”层级的"
                                                         "指标，本指标也须可加总"))
        elif target.unit != ind.unit:
            problems.append(Problem(SHEET_INDICATORS, n, f"“汇总口径”“{target.code}”的单位“{target.unit}”与本指标的"
                                                         f"“{ind.unit}”不同，不能计入其合计"))
        elif both := [c for c in ind.clusters if c in target.clusters]:
            problems.append(Problem(SHEET_INDICATORS, n, f"集群{'、'.join(both)}同时报送“{target.code}”，本指标再计入其合计"
                                                         "会重复计算（请清空“汇总口径”）"))


def _check_formula_unit(n: int, ind: Indicator, units: dict[str, str], table, problems) -> None:
    """A sum of parts must add like with like (亿元 + 亿元, never 亿元 + 亿美元) and give the indicator's unit."""
    try:
        got = formula_unit(ind.formula, units, table)
    except ValueError as exc:
        problems.append(Problem(SHEET_INDICATORS, n, f"计算公式“{ind.formula}”{exc}"))
        return
    if got is not None and got != ind.unit:
        problems.append(Problem(SHEET_INDICATORS, n, f"计算公式“{ind.formula}”的结果单位是“{got}”，"
                                                     f"与本指标的“单位”“{ind.unit}”不同"))


def _has_cycle(start: str, by_code: dict[str, Indicator]) -> bool:
    stack, seen = [start], set()
    while stack:
        code = stack.pop()
        ind = by_code.get(code)
        if ind is None or ind.source != SOURCE_FORMULA:
            continue
        try:
            refs = formula_refs(ind.formula)
        except ValueError:
            return False
        for r in refs:
            if r == start:
                return True
            if r not in seen:
                seen.add(r)
                stack.append(r)
    return False
