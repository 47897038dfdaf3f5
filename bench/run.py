"""Province-scale benchmark of reporttool (a script, not a test): `make bench` or `python bench/run.py`.

For each size N in --districts-list it builds a round in a temporary workspace with `reporttool demo`
(N generated districts × --enterprises roster rows + --projects projects + the output rows, no planted
problems) and measures, on the same files:
  (a) `reporttool consolidate` (subprocess): wall time and peak RSS of it and its children;
  (b) the naive baseline bench/baseline.py: pandas.read_excel(engine="openpyxl") of the three sheets of
      every file, concatenated, no checks, no outputs;
  (c) a/b.
At the largest N it then (e) replaces one district's file by a corrected one and re-runs consolidate
(only that file should be read), and finally (f) times `reporttool check` on one --check-rows-row file.
Prints a Markdown table and writes it (and the raw numbers as JSON) to bench/results/.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, replace
from decimal import Decimal
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from measure import Measured, measure  # noqa: E402

from reporttool.core.models import Period  # noqa: E402
from reporttool.demo.make import make_demo, plan_demo, write_district  # noqa: E402
from reporttool.workspace import Workspace, init_workspace  # noqa: E402

PERIOD = Period(2025, 6)
GOALS = {
    "ratio": 0.4,  # consolidate time <= 0.4 × baseline time
    "rss_mib": 1.5 * 1024,  # peak RSS < 1.5 GiB
    "rerun_ratio": 0.1,  # one-file re-run <= 0.1 × first run
    "check_s": 1.0,  # check of one 5,000-row file < 1 s
}


def reporttool_cmd(ws: Workspace, *args: str) -> list[str]:
    return [sys.executable, "-m", "reporttool", "-q", "-w", str(ws.root), *args]


ENV: dict | None = None  # the environment of every measured command (see bench_env)


def bench_env(tmp: Path) -> dict:
    """Measured commands run as an installed tool does: with compiled bytecode.

    An editable checkout under PYTHONDONTWRITEBYTECODE=1 (as on the shared build machine) recompiles
    every reporttool module in every process — ≈0.1 s per command and per worker — which a pip install
    never does (it compiles at install). Bytecode goes to a cache under the bench's temporary folder,
    compiled once before anything is measured; the source tree stays clean.
    """
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(tmp / "pycache")
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(REPO / "reporttool")], env=env, check=False,
                   stdout=subprocess.DEVNULL)
    return env


def build_round(root: Path, n: int, enterprises: int, projects: int, workers: int) -> tuple[Workspace, float, dict]:
    ws = init_workspace(root)
    start = time.perf_counter()
    result = make_demo(ws, PERIOD, districts=n, enterprises=enterprises, projects=projects, plant=False,
                       workers=workers)
    rows = {"roster_rows": sum(f.roster_rows for f in result.files),
            "project_rows": sum(f.project_rows for f in result.files),
            "output_rows": sum(f.output_rows for f in result.files)}
    return ws, time.perf_counter() - start, rows


def new_files(m: Measured) -> int | None:
    found = re.search(r"新入账\s*(\d+)\s*个", m.stdout)
    return int(found.group(1)) if found else None


def resubmit(ws: Workspace, enterprises: int, projects: int) -> str:
    """One district sends a corrected file (same name, one revenue changed, received an hour later)."""
    cat = ws.catalogue()
    district = cat.districts[len(cat.districts) // 2]
    data = plan_demo(cat, PERIOD, enterprises=enterprises, projects=projects, plant=False,
                     only=[district.code]).data[0]
    if data.roster:
        data.roster[0]["revenue"] = data.roster[0]["revenue"] + Decimal("1.00")
    data = replace(data, received=data.received + dt.timedelta(hours=1))
    write_district(cat, PERIOD, data, ws.inbox / data.file_name)
    return data.file_name


def check_one(ws: Workspace, rows: int, dest: Path) -> dict:
    """`reporttool check` on one file of ``rows`` roster rows: as a command, and read+check in process."""
    cat = ws.catalogue()
    district = cat.districts[0]
    data = plan_demo(cat, PERIOD, enterprises=rows, projects=300, plant=False, only=[district.code]).data[0]
    path = write_district(cat, PERIOD, data, dest / data.file_name)
    m = measure(reporttool_cmd(ws, "check", "--no-feedback", "--period", PERIOD.key, str(path)), env=ENV)
    result = {"rows": len(data.roster), "projects": len(data.projects), "cli_s": m.wall, "rc": m.rc,
              "peak_tree_mib": m.peak_tree_mib}
    try:
        from reporttool.checks.single import check_submission
        from reporttool.forms.reader import read_submission

        start = time.perf_counter()
        sub, _ = read_submission(path, cat, expected_period=PERIOD)
        read_s = time.perf_counter() - start
        check_submission(sub, cat, PERIOD)
        result.update(read_s=read_s, read_check_s=time.perf_counter() - start)
    except ImportError as exc:  # the pipeline is not complete yet
        result["in_process_error"] = str(exc)
    return result


def machine() -> dict:
    mem = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem = f"{int(line.split()[1]) / 2**20:.1f} GiB"
    except OSError:
        pass
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    return {"nproc": os.cpu_count(), "memory": mem, "python": platform.python_version(),
            "platform": platform.platform(), "cpu": platform.processor() or platform.machine(),
            "load_1min_at_start": load}


def fmt_mib(x: float | None) -> str:
    return "—" if x is None else f"{x:,.0f}"


def markdown(res: dict) -> str:
    m = res["machine"]
    lines = [f"# reporttool benchmark {res['started']}", "",
             f"Machine: {m['nproc']} CPUs, {m['memory']} RAM, Python {m['python']}, {m['platform']}; "
             f"load average at start {m['load_1min_at_start']}.",
             f"Each district: {res['enterprises']} roster rows, {res['projects']} projects, "
             "and the output rows of every cluster it works in.", "",
             "| districts | roster rows | project rows | files MiB | consolidate s | peak RSS MiB (all procs / largest) "
             "| baseline s | baseline peak MiB | consolidate/baseline | consolidate ms per 1k rows |",
             "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in res["sizes"]:
        a, b = r["consolidate"], r["baseline"]
        lines.append(f"| {r['districts']} | {r['roster_rows']:,} | {r['project_rows']:,} | {r['files_mib']:.1f} "
                     f"| {a['wall']:.1f} | {fmt_mib(a['peak_tree_mib'])} / {fmt_mib(a['peak_proc_mib'])} "
                     f"| {b['wall']:.1f} | {fmt_mib(b['peak_tree_mib'])} | {r['ratio']:.2f} "
                     f"| {1000 * a['wall'] / max(1, r['roster_rows'] + r['project_rows']):.2f} |")
    lines.append("")
    if res.get("rerun"):
        e = res["rerun"]
        lines.append(f"Re-run after one district resubmits ({e['districts']} districts): {e['wall']:.2f} s, "
                     f"{e['ratio']:.3f} × the first run; files newly read: {e['new_files']}.")
    if res.get("check"):
        c = res["check"]
        extra = (f"; read+check in process {c['read_check_s']:.2f} s (read {c['read_s']:.2f} s)"
                 if "read_check_s" in c else "")
        lines.append(f"`reporttool check` on one file of {c['rows']:,} roster rows + {c['projects']} projects: "
                     f"{c['cli_s']:.2f} s as a command (exit {c['rc']}){extra}.")
    lines += ["", "Goals:", ""]
    for name, ok, text in res["goals"]:
        lines.append(f"- [{'x' if ok else ' '}] {name}: {text}")
    return "\n".join(lines) + "\n"


def evaluate(res: dict) -> list[tuple[str, bool, str]]:
    goals = []
    if res["sizes"]:
        big = res["sizes"][-1]
        a = big["consolidate"]
        goals.append(("consolidate ≤ 0.4 × baseline", big["ratio"] <= GOALS["ratio"], f"{big['ratio']:.2f}"))
        peak = a["peak_tree_mib"] or a["peak_proc_mib"] or 0
        goals.append(("peak RSS < 1.5 GiB", peak < GOALS["rss_mib"], f"{peak:,.0f} MiB"))
        marginal = _marginal(res["sizes"])
        if marginal:
            spread = max(marginal) / min(marginal) if min(marginal) > 0 else float("inf")
            shown = "、".join(f"{1000 * x:.2f}" for x in marginal)
            goals.append(("cost linear in rows", spread <= 1.5,
                          f"marginal cost between sizes {shown} ms per 1k rows (×{spread:.2f}; ≤ ×1.5 counted as linear)"))
    if res.get("rerun"):
        e = res["rerun"]
        goals.append(("one-file re-run ≤ 0.1 × first run", e["ratio"] <= GOALS["rerun_ratio"] and e["new_files"] == 1,
                      f"{e['ratio']:.3f}, {e['new_files']} file(s) newly read"))
    if res.get("check"):
        c = res["check"]
        goals.append((f"check of one {c['rows']:,}-row file < 1 s", c["cli_s"] < GOALS["check_s"],
                      f"{c['cli_s']:.2f} s as a command" + (f", {c['read_check_s']:.2f} s in process"
                                                           if "read_check_s" in c else "")))
    return goals


def _marginal(sizes: list[dict]) -> list[float]:
    """Seconds per extra row between consecutive sizes: fixed costs (start-up, the brief) cancel out."""
    out = []
    for small, big in zip(sizes, sizes[1:]):
        rows = (big["roster_rows"] + big["project_rows"]) - (small["roster_rows"] + small["project_rows"])
        if rows > 0:
            out.append((big["consolidate"]["wall"] - small["consolidate"]["wall"]) / rows)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--districts-list", default="10,50,100", help="sizes to run, e.g. 10,50,100")
    ap.add_argument("--enterprises", type=int, default=2000, help="roster rows per district")
    ap.add_argument("--projects", type=int, default=300, help="projects per district")
    ap.add_argument("--check-rows", type=int, default=5000, help="roster rows of the file for (f)")
    ap.add_argument("--quick", action="store_true", help="small sizes for a smoke run")
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="processes writing the demo files")
    ap.add_argument("--keep", action="store_true", help="keep the temporary workspaces")
    ap.add_argument("--out", default=str(REPO / "bench" / "results"), help="where to write the results")
    args = ap.parse_args()
    if args.quick:
        args.districts_list, args.enterprises, args.projects, args.check_rows = "2,4", 200, 30, 500
    sizes = sorted({int(x) for x in args.districts_list.split(",") if x.strip()})
    tmp = Path(tempfile.mkdtemp(prefix="reporttool-bench-"))
    global ENV
    ENV = bench_env(tmp)
    res: dict = {"started": dt.datetime.now().strftime("%Y-%m-%d %H:%M"), "machine": machine(),
                 "enterprises": args.enterprises, "projects": args.projects, "sizes": []}
    try:
        for n in sizes:
            print(f"[{n} districts] generating ...", file=sys.stderr, flush=True)
            ws, gen_s, plan_rows = build_round(tmp / f"省级{n}", n, args.enterprises, args.projects, args.workers)
            files = sorted(ws.inbox.glob("*.xlsx"))
            print(f"[{n} districts] {len(files)} files in {gen_s:.0f} s; consolidate ...", file=sys.stderr, flush=True)
            a = measure(reporttool_cmd(ws, "consolidate", "--period", PERIOD.key), env=ENV)
            if a.rc not in (0, 1):
                print(a.stderr, file=sys.stderr)
                raise SystemExit(f"consolidate failed (exit {a.rc})")
            print(f"[{n} districts] consolidate {a.wall:.1f} s; baseline ...", file=sys.stderr, flush=True)
            b = measure([sys.executable, str(REPO / "bench" / "baseline.py"), str(ws.inbox)])
            if b.rc != 0:
                print(b.stderr, file=sys.stderr)
                raise SystemExit("baseline failed")
            row = {"districts": n, "files": len(files), "files_mib": sum(f.stat().st_size for f in files) / 2**20,
                   "generate_s": gen_s, **plan_rows, "new_files": new_files(a),
                   "consolidate": _m(a), "baseline": _m(b), "ratio": a.wall / b.wall}
            res["sizes"].append(row)
            print(f"[{n} districts] baseline {b.wall:.1f} s; ratio {row['ratio']:.2f}", file=sys.stderr, flush=True)
            if n == sizes[-1]:
                name = resubmit(ws, args.enterprises, args.projects)
                e = measure(reporttool_cmd(ws, "consolidate", "--period", PERIOD.key), env=ENV)
                res["rerun"] = {"districts": n, "file": name, "wall": e.wall, "rc": e.rc,
                                "ratio": e.wall / a.wall, "new_files": new_files(e), **_m(e)}
                print(f"[{n} districts] re-run {e.wall:.2f} s", file=sys.stderr, flush=True)
            if n == sizes[0]:
                (tmp / "check").mkdir(exist_ok=True)
                res["check"] = check_one(ws, args.check_rows, tmp / "check")
            if not args.keep and n != sizes[0]:
                shutil.rmtree(ws.root, ignore_errors=True)
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            print(f"workspaces kept in {tmp}", file=sys.stderr)
    res["goals"] = evaluate(res)
    text = markdown(res)
    print(text)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    (out / f"bench-{stamp}.md").write_text(text, encoding="utf-8")
    (out / f"bench-{stamp}.json").write_text(json.dumps(res, ensure_ascii=False, indent=2), encoding="utf-8")
    print(f"written: {out / f'bench-{stamp}.md'}", file=sys.stderr)
    return 0


def _m(m: Measured) -> dict:
    d = asdict(m)
    d.pop("stdout"), d.pop("stderr")
    return d


if __name__ == "__main__":
    sys.exit(main())
