"""Realistic sample submissions: `reporttool demo` fills the inbox with district workbooks.

The data read like a real month: valid 统一社会信用代码, enterprise and project names made of generic
Chinese words and the cluster's industry, cluster totals near target × 时序进度 (two or three clusters
clearly lagging), a spread of growth rates, rosters that stay below the cluster totals. A few realistic
problems are planted so that the checks have something to find (a missing district, a late one, a bad
check digit, an investment above its total, an empty roster, an explained year-on-year swing).

Everything is derived from the Catalogue and a seed: the same seed writes the same bytes. Files are
written with the project's own form writer (forms/writer.py).
"""
from __future__ import annotations

import datetime as dt
import io
import os
import random
import re
import zipfile
from collections.abc import Collection
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from decimal import Decimal
from multiprocessing import get_context
from pathlib import Path

from reporttool.catalogue import Catalogue
from reporttool.catalogue.writer import write_catalogue
from reporttool.core.errors import ReportToolError
from reporttool.core.files import atomic_path
from reporttool.core.models import District, Period
from reporttool.core.units import q
from reporttool.demo import names as N
from reporttool.demo.base import (
    DistrictData,
    PlantedProblem,
)
from reporttool.forms.writer import write_template
from reporttool.pipeline.importing import ImportResult, run_import
from reporttool.workspace import Workspace

HISTORY_DIR = "往期报表"  # the earlier months' files of a span (demo --from), one folder per period
_ILLEGAL_FILENAME = re.compile(r'[<>:"/\\|?*\x00-\x1f]')


@dataclass(frozen=True)
class DemoFile:
    district: str
    district_name: str
    path: Path
    roster_rows: int
    project_rows: int
    output_rows: int  # output rows with a value
    received: dt.datetime  # the file's modification time (the ledger's received time)
    late: bool


@dataclass
class DemoResult:
    period: Period
    seed: int
    files: list[DemoFile]
    problems: list[PlantedProblem]
    lagging: tuple[str, ...]  # cluster codes planned to lag behind the time progress
    catalogue_rewritten: bool = False
    others: list[Path] = field(default_factory=list)  # files already in the inbox that the demo did not write
    history: list[DemoFile] = field(default_factory=list)  # earlier months' files (demo --from), 往期报表/<period>/
    imported: ImportResult | None = None  # what `import` made of them


@dataclass
class DemoPlan:
    data: list[DistrictData]  # the files to write
    problems: list[PlantedProblem]
    lagging: tuple[str, ...]


# ==================================================================================================
# Entry point
# ==================================================================================================


def make_demo(ws: Workspace, period: Period, *, districts: int | None = None, enterprises: int | None = None,
              projects: int | None = None, seed: int = 2025, plant: bool = True, workers: int = 1,
              since: Period | None = None) -> DemoResult:
    """Write filled district submissions for ``period`` into ``ws.inbox`` and return what was written.

    ``districts=N`` replaces the workspace catalogue (templates/targets.xlsx) by a copy with N generated
    districts and summable targets scaled by N / (configured districts), so that a province-sized round
    can be simulated. ``enterprises``/``projects`` set the rows per district (default: realistic counts
    from the targets). ``plant=False`` writes clean files for every district (benchmarks). The same
    arguments always produce byte-identical files.

    ``since`` (demo --from 2024-01) also writes every district's files for the months from ``since`` up to the
    month before ``period`` into 往期报表/<period>/, consistent with this month's (reporttool/demo/span.py), and
    takes them into the ledger as history with `reporttool import` (run_import): no documents are written
    for them, and they are never counted late.
    """
    cat = ws.catalogue()
    rewritten = False
    if districts is not None:
        if districts < 1:
            raise ReportToolError("--districts 至少为1")
        write_catalogue(scaled_catalogue(cat, districts, seed), ws.targets)
        cat, rewritten = ws.catalogue(), True
    plan = plan_demo(cat, period, enterprises=enterprises, projects=projects, seed=seed, plant=plant)
    months: list[tuple[Period, list[DistrictData]]] = []
    if since is not None:
        if since.quarterly or period.quarterly or since.year * 12 + since.month >= period.year * 12 + period.month:
            raise ReportToolError(f"--from 应为早于 {period.key} 的月份（如 {period.year - 1}-01）")
        plan, months = plan_span(cat, period, since, plan, enterprises=enterprises, projects=projects, seed=seed,
                             plant=plant)
    ws.ensure_dirs()
    jobs = [(cat, period, d, ws.inbox / d.file_name) for d in plan.data]
    history_root = ws.root / HISTORY_DIR
    jobs += [(cat, p, d, history_root / p.key / d.file_name) for p, data in months for d in data]
    for _c, _p, _d, dest in jobs:
        dest.parent.mkdir(parents=True, exist_ok=True)
    if workers > 1 and len(jobs) > 1:
        with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn")) as pool:
            list(pool.map(_write_job, jobs, chunksize=max(1, len(jobs) // (4 * workers))))
    else:
        for job in jobs:
            _write_job(job)
    files = [_demo_file(d, ws.inbox / d.file_name) for d in plan.data]
    history = [_demo_file(d, history_root / p.key / d.file_name) for p, data in months for d in data]
    imported = run_import(ws, [history_root], workers=workers) if months else None
    problems = [_locate(p, ws.inbox / p.file) if p.file and p.sheet else p for p in plan.problems]
    written = {f.path.name for f in files}
    others = sorted(p for p in ws.inbox.iterdir() if p.is_file() and p.name not in written
                    and not p.name.startswith("."))
    return DemoResult(period, seed, files, problems, plan.lagging, rewritten, others, history, imported)


def _demo_file(d: DistrictData, path: Path) -> DemoFile:
    return DemoFile(d.district.code, d.district.name, path, len(d.roster), len(d.projects),
                    sum(1 for v in d.outputs.values() if v.get("value") is not None), d.received, d.late)


def plan_span(cat: Catalogue, last: Period, first: Period, final: DemoPlan, *, enterprises: int | None,
          projects: int | None, seed: int, plant: bool) -> tuple[DemoPlan, list[tuple[Period, list[DistrictData]]]]:
    """The earlier months of every district, derived from the last month's clean data (span.py), and the
    last month with the history problems planted (when ``plant``)."""
    from reporttool.demo.base import EXPLAINED_SWING
    from reporttool.demo.span import SpanModel, months_between, plant_history

    clean = plan_demo(cat, last, enterprises=enterprises, projects=projects, seed=seed, plant=False).data
    swing = {p.district for p in final.problems if p.kind == EXPLAINED_SWING}
    swung = {(dd.district.code, *k): (v["value_ly"], v["note"]) for dd in final.data if dd.district.code in swing
             for k, v in dd.outputs.items() if v.get("note")}
    model = SpanModel(cat, last, clean, first, seed, swung)
    for dd in final.data:  # an enterprise that left during the span is not in the last month either
        codes = {r["name"]: r["credit_code"] for r in next(c for c in clean if c.district == dd.district).roster}
        leavers = model.leavers.get(dd.district.code, {})
        for r in dd.roster:
            if r["name"] in leavers and r["credit_code"] != codes.get(r["name"]):
                leavers.pop(r["name"])  # the planted wrong check digit stays where it was planted
        if leavers:
            dd.roster = [r for r in dd.roster if r["name"] not in leavers]
            for n, r in enumerate(dd.roster, start=1):
                r["seq"] = n
    months = []
    for p in months_between(first, last):
        data = []
        for dd in clean:
            month = model.month(dd, p)
            rng = random.Random(f"reporttool-demo-span:{seed}:{dd.district.code}:{p.key}")
            day = p.deadline(cat.settings.deadline_day) - dt.timedelta(days=rng.randint(0, 4))
            month.received = dt.datetime(day.year, day.month, day.day, rng.randint(8, 16), rng.randint(0, 59))
            month.file_name = demo_file_name(cat, dd.district, p)
            data.append(month)
        months.append((p, data))
    problems = list(final.problems)
    if plant:
        problems += plant_history(cat, model, final.data, final.problems,
                                  random.Random(f"reporttool-demo-span-plant:{seed}"))
    return DemoPlan(final.data, problems, final.lagging), months


def write_district(cat: Catalogue, period: Period, data: DistrictData, dest: Path) -> Path:
    """Write one district's file with the form writer; pin its internal dates and its mtime to ``received``."""
    write_template(cat, data.district.code, period, dest, roster=data.roster, projects=data.projects,
                   outputs=data.outputs)
    _pin_core_dates(dest, data.received)
    stamp = data.received.timestamp()
    os.utime(dest, (stamp, stamp))
    return dest


def _write_job(job: tuple) -> str:
    cat, period, data, dest = job
    return str(write_district(cat, period, data, dest))


def demo_file_name(cat: Catalogue, district: District, period: Period) -> str:
    """The name a district gives its file: 兴城市_2025年1-6月重点产业集群报表.xlsx."""
    name = f"{district.name}_{period.label}{cat.settings.programme_name}报表.xlsx"
    return _ILLEGAL_FILENAME.sub("_", name)


# ==================================================================================================
# A scaled catalogue with generated districts (--districts N)
# ==================================================================================================


def scaled_catalogue(cat: Catalogue, n: int, seed: int = 2025) -> Catalogue:
    """``cat`` with ``n`` generated districts; summable targets scaled by n / len(cat.districts)."""
    rng = random.Random(f"reporttool-demo-districts:{seed}")
    places = [a + b for a in N.PLACE_FIRST for b in N.PLACE_SECOND if a != b]
    rng.shuffle(places)
    numeric = [d.code for d in cat.districts if re.fullmatch(r"\d{6}", d.code)]
    province = numeric[0][:2] if numeric else "21"
    slots = (("02", "区"), ("03", "区"), ("04", "区"), ("21", "县"), ("22", "县"), ("81", "市"))
    out: list[District] = []
    city = 1
    while len(out) < n:
        for suffix, kind in slots:
            if len(out) >= n:
                break
            place = places[len(out) % len(places)] + ("" if len(out) < len(places) else str(len(out)))
            out.append(District(f"{province}{city:02d}{suffix}", place + kind, kind, len(out) + 1))
        if len(out) < n:
            place = places[len(out) % len(places)] + ("" if len(out) < len(places) else str(len(out)))
            out.append(District(f"KF{city:02d}", f"{place}经济开发区", "开发区", len(out) + 1))
        city += 1
    k = Decimal(n) / Decimal(len(cat.districts))
    inds = {i.code: i for i in cat.indicators}
    targets = []
    for t in cat.targets:
        if t.district:
            continue  # per-district splits name districts that no longer exist
        ind = inds[t.indicator]
        if ind.summable:
            places_ = 0 if ind.decimals == 0 else 2
            t = replace(t, value=None if t.value is None else q(t.value * k, places_),
                        base_value=None if t.base_value is None else q(t.base_value * k, places_))
        targets.append(t)
    # the configured districts are gone: each cluster may be anywhere among the generated ones
    clusters = tuple(replace(c, districts=()) for c in cat.clusters)
    return replace(cat, districts=tuple(out), clusters=clusters, targets=tuple(targets), _index={})


# ==================================================================================================
# Planning the month
# ==================================================================================================


def plan_demo(cat: Catalogue, period: Period, *, enterprises: int | None = None, projects: int | None = None,
              seed: int = 2025, plant: bool = True, only: Collection[str] | None = None) -> DemoPlan:
    """Everything the demo writes, as data. The clean data do not depend on ``plant``: planting only
    changes copies afterwards (so a district's corrected file is its ``plant=False`` data).

    ``only`` builds just those district codes (no planting); names that would have clashed with other
    districts' may then differ from a full run."""
    from reporttool.demo.plan import plan_city
    from reporttool.demo.problems import plant_problems
    from reporttool.demo.rows import build_district

    rng = random.Random(f"reporttool-demo:{seed}")
    city = plan_city(cat, period, rng)
    names: set[str] = set()
    data = []
    for d in cat.districts:
        if only is not None and d.code not in only:
            continue
        drng = random.Random(f"reporttool-demo:{seed}:{d.code}")
        dd = build_district(cat, period, city, d, drng, names, enterprises, projects)
        dd.file_name = demo_file_name(cat, d, period)
        data.append(dd)
    problems: list[PlantedProblem] = []
    if plant and only is None:
        data, problems = plant_problems(cat, period, city, data, random.Random(f"reporttool-demo-plant:{seed}"))
    return DemoPlan(data, problems, city.lagging)


# ==================================================================================================
# File details: fixed internal dates, locating a planted cell
# ==================================================================================================


def _pin_core_dates(path: Path, when: dt.datetime) -> None:
    """Replace the creation date xlsxwriter stamps into docProps/core.xml, so equal input -> equal bytes."""
    stamp = when.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    with zipfile.ZipFile(path) as zin:
        infos = zin.infolist()
        parts = {i.filename: zin.read(i.filename) for i in infos}
    core = parts.get("docProps/core.xml")
    if core is None:
        return
    fixed = re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(<)", rb"\g<1>" + stamp + rb"\2", core)
    if fixed == core:
        return
    parts["docProps/core.xml"] = fixed
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in infos:
            zi = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = info.external_attr
            zout.writestr(zi, parts[info.filename])
    with atomic_path(path) as tmp:
        tmp.write_bytes(buf.getvalue())


def _locate(problem: PlantedProblem, path: Path) -> PlantedProblem:
    """Fill in the cell of a planted problem (found by its 序号 and column title in the written file)."""
    import openpyxl

    seq, _, title = problem.cell.partition(":")
    if not seq.isdigit() or not path.is_file():
        return replace(problem, cell="")
    wb = openpyxl.load_workbook(path, read_only=True)
    try:
        ws = wb[problem.sheet]
        header: dict[str, int] | None = None
        for r, row in enumerate(ws.iter_rows(values_only=True), start=1):
            if header is None:
                labels = ["".join(str(v).split()) for v in row if v is not None]  # 统一社会\n信用代码
                if "序号" in labels and title in labels:
                    header = {"".join(str(v).split()): c for c, v in enumerate(row) if v is not None}
                continue
            if row and row[header["序号"]] == int(seq):
                from reporttool.core.units import cell_ref

                return replace(problem, cell=cell_ref(r, header[title] + 1))
    finally:
        wb.close()
    return replace(problem, cell="")
