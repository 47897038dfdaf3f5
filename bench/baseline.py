"""The naive baseline the benchmark compares `reporttool consolidate` with.

pandas.read_excel(engine="openpyxl") of the three data sheets of every .xlsx in a folder, concatenated
per sheet; no checks, no ledger, no outputs. Run as a subprocess by bench/run.py so that its time and
memory are measured the same way as consolidate's. Prints the row counts as JSON.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pandas as pd

SHEETS = ("集群企业", "投资项目", "集群产出")  # reporttool.forms.layout.DATA_SHEETS names


def main(folder: str) -> None:
    frames: dict[str, list[pd.DataFrame]] = {s: [] for s in SHEETS}
    for path in sorted(Path(folder).glob("*.xlsx")):
        book = pd.read_excel(path, sheet_name=list(SHEETS), engine="openpyxl", header=None)
        for sheet in SHEETS:
            frames[sheet].append(book[sheet])
    tables = {s: pd.concat(f, ignore_index=True) if f else pd.DataFrame() for s, f in frames.items()}
    print(json.dumps({s: len(t) for s, t in tables.items()}, ensure_ascii=False))


if __name__ == "__main__":
    main(sys.argv[1])
