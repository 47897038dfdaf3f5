"""Run the demo on two checkouts and compare their outputs cell for cell and word for word.

    python bench/compare_demo.py /path/to/checkout-A /path/to/checkout-B [--period 2025-06] [--date 2025-07-08]

Each checkout runs as ``python -m reporttool`` with PYTHONPATH set to it (this interpreter's packages).
Compared: every .xlsx under outbox/<period>/ (every sheet's cell values, via openpyxl), every .docx
(paragraph and table text), manifest.json minus times and versions. Exit 0 when equal, 1 with the
differences listed otherwise. Timestamps (core.xml, generated-at texts in the manifest) are ignored.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

# times, the tool version, absolute paths (each run has its own temporary folder), file hashes
IGNORED_MANIFEST_KEYS = {"generated_at", "version", "started_at", "finished_at", "tool_version", "catalogue_path",
                         "output_hashes"}  # output_hashes: of files that carry their own creation time


def run_demo(checkout: Path, work: Path, period: str, date: str) -> Path:
    env = dict(os.environ, PYTHONPATH=str(checkout), PYTHONHASHSEED="0")
    ws = work / "ws"
    for args in (["init", str(ws)], ["-w", str(ws), "demo", "--period", period],
                 ["-w", str(ws), "consolidate", "--period", period, "--date", date]):
        proc = subprocess.run([sys.executable, "-m", "reporttool", *args], env=env, cwd=work,
                              capture_output=True, text=True, encoding="utf-8")
        if proc.returncode not in (0, 1):
            raise SystemExit(f"{checkout}: reporttool {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}")
    return ws / "outbox" / period


def xlsx_cells(path: Path) -> dict[str, list[tuple]]:
    import openpyxl

    wb = openpyxl.load_workbook(path, data_only=True)
    try:
        return {ws.title: [tuple(c.value for c in row) for row in ws.iter_rows()] for ws in wb.worksheets}
    finally:
        wb.close()


def docx_text(path: Path) -> list[str]:
    import docx

    d = docx.Document(str(path))
    out = [p.text for p in d.paragraphs]
    for t in d.tables:
        out.extend(" | ".join(c.text for c in row.cells) for row in t.rows)
    for s in d.sections:
        out.extend(p.text for p in s.footer.paragraphs)
    return out


def manifest(path: Path) -> object:
    def strip(x: object) -> object:
        if isinstance(x, dict):
            return {k: strip(v) for k, v in x.items() if k not in IGNORED_MANIFEST_KEYS}
        if isinstance(x, list):
            return [strip(v) for v in x]
        return x
    return strip(json.loads(path.read_text(encoding="utf-8")))


def compare(a: Path, b: Path) -> list[str]:
    diffs: list[str] = []
    files_a = sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file())
    files_b = sorted(p.relative_to(b) for p in b.rglob("*") if p.is_file())
    if files_a != files_b:
        diffs.append(f"file lists differ: {sorted(set(files_a) ^ set(files_b))}")
    for rel in sorted(set(files_a) & set(files_b)):
        pa, pb = a / rel, b / rel
        if rel.suffix == ".xlsx":
            ca, cb = xlsx_cells(pa), xlsx_cells(pb)
            if ca.keys() != cb.keys():
                diffs.append(f"{rel}: sheets {list(ca)} != {list(cb)}")
            for sheet in ca.keys() & cb.keys():
                if ca[sheet] != cb[sheet]:
                    for i, (ra, rb) in enumerate(zip(ca[sheet], cb[sheet]), 1):
                        if ra != rb:
                            diffs.append(f"{rel}[{sheet}] row {i}: {ra} != {rb}")
                            break
                    else:
                        diffs.append(f"{rel}[{sheet}]: {len(ca[sheet])} rows != {len(cb[sheet])} rows")
        elif rel.suffix == ".docx":
            ta, tb = docx_text(pa), docx_text(pb)
            if ta != tb:
                first = next((i for i, (x, y) in enumerate(zip(ta, tb)) if x != y), min(len(ta), len(tb)))
                diffs.append(f"{rel}: text differs at paragraph {first}: "
                             f"{ta[first:first + 1]} != {tb[first:first + 1]}")
        elif rel.name == "manifest.json":
            ma, mb = manifest(pa), manifest(pb)
            if ma != mb:
                keys = sorted(k for k in set(ma) | set(mb) if ma.get(k) != mb.get(k)) if isinstance(ma, dict) else []
                diffs.append(f"{rel}: differs (beyond times and versions) in {keys}")
        elif pa.read_bytes() != pb.read_bytes():
            diffs.append(f"{rel}: bytes differ")
    return diffs


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("a", type=Path)
    ap.add_argument("b", type=Path)
    ap.add_argument("--period", default="2025-06")
    ap.add_argument("--date", default="2025-07-08")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as ta, tempfile.TemporaryDirectory() as tb:
        out_a = run_demo(args.a.resolve(), Path(ta), args.period, args.date)
        out_b = run_demo(args.b.resolve(), Path(tb), args.period, args.date)
        diffs = compare(out_a, out_b)
    for d in diffs:
        print(d)
    print("equal" if not diffs else f"{len(diffs)} difference(s)")
    return 1 if diffs else 0


if __name__ == "__main__":
    sys.exit(main())
