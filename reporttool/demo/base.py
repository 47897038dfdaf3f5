"""What the demo's planner and writer share: the planted-problem records and kinds, a district's filled
form before it is written, generated 统一社会信用代码 (GB 32100-2015), regions and Decimal helpers."""
from __future__ import annotations

import datetime as dt
import random
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from stdnum.cn import uscc

from reporttool.catalogue import Catalogue
from reporttool.core.models import District
from reporttool.core.units import q, unit_factor

# Kinds of planted problems (PlantedProblem.kind)
MISSING, LATE, CREDIT_CHECK, INV_TOTAL, EMPTY_ROSTER, EXPLAINED_SWING = (
    "missing", "late", "credit_check", "inv_total", "empty_roster", "explained_swing")
# ... and those only history shows (a span of months, demo --from)
LY_REVISED, MONTH_SPIKE, ROSTER_GONE = "ly_revised", "month_spike", "roster_gone"
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)  # GB 11714 organisation code
_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


@dataclass(frozen=True)
class PlantedProblem:
    """A deliberate problem in the demo data, and the rule that should find it."""

    kind: str  # MISSING, LATE, ...
    district: str  # district code
    district_name: str
    file: str  # file name ("" when the district sent nothing)
    rule: str  # rule code the checks should raise ("" when it shows in 报送情况 instead)
    detail: str  # Chinese: what was planted
    sheet: str = ""
    cell: str = ""  # e.g. B15, when it is one cell


@dataclass
class DistrictData:
    """One district's filled form, before it is written."""

    district: District
    file_name: str
    roster: list[dict[str, Any]] = field(default_factory=list)
    projects: list[dict[str, Any]] = field(default_factory=list)
    outputs: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    received: dt.datetime = dt.datetime(2000, 1, 1)
    late: bool = False


def org_check_digit(body: str) -> str:
    """GB 11714 check character of an 8-character organisation code body (digits or capital letters)."""
    total = sum((int(ch) if ch.isdigit() else ord(ch) - 55) * w for ch, w in zip(body, _ORG_WEIGHTS))
    c = 11 - total % 11
    return "X" if c == 10 else "0" if c == 11 else str(c)


def credit_code(rng: random.Random, region: str, kind: str = "1") -> str:
    """A valid 18-character code: 9 (市场监管) + kind + region + organisation code + mod-31 check."""
    if rng.random() < 0.45:  # codes issued since 2015: MA + 6 characters
        body = "MA" + "".join(rng.choice(_USCC_ALPHABET) for _ in range(6))
    else:  # older organisation codes: 8 digits
        body = str(rng.choice("0567")) + "".join(rng.choice("0123456789") for _ in range(7))
    first17 = f"9{kind}{region}{body}{org_check_digit(body)}"
    return first17 + uscc.calc_check_digit(first17)  # GB 32100 mod-31 check character


def region_code(cat: Catalogue, district: District) -> str:
    """The 6-digit region of a district's enterprises: its own GB/T 2260 code (a town's 9- or 12-digit code
    starts with its county's), else the catalogue's 行政区划代码, else its city's (xxxx00) from the other
    districts' codes; 100000 (the country) only when nothing says where the plan is."""
    if re.fullmatch(r"\d{6}(\d{3}|\d{6})?", district.code):
        return district.code[:6]
    own = cat.settings.region_code.strip()
    if re.fullmatch(r"\d{6}", own):
        return own
    prefixes = sorted(d.code[:4] for d in cat.districts if re.fullmatch(r"\d{6}(\d{3}|\d{6})?", d.code))
    return (max(set(prefixes), key=prefixes.count) + "00") if prefixes else "100000"


def dec(x: float, places: int = 2) -> Decimal:
    """A generated float as a Decimal rounded half up (the demo invents floats; forms hold Decimals)."""
    return q(Decimal(repr(x)), places)


def to_form_unit(value: Decimal, ind_unit: str, form_unit: str, table: dict | None = None) -> Decimal:
    """A target-unit value (亿元) in the form's unit (万元); unknown pairs are taken as equal units."""
    try:
        return value * unit_factor(form_unit, ind_unit, table)
    except KeyError:
        return value
