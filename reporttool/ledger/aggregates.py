"""Roll-up measures (汇总口径) over accepted roster and project rows.

An indicator whose source is 企业名录 or 投资项目 names one of catalogue.ROSTER_MEASURES /
PROJECT_MEASURES; this module computes it over the rows it is given (the caller passes only accepted
rows of one cluster). Amounts stay in the form unit (万元) and unrounded; the caller scales them.

Every result is a ``Sum``: this year's total, and for growth the like-for-like pair (同口径): last year's
sum and this year's sum over the same rows, i.e. only rows that have both years.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from reporttool.core.formula import evaluate_formula, formula_refs
from reporttool.core.models import SOURCE_FORMULA, Indicator, Row

ROSTER_AMOUNTS = {"营业收入合计": ("revenue", "revenue_ly"), "工业总产值合计": ("output_value", "output_value_ly")}
PROJECT_AMOUNTS = {"本年完成投资": "done_year", "本年计划投资": "plan_year", "总投资": "total"}


@dataclass(frozen=True)
class Sum:
    """A summed figure: ``value`` 本年累计 (all contributing rows); ``last_year`` 上年同期 and
    ``comparable`` (this year) over the rows that have both years, so 同比 = comparable / last_year."""

    value: Decimal | None = None
    last_year: Decimal | None = None
    comparable: Decimal | None = None
    like_for_like: bool = False

    def scaled(self, factor: Decimal) -> Sum:
        """Divide every amount by ``factor`` (form unit -> display unit)."""
        if factor == 1:
            return self
        value, last_year, comparable = (None if v is None else v / factor
                                        for v in (self.value, self.last_year, self.comparable))
        return Sum(value, last_year, comparable, like_for_like=self.like_for_like)

    @property
    def yoy(self) -> Decimal | None:
        """同比 % = (comparable / last_year - 1) × 100; None without a positive base."""
        if self.comparable is None or self.last_year is None or self.last_year <= 0:
            return None
        return (self.comparable / self.last_year - 1) * 100


def add(sums: Iterable[Sum]) -> Sum:
    """Sum of Sums (districts into the city, clusters into the programme). None when nothing has a value."""
    value = last = comp = None
    lfl = False
    for s in sums:
        if s.value is not None:
            value = s.value if value is None else value + s.value
        if s.last_year is not None and s.comparable is not None:
            last = s.last_year if last is None else last + s.last_year
            comp = s.comparable if comp is None else comp + s.comparable
        lfl = lfl or s.like_for_like
    return Sum(value, last, comp, lfl)


def pair(value: Decimal | None, last_year: Decimal | None) -> Sum:
    """A reported value with its 上年同期 (the 集群产出 sheet): the pair counts for 同比 only when both exist."""
    both = value is not None and last_year is not None
    return Sum(value, last_year if both else None, value if both else None)


def roster_measure(measure: str, rows: Sequence[Row]) -> Sum:
    """营业收入合计 / 工业总产值合计 (with like-for-like last year), 规上企业户数, 企业户数, 从业人员合计.

    ``rows`` are accepted roster rows of one cluster. Value None when there are no rows (nothing reported).
    """
    if not rows:
        return Sum()
    if measure in ROSTER_AMOUNTS:
        cur_key, ly_key = ROSTER_AMOUNTS[measure]
        cur = [r.values.get(cur_key) for r in rows]
        value = _total(v for v in cur if v is not None)
        both = [(r.values[cur_key], r.values[ly_key]) for r in rows
                if r.values.get(cur_key) is not None and r.values.get(ly_key) is not None]
        if not both:
            return Sum(value, None, None, True)
        return Sum(value, _total(b for _, b in both), _total(a for a, _ in both), True)
    if measure == "规上企业户数":
        return Sum(Decimal(sum(1 for r in rows if r.values.get("is_scale") == "是")))
    if measure == "企业户数":
        return Sum(Decimal(len(rows)))
    if measure == "从业人员合计":
        return Sum(_total(Decimal(r.values["employees"]) for r in rows if r.values.get("employees") is not None))
    raise ValueError(f"未知的企业名录汇总口径“{measure}”")


def project_measure(measure: str, rows: Sequence[Row]) -> Sum:
    """本年完成投资 / 本年计划投资 / 总投资 (sums) and 项目个数 over accepted project rows of one cluster."""
    if not rows:
        return Sum()
    if measure in PROJECT_AMOUNTS:
        key = PROJECT_AMOUNTS[measure]
        return Sum(_total(r.values[key] for r in rows if r.values.get(key) is not None))
    if measure == "项目个数":
        return Sum(Decimal(len(rows)))
    raise ValueError(f"未知的投资项目汇总口径“{measure}”")


def _total(values: Iterable[Decimal]) -> Decimal | None:
    out = None
    for v in values:
        out = v if out is None else out + v
    return out


# ---- per-submission aggregates (stored in the ledger at ingest) -------------------------------------

ROSTER_MEASURE_NAMES = (*ROSTER_AMOUNTS, "规上企业户数", "企业户数", "从业人员合计")
PROJECT_MEASURE_NAMES = (*PROJECT_AMOUNTS, "项目个数")
INVEST_KEYS = ("total", "plan_year", "done_year")


def submission_aggregates(roster: Sequence[Row], projects: Sequence[Row]) -> dict:
    """Every roll-up measure of one submission per cluster, over the rows given (the accepted ones).

    Computed once at ingest and stored (``encode_aggregates``), so figures combine districts without
    reading their rows again. All measures are kept, not only those the catalogue uses today, so a
    catalogue edit needs no re-read. Per cluster value: roster -> {measure: Sum, "_leaders": n};
    projects -> {measure: Sum, "_status": {status: n}, "_sum": {total/plan_year/done_year: Decimal}}
    (``_sum`` starts from 0 like the 投资项目 summary; the measures start from None like the indicators).
    """
    out: dict = {"roster": {}, "projects": {}}
    by_cluster: dict = {}
    for r in roster:
        by_cluster.setdefault(r.values.get("cluster"), []).append(r)
    for cluster, rows in by_cluster.items():
        entry: dict = {m: roster_measure(m, rows) for m in ROSTER_MEASURE_NAMES}
        entry["_leaders"] = sum(1 for r in rows if r.values.get("is_leader") == "是")
        out["roster"][cluster] = entry
    by_cluster = {}
    for r in projects:
        by_cluster.setdefault(r.values.get("cluster"), []).append(r)
    for cluster, rows in by_cluster.items():
        entry = {m: project_measure(m, rows) for m in PROJECT_MEASURE_NAMES}
        status: dict[str, int] = {}
        for r in rows:
            s = r.values.get("status") or ""
            status[s] = status.get(s, 0) + 1
        entry["_status"] = status
        entry["_sum"] = {k: sum((r.values[k] for r in rows if r.values.get(k) is not None), Decimal(0))
                         for k in INVEST_KEYS}
        out["projects"][cluster] = entry
    return out


def _enc(v):
    if isinstance(v, Sum):
        return {"S": [None if x is None else str(x) for x in (v.value, v.last_year, v.comparable)],
                "L": v.like_for_like}
    if isinstance(v, Decimal):
        return {"D": str(v)}
    if isinstance(v, dict):
        return {"M": [[k, _enc(x)] for k, x in v.items()]}  # keys may be None (a row without a cluster)
    return v


def _dec(v):
    if isinstance(v, dict):
        if "S" in v:
            value, last_year, comparable = (None if x is None else Decimal(x) for x in v["S"])
            return Sum(value, last_year, comparable, like_for_like=v["L"])
        if "D" in v:
            return Decimal(v["D"])
        return {k: _dec(x) for k, x in v["M"]}
    return v


def encode_aggregates(agg: dict) -> str:
    """JSON text of submission_aggregates' result; Decimals as text (str(Decimal) round-trips exactly)."""
    import json

    return json.dumps(_enc(agg), ensure_ascii=False, separators=(",", ":"))


def decode_aggregates(text: str) -> dict:
    import json

    return _dec(json.loads(text))


def _leaves(ind: Indicator, by_code: dict[str, Indicator], seen: frozenset[str] = frozenset()) -> set[str]:
    """The non-formula indicator codes a formula indicator is made of (through nested formulas)."""
    out: set[str] = set()
    for ref in formula_refs(ind.formula):
        sub = by_code.get(ref)
        if sub is not None and sub.source == SOURCE_FORMULA and ref not in seen:
            out |= _leaves(sub, by_code, seen | {ind.code})
        else:
            out.add(ref)
    return out


def _evaluate(ind: Indicator, by_code: dict[str, Indicator], leaves: dict[str, Decimal | None],
              seen: frozenset[str] = frozenset()) -> Decimal | None:
    """The formula over leaf values, nested formula indicators evaluated over the same values."""
    values: dict[str, Decimal | None] = {}
    for ref in formula_refs(ind.formula):
        sub = by_code.get(ref)
        if sub is not None and sub.source == SOURCE_FORMULA and ref not in seen:
            values[ref] = _evaluate(sub, by_code, leaves, seen | {ind.code})
        else:
            values[ref] = leaves.get(ref)
    return evaluate_formula(ind.formula, values)


def _known_total(values: Iterable[Decimal | None]) -> Decimal:
    """The sum of values the caller has already checked are all known (not None)."""
    return sum((v for v in values if v is not None), Decimal(0))


def formula_sum(ind: Indicator, by_code: dict[str, Indicator], units: list[dict[str, Sum]], *,
                city: bool = False) -> Sum:
    """A formula indicator over ``units`` (one district's, or one district × cluster's, sums by code).

    A ratio of sums over the SAME units: this year's value over the units where every part has a value,
    上年同期 and its comparable this-year side over the units where every part has both years (like for
    like). A unit that left one part blank takes no part at all, so one blank numerator cannot pull a
    city ratio down. ``city``: a part that may not be summed across districts makes the result empty.
    """
    leaves = _leaves(ind, by_code)
    if city and any((i := by_code.get(code)) is not None and i.source != SOURCE_FORMULA and not i.summable
                    for code in leaves):
        return Sum()
    empty = Sum()
    cur = [u for u in units if all(u.get(code, empty).value is not None for code in leaves)]
    if not cur:
        return Sum()
    value = _evaluate(ind, by_code, {code: _known_total(u[code].value for u in cur) for code in leaves})
    both = [u for u in cur if all(u[code].last_year is not None and u[code].comparable is not None for code in leaves)]
    if value is None or not both:
        return Sum(value)
    last = _evaluate(ind, by_code, {code: _known_total(u[code].last_year for u in both) for code in leaves})
    comparable = _evaluate(ind, by_code, {code: _known_total(u[code].comparable for u in both) for code in leaves})
    if last is None or comparable is None:
        return Sum(value)
    return Sum(value, last, comparable, any(u[code].like_for_like for u in both for code in leaves))
