"""Helpers of the serve tests (a plain module): forms of the small fixture city, a signed-in client."""
from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal as D
from pathlib import Path

from reporttool.core.models import Period
from reporttool.forms.writer import write_template
from reporttool.serve.codes import BUREAU, issue_codes

PERIOD = Period(2025, 6)
GOOD = "91110000600037341L"
BAD = GOOD[:-1] + "X"  # wrong check digit: an error finding on the roster's credit code cell
A, B, ZONE = "110101", "110102", "KF01"  # 甲区, 乙县, 丙开发区


def form(cat, dest: Path, district: str = A, *, bad: bool = False, period: Period = PERIOD,
         revenue: D = D(5000)) -> Path:
    """A filled form; ``bad``: the first enterprise's credit code has a wrong check digit (cell B of row 1)."""
    return write_template(cat, district, period, dest,
                          roster=[{"credit_code": BAD if bad else GOOD, "name": "甲公司", "cluster": "化工产业集群",
                                   "is_scale": "是", "revenue": revenue, "employees": 10}],
                          projects=[{"name": "项目", "cluster": "化工", "nature": "新建", "status": "在建",
                                     "total": D(100), "done_year": D(50), "start": dt.date(2025, 1, 1)}],
                          outputs={("A", "SR"): {"value": D(100000), "value_ly": D(95000)}})


def make_codes(ws, cat) -> dict[str, str]:
    """Fresh codes: district code (or BUREAU) -> plain code."""
    return {i.district: i.code for i in issue_codes(ws, cat, rotate=True)}


def csrf_of(html: str) -> str:
    m = re.search(r'name="csrf" value="([^"]+)"', html)
    assert m, "page has no CSRF field"
    return m.group(1)


def sign_in(client, code: str):
    """Sign ``client`` in with ``code`` through the login form; returns the landing page response."""
    page = client.get("/")
    r = client.post("/login", data={"csrf": csrf_of(page.text), "code": code})
    assert r.status_code == 200, r.text
    return r


__all__ = ["PERIOD", "GOOD", "BAD", "A", "B", "ZONE", "BUREAU", "form", "make_codes", "csrf_of", "sign_in"]
