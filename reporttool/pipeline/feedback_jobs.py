"""Writing the districts' feedback workbooks, in parallel when there are several.

Each feedback workbook is the district's own file annotated. With openpyxl (load, paint, save) that cost
≈0.7 s each on the bench machine, one after the other in the parent, after every file had been read: in a
province round where many districts have findings the largest part of the run (docs/performance.md), while
the reading workers sat idle. It is now painted at the XML level (render/feedback_xml.py, a fraction of
that; openpyxl remains for the workbooks that path cannot handle), and still written in parallel.
With ``PARALLEL_MIN`` or more to write they are written by a ``spawn`` pool
(one process per CPU, as the reading workers: ended when the parent dies, Ctrl-C left to the parent);
fewer are written in this process (a worker costs ≈0.3 s to start, a workbook ≈0.1 s to write). Each job writes its own file
atomically in the staging folder, so the order does not matter; an OSError or ReportToolError raised while
writing one is raised here as it was in process. A pool that breaks (a worker killed) writes what is left
in this process.
"""
from __future__ import annotations

import concurrent.futures as cf
import os
from collections.abc import Callable
from pathlib import Path

from reporttool.catalogue.model import Words
from reporttool.core.errors import ReportToolError
from reporttool.core.models import Finding

PARALLEL_MIN = 8  # 4 while each took ≈0.7 s with openpyxl
MEMORY_MB = 2048  # per worker (RLIMIT_AS where there is one): a 5,000-row workbook in openpyxl is ≈ 300 MB

# (archived source file or None, the district's findings, destination in staging, district name, the bureau's
# 退回 of that version in words or "": pipeline/returned.py)
FeedbackJob = tuple[Path | None, list[Finding], Path, str, str]


def write_one(job: FeedbackJob, period_label: str, words: Words | None) -> None:
    """One district's feedback workbook; a failure on its file gives the list-only workbook instead."""
    from reporttool.render.feedback import write_feedback

    source, findings, dest, district_name, returned = job
    try:  # write_feedback falls back to a list-only workbook itself; this is the last guard
        write_feedback(source, findings, dest, district_name=district_name, period_label=period_label, words=words,
                       returned=returned)
    except (OSError, ReportToolError):
        raise
    except Exception:  # noqa: BLE001 - this district's feedback only: list the findings without its file
        write_feedback(None, findings, dest, district_name=district_name, period_label=period_label, words=words,
                       returned=returned)


def write_all(jobs: list[FeedbackJob], period_label: str, words: Words | None, *,
              workers: int | None = None) -> None:
    """Write every job's feedback workbook (see the module docstring)."""
    start_all(jobs, period_label, words, workers=workers)()


def start_all(jobs: list[FeedbackJob], period_label: str, words: Words | None, *,
              workers: int | None = None) -> Callable[[], None]:
    """Start writing every job's feedback workbook and return the function that waits for them.

    With a pool, the workers start (≈0.3 s each) and write while the caller writes its other outputs
    (the 汇总表, the 明细, the brief); the returned function then waits, raising what a job raised, and
    writes in this process whatever a broken pool left. Without one, nothing starts until it is called.
    """
    workers = min(workers or os.cpu_count() or 1, len(jobs))
    if len(jobs) < PARALLEL_MIN or workers < 2:
        def in_process() -> None:
            for job in jobs:
                write_one(job, period_label, words)
        return in_process
    import multiprocessing  # here: a run with few workbooks to write never loads it
    from concurrent.futures.process import BrokenProcessPool

    from reporttool.forms.isolate import _init_worker

    pool = cf.ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"),
                                  initializer=_init_worker, initargs=(MEMORY_MB, os.getpid()))
    try:
        futures = {pool.submit(write_one, job, period_label, words): i for i, job in enumerate(jobs)}
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)
        raise

    def wait() -> None:
        done: set[int] = set()
        try:
            with pool:
                for fut in cf.as_completed(futures):
                    fut.result()  # the job's OSError / ReportToolError, as in process
                    done.add(futures[fut])
        except BrokenProcessPool:
            for i, job in enumerate(jobs):
                if i not in done:
                    write_one(job, period_label, words)
    return wait
