"""The calamine floor the benchmark prints beside consolidate and the naive read.

python-calamine reads every sheet of every .xlsx in a folder into Python values (``to_python()``), in this
one process: no checks, no ledger, no outputs. Nothing that reads the files can be much faster in Python,
so consolidate's time is also given as a multiple of this. Run as a subprocess by bench/run.py so that it
is measured like the others. Prints the number of cells read as JSON.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

from python_calamine import CalamineWorkbook


def main(folder: str) -> None:
    files = cells = 0
    for path in sorted(Path(folder).glob("*.xlsx")):
        book = CalamineWorkbook.from_path(str(path))
        for name in book.sheet_names:
            rows = book.get_sheet_by_name(name).to_python()
            cells += sum(len(r) for r in rows)
        files += 1
    print(json.dumps({"files": files, "cells": cells}))


if __name__ == "__main__":
    main(sys.argv[1])
