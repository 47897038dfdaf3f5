"""Feedback workbooks, before and after (a script, not a test): `python bench/feedback.py`.

Builds --files province-sized district files with the demo generator (--enterprises roster rows and
--projects projects each, no planted problems), checks them, gives each file --extra more findings spread
over its 集群企业 and 投资项目 rows (so that every file has cells to paint, as a real round's returned files
do), then writes every file's feedback workbook with each engine of render/feedback.write_feedback:
"openpyxl" (load, paint, save: the way it was) and "xml" (the district's parts copied, only what changes
rewritten: render/feedback_xml.py). In this process, one after the other; CPU time (time.process_time)
per workbook, best of --repeat. Checks that both engines give the same workbook as openpyxl reads it (values,
fills, comments of every cell) for every file. Prints a Markdown table; docs/performance.md records it.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from reporttool.checks import check_files  # noqa: E402
from reporttool.core.models import Period  # noqa: E402
from reporttool.core.rules import finding  # noqa: E402
from reporttool.demo.make import make_demo  # noqa: E402
from reporttool.render.feedback import write_feedback  # noqa: E402
from reporttool.workspace import init_workspace  # noqa: E402

PERIOD = Period(2025, 6)
ENGINES = ("openpyxl", "xml")


def _extra(path: Path, n: int) -> list:
    out = []
    for i in range(n):
        sheet, col, title = (("集群企业", "B", "统一社会信用代码") if i % 2 == 0 else ("投资项目", "C", "项目名称"))
        row = 7 + 3 * i
        out.append(finding("R-REQUIRED", file=path.name, sheet=sheet, row=row, column=title, cell=f"{col}{row}",
                           value=""))
    return out


def _look(path: Path) -> dict:
    import openpyxl

    wb = openpyxl.load_workbook(path)
    return {(ws.title, c.coordinate): (c.value, c.fill.fgColor.rgb if c.fill.fill_type else None,
                                       c.comment.text if c.comment else None)
            for ws in wb.worksheets for row in ws.iter_rows() for c in row}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--files", type=int, default=10)
    ap.add_argument("--enterprises", type=int, default=2000)
    ap.add_argument("--projects", type=int, default=300)
    ap.add_argument("--extra", type=int, default=10, help="findings added per file")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--no-compare", action="store_true", help="skip the same-result check (slow)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-feedback-") as tmp:
        ws = init_workspace(Path(tmp) / "ws")
        start = time.perf_counter()
        make_demo(ws, PERIOD, districts=args.files, enterprises=args.enterprises, projects=args.projects,
                  plant=False, workers=2)
        files = sorted(ws.inbox.glob("*.xlsx"))
        print(f"{len(files)} files generated in {time.perf_counter() - start:.1f} s, "
              f"{sum(f.stat().st_size for f in files) / 2**20:.1f} MiB", flush=True)
        cat = ws.catalogue()
        reports = check_files(files, cat, workers=2)
        jobs = [(Path(r.path), list(r.findings) + _extra(Path(r.path), args.extra)) for r in reports]
        best = {e: [float("inf")] * len(jobs) for e in ENGINES}
        for rep in range(args.repeat):
            for engine in ENGINES:
                for i, (src, findings) in enumerate(jobs):
                    t = time.process_time()
                    write_feedback(src, findings, Path(tmp) / engine / f"{i}.xlsx", words=cat.words,
                                   engine=engine)
                    best[engine][i] = min(best[engine][i], time.process_time() - t)
            print(f"repeat {rep + 1}: " + ", ".join(f"{e} {sum(best[e]):.2f} s" for e in ENGINES), flush=True)
        same = "not checked"
        if not args.no_compare:
            same = "yes" if all(_look(Path(tmp) / "xml" / f"{i}.xlsx") == _look(Path(tmp) / "openpyxl" / f"{i}.xlsx")
                                for i in range(len(jobs))) else "**NO**"
        n = len(jobs)
        findings = sum(len(f) for _s, f in jobs)
        print()
        print(f"{n} feedback workbooks ({args.enterprises} roster rows + {args.projects} projects each, "
              f"{findings} findings in all), CPU s, best of {args.repeat}:")
        print()
        print("| engine | all files s | per file s | × openpyxl |")
        print("|---|---:|---:|---:|")
        for e in ENGINES:
            print(f"| {e} | {sum(best[e]):.2f} | {sum(best[e]) / n:.3f} | {sum(best[e]) / sum(best['openpyxl']):.2f} |")
        print()
        print(f"same workbook as openpyxl reads it (values, fills, comments of every cell): {same}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
