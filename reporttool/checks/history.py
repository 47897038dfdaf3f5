"""Consistency with the district's own history (docs/history.md): pure functions over data handed down.

R-LY-REVISED (上年同期 against what the district reported last year), R-ROSTER-NEW / R-ROSTER-GONE
(enterprises that came or went since last month, by credit code; one still listed under the same name is
R-ROSTER-RECODED), R-MONTH-OUTLIER (当月 far from the district's earlier months, a robust median/MAD
score whose scale has a floor relative to the median). All are 核实: they ask for the district's 说明 and
never exclude a row. checks/ sits below ledger/ and figures/: figures/consistency.py gathers the other
periods' data (stored sums, code lists) and calls these.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from reporttool.catalogue import Catalogue
from reporttool.core import fmt
from reporttool.core.models import Finding, Row, Table
from reporttool.core.rules import finding
from reporttool.core.units import clean_text
from reporttool.forms.layout import OUTPUT, ROSTER

MIN_MONTHS = 6  # R-MONTH-OUTLIER needs at least this many earlier months of 当月
MAX_MONTHS = 24  # and looks back at most this far
MAD_SCALE = Decimal("0.6745")  # modified z-score (Iglewicz & Hoaglin): 0.6745 × (x − median) / MAD
NAMES_SHOWN = 5  # names listed in a roster finding, then “等N户”

Key = tuple[str, str]  # (cluster code, indicator code); "" cluster = district-wide


@dataclass(frozen=True)
class Entry:
    """One enterprise that came or went: its roster row (this period's, or last period's for one that went)."""

    row: int
    code: str
    name: str
    cluster: str
    note: str = ""


def show(value: Decimal, places: int = 4) -> str:
    """A number as a message shows it: at most ``places`` decimals (half up), no trailing zeros."""
    text = f"{value.quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _note(row: Row) -> str:
    return str(row.values.get("note") or "").strip()


def _what(cat: Catalogue, key: Key) -> str:
    cluster = cat.cluster(key[0]) if key[0] else None
    ind = cat.indicator(key[1])
    return f"{cluster.name if cluster else ''}{ind.name if ind else key[1]}"


def _output_rows(table: Table | None) -> dict[Key, Row]:
    out: dict[Key, Row] = {}
    for r in table.rows if table else []:
        if not r.excluded:
            out.setdefault((str(r.values.get("cluster_code") or ""), str(r.values.get("indicator_code") or "")), r)
    return out


def ly_revisions(cat: Catalogue, district: str, file_name: str, output: Table | None, before: dict[Key, Decimal],
                 ly_label: str) -> list[Finding]:
    """R-LY-REVISED: each 集群产出 row whose 上年同期 differs from ``before`` (the 本年累计 the district
    reported for the same period last year, in the form unit) by more than the catalogue's threshold
    (relative to last year's value; any difference when that was 0)."""
    threshold = cat.settings.ly_revision_threshold
    out: list[Finding] = []
    for key, row in _output_rows(output).items():
        ly, then = row.values.get("value_ly"), before.get(key)
        if not isinstance(ly, Decimal) or then is None or ly == then:
            continue
        if then == 0:
            change = "不一致（去年为0）"
        else:
            rate = (ly - then) / abs(then) * 100
            if abs(rate) <= threshold:
                continue
            change = f"相差{fmt.trim(abs(rate), 1)}%"
        ind = cat.indicator(key[1])
        assert output is not None  # rows came from it
        out.append(finding("R-LY-REVISED", file=file_name, district=district, sheet=output.sheet, row=row.number,
                           column=OUTPUT.column("value_ly").title, cell=output.cell("value_ly", row.number),
                           value=show(ly), explanation=_note(row), words=cat.words, what=_what(cat, key),
                           ly_period=ly_label, before=f"{show(then)}{ind.form_unit if ind else ''}", change=change,
                           threshold=fmt.trim(threshold, 2), unit=ind.form_unit if ind else ""))
    return out


def _names(entries: Sequence[Entry]) -> str:
    names = [e.name or e.code for e in entries]
    text = "、".join(names[:NAMES_SHOWN])
    return text + (f"等{len(names)}户" if len(names) > NAMES_SHOWN else "")


@dataclass(frozen=True)
class Recoded:
    """An enterprise of last period's roster listed this period under the same name and another credit code."""

    before: Entry  # last period's row
    now: Entry  # this period's row


def name_key(name: str) -> str:
    """An enterprise name as matched: NFKC (（）and () alike), no whitespace."""
    return clean_text(name).replace(" ", "")


def match_by_name(new: Sequence[Entry], gone: Sequence[Entry], listed: Sequence[Entry], excluded: set[int]
                  ) -> tuple[list[Entry], list[Entry], list[Recoded]]:
    """(new, gone, recoded) once an enterprise that "went" is found by name in this period's roster.

    ``listed``: this period's named roster rows, accepted or not (a row an error excluded still says the
    enterprise is there); ``excluded``: the row numbers an error excluded. A gone enterprise whose name is
    on an excluded row is not gone: the row's error (a wrong check digit, R-CREDIT-*) already asks for the
    fix, so nothing more is said. On an accepted row under another code it is a changed code
    (``Recoded``), and that row is no longer a new enterprise."""
    by_name: dict[str, Entry] = {}
    for e in listed:
        by_name.setdefault(name_key(e.name), e)
    still: list[Entry] = []
    recoded: list[Recoded] = []
    taken: set[int] = set()
    for e in gone:
        match = by_name.get(name_key(e.name)) if e.name else None
        if match is None or match.row in taken:
            still.append(e)
        elif match.row in excluded:
            taken.add(match.row)
        else:
            taken.add(match.row)
            recoded.append(Recoded(e, match))
    return [e for e in new if e.row not in taken], still, recoded


def recoded_findings(cat: Catalogue, district: str, file_name: str, roster: Table | None,
                     recoded: Sequence[Recoded], previous_label: str) -> list[Finding]:
    """R-ROSTER-RECODED at the credit code of each enterprise listed under a code other than last period's."""
    sheet = roster.sheet if roster else ROSTER.name
    return [finding("R-ROSTER-RECODED", file=file_name, district=district, sheet=sheet, row=r.now.row,
                    column=ROSTER.column("credit_code").title,
                    cell=roster.cell("credit_code", r.now.row) if roster else "", value=r.now.code,
                    explanation=r.now.note, words=cat.words, name=r.now.name, previous_period=previous_label,
                    before=r.before.code)
            for r in recoded]


def roster_changes(cat: Catalogue, district: str, file_name: str, roster: Table | None, output: Table | None,
                   new: Sequence[Entry], gone: Sequence[Entry], previous_label: str) -> list[Finding]:
    """R-ROSTER-NEW and R-ROSTER-GONE, one finding per cluster and direction.

    ``new``: this period's roster rows whose code the previous period's version in use did not have;
    ``gone``: the previous version's rows whose code this one lacks. A new enterprise is found at its
    row (its 说明 explains); a gone one at the cluster's first 集群产出 row, 说明 column (the one row
    of this file that speaks for the cluster), else on the roster sheet."""
    out: list[Finding] = []
    order = {c.code: i for i, c in enumerate(cat.clusters)}

    def by_cluster(entries: Sequence[Entry]) -> list[tuple[str, list[Entry]]]:
        groups: dict[str, list[Entry]] = {}
        for e in sorted(entries, key=lambda e: e.row):
            groups.setdefault(e.cluster, []).append(e)
        return sorted(groups.items(), key=lambda kv: (order.get(kv[0], len(order)), kv[0]))

    def cluster_name(code: str) -> str:
        c = cat.cluster(code)
        return c.name if c else (code or "未填集群的企业")

    for code, entries in by_cluster(new):
        first = entries[0]
        sheet = roster.sheet if roster else ROSTER.name
        out.append(finding("R-ROSTER-NEW", file=file_name, district=district, sheet=sheet, row=first.row,
                           column=ROSTER.column("credit_code").title,
                           cell=roster.cell("credit_code", first.row) if roster else "", value=first.code,
                           explanation=next((e.note for e in entries if e.note), ""), words=cat.words,
                           cluster=cluster_name(code), previous_period=previous_label, count=len(entries),
                           names=_names(entries)))
    rows = _output_rows(output)
    for code, entries in by_cluster(gone):
        at = min((r for (c, _i), r in rows.items() if c == code), key=lambda r: r.number, default=None)
        if at is not None and output is not None:
            out.append(finding("R-ROSTER-GONE", file=file_name, district=district, sheet=output.sheet, row=at.number,
                               column=OUTPUT.column("note").title, cell=output.cell("note", at.number),
                               value=_note(at), explanation=_note(at), words=cat.words,
                               cluster=cluster_name(code), previous_period=previous_label, count=len(entries),
                               names=_names(entries)))
        else:
            out.append(finding("R-ROSTER-GONE", file=file_name, district=district,
                               sheet=roster.sheet if roster else ROSTER.name, words=cat.words,
                               cluster=cluster_name(code), previous_period=previous_label, count=len(entries),
                               names=_names(entries)))
    return out


def median(values: Sequence[Decimal]) -> Decimal:
    s = sorted(values)
    n = len(s)
    return s[n // 2] if n % 2 else (s[n // 2 - 1] + s[n // 2]) / 2


def robust_score(x: Decimal, history: Sequence[Decimal], floor: Decimal = Decimal(0)
                 ) -> tuple[Decimal, Decimal] | None:
    """(score, median) of ``x`` against ``history``: (x − median) / scale, the scale the larger of
    MAD / 0.6745 (the Iglewicz–Hoaglin modified z-score: 0.6745 × (x − median) / MAD) and ``floor`` % of
    |median| (当月异常最小离散: a smooth history's tiny MAD does not make a 1.5 % wobble "far"). None with
    fewer than MIN_MONTHS values or a scale of 0 (a flat history of zeros says nothing of spread)."""
    if len(history) < MIN_MONTHS:
        return None
    med = median(history)
    mad = median([abs(v - med) for v in history])
    least = abs(med) * floor / 100
    if mad == 0 and least == 0:
        return None
    if mad == 0 or mad / MAD_SCALE < least:
        return (x - med) / least, med
    return MAD_SCALE * (x - med) / mad, med


def month_outliers(cat: Catalogue, district: str, file_name: str, output: Table | None,
                   this_month: dict[Key, Decimal], history: dict[Key, list[Decimal]]) -> list[Finding]:
    """R-MONTH-OUTLIER: a 集群产出 row whose 当月 (``this_month``, display unit) is far from the district's
    earlier 当月 values (``history``, oldest first, display unit): |robust score| > the catalogue cut-off."""
    cutoff = cat.settings.month_outlier_cutoff
    out: list[Finding] = []
    for key, row in _output_rows(output).items():
        x = this_month.get(key)
        if x is None:
            continue
        scored = robust_score(x, history.get(key, [])[-MAX_MONTHS:], cat.settings.month_outlier_floor)
        if scored is None or abs(scored[0]) <= cutoff:
            continue
        score, med = scored
        ind = cat.indicator(key[1])
        unit, places = (ind.unit, ind.decimals) if ind else ("", 2)  # as the 总表 shows the indicator
        assert output is not None  # rows came from it
        out.append(finding("R-MONTH-OUTLIER", file=file_name, district=district, sheet=output.sheet, row=row.number,
                           column=OUTPUT.column("value").title, cell=output.cell("value", row.number),
                           value=show(row.values["value"]), explanation=_note(row), words=cat.words,
                           what=_what(cat, key), month=f"{fmt.trim(x, places)}{unit}",
                           n=len(history.get(key, [])[-MAX_MONTHS:]),
                           median=f"{fmt.trim(med, places)}{unit}",
                           score=show(score, 1), cutoff=fmt.trim(cutoff, 2)))
    return out
