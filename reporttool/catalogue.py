"""The targets catalogue: clusters, districts, indicators and targets, from templates/targets.xlsx.

Bureau staff maintain that workbook in Excel/WPS; this module reads and validates it and answers
"what is the target of cluster C for indicator I in year Y" (explicit, or derived and marked so).
The sheet and column titles below are the file's contract; docs/config.md documents each one.
"""
from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass, field, replace
from decimal import Decimal, localcontext
from pathlib import Path

from reporttool.models import (
    SOURCE_FORMULA,
    SOURCE_OUTPUT,
    SOURCE_PROJECTS,
    SOURCE_ROSTER,
    TARGET_ANNUAL,
    TARGET_BASE_MULTIPLE,
    TARGET_GROWTH,
    Cluster,
    District,
    Indicator,
    ResolvedTarget,
    Settings,
    Target,
)
from reporttool.units import clean_text, known_conversion, split_list, tidy, to_decimal

ALL = "全部"  # in 适用集群: every cluster; in 目标.集群代码: the whole programme

SOURCE_LABELS = {
    "集群产出": SOURCE_OUTPUT,
    "企业名录": SOURCE_ROSTER,
    "投资项目": SOURCE_PROJECTS,
    "计算": SOURCE_FORMULA,
}
TARGET_LABELS = {"年度目标": TARGET_ANNUAL, "基期倍数": TARGET_BASE_MULTIPLE, "增速目标": TARGET_GROWTH}

# Roll-up measures an indicator may take from the roster or the projects (汇总口径).
ROSTER_MEASURES = ("营业收入合计", "工业总产值合计", "规上企业户数", "企业户数", "从业人员合计")
PROJECT_MEASURES = ("本年完成投资", "本年计划投资", "总投资", "项目个数")

# 设置 sheet: label -> (field, kind). Kinds: text, int, dec, bool_first.
SETTING_LABELS: dict[str, tuple[str, str]] = {
    "城市": ("city", "text"),
    "编发单位": ("issuing_unit", "text"),
    "简报名称": ("bulletin_name", "text"),
    "集群工作名称": ("programme_name", "text"),
    "报送截止日": ("deadline_day", "int"),
    "滞后阈值（百分点）": ("lag_threshold", "dec"),
    "同比核实阈值（%）": ("yoy_threshold", "dec"),
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
}
REQUIRED_SETTINGS = ("城市", "编发单位", "简报名称")

SHEET_SETTINGS = "设置"
SHEET_DISTRICTS = "县区"
SHEET_CLUSTERS = "集群"
SHEET_INDICATORS = "指标"
SHEET_TARGETS = "目标"

DISTRICT_COLUMNS = ("代码", "名称", "类型", "顺序")
CLUSTER_COLUMNS = ("代码", "名称", "简称", "层级", "顺序", "牵头单位", "责任领导", "龙头企业", "园区")
INDICATOR_COLUMNS = ("代码", "名称", "单位", "填报单位", "来源", "可跨县区加总", "适用集群", "汇总口径",
                     "计算公式", "小数位", "对比时序进度", "顺序")
TARGET_COLUMNS = ("集群代码", "指标代码", "县区代码", "目标类型", "目标年", "目标值", "年均增长率（%）",
                  "基期年", "基期值", "倍数", "说明")
SETTINGS_COLUMNS = ("项目", "值", "说明")

_CODE_RE = re.compile(r"^[A-Za-z0-9_]+$")
_FORMULA_TOKEN = re.compile(r"\s*(?:(\d+(?:\.\d+)?)|([A-Za-z_][A-Za-z0-9_]*)|(.))")


@dataclass(frozen=True)
class Problem:
    """One problem in the catalogue workbook."""

    sheet: str
    row: int | None
    reason: str

    def __str__(self) -> str:
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

    # ---- lookups -------------------------------------------------------------------------------
    def district(self, code: str) -> District | None:
        return next((d for d in self.districts if d.code == code), None)

    def cluster(self, code: str) -> Cluster | None:
        return next((c for c in self.clusters if c.code == code), None)

    def indicator(self, code: str) -> Indicator | None:
        return next((i for i in self.indicators if i.code == code), None)

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

    def indicators_for(self, cluster_code: str) -> list[Indicator]:
        """The cluster's indicators in catalogue order."""
        return [i for i in self.indicators if cluster_code in i.clusters]

    def output_indicators_for(self, cluster_code: str) -> list[Indicator]:
        """What the district reports on the 集群产出 sheet for this cluster."""
        return [i for i in self.indicators_for(cluster_code) if i.source == SOURCE_OUTPUT]

    def summable_codes(self) -> set[str]:
        return {i.code for i in self.indicators if i.summable}

    # ---- targets --------------------------------------------------------------------------------
    def target_for(self, cluster: str, indicator: str, year: int, district: str = "") -> ResolvedTarget | None:
        """The target of ``cluster`` ("" = whole programme) × ``indicator`` for ``year``.

        Explicit year first; else derived from a plan-year target with a growth rate, or from a
        base-year value × multiple (geometric interpolation between base year and target year).
        Returns None when the catalogue has no target for the pair.
        """
        rows = [t for t in self.targets if t.cluster == cluster and t.indicator == indicator
                and t.district == district]
        if not rows:
            return None
        for t in rows:
            if t.kind == TARGET_GROWTH and (t.year == year or not t.year):
                return ResolvedTarget(None, False, t.kind, t.growth_rate, t.note,
                                      f"增速目标{_num(t.growth_rate)}%")
        for t in rows:
            if t.year == year and t.kind == TARGET_ANNUAL:
                return ResolvedTarget(t.value, False, t.kind, t.growth_rate, t.note)
            if t.year == year and t.kind == TARGET_BASE_MULTIPLE:
                if t.base_value is None:
                    return ResolvedTarget(None, False, t.kind, None, t.note,
                                          f"以{t.base_year}年为基期的倍数目标，基期值未填")
                return ResolvedTarget(t.base_value * t.multiple, False, t.kind, None, t.note,
                                      f"{t.base_year}年基期值{_num(t.base_value)}×{_num(t.multiple)}")
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
                    value = t.base_value * (t.multiple.ln() * share).exp()
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


def _num(value: Decimal | None) -> str:
    if value is None:
        return "—"
    s = f"{value:f}"
    return s.rstrip("0").rstrip(".") if "." in s else s


# ==================================================================================================
# Loading
# ==================================================================================================


def load_catalogue(path: str | Path) -> Catalogue:
    """Read and validate templates/targets.xlsx. Raises CatalogueInvalid listing every problem."""
    from openpyxl import load_workbook  # openpyxl parses via defusedxml when it is installed

    path = Path(path)
    problems: list[Problem] = []
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except FileNotFoundError:
        raise CatalogueInvalid(str(path), [Problem(path.name, None, "文件不存在")]) from None
    except Exception as exc:  # noqa: BLE001 - any unreadable workbook is one clear problem
        raise CatalogueInvalid(str(path), [Problem(path.name, None, f"无法读取（{type(exc).__name__}），"
                                                   "请确认是用 Excel/WPS 保存的 .xlsx 文件")]) from None
    try:
        sheets = {}
        for name, columns in ((SHEET_SETTINGS, SETTINGS_COLUMNS), (SHEET_DISTRICTS, DISTRICT_COLUMNS),
                              (SHEET_CLUSTERS, CLUSTER_COLUMNS), (SHEET_INDICATORS, INDICATOR_COLUMNS),
                              (SHEET_TARGETS, TARGET_COLUMNS)):
            if name not in wb.sheetnames:
                problems.append(Problem(name, None, "缺少此工作表"))
                continue
            sheets[name] = _read_sheet(wb[name], name, columns, problems)
    finally:
        wb.close()
    if problems:
        raise CatalogueInvalid(str(path), problems)
    cat = build_catalogue(sheets, problems, str(path))
    if problems:
        raise CatalogueInvalid(str(path), problems)
    return cat


def _read_sheet(ws, name: str, columns: tuple[str, ...], problems: list[Problem]) -> list[tuple[int, dict]]:
    """Rows as (row number, {column title: cell value}); the header is the first row holding 代码/项目."""
    rows = list(ws.iter_rows(values_only=True))
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
    out = []
    for i, row in enumerate(rows[header_idx + 1:], start=header_idx + 2):
        rec = {c: (row[p] if p < len(row) else None) for c, p in pos.items()}
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
    clusters = _build_clusters(sheets[SHEET_CLUSTERS], problems)
    indicators = _build_indicators(sheets[SHEET_INDICATORS], [c.code for c in clusters], problems)
    targets = _build_targets(sheets[SHEET_TARGETS], districts, clusters, indicators, problems)
    return Catalogue(settings, tuple(districts), tuple(clusters), tuple(indicators), tuple(targets), path)


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
    day = values.get("deadline_day")
    if day is not None and not 1 <= day <= 28:
        problems.append(Problem(SHEET_SETTINGS, None, "报送截止日应在1至28之间"))
    return Settings(**values)


def _code(rec, col, sheet, n, problems) -> str:
    code = clean_text(rec[col])
    if isinstance(rec[col], float) and rec[col].is_integer():
        code = str(int(rec[col]))
    if not code:
        problems.append(Problem(sheet, n, f"“{col}”不能为空"))
    elif not _CODE_RE.match(code):
        problems.append(Problem(sheet, n, f"代码“{code}”只能由字母、数字和下划线组成"))
    return code


def _int(rec, col, sheet, n, problems, default=0) -> int:
    try:
        v = to_decimal(rec[col])
    except ValueError:
        problems.append(Problem(sheet, n, f"“{col}”应为整数，现为“{clean_text(rec[col])}”"))
        return default
    if v is None:
        return default
    if v != v.to_integral_value():
        problems.append(Problem(sheet, n, f"“{col}”应为整数，现为“{v}”"))
        return default
    return int(v)


def _dec(rec, col, sheet, n, problems) -> Decimal | None:
    try:
        return to_decimal(rec[col])
    except ValueError:
        problems.append(Problem(sheet, n, f"“{col}”应为数字，现为“{clean_text(rec[col])}”"))
        return None


def _unique(items, sheet, problems, what="代码"):
    seen = {}
    for n, code in items:
        if code and code in seen:
            problems.append(Problem(sheet, n, f"{what}“{code}”与第{seen[code]}行重复"))
        seen.setdefault(code, n)


def _build_districts(rows, problems) -> list[District]:
    out = []
    for n, rec in rows:
        code = _code(rec, "代码", SHEET_DISTRICTS, n, problems)
        name = tidy(rec["名称"])
        if not name:
            problems.append(Problem(SHEET_DISTRICTS, n, "“名称”不能为空"))
        out.append((n, District(code, name, tidy(rec["类型"]),
                                _int(rec, "顺序", SHEET_DISTRICTS, n, problems, n))))
    _unique([(n, d.code) for n, d in out], SHEET_DISTRICTS, problems)
    _unique([(n, d.name) for n, d in out], SHEET_DISTRICTS, problems, "名称")
    if not out:
        problems.append(Problem(SHEET_DISTRICTS, None, "至少需要一个县区"))
    return [d for _, d in sorted(out, key=lambda x: (x[1].order, x[0]))]


def _build_clusters(rows, problems) -> list[Cluster]:
    out = []
    for n, rec in rows:
        code = _code(rec, "代码", SHEET_CLUSTERS, n, problems)
        name = tidy(rec["名称"])
        if not name:
            problems.append(Problem(SHEET_CLUSTERS, n, "“名称”不能为空"))
        short = tidy(rec["简称"]) or name.removesuffix("产业集群")
        out.append((n, Cluster(
            code, name, short, tidy(rec["层级"]), _int(rec, "顺序", SHEET_CLUSTERS, n, problems, n),
            split_list(rec["牵头单位"]), _leaders(rec["责任领导"]), split_list(rec["龙头企业"]),
            split_list(rec["园区"]))))
    _unique([(n, c.code) for n, c in out], SHEET_CLUSTERS, problems)
    _unique([(n, c.name) for n, c in out], SHEET_CLUSTERS, problems, "名称")
    if not out:
        problems.append(Problem(SHEET_CLUSTERS, None, "至少需要一个集群"))
    return [c for _, c in sorted(out, key=lambda x: (x[1].order, x[0]))]


def _leaders(value) -> tuple[str, ...]:
    """责任领导: one leader per line or separated by ；(a title may itself contain 、)."""
    if value is None:
        return ()
    text = str(value).replace("；", "\n").replace(";", "\n")
    return tuple(" ".join(p.split()) for p in text.splitlines() if p.strip())


def _yes(value, default: bool) -> bool:
    text = clean_text(value)
    if not text:
        return default
    return text in ("是", "Y", "y", "yes", "1", "TRUE", "True", "true")


def _build_indicators(rows, cluster_codes: list[str], problems) -> list[Indicator]:
    out: list[tuple[int, Indicator]] = []
    for n, rec in rows:
        code = _code(rec, "代码", SHEET_INDICATORS, n, problems)
        name = tidy(rec["名称"])
        if not name:
            problems.append(Problem(SHEET_INDICATORS, n, "“名称”不能为空"))
        unit = tidy(rec["单位"])
        form_unit = tidy(rec["填报单位"]) or unit
        if not unit:
            problems.append(Problem(SHEET_INDICATORS, n, "“单位”不能为空"))
        elif not known_conversion(form_unit, unit):
            problems.append(Problem(SHEET_INDICATORS, n, f"不知道如何把填报单位“{form_unit}”换算为“{unit}”"))
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
        if ALL in applies:
            clusters = tuple(cluster_codes)  # catalogue order
        else:
            clusters = applies
            for c in applies:
                if c not in cluster_codes:
                    problems.append(Problem(SHEET_INDICATORS, n, f"“适用集群”中的集群代码“{c}”在“集群”表中不存在"))
        summable = _yes(rec["可跨县区加总"], unit != "%")
        decimals = _int(rec, "小数位", SHEET_INDICATORS, n, problems, 2)
        compare = _yes(rec["对比时序进度"], summable and source != SOURCE_FORMULA)
        out.append((n, Indicator(code, name, unit, form_unit, source, summable, clusters, measure, formula,
                                 decimals, compare, _int(rec, "顺序", SHEET_INDICATORS, n, problems, n))))
    _unique([(n, i.code) for n, i in out], SHEET_INDICATORS, problems)
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
    order = [i for _, i in sorted(out, key=lambda x: (x[1].order, x[0]))]
    # Formula indicators are ordered so that every formula comes after what it uses (and cycles found).
    by_code = {i.code: i for i in order}
    for n, ind in out:
        if ind.source == SOURCE_FORMULA and _has_cycle(ind.code, by_code):
            problems.append(Problem(SHEET_INDICATORS, n, f"计算公式存在循环引用（{ind.code}）"))
    return order


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


def _build_targets(rows, districts, clusters, indicators, problems) -> list[Target]:
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
        if cluster and cluster not in ind.clusters:
            problems.append(Problem(SHEET_TARGETS, n, f"集群“{cluster}”不报送指标“{icode}”（见“指标”表“适用集群”）"))
            continue
        if not cluster and not ind.summable:
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
        year = _int(rec, "目标年", SHEET_TARGETS, n, problems, 0)
        value = _dec(rec, "目标值", SHEET_TARGETS, n, problems)
        rate = _dec(rec, "年均增长率（%）", SHEET_TARGETS, n, problems)
        base_year = _int(rec, "基期年", SHEET_TARGETS, n, problems, 0) or None
        base_value = _dec(rec, "基期值", SHEET_TARGETS, n, problems)
        multiple = _dec(rec, "倍数", SHEET_TARGETS, n, problems)
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
        out.append((n, Target(cluster, icode, kind, year, value, rate, base_year, base_value, multiple,
                              district, tidy(rec["说明"]), n)))
    seen: dict[tuple, int] = {}
    for n, t in out:
        key = (t.cluster, t.indicator, t.district, t.year)
        if key in seen:
            problems.append(Problem(SHEET_TARGETS, n, f"与第{seen[key]}行是同一集群、指标、县区和年份的目标，重复"))
        seen.setdefault(key, n)
    return [t for _, t in out]


# ==================================================================================================
# Formulas over indicators: + - * / ( ) numbers and indicator codes. Nothing else, no eval().
# ==================================================================================================


def _tokens(formula: str) -> list[tuple[str, str]]:
    out = []
    pos = 0
    text = formula.strip()
    while pos < len(text):
        m = _FORMULA_TOKEN.match(text, pos)
        if not m or m.end() == pos:
            break
        num, name, op = m.groups()
        pos = m.end()
        if num is not None:
            out.append(("num", num))
        elif name is not None:
            out.append(("name", name))
        elif op is not None and op.strip():
            if op not in "+-*/()":
                raise ValueError(f"不支持的符号“{op}”")
            out.append(("op", op))
    return out


def formula_refs(formula: str) -> list[str]:
    """Indicator codes used by ``formula`` (validates its syntax)."""
    toks = _tokens(formula)
    _Parser(toks, lambda name: Decimal(1)).parse()  # syntax check with dummy values
    return [v for k, v in toks if k == "name"]


def evaluate_formula(formula: str, values: dict[str, Decimal | None]) -> Decimal | None:
    """Evaluate over indicator values. Any missing operand or a division by zero gives None ("—")."""
    def lookup(name: str) -> Decimal:
        v = values.get(name)
        if v is None:
            raise _Missing()
        return v
    try:
        return _Parser(_tokens(formula), lookup).parse()
    except (_Missing, ZeroDivisionError):
        return None


class _Missing(Exception):
    pass


class _Parser:
    """Recursive descent: expr := term (('+'|'-') term)*; term := factor (('*'|'/') factor)*."""

    def __init__(self, toks, lookup):
        self.toks, self.i, self.lookup = toks, 0, lookup

    def parse(self) -> Decimal:
        if not self.toks:
            raise ValueError("公式为空")
        v = self.expr()
        if self.i != len(self.toks):
            raise ValueError("公式多余的内容")
        return v

    def peek(self):
        return self.toks[self.i] if self.i < len(self.toks) else (None, None)

    def expr(self):
        v = self.term()
        while self.peek() in (("op", "+"), ("op", "-")):
            op = self.toks[self.i][1]
            self.i += 1
            r = self.term()
            v = v + r if op == "+" else v - r
        return v

    def term(self):
        v = self.factor()
        while self.peek() in (("op", "*"), ("op", "/")):
            op = self.toks[self.i][1]
            self.i += 1
            r = self.factor()
            if op == "*":
                v = v * r
            else:
                if r == 0:
                    raise ZeroDivisionError
                v = v / r
        return v

    def factor(self):
        kind, val = self.peek()
        if kind is None:
            raise ValueError("公式不完整")
        self.i += 1
        if kind == "num":
            return Decimal(val)
        if kind == "name":
            return self.lookup(val)
        if val == "(":
            v = self.expr()
            if self.peek() != ("op", ")"):
                raise ValueError("括号不匹配")
            self.i += 1
            return v
        if val == "-":
            return -self.factor()
        raise ValueError(f"此处不应出现“{val}”")


def with_settings(cat: Catalogue, **changes) -> Catalogue:
    """A copy of ``cat`` with some settings changed (tests, demo)."""
    return replace(cat, settings=replace(cat.settings, **changes), _index={})
