"""Roll-up measures (汇总口径) over accepted roster and project rows.

An indicator whose source is 企业名录 or 投资项目 names one of catalogue.ROSTER_MEASURES /
PROJECT_MEASURES; this module computes every such measure per cluster of a submission at ingest
(``submission_aggregates`` -> the frozen SubmissionAggregates, stored by ``to_json``), over the accepted
rows. ROSTER_FIELDS / PROJECT_FIELDS are the one table from those names to the named fields. Amounts stay
in the form unit (万元) and unrounded; the caller scales them.

Every result is a ``Sum``: this year's total, and for growth the like-for-like pair (同口径): last year's
sum and this year's sum over the same rows, i.e. only rows that have both years.
"""
from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from decimal import Decimal
from itertools import islice, repeat
from typing import Any, Literal

from reporttool.catalogue.model import PROJECT_MEASURES, ROSTER_MEASURES, ProjectMeasure, RosterMeasure
from reporttool.core.formula import evaluate_formula, formula_refs
from reporttool.core.models import SOURCE_FORMULA, Indicator, Row


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


def _amount(rows: Sequence[Row], cur_key: str, ly_key: str) -> Sum:
    """An amount column's total, with the like-for-like pair over the rows that have both years."""
    values = [r.values for r in rows]
    cur, ly = _get(values, cur_key), _get(values, ly_key)
    value = _total([v for v in cur if v is not None])
    both = [(a, b) for a, b in zip(cur, ly) if a is not None and b is not None]
    if not both:
        return Sum(value, None, None, True)
    return Sum(value, _total([b for _, b in both]), _total([a for a, _ in both]), True)


def _column(rows: Sequence[Row], key: str) -> Sum:
    return Sum(_total([v for v in _get([r.values for r in rows], key) if v is not None]))


def _get(values: list[dict], key: str) -> list:
    """One column of the rows' values (``values.get(key)`` of each row, in one C-level map)."""
    return list(map(dict.get, values, repeat(key)))


@dataclass(frozen=True)
class ClusterRoster:
    """The 企业名录 roll-up of one cluster of one submission, over its accepted rows (form unit 万元).

    The Sum fields are the 汇总口径 an indicator may name (ROSTER_FIELDS maps each name to its field).
    """

    revenue: Sum  # 营业收入合计 (with like-for-like last year)
    output_value: Sum  # 工业总产值合计 (with like-for-like last year)
    scale: Sum  # 规上企业户数
    enterprises: Sum  # 企业户数
    employees: Sum  # 从业人员合计
    leaders: int  # 龙头企业户数 (not a 汇总口径: the 企业名录 sheet of the 总表 shows it)

    @classmethod
    def of(cls, rows: Sequence[Row]) -> ClusterRoster:
        """The roll-up of accepted roster rows of one cluster (at least one row)."""
        values = [r.values for r in rows]
        return cls(revenue=_amount(rows, "revenue", "revenue_ly"),
                   output_value=_amount(rows, "output_value", "output_value_ly"),
                   scale=Sum(Decimal(_get(values, "is_scale").count("是"))),  # count: == "是" per value
                   enterprises=Sum(Decimal(len(rows))),
                   employees=Sum(_total([Decimal(v) for v in _get(values, "employees") if v is not None])),
                   leaders=_get(values, "is_leader").count("是"))

    def measure(self, name: str) -> Sum:
        """The 汇总口径 ``name`` (catalogue.model.ROSTER_MEASURES)."""
        for measure, attr in ROSTER_FIELDS.items():
            if measure == name:
                value: Sum = getattr(self, attr)
                return value
        raise ValueError(f"未知的企业名录汇总口径“{name}”")


@dataclass(frozen=True)
class ClusterProjects:
    """The 投资项目 roll-up of one cluster of one submission, over its accepted rows (form unit 万元).

    ``by_status``: projects per 项目状态 as written (blank as ""); a measure's value is None when no row
    has that column, the 投资项目 sheet then counts it as 0 (``invested``).
    """

    done_year: Sum  # 本年完成投资
    plan_year: Sum  # 本年计划投资
    total: Sum  # 总投资
    projects: Sum  # 项目个数
    by_status: Mapping[str, int]

    @classmethod
    def of(cls, rows: Sequence[Row]) -> ClusterProjects:
        """The roll-up of accepted project rows of one cluster (at least one row)."""
        status: dict[str, int] = {}
        for r in rows:
            s = r.values.get("status") or ""
            status[s] = status.get(s, 0) + 1
        return cls(done_year=_column(rows, "done_year"), plan_year=_column(rows, "plan_year"),
                   total=_column(rows, "total"), projects=Sum(Decimal(len(rows))), by_status=status)

    def measure(self, name: str) -> Sum:
        """The 汇总口径 ``name`` (catalogue.model.PROJECT_MEASURES)."""
        for measure, attr in PROJECT_FIELDS.items():
            if measure == name:
                value: Sum = getattr(self, attr)
                return value
        raise ValueError(f"未知的投资项目汇总口径“{name}”")

    def invested(self, name: InvestField) -> Decimal:
        """An amount as the 投资项目 sheet sums it: 0 when no row has it."""
        value: Decimal | None = getattr(self, name).value
        return Decimal(0) if value is None else Decimal(0) + value


InvestField = Literal["total", "plan_year", "done_year"]

# THE table from the catalogue's 汇总口径 names to the fields above. mypy checks each name is one of the
# catalogue's Literals; _check_fields (run on import) that every name has a Sum field and none is missing.
ROSTER_FIELDS: Mapping[RosterMeasure, str] = {
    "营业收入合计": "revenue", "工业总产值合计": "output_value", "规上企业户数": "scale", "企业户数": "enterprises",
    "从业人员合计": "employees"}
PROJECT_FIELDS: Mapping[ProjectMeasure, str] = {
    "本年完成投资": "done_year", "本年计划投资": "plan_year", "总投资": "total", "项目个数": "projects"}


def _check_fields() -> None:
    for cls, table, names in ((ClusterRoster, ROSTER_FIELDS, ROSTER_MEASURES),
                              (ClusterProjects, PROJECT_FIELDS, PROJECT_MEASURES)):
        sums = {f.name for f in fields(cls) if f.type in ("Sum", Sum)}
        if set(table) != set(names) or not set(table.values()) <= sums:
            raise ImportError(f"{cls.__name__}: 汇总口径与字段对照不一致（{sorted(table)} -> {sorted(table.values())}）")


_check_fields()


def _total(values: Iterable[Decimal]) -> Decimal | None:
    """The first value plus each next one in turn (None for none). Started from a Decimal, ``sum`` does
    exactly these additions, in C (its int and float shortcuts never apply: from 3.12 it sums floats with
    compensation); anything else (never from the reader) by the loop."""
    items = values if isinstance(values, list) else list(values)
    if not items:
        return None
    first = items[0]
    if first.__class__ is Decimal:
        return sum(islice(items, 1, None), first)
    out: Any = first
    for v in islice(items, 1, None):
        out = out + v
    return out


# ---- per-submission aggregates (stored in the ledger at ingest) -------------------------------------

AGGREGATES_FORMAT = 2  # 1: the tagged JSON of the first ledgers ({"M": [...]}, read by _from_tagged)


class AggregatesUnreadable(ValueError):
    """Stored aggregates in a form this version cannot read (a newer format, or damaged text)."""


@dataclass(frozen=True)
class SubmissionAggregates:
    """Every roll-up measure of one submission per cluster, over its accepted rows.

    Computed once at ingest and stored (``to_json``), so figures combine districts without reading their
    rows again. All measures are kept, not only those the catalogue uses today, so a catalogue edit needs
    no re-read. A cluster key is None for rows without a cluster code (kept, never shown).
    """

    roster: Mapping[str | None, ClusterRoster] = field(default_factory=dict)
    projects: Mapping[str | None, ClusterProjects] = field(default_factory=dict)

    def to_json(self) -> str:
        """JSON text, format AGGREGATES_FORMAT: Decimals as text (str(Decimal) round-trips exactly)."""
        def roster(r: ClusterRoster) -> dict[str, Any]:
            return {"revenue": _sum_out(r.revenue), "output_value": _sum_out(r.output_value),
                    "scale": _sum_out(r.scale), "enterprises": _sum_out(r.enterprises),
                    "employees": _sum_out(r.employees), "leaders": r.leaders}

        def projects(p: ClusterProjects) -> dict[str, Any]:
            return {"done_year": _sum_out(p.done_year), "plan_year": _sum_out(p.plan_year),
                    "total": _sum_out(p.total), "projects": _sum_out(p.projects),
                    "by_status": [[k, n] for k, n in p.by_status.items()]}

        data = {"format": AGGREGATES_FORMAT,
                "roster": [[c, roster(r)] for c, r in self.roster.items()],
                "projects": [[c, projects(p)] for c, p in self.projects.items()]}
        return json.dumps(data, ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> SubmissionAggregates:
        """Read ``to_json``'s text, or the tagged JSON (format 1) of a ledger written by an older version."""
        try:
            data = json.loads(text)
            if isinstance(data, dict) and "M" in data and "format" not in data:
                return _from_tagged(data)
            if not isinstance(data, dict) or data.get("format") != AGGREGATES_FORMAT:
                raise AggregatesUnreadable(f"汇总数的存储格式（{data.get('format') if isinstance(data, dict) else '?'}）"
                                           f"不是本版本能读取的格式 {AGGREGATES_FORMAT}")
            return cls(
                roster={c: ClusterRoster(revenue=_sum_in(r["revenue"]), output_value=_sum_in(r["output_value"]),
                                         scale=_sum_in(r["scale"]), enterprises=_sum_in(r["enterprises"]),
                                         employees=_sum_in(r["employees"]), leaders=int(r["leaders"]))
                        for c, r in data["roster"]},
                projects={c: ClusterProjects(done_year=_sum_in(p["done_year"]), plan_year=_sum_in(p["plan_year"]),
                                             total=_sum_in(p["total"]), projects=_sum_in(p["projects"]),
                                             by_status={str(k): int(n) for k, n in p["by_status"]})
                          for c, p in data["projects"]})
        except AggregatesUnreadable:
            raise
        except (ValueError, KeyError, TypeError, ArithmeticError) as exc:
            raise AggregatesUnreadable(f"汇总数无法读取（{type(exc).__name__}: {exc}）") from exc


def submission_aggregates(roster: Sequence[Row], projects: Sequence[Row]) -> SubmissionAggregates:
    """The aggregates of one submission over the rows given (the accepted ones), per cluster."""
    return SubmissionAggregates(roster={c: ClusterRoster.of(rows) for c, rows in _by_cluster(roster).items()},
                                projects={c: ClusterProjects.of(rows) for c, rows in _by_cluster(projects).items()})


def _by_cluster(rows: Sequence[Row]) -> dict[str | None, list[Row]]:
    out: dict[str | None, list[Row]] = {}
    for r in rows:
        out.setdefault(r.values.get("cluster"), []).append(r)
    return out


def _sum_out(s: Sum) -> list[Any]:
    return [*(None if x is None else str(x) for x in (s.value, s.last_year, s.comparable)), s.like_for_like]


def _sum_in(v: list[Any]) -> Sum:
    value, last_year, comparable, lfl = v
    return _sum_of(value, last_year, comparable, lfl)


def _sum_of(value: str | None, last_year: str | None, comparable: str | None, lfl: Any) -> Sum:
    return Sum(_dec(value), _dec(last_year), _dec(comparable), like_for_like=bool(lfl))


def _dec(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)


def _from_tagged(data: dict[str, Any]) -> SubmissionAggregates:
    """Format 1: {"M": [[key, value]...]} maps, {"S": [value, last_year, comparable], "L": lfl} Sums,
    {"D": text} Decimals; per cluster the measures by Chinese name, roster "_leaders", projects "_status"
    and "_sum" (the latter is the measures' values counted from 0: read from the measures instead)."""
    def untag(v: Any) -> Any:
        if isinstance(v, dict):
            if "S" in v:
                value, last_year, comparable = v["S"]
                return _sum_of(value, last_year, comparable, v["L"])
            if "D" in v:
                return Decimal(v["D"])
            return {k: untag(x) for k, x in v["M"]}
        return v

    tree = untag(data)
    roster = {c: ClusterRoster(**{ROSTER_FIELDS[m]: e[m] for m in ROSTER_MEASURES}, leaders=int(e["_leaders"]))
              for c, e in tree["roster"].items()}
    projects = {c: ClusterProjects(**{PROJECT_FIELDS[m]: e[m] for m in PROJECT_MEASURES},
                                   by_status={str(k): int(n) for k, n in e["_status"].items()})
                for c, e in tree["projects"].items()}
    return SubmissionAggregates(roster, projects)


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
