"""The one-file re-run, stage by stage (a script, not a test): `python bench/rerun.py WORKSPACE`.

WORKSPACE is a consolidated province round (`python bench/run.py --keep` leaves one as run100/). Each of
--runs times: the workspace is copied, one district sends a corrected file (as bench/run.py (e) does:
same name, one revenue changed, received later), and the run is made in a fresh interpreter — imports as
the command makes them, then pipeline.consolidate.run_consolidate with each stage timed (wall and CPU of
this process; the brief is written by the side process meanwhile, pipeline/side.py, so "side_wait" is
how long the parent waited for it). Prints the best and the median of each stage over the runs, and the
timeline of the fastest run. What bench/run.py reports as (e) is the whole command (interpreter start and
exit included) on the same kind of run.
"""
from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

STAGES = [("reporttool.pipeline.consolidate", f) for f in
          ("_ingest_inbox", "checked_versions", "compute_figures", "add_other_periods")] + \
         [("reporttool.pipeline.outputs", f) for f in ("detail_sheets", "write_outputs", "_manifest", "replace_all")] + \
         [("reporttool.render.workbook", "write_consolidated"), ("reporttool.render.detail_book", "write_detail_book")]

CHILD = r'''
import time
T0 = time.perf_counter()
import functools, importlib, json, sys
import reporttool.cli  # what the command imports before it runs
from reporttool.pipeline import consolidate
T1, C1 = time.perf_counter(), time.process_time()
stages = {}

def timed(name, fn):
    @functools.wraps(fn)
    def run(*a, **k):
        t, c = time.perf_counter(), time.process_time()
        try:
            return fn(*a, **k)
        finally:
            stages[name] = (t - T1, time.perf_counter() - t, time.process_time() - c)
    return run

for mod, name in STAGES:
    m = importlib.import_module(mod)
    setattr(m, name, timed(name, getattr(m, name)))
import reporttool.pipeline.side as side
start = side.Side.start
def start_timed(self, fn, *a, **k):
    return timed("side_wait", start(self, fn, *a, **k))
side.Side.start = start_timed
from pathlib import Path
from reporttool.core.models import parse_period
from reporttool.workspace import Workspace
consolidate.run_consolidate(Workspace(Path(sys.argv[1])), parse_period(sys.argv[2]))
stages["imports"] = (0.0, T1 - T0, 0.0)
stages["run"] = (0.0, time.perf_counter() - T1, time.process_time() - C1)
print(json.dumps(stages))
'''


def resubmit(root: Path, period) -> None:
    """One district (the middle one) sends its file again, corrected and later (as bench/run.py)."""
    from reporttool.demo.make import plan_demo, write_district
    from reporttool.workspace import Workspace

    ws = Workspace(root)
    cat = ws.catalogue()
    district = cat.districts[len(cat.districts) // 2]
    existing = [p for p in ws.inbox.glob("*.xlsx")]
    data = plan_demo(cat, period, enterprises=2000, projects=300, plant=False, only=[district.code]).data[0]
    if data.roster:
        data.roster[0]["revenue"] = data.roster[0]["revenue"] + Decimal(random.randint(2, 999))
    data = dataclasses.replace(data, received=data.received + dt.timedelta(hours=random.randint(2, 9)))
    if not any(p.name == data.file_name for p in existing):
        raise SystemExit(f"{root}: no file {data.file_name} in inbox/ (not a bench round?)")
    write_district(cat, period, data, ws.inbox / data.file_name)


def main() -> None:
    from reporttool.core.models import parse_period

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("workspace", type=Path)
    ap.add_argument("--period", default="2025-06")
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    period = parse_period(args.period)
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # as an installed tool runs: with compiled bytecode
    child = CHILD.replace("STAGES", repr(STAGES))
    results = []
    with tempfile.TemporaryDirectory(prefix="reporttool-rerun-") as tmp:
        env["PYTHONPYCACHEPREFIX"] = str(Path(tmp) / "pycache")
        subprocess.run([sys.executable, "-m", "compileall", "-q", str(REPO / "reporttool")], env=env, check=False,
                       stdout=subprocess.DEVNULL)
        for _ in range(args.runs):
            root = Path(tmp) / "ws"
            shutil.rmtree(root, ignore_errors=True)
            shutil.copytree(args.workspace, root, symlinks=True)
            resubmit(root, period)
            start = time.perf_counter()
            out = subprocess.run([sys.executable, "-c", child, str(root), period.key], env=env, capture_output=True,
                                 text=True)
            wall = time.perf_counter() - start
            if out.returncode:
                raise SystemExit(out.stderr)
            stages = json.loads(out.stdout.strip().splitlines()[-1])
            stages["interpreter"] = (0.0, wall, 0.0)
            results.append(stages)
    print(f"{'stage':22s} {'best s':>8s} {'median s':>9s} {'CPU best':>9s}")
    for name in sorted(results[0], key=lambda k: results[0][k][0]):
        walls = sorted(r[name][1] for r in results if name in r)
        cpus = sorted(r[name][2] for r in results if name in r)
        print(f"{name:22s} {walls[0]:8.3f} {walls[len(walls) // 2]:9.3f} {cpus[0]:9.3f}")
    fast = min(results, key=lambda r: r["interpreter"][1])
    print(f"\nfastest run: {fast['interpreter'][1]:.3f} s from interpreter start to exit; its timeline (s after"
          " the imports):")
    for name in sorted(fast, key=lambda k: fast[k][0]):
        if name not in ("imports", "run", "interpreter"):
            print(f"  {fast[name][0]:6.3f}  {name:22s} {fast[name][1]:.3f}")


if __name__ == "__main__":
    main()
