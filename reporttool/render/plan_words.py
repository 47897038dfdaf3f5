"""The words for plan progress across years (multi-year targets, figures/plan.py).

One place for both documents: the 总表's 规划期目标 rows (``label``, ``note_text``) and the brief's
sentence (``sentence``) say the same thing from the same PlanProgressFigure, formatted by core.fmt.
"""
from __future__ import annotations

from decimal import Decimal

from reporttool.catalogue import Catalogue
from reporttool.core import fmt
from reporttool.core.models import TARGET_CUMULATIVE, Indicator
from reporttool.figures.records import PlanProgressFigure, PlanYear

_DIGITS = "零一二三四五六七八九十"


def _span(n: int) -> str:
    """三年 for 3 (the plan's own wording: 三年累计, 三年新增); 12年 beyond ten."""
    return f"{_DIGITS[n]}年" if n <= 10 else f"{n}年"


def range_text(f: PlanProgressFigure) -> str:
    return f"{f.start}—{f.end}年"


def elapsed_text(f: PlanProgressFigure) -> str:
    """已过2年6个月 / 已过6个月 / 已满3年 (the plan time at the end of the period)."""
    months = int((f.elapsed * 12).to_integral_value())
    if months >= f.span * 12:
        return f"已满{f.span}年"
    years, rest = divmod(months, 12)
    return "已过" + (f"{years}年" if years else "") + (f"{rest}个月" if rest else "")


def _amount(value: Decimal | None, ind: Indicator) -> str:
    return f"{fmt.text(value, ind.decimals)}{ind.unit}"


def _target(f: PlanProgressFigure, ind: Indicator) -> str:
    what = "累计" if f.kind == TARGET_CUMULATIVE else "新增"
    return f"{_span(f.span)}{what}目标{fmt.trim(f.target, ind.decimals)}{ind.unit}"


def _year(y: PlanYear, ind: Indicator, unit: bool = True, total: int = 0, word: str = "县区") -> str:
    """2023年1.20亿元 / 2023年1.30亿元（基期表）/ 2023年13.22亿元（7个县区）: a finished year from the
    ledger names how many districts its December counts when fewer than ``total``."""
    when = f"{y.year}年" if y.month == 12 or y.source != "current" else (
        f"{y.year}年1月" if y.month == 1 else f"{y.year}年1-{y.month}月")
    if y.value is None:
        return f"{when}缺数"
    shown = _amount(y.value, ind) if unit else fmt.text(y.value, ind.decimals)
    few = y.source == "ledger" and 0 < y.districts < total
    return f"{when}{shown}" + ("（基期表）" if y.source == "base" else f"（{y.districts}个{word}）" if few else "")


def label(f: PlanProgressFigure, ind: Indicator) -> str:
    """The 指标 cell of a 规划期目标 row: 集群项目完成投资（2023—2025年累计）."""
    return f"{ind.name}（{range_text(f)}{'累计' if f.kind == TARGET_CUMULATIVE else '新增'}）"


def missing_text(f: PlanProgressFigure, cat: Catalogue) -> str:
    """缺2023年数（台账中无该年12月报表，基期表也未填），暂不计算完成率 ("" when nothing is missing)."""
    if not f.missing and not f.none_now and not f.unlike_base:
        return ""
    parts = []
    if f.unlike_base:  # figures/plan.py: a stated base of other districts than now, none with its own
        base = f.years[0].year
        covered = coverage_text(f, cat)
        parts.append((covered + "；" if covered else "")
                     + f"{base}年末基期数为合计数，没有本期所计{cat.words.unit}各自的基期数（可在目标库“基期”表"
                     f"按{cat.words.unit}填写，或导入{base}年12月报表），不能同口径计算新增")
    if f.missing:
        years = "、".join(f"{y}年" for y in f.missing)
        parts.append(f"缺{years}数（台账中无该年12月{cat.words.unit}报表，目标库“基期”表也未填）")
    if f.none_now:
        parts.append(f"本期各{cat.words.unit}均无此项数据")
    return "，".join(parts) + "，暂不计算完成率"


def coverage_text(f: PlanProgressFigure, cat: Catalogue) -> str:
    """兴城市未报送、龙港区企业名录未填，按其余7个县区计 ("" when every district counts)."""
    if not f.not_reported and not f.no_roster and not f.no_base and not f.base_districts:
        return ""

    def names(codes: tuple[str, ...]) -> str:
        return "、".join(d.name if (d := cat.district(c)) else c for c in codes)

    parts = []
    if f.not_reported:
        parts.append(f"{names(f.not_reported)}本期无可用报表")
    if f.no_roster:
        parts.append(f"{names(f.no_roster)}企业名录未填")
    base = f.years[0].year if f.years else 0
    if f.no_base and not f.unlike_base:  # (with none left, missing_text says the base is a total)
        parts.append(f"{names(f.no_base)}无{base}年末基期数")
    n = f.base_districts or f.covered
    counted = (f"按其余{n}个{cat.words.unit}计" if parts
               else f"按{n}个{cat.words.unit}计")
    same = f"，与其{base}年末同口径比较" if f.base_districts else ""
    return "，".join(parts + [counted]) + same


def parts_text(f: PlanProgressFigure, ind: Indicator, unit: bool = True, word: str = "县区") -> str:
    """2023年120.00亿元、2024年150.00亿元、2025年1-6月60.00亿元 (累计) / 2022年末540户，现602户 (新增);
    without the unit for the 总表, whose 单位 column says it."""
    if f.kind == TARGET_CUMULATIVE:
        return "、".join(_year(y, ind, unit, f.districts, word) for y in f.years)
    base, now = f.years

    def shown(y: PlanYear) -> str:
        if y.value is None:
            return "缺数"
        return (_amount(y.value, ind) if unit else fmt.text(y.value, ind.decimals)) + (
            "（基期表）" if y.source == "base" else "")

    if f.unlike_base:
        return f"{base.year}年末{shown(PlanYear(base.year, f.base_stated, base.source))}（合计），现{shown(now)}"
    if f.base_districts:  # both over the same districts (figures/plan.py), the base as stated beside them
        stated = "" if f.base_stated is None else (
            _amount(f.base_stated, ind) if unit else fmt.text(f.base_stated, ind.decimals))
        return (f"{base.year}年末{shown(base)}，现{shown(now)}（均为同样{f.base_districts}个{word}之和；"
                f"{base.year}年末基期合计{stated}）")
    return f"{base.year}年末{shown(base)}，现{shown(now)}"


def note_text(f: PlanProgressFigure, ind: Indicator, cat: Catalogue) -> str:
    """目标说明 of a 规划期目标 row: the plan time (its % is in the 时序进度 column), the years' values, what is
    missing, the plan's wording."""
    parts = [f"规划期{range_text(f)}{elapsed_text(f)}", parts_text(f, ind, unit=False, word=cat.words.unit)]
    if f.value is not None and (covered := coverage_text(f, cat)):
        parts.append(covered + (f"，{_short(f)}，暂不计算完成率" if f.unjudged else ""))
    if f.missing or f.none_now or f.unlike_base:
        parts.append(missing_text(f, cat))
        if f.partial is not None:
            parts.append(f"已有年份合计{_amount(f.partial, ind)}")
    if f.wording:
        parts.append(f.wording)
    return "；".join(parts)


def _short(f: PlanProgressFigure) -> str:
    """Why a roster count is not judged: 名录不全 (a district out this period), else 基期不全 (a district
    counted now without a base of its own, figures/plan.py)."""
    return "名录不全" if f.not_reported or f.no_roster else "基期不全"


def time_text(f: PlanProgressFigure, cat: Catalogue) -> str:
    """规划期已过2年6个月（时间进度83.3%）."""
    return f"规划期{elapsed_text(f)}（时间进度{fmt.text(f.time_progress, cat.settings.rate_decimals)}%）"


def sentence(f: PlanProgressFigure, ind: Indicator, cat: Catalogue, *, with_time: bool = True) -> str:
    """The brief's clause: 集群项目完成投资2023—2025年累计312.50亿元，完成三年累计目标400亿元的78.1%，
    规划期已过2年6个月（时间进度83.3%），低于时间进度5.2个百分点 (without the plan time when the paragraph
    has said it once for several targets)."""
    rp = cat.settings.rate_decimals
    if f.value is None:
        return f"{ind.name}{_target(f, ind)}：{missing_text(f, cat)}"
    if f.kind == TARGET_CUMULATIVE:
        head = f"{ind.name}{range_text(f)}累计{_amount(f.value, ind)}"
    else:
        base = f.years[0]
        change = (f"新增{_amount(f.value, ind)}" if f.value >= 0
                  else f"减少{_amount(-f.value, ind)}")
        head = f"{ind.name}比{base.year}年末{change}"
    covered = coverage_text(f, cat)
    if f.unjudged:  # a roster count missing districts against a whole-area base: not judged (figures/plan.py)
        text = head + f"（{covered}，{_short(f)}），暂不计算{_target(f, ind)}的完成率"
        return text + ("，" + time_text(f, cat) if with_time else "")
    if covered:
        head += f"（{covered}）"
    if f.value < 0:
        text = head + f"，{_target(f, ind)}尚未起步"
    else:
        text = head + f"，完成{_target(f, ind)}的{fmt.text(f.completion, rp)}%"
    if with_time:
        text += "，" + time_text(f, cat)
    gap = fmt.gap_words(f.gap, rp).replace("时序进度", "时间进度")
    return text + (f"，{gap}" if gap else "")
