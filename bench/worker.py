"""The reading worker's job, stage by stage (a script, not a test): `python bench/worker.py WORKSPACE`.

What one consolidate worker does with one district file (forms/isolate._read_job with the
pipeline.ingest job): the safety pre-check, the read, the single-file checks, the detail-list fragments and
the ledger rows (prepare). Runs in this process on the first --files files of WORKSPACE/inbox (a
workspace made by `python bench/run.py --keep`, or `reporttool demo --districts 100 --enterprises 2000
--projects 300 --clean`), CPU time (time.process_time) per file, best of --repeat; then each stage alone,
so a change to one stage shows in its own line. --profile adds a cProfile of the whole job.
"""
from __future__ import annotations

import argparse
import cProfile
import functools
import pickle
import pstats
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from reporttool.checks.single import check_submission  # noqa: E402
from reporttool.core.models import parse_period  # noqa: E402
from reporttool.core.safety import precheck  # noqa: E402
from reporttool.forms.isolate import _read_job  # noqa: E402
from reporttool.forms.reader import read_submission  # noqa: E402
from reporttool.ledger import prepare  # noqa: E402
from reporttool.pipeline.ingest import prepare_ingest  # noqa: E402
from reporttool.render.detail_book import render_fragment  # noqa: E402
from reporttool.workspace import Workspace  # noqa: E402


def _best(fn, files: list[Path], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t = time.process_time()
        for f in files:
            fn(f)
        best = min(best, (time.process_time() - t) / len(files))
    return best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("workspace", type=Path)
    ap.add_argument("--files", type=int, default=10)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--period", default="2025-06")
    ap.add_argument("--profile", action="store_true")
    a = ap.parse_args()
    ws = Workspace(a.workspace)
    cat = ws.catalogue()
    period = parse_period(a.period)
    files = sorted(ws.inbox.glob("*.xlsx"))[: a.files]
    if not files:
        raise SystemExit(f"no .xlsx in {ws.inbox}")
    job = functools.partial(prepare_ingest, cat=cat, default=period)
    subs = {f: read_submission(f, cat)[0] for f in files}

    def whole(f: Path) -> None:
        _read_job(str(f), cat, None, None, None, job)

    def fragments(f: Path) -> None:
        sub = subs[f]
        for key in ("roster", "projects"):
            t = sub.tables.get(key)
            render_fragment(key, t.rows if t else [], sub.district, cat)

    stages = [
        ("whole worker job", whole),
        ("safety pre-check", lambda f: precheck(f)),
        ("pre-check + read", lambda f: read_submission(f, cat)),
        ("checks", lambda f: check_submission(subs[f], cat, period)),
        ("detail fragments", fragments),
        ("ledger rows + aggregates (prepare)", lambda f: prepare(subs[f])),
    ]
    for f in files[:2]:
        whole(f)  # warm: imports, caches
    print(f"{len(files)} files of {ws.inbox}; CPU ms per file, best of {a.repeat}")
    for name, fn in stages:
        print(f"  {name:36s} {_best(fn, files, a.repeat) * 1000:8.1f}")
    res = _read_job(str(files[0]), cat, None, None, None, job)
    print(f"  payload sent to the parent: {len(pickle.dumps(res)) / 1024:.0f} KiB (first file)")
    if a.profile:
        pr = cProfile.Profile()
        pr.enable()
        for f in files:
            whole(f)
        pr.disable()
        st = pstats.Stats(pr)
        st.sort_stats("cumulative").print_stats(40)
        st.sort_stats("tottime").print_stats(30)


if __name__ == "__main__":
    main()
