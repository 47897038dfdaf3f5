"""The words for a figure's further targets (a growth rate beside a level, the plan-end target).

One place for both documents: the 总表's 目标说明 column (``note_text``) and the brief's indicator clause
(``clauses``) say the same thing from the same IndicatorFigure.others, formatted by reporttool.core.fmt.
"""
from __future__ import annotations

from reporttool.core import fmt
from reporttool.core.models import TARGET_GROWTH, Indicator
from reporttool.figures.records import IndicatorFigure, OtherTargetFigure


def _level(o: OtherTargetFigure, ind: Indicator) -> str:
    return f"{fmt.trim(o.target, ind.decimals)}{ind.unit}" if o.target is not None else fmt.DASH


def note_text(f: IndicatorFigure, ind: Indicator, rate_places: int) -> str:
    """"另有增速目标6%（同比比目标低0.9个百分点，滞后）；2027年目标800亿元，已完成45.2%" ("" without others)."""
    parts = []
    for o in f.others:
        if o.kind == TARGET_GROWTH:
            rate = f"增速目标{fmt.trim(o.rate, rate_places)}%"
            if o.gap is None:
                parts.append(f"另有{rate}（无可比同比）")
            else:
                words = fmt.points_words(o.gap, rate_places)
                judged = "与目标持平" if words == "持平" else f"比目标{words}"
                parts.append(f"另有{rate}（同比{judged}，{o.status}）")
        elif o.target is None:
            parts.append(f"{o.year}年目标—（{o.explanation or '目标值未填'}）")
        elif o.gap is not None:  # a ratio
            words = fmt.points_words(o.gap, rate_places)
            parts.append(f"{o.year}年目标{_level(o, ind)}，" + ("已达到" if words == "持平" else f"现{words}"))
        elif o.progress is not None:
            parts.append(f"{o.year}年目标{_level(o, ind)}，已完成{fmt.text(o.progress, rate_places)}%")
        else:
            parts.append(f"{o.year}年目标{_level(o, ind)}")
    return "；".join(parts)


def clauses(f: IndicatorFigure, ind: Indicator, rate_places: int) -> list[str]:
    """Clauses the brief appends to the indicator's sentence: 比6%的增速目标低0.9个百分点, 完成2027年目标800亿元的45.2%."""
    out = []
    for o in f.others:
        if o.kind == TARGET_GROWTH:
            if o.gap is not None:
                words = fmt.points_words(o.gap, rate_places)
                goal = f"{fmt.trim(o.rate, rate_places)}%的增速目标"
                out.append(f"与{goal}持平" if words == "持平" else f"比{goal}{words}")
        elif o.progress is not None:
            out.append(f"完成{o.year}年目标{_level(o, ind)}的{fmt.text(o.progress, rate_places)}%")
        elif o.gap is not None:
            words = fmt.points_words(o.gap, rate_places)
            out.append(f"与{o.year}年目标{_level(o, ind)}持平" if words == "持平"
                       else f"比{o.year}年目标{_level(o, ind)}{words}")
    return out
