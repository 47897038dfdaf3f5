"""Who sent a form: the hidden identity cross-checked with what a person sees (docs/reading.md “县区身份”).

The identity sheet (``_表单信息``) is hidden and easy to copy or edit; the 填报单位 line above each data
table and the file name are what the clerk and the bureau read. A form whose identity, 填报单位 and file
name name different configured districts is refused (F-IDENTITY-CONFLICT), naming both districts, so that
it can never become another district's current version. The enterprises' credit codes give a softer
signal: the 6-digit administrative code inside a USCC (characters 3–8) is where the enterprise was
registered, which is usually, not always, the reporting district (R-REGION, 核实).
"""
from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from reporttool.catalogue import Catalogue
from reporttool.core.models import District, Finding, ReadRefused, Table
from reporttool.core.rules import finding

_GB2260 = re.compile(r"\d{6}")
_USCC = re.compile(r"[0-9A-HJ-NP-RTUW-Y]{2}(\d{6})[0-9A-HJ-NP-RTUW-Y]{10}")


def named_districts(cat: Catalogue, text: str) -> list[District]:
    """The configured districts a text names, longest names first; a name inside a longer named one does
    not count (“丙开发区” names 丙开发区, not also 开发区)."""
    hits = [d for d in cat.districts if d.name and d.name in text]
    hits = [d for d in hits if not any(d.name != o.name and d.name in o.name for o in hits)]
    return sorted(hits, key=lambda d: -len(d.name))


def district_from_name(cat: Catalogue, file_name: str) -> str:
    """The configured district a file name names (the longest name), or ""."""
    hits = named_districts(cat, Path(file_name).stem)
    return hits[0].code if hits else ""


def region_majority(cat: Catalogue, own: str, roster: Table | None) -> tuple[District, int, int, int] | None:
    """(other district, its count, own count, first row) when most roster credit codes that carry a
    configured district's region code carry another district's than ``own``; None otherwise or when
    district codes are not GB/T 2260 codes."""
    if roster is None or not _GB2260.fullmatch(own):
        return None
    by_code = {d.code: d for d in cat.districts if _GB2260.fullmatch(d.code)}
    regions: Counter[str] = Counter()
    first: dict[str, int] = {}
    for row in roster.rows:
        code = _owner(by_code, str(row.values.get("credit_code") or ""))
        if code:
            regions[code] += 1
            first.setdefault(code, row.number)
    others = [(n, code) for code, n in regions.items() if code != own]
    if not others:
        return None
    n, code = max(others)
    mine = regions.get(own, 0)
    if n <= mine:
        return None
    return by_code[code], n, mine, first[code]


def check_identity(cat: Catalogue, file_name: str, district: str, units: dict[str, str],
                   tables: dict[str, Table]) -> list[Finding]:
    """Refuse (ReadRefused F-IDENTITY-CONFLICT) a form whose identity, 填报单位 and file name disagree;
    return the soft R-REGION finding when the credit codes point to another district.

    ``units``: sheet name -> the 填报单位 typed above its table ("" when absent). The refusal is filed
    under the district the file name names, else the one its 填报单位 names: the sender chose the name,
    the template parts may be copied (docs/consolidation.md “县区身份”).
    """
    own = cat.district(district)
    if own is None:
        return []
    claims: list[tuple[str, District]] = []  # (where, the district named there), in reading order
    file_hits = named_districts(cat, Path(file_name).stem)
    if file_hits:
        claims.append(("文件名", own if own in file_hits else file_hits[0]))
    sheets = [(f"“{sheet}”表的填报单位", own if own in hits else hits[0])
              for sheet, text in units.items() if text and (hits := named_districts(cat, text))]
    if sheets and len({d.code for _, d in sheets}) == 1:
        sheets = [("填报单位", sheets[0][1])]
    claims += sheets
    majority = region_majority(cat, own.code, tables.get("roster"))
    if all(d == own for _, d in claims):
        return [] if majority is None else [_region_finding(cat, file_name, own, tables["roster"], majority)]
    claims.append(("隐藏标识", own))
    by_district: dict[str, list[str]] = {}
    names: dict[str, District] = {}
    for where, d in claims:
        by_district.setdefault(d.code, []).append(where)
        names[d.code] = d
    detail = "，".join(f"{_join(places)}为{names[code].name}" for code, places in by_district.items())
    registered = majority[0] if majority else own if _mostly(cat, own, tables.get("roster")) else None
    if registered is not None:
        detail += f"（企业信用代码多为{registered.name}登记）"
    sender = next((d for w, d in claims if w != "隐藏标识" and d != own), own)
    raise ReadRefused(finding("F-IDENTITY-CONFLICT", file=file_name, district=sender.code, detail=detail,
                              words=cat.words))


def _region_finding(cat: Catalogue, file_name: str, own: District, roster: Table,
                    majority: tuple[District, int, int, int]) -> Finding:
    other, n, mine, row = majority
    return finding("R-REGION", file=file_name, district=own.code, sheet=roster.sheet, row=row, words=cat.words,
                   column="统一社会信用代码", cell=roster.cell("credit_code", row),
                   detail=f"集群企业表中{n}家企业的统一社会信用代码登记地（第3-8位）为{other.name}（{other.code}），"
                          f"登记地为本{cat.words.unit}（{own.name}，{own.code}）的只有{mine}家。")


def _mostly(cat: Catalogue, own: District, roster: Table | None) -> bool:
    """Most credit codes that carry a configured district's region code carry ``own``'s."""
    if roster is None or not _GB2260.fullmatch(own.code):
        return False
    by_code = {d.code: d for d in cat.districts if _GB2260.fullmatch(d.code)}
    codes = [c for r in roster.rows if (c := _owner(by_code, str(r.values.get("credit_code") or "")))]
    return bool(codes) and Counter(codes).most_common(1)[0][0] == own.code


def _owner(by_code: dict[str, District], credit_code: str) -> str:
    """The configured district a credit code was registered in: its region code (characters 3–8) itself,
    or, for a district configured as a prefecture (code ending in 00, a province's 设区市), the
    prefecture of the region; "" when none or the code is malformed."""
    m = _USCC.fullmatch(credit_code)
    if not m:
        return ""
    region = m.group(1)
    if region in by_code:
        return region
    city = region[:4] + "00"
    return city if city in by_code else ""


def _join(places: list[str]) -> str:
    return places[0] if len(places) == 1 else "、".join(places[:-1]) + "和" + places[-1]
